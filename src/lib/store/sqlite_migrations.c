/*
 * sqlite_migrations.c - the SQLite store's schema, as numbered SQL scripts
 * applied in order (sqlite.c). Never edit a migration that has shipped: add
 * the next one.
 */
#include "lib/store/sqlite.h"

#include "core/alloc.h"

const struct sqlite_migration sqlite_migrations[] = {
	{ 1, "init",
	  "CREATE TABLE meta (\n"
	  "	key TEXT PRIMARY KEY,\n"
	  "	value TEXT\n"
	  ");\n"
	  /* state: planned, committed, tagged, built, published, pushed,
	   * done, failed or undone. */
	  "CREATE TABLE releases (\n"
	  "	id INTEGER PRIMARY KEY,\n"
	  "	version TEXT NOT NULL,\n"
	  "	tag TEXT NOT NULL,\n"
	  "	commit_id TEXT,\n"
	  "	previous TEXT,\n"
	  "	channel TEXT,\n"
	  "	state TEXT NOT NULL,\n"
	  "	step TEXT,\n"
	  "	message TEXT,\n"
	  "	started_at TEXT NOT NULL,\n"
	  "	updated_at TEXT NOT NULL\n"
	  ");\n"
	  "CREATE TABLE events (\n"
	  "	id INTEGER PRIMARY KEY,\n"
	  "	at TEXT NOT NULL,\n"
	  "	kind TEXT NOT NULL,\n"
	  "	data TEXT\n"
	  ");\n" },
	/* bosun agents (docs/agents.md): one row per file bosun owns, and
	 * one per deployment, clean or rollback with its manifest (what
	 * each file was before and after, and where its backup is). */
	{ 2, "agents",
	  "CREATE TABLE agent_files (\n"
	  "	target TEXT NOT NULL,\n"
	  "	path TEXT NOT NULL,\n"
	  "	template TEXT NOT NULL,\n"
	  "	version TEXT NOT NULL,\n"
	  "	hash TEXT NOT NULL,\n"
	  "	deployed_at TEXT NOT NULL,\n"
	  "	PRIMARY KEY (target, path)\n"
	  ");\n"
	  /* state: done, interrupted (settled after a kill) or rolled-back. */
	  "CREATE TABLE agent_deploys (\n"
	  "	id TEXT PRIMARY KEY,\n"
	  "	kind TEXT NOT NULL,\n"
	  "	state TEXT NOT NULL,\n"
	  "	at TEXT NOT NULL,\n"
	  "	manifest TEXT NOT NULL\n"
	  ");\n" },
	/* bosun deploy (docs/deploy.md): one row per finished watch, kept so
	 * that deployment frequency, lead time and failure rate (the DORA
	 * metrics) can be computed from them. verdict: success, failed,
	 * timeout or canceled; probes: the probes' last states as JSON. */
	{ 3, "deploys",
	  "CREATE TABLE deploys (\n"
	  "	id INTEGER PRIMARY KEY,\n"
	  "	commit_id TEXT NOT NULL,\n"
	  "	started_at TEXT NOT NULL,\n"
	  "	finished_at TEXT NOT NULL,\n"
	  "	verdict TEXT NOT NULL,\n"
	  "	probes TEXT,\n"
	  "	attempts INTEGER NOT NULL,\n"
	  "	requests INTEGER NOT NULL,\n"
	  "	message TEXT,\n"
	  "	remote TEXT,\n"
	  "	branch TEXT,\n"
	  "	duration_ms INTEGER NOT NULL\n"
	  ");\n"
	  "CREATE INDEX deploys_commit ON deploys (commit_id);\n" },
	/* bosun agents' stat cache (docs/agents.md, "Speed"): what a row's
	 * bytes were rendered from (the template file, its SHA-256, the base
	 * agent's SHA-256 and the renderer's version; out_hash: the hash
	 * they render to, which they vouch for), and the file's stat
	 * when bosun wrote it (size, mtime and ctime in ns, inode; st_ref: a
	 * file-system time before that stat, for the racy-git rule; st_hash:
	 * the hash the stat vouches for). NULL: unknown, read and hash. */
	{ 4, "agents-cache",
	  "ALTER TABLE agent_files ADD COLUMN src TEXT;\n"
	  "ALTER TABLE agent_files ADD COLUMN src_hash TEXT;\n"
	  "ALTER TABLE agent_files ADD COLUMN base_hash TEXT;\n"
	  "ALTER TABLE agent_files ADD COLUMN renderer TEXT;\n"
	  "ALTER TABLE agent_files ADD COLUMN out_hash TEXT;\n"
	  "ALTER TABLE agent_files ADD COLUMN st_size INTEGER;\n"
	  "ALTER TABLE agent_files ADD COLUMN st_mtime INTEGER;\n"
	  "ALTER TABLE agent_files ADD COLUMN st_ctime INTEGER;\n"
	  "ALTER TABLE agent_files ADD COLUMN st_ino INTEGER;\n"
	  "ALTER TABLE agent_files ADD COLUMN st_ref INTEGER;\n"
	  "ALTER TABLE agent_files ADD COLUMN st_hash TEXT;\n" },
	/* bosun agents' template stat cache (docs/agents.md, "Speed"): the
	 * stat of each template file of a templates folder (dir: its absolute
	 * path; name: the file's name) when bosun read it (size, mtime and
	 * ctime in ns, inode; ref: a file-system time before that stat, for
	 * the racy-git rule), and the SHA-256 of the bytes it vouches for. */
	{ 5, "agents-template-stat",
	  "CREATE TABLE agent_templates (\n"
	  "	dir TEXT NOT NULL,\n"
	  "	name TEXT NOT NULL,\n"
	  "	size INTEGER NOT NULL,\n"
	  "	mtime INTEGER NOT NULL,\n"
	  "	ctime INTEGER NOT NULL,\n"
	  "	ino INTEGER NOT NULL,\n"
	  "	ref INTEGER NOT NULL,\n"
	  "	hash TEXT NOT NULL,\n"
	  "	PRIMARY KEY (dir, name)\n"
	  ");\n" },
	/* bosun agents' no-op snapshot (docs/agents.md, "Speed"): per work
	 * tree (root), the settings it holds for (key, a SHA-256) and the
	 * stat of every path a deploy that changed nothing read (data, the
	 * text format of src/lib/agents/snapshot.c). Removed with any change
	 * to agent_files. */
	{ 6, "agents-snapshot",
	  "CREATE TABLE agent_snapshot (\n"
	  "	root TEXT PRIMARY KEY,\n"
	  "	key TEXT NOT NULL,\n"
	  "	data BLOB NOT NULL\n"
	  ");\n" },
	/* The store's verbs for parallel work (store.h): work items (a plan
	 * and its workstreams; parent: the plan's id), the push queue, leases
	 * (owner NULL: released; token: the fencing token of the last claim;
	 * expires_ms: ms since the epoch), the pipeline cache (put_ms: when
	 * put) and benchmark samples. */
	{ 7, "work",
	  "CREATE TABLE work_items (\n"
	  "	id TEXT PRIMARY KEY,\n"
	  "	parent TEXT,\n"
	  "	kind TEXT NOT NULL,\n"
	  "	state TEXT NOT NULL,\n"
	  "	data TEXT,\n"
	  "	created_at TEXT NOT NULL,\n"
	  "	updated_at TEXT NOT NULL\n"
	  ");\n"
	  "CREATE INDEX work_items_parent ON work_items (parent);\n"
	  "CREATE TABLE push_queue (\n"
	  "	id INTEGER PRIMARY KEY,\n"
	  "	branch TEXT NOT NULL,\n"
	  "	commit_id TEXT NOT NULL,\n"
	  "	owner TEXT,\n"
	  "	state TEXT NOT NULL,\n"
	  "	message TEXT,\n"
	  "	queued_at TEXT NOT NULL,\n"
	  "	updated_at TEXT NOT NULL\n"
	  ");\n"
	  "CREATE TABLE leases (\n"
	  "	name TEXT PRIMARY KEY,\n"
	  "	owner TEXT,\n"
	  "	token INTEGER NOT NULL,\n"
	  "	expires_ms INTEGER NOT NULL\n"
	  ");\n"
	  "CREATE TABLE cache_entries (\n"
	  "	key TEXT PRIMARY KEY,\n"
	  "	value BLOB NOT NULL,\n"
	  "	meta TEXT,\n"
	  "	put_ms INTEGER NOT NULL\n"
	  ");\n"
	  "CREATE INDEX cache_entries_put ON cache_entries (put_ms);\n"
	  "CREATE TABLE bench_samples (\n"
	  "	id INTEGER PRIMARY KEY,\n"
	  "	name TEXT NOT NULL,\n"
	  "	at TEXT NOT NULL,\n"
	  "	value REAL NOT NULL,\n"
	  "	unit TEXT,\n"
	  "	meta TEXT\n"
	  ");\n"
	  "CREATE INDEX bench_samples_name ON bench_samples (name, id);\n" },
	/* bosun sync's record of each push (docs/sync.md): the remote, the
	 * range from..commit_id, how many pushes it took and how long. */
	{ 8, "sync",
	  "ALTER TABLE push_queue ADD COLUMN remote TEXT;\n"
	  "ALTER TABLE push_queue ADD COLUMN range_from TEXT;\n"
	  "ALTER TABLE push_queue ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;\n"
	  "ALTER TABLE push_queue ADD COLUMN duration_ms INTEGER NOT NULL DEFAULT 0;\n" },
	/* bosun release's progress (docs/release.md, "Interrupted releases"):
	 * while a release runs its row is in state "running", step names the
	 * step reached and data holds, as JSON, what --resume and --abort
	 * need (the original HEAD, the branch, every file written with the
	 * SHA-256 of its bytes before and after, the steps done). */
	{ 9, "release-progress",
	  "ALTER TABLE releases ADD COLUMN data TEXT;\n" },
};

const int sqlite_migrations_nr = (int)ARRAY_SIZE(sqlite_migrations);

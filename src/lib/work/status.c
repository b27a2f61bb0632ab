/*
 * status.c - `work status` and `work heartbeat` (work.h, docs/work.md):
 * each workstream's branch against the base, its worktree, its checklist,
 * the files it changed outside what it owns, and its agent's state with
 * the evidence that decided it.
 *
 * A warm status runs no git. What a commit or a pair of commits says
 * (ahead/behind, the files a branch changed, a commit's time and subject)
 * never changes, so it is kept in the store's cache by commit ids. A
 * worktree's git status is kept there too, with everything it depended on
 * (lib/git/wtstat.h): while none of that changed, git is not asked again.
 */
#include "lib/work/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/glob.h"
#include "core/parallel.h"
#include "core/pidfile.h"
#include "core/proc.h"
#include "core/time.h"
#include "lib/git/oid.h"
#include "lib/git/refs.h"
#include "lib/git/repo.h"
#include "lib/git/run.h"
#include "lib/git/wtstat.h"
#include "lib/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* What an agent's status file may hold is one word; more is not read. */
#define STATUS_FILE_CAP 4096
/* The checklist is a small file the agent edits. */
#define CHECKLIST_CAP (1u << 20)
/* A worktree's own config file is a few lines. */
#define CONFIG_CAP (64u << 10)

static const char *const reported_states[] = { "active", "waiting", "done", "failed", NULL };

const char *work_agent_state_name(enum work_agent_state s)
{
	static const char *const names[] = { "UNKNOWN", "ACTIVE", "WAITING", "STALLED",
					     "DEAD" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "UNKNOWN";
}

static int known_state(const char *s)
{
	size_t i;

	for (i = 0; reported_states[i]; i++)
		if (!strcmp(reported_states[i], s))
			return 1;
	return 0;
}

/* ------------------------------------------------------------ heartbeat */

int work_heartbeat(struct store *st, const char *id, const char *state,
		   const char *note, long pid)
{
	struct store_work_item it = { 0 };
	struct strbuf key = STRBUF_INIT;
	json_t *j = NULL;
	char *text = NULL;
	int r;

	if (!state)
		state = "active";
	if (!known_state(state))
		return error_set(BOSUN_EUSAGE, "unknown state '%s' (active, waiting, done "
				 "or failed)", state);
	if ((r = store_work_get(st, id, &it)) < 0) {
		if (r == -BOSUN_ENOTFOUND) {
			error_clear();
			r = error_set(BOSUN_ENOTFOUND, "no workstream '%s'", id);
		}
		goto out;
	}
	if (!it.kind || strcmp(it.kind, "workstream")) {
		r = error_set(BOSUN_ENOTFOUND, "no workstream '%s'", id);
		goto out;
	}
	j = json_pack("{s:I, s:s, s:s?, s:I}", "at", (json_int_t)time_wall_ms(),
		      "state", state, "note", note, "pid", (json_int_t)pid);
	text = json_dumps(j, JSON_COMPACT);
	work_cache_key(&key, WORK_KEY_HEARTBEAT, id, NULL);
	r = store_cache_put(st, key.buf, text, strlen(text), NULL);
out:
	free(text);
	json_decref(j);
	strbuf_release(&key);
	store_work_clear(&it);
	return r;
}

int work_here(const char *gitdir, const char *dir, struct strbuf *id)
{
	const char *args[] = { "config", "--get", "bosun.workstream", NULL };
	const char *env = getenv("BOSUN_WORKSTREAM");
	struct gitrun g = GITRUN_INIT;
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	int r;

	strbuf_reset(id);
	if (env && *env) {
		strbuf_addstr(id, env);
		return 0;
	}
	/* The hot path (a hook, an agent's loop): spawn wrote the id to the
	 * worktree's own config.worktree; reading it saves starting git. */
	if (gitdir) {
		strbuf_addf(&path, "%s/config.worktree", gitdir);
		r = fs_read_file(&text, path.buf, CONFIG_CAP) == 0 ?
		    work_config_find(text.buf, text.len, "bosun", "workstream", id) : -1;
		error_clear();
		strbuf_release(&path);
		strbuf_release(&text);
		if (r == 1 && id->len)
			return 0;
		strbuf_reset(id);
	}
	g.dir = dir;
	r = gitrun_exec(&g, args);
	/* exit 1: the key is not set */
	if (r == -BOSUN_EFAIL) {
		error_clear();
		r = 1;
	}
	if (r == 0) {
		strbuf_addbuf(id, &g.out);
		strbuf_trim(id);
	}
	if (r == 1 || (r == 0 && !id->len))
		r = error_set(BOSUN_ENOTFOUND, "this is not a workstream's worktree (no "
			      "bosun.workstream in its git config): give --id TASK/ID");
	gitrun_release(&g);
	return r;
}

/* ------------------------------------------------------------ one workstream */

struct item {
	struct work_status *s;
	const json_t *data;            /* the store row's JSON */
	const char *tip, *state_dir, *task, *status_file;
	/* read on a worker thread */
	struct strbuf head, dirty;
	long long log_ms, file_ms;     /* mtimes; 0: none */
	char file_state[16];
	/* the cache's: what the branch did since the base, the head commit */
	int branch_hit, commit_hit;
	struct strbuf branch_val, commit_val;
	/* the worktree's git status as kept, and as it is to be kept */
	struct strbuf kept, fresh;
	int fresh_ok;
	char *err;
};

static long long mtime_ms(const char *path)
{
	struct stat st;

	if (!path || stat(path, &st) < 0)
		return 0;
	return (long long)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
}

static void item_fail(struct item *it)
{
	if (!it->err)
		it->err = xstrdup(error_message());
	error_clear();
}

static const char *spawn_str(const json_t *data, const char *key)
{
	return json_string_value(json_object_get(json_object_get(data, "spawn"), key));
}

/* The worktree: git status, the checklist, the agent's status file. */
static int read_worktree(void *data, size_t i)
{
	struct item *it = &((struct item *)data)[i];
	const char *args[] = { "status", "--porcelain=v2", "-z", "--branch",
			       "--untracked-files=normal", NULL };
	const char *env[] = { "GIT_OPTIONAL_LOCKS=0", NULL };
	const char *log = json_string_value(json_object_get(
		json_object_get(json_object_get(it->data, "spawn"), "agent"), "log"));
	struct strbuf out = STRBUF_INIT, path = STRBUF_INIT;
	size_t at;
	int r, keep = 0;

	it->log_ms = mtime_ms(log);
	if (!it->s->present)
		goto out;
	if (it->kept.len && wtstat_check(it->s->dir, it->kept.buf, it->kept.len, &at)) {
		strbuf_add(&out, it->kept.buf + at, it->kept.len - at);
	} else {
		/* what it depends on is taken first: a change while git runs
		 * is then seen by the next status */
		keep = wtstat_take(it->s->dir, &it->fresh) == 0;
		if ((r = work_git_env(it->s->dir, env, &out, args)) < 0) {
			item_fail(it);
			goto out;
		}
	}
	if ((r = work_status_parse(out.buf, out.len, &it->head, &it->dirty)) < 0) {
		item_fail(it);
		goto out;
	}
	if (keep) {
		strbuf_addbuf(&it->fresh, &out);
		it->fresh_ok = 1;
	}
	it->s->dirty = r;
	fs_path_join(&path, it->s->dir, ".bosun/work.md");
	strbuf_reset(&out);
	if (fs_read_file(&out, path.buf, CHECKLIST_CAP) == 0)
		work_checklist_count(out.buf, out.len, &it->s->done, &it->s->total);
	else
		error_clear();
	if (it->status_file && *it->status_file) {
		fs_path_join(&path, it->s->dir, it->status_file);
		strbuf_reset(&out);
		if (fs_read_file(&out, path.buf, STATUS_FILE_CAP) == 0) {
			size_t k = 0;
			it->file_ms = mtime_ms(path.buf);
			strbuf_trim(&out);
			while (k < out.len && k + 1 < sizeof(it->file_state) &&
			       out.buf[k] > ' ') {
				it->file_state[k] = (char)(out.buf[k] | 0x20);
				k++;
			}
			it->file_state[k] = '\0';
			if (!known_state(it->file_state))
				it->file_state[0] = '\0';
		} else {
			error_clear();
		}
	}
out:
	strbuf_release(&out);
	strbuf_release(&path);
	return 0;
}

/* What the cache lacked: ahead/behind and the files the branch changed
 * since it left the tip; the head commit's time and subject. */
static int read_commits(void *data, size_t i)
{
	struct item *it = &((struct item *)data)[i];
	struct strbuf out = STRBUF_INIT, range = STRBUF_INIT;
	const char *head = it->head.buf;

	if (!it->head.len || it->err)
		return 0;
	if (!it->branch_hit && it->tip) {
		const char *count[] = { "rev-list", "--left-right", "--count", NULL, NULL };
		const char *diff[] = { "diff", "--no-renames", "--name-only", "-z", NULL,
				       NULL };
		strbuf_addf(&range, "%s...%s", it->tip, head);
		count[3] = range.buf;
		diff[4] = range.buf;
		if (work_git(it->s->dir, &out, count) < 0) {
			item_fail(it);
			goto out;
		}
		strbuf_trim(&out);
		strbuf_reset(&it->branch_val);
		strbuf_addbuf(&it->branch_val, &out);
		strbuf_addch(&it->branch_val, '\n');
		if (work_git(it->s->dir, &out, diff) < 0) {
			item_fail(it);
			goto out;
		}
		strbuf_addbuf(&it->branch_val, &out);
	}
	if (!it->commit_hit) {
		const char *log[] = { "log", "-1", "--format=%ct%x00%s", NULL, "--", NULL };
		log[3] = head;
		if (work_git(it->s->dir, &out, log) < 0) {
			item_fail(it);
			goto out;
		}
		strbuf_rtrim(&out);
		strbuf_reset(&it->commit_val);
		strbuf_addbuf(&it->commit_val, &out);
	}
out:
	strbuf_release(&out);
	strbuf_release(&range);
	return 0;
}

/* "AHEAD\tBEHIND\n" then the files, NUL-separated (rev-list counts the
 * left side, the tip, first). */
static void use_branch_val(struct item *it, struct strbuf *changed)
{
	const char *v = it->branch_val.buf, *nl = strchr(v, '\n');
	long behind = -1, ahead = -1;

	if (!nl || sscanf(v, "%ld %ld", &behind, &ahead) != 2)
		return;
	it->s->ahead = ahead;
	it->s->behind = behind;
	strbuf_add(changed, nl + 1, it->branch_val.len - (size_t)(nl + 1 - v));
}

static void use_commit_val(struct item *it)
{
	const char *v = it->commit_val.buf;
	size_t l = strlen(v);

	it->s->commit_s = atoll(v);
	if (l < it->commit_val.len)
		it->s->subject = xstrdup(v + l + 1);
}

static int owned(const json_t *owns, const char *path)
{
	size_t i;

	for (i = 0; i < json_array_size(owns); i++) {
		const char *pat = json_string_value(json_array_get(owns, i));
		if (pat && glob_file_match(pat, path))
			return 1;
	}
	return 0;
}

/* Paths in list (NUL-separated) the workstream does not own, once each. */
static void add_foreign(struct work_status *s, const json_t *owns, const char *list,
			size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *p = list + pos, *q;
		size_t l = strlen(p), k;
		int seen = 0;

		pos += l + 1;
		if (!l || !strncmp(p, ".bosun/", 7) || owned(owns, p))
			continue;
		for (k = 0; k < s->foreign.len && !seen; k += strlen(q) + 1) {
			q = s->foreign.buf + k;
			seen = !strcmp(q, p);
		}
		if (seen)
			continue;
		strbuf_add(&s->foreign, p, l + 1);
		s->foreign_nr++;
	}
}

static void ago(struct strbuf *sb, long long ms)
{
	long long s = ms / 1000;

	if (s < 120)
		strbuf_addf(sb, "%llds ago", s < 0 ? 0 : s);
	else if (s < 7200)
		strbuf_addf(sb, "%lldm ago", s / 60);
	else
		strbuf_addf(sb, "%lldh ago", s / 3600);
}

/* The agent's state and how it was decided: its process (pid and start
 * time, from its PID file, else the store), then the newest sign of life
 * (heartbeat, the agent's status file, the log's last write) against
 * work.stalled_after, and with no process to ask, work.dead_after. */
static void decide_agent(struct item *it, const struct work_config *wc,
			 const char *hb_text, long long now)
{
	struct work_status *s = it->s;
	const json_t *agent = json_object_get(json_object_get(it->data, "spawn"), "agent");
	struct strbuf how = STRBUF_INIT, path = STRBUF_INIT;
	struct proc_owner o;
	long long hb_ms = 0, started = json_integer_value(json_object_get(agent, "started_ms"));
	long long last = 0;
	const char *hb_state = NULL, *what = NULL, *reported = NULL;
	json_t *hb = NULL;
	int known = 0, alive = 0;

	if (hb_text) {
		hb = json_loads(hb_text, 0, NULL);
		hb_ms = json_integer_value(json_object_get(hb, "at"));
		hb_state = json_string_value(json_object_get(hb, "state"));
		if (json_string_value(json_object_get(hb, "note")))
			s->note = xstrdup(json_string_value(json_object_get(hb, "note")));
		if (!known_state(hb_state ? hb_state : ""))
			hb_state = NULL;
	}
	/* the newest report wins */
	if (hb_state && (!it->file_state[0] || hb_ms >= it->file_ms))
		reported = hb_state;
	else if (it->file_state[0])
		reported = it->file_state;
	if (reported)
		s->reported = xstrdup(reported);

	if (hb_ms > last) {
		last = hb_ms;
		what = "heartbeat";
	}
	if (it->file_ms > last) {
		last = it->file_ms;
		what = "status file";
	}
	if (it->log_ms > last) {
		last = it->log_ms;
		what = "log written";
	}
	if (!last && started > 0) {
		last = started;
		what = "started";
	}
	s->seen_ms = last;

	strbuf_addf(&path, "%s/%s/%s/agent.pid", it->state_dir, it->task,
		    strchr(s->id, '/') ? strchr(s->id, '/') + 1 : s->id);
	if (pidfile_read(&o, path.buf) == 0) {
		known = 1;
		alive = proc_owner_alive(&o);
		s->pid = (long)o.pid;
	} else {
		error_clear();
		if (json_integer_value(json_object_get(agent, "pid")) > 0) {
			known = 1;
			s->pid = (long)json_integer_value(json_object_get(agent, "pid"));
			alive = proc_alive((pid_t)s->pid, (unsigned long long)
					   json_integer_value(json_object_get(agent, "start")));
		}
	}

	if (known && !alive) {
		s->agent = WORK_AGENT_DEAD;
		strbuf_addf(&how, "pid %ld is not running (that process ended)", s->pid);
	} else if (known) {
		strbuf_addf(&how, "pid %ld runs", s->pid);
		if (reported && !strcmp(reported, "waiting")) {
			s->agent = WORK_AGENT_WAITING;
			strbuf_addf(&how, "; it reported waiting (%s)", hb_state == reported ?
				    "heartbeat" : "status file");
		} else if (last && now - last > wc->stalled_ms) {
			s->agent = WORK_AGENT_STALLED;
			strbuf_addstr(&how, "; no heartbeat, status file or log write for ");
			ago(&how, now - last);
			strbuf_setlen(&how, how.len - 4);
			strbuf_addf(&how, " (work.stalled_after %llds)", wc->stalled_ms / 1000);
		} else {
			s->agent = WORK_AGENT_ACTIVE;
			if (what) {
				strbuf_addf(&how, "; %s ", what);
				ago(&how, now - last);
			}
		}
	} else if (!last) {
		s->agent = WORK_AGENT_UNKNOWN;
		strbuf_addstr(&how, "no agent process recorded, no heartbeat, status file "
			      "or log");
	} else {
		strbuf_addf(&how, "no agent process recorded; %s ", what);
		ago(&how, now - last);
		if (now - last > wc->dead_ms) {
			s->agent = WORK_AGENT_DEAD;
			strbuf_addf(&how, " (work.dead_after %llds)", wc->dead_ms / 1000);
		} else if (now - last > wc->stalled_ms) {
			s->agent = WORK_AGENT_STALLED;
			strbuf_addf(&how, " (work.stalled_after %llds)", wc->stalled_ms / 1000);
		} else if (reported && !strcmp(reported, "waiting")) {
			s->agent = WORK_AGENT_WAITING;
			strbuf_addstr(&how, ", reported waiting");
		} else {
			s->agent = WORK_AGENT_ACTIVE;
		}
	}
	s->how = strbuf_detach(&how, NULL);
	json_decref(hb);
	strbuf_release(&path);
}

static void decide_outcome(struct work_status *s)
{
	int finished = s->reported && !strcmp(s->reported, "done");

	if (s->total > 0 && s->done == s->total)
		finished = 1;
	if (!strcmp(s->state, "cleaned") || !strcmp(s->state, "merged"))
		finished = 1;
	if (!strcmp(s->state, "ejected") && !s->error)
		s->error = xstrdup("work integrate ejected it (see work integrate --json)");
	if (s->error || (s->reported && !strcmp(s->reported, "failed")))
		s->outcome = WORK_FAILED;
	else if (finished)
		s->outcome = WORK_DONE;
	else if (s->agent == WORK_AGENT_DEAD)
		s->outcome = WORK_FAILED;
	else
		s->outcome = WORK_RUNNING;
}

/* ------------------------------------------------------------ the whole */

/* The base's commit from the refs, without git, when the base is a name
 * git would take for a branch (its order: refs/NAME, refs/tags/NAME,
 * refs/heads/NAME, refs/remotes/NAME, refs/remotes/NAME/HEAD; the first
 * there wins). 1: anything else (a tag to peel, an expression): ask git. */
static int tip_from_refs(struct repo *repo, const char *base, struct strbuf *tip)
{
	static const char *const rules[][2] = { { "refs/", "" }, { "refs/tags/", "" },
						{ "refs/heads/", "" }, { "refs/remotes/", "" },
						{ "refs/remotes/", "/HEAD" }, { NULL, NULL } };
	struct strbuf ref = STRBUF_INIT;
	unsigned char oid[20];
	char hex[41];
	size_t i;
	int r = 1;

	if (!repo || refs_other_format(repo))
		return 1;
	if (!strcmp(base, "HEAD")) {
		i = 2;  /* as a branch: HEAD always names a commit */
		r = refs_resolve(repo, "HEAD", oid);
		goto got;
	}
	if (!*base || *base == '-' || *base == '/' || strstr(base, "..") ||
	    strstr(base, "//") || base[strlen(base) - 1] == '/' ||
	    strspn(base, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		   "._-/") != strlen(base))
		return 1;
	for (i = 0; rules[i][0]; i++) {
		strbuf_reset(&ref);
		strbuf_addf(&ref, "%s%s%s", rules[i][0], base, rules[i][1]);
		if ((r = refs_resolve(repo, ref.buf, oid)) != -BOSUN_ENOTFOUND)
			break;
		error_clear();
	}
got:
	error_clear();
	/* refs/NAME and tags may name a tag object: git peels it */
	if (r == 0 && rules[i][0] && i >= 2) {
		oid_to_hex(oid, hex);
		strbuf_reset(tip);
		strbuf_addstr(tip, hex);
	} else {
		r = 1;
	}
	strbuf_release(&ref);
	return r;
}

static int resolve_tip(struct repo *repo, const char *dir, const char *base,
		       struct strbuf *tip)
{
	const char *args[] = { "rev-parse", "--verify", "--end-of-options", NULL, NULL };
	struct strbuf rev = STRBUF_INIT;
	int r;

	if (tip_from_refs(repo, base, tip) == 0)
		return 0;
	strbuf_addf(&rev, "%s^{commit}", base);
	args[3] = rev.buf;
	if ((r = work_git(dir, tip, args)) == 0)
		strbuf_trim(tip);
	strbuf_release(&rev);
	return r;
}

/* The integration branch's commit (work integrate's), when it has one:
 * from the refs, else from git. */
static int integration_tip(struct repo *repo, const char *dir,
			   struct work_status_report *out)
{
	const char *args[] = { "for-each-ref", "--format=%(objectname)", NULL, NULL };
	struct strbuf ref = STRBUF_INIT, oid = STRBUF_INIT;
	unsigned char id[20];
	char hex[41];
	int r;

	strbuf_addf(&ref, "refs/heads/work/%s/integration", out->task);
	if (repo && !refs_other_format(repo)) {
		r = refs_resolve(repo, ref.buf, id);
		if (r == 0) {
			oid_to_hex(id, hex);
			out->integration = xstrdup(hex);
			goto out;
		}
		error_clear();
		if (r == -BOSUN_ENOTFOUND) {
			r = 0;
			goto out;
		}
	}
	args[2] = ref.buf;
	if ((r = work_git(dir, &oid, args)) == 0) {
		strbuf_trim(&oid);
		if (oid.len)
			out->integration = xstrdup(oid.buf);
	}
out:
	strbuf_release(&ref);
	strbuf_release(&oid);
	return r;
}

/* The worktrees' git statuses as kept (wtstat.h): read here, on the
 * calling thread, as the store is used only from it. */
static int kept_read(struct store *st, struct item *items, size_t nr)
{
	struct strbuf key = STRBUF_INIT;
	size_t i;
	int r = 0;

	for (i = 0; i < nr && r >= 0; i++) {
		if (!items[i].s->present)
			continue;
		work_cache_key(&key, WORK_KEY_WTSTATUS, items[i].s->dir, NULL);
		r = store_cache_get(st, key.buf, &items[i].kept, NULL);
		if (r == -BOSUN_ENOTFOUND) {
			error_clear();
			strbuf_reset(&items[i].kept);
			r = 0;
		}
	}
	strbuf_release(&key);
	return r;
}

/* Look up what the cache knows of each item's commits. */
static int cache_read(struct store *st, struct item *items, size_t nr)
{
	struct strbuf key = STRBUF_INIT;
	size_t i;
	int r = 0;

	for (i = 0; i < nr && r >= 0; i++) {
		struct item *it = &items[i];
		if (!it->head.len)
			continue;
		if (it->tip) {
			work_cache_key(&key, WORK_KEY_BRANCH, it->tip, it->head.buf);
			r = store_cache_get(st, key.buf, &it->branch_val, NULL);
			it->branch_hit = r == 0;
			if (r == -BOSUN_ENOTFOUND) {
				error_clear();
				r = 0;
			}
		}
		if (r < 0)
			break;
		work_cache_key(&key, WORK_KEY_COMMIT, it->head.buf, NULL);
		r = store_cache_get(st, key.buf, &it->commit_val, NULL);
		it->commit_hit = r == 0;
		if (r == -BOSUN_ENOTFOUND) {
			error_clear();
			r = 0;
		}
	}
	strbuf_release(&key);
	return r;
}

/* Keep what was computed; a store that cannot be written costs only the
 * next status's time. */
static void cache_write(struct store *st, struct item *items, size_t nr)
{
	struct strbuf key = STRBUF_INIT;
	size_t i;
	int r, any = 0;

	for (i = 0; i < nr; i++)
		any |= items[i].fresh_ok || (items[i].head.len && !items[i].err &&
		       ((!items[i].branch_hit && items[i].tip) || !items[i].commit_hit));
	if (!any || store_begin(st, STORE_TX_WRITE) < 0)
		goto out;
	for (r = 0, i = 0; i < nr && r >= 0; i++) {
		struct item *it = &items[i];
		if (it->fresh_ok) {
			work_cache_key(&key, WORK_KEY_WTSTATUS, it->s->dir, NULL);
			r = store_cache_put(st, key.buf, it->fresh.buf, it->fresh.len, NULL);
		}
		if (r < 0 || !it->head.len || it->err)
			continue;
		if (!it->branch_hit && it->tip) {
			work_cache_key(&key, WORK_KEY_BRANCH, it->tip, it->head.buf);
			r = store_cache_put(st, key.buf, it->branch_val.buf,
					    it->branch_val.len, NULL);
		}
		if (r >= 0 && !it->commit_hit) {
			work_cache_key(&key, WORK_KEY_COMMIT, it->head.buf, NULL);
			r = store_cache_put(st, key.buf, it->commit_val.buf,
					    it->commit_val.len, NULL);
		}
	}
	if (r < 0 || store_commit(st) < 0)
		store_rollback(st);
out:
	error_clear();
	strbuf_release(&key);
}

/* Conflicts only: the branches' heads from their refs (one git for all),
 * not from the worktrees. */
static int branch_heads(const char *dir, const char *task, struct work_status_report *out)
{
	const char *args[] = { "for-each-ref", "--format=%(objectname) %(refname)", NULL,
			       NULL };
	struct strbuf prefix = STRBUF_INIT, refs = STRBUF_INIT;
	const char *line;
	size_t i;
	int r;

	strbuf_addf(&prefix, "refs/heads/work/%s/", task);
	args[2] = prefix.buf;
	if ((r = work_git(dir, &refs, args)) < 0)
		goto out;
	for (line = refs.buf; *line; ) {
		const char *nl = strchrnul(line, '\n'), *sp = memchr(line, ' ', (size_t)(nl - line));
		for (i = 0; sp && i < out->nr; i++) {
			const char *b = out->ws[i].branch;
			if (b && !strncmp(sp + 1, "refs/heads/", 11) &&
			    strlen(b) == (size_t)(nl - sp - 12) && !memcmp(sp + 12, b, strlen(b)))
				out->ws[i].head = xstrndup(line, (size_t)(sp - line));
		}
		line = *nl ? nl + 1 : nl;
	}
out:
	strbuf_release(&prefix);
	strbuf_release(&refs);
	return r;
}

static const json_t *row_of(const struct store_work_item *rows, size_t nr,
			    const char *id, const char **state, json_t **keep)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(rows[i].id, id)) {
			*state = rows[i].state ? rows[i].state : "";
			*keep = json_loads(rows[i].data ? rows[i].data : "", 0, NULL);
			return *keep;
		}
	return NULL;
}

int work_status(struct store *st, const struct work_where *w,
		const struct work_config *wc, const char *task, int predict,
		struct work_status_report *out)
{
	struct work_plan p = WORK_PLAN_INIT;
	struct store_work_item *rows = NULL;
	struct strbuf tip = STRBUF_INIT, key = STRBUF_INIT, hb = STRBUF_INIT,
		      changed = STRBUF_INIT;
	struct item *items = NULL;
	struct repo *repo = NULL;
	json_t **datas = NULL;
	size_t nrows = 0, i;
	long long now = time_wall_ms();
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = work_plan_load(st, task, &p)) < 0 ||
	    (r = store_work_list(st, p.task, &rows, &nrows)) < 0)
		goto out;
	out->task = xstrdup(p.task);
	out->base = xstrdup(p.base ? p.base : "HEAD");
	/* the refs are read from the files where that is sure (no git) */
	if (repo_discover(&repo, w->top) < 0) {
		error_clear();
		repo = NULL;
	}
	if (resolve_tip(repo, w->top, out->base, &tip) < 0) {
		/* a base that is gone leaves the rest worth showing */
		error_clear();
	} else {
		out->tip = xstrdup(tip.buf);
	}
	out->ws = xcalloc(p.nr + 1, sizeof(*out->ws));
	items = xcalloc(p.nr + 1, sizeof(*items));
	datas = xcalloc(p.nr + 1, sizeof(*datas));
	for (i = 0; i < p.nr; i++) {
		const struct work_stream *ws = &p.ws[p.order[i]];
		struct work_status *s = &out->ws[out->nr];
		struct item *it = &items[out->nr];
		const char *state = "planned";
		const json_t *data;

		strbuf_reset(&key);
		strbuf_addf(&key, "%s/%s", p.task, ws->id);
		data = row_of(rows, nrows, key.buf, &state, &datas[out->nr]);
		if (!strcmp(state, "dropped")) {
			json_decref(datas[out->nr]);
			datas[out->nr] = NULL;
			continue;
		}
		s->id = xstrdup(key.buf);
		s->state = xstrdup(state);
		s->ahead = s->behind = -1;
		s->dir = spawn_str(data, "dir") ? xstrdup(spawn_str(data, "dir")) : NULL;
		s->branch = spawn_str(data, "branch") ? xstrdup(spawn_str(data, "branch")) : NULL;
		s->present = s->dir && fs_is_dir(s->dir);
		strbuf_init(&s->foreign, 0);
		it->s = s;
		it->data = data;
		it->tip = out->tip;
		it->task = p.task;
		it->state_dir = w->state;
		it->status_file = wc->status_file;
		strbuf_init(&it->head, 0);
		strbuf_init(&it->dirty, 0);
		strbuf_init(&it->branch_val, 0);
		strbuf_init(&it->commit_val, 0);
		strbuf_init(&it->kept, 0);
		strbuf_init(&it->fresh, 0);
		out->nr++;
	}
	if (predict == WORK_PREDICT_ONLY) {
		if ((r = branch_heads(w->top, p.task, out)) < 0)
			goto out;
		goto predict;
	}
	if ((r = kept_read(st, items, out->nr)) < 0)
		goto out;
	parallel_for(out->nr, 1, read_worktree, items);
	if ((r = cache_read(st, items, out->nr)) < 0)
		goto out;
	parallel_for(out->nr, 1, read_commits, items);
	cache_write(st, items, out->nr);

	for (i = 0; i < out->nr; i++) {
		struct item *it = &items[i];
		struct work_status *s = it->s;
		const json_t *owns = json_object_get(it->data, "owns");

		if (it->head.len)
			s->head = xstrdup(it->head.buf);
		strbuf_reset(&changed);
		if (it->head.len && !it->err) {
			if (it->tip)
				use_branch_val(it, &changed);
			use_commit_val(it);
		}
		add_foreign(s, owns, changed.buf, changed.len);
		add_foreign(s, owns, it->dirty.buf, it->dirty.len);
		if (it->err)
			s->error = xstrdup(it->err);
		else if (!s->present && !strcmp(s->state, "spawned"))
			s->error = xstrdup(s->dir ? "its worktree is missing" :
					   "the store has no folder for it");
		work_cache_key(&key, WORK_KEY_HEARTBEAT, s->id, NULL);
		strbuf_reset(&hb);
		r = store_cache_get(st, key.buf, &hb, NULL);
		if (r < 0 && r != -BOSUN_ENOTFOUND)
			goto out;
		error_clear();
		decide_agent(it, wc, r == 0 ? hb.buf : NULL, now);
		decide_outcome(s);
	}
predict:
	r = 0;
	if (predict) {
		char **ids = xcalloc(out->nr + 1, sizeof(*ids));
		char **heads = xcalloc(out->nr + 1, sizeof(*heads));
		size_t n = 0;
		for (i = 0; i < out->nr; i++)
			if (out->ws[i].head && !out->ws[i].error) {
				ids[n] = out->ws[i].id;
				heads[n++] = out->ws[i].head;
			}
		if (out->tip && (r = integration_tip(repo, w->top, out)) == 0)
			r = work_predict(st, w->top, out->integration ? out->integration :
					 out->tip, ids, heads, n, out);
		free(ids);
		free(heads);
		if (r < 0)
			goto out;
	}
	out->outcome = out->nr ? WORK_DONE : WORK_RUNNING;
	for (i = 0; i < out->nr; i++) {
		if (out->ws[i].outcome == WORK_FAILED)
			out->outcome = WORK_FAILED;
		else if (out->ws[i].outcome == WORK_RUNNING && out->outcome != WORK_FAILED)
			out->outcome = WORK_RUNNING;
	}
out:
	for (i = 0; items && i < p.nr; i++) {
		strbuf_release(&items[i].head);
		strbuf_release(&items[i].dirty);
		strbuf_release(&items[i].branch_val);
		strbuf_release(&items[i].commit_val);
		strbuf_release(&items[i].kept);
		strbuf_release(&items[i].fresh);
		free(items[i].err);
		json_decref(datas[i]);
	}
	free(items);
	free(datas);
	repo_free(repo);
	store_work_free(rows, nrows);
	work_plan_release(&p);
	strbuf_release(&tip);
	strbuf_release(&key);
	strbuf_release(&hb);
	strbuf_release(&changed);
	return r;
}

void work_status_release(struct work_status_report *r)
{
	size_t i;

	for (i = 0; i < r->nr; i++) {
		struct work_status *s = &r->ws[i];
		free(s->id);
		free(s->dir);
		free(s->branch);
		free(s->state);
		free(s->head);
		free(s->subject);
		strbuf_release(&s->foreign);
		free(s->how);
		free(s->reported);
		free(s->note);
		free(s->error);
	}
	for (i = 0; i < r->conf_nr; i++) {
		free(r->conf[i].a);
		free(r->conf[i].b);
		strbuf_release(&r->conf[i].files);
	}
	free(r->conf);
	free(r->ws);
	free(r->task);
	free(r->base);
	free(r->tip);
	free(r->integration);
	memset(r, 0, sizeof(*r));
}

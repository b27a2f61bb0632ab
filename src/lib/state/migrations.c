/*
 * migrations.c - the store's schema, as numbered SQL scripts applied in
 * order (state.c). Never edit a migration that has shipped: add the next one.
 */
#include "lib/state/state.h"

#include "core/alloc.h"

const struct state_migration state_migrations[] = {
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
};

const int state_migrations_nr = (int)ARRAY_SIZE(state_migrations);

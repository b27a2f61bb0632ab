/*
 * work.h - parallel agent work (docs/work.md): a plan of workstreams with
 * exclusive file ownership and a merge order, and the worktrees that carry
 * them out.
 *
 *	struct work_plan p = WORK_PLAN_INIT;
 *	if ((r = work_plan_parse(&p, "plan.yml", text, len)) < 0)
 *		return r;	// "plan.yml:9:12: ...", -BOSUN_EDATA, nothing written
 *	for (i = 0; i < p.nr; i++)
 *		use(p.ws[p.order[i]]);		// in merge order
 *	json_t *j = work_plan_json(&p);		// what the store keeps
 *	r = work_plan_record(st, &p);		// the plan and its workstreams
 *	work_plan_release(&p);
 *
 * work_plan_parse() checks everything before anything is written: an
 * unknown key, a bad value, a duplicate id, a path pattern owned by two
 * workstreams, an unknown dependency and a cycle are each one message
 * "FILE:LINE:COL: ..." naming both sides. The merge order is the
 * topological order of depends_on, ties broken by id (byte order).
 *
 * Ownership patterns are core/glob.h's file patterns. Two patterns overlap
 * when some path could match both (work_glob_overlap()): decided on the
 * patterns, not on the files that exist today, so a file added later
 * cannot be owned twice. The test is exact except that it ignores the rule
 * that a wildcard does not match a leading '.', which can only report an
 * overlap that no path has (never miss one).
 */
#ifndef BOSUN_LIB_WORK_H
#define BOSUN_LIB_WORK_H

#include "core/strbuf.h"
#include "lib/config/config.h"

#include <jansson.h>
#include <stddef.h>

struct store;

/* The configuration keys work.* (keys.c). */
extern const struct config_key work_config_keys[];

struct work_stream {
	char *id, *agent, *context, *contract;
	char **owns, **test, **checklist, **depends_on;   /* NULL-terminated */
	size_t owns_nr, test_nr, checklist_nr, depends_nr;
	int line, col;          /* where the workstream starts */
	int *owns_line, *owns_col, *dep_line, *dep_col;
};

struct work_plan {
	char *task, *title, *base;   /* base NULL: the current branch */
	struct work_stream *ws;
	size_t nr;
	size_t *order;               /* indexes into ws, in merge order */
};
#define WORK_PLAN_INIT { NULL, NULL, NULL, NULL, 0, NULL }

int work_plan_parse(struct work_plan *p, const char *name, const char *text,
		    size_t len);
void work_plan_release(struct work_plan *p);
/* The plan as docs/work.md's JSON shape (new reference). */
json_t *work_plan_json(const struct work_plan *p);
/* Read back what work_plan_json() wrote (the store's copy). */
int work_plan_from_json(struct work_plan *p, const json_t *j);
/* 1 when some path matches both file patterns (see above), else 0. */
int work_glob_overlap(const char *a, const char *b);
/* 1 when s is a valid task or workstream id: [A-Za-z0-9._-], not
 * starting with '.' or '-', at most 64 bytes. */
int work_id_valid(const char *s);

/* Record the plan in the store (one transaction): the plan row (id: the
 * task) and a row per workstream (id "TASK/ID"); a workstream that was
 * spawned keeps its state; one no longer in the plan becomes "dropped". */
int work_plan_record(struct store *st, const struct work_plan *p);
/* Load the plan of task (NULL: the only plan; several is -BOSUN_EUSAGE). */
int work_plan_load(struct store *st, const char *task, struct work_plan *p);

#endif

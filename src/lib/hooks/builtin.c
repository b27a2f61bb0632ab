/*
 * builtin.c - the built-in checks that run inside bosun: commit-lint,
 * conflict-markers, large-files, branch-name, behind and ownership; and the pre-push
 * start of the deployment watcher. (secrets runs `bosun scan secrets`, a
 * child like any command: see runner.c.)
 */
#include "lib/hooks/hooks.h"
#include "lib/hooks/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"
#include "lib/git/run.h"
#include "lib/release/lint.h"
#include "lib/store/store.h"
#include "lib/work/work.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MSG_CAP (1u << 20)
#define SCAN_CAP (64u << 20)

static void fail(struct hook_result *res, const char *reason)
{
	res->status = HR_FAIL;
	if (reason && !res->reason)
		res->reason = xstrdup(reason);
}

/* ---- commit-lint ------------------------------------------------------------ */

/* The rules as `bosun commit lint` reads them; a bad commit.skip is the
 * check's failure, said in why. */
static int lint_rules_from(const struct config *cfg, struct lint_rules *rules,
			   struct strbuf *why)
{
	if (lint_rules_from_config(rules, cfg) < 0) {
		strbuf_addf(why, "%s\n", error_message());
		error_clear();
		return -1;
	}
	return 0;
}

static void commit_lint(struct hk_run *rc, struct hook_result *res)
{
	struct lint_rules rules = LINT_RULES_INIT;
	struct lint_result lr = LINT_RESULT_INIT;
	struct strbuf msg = STRBUF_INIT, comment = STRBUF_INIT;
	size_t i;

	if (rc->o->nr_args < 1) {
		strbuf_addstr(&res->out, "commit-msg runs with the message file as "
			      "its argument; none was given\n");
		fail(res, "no message file");
		return;
	}
	if (lint_rules_from(rc->cfg, &rules, &res->out) < 0) {
		fail(res, "bad configuration");
		return;
	}
	if (fs_read_file(&msg, rc->o->args[0], MSG_CAP) < 0) {
		strbuf_addf(&res->out, "%s\n", error_message());
		error_clear();
		fail(res, "cannot read the message");
		return;
	}
	/* git strips comments after this hook, with its own comment string. */
	lint_comment_from_git(&rules, &comment, NULL);
	lint_message(&lr, msg.buf, msg.len, &rules);
	for (i = 0; i < lr.nr; i++) {
		strbuf_addf(&res->out, "%d: %s: %s\n", lr.items[i].line,
			    lr.items[i].rule, lr.items[i].message);
		if (lr.items[i].hint)
			strbuf_addf(&res->out, "  hint: %s\n", lr.items[i].hint);
	}
	if (lr.nr)
		fail(res, NULL);
	lint_result_release(&lr);
	strbuf_release(&msg);
	strbuf_release(&comment);
}

/* ---- conflict-markers and large-files ---------------------------------------- */

static int is_marker(const char *line, size_t len)
{
	static const char *const marks[] = { "<<<<<<<", ">>>>>>>", "|||||||" };
	size_t i;

	if (len < 7)
		return 0;
	for (i = 0; i < ARRAY_SIZE(marks); i++)
		if (!memcmp(line, marks[i], 7) &&
		    (len == 7 || line[7] == ' ' || line[7] == '\r'))
			return 1;
	return 0;
}

static size_t markers_in(struct strbuf *out, const char *path, const char *buf,
			 size_t len)
{
	size_t pos = 0, lineno = 0, found = 0;

	/* Binary files (a NUL early on, as git decides) are not text. */
	if (memchr(buf, '\0', len < 8000 ? len : 8000))
		return 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		lineno++;
		if (is_marker(buf + pos, l)) {
			strbuf_addf(out, "%s:%zu: conflict marker '%.7s'\n", path,
				    lineno, buf + pos);
			found++;
		}
		pos += l + 1;
	}
	return found;
}

static void conflict_markers(struct hk_run *rc, char **files, size_t nr,
			     struct hook_result *res)
{
	struct strbuf p = STRBUF_INIT, buf = STRBUF_INIT;
	size_t i, found = 0;

	for (i = 0; i < nr; i++) {
		struct stat st;

		fs_path_join(&p, rc->repo->workdir, files[i]);
		if (lstat(p.buf, &st) < 0 || !S_ISREG(st.st_mode) ||
		    (size_t)st.st_size > SCAN_CAP)
			continue;
		strbuf_reset(&buf);
		if (fs_read_file(&buf, p.buf, SCAN_CAP) < 0) {
			error_clear();
			continue;
		}
		found += markers_in(&res->out, files[i], buf.buf, buf.len);
	}
	if (found)
		fail(res, NULL);
	strbuf_release(&buf);
	strbuf_release(&p);
}

static void human_size(struct strbuf *sb, long long n)
{
	if (n >= 1LL << 20)
		strbuf_addf(sb, "%.1f MiB", (double)n / (1 << 20));
	else if (n >= 1024)
		strbuf_addf(sb, "%.1f KiB", (double)n / 1024);
	else
		strbuf_addf(sb, "%lld bytes", n);
}

static void large_files(struct hk_run *rc, const struct hook_check *chk,
			char **files, size_t nr, struct hook_result *res)
{
	struct strbuf p = STRBUF_INIT;
	size_t i;

	for (i = 0; i < nr; i++) {
		struct stat st;

		fs_path_join(&p, rc->repo->workdir, files[i]);
		if (lstat(p.buf, &st) < 0 || !S_ISREG(st.st_mode) ||
		    st.st_size <= chk->max_bytes)
			continue;
		strbuf_addf(&res->out, "%s: ", files[i]);
		human_size(&res->out, st.st_size);
		strbuf_addstr(&res->out, " (the limit is ");
		human_size(&res->out, chk->max_bytes);
		strbuf_addstr(&res->out, ")\n");
		fail(res, NULL);
	}
	strbuf_release(&p);
}

/* ---- ownership ------------------------------------------------------------------ */

/* In a spawned worktree, the staged files another workstream of the plan
 * owns: a warning (work.foreign_edits: fail makes it a failure). The
 * store is opened only to read; a store that cannot be read is said, and
 * the check passes with a warning (it is advice, not a gate). */
static void ownership(struct hk_run *rc, char **files, size_t nr,
		      struct hook_result *res)
{
	struct store *st = NULL;
	const char *mode = config_str(rc->cfg, "work.foreign_edits");
	int n;

	if (!nr || !rc->repo->workdir)
		return;
	if ((n = store_open(&st, config_str(rc->cfg, "store.url"), rc->repo->common_dir,
			    STORE_OPEN_READ)) >= 0)
		n = work_foreign_staged(st, rc->repo->gitdir, rc->repo->workdir, files, nr,
					&res->out);
	store_close(st);
	if (n < 0) {
		strbuf_addf(&res->out, "cannot tell who owns the staged files: %s\n",
			    error_message());
		error_clear();
		res->status = HR_WARN;
		res->reason = xstrdup("ownership unknown");
		return;
	}
	if (!n)
		return;
	if (mode && !strcmp(mode, "fail")) {
		fail(res, "files another workstream owns");
		return;
	}
	res->status = HR_WARN;
	res->reason = xstrdup("files another workstream owns");
}

/* ---- pre-push: branch-name and behind --------------------------------------------- */

static const char *branch_of(const char *ref)
{
	return strncmp(ref, "refs/heads/", 11) ? NULL : ref + 11;
}

static void branch_name(struct hk_run *rc, const struct hook_check *chk,
			struct hook_result *res)
{
	regex_t re;
	size_t i;

	if (regcomp(&re, chk->pattern, REG_EXTENDED | REG_NOSUB)) {
		fail(res, "bad pattern");
		return;
	}
	for (i = 0; rc->refs && i < rc->refs->nr; i++) {
		const struct push_ref *pr = &rc->refs->items[i];
		const char *b = branch_of(pr->remote_ref);

		if (!b || push_oid_is_zero(pr->local_oid) ||
		    !regexec(&re, b, 0, NULL, 0))
			continue;
		strbuf_addf(&res->out, "branch '%s' does not match '%s'\n", b,
			    chk->pattern);
		fail(res, NULL);
	}
	regfree(&re);
}

static void fetch_first(struct hk_run *rc, const struct hook_check *chk,
			struct hook_result *res)
{
	const char *args[] = { "fetch", "--quiet", "--no-tags", NULL, NULL };
	struct gitrun g = GITRUN_INIT;

	if (rc->o->nr_args < 1)
		return;
	args[3] = rc->o->args[0];
	g.dir = hk_repo_dir(rc->repo);
	g.merge_err = 1;
	g.timeout_ms = chk->fetch_timeout_ms ? (int)chk->fetch_timeout_ms : -1;
	if (gitrun_exec(&g, args) < 0) {
		strbuf_addf(&res->out, "fetch from '%s' %s; using the last fetched refs\n",
			    rc->o->args[0], g.timed_out ? "timed out" : "failed");
		error_clear();
	}
	gitrun_release(&g);
}

/* How far the pushed commit is behind the branch's upstream. */
static void behind_one(struct hk_run *rc, const struct push_ref *pr,
		       struct hook_result *res)
{
	const char *b = branch_of(pr->local_ref);
	const char *dir = hk_repo_dir(rc->repo);
	struct strbuf up = STRBUF_INIT, range = STRBUF_INIT, n = STRBUF_INIT;
	struct strbuf u = STRBUF_INIT;
	const char *up_argv[] = { "rev-parse", "--abbrev-ref", NULL, NULL };
	const char *count_argv[] = { "rev-list", "--count", NULL, NULL };

	if (!b || push_oid_is_zero(pr->local_oid))
		return;
	strbuf_addf(&u, "%s@{upstream}", b);
	up_argv[2] = u.buf;
	if (hk_git(dir, up_argv, NULL, 0, &up) < 0)
		goto out; /* no upstream: nothing to compare with */
	strbuf_trim(&up);
	strbuf_addf(&range, "%s..%s", pr->local_oid, u.buf);
	count_argv[2] = range.buf;
	if (hk_git(dir, count_argv, NULL, 0, &n) < 0)
		goto out;
	strbuf_trim(&n);
	if (strcmp(n.buf, "0")) {
		strbuf_addf(&res->out, "'%s' is %s commit(s) behind '%s' (as of the "
			    "last fetch); the push may be rejected: pull first\n",
			    b, n.buf, up.buf);
		res->status = HR_WARN;
	}
out:
	error_clear();
	strbuf_release(&u);
	strbuf_release(&n);
	strbuf_release(&range);
	strbuf_release(&up);
}

static void behind(struct hk_run *rc, const struct hook_check *chk,
		   struct hook_result *res)
{
	size_t i;

	if (chk->fetch)
		fetch_first(rc, chk, res);
	for (i = 0; rc->refs && i < rc->refs->nr; i++)
		behind_one(rc, &rc->refs->items[i], res);
	if (res->status == HR_WARN)
		res->reason = xstrdup("behind its upstream");
}

void hk_builtin(struct hk_run *rc, const struct hook_check *chk,
		char **files, size_t nr, struct hook_result *res)
{
	switch (chk->builtin) {
	case HB_COMMIT_LINT: commit_lint(rc, res); break;
	case HB_CONFLICT_MARKERS: conflict_markers(rc, files, nr, res); break;
	case HB_LARGE_FILES: large_files(rc, chk, files, nr, res); break;
	case HB_BRANCH_NAME: branch_name(rc, chk, res); break;
	case HB_BEHIND: behind(rc, chk, res); break;
	case HB_OWNERSHIP: ownership(rc, files, nr, res); break;
	case HB_NONE:
	case HB_SECRETS:
		fail(res, "not a built-in");
		break;
	}
}

/* ---- after the push: the deployment watcher ----------------------------------------- */

void hk_deploy_trigger(struct hk_run *rc, struct strbuf *notes)
{
	struct strbuf why = STRBUF_INIT;
	size_t i;

	if (!rc->o->after_push || !rc->o->self || rc->o->nr_args < 1)
		return;
	for (i = 0; i < rc->refs->nr; i++) {
		const struct push_ref *pr = &rc->refs->items[i];
		const char *b = branch_of(pr->remote_ref);

		if (!b || push_oid_is_zero(pr->local_oid))
			continue;
		strbuf_reset(&why);
		if (rc->o->after_push(rc->cfg, rc->o->self, hk_repo_dir(rc->repo),
				      rc->o->args[0], b, pr->local_oid, &why) < 0)
			strbuf_addf(notes, "\nwarning: %s", why.buf);
	}
	strbuf_release(&why);
}

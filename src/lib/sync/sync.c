/*
 * sync.c - bosun sync: the push queue's claim, the push, and the rebase and
 * retry after a non-fast-forward; see sync.h.
 *
 * What a killed sync can leave in the worktree is named by a marker,
 * <gitdir>/bosun-sync, written before each step that changes the worktree
 * (the stash, the rebase) and removed when the worktree is as the user left
 * it again. The next sync in that worktree reads it and rolls back: it
 * aborts the rebase and puts the stash back. The stash is stored in
 * refs/stash before the tree is reset, so no step loses it.
 */
#include "lib/sync/sync.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/pidfile.h"
#include "core/proc.h"
#include "core/time.h"
#include "lib/git/oid.h"
#include "lib/git/refs.h"
#include "lib/git/repo.h"
#include "lib/git/run.h"
#include "lib/store/store.h"
#include "lib/work/work.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A claim outlives the slowest step it does not renew in (a push). */
#define LEASE_TTL_MS 120000
/* A git config file is a few lines. */
#define CONFIG_CAP (1u << 20)
/* How long a sync that took over waits for the git processes a killed one
 * left running in the worktree. */
#define ORPHAN_WAIT_MS 30000
#define STASH_MSG "bosun sync: autostash"

struct sync_run {
	const struct sync_opts *o;
	struct sync_result *res;
	struct store *st;
	struct strbuf owner, lease, marker;
	long long token;
	int took_over;              /* from a claimant that is gone */
};

/* ---- git ------------------------------------------------------------------ */

/* git in the worktree, never asking a person for anything, in English (its
 * messages are classed by their text). */
static int git(struct sync_run *s, struct gitrun *g, const char *const *args)
{
	static const char *const env[] = { "GIT_TERMINAL_PROMPT=0", "GIT_EDITOR=true",
		"GIT_SEQUENCE_EDITOR=true", "GIT_MERGE_AUTOEDIT=no", "LC_ALL=C", NULL };

	g->dir = s->o->workdir;
	g->env = env;
	return gitrun_exec(g, args);
}

/* Run git for its first line of output, into out (trimmed). */
static int git_line(struct sync_run *s, struct strbuf *out, const char *const *args)
{
	struct gitrun g = GITRUN_INIT;
	int r;

	strbuf_reset(out);
	if ((r = git(s, &g, args)) == 0) {
		strbuf_add(out, g.out.buf, strcspn(g.out.buf, "\n"));
	}
	gitrun_release(&g);
	return r;
}

static int git_quiet(struct sync_run *s, const char *const *args)
{
	struct gitrun g = GITRUN_INIT;
	int r = git(s, &g, args);

	gitrun_release(&g);
	return r;
}

static int rebase_in_progress(struct sync_run *s)
{
	struct strbuf p = STRBUF_INIT;
	int r;

	fs_path_join(&p, s->o->gitdir, "rebase-merge");
	r = fs_exists(p.buf);
	strbuf_reset(&p);
	fs_path_join(&p, s->o->gitdir, "rebase-apply");
	r = r || fs_exists(p.buf);
	strbuf_release(&p);
	return r;
}

static void say(struct sync_run *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(struct sync_run *s, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (!s->o->progress)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	s->o->progress(sb.buf, s->o->data);
	strbuf_release(&sb);
}

/* ---- the marker ----------------------------------------------------------- */

struct marker {
	char branch[256], orig[41], stash[41], phase[16];
};

static int marker_write(struct sync_run *s, const struct marker *m)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	strbuf_addf(&sb, "branch %s\norig %s\nstash %s\nphase %s\n", m->branch,
		    m->orig, *m->stash ? m->stash : "-", m->phase);
	r = write_file_atomic(s->marker.buf, sb.buf, sb.len, 0644);
	strbuf_release(&sb);
	return r;
}

static void field(const char *text, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name), len;
	const char *p = text;

	*out = '\0';
	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, name, n) || p[n] != ' ')
			continue;
		len = strcspn(p + n + 1, "\n");
		if (len >= cap)
			len = cap - 1;
		memcpy(out, p + n + 1, len);
		out[len] = '\0';
		if (!strcmp(out, "-"))
			*out = '\0';
		return;
	}
}

static int marker_read(struct sync_run *s, struct marker *m)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = fs_read_file(&sb, s->marker.buf, 4096)) == 0) {
		field(sb.buf, "branch", m->branch, sizeof(m->branch));
		field(sb.buf, "orig", m->orig, sizeof(m->orig));
		field(sb.buf, "stash", m->stash, sizeof(m->stash));
		field(sb.buf, "phase", m->phase, sizeof(m->phase));
	}
	strbuf_release(&sb);
	return r;
}

/* ---- the stash ------------------------------------------------------------ */

/* The position of oid in the stash list (stash@{N}), or -1. */
static int stash_index(struct sync_run *s, const char *oid)
{
	static const char *const args[] = { "stash", "list", "--format=%H", NULL };
	struct gitrun g = GITRUN_INIT;
	const char *p;
	int i = -1, n = 0;

	if (git(s, &g, args) == 0)
		for (p = g.out.buf; *p; n++) {
			if (!strncmp(p, oid, 40)) {
				i = n;
				break;
			}
			p += strcspn(p, "\n");
			p += *p == '\n';
		}
	error_clear();
	gitrun_release(&g);
	return i;
}

static int stash_drop(struct sync_run *s, const char *oid)
{
	char ref[32];
	const char *args[] = { "stash", "drop", "-q", ref, NULL };
	int i = stash_index(s, oid);

	if (i < 0)
		return 0;
	snprintf(ref, sizeof(ref), "stash@{%d}", i);
	return git_quiet(s, args);
}

/* Save the uncommitted changes (index too) in refs/stash and reset the
 * tree; m->stash is "" when there were none. The marker names the stash
 * before it is stored, so a kill at any point leaves it findable. */
static int stash_save(struct sync_run *s, struct marker *m)
{
	static const char *const create[] = { "stash", "create", STASH_MSG, NULL };
	static const char *const reset[] = { "reset", "--hard", "-q", NULL };
	struct strbuf oid = STRBUF_INIT;
	int r;

	if ((r = git_line(s, &oid, create)) < 0)
		goto out;
	if (!oid.len)
		goto out;
	snprintf(m->stash, sizeof(m->stash), "%s", oid.buf);
	snprintf(m->phase, sizeof(m->phase), "stashed");
	if ((r = marker_write(s, m)) < 0)
		goto out;
	{
		const char *store[] = { "stash", "store", "-q", "-m", STASH_MSG, m->stash, NULL };

		if ((r = git_quiet(s, store)) < 0)
			goto out;
	}
	r = git_quiet(s, reset);
out:
	strbuf_release(&oid);
	return r;
}

/* Put the stash back on the tree, index too, and drop it. One that does
 * not apply (the rebased commits changed the same lines) stays in the
 * stash list, said in the notes. */
static int stash_restore(struct sync_run *s, struct marker *m)
{
	const char *apply[] = { "stash", "apply", "--index", "-q", m->stash, NULL };

	if (!*m->stash)
		return 0;
	if (git_quiet(s, apply) < 0) {
		strbuf_addf(&s->res->notes, "your uncommitted changes do not apply on the "
			    "rebased branch (%s); they are kept in the stash as '%s'",
			    error_message(), STASH_MSG);
		error_clear();
		return 0;
	}
	snprintf(m->phase, sizeof(m->phase), "applied");
	if (marker_write(s, m) < 0)
		return -BOSUN_EIO;
	return stash_drop(s, m->stash);
}

/* ---- recovery ------------------------------------------------------------- */

/* Whether two stash commits hold the same tree and index: the work tree a
 * sync was killed in before it reset it is the stash it had stored. */
static int same_stash(struct sync_run *s, const char *a, const char *b)
{
	struct strbuf ta = STRBUF_INIT, tb = STRBUF_INIT, ia = STRBUF_INIT,
		      ib = STRBUF_INIT;
	struct gitrun g = GITRUN_INIT;
	const char *args[] = { "rev-parse", ta.buf, ia.buf, tb.buf, ib.buf, NULL };
	int same = 0;

	strbuf_addf(&ta, "%s^{tree}", a);
	strbuf_addf(&ia, "%s^2^{tree}", a);
	strbuf_addf(&tb, "%s^{tree}", b);
	strbuf_addf(&ib, "%s^2^{tree}", b);
	args[1] = ta.buf;
	args[2] = ia.buf;
	args[3] = tb.buf;
	args[4] = ib.buf;
	if (git(s, &g, args) == 0 && g.out.len == 4 * 41)
		same = !memcmp(g.out.buf, g.out.buf + 82, 82);
	error_clear();
	gitrun_release(&g);
	strbuf_release(&ta);
	strbuf_release(&tb);
	strbuf_release(&ia);
	strbuf_release(&ib);
	return same;
}

/* Whether the work tree and index already hold the stash's changes on
 * HEAD: the same patches (the blobs named in them too). */
static int stash_applied(struct sync_run *s, const char *stash)
{
	struct strbuf base = STRBUF_INIT, idx = STRBUF_INIT;
	const char *a1[] = { "diff", "--binary", base.buf, stash, NULL };
	const char *a2[] = { "diff", "--binary", "HEAD", NULL };
	const char *b1[] = { "diff", "--binary", base.buf, idx.buf, NULL };
	const char *b2[] = { "diff", "--binary", "--cached", NULL };
	struct gitrun g1 = GITRUN_INIT, g2 = GITRUN_INIT, g3 = GITRUN_INIT,
		      g4 = GITRUN_INIT;
	int same;

	strbuf_addf(&base, "%s^1", stash);
	strbuf_addf(&idx, "%s^2", stash);
	a1[2] = b1[2] = base.buf;
	b1[3] = idx.buf;
	same = git(s, &g1, a1) == 0 && git(s, &g2, a2) == 0 &&
	       git(s, &g3, b1) == 0 && git(s, &g4, b2) == 0 &&
	       g1.out.len == g2.out.len && !memcmp(g1.out.buf, g2.out.buf, g1.out.len) &&
	       g3.out.len == g4.out.len && !memcmp(g3.out.buf, g4.out.buf, g3.out.len);
	error_clear();
	gitrun_release(&g1);
	gitrun_release(&g2);
	gitrun_release(&g3);
	gitrun_release(&g4);
	strbuf_release(&base);
	strbuf_release(&idx);
	return same;
}

/* The git commands of a killed sync outlive it (kill -9 kills bosun, not
 * its children): wait for those still working in any worktree of the
 * repository, so that its push or rebase does not race ours. */
static void wait_orphans(struct sync_run *s, long long deadline)
{
	static const char *const list[] = { "worktree", "list", "--porcelain", NULL };
	struct gitrun g = GITRUN_INIT;
	const char *p, *e;
	int busy = 1;

	if (git(s, &g, list) < 0) {
		error_clear();
		strbuf_reset(&g.out);
		strbuf_addf(&g.out, "worktree %s\n", s->o->workdir);
	}
	while (busy && time_mono_ms() < deadline) {
		busy = 0;
		for (p = g.out.buf; *p && !busy; p = *e ? e + 1 : e) {
			e = p + strcspn(p, "\n");
			if (!strncmp(p, "worktree ", 9)) {
				char *dir = xstrndup(p + 9, (size_t)(e - p - 9));

				busy = proc_any_in_dir(dir, "git");
				free(dir);
			}
		}
		if (busy)
			time_sleep_ms(20);
	}
	gitrun_release(&g);
}

/* Roll back what a killed sync left in this worktree. */
static int recover(struct sync_run *s)
{
	static const char *const abort_[] = { "rebase", "--abort", NULL };
	static const char *const quit[] = { "rebase", "--quit", NULL };
	static const char *const reset[] = { "reset", "--hard", "-q", NULL };
	static const char *const create[] = { "stash", "create",
		"bosun sync: changes made after an interrupted sync", NULL };
	struct strbuf sb = STRBUF_INIT;
	struct marker m;
	long long deadline = time_mono_ms() + ORPHAN_WAIT_MS;
	int r = 0;

	if (s->took_over)
		wait_orphans(s, deadline);
	if (!fs_exists(s->marker.buf))
		return 0;
	if ((r = marker_read(s, &m)) < 0)
		return r;
	while (proc_any_in_dir(s->o->workdir, "git") && time_mono_ms() < deadline)
		time_sleep_ms(20);
	say(s, "an earlier sync was interrupted here: putting the worktree back");
	if (rebase_in_progress(s) && git_quiet(s, abort_) < 0) {
		error_clear();
		git_quiet(s, quit);
		error_clear();
		if (*m.branch && *m.orig) {
			const char *sym[] = { "symbolic-ref", "HEAD", NULL, NULL };
			const char *to[] = { "reset", "--hard", "-q", m.orig, NULL };

			strbuf_addf(&sb, "refs/heads/%s", m.branch);
			sym[2] = sb.buf;
			if ((r = git_quiet(s, sym)) < 0 || (r = git_quiet(s, to)) < 0)
				goto out;
		}
	}
	if (*m.stash && stash_index(s, m.stash) >= 0) {
		if (strcmp(m.phase, "applied")) {
			struct strbuf newer = STRBUF_INIT;
			int applied = 0;

			/* A dirty tree is the stash before the reset, the stash
			 * applied (killed before it was dropped), or changes
			 * made since the kill, which are kept as a stash of
			 * their own before the tree is reset. */
			if ((r = git_line(s, &newer, create)) == 0 && newer.len &&
			    !same_stash(s, newer.buf, m.stash) &&
			    !(applied = stash_applied(s, m.stash))) {
				const char *store[] = { "stash", "store", "-q", "-m",
					"bosun sync: changes made after an interrupted sync",
					newer.buf, NULL };

				r = git_quiet(s, store);
				if (r == 0)
					strbuf_addf(&s->res->notes, "changes made after the "
						    "interrupted sync are kept in the stash "
						    "(stash@{1} after this sync)\n");
			}
			strbuf_release(&newer);
			if (r < 0)
				goto out;
			if (applied) {
				if ((r = stash_drop(s, m.stash)) < 0)
					goto out;
			} else {
				if ((r = git_quiet(s, reset)) < 0)
					goto out;
				m.phase[0] = '\0';
				if ((r = stash_restore(s, &m)) < 0)
					goto out;
			}
		} else if ((r = stash_drop(s, m.stash)) < 0) {
			goto out;
		}
	}
	r = fs_unlink(s->marker.buf);
	s->res->recovered = 1;
	strbuf_addstr(&s->res->notes, "an interrupted sync was rolled back: "
		      "its rebase aborted, its stash put back\n");
out:
	strbuf_release(&sb);
	return r;
}

/* ---- the queue's claim ---------------------------------------------------- */

static int claim(struct sync_run *s)
{
	struct strbuf who = STRBUF_INIT;
	struct proc_owner holder;
	long long t0 = time_mono_ms(), deadline = t0 + s->o->wait_ms, tok, left;
	long long nap = 10;
	int r, said = 0;

	for (;;) {
		if ((r = store_lease_claim(s->st, s->lease.buf, s->owner.buf,
					   LEASE_TTL_MS, &s->token)) != -BOSUN_EBUSY)
			break;
		error_clear();
		if ((r = store_lease_holder(s->st, s->lease.buf, &who, &tok, &left)) < 0)
			break;
		if (r == 1 && proc_owner_parse(&holder, who.buf) == 0 &&
		    !proc_owner_alive(&holder)) {
			r = store_lease_takeover(s->st, s->lease.buf, s->owner.buf, who.buf,
						 tok, LEASE_TTL_MS, &s->token);
			if (r == 0) {
				s->took_over = 1;
				strbuf_addf(&s->res->notes, "took over the push queue from "
					    "a sync that is gone (pid %d)\n", (int)holder.pid);
				break;
			}
			if (r != -BOSUN_EBUSY)
				break;
			error_clear();
			continue;
		}
		error_clear();
		if (time_mono_ms() >= deadline) {
			r = error_set(BOSUN_EBUSY, "the push queue did not move for %lld s "
				      "(held by '%s')", s->o->wait_ms / 1000, who.buf);
			error_hint("raise sync.wait, or see which bosun sync runs");
			break;
		}
		if (!said++)
			say(s, "waiting for another bosun sync to push (pid %d)",
			    r == 1 ? (int)holder.pid : 0);
		time_sleep_ms(nap / 2 + rand() % (nap / 2 + 1));
		if (nap < 200)
			nap *= 2;
	}
	s->res->queued_ms = time_mono_ms() - t0;
	strbuf_release(&who);
	return r;
}

static void renew(struct sync_run *s)
{
	if (s->token && store_lease_renew(s->st, s->lease.buf, s->owner.buf, s->token,
					  LEASE_TTL_MS) < 0)
		error_clear();
}

/* ---- push, fetch, rebase --------------------------------------------------- */

static int has(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

const char *sync_classify(const char *out, const char *err)
{
	static const char *const auth[] = { "Authentication failed",
		"could not read Username", "could not read Password",
		"terminal prompts disabled", "Permission denied (publickey",
		"returned error: 401", "returned error: 403", "HTTP 401", "HTTP 403",
		"Invalid username or password", NULL };
	static const char *const net[] = { "Could not resolve host",
		"Connection refused", "Failed to connect", "Couldn't connect",
		"unable to access", "timed out", "Network is unreachable",
		"No route to host", "Could not read from remote repository",
		"does not appear to be a git repository", "unable to connect",
		"Connection reset", "remote end hung up", "early EOF", NULL };
	size_t i;

	if (has(out, "[rejected]") &&
	    (has(out, "non-fast-forward") || has(out, "fetch first")))
		return "nff";
	if (has(out, "[remote rejected]") || has(out, "[rejected]"))
		return "rejected";
	for (i = 0; auth[i]; i++)
		if (has(err, auth[i]))
			return "auth";
	for (i = 0; net[i]; i++)
		if (has(err, net[i]))
			return "network";
	return "failed";
}

/* The remote's lines ("remote: ...") and git's last error, for a message. */
static void why(struct strbuf *sb, const struct gitrun *g)
{
	const char *p = g->err.buf, *e;
	int n = 0;

	for (; *p && n < 8; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		if (!strncmp(p, "remote: ", 8) && e - p > 8) {
			strbuf_addf(sb, "\n  %.*s", (int)(e - p), p);
			n++;
		}
	}
}

static int fail(struct sync_run *s, const char *outcome, const struct gitrun *g,
		const char *line)
{
	struct strbuf sb = STRBUF_INIT;
	int kind = !strcmp(outcome, "auth") ? BOSUN_EAUTH :
		   !strcmp(outcome, "network") ? BOSUN_EUNAVAILABLE : BOSUN_EFAIL;
	const char *what = !strcmp(outcome, "auth") ? "authentication refused by" :
			   !strcmp(outcome, "network") ? "cannot reach" :
			   !strcmp(outcome, "rejected") ? "the push was refused by" :
			   "cannot push to";
	int r;

	s->res->outcome = outcome;
	strbuf_addf(&sb, "%s '%s': %s", what, s->res->remote, line);
	if (g)
		why(&sb, g);
	r = error_set(kind, "%s", sb.buf);
	if (kind == BOSUN_EAUTH)
		error_hint("check the remote's credentials (git credential helpers, "
			   "ssh keys); bosun sync never prompts");
	else if (kind == BOSUN_EUNAVAILABLE)
		error_hint("check the remote's URL and the network, then run bosun sync again");
	strbuf_release(&sb);
	return r;
}

/* The porcelain line of our ref: its flag, and the remote's old commit. */
static void porcelain(struct sync_run *s, const char *out, char *flag)
{
	const char *p = out, *e, *dots;

	*flag = 0;
	for (; *p; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		if (e - p < 3 || p[1] != '\t')
			continue;
		*flag = p[0];
		dots = strstr(p + 2, "\t");
		if (dots && (dots = strstr(dots, "..")) && dots < e) {
			const char *a = dots;

			while (a > p && a[-1] != '\t')
				a--;
			if (dots - a < 41) {
				memcpy(s->res->from, a, dots - a);
				s->res->from[dots - a] = '\0';
			}
		}
		return;
	}
}

/* Porcelain abbreviates the remote's old commit; we have it (we built on
 * it), so it expands. */
static void full_oid(struct sync_run *s, char *oid)
{
	struct strbuf sb = STRBUF_INIT, rev = STRBUF_INIT;
	const char *args[] = { "rev-parse", "--verify", "-q", NULL, NULL };

	strbuf_addf(&rev, "%s^{commit}", oid);
	args[3] = rev.buf;
	if (git_line(s, &sb, args) == 0 && sb.len == 40)
		memcpy(oid, sb.buf, 41);
	error_clear();
	strbuf_release(&sb);
	strbuf_release(&rev);
}

/* One push: 0 pushed (or up to date), 1 a non-fast-forward, or the error. */
static int push_once(struct sync_run *s)
{
	struct strbuf spec = STRBUF_INIT;
	const char *args[] = { "push", "--porcelain", s->res->remote, NULL, NULL };
	struct gitrun g = GITRUN_INIT;
	const char *cls;
	char flag;
	int r;

	strbuf_addf(&spec, "refs/heads/%s:refs/heads/%s", s->res->branch, s->res->remote_branch);
	args[3] = spec.buf;
	r = git(s, &g, args);
	porcelain(s, g.out.buf, &flag);
	if (r == 0) {
		s->res->outcome = flag == '=' ? "up-to-date" : "pushed";
		if (flag == '=')
			memcpy(s->res->from, s->res->to, sizeof(s->res->from));
		else if (flag == '*')
			s->res->from[0] = '\0';
		else if (*s->res->from && strlen(s->res->from) < 40)
			full_oid(s, s->res->from);
		goto out;
	}
	if (r == -BOSUN_EUNAVAILABLE && !g.timed_out)
		goto out;	/* git itself is missing */
	cls = sync_classify(g.out.buf, g.err.buf);
	if (!strcmp(cls, "nff")) {
		error_clear();
		r = 1;
		goto out;
	}
	{
		struct strbuf line = STRBUF_INIT;

		strbuf_addstr(&line, error_message());
		if (!strcmp(cls, "rejected")) {
			const char *p = strstr(g.out.buf, "rejected]");

			strbuf_reset(&line);
			strbuf_add(&line, p + 10, strcspn(p + 10, "\n"));
		}
		if (g.timed_out)
			cls = "network";
		r = fail(s, cls, &g, line.buf);
		strbuf_release(&line);
	}
out:
	gitrun_release(&g);
	strbuf_release(&spec);
	return r;
}

static int head_oid(struct sync_run *s)
{
	struct strbuf ref = STRBUF_INIT, oid = STRBUF_INIT;
	const char *args[] = { "rev-parse", "--verify", "-q", NULL, NULL };
	int r;

	strbuf_addf(&ref, "refs/heads/%s", s->res->branch);
	args[3] = ref.buf;
	if ((r = git_line(s, &oid, args)) == 0)
		snprintf(s->res->to, sizeof(s->res->to), "%s", oid.buf);
	strbuf_release(&ref);
	strbuf_release(&oid);
	return r;
}

/* Fetch the remote's branch and rebase ours on it. */
static int fetch_rebase(struct sync_run *s)
{
	static const char *const fetch_head[] = { "rev-parse", "--verify", "-q",
		"FETCH_HEAD^{commit}", NULL };
	static const char *const abort_[] = { "rebase", "--abort", NULL };
	static const char *const unmerged[] = { "diff", "--name-only",
		"--diff-filter=U", NULL };
	struct strbuf ref = STRBUF_INIT, onto = STRBUF_INIT;
	const char *fetch[] = { "fetch", "-q", "--no-tags", s->res->remote, NULL, NULL };
	const char *rebase[] = { "-c", "rebase.autoStash=false", "-c",
		"rebase.autoSquash=false", "rebase", "-q", NULL, NULL };
	struct gitrun g = GITRUN_INIT;
	struct marker m;
	int r;

	strbuf_addf(&ref, "refs/heads/%s", s->res->remote_branch);
	fetch[4] = ref.buf;
	if ((r = git(s, &g, fetch)) < 0) {
		const char *cls = sync_classify("", g.err.buf);

		r = fail(s, strcmp(cls, "failed") ? cls : "network", &g, error_message());
		goto out;
	}
	if ((r = git_line(s, &onto, fetch_head)) < 0)
		goto out;
	memset(&m, 0, sizeof(m));
	snprintf(m.branch, sizeof(m.branch), "%s", s->res->branch);
	snprintf(m.orig, sizeof(m.orig), "%s", s->res->to);
	if ((r = stash_save(s, &m)) < 0)
		goto out;
	snprintf(m.phase, sizeof(m.phase), "rebasing");
	if ((r = marker_write(s, &m)) < 0)
		goto out;
	rebase[6] = onto.buf;
	gitrun_release(&g);
	if ((r = git(s, &g, rebase)) < 0) {
		struct gitrun u = GITRUN_INIT;

		if (!rebase_in_progress(s))
			goto out;	/* it did not start: nothing to undo */
		strbuf_addstr(&s->res->conflicts, "");
		if (git(s, &u, unmerged) == 0)
			strbuf_addbuf(&s->res->conflicts, &u.out);
		gitrun_release(&u);
		error_clear();
		if ((r = git_quiet(s, abort_)) < 0)
			goto out;
		s->res->outcome = "conflict";
		r = -BOSUN_ECONFLICT;
	}
	{
		int r2 = stash_restore(s, &m);

		if (r2 < 0 && r >= 0)
			r = r2;
	}
	if (r == -BOSUN_ECONFLICT) {
		strbuf_rtrim(&s->res->conflicts);
		error_set(BOSUN_ECONFLICT, "your commits conflict with '%s/%s'; the "
			  "rebase was aborted and your branch is as it was%s%s",
			  s->res->remote, s->res->remote_branch,
			  s->res->conflicts.len ? ": " : "", s->res->conflicts.buf);
		error_hint("merge by hand: git pull --rebase %s %s, resolve, then bosun sync",
			   s->res->remote, s->res->remote_branch);
	}
	if (fs_exists(s->marker.buf) && fs_unlink(s->marker.buf) < 0 && r >= 0)
		r = -BOSUN_EIO;
	if (r >= 0)
		r = head_oid(s);
out:
	gitrun_release(&g);
	strbuf_release(&ref);
	strbuf_release(&onto);
	return r;
}

long long sync_backoff_ms(const struct sync_opts *o, int n, double rnd)
{
	long long w = o->backoff_ms;

	while (--n > 0 && w < o->backoff_max_ms)
		w *= 2;
	if (w > o->backoff_max_ms)
		w = o->backoff_max_ms;
	return w / 2 + (long long)(rnd * (double)(w - w / 2));
}

/* Sleep ms, renewing the claim on the way. */
static void wait_renewing(struct sync_run *s, long long ms)
{
	long long end = time_mono_ms() + ms, left;

	while ((left = end - time_mono_ms()) > 0) {
		time_sleep_ms(left < LEASE_TTL_MS / 4 ? left : LEASE_TTL_MS / 4);
		renew(s);
	}
}

/* ---- the branch ------------------------------------------------------------- */

/* 1 when a branch section header is not as git writes it, `[branch
 * "NAME"]` alone on its line (the old `[branch.NAME]`, a key after the
 * header, other spacing): work_config_find() would not see it. */
static int odd_branch_header(const char *text)
{
	const char *p = text;

	while ((p = strcasestr(p, "[branch"))) {
		const char *line = p, *nl = strchrnul(p, '\n'), *q;

		while (line > text && (line[-1] == ' ' || line[-1] == '\t'))
			line--;
		if (line > text && line[-1] != '\n')
			return 1;
		if (strncmp(p, "[branch \"", 9) || !(q = memchr(p + 9, '"', (size_t)(nl - p - 9))) ||
		    q[1] != ']')
			return 1;
		for (q += 2; q < nl; q++)
			if (*q != ' ' && *q != '\t' && *q != '\r')
				return 1;
		p = nl;
	}
	return 0;
}

/* What a config file says that is not followed here: an include (a file
 * not read here) and, outside the repository's own files, any branch
 * settings. */
static int config_unsure(const char *path, int repo_file, struct strbuf *text)
{
	int r;

	strbuf_reset(text);
	if ((r = fs_read_file(text, path, CONFIG_CAP)) < 0) {
		error_clear();
		return r != -BOSUN_ENOTFOUND;
	}
	if (strcasestr(text->buf, "[include") || (!repo_file && strcasestr(text->buf, "[branch")))
		return 1;
	return repo_file && odd_branch_header(text->buf);
}

/* The branch's upstream and commit, as `git for-each-ref` would give
 * them, from the files git keeps them in: 0, or 1 when that is not sure
 * (reftable, a config include, branch settings in the user's config,
 * settings in the environment): ask git. */
static int upstream_here(struct sync_run *s, const char *ref, struct strbuf *remote,
			 struct strbuf *merge, char *to)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME"),
		   *global = getenv("GIT_CONFIG_GLOBAL"), *sys = getenv("GIT_CONFIG_SYSTEM");
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT, sect = STRBUF_INIT,
		      v = STRBUF_INIT;
	struct repo *repo = NULL;
	unsigned char oid[20];
	static const char *const keys[] = { "remote", "merge" };
	struct strbuf *outs[2];
	int r = 1, i, k, got[2] = { 0, 0 };

	if ((getenv("GIT_CONFIG_PARAMETERS") && *getenv("GIT_CONFIG_PARAMETERS")) ||
	    (getenv("GIT_CONFIG_COUNT") && *getenv("GIT_CONFIG_COUNT")) ||
	    repo_discover(&repo, s->o->workdir) < 0 || refs_other_format(repo))
		goto out;
	outs[0] = remote;
	outs[1] = merge;
	/* the user's and the system's config: no branch settings there */
	if (global && *global) {
		if (config_unsure(global, 0, &text))
			goto out;
	} else {
		if (home && *home) {
			fs_path_join(&path, home, ".gitconfig");
			if (config_unsure(path.buf, 0, &text))
				goto out;
		}
		if (xdg && *xdg)
			fs_path_join(&path, xdg, "git/config");
		else if (home && *home)
			fs_path_join(&path, home, ".config/git/config");
		if (path.len && config_unsure(path.buf, 0, &text))
			goto out;
	}
	if (!getenv("GIT_CONFIG_NOSYSTEM") &&
	    config_unsure(sys && *sys ? sys : "/etc/gitconfig", 0, &text))
		goto out;
	/* the repository's, then this worktree's own: the last one wins */
	strbuf_addf(&sect, "branch \"%s\"", ref + 11);
	for (i = 0; i < 2; i++) {
		fs_path_join(&path, repo->common_dir, "config");
		if (i)
			fs_path_join(&path, repo->gitdir, "config.worktree");
		if (config_unsure(path.buf, 1, &text))
			goto out;
		for (k = 0; k < 2; k++) {
			if (work_config_find(text.buf, text.len, sect.buf, keys[k], &v) < 0)
				goto out;
			if (v.len) {
				strbuf_reset(outs[k]);
				strbuf_addbuf(outs[k], &v);
				got[k] = 1;
			}
		}
	}
	/* half an upstream: what git makes of it is git's to say */
	if (got[0] != got[1])
		goto out;
	r = refs_resolve(repo, ref, oid);
	if (r == 0) {
		oid_to_hex(oid, to);
	} else if (r == -BOSUN_ENOTFOUND) {
		/* no commit yet: for-each-ref lists nothing, no upstream read */
		strbuf_reset(remote);
		strbuf_reset(merge);
		*to = '\0';
		r = 0;
	} else {
		r = 1;
	}
out:
	error_clear();
	repo_free(repo);
	strbuf_release(&path);
	strbuf_release(&text);
	strbuf_release(&sect);
	strbuf_release(&v);
	return r;
}

static int resolve(struct sync_run *s)
{
	static const char *const sym[] = { "symbolic-ref", "-q", "HEAD", NULL };
	struct strbuf sb = STRBUF_INIT, pat = STRBUF_INIT;
	/* Tabs cannot be in ref names; one line per ref under the pattern. */
	const char *args[] = { "for-each-ref", "--format=%(refname)%09"
		"%(upstream:remotename)%09%(upstream:remoteref)%09%(objectname)", NULL, NULL };
	struct gitrun g = GITRUN_INIT;
	struct strbuf remote = STRBUF_INIT, merge = STRBUF_INIT;
	struct repo *repo = NULL;
	char *p, *e, *f[4], to[41];
	int r, i;

	/* HEAD from its file where that is sure, else from git */
	r = -1;
	if (repo_discover(&repo, s->o->workdir) == 0)
		r = refs_symref(repo, "HEAD", &sb);
	repo_free(repo);
	if (r < 0) {
		error_clear();
		r = git_line(s, &sb, sym);
	} else if (r == 0) {
		r = -BOSUN_EFAIL;  /* detached */
	} else {
		r = 0;
	}
	if (r < 0 || strncmp(sb.buf, "refs/heads/", 11)) {
		struct marker m;

		error_clear();
		/* A sync killed mid-rebase left HEAD detached: its branch is
		 * in the marker, and recover() puts HEAD back on it. */
		if (fs_exists(s->marker.buf) && marker_read(s, &m) == 0 && *m.branch) {
			strbuf_reset(&sb);
			strbuf_addf(&sb, "refs/heads/%s", m.branch);
			r = 0;
			goto found;
		}
		error_clear();
		r = error_set(BOSUN_EUSAGE, "HEAD is not on a branch: nothing to sync");
		error_hint("check out the branch to push first");
		goto out;
	}
found:
	s->res->branch = xstrdup(sb.buf + 11);
	strbuf_addbuf(&pat, &sb);
	if (upstream_here(s, pat.buf, &remote, &merge, to) == 0) {
		if (!s->o->remote || !*s->o->remote || !strcmp(s->o->remote, remote.buf)) {
			if (remote.len)
				s->res->remote = xstrdup(remote.buf);
			if (!strncmp(merge.buf, "refs/heads/", 11))
				s->res->remote_branch = xstrdup(merge.buf + 11);
		}
		snprintf(s->res->to, sizeof(s->res->to), "%s", to);
		goto found_all;
	}
	args[2] = pat.buf;
	if ((r = git(s, &g, args)) < 0)
		goto out;
	for (p = g.out.buf; *p; p = e) {
		e = p + strcspn(p, "\n");
		if (*e)
			*e++ = '\0';
		for (i = 0, f[0] = p; i < 3 && f[i]; i++)
			if ((f[i + 1] = strchr(f[i], '\t')))
				*f[i + 1]++ = '\0';
		if (i < 3 || !f[3] || strcmp(f[0], pat.buf))
			continue;
		if (!s->o->remote || !*s->o->remote || !strcmp(s->o->remote, f[1])) {
			if (*f[1])
				s->res->remote = xstrdup(f[1]);
			if (!strncmp(f[2], "refs/heads/", 11))
				s->res->remote_branch = xstrdup(f[2] + 11);
		}
		snprintf(s->res->to, sizeof(s->res->to), "%.40s", f[3]);
		break;
	}
found_all:
	if (!s->res->remote)
		s->res->remote = xstrdup(s->o->remote && *s->o->remote ? s->o->remote : "origin");
	if (!s->res->remote_branch)
		s->res->remote_branch = xstrdup(s->res->branch);
out:
	gitrun_release(&g);
	strbuf_release(&sb);
	strbuf_release(&pat);
	strbuf_release(&remote);
	strbuf_release(&merge);
	return r;
}

/* ---- the run ---------------------------------------------------------------- */

static int record_start(struct sync_run *s)
{
	struct store_push p = { 0 };

	p.branch = s->res->remote_branch;
	p.commit = s->res->to;
	p.owner = s->owner.buf;
	p.remote = s->res->remote;
	p.from = *s->res->from ? s->res->from : NULL;
	return store_push_enqueue(s->st, &p, &s->res->push_id);
}

static void record_finish(struct sync_run *s, int r)
{
	struct store_push p = { 0 };

	if (!s->res->push_id)
		return;
	p.state = s->res->outcome ? s->res->outcome : "failed";
	p.message = r < 0 ? error_message() : NULL;
	p.from = *s->res->from ? s->res->from : NULL;
	p.commit = s->res->to;
	p.attempts = s->res->attempts;
	p.duration_ms = s->res->duration_ms;
	if (store_push_finish(s->st, s->res->push_id, &p) < 0)
		strbuf_addf(&s->res->notes, "the push was not recorded: %s\n", error_message());
}

/* The pushes themselves, under the claim. */
static int push_loop(struct sync_run *s)
{
	int n, r;

	for (n = 1;; n++) {
		if (n > 1)
			renew(s);
		s->res->attempts = n;
		if ((r = push_once(s)) <= 0) {
			if (n == 1 && r == 0 && !strcmp(s->res->outcome, "up-to-date"))
				return 0;
			if (!s->res->push_id && record_start(s) < 0)
				strbuf_addf(&s->res->notes, "the push was not recorded: %s\n",
					    error_message());
			return r;
		}
		if (!s->res->push_id && record_start(s) < 0) {
			strbuf_addf(&s->res->notes, "the push was not recorded: %s\n",
				    error_message());
			error_clear();
		}
		if (n >= s->o->attempts) {
			s->res->outcome = "behind";
			return error_set(BOSUN_EFAIL, "'%s/%s' kept moving: %d pushes were "
					 "refused as non-fast-forward", s->res->remote,
					 s->res->remote_branch, n);
		}
		{
			long long ms = sync_backoff_ms(s->o, n, (double)rand() / ((double)RAND_MAX + 1));

			say(s, "'%s/%s' has commits this branch lacks: rebasing, push %d of %d "
			    "in %lld.%01lld s", s->res->remote, s->res->remote_branch, n + 1,
			    s->o->attempts, ms / 1000, ms % 1000 / 100);
			wait_renewing(s, ms);
		}
		if ((r = fetch_rebase(s)) < 0)
			return r;
	}
}

/* Rows left "queued" by syncs that are gone (killed before they recorded
 * the outcome) become "interrupted", so the record never shows a push as
 * running that is not. Under the claim: no live sync has such a row. */
static void settle_queue(struct sync_run *s)
{
	struct store_push *v = NULL;
	struct proc_owner o;
	size_t nr = 0, i;

	if (store_push_list(s->st, "queued", &v, &nr) < 0) {
		error_clear();
		return;
	}
	for (i = 0; i < nr; i++)
		if (v[i].owner && proc_owner_parse(&o, v[i].owner) == 0 &&
		    !proc_owner_alive(&o) &&
		    store_push_update(s->st, v[i].id, "interrupted",
				      "the sync was killed before the outcome") < 0)
			break;
	error_clear();
	store_push_free(v, nr);
}

static void owner_of_me(struct strbuf *sb)
{
	struct proc_owner me;

	if (proc_owner_of(&me, getpid()) == 0) {
		proc_owner_format(sb, &me);
		strbuf_rtrim(sb);
	} else {
		error_clear();
		strbuf_addf(sb, "%d 0", (int)getpid());
	}
}

int sync_run(const struct sync_opts *o, struct sync_result *res)
{
	struct sync_run s = { o, res, NULL, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0 };
	long long t0 = time_mono_ms();
	int r, r2;

	srand((unsigned)(time_wall_us() ^ getpid()));
	fs_path_join(&s.marker, o->gitdir, "bosun-sync");
	if ((r = resolve(&s)) < 0)
		goto out;
	if ((r = store_open(&s.st, o->store_url, o->common_dir, 0)) < 0)
		goto out;
	owner_of_me(&s.owner);
	strbuf_addf(&s.lease, "sync:%s", res->remote);
	if ((r = claim(&s)) < 0)
		goto out;
	settle_queue(&s);
	if ((r = recover(&s)) < 0 || (res->recovered && (r = head_oid(&s)) < 0))
		goto release;
	r = push_loop(&s);
	res->duration_ms = time_mono_ms() - t0;
	if (r == 0 && !strcmp(res->outcome, "pushed") && o->after_push) {
		struct strbuf w = STRBUF_INIT;

		o->after_push(res->remote, res->remote_branch, res->to, &w, o->data);
		if (w.len)
			strbuf_addf(&res->notes, "%s\n", w.buf);
		strbuf_release(&w);
	}
	record_finish(&s, r);
release:
	if (s.token && (r2 = store_lease_release(s.st, s.lease.buf, s.owner.buf,
						 s.token)) < 0 && r >= 0)
		r = r2;
out:
	res->duration_ms = time_mono_ms() - t0;
	store_close(s.st);
	strbuf_release(&s.owner);
	strbuf_release(&s.lease);
	strbuf_release(&s.marker);
	return r;
}

void sync_opts_config(struct sync_opts *o, const struct config *cfg)
{
	o->attempts = (int)config_int(cfg, "sync.attempts");
	o->backoff_ms = config_int(cfg, "sync.backoff");
	o->backoff_max_ms = config_int(cfg, "sync.backoff_max");
	o->wait_ms = config_int(cfg, "sync.wait");
	o->store_url = config_str(cfg, "store.url");
}

void sync_result_release(struct sync_result *res)
{
	free(res->remote);
	free(res->branch);
	free(res->remote_branch);
	res->remote = res->branch = res->remote_branch = NULL;
	strbuf_release(&res->conflicts);
	strbuf_release(&res->notes);
}

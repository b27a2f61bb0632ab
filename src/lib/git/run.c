/*
 * run.c - gitrun_exec() (run.h): git through core/run, its failures turned
 * into error kinds in one place.
 */
#include "lib/git/run.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/run.h"
#include "core/time.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_CAP ((size_t)16 << 20)

/* The subcommand, for messages: the first argument that is no option
 * (skipping the values of -C and -c). */
static const char *verb_of(const char *const *args)
{
	for (; *args; args++) {
		if (!strcmp(*args, "-C") || !strcmp(*args, "-c")) {
			if (!args[1])
				break;
			args++;
		} else if (**args != '-') {
			return *args;
		}
	}
	return "command";
}

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* The line that says what went wrong: the last "fatal: " or "error: " line
 * (without that word), else the last line that is not a hint. */
static void last_line(struct strbuf *dst, const struct strbuf *text)
{
	const char *end = text->buf + text->len, *pick = NULL, *pick_end = NULL;

	while (end > text->buf) {
		const char *line, *e = end;

		while (e > text->buf && (e[-1] == '\n' || e[-1] == ' ' ||
					 e[-1] == '\t' || e[-1] == '\r'))
			e--;
		line = e;
		while (line > text->buf && line[-1] != '\n')
			line--;
		end = line;
		if (e == line || starts_with(line, "hint:"))
			continue;
		if (starts_with(line, "fatal: ") || starts_with(line, "error: ")) {
			pick = line + 7;
			pick_end = e;
			break;
		}
		if (!pick) {
			pick = line;
			pick_end = e;
		}
	}
	if (pick)
		strbuf_add(dst, pick, (size_t)(pick_end - pick));
}

static int bad_revision(const char *line)
{
	return strstr(line, "unknown revision") || strstr(line, "bad revision") ||
	       strstr(line, "ambiguous argument");
}

static int failure(const struct gitrun *g, const struct child *c,
		   const char *verb)
{
	struct strbuf line = STRBUF_INIT;
	int kind = g->fail_kind ? g->fail_kind : BOSUN_EFAIL, r;

	if (c->timed_out)
		return error_set(BOSUN_EUNAVAILABLE, "git %s timed out after %d s",
				 verb, (c->timeout_ms + 999) / 1000);
	last_line(&line, g->merge_err ? &g->out : &g->err);
	if (bad_revision(g->merge_err ? g->out.buf : g->err.buf))
		kind = BOSUN_EUSAGE;
	if (!line.len)
		strbuf_addf(&line, "exit code %d", c->status);
	r = error_set(kind, "git %s failed: %s", verb, line.buf);
	strbuf_release(&line);
	return r;
}

static int exec_once(struct gitrun *g, const char *const *args)
{
	struct child c = CHILD_INIT;
	const char **argv;
	const char *verb = verb_of(args);
	size_t n = 0, cap = g->out_cap ? g->out_cap : DEFAULT_CAP;
	int r;

	while (args[n])
		n++;
	argv = xcalloc(n + 2, sizeof(*argv));
	argv[0] = "git";
	memcpy(argv + 1, args, n * sizeof(*argv));
	c.argv = argv;
	c.env = g->env;
	c.dir = g->dir;
	c.in = g->in;
	c.in_len = g->in_len;
	c.capture = 1;
	c.merge_err = g->merge_err;
	c.die_with_us = g->die_with_us;
	c.out_cap = cap;
	c.timeout_ms = g->timeout_ms ? (g->timeout_ms > 0 ? g->timeout_ms : 0) :
		       GITRUN_TIMEOUT_MS;
	/* Appended to what the caller's buffers already hold. */
	c.out = g->out;
	c.err = g->err;
	r = child_run(&c);
	g->out = c.out;
	g->err = c.err;
	strbuf_init(&c.out, 0);
	strbuf_init(&c.err, 0);
	g->status = c.status;
	g->timed_out = c.timed_out;
	if (r == -BOSUN_EUNAVAILABLE)
		error_hint("install git, or put it on PATH");
	else if (r == 0 && c.status)
		r = failure(g, &c, verb);
	else if (r == 0 && g->out.len >= cap)
		r = error_set(BOSUN_EIO, "git %s: more than %zu bytes of output",
			      verb, cap);
	child_release(&c);
	free(argv);
	return r;
}

/*
 * git fails for a moment while another git works next to it: it reads every
 * worktree's admin folder for some commands ("failed to read
 * .git/worktrees/X/commondir" while one is being made), and a config file
 * is locked while another git writes it. Neither changed anything.
 */
static int raced(const char *err)
{
	return (strstr(err, "failed to read") && strstr(err, "/worktrees/")) ||
	       strstr(err, "could not lock config file");
}

int gitrun_exec(struct gitrun *g, const char *const *args)
{
	size_t out_at = g->out.len, err_at = g->err.len;
	int r, tries;

	for (tries = 0;; tries++) {
		r = exec_once(g, args);
		if (r >= 0 || !g->retry_races || tries >= GITRUN_RACE_TRIES ||
		    g->timed_out ||
		    !raced(g->merge_err ? g->out.buf + out_at : g->err.buf + err_at))
			return r;
		error_clear();
		strbuf_setlen(&g->out, out_at);
		strbuf_setlen(&g->err, err_at);
		time_sleep_ms(10 + tries * 20);
	}
}

static const char **git_argv(const char *const *args)
{
	const char **argv;
	size_t n = 0;

	while (args[n])
		n++;
	argv = xcalloc(n + 2, sizeof(*argv));
	argv[0] = "git";
	memcpy(argv + 1, args, n * sizeof(*argv));
	return argv;
}

int gitrun_start(struct gitrun *g, const char *const *args)
{
	struct child *c = xcalloc(1, sizeof(*c));
	int r;

	*c = (struct child)CHILD_INIT;
	g->argv = git_argv(args);
	c->argv = g->argv;
	c->env = g->env;
	c->dir = g->dir;
	c->in = g->in;
	c->in_len = g->in_len;
	c->capture = 1;
	c->pipe_out = 1;
	c->out_cap = g->out_cap ? g->out_cap : DEFAULT_CAP;
	c->timeout_ms = g->timeout_ms ? (g->timeout_ms > 0 ? g->timeout_ms : 0) :
			GITRUN_TIMEOUT_MS;
	g->child = c;
	if ((r = child_start(c)) < 0) {
		if (r == -BOSUN_EUNAVAILABLE)
			error_hint("install git, or put it on PATH");
		return r;
	}
	g->out_fd = c->out_fd;
	return 0;
}

static void stream_end(struct gitrun *g)
{
	struct child *c = g->child;

	if (c->out_fd >= 0)
		close(c->out_fd);
	c->out_fd = g->out_fd = -1;
	child_finish(c);
	strbuf_addbuf(&g->err, &c->err);
	g->status = c->status;
	g->timed_out = c->timed_out;
}

int gitrun_finish(struct gitrun *g)
{
	int r = 0;

	if (!g->child || !g->child->proc)
		return 0;
	stream_end(g);
	if (g->status)
		r = failure(g, g->child, verb_of(g->argv + 1));
	return r;
}

void gitrun_stop(struct gitrun *g)
{
	if (!g->child || !g->child->proc)
		return;
	child_kill(g->child, SIGTERM);
	stream_end(g);
}

void gitrun_release(struct gitrun *g)
{
	if (!g)
		return;
	if (g->child) {
		gitrun_stop(g);
		child_release(g->child);
		free(g->child);
		g->child = NULL;
	}
	free(g->argv);
	g->argv = NULL;
	strbuf_release(&g->out);
	strbuf_release(&g->err);
}

int gitrun_config_last(struct strbuf *value, const char *dir,
		       const char *name_regex)
{
	const char *args[] = { "config", "-z", "--get-regexp", name_regex, NULL };
	struct gitrun g = GITRUN_INIT;
	const char *p, *end, *last = NULL;
	int r;

	g.dir = dir;
	r = gitrun_exec(&g, args);
	/* `git config` exits 1 when no entry matches. */
	if (r < 0 && g.status == 1 && !g.timed_out) {
		error_clear();
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	/* -z: records "name\nvalue\0" ("name\0" for a key with no value). */
	p = g.out.buf;
	end = g.out.buf + g.out.len;
	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		const char *nl;

		if (!z)
			z = end;
		nl = memchr(p, '\n', (size_t)(z - p));
		last = nl ? nl + 1 : z;
		p = z + 1;
	}
	r = 0;
	if (last) {
		const char *z = memchr(last, '\0', (size_t)(end - last));

		strbuf_reset(value);
		strbuf_add(value, last, z ? (size_t)(z - last) : (size_t)(end - last));
		r = 1;
	}
out:
	gitrun_release(&g);
	return r;
}

/*
 * driver.c - what `bosun merge-driver` does with git's %O %A %B %P: choose
 * the file's kind, merge, and write the result over %A atomically.
 */
#include "lib/merge/merge.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/glob.h"
#include "core/lockfile.h"
#include "core/run.h"
#include "lib/config/config.h"
#include "lib/git/run.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Larger inputs are not append-style files; git's own merge is refused too
 * (it would hold three copies in memory). */
#define MERGE_FILE_CAP (256u << 20)

static const char *const kind_names[] = {
	[MERGE_KIND_TEXT] = "text",
	[MERGE_KIND_ENTRIES] = "entries",
	[MERGE_KIND_LOCKFILE] = "lockfile",
	[MERGE_KIND_OURS] = "ours",
	[MERGE_KIND_THEIRS] = "theirs",
};

const struct merge_default_kind merge_default_kinds[] = {
	{ "CHANGELOG.md", MERGE_KIND_ENTRIES },
	{ "CHANGELOG", MERGE_KIND_ENTRIES },
	{ "CHANGES.md", MERGE_KIND_ENTRIES },
	{ "HISTORY.md", MERGE_KIND_ENTRIES },
	{ "NEWS.md", MERGE_KIND_ENTRIES },
	{ "ROADMAP.md", MERGE_KIND_ENTRIES },
	{ "TODO.md", MERGE_KIND_ENTRIES },
	{ "TASKS.md", MERGE_KIND_ENTRIES },
	{ "CHECKLIST.md", MERGE_KIND_ENTRIES },
	{ "**/sessions/*.md", MERGE_KIND_ENTRIES },
	{ ".bosun/work.md", MERGE_KIND_ENTRIES },
	{ "package-lock.json", MERGE_KIND_LOCKFILE },
	{ "npm-shrinkwrap.json", MERGE_KIND_LOCKFILE },
	{ "yarn.lock", MERGE_KIND_LOCKFILE },
	{ "pnpm-lock.yaml", MERGE_KIND_LOCKFILE },
	{ "Cargo.lock", MERGE_KIND_LOCKFILE },
	{ "poetry.lock", MERGE_KIND_LOCKFILE },
	{ "Gemfile.lock", MERGE_KIND_LOCKFILE },
	{ "composer.lock", MERGE_KIND_LOCKFILE },
	{ NULL, MERGE_KIND_TEXT },
};

int merge_kind_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (!strcmp(name, kind_names[i]))
			return (int)i;
	return -1;
}

const char *merge_kind_name(enum merge_kind k)
{
	return kind_names[k];
}

enum merge_kind merge_kind_for(const struct config *cfg, const char *path)
{
	json_t *kinds = cfg ? config_get(cfg, "merge.kinds") : NULL, *v;
	const char *pat;
	size_t i;

	json_object_foreach(kinds, pat, v) {
		int k;

		if (json_is_string(v) && glob_file_match(pat, path) &&
		    (k = merge_kind_parse(json_string_value(v))) >= 0)
			return (enum merge_kind)k;
	}
	for (i = 0; merge_default_kinds[i].pattern; i++)
		if (glob_file_match(merge_default_kinds[i].pattern, path))
			return merge_default_kinds[i].kind;
	return MERGE_KIND_TEXT;
}

/* git merge-file -p: its conflicts count is its exit code. */
static int merge_text(struct strbuf *out, const char *base, const char *ours,
		      const char *theirs, const struct merge_opts *o, int *conflicts)
{
	struct gitrun g = GITRUN_INIT;
	struct strbuf ms = STRBUF_INIT;
	int r;

	strbuf_addf(&ms, "--marker-size=%d", o->marker_size);
	{
		const char *args[] = { "merge-file", "-p", ms.buf, "-L", o->ours_label,
				       "-L", "base", "-L", o->theirs_label,
				       ours, base, theirs, NULL };

		g.out_cap = MERGE_FILE_CAP;
		r = gitrun_exec(&g, args);
	}
	if (r < 0 && !g.timed_out && g.status > 0 && g.status < 128) {
		error_clear();
		r = 0;
	}
	if (r == 0) {
		*conflicts = g.status;
		strbuf_addbuf(out, &g.out);
	}
	gitrun_release(&g);
	strbuf_release(&ms);
	return r;
}

/* merge.lockfile_command's stdout, or one side by merge.lockfile_side. */
static int merge_lockfile(const struct config *cfg, struct strbuf *out,
			  const char *base, const char *ours, const char *theirs,
			  const char *path, const struct strbuf *o_text,
			  const struct strbuf *t_text, int *conflicts)
{
	json_t *cmd = cfg ? config_get(cfg, "merge.lockfile_command") : NULL;
	const char *side = cfg ? config_str(cfg, "merge.lockfile_side") : NULL;
	struct strbuf e1 = STRBUF_INIT, e2 = STRBUF_INIT, e3 = STRBUF_INIT,
		      e4 = STRBUF_INIT;
	struct child c = CHILD_INIT;
	const char **argv = NULL;
	size_t i, n;
	int r = 0;

	if (!json_is_array(cmd) || !json_array_size(cmd)) {
		strbuf_addbuf(out, side && !strcmp(side, "theirs") ? t_text : o_text);
		return 0;
	}
	n = json_array_size(cmd);
	argv = xcalloc(n + 1, sizeof(*argv));
	for (i = 0; i < n; i++)
		argv[i] = json_string_value(json_array_get(cmd, i));
	strbuf_addf(&e1, "BOSUN_MERGE_BASE=%s", base);
	strbuf_addf(&e2, "BOSUN_MERGE_OURS=%s", ours);
	strbuf_addf(&e3, "BOSUN_MERGE_THEIRS=%s", theirs);
	strbuf_addf(&e4, "BOSUN_MERGE_PATH=%s", path);
	{
		const char *env[] = { e1.buf, e2.buf, e3.buf, e4.buf, NULL };

		c.argv = argv;
		c.env = env;
		c.capture = 1;
		c.out_cap = MERGE_FILE_CAP;
		c.timeout_ms = 600000;
		r = child_run(&c);
	}
	if (r < 0)
		goto out;
	if (c.status) {
		/* The command failed: ours stays, and git hears of a
		 * conflict. */
		strbuf_addbuf(out, o_text);
		*conflicts = 1;
	} else {
		strbuf_addbuf(out, &c.out);
	}
out:
	child_release(&c);
	free(argv);
	strbuf_release(&e1);
	strbuf_release(&e2);
	strbuf_release(&e3);
	strbuf_release(&e4);
	return r;
}

int merge_driver_run(const struct config *cfg, const char *base,
		     const char *ours, const char *theirs, const char *path,
		     const struct merge_opts *o, struct merge_result *res)
{
	static const struct merge_opts def = MERGE_OPTS_INIT;
	struct strbuf b = STRBUF_INIT, a = STRBUF_INIT, t = STRBUF_INIT,
		      out = STRBUF_INIT;
	int r, conflicts = 0;

	if (!o)
		o = &def;
	if (!path)
		path = ours;
	if ((r = fs_read_file(&b, base, MERGE_FILE_CAP)) < 0 ||
	    (r = fs_read_file(&a, ours, MERGE_FILE_CAP)) < 0 ||
	    (r = fs_read_file(&t, theirs, MERGE_FILE_CAP)) < 0)
		goto out;
	switch (res->kind) {
	case MERGE_KIND_ENTRIES:
		conflicts = merge_entries(&out, b.buf, b.len, a.buf, a.len,
					  t.buf, t.len, o);
		break;
	case MERGE_KIND_LOCKFILE:
		r = merge_lockfile(cfg, &out, base, ours, theirs, path, &a, &t,
				   &conflicts);
		break;
	case MERGE_KIND_OURS:
		strbuf_addbuf(&out, &a);
		break;
	case MERGE_KIND_THEIRS:
		strbuf_addbuf(&out, &t);
		break;
	default:
		r = merge_text(&out, base, ours, theirs, o, &conflicts);
		break;
	}
	if (r < 0)
		goto out;
	/* Unchanged: nothing to write (and no lock taken). */
	if (out.len != a.len || memcmp(out.buf, a.buf, a.len))
		if ((r = write_file_atomic(ours, out.buf, out.len, 0666)) < 0)
			goto out;
	res->conflicts = conflicts;
	res->clean = conflicts == 0;
out:
	strbuf_release(&b);
	strbuf_release(&a);
	strbuf_release(&t);
	strbuf_release(&out);
	return r;
}

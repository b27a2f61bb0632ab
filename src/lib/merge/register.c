/*
 * register.c - tell git about `bosun merge-driver`: merge.bosun.* in the
 * repository's (or one worktree's) config, and "PATTERN merge=bosun" lines
 * in <common-dir>/info/attributes, in one block bosun owns. Its git config
 * calls retry git's races with other gits (run.h): registering is made
 * again as it stands, and `work spawn` registers many worktrees at once.
 */
#include "lib/merge/merge.h"

#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"
#include "lib/git/run.h"

#include <jansson.h>
#include <string.h>

#define ATTR_END "# end of bosun merge-driver"
#define DRIVER_NAME "bosun: keeps every entry of changelogs, roadmaps and checklists"

static const char *scope_flag(enum merge_scope scope)
{
	return scope == MERGE_SCOPE_WORKTREE ? "--worktree" : "--local";
}

/* Its gits get SIGTERM when we die (core/run's die_with_us): a git config
 * killed with us removes its config.lock, one left running could hold it
 * while the run that repairs ours looks. */
static const char *git_dir_of(const struct repo *repo)
{
	return repo->workdir ? repo->workdir : repo->gitdir;
}

/* git config SCOPE --get KEY into out (empty when unset). */
static int config_read(const struct repo *repo, enum merge_scope scope,
		       const char *key, struct strbuf *out)
{
	struct gitrun g = GITRUN_INIT;
	const char *args[] = { "config", scope_flag(scope), "--get", key, NULL };
	int r;

	g.dir = git_dir_of(repo);
	g.die_with_us = 1;
	g.retry_races = 1;
	r = gitrun_exec(&g, args);
	if (r < 0 && g.status == 1) {
		error_clear();
		r = 0;
	}
	if (r == 0) {
		strbuf_addbuf(out, &g.out);
		strbuf_rtrim(out);
	}
	gitrun_release(&g);
	return r;
}

static int config_write(const struct repo *repo, enum merge_scope scope,
			const char *key, const char *value)
{
	struct gitrun g = GITRUN_INIT;
	const char *set[] = { "config", scope_flag(scope), key, value, NULL };
	const char *unset[] = { "config", scope_flag(scope), "--unset", key, NULL };
	int r;

	g.dir = git_dir_of(repo);
	g.die_with_us = 1;
	g.retry_races = 1;
	r = gitrun_exec(&g, value ? set : unset);
	gitrun_release(&g);
	return r;
}

/* A worktree's own config needs extensions.worktreeConfig: without it
 * git writes --worktree into the shared file, which must not change. */
static int check_scope(const struct repo *repo, enum merge_scope scope)
{
	struct strbuf v = STRBUF_INIT;
	int r;

	if (scope != MERGE_SCOPE_WORKTREE)
		return 0;
	r = config_read(repo, MERGE_SCOPE_REPO, "extensions.worktreeConfig", &v);
	if (r == 0 && strcmp(v.buf, "true")) {
		r = error_set(BOSUN_EUSAGE, "cannot register the merge driver for one "
			      "worktree: extensions.worktreeConfig is not set");
		error_hint("git config extensions.worktreeConfig true");
	}
	strbuf_release(&v);
	return r;
}

static void attr_path(struct strbuf *sb, const struct repo *repo)
{
	strbuf_addstr(sb, repo->common_dir);
	strbuf_addstr(sb, "/info/attributes");
}

/* The file's text without bosun's block. */
static void strip_block(struct strbuf *out, const char *s, size_t n)
{
	const char *b = NULL, *e;
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t ll = nl ? (size_t)(nl - s) - i : n - i;

		if (ll == strlen(MERGE_ATTR_MARK) && !memcmp(s + i, MERGE_ATTR_MARK, ll)) {
			b = s + i;
			break;
		}
		i += ll + 1;
	}
	if (!b) {
		strbuf_add(out, s, n);
		return;
	}
	strbuf_add(out, s, (size_t)(b - s));
	e = memmem(b, n - (size_t)(b - s), ATTR_END, strlen(ATTR_END));
	if (!e)
		return;
	e += strlen(ATTR_END);
	if (e < s + n && *e == '\n')
		e++;
	strbuf_add(out, e, n - (size_t)(e - s));
}

/* Every pattern whose kind is not git's own merge. */
static void attr_block(struct strbuf *sb, const struct config *cfg)
{
	json_t *kinds = cfg ? config_get(cfg, "merge.kinds") : NULL, *v;
	const char *pat;
	size_t i;

	strbuf_addstr(sb, MERGE_ATTR_MARK "\n");
	json_object_foreach(kinds, pat, v)
		if (json_is_string(v) && strcmp(json_string_value(v), "text"))
			strbuf_addf(sb, "%s merge=bosun\n", pat);
	for (i = 0; merge_default_kinds[i].pattern; i++)
		strbuf_addf(sb, "%s merge=bosun\n", merge_default_kinds[i].pattern);
	strbuf_addstr(sb, ATTR_END "\n");
}

/* Put block (NULL: none) into info/attributes; 1 when it changed. */
static int attr_update(const struct repo *repo, const struct strbuf *block)
{
	struct strbuf path = STRBUF_INIT, old = STRBUF_INIT, txt = STRBUF_INIT,
		      dir = STRBUF_INIT;
	int r;

	attr_path(&path, repo);
	r = fs_read_file(&old, path.buf, 1u << 20);
	if (r == -BOSUN_ENOTFOUND) {
		error_clear();
		r = 0;
		if (!block)
			goto out;
	}
	if (r < 0)
		goto out;
	strip_block(&txt, old.buf, old.len);
	if (block) {
		if (txt.len && txt.buf[txt.len - 1] != '\n')
			strbuf_addch(&txt, '\n');
		strbuf_addbuf(&txt, block);
	}
	if (txt.len == old.len && !memcmp(txt.buf, old.buf, old.len))
		goto out;
	strbuf_addf(&dir, "%s/info", repo->common_dir);
	if ((r = fs_mkdir_p(dir.buf)) < 0 ||
	    (r = write_file_atomic(path.buf, txt.buf, txt.len, 0666)) < 0)
		goto out;
	r = 1;
out:
	strbuf_release(&path);
	strbuf_release(&old);
	strbuf_release(&txt);
	strbuf_release(&dir);
	return r;
}

int merge_register(struct repo *repo, const struct config *cfg,
		   enum merge_scope scope, const char *command)
{
	struct strbuf drv = STRBUF_INIT, cur = STRBUF_INIT, name = STRBUF_INIT,
		      block = STRBUF_INIT;
	int r, changed = 0;

	if ((r = check_scope(repo, scope)) < 0)
		goto out;
	/* git runs the driver through the shell. */
	strbuf_add_shell_quoted(&drv, command);
	strbuf_addstr(&drv, " merge-driver --marker-size %L %O %A %B %P");
	if ((r = config_read(repo, scope, "merge.bosun.driver", &cur)) < 0 ||
	    (r = config_read(repo, scope, "merge.bosun.name", &name)) < 0)
		goto out;
	if (strcmp(cur.buf, drv.buf)) {
		if ((r = config_write(repo, scope, "merge.bosun.driver", drv.buf)) < 0)
			goto out;
		changed = 1;
	}
	if (strcmp(name.buf, DRIVER_NAME)) {
		if ((r = config_write(repo, scope, "merge.bosun.name", DRIVER_NAME)) < 0)
			goto out;
		changed = 1;
	}
	attr_block(&block, cfg);
	if ((r = attr_update(repo, &block)) < 0)
		goto out;
	r = changed || r;
out:
	strbuf_release(&drv);
	strbuf_release(&cur);
	strbuf_release(&name);
	strbuf_release(&block);
	return r;
}

int merge_unregister(struct repo *repo, enum merge_scope scope)
{
	static const char *const keys[] = { "merge.bosun.driver", "merge.bosun.name" };
	struct strbuf cur = STRBUF_INIT;
	int r = 0, changed = 0;
	size_t i;

	for (i = 0; i < 2 && r >= 0; i++) {
		strbuf_setlen(&cur, 0);
		if ((r = config_read(repo, scope, keys[i], &cur)) < 0 || !cur.len)
			continue;
		if ((r = config_write(repo, scope, keys[i], NULL)) == 0)
			changed = 1;
	}
	strbuf_release(&cur);
	if (r < 0)
		return r;
	if (changed) {
		/* git leaves the emptied [merge "bosun"] header behind. */
		struct gitrun g = GITRUN_INIT;
		const char *args[] = { "config", scope_flag(scope), "--remove-section",
				       "merge.bosun", NULL };

		g.dir = git_dir_of(repo);
		g.die_with_us = 1;
		g.retry_races = 1;
		if (gitrun_exec(&g, args) < 0)
			error_clear();
		gitrun_release(&g);
	}
	/* The attributes are shared by every worktree: the repository's
	 * registration owns them. */
	if (scope == MERGE_SCOPE_REPO && (r = attr_update(repo, NULL)) < 0)
		return r;
	return changed || r;
}

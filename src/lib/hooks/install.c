/*
 * install.c - hooks install, uninstall and list: shims in the hooks
 * directory, and the hooks they replaced kept in the common directory.
 */
#include "lib/hooks/hooks.h"
#include "lib/hooks/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"
#include "lib/git/run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHIM_CAP 4096

const char *hk_repo_dir(const struct repo *repo)
{
	return repo->workdir ? repo->workdir : repo->gitdir;
}

int hk_git(const char *dir, const char *const *argv, const char *in,
	   size_t in_len, struct strbuf *out)
{
	struct gitrun g = GITRUN_INIT;
	int r;

	g.dir = dir;
	g.in = in;
	g.in_len = in_len;
	r = gitrun_exec(&g, argv);
	if (r == 0 && out)
		strbuf_addbuf(out, &g.out);
	gitrun_release(&g);
	return r;
}

void hooks_orig_path(struct strbuf *sb, const struct repo *repo, const char *hook)
{
	strbuf_reset(sb);
	strbuf_addf(sb, "%s/bosun/hooks/orig/%s", repo->common_dir, hook);
}

void hook_status_list_release(struct hook_status_list *l)
{
	size_t i, j;

	if (!l)
		return;
	for (i = 0; i < l->nr; i++) {
		free(l->items[i].hook);
		for (j = 0; j < l->items[i].checks; j++)
			free(l->items[i].check_names[j]);
		free(l->items[i].check_names);
	}
	free(l->items);
	free(l->dir);
	free(l->hooks_path);
	memset(l, 0, sizeof(*l));
}

/*
 * With an absolute path, the shim is bosun itself as the interpreter:
 * "#!/path/to/bosun hook-shim". git executes the hook, the kernel runs
 * "bosun hook-shim .git/hooks/NAME ARGS", and main.c turns that into
 * "bosun hooks run NAME ARGS": no shell starts, which halves a hook's cost.
 * A path the kernel cannot take on a #! line (too long, blanks) gets the
 * /bin/sh shim instead, as does a bosun found on PATH.
 */
static int shebang_ok(const char *command)
{
	return command[0] == '/' && strlen(command) < 200 &&
	       !strpbrk(command, " \t\n\r");
}

void hooks_shim_text(struct strbuf *sb, const char *command, const char *hook)
{
	if (shebang_ok(command)) {
		strbuf_addf(sb, "#!%s hook-shim\n" HOOK_SHIM_MARK "\n", command);
		return;
	}
	strbuf_addstr(sb, "#!/bin/sh\n" HOOK_SHIM_MARK "\nexec ");
	if (strchr(command, '/'))
		strbuf_add_shell_quoted(sb, command);
	else
		strbuf_addstr(sb, command);
	strbuf_addf(sb, " hooks run %s \"$@\"\n", hook);
}

/* HS_NONE, HS_BOSUN or HS_OTHER for the file at path. */
static enum hook_state hook_state_of(const char *path)
{
	static const char mark[] = "\n" HOOK_SHIM_MARK "\n";
	char buf[512];
	const char *nl;
	struct stat st;
	ssize_t n;
	int fd;

	if (lstat(path, &st) < 0)
		return HS_NONE;
	if (!S_ISREG(st.st_mode))
		return HS_OTHER;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return HS_OTHER;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return HS_OTHER;
	buf[n] = '\0';
	/* Either shim: a "#!" line, then the mark on the second line. */
	nl = strchr(buf, '\n');
	if (buf[0] == '#' && buf[1] == '!' && nl &&
	    !strncmp(nl, mark, sizeof(mark) - 1))
		return HS_BOSUN;
	return HS_OTHER;
}

/* ---- moving files without losing their bytes or mode --------------------- */

static int copy_symlink(const char *src, const char *dst)
{
	struct strbuf tmp = STRBUF_INIT;
	char target[4096];
	ssize_t n = readlink(src, target, sizeof(target) - 1);
	int r = 0;

	if (n < 0)
		return error_errno(BOSUN_EIO, "cannot read link '%s'", src);
	target[n] = '\0';
	strbuf_addf(&tmp, "%s.bosun-tmp", dst);
	unlink(tmp.buf);
	if (symlink(target, tmp.buf) < 0 || rename(tmp.buf, dst) < 0)
		r = error_errno(BOSUN_EIO, "cannot write '%s'", dst);
	unlink(tmp.buf);
	strbuf_release(&tmp);
	return r;
}

static int copy_file(const char *src, const char *dst, mode_t mode)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	if ((r = fs_read_file(&sb, src, 0)) < 0)
		goto out;
	if ((r = write_file_atomic(dst, sb.buf, sb.len, mode & 07777)) < 0)
		goto out;
	if (chmod(dst, mode & 07777) < 0)
		r = error_errno(BOSUN_EIO, "cannot set the mode of '%s'", dst);
out:
	strbuf_release(&sb);
	return r;
}

int hk_move(const char *src, const char *dst)
{
	struct strbuf dir = STRBUF_INIT;
	struct stat st;
	int r;

	fs_dirname(&dir, dst);
	r = fs_mkdir_p(dir.buf);
	strbuf_release(&dir);
	if (r < 0)
		return r;
	if (rename(src, dst) == 0)
		return 0;
	if (errno != EXDEV)
		return error_errno(BOSUN_EIO, "cannot move '%s' to '%s'", src, dst);
	if (lstat(src, &st) < 0)
		return error_errno(BOSUN_EIO, "cannot read '%s'", src);
	r = S_ISLNK(st.st_mode) ? copy_symlink(src, dst)
				: copy_file(src, dst, st.st_mode);
	if (r == 0 && unlink(src) < 0)
		r = error_errno(BOSUN_EIO, "cannot remove '%s'", src);
	return r;
}

/* ---- where the hooks are ---------------------------------------------------- */

static int hooks_where(const struct repo *repo, struct hook_status_list *l)
{
	static const char *const path_argv[] = { "rev-parse", "--git-path", "hooks", NULL };
	static const char *const cfg_argv[] = { "config", "--get", "core.hooksPath", NULL };
	struct strbuf out = STRBUF_INIT;
	const char *dir = hk_repo_dir(repo);
	int r;

	if ((r = hk_git(dir, path_argv, NULL, 0, &out)) < 0)
		goto out;
	strbuf_trim(&out);
	if (out.buf[0] == '/') {
		l->dir = strbuf_detach(&out, NULL);
	} else {
		struct strbuf abs = STRBUF_INIT;

		fs_path_join(&abs, dir, out.buf);
		l->dir = strbuf_detach(&abs, NULL);
	}
	strbuf_reset(&out);
	/* Exit 1 means "not set". */
	if (hk_git(dir, cfg_argv, NULL, 0, &out) == 0) {
		strbuf_trim(&out);
		l->hooks_path = strbuf_detach(&out, NULL);
	}
	error_clear();
out:
	strbuf_release(&out);
	return r;
}

static struct hook_status *add_status(struct hook_status_list *l,
				      const char *hook)
{
	struct hook_status *s;

	ALLOC_GROW(l->items, l->nr + 1, l->alloc);
	s = &l->items[l->nr++];
	memset(s, 0, sizeof(*s));
	s->hook = xstrdup(hook);
	return s;
}

static void hook_path(struct strbuf *sb, const struct hook_status_list *l,
		      const char *hook)
{
	strbuf_reset(sb);
	strbuf_addf(sb, "%s/%s", l->dir, hook);
}

/* The hooks named by o, else hooks.install. */
static int wanted(const struct config *cfg, const struct hook_install_opts *o,
		  const char *const **names, size_t *nr)
{
	size_t i;

	if (o && o->nr) {
		for (i = 0; i < o->nr; i++)
			if (!hooks_is_known(o->hooks[i]))
				return error_set(BOSUN_EUSAGE, "'%s' is not a hook bosun "
						 "runs (see 'bosun hooks list')",
						 o->hooks[i]);
		*names = o->hooks;
		*nr = o->nr;
		return 0;
	}
	*names = config_strlist(cfg, "hooks.install", nr);
	return 0;
}

/* ---- install ----------------------------------------------------------------- */

static int refuse_hooks_path(const struct hook_status_list *l)
{
	error_set(BOSUN_EFAIL, "core.hooksPath is set to '%s': the hooks there "
		  "belong to whoever set it", l->hooks_path);
	error_hint("another hook manager (husky sets .husky/_) or a tracked hooks "
		   "folder may own it\nrun 'bosun hooks install --force' to install "
		   "bosun's shims there (its hooks are kept and run first),\nor "
		   "'git config --unset core.hooksPath' to use the repository's own "
		   "hooks folder");
	return -BOSUN_EFAIL;
}

/* Refuse before changing anything: all hooks or none. */
static int install_precheck(const struct repo *repo, struct hook_status_list *l,
			    const char *const *names, size_t nr)
{
	struct strbuf p = STRBUF_INIT, orig = STRBUF_INIT;
	size_t i;
	int r = 0;

	for (i = 0; i < nr && !r; i++) {
		hook_path(&p, l, names[i]);
		hooks_orig_path(&orig, repo, names[i]);
		if (hook_state_of(p.buf) == HS_OTHER && fs_exists(orig.buf)) {
			r = error_set(BOSUN_EFAIL, "'%s' is not bosun's shim, and a kept "
				      "hook is already at '%s'", p.buf, orig.buf);
			error_hint("move one of them away, then install again");
		}
	}
	strbuf_release(&orig);
	strbuf_release(&p);
	return r;
}

static int install_one(const struct repo *repo, struct hook_status_list *l,
		       const char *hook, const char *command)
{
	struct strbuf p = STRBUF_INIT, orig = STRBUF_INIT, shim = STRBUF_INIT;
	struct strbuf cur = STRBUF_INIT;
	struct hook_status *s = add_status(l, hook);
	enum hook_state st;
	int r = 0;

	hook_path(&p, l, hook);
	hooks_orig_path(&orig, repo, hook);
	hooks_shim_text(&shim, command, hook);
	st = hook_state_of(p.buf);
	s->action = "installed";
	if (st == HS_BOSUN) {
		fs_read_file(&cur, p.buf, SHIM_CAP);
		error_clear();
		s->action = strcmp(cur.buf, shim.buf) ? "updated" : "unchanged";
	} else if (st == HS_OTHER) {
		if ((r = hk_move(p.buf, orig.buf)) < 0)
			goto out;
		s->action = "installed, keeping the previous hook";
	}
	if (strcmp(s->action, "unchanged")) {
		if ((r = write_file_atomic(p.buf, shim.buf, shim.len, 0755)) < 0 ||
		    chmod(p.buf, 0755) < 0) {
			r = r < 0 ? r : error_errno(BOSUN_EIO, "cannot chmod '%s'", p.buf);
			if (st == HS_OTHER)
				hk_move(orig.buf, p.buf);
			goto out;
		}
	}
	s->state = HS_BOSUN;
	s->has_orig = fs_exists(orig.buf);
out:
	strbuf_release(&cur);
	strbuf_release(&shim);
	strbuf_release(&orig);
	strbuf_release(&p);
	return r;
}

int hooks_install(struct repo *repo, const struct config *cfg,
		  const struct hook_install_opts *o,
		  struct hook_status_list *out)
{
	const char *const *names = NULL;
	size_t nr = 0, i;
	int r;

	if ((r = wanted(cfg, o, &names, &nr)) < 0 ||
	    (r = hooks_where(repo, out)) < 0)
		return r;
	if (out->hooks_path && !o->force)
		return refuse_hooks_path(out);
	if ((r = fs_mkdir_p(out->dir)) < 0 ||
	    (r = install_precheck(repo, out, names, nr)) < 0)
		return r;
	for (i = 0; i < nr && r == 0; i++)
		r = install_one(repo, out, names[i], o->command);
	return r;
}

/* ---- uninstall ----------------------------------------------------------------- */

static int uninstall_one(const struct repo *repo, struct hook_status_list *l,
			 const char *hook, int named)
{
	struct strbuf p = STRBUF_INIT, orig = STRBUF_INIT;
	enum hook_state st;
	int has_orig, r = 0;
	struct hook_status *s;

	hook_path(&p, l, hook);
	hooks_orig_path(&orig, repo, hook);
	st = hook_state_of(p.buf);
	has_orig = fs_exists(orig.buf);
	if (st == HS_NONE && !has_orig && !named)
		goto out;
	s = add_status(l, hook);
	s->state = st;
	if (st == HS_OTHER) {
		s->action = "left alone (not bosun's)";
		s->has_orig = has_orig;
	} else if (has_orig) {
		r = hk_move(orig.buf, p.buf);
		s->action = "restored the previous hook";
		s->state = HS_OTHER;
	} else if (st == HS_BOSUN) {
		if (unlink(p.buf) < 0)
			r = error_errno(BOSUN_EIO, "cannot remove '%s'", p.buf);
		s->action = "removed";
		s->state = HS_NONE;
	} else {
		s->action = "not installed";
	}
out:
	strbuf_release(&orig);
	strbuf_release(&p);
	return r;
}

int hooks_uninstall(struct repo *repo, const struct config *cfg,
		    const struct hook_install_opts *o,
		    struct hook_status_list *out)
{
	size_t i;
	int r;

	(void)cfg;
	if (o && o->nr)
		for (i = 0; i < o->nr; i++)
			if (!hooks_is_known(o->hooks[i]))
				return error_set(BOSUN_EUSAGE, "'%s' is not a hook bosun runs",
						 o->hooks[i]);
	if ((r = hooks_where(repo, out)) < 0)
		return r;
	if (o && o->nr) {
		for (i = 0; i < o->nr && r == 0; i++)
			r = uninstall_one(repo, out, o->hooks[i], 1);
		return r;
	}
	for (i = 0; hooks_known[i] && r == 0; i++)
		r = uninstall_one(repo, out, hooks_known[i], 0);
	return r;
}

/* ---- list ------------------------------------------------------------------------ */

static int in_strv(const char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

int hooks_list(struct repo *repo, const struct config *cfg,
	       struct hook_status_list *out)
{
	struct strbuf p = STRBUF_INIT, orig = STRBUF_INIT;
	size_t n_inst, i, j;
	const char **inst = config_strlist(cfg, "hooks.install", &n_inst);
	int r;

	if ((r = hooks_where(repo, out)) < 0)
		goto out;
	for (i = 0; hooks_known[i] && r == 0; i++) {
		struct hook_checks hc = HOOK_CHECKS_INIT;
		enum hook_state st;
		struct hook_status *s;

		hook_path(&p, out, hooks_known[i]);
		hooks_orig_path(&orig, repo, hooks_known[i]);
		if ((r = hook_checks_load(&hc, cfg, hooks_known[i])) < 0)
			break;
		st = hook_state_of(p.buf);
		if (st == HS_NONE && !hc.nr && !fs_exists(orig.buf) &&
		    !in_strv(inst, n_inst, hooks_known[i])) {
			hook_checks_release(&hc);
			continue;
		}
		s = add_status(out, hooks_known[i]);
		s->state = st;
		s->has_orig = fs_exists(orig.buf);
		s->checks = hc.nr;
		s->check_names = xcalloc(hc.nr + 1, sizeof(char *));
		for (j = 0; j < hc.nr; j++)
			s->check_names[j] = xstrdup(hc.items[j].name);
		hook_checks_release(&hc);
	}
out:
	strbuf_release(&orig);
	strbuf_release(&p);
	return r;
}

/*
 * scripts.c - `bosun doctor scripts`: the scripts a repository relies on
 * (files under scripts/, package.json scripts, Makefile targets, commands
 * in bosun.yml and its hooks' checks): each one's interpreter, execute
 * bit, whether `--help` answers within the timeout, who refers to it (or
 * that nothing does), and whether doctor.deprecated marks it for removal.
 */
#include "bosun-config.h"
#include "lib/doctor/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/time.h"
#include "lib/git/repo.h"
#ifdef BOSUN_HAVE_HOOKS
#include "lib/hooks/hooks.h"
#endif

#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SCRIPT_CAP (1 << 20)

struct script {
	char *name;              /* "scripts/x.sh", "package.json:build", ... */
	const char *kind;        /* "file", "npm", "make", "bosun" */
	char *command;           /* what it runs (not for a file) */
	char *program;           /* a file's interpreter, a command's program */
	int program_found, executable, probe;  /* probe: index + 1 */
	const char *help;        /* --help's probe state, or NULL: not run */
	json_t *referenced_by;   /* names */
	json_t *deprecated;      /* {until, reason, expired} or NULL */
	json_t *problems;        /* strings */
	enum doctor_status status;
};

struct inventory {
	struct script *items;
	size_t nr;
	/* texts that may refer to a script file: name and bytes */
	char **src_names;
	struct strbuf *srcs;
	size_t srcs_nr;
};

static struct script *add_script(struct inventory *inv, const char *kind,
				 const char *name, const char *command)
{
	struct script *s;

	inv->items = xrealloc(inv->items, (inv->nr + 1) * sizeof(*inv->items));
	s = &inv->items[inv->nr++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->name = xstrdup(name);
	s->command = command ? xstrdup(command) : NULL;
	s->referenced_by = json_array();
	s->problems = json_array();
	return s;
}

static void add_source(struct inventory *inv, const char *name, const char *text,
		       size_t len)
{
	inv->srcs = xrealloc(inv->srcs, (inv->srcs_nr + 1) * sizeof(*inv->srcs));
	inv->src_names = xrealloc(inv->src_names, (inv->srcs_nr + 1) * sizeof(char *));
	strbuf_init(&inv->srcs[inv->srcs_nr], len);
	strbuf_add(&inv->srcs[inv->srcs_nr], text, len);
	inv->src_names[inv->srcs_nr++] = xstrdup(name);
}

static void problem(struct script *s, enum doctor_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void problem(struct script *s, enum doctor_status st, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	json_array_append_new(s->problems, json_string(sb.buf));
	if (st > s->status)
		s->status = st;
	strbuf_release(&sb);
}

/* ------------------------------------------------------------ gathering */

static int script_like(const char *name, const struct stat *st)
{
	static const char *const ext[] = { ".sh", ".bash", ".py", ".js", ".mjs", ".cjs",
					   ".ts", ".rb", ".pl", NULL };
	const char *dot = strrchr(name, '.');
	size_t i;

	if (st->st_mode & 0111)
		return 1;
	for (i = 0; dot && ext[i]; i++)
		if (!strcmp(dot, ext[i]))
			return 1;
	return 0;
}

static void gather_files(struct inventory *inv, const char *root, const char *rel,
			 int depth)
{
	struct strbuf abs = STRBUF_INIT, r = STRBUF_INIT, text = STRBUF_INIT;
	struct dirent *de;
	DIR *d;

	strbuf_addf(&abs, "%s/%s", root, rel);
	if (!(d = opendir(abs.buf)))
		goto out;
	while ((de = readdir(d))) {
		struct stat st;
		struct script *s;

		if (de->d_name[0] == '.')
			continue;
		strbuf_reset(&r);
		strbuf_addf(&r, "%s/%s", rel, de->d_name);
		strbuf_reset(&abs);
		strbuf_addf(&abs, "%s/%s", root, r.buf);
		if (lstat(abs.buf, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth > 0)
			gather_files(inv, root, r.buf, depth - 1);
		if (!S_ISREG(st.st_mode))
			continue;
		strbuf_reset(&text);
		if (fs_read_file(&text, abs.buf, SCRIPT_CAP) < 0)
			error_clear();
		if (!script_like(de->d_name, &st) && strncmp(text.buf, "#!", 2))
			continue;
		s = add_script(inv, "file", r.buf, NULL);
		s->executable = (st.st_mode & 0111) != 0;
		add_source(inv, r.buf, text.buf, text.len);
	}
	closedir(d);
out:
	strbuf_release(&abs);
	strbuf_release(&r);
	strbuf_release(&text);
}

static void gather_npm(struct inventory *inv, const char *root)
{
	struct strbuf p = STRBUF_INIT, name = STRBUF_INIT;
	json_t *pkg, *scripts, *v;
	const char *key;

	strbuf_addf(&p, "%s/package.json", root);
	if (!(pkg = json_load_file(p.buf, 0, NULL)))
		goto out;
	scripts = json_object_get(pkg, "scripts");
	json_object_foreach(scripts, key, v) {
		if (!json_is_string(v))
			continue;
		strbuf_reset(&name);
		strbuf_addf(&name, "package.json:%s", key);
		add_script(inv, "npm", name.buf, json_string_value(v));
		add_source(inv, name.buf, json_string_value(v), json_string_length(v));
	}
	json_decref(pkg);
out:
	strbuf_release(&p);
	strbuf_release(&name);
}

static void gather_make(struct inventory *inv, const char *root)
{
	static const char *const names[] = { "GNUmakefile", "makefile", "Makefile", NULL };
	struct doctor_make mk = DOCTOR_MAKE_INIT;
	struct strbuf p = STRBUF_INIT, text = STRBUF_INIT, name = STRBUF_INIT;
	const char *file = NULL;
	size_t i;

	for (i = 0; names[i] && !file; i++) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/%s", root, names[i]);
		if (fs_read_file(&text, p.buf, SCRIPT_CAP) == 0)
			file = names[i];
		error_clear();
	}
	if (!file)
		goto out;
	doctor_make_parse(&mk, text.buf, text.len);
	for (i = 0; i < mk.nr; i++) {
		strbuf_reset(&name);
		strbuf_addf(&name, "%s:%s", file, mk.items[i].name);
		add_script(inv, "make", name.buf, mk.items[i].recipe.buf);
		add_source(inv, name.buf, mk.items[i].recipe.buf, mk.items[i].recipe.len);
	}
out:
	doctor_make_release(&mk);
	strbuf_release(&p);
	strbuf_release(&text);
	strbuf_release(&name);
}

/* A command of bosun.yml: an argv (a list) or a string for sh -c. */
static void add_config_command(struct inventory *inv, const char *name, const json_t *v)
{
	struct strbuf cmd = STRBUF_INIT;
	size_t i;
	json_t *a;

	if (json_is_string(v)) {
		strbuf_addstr(&cmd, json_string_value(v));
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, a)
			if (json_is_string(a))
				strbuf_addf(&cmd, "%s%s", i ? " " : "", json_string_value(a));
	}
	if (cmd.len) {
		add_script(inv, "bosun", name, cmd.buf);
		add_source(inv, name, cmd.buf, cmd.len);
	}
	strbuf_release(&cmd);
}

static void gather_config(struct inventory *inv, const struct config *cfg)
{
	const struct config_key *k;
	struct strbuf name = STRBUF_INIT;
	size_t i, j;

	for (i = 0; (k = config_key_at(cfg, i)); i++) {
		json_t *v, *step;

		if ((k->type != CFG_ARGV && k->type != CFG_STEPS) ||
		    !strcmp(config_origin(cfg, k->key), "default"))
			continue;
		v = config_get(cfg, k->key);
		strbuf_reset(&name);
		strbuf_addf(&name, "bosun.yml:%s", k->key);
		if (k->type == CFG_ARGV) {
			add_config_command(inv, name.buf, v);
			continue;
		}
		json_array_foreach(v, j, step) {
			const char *sn = json_string_value(json_object_get(step, "name"));

			strbuf_reset(&name);
			strbuf_addf(&name, "bosun.yml:%s.%s", k->key, sn ? sn : "step");
			add_config_command(inv, name.buf, json_object_get(step, "run"));
		}
	}
#ifdef BOSUN_HAVE_HOOKS
	for (i = 0; hooks_known[i]; i++) {
		struct hook_checks hc = HOOK_CHECKS_INIT;

		if (hook_checks_load(&hc, cfg, hooks_known[i]) < 0) {
			error_clear();
			continue;
		}
		for (j = 0; j < hc.nr; j++) {
			json_t *argv = json_array();
			char **a;

			for (a = hc.items[j].run; a && *a; a++)
				json_array_append_new(argv, json_string(*a));
			strbuf_reset(&name);
			strbuf_addf(&name, "bosun.yml:hooks.%s.%s", hooks_known[i],
				    hc.items[j].name);
			if (json_array_size(argv))
				add_config_command(inv, name.buf, argv);
			json_decref(argv);
		}
		hook_checks_release(&hc);
	}
#endif
	strbuf_release(&name);
}

/* CI workflows refer to scripts too. */
static void gather_workflows(struct inventory *inv, const char *root)
{
	struct strbuf dir = STRBUF_INIT, p = STRBUF_INIT, text = STRBUF_INIT;
	struct dirent *de;
	DIR *d;

	strbuf_addf(&dir, "%s/.github/workflows", root);
	if (!(d = opendir(dir.buf)))
		goto out;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/%s", dir.buf, de->d_name);
		strbuf_reset(&text);
		if (fs_read_file(&text, p.buf, SCRIPT_CAP) < 0) {
			error_clear();
			continue;
		}
		strbuf_reset(&p);
		strbuf_addf(&p, ".github/workflows/%s", de->d_name);
		add_source(inv, p.buf, text.buf, text.len);
	}
	closedir(d);
out:
	strbuf_release(&dir);
	strbuf_release(&p);
	strbuf_release(&text);
}

/* ------------------------------------------------------------ checking */

/* Whether program runs: a path (relative to root) that is executable, a
 * shell word, node_modules/.bin, or on PATH. */
static int program_found(const struct doctor_env *env, const char *root,
			 const char *program)
{
	static const char *const builtins[] = { "cd", "echo", "exit", "export", "true",
		"false", "test", "[", "set", "exec", "printf", ":", ".", "source", NULL };
	struct strbuf p = STRBUF_INIT;
	char **found = NULL;
	size_t nr = 0, i;
	int ok = 0;

	for (i = 0; builtins[i]; i++)
		if (!strcmp(program, builtins[i]))
			return 1;
	if (strchr(program, '/')) {
		if (program[0] == '/')
			strbuf_addstr(&p, program);
		else
			strbuf_addf(&p, "%s/%s", root, program);
		ok = access(p.buf, X_OK) == 0;
	} else {
		strbuf_addf(&p, "%s/node_modules/.bin/%s", root, program);
		ok = access(p.buf, X_OK) == 0 ||
		     fs_which_all(&found, &nr, env->path, program, 0) > 0;
	}
	for (i = 0; i < nr; i++)
		free(found[i]);
	free(found);
	strbuf_release(&p);
	return ok;
}

/* The program of a command: its first word after NAME=value ones. */
static char *first_program(const char *cmd)
{
	const char *p = cmd, *w;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '@' || *p == '-')
			p++;
		w = p + strcspn(p, " \t\n;&|");
		if (w == p)
			return NULL;
		if (!memchr(p, '=', (size_t)(w - p)))
			return xstrndup(p, (size_t)(w - p));
		p = w;
	}
}

static void check_command(struct doctor_env *env, const char *root, struct script *s)
{
	if (!strcmp(s->kind, "make"))
		return;  /* recipes are make's: $(VAR), shell lines */
	s->program = first_program(s->command);
	if (!s->program)
		return;
	s->program_found = program_found(env, root, s->program);
	if (!s->program_found)
		problem(s, DOCTOR_WARN, "'%s' is not found (PATH, node_modules/.bin)",
			s->program);
}

static void check_file(struct doctor_env *env, const char *root, struct script *s,
		       const struct strbuf *text)
{
	struct strbuf interp = STRBUF_INIT;

	if (!doctor_shebang(&interp, text->buf, text->len)) {
		problem(s, DOCTOR_WARN, "no #! line: nothing says what runs it");
	} else {
		s->program = strbuf_detach(&interp, NULL);
		s->program_found = program_found(env, root, s->program);
		if (!s->program_found)
			problem(s, DOCTOR_FAIL, "its interpreter '%s' is not found", s->program);
	}
	if (!s->executable)
		problem(s, DOCTOR_WARN, "not executable");
	strbuf_release(&interp);
}

static void find_references(struct inventory *inv, struct script *s)
{
	const char *base = strrchr(s->name, '/');
	size_t i, dir_len = base ? (size_t)(base - s->name) : 0;

	base = base ? base + 1 : s->name;
	for (i = 0; i < inv->srcs_nr; i++) {
		const char *src = inv->src_names[i];
		/* A script beside it may call it by its name alone. */
		int sibling = !strncmp(src, s->name, dir_len) && src[dir_len] == '/' &&
			      !strchr(src + dir_len + 1, '/');

		if (!strcmp(src, s->name))
			continue;
		if (strstr(inv->srcs[i].buf, s->name) ||
		    (sibling && strstr(inv->srcs[i].buf, base)))
			json_array_append_new(s->referenced_by, json_string(src));
	}
	if (!json_array_size(s->referenced_by))
		problem(s, DOCTOR_WARN, "orphaned: nothing refers to it (package.json, "
			"Makefile, bosun.yml, CI workflows, other scripts)");
}

static void check_deprecated(const struct doctor_env *env, struct script *s)
{
	json_t *list = config_get(env->cfg, "doctor.deprecated"), *e;
	char today[16];
	time_t now = (time_t)(time_wall_ms() / 1000);
	struct tm tm;
	size_t i;

	gmtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	json_array_foreach(list, i, e) {
		const char *path = json_string_value(json_object_get(e, "path"));
		const char *until = json_string_value(json_object_get(e, "until"));
		const char *reason = json_string_value(json_object_get(e, "reason"));
		int expired;

		if (!path || strcmp(path, s->name))
			continue;
		expired = until && strcmp(today, until) > 0;
		s->deprecated = json_pack("{s:s?, s:s?, s:b}", "until", until, "reason",
					  reason, "expired", expired);
		if (expired)
			problem(s, DOCTOR_FAIL, "deprecated: was to go by %s%s%s", until,
				reason ? ": " : "", reason ? reason : "");
		else
			problem(s, DOCTOR_WARN, "deprecated%s%s%s%s", until ? ", goes on " : "",
				until ? until : "", reason ? ": " : "", reason ? reason : "");
	}
}

/* Run `--help` of every file that can run, all at once. */
static void probe_help(struct doctor_env *env, const char *root, struct inventory *inv)
{
	static const char *const args[] = { "--help", NULL };
	struct doctor_probe *p = xcalloc(inv->nr + 1, sizeof(*p));
	size_t i, n = 0;

	for (i = 0; i < inv->nr; i++) {
		struct script *s = &inv->items[i];
		struct strbuf abs = STRBUF_INIT;

		if (strcmp(s->kind, "file") || !s->executable || !s->program_found)
			continue;
		strbuf_addf(&abs, "%s/%s", root, s->name);
		p[n].path = strbuf_detach(&abs, NULL);
		s->probe = (int)++n;
	}
	doctor_probe_run(p, n, args, env->timeout_ms, root);
	for (i = 0; i < inv->nr; i++) {
		struct script *s = &inv->items[i];
		const struct doctor_probe *q = s->probe ? &p[s->probe - 1] : NULL;

		if (!q || !strcmp(q->state, "ok"))
			continue;
		if (!strcmp(q->state, "hung"))
			problem(s, DOCTOR_WARN, "--help did not answer in %d ms", env->timeout_ms);
		else if (q->status > 128)
			problem(s, DOCTOR_WARN, "--help crashed (signal %d)", q->status - 128);
		else
			problem(s, DOCTOR_WARN, "--help failed (exit %d)", q->status);
	}
	for (i = 0; i < inv->nr; i++)
		if (inv->items[i].probe)
			inv->items[i].help = p[inv->items[i].probe - 1].state;
	doctor_probe_release(p, n);
	free(p);
}

static json_t *script_json(const struct script *s)
{
	return json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:b, s:b, s:s?, s:O, s:b, s:O?, s:O}",
		"name", s->name, "kind", s->kind, "status", doctor_status_name(s->status),
		"command", s->command, "program", s->program,
		"program_found", s->program_found, "executable", s->executable,
		"help", s->help, "referenced_by", s->referenced_by,
		"orphaned", !strcmp(s->kind, "file") && !json_array_size(s->referenced_by),
		"deprecated", s->deprecated, "problems", s->problems);
}

static void inventory_release(struct inventory *inv)
{
	size_t i;

	for (i = 0; i < inv->nr; i++) {
		free(inv->items[i].name);
		free(inv->items[i].command);
		free(inv->items[i].program);
		json_decref(inv->items[i].referenced_by);
		json_decref(inv->items[i].deprecated);
		json_decref(inv->items[i].problems);
	}
	for (i = 0; i < inv->srcs_nr; i++) {
		strbuf_release(&inv->srcs[i]);
		free(inv->src_names[i]);
	}
	free(inv->items);
	free(inv->srcs);
	free(inv->src_names);
}

int doctor_scripts(struct doctor_env *env, const struct doctor_check *c,
		   struct doctor_result *res)
{
	struct inventory inv = { NULL, 0, NULL, NULL, 0 };
	const char *root;
	json_t *list = json_array();
	size_t i, bad = 0;
	enum doctor_status worst = DOCTOR_OK;

	if (!env->repo || !env->repo->workdir) {
		json_decref(list);
		doctor_set(res, DOCTOR_SKIP, NULL, "not in a work tree");
		return 0;
	}
	root = env->repo->workdir;
	gather_files(&inv, root, "scripts", 2);
	gather_npm(&inv, root);
	gather_make(&inv, root);
	gather_config(&inv, env->cfg);
	gather_workflows(&inv, root);
	for (i = 0; i < inv.nr; i++) {
		struct script *s = &inv.items[i];

		if (!strcmp(s->kind, "file")) {
			size_t k;

			for (k = 0; k < inv.srcs_nr && strcmp(inv.src_names[k], s->name); k++)
				;
			check_file(env, root, s, &inv.srcs[k]);
			find_references(&inv, s);
		} else {
			check_command(env, root, s);
		}
		check_deprecated(env, s);
	}
	probe_help(env, root, &inv);
	for (i = 0; i < inv.nr; i++) {
		json_array_append_new(list, script_json(&inv.items[i]));
		bad += inv.items[i].status != DOCTOR_OK;
		if (inv.items[i].status > worst)
			worst = inv.items[i].status;
	}
	json_object_set_new(res->data, "scripts", list);
	if (!inv.nr)
		doctor_set(res, DOCTOR_SKIP, NULL, "no scripts (scripts/, package.json, "
			   "Makefile, bosun.yml commands)");
	else
		doctor_set(res, worst, NULL, "%zu script%s and command%s, %zu with problems",
			   inv.nr, inv.nr == 1 ? "" : "s", inv.nr == 1 ? "" : "s", bad);
	inventory_release(&inv);
	return 0;
}

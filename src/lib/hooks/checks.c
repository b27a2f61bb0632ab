/*
 * checks.c - the shape of hooks.<hook>.checks: a list whose items are a
 * built-in's name ("secrets") or a mapping (a command with `run`, or a
 * built-in with `builtin` and its options). See docs/hooks.md.
 */
#include "lib/hooks/hooks.h"
#include "lib/hooks/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/time.h"
#include "lib/config/config.h"

#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

const char *const hooks_known[] = {
	"pre-commit", "pre-merge-commit", "prepare-commit-msg", "commit-msg",
	"post-commit", "post-checkout", "post-merge", "pre-push", "pre-rebase",
	"post-rewrite", NULL,
};

/* Every hook git runs (githooks(5)): "hooks run" takes no other name. */
const char *const hooks_git[] = {
	"applypatch-msg", "pre-applypatch", "post-applypatch", "pre-commit",
	"pre-merge-commit", "prepare-commit-msg", "commit-msg", "post-commit",
	"pre-rebase", "post-checkout", "post-merge", "pre-push", "pre-receive",
	"update", "proc-receive", "post-receive", "post-update",
	"reference-transaction", "push-to-checkout", "pre-auto-gc",
	"post-rewrite", "sendemail-validate", "fsmonitor-watchman",
	"p4-changelist", "p4-prepare-changelist", "p4-post-changelist",
	"p4-pre-submit", "post-index-change", NULL,
};

int hook_is_git_hook(const char *name)
{
	size_t i;

	for (i = 0; hooks_git[i]; i++)
		if (!strcmp(hooks_git[i], name))
			return 1;
	return 0;
}

static const char *const builtin_names[] = {
	[HB_NONE] = NULL,
	[HB_COMMIT_LINT] = "commit-lint",
	[HB_SECRETS] = "secrets",
	[HB_BEHIND] = "behind",
	[HB_BRANCH_NAME] = "branch-name",
	[HB_CONFLICT_MARKERS] = "conflict-markers",
	[HB_LARGE_FILES] = "large-files",
	[HB_OWNERSHIP] = "ownership",
};

/* The hooks each built-in runs in, as " hook hook ". */
static const char *const builtin_hooks[] = {
	[HB_NONE] = NULL,
	[HB_COMMIT_LINT] = " commit-msg ",
	[HB_SECRETS] = " pre-commit pre-merge-commit pre-push ",
	[HB_BEHIND] = " pre-push ",
	[HB_BRANCH_NAME] = " pre-push ",
	[HB_CONFLICT_MARKERS] = " pre-commit pre-merge-commit ",
	[HB_LARGE_FILES] = " pre-commit pre-merge-commit ",
	[HB_OWNERSHIP] = " pre-commit pre-merge-commit ",
};

#define DEFAULT_MAX_BYTES (512LL * 1024)
#define DEFAULT_FETCH_TIMEOUT_MS 5000

int hooks_is_known(const char *hook)
{
	size_t i;

	for (i = 0; hooks_known[i]; i++)
		if (!strcmp(hooks_known[i], hook))
			return 1;
	return 0;
}

const char *hook_builtin_name(enum hook_builtin b)
{
	return (size_t)b < ARRAY_SIZE(builtin_names) ? builtin_names[b] : NULL;
}

static int builtin_find(const char *name)
{
	size_t i;

	for (i = 1; i < ARRAY_SIZE(builtin_names); i++)
		if (!strcmp(builtin_names[i], name))
			return (int)i;
	return -1;
}

static int in_list(const char *list, const char *hook)
{
	size_t n = strlen(hook);
	const char *p = list;

	while ((p = strstr(p, hook)))
		if (p[-1] == ' ' && p[n] == ' ')
			return 1;
		else
			p += n;
	return 0;
}

/* Files (staged ones) exist only in these hooks. */
static int has_files(const char *hook)
{
	return !strcmp(hook, "pre-commit") || !strcmp(hook, "pre-merge-commit");
}

static void free_strv(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void hook_checks_release(struct hook_checks *hc)
{
	size_t i;

	if (!hc)
		return;
	for (i = 0; i < hc->nr; i++) {
		struct hook_check *c = &hc->items[i];

		free(c->name);
		free_strv(c->run);
		free_strv(c->glob);
		free_strv(c->exclude);
		free_strv(c->env);
		free(c->pattern);
	}
	free(hc->items);
	hc->items = NULL;
	hc->nr = 0;
}

/* ---- field readers: 0, or -1 with "KEY: must be ..." in why --------------- */

static int bad(struct strbuf *why, const char *field, const char *what)
{
	strbuf_addf(why, "%s: must be %s", field, what);
	return -1;
}

static int get_bool(const json_t *v, const char *field, int *out,
		    struct strbuf *why)
{
	if (!json_is_boolean(v))
		return bad(why, field, "true or false");
	*out = json_is_true(v);
	return 0;
}

/* A string or a list of non-empty strings, as a NULL-terminated copy. */
static int get_strv(const json_t *v, const char *field, char ***out,
		    struct strbuf *why)
{
	size_t i, n = json_is_array(v) ? json_array_size(v) : 1;
	char **r;

	if (json_is_array(v)) {
		for (i = 0; i < n; i++)
			if (!json_is_string(json_array_get(v, i)) ||
			    !*json_string_value(json_array_get(v, i)))
				return bad(why, field, "a list of non-empty strings");
	} else if (!json_is_string(v) || !*json_string_value(v)) {
		return bad(why, field, "a non-empty string or a list of strings");
	}
	r = xcalloc(n + 1, sizeof(*r));
	for (i = 0; i < n; i++)
		r[i] = xstrdup(json_string_value(json_is_array(v) ?
						 json_array_get(v, i) : v));
	*out = r;
	return 0;
}

/* "250ms", "90s", "10m", "1h", "1.5s" or a number of seconds, as ms, at
 * most a week. */
#define CHECK_DURATION_MAX_MS (7 * 86400000LL)
static int get_duration(const json_t *v, const char *field, long long *out,
			struct strbuf *why)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= CHECK_DURATION_MAX_MS / 1000) {
		*out = (long long)json_integer_value(v) * 1000;
		return 0;
	}
	if (!json_is_string(v) ||
	    time_parse_duration(json_string_value(v), CHECK_DURATION_MAX_MS, out) < 0)
		return bad(why, field, "a duration such as 30s, 500ms or 2m");
	return 0;
}

/* A number of bytes, or "500k", "2M", "1G". */
static int get_size(const json_t *v, const char *field, long long *out,
		    struct strbuf *why)
{
	const char *s;
	char *end;
	long long n;

	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*out = (long long)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return bad(why, field, "a size such as 500k or 2M");
	s = json_string_value(v);
	n = strtoll(s, &end, 10);
	if (end == s || n <= 0 || n > (1LL << 40))
		return bad(why, field, "a size such as 500k or 2M");
	if (*end == 'k' || *end == 'K')
		n <<= 10;
	else if (*end == 'm' || *end == 'M')
		n <<= 20;
	else if (*end == 'g' || *end == 'G')
		n <<= 30;
	else if (*end)
		return bad(why, field, "a size such as 500k or 2M");
	if (*end && end[1])
		return bad(why, field, "a size such as 500k or 2M");
	*out = n;
	return 0;
}

static int get_env(const json_t *v, char ***out, struct strbuf *why)
{
	const char *k;
	json_t *val;
	size_t n = 0;
	char **r;

	if (!json_is_object(v))
		return bad(why, "env", "a mapping of NAME: value");
	r = xcalloc(json_object_size(v) + 1, sizeof(*r));
	json_object_foreach((json_t *)v, k, val) {
		struct strbuf sb = STRBUF_INIT;

		if (!*k || strchr(k, '=') || !json_is_string(val)) {
			free_strv(r);
			return bad(why, "env", "a mapping of NAME: string value");
		}
		strbuf_addf(&sb, "%s=%s", k, json_string_value(val));
		r[n++] = strbuf_detach(&sb, NULL);
	}
	*out = r;
	return 0;
}

/* An argument vector; YAML's plain true, false and integers are words
 * too ("run: [true]"). */
static int get_argv(const json_t *v, struct hook_check *c, struct strbuf *why)
{
	size_t i, n = json_array_size(v);

	c->run = xcalloc(n + 1, sizeof(*c->run));
	for (i = 0; i < n; i++) {
		const json_t *a = json_array_get(v, i);
		struct strbuf sb = STRBUF_INIT;

		if (json_is_string(a) && *json_string_value(a))
			strbuf_addstr(&sb, json_string_value(a));
		else if (json_is_boolean(a))
			strbuf_addstr(&sb, json_is_true(a) ? "true" : "false");
		else if (json_is_integer(a))
			strbuf_addf(&sb, "%lld", (long long)json_integer_value(a));
		else
			return bad(why, "run", "a list of non-empty strings");
		c->run[i] = strbuf_detach(&sb, NULL);
	}
	return 0;
}

static int get_run(const json_t *v, struct hook_check *c, struct strbuf *why)
{
	if (json_is_string(v) && *json_string_value(v)) {
		c->use_shell = 1;
		c->run = xcalloc(2, sizeof(*c->run));
		c->run[0] = xstrdup(json_string_value(v));
		return 0;
	}
	if (json_is_array(v) && json_array_size(v))
		return get_argv(v, c, why);
	return bad(why, "run", "a list of arguments, or a string for sh -c");
}

/* ---- one check ------------------------------------------------------------ */

static int name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-:/+@", *s))
			return 0;
	return 1;
}

/* The default name of a command: the last component of its first word. */
static char *default_name(const struct hook_check *c)
{
	const char *w = c->run[0], *slash;
	size_t len;

	while (*w == ' ' || *w == '\t')
		w++;
	len = strcspn(w, " \t\n;|&");
	slash = memrchr(w, '/', len);
	if (slash) {
		len -= (size_t)(slash + 1 - w);
		w = slash + 1;
	}
	return xstrndup(w, len);
}

/* Keys a mapping item may have, with what each needs. */
static const char *const item_keys[] = {
	"name", "run", "builtin", "glob", "exclude", "pass_files",
	"stage_fixed", "timeout", "parallel", "fail_fast", "env", "pattern",
	"max", "fetch", "fetch_timeout", NULL,
};

static int known_key(const char *k)
{
	size_t i;

	for (i = 0; item_keys[i]; i++)
		if (!strcmp(item_keys[i], k))
			return 1;
	return 0;
}

static int set_builtin(struct hook_check *c, const char *hook, const char *name,
		       struct strbuf *why)
{
	int b = builtin_find(name);

	if (b < 0) {
		strbuf_addf(why, "must be a built-in check (commit-lint, secrets, "
			    "behind, branch-name, conflict-markers, large-files, ownership) or "
			    "a mapping with run, not '%s'", name);
		return -1;
	}
	if (!in_list(builtin_hooks[b], hook)) {
		strbuf_addf(why, "must not be '%s' here: it runs in%.*s only", name,
			    (int)strlen(builtin_hooks[b]) - 1, builtin_hooks[b]);
		return -1;
	}
	c->builtin = (enum hook_builtin)b;
	return 0;
}

/* Options that only some checks take. */
static int check_fields(const struct hook_check *c, const json_t *o,
			const char *hook, struct strbuf *why)
{
	int files = c->builtin == HB_NONE || c->builtin == HB_CONFLICT_MARKERS ||
		    c->builtin == HB_LARGE_FILES || c->builtin == HB_OWNERSHIP;

	if ((json_object_get(o, "glob") || json_object_get(o, "exclude")) &&
	    (!files || !has_files(hook)))
		return bad(why, "glob", "absent: staged files exist only for commands "
			   "and file checks in pre-commit and pre-merge-commit");
	if ((c->pass_files || c->stage_fixed) &&
	    (c->builtin != HB_NONE || !has_files(hook)))
		return bad(why, c->pass_files ? "pass_files" : "stage_fixed",
			   "absent: it is for commands in pre-commit and pre-merge-commit");
	if (json_object_get(o, "pattern") && c->builtin != HB_BRANCH_NAME)
		return bad(why, "pattern", "absent: only branch-name takes it");
	if (json_object_get(o, "max") && c->builtin != HB_LARGE_FILES)
		return bad(why, "max", "absent: only large-files takes it");
	if ((json_object_get(o, "fetch") || json_object_get(o, "fetch_timeout")) &&
	    c->builtin != HB_BEHIND)
		return bad(why, "fetch", "absent: only behind takes it");
	if ((json_object_get(o, "env") || json_object_get(o, "timeout")) &&
	    c->builtin != HB_NONE && c->builtin != HB_SECRETS)
		return bad(why, json_object_get(o, "env") ? "env" : "timeout",
			   "absent: only commands and secrets take it");
	if (c->builtin == HB_BRANCH_NAME && !c->pattern)
		return bad(why, "pattern", "given: branch-name needs an extended regex");
	return 0;
}

static int compile_pattern(const char *p, struct strbuf *why)
{
	regex_t re;
	char msg[128];
	int rc = regcomp(&re, p, REG_EXTENDED | REG_NOSUB);

	if (!rc) {
		regfree(&re);
		return 0;
	}
	regerror(rc, &re, msg, sizeof(msg));
	strbuf_addf(why, "pattern: must be an extended regex (%s)", msg);
	return -1;
}

static int parse_options(struct hook_check *c, const json_t *o,
			 struct strbuf *why)
{
	json_t *v;
	int r = 0;

	if ((v = json_object_get(o, "glob")))
		r = get_strv(v, "glob", &c->glob, why);
	if (!r && (v = json_object_get(o, "exclude")))
		r = get_strv(v, "exclude", &c->exclude, why);
	if (!r && (v = json_object_get(o, "pass_files")))
		r = get_bool(v, "pass_files", &c->pass_files, why);
	if (!r && (v = json_object_get(o, "stage_fixed")))
		r = get_bool(v, "stage_fixed", &c->stage_fixed, why);
	if (!r && (v = json_object_get(o, "parallel")))
		r = get_bool(v, "parallel", &c->parallel, why);
	if (!r && (v = json_object_get(o, "fail_fast")))
		r = get_bool(v, "fail_fast", &c->fail_fast, why);
	if (!r && (v = json_object_get(o, "timeout")))
		r = get_duration(v, "timeout", &c->timeout_ms, why);
	if (!r && (v = json_object_get(o, "env")))
		r = get_env(v, &c->env, why);
	if (!r && (v = json_object_get(o, "max")))
		r = get_size(v, "max", &c->max_bytes, why);
	if (!r && (v = json_object_get(o, "fetch")))
		r = get_bool(v, "fetch", &c->fetch, why);
	if (!r && (v = json_object_get(o, "fetch_timeout")))
		r = get_duration(v, "fetch_timeout", &c->fetch_timeout_ms, why);
	if (!r && (v = json_object_get(o, "pattern"))) {
		if (!json_is_string(v) || !*json_string_value(v))
			return bad(why, "pattern", "a non-empty string");
		if (compile_pattern(json_string_value(v), why) < 0)
			return -1;
		c->pattern = xstrdup(json_string_value(v));
	}
	return r;
}

static int parse_mapping(struct hook_check *c, const char *hook,
			 const json_t *o, struct strbuf *why)
{
	const json_t *run = json_object_get(o, "run");
	const json_t *bi = json_object_get(o, "builtin");
	const json_t *name = json_object_get(o, "name");
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v)
		if (!known_key(k)) {
			strbuf_addf(why, "%s: must not be here: a check takes name, run "
				    "or builtin, glob, exclude, pass_files, stage_fixed, "
				    "timeout, parallel, fail_fast, env (and pattern, max, "
				    "fetch, fetch_timeout for built-ins)", k);
			return -1;
		}
	if (!run == !bi)
		return bad(why, "run", "given, or builtin, but not both");
	if (bi && (!json_is_string(bi) ||
		   set_builtin(c, hook, json_string_value(bi), why) < 0))
		return why->len ? -1 : bad(why, "builtin", "a built-in's name");
	if (run && get_run(run, c, why) < 0)
		return -1;
	if (parse_options(c, o, why) < 0 || check_fields(c, o, hook, why) < 0)
		return -1;
	if (name && (!json_is_string(name) || !name_ok(json_string_value(name))))
		return bad(why, "name", "letters, digits and ._-:/+@ (no spaces or commas)");
	if (name)
		c->name = xstrdup(json_string_value(name));
	else if (c->builtin != HB_NONE)
		c->name = xstrdup(builtin_names[c->builtin]);
	else
		c->name = default_name(c);
	if (!name_ok(c->name))
		return bad(why, "name", "given: no usable name comes from run");
	return 0;
}

static void check_defaults(struct hook_check *c)
{
	memset(c, 0, sizeof(*c));
	c->parallel = 1;
	c->max_bytes = DEFAULT_MAX_BYTES;
	c->fetch_timeout_ms = DEFAULT_FETCH_TIMEOUT_MS;
}

static int parse_item(struct hook_check *c, const char *hook, const json_t *v,
		      struct strbuf *why)
{
	check_defaults(c);
	if (json_is_string(v)) {
		if (set_builtin(c, hook, json_string_value(v), why) < 0)
			return -1;
		c->name = xstrdup(builtin_names[c->builtin]);
		if (c->builtin == HB_BRANCH_NAME)
			return bad(why, "pattern", "given: write {builtin: branch-name, pattern: REGEX}");
		return 0;
	}
	if (!json_is_object(v)) {
		strbuf_addstr(why, "must be a built-in's name or a mapping with run or builtin");
		return -1;
	}
	if (parse_mapping(c, hook, v, why) < 0)
		return -1;
	/* A check that writes files must not race the others. */
	if (c->stage_fixed)
		c->parallel = 0;
	return 0;
}

int hook_checks_parse(struct hook_checks *out, const char *hook,
		      const json_t *v, struct strbuf *why)
{
	struct hook_checks hc = HOOK_CHECKS_INIT;
	struct strbuf sub = STRBUF_INIT;
	size_t i, j;

	if (json_is_null(v)) {
		*out = hc;
		return 0;
	}
	if (!json_is_array(v)) {
		strbuf_addstr(why, "must be a list of checks");
		return -1;
	}
	hc.items = xcalloc(json_array_size(v) + 1, sizeof(*hc.items));
	for (i = 0; i < json_array_size(v); i++) {
		int r = parse_item(&hc.items[i], hook, json_array_get(v, i), &sub);

		hc.nr = i + 1;
		for (j = 0; !r && j < i; j++)
			if (!strcmp(hc.items[j].name, hc.items[i].name)) {
				strbuf_addf(&sub, "name: must be unique: '%s' is also "
					    "check %zu (BOSUN_SKIP names checks)",
					    hc.items[i].name, j);
				r = -1;
			}
		if (r < 0) {
			strbuf_addf(why, "[%zu]%s%s", i, !strncmp(sub.buf, "must", 4) ? " " : ".",
				    sub.buf);
			strbuf_release(&sub);
			hook_checks_release(&hc);
			return -1;
		}
	}
	strbuf_release(&sub);
	*out = hc;
	return 0;
}

static int check_for(const char *hook, const json_t *v, struct strbuf *why)
{
	struct hook_checks hc = HOOK_CHECKS_INIT;
	int r = hook_checks_parse(&hc, hook, v, why);

	hook_checks_release(&hc);
	return r;
}

#define HOOK_CHECK_FN(fn, hook)                                  \
	int fn(const json_t *v, struct strbuf *why)              \
	{                                                        \
		return check_for(hook, v, why);                  \
	}
HOOK_CHECK_FN(hooks_check_pre_commit, "pre-commit")
HOOK_CHECK_FN(hooks_check_pre_merge_commit, "pre-merge-commit")
HOOK_CHECK_FN(hooks_check_prepare_commit_msg, "prepare-commit-msg")
HOOK_CHECK_FN(hooks_check_commit_msg, "commit-msg")
HOOK_CHECK_FN(hooks_check_post_commit, "post-commit")
HOOK_CHECK_FN(hooks_check_post_checkout, "post-checkout")
HOOK_CHECK_FN(hooks_check_post_merge, "post-merge")
HOOK_CHECK_FN(hooks_check_pre_push, "pre-push")
HOOK_CHECK_FN(hooks_check_pre_rebase, "pre-rebase")
HOOK_CHECK_FN(hooks_check_post_rewrite, "post-rewrite")

int hooks_check_install(const json_t *v, struct strbuf *why)
{
	size_t i;

	for (i = 0; i < json_array_size(v); i++) {
		const char *s = json_string_value(json_array_get(v, i));

		if (!s || !hooks_is_known(s)) {
			strbuf_addf(why, "[%zu] must be a hook bosun runs (pre-commit, "
				    "commit-msg, pre-push, ...; see docs/hooks.md), not '%s'",
				    i, s ? s : "?");
			return -1;
		}
	}
	return 0;
}

int hook_checks_load(struct hook_checks *out, const struct config *cfg,
		     const char *hook)
{
	struct strbuf key = STRBUF_INIT, why = STRBUF_INIT;
	json_t *v;
	int r = 0;

	out->items = NULL;
	out->nr = 0;
	if (!hooks_is_known(hook))
		return 0;
	strbuf_addf(&key, "hooks.%s.checks", hook);
	v = config_get(cfg, key.buf);
	if (v && hook_checks_parse(out, hook, v, &why) < 0)
		r = error_set(BOSUN_EDATA, "%s%s", key.buf, why.buf);
	strbuf_release(&why);
	strbuf_release(&key);
	return r;
}

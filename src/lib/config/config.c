/*
 * config.c - load bosun's layered configuration (see config.h).
 *
 * Each layer's YAML is read into a tree that knows where each node starts
 * (lib/yaml), its keys are checked against the tables given here, and each
 * value is converted to its type's normalised JSON shape (convert.c);
 * every message about a bad value points at it. BOSUN_* variables are
 * read here too, and the layers are merged key by key.
 */
#include "lib/config/config.h"
#include "lib/config/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/opts.h"
#include "core/strbuf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* bosun.yml is written by people; anything larger is a mistake. */
#define CONFIG_FILE_CAP (1024 * 1024)

/* ---- the configuration and its keys -------------------------------------- */

struct config_entry {
	json_t *value;		/* NULL until a layer or the default sets it */
	char *origin;		/* NULL means "default" */
	const char **list;	/* CFG_STRLIST: the strings, NULL-terminated */
	size_t list_nr;
};

struct config {
	size_t nr;
	const struct config_key **keys;	/* the tables' keys, in order */
	struct config_entry *e;		/* e[i] is the value of keys[i] */
	unsigned char *seen;	/* keys the layer being read has set */
};

static struct config *config_new(const struct config_key *const *tables)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	const struct config_key *const *t;
	const struct config_key *k;
	size_t n = 0;

	for (t = tables; t && *t; t++)
		for (k = *t; k->key; k++)
			n++;
	cfg->keys = xcalloc(n + 1, sizeof(*cfg->keys));
	for (t = tables; t && *t; t++)
		for (k = *t; k->key; k++)
			cfg->keys[cfg->nr++] = k;
	cfg->e = xcalloc(cfg->nr, sizeof(*cfg->e));
	cfg->seen = xcalloc(cfg->nr, 1);
	return cfg;
}

void config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nr; i++) {
		json_decref(cfg->e[i].value);
		free(cfg->e[i].origin);
		free(cfg->e[i].list);
	}
	free(cfg->keys);
	free(cfg->e);
	free(cfg->seen);
	free(cfg);
}

static int key_index(const struct config *cfg, const char *key)
{
	size_t i;

	for (i = 0; i < cfg->nr; i++)
		if (!strcmp(cfg->keys[i]->key, key))
			return (int)i;
	return -1;
}

/* Whether path names a group of keys ("release") rather than a key. */
static int is_section(const struct config *cfg, const char *path)
{
	size_t len = strlen(path), i;

	for (i = 0; i < cfg->nr; i++)
		if (!strncmp(cfg->keys[i]->key, path, len) &&
		    cfg->keys[i]->key[len] == '.')
			return 1;
	return 0;
}

/* The key or section closest to path, appended to sb; 0 when none is close. */
static int suggest_key(const struct config *cfg, struct strbuf *sb,
		       const char *path)
{
	char **cands = NULL;
	size_t nr = 0, alloc = 0, i;
	const char *best, *key, *dot;

	for (i = 0; i < cfg->nr; i++) {
		key = cfg->keys[i]->key;
		for (dot = strchr(key, '.'); dot; dot = strchr(dot + 1, '.')) {
			ALLOC_GROW(cands, nr + 1, alloc);
			cands[nr++] = xstrndup(key, (size_t)(dot - key));
		}
		ALLOC_GROW(cands, nr + 1, alloc);
		cands[nr++] = xstrdup(key);
	}
	ALLOC_GROW(cands, nr + 1, alloc);
	cands[nr] = NULL;
	best = opts_suggest(path, (const char *const *)cands);
	if (best)
		strbuf_addstr(sb, best);
	for (i = 0; i < nr; i++)
		free(cands[i]);
	free(cands);
	return sb->len > 0;
}

/* ---- layers ---------------------------------------------------------------- */

static int load_default(struct config *cfg, int idx)
{
	json_t *v = json_loads(cfg->keys[idx]->def, JSON_DECODE_ANY, NULL);

	if (!v)
		return error_set(BOSUN_EINTERNAL, "bad default for '%s'",
				 cfg->keys[idx]->key);
	cfg->e[idx].value = v;
	return 0;
}

/* Set key idx to v (stolen) from origin (stolen). A mapping is merged into
 * the one below it, key by key; anything else replaces it. */
static int set_value(struct config *cfg, int idx, json_t *v, char *origin)
{
	struct config_entry *e = &cfg->e[idx];
	int r = 0;

	if (cfg->keys[idx]->type == CFG_STRMAP) {
		if (!e->value)
			r = load_default(cfg, idx);
		if (r >= 0)
			json_object_update(e->value, v);
		json_decref(v);
	} else {
		json_decref(e->value);
		e->value = v;
	}
	free(e->origin);
	e->origin = origin;
	return r;
}

static char *xstrfmt_origin(const struct src *s, const struct ynode *k)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s:%d:%d", s->name, k->line, k->col);
	return strbuf_detach(&sb, NULL);
}

/* One key from a file: k is its key node, v its value. */
static int set_from_yaml(struct config *cfg, const struct src *s, int idx,
			 const struct ynode *k, const struct ynode *v)
{
	const struct config_key *ck = cfg->keys[idx];
	struct strbuf why = STRBUF_INIT;
	json_t *val = NULL;
	int r;

	if (cfg->seen[idx])
		return cfg_yerr(s, k, "duplicate key '%s'", ck->key);
	cfg->seen[idx] = 1;
	if ((r = cfg_type_conv(ck->type)(s, ck->key, v, &val)) < 0)
		goto out;
	if (ck->check && ck->check(val, &why) < 0) {
		r = cfg_yerr(s, v, "'%s' %s", ck->key, why.buf);
		goto out;
	}
	r = set_value(cfg, idx, val, xstrfmt_origin(s, k));
	val = NULL;
out:
	json_decref(val);
	strbuf_release(&why);
	return r;
}

static int walk_map(struct config *cfg, const struct src *s,
		    const struct ynode *map, const char *prefix);

static int unknown_key(const struct config *cfg, const struct src *s,
		       const struct ynode *k, const char *path)
{
	struct strbuf hint = STRBUF_INIT;
	int r;

	if (suggest_key(cfg, &hint, path))
		r = cfg_yerr(s, k, "unknown key '%s' (did you mean '%s'?)",
			     path, hint.buf);
	else
		r = cfg_yerr(s, k, "unknown key '%s'", path);
	strbuf_release(&hint);
	return r;
}

/* Pair i of map, whose key is path: a key, a section, or a mistake. */
static int walk_pair(struct config *cfg, const struct src *s,
		     const struct ynode *map, size_t i, const char *path)
{
	const struct ynode *k = map->kids[i], *v = map->kids[i + 1];
	int idx = key_index(cfg, path);

	if (idx >= 0)
		return set_from_yaml(cfg, s, idx, k, v);
	if (!is_section(cfg, path))
		return unknown_key(cfg, s, k, path);
	if (v->type == Y_MAP)
		return walk_map(cfg, s, v, path);
	if (ynode_is_null(v))
		return 0;
	return cfg_type_err(s, path, v, "a mapping");
}

/* Sections nest only as deep as the keys do, so this recursion is bounded
 * by the tables, not by the input. */
static int walk_map(struct config *cfg, const struct src *s,
		    const struct ynode *map, const char *prefix)
{
	struct strbuf path = STRBUF_INIT;
	size_t i;
	int r = 0;

	for (i = 0; r >= 0 && i + 1 < map->nr; i += 2) {
		const struct ynode *k = map->kids[i];

		if (!cfg_is_string(k)) {
			r = cfg_yerr(s, k, "keys must be strings, not %s",
				     cfg_describe(&path, k));
			break;
		}
		strbuf_reset(&path);
		if (*prefix)
			strbuf_addf(&path, "%s.", prefix);
		strbuf_addstr(&path, k->text);
		if (cfg_dup_key(map, i))
			r = cfg_yerr(s, k, "duplicate key '%s'", path.buf);
		else
			r = walk_pair(cfg, s, map, i, path.buf);
	}
	strbuf_release(&path);
	return r;
}

static int layer_text(struct config *cfg, const char *name,
		      const char *text, size_t len)
{
	const struct src s = { name, 0 };
	struct ytree d = { 0 };
	struct strbuf sb = STRBUF_INIT;
	int r;

	memset(cfg->seen, 0, cfg->nr);
	r = ytree_parse(&d, name, text, len);
	if (r < 0 || !d.root || ynode_is_null(d.root))
		goto out;
	if (d.root->type != Y_MAP)
		r = cfg_yerr(&s, d.root, "the top level must be a mapping, not %s",
			     cfg_describe(&sb, d.root));
	else
		r = walk_map(cfg, &s, d.root, "");
out:
	strbuf_release(&sb);
	ytree_release(&d);
	return r;
}

/* A file that does not exist is an empty layer. */
static int layer_file(struct config *cfg, const char *path, const char *name)
{
	struct strbuf text = STRBUF_INIT;
	int r;

	r = fs_read_file(&text, path, CONFIG_FILE_CAP);
	if (r == -BOSUN_ENOTFOUND) {
		error_clear();
		r = 0;
	} else if (r >= 0) {
		r = layer_text(cfg, name, text.buf, text.len);
	}
	strbuf_release(&text);
	return r;
}

/* ---- environment variables ---------------------------------------------- */

/* Whether name (len bytes, after "BOSUN_") is key upper-cased, '.' as '_'. */
static int env_name_is(const char *key, const char *name, size_t len)
{
	size_t i;
	int c;

	for (i = 0; i < len; i++) {
		if (!key[i])
			return 0;
		c = key[i] == '.' ? '_' : toupper((unsigned char)key[i]);
		if (c != name[i])
			return 0;
	}
	return !key[len];
}

static int env_find(const struct config *cfg, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < cfg->nr; i++)
		if (env_name_is(cfg->keys[i]->key, name, len))
			return (int)i;
	return -1;
}

static int env_string(const char *var, const char *text, json_t **out)
{
	*out = json_string(text);
	if (!*out)
		return error_set(BOSUN_EDATA, "%s: is not valid UTF-8", var);
	return 0;
}

static int env_bool(const char *var, const char *text, json_t **out)
{
	static const char *const yes[] = { "1", "true", "yes" };
	static const char *const no[] = { "0", "false", "no" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(text, yes[i]) || !strcasecmp(text, no[i])) {
			*out = json_boolean(!strcasecmp(text, yes[i]));
			return 0;
		}
	}
	return error_set(BOSUN_EDATA, "%s: must be a boolean, not '%s'", var, text);
}

static int env_int(const char *var, const char *text, json_t **out)
{
	long long v;

	if (cfg_parse_ll(text, &v) < 0)
		return error_set(BOSUN_EDATA, "%s: must be an integer, not '%s'",
				 var, text);
	*out = json_integer(v);
	return 0;
}

static int env_duration(const char *var, const char *text, json_t **out)
{
	long long ms;

	if (cfg_parse_duration(text, &ms) < 0)
		return error_set(BOSUN_EDATA, "%s: must be a duration "
				 "(seconds, or like 90s, 10m, 1h), not '%s'",
				 var, text);
	*out = json_integer(ms);
	return 0;
}

/* The next comma-separated item of *p, trimmed, into sb; 0 at the end. */
static int env_next_item(const char **p, struct strbuf *sb)
{
	const char *comma;

	if (!**p)
		return 0;
	comma = strchrnul(*p, ',');
	strbuf_reset(sb);
	strbuf_add(sb, *p, (size_t)(comma - *p));
	strbuf_trim(sb);
	*p = *comma ? comma + 1 : comma;
	return 1;
}

static int env_list(const char *var, const char *text, json_t **out)
{
	struct strbuf item = STRBUF_INIT;
	json_t *arr = json_array(), *str;
	int r = 0;

	while (r >= 0 && env_next_item(&text, &item)) {
		if (!item.len)
			continue;
		if ((r = env_string(var, item.buf, &str)) >= 0)
			json_array_append_new(arr, str);
	}
	strbuf_release(&item);
	if (r < 0)
		json_decref(arr);
	else
		*out = arr;
	return r;
}

/* "alpha=alpha,rc=next" */
static int env_map(const char *var, const char *text, json_t **out)
{
	struct strbuf item = STRBUF_INIT;
	json_t *obj = json_object(), *str;
	const char *value;
	char *eq;
	int r = 0;

	while (r >= 0 && env_next_item(&text, &item)) {
		if (!item.len)
			continue;
		eq = strchr(item.buf, '=');
		if (!eq || eq == item.buf) {
			r = error_set(BOSUN_EDATA, "%s: '%s' is not NAME=VALUE",
				      var, item.buf);
			break;
		}
		/* "a = b" is a and b. */
		value = eq + 1 + strspn(eq + 1, " \t");
		strbuf_setlen(&item, (size_t)(eq - item.buf));
		strbuf_rtrim(&item);
		if ((r = env_string(var, value, &str)) >= 0 &&
		    json_object_set_new(obj, item.buf, str) < 0)
			r = error_set(BOSUN_EDATA, "%s: is not valid UTF-8", var);
	}
	strbuf_release(&item);
	if (r < 0)
		json_decref(obj);
	else
		*out = obj;
	return r;
}

static int env_argv(const char *var, const char *text, json_t **out)
{
	json_t *str;
	int r;

	if (!text[strspn(text, " \t\n")]) {
		*out = json_null();
		return 0;
	}
	if ((r = env_string(var, text, &str)) < 0)
		return r;
	*out = json_pack("[sso]", "sh", "-c", str);
	return 0;
}

/* Structured values (steps, files, sections, JSON) are YAML or JSON text;
 * an empty one is an empty list (null for JSON). */
static int env_yaml(const char *var, const struct config_key *k,
		    const char *text, json_t **out)
{
	const struct src s = { var, 1 };
	struct ytree d = { .no_pos = 1 };
	int r;

	r = ytree_parse(&d, var, text, strlen(text));
	if (r >= 0 && !d.root)
		*out = k->type == CFG_JSON ? json_null() : json_array();
	else if (r >= 0)
		r = cfg_type_conv(k->type)(&s, k->key, d.root, out);
	ytree_release(&d);
	return r;
}

static int env_convert(const char *var, const struct config_key *k,
		       const char *text, json_t **out)
{
	switch (k->type) {
	case CFG_STRING: return env_string(var, text, out);
	case CFG_BOOL: return env_bool(var, text, out);
	case CFG_INT: return env_int(var, text, out);
	case CFG_DURATION: return env_duration(var, text, out);
	case CFG_STRLIST: return env_list(var, text, out);
	case CFG_ARGV: return env_argv(var, text, out);
	case CFG_STRMAP: return env_map(var, text, out);
	default: return env_yaml(var, k, text, out);
	}
}

/* One "BOSUN_X=value" entry whose name is a key's. */
static int env_apply(struct config *cfg, int idx, const char *entry,
		     size_t name_len)
{
	struct strbuf var = STRBUF_INIT, why = STRBUF_INIT;
	json_t *val = NULL;
	int r;

	strbuf_add(&var, entry, name_len);
	if ((r = env_convert(var.buf, cfg->keys[idx], entry + name_len + 1,
			     &val)) < 0)
		goto out;
	if (cfg->keys[idx]->check && cfg->keys[idx]->check(val, &why) < 0) {
		r = error_set(BOSUN_EDATA, "%s: %s", var.buf, why.buf);
		goto out;
	}
	strbuf_insert(&var, 0, "env ", 4);
	r = set_value(cfg, idx, val, strbuf_detach(&var, NULL));
	val = NULL;
out:
	json_decref(val);
	strbuf_release(&why);
	strbuf_release(&var);
	return r;
}

/* BOSUN_* variables that are not keys (BOSUN_HOME, BOSUN_LOG...) are not
 * ours to judge. */
static int layer_env(struct config *cfg, const char *const *envp)
{
	const char *eq;
	int idx, r = 0;

	for (; envp && *envp && r >= 0; envp++) {
		if (strncmp(*envp, "BOSUN_", 6) || !(eq = strchr(*envp, '=')))
			continue;
		idx = env_find(cfg, *envp + 6, (size_t)(eq - *envp - 6));
		if (idx >= 0)
			r = env_apply(cfg, idx, *envp, (size_t)(eq - *envp));
	}
	return r;
}

/* ---- loading ------------------------------------------------------------- */

static void build_list(struct config_entry *e)
{
	size_t i;

	e->list_nr = json_array_size(e->value);
	e->list = xcalloc(e->list_nr + 1, sizeof(*e->list));
	for (i = 0; i < e->list_nr; i++)
		e->list[i] = json_string_value(json_array_get(e->value, i));
}

/* Defaults for what no layer set; string lists for config_strlist(). */
static int config_finish(struct config *cfg)
{
	size_t i;
	int r;

	for (i = 0; i < cfg->nr; i++) {
		if (!cfg->e[i].value && (r = load_default(cfg, (int)i)) < 0)
			return r;
		if (cfg->keys[i]->type == CFG_STRLIST)
			build_list(&cfg->e[i]);
	}
	return 0;
}

/* The user file as people write it: "~/.config/bosun/config.yml". */
static void user_file_name(struct strbuf *sb, const char *path)
{
	const char *home = getenv("HOME");
	size_t len = home ? strlen(home) : 0;

	if (len > 1 && !strncmp(path, home, len) && path[len] == '/')
		strbuf_addf(sb, "~%s", path + len);
	else
		strbuf_addstr(sb, path);
}

static int load(struct config **out, const struct config_key *const *tables,
		const char *user_file, const char *user_name,
		const char *repo_file, const char *repo_name,
		const char *const *envp)
{
	struct config *cfg = config_new(tables);
	int r = 0;

	if (user_file)
		r = layer_file(cfg, user_file, user_name);
	if (r >= 0 && repo_file)
		r = layer_file(cfg, repo_file, repo_name);
	if (r >= 0)
		r = layer_env(cfg, envp);
	if (r >= 0)
		r = config_finish(cfg);
	if (r < 0) {
		config_free(cfg);
		return r;
	}
	*out = cfg;
	return 0;
}

int config_load(struct config **out, const struct config_key *const *tables,
		const char *repo_root)
{
	struct strbuf user = STRBUF_INIT, user_name = STRBUF_INIT;
	struct strbuf repo = STRBUF_INIT;
	int r;

	fs_user_dir(&user, "config");
	strbuf_addstr(&user, "/config.yml");
	user_file_name(&user_name, user.buf);
	if (repo_root)
		fs_path_join(&repo, repo_root, "bosun.yml");
	r = load(out, tables, user.buf, user_name.buf,
		 repo_root ? repo.buf : NULL, "bosun.yml",
		 (const char *const *)environ);
	strbuf_release(&repo);
	strbuf_release(&user_name);
	strbuf_release(&user);
	return r;
}

int config_load_from(struct config **out, const struct config_key *const *tables,
		     const char *user_file, const char *repo_file,
		     const char *const *envp)
{
	return load(out, tables, user_file, user_file, repo_file, repo_file,
		    envp);
}

int config_load_from_string(struct config **out,
			    const struct config_key *const *tables,
			    const char *name, const char *yaml, size_t len)
{
	struct config *cfg = config_new(tables);
	int r;

	r = layer_text(cfg, name, yaml, len);
	if (r >= 0)
		r = config_finish(cfg);
	if (r < 0) {
		config_free(cfg);
		return r;
	}
	*out = cfg;
	return 0;
}

/* ---- reading values ------------------------------------------------------ */

const struct config_key *config_key_at(const struct config *cfg, size_t i)
{
	return cfg && i < cfg->nr ? cfg->keys[i] : NULL;
}

const struct config_key *config_key_find(const struct config *cfg,
					 const char *name)
{
	int i = cfg && name ? key_index(cfg, name) : -1;

	return i < 0 ? NULL : cfg->keys[i];
}

/* A key no table has is a typo in bosun's source (config.h): the test
 * builds stop at it, so a literal that names nothing cannot go unnoticed. */
static void unknown_key_bug(const char *key)
{
#ifndef NDEBUG
	fprintf(stderr, "bosun: BUG: '%s' is not a configuration key\n", key);
	abort();
#else
	(void)key;
#endif
}

static const struct config_entry *entry(const struct config *cfg,
					const char *key)
{
	int i;

	if (!cfg || !key)
		return NULL;
	if ((i = key_index(cfg, key)) < 0) {
		unknown_key_bug(key);
		return NULL;
	}
	return &cfg->e[i];
}

json_t *config_get(const struct config *cfg, const char *key)
{
	const struct config_entry *e = entry(cfg, key);

	return e ? e->value : NULL;
}

const char *config_str(const struct config *cfg, const char *key)
{
	return json_string_value(config_get(cfg, key));
}

int config_bool(const struct config *cfg, const char *key)
{
	return json_is_true(config_get(cfg, key));
}

long long config_int(const struct config *cfg, const char *key)
{
	return (long long)json_integer_value(config_get(cfg, key));
}

const char **config_strlist(const struct config *cfg, const char *key,
			    size_t *nr)
{
	const struct config_entry *e = entry(cfg, key);

	if (nr)
		*nr = e && e->list ? e->list_nr : 0;
	return e ? e->list : NULL;
}

const char *config_origin(const struct config *cfg, const char *key)
{
	const struct config_entry *e = entry(cfg, key);

	if (!e)
		return NULL;
	return e->origin ? e->origin : "default";
}

json_t *config_dump(const struct config *cfg)
{
	json_t *all = json_object();
	size_t i;

	for (i = 0; cfg && i < cfg->nr; i++)
		json_object_set_new(all, cfg->keys[i]->key,
			json_pack("{s:o,s:s}",
				  "value", json_deep_copy(cfg->e[i].value),
				  "origin", cfg->e[i].origin ? cfg->e[i].origin
							     : "default"));
	return all;
}

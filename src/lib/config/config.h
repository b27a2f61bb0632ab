/*
 * config.h - bosun's effective configuration.
 *
 *	struct config *cfg;
 *	if ((r = config_load(&cfg, repo_root)) < 0)	// -BOSUN_EDATA:
 *		return r;	// "bosun.yml:3:5: unknown key 'relase' (did you mean 'release'?)"
 *	const char *fmt = config_str(cfg, "release.tag");
 *	json_t *steps = config_get(cfg, "release.publish");	// borrowed
 *	config_free(cfg);
 *
 * Layers, lowest first: the built-in defaults (every key has one, see
 * config/schema.c), the user file ($XDG_CONFIG_HOME/bosun/config.yml, or
 * $BOSUN_HOME/config/config.yml), the repository's bosun.yml (repo_root may be
 * NULL outside a repository), then BOSUN_* environment variables: the key
 * upper-cased with '.' as '_' (BOSUN_RELEASE_TAG=x sets release.tag; a list
 * takes comma-separated items; a bool takes 1/0/true/false/yes/no).
 *
 * Values are jansson values checked against the schema: an unknown key, a
 * wrong type or a bad value is an error "FILE:LINE:COL: message" (for a
 * variable: "BOSUN_X: message") with kind BOSUN_EDATA. Mappings merge key by
 * key across layers; any other value replaces the one below it.
 */
#ifndef BOSUN_LIB_CONFIG_H
#define BOSUN_LIB_CONFIG_H

#include "core/strbuf.h"

#include <jansson.h>
#include <stddef.h>

struct config;

enum config_type {
	CFG_STRING,
	CFG_BOOL,
	CFG_INT,
	CFG_DURATION,  /* "90s", "10m", "1h", or a number of seconds; as ms */
	CFG_STRLIST,   /* list of strings */
	CFG_ARGV,      /* a command: a list of strings, or one string (run by sh -c) */
	CFG_STRMAP,    /* mapping of string to string */
	CFG_STEPS,     /* list of { name, run: ARGV, env: {NAME: value}, timeout, dir } */
	CFG_FILES,     /* list of { path, pattern } (version files) */
	CFG_SECTIONS,  /* list of { type, title } or mapping type -> title */
	CFG_JSON,      /* any value, kept as written (plain scalars typed); the
			* key's check function validates its shape */
};

struct config_key {
	const char *key;        /* "release.tag" */
	enum config_type type;
	const char *def;        /* the default, as JSON text */
	const char *help;       /* one line */
	/* Optional: 0, or -1 with "must be ..." (a field path inside the value
	 * where it helps) in why; the message gets the key's FILE:LINE:COL. */
	int (*check)(const json_t *v, struct strbuf *why);
};

/* The schema, terminated by an entry with key == NULL. */
extern const struct config_key config_schema[];

int config_load(struct config **out, const char *repo_root);
/* Load from explicit files (either may be NULL) and an environment block
 * (NULL-terminated "NAME=value" list, NULL for none); used by tests. */
int config_load_from(struct config **out, const char *user_file,
		     const char *repo_file, const char *const *envp);
/* Defaults plus one YAML text (len bytes) shown in messages as name; no user
 * file, no environment. For the fuzz harness and tests. */
int config_load_from_string(struct config **out, const char *name,
			    const char *yaml, size_t len);
void config_free(struct config *cfg);

/* Borrowed values; the key must be in the schema (else NULL). */
json_t *config_get(const struct config *cfg, const char *key);
const char *config_str(const struct config *cfg, const char *key);
int config_bool(const struct config *cfg, const char *key);
long long config_int(const struct config *cfg, const char *key);   /* also durations, in ms */
/* For CFG_STRLIST: the strings, valid while cfg lives; *nr set. */
const char **config_strlist(const struct config *cfg, const char *key, size_t *nr);

/* Where a key's value came from: "default", "~/.config/bosun/config.yml:4:3",
 * "bosun.yml:12:5", "env BOSUN_RELEASE_TAG". */
const char *config_origin(const struct config *cfg, const char *key);

/* The whole effective configuration as {"key": {"value": v, "origin": o}}
 * in schema order (new reference). */
json_t *config_dump(const struct config *cfg);

#endif

/*
 * config.h - bosun's effective configuration.
 *
 *	struct config *cfg;
 *	if ((r = config_load(&cfg, tables, repo_root)) < 0)	// -BOSUN_EDATA:
 *		return r;	// "bosun.yml:3:5: unknown key 'relase' (did you mean 'release'?)"
 *	const char *fmt = config_str(cfg, "release.tag");
 *	json_t *steps = config_get(cfg, "release.publish");	// borrowed
 *	config_free(cfg);
 *
 * The keys are given, not known: each domain exports a table of its keys next
 * to the checks of their values (lib/release/keys.c: release_config_keys[];
 * this module's own, log.*, are config_core_keys[]), and src/cmd/keys.c
 * lists the tables, NULL-terminated, in the order "bosun config" prints them.
 * This module includes no domain's header.
 *
 * Layers, lowest first: the built-in defaults (every key has one), the user
 * file ($XDG_CONFIG_HOME/bosun/config.yml, or $BOSUN_HOME/config/config.yml),
 * the repository's bosun.yml (repo_root may be NULL outside a repository),
 * then BOSUN_* environment variables: the key upper-cased with '.' as '_'
 * (BOSUN_RELEASE_TAG=x sets release.tag; a list takes comma-separated items;
 * a bool takes 1/0/true/false/yes/no).
 *
 * Values are jansson values checked against the keys' types and checks: an
 * unknown key, a wrong type or a bad value is an error "FILE:LINE:COL:
 * message" (for a variable: "BOSUN_X: message") with kind BOSUN_EDATA.
 * Mappings merge key by key across layers; any other value replaces the one
 * below it.
 *
 * Reading a key no table has (config_get() of a misspelt name) is a bug in
 * bosun, not in the user's input: builds without NDEBUG (the default
 * debugoptimized build and the test builds) abort with the key's name, so the
 * test suite finds it; release builds answer NULL (0, false) as for a value
 * that is not set. A name typed by a user is looked up with config_key_find()
 * first. t0100 also checks every config_*("...") literal in src/ against the
 * keys.
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

/* A table of keys ends with an entry whose key is NULL; tables is a
 * NULL-terminated list of them. A key is in one table only (the unit tests
 * check the list cmd/keys.c gathers). */

/* This module's own keys: log.*. */
extern const struct config_key config_core_keys[];

int config_load(struct config **out, const struct config_key *const *tables,
		const char *repo_root);
/* Load from explicit files (either may be NULL) and an environment block
 * (NULL-terminated "NAME=value" list, NULL for none); used by tests. */
int config_load_from(struct config **out, const struct config_key *const *tables,
		     const char *user_file, const char *repo_file,
		     const char *const *envp);
/* Defaults plus one YAML text (len bytes) shown in messages as name; no user
 * file, no environment. For the fuzz harness and tests. */
int config_load_from_string(struct config **out,
			    const struct config_key *const *tables,
			    const char *name, const char *yaml, size_t len);
void config_free(struct config *cfg);

/* The keys cfg was loaded with, in order: i from 0 until NULL. */
const struct config_key *config_key_at(const struct config *cfg, size_t i);
/* The key named name, or NULL when no table has it (for names users type). */
const struct config_key *config_key_find(const struct config *cfg,
					 const char *name);

/* Borrowed values; the key must be one of cfg's (see above). */
json_t *config_get(const struct config *cfg, const char *key);
const char *config_str(const struct config *cfg, const char *key);
int config_bool(const struct config *cfg, const char *key);
long long config_int(const struct config *cfg, const char *key);   /* also durations, in ms */
/* For CFG_STRLIST: the strings, valid while cfg lives; *nr set. */
const char **config_strlist(const struct config *cfg, const char *key, size_t *nr);

/* A duration as the keys take it ("90s", "10m", "1h30m", "250ms", or a
 * number of seconds) into *ms: 0, or -1 when it is not one. */
int config_parse_duration(const char *s, long long *ms);

/* Where a key's value came from: "default", "~/.config/bosun/config.yml:4:3",
 * "bosun.yml:12:5", "env BOSUN_RELEASE_TAG". */
const char *config_origin(const struct config *cfg, const char *key);

/* The whole effective configuration as {"key": {"value": v, "origin": o}}
 * in the order of the keys (new reference). */
json_t *config_dump(const struct config *cfg);

#endif

/*
 * internal.h - shared by config.c (layers, variables, loading) and
 * convert.c (YAML values to their normalised JSON shape); not a public
 * interface.
 */
#ifndef BOSUN_LIB_CONFIG_INTERNAL_H
#define BOSUN_LIB_CONFIG_INTERNAL_H

#include "core/strbuf.h"
#include "lib/config/config.h"
#include "lib/yaml/ytree.h"

#include <jansson.h>
#include <stddef.h>

/* Where text came from, for messages. */
struct src {
	const char *name;	/* "bosun.yml", a path as given, or "BOSUN_X" */
	int env;		/* a variable's value: no line:col in messages */
};

/* Record "FILE:LINE:COL: message" for node n ("BOSUN_X: message" for a
 * variable); returns -BOSUN_EDATA. */
int cfg_yerr(const struct src *s, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "'path' must be WHAT, not 'value'"; returns -BOSUN_EDATA. */
int cfg_type_err(const struct src *s, const char *path,
		 const struct ynode *n, const char *what);
/* How a value looks in a message: "'maybe'", "a list", "empty". */
const char *cfg_describe(struct strbuf *sb, const struct ynode *n);
/* A scalar that is not null. */
int cfg_is_string(const struct ynode *n);
/* A whole decimal number; 0, or -1 when s is not one. */
int cfg_parse_ll(const char *s, long long *out);
/* "90s", "10m", "1h30m", "250ms" or a bare number of seconds, as ms (at
 * most INT_MAX); 0, or -1 when s is none of those. */
int cfg_parse_duration(const char *s, long long *out);
/* Whether key i of map (a string) repeats an earlier key. */
int cfg_dup_key(const struct ynode *map, size_t i);

/* Convert n, the value of path, to the shape of a schema type. */
typedef int (*conv_fn)(const struct src *s, const char *path,
		       const struct ynode *n, json_t **out);
conv_fn cfg_type_conv(enum config_type type);

#endif

/*
 * rules.h - the secret scanner's rules: the built-in set (rules.yml,
 * compiled into the binary) and rule files in the same format.
 *
 *	struct scan_rules rs = SCAN_RULES_INIT;
 *	if ((r = scan_rules_add_default(&rs)) < 0 ||
 *	    (r = scan_rules_parse(&rs, "extra.yml", text, len)) < 0)
 *		return r;		// "extra.yml:4:12: message", BOSUN_EDATA
 *	scan_rules_disable(&rs, "generic-secret");
 *	...
 *	scan_rules_release(&rs);
 *
 * A rule file is a mapping with `rules` (a list) and an optional global
 * `allowlist`. Each rule: `id` (lowercase letters, digits, '-'),
 * `description`, `regex` (PCRE2 syntax, also compiled by Vectorscan; '^' and
 * '$' match at line ends), `secret_group` (the capture group holding the
 * secret; default 1 when the regex has a group, else 0), `keywords` (the
 * match must contain one, in any case), `entropy` (the least Shannon
 * entropy, in bits per character, of the secret), `paths` (globs: the rule
 * only looks at matching files) and `allowlist` (`paths`, `regexes` that a
 * secret may match to be ignored, `stopwords` that a secret may contain,
 * `matches`: regexes that the whole match may match to be ignored).
 * A rule whose id is already known replaces the earlier one. See
 * docs/scan.md.
 */
#ifndef BOSUN_LIB_SCAN_RULES_H
#define BOSUN_LIB_SCAN_RULES_H

#include "core/glob.h"

#include <stddef.h>

struct scan_allow {
	struct glob_list paths;
	char **regexes;         /* tried on the secret */
	size_t nr_regexes;
	void **compiled;        /* pcre2_code *, one per regex */
	char **stopwords;       /* lowercase */
	size_t nr_stopwords;
	char **matches;         /* regexes tried on the whole match */
	size_t nr_matches;
	void **matches_compiled;
};

struct scan_rule {
	char *id;
	char *description;
	char *regex;
	int secret_group;       /* -1: the default */
	char **keywords;        /* lowercase */
	size_t nr_keywords;
	double entropy;
	struct glob_list paths;
	struct scan_allow allow;
	char *origin;           /* "rules.yml:12:5" */
	void *re;               /* pcre2_code *, compiled on first use */
};

struct scan_rules {
	struct scan_rule **items;
	size_t nr, alloc;
	struct scan_allow allow;
};
#define SCAN_RULES_INIT { NULL, 0, 0, { GLOB_LIST_INIT, NULL, 0, NULL, NULL, 0, NULL, 0, NULL } }

/* The built-in rules (the text of src/lib/scan/rules.yml). */
extern const char scan_default_rules[];
extern const unsigned scan_default_rules_len;

int scan_rules_add_default(struct scan_rules *rs);
/* Parse a rule file and add its rules; every regex is checked. On error
 * nothing is added. */
int scan_rules_parse(struct scan_rules *rs, const char *name,
		     const char *text, size_t len);
/* Remove the rule with this id; 0, or -BOSUN_ENOTFOUND. */
int scan_rules_disable(struct scan_rules *rs, const char *id);
const struct scan_rule *scan_rules_find(const struct scan_rules *rs, const char *id);
void scan_rules_release(struct scan_rules *rs);

/* Compile a rule's regex (once; not thread-safe: callers lock). */
int scan_rule_compile(struct scan_rule *rule);

/* Shannon entropy of s in bits per character. */
double scan_entropy(const char *s, size_t len);
/* 1 when secret (len bytes) is allowed by a (regexes, stopwords). */
int scan_allow_secret(const struct scan_allow *a, const char *secret, size_t len);
/* 1 when the whole match (len bytes) is allowed by a's `matches`. */
int scan_allow_match(const struct scan_allow *a, const char *match, size_t len);

#endif

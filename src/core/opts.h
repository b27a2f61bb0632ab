/*
 * opts.h - option tables that parse argv and produce help (after git's
 * parse-options).
 *
 *	int dry_run = 0; const char *pre = NULL;
 *	const struct option opts[] = {
 *		OPT_BOOL('n', "dry-run", &dry_run, "print the plan, change nothing"),
 *		OPT_STRING(0, "pre", &pre, "ID", "make a prerelease with this id"),
 *		OPT_END(),
 *	};
 *	argc = opts_parse(opts, argc, argv, 0);
 *
 * argv[0] is the command's name and is skipped. Operands are compacted to the
 * front of argv (argv[0] .. argv[return-1] after the call, argv[0] being the
 * first operand); "--" ends option parsing. A negative return is an error
 * recorded with error_set(BOSUN_EUSAGE, ...), with a "did you mean" suggestion
 * for unknown options; OPTS_HELP is returned for -h/--help.
 */
#ifndef BOSUN_CORE_OPTS_H
#define BOSUN_CORE_OPTS_H

#include "core/strbuf.h"

enum opt_type {
	OPTT_END,
	OPTT_BOOL,    /* int: set to 1 (--no-NAME sets 0) */
	OPTT_COUNT,   /* int: incremented each time */
	OPTT_STRING,  /* const char *: the argument */
	OPTT_INT,     /* int: a decimal argument */
	OPTT_LIST,    /* struct opt_list: every occurrence appended */
	OPTT_CHOICE,  /* const char *: the argument, one of a '|'-list in argh */
	OPTT_OPTINT,  /* int, long only: --NAME sets -1, --NAME=N sets N (1 or more) */
};

struct opt_list {
	const char **items;
	size_t nr, alloc;
};
#define OPT_LIST_INIT { NULL, 0, 0 }
void opt_list_release(struct opt_list *l);

struct option {
	enum opt_type type;
	int short_name;
	const char *long_name;
	void *value;
	const char *argh;
	const char *help;
};

#define OPT_END() { OPTT_END, 0, NULL, NULL, NULL, NULL }
#define OPT_BOOL(s, l, v, h) { OPTT_BOOL, (s), (l), (v), NULL, (h) }
#define OPT_COUNT(s, l, v, h) { OPTT_COUNT, (s), (l), (v), NULL, (h) }
#define OPT_STRING(s, l, v, a, h) { OPTT_STRING, (s), (l), (v), (a), (h) }
#define OPT_INT(s, l, v, a, h) { OPTT_INT, (s), (l), (v), (a), (h) }
#define OPT_LIST(s, l, v, a, h) { OPTT_LIST, (s), (l), (v), (a), (h) }
#define OPT_CHOICE(s, l, v, a, h) { OPTT_CHOICE, (s), (l), (v), (a), (h) }
#define OPT_OPTINT(l, v, a, h) { OPTT_OPTINT, 0, (l), (v), (a), (h) }

#define OPTS_HELP 1000

/* Flags for opts_parse(). */
#define OPTS_STOP_AT_OPERAND 1 /* the first operand ends option parsing */
#define OPTS_KEEP_UNKNOWN 2    /* leave unknown options in the operands */

int opts_parse(const struct option *opts, int argc, char **argv, int flags);

/* Append the option list, one option a line, aligned, to sb. */
void opts_help(struct strbuf *sb, const struct option *opts);

/* The closest of candidates (NULL-terminated) to word, or NULL when none is
 * close enough to suggest. */
const char *opts_suggest(const char *word, const char *const *candidates);

#endif

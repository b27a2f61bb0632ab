/*
 * lint.h - check a commit message against the Conventional Commits rules.
 *
 *	struct lint_rules rules = LINT_RULES_INIT;	// defaults
 *	struct lint_result res = LINT_RESULT_INIT;
 *	lint_message(&res, msg, len, &rules);
 *	for (i = 0; i < res.nr; i++)
 *		res.items[i].line, .rule, .message, .hint
 *	lint_result_release(&res);
 *
 * Rules (names are stable, used in output and config):
 *   header-format   the header is "type(scope)!: description"
 *   type-enum       the type is one of rules.types
 *   type-case       the type is lowercase
 *   scope-enum      the scope is one of rules.scopes (when any are given)
 *   scope-empty     "()" is not a scope
 *   subject-empty   the description is not empty
 *   subject-full-stop  the description does not end with "."
 *   subject-case    the description is in none of the cases of
 *                   rules.subject_case (LINT_CASE_* bits)
 *   header-max-length  the header is at most rules.header_max characters
 *   body-leading-blank the line after the header is blank
 *   body-max-line-length    body lines are at most rules.body_line_max
 *                           characters (lines holding a URL excepted)
 *   footer-max-line-length  the same for the footer lines (from the first
 *                           footer the commit parser finds)
 *   footer-format   footer tokens are "Token: value" or "Token #value",
 *                   and BREAKING CHANGE is written in capitals
 *   message-empty   there is a message at all
 * lint_skip() says whether a message is exempt: merge, revert, fixup!/
 * squash!/amend!, and release commits ("chore(release): X.Y.Z");
 * lint_message() applies it first (res.skipped, res.skip_reason).
 * Comment lines (starting with rules.comment, git's core.commentChar: '#' by
 * default, any string, or "auto" for the character `git commit` picked, found
 * from the message) and everything below git's scissors line are ignored, as are leading and trailing blank
 * lines; a NUL byte (git refuses them) ends the message. Line numbers are
 * those of the message as given, 1-based.
 */
#ifndef BOSUN_LIB_LINT_H
#define BOSUN_LIB_LINT_H

#include <stddef.h>

/* The cases of a description, as commitlint names them. */
enum {
	LINT_CASE_SENTENCE = 1 << 0,  /* "sentence-case": "Add x" */
	LINT_CASE_START = 1 << 1,     /* "start-case": "Add New X" */
	LINT_CASE_PASCAL = 1 << 2,    /* "pascal-case": "AddNewX" */
	LINT_CASE_UPPER = 1 << 3,     /* "upper-case": "ADD X" */
	LINT_CASE_LOWER = 1 << 4,     /* "lower-case": "add x" */
};
/* commitlint's config-conventional: never these. */
#define LINT_CASE_DEFAULT (LINT_CASE_SENTENCE | LINT_CASE_START | \
			   LINT_CASE_PASCAL | LINT_CASE_UPPER)

struct lint_rules {
	const char *const *types;   /* NULL: the default list */
	size_t nr_types;
	const char *const *scopes;  /* NULL or empty: any scope */
	size_t nr_scopes;
	int header_max;             /* 0: 100 */
	int skip_merge, skip_revert, skip_fixup, skip_release; /* default 1 */
	int body_line_max;          /* 0: 100 */
	int footer_line_max;        /* 0: 100 */
	unsigned subject_case;      /* LINT_CASE_* the description must not be */
	const char *comment;        /* NULL: "#"; "auto": as git commit picks */
};
#define LINT_RULES_INIT { NULL, 0, NULL, 0, 100, 1, 1, 1, 1, 100, 100, \
			  LINT_CASE_DEFAULT }

struct lint_item {
	int line;
	const char *rule;
	char *message;
	char *hint;
};

struct lint_result {
	struct lint_item *items;
	size_t nr, alloc;
	int skipped;          /* 1 when the message was exempt */
	const char *skip_reason;
};
#define LINT_RESULT_INIT { NULL, 0, 0, 0, NULL }

extern const char *const lint_default_types[];
extern const size_t lint_default_types_nr;

/* out is overwritten (start from LINT_RESULT_INIT or a released result);
 * rules may be NULL for the defaults. Items come header first, then by line. */
void lint_message(struct lint_result *out, const char *msg, size_t len,
		  const struct lint_rules *rules);
/* The reason msg is exempt ("merge commit", "revert commit", "fixup commit",
 * "release commit"), or NULL. rules may be NULL for the defaults. */
const char *lint_skip(const char *msg, size_t len,
		      const struct lint_rules *rules);
void lint_result_release(struct lint_result *res);

struct config;
/* The rules from the configuration (commit.types, commit.scopes,
 * commit.header_max, commit.skip, commit.subject_case,
 * commit.body_line_max, commit.footer_line_max); the strings stay the
 * config's. An unknown commit.skip kind or case is -BOSUN_EDATA. */
int lint_rules_from_config(struct lint_rules *rules, const struct config *cfg);

struct strbuf;
/* rules->comment from git's configuration (core.commentChar or
 * core.commentString, the last one set, as git reads them) run in dir (NULL:
 * here); the string is kept in buf. Unset, or git not runnable: left as it
 * was ("#"). */
void lint_comment_from_git(struct lint_rules *rules, struct strbuf *buf,
			   const char *dir);

#endif

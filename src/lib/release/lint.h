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
 *   header-max-length  the header is at most rules.header_max characters
 *   body-leading-blank the line after the header is blank
 *   footer-format   footer tokens are "Token: value" or "Token #value",
 *                   and BREAKING CHANGE is written in capitals
 *   message-empty   there is a message at all
 * lint_skip() says whether a message is exempt: merge, revert, fixup!/
 * squash!/amend!, and release commits ("chore(release): X.Y.Z");
 * lint_message() applies it first (res.skipped, res.skip_reason).
 * Comment lines (starting with '#', as git's commit template) and everything
 * below git's scissors line are ignored, as are leading and trailing blank
 * lines; a NUL byte (git refuses them) ends the message. Line numbers are
 * those of the message as given, 1-based.
 */
#ifndef BOSUN_LIB_LINT_H
#define BOSUN_LIB_LINT_H

#include <stddef.h>

struct lint_rules {
	const char *const *types;   /* NULL: the default list */
	size_t nr_types;
	const char *const *scopes;  /* NULL or empty: any scope */
	size_t nr_scopes;
	int header_max;             /* 0: 100 */
	int skip_merge, skip_revert, skip_fixup, skip_release; /* default 1 */
};
#define LINT_RULES_INIT { NULL, 0, NULL, 0, 100, 1, 1, 1, 1 }

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
 * commit.header_max, commit.skip); the strings stay the config's. An
 * unknown commit.skip kind is -BOSUN_EDATA. */
int lint_rules_from_config(struct lint_rules *rules, const struct config *cfg);

#endif

/*
 * commit.h - Conventional Commits 1.0.0 messages.
 *
 *	struct cc_commit c = CC_COMMIT_INIT;
 *	cc_parse(&c, msg, len);	// never fails; c.conventional says whether
 *				// the header had the type(scope)!: form
 *	...
 *	cc_release(&c);
 *
 * The parser accepts LF and CRLF, trailing spaces, non-UTF-8 bytes (kept as
 * they are; a NUL byte, which git refuses, ends the message), a '!' before
 * the ':' with or without a scope, and footers in both "Token: value" and
 * "Token #value" forms, with "BREAKING CHANGE" and "BREAKING-CHANGE" as the
 * only tokens allowed to contain a space. A footer's value runs until the
 * next footer token. Type and scope are kept as written; callers compare
 * types case-insensitively.
 *
 * The footers are the trailing paragraphs that each open with a footer line;
 * a "BREAKING CHANGE:" line anywhere in the body also starts them (and the
 * paragraphs after it belong to its value), so a breaking change is never
 * missed. That line may start with blanks and '*' ("  BREAKING CHANGE: x",
 * a squash commit's "* BREAKING CHANGE: x"), and blanks may surround its
 * ':'; the token is still stored as "BREAKING CHANGE". It must be written
 * in capitals (spec item 16), which is where conventional-commits-parser,
 * case-insensitive, differs. A footer's value keeps the '#': "Closes #1" and "Closes: #1" both
 * give "#1". A BREAKING CHANGE footer marks the commit breaking even when its
 * header is not conventional. cc_parse() overwrites *out without releasing
 * it (start from CC_COMMIT_INIT or a released commit).
 */
#ifndef BOSUN_LIB_COMMIT_H
#define BOSUN_LIB_COMMIT_H

#include <stddef.h>

struct cc_footer {
	char *token;
	char *value;
	int line;       /* 1-based line number in the message */
};

struct cc_commit {
	int conventional;   /* header is type(scope)!: description */
	char *header;       /* the first line, without CR or trailing blanks */
	char *type;         /* NULL unless conventional */
	char *scope;        /* NULL when none (or written "()") */
	char *description;  /* NULL unless conventional */
	char *body;         /* NULL when none; without the footers */
	int breaking;       /* '!' or a BREAKING CHANGE footer */
	char *breaking_text;/* the footer text, or the description for '!' */
	struct cc_footer *footers;
	size_t nr_footers;
	/* git conventions recognised in any message */
	int is_merge;       /* "Merge branch ...", "Merge pull request ..." */
	int is_revert;      /* "Revert "..."" or a revert: type */
	char *reverts;      /* the id in "This reverts commit <id>." or NULL */
	int is_fixup;       /* "fixup! ", "squash! ", "amend! " */
};
#define CC_COMMIT_INIT { 0 }

void cc_parse(struct cc_commit *out, const char *msg, size_t len);
void cc_release(struct cc_commit *c);

/* A squash commit lists its parts in the body as lines "* type(scope): x"
 * (or "- ..."), or as bare headers with a lowercase type that open a
 * paragraph ("feat: a\n\nfix: b"). Parse each conventional one into out[]
 * as a one-line message (breaking only from '!'); returns how many (at most
 * max). Lines that are not conventional headers are skipped. body is the
 * text after the header as written (not cc_commit.body, which lost its
 * footers); out[] is overwritten, cc_release() each of the first n. */
size_t cc_parse_squashed(struct cc_commit *out, size_t max, const char *body);

/* Case-insensitive comparison of a commit's type with t. */
int cc_type_is(const struct cc_commit *c, const char *t);

#endif

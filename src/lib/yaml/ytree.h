/*
 * ytree.h - YAML read into a small tree that remembers where every node
 * starts. The one YAML reader behind bosun.yml (lib/config), agent
 * templates and frontmatter (lib/agents) and scanner rule files (lib/scan).
 *
 *	struct ytree t = { 0 };
 *	if ((r = ytree_parse(&t, "rules.yml", text, len)) < 0)
 *		return r;		// "rules.yml:3:5: message", BOSUN_EDATA
 *	use(t.root);			// NULL for an empty stream
 *	ytree_release(&t);
 *
 * libfyaml's event parser is underneath, because the document API of
 * libfyaml 0.7 cannot say where a mapping or a sequence begins, and every
 * message about a bad value must point at it. The text must be UTF-8 with
 * no NUL byte; aliases, several documents and nesting deeper than
 * depth_max are refused. Nothing is printed: libfyaml's diagnostics are
 * collected and the first becomes the recorded error.
 */
#ifndef BOSUN_LIB_YAML_YTREE_H
#define BOSUN_LIB_YAML_YTREE_H

#include <stddef.h>

/* Deeper than any file bosun reads needs. */
#define YTREE_DEPTH_MAX 64

enum ytype { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ytype type;
	int line, col;		/* 1-based, line_offset included */
	int plain;		/* unquoted: may mean null, a bool, a number */
	char *text;		/* a scalar's text, NUL-terminated, no NUL inside */
	size_t len;
	struct ynode **kids;	/* items; a mapping's keys and values alternate */
	size_t nr, alloc;
};

struct ytree {
	/* Set before ytree_parse(), all optional. */
	int line_offset;	/* added to every line (frontmatter after "---") */
	int no_pos;		/* messages name the source only (a variable's value) */
	int depth_max;		/* 0: YTREE_DEPTH_MAX */

	const char *name;	/* for messages */
	struct ynode *root;	/* NULL for an empty stream */

	/* Private. */
	struct ynode **all;	/* every node, so that freeing needs no recursion */
	size_t nr, alloc;
	struct ynode **open;	/* collections being filled */
	size_t depth, open_alloc;
	int line, col;		/* the last position the parser reported */
	int docs;
	const char *input;
	size_t input_len;
};

int ytree_parse(struct ytree *t, const char *name, const char *text, size_t len);
void ytree_release(struct ytree *t);

/* Record "NAME:LINE:COL: message" for node n (the last position read when
 * n is NULL; "NAME: message" with no_pos); returns -BOSUN_EDATA. */
int ytree_error(const struct ytree *t, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A mapping's value for key, or NULL (also when map is not a mapping). */
const struct ynode *ynode_get(const struct ynode *map, const char *key);
/* 1 when n is a plain null: empty, "~", "null", "Null" or "NULL". */
int ynode_is_null(const struct ynode *n);

#endif

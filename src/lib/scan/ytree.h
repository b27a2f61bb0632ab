/*
 * ytree.h - a small YAML tree that remembers where each node starts, for
 * the scanner's rule files (libfyaml's event parser underneath).
 *
 *	struct ytree t = YTREE_INIT;
 *	if ((r = ytree_parse(&t, "rules.yml", text, len)) < 0)
 *		return r;		// "rules.yml:3:5: message", BOSUN_EDATA
 *	use(t.root);			// NULL for an empty document
 *	ytree_release(&t);
 *
 * Text must be UTF-8 without NUL bytes; aliases and several documents are
 * refused. Nothing is printed: libfyaml's diagnostics are collected.
 */
#ifndef BOSUN_LIB_SCAN_YTREE_H
#define BOSUN_LIB_SCAN_YTREE_H

#include <stddef.h>

enum ytype { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ytype type;
	int line, col;          /* 1-based */
	int plain;              /* an unquoted scalar */
	char *text;             /* a scalar's text */
	size_t len;
	struct ynode **kids;    /* items; a mapping's keys and values alternate */
	size_t nr, alloc;
};

struct ytree {
	const char *name;
	struct ynode *root;
	struct ynode **all, **open;
	size_t nr, alloc, depth, open_alloc;
	int line, col, docs;
};
#define YTREE_INIT { NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0 }

int ytree_parse(struct ytree *t, const char *name, const char *text, size_t len);
void ytree_release(struct ytree *t);
/* Record "NAME:LINE:COL: message" for node n (or the tree's start when n is
 * NULL); returns -BOSUN_EDATA. */
int ytree_error(const struct ytree *t, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A mapping's value for key, or NULL. */
const struct ynode *ynode_get(const struct ynode *map, const char *key);
/* 1 when n is a plain null ("", "~", "null"). */
int ynode_is_null(const struct ynode *n);

#endif

/*
 * entries.c - parse append-style Markdown into a tree of entries and merge
 * three of them by the entries' identity (docs/merge.md, "entries").
 *
 * An entry is a heading (its level is its number of '#'), a list item (a
 * bullet or a number, at its indentation) or a line of text at the left
 * margin, with its continuation lines (indented lines that start no item,
 * and everything inside a ``` or ~~~ fence). Entries nest: a heading holds
 * what follows up to the next heading of its level or above, an item holds
 * the items indented under it. Blank lines belong to the entry before
 * them; those after the last entry of a parent belong to the parent, so
 * that entries added at the end of a list do not carry the list's closing
 * blank line into its middle.
 *
 * The identity (key) of an entry is its kind and level with either the
 * task id it carries (INFRA-005, a heading's anywhere, an item's at its
 * start) or its first line, with the box of a checklist item cleared, the
 * dates masked and runs of blanks made one; the nth entry of a parent with
 * the same identity gets "#n".
 */
#include "lib/merge/merge.h"

#include "core/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum mn_type { MN_ROOT, MN_HEAD, MN_ITEM, MN_TEXT };

struct mnode {
	enum mn_type type;
	int level;             /* root 0, headings 1-6, others 7 + indent */
	const char *text;      /* the entry's own lines, no final newline */
	size_t len;
	long box;              /* offset of the box's mark in text, or -1 */
	int checked;           /* -1: no box */
	unsigned blank, tail;  /* blank lines after the text, after the kids */
	int last;              /* the last of its parent's kids */
	unsigned sep;          /* last: the blank lines after the kid before it */
	char *key;
	size_t kbase;          /* key's length before a "#n" */
	int id;                /* keyed by a task id (else by its text) */
	uint64_t hnorm;        /* hash of text with the box cleared */
	uint64_t hdate;        /* ... and the dates masked */
	uint64_t hx;           /* exact text and kids */
	uint64_t hsub;         /* hdate of the text and kids, boxes ignored */
	struct mnode **kids;
	size_t nr, alloc;
};

struct merge_doc {
	struct mnode *root;
	int noeol;             /* the text does not end with a newline */
	int crlf;
	size_t count;
};

/* ---- small helpers ------------------------------------------------------ */

#define FNV_OFF 1469598103934665603ull
#define FNV_PRIME 1099511628211ull

static uint64_t fnv_add(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n--)
		h = (h ^ *s++) * FNV_PRIME;
	return h;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	return fnv_add(h, &v, sizeof(v));
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static int is_blank(int c) { return c == ' ' || c == '\t'; }

/* A date YYYY-MM-DD at s (n bytes left) that no digit touches. */
static int date_at(const char *s, size_t n, size_t i)
{
	/* The cheap tests first: this runs for every byte. */
	if (!is_digit(s[i]) || i + 10 > n || s[i + 4] != '-' || (i && is_digit(s[i - 1])))
		return 0;
	return is_digit(s[i]) && is_digit(s[i + 1]) && is_digit(s[i + 2]) &&
	       is_digit(s[i + 3]) && s[i + 4] == '-' && is_digit(s[i + 5]) &&
	       is_digit(s[i + 6]) && s[i + 7] == '-' && is_digit(s[i + 8]) &&
	       is_digit(s[i + 9]) && (i + 10 == n || !is_digit(s[i + 10]));
}

/* A task id [A-Z][A-Z0-9]*-[0-9]+ at s[i]; returns its length or 0. */
static size_t id_at(const char *s, size_t n, size_t i)
{
	size_t j = i, d;

	if (i && (is_upper(s[i - 1]) || is_digit(s[i - 1]) ||
		  (s[i - 1] >= 'a' && s[i - 1] <= 'z') || s[i - 1] == '-'))
		return 0;
	if (j >= n || !is_upper(s[j]))
		return 0;
	while (j < n && j - i < 16 && (is_upper(s[j]) || is_digit(s[j])))
		j++;
	if (j >= n || s[j] != '-')
		return 0;
	d = ++j;
	while (j < n && j - d < 9 && is_digit(s[j]))
		j++;
	if (j == d || (j < n && (is_digit(s[j]) || is_upper(s[j]) ||
				 (s[j] >= 'a' && s[j] <= 'z'))))
		return 0;
	return j - i;
}

/* Hash the text with the box cleared and, with mask, the dates masked. */
static uint64_t hash_text(const struct mnode *n, int mask)
{
	uint64_t h = FNV_OFF;
	size_t i = 0, from = 0;

	while (i < n->len) {
		if ((long)i == n->box || (mask && date_at(n->text, n->len, i))) {
			h = fnv_add(h, n->text + from, i - from);
			if ((long)i == n->box) {
				h = fnv_add(h, " ", 1);
				i++;
			} else {
				h = fnv_add(h, "0000-00-00", 10);
				i += 10;
			}
			from = i;
			continue;
		}
		i++;
	}
	return fnv_add(h, n->text + from, n->len - from);
}

/* ---- parsing ------------------------------------------------------------ */

static size_t line_end(const char *s, size_t n, size_t i)
{
	const char *nl = memchr(s + i, '\n', n - i);

	return nl ? (size_t)(nl - s) : n;
}

static int line_is_blank(const char *s, size_t b, size_t e)
{
	for (; b < e; b++)
		if (!is_blank(s[b]) && s[b] != '\r')
			return 0;
	return 1;
}

/* The width of the indentation at s[b..e) (a tab to the next stop of 4). */
static size_t indent_of(const char *s, size_t b, size_t e, size_t *cols)
{
	size_t i = b, c = 0;

	while (i < e && is_blank(s[i])) {
		c = s[i] == '\t' ? (c / 4 + 1) * 4 : c + 1;
		i++;
	}
	*cols = c;
	return i;
}

/* A fence opener or closer: three or more ` or ~ after the indentation. */
static int fence_at(const char *s, size_t i, size_t e, char *ch)
{
	char c;

	if (i + 3 > e || (s[i] != '`' && s[i] != '~'))
		return 0;
	c = s[i];
	if (s[i + 1] != c || s[i + 2] != c)
		return 0;
	*ch = c;
	return 1;
}

/* The list marker at s[i] ("- ", "* ", "+ ", "12. ", "3) "): the offset
 * of what follows it, or 0 when there is none. */
static size_t item_at(const char *s, size_t i, size_t e)
{
	size_t j = i;

	if (j < e && (s[j] == '-' || s[j] == '*' || s[j] == '+')) {
		j++;
	} else {
		while (j < e && j - i < 9 && is_digit(s[j]))
			j++;
		if (j == i || j >= e || (s[j] != '.' && s[j] != ')'))
			return 0;
		j++;
	}
	if (j < e && !is_blank(s[j]) && s[j] != '\r')
		return 0;
	return j;
}

static int heading_at(const char *s, size_t b, size_t e)
{
	size_t j = b;

	while (j < e && s[j] == '#' && j - b < 7)
		j++;
	if (j == b || j - b > 6)
		return 0;
	if (j < e && !is_blank(s[j]) && s[j] != '\r')
		return 0;
	return (int)(j - b);
}

static struct mnode *node_new(enum mn_type t, int level, const char *text)
{
	struct mnode *n = xcalloc(1, sizeof(*n));

	n->type = t;
	n->level = level;
	n->text = text;
	n->box = -1;
	n->checked = -1;
	return n;
}

static void node_free(struct mnode *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nr; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->key);
	free(n);
}

static void add_kid(struct mnode *p, struct mnode *k)
{
	ALLOC_GROW(p->kids, p->nr + 1, p->alloc);
	p->kids[p->nr++] = k;
}

/* The box "[ ]", "[x]" or "[X]" after a list marker. */
static void find_box(struct mnode *n, size_t after)
{
	size_t i = after;

	while (i < n->len && is_blank(n->text[i]))
		i++;
	if (i + 3 <= n->len && n->text[i] == '[' && n->text[i + 2] == ']' &&
	    (n->text[i + 1] == ' ' || n->text[i + 1] == 'x' || n->text[i + 1] == 'X') &&
	    (i + 3 == n->len || is_blank(n->text[i + 3]) || n->text[i + 3] == '\r' ||
	     n->text[i + 3] == '\n')) {
		n->box = (long)(i + 1);
		n->checked = n->text[i + 1] != ' ';
	}
}

/* The identity of n without its parent and number (see the top). */
static void make_key(struct strbuf *k, struct mnode *n, size_t content)
{
	const char *s = n->text;
	size_t e = line_end(s, n->len, 0), i = content, idl = 0, j;
	int space = 0;

	strbuf_addf(k, "%c%d:", n->type == MN_HEAD ? 'h' : n->type == MN_ITEM ? 'i' : 't',
		    n->level);
	if (n->box >= 0)
		i = (size_t)n->box + 2;
	while (i < e && is_blank(s[i]))
		i++;
	if (n->type == MN_HEAD) {
		for (j = i; j < e && !idl; j++)
			if ((idl = id_at(s, e, j)))
				i = j;
	} else {
		j = i;
		while (j < e && (s[j] == '*' || s[j] == '`' || s[j] == '[' || s[j] == '_'))
			j++;
		if ((idl = id_at(s, e, j)))
			i = j;
	}
	if (idl) {
		n->id = 1;
		strbuf_addstr(k, "id:");
		strbuf_add(k, s + i, idl);
		return;
	}
	while (i < e) {
		if (date_at(s, e, i)) {
			strbuf_addstr(k, "0000-00-00");
			i += 10;
			space = 0;
			continue;
		}
		if (is_blank(s[i]) || s[i] == '\r') {
			space = 1;
			i++;
			continue;
		}
		if (space)
			strbuf_addch(k, ' ');
		space = 0;
		strbuf_addch(k, s[i++]);
	}
}

/* Hash n and its kids, bottom-up. */
static void finish(struct mnode *n)
{
	size_t i;

	n->hnorm = hash_text(n, 0);
	n->hdate = hash_text(n, 1);
	n->hx = fnv_add(mix(FNV_OFF, (uint64_t)n->level), n->text, n->len);
	n->hsub = mix(n->hdate, (uint64_t)n->level);
	for (i = 0; i < n->nr; i++) {
		struct mnode *c = n->kids[i];

		finish(c);
		n->hx = mix(mix(n->hx, c->hx), c->blank);
		n->hsub = mix(n->hsub, c->hsub);
	}
}

static void bubble_blanks(struct mnode *n)
{
	struct mnode *last;
	size_t i;

	for (i = 0; i < n->nr; i++)
		bubble_blanks(n->kids[i]);
	if (!n->nr)
		return;
	last = n->kids[n->nr - 1];
	last->last = 1;
	if (n->nr > 1) {
		struct mnode *prev = n->kids[n->nr - 2];

		last->sep = prev->nr ? prev->tail : prev->blank;
	}
	if (last->nr) {
		n->tail += last->tail;
		last->tail = 0;
	} else {
		n->tail += last->blank;
		last->blank = 0;
	}
}

/* A table of keys (open addressing): key bytes -> a node and a number. */
struct keytab {
	struct kslot {
		uint64_t h;
		const char *k;
		size_t kl;
		const struct mnode *n;
		size_t count;
	} *slots;
	size_t cap;
};

static void keytab_init(struct keytab *t, size_t nr)
{
	t->cap = 16;
	while (t->cap < nr * 2 + 2)
		t->cap *= 2;
	t->slots = xcalloc(t->cap, sizeof(*t->slots));
}

/* The slot of k[0..kl), or NULL; with add, a new slot for it when there
 * is none. */
static struct kslot *keytab_find(struct keytab *t, const char *k, size_t kl,
				 const struct mnode *add)
{
	uint64_t h = fnv_add(FNV_OFF, k, kl) | 1;
	size_t i = (size_t)h & (t->cap - 1);

	while (t->slots[i].h) {
		struct kslot *sl = &t->slots[i];

		if (sl->h == h && sl->kl == kl && !memcmp(sl->k, k, kl))
			return sl;
		i = (i + 1) & (t->cap - 1);
	}
	if (!add)
		return NULL;
	t->slots[i].h = h;
	t->slots[i].k = k;
	t->slots[i].kl = kl;
	t->slots[i].n = add;
	return &t->slots[i];
}

static struct kslot *key_find(struct keytab *t, const struct mnode *n,
			      const struct mnode *add)
{
	return keytab_find(t, n->key, strlen(n->key), add);
}

/* Number the kids of n whose keys repeat: "#1", "#2"... (the first has
 * none); kbase keeps the length before the number. */
static void number_keys(struct mnode *n)
{
	struct keytab t;
	size_t i;

	for (i = 0; i < n->nr; i++)
		number_keys(n->kids[i]);
	if (!n->nr)
		return;
	keytab_init(&t, n->nr);
	for (i = 0; i < n->nr; i++) {
		struct mnode *c = n->kids[i];
		struct kslot *sl = keytab_find(&t, c->key, c->kbase, NULL);
		struct strbuf k = STRBUF_INIT;

		if (!sl) {
			keytab_find(&t, c->key, c->kbase, c);
			continue;
		}
		sl->count++;
		strbuf_add(&k, c->key, c->kbase);
		strbuf_addf(&k, "#%zu", sl->count);
		/* The slot points into the first kid's key, kept. */
		free(c->key);
		c->key = strbuf_detach(&k, NULL);
	}
	free(t.slots);
}

struct merge_doc *merge_doc_parse(const char *s, size_t n)
{
	struct merge_doc *d = xcalloc(1, sizeof(*d));
	struct mnode **stack = NULL, *cur = NULL;
	size_t sp = 0, salloc = 0, i = 0;
	char fence = 0;

	d->root = node_new(MN_ROOT, 0, s);
	d->noeol = n && s[n - 1] != '\n';
	ALLOC_GROW(stack, 1, salloc);
	stack[sp++] = d->root;
	while (i < n) {
		size_t e = line_end(s, n, i), cols, b, content = 0;
		struct mnode *nn = NULL;
		int h, in_fence = fence != 0;

		if (i == 0 && e > 0 && s[e - 1] == '\r')
			d->crlf = 1;
		b = indent_of(s, i, e, &cols);
		if (fence) {
			char c;

			if (fence_at(s, b, e, &c) && c == fence)
				fence = 0;
		} else if (line_is_blank(s, i, e)) {
			if (cur)
				cur->blank++;
			else
				d->root->blank++;
			i = e + 1;
			continue;
		} else if (!cols && (h = heading_at(s, b, e))) {
			nn = node_new(MN_HEAD, h, s + i);
			content = (size_t)h;
		} else if ((content = item_at(s, b, e))) {
			nn = node_new(MN_ITEM, 7 + (int)cols, s + i);
			content -= i;
		} else if (!cols || !cur) {
			nn = node_new(MN_TEXT, 7 + (int)cols, s + i);
			content = b - i;
		}
		if (!in_fence && !nn) {
			char c;

			if (fence_at(s, b, e, &c))
				fence = c;
		}
		if (nn) {
			char c;

			while (stack[sp - 1]->level >= nn->level)
				sp--;
			add_kid(stack[sp - 1], nn);
			ALLOC_GROW(stack, sp + 1, salloc);
			stack[sp++] = nn;
			cur = nn;
			cur->len = e - i;
			if (nn->type == MN_ITEM)
				find_box(nn, content);
			if (fence_at(s, b, e, &c) && nn->type == MN_TEXT)
				fence = c;
			{
				struct strbuf k = STRBUF_INIT;

				make_key(&k, nn, content);
				nn->kbase = k.len;
				nn->key = strbuf_detach(&k, NULL);
			}
			d->count++;
		} else {
			/* A continuation: the blank lines before it are the
			 * entry's own now. */
			cur->len = e - (size_t)(cur->text - s);
			cur->blank = 0;
		}
		i = e + 1;
	}
	free(stack);
	if (!d->root->key)
		d->root->key = xstrdup("");
	number_keys(d->root);
	bubble_blanks(d->root);
	finish(d->root);
	return d;
}

void merge_doc_free(struct merge_doc *d)
{
	if (!d)
		return;
	node_free(d->root);
	free(d);
}

size_t merge_doc_count(const struct merge_doc *d)
{
	return d->count;
}

static void walk(const struct mnode *n, struct strbuf *path,
		 void (*fn)(const char *, int, const char *, size_t, void *),
		 void *data)
{
	size_t i, keep = path->len;

	for (i = 0; i < n->nr; i++) {
		const struct mnode *c = n->kids[i];

		if (keep)
			strbuf_addch(path, '/');
		strbuf_addstr(path, c->key);
		fn(path->buf, c->checked, c->text, line_end(c->text, c->len, 0), data);
		walk(c, path, fn, data);
		strbuf_setlen(path, keep);
	}
}

void merge_doc_walk(const struct merge_doc *d,
		    void (*fn)(const char *key, int checked, const char *line,
			       size_t len, void *data),
		    void *data)
{
	struct strbuf path = STRBUF_INIT;

	walk(d->root, &path, fn, data);
	strbuf_release(&path);
}

/* ---- rendering ---------------------------------------------------------- */

struct render {
	struct strbuf *out;
	const struct merge_opts *o;
	const char *nl;        /* "\n" or "\r\n" for the lines bosun writes */
	int conflicts;
	/* The blank lines owed after an entry that was last on its side and
	 * is followed by another here: written before that other one. */
	unsigned pending;
};

static void put_blanks(struct render *r, unsigned n)
{
	while (n--)
		strbuf_addstr(r->out, r->nl);
}

static void put_text(struct render *r, const struct mnode *n, int checked)
{
	if (n->box >= 0 && checked >= 0 && checked != n->checked) {
		strbuf_add(r->out, n->text, (size_t)n->box);
		strbuf_addch(r->out, checked ? 'x' : ' ');
		strbuf_add(r->out, n->text + n->box + 1, n->len - (size_t)n->box - 1);
	} else {
		strbuf_add(r->out, n->text, n->len);
	}
	strbuf_addch(r->out, '\n');
}

static void put_tree(struct render *r, const struct mnode *n)
{
	size_t i;

	if (n->type != MN_ROOT) {
		put_text(r, n, n->checked);
		put_blanks(r, n->blank);
	}
	for (i = 0; i < n->nr; i++)
		put_tree(r, n->kids[i]);
	put_blanks(r, n->tail);
}

static void put_marker(struct render *r, char c, const char *label)
{
	strbuf_addchars(r->out, c, (size_t)r->o->marker_size);
	if (label && *label) {
		strbuf_addch(r->out, ' ');
		strbuf_addstr(r->out, label);
	}
	strbuf_addstr(r->out, r->nl);
}

/* One entry (and what it holds) in conflict: either side may be NULL. */
static void put_conflict(struct render *r, const struct mnode *a,
			 const struct mnode *b)
{
	put_marker(r, '<', r->o->ours_label);
	if (a)
		put_tree(r, a);
	put_marker(r, '=', NULL);
	if (b)
		put_tree(r, b);
	put_marker(r, '>', r->o->theirs_label);
	r->conflicts++;
}

/* ---- merging ------------------------------------------------------------ */

static unsigned merge_count(unsigned b, unsigned o, unsigned t)
{
	return o != b ? o : t;
}

static unsigned merge_node(struct render *r, const struct mnode *b,
			   const struct mnode *o, const struct mnode *t);

static void flush_pending(struct render *r)
{
	put_blanks(r, r->pending);
	r->pending = 0;
}

/* After an entry whose last blank lines were trail (c its source). */
static void owe_sep(struct render *r, const struct mnode *c, unsigned trail)
{
	if (!trail && c->last)
		r->pending = c->sep;
}

struct slot {
	const struct mnode *b, *o, *t;
	const struct mnode *partner; /* theirs' rival change of the same entry */
	int skip;                    /* written with its rival already */
};

/*
 * A change of an entry whose identity is its text shows as a deletion and
 * an addition in the same place (an entry with a task id keeps its key,
 * and one with another id is another entry). So: the first entry the
 * side deleted after each entry of base it kept, and the first one it
 * added there, both without ids, pair up. rep[i] is what replaced base's
 * entry i on side (or NULL).
 */
static void replacements(const struct mnode *b, const struct mnode *side,
			 struct keytab *tb, struct keytab *ts,
			 const struct mnode **rep)
{
	const struct mnode **add = xcalloc(b->nr + 1, sizeof(*add));
	size_t i, at = 0;

	for (i = 0; i < side->nr; i++) {
		struct kslot *sb = key_find(tb, side->kids[i], NULL);

		if (sb)
			at = sb->count + 1;
		else if (!add[at] && !side->kids[i]->id)
			add[at] = side->kids[i];
	}
	at = 0;
	for (i = 0; i < b->nr; i++) {
		if (key_find(ts, b->kids[i], NULL)) {
			at = i + 1;
			continue;
		}
		if (add[at] && !b->kids[i]->id) {
			rep[i] = add[at];
			add[at] = NULL;
		}
	}
	free(add);
}

static void merge_kids(struct render *r, const struct mnode *b,
		       const struct mnode *o, const struct mnode *t)
{
	static const struct mnode empty = { .type = MN_ROOT };
	struct keytab tb, tt, to, seen;
	struct slot *res;
	size_t *at, *cnt, i, nres = 0, anchor;

	if (!b)
		b = &empty;
	keytab_init(&tb, b->nr);
	keytab_init(&tt, t->nr);
	keytab_init(&to, o->nr);
	keytab_init(&seen, o->nr + t->nr);
	for (i = 0; i < b->nr; i++)
		key_find(&tb, b->kids[i], b->kids[i])->count = i;
	for (i = 0; i < t->nr; i++)
		key_find(&tt, t->kids[i], t->kids[i]);
	for (i = 0; i < o->nr; i++)
		key_find(&to, o->kids[i], o->kids[i])->count = i;
	/*
	 * Theirs' entries that ours lacks go before ours' entry at[j]: after
	 * the entry before them in theirs that ours has, and after ours'
	 * own additions that follow that one (ours first). A counting sort
	 * by that place keeps theirs' order: linear time.
	 */
	at = xcalloc(t->nr + 1, sizeof(*at));
	cnt = xcalloc(o->nr + 2, sizeof(*cnt));
	anchor = 0;
	for (i = 0; i < t->nr; i++) {
		struct kslot *so = key_find(&to, t->kids[i], NULL);

		if (so) {
			anchor = so->count + 1;
			while (anchor < o->nr && !key_find(&tb, o->kids[anchor], NULL) &&
			       !key_find(&tt, o->kids[anchor], NULL))
				anchor++;
			at[i] = SIZE_MAX;
			continue;
		}
		at[i] = anchor;
		cnt[anchor + 1]++;
	}
	for (i = 1; i <= o->nr + 1; i++)
		cnt[i] += cnt[i - 1];
	res = xcalloc(o->nr + t->nr + 1, sizeof(*res));
	for (i = 0; i < t->nr; i++) {
		struct kslot *sb;
		size_t p;

		if (at[i] == SIZE_MAX)
			continue;
		/* Room for ours' entries before: at[i] of them. */
		p = cnt[at[i]]++ + at[i];
		sb = key_find(&tb, t->kids[i], NULL);
		res[p].b = sb ? sb->n : NULL;
		res[p].t = t->kids[i];
		nres++;
	}
	for (i = 0; i < o->nr; i++) {
		/* Ours' entry i follows every theirs' entry placed before it. */
		size_t p = i + cnt[i];
		struct kslot *sb = key_find(&tb, o->kids[i], NULL);
		struct kslot *st = key_find(&tt, o->kids[i], NULL);

		res[p].b = sb ? sb->n : NULL;
		res[p].o = o->kids[i];
		res[p].t = st ? st->n : NULL;
		nres++;
	}
	/* Base's entry changed differently on each side: ours' change is
	 * written against theirs, in ours' place. */
	if (b->nr) {
		const struct mnode **ro = xcalloc(b->nr, sizeof(*ro));
		const struct mnode **rt = xcalloc(b->nr, sizeof(*rt));
		struct keytab pt;

		replacements(b, o, &tb, &to, ro);
		replacements(b, t, &tb, &tt, rt);
		keytab_init(&pt, b->nr);
		for (i = 0; i < b->nr; i++)
			if (ro[i] && rt[i] && !key_find(&tt, ro[i], NULL) &&
			    !key_find(&to, rt[i], NULL)) {
				key_find(&pt, ro[i], ro[i])->n = rt[i];
				key_find(&pt, rt[i], rt[i])->n = NULL;
			}
		for (i = 0; i < nres; i++) {
			const struct mnode *c = res[i].o ? res[i].o : res[i].t;
			struct kslot *sl;

			if (res[i].b || (res[i].o && res[i].t) ||
			    !(sl = key_find(&pt, c, NULL)))
				continue;
			if (res[i].o && sl->n)
				res[i].partner = sl->n;
			else if (res[i].t && !sl->n)
				res[i].skip = 1;
		}
		free(pt.slots);
		free(ro);
		free(rt);
	}
	for (i = 0; i < nres; i++) {
		struct slot *s = &res[i];
		const struct mnode *c = s->o ? s->o : s->t;
		struct kslot *sl;
		unsigned trail;

		if (s->skip)
			continue;
		if (s->partner) {
			flush_pending(r);
			put_conflict(r, s->o, s->partner);
			continue;
		}

		if (s->o && s->t) {
			/* Only an entry both sides hold alike is written as it
			 * is: a later copy of it is a duplicate. One the sides
			 * hold differently may be written as theirs or merged,
			 * so it drops no later entry (a kept duplicate is
			 * better than a lost entry). */
			if (s->o->hx == s->t->hx && s->o->len == s->t->len &&
			    !memcmp(s->o->text, s->t->text, s->o->len) &&
			    !keytab_find(&seen, c->key, c->kbase, NULL))
				keytab_find(&seen, c->key, c->kbase, c);
			flush_pending(r);
			trail = merge_node(r, s->b, s->o, s->t);
			/* A side where it was not last says what follows it. */
			if (s->o->last && s->t->last)
				owe_sep(r, s->o, trail);
			continue;
		}
		if (s->b) {
			/* Deleted on one side: honoured, unless the other
			 * side changed more than boxes and dates in it. */
			if (c->hsub != s->b->hsub) {
				flush_pending(r);
				put_conflict(r, s->o, s->t);
			}
			continue;
		}
		/* Added on one side: dropped when it is an exact copy of
		 * an entry written here already. */
		sl = keytab_find(&seen, c->key, c->kbase, NULL);
		if (sl && sl->n->hx == c->hx && sl->n->level == c->level &&
		    sl->n->len == c->len && !memcmp(sl->n->text, c->text, c->len))
			continue;
		if (!sl)
			keytab_find(&seen, c->key, c->kbase, c);
		flush_pending(r);
		put_tree(r, c);
		owe_sep(r, c, c->nr ? c->tail : c->blank);
	}
	/* What follows the last entry is the parent's. */
	r->pending = 0;
	free(at);
	free(cnt);
	free(res);
	free(tb.slots);
	free(tt.slots);
	free(to.slots);
	free(seen.slots);
}

/* Which of a and b has the later dates: they differ in dates only, so the
 * first byte where they differ is a digit of a date. */
static const struct mnode *later(const struct mnode *a, const struct mnode *b)
{
	size_t i, n = a->len < b->len ? a->len : b->len;

	for (i = 0; i < n; i++)
		if (a->text[i] != b->text[i] && (long)i != a->box)
			return (unsigned char)a->text[i] >= (unsigned char)b->text[i] ? a : b;
	return a;
}

/* The text both sides' changes agree on, or NULL for a conflict. */
static const struct mnode *pick_text(const struct mnode *b, const struct mnode *o,
				     const struct mnode *t)
{
	if (o->hnorm == t->hnorm && o->len == t->len)
		return o;
	if (b && b->hnorm == o->hnorm && b->len == o->len)
		return t;
	if (b && b->hnorm == t->hnorm && b->len == t->len)
		return o;
	if (o->hdate == t->hdate)
		return later(o, t);
	if (b && b->hdate == o->hdate)
		return t;
	if (b && b->hdate == t->hdate)
		return o;
	return NULL;
}

/* Returns how many blank lines it wrote last. */
static unsigned merge_node(struct render *r, const struct mnode *b,
			   const struct mnode *o, const struct mnode *t)
{
	const struct mnode *p = pick_text(b, o, t);
	unsigned blank, tail;
	int checked;

	if (!p) {
		put_conflict(r, o, t);
		return 1;
	}
	checked = p->checked;
	if (p->box >= 0 && (o->checked == 1 || t->checked == 1))
		checked = 1;
	blank = merge_count(b ? b->blank : 0, o->blank, t->blank);
	put_text(r, p, checked);
	put_blanks(r, blank);
	merge_kids(r, b, o, t);
	tail = merge_count(b ? b->tail : 0, o->tail, t->tail);
	put_blanks(r, tail);
	return tail ? tail : o->nr || t->nr ? 0 : blank;
}

int merge_entries(struct strbuf *out, const char *base, size_t blen,
		  const char *ours, size_t olen, const char *theirs,
		  size_t tlen, const struct merge_opts *o)
{
	static const struct merge_opts def = MERGE_OPTS_INIT;
	struct merge_doc *db, *dO, *dT;
	struct render r;
	size_t start = out->len;
	int noeol;

	if (!o)
		o = &def;
	/* One side unchanged, or both the same: nothing to merge. */
	if ((blen == olen && !memcmp(base, ours, blen)) ||
	    (olen == tlen && !memcmp(ours, theirs, olen))) {
		strbuf_add(out, theirs, tlen);
		return 0;
	}
	if (blen == tlen && !memcmp(base, theirs, blen)) {
		strbuf_add(out, ours, olen);
		return 0;
	}
	db = merge_doc_parse(base, blen);
	dO = merge_doc_parse(ours, olen);
	dT = merge_doc_parse(theirs, tlen);
	r.out = out;
	r.o = o;
	r.nl = dO->crlf ? "\r\n" : "\n";
	r.conflicts = 0;
	r.pending = 0;
	/* Blank lines before the first entry belong to the root itself. */
	put_blanks(&r, merge_count(db->root->blank, dO->root->blank, dT->root->blank));
	merge_kids(&r, db->root, dO->root, dT->root);
	put_blanks(&r, merge_count(db->root->tail, dO->root->tail, dT->root->tail));
	noeol = dO->noeol != db->noeol ? dO->noeol : dT->noeol;
	if (noeol && out->len > start && out->buf[out->len - 1] == '\n')
		strbuf_setlen(out, out->len - 1);
	merge_doc_free(db);
	merge_doc_free(dO);
	merge_doc_free(dT);
	return r.conflicts;
}

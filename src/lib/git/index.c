/*
 * index.c - the index, tree entries and the staged files (index.h).
 *
 * Formats: git's Documentation/gitformat-index.txt (entries, the TREE
 * extension, version 4's prefix-compressed paths) and tree objects ("MODE
 * NAME\0" then the 20-byte id, sorted with folders compared as "NAME/").
 */
#include "lib/git/index.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "lib/git/history.h"
#include "lib/git/loose.h"
#include "lib/git/pack.h"
#include "lib/git/refs.h"
#include "lib/git/repo.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TREE_DEPTH_MAX 256
#define INDEX_MAX_BYTES ((size_t)1 << 31)
#define MODE_DIR 0040000u
#define MODE_GITLINK 0160000u

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int bad(const char *what)
{
	return error_set(BOSUN_EDATA, "not a git index: %s", what);
}

/* ---- the cache tree -------------------------------------------------------- */

static void tree_free(struct cache_tree *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nr_sub; i++)
		tree_free(t->sub[i]);
	free(t->sub);
	free(t->name);
	free(t);
}

/* A decimal number (a '-' allowed) ending at stop; NULL when not. */
static const unsigned char *dec(const unsigned char *p, const unsigned char *end,
				long *out, unsigned char stop)
{
	long v = 0;
	int neg = 0, n = 0;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	for (; p < end && *p >= '0' && *p <= '9' && n < 9; p++, n++)
		v = v * 10 + (*p - '0');
	if (!n || p >= end || *p != stop)
		return NULL;
	*out = neg ? -v : v;
	return p + 1;
}

static struct cache_tree *tree_read(const unsigned char **pp, const unsigned char *end,
				    int depth)
{
	const unsigned char *p = *pp, *nul;
	struct cache_tree *t;
	long count, subs, i;

	if (depth > TREE_DEPTH_MAX || !(nul = memchr(p, '\0', (size_t)(end - p))))
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->name = xstrndup((const char *)p, (size_t)(nul - p));
	p = nul + 1;
	if (!(p = dec(p, end, &count, ' ')) || !(p = dec(p, end, &subs, '\n')) ||
	    count < -1 || subs < 0 || subs > (long)(end - p))
		goto fail;
	t->entry_count = (int)count;
	if (count >= 0) {
		if (end - p < 20)
			goto fail;
		memcpy(t->oid, p, 20);
		p += 20;
	}
	t->sub = xcalloc((size_t)subs + 1, sizeof(*t->sub));
	for (i = 0; i < subs; i++) {
		if (!(t->sub[t->nr_sub] = tree_read(&p, end, depth + 1)))
			goto fail;
		t->nr_sub++;
	}
	*pp = p;
	return t;
fail:
	tree_free(t);
	return NULL;
}

/* ---- entries ------------------------------------------------------------------- */

void index_release(struct index_file *ix)
{
	size_t i;

	for (i = 0; i < ix->nr; i++)
		free(ix->e[i].path);
	free(ix->e);
	tree_free(ix->tree);
	memset(ix, 0, sizeof(*ix));
}

/* Version 4's variable-length number. */
static const unsigned char *varint(const unsigned char *p, const unsigned char *end,
				   size_t *out)
{
	size_t v;

	if (p >= end)
		return NULL;
	v = *p & 127;
	while (*p++ & 128) {
		if (p >= end || v > (SIZE_MAX >> 8))
			return NULL;
		v = ((v + 1) << 7) | (*p & 127);
	}
	*out = v;
	return p;
}

int index_parse(struct index_file *ix, const unsigned char *buf, size_t len)
{
	const unsigned char *p, *end;
	uint32_t version, count, i;
	size_t prev_len = 0;
	char *prev = NULL;

	memset(ix, 0, sizeof(*ix));
	if (len < 12 + 20 || memcmp(buf, "DIRC", 4))
		return bad("no DIRC header");
	version = be32(buf + 4);
	count = be32(buf + 8);
	if (version < 2 || version > 4)
		return bad("an unknown version");
	end = buf + len - 20;  /* the checksum */
	p = buf + 12;
	if (count > (size_t)(end - p) / 22)
		return bad("too many entries");
	for (i = 0; i < count; i++) {
		struct index_entry *e;
		const unsigned char *name;
		uint16_t flags, ext = 0;
		size_t fixed = 62, nlen;

		if (end - p < 62)
			goto trunc;
		flags = (uint16_t)(p[60] << 8 | p[61]);
		if (flags & 0x4000) {
			if (version < 3 || end - p < 64)
				goto trunc;
			ext = (uint16_t)(p[62] << 8 | p[63]);
			fixed = 64;
		}
		ALLOC_GROW(ix->e, ix->nr + 1, ix->alloc);
		e = &ix->e[ix->nr++];  /* owned from here: released on failure */
		memset(e, 0, sizeof(*e));
		e->mode = be32(p + 24);
		memcpy(e->oid, p + 40, 20);
		e->stage = (flags >> 12) & 3;
		e->ita = !!(ext & 0x2000);
		name = p + fixed;
		if (version < 4) {
			const unsigned char *nul = memchr(name, '\0', (size_t)(end - name));

			if (!nul)
				goto trunc;
			nlen = (size_t)(nul - name);
			e->path = xstrndup((const char *)name, nlen);
			/* 1 to 8 NULs pad the entry to a multiple of 8. */
			p += (fixed + nlen + 8) & ~(size_t)7;
			if (p > end)
				goto trunc;
		} else {
			size_t strip;
			const unsigned char *s = varint(name, end, &strip), *nul;

			if (!s || strip > prev_len || !(nul = memchr(s, '\0', (size_t)(end - s))))
				goto trunc;
			nlen = prev_len - strip + (size_t)(nul - s);
			e->path = xmalloc(nlen + 1);
			memcpy(e->path, prev ? prev : "", prev_len - strip);
			memcpy(e->path + prev_len - strip, s, (size_t)(nul - s));
			e->path[nlen] = '\0';
			p = nul + 1;
		}
		if (!nlen || strlen(e->path) != nlen)
			goto trunc;
		/* A folder entry: a sparse index. */
		if ((e->mode & 0170000u) == MODE_DIR)
			ix->unsupported = 1;
		prev = e->path;
		prev_len = nlen;
	}
	while (p < end) {
		uint32_t size;

		if (end - p < 8)
			goto trunc;
		size = be32(p + 4);
		if (size > (size_t)(end - p - 8))
			goto trunc;
		if (!memcmp(p, "TREE", 4)) {
			const unsigned char *t = p + 8;

			tree_free(ix->tree);
			ix->tree = size ? tree_read(&t, p + 8 + size, 0) : NULL;
			if (size && !ix->tree)
				goto trunc;
		} else if (!memcmp(p, "link", 4) || !memcmp(p, "sdir", 4) ||
			   p[0] < 'A' || p[0] > 'Z') {
			/* split or sparse, or a required extension we do not know */
			ix->unsupported = 1;
		}
		p += 8 + size;
	}
	return 0;
trunc:
	index_release(ix);
	return bad("cut short or damaged");
}

/* ---- tree objects --------------------------------------------------------------- */

int tree_next(const unsigned char **pp, const unsigned char *end, const char **name,
	      size_t *len, uint32_t *mode, const unsigned char **oid)
{
	const unsigned char *p = *pp, *nul;
	uint32_t m = 0;
	int digits = 0;

	if (p >= end)
		return 0;
	for (; p < end && *p >= '0' && *p <= '7' && digits < 7; p++, digits++)
		m = m * 8 + (uint32_t)(*p - '0');
	if (!digits || p >= end || *p++ != ' ' ||
	    !(nul = memchr(p, '\0', (size_t)(end - p))) || nul == p ||
	    end - nul - 1 < 20)
		return -1;
	*name = (const char *)p;
	*len = (size_t)(nul - p);
	*mode = m;
	*oid = nul + 1;
	*pp = nul + 21;
	return 1;
}

/* ---- the staged files ----------------------------------------------------------- */

struct staged_ctx {
	struct repo *repo;
	const struct index_file *ix;
	struct packs packs;
	struct strbuf objects;
	struct staged_list *out;
};

void staged_list_release(struct staged_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->items[i].path);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* Object oid of the given pack type: 0 read, 1 not here (or another
 * type): the caller asks git. */
static int read_object(struct staged_ctx *c, const unsigned char *oid, int want,
		       struct strbuf *out)
{
	static const char *const names[] = { "", "commit", "tree", "blob", "tag" };
	char hex[41], type[8];
	int t, r;

	oid_to_hex(oid, hex);
	strbuf_reset(out);
	r = loose_read(c->objects.buf, hex, type, out, 0);
	if (r == 0)
		return strcmp(type, names[want]) ? 1 : 0;
	error_clear();
	if (packs_read(&c->packs, oid, &t, out, 0, 0) == 1 && c->packs.last_complete)
		return t == want ? 0 : 1;
	return 1;
}

static void add_staged(struct staged_ctx *c, const struct index_entry *e)
{
	struct staged_file *f;

	ALLOC_GROW(c->out->items, c->out->nr + 1, c->out->alloc);
	f = &c->out->items[c->out->nr++];
	f->path = xstrdup(e->path);
	oid_to_hex(e->oid, f->hex);
	f->mode = e->mode;
}

/* Entries a commit would record (stage 0, not intent-to-add) and that
 * are files (a gitlink is another repository's commit). */
static int counts(const struct index_entry *e)
{
	return !e->stage && !e->ita && (e->mode & 0170000u) != MODE_GITLINK;
}

/* Tree entries are sorted by name, folders as if "NAME/". */
static int name_cmp(const char *a, size_t al, int a_dir, const char *b, size_t bl,
		    int b_dir)
{
	size_t n = al < bl ? al : bl;
	int c = memcmp(a, b, n);
	unsigned char ca, cb;

	if (c)
		return c;
	ca = n < al ? (unsigned char)a[n] : a_dir ? '/' : 0;
	cb = n < bl ? (unsigned char)b[n] : b_dir ? '/' : 0;
	return (int)ca - (int)cb;
}

struct tent {
	const char *name;
	size_t len;
	uint32_t mode;
	const unsigned char *oid;
};

static const struct tent *tree_find(const struct tent *v, size_t n, const char *name,
				    size_t len, int dir)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(v[mid].name, v[mid].len, (v[mid].mode & 0170000u) == MODE_DIR,
				 name, len, dir);

		if (!c)
			return &v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct cache_tree *sub_find(const struct cache_tree *ct, const char *name,
					 size_t len)
{
	size_t i;

	for (i = 0; ct && i < ct->nr_sub; i++)
		if (strlen(ct->sub[i]->name) == len && !memcmp(ct->sub[i]->name, name, len))
			return ct->sub[i];
	return NULL;
}

/*
 * The index entries [lo, hi), all below prefix (plen bytes, "" or ending
 * in "/"), against the tree tree_oid (NULL: HEAD has no such folder).
 * Returns 0, or 1 when an object cannot be read here.
 */
static int walk(struct staged_ctx *c, const unsigned char *tree_oid,
		const struct cache_tree *ct, size_t plen, size_t lo, size_t hi, int depth)
{
	const struct index_entry *e = c->ix->e;
	struct strbuf obj = STRBUF_INIT;
	struct tent *v = NULL;
	size_t nv = 0, alloc = 0, i;
	int r = 0;

	if (depth > TREE_DEPTH_MAX)
		return 1;
	/* A folder the index says is HEAD's tree as it was: nothing staged. */
	if (tree_oid && ct && ct->entry_count >= 0 && !memcmp(ct->oid, tree_oid, 20))
		return 0;
	if (tree_oid) {
		const unsigned char *p, *end;
		struct tent t;

		if (read_object(c, tree_oid, PACK_TREE, &obj)) {
			strbuf_release(&obj);
			return 1;
		}
		p = (const unsigned char *)obj.buf;
		end = p + obj.len;
		while ((r = tree_next(&p, end, &t.name, &t.len, &t.mode, &t.oid)) == 1) {
			ALLOC_GROW(v, nv + 1, alloc);
			v[nv++] = t;
		}
		if (r < 0) {
			r = 1;
			goto out;
		}
	}
	for (i = lo; i < hi && r == 0;) {
		const char *comp = e[i].path + plen;
		const char *slash = strchr(comp, '/');

		if (!slash) {
			const struct tent *t = tree_find(v, nv, comp, strlen(comp), 0);
			size_t j = i;
			int unmerged = 0;

			/* All stages of one path are together. */
			while (j < hi && !strcmp(e[j].path, e[i].path))
				unmerged |= e[j++].stage != 0;
			if (!unmerged && counts(&e[i]) &&
			    (!t || t->mode != e[i].mode || memcmp(t->oid, e[i].oid, 20)))
				add_staged(c, &e[i]);
			i = j;
		} else {
			size_t clen = (size_t)(slash - comp), j = i;
			const struct tent *t = tree_find(v, nv, comp, clen, 1);

			while (j < hi && !strncmp(e[j].path + plen, comp, clen + 1))
				j++;
			r = walk(c, t ? t->oid : NULL, sub_find(ct, comp, clen),
				 plen + clen + 1, i, j, depth + 1);
			i = j;
		}
	}
out:
	free(v);
	strbuf_release(&obj);
	return r;
}

int index_other_format(struct repo *repo)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	int r = 0;

	fs_path_join(&path, repo->common_dir, "config");
	if (fs_read_file(&sb, path.buf, 1 << 20) == 0) {
		const char *p = sb.buf;

		/* "objectformat = sha256", on its line. */
		while (!r && (p = strcasestr(p, "objectformat"))) {
			size_t n = strcspn(p, "\n");
			char *line = xstrndup(p, n);

			r = strcasestr(line, "sha256") != NULL;
			free(line);
			p += n;
		}
	}
	error_clear();
	strbuf_release(&path);
	strbuf_release(&sb);
	return r;
}

int index_staged(struct repo *repo, struct staged_list *out)
{
	struct staged_ctx c = { repo, NULL, PACKS_INIT, STRBUF_INIT, out };
	struct index_file ix = INDEX_FILE_INIT;
	struct strbuf path = STRBUF_INIT, buf = STRBUF_INIT;
	const char *env = getenv("GIT_INDEX_FILE");
	unsigned char head[20], tree[20];
	size_t i;
	int r;

	memset(out, 0, sizeof(*out));
	if (index_other_format(repo))
		return 1;
	if (env && *env)
		strbuf_addstr(&path, env);  /* relative: to the hook's folder, as git's */
	else
		fs_path_join(&path, repo->gitdir, "index");
	r = fs_read_file(&buf, path.buf, INDEX_MAX_BYTES);
	strbuf_release(&path);
	if (r == -BOSUN_ENOTFOUND) {
		/* No index yet: nothing staged. */
		error_clear();
		strbuf_release(&buf);
		return 0;
	}
	if (r < 0 || index_parse(&ix, (const unsigned char *)buf.buf, buf.len) < 0 ||
	    ix.unsupported) {
		error_clear();
		index_release(&ix);
		strbuf_release(&buf);
		return 1;
	}
	strbuf_release(&buf);
	c.ix = &ix;
	fs_path_join(&c.objects, repo->common_dir, "objects");
	r = refs_resolve(repo, "HEAD", head);
	if (r == -BOSUN_ENOTFOUND) {
		/* Unborn: every entry is new. */
		error_clear();
		for (i = 0; i < ix.nr; i++)
			if (counts(&ix.e[i]) && (i + 1 == ix.nr || strcmp(ix.e[i + 1].path, ix.e[i].path)) &&
			    (!i || strcmp(ix.e[i - 1].path, ix.e[i].path)))
				add_staged(&c, &ix.e[i]);
		r = 0;
		goto out;
	}
	if (r < 0) {
		error_clear();
		r = 1;
		goto out;
	}
	packs_open(&c.packs, repo->common_dir);
	if (read_object(&c, head, PACK_COMMIT, &buf) || buf.len < 46 ||
	    strncmp(buf.buf, "tree ", 5) || oid_parse_hex(buf.buf + 5, 40, tree) < 0) {
		r = 1;
		goto out;
	}
	r = walk(&c, tree, ix.tree, 0, 0, ix.nr, 0);
out:
	if (r)
		staged_list_release(out);
	packs_close(&c.packs);
	index_release(&ix);
	strbuf_release(&buf);
	strbuf_release(&c.objects);
	return r;
}

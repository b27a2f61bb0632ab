#include "lib/git/history.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/utf8.h"
#include "lib/git/git2.h"
#include "lib/git/refs.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t oid_hash(const unsigned char *oid)
{
	uint32_t v;

	memcpy(&v, oid, sizeof(v));
	return v;
}

static void table_insert(struct history *h, uint32_t idx)
{
	size_t mask = h->table_size - 1;
	size_t i = oid_hash(h->commits[idx].oid) & mask;

	while (h->table[i])
		i = (i + 1) & mask;
	h->table[i] = idx + 1;
}

static void table_grow(struct history *h)
{
	size_t i;

	free(h->table);
	h->table_size = h->table_size ? h->table_size * 2 : 4096;
	h->table = xcalloc(h->table_size, sizeof(*h->table));
	for (i = 0; i < h->nr; i++)
		table_insert(h, (uint32_t)i);
}

int64_t history_find(const struct history *h, const unsigned char *oid)
{
	size_t mask, i;

	if (!h->table_size)
		return -1;
	mask = h->table_size - 1;
	for (i = oid_hash(oid) & mask; h->table[i]; i = (i + 1) & mask) {
		uint32_t idx = h->table[i] - 1;

		if (!memcmp(h->commits[idx].oid, oid, HISTORY_OIDSZ))
			return idx;
	}
	return -1;
}

/* The node for oid, created unloaded when new. */
static uint32_t intern(struct history *h, const unsigned char *oid)
{
	int64_t found = history_find(h, oid);
	struct hcommit *c;

	if (found >= 0)
		return (uint32_t)found;
	if ((h->nr + 1) * 2 > h->table_size)
		table_grow(h);
	ALLOC_GROW(h->commits, h->nr + 1, h->alloc);
	c = &h->commits[h->nr];
	memset(c, 0, sizeof(*c));
	memcpy(c->oid, oid, HISTORY_OIDSZ);
	c->label = -1;
	table_insert(h, (uint32_t)h->nr);
	return (uint32_t)h->nr++;
}

static int oid_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HISTORY_OIDSZ);
}

static void read_shallow(struct history *h)
{
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	const char *p;
	size_t alloc = 0;

	fs_path_join(&path, h->repo->common_dir, "shallow");
	if (fs_read_file(&sb, path.buf, 0) < 0) {
		error_clear();
		goto out;
	}
	for (p = sb.buf; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		ALLOC_GROW(h->shallow, (h->nr_shallow + 1) * HISTORY_OIDSZ, alloc);
		if (!oid_parse_hex(p, len, h->shallow + h->nr_shallow * HISTORY_OIDSZ))
			h->nr_shallow++;
		p += len + (nl ? 1 : 0);
	}
	if (h->nr_shallow > 1)
		qsort(h->shallow, h->nr_shallow, HISTORY_OIDSZ, oid_cmp);
out:
	strbuf_release(&sb);
	strbuf_release(&path);
}

/* libgit2's object database, opened on first need: objects that are not
 * whole in a pack (loose, deltified) and revisions we do not parse. */
static int open_odb(struct history *h)
{
	git_repository *g;
	git_odb *odb;
	int r;

	if (h->odb)
		return 0;
	if ((r = repo_git(h->repo, &g)) < 0)
		return r;
	if (git_repository_odb(&odb, g) < 0)
		return git2_error(BOSUN_EIO, "cannot open the object database");
	h->odb = odb;
	return 0;
}

int history_open(struct history *h, struct repo *repo)
{
	memset(h, 0, sizeof(*h));
	strbuf_init(&h->arena, 0);
	h->repo = repo;
	strbuf_init(&h->buf, 0);
	packs_open(&h->packs, repo->common_dir);
	if (repo->shallow)
		read_shallow(h);
	return 0;
}

static void cache_save(struct history *h);

void history_release(struct history *h)
{
	if (h->repo)
		cache_save(h);
	if (h->odb)
		git_odb_free(h->odb);
	free(h->commits);
	free(h->parent_idx);
	free(h->table);
	free(h->shallow);
	packs_close(&h->packs);
	strbuf_release(&h->buf);
	strbuf_release(&h->arena);
	memset(h, 0, sizeof(*h));
}

static int is_shallow(const struct history *h, const unsigned char *oid)
{
	return h->nr_shallow &&
	       bsearch(oid, h->shallow, h->nr_shallow, HISTORY_OIDSZ, oid_cmp);
}

static int read_object(struct history *h, const unsigned char *oid,
		       git_odb_object **out, git_object_t want)
{
	git_oid id;
	char hex[41];
	int r0;

	if ((r0 = open_odb(h)) < 0)
		return r0;
	memcpy(id.id, oid, HISTORY_OIDSZ);
	if (git_odb_read(out, h->odb, &id) < 0) {
		int r;

		oid_to_hex(oid, hex);
		r = error_set(BOSUN_ENOTFOUND, "cannot read object %s", hex);
		if (h->repo->shallow)
			error_hint("this is a shallow clone; run 'git fetch --unshallow --tags'");
		return r;
	}
	if (want != GIT_OBJECT_ANY && git_odb_object_type(*out) != want) {
		git_odb_object_free(*out);
		oid_to_hex(oid, hex);
		return error_set(BOSUN_EDATA, "object %s is not a %s", hex,
				 want == GIT_OBJECT_COMMIT ? "commit" : "tag");
	}
	return 0;
}

static int64_t parse_time(const char *line, size_t len)
{
	/* "committer Name <mail> 1700000000 +0100": the number after '>'. */
	const char *gt = memrchr(line, '>', len);
	int64_t t = 0;

	if (!gt)
		return 0;
	for (gt++; gt < line + len && *gt == ' '; gt++)
		;
	for (; gt < line + len && *gt >= '0' && *gt <= '9'; gt++) {
		if (t > (INT64_MAX - 9) / 10)
			return INT64_MAX; /* a date past any real one */
		t = t * 10 + (*gt - '0');
	}
	return t;
}

/* The value of the commit's "encoding" header (git's i18n.commitEncoding)
 * into enc, or 0 when it has none. */
static int header_encoding(const char *hdr, size_t len, char *enc, size_t size)
{
	const char *p = hdr, *end = hdr + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n > 9 && n - 9 < size && !memcmp(p, "encoding ", 9)) {
			memcpy(enc, p + 9, n - 9);
			enc[n - 9] = '\0';
			return 1;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/*
 * Keep the message as UTF-8, whatever the commit holds: re-encoded from its
 * encoding header, and any byte that is still not UTF-8 replaced by U+FFFD,
 * so that JSON output and CHANGELOG.md are always text. hdr is the commit's
 * header lines.
 */
static void store_message(struct history *h, uint32_t idx, const char *hdr,
			  size_t hdr_len, const char *p, size_t len)
{
	char enc[64];

	h->commits[idx].msg_off = (uint32_t)h->arena.len;
	h->commits[idx].msg_loaded = 1;
	if (utf8_valid(p, len) && !header_encoding(hdr, hdr_len, enc, sizeof(enc)))
		strbuf_add(&h->arena, p, len);
	else
		utf8_append(&h->arena, p, len,
			    header_encoding(hdr, hdr_len, enc, sizeof(enc)) ? enc : NULL);
	h->commits[idx].msg_len = (uint32_t)(h->arena.len - h->commits[idx].msg_off);
}

/* Parse a raw commit: parents, committer time, and the message when the
 * whole object is there (complete). */
static int parse_commit(struct history *h, uint32_t idx, const char *d, size_t n,
			int complete)
{
	const char *p = d, *end = d + n;
	uint32_t first = (uint32_t)h->nr_parent_idx, np = 0;
	int64_t t = 0;

	while (p < end && *p != '\n') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (len > 7 && !memcmp(p, "parent ", 7)) {
			unsigned char oid[HISTORY_OIDSZ];

			if (oid_parse_hex(p + 7, len - 7, oid) < 0)
				return error_set(BOSUN_EDATA, "malformed commit object");
			ALLOC_GROW(h->parent_idx, h->nr_parent_idx + 1,
				   h->alloc_parent_idx);
			/* intern() may move h->commits; store indices only. */
			h->parent_idx[h->nr_parent_idx++] = intern(h, oid);
			np++;
		} else if (len > 10 && !memcmp(p, "committer ", 10)) {
			t = parse_time(p, len);
		}
		p = nl ? nl + 1 : end;
	}
	if (p < end)
		p++; /* the blank line */
	h->commits[idx].parents = first;
	h->commits[idx].nr_parents = np;
	h->commits[idx].time = t;
	h->commits[idx].loaded = 1;
	if (complete)
		store_message(h, idx, d, (size_t)(p - d), p, (size_t)(end - p));
	return 0;
}

/* The whole object, or (headers) at least its headers, into h->buf; 1 when
 * the bytes are the whole object. */
static int read_raw(struct history *h, const unsigned char *oid, int headers,
		    int *complete)
{
	git_odb_object *obj;
	int type, r;

	r = packs_read(&h->packs, oid, &type, &h->buf, 0, headers);
	if (r == 1 && type == GIT_OBJECT_COMMIT) {
		*complete = h->packs.last_complete;
		return 0;
	}
	if ((r = read_object(h, oid, &obj, GIT_OBJECT_COMMIT)) < 0)
		return r;
	strbuf_reset(&h->buf);
	strbuf_add(&h->buf, git_odb_object_data(obj), git_odb_object_size(obj));
	git_odb_object_free(obj);
	*complete = 1;
	return 0;
}

static int load_one(struct history *h, uint32_t idx)
{
	int r, complete;

	if (is_shallow(h, h->commits[idx].oid)) {
		h->commits[idx].is_boundary = 1;
		h->hit_boundary = 1;
	}
	if ((r = read_raw(h, h->commits[idx].oid, !h->want_messages, &complete)) < 0)
		return r;
	h->nr_read++;
	r = parse_commit(h, idx, h->buf.buf, h->buf.len, complete);
	if (r == 0 && h->commits[idx].is_boundary)
		h->commits[idx].nr_parents = 0;
	return r;
}

/*
 * The commit cache: "BOSUNCC1", a record count (uint32, native order), then
 * per commit: the id (20 bytes), the committer time (int64), the number of
 * parents (uint32) and their ids. A file that does not parse is ignored.
 */
static const char cache_magic[8] = { 'B', 'O', 'S', 'U', 'N', 'C', 'C', '1' };

static int cache_path(struct history *h, struct strbuf *sb)
{
	const char *off = getenv("BOSUN_NO_CACHE");

	if (off && *off && strcmp(off, "0"))
		return -1;
	fs_path_join(sb, h->repo->common_dir, "bosun/commits.cache");
	return 0;
}

/*
 * A cached commit counts as loaded only when its parents are loaded too,
 * which load_closure() relies on: one whose parent is not in the file (a
 * shallow boundary, never saved; a file cut short) is read again, and so are
 * its descendants. Parents are interned after their children, so one pass
 * from the end settles nearly everything; repeat until nothing changes.
 */
static void cache_check_closure(struct history *h)
{
	int changed = 1;
	size_t i;
	uint32_t k;

	while (changed) {
		changed = 0;
		for (i = h->nr; i-- > 0;) {
			struct hcommit *c = &h->commits[i];

			if (!c->loaded)
				continue;
			for (k = 0; k < c->nr_parents; k++)
				if (!h->commits[h->parent_idx[c->parents + k]].loaded)
					break;
			if (k < c->nr_parents) {
				c->loaded = 0;
				changed = 1;
			}
		}
	}
}

/*
 * A cache file is data we did not just read from git: one that makes a
 * commit its own ancestor would send walks in circles. Depth-first search
 * with three colours (0 new, 1 on the path, 2 done) over the loaded commits.
 */
static int cache_has_cycle(struct history *h)
{
	unsigned char *colour = xcalloc(h->nr ? h->nr : 1, 1);
	uint32_t *stack = NULL, *next = NULL;
	size_t nr = 0, alloc = 0, i;
	int cycle = 0;

	next = xcalloc(h->nr ? h->nr : 1, sizeof(*next));
	for (i = 0; i < h->nr && !cycle; i++) {
		if (colour[i] || !h->commits[i].loaded)
			continue;
		ALLOC_GROW(stack, nr + 1, alloc);
		stack[nr++] = (uint32_t)i;
		colour[i] = 1;
		while (nr && !cycle) {
			uint32_t c = stack[nr - 1];
			const struct hcommit *hc = &h->commits[c];

			if (!hc->loaded || next[c] >= hc->nr_parents) {
				colour[c] = 2;
				nr--;
				continue;
			}
			c = h->parent_idx[hc->parents + next[stack[nr - 1]]++];
			if (colour[c] == 1)
				cycle = 1;
			else if (!colour[c]) {
				colour[c] = 1;
				ALLOC_GROW(stack, nr + 1, alloc);
				stack[nr++] = c;
			}
		}
	}
	free(colour);
	free(next);
	free(stack);
	return cycle;
}

/*
 * What a run killed while saving the cache left: its lock (taken over and
 * dropped, which says so, when its owner is dead; kept while it runs) and a
 * lone owner name (killed before the lock was linked). A run that has
 * nothing new to save would otherwise leave them for good.
 */
static void cache_clean_dead(const char *path)
{
	struct strbuf lock = STRBUF_INIT;
	struct lockfile lk = LOCKFILE_INIT;

	/* Never disturb an error on its way to the user. */
	if (error_kind())
		return;
	strbuf_addf(&lock, "%s.lock", path);
	if (access(lock.buf, F_OK) == 0 && lock_acquire(&lk, path, 0) == 0)
		lock_rollback(&lk);
	lock_sweep_dead_owners(path);
	error_clear();
	strbuf_release(&lock);
}

static void cache_load(struct history *h)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	const unsigned char *p, *end;
	uint32_t n, i, k;

	h->cache_loaded = 1;
	if (cache_path(h, &path) < 0)
		goto out;
	cache_clean_dead(path.buf);
	if (fs_read_file(&sb, path.buf, 1u << 30) < 0 ||
	    sb.len < 12 || memcmp(sb.buf, cache_magic, 8))
		goto out;
	memcpy(&n, sb.buf + 8, 4);
	p = (const unsigned char *)sb.buf + 12;
	end = (const unsigned char *)sb.buf + sb.len;
	for (i = 0; i < n; i++) {
		uint32_t idx, np, first;
		int64_t t;

		if (end - p < 32)
			break;
		memcpy(&t, p + 20, 8);
		memcpy(&np, p + 28, 4);
		if ((size_t)(end - p - 32) < (size_t)np * HISTORY_OIDSZ)
			break;
		idx = intern(h, p);
		if (h->commits[idx].loaded || is_shallow(h, p)) {
			p += 32 + (size_t)np * HISTORY_OIDSZ;
			continue;
		}
		first = (uint32_t)h->nr_parent_idx;
		for (k = 0; k < np; k++) {
			uint32_t par = intern(h, p + 32 + (size_t)k * HISTORY_OIDSZ);

			ALLOC_GROW(h->parent_idx, h->nr_parent_idx + 1, h->alloc_parent_idx);
			h->parent_idx[h->nr_parent_idx++] = par;
		}
		h->commits[idx].parents = first;
		h->commits[idx].nr_parents = np;
		h->commits[idx].time = t;
		h->commits[idx].loaded = 1;
		p += 32 + (size_t)np * HISTORY_OIDSZ;
	}
	if (cache_has_cycle(h)) {
		/* Not a history: forget the whole file, read objects instead. */
		size_t c;

		for (c = 0; c < h->nr; c++)
			h->commits[c].loaded = 0;
		goto out;
	}
	cache_check_closure(h);
out:
	error_clear();
	strbuf_release(&path);
	strbuf_release(&sb);
}

/* Write every loaded commit; best effort (a read-only repository, a held
 * lock: the cache simply stays as it was). */
static void cache_save(struct history *h)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	uint32_t n = 0;
	size_t i, k;
	char *dir = NULL;

	/* Never disturb an error on its way to the user: no write then. */
	if (error_kind() || !h->nr_read)
		return;
	if (cache_path(h, &path) < 0 ||
	    repo_state_dir(h->repo, &dir, 1) < 0)
		goto out;
	strbuf_add(&sb, cache_magic, 8);
	strbuf_add(&sb, &n, 4);
	for (i = 0; i < h->nr; i++) {
		const struct hcommit *c = &h->commits[i];

		if (!c->loaded || c->is_boundary)
			continue;
		strbuf_add(&sb, c->oid, HISTORY_OIDSZ);
		strbuf_add(&sb, &c->time, 8);
		strbuf_add(&sb, &c->nr_parents, 4);
		for (k = 0; k < c->nr_parents; k++)
			strbuf_add(&sb, h->commits[h->parent_idx[c->parents + k]].oid,
				   HISTORY_OIDSZ);
		n++;
	}
	memcpy(sb.buf + 8, &n, 4);
	write_file_atomic(path.buf, sb.buf, sb.len, 0666);
out:
	error_clear();
	free(dir);
	strbuf_release(&path);
	strbuf_release(&sb);
}

/*
 * Load tip and every ancestor not loaded yet. A loaded commit's ancestors
 * are loaded too, so the walk stops there and collecting a thousand tags
 * costs no extra walks. cache_load() keeps that true for the cache, and a
 * walk that fails takes back what it loaded, so that a later walk through
 * those commits does not stop short of the missing one.
 */
static int load_closure(struct history *h, uint32_t tip)
{
	uint32_t *stack = NULL, *done = NULL;
	size_t nr = 0, alloc = 0, nr_done = 0, alloc_done = 0, i;
	int r = 0;

	ALLOC_GROW(stack, nr + 1, alloc);
	stack[nr++] = tip;
	while (nr) {
		uint32_t idx = stack[--nr], k, np, first;

		if (h->commits[idx].loaded)
			continue;
		if ((r = load_one(h, idx)) < 0)
			break;
		ALLOC_GROW(done, nr_done + 1, alloc_done);
		done[nr_done++] = idx;
		np = h->commits[idx].nr_parents;
		first = h->commits[idx].parents;
		for (k = 0; k < np; k++) {
			uint32_t p = h->parent_idx[first + k];

			if (h->commits[p].loaded)
				continue;
			ALLOC_GROW(stack, nr + 1, alloc);
			stack[nr++] = p;
		}
	}
	for (i = 0; r < 0 && i < nr_done; i++)
		h->commits[done[i]].loaded = 0;
	free(done);
	free(stack);
	return r;
}

int history_load_oid(struct history *h, const unsigned char *oid, uint32_t *out)
{
	uint32_t idx;
	int r;

	if (!h->cache_loaded && !h->want_messages)
		cache_load(h);
	idx = intern(h, oid);
	r = load_closure(h, idx);

	if (r < 0)
		return r;
	*out = idx;
	return 0;
}

int history_peel(struct history *h, const unsigned char *oid,
		 unsigned char *commit_out)
{
	unsigned char cur[HISTORY_OIDSZ];
	int depth;

	memcpy(cur, oid, HISTORY_OIDSZ);
	for (depth = 0; depth < 16; depth++) {
		git_odb_object *obj;
		const char *d;
		size_t n;
		int r, type;

		if (history_find(h, cur) >= 0) {
			memcpy(commit_out, cur, HISTORY_OIDSZ);
			return 0;
		}
		if (packs_read(&h->packs, cur, &type, &h->buf, 64, 0) == 1) {
			if (type == GIT_OBJECT_COMMIT) {
				memcpy(commit_out, cur, HISTORY_OIDSZ);
				return 0;
			}
			if (type == GIT_OBJECT_TAG && h->buf.len > 47 &&
			    !memcmp(h->buf.buf, "object ", 7) &&
			    oid_parse_hex(h->buf.buf + 7, 40, cur) == 0)
				continue;
			return error_set(BOSUN_ENOTFOUND, "not a commit");
		}
		if ((r = read_object(h, cur, &obj, GIT_OBJECT_ANY)) < 0)
			return r;
		if (git_odb_object_type(obj) == GIT_OBJECT_COMMIT) {
			git_odb_object_free(obj);
			memcpy(commit_out, cur, HISTORY_OIDSZ);
			return 0;
		}
		d = git_odb_object_data(obj);
		n = git_odb_object_size(obj);
		r = git_odb_object_type(obj) == GIT_OBJECT_TAG && n > 7 &&
		    !memcmp(d, "object ", 7) ?
			oid_parse_hex(d + 7, n - 7, cur) : -1;
		git_odb_object_free(obj);
		if (r < 0)
			return error_set(BOSUN_ENOTFOUND, "not a commit");
	}
	return error_set(BOSUN_EDATA, "tag chain too long");
}

/* HEAD, a full ref, a tag, a branch or a full hex id, without libgit2. */
static int resolve_simple(struct history *h, const char *rev, unsigned char *oid)
{
	static const char *const forms[] = { "", "refs/tags/", "refs/heads/",
					     "refs/remotes/", NULL };
	struct strbuf name = STRBUF_INIT;
	const char *const *f;
	int r = -BOSUN_ENOTFOUND;

	if (strlen(rev) == 40 && oid_parse_hex(rev, 40, oid) == 0)
		return 0;
	if (strpbrk(rev, "~^@:{} "))
		return -BOSUN_ENOTFOUND;
	for (f = forms; *f && r == -BOSUN_ENOTFOUND; f++) {
		if (f == forms && strcmp(rev, "HEAD") && strncmp(rev, "refs/", 5))
			continue;
		strbuf_reset(&name);
		strbuf_addstr(&name, *f);
		strbuf_addstr(&name, rev);
		r = refs_resolve(h->repo, name.buf, oid);
	}
	strbuf_release(&name);
	error_clear();
	return r;
}

int history_resolve(struct history *h, const char *rev, uint32_t *out)
{
	git_object *obj = NULL, *peeled = NULL;
	git_repository *g;
	unsigned char oid[HISTORY_OIDSZ], commit[HISTORY_OIDSZ];
	int r;

	if (resolve_simple(h, rev, oid) == 0 && history_peel(h, oid, commit) == 0)
		return history_load_oid(h, commit, out);
	error_clear();
	if ((r = repo_git(h->repo, &g)) < 0)
		return r;
	if (git_revparse_single(&obj, g, rev) < 0) {
		if (!strcmp(rev, "HEAD"))
			return error_set(BOSUN_ENOTFOUND,
					 "the repository has no commits yet");
		return git2_error(BOSUN_ENOTFOUND, "unknown revision");
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		git_object_free(obj);
		return error_set(BOSUN_ENOTFOUND, "'%s' is not a commit", rev);
	}
	memcpy(oid, git_object_id(peeled)->id, HISTORY_OIDSZ);
	git_object_free(peeled);
	git_object_free(obj);
	return history_load_oid(h, oid, out);
}

const char *history_message(struct history *h, uint32_t idx, size_t *len)
{
	struct hcommit *c = &h->commits[idx];
	int complete;

	if (!c->msg_loaded) {
		const char *p;

		/* Read errors here leave an empty message: the commit was read
		 * once already, so the object exists. */
		if (read_raw(h, c->oid, 0, &complete) < 0) {
			error_clear();
			strbuf_reset(&h->buf);
		}
		p = memmem(h->buf.buf, h->buf.len, "\n\n", 2);
		p = p ? p + 2 : h->buf.buf + h->buf.len;
		store_message(h, idx, h->buf.buf, (size_t)(p - h->buf.buf), p,
			      (size_t)(h->buf.buf + h->buf.len - p));
	}
	*len = c->msg_len;
	return h->arena.buf + c->msg_off;
}

char *history_message_rest(struct history *h, uint32_t idx)
{
	size_t len;
	const char *msg = history_message(h, idx, &len);
	const char *nl = memchr(msg, '\n', len);

	if (!nl || nl + 1 >= msg + len)
		return NULL;
	return xstrndup(nl + 1, (size_t)(msg + len - nl - 1));
}

uint32_t history_mark_new(struct history *h)
{
	return ++h->mark_gen;
}

size_t history_mark_ancestors(struct history *h, uint32_t idx)
{
	uint32_t *stack = NULL;
	size_t nr = 0, alloc = 0, count = 0;
	uint32_t gen = h->mark_gen;

	ALLOC_GROW(stack, 1, alloc);
	stack[nr++] = idx;
	while (nr) {
		uint32_t i = stack[--nr], k;
		const uint32_t *par;

		if (h->commits[i].mark == gen)
			continue;
		h->commits[i].mark = gen;
		count++;
		par = history_parents(h, i);
		for (k = 0; k < h->commits[i].nr_parents; k++) {
			if (h->commits[par[k]].mark == gen)
				continue;
			ALLOC_GROW(stack, nr + 1, alloc);
			stack[nr++] = par[k];
		}
	}
	free(stack);
	return count;
}

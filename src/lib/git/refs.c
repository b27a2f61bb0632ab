#include "lib/git/refs.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "lib/git/oid.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int unsupported(const char *what)
{
	return error_set(BOSUN_EUNAVAILABLE, "refs: %s", what);
}

/* Refs that live in the worktree's own git directory. */
static int per_worktree(const char *name)
{
	return !strchr(name, '/') || !strncmp(name, "refs/bisect/", 12) ||
	       !strncmp(name, "refs/worktree/", 14) || !strncmp(name, "refs/rewritten/", 15);
}

/* Look name up in packed-refs. */
static int packed_lookup(struct repo *repo, const char *name, unsigned char *oid)
{
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	size_t nl = strlen(name);
	const char *p;
	int r = -BOSUN_ENOTFOUND;

	fs_path_join(&path, repo->common_dir, "packed-refs");
	if (fs_read_file(&sb, path.buf, 0) < 0) {
		error_clear();
		goto out;
	}
	for (p = sb.buf; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == 41 + nl && p[40] == ' ' && !memcmp(p + 41, name, nl) &&
		    oid_parse_hex(p, 40, oid) == 0) {
			r = 0;
			break;
		}
		p += len + (e ? 1 : 0);
	}
out:
	strbuf_release(&sb);
	strbuf_release(&path);
	return r;
}

int refs_resolve(struct repo *repo, const char *name, unsigned char *oid)
{
	struct strbuf ref = STRBUF_INIT, path = STRBUF_INIT, sb = STRBUF_INIT;
	int depth, r = -BOSUN_ENOTFOUND;

	strbuf_addstr(&ref, name);
	for (depth = 0; depth < 8; depth++) {
		strbuf_reset(&path);
		strbuf_reset(&sb);
		fs_path_join(&path, per_worktree(ref.buf) ? repo->gitdir : repo->common_dir,
			     ref.buf);
		if (fs_read_file(&sb, path.buf, 4096) < 0) {
			error_clear();
			r = packed_lookup(repo, ref.buf, oid);
			break;
		}
		strbuf_trim(&sb);
		if (!strncmp(sb.buf, "ref: ", 5)) {
			strbuf_reset(&ref);
			strbuf_addstr(&ref, sb.buf + 5);
			continue;
		}
		if (sb.len != 40 || oid_parse_hex(sb.buf, 40, oid) < 0) {
			r = unsupported("a ref that is not a SHA-1 id");
			break;
		}
		r = 0;
		break;
	}
	if (r == -BOSUN_ENOTFOUND)
		r = error_set(BOSUN_ENOTFOUND, "no ref '%s'", name);
	strbuf_release(&ref);
	strbuf_release(&path);
	strbuf_release(&sb);
	return r;
}

int refs_symref(struct repo *repo, const char *name, struct strbuf *target)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	int r;

	strbuf_reset(target);
	if (refs_other_format(repo))
		return unsupported("the refs are in another format (reftable)");
	fs_path_join(&path, per_worktree(name) ? repo->gitdir : repo->common_dir, name);
	if ((r = fs_read_file(&sb, path.buf, 4096)) < 0)
		goto out;
	strbuf_trim(&sb);
	if (!strncmp(sb.buf, "ref: ", 5) && sb.len > 5) {
		strbuf_addstr(target, sb.buf + 5);
		r = 1;
	} else {
		r = 0;
	}
out:
	strbuf_release(&path);
	strbuf_release(&sb);
	return r;
}

int refs_other_format(struct repo *repo)
{
	struct strbuf path = STRBUF_INIT;
	int r;

	fs_path_join(&path, repo->common_dir, "reftable");
	r = fs_exists(path.buf);
	strbuf_release(&path);
	return r;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct ref_item *)a)->name,
		      ((const struct ref_item *)b)->name);
}

static struct ref_item *add(struct ref_list *l, const char *name, size_t len)
{
	struct ref_item *it;

	ALLOC_GROW(l->items, l->nr + 1, l->alloc);
	it = &l->items[l->nr++];
	memset(it, 0, sizeof(*it));
	it->name = xstrndup(name, len);
	return it;
}

static void read_packed(struct repo *repo, const char *prefix, struct ref_list *l)
{
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	size_t pl = strlen(prefix);
	struct ref_item *last = NULL;
	const char *p;

	fs_path_join(&path, repo->common_dir, "packed-refs");
	if (fs_read_file(&sb, path.buf, 0) < 0)
		error_clear();
	for (p = sb.buf; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == 41 && p[0] == '^' && last) {
			last->has_peeled = !oid_parse_hex(p + 1, 40, last->peeled);
		} else if (len > 41 && p[40] == ' ' && !strncmp(p + 41, prefix, pl)) {
			last = add(l, p + 41, len - 41);
			if (oid_parse_hex(p, 40, last->oid) < 0) {
				free(last->name);
				l->nr--;
				last = NULL;
			}
		} else {
			last = NULL;
		}
		p += len + (e ? 1 : 0);
	}
	strbuf_release(&sb);
	strbuf_release(&path);
}

/* A loose ref file: "<40 hex>\n" (symbolic refs under refs/tags are not
 * tags). One open and one read: a replayed repository has a file per tag. */
static int read_ref_file(const char *path, unsigned char *oid)
{
	char buf[128];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 40 || (n > 40 && buf[40] != '\n' && buf[40] != '\r'))
		return -1;
	return oid_parse_hex(buf, 40, oid);
}

static void read_loose(const char *dir, const char *name, struct ref_list *l)
{
	struct strbuf path = STRBUF_INIT, sub = STRBUF_INIT;
	struct dirent *de;
	DIR *d;

	fs_path_join(&path, dir, name);
	d = opendir(path.buf);
	while (d && (de = readdir(d))) {
		unsigned char type = de->d_type;

		if (de->d_name[0] == '.')
			continue;
		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s/%s", path.buf, de->d_name);
		if (type == DT_UNKNOWN) {
			struct stat st;

			if (lstat(sub.buf, &st) < 0)
				continue;
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : 0;
		}
		if (type == DT_DIR) {
			strbuf_reset(&sub);
			strbuf_addf(&sub, "%s%s/", name, de->d_name);
			read_loose(dir, sub.buf, l);
		} else if (type == DT_REG) {
			unsigned char oid[20];
			struct ref_item *it;

			if (read_ref_file(sub.buf, oid) < 0)
				continue;
			strbuf_reset(&sub);
			strbuf_addf(&sub, "%s%s", name, de->d_name);
			it = add(l, sub.buf, sub.len);
			memcpy(it->oid, oid, 20);
		}
	}
	if (d)
		closedir(d);
	strbuf_release(&path);
	strbuf_release(&sub);
}

/* Sorted by name; for a name both loose and packed, the loose one (listed
 * second by the stable merge below) wins. */
static void dedupe(struct ref_list *l, size_t nr_packed)
{
	size_t i, out = 0;

	if (!l->nr)
		return;
	qsort(l->items, nr_packed, sizeof(*l->items), cmp_name);
	qsort(l->items + nr_packed, l->nr - nr_packed, sizeof(*l->items), cmp_name);
	for (i = nr_packed; i < l->nr; i++) {
		struct ref_item key = l->items[i];
		struct ref_item *hit = bsearch(&key, l->items, nr_packed,
					       sizeof(*l->items), cmp_name);

		if (hit) {
			free(hit->name);
			*hit = l->items[i];
			l->items[i].name = NULL;
		}
	}
	for (i = 0; i < l->nr; i++)
		if (l->items[i].name)
			l->items[out++] = l->items[i];
	l->nr = out;
}

int refs_list(struct repo *repo, const char *prefix, struct ref_list *out)
{
	struct strbuf dir = STRBUF_INIT;
	size_t nr_packed;

	fs_path_join(&dir, repo->common_dir, "reftable");
	if (fs_is_dir(dir.buf)) {
		strbuf_release(&dir);
		return unsupported("reftable repositories");
	}
	strbuf_release(&dir);
	read_packed(repo, prefix, out);
	nr_packed = out->nr;
	read_loose(repo->common_dir, prefix, out);
	dedupe(out, nr_packed);
	return 0;
}

void ref_list_release(struct ref_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->items[i].name);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

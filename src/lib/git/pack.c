#include "lib/git/pack.h"

#include "core/alloc.h"
#include "core/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const unsigned char *map_file(const char *path, size_t *size)
{
	struct stat st;
	void *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || st.st_size < 32) {
		close(fd);
		return NULL;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	*size = (size_t)st.st_size;
	return m;
}

/* Map one idx/pack pair; a file we cannot use is skipped (libgit2 still
 * reads it). */
static void add_pack(struct packs *p, const char *dir, const char *idx_name)
{
	struct strbuf path = STRBUF_INIT;
	struct pack_file f = { 0 };

	fs_path_join(&path, dir, idx_name);
	f.idx = map_file(path.buf, &f.idx_size);
	strbuf_setlen(&path, path.len - 3);
	strbuf_addstr(&path, "pack");
	f.pack = map_file(path.buf, &f.pack_size);
	strbuf_release(&path);
	if (!f.idx || !f.pack || f.idx_size < 8 + 1024 ||
	    memcmp(f.idx, "\377tOc", 4) || be32(f.idx + 4) != 2 ||
	    memcmp(f.pack, "PACK", 4)) {
		if (f.idx)
			munmap((void *)f.idx, f.idx_size);
		if (f.pack)
			munmap((void *)f.pack, f.pack_size);
		return;
	}
	f.nr = be32(f.idx + 8 + 255 * 4);
	if (f.idx_size < 8 + 1024 + (size_t)f.nr * 28) {
		munmap((void *)f.idx, f.idx_size);
		munmap((void *)f.pack, f.pack_size);
		return;
	}
	ALLOC_GROW(p->items, p->nr + 1, p->alloc);
	p->items[p->nr++] = f;
}

void packs_open(struct packs *p, const char *common_dir)
{
	struct strbuf dir = STRBUF_INIT;
	struct dirent *de;
	DIR *d;

	memset(p, 0, sizeof(*p));
	fs_path_join(&dir, common_dir, "objects/pack");
	d = opendir(dir.buf);
	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l > 4 && !strcmp(de->d_name + l - 4, ".idx"))
			add_pack(p, dir.buf, de->d_name);
	}
	if (d)
		closedir(d);
	strbuf_release(&dir);
	p->z = xcalloc(1, sizeof(z_stream));
	if (inflateInit(p->z) != Z_OK) {
		free(p->z);
		p->z = NULL;
	}
}

void packs_close(struct packs *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++) {
		munmap((void *)p->items[i].idx, p->items[i].idx_size);
		munmap((void *)p->items[i].pack, p->items[i].pack_size);
	}
	if (p->z)
		inflateEnd(p->z);
	free(p->z);
	free(p->items);
	memset(p, 0, sizeof(*p));
}

/* The offset of oid in f, or 0 when it is not there. */
static uint64_t find_offset(const struct pack_file *f, const unsigned char *oid)
{
	const unsigned char *fan = f->idx + 8, *shas = fan + 1024;
	uint32_t lo = oid[0] ? be32(fan + (oid[0] - 1) * 4) : 0;
	uint32_t hi = be32(fan + oid[0] * 4);
	const unsigned char *offs = shas + (size_t)f->nr * 24;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = memcmp(shas + (size_t)mid * 20, oid, 20);

		if (!c) {
			uint32_t o = be32(offs + (size_t)mid * 4);
			const unsigned char *large = offs + (size_t)f->nr * 4;
			size_t li;

			if (!(o & 0x80000000u))
				return o;
			li = (size_t)(o & 0x7fffffffu) * 8;
			if (large + li + 8 > f->idx + f->idx_size)
				return 0;
			return (uint64_t)be32(large + li) << 32 | be32(large + li + 4);
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int inflate_into(struct packs *p, const unsigned char *in, size_t in_len,
			size_t size, struct strbuf *out, size_t limit,
			int stop_at_blank)
{
	z_stream *z = p->z;
	size_t want = limit && limit < size ? limit : size;
	int zr;

	if (inflateReset(z) != Z_OK)
		return 0;
	strbuf_grow(out, size);
	z->next_in = (unsigned char *)in;
	z->avail_in = (uInt)(in_len > 0xffffffffu ? 0xffffffffu : in_len);
	for (;;) {
		size_t chunk = want - out->len;

		z->next_out = (unsigned char *)out->buf + out->len;
		/* inflate's fast path needs at least 258 bytes of room. */
		z->avail_out = (uInt)(stop_at_blank && chunk > 1024 ? 1024 : chunk);
		zr = inflate(z, Z_NO_FLUSH);
		out->len = (size_t)((char *)z->next_out - out->buf);
		if (zr == Z_STREAM_END || out->len >= want)
			break;
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return 0;
		if (stop_at_blank && memmem(out->buf, out->len, "\n\n", 2))
			break;
		if (zr == Z_BUF_ERROR && !z->avail_in)
			return 0;
	}
	p->last_complete = out->len == size;
	if (!limit && !stop_at_blank && !p->last_complete)
		return 0;
	out->buf[out->len] = '\0';
	return 1;
}

int packs_read(struct packs *p, const unsigned char *oid, int *type,
	       struct strbuf *out, size_t limit, int stop_at_blank)
{
	size_t i;

	if (!p->z)
		return 0;
	for (i = 0; i < p->nr; i++) {
		const struct pack_file *f = &p->items[i];
		uint64_t off = find_offset(f, oid), size;
		const unsigned char *c;
		unsigned shift = 4;

		if (!off || off >= f->pack_size - 20)
			continue;
		c = f->pack + off;
		*type = (c[0] >> 4) & 7;
		size = c[0] & 15;
		while (*c++ & 0x80) {
			if (c >= f->pack + f->pack_size || shift > 57)
				return 0;
			size |= (uint64_t)(*c & 0x7f) << shift;
			shift += 7;
		}
		if (*type < PACK_COMMIT || *type > PACK_TAG || size > (256u << 20))
			return 0; /* a delta, or absurd: libgit2 knows best */
		strbuf_reset(out);
		return inflate_into(p, c, (size_t)(f->pack + f->pack_size - c),
				    (size_t)size, out, limit, stop_at_blank);
	}
	return 0;
}

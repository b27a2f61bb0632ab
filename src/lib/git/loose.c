/*
 * loose.c - one loose object (loose.h).
 */
#include "lib/git/loose.h"

#include "core/error.h"
#include "core/fs.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

/* The largest header: "commit " and a 20-digit size, then the NUL. */
#define HEADER_MAX 32

static int damaged(struct strbuf *out, size_t start)
{
	strbuf_setlen(out, start);
	return error_set(BOSUN_EDATA, "a damaged loose object");
}

int loose_parse(const unsigned char *z, size_t len, char type[8],
		struct strbuf *out, size_t cap)
{
	size_t start = out->len, limit = cap ? cap + HEADER_MAX : 0, want = 0;
	const char *head, *nul, *sp, *p;
	z_stream zs;
	int zr = Z_OK;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return error_set(BOSUN_EIO, "cannot start zlib");
	zs.next_in = (unsigned char *)z;
	zs.avail_in = (uInt)(len > 0xffffffffu ? 0xffffffffu : len);
	/* Inflate the whole object after out's bytes, header and all. */
	while (zr == Z_OK) {
		strbuf_grow(out, 16384);
		zs.next_out = (unsigned char *)out->buf + out->len;
		zs.avail_out = (uInt)(out->alloc - out->len - 1);
		zr = inflate(&zs, Z_NO_FLUSH);
		strbuf_setlen(out, (size_t)((char *)zs.next_out - out->buf));
		if (zr == Z_BUF_ERROR && zs.avail_out)
			break;  /* the input ended early */
		if (zr == Z_BUF_ERROR)
			zr = Z_OK;
		if (limit && out->len - start > limit)
			break;
	}
	inflateEnd(&zs);
	if (zr != Z_STREAM_END && !(limit && out->len - start > limit))
		return damaged(out, start);
	head = out->buf + start;
	nul = memchr(head, '\0', out->len - start < HEADER_MAX ? out->len - start : HEADER_MAX);
	if (!nul || !(sp = memchr(head, ' ', (size_t)(nul - head))) || sp == head ||
	    sp - head > 7 || sp + 1 == nul)
		return damaged(out, start);
	for (p = sp + 1; p < nul; p++) {
		if (*p < '0' || *p > '9' || want > (SIZE_MAX - 9) / 10)
			return damaged(out, start);
		want = want * 10 + (size_t)(*p - '0');
	}
	if (cap && want > cap) {
		strbuf_setlen(out, start);
		return error_set(BOSUN_EDATA, "object larger than %zu bytes", cap);
	}
	if (zr != Z_STREAM_END || want != out->len - start - (size_t)(nul + 1 - head))
		return damaged(out, start);
	memcpy(type, head, (size_t)(sp - head));
	type[sp - head] = '\0';
	memmove(out->buf + start, nul + 1, want);
	strbuf_setlen(out, start + want);
	return 0;
}

int loose_read(const char *objects_dir, const char *hex, char type[8],
	       struct strbuf *out, size_t cap)
{
	struct strbuf path = STRBUF_INIT, z = STRBUF_INIT;
	size_t n = strlen(hex);
	int r;

	if ((n != 40 && n != 64) || strspn(hex, "0123456789abcdef") != n)
		return error_set(BOSUN_EINTERNAL, "not an object id: '%s'", hex);
	strbuf_addf(&path, "%s/%.2s/%s", objects_dir, hex, hex + 2);
	/* A deflated object is rarely larger than itself: cap the read too. */
	r = fs_read_file(&z, path.buf, cap ? cap + 1024 * 1024 : 0);
	if (r == -BOSUN_ENOTFOUND) {
		error_clear();
		r = 1;
	} else if (r == 0) {
		r = loose_parse((const unsigned char *)z.buf, z.len, type, out, cap);
	}
	strbuf_release(&path);
	strbuf_release(&z);
	return r;
}

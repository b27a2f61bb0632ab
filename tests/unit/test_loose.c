#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "gitfix.h"
#include "lib/git/loose.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* The objects folder of a new repository holding one blob of content;
 * *hex gets its id. */
static const char *blob_repo(struct gitfix *fx, const char *content, const char **hex)
{
	const char *dir = gitfix_init(fx, "r");
	struct strbuf p = STRBUF_INIT;

	strbuf_addf(&p, "%s/f", dir);
	gitfix_write(p.buf, content, strlen(content));
	strbuf_release(&p);
	*hex = gitfix_git(fx, dir, "hash-object", "-w", "f", NULL);
	return gitfix_keep(fx, strdup(gitfix_path(fx, "r/.git/objects")));
}

static void loose__reads_a_blob_git_wrote(void **state)
{
	struct gitfix *fx = *state;
	struct strbuf out = STRBUF_INIT;
	const char *hex, *objs = blob_repo(fx, "hello\nworld\n", &hex);
	char type[8];

	strbuf_addstr(&out, "kept:");
	assert_int_equal(loose_read(objs, hex, type, &out, 0), 0);
	assert_string_equal(type, "blob");
	assert_string_equal(out.buf, "kept:hello\nworld\n");
	strbuf_release(&out);
}

static void loose__absent_is_one_and_no_error(void **state)
{
	struct gitfix *fx = *state;
	struct strbuf out = STRBUF_INIT;
	const char *hex, *objs = blob_repo(fx, "x", &hex);
	char type[8];

	error_clear();
	assert_int_equal(loose_read(objs, "0123456789012345678901234567890123456789",
				    type, &out, 0), 1);
	assert_int_equal(error_kind(), 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(loose_read(objs, "not-hex", type, &out, 0), -BOSUN_EINTERNAL);
	strbuf_release(&out);
}

static void loose__cap_and_damage(void **state)
{
	struct gitfix *fx = *state;
	struct strbuf out = STRBUF_INIT, path = STRBUF_INIT, z = STRBUF_INIT;
	const char *hex, *objs = blob_repo(fx, "0123456789abcdef", &hex);
	char type[8];

	assert_int_equal(loose_read(objs, hex, type, &out, 8), -BOSUN_EDATA);
	assert_int_equal(out.len, 0);
	assert_int_equal(loose_read(objs, hex, type, &out, 16), 0);
	assert_int_equal(out.len, 16);
	/* The object cut short. */
	strbuf_addf(&path, "%s/%.2s/%s", objs, hex, hex + 2);
	assert_int_equal(fs_read_file(&z, path.buf, 0), 0);
	strbuf_reset(&out);
	assert_int_equal(loose_parse((const unsigned char *)z.buf, z.len - 4, type, &out, 0),
			 -BOSUN_EDATA);
	assert_int_equal(out.len, 0);
	strbuf_release(&out);
	strbuf_release(&path);
	strbuf_release(&z);
}

/* Deflate text as an object file would hold it. */
static void deflate_str(struct strbuf *z, const char *text, size_t len)
{
	uLongf n = compressBound((uLong)len);

	strbuf_grow(z, n);
	assert_int_equal(compress((Bytef *)z->buf, &n, (const Bytef *)text, (uLong)len), Z_OK);
	strbuf_setlen(z, n);
}

static void loose__bad_headers(void **state)
{
	static const char *const bad[] = {
		"blob 3", "blob x\0abc", "blob 4\0abc", "blob 2\0abc", " 3\0abc",
		"toolongtype 3\0abc", "blob \0", "blob 3abc",
	};
	static const size_t lens[] = { 6, 10, 10, 10, 6, 18, 6, 9 };
	struct strbuf z = STRBUF_INIT, out = STRBUF_INIT;
	char type[8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&z);
		deflate_str(&z, bad[i], lens[i]);
		assert_int_equal(loose_parse((const unsigned char *)z.buf, z.len, type,
					     &out, 0), -BOSUN_EDATA);
		assert_int_equal(out.len, 0);
	}
	strbuf_reset(&z);
	deflate_str(&z, "tree 0\0", 7);
	assert_int_equal(loose_parse((const unsigned char *)z.buf, z.len, type, &out, 0), 0);
	assert_string_equal(type, "tree");
	assert_int_equal(out.len, 0);
	strbuf_release(&z);
	strbuf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(loose__reads_a_blob_git_wrote, gitfix_setup, gitfix_teardown),
		cmocka_unit_test_setup_teardown(loose__absent_is_one_and_no_error, gitfix_setup, gitfix_teardown),
		cmocka_unit_test_setup_teardown(loose__cap_and_damage, gitfix_setup, gitfix_teardown),
		cmocka_unit_test(loose__bad_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

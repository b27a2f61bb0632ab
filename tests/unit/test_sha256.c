/* Unit tests for core/sha256: the FIPS 180-4 example vectors, whole and
 * fed in pieces of every size. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/sha256.h"

#include <stdlib.h>
#include <string.h>

#define ABC448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define ABC896 "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn" \
	"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"

static void sha256__nist_vectors__match(void **state)
{
	char h[SHA256_HEX_LEN + 1];
	char big[1000];

	(void)state;
	sha256_hex(h, "", 0);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex(h, "abc", 3);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex(h, ABC448, strlen(ABC448));
	assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	sha256_hex(h, ABC896, strlen(ABC896));
	assert_string_equal(h, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
	memset(big, 'a', sizeof(big));
	sha256_hex(h, big, sizeof(big));
	assert_string_equal(h, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

static void sha256__million_a__matches(void **state)
{
	struct sha256 s;
	unsigned char d[SHA256_LEN];
	char h[SHA256_HEX_LEN + 1], chunk[1000];
	int i;

	(void)state;
	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&s);
	for (i = 0; i < 1000; i++)
		sha256_update(&s, chunk, sizeof(chunk));
	sha256_final(&s, d);
	sha256_to_hex(h, d);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every split of a message that crosses block and padding edges gives the
 * hash of the whole. */
static void sha256__pieces__same_as_whole(void **state)
{
	unsigned char msg[200];
	char whole[SHA256_HEX_LEN + 1], part[SHA256_HEX_LEN + 1];
	size_t len, step;

	(void)state;
	for (len = 0; len < sizeof(msg); len++)
		msg[len] = (unsigned char)(len * 7 + 3);
	for (len = 0; len <= sizeof(msg); len += 13) {
		sha256_hex(whole, msg, len);
		for (step = 1; step <= 70; step++) {
			struct sha256 s;
			unsigned char d[SHA256_LEN];
			size_t off;

			sha256_init(&s);
			for (off = 0; off < len; off += step)
				sha256_update(&s, msg + off, len - off < step ? len - off : step);
			sha256_final(&s, d);
			sha256_to_hex(part, d);
			assert_string_equal(part, whole);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha256__nist_vectors__match),
		cmocka_unit_test(sha256__million_a__matches),
		cmocka_unit_test(sha256__pieces__same_as_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

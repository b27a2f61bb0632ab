/* libFuzzer harness for lib/release/semver: parse, format, compare, bump. */
#include "core/strbuf.h"
#include "lib/release/semver.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int saturated(const struct semver *v)
{
	return v->major == UINT64_MAX || v->minor == UINT64_MAX ||
	       v->patch == UINT64_MAX;
}

/* What comes out of format must parse back to the same text. */
static void check_roundtrip(const struct semver *v)
{
	struct strbuf sb = STRBUF_INIT, again = STRBUF_INIT;
	struct semver w = SEMVER_INIT;

	semver_format(&sb, v);
	if (semver_parse(&w, sb.buf, (ssize_t)sb.len))
		abort();
	semver_format(&again, &w);
	if (strcmp(sb.buf, again.buf) || semver_cmp(v, &w))
		abort();
	semver_release(&w);
	strbuf_release(&sb);
	strbuf_release(&again);
}

static void check_bumps(const struct semver *v)
{
	int level, zm;

	for (level = BUMP_NONE; level <= BUMP_MAJOR; level++)
		for (zm = 0; zm < 2; zm++) {
			struct semver out = SEMVER_INIT;

			semver_bump(&out, v, (enum bump_level)level, zm);
			if (out.pre || out.build)
				abort();
			if (!saturated(v) && semver_cmp(&out, v) < 0)
				abort();
			if (level != BUMP_NONE && !v->pre && !saturated(v) &&
			    semver_cmp(&out, v) <= 0)
				abort();
			check_roundtrip(&out);
			semver_release(&out);
		}
}

static void check_one(const struct semver *v)
{
	struct strbuf id = STRBUF_INIT;
	uint64_t n;

	if (semver_cmp(v, v))
		abort();
	check_roundtrip(v);
	check_bumps(v);
	(void)semver_pre_split(v, &id, &n);
	strbuf_release(&id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *bar = memchr(s, '|', size);
	struct semver a = SEMVER_INIT, b = SEMVER_INIT;

	/* "A|B" compares two versions; anything else is one. */
	if (!bar) {
		if (!semver_parse(&a, s, (ssize_t)size))
			check_one(&a);
		goto out;
	}
	if (semver_parse(&a, s, bar - s) ||
	    semver_parse(&b, bar + 1, (ssize_t)(size - (size_t)(bar - s) - 1)))
		goto out;
	check_one(&a);
	check_one(&b);
	if (semver_cmp(&a, &b) != -semver_cmp(&b, &a))
		abort();
out:
	semver_release(&a);
	semver_release(&b);
	return 0;
}

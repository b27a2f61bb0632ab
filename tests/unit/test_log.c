#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/dl.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Each test gets its own BOSUN_HOME. */
static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct strbuf *home = malloc(sizeof(*home));

	strbuf_init(home, 0);
	strbuf_addf(home, "%s/bosun-test-log-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(home->buf))
		return -1;
	setenv("BOSUN_HOME", home->buf, 1);
	unsetenv("BOSUN_LOG");
	log_set_max_size(0);
	error_clear();
	*state = home;
	return 0;
}

static int teardown(void **state)
{
	struct strbuf *home = *state;
	int r = fs_remove_tree(home->buf);

	unsetenv("BOSUN_HOME");
	strbuf_release(home);
	free(home);
	return r;
}

static void log_path(struct strbuf *sb, const char *suffix)
{
	log_dir(sb);
	strbuf_addf(sb, "/bosun.log%s", suffix);
}

static void read_log(struct strbuf *out, const char *suffix)
{
	struct strbuf p = STRBUF_INIT;

	log_path(&p, suffix);
	strbuf_reset(out);
	assert_int_equal(fs_read_file(out, p.buf, 0), 0);
	strbuf_release(&p);
}

/* The redacted form of s. */
static const char *red(const char *s)
{
	static struct strbuf sb = STRBUF_INIT;

	strbuf_reset(&sb);
	redact(&sb, s, strlen(s));
	return sb.buf;
}

/* A library that is missing (or denied): NULL, and one DEGRADED event per
 * component and run, saying what degrades and why. */
static void dl__optional__one_degraded_event_per_component(void **state)
{
	static const char *const names[] = { "libbosun-test-nosuch.so.0", NULL };
	struct strbuf log = STRBUF_INIT;
	const char *p;
	int n = 0;

	(void)state;
	assert_null(dl_open_optional(names, "testlib-a", "feature A is off"));
	assert_true(strlen(dl_last_error()) > 0);
	assert_null(dl_open_optional(names, "testlib-a", "feature A is off"));
	setenv("BOSUN_DL_DENY", "x,testlib-b", 1);
	assert_true(dl_denied("testlib-b"));
	assert_false(dl_denied("testlib"));
	assert_null(dl_open_optional(names, "testlib-b", "feature B is off"));
	assert_string_equal(dl_last_error(), "turned off by BOSUN_DL_DENY");
	unsetenv("BOSUN_DL_DENY");
	read_log(&log, "");
	for (p = log.buf; (p = strstr(p, "\"level\":\"degraded\"")); p++)
		n++;
	assert_int_equal(n, 2);
	assert_non_null(strstr(log.buf, "\"event\":\"testlib-a\""));
	assert_non_null(strstr(log.buf, "feature A is off (libbosun-test-nosuch.so.0"));
	assert_non_null(strstr(log.buf, "feature B is off (turned off by BOSUN_DL_DENY)"));
	strbuf_release(&log);
}

static void log__dir__under_bosun_home(void **state)
{
	struct strbuf *home = *state, sb = STRBUF_INIT, want = STRBUF_INIT;

	log_dir(&sb);
	strbuf_addf(&want, "%s/state/bosun/logs", home->buf);
	assert_string_equal(sb.buf, want.buf);
	strbuf_release(&sb);
	strbuf_release(&want);
}

static void log__event__line_format(void **state)
{
	struct strbuf sb = STRBUF_INIT, head = STRBUF_INIT;
	const char *p;
	size_t i;

	(void)state;
	log_event(LOG_INFO, "release", "tagged %s", "v1.2.3");
	read_log(&sb, "");
	p = sb.buf;
	assert_memory_equal(p, "{\"ts\":\"", 7);
	p += 7;
	/* 2026-11-21T09:30:00.123Z */
	for (i = 0; i < 24; i++) {
		const char *shape = "dddd-dd-ddTdd:dd:dd.dddZ";

		if (shape[i] == 'd')
			assert_true(p[i] >= '0' && p[i] <= '9');
		else
			assert_int_equal(p[i], shape[i]);
	}
	p += 24;
	strbuf_addf(&head, "\",\"level\":\"info\",\"event\":\"release\",\"pid\":%ld,"
		    "\"msg\":\"tagged v1.2.3\"}\n", (long)getpid());
	assert_string_equal(p, head.buf);
	strbuf_release(&sb);
	strbuf_release(&head);
}

static void log__event__levels_and_append(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	log_event(LOG_DEBUG, "a", "1");
	log_event(LOG_WARN, "b", "2");
	log_event(LOG_ERROR, "c", "3");
	log_event(LOG_DEGRADED, "d", "4");
	read_log(&sb, "");
	assert_non_null(strstr(sb.buf, "\"level\":\"debug\",\"event\":\"a\""));
	assert_non_null(strstr(sb.buf, "\"level\":\"warn\",\"event\":\"b\""));
	assert_non_null(strstr(sb.buf, "\"level\":\"error\",\"event\":\"c\""));
	assert_non_null(strstr(sb.buf, "\"level\":\"degraded\",\"event\":\"d\""));
	assert_true(strstr(sb.buf, "\"a\"") < strstr(sb.buf, "\"d\""));
	strbuf_release(&sb);
}

static void log__event__json_escaping(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	log_event(LOG_INFO, "ev\"t", "q\" b\\ n\n t\t c\x01 e\x7f u\xc3\xa9 bad\xff\xc3");
	read_log(&sb, "");
	assert_non_null(strstr(sb.buf, "\"event\":\"ev\\\"t\""));
	assert_non_null(strstr(sb.buf,
			       "\"msg\":\"q\\\" b\\\\ n\\n t\\t c\\u0001 e\x7f u\xc3\xa9 bad\\ufffd\\ufffd\"}\n"));
	/* One event, one line. */
	assert_int_equal(strchr(sb.buf, '\n') - sb.buf + 1, (long)sb.len);
	strbuf_release(&sb);
}

static void log__event__invalid_utf8_forms(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	/* Overlong "/", a UTF-16 surrogate, past U+10FFFF, a cut 4-byte
	 * sequence; then a valid 4-byte one. */
	log_event(LOG_INFO, "u", "\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xf0\x9f\x98|\xf0\x9f\x98\x80");
	read_log(&sb, "");
	assert_non_null(strstr(sb.buf,
			       "\"msg\":\"\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|"
			       "\\ufffd\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|"
			       "\xf0\x9f\x98\x80\""));
	strbuf_release(&sb);
}

static void log__event__message_redacted(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	log_event(LOG_INFO, "push", "pushing with token=%s to https://me:%s@host/x",
		  "hunter2hunter2", "s3cr3t");
	read_log(&sb, "");
	assert_null(strstr(sb.buf, "hunter2"));
	assert_null(strstr(sb.buf, "s3cr3t"));
	assert_non_null(strstr(sb.buf, "token=[REDACTED] to https://me:[REDACTED]@host/x"));
	strbuf_release(&sb);
}

static void log__event__disabled(void **state)
{
	struct strbuf p = STRBUF_INIT;

	(void)state;
	setenv("BOSUN_LOG", "0", 1);
	log_event(LOG_ERROR, "x", "nothing");
	log_path(&p, "");
	assert_false(fs_exists(p.buf));
	setenv("BOSUN_LOG", "1", 1);
	log_event(LOG_ERROR, "x", "something");
	assert_true(fs_exists(p.buf));
	unsetenv("BOSUN_LOG");
	strbuf_release(&p);
}

static void log__event__keeps_recorded_error(void **state)
{
	struct strbuf *home = *state, blocker = STRBUF_INIT;

	/* A file where the state directory should be: the log cannot be
	 * written, and the caller's error must survive that. */
	strbuf_addf(&blocker, "%s/state", home->buf);
	fclose(fopen(blocker.buf, "w"));
	error_set(BOSUN_EDATA, "bad 'bosun.yml'");
	error_hint("run bosun config");
	log_event(LOG_ERROR, "x", "y");
	assert_int_equal(error_kind(), BOSUN_EDATA);
	assert_string_equal(error_message(), "bad 'bosun.yml'");
	assert_string_equal(error_hint_text(), "run bosun config");
	error_clear();
	log_event(LOG_ERROR, "x", "y");
	assert_int_equal(error_kind(), 0);
	unlink(blocker.buf);
	strbuf_release(&blocker);
}

static void log__rotation__keeps_five_files(void **state)
{
	struct strbuf sb = STRBUF_INIT, p = STRBUF_INIT;
	int i;

	(void)state;
	log_set_max_size(1000);
	/* Each line is about 130 bytes: 7 lines a file. */
	for (i = 0; i < 100; i++)
		log_event(LOG_INFO, "rot", "message number %03d padding padding", i);
	read_log(&sb, "");
	assert_true(sb.len <= 1000);
	assert_non_null(strstr(sb.buf, "number 099"));
	read_log(&sb, ".1");
	assert_true(sb.len <= 1000 && sb.len > 500);
	read_log(&sb, ".4");
	assert_true(sb.len > 0);
	log_path(&p, ".5");
	assert_false(fs_exists(p.buf));
	/* The oldest lines are gone; every line kept is whole. */
	read_log(&sb, ".4");
	assert_null(strstr(sb.buf, "number 000"));
	assert_int_equal(sb.buf[sb.len - 1], '\n');
	strbuf_release(&sb);
	strbuf_release(&p);
}

static void log__rotation__no_lines_lost(void **state)
{
	struct strbuf sb = STRBUF_INIT, all = STRBUF_INIT;
	const char *suffix[] = { ".4", ".3", ".2", ".1", "" };
	char want[64];
	int i;

	(void)state;
	log_set_max_size(2000);
	for (i = 0; i < 40; i++)
		log_event(LOG_INFO, "seq", "n=%02d", i);
	for (i = 0; i < 5; i++) {
		struct strbuf p = STRBUF_INIT;

		log_path(&p, suffix[i]);
		if (fs_exists(p.buf)) {
			read_log(&sb, suffix[i]);
			strbuf_addbuf(&all, &sb);
		}
		strbuf_release(&p);
	}
	for (i = 0; i < 40; i++) {
		snprintf(want, sizeof(want), "\"msg\":\"n=%02d\"", i);
		assert_non_null(strstr(all.buf, want));
	}
	strbuf_release(&sb);
	strbuf_release(&all);
}

static void log__event__long_message_capped(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *big = malloc(200000);

	(void)state;
	memset(big, 'x', 199999);
	big[199999] = '\0';
	log_event(LOG_INFO, "big", "%s", big);
	read_log(&sb, "");
	assert_true(sb.len < 70000);
	assert_non_null(strstr(sb.buf, "x...\"}\n"));
	free(big);
	strbuf_release(&sb);
}

static void redact__github_tokens(void **state)
{
	(void)state;
	assert_string_equal(red("t ghp_" "1234567890abcdefghijABCDEFGHIJ123456 x"),
			    "t [REDACTED] x");
	assert_string_equal(red("gho_abcdefghijklmnopqrstuvwxyz"), "[REDACTED]");
	assert_string_equal(red("(ghu_abcdefghijklmnopqrstuvwxyz)"), "([REDACTED])");
	assert_string_equal(red("ghs_abcdefghijklmnopqrstuvwxyz."), "[REDACTED].");
	assert_string_equal(red("ghr_abcdefghijklmnopqrstuvwxyz"), "[REDACTED]");
	assert_string_equal(red("github_pat_11ABCDEFG0123456789_abcdefghijklmnop"),
			    "[REDACTED]");
	/* Too short, or inside a word: not a token. */
	assert_string_equal(red("ghp_short"), "ghp_short");
	assert_string_equal(red("xghp_1234567890abcdefghijABCDEFGHIJ"),
			    "xghp_1234567890abcdefghijABCDEFGHIJ");
}

static void redact__other_providers(void **state)
{
	(void)state;
	assert_string_equal(red("glpat-" "abcdefghij0123456789"), "[REDACTED]");
	assert_string_equal(red("xoxb-123456789012-abcdefABCDEF"), "[REDACTED]");
	assert_string_equal(red("xoxp-1234567890-x"), "[REDACTED]");
	assert_string_equal(red("xoxa-2-" "abcdefghijk"), "[REDACTED]");
	assert_string_equal(red("xoxr-" "abcdefghijkl"), "[REDACTED]");
	assert_string_equal(red("key sk-abcdefghijklmnopqrstuvwxyz012345"),
			    "key [REDACTED]");
	assert_string_equal(red("sk-proj-abcdefghijklmnopqrstuv"), "[REDACTED]");
	assert_string_equal(red("sk-ant-api03-abcdefghijklmnopqrstuvwxyz-AA"),
			    "[REDACTED]");
	assert_string_equal(red("sk_live_" "abcdefghijklmnopqrstuvwx"), "[REDACTED]");
	assert_string_equal(red("sk_test_" "abcdefghijklmnopqrstuvwx"), "[REDACTED]");
	assert_string_equal(red("rk_live_" "abcdefghijklmnopqrstuvwx"), "[REDACTED]");
	assert_string_equal(red("npm_" "abcdefghijklmnopqrstuvwxyz0123456789"),
			    "[REDACTED]");
	assert_string_equal(red("pypi-AgEIcHlwaS5vcmcCJDAwMDAw"), "[REDACTED]");
	/* Words that merely contain a prefix stay. */
	assert_string_equal(red("task-runner-with-a-long-name-here"),
			    "task-runner-with-a-long-name-here");
	assert_string_equal(red("desk-abcdefghijklmnopqrstuvwxyz"),
			    "desk-abcdefghijklmnopqrstuvwxyz");
}

static void redact__aws_keys(void **state)
{
	(void)state;
	assert_string_equal(red("id AKIAIOSFODNN7EXAMPLE end"), "id [REDACTED] end");
	assert_string_equal(red("ASIA" "ABCDEFGHIJKLMNOP"), "[REDACTED]");
	/* Exactly 16 after the prefix. */
	assert_string_equal(red("AKIAIOSFODNN7EXAMPLEX"), "AKIAIOSFODNN7EXAMPLEX");
	assert_string_equal(red("AKIAshort"), "AKIAshort");
	assert_string_equal(red("AKIAiosfodnn7example"), "AKIAiosfodnn7example");
}

static void redact__bearer_and_authorization(void **state)
{
	(void)state;
	assert_string_equal(red("Bearer abc.def.ghi-123"), "Bearer [REDACTED]");
	assert_string_equal(red("got bearer   eyJhbGciOiJIUzI1NiJ9. ok"),
			    "got bearer   [REDACTED] ok");
	assert_string_equal(red("Authorization: Basic dXNlcjpwYXNz\nnext"),
			    "Authorization: [REDACTED]\nnext");
	assert_string_equal(red("authorization=token abc"),
			    "authorization=[REDACTED]");
	assert_string_equal(red("Proxy-Authorization: Bearer x\r\n"),
			    "Proxy-Authorization: [REDACTED]\r\n");
	assert_string_equal(red("{\"Authorization\": \"Bearer abcdefghijk\"}"),
			    "{\"Authorization\": \"[REDACTED]\"}");
}

/* A token in what a match keeps (a quoted key, the URL's user) is
 * redacted too: found by fuzz_changelog's no-token-survives check. */
static void redact__token_in_kept_part(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s = "\"token ghp_R8x2Kq9Lm4Np7Vb3Tz6Wc1Yd5Fh0Jg8sAu\": 1";
	size_t at = 0, end;

	(void)state;
	assert_string_equal(red("https://ghp_R8x2Kq9Lm4Np7Vb3Tz6Wc1Yd5Fh0Jg8sAu:x-oauth-basic@github.com/o"),
			    "https://[REDACTED]:[REDACTED]@github.com/o");
	assert_string_equal(red(s), "\"token [REDACTED]\": [REDACTED]");
	assert_int_equal(redact_with(&sb, s, strlen(s), REDACT_SHAPES), 1);
	assert_string_equal(sb.buf, "\"token [REDACTED]\": 1");
	assert_string_equal(redact_find(s, strlen(s), REDACT_SHAPES, &at, &end), "github-pat");
	assert_int_equal(at, 7);
	/* The shapes mode leaves key=value pairs alone. */
	strbuf_reset(&sb);
	assert_int_equal(redact_with(&sb, "password=hunter2", 16, REDACT_SHAPES), 0);
	assert_string_equal(sb.buf, "password=hunter2");
	strbuf_release(&sb);
}

static void redact__url_userinfo(void **state)
{
	(void)state;
	assert_string_equal(red("https://user:pa55@github.com/o/r.git"),
			    "https://user:[REDACTED]@github.com/o/r.git");
	assert_string_equal(red("git clone https://x-access-token:abc@h/r now"),
			    "git clone https://x-access-token:[REDACTED]@h/r now");
	assert_string_equal(red("postgres://app:p@ss@db:5432/x"),
			    "postgres://app:[REDACTED]@db:5432/x");
	/* No password, or no userinfo: unchanged. */
	assert_string_equal(red("ssh://git@github.com/x"), "ssh://git@github.com/x");
	assert_string_equal(red("http://host:8080/path@x"), "http://host:8080/path@x");
	assert_string_equal(red("https://a:@b/"), "https://a:@b/");
}

static void redact__key_value_forms(void **state)
{
	(void)state;
	assert_string_equal(red("password=hunter2 next"), "password=[REDACTED] next");
	assert_string_equal(red("PASSWORD: hunter2"), "PASSWORD: [REDACTED]");
	assert_string_equal(red("db_passwd = x1"), "db_passwd = [REDACTED]");
	assert_string_equal(red("client_secret=abc&x=1"), "client_secret=[REDACTED]&x=1");
	assert_string_equal(red("GITHUB_TOKEN=abc"), "GITHUB_TOKEN=[REDACTED]");
	assert_string_equal(red("--api-key=abc"), "--api-key=[REDACTED]");
	assert_string_equal(red("apikey: abc"), "apikey: [REDACTED]");
	assert_string_equal(red("API_KEY=abc"), "API_KEY=[REDACTED]");
	assert_string_equal(red("aws_access_key=abc"), "aws_access_key=[REDACTED]");
	assert_string_equal(red("private_key: abc"), "private_key: [REDACTED]");
	assert_string_equal(red("{\"token\":\"abc\",\"user\":\"me\"}"),
			    "{\"token\":\"[REDACTED]\",\"user\":\"me\"}");
	assert_string_equal(red("{\"password\" : \"a b\\\"c\"}"),
			    "{\"password\" : \"[REDACTED]\"}");
	assert_string_equal(red("secret: 'two words'"), "secret: '[REDACTED]'");
	assert_string_equal(red("{\\\"password\\\":\\\"x\\\"}"),
			    "{\\\"password\\\":\\\"[REDACTED]\\\"}");
	assert_string_equal(red("Token=abc;"), "Token=[REDACTED];");
}

static void redact__leaves_ordinary_text(void **state)
{
	(void)state;
	assert_string_equal(red(""), "");
	assert_string_equal(red("released v1.2.3 to origin"), "released v1.2.3 to origin");
	assert_string_equal(red("secrets found in 3 files"), "secrets found in 3 files");
	assert_string_equal(red("password="), "password=");
	assert_string_equal(red("user=me host=x"), "user=me host=x");
	assert_string_equal(red("token"), "token");
	assert_string_equal(red("https://github.com/o/r"), "https://github.com/o/r");
}

static void redact__idempotent(void **state)
{
	struct strbuf twice = STRBUF_INIT;
	const char *once;

	(void)state;
	once = red("password=x token: \"y\" https://u:p@h Bearer abcdefghij "
		   "ghp_abcdefghijklmnopqrstuvwxyz");
	strbuf_addstr(&twice, once);
	assert_string_equal(red(twice.buf), twice.buf);
	strbuf_release(&twice);
}

static void redact__pem_private_key(void **state)
{
	(void)state;
	assert_string_equal(red("k=-----BEGIN RSA PRIVATE KEY-----\nMIIE\nabc\n"
				"-----END RSA PRIVATE KEY-----\ndone"),
			    "k=[REDACTED]\ndone");
	assert_string_equal(red("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl"),
			    "[REDACTED]");
	assert_string_equal(red("-----BEGIN CERTIFICATE-----\nMII"),
			    "-----BEGIN CERTIFICATE-----\nMII");
}

static void redact__binary_and_appends(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	static const char bin[] = "a\0password=x\0b";

	(void)state;
	strbuf_addstr(&sb, "pre:");
	redact(&sb, bin, sizeof(bin) - 1);
	assert_int_equal(sb.len, 4 + 1 + 1 + 9 + 10 + 1 + 1);
	assert_memory_equal(sb.buf, "pre:a\0password=[REDACTED]\0b", sb.len);
	strbuf_release(&sb);
}

static void redact__hostile_input_is_linear(void **state)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	size_t i;

	(void)state;
	/* Shapes that would make a naive scanner quadratic. */
	for (i = 0; i < 200000; i++)
		strbuf_addstr(&in, "a-");
	for (i = 0; i < 50000; i++)
		strbuf_addstr(&in, "://:");
	for (i = 0; i < 50000; i++)
		strbuf_addstr(&in, "\"x");
	redact(&out, in.buf, in.len);
	assert_int_equal(out.len, in.len);
	strbuf_release(&in);
	strbuf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(log__dir__under_bosun_home),
		T(dl__optional__one_degraded_event_per_component),
		T(log__event__line_format),
		T(log__event__levels_and_append),
		T(log__event__json_escaping),
		T(log__event__invalid_utf8_forms),
		T(log__event__message_redacted),
		T(log__event__disabled),
		T(log__event__keeps_recorded_error),
		T(log__rotation__keeps_five_files),
		T(log__rotation__no_lines_lost),
		T(log__event__long_message_capped),
		T(redact__github_tokens),
		T(redact__other_providers),
		T(redact__aws_keys),
		T(redact__bearer_and_authorization),
		T(redact__url_userinfo),
		T(redact__token_in_kept_part),
		T(redact__key_value_forms),
		T(redact__leaves_ordinary_text),
		T(redact__idempotent),
		T(redact__pem_private_key),
		T(redact__binary_and_appends),
		T(redact__hostile_input_is_linear),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/opts.h"

#include <stdio.h>
#include <string.h>

/* One option table for most tests, reset before each. */
static int dry_run, verbose, jobs, force, batch;
static const char *pre, *format;
static struct opt_list includes = OPT_LIST_INIT;

static const struct option table[] = {
	OPT_BOOL('n', "dry-run", &dry_run, "print the plan, change nothing"),
	OPT_COUNT('v', "verbose", &verbose, "say more"),
	OPT_BOOL('f', "force", &force, "do it anyway"),
	OPT_STRING(0, "pre", &pre, "ID", "make a prerelease with this id"),
	OPT_INT('j', "jobs", &jobs, "N", "run N at once"),
	OPT_LIST('I', "include", &includes, "PATH", "also look here"),
	OPT_CHOICE(0, "format", &format, "text|json", "output format"),
	OPT_OPTINT("batch", &batch, "N", "N at a time (default: all)"),
	OPT_END(),
};

static int reset(void **state)
{
	(void)state;
	dry_run = verbose = jobs = force = batch = 0;
	pre = format = NULL;
	opt_list_release(&includes);
	error_clear();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	opt_list_release(&includes);
	return 0;
}

/* Words are copied into writable storage that lives until the next parse,
 * because the parser hands out pointers into argv. */
static char words[16][64];
static char *parsed_argv[17];

static int parse_words(int flags, const char *const *w)
{
	int argc = 0;

	for (; *w && argc < 16; w++, argc++) {
		snprintf(words[argc], sizeof(words[argc]), "%s", *w);
		parsed_argv[argc] = words[argc];
	}
	parsed_argv[argc] = NULL;
	return opts_parse(table, argc, parsed_argv, flags);
}

#define PARSE(flags, ...) \
	parse_words((flags), (const char *const[]){ "cmd", __VA_ARGS__, NULL })

static void opts__short__bool_and_count(void **state)
{
	int n;

	(void)state;
	n = PARSE(0, "-n", "-vv", "-v");
	assert_int_equal(n, 0);
	assert_int_equal(dry_run, 1);
	assert_int_equal(verbose, 3);
	assert_null(parsed_argv[0]);
}

static void opts__short__bundled_with_value(void **state)
{
	int n;

	(void)state;
	n = PARSE(0, "-nfj4", "-I", "a", "-Ib");
	assert_int_equal(n, 0);
	assert_int_equal(dry_run, 1);
	assert_int_equal(force, 1);
	assert_int_equal(jobs, 4);
	assert_int_equal(includes.nr, 2);
	assert_string_equal(includes.items[0], "a");
	assert_string_equal(includes.items[1], "b");
}

static void opts__long__value_forms(void **state)
{
	int n;

	(void)state;
	n = PARSE(0, "--pre", "rc", "--jobs=8", "--format=json");
	assert_int_equal(n, 0);
	assert_string_equal(pre, "rc");
	assert_int_equal(jobs, 8);
	assert_string_equal(format, "json");
}

static void opts__long__empty_value_after_equals(void **state)
{
	(void)state;
	assert_int_equal(PARSE(0, "--pre="), 0);
	assert_string_equal(pre, "");
}

static void opts__long__no_prefix_negates(void **state)
{
	(void)state;
	assert_int_equal(PARSE(0, "--force", "--no-force"), 0);
	assert_int_equal(force, 0);
	assert_int_equal(PARSE(0, "--no-dry-run", "--dry-run"), 0);
	assert_int_equal(dry_run, 1);
}

static void opts__long__no_prefix_only_for_bools(void **state)
{
	int n;

	(void)state;
	n = PARSE(0, "--no-pre");
	assert_int_equal(n, -BOSUN_EUSAGE);
	assert_non_null(strstr(error_message(), "unknown option '--no-pre'"));
}

static void opts__long__bool_rejects_value(void **state)
{
	(void)state;
	assert_int_equal(PARSE(0, "--force=yes"), -BOSUN_EUSAGE);
	assert_string_equal(error_message(), "option '--force' takes no value");
}

static void opts__list__every_occurrence(void **state)
{
	(void)state;
	assert_int_equal(PARSE(0, "--include", "x", "--include=y", "-Iz"), 0);
	assert_int_equal(includes.nr, 3);
	assert_string_equal(includes.items[0], "x");
	assert_string_equal(includes.items[1], "y");
	assert_string_equal(includes.items[2], "z");
}

static void opts__choice__rejects_others(void **state)
{
	(void)state;
	assert_int_equal(PARSE(0, "--format", "text"), 0);
	assert_string_equal(format, "text");
	assert_int_equal(PARSE(0, "--format=xml"), -BOSUN_EUSAGE);
	assert_string_equal(error_message(),
			    "option '--format' takes one of text|json, not 'xml'");
	/* A prefix of a choice is not the choice. */
	assert_int_equal(PARSE(0, "--format=tex"), -BOSUN_EUSAGE);
}

static void opts__int__errors(void **state)
{
	(void)state;
	assert_int_equal(PARSE(0, "--jobs=x"), -BOSUN_EUSAGE);
	assert_string_equal(error_message(),
			    "option '--jobs' expects a whole number");
	assert_int_equal(PARSE(0, "--jobs=4x"), -BOSUN_EUSAGE);
	assert_int_equal(PARSE(0, "--jobs="), -BOSUN_EUSAGE);
	assert_int_equal(PARSE(0, "--jobs=99999999999"), -BOSUN_EUSAGE);
	assert_int_equal(PARSE(0, "-j", "-3"), 0);
	assert_int_equal(jobs, -3);
}

static void opts__optint__with_and_without_value(void **state)
{
	(void)state;
	assert_int_equal(PARSE(0, "--batch", "op"), 1);
	assert_int_equal(batch, -1);
	assert_string_equal(parsed_argv[0], "op");
	assert_int_equal(PARSE(0, "--batch=3"), 0);
	assert_int_equal(batch, 3);
	assert_int_equal(PARSE(0, "--batch=0"), -BOSUN_EUSAGE);
	assert_string_equal(error_message(),
			    "option '--batch' expects a whole number, 1 or more");
	assert_int_equal(PARSE(0, "--batch=x"), -BOSUN_EUSAGE);
	assert_int_equal(PARSE(0, "--batch="), -BOSUN_EUSAGE);
}

static void opts__missing_value__error(void **state)
{
	(void)state;
	assert_int_equal(PARSE(0, "--pre"), -BOSUN_EUSAGE);
	assert_string_equal(error_message(), "option '--pre' requires a value");
	assert_int_equal(PARSE(0, "-j"), -BOSUN_EUSAGE);
	assert_string_equal(error_message(), "option '--jobs' requires a value");
}

static void opts__unknown__did_you_mean(void **state)
{
	(void)state;
	assert_int_equal(PARSE(0, "--dry-rn"), -BOSUN_EUSAGE);
	assert_string_equal(error_message(),
			    "unknown option '--dry-rn' (did you mean '--dry-run'?)");
	assert_int_equal(PARSE(0, "--verb"), -BOSUN_EUSAGE);
	assert_non_null(strstr(error_message(), "did you mean '--verbose'"));
	assert_int_equal(PARSE(0, "--zzzzzzzz"), -BOSUN_EUSAGE);
	assert_string_equal(error_message(), "unknown option '--zzzzzzzz'");
	assert_int_equal(PARSE(0, "-q"), -BOSUN_EUSAGE);
	assert_string_equal(error_message(), "unknown option '-q'");
}

static void opts__suggest__thresholds(void **state)
{
	const char *cands[] = { "status", "stop", "list", NULL };

	(void)state;
	assert_string_equal(opts_suggest("stauts", cands), "status");
	assert_string_equal(opts_suggest("lst", cands), "list");
	assert_string_equal(opts_suggest("sto", cands), "stop");
	assert_null(opts_suggest("deploy", cands));
	assert_null(opts_suggest("x", (const char *const[]){ NULL }));
}

static void opts__help__returns_help(void **state)
{
	(void)state;
	assert_int_equal(PARSE(0, "-h"), OPTS_HELP);
	assert_int_equal(PARSE(0, "--help"), OPTS_HELP);
	assert_int_equal(PARSE(0, "x", "--help", "y"), OPTS_HELP);
}

static void opts__operands__compacted(void **state)
{
	int n;

	(void)state;
	n = PARSE(0, "a", "-n", "b", "--pre", "rc", "-", "c");
	assert_int_equal(n, 4);
	assert_string_equal(parsed_argv[0], "a");
	assert_string_equal(parsed_argv[1], "b");
	assert_string_equal(parsed_argv[2], "-");
	assert_string_equal(parsed_argv[3], "c");
	assert_null(parsed_argv[4]);
	assert_int_equal(dry_run, 1);
	assert_string_equal(pre, "rc");
}

static void opts__double_dash__ends_options(void **state)
{
	int n;

	(void)state;
	n = PARSE(0, "-n", "--", "-v", "--pre", "--");
	assert_int_equal(n, 3);
	assert_string_equal(parsed_argv[0], "-v");
	assert_string_equal(parsed_argv[1], "--pre");
	assert_string_equal(parsed_argv[2], "--");
	assert_int_equal(verbose, 0);
	assert_null(pre);
}

static void opts__stop_at_operand__rest_untouched(void **state)
{
	int n;

	(void)state;
	n = PARSE(OPTS_STOP_AT_OPERAND, "-n", "sub", "-v", "--pre", "x");
	assert_int_equal(n, 4);
	assert_string_equal(parsed_argv[0], "sub");
	assert_string_equal(parsed_argv[1], "-v");
	assert_string_equal(parsed_argv[2], "--pre");
	assert_string_equal(parsed_argv[3], "x");
	assert_int_equal(dry_run, 1);
	assert_int_equal(verbose, 0);
	assert_null(pre);
}

static void opts__keep_unknown__left_as_operands(void **state)
{
	int n;

	(void)state;
	n = PARSE(OPTS_KEEP_UNKNOWN, "--other", "-n", "--weird=1", "op");
	assert_int_equal(n, 3);
	assert_string_equal(parsed_argv[0], "--other");
	assert_string_equal(parsed_argv[1], "--weird=1");
	assert_string_equal(parsed_argv[2], "op");
	assert_int_equal(dry_run, 1);
	assert_int_equal(error_kind(), 0);
}

static void opts__help_text__aligned(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	opts_help(&sb, table);
	assert_non_null(strstr(sb.buf,
			       "    -n, --dry-run           print the plan, change nothing\n"));
	assert_non_null(strstr(sb.buf,
			       "    --pre ID                make a prerelease with this id\n"));
	assert_non_null(strstr(sb.buf, "--format (text|json)"));
	assert_non_null(strstr(sb.buf, "-I, --include PATH"));
	assert_non_null(strstr(sb.buf, "    --batch[=N]             N at a time (default: all)\n"));
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(opts__short__bool_and_count, reset),
		cmocka_unit_test_setup(opts__short__bundled_with_value, reset),
		cmocka_unit_test_setup(opts__long__value_forms, reset),
		cmocka_unit_test_setup(opts__long__empty_value_after_equals, reset),
		cmocka_unit_test_setup(opts__long__no_prefix_negates, reset),
		cmocka_unit_test_setup(opts__long__no_prefix_only_for_bools, reset),
		cmocka_unit_test_setup(opts__long__bool_rejects_value, reset),
		cmocka_unit_test_setup(opts__list__every_occurrence, reset),
		cmocka_unit_test_setup(opts__choice__rejects_others, reset),
		cmocka_unit_test_setup(opts__int__errors, reset),
		cmocka_unit_test_setup(opts__optint__with_and_without_value, reset),
		cmocka_unit_test_setup(opts__missing_value__error, reset),
		cmocka_unit_test_setup(opts__unknown__did_you_mean, reset),
		cmocka_unit_test_setup(opts__suggest__thresholds, reset),
		cmocka_unit_test_setup(opts__help__returns_help, reset),
		cmocka_unit_test_setup(opts__operands__compacted, reset),
		cmocka_unit_test_setup(opts__double_dash__ends_options, reset),
		cmocka_unit_test_setup(opts__stop_at_operand__rest_untouched, reset),
		cmocka_unit_test_setup(opts__keep_unknown__left_as_operands, reset),
		cmocka_unit_test_setup(opts__help_text__aligned, reset),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}

/*
 * libFuzzer harness for what `work status` keeps of a worktree and reads
 * back from the store (lib/git/wtstat): a header line, then NUL-ended
 * folder and file names. Any bytes are a kept state or not: reading them
 * never crashes, never reads past them, and a "yes" points inside them.
 * With the first byte odd, the input is the payload after a real state
 * taken of a small repository made once: that must be read back as valid,
 * with the payload where it was put.
 */
#include "core/strbuf.h"
#include "lib/git/wtstat.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/bosun-fuzz-wtstat.XXXXXX";
static struct strbuf taken = STRBUF_INIT;
static int have_taken;

static void remove_dir(void)
{
	struct strbuf cmd = STRBUF_INIT;

	strbuf_addf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.buf) != 0)
		fprintf(stderr, "fuzz_wtstat: could not remove %s\n", dir);
	strbuf_release(&cmd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct strbuf cmd = STRBUF_INIT;

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	strbuf_addf(&cmd, "cd '%s' && git init -q && mkdir -p src && echo a >src/a.c && "
		    "echo '*.o' >.gitignore && git add -A && git -c user.name=f "
		    "-c user.email=f@f commit -q -m init && sleep 2", dir);
	if (system(cmd.buf) != 0)
		abort();
	strbuf_release(&cmd);
	atexit(remove_dir);
	/* Taken two seconds after the last write: no stamp is racy. */
	have_taken = wtstat_take(dir, &taken) == 0;
	fprintf(stderr, "fuzz_wtstat: a real state was %s\n",
		have_taken ? "taken" : "not taken (unsure): odd inputs read as even");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	size_t at = (size_t)-1;
	int ok;

	if (!size)
		return 0;
	if ((data[0] & 1) && have_taken) {
		strbuf_addbuf(&sb, &taken);
		strbuf_add(&sb, data + 1, size - 1);
		if (!wtstat_check(dir, sb.buf, sb.len, &at) || at != taken.len)
			abort();
	} else {
		strbuf_add(&sb, data + 1, size - 1);
		ok = wtstat_check(dir, sb.buf, sb.len, &at);
		if (ok && at > sb.len)
			abort();
	}
	strbuf_release(&sb);
	return 0;
}

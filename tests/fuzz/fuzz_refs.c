/*
 * fuzz_refs.c - libFuzzer harness for the packed-refs reader (refs.c).
 *
 * A git directory skeleton (HEAD, objects/, refs/ with one loose tag) is made
 * once in a temporary directory; each input becomes its packed-refs file.
 * refs_list() and refs_resolve() must not crash or leak, a listed name
 * starts with the prefix asked for, and a plain name listed once resolves
 * to the id it was listed with.
 */
#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "lib/git/refs.h"
#include "lib/git/repo.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct repo *repo;
static struct strbuf root = STRBUF_INIT, packed = STRBUF_INIT;

static void cleanup(void)
{
	repo_free(repo);
	fs_remove_tree(root.buf);
	strbuf_release(&root);
	strbuf_release(&packed);
}

/* Write a scratch file of the harness (not a live file: no lockfile). */
static void put(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len))
		abort();
	close(fd);
}

static void setup(void)
{
	static const char *const dirs[] = {
		".git/objects", ".git/refs/heads", ".git/refs/tags/nested", NULL,
	};
	const char *tmp = getenv("TMPDIR");
	const char *const *d;
	struct strbuf p = STRBUF_INIT;

	strbuf_addf(&root, "%s/bosun-fuzz-refs-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root.buf))
		abort();
	for (d = dirs; *d; d++) {
		fs_path_join(&p, root.buf, *d);
		if (fs_mkdir_p(p.buf) < 0)
			abort();
	}
	fs_path_join(&p, root.buf, ".git/HEAD");
	put(p.buf, "ref: refs/heads/main\n", 21);
	fs_path_join(&p, root.buf, ".git/refs/tags/loose");
	put(p.buf, "0123456789abcdef0123456789abcdef01234567\n", 41);
	fs_path_join(&p, root.buf, ".git/refs/tags/nested/deep");
	put(p.buf, "89abcdef0123456789abcdef0123456789abcdef\n", 41);
	fs_path_join(&packed, root.buf, ".git/packed-refs");
	strbuf_release(&p);
	if (repo_discover(&repo, root.buf) < 0)
		abort();
	atexit(cleanup);
}

/* A name whose file path is not the name itself ("..", "//", "/.") can
 * reach a loose file under another name: no promise there. */
static int plain_name(const char *name)
{
	size_t len = strlen(name);

	return !strstr(name, "/.") && !strstr(name, "//") && !strchr(name, '\r') &&
	       !strchr(name, ' ') && len && name[len - 1] != '/';
}

static void check_list(const char *prefix)
{
	struct ref_list l = REF_LIST_INIT;
	size_t i, k, pl = strlen(prefix);

	if (refs_list(repo, prefix, &l) < 0)
		abort();
	for (i = 0; i < l.nr; i++) {
		const struct ref_item *it = &l.items[i];
		unsigned char oid[20];
		size_t seen = 0;

		if (strncmp(it->name, prefix, pl) || (it->has_peeled & ~1))
			abort();
		for (k = 0; k < l.nr; k++)
			seen += !strcmp(l.items[k].name, it->name);
		if (seen == 1 && plain_name(it->name) && i < 16 &&
		    refs_resolve(repo, it->name, oid) == 0 && memcmp(oid, it->oid, 20))
			abort();
		error_clear();
	}
	ref_list_release(&l);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char oid[20];
	put(packed.buf, data, size);
	check_list("refs/tags/");
	check_list("refs/");
	refs_resolve(repo, "HEAD", oid);
	refs_resolve(repo, "refs/tags/v1.0.0", oid);
	refs_resolve(repo, "refs/tags/loose", oid);
	error_clear();
	return 0;
}

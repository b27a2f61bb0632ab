/* Unit tests for lib/merge: the entry merge on hand-written cases, a
 * property test over thousands of seeded random three-way histories, and
 * the driver's registration for one worktree. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "gitfix.h"
#include "lib/git/repo.h"
#include "lib/merge/merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int merge3(struct strbuf *out, const char *b, const char *o, const char *t)
{
	strbuf_setlen(out, 0);
	return merge_entries(out, b, strlen(b), o, strlen(o), t, strlen(t), NULL);
}

static void entries__both_add__both_kept_ours_first(void **state)
{
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_int_equal(0, merge3(&out, "# C\n\n- a\n", "# C\n\n- a\n- o\n", "# C\n\n- a\n- t\n"));
	assert_string_equal("# C\n\n- a\n- o\n- t\n", out.buf);
	strbuf_release(&out);
}

static void entries__same_addition__written_once(void **state)
{
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_int_equal(0, merge3(&out, "- a\n", "- a\n- same\n- o\n", "- a\n- same\n"));
	assert_string_equal("- a\n- same\n- o\n", out.buf);
	strbuf_release(&out);
}

/* Theirs renames T-1 to a second T-2 and ours deletes T-1: the T-2 all
 * three hold must stay (it was taken for a copy of the changed one). */
static void entries__added_copy_of_a_changed_entry__kept(void **state)
{
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_int_equal(0, merge3(&out, "- T-1 a\n  - sub\n- T-2 b\n", "- T-2 b\n",
				   "- T-2 a\n  - sub\n  - more\n- T-2 b\n"));
	assert_string_equal("- T-2 a\n  - sub\n  - more\n- T-2 b\n", out.buf);
	strbuf_release(&out);
}

static void entries__changed_both__conflict_for_that_entry(void **state)
{
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_int_equal(1, merge3(&out, "- a\n- b\n- c\n", "- a\n- b1\n- c\n", "- a\n- b2\n- c\n"));
	assert_string_equal("- a\n<<<<<<< ours\n- b1\n=======\n- b2\n>>>>>>> theirs\n- c\n", out.buf);
	strbuf_release(&out);
}

static void entries__id_heading__body_changes_merge_by_task(void **state)
{
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_int_equal(0, merge3(&out, "## T-1: a\n- x\n\n## T-2: b\n",
				   "## T-1: renamed\n- x\n\n## T-2: b\n",
				   "## T-1: a\n- x\n- y\n\n## T-2: b\n"));
	assert_string_equal("## T-1: renamed\n- x\n- y\n\n## T-2: b\n", out.buf);
	strbuf_release(&out);
}

static void entries__deleted_but_changed__conflict(void **state)
{
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_int_equal(1, merge3(&out, "## T-1\n- x\n## T-2\n", "## T-2\n",
				   "## T-1\n- x\n- y\n## T-2\n"));
	assert_non_null(strstr(out.buf, "<<<<<<< ours\n=======\n## T-1\n- x\n- y\n>>>>>>> theirs\n"));
	strbuf_release(&out);
}

static void entries__fence__no_heading_inside(void **state)
{
	struct merge_doc *d;
	static const char t[] = "# A\n```\n# not\n- not\n```\n- item\n";

	(void)state;
	d = merge_doc_parse(t, sizeof(t) - 1);
	assert_int_equal(3, merge_doc_count(d));
	merge_doc_free(d);
}

static void entries__no_final_newline__kept(void **state)
{
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_int_equal(0, merge3(&out, "- a\n- b", "- a\n- b\n- o", "- z\n- a\n- b"));
	assert_string_equal("- z\n- a\n- b\n- o", out.buf);
	strbuf_release(&out);
}

/* ---- the property test -------------------------------------------------- */

static uint64_t rng;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

#define MAXE 64
#define MAXS 4

struct ent {
	int id, sec, checked;
	int text;      /* version of its text */
};
struct hist {
	struct ent e[MAXE * 3];
	size_t n;
};

static void render(struct strbuf *sb, const struct hist *h, int nsec)
{
	int s;
	size_t i;

	strbuf_setlen(sb, 0);
	strbuf_addstr(sb, "# Changelog\n\nLast updated: 2026-01-01\n");
	for (s = 0; s < nsec; s++) {
		strbuf_addf(sb, "\n## [1.%d.0] - 2026-0%d-01\n\n", nsec - s, s + 1);
		for (i = 0; i < h->n; i++)
			if (h->e[i].sec == s)
				strbuf_addf(sb, "- [%c] E-%d: entry %d v%d\n",
					    h->e[i].checked ? 'x' : ' ', h->e[i].id,
					    h->e[i].id, h->e[i].text);
	}
}

enum fate { KEEP, DELETE, CHECK, EDIT };

struct found {
	int count[MAXE * 4], checked[MAXE * 4], text[MAXE * 4], order[MAXE * 4];
	int seq;
};

static void count_fn(const char *key, int checked, const char *line, size_t len, void *data)
{
	struct found *f = data;
	const char *p = strstr(key, "id:E-");
	int id, v;
	char buf[128];

	if (!p || strchr(p, '/'))
		return;
	id = atoi(p + 5);
	assert_true(id >= 0 && id < MAXE * 4);
	assert_true(len < sizeof(buf));
	memcpy(buf, line, len);
	buf[len] = 0;
	assert_non_null(strstr(buf, " v"));
	v = atoi(strstr(buf, " v") + 2);
	f->count[id]++;
	f->checked[id] = checked;
	f->text[id] = v;
	f->order[id] = f->seq++;
}

static void one_history(int nsec)
{
	struct hist b = { .n = 0 }, o = { .n = 0 }, t = { .n = 0 };
	enum fate fo[MAXE], ft[MAXE];
	struct strbuf sb = STRBUF_INIT, so = STRBUF_INIT, st = STRBUF_INIT,
		      out = STRBUF_INIT;
	struct found f;
	struct merge_doc *d;
	size_t i, nb = rnd(MAXE / 2), j;
	int next = (int)nb, conflicts, last;

	for (i = 0; i < nb; i++) {
		b.e[i] = (struct ent){ (int)i, (int)rnd((unsigned)nsec), (int)(rnd(4) == 0), 0 };
		fo[i] = (enum fate)rnd(4);
		ft[i] = (enum fate)rnd(4);
		/* A change on both sides, or a change against a deletion,
		 * is a real conflict: not generated here. */
		if (fo[i] == EDIT && (ft[i] == EDIT || ft[i] == DELETE))
			ft[i] = KEEP;
		if (ft[i] == EDIT && fo[i] == DELETE)
			fo[i] = KEEP;
	}
	b.n = nb;
	/* Each side: its fate for each base entry, and new entries. */
	for (j = 0; j < 2; j++) {
		struct hist *h = j ? &t : &o;
		enum fate *fa = j ? ft : fo;

		for (i = 0; i <= nb; i++) {
			while (rnd(5) == 0) {
				h->e[h->n] = (struct ent){ next++, (int)rnd((unsigned)nsec),
							   (int)rnd(2), 0 };
				h->n++;
			}
			if (i == nb || fa[i] == DELETE)
				continue;
			h->e[h->n] = b.e[i];
			if (fa[i] == CHECK)
				h->e[h->n].checked = 1;
			if (fa[i] == EDIT)
				h->e[h->n].text = (int)j + 1;
			h->n++;
		}
	}
	render(&sb, &b, nsec);
	render(&so, &o, nsec);
	render(&st, &t, nsec);
	conflicts = merge_entries(&out, sb.buf, sb.len, so.buf, so.len, st.buf, st.len, NULL);
	if (conflicts)
		fprintf(stderr, "BASE\n%s\nOURS\n%s\nTHEIRS\n%s\nOUT\n%s\n", sb.buf, so.buf, st.buf, out.buf);
	assert_int_equal(0, conflicts);
	/* The output parses back. */
	memset(&f, 0, sizeof(f));
	d = merge_doc_parse(out.buf, out.len);
	merge_doc_walk(d, count_fn, &f);
	merge_doc_free(d);
	for (i = 0; i < nb; i++) {
		int gone = fo[i] == DELETE || ft[i] == DELETE;

		assert_int_equal(gone ? 0 : 1, f.count[i]);
		if (gone)
			continue;
		assert_int_equal(b.e[i].checked || fo[i] == CHECK || ft[i] == CHECK, f.checked[i]);
		assert_int_equal(fo[i] == EDIT ? 1 : ft[i] == EDIT ? 2 : 0, f.text[i]);
	}
	for (j = 0; j < 2; j++) {
		const struct hist *h = j ? &t : &o;

		last = -1;
		for (i = 0; i < h->n; i++) {
			int id = h->e[i].id;

			if (id < (int)nb)
				continue;
			assert_int_equal(1, f.count[id]);
			assert_int_equal(h->e[i].checked, f.checked[id]);
			/* Added entries keep their side's order in a section. */
			if (i && h->e[i - 1].sec == h->e[i].sec && h->e[i - 1].id >= (int)nb)
				assert_true(f.order[id] > last);
			last = f.order[id];
		}
	}
	/* No line but ours' and theirs': the later date wins. */
	assert_non_null(strstr(out.buf, "Last updated: 2026-01-01\n"));
	strbuf_release(&sb);
	strbuf_release(&so);
	strbuf_release(&st);
	strbuf_release(&out);
}

static void entries__random_histories__keep_the_invariants(void **state)
{
	int i;

	(void)state;
	rng = 0x9e3779b97f4a7c15ull;
	for (i = 0; i < 5000; i++)
		one_history(1 + (int)rnd(MAXS));
}

/* ---- kinds and registration --------------------------------------------- */

static void kinds__defaults_by_name(void **state)
{
	(void)state;
	assert_int_equal(MERGE_KIND_ENTRIES, merge_kind_for(NULL, "CHANGELOG.md"));
	assert_int_equal(MERGE_KIND_ENTRIES, merge_kind_for(NULL, "docs/ROADMAP.md"));
	assert_int_equal(MERGE_KIND_ENTRIES, merge_kind_for(NULL, "a/sessions/s1.md"));
	assert_int_equal(MERGE_KIND_LOCKFILE, merge_kind_for(NULL, "web/package-lock.json"));
	assert_int_equal(MERGE_KIND_TEXT, merge_kind_for(NULL, "src/main.c"));
	assert_int_equal(-1, merge_kind_parse("nope"));
}

static void register__worktree_scope__leaves_the_shared_config(void **state)
{
	struct gitfix *fx = *state;
	const char *top = gitfix_init(fx, "r"), *wt = gitfix_path(fx, "wt");
	struct repo *repo = NULL;
	char *shared = NULL;
	struct strbuf sb = STRBUF_INIT;

	gitfix_commit(fx, top, "feat: init");
	gitfix_git(fx, top, "worktree", "add", "-q", wt, NULL);
	assert_int_equal(0, repo_discover(&repo, wt));
	/* Without extensions.worktreeConfig: refused, nothing written. */
	assert_int_equal(-BOSUN_EUSAGE, merge_register(repo, NULL, MERGE_SCOPE_WORKTREE, "bosun"));
	error_clear();
	gitfix_git(fx, top, "config", "extensions.worktreeConfig", "true", NULL);
	strbuf_addf(&sb, "%s/.git/config", top);
	{
		FILE *f = fopen(sb.buf, "r");
		char buf[8192];
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);

		fclose(f);
		buf[n] = 0;
		shared = strdup(buf);
	}
	assert_int_equal(1, merge_register(repo, NULL, MERGE_SCOPE_WORKTREE, "bosun"));
	assert_int_equal(0, merge_register(repo, NULL, MERGE_SCOPE_WORKTREE, "bosun"));
	assert_non_null(strstr(gitfix_git(fx, wt, "config", "--get", "merge.bosun.driver", NULL),
			       "merge-driver --marker-size %L %O %A %B %P"));
	{
		FILE *f = fopen(sb.buf, "r");
		char buf[8192];
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);

		fclose(f);
		buf[n] = 0;
		assert_string_equal(shared, buf);
	}
	assert_int_equal(1, merge_unregister(repo, MERGE_SCOPE_WORKTREE));
	assert_int_equal(0, merge_unregister(repo, MERGE_SCOPE_WORKTREE));
	free(shared);
	strbuf_release(&sb);
	repo_free(repo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(entries__both_add__both_kept_ours_first),
		cmocka_unit_test(entries__same_addition__written_once),
		cmocka_unit_test(entries__added_copy_of_a_changed_entry__kept),
		cmocka_unit_test(entries__changed_both__conflict_for_that_entry),
		cmocka_unit_test(entries__id_heading__body_changes_merge_by_task),
		cmocka_unit_test(entries__deleted_but_changed__conflict),
		cmocka_unit_test(entries__fence__no_heading_inside),
		cmocka_unit_test(entries__no_final_newline__kept),
		cmocka_unit_test(entries__random_histories__keep_the_invariants),
		cmocka_unit_test(kinds__defaults_by_name),
		cmocka_unit_test_setup_teardown(register__worktree_scope__leaves_the_shared_config,
						gitfix_setup, gitfix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#include "lib/release/tags.h"

#include "core/alloc.h"
#include "core/error.h"
#include "lib/git/git2.h"
#include "lib/git/refs.h"

#include <stdlib.h>
#include <string.h>

struct collect {
	struct rtags *out;
	struct history *h;
	const char *prefix, *suffix;
	size_t plen, slen;
	int err;
};

int rtags_check_format(const char *format, const char *package)
{
	const char *v = strstr(format, "{version}");
	int r;

	if (!v || strstr(v + 1, "{version}")) {
		r = error_set(BOSUN_EDATA,
			      "tag format '%s' must contain '{version}' exactly once",
			      format);
		return r;
	}
	if (strstr(format, "{name}") && !package) {
		r = error_set(BOSUN_EUSAGE,
			      "tag format '%s' names a package; pass --package NAME",
			      format);
		return r;
	}
	return 0;
}

void rtags_format(struct strbuf *sb, const char *format, const char *package,
		  const char *version)
{
	const char *vars[] = {
		"{version}", version, "{name}", package ? package : "", NULL,
	};

	strbuf_expand(sb, format, vars);
}

static void add_skipped(struct rtags *t, const char *name, const char *why)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s: %s", name, why);
	ALLOC_GROW(t->skipped, t->nr_skipped + 1, t->alloc_skipped);
	t->skipped[t->nr_skipped++] = strbuf_detach(&sb, NULL);
}

static int on_ref(struct collect *c, const char *ref, const unsigned char *oid,
		  const unsigned char *peeled);

static int on_tag(const char *ref, git_oid *oid, void *data)
{
	return on_ref(data, ref, oid->id, NULL);
}

static int on_ref(struct collect *c, const char *ref, const unsigned char *oid,
		  const unsigned char *peeled)
{
	const char *name = ref + strlen("refs/tags/");
	size_t len = strlen(name);
	struct semver v = SEMVER_INIT;
	unsigned char commit[HISTORY_OIDSZ];
	struct rtag *t;
	uint32_t idx;
	int r;

	if (len <= c->plen + c->slen || strncmp(name, c->prefix, c->plen) ||
	    memcmp(name + len - c->slen, c->suffix, c->slen))
		return 0;
	if (semver_parse(&v, name + c->plen, (ssize_t)(len - c->plen - c->slen)) < 0) {
		/* Only text that starts like a version is worth a mention. */
		if (name[c->plen] >= '0' && name[c->plen] <= '9')
			add_skipped(c->out, name, "not a semantic version");
		error_clear();
		return 0;
	}
	if (peeled) {
		memcpy(commit, peeled, HISTORY_OIDSZ);
		r = 0;
	} else {
		r = history_peel(c->h, oid, commit);
	}
	if (r == 0)
		r = history_load_oid(c->h, commit, &idx);
	if (r < 0) {
		if ((r == -BOSUN_ENOTFOUND || r == -BOSUN_EDATA) && !c->h->repo->shallow) {
			add_skipped(c->out, name, "does not point to a commit");
			error_clear();
			semver_release(&v);
			return 0;
		}
		semver_release(&v);
		c->err = r;
		return -1;
	}
	ALLOC_GROW(c->out->items, c->out->nr + 1, c->out->alloc);
	t = &c->out->items[c->out->nr++];
	t->name = xstrdup(name);
	t->ver = v;
	t->idx = idx;
	return 0;
}

static int list_tags(struct collect *c)
{
	struct ref_list refs = REF_LIST_INIT;
	size_t i;
	int r = refs_list(c->h->repo, "refs/tags/", &refs);

	for (i = 0; r == 0 && i < refs.nr; i++) {
		const struct ref_item *it = &refs.items[i];

		if (on_ref(c, it->name, it->oid, it->has_peeled ? it->peeled : NULL) < 0)
			r = c->err;
	}
	ref_list_release(&refs);
	return r;
}

int rtags_collect(struct rtags *out, struct history *h, const char *format,
		  const char *package)
{
	struct strbuf pre = STRBUF_INIT, suf = STRBUF_INIT;
	const char *v;
	struct collect c;
	git_repository *g;
	int r;

	if ((r = rtags_check_format(format, package)) < 0)
		return r;
	v = strstr(format, "{version}");
	{
		char *head = xstrndup(format, (size_t)(v - format));

		rtags_format(&pre, head, package, "");
		free(head);
	}
	rtags_format(&suf, v + strlen("{version}"), package, "");
	memset(&c, 0, sizeof(c));
	c.out = out;
	c.h = h;
	c.prefix = pre.buf;
	c.plen = pre.len;
	c.suffix = suf.buf;
	c.slen = suf.len;
	r = list_tags(&c);
	if (r == -BOSUN_EUNAVAILABLE) {
		/* A ref store we do not read: libgit2 does. */
		error_clear();
		if ((r = repo_git(h->repo, &g)) == 0)
			r = git_tag_foreach(g, on_tag, &c);
		if (c.err < 0)
			r = c.err;
		else if (r < 0 && r != GIT_ENOTFOUND)
			r = git2_error(BOSUN_EIO, "cannot list tags");
		else
			r = 0;
	}
	strbuf_release(&pre);
	strbuf_release(&suf);
	return r;
}

static int cmp_tag(const void *a, const void *b)
{
	const struct rtag *x = a, *y = b;
	int c = semver_cmp(&x->ver, &y->ver);

	return c ? c : strcmp(x->name, y->name);
}

void rtags_sort(struct rtags *t)
{
	if (t->nr > 1)
		qsort(t->items, t->nr, sizeof(*t->items), cmp_tag);
}

void rtags_release(struct rtags *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++) {
		free(t->items[i].name);
		semver_release(&t->items[i].ver);
	}
	for (i = 0; i < t->nr_skipped; i++)
		free(t->skipped[i]);
	free(t->items);
	free(t->skipped);
	memset(t, 0, sizeof(*t));
}

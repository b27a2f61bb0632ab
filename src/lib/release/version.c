#include "lib/release/version.h"

#include "core/alloc.h"
#include "core/error.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int in_list(const char *type, const char *const *list, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcasecmp(type, list[i]))
			return 1;
	return 0;
}

enum bump_level version_commit_level(const struct cc_commit *c,
				     const struct bump_rules *rules)
{
	if (c->breaking)
		return BUMP_MAJOR;
	if (!c->conventional) {
		/* git's 'Revert "..."' is a revert too (a revert of something
		 * already released is a change to release). */
		if (c->is_revert && in_list("revert", rules->patch_types, rules->nr_patch))
			return BUMP_PATCH;
		if (c->is_revert && in_list("revert", rules->minor_types, rules->nr_minor))
			return BUMP_MINOR;
		return BUMP_NONE;
	}
	if (c->breaking)
		return BUMP_MAJOR;
	if (in_list(c->type, rules->minor_types, rules->nr_minor))
		return BUMP_MINOR;
	if (in_list(c->type, rules->patch_types, rules->nr_patch))
		return BUMP_PATCH;
	return BUMP_NONE;
}

int version_current(const struct rtag **out, struct history *h,
		    const struct rtags *tags, uint32_t head, int include_pre)
{
	const struct rtag *best = NULL;
	uint32_t gen;
	size_t i;

	gen = history_mark_new(h);
	history_mark_ancestors(h, head);
	for (i = 0; i < tags->nr; i++) {
		const struct rtag *t = &tags->items[i];

		if (h->commits[t->idx].mark != gen)
			continue;
		if (!include_pre && t->ver.pre)
			continue;
		if (!best || semver_cmp(&t->ver, &best->ver) > 0)
			best = t;
	}
	if (!best) {
		int r = error_set(BOSUN_ENOTFOUND, "no release yet");

		if (h->hit_boundary)
			error_hint("this is a shallow clone and may lack the tags: "
				   "run 'git fetch --unshallow --tags'");
		return r;
	}
	*out = best;
	return 0;
}

/* The highest version among the tags on commit idx, or NULL. */
static const struct rtag *best_on(const struct rtags *tags, uint32_t idx)
{
	const struct rtag *best = NULL;
	size_t i;

	for (i = 0; i < tags->nr; i++)
		if (tags->items[i].idx == idx &&
		    (!best || semver_cmp(&tags->items[i].ver, &best->ver) > 0))
			best = &tags->items[i];
	return best;
}

int version_newest(const struct rtag **out, struct history *h,
		   const struct rtags *tags, uint32_t head)
{
	uint32_t c = head;
	size_t i;
	char *tagged = xcalloc(h->nr ? h->nr : 1, 1);
	const struct rtag *best = NULL;

	for (i = 0; i < tags->nr; i++)
		tagged[tags->items[i].idx] = 1;
	/* Along first parents: the first tagged commit is the newest release
	 * of this line. */
	for (;;) {
		if (tagged[c]) {
			best = best_on(tags, c);
			break;
		}
		if (!h->commits[c].nr_parents)
			break;
		c = history_parents(h, c)[0];
	}
	free(tagged);
	if (!best)
		return version_current(out, h, tags, head, 1);
	*out = best;
	return 0;
}

size_t version_range(struct history *h, uint32_t tip, const uint32_t *bases,
		     size_t nr_bases, uint32_t **out)
{
	uint32_t base_gen, walk_gen, *stack = NULL, *list = NULL;
	size_t nr = 0, alloc = 0, n = 0, nalloc = 0, i;

	base_gen = history_mark_new(h);
	for (i = 0; i < nr_bases; i++)
		history_mark_ancestors(h, bases[i]);
	walk_gen = history_mark_new(h);
	ALLOC_GROW(stack, 1, alloc);
	stack[nr++] = tip;
	while (nr) {
		uint32_t c = stack[--nr], k;
		const uint32_t *par;

		if (h->commits[c].mark == base_gen || h->commits[c].mark == walk_gen)
			continue;
		h->commits[c].mark = walk_gen;
		ALLOC_GROW(list, n + 1, nalloc);
		list[n++] = c;
		par = history_parents(h, c);
		/* Push in reverse so the first parent is walked first. */
		for (k = h->commits[c].nr_parents; k-- > 0;) {
			ALLOC_GROW(stack, nr + 1, alloc);
			stack[nr++] = par[k];
		}
	}
	free(stack);
	*out = list;
	return n;
}

static void add_decided(struct next_result *res, uint32_t idx,
			enum bump_level level, const char *header)
{
	struct decided *d;

	ALLOC_GROW(res->commits, res->nr + 1, res->alloc);
	d = &res->commits[res->nr++];
	d->idx = idx;
	d->level = level;
	d->header = xstrdup(header);
	if (level > res->level)
		res->level = level;
}

static void parse_at(struct history *h, uint32_t idx, struct cc_commit *c)
{
	size_t len;
	const char *msg = history_message(h, idx, &len);

	cc_parse(c, msg, len);
}

/* The position in list of the commit that the revert at position r
 * reverts, or -1 when it is not in the range. By id ("This reverts commit
 * <id>.") first, else by the header quoted in 'Revert "<header>"'. */
static ssize_t revert_target(struct history *h, const uint32_t *list,
			     const struct cc_commit *parsed, const char *cancel,
			     size_t n, size_t r)
{
	const struct cc_commit *rev = &parsed[r];
	size_t i, idlen = rev->reverts ? strlen(rev->reverts) : 0;
	const char *q = NULL, *quoted = NULL;
	size_t qlen = 0;
	char hex[41];

	if (rev->header && !strncmp(rev->header, "Revert \"", 8) &&
	    (q = strrchr(rev->header + 8, '"'))) {
		quoted = rev->header + 8;
		qlen = (size_t)(q - quoted);
	}
	for (i = 0; i < n; i++) {
		if (i == r || cancel[i])
			continue;
		if (idlen >= 7) {
			oid_to_hex(h->commits[list[i]].oid, hex);
			if (!strncmp(hex, rev->reverts, idlen))
				return (ssize_t)i;
		} else if (quoted && parsed[i].header &&
			   strlen(parsed[i].header) == qlen &&
			   !memcmp(parsed[i].header, quoted, qlen)) {
			return (ssize_t)i;
		}
	}
	return -1;
}

static void classify_one(struct next_result *res, struct history *h, uint32_t idx,
			 const struct cc_commit *c, const struct bump_rules *rules)
{
	char *rest = history_message_rest(h, idx);
	struct cc_commit parts[64];
	enum bump_level lvl = version_commit_level(c, rules);
	size_t np, k;

	if (lvl)
		add_decided(res, idx, lvl, c->header);
	/* The whole text after the header: a squash commit's last parts may
	 * look like footers to the Conventional Commits parser. */
	np = rest ? cc_parse_squashed(parts, 64, rest) : 0;
	free(rest);
	for (k = 0; k < np; k++) {
		enum bump_level pl = version_commit_level(&parts[k], rules);

		if (pl)
			add_decided(res, idx, pl, parts[k].header);
		cc_release(&parts[k]);
	}
}

/* Decide the level from the commits in range. */
static void classify(struct next_result *res, struct history *h,
		     const uint32_t *list, size_t n, const struct bump_rules *rules)
{
	struct cc_commit *parsed = xcalloc(n ? n : 1, sizeof(*parsed));
	char *cancel = xcalloc(n ? n : 1, 1);
	size_t i;

	for (i = 0; i < n; i++)
		parse_at(h, list[i], &parsed[i]);
	/* list is newest first: a revert is met before what it reverts. */
	for (i = 0; i < n; i++) {
		ssize_t t;

		if (cancel[i] || !parsed[i].is_revert)
			continue;
		t = revert_target(h, list, parsed, cancel, n, i);
		if (t >= 0)
			cancel[i] = cancel[t] = 1;
	}
	for (i = 0; i < n; i++)
		if (!cancel[i] && h->commits[list[i]].nr_parents <= 1)
			classify_one(res, h, list[i], &parsed[i], rules);
	for (i = 0; i < n; i++)
		cc_release(&parsed[i]);
	free(parsed);
	free(cancel);
}

/* The highest N among existing tags X.Y.Z-ID.N for next's X.Y.Z. */
static const struct rtag *last_pre(const struct rtags *tags,
				   const struct semver *next, const char *id,
				   uint64_t *n_out)
{
	const struct rtag *best = NULL;
	struct strbuf tid = STRBUF_INIT;
	size_t i;

	*n_out = 0;
	for (i = 0; i < tags->nr; i++) {
		const struct semver *v = &tags->items[i].ver;
		uint64_t n;

		if (!v->pre || v->major != next->major || v->minor != next->minor ||
		    v->patch != next->patch)
			continue;
		strbuf_reset(&tid);
		if (semver_pre_split(v, &tid, &n) < 0 || strcmp(tid.buf, id))
			continue;
		if (!best || n > *n_out) {
			best = &tags->items[i];
			*n_out = n;
		}
	}
	strbuf_release(&tid);
	return best;
}

static int apply_pre(struct next_result *res, struct history *h,
		     const struct rtags *tags, const char *id)
{
	const struct rtag *last;
	struct strbuf sb = STRBUF_INIT;
	uint64_t n;
	size_t i;

	last = last_pre(tags, &res->next, id, &n);
	if (last) {
		/* Something new since that prerelease? */
		uint32_t gen = history_mark_new(h);
		int fresh = 0;

		history_mark_ancestors(h, last->idx);
		for (i = 0; i < res->nr; i++)
			if (h->commits[res->commits[i].idx].mark != gen)
				fresh = 1;
		if (!fresh)
			return error_set(BOSUN_EFAIL,
					 "nothing to release since %s", last->name);
	}
	strbuf_addf(&sb, "%s.%llu", id, (unsigned long long)n + 1);
	free(res->next.pre);
	res->next.pre = strbuf_detach(&sb, NULL);
	return 0;
}

static int check_pre_id(const char *id)
{
	const char *p;

	if (!*id)
		return error_set(BOSUN_EUSAGE, "prerelease id is empty");
	for (p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			return error_set(BOSUN_EUSAGE,
					 "prerelease id '%s' may hold only [0-9A-Za-z-]",
					 id);
	/* A numeric id ("1", "01") would make X.Y.Z-1.N: invalid or ambiguous. */
	if (strspn(id, "0123456789") == strlen(id))
		return error_set(BOSUN_EUSAGE,
				 "prerelease id '%s' needs a letter (alpha, beta, rc, ...)", id);
	return 0;
}

static int first_release(struct next_result *res, const struct next_opts *opts)
{
	const char *init = opts->initial ? opts->initial : "0.1.0";

	if (semver_parse(&res->next, init, -1) < 0)
		return error_prefix("release.initial");
	return 0;
}

/*
 * The release to bump: the latest stable one, or a prerelease above it (or
 * with none). A prerelease tag is a release: after only v1.0.0-beta.1 the
 * next is 1.0.0, not release.initial, and never below a prerelease already
 * out (1.2.0, 1.3.0-rc.2, --level patch: 1.3.0, not 1.2.1). semver_bump()
 * keeps a prerelease's X.Y.Z when it already holds the level.
 */
static const struct rtag *bump_base(const struct next_result *res)
{
	if (res->latest && res->latest->ver.pre &&
	    (!res->previous ||
	     semver_cmp(&res->latest->ver, &res->previous->ver) > 0))
		return res->latest;
	return res->previous;
}

int version_next(struct next_result *out, struct history *h,
		 const struct rtags *tags, uint32_t head,
		 const struct next_opts *opts)
{
	const struct rtag *base_tag;
	uint32_t *list = NULL, base;
	size_t n;
	int r;

	if (opts->pre && (r = check_pre_id(opts->pre)) < 0)
		return r;
	if (version_current(&out->latest, h, tags, head, 1) < 0)
		error_clear();
	if (version_current(&out->previous, h, tags, head, 0) < 0)
		error_clear();
	if (h->hit_boundary && !out->previous) {
		r = error_set(BOSUN_EDATA,
			      "shallow clone: the history ends before the last release");
		error_hint("run 'git fetch --unshallow --tags', or in CI check out with fetch-depth: 0");
		return r;
	}
	base = out->previous ? out->previous->idx : 0;
	n = version_range(h, head, &base, out->previous ? 1 : 0, &list);
	out->considered = n;
	classify(out, h, list, n, &opts->rules);
	free(list);
	if (opts->level)
		out->level = opts->level;
	if (!out->level) {
		if (out->previous)
			return error_set(BOSUN_EFAIL, "nothing to release since %s",
					 out->previous->name);
		return error_set(BOSUN_EFAIL,
				 "nothing to release: no feat, fix or breaking change yet");
	}
	if ((base_tag = bump_base(out)))
		semver_bump(&out->next, &base_tag->ver, out->level,
			    opts->zero_major);
	else if ((r = first_release(out, opts)) < 0)
		return r;
	if (opts->pre)
		return apply_pre(out, h, tags, opts->pre);
	return 0;
}

void next_result_release(struct next_result *res)
{
	size_t i;

	for (i = 0; i < res->nr; i++)
		free(res->commits[i].header);
	free(res->commits);
	semver_release(&res->next);
	memset(res, 0, sizeof(*res));
}

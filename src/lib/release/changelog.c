#include "lib/release/changelog.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/redact.h"
#include "lib/release/commit.h"
#include "lib/release/version.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int section_of(const struct changelog_opts *opts, const char *type)
{
	size_t i, n = opts->sections ? json_array_size(opts->sections) : 0;

	for (i = 0; i < n; i++) {
		const char *t = json_string_value(
			json_object_get(json_array_get(opts->sections, i), "type"));

		if (t && !strcasecmp(t, type))
			return (int)i;
	}
	return -1;
}

/*
 * A copy of s with its credentials redacted; *kind names the first one
 * found (left alone when there is none). Every entry's text passes here, so
 * the Markdown, the JSON and the CHANGELOG.md file a release writes all
 * show a token in a commit message redacted: a changelog is published.
 */
static char *redacted_dup(const char *s, const char **kind)
{
	struct strbuf sb = STRBUF_INIT;
	size_t at = 0, end, len = strlen(s);
	const char *k = redact_find(s, len, REDACT_SHAPES, &at, &end);

	if (!k)
		return xstrdup(s);
	if (!*kind)
		*kind = k;
	redact_with(&sb, s, len, REDACT_SHAPES);
	return strbuf_detach(&sb, NULL);
}

static void add_entry(struct cl_release *rel, const struct changelog_opts *opts,
		      const struct cc_commit *c, uint32_t idx)
{
	struct cl_entry *e;
	int sec = section_of(opts, c->type);

	if (sec < 0 && !c->breaking && (!opts->other_title || !*opts->other_title))
		return;
	ALLOC_GROW(rel->entries, rel->nr + 1, rel->alloc);
	e = &rel->entries[rel->nr++];
	e->section = sec;
	e->secret = NULL;
	e->scope = c->scope ? redacted_dup(c->scope, &e->secret) : NULL;
	e->description = redacted_dup(c->description ? c->description : "",
				      &e->secret);
	e->breaking_text = c->breaking ?
		redacted_dup(c->breaking_text ? c->breaking_text : e->description,
			     &e->secret) : NULL;
	e->idx = idx;
	/* A breaking change of a hidden type shows only under BREAKING CHANGES. */
	if (sec < 0 && (!opts->other_title || !*opts->other_title))
		e->section = -2;
}

static int same_header(const struct cc_commit *a, const struct cc_commit *b)
{
	return a->header && b->header && !strcmp(a->header, b->header);
}

/* A non-conventional 'Revert "x"' is shown under the revert type. */
static void as_revert(struct cc_commit *c)
{
	if (c->conventional || !c->is_revert || !c->header)
		return;
	c->conventional = 1;
	free(c->type);
	c->type = xstrdup("revert");
	free(c->description);
	c->description = xstrdup(c->header);
}

static void collect(struct cl_release *rel, struct history *h,
		    const uint32_t *list, size_t n,
		    const struct changelog_opts *opts)
{
	struct cc_commit *parsed = xcalloc(n ? n : 1, sizeof(*parsed));
	char *cancel = xcalloc(n ? n : 1, 1);
	size_t i, k;

	for (i = 0; i < n; i++) {
		size_t len;
		const char *msg = history_message(h, list[i], &len);

		cc_parse(&parsed[i], msg, len);
	}
	for (i = 0; i < n; i++) {
		char hex[41];

		if (!parsed[i].is_revert || !parsed[i].reverts || cancel[i])
			continue;
		for (k = 0; k < n; k++) {
			oid_to_hex(h->commits[list[k]].oid, hex);
			if (k != i && strlen(parsed[i].reverts) >= 7 &&
			    !strncmp(hex, parsed[i].reverts, strlen(parsed[i].reverts))) {
				cancel[i] = cancel[k] = 1;
				break;
			}
		}
	}
	rel->nr_commits = n;
	for (i = 0; i < n; i++) {
		struct cc_commit parts[64];
		size_t np;
		char *rest;

		if (cancel[i] || h->commits[list[i]].nr_parents > 1)
			continue;
		as_revert(&parsed[i]);
		if (parsed[i].conventional)
			add_entry(rel, opts, &parsed[i], list[i]);
		rest = history_message_rest(h, list[i]);
		np = rest ? cc_parse_squashed(parts, 64, rest) : 0;
		free(rest);
		for (k = 0; k < np; k++) {
			if (!same_header(&parts[k], &parsed[i]))
				add_entry(rel, opts, &parts[k], list[i]);
			cc_release(&parts[k]);
		}
	}
	for (i = 0; i < n; i++)
		cc_release(&parsed[i]);
	free(parsed);
	free(cancel);
}

static void set_date(struct cl_release *rel, const struct history *h)
{
	time_t t = (time_t)h->commits[rel->idx].time;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(rel->date, sizeof(rel->date), "%Y-%m-%d", &tm);
}

/* An entry for a release being made now is dated today (UTC). */
static void set_today(struct cl_release *rel)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(rel->date, sizeof(rel->date), "%Y-%m-%d", &tm);
}

static struct cl_release *new_release(struct changelog *cl, const char *version,
				      const char *tag, uint32_t idx)
{
	struct cl_release *rel;

	ALLOC_GROW(cl->rel, cl->nr + 1, cl->alloc);
	rel = &cl->rel[cl->nr++];
	memset(rel, 0, sizeof(*rel));
	rel->version = version ? xstrdup(version) : NULL;
	rel->tag = tag ? xstrdup(tag) : NULL;
	rel->idx = idx;
	set_date(rel, cl->h);
	return rel;
}

/* Label every commit reachable from tip and not yet labelled with label;
 * the commits are appended to *list. */
static size_t claim(struct history *h, uint32_t tip, int32_t label,
		    uint32_t **list, size_t *alloc_list)
{
	uint32_t *stack = NULL;
	size_t nr = 0, alloc = 0, n = 0;

	if (h->commits[tip].label >= 0)
		return 0;
	ALLOC_GROW(stack, 1, alloc);
	stack[nr++] = tip;
	h->commits[tip].label = label;
	while (nr) {
		uint32_t c = stack[--nr], k;
		const uint32_t *par = history_parents(h, c);

		ALLOC_GROW(*list, n + 1, *alloc_list);
		(*list)[n++] = c;
		for (k = h->commits[c].nr_parents; k-- > 0;) {
			if (h->commits[par[k]].label >= 0)
				continue;
			h->commits[par[k]].label = label;
			ALLOC_GROW(stack, nr + 1, alloc);
			stack[nr++] = par[k];
		}
	}
	free(stack);
	return n;
}

static void reset_labels(struct history *h)
{
	size_t i;

	for (i = 0; i < h->nr; i++)
		h->commits[i].label = -1;
}

static void reverse_releases(struct changelog *cl)
{
	size_t i;

	for (i = 0; i < cl->nr / 2; i++) {
		struct cl_release tmp = cl->rel[i];

		cl->rel[i] = cl->rel[cl->nr - 1 - i];
		cl->rel[cl->nr - 1 - i] = tmp;
	}
}

/* Generation numbers: 1 for a root, else 1 + the highest of the parents'.
 * An ancestor always has a lower number than its descendants. */
static uint32_t *generations(struct history *h)
{
	uint32_t *gen = xcalloc(h->nr ? h->nr : 1, sizeof(*gen));
	uint32_t *stack = NULL;
	size_t nr = 0, alloc = 0, i;

	for (i = 0; i < h->nr; i++) {
		if (gen[i])
			continue;
		ALLOC_GROW(stack, nr + 1, alloc);
		stack[nr++] = (uint32_t)i;
		while (nr) {
			uint32_t c = stack[nr - 1], k, best = 0;
			const uint32_t *par = history_parents(h, c);
			int pushed = 0;

			if (gen[c] && gen[c] != UINT32_MAX) {
				nr--; /* reached again through another child */
				continue;
			}
			for (k = 0; k < h->commits[c].nr_parents; k++) {
				uint32_t g = gen[par[k]];

				if (!g || g == UINT32_MAX) {
					/* Not numbered yet: it goes (again) on top,
					 * so it is numbered before c. */
					ALLOC_GROW(stack, nr + 1, alloc);
					stack[nr++] = par[k];
					gen[par[k]] = UINT32_MAX;
					pushed = 1;
				} else if (g > best) {
					best = g;
				}
			}
			if (pushed)
				continue;
			gen[c] = best + 1;
			nr--;
		}
	}
	free(stack);
	return gen;
}

static const uint32_t *sort_gen;
static const struct rtag *sort_tags;

static int cmp_by_generation(const void *a, const void *b)
{
	const struct rtag *x = &sort_tags[*(const size_t *)a];
	const struct rtag *y = &sort_tags[*(const size_t *)b];

	if (sort_gen[x->idx] != sort_gen[y->idx])
		return sort_gen[x->idx] < sort_gen[y->idx] ? -1 : 1;
	return semver_cmp(&x->ver, &y->ver);
}

int changelog_all(struct changelog *out, struct history *h, struct rtags *tags,
		  uint32_t head, const struct changelog_opts *opts)
{
	uint32_t *list = NULL, gen, *gens, **stable;
	size_t alloc = 0, i, k, n, *stable_nr;
	size_t *top, *order;

	out->h = h;
	if (h->hit_boundary) {
		int r = error_set(BOSUN_EDATA,
				  "shallow clone: a full changelog needs the whole history");

		error_hint("run 'git fetch --unshallow --tags'");
		return r;
	}
	rtags_sort(tags);
	/* Of several tags on one commit, the highest speaks: top[commit] is
	 * the last (highest) tag on it in version order (of the stable tags
	 * alone in the first pass below). */
	top = xcalloc(h->nr ? h->nr : 1, sizeof(*top));
	/* Releases claim their commits ancestors first: a release holds what
	 * is reachable from its tag and from no earlier (lower) tagged commit,
	 * whatever the version numbers say. */
	gens = generations(h);
	order = xcalloc(tags->nr ? tags->nr : 1, sizeof(*order));
	for (i = 0; i < tags->nr; i++)
		order[i] = i;
	sort_gen = gens;
	sort_tags = tags->items;
	qsort(order, tags->nr, sizeof(*order), cmp_by_generation);
	gen = history_mark_new(h);
	history_mark_ancestors(h, head);
	/*
	 * A stable release lists everything since the last stable release,
	 * its prereleases' changes included (as bosun release writes it, and
	 * as semantic-release's notes do): a first pass claims for the stable
	 * tags alone and keeps each one's commits; the second claims for
	 * every tag, which gives the prereleases theirs.
	 */
	stable = xcalloc(tags->nr ? tags->nr : 1, sizeof(*stable));
	stable_nr = xcalloc(tags->nr ? tags->nr : 1, sizeof(*stable_nr));
	memset(top, 0, (h->nr ? h->nr : 1) * sizeof(*top));
	for (i = 0; i < tags->nr; i++)
		if (!tags->items[i].ver.pre)
			top[tags->items[i].idx] = i + 1;
	reset_labels(h);
	for (k = 0; k < tags->nr; k++) {
		const struct rtag *t = &tags->items[order[k]];
		size_t a = 0;

		i = order[k];
		if (h->commits[t->idx].mark != gen || top[t->idx] != i + 1)
			continue;
		stable_nr[i] = claim(h, t->idx, (int32_t)i, &stable[i], &a);
	}
	for (i = 0; i < tags->nr; i++)
		top[tags->items[i].idx] = i + 1;
	reset_labels(h);
	for (k = 0; k < tags->nr; k++) {
		const struct rtag *t = &tags->items[order[k]];
		struct cl_release *rel;
		struct strbuf v = STRBUF_INIT;

		if (h->commits[t->idx].mark != gen)
			continue;
		i = order[k];
		if (top[t->idx] != i + 1)
			continue;
		n = claim(h, t->idx, (int32_t)i, &list, &alloc);
		semver_format(&v, &t->ver);
		rel = new_release(out, v.buf, t->name, t->idx);
		strbuf_release(&v);
		if (t->ver.pre)
			collect(rel, h, list, n, opts);
		else
			collect(rel, h, stable[i], stable_nr[i], opts);
	}
	for (i = 0; i < tags->nr; i++)
		free(stable[i]);
	free(stable);
	free(stable_nr);
	n = claim(h, head, (int32_t)tags->nr, &list, &alloc);
	if (n)
		collect(new_release(out, NULL, NULL, head), h, list, n, opts);
	free(list);
	free(top);
	free(order);
	free(gens);
	reverse_releases(out);
	return 0;
}

int changelog_range(struct changelog *out, struct history *h, const uint32_t *base,
		    uint32_t tip, const struct changelog_opts *opts,
		    const char *title)
{
	uint32_t *list = NULL;
	size_t n;

	out->h = h;
	n = version_range(h, tip, base, base ? 1 : 0, &list);
	collect(new_release(out, title, NULL, tip), h, list, n, opts);
	free(list);
	return 0;
}

int changelog_unreleased(struct changelog *out, struct history *h,
			 struct rtags *tags, uint32_t head,
			 const struct changelog_opts *opts,
			 const char *version, const char *tag)
{
	const struct rtag *cur = NULL;
	struct semver v = SEMVER_INIT;
	struct cl_release *rel;
	uint32_t *list = NULL;
	int stable = 0;
	size_t n;

	out->h = h;
	/* A stable release lists everything since the last stable one, its
	 * prereleases' changes included; anything else, since the latest. */
	if (version && semver_parse(&v, version, -1) == 0)
		stable = !v.pre;
	error_clear();
	semver_release(&v);
	if (version_current(&cur, h, tags, head, !stable) < 0)
		error_clear();
	if (h->hit_boundary && !cur) {
		int r = error_set(BOSUN_EDATA,
				  "shallow clone: the history ends before the last release");

		error_hint("run 'git fetch --unshallow --tags'");
		return r;
	}
	n = version_range(h, head, cur ? &cur->idx : NULL, cur ? 1 : 0, &list);
	rel = new_release(out, version, tag, head);
	if (version && opts->dated_today)
		set_today(rel);
	collect(rel, h, list, n, opts);
	free(list);
	return 0;
}

static void add_link_text(struct strbuf *sb, const char *s,
			  const struct changelog_opts *opts)
{
	const char *issues = opts->host == CL_HOST_GITLAB ? "/-/issues/" : "/issues/";
	const char *p = s;

	if (!opts->repo_url) {
		strbuf_addstr(sb, s);
		return;
	}
	while (*p) {
		const char *hash = strchr(p, '#');
		size_t digits = 0;

		if (!hash) {
			strbuf_addstr(sb, p);
			break;
		}
		while (hash[1 + digits] >= '0' && hash[1 + digits] <= '9')
			digits++;
		/* "#12" alone, not inside a word or an existing link. */
		if (!digits || (hash > s && (hash[-1] == '[' || hash[-1] == '&' ||
					     (hash[-1] >= 'a' && hash[-1] <= 'z')))) {
			strbuf_add(sb, p, (size_t)(hash - p) + 1);
			p = hash + 1;
			continue;
		}
		strbuf_add(sb, p, (size_t)(hash - p));
		strbuf_addf(sb, "[#%.*s](%s%s%.*s)", (int)digits, hash + 1,
			    opts->repo_url, issues, (int)digits, hash + 1);
		p = hash + 1 + digits;
	}
}

static void add_commit_ref(struct strbuf *sb, const struct history *h,
			   uint32_t idx, const struct changelog_opts *opts)
{
	char hex[41];

	oid_to_hex(h->commits[idx].oid, hex);
	if (opts->repo_url)
		strbuf_addf(sb, " ([%.7s](%s%s%s))", hex, opts->repo_url,
			    opts->host == CL_HOST_GITLAB ? "/-/commit/" : "/commit/",
			    hex);
	else
		strbuf_addf(sb, " (%.7s)", hex);
}

static void add_bullet(struct strbuf *sb, const struct history *h,
		       const struct cl_entry *e, const char *text,
		       const struct changelog_opts *opts)
{
	const char *nl = strchr(text, '\n');

	strbuf_addstr(sb, "- ");
	if (e->scope)
		strbuf_addf(sb, "**%s:** ", e->scope);
	if (nl) {
		/* A multi-line footer: continuation lines indented under the bullet. */
		struct strbuf t = STRBUF_INIT;
		const char *p;

		for (p = text; *p; p++) {
			strbuf_addch(&t, *p);
			if (*p == '\n' && p[1])
				strbuf_addstr(&t, "  ");
		}
		strbuf_rtrim(&t);
		add_link_text(sb, t.buf, opts);
		strbuf_release(&t);
	} else {
		add_link_text(sb, text, opts);
	}
	add_commit_ref(sb, h, e->idx, opts);
	strbuf_addch(sb, '\n');
}

static const char *section_title(const struct changelog_opts *opts, int sec)
{
	if (sec < 0)
		return opts->other_title;
	return json_string_value(
		json_object_get(json_array_get(opts->sections, (size_t)sec), "title"));
}

void changelog_release_markdown(struct strbuf *sb, const struct changelog *cl,
				const struct cl_release *rel,
				const struct changelog_opts *opts)
{
	size_t i, nsec = opts->sections ? json_array_size(opts->sections) : 0;
	int sec, any = 0;

	if (rel->version)
		strbuf_addf(sb, "## [%s] - %s\n", rel->version, rel->date);
	else
		strbuf_addstr(sb, "## [Unreleased]\n");
	for (i = 0; i < rel->nr; i++)
		if (rel->entries[i].breaking_text && !any++)
			strbuf_addstr(sb, "\n### BREAKING CHANGES\n\n");
	for (i = 0; i < rel->nr; i++)
		if (rel->entries[i].breaking_text)
			add_bullet(sb, cl->h, &rel->entries[i],
				   rel->entries[i].breaking_text, opts);
	for (sec = 0; sec <= (int)nsec; sec++) {
		int want = sec < (int)nsec ? sec : -1;
		const char *title = section_title(opts, want);
		int shown = 0;

		if (!title || !*title)
			continue;
		for (i = 0; i < rel->nr; i++) {
			if (rel->entries[i].section != want)
				continue;
			if (!shown++)
				strbuf_addf(sb, "\n### %s\n\n", title);
			add_bullet(sb, cl->h, &rel->entries[i],
				   rel->entries[i].description, opts);
		}
	}
}

void changelog_markdown(struct strbuf *sb, const struct changelog *cl,
			const struct changelog_opts *opts)
{
	size_t i;

	for (i = 0; i < cl->nr; i++) {
		if (i)
			strbuf_addch(sb, '\n');
		changelog_release_markdown(sb, cl, &cl->rel[i], opts);
	}
}

static json_t *jstr(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *j;

	if (!s)
		return json_null();
	strbuf_add_utf8_lossy(&sb, s, strlen(s));
	j = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	return j;
}

static json_t *entry_json(const struct changelog *cl, const struct cl_entry *e,
			  const struct changelog_opts *opts)
{
	char hex[41];
	const char *title = e->section >= -1 ? section_title(opts, e->section) : NULL;

	oid_to_hex(cl->h->commits[e->idx].oid, hex);
	return json_pack("{s:o, s:o, s:o, s:s, s:s#, s:b, s:o}",
			 "section", jstr(title), "scope", jstr(e->scope),
			 "description", jstr(e->description), "commit", hex,
			 "short", hex, (int)7, "breaking", e->breaking_text != NULL,
			 "breaking_text", jstr(e->breaking_text));
}

json_t *changelog_json(const struct changelog *cl,
		       const struct changelog_opts *opts)
{
	json_t *arr = json_array();
	size_t i, k;

	for (i = 0; i < cl->nr; i++) {
		const struct cl_release *rel = &cl->rel[i];
		json_t *entries = json_array();
		char hex[41];

		oid_to_hex(cl->h->commits[rel->idx].oid, hex);
		for (k = 0; k < rel->nr; k++)
			json_array_append_new(entries, entry_json(cl, &rel->entries[k], opts));
		json_array_append_new(arr, json_pack("{s:o, s:o, s:s, s:s, s:I, s:o}",
			"version", jstr(rel->version), "tag", jstr(rel->tag),
			"date", rel->date, "commit", hex,
			"commits", (json_int_t)rel->nr_commits, "entries", entries));
	}
	return arr;
}

void changelog_release(struct changelog *cl)
{
	size_t i, k;

	for (i = 0; i < cl->nr; i++) {
		struct cl_release *rel = &cl->rel[i];

		for (k = 0; k < rel->nr; k++) {
			free(rel->entries[k].scope);
			free(rel->entries[k].description);
			free(rel->entries[k].breaking_text);
		}
		free(rel->entries);
		free(rel->version);
		free(rel->tag);
	}
	free(cl->rel);
	memset(cl, 0, sizeof(*cl));
}

/* The heading line of an entry ("## [1.2.3] - ..." up to the first ']'). */
static size_t heading_key(const char *entry)
{
	const char *rb = strchr(entry, ']');

	return rb && !strncmp(entry, "## [", 4) ? (size_t)(rb - entry) + 1 : 0;
}

static const char *find_line(const char *text, const char *prefix, size_t len)
{
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, prefix, len))
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

int changelog_prepend_text(struct strbuf *sb, const char *entry)
{
	struct strbuf ins = STRBUF_INIT;
	size_t klen = heading_key(entry);
	const char *at;

	if (!klen)
		return error_set(BOSUN_EINTERNAL, "changelog entry has no heading");
	if (!sb->len)
		strbuf_addstr(sb, "# Changelog\n\n");
	if (find_line(sb->buf, entry, klen))
		return 1;
	strbuf_addstr(&ins, entry);
	strbuf_rtrim(&ins);
	strbuf_addstr(&ins, "\n\n");
	at = find_line(sb->buf, "## ", 3);
	if (at) {
		strbuf_insert(sb, (size_t)(at - sb->buf), ins.buf, ins.len);
	} else {
		strbuf_rtrim(sb);
		strbuf_addstr(sb, "\n\n");
		strbuf_addbuf(sb, &ins);
		strbuf_rtrim(sb);
		strbuf_addch(sb, '\n');
	}
	strbuf_release(&ins);
	return 0;
}

int changelog_prepend(const char *path, const char *entry)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	r = fs_read_file(&sb, path, CHANGELOG_MAX_BYTES);
	if (r == -BOSUN_ENOTFOUND)
		error_clear();
	else if (r < 0)
		goto out;
	r = changelog_prepend_text(&sb, entry);
	if (r == 0)
		r = write_file_atomic(path, sb.buf, sb.len, 0666);
out:
	strbuf_release(&sb);
	return r;
}

static int strip_suffix(struct strbuf *sb, const char *suffix)
{
	size_t l = strlen(suffix);

	if (sb->len >= l && !strcmp(sb->buf + sb->len - l, suffix)) {
		strbuf_setlen(sb, sb->len - l);
		return 1;
	}
	return 0;
}

int changelog_web_url(struct strbuf *out, enum cl_host *host, const char *remote)
{
	const char *p = remote, *at, *colon;
	struct strbuf hostpath = STRBUF_INIT;

	if (!strncmp(p, "https://", 8) || !strncmp(p, "http://", 7) ||
	    !strncmp(p, "ssh://", 6) || !strncmp(p, "git://", 6)) {
		p = strstr(p, "://") + 3;
		at = strchr(p, '@');
		if (at && at < strchr(p, '/'))
			p = at + 1;
		strbuf_addstr(&hostpath, p);
		/* ssh://git@host:22/o/r: drop a port. */
		colon = strchr(hostpath.buf, ':');
		if (colon && colon < strchr(hostpath.buf, '/')) {
			const char *slash = strchr(colon, '/');

			strbuf_splice(&hostpath, (size_t)(colon - hostpath.buf),
				      (size_t)(slash - colon), "", 0);
		}
	} else if ((at = strchr(p, '@')) && (colon = strchr(at, ':'))) {
		strbuf_add(&hostpath, at + 1, (size_t)(colon - at - 1));
		strbuf_addch(&hostpath, '/');
		strbuf_addstr(&hostpath, colon + 1);
	} else {
		strbuf_release(&hostpath);
		return -1;
	}
	strip_suffix(&hostpath, "/");
	strip_suffix(&hostpath, ".git");
	/* The host alone decides: "example.com/github/x" is not GitHub. */
	{
		const char *slash = strchr(hostpath.buf, '/');
		size_t hl = slash ? (size_t)(slash - hostpath.buf) : hostpath.len;

		if (memmem(hostpath.buf, hl, "github", 6))
			*host = CL_HOST_GITHUB;
		else if (memmem(hostpath.buf, hl, "gitlab", 6))
			*host = CL_HOST_GITLAB;
		else
			*host = CL_HOST_NONE;
	}
	if (*host == CL_HOST_NONE) {
		strbuf_release(&hostpath);
		return -1;
	}
	strbuf_addstr(out, "https://");
	strbuf_addbuf(out, &hostpath);
	strbuf_release(&hostpath);
	return 0;
}

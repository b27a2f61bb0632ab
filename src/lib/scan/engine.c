/*
 * engine.c - the scanning engine (see scan.h): one Vectorscan database for
 * all rules, PCRE2 to confirm, then the decisions.
 *
 * Vectorscan reports where a match *ends*. A candidate window reaches back
 * from there by the rule's longest match (Vectorscan tells it, capped at
 * WINDOW_BACK for unbounded rules) and a little forward, and PCRE2 finds
 * the real matches in it. A rule's matches already confirmed cover the
 * following end reports, so a long token costs one PCRE2 run, not one per
 * byte. For an exact (not prefilter) rule a report proves a match ends
 * there, so when none is found in the window it began further back (a
 * large PGP key block): the window then reaches back LONG_BACK, at most
 * LONG_TRIES times per rule and buffer, which bounds what a rule whose
 * reports PCRE2 never confirms can cost.
 *
 * When Vectorscan cannot be loaded (not installed, a CPU it does not
 * support, BOSUN_DL_DENY=vectorscan) the engine scans with PCRE2 only:
 * each rule's regex runs over the whole content (JIT; PCRE2's own start
 * optimisations skip to a rule's first literal), after the rule's keywords
 * are looked for in it, and the same decisions follow: the same findings,
 * slower. A DEGRADED event says so, once per run.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "lib/scan/scan.h"

#include "core/alloc.h"
#include "core/dl.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "lib/scan/hsapi.h"
#include "lib/scan/internal.h"

#include <ctype.h>
#include <limits.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WINDOW_BACK 8192
#define WINDOW_AHEAD 256
#define LONG_BACK (1024 * 1024)
#define LONG_TRIES 8
#define NAME_BACK 64     /* how far a match's name may reach back */
#define CACHE_MAGIC "bosun-scan-db 1\n"
/* A pathological regex gives up on a candidate instead of hanging. */
#define MATCH_LIMIT 1000000

/* ---- hashing ------------------------------------------------------------- */

uint64_t scan_hash(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- keywords without Vectorscan ----------------------------------------- */

/*
 * Which rules' keywords a file holds, in one pass over it whatever the
 * number of rules: the distinct keywords of all rules, chained by the
 * (lowercased) byte pair each begins with; at each position the pair is
 * looked up, and only the keywords that begin so are compared. A rule
 * with keywords is run on a file only when one of them is there (a match
 * must hold one, so this finds the same). keywords_ok() then asks the
 * same of each match.
 */
struct scan_keywords {
	char **words;           /* distinct, lowercase (the rules' own) */
	size_t *len;
	size_t nr;
	uint32_t *head;         /* byte pair (or 256 + byte, one-byte words)
				 * -> first word + 1 beginning so, 0: none */
	uint32_t *next;         /* per word: the next one + 1 of its pair */
	uint32_t **of_rule;     /* per rule: its words' indices */
	unsigned char lc[256];
};

static size_t keyword_index(struct scan_keywords *k, const char *word)
{
	size_t i;

	for (i = 0; i < k->nr; i++)
		if (!strcmp(k->words[i], word))
			return i;
	k->words = xrealloc(k->words, (k->nr + 1) * sizeof(*k->words));
	k->len = xrealloc(k->len, (k->nr + 1) * sizeof(*k->len));
	k->words[k->nr] = (char *)word;
	k->len[k->nr] = strlen(word);
	return k->nr++;
}

static struct scan_keywords *keywords_new(const struct scan_rules *rs)
{
	struct scan_keywords *k = xcalloc(1, sizeof(*k));
	size_t i, j, slot;

	for (i = 0; i < 256; i++)
		k->lc[i] = (unsigned char)tolower((int)i);
	k->of_rule = xcalloc(rs->nr, sizeof(*k->of_rule));
	for (i = 0; i < rs->nr; i++) {
		const struct scan_rule *rule = rs->items[i];

		if (!rule->nr_keywords)
			continue;
		k->of_rule[i] = xcalloc(rule->nr_keywords, sizeof(**k->of_rule));
		for (j = 0; j < rule->nr_keywords; j++)
			k->of_rule[i][j] = (uint32_t)keyword_index(k, rule->keywords[j]);
	}
	k->head = xcalloc(65536 + 256, sizeof(*k->head));
	k->next = xcalloc(k->nr + 1, sizeof(*k->next));
	for (i = k->nr; i-- > 0;) {
		const unsigned char *w = (const unsigned char *)k->words[i];

		if (!k->len[i])
			continue;
		slot = k->len[i] == 1 ? 65536 + (size_t)w[0] : (size_t)w[0] << 8 | w[1];
		k->next[i] = k->head[slot];
		k->head[slot] = (uint32_t)i + 1;
	}
	return k;
}

static void keywords_free(struct scan_keywords *k, size_t nr_rules)
{
	size_t i;

	if (!k)
		return;
	for (i = 0; i < nr_rules; i++)
		free(k->of_rule[i]);
	free(k->of_rule);
	free(k->words);
	free(k->len);
	free(k->head);
	free(k->next);
	free(k);
}

/* Mark in seen (one byte per keyword, cleared here) the keywords that
 * data[from, len) holds, in any case. */
static void keywords_find(const struct scan_keywords *k, const char *data, size_t from,
			  size_t len, unsigned char *seen)
{
	const unsigned char *d = (const unsigned char *)data, *lc = k->lc;
	size_t i, found = 0, n;
	uint32_t w;

	memset(seen, 0, k->nr);
	for (i = from; i < len && found < k->nr; i++) {
		for (w = k->head[65536 + lc[d[i]]]; w; w = k->next[w - 1])
			if (!seen[w - 1]) {
				seen[w - 1] = 1;
				found++;
			}
		if (i + 1 == len)
			break;
		for (w = k->head[(size_t)lc[d[i]] << 8 | lc[d[i + 1]]]; w; w = k->next[w - 1]) {
			const char *word = k->words[w - 1];

			if (seen[w - 1] || (n = k->len[w - 1]) > len - i)
				continue;
			while (n > 2 && lc[d[i + n - 1]] == (unsigned char)word[n - 1])
				n--;
			if (n == 2) {
				seen[w - 1] = 1;
				found++;
			}
		}
	}
}

/* ---- the database -------------------------------------------------------- */

static uint64_t rules_key(const struct scan_rules *rs)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *v = hs_version();
	size_t i;

	h = scan_hash(h, v, strlen(v) + 1);
	for (i = 0; i < rs->nr; i++)
		h = scan_hash(h, rs->items[i]->regex, strlen(rs->items[i]->regex) + 1);
	return h;
}

/* The streaming database has a key (and file) of its own. */
static uint64_t mode_key(const struct scan_engine *e, unsigned mode)
{
	return mode == HS_MODE_STREAM ? scan_hash(e->key, "stream", 6) : e->key;
}

static void cache_path(struct strbuf *sb, const struct scan_engine *e, unsigned mode)
{
	strbuf_addf(sb, "%s/scan-%016llx.db", e->cache_dir,
		    (unsigned long long)mode_key(e, mode));
}

/* Read the cached database; 0 when there is none usable (not an error). */
static int cache_load(struct scan_engine *e, unsigned mode, struct hs_database **db)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	size_t hdr = strlen(CACHE_MAGIC), meta = e->nr * 2 * sizeof(uint32_t);
	int ok = 0;

	if (!e->cache_dir)
		return 0;
	cache_path(&path, e, mode);
	if (fs_read_file(&sb, path.buf, 256u << 20) == 0 && sb.len > hdr + meta &&
	    !memcmp(sb.buf, CACHE_MAGIC, hdr) &&
	    hs_deserialize_database(sb.buf + hdr + meta, sb.len - hdr - meta,
				    db) == HS_SUCCESS) {
		size_t i;
		uint32_t v[2];

		for (i = 0; i < e->nr; i++) {
			memcpy(v, sb.buf + hdr + i * sizeof(v), sizeof(v));
			e->flags[i] = v[0];
			e->width[i] = v[1];
		}
		ok = 1;
	}
	error_clear();
	strbuf_release(&path);
	strbuf_release(&sb);
	return ok;
}

/* Keep the database for the next run; failing to is not an error. */
static void cache_save(struct scan_engine *e, unsigned mode, struct hs_database *db)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	char *bytes = NULL;
	size_t len = 0, i;

	if (!e->cache_dir || hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		return;
	strbuf_addstr(&sb, CACHE_MAGIC);
	for (i = 0; i < e->nr; i++) {
		uint32_t v[2] = { e->flags[i], e->width[i] };

		strbuf_add(&sb, v, sizeof(v));
	}
	strbuf_add(&sb, bytes, len);
	free(bytes);
	cache_path(&path, e, mode);
	if (fs_mkdir_p(e->cache_dir) == 0)
		write_file_atomic(path.buf, sb.buf, sb.len, 0644);
	error_clear();
	strbuf_release(&path);
	strbuf_release(&sb);
}

/* Flags for rule i: exact when Vectorscan can, else prefilter (a superset
 * of the matches, which PCRE2 then narrows). Also its longest match. */
static int rule_flags(struct scan_engine *e, size_t i)
{
	const struct scan_rule *rule = e->rules->items[i];
	static const unsigned tries[] = {
		HS_FLAG_MULTILINE, HS_FLAG_MULTILINE | HS_FLAG_PREFILTER,
	};
	hs_compile_error_t *err = NULL;
	hs_expr_info_t *info = NULL;
	size_t t;

	for (t = 0; t < ARRAY_SIZE(tries); t++) {
		if (hs_expression_info(rule->regex, tries[t], &info, &err) == HS_SUCCESS)
			break;
		if (t + 1 == ARRAY_SIZE(tries)) {
			int r = error_set(BOSUN_EDATA, "%s: rule '%s': Vectorscan cannot "
					  "use this regex: %s", rule->origin, rule->id,
					  err && err->message ? err->message : "?");

			hs_free_compile_error(err);
			return r;
		}
		hs_free_compile_error(err);
		err = NULL;
	}
	e->flags[i] = tries[t];
	e->width[i] = info->max_width > WINDOW_BACK ? WINDOW_BACK : info->max_width;
	free(info);
	return 0;
}

static int compile_db(struct scan_engine *e, unsigned mode, struct hs_database **db)
{
	const char **exprs = xcalloc(e->nr + 1, sizeof(*exprs));
	unsigned *ids = xcalloc(e->nr + 1, sizeof(*ids));
	hs_compile_error_t *err = NULL;
	size_t i;
	int r = 0;

	for (i = 0; i < e->nr && r == 0; i++) {
		exprs[i] = e->rules->items[i]->regex;
		ids[i] = (unsigned)i;
		r = rule_flags(e, i);
	}
	if (r == 0 && hs_compile_multi(exprs, e->flags, ids, (unsigned)e->nr,
				       mode, NULL, db, &err) != HS_SUCCESS) {
		int bad = err ? err->expression : -1;

		r = error_set(BOSUN_EDATA, "%s%scannot compile the rules: %s",
			      bad >= 0 ? e->rules->items[bad]->origin : "",
			      bad >= 0 ? ": " : "", err && err->message ? err->message : "?");
		hs_free_compile_error(err);
	}
	free(exprs);
	free(ids);
	return r;
}

int scan_engine_new(struct scan_engine **out, struct scan_rules *rules,
		    const struct scan_opts *o)
{
	struct scan_engine *e;
	int r;

	if (!rules->nr)
		return error_set(BOSUN_EDATA, "no rules to scan with");
	/* A cached database needs only the runtime; compiling, libhs. */
	if ((r = hsapi_load_runtime()) < 0) {
		if (r != -BOSUN_EUNAVAILABLE)
			return r;
		/* Logged by the loader already when the library is missing;
		 * here too when it loaded but cannot run (once per run). */
		dl_degraded("vectorscan", HSAPI_DEGRADES, error_message());
		error_clear();
	}
	e = xcalloc(1, sizeof(*e));
	e->rules = rules;
	e->nr = rules->nr;
	e->opts = *o;
	e->pcre_only = r < 0;
	e->cache_dir = o->cache_dir ? xstrdup(o->cache_dir) : NULL;
	e->root = o->root ? realpath(o->root, NULL) : NULL;
	e->cwd = getcwd(NULL, 0);
	e->flags = xcalloc(e->nr, sizeof(*e->flags));
	e->width = xcalloc(e->nr, sizeof(*e->width));
	pthread_mutex_init(&e->lock, NULL);
	e->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(e->mctx, MATCH_LIMIT);
	if (e->pcre_only) {
		e->kw = keywords_new(rules);
		*out = e;
		return 0;
	}
	e->key = rules_key(rules);
	e->cached = cache_load(e, HS_MODE_BLOCK, &e->db);
	if (!e->cached) {
		if ((r = hsapi_load()) < 0 || (r = compile_db(e, HS_MODE_BLOCK, &e->db)) < 0) {
			scan_engine_free(e);
			return r;
		}
		cache_save(e, HS_MODE_BLOCK, e->db);
	}
	if (hs_alloc_scratch(e->db, &e->scratch) != HS_SUCCESS) {
		scan_engine_free(e);
		return error_set(BOSUN_EINTERNAL, "cannot allocate Vectorscan scratch");
	}
	*out = e;
	return 0;
}

void scan_engine_free(struct scan_engine *e)
{
	if (!e)
		return;
	if (e->scratch)
		hs_free_scratch(e->scratch);
	if (e->db)
		hs_free_database(e->db);
	if (e->sdb)
		hs_free_database(e->sdb);
	free(e->sdb_err);
	keywords_free(e->kw, e->nr);
	pcre2_match_context_free(e->mctx);
	pthread_mutex_destroy(&e->lock);
	free(e->flags);
	free(e->width);
	free(e->cache_dir);
	free(e->root);
	free(e->cwd);
	free(e);
}

int scan_engine_cached(const struct scan_engine *e)
{
	return e->cached;
}

const char *scan_engine_kind(const struct scan_engine *e)
{
	return e->pcre_only ? "pcre2" : "vectorscan";
}

void scan_engine_progress(struct scan_engine *e, size_t *files, size_t *bytes)
{
	*files = __atomic_load_n(&e->live_files, __ATOMIC_RELAXED);
	*bytes = __atomic_load_n(&e->live_bytes, __ATOMIC_RELAXED);
}

/* ---- workers ------------------------------------------------------------- */

static int stream_memory(struct scan_worker *w, const char *path, const char *commit,
			 const char *buf, size_t len, struct scan_report *rep);

struct scan_worker *scan_worker_new(struct scan_engine *e)
{
	struct scan_worker *w = xcalloc(1, sizeof(*w));

	w->e = e;
	if (!e->pcre_only && hs_clone_scratch(e->scratch, &w->scratch) != HS_SUCCESS)
		abort(); /* only memory can run out here */
	w->md = pcre2_match_data_create(32, NULL);
	w->covered = xcalloc(e->nr, sizeof(*w->covered));
	w->last_end = xcalloc(e->nr, sizeof(*w->last_end));
	w->long_tries = xcalloc(e->nr, sizeof(*w->long_tries));
	w->unsure = xcalloc(e->nr, sizeof(*w->unsure));
	if (e->kw)
		w->kw_seen = xcalloc(e->kw->nr + 1, 1);
	return w;
}

void scan_worker_free(struct scan_worker *w)
{
	if (!w)
		return;
	if (w->scratch)
		hs_free_scratch(w->scratch);
	pcre2_match_data_free(w->md);
	free(w->covered);
	free(w->last_end);
	free(w->long_tries);
	free(w->unsure);
	free(w->kw_seen);
	free(w->pend);
	strbuf_release(&w->buf);
	strbuf_release(&w->fpath);
	free(w);
}

/* The rule's PCRE2 code, compiled by the first thread that needs it. */
static pcre2_code *rule_code(struct scan_worker *w, size_t id, int *group)
{
	struct scan_rule *rule = w->e->rules->items[id];
	pcre2_code *re;
	uint32_t n = 0;

	pthread_mutex_lock(&w->e->lock);
	if (!rule->re && scan_rule_compile(rule) < 0)
		error_clear();
	re = rule->re;
	pthread_mutex_unlock(&w->e->lock);
	if (re && rule->secret_group < 0)
		pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &n);
	*group = rule->secret_group >= 0 ? rule->secret_group : n ? 1 : 0;
	return re;
}

/* Line and column of off (an offset in the file, which data holds from
 * base on), counting on from the last one asked. */
static void locate(struct scan_worker *w, size_t off, unsigned *line, unsigned *col)
{
	const char *p, *end = w->data + (off - w->base);

	if (off < w->lpos) {
		w->lpos = w->base;
		w->lline = w->base_line;
		w->lstart = w->base_lstart;
	}
	for (p = w->data + (w->lpos - w->base); p < end &&
	     (p = memchr(p, '\n', (size_t)(end - p))); p++) {
		w->lline++;
		w->lstart = w->base + (size_t)(p - w->data) + 1;
	}
	w->lpos = off;
	*line = w->lline;
	*col = (unsigned)(off - w->lstart + 1);
}

static void line_bounds(const struct scan_worker *w, size_t off, size_t *s, size_t *e)
{
	const char *p;

	*s = off;
	while (*s && w->data[*s - 1] != '\n')
		(*s)--;
	p = memchr(w->data + off, '\n', w->len - off);
	*e = p ? (size_t)(p - w->data) : w->len;
}

static int allowed_by_comment(const struct scan_worker *w, const struct scan_rule *rule,
			      size_t ms, size_t me)
{
	size_t s, e;

	line_bounds(w, ms, &s, &e);
	if (e < me)
		line_bounds(w, me ? me - 1 : 0, &e, &e); /* to the match's last line */
	return scan_line_allows(w->data + s, e - s, rule->id);
}

/* dir/ is a prefix of path: the rest, else NULL. */
static const char *under(const char *path, const char *dir)
{
	size_t n = dir ? strlen(dir) : 0;

	if (!n || strncmp(path, dir, n))
		return NULL;
	if (dir[n - 1] == '/')
		return path + n;
	return path[n] == '/' ? path + n + 1 : path[n] ? NULL : path + n;
}

/* The path a fingerprint hashes: relative to the top of the work tree
 * (else to the current directory) whichever way it was given, so that
 * "x", "./x", "/abs/x" and "x" from a subdirectory agree. */
static const char *fingerprint_path(struct scan_worker *w)
{
	const char *rest;

	if (!w->given)
		return w->path;
	strbuf_reset(&w->fpath);
	if (w->path[0] != '/' && w->e->cwd)
		fs_path_join(&w->fpath, w->e->cwd, w->path);
	else
		strbuf_addstr(&w->fpath, w->path);
	fs_path_normalize(&w->fpath);
	if (((rest = under(w->fpath.buf, w->e->root)) ||
	     (rest = under(w->fpath.buf, w->e->cwd))) && *rest)
		strbuf_splice(&w->fpath, 0, (size_t)(rest - w->fpath.buf), "", 0);
	return w->fpath.buf;
}

static void fingerprint(char out[17], const struct scan_rule *rule, const char *path,
			const char *line, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len && isspace((unsigned char)*line)) {
		line++;
		len--;
	}
	while (len && isspace((unsigned char)line[len - 1]))
		len--;
	h = scan_hash(h, rule->id, strlen(rule->id) + 1);
	h = scan_hash(h, path, strlen(path) + 1);
	h = scan_hash(h, line, len);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static int keywords_ok(const struct scan_rule *rule, const char *m, size_t len)
{
	size_t i, j, k, n;

	if (!rule->nr_keywords)
		return 1;
	for (i = 0; i < rule->nr_keywords; i++) {
		n = strlen(rule->keywords[i]);
		for (j = 0; n && j + n <= len; j++) {
			for (k = 0; k < n; k++)
				if (tolower((unsigned char)m[j + k]) != rule->keywords[i][k])
					break;
			if (k == n)
				return 1;
		}
	}
	return 0;
}

/* The bytes of the first four characters of s (UTF-8 sequences whole),
 * at most 16. */
static size_t prefix_len(const char *s, size_t len)
{
	size_t i = 0, chars = 0;

	/* Stray continuation bytes count too, or a secret of them would show. */
	while (i < len && i < 16) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == 4)
			break;
		i++;
	}
	return i;
}

/* Where the name that a match starts in begins: `matches` allowlists see
 * the whole name (primaryKey, not Key) without every rule's regex having
 * to reach back for it, which would make Vectorscan and PCRE2 slow. */
static size_t name_start(const struct scan_worker *w, size_t ms)
{
	size_t s = ms;

	while (s > 0 && ms - s < NAME_BACK &&
	       (isalnum((unsigned char)w->data[s - 1]) || w->data[s - 1] == '_' ||
		w->data[s - 1] == '.' || w->data[s - 1] == '-'))
		s--;
	return s;
}

/* Decide about one confirmed match; record it when it stands. */
static void decide(struct scan_worker *w, size_t id, size_t ms, size_t me,
		   size_t ss, size_t se)
{
	const struct scan_rule *rule = w->e->rules->items[id];
	const struct scan_opts *o = &w->e->opts;
	const char *secret = w->data + ss;
	size_t slen = se - ss, ls, le;
	struct scan_finding *f;
	struct strbuf sb = STRBUF_INIT;
	double h = scan_entropy(secret, slen);
	size_t ns = name_start(w, ms);

	if (!keywords_ok(rule, w->data + ms, me - ms) ||
	    (o->entropy && rule->entropy > 0 && h <= rule->entropy) ||
	    scan_allow_secret(&rule->allow, secret, slen) ||
	    scan_allow_secret(&w->e->rules->allow, secret, slen) ||
	    scan_allow_match(&rule->allow, w->data + ns, me - ns) ||
	    scan_allow_match(&w->e->rules->allow, w->data + ns, me - ns))
		return;
	if (allowed_by_comment(w, rule, ms, me)) {
		w->rep->st.allowed++;
		return;
	}
	ALLOC_GROW(w->rep->items, w->rep->nr + 1, w->rep->alloc);
	f = &w->rep->items[w->rep->nr];
	memset(f, 0, sizeof(*f));
	line_bounds(w, ss, &ls, &le);
	fingerprint(f->fingerprint, rule, fingerprint_path(w), w->data + ls, le - ls);
	/* Kept until the findings of all rules on this secret are merged
	 * (scan_report_finish): the baseline lists only one rule's. */
	f->baselined = o->baseline && scan_baseline_has(o->baseline, f->fingerprint);
	w->rep->nr++;
	f->rule = rule;
	f->rule_idx = (unsigned)id;
	f->file = xstrdup(w->path);
	f->commit = w->commit ? xstrdup(w->commit) : NULL;
	locate(w, w->base + ss, &f->line, &f->column);
	locate(w, w->base + se, &f->end_line, &f->end_column);
	strbuf_add(&sb, secret, prefix_len(secret, slen));
	strbuf_addstr(&sb, "****");
	f->redacted = strbuf_detach(&sb, NULL);
	f->entropy = h;
	f->offset = w->base + ss;
}

/* PCRE2 over [start, limit) for the matches of rule id starting before
 * to. SIZE_MAX, or where a search gave up (its match limit). */
static size_t confirm_in(struct scan_worker *w, size_t id, pcre2_code *re,
			 int group, size_t start, size_t to, size_t limit)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(w->md);
	size_t off, ms, me;
	int rc;

	for (off = start; off < to; off = me > ms ? me : ms + 1) {
		rc = pcre2_match(re, (PCRE2_SPTR)w->data, limit, off, 0, w->md, w->e->mctx);
		if (rc >= 0 && ov[1] == limit && limit < w->len) {
			/* The match reaches the window's end and may go on (a
			 * long token): search again over all there is, so that
			 * it ends where a search of the whole content ends it. */
			limit = w->len;
			rc = pcre2_match(re, (PCRE2_SPTR)w->data, limit, off, 0, w->md,
					 w->e->mctx);
		}
		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
			return off;
		if (rc < 0 || ov[0] >= to)
			break;
		ms = ov[0];
		me = ov[1];
		if (me > w->covered[id])
			w->covered[id] = me;
		w->last_end[id] = me > ms ? me : ms + 1;
		if (rc > group && ov[2 * group] != PCRE2_UNSET)
			decide(w, id, ms, me, ov[2 * group], ov[2 * group + 1]);
		else
			decide(w, id, ms, me, ms, me);
	}
	return SIZE_MAX;
}

/* confirm_in(), but a search that gives up (a regex that backtracks past
 * its limit) goes on from the next line, at most LONG_TRIES times per rule
 * and file, so that such a rule neither blinds the rest of the file nor
 * makes it slow. */
static void confirm_lines(struct scan_worker *w, size_t id, pcre2_code *re, int group,
			  size_t from, size_t to, size_t limit)
{
	const char *nl;
	size_t at;

	while ((at = confirm_in(w, id, re, group, from, to, limit)) < to &&
	       w->long_tries[id]++ < LONG_TRIES &&
	       (nl = memchr(w->data + at, '\n', to - at)))
		from = (size_t)(nl - w->data) + 1;
}

/* Confirm the candidates of rule id around the end report `to`. */
static void confirm(struct scan_worker *w, size_t id, size_t to)
{
	size_t back = w->e->width[id], start, limit;
	pcre2_code *re;
	int group;

	if (!(re = rule_code(w, id, &group))) {
		w->covered[id] = SIZE_MAX;
		return;
	}
	start = to > back ? to - back : 0;
	if (start < w->last_end[id])
		start = w->last_end[id];
	limit = w->len - to > WINDOW_AHEAD ? to + WINDOW_AHEAD : w->len;
	confirm_lines(w, id, re, group, start, to, limit);
	if (w->covered[id] < to && back >= WINDOW_BACK && start > w->last_end[id] &&
	    !(w->e->flags[id] & HS_FLAG_PREFILTER) && w->long_tries[id] < LONG_TRIES) {
		size_t far = to > LONG_BACK ? to - LONG_BACK : 0;

		w->long_tries[id]++;
		confirm_lines(w, id, re, group, far > w->last_end[id] ? far : w->last_end[id],
			      to, limit);
	}
	if (to > w->covered[id])
		w->covered[id] = to;
}

/*
 * Whether rule id looks at this file: its paths, its allowlist's and the
 * global allowlist's paths. Tried at the rule's first report in a file,
 * not for every rule on every file: most files get no report from the
 * few rules that have paths, and matching globs against every directory
 * of every path was most of a scan's time.
 */
static int path_skips(struct scan_worker *w, size_t id)
{
	const struct scan_rule *rule = w->e->rules->items[id];
	int skip;

	w->unsure[id] = 0;
	if (w->global_paths < 0)
		w->global_paths = glob_list_match(&w->e->rules->allow.paths, w->path);
	skip = w->global_paths ||
	       (rule->paths.nr && !glob_list_match(&rule->paths, w->path)) ||
	       glob_list_match(&rule->allow.paths, w->path);
	if (skip)
		w->covered[id] = SIZE_MAX;
	return skip;
}

/* Whether data holds one of rule id's keywords, or it has none (after
 * keywords_find()). */
static int keywords_seen(const struct scan_worker *w, size_t id)
{
	const struct scan_rule *rule = w->e->rules->items[id];
	size_t j;

	for (j = 0; j < rule->nr_keywords; j++)
		if (w->kw_seen[w->e->kw->of_rule[id][j]])
			return 1;
	return !rule->nr_keywords;
}

/*
 * Without Vectorscan: the matches of every rule that start in
 * [covered, cut) of data (file offsets from base), searched with the
 * subject reaching to the end of data, so a match is seen whole when it
 * is no longer than what lies beyond cut. A rule with keywords runs only
 * when one of them is in what its search sees. Then covered moves to cut
 * (or past the last match), where the next pass of a stream goes on.
 */
static void pcre_pass(struct scan_worker *w, size_t cut)
{
	size_t id, from = SIZE_MAX;
	pcre2_code *re;
	int group;

	for (id = 0; id < w->e->nr; id++)
		if (w->covered[id] < from)
			from = w->covered[id];
	if (from >= cut)
		return;
	keywords_find(w->e->kw, w->data, from, w->len, w->kw_seen);
	for (id = 0; id < w->e->nr; id++) {
		from = w->covered[id];
		if (from >= cut || (w->unsure[id] && path_skips(w, id)))
			continue;
		if (keywords_seen(w, id) && (re = rule_code(w, id, &group)))
			confirm_lines(w, id, re, group, from, cut, w->len);
		if (w->covered[id] < cut)
			w->covered[id] = cut;
	}
}

static int on_match(unsigned int id, unsigned long long from,
		    unsigned long long to, unsigned int flags, void *ctx)
{
	struct scan_worker *w = ctx;

	if (to > w->covered[id] && !(w->unsure[id] && path_skips(w, id)))
		confirm(w, id, (size_t)to);
	return 0;
}

/* A file begins for every rule; path lists are tried when a rule reports. */
static void path_filters(struct scan_worker *w)
{
	const struct scan_rules *rs = w->e->rules;
	size_t i;

	w->global_paths = rs->allow.paths.nr ? -1 : 0;
	for (i = 0; i < w->e->nr; i++) {
		const struct scan_rule *rule = rs->items[i];

		w->covered[i] = 0;
		w->last_end[i] = 0;
		w->long_tries[i] = 0;
		w->unsure[i] = rule->paths.nr || rule->allow.paths.nr || w->global_paths;
	}
}

/* A file begins: offsets and lines from its start. */
static void start_file(struct scan_worker *w)
{
	w->base = 0;
	w->base_line = 1;
	w->base_lstart = 0;
	w->lpos = 0;
	w->lline = 1;
	w->lstart = 0;
	w->at_end = 0;
	w->npend = 0;
}

/* ---- streaming ----------------------------------------------------------- */

/*
 * A file too large to hold is read STREAM_CHUNK bytes at a time and fed
 * to the streaming database, which carries Vectorscan's state across
 * chunks, so a match may span them. PCRE2 confirms each end report as in
 * a buffer, in data: the file from base on. What is kept is LONG_BACK
 * before the chunk being confirmed, so a match of up to LONG_BACK (1 MiB)
 * is found whole, as in a buffer. A report whose line does not end within
 * the chunk (or closer than WINDOW_AHEAD to its end) waits for the next
 * chunk, so that PCRE2 looks ahead and the fingerprint sees the whole
 * line, as in a buffer; so does every later one, to keep their order.
 * Lines longer than a chunk are cut where data ends (their fingerprint
 * then differs from a buffer scan's).
 */
#define STREAM_CHUNK (1u << 20)
#define LINE_AHEAD 65536
#define PENDING_MAX 65536

/* The streaming database, made (or read from the cache) on first use. */
static int stream_db(struct scan_engine *e)
{
	int r;

	pthread_mutex_lock(&e->lock);
	if (!e->sdb_r) {
		e->sdb_r = 1;
		if (!cache_load(e, HS_MODE_STREAM, &e->sdb)) {
			if ((r = hsapi_load()) == 0 &&
			    (r = compile_db(e, HS_MODE_STREAM, &e->sdb)) == 0)
				cache_save(e, HS_MODE_STREAM, e->sdb);
			if (r < 0) {
				e->sdb_r = r;
				e->sdb_err = xstrdup(error_message());
			}
		}
	}
	r = e->sdb_r;
	pthread_mutex_unlock(&e->lock);
	return r < 0 ? error_set(-r, "%s", e->sdb_err) : 0;
}

static void flush_pending(struct scan_worker *w)
{
	size_t i;

	for (i = 0; i < w->npend; i++) {
		size_t rel = w->pend[i].to - w->base;

		if (rel > w->covered[w->pend[i].id])
			confirm(w, w->pend[i].id, rel);
	}
	w->npend = 0;
}

static int stream_ready(const struct scan_worker *w, size_t rel)
{
	size_t n = w->len - rel;

	if (w->at_end)
		return 1;
	return n >= WINDOW_AHEAD && memchr(w->data + rel, '\n', n < LINE_AHEAD ? n : LINE_AHEAD);
}

static int on_stream_match(unsigned int id, unsigned long long from,
			   unsigned long long to, unsigned int flags, void *ctx)
{
	struct scan_worker *w = ctx;
	size_t rel = (size_t)to - w->base;

	if (rel <= w->covered[id] || (w->unsure[id] && path_skips(w, id)))
		return 0;
	if (!w->npend && stream_ready(w, rel)) {
		confirm(w, id, rel);
		return 0;
	}
	ALLOC_GROW(w->pend, w->npend + 1, w->apend);
	w->pend[w->npend].id = id;
	w->pend[w->npend++].to = (size_t)to;
	/* A flood of reports in lines that never end is confirmed now. */
	if (w->npend >= PENDING_MAX)
		flush_pending(w);
	return 0;
}

/* Drop what no report can reach back to any more: all before LONG_BACK
 * ahead of keep (the file offset of the chunk to be confirmed next). */
static void stream_trim(struct scan_worker *w, size_t keep, size_t chunk)
{
	size_t drop, i;
	const char *p, *end;

	if (keep < w->base + LONG_BACK + chunk)
		return;
	drop = keep - LONG_BACK - w->base;
	end = w->buf.buf + drop;
	for (p = w->buf.buf; p < end && (p = memchr(p, '\n', (size_t)(end - p))); p++) {
		w->base_line++;
		w->base_lstart = w->base + (size_t)(p - w->buf.buf) + 1;
	}
	memmove(w->buf.buf, w->buf.buf + drop, w->buf.len - drop);
	strbuf_setlen(&w->buf, w->buf.len - drop);
	w->base += drop;
	for (i = 0; i < w->e->nr; i++) {
		if (w->covered[i] != SIZE_MAX)
			w->covered[i] = w->covered[i] > drop ? w->covered[i] - drop : 0;
		w->last_end[i] = w->last_end[i] > drop ? w->last_end[i] - drop : 0;
	}
	w->lpos = w->base;
	w->lline = w->base_line;
	w->lstart = w->base_lstart;
}

/* Up to cap bytes (less only at the end). */
static int fill(scan_read_fn rd, void *ctx, char *buf, size_t cap, size_t *got)
{
	size_t n;
	int r;

	*got = 0;
	while (*got < cap) {
		if ((r = rd(ctx, buf + *got, cap - *got, &n)) < 0)
			return r;
		if (!n)
			break;
		*got += n;
	}
	return 0;
}

int scan_worker_stream(struct scan_worker *w, const char *path, const char *commit,
		       scan_read_fn rd, void *ctx, struct scan_report *rep)
{
	struct scan_engine *e = w->e;
	size_t chunk = e->opts.stream_chunk ? e->opts.stream_chunk : STREAM_CHUNK;
	size_t total = 0, got = 0, at = 0, pos;
	hs_stream_t *hs = NULL;
	int r;

	/* The first chunk holds the 8 KiB that say whether it is binary. */
	if (chunk < 8192)
		chunk = 8192;
	if (!e->pcre_only && (r = stream_db(e)) < 0)
		return r;
	if (!e->pcre_only && hs_alloc_scratch(e->sdb, &w->scratch) != HS_SUCCESS)
		return error_set(BOSUN_EINTERNAL, "cannot allocate Vectorscan scratch");
	w->path = path;
	w->commit = commit;
	w->rep = rep;
	start_file(w);
	path_filters(w);
	strbuf_reset(&w->buf);
	for (;;) {
		stream_trim(w, at, chunk);
		strbuf_grow(&w->buf, chunk);
		if ((r = fill(rd, ctx, w->buf.buf + w->buf.len, chunk, &got)) < 0)
			goto out;
		if (!total && memchr(w->buf.buf, '\0', got < 8192 ? got : 8192)) {
			rep->st.binary++;
			goto out;
		}
		pos = w->buf.len;
		strbuf_setlen(&w->buf, pos + got);
		w->data = w->buf.buf;
		w->len = w->buf.len;
		w->at_end = got < chunk;
		/* The last chunk's reports, with this one to look ahead into. */
		flush_pending(w);
		if (e->pcre_only) {
			/* The matches starting LONG_BACK before the end are
			 * seen whole; the rest wait for the next chunk. */
			pcre_pass(w, w->at_end ? w->len :
				  w->len > LONG_BACK ? w->len - LONG_BACK : 0);
			goto next;
		}
		if (!got)
			break;
		if (!hs && hs_open_stream(e->sdb, 0, &hs) != HS_SUCCESS) {
			r = error_set(BOSUN_EINTERNAL, "cannot open a Vectorscan stream");
			goto out;
		}
		if (hs_scan_stream(hs, w->data + pos, (unsigned)got, 0, w->scratch,
				   on_stream_match, w) != HS_SUCCESS) {
			r = error_set(BOSUN_EINTERNAL, "Vectorscan failed on '%s'", path);
			goto out;
		}
next:
		at = w->base + pos;
		total += got;
		__atomic_add_fetch(&e->live_bytes, got, __ATOMIC_RELAXED);
		if (w->at_end)
			break;
	}
	w->at_end = 1;
	/* Matches that end with the file ($ at its end). */
	if (hs) {
		r = hs_close_stream(hs, w->scratch, on_stream_match, w) == HS_SUCCESS ? 0 :
		    error_set(BOSUN_EINTERNAL, "Vectorscan failed on '%s'", path);
		hs = NULL;
	}
	flush_pending(w);
	if (r == 0) {
		rep->st.files++;
		rep->st.bytes += total;
		rep->st.streamed++;
		__atomic_add_fetch(&e->live_files, 1, __ATOMIC_RELAXED);
	}
out:
	if (hs)
		hs_close_stream(hs, w->scratch, NULL, NULL);
	w->npend = 0;
	/* Two chunks and the window: not to be kept for the next file. */
	strbuf_release(&w->buf);
	return r;
}

struct mem_reader {
	const char *buf;
	size_t len, pos;
};

static int read_mem(void *ctx, char *buf, size_t cap, size_t *got)
{
	struct mem_reader *m = ctx;

	*got = m->len - m->pos < cap ? m->len - m->pos : cap;
	memcpy(buf, m->buf + m->pos, *got);
	m->pos += *got;
	return 0;
}

static int stream_memory(struct scan_worker *w, const char *path, const char *commit,
			 const char *buf, size_t len, struct scan_report *rep)
{
	struct mem_reader m = { buf, len, 0 };

	return scan_worker_stream(w, path, commit, read_mem, &m, rep);
}

int scan_buffer_streamed(struct scan_engine *e, const char *path, const char *commit,
			 const char *buf, size_t len, struct scan_report *rep)
{
	struct scan_worker *w = scan_worker_new(e);
	int r = stream_memory(w, path, commit, buf, len, rep);

	scan_worker_free(w);
	return r;
}

int scan_worker_buffer(struct scan_worker *w, const char *path, const char *commit,
		       const char *buf, size_t len, struct scan_report *rep)
{
	const struct scan_opts *o = &w->e->opts;

	if (o->max_file_size && len > o->max_file_size) {
		if (o->large_files == SCAN_LARGE_STREAM)
			return stream_memory(w, path, commit, buf, len, rep);
		scan_report_skip(rep, path, commit, len);
		return 0;
	}
	if (memchr(buf, '\0', len < 8192 ? len : 8192)) {
		rep->st.binary++;
		return 0;
	}
	rep->st.files++;
	rep->st.bytes += len;
	__atomic_add_fetch(&w->e->live_files, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&w->e->live_bytes, len, __ATOMIC_RELAXED);
	if (!len)
		return 0;
	if (len > UINT_MAX)
		return error_set(BOSUN_EDATA, "'%s' is too large to scan", path);
	w->path = path;
	w->commit = commit;
	w->data = buf;
	w->len = len;
	w->rep = rep;
	start_file(w);
	path_filters(w);
	if (w->e->pcre_only) {
		pcre_pass(w, len);
		return 0;
	}
	if (hs_scan(w->e->db, buf, (unsigned)len, 0, w->scratch, on_match, w) != HS_SUCCESS)
		return error_set(BOSUN_EINTERNAL, "Vectorscan failed on '%s'", path);
	return 0;
}

int scan_buffer(struct scan_engine *e, const char *path, const char *commit,
		const char *buf, size_t len, struct scan_report *rep)
{
	struct scan_worker *w = scan_worker_new(e);
	int r = scan_worker_buffer(w, path, commit, buf, len, rep);

	scan_worker_free(w);
	return r;
}

/* ---- allow comments ------------------------------------------------------ */

static int id_in_list(const char *p, size_t n, const char *id)
{
	size_t idlen = strlen(id), i = 0, j;

	while (i < n) {
		for (j = i; j < n && p[j] != ','; j++)
			;
		if (j - i == idlen && !memcmp(p + i, id, idlen))
			return 1;
		i = j + 1;
	}
	return 0;
}

int scan_line_allows(const char *line, size_t len, const char *rule_id)
{
	static const char tag[] = "bosun:allow";
	size_t n = sizeof(tag) - 1, i, j;

	for (i = 0; i + n <= len; i++) {
		if (memcmp(line + i, tag, n))
			continue;
		if (i + n == len || line[i + n] != '=')
			return 1;
		for (j = i + n + 1; j < len && (isalnum((unsigned char)line[j]) ||
						line[j] == '-' || line[j] == ','); j++)
			;
		if (id_in_list(line + i + n + 1, j - i - n - 1, rule_id))
			return 1;
	}
	return 0;
}

/* ---- reports ------------------------------------------------------------- */

static int cmp_finding(const void *a, const void *b)
{
	const struct scan_finding *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	if (c)
		return c;
	if (x->commit != y->commit && (c = strcmp(x->commit ? x->commit : "",
						  y->commit ? y->commit : "")))
		return c;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	if (x->rule_idx != y->rule_idx)
		return x->rule_idx < y->rule_idx ? -1 : 1;
	return x->end_column < y->end_column ? -1 : x->end_column > y->end_column;
}

void scan_report_skip(struct scan_report *rep, const char *path, const char *commit,
		      unsigned long long size)
{
	struct scan_skipped *k;

	rep->st.large++;
	ALLOC_GROW(rep->skipped, rep->nr_skipped + 1, rep->alloc_skipped);
	k = &rep->skipped[rep->nr_skipped++];
	k->file = xstrdup(path);
	k->commit = commit ? xstrdup(commit) : NULL;
	k->size = size;
}

static int cmp_skipped(const void *a, const void *b)
{
	const struct scan_skipped *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	return c ? c : strcmp(x->commit ? x->commit : "", y->commit ? y->commit : "");
}

int scan_report_failed(const struct scan_report *rep, const struct scan_opts *o)
{
	return rep->nr || (o->large_files == SCAN_LARGE_FAIL && rep->st.large);
}

int scan_large_parse(const char *s, int *out)
{
	static const char *const names[] = { "skip", "stream", "fail" };
	size_t i;

	if (s && !strcmp(s, "auto")) {
		*out = SCAN_LARGE_AUTO;
		return 0;
	}
	for (i = 0; s && i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			*out = (int)i;
			return 0;
		}
	return -1;
}

int scan_large_resolve(int large, int in_hook)
{
	if (large != SCAN_LARGE_AUTO)
		return large;
	return in_hook ? SCAN_LARGE_STREAM : SCAN_LARGE_SKIP;
}

static void finding_release(struct scan_finding *f)
{
	free(f->file);
	free(f->commit);
	free(f->redacted);
}

static int same_secret(const struct scan_finding *a, const struct scan_finding *b)
{
	return a->offset == b->offset && !strcmp(a->file, b->file) &&
	       !strcmp(a->commit ? a->commit : "", b->commit ? b->commit : "");
}

/*
 * The findings of several rules on one secret are one finding, the first
 * rule's. A baseline accepts the secret when it lists any of them: the one
 * a scan wrote lists the first rule's, and a rule added before it since
 * must not make an accepted secret new.
 */
void scan_report_finish(struct scan_report *rep)
{
	size_t i, j, k, n = 0;
	int accepted;

	if (rep->nr > 1)
		qsort(rep->items, rep->nr, sizeof(*rep->items), cmp_finding);
	for (i = 0; i < rep->nr; i = j) {
		accepted = 0;
		for (j = i; j < rep->nr && same_secret(&rep->items[i], &rep->items[j]); j++)
			accepted |= rep->items[j].baselined;
		if (accepted)
			rep->st.baselined++;
		else
			rep->items[n++] = rep->items[i];
		for (k = accepted ? i : i + 1; k < j; k++)
			finding_release(&rep->items[k]);
	}
	rep->nr = n;
	if (rep->nr_skipped > 1)
		qsort(rep->skipped, rep->nr_skipped, sizeof(*rep->skipped), cmp_skipped);
}

void scan_report_release(struct scan_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nr; i++)
		finding_release(&rep->items[i]);
	free(rep->items);
	for (i = 0; i < rep->nr_skipped; i++) {
		free(rep->skipped[i].file);
		free(rep->skipped[i].commit);
	}
	free(rep->skipped);
	memset(rep, 0, sizeof(*rep));
}

void scan_report_merge(struct scan_report *into, struct scan_report *from)
{
	size_t i;

	ALLOC_GROW(into->items, into->nr + from->nr, into->alloc);
	for (i = 0; i < from->nr; i++)
		into->items[into->nr++] = from->items[i];
	into->st.files += from->st.files;
	into->st.bytes += from->st.bytes;
	into->st.binary += from->st.binary;
	into->st.large += from->st.large;
	into->st.ignored += from->st.ignored;
	into->st.allowed += from->st.allowed;
	into->st.baselined += from->st.baselined;
	into->st.streamed += from->st.streamed;
	ALLOC_GROW(into->skipped, into->nr_skipped + from->nr_skipped, into->alloc_skipped);
	for (i = 0; i < from->nr_skipped; i++)
		into->skipped[into->nr_skipped++] = from->skipped[i];
	free(from->skipped);
	free(from->items);
	memset(from, 0, sizeof(*from));
}

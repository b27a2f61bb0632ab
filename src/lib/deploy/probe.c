/*
 * probe.c - probe configuration, provider state tables, and the reading of
 * answers; see probe.h.
 */
#include "lib/deploy/probe.h"
#include "lib/json/json.h"

#include "core/alloc.h"
#include "core/error.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const state_names[] = {
	"queued", "building", "deploying", "verifying",
	"success", "failed", "canceled", "unknown",
};

const char *deploy_state_name(enum deploy_state s)
{
	return (unsigned)s < ARRAY_SIZE(state_names) ? state_names[s] : "unknown";
}

int deploy_state_parse(const char *s)
{
	size_t i;

	for (i = 0; s && i < ARRAY_SIZE(state_names); i++)
		if (!strcmp(s, state_names[i]))
			return (int)i;
	return -1;
}

int deploy_state_terminal(enum deploy_state s)
{
	return s == DS_SUCCESS || s == DS_FAILED || s == DS_CANCELED;
}

const char *probe_type_name(enum probe_type t)
{
	return t == PROBE_HTTP ? "http" : t == PROBE_PROVIDER ? "provider" : "command";
}

/*
 * The providers' tables. Sources (checked when this was written):
 * - digitalocean: App Platform API, GET /v2/apps/{app_id}/deployments;
 *   a deployment's "phase" (UNKNOWN, PENDING_BUILD, BUILDING,
 *   PENDING_DEPLOY, DEPLOYING, ACTIVE, SUPERSEDED, ERROR, CANCELED) and
 *   services[].source_commit_hash.
 * - vercel: REST API, GET /v6/deployments?projectId=...&limit=1; a
 *   deployment's "readyState" (QUEUED, INITIALIZING, BUILDING, READY,
 *   ERROR, CANCELED) and meta.githubCommitSha.
 * - netlify: API, GET /api/v1/sites/{site_id}/deploys; a deploy's "state"
 *   (new, pending_review, accepted, rejected, enqueued, building,
 *   uploading, uploaded, preparing, prepared, processing, processed, ready,
 *   error, retrying) and commit_ref.
 * - fly: Machines API, GET /v1/apps/{app}/machines; a machine's "state"
 *   (created, starting, started, stopping, stopped, suspended, replacing,
 *   updating, destroying, destroyed, failed, launch_failed).
 * - github: REST API, GET /repos/{owner}/{repo}/deployments/{id}/statuses
 *   (newest first); a status's "state" (error, failure, inactive,
 *   in_progress, queued, pending, success).
 */
const char provider_tables_json[] =
	"{\"digitalocean\":{\"state\":\"/deployments/0/phase\","
	"\"commit\":\"/deployments/0/services/0/source_commit_hash\",\"map\":{"
	"\"UNKNOWN\":\"unknown\",\"PENDING_BUILD\":\"queued\",\"BUILDING\":\"building\","
	"\"PENDING_DEPLOY\":\"deploying\",\"DEPLOYING\":\"deploying\",\"ACTIVE\":\"success\","
	"\"SUPERSEDED\":\"canceled\",\"ERROR\":\"failed\",\"CANCELED\":\"canceled\"}},"
	"\"vercel\":{\"state\":\"/deployments/0/readyState\","
	"\"commit\":\"/deployments/0/meta/githubCommitSha\",\"map\":{"
	"\"QUEUED\":\"queued\",\"INITIALIZING\":\"queued\",\"BUILDING\":\"building\","
	"\"READY\":\"success\",\"ERROR\":\"failed\",\"CANCELED\":\"canceled\"}},"
	"\"netlify\":{\"state\":\"/0/state\",\"commit\":\"/0/commit_ref\",\"map\":{"
	"\"new\":\"queued\",\"pending_review\":\"queued\",\"accepted\":\"queued\","
	"\"enqueued\":\"queued\",\"building\":\"building\",\"retrying\":\"building\","
	"\"uploading\":\"deploying\",\"uploaded\":\"deploying\",\"preparing\":\"deploying\","
	"\"prepared\":\"deploying\",\"processing\":\"deploying\",\"processed\":\"deploying\","
	"\"ready\":\"success\",\"error\":\"failed\",\"rejected\":\"canceled\"}},"
	"\"fly\":{\"state\":\"/0/state\",\"commit\":null,\"map\":{"
	"\"created\":\"deploying\",\"starting\":\"deploying\",\"replacing\":\"deploying\","
	"\"updating\":\"deploying\",\"started\":\"success\",\"failed\":\"failed\","
	"\"launch_failed\":\"failed\",\"destroying\":\"canceled\",\"destroyed\":\"canceled\"}},"
	"\"github\":{\"state\":\"/0/state\",\"commit\":null,\"map\":{"
	"\"queued\":\"queued\",\"pending\":\"queued\",\"in_progress\":\"deploying\","
	"\"success\":\"success\",\"failure\":\"failed\",\"error\":\"failed\","
	"\"inactive\":\"canceled\"}}}";

/* ---- configuration checks -------------------------------------------- */

static int why_set(struct strbuf *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int why_set(struct strbuf *why, const char *fmt, ...)
{
	va_list ap;

	strbuf_reset(why);
	va_start(ap, fmt);
	strbuf_vaddf(why, fmt, ap);
	va_end(ap);
	return -1;
}

static int check_state_map(const json_t *m, const char *path, struct strbuf *why)
{
	const char *k;
	json_t *v;

	if (!json_is_object(m))
		return why_set(why, "must be a mapping of raw state to state at %s", path);
	json_object_foreach((json_t *)m, k, v)
		if (!json_is_string(v) || deploy_state_parse(json_string_value(v)) < 0)
			return why_set(why, "must map to queued, building, deploying, verifying, "
				       "success, failed, canceled or unknown at %s.%s", path, k);
	return 0;
}

static int check_pointer(const json_t *v, const char *path, struct strbuf *why)
{
	const char *s;

	if (!json_is_string(v))
		return why_set(why, "must be a JSON pointer string at %s", path);
	s = json_string_value(v);
	if (*s && *s != '/')
		return why_set(why, "must be a JSON pointer (\"/a/0/b\") at %s", path);
	for (; *s; s++)
		if (*s == '~' && s[1] != '0' && s[1] != '1')
			return why_set(why, "must use ~0 and ~1 only at %s", path);
	return 0;
}

static int check_argv(const json_t *v, const char *path, struct strbuf *why)
{
	size_t i;
	json_t *it;

	if (json_is_string(v) && *json_string_value(v))
		return 0;
	if (!json_is_array(v) || !json_array_size(v))
		return why_set(why, "must be a command (a list of strings, or a string) at %s", path);
	json_array_foreach(v, i, it)
		if (!json_is_string(it))
			return why_set(why, "must be a list of strings at %s[%zu]", path, i);
	return 0;
}

static int check_string_map(const json_t *v, const char *path, struct strbuf *why)
{
	const char *k;
	json_t *x;

	if (!json_is_object(v))
		return why_set(why, "must be a mapping of strings at %s", path);
	json_object_foreach((json_t *)v, k, x)
		if (!json_is_string(x))
			return why_set(why, "must be a string at %s.%s", path, k);
	return 0;
}

static int check_exit_map(const json_t *v, const char *path, struct strbuf *why)
{
	const char *k;
	json_t *x;

	if (check_state_map(v, path, why) < 0)
		return -1;
	json_object_foreach((json_t *)v, k, x) {
		size_t i;

		for (i = 0; k[i]; i++)
			if (!isdigit((unsigned char)k[i]) || i > 2)
				return why_set(why, "must have exit codes (0-255) as keys at %s.%s", path, k);
		if (!*k || atoi(k) > 255)
			return why_set(why, "must have exit codes (0-255) as keys at %s.%s", path, k);
	}
	return 0;
}

static const char *const probe_fields[] = {
	"name", "type", "url", "method", "headers", "body", "status", "pointer",
	"contains", "expect", "provider", "state", "commit", "map", "run", "exit",
	NULL,
};

static int probe_type_of(const json_t *p, enum probe_type *out)
{
	const json_t *t = json_object_get(p, "type");
	const char *s = json_string_value(t);

	if (t && !s)
		return -1;
	if (!s)
		*out = json_object_get(p, "run") ? PROBE_COMMAND :
		       json_object_get(p, "provider") ? PROBE_PROVIDER : PROBE_HTTP;
	else if (!strcmp(s, "http"))
		*out = PROBE_HTTP;
	else if (!strcmp(s, "provider"))
		*out = PROBE_PROVIDER;
	else if (!strcmp(s, "command"))
		*out = PROBE_COMMAND;
	else
		return -1;
	return 0;
}

static int check_fields(const json_t *p, const char *path, struct strbuf *why)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)p, k, v) {
		size_t i;

		for (i = 0; probe_fields[i] && strcmp(probe_fields[i], k); i++)
			;
		if (!probe_fields[i])
			return why_set(why, "must not have '%s' at %s (fields: name, type, url, "
				       "method, headers, body, status, pointer, contains, expect, "
				       "provider, state, commit, map, run, exit)", k, path);
	}
	return 0;
}

static int check_str_field(const json_t *p, const char *f, const char *path,
			   struct strbuf *why)
{
	const json_t *v = json_object_get(p, f);

	if (v && !json_is_string(v))
		return why_set(why, "must be a string at %s.%s", path, f);
	return 0;
}

static int check_probe_kind(const json_t *p, enum probe_type t, const char *path,
			    struct strbuf *why)
{
	const json_t *v;

	if (t != PROBE_COMMAND && !json_is_string(json_object_get(p, "url")))
		return why_set(why, "must have a url at %s", path);
	if (t == PROBE_COMMAND && !json_object_get(p, "run"))
		return why_set(why, "must have run (a command) at %s", path);
	if (t == PROBE_PROVIDER && !json_object_get(p, "provider") &&
	    !(json_object_get(p, "state") && json_object_get(p, "map")))
		return why_set(why, "must name a provider, or give state and map, at %s", path);
	if ((v = json_object_get(p, "status")) &&
	    (!json_is_integer(v) || json_integer_value(v) < 100 || json_integer_value(v) > 599))
		return why_set(why, "must be an HTTP status (100-599) at %s.status", path);
	if (t != PROBE_COMMAND && json_object_get(p, "run"))
		return why_set(why, "must not have run unless it is a command at %s", path);
	return 0;
}

static int check_probe(const json_t *p, const char *path, struct strbuf *why)
{
	static const char *const strs[] = {
		"name", "url", "method", "body", "contains", "expect", "provider", NULL,
	};
	struct strbuf sub = STRBUF_INIT;
	enum probe_type t;
	const json_t *v;
	size_t i;
	int r = -1;

	if (!json_is_object(p))
		return why_set(why, "must be a mapping at %s", path);
	if (check_fields(p, path, why) < 0)
		return -1;
	for (i = 0; strs[i]; i++)
		if (check_str_field(p, strs[i], path, why) < 0)
			return -1;
	if (!json_string_length(json_object_get(p, "name")))
		return why_set(why, "must have a name at %s", path);
	if (probe_type_of(p, &t) < 0)
		return why_set(why, "must have type http, provider or command at %s.type", path);
	if (check_probe_kind(p, t, path, why) < 0)
		goto out;
#define SUB(f) (strbuf_reset(&sub), strbuf_addf(&sub, "%s.%s", path, f), sub.buf)
	if ((v = json_object_get(p, "headers")) && check_string_map(v, SUB("headers"), why) < 0)
		goto out;
	if ((v = json_object_get(p, "pointer")) && check_pointer(v, SUB("pointer"), why) < 0)
		goto out;
	if ((v = json_object_get(p, "state")) && check_pointer(v, SUB("state"), why) < 0)
		goto out;
	if ((v = json_object_get(p, "commit")) && !json_is_null(v) &&
	    check_pointer(v, SUB("commit"), why) < 0)
		goto out;
	if ((v = json_object_get(p, "map")) && check_state_map(v, SUB("map"), why) < 0)
		goto out;
	if ((v = json_object_get(p, "exit")) && check_exit_map(v, SUB("exit"), why) < 0)
		goto out;
	if ((v = json_object_get(p, "run")) && check_argv(v, SUB("run"), why) < 0)
		goto out;
#undef SUB
	r = 0;
out:
	strbuf_release(&sub);
	return r;
}

int deploy_check_probes(const json_t *v, struct strbuf *why)
{
	struct strbuf path = STRBUF_INIT;
	size_t i, j;
	json_t *p;
	int r = 0;

	if (!json_is_array(v))
		return why_set(why, "must be a list of probes");
	json_array_foreach(v, i, p) {
		strbuf_reset(&path);
		strbuf_addf(&path, "[%zu]", i);
		if ((r = check_probe(p, path.buf, why)) < 0)
			break;
		for (j = 0; j < i; j++)
			if (!strcmp(json_string_value(json_object_get(json_array_get(v, j), "name")),
				    json_string_value(json_object_get(p, "name")))) {
				r = why_set(why, "must have unique names: '%s' at [%zu] and [%zu]",
					    json_string_value(json_object_get(p, "name")), j, i);
				break;
			}
		if (r < 0)
			break;
	}
	strbuf_release(&path);
	return r;
}

int deploy_check_providers(const json_t *v, struct strbuf *why)
{
	struct strbuf path = STRBUF_INIT;
	const char *name, *k;
	json_t *t, *x;
	int r = 0;

	if (!json_is_object(v))
		return why_set(why, "must be a mapping of provider name to table");
	json_object_foreach((json_t *)v, name, t) {
		if (!json_is_object(t)) {
			r = why_set(why, "must be a mapping (state, commit, map) at %s", name);
			break;
		}
		json_object_foreach(t, k, x) {
			strbuf_reset(&path);
			strbuf_addf(&path, "%s.%s", name, k);
			if (!strcmp(k, "map"))
				r = check_state_map(x, path.buf, why);
			else if (!strcmp(k, "state") || (!strcmp(k, "commit") && !json_is_null(x)))
				r = check_pointer(x, path.buf, why);
			else if (strcmp(k, "commit") && strcmp(k, "source"))
				r = why_set(why, "must have only state, commit, map and source at %s",
					    path.buf);
			if (r < 0)
				break;
		}
		if (r < 0)
			break;
	}
	strbuf_release(&path);
	return r;
}

int deploy_check_notify(const json_t *v, struct strbuf *why)
{
	const char *k;
	json_t *x;

	if (json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return why_set(why, "must be null or a mapping with command or webhook");
	json_object_foreach((json_t *)v, k, x) {
		if (!strcmp(k, "command")) {
			if (check_argv(x, "command", why) < 0)
				return -1;
		} else if (!strcmp(k, "webhook")) {
			if (!json_is_string(x))
				return why_set(why, "must be a URL string at webhook");
		} else if (!strcmp(k, "headers")) {
			if (check_string_map(x, "headers", why) < 0)
				return -1;
		} else if (!strcmp(k, "on")) {
			size_t i;
			json_t *s;

			if (!json_is_array(x))
				return why_set(why, "must be a list of verdicts at on");
			json_array_foreach(x, i, s) {
				const char *w = json_string_value(s);

				if (!w || (strcmp(w, "success") && strcmp(w, "failed") &&
					   strcmp(w, "timeout") && strcmp(w, "canceled")))
					return why_set(why, "must be success, failed, timeout or "
						       "canceled at on[%zu]", i);
			}
		} else {
			return why_set(why, "must have only command, webhook, headers and on (not '%s')", k);
		}
	}
	if (!json_object_get(v, "command") && !json_object_get(v, "webhook"))
		return why_set(why, "must have command or webhook");
	return 0;
}

int deploy_check_positive(const json_t *v, struct strbuf *why)
{
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100000)
		return why_set(why, "must be a whole number from 1 to 100000");
	return 0;
}

/* ---- loading ----------------------------------------------------------- */

static void probe_release(struct probe *p)
{
	free(p->name);
	json_decref(p->spec);
	json_decref(p->map);
	free(p->state_ptr);
	free(p->commit_ptr);
	free(p->provider);
	free(p->raw);
	free(p->message);
}

void probe_set_release(struct probe_set *ps)
{
	size_t i;

	for (i = 0; i < ps->nr; i++)
		probe_release(&ps->items[i]);
	free(ps->items);
	ps->items = NULL;
	ps->nr = ps->alloc = 0;
}

static char *str_or_null(const json_t *v)
{
	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

/* The table named name: the user's entries over the built-in ones. */
static json_t *find_table(const char *name, const json_t *user)
{
	json_t *builtin = json_loads(provider_tables_json, 0, NULL);
	json_t *b = json_incref(json_object_get(builtin, name));
	json_t *u = json_object_get(user, name);
	json_t *t;

	json_decref(builtin);
	if (!b && !u)
		return NULL;
	t = b ? json_deep_copy(b) : json_object();
	json_decref(b);
	if (u) {
		json_t *m = json_object_get(t, "map");

		if (!m)
			json_object_set_new(t, "map", m = json_object());
		json_object_update(m, json_object_get(u, "map"));
		if (json_object_get(u, "state"))
			json_object_set(t, "state", json_object_get(u, "state"));
		if (json_object_get(u, "commit"))
			json_object_set(t, "commit", json_object_get(u, "commit"));
	}
	return t;
}

static int load_table(struct probe *p, const json_t *providers, size_t i)
{
	const json_t *spec = p->spec;
	json_t *t = NULL, *v;

	p->map = json_object();
	if (p->provider) {
		if (!(t = find_table(p->provider, providers)))
			return error_set(BOSUN_EDATA, "deploy.probes[%zu].provider: no provider "
					 "'%s' (built in: digitalocean, vercel, netlify, fly, github; "
					 "add one under deploy.providers)", i, p->provider);
		json_object_update(p->map, json_object_get(t, "map"));
		p->state_ptr = str_or_null(json_object_get(t, "state"));
		p->commit_ptr = str_or_null(json_object_get(t, "commit"));
	}
	json_object_update(p->map, json_object_get(spec, "map"));
	if ((v = json_object_get(spec, "state"))) {
		free(p->state_ptr);
		p->state_ptr = str_or_null(v);
	}
	if ((v = json_object_get(spec, "commit"))) {
		free(p->commit_ptr);
		p->commit_ptr = str_or_null(v);
	}
	json_decref(t);
	return 0;
}

int probe_set_load(struct probe_set *ps, const json_t *probes,
		   const json_t *providers, const char *const *verify, size_t nverify)
{
	struct strbuf why = STRBUF_INIT;
	size_t i, j;
	json_t *spec;
	int r = 0;

	if (deploy_check_probes(probes, &why) < 0) {
		r = error_set(BOSUN_EDATA, "deploy.probes: %s", why.buf);
		goto out;
	}
	json_array_foreach(probes, i, spec) {
		struct probe *p;

		ALLOC_GROW(ps->items, ps->nr + 1, ps->alloc);
		p = &ps->items[ps->nr++];
		memset(p, 0, sizeof(*p));
		p->name = xstrdup(json_string_value(json_object_get(spec, "name")));
		probe_type_of(spec, &p->type);
		p->spec = json_incref(spec);
		p->state = DS_UNKNOWN;
		p->provider = str_or_null(json_object_get(spec, "provider"));
		if ((r = load_table(p, providers, i)) < 0)
			goto out;
	}
	for (j = 0; j < nverify; j++) {
		for (i = 0; i < ps->nr && strcmp(ps->items[i].name, verify[j]); i++)
			;
		if (i == ps->nr) {
			r = error_set(BOSUN_EDATA, "deploy.verify: no probe '%s' in deploy.probes",
				      verify[j]);
			goto out;
		}
		ps->items[i].verify = 1;
	}
out:
	if (r < 0)
		probe_set_release(ps);
	strbuf_release(&why);
	return r;
}

/* ---- expansion --------------------------------------------------------- */

static int expand_env(struct strbuf *out, const char **p, struct strbuf *secrets)
{
	const char *s = *p + 2, *e = strchr(s, '}');
	char *name;
	const char *val;

	if (!e || e == s)
		return error_set(BOSUN_EDATA, "unterminated '${' in '%s'", *p);
	name = xstrndup(s, (size_t)(e - s));
	val = getenv(name);
	if (!val) {
		int r = error_set(BOSUN_EDATA, "environment variable '%s' is not set", name);

		free(name);
		return r;
	}
	strbuf_addstr(out, val);
	if (secrets && *val) {
		strbuf_addstr(secrets, val);
		strbuf_addch(secrets, '\0');
	}
	free(name);
	*p = e + 1;
	return 0;
}

int probe_expand(struct strbuf *out, const char *tmpl, const struct probe_vars *v,
		 struct strbuf *secrets)
{
	const char *p = tmpl;
	int r;

	strbuf_reset(out);
	while (*p) {
		if (p[0] == '$' && p[1] == '{') {
			if ((r = expand_env(out, &p, secrets)) < 0)
				return r;
		} else if (!strncmp(p, "{commit}", 8)) {
			strbuf_addstr(out, v->commit);
			p += 8;
		} else if (!strncmp(p, "{short}", 7)) {
			strbuf_add(out, v->commit, strlen(v->commit) < 7 ? strlen(v->commit) : 7);
			p += 7;
		} else if (!strncmp(p, "{version}", 9)) {
			if (!v->version)
				return error_set(BOSUN_EDATA, "'{version}' in '%s' but no "
						 "version is known (use --version)", tmpl);
			strbuf_addstr(out, v->version);
			p += 9;
		} else {
			strbuf_addch(out, *p++);
		}
	}
	return 0;
}

/* ---- answers ----------------------------------------------------------- */

enum deploy_state probe_map(const struct probe *p, const char *raw)
{
	const char *s = json_string_value(json_object_get(p->map, raw));
	int st = s ? deploy_state_parse(s) : -1;

	return st < 0 ? DS_UNKNOWN : (enum deploy_state)st;
}

/* Whether what a server reports is the commit we want: equal (ignoring
 * case), or an abbreviation of it of at least 7 digits. */
static int commit_matches(const char *got, const char *want)
{
	size_t gl = strlen(got), wl = strlen(want);

	if (gl == wl)
		return !strcasecmp(got, want);
	return gl >= 7 && gl < wl && wl == 40 && !strncasecmp(got, want, gl);
}

static json_t *parse_answer(const char *body, size_t len, struct strbuf *msg)
{
	json_error_t jerr;
	json_t *doc = json_loadb(body, len, JSON_DECODE_ANY, &jerr);

	if (!doc)
		strbuf_addf(msg, "malformed JSON answer: %d:%d: %s", jerr.line,
			    jerr.column, jerr.text);
	return doc;
}

static int json_at(const json_t *doc, const char *ptr, struct strbuf *text,
		   struct strbuf *msg)
{
	const json_t *v;

	if (json_pointer_get(doc, ptr, &v) < 0) {
		error_clear();
		strbuf_addf(msg, "no '%s' in the answer", ptr);
		return -1;
	}
	if (json_scalar_text(v, text) < 0) {
		strbuf_addf(msg, "'%s' in the answer is not a string or a number", ptr);
		return -1;
	}
	return 0;
}

static enum deploy_state http_status_state(long status, long want, struct strbuf *msg)
{
	if (status == 429 || status >= 500)
		strbuf_addf(msg, "HTTP %ld (backing off)", status);
	else
		strbuf_addf(msg, "HTTP %ld, want %ld", status, want);
	return DS_UNKNOWN;
}

static enum deploy_state compare_value(const char *got, const char *want,
				       const struct probe_vars *v, struct strbuf *msg)
{
	if (!strcmp(got, want) || (!strcmp(want, v->commit) && commit_matches(got, want))) {
		strbuf_addf(msg, "serves %.40s", got);
		return DS_SUCCESS;
	}
	strbuf_addf(msg, "serves %.40s, want %.40s", got, want);
	return DS_DEPLOYING;
}

enum deploy_state probe_eval_http(const struct probe *p, const struct probe_vars *v,
				  long status, const char *body, size_t len,
				  struct strbuf *msg)
{
	const json_t *w = json_object_get(p->spec, "status");
	long want = w ? (long)json_integer_value(w) : 200;
	const char *ptr = json_string_value(json_object_get(p->spec, "pointer"));
	const char *contains = json_string_value(json_object_get(p->spec, "contains"));
	const char *expect = json_string_value(json_object_get(p->spec, "expect"));
	struct strbuf want_s = STRBUF_INIT, got = STRBUF_INIT;
	enum deploy_state st = DS_UNKNOWN;
	json_t *doc = NULL;

	strbuf_reset(msg);
	if (status != want)
		return http_status_state(status, want, msg);
	if (probe_expand(&want_s, contains ? contains : expect ? expect : "{commit}", v, NULL) < 0) {
		strbuf_addstr(msg, error_message());
		error_clear();
		goto out;
	}
	if (ptr) {
		if ((doc = parse_answer(body, len, msg)) && json_at(doc, ptr, &got, msg) == 0)
			st = compare_value(got.buf, want_s.buf, v, msg);
	} else if (contains) {
		int found = want_s.len && memmem(body, len, want_s.buf, want_s.len);

		strbuf_addf(msg, found ? "the answer has '%s'" : "no '%s' in the answer yet",
			    want_s.buf);
		st = found ? DS_SUCCESS : DS_DEPLOYING;
	} else {
		strbuf_addf(msg, "HTTP %ld", status);
		st = DS_SUCCESS;
	}
out:
	json_decref(doc);
	strbuf_release(&want_s);
	strbuf_release(&got);
	return st;
}

/* The raw state at p->state_ptr in doc, mapped; the commit check first. */
static enum deploy_state eval_doc(const struct probe *p, const struct probe_vars *v,
				  const json_t *doc, struct strbuf *msg)
{
	struct strbuf text = STRBUF_INIT;
	enum deploy_state st = DS_UNKNOWN;
	const json_t *c;

	if (v && p->commit_ptr && !json_pointer_get(doc, p->commit_ptr, &c) &&
	    !json_scalar_text(c, &text) && !commit_matches(text.buf, v->commit)) {
		strbuf_addf(msg, "the latest deployment is for %.12s, not %.12s yet",
			    text.buf, v->commit);
		st = DS_QUEUED;
		goto out;
	}
	error_clear();
	if (!p->state_ptr) {
		strbuf_addstr(msg, "no state pointer (set 'state')");
		goto out;
	}
	if (json_at(doc, p->state_ptr, &text, msg) < 0)
		goto out;
	st = probe_map(p, text.buf);
	if (st == DS_UNKNOWN && !json_object_get(p->map, text.buf))
		strbuf_addf(msg, "unmapped state '%.64s' (add it to the probe's map)", text.buf);
	else
		strbuf_addf(msg, "%.64s", text.buf);
out:
	strbuf_release(&text);
	return st;
}

enum deploy_state probe_eval_provider(const struct probe *p, const struct probe_vars *v,
				      long status, const char *body, size_t len,
				      struct strbuf *msg)
{
	const json_t *w = json_object_get(p->spec, "status");
	enum deploy_state st = DS_UNKNOWN;
	json_t *doc;

	strbuf_reset(msg);
	if (w ? status != json_integer_value(w) : (status < 200 || status > 299))
		return http_status_state(status, w ? (long)json_integer_value(w) : 200, msg);
	if ((doc = parse_answer(body, len, msg)))
		st = eval_doc(p, v, doc, msg);
	json_decref(doc);
	return st;
}

static enum deploy_state eval_exit(const struct probe *p, int code, struct strbuf *msg)
{
	const json_t *m = json_object_get(p->spec, "exit");
	char key[16];
	const char *s;
	int st;

	snprintf(key, sizeof(key), "%d", code);
	strbuf_addf(msg, "exit %d", code);
	if (m) {
		s = json_string_value(json_object_get(m, key));
		st = s ? deploy_state_parse(s) : -1;
		return st < 0 ? DS_UNKNOWN : (enum deploy_state)st;
	}
	return code == 0 ? DS_SUCCESS : DS_FAILED;
}

enum deploy_state probe_eval_command(const struct probe *p, int exit_code,
				     const char *out, size_t len, struct strbuf *msg)
{
	struct strbuf line = STRBUF_INIT;
	enum deploy_state st = DS_UNKNOWN;
	json_t *doc;

	strbuf_reset(msg);
	if (!p->state_ptr && !json_object_size(p->map))
		return eval_exit(p, exit_code, msg);
	if (exit_code) {
		strbuf_addf(msg, "exit %d", exit_code);
		return DS_UNKNOWN;
	}
	if (p->state_ptr) {
		if ((doc = parse_answer(out, len, msg)))
			st = eval_doc(p, NULL, doc, msg);
		json_decref(doc);
		return st;
	}
	strbuf_add(&line, out, len);
	if (strchr(line.buf, '\n'))
		strbuf_setlen(&line, (size_t)(strchr(line.buf, '\n') - line.buf));
	strbuf_trim(&line);
	st = probe_map(p, line.buf);
	if (!json_object_get(p->map, line.buf))
		strbuf_addf(msg, "unmapped state '%.64s' (add it to the probe's map)", line.buf);
	else
		strbuf_addf(msg, "%.64s", line.buf);
	strbuf_release(&line);
	return st;
}

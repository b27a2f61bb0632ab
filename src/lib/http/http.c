/*
 * http.c - libcurl behind dlopen(); see http.h.
 */
#include "bosun-config.h"
#include "lib/http/http.h"

#include "core/dl.h"
#include "core/error.h"
#include "core/run.h"

#include <ctype.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <strings.h>
#include <time.h>

/* Plain prototypes: curl's type-checking macros would hide the functions
 * that the table below routes. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#define CURL_FUNCS(X)            \
	X(curl_global_init)      \
	X(curl_easy_init)        \
	X(curl_easy_setopt)      \
	X(curl_easy_perform)     \
	X(curl_easy_getinfo)     \
	X(curl_easy_cleanup)     \
	X(curl_easy_strerror)    \
	X(curl_slist_append)     \
	X(curl_slist_free_all)

#define CURL_MEMBER(f) __typeof__(f) *f;
static struct curl_api {
	CURL_FUNCS(CURL_MEMBER)
} curl_api;
#undef CURL_MEMBER

static int loaded;

#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_BODY_CAP (1024 * 1024)

static void *open_lib(void)
{
	static const char *const names[] = {
		BOSUN_CURL_SONAME, "libcurl.so", "libcurl-gnutls.so.4", NULL,
	};

	return dl_open_optional(names, "libcurl",
				"HTTP probes, webhooks and provider APIs are off");
}

int http_load(void)
{
	void *h;

	if (loaded)
		return 0;
	h = open_lib();
	if (!h)
		return error_set(BOSUN_EUNAVAILABLE, "cannot load libcurl (%s): %s",
				 BOSUN_CURL_SONAME, dl_last_error());
#define CURL_RESOLVE(f)                                                     \
	if (!(*(void **)&curl_api.f = dlsym(h, #f)))                        \
		return error_set(BOSUN_EUNAVAILABLE,                        \
				 "libcurl has no '%s'; is it too old?", #f);
	CURL_FUNCS(CURL_RESOLVE)
#undef CURL_RESOLVE
	if (curl_api.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return error_set(BOSUN_EUNAVAILABLE, "cannot initialise libcurl");
	loaded = 1;
	return 0;
}

/* From here on, calls go through the table. curl.h defines some of these
 * names as macros that check the argument count: replace them. */
#undef curl_global_init
#define curl_global_init (*curl_api.curl_global_init)
#undef curl_easy_init
#define curl_easy_init (*curl_api.curl_easy_init)
#undef curl_easy_setopt
#define curl_easy_setopt (*curl_api.curl_easy_setopt)
#undef curl_easy_perform
#define curl_easy_perform (*curl_api.curl_easy_perform)
#undef curl_easy_getinfo
#define curl_easy_getinfo (*curl_api.curl_easy_getinfo)
#undef curl_easy_cleanup
#define curl_easy_cleanup (*curl_api.curl_easy_cleanup)
#undef curl_easy_strerror
#define curl_easy_strerror (*curl_api.curl_easy_strerror)
#undef curl_slist_append
#define curl_slist_append (*curl_api.curl_slist_append)
#undef curl_slist_free_all
#define curl_slist_free_all (*curl_api.curl_slist_free_all)

struct sink {
	struct strbuf *body;
	size_t cap;
	int over;
	long long retry_after_ms;
};

static size_t on_body(char *p, size_t size, size_t n, void *data)
{
	struct sink *s = data;
	size_t len = size * n;

	if (s->body->len + len > s->cap) {
		s->over = 1;
		return 0;	/* makes curl stop with CURLE_WRITE_ERROR */
	}
	strbuf_add(s->body, p, len);
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *data)
{
	struct sink *s = data;
	size_t len = size * n;
	static const char name[] = "retry-after:";

	if (len > sizeof(name) - 1 && !strncasecmp(p, name, sizeof(name) - 1)) {
		const char *v = p + sizeof(name) - 1;
		size_t vl = len - (sizeof(name) - 1);

		s->retry_after_ms = http_parse_retry_after(v, vl, (long long)time(NULL));
	}
	return len;
}

long long http_parse_retry_after(const char *v, size_t len, long long now_s)
{
	char buf[64];
	struct tm tm;
	long long secs = 0;
	size_t i = 0, k = 0;

	while (i < len && isspace((unsigned char)v[i]))
		i++;
	while (len > i && isspace((unsigned char)v[len - 1]))
		len--;
	if (i == len || len - i >= sizeof(buf))
		return -1;
	memcpy(buf, v + i, len - i);
	buf[len - i] = '\0';
	for (k = 0; buf[k] && isdigit((unsigned char)buf[k]); k++)
		if ((secs = secs * 10 + (buf[k] - '0')) > 86400LL * 365)
			return -1;
	if (k && !buf[k])
		return secs * 1000;
	memset(&tm, 0, sizeof(tm));
	{
		const char *end = strptime(buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		long long at;

		if (!end || *end)
			return -1;
		at = (long long)timegm(&tm);
		return at <= now_s ? 0 : (at - now_s) * 1000;
	}
}

static struct curl_slist *make_headers(const char *const *h)
{
	struct curl_slist *list = NULL, *n;

	for (; h && *h; h++) {
		if (!(n = curl_slist_append(list, *h))) {
			curl_slist_free_all(list);
			return NULL;
		}
		list = n;
	}
	return list;
}

static void set_options(CURL *c, const struct http_request *req,
			struct curl_slist *hdrs, struct sink *s, char *errbuf)
{
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
			 (long)(req->timeout_ms > 0 ? req->timeout_ms : DEFAULT_TIMEOUT_MS));
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "bosun/" BOSUN_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
	if (hdrs)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (req->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	if (req->method)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
}

static int request_here(const struct http_request *req, struct http_response *res);

/*
 * Isolated requests. Loading libcurl (and its TLS library) takes a process
 * from about 1 MB to 7 MB of memory before the first request, and a watcher
 * lives for minutes, one per commit. So a watcher asks for each request to
 * be made in a child process: the child loads libcurl, makes the request,
 * writes the answer to its stdout and exits (a function child of
 * core/run: it dies with its parent); the watcher never maps libcurl.
 * A fork every few seconds costs far less than the memory it saves.
 */
static int isolated;

void http_set_isolated(int on)
{
	isolated = on;
}

struct wire {            /* what the child writes first, then msg and body */
	int rc, kind;
	long status;
	long long retry_after_ms;
	size_t msg_len, body_len;
};

/* An error message is one line; this bounds what the child may send. */
#define WIRE_MSG_CAP 65536

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* In the child (core/run's function child): the request, its answer on
 * stdout. */
static int child_request(void *data)
{
	const struct http_request *req = data;
	struct http_response res = HTTP_RESPONSE_INIT;
	struct wire w = { 0 };
	const char *msg = "";

	w.rc = request_here(req, &res);
	if (w.rc < 0) {
		w.kind = error_kind();
		msg = error_message();
	}
	w.status = res.status;
	w.retry_after_ms = res.retry_after_ms;
	w.msg_len = strnlen(msg, WIRE_MSG_CAP);
	w.body_len = res.body.len;
	if (write_all(1, &w, sizeof(w)) == 0 && write_all(1, msg, w.msg_len) == 0)
		write_all(1, res.body.buf, res.body.len);
	return 0;
}

static int read_answer(const struct strbuf *in, struct http_response *res)
{
	struct wire w;

	if (in->len < sizeof(w))
		return error_set(BOSUN_EUNAVAILABLE, "the HTTP request process died");
	memcpy(&w, in->buf, sizeof(w));
	if (w.msg_len > WIRE_MSG_CAP || w.body_len > in->len ||
	    in->len != sizeof(w) + w.msg_len + w.body_len)
		return error_set(BOSUN_EUNAVAILABLE, "the HTTP request process died");
	res->status = w.status;
	res->retry_after_ms = w.retry_after_ms;
	strbuf_add(&res->body, in->buf + sizeof(w) + w.msg_len, w.body_len);
	return w.rc < 0 ? error_set(w.kind, "%.*s", (int)w.msg_len, in->buf + sizeof(w)) : 0;
}

static int request_isolated(const struct http_request *req, struct http_response *res)
{
	static const char *const name[] = { "an HTTP request", NULL };
	struct child c = CHILD_INIT;
	int r;

	c.argv = name;
	c.fn = child_request;
	c.fn_data = (void *)req;
	c.capture = 1;
	c.die_with_us = 1;
	/* one more byte than the most it may send: more is a broken child */
	c.out_cap = sizeof(struct wire) + WIRE_MSG_CAP +
		    (req->body_cap ? req->body_cap : DEFAULT_BODY_CAP) + 1;
	if ((r = child_run(&c)) == 0)
		r = read_answer(&c.out, res);
	child_release(&c);
	return r;
}

int http_request(const struct http_request *req, struct http_response *res)
{
	if (isolated)
		return request_isolated(req, res);
	return request_here(req, res);
}

static int request_here(const struct http_request *req, struct http_response *res)
{
	struct sink s = { &res->body, req->body_cap ? req->body_cap : DEFAULT_BODY_CAP, 0, -1 };
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	CURLcode cc;
	CURL *c;
	int r = 0;

	if ((r = http_load()) < 0)
		return r;
	if (!(c = curl_easy_init()))
		return error_set(BOSUN_EUNAVAILABLE, "cannot start a libcurl session");
	if (req->headers && req->headers[0] && !(hdrs = make_headers(req->headers))) {
		r = error_set(BOSUN_EINTERNAL, "cannot build the request headers");
		goto out;
	}
	set_options(c, req, hdrs, &s, errbuf);
	cc = curl_easy_perform(c);
	if (s.over)
		r = error_set(BOSUN_EDATA, "the answer is larger than %zu bytes", s.cap);
	else if (cc != CURLE_OK)
		r = error_set(BOSUN_EUNAVAILABLE, "%s", *errbuf ? errbuf : curl_easy_strerror(cc));
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status);
	res->retry_after_ms = s.retry_after_ms;
out:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return r;
}

void http_response_release(struct http_response *res)
{
	strbuf_release(&res->body);
	res->status = 0;
	res->retry_after_ms = -1;
}

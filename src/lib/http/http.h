/*
 * http.h - HTTP requests through libcurl, loaded with dlopen() on first use,
 * for every domain that talks HTTP (deploy probes and notices, monitor
 * webhooks).
 *
 *	struct http_request req = HTTP_REQUEST_INIT;
 *	struct http_response res = HTTP_RESPONSE_INIT;
 *	req.url = "https://api.example.com/v1/x";
 *	req.headers = hdrs;		// NULL-terminated "Name: value" list
 *	req.timeout_ms = 10000;
 *	r = http_request(&req, &res);	// < 0: could not ask (error recorded)
 *	if (!r && res.status == 200) use(res.body.buf, res.body.len);
 *	http_response_release(&res);
 *
 * Linking libcurl costs about 6 ms at every start of the program (33 shared
 * objects), and the hot paths (deploy status, hooks) never talk HTTP, so
 * this module is the only one that includes <curl/curl.h>, and it resolves
 * the few functions it calls with dlsym() (as lib/git/git2.c does for
 * libgit2). When libcurl cannot be loaded, http_request() returns
 * -BOSUN_EUNAVAILABLE.
 *
 * TLS peers and host names are always verified. The body is capped at
 * body_cap bytes (default 1 MiB; the rest is an error, BOSUN_EDATA). A
 * transport failure (refused, DNS, timeout, TLS) returns -BOSUN_EUNAVAILABLE
 * with curl's message; an HTTP status of any value is a success of this
 * function. Retry-After (seconds or an HTTP date) is parsed into
 * retry_after_ms (-1 when absent).
 */
#ifndef BOSUN_LIB_HTTP_H
#define BOSUN_LIB_HTTP_H

#include "core/strbuf.h"

#include <stddef.h>

struct http_request {
	const char *method;               /* NULL: GET (POST when body is set) */
	const char *url;
	const char *const *headers;       /* "Name: value", NULL-terminated */
	const char *body;
	size_t body_len;
	int timeout_ms;                   /* 0: 30 s */
	size_t body_cap;                  /* 0: 1 MiB */
};
#define HTTP_REQUEST_INIT { NULL, NULL, NULL, NULL, 0, 0, 0 }

struct http_response {
	long status;
	long long retry_after_ms;
	struct strbuf body;
};
#define HTTP_RESPONSE_INIT { 0, -1, STRBUF_INIT }

/* Load libcurl; -BOSUN_EUNAVAILABLE when it cannot. Cheap after the first. */
int http_load(void);
int http_request(const struct http_request *req, struct http_response *res);
/* Make every later request in a short-lived child process, so that this
 * process never loads libcurl (a long-running watcher stays small). */
void http_set_isolated(int on);
void http_response_release(struct http_response *res);

/* Parse a Retry-After value (delta seconds or an IMF date, relative to
 * now_s); -1 when it is neither. Exposed for tests and the fuzzer. */
long long http_parse_retry_after(const char *v, size_t len, long long now_s);

#endif

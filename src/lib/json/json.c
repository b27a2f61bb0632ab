/*
 * json.c - JSON pointers and scalar text over jansson values; see json.h.
 */
#include "lib/json/json.h"

#include "core/error.h"

#include <ctype.h>
#include <string.h>

/* One reference token of ptr starting at *p, unescaped into tok. */
static int next_token(const char **p, struct strbuf *tok)
{
	const char *s = *p;

	strbuf_reset(tok);
	for (; *s && *s != '/'; s++) {
		if (*s != '~') {
			strbuf_addch(tok, *s);
			continue;
		}
		if (s[1] != '0' && s[1] != '1')
			return -1;
		strbuf_addch(tok, s[1] == '0' ? '~' : '/');
		s++;
	}
	*p = s;
	return 0;
}

static int array_index(const char *t, size_t *out)
{
	size_t i = 0, n = 0;

	if (!*t || (t[0] == '0' && t[1]))
		return -1;
	for (; t[i]; i++) {
		if (!isdigit((unsigned char)t[i]) || n > 100000000)
			return -1;
		n = n * 10 + (size_t)(t[i] - '0');
	}
	*out = n;
	return 0;
}

int json_pointer_get(const json_t *doc, const char *ptr, const json_t **out)
{
	struct strbuf tok = STRBUF_INIT;
	const json_t *cur = doc;
	const char *p = ptr;
	int r = 0;

	if (*p && *p != '/')
		return error_set(BOSUN_EDATA, "'%s' is not a JSON pointer (it must start with '/')", ptr);
	while (*p && cur) {
		size_t idx;

		p++;
		if (next_token(&p, &tok) < 0) {
			r = error_set(BOSUN_EDATA, "'%s' is not a JSON pointer (bad '~' escape)", ptr);
			goto out;
		}
		if (json_is_object(cur))
			cur = json_object_get(cur, tok.buf);
		else if (json_is_array(cur) && !array_index(tok.buf, &idx))
			cur = json_array_get(cur, idx);
		else
			cur = NULL;
	}
	if (!cur)
		r = -BOSUN_ENOTFOUND;
	else
		*out = cur;
out:
	strbuf_release(&tok);
	return r;
}

int json_scalar_text(const json_t *v, struct strbuf *out)
{
	strbuf_reset(out);
	if (json_is_string(v))
		strbuf_add(out, json_string_value(v), json_string_length(v));
	else if (json_is_integer(v))
		strbuf_addf(out, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		strbuf_addf(out, "%.17g", json_real_value(v));
	else if (json_is_boolean(v))
		strbuf_addstr(out, json_is_true(v) ? "true" : "false");
	else
		return -1;
	return 0;
}

json_t *json_string_lossy(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *j;

	strbuf_add_utf8_lossy(&sb, s, strlen(s));
	j = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	return j;
}

const char *json_get_str(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

/*
 * json.h - small helpers over jansson values that more than one domain can
 * use: RFC 6901 pointers, scalars as text, strings from any bytes.
 *
 *	const json_t *v;
 *	struct strbuf text = STRBUF_INIT;
 *
 *	if ((r = json_pointer_get(doc, "/deployment/state", &v)) < 0)
 *		return r;                // -BOSUN_ENOTFOUND or -BOSUN_EDATA
 *	if (json_scalar_text(v, &text) < 0)
 *		...                      // null, an array or an object
 *
 * Values come back borrowed from doc; nothing here takes a reference.
 */
#ifndef BOSUN_LIB_JSON_JSON_H
#define BOSUN_LIB_JSON_JSON_H

#include "core/strbuf.h"

#include <jansson.h>

/* RFC 6901: *out is the value at ptr in doc (borrowed). -BOSUN_ENOTFOUND
 * when there is none, -BOSUN_EDATA for a malformed pointer. */
int json_pointer_get(const json_t *doc, const char *ptr, const json_t **out);
/* A new JSON string of s as valid UTF-8 (see strbuf_add_utf8_lossy()):
 * jansson refuses invalid UTF-8, and a commit message or a scanned file's
 * name may hold any bytes. */
json_t *json_string_lossy(const char *s);
/* The string at key in object o (borrowed), or dflt when o is no object,
 * or key is missing or not a string. */
const char *json_get_str(const json_t *o, const char *key, const char *dflt);
/* A scalar as text (strings as they are, numbers and booleans printed);
 * 0, or -1 for null, arrays and objects. */
int json_scalar_text(const json_t *v, struct strbuf *out);

#endif

/*
 * keys.c - the configuration keys of log reading (logs.*); src/cmd/keys.c
 * hands them to config_load(). Also the sources they describe.
 */
#include "lib/logs/internal.h"

#include "core/alloc.h"
#include "lib/config/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const field_names[] = { "time", "level", "message", "component", NULL };

static int check_fields(const json_t *f, size_t i, struct strbuf *why)
{
	const char *k;
	json_t *v;
	size_t j;

	if (!json_is_object(f)) {
		strbuf_addf(why, "[%zu].fields must be a mapping of time, level, message, component", i);
		return -1;
	}
	json_object_foreach((json_t *)f, k, v) {
		for (j = 0; field_names[j] && strcmp(field_names[j], k); j++)
			;
		if (!field_names[j]) {
			strbuf_addf(why, "[%zu].fields.%s is not one of time, level, message, component", i, k);
			return -1;
		}
		if (!json_is_string(v) || !*json_string_value(v)) {
			strbuf_addf(why, "[%zu].fields.%s must be a key name", i, k);
			return -1;
		}
	}
	return 0;
}

static int check_sources(const json_t *v, struct strbuf *why)
{
	const json_t *s;
	size_t i;

	if (!json_is_array(v)) {
		strbuf_addstr(why, "must be a list of {path, format, fields}");
		return -1;
	}
	json_array_foreach(v, i, s) {
		const char *k;
		json_t *x;
		const char *fmt;

		if (!json_is_object(s) || !json_is_string(json_object_get(s, "path")) ||
		    !*json_string_value(json_object_get(s, "path"))) {
			strbuf_addf(why, "[%zu] must be a mapping with a path", i);
			return -1;
		}
		json_object_foreach((json_t *)s, k, x)
			if (strcmp(k, "path") && strcmp(k, "format") && strcmp(k, "fields")) {
				strbuf_addf(why, "[%zu].%s is not one of path, format, fields", i, k);
				return -1;
			}
		if ((x = json_object_get(s, "format")) &&
		    (!(fmt = json_string_value(x)) || (strcmp(fmt, "json") && strcmp(fmt, "text")))) {
			strbuf_addf(why, "[%zu].format must be json or text", i);
			return -1;
		}
		if ((x = json_object_get(s, "fields")) && check_fields(x, i, why) < 0)
			return -1;
	}
	return 0;
}

const struct config_key logs_config_keys[] = {
	{ "logs.sources", CFG_JSON, "[]",
	  "other logs: a list of {path, format: json|text, fields: {time, level, message, component}}",
	  check_sources },
	{ "logs.follow_interval", CFG_DURATION, "250",
	  "how often logs --follow looks for new lines without an inotify event (polls, without inotify)" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const char *field_or(json_t *fields, const char *name, const char *def)
{
	const char *v = json_string_value(json_object_get(fields, name));

	return v ? v : def;
}

int logs_sources_from_config(const struct config *cfg, struct logs_source **out,
			     size_t *nr)
{
	json_t *list = config_get(cfg, "logs.sources"), *s;
	size_t i;

	*out = NULL;
	*nr = 0;
	if (!json_array_size(list))
		return 0;
	*out = xcalloc(json_array_size(list), sizeof(**out));
	json_array_foreach(list, i, s) {
		struct logs_source *src = &(*out)[(*nr)++];
		json_t *f = json_object_get(s, "fields");
		const char *fmt = json_string_value(json_object_get(s, "format"));

		src->path = json_string_value(json_object_get(s, "path"));
		src->format = fmt && !strcmp(fmt, "text") ? LOGS_FORMAT_TEXT : LOGS_FORMAT_JSON;
		src->fields.time = field_or(f, "time", LOGS_FIELDS_GUESS.time);
		src->fields.level = field_or(f, "level", LOGS_FIELDS_GUESS.level);
		src->fields.message = field_or(f, "message", LOGS_FIELDS_GUESS.message);
		src->fields.component = field_or(f, "component", LOGS_FIELDS_GUESS.component);
	}
	return 0;
}

void logs_sources_free(struct logs_source *v, size_t nr)
{
	(void)nr;
	free(v);
}

/* A file's first byte that is not blank: '{' says JSON lines. */
static int looks_json(const char *path)
{
	FILE *f = fopen(path, "re");
	int c = EOF;

	if (!f)
		return 1;
	while ((c = getc(f)) != EOF && (c == ' ' || c == '\t' || c == '\n' || c == '\r'))
		;
	fclose(f);
	return c == EOF || c == '{';
}

void logs_source_for(struct logs_source *out, const char *path,
		     const struct logs_source *cfg, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(cfg[i].path, path)) {
			*out = cfg[i];
			out->path = path;
			return;
		}
	out->path = path;
	out->format = looks_json(path) ? LOGS_FORMAT_JSON : LOGS_FORMAT_TEXT;
	out->fields = LOGS_FIELDS_GUESS;
}

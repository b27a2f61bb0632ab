/*
 * template.c - agent templates: claude-mpm's JSON form and Markdown with
 * YAML frontmatter, validated before anything is written (agents.h).
 * Every problem is collected with FILE:LINE:COL and the field's path, so
 * that one run shows them all.
 */
#include "lib/agents/agents.h"
#include "lib/agents/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/parallel.h"
#include "core/sha256.h"
#include "lib/release/semver.h"

#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TEMPLATE_MAX_BYTES (1024 * 1024)

void agent_problems_add(struct agent_problems *pb, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ALLOC_GROW(pb->items, pb->nr + 1, pb->alloc);
	pb->items[pb->nr++] = strbuf_detach(&sb, NULL);
}

void agent_problems_release(struct agent_problems *pb)
{
	size_t i;

	for (i = 0; i < pb->nr; i++)
		free(pb->items[i]);
	free(pb->items);
	pb->items = NULL;
	pb->nr = pb->alloc = 0;
}

/* One template being read: its text, its values as JSON, and (for
 * messages) the position of each value, computed on the first problem. */
struct tsrc {
	const char *file;
	const char *text;
	size_t len;
	int md;
	json_t *doc, *marks;
	struct agent_problems *pb;
	struct agent_problems *warn;  /* what is read but left out */
	int bad;
};

static void locate(struct tsrc *ts, const char *ptr, int *line, int *col)
{
	struct strbuf p = STRBUF_INIT;
	json_t *m;

	*line = ts->md ? 2 : 1;
	*col = 1;
	if (!ts->marks && !ts->md &&
	    agent_yaml_parse(&m, &ts->marks, ts->file, ts->text, ts->len, 0) == 0)
		json_decref(m);
	error_clear();
	strbuf_addstr(&p, ptr);
	/* The value, else the nearest parent that exists. */
	for (;;) {
		json_t *at = ts->marks ? json_object_get(ts->marks, p.buf) : NULL;
		char *slash;

		if (at) {
			*line = (int)json_integer_value(json_array_get(at, 0));
			*col = (int)json_integer_value(json_array_get(at, 1));
			break;
		}
		if (!p.len || !(slash = strrchr(p.buf, '/')))
			break;
		strbuf_setlen(&p, (size_t)(slash - p.buf));
	}
	strbuf_release(&p);
}

/* "/capabilities/tools/2" -> "capabilities.tools[2]" */
static void display_path(struct strbuf *sb, const char *ptr)
{
	const char *p = ptr;

	while (*p == '/') {
		const char *end = strchr(p + 1, '/');
		size_t n = end ? (size_t)(end - p - 1) : strlen(p + 1);

		if (n && strspn(p + 1, "0123456789") == n)
			strbuf_addf(sb, "[%.*s]", (int)n, p + 1);
		else
			strbuf_addf(sb, "%s%.*s", sb->len ? "." : "", (int)n, p + 1);
		p += n + 1;
	}
	if (!sb->len)
		strbuf_addstr(sb, "(document)");
}

__attribute__((format(printf, 3, 4)))
static void problem(struct tsrc *ts, const char *ptr, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT, path = STRBUF_INIT;
	va_list ap;
	int line, col;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	locate(ts, ptr, &line, &col);
	display_path(&path, ptr);
	agent_problems_add(ts->pb, "%s:%d:%d: %s: %s", ts->file, line, col,
			   path.buf, msg.buf);
	ts->bad = 1;
	strbuf_release(&msg);
	strbuf_release(&path);
}

/* Not a problem: the template deploys, without what this says. */
__attribute__((format(printf, 3, 4)))
static void warning(struct tsrc *ts, const char *ptr, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT, path = STRBUF_INIT;
	va_list ap;
	int line, col;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	locate(ts, ptr, &line, &col);
	display_path(&path, ptr);
	agent_problems_add(ts->warn, "%s:%d:%d: %s: %s", ts->file, line, col,
			   path.buf, msg.buf);
	strbuf_release(&msg);
	strbuf_release(&path);
}

/* The value at a JSON pointer of two levels at most. */
static json_t *at(json_t *doc, const char *ptr)
{
	char first[64];
	const char *slash = strchr(ptr + 1, '/');
	size_t n = slash ? (size_t)(slash - ptr - 1) : strlen(ptr + 1);
	json_t *v;

	if (n >= sizeof(first))
		return NULL;
	memcpy(first, ptr + 1, n);
	first[n] = '\0';
	v = json_object_get(doc, first);
	if (slash && v)
		v = json_is_object(v) ? json_object_get(v, slash + 1) : NULL;
	return v;
}

/* A string field: the first of ptrs present. *used gets its pointer.
 * A present value that is not a non-empty string is a problem. */
static char *get_str(struct tsrc *ts, const char *const *ptrs,
		     const char **used, int required)
{
	const char *const *p;
	json_t *v = NULL;

	for (p = ptrs; *p && !v; p++)
		v = at(ts->doc, *p);
	if (used)
		*used = v ? p[-1] : ptrs[0];
	if (!v) {
		if (required)
			problem(ts, ptrs[0], "is required");
		return NULL;
	}
	if (!json_is_string(v) || !json_string_length(v)) {
		problem(ts, p[-1], "must be a non-empty string");
		return NULL;
	}
	return xstrdup(json_string_value(v));
}

static void add_tool(struct agent_tmpl *t, const char *s, size_t n)
{
	t->tools = xrealloc(t->tools, (t->tools_nr + 1) * sizeof(*t->tools));
	t->tools[t->tools_nr++] = xstrndup(s, n);
}

/* Tools as a list of strings, or (Claude Code's form) "Read, Write". */
static void get_tools(struct tsrc *ts, struct agent_tmpl *t,
		      const char *const *ptrs)
{
	struct strbuf ip = STRBUF_INIT;
	json_t *v = NULL, *x;
	const char *s, *ptr = ptrs[0];
	size_t i;

	for (; *ptrs && !v; ptrs++)
		v = at(ts->doc, ptr = *ptrs);
	if (!v)
		return;
	t->tools_set = 1;
	if (json_is_string(v)) {
		for (s = json_string_value(v); *s;) {
			size_t n = strcspn(s, ",");
			const char *b = s, *e = s + n;

			while (b < e && (*b == ' ' || *b == '\t'))
				b++;
			while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			if (e > b)
				add_tool(t, b, (size_t)(e - b));
			s += n + !!s[n];
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			strbuf_reset(&ip);
			strbuf_addf(&ip, "%s/%zu", ptr, i);
			if (!json_is_string(x))
				problem(ts, ip.buf, "must be a string");
			else
				add_tool(t, json_string_value(x), json_string_length(x));
		}
	} else {
		problem(ts, ptr, "must be a list of tool names");
	}
	for (i = 0; i < t->tools_nr; i++) {
		if (agent_tool_known(t->tools[i]))
			continue;
		strbuf_reset(&ip);
		strbuf_addf(&ip, json_is_array(v) ? "%s/%zu" : "%s", ptr, i);
		problem(ts, ip.buf, "unknown tool '%s' (Claude Code tool names: "
			"Read, Write, Edit, Bash, Glob, Grep, ... or mcp__server__tool)",
			t->tools[i]);
	}
	strbuf_release(&ip);
}

/*
 * Where each field is, first match wins. claude-mpm's JSON changed over
 * time: its first templates (2025-07) kept the fields under
 * configuration_fields and the prompt under narrative_fields, with an
 * integer schema "version"; later ones under metadata and capabilities
 * (or, in its schema 2.0, at the top, with capabilities a list of words).
 */
struct field_ptrs {
	const char *id[3], *version[3], *description[4], *model[4],
		*color[4], *tools[3];
};

static const struct field_ptrs json_ptrs = {
	{ "/agent_id", "/id", NULL }, { "/agent_version", "/version", NULL },
	{ "/metadata/description", "/description",
	  "/configuration_fields/description", NULL },
	{ "/capabilities/model", "/model", "/configuration_fields/model", NULL },
	{ "/capabilities/color", "/metadata/color", "/color", NULL },
	{ "/capabilities/tools", "/configuration_fields/tools", NULL },
};

static const struct field_ptrs md_ptrs = {
	{ "/name", NULL, NULL }, { "/version", NULL, NULL },
	{ "/description", NULL, NULL, NULL }, { "/model", NULL, NULL, NULL },
	{ "/color", NULL, NULL, NULL }, { "/tools", NULL, NULL },
};

/* "research_agent.json" -> "research_agent" */
static char *file_stem(const char *file)
{
	const char *base = strrchr(file, '/');
	const char *dot;

	base = base ? base + 1 : file;
	dot = strrchr(base, '.');
	return xstrndup(base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
}

static void check_name(struct tsrc *ts, struct agent_tmpl *t, const char *ptr)
{
	char *p;

	for (p = t->name; *p; p++)
		if (*p == '_')
			*p = '-';
	if (!agent_name_valid(t->name))
		problem(ts, ptr, "'%s' is not a valid agent name: use lowercase "
			"letters, digits and single dashes (^[a-z0-9]+(-[a-z0-9]+)*$, "
			"at most %d characters)", t->name, AGENT_NAME_MAX);
}

/* The version: a string, or claude-mpm's integer schema version N, read
 * as N.0.0 (its first JSON templates, and its base agent, wrote 2 or 3). */
static char *get_version(struct tsrc *ts, const char *const *ptrs,
			 const char **used, int required)
{
	const char *const *p;
	json_t *v = NULL;

	for (p = ptrs; *p && !v; p++)
		v = at(ts->doc, *p);
	if (v && json_is_integer(v) && !ts->md) {
		struct strbuf sb = STRBUF_INIT;

		*used = p[-1];
		if (json_integer_value(v) < 0) {
			problem(ts, p[-1], "must be a semantic version or a "
				"non-negative integer");
			return NULL;
		}
		strbuf_addf(&sb, "%" JSON_INTEGER_FORMAT ".0.0", json_integer_value(v));
		return strbuf_detach(&sb, NULL);
	}
	return get_str(ts, ptrs, used, required);
}

static void check_version(struct tsrc *ts, const char *v, const char *ptr)
{
	struct semver sv = SEMVER_INIT;

	if (semver_parse(&sv, v, -1) < 0)
		problem(ts, ptr, "'%s' is not a semantic version (like 1.2.0)", v);
	semver_release(&sv);
	error_clear();
}

static void read_fields(struct tsrc *ts, struct agent_tmpl *t, int is_base)
{
	const struct field_ptrs *f = ts->md ? &md_ptrs : &json_ptrs;
	const char *used;

	if (!json_is_object(ts->doc)) {
		problem(ts, "", ts->md ? "the frontmatter must be a mapping"
					: "a template must be a JSON object");
		return;
	}
	/* No name: the file's (claude-mpm's first JSON templates had none). */
	t->name = get_str(ts, f->id, &used, 0);
	if (!t->name && !ts->bad)
		t->name = file_stem(ts->file);
	if (t->name && !is_base)
		check_name(ts, t, used);
	t->version = get_version(ts, f->version, &used, !is_base);
	if (t->version)
		check_version(ts, t->version, used);
	t->description = get_str(ts, f->description, &used, !is_base);
	if (t->description) {
		/* Spaces around it mean nothing to a CLI, and libfyaml's
		 * emitter drops them even from a quoted scalar: the file would
		 * not read back as what was meant. */
		struct strbuf d = STRBUF_INIT;

		strbuf_addstr(&d, t->description);
		strbuf_trim(&d);
		free(t->description);
		t->description = strbuf_detach(&d, NULL);
		if (!*t->description) {
			problem(ts, used, "must be a non-empty string");
			free(t->description);
			t->description = NULL;
		}
	}
	t->model = get_str(ts, f->model, &used, 0);
	if (t->model) {
		struct strbuf m = STRBUF_INIT;
		int r = agent_model_norm(t->model, &m);

		if (r < 0)
			problem(ts, used, "unknown model '%s': use sonnet, opus, haiku, "
				"inherit, a versioned alias like sonnet-4.5 or a "
				"claude-* model id", t->model);
		else if (r > 0)
			warning(ts, used, "'%s' is not a Claude model id; using '%s'",
				t->model, m.buf);
		free(t->model);
		t->model = strbuf_detach(&m, NULL);
	}
	/* A colour is for display only: one the CLIs do not know is left out. */
	t->color = get_str(ts, f->color, &used, 0);
	if (t->color && !agent_color_known(t->color)) {
		warning(ts, used, "unknown color '%s' left out (known: red, blue, "
			"green, yellow, purple, orange, pink, cyan, magenta, white)",
			t->color);
		free(t->color);
		t->color = NULL;
	}
	get_tools(ts, t, f->tools);
}

/* Markdown: "---\n" YAML "---\n" body. *fm and *fm_len: the YAML; *body:
 * where the body starts. */
static int split_md(const char *text, size_t len, size_t *fm_len, size_t *body)
{
	size_t i;

	if (len < 4 || strncmp(text, "---\n", 4))
		return -1;
	for (i = 3; i < len; i++) {
		if (text[i] != '\n' || len - i < 4 || strncmp(text + i + 1, "---", 3))
			continue;
		if (i + 4 == len || text[i + 4] == '\n' ||
		    (text[i + 4] == '\r' && i + 5 < len && text[i + 5] == '\n')) {
			*fm_len = i + 1 - 4;
			*body = i + 4 == len ? len : i + 5 + (text[i + 4] == '\r');
			return 0;
		}
	}
	return -1;
}

/* The body, without the blank lines around it. */
static char *trim_body(const char *s, size_t n)
{
	while (n && (*s == '\n' || *s == '\r')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' ||
		     s[n - 1] == '\t'))
		n--;
	return xstrndup(s, n);
}

static int parse_md(struct tsrc *ts, struct agent_tmpl *t, int is_base)
{
	size_t fm_len, body;

	if (split_md(ts->text, ts->len, &fm_len, &body) < 0) {
		agent_problems_add(ts->pb, "%s:1:1: a Markdown template starts "
				   "with a '---' line, its YAML frontmatter and "
				   "another '---' line", ts->file);
		return -1;
	}
	if (agent_yaml_parse(&ts->doc, &ts->marks, ts->file, ts->text + 4,
			     fm_len, 1) < 0) {
		agent_problems_add(ts->pb, "%s", error_message());
		error_clear();
		return -1;
	}
	read_fields(ts, t, is_base);
	t->instructions = trim_body(ts->text + body, ts->len - body);
	if (!*t->instructions && !is_base) {
		/* The line right after the closing '---'. */
		int line = 1;
		size_t i;

		for (i = 0; i < body && i < ts->len; i++)
			line += ts->text[i] == '\n';
		agent_problems_add(ts->pb, "%s:%d:1: body: the instructions "
				   "(the Markdown after the frontmatter) are empty",
				   ts->file, line);
	}
	return 0;
}

/* A heading from a key: "best_practices" -> "Best practices". */
static void add_heading(struct strbuf *sb, int level, const char *key)
{
	const char *p;

	if (sb->len && !(sb->len >= 2 && !strcmp(sb->buf + sb->len - 2, "\n\n")))
		strbuf_addch(sb, '\n');
	strbuf_addf(sb, "%.*s ", level, "######");
	for (p = key; *p; p++)
		strbuf_addch(sb, *p == '_' ? ' ' : p == key && *p >= 'a' && *p <= 'z' ?
			     *p - 'a' + 'A' : *p);
	strbuf_addstr(sb, "\n\n");
}

static void add_scalar(struct strbuf *sb, const json_t *v)
{
	if (json_is_string(v)) {
		strbuf_addstr(sb, json_string_value(v));
	} else {
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		strbuf_addstr(sb, s ? s : "");
		free(s);
	}
}

/* One value of an instructions object as Markdown: text as it is, a list
 * as items, an object as sections under headings one level down. */
static void add_instr(struct strbuf *sb, const json_t *v, int level)
{
	const char *key;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, x) {
			if (level > 6) {
				strbuf_addf(sb, "- **%s**: ", key);
				add_scalar(sb, x);
				strbuf_addch(sb, '\n');
				continue;
			}
			add_heading(sb, level, key);
			add_instr(sb, x, level + 1);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			strbuf_addstr(sb, "- ");
			if (json_is_object(x) || json_is_array(x)) {
				const char *k;
				json_t *y;
				int first = 1;

				/* An item that is itself a mapping: "key: value; ..." */
				if (json_is_array(x)) {
					add_scalar(sb, x);
				} else {
					json_object_foreach(x, k, y) {
						strbuf_addf(sb, "%s**%s**: ", first ? "" : "; ", k);
						add_scalar(sb, y);
						first = 0;
					}
				}
			} else {
				add_scalar(sb, x);
			}
			strbuf_addch(sb, '\n');
		}
	} else {
		add_scalar(sb, v);
		strbuf_addch(sb, '\n');
	}
}

/*
 * Every place claude-mpm kept the prompt: "instructions" as text, or (its
 * later schema) as an object of sections; "narrative_fields.instructions"
 * (its first schema, and its base agent). When both are there, both are
 * kept, in that order: nothing is dropped.
 */
static char *get_instructions(struct tsrc *ts, int is_base)
{
	static const char *const ptrs[] = { "/instructions",
					    "/narrative_fields/instructions", NULL };
	struct strbuf sb = STRBUF_INIT, part = STRBUF_INIT;
	const char *const *p;
	int found = 0;

	for (p = ptrs; *p; p++) {
		json_t *v = at(ts->doc, *p);

		if (!v)
			continue;
		found = 1;
		strbuf_reset(&part);
		if (json_is_string(v))
			strbuf_addstr(&part, json_string_value(v));
		else if (json_is_object(v))
			add_instr(&part, v, 2);
		else
			problem(ts, *p, "must be text or an object of sections");
		strbuf_trim(&part);
		if (!part.len) {
			if (json_is_string(v) || json_is_object(v))
				problem(ts, *p, "must not be empty");
			continue;
		}
		if (sb.len)
			strbuf_addstr(&sb, "\n\n");
		strbuf_addbuf(&sb, &part);
	}
	if (!found && !is_base)
		problem(ts, ptrs[0], "is required");
	strbuf_release(&part);
	return strbuf_detach(&sb, NULL);
}

static int parse_json(struct tsrc *ts, struct agent_tmpl *t, int is_base)
{
	json_error_t je;
	int line, col;

	if (agent_utf8_check(ts->text, ts->len, &line, &col) < 0) {
		agent_problems_add(ts->pb, "%s:%d:%d: not valid UTF-8 text",
				   ts->file, line, col);
		return -1;
	}
	ts->doc = json_loadb(ts->text, ts->len, JSON_REJECT_DUPLICATES, &je);
	if (!ts->doc) {
		agent_problems_add(ts->pb, "%s:%d:%d: invalid JSON: %s", ts->file,
				   je.line, je.column > 0 ? je.column : 1, je.text);
		return -1;
	}
	read_fields(ts, t, is_base);
	t->instructions = get_instructions(ts, is_base);
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static int parse_any(struct agent_tmpl *out, const char *name, const char *text,
		     size_t len, struct agent_problems *pb, int is_base)
{
	struct agent_tmpl t;
	struct tsrc ts = { name, text, len, ends_with(name, ".md"), NULL, NULL, pb,
			   &t.warnings, 0 };
	size_t before = pb->nr;

	memset(&t, 0, sizeof(t));
	if (ts.md)
		parse_md(&ts, &t, is_base);
	else
		parse_json(&ts, &t, is_base);
	json_decref(ts.doc);
	json_decref(ts.marks);
	t.file = xstrdup(name);
	if (pb->nr > before) {
		agent_tmpl_release(&t);
		return -BOSUN_EDATA;
	}
	*out = t;
	return 0;
}

int agent_tmpl_parse(struct agent_tmpl *out, const char *name,
		     const char *text, size_t len, struct agent_problems *pb)
{
	return parse_any(out, name, text, len, pb, 0);
}

void agent_tmpl_merge_base(struct agent_tmpl *t, const struct agent_tmpl *base)
{
	size_t i;

	if (!t->model && base->model)
		t->model = xstrdup(base->model);
	if (!t->color && base->color)
		t->color = xstrdup(base->color);
	if (!t->tools_set && base->tools_set) {
		t->tools_set = 1;
		for (i = 0; i < base->tools_nr; i++)
			add_tool(t, base->tools[i], strlen(base->tools[i]));
	}
	if (base->instructions && *base->instructions) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, t->instructions ? t->instructions : "");
		if (sb.len)
			strbuf_addstr(&sb, "\n\n");
		strbuf_addstr(&sb, base->instructions);
		free(t->instructions);
		t->instructions = strbuf_detach(&sb, NULL);
	}
}

void agent_tmpl_release(struct agent_tmpl *t)
{
	size_t i;

	if (!t)
		return;
	free(t->name);
	free(t->version);
	free(t->description);
	free(t->model);
	free(t->color);
	free(t->instructions);
	agent_problems_release(&t->warnings);
	for (i = 0; i < t->tools_nr; i++)
		free(t->tools[i]);
	free(t->tools);
	free(t->file);
	free(t->src);
	free(t->text);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

void agent_set_release(struct agent_set *set)
{
	size_t i;

	for (i = 0; i < set->nr; i++)
		agent_tmpl_release(&set->items[i]);
	free(set->items);
	set->items = NULL;
	set->nr = set->alloc = 0;
	agent_tmpl_release(&set->base);
	agent_problems_release(&set->warnings);
	set->have_base = 0;
	set->base_hash[0] = '\0';
}

static int cmp_tmpl(const void *a, const void *b)
{
	return strcmp(((const struct agent_tmpl *)a)->name,
		      ((const struct agent_tmpl *)b)->name);
}

const struct agent_tmpl *agent_set_find(const struct agent_set *set,
					const char *name)
{
	struct agent_tmpl key;

	if (!set->nr)
		return NULL;
	key.name = (char *)name;
	return bsearch(&key, set->items, set->nr, sizeof(key), cmp_tmpl);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The template files of dir, sorted, without the base agent. */
static int list_dir(char ***out, size_t *nr, const char *dir, const char *base)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t alloc = 0;

	*out = NULL;
	*nr = 0;
	if (!d)
		return error_errno(fs_is_dir(dir) || fs_exists(dir) ? BOSUN_EIO :
				   BOSUN_ENOTFOUND, "cannot read the templates in '%s'", dir);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || (base && !strcmp(de->d_name, base)) ||
		    !(ends_with(de->d_name, ".json") || ends_with(de->d_name, ".md")))
			continue;
		ALLOC_GROW(*out, *nr + 1, alloc);
		(*out)[(*nr)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*nr)
		qsort(*out, *nr, sizeof(**out), cmp_str);
	return 0;
}

/* Read one template; parse it unless cached() vouches for it (then it
 * stays lazy: name, version and bytes). hash gets its bytes' SHA-256.
 * With a stat cache, a template whose stat vouches for its hash, and
 * cached() for that hash, is not even read: it stays lazy without bytes. */
/* With quick, only what the stat cache vouches for is loaded (else 2);
 * given, when not NULL, is the file's stat (st_mode 0: none). */
static int load_one(struct agent_tmpl *t, const char *dir, const char *shown,
		    const char *file, struct agent_problems *pb, int is_base,
		    int optional, char hash[65], const char *base_hash,
		    const struct agent_load_cache *cache, int quick,
		    const struct stat *given)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	agent_cached_fn *cached = cache ? cache->cached : NULL;
	const char *name, *version;
	struct stat st;
	int r, have_st = 0;

	memset(t, 0, sizeof(*t));
	fs_path_join(&path, dir, file);
	if (given && cache && (cache->stat_hash || cache->stat_seen)) {
		st = *given;
		have_st = S_ISREG(st.st_mode);
	} else if (cache && (cache->stat_hash || cache->stat_seen)) {
		have_st = stat(path.buf, &st) == 0 && S_ISREG(st.st_mode);
	}
	if (have_st && cached && cache->stat_hash &&
	    cache->stat_hash(cache->data, file, &st, hash) &&
	    cached(cache->data, file, hash, base_hash, &name, &version)) {
		t->name = xstrdup(name);
		t->version = xstrdup(version);
		t->path = strbuf_detach(&path, NULL);
		fs_path_join(&path, shown, file);
		t->file = xstrdup(path.buf);
		t->lazy = 1;
		t->src = xstrdup(file);
		memcpy(t->src_hash, hash, 65);
		strbuf_release(&path);
		return 0;
	}
	if (quick) {
		strbuf_release(&path);
		return 2;
	}
	r = fs_read_file(&text, path.buf, TEMPLATE_MAX_BYTES);
	fs_path_join(&path, shown, file);
	if (r == -BOSUN_ENOTFOUND && optional) {
		error_clear();
		r = 1;
	} else if (r < 0) {
		agent_problems_add(pb, "%s", error_message());
		error_clear();
	} else {
		sha256_hex(hash, text.buf, text.len);
		if (have_st && cache->stat_seen)
			cache->stat_seen(cache->data, file, &st, hash);
		if (cached && cached(cache->data, file, hash, base_hash, &name, &version)) {
			t->name = xstrdup(name);
			t->version = xstrdup(version);
			t->file = xstrdup(path.buf);
			t->lazy = 1;
			t->len = text.len;
			t->text = strbuf_detach(&text, NULL);
			r = 0;
		} else {
			r = parse_any(t, path.buf, text.buf, text.len, pb, is_base);
		}
		if (r == 0) {
			t->src = xstrdup(file);
			memcpy(t->src_hash, hash, 65);
		}
	}
	strbuf_release(&path);
	strbuf_release(&text);
	return r;
}

int agent_set_parse(struct agent_set *set, struct agent_tmpl *t)
{
	struct agent_problems pb = AGENT_PROBLEMS_INIT;
	struct agent_tmpl n;
	int r;

	if (!t->lazy)
		return 0;
	/* Its stat vouched for its bytes: read them now, and make sure they
	 * are still those (else it changed under us: the next run sees it). */
	if (!t->text) {
		struct strbuf text = STRBUF_INIT;
		char h[65];

		if ((r = fs_read_file(&text, t->path, TEMPLATE_MAX_BYTES)) < 0) {
			strbuf_release(&text);
			return r;
		}
		sha256_hex(h, text.buf, text.len);
		if (strcmp(h, t->src_hash)) {
			strbuf_release(&text);
			return error_set(BOSUN_EDATA, "'%s' changed while bosun was "
					 "reading it; nothing was changed, run again",
					 t->file);
		}
		t->len = text.len;
		t->text = strbuf_detach(&text, NULL);
	}
	if ((r = parse_any(&n, t->file, t->text, t->len, &pb, 0)) < 0) {
		/* It was valid when its row was written by this renderer. */
		r = error_set(BOSUN_EDATA, "%s", pb.nr ? pb.items[0] : t->file);
		agent_problems_release(&pb);
		return r;
	}
	if (set->have_base)
		agent_tmpl_merge_base(&n, &set->base);
	n.src = t->src;
	memcpy(n.src_hash, t->src_hash, sizeof(n.src_hash));
	t->src = NULL;
	agent_tmpl_release(t);
	*t = n;
	return 0;
}

/* Move t's warnings to the set's list. */
static void take_warnings(struct agent_set *set, struct agent_tmpl *t)
{
	size_t i;

	for (i = 0; i < t->warnings.nr; i++) {
		ALLOC_GROW(set->warnings.items, set->warnings.nr + 1, set->warnings.alloc);
		set->warnings.items[set->warnings.nr++] = t->warnings.items[i];
	}
	free(t->warnings.items);
	memset(&t->warnings, 0, sizeof(t->warnings));
}

static void check_duplicates(struct agent_set *set, struct agent_problems *pb)
{
	size_t i;

	for (i = 1; i < set->nr; i++)
		if (!strcmp(set->items[i - 1].name, set->items[i].name))
			agent_problems_add(pb, "%s:1:1: name: agent '%s' is also "
					   "defined by '%s'", set->items[i].file,
					   set->items[i].name, set->items[i - 1].file);
}

int agent_set_load(struct agent_set *set, const char *dir, const char *shown,
		   const char *base, int base_optional, struct agent_problems *pb)
{
	return agent_set_load_cached(set, dir, shown, base, base_optional, pb,
				     NULL);
}

/*
 * Loading many templates runs on a few threads: each file into its own
 * slot with its own problems, the cache's callbacks one at a time.
 */
struct load_job {
	const char *dir, *shown, *base_hash;
	char **files;
	size_t *pending;  /* the slots the quick pass left */
	struct stat *st;  /* each file's, taken once */
	struct load_slot {
		struct agent_tmpl t;
		struct agent_problems pb;
		char hash[65];
		int r;
	} *slots;
	const struct agent_load_cache *cache;
	pthread_mutex_t mu;
};

static int locked_cached(void *data, const char *src, const char *src_hash,
			 const char *base_hash, const char **name, const char **version)
{
	struct load_job *j = data;
	int r;

	pthread_mutex_lock(&j->mu);
	r = j->cache->cached(j->cache->data, src, src_hash, base_hash, name, version);
	pthread_mutex_unlock(&j->mu);
	return r;
}

static int locked_stat_hash(void *data, const char *src, const struct stat *st,
			    char hash[65])
{
	struct load_job *j = data;
	int r;

	pthread_mutex_lock(&j->mu);
	r = j->cache->stat_hash(j->cache->data, src, st, hash);
	pthread_mutex_unlock(&j->mu);
	return r;
}

static void locked_stat_seen(void *data, const char *src, const struct stat *st,
			     const char *hash)
{
	struct load_job *j = data;

	pthread_mutex_lock(&j->mu);
	j->cache->stat_seen(j->cache->data, src, st, hash);
	pthread_mutex_unlock(&j->mu);
}

static int load_slot(void *data, size_t i)
{
	struct load_job *j = data;
	struct load_slot *s = &j->slots[j->pending[i]];
	struct agent_load_cache locked = {
		j->cache && j->cache->cached ? locked_cached : NULL,
		j->cache && j->cache->stat_hash ? locked_stat_hash : NULL,
		j->cache && j->cache->stat_seen ? locked_stat_seen : NULL,
		j,
	};

	s->r = load_one(&s->t, j->dir, j->shown, j->files[j->pending[i]], &s->pb, 0, 0, s->hash,
			j->base_hash, j->cache ? &locked : NULL, 0,
			j->st ? &j->st[j->pending[i]] : NULL);
	return 0;
}

/* job->st: every file's stat, on threads when there are many. */
static void stat_all(struct load_job *job, const char *dir, size_t nr)
{
	struct strbuf sb = STRBUF_INIT;
	char **paths = xcalloc(nr ? nr : 1, sizeof(*paths));
	int *err = xcalloc(nr ? nr : 1, sizeof(*err));
	size_t i;

	job->st = xcalloc(nr ? nr : 1, sizeof(*job->st));
	for (i = 0; i < nr; i++) {
		strbuf_reset(&sb);
		fs_path_join(&sb, dir, job->files[i]);
		paths[i] = xstrdup(sb.buf);
	}
	fs_stat_many((const char *const *)paths, nr, 0, job->st, err);
	for (i = 0; i < nr; i++) {
		if (err[i])
			job->st[i].st_mode = 0;
		free(paths[i]);
	}
	free(paths);
	free(err);
	strbuf_release(&sb);
}

int agent_set_load_cached(struct agent_set *set, const char *dir,
			  const char *shown, const char *base, int base_optional,
			  struct agent_problems *pb,
			  const struct agent_load_cache *cache)
{
	struct agent_tmpl *b = &set->base;
	struct load_job job;
	char **files, h[65];
	size_t nr, i, k;
	int have_base = 0, r;

	memset(b, 0, sizeof(*b));
	set->base_hash[0] = '\0';
	if (base && !*base)
		base = NULL;
	if ((r = list_dir(&files, &nr, dir, base)) < 0)
		return r;
	if (base) {
		have_base = load_one(b, dir, shown, base, pb, 1, base_optional,
				     h, "", NULL, 0, NULL) == 0;
		if (have_base)
			memcpy(set->base_hash, h, sizeof(h));
		take_warnings(set, b);
	}
	set->have_base = have_base;
	memset(&job, 0, sizeof(job));
	job.dir = dir;
	job.shown = shown;
	job.base_hash = set->base_hash;
	job.files = files;
	job.cache = cache;
	job.slots = xcalloc(nr ? nr : 1, sizeof(*job.slots));
	pthread_mutex_init(&job.mu, NULL);
	/* What the stat cache vouches for costs a stat: done here; the rest
	 * is read and parsed on threads. */
	job.pending = xcalloc(nr ? nr : 1, sizeof(*job.pending));
	if (cache)
		stat_all(&job, dir, nr);
	for (i = 0, k = 0; i < nr; i++) {
		job.slots[i].r = cache ? load_one(&job.slots[i].t, dir, shown, files[i],
						  &job.slots[i].pb, 0, 0, job.slots[i].hash,
						  set->base_hash, cache, 1, &job.st[i]) : 2;
		if (job.slots[i].r == 2)
			job.pending[k++] = i;
	}
	parallel_for(k, 64, load_slot, &job);
	free(job.pending);
	free(job.st);
	pthread_mutex_destroy(&job.mu);
	for (i = 0; i < nr; i++) {
		struct load_slot *s = &job.slots[i];

		for (k = 0; k < s->pb.nr; k++)
			agent_problems_add(pb, "%s", s->pb.items[k]);
		agent_problems_release(&s->pb);
		if (s->r < 0)
			continue;
		take_warnings(set, &s->t);
		if (have_base && !s->t.lazy)
			agent_tmpl_merge_base(&s->t, b);
		ALLOC_GROW(set->items, set->nr + 1, set->alloc);
		set->items[set->nr++] = s->t;
	}
	free(job.slots);
	if (set->nr)
		qsort(set->items, set->nr, sizeof(*set->items), cmp_tmpl);
	check_duplicates(set, pb);
	for (i = 0; i < nr; i++)
		free(files[i]);
	free(files);
	if (!pb->nr)
		return 0;
	agent_set_release(set);
	return error_set(BOSUN_EDATA, "%zu problem%s in the agent templates in '%s'; "
			 "nothing was changed", pb->nr, pb->nr == 1 ? "" : "s", shown);
}

/*
 * render.c - the agent file each CLI reads, from a template (agents.h).
 * The formats, and where each comes from, are in docs/agents.md. The
 * frontmatter is built as JSON first, so that a test can parse an emitted
 * file back and compare the values.
 */
#include "lib/agents/agents.h"
#include "lib/agents/internal.h"

#include "core/alloc.h"
#include "core/error.h"

#include <string.h>

const struct agent_target agent_targets[] = {
	{ "claude", "Claude Code", ".claude/agents", ".claude/agents", ".md",
	  "claude", ".claude" },
	{ "qwen", "Qwen Code", ".qwen/agents", ".qwen/agents", ".md",
	  "qwen", ".qwen" },
	{ "opencode", "OpenCode", ".opencode/agent", ".config/opencode/agent", ".md",
	  "opencode", ".opencode" },
	{ "copilot", "GitHub Copilot", ".github/agents", ".copilot/agents",
	  ".agent.md", "copilot", ".github/agents" },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

const struct agent_target *agent_target_find(const char *id)
{
	const struct agent_target *t;

	for (t = agent_targets; t->id; t++)
		if (!strcmp(t->id, id))
			return t;
	return NULL;
}

/* A Claude Code tool and its name in the other CLIs (NULL: none). */
struct tool_map {
	const char *claude, *qwen, *opencode, *copilot;
};

static const struct tool_map tools[] = {
	{ "Read", "read_file", "read", "read" },
	{ "Write", "write_file", "write", "edit" },
	{ "Edit", "edit", "edit", "edit" },
	{ "MultiEdit", "edit", "edit", "edit" },
	{ "Bash", "run_shell_command", "bash", "execute" },
	{ "Glob", "glob", "glob", "search" },
	{ "Grep", "grep_search", "grep", "search" },
	{ "LS", "list_directory", "list", "read" },
	{ "WebFetch", "web_fetch", "webfetch", "web" },
	{ "WebSearch", "web_search", NULL, "web" },
	{ "TodoWrite", "todo_write", "todowrite", "todo" },
	{ "Task", "task", "task", "agent" },
	{ "NotebookRead", NULL, NULL, "read" },
	{ "NotebookEdit", NULL, NULL, "edit" },
	{ NULL, NULL, NULL, NULL },
};

/* OpenCode's tools, each switched on or off in the frontmatter. */
static const char *const opencode_tools[] = {
	"read", "write", "edit", "bash", "glob", "grep", "list", "webfetch",
	"todowrite", "task", NULL,
};

static const struct tool_map *tool_find(const char *name)
{
	const struct tool_map *m;

	for (m = tools; m->claude; m++)
		if (!strcmp(m->claude, name))
			return m;
	return NULL;
}

/* What a template's fields may hold (template.c checks templates with these,
 * agent_frontmatter_check() deployed files). */

int agent_name_valid(const char *name)
{
	const char *p;
	int prev_dash = 1;

	if (!*name || strlen(name) > AGENT_NAME_MAX)
		return 0;
	for (p = name; *p; p++) {
		if (*p == '-') {
			if (prev_dash)
				return 0;
			prev_dash = 1;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
			prev_dash = 0;
		} else {
			return 0;
		}
	}
	return !prev_dash;
}

/* "mcp__SERVER__TOOL": the server name ends at the first "__" after it. */
static const char *mcp_split(const char *tool)
{
	const char *sep;

	/* Names only: a space would not survive the YAML round trip. */
	if (strncmp(tool, "mcp__", 5) || !tool[5] ||
	    strspn(tool, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789_-.") != strlen(tool))
		return NULL;
	sep = strstr(tool + 6, "__");
	return sep && sep[2] ? sep : NULL;
}

int agent_tool_known(const char *tool)
{
	return tool_find(tool) || mcp_split(tool);
}

int agent_mcp_copilot(struct strbuf *out, const char *tool)
{
	const char *sep = mcp_split(tool);

	strbuf_reset(out);
	if (!sep)
		return 0;
	strbuf_addf(out, "%.*s/%s", (int)(sep - tool - 5), tool + 5, sep + 2);
	return 1;
}

int agent_color_known(const char *color)
{
	static const char *const colors[] = {
		"red", "blue", "green", "yellow", "purple", "orange", "pink",
		"cyan", "magenta", "white", NULL,
	};
	size_t i;

	for (i = 0; colors[i]; i++)
		if (!strcmp(color, colors[i]))
			return 1;
	return 0;
}

static const char *const model_aliases[] = { "sonnet", "opus", "haiku", "inherit", NULL };

static int all_digits(const char *s, size_t n, size_t min, size_t max)
{
	return n >= min && n <= max && strspn(s, "0123456789") >= n;
}

static int is_family(const char *s, size_t n)
{
	return n && strspn(s, "abcdefghijklmnopqrstuvwxyz") >= n;
}

/* Up to 8 '-'-separated tokens of s: starts and lengths. */
static size_t tokens(const char *s, const char *tok[8], size_t len[8])
{
	size_t nr = 0;

	while (nr < 8) {
		size_t n = strcspn(s, "-");

		tok[nr] = s;
		len[nr++] = n;
		if (!s[n])
			return nr;
		s += n + 1;
	}
	return 9;
}

/* claude-FAMILY-MAJOR[-MINOR][-YYYYMMDD] (Claude 4 on), or, as Claude 3
 * named them, claude-3[-MINOR]-FAMILY[-YYYYMMDD|-latest]. */
static int full_id_valid(const char *model)
{
	const char *tok[8];
	size_t len[8], nr, i;

	if (strncmp(model, "claude-", 7) || (nr = tokens(model + 7, tok, len)) > 8)
		return 0;
	if (is_family(tok[0], len[0])) {
		if (nr < 2 || !all_digits(tok[1], len[1], 1, 2))
			return 0;
		i = 2;
		if (i < nr && all_digits(tok[i], len[i], 1, 2))
			i++;
		if (i < nr && all_digits(tok[i], len[i], 8, 8))
			i++;
		return i == nr;
	}
	if (len[0] != 1 || tok[0][0] != '3' || nr < 2)
		return 0;
	i = 1;
	if (all_digits(tok[i], len[i], 1, 1))
		i++;
	if (i >= nr || !is_family(tok[i], len[i]) || !strncmp(tok[i], "latest", len[i]))
		return 0;
	i++;
	if (i < nr && (all_digits(tok[i], len[i], 8, 8) ||
		       (len[i] == 6 && !strncmp(tok[i], "latest", 6))))
		i++;
	return i == nr;
}

int agent_model_norm(const char *model, struct strbuf *out)
{
	const char *dash = strchr(model, '-'), *p;
	size_t i;

	for (i = 0; model_aliases[i]; i++)
		if (!strcmp(model, model_aliases[i])) {
			strbuf_addstr(out, model);
			return 0;
		}
	if (full_id_valid(model)) {
		strbuf_addstr(out, model);
		return 0;
	}
	/* claude-mpm's "sonnet-4.5", "opus-4", "haiku-3.5". */
	for (i = 0; dash && i < 3; i++) {
		const char *fam = model_aliases[i], *dot;
		size_t fl = strlen(fam), maj;

		if ((size_t)(dash - model) != fl || strncmp(model, fam, fl))
			continue;
		p = dash + 1;
		dot = strchr(p, '.');
		maj = dot ? (size_t)(dot - p) : strlen(p);
		if (!all_digits(p, maj, 1, 2) ||
		    (dot && !all_digits(dot + 1, strlen(dot + 1), 1, 2)))
			break;
		if (maj == 1 && *p <= '3') {
			strbuf_addf(out, "claude-%.*s%s%s-%s-latest", (int)maj, p,
				    dot ? "-" : "", dot ? dot + 1 : "", fam);
		} else {
			strbuf_addf(out, "claude-%s-%.*s-%s", fam, (int)maj, p,
				    dot ? dot + 1 : "0");
		}
		return 0;
	}
	if (!strncmp(model, "claude-", 7))
		for (i = 0; i < 3; i++)
			if (strstr(model, model_aliases[i])) {
				strbuf_addstr(out, model_aliases[i]);
				return 1;
			}
	return -1;
}

int agent_model_valid(const char *model)
{
	size_t i;

	for (i = 0; model_aliases[i]; i++)
		if (!strcmp(model, model_aliases[i]))
			return 1;
	return full_id_valid(model);
}

static const char *tool_for(const struct tool_map *m, const char *target)
{
	if (!strcmp(target, "qwen"))
		return m->qwen;
	if (!strcmp(target, "opencode"))
		return m->opencode;
	if (!strcmp(target, "copilot"))
		return m->copilot;
	return m->claude;
}

/* The template's tools in the target's names, without duplicates. */
static json_t *tool_list(const struct agent_tmpl *t, const char *target)
{
	json_t *list = json_array();
	size_t i, j;

	struct strbuf mcp = STRBUF_INIT;

	for (i = 0; i < t->tools_nr; i++) {
		const struct tool_map *m = tool_find(t->tools[i]);
		const char *name = m ? tool_for(m, target) :
				   !strcmp(target, "claude") ? t->tools[i] : NULL;
		int dup = 0;

		/* Copilot names an MCP server's tool "server/tool". */
		if (!m && !strcmp(target, "copilot") && agent_mcp_copilot(&mcp, t->tools[i]))
			name = mcp.buf;
		if (!name)
			continue;
		for (j = 0; j < json_array_size(list); j++)
			dup |= !strcmp(json_string_value(json_array_get(list, j)), name);
		if (!dup)
			json_array_append_new(list, json_string(name));
	}
	strbuf_release(&mcp);
	return list;
}

static json_t *claude_tools(const struct agent_tmpl *t)
{
	json_t *list = tool_list(t, "claude");
	struct strbuf sb = STRBUF_INIT;
	json_t *s;
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "",
			    json_string_value(json_array_get(list, i)));
	s = json_string(sb.buf);
	strbuf_release(&sb);
	json_decref(list);
	return s;
}

static json_t *opencode_tool_map(const struct agent_tmpl *t)
{
	json_t *list = tool_list(t, "opencode"), *map = json_object();
	size_t i, j;

	for (i = 0; opencode_tools[i]; i++) {
		int on = 0;

		for (j = 0; j < json_array_size(list); j++)
			on |= !strcmp(json_string_value(json_array_get(list, j)),
				      opencode_tools[i]);
		json_object_set_new(map, opencode_tools[i], json_boolean(on));
	}
	json_decref(list);
	return map;
}

static json_t *fm_claude(const struct agent_tmpl *t)
{
	json_t *fm = json_pack("{s:s, s:s}", "name", t->name,
			       "description", t->description);

	if (t->tools_set)
		json_object_set_new(fm, "tools", claude_tools(t));
	json_object_set_new(fm, "model", json_string(t->model ? t->model : "inherit"));
	if (t->color)
		json_object_set_new(fm, "color", json_string(t->color));
	json_object_set_new(fm, "version", json_string(t->version));
	return fm;
}

static json_t *fm_qwen(const struct agent_tmpl *t)
{
	json_t *fm = json_pack("{s:s, s:s}", "name", t->name,
			       "description", t->description);

	if (t->tools_set)
		json_object_set_new(fm, "tools", tool_list(t, "qwen"));
	if (t->color)
		json_object_set_new(fm, "color", json_string(t->color));
	return fm;
}

static json_t *fm_opencode(const struct agent_tmpl *t)
{
	json_t *fm = json_pack("{s:s, s:s}", "description", t->description,
			       "mode", "subagent");

	/* OpenCode names models provider/model; an alias means "inherit". */
	if (t->model && !strncmp(t->model, "claude-", 7)) {
		struct strbuf m = STRBUF_INIT;

		strbuf_addf(&m, "anthropic/%s", t->model);
		json_object_set_new(fm, "model", json_string(m.buf));
		strbuf_release(&m);
	}
	if (t->tools_set)
		json_object_set_new(fm, "tools", opencode_tool_map(t));
	return fm;
}

static json_t *fm_copilot(const struct agent_tmpl *t)
{
	json_t *fm = json_pack("{s:s, s:s}", "name", t->name,
			       "description", t->description);

	if (t->tools_set)
		json_object_set_new(fm, "tools", tool_list(t, "copilot"));
	return fm;
}

json_t *agent_frontmatter(const struct agent_tmpl *t,
			  const struct agent_target *tg)
{
	if (!strcmp(tg->id, "qwen"))
		return fm_qwen(t);
	if (!strcmp(tg->id, "opencode"))
		return fm_opencode(t);
	if (!strcmp(tg->id, "copilot"))
		return fm_copilot(t);
	return fm_claude(t);
}

int agent_render(struct strbuf *out, const struct agent_tmpl *t,
		 const struct agent_target *tg)
{
	json_t *fm = agent_frontmatter(t, tg);
	int r;

	strbuf_addstr(out, "---\n" AGENT_MARKER "\n");
	r = agent_yaml_emit(out, fm);
	json_decref(fm);
	if (r < 0)
		return r;
	if (out->len && out->buf[out->len - 1] != '\n')
		strbuf_addch(out, '\n');
	strbuf_addstr(out, "---\n\n");
	strbuf_addstr(out, t->instructions);
	strbuf_addch(out, '\n');
	return 0;
}

int agent_file_parse(json_t **fm, size_t *body, int *has_marker,
		     const char *text, size_t len)
{
	size_t i, start = 4;

	if (len < 4 || strncmp(text, "---\n", 4))
		return error_set(BOSUN_EDATA, "1:1: no frontmatter ('---' line)");
	*has_marker = len >= 4 + strlen(AGENT_MARKER) + 1 &&
		      !strncmp(text + 4, AGENT_MARKER "\n", strlen(AGENT_MARKER) + 1);
	for (i = start - 1; i + 4 <= len; i++) {
		if (text[i] != '\n' || strncmp(text + i + 1, "---", 3) ||
		    (i + 4 < len && text[i + 4] != '\n'))
			continue;
		*body = i + 4 < len ? i + 5 : len;
		return agent_yaml_parse(fm, NULL, "frontmatter", text + start,
					i + 1 - start, 1);
	}
	return error_set(BOSUN_EDATA, "1:1: the frontmatter has no closing '---' line");
}

static int need_string(const json_t *fm, const char *key, struct strbuf *why)
{
	const json_t *v = json_object_get(fm, key);

	if (json_is_string(v) && json_string_length(v))
		return 0;
	strbuf_addf(why, "%s'%s' is missing or not a string", why->len ? "\n" : "", key);
	return 1;
}

int agent_frontmatter_check(const json_t *fm, const struct agent_target *tg,
			    struct strbuf *why)
{
	const char *model;
	int n = 0;

	if (!json_is_object(fm)) {
		strbuf_addstr(why, "the frontmatter is not a mapping");
		return 1;
	}
	n += need_string(fm, "description", why);
	if (strcmp(tg->id, "opencode")) {
		n += need_string(fm, "name", why);
		if (!n && !agent_name_valid(json_string_value(json_object_get(fm, "name")))) {
			strbuf_addf(why, "%s'name' is not a valid agent name",
				    why->len ? "\n" : "");
			n++;
		}
	}
	if (!strcmp(tg->id, "claude") &&
	    (model = json_string_value(json_object_get(fm, "model"))) &&
	    !agent_model_valid(model)) {
		strbuf_addf(why, "%s'model' must be sonnet, opus, haiku, inherit or a "
			    "claude-* model id",
			    why->len ? "\n" : "");
		n++;
	}
	return n;
}

/* claude-mpm wrote "author: claude-mpm", and its serial versions
 * ("0002-0005") before it moved to semver. */
int agent_is_claude_mpm(const json_t *fm)
{
	const char *author = json_string_value(json_object_get(fm, "author"));
	const char *v = json_string_value(json_object_get(fm, "version"));

	if (author && strstr(author, "claude-mpm"))
		return 1;
	return v && strlen(v) == 9 && strspn(v, "0123456789") == 4 &&
	       v[4] == '-' && strspn(v + 5, "0123456789") == 4;
}

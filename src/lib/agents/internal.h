/*
 * internal.h - helpers shared by the agents module's files (not a public
 * interface): YAML to JSON with the position of every value, JSON to YAML
 * through libfyaml's emitter, and the pieces of carrying out a change that
 * store.c, records.c, backup.c and journal.c share.
 */
#ifndef BOSUN_LIB_AGENTS_INTERNAL_H
#define BOSUN_LIB_AGENTS_INTERNAL_H

#include "core/strbuf.h"

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>

/*
 * Parse one YAML (or JSON) document into JSON: mappings with scalar keys,
 * sequences, and every scalar as a string except that plain true/false
 * become booleans when bools is set. When marks is not NULL it gets
 * {"/a/b/0": [line, col]} (1-based) for every node. line_offset is added to
 * every line. Errors: -BOSUN_EDATA with "NAME:LINE:COL: message".
 */
int agent_yaml_parse(json_t **out, json_t **marks, const char *name,
		     const char *text, size_t len, int line_offset);
/* Emit a JSON object as a block YAML mapping (no document markers) through
 * libfyaml's event emitter; strings that would not read back as the same
 * string plain are double-quoted. */
int agent_yaml_emit(struct strbuf *out, const json_t *obj);
/* 0 when text is valid UTF-8 without NUL, else -1 with *line, *col. */
int agent_utf8_check(const char *text, size_t len, int *line, int *col);

/*
 * A template's model in Claude Code's form (docs/agents.md): an alias
 * (sonnet, opus, haiku, inherit) or a full model id ("claude-sonnet-4-5",
 * "claude-sonnet-4-5-20250929", "claude-3-5-haiku-20241022") as written;
 * claude-mpm's versioned alias "sonnet-4.5" becomes "claude-sonnet-4-5".
 * Returns 0 with *out set; 1 when model is claude-*-shaped but no real id
 * (claude-mpm's "claude-4-sonnet-20250514") and *out got its family's
 * alias; -1 when it is no model at all.
 */
int agent_model_norm(const char *model, struct strbuf *out);
/* 1 when model is what agent_model_norm() gives (Claude Code accepts it). */
int agent_model_valid(const char *model);
/* 1 when tool is a Claude Code tool bosun knows (or "mcp__SERVER__TOOL"). */
int agent_tool_known(const char *tool);
/* GitHub Copilot's name of a Claude Code MCP tool: "mcp__srv__tool" ->
 * "srv/tool" in out; 0 when tool is not one. */
int agent_mcp_copilot(struct strbuf *out, const char *tool);
/* 1 when color is a colour the CLIs accept. */
int agent_color_known(const char *color);

/* The largest agent file bosun reads. */
#define AGENT_FILE_MAX (4 * 1024 * 1024)
/* 1 when rel (relative, no "..") names, below root, a regular file or
 * nothing, with only real directories (no symlinks) on the way. */
int agent_path_safe(const char *root, const char *rel);

struct agent_plan;
struct stat;
/* Make the plan's changes to files: write (op->write 1) through a lock
 * file and rename(), or remove (2), on a few threads when there are many;
 * wrote[i] gets the stat of op i's file just after its rename (st_mode 0
 * when unknown). Folders are made as needed. */
int agents_write_files(struct agent_plan *plan, struct stat *wrote);

/* ---- carrying out a change (store.c, records.c, backup.c, journal.c) */

struct agents_env;
struct agent_rec;
/* Free a record's strings and zero it. */
void agent_rec_release(struct agent_rec *a);

/*
 * The file system is synced once, after the files are written and before
 * the store says they are there; the sync runs on a thread while the
 * store's rows are prepared, and the store commits only after it.
 */
struct fs_sync {
	pthread_t thread;
	int fd, started;
};

/* Sync the file system holding dir on a thread (or here, when no thread
 * starts); agents_sync_wait() joins it. */
void agents_sync_start(struct fs_sync *s, const char *dir);
void agents_sync_wait(struct fs_sync *s);
/* Replace path with buf through a lock file and rename(); with sync, as
 * write_file_atomic() does, else without an fsync. out: the stat of the
 * bytes written (st_mode 0 when unknown); may be NULL. */
int agents_put_file(const char *path, const char *buf, size_t len, int sync,
		    struct stat *out);
/* Copy what is on disk now for every op that replaces or removes a file,
 * under backups/<id>/files/; op->backup gets the copy's path. */
int agents_backup_files(struct agent_plan *plan, struct agents_env *env,
			const char *id);
/* Write the plan's files, start the sync (s), and keep the stat of each
 * written file for the stat cache (op->st). */
int agents_change_files(struct agent_plan *plan, struct fs_sync *sync,
			const char *root);

#endif

/*
 * where.c - the work.* configuration, and where worktrees and bosun's
 * records of them go (work.h).
 */
#include "lib/work/work.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

void work_config_read(struct work_config *wc, const struct config *cfg)
{
	const json_t *agent = config_get(cfg, "work.agent_command");

	memset(wc, 0, sizeof(*wc));
	wc->root = config_str(cfg, "work.root");
	wc->copy = config_strlist(cfg, "work.copy", &wc->copy_nr);
	wc->link = config_strlist(cfg, "work.link", &wc->link_nr);
	wc->link_mode = config_str(cfg, "work.link_mode");
	wc->ports = config_int(cfg, "work.ports");
	wc->port_base = config_int(cfg, "work.port_base");
	wc->attic_days = config_int(cfg, "work.attic_days");
	wc->agent_command = agent && !json_is_null(agent) ? agent : NULL;
	wc->stalled_ms = config_int(cfg, "work.stalled_after");
	wc->dead_ms = config_int(cfg, "work.dead_after");
	wc->status_file = config_str(cfg, "work.agent_status_file");
	wc->foreign_fail = !strcmp(config_str(cfg, "work.foreign_edits"), "fail");
	wc->watch_ms = config_int(cfg, "work.watch_interval");
}

static char *absolute(const char *path)
{
	char buf[PATH_MAX];

	return realpath(path, buf) ? xstrdup(buf) : xstrdup(path);
}

/* "a/b/../c" -> "a/c" for a path that may not exist yet (absolute). */
static char *normalize(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = path;

	while (*p) {
		size_t l;
		while (*p == '/')
			p++;
		l = strcspn(p, "/");
		if (!l)
			break;
		if (l == 1 && p[0] == '.') {
			/* nothing */
		} else if (l == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(sb.buf, '/');
			strbuf_setlen(&sb, slash ? (size_t)(slash - sb.buf) : 0);
		} else {
			strbuf_addch(&sb, '/');
			strbuf_add(&sb, p, l);
		}
		p += l;
	}
	if (!sb.len)
		strbuf_addch(&sb, '/');
	return strbuf_detach(&sb, NULL);
}

int work_where_init(struct work_where *w, const char *workdir,
		    const char *common_dir, const struct work_config *wc)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n, tl;
	const char *base;

	memset(w, 0, sizeof(*w));
	w->common_dir = absolute(common_dir);
	n = strlen(w->common_dir);
	/* The main worktree holds the common dir as its .git. */
	if (n > 5 && !strcmp(w->common_dir + n - 5, "/.git"))
		w->top = xstrndup(w->common_dir, n - 5);
	else if (workdir)
		w->top = absolute(workdir);
	else
		return error_set(BOSUN_EUSAGE, "bosun work needs a repository with a work tree");
	base = strrchr(w->top, '/');
	base = base ? base + 1 : w->top;
	if (wc->root && *wc->root) {
		if (wc->root[0] == '/')
			strbuf_addstr(&sb, wc->root);
		else
			strbuf_addf(&sb, "%s/%s", w->top, wc->root);
	} else {
		strbuf_addf(&sb, "%s/../%s.work", w->top, *base ? base : "repo");
	}
	w->root = normalize(sb.buf);
	strbuf_release(&sb);
	tl = strlen(w->top);
	if (!strncmp(w->root, w->top, tl) && (!w->root[tl] || w->root[tl] == '/'))
		return error_set(BOSUN_EUSAGE, "work.root '%s' is inside the repository "
				 "'%s': worktrees go outside it", w->root, w->top);
	strbuf_addf(&sb, "%s/bosun/work", w->common_dir);
	w->state = strbuf_detach(&sb, NULL);
	return 0;
}

void work_where_release(struct work_where *w)
{
	free(w->top);
	free(w->common_dir);
	free(w->root);
	free(w->state);
	memset(w, 0, sizeof(*w));
}

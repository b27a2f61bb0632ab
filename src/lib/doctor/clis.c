/*
 * clis.c - every AI coding CLI: each copy on PATH run with --version under
 * a hard timeout, all at once; its config and agents folders; whether the
 * agent files bosun deployed for it are as bosun wrote them. A copy that
 * crashes, fails or hangs is "broken", never installed.
 */
#include "bosun-config.h"
#include "lib/doctor/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "lib/git/repo.h"
#ifdef BOSUN_HAVE_AGENTS
#include "lib/agents/agents.h"
#endif

#include <stdlib.h>
#include <string.h>

const struct doctor_cli doctor_clis[] = {
	{ "claude", "Claude Code", ".claude", "claude" },
	{ "gemini", "Gemini CLI", ".gemini", NULL },
	{ "codex", "Codex CLI", ".codex", NULL },
	{ "qwen", "Qwen Code", ".qwen", "qwen" },
	{ "copilot", "GitHub Copilot CLI", ".copilot", "copilot" },
	{ "opencode", "OpenCode", ".config/opencode", "opencode" },
	{ "cursor-agent", "Cursor Agent", ".cursor", NULL },
	{ "aider", "Aider", ".aider", NULL },
	{ "iflow", "iFlow CLI", ".iflow", NULL },
	{ "qodercli", "Qoder CLI", ".qoder", NULL },
	{ "codebuddy", "CodeBuddy Code", ".codebuddy", NULL },
	{ NULL, NULL, NULL, NULL },
};

/* Whether the check of arg (a CLI's or a runtime's row) is to run. */
static int selected(const struct doctor_env *env, const void *arg)
{
	size_t i;

	for (i = 0; i < env->sel_nr; i++)
		if (env->sel[i]->arg == arg)
			return 1;
	return 0;
}

static void add_program(struct doctor_env *env, const struct doctor_cli *cli,
			const struct doctor_runtime *rt)
{
	struct doctor_cli_probe *pr;
	char **found = NULL;
	size_t nr = 0, j;

	fs_which_all(&found, &nr, env->path, cli ? cli->program : rt->name, rt != NULL);
	env->clis = xrealloc(env->clis, (env->clis_nr + 1) * sizeof(*env->clis));
	pr = &env->clis[env->clis_nr++];
	pr->cli = cli;
	pr->rt = rt;
	/* A runtime: the copy a shell would run, the first on PATH. */
	pr->nr = rt && nr > 1 ? 1 : nr;
	pr->copies = xcalloc(nr ? nr : 1, sizeof(struct doctor_probe));
	for (j = 0; j < nr; j++) {
		if (j < pr->nr)
			pr->copies[j].path = found[j];
		else
			free(found[j]);
	}
	free(found);
}

void doctor_probe_programs(struct doctor_env *env)
{
	static const char *const args[] = { "--version", NULL };
	struct doctor_probe *all;
	size_t i, j, k = 0;

	for (i = 0; doctor_clis[i].program; i++)
		if (selected(env, &doctor_clis[i]))
			add_program(env, &doctor_clis[i], NULL);
	for (i = 0; doctor_runtimes[i].name; i++)
		if (doctor_runtimes[i].program && selected(env, &doctor_runtimes[i]))
			add_program(env, NULL, &doctor_runtimes[i]);
	/* One run of them all, so the slowest sets the time, not the sum. */
	for (i = 0; i < env->clis_nr; i++)
		k += env->clis[i].nr;
	all = xcalloc(k ? k : 1, sizeof(*all));
	for (i = 0, k = 0; i < env->clis_nr; i++)
		for (j = 0; j < env->clis[i].nr; j++)
			all[k++] = env->clis[i].copies[j];
	doctor_probe_run(all, k, args, env->timeout_ms, NULL);
	for (i = 0, k = 0; i < env->clis_nr; i++)
		for (j = 0; j < env->clis[i].nr; j++)
			env->clis[i].copies[j] = all[k++];
	free(all);
	env->clis_done = 1;
}

const struct doctor_cli_probe *doctor_program_probe(const struct doctor_env *env,
						    const void *arg)
{
	size_t i;

	for (i = 0; i < env->clis_nr; i++)
		if (env->clis[i].cli == arg || env->clis[i].rt == arg)
			return &env->clis[i];
	return NULL;
}

/* The state of the agent files bosun deployed for target: counts by state
 * into *agents ({"ok": 3, "modified": 1}); the number not as bosun wrote
 * them. */
static size_t agents_state(struct doctor_env *env, const char *target, json_t *agents)
{
	size_t bad = 0;
#ifdef BOSUN_HAVE_AGENTS
	struct agents_env ae = AGENTS_ENV_INIT;
	size_t i;

	if (!env->repo || !env->repo->workdir || !target)
		return 0;
	ae.root = env->repo->workdir;
	ae.home = env->home;
	ae.common_dir = env->repo->common_dir;
	ae.store_url = config_str(env->cfg, "store.url");
	ae.read = 1;
	if (agents_env_open(&ae) < 0 || agents_env_records(&ae) < 0) {
		error_clear();
		agents_env_close(&ae);
		return 0;
	}
	for (i = 0; i < ae.recs_nr; i++) {
		const struct agent_rec *rec = &ae.recs[i];
		const char *t = !strncmp(rec->target, "user:", 5) ? rec->target + 5 : rec->target;
		const char *state;
		char h[65];

		if (strcmp(t, target))
			continue;
		state = agents_file_state(&ae, rec, h);
		error_clear();
		if (!strcmp(state, "ok") && (!rec->renderer ||
					     strcmp(rec->renderer, AGENT_RENDERER)))
			state = "outdated";
		bad += strcmp(state, "ok") != 0;
		json_object_set_new(agents, state, json_integer(
			json_integer_value(json_object_get(agents, state)) + 1));
	}
	agents_env_close(&ae);
#endif
	return bad;
}

static void add_folder(json_t *data, const char *key, const char *home,
		       const char *rel)
{
	struct strbuf p = STRBUF_INIT;

	if (!home || !rel) {
		json_object_set_new(data, key, json_null());
		return;
	}
	strbuf_addf(&p, "%s/%s", home, rel);
	json_object_set_new(data, key, json_pack("{s:s, s:b}", "path", p.buf,
						 "exists", fs_is_dir(p.buf)));
	strbuf_release(&p);
}

int doctor_cli(struct doctor_env *env, const struct doctor_check *c,
	       struct doctor_result *res)
{
	const struct doctor_cli *cli = c->arg;
	const struct doctor_cli_probe *pr = NULL;
	struct strbuf broken = STRBUF_INIT, noexec = STRBUF_INIT;
	json_t *copies = json_array(), *agents = json_object();
	const char *version = NULL, *at = NULL;
	size_t i, bad_agents;

	if (!env->clis_done)
		doctor_probe_programs(env);
	pr = doctor_program_probe(env, cli);
	for (i = 0; pr && i < pr->nr; i++) {
		const struct doctor_probe *p = &pr->copies[i];

		json_array_append_new(copies, doctor_probe_json(p));
		if (!strcmp(p->state, "ok")) {
			if (!version) {
				version = p->line ? p->line : "?";
				at = p->path;
			}
		} else if (!strcmp(p->state, "not executable")) {
			strbuf_addf(&noexec, "%s%s", noexec.len ? ", " : "", p->path);
		} else {
			strbuf_addf(&broken, "%s%s %s", broken.len ? ", " : "", p->path,
				    p->state);
			if (!strcmp(p->state, "hung"))
				strbuf_addf(&broken, " (no answer in %d ms)", env->timeout_ms);
			else if (p->status > 128)
				strbuf_addf(&broken, " (signal %d)", p->status - 128);
			else
				strbuf_addf(&broken, " (exit %d)", p->status);
		}
	}
	json_object_set_new(res->data, "program", json_string(cli->program));
	json_object_set_new(res->data, "title", json_string(cli->title));
	json_object_set_new(res->data, "version", version ? json_string(version) : json_null());
	json_object_set_new(res->data, "copies", copies);
	add_folder(res->data, "config_dir", env->home, cli->config_dir);
#ifdef BOSUN_HAVE_AGENTS
	{
		const struct agent_target *tg = cli->agents_target ?
			agent_target_find(cli->agents_target) : NULL;

		add_folder(res->data, "agents_dir", env->home, tg ? tg->user_dir : NULL);
	}
#else
	json_object_set_new(res->data, "agents_dir", json_null());
#endif
	bad_agents = agents_state(env, cli->agents_target, agents);
	json_object_set_new(res->data, "agents", agents);
	if (broken.len)
		doctor_set(res, DOCTOR_FAIL, NULL, "broken: %s", broken.buf);
	else if (!pr || !pr->nr)
		doctor_set(res, DOCTOR_SKIP, NULL, "%s is not on PATH", cli->program);
	else if (!version)
		doctor_set(res, DOCTOR_WARN, NULL, "not executable: %s", noexec.buf);
	else if (bad_agents && json_object_get(agents, "modified"))
		/* A person's edits: only --force replaces them. */
		doctor_set(res, DOCTOR_WARN, "bosun agents deploy --force", "%s; %zu agent "
			   "file%s bosun deployed for it %s not current, edited since "
			   "(--force replaces the edits)", version, bad_agents,
			   bad_agents == 1 ? "" : "s", bad_agents == 1 ? "is" : "are");
	else if (bad_agents)
		doctor_set(res, DOCTOR_WARN, "bosun agents deploy", "%s; %zu agent file%s "
			   "bosun deployed for it %s not current", version, bad_agents,
			   bad_agents == 1 ? "" : "s", bad_agents == 1 ? "is" : "are");
	else if (noexec.len)
		doctor_set(res, DOCTOR_WARN, NULL, "%s (%s); not executable: %s", version,
			   at, noexec.buf);
	else
		doctor_set(res, DOCTOR_OK, NULL, "%s (%s)", version, at);
	strbuf_release(&broken);
	strbuf_release(&noexec);
	return 0;
}

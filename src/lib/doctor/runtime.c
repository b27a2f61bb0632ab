/*
 * runtime.c - the optional runtimes: programs (python3, node) found on PATH
 * with their versions, and the libraries loaded on first use (libgit2,
 * Vectorscan, libcurl); for each one missing, what degrades.
 */
#include "bosun-config.h"
#include "lib/doctor/internal.h"

#include "core/alloc.h"
#include "core/dl.h"
#include "core/error.h"
#include "core/fs.h"
#include "lib/git/git2.h"
#ifdef BOSUN_HAVE_SCAN
#include "lib/scan/hsapi.h"
#endif
#ifdef BOSUN_HAVE_DEPLOY
#include "lib/http/http.h"
#endif

#include <stdlib.h>
#include <string.h>

const struct doctor_runtime doctor_runtimes[] = {
	{ "python3", "Python scripts cannot run ('bosun doctor scripts' reports them)", 1 },
	{ "node", "package.json scripts and Node tools cannot run", 1 },
	{ "libgit2", "commands that read history through libgit2 fail", 0 },
	{ "vectorscan", "secret scanning (bosun scan, the hooks' scan check) runs with "
	  "PCRE2 only: the same findings, slower; install libvectorscan5 (or libhyperscan5)",
	  0, "apt-get install libvectorscan5" },
	{ "libcurl", "HTTP deploy probes, webhooks and provider APIs are off", 0 },
	{ NULL, NULL, 0 },
};

int doctor_runtime_program(struct doctor_env *env, const struct doctor_check *c,
			   struct doctor_result *res)
{
	const struct doctor_runtime *rt = c->arg;
	const struct doctor_cli_probe *pr;
	const struct doctor_probe *p;

	if (!env->clis_done)
		doctor_probe_programs(env);
	pr = doctor_program_probe(env, rt);
	json_object_set_new(res->data, "degrades", json_string(rt->degrades));
	if (!pr || !pr->nr) {
		json_object_set_new(res->data, "path", json_null());
		doctor_set(res, DOCTOR_WARN, NULL, "%s not found on PATH: %s", rt->name,
			   rt->degrades);
		return 0;
	}
	p = &pr->copies[0];
	json_object_set_new(res->data, "path", json_string(p->path));
	json_object_set_new(res->data, "version", p->line ? json_string(p->line) : json_null());
	json_object_set_new(res->data, "probe", doctor_probe_json(p));
	if (strcmp(p->state, "ok"))
		doctor_set(res, DOCTOR_FAIL, NULL, "%s %s (%s --version): %s", p->path,
			   p->state, rt->name, rt->degrades);
	else
		doctor_set(res, DOCTOR_OK, NULL, "%s (%s)", p->line ? p->line : rt->name,
			   p->path);
	return 0;
}

/* Load the library (-BOSUN_EUNAVAILABLE when missing, or not in this
 * build: *built 0). */
static int load_library(const char *name, int *built)
{
	*built = 1;
	if (!strcmp(name, "libgit2"))
		return git2_load();
#ifdef BOSUN_HAVE_SCAN
	if (!strcmp(name, "vectorscan"))
		return hsapi_load();
#endif
#ifdef BOSUN_HAVE_DEPLOY
	if (!strcmp(name, "libcurl"))
		return http_load();
#endif
	*built = 0;
	return 0;
}

int doctor_runtime_library(struct doctor_env *env, const struct doctor_check *c,
			   struct doctor_result *res)
{
	const struct doctor_runtime *rt = c->arg;
	int built, r = load_library(rt->name, &built);

	json_object_set_new(res->data, "degrades", json_string(rt->degrades));
	json_object_set_new(res->data, "loaded", json_boolean(built && r == 0));
	if (!built) {
		doctor_set(res, DOCTOR_SKIP, NULL, "this build does not use %s", rt->name);
	} else if (r < 0) {
		doctor_set(res, DOCTOR_WARN, rt->fix, "%s: %s", error_message(), rt->degrades);
		error_clear();
	} else {
		doctor_set(res, DOCTOR_OK, NULL, "%s loads", rt->name);
	}
	return 0;
}

/*
 * internal.h - what the doctor's check files share: probing programs with
 * `--version` (or other arguments) all at once under a hard timeout.
 *
 *	struct doctor_probe p[2] = { { .path = "/usr/bin/node" }, ... };
 *	doctor_probe_run(p, 2, args, env->timeout_ms, NULL);
 *	p[0].state: "ok", "crashed", "failed", "hung", "not executable"
 */
#ifndef BOSUN_LIB_DOCTOR_INTERNAL_H
#define BOSUN_LIB_DOCTOR_INTERNAL_H

#include "lib/doctor/doctor.h"

struct doctor_probe {
	char *path;            /* the program (owned) */
	const char *state;     /* see above */
	int status;            /* exit code, or 128 + signal */
	long long ms;          /* how long it ran */
	char *line;            /* the first line of its output (owned), or NULL */
};

/* Run each probe's program with args (NULL-terminated, after the program)
 * in dir (NULL: here), in parallel, each in its own process group killed
 * at timeout_ms. A probe that is not executable is not run. Never fails. */
void doctor_probe_run(struct doctor_probe *p, size_t n, const char *const *args,
		      int timeout_ms, const char *dir);
void doctor_probe_release(struct doctor_probe *p, size_t n);
/* The probe as JSON: {path, state, status, ms, version}. */
json_t *doctor_probe_json(const struct doctor_probe *p);

/* The probes of the programs of the checks run (clis.c), all at once,
 * once per run: every copy of each AI CLI, the first copy of each runtime
 * program. An entry has cli or rt set. */
struct doctor_cli_probe {
	const struct doctor_cli *cli;
	const struct doctor_runtime *rt;
	struct doctor_probe *copies;
	size_t nr;
};
void doctor_probe_programs(struct doctor_env *env);
/* The probes of a CLI's or runtime's check (after doctor_probe_programs()). */
const struct doctor_cli_probe *doctor_program_probe(const struct doctor_env *env,
						    const void *arg);
extern const struct doctor_cli doctor_clis[];
extern const struct doctor_runtime doctor_runtimes[];

#endif

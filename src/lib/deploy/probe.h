/*
 * probe.h - deployment probes: their configuration, the providers' state
 * tables, and how one answer becomes a normalised state.
 *
 *	struct probe_set ps = PROBE_SET_INIT;
 *	if ((r = probe_set_load(&ps, cfg_probes, cfg_providers, cfg_verify)) < 0)
 *		return r;			// -BOSUN_EDATA, "deploy.probes[1].map.X: ..."
 *	struct probe *p = &ps.items[i];
 *	enum deploy_state s = probe_eval_http(p, &ctx, status, body, len, &msg);
 *	probe_set_release(&ps);
 *
 * Everything here is pure: no network, no files. lib/deploy/watch.c asks
 * (libcurl or a command) and hands the answer to probe_eval_*(). The
 * state tables of the providers are data (provider_tables_json), merged
 * with the user's deploy.providers; an unmapped raw state is "unknown",
 * which never counts as success.
 */
#ifndef BOSUN_LIB_DEPLOY_PROBE_H
#define BOSUN_LIB_DEPLOY_PROBE_H

#include "core/strbuf.h"
#include "lib/config/config.h"

#include <jansson.h>
#include <stddef.h>

enum deploy_state {
	DS_QUEUED,
	DS_BUILDING,
	DS_DEPLOYING,
	DS_VERIFYING,
	DS_SUCCESS,
	DS_FAILED,
	DS_CANCELED,
	DS_UNKNOWN,
};

const char *deploy_state_name(enum deploy_state s);
/* -1 when s is not one of the eight names. */
int deploy_state_parse(const char *s);
int deploy_state_terminal(enum deploy_state s);

enum probe_type { PROBE_HTTP, PROBE_PROVIDER, PROBE_COMMAND };
const char *probe_type_name(enum probe_type t);

struct probe {
	char *name;
	enum probe_type type;
	int verify;              /* listed in deploy.verify */
	json_t *spec;            /* the probe's configuration (a reference) */
	json_t *map;             /* raw state -> normalised name (a reference) */
	char *state_ptr;         /* JSON pointer to the raw state, or NULL */
	char *commit_ptr;        /* JSON pointer to the deployed commit, or NULL */
	char *provider;          /* table name, or NULL */
	/* what the watcher learnt */
	enum deploy_state state;
	char *raw;               /* last raw state, or NULL */
	char *message;           /* last message, or NULL */
	int attempts;
};

struct probe_set {
	struct probe *items;
	size_t nr, alloc;
};
#define PROBE_SET_INIT { NULL, 0, 0 }

/* Build the probes from deploy.probes (a list), deploy.providers (the
 * user's tables, merged over the built-in ones) and deploy.verify (names).
 * Errors name the field: "deploy.verify: no probe 'health'". */
int probe_set_load(struct probe_set *ps, const json_t *probes,
		   const json_t *providers, const char *const *verify, size_t nverify);
void probe_set_release(struct probe_set *ps);

/* The built-in provider tables, as JSON text (documented in docs/deploy.md). */
extern const char provider_tables_json[];

/* What a probe compares against: {commit}, {short} and {version}. */
struct probe_vars {
	const char *commit;      /* 40 hex digits */
	const char *version;     /* may be NULL */
};

/* Expand {commit}, {short}, {version} and ${ENV} in tmpl into out. A
 * variable that is not set is an error (BOSUN_EDATA) naming it. Each value
 * taken from the environment is appended to secrets (when not NULL), so
 * that callers can keep it out of logs. */
int probe_expand(struct strbuf *out, const char *tmpl, const struct probe_vars *v,
		 struct strbuf *secrets);

/* Interpret an answer. The result is the normalised state; *msg (replaced)
 * says why, in words fit for the watch log. */
enum deploy_state probe_eval_http(const struct probe *p, const struct probe_vars *v,
				  long status, const char *body, size_t len,
				  struct strbuf *msg);
enum deploy_state probe_eval_provider(const struct probe *p, const struct probe_vars *v,
				      long status, const char *body, size_t len,
				      struct strbuf *msg);
enum deploy_state probe_eval_command(const struct probe *p, int exit_code,
				     const char *out, size_t len, struct strbuf *msg);
/* Map one raw state through p's table: DS_UNKNOWN when unmapped. */
enum deploy_state probe_map(const struct probe *p, const char *raw);

/* The configuration keys deploy.* (keys.c), and the checks of their values:
 * "must be ..." with a field path in why. */
extern const struct config_key deploy_config_keys[];
int deploy_check_probes(const json_t *v, struct strbuf *why);
int deploy_check_providers(const json_t *v, struct strbuf *why);
int deploy_check_notify(const json_t *v, struct strbuf *why);
int deploy_check_positive(const json_t *v, struct strbuf *why);

#endif

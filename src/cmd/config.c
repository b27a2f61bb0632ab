/*
 * config.c - bosun config: the effective configuration and where each value
 * came from.
 */
#include "cmd/common.h"

#include "core/error.h"
#include "core/redact.h"
#include "lib/config/config.h"

#include <stdlib.h>
#include <string.h>

static void print_value(const json_t *v)
{
	char *text;

	if (json_is_string(v)) {
		out_write(json_string_value(v), json_string_length(v));
		return;
	}
	text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	if (text)
		out_write(text, strlen(text));
	free(text);
}

/*
 * A credential written literally in a configuration file: the output shows
 * it redacted, and the warning says where it is, so that it moves to the
 * environment.
 */
static void warn_secret(struct bosun_ctx *ctx, const struct config *cfg,
			const char *key)
{
	const json_t *v = config_get(cfg, key);
	const char *origin = config_origin(cfg, key), *kind;
	char *text;
	size_t at = 0, end;

	if (!v || !strcmp(origin, "default") || !strncmp(origin, "env ", 4))
		return;
	text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (text && (kind = redact_find(text, strlen(text), REDACT_SHAPES, &at, &end)))
		print_warning(ctx, "%s: a secret (%s) written in the file (%s); "
			      "shown redacted; keep it in the environment instead",
			      origin, kind, key);
	free(text);
}

static int config_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	const struct config_key *k;
	struct config *cfg;
	size_t i;
	int r;

	if (argc > 1)
		return cmd_usage_error("unexpected argument '%s'", argv[1]);
	if ((r = ctx_config(ctx, &cfg)) < 0)
		return r;
	if (argc) {
		const char *cands[128];
		size_t n = 0;

		for (i = 0; (k = config_key_at(cfg, i)) && n < 127; i++)
			cands[n++] = k->key;
		cands[n] = NULL;
		if (!config_key_find(cfg, argv[0])) {
			const char *s = opts_suggest(argv[0], cands);

			if (s)
				return error_set(BOSUN_ENOTFOUND,
						 "no key '%s' (did you mean '%s'?)", argv[0], s);
			return error_set(BOSUN_ENOTFOUND, "no key '%s'", argv[0]);
		}
		warn_secret(ctx, cfg, argv[0]);
		if (ctx->json) {
			out_json(json_pack("{s:s, s:O, s:s}", "key", argv[0], "value",
					   config_get(cfg, argv[0]), "origin",
					   config_origin(cfg, argv[0])));
		} else {
			print_value(config_get(cfg, argv[0]));
			fputc('\n', stdout);
		}
		return 0;
	}
	for (i = 0; (k = config_key_at(cfg, i)); i++)
		warn_secret(ctx, cfg, k->key);
	if (ctx->json) {
		out_json(config_dump(cfg));
		return 0;
	}
	for (i = 0; (k = config_key_at(cfg, i)); i++) {
		printf("%s = ", k->key);
		print_value(config_get(cfg, k->key));
		printf("  %s# %s%s\n", c_dim(ctx), config_origin(cfg, k->key), c_reset(ctx));
	}
	return 0;
}

static const struct sub_entry config_self = {
	.name = "config", .summary = "show the effective configuration",
	.usage = "[KEY]",
	.help = "Print the effective configuration (defaults, the user file, bosun.yml,\n"
		"BOSUN_* variables) and where each value came from; with KEY, that value.",
	.fn = config_cmd,
};

const struct cmd_entry cmd_config = {
	.name = "config", .summary = "show the effective configuration",
	.self = &config_self,
};

/*
 * Unit tests for the built-in secret-scanning rules: for every rule, a true
 * positive that it must find and a near miss that it must not.
 *
 * No secret-looking string is written here: each case is a template whose
 * "[cN]" parts become N characters of class c, drawn from a fixed-seed
 * generator at run time (a: letters and digits, h: lowercase hex, U: A-Z
 * and 2-7, b: base64, u: base64url, d: digits, A: upper case and digits,
 * l: lower case and digits, L: letters, B: bech32's upper-case alphabet).
 * So neither GitHub's push protection nor bosun's own scan of this
 * repository finds anything in this file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "lib/scan/scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rule_case {
	const char *rule;
	const char *pos, *pos_path;
	const char *neg, *neg_path;
};

static const struct rule_case cases[] = {
	{ "aws-access-key-id", "id = AKIA[U16]\n", NULL, "id = AKIA[U15]\n", NULL },
	{ "aws-secret-access-key", "aws_secret_access_key = [b40]\n", NULL,
	  "aws_secret_access_key = [b39]\n", NULL },
	{ "google-api-key", "key: AIza[u35]\n", NULL, "key: AIza[u30]\n", NULL },
	{ "gcp-service-account", "{\"private_key_id\": \"[h40]\"}\n", "sa.json",
	  "{\"private_key_id\": \"[h39]\"}\n", "sa.json" },
	{ "digitalocean-token", "DO=dop_v1_[h64]\n", NULL, "DO=dop_v2_[h64]\n", NULL },
	{ "github-pat", "t = ghp_[a36]\n", NULL, "t = ghp_[a35]\n", NULL },
	{ "github-oauth-token", "t = gho_[a36]\n", NULL, "t = gho_[a30]\n", NULL },
	{ "github-app-token", "t = ghs_[a36]\n", NULL, "t = ghx_[a36]\n", NULL },
	{ "github-refresh-token", "t = ghr_[a36]\n", NULL, "t = ghr_[a30]\n", NULL },
	{ "github-fine-grained-pat", "t = github_pat_[a22]_[a59]\n", NULL,
	  "t = github_pat_[a22]_[a40]\n", NULL },
	{ "gitlab-pat", "t = glpat-[a20]\n", NULL, "t = glpat-[a12]\n", NULL },
	{ "gitlab-token", "t = glptt-[h40]\n", NULL, "t = glptt-[h20]\n", NULL },
	{ "npm-token", "//registry.npmjs.org/:_authToken=npm_[a36]\n", ".npmrc",
	  "//registry.npmjs.org/:_authToken=npm_[a20]\n", ".npmrc" },
	{ "pypi-token", "password = pypi-AgEIcHlwaS5vcmc[u60]\n", NULL,
	  "password = pypi-AgEIcHlwaS5vcmc[u20]\n", NULL },
	{ "slack-bot-token", "xoxb-[d12]-[d12]-[a24]\n", NULL,
	  "xoxb-[d5]-[d12]-[a24]\n", NULL },
	{ "slack-user-token", "xoxp-[d12]-[d12]-[d12]-[h32]\n", NULL,
	  "xoxp-[d12]-[d12]-[h32]\n", NULL },
	{ "slack-app-token", "xapp-1-[A10]-[d12]-[h64]\n", NULL,
	  "xapp-1-[A10]-[d12]-[h20]\n", NULL },
	{ "slack-webhook", "url = https://hooks.slack.com/services/T[A9]/B[A9]/[a24]\n", NULL,
	  "url = https://hooks.example.com/services/T[A9]/B[A9]/[a24]\n", NULL },
	{ "stripe-secret-key", "stripe = sk_live_[a30]\n", NULL,
	  "stripe = pk_live_[a30]\n", NULL },
	{ "twilio-api-key", "sid = SK[h32]\n", NULL,
	  "sid = SK00000000000000000000000000000000\n", NULL },
	{ "twilio-auth-token", "TWILIO_AUTH_TOKEN = '[h32]'\n", NULL,
	  "TWILIO_AUTH_TOKEN = '[h31]'\n", NULL },
	{ "sendgrid-api-key", "SG.[u22].[u43]\n", NULL, "SG.[u22].[u20]\n", NULL },
	{ "mailgun-api-key", "api_key: key-[h32]\n", NULL, "api_key: key-[h31]\n", NULL },
	{ "mailgun-signing-key", "MAILGUN_SIGNING_KEY=[h32]-[h8]-[h8]\n", NULL,
	  "MAILGUN_SIGNING_KEY=[h32]-[h8]\n", NULL },
	{ "openai-api-key", "OPENAI_API_KEY=sk-proj-[u40]T3BlbkFJ[u40]\n", NULL,
	  "OPENAI_API_KEY=sk-proj-[u88]\n", NULL },
	{ "anthropic-api-key", "key = sk-ant-api03-[u93]AA\n", NULL,
	  "key = sk-ant-api03-[u93]BB\n", NULL },
	{ "linear-api-key", "LINEAR=lin_api_[a40]\n", NULL, "LINEAR=lin_api_[a30]\n", NULL },
	{ "onepassword-secret-key", "k = A3-[A6]-[A11]-[A5]-[A5]-[A5]\n", NULL,
	  "k = A3-[A6]-[A10]-[A5]-[A5]-[A5]\n", NULL },
	{ "onepassword-service-account-token", "t = ops_eyJ[b260]\n", NULL, "t = ops_eyJ[b100]\n", NULL },
	{ "adobe-client-secret", "s = p8e-[a32]\n", NULL, "s = p8e-[a20]\n", NULL },
	{ "age-secret-key", "AGE-SECRET-KEY-1[B58]\n", NULL, "AGE-SECRET-KEY-1[B32]\n", NULL },
	{ "airtable-pat", "t = pat[a14].[h64]\n", NULL, "t = pat[a14].[h30]\n", NULL },
	{ "alibaba-access-key-id", "id = LTAI[a20]\n", NULL, "id = LTAI[a10]\n", NULL },
	{ "artifactory-token", "t = AKCp[a69]\n", NULL, "t = AKCp[a40]\n", NULL },
	{ "atlassian-api-token", "t = ATATT3[u186]\n", NULL, "t = ATATT3[u100]\n", NULL },
	{ "authress-access-key", "k = sc_[l10].[l5].acc_[l12].[u40]\n", NULL,
	  "k = sc_[l10].[l5].xyz_[l12].[u40]\n", NULL },
	{ "aws-bedrock-api-key", "k = ABSK[b120]\n", NULL, "k = ABSK[b60]\n", NULL },
	{ "azure-ad-client-secret", "s = \"[a3]8Q~[a32]\"\n", NULL, "s = \"[a3]8X~[a32]\"\n", NULL },
	{ "clickhouse-cloud-secret", "s = 4b1d[a38]\n", NULL, "s = 4b1d[a20]\n", NULL },
	{ "clojars-api-token", "t = CLOJARS_[l60]\n", NULL, "t = CLOJARS_[l30]\n", NULL },
	{ "cloudflare-origin-ca-key", "k = v1.0-[h24]-[h146]\n", NULL, "k = v1.0-[h24]-[h40]\n", NULL },
	{ "databricks-token", "t = dapi[h32]\n", NULL, "t = dapi[h20]\n", NULL },
	{ "defined-networking-token", "t = dnkey-[l26]-[l52]\n", NULL, "t = dnkey-[l26]-[l20]\n", NULL },
	{ "doppler-token", "t = dp.pt.[a43]\n", NULL, "t = dp.pt.[a20]\n", NULL },
	{ "duffel-token", "t = duffel_test_[a43]\n", NULL, "t = duffel_demo_[a43]\n", NULL },
	{ "dynatrace-token", "t = dt0c01.[A24].[A64]\n", NULL, "t = dt0c01.[A24].[A30]\n", NULL },
	{ "easypost-api-key", "k = EZAK[a54]\n", NULL, "k = EZAK[a30]\n", NULL },
	{ "facebook-token", "t = EAAC[a110]\n", NULL, "t = EAAX[a110]\n", NULL },
	{ "flutterwave-key", "k = FLWSECK_TEST-[h32]-X\n", NULL, "k = FLWSECK_LIVE-[h32]-X\n", NULL },
	{ "flyio-token", "t = fo1_[u43]\n", NULL, "t = fo1_[u20]\n", NULL },
	{ "frameio-token", "t = fio-u-[u64]\n", NULL, "t = fio-u-[u30]\n", NULL },
	{ "freemius-secret-key", "'secret_key' => 'sk_[a29]',\n", "config.php",
	  "'secret_key' => 'sk_[a29]',\n", "config.js" },
	{ "gitlab-token-routable", "t = glpat-[a30].01[l7]\n", NULL, "t = glpat-[a30]\n", NULL },
	{ "gitlab-session-cookie", "Cookie: _gitlab_session=[l32]\n", NULL,
	  "Cookie: _gitlab_session=[l20]\n", NULL },
	{ "gitlab-runner-registration-token", "t = GR1348941[u20]\n", NULL, "t = GR1348941[u10]\n", NULL },
	{ "grafana-token", "t = glsa_[a32]_[h8]\n", NULL, "t = glsa_[a32]_[h4]\n", NULL },
	{ "harness-api-key", "k = pat.[u22].[a24].[a20]\n", NULL, "k = pat.[u22].[a24]\n", NULL },
	{ "hashicorp-tf-api-token", "t = [a14].atlasv1.[u64]\n", NULL, "t = [a14].atlasv2.[u64]\n", NULL },
	{ "hashicorp-tf-password", "password = \"[l16]\"\n", "main.tf",
	  "password = \"[l16]\"\n", "main.go" },
	{ "vault-token", "VAULT=hvs.[u100]\n", NULL, "VAULT=hvs.[u40]\n", NULL },
	{ "heroku-api-key", "k = HRKU-AA[u58]\n", NULL, "k = HRKU-AB[u58]\n", NULL },
	{ "huggingface-token", "t = hf_[L34]\n", NULL, "t = hf_[L20]\n", NULL },
	{ "infracost-token", "t = ico-[a32]\n", NULL, "t = /x.ico-[a32]\n", NULL },
	{ "intra42-client-secret", "s = s-s4t2ud-[h64]\n", NULL, "s = s-s4t2xx-[h64]\n", NULL },
	{ "mailchimp-api-key", "k = [h32]-us12\n", NULL, "k = [h32]-eu12\n", NULL },
	{ "mapbox-token", "t = pk.eyJ[u40].[u22]\n", NULL, "t = pk.eyJ[u10]\n", NULL },
	{ "maxmind-license-key", "k = [a6]_[a29]_mmk\n", NULL, "k = [a6]_[a29]_xyz\n", NULL },
	{ "notion-token", "t = ntn_[d11][a35]\n", NULL, "t = ntn_[d11][a10]\n", NULL },
	{ "nuget-config-password", "<add key=\"ClearTextPassword\" value=\"[a16]\" />\n", "nuget.config",
	  "<add key=\"ClearTextPassword\" value=\"%NUGET_PASSWORD%\" />\n", "nuget.config" },
	{ "octopus-deploy-api-key", "k = API-[A26]\n", NULL, "k = API-[A20]\n", NULL },
	{ "openshift-user-token", "t = sha256~[u43]\n", NULL, "t = sha256~[u20]\n", NULL },
	{ "perplexity-api-key", "k = pplx-[a48]\n", NULL, "k = pplx-[a30]\n", NULL },
	{ "planetscale-token", "t = pscale_tkn_[a40]\n", NULL, "t = pscale_xyz_[a40]\n", NULL },
	{ "postman-api-key", "k = PMAK-[h24]-[h34]\n", NULL, "k = PMAK-[h24]-[h20]\n", NULL },
	{ "prefect-api-key", "k = pnu_[a36]\n", NULL, "k = pnu_[a20]\n", NULL },
	{ "pulumi-token", "t = pul-[h40]\n", NULL, "t = pul-[h20]\n", NULL },
	{ "readme-api-key", "k = rdme_[l70]\n", NULL, "k = rdme_[l30]\n", NULL },
	{ "rubygems-api-key", "k = rubygems_[h48]\n", NULL, "k = rubygems_[h30]\n", NULL },
	{ "scalingo-token", "t = tk-us-[u48]\n", NULL, "t = tk-us-[u20]\n", NULL },
	{ "sendinblue-api-key", "k = xkeysib-[h64]-[a16]\n", NULL, "k = xkeysib-[h64]\n", NULL },
	{ "sentry-token", "t = sntryu_[h64]\n", NULL, "t = sntryu_[h30]\n", NULL },
	{ "settlemint-token", "t = sm_pat_[a16]\n", NULL, "t = sm_pat_[a10]\n", NULL },
	{ "shippo-api-token", "t = shippo_live_[h40]\n", NULL, "t = shippo_demo_[h40]\n", NULL },
	{ "shopify-token", "t = shpat_[h32]\n", NULL, "t = shpat_[h20]\n", NULL },
	{ "sidekiq-secret", "BUNDLE_GEMS__CONTRIBSYS__COM=[h8]:[h8]\n", NULL,
	  "BUNDLE_GEMS__CONTRIBSYS__COM=[h8]\n", NULL },
	{ "slack-legacy-token", "t = xoxs-[d10]-[d10]-[d10]-[h20]\n", NULL, "t = xoxs-[d10]\n", NULL },
	{ "sourcegraph-token", "t = sgp_[h16]_[h40]\n", NULL, "t = sgp_[h16]_[h20]\n", NULL },
	{ "square-token", "t = sq0csp-[u43]\n", NULL, "t = sq0csp-[u20]\n", NULL },
	{ "teams-webhook",
	  "url = https://acme.webhook.office.com/webhookb2/[h8]-[h4]-[h4]-[h4]-[h12]@[h8]-[h4]-[h4]-[h4]-[h12]/IncomingWebhook/[h32]/[h8]-[h4]-[h4]-[h4]-[h12]\n", NULL,
	  "url = https://acme.webhook.office.com/webhookb2/[h8]-[h4]-[h4]-[h4]-[h12]/IncomingWebhook/[h32]\n", NULL },
	{ "telegram-bot-token", "TELEGRAM_BOT = [d9]:AA[u33]\n", NULL, "TELEGRAM_BOT = [d3]:AA[u33]\n", NULL },
	{ "typeform-token", "t = tfp_[u59]\n", NULL, "t = tfp_[u30]\n", NULL },
	{ "yandex-token", "k = AQVN[u36]\n", NULL, "k = AQVN[u20]\n", NULL },
	{ "twitter-bearer-token", "b = AAAAAAAAAAAAAAAAAAAAAA[a90]\n", NULL, "b = AAAAAAAAAAAAAA[a90]\n", NULL },
	{ "kubernetes-secret-data", "apiVersion: v1\ndata:\n  password: [b24]\nkind: Secret\n", "s.yaml",
	  "apiVersion: v1\ndata:\n  password: [b24]\nkind: ConfigMap\n", "s.yaml" },
	{ "kubernetes-secret", "apiVersion: v1\nkind: Secret\ndata:\n  password: [b24]\n", "s.yaml",
	  "apiVersion: v1\nkind: ConfigMap\ndata:\n  password: [b24]\n", "s.yaml" },
	{ "asana-secret", "ASANA_CLIENT_ID = \"[d16]\"\n", NULL,
	  "ASANA_CLIENT_ID = \"[d15]\"\n", NULL },
	{ "discord-secret", "discord_client_secret: [l32]\n", NULL,
	  "discord_client_secret: [l31]\n", NULL },
	{ "kucoin-secret", "kucoin_key = '[h24]'\n", NULL, "kucoin_key = '[h23]'\n", NULL },
	{ "messagebird-secret", "MESSAGEBIRD_API_KEY=[l25]\n", NULL,
	  "MESSAGEBIRD_API_KEY=[l24]\n", NULL },
	{ "snyk-token", "SNYK_TOKEN=[h8]-[h4]-[h4]-[h4]-[h12]\n", NULL,
	  "SNYK_ORG=[h8]-[h4]-[h4]-[h4]-[h12]\n", NULL },
	{ "sonar-token", "sonar.login=squ_[l40]\n", NULL, "sonar.host=squ_[l40]\n", NULL },
	{ "sumologic-secret", "SUMO_ACCESS_ID = \"su[a12]\"\n", NULL,
	  "sumObj = su[a12]\n", NULL },
	{ "curl-auth-user", "curl -u admin:[a16] https://x.test/\n", NULL,
	  "curl -u admin:$PASSWORD https://x.test/\n", NULL },
	{ "curl-auth-header", "curl -H \"X-Api-Key: [a24]\" https://x.test/\n", NULL,
	  "curl -H \"X-Api-Key: $KEY\" https://x.test/\n", NULL },
	{ "authorization-header", "headers = {\"Authorization\": \"Bearer [a32]\"}\n", NULL,
	  "headers = {\"Authorization\": \"Bearer $TOKEN\"}\n", NULL },
	{ "private-key",
	  "-----BEGIN RSA PRIVATE KEY-----\n[b64]\n[b64]\n[b20]==\n-----END RSA PRIVATE KEY-----\n",
	  "id_rsa",
	  "const header = \"-----BEGIN RSA PRIVATE KEY-----\";\n", NULL },
	{ "openssh-private-key",
	  "-----BEGIN OPENSSH PRIVATE KEY-----\n[b70]\n[b70]\n[b30]\n-----END OPENSSH PRIVATE KEY-----\n",
	  "id_ed25519",
	  "-----BEGIN OPENSSH PRIVATE KEY-----\n[b10]\n-----END OPENSSH PRIVATE KEY-----\n",
	  "id_ed25519" },
	{ "pgp-private-key",
	  "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: x\n\n[b64]\n[b64]\n=[b4]\n"
	  "-----END PGP PRIVATE KEY BLOCK-----\n", "key.asc",
	  "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n[b64]\n[b64]\n=[b4]\n"
	  "-----END PGP PUBLIC KEY BLOCK-----\n", "key.asc" },
	{ "jwt", "auth: eyJ[u20].eyJ[u30].[u43]\n", NULL,
	  "auth: eyJ[u20].[u30].[u43]\n", NULL },
	{ "url-credentials", "DATABASE_URL=postgres://admin:[a16]@db.example.com/app\n", NULL,
	  "DATABASE_URL=postgres://admin:${DB_PASSWORD}@db.example.com/app\n", NULL },
	{ "generic-secret", "const password = \"[b24]\";\n", NULL,
	  "const password = \"correct-horse\";\n", NULL },
	{ "generic-secret-env", "DB_PASSWORD=[a24]\n", "deploy/.env",
	  "DB_PASSWORD=[a24]\n", "notes.txt" },
};

static uint64_t rng_state;

static unsigned next_rand(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state >> 11);
}

static const char *class_chars(char c)
{
	switch (c) {
	case 'a': return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	case 'h': return "0123456789abcdef";
	case 'U': return "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	case 'b': return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	case 'u': return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
	case 'd': return "0123456789";
	case 'A': return "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	case 'l': return "abcdefghijklmnopqrstuvwxyz0123456789";
	case 'L': return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	case 'B': return "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"; /* bech32 */
	default: return NULL;
	}
}

/* Expand a template (see the top of the file). */
static void expand(struct strbuf *sb, const char *tmpl, uint64_t seed)
{
	const char *p = tmpl, *chars;
	char *end;
	long n;

	rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
	while (*p) {
		if (*p == '[' && (chars = class_chars(p[1])) &&
		    (n = strtol(p + 2, &end, 10)) > 0 && *end == ']') {
			size_t len = strlen(chars);

			while (n--)
				strbuf_addch(sb, chars[next_rand() % len]);
			p = end + 1;
		} else {
			strbuf_addch(sb, *p++);
		}
	}
}

static struct scan_rules rules = SCAN_RULES_INIT;
static struct scan_engine *engine;

static int setup(void **state)
{
	struct scan_opts o = SCAN_OPTS_INIT;

	if (scan_rules_add_default(&rules) < 0 || scan_engine_new(&engine, &rules, &o) < 0) {
		fprintf(stderr, "%s\n", error_message());
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	scan_engine_free(engine);
	scan_rules_release(&rules);
	return 0;
}

/* The rules (by id) that find something in text, as a file named path. */
static int finds(const char *rule, const char *text, const char *path, struct strbuf *got)
{
	struct scan_report rep = SCAN_REPORT_INIT;
	size_t i;
	int hit = 0;

	assert_int_equal(scan_buffer(engine, path ? path : "file.txt", NULL, text,
				     strlen(text), &rep), 0);
	scan_report_finish(&rep);
	for (i = 0; i < rep.nr; i++) {
		strbuf_addf(got, " %s", rep.items[i].rule->id);
		hit |= !strcmp(rep.items[i].rule->id, rule);
		/* The secret never comes back whole. */
		assert_string_equal(rep.items[i].redacted + strlen(rep.items[i].redacted) - 4,
				    "****");
	}
	scan_report_release(&rep);
	return hit;
}

static void rules__each__positive_and_near_miss(void **state)
{
	size_t i;
	int failed = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rule_case *c = &cases[i];
		struct strbuf pos = STRBUF_INIT, neg = STRBUF_INIT, got = STRBUF_INIT;

		if (!scan_rules_find(&rules, c->rule)) {
			fprintf(stderr, "no rule %s\n", c->rule);
			failed++;
		}
		expand(&pos, c->pos, i + 1);
		expand(&neg, c->neg, i + 1);
		if (!finds(c->rule, pos.buf, c->pos_path, &got)) {
			fprintf(stderr, "%s: true positive not found (found:%s)\n", c->rule, got.buf);
			failed++;
		}
		strbuf_reset(&got);
		if (finds(c->rule, neg.buf, c->neg_path, &got)) {
			fprintf(stderr, "%s: near miss found\n", c->rule);
			failed++;
		}
		strbuf_release(&pos);
		strbuf_release(&neg);
		strbuf_release(&got);
	}
	assert_int_equal(failed, 0);
}

/* Lines from real packages (webpack, espree, fast-uri, typescript) that
 * once gave false positives: no finding at all. */
static void rules__real_code__no_false_positives(void **state)
{
	static const char *const lines[] = {
		"newToken.value = `/${value.pattern}/${value.flags}`;\n",
		"const MODULE_REFERENCE_TOKEN = \"__WEBPACK_MODULE_REFERENCE__\";\n",
		"const ANALYZABLE_TOKEN_PREFIX = \"./@@webpackAnalyzableChunk:\";\n",
		"const FULL_HASH_TOKEN_PREFIX = \"@@webpackFullHash\";\n",
		"fastURI.parse('uri://us\\xA0er:pa\\uD7FFss@example.com:123/o', IRI)\n",
		"\"Password_must_be_set\": \"\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89\xe3\x82\x92\xe8\xa8\xad\xe5\xae\x9a\xe3\x81\x97\xe3\x81\xa6\",\n",
		"token: \"punctuation.definition\",\n",
		/* issue 10: URLs, constant names, dotted and hyphenated names */
		"    access_token_url='https://github.com/login/oauth/access_token',\n",
		"privilege = 'SeCreateTokenPrivilege'\n",
		"PASSWORD_ACTION = 'android.app.action.SET_NEW_PASSWORD'\n",
		"secret_file = 'config/credentials-store.json'\n",
		"auth_header_name = 'x-amz-security-token-header'\n",
		"X25519_key_length = XSalsa20.key_length\n",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct strbuf got = STRBUF_INIT;

		finds("-", lines[i], "x.js", &got);
		if (got.len)
			fail_msg("line %zu: found%s", i, got.buf);
		strbuf_release(&got);
	}
}

/* An env file's empty value never reads the next line (issue 10). */
static void rules__env__empty_value_stays_on_its_line(void **state)
{
	struct strbuf got = STRBUF_INIT;

	(void)state;
	finds("-", "GITHUB_API_KEY=\nDYNATRACE_API_KEY=\n", ".env.example", &got);
	if (got.len)
		fail_msg("found%s", got.buf);
	finds("-", "PASSWORD=\n\nSESSION_SECRET_NAME_LONGER_THAN_TWELVE=x\n", "a.env", &got);
	if (got.len)
		fail_msg("found%s", got.buf);
	strbuf_release(&got);
}

/* A URL with a password and no user name is found (redis://:pw@host). */
static void rules__url__empty_user(void **state)
{
	struct strbuf got = STRBUF_INIT, url = STRBUF_INIT;

	(void)state;
	expand(&url, "REDIS_URL=redis://:[a20]@cache.internal:6379/0\n", 7);
	assert_true(finds("url-credentials", url.buf, NULL, &got));
	strbuf_release(&url);
	strbuf_release(&got);
}

/* Every built-in rule has a case, and every regex compiles with PCRE2. */
static void rules__every_rule__has_a_case(void **state)
{
	size_t i, j;

	for (i = 0; i < rules.nr; i++) {
		for (j = 0; j < sizeof(cases) / sizeof(cases[0]); j++)
			if (!strcmp(cases[j].rule, rules.items[i]->id))
				break;
		if (j == sizeof(cases) / sizeof(cases[0]))
			fail_msg("rule %s has no test case", rules.items[i]->id);
		assert_int_equal(scan_rule_compile(rules.items[i]), 0);
	}
}

/* The built-in rules parse with every check a user's file gets. */
static void rules__defaults__pass_the_strict_parser(void **state)
{
	struct scan_rules rs = SCAN_RULES_INIT;

	if (scan_rules_parse(&rs, "rules.yml", scan_default_rules,
			     scan_default_rules_len) < 0)
		fail_msg("%s", error_message());
	assert_int_equal(rs.nr, rules.nr);
	scan_rules_release(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules__every_rule__has_a_case),
		cmocka_unit_test(rules__defaults__pass_the_strict_parser),
		cmocka_unit_test(rules__each__positive_and_near_miss),
		cmocka_unit_test(rules__real_code__no_false_positives),
		cmocka_unit_test(rules__env__empty_value_stays_on_its_line),
		cmocka_unit_test(rules__url__empty_user),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * release_lease.c - one release at a time in a repository: the store's
 * lease "release", owned by this process (its core/pidfile record), taken
 * before any gate and given up at the end (release.h).
 */
#include "lib/release/release.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/pidfile.h"
#include "core/time.h"
#include "lib/store/store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LEASE_NAME "release"

/* "2026-12-06 14:03:05 UTC" for ms since the epoch. */
static void format_since(char out[32], long long ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void describe(struct strbuf *sb, const struct proc_owner *o, long long since)
{
	char when[32];

	format_since(when, since);
	strbuf_addf(sb, "pid %d on %s, since %s", (int)o->pid,
		    *o->host ? o->host : "this host", when);
}

int release_lease_claim(struct release_lease *l, struct store *st)
{
	struct proc_owner me, holder;
	struct strbuf sb = STRBUF_INIT, who = STRBUF_INIT;
	long long tok = 0, left = 0;
	int r, tries;

	memset(l, 0, sizeof(*l));
	strbuf_init(&l->notice, 0);
	if ((r = proc_owner_of(&me, getpid())) < 0)
		return r;
	proc_owner_format(&sb, &me);
	strbuf_rtrim(&sb);
	l->owner = strbuf_detach(&sb, NULL);
	/* A claim loses only to a live holder; a dead one's lease is taken
	 * over, and a takeover that loses to another is claimed again. */
	for (tries = 0; tries < 3; tries++) {
		long long since;

		r = store_lease_claim(st, LEASE_NAME, l->owner, RELEASE_LEASE_TTL_MS,
				      &l->token);
		if (r != -BOSUN_EBUSY)
			break;
		error_clear();
		if ((r = store_lease_holder(st, LEASE_NAME, &who, &tok, &left)) < 0)
			break;
		if (r == 0)
			continue;  /* released or expired meanwhile */
		since = time_wall_ms() + left - RELEASE_LEASE_TTL_MS;
		if (proc_owner_parse(&holder, who.buf) < 0) {
			/* Not a record this bosun wrote: its time to live decides. */
			error_clear();
			r = error_set(BOSUN_EBUSY, "another release holds this repository "
				      "(owner '%s') for %lld s more", who.buf, left / 1000);
			goto out;
		}
		holder.written = (time_t)(since / 1000);
		if (proc_owner_alive(&holder)) {
			describe(&sb, &holder, since);
			r = error_set(BOSUN_EBUSY, "another release is running in this "
				      "repository: %s", sb.buf);
			error_hint("wait for it to end and run 'bosun release' again");
			goto out;
		}
		r = store_lease_takeover(st, LEASE_NAME, l->owner, who.buf, tok,
					 RELEASE_LEASE_TTL_MS, &l->token);
		if (r == 0) {
			describe(&sb, &holder, since);
			strbuf_addf(&l->notice, "took over the release lease of a bosun "
				    "that is gone (%s)", sb.buf);
			log_event(LOG_WARN, "release", "%s", l->notice.buf);
			break;
		}
		if (r != -BOSUN_EBUSY)
			break;
		error_clear();
	}
	if (tries == 3)
		/* Each try saw another holder come or go: no lease, no guess. */
		r = error_set(BOSUN_EBUSY, "the release lease of this repository "
			      "changed hands while it was claimed");
out:
	strbuf_release(&who);
	strbuf_release(&sb);
	if (r == 0)
		l->st = st;
	return r;
}

int release_lease_check(struct release_lease *l)
{
	if (!l || !l->st)
		return 0;
	return store_lease_renew(l->st, LEASE_NAME, l->owner, l->token,
				 RELEASE_LEASE_TTL_MS);
}

void release_lease_release(struct release_lease *l)
{
	if (l->st && store_lease_release(l->st, LEASE_NAME, l->owner, l->token) < 0)
		error_clear();
	free(l->owner);
	strbuf_release(&l->notice);
	memset(l, 0, sizeof(*l));
}

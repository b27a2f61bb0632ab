/*
 * sigchain.c - a stack of dispositions per signal; see sigchain.h.
 */
#include "core/sigchain.h"

#include "core/alloc.h"
#include "core/error.h"

#include <string.h>

/*
 * Fixed arrays, so that a pop from a signal handler neither allocates nor
 * locks. An entry is the disposition that was in place before the push: a
 * pop puts it back.
 */
struct chain {
	struct sigaction old[SIGCHAIN_DEPTH];
	volatile sig_atomic_t n;
};

static struct chain chains[NSIG];

static const int common[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };

static int check(int sig)
{
	if (sig <= 0 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP)
		return error_set(BOSUN_EINTERNAL, "no handler can be pushed for signal %d", sig);
	return 0;
}

static void common_set(sigset_t *set)
{
	size_t i;

	sigemptyset(set);
	for (i = 0; i < ARRAY_SIZE(common); i++)
		sigaddset(set, common[i]);
}

/* Install f over sig, saving what was there; keep_ignored leaves an ignored
 * signal as it is (the entry is still pushed). */
static int push(int sig, sigchain_fun f, int keep_ignored)
{
	struct chain *c;
	struct sigaction sa;
	int r;

	if ((r = check(sig)) < 0)
		return r;
	c = &chains[sig];
	if (c->n >= SIGCHAIN_DEPTH)
		return error_set(BOSUN_EINTERNAL, "too many handlers pushed for signal %d", sig);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = f;
	sa.sa_flags = SA_RESTART;
	common_set(&sa.sa_mask);
	if (sigaction(sig, NULL, &c->old[c->n]) < 0)
		return error_errno(BOSUN_EINTERNAL, "cannot read the handler of signal %d", sig);
	if (!(keep_ignored && c->old[c->n].sa_handler == SIG_IGN) &&
	    sigaction(sig, &sa, NULL) < 0)
		return error_errno(BOSUN_EINTERNAL, "cannot handle signal %d", sig);
	c->n++;
	return 0;
}

int sigchain_push(int sig, sigchain_fun f)
{
	return push(sig, f, 0);
}

/* No error_set() here: a signal handler calls this, and the checks cannot
 * fail for a handler that was pushed. */
int sigchain_pop(int sig)
{
	struct chain *c;

	if (sig <= 0 || sig >= NSIG || chains[sig].n <= 0)
		return -BOSUN_EINTERNAL;
	c = &chains[sig];
	if (sigaction(sig, &c->old[c->n - 1], NULL) < 0)
		return -BOSUN_EINTERNAL;
	c->n--;
	return 0;
}

int sigchain_push_common(sigchain_fun f)
{
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(common); i++) {
		if ((r = push(common[i], f, 1)) < 0) {
			while (i--)
				sigchain_pop(common[i]);
			return r;
		}
	}
	return 0;
}

void sigchain_pop_common(void)
{
	size_t i = ARRAY_SIZE(common);

	while (i--)
		sigchain_pop(common[i]);
}

void sigchain_block_common(sigset_t *old)
{
	sigset_t set;

	common_set(&set);
	sigprocmask(SIG_BLOCK, &set, old);
}

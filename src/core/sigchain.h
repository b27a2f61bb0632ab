/*
 * sigchain.h - the one owner of signal handlers (after git's sigchain.h).
 *
 * Every handler bosun installs is pushed on a stack per signal, and popped
 * to give the signal back to whoever had it before:
 *
 *	static void on_signal(int sig)
 *	{
 *		clean_up();			// async-signal-safe calls only
 *		sigchain_pop(sig);		// the previous handler, or the default
 *		raise(sig);			// runs once this handler returns
 *	}
 *
 *	sigchain_push_common(on_signal);	// SIGINT SIGTERM SIGHUP SIGQUIT SIGPIPE
 *	...
 *	sigchain_pop_common();			// when the clean-up is no longer needed
 *
 * The raised signal is blocked until the handler returns, then reaches the
 * handler below (lock files' clean-up, say), which does its part and passes
 * it on in turn, down to the default action: ending the process. A handler
 * that only sets a flag (sigchain_push(SIGTERM, on_stop)) does not pass the
 * signal on; the process goes on and ends its own way.
 *
 * Handlers run with SA_RESTART and with the five common signals blocked, so
 * a second Ctrl-C does not interrupt a clean-up half way. A signal that is
 * ignored when sigchain_push_common() is called stays ignored (a process
 * started by nohup, or with SIGPIPE ignored, is not ended by them, so there
 * is nothing to clean up for); its entry is still pushed, so that pops stay
 * paired with pushes. Pushing SIG_IGN or SIG_DFL works as for a handler.
 *
 * Pushes nest up to SIGCHAIN_DEPTH deep per signal; push and pop return 0,
 * or -BOSUN_EINTERNAL (recorded) for a bad signal, a full stack, or a pop
 * with nothing pushed. sigchain_pop() is async-signal-safe.
 */
#ifndef BOSUN_CORE_SIGCHAIN_H
#define BOSUN_CORE_SIGCHAIN_H

#include <signal.h>

#define SIGCHAIN_DEPTH 16

typedef void (*sigchain_fun)(int);

int sigchain_push(int sig, sigchain_fun f);
int sigchain_pop(int sig);

/* push/pop f for SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGPIPE. */
int sigchain_push_common(sigchain_fun f);
void sigchain_pop_common(void);

/* Block the five common signals, for a step that a clean-up must not see
 * half done; sigprocmask(SIG_SETMASK, old, NULL) ends it. */
void sigchain_block_common(sigset_t *old);

#endif

#!/bin/sh
# kill -9 at many points of `bosun sync` (while it waits, fetches, stashes,
# rebases, puts the stash back, pushes, records): the next sync completes,
# and nothing is lost. The local commits are pushed, the uncommitted changes
# (staged and not) are as they were, no rebase is left half done, no stash
# is left behind, and the queue's claim does not block.
. "$(dirname "$0")/lib.sh"

RUNS=${BOSUN_CRASH_RUNS:-25}
export BOSUN_SYNC_BACKOFF=20ms BOSUN_SYNC_BACKOFF_MAX=80ms BOSUN_SYNC_WAIT=60s

test_expect_success 'setup: a remote and two clones' '
	git init -q --bare remote.git && new_repo seed && commit "feat: one" &&
	echo "line" >s.txt && git add s.txt && git commit -q -m "feat: s" &&
	git push -q ../remote.git main && cd .. &&
	git clone -q remote.git a 2>/dev/null && git clone -q remote.git b 2>/dev/null
'

# one_run I: the remote moves (b pushes), a commits and leaves staged and
# unstaged changes, a sync is killed at a seeded random moment of the time
# one takes (took_ms; 0: this run measures it, unkilled; the first run, which
# makes the store, is slower), the remote has
# the old tip or the new, then a second sync must finish the job.
one_run() {
	cd "$TRASH/b" && git pull -q --rebase 2>/dev/null && commit "feat: b $1" "b$1.txt" &&
	git push -q origin main &&
	cd "$TRASH/a" && commit "feat: a $1" "a$1.txt" &&
	echo "staged $1" >>s.txt && git add s.txt && echo "unstaged $1" >>s.txt &&
	echo "untracked $1" >"u.txt" &&
	git diff >../want.diff && git diff --cached >../want.cached &&
	old=$(git -C ../remote.git rev-parse main) || return 1
	_t0=$(date +%s%N)
	"$BOSUN" sync >../killed.out 2>&1 &
	_pid=$!
	if [ "$took_ms" -gt 0 ]; then
		sleep "$(crash_delay $1 $took_ms)"
		if kill -9 $_pid 2>/dev/null; then killed=$((killed + 1)); fi
	fi
	wait $_pid
	[ "$took_ms" -gt 0 ] || took_ms=$((($(date +%s%N) - _t0) / 1000000))
	# the remote has the old tip or the new one; the commit is in a ref
	_tip=$(git -C ../remote.git rev-parse main) &&
	{ test "$_tip" = "$old" ||
	  { test "$(git -C ../remote.git rev-parse "$_tip^")" = "$old" &&
	    test_eq "feat: a $1" "$(git -C ../remote.git log -1 --format=%s "$_tip")"; } ||
	  { echo "run $1: the remote has $_tip, neither the old tip nor the new"; return 1; }; } &&
	{ git log --all --format=%s | grep -qx "feat: a $1" ||
	  { echo "run $1: the local commit is in no ref"; return 1; }; } &&
	{ "$BOSUN" sync >../out 2>../err || { echo "run $1: the next sync failed"; cat ../killed.out ../err; return 1; }; } &&
	git -C ../remote.git log --format=%s main >../log &&
	test_grep "^feat: a $1$" ../log && test_grep "^feat: b $1$" ../log &&
	test_eq "$(git rev-parse HEAD)" "$(git -C ../remote.git rev-parse main)" &&
	git diff >../got.diff && git diff --cached >../got.cached &&
	{ test_cmp ../want.diff ../got.diff && test_cmp ../want.cached ../got.cached ||
	  { echo "run $1: uncommitted work changed"; cat ../killed.out ../err; git stash list; return 1; }; } &&
	test_eq "untracked $1" "$(cat u.txt)" &&
	test_eq "" "$(git stash list)" &&
	test ! -e .git/rebase-merge && test ! -e .git/rebase-apply && test ! -e .git/bosun-sync &&
	test ! -e .git/index.lock &&
	{ ! grep -q "rolled back" ../err || echo "$1" >>"$TRASH/recovered"; } &&
	git reset -q --hard && rm -f u.txt
}

test_expect_success "kill -9 at $RUNS random moments (measured) of sync: the remote old or new, the next one completes, nothing lost" '
	took_ms=0 && killed=0 && one_run 0 && took_ms=0 && one_run 00 && echo "one sync: $took_ms ms" &&
	i=1 && while [ $i -le $RUNS ]; do
		one_run $i && i=$((i + 1)) || return 1
	done &&
	summary="sync: killed $killed of $RUNS in flight (one: $took_ms ms); the remote had the old tip or the new each time; the next sync pushed each time, $(cat "$TRASH/recovered" 2>/dev/null | wc -l) of them rolled an interrupted sync back; no commit or change lost" &&
	echo "$summary" &&
	if [ -n "${BOSUN_CRASH_LOG:-}" ]; then echo "$summary" >>"$BOSUN_CRASH_LOG"; fi &&
	test $killed -gt 0
'

test_expect_success 'the history has every commit once, in one line' '
	git -C remote.git log --format=%s main >log &&
	test_eq $((2 * RUNS + 6)) "$(wc -l <log)" &&
	test_eq "$(sort log | uniq | wc -l)" "$(wc -l <log)" &&
	test_eq 0 "$(git -C remote.git rev-list --merges main | wc -l)"
'

test_expect_success 'command -v sqlite3' 'the pushes are recorded, a killed one as interrupted; no claim is left' '
	cd a && db="$(git rev-parse --git-common-dir)/bosun/state.db" &&
	test_eq 0 "$(sqlite3 "$db" "SELECT count(*) FROM leases WHERE owner IS NOT NULL")" &&
	test_eq 0 "$(sqlite3 "$db" "SELECT count(*) FROM push_queue WHERE state = '"'"'queued'"'"'")" &&
	test "$(sqlite3 "$db" "SELECT count(*) FROM push_queue WHERE state = '"'"'pushed'"'"'")" -ge $((RUNS / 2))
'

test_done

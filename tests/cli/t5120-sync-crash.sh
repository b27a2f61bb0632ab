#!/bin/sh
# kill -9 at many points of `bosun sync` (while it waits, fetches, stashes,
# rebases, puts the stash back, pushes, records): the next sync completes,
# and nothing is lost. The local commits are pushed, the uncommitted changes
# (staged and not) are as they were, no rebase is left half done, no stash
# is left behind, and the queue's claim does not block.
. "$(dirname "$0")/lib.sh"

RUNS=${BOSUN_CRASH_RUNS:-30}
export BOSUN_SYNC_BACKOFF=20ms BOSUN_SYNC_BACKOFF_MAX=80ms BOSUN_SYNC_WAIT=60s

test_expect_success 'setup: a remote and two clones' '
	git init -q --bare remote.git && new_repo seed && commit "feat: one" &&
	echo "line" >s.txt && git add s.txt && git commit -q -m "feat: s" &&
	git push -q ../remote.git main && cd .. &&
	git clone -q remote.git a 2>/dev/null && git clone -q remote.git b 2>/dev/null
'

# one_run I: the remote moves (b pushes), a commits and leaves staged and
# unstaged changes, a sync is killed after a delay that differs per run,
# then a second sync must finish the job.
one_run() {
	cd "$TRASH/b" && git pull -q --rebase 2>/dev/null && commit "feat: b $1" "b$1.txt" &&
	git push -q origin main &&
	cd "$TRASH/a" && commit "feat: a $1" "a$1.txt" &&
	echo "staged $1" >>s.txt && git add s.txt && echo "unstaged $1" >>s.txt &&
	echo "untracked $1" >"u.txt" &&
	git diff >../want.diff && git diff --cached >../want.cached || return 1
	"$BOSUN" sync >../killed.out 2>&1 &
	_pid=$!
	sleep "0.$(printf %02d $(( ($1 * 37) % 50 )))"
	kill -9 $_pid 2>/dev/null
	wait $_pid
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
	{ ! grep -q "rolled back" ../err || echo "$1" >>../recovered; } &&
	git reset -q --hard && rm -f u.txt
}

test_expect_success "kill -9 at $RUNS points of sync: the next one completes, nothing lost" '
	i=1 && while [ $i -le $RUNS ]; do
		one_run $i && i=$((i + 1)) || return 1
	done &&
	echo "# interrupted syncs rolled back: $(cat recovered 2>/dev/null | wc -l) of $RUNS"
'

test_expect_success 'the history has every commit once, in one line' '
	git -C remote.git log --format=%s main >log &&
	test_eq $((2 * RUNS + 2)) "$(wc -l <log)" &&
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

#!/bin/sh
# bosun work gc --apply killed with SIGKILL: at each of its steps
# (BOSUN_TEST_GC_KILL) and at measured random moments. After each kill no
# file, commit or worktree content is lost (every file of a worktree is in
# it or in an attic snapshot, every commit reachable), and the next gc
# completes: the orphans removed, each with a snapshot that has everything,
# no lock left, and a dry run after it finds nothing more to do.
. "$(dirname "$0")/lib.sh"

# orphans N: under ../r.work/gN, worktrees the store knows nothing of: u1
# on a branch, u2 detached (its commit only it has), each with a commit, a
# change and an untracked file; one whose folder is gone; a workstream the
# store says is spawned with neither worktree nor folder; a snapshot past
# work.attic_days.
orphans() {
	git worktree add -q -b g$1-u1 ../r.work/g$1/u1 &&
	git worktree add -q --detach ../r.work/g$1/u2 &&
	for _u in u1 u2; do
		(cd ../r.work/g$1/$_u && echo "$1 $_u" >mine && git add mine &&
		 git commit -q -m "feat: $1 $_u" && echo "more $1" >>d7/f &&
		 echo "untracked $1 $_u" >new) &&
		git -C ../r.work/g$1/$_u rev-parse HEAD >../tip.$_u &&
		blobs ../r.work/g$1/$_u >../before.$_u || return 1
	done &&
	git worktree add -q --detach ../r.work/g$1/gone && rm -rf ../r.work/g$1/gone &&
	printf "task: p%s\nworkstreams:\n  - id: w\n" $1 >p.yml && bosun work plan p.yml >/dev/null &&
	bosun work spawn p$1 >/dev/null && git worktree remove --force ../r.work/p$1/w &&
	git update-ref refs/bosun/attic/g$1/old/20200101T000000.000Z HEAD
}

# kept_all N: nothing of gN's worktrees is lost
kept_all() {
	for _u in u1 u2; do
		kept ../r.work/g$1/$_u g$1/$_u ../before.$_u "$(cat ../tip.$_u)" || return 1
	done
}

# settled N: after a gc that completed: the worktrees gone, the newest
# snapshot of each has every file, git's record of the gone one dropped,
# the workstream marked missing, the old snapshot deleted, no lock or
# index left, and a dry run finds nothing to do
settled() {
	for _u in u1 u2; do
		test ! -e ../r.work/g$1/$_u &&
		ref=$(git for-each-ref --sort=-refname --count=1 --format="%(refname)" refs/bosun/attic/g$1/$_u/) &&
		git ls-tree -r --format="%(objectname) %(path)" $ref | sort >../snap &&
		{ test_cmp ../before.$_u ../snap || { echo "g$1/$_u: the newest snapshot differs"; return 1; }; } || return 1
	done &&
	{ ! git worktree list --porcelain | grep -q "r.work/g$1/"; } &&
	test -z "$(git for-each-ref refs/bosun/attic/g$1/old/)" &&
	test_eq "" "$(find .git -name "*.lock" -o -name "attic-*.index")" &&
	gc_finds_nothing
}

test_expect_success 'setup: a repository of 300 files' '
	new_repo r && i=0 &&
	while [ $i -lt 30 ]; do
		mkdir d$i && j=0 &&
		while [ $j -lt 10 ]; do echo "$i $j" >d$i/f$j && j=$((j + 1)); done &&
		echo $i >d$i/f && i=$((i + 1)) || return 1
	done &&
	git add . && git commit -q -m "feat: files" && orphans 0 &&
	bosun work gc --apply >../out && settled 0 &&
	test_grep "^p0/w.*: mark it .missing" ../out
'

for point in snapshot taken removed expire; do
	test_expect_success "killed at '$point': nothing lost, the next gc completes" "
		cd r && n=k$point && orphans \$n &&
		test_expect_code 137 env BOSUN_TEST_GC_KILL=$point \"\$BOSUN\" work gc --apply >/dev/null 2>&1 &&
		kept_all \$n && bosun work gc --apply >../out 2>../err && kept_all \$n && settled \$n
	"
done

test_expect_success 'killed after its snapshot: the next gc takes no second one' '
	cd r && orphans t2 &&
	test_expect_code 137 env BOSUN_TEST_GC_KILL=taken "$BOSUN" work gc --apply >/dev/null 2>&1 &&
	git for-each-ref refs/bosun/attic/gt2/u1/ >../refs.before &&
	test_eq 1 "$(wc -l <../refs.before)" &&
	rm -rf ../r.work/gt2/u1/d3 ../r.work/gt2/u1/mine &&
	bosun work gc --apply >/dev/null && git for-each-ref refs/bosun/attic/gt2/u1/ >../refs.after &&
	test_cmp ../refs.before ../refs.after && settled t2
'

test_expect_success 'a worktree gone while gc works (a killed gc'"'"'s git finished it): no error' '
	cd r && git worktree add -q --detach ../r.work/gv/u1 && git worktree add -q --detach ../r.work/gv/u2 &&
	mkdir -p ../vg && real=$(command -v git) &&
	cat >../vg/git <<-EOF &&
	#!/bin/sh
	"$real" "\$@" || exit
	case "\$*" in
	"update-ref -m bosun work: attic refs/bosun/attic/gv/u1/"*) other=u2 ;;
	"update-ref -m bosun work: attic refs/bosun/attic/gv/u2/"*) other=u1 ;;
	*) exit 0 ;;
	esac
	if [ -d "$TRASH/r.work/gv/\$other" ]; then "$real" worktree remove --force "$TRASH/r.work/gv/\$other"; fi
	EOF
	chmod +x ../vg/git && PATH="$TRASH/vg:$PATH" bosun work gc --apply >../out 2>../err &&
	test_grep "^gv/u[12].*: nothing left to do: git removed it meanwhile" ../out &&
	test ! -e ../r.work/gv/u1 && test ! -e ../r.work/gv/u2
'

test_expect_success 'command -v sqlite3' 'a worktree a killed clean was removing is left to clean' '
	cd r && printf "task: rm\nworkstreams:\n  - id: w1\n" >rm.yml && bosun work plan rm.yml >/dev/null &&
	bosun work spawn rm >/dev/null && echo mine >../r.work/rm/w1/mine &&
	sqlite3 .git/bosun/state.db "UPDATE work_items SET state = '"'"'removing'"'"' WHERE id = '"'"'rm/w1'"'"'" &&
	bosun work gc --apply >../out &&
	test_grep "^rm/w1.*: leave it: a killed .bosun work clean. was removing it" ../out &&
	test_eq mine "$(cat ../r.work/rm/w1/mine)" && test -z "$(git for-each-ref refs/bosun/attic/rm/)" &&
	bosun work clean rm >/dev/null && test ! -e ../r.work/rm/w1 &&
	test_eq mine "$(git show "$(git for-each-ref --format="%(refname)" refs/bosun/attic/rm/w1/)":mine)"
'

test_expect_success 'the index of a snapshot killed half way goes with the next snapshot' '
	cd r && : >.git/bosun/work/attic-4194999.12.index && : >.git/bosun/work/attic-4194999.12.index.lock &&
	: >.git/bosun/work/attic-other && git worktree add -q --detach ../r.work/gi/u &&
	bosun work gc --apply >../out && test_grep "^gi/u.*snapshot" ../out &&
	test_eq "" "$(find .git -name "attic-*.index*")" && test -e .git/bosun/work/attic-other
'

test_expect_success 'a ref lock a killed git left on an old snapshot: gc removes it, then the snapshot' '
	cd r && ref=refs/bosun/attic/gl/old/20200101T000000.000Z &&
	git update-ref $ref HEAD && git rev-parse HEAD >.git/$ref.lock &&
	bosun work gc --apply >../out 2>../err &&
	test ! -e .git/$ref.lock && test -z "$(git for-each-ref refs/bosun/attic/gl/)"
'

test_expect_success 'a fresh ref lock while a git works in the repository is left alone' '
	cd r && ref=refs/bosun/attic/gl/old/20200101T000000.000Z &&
	git update-ref $ref HEAD && git rev-parse HEAD >.git/$ref.lock &&
	mkdir -p ../fake && ln -sf "$(command -v sleep)" ../fake/git &&
	{ ../fake/git 30 & } && busy=$! &&
	test_expect_code 1 bosun work gc --apply >../out 2>../err &&
	test -e .git/$ref.lock && test_grep "$ref: refused: .*lock" ../err &&
	touch -d "2 minutes ago" .git/$ref.lock &&
	bosun work gc --apply >../out 2>../err && kill $busy &&
	test ! -e .git/$ref.lock && test -z "$(git for-each-ref refs/bosun/attic/gl/)"
'

test_expect_success 'a ref lock a killed git left making a snapshot: listed, then removed; a fresh one while a git works is not' '
	cd r && mkdir -p .git/refs/bosun/attic/gs/w && lock=.git/refs/bosun/attic/gs/w/20261206T000000.000Z.lock &&
	git rev-parse HEAD >$lock && bosun work gc >../out &&
	test_grep "^refs/bosun/attic/gs/w/20261206T000000.000Z.*: would remove the lock" ../out && test -e $lock &&
	{ ../fake/git 30 & } && busy=$! && bosun work gc >../out2 && kill $busy &&
	test_grep "nothing to do" ../out2 &&
	bosun work gc --apply >../out && test ! -e $lock &&
	bosun work gc >../out && test_grep "nothing to do" ../out
'

test_expect_success 'killed at random moments (measured): nothing lost, the next gc completes' '
	cd r && runs=${BOSUN_CRASH_RUNS:-15} && n=0 && killed=0 && raced=0 &&
	orphans m && t0=$(date +%s%N) && bosun work gc --apply >/dev/null &&
	took_ms=$((($(date +%s%N) - t0) / 1000000)) && echo "one gc --apply: $took_ms ms" && settled m &&
	while [ $n -lt $runs ]; do
		orphans r$n &&
		{ setsid "$BOSUN" work gc --apply >../killed 2>&1 & } && pid=$! &&
		sleep "$(crash_delay $n $took_ms)" &&
		if kill -9 $pid 2>/dev/null; then killed=$((killed + 1)); fi &&
		{ wait $pid 2>/dev/null; rc=$?; test $rc -eq 137 || test $rc -eq 0; } &&
		if [ $((n % 2)) -eq 0 ]; then
			wait_for 30 eval "! kill -0 -$pid 2>/dev/null" && kept_all r$n
		else
			raced=$((raced + 1))
		fi &&
		{ bosun work gc --apply >../out 2>../err || { echo "run $n: the next gc failed"; cat ../killed ../out ../err; return 1; }; } &&
		{ kept_all r$n && settled r$n || { echo "run $n"; cat ../killed ../out; return 1; }; } &&
		n=$((n + 1)) || return 1
	done &&
	summary="gc --apply: killed $killed of $runs in flight (one: $took_ms ms); the next gc completed each time, $raced of them while the killed one'"'"'s git could still run; nothing lost" &&
	echo "$summary" &&
	if [ -n "${BOSUN_CRASH_LOG:-}" ]; then echo "$summary" >>"$BOSUN_CRASH_LOG"; fi &&
	test $killed -gt 0
'

test_done

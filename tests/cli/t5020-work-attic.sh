#!/bin/sh
# bosun work clean, restore, gc: a snapshot of everything before anything
# goes; refused when a check fails; gc says which source disagrees;
# clean killed with SIGKILL loses nothing.
. "$(dirname "$0")/lib.sh"

plan_of() {
	printf "task: %s\nworkstreams:\n" "$1" && _i=1 &&
	while [ $_i -le "$2" ]; do
		printf "  - id: w%d\n    checklist: [one]\n" $_i && _i=$((_i + 1))
	done
}

# work_in DIR: a commit, a change, an untracked and an allowlisted ignored file
work_in() {
	(cd "$1" && echo committed >c && git add c &&
	 git -c user.name=a -c user.email=a@b commit -q -m c &&
	 echo dirty >>file.txt && echo new >untracked && echo cfg >local.cfg &&
	 sed -i "s/1. \[ \] one/1. [x] one/" .bosun/work.md)
}

# state DIR: every file but .git, with its bytes
state() { (cd "$1" && find . -path ./.git -prune -o -type f -print | sort | xargs sha256sum); }

test_expect_success 'clean snapshots everything to the attic, then removes worktree and branch' '
	new_repo r && git checkout -q -b main && commit "feat: a" &&
	printf "local.cfg\n" >.gitignore && git add .gitignore && git commit -q -m i &&
	printf "work:\n  copy: [local.cfg]\n" >bosun.yml &&
	plan_of t 2 >plan.yml && bosun work plan plan.yml >/dev/null && bosun work spawn >/dev/null &&
	work_in ../r.work/t/w1 && state ../r.work/t/w1 >../before &&
	bosun work clean --only w1 >../out &&
	test ! -e ../r.work/t/w1 && test -d ../r.work/t/w2 &&
	test -z "$(git branch --list work/t/w1)" &&
	ref=$(git for-each-ref --format="%(refname)" refs/bosun/attic/t/w1/) && test -n "$ref" &&
	test_grep "snapshot: $ref" ../out &&
	test_eq dirty "$(git show $ref:file.txt | tail -n 1)" &&
	test_eq new "$(git show $ref:untracked)" && test_eq cfg "$(git show $ref:local.cfg)" &&
	test_eq committed "$(git show $ref^1:c)"
'

test_expect_success 'restore puts every file back, changes still uncommitted' '
	cd r && bosun work restore t/w1 >../out &&
	state ../r.work/t/w1 >../after && test_cmp ../before ../after &&
	test_eq work/t/w1 "$(git -C ../r.work/t/w1 symbolic-ref --short HEAD)" &&
	git -C ../r.work/t/w1 status --porcelain >../st &&
	test_grep "^ M file.txt" ../st && test_grep "^?? untracked" ../st &&
	test_grep "1. \[x\] one" ../r.work/t/w1/.bosun/work.md &&
	test_expect_code 64 bosun work restore t/w1 2>../err && test_grep "exists" ../err &&
	test_expect_code 3 bosun work restore t/nosuch 2>../err
'

test_expect_success 'clean refuses while the agent runs, and removes nothing' '
	cd r && printf "work:\n  agent_command: [sleep, \"300\"]\n  copy: [local.cfg]\n" >bosun.yml &&
	bosun work spawn --json --only w2 --restart >../out &&
	pid=$(sed -n "s/.*\"pid\": \([0-9]*\).*/\1/p" ../out) &&
	test_expect_code 1 bosun work clean --only w2 2>../err &&
	test_grep "agent runs (pid $pid)" ../err && test -d ../r.work/t/w2 &&
	test -n "$(git branch --list work/t/w2)" &&
	kill $pid && bosun work clean --only w2 --force >/dev/null && test ! -e ../r.work/t/w2
'

test_expect_success 'gc is a dry run by default and says which source disagrees' '
	cd r && bosun work spawn --only w2 >/dev/null 2>&1 && mkdir ../r.work/t/stray &&
	git worktree add -q ../r.work/t/unknown && echo precious >../r.work/t/unknown/p &&
	mv ../r.work/t/w2 ../r.work/w2-moved && before=$(git worktree list | md5sum) &&
	bosun work gc >../out &&
	test_grep "t/stray.*would leave it" ../out &&
	test_grep "git does not list" ../out &&
	test_grep "the store has no record" ../out &&
	test_grep "its folder is gone" ../out &&
	test_eq "$before" "$(git worktree list | md5sum)" && test -d ../r.work/t/unknown
'

test_expect_success 'gc --apply snapshots before it removes, leaves strays alone' '
	cd r && git update-ref refs/bosun/attic/t/old/20200101T000000.000Z HEAD &&
	bosun work gc >../out && test_grep "attic/t/old/20200101T000000.000Z: would delete" ../out &&
	test_no_grep "attic/t/w1/.*delete" ../out &&
	bosun work gc --apply >../out &&
	test ! -e ../r.work/t/unknown && test -d ../r.work/t/stray &&
	ref=$(git for-each-ref --format="%(refname)" refs/bosun/attic/t/unknown/) &&
	test_eq precious "$(git show $ref:p)" &&
	test -z "$(git for-each-ref refs/bosun/attic/t/old/)" &&
	test -n "$(git for-each-ref refs/bosun/attic/t/w1/)" &&
	bosun --json work gc >../out && test_grep "t/stray" ../out
'

test_expect_success 'clean killed with SIGKILL at many points: nothing lost, the next completes' '
	new_repo k && git checkout -q -b main && i=0 &&
	while [ $i -lt 100 ]; do mkdir -p d$i && echo $i >d$i/f && i=$((i + 1)); done &&
	git add . && git commit -q -m files && n=1 && killed=0 &&
	while [ $n -le 8 ]; do
		plan_of k$n 3 >k.yml && bosun work plan k.yml >/dev/null &&
		bosun work spawn k$n >/dev/null &&
		for w in w1 w2 w3; do echo "work $n $w" >../k.work/k$n/$w/mine || return 1; done &&
		{ "$BOSUN" work clean k$n >/dev/null 2>&1 & } && pid=$! &&
		sleep "0.$(awk -v s=$n "BEGIN { srand(s); printf \"%03d\", rand() * 400 }")" &&
		if kill -9 $pid 2>/dev/null; then killed=$((killed + 1)); fi &&
		{ wait $pid 2>/dev/null; rc=$?; test $rc -eq 137 || test $rc -eq 0; } &&
		{ bosun work clean k$n >../out 2>../err || { cat ../err; return 1; }; } &&
		for w in w1 w2 w3; do
			test ! -e ../k.work/k$n/$w &&
			ref=$(git for-each-ref --sort=-refname --count=1 --format="%(refname)" refs/bosun/attic/k$n/$w/) &&
			test_eq "work $n $w" "$(git show $ref:mine)" || return 1
		done &&
		n=$((n + 1)) || return 1
	done &&
	echo "killed $killed of 8 cleans in flight" && test "$killed" -gt 0
'

test_expect_success 'a ref lock a killed git left on the branch does not block the next clean' '
	new_repo bl && git checkout -q -b main && commit "feat: a" && plan_of bl 1 >bl.yml &&
	bosun work plan bl.yml >/dev/null && bosun work spawn >/dev/null && echo mine >../bl.work/bl/w1/mine &&
	git rev-parse HEAD >.git/refs/heads/work/bl/w1.lock &&
	bosun work clean >../out 2>../err && test ! -e .git/refs/heads/work/bl/w1.lock &&
	test -z "$(git branch --list work/bl/w1)" && test ! -e ../bl.work/bl/w1 &&
	test_eq mine "$(git show "$(git for-each-ref --format="%(refname)" refs/bosun/attic/bl/w1/)":mine)"
'

# cleaned N: after a clean of task cN that completed: each worktree and
# branch gone, its newest snapshot has every file it had, its commit in a
# ref; no lock or snapshot index left; a gc dry run finds nothing to do
cleaned() {
	for _w in w1 w2 w3; do
		test ! -e ../c.work/c$1/$_w && test -z "$(git branch --list work/c$1/$_w)" &&
		_ref=$(git for-each-ref --sort=-refname --count=1 --format="%(refname)" refs/bosun/attic/c$1/$_w/) &&
		git ls-tree -r --format="%(objectname) %(path)" $_ref | sort >../snap &&
		{ test_cmp ../before.$_w ../snap || { echo "c$1/$_w: the newest snapshot differs"; return 1; }; } &&
		test -n "$(git for-each-ref --contains "$(cat ../tip.$_w)")" || return 1
	done &&
	test_eq "" "$(find .git -name "*.lock" -o -name "attic-*.index")" &&
	gc_finds_nothing
}

test_expect_success 'clean killed at random moments (measured): nothing lost, the next completes, restore puts it back' '
	new_repo c && git checkout -q -b main && i=0 &&
	while [ $i -lt 300 ]; do mkdir -p d$((i / 10)) && echo $i >d$((i / 10))/f$i && i=$((i + 1)); done &&
	git add . && git commit -q -m files && runs=${BOSUN_CRASH_RUNS:-15} && n=0 && killed=0 && took_ms=0 &&
	while [ $n -le $((runs + 1)) ]; do
		plan_of c$n 3 >c.yml && bosun work plan c.yml >/dev/null && bosun work spawn c$n >/dev/null &&
		for w in w1 w2 w3; do
			work_in ../c.work/c$n/$w && echo "run $n $w" >../c.work/c$n/$w/mine &&
			git -C ../c.work/c$n/$w rev-parse HEAD >../tip.$w &&
			blobs ../c.work/c$n/$w >../before.$w || return 1
		done &&
		if [ $n -le 1 ]; then
			t0=$(date +%s%N) && bosun work clean c$n >/dev/null &&
			took_ms=$((($(date +%s%N) - t0) / 1000000)) && echo "one clean of 3: $took_ms ms"
		else
			{ "$BOSUN" work clean c$n >../killed 2>&1 & } && pid=$! &&
			sleep "$(crash_delay $n $took_ms)" &&
			if kill -9 $pid 2>/dev/null; then killed=$((killed + 1)); fi &&
			{ wait $pid 2>/dev/null; rc=$?; test $rc -eq 137 || test $rc -eq 0; } &&
			for w in w1 w2 w3; do
				kept ../c.work/c$n/$w c$n/$w ../before.$w "$(cat ../tip.$w)" || return 1
			done &&
			{ bosun work clean c$n >../out 2>../err || { echo "run $n: the next clean failed"; cat ../killed ../err; return 1; }; }
		fi &&
		{ cleaned $n || { echo "run $n"; cat ../killed ../out; return 1; }; } &&
		w=w$((n % 3 + 1)) && bosun work restore c$n/$w >/dev/null &&
		blobs ../c.work/c$n/$w >../after &&
		{ test_cmp ../before.$w ../after || { echo "run $n: restore of $w differs"; return 1; }; } &&
		test_eq "$(cat ../tip.$w)" "$(git -C ../c.work/c$n/$w rev-parse HEAD)" &&
		n=$((n + 1)) || return 1
	done &&
	summary="work clean: killed $killed of $runs in flight (one: $took_ms ms); the next clean completed each time; every snapshot whole, restored" &&
	echo "$summary" &&
	if [ -n "${BOSUN_CRASH_LOG:-}" ]; then echo "$summary" >>"$BOSUN_CRASH_LOG"; fi &&
	test $killed -gt 0
'

test_done

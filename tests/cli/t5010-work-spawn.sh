#!/bin/sh
# bosun work spawn: a worktree per workstream outside the repository, its
# branch, ignored essentials, ports, the context file, the agent; again
# changes nothing; ports never handed out twice; kill -9 anywhere.
. "$(dirname "$0")/lib.sh"

# plan_of TASK N: a plan of N workstreams w1..wN, each owning its folder.
plan_of() {
	printf "task: %s\nworkstreams:\n" "$1" && _i=1 &&
	while [ $_i -le "$2" ]; do
		printf "  - id: w%d\n    owns: [\"w%d/**\"]\n    checklist: [first, second]\n" $_i $_i
		_i=$((_i + 1))
	done
}

# the shared config without the one line spawn may add
shared_config() { grep -v "worktreeConfig\|^\[extensions\]" .git/config; }

test_expect_success 'spawn makes a worktree per workstream, outside the repository' '
	new_repo r && git checkout -q -b main && commit "feat: a" &&
	printf "node_modules/\n.env*\nlocal.cfg\n*.log\n" >.gitignore && git add .gitignore &&
	git commit -q -m ignore &&
	mkdir -p node_modules/pkg && echo js >node_modules/pkg/i.js &&
	echo SECRET=1 >.env && echo cfg >local.cfg && echo log >x.log &&
	plan_of search 2 >plan.yml && bosun work plan plan.yml >/dev/null &&
	cp .git/config ../config.before &&
	bosun work spawn >../out &&
	test -f ../r.work/search/w1/file.txt && test -f ../r.work/search/w2/file.txt &&
	test_eq work/search/w1 "$(git -C ../r.work/search/w1 symbolic-ref --short HEAD)" &&
	test_eq "$(git rev-parse main)" "$(git -C ../r.work/search/w2 rev-parse HEAD)" &&
	git worktree list >../list && test_grep "r.work/search/w1 " ../list &&
	test_grep "^w1: $TRASH/r.work/search/w1 (work/search/w1)" ../out
'

test_expect_success 'the shared .git/config gains only extensions.worktreeConfig' '
	cd r && grep -v "worktreeConfig\|^\[extensions\]" ../config.before >../a &&
	shared_config >../b && test_cmp ../a ../b &&
	test_eq true "$(git config extensions.worktreeConfig)" &&
	test_eq search/w1 "$(git -C ../r.work/search/w1 config --worktree bosun.workstream)" &&
	test -z "$(git config --get bosun.workstream)"
'

test_expect_success 'ignored essentials: work.link linked, work.copy copied, .env only when listed' '
	cd r && test -L ../r.work/search/w1/node_modules &&
	test -f ../r.work/search/w1/node_modules/pkg/i.js &&
	test ! -e ../r.work/search/w1/.env && test ! -e ../r.work/search/w1/local.cfg &&
	test ! -e ../r.work/search/w1/x.log &&
	test -z "$(git -C ../r.work/search/w1 status --porcelain)"
'

test_expect_success 'the context file has the owned files and a N. [ ] checklist' '
	cd r && test_grep "^- .w1/\*\*.$" ../r.work/search/w1/.bosun/work.md &&
	test_grep "^1\. \[ \] first$" ../r.work/search/w1/.bosun/work.md &&
	test_grep "^2\. \[ \] second$" ../r.work/search/w1/.bosun/work.md &&
	test_grep "^## Contract" ../r.work/search/w1/.bosun/work.md
'

test_expect_success 'spawn again changes nothing' '
	cd r && (cd ../r.work/search/w1 && tree_digest >../../../d1) &&
	cp .git/config ../c1 &&
	bosun work spawn --json >../out && test_grep "\"created\": false" ../out &&
	test_no_grep "\"created\": true" ../out &&
	(cd ../r.work/search/w1 && tree_digest >../../../d2) && test_cmp ../d1 ../d2 &&
	test_cmp ../c1 .git/config
'

test_expect_success 'the merge driver is registered in each worktree: a merge there keeps both sides'"'"' entries' '
	new_repo mg && git checkout -q -b main &&
	printf "# Changelog\n\n## [Unreleased]\n\n### Added\n- first\n" >CHANGELOG.md &&
	git add CHANGELOG.md && git commit -q -m base &&
	plan_of m 1 >plan.yml && bosun work plan plan.yml >/dev/null &&
	bosun work spawn >/dev/null && W=../mg.work/m/w1 &&
	git -C $W config --worktree --get merge.bosun.driver >../drv &&
	test_grep "merge-driver --marker-size %L %O %A %B %P" ../drv &&
	test -z "$(git config --local --get merge.bosun.driver)" &&
	test_eq "CHANGELOG.md: merge: bosun" "$(git -C $W check-attr merge CHANGELOG.md)" &&
	printf "# Changelog\n\n## [Unreleased]\n\n### Added\n- first\n- main entry\n" >CHANGELOG.md &&
	git commit -q -am "docs: main" &&
	printf "# Changelog\n\n## [Unreleased]\n\n### Added\n- first\n- agent entry\n" >$W/CHANGELOG.md &&
	git -C $W commit -q -am "docs: agent" && git -C $W merge -q --no-edit main &&
	test_grep "^- main entry$" $W/CHANGELOG.md && test_grep "^- agent entry$" $W/CHANGELOG.md &&
	test_no_grep "^<<<<<<<\|^=======\|^>>>>>>>" $W/CHANGELOG.md &&
	test_eq "" "$(git -C $W status --porcelain)" &&
	# plain git, for comparison, stops on that merge
	git -C $W reset -q --hard HEAD~1 && git -C $W config --worktree --remove-section merge.bosun &&
	test_expect_code 1 git -C $W merge -q --no-edit main >/dev/null 2>&1 &&
	git -C $W merge --abort && bosun work spawn >/dev/null &&
	git -C $W config --worktree --get merge.bosun.driver >/dev/null
'

test_expect_success 'work.copy brings listed files; .env* when a pattern names it' '
	new_repo c && git checkout -q -b main && commit "feat: a" &&
	printf "node_modules/\n.env*\nlocal.cfg\n" >.gitignore && git add .gitignore && git commit -q -m i &&
	echo S=1 >.env && echo S=2 >.env.local && echo cfg >local.cfg && mkdir node_modules &&
	plan_of t 1 >plan.yml && bosun work plan plan.yml >/dev/null &&
	printf "work:\n  copy: [\"*.cfg\"]\n  link_mode: copy\n" >bosun.yml &&
	bosun work spawn --only w1 >/dev/null &&
	test -f ../c.work/t/w1/local.cfg && test ! -e ../c.work/t/w1/.env &&
	test -d ../c.work/t/w1/node_modules && test ! -L ../c.work/t/w1/node_modules &&
	printf "work:\n  copy: [\"*.cfg\", \".env\"]\n" >bosun.yml &&
	bosun work spawn >/dev/null && test_eq S=1 "$(cat ../c.work/t/w1/.env)" &&
	test ! -e ../c.work/t/w1/.env.local
'

test_expect_success 'work.root puts worktrees elsewhere, never inside the repository' '
	cd c && BOSUN_WORK_ROOT=../elsewhere bosun work spawn >/dev/null &&
	BOSUN_WORK_ROOT=inside test_expect_code 64 bosun work spawn 2>../err &&
	test_grep "inside the repository" ../err
'

test_expect_success 'bad operands: nothing is made' '
	cd c && test_expect_code 64 bosun work spawn --only nosuch 2>../err &&
	test_grep "has no workstream .nosuch." ../err &&
	test_expect_code 3 bosun work spawn nosuchtask 2>../err &&
	new_repo e && commit "feat: a" && test_expect_code 3 bosun work spawn 2>../err &&
	test_grep "no work plan" ../err && test ! -d ../e.work
'

test_expect_success 'a folder in the way that is not a worktree is left alone, and reported' '
	new_repo f && git checkout -q -b main && commit "feat: a" &&
	plan_of t 2 >plan.yml && bosun work plan plan.yml >/dev/null &&
	mkdir -p ../f.work/t/w1 && echo mine >../f.work/t/w1/precious &&
	test_expect_code 1 bosun work spawn >../out 2>../err &&
	test_grep "w1: .*exists and is not a worktree" ../err &&
	test_eq mine "$(cat ../f.work/t/w1/precious)" &&
	test -f ../f.work/t/w2/file.txt
'

test_expect_success 'the agent starts detached, recorded; spawn again does not start a second' '
	new_repo a && git checkout -q -b main && commit "feat: a" &&
	plan_of t 1 >plan.yml && bosun work plan plan.yml >/dev/null &&
	printf "work:\n  agent_command: [sh, -c, \"echo agent \$0 in \$(pwd) \$BOSUN_WORKSTREAM; exec sleep 300\", \"{id}\"]\n" >bosun.yml &&
	bosun work spawn --json >../out &&
	pid=$(sed -n "s/.*\"pid\": \([0-9]*\).*/\1/p" ../out) && test -n "$pid" &&
	test_grep "\"state\": \"started\"" ../out &&
	log=.git/bosun/work/t/w1/agent.log && n=0 &&
	while ! grep -q "agent w1" $log 2>/dev/null && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done &&
	test_grep "agent w1 in $TRASH/a.work/t/w1 t/w1" $log &&
	test_grep "^$pid " .git/bosun/work/t/w1/agent.pid &&
	bosun work spawn --json >../out2 && test_grep "\"state\": \"running\"" ../out2 &&
	test_grep "\"pid\": $pid" ../out2 &&
	kill $pid && n=0 && while kill -0 $pid 2>/dev/null && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done &&
	bosun work spawn --json >../out3 && test_grep "\"state\": \"exited\"" ../out3 &&
	printf "work:\n  agent_command: \"echo again; exec sleep 300\"\n" >bosun.yml &&
	bosun work spawn --restart --json >../out4 && test_grep "\"state\": \"started\"" ../out4 &&
	pid=$(sed -n "s/.*\"pid\": \([0-9]*\).*/\1/p" ../out4) && kill $pid
'

test_expect_success 'ten workstreams at once; ports in blocks, each once' '
	new_repo p && git checkout -q -b main && commit "feat: a" &&
	plan_of ten 10 >plan.yml && bosun work plan plan.yml >/dev/null &&
	BOSUN_WORK_PORTS=5 bosun work spawn --json >../out &&
	test_eq 10 "$(grep -c "\"created\": true" ../out)" &&
	tr -d " \n" <../out | grep -o "\"ports\":\[[0-9]*,[0-9]*\]" | sort >../ports &&
	test_eq 10 "$(sort -u ../ports | wc -l)" &&
	test_grep "\[20000,20004\]" ../ports && test_grep "\[20045,20049\]" ../ports
'

test_expect_success 'many spawns at once never hand out a block twice' '
	cd p && pids= && i=1 &&
	while [ $i -le 8 ]; do
		plan_of c$i 2 >c$i.yml && bosun work plan c$i.yml >/dev/null && i=$((i + 1)) || return 1
	done && i=1 &&
	while [ $i -le 8 ]; do
		{ BOSUN_WORK_PORTS=5 bosun work spawn c$i --json >../c$i.out 2>../c$i.err & } &&
		pids="$pids $!" && i=$((i + 1))
	done &&
	for p in $pids; do wait $p || { cat ../c*.err; return 1; }; done &&
	cat ../c*.out ../out | tr -d " \n" | grep -o "\"ports\":\[[0-9]*,[0-9]*\]" >../all &&
	test_eq 26 "$(wc -l <../all)" && test_eq 26 "$(sort -u ../all | wc -l)"
'

test_expect_success 'a git worktree add that loses git'"'"'s own race (a registration read half-written) is tried again' '
	new_repo race && git checkout -q -b main && commit "feat: a" &&
	plan_of t 1 >plan.yml && bosun work plan plan.yml >/dev/null &&
	mkdir -p ../rg/bin && cat >../rg/bin/git <<-EOF &&
	#!/bin/sh
	if [ "\$1 \$2" = "worktree add" ] && mkdir "$TRASH/rg/once" 2>/dev/null; then
		echo "fatal: failed to read .git/worktrees/x/commondir: Success" >&2 && exit 128
	fi
	exec "$REAL_GIT" "\$@"
	EOF
	chmod +x ../rg/bin/git && PATH="$TRASH/rg/bin:$PATH" bosun work spawn >../out 2>../err &&
	test -d ../rg/once && test -f ../race.work/t/w1/file.txt &&
	test_eq work/t/w1 "$(git -C ../race.work/t/w1 symbolic-ref --short HEAD)"
'

# whole T N: every workstream w1..wN of task T in the repository k is a
# finished worktree, and nothing else: git, the disk and the store agree
# (gc finds nothing), no lock is left, its agent-free set-up complete.
whole() {
	_i=1 &&
	while [ $_i -le "$2" ]; do
		_d=../k.work/$1/w$_i &&
		test_eq "work/$1/w$_i" "$(git -C $_d symbolic-ref --short HEAD)" &&
		test_eq "" "$(git -C $_d status --porcelain)" &&
		test_eq "199" "$(cat $_d/d199/f)" &&
		test_eq "$1/w$_i" "$(git -C $_d config --worktree bosun.workstream)" &&
		test_grep "^1. \[ \] first" $_d/.bosun/work.md && _i=$((_i + 1)) || return 1
	done &&
	test_eq "$2" "$(git worktree list --porcelain | grep -c "^worktree $TRASH/k.work/$1/")" &&
	test_eq "$2" "$(ls ../k.work/$1 | wc -l)" &&
	bosun --json work gc >../gc && test_no_grep "\"$1/" ../gc &&
	test_eq "" "$(ls .git/worktrees/*/locked 2>/dev/null)" &&
	test_eq "" "$(find .git -name "*.lock" | grep -v "^.git/bosun/")" &&
	test ! -e .git/bosun/work/$1/spawn.lock
}

# gone_in PID: PID has ended within 5 s (killed with its bosun).
gone_in() {
	_n=0 && while kill -0 "$1" 2>/dev/null; do
		[ $_n -lt 100 ] || return 1
		sleep 0.05 && _n=$((_n + 1))
	done
}

test_expect_success 'killed before and after each git call: its git dies with it, the next spawn completes' '
	new_repo k && git checkout -q -b main && i=0 &&
	while [ $i -lt 200 ]; do mkdir -p d$i && echo $i >d$i/f && i=$((i + 1)); done &&
	git add . && git commit -q -m files && D="$TRASH/kd" && count_git "$D" &&
	plan_of ref 1 >k.yml && bosun work plan k.yml >/dev/null &&
	PATH="$D/bin:$PATH" bosun work spawn ref >/dev/null && calls=$(cat "$D/count") &&
	echo "a spawn of one runs git $calls times" && test "$calls" -ge 8 &&
	whole ref 1 && k=1 && runs=0 && repaired=0 &&
	while [ $k -le "$calls" ]; do
		for when in before after; do
			t=k$k$when && plan_of $t 1 >k.yml && bosun work plan k.yml >/dev/null &&
			rm -f "$D/count" "$D/paused" && echo $k >"$D/at" && echo $when >"$D/when" &&
			{ PATH="$D/bin:$PATH" "$BOSUN" work spawn $t >/dev/null 2>&1 & } && pid=$! &&
			n=0 && while [ ! -f "$D/paused" ] && kill -0 $pid 2>/dev/null; do
				[ $n -lt 600 ] || return 1
				sleep 0.05 && n=$((n + 1))
			done &&
			{ kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; rc=$?; test $rc -eq 137 || test $rc -eq 0; } &&
			# the git it was running dies with it, at once
			if [ -f "$D/paused" ]; then gone_in "$(cat "$D/paused")"; fi &&
			runs=$((runs + 1)) &&
			{ bosun work spawn $t >../out 2>../err ||
			  { echo "killed $when git call $k:"; cat ../out ../err; return 1; }; } &&
			if grep -q "repaired:" ../out; then repaired=$((repaired + 1)); fi &&
			{ whole $t 1 || { echo "killed $when git call $k:"; cat ../out ../err; return 1; }; } || return 1
		done &&
		k=$((k + 1))
	done &&
	echo "$runs spawns killed at a git call; $repaired repaired" && test "$repaired" -gt 0 &&
	# and again changes nothing
	bosun work spawn $t --json >../out && test_no_grep "\"created\": true" ../out &&
	test_no_grep "\"repaired\": \"" ../out
'

test_expect_success 'killed at random moments (measured): the next spawn completes, nothing half-made' '
	cd k && plan_of timed 4 >k.yml && bosun work plan k.yml >/dev/null &&
	t0=$(date +%s%N) && bosun work spawn timed >/dev/null && t1=$(date +%s%N) &&
	ms=$(( (t1 - t0) / 1000000 )) && whole timed 4 && echo "one spawn of 4: $ms ms" &&
	runs=${BOSUN_CRASH_RUNS:-20} && n=1 && killed=0 && repaired=0 &&
	while [ $n -le $runs ]; do
		plan_of m$n 4 >k.yml && bosun work plan k.yml >/dev/null &&
		{ "$BOSUN" work spawn m$n >/dev/null 2>&1 & } && pid=$! &&
		sleep "$(awk -v s=$n -v ms=$ms "BEGIN { srand(s); printf \"%.4f\", ms * (0.02 + 1.08 * rand()) / 1000 }")" &&
		if kill -9 $pid 2>/dev/null; then killed=$((killed + 1)); fi &&
		{ wait $pid 2>/dev/null; rc=$?; test $rc -eq 137 || test $rc -eq 0; } &&
		{ bosun work spawn m$n >../out 2>../err || { echo "run $n:"; cat ../out ../err; return 1; }; } &&
		if grep -q "repaired:" ../out; then repaired=$((repaired + 1)); fi &&
		{ whole m$n 4 || { echo "killed in run $n:"; cat ../out ../err; return 1; }; } &&
		# cleaned, so that hundreds of runs do not pile up worktrees
		bosun work clean m$n >/dev/null &&
		test_eq 0 "$(git worktree list --porcelain | grep -c "^worktree $TRASH/k.work/m$n/")" &&
		n=$((n + 1)) || return 1
	done &&
	summary="killed $killed of $runs spawns in flight ($ms ms each); the next spawn repaired $repaired, completed all" &&
	echo "$summary" &&
	if [ -n "${BOSUN_CRASH_LOG:-}" ]; then echo "t5010: $summary" >>"$BOSUN_CRASH_LOG"; fi &&
	test "$killed" -gt 0
'

test_expect_success 'what a killed spawn leaves is rolled back or completed, and said so' '
	cd k && plan_of h 3 >k.yml && bosun work plan k.yml >/dev/null &&
	bosun work spawn h >/dev/null &&
	# w1: registered, git still "initializing" it, its checkout half done
	admin=$(grep -l "k.work/h/w1/.git" .git/worktrees/*/gitdir | xargs dirname) &&
	echo initializing >$admin/locked && rm -r ../k.work/h/w1/d1* &&
	# w2: its folder there, its registration gone
	admin2=$(grep -l "k.work/h/w2/.git" .git/worktrees/*/gitdir | xargs dirname) &&
	rm -r $admin2 && rm -r ../k.work/h/w2/d2* &&
	# w3: made, its set-up not: a lock its killed git config held
	admin3=$(grep -l "k.work/h/w3/.git" .git/worktrees/*/gitdir | xargs dirname) &&
	git -C ../k.work/h/w3 config --worktree --unset bosun.workstream &&
	: >$admin3/config.worktree.lock &&
	# a registration git had only begun
	mkdir .git/worktrees/stillborn && echo initializing >.git/worktrees/stillborn/locked &&
	bosun work spawn h >../out 2>../err &&
	test_grep "rolled back a worktree git had not finished making" ../out &&
	test_grep "rolled back a folder git had not registered" ../out &&
	test ! -e .git/worktrees/stillborn && whole h 3
'

test_expect_success 'a registration git had only begun stays while a git worktree add runs on this repository, not on another' '
	new_repo o && git checkout -q -b main && commit "feat: a" && cd ../k &&
	D="$TRASH/kw" && count_git "$D" && echo 1 >"$D/at" && echo before >"$D/when" &&
	mkdir .git/worktrees/stillborn2 && echo initializing >.git/worktrees/stillborn2/locked &&
	# a git worktree add elsewhere, paused: no reason to wait
	{ (cd ../o && PATH="$D/bin:$PATH" exec git worktree add -q ../o.x) & } && other=$! &&
	n=0 && while [ ! -f "$D/paused" ]; do
		[ $n -lt 600 ] || return 1
		sleep 0.05 && n=$((n + 1))
	done &&
	bosun work spawn h >/dev/null && test ! -e .git/worktrees/stillborn2 &&
	touch "$D/go" && wait $other && test -f ../o.x/file.txt &&
	# one here, paused: it could be making it, so it stays
	count_git "$D" && echo 1 >"$D/at" && echo before >"$D/when" &&
	mkdir .git/worktrees/stillborn3 && echo initializing >.git/worktrees/stillborn3/locked &&
	{ PATH="$D/bin:$PATH" git worktree add -q ../k.x & } && here=$! &&
	n=0 && while [ ! -f "$D/paused" ]; do
		[ $n -lt 600 ] || return 1
		sleep 0.05 && n=$((n + 1))
	done &&
	bosun work spawn h >/dev/null && test -d .git/worktrees/stillborn3 &&
	touch "$D/go" && wait $here && git worktree remove ../k.x &&
	bosun work spawn h >/dev/null && test ! -e .git/worktrees/stillborn3 && whole h 3
'

test_expect_success 'two spawns of one task at once: one makes the worktrees, neither a duplicate' '
	cd k && plan_of two 3 >k.yml && bosun work plan k.yml >/dev/null &&
	{ "$BOSUN" work spawn two --json >../a.out 2>../a.err & } && a=$! &&
	{ "$BOSUN" work spawn two --json >../b.out 2>../b.err & } && b=$! &&
	wait $a && wait $b &&
	test_eq 3 "$(cat ../a.out ../b.out | grep -c "\"created\": true")" &&
	test_eq 3 "$(cat ../a.out ../b.out | grep -c "\"created\": false")" &&
	whole two 3
'

test_done

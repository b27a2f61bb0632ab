#!/bin/sh
# bosun work status and heartbeat: each workstream's branch, worktree,
# checklist, files outside its ownership, its agent's state and how that
# was decided (each path), predicted conflicts (real ones found, none
# invented, the cache used), the exit codes and the error paths.
. "$(dirname "$0")/lib.sh"

W="$TRASH/r.work/s"

# snapshots N: --watch has printed N snapshots to ../watch.
snapshots() {
	test "$(grep -c "^task s" ../watch)" -ge "$1"
}

# js FILE EXPR: the Python expression EXPR of the JSON document d in FILE.
js() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); v=$2; print(v if isinstance(v, (str, int)) else json.dumps(v))" "$1"
}

# many N CMD...: CMD run N times at once; fails (showing their stderr)
# unless every one exited 0.
many() {
	_n=$1
	shift
	rm -f ../many.*
	_i=0
	while [ $_i -lt "$_n" ]; do
		("$@" >/dev/null 2>"../many.err.$_i"; echo $? >"../many.rc.$_i") &
		_i=$((_i + 1))
	done
	wait
	[ "$(cat ../many.rc.* | grep -c "^0$")" = "$_n" ] || { cat ../many.err.*; return 1; }
}

# status_ran: work status answered (exit 0, 1 or 2), whatever it found.
status_ran() {
	"$BOSUN" work status --json >/dev/null
	[ $? -lt 3 ]
}

test_expect_success 'setup: a plan of three workstreams, spawned' '
	new_repo r && git checkout -q -b main &&
	mkdir -p w1 w2 w3 && echo a >w1/a && echo b >w2/b && echo c >w3/c &&
	printf "1\n2\n3\n4\n5\n" >shared.txt && git add . && git commit -q -m "feat: files" &&
	printf "task: s\nbase: main\nworkstreams:\n" >plan.yml &&
	printf "  - id: w1\n    owns: [\"w1/**\"]\n    checklist: [one, two]\n" >>plan.yml &&
	printf "  - id: w2\n    owns: [\"w2/**\", /shared.txt]\n" >>plan.yml &&
	printf "  - id: w3\n    owns: [\"w3/**\"]\n    checklist: [three]\n" >>plan.yml &&
	bosun work plan plan.yml >/dev/null && bosun work spawn >/dev/null &&
	test -d "$W/w3"
'

test_expect_success 'status: nothing done yet is in progress (exit 2), agents UNKNOWN' '
	cd r && test_expect_code 2 bosun work status >../out &&
	test_grep "^s/w1  UNKNOWN  spawned  work/s/w1 +0 -0  clean  checklist 0/2  in progress" ../out &&
	test_grep "no agent process recorded, no heartbeat, status file or log" ../out &&
	test_grep "^0 done, 3 in progress, 0 failed" ../out
'

test_expect_success 'branch ahead/behind, dirty, last commit, checklist in --json' '
	cd "$W/w1" && echo more >>w1/a && git commit -q -am "feat: more a" &&
	echo new >w1/new && sed -i "s/^1\. \[ \] one/1. [x] one/" .bosun/work.md &&
	cd "$TRASH/r" && echo base >>base.txt && git add base.txt && git commit -q -m base &&
	test_expect_code 2 bosun work status --json >../j &&
	test_eq 1 "$(js ../j "d[\"version\"]")" &&
	test_eq "$(git rev-parse main)" "$(js ../j "d[\"tip\"]")" &&
	test_eq "1 1 1" "$(js ../j "\" \".join(str(d[\"workstreams\"][0][k]) for k in (\"ahead\",\"behind\",\"dirty\"))")" &&
	test_eq "feat: more a" "$(js ../j "d[\"workstreams\"][0][\"last_commit\"][\"subject\"]")" &&
	test_eq "1/2" "$(js ../j "\"%d/%d\" % (d[\"workstreams\"][0][\"checklist\"][\"done\"], d[\"workstreams\"][0][\"checklist\"][\"total\"])")" &&
	test_eq "[]" "$(js ../j "d[\"workstreams\"][0][\"outside_ownership\"]")" &&
	test_eq "in progress" "$(js ../j "d[\"outcome\"]")"
'

test_expect_success 'files changed outside the ownership are a warning' '
	cd "$W/w3" && echo x >>w1/a && echo y >stray.txt &&
	cd "$TRASH/r" && test_expect_code 2 bosun work status >../out &&
	test_grep "warning: 2 files outside its ownership: w1/a, stray.txt" ../out &&
	cd "$W/w3" && git checkout -q -- w1/a && rm stray.txt
'

test_expect_success 'a heartbeat from inside a worktree: ACTIVE, how it was decided' '
	cd "$W/w2" && bosun work heartbeat --note "writing the index" &&
	cd "$TRASH/r" && test_expect_code 2 bosun work status --json >../j &&
	test_eq ACTIVE "$(js ../j "d[\"workstreams\"][1][\"agent\"][\"state\"]")" &&
	test_eq "writing the index" "$(js ../j "d[\"workstreams\"][1][\"agent\"][\"note\"]")" &&
	js ../j "d[\"workstreams\"][1][\"agent\"][\"how\"]" >../how &&
	test_grep "^no agent process recorded; heartbeat [0-9]*s ago" ../how
'

test_expect_success 'heartbeat reads config.worktree itself, and asks git when it cannot' '
	cd "$W/w1" && gd=$(git rev-parse --git-dir) && cp "$gd/config.worktree" ../cw &&
	printf "[bosun]\n\tworkstream = s/w2 ; a comment git drops\n" >"$gd/config.worktree" &&
	bosun work heartbeat --note "via git" && cp ../cw "$gd/config.worktree" &&
	cd "$TRASH/r" && test_expect_code 2 bosun work status --json >../j &&
	test_eq "via git" "$(js ../j "d[\"workstreams\"][1][\"agent\"][\"note\"]")"
'

test_expect_success 'heartbeat --state waiting: WAITING; --id from anywhere' '
	cd r && bosun work heartbeat --id s/w2 --state waiting &&
	test_expect_code 2 bosun work status --json >../j &&
	test_eq WAITING "$(js ../j "d[\"workstreams\"][1][\"agent\"][\"state\"]")" &&
	test_eq waiting "$(js ../j "d[\"workstreams\"][1][\"agent\"][\"reported\"]")"
'

test_expect_success 'the agent status file: its state, and its age (STALLED, then DEAD)' '
	cd "$W/w3" && echo waiting >.bosun/agent-status &&
	cd "$TRASH/r" && test_expect_code 2 bosun work status --json >../j &&
	test_eq WAITING "$(js ../j "d[\"workstreams\"][2][\"agent\"][\"state\"]")" &&
	js ../j "d[\"workstreams\"][2][\"agent\"][\"how\"]" >../how &&
	test_grep "status file" ../how &&
	touch -d "-20 minutes" "$W/w3/.bosun/agent-status" &&
	test_expect_code 2 bosun work status --json >../j &&
	test_eq STALLED "$(js ../j "d[\"workstreams\"][2][\"agent\"][\"state\"]")" &&
	js ../j "d[\"workstreams\"][2][\"agent\"][\"how\"]" >../how &&
	test_grep "work.stalled_after 600s" ../how &&
	touch -d "-2 hours" "$W/w3/.bosun/agent-status" &&
	test_expect_code 1 bosun work status --json >../j &&
	test_eq DEAD "$(js ../j "d[\"workstreams\"][2][\"agent\"][\"state\"]")" &&
	test_eq failed "$(js ../j "d[\"workstreams\"][2][\"outcome\"]")" &&
	js ../j "d[\"workstreams\"][2][\"agent\"][\"how\"]" >../how &&
	test_grep "work.dead_after 3600s" ../how &&
	rm "$W/w3/.bosun/agent-status"
'

test_expect_success 'a running agent: ACTIVE by its pid; an old log: STALLED; killed: DEAD' '
	cd r && printf "work:\n  agent_command: [sh, -c, \"exec sleep 300\"]\n" >bosun.yml &&
	bosun work spawn --only w1 >/dev/null &&
	pid=$(cut -d" " -f1 .git/bosun/work/s/w1/agent.pid) &&
	test_expect_code 2 bosun work status --json >../j &&
	test_eq ACTIVE "$(js ../j "d[\"workstreams\"][0][\"agent\"][\"state\"]")" &&
	test_eq "$pid" "$(js ../j "d[\"workstreams\"][0][\"agent\"][\"pid\"]")" &&
	js ../j "d[\"workstreams\"][0][\"agent\"][\"how\"]" >../how &&
	test_grep "^pid $pid runs" ../how &&
	touch -d "-30 minutes" .git/bosun/work/s/w1/agent.log &&
	test_expect_code 2 bosun work status --json >../j &&
	test_eq STALLED "$(js ../j "d[\"workstreams\"][0][\"agent\"][\"state\"]")" &&
	kill $pid && wait_for 10 gone $pid &&
	test_expect_code 1 bosun work status >../out &&
	test_grep "^s/w1  DEAD" ../out &&
	test_grep "agent: pid $pid is not running" ../out &&
	rm bosun.yml
'

test_expect_success 'all done: exit 0 (checklists complete, a done heartbeat)' '
	cd r && bosun work heartbeat --id s/w1 --state done && bosun work heartbeat --id s/w2 --state done &&
	bosun work heartbeat --id s/w3 --state done &&
	bosun work status >../out &&
	test_grep "^3 done, 0 in progress, 0 failed" ../out &&
	bosun work heartbeat --id s/w2 --state failed &&
	test_expect_code 1 bosun work status >/dev/null
'

test_expect_success 'prediction: a real conflict found, none invented' '
	cd "$W/w2" && sed -i "s/^3$/three (w2)/" shared.txt && git commit -q -am "w2 edits line 3" &&
	cd "$W/w3" && sed -i "s/^3$/3 (w3)/" shared.txt && git commit -q -am "w3 edits line 3" &&
	cd "$TRASH/r" && test_expect_code 1 bosun work status --conflicts --json >../j &&
	test_eq "[[\"s/w2\", \"s/w3\", [\"shared.txt\"]]]" \
		"$(js ../j "[[c[\"a\"], c[\"b\"], c[\"files\"]] for c in d[\"conflicts\"]]")" &&
	test_eq 6 "$(js ../j "d[\"prediction\"][\"pairs\"]")" &&
	test_expect_code 1 bosun work status --conflicts >../out &&
	test_grep "^  s/w2 with s/w3: shared.txt" ../out
'

test_expect_success 'prediction: a warm status runs no merge-tree (cache by commit ids)' '
	cd r && mkdir -p ../bin && cat >../bin/git <<-EOF &&
	#!/bin/sh
	echo "\$*" >>"$TRASH/git.log"
	exec $(command -v git) "\$@"
	EOF
	chmod +x ../bin/git && test_expect_code 1 bosun work status >/dev/null && : >../git.log &&
	PATH="$TRASH/bin:$PATH" test_expect_code 1 bosun work status --json >../j &&
	test_eq 0 "$(js ../j "d[\"prediction\"][\"merges_run\"]")" &&
	test_no_grep merge-tree ../git.log && test_no_grep rev-list ../git.log &&
	test_no_grep "^rev-parse" ../git.log && test_no_grep "^for-each-ref" ../git.log &&
	{ test "$(grep -c "^status" ../git.log)" -le 3 || { cat ../git.log; false; }; } &&
	cd "$W/w1" && echo c >>w1/a && git commit -q -am "w1 again" && cd "$TRASH/r" &&
	rm ../git.log && PATH="$TRASH/bin:$PATH" test_expect_code 1 bosun work status --json >../j &&
	test_eq 3 "$(js ../j "d[\"prediction\"][\"merges_run\"]")" &&
	test "$(grep -c "^merge-tree --stdin" ../git.log)" -ge 1 &&
	rm ../git.log && PATH="$TRASH/bin:$PATH" test_expect_code 1 bosun work status --conflicts >../out &&
	test_grep "^  s/w2 with s/w3: shared.txt" ../out &&
	test_no_grep "^status" ../git.log && test_no_grep merge-tree ../git.log
'

test_expect_success 'prediction: against the integration branch once work integrate made one' '
	cd r && git checkout -q -b work/s/integration main &&
	printf "integrated\n" >w1/a && git commit -q --no-verify -am "integrated w1/a" &&
	git checkout -q main &&
	test_expect_code 1 bosun work status --conflicts --json >../j &&
	test_eq "$(git rev-parse work/s/integration)" "$(js ../j "d[\"integration\"]")" &&
	test_eq "[[\"s/w1\", null, [\"w1/a\"]], [\"s/w2\", \"s/w3\", [\"shared.txt\"]]]" \
		"$(js ../j "[[c[\"a\"], c[\"b\"], c[\"files\"]] for c in d[\"conflicts\"]]")" &&
	test_expect_code 1 bosun work status --conflicts >../out &&
	test_grep "^  s/w1 with work/s/integration: w1/a" ../out &&
	git branch -q -D work/s/integration
'

test_expect_success '--no-conflicts skips prediction (conflicts null)' '
	cd r && test_expect_code 1 bosun work status --no-conflicts --json >../j &&
	test_eq null "$(js ../j "d[\"conflicts\"]")"
'

test_expect_success '--watch without a terminal prints a snapshot per interval; SIGINT ends it' '
	cd r && printf "work:\n  watch_interval: 200ms\n" >bosun.yml &&
	("$BOSUN" work status --watch --no-conflicts >../watch 2>&1 & echo $! >../wpid) &&
	wait_for 20 snapshots 2 &&
	kill -INT $(cat ../wpid) && wait_for 10 gone $(cat ../wpid) &&
	rm bosun.yml
'

test_expect_success 'pre-commit ownership: a staged file another workstream owns is a warning' '
	cd r && bosun hooks install >/dev/null 2>&1 && cd "$W/w1" &&
	printf "hooks:\n  pre-commit:\n    checks: [ownership]\n" >bosun.yml &&
	echo mine >>w1/a && echo theirs >>w2/b && echo nobody >nobody.txt &&
	git add w1/a w2/b nobody.txt && git commit -q -m "feat: over the line" 2>../../../err &&
	test_grep "w2/b: owned by workstream .w2. (w2/\*\*), not .w1." ../../../err &&
	test_no_grep "w1/a:" ../../../err && test_no_grep "nobody.txt:" ../../../err &&
	test_eq "feat: over the line" "$(git log -1 --format=%s)"
'

test_expect_success 'pre-commit ownership: work.foreign_edits fail blocks the commit' '
	cd "$W/w1" && printf "work:\n  foreign_edits: fail\n" >>bosun.yml &&
	echo again >>w2/b && git add w2/b && head=$(git rev-parse HEAD) &&
	test_expect_code 1 git commit -q -m "feat: again" 2>../../../err &&
	test_grep "w2/b: owned by workstream .w2." ../../../err &&
	test_eq "$head" "$(git rev-parse HEAD)" &&
	git reset -q -- w2/b && git checkout -q -- w2/b
'

test_expect_success 'pre-commit ownership: nothing to say outside a spawned worktree' '
	cd r && printf "hooks:\n  pre-commit:\n    checks: [ownership]\nwork:\n  foreign_edits: fail\n" >bosun.yml &&
	echo x >>w2/b && git add w2/b && git commit -q -m "feat: main edits w2" 2>../err &&
	test_no_grep "owned by" ../err && rm bosun.yml
'

test_expect_success 'twenty heartbeats and statuses at once: every one succeeds' '
	cd r && many 20 "$BOSUN" work heartbeat --id s/w1 --note at-once &&
	cd "$W/w2" && many 10 "$BOSUN" work heartbeat --state waiting &&
	cd "$TRASH/r" && many 10 status_ran &&
	test_expect_code 1 bosun work status --json >../j &&
	test_eq at-once "$(js ../j "d[\"workstreams\"][0][\"agent\"][\"note\"]")" &&
	test_eq WAITING "$(js ../j "d[\"workstreams\"][1][\"agent\"][\"state\"]")"
'

# strace kills heartbeat (and status, which fills its cache) at its K-th
# call of one kind; the next status and heartbeat must work at once (no
# lock left to wait for) and read the heartbeat wholly old or wholly new.
if command -v strace >/dev/null 2>&1; then
test_expect_success 'kill -9 of heartbeat and status at every write, sync, open: the next run works' '
	cd r && kills=0 && n=0 &&
	for sc in pwrite64 fdatasync fsync openat; do
		k=1 &&
		while [ $k -le 12 ]; do
			n=$((n + 1)) &&
			bosun work heartbeat --id s/w3 --note "old $n" &&
			strace -f -qq -o /dev/null -e trace=$sc -e inject=$sc:signal=KILL:when=$k \
				"$BOSUN" work heartbeat --id s/w3 --note "new $n" >/dev/null 2>&1
			rc=$? &&
			if [ $rc = 137 ]; then kills=$((kills + 1)); fi &&
			test_expect_code 1 bosun work status --json --no-conflicts >../j &&
			note=$(js ../j "d[\"workstreams\"][2][\"agent\"][\"note\"]") &&
			case "$note" in "old $n"|"new $n") ;; *) echo "$sc #$k: note $note" && return 1 ;; esac &&
			(cd "$W/w1" && echo "$n" >>w1/a && git commit -q --no-verify -am "k$n") &&
			strace -f -qq -o /dev/null -e trace=$sc -e inject=$sc:signal=KILL:when=$k \
				"$BOSUN" work status --json >/dev/null 2>&1
			rc=$? &&
			if [ $rc = 137 ]; then kills=$((kills + 1)); fi &&
			test_expect_code 1 bosun work status --json >../j &&
			test_expect_code 1 bosun work status --json >../j &&
			test_eq 0 "$(js ../j "d[\"prediction\"][\"merges_run\"]")" &&
			k=$((k + 1)) || return 1
		done || return 1
	done &&
	echo "killed $kills runs" && test "$kills" -gt 10
'
else
	test_skip 'kill -9 of heartbeat and status at every write, sync, open: the next run works' 'no strace'
fi

test_expect_success 'after work integrate: merged is done, ejected is failed' '
	cd r && bosun work heartbeat --id s/w2 --state active &&
	test_expect_code 1 bosun work integrate >../out 2>&1 &&
	test_expect_code 1 bosun work status --json >../j &&
	test_eq "merged done" "$(js ../j "d[\"workstreams\"][0][\"state\"] + \" \" + d[\"workstreams\"][0][\"outcome\"]")" &&
	test_eq "ejected failed" "$(js ../j "d[\"workstreams\"][2][\"state\"] + \" \" + d[\"workstreams\"][2][\"outcome\"]")" &&
	js ../j "d[\"workstreams\"][2][\"error\"]" >../e && test_grep "ejected" ../e &&
	test_eq "$(git rev-parse work/s/integration)" "$(js ../j "d[\"integration\"]")"
'

test_expect_success 'errors: unknown task 3, outside a repo 3, bad flags 64, bad state 64' '
	cd r && test_expect_code 3 bosun work status nosuch 2>../err &&
	test_grep "no work plan .nosuch." ../err &&
	test_expect_code 64 bosun work status --bogus 2>/dev/null &&
	test_expect_code 64 bosun work status a b 2>/dev/null &&
	test_expect_code 64 bosun work status --conflicts --no-conflicts 2>/dev/null &&
	test_expect_code 64 bosun work heartbeat --id s/w1 --state sleepy 2>../err &&
	test_grep "unknown state" ../err &&
	test_expect_code 3 bosun work heartbeat --id s/nosuch 2>../err &&
	test_grep "no workstream .s/nosuch." ../err &&
	test_expect_code 3 bosun work heartbeat 2>../err &&
	test_grep "not a workstream" ../err &&
	mkdir -p "$TRASH/outside" && cd "$TRASH/outside" &&
	test_expect_code 3 bosun work status 2>/dev/null
'

test_done

#!/bin/sh
# bosun work integrate: the workstreams' branches merged in merge order on an
# integration worktree of its own, tested after each merge; a branch that
# conflicts or fails the tests is ejected (snapshot in the attic, output
# kept) and the rest go on; a dependant of an ejected one is skipped; the
# integration branch is never red and no commit has conflict markers.
. "$(dirname "$0")/lib.sh"

# in ID CMD...: run CMD in the worktree of workstream ID of task t
in_ws() { _d="$TRASH/r.work/t/$1" && shift && (cd "$_d" && "$@"); }

# ws_commit ID FILE TEXT: a commit in workstream ID's worktree
ws_commit() {
	_d="$TRASH/${R:-r}.work/${T:-t}/$1" &&
	mkdir -p "$(dirname "$_d/$2")" && echo "$3" >>"$_d/$2" &&
	git -C "$_d" add "$2" && git -C "$_d" commit -q -m "feat($1): $3"
}

# no_markers BRANCH BASE: no commit of BASE..BRANCH has a conflict marker line
no_markers() {
	for _c in $(git rev-list "$2..$1"); do
		if git grep -nE "^(<<<<<<<|>>>>>>>|=======)( |$)" "$_c" -- . >../markers; then
			echo "conflict markers in $_c:" && cat ../markers && return 1
		fi
	done
}

# heads: every branch but the integration branch, with its commit
heads() { git for-each-ref --format="%(refname) %(objectname)" refs/heads | grep -v /integration; }

test_expect_success 'setup: a plan of seven workstreams, spawned, with commits' '
	new_repo r && printf "one\ntwo\n" >file.txt &&
	printf "# Changelog\n\n## Unreleased\n\n- first entry\n" >CHANGELOG.md &&
	git add . && git commit -q -m "feat: base" &&
	cat >plan.yml <<-\EOF &&
	task: t
	workstreams:
	  - id: core
	    owns: ["core/**"]
	  - id: api
	    owns: ["api/**"]
	    depends_on: [core]
	  - id: bad
	    owns: ["bad/**"]
	    test: "test ! -f bad/broken"
	  - id: needs-bad
	    owns: ["nb/**"]
	    depends_on: [bad]
	  - id: conf1
	    owns: ["c1/**"]
	  - id: conf2
	    owns: ["c2/**"]
	  - id: notes
	    owns: ["notes/**"]
	EOF
	printf "work:\n  test: [sh, -c, \"echo testing; ! grep -rq BROKEN --include=*.txt .\"]\n" >bosun.yml &&
	bosun work plan plan.yml >../plan.out && bosun work spawn >/dev/null &&
	ws_commit core core/x.txt core && ws_commit api api/x.txt api &&
	ws_commit bad bad/broken "broken file" && ws_commit needs-bad nb/x.txt nb &&
	(cd ../r.work/t/conf1 && sed -i "s/^one$/ONE from conf1/" file.txt &&
	 git commit -q -am "feat: conf1") &&
	(cd ../r.work/t/conf2 && sed -i "s/^one$/ONE from conf2/" file.txt &&
	 git commit -q -am "feat: conf2") &&
	(cd ../r.work/t/notes && sed -i "s/^- first entry$/- first entry\n- a note/" CHANGELOG.md &&
	 git commit -q -am "docs: note") &&
	(cd ../r.work/t/core && sed -i "s/^- first entry$/- first entry\n- core entry/" CHANGELOG.md &&
	 git commit -q -am "docs: core entry") &&
	heads >../heads.before && git status --porcelain >../status.before
'

test_expect_success 'integrate merges in order, ejects the conflict and the red one, skips its dependant' '
	cd r && test_expect_code 1 bosun --json work integrate >../out 2>../err &&
	python3 - <<-\EOF
	import json
	d = json.load(open("../out"))
	r = {w["id"]: w for w in d["workstreams"]}
	assert [w["id"] for w in d["workstreams"]] == ["bad", "conf1", "conf2", "core", "api", "needs-bad", "notes"], d
	assert r["core"]["result"] == "merged" and r["api"]["result"] == "merged", d
	assert r["conf1"]["result"] == "merged" and r["notes"]["result"] == "merged", d
	assert r["conf2"]["result"] == "ejected" and r["conf2"]["reason"].startswith("merge conflict: file.txt"), r["conf2"]
	assert r["bad"]["result"] == "ejected" and r["bad"]["reason"] == "the tests failed", r["bad"]
	assert "exit 1" in r["bad"]["output"], r["bad"]
	assert r["needs-bad"]["result"] == "skipped" and "depends on \x27bad\x27, which was ejected" in r["needs-bad"]["reason"], r["needs-bad"]
	for i in ("bad", "conf2"):
	    assert r[i]["attic"].startswith("refs/bosun/attic/t/%s/" % i), r[i]
	assert d["ok"] is False and d["dry_run"] is False and d["interrupted"] is None, d
	assert d["branch"] == "work/t/integration" and d["test_runs"] == 5, d
	EOF
'

test_expect_success 'the integration branch has the merged work, none of the ejected, and no markers' '
	cd r && tip=$(git rev-parse work/t/integration) &&
	for b in core api conf1 notes; do
		git merge-base --is-ancestor work/t/$b $tip || return 1
	done &&
	for b in bad conf2 needs-bad; do
		{ ! git merge-base --is-ancestor work/t/$b $tip; } || return 1
	done &&
	no_markers work/t/integration main &&
	git show $tip:CHANGELOG.md >../cl && test_grep "^- a note$" ../cl &&
	test_grep "^- core entry$" ../cl && test_grep "^- first entry$" ../cl &&
	test_eq "ONE from conf1" "$(git show $tip:file.txt | head -n 1)" &&
	git log --format=%s main..$tip --merges >../merges && test_eq 4 "$(wc -l <../merges)" &&
	test_grep "^Merge work/t/core (bosun work integrate)" ../merges
'

test_expect_success 'nothing else moved: main, the workstreams, the main worktree' '
	cd r && heads >../heads.after && test_cmp ../heads.before ../heads.after &&
	git status --porcelain >../status.after && test_cmp ../status.before ../status.after &&
	test_eq "" "$(git config --local --get merge.bosun.driver)"
'

test_expect_success 'the integration worktree is clean, on its branch, with the driver for it alone' '
	cd r && d=$(python3 -c "import json; print(json.load(open(\"../out\"))[\"dir\"])") &&
	test_eq "work/t/integration" "$(git -C "$d" symbolic-ref --short HEAD)" &&
	test_eq "" "$(git -C "$d" status --porcelain)" &&
	git -C "$d" config --worktree --get merge.bosun.driver >../drv &&
	test_grep "merge-driver" ../drv
'

test_expect_success 'the ejected: snapshot in the attic, the whole output in a log' '
	cd r && python3 -c "
import json; d = json.load(open(\"../out\")); r = {w[\"id\"]: w for w in d[\"workstreams\"]}
print(r[\"bad\"][\"attic\"]); print(r[\"bad\"][\"log\"])" >../bad &&
	ref=$(sed -n 1p ../bad) && log=$(sed -n 2p ../bad) &&
	test_eq "broken file" "$(git show "$ref:bad/broken")" &&
	test_grep "test ! -f bad/broken" "$log" && test_grep "exit 1" "$log"
'

test_expect_success 'command -v sqlite3' 'the store has each workstream merged or ejected, and the tip' '
	cd r && db="$(git rev-parse --git-common-dir)/bosun/state.db" &&
	test_eq merged "$(sqlite3 "$db" "SELECT state FROM work_items WHERE id = '"'"'t/api'"'"'")" &&
	test_eq ejected "$(sqlite3 "$db" "SELECT state FROM work_items WHERE id = '"'"'t/bad'"'"'")" &&
	sqlite3 "$db" "SELECT data FROM work_items WHERE id = '"'"'t:integration'"'"'" >../item &&
	test_grep "\"tip\":\"$(git rev-parse work/t/integration)\"" ../item &&
	test_grep "\"run\":null" ../item
'

test_expect_success 'again: nothing merged twice, nothing ejected twice, nothing moved' '
	cd r && tip=$(git rev-parse work/t/integration) &&
	git for-each-ref refs/bosun/attic >../attic.before &&
	test_expect_code 1 bosun --json work integrate >../out2 2>../err &&
	test_eq "$tip" "$(git rev-parse work/t/integration)" &&
	git for-each-ref refs/bosun/attic >../attic.after && test_cmp ../attic.before ../attic.after &&
	python3 - <<-\EOF
	import json
	d = json.load(open("../out2"))
	r = {w["id"]: w["result"] for w in d["workstreams"]}
	assert r == {"bad": "ejected", "conf1": "already merged", "conf2": "ejected", "core": "already merged",
	             "api": "already merged", "needs-bad": "skipped", "notes": "already merged"}, r
	assert d["test_runs"] == 0, d
	EOF
'

test_expect_success 'a fixed branch is merged on the next run, and its dependant with it' '
	cd r && (cd ../r.work/t/bad && git rm -q bad/broken && mkdir bad && echo fixed >bad/ok.txt &&
		 git add bad/ok.txt && git commit -q -m "fix: bad") &&
	test_expect_code 1 bosun work integrate >../out3 2>../err &&
	test_grep "^bad: merged" ../out3 && test_grep "^needs-bad: merged" ../out3 &&
	test_grep "^conf2: ejected: ejected before" ../out3 &&
	test_grep "bosun: 1 of 7 workstreams not merged: 1 ejected, 0 skipped" ../err &&
	no_markers work/t/integration main
'

test_expect_success 'all merged: exit 0' '
	cd r && (cd ../r.work/t/conf2 &&
		 { git merge -q work/t/conf1 >/dev/null 2>&1 || test -n "$(git diff --name-only --diff-filter=U)"; } &&
		 git checkout -q --theirs file.txt && git add file.txt &&
		 git -c core.editor=true commit -q --no-edit) &&
	bosun work integrate >../out4 2>../err && test_grep "^conf2: merged" ../out4 &&
	no_markers work/t/integration main
'

test_expect_success '--dry-run says what would happen and changes nothing' '
	cd r && ws_commit core core/y.txt more && ws_commit api api/y.txt more &&
	(cd ../r.work/t/notes && sed -i "s/^one$/ONE from notes/" file.txt && git commit -q -am "feat: clash") &&
	tip=$(git rev-parse work/t/integration) && tree_digest >../digest.before &&
	test_expect_code 1 bosun --json work integrate --dry-run >../out5 &&
	tree_digest >../digest.after && test_cmp ../digest.before ../digest.after &&
	test_eq "$tip" "$(git rev-parse work/t/integration)" &&
	python3 - <<-\EOF
	import json
	d = json.load(open("../out5"))
	r = {w["id"]: w["result"] for w in d["workstreams"]}
	assert d["dry_run"] is True and d["test_runs"] == 0, d
	assert r["core"] == "would merge" and r["api"] == "would merge" and r["notes"] == "would conflict", r
	assert r["bad"] == "already merged", r
	EOF
'

# batch_repo NAME N: a repository NAME with a plan "b" of N workstreams
# w1..wN, spawned, each with a commit of its own file; the test command
# counts its runs in ../NAME.count and fails when a file says BROKEN.
batch_repo() {
	new_repo "$1" && commit "feat: base" &&
	{ printf "task: b\nworkstreams:\n" && _i=1 &&
	  while [ $_i -le "$2" ]; do printf "  - id: w%d\n" $_i && _i=$((_i + 1)); done; } >plan.yml &&
	printf "work:\n  test: [sh, -c, \"echo run >>$TRASH/$1.count; ! grep -rq BROKEN --include=*.txt .\"]\n" >bosun.yml &&
	bosun work plan plan.yml >/dev/null && bosun work spawn >/dev/null && _i=1 &&
	while [ $_i -le "$2" ]; do
		R=$1 T=b ws_commit w$_i w$_i.txt "work of w$_i" && _i=$((_i + 1)) || return 1
	done
}

test_expect_success '--batch: eight green branches, one test run' '
	batch_repo green 8 && rm -f ../green.count &&
	bosun --json work integrate --batch >../out &&
	test_eq 1 "$(wc -l <../green.count)" &&
	python3 -c "
import json; d = json.load(open(\"../out\"))
assert [w[\"result\"] for w in d[\"workstreams\"]] == [\"merged\"] * 8 and d[\"test_runs\"] == 1, d" &&
	no_markers work/b/integration main
'

test_expect_success '--batch: one culprit among eight is found in at most 2*log2(8)+1 test runs, the rest merged' '
	batch_repo culprit 8 && R=culprit T=b ws_commit w5 w5.txt BROKEN && rm -f ../culprit.count &&
	test_expect_code 1 bosun --json work integrate --batch >../out &&
	runs=$(wc -l <../culprit.count) && echo "# test runs: $runs" &&
	test "$runs" -le 7 &&
	python3 - <<-\EOF &&
	import json
	d = json.load(open("../out"))
	r = {w["id"]: w for w in d["workstreams"]}
	assert r["w5"]["result"] == "ejected" and r["w5"]["reason"] == "the tests failed", r["w5"]
	assert all(r["w%d" % i]["result"] == "merged" for i in (1, 2, 3, 4, 6, 7, 8)), r
	assert d["test_runs"] == int(open("../culprit.count").read().count("run")), d
	EOF
	for i in 1 2 3 4 6 7 8; do
		git merge-base --is-ancestor work/b/w$i work/b/integration || return 1
	done &&
	{ ! git merge-base --is-ancestor work/b/w5 work/b/integration; } &&
	test_eq "" "$(git grep -l BROKEN work/b/integration)" &&
	no_markers work/b/integration main
'

test_expect_success '--batch=3: batches of three, a culprit in each of two' '
	batch_repo three 7 && R=three T=b ws_commit w2 w2.txt BROKEN &&
	R=three T=b ws_commit w6 w6.txt BROKEN && rm -f ../three.count &&
	test_expect_code 1 bosun --json work integrate --batch=3 >../out &&
	python3 -c "
import json; d = json.load(open(\"../out\"))
r = {w[\"id\"]: w[\"result\"] for w in d[\"workstreams\"]}
assert r == {\"w1\": \"merged\", \"w2\": \"ejected\", \"w3\": \"merged\", \"w4\": \"merged\",
             \"w5\": \"merged\", \"w6\": \"ejected\", \"w7\": \"merged\"}, r" &&
	test_eq "" "$(git grep -l BROKEN work/b/integration)"
'

test_expect_success 'one run at a time: a second integrate exits 75, and the first completes' '
	batch_repo gate 2 &&
	printf "work:\n  test: [sh, -c, \"touch $TRASH/gate.in; i=0; while [ ! -f $TRASH/gate.go ] && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i+1)); done\"]\n" >bosun.yml &&
	{ bosun work integrate >../gate.out 2>&1 & } && pid=$! &&
	wait_for 30 test -f ../gate.in &&
	test_expect_code 75 bosun work integrate 2>../err &&
	test_grep "another .bosun work integrate. of .b. is running" ../err &&
	touch ../gate.go && wait $pid &&
	test_grep "^w2: merged" ../gate.out
'

test_expect_success 'a test that outlives work.test_timeout fails; its output is kept redacted' '
	batch_repo slow 1 && tok="ghp_$(printf "Q7w2Er9Ty4Ui1Op6As3Df8Gh5Jk0Lz%s" 4xCv)" &&
	printf "work:\n  test_timeout: 1s\n  test: [sh, -c, \"echo token $tok; exec sleep 30\"]\n" >bosun.yml &&
	test_expect_code 1 bosun --json work integrate >../out 2>../err &&
	python3 - <<-\EOF &&
	import json
	d = json.load(open("../out"))
	w = d["workstreams"][0]
	assert w["result"] == "ejected" and w["reason"] == "the tests failed", w
	assert "timed out after 1 s" in w["output"] and "token [REDACTED]" in w["output"], w
	EOF
	{ ! grep -q "$tok" ../out ../err "$(git rev-parse --git-common-dir)/bosun/integrate/b/logs/w1.log"; } &&
	test_grep "token \[REDACTED\]" "$(git rev-parse --git-common-dir)/bosun/integrate/b/logs/w1.log"
'

test_expect_success 'errors: no plan, an unknown task, a stray argument, a negative batch' '
	new_repo empty && commit "feat: x" &&
	test_expect_code 3 bosun work integrate 2>../err && test_grep "no work plan" ../err &&
	cd ../r && test_expect_code 3 bosun work integrate nosuch 2>../err &&
	test_expect_code 64 bosun work integrate t extra 2>../err &&
	test_expect_code 64 bosun work integrate --batch=0 2>../err &&
	test_grep "expects a whole number, 1 or more" ../err
'

test_expect_success 'the integration branch held by another worktree is never taken' '
	new_repo held && commit "feat: base" &&
	printf "task: h\nworkstreams:\n  - id: one\n" >plan.yml &&
	bosun work plan plan.yml >/dev/null && bosun work spawn >/dev/null &&
	git branch work/h/integration && git worktree add -q ../held-elsewhere work/h/integration &&
	test_expect_code 64 bosun work integrate 2>../err &&
	test_grep "checked out in .*held-elsewhere" ../err &&
	test_eq "work/h/integration" "$(git -C ../held-elsewhere symbolic-ref --short HEAD)"
'

# count_git DIR: a git on PATH (DIR/bin) that numbers its calls in
# DIR/count; at the call DIR/at names (its number, or the start of its
# arguments: "worktree add"), before or after running it as DIR/when says,
# it touches DIR/paused and waits (bounded) for DIR/go.
REAL_GIT=$(command -v git)
count_git() {
	rm -rf "$1" && mkdir -p "$1/bin" &&
	cat >"$1/bin/git" <<-EOF &&
	#!/bin/sh
	n=\$((\$(cat "$1/count" 2>/dev/null || echo 0) + 1)) && echo \$n >"$1/count"
	hold() {
		at=\$(cat "$1/at" 2>/dev/null) && [ -n "\$at" ] || return 0
		[ "\$1" = "\$(cat "$1/when")" ] || return 0
		case "\$n" in "\$at") ;; *) case "\$ARGS" in "\$at"*) ;; *) return 0 ;; esac ;; esac
		touch "$1/paused"; i=0
		while [ ! -f "$1/go" ] && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i+1)); done
	}
	ARGS="\$*"
	hold before
	"$REAL_GIT" "\$@"; rc=\$?
	hold after
	exit \$rc
	EOF
	chmod +x "$1/bin/git"
}

# kill_repo: repository k, plan t: a, b (after a), c (conflicts with a),
# d (red); work.test fails on a file that says BROKEN.
kill_repo() {
	rm -rf "$TRASH/k.work" && new_repo k && echo one >file.txt && git add . && git commit -q -m "feat: base" &&
	printf "task: t\nworkstreams:\n  - id: a\n  - id: b\n    depends_on: [a]\n  - id: c\n  - id: d\n" >plan.yml &&
	printf "work:\n  test: [sh, -c, \"! grep -rq BROKEN --include=*.txt .\"]\n" >bosun.yml &&
	bosun work plan plan.yml >/dev/null && bosun work spawn >/dev/null &&
	(cd ../k.work/t/a && echo "one a" >file.txt && git commit -q -am "feat: a") &&
	(cd ../k.work/t/c && echo "one c" >file.txt && git commit -q -am "feat: c") &&
	R=k ws_commit d d.txt BROKEN
}

# next_round I: a new commit on each branch (so that each is merged, or
# tried and ejected, again), and what the branches are now
next_round() {
	for _w in a b c d; do R=k ws_commit $_w $_w/$1.txt "round $1 of $_w" || return 1; done &&
	heads >../k.heads
}

# whole: the run after a killed one finished the work: a and b merged, c
# and d ejected with snapshots; the integration worktree clean with no
# merge under way and no lock left; no branch but the integration branch
# moved; no conflict marker in any commit
whole() {
	python3 - <<-\PY &&
	import json
	d = json.load(open("../k.out"))
	r = {w["id"]: w for w in d["workstreams"]}
	assert r["a"]["result"] in ("merged", "already merged"), r["a"]
	assert r["b"]["result"] in ("merged", "already merged"), r["b"]
	for i in ("c", "d"):
	    assert r[i]["result"] == "ejected" and r[i]["attic"], r[i]
	PY
	tip=$(git rev-parse work/t/integration) &&
	git merge-base --is-ancestor work/t/a $tip && git merge-base --is-ancestor work/t/b $tip &&
	{ ! git merge-base --is-ancestor work/t/c $tip; } && { ! git merge-base --is-ancestor work/t/d $tip; } &&
	d=$(git rev-parse --git-common-dir)/bosun/integrate/t/tree &&
	test_eq "" "$(git -C "$d" status --porcelain)" &&
	{ ! git -C "$d" rev-parse -q --verify MERGE_HEAD >/dev/null; } &&
	test_eq "" "$(find "$(git -C "$d" rev-parse --absolute-git-dir)" -maxdepth 1 -name "*.lock")" &&
	test_eq "" "$(find "$(git rev-parse --git-common-dir)/refs/heads" -name "*.lock")" &&
	heads >../k.heads.now && test_cmp ../k.heads ../k.heads.now &&
	no_markers work/t/integration main
}

test_expect_success 'kill -9 setup: a plan with a merge, a dependant, a conflict and a red branch' '
	kill_repo && D="$TRASH/k.d" && count_git "$D" && next_round 0 &&
	rm -f "$D/at" && PATH="$D/bin:$PATH" test_expect_code 1 bosun --json work integrate >../k.out &&
	calls=$(cat "$D/count") && echo "$calls" >../k.calls && echo "# a run calls git $calls times" &&
	test "$calls" -ge 20 && whole
'

test_expect_success "kill -9 before and after git commands of integrate: the next run rolls back and completes" '
	cd "$TRASH/k" && D="$TRASH/k.d" && calls=$(cat ../k.calls) &&
	step=$(( (calls + ${BOSUN_CRASH_POINTS:-12} - 1) / ${BOSUN_CRASH_POINTS:-12} )) &&
	k=1 && round=1 && rolled=0 &&
	while [ $k -le "$calls" ]; do
		for when in before after; do
			next_round $round && round=$((round + 1)) &&
			rm -f "$D/count" "$D/paused" "$D/go" && echo $k >"$D/at" && echo $when >"$D/when" &&
			{ PATH="$D/bin:$PATH" setsid "$BOSUN" work integrate >../k.killed 2>&1 & } && pid=$! &&
			n=0 && while [ ! -f "$D/paused" ] && kill -0 $pid 2>/dev/null; do
				[ $n -lt 600 ] || return 1
				sleep 0.05 && n=$((n + 1))
			done &&
			{ kill -9 -$pid 2>/dev/null; wait $pid; rc=$?; test $rc -eq 137 || test $rc -eq 1; } &&
			{ test_expect_code 1 bosun --json work integrate >../k.out 2>../k.err ||
			  { echo "killed $when git call $k:"; cat ../k.killed ../k.err; return 1; }; } &&
			{ grep -q "\"interrupted\": null" ../k.out || rolled=$((rolled + 1)); } &&
			{ whole || { echo "killed $when git call $k:"; cat ../k.killed ../k.out ../k.err; return 1; }; } || return 1
		done &&
		k=$((k + step))
	done &&
	echo "# $((round - 1)) runs killed, $rolled reported interrupted and rolled back" &&
	test $rolled -ge 4
'

# unharmed: right after a kill, before the next run: no branch but the
# integration branch moved, the integration branch has no conflict
# marker and its tip is a commit a ref holds
unharmed() {
	heads >../k.heads.now && test_cmp ../k.heads ../k.heads.now &&
	no_markers work/t/integration main &&
	test -n "$(git for-each-ref --contains "$(git rev-parse work/t/integration)")"
}

test_expect_success 'kill -9 at random moments (measured; its git and tests left running): the next run waits, rolls back, completes' '
	cd "$TRASH/k" && round=100 && next_round $round &&
	t0=$(date +%s%N) && { test_expect_code 1 bosun work integrate >/dev/null 2>&1; } && t1=$(date +%s%N) &&
	ms=$(( (t1 - t0) / 1000000 )) && echo "one integrate: $ms ms" &&
	runs=${BOSUN_CRASH_RUNS:-15} && i=1 && killed=0 && rolled=0 &&
	while [ $i -le $runs ]; do
		round=$((round + 1)) && next_round $round &&
		{ setsid "$BOSUN" work integrate >../k.killed 2>&1 & } && pid=$! &&
		sleep "$(crash_delay $i $ms)" &&
		if kill -9 $pid 2>/dev/null; then killed=$((killed + 1)); fi &&
		{ wait $pid; rc=$?; test $rc -eq 137 || test $rc -eq 1; } &&
		{ unharmed || { echo "run $i: after the kill"; cat ../k.killed; return 1; }; } &&
		{ test_expect_code 1 bosun --json work integrate >../k.out 2>../k.err || { echo "run $i"; cat ../k.err; return 1; }; } &&
		{ grep -q "\"interrupted\": null" ../k.out || rolled=$((rolled + 1)); } &&
		{ whole || { echo "run $i"; cat ../k.killed ../k.out ../k.err; return 1; }; } &&
		gc_finds_nothing &&
		i=$((i + 1)) || return 1
	done &&
	summary="work integrate: killed $killed of $runs in flight (one: $ms ms); the next run completed each time, $rolled of them rolled an interrupted run back; no marker, no branch moved" &&
	echo "$summary" &&
	if [ -n "${BOSUN_CRASH_LOG:-}" ]; then echo "$summary" >>"$BOSUN_CRASH_LOG"; fi &&
	test $killed -gt 0
'

test_expect_success 'command -v sqlite3' 'after the kills: no run left recorded, no lock held' '
	cd "$TRASH/k" && db="$(git rev-parse --git-common-dir)/bosun/state.db" &&
	sqlite3 "$db" "SELECT data FROM work_items WHERE id = '"'"'t:integration'"'"'" >../item &&
	test_grep "\"run\":null" ../item &&
	test ! -e "$(git rev-parse --git-common-dir)/bosun/integrate/t/run.lock"
'

test_expect_success 'kill -9 while it makes its worktree: the next run makes it again' '
	for when in before after; do
		kill_repo && D="$TRASH/k.d" && count_git "$D" && next_round 0 &&
		rm -f "$D/count" "$D/paused" "$D/go" && echo "worktree add" >"$D/at" && echo $when >"$D/when" &&
		{ PATH="$D/bin:$PATH" setsid "$BOSUN" work integrate >/dev/null 2>&1 & } && pid=$! &&
		wait_for 30 test -f "$D/paused" && kill -9 -$pid && { wait $pid; test $? -eq 137; } &&
		{ test_expect_code 1 bosun --json work integrate >../k.out 2>../k.err ||
		  { cat ../k.err; return 1; }; } && whole || return 1
	done
'

test_done

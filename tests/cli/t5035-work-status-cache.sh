#!/bin/sh
# bosun work status answers a worktree's git status from its cache while
# nothing it depends on changed (lib/git/wtstat.h), and asks git again on
# every kind of change: each test below makes one change to a worktree
# whose status was kept, and checks that git was asked and that the answer
# is git's. The same JSON and exit code with and without the cache; a
# stamp within the clock tick of the cache write is not trusted; what the
# cache cannot read surely (a split index) always asks git.
. "$(dirname "$0")/lib.sh"

W="$TRASH/r.work/s/w1"

# git through a wrapper that notes every `git status` (bosun's included).
mkdir -p "$TRASH/bin"
REAL_GIT=$(command -v git)
cat >"$TRASH/bin/git" <<EOF
#!/bin/sh
case " \$* " in *" status "*) echo "\$*" >>"$TRASH/git.log" ;; esac
exec "$REAL_GIT" "\$@"
EOF
chmod +x "$TRASH/bin/git"
PATH="$TRASH/bin:$PATH"
export PATH

# st: `work status --json` into $TRASH/j (exit code in $TRASH/rc); RAN=1
# when it ran git status, else 0.
st() {
	: >"$TRASH/git.log"
	(cd "$TRASH/r" && "$BOSUN" work status --json >"$TRASH/j")
	echo $? >"$TRASH/rc"
	[ "$(cat "$TRASH/rc")" -lt 3 ] || return 1
	if [ -s "$TRASH/git.log" ]; then RAN=1; else RAN=0; fi
}

# warm: work status until one answers from its cache (the run after a
# change may not keep: a stamp in the clock tick of its start is not
# trusted); bounded.
warm() {
	_i=0
	while [ $_i -lt 300 ]; do
		st || return 1
		[ "$RAN" = 0 ] && return 0
		_i=$((_i + 1))
	done
	echo "work status never answered from its cache" >&2
	return 1
}

# js EXPR: the Python expression EXPR of the JSON document d in $TRASH/j.
js() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); w=d['workstreams'][0]; v=$1; print(v if isinstance(v, (str, int)) else json.dumps(v))" "$TRASH/j"
}

# asked N: the last st ran git status, and found N changed paths, as git.
asked() {
	test_eq 1 "$RAN" &&
	test_eq "$1" "$(js 'w["dirty"]')" &&
	test_eq "$1" "$(cd "$W" && GIT_OPTIONAL_LOCKS=0 "$REAL_GIT" status --porcelain | wc -l)"
}

test_expect_success 'setup: one workstream spawned; its status kept: no git status' '
	new_repo r && git checkout -q -b main &&
	mkdir -p w1 w2 deep/x && printf "aaaa\n" >w1/a && echo b >w2/b &&
	echo y >deep/x/y.txt && echo s >shared.txt && git add . &&
	git commit -q -m "feat: files" &&
	printf "task: s\nbase: main\nworkstreams:\n  - id: w1\n    owns: [\"w1/**\"]\n" >plan.yml &&
	bosun work plan plan.yml >/dev/null && bosun work spawn >/dev/null &&
	test -d "$W" && warm && test_eq 0 "$(js "w[\"dirty\"]")" &&
	st && test_eq 0 "$RAN" && test_eq 2 "$(cat "$TRASH/rc")"
'

test_expect_success 'a tracked file changed, its size kept' '
	warm && printf "bbbb\n" >"$W/w1/a" && st && asked 1 &&
	(cd "$W" && git checkout -q -- w1/a) && st && asked 0
'

test_expect_success 'a tracked file only touched: git asked, still clean' '
	warm && touch "$W/w1/a" && st && asked 0
'

test_expect_success 'a tracked file changed with its mtime put back (its ctime tells)' '
	warm && touch -r "$W/w1/a" "$TRASH/stamp" && printf "cccc\n" >"$W/w1/a" &&
	touch -r "$TRASH/stamp" "$W/w1/a" && st && asked 1 &&
	(cd "$W" && git checkout -q -- w1/a)
'

test_expect_success 'a new untracked file in a tracked folder' '
	warm && echo n >"$W/deep/x/new" && st && asked 1 &&
	test_eq "[\"deep/x/new\"]" "$(js "w[\"outside_ownership\"]")" &&
	rm "$W/deep/x/new"
'

test_expect_success 'a new file in a new folder' '
	warm && mkdir "$W/nd" && echo f >"$W/nd/f" && st && asked 1 &&
	test_eq "[\"nd/\"]" "$(js "w[\"outside_ownership\"]")" && rm -r "$W/nd"
'

test_expect_success 'a file in an empty folder git did not list' '
	mkdir -p "$W/u/sub" && warm && test_eq 0 "$(js "w[\"dirty\"]")" &&
	echo f >"$W/u/sub/f" && st && asked 1 && rm -r "$W/u"
'

test_expect_success 'files added to and removed from an untracked folder' '
	mkdir "$W/u2" && echo a >"$W/u2/a" && warm && test_eq 1 "$(js "w[\"dirty\"]")" &&
	echo b >"$W/u2/b" && st && asked 1 &&
	warm && rm "$W/u2/a" "$W/u2/b" && st && asked 0 && rmdir "$W/u2"
'

test_expect_success 'a tracked file deleted' '
	warm && rm "$W/w1/a" && st && asked 1 && (cd "$W" && git checkout -q -- w1/a)
'

test_expect_success 'a tracked file renamed' '
	warm && mv "$W/w1/a" "$W/w1/a2" && st && asked 2 &&
	test_eq "[]" "$(js "w[\"outside_ownership\"]")" && mv "$W/w1/a2" "$W/w1/a"
'

test_expect_success 'a tracked file made executable' '
	warm && chmod +x "$W/w1/a" && st && asked 1 && chmod -x "$W/w1/a"
'

test_expect_success 'an untracked .gitignore changed in place' '
	echo x >"$W/w1/a.log" && printf "*.tmp\n" >"$W/w1/.gitignore" && warm &&
	test_eq 2 "$(js "w[\"dirty\"]")" && printf "*.log\n" >"$W/w1/.gitignore" &&
	st && asked 1 && rm "$W/w1/a.log" "$W/w1/.gitignore"
'

test_expect_success 'a tracked .gitignore changed' '
	(cd "$W" && printf "*.tmp\n" >.gitignore && git add .gitignore &&
	 git commit -q -m "chore: ignore") && echo y >"$W/y.log" && warm &&
	test_eq "[\".gitignore\", \"y.log\"]" "$(js "w[\"outside_ownership\"]")" &&
	printf "*.log\n" >"$W/.gitignore" && st && asked 1 &&
	test_eq "[\".gitignore\"]" "$(js "w[\"outside_ownership\"]")" &&
	(cd "$W" && git checkout -q -- .gitignore) && rm "$W/y.log"
'

test_expect_success 'info/exclude' '
	echo x >"$W/z.dat" && warm && test_eq 1 "$(js "w[\"dirty\"]")" &&
	echo "*.dat" >>"$(git -C "$W" rev-parse --git-common-dir)/info/exclude" &&
	st && asked 0 && rm "$W/z.dat"
'

test_expect_success 'core.excludesFile changed in place' '
	echo none >"$HOME/ignore" && git config --global core.excludesFile "~/ignore" &&
	echo q >"$W/x.q" && warm && test_eq 1 "$(js "w[\"dirty\"]")" &&
	printf "*.q\n" >"$HOME/ignore" && st && asked 0 && rm "$W/x.q"
'

test_expect_success 'git add' '
	echo n >"$W/w1/n" && warm && (cd "$W" && git add w1/n) && st && asked 1 &&
	(cd "$W" && git rm -q --cached w1/n) && rm "$W/w1/n"
'

test_expect_success 'the index changed alone (the file and HEAD as they were)' '
	warm && git -C "$W" update-index --chmod=+x w1/a && st && asked 1 &&
	git -C "$W" update-index --chmod=-x w1/a && st && asked 0
'

test_expect_success 'a commit' '
	echo m >>"$W/w1/a" && warm && (cd "$W" && git commit -q -am "feat: m") &&
	st && asked 0 && test_eq "$(git -C "$W" rev-parse HEAD)" "$(js "w[\"head\"]")"
'

test_expect_success 'the branch HEAD names moved (HEAD and the index as they were)' '
	warm && git -C "$W" update-ref refs/heads/work/s/w1 HEAD~1 && st && asked 1 &&
	test_eq "$(git -C "$W" rev-parse HEAD)" "$(js "w[\"head\"]")" &&
	git -C "$W" update-ref refs/heads/work/s/w1 HEAD@{1} && st && asked 0
'

test_expect_success 'a checkout of another branch' '
	warm && (cd "$W" && git checkout -q -b other) && st && asked 0 &&
	warm && (cd "$W" && git checkout -q -b older HEAD~1) && st && asked 0 &&
	test_eq "$(git -C "$W" rev-parse HEAD)" "$(js "w[\"head\"]")" &&
	(cd "$W" && git checkout -q work/s/w1)
'

test_expect_success 'a file stamped at or after the cache write is not trusted' '
	warm && touch -d "1 hour" "$W/w1/a" && st && asked 0 && st && asked 0 &&
	touch "$W/w1/a" && warm
'

test_expect_success 'the same JSON and exit code with and without the cache' '
	echo d >>"$W/w1/a" && echo u >"$W/untracked" && warm && cp "$TRASH/j" "$TRASH/j.warm" &&
	cp "$TRASH/rc" "$TRASH/rc.warm" &&
	python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"DELETE FROM cache_entries WHERE key LIKE ?\", (\"work/wtstatus/%\",)); c.commit()" "$TRASH/r/.git/bosun/state.db" &&
	st && test_eq 1 "$RAN" && test_cmp "$TRASH/j.warm" "$TRASH/j" &&
	test_cmp "$TRASH/rc.warm" "$TRASH/rc" && test_eq 2 "$(js "w[\"dirty\"]")" &&
	(cd "$W" && git checkout -q -- w1/a) && rm "$W/untracked"
'

test_expect_success 'a split index is not read: git asked every time' '
	warm && git -C "$W" update-index --split-index && st && st && asked 0 &&
	git -C "$W" update-index --no-split-index && warm
'

test_done

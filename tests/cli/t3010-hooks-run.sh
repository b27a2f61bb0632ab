#!/bin/sh
# bosun hooks run: commands, files, globs, skips, parallel, fail_fast,
# timeouts, stage_fixed, output and --json, config errors.
. "$(dirname "$0")/lib.sh"

# setup NAME YAML: a repository with bosun's shims and bosun.yml = YAML.
setup() {
	new_repo "$1" && commit "feat: init" && bosun hooks install >/dev/null 2>&1 &&
	printf "%s\n" "$2" >bosun.yml && git add bosun.yml && git commit -q --no-verify -m "chore: cfg"
}

test_expect_success 'no checks configured: hooks run prints nothing and exits 0' '
	new_repo none && bosun hooks run pre-commit >../out 2>&1 &&
	test_eq "" "$(cat ../out)"
'

test_expect_success 'a passing command: a line with its time and a summary; commit made' '
	setup ok "hooks:
  pre-commit:
    checks:
      - name: hello
        run: [sh, -c, \"echo hi >../hello.out\"]" &&
	echo a >a && git add a && git commit -q -m "feat: a" 2>../err &&
	test_grep "^  ok    hello  *[0-9][0-9]* ms" ../err &&
	test_grep "^bosun pre-commit: 0 failed, 1 passed ([0-9]* ms)$" ../err &&
	test_eq hi "$(cat ../hello.out)" && test_eq "feat: a" "$(git log -1 --format=%s)"
'

test_expect_success 'a failing command blocks the commit and shows its output' '
	setup bad "hooks:
  pre-commit:
    checks:
      - name: lint
        run: \"echo problem in \$0; exit 3\"" &&
	echo a >a && git add a && test_expect_code 1 git commit -q -m "feat: a" 2>../err &&
	test_grep "^  FAIL  lint" ../err && test_grep "^      problem in lint$" ../err &&
	test_grep "1 failed, 0 passed" ../err && test_grep "BOSUN_SKIP" ../err &&
	test_eq "chore: cfg" "$(git log -1 --format=%s)"
'

test_expect_success 'a string runs through sh -c, a list does not' '
	setup sh "hooks:
  pre-commit:
    checks:
      - name: str
        run: \"echo \$((1+2)) >../str.out\"
      - name: vec
        run: [echo, \"\$((1+2))\"]" &&
	bosun -v hooks run pre-commit 2>../err && test_eq 3 "$(cat ../str.out)" &&
	test_grep "^      \$((1+2))$" ../err
'

test_expect_success 'BOSUN_SKIP skips named checks; BOSUN_HOOKS=0 skips all' '
	cd bad && echo a >a && git add a &&
	BOSUN_SKIP=other,lint git commit -q -m "feat: skipped" 2>../err &&
	test_grep "^  skip  lint  *BOSUN_SKIP" ../err &&
	echo b >b && git add b && BOSUN_HOOKS=0 git commit -q -m "feat: off" 2>../err &&
	test_eq "" "$(cat ../err)" && test_eq "feat: off" "$(git log -1 --format=%s)"
'

test_expect_success 'git commit --no-verify does not run the hook at all' '
	cd bad && echo c >c && git add c && git commit -q --no-verify -m "feat: nv" 2>../err &&
	test_eq "" "$(cat ../err)"
'

test_expect_success 'pass_files appends the matching staged files; glob with ** and exclude' '
	setup files "" && cat >bosun.yml <<-\EOF &&
	hooks:
	  pre-commit:
	    checks:
	      - name: list
	        run: printf "%s\n" "$@" >>../files.out
	        glob: ["src/**/*.c", "*.md"]
	        exclude: src/gen/**
	        pass_files: true
	EOF
	mkdir -p src/a/b src/gen && echo x >src/a/b/x.c && echo y >src/y.c && echo g >src/gen/g.c &&
	echo r >README.md && echo d >docs.txt && echo z >src/z.h &&
	git add . && git commit -q -m "feat: files" 2>../err &&
	sort ../files.out >../sorted && printf "README.md\nsrc/a/b/x.c\nsrc/y.c\n" >../want &&
	test_cmp ../want ../sorted
'

test_expect_success 'a check whose glob matches no staged file is skipped' '
	cd files && rm -f ../files.out && echo t >>docs.txt && git add docs.txt &&
	git commit -q -m "feat: txt" 2>../err &&
	test_grep "^  skip  list  *no matching staged files" ../err && test ! -e ../files.out
'

test_expect_success 'deleted files are not passed' '
	cd files && git rm -q --cached src/y.c && rm src/y.c && echo w >>src/a/b/x.c && git add src &&
	git commit -q -m "feat: del" 2>/dev/null && test_eq "src/a/b/x.c" "$(cat ../files.out)"
'

test_expect_success 'pass_files splits a long list to fit the argument limit, each file once' '
	setup split "hooks:
  pre-commit:
    checks:
      - name: many
        run: \"echo run >>../runs.out; printf \\\"%s\\\\n\\\" \\\"\$@\\\" >>../split.out\"
        pass_files: true" &&
	i=0 && while [ $i -lt 40 ]; do echo $i >file-with-a-longish-name-$i.txt; i=$((i+1)); done &&
	git add . && BOSUN_HOOKS_ARG_MAX=400 git commit -q -m "feat: many" 2>/dev/null &&
	test "$(wc -l <../runs.out)" -gt 3 &&
	test_eq 40 "$(sort -u ../split.out | wc -l)" && test_eq 40 "$(wc -l <../split.out)"
'

test_expect_success 'consecutive checks run in parallel (each waits for the other)' '
	setup par "hooks:
  pre-commit:
    checks:
      - name: a
        run: \"touch ../a.ready; i=0; while [ ! -e ../b.ready ] && [ \$i -lt 100 ]; do sleep 0.05; i=\$((i+1)); done; test -e ../b.ready\"
      - name: b
        run: \"touch ../b.ready; i=0; while [ ! -e ../a.ready ] && [ \$i -lt 100 ]; do sleep 0.05; i=\$((i+1)); done; test -e ../a.ready\"" &&
	bosun hooks run pre-commit 2>../err && test_grep "ok    a .*(parallel)" ../err
'

test_expect_success 'hooks.parallel: false runs them one after the other' '
	cd par && rm -f ../a.ready ../b.ready &&
	printf "  parallel: false\n" >>bosun.yml &&
	test_expect_code 1 bosun hooks run pre-commit 2>../err && test_grep "FAIL  a" ../err
'

test_expect_success 'parallel: false on a check runs it alone' '
	setup alone "hooks:
  pre-commit:
    checks:
      - name: a
        run: \"i=0; while [ ! -e ../b2.ready ] && [ \$i -lt 20 ]; do sleep 0.05; i=\$((i+1)); done; test ! -e ../b2.ready && date +%s%N >../a2.end\"
        parallel: false
      - name: b
        run: \"date +%s%N >../b2.ready\"" &&
	bosun hooks run pre-commit 2>../err && test -e ../b2.ready &&
	test "$(cat ../b2.ready)" -gt "$(cat ../a2.end)"
'

test_expect_success 'fail_fast on a check skips the checks after it' '
	setup ff "hooks:
  pre-commit:
    checks:
      - name: first
        run: [\"false\"]
        fail_fast: true
        parallel: false
      - name: second
        run: [touch, ../second.ran]" &&
	test_expect_code 1 bosun hooks run pre-commit 2>../err &&
	test_grep "^  skip  second  *an earlier check failed" ../err && test ! -e ../second.ran
'

test_expect_success 'hooks.fail_fast applies to every check' '
	setup ffa "hooks:
  fail_fast: true
  pre-commit:
    checks:
      - {name: first, run: [\"false\"], parallel: false}
      - {name: second, run: [touch, ../second2.ran]}" &&
	test_expect_code 1 bosun hooks run pre-commit 2>../err && test ! -e ../second2.ran
'

test_expect_success 'without fail_fast the later checks still run' '
	setup noff "hooks:
  pre-commit:
    checks:
      - {name: first, run: [\"false\"], parallel: false}
      - {name: second, run: [touch, ../second3.ran]}" &&
	test_expect_code 1 bosun hooks run pre-commit 2>../err && test -e ../second3.ran
'

test_expect_success 'timeout stops a check and fails it' '
	setup to "hooks:
  pre-commit:
    checks:
      - name: slow
        run: [sleep, \"30\"]
        timeout: 300ms" &&
	test_expect_code 1 bosun hooks run pre-commit 2>../err &&
	test_grep "FAIL  slow .*timed out after 300 ms" ../err
'

test_expect_success 'a missing program fails its check with the reason' '
	setup miss "hooks:
  pre-commit:
    checks:
      - {name: nope, run: [no-such-program-here]}" &&
	test_expect_code 1 bosun hooks run pre-commit 2>../err &&
	test_grep "FAIL  nope" ../err && test_grep "no-such-program-here" ../err
'

test_expect_success 'env and BOSUN_HOOK reach the check' '
	setup env "hooks:
  pre-commit:
    checks:
      - name: e
        run: \"echo \$BOSUN_HOOK \$GREETING >../env.out\"
        env: {GREETING: hello}" &&
	bosun hooks run pre-commit 2>/dev/null && test_eq "pre-commit hello" "$(cat ../env.out)"
'

test_expect_success 'stage_fixed stages what the fixer changed' '
	setup fix "hooks:
  pre-commit:
    checks:
      - name: upper
        run: \"for f; do tr a-z A-Z <\\\"\$f\\\" >\\\"\$f.tmp\\\" && mv \\\"\$f.tmp\\\" \\\"\$f\\\"; done\"
        glob: \"*.txt\"
        pass_files: true
        stage_fixed: true" &&
	echo hello >h.txt && echo keep >k.md && git add h.txt k.md && git commit -q -m "feat: fix" 2>../err &&
	test_eq HELLO "$(git show HEAD:h.txt)" && test_eq keep "$(git show HEAD:k.md)" &&
	git diff --quiet && test_eq HELLO "$(cat h.txt)"
'

test_expect_success 'without stage_fixed a fixer'"'"'s change stays unstaged' '
	setup nofix "hooks:
  pre-commit:
    checks:
      - name: upper
        run: \"for f; do tr a-z A-Z <\\\"\$f\\\" >\\\"\$f.tmp\\\" && mv \\\"\$f.tmp\\\" \\\"\$f\\\"; done\"
        pass_files: true" &&
	echo hello >h.txt && git add h.txt && git commit -q -m "feat: nofix" 2>/dev/null &&
	test_eq hello "$(git show HEAD:h.txt)" && test_eq HELLO "$(cat h.txt)"
'

test_expect_success 'hooks run --json' '
	cd bad && echo j >j && git add j &&
	test_expect_code 1 bosun --json hooks run pre-commit >../out.json 2>../err &&
	python3 -c "
import json; d=json.load(open(\"../out.json\"))
assert d[\"hook\"]==\"pre-commit\" and d[\"ok\"] is False and d[\"failed\"]==1 and d[\"passed\"]==0, d
c=d[\"checks\"][0]
assert c[\"name\"]==\"lint\" and c[\"status\"]==\"fail\" and \"problem in lint\" in c[\"output\"] and c[\"ms\"]>=0, d
assert d[\"stashed\"] is False and d[\"notes\"]==[] and d[\"skipped\"]==0 and d[\"warned\"]==0, d
"
'

test_expect_success 'a bad check is a config error with its position, nothing run' '
	setup cfg "hooks:
  pre-commit:
    checks:
      - {name: x, run: [touch, ../ran], colour: red}" &&
	test_expect_code 65 bosun hooks run pre-commit 2>../err &&
	test_grep "bosun.yml:4:.*\[0\].colour: must not be here" ../err && test ! -e ../ran
'

test_expect_success 'config errors: run and builtin, unknown built-in, wrong hook, duplicate names' '
	new_repo ce &&
	printf "hooks:\n  pre-commit:\n    checks:\n      - {run: [a], builtin: secrets}\n" >bosun.yml &&
	test_expect_code 65 bosun hooks run pre-commit 2>../err && test_grep "not both" ../err &&
	printf "hooks:\n  pre-commit:\n    checks: [secret]\n" >bosun.yml &&
	test_expect_code 65 bosun hooks run pre-commit 2>../err && test_grep "not .secret." ../err &&
	printf "hooks:\n  pre-commit:\n    checks: [commit-lint]\n" >bosun.yml &&
	test_expect_code 65 bosun hooks run pre-commit 2>../err && test_grep "commit-msg only" ../err &&
	printf "hooks:\n  pre-push:\n    checks: [{run: [x], glob: a}]\n" >bosun.yml &&
	test_expect_code 65 bosun hooks run pre-push 2>../err </dev/null && test_grep "glob" ../err &&
	printf "hooks:\n  pre-commit:\n    checks: [{run: [x]}, {run: [x, y]}]\n" >bosun.yml &&
	test_expect_code 65 bosun hooks run pre-commit 2>../err && test_grep "must be unique" ../err &&
	printf "hooks:\n  pre-commit:\n    checks: [{run: [x], timeout: soon}]\n" >bosun.yml &&
	test_expect_code 65 bosun hooks run pre-commit 2>../err && test_grep "timeout: must be a duration" ../err &&
	printf "hooks:\n  pre-commit:\n    checks: [{name: \"a b\", run: [x]}]\n" >bosun.yml &&
	test_expect_code 65 bosun hooks run pre-commit 2>../err && test_grep "name: must be" ../err
'

test_expect_success 'usage errors' '
	cd ok && test_expect_code 64 bosun hooks run 2>../err && test_grep "which hook" ../err &&
	test_expect_code 64 bosun hooks list extra 2>/dev/null &&
	test_expect_code 64 bosun hooks instal 2>../err && test_grep "did you mean .install." ../err
'

test_expect_success 'hooks that bosun does not know run no checks' '
	cd ok && bosun hooks run update a b c 2>../err && test_eq "" "$(cat ../err)"
'

# gone PID: the process has ended (gone, or a zombie not yet reaped).
test_expect_success 'killed by a signal, bosun takes its running checks with it' '
	setup die "hooks:
  pre-commit:
    checks:
      - name: slow
        run: \"echo \$\$ >../slow.pid; exec sleep 30\"" &&
	rm -f ../slow.pid && echo a >a && git add a &&
	{ "$BOSUN" hooks run pre-commit >/dev/null 2>&1 & } && bpid=$! &&
	i=0 && while [ ! -s ../slow.pid ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done &&
	spid=$(cat ../slow.pid) && ! gone "$spid" &&
	kill -TERM "$bpid" && { wait "$bpid"; test $? -ne 0; } &&
	i=0 && while ! gone "$spid" && [ $i -lt 60 ]; do sleep 0.05; i=$((i + 1)); done &&
	gone "$spid"
'

test_expect_success 'a hook name git does not know is a usage error with a suggestion' '
	new_repo typo && test_expect_code 64 bosun hooks run pre-comit 2>../err &&
	test_grep "'"'pre-comit'"' is not a git hook (did you mean '"'pre-commit'"'?)" ../err &&
	test_expect_code 64 bosun hooks run zzz 2>../err &&
	test_grep "not a git hook; see githooks(5)" ../err &&
	bosun hooks run post-update >../out 2>../err
'

test_done

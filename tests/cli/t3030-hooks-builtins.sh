#!/bin/sh
# Built-in checks: commit-lint, conflict-markers, large-files, secrets,
# branch-name, behind; pre-push input; no deployment watcher unless
# deploy is configured.
. "$(dirname "$0")/lib.sh"

setup() {
	new_repo "$1" && commit "feat: init" && bosun hooks install >/dev/null 2>&1 &&
	cat >bosun.yml && git add bosun.yml && git commit -q --no-verify -m "chore: cfg"
}

test_expect_success 'commit-lint blocks a bad message and passes a good one' '
	setup cl <<-\EOF &&
	hooks:
	  commit-msg:
	    checks: [commit-lint]
	EOF
	echo a >a && git add a && test_expect_code 1 git commit -q -m "Added stuff." 2>../err &&
	test_grep "FAIL  commit-lint" ../err && test_grep "header-format" ../err &&
	git commit -q -m "feat: add stuff" 2>../err && test_grep "ok    commit-lint" ../err
'

test_expect_success 'commit-lint follows commit.types' '
	cd cl && printf "commit:\n  types: [feat, wip]\n" >>bosun.yml &&
	echo b >b && git add b && git commit -q -m "wip: later" 2>/dev/null
'

test_expect_success 'commit-lint without the message file fails clearly' '
	cd cl && test_expect_code 1 bosun hooks run commit-msg 2>../err && test_grep "no message file" ../err
'

test_expect_success 'conflict-markers blocks staged conflict markers, with file and line' '
	setup cm <<-\EOF &&
	hooks:
	  pre-commit:
	    checks: [conflict-markers]
	EOF
	printf "a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> other\n" >m.txt && git add m.txt &&
	test_expect_code 1 git commit -q -m "feat: m" 2>../err &&
	test_grep "m.txt:2: conflict marker .<<<<<<<." ../err && test_grep "m.txt:6: conflict marker .>>>>>>>." ../err
'

test_expect_success 'conflict-markers: markdown rules and unstaged markers are fine' '
	cd cm && printf "Title\n=======\n<<<<<<<<<< not a marker\n" >m.txt && git add m.txt &&
	printf "<<<<<<< HEAD\n" >>m.txt && git commit -q -m "feat: md" 2>../err &&
	test_grep "ok    conflict-markers" ../err
'

test_expect_success 'large-files blocks a staged file over max' '
	setup lf <<-\EOF &&
	hooks:
	  pre-commit:
	    checks: [{builtin: large-files, max: 1k}]
	EOF
	head -c 2048 /dev/zero >big.bin && echo small >s && git add big.bin s &&
	test_expect_code 1 git commit -q -m "feat: big" 2>../err &&
	test_grep "big.bin: 2.0 KiB (the limit is 1.0 KiB)" ../err && test_no_grep "^      s:" ../err &&
	git reset -q big.bin && git commit -q -m "feat: small" 2>/dev/null
'

test_expect_success 'large-files with its default limit (512 KiB) and exclude' '
	setup lf2 <<-\EOF &&
	hooks:
	  pre-commit:
	    checks: [{builtin: large-files, exclude: "*.lock"}]
	EOF
	head -c 600000 /dev/zero >a.lock && head -c 1000 /dev/zero >b && git add a.lock b &&
	git commit -q -m "feat: ok" 2>/dev/null && head -c 600000 /dev/zero >c && git add c &&
	test_expect_code 1 git commit -q -m "feat: c" 2>/dev/null
'

if bosun scan secrets -h >/dev/null 2>&1; then have_scan=1; else have_scan=0; fi

if [ $have_scan = 0 ]; then
test_expect_success 'secrets: without bosun scan, a clear "scanner unavailable" failure' '
	setup sec <<-\EOF &&
	hooks:
	  pre-commit:
	    checks: [secrets]
	EOF
	echo a >a && git add a && test_expect_code 1 git commit -q -m "feat: a" 2>../err &&
	test_grep "FAIL  secrets .*scanner unavailable" ../err
'
else
test_skip 'secrets: without bosun scan, a clear "scanner unavailable" failure' 'this bosun has scan'
test_expect_success 'secrets: runs bosun scan secrets --staged; a clean commit passes' '
	setup sec <<-\EOF &&
	hooks:
	  pre-commit:
	    checks: [secrets]
	EOF
	echo "hello world" >a && git add a && git commit -q -m "feat: a" 2>../err &&
	test_grep "ok    secrets" ../err
'

# The key is assembled at run time so that this file holds no secret.
leak() {
	printf "aws_key = \"%s%s\"\n" AKIA Z3MNQ7PRX4BV6TEW
}

test_expect_success 'secrets in this process reports what bosun scan secrets --staged does' '
	cd sec && leak >leak.txt && echo "fine" >b && git add leak.txt b &&
	test_expect_code 1 git commit -q -m "feat: leak" 2>../err &&
	test_grep "FAIL  secrets" ../err &&
	test_grep "leak.txt:1:12: aws-access-key-id: AWS access key ID" ../err &&
	test_grep "secret AKIA\*\*\*\*  fingerprint [0-9a-f]\{16\}" ../err &&
	test_grep "1 secret found in 2 files" ../err &&
	test_expect_code 1 bosun scan secrets --staged >../scan.out 2>../scan.err &&
	sed -n "s/^      //p" ../err | grep -v "^bosun pre-commit" >../hook.text &&
	cat ../scan.out ../scan.err >../scan.text && test_cmp ../scan.text ../hook.text
'

test_expect_success 'secrets with a timeout runs as a child, with the same result' '
	cd sec && cat >bosun.yml <<-\EOF &&
	hooks:
	  pre-commit:
	    checks: [{builtin: secrets, timeout: 30s}]
	EOF
	test_expect_code 1 git commit -q -m "feat: leak" 2>../err2 &&
	sed -n "s/^      //p" ../err2 | grep -v "^bosun pre-commit" | sort >../child.text &&
	sort ../scan.text >../scan.sorted && test_cmp ../scan.sorted ../child.text
'

test_expect_success 'secrets finds a staged blob that is packed, not loose' '
	cd sec && git checkout -q bosun.yml && git repack -q -a -d &&
	oid=$(git rev-parse :leak.txt) &&
	test ! -f .git/objects/$(echo $oid | cut -c1-2)/$(echo $oid | cut -c3-) &&
	test_expect_code 1 git commit -q -m "feat: leak" 2>../err &&
	test_grep "leak.txt:1:12: aws-access-key-id" ../err
'

test_expect_success 'secrets reports a scanner error (a bad rule file) as a failure' '
	cd sec && git reset -q && rm leak.txt && git add b &&
	printf "scan:\n  rules: [missing-rules.yml]\nhooks:\n  pre-commit:\n    checks: [secrets]\n" >bosun.yml &&
	test_expect_code 1 git commit -q -m "feat: b" 2>../err &&
	test_grep "FAIL  secrets .*scanner error" ../err &&
	test_grep "rule file .missing-rules.yml. not found" ../err
'
fi

# push_setup NAME: a clone of a bare remote with main pushed.
push_setup() {
	cd "$TRASH" && rm -rf "$1" "$1.git" && git init -q --bare "$1.git" &&
	new_repo "$1" && git remote add origin "$TRASH/$1.git" && commit "feat: init" &&
	git push -q -u origin main 2>/dev/null && bosun hooks install >/dev/null 2>&1 &&
	cat >bosun.yml && git add bosun.yml && git commit -q --no-verify -m "chore: cfg" &&
	git push -q --no-verify origin main
}

test_expect_success 'branch-name blocks a pushed branch that does not match' '
	push_setup bn <<-\EOF &&
	hooks:
	  pre-push:
	    checks: [{builtin: branch-name, pattern: "^(main|(feat|fix)/[a-z0-9-]+)$"}]
	EOF
	git checkout -q -b Bad_Name && test_expect_code 1 git push -q origin Bad_Name 2>../err &&
	test_grep "branch .Bad_Name. does not match" ../err &&
	test_expect_code 1 git -C ../bn.git rev-parse -q --verify refs/heads/Bad_Name &&
	git checkout -q -b feat/good && git push -q origin feat/good 2>../err &&
	test_grep "ok    branch-name" ../err
'

test_expect_success 'branch-name checks the remote name of a refspec, and not deletions' '
	cd bn && test_expect_code 1 git push -q origin feat/good:Also_Bad 2>../err &&
	git push -q origin :feat/good 2>/dev/null
'

test_expect_success 'behind warns, and does not block, when the branch is behind its upstream' '
	push_setup be <<-\EOF &&
	hooks:
	  pre-push:
	    checks: [behind]
	EOF
	git clone -q ../be.git ../be2 && (cd ../be2 && commit "feat: other" && git push -q --no-verify origin main) &&
	git fetch -q origin &&
	printf "refs/heads/main %s refs/heads/main %s\n" "$(git rev-parse HEAD)" "$(git rev-parse origin/main)" |
	bosun hooks run pre-push origin "$TRASH/be.git" 2>../err &&
	test_grep "warn  behind" ../err && test_grep "1 commit(s) behind .origin/main." ../err
'

test_expect_success 'behind with fetch: sees the remote without a prior fetch' '
	cd be && git reset -q --hard HEAD && (cd ../be2 && commit "feat: more" && git push -q --no-verify origin main) &&
	printf "hooks:\n  pre-push:\n    checks: [{builtin: behind, fetch: true, fetch_timeout: 10s}]\n" >bosun.yml &&
	printf "refs/heads/main %s refs/heads/main %s\n" "$(git rev-parse HEAD)" "$(git rev-parse HEAD)" |
	bosun hooks run pre-push origin "$TRASH/be.git" 2>../err &&
	test_grep "2 commit(s) behind" ../err
'

test_expect_success 'behind: up to date is ok; no upstream is ok' '
	cd be && git pull -q --no-rebase origin main 2>/dev/null &&
	printf "refs/heads/main %s refs/heads/main %s\n" "$(git rev-parse HEAD)" "$(git rev-parse HEAD)" |
	bosun hooks run pre-push origin x 2>../err && test_grep "ok    behind" ../err &&
	git checkout -q -b lonely &&
	printf "refs/heads/lonely %s refs/heads/lonely %s\n" "$(git rev-parse HEAD)" 0000000000000000000000000000000000000000 |
	bosun hooks run pre-push origin x 2>../err && test_grep "ok    behind" ../err
'

test_expect_success 'malformed pre-push input is an error (65)' '
	cd be && echo "refs/heads/main nothex refs/heads/main abc" |
	test_expect_code 65 bosun hooks run pre-push origin x 2>../err &&
	test_grep "pre-push input line 1" ../err
'

test_expect_success 'deploy not configured: a push starts nothing and says nothing extra' '
	cd be && git checkout -q main && git reset -q --hard origin/main && commit "feat: deployable" &&
	git push -q origin main 2>../err && test_no_grep "deploy" ../err && test_no_grep "warning" ../err &&
	test_eq "$(git rev-parse HEAD)" "$(git -C ../be.git rev-parse main)"
'

test_expect_success 'pre-push with no checks and nothing kept: silent, stdin consumed' '
	new_repo pp && printf "refs/heads/main %s refs/heads/main %s\n" \
		1111111111111111111111111111111111111111 0000000000000000000000000000000000000000 |
	bosun hooks run pre-push origin x >../out 2>&1 && test_eq "" "$(cat ../out)"
'

test_done

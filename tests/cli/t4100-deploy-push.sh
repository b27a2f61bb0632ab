#!/bin/sh
# End to end: a push through bosun's pre-push hook starts the deployment
# watcher (git has no post-push hook), which waits for the remote branch to
# reach the commit, then watches until a verdict that any worktree can read.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed for the test server"
SERVER="$BOSUN_TOP/tests/cli/deploy-server.py"
trap '[ -f "$TRASH/server.pid" ] && kill $(cat "$TRASH/server.pid") 2>/dev/null; cd /; rm -rf "$TRASH"' EXIT

test_expect_success 'setup: a project with hooks, a remote and a deploy probe' '
	git init -q --bare remote.git && new_repo app && git remote add origin ../remote.git &&
	commit "feat: one" && git push -q origin main &&
	echo "{\"/health\": [{\"json\": {\"status\": \"building\"}}, {\"json\": {\"status\": \"ok\"}}]}" >../answers.json &&
	: >../req && (python3 "$SERVER" ../answers.json ../port ../req & echo $! >../server.pid) &&
	n=0 && while [ ! -s ../port ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done &&
	cat >bosun.yml <<-YML &&
	deploy:
	  time_scale: 100
	  probes:
	    - name: health
	      url: http://127.0.0.1:$(cat ../port)/health
	      pointer: /status
	      expect: ok
	YML
	git add bosun.yml && git commit -q -m "chore: deploy probe" &&
	bosun hooks install >/dev/null
'

test_expect_success 'a push starts a watcher that reports success' '
	cd app && git push -q origin main 2>../push.err &&
	C=$(git rev-parse HEAD) &&
	{
		timeout 60 "$BOSUN" deploy status --wait "$C" >../out 2>&1 ||
		{ cat ../out ../push.err; ls -la .git/bosun/deploy/ 2>&1; cat .git/bosun/deploy/*/watch.log 2>&1; false; }
	} &&
	test_grep "success" ../out
'

test_expect_success 'the status is readable from another worktree' '
	cd app && git worktree add -q ../app-wt && cd ../app-wt &&
	bosun --json deploy status "$(git -C ../app rev-parse HEAD)" >../out &&
	test_grep "\"verdict\": \"success\"" ../out
'

test_expect_success 'a push to a branch that is not deployed starts nothing' '
	cd app && git checkout -q -b topic && commit "fix: topic" &&
	git push -q origin topic 2>/dev/null &&
	test_expect_code 3 bosun deploy status "$(git rev-parse HEAD)" >/dev/null 2>&1
'

test_expect_success 'a staged secret blocks the commit through the pre-commit hook' '
	cd app && git checkout -q main &&
	printf "hooks:\n  pre-commit:\n    checks:\n      - builtin: secrets\n" >>bosun.yml &&
	git add bosun.yml && git commit -q -m "chore: secrets check" &&
	printf "token = \"ghp_%s\"\n" "Zx8Qk2Lm9Vb4Nc7Wd1Rt6Yp3Hs5Jf0GaEu2" >leak.txt && git add leak.txt &&
	test_expect_code 1 git commit -q -m "feat: leak" >../err 2>&1 &&
	test_grep "leak.txt:1:" ../err &&
	git rm -q --cached leak.txt && rm leak.txt
'

test_expect_success 'a rejected push: status says the push failed at once, not in progress' '
	cd app && git checkout -q main &&
	printf "#!/bin/sh\necho no pushes today >&2\nexit 1\n" >../remote.git/hooks/pre-receive &&
	chmod +x ../remote.git/hooks/pre-receive &&
	commit "feat: two" && C=$(git rev-parse HEAD) &&
	test_expect_code 1 env BOSUN_DEPLOY_AWAIT=1h git push -q origin main 2>../push.err &&
	test_grep "no pushes today" ../push.err &&
	test_expect_code 1 bosun deploy status --wait --timeout 20s "$C" >../out 2>../err &&
	test_grep "^canceled $(echo $C | cut -c1-12): the push failed: git push ended and origin/main is not at" ../out &&
	test_no_grep "gave up waiting" ../err &&
	rm ../remote.git/hooks/pre-receive
'

test_expect_success 'a watcher given a push that went through watches the deployment' '
	cd app && printf "#!/bin/sh\nsleep 1\n" >../remote.git/hooks/pre-receive &&
	chmod +x ../remote.git/hooks/pre-receive &&
	BOSUN_DEPLOY_AWAIT=1h git push -q origin main 2>../push.err &&
	C=$(git rev-parse HEAD) &&
	timeout 60 "$BOSUN" deploy status --wait "$C" >../out 2>&1 &&
	test_grep "^success" ../out && rm ../remote.git/hooks/pre-receive
'

test_done

#!/bin/sh
# bosun sync: push the current branch; on a non-fast-forward fetch, rebase
# and push again; each failure class has its own exit code; every push is
# recorded in the store.
. "$(dirname "$0")/lib.sh"

SERVER="$BOSUN_TOP/tests/cli/deploy-server.py"
trap 'for p in "$TRASH"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done; cd /; rm -rf "$TRASH"' EXIT
export BOSUN_SYNC_BACKOFF=10ms BOSUN_SYNC_BACKOFF_MAX=40ms

# work_state: what a failed sync must leave as it was: HEAD, the index,
# the work tree (tracked and untracked), the stash list.
work_state() {
	{ git rev-parse HEAD; git symbolic-ref HEAD; git ls-files -s; git diff;
	  git status --porcelain --untracked-files=all; git stash list --format=%H;
	  find . -path ./.git -prune -o -type f -print | sort | xargs cat; } | sha256sum
}

# gone PIDFILE: wait (bounded) until the process has ended.
gone() {
	_n=0
	while kill -0 "$(cat "$1")" 2>/dev/null && [ $_n -lt 600 ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
	! kill -0 "$(cat "$1")" 2>/dev/null && rm "$1"
}

# receiving DIR: wait (bounded) until DIR's pre-receive hook runs.
receiving() {
	_n=0
	while ! ls "$1/objects" | grep -q incoming && [ $_n -lt 1200 ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
	ls "$1/objects" | grep -q incoming
}

# clone NAME: a clone of remote.git, with one commit of its own to push.
clone() {
	cd "$TRASH" && rm -rf "$1" && git clone -q remote.git "$1" 2>/dev/null && cd "$1"
}

test_expect_success 'help and usage' '
	bosun sync -h >out && test_grep "bosun sync \[REMOTE\]" out &&
	test_grep "4 conflict" out &&
	bosun help sync >out2 && test_cmp out out2 &&
	new_repo r0 && commit one &&
	test_expect_code 64 bosun sync a b 2>err && test_grep "unexpected argument" err
'

test_expect_success 'setup: a bare remote with one commit' '
	git init -q --bare remote.git && new_repo seed && commit "feat: one" &&
	git push -q ../remote.git main
'

test_expect_success 'a new branch is pushed, then nothing is left to push' '
	clone a && git checkout -q -b topic && commit "feat: topic" &&
	bosun --json sync >out &&
	test_grep "\"outcome\": \"pushed\"" out &&
	test_grep "\"from\": null" out &&
	test_grep "\"to\": \"$(git rev-parse HEAD)\"" out &&
	test_eq "$(git rev-parse HEAD)" "$(git -C ../remote.git rev-parse topic)" &&
	bosun sync >out && test_grep "origin/topic is up to date" out &&
	bosun --json sync >out && test_grep "\"outcome\": \"up-to-date\"" out &&
	test_grep "\"push_id\": null" out
'

test_expect_success 'a fast-forward push records its range' '
	cd a && git checkout -q main && commit "feat: two" && old=$(git rev-parse origin/main) &&
	bosun --json sync >out && test_grep "\"from\": \"$old\"" out &&
	test_grep "\"attempts\": 1" out &&
	test_eq "$(git rev-parse HEAD)" "$(git -C ../remote.git rev-parse main)"
'

test_expect_success 'command -v sqlite3' 'the store has every push: range, attempts, outcome, duration' '
	cd a && sqlite3 "$(git rev-parse --git-common-dir)/bosun/state.db" \
		"SELECT branch, remote, range_from IS NOT NULL, commit_id, attempts, state, duration_ms >= 0 FROM push_queue ORDER BY id" >out &&
	printf "topic|origin|0|%s|1|pushed|1\nmain|origin|1|%s|1|pushed|1\n" \
		"$(git rev-parse origin/topic)" "$(git rev-parse HEAD)" >want &&
	test_cmp want out
'

test_expect_success 'the remote moved: fetch, rebase, push again, uncommitted work kept' '
	clone b && commit "feat: from b" b.txt && git push -q origin main &&
	cd ../a && commit "feat: from a" a.txt &&
	echo staged >>file.txt && git add file.txt && echo unstaged >>file.txt &&
	echo untracked >new.txt &&
	git diff >../before.diff && git diff --cached >../before.cached &&
	bosun --json sync >../out 2>../err &&
	test_grep "\"outcome\": \"pushed\"" ../out && test_grep "\"attempts\": 2" ../out &&
	test_grep "rebasing, push 2 of 5" ../err &&
	git diff >../after.diff && git diff --cached >../after.cached &&
	test_cmp ../before.diff ../after.diff && test_cmp ../before.cached ../after.cached &&
	test_eq untracked "$(cat new.txt)" && test_eq "" "$(git stash list)" &&
	test_eq "$(git rev-parse HEAD)" "$(git -C ../remote.git rev-parse main)" &&
	git -C ../remote.git log --format=%s main >../log &&
	test_grep "feat: from b" ../log && test_grep "feat: from a" ../log &&
	test ! -e .git/bosun-sync &&
	git checkout -q -- file.txt && rm new.txt
'

test_expect_success 'a real conflict: exit 4, the rebase aborted, everything as it was' '
	clone b && echo "theirs" >shared.txt && git add shared.txt && git commit -q -m "b" &&
	git push -q origin main &&
	cd ../a && echo "ours" >shared.txt && git add shared.txt && git commit -q -m "a" &&
	echo "wip" >>file.txt && git add file.txt && echo "more wip" >>file.txt &&
	echo junk >untracked.txt &&
	before=$(work_state) &&
	test_expect_code 4 bosun sync 2>../err &&
	test_grep "conflict" ../err && test_grep "shared.txt" ../err &&
	test_eq "$before" "$(work_state)" &&
	test ! -d .git/rebase-merge && test ! -e .git/bosun-sync &&
	test_expect_code 4 bosun --json sync >../out 2>/dev/null &&
	test_grep "\"outcome\": \"conflict\"" ../out &&
	test_grep "\"exit\": 4" ../out && test_grep "\"shared.txt\"" ../out
'

test_expect_success 'still behind after sync.attempts pushes: exit 1' '
	cd a && git reset -q --hard origin/main~1 && git clean -qfd &&
	git checkout -q -- . && commit "feat: late" late.txt &&
	BOSUN_SYNC_ATTEMPTS=1 test_expect_code 1 bosun --json sync >../out 2>../err &&
	test_grep "\"outcome\": \"behind\"" ../out &&
	test_grep "non-fast-forward" ../err
'

test_expect_success 'a pre-receive hook refuses: exit 1 with the remote hook'"'"'s words' '
	git init -q --bare hooked.git &&
	printf "#!/bin/sh\necho \"policy: no pushes today\" >&2\nexit 1\n" >hooked.git/hooks/pre-receive &&
	chmod +x hooked.git/hooks/pre-receive &&
	cd a && git remote add hooked ../hooked.git &&
	before=$(work_state) &&
	test_expect_code 1 bosun --json sync hooked >../out 2>../err &&
	test_grep "\"outcome\": \"rejected\"" ../out &&
	test_grep "pre-receive hook declined" ../err &&
	test_grep "policy: no pushes today" ../err &&
	test_eq "$before" "$(work_state)"
'

test_expect_success 'an unreachable remote: exit 69' '
	cd a && git remote add gone http://127.0.0.1:9/nothing.git &&
	test_expect_code 69 bosun --json sync gone >../out 2>../err &&
	test_grep "\"outcome\": \"network\"" ../out && test_grep "cannot reach" ../err &&
	git remote add nowhere ../no-such-dir.git &&
	test_expect_code 69 bosun sync nowhere 2>../err
'

test_expect_success 'command -v python3' 'a remote that wants credentials: exit 77, no prompt' '
	echo "{\"/r.git/info/refs\": [{\"status\": 401, \"headers\": {\"WWW-Authenticate\": \"Basic realm=git\"}, \"body\": \"\"}]}" >answers.json &&
	: >req && (python3 "$SERVER" answers.json port req & echo $! >server.pid) &&
	n=0 && while [ ! -s port ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done &&
	cd a && git remote add private "http://127.0.0.1:$(cat ../port)/r.git" &&
	test_expect_code 77 bosun --json sync private >../out 2>../err </dev/null &&
	test_grep "\"outcome\": \"auth\"" ../out &&
	test_grep "authentication refused" ../err &&
	test_grep "info/refs" ../req
'

test_expect_success 'a detached HEAD is a usage error' '
	clone c && git checkout -q --detach &&
	test_expect_code 64 bosun sync 2>err && test_grep "not on a branch" err
'

test_expect_success 'syncs of one repository wait their turn; the queue times out' '
	git init -q --bare slow.git &&
	printf "#!/bin/sh\nn=0\nwhile [ ! -e \"%s/go\" ] && [ \$n -lt 600 ]; do sleep 0.05; n=\$((n+1)); done\n" "$TRASH" \
		>slow.git/hooks/pre-receive && chmod +x slow.git/hooks/pre-receive &&
	clone q1 && git remote add slow ../slow.git && commit "feat: q1" q1.txt &&
	git worktree add -q -b q2 ../q2 &&
	("$BOSUN" sync slow >../q1.out 2>&1 & echo $! >../q1.pid) &&
	receiving ../slow.git &&
	cd ../q2 && commit "feat: q2" q2.txt &&
	BOSUN_SYNC_WAIT=1s test_expect_code 75 bosun sync slow 2>../q2.err &&
	test_grep "push queue did not move" ../q2.err &&
	("$BOSUN" sync slow >../q2.out 2>../q2.err & echo $! >../q2.pid) &&
	n=0 && while ! grep -q "waiting for another bosun sync" ../q2.err && [ $n -lt 1200 ]; do sleep 0.05; n=$((n + 1)); done &&
	{ test_grep "waiting for another bosun sync" ../q2.err || {
		cat ../q1.out ../q2.out; ps -ef | grep -v grep | grep "bosun\|git"
		# where the second sync is, when it took this long
		q2=$(cat ../q2.pid) && echo "q2 $q2: $(cat /proc/$q2/wchan) $(cat /proc/$q2/syscall)" &&
		cat /proc/$q2/stack; ls -la ../q2.err; false; }; } &&
	: >../go && gone ../q1.pid && gone ../q2.pid &&
	test_eq "$(git rev-parse q2)" "$(git -C ../slow.git rev-parse q2)" &&
	test_eq "$(git -C ../q1 rev-parse main)" "$(git -C ../slow.git rev-parse main)"
'

test_expect_success 'the claim of a killed sync is taken over at once' '
	rm -f go && cd q1 && commit "feat: q1 again" q1.txt &&
	("$BOSUN" sync slow >../k.out 2>&1 & echo $! >../k.pid) &&
	receiving ../slow.git &&
	kill -9 "$(cat ../k.pid)" && gone ../k.pid && : >../go &&
	cd ../q2 && commit "feat: q2 again" q2.txt &&
	BOSUN_SYNC_WAIT=2s bosun sync slow 2>../err &&
	test_grep "took over the push queue" ../err
'

test_expect_success 'a push to a watched branch starts the deployment watcher' '
	clone w && cat >bosun.yml <<-\YML &&
	deploy:
	  time_scale: 100
	  probes:
	    - name: ok
	      run: [sh, -c, "exit 0"]
	YML
	git add bosun.yml && git commit -q -m "chore: deploy" &&
	bosun sync >../out 2>../err &&
	{ timeout 60 "$BOSUN" deploy status --wait HEAD >../st 2>&1 || { cat ../st ../err; false; }; } &&
	test_grep success ../st &&
	git checkout -q -b unwatched && commit "feat: not watched" u.txt &&
	bosun sync >../out 2>../err &&
	test_expect_code 3 bosun deploy status HEAD >/dev/null 2>&1
'

test_done

#!/bin/sh
# Checks see the staged content; unstaged changes are never lost: not on a
# failing check, not on SIGINT or SIGTERM, not on kill -9 (recovery).
. "$(dirname "$0")/lib.sh"

# setup NAME: a repository whose pre-commit check copies f to ../NAME.seen,
# records bosun's pid and its own, and then runs $CHECK_TAIL (exit 0 by
# default), reading it from ../NAME.tail.
setup() {
	new_repo "$1" && printf "one\ntwo\nthree\n" >f && printf "keep\n" >g &&
	git add f g && git commit -q -m "feat: init" && bosun hooks install >/dev/null 2>&1 &&
	cat >bosun.yml <<-EOF &&
	hooks:
	  pre-commit:
	    checks:
	      - name: look
	        run: cp f ../$1.seen; echo \$PPID >../$1.bpid; echo \$\$ >../$1.cpid; . ../$1.tail
	EOF
	echo "exit 0" >../$1.tail && git add bosun.yml && git commit -q --no-verify -m "chore: cfg"
}

# partial: stage one change to f, then make an unstaged one (and chmod +x);
# ../want is the digest of the work tree that must survive.
partial() {
	printf "one\nTWO\nthree\n" >f && git add f &&
	printf "one\nTWO\nthree\nunstaged four\n" >f && chmod +x f &&
	echo "untracked" >u && digest >../want
}

digest() { { sha256sum f g u 2>/dev/null; stat -c "%n %a" f g; git diff --cached; } | sha256sum; }

test_expect_success 'the check sees the staged content; the unstaged changes come back exactly' '
	setup p && partial &&
	git commit -q -m "feat: partial" 2>../err &&
	printf "one\nTWO\nthree\n" >../want.seen && test_cmp ../want.seen ../p.seen &&
	test_eq "$(printf "one\nTWO\nthree")" "$(git show HEAD:f)" &&
	test_eq "one TWO three unstaged four" "$(echo $(cat f))" && test_eq 755 "$(stat -c %a f)" &&
	test_eq untracked "$(cat u)" && git diff --cached --quiet
'

test_expect_success 'nothing is left in the stash folder' '
	cd p && test ! -e .git/bosun/hooks/stash/main
'

test_expect_success 'a failing check: nothing committed, the work tree exactly as before' '
	setup fl && echo "exit 1" >../fl.tail && partial &&
	test_expect_code 1 git commit -q -m "feat: partial" 2>../err &&
	test_eq "$(cat ../want)" "$(digest)" && test_eq "chore: cfg" "$(git log -1 --format=%s)" &&
	test ! -e .git/bosun/hooks/stash/main/manifest.json
'

test_expect_success 'a file deleted in the work tree but staged is checked, then deleted again' '
	setup del && printf "changed\n" >g && git add g && rm g && printf "x\n" >f &&
	cat >../del.tail <<-\EOF &&
	cp g ../del.g.seen
	EOF
	git commit -q -m "feat: g" 2>../err && test_eq changed "$(cat ../del.g.seen)" &&
	test ! -e g && test_eq x "$(cat f)"
'

test_expect_success 'checks that need no work tree do not stash (no git diff at all)' '
	new_repo ns && printf "x\n" >f && git add f && git commit -q -m "feat: i" &&
	printf "hooks:\n  pre-commit:\n    checks: [secrets]\n" >bosun.yml &&
	printf "y\n" >f && bosun --json hooks run pre-commit >../ns.json 2>/dev/null &&
	python3 -c "import json; assert json.load(open(\"../ns.json\"))[\"stashed\"] is False"
'

# interrupt NAME SIGNAL: start a commit whose check hangs, send SIGNAL to
# the hook (bosun) while the unstaged changes are set aside, wait.
interrupt() {
	echo "exec sleep 30" >../$1.tail || return 1
	{ git commit -q -m "feat: partial" >../$1.out 2>&1; echo $? >../$1.rc; } &
	wait_for 10 test -s ../$1.cpid && wait_for 10 test -s ../$1.bpid &&
	test_eq "$(printf "one\nTWO\nthree\n")" "$(cat f)" &&
	kill -s "$2" "$(cat ../$1.bpid)" && wait || return 1
	# The check's shell may have gone with the hook; then there is none.
	kill "$(cat ../$1.cpid)" 2>/dev/null
	return 0
}

test_expect_success 'SIGINT to the hook (Ctrl-C): the changes are put back before it dies' '
	setup int && partial && interrupt int INT &&
	test_eq 1 "$(cat ../int.rc)" && test_eq "$(cat ../want)" "$(digest)" &&
	test ! -e .git/bosun/hooks/stash/main/manifest.json
'

test_expect_success 'SIGTERM to the hook: the same' '
	setup term && partial && interrupt term TERM &&
	test_eq "$(cat ../want)" "$(digest)" && test ! -e .git/bosun/hooks/stash/main
'

test_expect_success 'SIGHUP to the hook: the same' '
	setup hup && partial && interrupt hup HUP && test_eq "$(cat ../want)" "$(digest)"
'

test_expect_success 'kill -9 of the hook: the changes are kept aside, bosun hooks recover puts them back' '
	setup k9 && partial && interrupt k9 KILL &&
	test_eq "$(printf "one\nTWO\nthree\n")" "$(cat f)" &&
	test -f .git/bosun/hooks/stash/main/manifest.json &&
	bosun hooks recover >../out && test_grep "put back 1 file" ../out &&
	test_eq "$(cat ../want)" "$(digest)" && test ! -e .git/bosun/hooks/stash/main &&
	bosun hooks recover >../out && test_grep "nothing to recover" ../out
'

test_expect_success 'kill -9, then the next hook run puts them back by itself' '
	setup k9b && partial && interrupt k9b KILL &&
	echo "exit 0" >../k9b.tail && test_expect_code 0 bosun hooks run pre-commit 2>../err &&
	test_grep "put back 1 file(s) a killed hook had set aside" ../err &&
	test_eq "$(cat ../want)" "$(digest)"
'

test_expect_success 'kill -9, then a file edited since: not overwritten, the saved copy goes beside it' '
	setup k9c && partial && interrupt k9c KILL &&
	echo "edited after" >f &&
	bosun --json hooks recover >../out.json &&
	test_eq "edited after" "$(cat f)" &&
	test_eq "one TWO three unstaged four" "$(echo $(cat f.bosun-unstaged))" &&
	python3 -c "
import json; d=json.load(open(\"../out.json\"))
assert d==dict(found=True, restored=0, beside=[\"f.bosun-unstaged\"]), d
"
'

test_expect_success 'recover while the hook is still running: busy (75), nothing touched' '
	setup busy && partial && echo "exec sleep 30" >../busy.tail &&
	{ { git commit -q -m "feat: partial" >/dev/null 2>&1; echo $? >../busy.rc; } & } &&
	wait_for 10 test -s ../busy.cpid && wait_for 10 test -s ../busy.bpid &&
	{
		test_expect_code 75 bosun hooks recover 2>../err
		rc=$?
		kill -s INT "$(cat ../busy.bpid)" && wait
		kill "$(cat ../busy.cpid)" 2>/dev/null
		test $rc = 0
	} && test_grep "is running in this worktree" ../err &&
	test_eq "$(cat ../want)" "$(digest)"
'

# owner NAME PID START: make the manifest name another owner.
owner() {
	python3 -c "
import json, sys; p = sys.argv[1]; m = json.load(open(p))
m[\"pid\"] = int(sys.argv[2]); m[\"start\"] = int(sys.argv[3]); json.dump(m, open(p, \"w\"))
" .git/bosun/hooks/stash/main/manifest.json "$2" "$3"
}

test_expect_success 'a manifest whose owner has ended but is not reaped (a zombie) is recovered' '
	setup zb && partial && interrupt zb KILL &&
	make_zombie ../z && z=$(cat ../z.pid) && owner zb $z "$(cut -d" " -f22 /proc/$z/stat)" &&
	{
		bosun hooks recover >../out 2>../err
		rc=$?
		kill "$(cat ../z.parent)" && wait "$(cat ../z.parent)" 2>/dev/null
		test_eq 0 $rc
	} && test_grep "put back 1 file" ../out && test_eq "$(cat ../want)" "$(digest)"
'

test_expect_success 'a manifest whose owner start time was unreadable (-1) and is gone is recovered' '
	setup un && partial && interrupt un KILL &&
	{ sh -c "exit 0" & } && dead=$! && wait $dead && owner un $dead -1 &&
	bosun hooks recover >../out && test_grep "put back 1 file" ../out &&
	test_eq "$(cat ../want)" "$(digest)"
'

test_expect_success 'with SIGPIPE ignored, a SIGPIPE does not put the changes back under the checks' '
	setup sp && partial &&
	echo "kill -s PIPE \$PPID; sleep 0.3; cp f ../sp.after" >../sp.tail &&
	(trap "" PIPE; bosun hooks run pre-commit >../out 2>&1) &&
	test_eq "$(printf "one\nTWO\nthree")" "$(cat ../sp.after)" &&
	test_eq "$(cat ../want)" "$(digest)"
'

test_expect_success 'bosun killed with -9 while holding a lock: the next run takes the lock over and says so' '
	setup kl && partial && interrupt kl KILL && real_git=$(command -v git) &&
	mkdir -p ../slowgit && cat >../slowgit/git <<-EOF &&
	#!/bin/sh
	if [ "\$1" = hash-object ]; then echo \$\$ >../kl.slow; exec sleep 30; fi
	exec "$real_git" "\$@"
	EOF
	chmod +x ../slowgit/git && rm -f ../kl.slow &&
	{ PATH="$PWD/../slowgit:$PATH" "$BOSUN" hooks recover >/dev/null 2>&1 & } && held=$! &&
	wait_for 10 test -s ../kl.slow && test -f .git/bosun/hooks/stash/main/manifest.json.lock &&
	kill -9 $held && kill "$(cat ../kl.slow)" &&
	{ wait $held 2>/dev/null; test $? -eq 137; } &&
	test -f .git/bosun/hooks/stash/main/manifest.json.lock &&
	bosun hooks recover >../out 2>../err &&
	test_grep "took over .*manifest.json.lock.*pid $held" ../err &&
	test_grep "put back 1 file" ../out && test_eq "$(cat ../want)" "$(digest)" &&
	test ! -e .git/bosun/hooks/stash/main
'

test_expect_success 'a stash folder without a manifest (a crash before it was written) is cleaned' '
	cd p && mkdir -p .git/bosun/hooks/stash/main/files && echo junk >.git/bosun/hooks/stash/main/files/0 &&
	bosun hooks recover >../out && test_grep "nothing to recover" ../out &&
	test ! -e .git/bosun/hooks/stash/main
'

test_expect_success 'a damaged manifest is an error and changes nothing' '
	cd p && mkdir -p .git/bosun/hooks/stash/main && echo "{" >.git/bosun/hooks/stash/main/manifest.json &&
	before=$(digest) && test_expect_code 65 bosun hooks recover 2>../err &&
	test_grep "damaged" ../err && test_eq "$before" "$(digest)" &&
	rm -rf .git/bosun/hooks/stash
'

test_done

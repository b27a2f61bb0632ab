#!/bin/sh
# bosun release under contention and faults, against a real bare remote:
# one release at a time per repository (a lease), undo of only what a run
# wrote, a killed release reported and finished (--resume) or undone
# (--abort), and kill -9 at many points of a release.
. "$(dirname "$0")/lib.sh"

REAL_GIT=$(command -v git)

# setup NAME: a project with a remote, v1.0.0 pushed, a feat after it.
setup() {
	cd "$TRASH" && rm -rf "$1" "$1.git" &&
	git init -q --bare "$1.git" && new_repo "$1" &&
	git remote add origin "$TRASH/$1.git" &&
	echo 1.0.0 >VERSION && printf "{\n  \"name\": \"demo\",\n  \"version\": \"1.0.0\"\n}\n" >package.json &&
	git add . && git commit -q -m "feat: init" && git tag -a v1.0.0 -m v1.0.0 &&
	git push -q origin main v1.0.0 &&
	commit "feat(api): new endpoint"
}

# wait_file FILE: until FILE exists (a bounded poll: 30 s).
wait_file() {
	_w=0
	while [ ! -e "$1" ]; do
		[ $_w -lt 600 ] || { echo "gave up waiting for $1"; return 1; }
		sleep 0.05
		_w=$((_w + 1))
	done
}

# gate_config DIR: release.test waits (bounded) until DIR/go exists, after
# saying so in DIR/in-gate.
gate_config() {
	printf "release:\n  test: [sh, -c, \"touch %s/in-gate; i=0; while [ ! -f %s/go ] && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i+1)); done\"]\n" \
		"$1" "$1" >bosun.yml && git add bosun.yml && git commit -q -m "chore: gate"
}

# consistent NAME: the work tree is clean with no lock left; every tag's
# commit holds its version in VERSION and package.json; the local tags are
# the remote's, each on the remote branch; HEAD has the remote's main.
consistent() {
	test -z "$(git status --porcelain --untracked-files=no)" &&
	test -z "$(find . -name "*.lock" -not -path "./.git/objects/*")" &&
	v=$(cat VERSION) && grep -q "\"version\": \"$v\"" package.json &&
	test_eq "v$v" "$(git describe --tags --abbrev=0)" &&
	for t in $(git tag -l); do
		test_eq "${t#v}" "$(git show "$t:VERSION")" &&
		git show "$t:package.json" | grep -q "\"version\": \"${t#v}\"" &&
		git -C "../$1.git" merge-base --is-ancestor "$t" main || return 1
	done &&
	test_eq "$(git tag -l | sort)" \
		"$(git ls-remote --tags "../$1.git" | sed -n "s|.*refs/tags/\([^^]*\)$|\1|p" | sort)" &&
	git merge-base --is-ancestor "$(git -C "../$1.git" rev-parse main)" HEAD
}

test_expect_success 'two releases at once: the second exits 75 naming the first, the release is whole' '
	setup two && gate_config "$TRASH/two.d" && rm -rf ../two.d && mkdir ../two.d &&
	{ "$BOSUN" release >../two.d/out1 2>../two.d/err1 & } && pid=$! &&
	wait_file ../two.d/in-gate &&
	test_expect_code 75 bosun release 2>../err &&
	test_grep "another release is running in this repository: pid $pid on .*, since " ../err &&
	touch ../two.d/go && wait $pid &&
	test_eq v1.1.0 "$(cat ../two.d/out1)" &&
	test_eq 1.1.0 "$(git -C ../two.git show v1.1.0:VERSION)" &&
	git -C ../two.git show v1.1.0:package.json | grep -q "\"version\": \"1.1.0\"" &&
	consistent two
'

test_expect_success 'six releases at once: exactly one releases, five exit 75' '
	setup six && gate_config "$TRASH/six.d" && rm -rf ../six.d && mkdir ../six.d &&
	for i in 1 2 3 4 5 6; do
		{ bosun release >../six.d/out$i 2>../six.d/err$i; echo $? >../six.d/rc$i.tmp &&
		  mv ../six.d/rc$i.tmp ../six.d/rc$i; } &
	done &&
	n=0 && while [ "$(ls ../six.d | grep -c "^rc[0-9]$")" -lt 5 ]; do
		[ $n -lt 600 ] || { ls ../six.d; return 1; }
		sleep 0.05 && n=$((n + 1))
	done &&
	wait_file ../six.d/in-gate && touch ../six.d/go && wait &&
	test_eq "0 75 75 75 75 75" "$(cat ../six.d/rc? | sort -n | tr "\n" " " | sed "s/ $//")" &&
	# what the others said, shown when one said something else
	{ test_eq 5 "$(cat ../six.d/err? | grep -c "another release is running")" ||
	  { head -n 5 ../six.d/err?; false; }; } &&
	test_eq v1.1.0 "$(cat ../six.d/out?)" &&
	test_eq 1 "$(git log --oneline v1.0.0..HEAD | grep -c "chore(release)")" &&
	consistent six
'

test_expect_success 'a dead holder'\''s lease is taken over, with a message' '
	setup dead && gate_config "$TRASH/dead.d" && rm -rf ../dead.d && mkdir ../dead.d &&
	{ "$BOSUN" release >/dev/null 2>&1 & } && pid=$! &&
	wait_file ../dead.d/in-gate && kill -9 $pid && { wait $pid; test $? -eq 137; } &&
	touch ../dead.d/go &&
	bosun release >../out 2>../err &&
	test_grep "warning: took over the release lease of a bosun that is gone (pid $pid on " ../err &&
	test_eq v1.1.0 "$(cat ../out)" && consistent dead
'

test_expect_success 'command -v sqlite3' 'a lease whose PID now names another process (another start time) is taken over' '
	setup reuse && bosun migrate >/dev/null &&
	boot=$(cat /proc/sys/kernel/random/boot_id) && host=$(uname -n) &&
	exp=$(( $(date +%s) * 1000 + 3600000 )) &&
	sqlite3 .git/bosun/state.db "insert into leases (name, owner, token, expires_ms) values (\"release\", \"$$ 1 $boot $host\", 7, $exp)" &&
	bosun release >../out 2>../err &&
	test_grep "took over the release lease of a bosun that is gone (pid $$ on $host" ../err &&
	test_eq v1.1.0 "$(cat ../out)" && consistent reuse &&
	# given up at the end, with a token above the dead holder'\''s
	test_eq "free 8" "$(sqlite3 .git/bosun/state.db "select coalesce(owner, \"free\") || \" \" || token from leases where name = \"release\"")"
'

test_expect_success 'undo puts back only what this run wrote' '
	setup own && ino=$(stat -c %i VERSION) && : >package.json.lock &&
	test_expect_code 75 bosun release 2>../err && test_grep "package.json.lock" ../err &&
	test_eq "$ino" "$(stat -c %i VERSION)" && test_eq 1.0.0 "$(cat VERSION)" &&
	rm package.json.lock && test -z "$(git status --porcelain --untracked-files=no)" &&
	printf "release:\n  build:\n    - { name: moves-head, run: [sh, -c, \"git commit -q --allow-empty -m later && exit 3\"] }\n" >bosun.yml &&
	git add bosun.yml && git commit -q -m "chore: cfg" && head=$(git rev-parse HEAD) &&
	test_expect_code 1 bosun release 2>../err &&
	test_grep "HEAD is no longer it" ../err &&
	test_eq "later" "$(git log -1 --format=%s)" && test_eq "$head" "$(git rev-parse HEAD~2)" &&
	test -z "$(git tag -l v1.1.0)"
'

# pause_git DIR VERB: a git on PATH (DIR/bin) that, for VERB, says so in
# DIR/at-VERB and waits (bounded) for DIR/go before running it.
pause_git() {
	rm -rf "$1" && mkdir -p "$1/bin" &&
	cat >"$1/bin/git" <<-EOF &&
	#!/bin/sh
	if [ "\$1" = "$2" ]; then
		touch "$1/at-$2"; i=0
		while [ ! -f "$1/go" ] && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i+1)); done
	fi
	exec "$REAL_GIT" "\$@"
	EOF
	chmod +x "$1/bin/git"
}

# kill_at NAME VERB: a release killed (with every process of its group)
# just before it runs git VERB.
kill_at() {
	pause_git "$TRASH/$1.d" "$2" &&
	{ PATH="$TRASH/$1.d/bin:$PATH" setsid "$BOSUN" release >/dev/null 2>&1 & } && pid=$! &&
	wait_file "$TRASH/$1.d/at-$2" && kill -9 -$pid && { wait $pid; test $? -eq 137; }
}

test_expect_success 'killed before the commit: reported with the files written; --abort puts them back' '
	setup ka && kill_at ka commit &&
	test_expect_code 1 bosun release 2>../err &&
	test_grep "release v1.1.0 (started .*) was interrupted at step .commit." ../err &&
	test_grep "written, not committed: VERSION, package.json, CHANGELOG.md" ../err &&
	test_grep "bosun release --resume" ../err &&
	test_expect_code 1 bosun --json release >../out 2>/dev/null &&
	python3 -c "
import json; d=json.load(open(\"../out\")); i=d[\"interrupted\"]
assert d[\"ok\"] is False and i[\"tag\"]==\"v1.1.0\" and i[\"step\"]==\"commit\", d
assert i[\"commit\"] is None and not i[\"commit_local\"] and not i[\"tag_local\"] and i[\"pushed\"] is False, i
assert i[\"written\"]==[\"VERSION\",\"package.json\",\"CHANGELOG.md\"] and i[\"published\"]==0, i
" &&
	bosun --json release --abort >../out 2>/dev/null &&
	python3 -c "
import json; d=json.load(open(\"../out\"))
assert d[\"ok\"] and d[\"action\"]==\"abort\" and d[\"left\"]==[], d
assert sorted(u[\"name\"] for u in d[\"undone\"])==[\"CHANGELOG.md\",\"VERSION\",\"package.json\"], d
" &&
	test ! -e CHANGELOG.md && consistent ka &&
	bosun --json release --abort >../out && test_grep "\"interrupted\": null" ../out &&
	bosun release >../out 2>/dev/null && test_eq v1.1.0 "$(cat ../out)" && consistent ka
'

test_expect_success 'killed before the commit: --resume makes the release' '
	setup kr && kill_at kr commit &&
	bosun release --resume >../out 2>../err && test_eq v1.1.0 "$(cat ../out)" &&
	consistent kr && bosun release --resume 2>../err && test_grep "no interrupted release" ../err
'

test_expect_success 'killed before the push: --resume pushes the commit and tag' '
	setup kp && printf "release:\n  publish:\n    - { name: record, run: [sh, -c, \"echo {version} >>../kp.published\"] }\n" >bosun.yml &&
	git add bosun.yml && git commit -q -m "chore: cfg" && rm -f ../kp.published &&
	kill_at kp push &&
	test_expect_code 1 bosun release 2>../err &&
	test_grep "interrupted at step .push." ../err && test_grep "local only: tag v1.1.0, commit" ../err &&
	test_expect_code 1 bosun release --abort 2>../err &&
	test_grep "1 publish step(s) of v1.1.0 succeeded" ../err &&
	bosun --json release --resume >../out 2>/dev/null &&
	python3 -c "
import json; d=json.load(open(\"../out\"))
assert d[\"ok\"] and d[\"action\"]==\"resume\" and d[\"tag\"]==\"v1.1.0\", d
assert [s[\"step\"] for s in d[\"steps\"]]==[\"push\"], d
" &&
	test_eq 1.1.0 "$(cat ../kp.published)" && consistent kp
'

test_expect_success 'killed before the push, nothing published: --abort removes the tag and the commit' '
	setup kt && kill_at kt push &&
	bosun release --abort 2>../err &&
	test_grep "undone tag v1.1.0" ../err && test_grep "undone commit" ../err &&
	consistent kt && test_eq 1.0.0 "$(cat VERSION)"
'

test_expect_success 'a file changed since the killed release wrote it is left, and said so' '
	setup kc && kill_at kc commit &&
	echo 9.9.9 >VERSION &&
	test_expect_code 1 bosun release --resume 2>../err &&
	test_grep "cannot resume v1.1.0: VERSION changed since the release wrote it" ../err &&
	test_eq 9.9.9 "$(cat VERSION)" &&
	bosun --json release --abort >../out 2>/dev/null &&
	python3 -c "
import json; d=json.load(open(\"../out\"))
assert d[\"left\"]==[{\"path\":\"VERSION\",\"reason\":\"it changed since the release wrote it\"}], d
assert sorted(u[\"name\"] for u in d[\"undone\"])==[\"CHANGELOG.md\",\"package.json\"], d
" &&
	test_eq 9.9.9 "$(cat VERSION)" && grep -q "\"version\": \"1.0.0\"" package.json &&
	test_eq " M VERSION" "$(git status --porcelain --untracked-files=no)"
'

test_expect_success '--resume and --abort take nothing else' '
	cd kt && test_expect_code 64 bosun release --resume --abort 2>../err &&
	test_expect_code 64 bosun release --resume major 2>../err &&
	test_expect_code 64 bosun release --abort --pre rc 2>../err
'

test_expect_success 'kill -9 before and after every git command and step of a release: --resume or --abort makes it whole' '
	# the steps run git too, so that the kill points fall inside them
	setup kk && printf "release:\n  build:\n    - { name: tarball, run: [sh, -c, \"git --version >/dev/null && echo built >../kk.built\"] }\n  publish:\n    - { name: record, run: [sh, -c, \"git --version >/dev/null && echo {version} >>../kk.published\"] }\n" >bosun.yml &&
	git add bosun.yml && git commit -q -m "chore: cfg" && D="$TRASH/kk.d" && count_git "$D" &&
	# how many git commands a release runs
	rm -rf ../kk.ref ../kk.ref.git && cp -r . ../kk.ref && cp -r ../kk.git ../kk.ref.git &&
	git -C ../kk.ref remote set-url origin "$TRASH/kk.ref.git" &&
	(cd ../kk.ref && PATH="$D/bin:$PATH" bosun release >/dev/null 2>&1) && calls=$(cat "$D/count") &&
	echo "a release runs git $calls times" && test "$calls" -ge 8 &&
	k=1 && runs=0 && resumed=0 && aborted=0 &&
	while [ $k -le "$calls" ]; do
		for when in before after; do
			commit "fix: change $k $when" &&
			rm -f "$D/count" "$D/paused" "$D/go" && echo $k >"$D/at" && echo $when >"$D/when" &&
			{ PATH="$D/bin:$PATH" setsid "$BOSUN" release >/dev/null 2>&1 & } && pid=$! &&
			n=0 && while [ ! -f "$D/paused" ] && kill -0 $pid 2>/dev/null; do
				[ $n -lt 600 ] || return 1
				sleep 0.05 && n=$((n + 1))
			done &&
			{ kill -9 -$pid 2>/dev/null; wait $pid; rc=$?; test $rc -eq 137 || test $rc -eq 0; } &&
			runs=$((runs + 1)) &&
			if [ $((runs % 2)) -eq 0 ]; then
				bosun release --resume >/dev/null 2>../err &&
				resumed=$((resumed + 1))
			elif bosun release --abort >/dev/null 2>../err; then
				aborted=$((aborted + 1))
			else
				# pushed or published: the release must be finished instead
				test_grep "already on\|publish step(s) of" ../err &&
				bosun release --resume >/dev/null 2>../err
			fi &&
			consistent kk &&
			# and the next plain release works
			if [ -n "$(git log --format=%s "$(git describe --tags --abbrev=0)..HEAD" | grep "^fix")" ]; then
				bosun release >/dev/null 2>../err && consistent kk
			fi || { echo "killed $when git command $k:"; cat ../err; return 1; }
		done &&
		k=$((k + 1))
	done &&
	echo "$runs releases killed; $resumed --resume, $aborted --abort" &&
	test "$runs" -ge 16
'

test_expect_success 'kill -9 at measured moments of a release, steps included' '
	cd kk && rm -f "$TRASH/kk.d/at" &&
	t0=$(date +%s%N) && commit "fix: timed" && bosun release >/dev/null 2>&1 && t1=$(date +%s%N) &&
	ms=$(( (t1 - t0) / 1000000 )) && i=1 &&
	while [ $i -le 12 ]; do
		commit "fix: at $i" &&
		{ setsid "$BOSUN" release >/dev/null 2>&1 & } && pid=$! &&
		sleep "$(awk -v i=$i -v ms=$ms "BEGIN { printf \"%.3f\", ms * 0.9 * i / 12 / 1000 }")" &&
		{ kill -9 $pid 2>/dev/null; wait $pid; rc=$?; test $rc -eq 137 || test $rc -eq 0; } &&
		# what it ran (git, a step) ends on its own, as after a real kill
		n=0 && while kill -0 -$pid 2>/dev/null; do
			[ $n -lt 600 ] || return 1
			sleep 0.05 && n=$((n + 1))
		done &&
		if bosun release --abort >/dev/null 2>../err; then
			consistent kk
		else
			test_grep "already on\|publish step(s) of" ../err &&
			bosun release --resume >/dev/null 2>../err && consistent kk
		fi &&
		if [ -n "$(git log --format=%s "$(git describe --tags --abbrev=0)..HEAD" | grep "^fix")" ]; then
			bosun release >/dev/null 2>../err && consistent kk
		fi &&
		i=$((i + 1)) || { echo "at moment $i of 12:"; cat ../err; return 1; }
	done
'

test_done

#!/bin/sh
# bosun version bump / set / check / sync on the version files.
. "$(dirname "$0")/lib.sh"

setup_files() {
	new_repo "$1" &&
	echo 1.0.0 >VERSION &&
	printf "{\n  \"name\": \"x\",\n  \"version\": \"1.0.0\",\n  \"dependencies\": {\"version\": \"9.9.9\"}\n}\n" >package.json &&
	printf "{\n  \"name\": \"x\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\n      \"name\": \"x\",\n      \"version\": \"1.0.0\"\n    },\n    \"node_modules/y\": {\"version\": \"2.0.0\"}\n  }\n}\n" >package-lock.json &&
	printf "[project]\nname = \"x\"\nversion = \"1.0.0\"  # the version\n\n[tool.other]\nversion = \"5.5.5\"\n" >pyproject.toml &&
	printf "[package]\r\nname = \"x\"\r\nversion = \"1.0.0\"\r\n\r\n[dependencies]\r\nserde = { version = \"1.0\" }\r\n" >Cargo.toml &&
	printf "__version__ = \"1.0.0\"\n" >about.py &&
	printf "release:\n  files:\n    - path: about.py\n      pattern: \"__version__ = \\\\\"([^\\\\\"]+)\\\\\"\"\n" >bosun.yml &&
	git add . && git commit -q -m "feat: init" && git tag v1.0.0
}

test_expect_success 'setup' 'setup_files r'

test_expect_success 'check: all agree with the tag' '
	cd r && bosun version check >../out &&
	test_grep "^about.py  *1.0.0" ../out && test_grep "^Cargo.toml  *1.0.0" ../out &&
	test_grep "^package-lock.json  *1.0.0" ../out
'

test_expect_success 'set writes only the version text, every other byte kept' '
	cd r && bosun version set 1.2.3 >/dev/null &&
	git diff --numstat >stat &&
	for f in VERSION package.json pyproject.toml Cargo.toml about.py; do
		grep -q "^1	1	$f$" stat || { echo "$f:"; cat stat; return 1; }
	done &&
	grep -q "^2	2	package-lock.json$" stat &&
	test_grep "\"version\": \"9.9.9\"" package.json &&
	test_grep "version = \"5.5.5\"" pyproject.toml &&
	test_grep "# the version" pyproject.toml &&
	test_eq 2 "$(grep -c "1.2.3" package-lock.json)" &&
	test "$(grep -c "$(printf "\r")" Cargo.toml)" -eq 6
'

test_expect_success 'check fails when the files disagree with the tag, listing each' '
	cd r && test_expect_code 1 bosun version check >../out 2>../err &&
	test_grep "^VERSION  *1.2.3" ../out && test_grep "latest tag  *v1.0.0" ../out &&
	test_expect_code 1 bosun --json version check >../json &&
	test_grep "\"ok\": false" ../json
'

test_expect_success 'sync writes the tag version back' '
	cd r && bosun version sync >/dev/null && bosun version check &&
	git diff --quiet
'

test_expect_success 'check fails when one file disagrees' '
	cd r && echo 1.0.1 >VERSION &&
	test_expect_code 1 bosun version check 2>../err >/dev/null && git checkout -q VERSION
'

test_expect_success 'bump auto writes the next version' '
	cd r && commit "feat: more" && bosun version bump >../out &&
	test_eq 1.1.0 "$(tail -n 1 ../out)" && test_eq 1.1.0 "$(cat VERSION)" &&
	git checkout -q .
'

test_expect_success 'bump LEVEL and --pre' '
	cd r && bosun version bump major >/dev/null && test_eq 2.0.0 "$(cat VERSION)" &&
	git checkout -q . &&
	bosun version bump --pre beta >/dev/null && test_eq 1.1.0-beta.1 "$(cat VERSION)" &&
	git checkout -q .
'

test_expect_success 'bump --dry-run changes nothing' '
	cd r && before=$(tree_digest) && bosun version bump --dry-run >../out &&
	test_grep "would change" ../out && test_eq "$before" "$(tree_digest)"
'

test_expect_success 'set with a bad version is a usage error; a v prefix gets a hint' '
	cd r && test_expect_code 64 bosun version set 1.2 2>../err &&
	test_expect_code 64 bosun version set v1.2.3 2>../err && test_grep "leave out the" ../err
'

test_expect_success 'invalid JSON: FILE:LINE:COL, exit 65, nothing written' '
	setup_files bad && printf "{\n  \"version\": \"1.0.0\",,\n}\n" >package.json &&
	before=$(tree_digest) &&
	test_expect_code 65 bosun version set 2.0.0 2>../err &&
	test_grep "package.json:2:" ../err && test_eq "$before" "$(tree_digest)"
'

test_expect_success 'invalid TOML: FILE:LINE:COL, exit 65, nothing written' '
	setup_files badt && printf "[project]\nversion = \"1.0.0\n" >pyproject.toml &&
	before=$(tree_digest) &&
	test_expect_code 65 bosun version set 2.0.0 2>../err &&
	test_grep "pyproject.toml:2:" ../err && test_eq "$before" "$(tree_digest)"
'

test_expect_success 'all or none: a locked file stops every write' '
	setup_files lk && : >Cargo.toml.lock && before=$(tree_digest) &&
	test_expect_code 75 bosun version set 3.0.0 2>../err &&
	test_eq "$before" "$(tree_digest)" && test_eq "1.0.0" "$(cat VERSION)" &&
	test_grep "cannot lock .*Cargo.toml" ../err &&
	rm Cargo.toml.lock
'

test_expect_success 'a lock naming its owner: busy while the owner runs, taken over once it is killed' '
	setup_files own && { sleep 30 & } && holder=$! &&
	start=$(cut -d" " -f22 /proc/$holder/stat) &&
	printf "half" >Cargo.toml.lock.owner.$holder.$start &&
	ln Cargo.toml.lock.owner.$holder.$start Cargo.toml.lock &&
	test_expect_code 75 bosun version set 3.0.0 2>../err &&
	test_eq "1.0.0" "$(cat VERSION)" &&
	kill -9 $holder && { wait $holder 2>/dev/null; test $? -eq 137; } &&
	bosun version set 3.0.0 2>../err &&
	test_grep "took over .*Cargo.toml.lock.*pid $holder" ../err &&
	test_eq "3.0.0" "$(cat VERSION)" && test ! -e Cargo.toml.lock &&
	test -z "$(ls -a | grep owner)"
'

# strace kills "version set" at its K-th call of one kind (each rename,
# fsync, unlink, open and write in turn); the next "version check" must
# settle the write so that every file is wholly old or wholly new, and
# leave no lock behind.
if command -v strace >/dev/null 2>&1; then
test_expect_success 'kill -9 at every rename, fsync, unlink, open and write: all old or all new' '
	setup_files kill && git tag -d v1.0.0 >/dev/null && kills=0 && completed=0 && undone=0 &&
	for sc in rename fsync unlink openat write; do
		k=1 &&
		while [ $k -le 80 ]; do
			strace -f -qq -o /dev/null -e trace=$sc -e inject=$sc:signal=KILL:when=$k \
				"$BOSUN" version set 2.0.0 >/dev/null 2>&1
			rc=$? &&
			bosun version check >../out 2>../err || {
				echo "$sc #$k (exit $rc): the files disagree" && cat ../out ../err && return 1
			}
			v=$(cat VERSION) &&
			for f in package.json package-lock.json pyproject.toml Cargo.toml about.py; do
				test_grep "^$f  *$v$" ../out || return 1
			done &&
			if grep -q "completed the interrupted write" ../err; then
				completed=$((completed + 1)) && test_eq 2.0.0 "$v"
			fi &&
			if grep -q "undid the interrupted write" ../err; then
				undone=$((undone + 1)) && test_eq 1.0.0 "$v"
			fi &&
			left=$(find . -maxdepth 1 -name "*.lock*") &&
			test_eq "" "$left" &&
			git checkout -q -- . || return 1
			[ $rc -ne 0 ] || break
			kills=$((kills + 1)) && k=$((k + 1))
		done || return 1
	done &&
	echo "kills: $kills, completed: $completed, undone: $undone" &&
	[ $kills -ge 20 ] && [ $completed -ge 1 ] && [ $undone -ge 1 ] &&
	bosun version set 3.0.0 >/dev/null && test_eq 3.0.0 "$(cat VERSION)" &&
	test_eq "" "$(find .git/bosun -name "*.lock*")"
'

# version bump also walks the history and saves the commit cache
# (.git/bosun/commits.cache) through a lock: killed at any point of that,
# the next run cleans what it left, and no lock or owner name stays.
test_expect_success 'kill -9 of version bump, commit cache included: the next run leaves no lock litter' '
	setup_files cbump && git tag -d v1.0.0 >/dev/null && commit "fix: a" && commit "feat: b" && kills=0 &&
	for sc in openat link write rename; do
		k=1 &&
		while [ $k -le 40 ]; do
			rm -f .git/bosun/commits.cache &&
			strace -f -qq -o /dev/null -e trace=$sc -e inject=$sc:signal=KILL:when=$k \
				"$BOSUN" version bump >/dev/null 2>&1
			rc=$? &&
			{ bosun version check >../out 2>../err ||
			  { echo "$sc #$k (exit $rc): the files disagree" && cat ../out ../err && false; }; } &&
			bosun version next >/dev/null 2>>../err &&
			left=$(find . .git/bosun -maxdepth 1 -name "*.lock*") &&
			if [ -n "$left" ]; then echo "$sc #$k (exit $rc) left:" $left; cat ../err; return 1; fi &&
			git checkout -q -- . || return 1
			[ $rc -ne 0 ] || break
			kills=$((kills + 1)) && k=$((k + 1))
		done || return 1
	done &&
	echo "kills: $kills" && [ $kills -ge 20 ] &&
	test -s .git/bosun/commits.cache
'
else
	test_skip 'kill -9 at every rename, fsync, unlink, open and write: all old or all new' 'no strace'
fi

test_expect_success 'ten version set at once: each waits its turn; files agree, no lock left' '
	setup_files many && git tag -d v1.0.0 >/dev/null &&
	for i in 1 2 3 4 5 6 7 8 9 10; do
		{ bosun version set $i.0.0 >/dev/null 2>../many.$i; echo $? >../many.$i.rc; } &
	done &&
	wait &&
	for i in 1 2 3 4 5 6 7 8 9 10; do
		rc=$(cat ../many.$i.rc) &&
		{ [ "$rc" = 0 ] || [ "$rc" = 75 ]; } || { cat ../many.$i; return 1; }
	done &&
	test_eq 10 "$(cat ../many.*.rc | grep -c "^0$")" &&
	bosun version check >../out &&
	v=$(cat VERSION) &&
	test_grep "^Cargo.toml  *$v$" ../out && test_grep "^about.py  *$v$" ../out &&
	test_eq "" "$(find . .git/bosun -maxdepth 1 -name "*.lock*")"
'

test_expect_success 'a configured file whose pattern does not match is exit 65' '
	setup_files pm && echo "nothing here" >about.py &&
	test_expect_code 65 bosun version check 2>../err && test_grep "about.py" ../err
'

test_expect_success 'no version files: set says so' '
	new_repo none && commit "feat: x" &&
	bosun version set 1.0.0 >../out 2>../err && test_grep "no version files" ../err
'

test_expect_success 'check and sync work in a repository with no commits' '
	new_repo fresh && echo 1.0.0 >VERSION && printf "{\"version\": \"1.0.0\"}\n" >package.json &&
	bosun version check >../out && test_grep "^VERSION  *1.0.0" ../out &&
	echo 2.0.0 >VERSION && bosun version sync >/dev/null &&
	test_grep "2.0.0" package.json
'

test_expect_success 'check and sync take --package for monorepo tags' '
	new_repo mono && echo 3.1.0 >VERSION && git add . && git commit -q -m "feat: x" &&
	git tag web@3.1.0 && printf "release:\n  tag: \"{name}@{version}\"\n" >bosun.yml &&
	bosun version check --package web >../out && test_grep "latest tag  *web@3.1.0" ../out &&
	test_expect_code 64 bosun version check 2>../err && test_grep "pass --package" ../err
'

test_expect_success 'bump --json when there is nothing to release' '
	new_repo nb && commit "chore: x" &&
	test_expect_code 1 bosun --json version bump >../out && test_grep "\"version\": null" ../out
'

test_done

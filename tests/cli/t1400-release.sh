#!/bin/sh
# bosun release: the whole procedure against a real bare remote, every gate,
# and every failure path (undo when nothing left the machine).
. "$(dirname "$0")/lib.sh"

# setup NAME: a project with a remote, one release, and a feat after it.
setup() {
	cd "$TRASH" && rm -rf "$1" "$1.git" &&
	git init -q --bare "$1.git" && new_repo "$1" &&
	git remote add origin "$TRASH/$1.git" &&
	echo 1.0.0 >VERSION && printf "{\n  \"name\": \"demo\",\n  \"version\": \"1.0.0\"\n}\n" >package.json &&
	git add . && git commit -q -m "feat: init" && git tag -a v1.0.0 -m v1.0.0 &&
	git push -q origin main v1.0.0 &&
	commit "feat(api): new endpoint" && commit "fix: a bug"
}

# refs_and_files: everything a failed release must leave as it was.
state() {
	{ git rev-parse HEAD; git tag -l; git status --porcelain; cat VERSION package.json;
	  cat CHANGELOG.md 2>/dev/null; git -C "$TRASH/$1.git" for-each-ref; } | sha256sum
}

test_expect_success 'dry run prints the plan and the entry, changes nothing' '
	setup d && before=$(state d) &&
	bosun release --dry-run >../out &&
	test_grep "release v1.1.0 (minor, v1.0.0) on main, channel latest" ../out &&
	test_grep "^## \[1.1.0\] - " ../out && test_grep "new endpoint" ../out &&
	test_eq "$before" "$(state d)"
'

test_expect_success 'dry run --json' '
	cd d && bosun --json release --dry-run >../out &&
	python3 -c "
import json; d=json.load(open(\"../out\"))
assert d[\"version\"]==\"1.1.0\" and d[\"dry_run\"] and d[\"channel\"]==\"latest\" and \"new endpoint\" in d[\"entry\"], d
"
'

test_expect_success 'release: bump, changelog, commit, annotated tag, atomic push' '
	setup r && bosun release >../out 2>../err &&
	test_eq v1.1.0 "$(cat ../out)" &&
	test_eq 1.1.0 "$(cat VERSION)" && test_grep "\"version\": \"1.1.0\"" package.json &&
	test_grep "^## \[1.1.0\]" CHANGELOG.md &&
	test_eq "chore(release): 1.1.0" "$(git log -1 --format=%s)" &&
	test_eq tag "$(git cat-file -t v1.1.0)" &&
	test_eq "$(git rev-parse HEAD)" "$(git rev-parse v1.1.0^{commit})" &&
	test_eq "$(git rev-parse HEAD)" "$(git -C ../r.git rev-parse main)" &&
	test_eq "$(git rev-parse v1.1.0)" "$(git -C ../r.git rev-parse v1.1.0)" &&
	git diff --quiet && test_grep "ok   push" ../err
'

test_expect_success 'the next release puts its entry above the previous one' '
	cd r && commit "fix: later" && bosun release >/dev/null 2>&1 &&
	grep "^## " CHANGELOG.md >h && test_eq "## [1.1.1]" "$(head -n 1 h | cut -c1-10)" &&
	test_eq 2 "$(wc -l <h)"
'

test_expect_success 'nothing to release: exit 1, nothing changed' '
	cd r && before=$(state r) &&
	test_expect_code 1 bosun release 2>../err && test_grep "nothing to release" ../err &&
	test_eq "$before" "$(state r)"
'

test_expect_success 'a dirty tree is refused with exit 1, nothing changed' '
	setup dirty && echo change >>VERSION && before=$(state dirty) &&
	test_expect_code 1 bosun release 2>../err &&
	test_grep "uncommitted changes" ../err && test_eq "$before" "$(state dirty)"
'

test_expect_success 'a wrong branch is refused with exit 1' '
	setup br && git checkout -q -b feature && before=$(state br) &&
	test_expect_code 1 bosun release 2>../err &&
	test_grep "not from .feature." ../err && test_eq "$before" "$(state br)"
'

test_expect_success 'a detached HEAD is refused with exit 1' '
	setup det && git checkout -q --detach &&
	test_expect_code 1 bosun release 2>../err && test_grep "detached" ../err
'

test_expect_success 'versions out of sync are refused' '
	setup sync && echo 0.9.0 >VERSION && git commit -q -am "fix: drift" &&
	before=$(state sync) &&
	test_expect_code 1 bosun release 2>../err &&
	test_grep "versions disagree" ../err && test_eq "$before" "$(state sync)"
'

test_expect_success 'a failing test command stops before anything is written' '
	setup tst && printf "release:\n  test: [sh, -c, \"echo tests broke; exit 3\"]\n" >bosun.yml &&
	git add bosun.yml && git commit -q -m "chore: cfg" && before=$(state tst) &&
	test_expect_code 1 bosun release 2>../err &&
	test_grep "tests broke" ../err && test_eq "$before" "$(state tst)"
'

test_expect_success 'a failing build step: commit and tag undone, files as before' '
	setup bld && printf "release:\n  build:\n    - name: compile\n      run: [sh, -c, \"exit 7\"]\n" >bosun.yml &&
	git add bosun.yml && git commit -q -m "chore: cfg" && before=$(state bld) &&
	test_expect_code 1 bosun release 2>../err &&
	test_grep "exit code 7" ../err && test_grep "undone" ../err &&
	test_eq "$before" "$(state bld)"
'

test_expect_success 'publish steps get {version}, {tag}, {channel} and the environment' '
	setup pub && cat >bosun.yml <<-EOF &&
	release:
	  publish:
	    - name: npm
	      run: [sh, -c, "echo \"\$0 \$1 \$2 \$BOSUN_RELEASE_CHANNEL \$TOKEN_NAME\" >\"$TRASH/published\"", "{version}", "{tag}", "{channel}"]
	      env: { TOKEN_NAME: "for-{version}" }
	EOF
	git add bosun.yml && git commit -q -m "chore: cfg" &&
	{ bosun release --pre rc >../out 2>&1 || { cat ../out; cat bosun.yml; false; }; } &&
	test_eq "1.1.0-rc.1 v1.1.0-rc.1 next next for-1.1.0-rc.1" "$(cat "$TRASH/published")" &&
	commit "fix: more" &&
	{ bosun release --pre beta >../out 2>&1 || { cat ../out; false; }; } &&
	test_eq "1.1.0-beta.1 v1.1.0-beta.1 beta beta for-1.1.0-beta.1" "$(cat "$TRASH/published")" &&
	{ bosun release >../out 2>&1 || { cat ../out; false; }; } &&
	test_eq "1.1.0 v1.1.0 latest latest for-1.1.0" "$(cat "$TRASH/published")"
'

test_expect_success 'a failing publish after a successful one keeps commit and tag and says how to resume' '
	setup pf && cat >bosun.yml <<-EOF &&
	release:
	  publish:
	    - { name: first, run: [true] }
	    - { name: second, run: [sh, -c, "exit 1"] }
	EOF
	git add bosun.yml && git commit -q -m "chore: cfg" &&
	test_expect_code 1 bosun release 2>../err &&
	test_eq tag "$(git cat-file -t v1.1.0)" &&
	test_grep "were kept" ../err && test_grep "git push --atomic origin" ../err &&
	test_must_fail_remote() { ! git -C ../pf.git rev-parse -q --verify v1.1.0; } && test_must_fail_remote
'

test_expect_success 'a rejected push: nothing pushed, so commit and tag are undone' '
	setup rej && before=$(state rej) &&
	git clone -q ../rej.git ../other && (cd ../other && commit "fix: elsewhere" && git push -q origin main) &&
	before=$(state rej) &&
	test_expect_code 1 bosun release 2>../err &&
	test_grep "push" ../err && test_eq "$before" "$(state rej)" &&
	test_eq "" "$(git tag -l v1.1.0)"
'

test_expect_success '--no-push tags locally only' '
	setup np && bosun release --no-push >/dev/null 2>&1 &&
	test_eq tag "$(git cat-file -t v1.1.0)" &&
	! git -C ../np.git rev-parse -q --verify v1.1.0
'

test_expect_success 'a step that runs too long is stopped and the release undone' '
	setup slow && printf "release:\n  build:\n    - { run: [sleep, \"10\"], timeout: 1s }\n" >bosun.yml &&
	git add bosun.yml && git commit -q -m "chore: cfg" && before=$(state slow) &&
	test_expect_code 1 bosun release 2>../err && test_grep "timed out" ../err &&
	test_eq "$before" "$(state slow)"
'

test_expect_success 'a level argument forces the level; a bad one is a usage error' '
	setup lv && bosun release major --dry-run >../out && test_grep "v2.0.0" ../out &&
	test_expect_code 64 bosun release huge 2>../err
'

test_expect_success 'a stable release after prereleases lists everything since the last stable' '
	setup st && bosun release --pre rc >/dev/null 2>&1 &&
	commit "fix: after the rc" && bosun release --dry-run >../out &&
	test_grep "new endpoint" ../out && test_grep "after the rc" ../out &&
	test_grep "release v1.1.0 " ../out
'

test_expect_success 'after release candidates, release and changelog --all write the same stable entry' '
	setup rcs && bosun release --pre rc --no-push >/dev/null 2>&1 &&
	commit "fix: in rc.2" && bosun release --pre rc --no-push >/dev/null 2>&1 &&
	commit "fix: after the last rc" && bosun release --no-push >/dev/null 2>&1 &&
	test_eq v1.1.0 "$(git describe --tags --exact-match HEAD)" &&
	sed -n "/^## \[1.1.0\]/,/^## \[1.1.0-rc.2\]/p" CHANGELOG.md | grep -v "^## " >../written &&
	bosun changelog --all >../all &&
	sed -n "/^## \[1.1.0\]/,/^## \[1.1.0-rc.2\]/p" ../all | grep -v "^## " >../generated &&
	test_grep "new endpoint" ../written && test_grep "in rc.2" ../written &&
	test_grep "after the last rc" ../written &&
	test_cmp ../written ../generated
'

test_expect_success '--json release failure is one JSON document' '
	setup jf && printf "release:\n  build:\n    - { name: compile, run: [sh, -c, \"exit 4\"] }\n" >bosun.yml &&
	git add bosun.yml && git commit -q -m "chore: cfg" &&
	test_expect_code 1 bosun --json release >../out 2>/dev/null &&
	python3 -c "
import json; d=json.load(open(\"../out\"))
assert d[\"ok\"] is False and \"undone\" in d[\"resume\"], d
assert [s for s in d[\"steps\"] if s[\"step\"]==\"build compile\" and s[\"state\"]==\"failed\"], d
"
'

test_expect_success 'a failing step is named in the message' '
	cd jf && test_expect_code 1 bosun release 2>../err && test_grep "build .compile. failed with exit code 4" ../err
'

test_expect_success 'the resume hint names the steps that did not run and the commit to push' '
	cd pf && git tag -d v1.1.0 >/dev/null && git reset -q --hard HEAD~1 &&
	cat >bosun.yml <<-EOF &&
	release:
	  publish:
	    - { name: first, run: [true] }
	    - { name: second, run: [sh, -c, "exit 1"] }
	    - { name: third, run: [true] }
	EOF
	git commit -q -am "chore: three steps" &&
	test_expect_code 1 bosun release 2>../err &&
	test_grep "publish step(s) .second., .third. by hand" ../err &&
	test_grep "git push --atomic origin $(git rev-parse HEAD):refs/heads/main refs/tags/v1.1.0" ../err
'

test_expect_success 'published but the push failed: kept, with the push to finish' '
	setup pp && printf "release:\n  publish:\n    - { name: npm, run: [true] }\n" >bosun.yml &&
	git add bosun.yml && git commit -q -m "chore: cfg" &&
	git clone -q ../pp.git ../pp-other && (cd ../pp-other && commit "fix: elsewhere" && git push -q origin main) &&
	test_expect_code 1 bosun release 2>../err &&
	test_grep "was published, so the commit and tag were kept" ../err &&
	test_eq tag "$(git cat-file -t v1.1.0)"
'

test_expect_success '--no-push says how to push later' '
	cd np && commit "fix: x" && bosun release --no-push 2>../err >/dev/null &&
	test_grep "not pushed; to publish the release: git push --atomic origin" ../err
'

test_expect_success 'the wrong-branch message names every allowed branch' '
	cd br && BOSUN_RELEASE_BRANCHES=main,release test_expect_code 1 bosun release 2>../err &&
	test_grep "one of .main., .release., not from .feature." ../err
'

test_expect_success 'command -v sqlite3' 'every release is a row in the shared store' '
	cd r && sqlite3 "$(git rev-parse --git-common-dir)/bosun/state.db" \
		"select tag, state, commit_id from releases order by id" >../out &&
	test_grep "^v1.1.0|done|$(git rev-parse v1.1.0^{commit})$" ../out &&
	test_grep "^v1.1.1|done|" ../out &&
	cd ../bld && sqlite3 .git/bosun/state.db "select tag, state, message from releases" >../out &&
	test_grep "^v1.1.0|undone|build .compile. failed" ../out
'

test_expect_success 'command -v sqlite3' 'a release row the store cannot update is a degraded event, not silence' '
	setup rf && bosun migrate >/dev/null && q=$(printf "\047") &&
	sqlite3 .git/bosun/state.db "create trigger ro before update on releases begin select raise(abort, ${q}releases are read-only${q}); end;" &&
	logf="$BOSUN_HOME/state/bosun/logs/bosun.log" && rm -f "$logf" &&
	bosun release >/dev/null 2>../err &&
	test_eq v1.1.0 "$(git describe --tags --abbrev=0)" &&
	test_grep "release not recorded: .*releases are read-only" "$logf" &&
	test_eq "planned" "$(sqlite3 .git/bosun/state.db "select state from releases")"
'

test_expect_success 'command -v sqlite3' 'a failed release keeps its own error when the store cannot record it' '
	setup rg && bosun migrate >/dev/null && q=$(printf "\047") &&
	printf "release:\n  build:\n    - { name: compile, run: [sh, -c, \"exit 3\"] }\n" >bosun.yml &&
	git add bosun.yml && git commit -q -m "chore: cfg" &&
	sqlite3 .git/bosun/state.db "create trigger ro before update on releases begin select raise(abort, ${q}releases are read-only${q}); end;" &&
	test_expect_code 1 bosun release 2>../err &&
	test_grep "build .compile. failed" ../err && test_no_grep "read-only" ../err
'

test_expect_success 'releases are logged as JSON lines, credentials redacted' '
	setup lg && printf "release:\n  build:\n    - { name: \"upload %s\", run: [sh, -c, \"exit 2\"] }\n" "ghp_""abcdefghijklmnopqrstuvwxyz0123456789" >bosun.yml &&
	git add bosun.yml && git commit -q -m "chore: cfg" &&
	test_expect_code 1 bosun release 2>/dev/null &&
	log="$BOSUN_HOME/state/bosun/logs/bosun.log" && test -f "$log" &&
	python3 -c "
import json,sys
lines=[json.loads(l) for l in open(sys.argv[1])]
assert any(l[\"event\"]==\"release\" and l[\"level\"]==\"error\" for l in lines), lines
" "$log" &&
	test_grep "REDACTED" "$log" && test_no_grep "ghp_abcdefghij" "$log"
'

test_expect_success 'log.level: error keeps info events out, and errors in' '
	setup ll && logf="$BOSUN_HOME/state/bosun/logs/bosun.log" && rm -f "$logf" &&
	printf "release:\n  build:\n    - { name: compile, run: [sh, -c, \"exit 2\"] }\n" >bosun.yml &&
	git add bosun.yml && git commit -q -m "chore: cfg" &&
	BOSUN_LOG_LEVEL=error test_expect_code 1 bosun release >/dev/null 2>&1 &&
	test_grep "\"level\":\"error\"" "$logf" &&
	test_no_grep "\"level\":\"info\"" "$logf" &&
	git rm -q bosun.yml && git commit -q -m "chore: no build" &&
	bosun release >/dev/null 2>&1 &&
	test_grep "\"level\":\"info\"" "$logf"
'

test_expect_success 'forty version files: every one in the release commit' '
	setup many && printf "release:\n  files:\n" >bosun.yml &&
	for i in $(seq -w 1 40); do
		echo "v=1.0.0" >"ver$i.txt" &&
		printf "    - { path: ver$i.txt, pattern: \"^v=(.*)\$\" }\n" >>bosun.yml || return 1
	done &&
	git add . && git commit -q -m "chore: files" &&
	bosun release >../out 2>../err && test_eq v1.1.0 "$(cat ../out)" &&
	test_eq "v=1.1.0" "$(cat ver40.txt)" &&
	test_eq "" "$(git status --porcelain)" &&
	test_eq 43 "$(git show --format= --name-only HEAD | wc -l)"
'

test_done

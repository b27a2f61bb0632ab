#!/bin/sh
# bosun merge-driver: registered by `hooks install`, run by real `git merge`
# and `git rebase` on TERP's kinds of files (roadmaps, session checklists,
# changelogs, date lines): no entry lost, none brought back, a real
# conflict left to git with markers for that entry only.
. "$(dirname "$0")/lib.sh"

# mrepo NAME FILE TEXT: a repository with the driver registered and FILE
# holding TEXT (printf's format), committed on main.
mrepo() {
	new_repo "$1" && bosun hooks install >/dev/null 2>&1 &&
	mkdir -p "$(dirname "$2")" && printf "$3" >"$2" && git add "$2" &&
	git commit -q -m "docs: base"
}

# side BRANCH FILE TEXT: FILE gets TEXT on a new BRANCH from main, committed.
side() {
	git checkout -q -b "$1" main && printf "$3" >"$2" && git add "$2" &&
	git commit -q -m "docs: $1" && git checkout -q main
}

# no_markers: no commit of the repository holds a conflict marker.
no_markers() {
	for c in $(git rev-list --all); do
		if git grep -q -E "^(<<<<<<<|=======|>>>>>>>)( |$)" "$c" --; then
			echo "conflict markers in $c" && return 1
		fi
	done
}

test_expect_success 'hooks install registers the driver: config and attributes' '
	new_repo reg && commit "feat: init" &&
	bosun hooks install >../out 2>/dev/null &&
	test_grep "^merge-driver  *registered$" ../out &&
	test_grep "merge-driver --marker-size %L %O %A %B %P" .git/config &&
	test_grep "^ROADMAP.md merge=bosun$" .git/info/attributes &&
	test_eq "CHANGELOG.md: merge: bosun" "$(git check-attr merge CHANGELOG.md)" &&
	test_eq "docs/sessions/a.md: merge: bosun" "$(git check-attr merge docs/sessions/a.md)" &&
	test_eq "src/a.c: merge: unspecified" "$(git check-attr merge src/a.c)"
'

test_expect_success 'install again changes nothing; merge.kinds patterns are added' '
	cd reg && sum=$(cat .git/config .git/info/attributes | sha256sum) &&
	bosun hooks install >../out 2>/dev/null &&
	test_grep "^merge-driver  *unchanged$" ../out &&
	test_eq "$sum" "$(cat .git/config .git/info/attributes | sha256sum)" &&
	printf "merge:\n  kinds:\n    \"notes/*.md\": entries\n    \"*.c\": text\n" >bosun.yml &&
	bosun hooks install >../out 2>/dev/null &&
	test_grep "^merge-driver  *registered$" ../out &&
	test_grep "^notes/\*.md merge=bosun$" .git/info/attributes &&
	test_eq 0 "$(grep -c "^\*\.c " .git/info/attributes)" &&
	test_eq 1 "$(grep -c "^# bosun merge-driver" .git/info/attributes)"
'

test_expect_success 'uninstall removes the driver and only its own attribute lines' '
	cd reg && echo "*.png binary" >>.git/info/attributes &&
	bosun hooks uninstall >../out 2>/dev/null &&
	test_grep "^merge-driver  *removed$" ../out &&
	test_no_grep "merge-driver" .git/config && test_no_grep "bosun" .git/config &&
	test_no_grep "merge=bosun" .git/info/attributes &&
	test_grep "^\*.png binary$" .git/info/attributes &&
	bosun hooks uninstall >../out 2>/dev/null &&
	test_grep "^merge-driver  *not registered$" ../out
'

test_expect_success 'install --json says what became of the driver' '
	new_repo rj && bosun --json hooks install pre-push >../out.json 2>/dev/null &&
	python3 -c "
import json; d=json.load(open(\"../out.json\"))
assert d[\"merge_driver\"]==\"registered\", d
"
'

test_expect_success 'git merge: a roadmap with new tasks on each side keeps them all' '
	mrepo road ROADMAP.md "# Roadmap\n\n## INFRA-001: monitor\nStatus: open\n\n## INFRA-002: hooks\nStatus: open\n" &&
	side a ROADMAP.md "# Roadmap\n\n## INFRA-001: monitor\nStatus: open\n\n## INFRA-002: hooks\nStatus: open\n\n## INFRA-003: ours task\nStatus: open\n" &&
	side b ROADMAP.md "# Roadmap\n\n## INFRA-001: monitor\nStatus: done\n\n## INFRA-002: hooks\nStatus: open\n\n## INFRA-004: theirs task\nStatus: open\n" &&
	git merge -q a && git merge -q --no-edit b 2>../err &&
	printf "# Roadmap\n\n## INFRA-001: monitor\nStatus: done\n\n## INFRA-002: hooks\nStatus: open\n\n## INFRA-003: ours task\nStatus: open\n\n## INFRA-004: theirs task\nStatus: open\n" >../want &&
	test_cmp ../want ROADMAP.md && no_markers
'

test_expect_success 'git merge: session files with [x] on each side stay checked' '
	mrepo sess docs/sessions/s12.md "# Session 12\n\n1. [ ] build the index\n2. [ ] persist it\n3. [ ] benchmark it\n" &&
	side a docs/sessions/s12.md "# Session 12\n\n1. [x] build the index\n2. [ ] persist it\n3. [ ] benchmark it\n" &&
	side b docs/sessions/s12.md "# Session 12\n\n1. [ ] build the index\n2. [ ] persist it\n3. [x] benchmark it\n4. [ ] write the docs\n" &&
	git merge -q a && git merge -q --no-edit b &&
	printf "# Session 12\n\n1. [x] build the index\n2. [ ] persist it\n3. [x] benchmark it\n4. [ ] write the docs\n" >../want &&
	test_cmp ../want docs/sessions/s12.md && no_markers
'

test_expect_success 'git rebase: changelog entries added on both sides, upstream first' '
	mrepo cl CHANGELOG.md "# Changelog\n\n## [Unreleased]\n\n### Added\n- first\n\n## [1.0.0] - 2026-01-01\n\n### Fixed\n- old\n" &&
	git checkout -q -b topic &&
	printf "# Changelog\n\n## [Unreleased]\n\n### Added\n- first\n- topic entry\n\n### Fixed\n- topic fix\n\n## [1.0.0] - 2026-01-01\n\n### Fixed\n- old\n" >CHANGELOG.md &&
	git commit -q -am "docs: topic" && git checkout -q main &&
	printf "# Changelog\n\n## [Unreleased]\n\n### Added\n- first\n- main entry\n\n## [1.0.0] - 2026-01-01\n\n### Fixed\n- old\n" >CHANGELOG.md &&
	git commit -q -am "docs: main" && git checkout -q topic &&
	git rebase -q main 2>../err &&
	printf "# Changelog\n\n## [Unreleased]\n\n### Added\n- first\n- main entry\n- topic entry\n\n### Fixed\n- topic fix\n\n## [1.0.0] - 2026-01-01\n\n### Fixed\n- old\n" >../want &&
	test_cmp ../want CHANGELOG.md && no_markers
'

test_expect_success 'date-only differences: no conflict, the later date' '
	mrepo dates TODO.md "# Plan\n\nLast updated: 2026-01-01\n\n- [ ] a\n" &&
	side a TODO.md "# Plan\n\nLast updated: 2026-01-05\n\n- [ ] a\n- [ ] b\n" &&
	side b TODO.md "# Plan\n\nLast updated: 2026-01-03\n\n- [x] a\n" &&
	git merge -q a && git merge -q --no-edit b &&
	printf "# Plan\n\nLast updated: 2026-01-05\n\n- [x] a\n- [ ] b\n" >../want &&
	test_cmp ../want TODO.md && no_markers
'

test_expect_success 'an entry deleted on one side stays deleted while the other side adds beside it' '
	mrepo del CHANGELOG.md "# Changelog\n\n## [Unreleased]\n- keep\n- drop me\n- last\n" &&
	side a CHANGELOG.md "# Changelog\n\n## [Unreleased]\n- keep\n- last\n" &&
	side b CHANGELOG.md "# Changelog\n\n## [Unreleased]\n- keep\n- drop me\n- added\n- last\n" &&
	git merge -q a && git merge -q --no-edit b &&
	printf "# Changelog\n\n## [Unreleased]\n- keep\n- added\n- last\n" >../want &&
	test_cmp ../want CHANGELOG.md && no_markers &&
	git show main~2:CHANGELOG.md >../b && git show a:CHANGELOG.md >../o &&
	git show b:CHANGELOG.md >../t &&
	git merge-file -p --union ../o ../b ../t >../union &&
	test_grep "drop me" ../union
'

test_expect_success 'an entry changed on both sides: git reports a conflict, markers for that entry only' '
	mrepo both TODO.md "# Tasks\n\n- [ ] alpha\n- [ ] beta\n- [ ] gamma\n" &&
	side a TODO.md "# Tasks\n\n- [ ] alpha\n- [ ] beta by ours\n- [ ] gamma\n- [ ] delta\n" &&
	side b TODO.md "# Tasks\n\n- [x] alpha\n- [ ] beta by theirs\n- [ ] gamma\n" &&
	git merge -q a && test_expect_code 1 git merge --no-edit b >../out 2>&1 &&
	test_grep "CONFLICT (content): Merge conflict in TODO.md" ../out &&
	printf "# Tasks\n\n- [x] alpha\n<<<<<<< ours\n- [ ] beta by ours\n=======\n- [ ] beta by theirs\n>>>>>>> theirs\n- [ ] gamma\n- [ ] delta\n" >../want &&
	test_cmp ../want TODO.md &&
	test_eq "UU TODO.md" "$(git status --porcelain)" &&
	git merge --abort && no_markers
'

test_expect_success 'a file of no known kind goes to git merge-file' '
	mrepo txt notes.txt "a\nb\nc\n" &&
	side a notes.txt "a\nB1\nc\n" && side b notes.txt "a\nB2\nc\n" &&
	git merge -q a && test_expect_code 1 git merge --no-edit b >../out 2>&1 &&
	test_grep "CONFLICT (content)" ../out && test_grep "^<<<<<<< " notes.txt &&
	git merge --abort
'

test_expect_success 'the driver by hand: exit 0 clean, 1 conflict, --json' '
	new_repo hand &&
	printf -- "- a\n" >b && printf -- "- a\n- o\n" >o && printf -- "- a\n- t\n" >t &&
	bosun merge-driver --kind entries b o t &&
	test_eq "$(printf -- "- a\n- o\n- t")" "$(cat o)" &&
	printf -- "- a\n" >o2 && printf -- "- b\n" >t2 && printf -- "- c\n" >o3 &&
	test_expect_code 1 bosun merge-driver --kind entries o2 o3 t2 CHANGELOG.md 2>../err &&
	test_grep "1 entry in conflict" ../err && test_grep "^<<<<<<< ours$" o3 &&
	printf -- "- a\n- o\n" >o && bosun --json merge-driver b o t CHANGELOG.md >../out.json &&
	python3 -c "
import json; d=json.load(open(\"../out.json\"))
assert d=={\"path\":\"CHANGELOG.md\",\"kind\":\"entries\",\"clean\":True,\"conflicts\":0}, d
"
'

test_expect_success 'lockfiles: ours by default, theirs by rule, or a command'"'"'s output' '
	cd "$TRASH/hand" && echo base >lb && echo ours >lo && echo theirs >lt &&
	bosun merge-driver lb lo lt package-lock.json && test_eq ours "$(cat lo)" &&
	env BOSUN_MERGE_LOCKFILE_SIDE=theirs "$BOSUN" merge-driver lb lo lt package-lock.json &&
	test_eq theirs "$(cat lo)" &&
	echo ours >lo &&
	echo "cat \"\$BOSUN_MERGE_THEIRS\" \"\$BOSUN_MERGE_OURS\"" >lock.sh &&
	printf "merge:\n  lockfile_command: [sh, lock.sh]\n" >bosun.yml &&
	bosun merge-driver lb lo lt yarn.lock &&
	test_eq "$(printf "theirs\nours")" "$(cat lo)" &&
	printf "merge:\n  lockfile_command: [\"false\"]\n" >bosun.yml && echo ours >lo &&
	test_expect_code 1 bosun merge-driver lb lo lt yarn.lock 2>/dev/null &&
	test_eq ours "$(cat lo)" && rm bosun.yml
'

test_expect_success 'bad input: a clear message, its exit code, nothing written' '
	cd "$TRASH/hand" && printf -- "- a\n- o\n" >o && sum=$(sha256sum <o) &&
	test_expect_code 64 bosun merge-driver b o 2>../err &&
	test_grep "expected BASE OURS THEIRS" ../err &&
	test_expect_code 64 bosun merge-driver --kind nope b o t 2>../err &&
	test_grep "unknown merge kind .nope." ../err &&
	test_expect_code 3 bosun merge-driver b o missing 2>../err &&
	test_grep "missing" ../err &&
	printf "merge:\n  kinds:\n    \"*.md\": bogus\n" >bosun.yml &&
	test_expect_code 65 bosun merge-driver b o t x.md 2>../err &&
	test_grep "bosun.yml:3:.*must be one of entries" ../err && rm bosun.yml &&
	test_eq "$sum" "$(sha256sum <o)"
'

# strace kills the driver at its K-th call of one kind; OURS must then be
# wholly old or wholly new, and the next run finish the merge.
if command -v strace >/dev/null 2>&1; then
test_expect_success 'kill -9 at every rename, fsync, open and write: ours old or new' '
	cd "$TRASH/hand" && python3 -c "
import sys
b=[\"# Changelog\",\"\",\"## [Unreleased]\"]+[\"- entry %d\" % i for i in range(3000)]
o=b+[\"- ours %d\" % i for i in range(50)]
t=b[:3]+[\"- theirs %d\" % i for i in range(50)]+b[3:]
for n,l in ((\"kb\",b),(\"ko\",o),(\"kt\",t)): open(n,\"w\").write(\"\\n\".join(l)+\"\\n\")
" && cp ko ko.orig &&
	bosun merge-driver kb ko kt CHANGELOG.md && mv ko ko.new && kills=0 && old=0 && new=0 &&
	for sc in rename fsync openat write; do
		k=1 &&
		while [ $k -le 40 ]; do
			cp ko.orig ko &&
			strace -f -qq -o /dev/null -e trace=$sc -e inject=$sc:signal=KILL:when=$k \
				"$BOSUN" merge-driver kb ko kt CHANGELOG.md >/dev/null 2>&1
			rc=$? &&
			if cmp -s ko ko.orig; then old=$((old + 1))
			elif cmp -s ko ko.new; then new=$((new + 1))
			else echo "$sc #$k: ours is neither old nor new" && return 1
			fi &&
			bosun merge-driver kb ko kt CHANGELOG.md 2>../err || {
				cat ../err && return 1
			}
			cmp ko ko.new || return 1
			[ $rc -ne 0 ] || break
			kills=$((kills + 1)) && k=$((k + 1))
		done || return 1
	done &&
	echo "kills: $kills, old: $old, new: $new" &&
	[ $kills -ge 10 ] && [ $old -ge 1 ] &&
	test_eq "" "$(find . -name "ko.lock*")"
'
else
	test_skip 'kill -9 at every rename, fsync, open and write: ours old or new' 'no strace'
fi

test_done

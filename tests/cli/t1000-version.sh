#!/bin/sh
# bosun version current / next on small, hand-made histories.
. "$(dirname "$0")/lib.sh"

test_expect_success 'empty repository: current is exit 3, next is exit 3' '
	new_repo empty &&
	test_expect_code 3 bosun version current 2>err &&
	test_grep "no commits yet" err
'

test_expect_success 'no tags: current exits 3 with "no release yet"' '
	new_repo r && commit "feat: first" &&
	test_expect_code 3 bosun version current 2>err &&
	test_grep "no release yet" err
'

test_expect_success 'first release is release.initial (0.1.0)' '
	cd r && bosun version next >out && test_eq 0.1.0 "$(cat out)"
'

test_expect_success 'release.initial is configurable' '
	cd r && BOSUN_RELEASE_INITIAL=1.0.0 bosun version next >out &&
	test_eq 1.0.0 "$(cat out)"
'

test_expect_success 'only chores: nothing to release, exit 1, never a forced patch' '
	new_repo c && commit "chore: a" && commit "docs: b" &&
	test_expect_code 1 bosun version next 2>err &&
	test_grep "nothing to release" err
'

test_expect_success 'current is the highest reachable tag' '
	new_repo t && commit "feat: a" && git tag v1.0.0 &&
	commit "fix: b" && git tag v1.0.1 &&
	bosun version current >out && test_eq 1.0.1 "$(cat out)" &&
	bosun version current --tag >out && test_eq v1.0.1 "$(cat out)"
'

test_expect_success 'current --json gives version, tag, commit' '
	cd t && bosun --json version current >out &&
	test_grep "\"tag\": \"v1.0.1\"" out &&
	test_grep "\"commit\": \"$(git rev-parse HEAD)\"" out
'

test_expect_success 'several tags on one commit: the highest wins' '
	cd t && git tag v1.0.2-rc.1 && git tag v1.0.2 &&
	bosun version current >out && test_eq 1.0.2 "$(cat out)"
'

test_expect_success 'tags not reachable from HEAD do not count' '
	cd t && git checkout -q -b side && commit "feat: side" && git tag v9.0.0 &&
	git checkout -q main &&
	bosun version current >out && test_eq 1.0.2 "$(cat out)"
'

test_expect_success 'non-semver tags are ignored (and named with -v)' '
	cd t && git tag v1.2 && git tag v01.2.3 && git tag v1.2.3.4 && git tag release-x &&
	bosun version current >out && test_eq 1.0.2 "$(cat out)" &&
	bosun -v version current 2>err >/dev/null &&
	test_grep "v1.2.3.4: not a semantic version" err &&
	test_grep "v01.2.3" err
'

test_expect_success 'works on a detached HEAD' '
	cd t && git checkout -q --detach v1.0.0 &&
	bosun version current >out && test_eq 1.0.0 "$(cat out)" &&
	git checkout -q main
'

test_expect_success 'fix -> patch, feat -> minor, breaking -> major' '
	new_repo b && commit "feat: a" && git tag v1.2.3 &&
	commit "fix: b" && test_eq 1.2.4 "$(bosun version next)" &&
	commit "perf: c" && test_eq 1.2.4 "$(bosun version next)" &&
	commit "feat(x): d" && test_eq 1.3.0 "$(bosun version next)" &&
	commit "refactor(core)!: e" && test_eq 2.0.0 "$(bosun version next)"
'

test_expect_success 'BREAKING CHANGE and BREAKING-CHANGE footers are major' '
	new_repo f && commit "feat: a" && git tag v1.0.0 &&
	git commit -q --allow-empty -m "fix: b" -m "BREAKING CHANGE: the API changed" &&
	test_eq 2.0.0 "$(bosun version next)" &&
	new_repo f2 && commit "feat: a" && git tag v1.0.0 &&
	git commit -q --allow-empty -m "fix: b" -m "BREAKING-CHANGE: the API changed" &&
	test_eq 2.0.0 "$(bosun version next)"
'

test_expect_success 'indented and squash-bulleted BREAKING CHANGE notes are major' '
	new_repo f3 && commit "feat: a" && git tag v1.0.0 &&
	git commit -q --allow-empty -m "fix: b" -m "  BREAKING CHANGE: the API changed" &&
	test_eq 2.0.0 "$(bosun version next)" &&
	new_repo f4 && commit "feat: a" && git tag v1.0.0 &&
	git commit -q --allow-empty -m "fix: squashed (#12)" \
		-m "* fix: b" -m "* BREAKING CHANGE: the API changed" &&
	test_eq 2.0.0 "$(bosun version next)" &&
	bosun --json version next >out && test_grep "\"level\": \"major\"" out
'

test_expect_success 'below 1.0.0 a breaking change bumps the minor' '
	new_repo z && commit "feat: a" && git tag v0.3.4 &&
	commit "feat!: b" && test_eq 0.4.0 "$(bosun version next)" &&
	BOSUN_RELEASE_ZERO_MAJOR=true bosun version next >out &&
	test_eq 1.0.0 "$(cat out)"
'

test_expect_success 'below 1.0.0 a feature bumps the minor, a fix the patch' '
	new_repo z2 && commit "feat: a" && git tag v0.3.4 &&
	commit "fix: b" && test_eq 0.3.5 "$(bosun version next)" &&
	commit "feat: c" && test_eq 0.4.0 "$(bosun version next)"
'

test_expect_success 'the bump types are configurable' '
	new_repo cfg && commit "feat: a" && git tag v1.0.0 && commit "docs: b" &&
	test_expect_code 1 bosun version next 2>/dev/null &&
	BOSUN_RELEASE_PATCH_TYPES=fix,perf,docs bosun version next >out &&
	test_eq 1.0.1 "$(cat out)" &&
	printf "release:\n  minor_types: [feat, docs]\n" >bosun.yml &&
	test_eq 1.1.0 "$(bosun version next)"
'

test_expect_success '--pre rc: 1.2.3 + feat -> 1.3.0-rc.1, then rc.2, then 1.3.0' '
	new_repo p && commit "feat: a" && git tag v1.2.3 &&
	commit "feat: b" &&
	test_eq 1.3.0-rc.1 "$(bosun version next --pre rc)" &&
	git tag v1.3.0-rc.1 &&
	commit "fix: c" &&
	test_eq 1.3.0-rc.2 "$(bosun version next --pre rc)" &&
	git tag v1.3.0-rc.2 &&
	test_eq 1.3.0 "$(bosun version next)" &&
	test_expect_code 1 bosun version next --pre rc 2>err &&
	test_grep "nothing to release since v1.3.0-rc.2" err
'

test_expect_success '--pre with another id starts at .1' '
	cd p && test_eq 1.3.0-beta.1 "$(bosun version next --pre beta)"
'

test_expect_success 'only prerelease tags: current is the prerelease, next goes on from it' '
	new_repo ob && commit "feat: a" && git tag v1.0.0-beta.1 &&
	test_eq 1.0.0-beta.1 "$(bosun version current)" &&
	test_eq 1.0.0 "$(bosun version next)" &&
	test_expect_code 1 bosun version next --pre beta 2>err &&
	test_grep "nothing to release since v1.0.0-beta.1" err &&
	commit "fix: b" &&
	test_eq 1.0.0 "$(bosun version next)" &&
	test_eq 1.0.0-beta.2 "$(bosun version next --pre beta)" &&
	test_eq 1.0.0-rc.1 "$(bosun version next --pre rc)" &&
	commit "feat: c" &&
	test_eq 1.0.0 "$(bosun version next)" &&
	test_eq 1.0.0-beta.2 "$(bosun version next --pre beta)" &&
	git tag v1.0.0-rc.1 && commit "fix: d" &&
	test_eq 1.0.0-rc.2 "$(bosun version next --pre rc)" &&
	test_eq 1.0.0 "$(bosun version next)"
'

test_expect_success '--pre with a bad id is a usage error' '
	cd p && test_expect_code 64 bosun version next --pre "r c" 2>err &&
	test_grep "may hold only" err
'

test_expect_success '--level forces the level' '
	cd p && test_eq 2.0.0 "$(bosun version next --level major)" &&
	test_expect_code 64 bosun version next --level huge 2>err &&
	test_grep "takes one of" err
'

test_expect_success 'a revert cancels the reverted commit when both are in range' '
	new_repo rv && commit "fix: a" && git tag v1.0.0 &&
	commit "feat: risky" && git revert --no-edit HEAD >/dev/null &&
	test_expect_code 1 bosun version next 2>err &&
	commit "fix: ok" && test_eq 1.0.1 "$(bosun version next)"
'

test_expect_success 'a revert of an already released commit is a patch' '
	new_repo rv2 && commit "feat: a" && git tag v1.0.0 &&
	git revert --no-edit HEAD >/dev/null &&
	test_eq 1.0.1 "$(bosun version next)" &&
	BOSUN_RELEASE_PATCH_TYPES=fix,perf test_expect_code 1 bosun version next 2>/dev/null
'

test_expect_success 'merge commits: the merged commits count, not the subject' '
	new_repo m && commit "fix: a" && git tag v1.0.0 &&
	git checkout -q -b topic && commit "feat: topic work" topic.txt &&
	git checkout -q main && commit "fix: main work" &&
	git merge -q --no-ff -m "fix!: a merge subject that must not count" topic &&
	test_eq 1.1.0 "$(bosun version next)"
'

test_expect_success 'a squash commit listing entries counts each' '
	new_repo sq && commit "fix: a" && git tag v1.0.0 &&
	git commit -q --allow-empty -m "Add the big thing (#12)" \
		-m "* fix: small one" -m "* feat(api): new endpoint" &&
	test_eq 1.1.0 "$(bosun version next)"
'

test_expect_success 'next --json gives version, tag, level, previous, commits' '
	cd sq && bosun --json version next >out &&
	test_grep "\"version\": \"1.1.0\"" out &&
	test_grep "\"tag\": \"v1.1.0\"" out &&
	test_grep "\"level\": \"minor\"" out &&
	test_grep "\"previous\": \"v1.0.0\"" out &&
	test_grep "feat(api): new endpoint" out
'

test_expect_success 'next --json when nothing to release: version null, exit 1' '
	new_repo nj && commit "chore: a" &&
	test_expect_code 1 bosun --json version next >out &&
	test_grep "\"version\": null" out
'

test_expect_success 'monorepo tags: --package fills {name}' '
	new_repo mono && commit "feat: a" && git tag web@1.2.0 && git tag api-v3.0.0 &&
	git tag v0.9.0 &&
	test_eq 1.2.0 "$(bosun version current --package web)" &&
	test_eq 3.0.0 "$(bosun version current --package api --tag-format "{name}-v{version}")" &&
	test_eq 0.9.0 "$(bosun version current)" &&
	commit "fix: b" &&
	bosun --json version next --package web >out &&
	test_grep "\"tag\": \"web@1.2.1\"" out
'

test_expect_success '{name} without --package is a usage error' '
	cd mono && test_expect_code 64 bosun version current --tag-format "{name}@{version}" 2>err &&
	test_grep "pass --package" err
'

test_expect_success 'shallow clone: says so and how to fix it' '
	new_repo deep && commit "feat: a" && git tag v1.0.0 && commit "fix: b" && commit "fix: c" &&
	cd "$TRASH" && git clone -q --depth 1 "file://$TRASH/deep" shallow 2>/dev/null &&
	cd shallow && test -z "$(git tag)" &&
	test_expect_code 65 bosun version next 2>err &&
	test_grep "shallow" err &&
	test_grep "git fetch --unshallow --tags" err
'

test_expect_success 'non-UTF-8 commit messages are handled' '
	new_repo enc && commit "feat: a" && git tag v1.0.0 &&
	printf "fix: caf\351 cr\350me\n" >msg && git commit -q --allow-empty -F msg &&
	test_eq 1.0.1 "$(bosun version next)" &&
	bosun --json version next >out && python3 -m json.tool out >/dev/null
'

test_expect_success 'a numeric prerelease id is refused' '
	cd p && test_expect_code 64 bosun version next --pre 01 2>../err &&
	test_grep "needs a letter" ../err
'

test_expect_success '--tag-format without {version} is a usage error' '
	cd p && test_expect_code 64 bosun version current --tag-format "v" 2>../err &&
	test_eq "bosun: --tag-format: tag format '"'v'"' must contain '"'{version}'"' exactly once" \
		"$(head -n 1 ../err)" &&
	test_expect_code 64 bosun changelog --tag-format "nover" 2>../err &&
	test_eq "bosun: --tag-format: tag format '"'nover'"' must contain '"'{version}'"' exactly once" \
		"$(head -n 1 ../err)"
'

test_expect_success 'packed, loose and annotated tags read the same' '
	new_repo pk && commit "feat: a" && git tag -a v1.0.0 -m one && commit "fix: b" &&
	git tag v1.0.1 && commit "feat: c" && git tag -a v1.1.0 -m three &&
	test_eq 1.1.0 "$(bosun version current)" &&
	git pack-refs --all && test_eq 1.1.0 "$(bosun version current)" &&
	git tag -d v1.1.0 >/dev/null && test_eq 1.0.1 "$(bosun version current)" &&
	git tag -a v1.1.0 -m again HEAD && test_eq 1.1.0 "$(bosun version current)" &&
	git tag -f v1.0.1 HEAD >/dev/null && git tag -d v1.1.0 >/dev/null &&
	bosun --json version current >../out &&
	test_grep "\"commit\": \"$(git rev-parse HEAD)\"" ../out
'

test_expect_success 'a tag of a tree is skipped, not fatal' '
	cd pk && git tag v2.0.0 "HEAD^{tree}" &&
	test_eq 1.0.1 "$(bosun version current)" &&
	bosun -v version current 2>../err >/dev/null && test_grep "v2.0.0: does not point to a commit" ../err
'

test_expect_success 'the commit cache is written, shared by worktrees, and never changes an answer' '
	cd b && rm -f .git/bosun/commits.cache && bosun version next >../cache.a &&
	test -s .git/bosun/commits.cache &&
	bosun version next >../cache.b && test_cmp ../cache.a ../cache.b &&
	BOSUN_NO_CACHE=1 bosun version next >../cache.c && test_cmp ../cache.a ../cache.c &&
	git worktree add -q ../b-worktree && cd ../b-worktree && bosun version next >../cache.d && test_cmp ../cache.a ../cache.d
'

test_expect_success 'a corrupt commit cache is ignored' '
	cd b && printf "BOSUNCC1\377\377\377\377garbage" >.git/bosun/commits.cache &&
	bosun version next >../cache.e && test_cmp ../cache.a ../cache.e &&
	head -c 100 /dev/urandom >.git/bosun/commits.cache &&
	bosun version next >../cache.e && test_cmp ../cache.a ../cache.e
'

test_expect_success 'version next names auto among the levels, in --help and in a usage error' '
	bosun version next --help >out && test_grep "^usage: .*--level major|minor|patch|auto" out &&
	test_grep "auto" out &&
	new_repo lv && commit "feat: a" &&
	test_expect_code 64 bosun version next --level huge 2>err && test_grep "auto" err &&
	bosun version next --level auto >/dev/null
'

test_done

#!/bin/sh
# bosun changelog: entries, sections, links, --prepend.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: a history with two releases' '
	new_repo r &&
	commit "feat(parser): first feature" && git tag v1.0.0 &&
	GIT_COMMITTER_DATE="2026-02-03T10:00:00Z" commit "fix: a fix (#12)" &&
	GIT_COMMITTER_DATE="2026-02-03T11:00:00Z" commit "feat(api): an endpoint" &&
	GIT_COMMITTER_DATE="2026-02-03T12:00:00Z" commit "docs: explain" &&
	GIT_COMMITTER_DATE="2026-02-03T13:00:00Z" commit "chore: hidden" &&
	GIT_COMMITTER_DATE="2026-02-04T23:30:00Z" git commit -q --allow-empty -m "perf!: faster" -m "BREAKING CHANGE: drops the old cache" &&
	git tag v2.0.0 &&
	commit "fix(cli): unreleased fix"
'

test_expect_success 'default is the unreleased entry' '
	cd r && bosun changelog >out &&
	test_eq "## [Unreleased]" "$(head -n 1 out)" &&
	test_grep "^- \*\*cli:\*\* unreleased fix ($(git rev-parse --short=7 HEAD))$" out &&
	test_no_grep "endpoint" out
'

test_expect_success '--all: one entry per release, newest first, UTC dates of the tagged commit' '
	cd r && bosun changelog --all >out &&
	grep "^## " out >headings &&
	printf "## [Unreleased]\n## [2.0.0] - 2026-02-04\n## [1.0.0] - 2026-01-02\n" >expected &&
	test_cmp expected headings
'

test_expect_success 'sections in the configured order; hidden types left out' '
	cd r && bosun changelog --all >out &&
	sed -n "/^## \[2.0.0\]/,/^## \[1.0.0\]/p" out | grep "^###" >sections &&
	printf "### BREAKING CHANGES\n### Features\n### Bug Fixes\n### Performance\n### Documentation\n" >expected &&
	test_cmp expected sections &&
	test_no_grep "hidden" out
'

test_expect_success 'BREAKING CHANGES shows the footer text' '
	cd r && bosun changelog --all >out &&
	test_grep "^- drops the old cache (" out
'

test_expect_success 'changelog.other shows other types under that title' '
	cd r && BOSUN_CHANGELOG_OTHER="Other Changes" bosun changelog --all >out &&
	test_grep "^### Other Changes" out && test_grep "hidden" out
'

test_expect_success 'sections are configurable in bosun.yml' '
	cd r && printf "changelog:\n  sections:\n    fix: Fixes\n    feat: New\n" >bosun.yml &&
	bosun changelog --all >out && rm bosun.yml &&
	sed -n "/^## \[2.0.0\]/,/^## \[1.0.0\]/p" out | grep "^###" >sections &&
	printf "### BREAKING CHANGES\n### Fixes\n### New\n" >expected &&
	test_cmp expected sections
'

test_expect_success 'GitHub remote: links to commits and issues' '
	cd r && git remote add origin git@github.com:acme/widget.git &&
	bosun changelog --all >out &&
	sha=$(git rev-parse HEAD~1) &&
	test_grep "(\[$(git rev-parse --short=7 HEAD)\](https://github.com/acme/widget/commit/$(git rev-parse HEAD)))" out &&
	test_grep "a fix (\[#12\](https://github.com/acme/widget/issues/12))" out
'

test_expect_success 'GitLab remote: GitLab link forms' '
	cd r && git remote set-url origin https://gitlab.com/acme/widget.git &&
	bosun changelog >out &&
	test_grep "https://gitlab.com/acme/widget/-/commit/" out
'

test_expect_success 'unknown hosts get no links' '
	cd r && git remote set-url origin https://example.invalid/acme/widget.git &&
	bosun changelog >out && test_no_grep "](http" out
'

test_expect_success '--range A..B lists the commits in the range' '
	cd r && bosun changelog --range v1.0.0..v2.0.0 >out &&
	test_grep "an endpoint" out && test_no_grep "first feature" out &&
	test_no_grep "unreleased fix" out
'

test_expect_success '--range with a bad revision fails with exit 3' '
	cd r && test_expect_code 3 bosun changelog --range nope..HEAD 2>err &&
	test_grep "nope" err
'

test_expect_success '--json lists releases and entries' '
	cd r && bosun --json changelog --all >out &&
	python3 -c "
import json,sys
d=json.load(open(\"out\"))
assert [r[\"version\"] for r in d]==[None,\"2.0.0\",\"1.0.0\"], d
e=[x for x in d[1][\"entries\"] if x[\"breaking\"]]
assert e and e[0][\"breaking_text\"]==\"drops the old cache\", e
"
'

test_expect_success '--prepend inserts above the previous entry, never twice' '
	cd r && printf "# Changelog\n\nintro text\n\n## [1.0.0] - 2026-01-02\n\n- old\n" >CHANGELOG.md &&
	bosun changelog --title 2.1.0 --prepend CHANGELOG.md &&
	test_eq "## [2.1.0] - 2026-01-02" "$(grep "^## " CHANGELOG.md | head -n 1)" &&
	test_grep "^intro text" CHANGELOG.md &&
	cp CHANGELOG.md before &&
	bosun changelog --title 2.1.0 --prepend CHANGELOG.md 2>err &&
	test_grep "already has this entry" err &&
	test_cmp before CHANGELOG.md
'

test_expect_success '--prepend creates a missing file with a title' '
	cd r && rm -f NEW.md && bosun changelog --prepend NEW.md &&
	test_eq "# Changelog" "$(head -n 1 NEW.md)" &&
	test_grep "^## \[Unreleased\]" NEW.md
'

test_expect_success 'conflicting options are usage errors' '
	cd r && test_expect_code 64 bosun changelog --all --unreleased 2>err &&
	test_expect_code 64 bosun changelog --all --prepend X.md 2>err &&
	test_expect_code 64 bosun changelog --range nodots 2>err
'

test_expect_success 'merges, squash entries and revert pairs' '
	new_repo m && commit "feat: base" && git tag v1.0.0 &&
	git checkout -q -b topic && commit "feat: from topic" t.txt &&
	git checkout -q main && git merge -q --no-ff -m "Merge branch topic" topic &&
	git commit -q --allow-empty -m "Big PR (#7)" -m "* fix: squashed one" -m "* feat: squashed two" &&
	commit "feat: oops" && git revert --no-edit HEAD >/dev/null &&
	bosun changelog >out &&
	test_grep "from topic" out && test_no_grep "Merge branch" out &&
	test_grep "squashed one" out && test_grep "squashed two" out &&
	test_no_grep "oops" out
'

test_expect_success 'a revert of a released commit is listed under Reverts' '
	new_repo rv && commit "feat: shipped" && git tag v1.0.0 &&
	git revert --no-edit HEAD >/dev/null &&
	bosun changelog >out && test_grep "^### Reverts" out &&
	test_grep "Revert \"feat: shipped\"" out
'

test_expect_success '--title only with the unreleased entry' '
	cd r && test_expect_code 64 bosun changelog --all --title 9.9.9 2>../err &&
	test_grep "not with --all" ../err
'

test_expect_success '--range ..B starts at the first commit' '
	cd r && bosun changelog --range ..v1.0.0 >../out && test_grep "first feature" ../out
'

test_expect_success '--json --prepend reports what it did' '
	cd r && rm -f J.md && bosun --json changelog --prepend J.md >../out &&
	test_grep "\"added\": true" ../out &&
	bosun --json changelog --prepend J.md >../out && test_grep "\"added\": false" ../out
'

test_expect_success 'a shallow clone gets no partial changelog' '
	cd "$TRASH" && rm -rf sh && git clone -q --depth 2 "file://$TRASH/r" sh 2>/dev/null && cd sh &&
	test_expect_code 65 bosun changelog --all 2>../err && test_grep "unshallow" ../err
'

test_expect_success 'only prereleases: a stable entry lists everything, a prerelease since the latest' '
	new_repo pre &&
	commit "feat: before the beta" && git tag v1.0.0-beta.1 &&
	commit "fix: after the beta" &&
	bosun changelog >out &&
	test_grep "after the beta" out && test_no_grep "before the beta" out &&
	bosun changelog --title 1.0.0-beta.2 >out &&
	test_grep "^## \[1.0.0-beta.2\]" out &&
	test_grep "after the beta" out && test_no_grep "before the beta" out &&
	bosun changelog --title "$(bosun version next)" >out &&
	test_grep "^## \[1.0.0\]" out &&
	test_grep "after the beta" out && test_grep "before the beta" out &&
	bosun changelog --all >out && grep "^## " out >headings &&
	test_grep "^## \[Unreleased\]" headings && test_grep "^## \[1.0.0-beta.1\]" headings
'

test_expect_success 'a squash-bulleted BREAKING CHANGE is listed under BREAKING CHANGES' '
	new_repo sq && commit "feat: a" && git tag v1.0.0 &&
	git commit -q --allow-empty -m "fix: squashed (#3)" -m "* fix: b" \
		-m "* BREAKING CHANGE: the flag is gone" &&
	bosun changelog >out &&
	test_grep "^### BREAKING CHANGES" out && test_grep "the flag is gone" out
'

test_expect_success 'a latin1 commit (encoding header) is read as UTF-8; JSON is never empty' '
	new_repo enc && git commit -q --allow-empty -m "feat: init" && git tag v1.0.0 &&
	printf "fix: caf\351 cr\350me\n" >../msg.txt &&
	git -c i18n.commitEncoding=latin1 commit -q --allow-empty -F ../msg.txt &&
	git cat-file commit HEAD | grep -q "^encoding latin1" &&
	printf "caf\303\251 cr\303\250me" >../want &&
	bosun changelog >../out && test_grep "$(cat ../want)" ../out &&
	bosun --json release --dry-run >../out &&
	python3 -c "
import json; d=json.load(open(\"../out\", encoding=\"utf-8\"))
assert \"caf\u00e9 cr\u00e8me\" in d[\"entry\"], d[\"entry\"]
" &&
	bosun --json changelog >../out &&
	python3 -c "
import json; d=json.load(open(\"../out\", encoding=\"utf-8\"))
assert d[0][\"entries\"][0][\"description\"] == \"caf\u00e9 cr\u00e8me\", d
"
'

# git commit re-encodes a message that is not UTF-8, so the object is
# written by hand.
test_expect_success 'bytes that are not UTF-8 and no encoding header: U+FFFD' '
	cd enc && {
		printf "tree %s\nparent %s\n" "$(git rev-parse HEAD^{tree})" "$(git rev-parse HEAD)" &&
		printf "author T <t@example.invalid> 1767322800 +0000\n" &&
		printf "committer T <t@example.invalid> 1767322800 +0000\n\n" &&
		printf "fix: bad \377 byte\n"
	} >../raw && c=$(git hash-object -t commit -w ../raw) && git update-ref HEAD "$c" &&
	printf "bad \357\277\275 byte" >../want &&
	bosun changelog >../out && test_grep "$(cat ../want)" ../out &&
	bosun --json version next >../out &&
	python3 -c "
import json; d=json.load(open(\"../out\", encoding=\"utf-8\"))
assert d[\"commits\"][0][\"header\"] == \"fix: bad \ufffd byte\", d[\"commits\"][0]
"
'

test_done

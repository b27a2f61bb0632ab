#!/bin/sh
# bosun commit lint: files, stdin, ranges, rules, exit codes.
. "$(dirname "$0")/lib.sh"

test_expect_success 'a good message passes silently' '
	printf "feat(parser): handle CRLF\n\nBody text.\n\nRefs: #12\n" >good &&
	bosun commit lint good >out && test ! -s out
'

test_expect_success 'a bad header: FILE:LINE: rule: message, a hint, exit 1' '
	printf "Added stuff\n" >bad &&
	test_expect_code 1 bosun commit lint bad >out &&
	test_grep "^bad:1: header-format: " out && test_grep "hint:" out
'

test_expect_success 'an unknown type suggests the closest' '
	printf "feta: x\n" >typo &&
	test_expect_code 1 bosun commit lint typo >out &&
	test_grep "typo:1: type-enum" out && test_grep "feat" out
'

test_expect_success 'header longer than 100 characters' '
	printf "feat: %0100d\n" 0 >long &&
	test_expect_code 1 bosun commit lint long >out && test_grep "header-max-length" out &&
	BOSUN_COMMIT_HEADER_MAX=200 bosun commit lint long
'

test_expect_success 'no blank line after the header' '
	printf "fix: x\nbody right away\n" >nb &&
	test_expect_code 1 bosun commit lint nb >out && test_grep "nb:2: body-leading-blank" out
'

test_expect_success 'footer syntax: lowercase breaking change is flagged' '
	printf "fix: x\n\nbreaking change: nope\n" >ft &&
	test_expect_code 1 bosun commit lint ft >out && test_grep "footer-format" out
'

test_expect_success 'comments and the scissors line are ignored' '
	printf "fix: x\n# a comment\n# ------------------------ >8 ------------------------\nNot a header at all\n" >sc &&
	bosun commit lint sc
'

test_expect_success 'merge, revert, fixup! and release commits are skipped' '
	for m in "Merge branch '\''x'\'' into main" "Revert \"feat: x\"" "fixup! feat: x" "squash! y" "chore(release): 1.2.3"; do
		printf "%s\n" "$m" >m && bosun commit lint m || return 1
	done
'

test_expect_success 'commit.skip can turn skipping off' '
	printf "fixup! nope\n" >fx && BOSUN_COMMIT_SKIP=merge test_expect_code 1 bosun commit lint fx >out
'

test_expect_success 'scopes can be restricted' '
	printf "feat(nope): x\n" >s && BOSUN_COMMIT_SCOPES=api,cli test_expect_code 1 bosun commit lint s >out &&
	test_grep "scope-enum" out
'

test_expect_success 'stdin with -' '
	printf "feat: ok\n" | bosun commit lint - &&
	printf "nope\n" | test_expect_code 1 bosun commit lint - >out &&
	test_grep "^<stdin>:1:" out
'

test_expect_success 'an empty message fails' '
	: >empty && test_expect_code 1 bosun commit lint empty >out && test_grep "message-empty" out
'

test_expect_success 'CRLF, trailing spaces and non-UTF-8 bytes' '
	printf "fix(io): caf\351  \r\n\r\nbody\r\n" >crlf && bosun commit lint crlf
'

test_expect_success 'a missing file is exit 3; no argument is a usage error' '
	test_expect_code 3 bosun commit lint nope 2>err && test_grep "nope" err &&
	test_expect_code 64 bosun commit lint 2>err
'

test_expect_success '--range lints every commit in the range' '
	new_repo r && commit "chore: base" && commit "feat: a" && commit "bad one" && commit "fix: b" &&
	test_expect_code 1 bosun commit lint --range HEAD~3..HEAD >out 2>err &&
	test_grep "^$(git rev-parse --short=7 HEAD~1):1: header-format" out &&
	test_grep "3 commit(s) checked" err &&
	test_expect_code 1 bosun commit lint --range ..HEAD 2>err >/dev/null &&
	test_grep "4 commit(s) checked" err
'

test_expect_success '--json reports problems' '
	cd r && test_expect_code 1 bosun --json commit lint --range HEAD~3..HEAD >out &&
	python3 -c "
import json
d=json.load(open(\"out\"))
assert d[\"ok\"] is False and d[\"checked\"]==3 and d[\"problems\"][0][\"rule\"]==\"header-format\", d
"
'

test_expect_success 'every Conventional Commits spec example passes' '
	printf "feat: allow provided config object to extend other configs\n\nBREAKING CHANGE: \`extends\` key in config file is now used for extending other config files\n" >e1 &&
	printf "feat!: send an email to the customer when a product is shipped\n" >e2 &&
	printf "feat(api)!: send an email to the customer when a product is shipped\n" >e3 &&
	printf "chore!: drop support for Node 6\n\nBREAKING CHANGE: use JavaScript features not available in Node 6.\n" >e4 &&
	printf "docs: correct spelling of CHANGELOG\n" >e5 &&
	printf "feat(lang): add Polish language\n" >e6 &&
	printf "fix: prevent racing of requests\n\nIntroduce a request id and a reference to latest request. Dismiss\nincoming responses other than from latest request.\n\nRemove timeouts which were used to mitigate the racing issue but are\nobsolete now.\n\nReviewed-by: Z\nRefs: #123\n" >e7 &&
	for f in e1 e2 e3 e4 e5 e6 e7; do bosun commit lint $f || return 1; done
'

test_expect_success 'an unknown commit.skip kind is bad configuration (65)' '
	printf "feat: x\n" >ok && BOSUN_COMMIT_SKIP=merge,bogus test_expect_code 65 bosun commit lint ok 2>err &&
	test_grep "bogus" err
'

test_expect_success 'subject-case: a capitalised description fails, as in commitlint' '
	printf "feat: Add a thing\n" >sc1 &&
	test_expect_code 1 bosun commit lint sc1 >out &&
	test_grep "^sc1:1: subject-case: description must not be sentence-case" out &&
	printf "feat: ADD A THING\n" >sc2 &&
	test_expect_code 1 bosun commit lint sc2 >out && test_grep "upper-case" out &&
	printf "feat: add \`Eslint\` and a \"README\"\n" >sc3 && bosun commit lint sc3 &&
	printf "chore(deps): \320\276\320\261\320\275\320\276\320\262\320\273\320\265\320\275\321\213\n" >sc4 &&
	bosun commit lint sc4 &&
	printf "chore(deps): \320\236\320\221\320\235\320\236\320\222\320\233\320\225\320\235\320\253\n" >sc5 &&
	test_expect_code 1 bosun commit lint sc5 >out && test_grep "subject-case" out
'

test_expect_success 'commit.subject_case is configurable; empty turns it off' '
	BOSUN_COMMIT_SUBJECT_CASE= bosun commit lint sc1 &&
	BOSUN_COMMIT_SUBJECT_CASE=upper-case bosun commit lint sc1 &&
	BOSUN_COMMIT_SUBJECT_CASE=upper-case test_expect_code 1 bosun commit lint sc2 >out &&
	printf "feat: add a thing\n" >lc &&
	BOSUN_COMMIT_SUBJECT_CASE=lower-case test_expect_code 1 bosun commit lint lc >out &&
	test_grep "must not be lower-case" out &&
	new_repo cfg && printf "commit:\n  subject_case: [lower-case]\n" >bosun.yml &&
	test_expect_code 1 bosun commit lint ../lc >out && test_grep "must not be lower-case" out &&
	bosun commit lint ../sc1 && cd .. &&
	BOSUN_COMMIT_SUBJECT_CASE=title-case test_expect_code 65 bosun commit lint lc 2>err &&
	test_grep "unknown case .title-case." err
'

test_expect_success 'body and footer lines longer than 100 characters; URLs excepted' '
	printf "fix: x\n\n%0101d\n\nRefs: #1\n" 0 >bl &&
	test_expect_code 1 bosun commit lint bl >out &&
	test_grep "^bl:3: body-max-line-length: body line is 101 characters long, more than 100" out &&
	printf "fix: x\n\nsee https://example.com/%0100d\n" 0 >bu && bosun commit lint bu &&
	printf "fix: x\n\nbody\n\nReviewed-by: %0100d\n" 0 >fl &&
	test_expect_code 1 bosun commit lint fl >out &&
	test_grep "^fl:5: footer-max-line-length: " out &&
	BOSUN_COMMIT_BODY_LINE_MAX=120 bosun commit lint bl &&
	BOSUN_COMMIT_FOOTER_LINE_MAX=120 bosun commit lint fl &&
	BOSUN_COMMIT_FOOTER_LINE_MAX=120 test_expect_code 1 bosun commit lint bl >/dev/null &&
	BOSUN_COMMIT_BODY_LINE_MAX=-1 test_expect_code 65 bosun commit lint bl 2>err &&
	test_grep "BOSUN_COMMIT_BODY_LINE_MAX: must not be negative" err
'

# A branch name and a diff line git puts in the commented part of the
# message, each too long for a body line: counted only if not comments.
long=feat-$(printf "%0110d" 0)

test_expect_success 'the commit-msg hook strips comments with core.commentChar, as git does' '
	new_repo cc && commit "feat: init" && bosun hooks install >/dev/null 2>&1 &&
	printf "hooks:\n  commit-msg:\n    checks: [commit-lint]\n" >bosun.yml &&
	git add bosun.yml && git commit -q --no-verify -m "chore: cfg" &&
	git checkout -q -b "$long" && echo "$long" >a && git add a &&
	GIT_EDITOR=true git -c core.commentChar=";" commit -q -e -m "feat: add a" 2>../err &&
	test_eq "feat: add a" "$(git log -1 --format=%s)" &&
	echo "$long$long" >a && git add a &&
	GIT_EDITOR=true git -c core.commentChar=";" commit -q -v -e -m "feat: change a" 2>../err &&
	test_eq "feat: change a" "$(git log -1 --format=%s)" &&
	echo b >b && git add b &&
	GIT_EDITOR=true git -c core.commentChar=auto commit -q -v -e -m "fix: add b" \
		-m "#1 is fixed" 2>../err &&
	test_eq "#1 is fixed" "$(git log -1 --format=%b)" &&
	echo c >c && git add c &&
	GIT_EDITOR=true git commit -q -v -e -m "fix: add c" 2>../err &&
	test_eq "fix: add c" "$(git log -1 --format=%s)"
'

test_expect_success 'commit lint FILE reads core.commentChar: a # line counts under ;' '
	cd cc && printf "fix: x\n\n#%s\n; %s\n" "$long" "$long" >m &&
	test_expect_code 1 bosun commit lint m >out && test_grep "m:4: body-max-line-length" out &&
	git config core.commentChar ";" &&
	test_expect_code 1 bosun commit lint m >out && test_grep "m:3: body-max-line-length" out &&
	test_no_grep "m:4:" out && git config --unset core.commentChar
'

test_done

#!/bin/sh
# A credential that reaches bosun's output (a failing hook check's output, a
# commit message in changelog and version next, a value written in
# bosun.yml) is printed redacted, everywhere: terminal, --json, and the
# CHANGELOG.md file; changelog and config say where it was.
. "$(dirname "$0")/lib.sh"

# Realistic shapes, built here so that this file holds none whole.
GHP="ghp_$(printf 'R8x2Kq9Lm4Np7Vb3Tz6Wc1Yd5Fh0Jg%s' 8sAu)"
AKIA="AKIA$(printf 'Q7ZR4M2XW9PL%s' 3KTD)"
XOXB="xoxb-$(printf '184729305611-2935810475261-%s' 'aB3dE5gH7jK9mN1pQ3rS5tU7')"

# no_secret FILE...: no token is in any of the files.
no_secret() {
	for _f in "$@"; do
		test_no_grep "$GHP" "$_f" && test_no_grep "$AKIA" "$_f" &&
		test_no_grep "$XOXB" "$_f" || return 1
	done
}

test_expect_success 'a failing hook check: output redacted on the terminal and in --json' '
	new_repo hook && commit "feat: init" &&
	printf "%s\n" "hooks:" "  pre-commit:" "    checks:" "      - name: leak" \
		"        run: \"echo calling with $GHP and $XOXB; exit 3\"" >bosun.yml &&
	test_expect_code 1 bosun hooks run pre-commit >../out 2>../err &&
	test_expect_code 1 bosun --json hooks run pre-commit >../json 2>../jerr &&
	no_secret ../out ../err ../json ../jerr &&
	test_grep "^      calling with \[REDACTED\] and \[REDACTED\]$" ../err &&
	test_grep "\"output\": \"calling with \[REDACTED\] and \[REDACTED\]" ../json
'

test_expect_success 'changelog: a token in a commit message is redacted and named' '
	new_repo cl && commit "feat: init" && git tag v0.1.0 &&
	commit "fix: call the API with $GHP as $AKIA" &&
	short=$(git rev-parse --short=7 HEAD) &&
	bosun changelog >../out 2>../err &&
	bosun --json changelog >../json 2>../jerr &&
	no_secret ../out ../err ../json ../jerr &&
	test_grep "^- call the API with \[REDACTED\] as \[REDACTED\] ($short)" ../out &&
	test_grep "\"description\": \"call the API with \[REDACTED\] as \[REDACTED\]\"" ../json &&
	test_grep "^bosun: warning: a secret (github-pat) in commit $short.s message; shown redacted$" ../err &&
	test_grep "warning: a secret (github-pat) in commit $short" ../jerr
'

test_expect_success 'changelog --prepend: the file gets the redacted text, with the warning' '
	cd "$TRASH/cl" &&
	bosun changelog --prepend CHANGELOG.md >../out 2>../err &&
	no_secret ../out ../err CHANGELOG.md &&
	test_grep "^- call the API with \[REDACTED\] as \[REDACTED\]" CHANGELOG.md &&
	test_grep "warning: a secret (github-pat) in commit" ../err
'

test_expect_success 'version next: the deciding commit is redacted in --json and -v' '
	cd "$TRASH/cl" &&
	bosun --json version next >../json 2>../jerr &&
	bosun -v version next >../out 2>../err &&
	no_secret ../json ../jerr ../out ../err &&
	test_grep "\"header\": \"fix: call the API with \[REDACTED\] as \[REDACTED\]\"" ../json &&
	test_grep "patch fix: call the API with \[REDACTED\] as \[REDACTED\]$" ../err
'

test_expect_success 'config: a token written in bosun.yml is redacted and its place named' '
	new_repo cfg &&
	printf "%s\n" "release:" "  test: \"curl -H \\\"Authorization: token $GHP\\\" https://api.example.com\"" \
		"store:" "  url: postgres://bosun:hunter2secret@db:5432/bosun" >bosun.yml &&
	bosun config >../out 2>../err &&
	bosun --json config >../json 2>../jerr &&
	bosun config release.test >../one 2>../oneerr &&
	no_secret ../out ../err ../json ../jerr ../one ../oneerr &&
	test_no_grep hunter2secret ../out && test_no_grep hunter2secret ../json &&
	test_grep "^release.test = .*token \[REDACTED\]" ../out &&
	test_grep "^store.url = postgres://bosun:\[REDACTED\]@db:5432/bosun " ../out &&
	test_grep "token \[REDACTED\]" ../json && test_grep "token \[REDACTED\]" ../one &&
	test_grep "^bosun: warning: bosun.yml:2:3: a secret (github-pat) written in the file (release.test); shown redacted" ../err &&
	test_grep "^bosun: warning: bosun.yml:4:3: a secret (url-password) written in the file (store.url)" ../err &&
	test_grep "bosun.yml:2:3: a secret (github-pat)" ../jerr &&
	test_grep "bosun.yml:2:3: a secret (github-pat)" ../oneerr
'

test_expect_success 'no secret: no warning, the output as it was' '
	new_repo plain && commit "feat: init" && git tag v0.1.0 &&
	commit "fix: a task: a token of gratitude" &&
	bosun changelog >../out 2>../err && test_eq "" "$(cat ../err)" &&
	test_grep "^- a task: a token of gratitude (" ../out &&
	bosun config >../out 2>../err && test_eq "" "$(cat ../err)"
'

test_done

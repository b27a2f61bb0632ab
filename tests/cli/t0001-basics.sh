#!/bin/sh
# The command line: global options, help, suggestions, exit codes.
. "$(dirname "$0")/lib.sh"

test_expect_success '--version prints the version of the VERSION file' '
	bosun --version >out &&
	test_eq "bosun $(cat "$BOSUN_TOP/VERSION")" "$(cat out)"
'

test_expect_success '--json --version is JSON' '
	bosun --json --version >out &&
	test_grep "\"version\": \"$(cat "$BOSUN_TOP/VERSION")\"" out
'

test_expect_success 'no command is a usage error (64) with the help on stderr' '
	test_expect_code 64 bosun 2>err &&
	test_grep "usage: bosun" err
'

test_expect_success 'help lists every command group' '
	bosun help >out &&
	for c in version changelog commit release config migrate; do
		test_grep "^    $c " out || return 1
	done
'

test_expect_success 'an unknown command suggests the closest one' '
	test_expect_code 64 bosun verison 2>err &&
	test_grep "did you mean .version." err
'

test_expect_success 'an unknown verb suggests the closest one' '
	test_expect_code 64 bosun version nxet 2>err &&
	test_grep "did you mean .next." err
'

test_expect_success 'an unknown option suggests the closest one' '
	new_repo r &&
	test_expect_code 64 bosun version next --pree rc 2>err &&
	test_grep "did you mean .--pre." err
'

test_expect_success 'help help is the main help, exit 0' '
	bosun help help >out && bosun help >want && test_cmp want out
'

test_expect_success 'help COMMAND VERB equals COMMAND VERB -h' '
	bosun help version next >a &&
	bosun version next -h >b &&
	test_cmp a b &&
	test_grep "^usage: bosun version next" a &&
	test_grep "--pre ID" a
'

# verbs_of GROUP: "GROUP VERB" words for each verb of a built group (none
# when the group is not in this build); IFS splitting below keeps pairs.
verbs_of() {
	bosun "$1" -h 2>/dev/null | sed -n "/^verbs:/,/^\$/p" |
		awk -v g="$1" "NF > 1 && \$1 != \"verbs:\" { printf \"%s_%s \", g, \$1 }"
}

test_expect_success 'every verb has -h, and -h exits 0' '
	for v in "version current" "version next" "version bump" "version set" \
		 "version check" "version sync" "changelog" "commit lint" "release" \
		 "config" "migrate" "backup" "restore" "monitor" $(verbs_of hooks) $(verbs_of scan) $(verbs_of deploy) \
		 $(verbs_of agents); do
		v=$(echo "$v" | tr _ " ")
		bosun $v -h >out || return 1
		test_grep "^usage: bosun $v" out || return 1
	done
'

test_expect_success 'every option in -h is documented in docs/' '
	for v in "version current" "version next" "version bump" "version set" \
		 "version check" "version sync" "changelog" "commit lint" "release" \
		 "config" "migrate" "backup" "restore" "monitor" $(verbs_of hooks) $(verbs_of scan) $(verbs_of deploy) \
		 $(verbs_of agents); do
		v=$(echo "$v" | tr _ " ")
		doc="$BOSUN_TOP/docs/$(echo $v | cut -d" " -f1).md"
		test -f "$doc" || { echo "no $doc"; return 1; }
		for o in $(bosun $v -h | grep -oE -- "--[a-z][a-z-]+" | sort -u); do
			grep -q -- "$o" "$doc" || { echo "$v: $o not in $doc"; return 1; }
		done
	done
'

test_expect_success '-C runs in another directory' '
	new_repo r2 && commit "feat: first" && cd "$TRASH" &&
	bosun -C r2 version next >out &&
	test_eq 0.1.0 "$(cat out)"
'

test_expect_success '-C to a missing directory is a usage error' '
	test_expect_code 64 bosun -C "$TRASH/nope" version next 2>err &&
	test_grep "cannot change to" err
'

test_expect_success 'outside a repository: exit 3 and a hint' '
	mkdir -p "$TRASH/plain" && cd "$TRASH/plain" &&
	GIT_CEILING_DIRECTORIES="$TRASH" test_expect_code 3 bosun -C "$TRASH/plain" version current 2>err &&
	test_grep "not a git repository" err
'

test_expect_success '--json errors are JSON on stdout too' '
	new_repo r3 &&
	test_expect_code 64 bosun --json version set nope >out 2>err &&
	test_grep "\"exit\": 64" out
'

test_expect_success 'a missing option value is a usage error' '
	new_repo r4 &&
	test_expect_code 64 bosun version next --pre 2>err &&
	test_grep "requires a value" err
'

test_expect_success 'test -w /dev/full' 'a full stdout is an I/O error (74)' '
	test_expect_code 74 bosun --version >/dev/full
'

test_done

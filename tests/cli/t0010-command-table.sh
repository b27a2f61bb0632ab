#!/bin/sh
# The command table (src/cmd/common.h): global options after the verb, the
# flags cmd_run_sub() acts on, usage lines that name every option, one error
# printer.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup' '
	new_repo r && commit "feat: first" && cd "$TRASH" &&
	bosun_verbs >verbs && test_grep "^version next$" verbs &&
	test_grep "^release$" verbs && test_grep "^commit lint$" verbs
'

test_expect_success '--json after the verb is the global --json' '
	cd r &&
	bosun version next --json >out &&
	test_grep "\"version\": \"0.1.0\"" out &&
	bosun --json version next >before &&
	test_cmp before out
'

test_expect_success '-q, -v and --no-color after the verb' '
	cd r &&
	bosun version next -q >out 2>err && test_eq 0.1.0 "$(cat out)" &&
	bosun version next -v >out 2>err && test_grep "feat: first" err &&
	bosun version next --verbose --no-color >out 2>err && test_grep "feat: first" err &&
	test_expect_code 3 bosun version current --quiet 2>err &&
	test_grep "no release yet" err
'

if command -v script >/dev/null 2>&1; then
	# script(1) gives bosun a terminal, where colour is on by default.
	test_expect_success '--no-color after the verb turns colour off on a terminal' '
		cd r &&
		NO_COLOR= script -qec "\"$BOSUN\" version next -v" /dev/null >out 2>&1 &&
		grep -q "$(printf "\033")" out &&
		NO_COLOR= script -qec "\"$BOSUN\" version next -v --no-color" /dev/null >out 2>&1 &&
		test_grep "feat: first" out &&
		! grep -q "$(printf "\033")" out
	'
fi

test_expect_success 'global options after a one-command group (release, changelog, config)' '
	cd r &&
	bosun changelog --json >out && test_grep "\"version\"" out &&
	bosun config release.remote --json >out && test_grep "\"key\": \"release.remote\"" out
'

test_expect_success 'global options between the group and the verb' '
	cd r &&
	bosun version -q next >out && test_eq 0.1.0 "$(cat out)" &&
	bosun version --json next >out && test_grep "\"version\": \"0.1.0\"" out &&
	bosun version -v --no-color next >out 2>err && test_grep "feat: first" err &&
	test_expect_code 64 bosun version -q 2>err && test_grep "^usage: bosun version <verb>" err &&
	test_expect_code 64 bosun version --pree next 2>err &&
	test_grep "unknown option .--pree." err &&
	bosun version -q -h >out && test_grep "^verbs:" out
'

test_expect_success 'global options before the command keep working' '
	cd r &&
	bosun -q version next >out && test_eq 0.1.0 "$(cat out)" &&
	bosun --no-color -v version next >out 2>err && test_grep "feat: first" err
'

test_expect_success '-C is accepted before the command only' '
	test_expect_code 64 bosun version next -C r 2>err &&
	test_grep "unknown option .-C." err
'

test_expect_success 'an error after the verb with --json prints the error object' '
	cd r &&
	test_expect_code 64 bosun version set nope --json >out 2>err &&
	test_grep "\"exit\": 64" out && test_grep "\"message\": \"" out &&
	test_grep "^bosun: .nope. is not a semantic version" err
'

test_expect_success 'after --, a word that looks like an option is an operand' '
	cd r &&
	test_expect_code 64 bosun version set -- -v 2>err &&
	test_grep "^bosun: .-v. is not a semantic version" err
'

test_expect_success 'hooks run passes git arguments that look like options to the hook' '
	cd r &&
	bosun hooks run post-checkout -q --json >out 2>err &&
	test_no_grep "{" out
'

test_expect_success '--version after the verb is no global option; deploy watch has its own' '
	cd r &&
	test_expect_code 64 bosun version next --version 2>err &&
	test_grep "unknown option .--version." err &&
	bosun deploy watch -h >out &&
	test_grep "--version V" out
'

test_expect_success 'every usage names every option of its table (version bump --package)' '
	bosun __generate check &&
	bosun version bump -h >out &&
	test_grep "^usage: bosun version bump .*--package NAME" out
'

test_expect_success 'usage lines name each long option of the -h list' '
	while read -r v; do
		bosun $v -h >out || return 1
		for o in $(sed -n "/^options:/,\$p" out | grep -oE -- "--[a-z][a-z-]+" | sort -u); do
			head -n 1 out | grep -q -- "$o" || { echo "$v: $o not in $(head -n 1 out)"; return 1; }
		done
	done <verbs
'

test_expect_success 'the hidden generator is not listed nor suggested' '
	bosun help >out && test_no_grep "__generate" out &&
	test_expect_code 64 bosun __generat 2>err && test_no_grep "did you mean" err
'

test_expect_success 'CMD_NEEDS_REPO: outside a repository, one message and exit 3' '
	mkdir -p plain && cd plain &&
	GIT_CEILING_DIRECTORIES="$TRASH" test_expect_code 3 bosun version next 2>err &&
	test_grep "^bosun: not a git repository" err && test_grep "^hint: " err
'

test_expect_success 'CMD_NEEDS_WORKTREE: a bare repository, one message and exit 64' '
	git init -q --bare bare.git && cd bare.git &&
	test_expect_code 64 bosun version set 1.0.0 2>err &&
	test_grep "^bosun: .bosun version set. needs a work tree" err &&
	test_expect_code 64 bosun release 2>err &&
	test_grep "^bosun: .bosun release. needs a work tree" err
'

# CMD_HOT_PATH: the verbs that run inside hooks and agents' loops load
# none of libgit2, libcurl, Vectorscan, and open no state store.
test_expect_success 'CMD_HOT_PATH: hot verbs load no heavy library and open no store' '
	bosun __generate hot >hot && test_grep "^commit lint$" hot &&
	test_grep "^hooks run$" hot && test_grep "^deploy status$" hot &&
	new_repo hp && commit "feat: x" && echo "feat: y" >msg &&
	bosun hooks install >/dev/null 2>&1 &&
	rm -rf .git/bosun &&
	while read -r v; do
		case $v in
		"commit lint") args=msg ;;
		"hooks run") args=pre-commit ;;
		*) args= ;;
		esac
		LD_DEBUG=files bosun $v $args >/dev/null 2>ld; rc=$?
		test $rc -lt 64 || { echo "$v: exit $rc"; cat ld; return 1; }
		if grep -E "file=[^ ]*(libgit2|libcurl|libhs)" ld; then
			echo "$v loaded a heavy library"; return 1
		fi
		test ! -e .git/bosun/state.db || { echo "$v opened the store"; return 1; }
	done <"$TRASH/hot"
'

test_expect_success 'the hot-path check sees a library when one is loaded' '
	cd hp && LD_DEBUG=files bosun scan secrets msg >/dev/null 2>ld &&
	grep -qE "file=[^ ]*libhs" ld
'

test_done

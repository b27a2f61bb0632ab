# lib.sh - a small TAP test library for bosun's CLI tests, in the style of
# git's t/test-lib.sh. A test script:
#
#	. "$(dirname "$0")/lib.sh"
#	test_expect_success 'what it checks' '
#		new_repo r && commit "feat: x" &&
#		bosun version next >out && test_cmp_str 0.1.0 "$(cat out)"
#	'
#	test_done
#
# Bodies run in the script's shell (state carries over between tests) in a
# fresh temporary directory ($TRASH) that is removed at the end. Chain the
# steps with && so that the first failing one fails the test: a chain lint
# (below) fails a body with a ';' or a bare newline between commands, or a
# status swallowed with '|| true', '|| :' or '; true'. A command whose
# status is not the test's goes in { } with its reason (a loop ends its
# body with '|| return 1'); a diagnostic on failure is
# '{ cmd || { cat log; false; }; } &&'. A test that needs a tool names it
# as a prerequisite (test_expect_success 'command -v strace' DESC BODY) and
# is a skip where it is missing. Every test has HOME, BOSUN_HOME and git's
# identity set to throw-away values.
set -u
: "${BOSUN:?BOSUN must name the bosun binary (tests/run.sh sets it)}"
: "${BOSUN_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/bosun-t.XXXXXX")
trap 'cd /; rm -rf "$TRASH"' EXIT
export HOME="$TRASH/home" BOSUN_HOME="$TRASH/bosun-home" NO_COLOR=1
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Tester GIT_AUTHOR_EMAIL=t@example.invalid
export GIT_COMMITTER_NAME=Tester GIT_COMMITTER_EMAIL=t@example.invalid
export GIT_AUTHOR_DATE='2026-01-02T03:04:05Z' GIT_COMMITTER_DATE='2026-01-02T03:04:05Z'
unset GIT_DIR GIT_WORK_TREE BOSUN_SKIP 2>/dev/null || true
mkdir -p "$HOME" "$BOSUN_HOME"
git config --global init.defaultBranch main
git config --global advice.detachedHead false
cd "$TRASH" || exit 1
test_count=0
test_failed=0
SHARED=${BOSUN_SHARED:-$(cd "$BOSUN_TOP/.." && pwd)/shared}

bosun() { "$BOSUN" "$@"; }

# A body may "return 1": it returns from here, not from the runner.
_test_body() {
	eval "$1"
}

# Chain lint, as git's test-lib.sh has it: with "(exit 117) &&" in front, a
# body whose commands are all joined by && runs none of them and ends with
# 117. A ';' or a newline without &&, or a status swallowed with '|| true',
# lets a later command run and changes the status. The lint runs in a
# subshell, so such a command cannot change this shell.
# Inside if, while and { } the trick cannot look, so a status swallowed
# there with '|| true', '|| :' or '; true' is refused by its text.
_chain_broken() {
	if printf '%s\n' "$1" |
		grep -qE '(\|\||;)[[:space:]]*(true|:)([[:space:];)}]|$)'; then
		return 0
	fi
	( _test_body "(exit 117) && $1" ) >/dev/null 2>&1 </dev/null
	[ $? -ne 117 ]
}

# test_expect_success [PREREQ] DESC BODY: eval the body once, in this
# shell, so state carries over. PREREQ is a command that says whether the
# test can run here ('command -v strace', 'test -w /dev/full'); when it
# fails the test is reported as a skip, never as a pass.
test_expect_success() {
	if [ $# -eq 3 ]; then
		if ! (eval "$1") >/dev/null 2>&1 </dev/null; then
			test_skip "$2" "missing: $1"
			return
		fi
		shift
	fi
	test_count=$((test_count + 1))
	_desc=$1
	_out="$TRASH/.out.$test_count"
	if _chain_broken "$2"; then
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $_desc"
		echo "#   broken &&-chain: a command not joined by && (or a status"
		echo "#   swallowed with '; true' or '|| true') in:"
		printf '%s\n' "$2" | sed 's/^/#   /'
	elif _test_body "$2" >"$_out" 2>&1; then
		echo "ok $test_count - $_desc"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $_desc"
		sed 's/^/#   /' "$_out" | tail -n 40
	fi
	cd "$TRASH" || exit 1
}

test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

test_done() {
	echo "1..$test_count"
	[ "$test_failed" -eq 0 ]
}

# wait_for SECONDS CMD...: run CMD (a command or a function of the test)
# every 50 ms until it succeeds; fail, saying what was awaited, when
# SECONDS pass first. For what another process (a detached watcher, a
# server) writes in its own time: no sleep that assumes it is done.
wait_for() {
	_wf_n=$(($1 * 20))
	shift
	while ! "$@" >/dev/null 2>&1; do
		if [ "$_wf_n" -le 0 ]; then
			echo "# waited in vain for: $*"
			return 1
		fi
		sleep 0.05
		_wf_n=$((_wf_n - 1))
	done
}

# gone PID: the process has ended (a zombie, not yet reaped, has ended too).
gone() {
	! kill -0 "$1" 2>/dev/null || ps -o stat= -p "$1" | grep -q Z
}

# test_expect_code CODE CMD...: CMD exits with CODE.
test_expect_code() {
	_want=$1
	shift
	"$@"
	_got=$?
	if [ "$_got" -ne "$_want" ]; then
		echo "expected exit $_want, got $_got: $*" >&2
		return 1
	fi
	return 0
}

test_cmp() {
	diff -u "$1" "$2"
}

# test_eq EXPECTED ACTUAL
test_eq() {
	if [ "$1" != "$2" ]; then
		printf 'expected: %s\n     got: %s\n' "$1" "$2" >&2
		return 1
	fi
}

# test_grep PATTERN FILE: like grep, but shows the file when it fails.
test_grep() {
	if ! grep -q -- "$1" "$2"; then
		echo "no '$1' in $2:" >&2
		cat "$2" >&2
		return 1
	fi
}

test_no_grep() {
	if grep -q -- "$1" "$2"; then
		echo "unexpected '$1' in $2:" >&2
		cat "$2" >&2
		return 1
	fi
}

# bosun_groups: the command groups `bosun help` lists, one a line.
bosun_groups() {
	bosun help | sed -n '/^commands:/,/^$/p' |
		awk 'NF > 1 && $1 != "help" && $1 != "commands:" { print $1 }'
}

# bosun_verbs: "GROUP VERB" (or "GROUP" for a one-command group such as
# release) a line, for every verb of every group `bosun help` lists.
bosun_verbs() {
	for _g in $(bosun_groups); do
		if bosun "$_g" -h 2>/dev/null | grep -q '^verbs:'; then
			bosun "$_g" -h | sed -n '/^verbs:/,/^$/p' |
				awk -v g="$_g" 'NF > 1 && $1 != "verbs:" { print g " " $1 }'
		else
			echo "$_g"
		fi
	done
}

# new_repo DIR: a fresh repository in $TRASH/DIR, and cd into it.
new_repo() {
	cd "$TRASH" && rm -rf "$1" && git init -q "$1" && cd "$1"
}

# commit MESSAGE [FILE]: change FILE (default file.txt) and commit.
commit() {
	echo "$1" >>"${2:-file.txt}" && git add "${2:-file.txt}" &&
	git commit -q -m "$1"
}

# tree_digest: a digest of every tracked and untracked file's bytes and
# mode, and of the refs, to prove that a command changed nothing.
tree_digest() {
	{ git ls-files -s; git status --porcelain --untracked-files=all; git for-each-ref;
	  find . -path ./.git -prune -o -type f -print | sort | xargs cat 2>/dev/null; } | sha256sum
}

# replay NAME: the real history NAME into $TRASH/NAME, from the copy in
# tests/data/histories, else from shared/data/histories (skips the whole
# script when neither has it).
replay() {
	_fi="$BOSUN_TOP/tests/data/histories/$1.fi.gz"
	[ -f "$_fi" ] || _fi="$SHARED/data/histories/$1.fi.gz"
	[ -f "$_fi" ] || skip_all "no $1.fi.gz in tests/data/histories or $SHARED/data/histories"
	if [ ! -d "$TRASH/$1" ]; then
		git init -q -b main "$TRASH/$1" &&
		zcat "$_fi" | git -C "$TRASH/$1" fast-import --quiet &&
		git -C "$TRASH/$1" checkout -q main
	fi
}

REAL_GIT=$(command -v git)

# count_git DIR: a git on PATH (DIR/bin) that numbers its calls (DIR/count;
# calls from threads at once each get their own number) and, at call
# number DIR/at, pauses DIR/when ("before" or "after" running the real
# git): it writes its PID to DIR/paused and waits for DIR/go (or 30 s),
# to be killed there.
count_git() {
	rm -rf "$1" && mkdir -p "$1/bin" &&
	cat >"$1/bin/git" <<-EOF &&
	#!/bin/sh
	while ! mkdir "$1/cl" 2>/dev/null; do :; done
	n=\$((\$(cat "$1/count" 2>/dev/null || echo 0) + 1)) && echo \$n >"$1/count"
	rmdir "$1/cl"
	pause() {
		[ "\$n" = "\$(cat "$1/at" 2>/dev/null)" ] && [ "\$1" = "\$(cat "$1/when")" ] || return 0
		echo \$\$ >"$1/paused.tmp" && mv "$1/paused.tmp" "$1/paused"; i=0
		while [ ! -f "$1/go" ] && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i+1)); done
	}
	pause before
	"$REAL_GIT" "\$@"; rc=\$?
	pause after
	exit \$rc
	EOF
	chmod +x "$1/bin/git"
}

# make_zombie PREFIX: a process that has ended and is never reaped (its
# parent sleeps 30 s): PREFIX.pid gets its PID, PREFIX.parent the parent's
# (kill that to clean up). Waits until /proc shows it as a zombie.
make_zombie() {
	rm -f "$1.pid" "$1.parent"
	# The child ends after the shell has become "sleep 30", which never
	# reaps it (the shell might have).
	sh -c 'sleep 0.2 & echo $! >"$1.pid"; exec sleep 30' sh "$1" &
	echo $! >"$1.parent"
	_i=0
	while [ $_i -lt 200 ]; do
		if [ -s "$1.pid" ] &&
		   [ "$(sed "s/.*) //" "/proc/$(cat "$1.pid")/stat" 2>/dev/null | cut -c1)" = Z ]; then
			return 0
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# The kill tests of work clean, gc and integrate (t5020, t5025, t5040):
# blobs DIR: "BLOB PATH" of each file in DIR but .git, sorted.
blobs() {
	(cd "$1" 2>/dev/null && find . -path ./.git -prune -o -type f -print |
	 sed "s|^\./||" | sort >"$TRASH/.names" &&
	 git hash-object --no-filters --stdin-paths <"$TRASH/.names" |
	 paste -d" " - "$TRASH/.names" | sort)
}

# kept DIR ID BEFORE [TIP]: nothing BEFORE (blobs DIR, earlier) names is
# lost: each file is in DIR or in a snapshot refs/bosun/attic/ID/*; and
# TIP, when given, is DIR's HEAD or in a ref.
kept() {
	{ blobs "$1" 2>/dev/null || :; } >"$TRASH/.now"
	for _ref in $(git for-each-ref --format="%(refname)" "refs/bosun/attic/$2/"); do
		git ls-tree -r --format="%(objectname) %(path)" "$_ref" >>"$TRASH/.now" || return 1
	done
	sort -u "$TRASH/.now" | comm -23 "$3" - >"$TRASH/.lost"
	if [ -s "$TRASH/.lost" ]; then
		echo "$2: lost:" && cat "$TRASH/.lost" && return 1
	fi
	if [ -n "${4:-}" ] &&
	   [ "$(git -C "$1" rev-parse -q --verify HEAD 2>/dev/null)" != "$4" ] &&
	   [ -z "$(git for-each-ref --contains "$4")" ]; then
		echo "$2: its commit $4 is in no ref" && return 1
	fi
}

# gc_finds_nothing: a dry run of work gc finds no orphan, no old snapshot,
# no stale lock: git, the folders and the store agree.
gc_finds_nothing() {
	bosun --json work gc >"$TRASH/.gc" &&
	python3 -c "
import json, sys; d = json.load(open(sys.argv[1]))
sys.exit(0 if d['items'] == [] and d['ok'] else 'the gc dry run finds: %s' % d)" "$TRASH/.gc"
}

# crash_delay SEED MS: a moment (in seconds, seeded random) within a run
# that takes MS ms, for a kill.
crash_delay() {
	awk -v s="$1" -v ms="$2" 'BEGIN { srand(s); printf "%.4f", ms * (0.02 + 0.96 * rand()) / 1000 }'
}

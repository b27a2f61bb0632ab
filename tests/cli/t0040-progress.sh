#!/bin/sh
# The progress line (docs/design.md "Progress"): the real binary with its
# stderr on a pseudo-terminal (ptyrun.py). The line shows on a terminal
# only: not piped, not with -q, BOSUN_PROGRESS=0 or TERM=dumb; it is cut to
# the terminal's width, drawn at most ten times a second, and wiped, so that
# what the terminal shows at the end is what a pipe gets.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 runs the pseudo-terminal"
unset BOSUN_PROGRESS BOSUN_TEST_PROGRESS_MS 2>/dev/null || true
PTY="$BOSUN_TOP/tests/cli/ptyrun.py"

# on_tty NAME CMD...: run CMD with stderr on a terminal; NAME.out gets stdout,
# NAME.raw every byte of the terminal, NAME.screen what it shows at the end.
on_tty() {
	_n=$1 && shift &&
	python3 "$PTY" "$TRASH/$_n.raw" -- "$@" >"$TRASH/$_n.out" &&
	python3 "$PTY" --screen "$TRASH/$_n.raw" >"$TRASH/$_n.screen"
}

# piped NAME CMD...: the same with stdout and stderr to files.
piped() {
	_n=$1 && shift &&
	"$@" >"$TRASH/$_n.out" 2>"$TRASH/$_n.err"
}

test_expect_success 'setup: a work tree of 300 files and a repository with a store' '
	new_repo files && i=0 &&
	while [ $i -lt 300 ]; do echo "line $i" >f$i.txt && i=$((i + 1)) || return 1; done &&
	new_repo r && printf "release:\n  push: false\n" >bosun.yml &&
	git add bosun.yml && git commit -q -m "feat: x" && bosun backup -o ../first.tar.zst >/dev/null
'

test_expect_success 'scan: the line on a terminal, then wiped; the screen ends as a pipe gets it' '
	cd "$TRASH/files" &&
	BOSUN_TEST_PROGRESS_MS=1 on_tty scan "$BOSUN" scan secrets . &&
	test_grep "scanning: [0-9]* files\{0,1\}, [0-9.]* k\{0,1\}B ([0-9]*s)" "$TRASH/scan.raw" &&
	BOSUN_TEST_PROGRESS_MS=1 piped scanp bosun scan secrets . &&
	test_no_grep "scanning:" "$TRASH/scanp.err" &&
	test_cmp "$TRASH/scanp.err" "$TRASH/scan.screen" &&
	test_cmp "$TRASH/scanp.out" "$TRASH/scan.out" &&
	test_grep "0 secrets found in 300 files" "$TRASH/scan.screen"
'

test_expect_success 'scan --json: the line on stderr, the same JSON on stdout' '
	cd "$TRASH/files" &&
	BOSUN_TEST_PROGRESS_MS=1 on_tty json "$BOSUN" --json scan secrets . &&
	test_grep "scanning:" "$TRASH/json.raw" &&
	BOSUN_TEST_PROGRESS_MS=1 piped jsonp bosun --json scan secrets . &&
	test_cmp "$TRASH/jsonp.out" "$TRASH/json.out" &&
	python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$TRASH/json.out"
'

test_expect_success 'no line with -q, BOSUN_PROGRESS=0 or TERM=dumb' '
	cd "$TRASH/files" &&
	BOSUN_TEST_PROGRESS_MS=1 on_tty q "$BOSUN" -q scan secrets . &&
	test_no_grep "scanning:" "$TRASH/q.raw" &&
	BOSUN_TEST_PROGRESS_MS=1 BOSUN_PROGRESS=0 on_tty off "$BOSUN" scan secrets . &&
	test_no_grep "scanning:" "$TRASH/off.raw" &&
	test_cmp "$TRASH/scanp.err" "$TRASH/off.screen" &&
	BOSUN_TEST_PROGRESS_MS=1 TERM=dumb on_tty dumb "$BOSUN" scan secrets . &&
	test_no_grep "scanning:" "$TRASH/dumb.raw" &&
	BOSUN_TEST_PROGRESS_MS=1 BOSUN_PROGRESS=1 on_tty on "$BOSUN" scan secrets . &&
	test_grep "scanning:" "$TRASH/on.raw"
'

test_expect_success 'a terminal narrower than the line: the line is cut, never wrapped' '
	cd "$TRASH/files" &&
	BOSUN_TEST_PROGRESS_MS=1 python3 "$PTY" --cols 20 "$TRASH/narrow.raw" -- \
		"$BOSUN" scan secrets . >/dev/null &&
	test_grep "scanning:" "$TRASH/narrow.raw" &&
	test "$(python3 "$PTY" --widest "$TRASH/narrow.raw")" -le 19 &&
	BOSUN_TEST_PROGRESS_MS=1 python3 "$PTY" --cols 5 "$TRASH/tiny.raw" -- \
		"$BOSUN" scan secrets . >/dev/null &&
	test_eq 0 "$(python3 "$PTY" --draws "$TRASH/tiny.raw")"
'

test_expect_success 'backup: files and bytes of the total; the same output as piped' '
	cd "$TRASH/r" &&
	BOSUN_TEST_PROGRESS_MS=1 on_tty bk "$BOSUN" backup -o ../b1.tar.zst &&
	test_grep "backing up: writing, [0-9]* of [0-9]* files, [0-9.]* k\{0,1\}B of [0-9.]* kB" "$TRASH/bk.raw" &&
	BOSUN_TEST_PROGRESS_MS=1 piped bkp bosun backup -o ../b2.tar.zst &&
	sed "s/b1.tar/b2.tar/" "$TRASH/bk.out" >"$TRASH/bk.expect" &&
	test_cmp "$TRASH/bk.expect" "$TRASH/bkp.out" &&
	test_cmp "$TRASH/bkp.err" "$TRASH/bk.screen"
'

test_expect_success 'restore: its phases on the line; the same output as piped' '
	cd "$TRASH/r" &&
	BOSUN_TEST_PROGRESS_MS=1 on_tty rsd "$BOSUN" restore --dry-run ../first.tar.zst &&
	test_grep "restoring: checking, [0-9]* of [0-9]* files" "$TRASH/rsd.raw" &&
	BOSUN_TEST_PROGRESS_MS=1 piped rsdp bosun restore --dry-run ../first.tar.zst &&
	test_cmp "$TRASH/rsdp.out" "$TRASH/rsd.out" &&
	test_cmp "$TRASH/rsdp.err" "$TRASH/rsd.screen" &&
	BOSUN_TEST_PROGRESS_MS=1 on_tty rs "$BOSUN" restore ../first.tar.zst &&
	test_grep "restoring: writing, [0-9]* of [0-9]* files" "$TRASH/rs.raw" &&
	test_grep "restored ../first.tar.zst" "$TRASH/rs.out" &&
	test_cmp "$TRASH/rs.screen" /dev/null
'

test_expect_success 'a slow backup: drawn after half a second, at most ten times a second' '
	cd "$TRASH/r" &&
	BOSUN_TEST_BACKUP_SLOW_MS=150 on_tty slow "$BOSUN" backup -o ../b3.tar.zst &&
	ms=$(cat "$TRASH/slow.raw.ms") && draws=$(python3 "$PTY" --draws "$TRASH/slow.raw") &&
	test "$ms" -ge 600 &&
	test "$draws" -ge 1 &&
	test "$draws" -le $((ms / 100 + 1)) &&
	test_cmp "$TRASH/slow.screen" /dev/null &&
	BOSUN_TEST_BACKUP_SLOW_MS=150 piped slowp bosun backup -o ../b4.tar.zst &&
	test_cmp "$TRASH/slowp.err" /dev/null
'

test_expect_success 'a signal that ends the command wipes the line' '
	cd "$TRASH/r" &&
	test_expect_code 143 env BOSUN_TEST_PROGRESS_MS=1 BOSUN_TEST_BACKUP_SLOW_MS=300 \
		python3 "$PTY" --signal 15 "$TRASH/sig.raw" -- "$BOSUN" backup -o ../b5.tar.zst &&
	test_grep "backing up:" "$TRASH/sig.raw" &&
	python3 "$PTY" --screen "$TRASH/sig.raw" >"$TRASH/sig.screen" &&
	test_no_grep "backing up:" "$TRASH/sig.screen" &&
	test_expect_code 1 test -e ../b5.tar.zst
'

test_expect_success 'a fast run draws nothing (unless it took half a second)' '
	cd "$TRASH/r" &&
	on_tty fast "$BOSUN" restore --dry-run ../first.tar.zst &&
	{ test "$(cat "$TRASH/fast.raw.ms")" -ge 500 ||
	  test_eq 0 "$(python3 "$PTY" --draws "$TRASH/fast.raw")"; }
'

test_done

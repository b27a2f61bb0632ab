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
# NAME.raw every byte of the terminal, NAME.screen what it shows at the end;
# CMD's exit code.
on_tty() {
	_n=$1 && shift && _rc=0 &&
	{ python3 "$PTY" "$TRASH/$_n.raw" -- "$@" >"$TRASH/$_n.out" || _rc=$?; } &&
	python3 "$PTY" --screen "$TRASH/$_n.raw" >"$TRASH/$_n.screen" &&
	return $_rc
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

test_expect_success 'command -v sqlite3' 'the backup before a migration: its own line; the same output as piped' '
	cd "$TRASH/r" && bosun migrate >/dev/null &&
	old="alter table releases drop column data; pragma user_version = 8;
	     insert or replace into leases (name, owner, token, expires_ms) values (\"old\", NULL, 1, 0)" &&
	sqlite3 .git/bosun/state.db "$old" &&
	BOSUN_TEST_PROGRESS_MS=1 on_tty mg "$BOSUN" migrate &&
	test_grep "backing up before the migration: writing, [0-9]* of [0-9]* files" "$TRASH/mg.raw" &&
	sqlite3 .git/bosun/state.db "$old" &&
	BOSUN_TEST_PROGRESS_MS=1 piped mgp bosun migrate &&
	test_no_grep "backing up before" "$TRASH/mgp.err" &&
	sed "s/[0-9T.]*Z.tar.zst/X/" "$TRASH/mgp.err" >"$TRASH/mgp.expect" &&
	sed "s/[0-9T.]*Z.tar.zst/X/" "$TRASH/mg.screen" >"$TRASH/mg.got" &&
	test_cmp "$TRASH/mgp.expect" "$TRASH/mg.got"
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
	BOSUN_TEST_BACKUP_SLOW_MS=250 on_tty slow "$BOSUN" backup -o ../b3.tar.zst &&
	ms=$(cat "$TRASH/slow.raw.ms") && draws=$(python3 "$PTY" --draws "$TRASH/slow.raw") &&
	test "$ms" -ge 1000 &&
	test "$draws" -ge 1 &&
	test "$draws" -le $((ms / 100 + 1)) &&
	test_cmp "$TRASH/slow.screen" /dev/null &&
	BOSUN_TEST_BACKUP_SLOW_MS=250 piped slowp bosun backup -o ../b4.tar.zst &&
	test_cmp "$TRASH/slowp.err" /dev/null
'

test_expect_success 'a signal that ends the command wipes the line' '
	cd "$TRASH/r" &&
	test_expect_code 143 env BOSUN_TEST_PROGRESS_MS=1 BOSUN_TEST_BACKUP_SLOW_MS=300 \
		python3 "$PTY" --signal 15 "$TRASH/sig.raw" -- "$BOSUN" backup -o ../b5.tar.zst &&
	test_grep "backing up" "$TRASH/sig.raw" &&
	python3 "$PTY" --screen "$TRASH/sig.raw" >"$TRASH/sig.screen" &&
	test_no_grep "backing up" "$TRASH/sig.screen" &&
	test_expect_code 1 test -e ../b5.tar.zst
'

test_expect_success 'doctor: checks done of those run; the same report as piped' '
	cd "$TRASH/r" &&
	# doctor exits 0, 1 or 2 by what it finds here: the same both ways.
	{ rc=0 && BOSUN_TEST_PROGRESS_MS=1 on_tty doc "$BOSUN" doctor install || rc=$?; } &&
	test_grep "checking: [0-9]* of [0-9]* checks\{0,1\} ([0-9]*s)" "$TRASH/doc.raw" &&
	{ prc=0 && BOSUN_TEST_PROGRESS_MS=1 piped docp bosun doctor install || prc=$?; } &&
	test_eq "$prc" "$rc" &&
	test_cmp "$TRASH/docp.out" "$TRASH/doc.out" &&
	test_cmp "$TRASH/docp.err" "$TRASH/doc.screen"
'

test_expect_success 'clean: the items removed of those planned; the same output as piped' '
	cd "$TRASH/r" && mkdir -p "$BOSUN_HOME/cache/bosun" &&
	for n in 1 2 3; do echo x >"$BOSUN_HOME/cache/bosun/old$n" &&
		touch -d "2020-01-01" "$BOSUN_HOME/cache/bosun/old$n" || return 1; done &&
	BOSUN_TEST_PROGRESS_MS=1 on_tty cl "$BOSUN" clean &&
	test_grep "cleaning: removing, 3 of 3 items" "$TRASH/cl.raw" &&
	test_cmp "$TRASH/cl.screen" /dev/null &&
	test_grep "old1" "$TRASH/cl.out" &&
	BOSUN_TEST_PROGRESS_MS=1 piped clp bosun clean --dry-run &&
	BOSUN_TEST_PROGRESS_MS=1 on_tty cld "$BOSUN" clean --dry-run &&
	test_cmp "$TRASH/clp.out" "$TRASH/cld.out"
'

test_expect_success 'logs stats: bytes read of the log; logs with stdout on the terminal: none' '
	cd "$TRASH/r" && i=0 &&
	while [ $i -lt 2000 ]; do
		echo "[2026-01-01T00:00:00Z] [INFO] [app] line $i" || return 1; i=$((i + 1)); done >../app.log &&
	BOSUN_TEST_PROGRESS_MS=1 on_tty st "$BOSUN" logs stats --full ../app.log &&
	test_grep "reading: [0-9.]* k\{0,1\}B of [0-9.]* kB" "$TRASH/st.raw" &&
	BOSUN_TEST_PROGRESS_MS=1 piped stp bosun logs stats --full ../app.log &&
	test_cmp "$TRASH/stp.out" "$TRASH/st.out" &&
	test_cmp "$TRASH/stp.err" "$TRASH/st.screen" &&
	BOSUN_TEST_PROGRESS_MS=1 on_tty lg "$BOSUN" logs ../app.log &&
	test_grep "reading:" "$TRASH/lg.raw" &&
	BOSUN_TEST_PROGRESS_MS=1 piped lgp bosun logs ../app.log &&
	test_cmp "$TRASH/lgp.out" "$TRASH/lg.out" &&
	test_cmp "$TRASH/lgp.err" "$TRASH/lg.screen" &&
	BOSUN_TEST_PROGRESS_MS=1 python3 "$PTY" --stdout "$TRASH/both.raw" -- "$BOSUN" logs ../app.log &&
	test_grep "line 1999" "$TRASH/both.raw" &&
	test_no_grep "reading:" "$TRASH/both.raw"
'

test_expect_success 'work spawn and integrate: worktrees and branches of the plan' '
	new_repo w && echo base >f.txt && git add f.txt && git commit -q -m "feat: base" &&
	printf "task: t\nworkstreams:\n  - id: a\n    owns: [\"a/**\"]\n  - id: b\n    owns: [\"b/**\"]\n" >plan.yml &&
	bosun work plan plan.yml >/dev/null &&
	BOSUN_TEST_PROGRESS_MS=1 on_tty sp "$BOSUN" work spawn &&
	test_grep "spawning: setting up, 2 of 2 worktrees" "$TRASH/sp.raw" &&
	test_no_grep "spawning:" "$TRASH/sp.screen" &&
	for id in a b; do (cd "../w.work/t/$id" && mkdir $id && echo $id >$id/x.txt &&
		git add $id && git commit -q -m "feat($id): x") || return 1; done &&
	BOSUN_TEST_PROGRESS_MS=1 on_tty ig "$BOSUN" work integrate &&
	test_grep "integrating: [a-z]*, [0-9] of 2 branches" "$TRASH/ig.raw" &&
	test_no_grep "integrating:" "$TRASH/ig.screen"
'

test_expect_success 'a fast run draws nothing (unless it took half a second)' '
	cd "$TRASH/r" &&
	on_tty fast "$BOSUN" restore --dry-run ../first.tar.zst &&
	{ test "$(cat "$TRASH/fast.raw.ms")" -ge 500 ||
	  test_eq 0 "$(python3 "$PTY" --draws "$TRASH/fast.raw")"; }
'

test_done

#!/bin/sh
# Run every test: the cmocka unit drivers and the CLI scripts (TAP), in
# parallel on all cores, then print one line per file and the total as
# "N passed, N failed, N skipped".
#   tests/run.sh [BUILD_DIR] [PATTERN]
set -u
build=${1:-build}
pattern=${2:-}
top=$(cd "$(dirname "$0")/.." && pwd)
case $build in /*) ;; *) build=$top/$build ;; esac
out=$(mktemp -d "${TMPDIR:-/tmp}/bosun-tests.XXXXXX")
trap 'rm -rf "$out"' EXIT INT TERM

export BOSUN="$build/bosun"
export BOSUN_TOP="$top"
export CMOCKA_MESSAGE_OUTPUT=TAP
jobs=$(nproc 2>/dev/null || echo 2)

if [ ! -x "$BOSUN" ]; then
	echo "no bosun binary at $BOSUN; build first (make)" >&2
	exit 1
fi

list=$out/list
: >"$list"
for t in "$build"/tests/test_*; do
	case $t in *.p) continue ;; esac
	[ -f "$t" ] && [ -x "$t" ] && echo "$t" >>"$list"
done
for t in "$top"/tests/cli/t[0-9]*.sh; do
	[ -f "$t" ] && echo "$t" >>"$list"
done
if [ -n "$pattern" ]; then
	grep -- "$pattern" "$list" >"$list.f" || true
	mv "$list.f" "$list"
fi

# Each test file writes its TAP to its own log; slow ones (the real
# histories) start first so the wall time stays short.
sort -t/ -k1 "$list" | awk '/t1[5-9]/ {print 0, $0; next} {print 1, $0}' | sort -s -k1,1n | cut -d' ' -f2- |
	xargs -P "$jobs" -I{} sh -c '
		f={}; name=$(basename "$f")
		case $f in *.sh) sh "$f" >"$0/$name.log" 2>&1 ;; *) "$f" >"$0/$name.log" 2>&1 ;; esac
		echo $? >"$0/$name.rc"' "$out"

pass=0 fail=0 skip=0
for f in $(cat "$list"); do
	name=$(basename "$f")
	log=$out/$name.log
	rc=$(cat "$out/$name.rc" 2>/dev/null || echo 1)
	p=$(grep -E '^ok ' "$log" | grep -cvE '# (SKIP|skip)' | tr -d ' ')
	s=$(grep -cE '^(not )?ok .*# (SKIP|skip)' "$log" | tr -d ' ')
	n=$(grep -E '^not ok ' "$log" | grep -cvE '# (SKIP|skip)' | tr -d ' ')
	if [ "$n" -eq 0 ] && [ "$rc" -ne 0 ] && ! grep -q '^1\.\.0 # SKIP' "$log"; then
		n=1 # died without saying which test failed
		echo "not ok - $name exited with $rc" >>"$log"
	fi
	if grep -q '^1\.\.0 # SKIP' "$log"; then
		printf '%-40s skipped: %s\n' "$name" "$(sed -n 's/^1\.\.0 # SKIP //p' "$log")"
		skip=$((skip + 1))
		continue
	fi
	printf '%-40s %3d passed, %d failed%s\n' "$name" "$p" "$n" \
		"$([ "$s" -gt 0 ] && echo ", $s skipped")"
	# Each skip by name, so that .ci/run can tell the expected ones.
	grep -E '^(not )?ok .*# (SKIP|skip)' "$log" | sed 's/^/    skip: /'
	if [ "$n" -gt 0 ]; then
		echo "---- $name ----"
		grep -vE '^ok |# (SKIP|skip)' "$log" | head -n 60
		echo "----"
	fi
	pass=$((pass + p)) fail=$((fail + n)) skip=$((skip + s))
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]

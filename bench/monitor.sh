#!/usr/bin/env bash
# bench/monitor.sh - what bosun monitor costs while idle (docs/monitor.md):
#
#	bench/monitor.sh [--strict] [--seconds N] [PATH/TO/bosun]
#
#   --strict   exit 1 when a figure misses its target or bosun fails
#
# A detached monitor at a 1 s interval runs for N seconds (default 60) in a
# scratch repository with a default bosun.yml; its CPU (utime + stime of
# /proc/PID/stat, against the wall time) must stay <= 1 % of a core and its
# resident memory (VmRSS, and the peak VmHWM) <= 20 MB. Then a breach
# forced through the test hook (BOSUN_MONITOR_FAKE=@FILE) must be alerted
# within 2 cycles.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

T_CPU_PCT=1        # % of one core
T_RSS_KB=20480     # KiB
T_CYCLES=2         # cycles from a breach to its alert

strict=0 bosun='' secs=60
while [ $# -gt 0 ]; do
	case $1 in
	--strict) strict=1 ;;
	--seconds) secs=$2; shift ;;
	-h | --help) sed -n '4,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
	-*) exit 64 ;;
	*) bosun=$1 ;;
	esac
	shift
done
if [ -z "$bosun" ]; then bosun=$BENCH_ROOT/build/bosun; else bench_abspath "$bosun"; bosun=$REPLY; fi
[ -x "$bosun" ] || bench_die "no bosun at $bosun; build first"

bench_init monitor
bench_load || bench_warn "load average is $REPLY: the CPU figure includes waiting for a core"

work=$BENCH_OUT/repo
fake=$BENCH_OUT/fake
cleanup() { (cd "$work" 2>/dev/null && "$bosun" monitor --stop >/dev/null 2>&1) || true; }
trap cleanup EXIT

rm -rf "$work" && git init -q "$work" && cd "$work"
git -c user.name=b -c user.email=b@example.invalid commit -q --allow-empty -m "feat: start"
cat >bosun.yml <<YML
monitor:
  alerts:
    commands: [[sh, -c, 'cat >>"\$0"', $BENCH_OUT/alerts]]
YML
echo "disk=10" >"$fake"
rm -f "$BENCH_OUT/alerts"

hz=$(getconf CLK_TCK)
pid=$(BOSUN_MONITOR_FAKE=@$fake "$bosun" monitor --detach --interval 1s)
# utime and stime are fields 14 and 15 of /proc/PID/stat (after the comm).
ticks() { sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }'; }
t0=$(date +%s.%N) c0=$(ticks)
sleep "$secs"
t1=$(date +%s.%N) c1=$(ticks)
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
cycles=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cycle"] + 1)' \
	"$BOSUN_HOME/state/bosun/monitor/status.json" 2>/dev/null || echo "?")

pct=$(awk -v c=$((c1 - c0)) -v hz="$hz" -v a="$t0" -v b="$t1" \
	'BEGIN { printf "%.3f", 100 * c / hz / (b - a) }')
bench_check "$pct" '<=' "$T_CPU_PCT"
bench_row "CPU of a monitor at 1 s, ${secs} s ($cycles cycles)" "$pct %" "" "" "<= 1 %" "$REPLY"
bench_fmt_kb "$rss"; f=$REPLY
bench_check "$rss" '<=' "$T_RSS_KB"
bench_row "monitor RSS (VmRSS) after ${secs} s" "$f" "" "" "<= 20 MB" "$REPLY"
bench_fmt_kb "$hwm"; f=$REPLY
bench_check "$hwm" '<=' "$T_RSS_KB"
bench_row "monitor peak RSS (VmHWM)" "$f" "" "" "<= 20 MB" "$REPLY"

# A breach: the cycle it was first seen in, and the alert's.
c_before=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cycle"])' \
	"$BOSUN_HOME/state/bosun/monitor/status.json")
echo "disk=99" >"$fake"
n=0
while [ ! -s "$BENCH_OUT/alerts" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
if [ -s "$BENCH_OUT/alerts" ]; then
	c_alert=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["cycle"])' \
		"$BENCH_OUT/alerts")
	late=$((c_alert - c_before))
	bench_check "$late" '<=' "$T_CYCLES"
	bench_row "a disk breach alerted after" "$late cycles" "" "" "<= 2 cycles" "$REPLY"
else
	bench_row "a disk breach alerted after" "no alert in 10 s" "" "" "<= 2 cycles" FAIL
fi

"$bosun" monitor --stop >/dev/null
ok=0
bench_table || ok=$?
[ "$strict" = 1 ] || ok=0
exit "$ok"

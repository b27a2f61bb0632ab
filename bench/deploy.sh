#!/usr/bin/env bash
# bench/deploy.sh - bosun deploy's figures (see docs/deploy.md):
#
#	bench/deploy.sh [--strict] [PATH/TO/bosun]
#
#   --strict   exit 1 when a figure misses its target or bosun fails
#
# - `deploy watch --detach` returns in <= 20 ms (the push waits for it);
# - `deploy status` answers in <= 5 ms;
# - a watcher's resident memory stays <= 5 MB (libcurl loaded, polling);
# - over a simulated 8-minute DigitalOcean deployment (30 s PENDING_BUILD,
#   5 min BUILDING, 2.5 min DEPLOYING, then ACTIVE), bosun makes <= 40 % of
#   the requests that fixed 5-second polling makes (96). The deployment runs
#   at deploy.time_scale 60 (8 s) against tests/cli/deploy-server.py, which
#   counts the requests. The peer is the TERP monitor's fixed polling.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

T_DETACH=0.020   # s
T_STATUS=0.005   # s
T_RSS_KB=5120    # KiB
T_REQ_PCT=40     # % of fixed 5 s polling
SCALE=60

strict=0 bosun=''
while [ $# -gt 0 ]; do
	case $1 in
	--strict) strict=1 ;;
	-h | --help) sed -n '4,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
	-*) exit 64 ;;
	*) bosun=$1 ;;
	esac
	shift
done
if [ -z "$bosun" ]; then bosun=$BENCH_ROOT/build/bosun; else bench_abspath "$bosun"; bosun=$REPLY; fi
[ -x "$bosun" ] || bench_die "no bosun at $bosun; build first"

bench_init deploy
bench_need_deb hyperfine hyperfine || bench_die "$BENCH_ERR"
bench_have python3 || bench_die "python3 is needed for the test server"
bench_load || bench_warn "load average is $REPLY: timings will be slower than on an idle machine"

work=$BENCH_OUT/repo
srv_pids=()
cleanup() {
	(cd "$work" 2>/dev/null && for id in $(git rev-list --all 2>/dev/null); do
		"$bosun" deploy stop "$id" >/dev/null 2>&1 || true; done)
	[ ${#srv_pids[@]} -eq 0 ] || kill "${srv_pids[@]}" 2>/dev/null || true
}
trap cleanup EXIT

# serve NAME JSON: a scripted server; PORT is its port.
serve() {
	printf '%s\n' "$2" >"$BENCH_OUT/$1.json"
	rm -f "$BENCH_OUT/$1.port"
	: >"$BENCH_OUT/$1.req"
	python3 "$BENCH_ROOT/tests/cli/deploy-server.py" "$BENCH_OUT/$1.json" \
		"$BENCH_OUT/$1.port" "$BENCH_OUT/$1.req" &
	srv_pids+=($!)
	for _ in $(seq 100); do [ -s "$BENCH_OUT/$1.port" ] && break; sleep 0.05; done
	PORT=$(cat "$BENCH_OUT/$1.port")
}

rm -rf "$work"
git init -q -b main "$work"
cd "$work"
git -c user.name=b -c user.email=b@x commit -q --allow-empty -m init
for i in $(seq 1 60); do git -c user.name=b -c user.email=b@x commit -q --allow-empty -m "c$i"; done
git rev-list HEAD >"$BENCH_OUT/ids"

serve building '{"/do": [{"json": {"deployments": [{"phase": "BUILDING"}]}}]}'
cat >bosun.yml <<YML
deploy:
  probes:
    - name: do
      provider: digitalocean
      url: http://127.0.0.1:$PORT/do
YML

# watch --detach: each run watches another commit (a second watch of one
# commit would only say "already being watched").
detach_ms=()
for id in $(head -n 40 "$BENCH_OUT/ids"); do
	t0=$EPOCHREALTIME
	"$bosun" deploy watch --detach "$id" >/dev/null
	t1=$EPOCHREALTIME
	detach_ms+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
done
detach=$(printf '%s\n' "${detach_ms[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
bench_fmt_s "$detach"; f=$REPLY
bench_check "$detach" '<=' "$T_DETACH"
bench_row "deploy watch --detach (median of 40)" "$f" "" "" "<= 20 ms" "$REPLY"

# A watcher's memory, after a few polls (libcurl is loaded by then).
sleep 1
pid=$(cut -d' ' -f1 .git/bosun/deploy/"$(head -n 1 "$BENCH_OUT/ids")"/watch.pid)
rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
bench_fmt_kb "$rss"; f=$REPLY
bench_check "$rss" '<=' "$T_RSS_KB"
bench_row "watcher peak RSS (VmHWM)" "$f" "" "" "<= 5 MB" "$REPLY"
# RSS counts every page of the 33 shared objects libcurl pulls in (about
# 6 MB once relocated); PSS shares them out among the watchers running.
pss=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
bench_fmt_kb "$pss"
bench_row "watcher PSS, 40 watchers running" "$REPLY" "" "" "" INFO

# deploy status of a finished watch (exit 0; hyperfine wants exit 0).
done_id=$(sed -n 41p "$BENCH_OUT/ids")
mkdir -p ".git/bosun/deploy/$done_id"
printf '{"commit":"%s","state":"success","verdict":"success","message":"verified","probes":[],"attempts":3}\n' \
	"$done_id" >".git/bosun/deploy/$done_id/status.json"
if bench_time "$work" status 200 20 "$bosun" deploy status "$done_id"; then
	s=$REPLY; bench_fmt_s "$s"; f=$REPLY
	bench_check "$s" '<=' "$T_STATUS"
	bench_row "deploy status (median)" "$f" "" "" "<= 5 ms" "$REPLY"
else
	bench_row "deploy status (median)" "bosun failed: $BENCH_ERR" "" "" "<= 5 ms" FAIL
fi
cleanup
srv_pids=()

# The simulated 8-minute deployment, 60 times faster.
sim=$(awk -v k="$SCALE" 'BEGIN {
	printf "{\"/do\": ["
	printf "{\"after\": 0, \"json\": {\"deployments\": [{\"phase\": \"PENDING_BUILD\"}]}},"
	printf "{\"after\": %f, \"json\": {\"deployments\": [{\"phase\": \"BUILDING\"}]}},", 30 / k
	printf "{\"after\": %f, \"json\": {\"deployments\": [{\"phase\": \"DEPLOYING\"}]}},", 330 / k
	printf "{\"after\": %f, \"json\": {\"deployments\": [{\"phase\": \"ACTIVE\"}]}}]}", 480 / k }')
serve sim "$sim"
cat >bosun.yml <<YML
deploy:
  time_scale: $SCALE
  timeout: 10m
  probes:
    - name: do
      provider: digitalocean
      url: http://127.0.0.1:$PORT/do
YML
sim_id=$(sed -n 50p "$BENCH_OUT/ids")
"$bosun" deploy watch "$sim_id" >"$BENCH_OUT/logs/sim.out" 2>&1 || bench_warn "simulated watch: $(cat "$BENCH_OUT/logs/sim.out")"
req=$(grep -c '"/do"' "$BENCH_OUT/sim.req")
fixed=$((480 / 5 + 1))
pct=$(awk -v a="$req" -v b="$fixed" 'BEGIN { printf "%.0f", 100 * a / b }')
bench_check "$pct" '<=' "$T_REQ_PCT"
bench_row "requests over an 8-min deployment" "$req ($pct %)" "$fixed (fixed 5 s)" "" "<= 40 %" "$REPLY"
bench_row "verdict of the simulated deployment" "$(head -n 1 "$BENCH_OUT/logs/sim.out" | cut -c 1-40)" "" "" "" INFO

ok=0
bench_table || ok=$?
[ "$strict" -eq 1 ] && exit "$ok"
exit 0

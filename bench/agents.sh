#!/usr/bin/env bash
# bench/agents.sh - bosun agents on 1,000 templates x 2 targets (Claude Code
# and Qwen Code): a first deploy, a no-op redeploy (which must write
# nothing) and verify, against the issue's targets. There is no peer that
# runs offline; a shell loop writing the same 2,000 files is printed as the
# floor a deploy cannot beat by much. See bench/README.md.
#
#	bench/agents.sh [--strict] [PATH/TO/bosun]
#
# Exit 0 when the bench ran, 1 when it could not, or with --strict when a
# row is MISS or FAIL.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

T_DEPLOY=0.2      # s, 1,000 templates x 2 targets
T_NOOP=0.030      # s, redeploy with nothing changed
T_VERIFY=0.050    # s, verify of 2,000 files
N=${BENCH_AGENTS:-1000}

strict=0 bosun=''
while [ $# -gt 0 ]; do
	case $1 in
	--strict) strict=1 ;;
	-h | --help) sed -n '4,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
	-*) exit 64 ;;
	*) bosun=$1 ;;
	esac
	shift
done
bench_init agents
bench_abspath "${bosun:-$BENCH_ROOT/build/bosun}"; bosun=$REPLY
[ -x "$bosun" ] || bench_die "no bosun at $bosun (build first)"
bench_need_deb hyperfine hyperfine || bench_die "$BENCH_ERR"
bench_load || bench_warn "load average is $REPLY: timings will be slower than on an idle machine"

repo=$BENCH_OUT/repo
rm -rf "$repo"
git init -q "$repo"
mkdir -p "$repo/agents"
bench_say "writing $N templates"
for ((i = 0; i < N; i++)); do
	printf '{"agent_id":"agent_%d","agent_version":"1.0.%d","metadata":{"description":"Agent %d: does task %d well"},"capabilities":{"model":"claude-sonnet-4-20250514","tools":["Read","Grep","Glob","Bash"]},"instructions":"You are agent %d.\\n\\n## Rules\\n- be careful\\n- be brief\\n- check your work\\n"}\n' \
		"$i" "$i" "$i" "$i" "$i" >"$repo/agents/agent_$i.json"
done
deploy=("$bosun" agents deploy -t claude -t qwen)
reset="rm -rf .claude .qwen .git/bosun"

# First deploy: from nothing each run.
row_deploy() {
	local json=$BENCH_OUT/json/deploy.json
	if (cd "$repo" && hyperfine -N --style basic --runs 5 --prepare "$reset" \
		--export-json "$json" -- "${deploy[*]}") >"$BENCH_OUT/logs/deploy.log" 2>&1 &&
		bench_json_field "$json" median; then
		local t=$REPLY
		bench_fmt_s "$t"; local shown=$REPLY
		bench_check "$t" "<=" "$T_DEPLOY"
		bench_row "deploy $N x 2" "$shown" "shell loop: $FLOOR_SHOWN" "$(bench_ratio "$t" "$FLOOR" && echo "$REPLY of the loop")" "<= ${T_DEPLOY} s" "$REPLY"
	else
		bench_row "deploy $N x 2" "failed" "" "" "<= ${T_DEPLOY} s" FAIL
	fi
}

# The floor: the same 2,000 files written by a shell loop.
floor() {
	(cd "$repo" && $reset && "${deploy[@]}" >/dev/null 2>&1)
	rm -rf "$BENCH_OUT/floor" && mkdir -p "$BENCH_OUT/floor"
	(cd "$repo" && find .claude .qwen -type f) >"$BENCH_OUT/floor.list"
	(cd "$repo" && tar cf "$BENCH_OUT/floor.tar" .claude .qwen)
	cat >"$BENCH_OUT/floor.sh" <<-EOS
	cd "$BENCH_OUT/floor" && mkdir -p .claude/agents .qwen/agents &&
	while read -r f; do cat "$repo/\$f" >"\$f"; done <"$BENCH_OUT/floor.list"
	EOS
	if hyperfine -N --style basic --runs 5 --prepare "rm -rf $BENCH_OUT/floor/.claude $BENCH_OUT/floor/.qwen" \
		--export-json "$BENCH_OUT/json/floor.json" -- "sh $BENCH_OUT/floor.sh" >"$BENCH_OUT/logs/floor.log" 2>&1 &&
		bench_json_field "$BENCH_OUT/json/floor.json" median; then
		FLOOR=$REPLY; bench_fmt_s "$FLOOR"; FLOOR_SHOWN=$REPLY
	else
		FLOOR=0 FLOOR_SHOWN="failed"
	fi
}

row_noop() {
	(cd "$repo" && $reset && "${deploy[@]}" >/dev/null 2>&1)
	touch "$BENCH_OUT/noop.mark"
	sleep 1
	if bench_time "$repo" noop 20 2 "${deploy[@]}"; then
		local t=$REPLY written
		written=$(find "$repo/.claude" "$repo/.qwen" -newer "$BENCH_OUT/noop.mark" -type f | wc -l)
		bench_fmt_s "$t"; local shown=$REPLY
		bench_check "$t" "<=" "$T_NOOP"
		[ "$written" -eq 0 ] || REPLY=MISS
		bench_row "no-op redeploy" "$shown, $written files written" "" "" "<= 30 ms, 0 files" "$REPLY"
	else
		bench_row "no-op redeploy" "bosun failed: $BENCH_ERR" "" "" "<= 30 ms, 0 files" FAIL
	fi
}

row_verify() {
	if bench_time "$repo" verify 20 2 "$bosun" agents verify; then
		local t=$REPLY
		bench_fmt_s "$t"; local shown=$REPLY
		bench_check "$t" "<=" "$T_VERIFY"
		bench_row "verify $((N * 2)) files" "$shown" "" "" "<= 50 ms" "$REPLY"
	else
		bench_row "verify $((N * 2)) files" "bosun failed: $BENCH_ERR" "" "" "<= 50 ms" FAIL
	fi
}

floor
row_deploy
row_noop
row_verify
rc=0
bench_table || rc=$?
[ "$strict" -eq 1 ] && exit "$rc"
exit 0

#!/usr/bin/env bash
# bench/agents.sh - bosun agents on 1,000 templates x 2 targets (Claude Code
# and Qwen Code): a first deploy, a no-op redeploy (which must write
# nothing) and verify, against the issue's targets. There is no peer that
# runs offline; `tar x` of the same 2,000 files (one process creating
# them, nothing else) is printed as the floor a deploy cannot beat.
#
# Between runs the outputs are moved aside, not deleted, and deleted at
# the end: on ext4, creating files right after deleting thousands is slow
# for a minute or more (the allocator skips recently freed inodes, one at
# a time), which would time the file system, not the deploy. See
# bench/README.md.
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
trash=$BENCH_OUT/trash
# Whatever an earlier run left goes aside too, and everything at the end.
mkdir -p "$trash"
[ ! -e "$repo" ] || mv "$repo" "$trash/repo.$$"
[ ! -e "$BENCH_OUT/floor" ] || mv "$BENCH_OUT/floor" "$trash/floor.$$"
trap 'rm -rf "$trash"' EXIT
git init -q "$repo"
mkdir -p "$repo/agents"
bench_say "writing $N templates"
for ((i = 0; i < N; i++)); do
	printf '{"agent_id":"agent_%d","agent_version":"1.0.%d","metadata":{"description":"Agent %d: does task %d well"},"capabilities":{"model":"claude-sonnet-4-20250514","tools":["Read","Grep","Glob","Bash"]},"instructions":"You are agent %d.\\n\\n## Rules\\n- be careful\\n- be brief\\n- check your work\\n"}\n' \
		"$i" "$i" "$i" "$i" "$i" >"$repo/agents/agent_$i.json"
done
deploy=("$bosun" agents deploy -t claude -t qwen)
# Move the outputs aside (a rename each; see above).
reset="sh -c 'd=$trash/\$(date +%s%N) && mkdir \$d && mv .claude .qwen \$d/ 2>/dev/null; mv .git/bosun \$d/state 2>/dev/null; true'"

# First deploy: from nothing each run.
row_deploy() {
	local json=$BENCH_OUT/json/deploy.json
	if (cd "$repo" && hyperfine -N --style basic --runs 10 --prepare "$reset" \
		--export-json "$json" -- "${deploy[*]}") >"$BENCH_OUT/logs/deploy.log" 2>&1 &&
		bench_json_field "$json" median; then
		local t=$REPLY
		bench_fmt_s "$t"; local shown=$REPLY
		bench_check "$t" "<=" "$T_DEPLOY"
		bench_row "deploy $N x 2" "$shown" "tar x: $FLOOR_SHOWN" "$(bench_ratio "$t" "$FLOOR" && echo "$REPLY of tar x")" "<= ${T_DEPLOY} s" "$REPLY"
	else
		bench_row "deploy $N x 2" "failed" "" "" "<= ${T_DEPLOY} s" FAIL
	fi
}

# The floor: the same 2,000 files created by `tar x`.
floor() {
	(cd "$repo" && eval "$reset" && "${deploy[@]}" >/dev/null 2>&1)
	mkdir -p "$BENCH_OUT/floor"
	(cd "$repo" && tar cf "$BENCH_OUT/floor.tar" .claude .qwen)
	if hyperfine -N --style basic --runs 5 \
		--prepare "sh -c 'mkdir -p $trash/f && mv $BENCH_OUT/floor $trash/f/\$(date +%s%N) 2>/dev/null; mkdir $BENCH_OUT/floor'" \
		--export-json "$BENCH_OUT/json/floor.json" -- "tar xf $BENCH_OUT/floor.tar -C $BENCH_OUT/floor" >"$BENCH_OUT/logs/floor.log" 2>&1 &&
		bench_json_field "$BENCH_OUT/json/floor.json" median; then
		FLOOR=$REPLY; bench_fmt_s "$FLOOR"; FLOOR_SHOWN=$REPLY
	else
		FLOOR=0 FLOOR_SHOWN="failed"
	fi
}

row_noop() {
	(cd "$repo" && eval "$reset" && "${deploy[@]}" >/dev/null 2>&1)
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

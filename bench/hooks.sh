#!/usr/bin/env bash
# bench/hooks.sh - what a git hook costs a commit: no hook at all, bosun's
# shims with no checks, bosun with commit-lint and secrets, and the peers
# (lefthook, husky, husky + lint-staged, pre-commit) doing nothing, all in
# one run. See bench/README.md.
#
#	bench/hooks.sh [--strict] [PATH/TO/bosun]
#
#   --strict   exit 1 when a figure misses its target or bosun fails
#
# Each figure is the median time of `git commit` of one changed file (a
# --prepare step changes and stages it before every run), in a throw-away
# repository under bench/.work/hooks/repos/; the overhead is that median
# minus the median of the same commit with no hook. git's own cost of
# running the two hooks a commit runs (as programs that do nothing) is
# measured too, and bosun's share is its overhead minus that. Environment:
# BENCH_HOOK_RUNS (60), BENCH_PEER_RUNS (15).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

PEER_SPECS=(lefthook@2.2.2 husky@9.1.7 lint-staged@16.4.0)
RUNS=${BENCH_HOOK_RUNS:-60}
PEER_RUNS=${BENCH_PEER_RUNS:-15}
T_EMPTY=0.003   # s: bosun's shims, no checks, over no hook
T_CHECKS=0.010  # s: commit-lint + secrets on one staged file, over no hook

strict=0 bosun=''
while [ $# -gt 0 ]; do
	case $1 in
	--strict) strict=1 ;;
	-h | --help) sed -n '2,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
	-*) echo "usage: bench/hooks.sh [--strict] [PATH/TO/bosun]" >&2; exit 64 ;;
	*) bosun=$1 ;;
	esac
	shift
done
bench_init hooks
bench_abspath "${bosun:-$BENCH_ROOT/build/bosun}"
bosun=$REPLY
[ -x "$bosun" ] || bench_die "no bosun at $bosun (build first)"
bench_need_deb hyperfine hyperfine || bench_die "$BENCH_ERR"
bench_load || bench_warn "load average is $REPLY: timings will be slower than on an idle machine"
REPOS=$BENCH_OUT/repos
rm -rf "$REPOS"
mkdir -p "$REPOS"
echo "feat: change one file" >"$REPOS/msg"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=b@example.invalid
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=b@example.invalid HOME=$BENCH_OUT/home

# new_repo NAME - a repository with one commit; REPLY = its path.
new_repo() {
	REPLY=$REPOS/$1
	git init -q -b main "$REPLY" && echo 0 >"$REPLY/f.txt" &&
		git -C "$REPLY" add f.txt && git -C "$REPLY" commit -q --no-verify -m "chore: init"
}

# time_commit DIR ID RUNS - REPLY = median seconds of a commit of one
# changed file in DIR (hyperfine, no shell in the measurement).
time_commit() {
	local dir=$1 id=$2 runs=$3 json=$BENCH_OUT/json/$2.json
	BENCH_ERR=''
	(cd "$dir" && git commit -q -m "feat: warm up" --allow-empty) >"$BENCH_OUT/logs/$id.try" 2>&1 ||
		{ BENCH_ERR="commit failed: $(head -n 1 "$BENCH_OUT/logs/$id.try")"; return 1; }
	(cd "$dir" && hyperfine -N --style basic --runs "$runs" --warmup 2 \
		--prepare "sh -c 'date +%s%N >f.txt && git add f.txt'" \
		--export-json "$json" --command-name "$id" -- "git commit -q -F $REPOS/msg") \
		>"$BENCH_OUT/logs/$id.log" 2>&1 </dev/null ||
		{ BENCH_ERR="hyperfine failed, see $BENCH_OUT/logs/$id.log"; return 1; }
	bench_json_field "$json" median
}

over() { REPLY=$(awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; print d < 0 ? 0 : d }'); }

# ---- no hook, bosun
new_repo none
time_commit "$REPLY" none "$RUNS" || bench_die "git commit without hooks: $BENCH_ERR"
base=$REPLY
bench_fmt_s "$base"; bench_row "commit, no hook (the floor)" "$REPLY" "" "" "" INFO

# ---- bosun, and what git itself spends on running hooks: the two a commit
# runs (pre-commit, commit-msg) as programs that do nothing. No hook
# manager can cost less than that; bosun's share is its figure minus it.
# These four are timed taking turns (bench/interleave.py), each figure the
# median over the rounds of the difference with the commit with no hook.
new_repo none-i; d_none=$REPLY
new_repo floor; d_floor=$REPLY
for h in pre-commit commit-msg; do
	printf '#!/bin/true\n' >"$d_floor/.git/hooks/$h" && chmod +x "$d_floor/.git/hooks/$h"
done
new_repo bosun-empty; d_empty=$REPLY
(cd "$d_empty" && "$bosun" hooks install >/dev/null 2>&1)
new_repo bosun-checks; d_checks=$REPLY
printf 'hooks:\n  pre-commit:\n    checks: [secrets]\n  commit-msg:\n    checks: [commit-lint]\n' >"$d_checks/bosun.yml"
(cd "$d_checks" && git add bosun.yml && git commit -q --no-verify -m "chore: cfg" && "$bosun" hooks install >/dev/null 2>&1)
variants=("none=$d_none" "floor=$d_floor" "empty=$d_empty")
have_checks=1
if ! "$bosun" scan secrets -h >/dev/null 2>&1; then
	bench_skip "bosun commit-lint + secrets" "this bosun has no 'scan secrets'"
	have_checks=0
else
	variants+=("checks=$d_checks")
fi
floor='' empty='' checks=''
if python3 "$BENCH_ROOT/bench/interleave.py" "$RUNS" "$REPOS/msg" "${variants[@]}" \
	>"$BENCH_OUT/json/interleave.json" 2>"$BENCH_OUT/logs/interleave.log"; then
	field() { REPLY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$BENCH_OUT/json/interleave.json" "$1"); }
	field floor-over; floor=$REPLY
	field empty-over; empty=$REPLY
	[ "$have_checks" = 0 ] || { field checks-over; checks=$REPLY; }
else
	bench_say "bosun failed: see $BENCH_OUT/logs/interleave.log"
fi
if [ -n "$floor" ]; then
	bench_fmt_s "$floor"; bench_row "two do-nothing hooks (git's own cost)" "+$REPLY" "" "" "" INFO
fi

# share VALUE - REPLY = VALUE minus git's own cost of two hooks.
share() { REPLY=$(awk -v a="$1" -v b="${floor:-0}" 'BEGIN { d = a - b; print d < 0 ? 0 : d }'); }

if [ -n "$empty" ]; then
	bench_fmt_s "$empty"; e_txt="+$REPLY"
	bench_check "$empty" "<=" "$T_EMPTY"; e_res=$REPLY
else
	e_txt=failed e_res=FAIL
fi
if [ "$have_checks" = 0 ]; then
	c_txt="skipped (no scan)" c_res=SKIP
elif [ -n "$checks" ]; then
	bench_fmt_s "$checks"; c_txt="+$REPLY"
	bench_check "$checks" "<=" "$T_CHECKS"; c_res=$REPLY
else
	c_txt=failed c_res=FAIL
fi

# ---- peers: each set up to do nothing, so only the hook machinery counts
# No install scripts: lefthook's postinstall runs `lefthook install` in
# the enclosing repository (this one), writing lefthook.yml and hooks.
export npm_config_ignore_scripts=true
bench_peers_install "${PEER_SPECS[@]}"
unset npm_config_ignore_scripts
peer_row() { # LABEL ID SPEC DIR
	local label=$1 id=$2 spec=$3 dir=$4 ptxt ratio=''
	if time_commit "$dir" "$id" "$PEER_RUNS"; then
		over "$REPLY" "$base"; local p=$REPLY
		bench_fmt_s "$p"; ptxt="$spec: +$REPLY"
		[ -n "$empty" ] && { bench_ratio "$p" "$(awk -v e="$empty" 'BEGIN { print e < 0.0001 ? 0.0001 : e }')"; ratio="bosun's is $REPLY less"; }
		bench_row "$label" "$e_txt" "$ptxt" "$ratio" "<= 3 ms over no hook" "$e_res"
	else
		bench_skip "$spec" "$BENCH_ERR"
		bench_row "$label" "$e_txt" "skipped ($spec)" "" "<= 3 ms over no hook" "$e_res"
	fi
}
link_peers() { mkdir -p "$1/node_modules" && ln -sfn "$BENCH_PEERS/node_modules"/* "$1/node_modules/" && ln -sfn "$BENCH_PEERS/node_modules/.bin" "$1/node_modules/.bin"; }
export PATH=$BENCH_PEERS/node_modules/.bin:$PATH

if bench_peer_bin lefthook; then
	new_repo lefthook; dir=$REPLY
	printf 'pre-commit:\n  commands:\n    noop:\n      run: "true"\n' >"$dir/lefthook.yml"
	(cd "$dir" && link_peers "$dir" && lefthook install >/dev/null 2>&1) &&
		peer_row "hook overhead vs lefthook" lefthook lefthook@2.2.2 "$dir"
fi
if bench_peer_bin husky; then
	new_repo husky; dir=$REPLY
	(cd "$dir" && link_peers "$dir" && echo '{"name":"b","private":true}' >package.json &&
		husky >/dev/null 2>&1 && echo "true" >.husky/pre-commit) &&
		peer_row "hook overhead vs husky" husky husky@9.1.7 "$dir"
	new_repo husky-ls; dir=$REPLY
	(cd "$dir" && link_peers "$dir" &&
		echo '{"name":"b","private":true,"lint-staged":{"*.txt":"true"}}' >package.json &&
		husky >/dev/null 2>&1 && echo "lint-staged" >.husky/pre-commit) &&
		peer_row "hook overhead vs husky + lint-staged" husky-ls "husky 9.1.7 + lint-staged 16.4.0" "$dir"
fi
if bench_need_deb pre-commit pre-commit; then
	new_repo pre-commit; dir=$REPLY
	printf 'repos:\n- repo: local\n  hooks:\n  - {id: noop, name: noop, entry: "true", language: system}\n' >"$dir/.pre-commit-config.yaml"
	(cd "$dir" && git add .pre-commit-config.yaml && git commit -q --no-verify -m "chore: pc" &&
		pre-commit install >/dev/null 2>&1) &&
		peer_row "hook overhead vs pre-commit" pre-commit "pre-commit $(pre-commit --version | cut -d' ' -f2)" "$dir"
else
	bench_skip pre-commit "$BENCH_ERR"
fi

bench_row "bosun hooks, no checks (alone)" "$e_txt" "" "" "<= 3 ms over no hook" "$e_res"
bench_row "commit-lint + secrets, one staged file" "$c_txt" "" "" "<= 10 ms over no hook" "$c_res"
if [ -n "$floor" ] && [ -n "$empty" ]; then
	share "$empty"; s=$REPLY; bench_fmt_s "$s"; t="+$REPLY"
	bench_check "$s" "<=" "$T_EMPTY"
	bench_row "  bosun's share (minus git's own cost)" "$t" "" "" "<= 3 ms" "$REPLY"
fi
if [ -n "$floor" ] && [ -n "${checks:-}" ]; then
	share "$checks"; s=$REPLY; bench_fmt_s "$s"; t="+$REPLY"
	bench_check "$s" "<=" "$T_CHECKS"
	bench_row "  bosun's share, commit-lint + secrets" "$t" "" "" "<= 10 ms" "$REPLY"
fi
echo
rc=0
bench_table || rc=$?
[ "$strict" = 1 ] && exit "$rc"
exit 0

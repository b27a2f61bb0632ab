#!/usr/bin/env bash
# bench/release.sh - bosun's release commands against their peers, on the
# real vite history (9,620 commits, 1,041 tags). See bench/README.md.
#
#	bench/release.sh [--quick] [--strict] [PATH/TO/bosun]
#
#   --quick    skip the slow peers (git-cliff, conventional-changelog);
#              bosun, the git log floor and the other peers still run
#   --strict   exit 1 when a figure misses its target or bosun fails
#
# Environment: BOSUN_SHARED (the folder holding data/histories; default
# ../shared beside the repository), BENCH_CLIFF_RUNS (3), BENCH_CC_RUNS (3),
# BENCH_SR_RUNS (5), BENCH_COMMITLINT_RUNS (10); and for lib.sh:
# BENCH_BUDGET (60: seconds for the runs of one fast command that turns out
# slow) and BENCH_TIMEOUT (300: seconds before a single run is given up).
#
# Exit 0 when the bench ran (or was skipped for want of the shared data),
# 1 when it could not run, or with --strict when a row is MISS or FAIL.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# The peers, pinned. @commitlint/cli 21 and semantic-release 25 need node
# >= 22; these are the newest that run on Debian's node 20 as well.
PEER_SPECS=(
	git-cliff@2.14.2
	conventional-changelog-cli@5.0.0
	@commitlint/cli@20.5.3
	@commitlint/config-conventional@20.5.3
	semantic-release@24.2.9
)
SLOW_PEERS="git-cliff conventional-changelog-cli"

CLIFF_RUNS=${BENCH_CLIFF_RUNS:-3}
CC_RUNS=${BENCH_CC_RUNS:-3}
SR_RUNS=${BENCH_SR_RUNS:-5}
COMMITLINT_RUNS=${BENCH_COMMITLINT_RUNS:-10}

# Targets (from the issue).
T_CHANGELOG=0.15     # s, bosun changelog --all on vite
T_CLIFF=100          # x faster than git-cliff
T_CC=20              # x faster than conventional-changelog
T_GITLOG=2           # bosun / git log --format=%B at most
T_NEXT=0.050         # s, bosun version next on vite
T_VERSION=0.002      # s, bosun --version
T_LINT=0.003         # s, bosun commit lint FILE
T_RSS_MB=50          # MiB, peak RSS of bosun changelog --all on vite

usage() {
	sed -n '4,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

quick=0 strict=0 bosun=''
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--strict) strict=1 ;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; exit 64 ;;
	*)
		[ -z "$bosun" ] || { usage >&2; exit 64; }
		bosun=$1
		;;
	esac
	shift
done
if [ -z "$bosun" ]; then
	bosun=$BENCH_ROOT/build/bosun
else
	bench_abspath "$bosun"
	bosun=$REPLY
fi

bench_init release
bench_shared_or_skip
bench_need_deb hyperfine hyperfine || bench_die "$BENCH_ERR"
have_time=1
bench_need_deb /usr/bin/time time || { have_time=0; time_err=$BENCH_ERR; }

# ---------------------------------------------------------------- setup

bench_replay vite || bench_die "$BENCH_ERR"
VITE=$REPLY
n_commits=$(git -C "$VITE" rev-list --count HEAD)
n_tags=$(git -C "$VITE" tag | wc -l)

declare -A skip_reason # per peer package: why it will not run
specs=()
for spec in "${PEER_SPECS[@]}"; do
	pkg=${spec%@*}
	if [ "$quick" = 1 ] && [[ " $SLOW_PEERS " == *" $pkg "* ]]; then
		skip_reason[$pkg]="--quick"
		continue
	fi
	specs+=("$spec")
done
BENCH_PEERS_FAILED=''
[ ${#specs[@]} -eq 0 ] || bench_peers_install "${specs[@]}"
for pkg in $BENCH_PEERS_FAILED; do
	skip_reason[$pkg]="not installed"
done

# peer_ready PACKAGE BIN - REPLY = the peer's program, PEER_V its version;
# or return 1 with BENCH_ERR saying why it does not run.
peer_ready() {
	if [ -n "${skip_reason[$1]:-}" ]; then
		BENCH_ERR=${skip_reason[$1]}
		return 1
	fi
	bench_peer_version "$1" || { BENCH_ERR="not installed"; return 1; }
	PEER_V=$REPLY
	bench_peer_bin "$2"
}

# bosun_run ID RUNS WARMUP DIR ARG... - time bosun; on failure print
# "bosun failed: ..." and return 1.
bosun_ok=1 bosun_err=''
[ -x "$bosun" ] || { bosun_ok=0; bosun_err="no executable at $bosun (build it: make)"; }
bosun_run() {
	local id=$1 runs=$2 warmup=$3 dir=$4
	shift 4
	if [ "$bosun_ok" = 0 ]; then
		BENCH_ERR=$bosun_err
	elif bench_time "$dir" "$id" "$runs" "$warmup" "$bosun" "$@"; then
		bench_fmt_s "$REPLY"
		printf '  %-44s %s (median of %s)\n' "bosun $*" "$REPLY" "$BENCH_RUNS"
		bench_json_field "$BENCH_OUT/json/$id.json" median
		return 0
	fi
	printf '  %-44s bosun failed: %s\n' "bosun $*" "$BENCH_ERR"
	return 1
}

# peer_run ID RUNS WARMUP DIR LABEL CMD... - time a peer; print its line.
peer_run() {
	local id=$1 runs=$2 warmup=$3 dir=$4 label=$5
	shift 5
	if bench_time "$dir" "$id" "$runs" "$warmup" "$@"; then
		bench_fmt_s "$REPLY"
		printf '  %-44s %s (median of %s)\n' "$label" "$REPLY" "$BENCH_RUNS"
		bench_json_field "$BENCH_OUT/json/$id.json" median
		return 0
	fi
	bench_skip "$label" "$BENCH_ERR"
	return 1
}

node_v=$(node --version 2>/dev/null || echo none)
bosun_v=$("$bosun" --version 2>/dev/null | head -n 1) || bosun_v="(bosun --version failed)"
[ "$bosun_ok" = 1 ] || bosun_v="(no binary)"
bench_say "bosun: $bosun  $bosun_v"
bench_say "machine: $(nproc) cores; $(hyperfine --version); node $node_v; $(git --version)"
bench_say "vite replay: $VITE ($n_commits commits on main, $n_tags tags)"
bench_load || bench_say "note: the machine is busy (load average $REPLY on $(nproc) cores); every timing, bosun's and the peers', will be slower than on an idle machine"

# row_vs FIGURE BOSUN_S PEER_LABEL PEER_S|"" PEER_WHY TARGET_X - a "bosun is
# N times faster than PEER" row: ratio PEER/bosun against TARGET_X.
row_vs() {
	local fig=$1 b=$2 label=$3 p=$4 why=$5 tx=$6 bcell pcell ratio result
	if [ -n "$b" ]; then bench_fmt_s "$b"; bcell=$REPLY; else bcell=failed; fi
	if [ -n "$p" ]; then bench_fmt_s "$p"; pcell="$label: $REPLY"; else pcell="$label: skipped ($why)"; fi
	ratio='' result=''
	if [ -z "$p" ]; then
		result=SKIP
	elif [ -z "$b" ]; then
		result=FAIL
	else
		bench_ratio "$p" "$b"
		ratio="$REPLY faster"
		bench_check "$(awk -v p="$p" -v b="$b" 'BEGIN { print p / b }')" ">=" "$tx"
		result=$REPLY
	fi
	bench_row "$fig" "$bcell" "$pcell" "$ratio" ">= ${tx}x faster" "$result"
}

# row_abs FIGURE BOSUN_S LIMIT_S LIMIT_TEXT PEER_LABEL PEER_S|"" PEER_WHY -
# a "bosun takes at most LIMIT" row, with a peer for the ratio (no target
# on the ratio).
row_abs() {
	local fig=$1 b=$2 lim=$3 limtxt=$4 label=$5 p=$6 why=$7 bcell pcell='' ratio='' result
	if [ -n "$b" ]; then bench_fmt_s "$b"; bcell=$REPLY; else bcell=failed; fi
	if [ -n "$label" ]; then
		if [ -n "$p" ]; then bench_fmt_s "$p"; pcell="$label: $REPLY"; else pcell="$label: skipped ($why)"; fi
	fi
	if [ -n "$b" ] && [ -n "$p" ]; then
		bench_ratio "$p" "$b"
		ratio="$REPLY faster"
	fi
	if [ -n "$b" ]; then
		bench_check "$b" "<=" "$lim"
		result=$REPLY
	else
		result=FAIL
	fi
	bench_row "$fig" "$bcell" "$pcell" "$ratio" "<= $limtxt" "$result"
}

# ---------------------------------------------------------------- 1. changelog

bench_say ""
bench_say "== full changelog of vite, stdout to /dev/null"
b_cl=''
if [ "$bosun_ok" = 1 ] &&
	bench_capture "$VITE" "$BENCH_OUT/bosun-changelog.md" "$BENCH_OUT/logs/bosun-changelog.err" \
		"$bosun" changelog --all; then
	bench_say "  bosun changelog --all wrote $(wc -l <"$BENCH_OUT/bosun-changelog.md") lines (kept in ${BENCH_OUT#"$BENCH_ROOT"/}/bosun-changelog.md)"
fi
if bosun_run bosun-changelog 10 2 "$VITE" changelog --all; then b_cl=$REPLY; fi

g_log=''
peer_run git-log 10 2 "$VITE" "git log --format=%B" git log --format=%B && g_log=$REPLY

p_cliff='' cliff_why='' cliff_label=git-cliff
if peer_ready git-cliff git-cliff; then
	cliff_label="git-cliff $PEER_V"
	if peer_run git-cliff "$CLIFF_RUNS" 0 "$VITE" "$cliff_label --config bench/cliff.toml" \
		"$REPLY" --config "$BENCH_DIR/cliff.toml"; then p_cliff=$REPLY; else cliff_why=failed; fi
else
	cliff_why=$BENCH_ERR
	bench_skip git-cliff "$cliff_why"
fi

p_cc='' cc_why='' cc_label=conventional-changelog
if peer_ready conventional-changelog-cli conventional-changelog; then
	cc_label="conventional-changelog-cli $PEER_V"
	if peer_run conventional-changelog "$CC_RUNS" 0 "$VITE" "$cc_label -p angular -r 0" \
		"$REPLY" -p angular -r 0; then p_cc=$REPLY; else cc_why=failed; fi
else
	cc_why=$BENCH_ERR
	bench_skip conventional-changelog "$cc_why"
fi

row_abs "changelog --all, vite" "$b_cl" "$T_CHANGELOG" "0.15 s" "" "" ""
row_vs "changelog --all vs git-cliff" "$b_cl" "$cliff_label" "$p_cliff" "$cliff_why" "$T_CLIFF"
row_vs "changelog --all vs conventional-changelog" "$b_cl" "$cc_label -p angular -r 0" "$p_cc" "$cc_why" "$T_CC"
# The floor: how close bosun comes to git merely printing every message.
if [ -n "$g_log" ]; then
	bench_fmt_s "$g_log"
	pcell="git log --format=%B: $REPLY"
	if [ -n "$b_cl" ]; then
		bench_fmt_s "$b_cl"
		bcell=$REPLY
		bench_ratio "$b_cl" "$g_log"
		ratio="$REPLY git log's time"
		bench_check "$(awk -v b="$b_cl" -v g="$g_log" 'BEGIN { print b / g }')" "<=" "$T_GITLOG"
		bench_row "changelog --all vs git log (floor)" "$bcell" "$pcell" "$ratio" "<= ${T_GITLOG}x git log" "$REPLY"
	else
		bench_row "changelog --all vs git log (floor)" failed "$pcell" "" "<= ${T_GITLOG}x git log" FAIL
	fi
else
	bench_row "changelog --all vs git log (floor)" "" "git log failed" "" "<= ${T_GITLOG}x git log" SKIP
fi

# ---------------------------------------------------------------- 2. version next

bench_say ""
bench_say "== next version of vite"
b_next='' b_nv=''
if [ "$bosun_ok" = 1 ] &&
	bench_capture "$VITE" "$BENCH_OUT/bosun-next.txt" "$BENCH_OUT/logs/bosun-next.err" \
		"$bosun" version next; then
	bench_say "  bosun version next says: $(head -n 1 "$BENCH_OUT/bosun-next.txt")"
	b_nv=$(grep -m 1 -oE '[0-9]+\.[0-9]+\.[0-9]+[-+.0-9A-Za-z]*' "$BENCH_OUT/bosun-next.txt") || b_nv=''
fi
# Warm: after the first run, the commit cache in .git/bosun holds every
# commit's parents and date. Cold: no cache, every commit read from the pack
# (a fresh CI clone's first call).
if bosun_run bosun-version-next 20 3 "$VITE" version next; then b_next=$REPLY; fi
b_next_cold=''
export BOSUN_NO_CACHE=1
if bosun_run bosun-version-next-cold 10 1 "$VITE" version next; then b_next_cold=$REPLY; fi
unset BOSUN_NO_CACHE

# semantic-release needs a remote: a bare clone on this machine serves.
p_sr='' sr_why='' sr_label=semantic-release sr_next=''
if peer_ready semantic-release semantic-release; then
	sr_label="semantic-release $PEER_V --dry-run"
	sr_bin=$REPLY
	if bench_clone_with_remote "$VITE" vite-sr; then
		sr_dir=$REPLY
		sr_cmd=("$sr_bin" --dry-run --no-ci --branches main
			--repository-url "file://$BENCH_REMOTE"
			--plugins '@semantic-release/commit-analyzer,@semantic-release/release-notes-generator')
		if bench_capture "$sr_dir" "$BENCH_OUT/semantic-release.out" "$BENCH_OUT/logs/semantic-release.err" "${sr_cmd[@]}"; then
			sr_next=$(sed -n 's/.*The next release version is \([^ ]*\).*/\1/p' "$BENCH_OUT/semantic-release.out" | head -n 1)
			bench_say "  semantic-release says: ${sr_next:-no release}"
			if peer_run semantic-release "$SR_RUNS" 0 "$sr_dir" "$sr_label" "${sr_cmd[@]}"; then
				p_sr=$REPLY
			else
				sr_why=failed
			fi
		else
			sr_why="dry run failed offline: $BENCH_ERR"
			bench_skip semantic-release "$sr_why"
			sr_why="dry run failed"
		fi
	else
		sr_why=$BENCH_ERR
		bench_skip semantic-release "$sr_why"
	fi
else
	sr_why=$BENCH_ERR
	bench_skip semantic-release "$sr_why"
fi
row_abs "version next, vite" "$b_next" "$T_NEXT" "50 ms" "$sr_label" "$p_sr" "$sr_why"
[ -n "$b_next_cold" ] &&
	bench_row "version next, vite, cold (no cache)" "$(bench_fmt_s "$b_next_cold"; echo "$REPLY")" "" "" "" INFO
# Cross-check, no target: both should name the same next version.
if [ -n "$b_nv" ] && [ -n "${sr_next:-}" ]; then
	if [ "$b_nv" = "$sr_next" ]; then same=same; else same=different; fi
	bench_say "  next version: bosun $b_nv, semantic-release $sr_next: $same"
	bench_row "version next = semantic-release's" "$b_nv" "semantic-release: $sr_next" "$same" "" INFO
fi

# ---------------------------------------------------------------- 3. --version

bench_say ""
bench_say "== startup"
b_ver=''
if bosun_run bosun-version 500 50 "$BENCH_OUT" --version; then b_ver=$REPLY; fi
row_abs "--version" "$b_ver" "$T_VERSION" "2 ms" "" "" ""

# ---------------------------------------------------------------- 4. commit lint

bench_say ""
bench_say "== lint one commit message"
lint=$BENCH_OUT/lint
msg=COMMIT_MSG # relative to $lint, where both linters run
[ -d "$lint/.git" ] || git init -q "$lint"
cat >"$lint/$msg" <<'EOF'
feat(changelog): list breaking changes first in each release

Breaking changes were listed under their type, so a reader had to scan
every section of a release to find them. List them first, each once,
with the migration note from the commit's footer.

Refs: #128
EOF
b_lint=''
if bosun_run bosun-commit-lint 100 10 "$lint" commit lint "$msg"; then b_lint=$REPLY; fi

p_cl='' cl_why='' cl_label=commitlint
if peer_ready @commitlint/config-conventional commitlint &&
	peer_ready @commitlint/cli commitlint; then
	cl_bin=$REPLY
	cl_label="commitlint $PEER_V --edit"
	# An absolute path to the preset's entry file, as the lint directory has
	# no node_modules to resolve a package name from.
	ccdir=$BENCH_PEERS/node_modules/@commitlint/config-conventional
	ccmain=$(sed -n 's/^[[:space:]]*"main":[[:space:]]*"\([^"]*\)".*/\1/p' "$ccdir/package.json" | head -n 1)
	printf "export default { extends: ['%s'] };\n" "$ccdir/${ccmain:-lib/index.js}" \
		>"$lint/commitlint.config.mjs"
	if peer_run commitlint "$COMMITLINT_RUNS" 1 "$lint" "$cl_label (config-conventional)" \
		"$cl_bin" --edit "$msg"; then p_cl=$REPLY; else cl_why=failed; fi
else
	cl_why=$BENCH_ERR
	bench_skip commitlint "$cl_why"
fi
row_abs "commit lint FILE" "$b_lint" "$T_LINT" "3 ms" "$cl_label" "$p_cl" "$cl_why"

# ---------------------------------------------------------------- 5. memory

bench_say ""
bench_say "== peak memory of the full changelog"
if [ "$have_time" = 0 ]; then
	bench_skip "peak memory" "$time_err"
	bench_row "peak RSS, changelog --all" "" "" "" "<= $T_RSS_MB MB" SKIP
else
	g_kb='' pcell=''
	if bench_peak_kb "$VITE" 3 git log --format=%B; then
		g_kb=$REPLY
		bench_fmt_kb "$g_kb"
		pcell="git log --format=%B: $REPLY"
	fi
	if [ "$bosun_ok" = 0 ]; then
		BENCH_ERR=$bosun_err
	elif bench_peak_kb "$VITE" 3 "$bosun" changelog --all; then
		b_kb=$REPLY
		bench_fmt_kb "$b_kb"
		bcell=$REPLY
		printf '  %-44s %s\n' "bosun changelog --all" "$bcell"
		bench_check "$b_kb" "<=" $((T_RSS_MB * 1024))
		bench_row "peak RSS, changelog --all" "$bcell" "$pcell" "" "<= $T_RSS_MB MB" "$REPLY"
		BENCH_ERR=''
	fi
	if [ -n "$BENCH_ERR" ]; then
		printf '  %-44s bosun failed: %s\n' "bosun changelog --all" "$BENCH_ERR"
		bench_row "peak RSS, changelog --all" failed "$pcell" "" "<= $T_RSS_MB MB" FAIL
	fi
fi

# ---------------------------------------------------------------- table

bench_say ""
bench_say "== release bench: medians on vite ($n_commits commits, $n_tags tags); ratio = peer time / bosun time"
ok=1
bench_table || ok=0
bench_say ""
bench_say "raw results: ${BENCH_OUT#"$BENCH_ROOT"/}/ (json/ per measurement, table.tsv)"
if [ "$ok" = 0 ] && [ "$strict" = 1 ]; then
	exit 1
fi
exit 0

#!/usr/bin/env bash
# bench/scan.sh - `bosun scan secrets` against secretlint (recommended
# preset) on a real tree nobody here wrote: a pinned npm install of webpack,
# eslint, typescript, rxjs and date-fns (>= 40 MB, >= 10,000 files), with a single-pattern
# ripgrep (or grep -r) over the same tree as the floor; bosun's CPU time
# too, and how long compiling its rules takes (no cache); and bosun without
# Vectorscan (BOSUN_DL_DENY=vectorscan: PCRE2 only, the degraded mode)
# against bosun with it and against secretlint. See bench/README.md.
#
#	bench/scan.sh [--strict] [PATH/TO/bosun]
#
#   --strict   exit 1 when a figure misses its target or bosun fails
#
# Environment: BENCH_SECRETLINT_RUNS (3, when one run takes < 60 s),
# BENCH_SECRETLINT_TIMEOUT (1200 s), BENCH_SCAN_RUNS (10); and for
# lib.sh BENCH_BUDGET and BENCH_TIMEOUT.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# The tree to scan, pinned (eslint 10 and typescript 5.9 install on node 20).
# webpack, eslint and typescript alone make about 5,200 files; rxjs and
# date-fns bring it past 10,000 with more real JavaScript.
TREE_SPECS=(webpack@5.112.2 eslint@10.15.0 typescript@5.9.3 rxjs@7.8.2 date-fns@4.4.0)
# The peer: secretlint 12+ needs node >= 22; 11.7.1 is the newest for 20.
PEER_SPECS=(secretlint@11.7.1 @secretlint/secretlint-rule-preset-recommend@11.7.1)

SL_RUNS=${BENCH_SECRETLINT_RUNS:-3}
SCAN_RUNS=${BENCH_SCAN_RUNS:-10}
T_SCAN=0.5          # s, bosun scan secrets on the tree
T_COMPILE=0.5       # s, compiling the built-in rules (the first scan after a change)
T_SECRETLINT=10     # x faster than secretlint
T_MB=40             # MB at least in the tree
T_FILES=10000       # files at least in the tree

usage() { sed -n '8,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

strict=0 bosun=''
while [ $# -gt 0 ]; do
	case $1 in
	--strict) strict=1 ;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; exit 64 ;;
	*) [ -z "$bosun" ] || { usage >&2; exit 64; }; bosun=$1 ;;
	esac
	shift
done
if [ -z "$bosun" ]; then
	bosun=$BENCH_ROOT/build/bosun
else
	bench_abspath "$bosun"
	bosun=$REPLY
fi

bench_init scan
bench_need_deb hyperfine hyperfine || bench_die "$BENCH_ERR"
bench_load || bench_warn "load average $REPLY: timings will be slower than on an idle machine"

# ---- the tree -------------------------------------------------------------

tree_dir=$BENCH_WORK/scan-tree
tree=$tree_dir/node_modules
want="${TREE_SPECS[*]}"
if [ "$(cat "$tree_dir/.bench-specs" 2>/dev/null)" != "$want" ] || [ ! -d "$tree" ]; then
	command -v npm >/dev/null 2>&1 || bench_die "npm not found (install Debian's nodejs and npm)"
	bench_say "installing the tree to scan: $want"
	rm -rf "$tree_dir"
	mkdir -p "$tree_dir"
	timeout 900 npm install --prefix "$tree_dir" --no-audit --no-fund --ignore-scripts \
		--loglevel=error --save-exact "${TREE_SPECS[@]}" >"$BENCH_OUT/logs/npm-tree.log" 2>&1 ||
		bench_die "npm install of the tree failed: $(tail -n 1 "$BENCH_OUT/logs/npm-tree.log")"
	printf '%s\n' "$want" >"$tree_dir/.bench-specs"
fi
files=$(find "$tree" -type f | wc -l)
kb=$(du -sk --apparent-size "$tree" | cut -f 1)
mb=$(awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }')
bench_say "tree: $files files, $mb MB ($want)"

# ---- bosun ----------------------------------------------------------------

# bosun writes its compiled rules to the cache on the first (warm-up) run.
b=''
bcell=''
bench_capture "$tree" "$BENCH_OUT/bosun.json" "$BENCH_OUT/logs/bosun-once.log" \
	"$bosun" --json scan secrets . || [ "${BENCH_ERR%%:*}" = "exit 1" ] || {
	bcell="failed"
	bench_say "bosun failed: $BENCH_ERR"
}
if [ -z "$bcell" ]; then
	found=$(grep -c '"rule":' "$BENCH_OUT/bosun.json" || true)
	bench_say "bosun: $found findings (examples and test fixtures in the packages)"
	# scan exits 1 when it finds something: hyperfine must accept that.
	if (cd "$tree" && hyperfine -N --style basic --runs "$SCAN_RUNS" --warmup 2 -i \
		--export-json "$BENCH_OUT/json/bosun-scan.json" --command-name bosun-scan \
		-- "$bosun scan secrets .") >"$BENCH_OUT/logs/bosun-scan.log" 2>&1 &&
		bench_json_field "$BENCH_OUT/json/bosun-scan.json" median; then
		b=$REPLY
		bench_fmt_s "$b"
		bcell=$REPLY
		# CPU as well as wall time: threads can hide work the wall
		# clock does not show (hyperfine's means, user + system).
		if bench_json_field "$BENCH_OUT/json/bosun-scan.json" user; then
			cu=$REPLY
			bench_json_field "$BENCH_OUT/json/bosun-scan.json" system && cs=$REPLY &&
				cpu=$(awk -v u="$cu" -v s="$cs" 'BEGIN { print u + s }')
		fi
	else
		bcell=failed
	fi
fi
cpu=${cpu:-}

# Without Vectorscan (the degraded mode, PCRE2 only): the same tree.
p='' pcell='' pcpu=''
if (cd "$tree" && hyperfine -N --style basic --runs "$SCAN_RUNS" --warmup 1 -i \
	--export-json "$BENCH_OUT/json/bosun-pcre2.json" --command-name bosun-pcre2 \
	-- "env BOSUN_DL_DENY=vectorscan $bosun scan secrets .") >"$BENCH_OUT/logs/bosun-pcre2.log" 2>&1 &&
	bench_json_field "$BENCH_OUT/json/bosun-pcre2.json" median; then
	p=$REPLY
	bench_fmt_s "$p"
	pcell=$REPLY
	bench_json_field "$BENCH_OUT/json/bosun-pcre2.json" user && cu=$REPLY &&
		bench_json_field "$BENCH_OUT/json/bosun-pcre2.json" system &&
		pcpu=$(awk -v u="$cu" -v s="$REPLY" 'BEGIN { print u + s }')
else
	pcell=failed
fi

# Compiling the rules: what the first scan (the first hook) after a change
# of rules pays before the cache holds them. One small file, no cache.
compile='' ccell=''
printf 'nothing here\n' >"$BENCH_OUT/small.txt"
if hyperfine -N --style basic --runs 5 --warmup 1 -i \
	--export-json "$BENCH_OUT/json/bosun-compile.json" --command-name bosun-compile \
	-- "env BOSUN_NO_CACHE=1 $bosun scan secrets $BENCH_OUT/small.txt" \
	>"$BENCH_OUT/logs/bosun-compile.log" 2>&1 &&
	bench_json_field "$BENCH_OUT/json/bosun-compile.json" median; then
	compile=$REPLY
	bench_fmt_s "$compile"
	ccell=$REPLY
fi

# ---- the floor: one pattern over every file --------------------------------

floor='' fcell='' fname=''
have_rg=0
bench_need_deb rg ripgrep && have_rg=1 || bench_say "skipped: rg: $BENCH_ERR (using grep -r)"
if [ "$have_rg" = 1 ]; then
	fname="rg (1 pattern)"
	fcmd=(rg -uuu -c --no-messages ghp_[A-Za-z0-9]{36} .)
else
	fname="grep -r (1 pattern)"
	fcmd=(grep -rcE ghp_[A-Za-z0-9]{36} .)
fi
if (cd "$tree" && hyperfine -N --style basic --runs "$SCAN_RUNS" --warmup 2 -i \
	--export-json "$BENCH_OUT/json/floor.json" --command-name floor -- "${fcmd[*]}") \
	>"$BENCH_OUT/logs/floor.log" 2>&1 && bench_json_field "$BENCH_OUT/json/floor.json" median; then
	floor=$REPLY
	bench_fmt_s "$floor"
	fcell="$fname: $REPLY"
else
	fcell="$fname: failed"
fi

# ---- secretlint -------------------------------------------------------------

bench_peers_install "${PEER_SPECS[@]}"
sl='' scell=''
if bench_peer_bin secretlint; then
	slbin=$REPLY
	bench_peer_version secretlint
	slver=$REPLY
	rc_file=$BENCH_OUT/secretlintrc.json
	printf '{"rules": [{"id": "%s"}]}\n' \
		"$BENCH_PEERS/node_modules/@secretlint/secretlint-rule-preset-recommend" >"$rc_file"
	# One run first, timed here: secretlint takes minutes on this tree, so
	# hyperfine's repeated runs are only used when it is fast enough. It
	# exits 1 when it finds something, which is a successful run.
	slto=${BENCH_SECRETLINT_TIMEOUT:-1200}
	t0=$EPOCHREALTIME
	rc=0
	(cd "$tree" && timeout "$slto" "$slbin" --secretlintrc "$rc_file" \
		--format json --output "$BENCH_OUT/secretlint.json" "**/*") \
		>"$BENCH_OUT/logs/secretlint-once.log" 2>&1 || rc=$?
	t1=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
	if [ "$rc" -le 1 ]; then
		sl=$t1
		if awk -v t="$t1" 'BEGIN { exit !(t < 60) }' &&
			(cd "$tree" && hyperfine -N --style basic --runs "$SL_RUNS" -i \
			--export-json "$BENCH_OUT/json/secretlint.json" --command-name secretlint \
			-- "$slbin --secretlintrc $rc_file --format json --output /dev/null **/*") \
			>"$BENCH_OUT/logs/secretlint.log" 2>&1 &&
			bench_json_field "$BENCH_OUT/json/secretlint.json" median; then
			sl=$REPLY
		fi
		bench_fmt_s "$sl"
		scell="secretlint $slver: $REPLY"
	elif [ "$rc" = 124 ]; then
		scell="skipped (secretlint timed out after $slto s; BENCH_SECRETLINT_TIMEOUT)"
	else
		scell="skipped (secretlint exit $rc: $(grep -m 1 -v '^[[:space:]]*$' "$BENCH_OUT/logs/secretlint-once.log" | cut -c 1-80))"
	fi
else
	scell="skipped (secretlint not installed)"
fi

# ---- secretlint and bosun on one subtree ----------------------------------
# secretlint may not finish the whole tree in any reasonable time; both
# also scan one pinned subtree (date-fns's locales: thousands of small
# real files), so that there is always an exact ratio on identical input.
sub=$tree/date-fns/locale sub_b='' sub_p='' sub_sl='' sub_cell=''
if [ -d "$sub" ] && [ -n "${slbin:-}" ]; then
	sub_files=$(find "$sub" -type f | wc -l)
	sub_mb=$(du -sk "$sub" | awk '{ printf "%.1f", $1 / 1024 }')
	if (cd "$sub" && hyperfine -N --style basic --runs "$SCAN_RUNS" --warmup 1 -i \
		--export-json "$BENCH_OUT/json/sub-bosun.json" -- "$bosun scan secrets .") \
		>"$BENCH_OUT/logs/sub-bosun.log" 2>&1 &&
		bench_json_field "$BENCH_OUT/json/sub-bosun.json" median; then
		sub_b=$REPLY
	fi
	if (cd "$sub" && hyperfine -N --style basic --runs "$SCAN_RUNS" --warmup 1 -i \
		--export-json "$BENCH_OUT/json/sub-pcre2.json" \
		-- "env BOSUN_DL_DENY=vectorscan $bosun scan secrets .") \
		>"$BENCH_OUT/logs/sub-pcre2.log" 2>&1 &&
		bench_json_field "$BENCH_OUT/json/sub-pcre2.json" median; then
		sub_p=$REPLY
	fi
	t0=$EPOCHREALTIME rc=0
	(cd "$sub" && timeout "$slto" "$slbin" --secretlintrc "$rc_file" --format json \
		--output /dev/null "**/*") >"$BENCH_OUT/logs/sub-secretlint.log" 2>&1 || rc=$?
	[ "$rc" -le 1 ] && sub_sl=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
fi

# ---- the table -------------------------------------------------------------

res=INFO
bench_check "$files" ">=" "$T_FILES"; r1=$REPLY
bench_check "$mb" ">=" "$T_MB"; r2=$REPLY
[ "$r1" = PASS ] && [ "$r2" = PASS ] && res=PASS || res=MISS
bench_row "tree size" "$files files, $mb MB" "-" "-" ">= $T_FILES files, >= $T_MB MB" "$res"
if [ -n "$b" ]; then
	bench_check "$b" "<=" "$T_SCAN"
	bench_row "scan secrets (full tree)" "$bcell" "$fcell" "-" "<= $T_SCAN s" "$REPLY"
	if [ -n "$floor" ]; then
		bench_ratio "$b" "$floor"
		bench_row "vs the floor" "$bcell" "$fcell" "$REPLY the floor's time" "-" INFO
	fi
	if [ -n "$cpu" ]; then
		bench_fmt_s "$cpu"
		bench_row "scan secrets CPU (user + system)" "$REPLY" "-" "-" "-" INFO
	fi
	if [ -n "$sl" ]; then
		bench_ratio "$sl" "$b"
		ratio=$REPLY
		bench_check "$(awk -v a="$sl" -v b="$b" 'BEGIN { print a / b }')" ">=" "$T_SECRETLINT"
		bench_row "vs secretlint (recommended)" "$bcell" "$scell" "$ratio faster" ">= ${T_SECRETLINT}x faster" "$REPLY"
	else
		bench_row "vs secretlint (recommended)" "$bcell" "$scell" "-" ">= ${T_SECRETLINT}x faster" SKIP
	fi
else
	bench_row "scan secrets (full tree)" "failed" "$fcell" "-" "<= $T_SCAN s" FAIL
fi
if [ -n "$compile" ]; then
	bench_check "$compile" "<=" "$T_COMPILE"
	bench_row "compile the rules (no cache, one small file)" "$ccell" "-" "-" "<= $T_COMPILE s" "$REPLY"
else
	bench_row "compile the rules (no cache, one small file)" "failed" "-" "-" "<= $T_COMPILE s" FAIL
fi
if [ -n "$sub_b" ] && [ -n "$sub_sl" ]; then
	bench_fmt_s "$sub_b"; sub_bc=$REPLY
	bench_fmt_s "$sub_sl"; sub_cell="secretlint $slver: $REPLY (one run)"
	bench_ratio "$sub_sl" "$sub_b"; ratio=$REPLY
	bench_check "$(awk -v a="$sub_sl" -v b="$sub_b" 'BEGIN { print a / b }')" ">=" "$T_SECRETLINT"
	bench_row "vs secretlint, date-fns/locale ($sub_files files, $sub_mb MB)" "$sub_bc" "$sub_cell" "$ratio faster" ">= ${T_SECRETLINT}x faster" "$REPLY"
elif [ -n "${slbin:-}" ]; then
	if [ -n "$sub_b" ]; then bench_fmt_s "$sub_b"; sub_bc=$REPLY; else sub_bc=failed; fi
	bench_row "vs secretlint, date-fns/locale" "$sub_bc" "skipped (secretlint did not finish)" "-" ">= ${T_SECRETLINT}x faster" SKIP
fi
# The degraded mode: the same findings, slower; no target of its own
# beyond beating secretlint by the same margin.
if [ -n "$p" ] && [ -n "$b" ]; then
	bench_ratio "$p" "$b"
	bench_row "scan secrets without Vectorscan (PCRE2 only)" "$pcell" "with Vectorscan: $bcell" "$REPLY the time" "-" INFO
	if [ -n "$pcpu" ] && [ -n "$cpu" ]; then
		bench_fmt_s "$pcpu"; pc=$REPLY
		bench_fmt_s "$cpu"
		bench_row "the same, CPU (user + system)" "$pc" "with Vectorscan: $REPLY" "$(bench_ratio "$pcpu" "$cpu"; echo "$REPLY") the CPU" "-" INFO
	fi
else
	bench_row "scan secrets without Vectorscan (PCRE2 only)" "${pcell:-failed}" "-" "-" "-" FAIL
fi
if [ -n "$sub_p" ] && [ -n "$sub_sl" ]; then
	bench_fmt_s "$sub_p"; sub_pc=$REPLY
	bench_ratio "$sub_sl" "$sub_p"; ratio=$REPLY
	bench_check "$(awk -v a="$sub_sl" -v b="$sub_p" 'BEGIN { print a / b }')" ">=" "$T_SECRETLINT"
	bench_row "without Vectorscan vs secretlint, date-fns/locale" "$sub_pc" "$sub_cell" "$ratio faster" ">= ${T_SECRETLINT}x faster" "$REPLY"
fi
echo
rc=0
bench_table || rc=1
[ "$strict" = 1 ] && exit "$rc"
exit 0

# shellcheck shell=bash
# shellcheck disable=SC2034 # BENCH_* globals are read by the scripts that source this
# bench/lib.sh - helpers shared by bosun's benchmarks (release, hooks, scan,
# agents, deploy). Source it from a bench script that runs under bash with
# `set -euo pipefail`:
#
#	. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
#	bench_init release
#
# Conventions:
#   - every function is named bench_*; globals are BENCH_*;
#   - a function that computes something leaves it in REPLY (not on stdout),
#     so that it can also set BENCH_ERR without a subshell eating it;
#   - a function that fails returns non-zero with a one-line reason in
#     BENCH_ERR; it never exits the script (except bench_skip_all);
#   - nothing here writes outside bench/.work/ and bench/.peers/ (both
#     gitignored), except what the package managers install.
#
# Layout:
#   bench/.work/<history>/     replayed repositories (reused while unchanged)
#   bench/.work/<name>/        one bench's scratch: hyperfine JSON, logs, table
#   bench/.peers/              npm packages of the peers (npm --prefix)

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_ROOT=$(cd "$BENCH_DIR/.." && pwd)
BENCH_WORK=$BENCH_DIR/.work
BENCH_PEERS=$BENCH_DIR/.peers
BENCH_ERR=''
REPLY=''

# ---------------------------------------------------------------- messages

# bench_say TEXT... - a progress line on stdout.
bench_say() { printf '%s\n' "$*"; }

# bench_skip WHAT WHY - the one form of "this part did not run".
bench_skip() { printf 'skipped: %s: %s\n' "$1" "$2"; }

# bench_warn TEXT... - a problem that does not stop the bench, on stderr.
bench_warn() { printf 'bench: %s\n' "$*" >&2; }

# bench_die TEXT... - stop the bench with exit code 1.
bench_die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- setup

# bench_init NAME - create the scratch directory bench/.work/NAME/ (emptied of
# the previous run's results) and the results table. Sets BENCH_NAME,
# BENCH_OUT (the scratch directory) and BENCH_TABLE (its TSV table).
bench_init() {
	BENCH_NAME=$1
	BENCH_OUT=$BENCH_WORK/$BENCH_NAME
	mkdir -p "$BENCH_OUT/json" "$BENCH_OUT/logs"
	rm -f "$BENCH_OUT"/json/*.json "$BENCH_OUT"/logs/*.log
	BENCH_TABLE=$BENCH_OUT/table.tsv
	printf 'figure\tbosun\tpeer\tratio\ttarget\tresult\n' >"$BENCH_TABLE"
	# bosun's own state goes to a scratch home, never the user's.
	export BOSUN_HOME=$BENCH_OUT/home
	mkdir -p "$BOSUN_HOME"
	export NO_COLOR=1 LC_ALL=C.UTF-8
}

# bench_shared_or_skip - find the shared data (BOSUN_SHARED, else ../shared
# beside the repository) and set BENCH_SHARED and BENCH_HISTORIES; without
# it, say so and exit 0: the bench is skipped, not failed.
bench_shared_or_skip() {
	BENCH_SHARED=${BOSUN_SHARED:-$(dirname "$BENCH_ROOT")/shared}
	BENCH_HISTORIES=$BENCH_SHARED/data/histories
	if [ ! -d "$BENCH_HISTORIES" ]; then
		bench_skip "$BENCH_NAME" "no shared data at $BENCH_HISTORIES (set BOSUN_SHARED to the folder that holds data/histories)"
		exit 0
	fi
}

# bench_abspath PATH - REPLY = PATH made absolute (it need not exist).
bench_abspath() {
	case $1 in
	/*) REPLY=$1 ;;
	*) REPLY=$PWD/$1 ;;
	esac
}

# bench_need_deb CMD PACKAGE - make sure CMD (a name on PATH, or a path with
# a slash) is there; install the Debian PACKAGE when missing and root; else
# say how to install it and return 1.
bench_need_deb() {
	local cmd=$1 pkg=$2
	bench_have "$cmd" && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		bench_say "installing $pkg (Debian) for $cmd"
		if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >"$BENCH_OUT/logs/apt-$pkg.log" 2>&1; then
			apt-get update -qq >>"$BENCH_OUT/logs/apt-$pkg.log" 2>&1 || true
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >>"$BENCH_OUT/logs/apt-$pkg.log" 2>&1 || true
		fi
		bench_have "$cmd" && return 0
		BENCH_ERR="apt-get install $pkg failed (see $BENCH_OUT/logs/apt-$pkg.log)"
		return 1
	fi
	BENCH_ERR="$cmd not found; install it with: sudo apt-get install $pkg"
	return 1
}

bench_have() {
	case $1 in
	*/*) [ -x "$1" ] ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}

# bench_load - REPLY = the 1-minute load average; return 1 when it is 1 or
# more: something else is running, and every timing will be slower than
# on an idle machine. Check it before the bench starts its own work.
bench_load() {
	REPLY=$(cut -d ' ' -f 1 /proc/loadavg 2>/dev/null) || REPLY=''
	[ -n "$REPLY" ] || { REPLY=unknown; return 0; }
	awk -v l="$REPLY" 'BEGIN { exit !(l < 1) }'
}

# ---------------------------------------------------------------- replays

# bench_replay NAME - replay $BENCH_HISTORIES/NAME.fi.gz into
# bench/.work/NAME/ (a normal repository with main checked out) and set
# REPLY to its path. A replay is reused while its HEAD is the one the
# histories' README.md gives for NAME and the stream is unchanged; otherwise
# it is made again (in a temporary directory, then moved into place).
bench_replay() {
	local name=$1 src=$BENCH_HISTORIES/$1.fi.gz dir=$BENCH_WORK/$1
	local want sum head tmp
	[ -f "$src" ] || { BENCH_ERR="no history $src"; return 1; }
	want=$(grep -F "| $name.fi.gz |" "$BENCH_HISTORIES/README.md" 2>/dev/null |
		grep -oE '[0-9a-f]{40}' | tail -n 1) || want=''
	sum=$(cksum <"$src")
	head=$(git -C "$dir" rev-parse -q --verify HEAD 2>/dev/null) || head=''
	if [ -n "$head" ] && [ "$(cat "$dir/.git/bench-replay" 2>/dev/null)" = "$sum" ] &&
		{ [ -z "$want" ] || [ "$head" = "$want" ]; }; then
		REPLY=$dir
		return 0
	fi
	bench_say "replaying $name (${src#"$BENCH_SHARED"/})"
	tmp=$BENCH_WORK/.replay-$name.$$
	rm -rf "$tmp"
	if ! { git init -q -b main "$tmp" &&
		gzip -dc "$src" | git -C "$tmp" fast-import --quiet &&
		git -C "$tmp" checkout -q main; } >"$BENCH_WORK/.replay-$name.log" 2>&1; then
		BENCH_ERR="replay of $name failed: $(head -n 1 "$BENCH_WORK/.replay-$name.log")"
		rm -rf "$tmp"
		return 1
	fi
	head=$(git -C "$tmp" rev-parse HEAD)
	if [ -n "$want" ] && [ "$head" != "$want" ]; then
		BENCH_ERR="replay of $name ended at $head, README.md says $want"
		rm -rf "$tmp"
		return 1
	fi
	printf '%s\n' "$sum" >"$tmp/.git/bench-replay"
	rm -rf "$dir" "$BENCH_WORK/.replay-$name.log"
	mv "$tmp" "$dir"
	REPLY=$dir
}

# bench_clone_with_remote SRC NAME - make bench/.work/NAME.git, a bare clone
# of the repository SRC, and bench/.work/NAME/, a clone of that with main
# checked out, for peers that insist on a remote (semantic-release): the
# remote is a local path, so nothing leaves the machine. Both are reused
# while their main is SRC's HEAD. REPLY = the clone, BENCH_REMOTE = the bare.
bench_clone_with_remote() {
	local src=$1 name=$2 head
	local clone=$BENCH_WORK/$name remote=$BENCH_WORK/$name.git
	head=$(git -C "$src" rev-parse HEAD)
	BENCH_REMOTE=$remote
	REPLY=$clone
	if [ "$(git -C "$remote" rev-parse -q --verify main 2>/dev/null)" = "$head" ] &&
		[ "$(git -C "$clone" rev-parse -q --verify HEAD 2>/dev/null)" = "$head" ]; then
		return 0
	fi
	rm -rf "$clone" "$remote"
	if ! { git clone -q --bare "$src" "$remote" &&
		git clone -q "$remote" "$clone"; } >"$BENCH_OUT/logs/clone-$name.log" 2>&1; then
		BENCH_ERR="cannot clone $src: $(head -n 1 "$BENCH_OUT/logs/clone-$name.log")"
		return 1
	fi
}

# ---------------------------------------------------------------- peers

# bench_peers_install SPEC... - install npm packages (name@version) into
# bench/.peers/ once. Packages already there at that version are left
# alone, so a second run needs no network. A package that cannot be
# installed is reported with bench_skip and its name added to
# BENCH_PEERS_FAILED (space-separated); the others are installed.
BENCH_PEERS_FAILED=''
bench_peers_install() {
	local spec missing=() log=$BENCH_OUT/logs/npm.log
	for spec in "$@"; do
		bench_peer_version "${spec%@*}" && [ "$REPLY" = "${spec##*@}" ] && continue
		missing+=("$spec")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if ! command -v npm >/dev/null 2>&1; then
		for spec in "${missing[@]}"; do
			bench_skip "$spec" "npm not found (install Debian's nodejs and npm)"
			BENCH_PEERS_FAILED+=" ${spec%@*}"
		done
		return 0
	fi
	mkdir -p "$BENCH_PEERS"
	bench_say "installing peers into ${BENCH_PEERS#"$BENCH_ROOT"/}: ${missing[*]}"
	if bench_npm_install "$log" "${missing[@]}"; then
		return 0
	fi
	# One at a time, so one bad package does not keep the others out.
	for spec in "${missing[@]}"; do
		if ! bench_npm_install "$log" "$spec"; then
			bench_skip "$spec" "npm install failed: $(grep -m 1 -E 'npm (ERR|error)' "$log" || tail -n 1 "$log")"
			BENCH_PEERS_FAILED+=" ${spec%@*}"
		fi
	done
}

bench_npm_install() {
	local log=$1
	shift
	timeout 900 npm install --prefix "$BENCH_PEERS" --no-audit --no-fund \
		--loglevel=error --save-exact "$@" >"$log" 2>&1
}

# bench_peer_version PACKAGE - REPLY = the version of PACKAGE installed in
# bench/.peers, or return 1.
bench_peer_version() {
	local pj=$BENCH_PEERS/node_modules/$1/package.json
	REPLY=''
	[ -f "$pj" ] || return 1
	REPLY=$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$pj" | head -n 1)
	[ -n "$REPLY" ]
}

# bench_peer_bin NAME - REPLY = the path of the peer's program NAME, or
# return 1 with BENCH_ERR set.
bench_peer_bin() {
	REPLY=$BENCH_PEERS/node_modules/.bin/$1
	[ -x "$REPLY" ] && return 0
	BENCH_ERR="not installed in bench/.peers"
	return 1
}

# ---------------------------------------------------------------- timing

# bench_time DIR ID RUNS WARMUP CMD [ARG...] - run CMD in DIR under
# hyperfine (no shell: -N; stdout and stderr to /dev/null), RUNS times
# after WARMUP unmeasured runs, and set REPLY to the median wall time in
# seconds. The JSON export is kept as bench/.work/NAME/json/ID.json, and
# BENCH_RUNS is the number of runs made.
#
# When WARMUP > 0 the first warm-up is a plain run of our own that catches
# a failing or hanging command early and cheaply, and times it: a command
# slower than expected gets fewer runs (at least 3) so that the runs fit
# in BENCH_BUDGET seconds (default 60). Commands known to be slow should
# pass WARMUP 0 and few RUNS. On failure REPLY is empty and BENCH_ERR holds
# the first line the command wrote on stderr (or why).
# Arguments must not contain spaces or quotes (hyperfine -N splits words).
bench_time() {
	local dir=$1 id=$2 runs=$3 warmup=$4 cmdline json log rc t0 fit
	shift 4
	json=$BENCH_OUT/json/$id.json
	log=$BENCH_OUT/logs/$id.log
	cmdline=$*
	REPLY='' BENCH_ERR=''
	if [ "$warmup" -gt 0 ]; then
		t0=$EPOCHREALTIME
		bench_try "$dir" "$log" "$@" || return 1
		warmup=$((warmup - 1))
		fit=$(awk -v t0="$t0" -v t1="$EPOCHREALTIME" -v b="${BENCH_BUDGET:-60}" \
			'BEGIN { d = t1 - t0; print (d > 0) ? int(b / d) : 1000000 }')
		if [ "$fit" -lt "$runs" ]; then
			runs=$((fit < 3 ? 3 : fit))
			warmup=0
		fi
	fi
	BENCH_RUNS=$runs
	rc=0
	(cd "$dir" && hyperfine -N --style basic --runs "$runs" --warmup "$warmup" \
		--export-json "$json" --command-name "$id" -- "$cmdline") \
		>"$log" 2>&1 </dev/null || rc=$?
	if [ "$rc" -ne 0 ]; then
		# hyperfine only says "non-zero exit code": run it once to see why.
		bench_try "$dir" "$log.try" "$@" ||
			{ BENCH_ERR=${BENCH_ERR:-hyperfine failed, see $log}; return 1; }
		BENCH_ERR="hyperfine failed: $(grep -m 1 -i error "$log" || tail -n 1 "$log")"
		return 1
	fi
	bench_json_field "$json" median || { BENCH_ERR="no median in $json"; return 1; }
}

# bench_try DIR LOG CMD [ARG...] - run CMD once in DIR, stdout to /dev/null,
# stderr to LOG; on failure set BENCH_ERR to the first line of stderr.
bench_try() {
	bench_capture "$1" /dev/null "$2" "${@:3}"
}

# bench_capture DIR OUT LOG CMD [ARG...] - run CMD once in DIR, stdout to
# the file OUT, stderr to LOG; on failure set BENCH_ERR to the exit code and
# the first line of stderr.
bench_capture() {
	local dir=$1 out=$2 log=$3 rc=0
	shift 3
	BENCH_ERR=''
	(cd "$dir" && timeout "${BENCH_TIMEOUT:-300}" "$@") >"$out" 2>"$log" </dev/null || rc=$?
	[ "$rc" -eq 0 ] && return 0
	# The first line that names an error (node prints a stack first), else
	# the first line.
	BENCH_ERR=$({ grep -m 1 -E '(^|[^a-z])([Ee]rror|ERROR|fatal|✖)' "$log" ||
		grep -m 1 -v '^[[:space:]]*$' "$log"; } | sed 's/^[[:space:]]*//' | cut -c 1-160) || true
	case $rc in
	124) BENCH_ERR="timed out after ${BENCH_TIMEOUT:-300} s${BENCH_ERR:+: $BENCH_ERR}" ;;
	126 | 127) BENCH_ERR=${BENCH_ERR:-cannot run $1} ;;
	*) BENCH_ERR="exit $rc${BENCH_ERR:+: $BENCH_ERR}" ;;
	esac
	return 1
}

# bench_json_field FILE FIELD - REPLY = the first numeric FIELD of a
# hyperfine JSON export (mean, stddev, median, min, max).
bench_json_field() {
	REPLY=$(sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\([-0-9.eE+]*\).*/\1/p" "$1" 2>/dev/null | head -n 1)
	[ -n "$REPLY" ]
}

# bench_peak_kb DIR RUNS CMD [ARG...] - REPLY = the largest peak resident
# set (KiB, GNU time's %M) over RUNS runs of CMD in DIR, stdout to
# /dev/null. Needs /usr/bin/time (Debian package time).
bench_peak_kb() {
	local dir=$1 runs=$2 i kb max=0 rc out=$BENCH_OUT/logs/time.out
	shift 2
	REPLY='' BENCH_ERR=''
	for ((i = 0; i < runs; i++)); do
		rc=0
		(cd "$dir" && /usr/bin/time -f '%M' -o "$out" "$@") >/dev/null \
			2>"$BENCH_OUT/logs/time.err" </dev/null || rc=$?
		if [ "$rc" -ne 0 ]; then
			BENCH_ERR="exit $rc: $(grep -m 1 -v -e '^[[:space:]]*$' -e '^Command exited' "$BENCH_OUT/logs/time.err" | cut -c 1-160)"
			return 1
		fi
		kb=$(tail -n 1 "$out")
		[ "$kb" -gt "$max" ] && max=$kb
	done
	REPLY=$max
}

# ---------------------------------------------------------------- figures

# bench_fmt_s SECONDS - REPLY = a readable duration: "31.9 s", "0.071 s",
# "1.23 ms", "850 us".
bench_fmt_s() {
	REPLY=$(awk -v s="$1" 'BEGIN {
		if (s >= 10) printf "%.1f s", s
		else if (s >= 0.1) printf "%.2f s", s
		else if (s >= 0.01) printf "%.3f s", s
		else if (s >= 0.001) printf "%.2f ms", s * 1000
		else printf "%.0f us", s * 1e6 }')
}

# bench_fmt_kb KIB - REPLY = "12.3 MB" (MiB, as the targets mean it).
bench_fmt_kb() {
	REPLY=$(awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }')
}

# bench_ratio A B - REPLY = A/B as "265x", "62.4x" or "1.83x".
bench_ratio() {
	REPLY=$(awk -v a="$1" -v b="$2" 'BEGIN {
		if (b <= 0) { print "n/a"; exit }
		r = a / b
		if (r >= 100) printf "%.0fx", r
		else if (r >= 10) printf "%.1fx", r
		else printf "%.2fx", r }')
}

# bench_check VALUE OP LIMIT - REPLY = PASS or MISS for VALUE OP LIMIT, OP
# one of <= >= < >.
bench_check() {
	REPLY=$(awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		ok = (op == "<=") ? v <= l : (op == ">=") ? v >= l : (op == "<") ? v < l : v > l
		print ok ? "PASS" : "MISS" }')
}

# bench_row FIGURE BOSUN PEER RATIO TARGET RESULT - add a row to the table.
# Empty cells print as "-". RESULT: PASS, MISS, FAIL (bosun failed), SKIP
# (the peer did not run) or INFO (no target).
bench_row() {
	local IFS=$'\t'
	printf '%s\n' "$*" >>"$BENCH_TABLE"
}

# bench_table - print the table with aligned columns; return 1 when a row is
# MISS or FAIL. The TSV stays in bench/.work/NAME/table.tsv.
bench_table() {
	awk -F '\t' '
		{ for (i = 1; i <= NF; i++) { c = ($i == "") ? "-" : $i; cell[NR, i] = c
			if (length(c) > w[i]) w[i] = length(c) } if (NF > nf) nf = NF }
		END { for (r = 1; r <= NR; r++) { line = ""
				for (i = 1; i <= nf; i++) line = line sprintf(i < nf ? "%-" w[i] "s  " : "%s", cell[r, i])
				print line
				if (r == 1) { u = ""; for (i = 1; i <= nf; i++) { s = sprintf("%" w[i] "s", ""); gsub(/ /, "-", s); u = u s (i < nf ? "  " : "") } print u } } }
	' "$BENCH_TABLE"
	! cut -f 6 "$BENCH_TABLE" | grep -qx -e MISS -e FAIL
}

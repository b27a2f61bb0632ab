#!/usr/bin/env bash
# bench/sync.sh - what `bosun sync` costs over git when there is nothing to
# push: `bosun sync` against one plain `git push` of the same branch to the
# same local bare remote (both find the remote up to date), medians of
# hyperfine runs taken in one run, and bosun's extra time. Target: bosun's
# median at most 20 ms over git's (docs/sync.md).
#
#	bench/sync.sh [--strict] [PATH/TO/bosun]
#
#   --strict   exit 1 when the figure misses its target or bosun fails
#
# Environment: BENCH_SYNC_RUNS (40).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

RUNS=${BENCH_SYNC_RUNS:-40}
T_EXTRA=0.020 # s: bosun sync with nothing to push, over one git push

strict=0 bosun=''
while [ $# -gt 0 ]; do
	case $1 in
	--strict) strict=1 ;;
	-h | --help) sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
	-*) echo "usage: bench/sync.sh [--strict] [PATH/TO/bosun]" >&2; exit 64 ;;
	*) bosun=$1 ;;
	esac
	shift
done
bench_init sync
bench_abspath "${bosun:-$BENCH_ROOT/build/bosun}"
bosun=$REPLY
[ -x "$bosun" ] || bench_die "no bosun at $bosun (build first)"
bench_need_deb hyperfine hyperfine || bench_die "$BENCH_ERR"
bench_load || bench_warn "load average is $REPLY: timings will be slower than on an idle machine"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=b@example.invalid
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=b@example.invalid HOME=$BENCH_OUT/home
mkdir -p "$HOME"

# A repository of 1,000 files and 200 commits, its branch pushed to a bare
# remote beside it and tracking it.
REPO=$BENCH_OUT/repo REMOTE=$BENCH_OUT/remote.git
rm -rf "$REPO" "$REMOTE"
git init -q -b main "$REPO"
for d in $(seq 0 9); do
	mkdir -p "$REPO/d$d"
	for f in $(seq 0 99); do echo "$d $f" >"$REPO/d$d/f$f.txt"; done
done
git -C "$REPO" add -A && git -C "$REPO" commit -q -m "chore: files"
for i in $(seq 1 199); do
	echo "$i" >"$REPO/d$((i % 10))/f0.txt"
	git -C "$REPO" commit -q -am "fix: change $i"
done
git init -q --bare -b main "$REMOTE"
git -C "$REPO" remote add origin "$REMOTE"
git -C "$REPO" push -q -u origin main
# The store made once, outside the figure (a first sync creates it).
bench_try "$REPO" "$BENCH_OUT/logs/first.log" "$bosun" sync ||
	bench_die "bosun sync failed: $BENCH_ERR"

bench_say "bosun sync with nothing to push vs git push, $RUNS runs each (hyperfine)"
bench_time "$REPO" git-push "$RUNS" 3 git push -q origin main ||
	bench_die "git push failed: $BENCH_ERR"
git_s=$REPLY
bench_time "$REPO" bosun-sync "$RUNS" 3 "$bosun" sync -q ||
	bench_die "bosun sync failed: $BENCH_ERR"
bosun_s=$REPLY
# and git again, so that a change of load between the two shows
bench_time "$REPO" git-push-again "$RUNS" 3 git push -q origin main ||
	bench_die "git push failed: $BENCH_ERR"
git2_s=$REPLY
git_s=$(awk -v a="$git_s" -v b="$git2_s" 'BEGIN { print (a < b) ? a : b }')
extra=$(awk -v a="$bosun_s" -v b="$git_s" 'BEGIN { print a - b }')

bench_fmt_s "$bosun_s"; b=$REPLY
bench_fmt_s "$git_s"; g=$REPLY
bench_ratio "$bosun_s" "$git_s"; ratio=$REPLY
bench_check "$extra" '<=' "$T_EXTRA"; res=$REPLY
bench_fmt_s "$extra"; ex=$REPLY
bench_row "bosun sync, nothing to push (extra $ex)" "$b" "$g" "$ratio" "<= 20 ms + one git push" "$res"
bench_say ""
bench_say "git push: the faster median of two series; load average $(cut -d ' ' -f 1 /proc/loadavg)"
rc=0
bench_table || rc=$?
[ "$strict" = 1 ] && exit "$rc"
exit 0

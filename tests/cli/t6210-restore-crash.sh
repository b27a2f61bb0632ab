#!/bin/sh
# bosun restore killed with SIGKILL: at every step of its write (the
# BOSUN_TEST_RESTORE_KILL points) and at measured random moments. Every
# file is wholly old or wholly new; --resume, or the next restore by
# itself, ends in one consistent state (the files, the store's rows and
# what agents verify says agree); no lock is left to block anyone.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip_all "the sqlite3 program is needed to inspect the store"

# templates GEN [N]: N (default 12) agent templates of generation GEN.
templates() {
	rm -rf agents && mkdir -p agents && i=0 &&
	while [ $i -lt "${2:-12}" ]; do
		printf '{"id":"agent-%d","version":"1.%d.0","metadata":{"description":"d"},"instructions":"generation %d of agent %d"}' \
			$i "$1" "$1" $i >agents/a$i.json
		i=$((i + 1))
	done
}

# files OUT: every agent file's hash; rows OUT: the store's agent rows.
files() {
	find .claude -type f -name "*.md" | sort | xargs sha256sum >"$1"
}
rows() {
	sqlite3 .git/bosun/state.db "select target, path, hash from agent_files order by 1, 2" >"$1"
}

# no_litter: no lock, lock owner name, journal, restore record or store
# copy left anywhere a restore or a backup writes.
no_litter() {
	find .claude .git/bosun "$BOSUN_HOME" \( -name "*.lock" -o -name "*.lock.owner.*" \
		-o -path "*/restore/journal" -o -path "*/restore/state" -o -path "*/restore/state.db" -o -name .store-copy.\* \) >../litter &&
	if [ -s ../litter ]; then echo "litter:"; cat ../litter; return 1; fi
}

# wholly OLD NEW: every file now is as in OLD or as in NEW (by hash).
wholly() {
	files ../now && cat "$1" "$2" | sort -u >../allowed &&
	sort ../now | comm -23 - ../allowed >../bad &&
	if [ -s ../bad ]; then echo "files neither old nor new:"; cat ../bad; return 1; fi
}

# is_state NAME: files and rows are exactly those of state NAME (a or b).
is_state() {
	files ../now && rows ../nowrows &&
	test_cmp "../files.$1" ../now && test_cmp "../rows.$1" ../nowrows
}

# to_b: back to state B, however the last run left things.
to_b() {
	bosun restore --force ../b.tar.zst >/dev/null 2>&1 && is_state b
}

test_expect_success 'setup: state A backed up, then state B (agents changed, one more)' '
	new_repo r && commit "feat: a" && templates 0 &&
	bosun agents deploy -t claude >/dev/null 2>&1 &&
	bosun backup -o ../a.tar.zst >/dev/null && files ../files.a && rows ../rows.a &&
	templates 1 13 && bosun agents deploy -t claude >/dev/null 2>&1 &&
	bosun backup -o ../b.tar.zst >/dev/null && files ../files.b && rows ../rows.b &&
	! test_cmp ../files.a ../files.b >/dev/null && test -f .claude/agents/agent-12.md
'

# Killed before the journal says "commit": undone (state B); after it:
# completed (state A).
for point in snapshot:b state:b prepare:b locked-one:b before-commit:b \
	     commit:a renamed-one:a renamed:a deleted:a store:a; do
	at=${point%:*} want=${point#*:}
	test_expect_success "killed at '$at': wholly old or new, --resume ends in state ${want}" "
		cd r && to_b &&
		test_expect_code 137 env BOSUN_TEST_RESTORE_KILL=$at \"\$BOSUN\" restore --force ../a.tar.zst >/dev/null 2>&1 &&
		wholly ../files.a ../files.b &&
		bosun restore --resume >../out 2>&1 &&
		is_state $want && bosun agents verify >/dev/null 2>&1 && no_litter
	"
	test_expect_success "killed at '$at': the next restore settles it by itself, then restores" "
		cd r && to_b &&
		test_expect_code 137 env BOSUN_TEST_RESTORE_KILL=$at \"\$BOSUN\" restore --force ../a.tar.zst >/dev/null 2>&1 &&
		bosun restore --force ../b.tar.zst >../out 2>../err &&
		is_state b && no_litter &&
		case $at in snapshot) test_no_grep interrupted ../err ;;
			    *) test_grep 'an interrupted restore was' ../err ;; esac
	"
done

test_expect_success 'a lock left by a killed restore does not block: the next one takes it over' '
	cd r && to_b &&
	test_expect_code 137 env BOSUN_TEST_RESTORE_KILL=locked-one "$BOSUN" restore --force ../a.tar.zst >/dev/null 2>&1 &&
	ls .git/bosun/restore/restore.lock >/dev/null &&
	t0=$(date +%s) && bosun restore --force ../a.tar.zst >/dev/null 2>&1 &&
	test $(($(date +%s) - t0)) -lt 5 && is_state a && no_litter
'

test_expect_success 'killed at random moments (measured): wholly old or new, then consistent' '
	cd r && to_b && runs=${BOSUN_CRASH_RUNS:-100} && n=0 && killed=0 && : >../outcomes &&
	t0=$(date +%s%N) && bosun restore --force ../a.tar.zst >/dev/null 2>&1 &&
	took_ms=$((($(date +%s%N) - t0) / 1000000)) && echo "one restore: $took_ms ms" &&
	while [ $n -lt $runs ]; do
		if [ $((n % 2)) -eq 0 ]; then from=b to=a; else from=a to=b; fi &&
		bosun restore --force ../$from.tar.zst >/dev/null 2>&1 && is_state $from &&
		{ "$BOSUN" restore --force ../$to.tar.zst >/dev/null 2>&1 & } && pid=$! &&
		sleep "$(awk -v s=$n -v ms=$took_ms "BEGIN { srand(s); printf \"%.4f\", ms * (0.02 + 0.96 * rand()) / 1000 }")" &&
		if kill -9 $pid 2>/dev/null; then killed=$((killed + 1)); fi &&
		{ wait $pid 2>/dev/null; rc=$?; test $rc -eq 137 || test $rc -eq 0; } &&
		wholly ../files.a ../files.b &&
		bosun restore --resume >../resumed 2>&1 &&
		cat ../resumed >>../outcomes &&
		{ is_state a >/dev/null 2>&1 || is_state b; } &&
		bosun agents verify >/dev/null 2>&1 && no_litter &&
		n=$((n + 1)) || return 1
	done &&
	summary="killed $killed of $runs restores in flight; then: $(grep -c completed ../outcomes) completed, $(grep -c undone ../outcomes) undone by --resume" &&
	echo "$summary" &&
	if [ -n "${BOSUN_CRASH_LOG:-}" ]; then echo "$summary (one restore: $took_ms ms)" >>"$BOSUN_CRASH_LOG"; fi &&
	test $killed -gt 0
'

test_done

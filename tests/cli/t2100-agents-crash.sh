#!/bin/sh
# bosun agents deploy killed with SIGKILL at random moments: every file is
# old or new, never a mix, and the next deploy settles the store so that
# verify finds nothing wrong.
. "$(dirname "$0")/lib.sh"

# templates N GEN: N templates whose instructions name generation GEN.
templates() {
	mkdir -p agents && i=0 &&
	while [ $i -lt "$1" ]; do
		printf '{"id":"agent-%d","version":"1.%d.0","metadata":{"description":"d %d"},"instructions":"generation %d of agent %d"}' \
			$i "$2" $i "$2" $i >agents/a$i.json
		i=$((i + 1))
	done
}

# snapshot FILE: the hash of every agent file.
snapshot() {
	find .claude .qwen -type f -name "*.md" | sort | xargs sha256sum >"$1"
}

# no_lock_litter: no lock file, nor a lock's owner name, anywhere a deploy
# writes: the agent folders and bosun's (backups, journal).
no_lock_litter() {
	find .claude .qwen .git/bosun -name "*.lock" -o -name "*.lock.owner.*" >../litter &&
	if [ -s ../litter ]; then echo "lock litter:"; cat ../litter; return 1; fi
}

test_expect_success 'a deploy killed at random moments leaves old or new files and a consistent store' '
	new_repo r && templates 150 0 && bosun agents deploy -t claude -t qwen >/dev/null 2>&1 &&
	snapshot ../old && gen=1 && killed=0 &&
	while [ $gen -le 10 ]; do
		templates 150 $gen &&
		# what the new generation looks like, deployed in a scratch clone
		# (the same update as the one killed below: it is timed, and the
		# kill comes 5 to 95 % into that time, on a fast machine or a slow one)
		rm -rf ../ref && cp -r . ../ref && t0=$(date +%s%N) &&
		(cd ../ref && bosun agents deploy -t claude -t qwen >/dev/null 2>&1) &&
		took_ms=$((($(date +%s%N) - t0) / 1000000)) &&
		(cd ../ref && snapshot ../new) &&
		{ "$BOSUN" agents deploy -t claude -t qwen >/dev/null 2>&1 & } &&
		pid=$! &&
		sleep "$(awk -v s=$gen -v ms=$took_ms "BEGIN { srand(s); printf \"%.4f\", ms * (0.05 + 0.9 * rand()) / 1000 }")" &&
		if kill -9 $pid 2>/dev/null; then killed=$((killed + 1)); fi &&
		# killed (137), or it had finished: then it must have succeeded
		{ wait $pid 2>/dev/null; rc=$?; test $rc -eq 137 || test $rc -eq 0; } &&
		snapshot ../now &&
		cat ../old ../new | sort -u >../allowed &&
		sort ../now | comm -23 - ../allowed >../bad &&
		if [ -s ../bad ]; then echo "files neither old nor new:"; cat ../bad; return 1; fi &&
		bosun agents deploy -t claude -t qwen >/dev/null 2>../err &&
		test_grep " 0 modified" ../err &&
		bosun agents verify >../out 2>&1 &&
		snapshot ../old && test_cmp ../new ../old &&
		test -z "$(find .claude .qwen -name "*.lock")" &&
		no_lock_litter &&
		gen=$((gen + 1)) || return 1
	done &&
	echo "killed $killed of 10 deploys in flight" &&
	test "$killed" -gt 0
'

test_expect_success 'a deploy killed while it backs files up leaves no lock behind the next one' '
	new_repo k && templates 150 0 && bosun agents deploy -t claude -t qwen >/dev/null 2>&1 &&
	gen=1 && killed=0 &&
	while [ $gen -le 12 ]; do
		templates 150 $gen &&
		{ "$BOSUN" agents deploy -t claude -t qwen >/dev/null 2>&1 & } &&
		pid=$! &&
		# kill it once its backup folder holds a lock file (bounded wait)
		n=0 &&
		while [ $n -lt 2000 ] && kill -0 $pid 2>/dev/null &&
		      [ -z "$(find .git/bosun/agents/backups -name "*.lock" 2>/dev/null | head -1)" ]; do
			n=$((n + 1))
		done &&
		if kill -9 $pid 2>/dev/null; then killed=$((killed + 1)); fi &&
		{ wait $pid 2>/dev/null; rc=$?; test $rc -eq 137 || test $rc -eq 0; } &&
		bosun agents deploy -t claude -t qwen >/dev/null 2>../err &&
		test_grep " 0 modified" ../err &&
		bosun agents verify >../out 2>&1 &&
		no_lock_litter &&
		gen=$((gen + 1)) || return 1
	done &&
	echo "killed $killed of 12 deploys while backing up" &&
	test "$killed" -gt 0
'

test_done

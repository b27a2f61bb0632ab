#!/bin/sh
# Every fuzz harness keeps a seed corpus in tests/fuzz/corpus/NAME, so each
# CI run starts from what earlier runs found (.ci/run, make fuzz).
. "$(dirname "$0")/lib.sh"

test_expect_success 'each harness has a non-empty seed corpus' '
	missing= &&
	for h in "$BOSUN_TOP"/tests/fuzz/fuzz_*.c; do
		n=$(basename "$h" .c) &&
		if [ -z "$(ls -A "$BOSUN_TOP/tests/fuzz/corpus/$n" 2>/dev/null)" ]; then
			missing="$missing $n"
		fi || return 1
	done &&
	test_eq "" "$missing"
'

test_expect_success 'no corpus folder without its harness' '
	stray= &&
	for d in "$BOSUN_TOP"/tests/fuzz/corpus/*/; do
		n=$(basename "$d") &&
		if [ ! -f "$BOSUN_TOP/tests/fuzz/$n.c" ]; then
			stray="$stray $n"
		fi || return 1
	done &&
	test_eq "" "$stray"
'

test_done

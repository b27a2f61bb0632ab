#!/bin/sh
# bosun scan secrets against gitleaks' own rule test cases
# (tests/data/gitleaks/cases.tsv, extracted by extract.py from a pinned
# gitleaks commit): the share of true positives found and of false
# positives flagged, by the real binary in one scan. The documented
# exceptions (exceptions.tsv, docs/scan.md) count as misses.
. "$(dirname "$0")/lib.sh"

data=$BOSUN_TOP/tests/data/gitleaks

test_expect_success 'command -v python3' 'gitleaks cases: true positives found, false positives flagged' '
	python3 "$data/measure.py" "$BOSUN" --min-tp 99.8 --max-fp 0 --max-fp-all 2.6 >"$TRASH/out" 2>&1 &&
	test_grep "^all: true positives found" "$TRASH/out"
'

test_expect_success 'command -v python3' 'the measure fails when a figure misses its bound' '
	test_expect_code 1 python3 "$data/measure.py" "$BOSUN" --min-tp 100.1 >"$TRASH/out" 2>&1 &&
	test_grep "^FAIL: .* true positives found" "$TRASH/out"
'

test_expect_success 'bosun'"'"'s own .bosunignore keeps the cases out of its own scan' '
	cd "$BOSUN_TOP" && bosun scan secrets tests/data/gitleaks >"$TRASH/out" 2>&1 &&
	test_grep "0 secrets found" "$TRASH/out"
'

test_done

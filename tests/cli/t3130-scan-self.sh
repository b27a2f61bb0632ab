#!/bin/sh
# bosun's own repository passes its own secret scan: test tokens are built
# at run time from pieces, and the paths that hold secret-shaped bytes on
# purpose (gitleaks' cases, the fuzzers' seeds) are in its .bosunignore
# (docs/scan.md). Skipped outside a git checkout (a release tarball).
. "$(dirname "$0")/lib.sh"

test_expect_success 'git -C "$BOSUN_TOP" rev-parse --is-inside-work-tree' \
	'bosun scan secrets finds nothing in its own work tree' '
	cd "$BOSUN_TOP" && bosun scan secrets >"$TRASH/out" 2>&1 &&
	test_grep "^0 secrets found in [1-9][0-9][0-9]* files" "$TRASH/out"
'

test_done

#!/bin/sh
# Correctness on a real history: semantic-release computed its own
# non-prerelease vX.Y.Z tags on main since 2015 from the commits since the
# previous release. With each tag from v2.0.0 on hidden, `bosun version next`
# at its commit must give that tag back.
. "$(dirname "$0")/lib.sh"
replay semantic-release

# Every miss, explained. Anything else that disagrees fails the test.
#  v4.0.0   semantic-release up to v3 did not push git tags, so no earlier
#           vX.Y.Z is reachable: bosun answers the first release (0.1.0).
#  v8.0.2   there is no v8.0.1 tag in the history (that release was
#           published from elsewhere), so bosun, from v8.0.0, says 8.0.1.
#  v12.4.0, v12.4.1  both tags are on one commit: hiding one leaves the
#           other, and there is nothing to release since it.
cat >"$TRASH/expected-misses" <<'MISSES'
v4.0.0 0.1.0
v8.0.2 8.0.1
v12.4.0 none
v12.4.1 none
MISSES

test_expect_success 'replayed HEAD is the documented one' '
	test_eq 7b2c5253112f1d9a754ce4d409da579f48dbaed5 "$(git -C semantic-release rev-parse HEAD)"
'

test_expect_success 'version next reproduces every release tag since v2.0.0' '
	cd semantic-release &&
	git tag --merged main | grep -E "^v[0-9]+\.[0-9]+\.[0-9]+$" |
		awk -F. "{ sub(/^v/, \"\", \$1); if (\$1 + 0 >= 2) print \"v\" \$1 \".\" \$2 \".\" \$3 }" >../tags &&
	total=0 agree=0 && : >../misses &&
	while read t; do
		c=$(git rev-parse "$t^{commit}") && o=$(git rev-parse "$t") &&
		git update-ref -d "refs/tags/$t" && git checkout -q --detach "$c" &&
		got=$(bosun version next 2>/dev/null || echo none) &&
		git update-ref "refs/tags/$t" "$o" || return 1
		total=$((total + 1))
		if [ "v$got" = "$t" ]; then agree=$((agree + 1)); else echo "$t $got" >>../misses; fi
	done <../tags &&
	git checkout -q main &&
	echo "# agreement: $agree of $total tags" &&
	test "$total" -gt 300 &&
	sort ../misses >../misses.sorted && sort ../expected-misses >../expected.sorted &&
	test_cmp ../expected.sorted ../misses.sorted
'

test_expect_success 'version current on main is the newest tag' '
	cd semantic-release && test_eq 25.0.9 "$(bosun version current)"
'

test_done

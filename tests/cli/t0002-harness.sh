#!/bin/sh
# The harness itself (lib.sh): a body whose commands are not all joined by
# && fails, whatever the commands do; a missing prerequisite is a skip.
. "$(dirname "$0")/lib.sh"

# run_script NAME BODY...: a script of one test named t per BODY, run with
# this harness; its TAP goes to $TRASH/NAME.tap, its status is returned.
run_script() {
	_name=$1 && shift &&
	{
		echo ". \"$BOSUN_TOP/tests/cli/lib.sh\""
		for _b in "$@"; do
			printf "test_expect_success t '%s'\n" "$_b"
		done
		echo test_done
	} >"$TRASH/$_name.sh" &&
	sh "$TRASH/$_name.sh" >"$TRASH/$_name.tap" 2>&1
}

test_expect_success 'bodies joined by && pass' '
	run_script a "true && true" "{ true || { echo why; false; }; } && true" &&
	test_eq 2 "$(grep -c "^ok [12] - t$" "$TRASH/a.tap")"
'

test_expect_success 'a ; or a bare newline between commands fails, though they pass' '
	test_expect_code 1 run_script b "true; true" "true
true" "true &&
true
true" &&
	test_eq 3 "$(grep -c "^not ok [123] - t$" "$TRASH/b.tap")" &&
	test_grep "broken &&-chain" "$TRASH/b.tap"
'

# (The words are in variables so that this body does not swallow itself.)
test_expect_success 'a status swallowed with || true, || : or ; true fails' '
	t=true && c=: &&
	test_expect_code 1 run_script c "false || $t" "{ false; $t; }" \
		"true && { false || $c; }" "true && if true; then false; $t; fi" &&
	test_eq 4 "$(grep -c "^not ok [1234] - t$" "$TRASH/c.tap")"
'

test_expect_success 'a missing prerequisite is a skip, never a pass' '
	printf ". \"%s/tests/cli/lib.sh\"\n%s\n%s\ntest_done\n" "$BOSUN_TOP" \
		"test_expect_success false t true" "test_expect_success true u true" >d.sh &&
	sh d.sh >d.tap && test_grep "^ok 1 - t # SKIP missing: false$" d.tap &&
	test_grep "^ok 2 - u$" d.tap
'

test_done

#!/bin/sh
# bosun scan secrets without Vectorscan (BOSUN_DL_DENY=vectorscan stands
# in for a machine where libhs cannot be loaded): every rule's regex runs
# through PCRE2 alone, and the findings are those of the Vectorscan scan
# on gitleaks' cases, in a large file streamed a chunk at a time, on
# staged blobs and history, and in the pre-commit hook; one DEGRADED event
# per run; --json and SARIF name the engine; doctor warns with the fix.
. "$(dirname "$0")/lib.sh"

data=$BOSUN_TOP/tests/data/gitleaks
LOG=$BOSUN_HOME/state/bosun/logs/bosun.log

# tok SEED: a GitHub-token-shaped string (hex), made at run time.
tok() { printf 'ghp_%s' "$(printf %s "$1" | sha256sum | cut -c1-36)"; }
T1=$(tok one)

# degraded_count: the DEGRADED events of vectorscan in the log.
degraded_count() {
	grep -c "\"level\":\"degraded\",\"event\":\"vectorscan\"" "$LOG"
}

# both OUT ARGS...: bosun scan secrets ARGS with Vectorscan into OUT.vs
# and without it into OUT.pcre (stdout; exit 0 or 1 each).
both() {
	_o=$1
	shift
	{ bosun scan secrets "$@" >"$_o.vs" 2>"$_o.vs.err"; test $? -le 1; } &&
	{ BOSUN_DL_DENY=vectorscan "$BOSUN" scan secrets "$@" >"$_o.pcre" 2>"$_o.pcre.err"; test $? -le 1; }
}

test_expect_success 'command -v python3' 'gitleaks cases: the same findings with PCRE2 only' '
	python3 "$data/measure.py" --write-cases "$TRASH/cases" && cd "$TRASH/cases" &&
	both ../gl . && test_cmp ../gl.vs ../gl.pcre &&
	test "$(grep -c fingerprint ../gl.pcre)" -gt 6000 &&
	test_cmp ../gl.vs.err ../gl.pcre.err &&
	both ../glj --format json . &&
	python3 -c "
import json
v=json.load(open(\"../glj.vs\")); p=json.load(open(\"../glj.pcre\"))
assert v.pop(\"engine\")==\"vectorscan\" and p.pop(\"engine\")==\"pcre2\", (v.get(\"engine\"), p.get(\"engine\"))
assert v==p
" &&
	both ../gls --format sarif . &&
	python3 -c "
import json
v=json.load(open(\"../gls.vs\"))[\"runs\"][0]; p=json.load(open(\"../gls.pcre\"))[\"runs\"][0]
assert v.pop(\"properties\")=={\"engine\":\"vectorscan\"} and p.pop(\"properties\")=={\"engine\":\"pcre2\"}
assert v==p
"
'

test_expect_success 'command -v python3' 'the measure of gitleaks cases holds with PCRE2 only' '
	BOSUN_DL_DENY=vectorscan python3 "$data/measure.py" "$BOSUN" --min-tp 99.8 --max-fp 0 \
		--max-fp-all 2.6 >"$TRASH/out" 2>&1 &&
	test_grep "^all: true positives found" "$TRASH/out"
'

test_expect_success 'one DEGRADED event per run, with its reason; none with Vectorscan' '
	cd "$TRASH/cases" && rm -f "$LOG" &&
	test_expect_code 1 bosun scan secrets . >/dev/null 2>&1 &&
	test_no_grep "\"level\":\"degraded\"" "$LOG" &&
	test_expect_code 1 env BOSUN_DL_DENY=vectorscan "$BOSUN" scan secrets . >/dev/null 2>&1 &&
	test_eq 1 "$(degraded_count)" &&
	test_grep "vectorscan not loaded; scanning with PCRE2 only, slower (turned off by BOSUN_DL_DENY)" "$LOG" &&
	test_expect_code 1 env BOSUN_DL_DENY=vectorscan "$BOSUN" scan secrets . >/dev/null 2>&1 &&
	test_eq 2 "$(degraded_count)"
'

test_expect_success 'command -v python3' 'a large file streamed in chunks: the same findings as whole, both engines' '
	mkdir -p "$TRASH/big" && cd "$TRASH/big" &&
	find "$TRASH/cases" -type f | sort | xargs cat >one.txt &&
	cat one.txt one.txt one.txt one.txt one.txt >big.txt &&
	test "$(wc -c <big.txt)" -gt 2200000 &&
	mkdir -p sub && cp one.txt sub/one.txt &&
	git init -q && echo "scan: {max_file_size: 0}" >bosun.yml &&
	both ../whole big.txt && test_cmp ../whole.vs ../whole.pcre &&
	echo "scan: {max_file_size: 100000, large_files: stream}" >bosun.yml &&
	both ../str big.txt && test_cmp ../str.vs ../str.pcre &&
	test_cmp ../whole.pcre ../str.pcre &&
	test_grep "1 large file streamed" ../str.pcre.err &&
	both ../str2 big.txt sub && test_cmp ../str2.vs ../str2.pcre &&
	test_grep "2 large files streamed" ../str2.pcre.err
'

test_expect_success 'staged blobs and history: the same findings with PCRE2 only' '
	new_repo hist && printf "x\ntoken = %s\n" "$T1" >a.txt && git add a.txt &&
	git commit -q -m one && cp "$TRASH/big/one.txt" b.txt && git add b.txt &&
	both ../staged --staged && test_cmp ../staged.vs ../staged.pcre &&
	test_grep "^b.txt:" ../staged.pcre &&
	git commit -q -m two &&
	both ../hist --history && test_cmp ../hist.vs ../hist.pcre &&
	test_grep "^a.txt:2:9: github-pat" ../hist.pcre
'

test_expect_success 'the pre-commit hook scans with PCRE2 only: a secret blocks, clean passes' '
	new_repo hook && commit "feat: init" && bosun hooks install >/dev/null 2>&1 &&
	printf "hooks:\n  pre-commit:\n    checks: [secrets]\n" >bosun.yml &&
	git add bosun.yml && git commit -q --no-verify -m "chore: cfg" &&
	echo "hello world" >ok.txt && git add ok.txt && rm -f "$LOG" &&
	BOSUN_DL_DENY=vectorscan git commit -q -m "feat: ok" 2>../err &&
	test_grep "ok    secrets" ../err && test_eq 1 "$(degraded_count)" &&
	echo "token = $T1" >leak.txt && git add leak.txt &&
	test_expect_code 1 env BOSUN_DL_DENY=vectorscan git commit -q -m "feat: leak" 2>../err &&
	test_grep "FAIL  secrets" ../err &&
	test_grep "leak.txt:1:9: github-pat" ../err &&
	test_expect_code 1 git commit -q -m "feat: leak" 2>../err.vs &&
	sed "s/ *[0-9]* ms/ N ms/" ../err >../err.pcre && sed "s/ *[0-9]* ms/ N ms/" ../err.vs >../err.vsn &&
	test_cmp ../err.vsn ../err.pcre
'

test_expect_success 'a rule with keywords: a match without one, a file without one, any case' '
	mkdir -p "$TRASH/kw" && cd "$TRASH/kw" && cat >rules.yml <<-\EOF &&
	rules:
	  - id: acme-key
	    regex: "(?i)(?:order|invoice)[ :]*(ACME-[0-9a-f]{16})"
	    keywords: [order]
	EOF
	printf "order ACME-0123456789abcdef\ninvoice ACME-fedcba9876543210\n" >hit.txt &&
	printf "invoice ACME-0123456789abcdef\n" >miss.txt &&
	printf "ORDER: ACME-00112233445566aa\n" >upper.txt &&
	both ../kw --rules rules.yml hit.txt miss.txt upper.txt &&
	test_cmp ../kw.vs ../kw.pcre &&
	test_grep "^hit.txt:1:7: acme-key" ../kw.pcre && test_grep "^upper.txt:1:8: acme-key" ../kw.pcre &&
	test_no_grep "miss.txt" ../kw.pcre && test_no_grep "^hit.txt:2" ../kw.pcre
'

test_expect_success 'a rule that backtracks past its limit on one line still finds the next, both engines' '
	mkdir -p "$TRASH/patho" && cd "$TRASH/patho" &&
	printf "rules:\n  - id: patho\n    regex: \"(?:a|aa)+z\"\n" >r.yml &&
	{ printf "x " && head -c 60 /dev/zero | tr "\\0" a && printf "X\nfine aaz here\n"; } >f.txt &&
	both ../patho --rules r.yml f.txt && test_cmp ../patho.vs ../patho.pcre &&
	test_grep "^f.txt:2:6: patho" ../patho.pcre
'

test_expect_success 'doctor: a warning with the fix, the scan still works' '
	cd "$TRASH/kw" &&
	BOSUN_DL_DENY=vectorscan test_expect_code 2 bosun doctor runtime.vectorscan >../out &&
	test_grep "^warn  runtime.vectorscan .*PCRE2 only" ../out &&
	test_grep "fix: apt-get install libvectorscan5" ../out &&
	BOSUN_DL_DENY=vectorscan test_expect_code 2 bosun --json doctor runtime.vectorscan >../out &&
	python3 -c "
import json; c=json.load(open(\"../out\"))[\"checks\"][0]
assert c[\"status\"]==\"warn\" and c[\"fix\"]==\"apt-get install libvectorscan5\" and c[\"data\"][\"loaded\"] is False, c
" &&
	bosun doctor runtime.vectorscan >../out && test_grep "^ok    runtime.vectorscan" ../out
'

test_done

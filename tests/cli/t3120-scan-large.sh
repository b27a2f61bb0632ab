#!/bin/sh
# Files and blobs over scan.max_file_size: named in every output when
# skipped, scanned in streaming mode (work tree, staged blobs from git
# cat-file, history), or failing the scan closed (scan.large_files); the
# pre-commit hook never lets a large staged secret pass silently. Sizes
# are megabytes: BOSUN_GIT_OUT_CAP stands in for git's 1 GiB output cap.
. "$(dirname "$0")/lib.sh"

tok() { printf 'ghp_%s' "$(printf %s "$1" | sha256sum | cut -c1-36)"; }
T1=$(tok one) T2=$(tok two)

# big FILE MB [SECRET]: MB megabytes of text lines, then a line holding
# SECRET (at the very end, past every chunk).
big() {
	{ yes "filler line of text 0123456789 abcdefghij" | head -c "$(($2 * 1000000))" && echo; } >"$1" &&
	if [ -n "${3:-}" ]; then echo "key = $3" >>"$1"; fi
}

# fp FILE: the fingerprints in text output, one a line.
fp() { grep -o "fingerprint [0-9a-f]*" "$1" | cut -d" " -f2; }

test_expect_success 'a skipped large file is named in text, JSON and SARIF' '
	new_repo wt && big big.txt 3 "$T1" && echo "t = $T2" >small.txt &&
	echo "scan: {max_file_size: 1000000}" >bosun.yml &&
	test_expect_code 1 bosun scan secrets >../out 2>../err &&
	test_grep "^small.txt:1:5" ../out && test_no_grep "^big.txt" ../out &&
	test_grep "^skipped big.txt: 3.0 MB, larger than scan.max_file_size (1.0 MB); scan.large_files: stream scans it$" ../err &&
	test_grep "1 too large" ../err &&
	test_expect_code 1 bosun scan secrets --format json >../out 2>/dev/null &&
	test_expect_code 1 bosun scan secrets --format sarif >../sarif 2>/dev/null &&
	python3 -c "
import json; d=json.load(open(\"../out\"))
assert d[\"skipped\"]==[{\"file\": \"big.txt\", \"commit\": None, \"size\": 3000048, \"reason\": \"large\"}], d[\"skipped\"]
assert d[\"stats\"][\"skipped_large\"]==1 and d[\"stats\"][\"streamed\"]==0 and d[\"large_files\"]==\"skip\", d
s=json.load(open(\"../sarif\"))[\"runs\"][0][\"invocations\"][0]
assert s[\"executionSuccessful\"] is True, s
n=s[\"toolExecutionNotifications\"]; assert len(n)==1 and n[0][\"level\"]==\"warning\", n
assert n[0][\"locations\"][0][\"physicalLocation\"][\"artifactLocation\"][\"uri\"]==\"big.txt\", n
"
'

test_expect_success 'stream: the secret at the end of a large file is found, as without the limit' '
	cd wt && test_expect_code 1 bosun scan secrets --large-files stream >../out 2>../err &&
	test_grep "^big.txt:71430:7: github-pat" ../out && test_grep "^small.txt:1:5" ../out &&
	test_grep "2 secrets found in 3 files (3.0 MB); 1 large file streamed" ../err &&
	test_no_grep skipped ../err &&
	echo "scan: {max_file_size: 0}" >bosun.yml &&
	test_expect_code 1 bosun scan secrets >../whole 2>/dev/null &&
	test_cmp ../whole ../out &&
	echo "scan: {max_file_size: 1000000, large_files: stream}" >bosun.yml &&
	test_expect_code 1 bosun scan secrets --format json >../out 2>/dev/null &&
	python3 -c "
import json; d=json.load(open(\"../out\"))
assert d[\"stats\"][\"streamed\"]==1 and d[\"skipped\"]==[] and d[\"large_files\"]==\"stream\", d
"
'

test_expect_success 'fail: a large file fails the scan closed (exit 1), named' '
	cd wt && echo "scan: {max_file_size: 1000000, large_files: fail}" >bosun.yml && rm small.txt &&
	test_expect_code 1 bosun scan secrets >../out 2>../err &&
	test_eq "" "$(cat ../out)" &&
	test_grep "^not scanned big.txt: 3.0 MB, larger than scan.max_file_size (1.0 MB); scan.large_files is fail$" ../err &&
	test_expect_code 1 bosun scan secrets --format sarif >../sarif 2>/dev/null &&
	python3 -c "
import json; s=json.load(open(\"../sarif\"))[\"runs\"][0]
assert s[\"results\"]==[] and s[\"invocations\"][0][\"executionSuccessful\"] is False, s
assert s[\"invocations\"][0][\"toolExecutionNotifications\"][0][\"level\"]==\"error\", s
" &&
	bosun scan secrets --large-files skip 2>../err && test_grep "^skipped big.txt" ../err &&
	rm big.txt && bosun scan secrets 2>/dev/null
'

test_expect_success 'scan.large_files: a bad value is a configuration error (65); BOSUN_HOOK streams' '
	cd wt && big big.txt 2 "$T1" && echo "scan: {max_file_size: 1000000, large_files: always}" >bosun.yml &&
	test_expect_code 65 bosun scan secrets 2>../err &&
	test_grep "scan.large_files.*must be one of auto, stream, fail or skip, not .always." ../err &&
	test_expect_code 64 bosun scan secrets --large-files always 2>/dev/null &&
	echo "scan: {max_file_size: 1000000}" >bosun.yml &&
	bosun scan secrets 2>../err && test_grep "^skipped big.txt" ../err &&
	BOSUN_HOOK=pre-push test_expect_code 1 bosun scan secrets >../out 2>../err &&
	test_grep "^big.txt:47621:7: github-pat" ../out &&
	echo "scan: {max_file_size: 1000000, large_files: skip}" >bosun.yml &&
	BOSUN_HOOK=pre-push bosun scan secrets 2>../err && test_grep "^skipped big.txt" ../err
'

test_expect_success 'a large file with a newline in its name is named escaped' '
	cd wt && mv big.txt "$(printf "b\\nig.txt")" &&
	bosun scan secrets 2>../err && test_grep "^skipped \"b\\\\nig.txt\": 2.0 MB" ../err &&
	test_expect_code 1 bosun scan secrets --large-files stream >../out 2>/dev/null &&
	test_grep "^\"b\\\\nig.txt\":47621:7: github-pat" ../out
'

test_expect_success 'stream mode reads regular files only: a FIFO does not hang the scan' '
	new_repo unread && big big.txt 2 && echo "scan: {max_file_size: 1000000}" >bosun.yml &&
	mkfifo fifo.txt && bosun scan secrets --large-files stream . 2>../err &&
	test_grep "1 large file streamed" ../err &&
	rm big.txt && mkdir big.txt && bosun scan secrets --large-files stream big.txt 2>../err &&
	test_grep "0 secrets found in 0 files" ../err
'

test_expect_success 'a tracked large file gone from the work tree before it is read is not an error' '
	new_repo gone && big big.txt 2 "$T1" && git add big.txt && git commit -q -m big &&
	echo "scan: {max_file_size: 1000000}" >bosun.yml && rm big.txt &&
	test_eq big.txt "$(git ls-files)" &&
	bosun scan secrets --large-files stream >../out 2>../err &&
	test_eq "" "$(cat ../out)" && test_grep "0 secrets found in 1 file" ../err &&
	test_no_grep "streamed\|skipped big" ../err &&
	test_expect_code 1 bosun scan secrets --range HEAD --large-files stream >../out 2>/dev/null &&
	test_grep "^big.txt:47621:7: github-pat" ../out
'

test_expect_success '--staged: a large staged blob (MB, with the output cap lowered) is streamed, named or failed' '
	new_repo st && big big.txt 3 "$T1" && echo "t = $T2" >small.txt && git add big.txt small.txt &&
	echo "scan: {max_file_size: 1000000}" >bosun.yml && : >big.txt &&
	BOSUN_GIT_OUT_CAP=2000000 test_expect_code 1 bosun scan secrets --staged >../out 2>../err &&
	test_grep "^small.txt:1:5" ../out && test_grep "^skipped big.txt: 3.0 MB" ../err &&
	BOSUN_GIT_OUT_CAP=2000000 test_expect_code 1 bosun scan secrets --staged --large-files stream >../out 2>../err &&
	test_grep "^big.txt:71430:7: github-pat" ../out && test_grep "1 large file streamed" ../err &&
	test_no_grep "too much output\|more than" ../err &&
	BOSUN_GIT_OUT_CAP=2000000 test_expect_code 1 bosun scan secrets --staged --large-files fail >../out 2>../err &&
	test_grep "^not scanned big.txt" ../err &&
	git rm -q --cached small.txt && rm small.txt &&
	BOSUN_GIT_OUT_CAP=2000000 test_expect_code 1 bosun scan secrets --staged --large-files fail >../out 2>../err &&
	test_eq "" "$(cat ../out)"
'

test_expect_success '--staged: blobs together past the output cap are streamed, not an error' '
	new_repo cap && big a.txt 1 && big b.txt 1 "$T1" && git add a.txt b.txt &&
	echo "scan: {max_file_size: 0}" >bosun.yml &&
	BOSUN_STAGED_GIT=1 BOSUN_GIT_OUT_CAP=1500000 test_expect_code 1 bosun scan secrets --staged --large-files stream >../out 2>../err &&
	test_grep "^b.txt:23811:7: github-pat" ../out &&
	git gc -q && BOSUN_GIT_OUT_CAP=1500000 bosun scan secrets --staged --large-files skip 2>../err >/dev/null &&
	test_grep "^skipped b.txt: 1.0 MB, larger than scan.max_file_size; " ../err
'

test_expect_success '--staged streams a packed large blob; a corrupt one fails (74) naming it' '
	new_repo pk && big big.txt 3 "$T1" && git add big.txt && git commit -q -m big &&
	big big.txt 3 "$T2" && git add big.txt && echo "scan: {max_file_size: 1000000}" >bosun.yml &&
	test_expect_code 1 bosun scan secrets --staged --large-files stream >../out 2>/dev/null &&
	test_grep "^big.txt:71430:7: github-pat" ../out &&
	git gc -q && test_expect_code 1 bosun scan secrets --staged --large-files stream >../out 2>/dev/null &&
	test_grep "^big.txt:71430:7: github-pat" ../out &&
	big big.txt 3 "$T1$T1" && git add big.txt &&
	oid=$(git rev-parse :big.txt) && obj=.git/objects/$(echo $oid | cut -c1-2)/$(echo $oid | cut -c3-) &&
	size=$(wc -c <"$obj") && head -c $((size / 2)) "$obj" >obj.tmp && chmod u+w "$obj" &&
	mv obj.tmp "$obj" &&
	test_expect_code 74 bosun scan secrets --staged --large-files stream >../out 2>../err &&
	test_grep "cannot scan .big.txt. (blob ${oid%"${oid#????????????}"}): git cat-file failed" ../err &&
	test_eq "" "$(cat ../out)"
'

test_expect_success 'history: a large blob is named with its commit, or streamed' '
	new_repo hist && commit "feat: init" && big big.txt 2 "$T1" && git add big.txt &&
	git commit -q -m big && c=$(git rev-parse HEAD) &&
	echo "scan: {max_file_size: 1000000}" >bosun.yml &&
	bosun scan secrets --range HEAD~1..HEAD 2>../err &&
	test_grep "^skipped big.txt (commit ${c%"${c#????????????}"}): 2.0 MB" ../err &&
	bosun --json scan secrets --history >../out 2>/dev/null &&
	python3 -c "
import json; d=json.load(open(\"../out\"))
assert d[\"skipped\"]==[{\"file\": \"big.txt\", \"commit\": \"$c\", \"size\": 2000048, \"reason\": \"large\"}], d
" &&
	test_expect_code 1 bosun scan secrets --range HEAD~1..HEAD --large-files stream >../out 2>/dev/null &&
	test_grep "^big.txt:47621:7: github-pat.*(commit " ../out
'

test_expect_success 'test -x /usr/bin/time' 'streaming keeps memory bounded: a 64 MB staged blob' '
	new_repo rss && big big.txt 64 "$T1" && git add big.txt && rm big.txt &&
	echo "scan: {max_file_size: 1000000}" >bosun.yml &&
	BOSUN_GIT_OUT_CAP=2000000 test_expect_code 1 /usr/bin/time -f "rss %M" "$BOSUN" scan secrets --staged --large-files stream >../out 2>../err &&
	test_grep "^big.txt:1523811:7: github-pat" ../out &&
	kb=$(sed -n "s/^rss //p" ../err) && test "$kb" -lt 48000
'

# ---- the pre-commit hook ----------------------------------------------------

hooked() {
	new_repo "$1" && commit "feat: init" && bosun hooks install >/dev/null 2>&1 &&
	printf "scan:\n  max_file_size: 1000000\n%bhooks:\n  pre-commit:\n    checks: [secrets]\n" "$2" >bosun.yml &&
	git add bosun.yml && git commit -q --no-verify -m "chore: cfg"
}

test_expect_success 'pre-commit: a secret in a large staged file blocks the commit (streamed by default)' '
	hooked hk "" && big big.txt 3 "$T1" && git add big.txt &&
	test_expect_code 1 git commit -q -m "feat: big" 2>../err &&
	test_grep "FAIL  secrets" ../err && test_grep "big.txt:71430:7: github-pat" ../err &&
	test_grep "1 large file streamed" ../err &&
	test_expect_code 1 git rev-parse -q --verify HEAD~2 >/dev/null &&
	big big.txt 3 && git add big.txt && git commit -q -m "feat: big, clean" 2>../err &&
	test_grep "ok    secrets" ../err
'

test_expect_success 'pre-commit with scan.large_files: fail blocks any large file, naming it' '
	hooked hf "  large_files: fail\n" && big big.txt 2 && git add big.txt &&
	test_expect_code 1 git commit -q -m "feat: big" 2>../err &&
	test_grep "FAIL  secrets" ../err &&
	test_grep "not scanned big.txt: 2.0 MB, larger than scan.max_file_size (1.0 MB); scan.large_files is fail" ../err &&
	test_expect_code 1 bosun hooks run pre-commit 2>../err && test_grep "not scanned big.txt" ../err &&
	test_eq 2 "$(git rev-list --count HEAD)" &&
	git commit -q --no-verify -m "feat: big, on purpose" && echo small >s.txt && git add s.txt &&
	git commit -q -m "feat: small" 2>../err && test_grep "ok    secrets" ../err
'

test_expect_success 'pre-commit with a timeout (a child scan) streams too; skip passes with a warning naming it' '
	hooked hc "" && printf "    checks: [{builtin: secrets, timeout: 60s}]\n" >>bosun.yml &&
	sed -i "/checks: \[secrets\]/d" bosun.yml && git add bosun.yml && git commit -q --no-verify -m "chore: cfg" &&
	big big.txt 2 "$T1" && git add big.txt &&
	test_expect_code 1 bosun hooks run pre-commit 2>../err &&
	test_grep "big.txt:47621:7: github-pat" ../err &&
	hooked hs "  large_files: skip\n" && big big.txt 2 "$T1" && git add big.txt &&
	bosun hooks run pre-commit 2>../err && test_grep "skipped big.txt: 2.0 MB" ../err &&
	test_grep "warn  secrets .*large files not scanned" ../err
'

test_expect_success 'pre-commit: a corrupt large staged blob fails the check as a scanner error' '
	hooked hx "" && big big.txt 3 "$T1" && git add big.txt &&
	oid=$(git rev-parse :big.txt) && obj=.git/objects/$(echo $oid | cut -c1-2)/$(echo $oid | cut -c3-) &&
	size=$(wc -c <"$obj") && head -c $((size / 2)) "$obj" >obj.tmp && chmod u+w "$obj" &&
	mv obj.tmp "$obj" &&
	test_expect_code 1 bosun hooks run pre-commit 2>../err &&
	test_grep "FAIL  secrets .*scanner error" ../err && test_grep "cannot scan .big.txt." ../err
'

test_done

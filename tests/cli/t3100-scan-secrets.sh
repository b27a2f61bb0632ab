#!/bin/sh
# bosun scan secrets: every scope (work tree, paths, staged, range, history),
# every output format, every allowlist, baselines, configuration, and the
# error paths. Secrets are made at run time from hashes, so this file holds
# none.
. "$(dirname "$0")/lib.sh"

# tok SEED: a GitHub-token-shaped string (hex, so no xxd is needed).
tok() { printf 'ghp_%s' "$(printf %s "$1" | sha256sum | cut -c1-36)"; }
T1=$(tok one) T2=$(tok two) T3=$(tok three)

# no_secret FILE...: none of the tokens appears whole in the files.
no_secret() {
	for f in "$@"; do
		for t in "$T1" "$T2" "$T3"; do
			if grep -qF "$t" "$f"; then echo "secret leaked into $f"; return 1; fi
		done
	done
}

test_expect_success 'a clean work tree: exit 0 and a summary' '
	new_repo clean && echo "nothing here" >a.txt && git add a.txt &&
	bosun scan secrets >../out 2>../err &&
	test_eq "" "$(cat ../out)" && test_grep "0 secrets found in 1 file" ../err
'

test_expect_success 'tracked and untracked files are scanned, ignored ones are not' '
	new_repo wt && printf "x\ntoken = %s\n" "$T1" >tracked.txt && git add tracked.txt &&
	git commit -q -m init && echo "t: $T2" >untracked.txt &&
	echo ignored.txt >.gitignore && echo "t: $T3" >ignored.txt &&
	test_expect_code 1 bosun scan secrets >../out 2>../err &&
	test_grep "^tracked.txt:2:9: github-pat: GitHub personal access token" ../out &&
	test_grep "^untracked.txt:1:4: github-pat" ../out &&
	test_no_grep ignored.txt ../out &&
	test_grep "secret ghp_\*\*\*\*  fingerprint [0-9a-f]\{16\}" ../out &&
	test_grep "2 secrets found in 3 files" ../err &&
	no_secret ../out ../err
'

test_expect_success 'the secret never reaches the event log' '
	cd wt && test_expect_code 1 bosun scan secrets >/dev/null 2>&1 &&
	test_grep "scanned 3 files: 2 findings" "$BOSUN_HOME"/state/bosun/logs/bosun.log &&
	no_secret "$BOSUN_HOME"/state/bosun/logs/bosun.log
'

test_expect_success '--format json and --json: stable fields' '
	cd wt && test_expect_code 1 bosun scan secrets --format json >../out 2>/dev/null &&
	test_expect_code 1 bosun --json scan secrets >../out2 2>/dev/null &&
	test_cmp ../out ../out2 &&
	python3 -c "
import json; d=json.load(open(\"../out\"))
f=d[\"findings\"][0]
assert set(f)=={\"rule\",\"description\",\"file\",\"line\",\"column\",\"end_line\",\"end_column\",\"commit\",\"secret\",\"fingerprint\"}, f
assert f[\"rule\"]==\"github-pat\" and f[\"file\"]==\"tracked.txt\" and f[\"line\"]==2 and f[\"column\"]==9 and f[\"end_column\"]==49, f
assert f[\"secret\"]==\"ghp_****\" and f[\"commit\"] is None and len(f[\"fingerprint\"])==16, f
s=d[\"stats\"]; assert s[\"files\"]==3 and s[\"skipped_binary\"]==0 and s[\"allowed\"]==0, s
" && no_secret ../out
'

test_expect_success '--format sarif has what SARIF 2.1.0 requires' '
	cd wt && test_expect_code 1 bosun scan secrets --format sarif >../out 2>/dev/null &&
	python3 -c "
import json; d=json.load(open(\"../out\"))
assert d[\"version\"]==\"2.1.0\" and \"sarif-2.1.0\" in d[\"\$schema\"]
run=d[\"runs\"][0]; drv=run[\"tool\"][\"driver\"]
assert drv[\"name\"]==\"bosun\" and drv[\"version\"]
ids=[r[\"id\"] for r in drv[\"rules\"]]
assert \"github-pat\" in ids and all(r[\"shortDescription\"][\"text\"] for r in drv[\"rules\"])
assert len(run[\"results\"])==2
for r in run[\"results\"]:
    assert r[\"message\"][\"text\"] and ids[r[\"ruleIndex\"]]==r[\"ruleId\"]==\"github-pat\"
    loc=r[\"locations\"][0][\"physicalLocation\"]
    assert loc[\"artifactLocation\"][\"uri\"] in (\"tracked.txt\",\"untracked.txt\")
    reg=loc[\"region\"]; assert reg[\"startLine\"]>=1 and reg[\"startColumn\"]>=1 and reg[\"endColumn\"]>reg[\"startColumn\"]
    assert r[\"level\"] in (\"none\",\"note\",\"warning\",\"error\") and len(r[\"partialFingerprints\"][\"bosun/v1\"])==16
" && no_secret ../out
'

test_expect_success 'a bosun:allow comment allows its line (all rules, or the named ones)' '
	new_repo allow && echo "a = $T1 # bosun:allow" >a.txt &&
	echo "b = $T2 # bosun:allow=github-pat" >b.txt &&
	echo "c = $T3 # bosun:allow=aws-access-key-id" >c.txt && git add . &&
	test_expect_code 1 bosun scan secrets >../out 2>../err &&
	test_no_grep "^a.txt" ../out && test_no_grep "^b.txt" ../out &&
	test_grep "^c.txt:1:5: github-pat" ../out && test_grep "2 allowed" ../err
'

test_expect_success '.bosunignore skips paths (gitignore-like), scan.ignore_file renames it' '
	new_repo ign && mkdir -p fixtures/deep docs && echo "$T1" >fixtures/deep/x.txt &&
	echo "$T2" >docs/keep.md && echo "$T3" >docs/drop.md &&
	printf "fixtures/\n*.md\n!keep.md\n" >.bosunignore && git add . &&
	test_expect_code 1 bosun scan secrets >../out 2>../err &&
	test_eq "docs/keep.md:1:1: github-pat: GitHub personal access token" "$(head -n 1 ../out)" &&
	test_eq 1 "$(grep -c github-pat ../out)" &&
	test_grep "2 ignored" ../err &&
	mv .bosunignore other-ignore && echo "scan: {ignore_file: other-ignore}" >bosun.yml &&
	test_expect_code 1 bosun scan secrets 2>../err >/dev/null && test_grep "2 ignored" ../err
'

test_expect_success '--write-baseline accepts findings; --baseline and scan.baseline filter them' '
	cd wt && bosun scan secrets --write-baseline ../base.json 2>../err &&
	test_grep "wrote 2 findings to ../base.json" ../err && no_secret ../base.json &&
	python3 -c "
import json; d=json.load(open(\"../base.json\")); assert d[\"version\"]==1 and len(d[\"findings\"])==2
" &&
	bosun scan secrets --baseline ../base.json >../out 2>../err &&
	test_grep "0 secrets found.*2 in the baseline" ../err &&
	cp ../base.json .secrets-baseline.json && echo "scan: {baseline: .secrets-baseline.json}" >bosun.yml &&
	bosun scan secrets >/dev/null 2>&1 &&
	echo "another = $T3" >>tracked.txt &&
	test_expect_code 1 bosun scan secrets >../out 2>/dev/null &&
	test_eq 1 "$(grep -c "^tracked.txt:3:" ../out)" &&
	rm bosun.yml .secrets-baseline.json && git checkout -q tracked.txt
'

test_expect_success 'the baseline follows the line, not the line number' '
	cd wt && { echo "new first line"; cat tracked.txt; } >t && mv t tracked.txt &&
	bosun scan secrets --baseline ../base.json >../out 2>../err &&
	test_grep "0 secrets found.*2 in the baseline" ../err &&
	test_no_grep tracked.txt ../out && git checkout -q tracked.txt
'

test_expect_success '--staged scans the staged content, not the work tree' '
	new_repo st && echo "clean" >a.txt && git add a.txt && git commit -q -m init &&
	echo "t = $T1" >a.txt &&
	bosun scan secrets --staged 2>../err && test_grep "0 secrets found in 0 files" ../err &&
	git add a.txt && git show :a.txt >/dev/null && echo clean >a.txt &&
	test_expect_code 1 bosun scan secrets --staged >../out 2>/dev/null &&
	test_grep "^a.txt:1:5: github-pat" ../out &&
	git add a.txt && bosun scan secrets --staged >/dev/null 2>&1
'

test_expect_success '--staged in a repository with no commit yet' '
	new_repo st0 && echo "t = $T2" >b.txt && git add b.txt &&
	test_expect_code 1 bosun scan secrets --staged >../out 2>/dev/null &&
	test_grep "^b.txt:1:5: github-pat" ../out
'

test_expect_success '--staged skips a blob over scan.max_file_size as the work-tree scan does' '
	new_repo stbig && echo "t = $T1" >a.txt &&
	{ echo "k = $T2"; head -c 6000 /dev/zero | tr "\\0" x; echo; } >big.txt &&
	git add a.txt big.txt && echo "scan: {max_file_size: 2000}" >bosun.yml &&
	test_expect_code 1 bosun scan secrets a.txt big.txt >../wt.out 2>../wt.err &&
	test_grep "1 too large" ../wt.err &&
	BOSUN_GIT_OUT_CAP=4000 test_expect_code 1 bosun scan secrets --staged >../out 2>../err &&
	test_cmp ../wt.out ../out && test_grep "1 too large" ../err &&
	test_no_grep "too much output" ../err
'

test_expect_success '--range A..B scans what the commits added, with the commit' '
	new_repo hist && echo "old = $T1" >old.txt && git add . && git commit -q -m one &&
	base=$(git rev-parse HEAD) && echo "new = $T2" >new.txt && git add . &&
	git commit -q -m two && c2=$(git rev-parse HEAD) &&
	git rm -q new.txt && git commit -q -m three &&
	test_expect_code 1 bosun scan secrets --range "$base..HEAD" --format json >../out 2>/dev/null &&
	python3 -c "
import json,sys; d=json.load(open(\"../out\"))
f=d[\"findings\"]; assert len(f)==1 and f[0][\"file\"]==\"new.txt\" and f[0][\"commit\"]==\"$c2\", f
" &&
	bosun scan secrets --range "$c2..HEAD" 2>/dev/null >/dev/null
'

test_expect_success '--history scans every blob once, deleted ones too' '
	cd hist && echo "old = $T1" >copy.txt && git add . && git commit -q -m four &&
	test_expect_code 1 bosun scan secrets --history >../out 2>/dev/null &&
	test_eq 2 "$(grep -c github-pat ../out)" &&
	test_grep "^old.txt:1:7: github-pat.*(commit " ../out &&
	test_grep "^new.txt:1:7: github-pat" ../out && test_no_grep copy.txt ../out
'

test_expect_success '--range with a zero A (a new branch in pre-push): what no remote has' '
	cd "$TRASH" && rm -rf up.git && git init -q --bare up.git && cd hist &&
	git remote add origin "$TRASH/up.git" && git push -q origin HEAD~3:refs/heads/main &&
	git fetch -q origin &&
	test_expect_code 1 bosun scan secrets --range "0000000000000000000000000000000000000000..HEAD" >../out 2>/dev/null &&
	test_grep "^new.txt" ../out && test_grep "^copy.txt" ../out &&
	test_no_grep "^old.txt" ../out
'

test_expect_success 'PATH arguments: files and directories anywhere, .git skipped' '
	cd "$TRASH" && rm -rf plain && mkdir -p plain/sub plain/.git &&
	echo "$T1" >plain/sub/a.txt && echo "$T2" >plain/.git/b.txt && echo "$T3" >plain/c.txt &&
	test_expect_code 1 bosun scan secrets plain >out 2>/dev/null &&
	test_grep "^plain/sub/a.txt:1:1: github-pat" out && test_grep "^plain/c.txt" out &&
	test_no_grep "b.txt" out &&
	test_expect_code 1 bosun scan secrets plain/c.txt >out 2>/dev/null &&
	test_eq 1 "$(grep -c github-pat out)" &&
	cd plain && test_expect_code 1 bosun scan secrets . >../out 2>/dev/null &&
	test_grep "^sub/a.txt:1:1" ../out
'

test_expect_success 'binary files and files over scan.max_file_size are skipped' '
	new_repo big && printf "x\0y %s\n" "$T1" >bin.dat && echo "t $T2" >small.txt &&
	{ echo "t $T3"; head -c 3000 /dev/zero | tr "\0" "a"; } >large.txt &&
	echo "scan: {max_file_size: 2000}" >bosun.yml &&
	test_expect_code 1 bosun scan secrets >../out 2>../err &&
	test_grep "^small.txt" ../out && test_no_grep "large.txt" ../out && test_no_grep bin.dat ../out &&
	test_grep "skipped 1 binary, 1 too large" ../err
'

# pgp_block N SEED: a PGP private key block of N 64-character lines.
pgp_block() {
	echo "-----BEGIN PGP PRIVATE KEY BLOCK-----"
	echo
	i=0
	while [ $i -lt "$1" ]; do
		printf "%s\n" "$(printf "%s" "$2$i" | sha256sum | cut -c1-64)"
		i=$((i + 1))
	done
	echo "=abcd"
	echo "-----END PGP PRIVATE KEY BLOCK-----"
}

test_expect_success 'a key block longer than the 8 KiB window is found, and the next one too' '
	new_repo longkey && { echo "intro"; pgp_block 300 a; echo "between"; pgp_block 200 b; } >key.asc &&
	test $(wc -c <key.asc) -gt 30000 &&
	test_expect_code 1 bosun scan secrets key.asc >../out 2>../err &&
	test_grep "^key.asc:4:1: pgp-private-key" ../out &&
	test_grep "^key.asc:30[0-9]:1: pgp-private-key" ../out &&
	test_grep "2 secrets found in 1 file" ../err
'

test_expect_success 'rules: scan.rules and --rules add, scan.disable and scan.default_rules remove' '
	new_repo rules && echo "order ACME-1234567890abcdef" >a.txt && echo "t $T1" >b.txt &&
	printf "rules:\n  - id: acme\n    description: ACME order key\n    regex: \"ACME-([0-9a-f]{16})\"\n" >acme.yml &&
	test_expect_code 1 bosun scan secrets --rules acme.yml >../out 2>/dev/null &&
	test_grep "^a.txt:1:12: acme: ACME order key" ../out && test_grep "^b.txt" ../out &&
	printf "scan:\n  rules: [acme.yml]\n  disable: [github-pat]\n" >bosun.yml &&
	test_expect_code 1 bosun scan secrets >../out 2>/dev/null &&
	test_grep "^a.txt" ../out && test_no_grep "^b.txt" ../out &&
	printf "scan:\n  default_rules: false\n" >bosun.yml &&
	test_expect_code 65 bosun scan secrets 2>../err && test_grep "no rules to scan with" ../err &&
	printf "scan:\n  disable: [nope]\n" >bosun.yml &&
	test_expect_code 65 bosun scan secrets 2>../err && test_grep "scan.disable: no rule .nope." ../err &&
	rm bosun.yml
'

test_expect_success 'a rule'"'"'s entropy must be exceeded (as in gitleaks), not only reached' '
	new_repo entropy && echo "x ENT-abcd" >a.txt && echo "x ENT-abcdabce" >b.txt &&
	printf "rules:\n  - id: ent\n    regex: \"ENT-([a-e]{4,8})\"\n    entropy: 2\n" >ent.yml &&
	test_expect_code 1 bosun scan secrets --rules ent.yml >../out 2>/dev/null &&
	test_grep "^b.txt:1:7: ent" ../out && test_no_grep "^a.txt" ../out
'

test_expect_success 'a bad rule file: exit 65 with file:line:col, nothing written' '
	cd rules && printf "rules:\n  - id: x\n    regex: \"(a\"\n" >bad.yml &&
	test_expect_code 65 bosun scan secrets --rules bad.yml 2>../err &&
	test_grep "bosun: bad.yml:3:13: bad regex: missing closing parenthesis" ../err &&
	test_expect_code 3 bosun scan secrets --rules nope.yml 2>../err &&
	test_grep "rule file .nope.yml. not found" ../err
'

test_expect_success 'a bad or missing baseline: 65 or 3' '
	cd rules && echo "{\"version\": 1, \"findings\": [{\"fingerprint\": 1}]}" >b.json &&
	test_expect_code 65 bosun scan secrets --baseline b.json 2>../err &&
	test_grep "b.json: findings\[0\]: \"fingerprint\" must be 16 hexadecimal digits" ../err &&
	test_expect_code 3 bosun scan secrets --baseline none.json 2>../err &&
	test_grep "baseline .none.json. not found" ../err
'

test_expect_success 'usage errors exit 64' '
	cd wt &&
	test_expect_code 64 bosun scan secrets --format xml 2>../err &&
	test_expect_code 64 bosun scan secrets --staged --history 2>../err &&
	test_grep "cannot be combined" ../err &&
	test_expect_code 64 bosun scan secrets --staged a.txt 2>../err &&
	test_expect_code 64 bosun scan secrets --range=-x 2>../err &&
	test_expect_code 64 bosun scan secrets --stagd 2>../err && test_grep "did you mean .--staged." ../err &&
	test_expect_code 64 bosun scan 2>../err
'

test_expect_success '--range with an unknown revision: exit 3 with a message of bosun, not git' '
	cd hist &&
	test_expect_code 3 bosun scan secrets --range nope..HEAD >../out 2>../err &&
	test_grep "^bosun: --range .nope..HEAD.: unknown revision .nope.$" ../err &&
	test_no_grep "git log" ../err && test_eq "" "$(cat ../out)" &&
	test_expect_code 3 bosun scan secrets --range HEAD...nope 2>../err &&
	test_grep "unknown revision .nope." ../err &&
	test_expect_code 3 bosun scan secrets --range nope 2>../err &&
	test_expect_code 3 bosun --json scan secrets --range nope..HEAD >../out 2>../err &&
	test_grep "\"exit\": 3" ../out && test_grep "unknown revision .nope." ../out &&
	test_expect_code 1 bosun scan secrets --range HEAD~1..HEAD >/dev/null 2>&1 &&
	test_expect_code 1 bosun scan secrets --range "HEAD^!" >/dev/null 2>&1
'

test_expect_success 'a path holding a newline is printed escaped; JSON and SARIF encode it' '
	new_repo nl && f=$(printf "a\nb.txt") && echo "t = $T1" >"$f" &&
	echo "t = $T2" >"q\"x.txt" &&
	test_expect_code 1 bosun scan secrets >../out 2>/dev/null &&
	test_grep "^\"a\\\\nb.txt\":1:5: github-pat" ../out &&
	test_grep "^\"q\\\\\"x.txt\":1:5: github-pat" ../out &&
	test_eq 4 "$(wc -l <../out)" &&
	test_expect_code 1 bosun scan secrets --format json >../out 2>/dev/null &&
	test_expect_code 1 bosun scan secrets --format sarif >../sarif 2>/dev/null &&
	python3 -c "
import json; d=json.load(open(\"../out\"))
assert sorted(f[\"file\"] for f in d[\"findings\"])==[\"a\\nb.txt\", \"q\\\"x.txt\"], d
s=json.load(open(\"../sarif\"))
u=sorted(r[\"locations\"][0][\"physicalLocation\"][\"artifactLocation\"][\"uri\"] for r in s[\"runs\"][0][\"results\"])
assert u==[\"a%0Ab.txt\", \"q%22x.txt\"], u
"
'

test_expect_success 'a fingerprint does not depend on how the path was spelled' '
	new_repo fpr && mkdir -p sub/deep && echo "t = $T1" >sub/k.txt &&
	git add sub/k.txt && git commit -q -m k &&
	fp() { grep -o "fingerprint [0-9a-f]*" "$1" | cut -d" " -f2; } &&
	test_expect_code 1 bosun scan secrets >../o.wt 2>/dev/null &&
	want=$(fp ../o.wt) && test_eq 16 "${#want}" &&
	test_expect_code 1 bosun scan secrets sub/k.txt >../o1 2>/dev/null &&
	test_expect_code 1 bosun scan secrets ./sub/k.txt >../o2 2>/dev/null &&
	test_expect_code 1 bosun scan secrets "$PWD/sub/k.txt" >../o3 2>/dev/null &&
	test_expect_code 1 bosun scan secrets sub/deep/../k.txt >../o4 2>/dev/null &&
	test_expect_code 1 bosun scan secrets sub >../o5 2>/dev/null &&
	(cd sub && test_expect_code 1 bosun scan secrets k.txt >../../o6 2>/dev/null) &&
	(cd sub/deep && test_expect_code 1 bosun scan secrets ../k.txt >../../../o7 2>/dev/null) &&
	(cd sub && test_expect_code 1 bosun scan secrets >../../o8 2>/dev/null) &&
	test_expect_code 1 bosun scan secrets --history >../o9 2>/dev/null &&
	for o in 1 2 3 4 5 6 7 8 9; do test_eq "$want" "$(fp ../o$o)" || return 1; done &&
	test_grep "^$PWD/sub/k.txt:1:5" ../o3 && test_grep "^k.txt:1:5" ../o6 &&
	bosun scan secrets --write-baseline ../fpr.json 2>/dev/null &&
	(cd sub && bosun scan secrets --baseline ../../fpr.json k.txt 2>../../err) &&
	test_grep "0 secrets found.*1 in the baseline" ../err &&
	bosun scan secrets --baseline ../fpr.json "$PWD/sub/k.txt" 2>/dev/null &&
	bosun scan secrets --baseline ../fpr.json --staged 2>/dev/null &&
	cd "$TRASH" && test_expect_code 1 bosun scan secrets fpr/sub/k.txt >o10 2>/dev/null &&
	test_expect_code 1 bosun scan secrets "$TRASH/fpr/sub/k.txt" >o11 2>/dev/null &&
	test_eq "$(fp o10)" "$(fp o11)"
'

test_expect_success 'outside a repository: PATH works, the work tree scope says why not' '
	cd "$TRASH" && rm -rf norepo && mkdir norepo && cd norepo && echo "$T1" >x.txt &&
	test_expect_code 1 bosun scan secrets x.txt >/dev/null 2>&1 &&
	test_expect_code 3 bosun scan secrets 2>../err &&
	test_grep "scan secrets: not a git repository" ../err &&
	test_expect_code 3 bosun scan secrets --staged 2>../err &&
	test_expect_code 3 bosun scan secrets missing.txt 2>../err &&
	test_grep "cannot scan .missing.txt." ../err
'

test_expect_success 'the compiled rules are cached, and BOSUN_NO_CACHE=1 skips the cache' '
	rm -rf "$BOSUN_HOME/cache" && cd clean && bosun scan secrets 2>/dev/null &&
	test_eq 1 "$(ls "$BOSUN_HOME"/cache/bosun/scan-*.db | wc -l)" &&
	bosun scan secrets 2>/dev/null &&
	echo garbage >"$(ls "$BOSUN_HOME"/cache/bosun/scan-*.db)" &&
	bosun scan secrets 2>/dev/null &&
	rm -rf "$BOSUN_HOME/cache" && BOSUN_NO_CACHE=1 bosun scan secrets 2>/dev/null &&
	test_expect_code 1 test -d "$BOSUN_HOME/cache/bosun"
'

test_expect_success 'on a terminal, a long scan shows its progress and wipes it; otherwise not' '
	new_repo pg && i=0 && while [ $i -lt 2000 ]; do echo "line $i" >f$i.txt; i=$((i + 1)); done &&
	BOSUN_TEST_PROGRESS_MS=1 script -qec "$BOSUN scan secrets ." /dev/null >../tty.out &&
	test_grep "scanning: [0-9]* files, [0-9.]* [kMG]\{0,1\}B" ../tty.out &&
	grep -a "$(printf "\033")\[K0 secrets found in 2000 files" ../tty.out >/dev/null &&
	BOSUN_TEST_PROGRESS_MS=1 bosun scan secrets . 2>../plain.err &&
	test_no_grep "scanning:" ../plain.err &&
	BOSUN_TEST_PROGRESS_MS=1 script -qec "$BOSUN -q scan secrets ." /dev/null >../quiet.out &&
	test_no_grep "scanning:" ../quiet.out
'

test_expect_success '-h lists the options, and docs/scan.md documents each' '
	bosun scan secrets -h >out && test_grep "^usage: bosun scan secrets" out &&
	for o in $(grep -oE -- "--[a-z][a-z-]+" out | sort -u); do
		grep -q -- "$o" "$BOSUN_TOP/docs/scan.md" || { echo "$o not in docs/scan.md"; return 1; }
	done &&
	for k in $(bosun config 2>/dev/null | grep -oE "^scan\.[a-z_]+" | sort -u); do
		grep -q -- "$k" "$BOSUN_TOP/docs/scan.md" || { echo "$k not in docs/scan.md"; return 1; }
	done
'

test_done

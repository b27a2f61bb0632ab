#!/bin/sh
# bosun doctor scripts: the scripts a repository relies on, each one's
# interpreter, execute bit, --help, references and deprecation.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 is needed to read the JSON"

# The field $3 of script $2 in report $1.
field() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1]))
s=[s for s in d['checks'][0]['data']['scripts'] if s['name']==sys.argv[2]][0]
v=s[sys.argv[3]]
print(json.dumps(v) if not isinstance(v, str) else v)" "$1" "$2" "$3"
}

test_expect_success 'a repository with no scripts: skip' '
	new_repo empty && commit "feat: a" &&
	bosun doctor scripts >../out && test_grep "^skip  scripts" ../out
'

test_expect_success 'setup: scripts, package.json, a Makefile, bosun.yml' '
	new_repo r && mkdir -p scripts/lib .github/workflows &&
	printf "#!/bin/sh\necho usage: ok\n" >scripts/ok.sh &&
	printf "#!/usr/bin/env nosuchinterp-xyz\n" >scripts/bad &&
	printf "#!/bin/sh\nexit 0\n" >scripts/noexec.sh &&
	printf "#!/bin/sh\nsleep 10\n" >scripts/hang.sh &&
	printf "#!/bin/sh\nkill -SEGV \$\$\n" >scripts/crash.sh &&
	printf "#!/bin/sh\n. \"\$(dirname \"\$0\")/common.sh\"\n" >scripts/lib/main.sh &&
	printf "#!/bin/sh\nexit 0\n" >scripts/lib/common.sh &&
	printf "#!/bin/sh\necho orphan\n" >scripts/orphan.sh &&
	printf "no shebang\n" >scripts/plain.sh &&
	printf "notes\n" >scripts/README &&
	chmod +x scripts/ok.sh scripts/bad scripts/hang.sh scripts/crash.sh \
		scripts/lib/main.sh scripts/lib/common.sh scripts/orphan.sh scripts/plain.sh &&
	cat >package.json <<-\EOF &&
	{"name": "x", "scripts": {"build": "sh scripts/ok.sh && scripts/hang.sh",
	  "lint": "no-such-linter-xyz .", "env": "FOO=1 scripts/bad", "crash": "scripts/crash.sh"}}
	EOF
	printf "CC := cc\n.PHONY: all test\nall: test\n\ntest:\n\t./scripts/noexec.sh\n\t./scripts/plain.sh\n" >Makefile &&
	printf "jobs:\n  t:\n    steps:\n      - run: scripts/lib/main.sh\n" >.github/workflows/ci.yml &&
	cat >bosun.yml <<-\EOF &&
	release:
	  test: [sh, scripts/ok.sh]
	doctor:
	  deprecated:
	    - {path: scripts/noexec.sh, until: "2020-01-01", reason: use make test}
	    - {path: scripts/orphan.sh, until: "2099-12-31", reason: folded into ok.sh}
	EOF
	git add -A && git commit -q -m "feat: scripts"
'

test_expect_success 'the inventory: every source, with kinds and programs' '
	cd "$TRASH/r" &&
	t0=$(date +%s%3N) &&
	test_expect_code 1 env BOSUN_DOCTOR_TIMEOUT=1s "$BOSUN" doctor scripts --json >../out &&
	t1=$(date +%s%3N) && echo "# took $((t1 - t0)) ms" && test $((t1 - t0)) -lt 4000 &&
	python3 -c "import json; d=json.load(open(\"../out\")); print(\"\\n\".join(sorted(s[\"name\"] for s in d[\"checks\"][0][\"data\"][\"scripts\"])))" >../names &&
	cat >../want <<-\EOF &&
	Makefile:all
	Makefile:test
	bosun.yml:release.test
	package.json:build
	package.json:crash
	package.json:env
	package.json:lint
	scripts/bad
	scripts/crash.sh
	scripts/hang.sh
	scripts/lib/common.sh
	scripts/lib/main.sh
	scripts/noexec.sh
	scripts/ok.sh
	scripts/orphan.sh
	scripts/plain.sh
	EOF
	test_cmp ../want ../names &&
	test_eq file "$(field ../out scripts/ok.sh kind)" &&
	test_eq npm "$(field ../out package.json:lint kind)" &&
	test_eq make "$(field ../out Makefile:test kind)" &&
	test_eq bosun "$(field ../out bosun.yml:release.test kind)"
'

test_expect_success 'interpreters, execute bits and --help' '
	cd "$TRASH/r" &&
	test_eq ok "$(field ../out scripts/ok.sh status)" &&
	test_eq ok "$(field ../out scripts/ok.sh help)" &&
	test_eq /bin/sh "$(field ../out scripts/ok.sh program)" &&
	test_eq fail "$(field ../out scripts/bad status)" &&
	test_eq nosuchinterp-xyz "$(field ../out scripts/bad program)" &&
	test_eq false "$(field ../out scripts/noexec.sh executable)" &&
	test_eq hung "$(field ../out scripts/hang.sh help)" &&
	test_eq crashed "$(field ../out scripts/crash.sh help)" &&
	field ../out scripts/plain.sh problems >../v && test_grep "no #! line" ../v &&
	test_eq warn "$(field ../out package.json:lint status)" &&
	field ../out package.json:lint problems >../v && test_grep "no-such-linter-xyz" ../v &&
	test_eq scripts/bad "$(field ../out package.json:env program)"
'

test_expect_success 'references: orphaned, referenced by whom, a sibling by its name' '
	cd "$TRASH/r" &&
	test_eq true "$(field ../out scripts/orphan.sh orphaned)" &&
	field ../out scripts/ok.sh referenced_by >../v &&
	test_grep package.json:build ../v && test_grep bosun.yml:release.test ../v &&
	field ../out scripts/noexec.sh referenced_by >../v && test_grep Makefile:test ../v &&
	field ../out scripts/lib/main.sh referenced_by >../v && test_grep ".github/workflows/ci.yml" ../v &&
	field ../out scripts/lib/common.sh referenced_by >../v && test_grep scripts/lib/main.sh ../v
'

test_expect_success 'deprecation: past its date fails, a future date warns' '
	cd "$TRASH/r" &&
	test_eq fail "$(field ../out scripts/noexec.sh status)" &&
	field ../out scripts/noexec.sh deprecated >../v && test_grep "\"expired\": true" ../v &&
	field ../out scripts/noexec.sh problems >../v && test_grep "2020-01-01: use make test" ../v &&
	field ../out scripts/orphan.sh deprecated >../v && test_grep "\"expired\": false" ../v &&
	test_grep "2099-12-31" ../v
'

test_expect_success 'the text report lists each script with its problems' '
	cd "$TRASH/r" &&
	test_expect_code 1 env BOSUN_DOCTOR_TIMEOUT=1s "$BOSUN" doctor scripts >../out &&
	test_grep "^fail  scripts" ../out &&
	test_grep "fail  scripts/bad .*nosuchinterp-xyz" ../out &&
	test_grep "its interpreter .nosuchinterp-xyz. is not found" ../out &&
	test_grep "orphaned" ../out
'

test_expect_success 'a bad doctor.deprecated is a config error naming the field' '
	cd "$TRASH/r" &&
	printf "doctor:\n  deprecated:\n    - {path: x, until: soon}\n" >bosun.yml &&
	test_expect_code 65 bosun doctor scripts 2>../err &&
	test_grep "until must be a date" ../err &&
	printf "doctor:\n  deprecated:\n    - {path: x, when: 2020-01-01}\n" >bosun.yml &&
	test_expect_code 65 bosun doctor scripts 2>../err && test_grep "unknown key" ../err &&
	git checkout -q bosun.yml
'

test_expect_success 'scripts run only when asked: a bare doctor leaves them alone' '
	cd "$TRASH/r" &&
	{ "$BOSUN" doctor --json >../out; test $? -ne 64; } &&
	python3 -c "import json; d=json.load(open(\"../out\")); assert not [c for c in d[\"checks\"] if c[\"id\"]==\"scripts\"]"
'

test_done

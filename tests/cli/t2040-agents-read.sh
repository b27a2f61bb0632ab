#!/bin/sh
# A read never creates state: `agents list`, `agents verify` and `migrate
# --status` work in a bare repository and on a read-only mount, and create
# or change nothing under $(git-common-dir)/bosun (lib/store STORE_OPEN_READ).
. "$(dirname "$0")/lib.sh"

# state_digest DIR: the names of every file under DIR/bosun, and the bytes of
# all but SQLite's shared-memory index (state.db-shm, which every WAL reader
# marks, read-only ones too).
state_digest() {
	{ find "$1/bosun" 2>/dev/null | sort &&
	  find "$1/bosun" -type f ! -name state.db-shm 2>/dev/null | sort | xargs -r cat; } | sha256sum
}

test_expect_success 'in a bare repository: list and migrate --status succeed and create nothing' '
	cd "$TRASH" && git init -q --bare bare.git &&
	bosun -C bare.git agents list >out 2>err && test_eq "" "$(cat out)" &&
	test_grep "bare repository has no work tree" err &&
	bosun -C bare.git --json agents list >out.json &&
	python3 -c "import json; assert json.load(open(\"out.json\")) == {\"agents\": []}" &&
	bosun -C bare.git migrate --status >out &&
	test_grep "bare.git/bosun/state.db: schema 0 of [0-9]*$" out &&
	bosun -C bare.git --json migrate --status >out.json &&
	python3 -c "import json; d = json.load(open(\"out.json\")); assert d[\"version\"] == 0 and d[\"applied\"] == 0, d" &&
	test ! -e bare.git/bosun
'

test_expect_success 'in a new work tree: list, verify and migrate --status create nothing' '
	new_repo r && mkdir agents &&
	printf -- "---\nversion: 1.0.0\ndescription: d\n---\nx\n" >agents/a.md &&
	bosun agents list >../out && test_grep "^a  *1.0.0  *not deployed" ../out &&
	bosun agents verify >../out 2>&1 && bosun migrate --status >../out &&
	test_grep "schema 0 of" ../out && test ! -e .git/bosun
'

test_expect_success 'after a deploy, a read changes no byte of the store, even with a template changed' '
	cd r && bosun agents deploy -t claude >../out 2>&1 &&
	printf -- "---\nversion: 1.1.0\ndescription: d\n---\ny\n" >agents/a.md &&
	before=$(state_digest .git) &&
	bosun agents list >../out && test_grep "^a  *1.1.0  *claude:outdated" ../out &&
	bosun agents verify >../out 2>&1 && bosun migrate --status >../out &&
	test_grep "schema [0-9]* of" ../out && test_eq "$before" "$(state_digest .git)"
'

# As root, chmod does not stop a write: the test above (no byte changed)
# stands for it there.
test_expect_success 'test "$(id -u)" != 0' 'on a read-only repository, the reads work' '
	cd r && chmod -R a-w .git/bosun . &&
	{ bosun agents list >../out 2>../err; rc=$?; chmod -R u+w .git/bosun .; test $rc = 0; } &&
	test_grep "^a  *1.1.0  *claude:outdated" ../out &&
	chmod -R a-w .git/bosun . &&
	{ bosun agents verify >../out 2>../err && bosun migrate --status >>../out 2>>../err; rc=$?;
	  chmod -R u+w .git/bosun .; test $rc = 0; } &&
	test_grep "schema [0-9]* of" ../out
'

test_done

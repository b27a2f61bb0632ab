#!/bin/sh
# bosun work plan: the plan's schema, its errors (FILE:LINE:COL, exit 65,
# nothing recorded), the merge order, and the store's copy.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip_all "the sqlite3 program is needed to inspect the store"

write_plan() {
	cat >"$1" <<-\YAML
	task: search
	title: Full-text search
	base: main
	workstreams:
	  - id: index
	    agent: claude
	    owns: ["src/index/**", "tests/index/**"]
	    test: [make, test-index]
	    checklist: [build the inverted index, persist it, benchmark it]
	    context: The index lives in src/index; keep the public header stable.
	  - id: api
	    agent: codex
	    owns: ["src/api/search.c"]
	    depends_on: [index]
	YAML
}

items() { sqlite3 .git/bosun/state.db "select id || ' ' || kind || ' ' || state from work_items order by id"; }

test_expect_success 'a plan is checked, ordered and recorded' '
	new_repo r && commit "feat: a" && write_plan plan.yml &&
	bosun work plan plan.yml >../out &&
	test_grep "^1. index \[claude\]" ../out && test_grep "^2. api \[codex\]" ../out &&
	items >../items &&
	test_grep "^search plan planned" ../items &&
	test_grep "^search/index workstream planned" ../items &&
	test_grep "^search/api workstream planned" ../items
'

test_expect_success '--json prints the documented shape, from stdin too' '
	cd r && bosun work plan --json --check - <plan.yml >../out &&
	test_grep "\"task\": \"search\"" ../out &&
	test_grep "\"recorded\": false" ../out &&
	tr -d " \n" <../out >../flat &&
	test_grep "\"order\":\[\"index\",\"api\"\]" ../flat &&
	test_grep "\"depends_on\":\[\"index\"\]" ../flat &&
	test_grep "\"test\":\[\"make\",\"test-index\"\]" ../flat
'

test_expect_success 'ties in the merge order go by id' '
	cd r && printf "task: t\nworkstreams:\n  - id: c\n  - id: b\n    depends_on: c\n  - id: a\n  - id: d\n    depends_on: [a]\n" >tie.yml &&
	bosun work plan --json --check tie.yml | tr -d " \n" >../out &&
	test_grep "\"order\":\[\"a\",\"c\",\"b\",\"d\"\]" ../out
'

plan_fails() {
	test_expect_code 65 bosun work plan "$1" 2>../err &&
	test_eq "$2" "$(items | md5sum)"
}

test_expect_success 'two owners of one path: both sides named, exit 65, nothing recorded' '
	cd r && before=$(items | md5sum) &&
	sed "s|src/api/search.c|src/*/x.c|" plan.yml >bad.yml &&
	plan_fails bad.yml "$before" &&
	test_grep "bad.yml:13:13: .src/\*/x.c. of workstream .api. overlaps .src/index/\*\*. of workstream .index. (bad.yml:7:13)" ../err
'

test_expect_success 'overlap is decided on the patterns: a name pattern meets a path' '
	cd r && printf "task: t\nworkstreams:\n  - id: a\n    owns: \"*.md\"\n  - id: b\n    owns: [docs/x/README.md]\n" >md.yml &&
	plan_fails md.yml "$(items | md5sum)" && test_grep "md.yml:6:12:.*md.yml:4:12" ../err &&
	printf "task: t\nworkstreams:\n  - id: a\n    owns: \"src/a/**\"\n  - id: b\n    owns: [\"src/b/**\", \"src/[b-c]*.h\"]\n" >ok.yml &&
	bosun work plan --check ok.yml >/dev/null
'

test_expect_success 'an unknown dependency is named with the workstream that has it' '
	cd r && sed "s|depends_on: \[index\]|depends_on: [indx]|" plan.yml >bad.yml &&
	plan_fails bad.yml "$(items | md5sum)" &&
	test_grep "bad.yml:14:18: workstream .api. depends on unknown workstream .indx." ../err
'

test_expect_success 'a cycle is named with the edge that closes it' '
	cd r && printf "    depends_on: [api]\n" >d && sed "/owns: \[\"src\/index/r d" plan.yml >bad.yml &&
	plan_fails bad.yml "$(items | md5sum)" &&
	test_grep "bad.yml:15:18: dependency cycle: .index. -> .api. -> .index." ../err &&
	printf "task: t\nworkstreams:\n  - id: a\n    depends_on: a\n" >self.yml &&
	plan_fails self.yml "$(items | md5sum)" && test_grep "cycle: .a. -> .a." ../err
'

test_expect_success 'an unknown key, a duplicate id, a bad id: exit 65 with the place' '
	cd r && sed "s|agent: claude|agnt: claude|" plan.yml >bad.yml &&
	plan_fails bad.yml "$(items | md5sum)" &&
	test_grep "bad.yml:6:5: unknown key .agnt. in a workstream (did you mean .agent.?)" ../err &&
	printf "task: t\nworkers: []\n" >bad.yml && plan_fails bad.yml "$(items | md5sum)" &&
	test_grep "bad.yml:2:1: unknown key .workers. in the plan" ../err &&
	printf "task: t\nworkstreams:\n  - id: a\n  - id: a\n" >bad.yml &&
	plan_fails bad.yml "$(items | md5sum)" &&
	test_grep "bad.yml:4:5: duplicate workstream id .a. (first at bad.yml:3:5)" ../err &&
	printf "task: t\nworkstreams:\n  - id: a/b\n" >bad.yml &&
	plan_fails bad.yml "$(items | md5sum)" && test_grep "invalid workstream id" ../err &&
	printf "task: t\nworkstreams:\n  - id: a\n    owns: {x: 1}\n" >bad.yml &&
	plan_fails bad.yml "$(items | md5sum)" && test_grep "bad.yml:4:11: owns must be a list" ../err &&
	printf "task: [t\n" >bad.yml && plan_fails bad.yml "$(items | md5sum)"
'

test_expect_success 'no plan file: a usage error; a missing one: exit 3' '
	cd r && test_expect_code 64 bosun work plan 2>../err &&
	test_expect_code 3 bosun work plan nosuch.yml 2>../err
'

test_expect_success 'a new plan keeps states and drops workstreams it no longer has' '
	cd r && sqlite3 .git/bosun/state.db "update work_items set state = '"'"'spawned'"'"' where id = '"'"'search/index'"'"'" &&
	sed "/- id: api/,\$d" plan.yml >one.yml && bosun work plan one.yml >/dev/null &&
	items >../items &&
	test_grep "^search/index workstream spawned" ../items &&
	test_grep "^search/api workstream dropped" ../items &&
	bosun work plan plan.yml >/dev/null && items >../items &&
	test_grep "^search/api workstream planned" ../items
'

test_done

#!/bin/sh
# bosun agents deploy's no-op snapshot: kept after a deploy that changed
# nothing, used by the next one only while nothing it read has moved, and
# dropped with any change to the rows.
. "$(dirname "$0")/lib.sh"

TG="-t claude -t qwen"

snap_rows() {
	sqlite3 .git/bosun/state.db "select count(*) from agent_snapshot"
}

template() {
	printf '{"id": "%s", "version": "1.0.%s", "metadata": {"description": "d %s"}, "instructions": "Agent %s, take %s."}\n' \
		"$1" "$2" "$1" "$1" "$2" >"agents/$1.json"
}

test_expect_success 'a deploy that writes keeps no snapshot; the next, changing nothing, keeps one' '
	new_repo r && mkdir agents && template alpha 1 && template beta 1 && template gamma 1 &&
	bosun agents deploy $TG 2>../err && test_grep "6 deployed" ../err &&
	test_eq 0 "$(snap_rows)" && sleep 1.1 &&
	bosun agents deploy $TG 2>../err && test_grep "0 deployed, 0 updated, 0 migrated, 6 skipped" ../err &&
	test_eq 1 "$(snap_rows)"
'

test_expect_success 'a deploy planned from the snapshot reports what a full plan reports' '
	cd r && bosun --json agents deploy $TG >../fast.json 2>../fast.err &&
	BOSUN_NO_CACHE=1 bosun --json agents deploy $TG >../full.json 2>../full.err &&
	test_cmp ../full.json ../fast.json && test_cmp ../full.err ../fast.err &&
	bosun -v agents deploy $TG >../fast.out 2>&1 &&
	BOSUN_NO_CACHE=1 bosun -v agents deploy $TG >../full.out 2>&1 &&
	test_cmp ../full.out ../fast.out && test_grep "^skipped   .qwen/agents/beta.md 1.0.1" ../fast.out
'

test_expect_success 'the snapshot is what answers (a version changed in it is what is shown)' '
	cd r &&
	sqlite3 .git/bosun/state.db "update agent_snapshot set data = cast(replace(cast(data as text), \"1.0.1\", \"9.9.9\") as blob)" &&
	bosun -v agents deploy $TG >../out 2>../err && test_grep "^skipped   .claude/agents/alpha.md 9.9.9" ../out &&
	BOSUN_NO_CACHE=1 bosun -v agents deploy $TG >../out 2>../err &&
	test_grep "^skipped   .claude/agents/alpha.md 1.0.1" ../out &&
	sqlite3 .git/bosun/state.db "delete from agent_snapshot"
'

test_expect_success 'a dry run may use the snapshot, and keeps none' '
	cd r && bosun agents deploy $TG --dry-run 2>../err && test_grep " 6 skipped" ../err &&
	sqlite3 .git/bosun/state.db "delete from agent_snapshot" &&
	bosun agents deploy $TG --dry-run 2>../err && test_grep " 6 skipped" ../err &&
	test_eq 0 "$(snap_rows)" && sleep 1.1 &&
	bosun agents deploy $TG 2>/dev/null && test_eq 1 "$(snap_rows)"
'

test_expect_success 'a template edited since updates its files' '
	cd r && template beta 2 &&
	bosun agents deploy $TG >../out 2>../err && test_grep "0 deployed, 2 updated" ../err &&
	test_grep "^version: \"1.0.2\"" .claude/agents/beta.md && test_eq 0 "$(snap_rows)"
'

test_expect_success 'an agent file a person edited since is reported modified' '
	cd r && sleep 1.1 && bosun agents deploy $TG 2>/dev/null && test_eq 1 "$(snap_rows)" &&
	echo "my note" >>.qwen/agents/alpha.md &&
	bosun agents deploy $TG >../out 2>../err && test_grep "^modified  .qwen/agents/alpha.md" ../out &&
	test_grep "my note" .qwen/agents/alpha.md
'

test_expect_success 'a removed agent file is deployed again' '
	cd r && bosun agents deploy $TG --force >/dev/null 2>&1 && sleep 1.1 &&
	bosun agents deploy $TG 2>/dev/null && test_eq 1 "$(snap_rows)" &&
	rm .claude/agents/gamma.md &&
	bosun agents deploy $TG >../out 2>../err && test_grep "^deployed  .claude/agents/gamma.md" ../out
'

test_expect_success 'a new template is deployed' '
	cd r && sleep 1.1 && bosun agents deploy $TG 2>/dev/null && test_eq 1 "$(snap_rows)" &&
	template delta 1 &&
	bosun agents deploy $TG >../out 2>../err && test_grep "2 deployed, 0 updated" ../err &&
	test -f .qwen/agents/delta.md
'

test_expect_success 'other settings are not answered by a snapshot taken for others' '
	cd r && sleep 1.1 && bosun agents deploy $TG 2>/dev/null && test_eq 1 "$(snap_rows)" &&
	bosun agents deploy -t claude 2>../err && test_grep " 4 skipped" ../err &&
	bosun agents deploy -t claude -t qwen -t opencode 2>../err && test_grep "4 deployed, 0 updated, 0 migrated, 8 skipped" ../err &&
	bosun agents deploy $TG --only alpha 2>../err && test_grep " 2 skipped" ../err
'

test_expect_success 'a target folder turned into a symlink is refused, as without a snapshot' '
	rm -rf u && cp -r r u && cd u && sleep 1.1 && bosun agents deploy $TG 2>/dev/null &&
	test_eq 1 "$(snap_rows)" &&
	mv .claude/agents ../moved && ln -s ../moved .claude/agents &&
	test_expect_code 1 bosun agents deploy $TG >../out 2>../err &&
	test_grep "never followed" ../out
'

test_expect_success 'clean and rollback drop the snapshot' '
	cd r && sleep 1.1 && bosun agents deploy $TG 2>/dev/null && test_eq 1 "$(snap_rows)" &&
	bosun agents clean >/dev/null 2>&1 && test_eq 0 "$(snap_rows)" &&
	bosun agents rollback >/dev/null 2>&1 && test_eq 0 "$(snap_rows)" &&
	sleep 1.1 && bosun agents deploy $TG 2>/dev/null && test_eq 1 "$(snap_rows)" &&
	bosun agents rollback >/dev/null 2>&1 && test_eq 0 "$(snap_rows)"
'

test_expect_success 'a template stamped in the future keeps no snapshot (it could change unseen)' '
	new_repo v && mkdir agents && template alpha 1 && bosun agents deploy -t claude 2>/dev/null &&
	touch -d "+1 hour" agents/alpha.json && sleep 1.1 &&
	bosun agents deploy -t claude 2>../err && test_grep " 1 skipped" ../err &&
	test_eq 0 "$(snap_rows)"
'

test_expect_success 'a damaged snapshot is ignored, and replaced' '
	cd r && bosun agents deploy $TG >/dev/null 2>&1 && sleep 1.1 &&
	bosun agents deploy $TG 2>/dev/null && test_eq 1 "$(snap_rows)" &&
	sqlite3 .git/bosun/state.db "update agent_snapshot set data = cast(\"bosun-agents-snapshot 1\nx 1 2\n\" as blob)" &&
	bosun agents deploy $TG 2>../err && test_grep " 0 deployed, 0 updated" ../err &&
	test_eq 1 "$(snap_rows)" &&
	test_eq 0 "$(sqlite3 .git/bosun/state.db "select count(*) from agent_snapshot where data like \"%x 1 2%\"")"
'

test_expect_success 'caches the store cannot keep cost time only, and the log says so' '
	new_repo ro && mkdir agents && template alpha 1 && q=$(printf "\047") &&
	bosun agents deploy $TG 2>/dev/null && sleep 1.1 &&
	sqlite3 .git/bosun/state.db "delete from agent_templates; create trigger ro1 before insert on agent_snapshot begin select raise(abort, ${q}snapshot read-only${q}); end; create trigger ro2 before insert on agent_templates begin select raise(abort, ${q}templates read-only${q}); end;" &&
	logf="$BOSUN_HOME/state/bosun/logs/bosun.log" && rm -f "$logf" &&
	bosun agents deploy $TG 2>../err && test_grep "2 skipped" ../err &&
	test_grep "no-op snapshot not kept: .*snapshot read-only" "$logf" &&
	test_grep "template stat cache not kept: .*templates read-only" "$logf" &&
	test_eq 0 "$(snap_rows)"
'

test_done

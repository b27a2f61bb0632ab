#!/bin/sh
# bosun migrate: the shared store in git's common directory.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip_all "the sqlite3 program is needed to inspect the store"

latest() { bosun --json migrate --status | sed -n "s/.*\"latest\": \([0-9]*\).*/\1/p"; }

test_expect_success 'migrate creates the store in WAL mode with the schema' '
	new_repo r && commit "feat: a" && bosun migrate >../out &&
	n=$(latest) && test "$n" -ge 1 &&
	test_grep "schema $n ($n migration" ../out &&
	test -f .git/bosun/state.db &&
	test_eq wal "$(sqlite3 .git/bosun/state.db "pragma journal_mode")" &&
	test_eq "$n" "$(sqlite3 .git/bosun/state.db "pragma user_version")" &&
	sqlite3 .git/bosun/state.db ".tables" >../out && test_grep releases ../out
'

test_expect_success 'a second migrate applies nothing' '
	cd r && bosun --json migrate >../out && test_grep "\"applied\": 0" ../out
'

test_expect_success '--status reports the schema version' '
	cd r && bosun migrate --status >../out && test_grep "schema $(latest) of $(latest)" ../out
'

test_expect_success 'every worktree shares one store' '
	cd r && git worktree add -q ../r-wt && cd ../r-wt &&
	bosun --json migrate >../out &&
	test_grep "\"path\": \"$TRASH/r/.git/bosun/state.db\"" ../out
'

test_expect_success 'a store from a newer bosun is refused, exit 65' '
	new_repo n && commit "feat: a" && bosun migrate >/dev/null &&
	sqlite3 .git/bosun/state.db "pragma user_version = 99" &&
	test_expect_code 65 bosun migrate 2>../err && test_grep "newer" ../err
'

test_expect_success 'the refusal names the bosun that reads the store, as docs/migrate.md shows' '
	cd n && v=$(bosun --version | sed -n "s/^bosun \([^ ]*\).*/\1/p") && test -n "$v" &&
	n=$(sqlite3 .git/bosun/state.db "select count(*) from meta where key like \"schema.%.bosun\"") &&
	sqlite3 .git/bosun/state.db "pragma user_version = 12; insert into meta values (\"schema.12.bosun\", \"9.4.0\")" &&
	cp .git/bosun/state.db ../before.db &&
	test_expect_code 65 bosun migrate 2>../err &&
	test_eq "bosun: state.db has schema version 12, newer than this bosun ($v) knows ($n); bosun 9.4.0 or newer reads it: upgrade bosun" "$(cat ../err)" &&
	test_expect_code 65 bosun --json migrate >../out 2>/dev/null &&
	test_grep "\"message\": \"state.db has schema version 12, .*bosun 9.4.0 or newer reads it: upgrade bosun\"" ../out &&
	test_grep "\"exit\": 65" ../out &&
	cmp .git/bosun/state.db ../before.db &&
	sqlite3 .git/bosun/state.db "delete from meta where key = \"schema.12.bosun\"" &&
	test_expect_code 65 bosun migrate 2>../err &&
	test_eq "bosun: state.db has schema version 12, newer than this bosun knows ($n); upgrade bosun" "$(cat ../err)"
'

test_expect_success 'migrations run once when twelve processes race' '
	new_repo race && commit "feat: a" &&
	pids= &&
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		bosun migrate --json >../race.$i & pids="$pids $!"
	done &&
	for p in $pids; do wait $p || return 1; done &&
	test_eq "$(latest)" "$(sqlite3 .git/bosun/state.db "pragma user_version")" &&
	# each migration applied by exactly one of them
	test_eq "$(latest)" "$(python3 -c "import json, sys
print(sum(json.load(open(f))[\"applied\"] for f in sys.argv[1:]))" ../race.*)" &&
	test_eq 0 "$(sqlite3 .git/bosun/state.db "select count(*) from releases")"
'

test_expect_success 'store.url picks the SQLite file' '
	cd r && BOSUN_STORE_URL=sqlite:other.db bosun --json migrate >../out &&
	test_grep "\"path\": \"$TRASH/r/.git/other.db\"" ../out && test -f .git/other.db &&
	printf "store:\n  url: sqlite://$TRASH/abs.db\n" >bosun.yml &&
	bosun --json migrate >../out && rm bosun.yml &&
	test_grep "\"path\": \"$TRASH/abs.db\"" ../out &&
	test_eq "$(latest)" "$(sqlite3 "$TRASH/abs.db" "pragma user_version")"
'

test_expect_success 'a store URL this build cannot open: exit 69, naming what it has' '
	cd r && BOSUN_STORE_URL=postgres://db.example/bosun test_expect_code 69 bosun migrate 2>../err &&
	test_grep "postgres" ../err && test_grep "sqlite:" ../err &&
	BOSUN_STORE_URL=sqlite: test_expect_code 64 bosun migrate 2>../err &&
	BOSUN_STORE_URL=nonsense test_expect_code 64 bosun migrate 2>../err &&
	test_grep "not a store URL" ../err
'

test_expect_success 'outside a repository: exit 3' '
	mkdir -p "$TRASH/plain" && cd "$TRASH/plain" &&
	GIT_CEILING_DIRECTORIES="$TRASH" test_expect_code 3 bosun migrate 2>/dev/null
'

test_expect_success 'GIT_DIR naming a linked worktree (as git sets it for hooks) finds the common store' '
	cd "$TRASH/r-wt" && GIT_DIR="$TRASH/r/.git/worktrees/r-wt" bosun --json migrate >../out &&
	test_grep "\"path\": \"$TRASH/r/.git/bosun/state.db\"" ../out
'

# whole_store: the schema is the latest, the file is sound, each migration
# is recorded once, and every migrate backup is a whole archive.
whole_store() {
	test_eq "$(latest)" "$(sqlite3 .git/bosun/state.db "pragma user_version")" &&
	test_eq ok "$(sqlite3 .git/bosun/state.db "pragma integrity_check")" &&
	test_eq "$(latest)" "$(sqlite3 .git/bosun/state.db "select count(*) from meta where key like \"schema.%.bosun\"")" &&
	for a in $(ls "$BOSUN_HOME"/state/bosun/backups/*/bosun-migrate-*.tar.zst 2>/dev/null); do
		tar --zstd -tf "$a" >/dev/null || { echo "a broken archive: $a"; return 1; }
	done
}

test_expect_success 'kill -9 while creating a store, and while backing one up to migrate it: the next migrate finishes' '
	new_repo kc && commit "feat: a" && runs=${BOSUN_CRASH_RUNS:-15} && n=0 && killed=0 &&
	v=$(latest) &&
	# old_store: an old schema that holds a row: migrating it backs it up first
	old_store() {
		bosun migrate >/dev/null &&
		sqlite3 .git/bosun/state.db "alter table releases drop column data; pragma user_version = $((v - 1));
			insert into leases (name, owner, token, expires_ms) values (\"kept\", NULL, 1, 0)"
	} &&
	t0=$(date +%s%N) && bosun migrate >/dev/null 2>&1 &&
	took_new=$((($(date +%s%N) - t0) / 1000000)) &&
	rm -rf .git/bosun && old_store && t0=$(date +%s%N) && bosun migrate >/dev/null 2>&1 &&
	took_old=$((($(date +%s%N) - t0) / 1000000)) &&
	while [ $n -lt $runs ]; do
		rm -rf .git/bosun && took_ms=$took_new &&
		if [ $((n % 2)) -eq 1 ]; then
			old_store && took_ms=$took_old || return 1
		fi &&
		{ "$BOSUN" migrate >/dev/null 2>&1 & } && pid=$! &&
		sleep "$(crash_delay $n $took_ms)" &&
		if kill -9 $pid 2>/dev/null; then killed=$((killed + 1)); fi &&
		{ wait $pid 2>/dev/null; rc=$?; test $rc -eq 137 || test $rc -eq 0; } &&
		{ bosun migrate >../out 2>../err || { echo "run $n: the next migrate failed"; cat ../err; return 1; }; } &&
		{ whole_store || { echo "run $n"; return 1; }; } &&
		if [ $((n % 2)) -eq 1 ]; then
			test_eq 1 "$(sqlite3 .git/bosun/state.db "select count(*) from leases where name = \"kept\"")"
		fi &&
		n=$((n + 1)) || return 1
	done &&
	echo "migrate: killed $killed of $runs in flight (a creation: $took_new ms, a backup and migration: $took_old ms); the next migrate finished each time" &&
	test $killed -gt 0
'

test_done

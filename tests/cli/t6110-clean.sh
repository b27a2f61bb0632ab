#!/bin/sh
# bosun clean: the cache, old rotated logs, stale temporary files, finished
# watchers' status, attic snapshots, backups past their retention and the
# store's cache entries for gone files, commits and workstreams go;
# what a live process holds stays; --dry-run lists the same and removes
# nothing; a clean killed with SIGKILL anywhere leaves each thing whole or
# gone, and the next one finishes; two cleans and a writer at once.
. "$(dirname "$0")/lib.sh"

cache="$BOSUN_HOME/cache/bosun"
logs="$BOSUN_HOME/state/bosun/logs"
W1=1111111111111111111111111111111111111111
W2=2222222222222222222222222222222222222222
W3=3333333333333333333333333333333333333333
GONE1=4444444444444444444444444444444444444444
GONE2=5555555555555555555555555555555555555555

# owner PID: the owner record of a running process (core/pidfile.h)
owner() {
	echo "$1 $(awk "{print \$22}" /proc/$1/stat) $(cat /proc/sys/kernel/random/boot_id) $(uname -n)"
}

# sleeper: a process that runs until the test ends; its pid in ../sleeper.pid
sleeper() {
	sleep 600 >/dev/null 2>&1 &
	echo $! >"$TRASH/sleeper.pid"
}

# populate: in the repository r, one of everything clean looks at
populate() {
	d=$(git rev-parse --git-common-dir)/bosun && live=$(cat "$TRASH/sleeper.pid") &&
	mkdir -p "$cache" "$logs" "$d/deploy/$W1" "$d/deploy/$W2" "$d/deploy/$W3" backups &&
	printf "old" >"$cache/scan-old.db" && touch -d "30 days ago" "$cache/scan-old.db" &&
	printf "newer" >"$cache/scan-new.db" && touch -d "2 days ago" "$cache/scan-new.db" &&
	for sfx in "" .1 .2 .3 .4; do echo "{}" >"$logs/bosun.log$sfx" || return 1; done &&
	echo "{\"state\":\"done\"}" >"$d/deploy/$W1/status.json" && echo "x" >"$d/deploy/$W1/watch.log" &&
	touch -d "30 days ago" "$d/deploy/$W1/status.json" "$d/deploy/$W1/watch.log" "$d/deploy/$W1" &&
	echo "{\"state\":\"watching\"}" >"$d/deploy/$W2/status.json" && owner "$live" >"$d/deploy/$W2/watch.pid" &&
	touch -d "30 days ago" "$d/deploy/$W2/status.json" "$d/deploy/$W2/watch.pid" &&
	echo "{\"state\":\"done\"}" >"$d/deploy/$W3/status.json" &&
	echo half >"$d/x.json.lock" && ln "$d/x.json.lock" "$d/x.json.lock.owner.99999999.5" &&
	echo mine >"$d/y.json.lock" && ln "$d/y.json.lock" "$d/y.json.lock.owner.$live.$(awk "{print \$22}" /proc/$live/stat)" &&
	echo copy >backups/.store-copy.99999999.db &&
	for k in 1 2 3 4 5; do
		echo "archive $k" >backups/bosun-backup-2026010${k}T000000.000Z.tar.zst &&
		touch -d "$((k * 7 + 1)) days ago" backups/bosun-backup-2026010${k}T000000.000Z.tar.zst || return 1
	done &&
	printf "backup:\n  dir: backups\n  keep: 2\n  keep_days: 10\n" >bosun.yml &&
	git update-ref refs/bosun/attic/t/w1/20200101T000000 HEAD &&
	git update-ref refs/bosun/attic/t/w2/29990101T000000 HEAD &&
	store_entries
}

# store_entries: the store's cache with entries for a gone log, a gone
# commit, a gone workstream, and an old one (they go), and young ones for
# what exists (they stay)
store_entries() {
	bosun migrate >/dev/null && now=$(($(date +%s) * 1000)) &&
	head=$(git rev-parse HEAD) && echo "{}" >kept.log &&
	sqlite3 "$(git rev-parse --git-common-dir)/bosun/state.db" "
	insert into cache_entries values ('logs:$PWD/gone.log', x'00112233', '{}', $now);
	insert into cache_entries values ('logs:$PWD/kept.log', x'00', '{}', $now);
	insert into cache_entries values ('work/commit/$head', 'v', NULL, $now);
	insert into cache_entries values ('work/commit/$GONE1', 'v', NULL, $now);
	insert into cache_entries values ('work/merge/$head/$GONE2', 'v', NULL, $now);
	insert into cache_entries values ('work/heartbeat/t/gone', 'v', NULL, $now);
	insert into cache_entries values ('work/wtstatus/$PWD', 'v', NULL, $now);
	insert into cache_entries values ('work/wtstatus/$PWD/gone-wt', 'v', NULL, $now);
	insert into cache_entries values ('other/old', 'v', NULL, $((now - 30 * 86400000)));
	insert into cache_entries values ('other/young', 'v', NULL, $now);"
}

# cache_keys: the store's cache keys, one a line
cache_keys() {
	sqlite3 "$(git rev-parse --git-common-dir)/bosun/state.db" "select key from cache_entries order by key"
}

# cache_kept: what the store's cache holds after a clean
cache_kept() {
	printf "%s\n" "logs:$PWD/kept.log" "other/young" "work/commit/$(git rev-parse HEAD)" "work/wtstatus/$PWD"
}

# listing: every file clean may touch, for before/after comparisons (the
# store by its cache keys: SQLite's -wal and -shm come and go with readers)
listing() {
	(cd "$BOSUN_HOME" && find . -type f | sort) &&
	(cd "$(git rev-parse --git-common-dir)/bosun" && find . -type f ! -name "state.db-*" | sort) &&
	ls -a backups && git for-each-ref --format="%(refname)" refs/bosun/attic/
}

test_expect_success 'setup' '
	sleeper && new_repo r && commit "feat: a" && populate
'

test_expect_success '--dry-run lists what would go, with sizes, and removes nothing' '
	cd r && listing >../before &&
	bosun clean --dry-run >../out &&
	listing >../after && test_cmp ../before ../after &&
	test_grep "^would remove  cache .*/scan-old.db (not changed in 30 days)" ../out &&
	test_grep "^would remove  log .*bosun.log.3 (beyond the newest 2 rotated logs)" ../out &&
	test_grep "bosun.log.4" ../out && test_no_grep "bosun.log.2" ../out &&
	test_grep "^would remove  watcher .*$W1 (a finished watcher" ../out &&
	test_no_grep "$W2" ../out && test_no_grep "$W3" ../out &&
	test_grep "^would remove  temp .*x.json.lock (a lock left by a killed process)" ../out &&
	test_grep "x.json.lock.owner.99999999.5" ../out && test_no_grep "y.json.lock" ../out &&
	test_grep "store-copy.99999999.db" ../out &&
	test_grep "bosun-backup-20260103" ../out && test_grep "bosun-backup-20260105" ../out &&
	test_no_grep "bosun-backup-20260102" ../out &&
	test_grep "^would remove  attic .*refs/bosun/attic/t/w1/20200101T000000" ../out &&
	test_no_grep "29990101" ../out &&
	test_grep "^would remove  store .*logs:$PWD/gone.log (the log it remembers is gone)" ../out &&
	test_grep "^would remove  store  *53 B  work/commit/$GONE1 (a commit it is for is gone)" ../out &&
	test_grep "^would remove  store .*work/merge/.*/$GONE2 (a commit it is for is gone)" ../out &&
	test_grep "^would remove  store .*work/heartbeat/t/gone (its workstream is gone)" ../out &&
	test_grep "^would remove  store .*work/wtstatus/$PWD/gone-wt (its worktree is gone)" ../out &&
	test_grep "^would remove  store .*other/old (a cache entry not put again in 30 days)" ../out &&
	test_no_grep "kept.log\|young\|commit/$(git rev-parse HEAD)\|wtstatus/$PWD " ../out &&
	test_grep "^would remove 17 items, " ../out
'

test_expect_success '-v also lists what a running process holds' '
	cd r && bosun clean --dry-run -v >../out &&
	test_grep "^kept .*$W2 (its watcher runs (pid $(cat ../sleeper.pid)))" ../out
'

test_expect_success 'clean removes exactly what --dry-run listed' '
	cd r && bosun --json clean --dry-run >../dry &&
	bosun --json clean >../out &&
	python3 - ../dry ../out <<-\EOF &&
	import json, os, subprocess, sys
	dry, done = (json.load(open(p)) for p in sys.argv[1:3])
	assert dry["dry_run"] and not done["dry_run"], done
	want = sorted(i["path"] for i in dry["items"] if not i["kept"])
	got = sorted(i["path"] for i in done["items"] if i["removed"])
	assert want == got, (want, got)
	assert done["bytes"] == dry["bytes"] > 0, (done["bytes"], dry["bytes"])
	for i in done["items"]:
	    if i["kind"] not in ("attic", "store"):
	        assert i["removed"] == (not os.path.exists(i["path"])), i
	kept = [i for i in done["items"] if i["kept"]]
	assert len(kept) == 1 and kept[0]["kind"] == "watcher" and not kept[0]["removed"], kept
	EOF
	d=$(git rev-parse --git-common-dir)/bosun &&
	test ! -e "$cache/scan-old.db" && test -f "$cache/scan-new.db" &&
	test -f "$logs/bosun.log" && test -f "$logs/bosun.log.2" && test ! -e "$logs/bosun.log.3" &&
	test ! -e "$d/deploy/$W1" && test -f "$d/deploy/$W2/watch.pid" && test -d "$d/deploy/$W3" &&
	test ! -e "$d/x.json.lock" && test -f "$d/y.json.lock" &&
	test $(ls backups | wc -l) -eq 2 && test -f backups/bosun-backup-20260101T000000.000Z.tar.zst &&
	test -z "$(git for-each-ref refs/bosun/attic/t/w1)" &&
	test -n "$(git for-each-ref refs/bosun/attic/t/w2)" &&
	test -z "$(find "$d" "$BOSUN_HOME" -name "*.bosun-clean.*")" &&
	cache_kept >../want && cache_keys >../got && test_cmp ../want ../got &&
	bosun clean >../out && test_grep "^removed 0 items, 0 B" ../out
'

test_expect_success '--older DAYS and --budget SIZE' '
	cd r && bosun clean --older 1 >../out &&
	test_grep "scan-new.db" ../out && test ! -e "$cache/scan-new.db" &&
	head -c 3000 /dev/zero >"$cache/a.db" && touch -d "3 hours ago" "$cache/a.db" &&
	head -c 3000 /dev/zero >"$cache/b.db" && touch -d "2 hours ago" "$cache/b.db" &&
	head -c 3000 /dev/zero >"$cache/c.db" && touch -d "1 hours ago" "$cache/c.db" &&
	bosun --json clean --dry-run --budget 100K >../out &&
	test_no_grep "a.db" ../out &&
	sz=$(du -cb "$cache"/*.db "$logs"/bosun.log.* backups/bosun-*.tar.zst \
		"$(git rev-parse --git-common-dir)/bosun/deploy/$W3" | tail -n 1 | cut -f 1) &&
	bosun clean --budget $((sz - 4000)) >../out &&
	test_grep "a.db (over the --budget, oldest first)" ../out &&
	test ! -e "$cache/a.db" && test -f "$cache/c.db" &&
	test -f "$logs/bosun.log" && test -f "$(git rev-parse --git-common-dir)/bosun/deploy/$W2/watch.pid"
'

test_expect_success 'a store clean cannot open is a warning and exit 1; the rest goes on' '
	new_repo s && commit "feat: a" && store_entries &&
	printf "old" >"$cache/s-old.db" && touch -d "30 days ago" "$cache/s-old.db" &&
	test_expect_code 1 env BOSUN_STORE_URL=nosuch:x "$BOSUN" clean --dry-run >../out 2>../err &&
	test_grep "the store.s cache: .*nosuch" ../err && test_grep "s-old.db" ../out &&
	test_grep "\"level\":\"degraded\",\"event\":\"clean\".*the store.s cache was left alone: .*nosuch" "$logs/bosun.log" &&
	test_no_grep "store " ../out &&
	db=$(git rev-parse --git-common-dir)/bosun/state.db && v=$(sqlite3 "$db" "pragma user_version") &&
	sqlite3 "$db" "pragma user_version = 999" &&
	test_expect_code 1 "$BOSUN" clean >../out 2>../err &&
	test_grep "the store.s cache: .*newer" ../err && test ! -e "$cache/s-old.db" &&
	sqlite3 "$db" "pragma user_version = $v" && bosun clean >../out &&
	cache_kept >../want && cache_keys >../got && test_cmp ../want ../got &&
	rm -rf "$(git rev-parse --git-common-dir)/bosun" && bosun clean --dry-run >../out &&
	bosun clean >../out && test ! -e "$(git rev-parse --git-common-dir)/bosun/state.db"
'

test_expect_success 'the entry bosun logs stats keeps goes once its log is gone' '
	new_repo l && commit "feat: a" &&
	echo "{\"ts\":\"2026-12-06T10:00:00Z\",\"level\":\"info\",\"msg\":\"x\"}" >app.log &&
	bosun logs stats app.log >/dev/null && cache_keys >../keys &&
	test_grep "^logs:$PWD/app.log\$" ../keys &&
	bosun clean >../out && test_no_grep "app.log" ../out &&
	rm app.log && bosun clean >../out &&
	test_grep "^removed       store .*logs:$PWD/app.log (the log it remembers is gone)" ../out &&
	cache_keys >../keys && test_no_grep "app.log" ../keys
'

test_expect_success 'bad input is a usage error and changes nothing' '
	cd r && listing >../before &&
	test_expect_code 64 bosun clean --older soon 2>../err && test_grep "number of days" ../err &&
	test_expect_code 64 bosun clean --older -3 2>../err &&
	test_expect_code 64 bosun clean --budget 5Q 2>../err && test_grep "not a size" ../err &&
	test_expect_code 64 bosun clean extra 2>../err &&
	printf "clean:\n  budget: lots\n" >>bosun.yml &&
	test_expect_code 65 bosun clean 2>../err && test_grep "clean.budget" ../err &&
	printf "backup:\n  dir: backups\n  keep: 2\n  keep_days: 10\n" >bosun.yml &&
	listing >../after && test_cmp ../before ../after
'

test_expect_success 'a clean killed with SIGKILL at any step leaves things whole or gone; the next finishes' '
	n=1 && killed=0 &&
	while [ $n -le 19 ]; do
		new_repo k && commit "feat: a" && rm -rf "$BOSUN_HOME" && populate &&
		d=$(git rev-parse --git-common-dir)/bosun &&
		rc=0 && BOSUN_TEST_CLEAN_KILL=$n "$BOSUN" clean >/dev/null 2>&1 || rc=$? &&
		if [ $rc -eq 137 ]; then killed=$((killed + 1)); else test $rc -eq 0; fi &&
		for w in $W1 $W2 $W3; do
			if [ -d "$d/deploy/$w" ]; then test -f "$d/deploy/$w/status.json" || return 1; fi
		done &&
		if [ -e "$d/x.json.lock" ]; then test -f "$d/x.json.lock.owner.99999999.5" || return 1; fi &&
		timeout 20 "$BOSUN" clean >../out 2>&1 &&
		test ! -e "$d/deploy/$W1" && test -f "$d/deploy/$W2/watch.pid" && test -d "$d/deploy/$W3" &&
		test ! -e "$logs/bosun.log.3" && test ! -e "$d/x.json.lock" &&
		test ! -e "$d/x.json.lock.owner.99999999.5" && test $(ls backups | wc -l) -eq 2 &&
		test -z "$(find "$d" "$BOSUN_HOME" -name "*.bosun-clean.*")" &&
		test -z "$(git for-each-ref refs/bosun/attic/t/w1)" &&
		cache_kept >../want && cache_keys >../got && test_cmp ../want ../got || return 1
		n=$((n + 1))
	done &&
	echo "killed $killed of 19 cleans" && test $killed -ge 15
'

# bg NAME CMD...: CMD in the background, its pid in $TRASH/NAME.pid
bg() {
	_bg=$1
	shift
	"$@" &
	echo $! >"$TRASH/$_bg.pid"
}

# writer N: append N lines to bosun.log and make N young cache files
writer() {
	i=0
	while [ $i -lt "$1" ]; do
		echo "{\"n\":$i}" >>"$logs/bosun.log" && echo x >"$cache/w$i.db" || return 1
		i=$((i + 1))
	done
}

test_expect_success 'two cleans at once and a writer: both succeed, nothing young or live goes' '
	new_repo m && commit "feat: a" && rm -rf "$BOSUN_HOME" && populate &&
	: >"$logs/bosun.log" &&
	bg w writer 300 && bg c1 sh -c "\"\$BOSUN\" clean >../c1 2>&1" &&
	bg c2 sh -c "\"\$BOSUN\" clean >../c2 2>&1" &&
	wait $(cat ../w.pid) && wait $(cat ../c1.pid) && wait $(cat ../c2.pid) &&
	test_grep "^removed" ../c1 && test_grep "^removed" ../c2 &&
	test $(wc -l <"$logs/bosun.log") -ge 300 &&
	test $(ls "$cache" | grep -c "^w") -eq 300 &&
	d=$(git rev-parse --git-common-dir)/bosun && test ! -e "$d/deploy/$W1" &&
	test -f "$d/deploy/$W2/watch.pid" && test -f "$d/y.json.lock" &&
	cat ../c1 ../c2 | grep -c "^removed  *watcher" >../n && test_eq 1 "$(cat ../n)"
'

test_expect_success 'cleanup' '
	kill $(cat sleeper.pid)
'

test_done

#!/bin/sh
# bosun logs: bosun's own log and others read, filtered, followed and
# counted; the counts resumed from where the last pass ended; a rotated or
# truncated file read again from the start; secrets never printed whole.
. "$(dirname "$0")/lib.sh"

logdir="$BOSUN_HOME/state/bosun/logs"
# A token shape built from pieces, so that bosun's own scan finds none here.
TOKEN=$(printf "%s_%s" ghp abcdefghijklmnopqrstuvwxyz0123456789)

# gen N HOUR: N lines of bosun's log in hour HOUR of 2026-12-06: every
# tenth a warn, every hundredth an error, every fiftieth degraded.
gen() {
	awk -v n="$1" -v h="$2" 'BEGIN {
		split("release agents scan work", ev, " ");
		for (i = 1; i <= n; i++) {
			lv = "info";
			if (i % 10 == 0) lv = "warn";
			if (i % 50 == 0) lv = "degraded";
			if (i % 100 == 0) lv = "error";
			printf "{\"ts\":\"2026-12-06T%02d:%02d:%02d.000Z\",\"level\":\"%s\",\"event\":\"%s\",\"pid\":42,\"msg\":\"line %d of hour %d\"}\n",
				h, (i / 60) % 60, i % 60, lv, ev[i % 4 + 1], i, h
		}
	}'
}

# follow_start: bosun logs --follow in the background, polling every 20 ms;
# its pid in ../follow.pid.
follow_start() {
	BOSUN_LOGS_FOLLOW_INTERVAL=20ms "$BOSUN" logs --follow >../follow 2>../ferr &
	echo $! >../follow.pid
}

test_expect_success 'setup: a repository and a log of many lines' '
	new_repo r && mkdir -p "$logdir" &&
	gen 2000 10 >"$logdir/bosun.log" &&
	printf "{\"ts\":\"2026-12-06T11:00:00.000Z\",\"level\":\"error\",\"event\":\"release\",\"pid\":1,\"msg\":\"push failed: token %s \\\\\"quoted\\\\\"\"}\n" "$TOKEN" >>"$logdir/bosun.log" &&
	echo "not JSON at all" >>"$logdir/bosun.log" &&
	test $(wc -l <"$logdir/bosun.log") -eq 2002
'

test_expect_success 'logs prints every entry, oldest first, with secrets redacted' '
	cd r && bosun logs >../out &&
	test $(wc -l <../out) -eq 2002 &&
	test_grep "^2026-12-06T10:00:01.000Z info     agents: line 1 of hour 10$" ../out &&
	test_grep "push failed: token \[REDACTED\] \"quoted\"" ../out &&
	test_grep "^not JSON at all$" ../out &&
	test_no_grep "$TOKEN" ../out
'

test_expect_success 'the rotated files come first' '
	cd r && gen 3 9 >"$logdir/bosun.log.1" && bosun logs >../out &&
	test_grep "line 1 of hour 9" ../out &&
	test_eq "line 3 of hour 9" "$(sed -n 3p ../out | sed "s/.*: //")" &&
	rm "$logdir/bosun.log.1"
'

test_expect_success '--level keeps that level and above' '
	cd r && bosun logs --level error >../out &&
	test $(wc -l <../out) -eq 21 && test_no_grep " warn " ../out &&
	bosun logs --level degraded >../out &&
	test $(wc -l <../out) -eq 41 &&
	bosun logs --level WARN >../out && test $(wc -l <../out) -eq 201
'

test_expect_success '--command keeps one command, --since an age or a time' '
	cd r && bosun logs --command release >../out &&
	test $(wc -l <../out) -eq 501 && test_no_grep " agents: " ../out &&
	bosun logs --since 2026-12-06T10:33:00Z >../out &&
	test_no_grep "T10:32" ../out && test_grep "T10:33:00" ../out &&
	bosun logs --since 1h >../out && test ! -s ../out &&
	bosun logs --since 100w --level error --command release >../out &&
	test $(wc -l <../out) -eq 21
'

test_expect_success '--json prints one object a line' '
	cd r && bosun --json logs --level error >../out &&
	test $(wc -l <../out) -eq 21 &&
	test_grep "^{\"time\": *\"2026-12-06T10:01:40.000Z\", *\"level\": *\"error\", *\"component\": *\"release\"" ../out &&
	test_grep "\"parsed\": *true" ../out && test_no_grep "$TOKEN" ../out &&
	python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" ../out
'

test_expect_success 'bad input: --since, --level, a missing file; nothing is written' '
	cd r && test_expect_code 64 bosun logs --since yesterday 2>../err &&
	test_grep "not a duration" ../err &&
	test_expect_code 64 bosun logs --since 5x 2>../err &&
	test_expect_code 64 bosun logs --level loud 2>../err &&
	test_grep "unknown level .loud." ../err &&
	test_expect_code 3 bosun logs nosuch.log 2>../err &&
	test_grep "nosuch.log" ../err &&
	test_expect_code 3 bosun logs stats nosuch.log &&
	test_expect_code 64 bosun logs stats --follow
'

test_expect_success 'stats counts per level and command, degradations per hour, the last errors' '
	cd r && bosun --json logs stats >../out &&
	python3 - ../out <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["lines"] == 2002 and d["unparsed"] == 1, d
	assert d["levels"] == {"debug": 0, "info": 1800, "warn": 160, "degraded": 20, "error": 21}, d["levels"]
	assert d["commands"]["release"] == 501 and d["commands"]["agents"] == 500, d["commands"]
	assert d["degraded_per_hour"] == [{"hour": "2026-12-06T10:00Z", "count": 20}], d
	errs = d["last_errors"]
	assert len(errs) == 5 and errs[-1]["component"] == "release", errs
	assert "[REDACTED]" in errs[-1]["message"] and "ghp_" not in errs[-1]["message"]
	assert errs[0]["message"] == "line 1700 of hour 10", errs
	f = d["files"][0]
	assert f["from"] == 0 and f["to"] > 0 and not f["restarted"], f
	EOF
'

test_expect_success 'stats text output' '
	cd r && bosun logs stats --full >../out &&
	test_grep "^lines: 2002 (1 unparsed)" ../out &&
	test_grep "^levels: debug 0 info 1800 warn 160 degraded 20 error 21" ../out &&
	test_grep "^  2026-12-06T10:00Z  20" ../out && test_no_grep "$TOKEN" ../out
'

test_expect_success 'a second stats reads only the new lines and adds them' '
	cd r && size=$(wc -c <"$logdir/bosun.log") &&
	gen 100 12 >>"$logdir/bosun.log" &&
	bosun --json logs stats >../out &&
	python3 - ../out "$size" <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	f = d["files"][0]
	assert f["from"] == int(sys.argv[2]) and not f["restarted"], f
	assert d["lines"] == 2102 and d["levels"]["error"] == 22, d
	assert {"hour": "2026-12-06T12:00Z", "count": 1} in d["degraded_per_hour"], d
	assert d["last_errors"][-1]["message"] == "line 100 of hour 12", d
	EOF
'

test_expect_success 'a half-written last line waits for its newline' '
	cd r && printf "{\"ts\":\"2026-12-06T13:00:00Z\",\"level\":\"error\",\"event\":\"x\",\"msg\":\"half" >>"$logdir/bosun.log" &&
	bosun --json logs stats >../out && test_grep "\"error\": 22" ../out &&
	printf " done\"}\n" >>"$logdir/bosun.log" &&
	bosun --json logs stats >../out && test_grep "\"error\": 23" ../out &&
	test_grep "\"message\": \"half done\"" ../out
'

test_expect_success 'a truncated log is read again from the start, and says so' '
	cd r && gen 10 14 >"$logdir/bosun.log.new" && cat "$logdir/bosun.log.new" >"$logdir/bosun.log" &&
	bosun --json logs stats >../out 2>../err &&
	test_grep "bosun.log. was rotated or truncated" ../err &&
	test_grep "\"restarted\": true" ../out && test_grep "\"lines\": 10," ../out
'

test_expect_success 'a rotated log (a new inode) is read again from the start' '
	cd r && mv "$logdir/bosun.log.new" "$logdir/bosun.log" && gen 20 15 >>"$logdir/bosun.log" &&
	bosun --json logs stats >../out 2>../err &&
	test_grep "rotated or truncated" ../err &&
	test_grep "\"lines\": 30," ../out &&
	bosun --json logs stats >../out 2>../err && test ! -s ../err &&
	test_grep "\"lines\": 30," ../out && test_grep "\"from\": \([1-9][0-9]*\)" ../out
'

test_expect_success 'plain-text logs: levels, components, continuation lines' '
	cd r && cat >../app.log <<-EOF &&
	[2026-12-06T09:00:00Z] [INFO] [web] started on :8080
	[2026-12-06T09:00:05.250+01:00] [ERROR] [db] connection lost password=hunter2
	Traceback (most recent call last):
	  File "x.py", line 1
	[2026-12-06T09:01:00Z] [WARNING] no component here
	garbage [not a line]
	EOF
	bosun logs ../app.log >../out &&
	test_grep "^2026-12-06T09:00:00.000Z info     web: started on :8080" ../out &&
	test_grep "^2026-12-06T08:00:05.250Z error    db: connection lost password=\[REDACTED\]" ../out &&
	test_no_grep hunter2 ../out &&
	test_grep "^warn     no component here\|warn     no component here" ../out &&
	bosun logs --level error ../app.log >../out &&
	test $(wc -l <../out) -eq 3 && test_grep "^  File" ../out &&
	bosun --json logs stats ../app.log >../out &&
	test_grep "\"lines\": 3," ../out && test_grep "\"db\": 1" ../out
'

test_expect_success 'JSON logs of other tools through logs.sources field maps' '
	cd r && cat >../tool.log <<-\EOF &&
	{"when":"2026-12-06T08:00:00Z","sev":"warning","what":"disk almost full","mod":"fs"}
	{"when":1765008000,"sev":"error","what":{"code":5},"mod":"net"}
	{"time":"2026-12-06T08:00:00Z","level":50,"msg":"pino style","name":"api"}
	EOF
	cat >bosun.yml <<-EOF &&
	logs:
	  sources:
	    - path: $TRASH/tool.log
	      format: json
	      fields: {time: when, level: sev, message: what, component: mod}
	EOF
	bosun logs "$TRASH/tool.log" >../out &&
	test_grep "^2026-12-06T08:00:00.000Z warn     fs: disk almost full" ../out &&
	test_grep "error    net: {\"code\":5}" ../out &&
	rm bosun.yml && bosun logs "$TRASH/tool.log" >../out &&
	test_grep "error    api: pino style" ../out
'

test_expect_success 'a bad logs.sources is a configuration error' '
	cd r && printf "logs:\n  sources:\n    - path: x\n      format: xml\n" >bosun.yml &&
	test_expect_code 65 bosun logs 2>../err && test_grep "format must be json or text" ../err &&
	rm bosun.yml
'

test_expect_success '--follow prints new lines as they come and ends on SIGINT' '
	cd r && gen 5 16 >"$logdir/bosun.log" &&
	follow_start && pid=$(cat ../follow.pid) &&
	wait_for 10 grep -q "line 5 of hour 16" ../follow &&
	gen 7 17 | tail -n 2 >>"$logdir/bosun.log" &&
	wait_for 10 grep -q "line 7 of hour 17" ../follow &&
	mv "$logdir/bosun.log" "$logdir/bosun.log.1" && gen 1 18 >"$logdir/bosun.log" &&
	wait_for 10 grep -q "line 1 of hour 18" ../follow &&
	test_grep "rotated" ../ferr &&
	kill -INT $pid && wait $pid
'

# follow_bg VAR=VALUE... BOSUN ARGS...: run it (env) in the background, its
# output in ../follow and ../ferr, its pid in ../follow.pid
follow_bg() {
	env "$@" >../follow 2>../ferr &
	echo $! >../follow.pid
}

# inotify_fd PID: the process holds an inotify instance
inotify_fd() {
	ls -l "/proc/$1/fd" | grep -q "anon_inode:inotify"
}

# notices N: the follower said N times that its file moved
notices() {
	test "$(grep -c "was rotated, moved or truncated" ../ferr)" -eq "$1"
}

# follow_through LOG: with a follower of LOG running (../follow.pid), new
# lines, a truncation, a rotation (the old file's last line, written just
# before the move, read before the new file) and a removal are each
# followed; every wait is bounded.
follow_through() {
	wait_for 8 grep -q "line 3 of hour 20" ../follow &&
	gen 4 20 | tail -n 1 >>"$1" &&
	wait_for 8 grep -q "line 4 of hour 20" ../follow &&
	: >"$1" && wait_for 8 grep -q "truncated" ../ferr &&
	gen 2 21 >>"$1" &&
	wait_for 8 grep -q "line 2 of hour 21" ../follow &&
	gen 3 21 | tail -n 1 >>"$1" && mv "$1" "$1.1" && gen 1 22 >"$1" &&
	wait_for 8 grep -q "line 1 of hour 22" ../follow &&
	wait_for 8 grep -q "line 3 of hour 21" ../follow &&
	test_eq 2 "$(grep -c "was rotated, moved or truncated" ../ferr)" &&
	rm "$1" && wait_for 8 notices 3 &&
	gen 2 23 >"$1" &&
	wait_for 8 grep -q "line 2 of hour 23" ../follow &&
	test_eq 1 "$(grep -c "line 4 of hour 20" ../follow)" &&
	test_eq 1 "$(grep -c "line 1 of hour 22" ../follow)"
}

test_expect_success '--follow waits on inotify: a 10 s interval, yet lines, truncation, rotation, removal come at once' '
	cd r && gen 3 20 >other.log &&
	follow_bg BOSUN_LOGS_FOLLOW_INTERVAL=10s "$BOSUN" logs --follow other.log &&
	pid=$(cat ../follow.pid) &&
	wait_for 8 grep -q "line 3 of hour 20" ../follow && inotify_fd $pid &&
	follow_through other.log &&
	kill -INT $pid && wait $pid
'

test_expect_success '--follow without inotify polls (a DEGRADED event says so), the same' '
	cd r && rm -f other.log other.log.1 && gen 3 20 >other.log &&
	follow_bg BOSUN_TEST_NO_INOTIFY=1 BOSUN_LOGS_FOLLOW_INTERVAL=20ms "$BOSUN" logs --follow other.log &&
	pid=$(cat ../follow.pid) &&
	wait_for 8 grep -q "line 3 of hour 20" ../follow && ! inotify_fd $pid &&
	follow_through other.log &&
	kill -TERM $pid && wait $pid &&
	test_grep "\"level\":\"degraded\",\"event\":\"logs\".*--follow polls every 20 ms: inotify is off" "$logdir/bosun.log"
'

test_expect_success '--follow of bosun.log not there yet waits for it, by its folder' '
	cd r && rm -f "$logdir"/bosun.log* &&
	follow_bg BOSUN_LOGS_FOLLOW_INTERVAL=10s "$BOSUN" logs --follow &&
	pid=$(cat ../follow.pid) && wait_for 8 inotify_fd $pid &&
	gen 1 9 >"$logdir/bosun.log" && wait_for 8 grep -q "line 1 of hour 9" ../follow &&
	kill -INT $pid && wait $pid
'

test_expect_success 'BOSUN_LOG lines written by bosun itself are read back' '
	cd r && rm -f "$logdir"/bosun.log* &&
	commit "feat: a" && bosun scan secrets >/dev/null &&
	bosun logs >../out && test_grep " info     scan: scanned" ../out
'

test_done

#!/bin/sh
# bosun monitor: one cycle's JSON, rules from bosun.yml and their errors,
# alerts to a command and to a webhook server on 127.0.0.1, hysteresis,
# flapping, recovery, reminders, the detached monitor (one per user) and
# kill -9. Metrics are forced with the test hook BOSUN_MONITOR_FAKE.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed for the test server"
SERVER="$BOSUN_TOP/tests/cli/deploy-server.py"
LOG="$BOSUN_HOME/state/bosun/logs/bosun.log"
MON="$BOSUN_HOME/state/bosun/monitor"

start_server() {
	rm -f "$TRASH/$1.port" "$TRASH/$1.req" && : >"$TRASH/$1.req" &&
	python3 "$SERVER" "$TRASH/$1.json" "$TRASH/$1.port" "$TRASH/$1.req" &
	echo $! >>"$TRASH/servers"
	_n=0
	while [ ! -s "$TRASH/$1.port" ] && [ $_n -lt 400 ]; do sleep 0.05; _n=$((_n + 1)); done
	PORT=$(cat "$TRASH/$1.port")
}
stop_all() {
	[ -f "$TRASH/servers" ] && kill $(cat "$TRASH/servers") 2>/dev/null
	[ -s "$MON/monitor.pid" ] && kill -9 "$(cut -d' ' -f1 "$MON/monitor.pid")" 2>/dev/null
	rm -f "$TRASH/servers"
	return 0
}
trap 'stop_all; cd /; rm -rf "$TRASH"' EXIT

# json FILE EXPR: print the Python expression EXPR of the JSON document
# in FILE (as d).
json() {
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# rules YAML-LINES: a bosun.yml whose monitor.rules are the lines given,
# alerting to a command that appends each alert's JSON to ../alerts.
rules() {
	{
		echo 'monitor:'
		echo '  rules:'
		printf '%s\n' "$@" | sed 's/^/    - /'
		echo '  alerts:'
		echo '    commands:'
		echo "      - [sh, -c, 'cat >>\"\$0\"', $TRASH/alerts.jsonl]"
	} >bosun.yml && rm -f "$TRASH/alerts.jsonl"
}

# kinds: the kinds of the alerts the command got, one a line, with cycles.
kinds() {
	python3 -c 'import json, sys
for l in open(sys.argv[1]):
    a = json.loads(l); print(a["rule"], a["kind"], a["cycle"])' "$TRASH/alerts.jsonl"
}

now() { date -u +%Y-%m-%dT%H:%M:%S.000Z; }

test_expect_success '--once --json: metrics, rules, alerts' '
	new_repo r && commit "feat: one" &&
	bosun monitor --once --json >out &&
	test "$(json out "d[\"version\"]")" = 1 &&
	test "$(json out "d[\"cycle\"]")" = 0 &&
	json out "d[\"time\"]" | grep -q "^20..-..-..T..:..:..Z$" &&
	for k in disk disk_free_mb memory memory_available_mb load load_per_cpu log_lines \
		log_errors log_degraded error_rate degraded_per_hour watchers watchers_dead \
		work_items work_spawned; do
		test "$(json out "type(d[\"metrics\"][\"$k\"]) in (int, float)")" = True || return 1
	done &&
	test "$(json out "[r[\"name\"] for r in d[\"rules\"]]")" = \
		"[$(printf "%s" "'\''error-rate'\'', '\''degradation'\'', '\''disk'\'', '\''memory'\'', '\''checks'\''")]" &&
	test "$(json out "sorted(d[\"rules\"][2])")" = \
		"[$(printf "%s" "'\''flapping'\'', '\''metric'\'', '\''name'\'', '\''op'\'', '\''since_cycle'\'', '\''state'\'', '\''threshold'\'', '\''value'\''")]" &&
	test "$(json out "d[\"rules\"][4][\"value\"]")" = 0 &&
	test "$(json out "d[\"alerts\"]")" = "[]" &&
	test "$(json out "d[\"notes\"]")" = "{}"
'

test_expect_success '--once without --json: a line per metric and rule, exit 0' '
	cd r &&
	bosun monitor --once >out &&
	test_grep "^disk  *[0-9]" out && test_grep "^rule disk  *ok" out &&
	test_grep "^rule checks  *ok" out && test_grep "^checks_failing  *0$" out
'

test_expect_success "doctor's quick checks: checks_failing and checks_warning" '
	cd r &&
	bosun monitor --once --json >out &&
	test "$(json out "d[\"metrics\"][\"checks_failing\"]")" = 0 &&
	w=$(json out "d[\"metrics\"][\"checks_warning\"]") &&
	test "$(json out "d[\"rules\"][4][\"state\"]")" = ok &&
	git config core.hooksPath elsewhere &&
	bosun monitor --once --json >out &&
	git config --unset core.hooksPath &&
	test_eq $((w + 1)) "$(json out "d[\"metrics\"][\"checks_warning\"]")"
'

test_expect_success 'a breach: exit 1, the alert line in bosun.log, not a second time counted' '
	cd r &&
	{ BOSUN_MONITOR_FAKE=disk=95 bosun monitor --once >out; test $? -eq 1; } &&
	test_grep "^\[20..-..-..T..:..:..Z\] ERROR: rule .disk. fired: disk is 95 (rule: >= 90)$" out &&
	test_grep "\"event\":\"monitor.alert\",.*ERROR: rule .disk. fired" "$LOG" &&
	bosun monitor --once --json >out &&
	test "$(json out "d[\"metrics\"][\"log_errors\"]")" = 0
'

test_expect_success 'the error rate and DEGRADED events of the last hour of bosun.log' '
	cd r &&
	t=$(now) && old=2020-01-01T00:00:00.000Z && mkdir -p "${LOG%/*}" &&
	for i in 1 2 3 4 5 6 7 8 9; do
		echo "{\"ts\":\"$t\",\"level\":\"info\",\"event\":\"x\",\"pid\":1,\"msg\":\"m\"}" >>"$LOG" || return 1
	done &&
	echo "{\"ts\":\"$t\",\"level\":\"error\",\"event\":\"x\",\"pid\":1,\"msg\":\"m\"}" >>"$LOG" &&
	echo "{\"ts\":\"$t\",\"level\":\"degraded\",\"event\":\"x\",\"pid\":1,\"msg\":\"m\"}" >>"$LOG" &&
	echo "{\"ts\":\"$old\",\"level\":\"error\",\"event\":\"x\",\"pid\":1,\"msg\":\"old\"}" >>"$LOG" &&
	echo "not json" >>"$LOG" &&
	{ bosun monitor --once --json >out; test $? -eq 1; } &&
	test "$(json out "d[\"metrics\"][\"log_errors\"]")" = 1 &&
	test "$(json out "d[\"metrics\"][\"log_degraded\"]")" = 1 &&
	test "$(json out "d[\"metrics\"][\"log_lines\"]")" = 11 &&
	test "$(json out "round(d[\"metrics\"][\"error_rate\"], 2)")" = 9.09 &&
	test "$(json out "d[\"metrics\"][\"degraded_per_hour\"]")" = 1 &&
	test "$(json out "[a[\"rule\"] for a in d[\"alerts\"]]")" = "['\''error-rate'\'']"
'

test_expect_success 'rules: an unknown key is FILE:LINE:COL, exit 65, nothing written' '
	new_repo bad && rm -rf "$MON" &&
	printf "monitor:\n  rules:\n    - {name: d, metric: disk, treshold: 90}\n" >bosun.yml &&
	test_expect_code 65 bosun monitor --once 2>err &&
	test_grep "^bosun: bosun.yml:3:5: .monitor.rules. has an unknown key .treshold. at \[0\]" err &&
	test_expect_code 65 bosun monitor --detach 2>err &&
	test ! -e "$MON"
'

test_expect_success 'rules: bad values are refused with their field path' '
	cd bad &&
	for bad in "{metric: disk, threshold: x}@must be a number at \[0\].threshold" \
		"{metric: disk, threshold: 1, op: =>}@must be one of" \
		"{metric: disk, threshold: 1, for: 0}@from 1 to 64 at \[0\].for" \
		"{metric: disk, threshold: 1, for: 2, within: {times: 1, cycles: 2}}@for or within, not both" \
		"{metric: disk, threshold: 1, within: {times: 3, cycles: 2}}@from 1 to 2 at \[0\].times" \
		"{metric: disk, threshold: 1, level: loud}@info, warn or error" \
		"{metric: disk, threshold: 1, reminder: soon}@must be a duration" \
		"{threshold: 1}@must name a metric"; do
		printf "monitor:\n  rules:\n    - %s\n" "${bad%@*}" >bosun.yml &&
		test_expect_code 65 bosun monitor --once 2>err &&
		test_grep "bosun.yml:3:5: .monitor.rules. .*${bad#*@}" err || return 1
	done &&
	printf "monitor:\n  rules:\n    - {metric: disk, threshold: 1}\n    - {metric: disk, threshold: 2}\n" >bosun.yml &&
	test_expect_code 65 bosun monitor --once 2>err && test_grep "two rules named .disk." err &&
	printf "monitor:\n  alerts: {webhooks: [ftp://x]}\n" >bosun.yml &&
	test_expect_code 65 bosun monitor --once 2>err && test_grep "http:// or https:// URL at webhooks\[0\]" err &&
	printf "monitor:\n  alerts: {command: [x]}\n" >bosun.yml &&
	test_expect_code 65 bosun monitor --once 2>err && test_grep "unknown key .command." err &&
	rm bosun.yml &&
	test_expect_code 64 bosun monitor --once --detach 2>err &&
	test_expect_code 64 bosun monitor --interval soon --cycles 1 2>err &&
	test_grep "not a duration" err &&
	test_expect_code 64 bosun monitor --once --interval 1s 2>err
'

test_expect_success 'a breach reaches a command and a webhook within 2 cycles (200 ms)' '
	new_repo alerts && commit "feat: one" && rm -f "$LOG" &&
	echo "{\"/hook\": [{\"status\": 200, \"body\": \"ok\"}]}" >"$TRASH/hook.json" &&
	start_server hook &&
	cat >bosun.yml <<-YML &&
	monitor:
	  alerts:
	    commands:
	      - [sh, -c, "cat >>\"\$0\"; echo \"\$BOSUN_ALERT_KIND \$BOSUN_ALERT_RULE\" >>\"\$0.env\"", $TRASH/alerts.jsonl]
	    webhooks: ["http://127.0.0.1:$PORT/hook"]
	YML
	rm -f "$TRASH/alerts.jsonl" &&
	BOSUN_MONITOR_FAKE="disk=10/10/95,memory=10/10/95" \
		bosun monitor --interval 200ms --cycles 4 >out &&
	kinds >k && printf "disk fire 2\nmemory fire 3\n" >want && test_cmp want k &&
	printf "fire disk\nfire memory\n" >want && test_cmp want "$TRASH/alerts.jsonl.env" &&
	test "$(wc -l <"$TRASH/hook.req")" -eq 2 &&
	python3 -c "import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert [x[\"method\"] for x in r] == [\"POST\", \"POST\"]
assert r[0][\"headers\"][\"Content-Type\"] == \"application/json\"
a = json.loads(r[0][\"body\"])
assert a[\"rule\"] == \"disk\" and a[\"kind\"] == \"fire\" and a[\"level\"] == \"error\" and a[\"value\"] == 95
assert a[\"line\"].endswith(\"ERROR: rule \x27disk\x27 fired: disk is 95 (rule: >= 90)\")" "$TRASH/hook.req" &&
	test_grep "WARN: rule .memory. fired: memory is 95 (rule: >= 80) for 2 cycles" out
'

test_expect_success 'a failing command or webhook is reported, and the other targets still get it' '
	cd alerts &&
	cat >bosun.yml <<-YML &&
	monitor:
	  rules: [{metric: disk, threshold: 90}]
	  alerts:
	    commands: [[sh, -c, "exit 3"], [sh, -c, "cat >>\"\$0\"", $TRASH/alerts.jsonl]]
	    webhooks: ["http://user:hunter2secret@127.0.0.1:1/x"]
	    timeout: 2s
	YML
	rm -f "$TRASH/alerts.jsonl" &&
	{ BOSUN_MONITOR_FAKE=disk=95 bosun monitor --once --json >out; test $? -eq 1; } &&
	test "$(json out "d[\"alerts\"][0][\"delivered\"]")" = 1 &&
	test "$(json out "d[\"alerts\"][0][\"failed\"]")" = 2 &&
	json out "d[\"alerts\"][0][\"error\"]" | grep -q "exit 3" &&
	test -s "$TRASH/alerts.jsonl" &&
	{ BOSUN_MONITOR_FAKE=disk=95 bosun monitor --once >out 2>err; test $? -eq 1; } &&
	test_grep "2 of 3 deliveries of the alert failed" err &&
	test_no_grep hunter2secret out
'

test_expect_success 'secrets are redacted in the line, the log, the command and the webhook' '
	cd alerts && : >"$TRASH/hook.req" &&
	tok=ghp_$(printf "%s%s" abcdefghijklmnopqr stuvwxyz0123456789) &&
	cat >bosun.yml <<-YML &&
	monitor:
	  rules: [{name: "key $tok", metric: disk, threshold: 90}]
	  alerts:
	    commands: [[sh, -c, "cat >>\"\$0\"; echo \"\$BOSUN_ALERT_LINE\" >>\"\$0\"", $TRASH/alerts.jsonl]]
	    webhooks: ["http://127.0.0.1:$PORT/hook"]
	YML
	rm -f "$TRASH/alerts.jsonl" &&
	{ BOSUN_MONITOR_FAKE=disk=95 bosun monitor --once >out; test $? -eq 1; } &&
	test_grep "REDACTED" out &&
	for f in out "$LOG" "$TRASH/alerts.jsonl" "$TRASH/hook.req"; do
		test_no_grep ghp_abcdefghij "$f" || return 1
	done
'

test_expect_success 'hysteresis: for N cycles in a row, X times within Y cycles' '
	cd alerts &&
	rules "{name: three, metric: disk, threshold: 90, for: 3}" \
	      "{name: some, metric: memory, threshold: 90, within: {times: 2, cycles: 3}}" &&
	BOSUN_MONITOR_FAKE="disk=95/95/10/95/95/95/95/10/10/10,memory=95/10/10/10/95/10/95/10/10/10/10/10" \
		bosun monitor --interval 10ms --cycles 12 >out &&
	kinds >k &&
	printf "three fire 5\nsome fire 6\nsome recovery 7\nthree recovery 9\n" >want &&
	test_cmp want k
'

test_expect_success 'an explicit recovery message, at info level' '
	cd alerts &&
	rules "{name: disk, metric: disk, threshold: 90, level: error}" &&
	BOSUN_MONITOR_FAKE="disk=95/95/10" bosun monitor --interval 10ms --cycles 3 >out &&
	test_grep "\] ERROR: rule .disk. fired" out &&
	test_grep "\] INFO: rule .disk. recovered: disk is 10$" out &&
	test_grep "INFO: rule .disk. recovered" "$LOG" &&
	kinds >k && printf "disk fire 0\ndisk recovery 2\n" >want && test_cmp want k
'

test_expect_success 'flapping is reported once, not as a storm, then its end' '
	cd alerts &&
	rules "{name: disk, metric: disk, threshold: 90}" &&
	BOSUN_MONITOR_FAKE="disk=95/10/95/10/95/10/95/10/95/10/95/10/95/10/10" \
		bosun monitor --interval 10ms --cycles 30 >out &&
	kinds >k &&
	printf "disk fire 0\ndisk recovery 1\ndisk fire 2\ndisk flapping 3\ndisk settled 22\n" >want &&
	test_cmp want k &&
	test "$(grep -c "is flapping" out)" = 1 &&
	test_grep "stopped flapping and is recovered" out
'

test_expect_success 'a reminder while a rule still fires' '
	cd alerts &&
	rules "{name: disk, metric: disk, threshold: 90, reminder: 300ms}" &&
	BOSUN_MONITOR_FAKE="disk=95" bosun monitor --interval 100ms --cycles 8 >out &&
	test_grep "rule .disk. still firing (since cycle 0)" out &&
	kinds >k && test "$(grep -c "disk fire" k)" = 1
'

test_expect_success 'the test hook: a file read again every cycle, and its errors' '
	cd alerts &&
	rules "{name: disk, metric: disk, threshold: 90}" &&
	echo "disk=95" >"$TRASH/fake" &&
	{ BOSUN_MONITOR_FAKE=@$TRASH/fake bosun monitor --once >out; test $? -eq 1; } &&
	BOSUN_MONITOR_FAKE=@$TRASH/nothing bosun monitor --once >out &&
	BOSUN_MONITOR_FAKE="disk=lots" bosun monitor --once --json >out &&
	json out "d[\"notes\"][\"fake\"]" | grep -q "disk=lots. is not NAME=NUMBER"
'

test_expect_success '--detach, --status, --stop; a second monitor is refused (75)' '
	new_repo d && commit "feat: one" &&
	rules "{name: disk, metric: disk, threshold: 90}" &&
	echo "disk=10" >"$TRASH/fake" &&
	test_expect_code 3 bosun monitor --status >out &&
	test_grep "no monitor is running" out &&
	BOSUN_MONITOR_FAKE=@$TRASH/fake bosun monitor --detach --interval 200ms >pid &&
	pid=$(cat pid) && kill -0 "$pid" &&
	wait_for 10 eval "bosun monitor --status | grep -q \"monitor running (pid $pid), every 200 ms\"" &&
	bosun monitor --status --json >out &&
	test "$(json out "d[\"running\"], d[\"pid\"]")" = "(True, $pid)" &&
	test "$(json out "d[\"last\"][\"version\"]")" = 1 &&
	test_expect_code 75 bosun monitor --interval 1s 2>err &&
	test_grep "a monitor is already running for this user (pid $pid)" err &&
	test_expect_code 75 bosun monitor --detach 2>err &&
	echo "disk=97" >"$TRASH/fake" &&
	wait_for 10 test -s "$TRASH/alerts.jsonl" &&
	wait_for 10 grep -q "WARN: rule .disk. fired: disk is 97" "$MON/monitor.log" &&
	wait_for 10 eval "bosun monitor --status | grep -q \"^firing: disk\\$\"" &&
	bosun monitor --stop >out && test_grep "stopped the monitor (pid $pid)" out &&
	gone "$pid" &&
	test ! -e "$MON/monitor.pid" &&
	test_expect_code 3 bosun monitor --stop 2>err &&
	test_grep "no monitor is running" err &&
	test_expect_code 3 bosun monitor --status >out
'

test_expect_success 'kill -9 of the monitor at any moment: the next one takes over' '
	cd d && { bosun monitor --stop >/dev/null 2>&1 || test $? -eq 3; } &&
	echo "disk=10" >"$TRASH/fake" && i=0 &&
	while [ $i -lt 8 ]; do
		BOSUN_MONITOR_FAKE=@$TRASH/fake bosun monitor --detach --interval 5ms >pid &&
		pid=$(cat pid) && echo "started $pid" &&
		sleep "0.0$i" &&
		kill -9 "$pid" && wait_for 10 gone "$pid" &&
		test_expect_code 3 bosun monitor --status >out &&
		{ test ! -e "$MON/status.json" || python3 -c "import json, sys; json.load(open(sys.argv[1]))" "$MON/status.json"; } &&
		i=$((i + 1)) || return 1
	done &&
	BOSUN_MONITOR_FAKE=@$TRASH/fake bosun monitor --detach --interval 200ms >pid2 &&
	test "$(cat pid2)" != "$pid" &&
	bosun monitor --status >out && test_grep "pid $(cat pid2)" out &&
	bosun monitor --stop >out &&
	find "$MON" -name "*.lock*" >litter && test_cmp /dev/null litter
'

test_done

#!/bin/sh
# bosun deploy: watchers against real HTTP servers on 127.0.0.1 (a scripted
# python3 http.server, tests/cli/deploy-server.py), status files, exit codes,
# one watcher per commit, stale watchers, credentials kept out of files.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed for the test server"
SERVER="$BOSUN_TOP/tests/cli/deploy-server.py"
export DO_TOKEN=dop_v1_s3cr3tvalue0123456789 HOOK_TOKEN=hook-Zq9"secret"-777

# start_server NAME: serve $TRASH/NAME.json; sets PORT and $TRASH/NAME.req.
start_server() {
	rm -f "$TRASH/$1.port" "$TRASH/$1.req" && : >"$TRASH/$1.req" &&
	python3 "$SERVER" "$TRASH/$1.json" "$TRASH/$1.port" "$TRASH/$1.req" ${2:-} &
	echo $! >>"$TRASH/servers"
	_n=0
	while [ ! -s "$TRASH/$1.port" ] && [ $_n -lt 100 ]; do sleep 0.05; _n=$((_n + 1)); done
	PORT=$(cat "$TRASH/$1.port")
}
stop_servers() {
	[ -f "$TRASH/servers" ] && kill $(cat "$TRASH/servers") 2>/dev/null
	rm -f "$TRASH/servers"
	return 0
}
trap 'stop_servers; cd /; rm -rf "$TRASH"' EXIT

# do_answers PHASE...: the DigitalOcean answers, in turn, for commit $C.
do_answers() {
	printf '{"/do": ['
	_sep=
	for _p in "$@"; do
		printf '%s{"json": {"deployments": [{"phase": "%s", "services": [{"source_commit_hash": "%s"}]}]}}' "$_sep" "$_p" "$C"
		_sep=,
	done
	printf '], "/health": [{"json": {"commit": "%s"}}]}\n' "$C"
}

# config [EXTRA-YAML]: a bosun.yml with a provider probe and a verify probe.
config() {
	cat >bosun.yml <<-YML
	deploy:
	  time_scale: 100
	  probes:
	    - name: do
	      provider: digitalocean
	      url: http://127.0.0.1:$PORT/do
	      headers: { Authorization: "Bearer \${DO_TOKEN}" }
	    - name: health
	      url: http://127.0.0.1:$PORT/health
	      pointer: /commit
	  verify: [health]
	YML
	[ -z "${1:-}" ] || printf '%s\n' "$1" | sed 's/^/  /' >>bosun.yml
}

setup() {
	new_repo "$1" && commit "feat: one" && C=$(git rev-parse HEAD) && D=.git/bosun/deploy/$C
}

# status_is WORD: `deploy status` of HEAD starts with WORD (for wait_for).
status_is() {
	bosun deploy status >"$TRASH/status.now" 2>&1
	grep -q "^$1" "$TRASH/status.now"
}

rows() {
	python3 -c "
import sqlite3,sys; db=sqlite3.connect('.git/bosun/state.db')
print('\n'.join('%s %s %s' % r for r in db.execute('select commit_id, verdict, attempts from deploys order by id')))"
}

test_expect_success 'nothing known: status exits 3' '
	setup none && test_expect_code 3 bosun deploy status 2>../err &&
	test_grep "nothing known" ../err &&
	test_expect_code 3 bosun --json deploy status >../out &&
	test_grep "\"exit\": 3" ../out
'

test_expect_success 'bad probes: exit 65 with the field path, nothing written' '
	setup bad && printf "deploy:\n  probes:\n    - name: x\n      provider: digitalocean\n" >bosun.yml &&
	test_expect_code 65 bosun deploy watch 2>../err &&
	test_grep "bosun.yml:3:5" ../err && test_grep "must have a url at \[0\]" ../err &&
	printf "deploy:\n  probes:\n    - {name: x, url: http://h/, map: {A: done}}\n" >bosun.yml &&
	test_expect_code 65 bosun deploy watch 2>../err && test_grep "must map to queued" ../err &&
	printf "deploy:\n  probes:\n    - {name: x, url: http://h/, tpye: http}\n" >bosun.yml &&
	test_expect_code 65 bosun deploy watch 2>../err && test_grep "must not have .tpye." ../err &&
	printf "deploy:\n  probes:\n    - {name: x, provider: nope, url: http://h/}\n" >bosun.yml &&
	test_expect_code 65 bosun deploy watch 2>../err && test_grep "no provider .nope." ../err &&
	printf "deploy:\n  probes:\n    - {name: x, url: http://h/}\n  verify: [y]\n" >bosun.yml &&
	test_expect_code 65 bosun deploy watch 2>../err && test_grep "no probe .y." ../err &&
	printf "deploy:\n  time_scale: 0\n" >bosun.yml &&
	test_expect_code 65 bosun deploy watch 2>../err && test_grep "time_scale" ../err &&
	test ! -e .git/bosun/deploy
'

test_expect_success 'an unset ${VAR} is an error before anything is written' '
	setup env && PORT=1 && config && unset DO_TOKEN &&
	test_expect_code 65 bosun deploy watch 2>../err &&
	test_grep "DO_TOKEN" ../err && test ! -e .git/bosun/deploy &&
	export DO_TOKEN=dop_v1_s3cr3tvalue0123456789
'

test_expect_success 'usage errors exit 64' '
	cd env && test_expect_code 64 bosun deploy nope 2>../err &&
	test_expect_code 64 bosun deploy stop 2>../err && test_grep "usage:" ../err &&
	test_expect_code 64 bosun deploy watch --timeout soon 2>../err &&
	test_expect_code 64 bosun deploy watch --await origin 2>../err &&
	test_expect_code 64 bosun deploy clean --days -1 2>../err
'

test_expect_success 'success after several polls, then the verify probe' '
	setup ok && do_answers PENDING_BUILD BUILDING BUILDING DEPLOYING ACTIVE >../ok.json &&
	start_server ok && config &&
	bosun deploy watch >../out 2>../err && test_grep "^success $(echo $C | cut -c1-12)" ../out &&
	test_eq 5 "$(grep -c "/do" ../ok.req)" && test_eq 1 "$(grep -c "/health" ../ok.req)" &&
	test_grep "do: building (BUILDING)" $D/watch.log &&
	test_grep "verdict: success" $D/watch.log &&
	test_eq 1 "$(grep -c "verdict:" $D/watch.log)" &&
	test_expect_code 0 bosun deploy status >../out && test_grep "^success" ../out &&
	test_eq "$C success 5" "$(rows)"
'

test_expect_success 'each log line once, with a timestamp' '
	cd ok && test_eq 0 "$(sort $D/watch.log | uniq -d | wc -l)" &&
	test_eq 0 "$(grep -cvE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z " $D/watch.log)"
'

test_expect_success 'status --json: the documented fields' '
	cd ok && bosun --json deploy status >../out &&
	python3 -c "
import json; d=json.load(open(\"../out\"))
for k in (\"commit\",\"state\",\"verdict\",\"message\",\"probes\",\"attempts\",\"requests\",\"started\",\"updated\",\"deadline\",\"watcher\",\"pid\",\"exit\",\"log\"): assert k in d, k
assert d[\"verdict\"]==\"success\" and d[\"watcher\"]==\"done\" and d[\"exit\"]==0 and d[\"state\"]==\"success\", d
assert [p[\"name\"] for p in d[\"probes\"]]==[\"do\",\"health\"] and d[\"probes\"][1][\"verify\"]
"
'

test_expect_success 'an abbreviated id, a branch name and HEAD name the same watch' '
	cd ok && bosun --json deploy status $C >../full && test_grep "$C" ../full &&
	bosun --json deploy status $(echo $C | cut -c1-7) >../abbr && test_cmp ../full ../abbr &&
	bosun --json deploy status main >../branch && test_cmp ../full ../branch &&
	bosun --json deploy status HEAD >../head && test_cmp ../full ../head &&
	test_expect_code 3 bosun deploy status 0000000 2>/dev/null
'

test_expect_success 'credentials never reach the log, the status or the store' '
	cd ok && test_grep "Bearer dop_v1_s3cr3tvalue" ../ok.req &&
	test_expect_code 1 grep -rq "s3cr3tvalue" .git/bosun/ &&
	test_expect_code 1 grep -rq "s3cr3tvalue" "$BOSUN_HOME"
'

test_expect_success 'failure detected at once; on_failure and the webhook run' '
	setup fail && do_answers BUILDING ERROR >../fail.json && start_server fail &&
	config "on_failure: [sh, -c, \"echo fetching build log for \$BOSUN_DEPLOY_COMMIT\"]
notify: {webhook: \"http://127.0.0.1:$PORT/hook\", headers: {X-Token: \"\${HOOK_TOKEN}\"}}" &&
	test_expect_code 1 bosun deploy watch --timeout 1000s >../out 2>&1 &&
	test_grep "^failed" ../out && test_eq 2 "$(grep -c "\"/do\"" ../fail.req)" &&
	test_grep "on_failure: fetching build log for $C" $D/watch.log &&
	test_grep "notify: webhook answered HTTP 404" $D/watch.log &&
	python3 -c "
import json
hooks=[json.loads(l) for l in open(\"../fail.req\") if \"/hook\" in l]
assert len(hooks)==1 and hooks[0][\"method\"]==\"POST\", hooks
b=json.loads(hooks[0][\"body\"]); assert b[\"verdict\"]==\"failed\" and b[\"commit\"]==\"$C\", b
" &&
	test_expect_code 1 grep -rq "Zq9secret" .git/bosun/ &&
	test_expect_code 1 bosun deploy status >../out && test_grep "^failed" ../out &&
	test_grep "verdict: failed" ../out
'

test_expect_success 'timeout: never terminal, verdict timeout, exit 1' '
	setup slow && do_answers BUILDING >../slow.json && start_server slow && config &&
	test_expect_code 1 bosun deploy watch --timeout 50s >../out 2>&1 &&
	test_grep "^timeout" ../out && test_grep "no verdict after" $D/status.json &&
	test_expect_code 1 bosun deploy status >/dev/null
'

test_expect_success 'an unmapped state never counts as success' '
	setup odd && do_answers WEIRD_NEW_PHASE >../odd.json && start_server odd && config &&
	test_expect_code 1 bosun deploy watch --timeout 30s >../out 2>&1 &&
	test_grep "unmapped state .WEIRD_NEW_PHASE." $D/watch.log && test_grep "^timeout" ../out
'

test_expect_success 'the user extends a table in deploy.providers' '
	cd odd && config "providers: {digitalocean: {map: {WEIRD_NEW_PHASE: success}}}" &&
	bosun deploy watch >../out 2>&1 && test_grep "^success" ../out
'

test_expect_success 'malformed JSON: a clear message in log and status, no crash' '
	setup bad-json && printf "{\"/do\": [{\"body\": \"{not json\"}]}" >../bj.json &&
	start_server bj && config &&
	test_expect_code 1 bosun deploy watch --timeout 30s >../out 2>&1 &&
	test_grep "malformed JSON answer: 1:" $D/watch.log &&
	test_grep "malformed JSON answer" $D/status.json
'

test_expect_success '429 with Retry-After, then success' '
	setup busy && printf "{\"/do\": [{\"status\": 429, \"headers\": {\"Retry-After\": \"1\"}, \"body\": \"\"}, {\"status\": 503, \"body\": \"\"}, {\"json\": {\"deployments\": [{\"phase\": \"ACTIVE\", \"services\": [{\"source_commit_hash\": \"$C\"}]}]}}], \"/health\": [{\"json\": {\"commit\": \"$C\"}}]}" >../busy.json &&
	start_server busy && config && bosun deploy watch >../out 2>&1 &&
	test_grep "HTTP 429 (backing off)" $D/watch.log && test_grep "HTTP 503 (backing off)" $D/watch.log &&
	test_grep "^success" ../out && test_eq 3 "$(grep -c "\"/do\"" ../busy.req)"
'

test_expect_success 'server down, then up' '
	setup down && do_answers ACTIVE >../down.json &&
	port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])") &&
	PORT=$port && config && bosun deploy watch --detach >../pid &&
	wait_for 20 grep -q "do: unknown" $D/watch.log &&
	start_server down $port && bosun deploy status --wait >../out &&
	test_grep "^success" ../out
'

test_expect_success 'watch --detach prints the PID; logs and list' '
	setup bg && do_answers BUILDING BUILDING ACTIVE >../bg.json && start_server bg && config &&
	bosun deploy watch --detach >../pid && grep -qE "^[0-9]+$" ../pid &&
	bosun deploy status --wait >/dev/null && bosun deploy logs HEAD >../out &&
	test_grep "verdict: success" ../out && bosun deploy list >../out &&
	test_grep "^$(echo $C | cut -c1-12)  success   success  done" ../out &&
	bosun --json deploy list >../out && test_grep "\"watcher\": \"done\"" ../out
'

test_expect_success 'logs -f follows until the verdict' '
	setup follow && do_answers BUILDING BUILDING BUILDING BUILDING ACTIVE >../f.json && start_server f && config &&
	bosun deploy watch --detach >/dev/null && bosun deploy logs -f HEAD >../out &&
	test_grep "verdict: success" ../out
'

test_expect_success 'kill -9: the watch is stale, not in progress forever' '
	setup kill9 && do_answers BUILDING >../k.json && start_server k && config &&
	bosun deploy watch --detach >../pid && wait_for 20 status_is building &&
	test_expect_code 2 bosun deploy status >../out && test_grep "^building" ../out &&
	kill -9 $(cat ../pid) && wait_for 20 status_is stale &&
	test_expect_code 1 bosun deploy status >../out && test_grep "^stale" ../out &&
	bosun deploy list >../out && test_grep "stale" ../out &&
	bosun deploy clean >../out && test_grep "cleaned 1 stale" ../out && test ! -e $D/watch.pid &&
	test -e $D/status.json
'

test_expect_success 'a new watch replaces a dead watcher' '
	cd kill9 && do_answers ACTIVE >../k.json && bosun deploy watch >../out 2>&1 &&
	test_grep "^success" ../out
'

test_expect_success 'status --wait --timeout gives up with exit 2 while in progress' '
	setup waitto && do_answers BUILDING >../w.json && start_server w && config &&
	bosun deploy watch --detach >../pid &&
	test_expect_code 2 bosun deploy status --wait --timeout 1s >../out 2>../err &&
	test_grep "still in progress after 1s; gave up waiting" ../err &&
	test_grep "^building" ../out &&
	test_expect_code 64 bosun deploy status --timeout 1s 2>../err &&
	test_grep "timeout goes with --wait" ../err &&
	test_expect_code 64 bosun deploy status --wait --timeout soon 2>../err &&
	test_grep "is not a duration" ../err &&
	bosun deploy stop HEAD >/dev/null
'

test_expect_success 'stop: verdict canceled, exit 3 when nothing runs' '
	setup stop && do_answers BUILDING >../s.json && start_server s && config &&
	bosun deploy watch --detach >../pid && wait_for 20 status_is building &&
	bosun deploy stop HEAD >../out &&
	test_grep "^stopped the watcher of $(echo $C | cut -c1-12) (pid $(cat ../pid)): it exited [0-9]* ms after SIGTERM$" ../out &&
	gone $(cat ../pid) &&
	test_expect_code 1 bosun deploy status >../out && test_grep "^canceled" ../out &&
	test_expect_code 3 bosun deploy stop HEAD 2>../err && test_grep "no watcher" ../err
'

test_expect_success 'stop: a watcher deaf to SIGTERM is killed after 5 s, and stop says so' '
	setup deaf && mkdir -p $D && { (trap "" TERM; exec sleep 60) & } &&
	deaf=$! && wait_for 10 grep -qx sleep /proc/$deaf/comm &&
	echo "$deaf $(cut -d" " -f22 /proc/$deaf/stat)" >$D/watch.pid &&
	bosun --json deploy stop HEAD >../out &&
	test_grep "\"signal\": \"SIGKILL\"" ../out && test_grep "\"stopped\": true" ../out &&
	gone $deaf &&
	{ (trap "" TERM; exec sleep 60) & } && deaf=$! && wait_for 10 grep -qx sleep /proc/$deaf/comm &&
	echo "$deaf $(cut -d" " -f22 /proc/$deaf/stat)" >$D/watch.pid &&
	bosun deploy stop HEAD >../out &&
	test_grep "it did not exit within 5 s of SIGTERM, so it was killed (SIGKILL)" ../out
'

test_expect_success 'two watches of one commit at the same moment: exactly one watcher' '
	setup twin && do_answers BUILDING BUILDING ACTIVE >../t.json && start_server t && config &&
	{ bosun deploy watch --detach >../a 2>../ae & } && pa=$! &&
	{ bosun deploy watch --detach >../b 2>../be & } && pb=$! &&
	wait $pa && wait $pb &&
	test_eq 1 "$(cat ../a ../b | grep -cE "^[0-9]+$")" &&
	test_eq 1 "$(cat ../ae ../be | grep -c "already being watched")"
'

test_expect_success 'a second watch while one runs says so and exits 0' '
	cd twin && bosun deploy watch 2>../err && test_grep "already being watched" ../err &&
	bosun deploy status --wait >/dev/null && test_eq 1 "$(grep -c "^.* watching " $D/watch.log)"
'

test_expect_success '20 commits watched at once' '
	setup many &&
	echo "{\"/do\": [{\"json\": {\"deployments\": [{\"phase\": \"BUILDING\"}]}}, {\"json\": {\"deployments\": [{\"phase\": \"ACTIVE\"}]}}]}" >../m.json &&
	start_server m && config && sed -i "/verify:/d" bosun.yml &&
	for i in $(seq 1 20); do git commit -q --allow-empty -m "c$i" && git rev-parse HEAD; done >../ids &&
	for id in $(cat ../ids); do bosun deploy watch --detach $id >/dev/null || return 1; done &&
	for id in $(cat ../ids); do bosun deploy status --wait $id >/dev/null || return 1; done &&
	test_eq 20 "$(bosun deploy list | grep -c " success  done ")" &&
	test_eq 20 "$(rows | wc -l)"
'

test_expect_success 'command probes: output mapped, or the exit code' '
	setup cmd && cat >bosun.yml <<-YML &&
	deploy:
	  time_scale: 100
	  probes:
	    - name: cli
	      run: [sh, -c, "echo \"{\\\\\"phase\\\\\": \\\\\"ACTIVE\\\\\"}\""]
	      provider: digitalocean
	      state: /phase
	    - name: db
	      run: "test -n \"\$BOSUN_DEPLOY_COMMIT\" && echo done"
	      map: { done: success }
	  verify: [db]
	YML
	bosun deploy watch >../out 2>&1 && test_grep "^success" ../out &&
	test_grep "cli: success (ACTIVE)" $D/watch.log && test_grep "db: success (done)" $D/watch.log &&
	cat >bosun.yml <<-YML &&
	deploy:
	  time_scale: 100
	  probes:
	    - { name: rc, run: [sh, -c, "exit 3"], exit: { "3": failed } }
	YML
	test_expect_code 1 bosun deploy watch >../out 2>&1 && test_grep "^failed" ../out
'

test_expect_success '--await waits for the push, then watches' '
	setup aw && git init -q --bare ../aw.git && git remote add origin ../aw.git &&
	do_answers ACTIVE >../aw.json && start_server aw && config &&
	bosun deploy watch --detach --await origin:main >/dev/null &&
	wait_for 20 grep -q "waiting for origin/main" $D/status.json &&
	test_expect_code 2 bosun deploy status >../out && test_grep "waiting for origin/main" ../out &&
	git push -q origin main && bosun deploy status --wait >../out && test_grep "^success" ../out
'

test_expect_success '--await gives up when the push never lands (verdict canceled)' '
	cd aw && commit "fix: two" &&
	test_expect_code 1 bosun deploy watch --await origin:main >../out 2>&1 &&
	test_grep "^canceled" ../out && test_grep "was the push rejected" ../out
'

test_expect_success '--probe keeps only the named probes' '
	cd ok && test_expect_code 64 bosun deploy watch --probe nope 2>../err &&
	test_grep "no probe .nope." ../err
'

test_expect_success 'clean --days 0 removes finished watches' '
	cd ok && bosun deploy clean --days 0 >../out && test ! -e $D &&
	test_expect_code 3 bosun deploy status 2>/dev/null
'

test_done

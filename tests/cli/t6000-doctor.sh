#!/bin/sh
# bosun doctor: checks with stable ids, JSON, exit codes, AI CLIs probed with
# a hard timeout, stale locks, shallow clones, pending migrations, --fix.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 is needed to read the JSON"

# jq-like: python3 -c over the JSON document in $1.
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# The status of check $2 in report $1.
status_of() { jget "$1" "[c['status'] for c in d['checks'] if c['id']=='$2'][0]"; }
ms() { date +%s%3N; }

mkdir -p "$TRASH/bin"
# Fake AI CLIs: one answers, one crashes, one hangs for 10 s (and leaves a
# grandchild holding its output), one is not executable.
cat >"$TRASH/bin/claude" <<'EOF'
#!/bin/sh
echo "1.2.3 (Claude Code)"
EOF
cat >"$TRASH/bin/gemini" <<'EOF'
#!/bin/sh
kill -SEGV $$
EOF
cat >"$TRASH/bin/codex" <<EOF
#!/bin/sh
sleep 10 &
echo \$! >"$TRASH/hang.pid"
wait
EOF
printf '#!/bin/sh\necho 0.1\n' >"$TRASH/bin/qwen"
chmod +x "$TRASH/bin/claude" "$TRASH/bin/gemini" "$TRASH/bin/codex"
CLEAN_PATH=$PATH
FAKE_PATH="$TRASH/bin:$PATH"
# A loaded machine (or a sanitizer build) can take more than the default
# 500 ms to start python3 or a shell script; the tests of the timeout set
# their own.
BOSUN_DOCTOR_TIMEOUT=10s
export BOSUN_DOCTOR_TIMEOUT

test_expect_success 'a fresh repository: every default check reports, JSON only on stdout' '
	new_repo r && commit "feat: a" &&
	{ bosun doctor --json >../out 2>../err; test $? -ne 64; } &&
	test_eq "" "$(cat ../err)" &&
	test_eq 1 "$(jget ../out "d[\"schema\"]")" &&
	jget ../out "d[\"status\"] in (\"ok\",\"warn\",\"fail\")" >../v && test_eq True "$(cat ../v)" &&
	jget ../out "all(set(c)=={\"id\",\"group\",\"status\",\"message\",\"fix\",\"data\"} for c in d[\"checks\"])" >../v &&
	test_eq True "$(cat ../v)" &&
	jget ../out "sum(d[\"counts\"].values())==len(d[\"checks\"])" >../v && test_eq True "$(cat ../v)" &&
	for id in install.version install.paths install.store install.hooks install.docs \
		repo.shallow repo.hooks_path repo.worktrees repo.locks repo.watchers repo.remote \
		runtime.python3 runtime.node cli.claude cli.codebuddy cli.cursor-agent; do
		jget ../out "[c[\"id\"] for c in d[\"checks\"]].count(\"$id\")" >../v &&
		test_eq 1 "$(cat ../v)" || return 1
	done &&
	test_eq skip "$(status_of ../out repo.remote)" &&
	jget ../out "[c for c in d[\"checks\"] if c[\"id\"]==\"scripts\"]" >../v && test_eq "[]" "$(cat ../v)"
'

test_expect_success 'the exit code follows the worst status: 2 for warnings only' '
	cd "$TRASH/r" &&
	test_expect_code 2 bosun doctor install.hooks >../out &&
	test_grep "^warn  install.hooks" ../out && test_grep "fix: bosun hooks install" ../out &&
	test_expect_code 0 bosun doctor install.version repo.shallow >../out &&
	test_grep "^ok    install.version" ../out
'

test_expect_success 'AI CLIs: found with its version, crashed, hung, not executable; the hung one cut off at the timeout' '
	cd "$TRASH/r" && rm -f "$TRASH/hang.pid" &&
	t0=$(ms) && test_expect_code 1 env PATH="$FAKE_PATH" BOSUN_DOCTOR_TIMEOUT=2s "$BOSUN" doctor --json >../out &&
	t1=$(ms) && echo "# doctor took $((t1 - t0)) ms" &&
	test $((t1 - t0)) -lt 8000 &&
	test_eq ok "$(status_of ../out cli.claude)" &&
	jget ../out "[c for c in d[\"checks\"] if c[\"id\"]==\"cli.claude\"][0][\"data\"][\"version\"]" >../v &&
	test_eq "1.2.3 (Claude Code)" "$(cat ../v)" &&
	test_eq fail "$(status_of ../out cli.gemini)" &&
	jget ../out "[c for c in d[\"checks\"] if c[\"id\"]==\"cli.gemini\"][0][\"message\"]" >../v &&
	test_grep "crashed (signal 11)" ../v &&
	test_eq fail "$(status_of ../out cli.codex)" &&
	jget ../out "[c for c in d[\"checks\"] if c[\"id\"]==\"cli.codex\"][0][\"data\"][\"copies\"][0][\"state\"]" >../v &&
	test_eq hung "$(cat ../v)" &&
	test_eq warn "$(status_of ../out cli.qwen)" &&
	jget ../out "[c for c in d[\"checks\"] if c[\"id\"]==\"cli.qwen\"][0][\"message\"]" >../v &&
	test_grep "not executable" ../v &&
	test_eq skip "$(status_of ../out cli.aider)"
'

test_expect_success 'the hung CLI was killed with its process group' '
	test -s "$TRASH/hang.pid" && wait_for 5 gone "$(cat "$TRASH/hang.pid")"
'

test_expect_success 'every copy on PATH is probed; doctor.timeout sets the limit' '
	cd "$TRASH/r" && mkdir -p "$TRASH/bin2" &&
	printf "#!/bin/sh\necho 9.9.9\n" >"$TRASH/bin2/claude" && chmod +x "$TRASH/bin2/claude" &&
	env PATH="$TRASH/bin:$TRASH/bin2:$CLEAN_PATH" "$BOSUN" doctor cli.claude --json >../out &&
	jget ../out "len(d[\"checks\"][0][\"data\"][\"copies\"])" >../v && test_eq 2 "$(cat ../v)" &&
	printf "#!/bin/sh\nsleep 0.3\necho slow 1.0\n" >"$TRASH/bin2/gemini" && chmod +x "$TRASH/bin2/gemini" &&
	test_expect_code 1 env PATH="$TRASH/bin2:$CLEAN_PATH" BOSUN_DOCTOR_TIMEOUT=100ms \
		"$BOSUN" doctor cli.gemini >../out &&
	test_grep "hung (no answer in 100 ms)" ../out &&
	env PATH="$TRASH/bin2:$CLEAN_PATH" BOSUN_DOCTOR_TIMEOUT=5s "$BOSUN" doctor cli.gemini >../out &&
	test_grep "slow 1.0" ../out
'

test_expect_success 'an unknown check: exit 64 naming the valid ids; --fix with operands: 64' '
	cd "$TRASH/r" &&
	test_expect_code 64 bosun doctor nosuch 2>../err &&
	test_grep "unknown check .nosuch." ../err && test_grep "install.store" ../err &&
	test_grep "cli.claude" ../err &&
	test_expect_code 64 bosun doctor --fix nosuch 2>../err && test_grep "install.store" ../err &&
	test_expect_code 64 bosun doctor --fix repo.locks install 2>../err
'

test_expect_success 'a shallow clone is reported, with a git fix' '
	cd "$TRASH/r" && commit "feat: b" && commit "feat: c" && cd .. && rm -rf sh &&
	git clone -q --depth 1 "file://$TRASH/r" sh && cd sh &&
	test_expect_code 2 bosun doctor repo.shallow >../out &&
	test_grep "^warn  repo.shallow" ../out && test_grep "fix: git fetch --unshallow" ../out &&
	cd ../r && bosun doctor repo.shallow >../out && test_grep "^ok" ../out
'

dead_pid() { sh -c 'echo $$'; }

test_expect_success 'stale locks of dead processes are found, live ones are not' '
	cd "$TRASH/r" && mkdir -p .git/bosun/agents .git/bosun/deploy &&
	echo "$(dead_pid) 12345" >.git/bosun/agents/deploy.lock &&
	d=$(dead_pid) && echo x >.git/bosun/x.lock.owner.$d.777 &&
	ln .git/bosun/x.lock.owner.$d.777 .git/bosun/x.lock &&
	start=$(cut -d" " -f22 /proc/$$/stat) &&
	echo "$$ $start" >.git/bosun/deploy/live.lock &&
	echo "not a record" >.git/bosun/other.lock &&
	test_expect_code 2 bosun doctor repo.locks --json >../out &&
	jget ../out "\",\".join(sorted(s[\"path\"].split(\"/.git/\")[1] for s in d[\"checks\"][0][\"data\"][\"stale\"]))" >../v &&
	test_eq "bosun/agents/deploy.lock,bosun/x.lock" "$(cat ../v)" &&
	jget ../out "d[\"checks\"][0][\"data\"][\"held\"]" >../v && test_eq 1 "$(cat ../v)" &&
	jget ../out "d[\"checks\"][0][\"fix\"]" >../v && test_eq "bosun doctor --fix repo.locks" "$(cat ../v)"
'

test_expect_success '--fix repo.locks shows and removes the stale ones only' '
	cd "$TRASH/r" &&
	bosun doctor --fix repo.locks >../out 2>../err &&
	test_grep "remove: .*deploy.lock (process" ../out &&
	test_grep "removed: .*x.lock" ../out &&
	test_grep "^ok    repo.locks" ../out &&
	test ! -e .git/bosun/agents/deploy.lock && test ! -e .git/bosun/x.lock &&
	{ ls .git/bosun | grep -c owner >../v; test_eq 0 "$(cat ../v)"; } &&
	test -e .git/bosun/deploy/live.lock && test -e .git/bosun/other.lock &&
	bosun doctor --fix repo.locks 2>../err && test_grep "nothing to fix" ../err &&
	rm .git/bosun/deploy/live.lock .git/bosun/other.lock
'

# many_locks N: N stale locks of both kinds under .git/bosun/k, owned by
# processes that have ended.
many_locks() {
	rm -rf .git/bosun/k && mkdir -p .git/bosun/k/a .git/bosun/k/b &&
	d=$(dead_pid) && i=0 &&
	while [ $i -lt "$1" ]; do
		echo "$d 99" >.git/bosun/k/a/r$i.lock &&
		echo x >.git/bosun/k/b/l$i.lock.owner.$d.99 &&
		ln .git/bosun/k/b/l$i.lock.owner.$d.99 .git/bosun/k/b/l$i.lock &&
		i=$((i + 1)) || return 1
	done
}

test_expect_success 'kill -9 during --fix repo.locks: each lock stays or goes whole, the next run finishes' '
	cd "$TRASH/r" && many_locks 150 &&
	t0=$(date +%s%N) && bosun doctor --fix repo.locks >/dev/null 2>&1 &&
	took_ms=$((($(date +%s%N) - t0) / 1000000)) && echo "# fix took $took_ms ms" &&
	killed=0 && gen=1 &&
	while [ $gen -le 10 ]; do
		many_locks 150 &&
		{ "$BOSUN" doctor --fix repo.locks >/dev/null 2>&1 & } && pid=$! &&
		sleep "$(awk -v s=$gen -v ms=$took_ms "BEGIN { srand(s); printf \"%.4f\", ms * (0.05 + 0.9 * rand()) / 1000 }")" &&
		if kill -9 $pid 2>/dev/null; then killed=$((killed + 1)); fi &&
		{ wait $pid 2>/dev/null; rc=$?; test $rc -eq 137 || test $rc -eq 0; } &&
		# every lock left is whole: still linked to its owner name, or
		# still holding its record
		for f in $(find .git/bosun/k -name "*.lock"); do
			case $f in
			*/a/*) test_grep " 99" "$f" ;;
			*) test "$(stat -c %h "$f")" -ge 2 || test "$(cat "$f")" = x ;;
			esac || return 1
		done &&
		bosun doctor --fix repo.locks >/dev/null 2>&1 &&
		bosun doctor repo.locks >../out && test_grep "^ok    repo.locks" ../out &&
		test_eq "" "$(find .git/bosun/k -type f)" &&
		gen=$((gen + 1)) || return 1
	done &&
	echo "# killed $killed of 10" && test "$killed" -gt 0
'

test_expect_success 'many doctors fixing the same locks at once: each lock removed once, none left' '
	cd "$TRASH/r" && many_locks 100 && pids= &&
	for i in 1 2 3 4 5 6; do
		"$BOSUN" doctor --fix repo.locks >../fix.$i 2>&1 & pids="$pids $!"
	done &&
	# each ends ok, or warns of what another was removing as it looked again
	for p in $pids; do { wait $p; rc=$?; test $rc -eq 0 || test $rc -eq 2; } || return 1; done &&
	test_eq "" "$(find .git/bosun/k -type f)" &&
	bosun doctor repo.locks >../out && test_grep "^ok    repo.locks" ../out &&
	cat ../fix.* | grep -c "^removed: .*\.lock$" >../v && test_eq 200 "$(cat ../v)"
'

test_expect_success 'a pending migration is reported; --fix install.store migrates' '
	new_repo m && commit "feat: a" && mkdir -p .git/bosun &&
	python3 -c "import sqlite3; c=sqlite3.connect(\".git/bosun/state.db\"); c.execute(\"pragma user_version=0\"); c.commit()" &&
	test_expect_code 2 bosun doctor install.store --json >../out &&
	jget ../out "d[\"checks\"][0][\"data\"][\"pending\"] > 0" >../v && test_eq True "$(cat ../v)" &&
	jget ../out "d[\"checks\"][0][\"fix\"]" >../v && test_eq "bosun migrate" "$(cat ../v)" &&
	bosun doctor --fix install.store >../out 2>../err &&
	test_grep "run: bosun migrate" ../out && test_grep "^ok    install.store" ../out &&
	bosun doctor install.store >../out && test_grep "current" ../out
'

test_expect_success 'a store newer than this bosun fails the check and is refused by migrate' '
	cd "$TRASH/m" &&
	python3 -c "import sqlite3; c=sqlite3.connect(\".git/bosun/state.db\"); c.execute(\"pragma user_version=99\"); c.commit()" &&
	test_expect_code 1 bosun doctor install.store >../out &&
	test_grep "^fail  install.store" ../out && test_grep "newer" ../out &&
	test_expect_code 65 bosun migrate 2>../err && test_grep "newer" ../err
'

test_expect_success 'each migration records which bosun applied it; a newer store names the bosun that reads it' '
	new_repo n && commit "feat: a" && bosun migrate >/dev/null &&
	v=$(cat "$BOSUN_TOP/VERSION") &&
	python3 -c "import sqlite3; c=sqlite3.connect(\".git/bosun/state.db\"); print(c.execute(\"select value from meta where key = \x27schema.1.bosun\x27\").fetchone()[0])" >../v &&
	test_eq "$v" "$(cat ../v)" &&
	python3 -c "import sqlite3; c=sqlite3.connect(\".git/bosun/state.db\"); c.execute(\"insert into meta values (\x27schema.99.bosun\x27, \x277.8.9\x27)\"); c.execute(\"pragma user_version=99\"); c.commit()" &&
	test_expect_code 65 bosun migrate 2>../err &&
	test_grep "bosun 7.8.9 or newer reads it" ../err &&
	test_expect_code 65 bosun migrate --status 2>../err && test_grep "7.8.9" ../err &&
	test_expect_code 1 bosun doctor install.store >../out && test_grep "7.8.9 or newer" ../out
'

test_expect_success 'hooks: missing, then installed for this binary, then pointing elsewhere' '
	new_repo h && commit "feat: a" &&
	test_expect_code 2 bosun doctor install.hooks >../out && test_grep "not installed" ../out &&
	bosun doctor --fix install.hooks >../out 2>../err &&
	test_grep "run: bosun hooks install" ../out && test_grep "^ok    install.hooks" ../out &&
	sed "s|$(realpath "$BOSUN")|/elsewhere/bosun|" .git/hooks/pre-commit >../shim &&
	cat ../shim >.git/hooks/pre-commit &&
	test_expect_code 2 bosun doctor install.hooks >../out &&
	test_grep "another bosun" ../out
'

test_expect_success 'a prunable worktree is reported and pruned by --fix' '
	cd "$TRASH/h" && git worktree add -q ../h-wt && rm -rf ../h-wt &&
	test_expect_code 2 bosun doctor repo.worktrees >../out &&
	test_grep "prunable" ../out && test_grep "fix: git worktree prune" ../out &&
	bosun doctor --fix repo.worktrees >../out && test_grep "^ok    repo.worktrees" ../out &&
	test_expect_code 64 env PATH="$FAKE_PATH" "$BOSUN" doctor --fix cli.qwen 2>../err &&
	test_grep "no fix bosun can run" ../err
'

test_expect_success 'core.hooksPath pointing nowhere is a warning' '
	cd "$TRASH/h" && git config core.hooksPath no/such/dir &&
	test_expect_code 2 bosun doctor repo.hooks_path >../out &&
	test_grep "fix: git config --unset core.hooksPath" ../out &&
	git config --unset core.hooksPath
'

test_expect_success 'the agent files bosun deployed for a CLI: current, missing, edited' '
	new_repo ag && mkdir agents &&
	printf "{\"id\": \"qa\", \"version\": \"1.0.0\", \"metadata\": {\"description\": \"tests\"}, \"instructions\": \"You test.\"}\n" >agents/qa.json &&
	printf "{\"id\": \"ux\", \"version\": \"1.0.0\", \"metadata\": {\"description\": \"looks\"}, \"instructions\": \"You look.\"}\n" >agents/ux.json &&
	git add -A && git commit -q -m agents &&
	bosun agents deploy -t claude >/dev/null 2>&1 &&
	env PATH="$FAKE_PATH" "$BOSUN" doctor cli.claude --json >../out &&
	jget ../out "d[\"checks\"][0][\"data\"][\"agents\"][\"ok\"]" >../v && test_eq 2 "$(cat ../v)" &&
	rm .claude/agents/ux.md &&
	test_expect_code 2 env PATH="$FAKE_PATH" "$BOSUN" doctor cli.claude >../out &&
	test_grep "1 agent file bosun deployed for it is not current" ../out &&
	test_grep "fix: bosun agents deploy$" ../out &&
	echo edit >>.claude/agents/qa.md &&
	test_expect_code 2 env PATH="$FAKE_PATH" "$BOSUN" doctor cli.claude >../out &&
	test_grep "fix: bosun agents deploy --force" ../out &&
	env PATH="$FAKE_PATH" "$BOSUN" doctor --fix cli.claude >../out 2>&1 &&
	test_grep "^ok    cli.claude" ../out
'

test_expect_success 'a dead deploy watcher is reported; --fix runs bosun deploy clean' '
	cd "$TRASH/ag" && c=0123456789abcdef0123456789abcdef01234567 &&
	mkdir -p .git/bosun/deploy/$c && echo "$(dead_pid) 5" >.git/bosun/deploy/$c/watch.pid &&
	test_expect_code 2 bosun doctor repo.watchers --json >../out &&
	jget ../out "d[\"checks\"][0][\"data\"][\"dead\"][0][\"commit\"]" >../v && test_eq $c "$(cat ../v)" &&
	jget ../out "d[\"checks\"][0][\"fix\"]" >../v && test_eq "bosun deploy clean" "$(cat ../v)" &&
	bosun doctor --fix repo.watchers >../out && test_grep "^ok    repo.watchers" ../out
'

test_expect_success 'the remote is asked only with --online' '
	cd "$TRASH/sh" && bosun doctor repo.remote >../out &&
	test_grep "^skip  repo.remote .*offline" ../out &&
	bosun doctor repo.remote --online >../out && test_grep "^ok    repo.remote .*answers" ../out &&
	git remote set-url origin "file://$TRASH/no-such-repo" &&
	test_expect_code 2 bosun doctor repo.remote --online >../out &&
	test_grep "does not answer" ../out
'

test_expect_success 'every fix doctor suggests is a command that exists' '
	cd "$TRASH" && : >fixes &&
	for dir in r sh h m ag; do
		(cd "$TRASH/$dir" &&
		 { env PATH="$FAKE_PATH" "$BOSUN" doctor --json >"$TRASH/j" 2>/dev/null; test $? -ne 64; } &&
		 jget "$TRASH/j" "\"\\n\".join(c[\"fix\"] for c in d[\"checks\"] if c[\"fix\"])") >>fixes ||
		return 1
	done &&
	# the fixes of a missing library too
	(cd "$TRASH/r" &&
	 { BOSUN_DL_DENY=vectorscan,libgit2,libcurl "$BOSUN" doctor --json runtime >"$TRASH/j" 2>/dev/null; test $? -ne 64; } &&
	 jget "$TRASH/j" "\"\\n\".join(c[\"fix\"] for c in d[\"checks\"] if c[\"fix\"])") >>fixes &&
	grep -q "^apt-get install " fixes &&
	echo "bosun migrate" >>fixes && echo "bosun hooks install" >>fixes &&
	echo "git fetch --unshallow" >>fixes && echo "git worktree prune" >>fixes &&
	echo "bosun doctor --fix repo.locks" >>fixes && echo "bosun agents deploy" >>fixes && echo "bosun agents deploy --force" >>fixes &&
	echo "bosun deploy clean" >>fixes && echo "git config --unset core.hooksPath" >>fixes &&
	git help -a >githelp &&
	sort -u fixes | while read -r prog verb rest; do
		case $prog in
		bosun) bosun $verb $rest --help >/dev/null || { echo "no: $prog $verb $rest"; return 1; } ;;
		git) grep -q "^ *$verb " githelp || { echo "no git $verb"; return 1; } ;;
		# a package Debian has (where apt-cache is, as on the machines
		# the fix is written for)
		apt-get) test "$verb" = install && test -n "$rest" &&
			 { ! command -v apt-cache >/dev/null ||
			   apt-cache show $rest >/dev/null 2>&1; } ||
			 { echo "no package: $prog $verb $rest"; return 1; } ;;
		"") ;;
		*) echo "not a bosun or git command: $prog $verb $rest"; return 1 ;;
		esac
	done
'

test_expect_success 'a missing library: a warning saying what degrades, one DEGRADED event' '
	cd "$TRASH/r" && rm -rf "$BOSUN_HOME/state" &&
	BOSUN_DL_DENY=libcurl test_expect_code 2 bosun doctor runtime.libcurl >../out &&
	test_grep "^warn  runtime.libcurl" ../out && test_grep "webhooks" ../out &&
	grep -c "\"level\":\"degraded\",\"event\":\"libcurl\"" "$BOSUN_HOME"/state/bosun/logs/bosun.log >../v &&
	test_eq 1 "$(cat ../v)" &&
	BOSUN_DL_DENY=vectorscan,libgit2 test_expect_code 2 bosun doctor runtime >../out &&
	test_grep "^warn  runtime.vectorscan" ../out && test_grep "^warn  runtime.libgit2" ../out &&
	test_grep "^ok    runtime.libcurl" ../out
'

test_expect_success 'outside a repository the repository checks are skipped' '
	mkdir -p "$TRASH/plain" && cd "$TRASH/plain" &&
	GIT_CEILING_DIRECTORIES="$TRASH" bosun doctor repo install.store >../out &&
	test_grep "^skip  repo.shallow" ../out && test_grep "^skip  install.store" ../out
'

test_expect_success 'a missing runtime says what degrades; nothing runs without a timeout' '
	cd "$TRASH/r" && mkdir -p "$TRASH/empty" &&
	ln -sf "$(command -v git)" "$TRASH/empty/git" &&
	test_expect_code 2 env PATH="$TRASH/empty" "$BOSUN" doctor runtime.python3 runtime.node >../out &&
	test_grep "python3 not found on PATH" ../out &&
	test_grep "node not found" ../out
'

test_done

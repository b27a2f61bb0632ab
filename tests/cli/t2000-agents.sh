#!/bin/sh
# bosun agents: deploy to every target, each ownership decision, backups,
# rollback, clean, verify, list, diff, env, and every error path.
. "$(dirname "$0")/lib.sh"

ALL="-t claude -t qwen -t opencode -t copilot"

# setup NAME: a repository with two JSON templates, one Markdown template
# and a base agent.
setup() {
	new_repo "$1" && mkdir agents &&
	cat >agents/research_agent.json <<-\EOF &&
	{
	  "agent_id": "research_agent",
	  "agent_version": "2.1.0",
	  "metadata": {"name": "Research", "description": "Digs: use it\nfor deep questions",
	               "category": "research", "tags": ["r"]},
	  "capabilities": {"model": "claude-sonnet-4-20250514",
	                   "tools": ["Read", "Grep", "WebSearch"], "color": "blue"},
	  "instructions": "You research."
	}
	EOF
	cat >agents/qa.json <<-\EOF &&
	{"id": "qa", "version": "1.0.0", "metadata": {"description": "true"},
	 "instructions": "You test."}
	EOF
	cat >agents/reviewer.md <<-\EOF &&
	---
	version: 1.0.0
	description: "Reviews: code, with care"
	tools: Read, Grep
	model: opus
	---

	Review code.
	EOF
	cat >agents/base_agent.json <<-\EOF
	{"capabilities": {"model": "haiku", "tools": ["Read"]},
	 "instructions": "Always be brief."}
	EOF
}

# files_digest: every agent file's bytes and mtime, and the store's rows.
files_digest() {
	{ find .claude .qwen .opencode .github -type f 2>/dev/null | sort |
		xargs -r stat -c '%n %Y %s' ; find .claude .qwen .opencode .github -type f 2>/dev/null |
		sort | xargs -r cat;
	  sqlite3 .git/bosun/state.db "select * from agent_files order by 1,2" 2>/dev/null; } | sha256sum
}

test_expect_success 'deploy writes every template for every target' '
	setup r && bosun agents deploy $ALL >../out 2>../err &&
	test_grep "12 deployed" ../err &&
	test -f .claude/agents/research-agent.md && test -f .qwen/agents/qa.md &&
	test -f .opencode/agent/reviewer.md && test -f .github/agents/qa.agent.md &&
	test_eq 12 "$(sqlite3 .git/bosun/state.db "select count(*) from agent_files")"
'

test_expect_success 'Claude Code file: marker, frontmatter, full model id, base agent merged' '
	cd r && f=.claude/agents/research-agent.md &&
	test_eq "---" "$(sed -n 1p $f)" && test_eq "# managed-by: bosun-agents" "$(sed -n 2p $f)" &&
	test_grep "^name: research-agent$" $f && test_grep "^model: claude-sonnet-4-20250514$" $f &&
	test_grep "^tools: \"Read, Grep, WebSearch\"$" $f && test_grep "^color: blue$" $f &&
	test_grep "^You research.$" $f && test_grep "^Always be brief.$" $f &&
	test_grep "^model: haiku$" .claude/agents/qa.md &&
	test_grep "^description: \"true\"$" .claude/agents/qa.md
'

test_expect_success 'Qwen, OpenCode and Copilot files use their own tool names' '
	cd r && test_grep "^- read_file$" .qwen/agents/reviewer.md &&
	test_grep "^- grep_search$" .qwen/agents/reviewer.md &&
	test_grep "^mode: subagent$" .opencode/agent/research-agent.md &&
	test_grep "^model: anthropic/claude-sonnet-4-20250514$" .opencode/agent/research-agent.md &&
	test_grep "^  grep: true$" .opencode/agent/research-agent.md &&
	test_grep "^  bash: false$" .opencode/agent/research-agent.md &&
	test_grep "^- search$" .github/agents/reviewer.agent.md &&
	test_no_grep "^name:" .opencode/agent/reviewer.md
'

test_expect_success 'python3 -c "import yaml"' 'every emitted file parses back to YAML with the same values' '
	cd r && cat >../parse.py <<-\EOF &&
	import os, sys, yaml
	want = {"research-agent": "Digs: use it\nfor deep questions", "qa": "true",
	        "reviewer": "Reviews: code, with care"}
	for p in sys.argv[1:]:
	    text = open(p).read()
	    assert text.startswith("---\n# managed-by: bosun-agents\n"), p
	    fm = yaml.safe_load(text[4:].split("\n---\n", 1)[0])
	    name = os.path.basename(p).split(".")[0]
	    assert fm["description"] == want[name], (p, fm)
	    assert fm.get("name", name) == name, (p, fm)
	    assert isinstance(fm.get("version", ""), str), (p, fm)
	print(len(sys.argv) - 1)
	EOF
	test_eq 12 "$(python3 ../parse.py $(find .claude .qwen .opencode .github -name "*.md"))"
'

test_expect_success 'a second deploy writes nothing and skips every agent' '
	cd r && before=$(files_digest) && sleep 1.1 &&
	bosun agents deploy $ALL 2>../err && test_grep "0 deployed, 0 updated, 0 migrated, 12 skipped" ../err &&
	test_eq "$before" "$(files_digest)" &&
	test_eq 1 "$(sqlite3 .git/bosun/state.db "select count(*) from agent_deploys")"
'

test_expect_success 'a changed template updates only its files' '
	cd r && sed -i "s/You test./You test well./" agents/qa.json &&
	bosun agents deploy $ALL >../out 2>../err && test_grep "4 updated" ../err &&
	test_grep "^You test well.$" .claude/agents/qa.md
'

test_expect_success 'a file a person edited is kept and reported as modified' '
	cd r && echo "my note" >>.claude/agents/qa.md && sed -i "s/well/very well/" agents/qa.json &&
	bosun agents deploy -t claude >../out 2>../err &&
	test_grep "^modified  .claude/agents/qa.md" ../out && test_grep "my note" .claude/agents/qa.md &&
	bosun --json agents deploy -t claude >../out.json &&
	python3 -c "
import json; d = json.load(open(\"../out.json\"))
assert [m[\"path\"] for m in d[\"modified\"]] == [\".claude/agents/qa.md\"], d
for k in (\"deployed\", \"updated\", \"migrated\", \"skipped\", \"modified\", \"conflicts\", \"errors\"): assert k in d, k
"
'

test_expect_success '--force overwrites an edited file after a backup' '
	cd r && bosun agents deploy -t claude --force >../out 2>../err &&
	test_grep "^updated   .claude/agents/qa.md" ../out && test_no_grep "my note" .claude/agents/qa.md &&
	grep -rl "my note" .git/bosun/agents/backups/*/files/claude/.claude/agents/qa.md >/dev/null
'

test_expect_success 'rollback restores the previous deployment exactly' '
	cd r && bosun agents rollback >../out 2>../err &&
	test_grep "my note" .claude/agents/qa.md &&
	test_grep "restored  .claude/agents/qa.md" ../out &&
	bosun agents deploy -t claude >../out 2>../err && test_grep "^modified  .claude/agents/qa.md" ../out
'

test_expect_success 'a file that is not ours is a conflict, never touched, even with --force' '
	cd r && printf -- "---\nname: mine\ndescription: mine\n---\nmine\n" >.claude/agents/mine.md &&
	cp agents/qa.json agents/mine.json && sed -i "s/\"qa\"/\"mine\"/" agents/mine.json &&
	before=$(sha256sum .claude/agents/mine.md) &&
	bosun agents deploy -t claude --force --only mine >../out 2>../err &&
	test_grep "^conflict  .claude/agents/mine.md" ../out && test_eq "$before" "$(sha256sum .claude/agents/mine.md)" &&
	rm agents/mine.json
'

test_expect_success 'claude-mpm files: a conflict without --adopt, migrated with it' '
	cd r && printf -- "---\nname: old\ndescription: d\nauthor: claude-mpm\nversion: \"0002-0005\"\n---\nold\n" >.claude/agents/old.md &&
	printf "{\"id\":\"old\",\"version\":\"3.0.0\",\"metadata\":{\"description\":\"o\"},\"instructions\":\"new\"}" >agents/old.json &&
	bosun agents deploy -t claude >../out 2>../err &&
	test_grep "^conflict  .claude/agents/old.md.*--adopt" ../out && test_grep "claude-mpm" .claude/agents/old.md &&
	bosun agents deploy -t claude --adopt >../out 2>../err &&
	test_grep "^migrated  .claude/agents/old.md 3.0.0: from claude-mpm.s version 0002-0005" ../out &&
	test_grep "^# managed-by: bosun-agents$" .claude/agents/old.md &&
	test_grep "^version: \"3.0.0\"$" .claude/agents/old.md
'

test_expect_success 'a deleted file is deployed again' '
	cd r && rm .qwen/agents/reviewer.md && bosun agents deploy $ALL >../out 2>../err &&
	test_grep "^deployed  .qwen/agents/reviewer.md" ../out
'

test_expect_success 'dry run reports and changes nothing' '
	cd r && sed -i "s/Review code./Review all code./" agents/reviewer.md && before=$(files_digest) &&
	bosun agents deploy --dry-run $ALL >../out 2>../err && test_grep "dry run" ../err &&
	test_grep "^updated   .claude/agents/reviewer.md" ../out && test_eq "$before" "$(files_digest)"
'

test_expect_success 'diff shows a unified diff of what would change' '
	cd r && bosun agents diff -t claude >../out &&
	test_grep "^--- a/.claude/agents/reviewer.md" ../out && test_grep "^+Review all code.$" ../out &&
	test_grep "^-Review code.$" ../out && test_grep "^# .claude/agents/qa.md: modified" ../out &&
	bosun --json agents diff -t claude >../out.json &&
	python3 -c "
import json; d = json.load(open(\"../out.json\"))
assert any(c[\"action\"] == \"updated\" and \"+Review all code.\" in c[\"diff\"] for c in d[\"changes\"]), d
"
'

test_expect_success '--only deploys just the named agent; an unknown one is exit 3' '
	cd r && bosun agents deploy -t claude --only reviewer >../out 2>../err &&
	test_grep "1 updated" ../err && test_no_grep "qa.md" ../out &&
	test_expect_code 3 bosun agents deploy --only nope 2>../err && test_grep "no agent template named .nope." ../err
'

test_expect_success 'verify: exit 1 with the list of problems, 0 when all is well' '
	cd r && test_expect_code 1 bosun agents verify >../out 2>../err &&
	test_grep "^claude .claude/agents/qa.md: modified" ../out &&
	bosun --json agents verify -t qwen >../out.json &&
	python3 -c "
import json; d = json.load(open(\"../out.json\"))
assert d[\"ok\"] is True and d[\"checked\"] == 4 and d[\"problems\"] == [], d
"
'

test_expect_success 'verify checks the frontmatter and the discovery environment' '
	cd r && bosun agents deploy -t qwen >/dev/null 2>&1 &&
	f=.qwen/agents/qa.md && sed -i "s/^name: qa$/name: Bad Name/" $f &&
	h=$(sha256sum $f | cut -c1-64) &&
	sqlite3 .git/bosun/state.db "update agent_files set hash=\"$h\" where path=\"$f\"" &&
	test_expect_code 1 bosun agents verify -t qwen >../out &&
	test_grep "not a valid agent name" ../out &&
	bosun agents rollback >/dev/null 2>&1 &&
	bosun agents deploy -t qwen --force >/dev/null 2>&1 &&
	printf "agents:\n  env:\n    CLAUDE_MAX_PARALLEL_SUBAGENTS: \"5\"\n" >bosun.yml &&
	test_expect_code 1 bosun agents verify -t qwen >../out && test_grep "CLAUDE_MAX_PARALLEL_SUBAGENTS is not set" ../out &&
	CLAUDE_MAX_PARALLEL_SUBAGENTS=5 bosun agents verify -t qwen >../out
'

test_expect_success 'env prints export lines for sh and fish' '
	cd r && printf "agents:\n  env:\n    CLAUDE_CONFIG_DIR: ~/.claude\n    X: \"it'"'"'s\"\n" >bosun.yml &&
	bosun agents env >../out && test_grep "^export CLAUDE_CONFIG_DIR=.$HOME/.claude.$" ../out &&
	(eval "$(cat ../out)" && test_eq "it'"'"'s" "$X") &&
	bosun agents env --shell fish >../out && test_grep "^set -gx X " ../out &&
	test_expect_code 64 bosun agents env --shell csh 2>/dev/null &&
	bosun --json agents env >../out.json && test_grep "CLAUDE_CONFIG_DIR" ../out.json && rm bosun.yml
'

test_expect_success 'list shows each agent, its version and its state per target' '
	cd r && bosun agents list >../out &&
	test_grep "^research-agent  *2.1.0  *claude:ok" ../out && test_grep "qa .*claude:modified" ../out &&
	rm agents/old.json && bosun --json agents list >../out.json &&
	python3 -c "
import json; d = {a[\"name\"]: a for a in json.load(open(\"../out.json\"))[\"agents\"]}
assert d[\"old\"][\"targets\"][0][\"state\"] == \"orphaned\", d[\"old\"]
assert {t[\"target\"] for t in d[\"reviewer\"][\"targets\"]} == {\"claude\", \"qwen\", \"opencode\", \"copilot\"}
"
'

test_expect_success 'clean removes only our unmodified files, after a backup; rollback brings them back' '
	cd r && bosun agents clean --dry-run -t claude >../out 2>../err && test -f .claude/agents/reviewer.md &&
	bosun agents clean -t claude >../out 2>../err &&
	test_grep "^removed   .claude/agents/reviewer.md" ../out && test_grep "^modified  .claude/agents/qa.md" ../out &&
	test ! -e .claude/agents/reviewer.md && test -f .claude/agents/qa.md && test -f .claude/agents/mine.md &&
	test -f .qwen/agents/reviewer.md &&
	bosun agents rollback >../out 2>../err && test -f .claude/agents/reviewer.md &&
	test_expect_code 1 bosun agents verify -t claude >../out 2>&1 &&
	test_grep "qa.md: modified" ../out
'

test_expect_success 'rollback of a first deploy says removed for each file it deletes' '
	setup first && bosun agents deploy -t claude >../out 2>../err &&
	test -f .claude/agents/research-agent.md &&
	bosun agents rollback >../out 2>../err &&
	test ! -e .claude/agents/research-agent.md &&
	test_grep "^removed   .claude/agents/research-agent.md" ../out &&
	test_no_grep "^restored" ../out &&
	test_grep "rollback: [1-9][0-9]* removed, 0 restored" ../err
'

test_expect_success 'list calls a person'"'"'s file where a template would go a conflict' '
	setup listc && mkdir -p .claude/agents &&
	printf -- "---\nname: research-agent\ndescription: mine\n---\nmine\n" \
		>.claude/agents/research-agent.md &&
	bosun agents list -t claude >../out &&
	test_grep "claude:conflict" ../out &&
	bosun --json agents list -t claude >../out &&
	python3 -c "
import json; d=json.load(open(\"../out\"))
t=[a for a in d[\"agents\"] if a[\"name\"]==\"research-agent\"][0][\"targets\"]
assert t==[{\"target\":\"claude\",\"path\":\".claude/agents/research-agent.md\",\"version\":\"\",\"state\":\"conflict\"}], t
" &&
	bosun agents list -t qwen >../out && test_grep "not deployed" ../out
'

test_expect_success 'rollback with nothing to roll back is exit 3' '
	setup empty && test_expect_code 3 bosun agents rollback 2>../err &&
	test_grep "no agent deployment to roll back" ../err
'

test_expect_success 'an invalid template: FILE:LINE:COL and field path, exit 65, nothing changed' '
	cd r && before=$(files_digest) &&
	cat >agents/bad.json <<-\EOF &&
	{
	  "id": "Bad_Name",
	  "version": "1.0",
	  "metadata": {"description": "x"},
	  "capabilities": {"model": "gpt-4", "tools": ["Read", "Frobnicate"]},
	  "instructions": "x"
	}
	EOF
	printf -- "---\nversion: 1.0.0\ndescription: [\n---\nx\n" >agents/broken.md &&
	test_expect_code 65 bosun agents deploy $ALL >../out 2>../err &&
	test_grep "^agents/bad.json:2:10: id: .Bad-Name. is not a valid agent name" ../err &&
	test_grep "^agents/bad.json:3:15: version: .1.0. is not a semantic version" ../err &&
	test_grep "^agents/bad.json:5:30: capabilities.model: unknown model .gpt-4." ../err &&
	test_grep "^agents/bad.json:5:57: capabilities.tools\[1\]: unknown tool .Frobnicate." ../err &&
	test_grep "^agents/broken.md:4:1: .*closing bracket" ../err &&
	test_grep "nothing was changed" ../err && test_eq "$before" "$(files_digest)" &&
	test_expect_code 65 bosun --json agents deploy -t claude >../out.json &&
	python3 -c "
import json; d = json.load(open(\"../out.json\"))
assert len(d[\"error\"][\"problems\"]) == 5, d
" && rm agents/bad.json agents/broken.md
'

test_expect_success 'invalid JSON reports its line and column' '
	cd r && printf "{\n  \"id\": \"x\",\n  oops\n}\n" >agents/x.json &&
	test_expect_code 65 bosun agents deploy -t claude 2>../err &&
	test_grep "agents/x.json:3:[0-9]*: invalid JSON" ../err && rm agents/x.json
'

test_expect_success 'missing fields and an empty body are reported' '
	cd r && printf "{\"id\": \"y\"}" >agents/y.json && printf -- "---\nversion: 1.0.0\ndescription: d\n---\n\n" >agents/z.md &&
	test_expect_code 65 bosun agents deploy -t claude 2>../err &&
	test_grep "y.json:1:1: agent_version: is required" ../err &&
	test_grep "y.json:1:1: metadata.description: is required" ../err &&
	test_grep "y.json:1:1: instructions: is required" ../err &&
	test_grep "z.md:5:1: body: the instructions" ../err && rm agents/y.json agents/z.md
'

test_expect_success 'two templates with one name are refused' '
	cd r && printf -- "---\nname: qa\nversion: 1.0.0\ndescription: d\n---\nx\n" >agents/qa2.md &&
	test_expect_code 65 bosun agents deploy -t claude 2>../err &&
	test_grep "agent .qa. is also defined by" ../err && rm agents/qa2.md
'

test_expect_success 'names with .. or slashes are invalid; nothing escapes the target folder' '
	cd r && printf "{\"id\":\"../../evil\",\"version\":\"1.0.0\",\"metadata\":{\"description\":\"d\"},\"instructions\":\"x\"}" >agents/evil.json &&
	printf -- "---\nname: /etc/evil\nversion: 1.0.0\ndescription: d\n---\nx\n" >agents/evil2.md &&
	test_expect_code 65 bosun agents deploy -t claude 2>../err &&
	test_grep "^agents/evil.json:1:8: id: .\.\./\.\./evil. is not a valid agent name" ../err &&
	test_grep "^agents/evil2.md:2:7: name: ./etc/evil. is not a valid agent name" ../err &&
	test ! -e ../evil.md && rm agents/evil.json agents/evil2.md
'

test_expect_success 'a symlinked agents folder or file is never followed' '
	setup s && mkdir ../outside && ln -s ../outside .claude && test -d .claude/ &&
	test_expect_code 1 bosun agents deploy -t claude >../out 2>../err &&
	test_grep "^error     .claude/agents/qa.md.*symlink" ../out && test -z "$(ls ../outside)" &&
	rm .claude && mkdir .claude && ln -s ../../outside .claude/agents && test -d .claude/agents/ &&
	test_expect_code 1 bosun agents deploy -t claude >../out 2>../err &&
	test_grep "^error     .claude/agents/qa.md.*symlink" ../out && test -z "$(ls ../outside)" &&
	rm -rf .claude && mkdir -p .claude/agents && ln -s ../../../outside/x.md .claude/agents/qa.md &&
	test_expect_code 1 bosun agents deploy -t claude >../out 2>../err &&
	test_grep "^error     .claude/agents/qa.md" ../out && test ! -e ../outside/x.md
'

test_expect_success 'a held lock is exit 75 with lock_timeout 0, and waited for otherwise' '
	cd r && bosun agents deploy -t claude >/dev/null 2>&1 &&
	{ sleep 30 & } && holder=$! &&
	echo "$holder $(cut -d" " -f22 /proc/$holder/stat)" >.git/bosun/agents/deploy.lock &&
	BOSUN_AGENTS_LOCK_TIMEOUT=0 test_expect_code 75 bosun agents deploy -t claude 2>../err &&
	test_grep "another bosun is deploying agents" ../err && test -f .git/bosun/agents/deploy.lock &&
	{ (sleep 1; rm -f .git/bosun/agents/deploy.lock) & } &&
	{
		BOSUN_AGENTS_LOCK_TIMEOUT=5s bosun agents deploy -t claude 2>../err
		rc=$?
		kill $holder && wait $holder 2>/dev/null
		test_eq 0 $rc
	}
'

test_expect_success 'a lock left by a killed process is taken over' '
	cd r && { sh -c "exit 0" & } && dead=$! && wait $dead &&
	echo "$dead 12345" >.git/bosun/agents/deploy.lock &&
	BOSUN_AGENTS_LOCK_TIMEOUT=0 bosun agents deploy -t claude 2>../err &&
	test ! -e .git/bosun/agents/deploy.lock
'

test_expect_success 'a lock held by a process that has ended but is not reaped (a zombie) is taken over' '
	cd r && make_zombie ../z && z=$(cat ../z.pid) &&
	echo "$z $(cut -d" " -f22 /proc/$z/stat)" >.git/bosun/agents/deploy.lock &&
	{
		BOSUN_AGENTS_LOCK_TIMEOUT=0 bosun agents deploy -t claude 2>../err
		rc=$?
		kill "$(cat ../z.parent)" && wait "$(cat ../z.parent)" 2>/dev/null
		test_eq 0 $rc
	} && test ! -e .git/bosun/agents/deploy.lock
'

test_expect_success 'two deploys at once from two worktrees are serialised' '
	cd r && git add -A && git commit -qm init && git worktree add -q ../r-wt &&
	for i in 1 2 3 4 5 6 7 8; do
		printf "{\"id\":\"a$i\",\"version\":\"1.0.$i\",\"metadata\":{\"description\":\"d\"},\"instructions\":\"x\"}" >agents/a$i.json; done &&
	cp agents/a*.json ../r-wt/agents/ &&
	{ (bosun agents deploy -t claude >../o1 2>&1; echo $? >../rc1) & } &&
	{ (cd ../r-wt && bosun agents deploy -t claude >../o2 2>&1; echo $? >../rc2) & } &&
	wait && test_eq 0 "$(cat ../rc1)" && test_eq 0 "$(cat ../rc2)" &&
	test_eq 0 "$(sqlite3 .git/bosun/state.db "select count(*) from agent_deploys where state <> \"done\" and state <> \"rolled-back\"")"
'

test_expect_success 'usage errors are exit 64' '
	cd r && test_expect_code 64 bosun agents deploy --bogus 2>/dev/null &&
	test_expect_code 64 bosun agents deploy extra 2>/dev/null &&
	test_expect_code 64 bosun agents deploy -t emacs 2>../err && test_grep "unknown agent target" ../err &&
	test_expect_code 64 bosun agents frobnicate 2>/dev/null
'

test_expect_success 'no template folder is exit 3 with a hint' '
	new_repo nofolder && test_expect_code 3 bosun agents deploy 2>../err && test_grep "hint:" ../err
'

test_expect_success 'targets default to the detected CLIs, else Claude Code' '
	setup det && PATH=/usr/bin:/bin bosun agents deploy >/dev/null 2>&1 && test -d .claude/agents && test ! -e .qwen &&
	mkdir .qwen && PATH=/usr/bin:/bin bosun agents deploy >/dev/null 2>&1 && test -f .qwen/agents/qa.md &&
	printf "agents:\n  targets: [copilot]\n" >bosun.yml && bosun agents deploy >/dev/null 2>&1 &&
	test -f .github/agents/qa.agent.md
'

test_expect_success '--user deploys under $HOME and records it apart' '
	cd det && bosun agents deploy --user -t claude >../out 2>../err &&
	test -f "$HOME/.claude/agents/qa.md" &&
	test_eq 3 "$(sqlite3 .git/bosun/state.db "select count(*) from agent_files where target = \"user:claude\"")" &&
	bosun agents clean --user -t claude >/dev/null 2>&1 && test ! -e "$HOME/.claude/agents/qa.md"
'

test_expect_success 'an edit that keeps the size and puts the mtime back is still seen (ctime)' '
	setup rs && bosun agents deploy -t claude >/dev/null 2>&1 && sleep 1 &&
	f=.claude/agents/qa.md &&
	test_eq 1 "$(sqlite3 .git/bosun/state.db "select count(*) from agent_files where path=\"$f\" and st_hash=hash and st_ctime < st_ref")" &&
	m=$(stat -c %y $f) && s=$(stat -c %s $f) &&
	python3 -c "
import sys; p = sys.argv[1]; b = open(p, \"rb\").read()
open(p, \"r+b\").write(b.replace(b\"You test.\", b\"You TEST.\"))
" $f &&
	touch -d "$m" $f && test_eq "$s" "$(stat -c %s $f)" && test_eq "$m" "$(stat -c %y $f)" &&
	test_eq "$(sqlite3 .git/bosun/state.db "select st_mtime from agent_files where path=\"$f\"")" \
		"$(stat -c %.9Y $f | tr -d .)" &&
	bosun agents deploy -t claude >../out 2>../err &&
	test_grep "^modified  .claude/agents/qa.md" ../out && test_grep "You TEST" $f &&
	test_expect_code 1 bosun agents verify -t claude >../out &&
	test_grep "^claude .claude/agents/qa.md: modified" ../out
'

test_expect_success 'a no-op deploy reads no agent file and writes nothing; a changed template is re-rendered' '
	setup rn && bosun agents deploy -t claude -t qwen >/dev/null 2>&1 && sleep 1 &&
	before=$(files_digest) && bosun agents deploy -t claude -t qwen >../out 2>../err &&
	test_grep "0 deployed, 0 updated, 0 migrated, 6 skipped" ../err &&
	test_eq "$before" "$(files_digest)" && bosun agents verify >/dev/null &&
	sed -i "s/You test./You test twice./" agents/qa.json &&
	bosun agents deploy -t claude -t qwen >../out 2>../err &&
	test_grep "^updated   .claude/agents/qa.md" ../out && test_grep "You test twice." .qwen/agents/qa.md &&
	printf "{\"instructions\": \"Always be kind.\"}\n" >agents/base_agent.json &&
	bosun agents deploy -t claude >../out 2>../err && test_grep "3 updated" ../err &&
	test_grep "^Always be kind.$" .claude/agents/reviewer.md &&
	sqlite3 .git/bosun/state.db "update agent_files set renderer=\"old\"" &&
	bosun agents deploy -t claude >../out 2>../err && test_grep "3 skipped" ../err
'

test_expect_success 'an unchanged template costs a stat: its bytes are read only when needed' '
	setup ts && bosun agents deploy -t claude >/dev/null 2>&1 && sleep 1 &&
	bosun agents deploy -t claude >/dev/null 2>&1 &&
	test_eq 3 "$(sqlite3 .git/bosun/state.db "select count(*) from agent_templates where ctime < ref and mtime < ref")" &&
	test_eq "$(sha256sum agents/qa.json | cut -d" " -f1)" \
		"$(sqlite3 .git/bosun/state.db "select hash from agent_templates where name=\"qa.json\"")"
'

test_expect_success 'strace -o /dev/null true' 'an unchanged template is not opened (strace)' '
	cd ts &&
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -e trace=openat -o ../trace "$BOSUN" agents deploy -t claude >../out 2>../err &&
	test_grep "3 skipped" ../err && test_grep "openat" ../trace &&
	test_no_grep "agents/qa.json\|agents/reviewer.md\|agents/research_agent.json" ../trace
'

test_expect_success 'a template edited in place, same size, mtime put back, is read again (ctime)' '
	setup tc && bosun agents deploy -t claude >/dev/null 2>&1 && sleep 1 &&
	bosun agents deploy -t claude >/dev/null 2>&1 &&
	f=agents/qa.json &&
	test_eq 1 "$(sqlite3 .git/bosun/state.db "select count(*) from agent_templates where name=\"qa.json\" and ctime < ref")" &&
	m=$(stat -c %y $f) && s=$(stat -c %s $f) &&
	python3 -c "
import sys; p = sys.argv[1]; b = open(p, \"rb\").read()
open(p, \"r+b\").write(b.replace(b\"You test.\", b\"You TEST.\"))
" $f &&
	touch -d "$m" $f && test_eq "$s" "$(stat -c %s $f)" && test_eq "$m" "$(stat -c %y $f)" &&
	test_eq "$(sqlite3 .git/bosun/state.db "select mtime from agent_templates where name=\"qa.json\"")" \
		"$(stat -c %.9Y $f | tr -d .)" &&
	bosun agents deploy -t claude >../out 2>../err &&
	test_grep "^updated   .claude/agents/qa.md" ../out && test_grep "You TEST." .claude/agents/qa.md &&
	test_grep "1 updated" ../err && bosun agents verify -t claude >/dev/null
'

test_done

#!/bin/sh
# bosun agents on real claude-mpm templates (tests/data/claude-mpm, see its
# SOURCES for the commit each file comes from): three generations of its
# formats with its real base agent deploy to every target; what claude-mpm
# wrote that a CLI does not take is warned about, or refused with a reason.
. "$(dirname "$0")/lib.sh"

ALL="-t claude -t qwen -t opencode -t copilot"
DATA="$BOSUN_TOP/tests/data/claude-mpm"

# setup NAME: a repository with the real set and the real base agent.
setup() {
	new_repo "$1" && mkdir agents && cp "$DATA"/templates/* agents/ &&
	cp "$DATA/base_agent.json" agents/
}

test_expect_success 'the real set deploys with the real base agent to every target' '
	setup r && bosun agents deploy $ALL >../out 2>../err &&
	test_grep "44 deployed.* 0 errors" ../err &&
	for n in qa-agent security-agent agent-manager documentation-agent prompt-engineer \
		vercel-ops-agent php-engineer engineer-agent api-qa-agent \
		google-cloud-ops-agent typescript-engineer
	do
		test -f .claude/agents/$n.md && test -f .qwen/agents/$n.md &&
		test -f .opencode/agent/$n.md && test -f .github/agents/$n.agent.md &&
		test_grep "^# Claude MPM Framework Agent$" .claude/agents/$n.md || return 1
	done &&
	bosun agents verify $ALL >../verify 2>&1 && test_grep "44 files checked, 0 problems" ../verify
'

test_expect_success 'python3 -c "import yaml"' 'every file it wrote parses back to YAML' '
	cd r && python3 -c "
import glob, yaml
files = glob.glob(\".claude/agents/*.md\") + glob.glob(\".qwen/agents/*.md\") + \
	glob.glob(\".opencode/agent/*.md\") + glob.glob(\".github/agents/*.agent.md\")
assert len(files) == 44, files
for f in files:
	fm = yaml.safe_load(open(f).read().split(\"\n---\n\")[0][4:])
	assert fm[\"description\"], f
"
'

test_expect_success 'an integer version (claude-mpm wrote 3) is read as 3.0.0' '
	cd r && test_grep "^version: \"3.0.0\"$" .claude/agents/qa-agent.md &&
	test_grep "^deployed  .claude/agents/security-agent.md 3.0.0$" ../out
'

test_expect_success 'instructions under narrative_fields are kept, the template first' '
	cd r && f=.claude/agents/qa-agent.md && test_grep "^# QA Agent$" $f &&
	test_grep "^## Testing Protocol$" $f &&
	qa=$(grep -n "^# QA Agent$" $f | cut -d: -f1) &&
	base=$(grep -n "^# Claude MPM Framework Agent$" $f | cut -d: -f1) &&
	test "$qa" -lt "$base"
'

test_expect_success 'instructions given as an object become sections' '
	cd r && f=.claude/agents/php-engineer.md && test_grep "^## Analysis$" $f &&
	test_grep "^## Best practices$" $f &&
	test_grep "^You are a PHP Engineer specializing in modern PHP" $f &&
	test_grep "^1. Always use strict typing: declare(strict_types=1)$" $f &&
	f=.claude/agents/prompt-engineer.md && test_grep "^## Primary role$" $f &&
	test_grep "^#### Model selection criteria$" $f &&
	test_grep "^- Sonnet 4.5: All coding tasks" $f
'

test_expect_success 'an unknown colour is a warning and is left out; a known one is kept' '
	cd r && test_grep "^bosun: warning: agents/agent-manager.json:[0-9]*:[0-9]*: metadata.color: unknown color .indigo. left out" ../err &&
	test_grep "^bosun: warning: agents/vercel_ops_agent.json:[0-9]*:[0-9]*: metadata.color: unknown color .black." ../err &&
	test_grep "^bosun: warning: agents/typescript_engineer.md:25:8: color: unknown color .indigo." ../err &&
	test_no_grep "^color:" .claude/agents/agent-manager.md &&
	test_no_grep "^color:" .qwen/agents/vercel-ops-agent.md &&
	test_grep "^color: yellow$" .claude/agents/prompt-engineer.md
'

test_expect_success 'models follow Claude Code: sonnet-4.5 is its full id, a made-up id its alias' '
	cd r && test_grep "^model: claude-sonnet-4-5$" .claude/agents/prompt-engineer.md &&
	test_grep "^model: anthropic/claude-sonnet-4-5$" .opencode/agent/prompt-engineer.md &&
	test_grep "^model: sonnet$" .claude/agents/engineer-agent.md &&
	test_grep "^model: sonnet$" .claude/agents/qa-agent.md &&
	test_grep "qa_agent.json:[0-9]*:[0-9]*: configuration_fields.model: .claude-4-sonnet-20250514. is not a Claude model id; using .sonnet." ../err
'

test_expect_success 'full model ids and versioned aliases are written as Claude Code takes them' '
	new_repo m && mkdir agents &&
	for m in claude-sonnet-4-5-20250929 claude-opus-4-1 claude-3-5-haiku-20241022 \
		opus-4.1 haiku-3.5 sonnet-4 inherit
	do
		n=$(echo "$m" | tr . -) &&
		printf -- "---\nname: m-%s\nversion: 1.0.0\ndescription: d\nmodel: %s\n---\nx\n" "$n" "$m" >agents/$n.md || return 1
	done &&
	bosun agents deploy -t claude -t opencode >../out 2>../err &&
	test_grep "^model: claude-sonnet-4-5-20250929$" .claude/agents/m-claude-sonnet-4-5-20250929.md &&
	test_grep "^model: claude-opus-4-1$" .claude/agents/m-claude-opus-4-1.md &&
	test_grep "^model: claude-3-5-haiku-20241022$" .claude/agents/m-claude-3-5-haiku-20241022.md &&
	test_grep "^model: claude-opus-4-1$" .claude/agents/m-opus-4-1.md &&
	test_grep "^model: claude-3-5-haiku-latest$" .claude/agents/m-haiku-3-5.md &&
	test_grep "^model: claude-sonnet-4-0$" .claude/agents/m-sonnet-4.md &&
	test_grep "^model: inherit$" .claude/agents/m-inherit.md &&
	test_grep "^model: anthropic/claude-opus-4-1$" .opencode/agent/m-opus-4-1.md &&
	test_no_grep "^model:" .opencode/agent/m-inherit.md &&
	bosun agents verify -t claude >../out 2>&1
'

test_expect_success 'a model that is none is still refused' '
	cd m && printf -- "---\nversion: 1.0.0\ndescription: d\nmodel: sonnet-4.x\n---\nx\n" >agents/bad.md &&
	test_expect_code 65 bosun agents deploy -t claude 2>../err &&
	test_grep "agents/bad.md:4:8: model: unknown model .sonnet-4.x." ../err && rm agents/bad.md
'

test_expect_success 'MCP tools map to Copilot server/tool, and stay mcp__ for Claude Code' '
	cd r && f=.github/agents/documentation-agent.agent.md &&
	test_grep "^- claude-mpm-gateway/document_summarizer$" $f &&
	test_grep "^- mcp-vector-search/search_code$" $f && test_grep "^- read$" $f &&
	test_grep "mcp__mcp-vector-search__search_code" .claude/agents/documentation-agent.md &&
	test_eq 0 "$(sed -n "2,/^---\$/p" .qwen/agents/documentation-agent.md | grep -c mcp)" &&
	test_grep "^- read_file$" .qwen/agents/documentation-agent.md
'

test_expect_success 'a prompt over Copilot.s 30,000 characters is not written for Copilot; the file and size are named' '
	cd r && cp "$DATA/too-long/java_engineer.json" agents/ &&
	test_expect_code 1 bosun agents deploy $ALL >../out 2>../err &&
	test_grep "^error     .github/agents/java-engineer.agent.md 1.0.0: the prompt (from agents/java_engineer.json) is 41617 characters; GitHub Copilot allows 30000: not written$" ../out &&
	test ! -e .github/agents/java-engineer.agent.md &&
	test -f .claude/agents/java-engineer.md && test -f .qwen/agents/java-engineer.md &&
	test -f .opencode/agent/java-engineer.md &&
	test_expect_code 1 bosun --json agents deploy -t copilot >../out.json &&
	python3 -c "
import json; d = json.load(open(\"../out.json\"))
e = d[\"errors\"]
assert len(e) == 1 and e[0][\"path\"] == \".github/agents/java-engineer.agent.md\", d
assert \"41617 characters\" in e[0][\"reason\"], d
" && rm agents/java_engineer.json
'

test_expect_success 'the limit counts characters, not bytes: 30,000 pass, 30,001 do not' '
	new_repo c && mkdir agents &&
	body=$(python3 -c "print(\"\\u00e9\" * 30000)") &&
	printf -- "---\nversion: 1.0.0\ndescription: d\n---\n%s\n" "$body" >agents/at.md &&
	printf -- "---\nversion: 1.0.0\ndescription: d\n---\n%sx\n" "$body" >agents/over.md &&
	test_expect_code 1 bosun agents deploy -t copilot >../out 2>../err &&
	test -f .github/agents/at.agent.md && test ! -e .github/agents/over.agent.md &&
	test_grep "^error     .github/agents/over.agent.md 1.0.0: the prompt (from agents/over.md) is 30001 characters" ../out
'

test_expect_success 'instructions that are neither text nor sections, or empty, are refused' '
	new_repo i && mkdir agents &&
	printf "{\"id\": \"a\", \"version\": 2, \"metadata\": {\"description\": \"d\"}, \"instructions\": 5}" >agents/a.json &&
	printf "{\"id\": \"b\", \"version\": 2, \"metadata\": {\"description\": \"d\"}, \"instructions\": {}}" >agents/b.json &&
	printf "{\"id\": \"c\", \"version\": -1, \"metadata\": {\"description\": \"d\"}, \"narrative_fields\": {\"instructions\": \" \"}}" >agents/c.json &&
	test_expect_code 65 bosun agents deploy -t claude 2>../err &&
	test_grep "agents/a.json:1:[0-9]*: instructions: must be text or an object of sections" ../err &&
	test_grep "agents/b.json:1:[0-9]*: instructions: must not be empty" ../err &&
	test_grep "agents/c.json:1:[0-9]*: version: must be a semantic version or a non-negative integer" ../err &&
	test_grep "agents/c.json:1:[0-9]*: narrative_fields.instructions: must not be empty" ../err &&
	test ! -e .claude
'

test_expect_success 'spaces around a description are dropped; an MCP tool name with a space is refused' '
	new_repo sp && mkdir agents &&
	printf "{\"id\": \"a\", \"version\": 1, \"description\": \"  spaced  \", \"instructions\": \"x\"}" >agents/a.json &&
	bosun agents deploy -t claude -t copilot >../out 2>&1 &&
	test_grep "^description: spaced$" .claude/agents/a.md &&
	test_grep "^description: spaced$" .github/agents/a.agent.md &&
	printf "{\"id\": \"b\", \"version\": 1, \"description\": \"d\", \"instructions\": \"x\", \"capabilities\": {\"tools\": [\"mcp__s__t u\"]}}" >agents/b.json &&
	test_expect_code 65 bosun agents deploy -t claude 2>../err &&
	test_grep "agents/b.json:1:[0-9]*: capabilities.tools\[0\]: unknown tool .mcp__s__t u." ../err
'

test_expect_success 'a template error in --json is the one error object: message, exit, hint' '
	cd i && test_expect_code 65 bosun --json agents deploy -t claude >../out.json 2>../err &&
	python3 -c "
import json; d = json.load(open(\"../out.json\"))
e = d[\"error\"]
assert set(e) == {\"message\", \"exit\", \"hint\", \"problems\"}, e
assert e[\"exit\"] == 65 and \"nothing was changed\" in e[\"message\"], e
assert e[\"hint\"] and len(e[\"problems\"]) == 4, e
" && test_grep "^hint: " ../err
'

test_done

#!/bin/sh
# bosun config: layers, origins, errors with line and column, exit 65.
. "$(dirname "$0")/lib.sh"

test_expect_success 'defaults, each with its origin' '
	new_repo r && bosun config >../out &&
	test_grep "^release.tag = v{version}  # default$" ../out &&
	test_grep "^commit.header_max = 100  # default$" ../out
'

test_expect_success 'bosun.yml over the defaults, with FILE:LINE:COL as origin' '
	cd r && printf "release:\n  tag: \"rel-{version}\"\n" >bosun.yml &&
	bosun config release.tag >../out && test_eq "rel-{version}" "$(cat ../out)" &&
	bosun config | grep "^release.tag" >../out && test_grep "# bosun.yml:2:3" ../out
'

test_expect_success 'the user file is under bosun.yml; env is over both' '
	cd r && mkdir -p "$BOSUN_HOME/config/bosun" &&
	printf "release:\n  initial: 1.0.0\n  tag: \"user-{version}\"\n" >"$BOSUN_HOME/config/bosun/config.yml" &&
	test_eq 1.0.0 "$(bosun config release.initial)" &&
	test_eq "rel-{version}" "$(bosun config release.tag)" &&
	test_eq "env-{version}" "$(BOSUN_RELEASE_TAG="env-{version}" bosun config release.tag)" &&
	BOSUN_RELEASE_TAG="env-{version}" bosun --json config release.tag >../out &&
	test_grep "\"origin\": \"env BOSUN_RELEASE_TAG\"" ../out &&
	rm "$BOSUN_HOME/config/bosun/config.yml"
'

test_expect_success '--json dumps every key with value and origin' '
	cd r && bosun --json config >../out &&
	python3 -c "
import json; d=json.load(open(\"../out\"))
assert d[\"release.tag\"][\"origin\"].startswith(\"bosun.yml:\"), d[\"release.tag\"]
assert d[\"changelog.sections\"][\"value\"][0][\"title\"]==\"Features\"
assert d[\"release.build\"][\"value\"]==[]
"
'

test_expect_success 'an unknown key: FILE:LINE:COL, a suggestion, exit 65' '
	cd r && printf "release:\n  tga: x\n" >bosun.yml &&
	test_expect_code 65 bosun config 2>../err &&
	test_grep "bosun.yml:2:3: unknown key .release.tga. (did you mean .release.tag.?)" ../err
'

test_expect_success 'a wrong type: FILE:LINE:COL and exit 65 for every command' '
	cd r && printf "release:\n  zero_major: maybe\n" >bosun.yml &&
	test_expect_code 65 bosun version next 2>../err &&
	test_grep "bosun.yml:2:15: .release.zero_major. must be a boolean" ../err &&
	test_expect_code 65 bosun commit lint ../err 2>/dev/null
'

test_expect_success 'a YAML syntax error: FILE:LINE:COL and exit 65' '
	cd r && printf "release:\n  tag: [unclosed\n" >bosun.yml &&
	test_expect_code 65 bosun config 2>../err && test_grep "^bosun: bosun.yml:3:" ../err
'

test_expect_success 'a YAML input that crashed libfyaml: exit 65, no crash' '
	cd r && echo LS0tCi0gPyAtOjo6CToKEDoJOgoQZDo6Q3o6OjoJOgoQOjo6OjoKEDo6Ojo6CToKEDo6Oi06OjovOjoJOgoQOjoJOgo6OjoJOgoQZDo6Q3o6Oi06Ojo6Ogk6ChA6Ojo6Ogk6ChA6Ci0tLQo= |
		base64 -d >bosun.yml &&
	test_expect_code 65 bosun config 2>../err &&
	test_grep "^bosun: bosun.yml:2:3: an explicit key" ../err &&
	mkdir -p agents && cp bosun.yml agents/crash.md && rm bosun.yml &&
	test_expect_code 65 bosun agents deploy 2>../err &&
	test_grep "crash.md:2:3: an explicit key" ../err &&
	rm -r agents
'

test_expect_success 'a step without run is an error with its position' '
	cd r && printf "release:\n  publish:\n    - name: npm\n" >bosun.yml &&
	test_expect_code 65 bosun config 2>../err && test_grep "bosun.yml:3:" ../err
'

test_expect_success 'a bad BOSUN_ variable names itself' '
	cd r && rm -f bosun.yml &&
	BOSUN_RELEASE_PUSH=x test_expect_code 65 bosun config 2>../err &&
	test_grep "BOSUN_RELEASE_PUSH: must be a boolean" ../err
'

test_expect_success 'other BOSUN_ variables are not configuration' '
	cd r && BOSUN_SKIP=x BOSUN_LOG=0 bosun config >/dev/null
'

test_expect_success 'lists from the environment are comma-separated' '
	cd r && test_eq "[\"main\",\"release/x\"]" "$(BOSUN_RELEASE_BRANCHES=main,release/x bosun config release.branches)"
'

test_expect_success 'an unknown KEY is exit 3 with a suggestion' '
	cd r && test_expect_code 3 bosun config release.tga 2>../err &&
	test_grep "did you mean .release.tag." ../err
'

test_expect_success 'a malformed bosun.yml changes nothing on disk' '
	cd r && echo 1.0.0 >VERSION && git add VERSION && git commit -q -m "feat: v" &&
	printf "release: [\n" >bosun.yml && before=$(tree_digest) &&
	test_expect_code 65 bosun version set 2.0.0 2>/dev/null &&
	test_expect_code 65 bosun release 2>/dev/null &&
	test_eq "$before" "$(tree_digest)"
'

test_expect_success 'outside a repository only the user file and env apply' '
	mkdir -p "$TRASH/nowhere" && cd "$TRASH/nowhere" &&
	GIT_CEILING_DIRECTORIES="$TRASH" bosun config release.tag >../out &&
	test_eq "v{version}" "$(cat ../out)"
'

test_expect_success 'every config_*("KEY") literal in src/ names a key' '
	bosun --json config >keys.json &&
	find "$BOSUN_TOP/src" -name "*.[ch]" -exec cat {} + | tr "\n\t" "  " |
	grep -oE "config_(get|str|bool|int|strlist|origin)\([^,()]*, *\"[^\"]*\"" |
	sed "s/.*\"\(.*\)\"$/\1/" | sort -u >used &&
	test "$(wc -l <used)" -gt 40 &&
	while read -r key; do
		grep -qF "  \"$key\": {" keys.json ||
		{ echo "src/ reads config key \"$key\", which no table has" >&2; return 1; }
	done <used
'

test_done

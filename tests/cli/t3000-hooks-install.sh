#!/bin/sh
# bosun hooks install / uninstall / list: shims, kept hooks restored byte
# for byte, core.hooksPath, worktrees.
. "$(dirname "$0")/lib.sh"

mode() { stat -c %a "$1"; }

test_expect_success 'install writes the three default shims, executable, with bosun'"'"'s absolute path' '
	new_repo r && commit "feat: init" &&
	bosun hooks install >../out 2>../err &&
	for h in pre-commit commit-msg pre-push; do
		test -x .git/hooks/$h || return 1
		test_grep "^$h  *installed$" ../out || return 1
	done &&
	test_eq "#!$BOSUN hook-shim" "$(head -n 1 .git/hooks/pre-commit)" &&
	test_eq 2 "$(wc -l <.git/hooks/pre-commit)" &&
	test_grep "hooks folder: $TRASH/r/.git/hooks" ../err &&
	test ! -e .git/hooks/post-commit
'

test_expect_success 'a commit with the shims and no checks works and prints nothing' '
	cd r && echo x >x && git add x && git commit -q -m "feat: x" 2>../err &&
	test_eq "" "$(cat ../err)" && test_eq "feat: x" "$(git log -1 --format=%s)"
'

test_expect_success 'install again changes nothing' '
	cd r && sum=$(cat .git/hooks/* | sha256sum) &&
	bosun hooks install >../out 2>/dev/null &&
	test_grep "^pre-commit  *unchanged$" ../out &&
	test_eq "$sum" "$(cat .git/hooks/* | sha256sum)"
'

test_expect_success '--use-path writes a shim that runs bosun from PATH' '
	new_repo p && bosun hooks install --use-path pre-commit >/dev/null 2>&1 &&
	test_grep "^exec bosun hooks run pre-commit \"\$@\"$" .git/hooks/pre-commit &&
	test ! -e .git/hooks/commit-msg
'

test_expect_success 'hooks.install chooses the hooks' '
	new_repo c && printf "hooks:\n  install: [pre-commit, post-merge]\n" >bosun.yml &&
	bosun hooks install >/dev/null 2>&1 &&
	test -x .git/hooks/post-merge && test ! -e .git/hooks/pre-push
'

test_expect_success 'a bad hooks.install is a config error with its position' '
	new_repo bc && printf "hooks:\n  install: [pre-comit]\n" >bosun.yml &&
	test_expect_code 65 bosun hooks install 2>../err &&
	test_grep "bosun.yml:2:.*pre-comit" ../err && test ! -e .git/hooks/pre-commit
'

test_expect_success 'an unknown hook name is a usage error, nothing written' '
	new_repo u && test_expect_code 64 bosun hooks install pre-comit 2>../err &&
	test_grep "pre-comit" ../err && test ! -e .git/hooks/pre-commit
'

test_expect_success 'an existing hook is kept, run first, and can block' '
	new_repo k && commit "feat: init" &&
	printf "#!/bin/sh\necho ran-original \"\$@\" >>../orig.log\nexit \${ORIG_EXIT:-0}\n" >.git/hooks/pre-commit &&
	printf "\n" >>.git/hooks/pre-commit && chmod 0710 .git/hooks/pre-commit &&
	sum=$(sha256sum <.git/hooks/pre-commit) &&
	bosun hooks install >../out 2>/dev/null &&
	test_grep "pre-commit  *installed, keeping the previous hook" ../out &&
	test_eq "$sum" "$(sha256sum <.git/bosun/hooks/orig/pre-commit)" &&
	echo a >a && git add a && git commit -q -m "feat: a" 2>../err &&
	test_grep "ran-original" ../orig.log &&
	echo b >b && git add b &&
	ORIG_EXIT=1 test_expect_code 1 git commit -q -m "feat: b" 2>../err &&
	test_grep "FAIL  previous pre-commit hook" ../err
'

test_expect_success 'the kept hook gets git'"'"'s arguments' '
	cd k && printf "#!/bin/sh\necho \"args:\$*\" >>../args.log\n" >.git/bosun/hooks/orig/commit-msg &&
	chmod +x .git/bosun/hooks/orig/commit-msg &&
	bosun hooks run commit-msg .git/COMMIT_EDITMSG 2>/dev/null &&
	test_grep "args:.git/COMMIT_EDITMSG" ../args.log
'

test_expect_success 'uninstall restores the kept hook byte for byte, mode too, and removes the others' '
	new_repo un && commit "feat: init" &&
	printf "#!/bin/sh\n# mine\r\nexit 0\n" >.git/hooks/pre-commit && chmod 0750 .git/hooks/pre-commit &&
	ln -s ../../tools/push.sh .git/hooks/pre-push &&
	sum=$(sha256sum <.git/hooks/pre-commit) &&
	bosun hooks install >/dev/null 2>&1 && test -f .git/bosun/hooks/orig/pre-push -o -L .git/bosun/hooks/orig/pre-push &&
	bosun hooks uninstall >../out 2>/dev/null &&
	test_eq "$sum" "$(sha256sum <.git/hooks/pre-commit)" &&
	test_eq 750 "$(mode .git/hooks/pre-commit)" &&
	test_eq "../../tools/push.sh" "$(readlink .git/hooks/pre-push)" &&
	test ! -e .git/hooks/commit-msg &&
	test_grep "^pre-commit  *restored the previous hook" ../out &&
	test_grep "^commit-msg  *removed" ../out &&
	test ! -e .git/bosun/hooks/orig/pre-commit
'

test_expect_success 'uninstall leaves a hook that is not bosun'"'"'s alone' '
	new_repo la && bosun hooks install >/dev/null 2>&1 &&
	printf "#!/bin/sh\nexit 0\n" >.git/hooks/pre-push &&
	bosun hooks uninstall >../out 2>/dev/null &&
	test_grep "^pre-push  *left alone" ../out && test -f .git/hooks/pre-push
'

test_expect_success 'install refuses when a foreign hook and a kept one both exist' '
	new_repo two && printf "#!/bin/sh\n" >.git/hooks/pre-commit &&
	bosun hooks install >/dev/null 2>&1 &&
	printf "#!/bin/sh\necho other\n" >.git/hooks/pre-commit &&
	sum=$(cat .git/hooks/pre-commit .git/bosun/hooks/orig/pre-commit | sha256sum) &&
	test_expect_code 1 bosun hooks install 2>../err &&
	test_grep "kept hook is already" ../err &&
	test_eq "$sum" "$(cat .git/hooks/pre-commit .git/bosun/hooks/orig/pre-commit | sha256sum)"
'

test_expect_success 'core.hooksPath: refused with an explanation, nothing changed' '
	new_repo hp && mkdir -p .husky/_ && printf "#!/bin/sh\necho husky\n" >.husky/_/pre-commit &&
	chmod +x .husky/_/pre-commit && git config core.hooksPath .husky/_ &&
	before=$(tree_digest) &&
	test_expect_code 1 bosun hooks install 2>../err &&
	test_grep "core.hooksPath is set to .\.husky/_." ../err &&
	test_grep "hint: .*--force" ../err &&
	test_eq "$before" "$(tree_digest)" && test ! -e .git/hooks/pre-commit
'

test_expect_success 'core.hooksPath with --force: shims there, the hook kept and restored' '
	cd hp && sum=$(sha256sum <.husky/_/pre-commit) &&
	bosun hooks install --force >/dev/null 2>../err &&
	test_grep "hooks folder: $TRASH/hp/.husky/_" ../err &&
	test_grep "hook-shim" .husky/_/pre-commit &&
	test_eq "$sum" "$(sha256sum <.git/bosun/hooks/orig/pre-commit)" &&
	bosun hooks list >../out 2>../err && test_grep "(core.hooksPath)" ../err &&
	test_grep "^pre-commit  *installed (+previous)" ../out &&
	bosun hooks uninstall >/dev/null 2>&1 &&
	test_eq "$sum" "$(sha256sum <.husky/_/pre-commit)" && test ! -e .husky/_/commit-msg
'

test_expect_success 'from a linked worktree: shims go to the common hooks folder and run there' '
	new_repo main && commit "feat: init" &&
	git worktree add -q ../wt -b side &&
	cd ../wt && bosun hooks install >/dev/null 2>../err &&
	test_grep "hooks folder: $TRASH/main/.git/hooks" ../err &&
	test -x ../main/.git/hooks/pre-commit &&
	printf "hooks:\n  pre-commit:\n    checks:\n      - name: mark\n        run: \"pwd >../wt-ran\"\n" >bosun.yml &&
	git add bosun.yml && git commit -q -m "feat: cfg" 2>/dev/null &&
	test_eq "$TRASH/wt" "$(cat ../wt-ran)"
'

test_expect_success 'list shows installed hooks and configured checks; --json' '
	new_repo l && printf "hooks:\n  pre-commit:\n    checks: [conflict-markers, {name: t, run: [true]}]\n" >bosun.yml &&
	bosun hooks install pre-commit >/dev/null 2>&1 &&
	bosun hooks list >../out 2>/dev/null &&
	test_grep "^pre-commit  *installed  *conflict-markers, t$" ../out &&
	test_grep "^commit-msg  *not installed  *-$" ../out &&
	bosun --json hooks list >../out.json 2>/dev/null &&
	python3 -c "
import json; d=json.load(open(\"../out.json\"))
h={x[\"hook\"]: x for x in d[\"hooks\"]}
assert h[\"pre-commit\"][\"installed\"]==\"bosun\" and h[\"pre-commit\"][\"checks\"]==[\"conflict-markers\",\"t\"], d
assert h[\"commit-msg\"][\"installed\"]==\"none\" and h[\"pre-commit\"][\"previous\"] is False, d
assert d[\"dir\"].endswith(\"/l/.git/hooks\") and d[\"hooks_path\"] is None, d
"
'

test_expect_success 'install --json' '
	new_repo j && bosun --json hooks install pre-push >../out.json 2>/dev/null &&
	python3 -c "
import json; d=json.load(open(\"../out.json\"))
assert d[\"hooks\"]==[{\"hook\":\"pre-push\",\"installed\":\"bosun\",\"previous\":False,\"action\":\"installed\"}], d
"
'

test_expect_success 'outside a repository: not found' '
	mkdir -p plain && cd plain && test_expect_code 3 bosun hooks install 2>../err
'

test_expect_success 'every verb has -h, and every option in it is in docs/hooks.md' '
	for v in install uninstall list run recover; do
		bosun hooks $v -h >out || return 1
		test_grep "^usage: bosun hooks $v" out || return 1
		for o in $(grep -oE -- "--[a-z][a-z-]+" out | sort -u); do
			grep -q -- "$o" "$BOSUN_TOP/docs/hooks.md" || { echo "$v: $o"; return 1; }
		done
	done
'

test_expect_success 'a bosun whose path cannot go on a #! line gets the /bin/sh shim' '
	new_repo sp && mkdir -p "../dir with space" && cp "$BOSUN" "../dir with space/bosun" &&
	"../dir with space/bosun" hooks install pre-commit >/dev/null 2>&1 &&
	test_eq "#!/bin/sh" "$(head -n 1 .git/hooks/pre-commit)" &&
	echo x >x && git add x && git commit -q -m "feat: x" &&
	"../dir with space/bosun" hooks uninstall >/dev/null 2>&1 && test ! -e .git/hooks/pre-commit
'

test_expect_success 'bosun hook-shim runs the hook named by the script path' '
	new_repo hs && printf "hooks:\n  pre-commit:\n    checks:\n      - { name: says-hi, run: [sh, -c, \"echo hi-from-check\"] }\n" >bosun.yml &&
	bosun hook-shim "$PWD/.git/hooks/pre-commit" >../out 2>&1 &&
	test_grep "says-hi" ../out
'

test_done

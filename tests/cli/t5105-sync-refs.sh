#!/bin/sh
# bosun sync reads the branch, its commit and its upstream from the files
# git keeps them in: with nothing to push it runs one git, the push. Where
# that is not sure (a config include, branch settings in the user's
# config, half an upstream) git is asked, and the answer is git's.
. "$(dirname "$0")/lib.sh"

# git through a wrapper that notes every git bosun runs.
mkdir -p "$TRASH/bin"
REAL_GIT=$(command -v git)
cat >"$TRASH/bin/git" <<EOF
#!/bin/sh
echo "\$*" >>"$TRASH/git.log"
exec "$REAL_GIT" "\$@"
EOF
chmod +x "$TRASH/bin/git"

# sync [ARGS]: bosun --json sync with the wrapper, its git calls in git.log.
sync() {
	: >"$TRASH/git.log" &&
	PATH="$TRASH/bin:$PATH" "$BOSUN" --json sync "$@" >"$TRASH/out"
}

# remote_has REMOTE BRANCH: REMOTE.git's BRANCH is this HEAD.
remote_has() {
	test_eq "$(git rev-parse HEAD)" "$(git -C "$TRASH/$1.git" rev-parse "$2")"
}

test_expect_success 'setup: two bare remotes, a clone tracking origin' '
	git init -q --bare remote.git && git init -q --bare other.git &&
	new_repo seed && commit "feat: one" && git push -q ../remote.git main &&
	git push -q ../other.git main &&
	cd "$TRASH" && git clone -q remote.git a 2>/dev/null && cd a &&
	git remote add other ../other.git && git fetch -q other
'

test_expect_success 'nothing to push: one git, the push' '
	cd a && sync && test_grep "\"outcome\": \"up-to-date\"" "$TRASH/out" &&
	test_eq 1 "$(wc -l <"$TRASH/git.log")" && test_grep "^push " "$TRASH/git.log"
'

test_expect_success 'a new commit goes to the upstream, read from the config' '
	cd a && commit "feat: two" && sync && test_grep "\"outcome\": \"pushed\"" "$TRASH/out" &&
	remote_has remote main && test_no_grep "^symbolic-ref" "$TRASH/git.log" &&
	test_no_grep "^for-each-ref" "$TRASH/git.log"
'

test_expect_success 'an upstream on another remote under another name' '
	cd a && git checkout -q -b topic && git push -q other topic:theirs &&
	git branch -q -u other/theirs && commit "feat: topic" && sync &&
	test_grep "\"outcome\": \"pushed\"" "$TRASH/out" && remote_has other theirs &&
	! git -C "$TRASH/remote.git" rev-parse -q --verify topic &&
	test_no_grep "^for-each-ref" "$TRASH/git.log"
'

test_expect_success 'the upstream in an included config file: git asked, its answer' '
	cd a && git checkout -q -b topic2 && git push -q other topic2:theirs2 &&
	printf "[branch \"topic2\"]\n\tremote = other\n\tmerge = refs/heads/theirs2\n" >"$TRASH/up.cfg" &&
	git config include.path "$TRASH/up.cfg" && commit "feat: topic2" && sync &&
	remote_has other theirs2 && test_grep "^for-each-ref" "$TRASH/git.log" &&
	git config --unset include.path
'

test_expect_success 'branch settings in the user config: git asked, its answer' '
	cd a && git checkout -q -b topic3 && git push -q other topic3:theirs3 &&
	git config --global branch.topic3.remote other &&
	git config --global branch.topic3.merge refs/heads/theirs3 &&
	commit "feat: topic3" && sync && remote_has other theirs3 &&
	test_grep "^for-each-ref" "$TRASH/git.log" &&
	git config --global --remove-section branch.topic3
'

test_expect_success 'a branch header not as git writes it: git asked, its answer' '
	cd a && git checkout -q -b topic5 && git push -q other topic5:theirs5 &&
	printf "[branch  \"topic5\"]\n\tremote = other\n\tmerge = refs/heads/theirs5\n" >>.git/config &&
	commit "feat: topic5" && sync && remote_has other theirs5 &&
	test_grep "^for-each-ref" "$TRASH/git.log" && git config --remove-section branch.topic5
'

test_expect_success 'half an upstream (a remote, no merge): git asked, its answer' '
	cd a && git checkout -q -b topic4 && git config branch.topic4.remote other &&
	commit "feat: topic4" && sync && test_grep "^for-each-ref" "$TRASH/git.log" &&
	remote_has remote topic4
'

test_expect_success 'REMOTE given: the upstream of another remote is not used' '
	cd a && git checkout -q topic && commit "feat: topic again" && sync origin &&
	remote_has remote topic && test_no_grep "^for-each-ref" "$TRASH/git.log"
'

test_done

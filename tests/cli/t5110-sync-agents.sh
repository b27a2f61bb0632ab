#!/bin/sh
# Twenty agents in twenty worktrees of one repository commit and run
# `bosun sync` against one bare remote at the same moment: every commit
# lands, nothing conflicts, nothing fails. With `bosun merge-driver` built
# in, they also add entries to the same roadmap and changelog, and every
# entry of every agent is in the final files, with no conflict markers.
. "$(dirname "$0")/lib.sh"

N=20
export BOSUN_SYNC_BACKOFF=10ms BOSUN_SYNC_BACKOFF_MAX=50ms BOSUN_SYNC_WAIT=120s
have_driver() { "$BOSUN" merge-driver -h >/dev/null 2>&1; }

test_expect_success 'setup: a remote, a roadmap, a changelog, twenty worktrees' '
	git init -q --bare remote.git && new_repo seed &&
	printf "# Roadmap\n\n## Tasks\n\n- [ ] T-0 the first task\n" >ROADMAP.md &&
	printf "# Changelog\n\n## [Unreleased]\n\n- the first entry\n" >CHANGELOG.md &&
	git add ROADMAP.md CHANGELOG.md && git commit -q -m "docs: start" &&
	git push -q ../remote.git main && cd .. && git clone -q remote.git base 2>/dev/null &&
	cd base && {
		if have_driver; then
			git config merge.bosun.driver "\"$BOSUN\" merge-driver --marker-size %L %O %A %B %P" &&
			printf "ROADMAP.md merge=bosun\nCHANGELOG.md merge=bosun\n" >.git/info/attributes
		fi
	} &&
	i=1 && while [ $i -le $N ]; do
		git worktree add -q -b agent$i ../w$i origin/main &&
		git -C ../w$i branch -q --set-upstream-to=origin/main &&
		i=$((i + 1)) || return 1
	done
'

# agent I: two commits (a file of its own; with the driver, a roadmap task
# and a changelog entry each), then wait for the start and sync.
agent() {
	cd "$TRASH/w$1" || return 1
	for k in 1 2; do
		echo "agent $1 change $k" >"agent$1-$k.txt" && git add "agent$1-$k.txt" || return 1
		if have_driver; then
			printf -- "- [ ] T-%d%02d task %d of agent %d\n" "$1" "$k" "$k" "$1" >>ROADMAP.md &&
			printf -- "- agent %d entry %d\n" "$1" "$k" >>CHANGELOG.md &&
			git add ROADMAP.md CHANGELOG.md || return 1
		fi
		git commit -q -m "feat: agent $1 change $k" || return 1
	done
	_n=0
	while [ ! -e "$TRASH/go" ] && [ $_n -lt 600 ]; do sleep 0.05; _n=$((_n + 1)); done
	"$BOSUN" --json sync >"$TRASH/out.$1" 2>"$TRASH/err.$1"
	echo $? >"$TRASH/rc.$1"
}

test_expect_success 'twenty agents sync at once: every one pushes' '
	i=1 && while [ $i -le $N ]; do
		(agent $i &) && i=$((i + 1)) || return 1
	done &&
	: >go &&
	n=0 && while [ "$(ls rc.* 2>/dev/null | wc -l)" -lt $N ] && [ $n -lt 2400 ]; do sleep 0.05; n=$((n + 1)); done &&
	test_eq $N "$(ls rc.* | wc -l)" &&
	i=1 && while [ $i -le $N ]; do
		{ test_eq 0 "$(cat rc.$i)" || { cat out.$i err.$i; false; }; } &&
		test_grep "\"outcome\": \"pushed\"" out.$i && i=$((i + 1)) || return 1
	done
'

test_expect_success 'every commit landed, in one line of history' '
	git -C remote.git log --format=%s main >log &&
	test_eq $((2 * N + 1)) "$(wc -l <log)" &&
	test_eq 0 "$(git -C remote.git rev-list --merges main | wc -l)" &&
	i=1 && while [ $i -le $N ]; do
		test_grep "feat: agent $i change 1$" log && test_grep "feat: agent $i change 2$" log &&
		test_eq "agent $i change 2" "$(git -C remote.git show main:agent$i-2.txt)" &&
		i=$((i + 1)) || return 1
	done
'

test_expect_success 'have_driver' 'every entry of every agent is in the roadmap and the changelog, no markers' '
	git -C remote.git show main:ROADMAP.md >roadmap &&
	git -C remote.git show main:CHANGELOG.md >changelog &&
	test_grep "^- \[ \] T-0 the first task$" roadmap && test_grep "^- the first entry$" changelog &&
	i=1 && while [ $i -le $N ]; do
		for k in 1 2; do
			test_eq 1 "$(grep -c "^- \[ \] T-$i$(printf %02d $k) task $k of agent $i$" roadmap)" &&
			test_eq 1 "$(grep -c "^- agent $i entry $k$" changelog)" || return 1
		done
		i=$((i + 1))
	done &&
	test_eq $((2 * N + 1)) "$(grep -c "^- \[ \]" roadmap)" &&
	test_eq $((2 * N + 1)) "$(grep -c "^- " changelog)" &&
	test_no_grep "^<<<<<<<\|^=======\|^>>>>>>>" roadmap &&
	test_no_grep "^<<<<<<<\|^=======\|^>>>>>>>" changelog
'

test_expect_success 'command -v sqlite3' 'the store recorded twenty pushes; no claim is left' '
	cd base && db="$(git rev-parse --git-common-dir)/bosun/state.db" &&
	test_eq $N "$(sqlite3 "$db" "SELECT count(*) FROM push_queue WHERE state = '"'"'pushed'"'"'")" &&
	test_eq 0 "$(sqlite3 "$db" "SELECT count(*) FROM leases WHERE owner IS NOT NULL")"
'

test_expect_success 'no worktree was left mid-rebase or with a stash' '
	i=1 && while [ $i -le $N ]; do
		test ! -e "$(git -C w$i rev-parse --git-dir)/rebase-merge" &&
		test ! -e "$(git -C w$i rev-parse --git-dir)/bosun-sync" &&
		test_eq "" "$(git -C w$i status --porcelain)" &&
		i=$((i + 1)) || return 1
	done &&
	test_eq "" "$(git -C base stash list)"
'

test_done

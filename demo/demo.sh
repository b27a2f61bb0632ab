#!/bin/sh
# make demo: create a sample project with a history of Conventional Commits
# and a remote, then let bosun do its main job on it: lint, next version,
# changelog, and a release that bumps, commits, tags, "publishes" and pushes.
set -eu
BOSUN=${BOSUN:-$(cd "$(dirname "$0")/.." && pwd)/build/bosun}
dir=$(mktemp -d "${TMPDIR:-/tmp}/bosun-demo.XXXXXX")
export GIT_CONFIG_NOSYSTEM=1 HOME="$dir/home" BOSUN_HOME="$dir/bosun-home"
export GIT_AUTHOR_NAME="Demo" GIT_AUTHOR_EMAIL="demo@example.invalid"
export GIT_COMMITTER_NAME="Demo" GIT_COMMITTER_EMAIL="demo@example.invalid"
# Fixed dates: the same commit ids on every run, as README's tour shows them
# (the release commit, made by bosun, takes the time of day).
export GIT_AUTHOR_DATE="2026-01-05T10:00:00Z" GIT_COMMITTER_DATE="2026-01-05T10:00:00Z"
mkdir -p "$HOME"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { step "bosun $*"; "$BOSUN" "$@"; }

cd "$dir"
git init -q --bare origin.git
git init -q -b main widget
cd widget
git remote add origin "$dir/origin.git"
git remote set-url --push origin "$dir/origin.git"
git config remote.origin.url "$dir/origin.git"

cat >package.json <<'JSON'
{
  "name": "widget",
  "version": "1.4.2",
  "description": "a sample project for bosun's demo",
  "scripts": { "test": "true" }
}
JSON
echo 1.4.2 >VERSION
cat >bosun.yml <<'YAML'
# bosun's configuration for the demo project (every key has a default).
release:
  test: [sh, -c, "echo running the tests... && true"]
  publish:
    - name: npm (simulated)
      run: [sh, -c, "echo \"would run: npm publish --tag $0 for $1\"", "{channel}", "{version}"]
changelog:
  repo_url: https://github.com/acme/widget
YAML
git add . && git commit -q -m "feat: widgets can spin"
git tag -a v1.4.2 -m "Release 1.4.2"
git push -q origin main v1.4.2

n=0
c() {
	n=$((n + 1))
	echo "$1" >>src.txt; git add src.txt
	GIT_AUTHOR_DATE="2026-01-0${n}T12:00:00Z" GIT_COMMITTER_DATE="2026-01-0${n}T12:00:00Z" \
		git commit -q -m "$1" ${2:+-m "$2"}
}
c "fix(render): flicker on resize (#41)"
c "docs: explain the spin option"
c "feat(api): spin speed can be set (#44)"
c "perf: cache the spin table"
c "chore(deps): update the build image"
c "feat(cli)!: rename --fast to --speed" "BREAKING CHANGE: --fast is gone; use --speed 2."

printf 'Fixed teh thing\n' >"$dir/bad-msg"
echo "sample repository: $dir/widget"
# DEMO_SETUP_ONLY=1: stop here (README's tour is tested on this repository).
[ -z "${DEMO_SETUP_ONLY:-}" ] || exit 0
step "git log --oneline"
git log --oneline | cat

step "bosun commit lint (a message a hook would reject)"
"$BOSUN" commit lint "$dir/bad-msg" || echo "(exit $?: the commit-msg hook would block this)"
run commit lint --range v1.4.2..HEAD
run version current
run -v version next
run changelog
unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE
run release --dry-run
run release
step "git log --oneline -3 and the pushed tag"
git log --oneline -3 | cat
git -C "$dir/origin.git" tag -l | cat
run version check
step "head CHANGELOG.md"
head -n 20 CHANGELOG.md
printf '\ndemo done: %s\n' "$dir/widget"

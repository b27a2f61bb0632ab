#!/bin/sh
# Per-package current versions on real monorepos, checked against an
# independent oracle (a SemVer sort in Python over `git tag --merged`).
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 is needed for the oracle"
replay vite
replay conventional-changelog

# oracle PREFIX SUFFIX: the highest SemVer among the tags reachable from HEAD
# named PREFIX<version>SUFFIX.
oracle() {
	git tag --merged HEAD | python3 -c '
import re, sys
pre, suf = sys.argv[1], sys.argv[2]
rx = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")
def key(m):
    ids = m.group(4).split(".") if m.group(4) else None
    pk = (1,) if ids is None else (0,) + tuple((0, int(i), "") if i.isdigit() else (1, 0, i) for i in ids)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) + (pk,)
best = None
for t in sys.stdin.read().split():
    if not (t.startswith(pre) and t.endswith(suf)) or len(t) <= len(pre) + len(suf):
        continue
    v = t[len(pre):len(t) - len(suf)]
    m = rx.match(v)
    if m and (best is None or key(m) > key(best)):
        best = m
print(best.group(0) if best else "none")
' "$1" "$2"
}

test_expect_success 'vite: the main package (v{version})' '
	cd vite && want=$(oracle v "") && got=$(bosun version current) &&
	echo "# vite: $got" && test_eq "$want" "$got"
'

test_expect_success 'vite: packages tagged {name}@{version}' '
	cd vite &&
	for p in $(git tag --merged HEAD | grep "@" | sed "s/@.*//" | sort -u); do
		want=$(oracle "$p@" "") && got=$(bosun version current --package "$p") &&
		echo "# $p: $got" && test_eq "$want" "$got" || return 1
	done
'

test_expect_success 'conventional-changelog: packages tagged {name}-v{version}' '
	cd conventional-changelog && n=0 &&
	for p in $(git tag --merged HEAD | grep -E -- "-v[0-9]" | sed -E "s/-v[0-9].*//" | sort -u); do
		want=$(oracle "$p-v" "") &&
		got=$(bosun version current --package "$p" --tag-format "{name}-v{version}") &&
		echo "# $p: $got" && test_eq "$want" "$got" || return 1
		n=$((n + 1))
	done && test "$n" -ge 5
'

test_expect_success 'conventional-changelog: several tags on HEAD' '
	cd conventional-changelog &&
	test "$(git tag --points-at HEAD | wc -l)" -ge 3 &&
	for t in $(git tag --points-at HEAD); do
		p=${t%-v*} &&
		test_eq "${t##*-v}" "$(bosun version current --package "$p" --tag-format "{name}-v{version}")" || return 1
	done
'

test_expect_success 'vite: a full changelog has an entry per reachable release' '
	cd vite && bosun changelog --all >../cl.md &&
	test "$(grep -c "^## \[" ../cl.md)" -gt 300 &&
	test_grep "^## \[$(bosun version current)\] - " ../cl.md
'

test_expect_success 'vite: version next is a valid answer' '
	cd vite && bosun --json version next >out &&
	python3 -m json.tool out >/dev/null
'

test_expect_success 'vite: answers are the same with and without the commit cache' '
	cd vite && bosun version next >../n1 && bosun changelog >../c1 &&
	BOSUN_NO_CACHE=1 bosun version next >../n2 &&
	BOSUN_NO_CACHE=1 bosun changelog >../c2 &&
	test_cmp ../n1 ../n2 && test_cmp ../c1 ../c2 && test -s ../c1
'

test_done

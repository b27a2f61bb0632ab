#!/bin/sh
# Man pages and shell completions: generated from the command table at build
# time (docs/meson.build), installed by meson install (make install); every
# documented verb has a page that man renders and completes in bash, zsh and
# fish; every verb's usage line is in its docs page.
. "$(dirname "$0")/lib.sh"

build=$(dirname "$BOSUN")
[ -f "$build/meson-private/coredata.dat" ] || skip_all "$build is not a meson build directory"
command -v meson >/dev/null 2>&1 || skip_all "no meson"

test_expect_success 'meson install puts the binary, the pages and the completions under the prefix' '
	{
		meson install -C "$build" --no-rebuild --quiet --destdir "$TRASH/dest" >log 2>&1 ||
		{ cat log; false; }
	} &&
	find "$TRASH/dest" -type f >files &&
	test_grep "/bin/bosun$" files &&
	test_grep "/man1/bosun.1$" files &&
	test_grep "/bash-completion/completions/bosun$" files &&
	test_grep "/zsh/site-functions/_bosun$" files &&
	test_grep "/fish/vendor_completions.d/bosun.fish$" files &&
	mandir=$(dirname "$(dirname "$(grep "/man1/bosun.1$" files)")") &&
	echo "$mandir" >mandir &&
	bosun_groups >groups && bosun_verbs >verbs && test -s verbs
'

test_expect_success 'every group of bosun help has a docs page and a man page' '
	man1=$(cat mandir)/man1 &&
	while read -r g; do
		test -f "$BOSUN_TOP/docs/$g.md" || { echo "no docs/$g.md"; return 1; }
		test -f "$man1/bosun-$g.1" || { echo "no bosun-$g.1"; return 1; }
	done <groups &&
	test "$(ls "$man1" | wc -l)" -eq $(( $(wc -l <groups) + 1 ))
'

if command -v man >/dev/null 2>&1; then
	test_expect_success 'man renders every page without a warning, and each verb is in its page' '
		export MANPAGER=cat PAGER=cat MANWIDTH=200 &&
		for f in "$(cat mandir)"/man1/*.1; do
			man --warnings -l "$f" >out 2>err || { cat err; return 1; }
			test ! -s err || { echo "$f:"; cat err; return 1; }
			test_grep "^NAME" out || return 1
		done &&
		while read -r v; do
			g=${v%% *}
			man -l "$(cat mandir)/man1/bosun-$g.1" >page 2>/dev/null &&
			syn=$(bosun $v -h | head -n 1 | sed "s/^usage: //") &&
			grep -qF -- "$syn" page || { echo "no \"$syn\" in bosun-$g(1)"; return 1; }
		done <verbs
	'

	test_expect_success 'man bosun-version works after the install (man -M)' '
		MANPAGER=cat man -M "$(cat mandir)" bosun-version >out 2>err &&
		test_grep "bosun version next" out &&
		MANPAGER=cat man -M "$(cat mandir)" bosun >out 2>err &&
		test_grep "bosun-version" out
	'
else
	test_skip 'man renders every page' 'no man (make deps installs man-db)'
	test_skip 'man bosun-version works after the install' 'no man'
fi

test_expect_success 'every verb usage line is in its docs page' '
	while read -r v; do
		g=${v%% *}
		syn=$(bosun $v -h | head -n 1 | sed "s/^usage: //")
		tr -s " " <"$BOSUN_TOP/docs/$g.md" | grep -qF -- "$syn" ||
			{ echo "docs/$g.md has no \"$syn\""; return 1; }
	done <verbs
'

# want_all FILE WORD...: every WORD is a line of FILE.
want_all() {
	_f=$1; shift
	for _w in "$@"; do
		grep -qx -- "$_w" "$_f" || { echo "no $_w in:"; cat "$_f"; return 1; }
	done
}

# The options -h lists for a verb, long and short.
verb_opts() {
	bosun "$@" -h | sed -n "/^options:/,\$p" | grep -oE -- "(^|[ ,])--?[a-zA-Z][a-z-]*" |
		tr -d " ," | sort -u
}

bash_complete() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _bosun;
		printf "%s\n" "${COMPREPLY[@]}"' _ "$(dirname "$(cat mandir)")/bash-completion/completions/bosun" "$@"
}

if command -v bash >/dev/null 2>&1; then
	test_expect_success 'bash completes the groups, each group verbs and each verb options' '
		bash_complete bosun "" >out && want_all out $(cat groups) help --json -C &&
		while read -r g; do
			if bosun "$g" -h | grep -q "^verbs:"; then
				bash_complete bosun "$g" "" >out &&
				want_all out $(grep "^$g " verbs | cut -d" " -f2) || return 1
			fi
		done <groups &&
		while read -r v; do
			bash_complete bosun $v - >out &&
			want_all out $(verb_opts $v) --json --quiet --no-color || return 1
		done <verbs
	'

	test_expect_success 'bash completes a choice and a directory for -C' '
		bash_complete bosun version next --level "" >out &&
		want_all out major minor patch auto &&
		mkdir -p somedir && bash_complete bosun -C som >out &&
		want_all out somedir
	'
fi

if command -v zsh >/dev/null 2>&1; then
	zsh_complete() {
		zsh -fc 'compdef() { :; }; compadd() { [[ $1 == -a ]] && print -rl -- ${(P)2}; }
			_files() { :; }; _directories() { print -r DIRS; }
			source "$1"; shift; words=("$@"); CURRENT=$#; _bosun' _ \
			"$(dirname "$(cat mandir)")/zsh/site-functions/_bosun" "$@"
	}
	test_expect_success 'zsh: the file parses, and completes groups, verbs and options' '
		zdir=$(dirname "$(cat mandir)")/zsh/site-functions &&
		zsh -n "$zdir/_bosun" &&
		zsh -fc "fpath=(\"\$1\" \$fpath); autoload -Uz compinit; compinit -u -D
			print -r -- \$_comps[bosun]" _ "$zdir" >out &&
		test_eq _bosun "$(cat out)" &&
		zsh_complete bosun "" >out && want_all out $(cat groups) help &&
		while read -r v; do
			zsh_complete bosun $v "" >out &&
			want_all out $(verb_opts $v) --json || return 1
		done <verbs &&
		zsh_complete bosun version "" >out && want_all out current next bump &&
		zsh_complete bosun -C "" >out && want_all out DIRS
	'
else
	test_skip 'zsh completes' 'no zsh (make deps installs it)'
fi

if command -v fish >/dev/null 2>&1; then
	fish_complete() {
		fish -c 'source $argv[1]; complete -C $argv[2]' \
			"$(dirname "$(cat mandir)")/fish/vendor_completions.d/bosun.fish" "$1" |
			cut -f1
	}
	test_expect_success 'fish: the file parses, and completes groups, verbs and options' '
		fish -n "$(dirname "$(cat mandir)")/fish/vendor_completions.d/bosun.fish" &&
		fish_complete "bosun " >out && want_all out $(cat groups) help &&
		fish_complete "bosun version " >out && want_all out current next bump set check sync &&
		while read -r v; do
			fish_complete "bosun $v --" >out &&
			want_all out $(verb_opts $v | grep -- "^--") --json || return 1
		done <verbs &&
		fish_complete "bosun version next --level " >out && want_all out major auto
	'
else
	test_skip 'fish completes' 'no fish (make deps installs it)'
fi

test_done

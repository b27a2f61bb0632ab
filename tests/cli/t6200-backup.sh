#!/bin/sh
# bosun backup and bosun restore: the archive and its manifest, a round
# trip, the dry-run listing, files changed outside bosun, the snapshot that
# undoes a restore, the automatic rollback, and archives that must be
# refused whole (../x, /abs, links out, FIFOs, devices, damage).
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 builds the test archives"
command -v sqlite3 >/dev/null || skip_all "the sqlite3 program is needed to inspect the store"

# templates GEN: two agent templates of generation GEN.
templates() {
	mkdir -p agents &&
	for a in alpha beta; do
		printf '{"id":"%s","version":"1.%d.0","metadata":{"description":"d"},"instructions":"gen %d of %s"}' \
			$a "$1" "$1" $a >agents/$a.json || return 1
	done
}

# state: the bytes of every file a backup holds, and the store's agent rows.
state() {
	{ find .claude bosun.yml "$BOSUN_HOME/config/bosun" -type f 2>/dev/null | sort | xargs sha256sum &&
	  sqlite3 .git/bosun/state.db "select target, path, hash from agent_files order by 1, 2"; }
}

# archive OUT KIND: a tar archive (python3 tarfile) with a valid manifest
# and one bad entry of KIND.
archive() {
	python3 - "$@" <<-\EOF
	import hashlib, io, json, sys, tarfile
	out, kind = sys.argv[1], sys.argv[2]
	body = b"evil\n"
	files = [{"path": "repo/bosun.yml", "size": len(body), "mode": 0o644,
	          "sha256": hashlib.sha256(body).hexdigest()}]
	if kind == "store":
	    db = open(sys.argv[3], "rb").read()
	    files.append({"path": "store/state.db", "size": len(db), "mode": 0o600,
	                  "sha256": hashlib.sha256(db).hexdigest()})
	man = json.dumps({"format": "bosun-backup", "version": 1, "kind": "backup",
	                  "created": "2026-01-01T00:00:00Z", "files": files}).encode()
	with tarfile.open(out, "w:gz") as t:
	    def add(name, data, **kw):
	        ti = tarfile.TarInfo(name)
	        for k, v in kw.items():
	            setattr(ti, k, v)
	        if ti.type == tarfile.REGTYPE:
	            ti.size = len(data)
	            t.addfile(ti, io.BytesIO(data))
	        else:
	            t.addfile(ti)
	    add("manifest.json", man)
	    if kind == "dotdot":
	        add("files/../../x", body)
	    elif kind == "abs":
	        add(sys.argv[3], body)
	    elif kind == "symlink":
	        add("files/repo/link", b"", type=tarfile.SYMTYPE, linkname="../../../../etc/passwd")
	    elif kind == "hardlink":
	        add("files/repo/hl", b"", type=tarfile.LNKTYPE, linkname="/etc/passwd")
	    elif kind == "fifo":
	        add("files/repo/fifo", b"", type=tarfile.FIFOTYPE)
	    elif kind == "device":
	        add("files/repo/dev", b"", type=tarfile.CHRTYPE, devmajor=1, devminor=3)
	    elif kind == "gitdir":
	        add("files/repo/.git/hooks/pre-commit", body)
	    elif kind == "badsum":
	        add("files/repo/bosun.yml", b"EVIL\n")
	    elif kind == "extra":
	        add("files/repo/bosun.yml", body)
	        add("files/repo/other", body)
	    elif kind == "good":
	        add("files/repo/bosun.yml", body)
	    elif kind == "store":
	        add("files/repo/bosun.yml", body)
	        add("files/store/state.db", db)
	EOF
}

test_expect_success 'setup: a repository with deployed agents and configuration' '
	new_repo r && commit "feat: a" && templates 0 &&
	printf "agents:\n  targets: [claude]\n" >bosun.yml &&
	mkdir -p "$BOSUN_HOME/config/bosun" &&
	printf "log:\n  level: info\n" >"$BOSUN_HOME/config/bosun/config.yml" &&
	bosun agents deploy >/dev/null 2>&1 && test -f .claude/agents/alpha.md
'

test_expect_success 'backup writes one archive with a manifest of sums' '
	cd r && bosun --json backup >../out &&
	a=$(sed -n "s/^  \"archive\": \"\(.*\)\",$/\1/p" ../out) && test -f "$a" &&
	case "$a" in "$BOSUN_HOME/state/bosun/backups/r-"*/bosun-backup-*.tar.zst) ;; *) false ;; esac &&
	tar --zstd -tf "$a" >../list &&
	test_eq manifest.json "$(head -n 1 ../list)" &&
	for f in files/repo/bosun.yml files/config/config.yml files/store/state.db \
		 files/repo/.claude/agents/alpha.md files/repo/.claude/agents/beta.md; do
		test_grep "^$f\$" ../list || return 1
	done &&
	tar --zstd -xOf "$a" manifest.json >../man &&
	test_grep "\"format\": \"bosun-backup\"" ../man &&
	sum=$(sha256sum <.claude/agents/alpha.md | cut -d" " -f1) &&
	test_grep "$sum" ../man && test_grep "\"sha256\"" ../out &&
	echo "$a" >../first
'

test_expect_success 'backup --output FILE writes there' '
	cd r && bosun backup -o ../mine.tar.zst >../out && test -s ../mine.tar.zst &&
	test_grep "mine.tar.zst (5 files" ../out
'

test_expect_success 'a round trip: deploy more, restore, everything as at the backup' '
	cd r && state >../before &&
	templates 1 && printf "{\"id\":\"gamma\",\"version\":\"1.0.0\",\"metadata\":{\"description\":\"d\"},\"instructions\":\"g\"}" >agents/gamma.json &&
	bosun agents deploy >/dev/null 2>&1 && test -f .claude/agents/gamma.md &&
	state >../mid && ! test_cmp ../before ../mid >/dev/null &&
	bosun restore "$(cat ../first)" >../out 2>../err &&
	test_grep "^overwrite  repo/.claude/agents/alpha.md" ../out &&
	test_grep "^delete     repo/.claude/agents/gamma.md" ../out &&
	test_grep "undo with: bosun restore .*bosun-snapshot-" ../out &&
	state >../after && test_cmp ../before ../after &&
	bosun agents verify >/dev/null 2>&1 &&
	test -z "$(find . "$BOSUN_HOME" -name "*.lock*")"
'

test_expect_success 'the snapshot undoes the restore' '
	cd r && snap=$(sed -n "s/.*undo with: bosun restore //p" ../out) &&
	bosun restore "$snap" >/dev/null 2>&1 && state >../undone &&
	test_cmp ../mid ../undone
'

test_expect_success '--dry-run lists create, overwrite, skip and delete, and changes nothing' '
	cd r && tree_digest >../d1 && state >../s1 &&
	rm .claude/agents/beta.md &&
	tree_digest >../d1 && state >../s1 &&
	bosun -v restore --dry-run "$(cat ../first)" >../out &&
	test_grep "^overwrite  repo/.claude/agents/alpha.md" ../out &&
	test_grep "^create     repo/.claude/agents/beta.md" ../out &&
	test_grep "^delete     repo/.claude/agents/gamma.md" ../out &&
	test_grep "^skip       repo/bosun.yml" ../out &&
	bosun --json restore -n "$(cat ../first)" >../json &&
	test_grep "\"dry_run\": true" ../json && test_grep "\"action\": \"create\"" ../json &&
	tree_digest >../d2 && test_cmp ../d1 ../d2 && state >../s2 && test_cmp ../s1 ../s2
'

test_expect_success 'a file changed outside bosun is refused (exit 4, nothing changed); --force overwrites it' '
	cd r && echo "my own edit" >>.claude/agents/alpha.md &&
	tree_digest >../d1 && state >../s1 &&
	test_expect_code 4 bosun restore "$(cat ../first)" >../out 2>../err &&
	test_grep "changed outside bosun" ../out && test_grep "1 file changed outside bosun" ../err &&
	test_grep "force" ../err &&
	tree_digest >../d2 && test_cmp ../d1 ../d2 && state >../s2 && test_cmp ../s1 ../s2 &&
	bosun restore --force "$(cat ../first)" >../out 2>&1 &&
	test_grep "forced" ../out && state >../after && test_cmp ../before ../after
'

test_expect_success 'a file deployed after the backup and edited since is not deleted without --force' '
	cd r && bosun agents deploy >/dev/null 2>&1 && echo edit >>.claude/agents/alpha.md &&
	rm -f .claude/agents/gamma.md && templates 0 && bosun agents deploy >/dev/null 2>&1 &&
	printf "{\"id\":\"delta\",\"version\":\"1.0.0\",\"metadata\":{\"description\":\"d\"},\"instructions\":\"g\"}" >agents/delta.json &&
	bosun agents deploy >/dev/null 2>&1 && echo mine >>.claude/agents/delta.md &&
	test_expect_code 4 bosun restore "$(cat ../first)" >../out 2>&1 &&
	test_grep "^delete     repo/.claude/agents/delta.md  (changed outside bosun" ../out &&
	test -f .claude/agents/delta.md && rm agents/delta.json &&
	bosun restore --force "$(cat ../first)" >/dev/null 2>&1 && ! test -e .claude/agents/delta.md
'

test_expect_success 'a failure after the files were written puts the snapshot back by itself' '
	cd r && templates 2 && bosun agents deploy >/dev/null 2>&1 && state >../s1 &&
	test_expect_code 74 env BOSUN_TEST_RESTORE_FAIL=verify "$BOSUN" restore "$(cat ../first)" >../out 2>../err &&
	test_grep "put back from .*bosun-snapshot-" ../err &&
	state >../s2 && test_cmp ../s1 ../s2 &&
	test_expect_code 74 env BOSUN_TEST_RESTORE_FAIL=prepare "$BOSUN" restore "$(cat ../first)" >../out 2>../err &&
	state >../s3 && test_cmp ../s1 ../s3 &&
	test -z "$(find . "$BOSUN_HOME" -name "*.lock*")" &&
	bosun restore --resume >../out && test_grep "no interrupted restore" ../out
'

for kind in dotdot abs symlink hardlink fifo device gitdir badsum extra; do
	test_expect_success "an archive with a bad entry ($kind) is refused whole: exit 65, nothing written" "
		cd r && archive ../bad-$kind.tar.gz $kind '$TRASH/evil' &&
		tree_digest >../d1 && state >../s1 &&
		test_expect_code 65 bosun restore --force ../bad-$kind.tar.gz 2>../err &&
		tree_digest >../d2 && test_cmp ../d1 ../d2 && state >../s2 && test_cmp ../s1 ../s2 &&
		! test -e ../x && ! test -e '$TRASH/evil' && ! test -e .git/hooks/pre-commit &&
		test -z \"\$(ls \"\$BOSUN_HOME\"/state/bosun/backups/r-*/ | grep snapshot-.*-.*-)\" >/dev/null
	"
done

test_expect_success 'the refusals name the entry and why' '
	cd r &&
	{ bosun restore ../bad-dotdot.tar.gz 2>&1 | test_grep "entry .files/../../x.: a path with" -; } &&
	{ bosun restore ../bad-abs.tar.gz 2>&1 | test_grep "an absolute path" -; } &&
	{ bosun restore ../bad-symlink.tar.gz 2>&1 | test_grep "symbolic link that leaves" -; } &&
	{ bosun restore ../bad-hardlink.tar.gz 2>&1 | test_grep "hard link that leaves" -; } &&
	{ bosun restore ../bad-fifo.tar.gz 2>&1 | test_grep "entry .files/repo/fifo.: a FIFO" -; } &&
	{ bosun restore ../bad-device.tar.gz 2>&1 | test_grep "entry .files/repo/dev.: a device" -; } &&
	{ bosun restore ../bad-badsum.tar.gz 2>&1 | test_grep "damaged archive" -; } &&
	{ bosun restore ../bad-extra.tar.gz 2>&1 | test_grep "not in manifest.json" -; }
'

test_expect_success 'an archive whose store a newer bosun wrote is refused (exit 65), nothing changed' '
	cd r && sqlite3 .git/bosun/state.db ".backup ../newer.db" &&
	sqlite3 ../newer.db "pragma user_version = 999" &&
	archive ../newer.tar.gz store ../newer.db && tree_digest >../d1 && state >../s1 &&
	test_expect_code 65 bosun restore --force ../newer.tar.gz 2>../err &&
	test_grep "store/state.db: .*newer than this bosun" ../err &&
	tree_digest >../d2 && test_cmp ../d1 ../d2 && state >../s2 && test_cmp ../s1 ../s2
'

test_expect_success 'a well-formed archive built elsewhere (gzip) restores' '
	cd r && archive ../good.tar.gz good && bosun restore --force ../good.tar.gz >/dev/null 2>&1 &&
	test_eq evil "$(cat bosun.yml)"
'

test_expect_success 'a damaged archive is refused (exit 65), a missing one is exit 3' '
	cd r && a=$(cat ../first) && cp "$a" ../cut.tar.zst &&
	size=$(wc -c <../cut.tar.zst) && head -c $((size / 2)) "$a" >../cut.tar.zst &&
	test_expect_code 65 bosun restore ../cut.tar.zst 2>../err && test_grep "cut.tar.zst" ../err &&
	echo "not an archive" >../junk.tar.zst &&
	test_expect_code 65 bosun restore ../junk.tar.zst 2>../err &&
	test_expect_code 3 bosun restore ../nothere.tar.zst 2>../err && test_grep "nothere" ../err
'

test_expect_success 'usage: restore needs an archive, --resume takes none' '
	cd r && test_expect_code 64 bosun restore 2>../err &&
	test_expect_code 64 bosun restore --resume x 2>../err &&
	test_expect_code 64 bosun backup extra 2>../err
'

test_expect_success 'without libarchive: exit 69, a clear message and a DEGRADED event' '
	cd r && test_expect_code 69 env BOSUN_TEST_NO_LIBARCHIVE=1 "$BOSUN" backup 2>../err &&
	test_grep "cannot load libarchive" ../err &&
	test_expect_code 69 env BOSUN_TEST_NO_LIBARCHIVE=1 "$BOSUN" restore "$(cat ../first)" 2>../err &&
	test_grep "\"level\":\"degraded\".*libarchive" "$BOSUN_HOME/state/bosun/logs/bosun.log"
'

test_expect_success 'restore works when bosun.yml is broken (that is what it is for)' '
	cd r && echo "nonsense: [" >>bosun.yml &&
	bosun restore --force "$(cat ../first)" >/dev/null 2>../err && test_grep "warning" ../err &&
	bosun config >/dev/null
'

test_expect_success 'backup.dir moves the archives' '
	cd r && BOSUN_BACKUP_DIR=../bk bosun backup >../out && ls ../bk/bosun-backup-*.tar.zst
'

# old_schema: the store as bosun 9's schema minus its last migration, with
# a row kept (a store without one is not backed up).
old_schema() {
	sqlite3 .git/bosun/state.db "alter table releases drop column data; pragma user_version = 8;
		insert or replace into leases (name, owner, token, expires_ms) values (\"old\", NULL, 1, 0)"
}

test_expect_success 'migrate backs the store up before it migrates, and says where' '
	new_repo mg && commit "feat: a" && bosun migrate >/dev/null &&
	sqlite3 .git/bosun/state.db "insert into meta values (\"mark\", \"kept\")" &&
	old_schema && bosun migrate >../out 2>../err &&
	test_grep "backed up .*state.db. (schema 8) before migrating it to schema 9: .*bosun-migrate-.*tar.zst" ../err &&
	a=$(sed -n "s/.*to schema 9: //p" ../err) && test -f "$a" &&
	mkdir ../x && tar --zstd -xf "$a" -C ../x &&
	test_eq 8 "$(sqlite3 ../x/files/store/state.db "pragma user_version")" &&
	test_eq kept "$(sqlite3 ../x/files/store/state.db "select value from meta where key = \"mark\"")" &&
	test_grep "\"kind\": \"migrate\"" ../x/manifest.json &&
	bosun migrate >/dev/null 2>../err2 && test_no_grep "backed up" ../err2
'

test_expect_success 'any command that migrates the store backs it up first' '
	cd mg && old_schema && templates 0 && bosun agents deploy -t claude >/dev/null 2>../err &&
	test_grep "backed up .*(schema 8) before migrating it to schema 9" ../err &&
	test_eq 2 "$(ls "$BOSUN_HOME"/state/bosun/backups/mg-*/bosun-migrate-* | wc -l)"
'

test_expect_success 'a new store is not backed up; without libarchive the migration goes on, degraded' '
	new_repo fresh && bosun migrate >/dev/null 2>../err && test_no_grep "backed up" ../err &&
	old_schema && env BOSUN_TEST_NO_LIBARCHIVE=1 "$BOSUN" migrate >../out 2>../err &&
	test_grep "no backup before migrating" ../err && test_grep "schema 9" ../out
'

test_expect_success 'a store at an old schema with no row yet (another bosun creating it) is not backed up' '
	new_repo half && bosun migrate >/dev/null &&
	sqlite3 .git/bosun/state.db "alter table releases drop column data; pragma user_version = 8" &&
	bosun migrate >../out 2>../err && test_no_grep "backed up" ../err && test_grep "schema 9" ../out &&
	test_eq 0 "$(ls -d "$BOSUN_HOME"/state/bosun/backups/half-* 2>/dev/null | wc -l)"
'

test_expect_success 'migrate --json reports the backup it took: path and size; null when none' '
	new_repo mj && commit "feat: a" && bosun --json migrate >../out 2>/dev/null &&
	python3 -c "import json, sys; d = json.load(open(sys.argv[1])); assert d[\"backup\"] is None, d" ../out &&
	old_schema && bosun --json migrate >../out 2>../err &&
	python3 - ../out ../err <<-\EOF &&
	import json, os, sys
	d = json.load(open(sys.argv[1]))
	b = d["backup"]
	assert d["applied"] == 1 and d["before"] == 8, d
	assert os.path.isfile(b["path"]) and b["path"].endswith(".tar.zst"), b
	assert b["bytes"] == os.path.getsize(b["path"]) > 0, b
	assert b["path"] in open(sys.argv[2]).read()
	EOF
	bosun --json migrate >../out && bosun --json migrate --status >../out2 &&
	for f in ../out ../out2; do
		python3 -c "import json, sys; d = json.load(open(sys.argv[1])); assert d[\"backup\"] is None, d" $f || return 1
	done &&
	old_schema && env BOSUN_TEST_NO_LIBARCHIVE=1 "$BOSUN" --json migrate >../out 2>../err &&
	test_grep "no backup before migrating" ../err &&
	python3 -c "import json, sys; d = json.load(open(sys.argv[1])); assert d[\"backup\"] is None and d[\"applied\"] == 1, d" ../out
'

test_expect_success 'backup refuses a store a newer bosun migrated, as migrate does' '
	new_repo nw && bosun migrate >/dev/null &&
	sqlite3 .git/bosun/state.db "pragma user_version = 99" &&
	test_expect_code 65 bosun migrate 2>../err && test_grep "newer" ../err &&
	test_expect_code 65 bosun backup 2>../err && test_grep "schema version 99, newer" ../err
'

test_expect_success 'restoring an archive of an older schema brings the store up to date' '
	cd mg && a=$(ls "$BOSUN_HOME"/state/bosun/backups/mg-*/bosun-migrate-* | head -n 1) &&
	bosun restore --force "$a" >/dev/null 2>&1 &&
	test_eq 9 "$(sqlite3 .git/bosun/state.db "pragma user_version")" &&
	test_eq kept "$(sqlite3 .git/bosun/state.db "select value from meta where key = \"mark\"")"
'

test_done

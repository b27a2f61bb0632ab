/*
 * manifest.c - an archive's manifest and the checks of what an archive
 * holds (backup.h): every entry is a regular file at a place bosun
 * restores, listed once in the manifest with its size and SHA-256.
 *
 * The manifest, "manifest.json", the first entry:
 *
 *	{"format": "bosun-backup", "version": 1, "kind": "backup",
 *	 "created": "2026-12-06T17:30:00Z", "bosun": "0.9.0",
 *	 "files": [{"path": "repo/bosun.yml", "size": 120, "mode": 420,
 *	            "sha256": "..."}, ...]}
 */
#include "lib/backup/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/meter.h"
#include "core/sha256.h"
#include "lib/json/json.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void backup_set_release(struct backup_set *set)
{
	size_t i;

	for (i = 0; i < set->nr; i++) {
		free(set->files[i].path);
		strbuf_release(&set->files[i].data);
	}
	free(set->files);
	free(set->kind);
	free(set->created);
	free(set->bosun);
	memset(set, 0, sizeof(*set));
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct backup_file *)a)->path,
		      ((const struct backup_file *)b)->path);
}

const struct backup_file *backup_set_find(const struct backup_set *set,
					  const char *path)
{
	struct backup_file key = { .path = (char *)path };

	return set->nr ? bsearch(&key, set->files, set->nr, sizeof(key), by_path) : NULL;
}

/* ------------------------------------------------------------ places */

/* A relative path of plain parts: no "", ".", ".." or ".git" part. */
static int plain_relative(const char *p)
{
	const char *part, *slash;
	size_t n;

	if (!*p || *p == '/')
		return 0;
	for (part = p; ; part = slash + 1) {
		slash = strchr(part, '/');
		n = slash ? (size_t)(slash - part) : strlen(part);
		if (!n || (n == 1 && part[0] == '.') ||
		    (n == 2 && !memcmp(part, "..", 2)) ||
		    (n == 4 && !memcmp(part, ".git", 4)))
			return 0;
		if (!slash)
			return 1;
	}
}

int backup_place_check(const char *place)
{
	static const char *const roots[] = { "repo/", "config/", "home/", NULL };
	size_t i;

	if (!strcmp(place, BACKUP_STORE_PLACE))
		return 0;
	for (i = 0; roots[i]; i++)
		if (!strncmp(place, roots[i], strlen(roots[i])) &&
		    plain_relative(place + strlen(roots[i])))
			return 0;
	return error_set(BOSUN_EDATA, "'%s' is not a place bosun restores "
			 "(repo/, config/, home/ then a relative path, or %s)",
			 place, BACKUP_STORE_PLACE);
}

/* "..", or a path that climbs out of the folder it starts in. */
static int leaves_tree(const char *name, const char *link)
{
	struct strbuf sb = STRBUF_INIT;
	int out;

	if (*link == '/')
		return 1;
	/* A symlink's target is relative to the entry's folder. */
	fs_dirname(&sb, name);
	strbuf_addch(&sb, '/');
	strbuf_addstr(&sb, link);
	fs_path_normalize(&sb);
	out = !strcmp(sb.buf, "..") || !strncmp(sb.buf, "../", 3) || sb.buf[0] == '/';
	strbuf_release(&sb);
	return out;
}

int bk_entry_check(const char *name, enum bk_type type, const char *link)
{
	static const char *const kinds[] = {
		[BK_DEVICE] = "a device", [BK_FIFO] = "a FIFO",
		[BK_SOCKET] = "a socket", [BK_OTHER] = "not a regular file",
		[BK_DIR] = "a folder",
	};
	struct strbuf sb = STRBUF_INIT;
	int dotdot;

	if (!*name)
		return error_set(BOSUN_EDATA, "an entry with an empty name");
	if (name[0] == '/')
		return error_set(BOSUN_EDATA, "entry '%s': an absolute path", name);
	strbuf_addf(&sb, "/%s/", name);
	dotdot = strstr(sb.buf, "/../") != NULL;
	strbuf_release(&sb);
	if (dotdot)
		return error_set(BOSUN_EDATA, "entry '%s': a path with '..'", name);
	if (type == BK_SYMLINK || type == BK_HARDLINK) {
		if (link && leaves_tree(type == BK_HARDLINK ? "" : name, link))
			return error_set(BOSUN_EDATA, "entry '%s': a %s that leaves "
					 "the archive's tree ('%s')", name,
					 type == BK_SYMLINK ? "symbolic link" : "hard link",
					 link);
		return error_set(BOSUN_EDATA, "entry '%s': a %s; a bosun archive "
				 "holds regular files only", name,
				 type == BK_SYMLINK ? "symbolic link" : "hard link");
	}
	if (type != BK_FILE)
		return error_set(BOSUN_EDATA, "entry '%s': %s; a bosun archive "
				 "holds regular files only", name, kinds[type]);
	if (!strcmp(name, BACKUP_MANIFEST))
		return 0;
	if (strncmp(name, "files/", 6))
		return error_set(BOSUN_EDATA, "entry '%s': not in a bosun archive's "
				 "tree (manifest.json, files/...)", name);
	if (backup_place_check(name + 6) < 0)
		return error_prefix("entry '%s'", name);
	return 0;
}

/* ------------------------------------------------------------ manifest */

static int hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return !s[64];
}

static int manifest_file(struct backup_set *set, json_t *f, size_t i)
{
	struct backup_file *bf;
	json_t *path = json_object_get(f, "path"), *size = json_object_get(f, "size"),
	       *mode = json_object_get(f, "mode"), *sum = json_object_get(f, "sha256");

	if (!json_is_string(path) || !json_is_integer(size) || !json_is_integer(mode) ||
	    !json_is_string(sum) || json_integer_value(size) < 0 ||
	    json_integer_value(size) > BACKUP_MAX_BYTES ||
	    json_integer_value(mode) < 0 || json_integer_value(mode) > 07777 ||
	    !hex64(json_string_value(sum)) ||
	    strlen(json_string_value(path)) != json_string_length(path))
		return error_set(BOSUN_EDATA, "manifest.json: files[%zu]: needs path, "
				 "size, mode (0 to 4095) and sha256 (64 hex digits)", i);
	if (backup_place_check(json_string_value(path)) < 0)
		return error_prefix("manifest.json: files[%zu]", i);
	ALLOC_GROW(set->files, set->nr + 1, set->alloc);
	bf = &set->files[set->nr++];
	memset(bf, 0, sizeof(*bf));
	bf->path = xstrdup(json_string_value(path));
	bf->mode = (unsigned)json_integer_value(mode);
	strbuf_init(&bf->data, 0);
	memcpy(bf->sha256, json_string_value(sum), 65);
	bf->size = (long long)json_integer_value(size);
	return 0;
}

static char *dup_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

int backup_manifest_parse(struct backup_set *set, const char *text, size_t len)
{
	json_error_t jerr;
	json_t *doc, *files, *f;
	size_t i;
	int r = 0;

	if (!(doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)))
		return error_set(BOSUN_EDATA, "manifest.json:%d:%d: invalid JSON: %s",
				 jerr.line, jerr.column, jerr.text);
	if (!json_is_object(doc) ||
	    strcmp(json_get_str(doc, "format", ""), BACKUP_FORMAT) ||
	    !json_is_integer(json_object_get(doc, "version"))) {
		r = error_set(BOSUN_EDATA, "manifest.json: not a bosun backup's manifest");
		goto out;
	}
	if (json_integer_value(json_object_get(doc, "version")) != BACKUP_FORMAT_VERSION) {
		r = error_set(BOSUN_EDATA, "manifest.json: format version %lld; this "
			      "bosun reads version %d",
			      (long long)json_integer_value(json_object_get(doc, "version")),
			      BACKUP_FORMAT_VERSION);
		goto out;
	}
	files = json_object_get(doc, "files");
	if (!json_is_array(files)) {
		r = error_set(BOSUN_EDATA, "manifest.json: 'files' must be a list");
		goto out;
	}
	set->kind = dup_str(doc, "kind");
	set->created = dup_str(doc, "created");
	set->bosun = dup_str(doc, "bosun");
	json_array_foreach(files, i, f) {
		if (!json_is_object(f)) {
			r = error_set(BOSUN_EDATA, "manifest.json: files[%zu]: not an object", i);
			goto out;
		}
		if ((r = manifest_file(set, f, i)) < 0)
			goto out;
	}
	if (set->nr)
		qsort(set->files, set->nr, sizeof(*set->files), by_path);
	for (i = 1; i < set->nr; i++)
		if (!strcmp(set->files[i - 1].path, set->files[i].path)) {
			r = error_set(BOSUN_EDATA, "manifest.json: '%s' is listed twice",
				      set->files[i].path);
			goto out;
		}
out:
	json_decref(doc);
	return r;
}

void backup_manifest_text(struct strbuf *out, const struct backup_set *set)
{
	json_t *doc, *files = json_array();
	char *text;
	size_t i;

	for (i = 0; i < set->nr; i++)
		json_array_append_new(files, json_pack("{s:s, s:I, s:i, s:s}",
			"path", set->files[i].path,
			"size", (json_int_t)set->files[i].size,
			"mode", (int)set->files[i].mode,
			"sha256", set->files[i].sha256));
	doc = json_pack("{s:s, s:i, s:s?, s:s?, s:s?, s:o}", "format", BACKUP_FORMAT,
			"version", BACKUP_FORMAT_VERSION, "kind", set->kind,
			"created", set->created, "bosun", set->bosun, "files", files);
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	strbuf_addstr(out, text);
	strbuf_addch(out, '\n');
	free(text);
	json_decref(doc);
}

/* ------------------------------------------------------------ reading */

struct reader {
	struct backup_set *set;
	int have_manifest;
	/* The sizes the manifest gave, by index of set->files. */
	long long *sizes;
	struct meter *progress;
};

/* The manifest: the totals of the progress come from it. */
static int manifest_read(struct reader *rd, const struct strbuf *bytes)
{
	long long total = 0;
	size_t i;
	int r;

	if ((r = backup_manifest_parse(rd->set, bytes->buf, bytes->len)) < 0)
		return r;
	for (i = 0; i < rd->set->nr; i++)
		total += rd->set->files[i].size;
	meter_phase(rd->progress, "reading", rd->set->nr, total);
	return 0;
}

static int on_entry(void *data, const char *name, unsigned mode, struct strbuf *bytes)
{
	struct reader *rd = data;
	struct backup_file *bf;
	char sum[65];

	(void)mode;
	if (!strcmp(name, BACKUP_MANIFEST)) {
		if (rd->have_manifest)
			return error_set(BOSUN_EDATA, "entry 'manifest.json' is there twice");
		rd->have_manifest = 1;
		return manifest_read(rd, bytes);
	}
	if (!rd->have_manifest)
		return error_set(BOSUN_EDATA, "entry '%s' comes before manifest.json", name);
	bf = (struct backup_file *)backup_set_find(rd->set, name + 6);
	if (!bf)
		return error_set(BOSUN_EDATA, "entry '%s' is not in manifest.json", name);
	if (bf->have_data)
		return error_set(BOSUN_EDATA, "entry '%s' is there twice", name);
	if ((long long)bytes->len != bf->size)
		return error_set(BOSUN_EDATA, "entry '%s': %zu bytes, the manifest "
				 "says %lld (a damaged archive)", name, bytes->len,
				 bf->size);
	sha256_hex(sum, bytes->buf, bytes->len);
	if (strcmp(sum, bf->sha256))
		return error_set(BOSUN_EDATA, "entry '%s': its SHA-256 is %s, the "
				 "manifest says %s (a damaged archive)", name, sum,
				 bf->sha256);
	bk_progress_add(rd->progress, bf->size);
	strbuf_release(&bf->data);
	bf->data = *bytes;
	strbuf_init(bytes, 0);
	bf->have_data = 1;
	return 0;
}

int backup_parse(struct backup_set *set, const void *buf, size_t len)
{
	struct reader rd = { set, 0, NULL, set->progress };
	size_t i;
	int r;

	if ((r = bk_archive_each(buf, len, on_entry, &rd)) < 0)
		return r;
	if (!rd.have_manifest)
		return error_set(BOSUN_EDATA, "no manifest.json: not a bosun archive");
	for (i = 0; i < set->nr; i++)
		if (!set->files[i].have_data)
			return error_set(BOSUN_EDATA, "'%s' is in manifest.json but not "
					 "in the archive", set->files[i].path);
	return 0;
}

int backup_read(struct backup_set *set, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	if ((r = fs_read_file(&sb, path, BACKUP_MAX_BYTES)) < 0)
		goto out;
	if ((r = backup_parse(set, sb.buf, sb.len)) < 0)
		error_prefix("'%s'", path);
out:
	strbuf_release(&sb);
	return r;
}

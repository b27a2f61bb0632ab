/* libFuzzer harness for lib/backup's archive reader: the first byte picks
 * the manifest alone (even) or a whole archive in memory (odd), read with
 * libarchive and checked entry by entry. Whatever it accepts names only
 * places bosun restores, each once, with bytes that match their sums. */
#include "core/error.h"
#include "core/sha256.h"
#include "lib/backup/backup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct backup_set set = BACKUP_SET_INIT;
	char sum[65];
	size_t i;
	int whole, r;

	if (!size)
		return 0;
	whole = data[0] & 1;
	r = whole ? backup_parse(&set, data + 1, size - 1) :
		    backup_manifest_parse(&set, (const char *)data + 1, size - 1);
	if (r == 0) {
		for (i = 0; i < set.nr; i++) {
			if (backup_place_check(set.files[i].path) < 0)
				abort();
			if (i && strcmp(set.files[i - 1].path, set.files[i].path) >= 0)
				abort();
			if (whole) {
				sha256_hex(sum, set.files[i].data.buf, set.files[i].data.len);
				if (strcmp(sum, set.files[i].sha256) ||
				    (long long)set.files[i].data.len != set.files[i].size)
					abort();
			}
		}
	} else if (r != -BOSUN_EDATA && r != -BOSUN_EUNAVAILABLE && r != -BOSUN_EIO) {
		abort();
	}
	backup_set_release(&set);
	error_clear();
	return 0;
}

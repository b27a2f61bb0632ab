/* libFuzzer harness for lib/doctor's script parsers: a script's shebang
 * and a Makefile's targets and recipes. */
#include "core/strbuf.h"
#include "lib/doctor/doctor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct doctor_make mk = DOCTOR_MAKE_INIT;
	struct strbuf interp = STRBUF_INIT;
	const char *text = (const char *)data;
	size_t i, j;

	if (doctor_shebang(&interp, text, size)) {
		/* One word, never empty, never past the first line. */
		if (!interp.len || strchr(interp.buf, '\n') || strchr(interp.buf, ' '))
			abort();
	}
	doctor_make_parse(&mk, text, size);
	for (i = 0; i < mk.nr; i++) {
		const char *n = mk.items[i].name;

		if (!*n || n[0] == '.' || strchr(n, ':') || strchr(n, ' ') ||
		    strchr(n, '\n') || strlen(n) > size)
			abort();
		for (j = 0; j < i; j++)
			if (!strcmp(mk.items[j].name, n))
				abort();
	}
	doctor_make_release(&mk);
	strbuf_release(&interp);
	return 0;
}

#include "lib/config/ydiag.h"

#include <stdbool.h>
#include <stddef.h>

static void discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
	(void)diag;
	(void)user;
	(void)buf;
	(void)len;
}

struct fy_diag *ydiag_quiet(void)
{
	struct fy_diag_cfg dc;
	struct fy_diag *diag;

	fy_diag_cfg_default(&dc);
	dc.fp = NULL;
	dc.output_fn = discard;
	dc.user = NULL;
	dc.level = FYET_ERROR;
	dc.colorize = false;
	diag = fy_diag_create(&dc);
	if (diag)
		fy_diag_set_collect_errors(diag, true);
	return diag;
}

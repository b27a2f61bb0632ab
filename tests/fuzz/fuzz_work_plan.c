/* libFuzzer harness for lib/work's plans: any input either fails with a
 * message (kind BOSUN_EDATA) or gives a plan whose merge order is a
 * permutation that puts every workstream after its dependencies, whose
 * owners never overlap, and which survives the trip through JSON. */
#include "core/error.h"
#include "lib/work/work.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t pos(const struct work_plan *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (!strcmp(p->ws[p->order[i]].id, id))
			return i;
	abort();
}

static void check(const struct work_plan *p)
{
	struct work_plan q = WORK_PLAN_INIT;
	size_t i, j, a, b;
	json_t *js;

	for (i = 0; i < p->nr; i++) {
		const struct work_stream *w = &p->ws[p->order[i]];
		if (pos(p, w->id) != i)
			abort();
		for (j = 0; j < w->depends_nr; j++)
			if (pos(p, w->depends_on[j]) >= i)
				abort();
	}
	for (i = 0; i < p->nr; i++)
		for (j = i + 1; j < p->nr; j++)
			for (a = 0; a < p->ws[i].owns_nr; a++)
				for (b = 0; b < p->ws[j].owns_nr; b++)
					if (work_glob_overlap(p->ws[i].owns[a], p->ws[j].owns[b]))
						abort();
	js = work_plan_json(p);
	if (!js || work_plan_from_json(&q, js) < 0 || q.nr != p->nr)
		abort();
	for (i = 0; i < p->nr; i++)
		if (q.order[i] != p->order[i] || strcmp(q.ws[i].id, p->ws[i].id))
			abort();
	json_decref(js);
	work_plan_release(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct work_plan p = WORK_PLAN_INIT;

	if (size > 16384)
		return 0;
	if (work_plan_parse(&p, "fuzz.yml", (const char *)data, size) == 0)
		check(&p);
	else if (!error_message()[0] || error_kind() != BOSUN_EDATA)
		abort();
	work_plan_release(&p);
	error_clear();
	return 0;
}

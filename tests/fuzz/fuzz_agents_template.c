/* libFuzzer harness for lib/agents templates: the JSON form (first byte
 * even) and the Markdown form (odd). A template that parses must render
 * for every target, and every rendered file must parse back to the same
 * frontmatter. */
#include "core/error.h"
#include "core/strbuf.h"
#include "lib/agents/agents.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_render(const struct agent_tmpl *t)
{
	const struct agent_target *tg;

	for (tg = agent_targets; tg->id; tg++) {
		struct strbuf out = STRBUF_INIT;
		json_t *want = agent_frontmatter(t, tg), *got = NULL;
		size_t body;
		int marker;

		if (agent_render(&out, t, tg) < 0 ||
		    agent_file_parse(&got, &body, &marker, out.buf, out.len) < 0 ||
		    !marker || !json_equal(want, got))
			abort();
		json_decref(want);
		json_decref(got);
		strbuf_release(&out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_problems pb = AGENT_PROBLEMS_INIT;
	struct agent_tmpl t;

	if (!size)
		return 0;
	if (agent_tmpl_parse(&t, data[0] & 1 ? "t.md" : "t.json",
			     (const char *)data + 1, size - 1, &pb) == 0) {
		if (!t.name || !agent_name_valid(t.name) || !t.version || pb.nr)
			abort();
		check_render(&t);
		agent_tmpl_release(&t);
	} else if (!pb.nr) {
		abort();
	}
	agent_problems_release(&pb);
	error_clear();
	return 0;
}

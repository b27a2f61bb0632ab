/*
 * keys.c - the store's configuration key (store.url), which picks the
 * backend (store.h); src/cmd/keys.c hands it to config_load().
 */
#include "lib/store/store.h"

const struct config_key store_config_keys[] = {
	{ "store.url", CFG_STRING, "\"\"",
	  "the shared store: sqlite:PATH; empty: state.db in git's common dir" },
	{ NULL, 0, NULL, NULL, NULL },
};

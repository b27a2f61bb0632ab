/*
 * ydiag.h - a libfyaml diagnostic object that never writes to stderr.
 *
 * libfyaml prints its errors by default; lib/ code must not print. Every
 * module that parses YAML (configuration, agent templates, scan rules)
 * creates its parser with this object and reads the collected errors back
 * with fy_diag_errors_iterate() to report them its own way.
 */
#ifndef BOSUN_LIB_CONFIG_YDIAG_H
#define BOSUN_LIB_CONFIG_YDIAG_H

#include <libfyaml.h>

/* NULL when it cannot be made; release with fy_diag_destroy(). */
struct fy_diag *ydiag_quiet(void);

#endif

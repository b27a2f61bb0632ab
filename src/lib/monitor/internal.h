/*
 * internal.h - what the monitor's files share (not for other modules).
 */
#ifndef BOSUN_LIB_MONITOR_INTERNAL_H
#define BOSUN_LIB_MONITOR_INTERNAL_H

#include "lib/monitor/monitor.h"

/* The built-in sources; data is the struct monitor. */
int monitor_resources(struct monitor_sample *s, void *data);
int monitor_log_source(struct monitor_sample *s, void *data);
int monitor_fake_source(struct monitor_sample *s, void *data);
void monitor_logtail_free(struct monitor_logtail *t);

/* Replace why with "must ..." text for a config check; returns -1. */
int monitor_why(struct strbuf *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Send a to every command and webhook of monitor.alerts. */
void monitor_deliver(struct monitor *m, struct monitor_alert *a);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * log: stderr logging for the atlasperf program, with the level prefixes
 * Telegraf's execd input understands ("E! ", "W! ", "I! ", "D! "), so the
 * same lines read well by hand and land at the right level in Telegraf.
 * stdout is reserved for line protocol.
 */
#ifndef ATLASPERF_EXECD_LOG_H
#define ATLASPERF_EXECD_LOG_H

#include "atlasperf/ap_buf.h"
#include "atlasperf/ap_err.h"

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages above this level are dropped; set once from options. */
void log_set_level(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * As log_msg when buf is NULL. Otherwise appends the line to buf instead,
 * byte for byte as log_msg would write it (prefix, newline included), for
 * a worker thread whose lines the main thread writes later in input
 * order; nothing when the level is dropped. Returns AP_ENOMEM when the
 * line could not be appended (buf unchanged), else AP_OK.
 */
enum ap_status log_to(struct ap_buf *buf, enum log_level level,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

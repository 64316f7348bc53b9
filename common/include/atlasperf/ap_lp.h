/* SPDX-License-Identifier: MIT */
/*
 * ap_lp: InfluxDB line-protocol encoder, correct by construction: escaping
 * per position, integers with the `i` suffix, floats in the shortest form
 * that reads back as the same double (always with '.', whatever the
 * process locale), tags sorted by key, nanosecond timestamps. Control
 * characters, which line protocol cannot carry, are replaced by '?', and
 * so is a backslash that InfluxDB would read as an escape; tag values are
 * cut at 1024 bytes so the series key stays within InfluxDB's limit.
 */
#ifndef ATLASPERF_AP_LP_H
#define ATLASPERF_AP_LP_H

#include "atlasperf/ap_buf.h"
#include "atlasperf/ap_err.h"
#include "atlasperf/ap_metric.h"

struct ap_lp;

/* Creates an encoder (holds a private "C" locale). Free with ap_lp_free. */
enum ap_status ap_lp_new(struct ap_lp **out, struct ap_err *err);

/* Frees an encoder; NULL is fine. */
void ap_lp_free(struct ap_lp *lp);

/*
 * Appends one line (with '\n') for m to out. Returns AP_EINVAL (out
 * unchanged) for a metric that cannot be written: no fields, an overflowed
 * metric, a timestamp outside the int64 nanosecond range, an empty name or
 * key; AP_ENOMEM/AP_ERANGE from the buffer.
 */
enum ap_status ap_lp_encode(struct ap_lp *lp, const struct ap_metric *m,
			    struct ap_buf *out, struct ap_err *err);

/*
 * Formats a finite double as line protocol writes it (shortest round-trip
 * form, '.' as decimal point) into dst (at least 32 bytes). Returns the
 * length, or 0 when v is not finite or dst is too small.
 */
size_t ap_lp_format_double(struct ap_lp *lp, double v, char *dst, size_t n);

#endif

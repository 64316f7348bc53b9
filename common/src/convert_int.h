/* SPDX-License-Identifier: MIT */
/* convert_int (internal): per-type converters behind ap_convert_result. */
#ifndef ATLASPERF_CONVERT_INT_H
#define ATLASPERF_CONVERT_INT_H

#include "atlasperf/ap_convert.h"

/* Starts metric m named name for result r: timestamp, configured tags,
 * then the base tags (msm_id, prb_id, af, dst_name, dst_addr, probe_asn,
 * probe_cc), which win over configured ones of the same key. */
void convert_begin(struct ap_metric *m, const char *name,
		   const struct ap_result *r,
		   const struct ap_convert_opts *opts);

/* Hands m to the sink, or reports why it cannot be emitted. */
enum ap_status convert_emit(const struct ap_metric *m,
			    const struct ap_sink *sink, struct ap_err *err);

/* result_code of METRICS.md for a result-level failure: 0, 1 or 2. */
int convert_failure_code(const struct ap_result *r);

enum ap_status convert_ping(const struct ap_result *r,
			    const struct ap_convert_opts *opts,
			    const struct ap_sink *sink, struct ap_err *err);
enum ap_status convert_traceroute(const struct ap_result *r,
				  const struct ap_convert_opts *opts,
				  const struct ap_sink *sink,
				  struct ap_err *err);
enum ap_status convert_dns(const struct ap_result *r,
			   const struct ap_convert_opts *opts,
			   const struct ap_sink *sink, struct ap_err *err);
enum ap_status convert_http(const struct ap_result *r,
			    const struct ap_convert_opts *opts,
			    const struct ap_sink *sink, struct ap_err *err);
enum ap_status convert_ntp(const struct ap_result *r,
			   const struct ap_convert_opts *opts,
			   const struct ap_sink *sink, struct ap_err *err);
enum ap_status convert_sslcert(const struct ap_result *r,
			       const struct ap_convert_opts *opts,
			       const struct ap_sink *sink, struct ap_err *err);

#endif

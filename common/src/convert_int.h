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

/* Adds min_rtt_fibre_ms and rtt_inflation (min_rtt_ms over the fibre
 * bound between opts' probe and target coordinates) when all four
 * coordinates and min_rtt_ms are known and the two points are at least
 * AP_PATH_MIN_DISTANCE_KM apart; otherwise adds nothing. */
void convert_inflation(struct ap_metric *m,
		       const struct ap_convert_opts *opts, double min_rtt_ms);

/* result_code of METRICS.md for a result-level failure: 0, 1 or 2. */
int convert_failure_code(const struct ap_result *r);

/*
 * Per-result figures that the summaries (ap_agg) reuse, computed by the
 * very rules of the atlas_ping / atlas_traceroute points, so a summary
 * never disagrees with the points it summarises.
 */

/* median_response_ms of a ping result; NaN when no reply counts. */
double convert_ping_median_ms(const struct ap_ping *p);

struct convert_trace_figures {
	bool responded;     /* destination_responded */
	double dest_rtt_ms; /* destination_rtt_ms; NaN unless responded */
	double last_rtt_ms; /* last_rtt_ms; NaN when no hop answered */
	bool has_path;      /* path_id is emitted (hop_count > 0) */
	uint64_t path_hash; /* path_id's value (48 bits); 0 without path */
};

/* Fills f for traceroute result r; link is the exit link path_id
 * hashes (NULL = none). r and link are borrowed. */
void convert_trace_figures(const struct ap_result *r, const char *link,
			   struct convert_trace_figures *f);

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

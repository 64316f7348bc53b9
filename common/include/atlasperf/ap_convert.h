/* SPDX-License-Identifier: MIT */
/*
 * ap_convert: turns a parsed result into the metric records of
 * docs/metrics.md (atlas_ping, atlas_traceroute, atlas_dns, atlas_http,
 * atlas_ntp, atlas_sslcert), handed one by one to a sink.
 */
#ifndef ATLASPERF_AP_CONVERT_H
#define ATLASPERF_AP_CONVERT_H

#include <stdbool.h>
#include <stddef.h>

#include "atlasperf/ap_err.h"
#include "atlasperf/ap_metric.h"
#include "atlasperf/ap_result.h"

struct ap_convert_opts {
	/* Tags configured on the measurement, added to every point; they
	 * never replace a base tag. Borrowed. */
	const struct ap_tag *tags;
	size_t n_tags;
	/* Probe metadata, when known (NULL otherwise). Borrowed. */
	const char *probe_asn; /* ASN for the result's address family */
	const char *probe_cc;  /* ISO country code */
	/* Exit link the traceroute crossed (path analysis), or NULL. */
	const char *link;
	/* IXP whose peering LAN the traceroute crossed (path analysis):
	 * the `ixp` tag of traceroute points, or NULL. Borrowed. */
	const char *ixp;
	/* Coordinates in degrees (NaN = unknown) of the probe (probe
	 * metadata) and of the target (configured per measurement). When
	 * all four are known, ping and traceroute points get
	 * min_rtt_fibre_ms and rtt_inflation (ANALYSIS.md 2.3, ap_path.h). */
	double probe_lat, probe_lon;
	double target_lat, target_lon;
	/* Emit atlas_traceroute_hop points too (high cardinality). */
	bool hop_points;
	/* Bottleneck hop rule (ANALYSIS.md 2.4): a rise of at least
	 * min_ms over the previous answering hop that persists: every
	 * later answering hop stays >= previous + persist * rise. */
	double bottleneck_min_ms;
	double bottleneck_persist;
};

/* Fills o with the defaults: no tags, no metadata, no link or IXP, no
 * coordinates (NaN), no hop points, bottleneck 10 ms / 0.8. */
void ap_convert_opts_init(struct ap_convert_opts *o);

/*
 * Emits the points for r through sink, in a fixed order. Returns AP_OK,
 * the sink's first non-AP_OK status, or AP_EINVAL with err set when a point
 * could not be built (too many tags). r and opts are borrowed.
 */
enum ap_status ap_convert_result(const struct ap_result *r,
				 const struct ap_convert_opts *opts,
				 const struct ap_sink *sink,
				 struct ap_err *err);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * ap_link: the atlas_link metric, one point per configured egress link:
 * how the results classified to it performed over the lateness horizon
 * (count, p50 RTT, pooled loss) and what the link costs at the billed load
 * the config's destinations put on it (ANALYSIS.md 6.2). A current-state
 * gauge: timestamped with the wall clock. docs/metrics.md gives the rules.
 */
#ifndef ATLASPERF_AP_LINK_H
#define ATLASPERF_AP_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "atlasperf/ap_agg.h"
#include "atlasperf/ap_config.h"
#include "atlasperf/ap_cost.h"
#include "atlasperf/ap_err.h"
#include "atlasperf/ap_metric.h"

/*
 * Emits through sink one `atlas_link` point per link of model, in model
 * (= configuration) order, all timestamped now (Unix seconds, the wall
 * clock: the figures describe the present, not one Atlas result).
 *
 * Tags: `link` (name), `kind` (transit, peering, pni), and `shard` ("i/n")
 * when cfg->shard_count > 1 (each instance sees only its measurements).
 *
 * Fields (absent = no data, never 0):
 *   results                  int: ping and traceroute results with
 *                            now - window_s <= timestamp <= now whose
 *                            `link` tag is the link: the exit link found
 *                            by path analysis, or else the measurement's
 *                            configured `link` tag;
 *   percentile50_response_ms nearest rank (ceil(N/2)) over those results'
 *                            per-result RTTs (ping: median RTT;
 *                            traceroute: destination RTT); absent, N = 0;
 *   percent_packet_loss      pooled 100 * (1 - sum rcvd / sum sent), a
 *                            traceroute counting as one packet received
 *                            when the destination responded; 6 decimals;
 *                            absent when sum sent = 0;
 *   billed_mbps              B = sum of traffic_mbps of the destinations
 *                            whose current_link is the link;
 *   monthly_cost             cost_l(B);
 *   effective_cost_per_mbps  cost_l(B) / B; absent when B = 0;
 *   breakeven_mbps           peering/pni: fixed / (p_ref - price); absent
 *                            for transit or when undefined;
 *   unused_commit_mbps       transit only: max(0, commit - B);
 *   utilization              B / port_capacity_mbps.
 * Money and derived ratios are rounded to 6 decimals.
 *
 * aggs[0..n_aggs) are the measurements' summaries (NULL entries are
 * skipped); cfg supplies the measurements' configured tags and the shard
 * (may be NULL: no configured-tag links, no shard tag). window_s >= 0 is
 * normally the lateness horizon: older samples are not held anyway. The
 * same samples, config and now always give the same points. Everything
 * is borrowed for the call. Returns AP_OK, the sink's first non-AP_OK
 * status, AP_EINVAL (model NULL, window_s < 0, a point too large) or
 * AP_ENOMEM, with err set except for the sink's status.
 */
/*
 * One link's performance from pooled samples: the figures of atlas_link
 * above, shared with `atlasperf cost --from-state` so that both give the
 * same numbers from the same samples.
 */
struct ap_link_perf {
	int64_t results;  /* samples that matched */
	size_t n_rtt;     /* of them, with a per-result RTT */
	int64_t sent;     /* pooled packets sent (traceroute: 1 each) */
	double p50_ms;    /* nearest rank ceil(N/2) of the N = n_rtt
			   * per-result RTTs; NaN when N = 0 */
	double loss_pct;  /* pooled 100 * (1 - rcvd / sent), rounded to 6
			   * decimals; NaN when sent = 0 */
};

/*
 * Zeroes the counts of acc (keeping its RTT buffer) and adds to it the
 * samples of aggs[0..n_aggs) (NULL entries skipped) with now - window_s
 * <= timestamp <= now whose link is link: the exit link found by path
 * analysis, or, for samples without one, the measurement's configured
 * `link` tag (cfg may be NULL: then only the former). acc is zeroed by
 * the caller before its first use and its rtt_ms freed with free() after
 * the last. AP_EINVAL (window_s < 0) or AP_ENOMEM, with err set.
 */
enum ap_status ap_link_gather(const struct ap_config *cfg, const char *link,
			      const struct ap_agg *const *aggs, size_t n_aggs,
			      int64_t now, int64_t window_s,
			      struct ap_agg_link_acc *acc, struct ap_err *err);

/* Fills *out from acc (sorts acc->rtt_ms in place). */
void ap_link_perf_of(struct ap_agg_link_acc *acc, struct ap_link_perf *out);

enum ap_status ap_link_emit(const struct ap_config *cfg,
			    const struct ap_cost_model *model,
			    const struct ap_agg *const *aggs, size_t n_aggs,
			    int64_t now, int64_t window_s,
			    const struct ap_sink *sink, struct ap_err *err);

#endif

/* SPDX-License-Identifier: MIT */
/* convert_ping: one atlas_ping point per ping result. */
#include <math.h>
#include <stdlib.h>

#include "atlasperf/ap_stats.h"
#include "convert_int.h"

/* Atlas sends at most 16 packets; larger arrays are capped here and the
 * statistics use the first ones (never seen in practice). */
#define MAX_RTTS 64

/*
 * The RTTs that count: replies with an RTT, each rounded to 3 decimals
 * (as Sagan), leaving out timeouts, errors and duplicates; sending order.
 */
static size_t reply_rtts(const struct ap_ping *p, double *rtts)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_packets && n < MAX_RTTS; i++) {
		const struct ap_ping_packet *pk = &p->packets[i];

		if (pk->dup || !isfinite(pk->rtt_ms))
			continue;
		rtts[n++] = ap_stats_round3(pk->rtt_ms);
	}
	return n;
}

static int64_t first_reply_ttl(const struct ap_ping *p)
{
	for (size_t i = 0; i < p->n_packets; i++) {
		const struct ap_ping_packet *pk = &p->packets[i];

		if (!pk->dup && isfinite(pk->rtt_ms))
			return pk->ttl >= 0 ? pk->ttl : p->ttl;
	}
	return -1;
}

double convert_ping_median_ms(const struct ap_ping *p)
{
	double rtts[MAX_RTTS];
	size_t n = reply_rtts(p, rtts);

	return ap_stats_round6(ap_stats_median(rtts, n));
}

enum ap_status convert_ping(const struct ap_result *r,
			    const struct ap_convert_opts *opts,
			    const struct ap_sink *sink, struct ap_err *err)
{
	const struct ap_ping *p = &r->u.ping;
	double rtts[MAX_RTTS];
	size_t n = reply_rtts(p, rtts);
	struct ap_metric m;
	int code = convert_failure_code(r);

	convert_begin(&m, "atlas_ping", r, opts);
	ap_metric_tag(&m, "proto", r->base.proto);
	ap_metric_count(&m, "packets_transmitted", p->sent);
	ap_metric_count(&m, "packets_received", p->rcvd);
	ap_metric_float(&m, "percent_packet_loss",
			ap_stats_round6(ap_stats_loss_pct(p->sent, p->rcvd)));
	ap_metric_float(&m, "minimum_response_ms", p->min_ms);
	ap_metric_float(&m, "average_response_ms", p->avg_ms);
	ap_metric_float(&m, "maximum_response_ms", p->max_ms);
	ap_metric_float(&m, "median_response_ms", convert_ping_median_ms(p));
	ap_metric_float(&m, "standard_deviation_ms",
			ap_stats_round6(ap_stats_stddev(rtts, n)));
	ap_metric_float(&m, "jitter_ms",
			ap_stats_round6(ap_stats_jitter(rtts, n)));
	ap_metric_count(&m, "duplicates", p->dup);
	ap_metric_count(&m, "ttl", first_reply_ttl(p));
	ap_metric_count(&m, "packet_size", p->size);
	convert_inflation(&m, opts, p->min_ms);
	/* A probe that sent nothing without saying why still failed. */
	if (code == 0 && p->sent == 0 && n == 0)
		code = 2;
	ap_metric_int(&m, "result_code", code);
	return convert_emit(&m, sink, err);
}

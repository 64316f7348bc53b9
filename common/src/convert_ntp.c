/* SPDX-License-Identifier: MIT */
/*
 * convert_ntp: one atlas_ntp point per NTP result: median/min/max of the
 * packets' rtt and offset in ms (Atlas reports seconds), stratum, and
 * packet counts. Median rule as for ping (mean of the two middle values
 * for an even count). As Sagan, whose figures the metric contract follows,
 * each rtt is first rounded to 3 decimals of a SECOND, i.e. to whole
 * milliseconds; offsets are not rounded.
 */
#include <math.h>

#include "atlasperf/ap_stats.h"
#include "convert_int.h"

/* Atlas sends 1 to 16 packets; any further ones are left out. */
#define MAX_PACKETS 64

/*
 * Python's round(s, 3), which Sagan applies: the multiple of 0.001 nearest
 * to the exact binary value of s, ties to even. A plain round(s * 1000)
 * differs for about 1 value in 2000 (0.0045 is just below the tie as a
 * double, but s * 1000 rounds to exactly 4.5). fma() gives the exact sign
 * of s * 1000 - x. Returns the result in ms, i.e. the integer n.
 */
static double sagan_rtt_ms(double s)
{
	double n = floor(s * 1000.0);
	double d;

	/* an absurd rtt (a broken probe): nothing sensible to round */
	if (!isfinite(s) || fabs(s) > 1e12)
		return isfinite(s) ? s * 1000.0 : NAN;
	/* s * 1000 may have rounded across an integer: exact floor */
	if (fma(s, 1000.0, -n) < 0.0)
		n -= 1.0;
	else if (fma(s, 1000.0, -(n + 1.0)) >= 0.0)
		n += 1.0;
	d = fma(s, 2000.0, -(2.0 * n + 1.0)); /* sign of s*1000 - (n+.5) */
	if (d > 0.0 || (d == 0.0 && fmod(n, 2.0) != 0.0))
		n += 1.0;
	return n;
}

enum ap_status convert_ntp(const struct ap_result *r,
			   const struct ap_convert_opts *opts,
			   const struct ap_sink *sink, struct ap_err *err)
{
	const struct ap_ntp *n = &r->u.ntp;
	double rtt[MAX_PACKETS], off[MAX_PACKETS];
	size_t nr = 0, no = 0;
	bool any_error = false;
	int64_t sent = n->no_result ? -1 : (int64_t)n->n_packets;
	struct ap_metric m;
	int code;

	for (size_t i = 0; i < n->n_packets; i++) {
		const struct ap_ntp_packet *p = &n->packets[i];

		if (p->error != NULL)
			any_error = true;
		if (isfinite(p->rtt_ms) && nr < MAX_PACKETS)
			rtt[nr++] = sagan_rtt_ms(p->rtt_s);
		if (isfinite(p->rtt_ms) && isfinite(p->offset_ms) &&
		    no < MAX_PACKETS)
			off[no++] = p->offset_ms;
	}
	/* 0 when anything answered; 1 when every packet timed out; 2 for
	 * errors, and for a result that measured nothing at all. */
	if (r->base.failure != AP_FAIL_NONE)
		code = 2;
	else if (nr > 0)
		code = 0;
	else if (!any_error && n->n_packets > 0)
		code = 1;
	else
		code = 2;

	convert_begin(&m, "atlas_ntp", r, opts);
	ap_metric_float(&m, "rtt_min_ms", ap_stats_min(rtt, nr));
	ap_metric_float(&m, "rtt_max_ms", ap_stats_max(rtt, nr));
	ap_metric_float(&m, "response_time_ms", ap_stats_median(rtt, nr));
	ap_metric_float(&m, "offset_min_ms", ap_stats_min(off, no));
	ap_metric_float(&m, "offset_max_ms", ap_stats_max(off, no));
	ap_metric_float(&m, "offset_ms", ap_stats_median(off, no));
	ap_metric_count(&m, "stratum", n->stratum);
	ap_metric_count(&m, "packets_transmitted", sent);
	if (sent >= 0)
		ap_metric_int(&m, "packets_received", (int64_t)nr);
	ap_metric_float(&m, "percent_packet_loss",
			ap_stats_loss_pct(sent, (int64_t)nr));
	ap_metric_int(&m, "result_code", code);
	return convert_emit(&m, sink, err);
}

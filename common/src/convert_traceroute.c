/* SPDX-License-Identifier: MIT */
/*
 * convert_traceroute: one atlas_traceroute point per result (and, when
 * asked, one atlas_traceroute_hop point per hop). Reply selection follows
 * Sagan: replies marked `late` answer an earlier packet and are dropped
 * before anything is counted; `err` replies still give an RTT.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atlasperf/ap_stats.h"
#include "convert_int.h"

/* Atlas sends up to 16 packets per hop. */
#define MAX_HOP_RTTS 64

static bool has_rtt(const struct ap_trace_reply *rp)
{
	return !rp->late && isfinite(rp->rtt_ms) && rp->rtt_ms != 0.0;
}

/* Median of the hop's non-zero RTTs (rounded to 3 decimals); from, when
 * not NULL, keeps only replies from that address. NaN when none. */
static double hop_median(const struct ap_trace_hop *h, const char *from)
{
	double v[MAX_HOP_RTTS];
	size_t n = 0;

	for (size_t i = 0; i < h->n_replies && n < MAX_HOP_RTTS; i++) {
		const struct ap_trace_reply *rp = &h->replies[i];

		if (!has_rtt(rp))
			continue;
		if (from != NULL && (rp->from == NULL ||
				     strcmp(rp->from, from) != 0))
			continue;
		v[n++] = ap_stats_round3(rp->rtt_ms);
	}
	/* The mean of two middle values carries binary noise past the
	 * 4th decimal; 6 decimals keep every real digit. */
	return ap_stats_round6(ap_stats_median(v, n));
}

/* Minimum RTT of the replies that measure forwarding: no late, dup, err
 * or timeout (ANALYSIS.md 2.4). NaN when none. */
static double hop_min_clean(const struct ap_trace_hop *h)
{
	double m = NAN;

	for (size_t i = 0; i < h->n_replies; i++) {
		const struct ap_trace_reply *rp = &h->replies[i];

		if (!has_rtt(rp) || rp->dup || rp->err != NULL || rp->timeout)
			continue;
		if (isnan(m) || rp->rtt_ms < m)
			m = rp->rtt_ms;
	}
	return m;
}

static int64_t hop_number(const struct ap_traceroute *t, size_t i)
{
	return t->hops[i].hop >= 0 ? t->hops[i].hop : (int64_t)i + 1;
}

/*
 * The hop whose clean minimum RTT rises most over the previous answering
 * hop, among rises >= min_ms that persist to every later answering hop.
 * Returns the hop index or -1; *rise gets the increase.
 */
static long find_bottleneck(const struct ap_traceroute *t,
			    const struct ap_convert_opts *o, double *rise)
{
	long best = -1;
	double best_rise = 0.0;
	double prev = NAN;

	for (size_t i = 0; i < t->n_hops; i++) {
		double ri = hop_min_clean(&t->hops[i]);
		double d;
		bool persists = true;

		if (isnan(ri))
			continue;
		d = ri - prev;
		if (!isnan(prev) && d >= o->bottleneck_min_ms &&
		    d > best_rise) {
			for (size_t j = i + 1; j < t->n_hops && persists; j++) {
				double rj = hop_min_clean(&t->hops[j]);

				if (!isnan(rj) &&
				    rj < prev + o->bottleneck_persist * d)
					persists = false;
			}
			if (persists) {
				best = (long)i;
				best_rise = d;
			}
		}
		prev = ri;
	}
	*rise = best_rise;
	return best;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/*
 * path_id: FNV-1a over the exit link and, per answering hop, its distinct
 * replying addresses in first-seen order. Hops with no answer are left out
 * so that a lost probe packet does not look like a path change.
 */
static void path_id(const struct ap_traceroute *t, const char *link,
		    char *out, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	h = fnv1a(h, link != NULL ? link : "");
	for (size_t i = 0; i < t->n_hops; i++) {
		const struct ap_trace_hop *hop = &t->hops[i];
		bool any = false;

		for (size_t k = 0; k < hop->n_replies; k++) {
			const struct ap_trace_reply *rp = &hop->replies[k];
			bool seen = false;

			if (rp->late || rp->from == NULL)
				continue;
			for (size_t j = 0; j < k && !seen; j++)
				seen = !hop->replies[j].late &&
				       hop->replies[j].from != NULL &&
				       strcmp(hop->replies[j].from,
					      rp->from) == 0;
			if (seen)
				continue;
			h = fnv1a(h, any ? "+" : "|");
			h = fnv1a(h, rp->from);
			any = true;
		}
	}
	snprintf(out, n, "%012" PRIx64, h >> 16);
}

static bool destination_responded(const struct ap_trace_hop *last,
				  const char *dst)
{
	if (last == NULL || dst == NULL)
		return false;
	for (size_t i = 0; i < last->n_replies; i++) {
		const struct ap_trace_reply *rp = &last->replies[i];

		if (!rp->late && rp->from != NULL && strcmp(rp->from, dst) == 0)
			return true;
	}
	return false;
}

/* Minimum RTT of the last hop's replies from dst (late and duplicate
 * replies left out); NaN when none. */
static double destination_min(const struct ap_trace_hop *last,
			      const char *dst)
{
	double m = NAN;

	for (size_t i = 0; i < last->n_replies; i++) {
		const struct ap_trace_reply *rp = &last->replies[i];

		if (!has_rtt(rp) || rp->dup || rp->from == NULL ||
		    strcmp(rp->from, dst) != 0)
			continue;
		if (isnan(m) || rp->rtt_ms < m)
			m = rp->rtt_ms;
	}
	return m;
}

static bool last_hop_success(const struct ap_trace_hop *last)
{
	if (last == NULL)
		return false;
	for (size_t i = 0; i < last->n_replies; i++)
		if (has_rtt(&last->replies[i]) && last->replies[i].err == NULL)
			return true;
	return false;
}

static enum ap_status emit_hops(const struct ap_result *r,
				const struct ap_convert_opts *opts,
				const struct ap_sink *sink, struct ap_err *err)
{
	const struct ap_traceroute *t = &r->u.traceroute;

	for (size_t i = 0; i < t->n_hops; i++) {
		const struct ap_trace_hop *h = &t->hops[i];
		const char *addr = NULL;
		int64_t sent = 0, rcvd = 0;
		struct ap_metric m;
		enum ap_status st;

		for (size_t k = 0; k < h->n_replies; k++) {
			const struct ap_trace_reply *rp = &h->replies[k];

			if (rp->late || rp->dup)
				continue;
			sent++;
			if (has_rtt(rp))
				rcvd++;
			if (addr == NULL)
				addr = rp->from;
		}
		convert_begin(&m, "atlas_traceroute_hop", r, opts);
		ap_metric_tag(&m, "proto", r->base.proto);
		ap_metric_tag(&m, "link", opts->link);
		ap_metric_tag(&m, "ixp", opts->ixp);
		ap_metric_tag_int(&m, "hop", hop_number(t, i));
		ap_metric_tag(&m, "hop_addr", addr);
		ap_metric_float(&m, "rtt_ms", hop_median(h, NULL));
		ap_metric_int(&m, "packets_transmitted", sent);
		ap_metric_int(&m, "packets_received", rcvd);
		ap_metric_float(&m, "percent_packet_loss",
				ap_stats_loss_pct(sent, rcvd));
		st = convert_emit(&m, sink, err);
		if (st != AP_OK)
			return st;
	}
	return AP_OK;
}

enum ap_status convert_traceroute(const struct ap_result *r,
				  const struct ap_convert_opts *opts,
				  const struct ap_sink *sink,
				  struct ap_err *err)
{
	const struct ap_traceroute *t = &r->u.traceroute;
	const struct ap_trace_hop *last =
		t->n_hops > 0 ? &t->hops[t->n_hops - 1] : NULL;
	const char *dst = r->base.dst_addr;
	double last_rtt = NAN, rise = 0.0;
	bool responded = destination_responded(last, dst);
	long bottleneck = find_bottleneck(t, opts, &rise);
	char pid[24];
	struct ap_metric m;
	enum ap_status st;

	for (size_t i = t->n_hops; i > 0 && isnan(last_rtt); i--)
		last_rtt = hop_median(&t->hops[i - 1], NULL);
	path_id(t, opts->link, pid, sizeof(pid));

	convert_begin(&m, "atlas_traceroute", r, opts);
	ap_metric_tag(&m, "proto", r->base.proto);
	ap_metric_tag(&m, "link", opts->link);
	ap_metric_tag(&m, "ixp", opts->ixp);
	ap_metric_int(&m, "hop_count", (int64_t)t->n_hops);
	ap_metric_int(&m, "destination_responded", responded ? 1 : 0);
	ap_metric_float(&m, "last_rtt_ms", last_rtt);
	if (responded)
		ap_metric_float(&m, "destination_rtt_ms", hop_median(last, dst));
	ap_metric_int(&m, "success", last_hop_success(last) ? 1 : 0);
	if (bottleneck >= 0) {
		ap_metric_int(&m, "bottleneck_hop",
			      hop_number(t, (size_t)bottleneck));
		ap_metric_float(&m, "bottleneck_increase_ms",
				ap_stats_round3(rise));
	}
	if (t->n_hops > 0)
		ap_metric_string_copy(&m, "path_id", pid);
	if (t->endtime >= r->base.timestamp)
		ap_metric_int(&m, "duration_s", t->endtime - r->base.timestamp);
	if (responded)
		convert_inflation(&m, opts, destination_min(last, dst));
	ap_metric_int(&m, "result_code", convert_failure_code(r));
	st = convert_emit(&m, sink, err);
	if (st != AP_OK || !opts->hop_points)
		return st;
	return emit_hops(r, opts, sink, err);
}

void convert_trace_figures(const struct ap_result *r, const char *link,
			   struct convert_trace_figures *f)
{
	const struct ap_traceroute *t = &r->u.traceroute;
	const struct ap_trace_hop *last =
		t->n_hops > 0 ? &t->hops[t->n_hops - 1] : NULL;
	const char *dst = r->base.dst_addr;
	char pid[24];

	f->responded = destination_responded(last, dst);
	f->dest_rtt_ms = f->responded ? hop_median(last, dst) : NAN;
	f->last_rtt_ms = NAN;
	for (size_t i = t->n_hops; i > 0 && isnan(f->last_rtt_ms); i--)
		f->last_rtt_ms = hop_median(&t->hops[i - 1], NULL);
	f->has_path = t->n_hops > 0;
	f->path_hash = 0;
	if (f->has_path) {
		/* The very value path_id prints, read back. */
		path_id(t, link, pid, sizeof(pid));
		f->path_hash = (uint64_t)strtoull(pid, NULL, 16);
	}
}

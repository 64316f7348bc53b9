/* SPDX-License-Identifier: MIT */
/*
 * ap_link: the atlas_link points. Performance comes from the measurements'
 * window-summary samples (ap_agg_link_samples), cost from the model's
 * pure per-link functions at the baseline billed load. ap_link.h and
 * docs/metrics.md give every rule.
 */
#include "atlasperf/ap_link.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atlasperf/ap_stats.h"

/* The measurement's configured `link` tag, or NULL. */
static const char *configured_link(const struct ap_config *cfg,
				   int64_t msm_id)
{
	const struct ap_config_msm *m;

	if (cfg == NULL)
		return NULL;
	m = ap_config_find_msm(cfg, msm_id);
	if (m == NULL)
		return NULL;
	for (size_t i = 0; i < m->n_tags; i++)
		if (strcmp(m->tags[i].key, "link") == 0)
			return m->tags[i].value;
	return NULL;
}

/* Baseline billed load of link: every destination on its current link,
 * summed in model order (as ap_cost_report_new does). */
static double billed_mbps(const struct ap_cost_model *model, const char *link)
{
	double b = 0;

	for (size_t i = 0; i < model->n_dests; i++)
		if (strcmp(model->dests[i].current_link, link) == 0)
			b += model->dests[i].traffic_mbps;
	return b;
}

/* Builds and emits the point of link l from the pooled samples acc. */
static enum ap_status emit_one(const struct ap_cost_model *model,
			       const struct ap_cost_link *l,
			       struct ap_agg_link_acc *acc, const char *shard,
			       int64_t now, const struct ap_sink *sink,
			       struct ap_err *err)
{
	struct ap_cost_figures fig;
	struct ap_link_perf perf;
	struct ap_metric m;
	double p_ref = ap_cost_reference_price(model);

	ap_metric_init(&m, "atlas_link", now);
	ap_metric_tag(&m, "link", l->name);
	ap_metric_tag(&m, "kind", ap_cost_kind_name(l->kind));
	ap_metric_tag_copy(&m, "shard", shard);
	ap_link_perf_of(acc, &perf);
	ap_metric_int(&m, "results", perf.results);
	ap_metric_float(&m, "percentile50_response_ms", perf.p50_ms);
	ap_metric_float(&m, "percent_packet_loss", perf.loss_pct);
	ap_cost_link_figures(l, billed_mbps(model, l->name), &fig);
	ap_metric_float(&m, "billed_mbps", ap_stats_round6(fig.mbps));
	ap_metric_float(&m, "monthly_cost", ap_stats_round6(fig.cost));
	ap_metric_float(&m, "effective_cost_per_mbps",
			ap_stats_round6(fig.cost_per_mbps));
	ap_metric_float(&m, "breakeven_mbps",
			ap_stats_round6(ap_cost_breakeven_mbps(l, p_ref)));
	ap_metric_float(&m, "unused_commit_mbps",
			ap_stats_round6(fig.unused_commit_mbps));
	ap_metric_float(&m, "utilization", ap_stats_round6(fig.utilization));
	if (m.overflow)
		return ap_err_set(err, AP_EINVAL,
				  "atlas_link %s: more tags or fields than a "
				  "point holds",
				  l->name);
	return sink->emit(&m, sink->user);
}

void ap_link_perf_of(struct ap_agg_link_acc *acc, struct ap_link_perf *out)
{
	out->results = acc->results;
	out->n_rtt = acc->n_rtt;
	out->sent = acc->sent;
	ap_stats_sort(acc->rtt_ms, acc->n_rtt);
	out->p50_ms = ap_stats_percentile_sorted(acc->rtt_ms, acc->n_rtt, 50.0);
	out->loss_pct = ap_stats_round6(ap_stats_loss_pct(acc->sent, acc->rcvd));
}

enum ap_status ap_link_gather(const struct ap_config *cfg, const char *link,
			      const struct ap_agg *const *aggs, size_t n_aggs,
			      int64_t now, int64_t window_s,
			      struct ap_agg_link_acc *acc, struct ap_err *err)
{
	enum ap_status st = AP_OK;
	int64_t from;

	if (window_s < 0)
		return ap_err_set(err, AP_EINVAL,
				  "link figures: window %" PRId64 " s is negative",
				  window_s);
	/* Saturate instead of wrapping for absurd clocks. */
	from = now < INT64_MIN + window_s ? INT64_MIN : now - window_s;
	acc->results = acc->counted = acc->sent = acc->rcvd = 0;
	acc->n_rtt = 0;
	for (size_t i = 0; i < n_aggs && st == AP_OK; i++) {
		const char *tag;

		if (aggs[i] == NULL)
			continue;
		tag = configured_link(cfg, ap_agg_msm_id(aggs[i]));
		st = ap_agg_link_samples(aggs[i], link,
					 tag != NULL && strcmp(tag, link) == 0,
					 from, now, acc, err);
	}
	return st;
}

enum ap_status ap_link_emit(const struct ap_config *cfg,
			    const struct ap_cost_model *model,
			    const struct ap_agg *const *aggs, size_t n_aggs,
			    int64_t now, int64_t window_s,
			    const struct ap_sink *sink, struct ap_err *err)
{
	struct ap_agg_link_acc acc;
	char shard[32];
	enum ap_status st = AP_OK;

	if (model == NULL)
		return ap_err_set(err, AP_EINVAL, "atlas_link: no cost model");
	if (window_s < 0)
		return ap_err_set(err, AP_EINVAL,
				  "atlas_link: window %" PRId64 " s is negative",
				  window_s);
	shard[0] = '\0';
	if (cfg != NULL && cfg->shard_count > 1)
		snprintf(shard, sizeof(shard), "%d/%d", cfg->shard_index,
			 cfg->shard_count);
	memset(&acc, 0, sizeof(acc));
	for (size_t li = 0; li < model->n_links && st == AP_OK; li++) {
		const struct ap_cost_link *l = &model->links[li];

		st = ap_link_gather(cfg, l->name, aggs, n_aggs, now, window_s,
				    &acc, err);
		if (st == AP_OK)
			st = emit_one(model, l, &acc, shard, now, sink, err);
	}
	free(acc.rtt_ms);
	return st;
}

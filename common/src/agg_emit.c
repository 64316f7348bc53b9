/* SPDX-License-Identifier: MIT */
/*
 * agg_emit: ap_agg_emit. Finds the windows that are due, works out path
 * changes, and emits one atlas_ping_summary / atlas_traceroute_summary
 * point per window and group (docs/summaries.md).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg_int.h"
#include "atlasperf/ap_stats.h"

/* A sample reference with the sort key of the moment. */
struct ref {
	const struct agg_sample *s;
	size_t idx;     /* index into a->s, for the path-change flags */
	uint32_t rank;  /* group value's rank (bytewise order) */
};

/* (kind, af, prb_id, ts): each probe's results in time order. */
static int cmp_probe_order(const void *pa, const void *pb)
{
	const struct agg_sample *x = ((const struct ref *)pa)->s;
	const struct agg_sample *y = ((const struct ref *)pb)->s;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->af != y->af)
		return x->af < y->af ? -1 : 1;
	if (x->prb_id != y->prb_id)
		return x->prb_id < y->prb_id ? -1 : 1;
	return (x->ts > y->ts) - (x->ts < y->ts);
}

/* (kind, af, ts, prb_id): each window's samples side by side. */
static int cmp_time_order(const void *pa, const void *pb)
{
	const struct agg_sample *x = ((const struct ref *)pa)->s;
	const struct agg_sample *y = ((const struct ref *)pb)->s;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->af != y->af)
		return x->af < y->af ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->prb_id > y->prb_id) - (x->prb_id < y->prb_id);
}

static int cmp_rank(const void *pa, const void *pb)
{
	uint32_t x = ((const struct ref *)pa)->rank;
	uint32_t y = ((const struct ref *)pb)->rank;

	return (x > y) - (x < y);
}

struct probe_mark {
	int64_t prb_id;
	bool responded;
};

static int cmp_probe_mark(const void *pa, const void *pb)
{
	int64_t x = ((const struct probe_mark *)pa)->prb_id;
	int64_t y = ((const struct probe_mark *)pb)->prb_id;

	return (x > y) - (x < y);
}

/* Scratch arrays for one emission, each with room for every sample. */
struct scratch {
	struct ref *by_time;    /* all samples, (kind, af, ts) order */
	struct ref *group;      /* one window's samples with a group value */
	unsigned char *changed; /* per a->s index: a path change */
	double *v;              /* RTTs of one group */
	struct probe_mark *pm;  /* probes of one group */
	uint32_t *rank;         /* per string id: rank in bytewise order */
};

/* The fields of one group. */
struct summary {
	int64_t results, probes, responding, counted, sent, rcvd;
	int64_t path_changes;
	double p50, p90, p95, p99, min, max;
};

static void summarize(const struct ref *v, size_t n, const struct scratch *sc,
		      struct summary *out)
{
	size_t nv = 0;

	memset(out, 0, sizeof(*out));
	out->min = NAN;
	out->max = NAN;
	out->results = (int64_t)n;
	for (size_t i = 0; i < n; i++) {
		const struct agg_sample *s = v[i].s;

		sc->pm[i].prb_id = s->prb_id;
		sc->pm[i].responded = (s->flags & AGG_RESPONDED) != 0;
		if (s->sent >= 0 && s->rcvd >= 0) {
			out->counted++;
			out->sent += s->sent;
			out->rcvd += s->rcvd;
		}
		if (!isnan(s->rtt_ms))
			sc->v[nv++] = s->rtt_ms;
		if (!isnan(s->min_ms) &&
		    (isnan(out->min) || s->min_ms < out->min))
			out->min = s->min_ms;
		if (!isnan(s->max_ms) &&
		    (isnan(out->max) || s->max_ms > out->max))
			out->max = s->max_ms;
		if (sc->changed[v[i].idx])
			out->path_changes++;
	}
	qsort(sc->pm, n, sizeof(*sc->pm), cmp_probe_mark);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		bool resp = false;

		while (j < n && sc->pm[j].prb_id == sc->pm[i].prb_id)
			resp |= sc->pm[j++].responded;
		out->probes++;
		if (resp)
			out->responding++;
		i = j;
	}
	ap_stats_sort(sc->v, nv);
	out->p50 = ap_stats_percentile_sorted(sc->v, nv, 50.0);
	out->p90 = ap_stats_percentile_sorted(sc->v, nv, 90.0);
	out->p95 = ap_stats_percentile_sorted(sc->v, nv, 95.0);
	out->p99 = ap_stats_percentile_sorted(sc->v, nv, 99.0);
}

struct emit_ctx {
	struct ap_agg *a;
	const struct ap_tag *tags;
	size_t n_tags;
	const struct ap_sink *sink;
	struct ap_err *err;
	char msm[24];
};

static enum ap_status emit_group(const struct emit_ctx *c,
				 const struct agg_win *w, const char *group,
				 const char *value, const struct summary *s)
{
	struct ap_metric m;

	ap_metric_init(&m, w->kind == AGG_TRACE ? "atlas_traceroute_summary"
						: "atlas_ping_summary",
		       w->start);
	for (size_t i = 0; i < c->n_tags; i++)
		ap_metric_tag(&m, c->tags[i].key, c->tags[i].value);
	ap_metric_tag(&m, "msm_id", c->msm);
	ap_metric_tag(&m, "af", w->af == 6 ? "6" : "4");
	ap_metric_tag(&m, "group", group);
	if (value != NULL)
		ap_metric_tag(&m, group, value);
	ap_metric_int(&m, "probes", s->probes);
	ap_metric_int(&m, "probes_responding", s->responding);
	ap_metric_int(&m, "probes_silent", s->probes - s->responding);
	ap_metric_int(&m, "results", s->results);
	if (s->counted > 0) {
		ap_metric_int(&m, "packets_transmitted", s->sent);
		ap_metric_int(&m, "packets_received", s->rcvd);
		ap_metric_float(&m, "percent_packet_loss",
				ap_stats_round6(
					ap_stats_loss_pct(s->sent, s->rcvd)));
	}
	ap_metric_float(&m, "percentile50_response_ms", s->p50);
	ap_metric_float(&m, "percentile90_response_ms", s->p90);
	ap_metric_float(&m, "percentile95_response_ms", s->p95);
	ap_metric_float(&m, "percentile99_response_ms", s->p99);
	ap_metric_float(&m, "minimum_response_ms", s->min);
	ap_metric_float(&m, "maximum_response_ms", s->max);
	if (w->kind == AGG_TRACE)
		ap_metric_int(&m, "path_changes", s->path_changes);
	if (m.overflow)
		return ap_err_set(c->err, AP_EINVAL,
				  "%s: more tags than a point holds", m.name);
	return c->sink->emit(&m, c->sink->user);
}

/* Emits every group of window w, whose samples are v[0..n). */
static enum ap_status emit_window(const struct emit_ctx *c,
				  const struct agg_win *w, const struct ref *v,
				  size_t n, const struct scratch *sc)
{
	struct summary s;
	enum ap_status st;

	summarize(v, n, sc, &s);
	st = emit_group(c, w, "all", NULL, &s);
	for (size_t g = 0; g < c->a->o.n_group_by && st == AP_OK; g++) {
		int d = (int)c->a->o.group_by[g];
		const char *dim = ap_agg_dim_name(c->a->o.group_by[g]);
		size_t ng = 0;

		for (size_t i = 0; i < n; i++) {
			uint32_t key = v[i].s->key[d];

			if (key == 0)
				continue; /* no value: only in `all` */
			sc->group[ng] = v[i];
			sc->group[ng].rank = sc->rank[key - 1];
			ng++;
		}
		qsort(sc->group, ng, sizeof(*sc->group), cmp_rank);
		for (size_t i = 0; i < ng && st == AP_OK;) {
			uint32_t rank = sc->group[i].rank;
			size_t j = i;

			while (j < ng && sc->group[j].rank == rank)
				j++;
			summarize(&sc->group[i], j - i, sc, &s);
			st = emit_group(c, w, dim,
					c->a->str[c->a->sorted[rank]], &s);
			i = j;
		}
	}
	return st;
}

static bool due(const struct ap_agg *a, const struct agg_win *w, int64_t now)
{
	return w->start + a->o.interval_s <= now &&
	       (a->floor == INT64_MIN || w->start >= a->floor) &&
	       (!w->clean || w->p_changed) && !w->p_emitted &&
	       w->n_committed + w->n_pending > 0;
}

/* Flags every traceroute whose path differs from the same probe's
 * previous traceroute (with a path) of at most one window earlier. */
static void find_path_changes(const struct ap_agg *a, struct scratch *sc)
{
	struct ref *v = sc->group; /* free at this point */

	for (size_t i = 0; i < a->n; i++) {
		v[i].s = &a->s[i];
		v[i].idx = i;
	}
	qsort(v, a->n, sizeof(*v), cmp_probe_order);
	for (size_t i = 0; i < a->n;) {
		size_t j = i;
		const struct agg_sample *prev = NULL;

		while (j < a->n && v[j].s->kind == v[i].s->kind &&
		       v[j].s->af == v[i].s->af &&
		       v[j].s->prb_id == v[i].s->prb_id) {
			const struct agg_sample *s = v[j].s;

			if (s->kind == AGG_TRACE && (s->flags & AGG_HAS_PATH)) {
				if (prev != NULL &&
				    prev->ts >= agg_window_start(a, s->ts) -
							a->o.interval_s &&
				    prev->path != s->path)
					sc->changed[v[j].idx] = 1;
				prev = s;
			}
			j++;
		}
		i = j;
	}
}

static void scratch_free(struct scratch *sc)
{
	free(sc->by_time);
	free(sc->group);
	free(sc->changed);
	free(sc->v);
	free(sc->pm);
	free(sc->rank);
}

static enum ap_status scratch_new(const struct ap_agg *a, struct scratch *sc)
{
	size_t n = a->n;

	memset(sc, 0, sizeof(*sc));
	sc->by_time = calloc(n, sizeof(*sc->by_time));
	sc->group = calloc(n, sizeof(*sc->group));
	sc->changed = calloc(n, 1);
	sc->v = calloc(n, sizeof(*sc->v));
	sc->pm = calloc(n, sizeof(*sc->pm));
	sc->rank = calloc(a->nstr + 1, sizeof(*sc->rank));
	if (sc->by_time == NULL || sc->group == NULL || sc->changed == NULL ||
	    sc->v == NULL || sc->pm == NULL || sc->rank == NULL) {
		scratch_free(sc);
		return AP_ENOMEM;
	}
	for (size_t i = 0; i < a->nstr; i++)
		sc->rank[a->sorted[i]] = (uint32_t)i;
	return AP_OK;
}

/* First index in by_time[0..n) not ordered before (kind, af, ts). */
static size_t lower_bound(const struct ref *v, size_t n, int kind, int af,
			  int64_t ts)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct agg_sample *s = v[mid].s;
		bool before = s->kind != kind ? s->kind < kind
			      : s->af != af   ? s->af < af
					      : s->ts < ts;

		if (before)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

enum ap_status ap_agg_emit(struct ap_agg *a, int64_t now,
			   const struct ap_tag *tags, size_t n_tags,
			   const struct ap_sink *sink, struct ap_err *err)
{
	struct emit_ctx c;
	struct scratch sc;
	enum ap_status st = AP_OK;
	bool any = false;

	for (size_t i = 0; i < a->nw && !any; i++)
		any = due(a, &a->w[i], now);
	if (!any)
		return AP_OK;
	if (scratch_new(a, &sc) != AP_OK)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	c.a = a;
	c.tags = tags;
	c.n_tags = tags != NULL ? n_tags : 0;
	c.sink = sink;
	c.err = err;
	snprintf(c.msm, sizeof(c.msm), "%" PRId64, a->msm_id);
	find_path_changes(a, &sc);
	for (size_t i = 0; i < a->n; i++) {
		sc.by_time[i].s = &a->s[i];
		sc.by_time[i].idx = i;
	}
	qsort(sc.by_time, a->n, sizeof(*sc.by_time), cmp_time_order);
	for (size_t i = 0; i < a->nw && st == AP_OK; i++) {
		struct agg_win *w = &a->w[i];
		size_t lo, hi;

		if (!due(a, w, now))
			continue;
		lo = lower_bound(sc.by_time, a->n, w->kind, w->af, w->start);
		hi = lower_bound(sc.by_time, a->n, w->kind, w->af,
				 w->start + a->o.interval_s);
		st = emit_window(&c, w, &sc.by_time[lo], hi - lo, &sc);
		if (st == AP_OK)
			w->p_emitted = true;
	}
	scratch_free(&sc);
	return st;
}

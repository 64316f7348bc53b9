/* SPDX-License-Identifier: MIT */
/*
 * ap_cost: the cost model of ANALYSIS.md section 6. Link costs, billed
 * load, break-even, and the greedy plan. Models and reports are each one
 * allocation (structs first, strings after), so freeing is one free().
 */
#include "atlasperf/ap_cost.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap_config_int.h"
#include "atlasperf/ap_config.h"
#include "atlasperf/ap_stats.h"

/* Relative slack for sums compared with bounds and for delta-cost ties:
 * money and Mbps carry no meaning at 1e-9, binary rounding does. */
#define REL_EPS 1e-9

/* Alignment of every struct array inside a one-block allocation. */
#define BLOCK_ALIGN (_Alignof(max_align_t))

static double slack(double a, double b)
{
	return REL_EPS * fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* a <= b, allowing for rounding in b (a sum such as best + delta). */
static bool le_tol(double a, double b)
{
	return a <= b + slack(a, b);
}

/* -1, 0, 1 as a <, ~=, > b. */
static int cmp_tol(double a, double b)
{
	double s = slack(a, b);

	if (a < b - s)
		return -1;
	if (a > b + s)
		return 1;
	return 0;
}

static bool finite_ge0(double v)
{
	return isfinite(v) && v >= 0;
}

/*
 * Reserves n elements of size bytes at the end of a block being sized:
 * *off gets their offset (aligned), *total grows. False on overflow.
 */
static bool reserve(size_t *total, size_t n, size_t size, size_t *off)
{
	size_t start = *total, bytes;

	if (start % BLOCK_ALIGN != 0) {
		if (start > SIZE_MAX - BLOCK_ALIGN)
			return false;
		start += BLOCK_ALIGN - start % BLOCK_ALIGN;
	}
	if (size != 0 && n > SIZE_MAX / size)
		return false;
	bytes = n * size;
	if (bytes > SIZE_MAX - start)
		return false;
	*off = start;
	*total = start + bytes;
	return true;
}

/* Adds strlen(s) + 1 to *total (s NULL counts as ""). */
static bool reserve_str(size_t *total, const char *s)
{
	size_t len = (s != NULL ? strlen(s) : 0) + 1;

	if (len > SIZE_MAX - *total)
		return false;
	*total += len;
	return true;
}

/* Copies s (NULL as "") to *cursor and advances it; returns the copy. */
static char *put_str(char **cursor, const char *s)
{
	char *dst = *cursor;
	size_t len = s != NULL ? strlen(s) : 0;

	memcpy(dst, s != NULL ? s : "", len);
	dst[len] = '\0';
	*cursor = dst + len + 1;
	return dst;
}

/* -------------------------------------------------------------------- */
/* Pure per-link figures. */

double ap_cost_link_cost(const struct ap_cost_link *link, double billed_mbps)
{
	double over;

	if (link == NULL || isnan(billed_mbps) || billed_mbps < 0)
		return NAN;
	over = billed_mbps - link->commit_mbps;
	if (over < 0)
		over = 0;
	return link->fixed_monthly + link->price_per_mbps * link->commit_mbps +
	       link->overage_price_per_mbps * over;
}

void ap_cost_link_figures(const struct ap_cost_link *link, double billed_mbps,
			  struct ap_cost_figures *out)
{
	out->mbps = NAN;
	out->cost = NAN;
	out->cost_per_mbps = NAN;
	out->utilization = NAN;
	out->unused_commit_mbps = NAN;
	if (link == NULL || isnan(billed_mbps) || billed_mbps < 0)
		return;
	out->mbps = billed_mbps;
	out->cost = ap_cost_link_cost(link, billed_mbps);
	if (billed_mbps > 0)
		out->cost_per_mbps = out->cost / billed_mbps;
	if (link->port_capacity_mbps > 0)
		out->utilization = billed_mbps / link->port_capacity_mbps;
	if (link->kind == AP_COST_TRANSIT)
		out->unused_commit_mbps = fmax(0.0, link->commit_mbps -
							 billed_mbps);
}

double ap_cost_breakeven_mbps(const struct ap_cost_link *link, double p_ref)
{
	if (link == NULL || link->kind == AP_COST_TRANSIT || isnan(p_ref) ||
	    p_ref <= link->price_per_mbps)
		return NAN;
	return link->fixed_monthly / (p_ref - link->price_per_mbps);
}

double ap_cost_reference_price(const struct ap_cost_model *model)
{
	double best = NAN;
	size_t i;

	if (model == NULL)
		return NAN;
	if (!isnan(model->reference_transit_price))
		return model->reference_transit_price;
	for (i = 0; i < model->n_links; i++) {
		const struct ap_cost_link *l = &model->links[i];

		if (l->kind != AP_COST_TRANSIT)
			continue;
		if (isnan(best) || l->overage_price_per_mbps < best)
			best = l->overage_price_per_mbps;
	}
	return best;
}

/* Copies the finite samples of v into dst; returns how many. */
static size_t copy_finite(double *dst, const double *v, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (isfinite(v[i]))
			dst[k++] = v[i];
	}
	return k;
}

/* 95th percentile of v[0..n) by ANALYSIS.md 1.1 (sorts v); NaN if n 0. */
static double p95_sorted_in_place(double *v, size_t n)
{
	size_t k;

	if (n == 0)
		return NAN;
	ap_stats_sort(v, n);
	/* k = N - floor(5N/100) = ceil(0.95 N) without floating point;
	 * N / 20 avoids the overflow of N * 5. */
	k = n - n / 20;
	return v[k - 1];
}

double ap_cost_billed_mbps(const double *in, size_t n_in, const double *out,
			   size_t n_out)
{
	double *work, p_in, p_out;
	size_t n, m;

	if (in == NULL)
		n_in = 0;
	if (out == NULL)
		n_out = 0;
	n = n_in > n_out ? n_in : n_out;
	if (n == 0)
		return NAN;
	if (n > SIZE_MAX / sizeof(*work))
		return NAN;
	work = malloc(n * sizeof(*work));
	if (work == NULL)
		return NAN;
	m = copy_finite(work, in, n_in);
	p_in = p95_sorted_in_place(work, m);
	m = copy_finite(work, out, n_out);
	p_out = p95_sorted_in_place(work, m);
	free(work);
	if (isnan(p_in))
		return p_out;
	if (isnan(p_out))
		return p_in;
	return p_in > p_out ? p_in : p_out;
}

/* -------------------------------------------------------------------- */
/* Model checks. */

static enum ap_status bad(struct ap_err *err, const char *path,
			  const char *msg)
{
	return ap_err_set(err, AP_EINVAL, "key '%s': %s", path, msg);
}

/* Index of the link called name, or n_links when there is none. */
static size_t find_link(const struct ap_cost_model *m, const char *name)
{
	size_t i;

	if (name == NULL)
		return m->n_links;
	for (i = 0; i < m->n_links; i++) {
		if (strcmp(m->links[i].name, name) == 0)
			return i;
	}
	return m->n_links;
}

static enum ap_status check_globals(const struct ap_cost_model *m,
				    struct ap_err *err)
{
	if (!finite_ge0(m->max_rtt_delta_ms))
		return bad(err, "slo.max_rtt_delta_ms", "must be >= 0");
	if (!finite_ge0(m->max_loss_pct) || m->max_loss_pct > 100)
		return bad(err, "slo.max_loss_pct", "must be 0..100");
	if (!finite_ge0(m->default_max_utilization) ||
	    m->default_max_utilization == 0 || m->default_max_utilization > 1)
		return bad(err, "defaults.max_utilization",
			   "must be > 0 and <= 1");
	if (!isnan(m->reference_transit_price) &&
	    !finite_ge0(m->reference_transit_price))
		return bad(err, "reference_transit_price",
			   "must be >= 0 or null");
	if (m->n_links > 0 && m->links == NULL)
		return bad(err, "links", "NULL array with a non-zero count");
	if (m->n_dests > 0 && m->dests == NULL)
		return bad(err, "destinations",
			   "NULL array with a non-zero count");
	return AP_OK;
}

static enum ap_status check_link(const struct ap_cost_model *m, size_t li,
				 struct ap_err *err)
{
	const struct ap_cost_link *l = &m->links[li];
	const struct {
		const char *key;
		double v;
	} money[] = {
		{"commit_mbps", l->commit_mbps},
		{"price_per_mbps", l->price_per_mbps},
		{"overage_price_per_mbps", l->overage_price_per_mbps},
		{"fixed_monthly", l->fixed_monthly},
	};
	char path[AP_CONFIG_PATH_MAX];
	size_t i;

	snprintf(path, sizeof(path), "links[%zu].name", li);
	if (l->name == NULL || l->name[0] == '\0')
		return bad(err, path, "must not be empty");
	for (i = 0; i < li; i++) {
		if (strcmp(m->links[i].name, l->name) == 0) {
			char msg[128];

			snprintf(msg, sizeof(msg),
				 "duplicate link name, first at links[%zu]",
				 i);
			return bad(err, path, msg);
		}
	}
	snprintf(path, sizeof(path), "links[%zu].kind", li);
	if ((int)l->kind < (int)AP_COST_TRANSIT ||
	    (int)l->kind > (int)AP_COST_PNI)
		return bad(err, path, "unknown kind");
	for (i = 0; i < sizeof(money) / sizeof(money[0]); i++) {
		snprintf(path, sizeof(path), "links[%zu].%s", li, money[i].key);
		if (!finite_ge0(money[i].v))
			return bad(err, path, "must be >= 0");
	}
	snprintf(path, sizeof(path), "links[%zu].port_capacity_mbps", li);
	if (!finite_ge0(l->port_capacity_mbps) || l->port_capacity_mbps == 0)
		return bad(err, path, "must be > 0");
	snprintf(path, sizeof(path), "links[%zu].max_utilization", li);
	if (!isnan(l->max_utilization) &&
	    (!finite_ge0(l->max_utilization) || l->max_utilization == 0 ||
	     l->max_utilization > 1))
		return bad(err, path, "must be > 0 and <= 1, or null");
	return AP_OK;
}

static enum ap_status check_dest(const struct ap_cost_model *m, size_t di,
				 struct ap_err *err)
{
	const struct ap_cost_dest *d = &m->dests[di];
	char path[AP_CONFIG_PATH_MAX], msg[160];
	size_t i, j;

	snprintf(path, sizeof(path), "destinations[%zu].id", di);
	if (d->id == NULL || d->id[0] == '\0')
		return bad(err, path, "must not be empty");
	snprintf(path, sizeof(path), "destinations[%zu].traffic_mbps", di);
	if (!finite_ge0(d->traffic_mbps))
		return bad(err, path, "must be >= 0");
	snprintf(path, sizeof(path), "destinations[%zu].current_link", di);
	if (find_link(m, d->current_link) == m->n_links) {
		snprintf(msg, sizeof(msg), "'%.60s' is not the name of a link",
			 d->current_link ? d->current_link : "");
		return bad(err, path, msg);
	}
	if (d->n_candidates > 0 && d->candidates == NULL) {
		snprintf(path, sizeof(path), "destinations[%zu].measurements",
			 di);
		return bad(err, path, "NULL array with a non-zero count");
	}
	for (i = 0; i < d->n_candidates; i++) {
		const struct ap_cost_candidate *c = &d->candidates[i];
		const char *name = c->link != NULL ? c->link : "";

		snprintf(path, sizeof(path),
			 "destinations[%zu].measurements.%.60s", di, name);
		if (find_link(m, c->link) == m->n_links) {
			snprintf(msg, sizeof(msg),
				 "'%.60s' is not the name of a link", name);
			return bad(err, path, msg);
		}
		for (j = 0; j < i; j++) {
			if (strcmp(d->candidates[j].link, name) == 0)
				return bad(err, path, "link listed twice");
		}
		snprintf(path, sizeof(path),
			 "destinations[%zu].measurements.%.60s.rtt_ms", di,
			 name);
		if (!finite_ge0(c->rtt_ms))
			return bad(err, path, "must be >= 0");
		snprintf(path, sizeof(path),
			 "destinations[%zu].measurements.%.60s.loss_pct", di,
			 name);
		if (!finite_ge0(c->loss_pct) || c->loss_pct > 100)
			return bad(err, path, "must be 0..100");
	}
	return AP_OK;
}

enum ap_status ap_cost_model_check(const struct ap_cost_model *model,
				   struct ap_err *err)
{
	enum ap_status st;
	size_t i;

	if (model == NULL)
		return ap_err_set(err, AP_EINVAL, "cost: NULL model");
	st = check_globals(model, err);
	for (i = 0; st == AP_OK && i < model->n_links; i++)
		st = check_link(model, i, err);
	for (i = 0; st == AP_OK && i < model->n_dests; i++)
		st = check_dest(model, i, err);
	return st;
}

/* -------------------------------------------------------------------- */
/* Model from the configuration. */

static bool key_given(const struct ap_config *cfg, size_t li, const char *key)
{
	char path[AP_CONFIG_PATH_MAX];

	snprintf(path, sizeof(path), "links[%zu].%s", li, key);
	return ap_config_lines_find(cfg->lines, path) > 0;
}

/* Prices the file must give (only checkable for YAML-loaded configs). */
static enum ap_status check_prices(const struct ap_config *cfg,
				   struct ap_err *err)
{
	char path[AP_CONFIG_PATH_MAX], item[32];
	size_t i;
	int line;

	if (cfg->lines == NULL)
		return AP_OK;
	for (i = 0; i < cfg->n_links; i++) {
		const struct ap_config_link *l = &cfg->links[i];
		bool price = key_given(cfg, i, "price_per_mbps");
		bool overage = key_given(cfg, i, "overage_price_per_mbps");

		snprintf(item, sizeof(item), "links[%zu]", i);
		line = ap_config_lines_find(cfg->lines, item);
		snprintf(path, sizeof(path), "links[%zu].price_per_mbps", i);
		if (l->kind == AP_CONFIG_LINK_TRANSIT && !price && !overage)
			return ap_config_fail(
				err, AP_EINVAL, cfg->source, line, path,
				"transit link '%.60s' has no price: give "
				"price_per_mbps and/or overage_price_per_mbps "
				"(write 0 if it is really free)",
				l->name);
		if (l->commit_mbps > 0 && !price)
			return ap_config_fail(
				err, AP_EINVAL, cfg->source, line, path,
				"link '%.60s' has commit_mbps %g but no "
				"price_per_mbps to charge it at (write 0 if "
				"the commit is free)",
				l->name, l->commit_mbps);
	}
	return AP_OK;
}

static enum ap_cost_kind kind_of(enum ap_config_link_kind k)
{
	switch (k) {
	case AP_CONFIG_LINK_PEERING:
		return AP_COST_PEERING;
	case AP_CONFIG_LINK_PNI:
		return AP_COST_PNI;
	case AP_CONFIG_LINK_TRANSIT:
	default:
		return AP_COST_TRANSIT;
	}
}

/* Byte layout of a model block. */
struct model_layout {
	size_t links, dests, cands, strings, total, n_cands;
};

static bool model_layout(const struct ap_config *cfg, struct model_layout *lay)
{
	size_t i, j, total = sizeof(struct ap_cost_model);

	lay->n_cands = 0;
	for (i = 0; i < cfg->n_destinations; i++) {
		if (cfg->destinations[i].n_measurements >
		    SIZE_MAX - lay->n_cands)
			return false;
		lay->n_cands += cfg->destinations[i].n_measurements;
	}
	if (!reserve(&total, cfg->n_links, sizeof(struct ap_cost_link),
		     &lay->links) ||
	    !reserve(&total, cfg->n_destinations, sizeof(struct ap_cost_dest),
		     &lay->dests) ||
	    !reserve(&total, lay->n_cands, sizeof(struct ap_cost_candidate),
		     &lay->cands))
		return false;
	lay->strings = total;
	if (!reserve_str(&total, cfg->currency))
		return false;
	for (i = 0; i < cfg->n_links; i++) {
		if (!reserve_str(&total, cfg->links[i].name))
			return false;
	}
	for (i = 0; i < cfg->n_destinations; i++) {
		const struct ap_config_dest *d = &cfg->destinations[i];

		if (!reserve_str(&total, d->id) ||
		    !reserve_str(&total, d->current_link))
			return false;
		for (j = 0; j < d->n_measurements; j++) {
			if (!reserve_str(&total, d->measurements[j].link))
				return false;
		}
	}
	lay->total = total;
	return true;
}

enum ap_status ap_cost_model_from_config(const struct ap_config *cfg,
					 struct ap_cost_model **out,
					 struct ap_err *err)
{
	struct model_layout lay;
	struct ap_cost_model *m;
	struct ap_cost_link *links;
	struct ap_cost_dest *dests;
	struct ap_cost_candidate *cands;
	char *block, *s;
	enum ap_status st;
	size_t i, j, k = 0;

	*out = NULL;
	if (cfg == NULL)
		return ap_err_set(err, AP_EINVAL, "cost: NULL configuration");
	st = check_prices(cfg, err);
	if (st != AP_OK)
		return st;
	if (!model_layout(cfg, &lay))
		return ap_err_set(err, AP_ERANGE, "cost: model too large");
	block = calloc(1, lay.total);
	if (block == NULL)
		return ap_err_set(err, AP_ENOMEM, "cost: %s",
				  ap_strerror(AP_ENOMEM));
	m = (struct ap_cost_model *)(void *)block;
	links = (struct ap_cost_link *)(void *)(block + lay.links);
	dests = (struct ap_cost_dest *)(void *)(block + lay.dests);
	cands = (struct ap_cost_candidate *)(void *)(block + lay.cands);
	s = block + lay.strings;

	m->currency = put_str(&s, cfg->currency);
	m->max_rtt_delta_ms = cfg->slo_max_rtt_delta_ms;
	m->max_loss_pct = cfg->slo_max_loss_pct;
	m->default_max_utilization = cfg->default_max_utilization;
	m->reference_transit_price = cfg->reference_transit_price;
	for (i = 0; i < cfg->n_links; i++) {
		const struct ap_config_link *c = &cfg->links[i];

		links[i].name = put_str(&s, c->name);
		links[i].kind = kind_of(c->kind);
		links[i].commit_mbps = c->commit_mbps;
		links[i].price_per_mbps = c->price_per_mbps;
		links[i].overage_price_per_mbps = c->overage_price_per_mbps;
		links[i].fixed_monthly = c->fixed_monthly;
		links[i].port_capacity_mbps = c->port_capacity_mbps;
		links[i].max_utilization = c->max_utilization;
	}
	for (i = 0; i < cfg->n_destinations; i++) {
		const struct ap_config_dest *c = &cfg->destinations[i];

		dests[i].id = put_str(&s, c->id);
		dests[i].traffic_mbps = c->traffic_mbps;
		dests[i].current_link = put_str(&s, c->current_link);
		dests[i].candidates = c->n_measurements > 0 ? &cands[k] : NULL;
		dests[i].n_candidates = c->n_measurements;
		for (j = 0; j < c->n_measurements; j++, k++) {
			cands[k].link = put_str(&s, c->measurements[j].link);
			cands[k].rtt_ms = c->measurements[j].rtt_ms;
			cands[k].loss_pct = c->measurements[j].loss_pct;
		}
	}
	m->links = cfg->n_links > 0 ? links : NULL;
	m->n_links = cfg->n_links;
	m->dests = cfg->n_destinations > 0 ? dests : NULL;
	m->n_dests = cfg->n_destinations;
	*out = m;
	return AP_OK;
}

void ap_cost_model_free(struct ap_cost_model *model)
{
	free(model);
}

/* -------------------------------------------------------------------- */
/* The plan. */

/* Sort key of one destination. */
struct order {
	const char *id;
	double traffic;
	size_t idx;
};

static int order_cmp(const void *a, const void *b)
{
	const struct order *x = a, *y = b;
	int c;

	if (x->traffic != y->traffic)
		return x->traffic > y->traffic ? -1 : 1;
	c = strcmp(x->id, y->id);
	if (c != 0)
		return c;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return 0;
}

/* Byte layout of a report block. */
struct report_layout {
	size_t links, dests, choices, strings, total;
};

static bool report_layout(const struct ap_cost_model *m,
			  struct report_layout *lay)
{
	size_t i, total = sizeof(struct ap_cost_report), n_choices;

	if (m->n_links != 0 && m->n_dests > SIZE_MAX / m->n_links)
		return false;
	n_choices = m->n_dests * m->n_links;
	if (!reserve(&total, m->n_links, sizeof(struct ap_cost_link_report),
		     &lay->links) ||
	    !reserve(&total, m->n_dests, sizeof(struct ap_cost_dest_report),
		     &lay->dests) ||
	    !reserve(&total, n_choices, sizeof(struct ap_cost_choice),
		     &lay->choices))
		return false;
	lay->strings = total;
	if (!reserve_str(&total, m->currency != NULL ? m->currency : "EUR"))
		return false;
	for (i = 0; i < m->n_links; i++) {
		if (!reserve_str(&total, m->links[i].name))
			return false;
	}
	for (i = 0; i < m->n_dests; i++) {
		if (!reserve_str(&total, m->dests[i].id))
			return false;
	}
	lay->total = total;
	return true;
}

static double usable_of(const struct ap_cost_model *m,
			const struct ap_cost_link *l)
{
	double u = isnan(l->max_utilization) ? m->default_max_utilization
					     : l->max_utilization;

	return u * l->port_capacity_mbps;
}

/* Is link a a better choice than link b? Min of (delta, rtt, loss, name). */
static bool better(const struct ap_cost_model *m,
		   const struct ap_cost_choice *c, size_t a, size_t b)
{
	int k = cmp_tol(c[a].delta_cost, c[b].delta_cost);

	if (k != 0)
		return k < 0;
	if (c[a].rtt_ms != c[b].rtt_ms)
		return c[a].rtt_ms < c[b].rtt_ms;
	if (c[a].loss_pct != c[b].loss_pct)
		return c[a].loss_pct < c[b].loss_pct;
	return strcmp(m->links[a].name, m->links[b].name) < 0;
}

/*
 * Places destination d (its report r, choices r->links) given the plan
 * loads so far; adds its traffic to the chosen link's load.
 */
static void place(const struct ap_cost_model *m, const struct ap_cost_dest *d,
		  struct ap_cost_dest_report *r, double *load)
{
	struct ap_cost_choice *c = r->links;
	double t = d->traffic_mbps, best = NAN, min_slo = NAN;
	size_t i, l, pick = m->n_links;

	for (l = 0; l < m->n_links; l++) {
		c[l].verdict = AP_COST_UNMEASURED;
		c[l].rtt_ms = NAN;
		c[l].loss_pct = NAN;
		c[l].load_mbps = load[l];
		c[l].delta_cost = ap_cost_link_cost(&m->links[l], load[l] + t) -
				  ap_cost_link_cost(&m->links[l], load[l]);
	}
	for (i = 0; i < d->n_candidates; i++) {
		l = find_link(m, d->candidates[i].link);
		c[l].rtt_ms = d->candidates[i].rtt_ms;
		c[l].loss_pct = d->candidates[i].loss_pct;
		if (!le_tol(c[l].loss_pct, m->max_loss_pct)) {
			c[l].verdict = AP_COST_EXCLUDED_LOSS;
			continue;
		}
		c[l].verdict = AP_COST_ELIGIBLE; /* in loss_ok, for now */
		if (isnan(best) || c[l].rtt_ms < best)
			best = c[l].rtt_ms;
	}
	r->best_rtt_ms = best;
	for (l = 0; l < m->n_links; l++) {
		if (c[l].verdict != AP_COST_ELIGIBLE)
			continue;
		if (!le_tol(c[l].rtt_ms, best + m->max_rtt_delta_ms))
			c[l].verdict = AP_COST_EXCLUDED_RTT;
		else if (!le_tol(load[l] + t, usable_of(m, &m->links[l])))
			c[l].verdict = AP_COST_EXCLUDED_CAPACITY;
	}
	for (l = 0; l < m->n_links; l++) {
		if (c[l].verdict == AP_COST_ELIGIBLE &&
		    (pick == m->n_links || better(m, c, l, pick)))
			pick = l;
		if ((c[l].verdict == AP_COST_EXCLUDED_LOSS ||
		     c[l].verdict == AP_COST_EXCLUDED_RTT) &&
		    (isnan(min_slo) || c[l].delta_cost < min_slo))
			min_slo = c[l].delta_cost;
	}
	if (pick == m->n_links) {
		pick = r->current_link;
		r->reason = AP_COST_NO_ELIGIBLE_LINK;
	} else {
		r->reason = AP_COST_LOWEST_COST;
	}
	r->recommended_link = pick;
	r->marginal_cost = c[pick].delta_cost;
	r->slo_forgone_saving = 0;
	if (!isnan(min_slo) && cmp_tol(c[pick].delta_cost, min_slo) > 0)
		r->slo_forgone_saving = c[pick].delta_cost - min_slo;
	/* NaN (unknown) whenever either link is unmeasured. */
	r->rtt_delta_ms = c[pick].rtt_ms - c[r->current_link].rtt_ms;
	r->loss_delta_pct = c[pick].loss_pct - c[r->current_link].loss_pct;
	load[pick] += t;
}

/* Totals and per-link figures once both load vectors are known. */
static void finish(const struct ap_cost_model *m, struct ap_cost_report *rep,
		   const double *base_load, const double *plan_load)
{
	struct ap_cost_totals *t = &rep->totals;
	double rtt_base = 0, rtt_plan = 0, known_base = 0, known_plan = 0;
	size_t i;

	for (i = 0; i < m->n_links; i++) {
		const struct ap_cost_link *l = &m->links[i];
		struct ap_cost_link_report *lr = &rep->links[i];

		lr->kind = l->kind;
		lr->port_capacity_mbps = l->port_capacity_mbps;
		lr->max_utilization = isnan(l->max_utilization)
					      ? m->default_max_utilization
					      : l->max_utilization;
		lr->usable_mbps = usable_of(m, l);
		lr->breakeven_mbps =
			ap_cost_breakeven_mbps(l, rep->reference_transit_price);
		ap_cost_link_figures(l, base_load[i], &lr->baseline);
		ap_cost_link_figures(l, plan_load[i], &lr->plan);
		lr->peering_saving = NAN;
		if (!isnan(lr->breakeven_mbps))
			lr->peering_saving =
				(lr->plan.mbps - lr->breakeven_mbps) *
				(rep->reference_transit_price -
				 l->price_per_mbps);
		t->baseline_cost += lr->baseline.cost;
		t->plan_cost += lr->plan.cost;
	}
	for (i = 0; i < rep->n_dests; i++) {
		const struct ap_cost_dest_report *d = &rep->dests[i];
		double cur = d->links[d->current_link].rtt_ms;
		double rec = d->links[d->recommended_link].rtt_ms;

		t->mbps += d->traffic_mbps;
		t->slo_forgone_saving += d->slo_forgone_saving;
		if (isnan(cur)) {
			t->baseline_rtt_unknown_mbps += d->traffic_mbps;
		} else {
			rtt_base += d->traffic_mbps * cur;
			known_base += d->traffic_mbps;
		}
		if (isnan(rec)) {
			t->plan_rtt_unknown_mbps += d->traffic_mbps;
		} else {
			rtt_plan += d->traffic_mbps * rec;
			known_plan += d->traffic_mbps;
		}
	}
	t->monthly_saving = t->baseline_cost - t->plan_cost;
	t->baseline_blended_cost_per_mbps =
		t->mbps > 0 ? t->baseline_cost / t->mbps : NAN;
	t->plan_blended_cost_per_mbps =
		t->mbps > 0 ? t->plan_cost / t->mbps : NAN;
	t->baseline_weighted_rtt_ms =
		known_base > 0 ? rtt_base / known_base : NAN;
	t->plan_weighted_rtt_ms = known_plan > 0 ? rtt_plan / known_plan : NAN;
}

enum ap_status ap_cost_report_new(const struct ap_cost_model *model,
				  struct ap_cost_report **out,
				  struct ap_err *err)
{
	struct report_layout lay;
	struct ap_cost_report *rep;
	struct ap_cost_choice *choices;
	struct order *ord = NULL;
	double *base_load = NULL, *plan_load = NULL;
	char *block = NULL, *s;
	enum ap_status st;
	size_t i, n_loads;

	*out = NULL;
	st = ap_cost_model_check(model, err);
	if (st != AP_OK)
		return st;
	if (!report_layout(model, &lay))
		return ap_err_set(err, AP_ERANGE, "cost: model too large");
	n_loads = model->n_links > 0 ? model->n_links : 1;
	block = calloc(1, lay.total);
	base_load = calloc(n_loads, sizeof(*base_load));
	plan_load = calloc(n_loads, sizeof(*plan_load));
	ord = calloc(model->n_dests > 0 ? model->n_dests : 1, sizeof(*ord));
	if (block == NULL || base_load == NULL || plan_load == NULL ||
	    ord == NULL) {
		st = ap_err_set(err, AP_ENOMEM, "cost: %s",
				ap_strerror(AP_ENOMEM));
		goto out;
	}
	rep = (struct ap_cost_report *)(void *)block;
	rep->links = (struct ap_cost_link_report *)(void *)(block + lay.links);
	rep->dests = (struct ap_cost_dest_report *)(void *)(block + lay.dests);
	choices = (struct ap_cost_choice *)(void *)(block + lay.choices);
	s = block + lay.strings;

	rep->currency =
		put_str(&s, model->currency != NULL ? model->currency : "EUR");
	rep->max_rtt_delta_ms = model->max_rtt_delta_ms;
	rep->max_loss_pct = model->max_loss_pct;
	rep->default_max_utilization = model->default_max_utilization;
	rep->reference_transit_price = ap_cost_reference_price(model);
	rep->reference_configured = !isnan(model->reference_transit_price);
	rep->n_links = model->n_links;
	rep->n_dests = model->n_dests;
	for (i = 0; i < model->n_links; i++)
		rep->links[i].name = put_str(&s, model->links[i].name);

	for (i = 0; i < model->n_dests; i++) {
		const struct ap_cost_dest *d = &model->dests[i];

		ord[i].id = d->id;
		ord[i].traffic = d->traffic_mbps;
		ord[i].idx = i;
		base_load[find_link(model, d->current_link)] += d->traffic_mbps;
	}
	if (model->n_dests > 1)
		qsort(ord, model->n_dests, sizeof(*ord), order_cmp);
	for (i = 0; i < model->n_dests; i++) {
		const struct ap_cost_dest *d = &model->dests[ord[i].idx];
		struct ap_cost_dest_report *r = &rep->dests[i];

		r->id = put_str(&s, d->id);
		r->input_index = ord[i].idx;
		r->traffic_mbps = d->traffic_mbps;
		r->current_link = find_link(model, d->current_link);
		r->links = &choices[i * model->n_links];
		place(model, d, r, plan_load);
	}
	finish(model, rep, base_load, plan_load);
	*out = rep;
	block = NULL;
out:
	free(block);
	free(base_load);
	free(plan_load);
	free(ord);
	return st;
}

void ap_cost_report_free(struct ap_cost_report *report)
{
	free(report);
}

const char *ap_cost_kind_name(enum ap_cost_kind kind)
{
	switch (kind) {
	case AP_COST_TRANSIT:
		return "transit";
	case AP_COST_PEERING:
		return "peering";
	case AP_COST_PNI:
		return "pni";
	}
	return "unknown";
}

const char *ap_cost_verdict_name(enum ap_cost_verdict verdict)
{
	switch (verdict) {
	case AP_COST_UNMEASURED:
		return "unmeasured";
	case AP_COST_ELIGIBLE:
		return "eligible";
	case AP_COST_EXCLUDED_LOSS:
		return "loss";
	case AP_COST_EXCLUDED_RTT:
		return "rtt";
	case AP_COST_EXCLUDED_CAPACITY:
		return "capacity";
	}
	return "unknown";
}

const char *ap_cost_reason_name(enum ap_cost_reason reason)
{
	switch (reason) {
	case AP_COST_LOWEST_COST:
		return "lowest_cost";
	case AP_COST_NO_ELIGIBLE_LINK:
		return "no_eligible_link";
	}
	return "unknown";
}

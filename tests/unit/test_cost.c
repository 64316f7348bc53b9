/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for ap_cost: scenarios A, B and C of ANALYSIS.md 6.3-6.5
 * (and C with u = 1.0), every number they state, the billed-load example
 * of 6.2, tie-breaking, edge cases, and the model built from YAML.
 * Money is compared to 0.01, per-Mbps values and ratios to 0.001.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "atlasperf/ap_config.h"
#include "atlasperf/ap_cost.h"
#include "test.h"

#define MONEY 0.01
#define PER 0.001
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct ap_cost_link *link_named(const struct ap_cost_model *m,
					     const char *name)
{
	size_t i;

	for (i = 0; i < m->n_links; i++)
		if (strcmp(m->links[i].name, name) == 0)
			return &m->links[i];
	return NULL;
}

static const struct ap_cost_link_report *
lr(const struct ap_cost_report *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_links; i++)
		if (strcmp(r->links[i].name, name) == 0)
			return &r->links[i];
	printf("FAIL no link %s in report\n", name);
	return &r->links[0];
}

static const struct ap_cost_dest_report *dr(const struct ap_cost_report *r,
					    const char *id)
{
	size_t i;

	for (i = 0; i < r->n_dests; i++)
		if (strcmp(r->dests[i].id, id) == 0)
			return &r->dests[i];
	printf("FAIL no destination %s in report\n", id);
	return &r->dests[0];
}

static const char *rec(const struct ap_cost_report *r, const char *id)
{
	return r->links[dr(r, id)->recommended_link].name;
}

/* Verdict of link for destination id. */
static enum ap_cost_verdict verdict(const struct ap_cost_report *r,
				    const char *id, const char *link)
{
	const struct ap_cost_dest_report *d = dr(r, id);
	size_t i;

	for (i = 0; i < r->n_links; i++)
		if (strcmp(r->links[i].name, link) == 0)
			return d->links[i].verdict;
	return AP_COST_UNMEASURED;
}

static struct ap_cost_report *run(const struct ap_cost_model *m)
{
	struct ap_cost_report *r = NULL;
	struct ap_err err;

	ap_err_clear(&err);
	if (ap_cost_report_new(m, &r, &err) != AP_OK) {
		printf("FAIL ap_cost_report_new: %s\n", err.msg);
		return NULL;
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* Scenario A: peering is cheaper but worse on latency (6.3). */

static const struct ap_cost_link a_links[] = {
	{"transit-a", AP_COST_TRANSIT, 500, 0.50, 0.60, 200, 10000, NAN},
	{"ixp-x", AP_COST_PEERING, 0, 0, 0, 800, 10000, NAN},
};
static const struct ap_cost_candidate a_c1[] = {
	{"transit-a", 20, 0}, {"ixp-x", 12, 0}};
static const struct ap_cost_candidate a_c2[] = {
	{"transit-a", 15, 0}, {"ixp-x", 40, 0}};
/* Input deliberately not sorted by traffic. */
static const struct ap_cost_dest a_dests[] = {
	{"AS64502", 1000, "transit-a", a_c2, 2},
	{"AS64501", 1500, "transit-a", a_c1, 2},
};
static const struct ap_cost_model model_a = {
	"EUR", 10, 1.0, 0.8, NAN, a_links, 2, a_dests, 2};

static void test_scenario_a(void)
{
	struct ap_cost_report *r = run(&model_a);
	const struct ap_cost_link_report *t, *x;
	const struct ap_cost_dest_report *d1, *d2;

	CHECK(r != NULL);
	if (r == NULL)
		return;
	t = lr(r, "transit-a");
	x = lr(r, "ixp-x");
	/* The plan order is traffic descending. */
	CHECK_STR(r->dests[0].id, "AS64501");
	CHECK_STR(r->dests[1].id, "AS64502");
	CHECK(r->dests[0].input_index == 1);
	CHECK_NEAR(r->reference_transit_price, 0.60, PER);
	CHECK(!r->reference_configured);

	CHECK_NEAR(t->baseline.mbps, 2500, MONEY);
	CHECK_NEAR(t->baseline.cost, 1650, MONEY);
	CHECK_NEAR(t->baseline.cost_per_mbps, 0.66, PER);
	CHECK_NEAR(t->plan.mbps, 1000, MONEY);
	CHECK_NEAR(t->plan.cost, 750, MONEY);
	CHECK_NEAR(t->plan.cost_per_mbps, 0.75, PER);
	CHECK_NEAR(x->baseline.mbps, 0, MONEY);
	CHECK_NEAR(x->baseline.cost, 800, MONEY);
	CHECK(isnan(x->baseline.cost_per_mbps));
	CHECK_NEAR(x->plan.mbps, 1500, MONEY);
	CHECK_NEAR(x->plan.cost, 800, MONEY);
	CHECK_NEAR(x->plan.cost_per_mbps, 0.5333, PER);

	CHECK_NEAR(r->totals.baseline_cost, 2450, MONEY);
	CHECK_NEAR(r->totals.plan_cost, 1550, MONEY);
	CHECK_NEAR(r->totals.monthly_saving, 900, MONEY);
	CHECK_NEAR(r->totals.baseline_blended_cost_per_mbps, 0.98, PER);
	CHECK_NEAR(r->totals.plan_blended_cost_per_mbps, 0.62, PER);
	CHECK_NEAR(r->totals.baseline_weighted_rtt_ms, 18.0, PER);
	CHECK_NEAR(r->totals.plan_weighted_rtt_ms, 13.2, PER);
	CHECK_NEAR(r->totals.mbps, 2500, MONEY);
	CHECK_NEAR(r->totals.baseline_rtt_unknown_mbps, 0, MONEY);

	d1 = dr(r, "AS64501");
	d2 = dr(r, "AS64502");
	CHECK_STR(rec(r, "AS64501"), "ixp-x");
	CHECK_STR(rec(r, "AS64502"), "transit-a");
	CHECK(d1->reason == AP_COST_LOWEST_COST);
	CHECK(d2->reason == AP_COST_LOWEST_COST);
	/* AS64501: both eligible; delta transit 600, ixp 0. */
	CHECK_NEAR(d1->best_rtt_ms, 12, PER);
	CHECK(verdict(r, "AS64501", "transit-a") == AP_COST_ELIGIBLE);
	CHECK(verdict(r, "AS64501", "ixp-x") == AP_COST_ELIGIBLE);
	CHECK_NEAR(d1->links[0].delta_cost, 600, MONEY);
	CHECK_NEAR(d1->links[1].delta_cost, 0, MONEY);
	CHECK_NEAR(d1->marginal_cost, 0, MONEY);
	CHECK_NEAR(d1->rtt_delta_ms, -8, PER);
	CHECK_NEAR(d1->loss_delta_pct, 0, PER);
	CHECK_NEAR(d1->slo_forgone_saving, 0, MONEY);
	/* AS64502: ixp-x 40 > 15 + 10 is excluded for rtt; delta transit =
	 * cost(1000) - cost(0) = 750 - 450 = 300, all of it forgone. */
	CHECK_NEAR(d2->best_rtt_ms, 15, PER);
	CHECK(verdict(r, "AS64502", "ixp-x") == AP_COST_EXCLUDED_RTT);
	CHECK(verdict(r, "AS64502", "transit-a") == AP_COST_ELIGIBLE);
	CHECK_NEAR(d2->marginal_cost, 300, MONEY);
	CHECK_NEAR(d2->slo_forgone_saving, 300, MONEY);
	CHECK_NEAR(d2->rtt_delta_ms, 0, PER);
	CHECK_NEAR(r->totals.slo_forgone_saving, 300, MONEY);

	/* Break-even 800 / 0.60 and Norton's saving (1500 - BE) * 0.6. */
	CHECK_NEAR(x->breakeven_mbps, 1333.33, MONEY);
	CHECK(isnan(t->breakeven_mbps));
	CHECK_NEAR(x->peering_saving, 100, MONEY);
	CHECK(isnan(t->peering_saving));
	/* Cross-check: transit only would cost 1650 = plan + saving. */
	CHECK_NEAR(ap_cost_link_cost(link_named(&model_a, "transit-a"), 2500),
		   1650, MONEY);
	CHECK_NEAR(r->totals.plan_cost + x->peering_saving, 1650, MONEY);

	/* Unused commit: transit-a carries more than 500 either way. */
	CHECK_NEAR(t->baseline.unused_commit_mbps, 0, MONEY);
	CHECK_NEAR(t->plan.unused_commit_mbps, 0, MONEY);
	CHECK(isnan(x->plan.unused_commit_mbps));
	CHECK_NEAR(t->baseline.utilization, 0.25, PER);
	CHECK_NEAR(x->plan.utilization, 0.15, PER);
	CHECK_NEAR(x->usable_mbps, 8000, MONEY);
	ap_cost_report_free(r);
}

/* ------------------------------------------------------------------ */
/* Scenario B: the transit commit makes shifting free up to it (6.4). */

static const struct ap_cost_link b_links[] = {
	{"transit-a", AP_COST_TRANSIT, 2000, 0.40, 0.50, 100, 10000, NAN},
	{"transit-b", AP_COST_TRANSIT, 0, 0.80, 0.80, 0, 10000, NAN},
};
static const struct ap_cost_candidate b_c30[] = {{"transit-a", 10, 0}};
static const struct ap_cost_candidate b_c10[] = {
	{"transit-a", 18, 0}, {"transit-b", 20, 0}};
static const struct ap_cost_candidate b_c20[] = {
	{"transit-a", 25, 0}, {"transit-b", 22, 0}};
static const struct ap_cost_dest b_dests[] = {
	{"AS64510", 500, "transit-b", b_c10, 2},
	{"AS64520", 400, "transit-b", b_c20, 2},
	{"AS64530", 1200, "transit-a", b_c30, 1},
};
static const struct ap_cost_model model_b = {
	"EUR", 10, 1.0, 0.8, NAN, b_links, 2, b_dests, 3};

static void test_scenario_b(void)
{
	struct ap_cost_report *r = run(&model_b);
	const struct ap_cost_link_report *ta, *tb;
	const struct ap_cost_dest_report *d10, *d20, *d30;

	CHECK(r != NULL);
	if (r == NULL)
		return;
	ta = lr(r, "transit-a");
	tb = lr(r, "transit-b");
	CHECK_STR(r->dests[0].id, "AS64530");
	CHECK_STR(r->dests[1].id, "AS64510");
	CHECK_STR(r->dests[2].id, "AS64520");

	/* Baseline. */
	CHECK_NEAR(ta->baseline.mbps, 1200, MONEY);
	CHECK_NEAR(ta->baseline.cost, 900, MONEY);
	CHECK_NEAR(ta->baseline.cost_per_mbps, 0.75, PER);
	CHECK_NEAR(ta->baseline.unused_commit_mbps, 800, MONEY);
	/* 800 Mbps of commit unused: 800 * 0.40 = 320 wasted. */
	CHECK_NEAR(ta->baseline.unused_commit_mbps * 0.40, 320, MONEY);
	CHECK_NEAR(tb->baseline.mbps, 900, MONEY);
	CHECK_NEAR(tb->baseline.cost, 720, MONEY);
	CHECK_NEAR(tb->baseline.cost_per_mbps, 0.80, PER);
	CHECK_NEAR(r->totals.baseline_cost, 1620, MONEY);
	CHECK_NEAR(r->totals.baseline_blended_cost_per_mbps, 0.771429, PER);

	/* Plan. */
	CHECK_NEAR(ta->plan.mbps, 2100, MONEY);
	CHECK_NEAR(ta->plan.cost, 950, MONEY);
	CHECK_NEAR(ta->plan.cost_per_mbps, 0.452381, PER);
	CHECK_NEAR(ta->plan.unused_commit_mbps, 0, MONEY);
	CHECK_NEAR(tb->plan.mbps, 0, MONEY);
	CHECK_NEAR(tb->plan.cost, 0, MONEY);
	CHECK(isnan(tb->plan.cost_per_mbps));
	CHECK_NEAR(tb->plan.unused_commit_mbps, 0, MONEY);
	CHECK_NEAR(r->totals.plan_cost, 950, MONEY);
	CHECK_NEAR(r->totals.plan_blended_cost_per_mbps, 0.452381, PER);
	CHECK_NEAR(r->totals.monthly_saving, 670, MONEY);

	d10 = dr(r, "AS64510");
	d20 = dr(r, "AS64520");
	d30 = dr(r, "AS64530");
	CHECK_STR(rec(r, "AS64530"), "transit-a");
	CHECK_STR(rec(r, "AS64510"), "transit-a");
	CHECK_STR(rec(r, "AS64520"), "transit-a");
	CHECK_NEAR(d30->marginal_cost, 0, MONEY);
	/* AS64510: 1200 -> 1700 is under the commit; transit-b 400. */
	CHECK_NEAR(d10->marginal_cost, 0, MONEY);
	CHECK_NEAR(d10->links[1].delta_cost, 400, MONEY);
	/* AS64520: 1700 -> 2100 costs 100 * 0.5 = 50; transit-b 320. */
	CHECK_NEAR(d20->marginal_cost, 50, MONEY);
	CHECK_NEAR(d20->links[1].delta_cost, 320, MONEY);
	CHECK(verdict(r, "AS64520", "transit-a") == AP_COST_ELIGIBLE);
	CHECK_NEAR(d10->rtt_delta_ms, -2, PER);
	CHECK_NEAR(d20->rtt_delta_ms, 3, PER);
	CHECK_NEAR(d30->rtt_delta_ms, 0, PER);
	CHECK_NEAR(r->totals.baseline_weighted_rtt_ms, 14.6667, PER);
	CHECK_NEAR(r->totals.plan_weighted_rtt_ms, 14.7619, PER);
	CHECK_NEAR(r->totals.slo_forgone_saving, 0, MONEY);
	/* No peering: no break-even anywhere. */
	CHECK(isnan(ta->breakeven_mbps));
	CHECK(isnan(tb->breakeven_mbps));
	CHECK_NEAR(r->reference_transit_price, 0.50, PER);
	ap_cost_report_free(r);
}

/* ------------------------------------------------------------------ */
/* Scenario C: port capacity caps the shift (6.5). */

static struct ap_cost_link c_links[] = {
	{"transit-a", AP_COST_TRANSIT, 200, 0.50, 0.50, 0, 10000, NAN},
	{"ixp-y", AP_COST_PEERING, 0, 0, 0, 300, 1000, NAN},
};
static const struct ap_cost_candidate c_cand[] = {
	{"transit-a", 20, 0}, {"ixp-y", 10, 0}};
static const struct ap_cost_dest c_dests[] = {
	{"AS64601", 600, "transit-a", c_cand, 2},
	{"AS64602", 300, "transit-a", c_cand, 2},
	{"AS64603", 150, "transit-a", c_cand, 2},
	{"AS64604", 100, "transit-a", c_cand, 2},
};

static void test_scenario_c(void)
{
	struct ap_cost_model m = {"EUR", 10, 1.0, 0.8, NAN, c_links, 2,
				  c_dests, 4};
	struct ap_cost_report *r = run(&m);
	const struct ap_cost_link_report *t, *x;

	CHECK(r != NULL);
	if (r == NULL)
		return;
	t = lr(r, "transit-a");
	x = lr(r, "ixp-y");
	CHECK_NEAR(t->baseline.mbps, 1150, MONEY);
	CHECK_NEAR(t->baseline.cost, 575, MONEY);
	CHECK_NEAR(x->baseline.cost, 300, MONEY);
	CHECK_NEAR(r->totals.baseline_cost, 875, MONEY);
	CHECK_NEAR(r->totals.baseline_blended_cost_per_mbps, 0.760870, PER);

	CHECK_NEAR(t->plan.mbps, 400, MONEY);
	CHECK_NEAR(t->plan.cost, 200, MONEY);
	CHECK_NEAR(t->plan.cost_per_mbps, 0.50, PER);
	CHECK_NEAR(x->plan.mbps, 750, MONEY);
	CHECK_NEAR(x->plan.cost, 300, MONEY);
	CHECK_NEAR(x->plan.cost_per_mbps, 0.40, PER);
	CHECK_NEAR(x->plan.utilization, 0.75, PER);
	CHECK_NEAR(x->usable_mbps, 800, MONEY);
	CHECK_NEAR(r->totals.plan_cost, 500, MONEY);
	CHECK_NEAR(r->totals.plan_blended_cost_per_mbps, 0.434783, PER);
	CHECK_NEAR(r->totals.monthly_saving, 375, MONEY);

	CHECK_STR(rec(r, "AS64601"), "ixp-y");
	CHECK_STR(rec(r, "AS64602"), "transit-a");
	CHECK_STR(rec(r, "AS64603"), "ixp-y");
	CHECK_STR(rec(r, "AS64604"), "transit-a");
	/* AS64601: delta 0 on ixp-y, 200 on transit-a. */
	CHECK_NEAR(dr(r, "AS64601")->links[0].delta_cost, 200, MONEY);
	/* AS64602: 900 > 800, excluded for capacity; transit-a delta 50. */
	CHECK(verdict(r, "AS64602", "ixp-y") == AP_COST_EXCLUDED_CAPACITY);
	CHECK_NEAR(dr(r, "AS64602")->marginal_cost, 50, MONEY);
	/* Capacity is not the SLO: nothing forgone for it. */
	CHECK_NEAR(dr(r, "AS64602")->slo_forgone_saving, 0, MONEY);
	/* AS64603: 750 <= 800; transit-a would cost 75. */
	CHECK(verdict(r, "AS64603", "ixp-y") == AP_COST_ELIGIBLE);
	CHECK_NEAR(dr(r, "AS64603")->links[0].delta_cost, 75, MONEY);
	/* AS64604: 850 > 800; transit-a delta 50. */
	CHECK(verdict(r, "AS64604", "ixp-y") == AP_COST_EXCLUDED_CAPACITY);
	CHECK_NEAR(dr(r, "AS64604")->marginal_cost, 50, MONEY);

	CHECK_NEAR(x->breakeven_mbps, 600, MONEY);
	CHECK_NEAR(x->peering_saving, 75, MONEY);
	CHECK_NEAR(r->totals.baseline_cost - r->totals.plan_cost, 75 + 300,
		   MONEY);
	/* Norton: 75 equals 575 (all on transit) - 500 (plan). */
	CHECK_NEAR(ap_cost_link_cost(&c_links[0], 1150) - r->totals.plan_cost,
		   x->peering_saving, MONEY);

	CHECK_NEAR(dr(r, "AS64601")->rtt_delta_ms, -10, PER);
	CHECK_NEAR(dr(r, "AS64603")->rtt_delta_ms, -10, PER);
	CHECK_NEAR(dr(r, "AS64602")->rtt_delta_ms, 0, PER);
	CHECK_NEAR(dr(r, "AS64604")->rtt_delta_ms, 0, PER);
	CHECK_NEAR(r->totals.baseline_weighted_rtt_ms, 20, PER);
	CHECK_NEAR(r->totals.plan_weighted_rtt_ms, 13.4783, PER);
	CHECK_NEAR(t->plan.unused_commit_mbps, 0, MONEY);
	ap_cost_report_free(r);

	/* Variant: u = 1.0 on ixp-y (per-link override). */
	c_links[1].max_utilization = 1.0;
	r = run(&m);
	c_links[1].max_utilization = NAN;
	CHECK(r != NULL);
	if (r == NULL)
		return;
	t = lr(r, "transit-a");
	x = lr(r, "ixp-y");
	CHECK_STR(rec(r, "AS64601"), "ixp-y");
	CHECK_STR(rec(r, "AS64602"), "ixp-y");
	CHECK_STR(rec(r, "AS64603"), "transit-a");
	CHECK_STR(rec(r, "AS64604"), "ixp-y");
	/* 600 + 300 + 100 = 1000 <= 1.0 * 1000: the bound is inclusive. */
	CHECK(verdict(r, "AS64604", "ixp-y") == AP_COST_ELIGIBLE);
	CHECK(verdict(r, "AS64603", "ixp-y") == AP_COST_EXCLUDED_CAPACITY);
	CHECK_NEAR(x->plan.mbps, 1000, MONEY);
	CHECK_NEAR(x->plan.utilization, 1.0, PER);
	CHECK_NEAR(t->plan.mbps, 150, MONEY);
	CHECK_NEAR(t->plan.cost, 100, MONEY);
	CHECK_NEAR(t->plan.unused_commit_mbps, 50, MONEY);
	CHECK_NEAR(r->totals.plan_cost, 400, MONEY);
	CHECK_NEAR(r->totals.monthly_saving, 475, MONEY);
	/* The 80% headroom costs 100 a month here. */
	CHECK_NEAR(r->totals.monthly_saving - 375, 100, MONEY);
	ap_cost_report_free(r);

	/* The same variant through the default instead of the override. */
	m.default_max_utilization = 1.0;
	r = run(&m);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_NEAR(r->totals.plan_cost, 400, MONEY);
		CHECK_NEAR(lr(r, "ixp-y")->max_utilization, 1.0, PER);
		ap_cost_report_free(r);
	}
}

/* ------------------------------------------------------------------ */
/* Billed load (1.1 and the example of 6.2). */

static void test_billed(void)
{
	double in[20], out[20], big[8640];
	size_t i;

	for (i = 0; i < 20; i++) {
		in[i] = 10.0 * (double)(i + 1);
		out[i] = 50;
	}
	CHECK_NEAR(ap_cost_billed_mbps(in, 20, out, 20), 190, PER);
	/* Direction does not matter: the larger p95 is billed. */
	CHECK_NEAR(ap_cost_billed_mbps(out, 20, in, 20), 190, PER);
	/* Order of the samples does not matter. */
	for (i = 0; i < 20; i++)
		in[i] = 10.0 * (double)(20 - i);
	CHECK_NEAR(ap_cost_billed_mbps(in, 20, out, 20), 190, PER);
	CHECK_NEAR(ap_cost_billed_mbps(in, 20, NULL, 0), 190, PER);
	CHECK_NEAR(ap_cost_billed_mbps(NULL, 0, out, 20), 50, PER);
	CHECK(isnan(ap_cost_billed_mbps(NULL, 0, NULL, 0)));
	/* A 30-day month: 8640 samples, the 8208th ascending is billed. */
	for (i = 0; i < 8640; i++)
		big[i] = (double)(i + 1);
	CHECK_NEAR(ap_cost_billed_mbps(big, 8640, NULL, 0), 8208, PER);
	/* Gaps (NaN) are skipped, not zeros: 19 samples -> rank 19. */
	for (i = 0; i < 20; i++)
		in[i] = 10.0 * (double)(i + 1);
	in[0] = NAN;
	CHECK_NEAR(ap_cost_billed_mbps(in, 20, NULL, 0), 200, PER);
	/* One sample bills that sample. */
	CHECK_NEAR(ap_cost_billed_mbps(out, 1, NULL, 0), 50, PER);
}

/* ------------------------------------------------------------------ */
/* Pure per-link helpers. */

static void test_link_helpers(void)
{
	const struct ap_cost_link *t = &a_links[0], *x = &a_links[1];
	struct ap_cost_link paid = {"paid", AP_COST_PEERING, 0, 0.2, 0.2,
				    100, 1000, NAN};
	struct ap_cost_link pni = {"pni", AP_COST_PNI, 0, 0, 0, 300, 1000, NAN};
	struct ap_cost_figures f;

	CHECK_NEAR(ap_cost_link_cost(t, 0), 450, MONEY);
	CHECK_NEAR(ap_cost_link_cost(t, 500), 450, MONEY);
	CHECK_NEAR(ap_cost_link_cost(t, 1000), 750, MONEY);
	CHECK_NEAR(ap_cost_link_cost(x, 12345), 800, MONEY);
	CHECK(isnan(ap_cost_link_cost(t, -1)));
	CHECK(isnan(ap_cost_link_cost(NULL, 1)));
	/* Paid peering: fixed + price * B. */
	CHECK_NEAR(ap_cost_link_cost(&paid, 100), 120, MONEY);
	CHECK_NEAR(ap_cost_breakeven_mbps(&paid, 0.6), 250, MONEY);
	CHECK(isnan(ap_cost_breakeven_mbps(&paid, 0.2)));
	CHECK(isnan(ap_cost_breakeven_mbps(&paid, 0.1)));
	CHECK(isnan(ap_cost_breakeven_mbps(&paid, NAN)));
	CHECK(isnan(ap_cost_breakeven_mbps(t, 0.6)));
	CHECK_NEAR(ap_cost_breakeven_mbps(&pni, 0.5), 600, MONEY);

	ap_cost_link_figures(t, 300, &f);
	CHECK_NEAR(f.cost, 450, MONEY);
	CHECK_NEAR(f.cost_per_mbps, 1.5, PER);
	CHECK_NEAR(f.utilization, 0.03, PER);
	CHECK_NEAR(f.unused_commit_mbps, 200, MONEY);
	ap_cost_link_figures(x, 0, &f);
	CHECK_NEAR(f.cost, 800, MONEY);
	CHECK(isnan(f.cost_per_mbps));
	CHECK(isnan(f.unused_commit_mbps));
	ap_cost_link_figures(x, NAN, &f);
	CHECK(isnan(f.cost) && isnan(f.mbps));

	/* p_ref: configured wins; else the lowest transit overage. */
	CHECK_NEAR(ap_cost_reference_price(&model_a), 0.60, PER);
	CHECK_NEAR(ap_cost_reference_price(&model_b), 0.50, PER);
	{
		struct ap_cost_model m = model_a;

		m.reference_transit_price = 0.4;
		CHECK_NEAR(ap_cost_reference_price(&m), 0.4, PER);
		m.links = &a_links[1];
		m.n_links = 1;
		m.reference_transit_price = NAN;
		CHECK(isnan(ap_cost_reference_price(&m)));
	}
	CHECK_STR(ap_cost_kind_name(AP_COST_PNI), "pni");
	CHECK_STR(ap_cost_verdict_name(AP_COST_EXCLUDED_CAPACITY), "capacity");
	CHECK_STR(ap_cost_reason_name(AP_COST_NO_ELIGIBLE_LINK),
		  "no_eligible_link");
}

/* A configured p_ref changes break-even but not the plan. */
static void test_reference_configured(void)
{
	struct ap_cost_model m = model_a;
	struct ap_cost_report *r;

	m.reference_transit_price = 0.40;
	r = run(&m);
	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK(r->reference_configured);
	CHECK_NEAR(lr(r, "ixp-x")->breakeven_mbps, 2000, MONEY);
	CHECK_NEAR(lr(r, "ixp-x")->peering_saving, (1500 - 2000) * 0.4,
		   MONEY);
	CHECK_NEAR(r->totals.plan_cost, 1550, MONEY);
	ap_cost_report_free(r);
}

/* ------------------------------------------------------------------ */
/* Tie-breaking: (delta, rtt, loss, name), ties of the sort by id. */

static void test_ties(void)
{
	static const struct ap_cost_link links[] = {
		{"zeta", AP_COST_PEERING, 0, 0, 0, 100, 10000, NAN},
		{"alpha", AP_COST_PEERING, 0, 0, 0, 100, 10000, NAN},
		{"mid", AP_COST_PEERING, 0, 0, 0, 100, 10000, NAN},
	};
	/* Same delta (0) and RTT: lower loss wins. */
	static const struct ap_cost_candidate by_loss[] = {
		{"zeta", 10, 0.1}, {"alpha", 10, 0.5}};
	/* Same delta: lower RTT wins even against a lower name. */
	static const struct ap_cost_candidate by_rtt[] = {
		{"alpha", 11, 0}, {"zeta", 10, 0.5}};
	/* Everything equal: the name decides. */
	static const struct ap_cost_candidate by_name[] = {
		{"zeta", 10, 0}, {"mid", 10, 0}, {"alpha", 10, 0}};
	static const struct ap_cost_dest dests[] = {
		{"D-loss", 10, "mid", by_loss, 2},
		{"D-rtt", 10, "mid", by_rtt, 2},
		{"D-name", 10, "mid", by_name, 3},
		/* Same traffic: the plan order is by id. */
		{"B", 5, "mid", by_name, 3},
		{"A", 5, "mid", by_name, 3},
	};
	struct ap_cost_model m = {"EUR", 10, 1.0, 0.8, NAN, links, 3, dests,
				  5};
	struct ap_cost_report *r = run(&m);

	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK_STR(rec(r, "D-loss"), "zeta");
	CHECK_STR(rec(r, "D-rtt"), "zeta");
	CHECK_STR(rec(r, "D-name"), "alpha");
	CHECK_STR(r->dests[0].id, "D-loss");
	CHECK_STR(r->dests[1].id, "D-name");
	CHECK_STR(r->dests[2].id, "D-rtt");
	CHECK_STR(r->dests[3].id, "A");
	CHECK_STR(r->dests[4].id, "B");
	ap_cost_report_free(r);
}

/* Delta costs equal up to binary rounding count as a tie. */
static void test_delta_tie_rounding(void)
{
	static const struct ap_cost_link links[] = {
		/* Both charge 0.1 per Mbps; delta 0.1*0.3 vs from a load of
		 * 0.7 differ in the last bits only. */
		{"t-b", AP_COST_TRANSIT, 0, 0.1, 0.1, 0, 10000, NAN},
		{"t-a", AP_COST_TRANSIT, 0, 0.1, 0.1, 0, 10000, NAN},
	};
	static const struct ap_cost_candidate first[] = {{"t-a", 5, 0}};
	static const struct ap_cost_candidate both[] = {
		{"t-a", 9, 0}, {"t-b", 9, 0}};
	static const struct ap_cost_dest dests[] = {
		{"big", 0.7, "t-a", first, 1},
		{"small", 0.3, "t-a", both, 2},
	};
	struct ap_cost_model m = {"EUR", 10, 1.0, 0.8, NAN, links, 2, dests,
				  2};
	struct ap_cost_report *r = run(&m);

	CHECK(r != NULL);
	if (r == NULL)
		return;
	/* Delta on t-a (0.1*1.0 - 0.1*0.7) vs t-b (0.1*0.3): equal money,
	 * so the name decides: t-a. */
	CHECK_STR(rec(r, "small"), "t-a");
	ap_cost_report_free(r);
}

/* The RTT bound is inclusive despite rounding: 0.8 <= 0.7 + 0.1. */
static void test_rtt_bound_rounding(void)
{
	static const struct ap_cost_link links[] = {
		{"cheap", AP_COST_PEERING, 0, 0, 0, 10, 10000, NAN},
		{"dear", AP_COST_TRANSIT, 0, 1, 1, 0, 10000, NAN},
	};
	static const struct ap_cost_candidate c[] = {
		{"cheap", 0.8, 0}, {"dear", 0.7, 0}};
	static const struct ap_cost_dest d[] = {{"X", 10, "dear", c, 2}};
	struct ap_cost_model m = {"EUR", 0.1, 1.0, 0.8, NAN, links, 2, d, 1};
	struct ap_cost_report *r = run(&m);

	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK_STR(rec(r, "X"), "cheap");
	CHECK_NEAR(r->totals.monthly_saving, 10, MONEY);
	ap_cost_report_free(r);
}

/* ------------------------------------------------------------------ */
/* Edge cases. */

static void test_edges(void)
{
	static const struct ap_cost_link links[] = {
		{"transit", AP_COST_TRANSIT, 0, 1.0, 1.0, 0, 1000, NAN},
		{"ixp", AP_COST_PEERING, 0, 0, 0, 200, 1000, 0.5},
	};
	/* All candidates lose too much: kept, both excluded for loss. */
	static const struct ap_cost_candidate lossy[] = {
		{"transit", 10, 2.0}, {"ixp", 5, 50.0}};
	/* ixp loses too much; transit is fine but its delta is 100. */
	static const struct ap_cost_candidate ixp_lossy[] = {
		{"transit", 10, 0.5}, {"ixp", 5, 5.0}};
	/* The current link is not measured; ixp is. */
	static const struct ap_cost_candidate only_ixp[] = {{"ixp", 7, 0.25}};
	/* Bigger than ixp's usable 500: no eligible link. */
	static const struct ap_cost_candidate big_c[] = {{"ixp", 5, 0}};
	static const struct ap_cost_dest dests[] = {
		{"all-loss", 50, "transit", lossy, 2},
		{"slo", 100, "transit", ixp_lossy, 2},
		{"unmeasured-current", 40, "transit", only_ixp, 1},
		{"no-candidates", 30, "ixp", NULL, 0},
		{"zero", 0, "transit", ixp_lossy, 2},
		{"too-big", 600, "transit", big_c, 1},
	};
	struct ap_cost_model m = {"USD", 10, 1.0, 0.8, NAN, links, 2, dests,
				  6};
	struct ap_cost_report *r = run(&m);
	const struct ap_cost_dest_report *d;

	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK_STR(r->currency, "USD");
	/* too-big (600) goes first: 0 + 600 > 0.5 * 1000. */
	CHECK_STR(r->dests[0].id, "too-big");
	d = dr(r, "too-big");
	CHECK(d->reason == AP_COST_NO_ELIGIBLE_LINK);
	CHECK_STR(rec(r, "too-big"), "transit");
	CHECK(verdict(r, "too-big", "ixp") == AP_COST_EXCLUDED_CAPACITY);
	CHECK(verdict(r, "too-big", "transit") == AP_COST_UNMEASURED);
	CHECK(isnan(d->rtt_delta_ms)); /* current link not measured */
	CHECK(isnan(d->loss_delta_pct));
	CHECK_NEAR(d->marginal_cost, 600, MONEY);
	CHECK_NEAR(d->slo_forgone_saving, 0, MONEY);

	d = dr(r, "all-loss");
	CHECK(d->reason == AP_COST_NO_ELIGIBLE_LINK);
	CHECK_STR(rec(r, "all-loss"), "transit");
	CHECK(verdict(r, "all-loss", "transit") == AP_COST_EXCLUDED_LOSS);
	CHECK(verdict(r, "all-loss", "ixp") == AP_COST_EXCLUDED_LOSS);
	CHECK(isnan(d->best_rtt_ms));
	CHECK_NEAR(d->rtt_delta_ms, 0, PER);
	/* Kept on transit (delta 50) while ixp (delta 0) was excluded. */
	CHECK_NEAR(d->slo_forgone_saving, 50, MONEY);

	d = dr(r, "slo");
	CHECK(d->reason == AP_COST_LOWEST_COST);
	CHECK_STR(rec(r, "slo"), "transit");
	CHECK(verdict(r, "slo", "ixp") == AP_COST_EXCLUDED_LOSS);
	CHECK_NEAR(d->slo_forgone_saving, 100, MONEY);

	d = dr(r, "unmeasured-current");
	CHECK_STR(rec(r, "unmeasured-current"), "ixp");
	CHECK(isnan(d->rtt_delta_ms));
	CHECK(isnan(d->loss_delta_pct));

	d = dr(r, "no-candidates");
	CHECK(d->reason == AP_COST_NO_ELIGIBLE_LINK);
	CHECK_STR(rec(r, "no-candidates"), "ixp");

	/* Zero traffic: every delta is 0, the RTT decides, the SLO costs
	 * nothing. */
	d = dr(r, "zero");
	CHECK_STR(rec(r, "zero"), "transit");
	CHECK_NEAR(d->marginal_cost, 0, MONEY);
	CHECK_NEAR(d->slo_forgone_saving, 0, MONEY);
	CHECK_STR(r->dests[5].id, "zero");

	/* Weighted RTT leaves out traffic whose link was not measured. */
	CHECK_NEAR(r->totals.baseline_rtt_unknown_mbps, 40 + 30 + 600, MONEY);
	CHECK_NEAR(r->totals.plan_rtt_unknown_mbps, 30 + 600, MONEY);
	/* Baseline known: all-loss 50 @10, slo 100 @10, zero 0 -> 10. */
	CHECK_NEAR(r->totals.baseline_weighted_rtt_ms, 10, PER);
	/* Plan known: 50 @10, 100 @10, 40 @7 -> 1780 / 190. */
	CHECK_NEAR(r->totals.plan_weighted_rtt_ms, 1780.0 / 190.0, PER);
	CHECK_NEAR(r->totals.slo_forgone_saving, 150, MONEY);
	/* Loads: transit 600 + 50 + 100 = 750 (over its usable 800? no);
	 * ixp 40 + 30. */
	CHECK_NEAR(lr(r, "transit")->plan.mbps, 750, MONEY);
	CHECK_NEAR(lr(r, "ixp")->plan.mbps, 70, MONEY);
	CHECK_NEAR(lr(r, "ixp")->usable_mbps, 500, MONEY);
	CHECK_NEAR(lr(r, "ixp")->max_utilization, 0.5, PER);
	/* No transit link had a reference price... it does: 1.0. */
	CHECK_NEAR(lr(r, "ixp")->breakeven_mbps, 200, MONEY);
	ap_cost_report_free(r);
}

/* Nothing at all, or links and no traffic. */
static void test_empty(void)
{
	struct ap_cost_model m = {NULL, 10, 1.0, 0.8, NAN, NULL, 0, NULL, 0};
	struct ap_cost_report *r = run(&m);

	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_STR(r->currency, "EUR");
		CHECK(r->n_links == 0 && r->n_dests == 0);
		CHECK_NEAR(r->totals.plan_cost, 0, MONEY);
		CHECK(isnan(r->totals.plan_blended_cost_per_mbps));
		CHECK(isnan(r->totals.plan_weighted_rtt_ms));
		CHECK(isnan(r->reference_transit_price));
		ap_cost_report_free(r);
	}
	m.links = a_links;
	m.n_links = 2;
	r = run(&m);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_NEAR(r->totals.baseline_cost, 1250, MONEY);
		CHECK_NEAR(r->totals.monthly_saving, 0, MONEY);
		CHECK(isnan(r->totals.baseline_blended_cost_per_mbps));
		CHECK_NEAR(lr(r, "transit-a")->plan.unused_commit_mbps, 500,
			   MONEY);
		ap_cost_report_free(r);
	}
	ap_cost_report_free(NULL);
	ap_cost_model_free(NULL);
}

/* A hand-built model with mistakes: the key is named. */
static void test_model_check(void)
{
	struct ap_cost_link links[2];
	struct ap_cost_candidate cands[2];
	struct ap_cost_dest dest;
	struct ap_cost_model m;
	struct ap_cost_report *r = NULL;
	struct ap_err err;

#define RESET()                                                            \
	do {                                                               \
		memcpy(links, a_links, sizeof(links));                     \
		memcpy(cands, a_c1, sizeof(cands));                        \
		dest = a_dests[1];                                         \
		dest.candidates = cands;                                   \
		m = model_a;                                               \
		m.links = links;                                           \
		m.dests = &dest;                                           \
		m.n_dests = 1;                                             \
	} while (0)
#define EXPECT(key)                                                        \
	do {                                                               \
		ap_err_clear(&err);                                        \
		CHECK(ap_cost_report_new(&m, &r, &err) == AP_EINVAL);      \
		CHECK(r == NULL);                                          \
		CHECK(strstr(err.msg, "key '" key "'") != NULL);           \
		if (strstr(err.msg, "key '" key "'") == NULL)              \
			printf("  message: %s\n", err.msg);                \
	} while (0)

	RESET();
	CHECK(ap_cost_model_check(&m, &err) == AP_OK);
	dest.traffic_mbps = -1;
	EXPECT("destinations[0].traffic_mbps");
	RESET();
	dest.traffic_mbps = NAN;
	EXPECT("destinations[0].traffic_mbps");
	RESET();
	dest.current_link = "nowhere";
	EXPECT("destinations[0].current_link");
	RESET();
	cands[1].link = "nowhere";
	EXPECT("destinations[0].measurements.nowhere");
	RESET();
	cands[1].link = "transit-a";
	EXPECT("destinations[0].measurements.transit-a");
	RESET();
	cands[0].loss_pct = 101;
	EXPECT("destinations[0].measurements.transit-a.loss_pct");
	RESET();
	cands[0].rtt_ms = -3;
	EXPECT("destinations[0].measurements.transit-a.rtt_ms");
	RESET();
	links[1].name = "transit-a";
	EXPECT("links[1].name");
	RESET();
	links[0].overage_price_per_mbps = -0.1;
	EXPECT("links[0].overage_price_per_mbps");
	RESET();
	links[1].port_capacity_mbps = 0;
	EXPECT("links[1].port_capacity_mbps");
	RESET();
	links[1].max_utilization = 1.5;
	EXPECT("links[1].max_utilization");
	RESET();
	m.default_max_utilization = 0;
	EXPECT("defaults.max_utilization");
	RESET();
	m.max_loss_pct = -1;
	EXPECT("slo.max_loss_pct");
	RESET();
	m.reference_transit_price = -1;
	EXPECT("reference_transit_price");
#undef RESET
#undef EXPECT
}

/* ------------------------------------------------------------------ */
/* From YAML through ap_config. */

static const char YAML_A[] =
	"currency: EUR\n"
	"slo: {max_rtt_delta_ms: 10, max_loss_pct: 1.0}\n"
	"defaults: {max_utilization: 0.8}\n"
	"reference_transit_price: null\n"
	"links:\n"
	"  - name: transit-a\n"
	"    kind: transit\n"
	"    commit_mbps: 500\n"
	"    price_per_mbps: 0.50\n"
	"    overage_price_per_mbps: 0.60\n"
	"    fixed_monthly: 200\n"
	"    port_capacity_mbps: 10000\n"
	"  - {name: ixp-x, kind: peering, fixed_monthly: 800,"
	" port_capacity_mbps: 10000}\n"
	"destinations:\n"
	"  - id: AS64501\n"
	"    traffic_mbps: 1500\n"
	"    current_link: transit-a\n"
	"    measurements:\n"
	"      transit-a: {rtt_ms: 20, loss_pct: 0.0}\n"
	"      ixp-x: {rtt_ms: 12, loss_pct: 0.0}\n"
	"  - id: AS64502\n"
	"    traffic_mbps: 1000\n"
	"    current_link: transit-a\n"
	"    measurements:\n"
	"      transit-a: {rtt_ms: 15, loss_pct: 0.0}\n"
	"      ixp-x: {rtt_ms: 40, loss_pct: 0.0}\n";

/* Loads yaml and builds the model; returns its status, err filled. */
static enum ap_status from_yaml(const char *yaml, struct ap_config **cfg,
				struct ap_cost_model **m, struct ap_err *err)
{
	enum ap_status st;

	*cfg = NULL;
	*m = NULL;
	ap_err_clear(err);
	st = ap_config_load_buffer("cost.yaml", yaml, strlen(yaml), cfg, err);
	if (st != AP_OK)
		return st;
	return ap_cost_model_from_config(*cfg, m, err);
}

static void test_from_config(void)
{
	struct ap_config *cfg;
	struct ap_cost_model *m;
	struct ap_cost_report *r = NULL;
	struct ap_err err;
	char buf[sizeof(YAML_A) + 64];

	CHECK(from_yaml(YAML_A, &cfg, &m, &err) == AP_OK);
	if (m == NULL) {
		printf("  message: %s\n", err.msg);
		ap_config_free(cfg);
		return;
	}
	/* The model no longer needs the configuration. */
	ap_config_free(cfg);
	CHECK(m->n_links == 2 && m->n_dests == 2);
	CHECK_STR(m->links[1].name, "ixp-x");
	CHECK(m->links[1].kind == AP_COST_PEERING);
	CHECK(isnan(m->links[1].max_utilization));
	CHECK(isnan(m->reference_transit_price));
	CHECK_STR(m->dests[1].candidates[1].link, "ixp-x");
	CHECK(ap_cost_report_new(m, &r, &err) == AP_OK);
	if (r != NULL) {
		CHECK_NEAR(r->totals.monthly_saving, 900, MONEY);
		CHECK_NEAR(r->totals.plan_weighted_rtt_ms, 13.2, PER);
		CHECK_STR(rec(r, "AS64501"), "ixp-x");
		ap_cost_report_free(r);
	}
	ap_cost_model_free(m);

	/* A transit link without any price. */
	CHECK(from_yaml("links:\n"
			"  - name: t\n"
			"    kind: transit\n"
			"    port_capacity_mbps: 1000\n",
			&cfg, &m, &err) == AP_EINVAL);
	CHECK(m == NULL);
	CHECK(strstr(err.msg, "cost.yaml:2: key 'links[0].price_per_mbps'") !=
	      NULL);
	printf("# %s\n", err.msg);
	ap_config_free(cfg);
	/* An explicit 0 is a price. */
	CHECK(from_yaml("links:\n"
			"  - name: t\n"
			"    kind: transit\n"
			"    price_per_mbps: 0\n"
			"    port_capacity_mbps: 1000\n",
			&cfg, &m, &err) == AP_OK);
	ap_cost_model_free(m);
	ap_config_free(cfg);
	/* Overage alone prices a transit link (no commit). */
	CHECK(from_yaml("links:\n"
			"  - name: t\n"
			"    kind: transit\n"
			"    overage_price_per_mbps: 0.7\n"
			"    port_capacity_mbps: 1000\n",
			&cfg, &m, &err) == AP_OK);
	if (m != NULL)
		CHECK_NEAR(ap_cost_link_cost(&m->links[0], 100), 70, MONEY);
	ap_cost_model_free(m);
	ap_config_free(cfg);
	/* A commit with nothing to charge it at. */
	CHECK(from_yaml("links:\n"
			"  - {name: ok, kind: peering, port_capacity_mbps: 1}\n"
			"  - name: t\n"
			"    kind: transit\n"
			"    commit_mbps: 100\n"
			"    overage_price_per_mbps: 0.7\n"
			"    port_capacity_mbps: 1000\n",
			&cfg, &m, &err) == AP_EINVAL);
	CHECK(strstr(err.msg, "cost.yaml:3: key 'links[1].price_per_mbps'") !=
	      NULL);
	ap_config_free(cfg);
	/* What the loader itself rejects: negative traffic, unknown link. */
	snprintf(buf, sizeof(buf), "%s", YAML_A);
	memcpy(strstr(buf, "1500"), "-150", 4);
	CHECK(from_yaml(buf, &cfg, &m, &err) != AP_OK);
	CHECK(strstr(err.msg, "key 'destinations[0].traffic_mbps'") != NULL);
	snprintf(buf, sizeof(buf), "%s", YAML_A);
	memcpy(strstr(buf, "ixp-x: {rtt_ms: 40"), "ixp-z", 5);
	CHECK(from_yaml(buf, &cfg, &m, &err) != AP_OK);
	CHECK(strstr(err.msg, "key 'destinations[1].measurements.ixp-z'") !=
	      NULL);

	/* A hand-made config (no YAML lines): no missing-key checks. */
	CHECK(ap_config_new(&cfg, &err) == AP_OK);
	if (cfg != NULL) {
		CHECK(ap_cost_model_from_config(cfg, &m, &err) == AP_OK);
		if (m != NULL) {
			CHECK(m->n_links == 0 && m->n_dests == 0);
			CHECK_STR(m->currency, "EUR");
			CHECK_NEAR(m->default_max_utilization, 0.8, PER);
		}
		ap_cost_model_free(m);
		ap_config_free(cfg);
	}
}

int main(void)
{
	test_scenario_a();
	test_scenario_b();
	test_scenario_c();
	test_billed();
	test_link_helpers();
	test_reference_configured();
	test_ties();
	test_delta_tie_rounding();
	test_rtt_bound_rounding();
	test_edges();
	test_empty();
	test_model_check();
	test_from_config();
	TEST_DONE();
}

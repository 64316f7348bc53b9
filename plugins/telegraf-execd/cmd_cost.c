/* SPDX-License-Identifier: MIT */
/*
 * cmd_cost: `atlasperf cost FILE [--json] [--from-state [--window S]]`.
 * Loads FILE with the config loader (the cost keys of ANALYSIS.md 6.1,
 * nothing else needed), builds the model with ap_cost_model_from_config(),
 * with --from-state adds the candidates measured in the collector's state
 * (cost_state.h), runs ap_cost_report_new() and prints the result: a text
 * report, or JSON (json-c, numbers in the shortest round-trip form
 * whatever the locale, null for "no value"). Without --from-state the
 * output is what it always was: the state parts are printed only with it.
 */
#include "cmd_cost.h"

#include <errno.h>
#include <json-c/json.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "atlasperf/ap_config.h"
#include "atlasperf/ap_cost.h"
#include "atlasperf/ap_lp.h"
#include "atlasperf/ap_stats.h"
#include "cost_state.h"
#include "log.h"

static const char USAGE[] =
	"Usage: atlasperf cost [OPTIONS] FILE\n"
	"\n"
	"Runs the peering/transit cost model on FILE, a YAML file with the\n"
	"configuration's cost keys (currency, slo, defaults,\n"
	"reference_transit_price, links, destinations), and prints per link\n"
	"the baseline (every destination on its current link) against the\n"
	"plan (each destination, largest first, on the cheapest link that\n"
	"meets the SLO and the headroom rule), the monthly saving, and per\n"
	"destination the recommendation, its RTT/loss change, the links\n"
	"excluded and why, and the saving given up to meet the SLO.\n"
	"\n"
	"With --from-state, a destination's candidates also come from the\n"
	"collector's state: for each link, the results of the destination's\n"
	"msm_ids (ping or traceroute, collected by `atlasperf execd` or the\n"
	"collectd plugin with FILE) classified to that link as for the\n"
	"atlas_link metric, within the window: RTT = p50 of the per-result\n"
	"RTTs, loss = pooled. A destination's `measurements` entry for a link\n"
	"overrides the state's. Every candidate says where it came from. The\n"
	"state (state_dir/msm-<id>.agg) is only read.\n"
	"\n"
	"Exits 0 on success, 1 when FILE is invalid (one\n"
	"\"E! FILE:LINE: key 'x.y': message\" line on stderr) or the state\n"
	"cannot be read, 2 on a usage error. See docs/cost-model.md.\n"
	"\n"
	"Options:\n"
	"  --json                  print the report as JSON\n"
	"  --from-state            add candidates measured in state_dir\n"
	"  --window SECONDS        with --from-state: results of the last\n"
	"                          SECONDS (or a duration: 90m, 2h) up to now;\n"
	"                          default late_results_horizon\n"
	"  -h, --help              show this help\n";

/* ------------------------------------------------------------------ */
/* Text report. */

/* "%.*f" of v into buf, or "-" when v is NaN. */
static const char *fmt(char *buf, size_t size, int decimals, double v)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.*f", decimals, v == 0 ? 0.0 : v);
	return buf;
}

/* "%+.2f" of v, or "unknown" when NaN. */
static const char *fmt_signed(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "unknown");
	else
		snprintf(buf, size, "%+.2f", fabs(v) < 0.005 ? 0.0 : v);
	return buf;
}

static void print_figures(const char *label, const struct ap_cost_figures *f)
{
	char a[32], b[32], c[32], d[32], e[32];

	printf("  %-9s %12s %12s %10s %7s%% %13s\n", label,
	       fmt(a, sizeof(a), 2, f->mbps), fmt(b, sizeof(b), 2, f->cost),
	       fmt(c, sizeof(c), 4, f->cost_per_mbps),
	       fmt(d, sizeof(d), 1, f->utilization * 100),
	       fmt(e, sizeof(e), 2, f->unused_commit_mbps));
}

static void print_links(const struct ap_cost_report *r)
{
	char a[32], b[32], c[32];
	size_t i;

	printf("%-11s %12s %12s %10s %8s %13s\n", "Per link", "Mbps",
	       r->currency, "per Mbps", "util", "unused commit");
	for (i = 0; i < r->n_links; i++) {
		const struct ap_cost_link_report *l = &r->links[i];

		printf("%s (%s, capacity %s Mbps, usable %s Mbps at %s%%)\n",
		       l->name, ap_cost_kind_name(l->kind),
		       fmt(a, sizeof(a), 0, l->port_capacity_mbps),
		       fmt(b, sizeof(b), 0, l->usable_mbps),
		       fmt(c, sizeof(c), 0, l->max_utilization * 100));
		print_figures("baseline", &l->baseline);
		print_figures("plan", &l->plan);
		if (l->kind == AP_COST_TRANSIT)
			continue;
		if (isnan(l->breakeven_mbps)) {
			printf("  break-even: none (%s)\n",
			       isnan(r->reference_transit_price)
				       ? "no reference transit price"
				       : "transit is not dearer than this "
					 "link's own price");
			continue;
		}
		printf("  break-even %s Mbps; ",
		       fmt(a, sizeof(a), 2, l->breakeven_mbps));
		if (l->peering_saving >= 0)
			printf("at %s Mbps the port saves %s %s/month against "
			       "transit\n",
			       fmt(b, sizeof(b), 2, l->plan.mbps),
			       fmt(c, sizeof(c), 2, l->peering_saving),
			       r->currency);
		else
			printf("at %s Mbps the port costs %s %s/month more "
			       "than transit (below break-even)\n",
			       fmt(b, sizeof(b), 2, l->plan.mbps),
			       fmt(c, sizeof(c), 2, -l->peering_saving),
			       r->currency);
	}
}

static void print_totals(const struct ap_cost_report *r)
{
	const struct ap_cost_totals *t = &r->totals;
	char a[32], b[32];

	printf("\nTotals               %12s %12s\n", "baseline", "plan");
	printf("  monthly cost       %12s %12s  %s\n",
	       fmt(a, sizeof(a), 2, t->baseline_cost),
	       fmt(b, sizeof(b), 2, t->plan_cost), r->currency);
	printf("  traffic            %12s %12s  Mbps\n",
	       fmt(a, sizeof(a), 2, t->mbps), fmt(b, sizeof(b), 2, t->mbps));
	printf("  blended cost       %12s %12s  %s/Mbps\n",
	       fmt(a, sizeof(a), 4, t->baseline_blended_cost_per_mbps),
	       fmt(b, sizeof(b), 4, t->plan_blended_cost_per_mbps),
	       r->currency);
	printf("  weighted RTT       %12s %12s  ms\n",
	       fmt(a, sizeof(a), 2, t->baseline_weighted_rtt_ms),
	       fmt(b, sizeof(b), 2, t->plan_weighted_rtt_ms));
	if (t->baseline_rtt_unknown_mbps > 0 || t->plan_rtt_unknown_mbps > 0)
		printf("  RTT not measured   %12s %12s  Mbps (left out "
		       "above)\n",
		       fmt(a, sizeof(a), 2, t->baseline_rtt_unknown_mbps),
		       fmt(b, sizeof(b), 2, t->plan_rtt_unknown_mbps));
	printf("\nMonthly saving: %s %s",
	       fmt(a, sizeof(a), 2, t->monthly_saving), r->currency);
	if (t->baseline_cost > 0)
		printf(" (%.1f%% of the baseline)",
		       100 * t->monthly_saving / t->baseline_cost);
	printf("\nSaving given up to meet the SLO: %s %s/month\n",
	       fmt(a, sizeof(a), 2, t->slo_forgone_saving), r->currency);
}

/* One excluded link of destination d, with the numbers behind it. */
static void print_excluded(const struct ap_cost_report *r,
			   const struct ap_cost_dest_report *d, size_t l)
{
	const struct ap_cost_choice *c = &d->links[l];
	char a[32], b[32], e[32];

	switch (c->verdict) {
	case AP_COST_EXCLUDED_LOSS:
		printf("      excluded %s: loss (%s%% > %s%%)\n",
		       r->links[l].name, fmt(a, sizeof(a), 2, c->loss_pct),
		       fmt(b, sizeof(b), 2, r->max_loss_pct));
		break;
	case AP_COST_EXCLUDED_RTT:
		printf("      excluded %s: rtt (%s ms > best %s + %s ms)\n",
		       r->links[l].name, fmt(a, sizeof(a), 2, c->rtt_ms),
		       fmt(b, sizeof(b), 2, d->best_rtt_ms),
		       fmt(e, sizeof(e), 2, r->max_rtt_delta_ms));
		break;
	case AP_COST_EXCLUDED_CAPACITY:
		printf("      excluded %s: capacity (%s + %s Mbps > %s "
		       "usable)\n",
		       r->links[l].name, fmt(a, sizeof(a), 2, c->load_mbps),
		       fmt(b, sizeof(b), 2, d->traffic_mbps),
		       fmt(e, sizeof(e), 2, r->links[l].usable_mbps));
		break;
	default:
		break;
	}
}

/* "1001, 5009" into buf. */
static const char *id_list(char *buf, size_t size,
			   const struct ap_config_dest *cd)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < cd->n_msm_ids && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%" PRId64,
				 i > 0 ? ", " : "", cd->msm_ids[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

/* With --from-state: every candidate of d and where it came from, and
 * what the state said of a destination it had nothing usable for. */
static void print_sources(const struct ap_cost_report *r,
			  const struct ap_cost_dest_report *d,
			  const struct ap_config *cfg,
			  const struct cost_state *cs)
{
	const struct ap_config_dest *cd = &cfg->destinations[d->input_index];
	char a[32], b[32], ids[256];
	size_t l;

	for (l = 0; l < r->n_links; l++) {
		const struct cost_cand_info *ci =
			&cs->info[d->input_index * cs->n_links + l];
		const struct ap_cost_choice *c = &d->links[l];

		if (ci->source == COST_SRC_NONE)
			continue;
		printf("      candidate %s: RTT %s ms, loss %s%% ",
		       r->links[l].name, fmt(a, sizeof(a), 2, c->rtt_ms),
		       fmt(b, sizeof(b), 2, c->loss_pct));
		if (ci->source == COST_SRC_STATE)
			printf("(state: %" PRId64 " results)\n", ci->results);
		else if (ci->state_usable)
			printf("(config; overrides the state's %s ms, %s%% "
			       "from %" PRId64 " results)\n",
			       fmt(a, sizeof(a), 2, ci->rtt_ms),
			       fmt(b, sizeof(b), 2, ci->loss_pct), ci->results);
		else
			printf("(config)\n");
	}
	if (cd->n_msm_ids > 0 && cs->dest_usable[d->input_index] == 0)
		printf("      state: no usable results of msm_ids %s in the "
		       "window (%" PRId64 " matched a link)\n",
		       id_list(ids, sizeof(ids), cd),
		       cs->dest_results[d->input_index]);
}

static void print_dests(const struct ap_cost_report *r,
			const struct ap_config *cfg,
			const struct cost_state *cs)
{
	char a[32], b[32], c[32];
	size_t i, l;

	if (r->n_dests == 0)
		return;
	printf("\nDestinations (in plan order, largest traffic first)\n");
	for (i = 0; i < r->n_dests; i++) {
		const struct ap_cost_dest_report *d = &r->dests[i];
		const char *cur = r->links[d->current_link].name;
		const char *rec = r->links[d->recommended_link].name;

		printf("  %s  %s Mbps: ", d->id,
		       fmt(a, sizeof(a), 2, d->traffic_mbps));
		if (d->current_link == d->recommended_link)
			printf("stays on %s", cur);
		else
			printf("%s -> %s", cur, rec);
		if (d->reason == AP_COST_NO_ELIGIBLE_LINK)
			printf(" (no eligible link; adds %s %s/month)\n",
			       fmt(b, sizeof(b), 2, d->marginal_cost),
			       r->currency);
		else
			printf(" (lowest cost; adds %s %s/month)\n",
			       fmt(b, sizeof(b), 2, d->marginal_cost),
			       r->currency);
		if (isnan(d->links[d->current_link].rtt_ms))
			printf("      RTT and loss change unknown (%s not "
			       "measured)\n",
			       cur);
		else if (isnan(d->links[d->recommended_link].rtt_ms))
			printf("      RTT and loss change unknown (%s not "
			       "measured)\n",
			       rec);
		else
			printf("      RTT %s ms, loss %s points\n",
			       fmt_signed(a, sizeof(a), d->rtt_delta_ms),
			       fmt_signed(c, sizeof(c), d->loss_delta_pct));
		if (cs != NULL)
			print_sources(r, d, cfg, cs);
		for (l = 0; l < r->n_links; l++)
			print_excluded(r, d, l);
		if (d->slo_forgone_saving > 0)
			printf("      the SLO gives up %s %s/month here\n",
			       fmt(a, sizeof(a), 2, d->slo_forgone_saving),
			       r->currency);
	}
}

/* Unix seconds as "2026-11-24T08:00:00Z" (UTC), or the number. */
static const char *utc(char *buf, size_t size, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%" PRId64, t);
	return buf;
}

/* With --from-state: what was read, and who got nothing from it. */
static void print_state_header(const struct ap_config *cfg,
			       const struct cost_state *cs)
{
	char a[32], b[32], ids[256];
	size_t i, with = 0, none = 0;

	for (i = 0; i < cfg->n_destinations; i++)
		with += cfg->destinations[i].n_msm_ids > 0;
	printf("Measured: state_dir %s, results from %s to %s (window %" PRId64
	       " s) for the %zu destination%s with msm_ids; a destination's "
	       "measurements in the file override the state\n",
	       cs->dir, utc(a, sizeof(a), cs->now - cs->window_s),
	       utc(b, sizeof(b), cs->now), cs->window_s, with,
	       with == 1 ? "" : "s");
	for (i = 0; i < cfg->n_destinations; i++) {
		const struct ap_config_dest *cd = &cfg->destinations[i];

		if (cd->n_msm_ids == 0 || cs->dest_usable[i] > 0)
			continue;
		if (none++ == 0)
			printf("No usable results in the state for:");
		printf(" %s (msm_ids %s)", cd->id,
		       id_list(ids, sizeof(ids), cd));
	}
	if (none > 0)
		printf("\n");
}

static void print_text(const char *path, const struct ap_cost_report *r,
		       const struct ap_config *cfg,
		       const struct cost_state *cs)
{
	char a[32], b[32], c[32];

	printf("Cost model: %s (amounts in %s per month)\n", path, r->currency);
	printf("SLO: loss <= %s%%, RTT <= best + %s ms; default headroom %s%% "
	       "of a port\n",
	       fmt(a, sizeof(a), 2, r->max_loss_pct),
	       fmt(b, sizeof(b), 2, r->max_rtt_delta_ms),
	       fmt(c, sizeof(c), 0, r->default_max_utilization * 100));
	if (isnan(r->reference_transit_price))
		printf("Reference transit price: none (no transit link and "
		       "reference_transit_price is null)\n");
	else
		printf("Reference transit price: %s %s/Mbps (%s)\n",
		       fmt(a, sizeof(a), 4, r->reference_transit_price),
		       r->currency,
		       r->reference_configured
			       ? "reference_transit_price"
			       : "lowest transit overage price");
	if (cs != NULL)
		print_state_header(cfg, cs);
	printf("\n");
	print_links(r);
	print_totals(r);
	print_dests(r, cfg, cs);
}

/* ------------------------------------------------------------------ */
/* JSON. */

/* A JSON number (shortest round-trip form of v rounded to 6 decimals,
 * so binary noise such as 749.9999999999999 does not show), or NULL,
 * which json-c writes as null, when v is NaN. */
static struct json_object *num(struct ap_lp *lp, double v)
{
	char buf[64];

	if (!isfinite(v))
		return NULL;
	v = ap_stats_round6(v);
	if (ap_lp_format_double(lp, v, buf, sizeof(buf)) == 0)
		return NULL;
	return json_object_new_double_s(v, buf);
}

static void put(struct json_object *o, const char *key,
		struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static struct json_object *pair(struct ap_lp *lp, double base, double plan)
{
	struct json_object *o = json_object_new_object();

	if (o != NULL) {
		put(o, "baseline", num(lp, base));
		put(o, "plan", num(lp, plan));
	}
	return o;
}

static struct json_object *figures(struct ap_lp *lp,
				   const struct ap_cost_figures *f)
{
	struct json_object *o = json_object_new_object();

	if (o != NULL) {
		put(o, "mbps", num(lp, f->mbps));
		put(o, "cost", num(lp, f->cost));
		put(o, "cost_per_mbps", num(lp, f->cost_per_mbps));
		put(o, "utilization", num(lp, f->utilization));
		put(o, "unused_commit_mbps", num(lp, f->unused_commit_mbps));
	}
	return o;
}

static struct json_object *json_link(struct ap_lp *lp,
				     const struct ap_cost_link_report *l)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	put(o, "name", json_object_new_string(l->name));
	put(o, "kind", json_object_new_string(ap_cost_kind_name(l->kind)));
	put(o, "port_capacity_mbps", num(lp, l->port_capacity_mbps));
	put(o, "max_utilization", num(lp, l->max_utilization));
	put(o, "usable_mbps", num(lp, l->usable_mbps));
	put(o, "baseline", figures(lp, &l->baseline));
	put(o, "plan", figures(lp, &l->plan));
	/* The plan's, at the top level as the issue lists them. */
	put(o, "utilization", num(lp, l->plan.utilization));
	put(o, "unused_commit_mbps", num(lp, l->plan.unused_commit_mbps));
	put(o, "breakeven_mbps", num(lp, l->breakeven_mbps));
	put(o, "peering_saving", num(lp, l->peering_saving));
	return o;
}

/* With --from-state: source of candidate (d, link l), into co. */
static void json_source(struct ap_lp *lp, struct json_object *co,
			const struct cost_state *cs, size_t dest, size_t l)
{
	const struct cost_cand_info *ci = &cs->info[dest * cs->n_links + l];
	struct json_object *o;

	if (ci->source == COST_SRC_STATE) {
		put(co, "source", json_object_new_string("state"));
		put(co, "results", json_object_new_int64(ci->results));
		return;
	}
	put(co, "source", json_object_new_string("config"));
	if (!ci->state_usable)
		return;
	/* What the operator's figures replaced, to show both sides. */
	o = json_object_new_object();
	if (o == NULL)
		return;
	put(o, "rtt_ms", num(lp, ci->rtt_ms));
	put(o, "loss_pct", num(lp, ci->loss_pct));
	put(o, "results", json_object_new_int64(ci->results));
	put(co, "overrides_state", o);
}

/* With --from-state: the destination's msm_ids and what they gave. */
static void json_dest_state(struct json_object *o,
			    const struct ap_config_dest *cd,
			    const struct cost_state *cs, size_t dest)
{
	struct json_object *ids = json_object_new_array();

	for (size_t i = 0; ids != NULL && i < cd->n_msm_ids; i++)
		json_object_array_add(ids,
				      json_object_new_int64(cd->msm_ids[i]));
	put(o, "msm_ids", ids);
	put(o, "state_results", json_object_new_int64(cs->dest_results[dest]));
	put(o, "state_candidates",
	    json_object_new_int64((int64_t)cs->dest_usable[dest]));
}

static struct json_object *json_dest(struct ap_lp *lp,
				     const struct ap_cost_report *r,
				     const struct ap_cost_dest_report *d,
				     const struct ap_config *cfg,
				     const struct cost_state *cs)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ex = json_object_new_object();
	struct json_object *cand = json_object_new_object();
	size_t l;

	if (o == NULL || ex == NULL || cand == NULL) {
		json_object_put(o);
		json_object_put(ex);
		json_object_put(cand);
		return NULL;
	}
	put(o, "id", json_object_new_string(d->id));
	put(o, "traffic_mbps", num(lp, d->traffic_mbps));
	put(o, "current_link",
	    json_object_new_string(r->links[d->current_link].name));
	put(o, "recommended_link",
	    json_object_new_string(r->links[d->recommended_link].name));
	put(o, "reason",
	    json_object_new_string(ap_cost_reason_name(d->reason)));
	put(o, "rtt_delta_ms", num(lp, d->rtt_delta_ms));
	put(o, "loss_delta_pct", num(lp, d->loss_delta_pct));
	put(o, "best_rtt_ms", num(lp, d->best_rtt_ms));
	put(o, "marginal_cost", num(lp, d->marginal_cost));
	put(o, "slo_forgone_saving", num(lp, d->slo_forgone_saving));
	for (l = 0; l < r->n_links; l++) {
		const struct ap_cost_choice *c = &d->links[l];
		struct json_object *co;

		if (c->verdict == AP_COST_UNMEASURED)
			continue;
		if (c->verdict != AP_COST_ELIGIBLE)
			put(ex, r->links[l].name,
			    json_object_new_string(
				    ap_cost_verdict_name(c->verdict)));
		co = json_object_new_object();
		if (co == NULL)
			continue;
		put(co, "rtt_ms", num(lp, c->rtt_ms));
		put(co, "loss_pct", num(lp, c->loss_pct));
		put(co, "verdict", json_object_new_string(
					   ap_cost_verdict_name(c->verdict)));
		put(co, "delta_cost", num(lp, c->delta_cost));
		if (cs != NULL)
			json_source(lp, co, cs, d->input_index, l);
		put(cand, r->links[l].name, co);
	}
	put(o, "excluded", ex);
	put(o, "candidates", cand);
	if (cs != NULL)
		json_dest_state(o, &cfg->destinations[d->input_index], cs,
				d->input_index);
	return o;
}

/* With --from-state: what was read and who got nothing from it. */
static struct json_object *json_state(const struct ap_config *cfg,
				      const struct cost_state *cs)
{
	struct json_object *o = json_object_new_object();
	struct json_object *none = json_object_new_array();

	if (o == NULL || none == NULL) {
		json_object_put(o);
		json_object_put(none);
		return NULL;
	}
	put(o, "state_dir", json_object_new_string(cs->dir));
	put(o, "window_s", json_object_new_int64(cs->window_s));
	put(o, "from", json_object_new_int64(cs->now - cs->window_s));
	put(o, "to", json_object_new_int64(cs->now));
	for (size_t i = 0; i < cfg->n_destinations; i++)
		if (cfg->destinations[i].n_msm_ids > 0 &&
		    cs->dest_usable[i] == 0)
			json_object_array_add(
				none, json_object_new_string(
					      cfg->destinations[i].id));
	put(o, "no_data", none);
	return o;
}

static struct json_object *json_report(struct ap_lp *lp, const char *path,
				       const struct ap_cost_report *r,
				       const struct ap_config *cfg,
				       const struct cost_state *cs)
{
	const struct ap_cost_totals *t = &r->totals;
	struct json_object *o, *slo, *tot, *links, *dests;
	size_t i;

	o = json_object_new_object();
	slo = json_object_new_object();
	tot = json_object_new_object();
	links = json_object_new_array();
	dests = json_object_new_array();
	if (o == NULL || slo == NULL || tot == NULL || links == NULL ||
	    dests == NULL) {
		json_object_put(o);
		json_object_put(slo);
		json_object_put(tot);
		json_object_put(links);
		json_object_put(dests);
		return NULL;
	}
	put(o, "file", json_object_new_string(path));
	if (cs != NULL)
		put(o, "state", json_state(cfg, cs));
	put(o, "currency", json_object_new_string(r->currency));
	put(slo, "max_rtt_delta_ms", num(lp, r->max_rtt_delta_ms));
	put(slo, "max_loss_pct", num(lp, r->max_loss_pct));
	put(o, "slo", slo);
	put(o, "default_max_utilization", num(lp, r->default_max_utilization));
	put(o, "reference_transit_price", num(lp, r->reference_transit_price));
	put(o, "reference_transit_price_source",
	    isnan(r->reference_transit_price)
		    ? NULL
		    : json_object_new_string(r->reference_configured
						     ? "configured"
						     : "min_transit_overage"));
	put(tot, "mbps", num(lp, t->mbps));
	put(tot, "baseline_cost", num(lp, t->baseline_cost));
	put(tot, "plan_cost", num(lp, t->plan_cost));
	put(tot, "monthly_saving", num(lp, t->monthly_saving));
	put(tot, "blended_cost_per_mbps",
	    pair(lp, t->baseline_blended_cost_per_mbps,
		 t->plan_blended_cost_per_mbps));
	put(tot, "weighted_rtt_ms",
	    pair(lp, t->baseline_weighted_rtt_ms, t->plan_weighted_rtt_ms));
	put(tot, "rtt_unknown_mbps",
	    pair(lp, t->baseline_rtt_unknown_mbps, t->plan_rtt_unknown_mbps));
	put(tot, "slo_forgone_saving", num(lp, t->slo_forgone_saving));
	put(o, "totals", tot);
	for (i = 0; i < r->n_links; i++)
		json_object_array_add(links, json_link(lp, &r->links[i]));
	put(o, "links", links);
	for (i = 0; i < r->n_dests; i++)
		json_object_array_add(dests,
				      json_dest(lp, r, &r->dests[i], cfg, cs));
	put(o, "destinations", dests);
	return o;
}

static int print_json(const char *path, const struct ap_cost_report *r,
		      const struct ap_config *cfg, const struct cost_state *cs)
{
	struct ap_lp *lp = NULL;
	struct json_object *o = NULL;
	struct ap_err err;
	const char *text;
	int rc = 1;

	ap_err_clear(&err);
	if (ap_lp_new(&lp, &err) != AP_OK) {
		log_msg(LOG_ERROR, "cost: %s", err.msg);
		goto out;
	}
	o = json_report(lp, path, r, cfg, cs);
	text = NULL;
	if (o != NULL)
		text = json_object_to_json_string_ext(
			o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
				   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text == NULL) {
		log_msg(LOG_ERROR, "cost: out of memory");
		goto out;
	}
	printf("%s\n", text);
	rc = 0;
out:
	json_object_put(o);
	ap_lp_free(lp);
	return rc;
}

/* ------------------------------------------------------------------ */

/* Warnings about a legal file the report can only partly answer. */
static void warn(const char *path, const struct ap_cost_report *r)
{
	size_t i;

	if (r->n_dests == 0)
		log_msg(LOG_WARN,
			"%s: key 'destinations': none given: every link "
			"carries 0 Mbps",
			path);
	if (!isnan(r->reference_transit_price))
		return;
	for (i = 0; i < r->n_links; i++) {
		if (r->links[i].kind != AP_COST_TRANSIT) {
			log_msg(LOG_WARN,
				"%s: key 'reference_transit_price': null and "
				"no transit link to take it from: no "
				"break-even for peering/PNI links",
				path);
			return;
		}
	}
}

/* --window's value: a positive number of seconds (or a duration). */
static int parse_window(const char *text, int64_t *out)
{
	struct ap_err err;

	ap_err_clear(&err);
	if (text == NULL) {
		log_msg(LOG_ERROR, "cost: --window needs a value (see "
				   "atlasperf cost --help)");
		return 2;
	}
	if (ap_config_parse_duration(text, out, &err) != AP_OK || *out <= 0) {
		log_msg(LOG_ERROR,
			"cost: --window '%s': not a positive number of "
			"seconds (see atlasperf cost --help)",
			text);
		return 2;
	}
	return 0;
}

/* Warnings about --from-state input that can only partly answer. */
static void warn_state(const char *path, const struct ap_config *cfg,
		       int64_t window_s)
{
	size_t i;

	for (i = 0; i < cfg->n_destinations; i++)
		if (cfg->destinations[i].n_msm_ids > 0)
			break;
	if (i == cfg->n_destinations)
		log_msg(LOG_WARN,
			"%s: key 'destinations': no destination has msm_ids: "
			"--from-state has nothing to read",
			path);
	/* Likely a typo, or a file that is not the collector's: nothing
	 * collects such a measurement with this file, so it cannot have a
	 * summary here, which the report would only show as "no data". */
	for (i = 0; i < cfg->n_destinations; i++) {
		const struct ap_config_dest *d = &cfg->destinations[i];

		for (size_t j = 0; j < d->n_msm_ids; j++)
			if (ap_config_find_msm(cfg, d->msm_ids[j]) == NULL)
				log_msg(LOG_WARN,
					"%s: key 'destinations[%zu].msm_ids[%zu]"
					"': measurement %" PRId64 " is not in "
					"'measurements': this file does not "
					"collect it",
					path, i, j, d->msm_ids[j]);
	}
	if (window_s > cfg->late_results_horizon_s)
		log_msg(LOG_WARN,
			"cost: --window %" PRId64 " s is longer than "
			"late_results_horizon (%" PRId64 " s): the state "
			"holds no older results",
			window_s, cfg->late_results_horizon_s);
}

int cmd_cost(int argc, char **argv)
{
	struct ap_config *cfg = NULL;
	struct ap_cost_model *model = NULL;
	struct ap_cost_report *report = NULL;
	struct cost_state state;
	const struct cost_state *cs = NULL;
	struct ap_err err;
	const char *path = NULL;
	int64_t window_s = 0;
	int i, json = 0, files_only = 0, from_state = 0, rc = 1;

	memset(&state, 0, sizeof(state));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!files_only) {
			if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
				fputs(USAGE, stdout);
				return 0;
			}
			if (strcmp(a, "--json") == 0) {
				json = 1;
				continue;
			}
			if (strcmp(a, "--from-state") == 0) {
				from_state = 1;
				continue;
			}
			if (strcmp(a, "--window") == 0 ||
			    strncmp(a, "--window=", 9) == 0) {
				const char *v = a[8] == '=' ? a + 9
							    : argv[i + 1];

				if (a[8] != '=' && v != NULL)
					i++;
				if (parse_window(v, &window_s) != 0)
					return 2;
				continue;
			}
			if (strcmp(a, "--") == 0) {
				files_only = 1;
				continue;
			}
			if (a[0] == '-' && a[1] != '\0') {
				log_msg(LOG_ERROR,
					"cost: unknown option '%s' (see "
					"atlasperf cost --help)",
					a);
				return 2;
			}
		}
		if (path != NULL) {
			log_msg(LOG_ERROR, "cost: more than one FILE (see "
					   "atlasperf cost --help)");
			return 2;
		}
		path = a;
	}
	if (path == NULL) {
		log_msg(LOG_ERROR,
			"cost: no FILE given (see atlasperf cost --help)");
		return 2;
	}
	if (window_s > 0 && !from_state) {
		log_msg(LOG_ERROR, "cost: --window needs --from-state (see "
				   "atlasperf cost --help)");
		return 2;
	}
	ap_err_clear(&err);
	if (ap_config_load_file(path, &cfg, &err) != AP_OK ||
	    ap_cost_model_from_config(cfg, &model, &err) != AP_OK) {
		log_msg(LOG_ERROR, "%s", err.msg);
		goto out;
	}
	if (model->n_links == 0) {
		log_msg(LOG_ERROR,
			"%s: key 'links': no links given: the cost model "
			"needs at least one",
			path);
		goto out;
	}
	if (from_state) {
		if (window_s == 0)
			window_s = cfg->late_results_horizon_s;
		warn_state(path, cfg, window_s);
		if (cost_state_build(cfg, model, (int64_t)time(NULL), window_s,
				     &state, &err) != AP_OK) {
			log_msg(LOG_ERROR, "%s: %s", path, err.msg);
			goto out;
		}
		cs = &state;
	}
	if (ap_cost_report_new(cs != NULL ? &cs->model : model, &report,
			       &err) != AP_OK) {
		log_msg(LOG_ERROR, "%s: %s", path, err.msg);
		goto out;
	}
	warn(path, report);
	if (json) {
		if (print_json(path, report, cfg, cs) != 0)
			goto out;
	} else {
		print_text(path, report, cfg, cs);
	}
	if (fflush(stdout) != 0) {
		log_msg(LOG_ERROR, "cannot write to stdout: %s",
			strerror(errno));
		goto out;
	}
	rc = 0;
out:
	cost_state_free(&state);
	ap_cost_report_free(report);
	ap_cost_model_free(model);
	ap_config_free(cfg);
	return rc;
}

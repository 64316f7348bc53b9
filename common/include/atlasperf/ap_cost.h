/* SPDX-License-Identifier: MIT */
/*
 * ap_cost: the peering/transit cost model of ANALYSIS.md section 6, written
 * as pure functions: monthly cost of a link at a billed load, 95th-
 * percentile billing from raw samples, break-even, and the greedy plan that
 * moves each destination to the cheapest link meeting the SLO and the
 * headroom rule. No I/O, no global state. docs/cost-model.md explains it.
 */
#ifndef ATLASPERF_AP_COST_H
#define ATLASPERF_AP_COST_H

#include <stdbool.h>
#include <stddef.h>

#include "atlasperf/ap_err.h"

struct ap_config;

/*
 * Units throughout: traffic and capacity in Mbps (one billed direction),
 * money per calendar month in the model's currency, RTT in ms, loss in
 * percent (0..100). "No value" is NaN (JSON null on output).
 */

/* Kind of link; the same three as links[].kind in the config. */
enum ap_cost_kind {
	AP_COST_TRANSIT = 0, /* billed: commit plus overage */
	AP_COST_PEERING,     /* IXP port: fixed cost (plus a price if paid) */
	AP_COST_PNI          /* private interconnect: like peering */
};

/* One egress link and its contract (ANALYSIS.md 6.1). */
struct ap_cost_link {
	const char *name;              /* unique, non-empty; borrowed */
	enum ap_cost_kind kind;
	double commit_mbps;            /* >= 0 */
	double price_per_mbps;         /* >= 0, charged on the commit */
	double overage_price_per_mbps; /* >= 0, per Mbps above the commit */
	double fixed_monthly;          /* >= 0: port, cross-connect, colo... */
	double port_capacity_mbps;     /* > 0 */
	double max_utilization;        /* (0, 1]; NaN = model default */
};

/* What one link measured towards one destination: a candidate. */
struct ap_cost_candidate {
	const char *link; /* names a link of the model; borrowed */
	double rtt_ms;    /* >= 0 */
	double loss_pct;  /* 0..100 */
};

/*
 * Traffic to place. Only measured links are candidates. The current link
 * need not be measured: the destination can still stay on it, and its
 * RTT and loss deltas are then NaN (unknown).
 */
struct ap_cost_dest {
	const char *id;           /* ASN or prefix, for output; borrowed */
	double traffic_mbps;      /* >= 0, its share of the billed p95 */
	const char *current_link; /* names a link of the model; borrowed */
	const struct ap_cost_candidate *candidates; /* n_candidates */
	size_t n_candidates;
};

/*
 * The whole model input. Everything is borrowed: the caller keeps the
 * arrays and strings alive while functions below run on the model. Ids
 * need not be unique here (ap_config insists that they are); link names
 * must be.
 */
struct ap_cost_model {
	const char *currency;           /* label only; NULL reads "EUR" */
	double max_rtt_delta_ms;        /* SLO: rtt <= best + this; >= 0 */
	double max_loss_pct;            /* SLO: loss <= this; 0..100 */
	double default_max_utilization; /* (0, 1] */
	double reference_transit_price; /* >= 0; NaN = min transit overage */
	const struct ap_cost_link *links;
	size_t n_links;
	const struct ap_cost_dest *dests;
	size_t n_dests;
};

/* Figures of one link at one billed load. */
struct ap_cost_figures {
	double mbps;               /* billed load B */
	double cost;               /* cost_l(B) */
	double cost_per_mbps;      /* cost / B; NaN when B == 0 */
	double utilization;        /* B / port capacity, 0..(above 1) */
	double unused_commit_mbps; /* max(0, commit - B); NaN unless transit */
};

/* A link as the plan saw it. */
struct ap_cost_link_report {
	char *name;                /* copy, owned by the report */
	enum ap_cost_kind kind;
	double port_capacity_mbps;
	double max_utilization;    /* the one in force (own or default) */
	double usable_mbps;        /* max_utilization * capacity */
	double breakeven_mbps;     /* see ap_cost_breakeven_mbps(); NaN */
	/* Norton's saving of this peering/PNI port against sending its plan
	 * traffic over transit at p_ref: (plan.mbps - breakeven) *
	 * (p_ref - price). Negative below break-even ("peering risk"); NaN
	 * for transit or when break-even is NaN. Per month. */
	double peering_saving;
	struct ap_cost_figures baseline; /* every destination on current */
	struct ap_cost_figures plan;     /* after the greedy plan */
};

/* How one link fared for one destination (ANALYSIS.md 6.2 step 2). */
enum ap_cost_verdict {
	AP_COST_UNMEASURED = 0, /* not a candidate: no measurement */
	AP_COST_ELIGIBLE,       /* in cap_ok */
	AP_COST_EXCLUDED_LOSS,  /* loss_pct > max_loss_pct */
	AP_COST_EXCLUDED_RTT,   /* rtt_ms > best + max_rtt_delta_ms */
	AP_COST_EXCLUDED_CAPACITY /* load + T > usable capacity */
};

/* One link's view of one destination at the moment it was placed. */
struct ap_cost_choice {
	enum ap_cost_verdict verdict;
	double rtt_ms;     /* measured; NaN when unmeasured */
	double loss_pct;   /* measured; NaN when unmeasured */
	double load_mbps;  /* plan load of the link before this destination */
	double delta_cost; /* cost_l(load + T) - cost_l(load), per month */
};

/* Why a destination went where it went. */
enum ap_cost_reason {
	AP_COST_LOWEST_COST = 0, /* min (delta cost, rtt, loss, name) */
	AP_COST_NO_ELIGIBLE_LINK /* cap_ok empty: kept on current_link */
};

/* The plan's decision for one destination. */
struct ap_cost_dest_report {
	char *id;                /* copy, owned by the report */
	size_t input_index;      /* position in model->dests */
	double traffic_mbps;
	size_t current_link;     /* index into report->links */
	size_t recommended_link; /* index into report->links */
	enum ap_cost_reason reason;
	double best_rtt_ms;      /* min RTT within loss_ok; NaN if empty */
	double rtt_delta_ms;     /* recommended - current; NaN if unknown */
	double loss_delta_pct;   /* recommended - current; NaN if unknown */
	double marginal_cost;    /* delta_cost of the recommended link */
	/* max(0, marginal_cost - min delta_cost over links excluded for
	 * loss or rtt); 0 when none was: what meeting the SLO costs. */
	double slo_forgone_saving;
	struct ap_cost_choice *links; /* n_links, in model link order */
};

/* Sums over all links and destinations. */
struct ap_cost_totals {
	double mbps;           /* sum of traffic_mbps */
	double baseline_cost;  /* sum of link costs, baseline */
	double plan_cost;      /* sum of link costs, plan */
	double monthly_saving; /* baseline_cost - plan_cost */
	double baseline_blended_cost_per_mbps; /* cost / mbps; NaN if 0 */
	double plan_blended_cost_per_mbps;
	/* sum(T * rtt) / sum(T) over destinations whose link (current, resp.
	 * recommended) was measured; NaN when that traffic is 0. */
	double baseline_weighted_rtt_ms;
	double plan_weighted_rtt_ms;
	double baseline_rtt_unknown_mbps; /* traffic left out of the above */
	double plan_rtt_unknown_mbps;
	double slo_forgone_saving; /* sum over destinations */
};

/* Result of ap_cost_report_new(). One allocation: free it whole. */
struct ap_cost_report {
	char *currency;                 /* copy */
	double max_rtt_delta_ms;        /* as in the model */
	double max_loss_pct;
	double default_max_utilization;
	double reference_transit_price; /* p_ref in force; NaN = none */
	bool reference_configured;      /* p_ref came from the model */
	struct ap_cost_link_report *links; /* n_links, in model order */
	size_t n_links;
	/* n_dests, in the order the plan placed them: traffic descending,
	 * ties by id (then by input position). */
	struct ap_cost_dest_report *dests;
	size_t n_dests;
	struct ap_cost_totals totals;
};

/*
 * Monthly cost of link at billed load B (Mbps):
 *   fixed + price * commit + overage * max(0, B - commit).
 * The one formula covers all kinds: settlement-free peering has no commit
 * and no price, so it costs its fixed part. NaN when link is NULL or B is
 * NaN or negative.
 */
double ap_cost_link_cost(const struct ap_cost_link *link, double billed_mbps);

/*
 * The per-link figures at billed load B (what the atlas_link metric
 * reports): cost, effective cost per Mbps, utilisation, unused commit.
 * max_utilization is not needed. Fills *out (all NaN when link is NULL or
 * B is NaN or negative).
 */
void ap_cost_link_figures(const struct ap_cost_link *link, double billed_mbps,
			  struct ap_cost_figures *out);

/*
 * Break-even traffic of a peering or PNI link against transit at p_ref:
 * fixed / (p_ref - price), in Mbps. NaN for transit, when p_ref is NaN,
 * or when p_ref <= price (the port never pays for itself).
 */
double ap_cost_breakeven_mbps(const struct ap_cost_link *link, double p_ref);

/*
 * p_ref of a model: reference_transit_price when set, else the lowest
 * overage_price_per_mbps of its transit links; NaN when neither exists.
 */
double ap_cost_reference_price(const struct ap_cost_model *model);

/*
 * Billed load from raw 5-minute rate samples (Mbps), ANALYSIS.md 1.1:
 * max(p95_in, p95_out), where p95 of N samples is the k-th smallest with
 * k = N - floor(N * 5 / 100) (= nearest rank ceil(0.95 N), in integers).
 * Samples that are NaN or infinite are skipped (a gap, not a zero). A
 * direction with no samples is left out. Returns NaN when neither has a
 * sample, or when a working copy cannot be allocated. The arrays are only
 * read (in or out may be NULL with a zero count).
 * Example: in = 10, 20, ..., 200 (20 samples), out = 50 x 20 -> 190.
 */
double ap_cost_billed_mbps(const double *in, size_t n_in, const double *out,
			   size_t n_out);

/*
 * Checks a hand-built model: finite values in range, unique non-empty
 * link names, destinations' current_link and candidate links naming a
 * link, no link measured twice for one destination. Messages name the
 * key ("key 'links[1].port_capacity_mbps': must be > 0"). Returns AP_OK
 * or AP_EINVAL; model is only read.
 */
enum ap_status ap_cost_model_check(const struct ap_cost_model *model,
				   struct ap_err *err);

/*
 * Builds the model from a loaded configuration (its currency, slo,
 * defaults, reference_transit_price, links and destinations) and adds the
 * checks only the cost model needs, which ap_config_validate() leaves
 * alone. When cfg came from YAML, a price the file does not give where it
 * is needed is an error naming the key and line:
 *   - a transit link with neither price_per_mbps nor
 *     overage_price_per_mbps;
 *   - any link with commit_mbps > 0 but no price_per_mbps.
 * (Writing 0 explicitly is accepted.) The model copies every string and
 * array it needs, so it does not depend on cfg afterwards. *out is NULL
 * on entry and stays NULL on failure; on success the caller frees it with
 * ap_cost_model_free(). Errors: AP_EINVAL (message
 * "FILE:LINE: key 'links[0].price_per_mbps': ..."), AP_ERANGE (sizes
 * overflow), AP_ENOMEM.
 */
enum ap_status ap_cost_model_from_config(const struct ap_config *cfg,
					 struct ap_cost_model **out,
					 struct ap_err *err);

/*
 * Frees a model made by ap_cost_model_from_config() (never a hand-built
 * one). NULL is a no-op.
 */
void ap_cost_model_free(struct ap_cost_model *model);

/*
 * Runs the model: baseline (everyone on current_link) and the greedy plan
 * of ANALYSIS.md 6.2:
 *   1. destinations by traffic descending, ties by id;
 *   2. per destination with traffic T: loss_ok = candidates with
 *      loss <= max_loss_pct; best = min RTT in loss_ok; perf_ok = loss_ok
 *      with rtt <= best + max_rtt_delta_ms; cap_ok = perf_ok with
 *      load + T <= u * capacity (inclusive; u = the link's
 *      max_utilization or the default); empty cap_ok keeps current_link
 *      (AP_COST_NO_ELIGIBLE_LINK), else the min of (delta cost, rtt, loss,
 *      name) wins. T is added to the chosen link's load either way.
 * The bounds and the delta-cost tie allow a relative 1e-9 for binary
 * rounding (0.7 + 0.1 <= 0.8 holds). Runs ap_cost_model_check() first.
 * *out is NULL on entry and stays NULL on failure; on success the caller
 * frees it with ap_cost_report_free(); it copies every string it holds.
 * Errors: AP_EINVAL (see ap_cost_model_check()), AP_ERANGE (sizes
 * overflow), AP_ENOMEM.
 */
enum ap_status ap_cost_report_new(const struct ap_cost_model *model,
				  struct ap_cost_report **out,
				  struct ap_err *err);

/* Frees a report; NULL is a no-op. */
void ap_cost_report_free(struct ap_cost_report *report);

/* "transit", "peering", "pni"; static text, never NULL. */
const char *ap_cost_kind_name(enum ap_cost_kind kind);

/* "loss", "rtt", "capacity", "eligible", "unmeasured"; static text. */
const char *ap_cost_verdict_name(enum ap_cost_verdict verdict);

/* "lowest_cost", "no_eligible_link"; static text, never NULL. */
const char *ap_cost_reason_name(enum ap_cost_reason reason);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * cost_state: the measured side of `atlasperf cost FILE --from-state`.
 * For each destination with msm_ids, a per-link candidate (p50 RTT,
 * pooled loss) from the collector's window summaries in state_dir, with
 * exactly the rules and code of the atlas_link metric (ap_link_gather,
 * ap_link_perf_of); the destination's `measurements` in the YAML win over
 * the state for the same link. The state is only read.
 */
#ifndef ATLASPERF_COST_STATE_H
#define ATLASPERF_COST_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atlasperf/ap_config.h"
#include "atlasperf/ap_cost.h"
#include "atlasperf/ap_err.h"

/* Where one candidate of a destination came from. */
enum cost_source {
	COST_SRC_NONE = 0, /* not a candidate */
	COST_SRC_CONFIG,   /* destinations[].measurements */
	COST_SRC_STATE     /* the summaries of destinations[].msm_ids */
};

/* One (destination, link) pair. */
struct cost_cand_info {
	enum cost_source source;
	/* What the state gave for the pair, whether it became the candidate
	 * or was overridden by the YAML: */
	bool state_usable;   /* >= 1 result with an RTT, and sent > 0 */
	int64_t results;     /* results matched (0 = none) */
	double rtt_ms;       /* p50 of their RTTs; NaN unless usable */
	double loss_pct;     /* pooled loss; NaN unless usable */
};

struct cost_state {
	const char *dir;  /* cfg->state_dir, borrowed */
	int64_t now;      /* Unix seconds: the window's end */
	int64_t window_s; /* results with now - window_s <= ts <= now */
	size_t n_links;   /* = model->n_links */
	size_t n_dests;   /* = model->n_dests */
	/* The input model with every destination's candidates merged;
	 * borrows from the input model and from the arrays below. */
	struct ap_cost_model model;
	struct ap_cost_dest *dests;
	struct ap_cost_candidate *cands;    /* n_dests * n_links slots */
	struct cost_cand_info *info;        /* [dest * n_links + link] */
	int64_t *dest_results;  /* per destination: results matched a link */
	size_t *dest_usable;    /* per destination: links usable from state */
};

/*
 * Builds *out (zeroed on entry) from the configuration cfg and the model
 * made from it (ap_cost_model_from_config(cfg), same link and destination
 * order). Reads state_dir/msm-<id>.agg of every msm id named by a
 * destination, once each, read-only; a missing file is no data. Errors:
 * AP_EIO (state_dir unreadable, a file unreadable), AP_EPARSE (a damaged
 * file, named with its line), AP_EINVAL (a merged candidate the model
 * rejects), AP_ENOMEM; err says which. Free *out with cost_state_free()
 * either way.
 */
enum ap_status cost_state_build(const struct ap_config *cfg,
				const struct ap_cost_model *model, int64_t now,
				int64_t window_s, struct cost_state *out,
				struct ap_err *err);

/* Frees what cost_state_build() allocated; a zeroed *s is fine. */
void cost_state_free(struct cost_state *s);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * cost_state: per-link candidates of `atlasperf cost --from-state` from
 * the collector's summaries. cost_state.h gives the contract; the figures
 * themselves are ap_link's (the atlas_link metric), so that a dashboard
 * and the cost report never disagree about the same samples.
 */
#include "cost_state.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atlasperf/ap_agg.h"
#include "atlasperf/ap_link.h"

/*
 * Window length given to ap_agg_load. Only the window bookkeeping of a
 * summary depends on it, and this reader looks at samples alone, which
 * ap_agg_load keeps whatever the interval (options need not match the
 * file's). Any valid value would do.
 */
#define READ_INTERVAL_S 60

/* One measurement's summaries, loaded once for every destination. */
struct loaded {
	int64_t id;
	struct ap_agg *agg; /* never NULL once loaded (missing = empty) */
};

static int loaded_cmp(const void *a, const void *b)
{
	const struct loaded *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static struct ap_agg *find_loaded(struct loaded *v, size_t n, int64_t id)
{
	struct loaded key = {id, NULL};
	struct loaded *hit = bsearch(&key, v, n, sizeof(*v), loaded_cmp);

	return hit != NULL ? hit->agg : NULL;
}

/* Every distinct msm id of the destinations, sorted, each loaded. */
static enum ap_status load_all(const struct ap_config *cfg,
			       struct loaded **out, size_t *n_out,
			       struct ap_err *err)
{
	struct ap_agg_opts o;
	struct loaded *v = NULL;
	size_t n = 0, k = 0, i, j;
	enum ap_status st = AP_OK;

	*out = NULL;
	*n_out = 0;
	for (i = 0; i < cfg->n_destinations; i++) {
		if (cfg->destinations[i].n_msm_ids > SIZE_MAX / sizeof(*v) - n)
			return ap_err_set(err, AP_ENOMEM, "too many msm_ids");
		n += cfg->destinations[i].n_msm_ids;
	}
	if (n == 0)
		return AP_OK;
	v = calloc(n, sizeof(*v));
	if (v == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	for (i = 0; i < cfg->n_destinations; i++)
		for (j = 0; j < cfg->destinations[i].n_msm_ids; j++)
			v[k++].id = cfg->destinations[i].msm_ids[j];
	qsort(v, n, sizeof(*v), loaded_cmp);
	for (i = k = 0; i < n; i++)
		if (k == 0 || v[k - 1].id != v[i].id)
			v[k++] = v[i];
	ap_agg_opts_init(&o);
	o.interval_s = READ_INTERVAL_S;
	/* What the collector keeps: nothing older is in the file anyway. */
	o.horizon_s = cfg->late_results_horizon_s;
	for (i = 0; i < k && st == AP_OK; i++)
		st = ap_agg_load(cfg->state_dir, v[i].id, &o, &v[i].agg, err);
	/* Never ap_agg_save: this command must not touch the state. */
	*out = v;
	*n_out = k;
	return st;
}

static void free_loaded(struct loaded *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ap_agg_free(v[i].agg);
	free(v);
}

static size_t link_index(const struct ap_cost_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_links; i++)
		if (strcmp(m->links[i].name, name) == 0)
			return i;
	return m->n_links;
}

/* Fills s->info for destination di from the state (aggs[0..n)). */
static enum ap_status measure(const struct ap_config *cfg,
			      struct cost_state *s, size_t di,
			      const struct ap_agg *const *aggs, size_t n,
			      struct ap_agg_link_acc *acc, struct ap_err *err)
{
	const struct ap_cost_model *m = &s->model;

	for (size_t li = 0; li < s->n_links; li++) {
		struct cost_cand_info *ci = &s->info[di * s->n_links + li];
		struct ap_link_perf perf;
		enum ap_status st;

		st = ap_link_gather(cfg, m->links[li].name, aggs, n, s->now,
				    s->window_s, acc, err);
		if (st != AP_OK)
			return st;
		ap_link_perf_of(acc, &perf);
		ci->results = perf.results;
		s->dest_results[di] += perf.results;
		/* Both figures or none: a candidate needs an RTT and a loss
		 * (a link whose every result timed out has no RTT to rank,
		 * and counts as unmeasured, as in atlas_link). */
		if (perf.n_rtt == 0 || perf.sent <= 0)
			continue;
		ci->state_usable = true;
		ci->rtt_ms = perf.p50_ms;
		ci->loss_pct = perf.loss_pct;
		s->dest_usable[di]++;
	}
	return AP_OK;
}

/* The merged candidates of destination di: the YAML's, then the state's
 * for the links the YAML does not give (the operator's figures win). */
static void merge(struct cost_state *s, size_t di,
		  const struct ap_cost_dest *in)
{
	struct ap_cost_dest *d = &s->dests[di];
	struct ap_cost_candidate *c = &s->cands[di * s->n_links];
	size_t k = 0, li;

	*d = *in;
	for (size_t j = 0; j < in->n_candidates && k < s->n_links; j++) {
		li = link_index(&s->model, in->candidates[j].link);
		if (li < s->n_links)
			s->info[di * s->n_links + li].source = COST_SRC_CONFIG;
		c[k++] = in->candidates[j];
	}
	/* k stays <= n_links: the YAML names each link at most once
	 * (ap_config_validate), and the state fills only the others. */
	for (li = 0; li < s->n_links && k < s->n_links; li++) {
		struct cost_cand_info *ci = &s->info[di * s->n_links + li];

		if (ci->source != COST_SRC_NONE || !ci->state_usable)
			continue;
		ci->source = COST_SRC_STATE;
		c[k].link = s->model.links[li].name;
		c[k].rtt_ms = ci->rtt_ms;
		c[k].loss_pct = ci->loss_pct;
		k++;
	}
	d->candidates = k > 0 ? c : NULL;
	d->n_candidates = k;
}

enum ap_status cost_state_build(const struct ap_config *cfg,
				const struct ap_cost_model *model, int64_t now,
				int64_t window_s, struct cost_state *out,
				struct ap_err *err)
{
	struct ap_agg_link_acc acc;
	const struct ap_agg **aggs = NULL;
	struct loaded *loaded = NULL;
	size_t n_loaded = 0, nl = model->n_links, nd = model->n_dests, i, j;
	enum ap_status st;
	DIR *dir;

	memset(&acc, 0, sizeof(acc));
	out->dir = cfg->state_dir;
	out->now = now;
	out->window_s = window_s;
	out->n_links = nl;
	out->n_dests = nd;
	out->model = *model;
	if (nd != cfg->n_destinations || nl != cfg->n_links)
		return ap_err_set(err, AP_EINVAL,
				  "cost model does not match the configuration");
	/* Checked first, so that a wrong state_dir is one clear error
	 * rather than "no data" for every destination. */
	dir = opendir(cfg->state_dir);
	if (dir == NULL) {
		char eb[AP_ERRNO_TEXT];

		return ap_err_set(err, AP_EIO,
				  "cannot read state_dir '%s': %s (--from-state "
				  "reads the collector's summaries there)",
				  cfg->state_dir,
				  ap_errno_text(errno, eb, sizeof(eb)));
	}
	closedir(dir);
	if (nd == 0)
		return AP_OK;
	if (nl > 0 && nd > SIZE_MAX / nl / sizeof(*out->cands))
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	out->dests = calloc(nd, sizeof(*out->dests));
	out->cands = calloc(nd * (nl > 0 ? nl : 1), sizeof(*out->cands));
	out->info = calloc(nd * (nl > 0 ? nl : 1), sizeof(*out->info));
	out->dest_results = calloc(nd, sizeof(*out->dest_results));
	out->dest_usable = calloc(nd, sizeof(*out->dest_usable));
	if (out->dests == NULL || out->cands == NULL || out->info == NULL ||
	    out->dest_results == NULL || out->dest_usable == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	for (i = 0; i < nd * nl; i++) {
		out->info[i].rtt_ms = NAN;
		out->info[i].loss_pct = NAN;
	}
	st = load_all(cfg, &loaded, &n_loaded, err);
	for (i = 0; st == AP_OK && i < nd; i++) {
		const struct ap_config_dest *cd = &cfg->destinations[i];

		if (cd->n_msm_ids > 0) {
			free(aggs);
			aggs = calloc(cd->n_msm_ids, sizeof(*aggs));
			if (aggs == NULL) {
				st = ap_err_set(err, AP_ENOMEM,
						"out of memory");
				break;
			}
			for (j = 0; j < cd->n_msm_ids; j++)
				aggs[j] = find_loaded(loaded, n_loaded,
						      cd->msm_ids[j]);
			st = measure(cfg, out, i, aggs, cd->n_msm_ids, &acc,
				     err);
		}
		if (st == AP_OK)
			merge(out, i, &model->dests[i]);
	}
	if (st == AP_OK) {
		out->model.dests = out->dests;
		/* A state figure the model cannot take (a negative RTT in a
		 * hand-edited file, say) is reported here, not mid-plan. */
		st = ap_cost_model_check(&out->model, err);
	}
	free(aggs);
	free(acc.rtt_ms);
	free_loaded(loaded, n_loaded);
	return st;
}

void cost_state_free(struct cost_state *s)
{
	free(s->dests);
	free(s->cands);
	free(s->info);
	free(s->dest_results);
	free(s->dest_usable);
	memset(s, 0, sizeof(*s));
}

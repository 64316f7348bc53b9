/* SPDX-License-Identifier: MIT */
/*
 * ap_agg: per-window summaries across probes. Options, samples (one per
 * result), window records with pending/committed state, the horizon.
 * Emission is in agg_emit.c, persistence in agg_file.c; docs/summaries.md
 * states every rule.
 */
#include "atlasperf/ap_agg.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agg_int.h"
#include "convert_int.h"
#include "probe_ts_hash_int.h"

/* Counts beyond this are not plausible Atlas data; such a result adds no
 * packets (keeps every sum far from int64 overflow). */
#define MAX_PACKETS INT64_C(1000000)

static const char *const dim_names[AP_AGG_MAX_DIMS] = {"probe_asn",
						       "probe_cc", "link"};

void ap_agg_opts_init(struct ap_agg_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->interval_s = 0;
	o->horizon_s = 7200;
	o->n_group_by = 0;
}

enum ap_status ap_agg_dim_parse(const char *name, enum ap_agg_dim *out)
{
	for (int i = 0; i < AP_AGG_MAX_DIMS; i++) {
		if (name != NULL && strcmp(name, dim_names[i]) == 0) {
			*out = (enum ap_agg_dim)i;
			return AP_OK;
		}
	}
	return AP_EINVAL;
}

const char *ap_agg_dim_name(enum ap_agg_dim dim)
{
	if ((int)dim < 0 || (int)dim >= AP_AGG_MAX_DIMS)
		return "?";
	return dim_names[dim];
}

const char *agg_kind_name(int kind)
{
	return kind == AGG_TRACE ? "traceroute" : "ping";
}

static enum ap_status check_opts(const struct ap_agg_opts *o,
				 struct ap_err *err)
{
	bool seen[AP_AGG_MAX_DIMS] = {false, false, false};

	if (o->interval_s < 1 || o->interval_s > AP_AGG_MAX_INTERVAL_S)
		return ap_err_set(err, AP_EINVAL,
				  "summary interval %" PRId64 " s out of range "
				  "(1..%" PRId64 ")",
				  o->interval_s, AP_AGG_MAX_INTERVAL_S);
	if (o->horizon_s < 0 && o->horizon_s != AP_AGG_HORIZON_NONE)
		return ap_err_set(err, AP_EINVAL,
				  "summary horizon %" PRId64 " s is negative",
				  o->horizon_s);
	if (o->horizon_s > AGG_MAX_TS)
		return ap_err_set(err, AP_EINVAL,
				  "summary horizon %" PRId64 " s too large",
				  o->horizon_s);
	if (o->n_group_by > AP_AGG_MAX_DIMS)
		return ap_err_set(err, AP_EINVAL, "group_by: too many entries");
	for (size_t i = 0; i < o->n_group_by; i++) {
		int d = (int)o->group_by[i];

		if (d < 0 || d >= AP_AGG_MAX_DIMS)
			return ap_err_set(err, AP_EINVAL,
					  "group_by: unknown dimension %d", d);
		if (seen[d])
			return ap_err_set(err, AP_EINVAL,
					  "group_by: %s given twice",
					  dim_names[d]);
		seen[d] = true;
	}
	return AP_OK;
}

enum ap_status ap_agg_new(struct ap_agg **out, int64_t msm_id,
			  const struct ap_agg_opts *o, struct ap_err *err)
{
	struct ap_agg *a;
	enum ap_status st;

	*out = NULL;
	if (msm_id <= 0)
		return ap_err_set(err, AP_EINVAL, "invalid msm_id %" PRId64,
				  msm_id);
	st = check_opts(o, err);
	if (st != AP_OK)
		return st;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	a->msm_id = msm_id;
	a->o = *o;
	a->floor = INT64_MIN;
	*out = a;
	return AP_OK;
}

void ap_agg_free(struct ap_agg *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->nstr; i++)
		free(a->str[i]);
	free(a->str);
	free(a->sorted);
	free(a->s);
	free(a->slots);
	free(a->w);
	free(a);
}

bool ap_agg_restored(const struct ap_agg *a)
{
	return a->restored;
}

int64_t ap_agg_msm_id(const struct ap_agg *a)
{
	return a->msm_id;
}

size_t ap_agg_sample_count(const struct ap_agg *a)
{
	return a->n;
}

int64_t ap_agg_floor(const struct ap_agg *a)
{
	return a->floor;
}

/* ---- time ----------------------------------------------------------- */

/* Floor division: the window of a negative time starts before it too
 * (only the floor arithmetic ever sees one). */
int64_t agg_window_start(const struct ap_agg *a, int64_t ts)
{
	int64_t i = a->o.interval_s;
	int64_t m = ts % i;

	if (m < 0)
		m += i;
	return ts - m;
}

int64_t agg_keep_from(const struct ap_agg *a)
{
	if (a->floor == INT64_MIN)
		return INT64_MIN;
	return a->floor - a->o.interval_s;
}

void ap_agg_set_floor(struct ap_agg *a, int64_t ts)
{
	int64_t f;

	if (ts > AGG_MAX_TS)
		ts = AGG_MAX_TS;
	if (ts < -AGG_MAX_TS)
		return;
	f = agg_window_start(a, ts);
	if (f < ts)
		f += a->o.interval_s; /* the first boundary at or after ts */
	if (a->floor == INT64_MIN || f > a->floor)
		a->floor = f;
	/* Samples and windows below the new bound go at the next commit;
	 * until then they are never emitted (start < floor). */
}

/* ---- interned group values ------------------------------------------ */

/* Position in a->sorted where s is or would go; *found says which. */
static size_t str_pos(const struct ap_agg *a, const char *s, bool *found)
{
	size_t lo = 0, hi = a->nstr;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(a->str[a->sorted[mid]], s);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

enum ap_status agg_intern(struct ap_agg *a, const char *s, uint32_t *key)
{
	bool found;
	size_t pos = str_pos(a, s, &found);
	char *copy;

	if (found) {
		*key = a->sorted[pos] + 1;
		return AP_OK;
	}
	if (a->nstr >= UINT32_MAX - 1)
		return AP_ENOMEM;
	if (a->nstr == a->strcap) {
		size_t nc = a->strcap ? a->strcap * 2 : 16;
		char **ns = realloc(a->str, nc * sizeof(*ns));
		uint32_t *no;

		if (ns == NULL)
			return AP_ENOMEM;
		a->str = ns;
		no = realloc(a->sorted, nc * sizeof(*no));
		if (no == NULL)
			return AP_ENOMEM;
		a->sorted = no;
		a->strcap = nc;
	}
	copy = strdup(s);
	if (copy == NULL)
		return AP_ENOMEM;
	a->str[a->nstr] = copy;
	memmove(&a->sorted[pos + 1], &a->sorted[pos],
		(a->nstr - pos) * sizeof(*a->sorted));
	a->sorted[pos] = (uint32_t)a->nstr;
	a->nstr++;
	*key = a->sorted[pos] + 1;
	return AP_OK;
}

/* ---- (prb_id, ts) index --------------------------------------------- */

/* The slot holding (prb_id, ts), or the empty one where it would go. */
static size_t *slot_find(const struct ap_agg *a, int64_t prb_id, int64_t ts)
{
	size_t i = (size_t)probe_ts_hash(prb_id, ts) & (a->n_slots - 1);

	for (;;) {
		size_t *sl = &a->slots[i];

		if (*sl == 0)
			return sl;
		if (a->s[*sl - 1].prb_id == prb_id && a->s[*sl - 1].ts == ts)
			return sl;
		i = (i + 1) & (a->n_slots - 1);
	}
}

/* Rebuilds the index over s[0..n) with room for want samples. */
static enum ap_status index_rebuild(struct ap_agg *a, size_t want)
{
	size_t cap = 64;
	size_t *slots;

	while (cap < want * 2) {
		if (cap > SIZE_MAX / 4 / sizeof(*slots))
			return AP_ENOMEM;
		cap *= 2;
	}
	slots = calloc(cap, sizeof(*slots));
	if (slots == NULL)
		return AP_ENOMEM;
	free(a->slots);
	a->slots = slots;
	a->n_slots = cap;
	for (size_t i = 0; i < a->n; i++)
		*slot_find(a, a->s[i].prb_id, a->s[i].ts) = i + 1;
	return AP_OK;
}

/* ---- window records ------------------------------------------------- */

static int win_cmp(int kind, int af, int64_t start, const struct agg_win *w)
{
	if (kind != w->kind)
		return kind < w->kind ? -1 : 1;
	if (af != w->af)
		return af < w->af ? -1 : 1;
	if (start != w->start)
		return start < w->start ? -1 : 1;
	return 0;
}

static size_t win_pos(const struct ap_agg *a, int kind, int af, int64_t start,
		      bool *found)
{
	size_t lo = 0, hi = a->nw;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = win_cmp(kind, af, start, &a->w[mid]);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct agg_win *agg_win_find(const struct ap_agg *a, int kind, int af,
			     int64_t start)
{
	bool found;
	size_t pos = win_pos(a, kind, af, start, &found);

	return found ? &a->w[pos] : NULL;
}

static void mark_changed(struct agg_win *w)
{
	w->p_changed = true;
	w->p_emitted = false;
}

enum ap_status agg_insert(struct ap_agg *a, const struct agg_sample *x,
			  bool pending, bool *added)
{
	int64_t start = agg_window_start(a, x->ts);
	struct agg_win *w;
	size_t *sl;
	bool found;
	size_t pos;

	if (added != NULL)
		*added = false;
	/* Room first, so that a failure changes nothing. */
	if ((a->n + 1) * 2 > a->n_slots) {
		enum ap_status st = index_rebuild(a, a->n + 1);

		if (st != AP_OK)
			return st;
	}
	sl = slot_find(a, x->prb_id, x->ts);
	if (*sl != 0)
		return AP_OK; /* the first one stays */
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 256;
		struct agg_sample *ns;

		if (nc > SIZE_MAX / sizeof(*ns))
			return AP_ENOMEM;
		ns = realloc(a->s, nc * sizeof(*ns));
		if (ns == NULL)
			return AP_ENOMEM;
		a->s = ns;
		a->cap = nc;
	}
	pos = win_pos(a, x->kind, x->af, start, &found);
	if (!found) {
		if (a->nw == a->wcap) {
			size_t nc = a->wcap ? a->wcap * 2 : 16;
			struct agg_win *nw = realloc(a->w, nc * sizeof(*nw));

			if (nw == NULL)
				return AP_ENOMEM;
			a->w = nw;
			a->wcap = nc;
		}
		memmove(&a->w[pos + 1], &a->w[pos],
			(a->nw - pos) * sizeof(*a->w));
		memset(&a->w[pos], 0, sizeof(*a->w));
		a->w[pos].start = start;
		a->w[pos].kind = x->kind;
		a->w[pos].af = x->af;
		a->nw++;
	}
	w = &a->w[pos];
	a->s[a->n] = *x;
	*sl = ++a->n;
	if (!pending) {
		a->n_committed = a->n;
		w->n_committed++;
	} else {
		w->n_pending++;
		mark_changed(w);
		/* A traceroute is the "previous result" of the same probe's
		 * next one, which may sit in the next window. */
		if (x->kind == AGG_TRACE) {
			struct agg_win *next = agg_win_find(
				a, x->kind, x->af, start + a->o.interval_s);

			if (next != NULL)
				mark_changed(next);
		}
	}
	if (added != NULL)
		*added = true;
	return AP_OK;
}

/* ---- adding results ------------------------------------------------- */

static double finite_or_nan(double v)
{
	return isfinite(v) ? v : NAN;
}

enum ap_status ap_agg_add(struct ap_agg *a, const struct ap_result *r,
			  const struct ap_convert_opts *opts,
			  struct ap_err *err)
{
	const struct ap_result_base *b = &r->base;
	const char *vals[AP_AGG_MAX_DIMS] = {NULL, NULL, NULL};
	struct agg_sample x;
	enum ap_status st;

	if (b->msm_id != a->msm_id)
		return ap_err_set(err, AP_EINVAL,
				  "result of msm %" PRId64 " given to the "
				  "summaries of msm %" PRId64,
				  b->msm_id, a->msm_id);
	if (b->type != AP_RESULT_PING && b->type != AP_RESULT_TRACEROUTE)
		return AP_OK;
	if (b->timestamp < 0 || b->timestamp > AGG_MAX_TS ||
	    b->timestamp < agg_keep_from(a))
		return AP_OK;
	memset(&x, 0, sizeof(x));
	x.prb_id = b->prb_id;
	x.ts = b->timestamp;
	x.af = b->af == 6 ? 6 : 4; /* as the af tag of the points */
	if (b->type == AP_RESULT_PING) {
		const struct ap_ping *p = &r->u.ping;

		x.kind = AGG_PING;
		x.sent = p->sent;
		x.rcvd = p->rcvd;
		if (x.sent < 0 || x.rcvd < 0 || x.sent > MAX_PACKETS ||
		    x.rcvd > MAX_PACKETS) {
			x.sent = -1;
			x.rcvd = -1;
		} else if (x.rcvd > x.sent) {
			x.rcvd = x.sent; /* duplicates are not received */
		}
		x.rtt_ms = finite_or_nan(convert_ping_median_ms(p));
		x.min_ms = finite_or_nan(p->min_ms);
		x.max_ms = finite_or_nan(p->max_ms);
		if (p->rcvd > 0 || !isnan(x.rtt_ms))
			x.flags |= AGG_RESPONDED;
	} else {
		struct convert_trace_figures f;

		convert_trace_figures(r, opts != NULL ? opts->link : NULL, &f);
		x.kind = AGG_TRACE;
		x.sent = 1;
		x.rcvd = f.responded ? 1 : 0;
		x.rtt_ms = finite_or_nan(f.dest_rtt_ms);
		x.min_ms = x.rtt_ms;
		x.max_ms = x.rtt_ms;
		if (f.responded)
			x.flags |= AGG_RESPONDED;
		if (f.has_path) {
			x.flags |= AGG_HAS_PATH;
			x.path = f.path_hash;
		}
	}
	if (opts != NULL) {
		vals[AP_AGG_BY_PROBE_ASN] = opts->probe_asn;
		vals[AP_AGG_BY_PROBE_CC] = opts->probe_cc;
		vals[AP_AGG_BY_LINK] = opts->link;
	}
	for (int d = 0; d < AP_AGG_MAX_DIMS; d++) {
		/* An absurdly long value is no group (and keeps every line
		 * of the state file within what the loader accepts). */
		if (vals[d] == NULL || vals[d][0] == '\0' ||
		    strlen(vals[d]) > AGG_MAX_VALUE)
			continue;
		st = agg_intern(a, vals[d], &x.key[d]);
		if (st != AP_OK)
			return ap_err_set(err, st, "out of memory");
	}
	st = agg_insert(a, &x, true, NULL);
	if (st != AP_OK)
		return ap_err_set(err, st, "out of memory");
	return AP_OK;
}

/* ---- commit / rollback ---------------------------------------------- */

/* Drops samples older than keep_from and windows left without any. */
static void prune(struct ap_agg *a)
{
	int64_t keep_from = agg_keep_from(a);
	size_t j = 0, k = 0;

	if (keep_from == INT64_MIN)
		return;
	for (size_t i = 0; i < a->n; i++)
		if (a->s[i].ts >= keep_from)
			a->s[j++] = a->s[i];
	if (j == a->n)
		return;
	a->n = j;
	a->n_committed = j;
	for (size_t i = 0; i < a->nw; i++)
		if (a->w[i].start >= keep_from)
			a->w[k++] = a->w[i];
	a->nw = k;
	/* Shrinking never needs memory; if even that fails, the stale index
	 * would point past the array: rebuild it at the same size. */
	if (index_rebuild(a, a->n) != AP_OK) {
		memset(a->slots, 0, a->n_slots * sizeof(*a->slots));
		for (size_t i = 0; i < a->n; i++)
			*slot_find(a, a->s[i].prb_id, a->s[i].ts) = i + 1;
	}
}

void ap_agg_commit(struct ap_agg *a, int64_t now)
{
	for (size_t i = 0; i < a->nw; i++) {
		struct agg_win *w = &a->w[i];

		if (w->p_emitted)
			w->clean = true;
		else if (w->p_changed)
			w->clean = false;
		w->n_committed += w->n_pending;
		w->n_pending = 0;
		w->p_changed = false;
		w->p_emitted = false;
	}
	a->n_committed = a->n;
	if (a->o.horizon_s != AP_AGG_HORIZON_NONE && now <= AGG_MAX_TS &&
	    now >= -AGG_MAX_TS) {
		int64_t f = agg_window_start(a, now - a->o.horizon_s);

		if (a->floor == INT64_MIN || f > a->floor)
			a->floor = f;
	}
	prune(a);
}

void ap_agg_rollback(struct ap_agg *a)
{
	size_t k = 0;
	bool had_pending = a->n > a->n_committed;

	for (size_t i = 0; i < a->nw; i++) {
		struct agg_win *w = &a->w[i];

		w->n_pending = 0;
		w->p_changed = false;
		w->p_emitted = false;
		if (w->n_committed > 0)
			a->w[k++] = *w;
	}
	a->nw = k;
	a->n = a->n_committed;
	if (had_pending) {
		/* Same size: needs no more memory than it has. */
		memset(a->slots, 0, a->n_slots * sizeof(*a->slots));
		for (size_t i = 0; i < a->n; i++)
			*slot_find(a, a->s[i].prb_id, a->s[i].ts) = i + 1;
	}
}

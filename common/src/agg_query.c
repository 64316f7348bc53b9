/* SPDX-License-Identifier: MIT */
/*
 * agg_query: read-only questions asked of an ap_agg's samples by other
 * modules. ap_agg_link_samples gathers what the atlas_link metric (ap_link)
 * needs: the results classified to one link within a time range.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agg_int.h"

/* 1 + the interned id of s (the sample key), or 0 when s was never seen. */
static uint32_t key_of(const struct ap_agg *a, const char *s)
{
	size_t lo = 0, hi = a->nstr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(a->str[a->sorted[mid]], s);

		if (c == 0)
			return a->sorted[mid] + 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Appends v to acc->rtt_ms, doubling it when full. */
static enum ap_status push_rtt(struct ap_agg_link_acc *acc, double v)
{
	if (acc->n_rtt == acc->cap_rtt) {
		size_t nc = acc->cap_rtt ? acc->cap_rtt * 2 : 64;
		double *nv;

		if (nc > SIZE_MAX / sizeof(*nv))
			return AP_ENOMEM;
		nv = realloc(acc->rtt_ms, nc * sizeof(*nv));
		if (nv == NULL)
			return AP_ENOMEM;
		acc->rtt_ms = nv;
		acc->cap_rtt = nc;
	}
	acc->rtt_ms[acc->n_rtt++] = v;
	return AP_OK;
}

enum ap_status ap_agg_link_samples(const struct ap_agg *a, const char *link,
				   bool unlabelled_too, int64_t from_ts,
				   int64_t to_ts, struct ap_agg_link_acc *acc,
				   struct ap_err *err)
{
	uint32_t key = 0;

	if (link != NULL && link[0] != '\0' && strlen(link) <= AGG_MAX_VALUE)
		key = key_of(a, link);
	if (key == 0 && !unlabelled_too)
		return AP_OK; /* no sample carries that link */
	for (size_t i = 0; i < a->n; i++) {
		const struct agg_sample *s = &a->s[i];
		uint32_t k = s->key[AP_AGG_BY_LINK];

		if (s->ts < from_ts || s->ts > to_ts)
			continue;
		if (!(k != 0 ? k == key : unlabelled_too))
			continue;
		acc->results++;
		if (s->sent >= 0 && s->rcvd >= 0) {
			acc->counted++;
			acc->sent += s->sent;
			acc->rcvd += s->rcvd;
		}
		if (!isnan(s->rtt_ms) && push_rtt(acc, s->rtt_ms) != AP_OK)
			return ap_err_set(err, AP_ENOMEM, "out of memory");
	}
	return AP_OK;
}

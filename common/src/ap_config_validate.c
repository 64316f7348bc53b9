/* SPDX-License-Identifier: MIT */
/*
 * ap_config_validate: every check on a loaded (or hand-edited) struct
 * ap_config that needs no YAML: ranges, uniqueness, cross references.
 * Duplicates are found by sorting, so large configs stay O(n log n).
 */
#include "ap_config_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reports a problem with the value at path (a printf format). */
static enum ap_status bad(const struct ap_config *cfg, struct ap_err *err,
			  const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum ap_status bad(const struct ap_config *cfg, struct ap_err *err,
			  const char *path, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ap_config_fail(err, AP_EINVAL, cfg->source,
			      ap_config_lines_find(cfg->lines, path), path,
			      "%s", msg);
}

/* " (line N)" for the first of two duplicates, or "" if unknown. */
static void line_note(const struct ap_config *cfg, const char *path, char *buf,
		      size_t size)
{
	int line = ap_config_lines_find(cfg->lines, path);

	if (line > 0)
		snprintf(buf, size, " (line %d)", line);
	else if (size > 0)
		buf[0] = '\0';
}

/* A key to check for duplicates: text or number, plus where it came from. */
struct key_ref {
	const char *s; /* NULL: compare num instead */
	int64_t num;
	size_t idx; /* position in the array being checked */
};

static int key_ref_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int c;

	if (x->s != NULL && y->s != NULL) {
		c = strcmp(x->s, y->s);
		if (c != 0)
			return c;
	} else if (x->num != y->num) {
		return x->num < y->num ? -1 : 1;
	}
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return 0;
}

static bool key_ref_same(const struct key_ref *x, const struct key_ref *y)
{
	if (x->s != NULL && y->s != NULL)
		return strcmp(x->s, y->s) == 0;
	return x->num == y->num;
}

/*
 * Sorts refs and finds the duplicate that comes first in file order: on
 * success *first and *dup point at the original and its repeat. Returns
 * false when all keys are distinct.
 */
static bool find_dup(struct key_ref *refs, size_t n,
		     const struct key_ref **first, const struct key_ref **dup)
{
	size_t i;

	*first = NULL;
	*dup = NULL;
	if (n < 2)
		return false;
	qsort(refs, n, sizeof(*refs), key_ref_cmp);
	for (i = 1; i < n; i++) {
		if (!key_ref_same(&refs[i - 1], &refs[i]))
			continue;
		/* refs[i - 1] starts a run only if it differs from its
		 * predecessor; its successor is the earliest repeat. */
		if (i >= 2 && key_ref_same(&refs[i - 2], &refs[i - 1]))
			continue;
		if (*dup == NULL || key_ref_cmp(&refs[i], *dup) < 0) {
			*first = &refs[i - 1];
			*dup = &refs[i];
		}
	}
	return *dup != NULL;
}

static bool has_ctl(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	}
	return false;
}

static bool in_range(double v, double lo, double hi)
{
	return isfinite(v) && v >= lo && v <= hi;
}

static enum ap_status check_atlas(const struct ap_config *cfg,
				  struct ap_err *err)
{
	const struct ap_config_atlas *a = &cfg->atlas;
	const char *host;
	size_t len;

	if (a->base_url == NULL)
		return bad(cfg, err, "atlas.base_url", "must be set");
	if (strncmp(a->base_url, "https://", 8) == 0)
		host = a->base_url + 8;
	else if (strncmp(a->base_url, "http://", 7) == 0)
		host = a->base_url + 7;
	else
		return bad(cfg, err, "atlas.base_url",
			   "must start with http:// or https://");
	len = strlen(a->base_url);
	if (host[0] == '\0' || host[0] == '/')
		return bad(cfg, err, "atlas.base_url", "lacks a host name");
	if (a->base_url[len - 1] == '/')
		return bad(cfg, err, "atlas.base_url", "must not end with '/'");
	if (strpbrk(a->base_url, " \"<>\\^`{|}") != NULL ||
	    has_ctl(a->base_url))
		return bad(cfg, err, "atlas.base_url",
			   "contains a space or a character URLs forbid");
	if (a->api_key_file != NULL && a->api_key_file[0] == '\0')
		return bad(cfg, err, "atlas.api_key_file", "must not be empty");
	if (a->ca_file != NULL && a->ca_file[0] == '\0')
		return bad(cfg, err, "atlas.ca_file", "must not be empty");
	if (a->timeout_s <= 0)
		return bad(cfg, err, "atlas.timeout", "must be > 0");
	if (a->max_response_bytes == 0)
		return bad(cfg, err, "atlas.max_response_bytes", "must be > 0");
	if (a->user_agent == NULL || a->user_agent[0] == '\0')
		return bad(cfg, err, "atlas.user_agent", "must not be empty");
	/* It becomes an HTTP header: no CR/LF smuggling. */
	if (has_ctl(a->user_agent))
		return bad(cfg, err, "atlas.user_agent",
			   "must not contain control characters");
	return AP_OK;
}

static enum ap_status check_general(const struct ap_config *cfg,
				    struct ap_err *err)
{
	char h[32];

	if (cfg->state_dir == NULL || cfg->state_dir[0] == '\0')
		return bad(cfg, err, "state_dir", "must not be empty");
	if (cfg->late_results_horizon_s < 0)
		return bad(cfg, err, "late_results_horizon", "must be >= 0");
	if (cfg->late_sweep_interval_s <= 0 ||
	    cfg->late_sweep_interval_s > cfg->late_results_horizon_s) {
		ap_config_format_duration(cfg->late_results_horizon_s, h,
					  sizeof(h));
		return bad(cfg, err, "late_sweep_interval",
			   "must be > 0 and <= late_results_horizon (%s)", h);
	}
	if (cfg->probe_cache_ttl_s < 0)
		return bad(cfg, err, "probe_cache_ttl", "must be >= 0");
	if (cfg->interval_s < 0)
		return bad(cfg, err, "interval", "must be >= 0");
	if (cfg->retry_min_s <= 0)
		return bad(cfg, err, "retry_min", "must be > 0");
	if (!(cfg->bottleneck_min_ms > 0) || !isfinite(cfg->bottleneck_min_ms))
		return bad(cfg, err, "bottleneck.min_increase_ms",
			   "must be > 0");
	if (!in_range(cfg->bottleneck_persist, 0, 1))
		return bad(cfg, err, "bottleneck.persist_ratio",
			   "must be 0..1");
	if (cfg->retry_max_s < cfg->retry_min_s) {
		ap_config_format_duration(cfg->retry_min_s, h, sizeof(h));
		return bad(cfg, err, "retry_max", "must be >= retry_min (%s)",
			   h);
	}
	if (cfg->shard_count < 1 || cfg->shard_count > AP_CONFIG_MAX_SHARDS)
		return bad(cfg, err, "shard", "n in 'i/n' must be 1..%d",
			   AP_CONFIG_MAX_SHARDS);
	if (cfg->shard_index < 1 || cfg->shard_index > cfg->shard_count)
		return bad(cfg, err, "shard", "i in 'i/n' must be 1..%d",
			   cfg->shard_count);
	if ((int)cfg->log_level < (int)AP_CONFIG_LOG_ERROR ||
	    (int)cfg->log_level > (int)AP_CONFIG_LOG_DEBUG)
		return bad(cfg, err, "log_level", "unknown level");
	return AP_OK;
}

/* Tag keys a user may not take: Atlas base tags and line-protocol "time". */
static const char *const reserved_tags[] = {"msm_id",   "prb_id",   "af",
					    "dst_name", "dst_addr", "probe_asn",
					    "probe_cc", "time"};

static enum ap_status check_tags(const struct ap_config *cfg,
				 const struct ap_config_msm *m, size_t mi,
				 struct ap_err *err)
{
	char path[AP_CONFIG_PATH_MAX], first[AP_CONFIG_PATH_MAX], note[32];
	struct key_ref *refs = NULL;
	const struct key_ref *a, *b;
	enum ap_status st = AP_OK;
	size_t i, j;

	if (m->n_tags > AP_CONFIG_MAX_MSM_TAGS) {
		snprintf(path, sizeof(path), "measurements[%zu].tags", mi);
		return bad(cfg, err, path,
			   "%zu tags, at most %d (a traceroute hop point "
			   "already carries 12 built-in tags of the 24 a point "
			   "holds)",
			   m->n_tags, AP_CONFIG_MAX_MSM_TAGS);
	}
	for (i = 0; i < m->n_tags; i++) {
		const struct ap_config_tag *t = &m->tags[i];

		snprintf(path, sizeof(path), "measurements[%zu].tags.%s", mi,
			 t->key ? t->key : "");
		if (t->key == NULL || t->key[0] == '\0')
			return bad(cfg, err, path, "tag key must not be empty");
		if (t->key[0] == '_')
			return bad(cfg, err, path,
				   "tag keys starting with '_' are reserved");
		for (j = 0; j < sizeof(reserved_tags) / sizeof(*reserved_tags);
		     j++) {
			if (strcmp(t->key, reserved_tags[j]) == 0)
				return bad(cfg, err, path,
					   "'%s' is a built-in tag and cannot "
					   "be set",
					   t->key);
		}
		if (strpbrk(t->key, "\r\n") != NULL)
			return bad(cfg, err, path,
				   "tag key must not contain a line break");
		if (t->value == NULL || t->value[0] == '\0')
			return bad(cfg, err, path,
				   "tag value must not be empty");
		if (strpbrk(t->value, "\r\n") != NULL)
			return bad(cfg, err, path,
				   "tag value must not contain a line break");
	}
	if (m->n_tags < 2)
		return AP_OK;
	refs = calloc(m->n_tags, sizeof(*refs));
	if (refs == NULL)
		return ap_err_set(err, AP_ENOMEM, "%s", ap_strerror(AP_ENOMEM));
	for (i = 0; i < m->n_tags; i++) {
		refs[i].s = m->tags[i].key;
		refs[i].idx = i;
	}
	if (find_dup(refs, m->n_tags, &a, &b)) {
		snprintf(path, sizeof(path), "measurements[%zu].tags.%s", mi,
			 b->s);
		snprintf(first, sizeof(first), "measurements[%zu].tags.%s", mi,
			 a->s);
		line_note(cfg, first, note, sizeof(note));
		st = bad(cfg, err, path, "duplicate tag key%s", note);
	}
	free(refs);
	return st;
}

static enum ap_status check_msm(const struct ap_config *cfg, size_t mi,
				struct ap_err *err)
{
	const struct ap_config_msm *m = &cfg->measurements[mi];
	char path[AP_CONFIG_PATH_MAX];
	size_t i, j;
	enum ap_status st;

	snprintf(path, sizeof(path), "measurements[%zu].id", mi);
	if (m->id <= 0)
		return bad(cfg, err, path, "must be a positive integer");
	st = check_tags(cfg, m, mi, err);
	if (st != AP_OK)
		return st;
	snprintf(path, sizeof(path), "measurements[%zu].group_by", mi);
	if (m->n_group_by > AP_CONFIG_GROUP_MAX)
		return bad(cfg, err, path, "too many entries");
	for (i = 0; i < m->n_group_by; i++) {
		snprintf(path, sizeof(path), "measurements[%zu].group_by[%zu]",
			 mi, i);
		if ((int)m->group_by[i] < (int)AP_CONFIG_GROUP_PROBE_ASN ||
		    (int)m->group_by[i] > (int)AP_CONFIG_GROUP_LINK)
			return bad(cfg, err, path, "unknown grouping");
		for (j = 0; j < i; j++) {
			if (m->group_by[j] == m->group_by[i])
				return bad(
					cfg, err, path, "'%s' is listed twice",
					ap_config_group_name(m->group_by[i]));
		}
		if (m->group_by[i] == AP_CONFIG_GROUP_LINK && cfg->n_links == 0)
			return bad(cfg, err, path,
				   "grouping by 'link' needs 'links' to be "
				   "configured");
	}
	if (m->has_target) {
		snprintf(path, sizeof(path), "measurements[%zu].target.lat",
			 mi);
		if (!in_range(m->target_lat, -90, 90))
			return bad(cfg, err, path, "must be -90..90 degrees");
		snprintf(path, sizeof(path), "measurements[%zu].target.lon",
			 mi);
		if (!in_range(m->target_lon, -180, 180))
			return bad(cfg, err, path, "must be -180..180 degrees");
	}
	return AP_OK;
}

static enum ap_status check_measurements(const struct ap_config *cfg,
					 struct ap_err *err)
{
	char path[AP_CONFIG_PATH_MAX], first[AP_CONFIG_PATH_MAX], note[32];
	struct key_ref *refs = NULL;
	const struct key_ref *a, *b;
	enum ap_status st = AP_OK;
	size_t i;

	for (i = 0; i < cfg->n_measurements; i++) {
		st = check_msm(cfg, i, err);
		if (st != AP_OK)
			return st;
	}
	if (cfg->n_measurements < 2)
		return AP_OK;
	refs = calloc(cfg->n_measurements, sizeof(*refs));
	if (refs == NULL)
		return ap_err_set(err, AP_ENOMEM, "%s", ap_strerror(AP_ENOMEM));
	for (i = 0; i < cfg->n_measurements; i++) {
		refs[i].num = cfg->measurements[i].id;
		refs[i].idx = i;
	}
	if (find_dup(refs, cfg->n_measurements, &a, &b)) {
		snprintf(path, sizeof(path), "measurements[%zu].id", b->idx);
		snprintf(first, sizeof(first), "measurements[%zu].id", a->idx);
		line_note(cfg, first, note, sizeof(note));
		st = bad(cfg, err, path,
			 "duplicate measurement id %" PRId64
			 ", first at measurements[%zu]%s",
			 b->num, a->idx, note);
	}
	free(refs);
	return st;
}

static enum ap_status check_cost_globals(const struct ap_config *cfg,
					 struct ap_err *err)
{
	if (cfg->currency == NULL || cfg->currency[0] == '\0')
		return bad(cfg, err, "currency", "must not be empty");
	if (has_ctl(cfg->currency))
		return bad(cfg, err, "currency",
			   "must not contain control characters");
	if (!in_range(cfg->slo_max_rtt_delta_ms, 0, HUGE_VAL))
		return bad(cfg, err, "slo.max_rtt_delta_ms", "must be >= 0");
	if (!in_range(cfg->slo_max_loss_pct, 0, 100))
		return bad(cfg, err, "slo.max_loss_pct", "must be 0..100");
	if (!in_range(cfg->default_max_utilization, 0, 1) ||
	    cfg->default_max_utilization == 0)
		return bad(cfg, err, "defaults.max_utilization",
			   "must be > 0 and <= 1");
	if (!isnan(cfg->reference_transit_price) &&
	    !in_range(cfg->reference_transit_price, 0, HUGE_VAL))
		return bad(cfg, err, "reference_transit_price",
			   "must be >= 0 or null");
	return AP_OK;
}

static enum ap_status check_link(const struct ap_config *cfg, size_t li,
				 struct ap_err *err)
{
	static const struct {
		const char *key;
		size_t off;
	} money[] = {
		{"commit_mbps", offsetof(struct ap_config_link, commit_mbps)},
		{"price_per_mbps",
		 offsetof(struct ap_config_link, price_per_mbps)},
		{"overage_price_per_mbps",
		 offsetof(struct ap_config_link, overage_price_per_mbps)},
		{"fixed_monthly",
		 offsetof(struct ap_config_link, fixed_monthly)},
	};
	const struct ap_config_link *l = &cfg->links[li];
	char path[AP_CONFIG_PATH_MAX];
	size_t i;

	snprintf(path, sizeof(path), "links[%zu].name", li);
	if (l->name == NULL || l->name[0] == '\0')
		return bad(cfg, err, path, "must not be empty");
	if (has_ctl(l->name))
		return bad(cfg, err, path,
			   "must not contain control characters");
	snprintf(path, sizeof(path), "links[%zu].kind", li);
	if ((int)l->kind < (int)AP_CONFIG_LINK_TRANSIT ||
	    (int)l->kind > (int)AP_CONFIG_LINK_PNI)
		return bad(cfg, err, path, "unknown kind");
	for (i = 0; i < sizeof(money) / sizeof(money[0]); i++) {
		double v;

		memcpy(&v, (const char *)l + money[i].off, sizeof(v));
		snprintf(path, sizeof(path), "links[%zu].%s", li, money[i].key);
		if (!in_range(v, 0, HUGE_VAL))
			return bad(cfg, err, path, "must be >= 0");
	}
	snprintf(path, sizeof(path), "links[%zu].port_capacity_mbps", li);
	if (!in_range(l->port_capacity_mbps, 0, HUGE_VAL) ||
	    l->port_capacity_mbps == 0)
		return bad(cfg, err, path, "must be > 0");
	snprintf(path, sizeof(path), "links[%zu].max_utilization", li);
	if (!isnan(l->max_utilization) &&
	    (!in_range(l->max_utilization, 0, 1) || l->max_utilization == 0))
		return bad(cfg, err, path, "must be > 0 and <= 1");
	for (i = 0; i < l->n_prefixes; i++) {
		const struct ap_config_prefix *p = &l->prefixes[i];

		snprintf(path, sizeof(path), "links[%zu].prefixes[%zu]", li, i);
		if ((p->af != 4 && p->af != 6) ||
		    p->bits > (p->af == 4 ? 32u : 128u))
			return bad(cfg, err, path, "not a valid prefix");
	}
	return AP_OK;
}

/* A prefix of links[link].prefixes[idx], for finding repeats. */
struct pfx_ref {
	const struct ap_config_prefix *p;
	size_t link;
	size_t idx;
};

static int pfx_cmp_value(const struct pfx_ref *x, const struct pfx_ref *y)
{
	if (x->p->af != y->p->af)
		return x->p->af < y->p->af ? -1 : 1;
	if (x->p->bits != y->p->bits)
		return x->p->bits < y->p->bits ? -1 : 1;
	return memcmp(x->p->addr, y->p->addr, sizeof(x->p->addr));
}

static int pfx_cmp_pos(const struct pfx_ref *x, const struct pfx_ref *y)
{
	if (x->link != y->link)
		return x->link < y->link ? -1 : 1;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return 0;
}

static int pfx_ref_cmp(const void *a, const void *b)
{
	int c = pfx_cmp_value(a, b);

	return c != 0 ? c : pfx_cmp_pos(a, b);
}

/* The same prefix twice would make the egress of a path ambiguous. */
static enum ap_status check_prefix_dups(const struct ap_config *cfg, size_t n,
					struct ap_err *err)
{
	char path[AP_CONFIG_PATH_MAX], first[AP_CONFIG_PATH_MAX], note[32];
	char text[64];
	struct pfx_ref *refs;
	const struct pfx_ref *a = NULL, *b = NULL;
	enum ap_status st = AP_OK;
	size_t i, j, k = 0;

	refs = calloc(n, sizeof(*refs));
	if (refs == NULL)
		return ap_err_set(err, AP_ENOMEM, "%s", ap_strerror(AP_ENOMEM));
	for (i = 0; i < cfg->n_links; i++) {
		for (j = 0; j < cfg->links[i].n_prefixes; j++) {
			refs[k].p = &cfg->links[i].prefixes[j];
			refs[k].link = i;
			refs[k].idx = j;
			k++;
		}
	}
	qsort(refs, n, sizeof(*refs), pfx_ref_cmp);
	for (i = 1; i < n; i++) {
		if (pfx_cmp_value(&refs[i - 1], &refs[i]) != 0)
			continue;
		if (i >= 2 && pfx_cmp_value(&refs[i - 2], &refs[i - 1]) == 0)
			continue;
		if (b == NULL || pfx_cmp_pos(&refs[i], b) < 0) {
			a = &refs[i - 1];
			b = &refs[i];
		}
	}
	if (b != NULL) {
		ap_config_format_prefix(b->p, text, sizeof(text));
		snprintf(path, sizeof(path), "links[%zu].prefixes[%zu]",
			 b->link, b->idx);
		snprintf(first, sizeof(first), "links[%zu].prefixes[%zu]",
			 a->link, a->idx);
		line_note(cfg, first, note, sizeof(note));
		st = bad(cfg, err, path, "prefix %s is also listed at %s%s",
			 text, first, note);
	}
	free(refs);
	return st;
}

static enum ap_status check_links(const struct ap_config *cfg,
				  struct ap_err *err)
{
	char path[AP_CONFIG_PATH_MAX], first[AP_CONFIG_PATH_MAX], note[32];
	struct key_ref *refs = NULL;
	const struct key_ref *a, *b;
	enum ap_status st = AP_OK;
	size_t i, n = 0;

	for (i = 0; i < cfg->n_links; i++) {
		st = check_link(cfg, i, err);
		if (st != AP_OK)
			return st;
		n += cfg->links[i].n_prefixes;
	}
	if (cfg->n_links >= 2) {
		refs = calloc(cfg->n_links, sizeof(*refs));
		if (refs == NULL)
			return ap_err_set(err, AP_ENOMEM, "%s",
					  ap_strerror(AP_ENOMEM));
		for (i = 0; i < cfg->n_links; i++) {
			refs[i].s = cfg->links[i].name;
			refs[i].idx = i;
		}
		if (find_dup(refs, cfg->n_links, &a, &b)) {
			snprintf(path, sizeof(path), "links[%zu].name", b->idx);
			snprintf(first, sizeof(first), "links[%zu].name",
				 a->idx);
			line_note(cfg, first, note, sizeof(note));
			st = bad(cfg, err, path,
				 "duplicate link name '%s', first at "
				 "links[%zu]%s",
				 b->s, a->idx, note);
		}
		free(refs);
		if (st != AP_OK)
			return st;
	}
	if (n < 2)
		return AP_OK;
	return check_prefix_dups(cfg, n, err);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* True if name is in names[n], sorted with name_cmp. O(log n). */
static bool has_name(const char *const *names, size_t n, const char *name)
{
	/* bsearch wants a valid array even for n == 0 (no links). */
	return name != NULL && n > 0 &&
	       bsearch(&name, names, n, sizeof(*names), name_cmp) != NULL;
}

/* destinations[di].msm_ids: positive, and each at most once (a repeat
 * would pool the same results twice). */
static enum ap_status check_dest_msm_ids(const struct ap_config *cfg,
					 size_t di, struct ap_err *err)
{
	const struct ap_config_dest *d = &cfg->destinations[di];
	char path[AP_CONFIG_PATH_MAX], first[AP_CONFIG_PATH_MAX], note[32];
	struct key_ref *refs;
	const struct key_ref *a, *b;
	enum ap_status st = AP_OK;
	size_t i;

	for (i = 0; i < d->n_msm_ids; i++) {
		snprintf(path, sizeof(path), "destinations[%zu].msm_ids[%zu]",
			 di, i);
		if (d->msm_ids[i] <= 0)
			return bad(cfg, err, path,
				   "must be a positive integer (a RIPE Atlas "
				   "measurement id)");
	}
	if (d->n_msm_ids < 2)
		return AP_OK;
	refs = calloc(d->n_msm_ids, sizeof(*refs));
	if (refs == NULL)
		return ap_err_set(err, AP_ENOMEM, "%s", ap_strerror(AP_ENOMEM));
	for (i = 0; i < d->n_msm_ids; i++) {
		refs[i].num = d->msm_ids[i];
		refs[i].idx = i;
	}
	if (find_dup(refs, d->n_msm_ids, &a, &b)) {
		snprintf(path, sizeof(path), "destinations[%zu].msm_ids[%zu]",
			 di, b->idx);
		snprintf(first, sizeof(first),
			 "destinations[%zu].msm_ids[%zu]", di, a->idx);
		line_note(cfg, first, note, sizeof(note));
		st = bad(cfg, err, path,
			 "duplicate measurement id %" PRId64
			 ", first at msm_ids[%zu]%s",
			 b->num, a->idx, note);
	}
	free(refs);
	return st;
}

/* links are valid and names[n] holds their sorted names. */
static enum ap_status check_dest(const struct ap_config *cfg, size_t di,
				 const char *const *names, size_t n,
				 struct ap_err *err)
{
	const struct ap_config_dest *d = &cfg->destinations[di];
	char path[AP_CONFIG_PATH_MAX];
	struct key_ref *refs = NULL;
	const struct key_ref *a, *b;
	enum ap_status st = AP_OK;
	size_t i;

	snprintf(path, sizeof(path), "destinations[%zu].id", di);
	if (d->id == NULL || d->id[0] == '\0')
		return bad(cfg, err, path, "must not be empty");
	snprintf(path, sizeof(path), "destinations[%zu].traffic_mbps", di);
	if (!in_range(d->traffic_mbps, 0, HUGE_VAL))
		return bad(cfg, err, path, "must be >= 0");
	snprintf(path, sizeof(path), "destinations[%zu].current_link", di);
	if (!has_name(names, n, d->current_link))
		return bad(cfg, err, path, "'%s' is not the name of a link",
			   d->current_link ? d->current_link : "");
	for (i = 0; i < d->n_measurements; i++) {
		const struct ap_config_dest_msm *m = &d->measurements[i];
		const char *name = m->link ? m->link : "";

		snprintf(path, sizeof(path),
			 "destinations[%zu].measurements.%s", di, name);
		if (!has_name(names, n, m->link))
			return bad(cfg, err, path,
				   "'%s' is not the name of a link", name);
		snprintf(path, sizeof(path),
			 "destinations[%zu].measurements.%s.rtt_ms", di, name);
		if (!in_range(m->rtt_ms, 0, HUGE_VAL))
			return bad(cfg, err, path, "must be >= 0");
		snprintf(path, sizeof(path),
			 "destinations[%zu].measurements.%s.loss_pct", di,
			 name);
		if (!in_range(m->loss_pct, 0, 100))
			return bad(cfg, err, path, "must be 0..100");
	}
	st = check_dest_msm_ids(cfg, di, err);
	if (st != AP_OK || d->n_measurements < 2)
		return st;
	/* YAML input cannot repeat a key; a hand-built config can. */
	refs = calloc(d->n_measurements, sizeof(*refs));
	if (refs == NULL)
		return ap_err_set(err, AP_ENOMEM, "%s", ap_strerror(AP_ENOMEM));
	for (i = 0; i < d->n_measurements; i++) {
		refs[i].s = d->measurements[i].link;
		refs[i].idx = i;
	}
	if (find_dup(refs, d->n_measurements, &a, &b)) {
		snprintf(path, sizeof(path),
			 "destinations[%zu].measurements.%s", di, b->s);
		st = bad(cfg, err, path, "link listed twice");
	}
	free(refs);
	return st;
}

static enum ap_status check_destinations(const struct ap_config *cfg,
					 struct ap_err *err)
{
	char path[AP_CONFIG_PATH_MAX], first[AP_CONFIG_PATH_MAX], note[32];
	const char **names = NULL;
	struct key_ref *refs = NULL;
	const struct key_ref *a, *b;
	enum ap_status st = AP_OK;
	size_t i;

	if (cfg->n_destinations == 0)
		return AP_OK;
	if (cfg->n_links > 0) {
		names = calloc(cfg->n_links, sizeof(*names));
		if (names == NULL) {
			st = ap_err_set(err, AP_ENOMEM, "%s",
					ap_strerror(AP_ENOMEM));
			goto out;
		}
		for (i = 0; i < cfg->n_links; i++)
			names[i] = cfg->links[i].name;
		qsort(names, cfg->n_links, sizeof(*names), name_cmp);
	}
	for (i = 0; i < cfg->n_destinations && st == AP_OK; i++)
		st = check_dest(cfg, i, names, cfg->n_links, err);
	if (st != AP_OK || cfg->n_destinations < 2)
		goto out;
	refs = calloc(cfg->n_destinations, sizeof(*refs));
	if (refs == NULL) {
		st = ap_err_set(err, AP_ENOMEM, "%s", ap_strerror(AP_ENOMEM));
		goto out;
	}
	for (i = 0; i < cfg->n_destinations; i++) {
		refs[i].s = cfg->destinations[i].id;
		refs[i].idx = i;
	}
	if (find_dup(refs, cfg->n_destinations, &a, &b)) {
		snprintf(path, sizeof(path), "destinations[%zu].id", b->idx);
		snprintf(first, sizeof(first), "destinations[%zu].id", a->idx);
		line_note(cfg, first, note, sizeof(note));
		st = bad(cfg, err, path,
			 "duplicate destination id '%s', first at "
			 "destinations[%zu]%s",
			 b->s, a->idx, note);
	}
out:
	free(refs);
	free(names);
	return st;
}

enum ap_status ap_config_validate(const struct ap_config *cfg,
				  struct ap_err *err)
{
	enum ap_status st;

	if (cfg == NULL)
		return ap_err_set(err, AP_EINVAL, "config: NULL configuration");
	st = check_atlas(cfg, err);
	if (st == AP_OK)
		st = check_general(cfg, err);
	if (st == AP_OK)
		st = check_cost_globals(cfg, err);
	if (st == AP_OK)
		st = check_links(cfg, err);
	if (st == AP_OK)
		st = check_measurements(cfg, err);
	if (st == AP_OK)
		st = check_destinations(cfg, err);
	return st;
}

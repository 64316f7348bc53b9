/* SPDX-License-Identifier: MIT */
/*
 * ap_config: the schema (one table of keys per mapping, plus loaders for
 * the lists and free-form maps), defaults, load/free. The generic walking
 * lives in ap_config_walk.c, range and cross-field checks in
 * ap_config_validate.c, scalar syntax in ap_config_parse.c.
 */
#include "ap_config_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef AP_VERSION
#define AP_VERSION "0.0.0"
#endif

#define DEFAULT_BASE_URL "https://atlas.ripe.net/api/v2"
#define DEFAULT_USER_AGENT "atlasperf/" AP_VERSION
#define DEFAULT_STATE_DIR "/var/lib/atlasperf"
#define DEFAULT_CURRENCY "EUR"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static enum ap_status load_shard(struct ap_config_loader *ld,
				 const struct ap_yaml_node *v, int line,
				 void *obj)
{
	struct ap_config *cfg = obj;
	struct ap_err why;
	const char *text;
	enum ap_status st;

	st = ap_config_walk_scalar(ld, v, line, "a string 'i/n'", &text);
	if (st != AP_OK)
		return st;
	st = ap_config_parse_shard(text, &cfg->shard_index, &cfg->shard_count,
				   &why);
	return st == AP_OK ? st : ap_config_walk_located(ld, line, st, &why);
}

static enum ap_status load_log_level(struct ap_config_loader *ld,
				     const struct ap_yaml_node *v, int line,
				     void *obj)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	struct ap_config *cfg = obj;
	enum ap_status st;
	int i;

	st = ap_config_walk_enum(ld, v, line, names, N(names), &i);
	if (st == AP_OK)
		cfg->log_level = (enum ap_config_log_level)i;
	return st;
}

static enum ap_status load_tags(struct ap_config_loader *ld,
				const struct ap_yaml_node *v, int line,
				void *obj)
{
	struct ap_config_msm *m = obj;
	enum ap_status st;
	size_t i, n, saved;

	if (ap_yaml_is_null(v))
		return AP_OK;
	if (v->kind != AP_YAML_MAP)
		return ap_config_walk_fail(
			ld, line, "expected a mapping of tag: value, got %s",
			ap_yaml_describe(v));
	st = ap_config_walk_dup_keys(ld, v);
	if (st != AP_OK)
		return st;
	n = v->n_child / 2;
	if (n == 0)
		return AP_OK;
	m->tags = calloc(n, sizeof(*m->tags));
	if (m->tags == NULL)
		return ap_config_walk_nomem(ld);
	m->n_tags = n;
	for (i = 0; i < n; i++) {
		const struct ap_yaml_node *k = v->child[2 * i];

		saved = ap_config_walk_push_key(ld, k->text);
		st = ap_config_walk_record(ld, k->line);
		if (st == AP_OK)
			st = ap_config_walk_set_string(ld, &m->tags[i].key,
						       k->text);
		if (st == AP_OK) {
			const char *text;

			st = ap_config_walk_scalar(ld, v->child[2 * i + 1],
						   k->line, "a string", &text);
			if (st == AP_OK)
				st = ap_config_walk_set_string(
					ld, &m->tags[i].value, text);
		}
		ap_config_walk_pop(ld, saved);
		if (st != AP_OK)
			return st;
	}
	return AP_OK;
}

static enum ap_status load_group_by(struct ap_config_loader *ld,
				    const struct ap_yaml_node *v, int line,
				    void *obj)
{
	static const char *const names[] = {"probe_asn", "probe_cc", "link"};
	struct ap_config_msm *m = obj;
	enum ap_status st;
	size_t i, j, n, saved;
	int g;

	st = ap_config_walk_list_size(ld, v, line, &n);
	for (i = 0; st == AP_OK && i < n; i++) {
		const struct ap_yaml_node *item = v->child[i];

		saved = ap_config_walk_push_index(ld, i);
		st = ap_config_walk_record(ld, item->line);
		if (st == AP_OK)
			st = ap_config_walk_enum(ld, item, item->line, names,
						 N(names), &g);
		for (j = 0; st == AP_OK && j < m->n_group_by; j++) {
			if ((int)m->group_by[j] == g)
				st = ap_config_walk_fail(ld, item->line,
							 "'%s' is listed twice",
							 names[g]);
		}
		if (st == AP_OK)
			m->group_by[m->n_group_by++] = (enum ap_config_group)g;
		ap_config_walk_pop(ld, saved);
	}
	return st;
}

static const struct ap_config_field target_fields[] = {
	{"lat", AP_CONFIG_F_DOUBLE, offsetof(struct ap_config_msm, target_lat),
	 true, NULL, 0, NULL},
	{"lon", AP_CONFIG_F_DOUBLE, offsetof(struct ap_config_msm, target_lon),
	 true, NULL, 0, NULL},
};

static enum ap_status load_target(struct ap_config_loader *ld,
				  const struct ap_yaml_node *v, int line,
				  void *obj)
{
	struct ap_config_msm *m = obj;
	enum ap_status st;

	if (ap_yaml_is_null(v))
		return AP_OK;
	st = ap_config_walk_map(ld, v, line, target_fields, N(target_fields),
				m);
	if (st == AP_OK)
		m->has_target = true;
	return st;
}

static const struct ap_config_field msm_fields[] = {
	{"id", AP_CONFIG_F_INT64, offsetof(struct ap_config_msm, id), true,
	 NULL, 0, NULL},
	{"tags", AP_CONFIG_F_CUSTOM, 0, false, NULL, 0, load_tags},
	{"group_by", AP_CONFIG_F_CUSTOM, 0, false, NULL, 0, load_group_by},
	{"target", AP_CONFIG_F_CUSTOM, 0, false, NULL, 0, load_target},
	{"hop_points", AP_CONFIG_F_BOOL,
	 offsetof(struct ap_config_msm, hop_points), false, NULL, 0, NULL},
	{"enabled", AP_CONFIG_F_BOOL, offsetof(struct ap_config_msm, enabled),
	 false, NULL, 0, NULL},
};

static void msm_init(void *elem)
{
	struct ap_config_msm *m = elem;

	m->enabled = true;
	m->hop_points = false;
	m->target_lat = NAN;
	m->target_lon = NAN;
}

static enum ap_status load_measurements(struct ap_config_loader *ld,
					const struct ap_yaml_node *v, int line,
					void *obj)
{
	struct ap_config *cfg = obj;
	enum ap_status st;
	size_t n;

	st = ap_config_walk_list_size(ld, v, line, &n);
	if (st != AP_OK || n == 0)
		return st;
	cfg->measurements = calloc(n, sizeof(*cfg->measurements));
	if (cfg->measurements == NULL)
		return ap_config_walk_nomem(ld);
	cfg->n_measurements = n;
	return ap_config_walk_items(ld, v, (char *)cfg->measurements,
				    sizeof(*cfg->measurements), msm_fields,
				    N(msm_fields), msm_init, NULL);
}

static enum ap_status load_kind(struct ap_config_loader *ld,
				const struct ap_yaml_node *v, int line,
				void *obj)
{
	static const char *const names[] = {"transit", "peering", "pni"};
	struct ap_config_link *l = obj;
	enum ap_status st;
	int i;

	st = ap_config_walk_enum(ld, v, line, names, N(names), &i);
	if (st == AP_OK)
		l->kind = (enum ap_config_link_kind)i;
	return st;
}

/* Reads item (the i-th of a list) into the list's owner obj. */
typedef enum ap_status (*list_item_fn)(struct ap_config_loader *ld,
				       const struct ap_yaml_node *item,
				       size_t i, void *obj);

/*
 * The items of list v, n of them (the caller has sized its array): each
 * read by item_fn under its index, its line recorded so that validate()
 * can name it. *count follows the items read, so a failed list is freed
 * whole. Stops at the first error.
 */
static enum ap_status walk_list_items(struct ap_config_loader *ld,
				      const struct ap_yaml_node *v, size_t n,
				      list_item_fn item_fn, void *obj,
				      size_t *count)
{
	enum ap_status st = AP_OK;

	for (size_t i = 0; st == AP_OK && i < n; i++) {
		const struct ap_yaml_node *item = v->child[i];
		size_t saved = ap_config_walk_push_index(ld, i);

		st = ap_config_walk_record(ld, item->line);
		if (st == AP_OK)
			st = item_fn(ld, item, i, obj);
		ap_config_walk_pop(ld, saved);
		*count = i + 1;
	}
	return st;
}

static enum ap_status prefix_item(struct ap_config_loader *ld,
				  const struct ap_yaml_node *item, size_t i,
				  void *obj)
{
	struct ap_config_link *l = obj;
	struct ap_err why;
	const char *text;
	enum ap_status st;

	st = ap_config_walk_scalar(ld, item, item->line, "a prefix string",
				   &text);
	if (st != AP_OK)
		return st;
	st = ap_config_parse_prefix(text, &l->prefixes[i], &why);
	if (st != AP_OK)
		st = ap_config_walk_located(ld, item->line, st, &why);
	return st;
}

static enum ap_status load_prefixes(struct ap_config_loader *ld,
				    const struct ap_yaml_node *v, int line,
				    void *obj)
{
	struct ap_config_link *l = obj;
	enum ap_status st;
	size_t n;

	st = ap_config_walk_list_size(ld, v, line, &n);
	if (st != AP_OK || n == 0)
		return st;
	l->prefixes = calloc(n, sizeof(*l->prefixes));
	if (l->prefixes == NULL)
		return ap_config_walk_nomem(ld);
	return walk_list_items(ld, v, n, prefix_item, l, &l->n_prefixes);
}

static const struct ap_config_field link_fields[] = {
	{"name", AP_CONFIG_F_STRING, offsetof(struct ap_config_link, name),
	 true, NULL, 0, NULL},
	{"kind", AP_CONFIG_F_CUSTOM, 0, true, NULL, 0, load_kind},
	{"commit_mbps", AP_CONFIG_F_DOUBLE,
	 offsetof(struct ap_config_link, commit_mbps), false, NULL, 0, NULL},
	{"price_per_mbps", AP_CONFIG_F_DOUBLE,
	 offsetof(struct ap_config_link, price_per_mbps), false, NULL, 0, NULL},
	{"overage_price_per_mbps", AP_CONFIG_F_DOUBLE_OR_NULL,
	 offsetof(struct ap_config_link, overage_price_per_mbps), false, NULL,
	 0, NULL},
	{"fixed_monthly", AP_CONFIG_F_DOUBLE,
	 offsetof(struct ap_config_link, fixed_monthly), false, NULL, 0, NULL},
	{"port_capacity_mbps", AP_CONFIG_F_DOUBLE,
	 offsetof(struct ap_config_link, port_capacity_mbps), true, NULL, 0,
	 NULL},
	{"max_utilization", AP_CONFIG_F_DOUBLE_OR_NULL,
	 offsetof(struct ap_config_link, max_utilization), false, NULL, 0,
	 NULL},
	{"prefixes", AP_CONFIG_F_CUSTOM, 0, false, NULL, 0, load_prefixes},
};

static void link_init(void *elem)
{
	struct ap_config_link *l = elem;

	l->overage_price_per_mbps = NAN;
	l->max_utilization = NAN;
}

static void link_done(void *elem)
{
	struct ap_config_link *l = elem;

	if (isnan(l->overage_price_per_mbps))
		l->overage_price_per_mbps = l->price_per_mbps;
}

static enum ap_status load_links(struct ap_config_loader *ld,
				 const struct ap_yaml_node *v, int line,
				 void *obj)
{
	struct ap_config *cfg = obj;
	enum ap_status st;
	size_t n;

	st = ap_config_walk_list_size(ld, v, line, &n);
	if (st != AP_OK || n == 0)
		return st;
	cfg->links = calloc(n, sizeof(*cfg->links));
	if (cfg->links == NULL)
		return ap_config_walk_nomem(ld);
	cfg->n_links = n;
	return ap_config_walk_items(ld, v, (char *)cfg->links,
				    sizeof(*cfg->links), link_fields,
				    N(link_fields), link_init, link_done);
}

static const struct ap_config_field dest_msm_fields[] = {
	{"rtt_ms", AP_CONFIG_F_DOUBLE,
	 offsetof(struct ap_config_dest_msm, rtt_ms), true, NULL, 0, NULL},
	{"loss_pct", AP_CONFIG_F_DOUBLE,
	 offsetof(struct ap_config_dest_msm, loss_pct), true, NULL, 0, NULL},
};

static enum ap_status load_dest_msms(struct ap_config_loader *ld,
				     const struct ap_yaml_node *v, int line,
				     void *obj)
{
	struct ap_config_dest *d = obj;
	enum ap_status st;
	size_t i, n, saved;

	if (ap_yaml_is_null(v))
		return AP_OK;
	if (v->kind != AP_YAML_MAP)
		return ap_config_walk_fail(
			ld, line,
			"expected a mapping of link: {rtt_ms, loss_pct}, "
			"got %s",
			ap_yaml_describe(v));
	st = ap_config_walk_dup_keys(ld, v);
	if (st != AP_OK)
		return st;
	n = v->n_child / 2;
	if (n == 0)
		return AP_OK;
	d->measurements = calloc(n, sizeof(*d->measurements));
	if (d->measurements == NULL)
		return ap_config_walk_nomem(ld);
	d->n_measurements = n;
	for (i = 0; i < n; i++) {
		const struct ap_yaml_node *k = v->child[2 * i];
		struct ap_config_dest_msm *m = &d->measurements[i];

		saved = ap_config_walk_push_key(ld, k->text);
		st = ap_config_walk_record(ld, k->line);
		if (st == AP_OK)
			st = ap_config_walk_set_string(ld, &m->link, k->text);
		if (st == AP_OK)
			st = ap_config_walk_map(ld, v->child[2 * i + 1],
						k->line, dest_msm_fields,
						N(dest_msm_fields), m);
		ap_config_walk_pop(ld, saved);
		if (st != AP_OK)
			return st;
	}
	return AP_OK;
}

static enum ap_status msm_id_item(struct ap_config_loader *ld,
				  const struct ap_yaml_node *item, size_t i,
				  void *obj)
{
	struct ap_config_dest *d = obj;
	struct ap_err why;
	const char *text;
	enum ap_status st;
	char q[64];

	if (item->kind == AP_YAML_SCALAR && !item->plain) {
		/* "1001" is a string, as for measurements[].id. */
		ap_config_quote(item->text, q, sizeof(q));
		return ap_config_walk_fail(ld, item->line,
					   "expected an integer, got a quoted "
					   "string '%s'",
					   q);
	}
	st = ap_config_walk_scalar(ld, item, item->line, "an integer", &text);
	ap_err_clear(&why);
	if (st == AP_OK &&
	    ap_config_text_int64(text, &d->msm_ids[i], &why) != AP_OK)
		st = ap_config_walk_located(ld, item->line, AP_EPARSE, &why);
	return st;
}

static enum ap_status load_dest_msm_ids(struct ap_config_loader *ld,
					const struct ap_yaml_node *v, int line,
					void *obj)
{
	struct ap_config_dest *d = obj;
	enum ap_status st;
	size_t n;

	st = ap_config_walk_list_size(ld, v, line, &n);
	if (st != AP_OK || n == 0)
		return st;
	d->msm_ids = calloc(n, sizeof(*d->msm_ids));
	if (d->msm_ids == NULL)
		return ap_config_walk_nomem(ld);
	return walk_list_items(ld, v, n, msm_id_item, d, &d->n_msm_ids);
}

static const struct ap_config_field dest_fields[] = {
	{"id", AP_CONFIG_F_STRING, offsetof(struct ap_config_dest, id), true,
	 NULL, 0, NULL},
	{"traffic_mbps", AP_CONFIG_F_DOUBLE,
	 offsetof(struct ap_config_dest, traffic_mbps), true, NULL, 0, NULL},
	{"current_link", AP_CONFIG_F_STRING,
	 offsetof(struct ap_config_dest, current_link), true, NULL, 0, NULL},
	{"measurements", AP_CONFIG_F_CUSTOM, 0, false, NULL, 0, load_dest_msms},
	{"msm_ids", AP_CONFIG_F_CUSTOM, 0, false, NULL, 0, load_dest_msm_ids},
};

static enum ap_status load_destinations(struct ap_config_loader *ld,
					const struct ap_yaml_node *v, int line,
					void *obj)
{
	struct ap_config *cfg = obj;
	enum ap_status st;
	size_t n;

	st = ap_config_walk_list_size(ld, v, line, &n);
	if (st != AP_OK || n == 0)
		return st;
	cfg->destinations = calloc(n, sizeof(*cfg->destinations));
	if (cfg->destinations == NULL)
		return ap_config_walk_nomem(ld);
	cfg->n_destinations = n;
	return ap_config_walk_items(ld, v, (char *)cfg->destinations,
				    sizeof(*cfg->destinations), dest_fields,
				    N(dest_fields), NULL, NULL);
}

static const struct ap_config_field atlas_fields[] = {
	{"base_url", AP_CONFIG_F_STRING,
	 offsetof(struct ap_config_atlas, base_url), false, NULL, 0, NULL},
	{"api_key_file", AP_CONFIG_F_STRING,
	 offsetof(struct ap_config_atlas, api_key_file), false, NULL, 0, NULL},
	{"timeout", AP_CONFIG_F_DURATION,
	 offsetof(struct ap_config_atlas, timeout_s), false, NULL, 0, NULL},
	{"ca_file", AP_CONFIG_F_STRING,
	 offsetof(struct ap_config_atlas, ca_file), false, NULL, 0, NULL},
	{"max_response_bytes", AP_CONFIG_F_SIZE,
	 offsetof(struct ap_config_atlas, max_response_bytes), false, NULL, 0,
	 NULL},
	{"user_agent", AP_CONFIG_F_STRING,
	 offsetof(struct ap_config_atlas, user_agent), false, NULL, 0, NULL},
};

static const struct ap_config_field slo_fields[] = {
	{"max_rtt_delta_ms", AP_CONFIG_F_DOUBLE,
	 offsetof(struct ap_config, slo_max_rtt_delta_ms), false, NULL, 0,
	 NULL},
	{"max_loss_pct", AP_CONFIG_F_DOUBLE,
	 offsetof(struct ap_config, slo_max_loss_pct), false, NULL, 0, NULL},
};

static const struct ap_config_field bottleneck_fields[] = {
	{"min_increase_ms", AP_CONFIG_F_DOUBLE,
	 offsetof(struct ap_config, bottleneck_min_ms), false, NULL, 0, NULL},
	{"persist_ratio", AP_CONFIG_F_DOUBLE,
	 offsetof(struct ap_config, bottleneck_persist), false, NULL, 0, NULL},
};

static const struct ap_config_field defaults_fields[] = {
	{"max_utilization", AP_CONFIG_F_DOUBLE,
	 offsetof(struct ap_config, default_max_utilization), false, NULL, 0,
	 NULL},
};

static const struct ap_config_field top_fields[] = {
	{"atlas", AP_CONFIG_F_MAP, offsetof(struct ap_config, atlas), false,
	 atlas_fields, N(atlas_fields), NULL},
	{"state_dir", AP_CONFIG_F_STRING, offsetof(struct ap_config, state_dir),
	 false, NULL, 0, NULL},
	{"ixp_prefixes_file", AP_CONFIG_F_STRING,
	 offsetof(struct ap_config, ixp_prefixes_file), false, NULL, 0, NULL},
	{"late_results_horizon", AP_CONFIG_F_DURATION,
	 offsetof(struct ap_config, late_results_horizon_s), false, NULL, 0,
	 NULL},
	{"late_sweep_interval", AP_CONFIG_F_DURATION,
	 offsetof(struct ap_config, late_sweep_interval_s), false, NULL, 0,
	 NULL},
	{"probe_cache_ttl", AP_CONFIG_F_DURATION,
	 offsetof(struct ap_config, probe_cache_ttl_s), false, NULL, 0, NULL},
	{"interval", AP_CONFIG_F_DURATION,
	 offsetof(struct ap_config, interval_s), false, NULL, 0, NULL},
	{"retry_min", AP_CONFIG_F_DURATION,
	 offsetof(struct ap_config, retry_min_s), false, NULL, 0, NULL},
	{"retry_max", AP_CONFIG_F_DURATION,
	 offsetof(struct ap_config, retry_max_s), false, NULL, 0, NULL},
	{"shard", AP_CONFIG_F_CUSTOM, 0, false, NULL, 0, load_shard},
	{"log_level", AP_CONFIG_F_CUSTOM, 0, false, NULL, 0, load_log_level},
	{"measurements", AP_CONFIG_F_CUSTOM, 0, false, NULL, 0,
	 load_measurements},
	{"currency", AP_CONFIG_F_STRING, offsetof(struct ap_config, currency),
	 false, NULL, 0, NULL},
	{"bottleneck", AP_CONFIG_F_MAP, 0, false, bottleneck_fields,
	 N(bottleneck_fields), NULL},
	{"slo", AP_CONFIG_F_MAP, 0, false, slo_fields, N(slo_fields), NULL},
	{"defaults", AP_CONFIG_F_MAP, 0, false, defaults_fields,
	 N(defaults_fields), NULL},
	{"reference_transit_price", AP_CONFIG_F_DOUBLE_OR_NULL,
	 offsetof(struct ap_config, reference_transit_price), false, NULL, 0,
	 NULL},
	{"links", AP_CONFIG_F_CUSTOM, 0, false, NULL, 0, load_links},
	{"destinations", AP_CONFIG_F_CUSTOM, 0, false, NULL, 0,
	 load_destinations},
};

enum ap_status ap_config_new(struct ap_config **out, struct ap_err *err)
{
	struct ap_config *cfg;
	enum ap_status st = AP_OK;

	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		st = ap_err_set(err, AP_ENOMEM, "config: %s",
				ap_strerror(AP_ENOMEM));
		goto out;
	}
	cfg->atlas.base_url = strdup(DEFAULT_BASE_URL);
	cfg->atlas.timeout_s = 30;
	cfg->atlas.max_response_bytes = (uint64_t)256 << 20;
	cfg->atlas.user_agent = strdup(DEFAULT_USER_AGENT);
	cfg->state_dir = strdup(DEFAULT_STATE_DIR);
	cfg->late_results_horizon_s = 2 * 3600;
	cfg->late_sweep_interval_s = 15 * 60;
	cfg->probe_cache_ttl_s = 24 * 3600;
	cfg->interval_s = 0;
	cfg->retry_min_s = 10;
	cfg->retry_max_s = 15 * 60;
	cfg->shard_index = 1;
	cfg->shard_count = 1;
	cfg->log_level = AP_CONFIG_LOG_INFO;
	cfg->currency = strdup(DEFAULT_CURRENCY);
	cfg->bottleneck_min_ms = 10.0;
	cfg->bottleneck_persist = 0.8;
	cfg->slo_max_rtt_delta_ms = 10.0;
	cfg->slo_max_loss_pct = 1.0;
	cfg->default_max_utilization = 0.8;
	cfg->reference_transit_price = NAN;
	if (cfg->atlas.base_url == NULL || cfg->atlas.user_agent == NULL ||
	    cfg->state_dir == NULL || cfg->currency == NULL)
		st = ap_err_set(err, AP_ENOMEM, "config: %s",
				ap_strerror(AP_ENOMEM));
out:
	if (st != AP_OK)
		ap_config_free(cfg);
	else
		*out = cfg;
	return st;
}

void ap_config_free(struct ap_config *cfg)
{
	size_t i, j;

	if (cfg == NULL)
		return;
	free(cfg->source);
	free(cfg->atlas.base_url);
	free(cfg->atlas.api_key_file);
	free(cfg->atlas.ca_file);
	free(cfg->atlas.user_agent);
	free(cfg->state_dir);
	free(cfg->ixp_prefixes_file);
	for (i = 0; i < cfg->n_measurements; i++) {
		for (j = 0; j < cfg->measurements[i].n_tags; j++) {
			free(cfg->measurements[i].tags[j].key);
			free(cfg->measurements[i].tags[j].value);
		}
		free(cfg->measurements[i].tags);
	}
	free(cfg->measurements);
	free(cfg->currency);
	for (i = 0; i < cfg->n_links; i++) {
		free(cfg->links[i].name);
		free(cfg->links[i].prefixes);
	}
	free(cfg->links);
	for (i = 0; i < cfg->n_destinations; i++) {
		free(cfg->destinations[i].id);
		free(cfg->destinations[i].current_link);
		for (j = 0; j < cfg->destinations[i].n_measurements; j++)
			free(cfg->destinations[i].measurements[j].link);
		free(cfg->destinations[i].measurements);
		free(cfg->destinations[i].msm_ids);
	}
	free(cfg->destinations);
	ap_config_lines_free(cfg->lines);
	free(cfg);
}

/* "https://host/api/v2///" -> "https://host/api/v2"; keeps "scheme://". */
static void strip_trailing_slashes(char *url)
{
	size_t len = strlen(url);
	const char *sep = strstr(url, "://");
	size_t min = sep ? (size_t)(sep - url) + 3 : 0;

	while (len > min && url[len - 1] == '/')
		url[--len] = '\0';
}

enum ap_status ap_config_load_buffer(const char *name, const char *data,
				     size_t len, struct ap_config **out,
				     struct ap_err *err)
{
	struct ap_config *cfg = NULL;
	struct ap_yaml_node *root = NULL;
	struct ap_config_loader ld;
	enum ap_status st;

	*out = NULL;
	if (name == NULL)
		name = "config";
	if (data == NULL && len > 0)
		return ap_err_set(err, AP_EINVAL, "%s: no data", name);
	st = ap_config_new(&cfg, err);
	if (st != AP_OK)
		goto out;
	cfg->source = strdup(name);
	cfg->lines = calloc(1, sizeof(*cfg->lines));
	if (cfg->source == NULL || cfg->lines == NULL) {
		st = ap_err_set(err, AP_ENOMEM, "%s: %s", name,
				ap_strerror(AP_ENOMEM));
		goto out;
	}
	memset(&ld, 0, sizeof(ld));
	ld.name = cfg->source;
	ld.err = err;
	ld.lines = cfg->lines;
	st = ap_yaml_parse(cfg->source, data, len, AP_CONFIG_MAX_BYTES,
			   AP_CONFIG_MAX_DEPTH, AP_CONFIG_MAX_NODES, &root,
			   err);
	if (st != AP_OK)
		goto out;
	if (root != NULL && !ap_yaml_is_null(root)) {
		if (root->kind != AP_YAML_MAP) {
			st = ap_config_walk_fail(
				&ld, root->line,
				"the top level must be a mapping, got %s",
				ap_yaml_describe(root));
			goto out;
		}
		st = ap_config_walk_map(&ld, root, root->line, top_fields,
					N(top_fields), cfg);
		if (st != AP_OK)
			goto out;
	}
	strip_trailing_slashes(cfg->atlas.base_url);
	st = ap_config_validate(cfg, err);
out:
	ap_yaml_free(root);
	if (st != AP_OK)
		ap_config_free(cfg);
	else
		*out = cfg;
	return st;
}

enum ap_status ap_config_load_file(const char *path, struct ap_config **out,
				   struct ap_err *err)
{
	FILE *f = NULL;
	char *buf = NULL, *grown;
	size_t len = 0, cap = 0, got;
	char why[128];
	enum ap_status st = AP_OK;
	int e;

	*out = NULL;
	if (path == NULL)
		return ap_err_set(err, AP_EINVAL, "config: no file name");
	f = fopen(path, "rb");
	if (f == NULL) {
		e = errno;
		if (strerror_r(e, why, sizeof(why)) != 0)
			snprintf(why, sizeof(why), "error %d", e);
		st = ap_err_set(err, AP_EIO, "%s: cannot open: %s", path, why);
		goto out;
	}
	for (;;) {
		if (len == cap) {
			/* One byte past the cap tells "too big" apart. */
			if (cap > AP_CONFIG_MAX_BYTES) {
				st = ap_err_set(err, AP_ERANGE,
						"%s: larger than %u bytes",
						path, AP_CONFIG_MAX_BYTES);
				goto out;
			}
			cap = cap ? cap * 2 : 16384;
			if (cap > (size_t)AP_CONFIG_MAX_BYTES + 1)
				cap = (size_t)AP_CONFIG_MAX_BYTES + 1;
			grown = realloc(buf, cap);
			if (grown == NULL) {
				st = ap_err_set(err, AP_ENOMEM, "%s: %s", path,
						ap_strerror(AP_ENOMEM));
				goto out;
			}
			buf = grown;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got > 0)
			continue;
		if (ferror(f)) {
			e = errno;
			if (strerror_r(e, why, sizeof(why)) != 0)
				snprintf(why, sizeof(why), "error %d", e);
			st = ap_err_set(err, AP_EIO, "%s: cannot read: %s",
					path, why);
			goto out;
		}
		break;
	}
	st = ap_config_load_buffer(path, buf, len, out, err);
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	return st;
}

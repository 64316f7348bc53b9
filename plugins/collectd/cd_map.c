/* SPDX-License-Identifier: MIT */
/* cd_map: atlasperf metrics -> collectd identifiers and values. */
#include "cd_map.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-result and summary data sets are named after the field ("atlas_" +
 * key) unless collectd ships one with the same meaning. Ranges are loose
 * on purpose: a value outside them is stored as unknown by strict writers
 * (rrdtool). */
static const struct cd_type TYPES[] = {
	/* collectd's own (types.db) */
	{"ping", CD_DS_GAUGE, "0", "65535", true},
	{"ping_stddev", CD_DS_GAUGE, "0", "65535", true},
	{"ping_droprate", CD_DS_GAUGE, "0", "1", true},
	{"derive", CD_DS_DERIVE, "0", "U", true},
	{"gauge", CD_DS_GAUGE, "U", "U", true},
	{"count", CD_DS_GAUGE, "0", "U", true},
	{"bool", CD_DS_GAUGE, "0", "1", true},
	/* atlasperf.db: atlas_ping */
	{"atlas_minimum_response_ms", CD_DS_GAUGE, "0", "U", false},
	{"atlas_maximum_response_ms", CD_DS_GAUGE, "0", "U", false},
	{"atlas_median_response_ms", CD_DS_GAUGE, "0", "U", false},
	{"atlas_jitter_ms", CD_DS_GAUGE, "0", "U", false},
	{"atlas_packets_transmitted", CD_DS_GAUGE, "0", "U", false},
	{"atlas_packets_received", CD_DS_GAUGE, "0", "U", false},
	{"atlas_duplicates", CD_DS_GAUGE, "0", "U", false},
	{"atlas_ttl", CD_DS_GAUGE, "0", "255", false},
	{"atlas_packet_size", CD_DS_GAUGE, "0", "U", false},
	{"atlas_result_code", CD_DS_GAUGE, "0", "2", false},
	/* atlas_traceroute, atlas_traceroute_hop */
	{"atlas_hop_count", CD_DS_GAUGE, "0", "U", false},
	{"atlas_destination_responded", CD_DS_GAUGE, "0", "1", false},
	{"atlas_last_rtt_ms", CD_DS_GAUGE, "0", "U", false},
	{"atlas_destination_rtt_ms", CD_DS_GAUGE, "0", "U", false},
	{"atlas_success", CD_DS_GAUGE, "0", "1", false},
	{"atlas_bottleneck_hop", CD_DS_GAUGE, "0", "255", false},
	{"atlas_bottleneck_increase_ms", CD_DS_GAUGE, "0", "U", false},
	{"atlas_path_id", CD_DS_GAUGE, "0", "281474976710655", false},
	{"atlas_duration_s", CD_DS_GAUGE, "U", "U", false},
	{"atlas_rtt_ms", CD_DS_GAUGE, "0", "U", false},
	/* atlas_dns */
	{"atlas_response_time_ms", CD_DS_GAUGE, "0", "U", false},
	{"atlas_response_size_bytes", CD_DS_GAUGE, "0", "U", false},
	{"atlas_answer_count", CD_DS_GAUGE, "0", "U", false},
	{"atlas_rcode", CD_DS_GAUGE, "0", "15", false},
	/* atlas_http */
	{"atlas_status_code", CD_DS_GAUGE, "0", "U", false},
	{"atlas_connect_time_ms", CD_DS_GAUGE, "0", "U", false},
	{"atlas_first_byte_ms", CD_DS_GAUGE, "0", "U", false},
	{"atlas_header_bytes", CD_DS_GAUGE, "0", "U", false},
	{"atlas_body_bytes", CD_DS_GAUGE, "0", "U", false},
	/* atlas_ntp */
	{"atlas_rtt_min_ms", CD_DS_GAUGE, "0", "U", false},
	{"atlas_rtt_max_ms", CD_DS_GAUGE, "0", "U", false},
	{"atlas_offset_ms", CD_DS_GAUGE, "U", "U", false},
	{"atlas_offset_min_ms", CD_DS_GAUGE, "U", "U", false},
	{"atlas_offset_max_ms", CD_DS_GAUGE, "U", "U", false},
	{"atlas_stratum", CD_DS_GAUGE, "0", "255", false},
	/* atlas_sslcert */
	{"atlas_certificates", CD_DS_GAUGE, "0", "U", false},
	{"atlas_port", CD_DS_GAUGE, "0", "65535", false},
	{"atlas_alert_level", CD_DS_GAUGE, "0", "255", false},
	{"atlas_alert_description", CD_DS_GAUGE, "0", "255", false},
	/* atlas_ping_summary, atlas_traceroute_summary (plus the shared
	 * packets, loss, minimum and maximum above) */
	{"atlas_probes", CD_DS_GAUGE, "0", "U", false},
	{"atlas_probes_responding", CD_DS_GAUGE, "0", "U", false},
	{"atlas_probes_silent", CD_DS_GAUGE, "0", "U", false},
	{"atlas_results", CD_DS_GAUGE, "0", "U", false},
	{"atlas_percentile50_response_ms", CD_DS_GAUGE, "0", "U", false},
	{"atlas_percentile90_response_ms", CD_DS_GAUGE, "0", "U", false},
	{"atlas_percentile95_response_ms", CD_DS_GAUGE, "0", "U", false},
	{"atlas_percentile99_response_ms", CD_DS_GAUGE, "0", "U", false},
	{"atlas_path_changes", CD_DS_GAUGE, "0", "U", false},
	/* atlas_link (plus results, percentile50 and loss above) */
	{"atlas_billed_mbps", CD_DS_GAUGE, "0", "U", false},
	{"atlas_monthly_cost", CD_DS_GAUGE, "0", "U", false},
	{"atlas_effective_cost_per_mbps", CD_DS_GAUGE, "0", "U", false},
	{"atlas_breakeven_mbps", CD_DS_GAUGE, "0", "U", false},
	{"atlas_unused_commit_mbps", CD_DS_GAUGE, "0", "U", false},
	/* Above 1 when the billed load exceeds the port: not clipped. */
	{"atlas_utilization", CD_DS_GAUGE, "0", "U", false},
};

#define N_TYPES (sizeof(TYPES) / sizeof(TYPES[0]))

/* Fields whose meaning matches one of collectd's own data sets. metric
 * NULL matches every per-result metric. */
static const struct {
	const char *metric, *field, *type;
	double scale;
} STOCK[] = {
	{"atlas_ping", "average_response_ms", "ping", 1.0},
	{"atlas_ping", "standard_deviation_ms", "ping_stddev", 1.0},
	/* ping_droprate is a fraction 0..1; ours is a percentage. */
	{NULL, "percent_packet_loss", "ping_droprate", 0.01},
};

/* atlasperf_internal: type instance = field name, data set by meaning. */
static const struct {
	const char *field, *type;
} INTERNAL[] = {
	{"results_read", "derive"},
	{"results_invalid", "derive"},
	{"results_duplicate", "derive"},
	{"points_written", "derive"},
	{"api_requests", "derive"},
	{"api_errors", "derive"},
	{"last_http_status", "gauge"},
	{"fetch_ms", "gauge"},
	{"lag_seconds", "gauge"},
	{"consecutive_failures", "count"},
	{"disabled", "bool"},
	/* added by the plugin (atlasperf.c) */
	{"values_dispatched", "derive"},
	{"values_late", "derive"},
	{"values_unmapped", "derive"},
};

const struct cd_type *cd_types(size_t *n)
{
	*n = N_TYPES;
	return TYPES;
}

int cd_type_find(const char *name)
{
	for (size_t i = 0; i < N_TYPES; i++)
		if (strcmp(TYPES[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Per-result, summary and atlas_link field -> data set index and scale;
 * -1 when unmapped. */
static int field_type(const char *metric, const char *field, double *scale)
{
	char name[64];
	int n;

	*scale = 1.0;
	for (size_t i = 0; i < sizeof(STOCK) / sizeof(STOCK[0]); i++) {
		if (STOCK[i].metric != NULL &&
		    strcmp(STOCK[i].metric, metric) != 0)
			continue;
		if (strcmp(STOCK[i].field, field) == 0) {
			*scale = STOCK[i].scale;
			return cd_type_find(STOCK[i].type);
		}
	}
	n = snprintf(name, sizeof(name), "atlas_%s", field);
	if (n < 0 || (size_t)n >= sizeof(name))
		return -1;
	n = cd_type_find(name);
	/* Never map onto a stock set by the generic rule. */
	if (n >= 0 && TYPES[n].stock)
		return -1;
	return n;
}

static int internal_type(const char *field)
{
	for (size_t i = 0; i < sizeof(INTERNAL) / sizeof(INTERNAL[0]); i++)
		if (strcmp(INTERNAL[i].field, field) == 0)
			return cd_type_find(INTERNAL[i].type);
	return -1;
}

/* path_id is 12 hex digits (48 bits): exact in a double. */
static bool path_id_value(const char *s, double *out)
{
	uint64_t v = 0;
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		char c = s[n];
		unsigned d;

		if (n == 12)
			return false;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		v = v * 16 + d;
	}
	if (n == 0)
		return false;
	*out = (double)v;
	return true;
}

/* Field value as a gauge; false when it has none (strings). */
static bool gauge_of(const struct ap_field *f, double *out)
{
	switch (f->type) {
	case AP_FIELD_FLOAT:
		*out = f->v.f;
		return true;
	case AP_FIELD_INT:
		*out = (double)f->v.i;
		return true;
	case AP_FIELD_BOOL:
		*out = f->v.b ? 1.0 : 0.0;
		return true;
	case AP_FIELD_STRING:
		if (strcmp(f->key, "path_id") == 0 && f->v.s != NULL)
			return path_id_value(f->v.s, out);
		return false;
	}
	return false;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Summary points: "all", or "<dimension>-<value>" ("probe_cc-NL"). */
static bool summary_instance(const struct ap_metric *m, char *ti, size_t n)
{
	const char *group = ap_metric_tag_value(m, "group");
	const char *value;
	int len;

	if (group == NULL)
		return false;
	if (strcmp(group, "all") == 0) {
		len = snprintf(ti, n, "all");
	} else {
		value = ap_metric_tag_value(m, group);
		if (value == NULL)
			return false;
		len = snprintf(ti, n, "%s-%s", group, value);
	}
	return len > 0 && (size_t)len < n;
}

/* Writes the type instance of a per-result or summary metric; false
 * when it cannot be built. */
static bool result_instance(const struct ap_metric *m, char *ti, size_t n)
{
	const char *prb = ap_metric_tag_value(m, "prb_id");
	const char *sub;
	int len;

	if (ends_with(m->name, "_summary"))
		return summary_instance(m, ti, n);
	if (prb == NULL)
		return false;
	if (strcmp(m->name, "atlas_traceroute_hop") == 0) {
		sub = ap_metric_tag_value(m, "hop");
		if (sub == NULL)
			return false;
		len = snprintf(ti, n, "%s-hop%s", prb, sub);
	} else if ((sub = ap_metric_tag_value(m, "subid")) != NULL) {
		len = snprintf(ti, n, "%s-sub%s", prb, sub);
	} else if ((sub = ap_metric_tag_value(m, "response")) != NULL &&
		   strcmp(sub, "1") != 0) {
		/* The first (usually only) response keeps the plain probe
		 * id, so single-response HTTP series look like the rest. */
		len = snprintf(ti, n, "%s-resp%s", prb, sub);
	} else {
		len = snprintf(ti, n, "%s", prb);
	}
	return len > 0 && (size_t)len < n;
}

static void skip_metric(struct cd_map_skip *skip, const char *key)
{
	if (skip == NULL)
		return;
	skip->metrics++;
	if (skip->first_key == NULL)
		skip->first_key = key;
}

static void skip_field(struct cd_map_skip *skip, const char *key)
{
	if (skip == NULL)
		return;
	skip->fields++;
	if (skip->first_key == NULL)
		skip->first_key = key;
}

enum ap_status cd_map_metric(const struct ap_metric *m, int64_t msm_id,
			     enum ap_status (*emit)(const struct cd_value *v,
						    void *user),
			     void *user, struct cd_map_skip *skip)
{
	const char *msm = ap_metric_tag_value(m, "msm_id");
	bool internal = strcmp(m->name, "atlasperf_internal") == 0;
	struct cd_value v;
	char *end;
	long long id;

	if (m->overflow) {
		skip_metric(skip, m->name);
		return AP_OK;
	}
	if (msm == NULL) {
		skip_metric(skip, m->name);
		return AP_OK;
	}
	errno = 0;
	id = strtoll(msm, &end, 10);
	if (errno != 0 || *end != '\0' || id != msm_id) {
		skip_metric(skip, m->name);
		return AP_OK;
	}
	memset(&v, 0, sizeof(v));
	v.time_s = m->time_s;
	if (!internal) {
		if (strncmp(m->name, "atlas_", 6) != 0 ||
		    !result_instance(m, v.type_instance,
				     sizeof(v.type_instance))) {
			skip_metric(skip, m->name);
			return AP_OK;
		}
	}
	for (size_t i = 0; i < m->n_fields; i++) {
		const struct ap_field *f = &m->fields[i];
		double scale = 1.0, g;
		enum ap_status st;
		int t;

		if (internal) {
			int len = snprintf(v.type_instance,
					   sizeof(v.type_instance), "%s",
					   f->key);

			t = internal_type(f->key);
			if (len < 0 || (size_t)len >= sizeof(v.type_instance))
				t = -1;
		} else {
			t = field_type(m->name, f->key, &scale);
		}
		if (t < 0) {
			skip_field(skip, f->key);
			continue;
		}
		v.type = (uint16_t)t;
		if (TYPES[t].kind == CD_DS_DERIVE) {
			if (f->type != AP_FIELD_INT) {
				skip_field(skip, f->key);
				continue;
			}
			v.v.derive = f->v.i;
		} else {
			if (!gauge_of(f, &g)) {
				skip_field(skip, f->key);
				continue;
			}
			v.v.gauge = g * scale;
		}
		st = emit(&v, user);
		if (st != AP_OK)
			return st;
	}
	return AP_OK;
}

enum ap_status cd_map_link(const struct ap_metric *m,
			   enum ap_status (*emit)(const struct cd_value *v,
						  void *user),
			   void *user, struct cd_map_skip *skip)
{
	const char *link = ap_metric_tag_value(m, "link");
	struct cd_value v;
	int len;

	if (m->overflow || strcmp(m->name, "atlas_link") != 0 ||
	    link == NULL) {
		skip_metric(skip, m->name);
		return AP_OK;
	}
	memset(&v, 0, sizeof(v));
	v.time_s = m->time_s;
	len = snprintf(v.type_instance, sizeof(v.type_instance), "%s", link);
	/* Cut short, two long names could share one identifier. */
	if (len <= 0 || (size_t)len >= sizeof(v.type_instance)) {
		skip_metric(skip, m->name);
		return AP_OK;
	}
	for (size_t i = 0; i < m->n_fields; i++) {
		const struct ap_field *f = &m->fields[i];
		double scale, g;
		enum ap_status st;
		int t = field_type(m->name, f->key, &scale);

		if (t < 0 || TYPES[t].kind != CD_DS_GAUGE ||
		    !gauge_of(f, &g)) {
			skip_field(skip, f->key);
			continue;
		}
		v.type = (uint16_t)t;
		v.v.gauge = g * scale;
		st = emit(&v, user);
		if (st != AP_OK)
			return st;
	}
	return AP_OK;
}

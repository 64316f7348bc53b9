/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for cd_map (no collectd daemon needed): the data set table
 * against plugins/collectd/atlasperf.db and collectd's types.db, the
 * identifiers and values of every kind of metric, and that every field the
 * converters emit for the repository's sample results has a mapping.
 * Run from the top of the repository (tests/run-tests does), or pass the
 * path of atlasperf.db as the first argument.
 */
#include "cd_map.c"

#include <stdlib.h>

#include "../../tests/unit/test.h"
#include "atlasperf/ap_convert.h"
#include "atlasperf/ap_result.h"

#define MAX_GOT 64

/* Collects the values cd_map_metric emits. */
struct got {
	struct cd_value v[MAX_GOT];
	size_t n;
};

static enum ap_status collect(const struct cd_value *v, void *user)
{
	struct got *g = user;

	if (g->n == MAX_GOT)
		return AP_ERANGE;
	g->v[g->n++] = *v;
	return AP_OK;
}

/* The value of data set type with type instance ti, or NULL. */
static const struct cd_value *find(const struct got *g, const char *type,
				   const char *ti)
{
	int t = cd_type_find(type);

	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].type == t &&
		    strcmp(g->v[i].type_instance, ti) == 0)
			return &g->v[i];
	return NULL;
}

static double gauge(const struct got *g, const char *type, const char *ti)
{
	const struct cd_value *v = find(g, type, ti);

	return v != NULL ? v->v.gauge : -12345.0;
}

/* Reads a types file: returns how many of its lines matched want (an
 * entry of TYPES), and counts lines naming a data set not in TYPES (or
 * listed twice) in *extra. Only lines for names in the file are checked. */
static int check_types_file(const char *path, bool stock, int *extra,
			    int *missing)
{
	FILE *f = fopen(path, "r");
	char line[512];
	bool seen[N_TYPES];
	int ok = 0;

	*extra = 0;
	*missing = 0;
	if (f == NULL)
		return -1;
	memset(seen, 0, sizeof(seen));
	while (fgets(line, sizeof(line), f) != NULL) {
		char name[128], spec[256], want[256];
		int t;

		if (line[0] == '#' || sscanf(line, "%127s %255s", name, spec) !=
					      2)
			continue;
		t = cd_type_find(name);
		if (t < 0 || TYPES[t].stock != stock) {
			if (!stock)
				(*extra)++;
			continue;
		}
		if (seen[t]) {
			(*extra)++;
			continue;
		}
		seen[t] = true;
		snprintf(want, sizeof(want), "value:%s:%s:%s",
			 TYPES[t].kind == CD_DS_DERIVE ? "DERIVE" : "GAUGE",
			 TYPES[t].min, TYPES[t].max);
		if (strcmp(spec, want) == 0)
			ok++;
		else
			printf("  %s: %s has %s, cd_map.c says %s\n", path,
			       name, spec, want);
	}
	fclose(f);
	for (size_t i = 0; i < N_TYPES; i++)
		if (TYPES[i].stock == stock && !seen[i]) {
			printf("  %s lacks %s\n", path, TYPES[i].name);
			(*missing)++;
		}
	return ok;
}

static void test_tables(const char *db)
{
	int extra, missing, ok, n_custom = 0, n_stock = 0;

	for (size_t i = 0; i < N_TYPES; i++) {
		if (TYPES[i].stock)
			n_stock++;
		else
			n_custom++;
		CHECK(cd_type_find(TYPES[i].name) == (int)i); /* unique */
		CHECK(strlen(TYPES[i].name) < 64);
	}
	ok = check_types_file(db, false, &extra, &missing);
	CHECK(ok == n_custom);
	CHECK(extra == 0);
	CHECK(missing == 0);
	ok = check_types_file("/usr/share/collectd/types.db", true, &extra,
			      &missing);
	if (ok < 0) {
		printf("note: no /usr/share/collectd/types.db (collectd-core "
		       "not installed); stock types not checked\n");
	} else {
		CHECK(ok == n_stock);
		CHECK(missing == 0);
	}
	/* Every mapping target exists. */
	for (size_t i = 0; i < sizeof(STOCK) / sizeof(STOCK[0]); i++)
		CHECK(cd_type_find(STOCK[i].type) >= 0);
	for (size_t i = 0; i < sizeof(INTERNAL) / sizeof(INTERNAL[0]); i++)
		CHECK(cd_type_find(INTERNAL[i].type) >= 0);
}

static void test_ping(void)
{
	struct ap_metric m;
	struct got g = {.n = 0};
	struct cd_map_skip skip = {0};

	ap_metric_init(&m, "atlas_ping", 1764000000);
	ap_metric_tag(&m, "msm_id", "1001");
	ap_metric_tag(&m, "prb_id", "6001");
	ap_metric_tag(&m, "af", "4");
	ap_metric_tag(&m, "dst_name", "k.root-servers.net");
	ap_metric_int(&m, "packets_transmitted", 4);
	ap_metric_int(&m, "packets_received", 3);
	ap_metric_float(&m, "percent_packet_loss", 25.0);
	ap_metric_float(&m, "minimum_response_ms", 12.345);
	ap_metric_float(&m, "average_response_ms", 12.615333);
	ap_metric_float(&m, "maximum_response_ms", 13.001);
	ap_metric_float(&m, "median_response_ms", 12.5);
	ap_metric_float(&m, "standard_deviation_ms", 0.274);
	ap_metric_float(&m, "jitter_ms", 0.3);
	ap_metric_int(&m, "duplicates", 0);
	ap_metric_int(&m, "ttl", 57);
	ap_metric_int(&m, "packet_size", 48);
	ap_metric_int(&m, "result_code", 0);
	CHECK(cd_map_metric(&m, 1001, collect, &g, &skip) == AP_OK);
	CHECK(g.n == 13);
	CHECK(skip.fields == 0 && skip.metrics == 0);
	CHECK_NEAR(gauge(&g, "ping", "6001"), 12.615333, 0);
	CHECK_NEAR(gauge(&g, "ping_stddev", "6001"), 0.274, 0);
	CHECK_NEAR(gauge(&g, "ping_droprate", "6001"), 0.25, 1e-15);
	CHECK_NEAR(gauge(&g, "atlas_minimum_response_ms", "6001"), 12.345, 0);
	CHECK_NEAR(gauge(&g, "atlas_maximum_response_ms", "6001"), 13.001, 0);
	CHECK_NEAR(gauge(&g, "atlas_median_response_ms", "6001"), 12.5, 0);
	CHECK_NEAR(gauge(&g, "atlas_jitter_ms", "6001"), 0.3, 0);
	CHECK_NEAR(gauge(&g, "atlas_packets_transmitted", "6001"), 4, 0);
	CHECK_NEAR(gauge(&g, "atlas_packets_received", "6001"), 3, 0);
	CHECK_NEAR(gauge(&g, "atlas_duplicates", "6001"), 0, 0);
	CHECK_NEAR(gauge(&g, "atlas_ttl", "6001"), 57, 0);
	CHECK_NEAR(gauge(&g, "atlas_packet_size", "6001"), 48, 0);
	CHECK_NEAR(gauge(&g, "atlas_result_code", "6001"), 0, 0);
	for (size_t i = 0; i < g.n; i++)
		CHECK(g.v[i].time_s == 1764000000);

	/* 100 % loss: loss 1.0, no RTT values at all. */
	g.n = 0;
	ap_metric_init(&m, "atlas_ping", 1764000007);
	ap_metric_tag(&m, "msm_id", "1001");
	ap_metric_tag(&m, "prb_id", "6003");
	ap_metric_int(&m, "packets_transmitted", 3);
	ap_metric_int(&m, "packets_received", 0);
	ap_metric_float(&m, "percent_packet_loss", 100.0);
	ap_metric_float(&m, "average_response_ms", NAN); /* no-op */
	CHECK(cd_map_metric(&m, 1001, collect, &g, NULL) == AP_OK);
	CHECK(g.n == 3);
	CHECK_NEAR(gauge(&g, "ping_droprate", "6003"), 1.0, 0);
	CHECK(find(&g, "ping", "6003") == NULL);
}

static void test_traceroute(void)
{
	struct ap_metric m;
	struct got g = {.n = 0};
	struct cd_map_skip skip = {0};

	ap_metric_init(&m, "atlas_traceroute", 1764000100);
	ap_metric_tag(&m, "msm_id", "5001");
	ap_metric_tag(&m, "prb_id", "6002");
	ap_metric_int(&m, "hop_count", 7);
	ap_metric_int(&m, "destination_responded", 1);
	ap_metric_float(&m, "last_rtt_ms", 27.25);
	ap_metric_int(&m, "success", 1);
	ap_metric_string_copy(&m, "path_id", "0123456789ab");
	ap_metric_int(&m, "duration_s", 4);
	CHECK(cd_map_metric(&m, 5001, collect, &g, &skip) == AP_OK);
	CHECK(g.n == 6);
	CHECK(skip.fields == 0);
	CHECK_NEAR(gauge(&g, "atlas_path_id", "6002"), (double)0x0123456789abLL,
		   0);
	CHECK_NEAR(gauge(&g, "atlas_hop_count", "6002"), 7, 0);

	/* A path_id that is not 12 hex digits is skipped, not garbled. */
	g.n = 0;
	ap_metric_init(&m, "atlas_traceroute", 1764000100);
	ap_metric_tag(&m, "msm_id", "5001");
	ap_metric_tag(&m, "prb_id", "6002");
	ap_metric_string(&m, "path_id", "0123456789abc");
	ap_metric_string(&m, "note", "text");
	memset(&skip, 0, sizeof(skip));
	CHECK(cd_map_metric(&m, 5001, collect, &g, &skip) == AP_OK);
	CHECK(g.n == 0);
	CHECK(skip.fields == 2);
	CHECK_STR(skip.first_key, "path_id");

	g.n = 0;
	ap_metric_init(&m, "atlas_traceroute_hop", 1764000100);
	ap_metric_tag(&m, "msm_id", "5001");
	ap_metric_tag(&m, "prb_id", "6002");
	ap_metric_tag_int(&m, "hop", 3);
	ap_metric_float(&m, "rtt_ms", 25.75);
	ap_metric_int(&m, "packets_transmitted", 3);
	ap_metric_int(&m, "packets_received", 3);
	ap_metric_float(&m, "percent_packet_loss", 0.0);
	CHECK(cd_map_metric(&m, 5001, collect, &g, NULL) == AP_OK);
	CHECK(g.n == 4);
	CHECK_NEAR(gauge(&g, "atlas_rtt_ms", "6002-hop3"), 25.75, 0);
	CHECK_NEAR(gauge(&g, "ping_droprate", "6002-hop3"), 0, 0);

	/* A hop point without its hop tag has no identity. */
	g.n = 0;
	ap_metric_init(&m, "atlas_traceroute_hop", 1764000100);
	ap_metric_tag(&m, "msm_id", "5001");
	ap_metric_tag(&m, "prb_id", "6002");
	ap_metric_float(&m, "rtt_ms", 25.75);
	memset(&skip, 0, sizeof(skip));
	CHECK(cd_map_metric(&m, 5001, collect, &g, &skip) == AP_OK);
	CHECK(g.n == 0 && skip.metrics == 1);
}

static void test_sub_series(void)
{
	struct ap_metric m;
	struct got g = {.n = 0};

	ap_metric_init(&m, "atlas_dns", 1764000020);
	ap_metric_tag(&m, "msm_id", "30002");
	ap_metric_tag(&m, "prb_id", "6001");
	ap_metric_tag_int(&m, "subid", 2);
	ap_metric_float(&m, "response_time_ms", 11.5);
	ap_metric_int(&m, "rcode", 0);
	ap_metric_int(&m, "result_code", 0);
	CHECK(cd_map_metric(&m, 30002, collect, &g, NULL) == AP_OK);
	CHECK_NEAR(gauge(&g, "atlas_response_time_ms", "6001-sub2"), 11.5, 0);
	CHECK_NEAR(gauge(&g, "atlas_rcode", "6001-sub2"), 0, 0);

	g.n = 0;
	ap_metric_init(&m, "atlas_http", 1764000030);
	ap_metric_tag(&m, "msm_id", "12001");
	ap_metric_tag(&m, "prb_id", "6001");
	ap_metric_tag_int(&m, "response", 1);
	ap_metric_int(&m, "status_code", 200);
	CHECK(cd_map_metric(&m, 12001, collect, &g, NULL) == AP_OK);
	ap_metric_init(&m, "atlas_http", 1764000030);
	ap_metric_tag(&m, "msm_id", "12001");
	ap_metric_tag(&m, "prb_id", "6001");
	ap_metric_tag_int(&m, "response", 2);
	ap_metric_int(&m, "status_code", 404);
	CHECK(cd_map_metric(&m, 12001, collect, &g, NULL) == AP_OK);
	CHECK_NEAR(gauge(&g, "atlas_status_code", "6001"), 200, 0);
	CHECK_NEAR(gauge(&g, "atlas_status_code", "6001-resp2"), 404, 0);
}

static void test_summary(void)
{
	struct ap_metric m;
	struct got g = {.n = 0};
	struct cd_map_skip skip = {0};

	ap_metric_init(&m, "atlas_ping_summary", 1764000000);
	ap_metric_tag(&m, "msm_id", "1001");
	ap_metric_tag(&m, "af", "4");
	ap_metric_tag(&m, "group", "all");
	ap_metric_int(&m, "probes", 4);
	ap_metric_int(&m, "probes_responding", 3);
	ap_metric_int(&m, "probes_silent", 1);
	ap_metric_int(&m, "results", 4);
	ap_metric_int(&m, "packets_transmitted", 12);
	ap_metric_int(&m, "packets_received", 8);
	ap_metric_float(&m, "percent_packet_loss", 33.333333);
	ap_metric_float(&m, "percentile50_response_ms", 20.1);
	ap_metric_float(&m, "percentile90_response_ms", 30.1);
	ap_metric_float(&m, "percentile95_response_ms", 30.1);
	ap_metric_float(&m, "percentile99_response_ms", 30.1);
	ap_metric_float(&m, "minimum_response_ms", 12.345);
	ap_metric_float(&m, "maximum_response_ms", 31.0);
	CHECK(cd_map_metric(&m, 1001, collect, &g, &skip) == AP_OK);
	CHECK(g.n == 13);
	CHECK(skip.fields == 0 && skip.metrics == 0);
	CHECK_NEAR(gauge(&g, "atlas_probes", "all"), 4, 0);
	CHECK_NEAR(gauge(&g, "ping_droprate", "all"), 0.33333333, 1e-12);
	CHECK_NEAR(gauge(&g, "atlas_percentile50_response_ms", "all"), 20.1,
		   0);

	g.n = 0;
	ap_metric_init(&m, "atlas_traceroute_summary", 1764000000);
	ap_metric_tag(&m, "msm_id", "5001");
	ap_metric_tag(&m, "group", "probe_cc");
	ap_metric_tag(&m, "probe_cc", "NL");
	ap_metric_int(&m, "path_changes", 2);
	CHECK(cd_map_metric(&m, 5001, collect, &g, NULL) == AP_OK);
	CHECK_NEAR(gauge(&g, "atlas_path_changes", "probe_cc-NL"), 2, 0);

	/* A group whose value is missing, or too long to fit, is skipped. */
	g.n = 0;
	memset(&skip, 0, sizeof(skip));
	ap_metric_init(&m, "atlas_ping_summary", 1764000000);
	ap_metric_tag(&m, "msm_id", "1001");
	ap_metric_tag(&m, "group", "link");
	ap_metric_int(&m, "probes", 4);
	CHECK(cd_map_metric(&m, 1001, collect, &g, &skip) == AP_OK);
	ap_metric_tag(&m, "link",
		      "a-link-name-that-is-far-too-long-for-a-type-instance");
	CHECK(cd_map_metric(&m, 1001, collect, &g, &skip) == AP_OK);
	CHECK(g.n == 0 && skip.metrics == 2);
}

static void test_internal(void)
{
	struct ap_metric m;
	struct got g = {.n = 0};
	struct cd_map_skip skip = {0};
	const struct cd_value *v;

	ap_metric_init(&m, "atlasperf_internal", 1764000500);
	ap_metric_tag(&m, "msm_id", "1001");
	ap_metric_int(&m, "results_read", 42);
	ap_metric_int(&m, "api_errors", 1);
	ap_metric_int(&m, "last_http_status", 200);
	ap_metric_int(&m, "lag_seconds", 77);
	ap_metric_int(&m, "consecutive_failures", 0);
	ap_metric_int(&m, "disabled", 0);
	ap_metric_int(&m, "values_late", 3);
	ap_metric_int(&m, "something_new", 3);
	CHECK(cd_map_metric(&m, 1001, collect, &g, &skip) == AP_OK);
	CHECK(g.n == 7);
	CHECK(skip.fields == 1);
	CHECK_STR(skip.first_key, "something_new");
	v = find(&g, "derive", "results_read");
	CHECK(v != NULL && v->v.derive == 42 && v->time_s == 1764000500);
	v = find(&g, "derive", "values_late");
	CHECK(v != NULL && v->v.derive == 3);
	CHECK_NEAR(gauge(&g, "gauge", "lag_seconds"), 77, 0);
	CHECK_NEAR(gauge(&g, "gauge", "last_http_status"), 200, 0);
	CHECK_NEAR(gauge(&g, "count", "consecutive_failures"), 0, 0);
	CHECK_NEAR(gauge(&g, "bool", "disabled"), 0, 0);
}

/* atlas_link: type instance = link name, the fields of docs/metrics.md. */
static void test_link(void)
{
	struct ap_metric m;
	struct got g = {.n = 0};
	struct cd_map_skip skip = {0};
	const struct cd_value *v;

	ap_metric_init(&m, "atlas_link", 1764000900);
	ap_metric_tag(&m, "kind", "transit");
	ap_metric_tag(&m, "link", "transit-a");
	ap_metric_int(&m, "results", 5);
	ap_metric_float(&m, "percentile50_response_ms", 12.0);
	ap_metric_float(&m, "percent_packet_loss", 38.461538);
	ap_metric_float(&m, "billed_mbps", 2500);
	ap_metric_float(&m, "monthly_cost", 1650);
	ap_metric_float(&m, "effective_cost_per_mbps", 0.66);
	ap_metric_float(&m, "breakeven_mbps", 1333.333333);
	ap_metric_float(&m, "unused_commit_mbps", 0);
	ap_metric_float(&m, "utilization", 0.25);
	CHECK(cd_map_link(&m, collect, &g, &skip) == AP_OK);
	CHECK(g.n == 9);
	CHECK(skip.fields == 0 && skip.metrics == 0);
	v = find(&g, "atlas_results", "transit-a");
	CHECK(v != NULL && v->time_s == 1764000900 && v->v.gauge == 5);
	CHECK_NEAR(gauge(&g, "atlas_percentile50_response_ms", "transit-a"),
		   12, 0);
	CHECK_NEAR(gauge(&g, "ping_droprate", "transit-a"), 0.38461538,
		   1e-12);
	CHECK_NEAR(gauge(&g, "atlas_billed_mbps", "transit-a"), 2500, 0);
	CHECK_NEAR(gauge(&g, "atlas_monthly_cost", "transit-a"), 1650, 0);
	CHECK_NEAR(gauge(&g, "atlas_effective_cost_per_mbps", "transit-a"),
		   0.66, 0);
	CHECK_NEAR(gauge(&g, "atlas_breakeven_mbps", "transit-a"),
		   1333.333333, 0);
	CHECK_NEAR(gauge(&g, "atlas_unused_commit_mbps", "transit-a"), 0, 0);
	CHECK_NEAR(gauge(&g, "atlas_utilization", "transit-a"), 0.25, 0);

	/* Not for cd_map_metric (no msm_id), and cd_map_link takes nothing
	 * else; an unknown field, a missing or too long name are skipped. */
	g.n = 0;
	memset(&skip, 0, sizeof(skip));
	CHECK(cd_map_metric(&m, 1001, collect, &g, &skip) == AP_OK);
	CHECK(g.n == 0 && skip.metrics == 1);
	memset(&skip, 0, sizeof(skip));
	ap_metric_init(&m, "atlas_ping_summary", 1764000900);
	ap_metric_tag(&m, "link", "transit-a");
	ap_metric_int(&m, "results", 5);
	CHECK(cd_map_link(&m, collect, &g, &skip) == AP_OK);
	ap_metric_init(&m, "atlas_link", 1764000900);
	ap_metric_int(&m, "results", 5);
	CHECK(cd_map_link(&m, collect, &g, &skip) == AP_OK);
	ap_metric_tag(&m, "link",
		      "a-link-name-that-is-far-too-long-for-a-type-instance");
	CHECK(cd_map_link(&m, collect, &g, &skip) == AP_OK);
	CHECK(g.n == 0 && skip.metrics == 3);
	ap_metric_init(&m, "atlas_link", 1764000900);
	ap_metric_tag(&m, "link", "ixp-x");
	ap_metric_int(&m, "results", 0);
	ap_metric_string(&m, "note", "x");
	ap_metric_float(&m, "something_new", 1);
	CHECK(cd_map_link(&m, collect, &g, &skip) == AP_OK);
	CHECK(g.n == 1 && skip.fields == 2);
	CHECK_STR(skip.first_key, "atlas_ping_summary");
}

static void test_rejects(void)
{
	struct ap_metric m;
	struct got g = {.n = 0};
	struct cd_map_skip skip = {0};

	/* Another measurement's point (the callback is for 1001). */
	ap_metric_init(&m, "atlas_ping", 1764000000);
	ap_metric_tag(&m, "msm_id", "2001");
	ap_metric_tag(&m, "prb_id", "6001");
	ap_metric_float(&m, "average_response_ms", 1.0);
	CHECK(cd_map_metric(&m, 1001, collect, &g, &skip) == AP_OK);
	/* No prb_id. */
	ap_metric_init(&m, "atlas_ping", 1764000000);
	ap_metric_tag(&m, "msm_id", "1001");
	ap_metric_float(&m, "average_response_ms", 1.0);
	CHECK(cd_map_metric(&m, 1001, collect, &g, &skip) == AP_OK);
	/* Unknown measurement name. */
	ap_metric_init(&m, "something_else", 1764000000);
	ap_metric_tag(&m, "msm_id", "1001");
	ap_metric_tag(&m, "prb_id", "6001");
	ap_metric_float(&m, "average_response_ms", 1.0);
	CHECK(cd_map_metric(&m, 1001, collect, &g, &skip) == AP_OK);
	CHECK(g.n == 0);
	CHECK(skip.metrics == 3);
	/* A field named like a stock type never maps by the generic rule,
	 * and an unknown field is skipped. */
	memset(&skip, 0, sizeof(skip));
	ap_metric_init(&m, "atlas_dns", 1764000000);
	ap_metric_tag(&m, "msm_id", "1001");
	ap_metric_tag(&m, "prb_id", "6001");
	ap_metric_float(&m, "ping", 1.0);
	ap_metric_float(&m, "unheard_of_ms", 1.0);
	ap_metric_float(&m, "average_response_ms", 1.0); /* ping only */
	CHECK(cd_map_metric(&m, 1001, collect, &g, &skip) == AP_OK);
	CHECK(g.n == 0 && skip.fields == 3);
	/* emit's error stops the mapping and comes back. */
	{
		struct got full;

		full.n = MAX_GOT;
		ap_metric_init(&m, "atlas_ping", 1764000000);
		ap_metric_tag(&m, "msm_id", "1001");
		ap_metric_tag(&m, "prb_id", "6001");
		ap_metric_float(&m, "average_response_ms", 1.0);
		CHECK(cd_map_metric(&m, 1001, collect, &full, NULL) ==
		      AP_ERANGE);
	}
}

/* Every field the converters emit for the sample results maps. */
struct sweep {
	struct got g;
	struct cd_map_skip skip;
	size_t metrics;
	int64_t msm;
};

static enum ap_status count_value(const struct cd_value *v, void *user)
{
	struct sweep *s = user;

	(void)v;
	s->g.n++;
	return AP_OK;
}

static enum ap_status sweep_point(const struct ap_metric *m, void *user)
{
	struct sweep *s = user;

	s->metrics++;
	return cd_map_metric(m, s->msm, count_value, s, &s->skip);
}

static void sweep_file(const char *path, struct sweep *s)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	struct ap_convert_opts o;

	if (f == NULL)
		return;
	ap_convert_opts_init(&o);
	o.hop_points = true;
	o.probe_asn = "3333";
	o.probe_cc = "NL";
	while ((len = getline(&line, &cap, f)) > 0) {
		struct ap_result *r = NULL;
		struct ap_result_id id;
		struct ap_sink sink = {sweep_point, s};
		struct ap_err err;

		if (ap_result_parse(line, (size_t)len, &r, &id, &err) != AP_OK)
			continue;
		s->msm = id.msm_id;
		(void)ap_convert_result(r, &o, &sink, &err);
		ap_result_free(r);
	}
	free(line);
	fclose(f);
}

static void test_converters(void)
{
	static const char *const files[] = {
		"examples/results-sample.jsonl",
		"../shared/corpus/atlas/results-ping.jsonl",
		"../shared/corpus/atlas/results-traceroute.jsonl",
		"../shared/corpus/atlas/results-dns.jsonl",
		"../shared/corpus/atlas/results-http.jsonl",
		"../shared/corpus/atlas/results-ntp.jsonl",
		"../shared/corpus/atlas/results-sslcert.jsonl",
	};
	struct sweep s;

	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		sweep_file(files[i], &s);
	CHECK(s.metrics > 0);
	CHECK(s.g.n > s.metrics);
	CHECK(s.skip.fields == 0);
	CHECK(s.skip.metrics == 0);
	if (s.skip.first_key != NULL)
		printf("  unmapped: %s\n", s.skip.first_key);
	printf("note: %zu converter points gave %zu values\n", s.metrics,
	       s.g.n);
}

int main(int argc, char **argv)
{
	test_tables(argc > 1 ? argv[1] : "plugins/collectd/atlasperf.db");
	test_ping();
	test_traceroute();
	test_sub_series();
	test_summary();
	test_internal();
	test_link();
	test_rejects();
	test_converters();
	TEST_DONE();
}

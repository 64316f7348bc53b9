/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for ap_config: defaults, a full block-style and a flow-style
 * config, the scalar parsers, every error class with its exact message
 * (file, line, key path), file loading, and shard ownership.
 */
#include "atlasperf/ap_config.h"

#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

#ifndef AP_VERSION
#define AP_VERSION "0.0.0"
#endif

static enum ap_status load(const char *yaml, struct ap_config **cfg,
			   struct ap_err *err)
{
	return ap_config_load_buffer("t.yaml", yaml, strlen(yaml), cfg, err);
}

/* Loading yaml must fail with status want_st and exactly message want. */
#define EXPECT_ERR(yaml, want_st, want)                                        \
	do {                                                                   \
		struct ap_config *c_ = NULL;                                   \
		struct ap_err e_;                                              \
		enum ap_status s_;                                             \
		ap_err_clear(&e_);                                             \
		s_ = load((yaml), &c_, &e_);                                   \
		CHECK(s_ == (want_st));                                        \
		CHECK(c_ == NULL);                                             \
		CHECK_STR(e_.msg, (want));                                     \
		ap_config_free(c_);                                            \
	} while (0)

/* Loading yaml must succeed; the config is left in *cfg. */
#define EXPECT_OK(yaml, cfg)                                                   \
	do {                                                                   \
		struct ap_err e_;                                              \
		enum ap_status s_;                                             \
		ap_err_clear(&e_);                                             \
		s_ = load((yaml), (cfg), &e_);                                 \
		CHECK(s_ == AP_OK);                                            \
		if (s_ != AP_OK)                                               \
			printf("  error: %s\n", e_.msg);                       \
	} while (0)

static void check_defaults(const struct ap_config *c)
{
	CHECK_STR(c->atlas.base_url, "https://atlas.ripe.net/api/v2");
	CHECK(c->atlas.api_key_file == NULL);
	CHECK(c->atlas.timeout_s == 30);
	CHECK(c->atlas.ca_file == NULL);
	CHECK(c->atlas.max_response_bytes == 268435456u);
	CHECK_STR(c->atlas.user_agent, "atlasperf/" AP_VERSION);
	CHECK_STR(c->state_dir, "/var/lib/atlasperf");
	CHECK(c->ixp_prefixes_file == NULL);
	CHECK(c->late_results_horizon_s == 7200);
	CHECK(c->late_sweep_interval_s == 900);
	CHECK(c->probe_cache_ttl_s == 86400);
	CHECK(c->interval_s == 0);
	CHECK(c->retry_min_s == 10);
	CHECK(c->retry_max_s == 900);
	CHECK(c->bottleneck_min_ms == 10.0 && c->bottleneck_persist == 0.8);
	CHECK(c->shard_index == 1);
	CHECK(c->shard_count == 1);
	CHECK(c->log_level == AP_CONFIG_LOG_INFO);
	CHECK(c->n_measurements == 0);
	CHECK(c->measurements == NULL);
	CHECK_STR(c->currency, "EUR");
	CHECK(c->slo_max_rtt_delta_ms == 10.0);
	CHECK(c->slo_max_loss_pct == 1.0);
	CHECK(c->default_max_utilization == 0.8);
	CHECK(isnan(c->reference_transit_price));
	CHECK(c->n_links == 0);
	CHECK(c->n_destinations == 0);
}

static void test_defaults(void)
{
	static const char *const empties[] = {
		"",      "~\n",
		"---\n", "# only a comment\n",
		"{}\n",  "atlas:\nslo:\ndefaults:\nmeasurements:\nlinks:\n"};
	struct ap_config *c = NULL;
	struct ap_err err;
	size_t i;

	CHECK(ap_config_new(&c, &err) == AP_OK);
	if (c != NULL) {
		check_defaults(c);
		CHECK(c->source == NULL);
		CHECK(ap_config_validate(c, &err) == AP_OK);
	}
	ap_config_free(c);
	for (i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		c = NULL;
		EXPECT_OK(empties[i], &c);
		if (c == NULL)
			continue;
		check_defaults(c);
		CHECK_STR(c->source, "t.yaml");
		ap_config_free(c);
	}
	ap_config_free(NULL);
}

static const char full_yaml[] =
	"# atlasperf test config\n"                                 /* 1 */
	"atlas:\n"                                                  /* 2 */
	"  base_url: https://atlas.example.net/api/v2/\n"           /* 3 */
	"  api_key_file: /etc/atlasperf/key\n"                      /* 4 */
	"  timeout: 1m30s\n"                                        /* 5 */
	"  ca_file: /etc/ssl/ca.pem\n"                              /* 6 */
	"  max_response_bytes: 64MB\n"                              /* 7 */
	"  user_agent: \"probe-bot/1.0\"\n"                         /* 8 */
	"state_dir: ./build/state\n"                                /* 9 */
	"late_results_horizon: 3h\n"                                /* 10 */
	"late_sweep_interval: 600\n"                                /* 11 */
	"probe_cache_ttl: 1d\n"                                     /* 12 */
	"interval: 5m\n"                                            /* 13 */
	"shard: 2/3\n"                                              /* 14 */
	"log_level: debug\n"                                        /* 15 */
	"measurements:\n"                                           /* 16 */
	"  - id: 1001\n"                                            /* 17 */
	"    tags: {target: k-root, site: \"ams 1\", asn: 64501}\n" /* 18 */
	"    group_by: [probe_asn, probe_cc]\n"                     /* 19 */
	"    target: {lat: 52.37, lon: -4.89}\n"                    /* 20 */
	"    hop_points: yes\n"                                     /* 21 */
	"  - id: 2001\n"                                            /* 22 */
	"    enabled: false\n"                                      /* 23 */
	"currency: USD\n"                                           /* 24 */
	"slo: {max_rtt_delta_ms: 12.5, max_loss_pct: 2}\n"          /* 25 */
	"defaults: {max_utilization: 0.75}\n"                       /* 26 */
	"reference_transit_price: 0.45\n"                           /* 27 */
	"links:\n"                                                  /* 28 */
	"  - name: transit-a\n"                                     /* 29 */
	"    kind: transit\n"                                       /* 30 */
	"    commit_mbps: 500\n"                                    /* 31 */
	"    price_per_mbps: 0.50\n"                                /* 32 */
	"    overage_price_per_mbps: 0.60\n"                        /* 33 */
	"    fixed_monthly: 200\n"                                  /* 34 */
	"    port_capacity_mbps: 10000\n"                           /* 35 */
	"    max_utilization: 0.9\n"                                /* 36 */
	"    prefixes: [\"198.51.100.0/31\", \"2001:db8:100::/127\"]\n"
	"  - {name: ixp-x, kind: peering, fixed_monthly: 800, "
	"port_capacity_mbps: 10000, prefixes: [\"192.0.2.0/24\"]}\n" /* 38 */
	"  - name: pni-y\n"                                          /* 39 */
	"    kind: pni\n"                                            /* 40 */
	"    price_per_mbps: 0.1\n"                                  /* 41 */
	"    port_capacity_mbps: 1e4\n"                              /* 42 */
	"destinations:\n"                                            /* 43 */
	"  - id: AS64501\n"                                          /* 44 */
	"    traffic_mbps: 1500\n"                                   /* 45 */
	"    current_link: transit-a\n"                              /* 46 */
	"    measurements:\n"                                        /* 47 */
	"      transit-a: {rtt_ms: 20, loss_pct: 0.0}\n"             /* 48 */
	"      ixp-x: {rtt_ms: 12, loss_pct: 0.5}\n"                 /* 49 */
	"  - id: 203.0.113.0/24\n"                                   /* 50 */
	"    traffic_mbps: 0\n"                                      /* 51 */
	"    current_link: ixp-x\n";                                 /* 52 */

static void test_full(void)
{
	static const unsigned char v6[16] = {0x20, 0x01, 0x0d,
					     0xb8, 0x01, 0x00};
	static const unsigned char v4a[16] = {198, 51, 100, 0};
	static const unsigned char v4b[16] = {192, 0, 2, 0};
	struct ap_config *c = NULL;
	const struct ap_config_msm *m;
	const struct ap_config_link *l;
	const struct ap_config_dest *d;

	EXPECT_OK(full_yaml, &c);
	if (c == NULL)
		return;
	CHECK_STR(c->atlas.base_url, "https://atlas.example.net/api/v2");
	CHECK_STR(c->atlas.api_key_file, "/etc/atlasperf/key");
	CHECK(c->atlas.timeout_s == 90);
	CHECK_STR(c->atlas.ca_file, "/etc/ssl/ca.pem");
	CHECK(c->atlas.max_response_bytes == 64000000u);
	CHECK_STR(c->atlas.user_agent, "probe-bot/1.0");
	CHECK_STR(c->state_dir, "./build/state");
	CHECK(c->late_results_horizon_s == 3 * 3600);
	CHECK(c->late_sweep_interval_s == 600);
	CHECK(c->probe_cache_ttl_s == 86400);
	CHECK(c->interval_s == 300);
	CHECK(c->shard_index == 2 && c->shard_count == 3);
	CHECK(c->log_level == AP_CONFIG_LOG_DEBUG);

	CHECK(c->n_measurements == 2);
	m = &c->measurements[0];
	CHECK(m->id == 1001);
	CHECK(m->n_tags == 3);
	if (m->n_tags == 3) {
		CHECK_STR(m->tags[0].key, "target");
		CHECK_STR(m->tags[0].value, "k-root");
		CHECK_STR(m->tags[1].key, "site");
		CHECK_STR(m->tags[1].value, "ams 1");
		CHECK_STR(m->tags[2].key, "asn");
		CHECK_STR(m->tags[2].value, "64501");
	}
	CHECK(m->n_group_by == 2);
	CHECK(m->group_by[0] == AP_CONFIG_GROUP_PROBE_ASN);
	CHECK(m->group_by[1] == AP_CONFIG_GROUP_PROBE_CC);
	CHECK(m->has_target);
	CHECK(m->target_lat == 52.37);
	CHECK(m->target_lon == -4.89);
	CHECK(m->hop_points);
	CHECK(m->enabled);
	m = &c->measurements[1];
	CHECK(m->id == 2001);
	CHECK(m->n_tags == 0 && m->tags == NULL);
	CHECK(m->n_group_by == 0);
	CHECK(!m->has_target);
	CHECK(!m->hop_points);
	CHECK(!m->enabled);
	CHECK(ap_config_find_msm(c, 2001) == m);
	CHECK(ap_config_find_msm(c, 3) == NULL);

	CHECK_STR(c->currency, "USD");
	CHECK(c->slo_max_rtt_delta_ms == 12.5);
	CHECK(c->slo_max_loss_pct == 2.0);
	CHECK(c->default_max_utilization == 0.75);
	CHECK(c->reference_transit_price == 0.45);

	CHECK(c->n_links == 3);
	l = &c->links[0];
	CHECK_STR(l->name, "transit-a");
	CHECK(l->kind == AP_CONFIG_LINK_TRANSIT);
	CHECK(l->commit_mbps == 500);
	CHECK(l->price_per_mbps == 0.5);
	CHECK(l->overage_price_per_mbps == 0.6);
	CHECK(l->fixed_monthly == 200);
	CHECK(l->port_capacity_mbps == 10000);
	CHECK(l->max_utilization == 0.9);
	CHECK(l->n_prefixes == 2);
	if (l->n_prefixes == 2) {
		CHECK(l->prefixes[0].af == 4);
		CHECK(l->prefixes[0].bits == 31);
		CHECK(memcmp(l->prefixes[0].addr, v4a, 16) == 0);
		CHECK(l->prefixes[1].af == 6);
		CHECK(l->prefixes[1].bits == 127);
		CHECK(memcmp(l->prefixes[1].addr, v6, 16) == 0);
	}
	l = &c->links[1];
	CHECK_STR(l->name, "ixp-x");
	CHECK(l->kind == AP_CONFIG_LINK_PEERING);
	CHECK(l->commit_mbps == 0);
	CHECK(l->price_per_mbps == 0);
	CHECK(l->overage_price_per_mbps == 0);
	CHECK(l->fixed_monthly == 800);
	CHECK(isnan(l->max_utilization));
	CHECK(l->n_prefixes == 1);
	if (l->n_prefixes == 1) {
		CHECK(l->prefixes[0].af == 4 && l->prefixes[0].bits == 24);
		CHECK(memcmp(l->prefixes[0].addr, v4b, 16) == 0);
	}
	l = &c->links[2];
	CHECK(l->kind == AP_CONFIG_LINK_PNI);
	/* overage defaults to price_per_mbps */
	CHECK(l->overage_price_per_mbps == 0.1);
	CHECK(l->port_capacity_mbps == 10000);
	CHECK(l->n_prefixes == 0 && l->prefixes == NULL);
	CHECK(ap_config_find_link(c, "pni-y") == l);
	CHECK(ap_config_find_link(c, "nope") == NULL);

	CHECK(c->n_destinations == 2);
	d = &c->destinations[0];
	CHECK_STR(d->id, "AS64501");
	CHECK(d->traffic_mbps == 1500);
	CHECK_STR(d->current_link, "transit-a");
	CHECK(d->n_measurements == 2);
	if (d->n_measurements == 2) {
		CHECK_STR(d->measurements[0].link, "transit-a");
		CHECK(d->measurements[0].rtt_ms == 20);
		CHECK(d->measurements[0].loss_pct == 0);
		CHECK_STR(d->measurements[1].link, "ixp-x");
		CHECK(d->measurements[1].rtt_ms == 12);
		CHECK(d->measurements[1].loss_pct == 0.5);
	}
	d = &c->destinations[1];
	CHECK_STR(d->id, "203.0.113.0/24");
	CHECK(d->traffic_mbps == 0);
	CHECK(d->n_measurements == 0 && d->measurements == NULL);
	ap_config_free(c);
}

static void test_flow_style(void)
{
	static const char yaml[] =
		"{atlas: {timeout: 5, base_url: 'http://localhost:8080'},"
		" shard: '1/2', log_level: warn,"
		" measurements: [{id: 7, tags: {a: b}, group_by: [link],"
		" hop_points: True}, {id: 8, enabled: NO}],"
		" links: [{name: l1, kind: transit, port_capacity_mbps: 100,"
		" prefixes: ['::/0', '0.0.0.0/0']}],"
		" reference_transit_price: ~}";
	struct ap_config *c = NULL;

	EXPECT_OK(yaml, &c);
	if (c == NULL)
		return;
	CHECK_STR(c->atlas.base_url, "http://localhost:8080");
	CHECK(c->atlas.timeout_s == 5);
	CHECK(c->shard_index == 1 && c->shard_count == 2);
	CHECK(c->log_level == AP_CONFIG_LOG_WARN);
	CHECK(c->n_measurements == 2);
	CHECK(c->measurements[0].id == 7);
	CHECK(c->measurements[0].n_group_by == 1);
	CHECK(c->measurements[0].group_by[0] == AP_CONFIG_GROUP_LINK);
	CHECK(c->measurements[0].hop_points);
	CHECK(!c->measurements[1].enabled);
	CHECK(c->n_links == 1 && c->links[0].n_prefixes == 2);
	CHECK(c->links[0].prefixes[0].af == 6);
	CHECK(c->links[0].prefixes[0].bits == 0);
	CHECK(c->links[0].prefixes[1].af == 4);
	CHECK(c->links[0].prefixes[1].bits == 0);
	CHECK(isnan(c->reference_transit_price));
	ap_config_free(c);
}

static void test_durations(void)
{
	static const struct {
		const char *text;
		int64_t want;
	} good[] = {
		{"0", 0},
		{"90", 90},
		{"90s", 90},
		{"15m", 900},
		{"2h", 7200},
		{"1d", 86400},
		{"1h30m", 5400},
		{"1d2h3m4s", 93784},
		{"0s", 0},
		{"007m", 420},
		{"2147483647", 2147483647},
	};
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{"", "expected a duration such as 90s, 15m, 2h, 1d or 1h30m, "
		     "got ''"},
		{"1.5h", "expected a duration such as 90s, 15m, 2h, 1d or "
			 "1h30m, got '1.5h'"},
		{"30m1h", "bad duration '30m1h': units go d, h, m, s, each "
			  "once"},
		{"1h1h", "bad duration '1h1h': units go d, h, m, s, each once"},
		{"1hh",
		 "expected a duration such as 90s, 15m, 2h, 1d or 1h30m, "
		 "got '1hh'"},
		{"1h30", "expected a duration such as 90s, 15m, 2h, 1d or "
			 "1h30m, got '1h30'"},
		{"-5", "expected a duration such as 90s, 15m, 2h, 1d or 1h30m, "
		       "got '-5'"},
		{"5ms", "expected a duration such as 90s, 15m, 2h, 1d or "
			"1h30m, got '5ms'"},
		{"1h 30m", "expected a duration such as 90s, 15m, 2h, 1d or "
			   "1h30m, got '1h 30m'"},
		{"2147483648", "duration longer than 2147483647 seconds"},
		{"24856d", "duration longer than 2147483647 seconds"},
		{"99999999999999999999s",
		 "duration longer than 2147483647 seconds"},
	};
	struct ap_err err;
	int64_t v;
	size_t i;
	char buf[64];

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -1;
		CHECK(ap_config_parse_duration(good[i].text, &v, &err) ==
		      AP_OK);
		CHECK(v == good[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = -1;
		ap_err_clear(&err);
		CHECK(ap_config_parse_duration(bad[i].text, &v, &err) ==
		      AP_EPARSE);
		CHECK(v == -1);
		CHECK_STR(err.msg, bad[i].msg);
	}
	ap_config_format_duration(0, buf, sizeof(buf));
	CHECK_STR(buf, "0s");
	ap_config_format_duration(90, buf, sizeof(buf));
	CHECK_STR(buf, "1m30s");
	ap_config_format_duration(7200, buf, sizeof(buf));
	CHECK_STR(buf, "2h");
	ap_config_format_duration(90061, buf, sizeof(buf));
	CHECK_STR(buf, "1d1h1m1s");
	/* Every formatted value reads back to itself. */
	for (v = 0; v < 200000; v += 997) {
		int64_t back = -1;

		ap_config_format_duration(v, buf, sizeof(buf));
		CHECK(ap_config_parse_duration(buf, &back, &err) == AP_OK &&
		      back == v);
	}
}

static void test_sizes(void)
{
	static const struct {
		const char *text;
		uint64_t want;
	} good[] = {
		{"0", 0},
		{"1024", 1024},
		{"64MB", 64000000u},
		{"256MiB", 268435456u},
		{"1 KiB", 1024},
		{"2gb", 2000000000u},
		{"3 B", 3},
		{"1TiB", 1099511627776ull},
		{"18446744073709551615", UINT64_MAX},
	};
	static const char *const bad[] = {"1.5GB", "MB", "10 XB", "10  MB",
					  "-1",    " 5", "5 "};
	struct ap_err err;
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 7;
		CHECK(ap_config_parse_size(good[i].text, &v, &err) == AP_OK);
		CHECK(v == good[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 7;
		CHECK(ap_config_parse_size(bad[i], &v, &err) == AP_EPARSE);
		CHECK(v == 7);
	}
	CHECK(ap_config_parse_size("1.5GB", &v, &err) == AP_EPARSE);
	CHECK_STR(err.msg, "expected a size such as 1048576, 64MB or 256MiB, "
			   "got '1.5GB'");
	CHECK(ap_config_parse_size("18446744073709551616", &v, &err) ==
	      AP_EPARSE);
	CHECK_STR(err.msg, "size does not fit in 64 bits");
	CHECK(ap_config_parse_size("20000000TB", &v, &err) == AP_EPARSE);
	CHECK_STR(err.msg, "size does not fit in 64 bits");
}

static void test_prefixes(void)
{
	static const struct {
		const char *text;
		int af;
		unsigned int bits;
		unsigned char addr[16];
	} good[] = {
		{"198.51.100.0/31", 4, 31, {198, 51, 100, 0}},
		{"10.0.0.0/8", 4, 8, {10}},
		{"0.0.0.0/0", 4, 0, {0}},
		{"192.0.2.77/32", 4, 32, {192, 0, 2, 77}},
		{"2001:db8:100::/127", 6, 127, {0x20, 0x01, 0x0d, 0xb8, 0x01}},
		{"::/0", 6, 0, {0}},
		{"2001:db8::1/128",
		 6,
		 128,
		 {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
		{"2001:db8:ff80::/41",
		 6,
		 41,
		 {0x20, 0x01, 0x0d, 0xb8, 0xff, 0x80}},
	};
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{"192.0.2.0", "prefix '192.0.2.0' lacks a '/length'"},
		{"192.0.2.1/24", "prefix '192.0.2.1/24' has host bits set "
				 "(network is 192.0.2.0/24)"},
		{"2001:db8:ffc0::/41",
		 "prefix '2001:db8:ffc0::/41' has host "
		 "bits set (network is 2001:db8:ff80::/41)"},
		{"10.0.0.0/33", "prefix '10.0.0.0/33': length must be 0..32"},
		{"::/129", "prefix '::/129': length must be 0..128"},
		{"10.0.0.0/08", "prefix '10.0.0.0/08': length must be 0..32"},
		{"10.0.0.0/", "prefix '10.0.0.0/': length must be 0..32"},
		{"10.0.0.0/8/8", "prefix '10.0.0.0/8/8': length must be 0..32"},
		{"10.0.0/8", "'10.0.0/8' is not an IPv4 prefix"},
		{"2001:db8::g/32", "'2001:db8::g/32' is not an IPv6 prefix"},
		{"/8", "'/8' is not an IPv4 or IPv6 prefix"},
		{"example.com/8", "'example.com/8' is not an IPv4 prefix"},
	};
	struct ap_config_prefix p;
	struct ap_err err;
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&p, 0xAA, sizeof(p));
		CHECK(ap_config_parse_prefix(good[i].text, &p, &err) == AP_OK);
		CHECK(p.af == good[i].af);
		CHECK(p.bits == good[i].bits);
		CHECK(memcmp(p.addr, good[i].addr, 16) == 0);
		ap_config_format_prefix(&p, buf, sizeof(buf));
		CHECK_STR(buf, good[i].text);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ap_err_clear(&err);
		CHECK(ap_config_parse_prefix(bad[i].text, &p, &err) ==
		      AP_EPARSE);
		CHECK_STR(err.msg, bad[i].msg);
	}
}

static void test_shard_parse(void)
{
	static const char *const bad[] = {"1",    "a/b",  "1/2/3",
					  "/2",   "2/",   " 1/2",
					  "1/2 ", "-1/2", "1/99999999999"};
	struct ap_err err;
	int i = 0, n = 0;
	size_t k;

	CHECK(ap_config_parse_shard("3/4", &i, &n, &err) == AP_OK);
	CHECK(i == 3 && n == 4);
	/* Bounds are validate()'s job, not the parser's. */
	CHECK(ap_config_parse_shard("0/0", &i, &n, &err) == AP_OK);
	CHECK(i == 0 && n == 0);
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		i = n = 42;
		CHECK(ap_config_parse_shard(bad[k], &i, &n, &err) == AP_EPARSE);
		CHECK(i == 42 && n == 42);
	}
	CHECK_STR(err.msg,
		  "expected 'i/n' such as '1/1' or '2/4', got '1/99999999999'");
}

/* Schema problems: AP_EPARSE with file, line and key path. */
static void test_parse_errors(void)
{
	EXPECT_ERR("atlas: {}\natlass: 1\n", AP_EPARSE,
		   "t.yaml:2: key 'atlass': unknown key (did you mean "
		   "'atlas'?)");
	EXPECT_ERR("atlas:\n  base_ur: x\n", AP_EPARSE,
		   "t.yaml:2: key 'atlas.base_ur': unknown key (did you mean "
		   "'base_url'?)");
	EXPECT_ERR("frobnicate: 1\n", AP_EPARSE,
		   "t.yaml:1: key 'frobnicate': unknown key");
	EXPECT_ERR("measurements:\n"
		   "  - id: 1\n"
		   "  - id: 2\n"
		   "    tags:\n"
		   "      link: {a: b}\n",
		   AP_EPARSE,
		   "t.yaml:5: key 'measurements[1].tags.link': expected a "
		   "string, got a mapping");
	EXPECT_ERR("measurements:\n  - id: 1\n    tags: {link: }\n", AP_EPARSE,
		   "t.yaml:3: key 'measurements[0].tags.link': expected a "
		   "string, got null");
	EXPECT_ERR("measurements:\n  - id: 1\n    tags: [a, b]\n", AP_EPARSE,
		   "t.yaml:3: key 'measurements[0].tags': expected a mapping "
		   "of tag: value, got a list");
	EXPECT_ERR("measurements:\n  - id: 1.5\n", AP_EPARSE,
		   "t.yaml:2: key 'measurements[0].id': expected an integer, "
		   "got '1.5'");
	EXPECT_ERR("measurements:\n  - id: \"1001\"\n", AP_EPARSE,
		   "t.yaml:2: key 'measurements[0].id': expected an integer, "
		   "got a quoted string '1001'");
	EXPECT_ERR("measurements:\n  - id: 99999999999999999999\n", AP_EPARSE,
		   "t.yaml:2: key 'measurements[0].id': integer out of range");
	EXPECT_ERR("measurements:\n  - tags: {a: b}\n", AP_EPARSE,
		   "t.yaml:2: key 'measurements[0].id': required key is "
		   "missing");
	EXPECT_ERR("measurements:\n  - 1001\n", AP_EPARSE,
		   "t.yaml:2: key 'measurements[0]': expected a mapping, got "
		   "a string");
	EXPECT_ERR("measurements: {id: 1}\n", AP_EPARSE,
		   "t.yaml:1: key 'measurements': expected a list, got a "
		   "mapping");
	EXPECT_ERR("measurements:\n  - id: 1\n    hop_points: maybe\n",
		   AP_EPARSE,
		   "t.yaml:3: key 'measurements[0].hop_points': expected true, "
		   "false, yes or no, got 'maybe'");
	EXPECT_ERR("measurements:\n  - id: 1\n    enabled: 'yes'\n", AP_EPARSE,
		   "t.yaml:3: key 'measurements[0].enabled': expected true or "
		   "false, got a quoted string 'yes'");
	EXPECT_ERR("measurements:\n  - id: 1\n    group_by: [probe_asn, asn]\n",
		   AP_EPARSE,
		   "t.yaml:3: key 'measurements[0].group_by[1]': expected "
		   "probe_asn, probe_cc or link, got 'asn'");
	EXPECT_ERR("measurements:\n  - id: 1\n    group_by:\n"
		   "      - probe_cc\n      - probe_cc\n",
		   AP_EPARSE,
		   "t.yaml:5: key 'measurements[0].group_by[1]': 'probe_cc' "
		   "is listed twice");
	EXPECT_ERR("measurements:\n  - id: 1\n    target: {lat: 1}\n",
		   AP_EPARSE,
		   "t.yaml:3: key 'measurements[0].target.lon': required key "
		   "is missing");
	EXPECT_ERR("measurements:\n  - id: 1\n    target: {lat: north, "
		   "lon: 1}\n",
		   AP_EPARSE,
		   "t.yaml:3: key 'measurements[0].target.lat': expected a "
		   "number, got 'north'");
	EXPECT_ERR("log_level: verbose\n", AP_EPARSE,
		   "t.yaml:1: key 'log_level': expected error, warn, info or "
		   "debug, got 'verbose'");
	EXPECT_ERR("shard: 1-2\n", AP_EPARSE,
		   "t.yaml:1: key 'shard': expected 'i/n' such as '1/1' or "
		   "'2/4', got '1-2'");
	EXPECT_ERR("atlas:\n  timeout: 1.5m\n", AP_EPARSE,
		   "t.yaml:2: key 'atlas.timeout': expected a duration such "
		   "as 90s, 15m, 2h, 1d or 1h30m, got '1.5m'");
	EXPECT_ERR("atlas:\n  timeout: [30]\n", AP_EPARSE,
		   "t.yaml:2: key 'atlas.timeout': expected a duration, got a "
		   "list");
	EXPECT_ERR("atlas:\n  max_response_bytes: lots\n", AP_EPARSE,
		   "t.yaml:2: key 'atlas.max_response_bytes': expected a size "
		   "such as 1048576, 64MB or 256MiB, got 'lots'");
	EXPECT_ERR("atlas: [a]\n", AP_EPARSE,
		   "t.yaml:1: key 'atlas': expected a mapping, got a list");
	EXPECT_ERR("state_dir: {a: 1}\n", AP_EPARSE,
		   "t.yaml:1: key 'state_dir': expected a string, got a "
		   "mapping");
	EXPECT_ERR("state_dir:\n", AP_EPARSE,
		   "t.yaml:1: key 'state_dir': expected a string, got null");
	EXPECT_ERR("slo: {max_loss_pct: .nan}\n", AP_EPARSE,
		   "t.yaml:1: key 'slo.max_loss_pct': expected a finite "
		   "number, got '.nan'");
	EXPECT_ERR("slo: {max_rtt_delta_ms: 1e999}\n", AP_EPARSE,
		   "t.yaml:1: key 'slo.max_rtt_delta_ms': number out of range");
	EXPECT_ERR("reference_transit_price: cheap\n", AP_EPARSE,
		   "t.yaml:1: key 'reference_transit_price': expected a "
		   "number, got 'cheap'");
	EXPECT_ERR("links:\n"
		   "  - name: a\n"
		   "    kind: transit\n"
		   "    port_capacity_mbps: 100\n"
		   "    commit_mbps: \"500\"\n",
		   AP_EPARSE,
		   "t.yaml:5: key 'links[0].commit_mbps': expected a number, "
		   "got a quoted string '500'");
	EXPECT_ERR("links:\n  - {name: a, kind: ix, port_capacity_mbps: 1}\n",
		   AP_EPARSE,
		   "t.yaml:2: key 'links[0].kind': expected transit, peering "
		   "or pni, got 'ix'");
	EXPECT_ERR("links:\n  - name: a\n    kind: pni\n", AP_EPARSE,
		   "t.yaml:2: key 'links[0].port_capacity_mbps': required key "
		   "is missing");
	EXPECT_ERR("links:\n"
		   "  - name: a\n"
		   "    kind: pni\n"
		   "    port_capacity_mbps: 10\n"
		   "    prefixes:\n"
		   "      - 192.0.2.0/24\n"
		   "      - 192.0.2.1/24\n",
		   AP_EPARSE,
		   "t.yaml:7: key 'links[0].prefixes[1]': prefix "
		   "'192.0.2.1/24' has host bits set (network is "
		   "192.0.2.0/24)");
	EXPECT_ERR("links:\n  - {name: a, kind: pni, port_capacity_mbps: 1,"
		   " prefixes: 10.0.0.0/8}\n",
		   AP_EPARSE,
		   "t.yaml:2: key 'links[0].prefixes': expected a list, got a "
		   "string");
	EXPECT_ERR("links:\n  - {name: a, kind: pni, port_capacity_mbps: 1}\n"
		   "destinations:\n"
		   "  - id: AS1\n"
		   "    traffic_mbps: 1\n"
		   "    current_link: a\n"
		   "    measurements:\n"
		   "      a: {rtt_ms: 1}\n",
		   AP_EPARSE,
		   "t.yaml:8: key 'destinations[0].measurements.a.loss_pct': "
		   "required key is missing");
	EXPECT_ERR("destinations:\n  - id: AS1\n    current_link: a\n",
		   AP_EPARSE,
		   "t.yaml:2: key 'destinations[0].traffic_mbps': required key "
		   "is missing");
	/* YAML forbids repeated keys; libyaml lets them through. */
	EXPECT_ERR(
		"atlas:\n  timeout: 5\n  ca_file: x\n  timeout: 6\n", AP_EPARSE,
		"t.yaml:4: key 'atlas.timeout': duplicate key (first at line "
		"2)");
	EXPECT_ERR("measurements:\n  - id: 1\n    tags:\n      a: x\n"
		   "      b: y\n      a: z\n",
		   AP_EPARSE,
		   "t.yaml:6: key 'measurements[0].tags.a': duplicate key "
		   "(first at line 4)");
	EXPECT_ERR("- 1\n- 2\n", AP_EPARSE,
		   "t.yaml:1: the top level must be a mapping, got a list");
	EXPECT_ERR("just text\n", AP_EPARSE,
		   "t.yaml:1: the top level must be a mapping, got a string");
	/* Flow style reports the line too. */
	EXPECT_ERR("measurements: [{id: 1},\n  {id: x}]\n", AP_EPARSE,
		   "t.yaml:2: key 'measurements[1].id': expected an integer, "
		   "got 'x'");
}

/* YAML-level problems: syntax, aliases, tags, documents, limits. */
static void test_yaml_errors(void)
{
	struct ap_config *c = NULL;
	struct ap_err err;
	char *big, *deep;
	size_t i;

	EXPECT_ERR("atlas:\n  timeout: 5\n bad: [1, 2\n", AP_EPARSE,
		   "t.yaml:3: YAML syntax error: did not find expected key "
		   "(while parsing a block mapping)");
	EXPECT_ERR("a: [1, 2\nb: 3\n", AP_EPARSE,
		   "t.yaml:2: YAML syntax error: did not find expected ',' or "
		   "']' (while parsing a flow sequence)");
	EXPECT_ERR(
		"state_dir: \"unterminated\n", AP_EPARSE,
		"t.yaml:1: YAML syntax error: found unexpected end of stream "
		"(while scanning a quoted scalar)");
	EXPECT_ERR("defaults: &d {max_utilization: 0.5}\n"
		   "slo: *d\n",
		   AP_EPARSE,
		   "t.yaml:2: YAML aliases ('*name') are not supported; repeat "
		   "the value");
	/* A "billion laughs" bomb fails at the first alias, in O(input). */
	EXPECT_ERR("a: &a [x, x, x, x, x, x, x, x, x]\n"
		   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
		   AP_EPARSE,
		   "t.yaml:2: YAML aliases ('*name') are not supported; repeat "
		   "the value");
	EXPECT_ERR("state_dir: !!str 5\n", AP_EPARSE,
		   "t.yaml:1: explicit YAML tags ('!...') are not supported");
	EXPECT_ERR("state_dir: a\n---\nstate_dir: b\n", AP_EPARSE,
		   "t.yaml:2: only one YAML document is allowed");
	EXPECT_ERR("? [a, b]\n: c\n", AP_EPARSE,
		   "t.yaml:1: a mapping key must be a string, not a list");
	EXPECT_ERR("state_dir: \"a\\0b\"\n", AP_EPARSE,
		   "t.yaml:1: NUL character in a string");
	EXPECT_ERR("state_dir: \xff\xfe\n", AP_EPARSE,
		   "t.yaml:1: YAML syntax error: invalid leading UTF-8 octet");
	EXPECT_ERR("a: 1\nstate_dir: \x01\n", AP_EPARSE,
		   "t.yaml:2: YAML syntax error: control characters are not "
		   "allowed");

	/* 100 nested flow lists: refused at level 65, no deep recursion. */
	deep = malloc(256);
	if (deep != NULL) {
		strcpy(deep, "a: ");
		for (i = 0; i < 100; i++)
			strcat(deep, "[");
		EXPECT_ERR(deep, AP_ERANGE,
			   "t.yaml:1: YAML nested deeper than 64 levels");
		free(deep);
	}

	/* Over the size cap: refused before parsing. */
	big = malloc(AP_CONFIG_MAX_BYTES + 1);
	if (big != NULL) {
		memset(big, '#', AP_CONFIG_MAX_BYTES + 1);
		c = (struct ap_config *)&err; /* must be reset to NULL */
		CHECK(ap_config_load_buffer("big.yaml", big,
					    AP_CONFIG_MAX_BYTES + 1, &c,
					    &err) == AP_ERANGE);
		CHECK(c == NULL);
		CHECK_STR(err.msg, "big.yaml: larger than 4194304 bytes "
				   "(4194305)");
		/* Exactly at the cap is fine (all comment). */
		CHECK(ap_config_load_buffer("big.yaml", big,
					    AP_CONFIG_MAX_BYTES, &c,
					    &err) == AP_OK);
		ap_config_free(c);
		free(big);
	}
}

/* Range and cross-field problems: AP_EINVAL, still with lines. */
static void test_validation_errors(void)
{
	static const char links[] =
		"links:\n" /* 1 */
		"  - {name: t, kind: transit, port_capacity_mbps: 100}\n"  /* 2
									    */
		"  - {name: p, kind: peering, port_capacity_mbps: 100}\n"; /* 3
									    */
	char yaml[1024];

	EXPECT_ERR("measurements:\n"
		   "  - id: 1001\n"
		   "  - id: 2001\n"
		   "  - id: 1001\n",
		   AP_EINVAL,
		   "t.yaml:4: key 'measurements[2].id': duplicate measurement "
		   "id 1001, first at measurements[0] (line 2)");
	EXPECT_ERR("measurements: [{id: 0}]\n", AP_EINVAL,
		   "t.yaml:1: key 'measurements[0].id': must be a positive "
		   "integer");
	EXPECT_ERR("measurements: [{id: -4}]\n", AP_EINVAL,
		   "t.yaml:1: key 'measurements[0].id': must be a positive "
		   "integer");
	EXPECT_ERR("late_results_horizon: 10m\nlate_sweep_interval: 15m\n",
		   AP_EINVAL,
		   "t.yaml:2: key 'late_sweep_interval': must be > 0 and <= "
		   "late_results_horizon (10m)");
	EXPECT_ERR("late_sweep_interval: 0\n", AP_EINVAL,
		   "t.yaml:1: key 'late_sweep_interval': must be > 0 and <= "
		   "late_results_horizon (2h)");
	EXPECT_ERR("retry_min: 0\n", AP_EINVAL,
		   "t.yaml:1: key 'retry_min': must be > 0");
	EXPECT_ERR("retry_min: 1m\nretry_max: 30s\n", AP_EINVAL,
		   "t.yaml:2: key 'retry_max': must be >= retry_min (1m)");
	EXPECT_ERR("bottleneck: {min_increase_ms: 0}\n", AP_EINVAL,
		   "t.yaml:1: key 'bottleneck.min_increase_ms': must be > 0");
	EXPECT_ERR("bottleneck:\n  persist_ratio: 1.5\n", AP_EINVAL,
		   "t.yaml:2: key 'bottleneck.persist_ratio': must be 0..1");
	EXPECT_ERR("bottleneck: {min_rise: 5}\n", AP_EPARSE,
		   "t.yaml:1: key 'bottleneck.min_rise': unknown key");
	EXPECT_ERR("atlas: {timeout: 0s}\n", AP_EINVAL,
		   "t.yaml:1: key 'atlas.timeout': must be > 0");
	EXPECT_ERR("atlas: {max_response_bytes: 0}\n", AP_EINVAL,
		   "t.yaml:1: key 'atlas.max_response_bytes': must be > 0");
	EXPECT_ERR("shard: 0/1\n", AP_EINVAL,
		   "t.yaml:1: key 'shard': i in 'i/n' must be 1..1");
	EXPECT_ERR("shard: 3/2\n", AP_EINVAL,
		   "t.yaml:1: key 'shard': i in 'i/n' must be 1..2");
	EXPECT_ERR("shard: 1/1025\n", AP_EINVAL,
		   "t.yaml:1: key 'shard': n in 'i/n' must be 1..1024");
	EXPECT_ERR("atlas:\n  base_url: ftp://atlas.ripe.net\n", AP_EINVAL,
		   "t.yaml:2: key 'atlas.base_url': must start with http:// or "
		   "https://");
	EXPECT_ERR("atlas:\n  base_url: https:///api\n", AP_EINVAL,
		   "t.yaml:2: key 'atlas.base_url': lacks a host name");
	EXPECT_ERR("atlas:\n  base_url: https://\n", AP_EINVAL,
		   "t.yaml:2: key 'atlas.base_url': lacks a host name");
	EXPECT_ERR("atlas:\n  base_url: https://a b/\n", AP_EINVAL,
		   "t.yaml:2: key 'atlas.base_url': contains a space or a "
		   "character URLs forbid");
	EXPECT_ERR("atlas:\n  user_agent: \"x\\r\\nX-Evil: 1\"\n", AP_EINVAL,
		   "t.yaml:2: key 'atlas.user_agent': must not contain control "
		   "characters");
	EXPECT_ERR("state_dir: ''\n", AP_EINVAL,
		   "t.yaml:1: key 'state_dir': must not be empty");
	EXPECT_ERR("measurements:\n  - id: 1\n    tags: {msm_id: 5}\n",
		   AP_EINVAL,
		   "t.yaml:3: key 'measurements[0].tags.msm_id': 'msm_id' is a "
		   "built-in tag and cannot be set");
	EXPECT_ERR("measurements:\n  - id: 1\n    tags:\n      probe_cc: NL\n",
		   AP_EINVAL,
		   "t.yaml:4: key 'measurements[0].tags.probe_cc': 'probe_cc' "
		   "is a built-in tag and cannot be set");
	EXPECT_ERR("measurements:\n  - id: 1\n    tags: {time: now}\n",
		   AP_EINVAL,
		   "t.yaml:3: key 'measurements[0].tags.time': 'time' is a "
		   "built-in tag and cannot be set");
	/* Twelve user tags fit every point; thirteen do not. */
	{
		struct ap_config *c12 = NULL;

		EXPECT_OK("measurements:\n  - id: 1\n    tags: {a: 1, b: 1, "
			  "c: 1, d: 1, e: 1, f: 1, g: 1, h: 1, i: 1, j: 1, "
			  "k: 1, l: 1}\n",
			  &c12);
		CHECK(c12 != NULL && c12->measurements[0].n_tags == 12);
		ap_config_free(c12);
	}
	EXPECT_ERR("measurements:\n  - id: 1\n    tags: {a: 1, b: 1, c: 1, "
		   "d: 1, e: 1, f: 1, g: 1, h: 1, i: 1, j: 1, k: 1, l: 1, "
		   "m: 1}\n",
		   AP_EINVAL,
		   "t.yaml:3: key 'measurements[0].tags': 13 tags, at most 12 "
		   "(a traceroute hop point already carries 12 built-in tags "
		   "of the 24 a point holds)");
	EXPECT_ERR("measurements:\n  - id: 1\n    tags: {_x: y}\n", AP_EINVAL,
		   "t.yaml:3: key 'measurements[0].tags._x': tag keys starting "
		   "with '_' are reserved");
	EXPECT_ERR("measurements:\n  - id: 1\n    tags: {'': y}\n", AP_EINVAL,
		   "t.yaml:3: key 'measurements[0].tags.': tag key must not be "
		   "empty");
	EXPECT_ERR("measurements:\n  - id: 1\n    tags: {x: ''}\n", AP_EINVAL,
		   "t.yaml:3: key 'measurements[0].tags.x': tag value must not "
		   "be empty");
	EXPECT_ERR("measurements:\n  - id: 1\n    tags:\n      x: \"a\\nb\"\n",
		   AP_EINVAL,
		   "t.yaml:4: key 'measurements[0].tags.x': tag value must not "
		   "contain a line break");
	EXPECT_ERR("measurements:\n  - id: 1\n    target: {lat: 95, lon: 0}\n",
		   AP_EINVAL,
		   "t.yaml:3: key 'measurements[0].target.lat': must be "
		   "-90..90 degrees");
	EXPECT_ERR("measurements:\n  - id: 1\n    target:\n      lat: 0\n"
		   "      lon: -180.5\n",
		   AP_EINVAL,
		   "t.yaml:5: key 'measurements[0].target.lon': must be "
		   "-180..180 degrees");
	EXPECT_ERR("measurements:\n  - id: 1\n    group_by: [link]\n",
		   AP_EINVAL,
		   "t.yaml:3: key 'measurements[0].group_by[0]': grouping by "
		   "'link' needs 'links' to be configured");
	EXPECT_ERR("currency: ''\n", AP_EINVAL,
		   "t.yaml:1: key 'currency': must not be empty");
	EXPECT_ERR("slo: {max_loss_pct: 101}\n", AP_EINVAL,
		   "t.yaml:1: key 'slo.max_loss_pct': must be 0..100");
	EXPECT_ERR("slo: {max_rtt_delta_ms: -1}\n", AP_EINVAL,
		   "t.yaml:1: key 'slo.max_rtt_delta_ms': must be >= 0");
	EXPECT_ERR("defaults: {max_utilization: 0}\n", AP_EINVAL,
		   "t.yaml:1: key 'defaults.max_utilization': must be > 0 and "
		   "<= 1");
	EXPECT_ERR("defaults:\n  max_utilization: 1.01\n", AP_EINVAL,
		   "t.yaml:2: key 'defaults.max_utilization': must be > 0 and "
		   "<= 1");
	EXPECT_ERR("reference_transit_price: -0.5\n", AP_EINVAL,
		   "t.yaml:1: key 'reference_transit_price': must be >= 0 or "
		   "null");
	EXPECT_ERR("links:\n  - {name: a, kind: pni, port_capacity_mbps: 0}\n",
		   AP_EINVAL,
		   "t.yaml:2: key 'links[0].port_capacity_mbps': must be > 0");
	EXPECT_ERR("links:\n  - name: a\n    kind: pni\n"
		   "    port_capacity_mbps: 10\n    max_utilization: 1.5\n",
		   AP_EINVAL,
		   "t.yaml:5: key 'links[0].max_utilization': must be > 0 and "
		   "<= 1");
	EXPECT_ERR("links:\n  - name: a\n    kind: pni\n"
		   "    port_capacity_mbps: 10\n    fixed_monthly: -1\n",
		   AP_EINVAL,
		   "t.yaml:5: key 'links[0].fixed_monthly': must be >= 0");
	EXPECT_ERR("links:\n  - {name: '', kind: pni, port_capacity_mbps: 1}\n",
		   AP_EINVAL,
		   "t.yaml:2: key 'links[0].name': must not be empty");
	EXPECT_ERR("links:\n"
		   "  - {name: a, kind: pni, port_capacity_mbps: 1}\n"
		   "  - {name: b, kind: pni, port_capacity_mbps: 1}\n"
		   "  - {name: a, kind: pni, port_capacity_mbps: 1}\n",
		   AP_EINVAL,
		   "t.yaml:4: key 'links[2].name': duplicate link name 'a', "
		   "first at links[0] (line 2)");
	EXPECT_ERR("links:\n"
		   "  - name: a\n"
		   "    kind: pni\n"
		   "    port_capacity_mbps: 1\n"
		   "    prefixes: [10.0.0.0/8, '2001:db8::/32']\n"
		   "  - name: b\n"
		   "    kind: pni\n"
		   "    port_capacity_mbps: 1\n"
		   "    prefixes:\n"
		   "      - 192.0.2.0/24\n"
		   "      - 2001:db8::/32\n",
		   AP_EINVAL,
		   "t.yaml:11: key 'links[1].prefixes[1]': prefix "
		   "2001:db8::/32 is also listed at links[0].prefixes[1] "
		   "(line 5)");

	snprintf(yaml, sizeof(yaml),
		 "%sdestinations:\n"      /* 4 */
		 "  - id: AS1\n"          /* 5 */
		 "    traffic_mbps: 10\n" /* 6 */
		 "    current_link: x\n", /* 7 */
		 links);
	EXPECT_ERR(yaml, AP_EINVAL,
		   "t.yaml:7: key 'destinations[0].current_link': 'x' is not "
		   "the name of a link");
	snprintf(yaml, sizeof(yaml),
		 "%sdestinations:\n"                    /* 4 */
		 "  - id: AS1\n"                        /* 5 */
		 "    traffic_mbps: 10\n"               /* 6 */
		 "    current_link: t\n"                /* 7 */
		 "    measurements:\n"                  /* 8 */
		 "      t: {rtt_ms: 1, loss_pct: 0}\n"  /* 9 */
		 "      q: {rtt_ms: 1, loss_pct: 0}\n", /* 10 */
		 links);
	EXPECT_ERR(
		yaml, AP_EINVAL,
		"t.yaml:10: key 'destinations[0].measurements.q': 'q' is not "
		"the name of a link");
	snprintf(yaml, sizeof(yaml),
		 "%sdestinations:\n"
		 "  - {id: AS1, traffic_mbps: -10, current_link: t}\n",
		 links);
	EXPECT_ERR(
		yaml, AP_EINVAL,
		"t.yaml:5: key 'destinations[0].traffic_mbps': must be >= 0");
	snprintf(yaml, sizeof(yaml),
		 "%sdestinations:\n"
		 "  - id: AS1\n"
		 "    traffic_mbps: 1\n"
		 "    current_link: t\n"
		 "    measurements:\n"
		 "      p: {rtt_ms: 1, loss_pct: 100.5}\n",
		 links);
	EXPECT_ERR(yaml, AP_EINVAL,
		   "t.yaml:9: key 'destinations[0].measurements.p.loss_pct': "
		   "must be 0..100");
	snprintf(yaml, sizeof(yaml),
		 "%sdestinations:\n"
		 "  - {id: AS1, traffic_mbps: 1, current_link: t}\n"
		 "  - {id: AS1, traffic_mbps: 2, current_link: p}\n",
		 links);
	EXPECT_ERR(yaml, AP_EINVAL,
		   "t.yaml:6: key 'destinations[1].id': duplicate destination "
		   "id 'AS1', first at destinations[0] (line 5)");
}

/* destinations[].msm_ids: where `atlasperf cost --from-state` looks. */
static void test_dest_msm_ids(void)
{
	static const char head[] =
		"links: [{name: t, kind: transit, port_capacity_mbps: 100}]\n"
		"destinations:\n"        /* 2 */
		"  - id: AS1\n"          /* 3 */
		"    traffic_mbps: 1\n"  /* 4 */
		"    current_link: t\n"; /* 5 */
	struct ap_config *c = NULL;
	char yaml[1024];

	/* Valid: block list, flow list, empty, absent. */
	snprintf(yaml, sizeof(yaml),
		 "%s    msm_ids:\n      - 1001\n      - 5009\n"
		 "  - {id: AS2, traffic_mbps: 2, current_link: t, "
		 "msm_ids: [7]}\n"
		 "  - {id: AS3, traffic_mbps: 3, current_link: t, "
		 "msm_ids: []}\n"
		 "  - {id: AS4, traffic_mbps: 4, current_link: t}\n",
		 head);
	EXPECT_OK(yaml, &c);
	if (c != NULL && c->n_destinations == 4) {
		const struct ap_config_dest *d = c->destinations;

		CHECK(d[0].n_msm_ids == 2);
		if (d[0].n_msm_ids == 2)
			CHECK(d[0].msm_ids[0] == 1001 &&
			      d[0].msm_ids[1] == 5009);
		CHECK(d[1].n_msm_ids == 1 && d[1].msm_ids[0] == 7);
		CHECK(d[2].n_msm_ids == 0 && d[2].msm_ids == NULL);
		CHECK(d[3].n_msm_ids == 0 && d[3].msm_ids == NULL);
	} else {
		CHECK(c != NULL && c->n_destinations == 4);
	}
	ap_config_free(c);

	/* Not a list. */
	snprintf(yaml, sizeof(yaml), "%s    msm_ids: 1001\n", head);
	EXPECT_ERR(yaml, AP_EPARSE,
		   "t.yaml:6: key 'destinations[0].msm_ids': expected a list, "
		   "got a string");
	snprintf(yaml, sizeof(yaml), "%s    msm_ids: {a: 1}\n", head);
	EXPECT_ERR(yaml, AP_EPARSE,
		   "t.yaml:6: key 'destinations[0].msm_ids': expected a list, "
		   "got a mapping");
	/* Not integers. */
	snprintf(yaml, sizeof(yaml), "%s    msm_ids: [1001, 1.5]\n", head);
	EXPECT_ERR(yaml, AP_EPARSE,
		   "t.yaml:6: key 'destinations[0].msm_ids[1]': expected an "
		   "integer, got '1.5'");
	snprintf(yaml, sizeof(yaml), "%s    msm_ids: [\"1001\"]\n", head);
	EXPECT_ERR(yaml, AP_EPARSE,
		   "t.yaml:6: key 'destinations[0].msm_ids[0]': expected an "
		   "integer, got a quoted string '1001'");
	snprintf(yaml, sizeof(yaml), "%s    msm_ids: [[1]]\n", head);
	EXPECT_ERR(yaml, AP_EPARSE,
		   "t.yaml:6: key 'destinations[0].msm_ids[0]': expected an "
		   "integer, got a list");
	/* Negative and zero. */
	snprintf(yaml, sizeof(yaml), "%s    msm_ids:\n      - 1001\n"
		 "      - -5\n", head);
	EXPECT_ERR(yaml, AP_EINVAL,
		   "t.yaml:8: key 'destinations[0].msm_ids[1]': must be a "
		   "positive integer (a RIPE Atlas measurement id)");
	snprintf(yaml, sizeof(yaml), "%s    msm_ids: [0]\n", head);
	EXPECT_ERR(yaml, AP_EINVAL,
		   "t.yaml:6: key 'destinations[0].msm_ids[0]': must be a "
		   "positive integer (a RIPE Atlas measurement id)");
	/* Duplicate within a destination; fine across destinations. */
	snprintf(yaml, sizeof(yaml),
		 "%s    msm_ids:\n      - 1001\n      - 2001\n"
		 "      - 1001\n", head);
	EXPECT_ERR(yaml, AP_EINVAL,
		   "t.yaml:9: key 'destinations[0].msm_ids[2]': duplicate "
		   "measurement id 1001, first at msm_ids[0] (line 7)");
	snprintf(yaml, sizeof(yaml),
		 "%s    msm_ids: [1001]\n"
		 "  - {id: AS2, traffic_mbps: 2, current_link: t, "
		 "msm_ids: [1001]}\n",
		 head);
	EXPECT_OK(yaml, &c);
	ap_config_free(c);
	c = NULL;
}

/* ap_config_validate() on a hand-edited config: no lines to cite. */
static void test_validate_programmatic(void)
{
	struct ap_config *c = NULL;
	struct ap_err err;

	if (ap_config_new(&c, &err) != AP_OK)
		return;
	c->shard_index = 2;
	CHECK(ap_config_validate(c, &err) == AP_EINVAL);
	CHECK_STR(err.msg, "config: key 'shard': i in 'i/n' must be 1..1");
	c->shard_index = 1;
	free(c->atlas.base_url);
	c->atlas.base_url = strdup("https://x.example/");
	CHECK(ap_config_validate(c, &err) == AP_EINVAL);
	CHECK_STR(err.msg, "config: key 'atlas.base_url': must not end with "
			   "'/'");
	free(c->atlas.base_url);
	c->atlas.base_url = NULL;
	CHECK(ap_config_validate(c, &err) == AP_EINVAL);
	CHECK_STR(err.msg, "config: key 'atlas.base_url': must be set");
	c->atlas.base_url = strdup("http://x.example");
	CHECK(ap_config_validate(c, &err) == AP_OK);
	c->default_max_utilization = NAN;
	CHECK(ap_config_validate(c, &err) == AP_EINVAL);
	c->default_max_utilization = 1.0;
	CHECK(ap_config_validate(c, &err) == AP_OK);
	CHECK(ap_config_validate(NULL, &err) == AP_EINVAL);
	ap_config_free(c);

	/* Repeats that YAML cannot express but a program can. */
	c = NULL;
	CHECK(load("links: [{name: a, kind: pni, port_capacity_mbps: 1}]\n"
		   "destinations:\n"
		   "  - id: AS1\n"
		   "    traffic_mbps: 1\n"
		   "    current_link: a\n"
		   "    measurements:\n"
		   "      a: {rtt_ms: 1, loss_pct: 0}\n"
		   "measurements:\n"
		   "  - id: 1\n"
		   "    tags: {x: 1, y: 2}\n",
		   &c, &err) == AP_OK);
	if (c == NULL)
		return;
	CHECK(ap_config_validate(c, &err) == AP_OK);
	free(c->measurements[0].tags[1].key);
	c->measurements[0].tags[1].key = strdup("x");
	CHECK(ap_config_validate(c, &err) == AP_EINVAL);
	CHECK_STR(err.msg, "t.yaml:10: key 'measurements[0].tags.x': "
			   "duplicate tag key (line 10)");
	free(c->measurements[0].tags[1].key);
	c->measurements[0].tags[1].key = strdup("y");
	{
		struct ap_config_dest_msm *m, *grown;

		grown = realloc(c->destinations[0].measurements,
				2 * sizeof(*grown));
		if (grown == NULL) {
			ap_config_free(c);
			return;
		}
		c->destinations[0].measurements = grown;
		m = &grown[1];
		m->link = strdup("a");
		m->rtt_ms = 2;
		m->loss_pct = 0;
		c->destinations[0].n_measurements = 2;
	}
	CHECK(ap_config_validate(c, &err) == AP_EINVAL);
	CHECK_STR(err.msg, "t.yaml:7: key 'destinations[0].measurements.a': "
			   "link listed twice");
	ap_config_free(c);
}

static void test_misc(void)
{
	struct ap_config *c = NULL;
	struct ap_err err;

	/* Out-params are reset on entry, even when the call fails early. */
	c = (struct ap_config *)&err;
	CHECK(ap_config_load_buffer(NULL, "x: [", 4, &c, &err) == AP_EPARSE);
	CHECK(c == NULL);
	CHECK_STR(err.msg, "config:1: YAML syntax error: did not find "
			   "expected node content (while parsing a flow "
			   "node)");
	c = (struct ap_config *)&err;
	CHECK(ap_config_load_buffer("n", NULL, 0, &c, &err) == AP_OK);
	CHECK(c != NULL);
	ap_config_free(c);

	/* Booleans in all spellings. */
	EXPECT_OK("measurements:\n"
		  "  - {id: 1, hop_points: true, enabled: False}\n"
		  "  - {id: 2, hop_points: YES, enabled: no}\n"
		  "  - {id: 3, hop_points: Yes, enabled: TRUE}\n",
		  &c);
	if (c != NULL) {
		CHECK(c->measurements[0].hop_points);
		CHECK(!c->measurements[0].enabled);
		CHECK(c->measurements[1].hop_points);
		CHECK(!c->measurements[1].enabled);
		CHECK(c->measurements[2].hop_points);
		CHECK(c->measurements[2].enabled);
		ap_config_free(c);
		c = NULL;
	}

	/* Trailing slashes go; numbers as plain ints or floats; sizes. */
	EXPECT_OK("atlas:\n  base_url: http://h:1/api//\n"
		  "  max_response_bytes: 1048576\n"
		  "slo: {max_rtt_delta_ms: 5, max_loss_pct: +0.25e1}\n",
		  &c);
	if (c != NULL) {
		CHECK_STR(c->atlas.base_url, "http://h:1/api");
		CHECK(c->atlas.max_response_bytes == 1048576u);
		CHECK(c->slo_max_rtt_delta_ms == 5.0);
		CHECK(c->slo_max_loss_pct == 2.5);
		ap_config_free(c);
		c = NULL;
	}

	/* A very long key is cut in the message, not overflowing. */
	{
		char yaml[600], want[300];

		memset(yaml, 'k', 400);
		memcpy(yaml + 400, ": 1\n", 5);
		ap_err_clear(&err);
		CHECK(load(yaml, &c, &err) == AP_EPARSE);
		snprintf(want, sizeof(want),
			 "t.yaml:1: key '%.156s...': unknown key", yaml);
		CHECK_STR(err.msg, want);
	}

	/* Keys below a cut path stay cut: the path's length never passes
	 * its buffer however many keys follow (fuzz_config found a write
	 * past it: a long link name in destinations[].measurements, then
	 * that entry's keys). */
	{
		char yaml[900], name[301];

		memset(name, 'r', 300);
		name[300] = '\0';
		snprintf(yaml, sizeof(yaml),
			 "links:\n  - {name: t, kind: transit, "
			 "port_capacity_mbps: 10}\n"
			 "destinations:\n  - {id: AS1, traffic_mbps: 5, "
			 "current_link: t, measurements: {%s: {rtt_ms: 1, "
			 "loss_pct: 0, x: {y: {z: 1}}}}}\n",
			 name);
		ap_err_clear(&err);
		CHECK(load(yaml, &c, &err) == AP_EPARSE);
		CHECK(c == NULL);
		CHECK(strstr(err.msg, "key 'destinations[0].measurements.rrr")
		      != NULL);
		CHECK(strstr(err.msg, "...': unknown key") != NULL);
	}

	CHECK_STR(ap_config_log_level_name(AP_CONFIG_LOG_WARN), "warn");
	CHECK_STR(ap_config_group_name(AP_CONFIG_GROUP_PROBE_CC), "probe_cc");
	CHECK_STR(ap_config_link_kind_name(AP_CONFIG_LINK_PNI), "pni");
}

/* ixp_prefixes_file: an optional path, read as a string like state_dir. */
static void test_ixp_prefixes_file(void)
{
	struct ap_config *c = NULL;

	EXPECT_OK("ixp_prefixes_file: /var/lib/atlasperf/ixpfx.json\n", &c);
	if (c != NULL) {
		CHECK_STR(c->ixp_prefixes_file,
			  "/var/lib/atlasperf/ixpfx.json");
		ap_config_free(c);
		c = NULL;
	}
	EXPECT_OK("state_dir: s\nixp_prefixes_file: ./ixpfx.json\n", &c);
	if (c != NULL) {
		CHECK_STR(c->ixp_prefixes_file, "./ixpfx.json");
		ap_config_free(c);
		c = NULL;
	}
	EXPECT_ERR("ixp_prefixes_file: [a]\n", AP_EPARSE,
		   "t.yaml:1: key 'ixp_prefixes_file': expected a string, "
		   "got a list");
	EXPECT_ERR("ixp_prefixes_file:\n", AP_EPARSE,
		   "t.yaml:1: key 'ixp_prefixes_file': expected a string, "
		   "got null");
	EXPECT_ERR("ixp_prefix_file: a\n", AP_EPARSE,
		   "t.yaml:1: key 'ixp_prefix_file': unknown key (did you "
		   "mean 'ixp_prefixes_file'?)");
}

/*
 * Numbers must not follow LC_NUMERIC. Needs a decimal-comma locale to
 * bite: when none is installed, build one with
 * "localedef -i de_DE -f UTF-8 DIR/de_DE.UTF-8" and run with LOCPATH=DIR
 * (and ASAN_OPTIONS=detect_leaks=0: glibc's newlocale() leaks its LOCPATH
 * copy).
 */
static void test_locale(void)
{
	static const char *const locales[] = {"de_DE.UTF-8", "de_DE.utf8",
					      "fr_FR.UTF-8", "fr_FR.utf8"};
	struct ap_config *c = NULL;
	locale_t comma = (locale_t)0;
	size_t i;

	/* Thread locale, not setlocale(): no global change, nothing leaks. */
	for (i = 0; i < sizeof(locales) / sizeof(locales[0]) && !comma; i++)
		comma = newlocale(LC_NUMERIC_MASK, locales[i], (locale_t)0);
	if (comma == (locale_t)0) {
		printf("note: no decimal-comma locale, locale test runs in "
		       "C\n");
	} else {
		uselocale(comma);
		CHECK(strtod("0.5", NULL) != 0.5); /* the locale does bite */
	}
	EXPECT_OK("slo: {max_loss_pct: 0.5, max_rtt_delta_ms: 1.25e1}\n", &c);
	if (c != NULL) {
		CHECK(c->slo_max_loss_pct == 0.5);
		CHECK(c->slo_max_rtt_delta_ms == 12.5);
	}
	ap_config_free(c);
	if (comma != (locale_t)0) {
		uselocale(LC_GLOBAL_LOCALE);
		freelocale(comma);
	}
}

static void test_files(void)
{
	char dir[] = "/tmp/test_config.XXXXXX";
	char path[128], missing[128];
	struct ap_config *c = NULL;
	struct ap_err err;
	FILE *f;
	size_t i;

	if (mkdtemp(dir) == NULL) {
		CHECK(!"mkdtemp failed");
		return;
	}
	snprintf(path, sizeof(path), "%s/atlasperf.yaml", dir);
	snprintf(missing, sizeof(missing), "%s/missing.yaml", dir);

	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f != NULL) {
		fputs(full_yaml, f);
		fclose(f);
	}
	CHECK(ap_config_load_file(path, &c, &err) == AP_OK);
	if (c != NULL) {
		CHECK_STR(c->source, path);
		CHECK(c->n_measurements == 2 && c->n_links == 3);
		ap_config_free(c);
		c = NULL;
	}

	/* Errors name the path as given. */
	f = fopen(path, "w");
	if (f != NULL) {
		fputs("atlas:\n  timeout: 10\nmeasurements:\n  - id: 1\n"
		      "    tags:\n      link: [a]\n",
		      f);
		fclose(f);
	}
	CHECK(ap_config_load_file(path, &c, &err) == AP_EPARSE);
	{
		char want[256];

		snprintf(want, sizeof(want),
			 "%s:6: key 'measurements[0].tags.link': expected a "
			 "string, got a list",
			 path);
		CHECK_STR(err.msg, want);
	}

	c = (struct ap_config *)&err;
	CHECK(ap_config_load_file(missing, &c, &err) == AP_EIO);
	CHECK(c == NULL);
	{
		char want[256];

		snprintf(want, sizeof(want),
			 "%s: cannot open: No such file or directory", missing);
		CHECK_STR(err.msg, want);
	}
	CHECK(ap_config_load_file(dir, &c, &err) == AP_EIO);
	CHECK(strstr(err.msg, "cannot read: Is a directory") != NULL);

	/* Over the cap by one byte. */
	f = fopen(path, "w");
	if (f != NULL) {
		for (i = 0; i < AP_CONFIG_MAX_BYTES + 1; i++)
			fputc(i % 64 == 63 ? '\n' : '#', f);
		fclose(f);
	}
	CHECK(ap_config_load_file(path, &c, &err) == AP_ERANGE);
	CHECK(strstr(err.msg, ": larger than 4194304 bytes") != NULL);
	/* Exactly at the cap loads. */
	if (truncate(path, AP_CONFIG_MAX_BYTES) == 0) {
		CHECK(ap_config_load_file(path, &c, &err) == AP_OK);
		ap_config_free(c);
		c = NULL;
	}
	remove(path);
	rmdir(dir);
}

static void test_shard_owns(void)
{
	static const int counts[] = {1, 2, 3, 4, 7, 16, 1024};
	struct ap_config *cfgs[1024];
	struct ap_config *c = NULL;
	struct ap_err err;
	size_t k;
	int i, n, owners, per[4] = {0};
	int64_t id;
	bool ok;

	for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		n = counts[k];
		ok = true;
		for (i = 0; i < n; i++) {
			cfgs[i] = NULL;
			if (ap_config_new(&cfgs[i], &err) != AP_OK)
				return;
			cfgs[i]->shard_index = i + 1;
			cfgs[i]->shard_count = n;
			ok = ok && ap_config_validate(cfgs[i], &err) == AP_OK;
		}
		CHECK(ok);
		/* Every id has exactly one owner among 1/n .. n/n. */
		for (id = 1; id <= (n > 16 ? 20000 : 100000); id++) {
			owners = 0;
			for (i = 0; i < n; i++)
				owners += ap_config_shard_owns(cfgs[i], id);
			if (owners != 1) {
				ok = false;
				break;
			}
		}
		CHECK(ok);
		for (i = 0; i < n; i++)
			ap_config_free(cfgs[i]);
	}

	/* Roughly even: 4 shards x 100000 ids, each within 2% of 25000. */
	for (i = 0; i < 4; i++) {
		c = NULL;
		if (ap_config_new(&c, &err) != AP_OK)
			return;
		c->shard_index = i + 1;
		c->shard_count = 4;
		for (id = 1; id <= 100000; id++)
			per[i] += ap_config_shard_owns(c, id);
		ap_config_free(c);
	}
	for (i = 0; i < 4; i++)
		CHECK(per[i] > 24500 && per[i] < 25500);

	/* Pinned: the assignment is a contract between releases. */
	c = NULL;
	if (ap_config_new(&c, &err) != AP_OK)
		return;
	c->shard_count = 2;
	c->shard_index = 1;
	CHECK(ap_config_shard_owns(c, 1001));
	CHECK(ap_config_shard_owns(c, 2001));
	CHECK(!ap_config_shard_owns(c, 1));
	CHECK(!ap_config_shard_owns(c, 5009));
	c->shard_index = 2;
	CHECK(ap_config_shard_owns(c, 1));
	CHECK(ap_config_shard_owns(c, 5009));
	c->shard_count = 3;
	c->shard_index = 3;
	CHECK(ap_config_shard_owns(c, 2001) && ap_config_shard_owns(c, 1));
	c->shard_count = 1024;
	c->shard_index = 725;
	CHECK(ap_config_shard_owns(c, 1001));
	c->shard_index = 77;
	CHECK(ap_config_shard_owns(c, 2001));
	c->shard_index = 1;
	c->shard_count = 1;
	CHECK(ap_config_shard_owns(c, 1001));
	CHECK(ap_config_shard_owns(NULL, 1001));
	ap_config_free(c);
}

int main(void)
{
	test_defaults();
	test_full();
	test_flow_style();
	test_durations();
	test_sizes();
	test_prefixes();
	test_shard_parse();
	test_parse_errors();
	test_yaml_errors();
	test_validation_errors();
	test_dest_msm_ids();
	test_validate_programmatic();
	test_misc();
	test_ixp_prefixes_file();
	test_locale();
	test_files();
	test_shard_owns();
	TEST_DONE();
}

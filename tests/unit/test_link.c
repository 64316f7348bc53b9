/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for ap_link (atlas_link) and ap_agg_link_samples: scenario A
 * of ANALYSIS.md 6.3 as configuration, results fed through ap_agg as the
 * collector does, every field checked exactly (p50 and pooled loss worked
 * out by hand below), window filtering, links without results, the link
 * of a result (path analysis first, else the configured tag), kinds and
 * shard tag, determinism over batches, and errors.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include "atlasperf/ap_agg.h"
#include "atlasperf/ap_buf.h"
#include "atlasperf/ap_config.h"
#include "atlasperf/ap_cost.h"
#include "atlasperf/ap_link.h"
#include "atlasperf/ap_lp.h"
#include "atlasperf/ap_result.h"
#include "test.h"
#include "test_capture.h"

#define MSM_PING 1001  /* configured tag link: transit-a */
#define MSM_PING2 1002 /* no configured link */
#define MSM_TRACE 5001 /* traceroute, configured tag link: transit-a */
#define NOW 10500
#define HORIZON 7200

/* Scenario A of ANALYSIS.md 6.3, plus the measurements feeding it. */
static const char YAML_A[] =
	"late_results_horizon: 2h\n"
	"measurements:\n"
	"  - {id: 1001, tags: {link: transit-a}}\n"
	"  - {id: 1002}\n"
	"  - {id: 5001, tags: {link: transit-a, target: k-root}}\n"
	"currency: EUR\n"
	"slo: {max_rtt_delta_ms: 10, max_loss_pct: 1.0}\n"
	"defaults: {max_utilization: 0.8}\n"
	"reference_transit_price: null\n"
	"links:\n"
	"  - name: transit-a\n"
	"    kind: transit\n"
	"    commit_mbps: 500\n"
	"    price_per_mbps: 0.50\n"
	"    overage_price_per_mbps: 0.60\n"
	"    fixed_monthly: 200\n"
	"    port_capacity_mbps: 10000\n"
	"    prefixes: [\"198.51.100.0/31\"]\n"
	"  - {name: ixp-x, kind: peering, fixed_monthly: 800,"
	" port_capacity_mbps: 10000, prefixes: [\"192.0.2.0/24\"]}\n"
	"destinations:\n"
	"  - id: AS64501\n"
	"    traffic_mbps: 1500\n"
	"    current_link: transit-a\n"
	"    measurements:\n"
	"      transit-a: {rtt_ms: 20, loss_pct: 0.0}\n"
	"      ixp-x: {rtt_ms: 12, loss_pct: 0.0}\n"
	"  - id: AS64502\n"
	"    traffic_mbps: 1000\n"
	"    current_link: transit-a\n"
	"    measurements:\n"
	"      transit-a: {rtt_ms: 15, loss_pct: 0.0}\n"
	"      ixp-x: {rtt_ms: 40, loss_pct: 0.0}\n";

/* The captured point of link name, or NULL. */
static const struct ap_metric *point(const struct cap *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++) {
		const char *l = ap_metric_tag_value(&c->m[i], "link");

		if (l != NULL && strcmp(l, name) == 0)
			return &c->m[i];
	}
	printf("FAIL no atlas_link point for %s\n", name);
	return NULL;
}

static bool has(const struct ap_metric *m, const char *key)
{
	return m != NULL && ap_metric_field(m, key) != NULL;
}

static double fval(const struct ap_metric *m, const char *key)
{
	const struct ap_field *f = m != NULL ? ap_metric_field(m, key) : NULL;

	return f != NULL && f->type == AP_FIELD_FLOAT ? f->v.f : NAN;
}

static int64_t ival(const struct ap_metric *m, const char *key)
{
	const struct ap_field *f = m != NULL ? ap_metric_field(m, key) : NULL;

	return f != NULL && f->type == AP_FIELD_INT ? f->v.i : -999;
}

/* ---- results -------------------------------------------------------- */

static struct ap_result *parse(const char *json)
{
	struct ap_result *r = NULL;
	struct ap_err err;

	if (ap_result_parse(json, strlen(json), &r, NULL, &err) != AP_OK) {
		printf("parse: %s\n%s\n", err.msg, json);
		abort();
	}
	return r;
}

/* A ping result of three packets; a negative RTT is a timeout. */
static struct ap_result *ping(int64_t msm, int64_t prb, int64_t ts, double a,
			      double b, double c)
{
	const double rtt[3] = {a, b, c};
	char buf[1024];
	int len, rcvd = 0;

	len = snprintf(buf, sizeof(buf),
		       "{\"type\":\"ping\",\"fw\":5020,\"af\":4,"
		       "\"dst_addr\":\"192.0.2.1\",\"msm_id\":%" PRId64
		       ",\"prb_id\":%" PRId64 ",\"timestamp\":%" PRId64
		       ",\"result\":[",
		       msm, prb, ts);
	for (int i = 0; i < 3; i++) {
		if (rtt[i] < 0) {
			len += snprintf(buf + len, sizeof(buf) - len,
					"%s{\"x\":\"*\"}", i ? "," : "");
		} else {
			len += snprintf(buf + len, sizeof(buf) - len,
					"%s{\"rtt\":%.3f}", i ? "," : "",
					rtt[i]);
			rcvd++;
		}
	}
	snprintf(buf + len, sizeof(buf) - len,
		 "],\"sent\":3,\"rcvd\":%d,\"dup\":0,\"min\":-1,\"max\":-1,"
		 "\"avg\":-1}",
		 rcvd);
	return parse(buf);
}

/* A traceroute that reaches 192.0.2.9 in rtt ms (rtt < 0: it does not). */
static struct ap_result *trace(int64_t prb, int64_t ts, double rtt)
{
	char buf[1024];

	if (rtt >= 0)
		snprintf(buf, sizeof(buf),
			 "{\"type\":\"traceroute\",\"fw\":5020,\"af\":4,"
			 "\"msm_id\":%d,\"prb_id\":%" PRId64
			 ",\"timestamp\":%" PRId64
			 ",\"dst_addr\":\"192.0.2.9\",\"result\":["
			 "{\"hop\":1,\"result\":[{\"from\":\"10.0.0.1\","
			 "\"rtt\":1.5}]},{\"hop\":2,\"result\":[{\"from\":"
			 "\"192.0.2.9\",\"rtt\":%.3f}]}]}",
			 MSM_TRACE, prb, ts, rtt);
	else
		snprintf(buf, sizeof(buf),
			 "{\"type\":\"traceroute\",\"fw\":5020,\"af\":4,"
			 "\"msm_id\":%d,\"prb_id\":%" PRId64
			 ",\"timestamp\":%" PRId64
			 ",\"dst_addr\":\"192.0.2.9\",\"result\":["
			 "{\"hop\":1,\"result\":[{\"from\":\"10.0.0.1\","
			 "\"rtt\":1.5}]},{\"hop\":255,\"result\":["
			 "{\"x\":\"*\"}]}]}",
			 MSM_TRACE, prb, ts);
	return parse(buf);
}

/* Adds r (freed) with opts.link = link, as the collector does. */
static void add(struct ap_agg *a, struct ap_result *r, const char *link)
{
	struct ap_convert_opts o;
	struct ap_err err;

	ap_convert_opts_init(&o);
	o.link = link;
	if (ap_agg_add(a, r, &o, &err) != AP_OK)
		printf("FAIL add: %s\n", err.msg);
	ap_result_free(r);
}

static struct ap_agg *new_agg(int64_t msm)
{
	struct ap_agg_opts o;
	struct ap_agg *a = NULL;
	struct ap_err err;

	ap_agg_opts_init(&o);
	o.interval_s = 240;
	o.horizon_s = HORIZON;
	if (ap_agg_new(&a, msm, &o, &err) != AP_OK) {
		printf("agg: %s\n", err.msg);
		abort();
	}
	return a;
}

/*
 * The three measurements. Figures by hand (window [3300, 10500]):
 *
 * transit-a:
 *   1001 (configured link transit-a, no link of its own):
 *     prb 1 @10000  10 12 14   median 12, 3/3
 *     prb 2 @10100  20 *  22   median 21, 3/2
 *     prb 3 @10200  *  *  *    no RTT,    3/0
 *     prb 5 @3000   (before the window)
 *     prb 6 @10600  (after now)
 *   1002 (no configured link):
 *     prb 7 @10050  link none: counts nowhere
 *     prb 8 @10060  link transit-a: 5 5 *  median 5, 3/2
 *   5001 (configured link transit-a; path analysis wins when it has one):
 *     prb 14 @10045 link none -> transit-a by the tag: reached 40 ms, 1/1
 *   results 5; RTTs {12, 21, 5, 40} -> sorted 5 12 21 40, rank
 *   ceil(0.5 * 4) = 2 -> p50 12; sent 3+3+3+3+1 = 13, rcvd 3+2+0+2+1 = 8,
 *   loss 100 * 5/13 = 38.461538.
 *
 * ixp-x (all from 5001's path analysis):
 *     prb 10 @10010 reached 8.5; prb 11 @10020 not reached;
 *     prb 12 @10030 reached 7.25
 *   results 3; RTTs 7.25 8.5 -> rank 1 -> p50 7.25; 3 sent, 2 received,
 *   loss 33.333333.
 *   (prb 13 @10040 exit "unknown" counts for neither link, whatever the
 *   configured tag says.)
 */
static void feed(struct ap_agg *p1, struct ap_agg *p2, struct ap_agg *t,
		 bool reversed)
{
	if (!reversed) {
		add(p1, ping(MSM_PING, 1, 10000, 10, 12, 14), NULL);
		add(p1, ping(MSM_PING, 2, 10100, 20, -1, 22), NULL);
		add(p1, ping(MSM_PING, 3, 10200, -1, -1, -1), NULL);
		add(p1, ping(MSM_PING, 5, 3000, 1, 1, 1), NULL);
		add(p1, ping(MSM_PING, 6, 10600, 50, 50, 50), NULL);
		add(p2, ping(MSM_PING2, 7, 10050, 30, 31, 32), NULL);
		add(p2, ping(MSM_PING2, 8, 10060, 5, 5, -1), "transit-a");
		add(t, trace(10, 10010, 8.5), "ixp-x");
		add(t, trace(11, 10020, -1), "ixp-x");
		add(t, trace(12, 10030, 7.25), "ixp-x");
		add(t, trace(13, 10040, 30), "unknown");
		add(t, trace(14, 10045, 40), NULL);
		return;
	}
	/* Same results, other order, committed in between. */
	add(t, trace(14, 10045, 40), NULL);
	add(t, trace(13, 10040, 30), "unknown");
	ap_agg_commit(t, 10100);
	add(t, trace(12, 10030, 7.25), "ixp-x");
	add(t, trace(11, 10020, -1), "ixp-x");
	add(t, trace(10, 10010, 8.5), "ixp-x");
	add(p2, ping(MSM_PING2, 8, 10060, 5, 5, -1), "transit-a");
	add(p2, ping(MSM_PING2, 7, 10050, 30, 31, 32), NULL);
	add(p1, ping(MSM_PING, 6, 10600, 50, 50, 50), NULL);
	add(p1, ping(MSM_PING, 3, 10200, -1, -1, -1), NULL);
	ap_agg_commit(p1, 10300);
	add(p1, ping(MSM_PING, 5, 3000, 1, 1, 1), NULL);
	add(p1, ping(MSM_PING, 2, 10100, 20, -1, 22), NULL);
	add(p1, ping(MSM_PING, 1, 10000, 10, 12, 14), NULL);
}

static struct ap_config *load(const char *yaml, struct ap_cost_model **m)
{
	struct ap_config *cfg = NULL;
	struct ap_err err;

	*m = NULL;
	if (ap_config_load_buffer("link.yaml", yaml, strlen(yaml), &cfg,
				  &err) != AP_OK) {
		printf("config: %s\n", err.msg);
		abort();
	}
	if (ap_cost_model_from_config(cfg, m, &err) != AP_OK) {
		printf("cost model: %s\n", err.msg);
		abort();
	}
	return cfg;
}

static enum ap_status emit(const struct ap_config *cfg,
			   const struct ap_cost_model *m,
			   const struct ap_agg *const *aggs, size_t n,
			   int64_t now, int64_t window, struct cap *c)
{
	struct ap_sink sink = {cap_emit, c};
	struct ap_err err;
	enum ap_status st;

	cap_clear(c);
	ap_err_clear(&err);
	st = ap_link_emit(cfg, m, aggs, n, now, window, &sink, &err);
	if (st != AP_OK && err.msg[0] != '\0')
		printf("  ap_link_emit: %s\n", err.msg);
	return st;
}

/* ---- tests ---------------------------------------------------------- */

static void test_scenario_a(void)
{
	struct ap_cost_model *m;
	struct ap_config *cfg = load(YAML_A, &m);
	struct ap_agg *p1 = new_agg(MSM_PING), *p2 = new_agg(MSM_PING2);
	struct ap_agg *t = new_agg(MSM_TRACE);
	const struct ap_agg *aggs[4] = {p1, NULL, p2, t};
	const struct ap_metric *ta, *ix;
	struct cap c;

	cap_init(&c);
	feed(p1, p2, t, false);
	/* Pending samples count (the collector emits before it commits)... */
	CHECK(emit(cfg, m, aggs, 4, NOW, HORIZON, &c) == AP_OK);
	CHECK(c.n == 2);
	{
		char *pending0 = c.n == 2 ? strdup(c.lines[0]) : NULL;

		/* ... and committed ones just the same. */
		ap_agg_commit(p1, NOW);
		ap_agg_commit(p2, NOW);
		ap_agg_commit(t, NOW);
		CHECK(emit(cfg, m, aggs, 4, NOW, HORIZON, &c) == AP_OK);
		CHECK(c.n == 2 && pending0 != NULL &&
		      strcmp(pending0, c.lines[0]) == 0);
		free(pending0);
	}
	CHECK(c.n == 2);
	if (c.n != 2)
		goto out;
	/* Model order, wall-clock timestamp, the exact text. */
	CHECK_STR(c.lines[0],
		  "atlas_link,kind=transit,link=transit-a results=5i,"
		  "percentile50_response_ms=12,"
		  "percent_packet_loss=38.461538,billed_mbps=2500,"
		  "monthly_cost=1650,effective_cost_per_mbps=0.66,"
		  "unused_commit_mbps=0,utilization=0.25 "
		  "10500000000000");
	CHECK_STR(c.lines[1],
		  "atlas_link,kind=peering,link=ixp-x results=3i,"
		  "percentile50_response_ms=7.25,"
		  "percent_packet_loss=33.333333,billed_mbps=0,"
		  "monthly_cost=800,breakeven_mbps=1333.333333,"
		  "utilization=0 10500000000000");

	ta = point(&c, "transit-a");
	ix = point(&c, "ixp-x");
	CHECK(ta != NULL && ta->time_s == NOW);
	CHECK_STR(ap_metric_tag_value(ta, "kind"), "transit");
	CHECK(ap_metric_tag_value(ta, "shard") == NULL);
	CHECK(ival(ta, "results") == 5);
	CHECK(fval(ta, "percentile50_response_ms") == 12.0);
	CHECK(fval(ta, "percent_packet_loss") == 38.461538);
	/* Scenario A's baseline: 2500 Mbps, 1650, 0.66 per Mbps. */
	CHECK_NEAR(fval(ta, "billed_mbps"), 2500, 0.01);
	CHECK_NEAR(fval(ta, "monthly_cost"), 1650, 0.01);
	CHECK_NEAR(fval(ta, "effective_cost_per_mbps"), 0.66, 0.001);
	CHECK(fval(ta, "unused_commit_mbps") == 0.0);
	CHECK(fval(ta, "utilization") == 0.25);
	CHECK(!has(ta, "breakeven_mbps"));

	CHECK_STR(ap_metric_tag_value(ix, "kind"), "peering");
	CHECK(ival(ix, "results") == 3);
	CHECK(fval(ix, "percentile50_response_ms") == 7.25);
	CHECK(fval(ix, "percent_packet_loss") == 33.333333);
	/* 0 Mbps, 800, no cost per Mbps, break-even 800 / 0.60. */
	CHECK(fval(ix, "billed_mbps") == 0.0);
	CHECK_NEAR(fval(ix, "monthly_cost"), 800, 0.01);
	CHECK(!has(ix, "effective_cost_per_mbps"));
	CHECK_NEAR(fval(ix, "breakeven_mbps"), 1333.33, 0.01);
	CHECK(!has(ix, "unused_commit_mbps"));
	CHECK(fval(ix, "utilization") == 0.0);

	/* Later: prb 6 @10600 (50 ms, 3/3) enters the window; prb 5 @3000
	 * is older than any window anyway. RTTs 5 12 21 40 50 -> rank 3 ->
	 * 21; 16 sent, 11 received -> 31.25 %. */
	CHECK(emit(cfg, m, aggs, 4, 10700, HORIZON, &c) == AP_OK);
	ta = point(&c, "transit-a");
	CHECK(ival(ta, "results") == 6);
	CHECK(fval(ta, "percentile50_response_ms") == 21.0);
	CHECK(fval(ta, "percent_packet_loss") == 31.25);

	/* A wide window takes prb 5 (1 ms, 3/3) too: RTTs 1 5 12 21 40 50
	 * -> rank 3 -> 12; 19 sent, 14 received -> 26.315789 %. */
	CHECK(emit(cfg, m, aggs, 4, 10700, 8000, &c) == AP_OK);
	ta = point(&c, "transit-a");
	CHECK(ival(ta, "results") == 7);
	CHECK(fval(ta, "percentile50_response_ms") == 12.0);
	CHECK(fval(ta, "percent_packet_loss") == 26.315789);

	/* Bounds are inclusive: [10030, 10045] holds prb 12 (ixp-x) and
	 * prb 14 (transit-a by tag) and prb 13 (unknown: neither). */
	CHECK(emit(cfg, m, aggs, 4, 10045, 15, &c) == AP_OK);
	ta = point(&c, "transit-a");
	ix = point(&c, "ixp-x");
	CHECK(ival(ta, "results") == 1);
	CHECK(fval(ta, "percentile50_response_ms") == 40.0);
	CHECK(fval(ta, "percent_packet_loss") == 0.0);
	CHECK(ival(ix, "results") == 1);
	CHECK(fval(ix, "percentile50_response_ms") == 7.25);

	/* A window without results: results 0, no p50, no loss; the cost
	 * figures are there all the same. */
	CHECK(emit(cfg, m, aggs, 4, NOW, 60, &c) == AP_OK);
	CHECK(c.n == 2);
	ta = point(&c, "transit-a");
	ix = point(&c, "ixp-x");
	CHECK(ival(ta, "results") == 0 && ival(ix, "results") == 0);
	CHECK(!has(ta, "percentile50_response_ms") &&
	      !has(ta, "percent_packet_loss"));
	CHECK(!has(ix, "percentile50_response_ms") &&
	      !has(ix, "percent_packet_loss"));
	CHECK_NEAR(fval(ta, "monthly_cost"), 1650, 0.01);
	CHECK_NEAR(fval(ix, "breakeven_mbps"), 1333.33, 0.01);

	/* No measurements at all (no collector has summaries yet). */
	CHECK(emit(cfg, m, NULL, 0, NOW, HORIZON, &c) == AP_OK);
	CHECK(c.n == 2 && ival(point(&c, "ixp-x"), "results") == 0);
	CHECK_STR(c.n == 2 ? c.lines[1] : NULL,
		  "atlas_link,kind=peering,link=ixp-x results=0i,"
		  "billed_mbps=0,monthly_cost=800,breakeven_mbps=1333.333333,"
		  "utilization=0 10500000000000");

	/* Without cfg, the configured tags are unknown: transit-a loses
	 * 1001's three results and 5001's prb 14, keeps prb 8. */
	CHECK(emit(NULL, m, aggs, 4, NOW, HORIZON, &c) == AP_OK);
	ta = point(&c, "transit-a");
	CHECK(ival(ta, "results") == 1);
	CHECK(fval(ta, "percentile50_response_ms") == 5.0);
out:
	cap_free(&c);
	ap_agg_free(p1);
	ap_agg_free(p2);
	ap_agg_free(t);
	ap_cost_model_free(m);
	ap_config_free(cfg);
}

/* Same final samples, other order and batches: the same points. */
static void test_deterministic(void)
{
	struct ap_cost_model *m;
	struct ap_config *cfg = load(YAML_A, &m);
	struct ap_agg *a[3] = {new_agg(MSM_PING), new_agg(MSM_PING2),
			       new_agg(MSM_TRACE)};
	struct ap_agg *b[3] = {new_agg(MSM_PING), new_agg(MSM_PING2),
			       new_agg(MSM_TRACE)};
	const struct ap_agg *av[3] = {a[0], a[1], a[2]};
	const struct ap_agg *bv[3] = {b[2], b[0], b[1]}; /* any order */
	struct cap ca, cb;

	cap_init(&ca);
	cap_init(&cb);
	feed(a[0], a[1], a[2], false);
	feed(b[0], b[1], b[2], true);
	CHECK(emit(cfg, m, av, 3, NOW, HORIZON, &ca) == AP_OK);
	CHECK(emit(cfg, m, bv, 3, NOW, HORIZON, &cb) == AP_OK);
	CHECK(ca.n == 2 && cb.n == 2);
	for (size_t i = 0; i < ca.n && i < cb.n; i++)
		CHECK_STR(cb.lines[i], ca.lines[i]);
	/* Emitting again changes nothing. */
	CHECK(emit(cfg, m, bv, 3, NOW, HORIZON, &cb) == AP_OK);
	for (size_t i = 0; i < ca.n && i < cb.n; i++)
		CHECK_STR(cb.lines[i], ca.lines[i]);
	cap_free(&ca);
	cap_free(&cb);
	for (int i = 0; i < 3; i++) {
		ap_agg_free(a[i]);
		ap_agg_free(b[i]);
	}
	ap_cost_model_free(m);
	ap_config_free(cfg);
}

/* Kinds, break-even against a configured p_ref, shard tag, commit. */
static void test_kinds_and_shard(void)
{
	static const char yaml[] =
		"shard: 2/3\n"
		"reference_transit_price: 0.5\n"
		"links:\n"
		"  - {name: t1, kind: transit, commit_mbps: 1000,"
		" price_per_mbps: 0.4, fixed_monthly: 100,"
		" port_capacity_mbps: 10000}\n"
		"  - {name: pni-b, kind: pni, price_per_mbps: 0.1,"
		" fixed_monthly: 300, port_capacity_mbps: 1000}\n"
		"  - {name: paid, kind: peering, price_per_mbps: 0.6,"
		" fixed_monthly: 50, port_capacity_mbps: 2000}\n"
		"destinations:\n"
		"  - {id: AS1, traffic_mbps: 300, current_link: t1}\n"
		"  - {id: AS2, traffic_mbps: 250, current_link: pni-b}\n"
		"  - {id: AS3, traffic_mbps: 150, current_link: pni-b}\n";
	struct ap_cost_model *m;
	struct ap_config *cfg = load(yaml, &m);
	const struct ap_metric *p;
	struct cap c;

	cap_init(&c);
	CHECK(emit(cfg, m, NULL, 0, 1700000000, 3600, &c) == AP_OK);
	CHECK(c.n == 3);
	if (c.n != 3)
		goto out;
	for (size_t i = 0; i < c.n; i++)
		CHECK_STR(ap_metric_tag_value(&c.m[i], "shard"), "2/3");
	/* t1 at 300 Mbps: 100 + 0.4 * 1000 = 500; 1.666667 per Mbps; 700
	 * of commit unused; 3 % of the port. */
	CHECK_STR(c.lines[0],
		  "atlas_link,kind=transit,link=t1,shard=2/3 results=0i,"
		  "billed_mbps=300,monthly_cost=500,"
		  "effective_cost_per_mbps=1.666667,unused_commit_mbps=700,"
		  "utilization=0.03 1700000000000000000");
	/* pni-b at 250 + 150 = 400 Mbps: 300 + 0.1 * 400 = 340, 0.85 per
	 * Mbps; break-even 300 / (0.5 - 0.1) = 750; 40 % of the port. */
	p = point(&c, "pni-b");
	CHECK_STR(ap_metric_tag_value(p, "kind"), "pni");
	CHECK(fval(p, "billed_mbps") == 400.0);
	CHECK(fval(p, "monthly_cost") == 340.0);
	CHECK(fval(p, "effective_cost_per_mbps") == 0.85);
	CHECK(fval(p, "breakeven_mbps") == 750.0);
	CHECK(fval(p, "utilization") == 0.4);
	CHECK(!has(p, "unused_commit_mbps"));
	/* Paid peering dearer than p_ref never breaks even: absent. */
	p = point(&c, "paid");
	CHECK(fval(p, "monthly_cost") == 50.0);
	CHECK(!has(p, "breakeven_mbps"));
	CHECK(!has(p, "effective_cost_per_mbps"));
out:
	cap_free(&c);
	ap_cost_model_free(m);
	ap_config_free(cfg);
}

/* The query itself. */
static void test_query(void)
{
	struct ap_agg *a = new_agg(MSM_PING);
	struct ap_agg_link_acc acc;
	struct ap_err err;

	memset(&acc, 0, sizeof(acc));
	add(a, ping(MSM_PING, 1, 1000, 10, 10, 10), "l1");
	add(a, ping(MSM_PING, 2, 1001, 20, -1, -1), NULL);
	add(a, ping(MSM_PING, 3, 1002, -1, -1, -1), "l2");
	/* A link no sample carries. */
	CHECK(ap_agg_link_samples(a, "nope", false, 0, 5000, &acc, &err) ==
	      AP_OK);
	CHECK(acc.results == 0 && acc.n_rtt == 0);
	/* ... which still takes the unlabelled ones when asked. */
	CHECK(ap_agg_link_samples(a, "nope", true, 0, 5000, &acc, &err) ==
	      AP_OK);
	CHECK(acc.results == 1 && acc.sent == 3 && acc.rcvd == 1 &&
	      acc.counted == 1 && acc.n_rtt == 1 && acc.rtt_ms[0] == 20.0);
	/* Accumulates over calls (the unlabelled one again, and l1). */
	CHECK(ap_agg_link_samples(a, "l1", true, 0, 5000, &acc, &err) ==
	      AP_OK);
	CHECK(acc.results == 3 && acc.sent == 9 && acc.rcvd == 5 &&
	      acc.n_rtt == 3);
	/* l2's one result has no RTT; the range is inclusive. */
	acc.results = acc.counted = acc.sent = acc.rcvd = 0;
	acc.n_rtt = 0;
	CHECK(ap_agg_link_samples(a, "l2", false, 1002, 1002, &acc, &err) ==
	      AP_OK);
	CHECK(acc.results == 1 && acc.sent == 3 && acc.rcvd == 0 &&
	      acc.n_rtt == 0);
	CHECK(ap_agg_link_samples(a, "l2", false, 1003, 5000, &acc, &err) ==
	      AP_OK);
	CHECK(acc.results == 1);
	CHECK(ap_agg_link_samples(a, NULL, false, 0, 5000, &acc, &err) ==
	      AP_OK);
	CHECK(acc.results == 1);
	free(acc.rtt_ms);
	ap_agg_free(a);
}

/* ap_link_gather + ap_link_perf_of, which `atlasperf cost --from-state`
 * shares with atlas_link: the same pooling rule, nearest-rank p50 (not
 * the mean of the middle two), pooled loss, counts reset per call. */
static void test_gather_perf(void)
{
	struct ap_cost_model *m;
	struct ap_config *cfg = load(YAML_A, &m);
	struct ap_agg *a = new_agg(MSM_PING), *b = new_agg(MSM_PING2);
	const struct ap_agg *aggs[3] = {a, NULL, b};
	struct ap_agg_link_acc acc;
	struct ap_link_perf perf;
	struct ap_err err;

	memset(&acc, 0, sizeof(acc));
	/* 1001's configured tag is transit-a: its unlabelled samples count
	 * for transit-a, 1002's (no tag) for no link. */
	add(a, ping(MSM_PING, 1, 1000, 10, 10, 10), NULL);
	add(a, ping(MSM_PING, 2, 1001, 40, -1, -1), NULL);
	add(a, ping(MSM_PING, 3, 1002, 30, 30, 30), "ixp-x");
	add(b, ping(MSM_PING2, 4, 1003, 20, 20, -1), "transit-a");
	add(b, ping(MSM_PING2, 5, 1004, 50, 50, 50), NULL);
	add(b, ping(MSM_PING2, 6, 1005, -1, -1, -1), "pni-z");
	CHECK(ap_link_gather(cfg, "transit-a", aggs, 3, 1003, 5000, &acc,
			     &err) == AP_OK);
	ap_link_perf_of(&acc, &perf);
	/* RTTs 10, 40, 20: p50 rank 2 = 20; sent 9, rcvd 3 + 1 + 2. */
	CHECK(perf.results == 3 && perf.n_rtt == 3 && perf.sent == 9);
	CHECK(perf.p50_ms == 20.0);
	CHECK(perf.loss_pct == 33.333333);
	/* The window [1002 - 3, 1002] holds 1000 and 1001 (1001's,
	 * unlabelled), not 1003 (labelled, too new). */
	CHECK(ap_link_gather(cfg, "transit-a", aggs, 3, 1002, 3, &acc,
			     &err) == AP_OK);
	ap_link_perf_of(&acc, &perf);
	/* Two RTTs, 10 and 40: nearest rank 1 = 10, not their mean 25;
	 * sent 6, rcvd 3 + 1. Counts were reset, not added to. */
	CHECK(perf.results == 2 && perf.n_rtt == 2 && perf.p50_ms == 10.0);
	CHECK(perf.loss_pct == 33.333333);
	/* Labelled ixp-x, though 1001's configured tag is transit-a. */
	CHECK(ap_link_gather(cfg, "ixp-x", aggs, 3, 5000, HORIZON, &acc,
			     &err) == AP_OK);
	ap_link_perf_of(&acc, &perf);
	CHECK(perf.results == 1 && perf.n_rtt == 1 && perf.p50_ms == 30.0 &&
	      perf.loss_pct == 0.0);
	/* Results but no RTT: a loss, no p50. */
	CHECK(ap_link_gather(cfg, "pni-z", aggs, 3, 5000, HORIZON, &acc,
			     &err) == AP_OK);
	ap_link_perf_of(&acc, &perf);
	CHECK(perf.results == 1 && perf.n_rtt == 0 && perf.sent == 3 &&
	      isnan(perf.p50_ms) && perf.loss_pct == 100.0);
	/* Without cfg no configured tag: 1000 and 1001 count for no link,
	 * and the labelled 1003 is outside [1000, 1001]. */
	CHECK(ap_link_gather(NULL, "transit-a", aggs, 3, 1001, 1, &acc,
			     &err) == AP_OK);
	ap_link_perf_of(&acc, &perf);
	CHECK(perf.results == 0 && perf.n_rtt == 0 && isnan(perf.p50_ms) &&
	      isnan(perf.loss_pct));
	CHECK(ap_link_gather(cfg, "transit-a", aggs, 3, 5000, -1, &acc,
			     &err) == AP_EINVAL);
	free(acc.rtt_ms);
	ap_agg_free(a);
	ap_agg_free(b);
	ap_cost_model_free(m);
	ap_config_free(cfg);
}

static enum ap_status count_emit(const struct ap_metric *m, void *user)
{
	(void)m;
	(*(size_t *)user)++;
	return AP_OK;
}

static void test_errors(void)
{
	struct ap_cost_model *m;
	struct ap_config *cfg = load(YAML_A, &m);
	struct ap_sink sink;
	struct ap_err err;
	struct cap c;
	size_t n = 0;

	cap_init(&c);
	sink.emit = cap_emit;
	sink.user = &c;
	CHECK(ap_link_emit(cfg, NULL, NULL, 0, NOW, HORIZON, &sink, &err) ==
	      AP_EINVAL);
	CHECK(ap_link_emit(cfg, m, NULL, 0, NOW, -1, &sink, &err) ==
	      AP_EINVAL);
	CHECK(strstr(err.msg, "negative") != NULL);
	/* The sink's failure comes back and stops the emission. */
	c.fail_after = 1;
	CHECK(ap_link_emit(cfg, m, NULL, 0, NOW, HORIZON, &sink, &err) ==
	      AP_EIO);
	CHECK(c.n == 1);
	/* An absurd clock saturates instead of wrapping (UBSan would tell);
	 * such a timestamp has no line protocol, so only count. */
	sink.emit = count_emit;
	sink.user = &n;
	CHECK(ap_link_emit(cfg, m, NULL, 0, INT64_MIN + 5, HORIZON, &sink,
			   &err) == AP_OK);
	CHECK(n == 2);
	cap_free(&c);
	ap_cost_model_free(m);
	ap_config_free(cfg);
}

int main(void)
{
	test_scenario_a();
	test_deterministic();
	test_kinds_and_shard();
	test_query();
	test_gather_perf();
	test_errors();
	TEST_DONE();
}

/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for ap_result_parse (base fields, ping, traceroute) and their
 * conversion to atlas_ping / atlas_traceroute points. Fixtures are written
 * here in Atlas's documented result format.
 */
#include <stdlib.h>

#include "atlasperf/ap_convert.h"
#include "atlasperf/ap_result.h"
#include "test.h"

#define MAX_POINTS 64

/* Points borrow strings from their result: the last one is kept alive
 * until the next conversion. */
static struct ap_result *last;

struct points {
	struct ap_metric m[MAX_POINTS];
	int n;
};

static enum ap_status collect(const struct ap_metric *m, void *user)
{
	struct points *p = user;

	if (p->n < MAX_POINTS)
		ap_metric_copy(&p->m[p->n], m);
	p->n++;
	return AP_OK;
}

/* Parses and converts json; returns the parse status. */
static enum ap_status convert(const char *json, struct points *pts,
			      const struct ap_convert_opts *opts,
			      struct ap_err *err)
{
	struct ap_result *r = NULL;
	struct ap_convert_opts def;
	struct ap_sink sink = {collect, pts};
	enum ap_status st;

	pts->n = 0;
	ap_result_free(last);
	last = NULL;
	if (opts == NULL) {
		ap_convert_opts_init(&def);
		opts = &def;
	}
	st = ap_result_parse(json, strlen(json), &r, NULL, err);
	if (st != AP_OK)
		return st;
	st = ap_convert_result(r, opts, &sink, err);
	last = r;
	return st;
}

static double f(const struct ap_metric *m, const char *key)
{
	const struct ap_field *fl = ap_metric_field(m, key);

	if (fl == NULL)
		return NAN;
	return fl->type == AP_FIELD_INT ? (double)fl->v.i : fl->v.f;
}

static bool has(const struct ap_metric *m, const char *key)
{
	return ap_metric_field(m, key) != NULL;
}

static void test_ping(void)
{
	struct points p;
	struct ap_err err;
	struct ap_result *r;

	/* Modern ping with a timeout, a duplicate and an error entry. */
	CHECK(convert("{\"type\":\"ping\",\"fw\":5020,\"msm_id\":1001,"
		      "\"prb_id\":7,\"timestamp\":1700000000,\"af\":4,"
		      "\"dst_name\":\"k.root\",\"dst_addr\":\"193.0.14.129\","
		      "\"proto\":\"ICMP\",\"ttl\":55,\"size\":48,\"sent\":4,"
		      "\"rcvd\":2,\"dup\":1,\"min\":10.0,\"avg\":11.0,"
		      "\"max\":12.0,\"result\":[{\"rtt\":10.0001,\"ttl\":54},"
		      "{\"x\":\"*\"},{\"rtt\":12.0},{\"rtt\":11.0,\"dup\":1},"
		      "{\"error\":\"sendto failed\"}]}",
		      &p, NULL, &err) == AP_OK);
	CHECK(p.n == 1);
	CHECK_STR(p.m[0].name, "atlas_ping");
	CHECK(p.m[0].time_s == 1700000000);
	CHECK_NEAR(f(&p.m[0], "packets_transmitted"), 4, 0);
	CHECK_NEAR(f(&p.m[0], "packets_received"), 2, 0);
	CHECK_NEAR(f(&p.m[0], "percent_packet_loss"), 50, 0);
	CHECK_NEAR(f(&p.m[0], "median_response_ms"), 11.0, 1e-9);
	CHECK_NEAR(f(&p.m[0], "standard_deviation_ms"), 1.0, 1e-9);
	CHECK_NEAR(f(&p.m[0], "jitter_ms"), 2.0, 1e-9);
	CHECK_NEAR(f(&p.m[0], "duplicates"), 1, 0);
	CHECK_NEAR(f(&p.m[0], "ttl"), 54, 0); /* first reply's own ttl */
	CHECK_NEAR(f(&p.m[0], "packet_size"), 48, 0);
	CHECK_NEAR(f(&p.m[0], "result_code"), 0, 0);

	/* Total loss: avg -1 gives no RTT fields, loss 100 still a point. */
	CHECK(convert("{\"type\":\"ping\",\"msm_id\":1001,\"prb_id\":8,"
		      "\"timestamp\":1700000001,\"af\":4,\"dst_addr\":\"192.0.2.1\","
		      "\"sent\":3,\"rcvd\":0,\"dup\":0,\"min\":-1,\"avg\":-1,"
		      "\"max\":-1,\"result\":[{\"x\":\"*\"},{\"x\":\"*\"},"
		      "{\"x\":\"*\"}]}",
		      &p, NULL, &err) == AP_OK);
	CHECK(p.n == 1);
	CHECK_NEAR(f(&p.m[0], "percent_packet_loss"), 100, 0);
	CHECK(!has(&p.m[0], "minimum_response_ms"));
	CHECK(!has(&p.m[0], "average_response_ms"));
	CHECK(!has(&p.m[0], "median_response_ms"));
	CHECK(!has(&p.m[0], "jitter_ms"));
	CHECK(!has(&p.m[0], "ttl"));
	/* dst_name falls back to the address. */
	CHECK_STR(ap_metric_tag_value(&p.m[0], "dst_name"), "192.0.2.1");

	/* Legacy fw < 4460: strings everywhere, addr/name/pf, no packets. */
	{
		const char *j =
			"{\"type\":\"ping\",\"fw\":\"4400\","
			"\"msm_id\":\"1000192\",\"prb_id\":\"677\","
			"\"timestamp\":\"1328019792\",\"pf\":6,"
			"\"addr\":\"2001:db8::1\",\"name\":\"v6.example\","
			"\"dst_addr\":\"192.0.2.9\",\"sent\":\"3\","
			"\"rcvd\":\"3\",\"avg\":\"58.042\","
			"\"min\":\"57.876\",\"max\":\"58.272\"}";

		CHECK(ap_result_parse(j, strlen(j), &r, NULL, &err) == AP_OK);
	}
	CHECK(r->base.msm_id == 1000192 && r->base.prb_id == 677);
	CHECK(r->base.fw == 4400 && r->base.af == 6);
	CHECK_STR(r->base.dst_addr, "2001:db8::1");
	CHECK_STR(r->base.dst_name, "v6.example");
	CHECK(r->u.ping.sent == 3 && r->u.ping.n_packets == 0);
	CHECK_NEAR(r->u.ping.avg_ms, 58.042, 1e-12);
	ap_result_free(r);

	/* dnserr: target name not resolved -> result_code 1. */
	CHECK(convert("{\"type\":\"ping\",\"msm_id\":1,\"prb_id\":2,"
		      "\"timestamp\":3,\"dnserr\":\"non-recoverable failure "
		      "in name resolution\",\"dst_name\":\"nx.example\"}",
		      &p, NULL, &err) == AP_OK);
	CHECK(p.n == 1);
	CHECK_NEAR(f(&p.m[0], "result_code"), 1, 0);

	/* Configured tags are added; base tags win over them. */
	{
		struct ap_convert_opts o;
		struct ap_tag tags[] = {{"link", "transit-a"},
					{"msm_id", "spoofed"}};

		ap_convert_opts_init(&o);
		o.tags = tags;
		o.n_tags = 2;
		o.probe_asn = "64500";
		o.probe_cc = "NL";
		CHECK(convert("{\"type\":\"ping\",\"msm_id\":5,\"prb_id\":6,"
			      "\"timestamp\":7,\"sent\":1,\"rcvd\":1,"
			      "\"avg\":1,\"min\":1,\"max\":1,"
			      "\"result\":[{\"rtt\":1}]}",
			      &p, &o, &err) == AP_OK);
		CHECK_STR(ap_metric_tag_value(&p.m[0], "link"), "transit-a");
		CHECK_STR(ap_metric_tag_value(&p.m[0], "msm_id"), "5");
		CHECK_STR(ap_metric_tag_value(&p.m[0], "probe_asn"), "64500");
		CHECK_STR(ap_metric_tag_value(&p.m[0], "probe_cc"), "NL");
		CHECK_STR(ap_metric_tag_value(&p.m[0], "af"), "4");
	}
}

static const char TRACE[] =
	"{\"type\":\"traceroute\",\"fw\":5020,\"msm_id\":5001,\"prb_id\":9,"
	"\"timestamp\":1700000000,\"endtime\":1700000020,\"af\":4,"
	"\"dst_addr\":\"193.0.14.129\",\"proto\":\"ICMP\",\"paris_id\":1,"
	"\"result\":["
	"{\"hop\":1,\"result\":[{\"from\":\"192.0.2.1\",\"rtt\":1.0},"
	"{\"from\":\"192.0.2.1\",\"rtt\":1.2},{\"x\":\"*\"}]},"
	"{\"hop\":2,\"result\":[{\"from\":\"198.51.100.1\",\"rtt\":30.0},"
	"{\"from\":\"198.51.100.1\",\"rtt\":31.0},"
	"{\"from\":\"198.51.100.9\",\"rtt\":2.0,\"late\":1}]},"
	"{\"hop\":3,\"result\":[{\"from\":\"203.0.113.5\",\"rtt\":90.0}]},"
	"{\"hop\":4,\"result\":[{\"from\":\"203.0.113.6\",\"rtt\":35.0}]},"
	"{\"hop\":255,\"result\":[{\"from\":\"193.0.14.129\",\"rtt\":36.0},"
	"{\"from\":\"193.0.14.129\",\"rtt\":0},"
	"{\"from\":\"193.0.14.129\",\"rtt\":36.5}]}]}";

static void test_traceroute(void)
{
	struct points p;
	struct ap_err err;
	char pid[2][32];
	struct ap_convert_opts o;

	CHECK(convert(TRACE, &p, NULL, &err) == AP_OK);
	CHECK(p.n == 1);
	CHECK_STR(p.m[0].name, "atlas_traceroute");
	CHECK_NEAR(f(&p.m[0], "hop_count"), 5, 0);
	CHECK_NEAR(f(&p.m[0], "destination_responded"), 1, 0);
	/* Zero RTTs are left out of medians, as Sagan does. */
	CHECK_NEAR(f(&p.m[0], "last_rtt_ms"), 36.25, 1e-9);
	CHECK_NEAR(f(&p.m[0], "destination_rtt_ms"), 36.25, 1e-9);
	CHECK_NEAR(f(&p.m[0], "success"), 1, 0);
	/* Hop 3's 90 ms spike does not persist (hop 4 is at 35): the
	 * bottleneck is hop 2 (+29 ms over hop 1, later hops >= 1+0.8*29). */
	CHECK_NEAR(f(&p.m[0], "bottleneck_hop"), 2, 0);
	CHECK_NEAR(f(&p.m[0], "bottleneck_increase_ms"), 29, 1e-9);
	CHECK_NEAR(f(&p.m[0], "duration_s"), 20, 0);
	CHECK_STR(ap_metric_tag_value(&p.m[0], "proto"), "ICMP");
	snprintf(pid[0], sizeof(pid[0]), "%s",
		 ap_metric_field(&p.m[0], "path_id")->v.s);
	CHECK(strlen(pid[0]) == 12);

	/* path_id depends on the exit link, and is stable. */
	ap_convert_opts_init(&o);
	o.link = "ixp-x";
	CHECK(convert(TRACE, &p, &o, &err) == AP_OK);
	snprintf(pid[1], sizeof(pid[1]), "%s",
		 ap_metric_field(&p.m[0], "path_id")->v.s);
	CHECK(strcmp(pid[0], pid[1]) != 0);
	CHECK_STR(ap_metric_tag_value(&p.m[0], "link"), "ixp-x");
	CHECK(convert(TRACE, &p, NULL, &err) == AP_OK);
	CHECK_STR(ap_metric_field(&p.m[0], "path_id")->v.s, pid[0]);

	/* Hop points on request: one per hop, late replies not counted. */
	o.hop_points = true;
	CHECK(convert(TRACE, &p, &o, &err) == AP_OK);
	CHECK(p.n == 6);
	CHECK_STR(p.m[2].name, "atlas_traceroute_hop");
	CHECK_STR(ap_metric_tag_value(&p.m[2], "hop"), "2");
	CHECK_STR(ap_metric_tag_value(&p.m[2], "hop_addr"), "198.51.100.1");
	CHECK_NEAR(f(&p.m[2], "packets_transmitted"), 2, 0);
	CHECK_NEAR(f(&p.m[2], "packets_received"), 2, 0);
	CHECK_NEAR(f(&p.m[1], "percent_packet_loss"), 100.0 / 3.0, 1e-9);
	CHECK_STR(ap_metric_tag_value(&p.m[5], "hop"), "255");

	/* Last hop answered only with an ICMP error: responded, but no
	 * success; last_rtt falls back to the last hop with a median. */
	CHECK(convert("{\"type\":\"traceroute\",\"msm_id\":1,\"prb_id\":2,"
		      "\"timestamp\":3,\"dst_addr\":\"192.0.2.77\","
		      "\"result\":[{\"hop\":1,\"result\":[{\"from\":"
		      "\"192.0.2.1\",\"rtt\":4.5}]},{\"hop\":2,\"result\":"
		      "[{\"x\":\"*\"}]},{\"hop\":3,\"error\":\"sendto: "
		      "no route\"}]}",
		      &p, NULL, &err) == AP_OK);
	CHECK_NEAR(f(&p.m[0], "last_rtt_ms"), 4.5, 1e-9);
	CHECK_NEAR(f(&p.m[0], "destination_responded"), 0, 0);
	CHECK_NEAR(f(&p.m[0], "success"), 0, 0);
	CHECK(!has(&p.m[0], "destination_rtt_ms"));
	CHECK(!has(&p.m[0], "bottleneck_hop"));
	CHECK(!has(&p.m[0], "duration_s"));

	CHECK(convert("{\"type\":\"traceroute\",\"msm_id\":1,\"prb_id\":2,"
		      "\"timestamp\":3,\"dst_addr\":\"192.0.2.77\","
		      "\"result\":[{\"hop\":1,\"result\":[{\"from\":"
		      "\"192.0.2.77\",\"rtt\":9.0,\"err\":\"N\"}]}]}",
		      &p, NULL, &err) == AP_OK);
	CHECK_NEAR(f(&p.m[0], "destination_responded"), 1, 0);
	CHECK_NEAR(f(&p.m[0], "success"), 0, 0);
	CHECK_NEAR(f(&p.m[0], "last_rtt_ms"), 9.0, 1e-9);

	/* A result that is not a list: a point with hop_count 0. */
	CHECK(convert("{\"type\":\"traceroute\",\"msm_id\":1,\"prb_id\":2,"
		      "\"timestamp\":3,\"result\":\"oops\"}",
		      &p, NULL, &err) == AP_OK);
	CHECK(p.n == 1);
	CHECK_NEAR(f(&p.m[0], "hop_count"), 0, 0);
	CHECK(!has(&p.m[0], "path_id"));
}

static void test_bad(void)
{
	struct ap_result *r = (struct ap_result *)1;
	struct ap_result_id id;
	struct ap_err err;
	static const struct {
		const char *json, *want;
	} cases[] = {
		{"", "truncated"},
		{"{\"type\":\"ping\"", "truncated"},
		{"[1,2]", "not a JSON object"},
		{"\"str\"", "not a JSON object"},
		{"{\"type\":\"ping\"} x", "unexpected data"},
		{"{\"msm_id\":1,\"prb_id\":2,\"timestamp\":3}", "no result type"},
		{"{\"type\":\"wifi\",\"msm_id\":1,\"prb_id\":2,\"timestamp\":3}",
		 "unknown result type 'wifi'"},
		{"{\"type\":\"ping\",\"prb_id\":2,\"timestamp\":3}", "msm_id"},
		{"{\"type\":\"ping\",\"msm_id\":{},\"prb_id\":2,"
		 "\"timestamp\":3}", "msm_id"},
		{"{\"type\":\"ping\",\"msm_id\":1,\"prb_id\":2}", "timestamp"},
		{"{\"type\":\"ping\",\"msm_id\":1,\"prb_id\":-2,"
		 "\"timestamp\":3}", "prb_id"},
		{"{\"a\":\x01}", "invalid JSON"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = (struct ap_result *)1;
		CHECK(ap_result_parse(cases[i].json, strlen(cases[i].json), &r,
				      &id, &err) == AP_EPARSE);
		CHECK(r == NULL);
		if (strstr(err.msg, cases[i].want) == NULL)
			printf("  case %zu: message '%s'\n", i, err.msg);
		CHECK(strstr(err.msg, cases[i].want) != NULL);
	}
	/* The identity is reported even when the result is refused. */
	{
		const char *j = "{\"type\":\"x\",\"msm_id\":\"11\","
				"\"prb_id\":22,\"timestamp\":33}";

		CHECK(ap_result_parse(j, strlen(j), &r, &id, &err) ==
		      AP_EPARSE);
	}
	CHECK(id.msm_id == 11 && id.prb_id == 22 && id.timestamp == 33);

	/* Deep nesting is refused without exhausting the stack. */
	{
		size_t n = 100000;
		char *deep = malloc(n + 1);

		memset(deep, '[', n);
		deep[n] = '\0';
		CHECK(ap_result_parse(deep, n, &r, &id, &err) == AP_EPARSE);
		free(deep);
	}
	/* Wrong types inside a ping are data, not a crash: no fields. */
	{
		struct points p;

		CHECK(convert("{\"type\":\"ping\",\"msm_id\":1,\"prb_id\":2,"
			      "\"timestamp\":3,\"sent\":\"many\",\"rcvd\":[],"
			      "\"avg\":\"abc\",\"result\":\"none\"}",
			      &p, NULL, &err) == AP_OK);
		CHECK(p.n == 1);
		CHECK(!has(&p.m[0], "packets_transmitted"));
		CHECK(!has(&p.m[0], "average_response_ms"));
		CHECK_NEAR(f(&p.m[0], "result_code"), 0, 0);
	}
	CHECK_STR(ap_result_type_name(AP_RESULT_SSLCERT), "sslcert");
	ap_result_free(NULL);
}

int main(void)
{
	test_ping();
	test_traceroute();
	test_bad();
	ap_result_free(last);
	TEST_DONE();
}

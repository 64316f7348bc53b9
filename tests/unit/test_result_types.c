/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the dns, http, ntp and sslcert result types: parsing
 * (ap_result_parse), the abuf header reader, and the atlas_dns/http/ntp/
 * sslcert points. Fixtures are written here in Atlas's documented result
 * format, covering current and legacy firmware shapes and the error forms.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "atlasperf/ap_convert.h"
#include "atlasperf/ap_lp.h"
#include "atlasperf/ap_metric.h"
#include "atlasperf/ap_result.h"
#include "../../common/src/dns_abuf_int.h"
#include "test.h"

#define MAX_POINTS 8

/* abuf fixtures: header + question "example.org A IN". */
#define ABUF_NOERROR_AN2 "vu+BgAABAAIAAAABB2V4YW1wbGUDb3JnAAABAAE="
#define ABUF_NXDOMAIN "AQKBgwABAAAAAQAAB2V4YW1wbGUDb3JnAAABAAE="
#define ABUF_REFUSED_HDR_ONLY "AAGBhQAAAAAAAAAA"
#define ABUF_5_BYTES "AAECAwQ="

/* Every point a conversion emitted, copied out of the sink call. */
struct capture {
	size_t n;
	struct ap_metric m[MAX_POINTS];
	struct ap_lp *lp;
	char line[MAX_POINTS][1024];
};

/*
 * The sink's metric lives only during the call; integer tags point into
 * its scratch area, so the copy re-points them into its own scratch.
 */
static enum ap_status capture_emit(const struct ap_metric *m, void *user)
{
	struct capture *c = user;
	struct ap_metric *d;
	struct ap_buf b;
	struct ap_err e;
	uintptr_t lo = (uintptr_t)m->scratch;
	uintptr_t hi = lo + sizeof(m->scratch);

	if (c->n == MAX_POINTS)
		return AP_ERANGE;
	d = &c->m[c->n];
	*d = *m;
	for (size_t i = 0; i < d->n_tags; i++) {
		uintptr_t v = (uintptr_t)m->tags[i].value;

		if (v >= lo && v < hi)
			d->tags[i].value = d->scratch + (v - lo);
	}
	ap_buf_init(&b, 4096);
	c->line[c->n][0] = '\0';
	if (ap_lp_encode(c->lp, m, &b, &e) == AP_OK && b.len > 0)
		snprintf(c->line[c->n], sizeof(c->line[0]), "%s", b.data);
	ap_buf_reset(&b);
	c->n++;
	return AP_OK;
}

static struct ap_result *parse(const char *json)
{
	struct ap_result *r = NULL;
	struct ap_err err;
	enum ap_status st = ap_result_parse(json, strlen(json), &r, NULL, &err);

	if (st != AP_OK)
		printf("# parse failed: %s\n", err.msg);
	CHECK(st == AP_OK && r != NULL);
	return r;
}

/* Converts r into c (reset first); returns the number of points. */
static size_t convert(const struct ap_result *r, struct capture *c)
{
	struct ap_convert_opts opts;
	struct ap_sink sink = {capture_emit, c};
	struct ap_err err;
	enum ap_status st;

	c->n = 0;
	ap_convert_opts_init(&opts);
	st = ap_convert_result(r, &opts, &sink, &err);
	if (st != AP_OK)
		printf("# convert failed: %s\n", err.msg);
	CHECK(st == AP_OK);
	return c->n;
}

static bool has(const struct ap_metric *m, const char *key)
{
	return ap_metric_field(m, key) != NULL;
}

/* A numeric field as a double; NaN when absent or not numeric. */
static double num(const struct ap_metric *m, const char *key)
{
	const struct ap_field *f = ap_metric_field(m, key);

	if (f == NULL)
		return NAN;
	if (f->type == AP_FIELD_INT)
		return (double)f->v.i;
	return f->type == AP_FIELD_FLOAT ? f->v.f : NAN;
}

/* An integer field; -999 when absent or of another type. */
static int64_t inum(const struct ap_metric *m, const char *key)
{
	const struct ap_field *f = ap_metric_field(m, key);

	return (f != NULL && f->type == AP_FIELD_INT) ? f->v.i : -999;
}

static const char *tag(const struct ap_metric *m, const char *key)
{
	return ap_metric_tag_value(m, key);
}

/* ---- dns_abuf ---------------------------------------------------- */

static void test_abuf_header(void)
{
	struct dns_abuf_hdr h;

	CHECK(dns_abuf_header(ABUF_NOERROR_AN2, &h));
	CHECK(h.id == 0xbeef);
	CHECK(h.qr);
	CHECK(h.rcode == 0);
	CHECK(h.qdcount == 1 && h.ancount == 2);
	CHECK(h.nscount == 0 && h.arcount == 1);
	CHECK(h.msg_len == 29);

	CHECK(dns_abuf_header(ABUF_NXDOMAIN, &h));
	CHECK(h.rcode == 3 && h.ancount == 0 && h.nscount == 1);

	/* exactly a header, REFUSED */
	CHECK(dns_abuf_header(ABUF_REFUSED_HDR_ONLY, &h));
	CHECK(h.rcode == 5 && h.msg_len == 12);

	/* whitespace (line-wrapped base64) is ignored */
	CHECK(dns_abuf_header("AAGB hQAA\nAAAA\r\nAAAA", &h));
	CHECK(h.rcode == 5);

	/* shorter than a header: unknown, not zero */
	CHECK(!dns_abuf_header(ABUF_5_BYTES, &h));
	CHECK(h.rcode == -1 && h.ancount == -1 && h.id == -1);
	/* bad base64 of every kind */
	CHECK(!dns_abuf_header("AAGBhQAAAAAAAAA", &h));   /* partial group */
	CHECK(!dns_abuf_header("AAGBhQAA*AAAAAAA", &h));  /* bad symbol */
	CHECK(!dns_abuf_header("AAGBhQ==AAAAAAAA", &h));  /* after padding */
	CHECK(!dns_abuf_header("AAGBhQAAAAAAAA=A", &h));  /* '=' mid-group */
	CHECK(!dns_abuf_header("", &h));
	CHECK(!dns_abuf_header(NULL, &h));
	CHECK(h.rcode == -1 && h.qdcount == -1 && h.msg_len == 0);
}

/* ---- dns --------------------------------------------------------- */

static void test_dns_plain(struct capture *c)
{
	struct ap_result *r = parse(
		"{\"fw\":4790,\"lts\":12,\"af\":4,\"proto\":\"UDP\","
		"\"dst_addr\":\"192.0.2.53\",\"src_addr\":\"10.0.0.2\","
		"\"from\":\"198.51.100.7\",\"msm_id\":5001,\"prb_id\":42,"
		"\"timestamp\":1700000000,\"type\":\"dns\",\"result\":{"
		"\"ANCOUNT\":2,\"ARCOUNT\":1,\"ID\":48879,\"NSCOUNT\":0,"
		"\"QDCOUNT\":1,\"abuf\":\"" ABUF_NOERROR_AN2 "\","
		"\"rt\":12.3456,\"size\":29}}");

	if (r == NULL)
		return;
	CHECK(r->u.dns.n_responses == 1);
	CHECK(r->u.dns.responses[0].subid == -1);
	CHECK(r->u.dns.responses[0].answered);
	CHECK(r->u.dns.responses[0].rcode == 0);
	CHECK(convert(r, c) == 1);
	CHECK_STR(c->m[0].name, "atlas_dns");
	CHECK_STR(tag(&c->m[0], "proto"), "UDP");
	CHECK_STR(tag(&c->m[0], "dst_addr"), "192.0.2.53");
	CHECK(tag(&c->m[0], "subid") == NULL);
	CHECK_NEAR(num(&c->m[0], "response_time_ms"), 12.3456, 1e-9);
	CHECK(inum(&c->m[0], "response_size_bytes") == 29);
	CHECK(inum(&c->m[0], "answer_count") == 2);
	CHECK(inum(&c->m[0], "rcode") == 0);
	CHECK(inum(&c->m[0], "result_code") == 0);
	CHECK(c->m[0].time_s == 1700000000);
	ap_result_free(r);

	/* NXDOMAIN is an answer: rcode 3 as a field, result_code 0 */
	r = parse("{\"fw\":4790,\"af\":6,\"proto\":\"TCP\","
		  "\"dst_addr\":\"2001:db8::53\",\"msm_id\":5002,"
		  "\"prb_id\":43,\"timestamp\":1700000100,\"type\":\"dns\","
		  "\"result\":{\"ANCOUNT\":0,\"ARCOUNT\":0,\"ID\":258,"
		  "\"NSCOUNT\":1,\"QDCOUNT\":1,\"abuf\":\"" ABUF_NXDOMAIN
		  "\",\"rt\":3.5,\"size\":29}}");
	if (r == NULL)
		return;
	CHECK(convert(r, c) == 1);
	CHECK(inum(&c->m[0], "rcode") == 3);
	CHECK(inum(&c->m[0], "answer_count") == 0);
	CHECK(inum(&c->m[0], "result_code") == 0);
	CHECK_STR(tag(&c->m[0], "af"), "6");
	CHECK_STR(tag(&c->m[0], "proto"), "TCP");
	CHECK(strstr(c->line[0], "rcode=3i") != NULL);
	ap_result_free(r);
}

static void test_dns_errors(struct capture *c)
{
	/* timeout error object: one point, result_code 1 and nothing else */
	struct ap_result *r = parse(
		"{\"fw\":4790,\"af\":4,\"proto\":\"UDP\","
		"\"dst_addr\":\"192.0.2.53\",\"msm_id\":5003,\"prb_id\":44,"
		"\"timestamp\":1700000200,\"type\":\"dns\","
		"\"error\":{\"timeout\":5000}}");

	if (r == NULL)
		return;
	CHECK(r->u.dns.n_responses == 0);
	CHECK(r->u.dns.timeout);
	CHECK(r->base.failure == AP_FAIL_OTHER);
	CHECK_STR(r->base.failure_text, "timeout: 5000");
	CHECK(convert(r, c) == 1);
	CHECK(inum(&c->m[0], "result_code") == 1);
	CHECK(c->m[0].n_fields == 1);
	CHECK_STR(tag(&c->m[0], "dst_addr"), "192.0.2.53");
	ap_result_free(r);

	/* any other error object: result_code 2, the probe's words kept */
	r = parse("{\"fw\":4790,\"af\":4,\"proto\":\"UDP\","
		  "\"dst_name\":\"ns.example.net\",\"msm_id\":5004,"
		  "\"prb_id\":45,\"timestamp\":1700000300,\"type\":\"dns\","
		  "\"error\":{\"getaddrinfo\":\"Name or service not known\"}}");
	if (r == NULL)
		return;
	CHECK(!r->u.dns.timeout);
	CHECK_STR(r->u.dns.error, "getaddrinfo: Name or service not known");
	CHECK(convert(r, c) == 1);
	CHECK(inum(&c->m[0], "result_code") == 2);
	CHECK(c->m[0].n_fields == 1);
	CHECK_STR(tag(&c->m[0], "dst_name"), "ns.example.net");
	ap_result_free(r);

	/* neither a response nor an error: no point at all */
	r = parse("{\"fw\":4790,\"af\":4,\"dst_addr\":\"192.0.2.53\","
		  "\"msm_id\":5005,\"prb_id\":46,\"timestamp\":1700000400,"
		  "\"type\":\"dns\"}");
	if (r == NULL)
		return;
	CHECK(convert(r, c) == 0);
	ap_result_free(r);
}

static void test_dns_resultset(struct capture *c)
{
	/* three local resolvers: v4 answered, v6 answered (own af and
	 * dst_addr), one timed out; no top-level dst_addr/name. */
	struct ap_result *r = parse(
		"{\"fw\":4790,\"lts\":30,\"from\":\"198.51.100.9\","
		"\"msm_id\":5006,\"prb_id\":47,\"timestamp\":1700000500,"
		"\"type\":\"dns\",\"resultset\":["
		"{\"af\":4,\"dst_addr\":\"10.1.1.1\",\"proto\":\"UDP\","
		"\"src_addr\":\"10.1.1.20\",\"subid\":1,\"submax\":3,"
		"\"time\":1700000500,\"result\":{\"ANCOUNT\":2,\"ARCOUNT\":1,"
		"\"ID\":48879,\"NSCOUNT\":0,\"QDCOUNT\":1,\"abuf\":\""
		ABUF_NOERROR_AN2 "\",\"rt\":1.25,\"size\":29}},"
		"{\"af\":6,\"dst_addr\":\"2001:db8::1\",\"proto\":\"UDP\","
		"\"subid\":2,\"submax\":3,\"time\":1700000501,"
		"\"result\":{\"ANCOUNT\":0,\"ARCOUNT\":0,\"ID\":1,"
		"\"NSCOUNT\":0,\"QDCOUNT\":0,\"abuf\":\""
		ABUF_REFUSED_HDR_ONLY "\",\"rt\":2.5,\"size\":12}},"
		"{\"af\":4,\"dst_addr\":\"10.1.1.2\",\"proto\":\"UDP\","
		"\"subid\":3,\"submax\":3,\"time\":1700000502,"
		"\"error\":{\"timeout\":5000}}]}");

	if (r == NULL)
		return;
	CHECK(r->u.dns.n_responses == 3);
	CHECK(convert(r, c) == 3);
	CHECK_STR(tag(&c->m[0], "subid"), "1");
	CHECK_STR(tag(&c->m[1], "subid"), "2");
	CHECK_STR(tag(&c->m[2], "subid"), "3");
	CHECK_STR(tag(&c->m[0], "dst_addr"), "10.1.1.1");
	CHECK_STR(tag(&c->m[0], "dst_name"), "10.1.1.1");
	CHECK_STR(tag(&c->m[1], "dst_addr"), "2001:db8::1");
	CHECK_STR(tag(&c->m[1], "af"), "6");
	CHECK_STR(tag(&c->m[0], "af"), "4");
	CHECK(inum(&c->m[0], "answer_count") == 2);
	CHECK(inum(&c->m[1], "rcode") == 5);
	CHECK(inum(&c->m[1], "result_code") == 0);
	CHECK(inum(&c->m[2], "result_code") == 1);
	CHECK(!has(&c->m[2], "response_time_ms"));
	CHECK(!has(&c->m[2], "rcode"));
	/* same timestamp for all three: the series must differ */
	CHECK(strcmp(c->line[0], c->line[1]) != 0);
	CHECK(c->m[0].time_s == c->m[2].time_s);
	ap_result_free(r);

	/* an element without subid is numbered by its position */
	r = parse("{\"fw\":4790,\"msm_id\":5007,\"prb_id\":48,"
		  "\"timestamp\":1700000600,\"type\":\"dns\","
		  "\"proto\":\"TCP\",\"resultset\":[{\"dst_addr\":"
		  "\"10.2.2.2\",\"result\":{\"rt\":4.0,\"size\":40}},"
		  "{\"dst_addr\":\"10.2.2.3\",\"result\":{\"rt\":5.0,"
		  "\"size\":41}}]}");
	if (r == NULL)
		return;
	CHECK(convert(r, c) == 2);
	CHECK_STR(tag(&c->m[1], "subid"), "2");
	CHECK_STR(tag(&c->m[1], "proto"), "TCP"); /* from the top level */
	ap_result_free(r);
}

static void test_dns_legacy(struct capture *c)
{
	/* qbuf only (no abuf): no rcode and, as in Sagan, no answer count
	 * (the parsed struct keeps the probe's own ANCOUNT); `result-rt`
	 * duplicates result.rt. */
	struct ap_result *r = parse(
		"{\"fw\":4610,\"af\":4,\"proto\":\"UDP\","
		"\"dst_addr\":\"192.0.2.54\",\"msm_id\":5008,\"prb_id\":49,"
		"\"timestamp\":1400000000,\"type\":\"dns\","
		"\"result-rt\":7.125,\"result\":{\"ANCOUNT\":3,\"ARCOUNT\":0,"
		"\"ID\":77,\"NSCOUNT\":2,\"QDCOUNT\":1,\"rt\":7.125,"
		"\"size\":120,\"answers\":[{\"TYPE\":\"A\",\"NAME\":"
		"\"example.org.\",\"TTL\":60}]},"
		"\"qbuf\":\"AE0BAAABAAAAAAAAB2V4YW1wbGUDb3JnAAABAAE=\"}");

	if (r == NULL)
		return;
	CHECK(convert(r, c) == 1);
	CHECK(!has(&c->m[0], "answer_count"));
	CHECK(!has(&c->m[0], "rcode"));
	CHECK(inum(&c->m[0], "response_size_bytes") == 120);
	CHECK(inum(&c->m[0], "result_code") == 0);
	CHECK_NEAR(num(&c->m[0], "response_time_ms"), 7.125, 1e-9);
	CHECK(r->u.dns.responses[0].rcode == -1);
	CHECK(r->u.dns.responses[0].ancount == 3);
	CHECK(r->u.dns.responses[0].nscount == 2);
	ap_result_free(r);

	/* an undecodable abuf: rcode and answer count unknown */
	r = parse("{\"fw\":4700,\"af\":4,\"proto\":\"UDP\","
		  "\"dst_addr\":\"192.0.2.55\",\"msm_id\":5009,\"prb_id\":50,"
		  "\"timestamp\":1440000000,\"type\":\"dns\",\"result\":{"
		  "\"ANCOUNT\":1,\"abuf\":\"" ABUF_5_BYTES "\",\"rt\":9,"
		  "\"size\":5}}");
	if (r == NULL)
		return;
	CHECK(convert(r, c) == 1);
	CHECK(!has(&c->m[0], "rcode"));
	CHECK(!has(&c->m[0], "answer_count"));
	CHECK(inum(&c->m[0], "result_code") == 0);
	ap_result_free(r);

	/* old firmware: one result per resolver, subid at the top level,
	 * string fw; the subid keeps same-second results apart. */
	r = parse("{\"fw\":\"4560\",\"af\":4,\"proto\":\"UDP\","
		  "\"dst_addr\":\"192.0.2.56\",\"msm_id\":\"5010\","
		  "\"prb_id\":51,\"timestamp\":1380000000,\"type\":\"dns\","
		  "\"subid\":2,\"submax\":2,\"result\":{\"abuf\":\""
		  ABUF_NOERROR_AN2 "\",\"rt\":\"8.5\",\"size\":29}}");
	if (r == NULL)
		return;
	CHECK(r->base.msm_id == 5010);
	CHECK(r->u.dns.submax == 2);
	CHECK(convert(r, c) == 1);
	CHECK_STR(tag(&c->m[0], "subid"), "2");
	CHECK_NEAR(num(&c->m[0], "response_time_ms"), 8.5, 1e-9);
	ap_result_free(r);
}

/* ---- http -------------------------------------------------------- */

static void test_http(struct capture *c)
{
	/* two responses, IPv6, with connect and first-byte times */
	struct ap_result *r = parse(
		"{\"fw\":4790,\"lts\":20,\"from\":\"2001:db8:1::7\","
		"\"msm_id\":6001,\"prb_id\":60,\"timestamp\":1700001000,"
		"\"type\":\"http\",\"uri\":\"https://user@[2001:db8::80]:8443"
		"/index.html?q=1\",\"result\":["
		"{\"af\":6,\"dst_addr\":\"2001:db8::80\",\"method\":\"GET\","
		"\"res\":200,\"rt\":80.5,\"ttc\":10.25,\"ttfb\":40.75,"
		"\"hsize\":300,\"bsize\":5000,\"ver\":\"1.1\","
		"\"src_addr\":\"2001:db8:1::7\"},"
		"{\"af\":6,\"dst_addr\":\"2001:db8::80\",\"method\":\"GET\","
		"\"res\":503,\"rt\":20,\"hsize\":150,\"bsize\":0,"
		"\"ver\":\"1.1\"}]}");

	if (r == NULL)
		return;
	CHECK_STR(r->u.http.method, "GET");
	CHECK_STR(r->base.dst_name, "2001:db8::80");
	CHECK(convert(r, c) == 2);
	CHECK_STR(c->m[0].name, "atlas_http");
	CHECK_STR(tag(&c->m[0], "response"), "1");
	CHECK_STR(tag(&c->m[1], "response"), "2");
	CHECK_STR(tag(&c->m[0], "af"), "6");
	CHECK_STR(tag(&c->m[0], "dst_addr"), "2001:db8::80");
	CHECK(inum(&c->m[0], "status_code") == 200);
	CHECK_NEAR(num(&c->m[0], "response_time_ms"), 80.5, 1e-9);
	CHECK_NEAR(num(&c->m[0], "connect_time_ms"), 10.25, 1e-9);
	CHECK_NEAR(num(&c->m[0], "first_byte_ms"), 40.75, 1e-9);
	CHECK(inum(&c->m[0], "header_bytes") == 300);
	CHECK(inum(&c->m[0], "body_bytes") == 5000);
	CHECK(inum(&c->m[0], "result_code") == 0);
	/* a 5xx is still an answer; body 0 is data, not "missing" */
	CHECK(inum(&c->m[1], "status_code") == 503);
	CHECK(inum(&c->m[1], "body_bytes") == 0);
	CHECK(inum(&c->m[1], "result_code") == 0);
	CHECK(!has(&c->m[1], "connect_time_ms"));
	ap_result_free(r);

	/* a single response still carries response=1; the host names it */
	r = parse("{\"fw\":4790,\"msm_id\":6002,\"prb_id\":61,"
		  "\"timestamp\":1700001100,\"type\":\"http\","
		  "\"uri\":\"http://www.example.com/\",\"result\":[{\"af\":4,"
		  "\"dst_addr\":\"192.0.2.80\",\"method\":\"HEAD\","
		  "\"err\":\"connect: Connection refused\"}]}");
	if (r == NULL)
		return;
	CHECK(convert(r, c) == 1);
	CHECK_STR(tag(&c->m[0], "response"), "1");
	CHECK_STR(tag(&c->m[0], "dst_name"), "www.example.com");
	CHECK_STR(r->u.http.responses[0].error,
		  "connect: Connection refused");
	CHECK(inum(&c->m[0], "result_code") == 2);
	CHECK(!has(&c->m[0], "status_code"));
	CHECK(!has(&c->m[0], "response_time_ms"));
	ap_result_free(r);
}

static void test_http_legacy(struct capture *c)
{
	/* fw 1: one string, seconds -> ms, family from the method */
	struct ap_result *r = parse(
		"{\"fw\":1,\"from\":\"198.51.100.10\",\"msm_id\":6003,"
		"\"prb_id\":62,\"timestamp\":1330000000,\"type\":\"http\","
		"\"result\":\"GET6 2001:db8::81 0.125 301 210 0\"}");

	if (r == NULL)
		return;
	CHECK(r->u.http.n_responses == 1);
	CHECK_STR(r->u.http.method, "GET");
	CHECK(convert(r, c) == 1);
	CHECK_NEAR(num(&c->m[0], "response_time_ms"), 125.0, 1e-9);
	CHECK(inum(&c->m[0], "status_code") == 301);
	CHECK(inum(&c->m[0], "header_bytes") == 210);
	CHECK(inum(&c->m[0], "body_bytes") == 0);
	CHECK_STR(tag(&c->m[0], "dst_addr"), "2001:db8::81");
	CHECK_STR(tag(&c->m[0], "af"), "6");
	CHECK(inum(&c->m[0], "result_code") == 0);
	ap_result_free(r);

	/* fw 4430: addr/srcaddr/mode names */
	r = parse("{\"fw\":4430,\"msm_id\":6004,\"prb_id\":63,"
		  "\"timestamp\":1336000000,\"type\":\"http\",\"result\":[{"
		  "\"addr\":\"192.0.2.81\",\"srcaddr\":\"10.0.0.3\","
		  "\"mode\":\"GET4\",\"res\":200,\"rt\":33.5,\"hsize\":100,"
		  "\"bsize\":900,\"ver\":\"1.0\"}]}");
	if (r == NULL)
		return;
	CHECK_STR(r->u.http.method, "GET");
	CHECK_STR(r->u.http.responses[0].src_addr, "10.0.0.3");
	CHECK(convert(r, c) == 1);
	CHECK_STR(tag(&c->m[0], "dst_addr"), "192.0.2.81");
	CHECK_STR(tag(&c->m[0], "af"), "4");
	ap_result_free(r);

	/* fw 0 kept its data in src_addr: no responses, no point */
	r = parse("{\"fw\":0,\"msm_id\":6005,\"prb_id\":64,"
		  "\"timestamp\":1320000000,\"type\":\"http\","
		  "\"src_addr\":\"GET4 192.0.2.82 0.05 200 100 900\"}");
	if (r == NULL)
		return;
	CHECK(r->u.http.n_responses == 0);
	CHECK(convert(r, c) == 0);
	ap_result_free(r);

	/* no responses but a probe error: one result_code point */
	r = parse("{\"fw\":4790,\"msm_id\":6006,\"prb_id\":65,"
		  "\"timestamp\":1700001200,\"type\":\"http\","
		  "\"uri\":\"http://nonexistent.example/\","
		  "\"dnserr\":\"non-recoverable failure in name resolution\"}");
	if (r == NULL)
		return;
	CHECK(convert(r, c) == 1);
	CHECK(inum(&c->m[0], "result_code") == 2);
	CHECK(c->m[0].n_fields == 1);
	CHECK_STR(tag(&c->m[0], "dst_name"), "nonexistent.example");
	ap_result_free(r);
}

/* ---- ntp --------------------------------------------------------- */

static void test_ntp(struct capture *c)
{
	/*
	 * rtt/offset in seconds; 4 answers (even median), 1 timeout. As
	 * Sagan, each rtt is rounded to 3 decimals of a second first, with
	 * Python's rounding of the exact double: 0.0045 -> 4 ms (it is just
	 * below the tie), 0.0125 -> 13 ms, 0.0031 -> 3, 0.0052 -> 5.
	 */
	struct ap_result *r = parse(
		"{\"fw\":4790,\"af\":4,\"proto\":\"UDP\","
		"\"dst_addr\":\"192.0.2.123\",\"dst_name\":\"ntp.example\","
		"\"msm_id\":7001,\"prb_id\":70,\"timestamp\":1700002000,"
		"\"type\":\"ntp\",\"stratum\":2,\"root-delay\":0.0125,"
		"\"root-dispersion\":0.00025,\"version\":4,\"result\":["
		"{\"rtt\":0.0045,\"offset\":0.0015},"
		"{\"rtt\":0.0031,\"offset\":-0.0005},"
		"{\"x\":\"*\"},"
		"{\"rtt\":0.0125,\"offset\":0.0021899},"
		"{\"rtt\":0.0052,\"offset\":0.0001}]}");

	if (r == NULL)
		return;
	CHECK(r->u.ntp.n_packets == 5);
	CHECK(r->u.ntp.packets[2].timeout);
	CHECK_NEAR(r->u.ntp.root_delay_ms, 12.5, 1e-9);
	/* the parsed struct keeps the probe's precision */
	CHECK_NEAR(r->u.ntp.packets[0].rtt_ms, 4.5, 1e-9);
	CHECK_NEAR(r->u.ntp.packets[0].rtt_s, 0.0045, 1e-12);
	CHECK(convert(r, c) == 1);
	CHECK_STR(c->m[0].name, "atlas_ntp");
	CHECK_NEAR(num(&c->m[0], "response_time_ms"), 4.5, 1e-9);
	CHECK_NEAR(num(&c->m[0], "rtt_min_ms"), 3.0, 1e-9);
	CHECK_NEAR(num(&c->m[0], "rtt_max_ms"), 13.0, 1e-9);
	CHECK_NEAR(num(&c->m[0], "offset_ms"), 0.8, 1e-9);
	CHECK_NEAR(num(&c->m[0], "offset_min_ms"), -0.5, 1e-9);
	CHECK_NEAR(num(&c->m[0], "offset_max_ms"), 2.1899, 1e-9);
	CHECK(inum(&c->m[0], "stratum") == 2);
	CHECK(inum(&c->m[0], "packets_transmitted") == 5);
	CHECK(inum(&c->m[0], "packets_received") == 4);
	CHECK_NEAR(num(&c->m[0], "percent_packet_loss"), 20.0, 1e-9);
	CHECK(inum(&c->m[0], "result_code") == 0);
	/* ms values are written without binary noise of the x1000 */
	CHECK(strstr(c->line[0], "offset_max_ms=2.1899,") != NULL);
	ap_result_free(r);

	/* every packet timed out: loss 100, no rtt fields, code 1 */
	r = parse("{\"fw\":4790,\"af\":4,\"dst_addr\":\"192.0.2.124\","
		  "\"msm_id\":7002,\"prb_id\":71,\"timestamp\":1700002100,"
		  "\"type\":\"ntp\",\"result\":[{\"x\":\"*\"},{\"x\":\"*\"},"
		  "{\"x\":\"*\"}]}");
	if (r == NULL)
		return;
	CHECK(convert(r, c) == 1);
	CHECK_NEAR(num(&c->m[0], "percent_packet_loss"), 100.0, 1e-9);
	CHECK(inum(&c->m[0], "packets_received") == 0);
	CHECK(!has(&c->m[0], "response_time_ms"));
	CHECK(!has(&c->m[0], "offset_ms"));
	CHECK(!has(&c->m[0], "stratum"));
	CHECK(inum(&c->m[0], "result_code") == 1);
	ap_result_free(r);

	/* error packets: code 2 */
	r = parse("{\"fw\":4790,\"af\":4,\"dst_addr\":\"192.0.2.125\","
		  "\"msm_id\":7003,\"prb_id\":72,\"timestamp\":1700002200,"
		  "\"type\":\"ntp\",\"result\":[{\"error\":\"sendto failed\"},"
		  "{\"x\":\"*\"}]}");
	if (r == NULL)
		return;
	CHECK_STR(r->u.ntp.packets[0].error, "sendto failed");
	CHECK(convert(r, c) == 1);
	CHECK(inum(&c->m[0], "result_code") == 2);
	CHECK(inum(&c->m[0], "packets_transmitted") == 2);
	ap_result_free(r);

	/* name not resolved, no result list: counts unknown, code 2 */
	r = parse("{\"fw\":4790,\"dst_name\":\"ntp.invalid\","
		  "\"msm_id\":7004,\"prb_id\":73,\"timestamp\":1700002300,"
		  "\"type\":\"ntp\",\"dnserr\":\"Name or service not known\"}");
	if (r == NULL)
		return;
	CHECK(r->u.ntp.no_result);
	CHECK(convert(r, c) == 1);
	CHECK(inum(&c->m[0], "result_code") == 2);
	CHECK(!has(&c->m[0], "packets_transmitted"));
	CHECK(!has(&c->m[0], "percent_packet_loss"));
	ap_result_free(r);
}

/* ---- sslcert ----------------------------------------------------- */

#define PEM_STUB "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END " \
		 "CERTIFICATE-----"

static void test_sslcert(struct capture *c)
{
	struct ap_result *r = parse(
		"{\"fw\":4790,\"af\":4,\"dst_addr\":\"192.0.2.43\","
		"\"dst_name\":\"www.example.com\",\"dst_port\":\"443\","
		"\"method\":\"TLS\",\"ver\":\"1.2\",\"rt\":55.5,"
		"\"ttc\":20.25,\"msm_id\":8001,\"prb_id\":80,"
		"\"timestamp\":1700003000,\"type\":\"sslcert\",\"cert\":[\""
		PEM_STUB "\",\"" PEM_STUB "\"]}");

	if (r == NULL)
		return;
	CHECK(convert(r, c) == 1);
	CHECK_STR(c->m[0].name, "atlas_sslcert");
	CHECK_STR(tag(&c->m[0], "method"), "TLS");
	CHECK_STR(tag(&c->m[0], "version"), "1.2");
	CHECK(tag(&c->m[0], "port") == NULL);
	CHECK(inum(&c->m[0], "port") == 443);
	CHECK(inum(&c->m[0], "certificates") == 2);
	CHECK_NEAR(num(&c->m[0], "response_time_ms"), 55.5, 1e-9);
	CHECK_NEAR(num(&c->m[0], "connect_time_ms"), 20.25, 1e-9);
	CHECK(!has(&c->m[0], "alert_level"));
	CHECK(inum(&c->m[0], "result_code") == 0);
	ap_result_free(r);

	/* alert with the firmware's `decription` spelling, no cert */
	r = parse("{\"fw\":4720,\"af\":4,\"dst_addr\":\"192.0.2.44\","
		  "\"dst_name\":\"tls.example\",\"dst_port\":\"443\","
		  "\"method\":\"TLS\",\"ver\":\"1.2\",\"rt\":30.5,"
		  "\"ttc\":12.5,\"msm_id\":8002,\"prb_id\":81,"
		  "\"timestamp\":1700003100,\"type\":\"sslcert\","
		  "\"alert\":{\"level\":2,\"decription\":40}}");
	if (r == NULL)
		return;
	CHECK(r->base.failure == AP_FAIL_OTHER);
	CHECK(convert(r, c) == 1);
	CHECK(inum(&c->m[0], "alert_level") == 2);
	CHECK(inum(&c->m[0], "alert_description") == 40);
	CHECK(inum(&c->m[0], "certificates") == 0);
	CHECK(inum(&c->m[0], "result_code") == 2);
	ap_result_free(r);

	/* the standard spelling is read too */
	r = parse("{\"fw\":4790,\"dst_name\":\"tls.example\","
		  "\"msm_id\":8003,\"prb_id\":82,\"timestamp\":1700003200,"
		  "\"type\":\"sslcert\",\"alert\":{\"level\":2,"
		  "\"description\":70}}");
	if (r == NULL)
		return;
	CHECK(r->u.sslcert.alert_description == 70);
	ap_result_free(r);

	/* old firmware: named port, no timings */
	r = parse("{\"fw\":4480,\"af\":4,\"dst_addr\":\"192.0.2.45\","
		  "\"dst_name\":\"old.example\",\"dst_port\":\"https\","
		  "\"method\":\"SSL\",\"ver\":\"3.0\",\"msm_id\":8004,"
		  "\"prb_id\":83,\"timestamp\":1360000000,"
		  "\"type\":\"sslcert\",\"cert\":[\"" PEM_STUB "\"]}");
	if (r == NULL)
		return;
	CHECK(convert(r, c) == 1);
	CHECK(inum(&c->m[0], "port") == 443);
	CHECK(inum(&c->m[0], "certificates") == 1);
	CHECK(!has(&c->m[0], "response_time_ms"));
	CHECK_STR(tag(&c->m[0], "version"), "3.0");
	ap_result_free(r);

	/* dnserr: result_code 2, no certificate count (nothing exchanged) */
	r = parse("{\"fw\":4600,\"dst_name\":\"gone.example\","
		  "\"dst_port\":\"443\",\"msm_id\":8005,\"prb_id\":84,"
		  "\"timestamp\":1390000000,\"type\":\"sslcert\","
		  "\"dnserr\":\"non-recoverable failure in name resolution\"}");
	if (r == NULL)
		return;
	CHECK(convert(r, c) == 1);
	CHECK(inum(&c->m[0], "result_code") == 2);
	CHECK(!has(&c->m[0], "certificates"));
	CHECK(!has(&c->m[0], "response_time_ms"));
	CHECK(inum(&c->m[0], "port") == 443);
	CHECK_STR(tag(&c->m[0], "dst_name"), "gone.example");
	ap_result_free(r);

	/* err (connect timeout) is an error too */
	r = parse("{\"fw\":4600,\"af\":4,\"dst_addr\":\"192.0.2.46\","
		  "\"dst_name\":\"slow.example\",\"dst_port\":\"443\","
		  "\"msm_id\":8006,\"prb_id\":85,\"timestamp\":1390000100,"
		  "\"type\":\"sslcert\",\"err\":\"connect: timeout\"}");
	if (r == NULL)
		return;
	CHECK(convert(r, c) == 1);
	CHECK(inum(&c->m[0], "result_code") == 2);
	CHECK(!has(&c->m[0], "certificates"));
	CHECK(tag(&c->m[0], "method") == NULL);
	ap_result_free(r);
}

int main(void)
{
	struct capture c;
	struct ap_err err;

	c.n = 0;
	if (ap_lp_new(&c.lp, &err) != AP_OK) {
		printf("FAIL: ap_lp_new: %s\n", err.msg);
		return 1;
	}
	test_abuf_header();
	test_dns_plain(&c);
	test_dns_errors(&c);
	test_dns_resultset(&c);
	test_dns_legacy(&c);
	test_http(&c);
	test_http_legacy(&c);
	test_ntp(&c);
	test_sslcert(&c);
	ap_lp_free(c.lp);
	TEST_DONE();
}

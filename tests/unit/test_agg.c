/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for ap_agg: exact summary figures on hand-made results, window
 * alignment and closing, late results, pending/commit/rollback, horizon
 * pruning, persistence (round trip and damaged files), and the identity
 * "one batch or many polls, same final points" on a generated set.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atlasperf/ap_agg.h"
#include "atlasperf/ap_buf.h"
#include "atlasperf/ap_lp.h"
#include "test.h"
#include "test_capture.h"

#define MSM 1001
#define TMSM 2002

static char dir[] = "/tmp/atlasperf-test-agg-XXXXXX";

/* The line whose text contains every one of the (up to 3) needles. */
static const char *find(const struct cap *c, const char *n1, const char *n2,
			const char *n3)
{
	for (size_t i = 0; i < c->n; i++) {
		const char *l = c->lines[i];

		if (strstr(l, n1) && (!n2 || strstr(l, n2)) &&
		    (!n3 || strstr(l, n3)))
			return l;
	}
	return NULL;
}

/* The space between series key and field set (tag values escape
 * theirs with a backslash). */
static const char *key_end(const char *l)
{
	for (; *l != '\0'; l++) {
		if (*l == '\\' && l[1] != '\0')
			l++;
		else if (*l == ' ')
			return l;
	}
	return NULL;
}

/* True when line l has the field text f ("probes=2i") as a whole field. */
static bool has_field(const char *l, const char *f)
{
	const char *sp = l ? key_end(l) : NULL;
	size_t n = strlen(f);

	for (const char *p = sp; p != NULL; p = strchr(p + 1, ',')) {
		if (strncmp(p + 1, f, n) == 0 &&
		    (p[1 + n] == ',' || p[1 + n] == ' '))
			return true;
		if (strchr(p + 1, ' ') != NULL &&
		    strchr(p + 1, ',') > strchr(p + 1, ' '))
			break;
	}
	return false;
}

/* Does line l carry a field called key at all? */
static bool has_key(const char *l, const char *key)
{
	char k[64];

	snprintf(k, sizeof(k), " %s=", key);
	if (l && strstr(key_end(l), k))
		return true;
	snprintf(k, sizeof(k), ",%s=", key);
	return l && strstr(key_end(l), k);
}

/* Series key + timestamp of a line: all but the field set. */
static void line_key(const char *l, char *out, size_t n)
{
	const char *sp = key_end(l);
	const char *last = strrchr(l, ' ');

	snprintf(out, n, "%.*s %s", (int)(sp - l), l, last + 1);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct keyed {
	char *key;
	size_t idx;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/*
 * What InfluxDB keeps of the captured lines (the last one per series and
 * timestamp), sorted, joined by newlines. The caller frees it.
 */
static char *final_points(const struct cap *c)
{
	struct keyed *k = calloc(c->n + 1, sizeof(*k));
	char **keep = calloc(c->n + 1, sizeof(*keep));
	size_t nk = 0, len = 1, pos = 0;
	char *out;

	for (size_t i = 0; i < c->n; i++) {
		char buf[2048];

		line_key(c->lines[i], buf, sizeof(buf));
		k[i].key = strdup(buf);
		k[i].idx = i;
	}
	qsort(k, c->n, sizeof(*k), cmp_keyed);
	for (size_t i = 0; i < c->n; i++)
		if (i + 1 == c->n || strcmp(k[i].key, k[i + 1].key) != 0)
			keep[nk++] = c->lines[k[i].idx];
	for (size_t i = 0; i < c->n; i++)
		free(k[i].key);
	free(k);
	qsort(keep, nk, sizeof(*keep), cmp_str);
	for (size_t i = 0; i < nk; i++)
		len += strlen(keep[i]) + 1;
	out = malloc(len);
	for (size_t i = 0; i < nk; i++) {
		size_t l = strlen(keep[i]);

		memcpy(out + pos, keep[i], l);
		out[pos + l] = '\n';
		pos += l + 1;
	}
	out[pos] = '\0';
	free(keep);
	return out;
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

/* A ping result: rtts[0..n) with -1 for a timeout, sent = n. */
static struct ap_result *ping(int64_t msm, int64_t prb, int64_t ts,
			      const double *rtts, int n)
{
	char buf[4096];
	int len, rcvd = 0;
	double mn = -1, mx = -1, sum = 0;

	len = snprintf(buf, sizeof(buf),
		       "{\"type\":\"ping\",\"fw\":4790,\"af\":4,"
		       "\"dst_addr\":\"192.0.2.1\",\"msm_id\":%" PRId64
		       ",\"prb_id\":%" PRId64 ",\"timestamp\":%" PRId64
		       ",\"result\":[",
		       msm, prb, ts);
	for (int i = 0; i < n; i++) {
		if (rtts[i] < 0) {
			len += snprintf(buf + len, sizeof(buf) - len,
					"%s{\"x\":\"*\"}", i ? "," : "");
			continue;
		}
		len += snprintf(buf + len, sizeof(buf) - len,
				"%s{\"rtt\":%.3f}", i ? "," : "", rtts[i]);
		rcvd++;
		sum += rtts[i];
		if (mn < 0 || rtts[i] < mn)
			mn = rtts[i];
		if (rtts[i] > mx)
			mx = rtts[i];
	}
	snprintf(buf + len, sizeof(buf) - len,
		 "],\"sent\":%d,\"rcvd\":%d,\"dup\":0,\"min\":%.3f,"
		 "\"max\":%.3f,\"avg\":%.3f}",
		 n, rcvd, mn, mx, rcvd ? sum / rcvd : -1.0);
	return parse(buf);
}

/* A ping result from its summary counters only (fw 1 style). */
static struct ap_result *ping_counts(int64_t prb, int64_t ts, int sent,
				     int rcvd)
{
	char buf[512];

	snprintf(buf, sizeof(buf),
		 "{\"type\":\"ping\",\"fw\":4790,\"af\":4,\"msm_id\":%d,"
		 "\"prb_id\":%" PRId64 ",\"timestamp\":%" PRId64
		 ",\"sent\":%d,\"rcvd\":%d,\"min\":-1,\"max\":-1,\"avg\":-1}",
		 MSM, prb, ts, sent, rcvd);
	return parse(buf);
}

/* A traceroute whose hop 1 answers from hop1 and whose last hop answers
 * from the destination (rtt) when reached, else times out. */
static struct ap_result *trace(int64_t prb, int64_t ts, const char *hop1,
			       bool reached, double rtt)
{
	char buf[1024];

	if (reached)
		snprintf(buf, sizeof(buf),
			 "{\"type\":\"traceroute\",\"fw\":4790,\"af\":4,"
			 "\"msm_id\":%d,\"prb_id\":%" PRId64
			 ",\"timestamp\":%" PRId64
			 ",\"dst_addr\":\"192.0.2.9\",\"result\":["
			 "{\"hop\":1,\"result\":[{\"from\":\"%s\","
			 "\"rtt\":1.5}]},{\"hop\":2,\"result\":[{\"from\":"
			 "\"192.0.2.9\",\"rtt\":%.3f}]}]}",
			 TMSM, prb, ts, hop1, rtt);
	else
		snprintf(buf, sizeof(buf),
			 "{\"type\":\"traceroute\",\"fw\":4790,\"af\":4,"
			 "\"msm_id\":%d,\"prb_id\":%" PRId64
			 ",\"timestamp\":%" PRId64
			 ",\"dst_addr\":\"192.0.2.9\",\"result\":["
			 "{\"hop\":1,\"result\":[{\"from\":\"%s\","
			 "\"rtt\":1.5}]},{\"hop\":255,\"result\":["
			 "{\"x\":\"*\"}]}]}",
			 TMSM, prb, ts, hop1);
	return parse(buf);
}

static void add(struct ap_agg *a, struct ap_result *r, const char *asn,
		const char *cc, const char *link)
{
	struct ap_convert_opts o;
	struct ap_err err;

	ap_convert_opts_init(&o);
	o.probe_asn = asn;
	o.probe_cc = cc;
	o.link = link;
	if (ap_agg_add(a, r, &o, &err) != AP_OK)
		printf("add: %s\n", err.msg);
	ap_result_free(r);
}

static struct ap_agg *new_agg(int64_t msm, int64_t interval, int64_t horizon,
			      const char *groups)
{
	struct ap_agg_opts o;
	struct ap_agg *a = NULL;
	struct ap_err err;
	char buf[64], *save = NULL, *tok;

	ap_agg_opts_init(&o);
	o.interval_s = interval;
	o.horizon_s = horizon;
	snprintf(buf, sizeof(buf), "%s", groups ? groups : "");
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save))
		if (ap_agg_dim_parse(tok, &o.group_by[o.n_group_by]) == AP_OK)
			o.n_group_by++;
	if (ap_agg_new(&a, msm, &o, &err) != AP_OK) {
		printf("new: %s\n", err.msg);
		abort();
	}
	return a;
}

static enum ap_status emit(struct ap_agg *a, int64_t now, struct cap *c)
{
	struct ap_sink sink = {cap_emit, c};
	struct ap_err err;
	enum ap_status st = ap_agg_emit(a, now, NULL, 0, &sink, &err);

	if (st != AP_OK && st != AP_EIO)
		printf("emit: %s\n", err.msg);
	return st;
}

/* ---- tests ---------------------------------------------------------- */

static void test_options(void)
{
	struct ap_agg_opts o;
	struct ap_agg *a = NULL;
	struct ap_err err;
	enum ap_agg_dim d;

	ap_agg_opts_init(&o);
	CHECK(ap_agg_new(&a, MSM, &o, &err) == AP_EINVAL && a == NULL);
	CHECK(strstr(err.msg, "interval") != NULL);
	o.interval_s = 240;
	o.horizon_s = -5;
	CHECK(ap_agg_new(&a, MSM, &o, &err) == AP_EINVAL);
	o.horizon_s = 7200;
	o.group_by[0] = AP_AGG_BY_PROBE_CC;
	o.group_by[1] = AP_AGG_BY_PROBE_CC;
	o.n_group_by = 2;
	CHECK(ap_agg_new(&a, MSM, &o, &err) == AP_EINVAL);
	CHECK(strstr(err.msg, "probe_cc") != NULL);
	o.n_group_by = 1;
	CHECK(ap_agg_new(&a, 0, &o, &err) == AP_EINVAL);
	CHECK(ap_agg_new(&a, MSM, &o, &err) == AP_OK && a != NULL);
	CHECK(ap_agg_msm_id(a) == MSM && !ap_agg_restored(a));
	CHECK(ap_agg_floor(a) == INT64_MIN);
	ap_agg_free(a);
	ap_agg_free(NULL);
	CHECK(ap_agg_dim_parse("probe_asn", &d) == AP_OK &&
	      d == AP_AGG_BY_PROBE_ASN);
	CHECK(ap_agg_dim_parse("link", &d) == AP_OK && d == AP_AGG_BY_LINK);
	CHECK(ap_agg_dim_parse("country", &d) == AP_EINVAL);
	CHECK_STR(ap_agg_dim_name(AP_AGG_BY_PROBE_CC), "probe_cc");
}

/* ANALYSIS.md 3: (10 sent, 10 rcvd) and (2 sent, 0 rcvd) pool to 16.7%. */
static void test_pooled_loss(void)
{
	struct ap_agg *a = new_agg(MSM, 240, 7200, NULL);
	struct cap c;
	const char *l;

	cap_init(&c);
	add(a, ping_counts(1, 1000, 10, 10), NULL, NULL, NULL);
	add(a, ping_counts(2, 1010, 2, 0), NULL, NULL, NULL);
	CHECK(emit(a, 2000, &c) == AP_OK);
	CHECK(c.n == 1);
	l = find(&c, "atlas_ping_summary,", "group=all", NULL);
	CHECK(l != NULL);
	CHECK(has_field(l, "percent_packet_loss=16.666667"));
	CHECK(has_field(l, "packets_transmitted=12i"));
	CHECK(has_field(l, "packets_received=10i"));
	CHECK(has_field(l, "probes=2i"));
	CHECK(has_field(l, "probes_responding=1i"));
	CHECK(has_field(l, "probes_silent=1i"));
	CHECK(has_field(l, "results=2i"));
	/* No RTT from summary-only results: no percentile fields. */
	CHECK(!has_key(l, "percentile50_response_ms"));
	CHECK(!has_key(l, "minimum_response_ms"));
	CHECK(l && strstr(l, "msm_id=1001") && strstr(l, "af=4"));
	/* timestamp = window start 960 in ns */
	CHECK(l && strstr(l, " 960000000000") != NULL);
	cap_free(&c);
	ap_agg_free(a);
}

static void test_percentiles(void)
{
	struct ap_agg *a = new_agg(MSM, 300, 7200, NULL);
	struct cap c;
	const char *l;

	cap_init(&c);
	/* Twenty results, medians 1..20 ms; one probe answers twice. */
	for (int i = 1; i <= 20; i++) {
		double r[3] = {i, i + 0.5, -1};

		/* median of {i, i+0.5} = i + 0.25 */
		add(a, ping(MSM, i == 20 ? 1 : i, 600 + i, r, 3), NULL, NULL,
		    NULL);
	}
	CHECK(emit(a, 900, &c) == AP_OK);
	l = find(&c, "group=all", NULL, NULL);
	/* nearest rank ceil(p*N): p50 -> 10th, p90 -> 18th, p95 -> 19th,
	 * p99 -> 20th of 1.25 .. 20.25 */
	CHECK(has_field(l, "percentile50_response_ms=10.25"));
	CHECK(has_field(l, "percentile90_response_ms=18.25"));
	CHECK(has_field(l, "percentile95_response_ms=19.25"));
	CHECK(has_field(l, "percentile99_response_ms=20.25"));
	CHECK(has_field(l, "minimum_response_ms=1"));
	CHECK(has_field(l, "maximum_response_ms=20.5"));
	CHECK(has_field(l, "results=20i"));
	CHECK(has_field(l, "probes=19i"));
	CHECK(has_field(l, "probes_responding=19i"));
	CHECK(has_field(l, "packets_transmitted=60i"));
	CHECK(has_field(l, "packets_received=40i"));
	CHECK(has_field(l, "percent_packet_loss=33.333333"));
	cap_free(&c);
	ap_agg_free(a);
}

static void test_windows(void)
{
	struct ap_agg *a = new_agg(MSM, 240, 7200, NULL);
	struct cap c;
	double r[1] = {5.0};

	cap_init(&c);
	/* 959 and 960 fall on either side of a boundary. */
	add(a, ping(MSM, 1, 959, r, 1), NULL, NULL, NULL);
	add(a, ping(MSM, 1, 960, r, 1), NULL, NULL, NULL);
	add(a, ping(MSM, 2, 1199, r, 1), NULL, NULL, NULL);
	/* Window 720 closes at 960; 960 at 1200. */
	CHECK(emit(a, 959, &c) == AP_OK && c.n == 0);
	CHECK(emit(a, 960, &c) == AP_OK && c.n == 1);
	CHECK(c.n == 1 && strstr(c.lines[0], " 720000000000") != NULL);
	/* Emitted once: a second emit in the same poll repeats nothing. */
	CHECK(emit(a, 1199, &c) == AP_OK && c.n == 1);
	CHECK(emit(a, 1200, &c) == AP_OK && c.n == 2);
	CHECK(c.n == 2 && strstr(c.lines[1], " 960000000000") != NULL);
	CHECK(c.n == 2 && has_field(c.lines[1], "probes=2i"));
	CHECK(c.n == 2 && has_field(c.lines[1], "results=2i"));
	ap_agg_commit(a, 1200);
	cap_clear(&c);
	CHECK(emit(a, 5000, &c) == AP_OK && c.n == 0);
	/* INT64_MAX closes the open window (a stopped measurement). */
	add(a, ping(MSM, 1, 1300, r, 1), NULL, NULL, NULL);
	CHECK(emit(a, 1300, &c) == AP_OK && c.n == 0);
	CHECK(emit(a, INT64_MAX, &c) == AP_OK && c.n == 1);
	CHECK(c.n == 1 && strstr(c.lines[0], " 1200000000000") != NULL);
	cap_free(&c);
	ap_agg_free(a);
}

static void test_late_and_rollback(void)
{
	struct ap_agg *a = new_agg(MSM, 240, 7200, NULL);
	struct cap c;
	double r1[1] = {10.0}, r2[1] = {30.0}, r3[1] = {50.0};
	const char *l;
	char *before;

	cap_init(&c);
	add(a, ping(MSM, 1, 1000, r1, 1), NULL, NULL, NULL);
	add(a, ping(MSM, 1, 1300, r1, 1), NULL, NULL, NULL);
	CHECK(emit(a, 1500, &c) == AP_OK && c.n == 2);
	ap_agg_commit(a, 1500);
	cap_clear(&c);

	/* A late result re-emits its window only, same series and time. */
	add(a, ping(MSM, 2, 1100, r2, 1), NULL, NULL, NULL);
	CHECK(ap_agg_sample_count(a) == 3);
	CHECK(emit(a, 1600, &c) == AP_OK && c.n == 1);
	l = c.n ? c.lines[0] : NULL;
	CHECK(l && strstr(l, " 960000000000") != NULL);
	CHECK(has_field(l, "results=2i") && has_field(l, "probes=2i"));
	CHECK(has_field(l, "percentile50_response_ms=10"));
	CHECK(has_field(l, "percentile90_response_ms=30"));

	/* Rolled back: the sample and the emission are forgotten; the
	 * window, emitted before, is clean again and stays quiet. */
	ap_agg_rollback(a);
	CHECK(ap_agg_sample_count(a) == 2);
	cap_clear(&c);
	CHECK(emit(a, 1600, &c) == AP_OK && c.n == 0);

	/* The same result comes again (the next poll re-reads it): the
	 * window is emitted again, once, and commit makes it stick. */
	add(a, ping(MSM, 2, 1100, r2, 1), NULL, NULL, NULL);
	CHECK(emit(a, 1600, &c) == AP_OK && c.n == 1);
	before = c.n ? strdup(c.lines[0]) : strdup("");
	/* An emission not committed is forgotten by a rollback: the next
	 * poll emits it again. */
	ap_agg_rollback(a);
	add(a, ping(MSM, 2, 1100, r2, 1), NULL, NULL, NULL);
	cap_clear(&c);
	CHECK(emit(a, 1600, &c) == AP_OK && c.n == 1);
	CHECK(c.n == 1 && strcmp(c.lines[0], before) == 0);
	free(before);
	ap_agg_commit(a, 1600);
	cap_clear(&c);
	CHECK(emit(a, 1700, &c) == AP_OK && c.n == 0);

	/* A duplicate (prb_id, timestamp) changes nothing. */
	add(a, ping(MSM, 2, 1100, r3, 1), NULL, NULL, NULL);
	CHECK(ap_agg_sample_count(a) == 3);
	CHECK(emit(a, 1700, &c) == AP_OK && c.n == 0);

	/* Added after an emission in the same poll: emitted again. */
	add(a, ping(MSM, 3, 1110, r3, 1), NULL, NULL, NULL);
	CHECK(emit(a, 1700, &c) == AP_OK && c.n == 1);
	add(a, ping(MSM, 4, 1120, r3, 1), NULL, NULL, NULL);
	CHECK(emit(a, 1700, &c) == AP_OK && c.n == 2);
	CHECK(c.n == 2 && has_field(c.lines[1], "results=4i"));

	/* A sink failure stops the emission; the window stays due. */
	ap_agg_commit(a, 1700);
	add(a, ping(MSM, 5, 1130, r3, 1), NULL, NULL, NULL);
	cap_clear(&c);
	c.fail_after = 0;
	CHECK(emit(a, 1700, &c) == AP_EIO && c.n == 0);
	c.fail_after = -1;
	CHECK(emit(a, 1700, &c) == AP_OK && c.n == 1);
	CHECK(c.n == 1 && has_field(c.lines[0], "results=5i"));

	/* A window not emitted is still due after a commit. */
	ap_agg_commit(a, 1700);
	add(a, ping(MSM, 5, 1700, r3, 1), NULL, NULL, NULL);
	cap_clear(&c);
	CHECK(emit(a, 1800, &c) == AP_OK && c.n == 0);
	ap_agg_commit(a, 1800);
	CHECK(emit(a, 1920, &c) == AP_OK && c.n == 1);
	CHECK(c.n == 1 && strstr(c.lines[0], " 1680000000000") != NULL);

	/* Another measurement's result is refused. */
	{
		struct ap_err err;
		struct ap_result *x = ping(TMSM, 1, 1000, r1, 1);

		CHECK(ap_agg_add(a, x, NULL, &err) == AP_EINVAL);
		ap_result_free(x);
	}
	cap_free(&c);
	ap_agg_free(a);
}

static void test_groups_and_tags(void)
{
	struct ap_agg *a = new_agg(MSM, 240, 7200, "probe_cc,link,probe_asn");
	struct cap c;
	double r1[2] = {10.0, 12.0}, r2[2] = {20.0, -1}, r3[1] = {-1};
	struct ap_tag tags[2] = {{"direction", "out"}, {"group", "x"}};
	struct ap_sink sink = {cap_emit, &c};
	struct ap_err err;
	const char *l;

	cap_init(&c);
	add(a, ping(MSM, 1, 1000, r1, 2), "3320", "NL", "transit a");
	add(a, ping(MSM, 2, 1001, r2, 2), "3320", "DE", NULL);
	add(a, ping(MSM, 3, 1002, r3, 1), NULL, "NL", "transit a");
	add(a, ping(MSM, 4, 1003, r3, 1), NULL, NULL, NULL);
	CHECK(ap_agg_emit(a, 1200, tags, 2, &sink, &err) == AP_OK);
	/* all, cc DE + NL, link "transit a", asn 3320 */
	CHECK(c.n == 5);
	CHECK(c.n == 5 && strstr(c.lines[0], "group=all") != NULL);
	CHECK(c.n == 5 && strstr(c.lines[1], "probe_cc=DE") != NULL);
	CHECK(c.n == 5 && strstr(c.lines[2], "probe_cc=NL") != NULL);
	l = find(&c, "group=all", NULL, NULL);
	CHECK(has_field(l, "probes=4i") && has_field(l, "probes_silent=2i"));
	CHECK(l && strstr(l, "direction=out") != NULL);
	l = find(&c, "group=probe_cc", "probe_cc=NL", NULL);
	CHECK(has_field(l, "probes=2i") && has_field(l, "probes_silent=1i"));
	CHECK(has_field(l, "packets_transmitted=3i"));
	CHECK(has_field(l, "packets_received=2i"));
	CHECK(has_field(l, "percentile50_response_ms=11"));
	l = find(&c, "group=link", "link=transit\\ a", NULL);
	CHECK(has_field(l, "probes=2i"));
	l = find(&c, "group=probe_asn", "probe_asn=3320", NULL);
	CHECK(has_field(l, "probes=2i") && has_field(l, "results=2i"));
	CHECK(has_field(l, "percentile50_response_ms=11") &&
	      has_field(l, "percentile90_response_ms=20"));
	CHECK(has_field(l, "percent_packet_loss=25"));
	/* The summary's own tag wins over a configured one. */
	CHECK(find(&c, "group=x", NULL, NULL) == NULL);
	ap_agg_commit(a, 1200);

	/* A group value over 255 bytes is no group value. */
	{
		char longcc[300];

		memset(longcc, 'A', sizeof(longcc) - 1);
		longcc[sizeof(longcc) - 1] = '\0';
		add(a, ping(MSM, 5, 1300, r1, 2), NULL, longcc, NULL);
		cap_clear(&c);
		CHECK(emit(a, 1440, &c) == AP_OK && c.n == 1);
		CHECK(c.n == 1 && strstr(c.lines[0], "group=all") != NULL);
		CHECK(ap_agg_save(dir, a, &err) == AP_OK);
	}
	cap_free(&c);
	ap_agg_free(a);
}

static void test_traceroute(void)
{
	struct ap_agg *a = new_agg(TMSM, 600, 7200, "link");
	struct cap c;
	const char *l;

	cap_init(&c);
	/* Probe 1: A, A | B (change), B | A (change, across windows) */
	add(a, trace(1, 1000, "10.0.0.1", true, 20.0), NULL, NULL, "t1");
	add(a, trace(1, 1100, "10.0.0.1", true, 22.0), NULL, NULL, "t1");
	add(a, trace(1, 1300, "10.0.0.2", true, 40.0), NULL, NULL, "t1");
	add(a, trace(1, 1900, "10.0.0.1", false, 0), NULL, NULL, "t1");
	/* Probe 2: never reaches; one path; another link (own path_id). */
	add(a, trace(2, 1010, "10.0.0.1", false, 0), NULL, NULL, "t2");
	add(a, trace(2, 1250, "10.0.0.1", false, 0), NULL, NULL, "t2");
	CHECK(emit(a, 2400, &c) == AP_OK);
	CHECK(c.n == 8); /* 3 windows x (all + links) */
	l = find(&c, "atlas_traceroute_summary,", "group=all", " 600000000000");
	CHECK(has_field(l, "results=3i") && has_field(l, "probes=2i"));
	CHECK(has_field(l, "probes_responding=1i"));
	CHECK(has_field(l, "packets_transmitted=3i"));
	CHECK(has_field(l, "packets_received=2i"));
	CHECK(has_field(l, "percent_packet_loss=33.333333"));
	CHECK(has_field(l, "path_changes=0i"));
	CHECK(has_field(l, "percentile50_response_ms=20"));
	CHECK(has_field(l, "percentile99_response_ms=22"));
	CHECK(has_field(l, "minimum_response_ms=20"));
	CHECK(has_field(l, "maximum_response_ms=22"));
	/* 1300 took path B after A at 1100 (previous window) */
	l = find(&c, "group=all", " 1200000000000", NULL);
	CHECK(has_field(l, "path_changes=1i") && has_field(l, "results=2i"));
	CHECK(has_field(l, "percent_packet_loss=50"));
	CHECK(has_field(l, "percentile50_response_ms=40"));
	/* 1900 did not reach: another path than 1300's */
	l = find(&c, "group=all", " 1800000000000", NULL);
	CHECK(has_field(l, "path_changes=1i") && has_field(l, "results=1i"));
	CHECK(has_field(l, "percent_packet_loss=100"));
	CHECK(!has_key(l, "percentile50_response_ms"));
	l = find(&c, "group=link", "link=t2", " 1200000000000");
	CHECK(has_field(l, "path_changes=0i") && has_field(l, "probes=1i"));
	ap_agg_commit(a, 2400);
	cap_clear(&c);

	/* A late result of probe 1 at 1700 on 1900's path changes its
	 * window (a change after 1300) and the next one (1900 now follows
	 * the same path); the first window stays as it was. */
	add(a, trace(1, 1700, "10.0.0.1", false, 0), NULL, NULL, "t1");
	CHECK(emit(a, 2400, &c) == AP_OK);
	l = find(&c, "group=all", " 1200000000000", NULL);
	CHECK(has_field(l, "path_changes=2i"));
	CHECK(has_field(l, "results=3i"));
	l = find(&c, "group=all", " 1800000000000", NULL);
	CHECK(has_field(l, "path_changes=0i"));
	CHECK(find(&c, " 600000000000", NULL, NULL) == NULL);
	cap_free(&c);
	ap_agg_free(a);
}

static void test_horizon(void)
{
	struct ap_agg *a = new_agg(MSM, 100, 1000, NULL);
	struct cap c;
	double r[1] = {1.0};

	cap_init(&c);
	for (int t = 0; t < 5000; t += 50)
		add(a, ping(MSM, 1, t, r, 1), NULL, NULL, NULL);
	CHECK(emit(a, 5000, &c) == AP_OK && c.n == 50);
	ap_agg_commit(a, 5000);
	/* floor = window_start(5000 - 1000) = 4000; kept from 3900 */
	CHECK(ap_agg_floor(a) == 4000);
	CHECK(ap_agg_sample_count(a) == 22);
	/* Older than what is kept: ignored. In the kept margin: held but
	 * its (final) window is not emitted. */
	add(a, ping(MSM, 2, 3899, r, 1), NULL, NULL, NULL);
	CHECK(ap_agg_sample_count(a) == 22);
	add(a, ping(MSM, 2, 3900, r, 1), NULL, NULL, NULL);
	CHECK(ap_agg_sample_count(a) == 23);
	cap_clear(&c);
	CHECK(emit(a, 5000, &c) == AP_OK && c.n == 0);
	add(a, ping(MSM, 2, 4000, r, 1), NULL, NULL, NULL);
	CHECK(emit(a, 5000, &c) == AP_OK && c.n == 1);
	ap_agg_commit(a, 5000);
	/* The floor never moves back. */
	ap_agg_commit(a, 100);
	CHECK(ap_agg_floor(a) == 4000);
	/* set_floor rounds up to a boundary. */
	ap_agg_set_floor(a, 4501);
	CHECK(ap_agg_floor(a) == 4600);
	ap_agg_commit(a, 5000);
	CHECK(ap_agg_sample_count(a) == 10);
	cap_free(&c);
	ap_agg_free(a);
}

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void test_persistence(void)
{
	struct ap_agg *a = new_agg(TMSM, 600, 7200, "probe_cc,link");
	struct ap_agg *b = NULL;
	struct ap_agg_opts o;
	struct ap_err err;
	struct cap c1, c2;

	cap_init(&c1);
	cap_init(&c2);
	ap_agg_opts_init(&o);
	o.interval_s = 600;
	o.horizon_s = 7200;
	o.group_by[0] = AP_AGG_BY_PROBE_CC;
	o.group_by[1] = AP_AGG_BY_LINK;
	o.n_group_by = 2;

	/* Missing file: a fresh start. */
	CHECK(ap_agg_load(dir, TMSM, &o, &b, &err) == AP_OK && b != NULL);
	CHECK(b && !ap_agg_restored(b) && ap_agg_sample_count(b) == 0);
	ap_agg_free(b);
	b = NULL;

	add(a, trace(1, 1000, "10.0.0.1", true, 20.0), "1", "NL", "t 1");
	add(a, trace(1, 1700, "10.0.0.2", true, 21.0), "1", "NL", "-");
	add(a, trace(2, 1710, "10.0.0.2", false, 0), "2", "%x", NULL);
	CHECK(emit(a, 1800, &c1) == AP_OK && c1.n == 7);
	ap_agg_commit(a, 1800);
	/* Pending changes are not written. */
	add(a, trace(3, 1720, "10.0.0.2", false, 0), "2", "DE", NULL);
	CHECK(ap_agg_save(dir, a, &err) == AP_OK);
	ap_agg_rollback(a);
	CHECK(ap_agg_load(dir, TMSM, &o, &b, &err) == AP_OK);
	CHECK(b && ap_agg_restored(b) && ap_agg_sample_count(b) == 3);
	CHECK(b && ap_agg_floor(b) == ap_agg_floor(a));

	/* Same late result into both: identical points. */
	cap_clear(&c1);
	add(a, trace(3, 1190, "10.0.0.9", true, 30.0), "2", "DE", NULL);
	add(b, trace(3, 1190, "10.0.0.9", true, 30.0), "2", "DE", NULL);
	CHECK(emit(a, 2400, &c1) == AP_OK);
	CHECK(emit(b, 2400, &c2) == AP_OK);
	CHECK(c1.n == c2.n && c1.n == 8);
	for (size_t i = 0; i < c1.n && i < c2.n; i++)
		CHECK_STR(c2.lines[i], c1.lines[i]);
	ap_agg_free(b);
	b = NULL;

	/* No temp file is left behind. */
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd),
			 "test -f %s/msm-2002.agg && ! ls %s | grep -q tmp",
			 dir, dir);
		CHECK(system(cmd) == 0);
	}

	/* A changed interval keeps the samples; every window is due. */
	o.interval_s = 1200;
	CHECK(ap_agg_load(dir, TMSM, &o, &b, &err) == AP_OK);
	CHECK(b && ap_agg_sample_count(b) == 3);
	cap_clear(&c2);
	CHECK(b && emit(b, 2400, &c2) == AP_OK);
	CHECK(c2.n == 7); /* window 0: 3 points, window 1200: 4 */
	CHECK(find(&c2, "group=all", " 1200000000000", NULL) != NULL);
	ap_agg_free(b);
	b = NULL;
	o.interval_s = 600;

	/* Damaged files are refused with file and line, never reset. */
	write_file("msm-5.agg", "atlasperf-agg 1\nmsm_id 5\ninterval x\n");
	CHECK(ap_agg_load(dir, 5, &o, &b, &err) == AP_EPARSE && b == NULL);
	CHECK(strstr(err.msg, "msm-5.agg:3") != NULL);
	write_file("msm-5.agg", "atlasperf-agg 1\nmsm_id 6\n");
	CHECK(ap_agg_load(dir, 5, &o, &b, &err) == AP_EPARSE);
	CHECK(strstr(err.msg, "msm-5.agg:2") != NULL);
	write_file("msm-5.agg", "something else\n");
	CHECK(ap_agg_load(dir, 5, &o, &b, &err) == AP_EPARSE);
	write_file("msm-5.agg", "atlasperf-agg 1\nmsm_id 5\ninterval 600\n"
				"floor none\n");
	CHECK(ap_agg_load(dir, 5, &o, &b, &err) == AP_EPARSE);
	CHECK(strstr(err.msg, "truncated") != NULL);
	write_file("msm-5.agg", "atlasperf-agg 1\nmsm_id 5\ninterval 600\n"
				"floor none\nend 0 0\n");
	CHECK(ap_agg_load(dir, 5, &o, &b, &err) == AP_OK && b != NULL);
	ap_agg_free(b);
	b = NULL;
	{
		const char *head = "atlasperf-agg 1\nmsm_id 5\ninterval 600\n"
				   "floor 600\n";
		const char *s1 = "s ping 4 7 1000 3 2 1 4024000000000000 - - 0 "
				 "3320 NL -\n";
		const char *w1 = "w ping 4 600 1\n";
		static const char *bad[] = {
			/* duplicate sample */
			"S1S1W1end 2 1\n",
			/* window without samples */
			"S1W1w ping 4 1200 0\nend 1 2\n",
			/* window line missing */
			"S1end 1 0\n",
			/* counts disagree */
			"S1W1end 2 1\n",
			/* something after end */
			"S1W1end 1 1\nend 1 1\n",
			/* extra field */
			"s ping 4 7 1000 3 2 1 - - - 0 a b c d\nW1end 1 1\n",
			/* rcvd > sent */
			"s ping 4 7 1000 2 3 1 - - - 0 - - -\nW1end 1 1\n",
			/* bad escape */
			"s ping 4 7 1000 3 2 1 - - - 0 %zz - -\nW1end 1 1\n",
			/* not a finite double */
			"s ping 4 7 1000 3 2 1 7ff0000000000000 - - 0 - - -\n"
			"W1end 1 1\n",
			/* bad kind */
			"s dns 4 7 1000 3 2 1 - - - 0 - - -\nW1end 1 1\n",
			/* double space */
			"s ping 4 7  1000 3 2 1 - - - 0 - - -\nW1end 1 1\n",
		};
		char text[2048];

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			const char *p = bad[i];

			snprintf(text, sizeof(text), "%s", head);
			while (*p) {
				if (strncmp(p, "S1", 2) == 0) {
					strcat(text, s1);
					p += 2;
				} else if (strncmp(p, "W1", 2) == 0) {
					strcat(text, w1);
					p += 2;
				} else {
					strncat(text, p, 1);
					p++;
				}
			}
			write_file("msm-5.agg", text);
			if (ap_agg_load(dir, 5, &o, &b, &err) != AP_EPARSE) {
				printf("case %zu loaded:\n%s", i, text);
				CHECK(0);
			} else {
				CHECK(b == NULL &&
				      strstr(err.msg, "msm-5.agg:") != NULL);
			}
			ap_agg_free(b);
			b = NULL;
		}
		/* The good version of the same file loads. */
		snprintf(text, sizeof(text), "%s%s%send 1 1\n", head, s1, w1);
		write_file("msm-5.agg", text);
		CHECK(ap_agg_load(dir, 5, &o, &b, &err) == AP_OK);
		CHECK(b && ap_agg_sample_count(b) == 1 &&
		      ap_agg_floor(b) == 600);
		cap_clear(&c2);
		/* clean: nothing due */
		CHECK(b && emit(b, 5000, &c2) == AP_OK && c2.n == 0);
		ap_agg_free(b);
		b = NULL;
	}

	/* An unwritable directory is an I/O error with the path. */
	CHECK(ap_agg_save("/nonexistent/dir", a, &err) == AP_EIO);
	CHECK(strstr(err.msg, "/nonexistent/dir") != NULL);
	cap_free(&c1);
	cap_free(&c2);
	ap_agg_free(a);
}

/* ---- one batch vs many polls ---------------------------------------- */

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

struct gen {
	char *json;
	int64_t ts;
	int64_t prb;
	uint64_t arrival; /* order key */
};

static const char *const CCS[] = {"NL", "DE", "FR", NULL};
static const char *const LINKS[] = {"transit-a", "peer-b", NULL};

static void opts_for(int64_t prb, struct ap_convert_opts *o)
{
	static char asn[32][16];

	ap_convert_opts_init(o);
	snprintf(asn[prb % 32], sizeof(asn[0]), "%" PRId64, 64500 + prb % 5);
	o->probe_asn = prb % 7 == 0 ? NULL : asn[prb % 32];
	o->probe_cc = CCS[prb % 4];
	o->link = LINKS[prb % 3];
}

static char *gen_ping(int64_t prb, int64_t ts)
{
	char buf[2048];
	int n = 1 + (int)(rnd() % 5), len, rcvd = 0;

	len = snprintf(buf, sizeof(buf),
		       "{\"type\":\"ping\",\"fw\":4790,\"af\":%d,"
		       "\"msm_id\":%d,\"prb_id\":%" PRId64
		       ",\"timestamp\":%" PRId64 ",\"result\":[",
		       prb % 5 == 0 ? 6 : 4, MSM, prb, ts);
	for (int i = 0; i < n; i++) {
		unsigned k = (unsigned)(rnd() % 10);

		if (k == 0)
			len += snprintf(buf + len, sizeof(buf) - len,
					"%s{\"x\":\"*\"}", i ? "," : "");
		else if (k == 1)
			len += snprintf(buf + len, sizeof(buf) - len,
					"%s{\"rtt\":%.3f,\"dup\":1}",
					i ? "," : "",
					(double)(rnd() % 100000) / 1000);
		else {
			len += snprintf(buf + len, sizeof(buf) - len,
					"%s{\"rtt\":%.3f}", i ? "," : "",
					(double)(rnd() % 100000) / 1000);
			rcvd++;
		}
	}
	snprintf(buf + len, sizeof(buf) - len,
		 "],\"sent\":%d,\"rcvd\":%d,\"min\":%d,\"max\":%d,"
		 "\"avg\":%d}",
		 n, rcvd, rcvd ? (int)(rnd() % 50) : -1,
		 rcvd ? 50 + (int)(rnd() % 50) : -1, rcvd ? 50 : -1);
	return strdup(buf);
}

static char *gen_trace(int64_t prb, int64_t ts)
{
	char buf[1024];
	unsigned path = (unsigned)(rnd() % 4 == 0 ? 1 : 0);
	bool reached = rnd() % 3 != 0;

	snprintf(buf, sizeof(buf),
		 "{\"type\":\"traceroute\",\"fw\":4790,\"af\":4,"
		 "\"msm_id\":%d,\"prb_id\":%" PRId64 ",\"timestamp\":%" PRId64
		 ",\"dst_addr\":\"192.0.2.9\",\"result\":[{\"hop\":1,"
		 "\"result\":[{\"from\":\"10.%u.0.1\",\"rtt\":1.5}]},"
		 "{\"hop\":2,\"result\":[{\"from\":\"%s\",\"rtt\":%.3f}]}]}",
		 TMSM, prb, ts, path + (unsigned)(prb % 2),
		 reached ? "192.0.2.9" : "10.9.9.9",
		 (double)(rnd() % 100000) / 1000);
	return strdup(buf);
}

/* Lines emitted by replay() in all, re-emissions included. */
static size_t replay_lines;

static int cmp_arrival(const void *a, const void *b)
{
	uint64_t x = ((const struct gen *)a)->arrival;
	uint64_t y = ((const struct gen *)b)->arrival;

	return (x > y) - (x < y);
}

/*
 * Feeds g[0..n) (in the given order) to a fresh aggregation in nb
 * batches with random sizes; each batch is a poll: add, emit at the
 * poll's now (the newest timestamp seen so far, or `final` when fixed),
 * commit; persist says whether to save and reload between polls. A last
 * emit at `final` closes every window. Returns the final points.
 */
static char *replay(int64_t msm, struct gen *g, size_t n, size_t nb,
		    int64_t interval, int64_t horizon, int64_t final,
		    bool progressive, bool persist)
{
	struct ap_agg *a = new_agg(msm, interval, horizon,
				   "probe_cc,probe_asn,link");
	struct ap_agg_opts o;
	struct ap_err err;
	struct cap c;
	size_t *cut = calloc(nb + 1, sizeof(*cut));
	int64_t now = INT64_MIN;
	int bad = 0;
	char *out;

	ap_agg_opts_init(&o);
	o.interval_s = interval;
	o.horizon_s = horizon;
	o.group_by[0] = AP_AGG_BY_PROBE_CC;
	o.group_by[1] = AP_AGG_BY_PROBE_ASN;
	o.group_by[2] = AP_AGG_BY_LINK;
	o.n_group_by = 3;
	cap_init(&c);
	cut[nb] = n;
	for (size_t b = 1; b < nb; b++)
		cut[b] = (size_t)(rnd() % (n + 1));
	/* sort the cut points */
	for (size_t i = 1; i < nb; i++)
		for (size_t j = i + 1; j < nb; j++)
			if (cut[j] < cut[i]) {
				size_t t = cut[i];

				cut[i] = cut[j];
				cut[j] = t;
			}
	for (size_t b = 0; b < nb; b++) {
		for (size_t i = cut[b]; i < cut[b + 1]; i++) {
			struct ap_convert_opts co;

			opts_for(g[i].prb, &co);
			if (g[i].ts > now)
				now = g[i].ts;
			{
				struct ap_result *r = parse(g[i].json);

				bad += ap_agg_add(a, r, &co, &err) != AP_OK;
				ap_result_free(r);
			}
		}
		bad += emit(a, progressive ? now : final, &c) != AP_OK;
		ap_agg_commit(a, progressive ? now : final);
		if (persist) {
			bad += ap_agg_save(dir, a, &err) != AP_OK;
			ap_agg_free(a);
			a = NULL;
			if (ap_agg_load(dir, msm, &o, &a, &err) != AP_OK) {
				printf("load: %s\n", err.msg);
				abort();
			}
		}
	}
	bad += emit(a, final, &c) != AP_OK;
	ap_agg_commit(a, final);
	CHECK(bad == 0);
	out = final_points(&c);
	replay_lines += c.n;
	cap_free(&c);
	free(cut);
	ap_agg_free(a);
	return out;
}

static void test_identity(int64_t msm, char *(*gen)(int64_t, int64_t))
{
	enum { PROBES = 20, ROUNDS = 30 };
	struct gen *g = calloc(PROBES * ROUNDS, sizeof(*g));
	size_t n = 0;
	int64_t interval = 240, t0 = 1700000000, final, maxts = 0;
	char *one, *many;
	int diff = 0;

	for (int64_t p = 1; p <= PROBES; p++) {
		int64_t off = (int64_t)(rnd() % 240);

		for (int k = 0; k < ROUNDS; k++) {
			/* Sometimes two results in a window, sometimes none. */
			int64_t ts = t0 + k * interval + off +
				     (int64_t)(rnd() % 120) - 60;

			if (rnd() % 10 == 0)
				continue;
			g[n].json = gen(p, ts);
			g[n].ts = ts;
			g[n].prb = p;
			if (ts > maxts)
				maxts = ts;
			n++;
		}
	}
	final = maxts + interval;

	/* Reference: everything in one batch, in generation order. */
	one = replay(msm, g, n, 1, interval, 7200, final, false, false);
	CHECK(strlen(one) > 1000);

	/* Random order, random splits, time fixed at the end. */
	for (int round = 0; round < 4; round++) {
		for (size_t i = 0; i < n; i++)
			g[i].arrival = rnd();
		qsort(g, n, sizeof(*g), cmp_arrival);
		many = replay(msm, g, n, 2 + (size_t)(rnd() % 12), interval,
			      AP_AGG_HORIZON_NONE, final, false, round == 1);
		diff += strcmp(one, many) != 0;
		free(many);
	}
	CHECK(diff == 0);

	/* Polls as time goes by: results arrive up to 1 h late, the
	 * horizon is 2 h, windows close and get re-emitted on the way;
	 * with and without save/load between polls. */
	diff = 0;
	replay_lines = 0;
	for (int round = 0; round < 4; round++) {
		for (size_t i = 0; i < n; i++)
			g[i].arrival = (uint64_t)g[i].ts * 4096 +
				       rnd() % (3600 * 4096);
		qsort(g, n, sizeof(*g), cmp_arrival);
		many = replay(msm, g, n, 10 + (size_t)(rnd() % 20), interval,
			      7200, final, true, round % 2 == 1);
		if (strcmp(one, many) != 0) {
			diff++;
			if (diff == 1)
				printf("one batch:\n%.600s\nmany:\n%.600s\n",
				       one, many);
		}
		free(many);
	}
	CHECK(diff == 0);
	/* Late results did re-emit windows on the way. */
	{
		size_t finals = 0;

		for (const char *p = one; *p; p++)
			finals += *p == '\n';
		CHECK(replay_lines > 4 * finals + 100);
		printf("ok identity msm %" PRId64 ": %zu final points, %zu "
		       "lines over 4 progressive replays\n",
		       msm, finals, replay_lines);
	}
	free(one);
	for (size_t i = 0; i < n; i++)
		free(g[i].json);
	free(g);
}

int main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_options();
	test_pooled_loss();
	test_percentiles();
	test_windows();
	test_late_and_rollback();
	test_groups_and_tags();
	test_traceroute();
	test_horizon();
	test_persistence();
	test_identity(MSM, gen_ping);
	test_identity(TMSM, gen_trace);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		CHECK(system(cmd) == 0);
	}
	TEST_DONE();
}

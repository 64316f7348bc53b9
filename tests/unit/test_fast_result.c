/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the fast result scanner (common/src/fast_result.c) at the
 * edges its shortcuts create: whitespace wherever JSON allows it (the
 * scanner only looks for it where the expected byte is missing), keys
 * that are prefixes or extensions of known keys (known keys are matched
 * with their closing quote), strings with a special byte at every
 * position of an 8-byte word, the {"rtt":N} packet shortcut, number
 * shapes, every truncation of a result, and the arena that holds the
 * result itself. Each input goes through the fast path and the json-c
 * path: when the fast path accepts, both must convert to the same bytes.
 */
#include <stdlib.h>

#include "atlasperf/ap_buf.h"
#include "atlasperf/ap_convert.h"
#include "atlasperf/ap_lp.h"
#include "atlasperf/ap_result.h"
#include "test.h"

#include "../../common/src/ap_arena_int.h"
#include "../../common/src/fast_result_int.h"

#define PING_HEAD                                                          \
	"{\"fw\":5020,\"mver\":\"2.6.2\",\"lts\":56,"                      \
	"\"dst_name\":\"f.root-servers.net\",\"af\":4,"                    \
	"\"dst_addr\":\"192.5.5.241\",\"src_addr\":\"192.168.0.99\","      \
	"\"proto\":\"ICMP\",\"ttl\":54,\"size\":48,\"result\":"
#define PING_PACKETS "[{\"rtt\":2.345},{\"rtt\":2.286},{\"x\":\"*\"}]"
#define PING_TAIL                                                          \
	",\"sent\":3,\"rcvd\":2,\"dup\":0,\"min\":2.286,\"avg\":2.3114911,"  \
	"\"max\":2.345,\"msm_id\":1004,\"prb_id\":4858,"                   \
	"\"timestamp\":1700000000,\"msm_name\":\"Ping\","                  \
	"\"from\":\"176.255.235.176\",\"type\":\"ping\",\"group_id\":1004," \
	"\"step\":240,\"stored_timestamp\":1700000033}"

static const char PING[] = PING_HEAD PING_PACKETS PING_TAIL;

static const char TRACE[] =
	"{\"fw\":5020,\"lts\":8,\"endtime\":1700000003,"
	"\"dst_name\":\"f.root-servers.net\",\"dst_addr\":\"2001:500:2f::f\","
	"\"src_addr\":\"2804:9f47:cb82:7f::2b86\",\"proto\":\"UDP\",\"af\":6,"
	"\"size\":48,\"paris_id\":6,\"result\":[{\"hop\":1,\"result\":["
	"{\"from\":\"2600:5f57:81c0:e9::29d6\",\"ttl\":64,\"size\":76,"
	"\"rtt\":0.347},{\"x\":\"*\"},{\"from\":\"2600:5f57:81c0:e9::29d6\","
	"\"ttl\":64,\"size\":76,\"rtt\":0.35,\"icmpext\":{\"version\":2,"
	"\"rfc4884\":0,\"obj\":[{\"class\":1,\"type\":1,\"mpls\":[{\"exp\":0,"
	"\"label\":24001,\"s\":1,\"ttl\":1}]}]}}]},{\"hop\":255,\"result\":"
	"[{\"x\":\"*\"},{\"x\":\"*\"},{\"from\":\"2001:500:2f::f\",\"ttl\":60,"
	"\"rtt\":3.25,\"err\":\"N\",\"late\":1,\"dup\":1}]}],"
	"\"msm_id\":5001,\"prb_id\":6002,\"timestamp\":1700000000,"
	"\"from\":\"203.0.113.9\",\"type\":\"traceroute\"}";

enum { DECLINE = 0, ACCEPT = 1, EITHER = 2 };

static struct ap_result_parser *slow;
static struct ap_lp *lp;

static enum ap_status emit(const struct ap_metric *m, void *user)
{
	struct ap_err err;
	enum ap_status st = ap_lp_encode(lp, m, user, &err);

	if (st != AP_OK)
		ap_buf_add(user, "!refused\n", 9);
	return st;
}

/* Line protocol of r with default options, then with tags and hops. */
static void to_lp(const struct ap_result *r, struct ap_buf *out)
{
	static const struct ap_tag tags[] = {{"site", "ams 1,a=b"}};
	struct ap_sink sink = {emit, out};
	struct ap_convert_opts opts;
	struct ap_err err;

	ap_convert_opts_init(&opts);
	ap_buf_addc(out, (char)('0' + (int)ap_convert_result(r, &opts, &sink,
								&err)));
	opts.tags = tags;
	opts.n_tags = 1;
	opts.hop_points = true;
	ap_buf_addc(out, (char)('0' + (int)ap_convert_result(r, &opts, &sink,
								&err)));
}

/*
 * json[0..len) through both paths. want: ACCEPT or DECLINE by the fast
 * path, or EITHER. Whenever the fast path accepts, the json-c path must
 * accept the same identity and give the same bytes. Returns whether the
 * fast path accepted.
 */
static int check_len(const char *json, size_t len, int want, int line)
{
	struct ap_result *fast = NULL, *ref = NULL;
	struct ap_result_id fid, sid;
	struct ap_buf a, b;
	struct ap_err err;
	enum fast_status fst = fast_result_new(json, len, &fast, &fid);
	int same;

	if (want != EITHER && (fst == FAST_OK) != (want == ACCEPT)) {
		test_failed++;
		printf("FAIL line %d: fast path %s: %.*s\n", line,
		       fst == FAST_OK ? "accepted" : "declined", (int)len, json);
		ap_result_free(fast);
		return fst == FAST_OK;
	}
	test_passed++;
	if (fst != FAST_OK)
		return 0;
	CHECK(ap_result_parse_with(slow, json, len, &ref, &sid, &err) ==
	      AP_OK);
	if (ref == NULL) {
		ap_result_free(fast);
		return 1;
	}
	CHECK(fid.msm_id == sid.msm_id && fid.prb_id == sid.prb_id &&
	      fid.timestamp == sid.timestamp);
	ap_buf_init(&a, 1u << 20);
	ap_buf_init(&b, 1u << 20);
	to_lp(fast, &a);
	to_lp(ref, &b);
	same = a.len == b.len && memcmp(a.data, b.data, a.len) == 0;
	if (!same)
		printf("FAIL line %d: fast and json-c differ for %.*s\n", line,
		       (int)len, json);
	CHECK(same);
	ap_buf_reset(&a);
	ap_buf_reset(&b);
	ap_result_free(fast);
	ap_result_free(ref);
	return 1;
}

#define CHECK_PARSE(json, want) check_len((json), strlen(json), (want), __LINE__)

/* PING with whitespace `w` inserted around every structural byte
 * outside strings. */
static char *spaced(const char *json, const char *w)
{
	size_t wl = strlen(w), n = 0;
	char *out = malloc(strlen(json) * (2 * wl + 1) + 1);
	int in_str = 0;

	if (out == NULL)
		abort();
	for (const char *p = json; *p != '\0'; p++) {
		int structural = !in_str && strchr("{}[]:,", *p) != NULL;

		if (*p == '"')
			in_str = !in_str;
		if (structural) {
			memcpy(out + n, w, wl);
			n += wl;
		}
		out[n++] = *p;
		if (structural) {
			memcpy(out + n, w, wl);
			n += wl;
		}
	}
	out[n] = '\0';
	return out;
}

static void test_whitespace(void)
{
	static const char *const ws[] = {" ", "\t", "\r\n", " \t\n\r "};

	CHECK_PARSE(PING, ACCEPT);
	CHECK_PARSE(TRACE, ACCEPT);
	for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++) {
		char *p = spaced(PING, ws[i]), *t = spaced(TRACE, ws[i]);

		CHECK_PARSE(p, ACCEPT);
		CHECK_PARSE(t, ACCEPT);
		free(p);
		free(t);
	}
	/* whitespace other than JSON's is not whitespace */
	CHECK_PARSE("{\"type\":\"ping\",\v\"msm_id\":1,\"prb_id\":2,"
		    "\"timestamp\":3}", DECLINE);
}

/* PING with `member` (a "key":value pair) added after its first member. */
static void check_member(const char *member, int want, int line)
{
	char buf[2048];
	const char *rest = strchr(PING, ',');

	snprintf(buf, sizeof(buf), "{\"fw\":5020,%s%s", member, rest);
	check_len(buf, strlen(buf), want, line);
}

static void test_keys(void)
{
	/* near misses of known keys are unknown keys, skipped */
	static const char *const near[] = {
		"\"typ\":1",       "\"types\":1",      "\"t\":1",
		"\"ttlx\":1",      "\"timestamps\":1", "\"timestam\":1",
		"\"dst_addrs\":1", "\"dst_nam\":1",    "\"f\":1",
		"\"fwx\":1",       "\"a\":1",          "\"afx\":1",
		"\"errors\":1",    "\"erro\":1",       "\"resultx\":[]",
		"\"x\":1",         "\"rtt\":1",        "\"\":1",
		"\"msm_idx\":1",   "\"prb\":1",        "\"stored\":1",
		"\"TYPE\":1",      "\"paris\":1",      "\"endtime_\":1",
	};

	for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++)
		check_member(near[i], ACCEPT, __LINE__);
	/* known keys read here change the result the same way */
	check_member("\"dnserr\":\"resolve failed\"", ACCEPT, __LINE__);
	check_member("\"err\":\"sendto failed\"", ACCEPT, __LINE__);
	check_member("\"error\":\"no route\"", ACCEPT, __LINE__);
	check_member("\"pf\":6", ACCEPT, __LINE__);
	check_member("\"name\":\"k.root\"", ACCEPT, __LINE__);
	/* a known key twice, or a numeric key as a string: json-c path */
	check_member("\"fw\":5020", DECLINE, __LINE__);
	check_member("\"type\":\"ping\"", DECLINE, __LINE__);
	check_member("\"sent\":\"3\"", DECLINE, __LINE__);
	/* keys with escapes, control or non-ASCII bytes: json-c path */
	check_member("\"ty\\u0070e\":1", DECLINE, __LINE__);
	check_member("\"t\\\"\":1", DECLINE, __LINE__);
	check_member("\"t\x01\":1", DECLINE, __LINE__);
	check_member("\"t\xc3\xa9\":1", DECLINE, __LINE__);
}

/* A special byte at every position of strings of every length around the
 * 8-byte words the scanner reads. */
static void test_string_words(void)
{
	static const char specials[] = {'\\', '\x1f', '\x7f', '\x80', '\xff'};
	char val[40], member[128];

	for (size_t n = 0; n <= 24; n++) {
		memset(val, 'a', n);
		val[n] = '\0';
		snprintf(member, sizeof(member), "\"dst_name\":\"%s\"", val);
		check_member(member, DECLINE, __LINE__); /* dst_name twice */
		/* an unknown key twice is skipped twice (json-c: last wins,
		 * and nothing reads it) */
		snprintf(member, sizeof(member), "\"msm_name\":\"%s\"", val);
		check_member(member, ACCEPT, __LINE__);
		snprintf(member, sizeof(member), "\"k%s\":\"%s\"", val, val);
		check_member(member, ACCEPT, __LINE__);
		for (size_t at = 0; at < n; at++) {
			for (size_t s = 0; s < sizeof(specials); s++) {
				val[at] = specials[s];
				snprintf(member, sizeof(member),
					 "\"k\":\"%s\"", val);
				/* 0x7f is a plain byte; the rest decline */
				check_member(member,
					     specials[s] == '\x7f' ? ACCEPT
								   : DECLINE,
					     __LINE__);
				snprintf(member, sizeof(member),
					 "\"%s\":1", val);
				check_member(member,
					     specials[s] == '\x7f' ? ACCEPT
								   : DECLINE,
					     __LINE__);
			}
			val[at] = 'a';
		}
	}
}

/* PING with its packets replaced. */
static void check_packets(const char *packets, int want, int line)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "%s%s%s", PING_HEAD, packets, PING_TAIL);
	check_len(buf, strlen(buf), want, line);
}

static void test_packets(void)
{
	check_packets("[{\"rtt\":1}]", ACCEPT, __LINE__);
	check_packets("[{\"rtt\":-0.0}]", ACCEPT, __LINE__);
	check_packets("[{\"rtt\":1.5,\"ttl\":3}]", ACCEPT, __LINE__);
	check_packets("[{\"ttl\":3,\"rtt\":1.5}]", ACCEPT, __LINE__);
	check_packets("[{\"rtt\":1e2},{\"rtt\":12.5E-1}]", ACCEPT, __LINE__);
	check_packets("[{\"rtt\" :1},{\"rtt\": 1},{\"rtt\":1 }]", ACCEPT,
		      __LINE__);
	check_packets("[{\"rtt\":1,\"dup\":1},{\"rtt\":2,\"rtt2\":1}]",
		      ACCEPT, __LINE__);
	check_packets("[{\"rtt\":null},{\"rtt\":true},{\"rtt\":{}}]", ACCEPT,
		      __LINE__);
	check_packets("[{\"rtt\":[1]},{\"rttx\":1},{\"rt\":1}]", ACCEPT,
		      __LINE__);
	check_packets("[{\"x\":\"*\"},{\"error\":\"sendto failed\"}]", ACCEPT,
		      __LINE__);
	check_packets("[{},{\"srcaddr\":\"10.0.0.1\"}]", ACCEPT, __LINE__);
	check_packets("[{\"rtt\":\"1\"}]", DECLINE, __LINE__);
	check_packets("[{\"rtt\":01}]", DECLINE, __LINE__);
	check_packets("[{\"rtt\":1,\"rtt\":2}]", DECLINE, __LINE__);
	check_packets("[{\"rtt\":1}", DECLINE, __LINE__);
	check_packets("[{\"rtt\":1]", DECLINE, __LINE__);
	check_packets("[{\"rtt\":1,}]", DECLINE, __LINE__);
	check_packets("[1]", DECLINE, __LINE__);
}

static void test_numbers(void)
{
	static const char *const ok[] = {
		"0", "-0", "7", "-7", "123456789012345678",
		"-123456789012345678", "0.5", "-0.5", "0.000001234",
		"123456789012.345", "1.23456789012345", "12345678901234.56",
		"0.1234567890123456789", "1e22", "1e-22", "1.5e300",
		"-2.5E+3", "1E0", "0e5", "1234567890123456.5",
		"99999999999999999.0", "100", "2.50",
	};
	static const char *const bad[] = {
		"01", "-", "1.", ".5", "-.5", "1e", "1e+", "+1", "00",
		"1234567890123456789", "1e1000", "0x10", "1.5.5", "--1",
		"Infinity", "NaN", "1e-400",
	};
	char member[80];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(member, sizeof(member), "\"avg\":%s", ok[i]);
		check_member(member, DECLINE, __LINE__); /* avg twice */
		snprintf(member, sizeof(member), "\"lts2\":%s", ok[i]);
		check_member(member, ACCEPT, __LINE__);
		snprintf(member, sizeof(member), "\"min\":%s", ok[i]);
		check_member(member, DECLINE, __LINE__);
		/* the values themselves, read and converted */
		snprintf(member, sizeof(member), "[{\"rtt\":%s}]", ok[i]);
		check_packets(member, EITHER, __LINE__);
		snprintf(member, sizeof(member), "[{\"rtt\":%s,\"ttl\":%s}]",
			 ok[i], ok[i]);
		check_packets(member, EITHER, __LINE__);
	}
	/* subnormal: strtod may report ERANGE, and then the fast path
	 * leaves the number to json-c */
	check_member("\"lts2\":4.9e-324", EITHER, __LINE__);
	check_packets("[{\"rtt\":4.9e-324}]", EITHER, __LINE__);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(member, sizeof(member), "\"lts2\":%s", bad[i]);
		check_member(member, DECLINE, __LINE__);
		snprintf(member, sizeof(member), "[{\"rtt\":%s}]", bad[i]);
		check_packets(member, DECLINE, __LINE__);
	}
}

/* Every prefix of a result, and the whole with trailing bytes. */
static void test_truncated(void)
{
	static const char *const all[] = {PING, TRACE};

	for (size_t k = 0; k < 2; k++) {
		size_t len = strlen(all[k]);

		for (size_t n = 1; n < len; n++)
			check_len(all[k], n, DECLINE, __LINE__);
		check_len(all[k], len, ACCEPT, __LINE__);
	}
	{
		char buf[2048];

		snprintf(buf, sizeof(buf), "%s \r\n\t", PING);
		CHECK_PARSE(buf, ACCEPT);
		snprintf(buf, sizeof(buf), "%s}", PING);
		CHECK_PARSE(buf, DECLINE);
		snprintf(buf, sizeof(buf), "%s{}", PING);
		CHECK_PARSE(buf, DECLINE);
	}
}

static void test_arena_head(void)
{
	void *head = NULL;
	struct ap_arena *a = ap_arena_new_head(100, 48, &head);
	unsigned char *big;

	CHECK(a != NULL && head != NULL);
	if (a == NULL)
		return;
	CHECK(ap_arena_head(a) == head);
	CHECK(((unsigned char *)head)[0] == 0 &&
	      ((unsigned char *)head)[47] == 0);
	/* beyond the first chunk: more chunks, all freed with the arena */
	big = ap_arena_calloc(a, 3, 10000);
	CHECK(big != NULL && big[29999] == 0);
	CHECK(ap_arena_alloc(a, 1) != NULL);
	CHECK(ap_arena_strndup(a, "abc", 2) != NULL);
	ap_arena_free(a);
	a = ap_arena_new();
	CHECK(a != NULL && ap_arena_head(a) == NULL);
	ap_arena_free(a);
	CHECK(ap_arena_head(NULL) == NULL);
}

int main(void)
{
	struct ap_err err;

	setenv("ATLASPERF_NO_FAST_PATH", "1", 1);
	if (ap_result_parser_new(&slow, &err) != AP_OK ||
	    ap_lp_new(&lp, &err) != AP_OK)
		return 1;
	unsetenv("ATLASPERF_NO_FAST_PATH");
	test_whitespace();
	test_keys();
	test_string_words();
	test_packets();
	test_numbers();
	test_truncated();
	test_arena_head();
	ap_lp_free(lp);
	ap_result_parser_free(slow);
	TEST_DONE();
}

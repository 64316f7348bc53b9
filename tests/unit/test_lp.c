/* SPDX-License-Identifier: MIT */
/* Unit tests for ap_metric and the line-protocol encoder ap_lp. */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>

#include "atlasperf/ap_lp.h"
#include "test.h"

static struct ap_lp *lp;
static struct ap_buf out;

/* Encodes m alone and returns the line (owned by out). */
static const char *encode_line(const struct ap_metric *m, enum ap_status *st)
{
	struct ap_err err;

	ap_buf_clear(&out);
	*st = ap_lp_encode(lp, m, &out, &err);
	return out.len ? out.data : "";
}

/* xorshift64: deterministic pseudo-random numbers for the cases below. */
static uint64_t next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * The shortcut number formatting (on by default) against the snprintf
 * path (ATLASPERF_NO_FAST_PATH=1) on decimals of every length and scale,
 * the boundaries where the shortcut changes method, and arbitrary doubles.
 * Returns how many differed.
 */
static int format_double_differences(void)
{
	static const double edges[] = {1e-4, 9.9999e-5, 1e5, 99999.99999,
				       100000.00001, 1e15, 999999999999999.0,
				       123456.7890123, 0.1, 0.3, 2.675};
	struct ap_lp *slow;
	struct ap_err err;
	uint64_t x = 0x9e3779b97f4a7c15u;
	char a[40], b[40];
	int differ = 0;

	setenv("ATLASPERF_NO_FAST_PATH", "1", 1);
	if (ap_lp_new(&slow, &err) != AP_OK)
		return -1;
	unsetenv("ATLASPERF_NO_FAST_PATH");
	for (int i = 0; i < 400000; i++) {
		uint64_t r = next_rand(&x);
		double v;

		if (i < (int)(sizeof(edges) / sizeof(edges[0])))
			v = edges[i];
		else if (i % 4 == 3) /* any bit pattern */
			memcpy(&v, &r, sizeof(v));
		else /* a decimal: up to 17 digits, 0..12 decimals */
			v = (double)(r >> (11 + r % 40)) /
			    pow(10.0, (double)((r >> 8) % 13));
		if (i % 2)
			v = -v;
		size_t na = ap_lp_format_double(lp, v, a, sizeof(a));
		size_t nb = ap_lp_format_double(slow, v, b, sizeof(b));

		if ((na != nb || (na > 0 && strcmp(a, b) != 0)) &&
		    differ++ < 5)
			printf("# format_double(%.17g): %s vs %s\n", v, a, b);
	}
	ap_lp_free(slow);
	return differ;
}

int main(void)
{
	struct ap_metric m;
	struct ap_err err;
	enum ap_status st;
	char num[40];

	CHECK(ap_lp_new(&lp, &err) == AP_OK);
	ap_buf_init(&out, 1 << 20);

	/* Basic shape, tag order by key, integer suffix, ns timestamp. */
	ap_metric_init(&m, "atlas_ping", 1700000000);
	ap_metric_tag(&m, "prb_id", "6001");
	ap_metric_tag(&m, "af", "4");
	ap_metric_int(&m, "packets_received", 3);
	ap_metric_float(&m, "average_response_ms", 12.5);
	CHECK_STR(encode_line(&m, &st),
		  "atlas_ping,af=4,prb_id=6001 packets_received=3i,"
		  "average_response_ms=12.5 1700000000000000000\n");
	CHECK(st == AP_OK);

	/* Escaping per position. */
	ap_metric_init(&m, "my meas,x", 1);
	ap_metric_tag(&m, "k=1", "a b,c=d");
	ap_metric_string(&m, "s", "say \"hi\" \\o/");
	ap_metric_bool(&m, "b", true);
	CHECK_STR(encode_line(&m, &st),
		  "my\\ meas\\,x,k\\=1=a\\ b\\,c\\=d s=\"say \\\"hi\\\" "
		  "\\\\o/\",b=true 1000000000\n");

	/* A backslash InfluxDB would read as an escape becomes '?'; others
	 * stay literal. */
	ap_metric_init(&m, "m", 1);
	ap_metric_tag(&m, "t", "ends\\");
	ap_metric_tag(&m, "u", "a\\,b\\c");
	ap_metric_int(&m, "f", 1);
	CHECK_STR(encode_line(&m, &st), "m,t=ends?,u=a?\\,b\\c f=1i 1000000000\n");

	/* Backslashes by position: before '=' it is literal in a name (not
	 * special there) and '?' in a key; a doubled one cannot be written;
	 * control bytes and DEL become '?' everywhere. */
	ap_metric_init(&m, "n\\=a\\ b\x01", 1);
	ap_metric_tag(&m, "k\\=", "v\\\\w\x7f");
	ap_metric_string(&m, "s\\=", "tab\there\x7f");
	CHECK_STR(encode_line(&m, &st),
		  "n\\=a?\\ b?,k?\\==v?\\w? s?\\==\"tab?here?\" 1000000000\n");

	/* A string value longer than the encoder's staging buffer, with
	 * escapes on both sides of its boundary. */
	{
		static char longs[5000];
		const char *line;
		size_t quotes = 0;

		memset(longs, 'y', sizeof(longs) - 1);
		for (size_t i = 100; i < sizeof(longs) - 1; i += 700)
			longs[i] = '"';
		ap_metric_init(&m, "m", 1);
		ap_metric_string(&m, "s", longs);
		line = encode_line(&m, &st);
		CHECK(st == AP_OK);
		for (const char *q = line; (q = strstr(q, "\\\"")) != NULL; q++)
			quotes++;
		CHECK(quotes == 7);
		CHECK(strlen(line) == strlen("m s=\"\" 1000000000\n") + 4999 + 7);
	}

	/* Long tag values are cut (at a UTF-8 boundary). */
	{
		static char longv[3000];

		memset(longv, 'x', sizeof(longv) - 1);
		longv[1023] = (char)0xc3; /* a 2-byte sequence across the cut */
		longv[1024] = (char)0xa9;
		ap_metric_init(&m, "m", 1);
		ap_metric_tag(&m, "t", longv);
		ap_metric_int(&m, "f", 1);
		encode_line(&m, &st);
		CHECK(st == AP_OK);
		CHECK(strlen(out.data) == strlen("m,t= f=1i 1000000000\n") + 1023);
	}

	/* Control characters cannot travel in line protocol. */
	ap_metric_init(&m, "m", 1);
	ap_metric_tag(&m, "t", "a\nb\tc");
	ap_metric_string(&m, "s", "x\ny");
	CHECK_STR(encode_line(&m, &st), "m,t=a?b?c s=\"x?y\" 1000000000\n");

	/* No data: NaN/Inf floats, NULL strings, empty tag values vanish;
	 * negative counts are skipped by ap_metric_count. */
	ap_metric_init(&m, "m", 5);
	ap_metric_tag(&m, "empty", "");
	ap_metric_tag(&m, "null", NULL);
	ap_metric_float(&m, "nan", NAN);
	ap_metric_float(&m, "inf", INFINITY);
	ap_metric_string(&m, "str", NULL);
	ap_metric_count(&m, "neg", -1);
	ap_metric_count(&m, "zero", 0);
	CHECK_STR(encode_line(&m, &st), "m zero=0i 5000000000\n");
	CHECK(m.n_tags == 0 && m.n_fields == 1);

	/* A point without fields is refused, and out stays unchanged. */
	ap_metric_init(&m, "m", 5);
	ap_metric_float(&m, "nan", NAN);
	ap_buf_clear(&out);
	CHECK(ap_lp_encode(lp, &m, &out, &err) == AP_EINVAL);
	CHECK(out.len == 0);
	CHECK(strstr(err.msg, "no field") != NULL);

	/* Timestamps beyond int64 nanoseconds are refused. */
	ap_metric_init(&m, "m", INT64_C(9300000000));
	ap_metric_int(&m, "f", 1);
	encode_line(&m, &st);
	CHECK(st == AP_EINVAL);
	ap_metric_init(&m, "m", 0);
	ap_metric_int(&m, "f", 1);
	CHECK_STR(encode_line(&m, &st), "m f=1i 0\n");

	/* Integers at every digit count and both ends of int64; negative
	 * and largest timestamps. */
	ap_metric_init(&m, "m", -1);
	ap_metric_int(&m, "a", INT64_MIN);
	ap_metric_int(&m, "b", INT64_MAX);
	ap_metric_int(&m, "c", 9);
	ap_metric_int(&m, "d", 10);
	ap_metric_int(&m, "e", -99);
	ap_metric_int(&m, "f", 100);
	ap_metric_int(&m, "g", 1234567);
	CHECK_STR(encode_line(&m, &st),
		  "m a=-9223372036854775808i,b=9223372036854775807i,c=9i,"
		  "d=10i,e=-99i,f=100i,g=1234567i -1000000000\n");
	ap_metric_init(&m, "m", INT64_C(9223372035));
	ap_metric_int(&m, "f", 1);
	CHECK_STR(encode_line(&m, &st), "m f=1i 9223372035000000000\n");

	/* Tag replacement: the same key keeps one value, the last one. */
	ap_metric_init(&m, "m", 1);
	ap_metric_tag(&m, "link", "configured");
	ap_metric_tag(&m, "link", "base");
	ap_metric_int(&m, "f", 1);
	CHECK_STR(encode_line(&m, &st), "m,link=base f=1i 1000000000\n");

	/* Overflowing the bounded tag set marks the metric unusable. */
	{
		static char keys[AP_METRIC_MAX_TAGS + 1][16];

		ap_metric_init(&m, "m", 1);
		for (int i = 0; i <= AP_METRIC_MAX_TAGS; i++) {
			snprintf(keys[i], sizeof(keys[i]), "k%d", i);
			ap_metric_tag(&m, keys[i], "v");
		}
		ap_metric_int(&m, "f", 1);
		CHECK(m.overflow);
		encode_line(&m, &st);
		CHECK(st == AP_EINVAL);
	}

	/* Floats: shortest exact form, '.' whatever the locale. */
	CHECK(ap_lp_format_double(lp, 0.1, num, sizeof(num)) > 0);
	CHECK_STR(num, "0.1");
	ap_lp_format_double(lp, 48.38833333333333, num, sizeof(num));
	CHECK_STR(num, "48.38833333333333");
	ap_lp_format_double(lp, 1e-7, num, sizeof(num));
	CHECK(strtod(num, NULL) == 1e-7);
	CHECK(format_double_differences() == 0);
	ap_lp_format_double(lp, -0.0, num, sizeof(num));
	CHECK_STR(num, "0");
	CHECK(ap_lp_format_double(lp, NAN, num, sizeof(num)) == 0);
	if (setlocale(LC_ALL, "de_DE.UTF-8") != NULL ||
	    setlocale(LC_ALL, "fr_FR.UTF-8") != NULL) {
		ap_lp_format_double(lp, 2.5, num, sizeof(num));
		CHECK_STR(num, "2.5");
		setlocale(LC_ALL, "C");
	} else {
		printf("note: no comma-decimal locale installed; the locale "
		       "case is covered by the C-locale object only\n");
	}

	ap_buf_reset(&out);
	ap_lp_free(lp);
	ap_lp_free(NULL);
	TEST_DONE();
}

/* SPDX-License-Identifier: MIT */
/*
 * Differential libFuzzer target for the line-protocol encoder
 * (common/src/ap_lp.c), whose escaping and number writing are tuned for
 * speed. The input becomes one metric: NUL-separated strings for the name,
 * tags and fields (bytes of any value, so every escape rule is reached),
 * a count byte and a type byte per field. The same metric is written by a
 * plain reference encoder here, one byte at a time from the documented
 * rules (docs/metrics.md), with floats from the snprintf path
 * (ATLASPERF_NO_FAST_PATH=1). Whenever the reference calls the point
 * valid, ap_lp_encode must accept it and write the same bytes; when it is
 * invalid, ap_lp_encode must refuse it; else __builtin_trap().
 */
#include "atlasperf/ap_buf.h"
#include "atlasperf/ap_lp.h"
#include "atlasperf/ap_metric.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_STRINGS 64
#define REF_TAG_VALUE_MAX 1024
#define REF_STRING_MAX 65535

/* The input cut into NUL-terminated strings (a copy, owned here). */
struct strings {
	char *buf;
	const char *s[MAX_STRINGS];
	size_t n, next;
};

static const char *take(struct strings *st)
{
	if (st->next >= st->n)
		return "";
	return st->s[st->next++];
}

/* --- the reference encoder: obvious, per byte ------------------------- */

static void ref_add(struct ap_buf *b, char c)
{
	if (ap_buf_addc(b, c) != AP_OK)
		__builtin_trap();
}

static size_t ref_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* special: the characters a backslash escapes in this position. */
static void ref_escape(struct ap_buf *b, const char *s, const char *special,
		       size_t max)
{
	size_t n = ref_cut(s, max);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			ref_add(b, '?');
		} else if (c == '\\') {
			/* InfluxDB 1.x would read it as an escape */
			if (i + 1 == n || s[i + 1] == '\\' ||
			    strchr(special, s[i + 1]) != NULL)
				ref_add(b, '?');
			else
				ref_add(b, '\\');
		} else if (strchr(special, (char)c) != NULL) {
			ref_add(b, '\\');
			ref_add(b, (char)c);
		} else {
			ref_add(b, (char)c);
		}
	}
}

static void ref_string_value(struct ap_buf *b, const char *s)
{
	ref_add(b, '"');
	for (size_t i = 0; s[i] != '\0' && i < REF_STRING_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			ref_add(b, '\\');
			ref_add(b, (char)c);
		} else if (c < 0x20 || c == 0x7f) {
			ref_add(b, '?');
		} else {
			ref_add(b, (char)c);
		}
	}
	ref_add(b, '"');
}

/* Returns 0 when the point is not valid line protocol for the encoder's
 * rules (it must then be refused), 1 with the line in b. */
static int ref_encode(struct ap_lp *slow, const struct ap_metric *m,
		      struct ap_buf *b)
{
	size_t idx[AP_METRIC_MAX_TAGS];
	char num[64];

	if (m->name == NULL || m->name[0] == '\0' || m->overflow ||
	    m->n_fields == 0 || m->time_s > INT64_C(9223372035) ||
	    m->time_s < -INT64_C(9223372035))
		return 0;
	for (size_t i = 0; i < m->n_fields; i++) {
		if (m->fields[i].key[0] == '\0')
			return 0;
		if (m->fields[i].type == AP_FIELD_FLOAT &&
		    ap_lp_format_double(slow, m->fields[i].v.f, num,
					sizeof(num)) == 0)
			return 0;
	}
	ref_escape(b, m->name, ", ", SIZE_MAX);
	for (size_t i = 0; i < m->n_tags; i++)
		idx[i] = i;
	for (size_t i = 1; i < m->n_tags; i++) /* stable, by key bytes */
		for (size_t j = i; j > 0 &&
				   strcmp(m->tags[idx[j - 1]].key,
					  m->tags[idx[j]].key) > 0;
		     j--) {
			size_t t = idx[j];

			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	for (size_t i = 0; i < m->n_tags; i++) {
		ref_add(b, ',');
		ref_escape(b, m->tags[idx[i]].key, ",= ", SIZE_MAX);
		ref_add(b, '=');
		ref_escape(b, m->tags[idx[i]].value, ",= ",
			   REF_TAG_VALUE_MAX);
	}
	for (size_t i = 0; i < m->n_fields; i++) {
		const struct ap_field *f = &m->fields[i];

		ref_add(b, i == 0 ? ' ' : ',');
		ref_escape(b, f->key, ",= ", SIZE_MAX);
		ref_add(b, '=');
		switch (f->type) {
		case AP_FIELD_FLOAT:
			ap_lp_format_double(slow, f->v.f, num, sizeof(num));
			break;
		case AP_FIELD_INT:
			snprintf(num, sizeof(num), "%" PRId64 "i", f->v.i);
			break;
		case AP_FIELD_BOOL:
			snprintf(num, sizeof(num), "%s",
				 f->v.b ? "true" : "false");
			break;
		case AP_FIELD_STRING:
			ref_string_value(b, f->v.s);
			num[0] = '\0';
			break;
		}
		for (const char *p = num; *p != '\0'; p++)
			ref_add(b, *p);
	}
	snprintf(num, sizeof(num), " %" PRId64 "\n",
		 m->time_s * INT64_C(1000000000));
	for (const char *p = num; *p != '\0'; p++)
		ref_add(b, *p);
	return 1;
}

/* --- the metric from the input ---------------------------------------- */

static int64_t bytes_i64(const char *s)
{
	uint64_t u = 0;

	for (size_t i = 0; i < 8 && s[i] != '\0'; i++)
		u = u << 8 | (unsigned char)s[i];
	return (int64_t)u;
}

static double bytes_double(const char *s)
{
	double d;
	int64_t i = bytes_i64(s);

	/* half raw bit patterns, half short decimals (the common case) */
	if (i & 1) {
		memcpy(&d, &i, sizeof(d));
		return d;
	}
	return (double)(i >> 20) / 1000.0;
}

static void build_metric(struct strings *st, unsigned counts, int64_t ts,
			 struct ap_metric *m)
{
	size_t n_tags = counts % 9, n_fields = 1 + (counts / 9) % 8;

	ap_metric_init(m, take(st), ts);
	for (size_t i = 0; i < n_tags; i++) {
		const char *k = take(st);

		ap_metric_tag(m, k, take(st));
	}
	for (size_t i = 0; i < n_fields; i++) {
		const char *k = take(st), *v = take(st);

		switch ((unsigned char)v[0] % 4) {
		case 0:
			ap_metric_float(m, k, bytes_double(v));
			break;
		case 1:
			ap_metric_int(m, k, bytes_i64(v));
			break;
		case 2:
			ap_metric_string(m, k, v + (v[0] != '\0'));
			break;
		default:
			ap_metric_bool(m, k, (v[0] & 4) != 0);
			break;
		}
	}
}

static struct ap_lp *fast_lp, *slow_lp;

static void init_once(void)
{
	struct ap_err err;

	if (fast_lp != NULL)
		return;
	if (ap_lp_new(&fast_lp, &err) != AP_OK)
		__builtin_trap();
	setenv("ATLASPERF_NO_FAST_PATH", "1", 1);
	if (ap_lp_new(&slow_lp, &err) != AP_OK)
		__builtin_trap();
	unsetenv("ATLASPERF_NO_FAST_PATH");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strings st = {0};
	struct ap_metric m;
	struct ap_buf got, want;
	struct ap_err err;
	enum ap_status rc;
	int valid;
	int64_t ts;

	if (size < 3)
		return 0;
	init_once();
	st.buf = malloc(size - 1);
	if (st.buf == NULL)
		return 0;
	/* bytes 0..1: counts and timestamp seed; the rest: strings */
	memcpy(st.buf, data + 2, size - 2);
	st.buf[size - 2] = '\0';
	st.s[st.n++] = st.buf;
	for (size_t i = 0; i + 1 < size - 2 && st.n < MAX_STRINGS; i++)
		if (st.buf[i] == '\0')
			st.s[st.n++] = st.buf + i + 1;
	ts = (int64_t)(data[1] % 5) * INT64_C(2000000000) - INT64_C(1);
	if (data[1] >= 250)
		ts = data[1] == 255 ? INT64_C(9223372036) : -INT64_C(1);
	build_metric(&st, data[0], ts, &m);

	ap_buf_init(&got, 1u << 24);
	ap_buf_init(&want, 1u << 24);
	valid = ref_encode(slow_lp, &m, &want);
	rc = ap_lp_encode(fast_lp, &m, &got, &err);
	if (valid && (rc != AP_OK || got.len != want.len ||
		      memcmp(got.data, want.data, got.len) != 0))
		__builtin_trap();
	if (!valid && rc == AP_OK)
		__builtin_trap();
	ap_buf_reset(&got);
	ap_buf_reset(&want);
	free(st.buf);
	return 0;
}

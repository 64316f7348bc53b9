/* SPDX-License-Identifier: MIT */
/* ap_lp: line-protocol encoding of struct ap_metric. */
#include "atlasperf/ap_lp.h"

#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest string field value InfluxDB accepts is 64 KiB. */
#define LP_MAX_STRING 65535
/* A series key (name and tags) over 64 KiB is refused by InfluxDB 1.x;
 * tag values are cut at this many bytes (on a UTF-8 boundary), which
 * keeps any point of at most AP_METRIC_MAX_TAGS tags well below it. */
#define LP_MAX_TAG_VALUE 1024

struct ap_lp {
	locale_t c_locale; /* used for number formatting only */
};

enum ap_status ap_lp_new(struct ap_lp **out, struct ap_err *err)
{
	struct ap_lp *lp;

	*out = NULL;
	lp = calloc(1, sizeof(*lp));
	if (lp == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	lp->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (lp->c_locale == (locale_t)0) {
		free(lp);
		return ap_err_set(err, AP_ENOMEM, "cannot create C locale");
	}
	*out = lp;
	return AP_OK;
}

void ap_lp_free(struct ap_lp *lp)
{
	if (lp == NULL)
		return;
	freelocale(lp->c_locale);
	free(lp);
}

size_t ap_lp_format_double(struct ap_lp *lp, double v, char *dst, size_t n)
{
	locale_t old;
	int len = 0;

	if (!isfinite(v) || n < 32)
		return 0;
	if (v == 0.0)
		v = 0.0; /* folds -0 into 0 */
	old = uselocale(lp->c_locale);
	/* The shortest of 15..17 significant digits that reads back exact. */
	for (int prec = 15; prec <= 17; prec++) {
		len = snprintf(dst, n, "%.*g", prec, v);
		if (prec == 17 || strtod(dst, NULL) == v)
			break;
	}
	uselocale(old);
	if (len < 0 || (size_t)len >= n)
		return 0;
	return (size_t)len;
}

/* Characters that need a backslash in a position. */
static const char MEAS_SPECIAL[] = ", ";
static const char KEY_SPECIAL[] = ",= ";

/* Bytes that cannot be copied as they are in a name or key position. */
static bool needs_care(unsigned char c, const char *special)
{
	return c < 0x20 || c == 0x7f || c == '\\' ||
	       strchr(special, c) != NULL;
}

/* Length of s cut to at most max bytes without splitting a UTF-8
 * sequence. */
static size_t cut_utf8(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/*
 * Writes a name, tag key, tag value or field key: at most max bytes of
 * s, the position's special characters escaped, control characters
 * replaced. InfluxDB 1.x has no way to write a backslash that ends a token
 * or precedes an escaped character (it refuses the first and keeps "\\"
 * as two), so such a backslash is written as '?'; any other backslash is
 * literal.
 */
static enum ap_status put_escaped(struct ap_buf *b, const char *s,
				  const char *special, size_t max)
{
	enum ap_status st = AP_OK;
	const char *p = s, *end = s + cut_utf8(s, max);

	while (p < end && st == AP_OK) {
		const char *run = p;
		unsigned char c;

		/* Copy the common case, a run of ordinary bytes, at once. */
		while (p < end && !needs_care((unsigned char)*p, special))
			p++;
		if (p > run)
			st = ap_buf_add(b, run, (size_t)(p - run));
		if (p == end || st != AP_OK)
			break;
		c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f) {
			st = ap_buf_addc(b, '?');
		} else if (c != '\\') {
			st = ap_buf_addc(b, '\\');
			if (st == AP_OK)
				st = ap_buf_addc(b, (char)c);
		} else if (p + 1 == end || p[1] == '\\' ||
			   strchr(special, p[1]) != NULL) {
			st = ap_buf_addc(b, '?');
		} else {
			st = ap_buf_addc(b, (char)c);
		}
		p++;
	}
	return st;
}

static enum ap_status put_string_value(struct ap_buf *b, const char *s)
{
	enum ap_status st = ap_buf_addc(b, '"');
	size_t n = 0;

	for (const char *p = s; *p != '\0' && st == AP_OK; p++, n++) {
		unsigned char c = (unsigned char)*p;

		if (n == LP_MAX_STRING)
			break;
		if (c == '"' || c == '\\') {
			st = ap_buf_addc(b, '\\');
			if (st == AP_OK)
				st = ap_buf_addc(b, (char)c);
		} else if (c < 0x20 || c == 0x7f) {
			st = ap_buf_addc(b, '?');
		} else {
			st = ap_buf_addc(b, (char)c);
		}
	}
	if (st == AP_OK)
		st = ap_buf_addc(b, '"');
	return st;
}

static enum ap_status put_field_value(struct ap_lp *lp, struct ap_buf *b,
				      const struct ap_field *f)
{
	char num[40];
	size_t n;

	switch (f->type) {
	case AP_FIELD_FLOAT:
		n = ap_lp_format_double(lp, f->v.f, num, sizeof(num));
		if (n == 0)
			return AP_EINVAL;
		return ap_buf_add(b, num, n);
	case AP_FIELD_INT:
		return ap_buf_printf(b, "%" PRId64 "i", f->v.i);
	case AP_FIELD_STRING:
		return put_string_value(b, f->v.s);
	case AP_FIELD_BOOL:
		return ap_buf_adds(b, f->v.b ? "true" : "false");
	}
	return AP_EINVAL;
}

/* Sorts tag indexes by key bytes: InfluxDB's recommended order, and a
 * deterministic one whatever order the converter added them in. */
static void sort_tags(const struct ap_metric *m, size_t *idx)
{
	for (size_t i = 0; i < m->n_tags; i++)
		idx[i] = i;
	for (size_t i = 1; i < m->n_tags; i++) {
		size_t x = idx[i], j = i;

		while (j > 0 &&
		       strcmp(m->tags[idx[j - 1]].key, m->tags[x].key) > 0) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = x;
	}
}

static enum ap_status encode(struct ap_lp *lp, const struct ap_metric *m,
			     struct ap_buf *b)
{
	size_t idx[AP_METRIC_MAX_TAGS];
	enum ap_status st;

	st = put_escaped(b, m->name, MEAS_SPECIAL, SIZE_MAX);
	sort_tags(m, idx);
	for (size_t i = 0; i < m->n_tags && st == AP_OK; i++) {
		const struct ap_tag *t = &m->tags[idx[i]];

		st = ap_buf_addc(b, ',');
		if (st == AP_OK)
			st = put_escaped(b, t->key, KEY_SPECIAL, SIZE_MAX);
		if (st == AP_OK)
			st = ap_buf_addc(b, '=');
		if (st == AP_OK)
			st = put_escaped(b, t->value, KEY_SPECIAL,
					 LP_MAX_TAG_VALUE);
	}
	for (size_t i = 0; i < m->n_fields && st == AP_OK; i++) {
		st = ap_buf_addc(b, i == 0 ? ' ' : ',');
		if (st == AP_OK)
			st = put_escaped(b, m->fields[i].key, KEY_SPECIAL,
					 SIZE_MAX);
		if (st == AP_OK)
			st = ap_buf_addc(b, '=');
		if (st == AP_OK)
			st = put_field_value(lp, b, &m->fields[i]);
	}
	if (st == AP_OK)
		st = ap_buf_printf(b, " %" PRId64 "\n",
				  m->time_s * INT64_C(1000000000));
	return st;
}

/* Largest |seconds| whose nanoseconds fit in int64. */
#define LP_MAX_SECONDS INT64_C(9223372035)

enum ap_status ap_lp_encode(struct ap_lp *lp, const struct ap_metric *m,
			    struct ap_buf *out, struct ap_err *err)
{
	size_t mark = out->len;
	enum ap_status st;

	if (m->overflow)
		return ap_err_set(err, AP_EINVAL,
				  "%s: too many tags or fields", m->name);
	if (m->name == NULL || m->name[0] == '\0')
		return ap_err_set(err, AP_EINVAL, "metric without a name");
	if (m->n_fields == 0)
		return ap_err_set(err, AP_EINVAL, "%s: point has no field",
				  m->name);
	if (m->time_s > LP_MAX_SECONDS || m->time_s < -LP_MAX_SECONDS)
		return ap_err_set(err, AP_EINVAL,
				  "%s: timestamp %" PRId64 " out of range",
				  m->name, m->time_s);
	for (size_t i = 0; i < m->n_fields; i++)
		if (m->fields[i].key == NULL || m->fields[i].key[0] == '\0')
			return ap_err_set(err, AP_EINVAL,
					  "%s: empty field key", m->name);
	st = encode(lp, m, out);
	if (st != AP_OK) {
		out->len = mark;
		if (out->data != NULL)
			out->data[mark] = '\0';
		return ap_err_set(err, st, "%s: %s", m->name,
				  ap_strerror(st));
	}
	return AP_OK;
}

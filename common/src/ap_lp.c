/* SPDX-License-Identifier: MIT */
/* ap_lp: line-protocol encoding of struct ap_metric. */
#include "atlasperf/ap_lp.h"

#include <inttypes.h>
#include <stdbool.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && !defined(AP_LP_NO_SIMD)
#include <emmintrin.h>
#endif

/* Longest string field value InfluxDB accepts is 64 KiB. */
#define LP_MAX_STRING 65535
/* A series key (name and tags) over 64 KiB is refused by InfluxDB 1.x;
 * tag values are cut at this many bytes (on a UTF-8 boundary), which
 * keeps any point of at most AP_METRIC_MAX_TAGS tags well below it. */
#define LP_MAX_TAG_VALUE 1024

struct ap_lp {
	locale_t c_locale; /* used for number formatting only */
	/* format_short_decimal for doubles; off with
	 * ATLASPERF_NO_FAST_PATH=1 (read once, in ap_lp_new) */
	bool fast;
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
	{
		const char *e = getenv("ATLASPERF_NO_FAST_PATH");

		lp->fast = e == NULL || e[0] == '\0' || strcmp(e, "0") == 0;
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

/* "00" "01" ... "99": two digits per division. */
static const char DIGIT_PAIRS[] =
	"00010203040506070809101112131415161718192021222324252627282930313233"
	"34353637383940414243444546474849505152535455565758596061626364656667"
	"6869707172737475767778798081828384858687888990919293949596979899";

static const double LP_POW10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5,
				  1e6, 1e7, 1e8, 1e9, 1e10};

/*
 * The common case without snprintf/strtod: v is the double nearest to a
 * decimal D = m / 10^k with m < 10^15 (checked exactly: m and 10^k are
 * exact doubles and the division is correctly rounded). Any decimal of at
 * most 15 significant digits survives decimal -> double -> %.15g (DBL_DIG
 * is 15), so %.15g prints D, it reads back as v and the loop below would
 * stop at precision 15. %g uses fixed notation for 1e-4 <= |D| < 1e15,
 * trailing zeros and a bare '.' removed: written here the same way.
 * Returns 0 when v is not such a number (the caller uses snprintf).
 */
static size_t format_short_decimal(double v, char *dst)
{
	double a = fabs(v);
	uint64_t m = 0;
	int k;
	char tmp[32];
	size_t len = 0, t, ip;

	if (!(a >= 1e-4) || !(a < 1e15))
		return 0;
	if (a < 1e5) {
		/*
		 * One test at k = 10 answers for every k <= 10: if v is the
		 * double nearest to some D / 10^j (j <= 10, so m = D * 10^(10-j)
		 * < 1e15), a * 1e10 is within m * 2^-52 < 0.25 of m, rounds to
		 * it, and the test passes. Two decimals of at most 15 digits
		 * never share a double, so the zeros stripped below leave D
		 * whichever k passed.
		 */
		k = 10;
		m = (uint64_t)(a * 1e10 + 0.5);
		if ((double)m / 1e10 != a)
			return 0;
	} else {
		for (k = 0; k <= 10; k++) {
			double s = a * LP_POW10[k];

			if (!(s < 1e15))
				return 0;
			m = (uint64_t)(s + 0.5);
			if ((double)m / LP_POW10[k] == a)
				break;
		}
		if (k > 10)
			return 0;
	}
	/* strip trailing zeros of the fraction */
	while (k >= 4 && m % 10000 == 0) {
		m /= 10000;
		k -= 4;
	}
	while (k >= 2 && m % 100 == 0) {
		m /= 100;
		k -= 2;
	}
	if (k > 0 && m % 10 == 0) {
		m /= 10;
		k--;
	}
	/* the digits of m, at least k + 1 of them (leading zeros for
	 * |v| < 1), right to left two at a time, then the point put in */
	t = sizeof(tmp);
	while (m >= 100) {
		t -= 2;
		memcpy(tmp + t, DIGIT_PAIRS + 2 * (m % 100), 2);
		m /= 100;
	}
	if (m >= 10) {
		t -= 2;
		memcpy(tmp + t, DIGIT_PAIRS + 2 * m, 2);
	} else {
		tmp[--t] = (char)('0' + m);
	}
	while (sizeof(tmp) - t < (size_t)k + 1)
		tmp[--t] = '0';
	if (v < 0)
		dst[len++] = '-';
	ip = sizeof(tmp) - t - (size_t)k; /* digits before the point */
	memcpy(dst + len, tmp + t, ip);
	len += ip;
	if (k > 0) {
		dst[len++] = '.';
		memcpy(dst + len, tmp + t + ip, (size_t)k);
		len += (size_t)k;
	}
	dst[len] = '\0';
	return len;
}

size_t ap_lp_format_double(struct ap_lp *lp, double v, char *dst, size_t n)
{
	locale_t old;
	int len = 0;
	size_t fast;

	if (!isfinite(v) || n < 32)
		return 0;
	if (v == 0.0) {
		/* also -0: %.15g would print "-0" */
		dst[0] = '0';
		dst[1] = '\0';
		return 1;
	}
	if (lp->fast && (fast = format_short_decimal(v, dst)) > 0)
		return fast;
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

/* Decimal digits of v (as "%" PRId64) at dst; returns the length (no
 * NUL written). dst needs 20 bytes. */
static size_t format_int64(int64_t v, char *dst)
{
	char tmp[24];
	char *t = tmp + sizeof(tmp);
	size_t n = 0, len;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	while (u >= 100) {
		t -= 2;
		memcpy(t, DIGIT_PAIRS + 2 * (u % 100), 2);
		u /= 100;
	}
	if (u >= 10) {
		t -= 2;
		memcpy(t, DIGIT_PAIRS + 2 * u, 2);
	} else {
		*--t = (char)('0' + u);
	}
	if (v < 0)
		dst[n++] = '-';
	len = (size_t)(tmp + sizeof(tmp) - t);
	memcpy(dst + n, t, len);
	return n + len;
}

/*
 * What each byte needs in a name or key position, as a bit set: CARE_NAME
 * bytes need care in a measurement name (',' and ' '), CARE_KEY in tag keys,
 * tag values and field keys (also '='), CARE_ALWAYS everywhere (control
 * bytes, DEL and '\\'). One table load per byte instead of six compares.
 */
enum { CARE_NAME = 1, CARE_KEY = 2, CARE_ALWAYS = 4 };
#define CARE_CONTROL_ROW(b) \
	[b] = CARE_ALWAYS, [b + 1] = CARE_ALWAYS, [b + 2] = CARE_ALWAYS, \
	[b + 3] = CARE_ALWAYS, [b + 4] = CARE_ALWAYS, [b + 5] = CARE_ALWAYS, \
	[b + 6] = CARE_ALWAYS, [b + 7] = CARE_ALWAYS
static const unsigned char LP_CARE[256] = {
	CARE_CONTROL_ROW(0), CARE_CONTROL_ROW(8), CARE_CONTROL_ROW(16),
	CARE_CONTROL_ROW(24),
	[0x7f] = CARE_ALWAYS,
	['\\'] = CARE_ALWAYS,
	[','] = CARE_NAME | CARE_KEY,
	[' '] = CARE_NAME | CARE_KEY,
	['='] = CARE_KEY,
};
#undef CARE_CONTROL_ROW

/* The masks of a position: what LP_CARE bits stop a plain run there. */
#define NAME_POS (CARE_NAME | CARE_ALWAYS)
#define KEY_POS (CARE_KEY | CARE_ALWAYS)

/* memcpy of a short token without the call: two overlapping moves of
 * fixed size (which compile to plain loads and stores). */
static inline void copy_token(char *dst, const char *src, size_t n)
{
	if (n >= 8 && n <= 16) {
		memcpy(dst, src, 8);
		memcpy(dst + n - 8, src + n - 8, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(dst, src, 4);
		memcpy(dst + n - 4, src + n - 4, 4);
	} else if (n < 4) {
		for (size_t i = 0; i < n; i++)
			dst[i] = src[i];
	} else {
		memcpy(dst, src, n);
	}
}

/*
 * Line staging: a point is assembled in a local buffer through a cursor
 * and handed to ap_buf in one ap_buf_add (more only for very long points)
 * instead of one per byte or token. The first error sticks; the bytes that
 * reach the ap_buf, and so the outcome (the total length checked against
 * its cap), are the same as writing them one by one.
 */
struct lp_w {
	struct ap_buf *b;
	enum ap_status st;
	char *p;   /* next free byte of tmp */
	char *end; /* tmp + sizeof(tmp) */
	char tmp[2048];
};

static void w_init(struct lp_w *w, struct ap_buf *b)
{
	w->b = b;
	w->st = AP_OK;
	w->p = w->tmp;
	w->end = w->tmp + sizeof(w->tmp);
}

static void w_flush(struct lp_w *w)
{
	if (w->p > w->tmp && w->st == AP_OK)
		w->st = ap_buf_add(w->b, w->tmp, (size_t)(w->p - w->tmp));
	w->p = w->tmp;
}

/* Makes room for n more bytes at w->p; false when a previous error
 * sticks or n cannot be staged at all (then the caller adds directly). */
static inline bool w_room(struct lp_w *w, size_t n)
{
	if ((size_t)(w->end - w->p) < n)
		w_flush(w);
	return w->st == AP_OK && (size_t)(w->end - w->p) >= n;
}

static inline void w_add(struct lp_w *w, const char *s, size_t len)
{
	if (w_room(w, len)) {
		copy_token(w->p, s, len);
		w->p += len;
	} else if (w->st == AP_OK) {
		w->st = ap_buf_add(w->b, s, len); /* longer than tmp */
	}
}

static inline void w_addc(struct lp_w *w, char c)
{
	if (w_room(w, 1))
		*w->p++ = c;
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
 * Whether a token has a byte that needs care, without a branch per byte.
 * With SSE2 (all of x86-64) the token is checked as one or two 16-byte
 * vectors built from overlapping loads that never leave [p, p + n);
 * elsewhere (or with AP_LP_NO_SIMD, which a unit test uses to cover it),
 * and for tokens under 4 bytes, the LP_CARE table, eight bytes a round.
 */
#if defined(__SSE2__) && !defined(AP_LP_NO_SIMD)
/* Whether x (16 token bytes) has a byte that needs care in position pos,
 * by byte compares; one movemask. */
static inline bool vec_needs_care(__m128i x, unsigned pos)
{
	__m128i m = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x);

	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8(',')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8(' ')));
	if (pos & CARE_KEY)
		m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('=')));
	return _mm_movemask_epi8(m) != 0;
}

static inline __m128i load8(const unsigned char *p)
{
	return _mm_loadl_epi64((const __m128i *)(const void *)p);
}

static inline __m128i load16(const unsigned char *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* Whether any byte of p[0..n) needs care in position pos. */
static inline __attribute__((always_inline)) bool
needs_care(const unsigned char *p, size_t n, unsigned pos)
{
	int32_t a, b;

	if (n >= 16) {
		for (size_t i = 0; i + 16 < n; i += 16)
			if (vec_needs_care(load16(p + i), pos))
				return true;
		return vec_needs_care(load16(p + n - 16), pos);
	}
	if (n >= 8)
		return vec_needs_care(
			_mm_unpacklo_epi64(load8(p), load8(p + n - 8)), pos);
	if (n >= 4) {
		/* every lane a real byte: no zero lane to look like a
		 * control byte */
		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		return vec_needs_care(_mm_set_epi32(b, a, b, a), pos);
	}
	for (size_t i = 0; i < n; i++)
		if (LP_CARE[p[i]] & pos)
			return true;
	return false;
}
#else
static inline unsigned care8(const unsigned char *p)
{
	return LP_CARE[p[0]] | LP_CARE[p[1]] | LP_CARE[p[2]] |
	       LP_CARE[p[3]] | LP_CARE[p[4]] | LP_CARE[p[5]] |
	       LP_CARE[p[6]] | LP_CARE[p[7]];
}

static inline unsigned care_of(const unsigned char *p, size_t n)
{
	unsigned care = 0;

	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8)
			care |= care8(p + i);
		return care | care8(p + n - 8);
	}
	if (n >= 4)
		return LP_CARE[p[0]] | LP_CARE[p[1]] | LP_CARE[p[2]] |
		       LP_CARE[p[3]] | LP_CARE[p[n - 4]] | LP_CARE[p[n - 3]] |
		       LP_CARE[p[n - 2]] | LP_CARE[p[n - 1]];
	for (size_t i = 0; i < n; i++)
		care |= LP_CARE[p[i]];
	return care;
}

/* Whether any byte of p[0..n) needs care in position pos. */
static inline bool needs_care(const unsigned char *p, size_t n,
			      unsigned pos)
{
	return (care_of(p, n) & pos) != 0;
}
#endif

/*
 * The one byte at p (in [p, end)) that LP_CARE flags for position mask
 * `pos`, written as InfluxDB 1.x reads it back: control bytes become '?',
 * the position's special characters get a backslash. InfluxDB 1.x has no
 * way to write a backslash that ends a token or precedes an escaped
 * character (it refuses the first and keeps "\\\\" as two), so such a
 * backslash is written as '?'; any other backslash is literal.
 */
static void put_care_byte(struct lp_w *w, const unsigned char *p,
			  const unsigned char *end, unsigned pos)
{
	unsigned char c = *p;

	if (c < 0x20 || c == 0x7f) {
		w_addc(w, '?');
	} else if (c != '\\') {
		w_addc(w, '\\');
		w_addc(w, (char)c);
	} else if (p + 1 == end || p[1] == '\\' ||
		   (LP_CARE[p[1]] & pos & ~CARE_ALWAYS) != 0) {
		w_addc(w, '?');
	} else {
		w_addc(w, '\\');
	}
}

/*
 * Writes a name, tag key, tag value or field key: at most max bytes of s,
 * each byte LP_CARE flags for the position (mask pos) through
 * put_care_byte, runs of other bytes copied at once.
 */
static void put_escaped_slow(struct lp_w *w, const char *s, unsigned pos,
			     size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + cut_utf8(s, max);

	while (w->st == AP_OK) {
		const unsigned char *run = p;

		while (p < end && !(LP_CARE[*p] & pos))
			p++;
		if (p > run)
			w_add(w, (const char *)run, (size_t)(p - run));
		if (p == end)
			return;
		put_care_byte(w, p, end, pos);
		p++;
	}
}

/* The usual token (nothing to escape, not over max, room in the staging
 * buffer) inline; anything else through put_escaped_slow. */
static inline __attribute__((always_inline)) void
put_escaped(struct lp_w *w, const char *s, unsigned pos,
			       size_t max)
{
	size_t len = strlen(s);

	if (len <= max && w_room(w, len) &&
	    !needs_care((const unsigned char *)s, len, pos)) {
		copy_token(w->p, s, len);
		w->p += len;
		return;
	}
	put_escaped_slow(w, s, pos, max);
}

/* A string field value: '"' and '\\' get a backslash, control bytes
 * become '?', at most LP_MAX_STRING input bytes. */
static void put_string_value(struct lp_w *w, const char *s)
{
	const char *p = s, *end = s + strnlen(s, LP_MAX_STRING);

	w_addc(w, '"');
	while (p < end && w->st == AP_OK) {
		const char *run = p;
		unsigned char c;

		while (p < end && (unsigned char)*p >= 0x20 && *p != 0x7f &&
		       *p != '"' && *p != '\\')
			p++;
		if (p > run)
			w_add(w, run, (size_t)(p - run));
		if (p == end)
			break;
		c = (unsigned char)*p++;
		if (c == '"' || c == '\\') {
			w_addc(w, '\\');
			w_addc(w, (char)c);
		} else {
			w_addc(w, '?');
		}
	}
	w_addc(w, '"');
}

static void put_field_value(struct ap_lp *lp, struct lp_w *w,
			    const struct ap_field *f)
{
	char num[40];
	size_t n;

	switch (f->type) {
	case AP_FIELD_FLOAT:
		n = ap_lp_format_double(lp, f->v.f, num, sizeof(num));
		if (n == 0) {
			if (w->st == AP_OK)
				w->st = AP_EINVAL;
			return;
		}
		w_add(w, num, n);
		return;
	case AP_FIELD_INT:
		n = format_int64(f->v.i, num);
		num[n++] = 'i';
		w_add(w, num, n);
		return;
	case AP_FIELD_STRING:
		put_string_value(w, f->v.s);
		return;
	case AP_FIELD_BOOL:
		if (f->v.b)
			w_add(w, "true", 4);
		else
			w_add(w, "false", 5);
		return;
	}
	if (w->st == AP_OK)
		w->st = AP_EINVAL;
}

/* strcmp(a, b) > 0, deciding on the first bytes without a call when
 * they differ (as they mostly do). */
static inline bool key_after(const char *a, const char *b)
{
	if (a[0] != b[0])
		return (unsigned char)a[0] > (unsigned char)b[0];
	return strcmp(a, b) > 0;
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
		       key_after(m->tags[idx[j - 1]].key, m->tags[x].key)) {
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
	struct lp_w w;

	w_init(&w, b);
	put_escaped(&w, m->name, NAME_POS, SIZE_MAX);
	sort_tags(m, idx);
	for (size_t i = 0; i < m->n_tags && w.st == AP_OK; i++) {
		const struct ap_tag *t = &m->tags[idx[i]];

		w_addc(&w, ',');
		put_escaped(&w, t->key, KEY_POS, SIZE_MAX);
		w_addc(&w, '=');
		put_escaped(&w, t->value, KEY_POS, LP_MAX_TAG_VALUE);
	}
	for (size_t i = 0; i < m->n_fields && w.st == AP_OK; i++) {
		w_addc(&w, i == 0 ? ' ' : ',');
		put_escaped(&w, m->fields[i].key, KEY_POS, SIZE_MAX);
		w_addc(&w, '=');
		put_field_value(lp, &w, &m->fields[i]);
	}
	if (w.st == AP_OK) {
		char num[32];
		size_t n = 1;

		num[0] = ' ';
		/* seconds, then nine zeros: half the digits to compute */
		n += format_int64(m->time_s, num + 1);
		if (m->time_s != 0) {
			memcpy(num + n, "000000000", 9);
			n += 9;
		}
		num[n++] = '\n';
		w_add(&w, num, n);
	}
	w_flush(&w);
	return w.st;
}

/* Largest |seconds| whose nanoseconds fit in int64. */
#define LP_MAX_SECONDS INT64_C(9223372035)

enum ap_status ap_lp_encode(struct ap_lp *lp, const struct ap_metric *m,
			    struct ap_buf *out, struct ap_err *err)
{
	size_t mark = out->len;
	enum ap_status st;

	if (m->name == NULL || m->name[0] == '\0')
		return ap_err_set(err, AP_EINVAL, "metric without a name");
	if (m->overflow)
		return ap_err_set(err, AP_EINVAL,
				  "%s: too many tags or fields", m->name);
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

/* SPDX-License-Identifier: MIT */
/*
 * fast_result: a specialised scanner for modern ping and traceroute
 * results (fw >= 4460). It reads a strict, conservative subset of JSON and
 * declines (FAST_DECLINE) on anything else: string escapes, control or
 * non-ASCII bytes in strings, numbers in strings, integers of more than
 * 18 digits, exponents of more than 3 digits, numbers strtod cannot give
 * exactly (over/underflow), duplicate known keys, known keys of an
 * unexpected JSON type, nesting beyond a small depth, legacy firmware,
 * other result types. What it accepts it interprets with the same rules
 * as ap_result.c / parse_ping.c / parse_traceroute.c / result_json.c, so
 * the struct ap_result is the same as json-c's.
 *
 * The input is copied once into the result's arena (NUL-terminated, then
 * PAD zero bytes) and strings are NUL-terminated in place there, so
 * results own their strings and nothing borrows the caller's (reused)
 * record buffer.
 *
 * Cost: this runs once per result of a bulk conversion (about 4,700
 * instructions for a ping result), so:
 * - the result, its arena and the copy are one malloc, sized so that a
 *   ping's arena needs no second one;
 * - strings are scanned 8 bytes at a time (plain_run);
 * - known keys are matched, closing quote included, after a switch on
 *   their first byte, so they are never scanned; only unknown keys are;
 * - whitespace (which Atlas never writes between tokens, but which is
 *   accepted) is looked for only where the expected byte is missing;
 * - integers and short decimals are read before anything general, and
 *   the locale is looked at only before strtod, which most results never
 *   reach;
 * - a {"rtt":N} packet, nearly every ping packet, skips the member walk.
 */
#include "fast_result_int.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap_arena_int.h"

/* Skipped values (unknown keys) may nest this deep, no more. */
#define SKIP_DEPTH 16

/* Zero bytes after the copy's NUL, so that a load of up to PAD + 1 bytes
 * starting at or before the NUL stays inside the copy (plain_run loads 8
 * bytes, key matchers up to 10, rtt_only 7, looks_like_hops 8). */
#define PAD 16

enum fv_kind { FV_ABSENT = 0, FV_STR, FV_INT, FV_DBL, FV_LIT, FV_OBJ, FV_ARR };

/* One scalar JSON value as json-c would have typed it. Small (16 bytes),
 * since every object zeroes an array of them. */
struct fv {
	enum fv_kind kind;
	union {
		const char *s; /* FV_STR */
		int64_t i;     /* FV_INT */
		double d;      /* FV_DBL */
	};
};

struct fp {
	char *p;   /* cursor in the arena copy (NUL-terminated) */
	char *end; /* the terminating NUL */
	struct ap_arena *a;
	int bail;  /* set on decline; every step checks it */
};

static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,
			       1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
			       1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
			       1e18, 1e19, 1e20, 1e21, 1e22};

/* --- whitespace --------------------------------------------------------- */

static char *ws_skip(char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Skips whitespace. Every token starts with a byte above ' ', and Atlas
 * writes none between tokens, so one comparison usually decides. */
static inline char *ws(char *p)
{
	return (unsigned char)*p > ' ' ? p : ws_skip(p);
}

/* p when *p is c, else the first byte after whitespace at p: where the
 * next byte is known, whitespace costs nothing until it is there. */
static inline char *at(char *p, char c)
{
	return *p == c ? p : ws_skip(p);
}

/* --- strings, 8 bytes at a time ----------------------------------------- */

#define ONES UINT64_C(0x0101010101010101)
#define HIGH UINT64_C(0x8080808080808080)
#define LOW7 UINT64_C(0x7f7f7f7f7f7f7f7f)

static inline uint64_t load8(const char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w)); /* unaligned and alias-safe */
	return w;
}

/*
 * The top bit of each byte of w that ends a plain string run ('"', '\\',
 * below 0x20 or from 0x80), and no other bit. Every sum stays inside its
 * byte (7-bit value plus at most 0x7f), so no carry crosses bytes and the
 * answer is exact for every byte, whatever the byte order.
 */
static inline uint64_t special(uint64_t w)
{
	uint64_t lo = w & LOW7;
	uint64_t ctl = ~(lo + ONES * (0x80 - 0x20));   /* lo < 0x20 */
	uint64_t quote = ~((lo ^ (ONES * '"')) + LOW7); /* lo == '"' */
	uint64_t bsl = ~((lo ^ (ONES * '\\')) + LOW7); /* lo == '\\' */

	return (w | ctl | quote | bsl) & HIGH;
}

/* Index (in memory order) of the first byte flagged in m != 0. */
static inline size_t first_flagged(uint64_t m)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(m) / 8;
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (size_t)__builtin_clzll(m) / 8;
#else
	/* unknown byte order: find the byte itself */
	unsigned char b[8];
	size_t i = 0;

	memcpy(b, &m, sizeof(b));
	while (b[i] == 0)
		i++;
	return i;
#endif
}

/*
 * Length of the run of plain bytes at s, which lies inside the arena
 * copy. The copy ends with a NUL (special) and PAD more bytes, so a load
 * that starts at or before the NUL is in bounds, and one that finds no
 * special byte cannot have reached the NUL.
 */
static inline size_t plain_run(const char *s)
{
	const char *q = s;
	uint64_t m;

	while ((m = special(load8(q))) == 0)
		q += 8;
	return (size_t)(q - s) + first_flagged(m);
}

/*
 * A string without escapes, control or non-ASCII bytes at p (*p == '"').
 * Returns the position after it, or NULL to decline. The string is
 * NUL-terminated in place (over its closing quote) and goes to *s.
 */
static inline char *scan_string(char *p, const char **s)
{
	char *q = p + 1;
	size_t n = plain_run(q);

	if (q[n] != '"')
		return NULL;
	q[n] = '\0';
	*s = q;
	return q + n + 1;
}

/* --- numbers ------------------------------------------------------------ */

/* Value of the decimal digit c, or a number above 9. */
static inline unsigned digit(char c)
{
	return (unsigned)(unsigned char)c - '0';
}

/*
 * A JSON number at p, strictly by the grammar; returns the position after
 * it, or NULL to decline. Integers (no '.', 'e', 'E') of up to 18 digits
 * become FV_INT as in json-c (so "-0" is int 0). Other numbers become
 * FV_DBL: where mantissa x 10^e is exact in doubles (<= 15 significant
 * digits, |e| <= 22: Clinger's fast path) computed here, which is then
 * exactly what strtod gives; otherwise by strtod itself. scan_number
 * handles the common shapes first and comes here for the rest.
 */
static char *scan_number_full(char *p, struct fv *v)
{
	char *start = p;
	int neg = 0, ndig = 0, frac = 0, is_dbl = 0;
	uint64_t m = 0;
	int e10 = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (*p == '0') {
		p++;
		if (*p >= '0' && *p <= '9')
			return NULL;
	} else if (*p >= '1' && *p <= '9') {
		while (*p >= '0' && *p <= '9') {
			if (++ndig > 18)
				return NULL;
			m = m * 10 + (uint64_t)(*p - '0');
			p++;
		}
	} else {
		return NULL;
	}
	if (*p == '.') {
		is_dbl = 1;
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9') {
			if (m != 0 || *p != '0') {
				if (++ndig > 40)
					return NULL;
			}
			if (ndig <= 18)
				m = m * 10 + (uint64_t)(*p - '0');
			frac++;
			p++;
			if (frac > 30)
				return NULL;
		}
	}
	if (*p == 'e' || *p == 'E') {
		int eneg = 0, ex = 0, nex = 0;

		is_dbl = 1;
		p++;
		if (*p == '+' || *p == '-') {
			eneg = *p == '-';
			p++;
		}
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9') {
			if (++nex > 3)
				return NULL;
			ex = ex * 10 + (*p - '0');
			p++;
		}
		e10 = eneg ? -ex : ex;
	}
	if (is_dbl && (ndig > 15 || (m != 0 && (e10 - frac > 22 ||
						  e10 - frac < -22)))) {
		/* Not exact by Clinger's fast path: strtod, as json-c does.
		 * json-c parses in the C locale; strtod reads the current
		 * one, so decline unless its decimal point is "." (checked
		 * here, not per result: most results never get here). */
		char tmp[64], *endp;
		size_t tl = (size_t)(p - start);
		const char *dp = localeconv()->decimal_point;

		if (dp == NULL || dp[0] != '.' || dp[1] != '\0')
			return NULL;
		if (tl >= sizeof(tmp))
			return NULL;
		memcpy(tmp, start, tl);
		tmp[tl] = '\0';
		errno = 0;
		v->d = strtod(tmp, &endp);
		/* over/underflow: leave json-c's own handling to json-c */
		if (endp != tmp + tl || !isfinite(v->d) || errno != 0)
			return NULL;
		v->kind = FV_DBL;
		return p;
	}
	if (!is_dbl) {
		v->kind = FV_INT;
		v->i = neg ? -(int64_t)m : (int64_t)m;
	} else {
		double d;

		if (ndig > 15)
			return NULL;
		e10 -= frac;
		if (m == 0) {
			d = 0.0;
		} else {
			if (e10 > 22 || e10 < -22)
				return NULL;
			d = (double)m;
			d = e10 >= 0 ? d * POW10[e10] : d / POW10[-e10];
		}
		v->kind = FV_DBL;
		v->d = neg ? -d : d;
	}
	return p;
}

/*
 * The shapes Atlas writes: an integer, or [-]digits.digits with at most
 * 15 digits in all and no exponent. The result is the one
 * scan_number_full gives (same mantissa, same power of ten, one
 * correctly rounded operation); every other shape, including every
 * error, goes to scan_number_full from the start.
 */
static char *scan_number(char *p, struct fv *v)
{
	char *start = p, *digits;
	uint64_t m = 0;
	unsigned d;
	int neg = *p == '-';
	size_t nint, nfrac;
	double x;

	p += neg;
	digits = p;
	if (*p == '0')
		p++; /* a leading zero stands alone (checked below) */
	else
		while ((d = digit(*p)) <= 9) {
			m = m * 10 + d;
			p++;
		}
	nint = (size_t)(p - digits);
	if (nint == 0 || nint > 18 || digit(*p) <= 9)
		return scan_number_full(start, v); /* none, long, or "01" */
	if (*p != '.') {
		if (*p == 'e' || *p == 'E')
			return scan_number_full(start, v);
		v->kind = FV_INT;
		v->i = neg ? -(int64_t)m : (int64_t)m;
		return p;
	}
	digits = ++p;
	while ((d = digit(*p)) <= 9) {
		m = m * 10 + d;
		p++;
	}
	nfrac = (size_t)(p - digits);
	if (nfrac == 0 || nint + nfrac > 15 || *p == 'e' || *p == 'E')
		return scan_number_full(start, v);
	/* m < 10^15 and nfrac <= 15: both exact, one rounding */
	x = m == 0 ? 0.0 : (double)m / POW10[nfrac];
	v->kind = FV_DBL;
	v->d = neg ? -x : x;
	return p;
}

/* --- any value ---------------------------------------------------------- */

static inline char *scan_value(char *p, struct fv *v, int depth);

/*
 * Validates and skips an object or array at p (*p == '{' or '['), its
 * values nested `depth` deep; returns the position after it, or NULL to
 * decline.
 */
static char *skip_container(char *p, int depth, char close)
{
	struct fv v;

	if (depth > SKIP_DEPTH)
		return NULL;
	p = ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			const char *k;

			if (*p != '"')
				return NULL;
			p = scan_string(p, &k);
			if (p == NULL)
				return NULL;
			p = ws(p);
			if (*p != ':')
				return NULL;
			p = ws(p + 1);
		}
		p = scan_value(p, &v, depth + 1);
		if (p == NULL)
			return NULL;
		p = ws(p);
		if (*p == ',') {
			p = ws(p + 1);
			continue;
		}
		if (*p == close)
			return p + 1;
		return NULL;
	}
}

/* A literal (true, false, null) at p; memcmp may read past the end of
 * the copy's text, but not past its PAD bytes. */
static char *scan_literal(char *p, struct fv *v, const char *lit, size_t n)
{
	if (memcmp(p, lit, n) != 0)
		return NULL;
	v->kind = FV_LIT;
	return p + n;
}

/* The rarer values: containers (validated and skipped) and literals. */
static char *scan_other(char *p, struct fv *v, int depth)
{
	switch (*p) {
	case '{':
		v->kind = FV_OBJ;
		return skip_container(p, depth, '}');
	case '[':
		v->kind = FV_ARR;
		return skip_container(p, depth, ']');
	case 't':
		return scan_literal(p, v, "true", 4);
	case 'f':
		return scan_literal(p, v, "false", 5);
	case 'n':
		return scan_literal(p, v, "null", 4);
	case ' ':
	case '\t':
	case '\n':
	case '\r':
		return scan_value(ws_skip(p), v, depth); /* once: no ws then */
	default:
		return NULL;
	}
}

/* Any value at p, after optional whitespace, into v; returns the position
 * after it, or NULL to decline. Strings and numbers, nearly all values,
 * come first; inline, so that they cost no call of their own. */
static inline char *scan_value(char *p, struct fv *v, int depth)
{
	if (*p == '"') {
		v->kind = FV_STR;
		return scan_string(p, &v->s);
	}
	if (*p == '-' || digit(*p) <= 9)
		return scan_number(p, v);
	return scan_other(p, v, depth);
}

/* --- the rj_* readers of result_json.c, over struct fv --------------- */

static int64_t fv_int(struct fp *f, const struct fv *v, int64_t dflt)
{
	double d;

	switch (v->kind) {
	case FV_INT:
		return v->i;
	case FV_DBL:
		d = v->d;
		break;
	case FV_STR:
		f->bail = 1; /* a number in a string: json-c path */
		return dflt;
	default:
		return dflt;
	}
	if (!isfinite(d) || d >= 9.2e18 || d <= -9.2e18)
		return dflt;
	return (int64_t)d;
}

static double fv_double(struct fp *f, const struct fv *v)
{
	switch (v->kind) {
	case FV_INT:
		return (double)v->i;
	case FV_DBL:
		return isfinite(v->d) ? v->d : NAN;
	case FV_STR:
		f->bail = 1;
		return NAN;
	default:
		return NAN;
	}
}

static const char *fv_str(const struct fv *v)
{
	return v->kind == FV_STR ? v->s : NULL;
}

static const char *fv_text(struct fp *f, const struct fv *v)
{
	char tmp[32];
	int n;

	switch (v->kind) {
	case FV_STR:
		return v->s;
	case FV_INT:
		n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v->i);
		{
			const char *s = ap_arena_strndup(f->a, tmp, (size_t)n);

			if (s == NULL)
				f->bail = 2;
			return s;
		}
	default:
		return NULL;
	}
}

/* --- object walking with known keys ---------------------------------- */

/*
 * Matches the key that starts at k (after its opening quote) against the
 * known keys, closing quote included, so that a match also gives the
 * key's length (*n) without scanning it. Returns the key's slot (>= 0),
 * or -1 for any other key, which the caller scans and whose value it
 * validates and skips. k lies in the copy, whose PAD zero bytes keep
 * these fixed-size compares in bounds.
 */
typedef int (*key_fn)(const char *k, size_t *n);

/* In a key matcher: if k is the key lit (and its closing quote), the key
 * is slot. A fixed-size memcmp, which the compiler inlines. */
#define KEY(lit, slot)                                                   \
	do {                                                             \
		if (memcmp(k, lit "\"", sizeof(lit)) == 0) {            \
			*n = sizeof(lit) - 1;                            \
			return (slot);                                   \
		}                                                        \
	} while (0)

/* --- ping ------------------------------------------------------------- */

enum { PK_X, PK_DUP, PK_ERROR, PK_RTT, PK_TTL, PK_N };

static int ping_pkt_key(const char *k, size_t *n)
{
	switch (k[0]) {
	case 'r': KEY("rtt", PK_RTT); break;
	case 'x': KEY("x", PK_X); break;
	case 'd': KEY("dup", PK_DUP); break;
	case 't': KEY("ttl", PK_TTL); break;
	case 'e': KEY("error", PK_ERROR); break;
	default: break;
	}
	return -1;
}

enum { RP_X, RP_FROM, RP_RTT, RP_ERR, RP_TTL, RP_LATE, RP_DUP, RP_ICMPEXT,
       RP_N };

static int reply_key(const char *k, size_t *n)
{
	switch (k[0]) {
	case 'f': KEY("from", RP_FROM); break;
	case 't': KEY("ttl", RP_TTL); break;
	case 'r': KEY("rtt", RP_RTT); break;
	case 'x': KEY("x", RP_X); break;
	case 'e': KEY("err", RP_ERR); break;
	case 'l': KEY("late", RP_LATE); break;
	case 'd': KEY("dup", RP_DUP); break;
	case 'i': KEY("icmpext", RP_ICMPEXT); break;
	default: break;
	}
	return -1;
}

enum { HP_HOP, HP_ERROR, HP_RESULT, HP_N };

static int hop_key(const char *k, size_t *n)
{
	switch (k[0]) {
	case 'h': KEY("hop", HP_HOP); break;
	case 'r': KEY("result", HP_RESULT); break;
	case 'e': KEY("error", HP_ERROR); break;
	default: break;
	}
	return -1;
}

/*
 * Reads the members of an object into vals by key_fn; f->p is on the
 * first key (after '{' and whitespace). Returns 0 when the object ended
 * (f->p after its '}'), or 1 when it stopped at the key `array_slot`
 * (or -1) whose value is an array: f->p is on its '[', for the caller to
 * read and then resume with after_member(). A known key twice declines.
 * Inline, so that each caller's kf is a direct call.
 */
static inline int walk_members(struct fp *f, key_fn kf, struct fv *vals,
			       int array_slot)
{
	char *p = f->p;

	for (;;) {
		const char *k;
		size_t kn;
		int slot;

		p = at(p, '"');
		if (*p != '"')
			goto decline;
		k = p + 1;
		slot = kf(k, &kn);
		if (slot < 0) {
			/* an unknown key: find its end, and check it */
			kn = plain_run(k);
			if (k[kn] != '"')
				goto decline;
		}
		p = at(p + kn + 2, ':');
		if (*p != ':')
			goto decline;
		p++; /* scan_value skips whitespace before the value */
		if (slot < 0) {
			struct fv skipped;

			p = scan_value(p, &skipped, 2);
		} else if (vals[slot].kind != FV_ABSENT) {
			goto decline; /* duplicate key */
		} else if (slot == array_slot) {
			p = ws(p);
			if (*p != '[')
				goto decline;
			vals[slot].kind = FV_ARR;
			f->p = p;
			return 1;
		} else {
			p = scan_value(p, &vals[slot], 2);
		}
		if (p == NULL)
			goto decline;
		if (*p != ',' && *p != '}')
			p = ws_skip(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '}') {
			f->p = p + 1;
			return 0;
		}
		goto decline;
	}
decline:
	f->bail = 1;
	return 0;
}

/* After a nested array value: ',' more members, or '}'. Returns 1 when
 * more members follow (cursor on the next key). */
static int after_member(struct fp *f)
{
	char *p = ws(f->p);

	if (*p == ',') {
		f->p = ws(p + 1);
		return 1;
	}
	if (*p == '}') {
		f->p = p + 1;
		return 0;
	}
	f->bail = 1;
	return 0;
}

/* Reads a whole object of scalar/skipped members. *f->p == '{'. */
static void read_flat(struct fp *f, key_fn kf, struct fv *vals)
{
	f->p = ws(f->p + 1);
	if (*f->p == '}') {
		f->p++;
		return;
	}
	walk_members(f, kf, vals, -1);
}

/* Room for n elements of size bytes in the arena, not zeroed: every
 * element reader sets every field. NULL (and bail 2) when out of memory. */
static void *alloc_array(struct fp *f, size_t n, size_t size)
{
	void *p = n <= SIZE_MAX / size ? ap_arena_alloc(f->a, n * size) : NULL;

	if (p == NULL)
		f->bail = 2;
	return p;
}

/* A growable array in the arena. */
static void *grow(struct fp *f, void *old, size_t n, size_t *cap,
		  size_t size)
{
	size_t ncap = *cap * 2;
	void *p = alloc_array(f, ncap, size);

	if (p == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, old, n * size);
	*cap = ncap;
	return p;
}

/*
 * Reads a JSON array of objects (*f->p == '[') into a new arena array of
 * elements of `size` bytes, each filled (every field) by read_elem; *out
 * and *n get the
 * array and its length. cap is the first allocation (grown by doubling).
 */
static void read_array(struct fp *f, size_t size, size_t cap,
		       void (*read_elem)(struct fp *f, void *elem),
		       void **out, size_t *n_out)
{
	size_t n = 0;
	unsigned char *v = alloc_array(f, cap, size);

	if (v == NULL)
		return;
	f->p = ws(f->p + 1);
	if (*f->p != ']') {
		for (;;) {
			if (n == cap) {
				v = grow(f, v, n, &cap, size);
				if (v == NULL)
					return;
			}
			read_elem(f, v + n * size);
			if (f->bail)
				return;
			n++;
			f->p = ws(f->p);
			if (*f->p == ',') {
				f->p = ws(f->p + 1);
				continue;
			}
			if (*f->p == ']')
				break;
			f->bail = 1;
			return;
		}
	}
	f->p++;
	*out = v;
	*n_out = n;
}

/*
 * Nearly every packet is exactly {"rtt":N}: reads that shape at p into
 * *rtt without the member walk, which costs more than the rest of such a
 * packet. Returns the position after it, or NULL for any other text
 * (whitespace included), which the caller then reads in full; *rtt may
 * be written either way. The memcmp stays in bounds thanks to PAD.
 */
static char *rtt_only(char *p, struct fv *rtt)
{
	if (memcmp(p, "{\"rtt\":", 7) != 0)
		return NULL;
	p = scan_number(p + 7, rtt);
	return p != NULL && *p == '}' ? p + 1 : NULL;
}

static void read_ping_packet(struct fp *f, struct ap_ping_packet *pk)
{
	struct fv v[PK_N];
	char *end;

	memset(v, 0, sizeof(v));
	if (*f->p != '{') {
		f->bail = 1; /* "malformed packet entry": json-c path */
		return;
	}
	end = rtt_only(f->p, &v[PK_RTT]);
	if (end != NULL) {
		f->p = end;
	} else {
		memset(v, 0, sizeof(v));
		read_flat(f, ping_pkt_key, v);
	}
	if (f->bail)
		return;
	pk->timeout = v[PK_X].kind != FV_ABSENT;
	pk->dup = v[PK_DUP].kind != FV_ABSENT;
	pk->error = NULL;
	if (v[PK_ERROR].kind != FV_ABSENT) {
		pk->error = fv_str(&v[PK_ERROR]);
		if (pk->error == NULL)
			pk->error = "error";
	}
	pk->rtt_ms = fv_double(f, &v[PK_RTT]);
	pk->ttl = fv_int(f, &v[PK_TTL], -1);
}

static void read_ping_packet_v(struct fp *f, void *elem)
{
	read_ping_packet(f, elem);
}

/* The ping `result` array; *f->p == '['. */
static void read_ping_result(struct fp *f, struct ap_ping *pg)
{
	void *v = NULL;

	read_array(f, sizeof(*pg->packets), 4, read_ping_packet_v, &v,
		   &pg->n_packets);
	pg->packets = v;
}

static void read_reply(struct fp *f, struct ap_trace_reply *rp)
{
	struct fv v[RP_N];

	memset(v, 0, sizeof(v));
	if (*f->p != '{') {
		f->bail = 1;
		return;
	}
	read_flat(f, reply_key, v);
	if (f->bail)
		return;
	rp->timeout = v[RP_X].kind != FV_ABSENT;
	rp->from = fv_str(&v[RP_FROM]);
	rp->rtt_ms = fv_double(f, &v[RP_RTT]);
	rp->err = NULL;
	if (v[RP_ERR].kind != FV_ABSENT) {
		rp->err = fv_text(f, &v[RP_ERR]);
		if (rp->err == NULL)
			rp->err = "error";
	}
	rp->ttl = fv_int(f, &v[RP_TTL], -1);
	rp->late = v[RP_LATE].kind != FV_ABSENT;
	rp->dup = v[RP_DUP].kind != FV_ABSENT;
	rp->icmpext = v[RP_ICMPEXT].kind == FV_OBJ;
}

static void read_reply_v(struct fp *f, void *elem)
{
	read_reply(f, elem);
}

/* A hop's `result` array; *f->p == '['. */
static void read_replies(struct fp *f, struct ap_trace_hop *h)
{
	void *v = NULL;

	read_array(f, sizeof(*h->replies), 4, read_reply_v, &v,
		   &h->n_replies);
	h->replies = v;
}

static void read_hop(struct fp *f, struct ap_trace_hop *h)
{
	struct fv v[HP_N];

	memset(v, 0, sizeof(v));
	if (*f->p != '{') {
		f->bail = 1;
		return;
	}
	/* no result: n_replies 0, replies NULL, as parse_traceroute.c */
	h->n_replies = 0;
	h->replies = NULL;
	f->p = ws(f->p + 1);
	if (*f->p != '}') {
		while (walk_members(f, hop_key, v, HP_RESULT) == 1) {
			read_replies(f, h);
			if (f->bail || !after_member(f))
				break;
		}
	} else {
		f->p++;
	}
	if (f->bail)
		return;
	h->hop = fv_int(f, &v[HP_HOP], -1);
	h->error = NULL;
	if (v[HP_ERROR].kind != FV_ABSENT) {
		h->error = fv_text(f, &v[HP_ERROR]);
		if (h->error == NULL)
			h->error = "error";
	}
}

static void read_hop_v(struct fp *f, void *elem)
{
	read_hop(f, elem);
}

/* The traceroute `result` array; *f->p == '['. */
static void read_trace_result(struct fp *f, struct ap_traceroute *t)
{
	void *v = NULL;

	read_array(f, sizeof(*t->hops), 32, read_hop_v, &v, &t->n_hops);
	t->hops = v;
}

/* --- top level --------------------------------------------------------- */

enum {
	TK_TYPE, TK_MSM_ID, TK_PRB_ID, TK_TIMESTAMP, TK_FW, TK_ADDR,
	TK_DST_ADDR, TK_NAME, TK_DST_NAME, TK_AF, TK_PF, TK_SRC_ADDR,
	TK_FROM, TK_PROTO, TK_LTS, TK_DNSERR, TK_ERR, TK_ERROR, TK_SENT,
	TK_RCVD, TK_DUP, TK_AVG, TK_MIN, TK_MAX, TK_TTL, TK_SIZE, TK_ENDTIME,
	TK_PARIS_ID, TK_RESULT, TK_N
};

/* Known top-level keys, by first byte (every result has about 25 keys,
 * so this runs more often than anything but the byte loops); the most
 * frequent first where keys share a first byte. */
static int top_key(const char *k, size_t *n)
{
	switch (k[0]) {
	case 'a':
		KEY("af", TK_AF);
		KEY("avg", TK_AVG);
		KEY("addr", TK_ADDR);
		break;
	case 'd':
		KEY("dst_addr", TK_DST_ADDR);
		KEY("dst_name", TK_DST_NAME);
		KEY("dup", TK_DUP);
		KEY("dnserr", TK_DNSERR);
		break;
	case 'e':
		KEY("endtime", TK_ENDTIME);
		KEY("err", TK_ERR);
		KEY("error", TK_ERROR);
		break;
	case 'f':
		KEY("fw", TK_FW);
		KEY("from", TK_FROM);
		break;
	case 'l':
		KEY("lts", TK_LTS);
		break;
	case 'm':
		KEY("msm_id", TK_MSM_ID);
		KEY("min", TK_MIN);
		KEY("max", TK_MAX);
		break;
	case 'n':
		KEY("name", TK_NAME);
		break;
	case 'p':
		KEY("prb_id", TK_PRB_ID);
		KEY("proto", TK_PROTO);
		KEY("paris_id", TK_PARIS_ID);
		KEY("pf", TK_PF);
		break;
	case 'r':
		KEY("result", TK_RESULT);
		KEY("rcvd", TK_RCVD);
		break;
	case 's':
		KEY("src_addr", TK_SRC_ADDR);
		KEY("size", TK_SIZE);
		KEY("sent", TK_SENT);
		break;
	case 't':
		KEY("timestamp", TK_TIMESTAMP);
		KEY("type", TK_TYPE);
		KEY("ttl", TK_TTL);
		break;
	default:
		break;
	}
	return -1;
}

/* first_str of ap_result.c */
static const char *first_str(const struct fv *v1, const struct fv *v2)
{
	const char *s = fv_str(v1);

	if (s == NULL || s[0] == '\0')
		s = fv_str(v2);
	return (s != NULL && s[0] != '\0') ? s : NULL;
}

/* Does the array at p look like traceroute hops ([{"hop" ...)? */
static int looks_like_hops(const char *p)
{
	p++;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p != '{')
		return 0;
	p++;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	/* hop objects start with "hop" (or "result"); ping packets have
	 * neither key. A wrong guess only declines (type checked later). */
	return memcmp(p, "\"hop\"", 5) == 0 ||
	       memcmp(p, "\"result\"", 8) == 0; /* in bounds: PAD */
}

enum fast_status fast_result_parse(const char *json, size_t len,
				   struct ap_result *r, struct ap_arena *a)
{
	struct fp f;
	struct fv v[TK_N];
	struct ap_result_base *b = &r->base;
	struct ap_ping pg;
	struct ap_traceroute tr;
	enum ap_result_type guess = 0;
	char *copy;
	const char *type;
	int64_t af;

	if (len == 0 || len > (size_t)INT32_MAX)
		return FAST_DECLINE;
	/* the NUL and PAD zero bytes end every scan (see plain_run) */
	copy = ap_arena_alloc(a, len + 1 + PAD);
	if (copy == NULL)
		return FAST_ENOMEM;
	memcpy(copy, json, len);
	memset(copy + len, 0, 1 + PAD);
	memset(v, 0, sizeof(v));
	memset(&pg, 0, sizeof(pg));
	memset(&tr, 0, sizeof(tr));
	f.p = copy;
	f.end = copy + len;
	f.a = a;
	f.bail = 0;

	f.p = ws(f.p);
	if (*f.p != '{')
		return FAST_DECLINE;
	f.p = ws(f.p + 1);
	if (*f.p == '}') {
		f.p++;
	} else {
		while (walk_members(&f, top_key, v, TK_RESULT) == 1) {
			/* the type usually comes last: guess the shape */
			type = fv_str(&v[TK_TYPE]);
			if (type != NULL)
				guess = strcmp(type, "ping") == 0
						? AP_RESULT_PING
						: strcmp(type, "traceroute") == 0
							  ? AP_RESULT_TRACEROUTE
							  : 0;
			else
				guess = looks_like_hops(f.p)
						? AP_RESULT_TRACEROUTE
						: AP_RESULT_PING;
			if (guess == AP_RESULT_PING)
				read_ping_result(&f, &pg);
			else if (guess == AP_RESULT_TRACEROUTE)
				read_trace_result(&f, &tr);
			else
				f.bail = 1;
			if (f.bail || !after_member(&f))
				break;
		}
	}
	if (f.bail)
		return f.bail == 2 ? FAST_ENOMEM : FAST_DECLINE;
	f.p = ws(f.p);
	if (f.p != f.end)
		return FAST_DECLINE;

	/* read_base of ap_result.c */
	type = fv_str(&v[TK_TYPE]);
	if (type == NULL)
		return FAST_DECLINE;
	if (strcmp(type, "ping") == 0)
		b->type = AP_RESULT_PING;
	else if (strcmp(type, "traceroute") == 0)
		b->type = AP_RESULT_TRACEROUTE;
	else
		return FAST_DECLINE;
	if (v[TK_RESULT].kind != FV_ABSENT && guess != b->type)
		return FAST_DECLINE; /* guessed wrong: json-c path */
	if (v[TK_RESULT].kind == FV_ABSENT &&
	    b->type == AP_RESULT_TRACEROUTE)
		return FAST_DECLINE; /* result_not_list: json-c path */
	b->msm_id = fv_int(&f, &v[TK_MSM_ID], -1);
	b->prb_id = fv_int(&f, &v[TK_PRB_ID], -1);
	b->timestamp = fv_int(&f, &v[TK_TIMESTAMP], -1);
	if (b->msm_id < 0 || b->prb_id < 0 || b->timestamp < 0)
		return FAST_DECLINE; /* the json-c path words the error */
	b->fw = fv_int(&f, &v[TK_FW], -1);
	if (b->fw > 0 && b->fw < 4460)
		return FAST_DECLINE; /* legacy firmware */
	b->dst_addr = first_str(&v[TK_DST_ADDR], &v[TK_ADDR]);
	b->dst_name = first_str(&v[TK_DST_NAME], &v[TK_NAME]);
	if (b->dst_name == NULL)
		b->dst_name = b->dst_addr;
	af = fv_int(&f, &v[TK_AF], -1);
	if (af != 4 && af != 6)
		af = fv_int(&f, &v[TK_PF], -1);
	if (af == 4 || af == 6)
		b->af = (int)af;
	else
		b->af = (b->dst_addr != NULL && strchr(b->dst_addr, ':') != NULL)
				? 6
				: 4;
	b->src_addr = fv_str(&v[TK_SRC_ADDR]);
	b->from = fv_str(&v[TK_FROM]);
	b->proto = fv_str(&v[TK_PROTO]);
	b->lts = fv_int(&f, &v[TK_LTS], -1);
	if (b->lts < 0)
		b->lts = -1;
	b->failure = AP_FAIL_NONE;
	b->failure_text = NULL;
	{
		const char *s;

		if ((s = fv_str(&v[TK_DNSERR])) != NULL) {
			b->failure = AP_FAIL_RESOLVE;
			b->failure_text = s;
		} else if ((s = fv_str(&v[TK_ERR])) != NULL) {
			b->failure = AP_FAIL_OTHER;
			b->failure_text = s;
		} else if ((s = fv_str(&v[TK_ERROR])) != NULL) {
			b->failure = AP_FAIL_OTHER;
			b->failure_text = s;
		}
	}

	if (b->type == AP_RESULT_PING) {
		/* parse_ping.c */
		pg.sent = fv_int(&f, &v[TK_SENT], -1);
		pg.rcvd = fv_int(&f, &v[TK_RCVD], -1);
		pg.dup = fv_int(&f, &v[TK_DUP], -1);
		pg.avg_ms = fv_double(&f, &v[TK_AVG]);
		pg.min_ms = fv_double(&f, &v[TK_MIN]);
		pg.max_ms = fv_double(&f, &v[TK_MAX]);
		if (!(pg.avg_ms >= 0.0)) {
			pg.avg_ms = NAN;
			pg.min_ms = NAN;
			pg.max_ms = NAN;
		}
		if (!(pg.min_ms >= 0.0))
			pg.min_ms = NAN;
		if (!(pg.max_ms >= 0.0))
			pg.max_ms = NAN;
		pg.ttl = fv_int(&f, &v[TK_TTL], -1);
		pg.size = fv_int(&f, &v[TK_SIZE], -1);
		r->u.ping = pg;
	} else {
		/* parse_traceroute.c */
		tr.endtime = fv_int(&f, &v[TK_ENDTIME], -1);
		tr.paris_id = fv_int(&f, &v[TK_PARIS_ID], -1);
		tr.size = fv_int(&f, &v[TK_SIZE], -1);
		tr.result_not_list = false;
		r->u.traceroute = tr;
	}
	if (f.bail)
		return f.bail == 2 ? FAST_ENOMEM : FAST_DECLINE;
	return FAST_OK;
}

/*
 * Size of the arena's first chunk for an input of len bytes: the result,
 * the copy, and room for the arrays. A ping (under 1 KB, 3 packets) needs
 * about 128 bytes of arrays, so its whole arena stays small enough for
 * the allocator's fast path for small blocks (glibc's tcache, up to about
 * 1 KB): one cheap malloc per result. A traceroute's hops and replies
 * take about 1.3 times its text; capped so that a huge input does not
 * reserve twice its size. More chunks follow when needed.
 */
static size_t first_chunk(size_t len)
{
	size_t arrays = len < 1024 ? 128 : len < 65536 ? len + len / 2 : 65536;

	return sizeof(struct ap_result) + len + 1 + PAD + arrays + 64;
}

enum fast_status fast_result_new(const char *json, size_t len,
				 struct ap_result **out,
				 struct ap_result_id *id)
{
	struct ap_result *r;
	enum fast_status st;

	struct ap_arena *a;
	void *head;

	*out = NULL;
	if (len > (size_t)INT32_MAX)
		return FAST_DECLINE;
	a = ap_arena_new_head(first_chunk(len), sizeof(*r), &head);
	if (a == NULL)
		return FAST_ENOMEM;
	r = head;
	r->arena = a;
	st = fast_result_parse(json, len, r, a);
	if (st != FAST_OK) {
		ap_arena_free(a);
		return st;
	}
	if (id != NULL) {
		id->msm_id = r->base.msm_id;
		id->prb_id = r->base.prb_id;
		id->timestamp = r->base.timestamp;
	}
	*out = r;
	return FAST_OK;
}

/* SPDX-License-Identifier: MIT */
/*
 * fast_result: a specialised scanner for modern ping and traceroute
 * results (fw >= 4460). It reads a strict, conservative subset of JSON and
 * declines (FAST_DECLINE) on anything else: string escapes, control or
 * non-ASCII bytes in strings, numbers in strings, numbers that are not
 * exactly convertible here (> 15 significant digits for doubles, > 18
 * digits for integers, large exponents), duplicate known keys, known keys
 * of an unexpected JSON type, nesting beyond a small depth, legacy
 * firmware, other result types. What it accepts it interprets with the
 * same rules as ap_result.c / parse_ping.c / parse_traceroute.c /
 * result_json.c, so the struct ap_result is the same as json-c's.
 *
 * The input is copied once into the result's arena (NUL-terminated) and
 * strings are NUL-terminated in place there, so results own their strings
 * and nothing borrows the caller's (reused) record buffer.
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

enum fv_kind { FV_ABSENT = 0, FV_STR, FV_INT, FV_DBL, FV_LIT, FV_OBJ, FV_ARR };

/* One scalar JSON value as json-c would have typed it. */
struct fv {
	enum fv_kind kind;
	const char *s;
	int64_t i;
	double d;
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

static inline void ws(struct fp *f)
{
	char *p = f->p;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	f->p = p;
}

/* A string without escapes, control or non-ASCII bytes; *f->p == '"'.
 * NUL-terminates it in place (over the closing quote). */
static const char *scan_string(struct fp *f, size_t *lenp)
{
	char *s = f->p + 1, *q = s;
	unsigned char c;

	for (;;) {
		c = (unsigned char)*q;
		if (c == '"')
			break;
		if (c < 0x20 || c == '\\' || c >= 0x80) {
			f->bail = 1;
			return NULL;
		}
		q++;
	}
	*q = '\0';
	f->p = q + 1;
	if (lenp != NULL)
		*lenp = (size_t)(q - s);
	return s;
}

/*
 * A JSON number, strictly by the grammar. Integers (no '.', 'e', 'E') of
 * up to 18 digits become FV_INT as in json-c (so "-0" is int 0). Other
 * numbers become FV_DBL only where mantissa x 10^e is exact in doubles
 * (<= 15 significant digits, |e| <= 22: Clinger's fast path), which is
 * then exactly what strtod gives; anything else declines.
 */
static void scan_number(struct fp *f, struct fv *v)
{
	char *p = f->p;
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
			goto bail;
	} else if (*p >= '1' && *p <= '9') {
		while (*p >= '0' && *p <= '9') {
			if (++ndig > 18)
				goto bail;
			m = m * 10 + (uint64_t)(*p - '0');
			p++;
		}
	} else {
		goto bail;
	}
	if (*p == '.') {
		is_dbl = 1;
		p++;
		if (!(*p >= '0' && *p <= '9'))
			goto bail;
		while (*p >= '0' && *p <= '9') {
			if (m != 0 || *p != '0') {
				if (++ndig > 40)
					goto bail;
			}
			if (ndig <= 18)
				m = m * 10 + (uint64_t)(*p - '0');
			frac++;
			p++;
			if (frac > 30)
				goto bail;
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
			goto bail;
		while (*p >= '0' && *p <= '9') {
			if (++nex > 3)
				goto bail;
			ex = ex * 10 + (*p - '0');
			p++;
		}
		e10 = eneg ? -ex : ex;
	}
	if (is_dbl && (ndig > 15 || (m != 0 && (e10 - frac > 22 ||
						  e10 - frac < -22)))) {
		/* Not exact by Clinger's fast path: strtod, as json-c does
		 * (json-c parses in the C locale; decimal_point is checked
		 * to be "." for the whole result in fast_result_parse). */
		char tmp[64], *endp;
		size_t tl = (size_t)(p - f->p);

		if (tl >= sizeof(tmp))
			goto bail;
		memcpy(tmp, f->p, tl);
		tmp[tl] = '\0';
		errno = 0;
		v->d = strtod(tmp, &endp);
		/* over/underflow: leave json-c's own handling to json-c */
		if (endp != tmp + tl || !isfinite(v->d) || errno != 0)
			goto bail;
		v->kind = FV_DBL;
		f->p = p;
		return;
	}
	if (!is_dbl) {
		v->kind = FV_INT;
		v->i = neg ? -(int64_t)m : (int64_t)m;
	} else {
		double d;

		if (ndig > 15)
			goto bail;
		e10 -= frac;
		if (m == 0) {
			d = 0.0;
		} else {
			if (e10 > 22 || e10 < -22)
				goto bail;
			d = (double)m;
			d = e10 >= 0 ? d * POW10[e10] : d / POW10[-e10];
		}
		v->kind = FV_DBL;
		v->d = neg ? -d : d;
	}
	f->p = p;
	return;
bail:
	f->bail = 1;
}

static void skip_value(struct fp *f, int depth);

static void skip_container(struct fp *f, int depth, char close)
{
	if (depth > SKIP_DEPTH) {
		f->bail = 1;
		return;
	}
	f->p++;
	ws(f);
	if (*f->p == close) {
		f->p++;
		return;
	}
	for (;;) {
		if (close == '}') {
			if (*f->p != '"') {
				f->bail = 1;
				return;
			}
			scan_string(f, NULL);
			if (f->bail)
				return;
			ws(f);
			if (*f->p != ':') {
				f->bail = 1;
				return;
			}
			f->p++;
			ws(f);
		}
		skip_value(f, depth + 1);
		if (f->bail)
			return;
		ws(f);
		if (*f->p == ',') {
			f->p++;
			ws(f);
			continue;
		}
		if (*f->p == close) {
			f->p++;
			return;
		}
		f->bail = 1;
		return;
	}
}

static void scan_value(struct fp *f, struct fv *v, int depth)
{
	char c = *f->p;

	switch (c) {
	case '"':
		v->s = scan_string(f, NULL);
		v->kind = FV_STR;
		return;
	case '{':
		skip_container(f, depth, '}');
		v->kind = FV_OBJ;
		return;
	case '[':
		skip_container(f, depth, ']');
		v->kind = FV_ARR;
		return;
	case 't':
		if (strncmp(f->p, "true", 4) != 0)
			break;
		f->p += 4;
		v->kind = FV_LIT;
		return;
	case 'f':
		if (strncmp(f->p, "false", 5) != 0)
			break;
		f->p += 5;
		v->kind = FV_LIT;
		return;
	case 'n':
		if (strncmp(f->p, "null", 4) != 0)
			break;
		f->p += 4;
		v->kind = FV_LIT;
		return;
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			scan_number(f, v);
			return;
		}
		break;
	}
	f->bail = 1;
}

static void skip_value(struct fp *f, int depth)
{
	struct fv v;

	scan_value(f, &v, depth);
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

/* Maps a key to its slot index (>= 0), or -1 for an unknown key (its
 * value is validated and skipped). */
typedef int (*key_fn)(const char *k, size_t n);

/* --- ping ------------------------------------------------------------- */

enum { PK_X, PK_DUP, PK_ERROR, PK_RTT, PK_TTL, PK_N };

static int ping_pkt_key(const char *k, size_t n)
{
	switch (n) {
	case 1:
		return k[0] == 'x' ? PK_X : -1;
	case 3:
		if (memcmp(k, "dup", 3) == 0)
			return PK_DUP;
		if (memcmp(k, "rtt", 3) == 0)
			return PK_RTT;
		if (memcmp(k, "ttl", 3) == 0)
			return PK_TTL;
		return -1;
	case 5:
		return memcmp(k, "error", 5) == 0 ? PK_ERROR : -1;
	default:
		return -1;
	}
}

enum { RP_X, RP_FROM, RP_RTT, RP_ERR, RP_TTL, RP_LATE, RP_DUP, RP_ICMPEXT,
       RP_N };

static int reply_key(const char *k, size_t n)
{
	switch (n) {
	case 1:
		return k[0] == 'x' ? RP_X : -1;
	case 3:
		if (memcmp(k, "rtt", 3) == 0)
			return RP_RTT;
		if (memcmp(k, "ttl", 3) == 0)
			return RP_TTL;
		if (memcmp(k, "err", 3) == 0)
			return RP_ERR;
		if (memcmp(k, "dup", 3) == 0)
			return RP_DUP;
		return -1;
	case 4:
		if (memcmp(k, "from", 4) == 0)
			return RP_FROM;
		if (memcmp(k, "late", 4) == 0)
			return RP_LATE;
		return -1;
	case 7:
		return memcmp(k, "icmpext", 7) == 0 ? RP_ICMPEXT : -1;
	default:
		return -1;
	}
}

enum { HP_HOP, HP_ERROR, HP_RESULT, HP_N };

static int hop_key(const char *k, size_t n)
{
	switch (n) {
	case 3:
		return memcmp(k, "hop", 3) == 0 ? HP_HOP : -1;
	case 5:
		return memcmp(k, "error", 5) == 0 ? HP_ERROR : -1;
	case 6:
		return memcmp(k, "result", 6) == 0 ? HP_RESULT : -1;
	default:
		return -1;
	}
}

/*
 * Reads a flat object (values scalar, or skipped containers) into
 * vals[0..nvals), by key_fn. *f->p == '{'. `array_slot` (or -1) is a key
 * whose value, when an array, is not scanned but left for the caller:
 * its position goes to *array_at and the walk stops there, to be resumed
 * with resume_object().
 */
static int walk_members(struct fp *f, key_fn kf, struct fv *vals,
			int array_slot, char **array_at)
{
	/* returns 1 when stopped at array_slot, 0 when the object ended */
	for (;;) {
		const char *k;
		size_t kn;
		int slot;

		if (*f->p != '"') {
			f->bail = 1;
			return 0;
		}
		k = scan_string(f, &kn);
		if (f->bail)
			return 0;
		ws(f);
		if (*f->p != ':') {
			f->bail = 1;
			return 0;
		}
		f->p++;
		ws(f);
		slot = kf(k, kn);
		if (slot < 0) {
			skip_value(f, 2);
		} else {
			if (vals[slot].kind != FV_ABSENT) {
				f->bail = 1; /* duplicate key */
				return 0;
			}
			if (slot == array_slot) {
				if (*f->p != '[') {
					f->bail = 1;
					return 0;
				}
				vals[slot].kind = FV_ARR;
				*array_at = f->p;
				return 1;
			}
			scan_value(f, &vals[slot], 2);
		}
		if (f->bail)
			return 0;
		ws(f);
		if (*f->p == ',') {
			f->p++;
			ws(f);
			continue;
		}
		if (*f->p == '}') {
			f->p++;
			return 0;
		}
		f->bail = 1;
		return 0;
	}
}

/* After a nested array value: ',' more members, or '}'. Returns 1 when
 * more members follow (cursor on the next key). */
static int after_member(struct fp *f)
{
	ws(f);
	if (*f->p == ',') {
		f->p++;
		ws(f);
		return 1;
	}
	if (*f->p == '}') {
		f->p++;
		return 0;
	}
	f->bail = 1;
	return 0;
}

/* Reads a whole object of scalar/skipped members. *f->p == '{'. */
static void read_flat(struct fp *f, key_fn kf, struct fv *vals)
{
	char *dummy;

	f->p++;
	ws(f);
	if (*f->p == '}') {
		f->p++;
		return;
	}
	walk_members(f, kf, vals, -1, &dummy);
}

/* A growable array in the arena. */
static void *grow(struct fp *f, void *old, size_t n, size_t *cap,
		  size_t size)
{
	size_t ncap = *cap * 2;
	void *p = ap_arena_calloc(f->a, ncap, size);

	if (p == NULL) {
		f->bail = 2;
		return NULL;
	}
	if (n > 0)
		memcpy(p, old, n * size);
	*cap = ncap;
	return p;
}

/*
 * Reads a JSON array of objects (*f->p == '[') into a new arena array of
 * elements of `size` bytes, each filled by read_elem; *out and *n get the
 * array and its length. cap is the first allocation (grown by doubling).
 */
static void read_array(struct fp *f, size_t size, size_t cap,
		       void (*read_elem)(struct fp *f, void *elem),
		       void **out, size_t *n_out)
{
	size_t n = 0;
	unsigned char *v = ap_arena_calloc(f->a, cap, size);

	if (v == NULL) {
		f->bail = 2;
		return;
	}
	f->p++;
	ws(f);
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
			ws(f);
			if (*f->p == ',') {
				f->p++;
				ws(f);
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

static void read_ping_packet(struct fp *f, struct ap_ping_packet *pk)
{
	struct fv v[PK_N];

	memset(v, 0, sizeof(v));
	if (*f->p != '{') {
		f->bail = 1; /* "malformed packet entry": json-c path */
		return;
	}
	read_flat(f, ping_pkt_key, v);
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

	read_array(f, sizeof(*pg->packets), 16, read_ping_packet_v, &v,
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
	char *arr = NULL;

	memset(v, 0, sizeof(v));
	if (*f->p != '{') {
		f->bail = 1;
		return;
	}
	f->p++;
	ws(f);
	if (*f->p != '}') {
		while (walk_members(f, hop_key, v, HP_RESULT, &arr) == 1) {
			read_replies(f, h);
			if (f->bail || !after_member(f))
				break;
		}
	} else {
		f->p++;
	}
	if (f->bail)
		return;
	/* no result: n_replies 0, replies NULL, as parse_traceroute.c */
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

static const struct {
	const char *name;
	size_t len;
} TOP_KEYS[TK_N] = {
#define K(s) {s, sizeof(s) - 1}
	K("type"), K("msm_id"), K("prb_id"), K("timestamp"), K("fw"),
	K("addr"), K("dst_addr"), K("name"), K("dst_name"), K("af"),
	K("pf"), K("src_addr"), K("from"), K("proto"), K("lts"),
	K("dnserr"), K("err"), K("error"), K("sent"), K("rcvd"), K("dup"),
	K("avg"), K("min"), K("max"), K("ttl"), K("size"), K("endtime"),
	K("paris_id"), K("result"),
#undef K
};

/* Known keys by length (-1 ends a list). */
static const signed char BY_LEN[10][8] = {
	{-1}, {-1},
	{TK_FW, TK_AF, TK_PF, -1},
	{TK_LTS, TK_ERR, TK_DUP, TK_AVG, TK_MIN, TK_MAX, TK_TTL, -1},
	{TK_TYPE, TK_ADDR, TK_NAME, TK_FROM, TK_SENT, TK_RCVD, TK_SIZE, -1},
	{TK_PROTO, TK_ERROR, -1},
	{TK_MSM_ID, TK_PRB_ID, TK_DNSERR, TK_RESULT, -1},
	{TK_ENDTIME, -1},
	{TK_DST_ADDR, TK_DST_NAME, TK_SRC_ADDR, TK_PARIS_ID, -1},
	{TK_TIMESTAMP, -1},
};

static int top_key(const char *k, size_t n)
{
	if (n >= sizeof(BY_LEN) / sizeof(BY_LEN[0]))
		return -1;
	for (const signed char *i = BY_LEN[n]; *i >= 0; i++)
		if (k[0] == TOP_KEYS[*i].name[0] &&
		    memcmp(k, TOP_KEYS[*i].name, n) == 0)
			return *i;
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
	return strncmp(p, "\"hop\"", 5) == 0 ||
	       strncmp(p, "\"result\"", 8) == 0;
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
	char *copy, *arr = NULL;
	const char *type;
	int64_t af;

	if (len == 0 || len > (size_t)INT32_MAX)
		return FAST_DECLINE;
	{
		/* strtod below must read '.' as json-c's C locale does */
		const char *dp = localeconv()->decimal_point;

		if (dp == NULL || dp[0] != '.' || dp[1] != '\0')
			return FAST_DECLINE;
	}
	copy = ap_arena_strndup(a, json, len);
	if (copy == NULL)
		return FAST_ENOMEM;
	memset(v, 0, sizeof(v));
	memset(&pg, 0, sizeof(pg));
	memset(&tr, 0, sizeof(tr));
	f.p = copy;
	f.end = copy + len;
	f.a = a;
	f.bail = 0;

	ws(&f);
	if (*f.p != '{')
		return FAST_DECLINE;
	f.p++;
	ws(&f);
	if (*f.p == '}') {
		f.p++;
	} else {
		while (walk_members(&f, top_key, v, TK_RESULT, &arr) == 1) {
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
	ws(&f);
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

enum fast_status fast_result_new(const char *json, size_t len,
				 struct ap_result **out,
				 struct ap_result_id *id)
{
	struct ap_result *r;
	enum fast_status st;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return FAST_ENOMEM;
	r->arena = ap_arena_new();
	if (r->arena == NULL) {
		free(r);
		return FAST_ENOMEM;
	}
	st = fast_result_parse(json, len, r, r->arena);
	if (st != FAST_OK) {
		ap_arena_free(r->arena);
		free(r);
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

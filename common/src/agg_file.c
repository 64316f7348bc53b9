/* SPDX-License-Identifier: MIT */
/*
 * agg_file: ap_agg_save / ap_agg_load. A line-oriented text file, replaced
 * atomically; doubles are written as the hex of their bits, so a reload is
 * exact and no locale is involved. The loader is strict: anything it does
 * not expect is damage, reported with the file and line.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg_int.h"
#include "atomic_file_int.h"

#define AGG_MAGIC "atlasperf-agg 1"
/* A line holds a sample and its three group values (each at most
 * AGG_MAX_VALUE bytes, 3 bytes per byte escaped); longer is damage. */
#define LINE_MAX_LEN 4096
_Static_assert(LINE_MAX_LEN > 400 + 3 * 3 * AGG_MAX_VALUE,
	       "a saved sample line must fit what the loader reads");
#define NAN_TOKEN "-"

/*
 * File layout (one record per line, fields separated by one space):
 *   atlasperf-agg 1
 *   msm_id <id>
 *   interval <s>
 *   floor <start>|none
 *   s <kind> <af> <prb_id> <ts> <sent> <rcvd> <flags> <rtt> <min> <max>
 *     <path> <probe_asn> <probe_cc> <link>        (one line per sample)
 *   w <kind> <af> <start> <clean 0|1>            (one line per window)
 *   end <samples> <windows>
 * kind is ping|traceroute; doubles are 16 hex digits of their IEEE bits or
 * "-" for none; path is hex; group values are "-" for none, else the
 * bytes with space, control characters, '%', bytes >= 0x7f (and a lone
 * "-") written as %XX.
 */

static void agg_path(char *buf, size_t n, const char *dir, int64_t msm_id)
{
	snprintf(buf, n, "%s/msm-%" PRId64 ".agg", dir, msm_id);
}

static void put_double(FILE *f, double v)
{
	uint64_t bits;

	if (isnan(v)) {
		fputs(" " NAN_TOKEN, f);
		return;
	}
	memcpy(&bits, &v, sizeof(bits));
	fprintf(f, " %016" PRIx64, bits);
}

static void put_str(FILE *f, const struct ap_agg *a, uint32_t key)
{
	const unsigned char *s;

	fputc(' ', f);
	if (key == 0) {
		fputs("-", f);
		return;
	}
	s = (const unsigned char *)a->str[key - 1];
	if (strcmp((const char *)s, "-") == 0) {
		fputs("%2D", f);
		return;
	}
	for (; *s != '\0'; s++) {
		if (*s <= 0x20 || *s >= 0x7f || *s == '%')
			fprintf(f, "%%%02X", *s);
		else
			fputc(*s, f);
	}
}

static void write_body(FILE *f, const struct ap_agg *a)
{
	size_t nw = 0;

	fprintf(f, "%s\nmsm_id %" PRId64 "\ninterval %" PRId64 "\n", AGG_MAGIC,
		a->msm_id, a->o.interval_s);
	if (a->floor == INT64_MIN)
		fputs("floor none\n", f);
	else
		fprintf(f, "floor %" PRId64 "\n", a->floor);
	for (size_t i = 0; i < a->n_committed; i++) {
		const struct agg_sample *s = &a->s[i];

		fprintf(f, "s %s %d %" PRId64 " %" PRId64 " %" PRId64
			   " %" PRId64 " %d",
			agg_kind_name(s->kind), s->af, s->prb_id, s->ts,
			s->sent, s->rcvd, s->flags);
		put_double(f, s->rtt_ms);
		put_double(f, s->min_ms);
		put_double(f, s->max_ms);
		fprintf(f, " %" PRIx64, s->path);
		for (int d = 0; d < AP_AGG_MAX_DIMS; d++)
			put_str(f, a, s->key[d]);
		fputc('\n', f);
	}
	for (size_t i = 0; i < a->nw; i++) {
		const struct agg_win *w = &a->w[i];

		if (w->n_committed == 0)
			continue; /* holds pending samples only */
		fprintf(f, "w %s %d %" PRId64 " %d\n", agg_kind_name(w->kind),
			w->af, w->start, w->clean ? 1 : 0);
		nw++;
	}
	fprintf(f, "end %zu %zu\n", a->n_committed, nw);
}

static enum ap_status write_agg(FILE *f, const void *user)
{
	write_body(f, user);
	return AP_OK;
}

enum ap_status ap_agg_save(const char *dir, const struct ap_agg *a,
			   struct ap_err *err)
{
	char path[4096];

	agg_path(path, sizeof(path), dir, a->msm_id);
	return atomic_file_write(path, 0640, write_agg, a, err);
}

/* ---- loading -------------------------------------------------------- */

/* A tokenizer over one line: single spaces between fields. */
struct toks {
	char *p;
};

/* The next field (NUL-terminated in place), or NULL at the end or on an
 * empty field. */
static char *tok_next(struct toks *t)
{
	char *start = t->p;

	if (start == NULL || *start == '\0')
		return NULL;
	while (*t->p != '\0' && *t->p != ' ')
		t->p++;
	if (t->p == start)
		return NULL; /* two spaces in a row */
	if (*t->p == ' ') {
		*t->p++ = '\0';
		if (*t->p == '\0')
			return NULL; /* trailing space */
	}
	return start;
}

static bool parse_i64(const char *s, int64_t *v)
{
	char *end;
	long long x;

	if (s == NULL || *s == '\0' || *s == ' ' || *s == '+')
		return false;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*v = x;
	return true;
}

static bool parse_hex(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (s == NULL || *s == '\0' || strlen(s) > 16)
		return false;
	for (const char *p = s; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	errno = 0;
	x = strtoull(s, &end, 16);
	if (errno != 0 || *end != '\0')
		return false;
	*v = x;
	return true;
}

/* A double: "-" (NaN) or 16 hex digits of a finite value. */
static bool parse_double(const char *s, double *v)
{
	uint64_t bits;

	if (s != NULL && strcmp(s, NAN_TOKEN) == 0) {
		*v = NAN;
		return true;
	}
	if (s == NULL || strlen(s) != 16 || !parse_hex(s, &bits))
		return false;
	memcpy(v, &bits, sizeof(*v));
	return isfinite(*v);
}

static bool parse_kind(const char *s, unsigned char *kind)
{
	if (s != NULL && strcmp(s, "ping") == 0)
		*kind = AGG_PING;
	else if (s != NULL && strcmp(s, "traceroute") == 0)
		*kind = AGG_TRACE;
	else
		return false;
	return true;
}

static bool parse_af(const char *s, unsigned char *af)
{
	if (s != NULL && strcmp(s, "4") == 0)
		*af = 4;
	else if (s != NULL && strcmp(s, "6") == 0)
		*af = 6;
	else
		return false;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes a group value in place; false on bad escapes or a decoded
 * NUL. "-" is none (*key 0). */
static enum ap_status parse_str(struct ap_agg *a, char *s, uint32_t *key,
				bool *ok)
{
	char *o = s;

	*key = 0;
	*ok = false;
	if (s == NULL)
		return AP_OK;
	if (strcmp(s, "-") == 0) {
		*ok = true;
		return AP_OK;
	}
	for (char *p = s; *p != '\0'; p++) {
		if (*p == '%') {
			int hi = hexval(p[1]), lo = hi >= 0 ? hexval(p[2]) : -1;

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return AP_OK;
			*o++ = (char)(hi * 16 + lo);
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	*ok = true;
	return agg_intern(a, s, key);
}

/* One "s ..." line after the "s". */
static enum ap_status read_sample(struct ap_agg *a, struct toks *t,
				  bool *ok)
{
	struct agg_sample x;
	int64_t flags;
	char *f;
	bool added;
	enum ap_status st;

	*ok = false;
	memset(&x, 0, sizeof(x));
	if (!parse_kind(tok_next(t), &x.kind) ||
	    !parse_af(tok_next(t), &x.af) ||
	    !parse_i64(tok_next(t), &x.prb_id) ||
	    !parse_i64(tok_next(t), &x.ts) ||
	    !parse_i64(tok_next(t), &x.sent) ||
	    !parse_i64(tok_next(t), &x.rcvd) ||
	    !parse_i64(tok_next(t), &flags) ||
	    !parse_double(tok_next(t), &x.rtt_ms) ||
	    !parse_double(tok_next(t), &x.min_ms) ||
	    !parse_double(tok_next(t), &x.max_ms) ||
	    !parse_hex(tok_next(t), &x.path))
		return AP_OK;
	if (x.prb_id < 0 || x.ts < 0 || x.ts > AGG_MAX_TS || x.sent < -1 ||
	    x.rcvd < -1 || (x.sent < 0) != (x.rcvd < 0) || x.rcvd > x.sent ||
	    flags < 0 || flags > AGG_FLAGS_ALL)
		return AP_OK;
	x.flags = (unsigned char)flags;
	for (int d = 0; d < AP_AGG_MAX_DIMS; d++) {
		bool sok;

		st = parse_str(a, tok_next(t), &x.key[d], &sok);
		if (st != AP_OK || !sok)
			return st;
	}
	f = tok_next(t);
	if (f != NULL)
		return AP_OK; /* extra field */
	st = agg_insert(a, &x, false, &added);
	if (st != AP_OK)
		return st;
	*ok = added; /* a repeated (prb_id, ts) is damage */
	return AP_OK;
}

/* One "w ..." line after the "w". */
static bool read_window(struct ap_agg *a, struct toks *t, bool same_interval)
{
	unsigned char kind, af;
	int64_t start, clean;
	struct agg_win *w;

	if (!parse_kind(tok_next(t), &kind) || !parse_af(tok_next(t), &af) ||
	    !parse_i64(tok_next(t), &start) ||
	    !parse_i64(tok_next(t), &clean) || tok_next(t) != NULL ||
	    (clean != 0 && clean != 1))
		return false;
	if (!same_interval)
		return true; /* the windows are cut differently now */
	w = agg_win_find(a, kind, af, start);
	if (w == NULL || w->loaded)
		return false;
	w->loaded = true;
	w->clean = clean == 1;
	return true;
}

enum ap_status ap_agg_load(const char *dir, int64_t msm_id,
			   const struct ap_agg_opts *o, struct ap_agg **out,
			   struct ap_err *err)
{
	char eb[AP_ERRNO_TEXT]; /* errno text */
	char path[4096];
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	struct ap_agg *a = NULL;
	enum ap_status st;
	FILE *f = NULL;
	unsigned long lineno = 0;
	int64_t v, interval = -1, floor = INT64_MIN;
	bool have_floor = false, have_msm = false, ended = false;
	bool same = true;

	*out = NULL;
	agg_path(path, sizeof(path), dir, msm_id);
	st = ap_agg_new(&a, msm_id, o, err);
	if (st != AP_OK)
		return st;
	f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT) {
			*out = a;
			return AP_OK;
		}
		st = ap_err_set(err, AP_EIO, "cannot read %s: %s", path,
				ap_errno_text(errno, eb, sizeof(eb)));
		goto out;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		struct toks t;
		char *key;

		lineno++;
		if (len > LINE_MAX_LEN || line[len - 1] != '\n' || ended)
			goto bad;
		line[len - 1] = '\0';
		if (lineno == 1) {
			if (strcmp(line, AGG_MAGIC) != 0)
				goto bad;
			continue;
		}
		t.p = line;
		key = tok_next(&t);
		if (key == NULL)
			goto bad;
		if (strcmp(key, "msm_id") == 0 && lineno == 2) {
			if (!parse_i64(tok_next(&t), &v) || v != msm_id ||
			    tok_next(&t) != NULL)
				goto bad;
			have_msm = true;
		} else if (strcmp(key, "interval") == 0 && lineno == 3) {
			if (!parse_i64(tok_next(&t), &interval) ||
			    interval < 1 || interval > AP_AGG_MAX_INTERVAL_S ||
			    tok_next(&t) != NULL)
				goto bad;
			same = interval == o->interval_s;
		} else if (strcmp(key, "floor") == 0 && lineno == 4) {
			char *fv = tok_next(&t);

			if (fv != NULL && strcmp(fv, "none") == 0)
				floor = INT64_MIN;
			else if (!parse_i64(fv, &floor) ||
				 floor < -AGG_MAX_TS || floor > AGG_MAX_TS ||
				 floor % interval != 0)
				goto bad;
			if (tok_next(&t) != NULL)
				goto bad;
			have_floor = true;
		} else if (strcmp(key, "s") == 0 && have_floor) {
			bool ok;

			st = read_sample(a, &t, &ok);
			if (st != AP_OK) {
				st = ap_err_set(err, st, "out of memory");
				goto out;
			}
			if (!ok)
				goto bad;
		} else if (strcmp(key, "w") == 0 && have_floor) {
			if (!read_window(a, &t, same))
				goto bad;
		} else if (strcmp(key, "end") == 0 && have_floor) {
			int64_t ns, nw;
			size_t loaded = 0;

			if (!parse_i64(tok_next(&t), &ns) ||
			    !parse_i64(tok_next(&t), &nw) ||
			    tok_next(&t) != NULL || ns != (int64_t)a->n)
				goto bad;
			for (size_t i = 0; i < a->nw; i++)
				loaded += a->w[i].loaded ? 1 : 0;
			if (same && (nw != (int64_t)a->nw ||
				     loaded != a->nw))
				goto bad;
			ended = true;
		} else {
			goto bad;
		}
	}
	if (ferror(f)) {
		st = ap_err_set(err, AP_EIO, "cannot read %s: %s", path,
				ap_errno_text(errno, eb, sizeof(eb)));
		goto out;
	}
	if (!ended || !have_msm) {
		/* The writer always ends with "end": a file without it was
		 * cut short. Refuse it rather than re-emit from a part. */
		st = ap_err_set(err, AP_EPARSE,
				"%s: truncated summary state (no end line)",
				path);
		goto out;
	}
	if (floor != INT64_MIN) {
		/* A changed interval: the first new boundary at or after
		 * the old floor keeps every emittable window complete. */
		a->floor = INT64_MIN;
		ap_agg_set_floor(a, floor);
	}
	for (size_t i = 0; i < a->nw; i++)
		a->w[i].loaded = false;
	a->restored = true;
	st = AP_OK;
	goto out;
bad:
	st = ap_err_set(err, AP_EPARSE, "%s:%lu: damaged summary state", path,
			lineno);
out:
	free(line);
	if (f != NULL)
		fclose(f);
	if (st != AP_OK) {
		ap_agg_free(a);
		return st;
	}
	*out = a;
	return AP_OK;
}

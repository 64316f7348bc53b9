/* SPDX-License-Identifier: MIT */
/*
 * probe_parse: the probes-list JSON page parser (json-c, kept out of the
 * public header) and the strict reader/writer of one probe-cache file line.
 * No I/O here.
 */
#include "probe_parse_int.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A probes page nests ~5 deep (results, probe, geometry, coordinates);
 * anything much deeper is not a probes page. */
#define PAGE_DEPTH 32

#define ASN_MAX INT64_C(4294967295)
#define LAT_E6_MAX INT64_C(90000000)
#define LON_E6_MAX INT64_C(180000000)

/* ---- normalisation ------------------------------------------------ */

static bool is_alpha(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

static char upper(char ch)
{
	return (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
}

static int64_t norm_asn(int64_t asn)
{
	return (asn >= 1 && asn <= ASN_MAX) ? asn : -1;
}

void probe_normalize(struct ap_probe_info *p)
{
	p->asn_v4 = norm_asn(p->asn_v4);
	p->asn_v6 = norm_asn(p->asn_v6);
	if (is_alpha(p->cc[0]) && is_alpha(p->cc[1]) && p->cc[2] == '\0') {
		p->cc[0] = upper(p->cc[0]);
		p->cc[1] = upper(p->cc[1]);
	} else {
		memset(p->cc, 0, sizeof(p->cc));
	}
	if (isfinite(p->lat) && isfinite(p->lon) && fabs(p->lat) <= 90.0 &&
	    fabs(p->lon) <= 180.0) {
		/* Micro-degrees (~0.1 m; Atlas blurs positions by 80-400 m)
		 * so that the file, which stores integers, round-trips. */
		p->lat = (double)llround(p->lat * 1e6) / 1e6;
		p->lon = (double)llround(p->lon * 1e6) / 1e6;
	} else {
		p->lat = NAN;
		p->lon = NAN;
	}
	if (!p->known) {
		p->asn_v4 = -1;
		p->asn_v6 = -1;
		memset(p->cc, 0, sizeof(p->cc));
		p->lat = NAN;
		p->lon = NAN;
		p->anchor = false;
	}
}

/* ---- JSON page ---------------------------------------------------- */

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* An integer in [lo, hi], else -1. Only JSON integers count: json-c clamps
 * out-of-range ones to INT64_MIN/MAX, which the bounds then reject. */
static int64_t json_int_in(struct json_object *v, int64_t lo, int64_t hi)
{
	int64_t i;

	if (v == NULL || !json_object_is_type(v, json_type_int))
		return -1;
	i = json_object_get_int64(v);
	return (i >= lo && i <= hi) ? i : -1;
}

/* A finite JSON number, else NaN. */
static double json_num(struct json_object *v)
{
	double d;

	if (v == NULL || !(json_object_is_type(v, json_type_int) ||
			   json_object_is_type(v, json_type_double)))
		return NAN;
	d = json_object_get_double(v);
	return isfinite(d) ? d : NAN;
}

/* GeoJSON Point: "coordinates": [lon, lat] (longitude first). */
static void read_geometry(struct json_object *g, struct ap_probe_info *p)
{
	struct json_object *type, *coords;

	if (g == NULL || !json_object_is_type(g, json_type_object))
		return;
	type = member(g, "type");
	if (type != NULL &&
	    (!json_object_is_type(type, json_type_string) ||
	     strcmp(json_object_get_string(type), "Point") != 0))
		return;
	coords = member(g, "coordinates");
	if (coords == NULL || !json_object_is_type(coords, json_type_array) ||
	    json_object_array_length(coords) < 2)
		return;
	p->lon = json_num(json_object_array_get_idx(coords, 0));
	p->lat = json_num(json_object_array_get_idx(coords, 1));
}

/* Fills p from one element of "results"; false when it has no usable id. */
static bool read_probe(struct json_object *o, struct ap_probe_info *p)
{
	struct json_object *v;

	memset(p, 0, sizeof(*p));
	p->asn_v4 = -1;
	p->asn_v6 = -1;
	p->lat = NAN;
	p->lon = NAN;
	p->known = true;
	if (!json_object_is_type(o, json_type_object))
		return false;
	p->id = json_int_in(member(o, "id"), 1, AP_PROBE_ID_MAX);
	if (p->id < 1)
		return false;
	p->asn_v4 = json_int_in(member(o, "asn_v4"), 1, ASN_MAX);
	p->asn_v6 = json_int_in(member(o, "asn_v6"), 1, ASN_MAX);
	v = member(o, "country_code");
	if (v != NULL && json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) == 2)
		memcpy(p->cc, json_object_get_string(v), 2);
	v = member(o, "is_anchor");
	p->anchor = v != NULL && json_object_is_type(v, json_type_boolean) &&
		    json_object_get_boolean(v);
	read_geometry(member(o, "geometry"), p);
	probe_normalize(p);
	return true;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

enum ap_status ap_probe_parse_page(const char *json, size_t len,
				   void (*add)(const struct ap_probe_info *p,
					       void *user),
				   void *user, char **next,
				   struct ap_err *err)
{
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL, *results, *nx;
	enum ap_status st = AP_OK;
	enum json_tokener_error jerr;
	char *next_url = NULL;
	size_t end, n;

	if (next != NULL)
		*next = NULL;
	if ((json == NULL && len > 0) || add == NULL)
		return ap_err_set(err, AP_EINVAL, "probes page: no input");
	if (len > INT_MAX)
		return ap_err_set(err, AP_ERANGE,
				  "probes page: %zu bytes is too large", len);
	if (len == 0)
		return ap_err_set(err, AP_EPARSE, "probes page: empty body");
	tok = json_tokener_new_ex(PAGE_DEPTH);
	if (tok == NULL) {
		st = ap_err_set(err, AP_ENOMEM, "out of memory");
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int)len);
	jerr = json_tokener_get_error(tok);
	if (root == NULL) {
		if (jerr == json_tokener_continue)
			st = ap_err_set(err, AP_EPARSE,
					"probes page: truncated JSON "
					"(%zu bytes)",
					len);
		else
			st = ap_err_set(err, AP_EPARSE,
					"probes page: invalid JSON at byte "
					"%zu: %s",
					json_tokener_get_parse_end(tok),
					json_tokener_error_desc(jerr));
		goto out;
	}
	/* json-c's strict mode already rejects most trailing data; this
	 * keeps the rule independent of its flags. */
	for (end = json_tokener_get_parse_end(tok); end < len; end++) {
		if (!is_space(json[end])) {
			st = ap_err_set(err, AP_EPARSE,
					"probes page: trailing data at byte "
					"%zu",
					end);
			goto out;
		}
	}
	if (!json_object_is_type(root, json_type_object)) {
		st = ap_err_set(err, AP_EPARSE,
				"probes page: not a JSON object");
		goto out;
	}
	results = member(root, "results");
	if (results == NULL || !json_object_is_type(results, json_type_array)) {
		st = ap_err_set(err, AP_EPARSE,
				"probes page: \"results\" is %s, not a list",
				results == NULL ? "missing"
						: json_type_to_name(
							  json_object_get_type(
								  results)));
		goto out;
	}
	nx = member(root, "next");
	if (nx != NULL && json_object_is_type(nx, json_type_string)) {
		if (json_object_get_string_len(nx) > 0) {
			next_url = strdup(json_object_get_string(nx));
			if (next_url == NULL) {
				st = ap_err_set(err, AP_ENOMEM,
						"out of memory");
				goto out;
			}
		}
	} else if (nx != NULL && !json_object_is_type(nx, json_type_null)) {
		st = ap_err_set(err, AP_EPARSE,
				"probes page: \"next\" is neither a string "
				"nor null");
		goto out;
	}
	n = json_object_array_length(results);
	for (size_t i = 0; i < n; i++) {
		struct ap_probe_info p;

		if (read_probe(json_object_array_get_idx(results, i), &p))
			add(&p, user);
	}
	if (next != NULL) {
		*next = next_url;
		next_url = NULL;
	}
out:
	free(next_url);
	json_object_put(root);
	if (tok != NULL)
		json_tokener_free(tok);
	return st;
}

/* ---- cache-file line ---------------------------------------------- */

/* Strict decimal: optional '-', then digits without a leading zero (other
 * than "0" itself), in [lo, hi]. */
static bool dec(const char *s, size_t len, int64_t lo, int64_t hi,
		int64_t *out)
{
	bool neg = false;
	uint64_t v = 0, lim;

	if (len > 0 && s[0] == '-') {
		neg = true;
		s++;
		len--;
	}
	if (len == 0 || len > 19 || (s[0] == '0' && (len > 1 || neg)))
		return false;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned)(s[i] - '0');
		if (v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return *out >= lo && *out <= hi;
}

static bool is_dash(const char *s, size_t len)
{
	return len == 1 && s[0] == '-';
}

/* "-" (unknown, *out = dflt) or a strict decimal in [lo, hi]. */
static bool dec_or_dash(const char *s, size_t len, int64_t lo, int64_t hi,
			int64_t dflt, int64_t *out)
{
	if (is_dash(s, len)) {
		*out = dflt;
		return true;
	}
	return dec(s, len, lo, hi, out);
}

enum { F_ID, F_ASN4, F_ASN6, F_CC, F_LAT, F_LON, F_ANCHOR, F_KNOWN, F_TIME,
       F_COUNT };

static const char *const field_names[F_COUNT] = {
	"id", "asn_v4", "asn_v6", "cc", "lat_e6", "lon_e6", "anchor", "known",
	"fetched_at"};

bool probe_line_parse(const char *line, struct ap_probe_info *p, char *why,
		      size_t n)
{
	const char *f[F_COUNT];
	size_t flen[F_COUNT];
	size_t nf = 0;
	const char *s = line;
	int64_t v = 0, lat = 0, lon = 0;
	bool have_lat, have_lon;
	int bad = -1;

	/* Split on single spaces; empty fields are errors. */
	for (;;) {
		size_t k = strcspn(s, " ");

		if (nf == F_COUNT) {
			snprintf(why, n, "more than %d fields", F_COUNT);
			return false;
		}
		f[nf] = s;
		flen[nf] = k;
		nf++;
		if (s[k] == '\0')
			break;
		s += k + 1;
	}
	if (nf != F_COUNT) {
		snprintf(why, n, "%zu fields, want %d", nf, F_COUNT);
		return false;
	}
	for (size_t i = 0; i < F_COUNT; i++) {
		if (flen[i] == 0) {
			snprintf(why, n, "empty %s field", field_names[i]);
			return false;
		}
	}
	memset(p, 0, sizeof(*p));
	if (!dec(f[F_ID], flen[F_ID], 1, AP_PROBE_ID_MAX, &p->id))
		bad = F_ID;
	else if (!dec_or_dash(f[F_ASN4], flen[F_ASN4], 1, ASN_MAX, -1,
			      &p->asn_v4))
		bad = F_ASN4;
	else if (!dec_or_dash(f[F_ASN6], flen[F_ASN6], 1, ASN_MAX, -1,
			      &p->asn_v6))
		bad = F_ASN6;
	if (bad >= 0)
		goto bad_field;
	if (!is_dash(f[F_CC], flen[F_CC])) {
		if (flen[F_CC] != 2 || f[F_CC][0] < 'A' || f[F_CC][0] > 'Z' ||
		    f[F_CC][1] < 'A' || f[F_CC][1] > 'Z') {
			bad = F_CC;
			goto bad_field;
		}
		memcpy(p->cc, f[F_CC], 2);
	}
	have_lat = !is_dash(f[F_LAT], flen[F_LAT]);
	have_lon = !is_dash(f[F_LON], flen[F_LON]);
	if (have_lat && !dec(f[F_LAT], flen[F_LAT], -LAT_E6_MAX, LAT_E6_MAX,
			     &lat))
		bad = F_LAT;
	else if (have_lon && !dec(f[F_LON], flen[F_LON], -LON_E6_MAX,
				  LON_E6_MAX, &lon))
		bad = F_LON;
	else if (!dec(f[F_ANCHOR], flen[F_ANCHOR], 0, 1, &v))
		bad = F_ANCHOR;
	if (bad >= 0)
		goto bad_field;
	p->anchor = v == 1;
	if (!dec(f[F_KNOWN], flen[F_KNOWN], 0, 1, &v)) {
		bad = F_KNOWN;
		goto bad_field;
	}
	p->known = v == 1;
	if (!dec(f[F_TIME], flen[F_TIME], 0, PROBE_TIME_MAX, &p->fetched_at)) {
		bad = F_TIME;
		goto bad_field;
	}
	if (have_lat != have_lon) {
		snprintf(why, n, "lat_e6 and lon_e6 must both be known or "
				 "both be '-'");
		return false;
	}
	p->lat = have_lat ? (double)lat / 1e6 : NAN;
	p->lon = have_lon ? (double)lon / 1e6 : NAN;
	if (!p->known && (p->asn_v4 != -1 || p->asn_v6 != -1 ||
			  p->cc[0] != '\0' || have_lat || p->anchor)) {
		snprintf(why, n, "an unknown probe (known 0) with data");
		return false;
	}
	return true;
bad_field:
	snprintf(why, n, "bad %s '%.*s'", field_names[bad],
		 (int)(flen[bad] < 24 ? flen[bad] : 24), f[bad]);
	return false;
}

/* Coordinate as integer micro-degrees; the value is already normalised. */
static long long e6(double deg)
{
	return llround(deg * 1e6);
}

size_t probe_line_format(const struct ap_probe_info *p, char *buf, size_t n)
{
	char a4[24] = "-", a6[24] = "-", lat[24] = "-", lon[24] = "-";
	int k;

	if (p->asn_v4 >= 0)
		snprintf(a4, sizeof(a4), "%" PRId64, p->asn_v4);
	if (p->asn_v6 >= 0)
		snprintf(a6, sizeof(a6), "%" PRId64, p->asn_v6);
	if (!isnan(p->lat) && !isnan(p->lon)) {
		snprintf(lat, sizeof(lat), "%lld", e6(p->lat));
		snprintf(lon, sizeof(lon), "%lld", e6(p->lon));
	}
	k = snprintf(buf, n, "%" PRId64 " %s %s %s %s %s %d %d %" PRId64 "\n",
		     p->id, a4, a6, p->cc[0] != '\0' ? p->cc : "-", lat, lon,
		     p->anchor ? 1 : 0, p->known ? 1 : 0, p->fetched_at);
	if (k < 0 || (size_t)k >= n)
		return 0;
	return (size_t)k;
}

/* SPDX-License-Identifier: MIT */
/*
 * parse_http: HTTP results. Modern firmware writes `result` as a list of
 * response objects (fw 4430 with addr/srcaddr/mode); fw 1 wrote one string
 * "GET4 addr seconds code hsize bsize". A fw 0 result, whose data sits in
 * src_addr, is read as having no responses, as Sagan does.
 */
#include <math.h>
#include <string.h>

#include "result_int.h"

/* The fw 1 string has six space-separated parts. */
#define LEGACY_PARTS 6

/* "GET4" / "GET6" name the address family in the method (fw <= 4430). */
static int mode_af(const char *mode)
{
	size_t n = mode != NULL ? strlen(mode) : 0;

	if (n > 0 && mode[n - 1] == '4')
		return 4;
	if (n > 0 && mode[n - 1] == '6')
		return 6;
	return 0;
}

/* The method without its address-family digit ("GET4" -> "GET"). */
static const char *method_name(struct ap_arena *a, const char *mode)
{
	size_t n;

	if (mode == NULL)
		return NULL;
	n = strlen(mode);
	if (mode_af(mode) == 0)
		return mode;
	return ap_arena_strndup(a, mode, n - 1);
}

static void read_response(struct ap_result *r, struct ap_http_response *rs,
			  struct json_object *e)
{
	int64_t af = rj_int(rj_get(e, "af"), -1);
	const char *mode = rj_str(rj_get(e, "method"));

	if (mode == NULL)
		mode = rj_str(rj_get(e, "mode"));
	if (af != 4 && af != 6)
		af = mode_af(mode);
	rs->af = (af == 4 || af == 6) ? (int)af : r->base.af;
	rs->dst_addr = rj_str(rj_get(e, "dst_addr"));
	if (rs->dst_addr == NULL)
		rs->dst_addr = rj_str(rj_get(e, "addr"));
	if (rs->dst_addr == NULL)
		rs->dst_addr = r->base.dst_addr;
	rs->src_addr = rj_str(rj_get(e, "src_addr"));
	if (rs->src_addr == NULL)
		rs->src_addr = rj_str(rj_get(e, "srcaddr"));
	rs->version = rj_text(r->arena, rj_get(e, "ver"));
	rs->code = rj_int(rj_get(e, "res"), -1);
	rs->header_bytes = rj_int(rj_get(e, "hsize"), -1);
	rs->body_bytes = rj_int(rj_get(e, "bsize"), -1);
	rs->rt_ms = rj_double(rj_get(e, "rt"));
	rs->ttc_ms = rj_double(rj_get(e, "ttc"));
	rs->ttfb_ms = rj_double(rj_get(e, "ttfb"));
	/* err: the request failed; dnserr: the URI's host did not resolve */
	if (rj_has(e, "err"))
		rs->error = rj_text(r->arena, rj_get(e, "err"));
	else if (rj_has(e, "dnserr"))
		rs->error = rj_text(r->arena, rj_get(e, "dnserr"));
	if ((rj_has(e, "err") || rj_has(e, "dnserr")) && rs->error == NULL)
		rs->error = "error";
}

/* A number in a legacy string part, read by the lenient JSON readers so
 * the process locale cannot change it. */
static double part_double(const char *s, size_t len)
{
	struct json_object *v = json_object_new_string_len(s, (int)len);
	double d = rj_double(v);

	json_object_put(v);
	return d;
}

/* fw <= 1: "GET4 193.0.2.1 0.042 200 263 1406", seconds -> ms. */
static enum ap_status read_legacy(struct ap_result *r, const char *s,
				  struct ap_err *err)
{
	struct ap_http *h = &r->u.http;
	struct ap_http_response *rs;
	const char *part[LEGACY_PARTS] = {NULL};
	size_t plen[LEGACY_PARTS] = {0};
	size_t n = 0;
	const char *mode;
	double code, hsize, bsize;

	while (*s != '\0' && n < LEGACY_PARTS) {
		size_t len;

		while (*s == ' ')
			s++;
		len = strcspn(s, " ");
		if (len == 0)
			break;
		part[n] = s;
		plen[n++] = len;
		s += len;
	}
	if (n < 2)
		return AP_OK; /* not the documented shape: no response */
	h->responses = ap_arena_calloc(r->arena, 1, sizeof(*h->responses));
	if (h->responses == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	h->n_responses = 1;
	rs = &h->responses[0];
	mode = ap_arena_strndup(r->arena, part[0], plen[0]);
	rs->dst_addr = ap_arena_strndup(r->arena, part[1], plen[1]);
	h->method = method_name(r->arena, mode);
	if (mode == NULL || rs->dst_addr == NULL || h->method == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	rs->af = mode_af(mode) != 0 ? mode_af(mode) : r->base.af;
	rs->rt_ms = n > 2 ? part_double(part[2], plen[2]) * 1000.0 : NAN;
	code = n > 3 ? part_double(part[3], plen[3]) : NAN;
	hsize = n > 4 ? part_double(part[4], plen[4]) : NAN;
	bsize = n > 5 ? part_double(part[5], plen[5]) : NAN;
	rs->code = code >= 0 && code < 1000 ? (int64_t)code : -1;
	rs->header_bytes = hsize >= 0 && hsize < 9e15 ? (int64_t)hsize : -1;
	rs->body_bytes = bsize >= 0 && bsize < 9e15 ? (int64_t)bsize : -1;
	rs->ttc_ms = NAN;
	rs->ttfb_ms = NAN;
	return AP_OK;
}

/*
 * Host part of a URI ("http://user@[2001:db8::1]:8080/x" -> "2001:db8::1"),
 * arena-owned; NULL when there is none.
 */
static const char *uri_host(struct ap_arena *a, const char *uri)
{
	const char *p = strstr(uri, "://");
	const char *end, *at;
	size_t len;

	/* a "://" later in the path or query is not a scheme separator */
	if (p != NULL && strcspn(uri, "/?#") == (size_t)(p - uri) + 1)
		p += 3;
	else
		p = uri;
	len = strcspn(p, "/?#");
	end = p + len;
	for (at = p; at < end; at++)
		if (*at == '@')
			p = at + 1;
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));

		if (close == NULL)
			return NULL;
		p++;
		end = close;
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));

		if (colon != NULL)
			end = colon;
	}
	if (end <= p)
		return NULL;
	return ap_arena_strndup(a, p, (size_t)(end - p));
}

enum ap_status parse_http(struct ap_result *r, struct json_object *o,
			  struct ap_err *err)
{
	struct ap_http *h = &r->u.http;
	struct json_object *res = rj_get(o, "result");
	struct ap_result_base *b = &r->base;

	h->uri = rj_str(rj_get(o, "uri"));
	/* The target as measured is the URI's host: HTTP results carry no
	 * dst_name (and dst_addr only per response). */
	if (h->uri != NULL &&
	    (b->dst_name == NULL || b->dst_name == b->dst_addr)) {
		const char *host = uri_host(r->arena, h->uri);

		if (host != NULL)
			b->dst_name = host;
	}
	if (res != NULL && json_object_is_type(res, json_type_string))
		return read_legacy(r, json_object_get_string(res), err);
	if (res == NULL || !json_object_is_type(res, json_type_array))
		return AP_OK; /* fw 0 or malformed: no responses */
	h->n_responses = json_object_array_length(res);
	h->responses = ap_arena_calloc(r->arena, h->n_responses,
				       sizeof(*h->responses));
	if (h->responses == NULL && h->n_responses > 0)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	for (size_t i = 0; i < h->n_responses; i++) {
		struct json_object *e = json_object_array_get_idx(res, i);
		struct ap_http_response *rs = &h->responses[i];

		if (!json_object_is_type(e, json_type_object)) {
			rs->af = b->af;
			rs->dst_addr = b->dst_addr;
			rs->code = rs->header_bytes = rs->body_bytes = -1;
			rs->rt_ms = rs->ttc_ms = rs->ttfb_ms = NAN;
			rs->error = "malformed response entry";
			continue;
		}
		read_response(r, rs, e);
	}
	/* As Sagan: the first response names the method. */
	if (h->n_responses > 0) {
		struct json_object *e0 = json_object_array_get_idx(res, 0);
		const char *m = rj_str(rj_get(e0, "method"));

		if (m == NULL)
			m = rj_str(rj_get(e0, "mode"));
		h->method = method_name(r->arena, m);
	}
	return AP_OK;
}

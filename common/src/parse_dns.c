/* SPDX-License-Identifier: MIT */
/*
 * parse_dns: DNS results, as one `result` object or a `resultset` list
 * (one element per queried resolver), and the error-only forms. Follows
 * Sagan for where each value lives. The rcode and section counts come from
 * the abuf header; without a readable abuf the counts fall back to the
 * probe's own ANCOUNT/NSCOUNT/ARCOUNT and the rcode stays unknown (-1).
 */
#include <math.h>
#include <stdio.h>

#include "dns_abuf_int.h"
#include "result_int.h"

/*
 * The text of an Atlas error object: "<key>: <value>" for its first
 * member (`{"getaddrinfo": "..."}` and friends, arena-owned), or the
 * string itself (borrowed from the tree); static "error" when the value
 * says nothing readable or memory ran out.
 */
static const char *error_text(struct ap_arena *a, struct json_object *v)
{
	const char *s;
	char buf[256];
	int n;

	if ((s = rj_str(v)) != NULL)
		return s;
	if (v != NULL && json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val)
		{
			s = rj_text(a, val);
			n = snprintf(buf, sizeof(buf), "%s: %s", key,
				     s != NULL ? s : "?");
			if (n < 0)
				break;
			/* a longer message is cut, not dropped */
			if ((size_t)n >= sizeof(buf))
				n = (int)sizeof(buf) - 1;
			s = ap_arena_strndup(a, buf, (size_t)n);
			return s != NULL ? s : "error";
		}
	}
	return "error";
}

/* Reads an `error` value into timeout/error as the structs describe. */
static void read_error(struct ap_arena *a, struct json_object *v,
		       bool *timeout, const char **error)
{
	if (rj_has(v, "timeout")) {
		*timeout = true;
		return;
	}
	*error = error_text(a, v);
}

/*
 * Value of key in the response's `result` object res, else in the element
 * itself (Sagan looks in both places, in that order).
 */
static struct json_object *pick(struct json_object *res,
				struct json_object *e, const char *key)
{
	struct json_object *v = rj_get(res, key);

	return v != NULL ? v : rj_get(e, key);
}

/*
 * Fills one response. e is the resultset element, or for a plain result
 * the result object itself (then res == e); the base supplies the
 * fallbacks for af, addresses and protocol.
 */
static void read_response(struct ap_result *r, struct ap_dns_response *rs,
			  struct json_object *e, struct json_object *res)
{
	const struct ap_result_base *b = &r->base;
	struct dns_abuf_hdr h;
	const char *abuf;
	int64_t af = rj_int(rj_get(e, "af"), -1);

	rs->af = (af == 4 || af == 6) ? (int)af : b->af;
	rs->dst_addr = rj_str(rj_get(e, "dst_addr"));
	if (rs->dst_addr == NULL || rs->dst_addr[0] == '\0')
		rs->dst_addr = b->dst_addr;
	rs->src_addr = rj_str(rj_get(e, "src_addr"));
	if (rs->src_addr == NULL)
		rs->src_addr = b->src_addr;
	rs->proto = rj_str(rj_get(e, "proto"));
	if (rs->proto == NULL)
		rs->proto = b->proto;
	rs->rt_ms = rj_double(pick(res, e, "rt"));
	rs->size = rj_int(pick(res, e, "size"), -1);
	abuf = rj_str(pick(res, e, "abuf"));
	if (dns_abuf_header(abuf, &h)) {
		rs->rcode = h.rcode;
		rs->ancount = h.ancount;
		rs->nscount = h.nscount;
		rs->arcount = h.arcount;
	} else {
		/* No (readable) abuf, e.g. qbuf-only results: the probe's
		 * own reading of the same header, when it wrote one. */
		rs->rcode = -1;
		rs->ancount = rj_int(pick(res, e, "ANCOUNT"), -1);
		rs->nscount = rj_int(pick(res, e, "NSCOUNT"), -1);
		rs->arcount = rj_int(pick(res, e, "ARCOUNT"), -1);
	}
	rs->answered = (res != NULL &&
			json_object_is_type(res, json_type_object)) ||
		       isfinite(rs->rt_ms) || abuf != NULL;
	if (rj_has(e, "error"))
		read_error(r->arena, rj_get(e, "error"), &rs->timeout,
			   &rs->error);
}

/* A result-level error object: recorded in u.dns and, so that generic
 * consumers see it too, as the base failure. */
static enum ap_status read_top_error(struct ap_result *r,
				     struct json_object *o, struct ap_err *err)
{
	struct ap_dns *d = &r->u.dns;
	struct json_object *v = rj_get(o, "error");
	char buf[64];
	int n;

	read_error(r->arena, v, &d->timeout, &d->error);
	if (r->base.failure != AP_FAIL_NONE)
		return AP_OK; /* a string error, already read by the base */
	r->base.failure = AP_FAIL_OTHER;
	if (!d->timeout) {
		r->base.failure_text = d->error;
		return AP_OK;
	}
	n = snprintf(buf, sizeof(buf), "timeout: %lld",
		     (long long)rj_int(rj_get(v, "timeout"), -1));
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	r->base.failure_text = ap_arena_strndup(r->arena, buf, (size_t)n);
	if (r->base.failure_text == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	return AP_OK;
}

enum ap_status parse_dns(struct ap_result *r, struct json_object *o,
			 struct ap_err *err)
{
	struct ap_dns *d = &r->u.dns;
	struct json_object *res = rj_get(o, "result");
	struct json_object *set = rj_array(o, "resultset");
	size_t n_set = set != NULL ? json_object_array_length(set) : 0;
	bool plain = res != NULL && json_object_is_type(res, json_type_object);
	size_t k = 0;

	d->submax = rj_int(rj_get(res, "submax"), -1);
	if (d->submax < 0)
		d->submax = rj_int(rj_get(o, "submax"), -1);
	d->subid = rj_int(rj_get(o, "subid"), -1);
	if (rj_has(o, "error")) {
		enum ap_status st = read_top_error(r, o, err);

		if (st != AP_OK)
			return st;
	}
	/* As Sagan: the `result` object first, then every resultset
	 * element (a result carries one or the other in practice). */
	d->n_responses = (plain ? 1 : 0) + n_set;
	d->responses = ap_arena_calloc(r->arena, d->n_responses,
				       sizeof(*d->responses));
	if (d->responses == NULL && d->n_responses > 0)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	if (plain) {
		d->responses[k].subid = -1;
		/* Its af/addresses normally come from the top level, via
		 * the fallbacks. */
		read_response(r, &d->responses[k++], res, res);
	}
	for (size_t i = 0; i < n_set; i++, k++) {
		struct json_object *e = json_object_array_get_idx(set, i);
		struct ap_dns_response *rs = &d->responses[k];
		int64_t subid = rj_int(rj_get(e, "subid"), -1);

		rs->subid = subid >= 0 ? subid : (int64_t)i + 1;
		if (!json_object_is_type(e, json_type_object)) {
			/* not an object: a response we know nothing of */
			rs->af = r->base.af;
			rs->dst_addr = r->base.dst_addr;
			rs->proto = r->base.proto;
			rs->rt_ms = NAN;
			rs->size = rs->ancount = rs->nscount = -1;
			rs->arcount = -1;
			rs->rcode = -1;
			rs->error = "malformed resultset element";
			continue;
		}
		read_response(r, rs, e, rj_get(e, "result"));
	}
	return AP_OK;
}

/* SPDX-License-Identifier: MIT */
/*
 * convert_dns: one atlas_dns point per response: the `result` object and
 * each `resultset` element. Points of one result share its timestamp, so
 * resultset points carry a `subid` tag and each response's own af and
 * dst_addr replace the result's. A result with neither responses nor an
 * error gives no point; one with only an error gives one point carrying
 * result_code alone.
 */
#include "convert_int.h"

/* result_code of METRICS.md for one response. */
static int response_code(const struct ap_dns_response *rs)
{
	if (rs->timeout)
		return 1;
	if (rs->error != NULL || !rs->answered)
		return 2;
	return 0;
}

/* Tags shared by both kinds of point: proto, and what a response says
 * about where it went (it wins over the result's base tags). */
static void response_tags(struct ap_metric *m, const struct ap_result *r,
			  int af, const char *dst_addr, const char *proto)
{
	ap_metric_tag(m, "proto", proto);
	if (af == 4 || af == 6)
		ap_metric_tag(m, "af", af == 6 ? "6" : "4");
	ap_metric_tag(m, "dst_addr", dst_addr);
	/* "the address when no name": resultset targets have no name */
	if (r->base.dst_name == NULL)
		ap_metric_tag(m, "dst_name", dst_addr);
}

static enum ap_status emit_response(const struct ap_result *r,
				    const struct ap_dns_response *rs,
				    const struct ap_convert_opts *opts,
				    const struct ap_sink *sink,
				    struct ap_err *err)
{
	const struct ap_dns *d = &r->u.dns;
	struct ap_metric m;

	convert_begin(&m, "atlas_dns", r, opts);
	response_tags(&m, r, rs->af, rs->dst_addr, rs->proto);
	if (rs->subid >= 0)
		ap_metric_tag_int(&m, "subid", rs->subid);
	else if (d->subid >= 0)
		ap_metric_tag_int(&m, "subid", d->subid);
	ap_metric_float(&m, "response_time_ms", rs->rt_ms);
	ap_metric_count(&m, "response_size_bytes", rs->size);
	/* Only from the abuf header (rcode >= 0 says it decoded), as Sagan:
	 * the probe's own ANCOUNT stays in the parsed struct. */
	if (rs->rcode >= 0) {
		ap_metric_count(&m, "answer_count", rs->ancount);
		ap_metric_int(&m, "rcode", rs->rcode);
	}
	ap_metric_int(&m, "result_code", response_code(rs));
	return convert_emit(&m, sink, err);
}

enum ap_status convert_dns(const struct ap_result *r,
			   const struct ap_convert_opts *opts,
			   const struct ap_sink *sink, struct ap_err *err)
{
	const struct ap_dns *d = &r->u.dns;
	struct ap_metric m;

	for (size_t i = 0; i < d->n_responses; i++) {
		enum ap_status st =
			emit_response(r, &d->responses[i], opts, sink, err);

		if (st != AP_OK)
			return st;
	}
	if (d->n_responses > 0)
		return AP_OK;
	/* No response: a point only when the probe said what went wrong
	 * (error object, err, dnserr); otherwise there is nothing to say. */
	if (!d->timeout && r->base.failure == AP_FAIL_NONE)
		return AP_OK;
	convert_begin(&m, "atlas_dns", r, opts);
	response_tags(&m, r, r->base.af, r->base.dst_addr, r->base.proto);
	if (d->subid >= 0)
		ap_metric_tag_int(&m, "subid", d->subid);
	ap_metric_int(&m, "result_code", d->timeout ? 1 : 2);
	return convert_emit(&m, sink, err);
}

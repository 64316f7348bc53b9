/* SPDX-License-Identifier: MIT */
/*
 * convert_http: one atlas_http point per response in `result`. Every point
 * carries a `response` tag (1-based position) even when there is a single
 * response, so a series keeps its identity whatever the result holds. A
 * result with no responses gives one result_code point when the probe
 * reported an error, and no point otherwise (fw 0, malformed).
 */
#include "convert_int.h"

static int response_code(const struct ap_result *r,
			 const struct ap_http_response *rs)
{
	if (rs->error != NULL || rs->code < 0 ||
	    r->base.failure != AP_FAIL_NONE)
		return 2;
	return 0;
}

enum ap_status convert_http(const struct ap_result *r,
			    const struct ap_convert_opts *opts,
			    const struct ap_sink *sink, struct ap_err *err)
{
	const struct ap_http *h = &r->u.http;
	struct ap_metric m;

	for (size_t i = 0; i < h->n_responses; i++) {
		const struct ap_http_response *rs = &h->responses[i];
		enum ap_status st;

		convert_begin(&m, "atlas_http", r, opts);
		ap_metric_tag_int(&m, "response", (int64_t)i + 1);
		/* the response's own target wins over the result's */
		if (rs->af == 4 || rs->af == 6)
			ap_metric_tag(&m, "af", rs->af == 6 ? "6" : "4");
		ap_metric_tag(&m, "dst_addr", rs->dst_addr);
		if (r->base.dst_name == NULL)
			ap_metric_tag(&m, "dst_name", rs->dst_addr);
		ap_metric_count(&m, "status_code", rs->code);
		ap_metric_float(&m, "response_time_ms", rs->rt_ms);
		ap_metric_float(&m, "connect_time_ms", rs->ttc_ms);
		ap_metric_float(&m, "first_byte_ms", rs->ttfb_ms);
		ap_metric_count(&m, "header_bytes", rs->header_bytes);
		ap_metric_count(&m, "body_bytes", rs->body_bytes);
		ap_metric_int(&m, "result_code", response_code(r, rs));
		st = convert_emit(&m, sink, err);
		if (st != AP_OK)
			return st;
	}
	if (h->n_responses > 0 || r->base.failure == AP_FAIL_NONE)
		return AP_OK;
	convert_begin(&m, "atlas_http", r, opts);
	ap_metric_tag_int(&m, "response", 1);
	ap_metric_int(&m, "result_code", 2);
	return convert_emit(&m, sink, err);
}

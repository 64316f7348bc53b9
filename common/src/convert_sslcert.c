/* SPDX-License-Identifier: MIT */
/*
 * convert_sslcert: one atlas_sslcert point per result: timings, the number
 * of certificates presented, the port, and the TLS alert when the server
 * sent one. method and TLS version are tags (few values, useful to group).
 */
#include <math.h>

#include "convert_int.h"

enum ap_status convert_sslcert(const struct ap_result *r,
			       const struct ap_convert_opts *opts,
			       const struct ap_sink *sink, struct ap_err *err)
{
	const struct ap_sslcert *c = &r->u.sslcert;
	bool alert = c->alert_level >= 0 || c->alert_description >= 0;
	/* The exchange took place: a missing `cert` then means the server
	 * presented none (an alert instead), which is a count of 0, not
	 * "no data". After err/dnserr nothing was exchanged. */
	bool exchanged = alert || isfinite(c->rt_ms);
	int64_t certs = c->n_certs >= 0 ? c->n_certs : (exchanged ? 0 : -1);
	struct ap_metric m;

	convert_begin(&m, "atlas_sslcert", r, opts);
	ap_metric_tag(&m, "method", c->method);
	ap_metric_tag(&m, "version", c->version);
	ap_metric_float(&m, "response_time_ms", c->rt_ms);
	ap_metric_float(&m, "connect_time_ms", c->ttc_ms);
	ap_metric_count(&m, "certificates", certs);
	ap_metric_count(&m, "port", c->port);
	ap_metric_count(&m, "alert_level", c->alert_level);
	ap_metric_count(&m, "alert_description", c->alert_description);
	ap_metric_int(&m, "result_code",
		      r->base.failure != AP_FAIL_NONE ? 2 : 0);
	return convert_emit(&m, sink, err);
}

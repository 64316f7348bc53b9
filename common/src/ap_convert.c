/* SPDX-License-Identifier: MIT */
/* ap_convert: base tags shared by every point, and per-type dispatch. */
#include "atlasperf/ap_convert.h"

#include <math.h>

#include "atlasperf/ap_path.h"
#include "atlasperf/ap_stats.h"
#include "convert_int.h"

void ap_convert_opts_init(struct ap_convert_opts *o)
{
	o->tags = NULL;
	o->n_tags = 0;
	o->probe_asn = NULL;
	o->probe_cc = NULL;
	o->link = NULL;
	o->ixp = NULL;
	o->probe_lat = NAN;
	o->probe_lon = NAN;
	o->target_lat = NAN;
	o->target_lon = NAN;
	o->hop_points = false;
	o->bottleneck_min_ms = 10.0;
	o->bottleneck_persist = 0.8;
}

void convert_begin(struct ap_metric *m, const char *name,
		   const struct ap_result *r,
		   const struct ap_convert_opts *opts)
{
	const struct ap_result_base *b = &r->base;

	ap_metric_init(m, name, b->timestamp);
	for (size_t i = 0; i < opts->n_tags; i++)
		ap_metric_tag(m, opts->tags[i].key, opts->tags[i].value);
	ap_metric_tag_int(m, "msm_id", b->msm_id);
	ap_metric_tag_int(m, "prb_id", b->prb_id);
	ap_metric_tag(m, "af", b->af == 6 ? "6" : "4");
	ap_metric_tag(m, "dst_name", b->dst_name);
	ap_metric_tag(m, "dst_addr", b->dst_addr);
	ap_metric_tag(m, "probe_asn", opts->probe_asn);
	ap_metric_tag(m, "probe_cc", opts->probe_cc);
}

enum ap_status convert_emit(const struct ap_metric *m,
			    const struct ap_sink *sink, struct ap_err *err)
{
	if (m->overflow)
		return ap_err_set(err, AP_EINVAL,
				  "%s: more tags or fields than a point holds",
				  m->name);
	enum ap_status st;

	st = sink->emit(m, sink->user);
	if (st != AP_OK)
		return ap_err_set(err, st, "%s: point not accepted by the "
				  "output (%s)", m->name, ap_strerror(st));
	return AP_OK;
}

void convert_inflation(struct ap_metric *m,
		       const struct ap_convert_opts *opts, double min_rtt_ms)
{
	double bound, ratio;
	bool flagged;

	if (ap_path_inflation(min_rtt_ms, opts->probe_lat, opts->probe_lon,
			      opts->target_lat, opts->target_lon, &ratio,
			      &flagged) != AP_OK)
		return;
	bound = ap_path_fibre_rtt_ms(opts->probe_lat, opts->probe_lon,
				     opts->target_lat, opts->target_lon);
	ap_metric_float(m, "min_rtt_fibre_ms", ap_stats_round6(bound));
	ap_metric_float(m, "rtt_inflation", ap_stats_round6(ratio));
}

int convert_failure_code(const struct ap_result *r)
{
	switch (r->base.failure) {
	case AP_FAIL_RESOLVE:
		return 1;
	case AP_FAIL_OTHER:
		return 2;
	case AP_FAIL_NONE:
		break;
	}
	return 0;
}

enum ap_status ap_convert_result(const struct ap_result *r,
				 const struct ap_convert_opts *opts,
				 const struct ap_sink *sink,
				 struct ap_err *err)
{
	switch (r->base.type) {
	case AP_RESULT_PING:
		return convert_ping(r, opts, sink, err);
	case AP_RESULT_TRACEROUTE:
		return convert_traceroute(r, opts, sink, err);
	case AP_RESULT_DNS:
		return convert_dns(r, opts, sink, err);
	case AP_RESULT_HTTP:
		return convert_http(r, opts, sink, err);
	case AP_RESULT_NTP:
		return convert_ntp(r, opts, sink, err);
	case AP_RESULT_SSLCERT:
		return convert_sslcert(r, opts, sink, err);
	}
	return ap_err_set(err, AP_EINVAL, "unknown result type");
}

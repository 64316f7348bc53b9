/* SPDX-License-Identifier: MIT */
/*
 * parse_ntp: NTP results. Atlas writes rtt, offset, root-delay and
 * root-dispersion in SECONDS (the corpus confirms it: rtt equals
 * (final-ts - origin-ts) - (transmit-ts - receive-ts) of the NTP
 * timestamps); they are converted to milliseconds here, once.
 */
#include <math.h>

#include "result_int.h"

#define MS_PER_S 1000.0

/*
 * s * 1000, rounded to the nanosecond: drops the binary noise of the
 * multiplication (0.021899 s would read 21.898999999999997 ms) and keeps
 * far more precision than the probe's microsecond timestamps carry.
 */
static double seconds_to_ms(double s)
{
	return isfinite(s) ? round(s * MS_PER_S * 1e6) / 1e6 : NAN;
}

static void read_packet(struct ap_ntp_packet *p, struct json_object *e)
{
	p->rtt_ms = NAN;
	p->rtt_s = NAN;
	p->offset_ms = NAN;
	if (!json_object_is_type(e, json_type_object)) {
		p->error = "malformed packet entry";
		return;
	}
	p->timeout = rj_has(e, "x");
	if (rj_has(e, "error")) {
		p->error = rj_str(rj_get(e, "error"));
		if (p->error == NULL)
			p->error = "error";
	}
	/* As Sagan: a packet without an rtt has no offset either. */
	if (!rj_has(e, "rtt"))
		return;
	p->rtt_s = rj_double(rj_get(e, "rtt"));
	p->rtt_ms = seconds_to_ms(p->rtt_s);
	p->offset_ms = seconds_to_ms(rj_double(rj_get(e, "offset")));
}

enum ap_status parse_ntp(struct ap_result *r, struct json_object *o,
			 struct ap_err *err)
{
	struct ap_ntp *n = &r->u.ntp;
	struct json_object *res = rj_array(o, "result");

	n->stratum = rj_int(rj_get(o, "stratum"), -1);
	n->root_delay_ms = seconds_to_ms(rj_double(rj_get(o, "root-delay")));
	n->root_dispersion_ms =
		seconds_to_ms(rj_double(rj_get(o, "root-dispersion")));
	if (res == NULL) {
		n->no_result = true;
		return AP_OK;
	}
	n->n_packets = json_object_array_length(res);
	n->packets = ap_arena_calloc(r->arena, n->n_packets,
				     sizeof(*n->packets));
	if (n->packets == NULL && n->n_packets > 0)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	for (size_t i = 0; i < n->n_packets; i++)
		read_packet(&n->packets[i], json_object_array_get_idx(res, i));
	return AP_OK;
}

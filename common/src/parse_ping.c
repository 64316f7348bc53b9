/* SPDX-License-Identifier: MIT */
/* parse_ping: Atlas ping results, fw 0 to current. */
#include <math.h>

#include "result_int.h"

static void read_packet(struct ap_ping_packet *p, struct json_object *e)
{
	p->rtt_ms = NAN;
	p->ttl = -1;
	if (!json_object_is_type(e, json_type_object)) {
		p->error = "malformed packet entry";
		return;
	}
	p->timeout = rj_has(e, "x");
	p->dup = rj_has(e, "dup");
	p->error = rj_has(e, "error") ? rj_str(rj_get(e, "error")) : NULL;
	if (rj_has(e, "error") && p->error == NULL)
		p->error = "error";
	p->rtt_ms = rj_double(rj_get(e, "rtt"));
	p->ttl = rj_int(rj_get(e, "ttl"), -1);
}

enum ap_status parse_ping(struct ap_result *r, struct json_object *o,
			  struct ap_err *err)
{
	struct ap_ping *p = &r->u.ping;
	struct json_object *res = rj_array(o, "result");

	p->sent = rj_int(rj_get(o, "sent"), -1);
	p->rcvd = rj_int(rj_get(o, "rcvd"), -1);
	p->dup = rj_int(rj_get(o, "dup"), -1);
	p->avg_ms = rj_double(rj_get(o, "avg"));
	p->min_ms = rj_double(rj_get(o, "min"));
	p->max_ms = rj_double(rj_get(o, "max"));
	/* The firmware writes -1 for all three when nothing came back. */
	if (!(p->avg_ms >= 0.0)) {
		p->avg_ms = NAN;
		p->min_ms = NAN;
		p->max_ms = NAN;
	}
	if (!(p->min_ms >= 0.0))
		p->min_ms = NAN;
	if (!(p->max_ms >= 0.0))
		p->max_ms = NAN;
	p->ttl = rj_int(rj_get(o, "ttl"), -1);
	p->size = rj_int(rj_get(o, "size"), -1);
	if (res == NULL)
		return AP_OK; /* fw 0/1: summary only */
	p->n_packets = json_object_array_length(res);
	p->packets = ap_arena_calloc(r->arena, p->n_packets,
				     sizeof(*p->packets));
	if (p->packets == NULL && p->n_packets > 0)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	for (size_t i = 0; i < p->n_packets; i++)
		read_packet(&p->packets[i],
			    json_object_array_get_idx(res, i));
	return AP_OK;
}

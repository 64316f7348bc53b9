/* SPDX-License-Identifier: MIT */
/* parse_traceroute: hops and replies, including late/err/x and icmpext. */
#include <math.h>

#include "result_int.h"

/* err is "N"/"H"/"A"/"P"/"p" or a bare ICMP code number. */
static const char *read_err(struct ap_arena *a, struct json_object *e)
{
	const char *s;

	if (!rj_has(e, "err"))
		return NULL;
	s = rj_text(a, rj_get(e, "err"));
	return s != NULL ? s : "error";
}

static void read_reply(struct ap_arena *a, struct ap_trace_reply *rp,
		       struct json_object *e)
{
	struct json_object *ext;

	rp->rtt_ms = NAN;
	rp->ttl = -1;
	if (!json_object_is_type(e, json_type_object)) {
		rp->timeout = true;
		return;
	}
	rp->timeout = rj_has(e, "x");
	rp->from = rj_str(rj_get(e, "from"));
	rp->rtt_ms = rj_double(rj_get(e, "rtt"));
	rp->err = read_err(a, e);
	rp->ttl = rj_int(rj_get(e, "ttl"), -1);
	rp->late = rj_has(e, "late");
	rp->dup = rj_has(e, "dup");
	ext = rj_get(e, "icmpext");
	rp->icmpext = ext != NULL && json_object_is_type(ext, json_type_object);
}

static enum ap_status read_hop(struct ap_arena *a, struct ap_trace_hop *h,
			       struct json_object *e)
{
	struct json_object *res = rj_array(e, "result");

	h->hop = rj_int(rj_get(e, "hop"), -1);
	h->error = rj_has(e, "error") ? rj_text(a, rj_get(e, "error")) : NULL;
	if (rj_has(e, "error") && h->error == NULL)
		h->error = "error";
	if (res == NULL)
		return AP_OK;
	h->n_replies = json_object_array_length(res);
	h->replies = ap_arena_calloc(a, h->n_replies, sizeof(*h->replies));
	if (h->replies == NULL && h->n_replies > 0)
		return AP_ENOMEM;
	for (size_t i = 0; i < h->n_replies; i++)
		read_reply(a, &h->replies[i],
			   json_object_array_get_idx(res, i));
	return AP_OK;
}

enum ap_status parse_traceroute(struct ap_result *r, struct json_object *o,
				struct ap_err *err)
{
	struct ap_traceroute *t = &r->u.traceroute;
	struct json_object *res = rj_array(o, "result");

	t->endtime = rj_int(rj_get(o, "endtime"), -1);
	t->paris_id = rj_int(rj_get(o, "paris_id"), -1);
	t->size = rj_int(rj_get(o, "size"), -1);
	if (res == NULL) {
		t->result_not_list = true;
		return AP_OK;
	}
	t->n_hops = json_object_array_length(res);
	t->hops = ap_arena_calloc(r->arena, t->n_hops, sizeof(*t->hops));
	if (t->hops == NULL && t->n_hops > 0)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	for (size_t i = 0; i < t->n_hops; i++)
		if (read_hop(r->arena, &t->hops[i],
			     json_object_array_get_idx(res, i)) != AP_OK)
			return ap_err_set(err, AP_ENOMEM, "out of memory");
	return AP_OK;
}

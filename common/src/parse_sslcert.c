/* SPDX-License-Identifier: MIT */
/*
 * parse_sslcert: TLS certificate results. Older firmware names the port
 * ("https"); the alert object's description key is misspelt `decription`
 * by the firmware. An alert counts as a probe-side failure.
 */
#include <stdio.h>
#include <string.h>

#include "result_int.h"

#define HTTPS_PORT 443

static int64_t read_port(struct json_object *v)
{
	const char *s = rj_str(v);
	int64_t port = rj_int(v, -1);

	if (port >= 0 && port <= 65535)
		return port;
	if (s != NULL && strcmp(s, "https") == 0)
		return HTTPS_PORT;
	return -1;
}

static enum ap_status read_alert(struct ap_result *r, struct json_object *a,
				 struct ap_err *err)
{
	struct ap_sslcert *c = &r->u.sslcert;
	char buf[80];
	int n;

	c->alert_level = rj_int(rj_get(a, "level"), -1);
	c->alert_description = rj_int(rj_get(a, "decription"), -1);
	if (c->alert_description < 0)
		c->alert_description = rj_int(rj_get(a, "description"), -1);
	if (r->base.failure != AP_FAIL_NONE)
		return AP_OK; /* err/dnserr already say more */
	r->base.failure = AP_FAIL_OTHER;
	n = snprintf(buf, sizeof(buf),
		     "TLS alert: level %lld, description %lld",
		     (long long)c->alert_level,
		     (long long)c->alert_description);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	r->base.failure_text = ap_arena_strndup(r->arena, buf, (size_t)n);
	if (r->base.failure_text == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	return AP_OK;
}

enum ap_status parse_sslcert(struct ap_result *r, struct json_object *o,
			     struct ap_err *err)
{
	struct ap_sslcert *c = &r->u.sslcert;
	struct json_object *cert = rj_array(o, "cert");

	c->port = read_port(rj_get(o, "dst_port"));
	c->method = rj_str(rj_get(o, "method"));
	c->version = rj_text(r->arena, rj_get(o, "ver"));
	c->rt_ms = rj_double(rj_get(o, "rt"));
	c->ttc_ms = rj_double(rj_get(o, "ttc"));
	c->n_certs = cert != NULL ? (int64_t)json_object_array_length(cert)
				  : -1;
	c->alert_level = -1;
	c->alert_description = -1;
	/* The base reads a string `error`; any other shape is a failure
	 * too (Sagan flags the result for any `error` key). */
	if (rj_has(o, "error") && r->base.failure == AP_FAIL_NONE) {
		r->base.failure = AP_FAIL_OTHER;
		r->base.failure_text = "error";
	}
	if (rj_get(o, "alert") != NULL &&
	    json_object_is_type(rj_get(o, "alert"), json_type_object))
		return read_alert(r, rj_get(o, "alert"), err);
	return AP_OK;
}

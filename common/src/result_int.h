/* SPDX-License-Identifier: MIT */
/*
 * result_int (internal): the per-type parsers behind ap_result_parse. Each
 * fills r->u.<type> from the result object o; strings may borrow from the
 * json-c tree (kept alive by the result) or be copied into r->arena.
 * Return AP_OK, AP_ENOMEM, or AP_EPARSE with a reason in err for a result
 * that cannot be interpreted at all. Odd but readable data is not an error.
 */
#ifndef ATLASPERF_RESULT_INT_H
#define ATLASPERF_RESULT_INT_H

#include <json-c/json.h>

#include "atlasperf/ap_result.h"
#include "ap_arena_int.h"
#include "result_json_int.h"

enum ap_status parse_ping(struct ap_result *r, struct json_object *o,
			  struct ap_err *err);
enum ap_status parse_traceroute(struct ap_result *r, struct json_object *o,
				struct ap_err *err);
enum ap_status parse_dns(struct ap_result *r, struct json_object *o,
			 struct ap_err *err);
enum ap_status parse_http(struct ap_result *r, struct json_object *o,
			  struct ap_err *err);
enum ap_status parse_ntp(struct ap_result *r, struct json_object *o,
			 struct ap_err *err);
enum ap_status parse_sslcert(struct ap_result *r, struct json_object *o,
			     struct ap_err *err);

/* The array under key as a json-c array, or NULL (absent / not a list). */
struct json_object *rj_array(struct json_object *o, const char *key);

#endif

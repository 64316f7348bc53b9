/* SPDX-License-Identifier: MIT */
/* ap_msm_meta: GET /measurements/{id}/ -> type, af, interval, status. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "atlasperf/ap_buf.h"
#include "atlasperf/ap_collect.h"
#include "result_json_int.h"

#define META_MAX_BYTES (1024 * 1024)

static enum ap_status collect_body(const char *data, size_t len, void *user)
{
	return ap_buf_add(user, data, len);
}

/* `type` and `status` come as a string or as {"name": ...}. */
static const char *name_of(struct json_object *v)
{
	const char *s = rj_str(v);

	return s != NULL ? s : rj_str(rj_get(v, "name"));
}

/* Atlas status ids: 0 specified, 1 scheduled, 2 ongoing, 4 stopped,
 * 5 forced to stop, 6 no suitable probes, 7 failed, 8 archived. */
static bool is_stopped(int id, const char *name)
{
	if (id >= 4)
		return true;
	return name != NULL && (strcmp(name, "Stopped") == 0 ||
				strcmp(name, "Failed") == 0 ||
				strcmp(name, "Archived") == 0 ||
				strcmp(name, "Forced to stop") == 0 ||
				strcmp(name, "No suitable probes") == 0);
}

enum ap_status ap_msm_meta_fetch(struct ap_fetch *f, const char *base_url,
				 int64_t msm_id, struct ap_msm_meta *meta,
				 struct ap_fetch_info *info,
				 struct ap_err *err)
{
	struct ap_buf body;
	struct json_object *o = NULL;
	struct json_tokener *tok = NULL;
	const char *s;
	char url[2048];
	enum ap_status st;

	memset(meta, 0, sizeof(*meta));
	meta->interval_s = -1;
	meta->status_id = -1;
	meta->stop_time = -1;
	ap_buf_init(&body, META_MAX_BYTES);
	snprintf(url, sizeof(url), "%s/measurements/%" PRId64 "/", base_url,
		 msm_id);
	st = ap_fetch_get(f, url, collect_body, &body, info, err);
	if (st != AP_OK)
		goto out;
	tok = json_tokener_new_ex(32);
	if (tok == NULL) {
		st = ap_err_set(err, AP_ENOMEM, "out of memory");
		goto out;
	}
	o = json_tokener_parse_ex(tok, body.data ? body.data : "",
				  (int)body.len);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		st = ap_err_set(err, AP_EPARSE,
				"msm %" PRId64 ": measurement detail is not a "
				"JSON object",
				msm_id);
		goto out;
	}
	if ((s = name_of(rj_get(o, "type"))) != NULL)
		snprintf(meta->type, sizeof(meta->type), "%s", s);
	meta->af = (int)rj_int(rj_get(o, "af"), 0);
	meta->interval_s = rj_int(rj_get(o, "interval"), -1);
	meta->status_id = (int)rj_int(rj_get(rj_get(o, "status"), "id"), -1);
	if ((s = name_of(rj_get(o, "status"))) != NULL)
		snprintf(meta->status, sizeof(meta->status), "%s", s);
	meta->stop_time = rj_int(rj_get(o, "stop_time"), -1);
	meta->stopped = is_stopped(meta->status_id, s);
out:
	json_object_put(o);
	if (tok != NULL)
		json_tokener_free(tok);
	ap_buf_reset(&body);
	return st;
}

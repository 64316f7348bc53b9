/* SPDX-License-Identifier: MIT */
/*
 * ap_result: JSON text -> struct ap_result. Reads the fields all types
 * share (with the legacy fw < 4460 names), then hands over to parse_<type>.
 */
#include "atlasperf/ap_result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fast_result_int.h"
#include "result_int.h"

/* Atlas results nest about 8 levels (traceroute icmpext objects); 64
 * leaves room and still stops a stack-eating input early. */
#define MAX_JSON_DEPTH 64

static const struct {
	const char *name;
	enum ap_result_type type;
} TYPES[] = {
	{"ping", AP_RESULT_PING},   {"traceroute", AP_RESULT_TRACEROUTE},
	{"dns", AP_RESULT_DNS},     {"http", AP_RESULT_HTTP},
	{"ntp", AP_RESULT_NTP},     {"sslcert", AP_RESULT_SSLCERT},
};

const char *ap_result_type_name(enum ap_result_type type)
{
	for (size_t i = 0; i < sizeof(TYPES) / sizeof(TYPES[0]); i++)
		if (TYPES[i].type == type)
			return TYPES[i].name;
	return "unknown";
}

struct json_object *rj_array(struct json_object *o, const char *key)
{
	struct json_object *v = rj_get(o, key);

	if (v == NULL || !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

void ap_result_free(struct ap_result *r)
{
	bool inside;

	if (r == NULL)
		return;
	json_object_put(r->json_root);
	/* The fast path puts the result itself at the head of its arena
	 * (one malloc per result); the json-c path callocs it apart. */
	inside = ap_arena_head(r->arena) == r;
	ap_arena_free(r->arena);
	if (!inside)
		free(r);
}

struct ap_result_parser {
	struct json_tokener *tok;
	/* Try fast_result first (off with ATLASPERF_NO_FAST_PATH=1). */
	bool fast;
};

/* ATLASPERF_NO_FAST_PATH set to anything but "" or "0" turns the fast
 * path off, so that tests can compare it with the json-c path. */
static bool fast_path_enabled(void)
{
	const char *e = getenv("ATLASPERF_NO_FAST_PATH");

	return e == NULL || e[0] == '\0' || strcmp(e, "0") == 0;
}

enum ap_status ap_result_parser_new(struct ap_result_parser **out,
				    struct ap_err *err)
{
	struct ap_result_parser *p;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	p->tok = json_tokener_new_ex(MAX_JSON_DEPTH);
	if (p->tok == NULL) {
		free(p);
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	}
	p->fast = fast_path_enabled();
	*out = p;
	return AP_OK;
}

void ap_result_parser_free(struct ap_result_parser *p)
{
	if (p == NULL)
		return;
	json_tokener_free(p->tok);
	free(p);
}

/* Parses exactly one JSON value spanning json[0..len), whitespace aside. */
static enum ap_status parse_json(struct json_tokener *tok, const char *json,
				 size_t len, struct json_object **out,
				 struct ap_err *err)
{
	struct json_object *o;
	size_t end;

	*out = NULL;
	if (len > (size_t)INT32_MAX)
		return ap_err_set(err, AP_EPARSE, "result too large");
	/* A result is an object. Saying so up front also spares json-c a
	 * bare number, which it would call incomplete ("1" may go on). */
	for (size_t i = 0; i < len; i++) {
		if (json[i] == ' ' || json[i] == '\t' || json[i] == '\r' ||
		    json[i] == '\n')
			continue;
		if (json[i] != '{')
			return ap_err_set(err, AP_EPARSE,
					  "result is not a JSON object");
		break;
	}
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, json, (int)len);
	if (o == NULL) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		size_t at = json_tokener_get_parse_end(tok);

		if (e == json_tokener_continue)
			return ap_err_set(err, AP_EPARSE, "truncated JSON");
		return ap_err_set(err, AP_EPARSE,
				  "invalid JSON at byte %zu: %s", at,
				  json_tokener_error_desc(e));
	}
	end = json_tokener_get_parse_end(tok);
	while (end < len && (json[end] == ' ' || json[end] == '\t' ||
			     json[end] == '\r' || json[end] == '\n'))
		end++;
	if (end < len) {
		json_object_put(o);
		return ap_err_set(err, AP_EPARSE,
				  "unexpected data after the result at byte "
				  "%zu", end);
	}
	*out = o;
	return AP_OK;
}

/* Reads the identity first, so even a rejected result can be named. */
static void read_id(struct json_object *o, struct ap_result_id *id)
{
	id->msm_id = rj_int(rj_get(o, "msm_id"), -1);
	id->prb_id = rj_int(rj_get(o, "prb_id"), -1);
	id->timestamp = rj_int(rj_get(o, "timestamp"), -1);
}

/* First present string among the given keys. */
static const char *first_str(struct json_object *o, const char *k1,
			     const char *k2)
{
	const char *s = rj_str(rj_get(o, k1));

	if (s == NULL || s[0] == '\0')
		s = rj_str(rj_get(o, k2));
	return (s != NULL && s[0] != '\0') ? s : NULL;
}

static int read_af(struct json_object *o, const char *dst)
{
	int64_t af = rj_int(rj_get(o, "af"), -1);

	if (af != 4 && af != 6)
		af = rj_int(rj_get(o, "pf"), -1);
	if (af == 4 || af == 6)
		return (int)af;
	/* As Sagan: 6 when the destination is an IPv6 literal, else 4. */
	return (dst != NULL && strchr(dst, ':') != NULL) ? 6 : 4;
}

static void read_failure(struct ap_result *r, struct json_object *o)
{
	const char *s;

	if ((s = rj_str(rj_get(o, "dnserr"))) != NULL) {
		r->base.failure = AP_FAIL_RESOLVE;
		r->base.failure_text = s;
	} else if ((s = rj_str(rj_get(o, "err"))) != NULL) {
		r->base.failure = AP_FAIL_OTHER;
		r->base.failure_text = s;
	} else if ((s = rj_str(rj_get(o, "error"))) != NULL) {
		r->base.failure = AP_FAIL_OTHER;
		r->base.failure_text = s;
	}
}

static enum ap_status read_base(struct ap_result *r, struct json_object *o,
				const struct ap_result_id *id,
				struct ap_err *err)
{
	struct ap_result_base *b = &r->base;
	const char *type = rj_str(rj_get(o, "type"));
	size_t i;

	if (type == NULL)
		return ap_err_set(err, AP_EPARSE, "no result type");
	for (i = 0; i < sizeof(TYPES) / sizeof(TYPES[0]); i++)
		if (strcmp(type, TYPES[i].name) == 0)
			break;
	if (i == sizeof(TYPES) / sizeof(TYPES[0]))
		return ap_err_set(err, AP_EPARSE, "unknown result type '%.40s'",
				  type);
	b->type = TYPES[i].type;
	if (id->msm_id < 0)
		return ap_err_set(err, AP_EPARSE, "missing or invalid msm_id");
	if (id->prb_id < 0)
		return ap_err_set(err, AP_EPARSE, "missing or invalid prb_id");
	if (id->timestamp < 0)
		return ap_err_set(err, AP_EPARSE,
				  "missing or invalid timestamp");
	b->msm_id = id->msm_id;
	b->prb_id = id->prb_id;
	b->timestamp = id->timestamp;
	b->fw = rj_int(rj_get(o, "fw"), -1);
	/* Firmware before 4460 wrote addr/name/pf; later ones
	 * dst_addr/dst_name/af. Prefer the generation's own name. */
	if (b->fw > 0 && b->fw < 4460) {
		b->dst_addr = first_str(o, "addr", "dst_addr");
		b->dst_name = first_str(o, "name", "dst_name");
	} else {
		b->dst_addr = first_str(o, "dst_addr", "addr");
		b->dst_name = first_str(o, "dst_name", "name");
	}
	if (b->dst_name == NULL)
		b->dst_name = b->dst_addr;
	b->af = read_af(o, b->dst_addr);
	b->src_addr = rj_str(rj_get(o, "src_addr"));
	b->from = rj_str(rj_get(o, "from"));
	b->proto = rj_str(rj_get(o, "proto"));
	b->lts = rj_int(rj_get(o, "lts"), -1);
	if (b->lts < 0)
		b->lts = -1;
	read_failure(r, o);
	return AP_OK;
}

enum ap_status ap_result_parse(const char *json, size_t len,
			       struct ap_result **out, struct ap_result_id *id,
			       struct ap_err *err)
{
	struct ap_result_parser *p;
	enum ap_status st;

	*out = NULL;
	if (id != NULL)
		id->msm_id = id->prb_id = id->timestamp = -1;
	st = ap_result_parser_new(&p, err);
	if (st != AP_OK)
		return st;
	st = ap_result_parse_with(p, json, len, out, id, err);
	ap_result_parser_free(p);
	return st;
}

enum ap_status ap_result_parse_with(struct ap_result_parser *p,
				    const char *json, size_t len,
				    struct ap_result **out,
				    struct ap_result_id *id,
				    struct ap_err *err)
{
	struct ap_result_id local_id = {-1, -1, -1};
	struct ap_result *r = NULL;
	struct json_object *o;
	enum ap_status st;

	*out = NULL;
	if (id == NULL)
		id = &local_id;
	id->msm_id = id->prb_id = id->timestamp = -1;
	/* Modern ping/traceroute: the fast path, which declines (cheaply,
	 * without side effects) everything it does not handle exactly. */
	if (p->fast && fast_result_new(json, len, out, id) == FAST_OK)
		return AP_OK;
	st = parse_json(p->tok, json, len, &o, err);
	if (st != AP_OK)
		return st;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return ap_err_set(err, AP_EPARSE,
				  "result is not a JSON object");
	}
	read_id(o, id);
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		json_object_put(o);
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	}
	r->json_root = o;
	r->arena = ap_arena_new();
	if (r->arena == NULL) {
		st = ap_err_set(err, AP_ENOMEM, "out of memory");
		goto out;
	}
	st = read_base(r, o, id, err);
	if (st != AP_OK)
		goto out;
	switch (r->base.type) {
	case AP_RESULT_PING:
		st = parse_ping(r, o, err);
		break;
	case AP_RESULT_TRACEROUTE:
		st = parse_traceroute(r, o, err);
		break;
	case AP_RESULT_DNS:
		st = parse_dns(r, o, err);
		break;
	case AP_RESULT_HTTP:
		st = parse_http(r, o, err);
		break;
	case AP_RESULT_NTP:
		st = parse_ntp(r, o, err);
		break;
	case AP_RESULT_SSLCERT:
		st = parse_sslcert(r, o, err);
		break;
	}
out:
	if (st != AP_OK) {
		ap_result_free(r);
		return st;
	}
	*out = r;
	return AP_OK;
}

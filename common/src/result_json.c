/* SPDX-License-Identifier: MIT */
/* result_json: lenient number/string readers over json-c values. */
#include "result_json_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct json_object *rj_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

bool rj_has(struct json_object *o, const char *key)
{
	if (o == NULL || !json_object_is_type(o, json_type_object))
		return false;
	return json_object_object_get_ex(o, key, NULL);
}

/*
 * Reads a numeric string through json-c's own number parser: it is strict
 * JSON number syntax and independent of the process locale (json-c switches
 * to the C locale while tokenizing), unlike a bare strtod.
 */
static bool string_number(const char *s, double *out)
{
	struct json_object *n;
	bool ok = false;
	size_t len = strlen(s);

	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	if (len == 0 || len > 64)
		return false;
	if (!(*s == '-' || (*s >= '0' && *s <= '9')))
		return false;
	{
		char tmp[66];
		struct json_tokener *tok = json_tokener_new();
		size_t end;

		if (tok == NULL)
			return false;
		/* A trailing space tells the tokener the number has ended. */
		memcpy(tmp, s, len);
		tmp[len] = ' ';
		tmp[len + 1] = '\0';
		n = json_tokener_parse_ex(tok, tmp, (int)len + 1);
		end = n != NULL ? json_tokener_get_parse_end(tok) : 0;
		while (end < len + 1 && tmp[end] == ' ')
			end++;
		if (n != NULL && end == len + 1 &&
		    (json_object_is_type(n, json_type_int) ||
		     json_object_is_type(n, json_type_double))) {
			*out = json_object_get_double(n);
			ok = isfinite(*out);
		}
		json_object_put(n);
		json_tokener_free(tok);
	}
	return ok;
}

int64_t rj_int(struct json_object *v, int64_t dflt)
{
	double d;

	if (v == NULL)
		return dflt;
	switch (json_object_get_type(v)) {
	case json_type_int:
		errno = 0;
		{
			int64_t i = json_object_get_int64(v);

			/* json-c clamps out-of-range values and sets errno */
			return errno == 0 ? i : dflt;
		}
	case json_type_double:
		d = json_object_get_double(v);
		break;
	case json_type_string:
		if (!string_number(json_object_get_string(v), &d))
			return dflt;
		break;
	default:
		return dflt;
	}
	if (!isfinite(d) || d >= 9.2e18 || d <= -9.2e18)
		return dflt;
	return (int64_t)d;
}

double rj_double(struct json_object *v)
{
	double d;

	if (v == NULL)
		return NAN;
	switch (json_object_get_type(v)) {
	case json_type_int:
		return (double)json_object_get_int64(v);
	case json_type_double:
		d = json_object_get_double(v);
		return isfinite(d) ? d : NAN;
	case json_type_string:
		return string_number(json_object_get_string(v), &d) ? d : NAN;
	default:
		return NAN;
	}
}

const char *rj_str(struct json_object *v)
{
	if (v == NULL || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

const char *rj_text(struct ap_arena *a, struct json_object *v)
{
	char tmp[64];
	int n;

	if (v == NULL)
		return NULL;
	switch (json_object_get_type(v)) {
	case json_type_string:
		return json_object_get_string(v);
	case json_type_int:
		n = snprintf(tmp, sizeof(tmp), "%lld",
			     (long long)json_object_get_int64(v));
		return ap_arena_strndup(a, tmp, (size_t)n);
	default:
		return NULL;
	}
}

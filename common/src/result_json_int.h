/* SPDX-License-Identifier: MIT */
/*
 * result_json (internal): lenient readers over json-c values, for result
 * fields that firmware writes sometimes as numbers and sometimes as strings.
 * Only the parse_*.c files include this; json-c stays out of public headers.
 */
#ifndef ATLASPERF_RESULT_JSON_INT_H
#define ATLASPERF_RESULT_JSON_INT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "ap_arena_int.h"

/* Member key of object o; NULL when absent, or when o is not an object. */
struct json_object *rj_get(struct json_object *o, const char *key);

/* True when o is an object that has key (with any value, even null). */
bool rj_has(struct json_object *o, const char *key);

/* Integer from an int, an integral double or a numeric string ("3");
 * dflt for anything else (null, bool, text, out of range). */
int64_t rj_int(struct json_object *v, int64_t dflt);

/* Double from a number or numeric string ("58.042"); NaN otherwise. */
double rj_double(struct json_object *v);

/* String contents when v is a JSON string; NULL otherwise. */
const char *rj_str(struct json_object *v);

/* Text of a string, or of a number written out (arena-owned); NULL for
 * other types or when out of memory. */
const char *rj_text(struct ap_arena *a, struct json_object *v);

#endif

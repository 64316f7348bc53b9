/* SPDX-License-Identifier: MIT */
/*
 * fast_result (internal): a specialised, json-c-free scanner for the hot
 * result shapes (modern ping and traceroute). It accepts only a strict,
 * conservative subset of JSON and declines everything else, so that
 * ap_result_parse_with can fall back to the json-c path: correctness never
 * depends on the fast path. See docs/performance.md, "Fast path".
 */
#ifndef ATLASPERF_FAST_RESULT_INT_H
#define ATLASPERF_FAST_RESULT_INT_H

#include <stddef.h>

#include "atlasperf/ap_result.h"

struct ap_arena;

enum fast_status {
	FAST_OK = 0,  /* accepted: r is filled exactly as the json-c path */
	FAST_DECLINE, /* not a shape the fast path handles: use json-c */
	FAST_ENOMEM   /* allocation failed (the caller may still fall back) */
};

/*
 * Parses json[0..len) into r (zeroed by the caller, arena a set as
 * r->arena). Everything r points to is copied into or allocated in a;
 * nothing borrows from json. On FAST_DECLINE/FAST_ENOMEM r is garbage
 * (the caller frees the arena and starts over).
 */
enum fast_status fast_result_parse(const char *json, size_t len,
				   struct ap_result *r, struct ap_arena *a);

/*
 * Whole-result wrapper: allocates the result and its arena, fills id on
 * success. Returns FAST_OK with *out set, or FAST_DECLINE/FAST_ENOMEM
 * with *out NULL and nothing allocated.
 */
enum fast_status fast_result_new(const char *json, size_t len,
				 struct ap_result **out,
				 struct ap_result_id *id);

#endif

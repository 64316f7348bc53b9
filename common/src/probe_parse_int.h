/* SPDX-License-Identifier: MIT */
/*
 * probe_parse (internal): the text side of the probe cache, shared by
 * ap_probe.c and probe_parse.c: one cache-file line to and from a struct
 * ap_probe_info, and the normalisation every stored entry goes through.
 */
#ifndef ATLASPERF_PROBE_PARSE_INT_H
#define ATLASPERF_PROBE_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atlasperf/ap_probe.h"

/* First line of a cache file. */
#define PROBE_FILE_HEADER "atlasperf-probes 1"

/* 9999-12-31T23:59:59Z: the bound on fetched_at (and on `now`). */
#define PROBE_TIME_MAX INT64_C(253402300799)

/* Longest cache-file line accepted, newline included (a real one is under
 * 100 bytes). */
#define PROBE_LINE_MAX 256

/*
 * Parses one data line (without its newline) strictly: exactly nine
 * fields separated by single spaces, every value bounds-checked. Fills *p
 * and returns true; or returns false with a reason in why[0..n) (the
 * caller adds file and line).
 */
bool probe_line_parse(const char *line, struct ap_probe_info *p, char *why,
		      size_t n);

/*
 * Writes p as one data line with its newline into buf[0..n), locale-free
 * (integers only). Returns the length, or 0 when it does not fit.
 */
size_t probe_line_format(const struct ap_probe_info *p, char *buf, size_t n);

/*
 * Brings p to the form the cache stores (and the file round-trips
 * exactly): coordinates rounded to micro-degrees, NaN for both unless both
 * are in range; out-of-range ASNs -1; cc upper case or ""; a negative entry
 * with every field unknown.
 */
void probe_normalize(struct ap_probe_info *p);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * probe_ts_hash_int.h: the hash of a result's identity within one
 * measurement, (prb_id, timestamp), shared by the two open-addressing
 * tables keyed by it (ap_state's de-duplication set and ap_agg's sample
 * index). Internal to libatlasperf.
 */
#ifndef ATLASPERF_PROBE_TS_HASH_INT_H
#define ATLASPERF_PROBE_TS_HASH_INT_H

#include <stdint.h>

/* Mixes both halves fully (splitmix64's finaliser), so a table indexed by
 * the low bits spreads probes with consecutive ids and timestamps. */
static inline uint64_t probe_ts_hash(int64_t prb_id, int64_t ts)
{
	uint64_t h = (uint64_t)prb_id * UINT64_C(0x9e3779b97f4a7c15);

	h ^= (uint64_t)ts + UINT64_C(0x632be59bd9b4e019) + (h << 6) + (h >> 2);
	h ^= h >> 31;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	return h ^ (h >> 29);
}

#endif

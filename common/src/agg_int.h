/* SPDX-License-Identifier: MIT */
/*
 * agg_int (internal): the data of struct ap_agg, shared by ap_agg.c (samples,
 * windows, emission) and agg_file.c (persistence).
 */
#ifndef ATLASPERF_AGG_INT_H
#define ATLASPERF_AGG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atlasperf/ap_agg.h"

/* Sample kinds: the result types that have a summary. */
enum agg_kind { AGG_PING = 1, AGG_TRACE = 2 };

/* Sample flags. */
#define AGG_RESPONDED 0x1 /* ping: a reply came back; trace: destination
			   * responded */
#define AGG_HAS_PATH 0x2  /* trace: path_id present */
#define AGG_FLAGS_ALL (AGG_RESPONDED | AGG_HAS_PATH)

/* Newest timestamp a sample may carry: keeps window arithmetic far from
 * int64 overflow (Atlas timestamps are ~1.7e9). */
#define AGG_MAX_TS (INT64_MAX / 4)

/* Longest group value, bytes; a longer one counts as none. */
#define AGG_MAX_VALUE 255

/* What one result contributes; everything a summary needs, nothing more. */
struct agg_sample {
	int64_t prb_id;
	int64_t ts;       /* result timestamp, Unix seconds */
	int64_t sent;     /* packets (trace: 1); -1 unknown */
	int64_t rcvd;     /* <= sent (trace: destination responded); -1 */
	double rtt_ms;    /* ping median_response_ms, trace
			   * destination_rtt_ms; NaN none */
	double min_ms;    /* ping minimum_response_ms, trace = rtt_ms */
	double max_ms;    /* ping maximum_response_ms, trace = rtt_ms */
	uint64_t path;    /* trace: path_id's value */
	uint32_t key[AP_AGG_MAX_DIMS]; /* 1 + interned string id; 0 none,
					* indexed by enum ap_agg_dim */
	unsigned char kind;  /* enum agg_kind */
	unsigned char af;    /* 4 or 6 */
	unsigned char flags; /* AGG_* */
};

/* One (kind, af, window start) that holds samples. */
struct agg_win {
	int64_t start;
	unsigned char kind, af;
	size_t n_committed, n_pending; /* samples in the window */
	/* Committed: the last committed emission shows the committed
	 * samples (false for a window never emitted). */
	bool clean;
	bool p_changed; /* pending samples changed it */
	bool p_emitted; /* emitted after its last pending change */
	bool loaded;    /* loader: a `w` line was read for it */
};

struct ap_agg {
	int64_t msm_id;
	struct ap_agg_opts o;
	/* Windows that start before floor are final; INT64_MIN none yet.
	 * Always a multiple of the interval otherwise. */
	int64_t floor;
	bool restored;
	/* Samples: [0, n_committed) committed, [n_committed, n) pending. */
	struct agg_sample *s;
	size_t n, n_committed, cap;
	/* (prb_id, ts) -> 1 + index into s; open addressing, power of 2. */
	size_t *slots;
	size_t n_slots;
	/* Windows sorted by (kind, af, start). */
	struct agg_win *w;
	size_t nw, wcap;
	/* Interned group values: str[id]; sorted[] holds ids by strcmp. */
	char **str;
	uint32_t *sorted;
	size_t nstr, strcap;
};

/* Start of the window holding ts. */
int64_t agg_window_start(const struct ap_agg *a, int64_t ts);

/* Oldest timestamp kept: floor minus one interval (INT64_MIN none). */
int64_t agg_keep_from(const struct ap_agg *a);

/* Interns s (non-empty; copied) and gives 1 + its id. AP_ENOMEM. */
enum ap_status agg_intern(struct ap_agg *a, const char *s, uint32_t *key);

/*
 * Inserts sample x, pending (marks its window, and for a traceroute the
 * next one, as changed) or committed (loader: no marks). *added (may be
 * NULL) tells whether it was new: a sample with the same (prb_id, ts) is
 * not. AP_ENOMEM leaves a unchanged.
 */
enum ap_status agg_insert(struct ap_agg *a, const struct agg_sample *x,
			  bool pending, bool *added);

/* The window record, or NULL. */
struct agg_win *agg_win_find(const struct ap_agg *a, int kind, int af,
			     int64_t start);

/* The kind's name in files and measurement names ("ping"/"traceroute"). */
const char *agg_kind_name(int kind);

#endif

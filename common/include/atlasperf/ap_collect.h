/* SPDX-License-Identifier: MIT */
/*
 * ap_collect: one poll of one measurement against the Atlas results API,
 * exactly once. A poll reads [start, now] where start is the cursor minus
 * a short overlap, or the whole lateness horizon on the first poll and at
 * most every sweep interval; results already emitted (the state's
 * (prb_id, timestamp) set) are skipped, new ones are converted and handed
 * to the sink and marked pending in the state.
 *
 * The poll is all or nothing: it returns AP_OK only when every request
 * succeeded. The caller then flushes what the sink received and calls
 * ap_poll_commit; on any error it discards the sink's output and calls
 * ap_state_rollback, so cursor and state stay untouched. A crash between
 * flush and commit re-emits identical points, which InfluxDB stores once.
 */
#ifndef ATLASPERF_AP_COLLECT_H
#define ATLASPERF_AP_COLLECT_H

#include <stdbool.h>
#include <stdint.h>

#include "atlasperf/ap_agg.h"
#include "atlasperf/ap_convert.h"
#include "atlasperf/ap_err.h"
#include "atlasperf/ap_fetch.h"
#include "atlasperf/ap_metric.h"
#include "atlasperf/ap_path.h"
#include "atlasperf/ap_probe.h"
#include "atlasperf/ap_result.h"
#include "atlasperf/ap_state.h"

struct ap_poll_opts {
	const char *base_url;  /* e.g. https://atlas.ripe.net/api/v2 */
	int64_t msm_id;
	int64_t horizon_s;     /* late_results_horizon */
	int64_t sweep_s;       /* late_sweep_interval */
	int64_t overlap_s;     /* re-read behind the cursor on every poll */
	int64_t max_window_s;  /* one request spans at most this much time */
	bool final;            /* measurement stopped: read the whole
				* horizon and mark it finished */
	/* Tags, hop points, bottleneck rule; probe_asn/probe_cc are filled
	 * per result by the poll. Borrowed. */
	const struct ap_convert_opts *convert;
	/* Probe metadata (NULL: none). Refreshed for the probes seen. */
	struct ap_probe_cache *probes;
	/* Exit link / IXP classification of traceroutes (NULL: none). */
	const struct ap_path_table *paths;
	/* Per-window summaries: each new result is added (pending) with the
	 * same convert options as its point. NULL: none. */
	struct ap_agg *agg;
	/* Told about each result that could not be interpreted (may be
	 * NULL): the library does not log. */
	void (*on_invalid)(const struct ap_result_id *id, const char *why,
			   void *user);
	void *user;
};

/* Defaults: horizon 2 h, sweep 15 min, overlap 10 min, window 1 h. */
void ap_poll_opts_init(struct ap_poll_opts *o);

struct ap_poll_report {
	int64_t start, stop;      /* the time range read (inclusive) */
	bool swept;               /* the whole horizon was re-read */
	uint64_t results_read;    /* results in the responses */
	uint64_t results_invalid; /* not interpretable, skipped */
	uint64_t results_duplicate; /* already emitted earlier */
	uint64_t points;          /* points handed to the sink */
	uint64_t api_requests;
	uint64_t api_errors;
	long last_http_status;    /* 0 when no response */
	long retry_after_s;       /* from the failing response, -1 none */
	int64_t fetch_ms;         /* time spent in requests */
	int64_t newest_ts;        /* newest result timestamp seen, 0 none */
};

/*
 * Runs one poll at time now (Unix seconds) for state s. Returns AP_OK, or
 * the first error: AP_EHTTP (transport/status; report->last_http_status
 * and retry_after_s say more), AP_EPARSE (the body was not a complete
 * JSON array: HTML page, garbage, truncation), AP_ERANGE (size cap),
 * AP_EIO (spool file), AP_ENOMEM, or the sink's status. report is always
 * filled. f, s, o and sink are borrowed.
 */
enum ap_status ap_poll(struct ap_fetch *f, struct ap_msm_state *s,
		       const struct ap_poll_opts *o, int64_t now,
		       const struct ap_sink *sink,
		       struct ap_poll_report *report, struct ap_err *err);

/* After a successful poll whose output was flushed: commits the pending
 * entries, moves the cursor, prunes entries older than the horizon. */
void ap_poll_commit(struct ap_msm_state *s, const struct ap_poll_opts *o,
		    const struct ap_poll_report *report, int64_t now);

/* Measurement metadata from GET {base_url}/measurements/{id}/. */
struct ap_msm_meta {
	char type[16];       /* "ping", ... ("" unknown) */
	int af;              /* 4/6, 0 unknown */
	int64_t interval_s;  /* -1 unknown */
	int status_id;       /* Atlas status id, -1 unknown */
	char status[32];     /* "Ongoing", "Stopped", ... */
	int64_t stop_time;   /* -1 none */
	bool stopped;        /* no more results will come */
};

/* Fetches and parses the measurement detail. Errors as ap_poll. */
enum ap_status ap_msm_meta_fetch(struct ap_fetch *f, const char *base_url,
				 int64_t msm_id, struct ap_msm_meta *meta,
				 struct ap_fetch_info *info,
				 struct ap_err *err);

#endif

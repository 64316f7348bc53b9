/* SPDX-License-Identifier: MIT */
/*
 * ap_collector: everything one configured measurement needs between polls,
 * shared by the Telegraf execd program and the collectd plugin: its state
 * (cursor + de-duplication set, loaded from and saved to state_dir), its
 * metadata (stopped measurements get one final poll), back-off after
 * failures (capped exponential with jitter, honouring Retry-After), the
 * "stop polling" verdict for 401/403/404, and the counters behind the
 * atlasperf_internal metric. One collector is used by one thread at a time.
 */
#ifndef ATLASPERF_AP_COLLECTOR_H
#define ATLASPERF_AP_COLLECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "atlasperf/ap_collect.h"
#include "atlasperf/ap_config.h"
#include "atlasperf/ap_err.h"
#include "atlasperf/ap_fetch.h"
#include "atlasperf/ap_metric.h"
#include "atlasperf/ap_probe.h"

/* What a gather did for the measurement. */
enum ap_gather_outcome {
	AP_GATHER_POLLED,   /* new results (possibly none) were emitted */
	AP_GATHER_WAITING,  /* backing off after failures; nothing done */
	AP_GATHER_FAILED,   /* the poll failed; state untouched, retry later */
	AP_GATHER_DISABLED, /* 401/403/404: not polled until restart */
	AP_GATHER_FINISHED, /* the measurement stopped and was read out */
	/* The points went out and the state was committed in memory, but
	 * saving it failed (err says why): the next gather saves again.
	 * Should the process stop before a save succeeds, these results
	 * are emitted again after the restart, as identical points. */
	AP_GATHER_UNSAVED
};

/* Cumulative counters since the collector was created. */
struct ap_collector_stats {
	uint64_t results_read, results_invalid, results_duplicate;
	uint64_t points_written, api_requests, api_errors;
	long last_http_status;
	int64_t fetch_ms;        /* last poll */
	uint64_t consecutive_failures;
};

struct ap_collector;
struct ap_agg;

/*
 * Creates the collector for measurement m of cfg and loads its state from
 * cfg->state_dir (a damaged state file is an error: AP_EPARSE naming the
 * file; the operator must look at it). cfg, m, f and probes are borrowed
 * and must outlive the collector; probes may be NULL.
 */
enum ap_status ap_collector_new(struct ap_collector **out,
				const struct ap_config *cfg,
				const struct ap_config_msm *m,
				struct ap_fetch *f,
				struct ap_probe_cache *probes,
				struct ap_err *err);

/* Sets the function told about each result that cannot be interpreted
 * (the library does not log; the front-end does). */
void ap_collector_on_invalid(struct ap_collector *c,
			     void (*fn)(const struct ap_result_id *id,
					const char *why, void *user),
			     void *user);

/* Sets the exit-link/IXP table used to classify traceroutes (borrowed;
 * must outlive the collector). NULL: no classification. */
void ap_collector_set_paths(struct ap_collector *c,
			    const struct ap_path_table *paths);

/* Frees c; NULL is fine. Does not save (every commit already did). */
void ap_collector_free(struct ap_collector *c);

int64_t ap_collector_msm_id(const struct ap_collector *c);

/*
 * One gather at time now. Points go to sink as they are converted; then,
 * if the poll succeeded, flush(user) is called and must return AP_OK only
 * once the points are with the consumer (stdout flushed, values
 * dispatched). Only then is the state committed and saved. On failure the
 * caller must drop whatever sink received in this call.
 *
 * Returns the outcome; report (optional) describes the poll; err explains
 * FAILED, DISABLED and UNSAVED. *retry_in_s (optional) says when the next
 * attempt is allowed after WAITING/FAILED.
 */
enum ap_gather_outcome ap_collector_gather(struct ap_collector *c,
					   int64_t now,
					   const struct ap_sink *sink,
					   enum ap_status (*flush)(void *user),
					   void *user,
					   struct ap_poll_report *report,
					   int64_t *retry_in_s,
					   struct ap_err *err);

/*
 * The measurement's window summaries (samples of the lateness horizon),
 * for read-only queries such as ap_link_emit(); NULL until the first
 * gather that knew the interval, and for result types without a summary.
 * Borrowed: valid until the next ap_collector_gather or ap_collector_free.
 */
const struct ap_agg *ap_collector_agg(const struct ap_collector *c);

/* Counters for atlasperf_internal. */
const struct ap_collector_stats *
ap_collector_stats(const struct ap_collector *c);

/*
 * Emits the atlasperf_internal point of this measurement, timestamped now
 * (the collector's own health is wall-clock data): results_read,
 * results_invalid, results_duplicate, points_written, api_requests,
 * api_errors (cumulative since start), last_http_status, fetch_ms,
 * lag_seconds (now - newest result emitted; absent before the first),
 * consecutive_failures, disabled (0/1).
 */
enum ap_status ap_collector_emit_internal(const struct ap_collector *c,
					  int64_t now,
					  const struct ap_sink *sink,
					  struct ap_err *err);

/* Reads the API key: from key_file when given, else from the
 * environment variable ATLAS_API_KEY; *out is NULL when neither is set.
 * Surrounding white space is trimmed. The caller frees *out (and should
 * wipe it). Errors name the file, never the key. */
enum ap_status ap_api_key_load(const char *key_file, char **out,
			       struct ap_err *err);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * ap_state: what the collector remembers per measurement, so every result
 * is emitted once: a cursor (up to where the API has been read), the time
 * of the last full sweep of the lateness horizon, and a de-duplication set
 * of (prb_id, timestamp) for every result emitted within the horizon.
 *
 * Changes made while a poll runs are pending until ap_state_commit (after
 * the poll's points have been flushed) or ap_state_rollback (the poll
 * failed: nothing it saw counts). State files are replaced atomically
 * (temp file, fsync, rename, fsync of the directory), so a crash at any
 * moment leaves either the old or the new state.
 */
#ifndef ATLASPERF_AP_STATE_H
#define ATLASPERF_AP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atlasperf/ap_err.h"

struct ap_msm_state;

/* New empty state for msm_id (never polled). Free with ap_state_free. */
enum ap_status ap_state_new(struct ap_msm_state **out, int64_t msm_id,
			    struct ap_err *err);

/*
 * Loads dir/msm-<id>.state. A missing file gives a new empty state
 * (AP_OK). A damaged file is AP_EPARSE with file and line in err, and
 * *out is NULL: the caller must not start from scratch silently.
 */
enum ap_status ap_state_load(const char *dir, int64_t msm_id,
			     struct ap_msm_state **out, struct ap_err *err);

/* Writes the committed state to dir/msm-<id>.state atomically. Pending
 * entries are not written. AP_EIO with the path and errno text. */
enum ap_status ap_state_save(const char *dir, const struct ap_msm_state *s,
			     struct ap_err *err);

/* Creates dir (and its parents) with mode 0750 when missing. AP_EIO
 * with the path and the system's reason. */
enum ap_status ap_state_dir_prepare(const char *dir, struct ap_err *err);

/* Frees s; NULL is fine. */
void ap_state_free(struct ap_msm_state *s);

int64_t ap_state_msm_id(const struct ap_msm_state *s);

/* Cursor: the `stop` of the last successful poll, Unix seconds; 0 when
 * the measurement was never polled. */
int64_t ap_state_cursor(const struct ap_msm_state *s);

/* Time of the last poll that re-read the whole horizon; 0 never. */
int64_t ap_state_last_sweep(const struct ap_msm_state *s);

/* Set when a stopped measurement had its final poll. */
bool ap_state_finished(const struct ap_msm_state *s);

/* Newest result timestamp ever emitted (committed); 0 none. */
int64_t ap_state_newest(const struct ap_msm_state *s);

/* Number of committed (prb_id, timestamp) entries. */
size_t ap_state_seen_count(const struct ap_msm_state *s);

/* True when (prb_id, timestamp) was emitted (committed or pending). */
bool ap_state_seen(const struct ap_msm_state *s, int64_t prb_id,
		   int64_t timestamp);

/* Records (prb_id, timestamp) as pending. AP_ENOMEM possible. */
enum ap_status ap_state_mark(struct ap_msm_state *s, int64_t prb_id,
			     int64_t timestamp);

/*
 * Makes the pending entries permanent, sets the cursor (and last_sweep
 * when sweep_at > 0, finished when finished is true), and forgets entries
 * older than prune_before (they can no longer be re-read: older than the
 * horizon).
 */
void ap_state_commit(struct ap_msm_state *s, int64_t cursor,
		     int64_t sweep_at, bool finished, int64_t prune_before);

/* Drops the pending entries; cursor and committed entries stay. */
void ap_state_rollback(struct ap_msm_state *s);

#endif

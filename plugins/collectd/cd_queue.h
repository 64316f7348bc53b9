/* SPDX-License-Identifier: MIT */
/*
 * cd_queue: the values of one poll, held until the poll is complete (all
 * or nothing), then handed out in time order; plus, per identifier (data
 * set + type instance), the time of the last value handed out. collectd's
 * cache rejects a value that is not newer than the last one of its
 * identifier ("value too old"), so a late result older than that is not
 * handed out but counted. One queue per read callback; no locking.
 * Knows nothing of the collectd headers (unit-tested in cd_queue_test.c).
 */
#ifndef ATLASPERF_CD_QUEUE_H
#define ATLASPERF_CD_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "atlasperf/ap_err.h"
#include "cd_map.h"

struct cd_queue;

/* Outcome of one cd_queue_flush. */
struct cd_flush_report {
	uint64_t dispatched; /* handed to dispatch, which accepted them */
	uint64_t late;       /* not newer than their identifier's last */
	uint64_t failed;     /* dispatch refused them (retried next poll) */
	uint64_t barriers;   /* times barrier was called */
};

/*
 * Creates an empty queue holding at most max_pending values per poll
 * (72 bytes each) and max_ids identifiers. The caller frees it with
 * cd_queue_free. Errors: AP_ENOMEM, AP_EINVAL (a zero limit).
 */
enum ap_status cd_queue_new(struct cd_queue **out, size_t max_pending,
			    size_t max_ids, struct ap_err *err);

/* Frees q; NULL is fine. */
void cd_queue_free(struct cd_queue *q);

/* Copies v into the pending values (its seq is set here). AP_ERANGE over
 * max_pending, AP_ENOMEM. */
enum ap_status cd_queue_add(struct cd_queue *q, const struct cd_value *v);

/* Values pending now. */
size_t cd_queue_pending(const struct cd_queue *q);

/* Drops the pending values (a failed poll); identifiers are kept. */
void cd_queue_clear(struct cd_queue *q);

/*
 * Sorts the pending values by time (ties keep emission order) and, for
 * each, either calls dispatch(v, user) — when v is newer than the last
 * value handed out for its identifier — or on_late(v, last_s, user)
 * (optional) and counts it late. dispatch returns 0 when collectd took
 * the value; then the identifier's last time becomes v's. A refused
 * value is counted failed and the rest go on.
 *
 * barrier(user) (optional) is called before a value whose identifier
 * already had one handed out in this flush: it waits until collectd has
 * written what was handed out so far, so collectd's parallel write
 * threads never see two values of one identifier at once (they would
 * reorder them: "value too old"). Its result is not used.
 *
 * The pending values are dropped afterwards in every case. Returns AP_OK;
 * AP_EIO when any value was refused (so the poll is not committed and is
 * re-read: the values that did go out are then late and not sent twice);
 * AP_ERANGE or AP_ENOMEM when the identifier table cannot take a new
 * identifier (that value and the rest are counted failed).
 */
enum ap_status cd_queue_flush(struct cd_queue *q,
			      int (*dispatch)(const struct cd_value *v,
					      void *user),
			      int (*barrier)(void *user),
			      void (*on_late)(const struct cd_value *v,
					      int64_t last_s, void *user),
			      void *user, struct cd_flush_report *report);

/* Forgets identifiers whose last value is older than before_s: no result
 * that old is read again (it is past the lateness horizon). */
void cd_queue_prune(struct cd_queue *q, int64_t before_s);

/* Identifiers known. */
size_t cd_queue_identifiers(const struct cd_queue *q);

/* Last time handed out for (type, type_instance); 0 = none. */
int64_t cd_queue_last(const struct cd_queue *q, uint16_t type,
		      const char *type_instance);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * ap_agg: per-window summaries across probes (atlas_ping_summary,
 * atlas_traceroute_summary) for one measurement. Results are reduced to
 * compact samples, grouped by window (the measurement's interval, aligned
 * to multiples of it), address family and group (`all`, plus probe_asn,
 * probe_cc or link), and a window's points are emitted once it closes and
 * again whenever later results change it. docs/summaries.md gives every
 * rule; the same final set of results always gives the same points,
 * whatever order and batches the results arrived in.
 *
 * Like ap_state, changes made during a poll (samples added, windows marked
 * as emitted) are pending until ap_agg_commit (the poll's output was
 * flushed) or ap_agg_rollback (it was not: a later poll re-emits). Files
 * are replaced atomically (temp file, fsync, rename, fsync of the
 * directory).
 */
#ifndef ATLASPERF_AP_AGG_H
#define ATLASPERF_AP_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atlasperf/ap_convert.h"
#include "atlasperf/ap_err.h"
#include "atlasperf/ap_metric.h"
#include "atlasperf/ap_result.h"

/* An aggregation dimension besides `all`. The values match enum
 * ap_config_group, so a configuration's group_by maps one to one. */
enum ap_agg_dim {
	AP_AGG_BY_PROBE_ASN = 0, /* ap_convert_opts.probe_asn */
	AP_AGG_BY_PROBE_CC,      /* ap_convert_opts.probe_cc */
	AP_AGG_BY_LINK           /* ap_convert_opts.link */
};
#define AP_AGG_MAX_DIMS 3

/* Largest window length accepted, seconds (about 31 years). */
#define AP_AGG_MAX_INTERVAL_S INT64_C(1000000000)
/* horizon_s value that never prunes by age (tools and tests only: the
 * memory then grows with the input). */
#define AP_AGG_HORIZON_NONE INT64_C(-1)

struct ap_agg_opts {
	/* Window length in seconds, 1..AP_AGG_MAX_INTERVAL_S: the
	 * measurement's interval. A window starts at ts - ts mod interval. */
	int64_t interval_s;
	/* The lateness horizon, seconds (>= 0, or AP_AGG_HORIZON_NONE):
	 * how far back results may still arrive. At commit time t, windows
	 * that start before window_start(t - horizon_s) are final, and
	 * samples older than that minus one interval are forgotten. */
	int64_t horizon_s;
	/* Extra groups, each at most once, in the order points are
	 * emitted (after `all`). */
	enum ap_agg_dim group_by[AP_AGG_MAX_DIMS];
	size_t n_group_by;
};

/* Fills o with: interval 0 (must be set), horizon 7200 s, no group_by. */
void ap_agg_opts_init(struct ap_agg_opts *o);

/* Reads a dimension name ("probe_asn", "probe_cc", "link"). AP_EINVAL
 * for anything else. */
enum ap_status ap_agg_dim_parse(const char *name, enum ap_agg_dim *out);

/* The dimension's name, which is also its tag key; static text. */
const char *ap_agg_dim_name(enum ap_agg_dim dim);

struct ap_agg;

/*
 * New empty aggregation for msm_id (> 0) with options o (copied). On
 * success the caller frees *out with ap_agg_free; on failure *out is NULL
 * and AP_EINVAL (bad interval, horizon, or group_by entry or repetition)
 * or AP_ENOMEM is returned with err set.
 */
enum ap_status ap_agg_new(struct ap_agg **out, int64_t msm_id,
			  const struct ap_agg_opts *o, struct ap_err *err);

/* Frees a and everything it owns; NULL is fine. */
void ap_agg_free(struct ap_agg *a);

/*
 * Adds result r as a pending sample. Only ping and traceroute results
 * count; other types, results with a negative or absurd timestamp, a
 * second result with the same (prb_id, timestamp) (the first one stays),
 * and results older than what is kept (see horizon_s) are ignored with
 * AP_OK. opts gives the group values (probe_asn, probe_cc, link; copied)
 * and, for traceroutes, the link that path_id hashes; NULL = none.
 * Returns AP_EINVAL when r belongs to another measurement, AP_ENOMEM.
 * r and opts are borrowed for the call.
 */
enum ap_status ap_agg_add(struct ap_agg *a, const struct ap_result *r,
			  const struct ap_convert_opts *opts,
			  struct ap_err *err);

/*
 * Emits, through sink, the points of every window that is closed at now
 * (start + interval <= now, Unix seconds; INT64_MAX closes every window,
 * for a stopped measurement's last poll), not final, holds samples, and
 * was not emitted since it last changed (committed or pending changes),
 * in a fixed order: by result type, af, window start, then group `all`,
 * then each group_by dimension in order with its values sorted bytewise.
 * The windows emitted are marked pending: ap_agg_commit makes that
 * permanent, ap_agg_rollback forgets it (they are emitted again). tags
 * (n_tags, may be NULL/0) are the measurement's configured tags, added to
 * every point before the summary's own tags (msm_id, af, group and the
 * group's key), which win on equal keys; borrowed. Returns AP_OK, the
 * sink's first non-AP_OK status, AP_EINVAL (a point had more tags than
 * fit) or AP_ENOMEM, with err set for the last two; points emitted before
 * a failure stay marked pending.
 */
enum ap_status ap_agg_emit(struct ap_agg *a, int64_t now,
			   const struct ap_tag *tags, size_t n_tags,
			   const struct ap_sink *sink, struct ap_err *err);

/*
 * After the poll's output (per-result points and summaries) was flushed:
 * makes pending samples and pending emissions permanent, then moves the
 * final-window bound to window_start(now - horizon_s) (it never moves
 * back) and forgets samples and windows older than that bound minus one
 * interval. now is Unix seconds, as given to ap_agg_emit.
 */
void ap_agg_commit(struct ap_agg *a, int64_t now);

/* Forgets pending samples and pending emissions. */
void ap_agg_rollback(struct ap_agg *a);

/*
 * Makes every window that starts before ts final (never emitted), and
 * ignores results older than one interval before it. For a measurement
 * whose per-result state exists (ap_state cursor != 0) but whose summary
 * state does not (summaries newly enabled, the .agg file lost): pass the
 * cursor, so windows already partly emitted are not summarised from the
 * part re-read. Takes effect at once (not pending).
 */
void ap_agg_set_floor(struct ap_agg *a, int64_t ts);

/*
 * Loads dir/msm-<id>.agg with options o (copied; they need not match the
 * saved ones: samples keep every group value, and when the interval
 * changed every window is considered unemitted). A missing file gives a
 * new empty aggregation (AP_OK; ap_agg_restored() is false). A damaged
 * file is AP_EPARSE with file and line in err and *out NULL; AP_EIO,
 * AP_EINVAL (o) and AP_ENOMEM otherwise. The caller frees *out.
 */
enum ap_status ap_agg_load(const char *dir, int64_t msm_id,
			   const struct ap_agg_opts *o, struct ap_agg **out,
			   struct ap_err *err);

/* Writes the committed samples and windows to dir/msm-<id>.agg
 * atomically; pending changes are not written. AP_EIO with the path and
 * errno text. a and dir are borrowed. */
enum ap_status ap_agg_save(const char *dir, const struct ap_agg *a,
			   struct ap_err *err);

/* True when a came from a file (ap_agg_load found one). */
bool ap_agg_restored(const struct ap_agg *a);

int64_t ap_agg_msm_id(const struct ap_agg *a);

/* Samples held, committed and pending (for tests and memory checks). */
size_t ap_agg_sample_count(const struct ap_agg *a);

/* Start of the oldest window that can still be emitted; INT64_MIN when
 * nothing is final yet. */
int64_t ap_agg_floor(const struct ap_agg *a);

/*
 * What ap_agg_link_samples() gathers: the caller zero-initialises it,
 * may pass it to several calls (one per measurement) to pool them, and
 * frees rtt_ms with free() when done (also after a failure).
 */
struct ap_agg_link_acc {
	int64_t results; /* samples that matched */
	int64_t counted; /* of them, with known packet counts */
	int64_t sent;    /* sum of sent over counted (traceroute: 1 each) */
	int64_t rcvd;    /* sum of received, capped per result at sent
			  * (traceroute: 1 when the destination responded) */
	/* Per-result RTTs of the matches that have one (ping: median RTT,
	 * traceroute: destination RTT), ms, unsorted: n_rtt of cap_rtt,
	 * grown with realloc; owned by the caller. */
	double *rtt_ms;
	size_t n_rtt, cap_rtt;
};

/*
 * Read-only query for per-link figures (ap_link.h): adds to acc every
 * sample of a, committed or pending, ping or traceroute, any af, with
 * from_ts <= timestamp <= to_ts (Unix seconds) whose link value (the
 * ap_convert_opts.link it was added with) is link, and, when
 * unlabelled_too, every such sample without a link value (a measurement
 * whose configured `link` tag names the link). Only samples still held
 * are seen: those within the horizon (ap_agg_opts.horizon_s). a and link
 * are borrowed; a is not changed. Returns AP_OK, or AP_ENOMEM (err set)
 * when rtt_ms cannot grow, with the counts of acc then incomplete.
 */
enum ap_status ap_agg_link_samples(const struct ap_agg *a, const char *link,
				   bool unlabelled_too, int64_t from_ts,
				   int64_t to_ts, struct ap_agg_link_acc *acc,
				   struct ap_err *err);

#endif

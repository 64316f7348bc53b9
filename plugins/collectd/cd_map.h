/* SPDX-License-Identifier: MIT */
/*
 * cd_map: how atlasperf's metrics (docs/metrics.md) become collectd values
 * (docs/collectd.md has the table). One ap_metric gives one value per
 * field: a data set ("type": collectd's own ping/ping_stddev/ping_droprate
 * where the meaning matches, else one from atlasperf.db), a type instance
 * (probe id, probe id plus sub-series, summary group, or the counter's
 * name), the value
 * in collectd's unit, and the metric's time. Plugin is always "atlasperf",
 * plugin instance the msm id (atlas_link: "link", see cd_map_link).
 * Knows nothing of the collectd headers, so it is unit-tested without the
 * daemon (cd_map_test.c).
 */
#ifndef ATLASPERF_CD_MAP_H
#define ATLASPERF_CD_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atlasperf/ap_err.h"
#include "atlasperf/ap_metric.h"

/* Room for a type instance, NUL included (collectd allows 128; ours are
 * "6001", "6001-resp2", "6001-hop255", "all", "probe_cc-NL",
 * "link-<configured name>", "results_duplicate"). */
#define CD_TI_MAX 48

/* Data source kinds atlasperf uses (collectd's DS_TYPE_GAUGE/DERIVE). */
enum cd_ds_kind {
	CD_DS_GAUGE,
	CD_DS_DERIVE
};

/* One data set ("type") atlasperf dispatches: always one source called
 * "value". Stock ones come from collectd's types.db, the others from
 * plugins/collectd/atlasperf.db, which must list exactly these. */
struct cd_type {
	const char *name;     /* e.g. "ping", "atlas_jitter_ms" */
	enum cd_ds_kind kind;
	const char *min, *max; /* as written in the types file; "U" = none */
	bool stock;           /* in /usr/share/collectd/types.db */
};

/* One value ready to dispatch (plugin "atlasperf", plugin instance = the
 * callback's msm id, which cd_map_metric checks). */
struct cd_value {
	int64_t time_s;  /* Atlas result timestamp (internal values: now) */
	uint32_t seq;    /* emission order; set by cd_queue */
	uint16_t type;   /* index into cd_types() */
	char type_instance[CD_TI_MAX];
	union {
		double gauge;   /* CD_DS_GAUGE; never NaN */
		int64_t derive; /* CD_DS_DERIVE */
	} v;
};

/* The table of data sets, *n entries; static, never freed. */
const struct cd_type *cd_types(size_t *n);

/* Index of the data set called name in cd_types(), or -1. */
int cd_type_find(const char *name);

/* What cd_map_metric could not map (for counters and one-time logs). */
struct cd_map_skip {
	uint64_t fields;       /* fields with no collectd type, or not
				* representable (strings other than path_id) */
	uint64_t metrics;      /* whole metrics: unknown name, no prb_id or
				* group, wrong msm, type instance too long */
	const char *first_key; /* static or borrowed from the metric: the
				* first "metric" or "metric.field" skipped;
				* valid only during the call */
};

/*
 * Maps m (borrowed) into values and hands each to emit(v, user); v is
 * valid only during the call. msm_id is the callback's measurement: a
 * metric whose msm_id tag says otherwise is skipped. Fields without a
 * mapping are skipped and counted in skip (optional, not reset here).
 * Returns AP_OK or emit's first non-AP_OK status.
 */
enum ap_status cd_map_metric(const struct ap_metric *m, int64_t msm_id,
			     enum ap_status (*emit)(const struct cd_value *v,
						    void *user),
			     void *user, struct cd_map_skip *skip);

/*
 * Maps an atlas_link point (docs/metrics.md) like cd_map_metric: type
 * instance = the `link` tag (the configured link name), data sets by the
 * same field rule (percent_packet_loss -> ping_droprate as a fraction,
 * else atlas_<field>), time = the point's (wall-clock) time. The plugin
 * instance is the caller's ("link", "link-I-N" in shard I of N): the
 * point names no measurement. Its `kind` tag is not carried: it follows
 * from the link's name and the configuration. Other metrics, and a link
 * name that does not fit CD_TI_MAX, are skipped and counted in skip.
 */
enum ap_status cd_map_link(const struct ap_metric *m,
			   enum ap_status (*emit)(const struct cd_value *v,
						  void *user),
			   void *user, struct cd_map_skip *skip);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * ap_metric: the neutral record (name, tags, fields, timestamp) that both
 * front-ends translate: line protocol for Telegraf, value lists for collectd.
 * A metric is a fixed-size value type: no allocation, bounded tag and field
 * counts. Adding a "no data" value (NaN, NULL or empty string) is a no-op,
 * so callers never have to guard against emitting 0 or -1 for missing data.
 */
#ifndef ATLASPERF_AP_METRIC_H
#define ATLASPERF_AP_METRIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atlasperf/ap_err.h"

#define AP_METRIC_MAX_TAGS 24
#define AP_METRIC_MAX_FIELDS 32
#define AP_METRIC_SCRATCH 512

enum ap_field_type {
	AP_FIELD_FLOAT,
	AP_FIELD_INT,
	AP_FIELD_STRING,
	AP_FIELD_BOOL
};

struct ap_tag {
	const char *key;   /* borrowed: static or owned by the result */
	const char *value; /* borrowed, never empty */
};

struct ap_field {
	const char *key; /* borrowed */
	enum ap_field_type type;
	union {
		double f;       /* always finite */
		int64_t i;
		const char *s;  /* borrowed, or in scratch */
		bool b;
	} v;
};

struct ap_metric {
	const char *name; /* measurement name, borrowed (usually static) */
	int64_t time_s;   /* Atlas result timestamp, Unix seconds */
	size_t n_tags;
	struct ap_tag tags[AP_METRIC_MAX_TAGS];
	size_t n_fields;
	struct ap_field fields[AP_METRIC_MAX_FIELDS];
	/* Storage for values the metric formats or copies itself. */
	size_t scratch_used;
	char scratch[AP_METRIC_SCRATCH];
	/* Sticky: set when a tag or field did not fit; the metric is then
	 * incomplete and must not be emitted. */
	bool overflow;
};

/* Starts an empty metric. name is borrowed and must outlive the metric. */
void ap_metric_init(struct ap_metric *m, const char *name, int64_t time_s);

/*
 * Adds a tag. key and value are borrowed. A NULL or empty value is skipped
 * (line protocol forbids empty tag values). Replaces an existing tag of the
 * same key, so configured tags can override nothing by accident: callers add
 * base tags last when they must win.
 */
void ap_metric_tag(struct ap_metric *m, const char *key, const char *value);

/* Adds a tag whose value is copied into the metric's scratch area (for a
 * value the caller cannot keep alive). */
void ap_metric_tag_copy(struct ap_metric *m, const char *key,
			const char *value);

/* Adds a tag whose value is an integer, formatted into the scratch area. */
void ap_metric_tag_int(struct ap_metric *m, const char *key, int64_t value);

/* Adds a float field; NaN and +-Inf are skipped ("no data"). */
void ap_metric_float(struct ap_metric *m, const char *key, double value);

/* Adds an integer field. */
void ap_metric_int(struct ap_metric *m, const char *key, int64_t value);

/* Adds an integer field unless value is negative ("unknown" in parsers). */
void ap_metric_count(struct ap_metric *m, const char *key, int64_t value);

/* Adds a string field; NULL is skipped. value is borrowed. */
void ap_metric_string(struct ap_metric *m, const char *key, const char *value);

/* Adds a string field whose value is copied into the metric's scratch
 * area (for values the caller cannot keep alive); NULL is skipped. */
void ap_metric_string_copy(struct ap_metric *m, const char *key,
			   const char *value);

/* Adds a boolean field. */
void ap_metric_bool(struct ap_metric *m, const char *key, bool value);

/*
 * Copies src into dst so that dst's tag values and string fields that live
 * in the metric's own scratch area point into dst's copy (a plain struct
 * assignment would leave them pointing into src). Other strings stay
 * borrowed.
 */
void ap_metric_copy(struct ap_metric *dst, const struct ap_metric *src);

/* Looks a field up by key; NULL when absent. For tests and front-ends. */
const struct ap_field *ap_metric_field(const struct ap_metric *m,
				       const char *key);

/* Looks a tag value up by key; NULL when absent. */
const char *ap_metric_tag_value(const struct ap_metric *m, const char *key);

/*
 * Where converters hand out metrics. The metric passed to emit is only
 * valid during the call. A non-AP_OK return stops the conversion and is
 * passed back to the converter's caller.
 */
struct ap_sink {
	enum ap_status (*emit)(const struct ap_metric *m, void *user);
	void *user;
};

#endif

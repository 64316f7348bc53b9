/* SPDX-License-Identifier: MIT */
/* ap_collector: per-measurement polling policy around ap_poll. */
#include "atlasperf/ap_collector.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atlasperf/ap_agg.h"
#include "atlasperf/ap_state.h"

/* Measurement metadata changes rarely; re-read it hourly. */
#define META_REFRESH_S 3600
/* Longest Retry-After honoured, seconds. */
#define RETRY_AFTER_MAX_S 86400
/* An API key is a UUID; anything far longer is a wrong file. */
#define API_KEY_MAX 256

struct ap_collector {
	const struct ap_config *cfg;
	const struct ap_config_msm *m;
	struct ap_fetch *f;
	struct ap_probe_cache *probes;
	const struct ap_path_table *paths;
	struct ap_msm_state *state;
	struct ap_agg *agg;     /* summaries; NULL until the interval is known */
	int64_t interval_s;     /* from the measurement metadata, 0 unknown */
	bool summarised;        /* ping or traceroute */
	struct ap_convert_opts convert;
	struct ap_tag tags[AP_METRIC_MAX_TAGS];
	struct ap_collector_stats stats;
	int64_t meta_at;        /* when metadata was last read; 0 never */
	bool stopped;           /* the measurement will give no more */
	int64_t stop_time;      /* when it stopped, -1 unknown */
	bool disabled;          /* 401/403/404: do not poll */
	int64_t next_try;       /* back-off: no attempt before this */
	uint64_t rng;           /* jitter; per collector, no global state */
	void (*on_invalid)(const struct ap_result_id *, const char *, void *);
	void *invalid_user;
	char msm_tag[24];
};

static uint64_t next_rand(struct ap_collector *c)
{
	/* xorshift64*: plenty for spreading retries. */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * UINT64_C(2685821657736338717);
}

enum ap_status ap_collector_new(struct ap_collector **out,
				const struct ap_config *cfg,
				const struct ap_config_msm *m,
				struct ap_fetch *f,
				struct ap_probe_cache *probes,
				struct ap_err *err)
{
	struct ap_collector *c;
	enum ap_status st;
	size_t n;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	c->cfg = cfg;
	c->m = m;
	c->f = f;
	c->probes = probes;
	st = ap_state_load(cfg->state_dir, m->id, &c->state, err);
	if (st != AP_OK) {
		free(c);
		return st;
	}
	ap_convert_opts_init(&c->convert);
	n = m->n_tags < AP_METRIC_MAX_TAGS ? m->n_tags : AP_METRIC_MAX_TAGS;
	for (size_t i = 0; i < n; i++) {
		c->tags[i].key = m->tags[i].key;
		c->tags[i].value = m->tags[i].value;
	}
	c->convert.tags = c->tags;
	c->convert.n_tags = n;
	c->convert.hop_points = m->hop_points;
	c->convert.bottleneck_min_ms = cfg->bottleneck_min_ms;
	c->convert.bottleneck_persist = cfg->bottleneck_persist;
	if (m->has_target) {
		c->convert.target_lat = m->target_lat;
		c->convert.target_lon = m->target_lon;
	}
	c->rng = (uint64_t)m->id * UINT64_C(0x9e3779b97f4a7c15) ^
		 (uint64_t)(uintptr_t)c;
	if (c->rng == 0)
		c->rng = 1;
	snprintf(c->msm_tag, sizeof(c->msm_tag), "%" PRId64, m->id);
	c->stop_time = -1;
	*out = c;
	return AP_OK;
}

void ap_collector_on_invalid(struct ap_collector *c,
			     void (*fn)(const struct ap_result_id *id,
					const char *why, void *user),
			     void *user)
{
	c->on_invalid = fn;
	c->invalid_user = user;
}

void ap_collector_set_paths(struct ap_collector *c,
			    const struct ap_path_table *paths)
{
	c->paths = paths;
}

void ap_collector_free(struct ap_collector *c)
{
	if (c == NULL)
		return;
	ap_state_free(c->state);
	ap_agg_free(c->agg);
	free(c);
}

int64_t ap_collector_msm_id(const struct ap_collector *c)
{
	return c->m->id;
}

const struct ap_collector_stats *
ap_collector_stats(const struct ap_collector *c)
{
	return &c->stats;
}

const struct ap_agg *ap_collector_agg(const struct ap_collector *c)
{
	return c->agg;
}

/* 401, 403 and 404 will not go away by retrying. */
static bool is_permanent(long status)
{
	return status == 401 || status == 403 || status == 404;
}

static void disable(struct ap_collector *c, long status, struct ap_err *err)
{
	const char *what = status == 404
		? "the measurement does not exist (check its id)"
		: status == 401
		? "the API key was refused (check atlas.api_key_file or "
		  "ATLAS_API_KEY)"
		: "access denied: the measurement is not public, or the API "
		  "key lacks the right to read it";

	c->disabled = true;
	ap_err_set(err, AP_EHTTP,
		   "msm %" PRId64 ": HTTP %ld: %s; not polled again until the "
		   "configuration changes or atlasperf restarts",
		   c->m->id, status, what);
}

/* Schedules the next attempt after a failure. */
static int64_t back_off(struct ap_collector *c, int64_t now, long retry_after)
{
	int64_t base = c->cfg->retry_min_s > 0 ? c->cfg->retry_min_s : 10;
	int64_t cap = c->cfg->retry_max_s > 0 ? c->cfg->retry_max_s : 900;
	uint64_t k = c->stats.consecutive_failures;
	int64_t delay = base;

	while (k > 1 && delay < cap) {
		delay *= 2;
		k--;
	}
	if (delay > cap)
		delay = cap;
	/* Full delay minus up to half of it, so many collectors that failed
	 * together do not retry together. */
	delay -= (int64_t)(next_rand(c) % (uint64_t)(delay / 2 + 1));
	/* Honour Retry-After even past retry_max (the server knows best),
	 * but at most a day: a huge value must neither overflow nor silence
	 * a measurement for good. */
	if (retry_after > delay)
		delay = retry_after < RETRY_AFTER_MAX_S ? retry_after
							: RETRY_AFTER_MAX_S;
	c->next_try = now + delay;
	return delay;
}

/* Reads metadata when due; false when the collector got disabled. */
static bool refresh_meta(struct ap_collector *c, int64_t now,
			 struct ap_err *err)
{
	struct ap_msm_meta meta;
	struct ap_fetch_info info;
	struct ap_err merr;

	if (c->meta_at != 0 && now - c->meta_at < META_REFRESH_S)
		return true;
	c->stats.api_requests++;
	if (ap_msm_meta_fetch(c->f, c->cfg->atlas.base_url, c->m->id, &meta,
			      &info, &merr) != AP_OK) {
		c->stats.api_errors++;
		c->stats.last_http_status = info.status;
		if (is_permanent(info.status)) {
			disable(c, info.status, err);
			return false;
		}
		/* Metadata only tells whether the measurement stopped: go
		 * on polling, and try again next time. */
		return true;
	}
	c->meta_at = now;
	c->stopped = meta.stopped;
	c->stop_time = meta.stop_time;
	if (meta.interval_s > 0)
		c->interval_s = meta.interval_s;
	c->summarised = strcmp(meta.type, "ping") == 0 ||
			strcmp(meta.type, "traceroute") == 0;
	return true;
}

enum ap_gather_outcome ap_collector_gather(struct ap_collector *c,
					   int64_t now,
					   const struct ap_sink *sink,
					   enum ap_status (*flush)(void *user),
					   void *user,
					   struct ap_poll_report *report,
					   int64_t *retry_in_s,
					   struct ap_err *err)
{
	struct ap_poll_report local;
	struct ap_poll_opts o;
	enum ap_status st;

	if (report == NULL)
		report = &local;
	memset(report, 0, sizeof(*report));
	if (retry_in_s != NULL)
		*retry_in_s = 0;
	if (c->disabled)
		return AP_GATHER_DISABLED;
	if (ap_state_finished(c->state))
		return AP_GATHER_FINISHED;
	if (now < c->next_try) {
		if (retry_in_s != NULL)
			*retry_in_s = c->next_try - now;
		return AP_GATHER_WAITING;
	}
	if (!refresh_meta(c, now, err))
		return AP_GATHER_DISABLED;
	if (c->agg == NULL && c->summarised && c->interval_s > 0) {
		struct ap_agg_opts ao;

		ap_agg_opts_init(&ao);
		ao.interval_s = c->interval_s;
		ao.horizon_s = c->cfg->late_results_horizon_s;
		for (size_t i = 0; i < c->m->n_group_by; i++)
			ao.group_by[i] = (enum ap_agg_dim)c->m->group_by[i];
		ao.n_group_by = c->m->n_group_by;
		if (ap_agg_load(c->cfg->state_dir, c->m->id, &ao, &c->agg,
				err) != AP_OK)
			return AP_GATHER_FAILED; /* damaged: never reset */
		if (!ap_agg_restored(c->agg) && ap_state_cursor(c->state) != 0)
			ap_agg_set_floor(c->agg, ap_state_cursor(c->state));
	}

	ap_poll_opts_init(&o);
	o.base_url = c->cfg->atlas.base_url;
	o.msm_id = c->m->id;
	o.horizon_s = c->cfg->late_results_horizon_s;
	o.sweep_s = c->cfg->late_sweep_interval_s;
	if (o.overlap_s > o.horizon_s)
		o.overlap_s = o.horizon_s;
	/* A stopped measurement's offline probes may still upload results:
	 * keep polling for the lateness horizon after the stop, then read
	 * the whole horizon one last time. */
	o.final = c->stopped &&
		  (c->stop_time < 0 ||
		   now >= c->stop_time + c->cfg->late_results_horizon_s);
	o.convert = &c->convert;
	o.probes = c->probes;
	o.agg = c->agg;
	o.paths = c->paths;
	o.on_invalid = c->on_invalid;
	o.user = c->invalid_user;
	st = ap_poll(c->f, c->state, &o, now, sink, report, err);
	c->stats.api_requests += report->api_requests;
	c->stats.api_errors += report->api_errors;
	c->stats.fetch_ms = report->fetch_ms;
	/* 0 after a request means no HTTP response at all (timeout,
	 * connection refused): worth showing, not hiding behind an old 200. */
	if (report->api_requests > 0)
		c->stats.last_http_status = report->last_http_status;
	if (st == AP_OK && c->agg != NULL)
		st = ap_agg_emit(c->agg, o.final ? INT64_MAX : now,
				 c->convert.tags, c->convert.n_tags, sink, err);
	if (st == AP_OK && flush != NULL)
		st = flush(user);
	if (st != AP_OK) {
		int64_t delay;

		ap_state_rollback(c->state);
		if (c->agg != NULL)
			ap_agg_rollback(c->agg);
		if (is_permanent(report->last_http_status)) {
			disable(c, report->last_http_status, err);
			return AP_GATHER_DISABLED;
		}
		c->stats.consecutive_failures++;
		delay = back_off(c, now, report->retry_after_s);
		if (retry_in_s != NULL)
			*retry_in_s = delay;
		return AP_GATHER_FAILED;
	}
	c->stats.results_read += report->results_read;
	c->stats.results_invalid += report->results_invalid;
	c->stats.results_duplicate += report->results_duplicate;
	c->stats.points_written += report->points;
	c->stats.consecutive_failures = 0;
	c->next_try = 0;
	ap_poll_commit(c->state, &o, report, now);
	if (c->agg != NULL) {
		ap_agg_commit(c->agg, now);
		/* Before the state: a result the state calls emitted must
		 * already be in the saved summaries. */
		st = ap_agg_save(c->cfg->state_dir, c->agg, err);
		if (st != AP_OK)
			return AP_GATHER_UNSAVED;
	}
	st = ap_state_save(c->cfg->state_dir, c->state, err);
	if (st != AP_OK)
		return AP_GATHER_UNSAVED;
	return o.final ? AP_GATHER_FINISHED : AP_GATHER_POLLED;
}

enum ap_status ap_collector_emit_internal(const struct ap_collector *c,
					  int64_t now,
					  const struct ap_sink *sink,
					  struct ap_err *err)
{
	const struct ap_collector_stats *s = &c->stats;
	int64_t newest = ap_state_newest(c->state);
	struct ap_metric m;

	ap_metric_init(&m, "atlasperf_internal", now);
	ap_metric_tag(&m, "msm_id", c->msm_tag);
	ap_metric_int(&m, "results_read", (int64_t)s->results_read);
	ap_metric_int(&m, "results_invalid", (int64_t)s->results_invalid);
	ap_metric_int(&m, "results_duplicate",
		      (int64_t)s->results_duplicate);
	ap_metric_int(&m, "points_written", (int64_t)s->points_written);
	ap_metric_int(&m, "api_requests", (int64_t)s->api_requests);
	ap_metric_int(&m, "api_errors", (int64_t)s->api_errors);
	ap_metric_int(&m, "last_http_status", s->last_http_status);
	ap_metric_int(&m, "fetch_ms", s->fetch_ms);
	if (newest > 0)
		ap_metric_int(&m, "lag_seconds", now - newest);
	ap_metric_int(&m, "consecutive_failures",
		      (int64_t)s->consecutive_failures);
	ap_metric_int(&m, "disabled", c->disabled ? 1 : 0);
	if (m.overflow)
		return ap_err_set(err, AP_EINVAL, "internal metric overflow");
	return sink->emit(&m, sink->user);
}

enum ap_status ap_api_key_load(const char *key_file, char **out,
			       struct ap_err *err)
{
	char eb[AP_ERRNO_TEXT]; /* errno text */
	char buf[API_KEY_MAX + 2];
	const char *src;
	size_t n;
	char *start, *end;

	*out = NULL;
	if (key_file != NULL) {
		FILE *f = fopen(key_file, "r");

		if (f == NULL)
			return ap_err_set(err, AP_EIO,
					  "cannot read the API key file %s: %s",
					  key_file,
					  ap_errno_text(errno, eb, sizeof(eb)));
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		if (n > API_KEY_MAX) {
			memset(buf, 0, sizeof(buf));
			return ap_err_set(err, AP_EINVAL,
					  "%s: too long for an API key",
					  key_file);
		}
	} else {
		src = getenv("ATLAS_API_KEY");
		if (src == NULL || src[0] == '\0')
			return AP_OK;
		if (strlen(src) > API_KEY_MAX)
			return ap_err_set(err, AP_EINVAL,
					  "ATLAS_API_KEY is too long for an "
					  "API key");
		snprintf(buf, sizeof(buf), "%s", src);
	}
	start = buf;
	while (*start != '\0' && isspace((unsigned char)*start))
		start++;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	for (const char *p = start; *p != '\0'; p++) {
		if (!isgraph((unsigned char)*p)) {
			memset(buf, 0, sizeof(buf));
			return ap_err_set(err, AP_EINVAL,
					  "the API key in %s contains blanks or "
					  "control characters",
					  key_file ? key_file
						   : "ATLAS_API_KEY");
		}
	}
	if (*start == '\0') {
		if (key_file != NULL)
			return ap_err_set(err, AP_EINVAL, "%s is empty",
					  key_file);
		return AP_OK;
	}
	*out = strdup(start);
	memset(buf, 0, sizeof(buf));
	if (*out == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	return AP_OK;
}

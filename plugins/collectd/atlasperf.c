/* SPDX-License-Identifier: MIT */
/*
 * atlasperf: collectd read plugin for RIPE Atlas results. <Plugin atlasperf>
 * names the YAML file shared with the execd program; every measurement it
 * owns becomes its own complex read callback "atlasperf-<msm>" with its own
 * transport, probe cache, collector and value queue, so collectd's read
 * threads poll measurements in parallel and its back-off applies per
 * measurement. When the YAML has `links`, one more callback,
 * "atlasperf-links", emits atlas_link over every measurement's summaries.
 * docs/collectd.md describes the values and the design.
 */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#include "atlasperf/ap_collect.h"
#include "atlasperf/ap_collector.h"
#include "atlasperf/ap_config.h"
#include "atlasperf/ap_cost.h"
#include "atlasperf/ap_fetch.h"
#include "atlasperf/ap_link.h"
#include "atlasperf/ap_state.h"
#include "atlasperf/ap_metric.h"
#include "atlasperf/ap_path.h"
#include "atlasperf/ap_probe.h"
#include "cd_map.h"
#include "cd_queue.h"

#define PFX "atlasperf plugin: "
#define READ_GROUP "atlasperf"

/* Values of one poll held until it is complete (72 bytes each, so at
 * most ~300 MB); a first poll over the whole lateness horizon of a very
 * large measurement is the worst case. */
#define MAX_PENDING ((size_t)4 * 1024 * 1024)
/* Identifiers (data set + type instance) remembered per measurement. */
#define MAX_IDS ((size_t)4 * 1024 * 1024)
/* How often to retry reading the measurement's interval. */
#define META_RETRY_S 600
/* Identifiers this much older than the lateness horizon are forgotten. */
#define PRUNE_MARGIN_S 3600
/* Waiting for collectd to write our values gives up after this long
 * without progress, seconds. */
#define WRITE_IDLE_S 10
/* Read callback of atlas_link, its plugin instance, and the msm id of
 * its acknowledgement slot (measurement ids are > 0, so 0 is free). */
#define LINKS_CALLBACK "atlasperf-links"
#define LINKS_INSTANCE "link"
#define LINKS_ACK_ID 0
/* Values per atlas_link emission: 9 fields per link; a bound for the
 * queue, far above any sane number of links. */
#define LINKS_MAX_PENDING ((size_t)64 * 1024)
/* Rounds of "wait for one busy measurement, then try the others" before
 * an atlas_link emission is skipped (see lock_all). */
#define LINKS_LOCK_ROUNDS 20

/*
 * Written-value acknowledgement, one slot per started measurement.
 * plugin_dispatch_values only queues a value; collectd's write threads
 * write it later, and when collectd stops they drop whatever is still
 * queued. Our own write callback (ack_write) sees every value on its way
 * to the writers, so a poll is committed only after its values were
 * written, and values of one identifier are never in the queue together.
 * The slots are owned by the plugin, not by the read callbacks' user
 * data, because collectd frees that before it stops its write threads.
 */
struct ack_slot {
	int64_t msm;
	pthread_mutex_t lock;
	pthread_cond_t cond;  /* on CLOCK_MONOTONIC */
	uint64_t written;     /* values of this msm seen by ack_write */
};

/*
 * Plugin-wide state. Written by the config and init callbacks (one thread,
 * before any read callback runs) and by the shutdown callback (after the
 * read and write threads are joined); the read callbacks only read it.
 * Shared and mutable at run time: `stopping` (an atomic) and each
 * ack_slot's counter (under its mutex).
 */
static struct {
	char *config_file;      /* ConfigFile */
	char *state_dir;        /* StateDir override, or NULL */
	char *shard;            /* Shard override ("i/n"), or NULL */
	cdtime_t interval;      /* Interval override, 0 = none */
	bool config_error;      /* an option was wrong: init must fail */
	struct ap_config *cfg;  /* borrowed by every measurement context */
	/* Exit-link/IXP table: read-only after init, so every read callback
	 * can use it at once. */
	struct ap_path_table *paths;
	bool curl_ready;
	bool signals_chained;
	struct sigaction old_term, old_int;
	struct ack_slot *acks;  /* n_acks slots sorted by msm id (atlas_link's,
				 * LINKS_ACK_ID, first); written by init and
				 * shutdown only */
	size_t n_acks;
	/* For atlas_link; NULL = not emitted. Read-only after init. */
	struct ap_cost_model *cost;
	char links_instance[32]; /* "link", or "link-I-N" when sharded */
} conf;

/*
 * Set as soon as collectd is asked to stop. collectd 5.12 runs shutdown
 * callbacks only after it has joined its read threads
 * (plugin_shutdown_all: stop_read_threads() first), so a read callback
 * stuck in a slow transfer would hold shutdown up for atlas.timeout. The
 * flag is therefore set from SIGTERM/SIGINT handlers chained in front of
 * collectd's own (installed by collectd's main() before init runs), and
 * every transfer polls it through ap_fetch's should_abort hook.
 */
static atomic_int stopping;

/* One configured measurement: the user data of its read callback. */
struct msm_ctx {
	int64_t id;
	char instance[32]; /* plugin instance: the msm id (links: "link") */
	/* Held by read_msm across ap_collector_gather, the only time the
	 * collector's summaries (ap_collector_agg) change, and by the links
	 * callback while it reads them. */
	pthread_mutex_t gather_lock;
	const struct ap_config *cfg;
	struct ap_fetch *fetch;
	struct ap_probe_cache *probes;
	struct ap_collector *collector;
	struct cd_queue *queue;
	struct ack_slot *ack;  /* borrowed from conf.acks */
	uint64_t sent;         /* values dispatched (compare ack->written) */
	bool ack_broken;       /* acknowledgements went missing: stop
				* waiting for them */
	cdtime_t vl_interval;  /* the measurement's interval; 0 unknown */
	int64_t meta_tried;    /* last attempt to read it, Unix seconds */
	int64_t last_prune;
	bool internal;         /* dispatching atlasperf_internal values */
	bool queue_full;       /* the poll hit MAX_PENDING */
	bool flush_failed;     /* collectd refused values of the poll */
	bool warned_unmapped;
	bool said_final;       /* DISABLED / FINISHED logged once */
	uint64_t values_dispatched, values_late, values_unmapped;
};

/*
 * User data of the atlas_link callback. base holds what dispatching and
 * the write acknowledgement need (id LINKS_ACK_ID, no collector). msms
 * are borrowed from the measurement callbacks: collectd frees every read
 * callback's user data only after it has joined all read threads, so
 * they outlive every call of read_links (never used by free_links).
 */
struct links_ctx {
	struct msm_ctx base;
	struct msm_ctx **msms;
	size_t n_msms;
	const struct ap_agg **aggs; /* n_msms slots, scratch for each read */
	int64_t last_emit;          /* Unix seconds of the last emission */
};

static bool log_on(enum ap_config_log_level level)
{
	return conf.cfg == NULL || conf.cfg->log_level >= level;
}

/* ---- stop signal ------------------------------------------------------ */

static void on_stop_signal(int sig, siginfo_t *info, void *uctx)
{
	const struct sigaction *old =
		sig == SIGTERM ? &conf.old_term : &conf.old_int;

	atomic_store(&stopping, 1);
	if (old->sa_flags & SA_SIGINFO) {
		if (old->sa_sigaction != NULL)
			old->sa_sigaction(sig, info, uctx);
	} else if (old->sa_handler == SIG_DFL) {
		/* Not under collectd's main(): keep the default action. */
		signal(sig, SIG_DFL);
		raise(sig);
	} else if (old->sa_handler != SIG_IGN) {
		old->sa_handler(sig);
	}
}

static int chain_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_stop_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, NULL, &conf.old_term) != 0 ||
	    sigaction(SIGINT, NULL, &conf.old_int) != 0)
		return -1;
	/* Keep collectd's choice of SA_RESTART: its main loop relies on
	 * nanosleep being interrupted. */
	sa.sa_flags |= conf.old_term.sa_flags & SA_RESTART;
	if (sigaction(SIGTERM, &sa, NULL) != 0)
		return -1;
	if (sigaction(SIGINT, &sa, NULL) != 0) {
		sigaction(SIGTERM, &conf.old_term, NULL);
		return -1;
	}
	conf.signals_chained = true;
	return 0;
}

/* Puts collectd's handlers back, unless someone replaced ours since. */
static void unchain_signals(void)
{
	struct sigaction cur;

	if (!conf.signals_chained)
		return;
	if (sigaction(SIGTERM, NULL, &cur) == 0 &&
	    (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_stop_signal)
		sigaction(SIGTERM, &conf.old_term, NULL);
	if (sigaction(SIGINT, NULL, &cur) == 0 &&
	    (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_stop_signal)
		sigaction(SIGINT, &conf.old_int, NULL);
	conf.signals_chained = false;
}

static int should_abort(void *user)
{
	(void)user;
	return atomic_load(&stopping);
}

/* ---- dispatch --------------------------------------------------------- */

static int dispatch_value(const struct cd_value *v, void *user)
{
	struct msm_ctx *c = user;
	size_t n_types;
	const struct cd_type *t = &cd_types(&n_types)[v->type];
	value_list_t vl = VALUE_LIST_INIT;
	value_t value;

	if (t->kind == CD_DS_DERIVE)
		value.derive = v->v.derive;
	else
		value.gauge = v->v.gauge;
	vl.values = &value;
	vl.values_len = 1;
	vl.time = TIME_T_TO_CDTIME_T(v->time_s);
	/* Internal values follow the read interval (0 = collectd's). */
	vl.interval = c->internal ? 0 : c->vl_interval;
	sstrncpy(vl.plugin, "atlasperf", sizeof(vl.plugin));
	sstrncpy(vl.plugin_instance, c->instance, sizeof(vl.plugin_instance));
	sstrncpy(vl.type, t->name, sizeof(vl.type));
	sstrncpy(vl.type_instance, v->type_instance, sizeof(vl.type_instance));
	if (plugin_dispatch_values(&vl) != 0)
		return -1;
	c->sent++;
	return 0;
}

/* ---- written-value acknowledgement ------------------------------------ */

static int cmp_ack_slots(const void *x, const void *y)
{
	const struct ack_slot *a = x, *b = y;

	return a->msm < b->msm ? -1 : a->msm > b->msm;
}

static int cmp_ack(const void *key, const void *elem)
{
	int64_t id = *(const int64_t *)key;
	const struct ack_slot *a = elem;

	return id < a->msm ? -1 : id > a->msm;
}

/* Write callback: counts our values as collectd's writers get them.
 * Called by collectd's write threads for every value of every plugin. */
static int ack_write(const data_set_t *ds, const value_list_t *vl,
		     user_data_t *ud)
{
	struct ack_slot *a;
	int64_t id;
	char *end;

	(void)ds;
	(void)ud;
	if (strcmp(vl->plugin, "atlasperf") != 0 || conf.acks == NULL)
		return 0;
	if (strcmp(vl->plugin_instance, conf.links_instance) == 0) {
		id = LINKS_ACK_ID;
	} else {
		errno = 0;
		id = (int64_t)strtoll(vl->plugin_instance, &end, 10);
		if (errno != 0 || *end != '\0')
			return 0;
	}
	a = bsearch(&id, conf.acks, conf.n_acks, sizeof(*a), cmp_ack);
	if (a == NULL)
		return 0;
	pthread_mutex_lock(&a->lock);
	a->written++;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until collectd has written every value this measurement
 * dispatched. Gives up (once for good, with a warning) when the writers
 * make no progress for WRITE_IDLE_S: a filter chain or WriteQueueLimit
 * dropped some. Keeps waiting during shutdown: the write threads run
 * until every read callback has returned. Returns 0 when all arrived. */
static int wait_written(void *user)
{
	struct msm_ctx *c = user;
	struct ack_slot *a = c->ack;
	uint64_t seen;
	int64_t idle_since = mono_ms();
	bool ok;

	if (a == NULL || c->ack_broken)
		return 0;
	pthread_mutex_lock(&a->lock);
	seen = a->written;
	while (a->written < c->sent) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&a->cond, &a->lock, &ts);
		if (a->written != seen) {
			seen = a->written;
			idle_since = mono_ms();
		} else if (mono_ms() - idle_since >= WRITE_IDLE_S * 1000) {
			break;
		}
	}
	ok = a->written >= c->sent;
	pthread_mutex_unlock(&a->lock);
	if (!ok) {
		c->ack_broken = true;
		WARNING(PFX "%s %s: collectd wrote %" PRIu64 " of %"
			PRIu64 " values and none in %d s (a filter chain or "
			"WriteQueueLimitHigh dropping them?); no longer "
			"waiting for writes of this %s",
			c->id == LINKS_ACK_ID ? "atlas_link" : "msm",
			c->instance, seen, c->sent, WRITE_IDLE_S,
			c->id == LINKS_ACK_ID ? "metric" : "measurement");
		return -1;
	}
	return 0;
}

static int new_acks(void)
{
	const struct ap_config *cfg = conf.cfg;
	pthread_condattr_t attr;
	size_t n = 0;

	conf.acks = calloc(cfg->n_measurements + 2, sizeof(*conf.acks));
	if (conf.acks == NULL)
		return -1;
	if (pthread_condattr_init(&attr) != 0)
		return -1;
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (conf.cost != NULL) {
		/* Measurement ids are > 0: this one sorts first. */
		conf.acks[0].msm = LINKS_ACK_ID;
		pthread_mutex_init(&conf.acks[0].lock, NULL);
		pthread_cond_init(&conf.acks[0].cond, &attr);
		n++;
	}
	for (size_t i = 0; i < cfg->n_measurements; i++) {
		const struct ap_config_msm *m = &cfg->measurements[i];
		struct ack_slot *a = &conf.acks[n];

		if (!m->enabled || !ap_config_shard_owns(cfg, m->id))
			continue;
		a->msm = m->id;
		pthread_mutex_init(&a->lock, NULL);
		pthread_cond_init(&a->cond, &attr);
		n++;
	}
	pthread_condattr_destroy(&attr);
	conf.n_acks = n;
	/* Ids are unique (ap_config_validate), so sorting is enough. */
	qsort(conf.acks, n, sizeof(*conf.acks), cmp_ack_slots);
	return 0;
}

static void free_acks(void)
{
	for (size_t i = 0; i < conf.n_acks; i++) {
		pthread_mutex_destroy(&conf.acks[i].lock);
		pthread_cond_destroy(&conf.acks[i].cond);
	}
	free(conf.acks);
	conf.acks = NULL;
	conf.n_acks = 0;
}

static void log_late(const struct cd_value *v, int64_t last_s, void *user)
{
	struct msm_ctx *c = user;
	size_t n_types;

	/* A no-op unless collectd was built with debugging. */
	plugin_log(LOG_DEBUG,
		   PFX "msm %" PRId64 ": %s-%s at %" PRId64 " is not newer "
		   "than %" PRId64 " (already sent): not dispatched",
		   c->id, cd_types(&n_types)[v->type].name, v->type_instance,
		   v->time_s, last_s);
}

static enum ap_status queue_value(const struct cd_value *v, void *user)
{
	struct msm_ctx *c = user;
	enum ap_status st = cd_queue_add(c->queue, v);

	if (st == AP_ERANGE)
		c->queue_full = true;
	return st;
}

static void note_skip(struct msm_ctx *c, const struct cd_map_skip *skip)
{
	uint64_t n = skip->fields + skip->metrics;

	if (n == 0)
		return;
	c->values_unmapped += n;
	if (!c->warned_unmapped) {
		c->warned_unmapped = true;
		WARNING(PFX "msm %" PRId64 ": '%s' has no collectd mapping; "
			"such values are skipped (counted in "
			"derive-values_unmapped; this is logged once)",
			c->id, skip->first_key ? skip->first_key : "?");
	}
}

/* Sink of the poll: maps each point and queues its values. */
static enum ap_status on_point(const struct ap_metric *m, void *user)
{
	struct msm_ctx *c = user;
	struct cd_map_skip skip;
	enum ap_status st;

	memset(&skip, 0, sizeof(skip));
	st = cd_map_metric(m, c->id, queue_value, c, &skip);
	note_skip(c, &skip);
	return st;
}

/* Flush of the poll: the values go to collectd; only then does the
 * collector commit its state. */
static enum ap_status flush_values(void *user)
{
	struct msm_ctx *c = user;
	struct cd_flush_report r;
	enum ap_status st;

	st = cd_queue_flush(c->queue, dispatch_value, wait_written, log_late,
			    c, &r);
	/* Committed only once collectd has written them. */
	(void)wait_written(c);
	c->values_dispatched += r.dispatched;
	c->values_late += r.late;
	c->flush_failed = st != AP_OK;
	if (st != AP_OK)
		ERROR(PFX "msm %" PRId64 ": collectd refused %" PRIu64
		      " values (%s); the poll is not committed and is "
		      "read again (values already sent are not repeated)",
		      c->id, r.failed, ap_strerror(st));
	else if (r.late > 0 && log_on(AP_CONFIG_LOG_INFO))
		INFO(PFX "msm %" PRId64 ": %" PRIu64 " late values older than "
		     "their series' last value were not dispatched",
		     c->id, r.late);
	return st;
}

/* Adds the plugin's own counters and dispatches atlasperf_internal. */
static enum ap_status on_internal(const struct ap_metric *m, void *user)
{
	struct msm_ctx *c = user;
	struct ap_metric full;
	struct cd_map_skip skip;
	enum ap_status st;

	ap_metric_copy(&full, m);
	ap_metric_int(&full, "values_dispatched",
		      (int64_t)c->values_dispatched);
	ap_metric_int(&full, "values_late", (int64_t)c->values_late);
	ap_metric_int(&full, "values_unmapped", (int64_t)c->values_unmapped);
	memset(&skip, 0, sizeof(skip));
	st = cd_map_metric(&full, c->id, queue_value, c, &skip);
	note_skip(c, &skip);
	return st;
}

static void emit_internal(struct msm_ctx *c, int64_t now)
{
	struct ap_sink sink = {on_internal, c};
	struct cd_flush_report r;
	struct ap_err err;

	cd_queue_clear(c->queue);
	c->internal = true;
	if (ap_collector_emit_internal(c->collector, now, &sink, &err) !=
	    AP_OK)
		WARNING(PFX "msm %" PRId64 ": internal metric: %s", c->id,
			err.msg);
	else
		(void)cd_queue_flush(c->queue, dispatch_value, wait_written,
				     NULL, c, &r);
	/* Written before the read returns, so a stop right after does not
	 * drop them from collectd's queue. */
	(void)wait_written(c);
	cd_queue_clear(c->queue);
	c->internal = false;
}

/* ---- read callback ---------------------------------------------------- */

/* vl.interval of the measurement's values: its Atlas interval, read once
 * (the collector's own metadata is private to it). */
static void learn_interval(struct msm_ctx *c, int64_t now)
{
	struct ap_msm_meta meta;
	struct ap_fetch_info info;
	struct ap_err err;

	if (c->vl_interval != 0 ||
	    (c->meta_tried != 0 && now - c->meta_tried < META_RETRY_S))
		return;
	c->meta_tried = now;
	if (ap_msm_meta_fetch(c->fetch, c->cfg->atlas.base_url, c->id, &meta,
			      &info, &err) == AP_OK &&
	    meta.interval_s > 0)
		c->vl_interval = TIME_T_TO_CDTIME_T(meta.interval_s);
}

/* Logs the outcome as the execd program does; returns the read
 * callback's status (non-zero makes collectd back off). */
static int report(struct msm_ctx *c, enum ap_gather_outcome out,
		  const struct ap_poll_report *rep, int64_t retry,
		  const struct ap_err *err)
{
	switch (out) {
	case AP_GATHER_POLLED:
	case AP_GATHER_FINISHED:
		if (rep->points > 0 && log_on(AP_CONFIG_LOG_INFO))
			INFO(PFX "msm %" PRId64 ": %" PRIu64 " results read, "
			     "%" PRIu64 " new points, %" PRIu64 " duplicates, "
			     "%" PRIu64 " invalid; window %" PRId64 "..%" PRId64
			     "%s",
			     c->id, rep->results_read, rep->points,
			     rep->results_duplicate, rep->results_invalid,
			     rep->start, rep->stop,
			     rep->swept ? " (full sweep)" : "");
		if (out == AP_GATHER_FINISHED && !c->said_final) {
			c->said_final = true;
			INFO(PFX "msm %" PRId64 ": the measurement has stopped "
			     "and was read out; no more polls", c->id);
		}
		if (err->msg[0] != '\0')
			ERROR(PFX "%s", err->msg);
		return 0;
	case AP_GATHER_UNSAVED:
		/* The values were dispatched: no collectd back-off. */
		ERROR(PFX "msm %" PRId64 ": values dispatched, but the state "
		      "could not be saved: %s; saving again after the next "
		      "poll (if collectd stops first, these results are "
		      "dispatched again after the restart)",
		      c->id, err->msg);
		return 0;
	case AP_GATHER_WAITING:
		/* Our own back-off (retry_min..retry_max, Retry-After). */
		return 0;
	case AP_GATHER_FAILED:
		if (atomic_load(&stopping)) {
			INFO(PFX "msm %" PRId64 ": poll interrupted by "
			     "shutdown; nothing dispatched, state kept", c->id);
			return 0;
		}
		if (c->queue_full)
			ERROR(PFX "msm %" PRId64 ": more than %zu values in "
			      "one poll; nothing dispatched, state kept "
			      "(lower late_results_horizon)",
			      c->id, MAX_PENDING);
		else if (!c->flush_failed) /* else flush_values said why */
			ERROR(PFX "msm %" PRId64 ": poll failed (HTTP %ld): "
			      "%s; nothing dispatched, state kept; retry in "
			      "%" PRId64 " s",
			      c->id, rep->last_http_status, err->msg, retry);
		return -1;
	case AP_GATHER_DISABLED:
		if (!c->said_final) {
			c->said_final = true;
			ERROR(PFX "%s", err->msg[0] ? err->msg
						    : "measurement disabled");
		}
		return -1;
	}
	return -1;
}

static int read_msm(user_data_t *ud)
{
	struct msm_ctx *c = ud->data;
	struct ap_sink sink = {on_point, c};
	struct ap_poll_report rep;
	struct ap_err err;
	int64_t now = (int64_t)time(NULL), retry = 0;
	enum ap_gather_outcome out;
	int rc;

	if (atomic_load(&stopping))
		return 0;
	learn_interval(c, now);
	cd_queue_clear(c->queue);
	c->queue_full = false;
	c->flush_failed = false;
	err.msg[0] = '\0';
	pthread_mutex_lock(&c->gather_lock);
	out = ap_collector_gather(c->collector, now, &sink, flush_values, c,
				  &rep, &retry, &err);
	pthread_mutex_unlock(&c->gather_lock);
	cd_queue_clear(c->queue); /* a failed poll's values are dropped */
	rc = report(c, out, &rep, retry, &err);
	emit_internal(c, now);
	if (now - c->last_prune >= c->cfg->late_results_horizon_s) {
		cd_queue_prune(c->queue, now - c->cfg->late_results_horizon_s -
						 PRUNE_MARGIN_S);
		c->last_prune = now;
	}
	return rc;
}

/* ---- atlas_link ------------------------------------------------------- */

/*
 * Takes every measurement's gather_lock, so that no summary changes while
 * ap_link_emit reads them all. Never waits for a lock while holding
 * another: it takes them in index order with trylock, and when one is
 * busy (a poll in progress) it lets go of all, waits for that poll to end
 * holding nothing, and starts again. Waiting in a fixed order instead
 * would keep every measurement earlier in the order from polling for as
 * long as a later one's transfer lasts (up to atlas.timeout). Gives up
 * after LINKS_LOCK_ROUNDS busy rounds or when collectd stops: false,
 * nothing held.
 */
static bool lock_all(struct links_ctx *lc)
{
	for (int round = 0; round <= LINKS_LOCK_ROUNDS; round++) {
		size_t i;

		if (atomic_load(&stopping))
			return false;
		for (i = 0; i < lc->n_msms; i++)
			if (pthread_mutex_trylock(&lc->msms[i]->gather_lock) != 0)
				break;
		if (i == lc->n_msms)
			return true;
		for (size_t j = 0; j < i; j++)
			pthread_mutex_unlock(&lc->msms[j]->gather_lock);
		if (round == LINKS_LOCK_ROUNDS)
			break;
		pthread_mutex_lock(&lc->msms[i]->gather_lock);
		pthread_mutex_unlock(&lc->msms[i]->gather_lock);
	}
	return false;
}

static void unlock_all(struct links_ctx *lc)
{
	for (size_t i = 0; i < lc->n_msms; i++)
		pthread_mutex_unlock(&lc->msms[i]->gather_lock);
}

/* Sink of ap_link_emit: maps and queues; called under every lock, so it
 * only touches the links callback's own queue. */
static enum ap_status on_link_point(const struct ap_metric *m, void *user)
{
	struct msm_ctx *c = user;
	struct cd_map_skip skip;
	enum ap_status st;

	memset(&skip, 0, sizeof(skip));
	st = cd_map_link(m, queue_value, c, &skip);
	if (skip.fields + skip.metrics > 0) {
		c->values_unmapped += skip.fields + skip.metrics;
		if (!c->warned_unmapped) {
			c->warned_unmapped = true;
			WARNING(PFX "atlas_link: '%s' has no collectd mapping "
				"(a link name longer than %d bytes?); such "
				"values are skipped (counted in atlasperf-%s/"
				"derive-values_unmapped; this is logged once)",
				skip.first_key ? skip.first_key : "?",
				CD_TI_MAX - 1, c->instance);
		}
	}
	return st;
}

/* The links callback's own counters, as derive values under its plugin
 * instance: there is no atlasperf_internal point for it. */
static void dispatch_link_counters(struct msm_ctx *c, int64_t now)
{
	const struct {
		const char *name;
		uint64_t value;
	} counters[] = {
		{"values_dispatched", c->values_dispatched},
		{"values_late", c->values_late},
		{"values_unmapped", c->values_unmapped},
	};
	int t = cd_type_find("derive");

	c->internal = true;
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		struct cd_value v;

		memset(&v, 0, sizeof(v));
		v.time_s = now;
		v.type = (uint16_t)t;
		sstrncpy(v.type_instance, counters[i].name,
			 sizeof(v.type_instance));
		v.v.derive = (int64_t)counters[i].value;
		(void)dispatch_value(&v, c);
	}
	c->internal = false;
}

/*
 * Read callback of atlas_link: the figures of every configured link over
 * the summaries of every measurement this instance polls, as the execd
 * program emits them after each gather. The locks are held only while
 * ap_link_emit reads the summaries into the queue; dispatching (and
 * waiting for collectd's writers) comes after they are released.
 */
static int read_links(user_data_t *ud)
{
	struct links_ctx *lc = ud->data;
	struct msm_ctx *c = &lc->base;
	struct ap_sink sink = {on_link_point, c};
	struct cd_flush_report r;
	struct ap_err err;
	enum ap_status st;
	int64_t now;

	if (atomic_load(&stopping))
		return 0;
	if (!lock_all(lc)) {
		if (!atomic_load(&stopping) && log_on(AP_CONFIG_LOG_INFO))
			INFO(PFX "atlas_link: measurements kept polling for %d "
			     "rounds; skipped this time", LINKS_LOCK_ROUNDS);
		return 0;
	}
	/* Read after the locks: the figures are those of this moment. */
	now = (int64_t)time(NULL);
	if (now <= lc->last_emit) {
		/* collectd takes one value per identifier and second. */
		unlock_all(lc);
		return 0;
	}
	for (size_t i = 0; i < lc->n_msms; i++)
		lc->aggs[i] = ap_collector_agg(lc->msms[i]->collector);
	cd_queue_clear(c->queue);
	ap_err_clear(&err);
	st = ap_link_emit(c->cfg, conf.cost, lc->aggs, lc->n_msms, now,
			  c->cfg->late_results_horizon_s, &sink, &err);
	unlock_all(lc);
	if (st != AP_OK) {
		cd_queue_clear(c->queue);
		WARNING(PFX "atlas_link: %s",
			err.msg[0] != '\0' ? err.msg : ap_strerror(st));
		return -1;
	}
	lc->last_emit = now;
	st = cd_queue_flush(c->queue, dispatch_value, wait_written, NULL, c,
			    &r);
	cd_queue_clear(c->queue);
	c->values_dispatched += r.dispatched;
	c->values_late += r.late;
	dispatch_link_counters(c, now);
	/* Written before the next emission queues newer values of the same
	 * identifiers (collectd's write threads could reorder them), and
	 * before a stop right after drops them from collectd's queue. */
	(void)wait_written(c);
	if (st != AP_OK) {
		ERROR(PFX "atlas_link: collectd refused %" PRIu64 " values (%s)",
		      r.failed, ap_strerror(st));
		return -1;
	}
	return 0;
}

static void free_links(void *p)
{
	struct links_ctx *lc = p;

	if (lc == NULL)
		return;
	cd_queue_free(lc->base.queue);
	free(lc->msms);
	free(lc->aggs);
	free(lc);
}

/* Registers the atlas_link callback over msms[0..n) (taken over, even on
 * failure); same read group and interval as the measurements. */
static int start_links(struct msm_ctx **msms, size_t n, cdtime_t interval)
{
	struct links_ctx *lc = calloc(1, sizeof(*lc));
	struct ap_err err;
	user_data_t ud;

	if (lc == NULL) {
		free(msms);
		ERROR(PFX "out of memory");
		return -1;
	}
	lc->msms = msms;
	lc->n_msms = n;
	lc->aggs = calloc(n + 1, sizeof(*lc->aggs));
	lc->base.id = LINKS_ACK_ID;
	lc->base.cfg = conf.cfg;
	sstrncpy(lc->base.instance, conf.links_instance,
		 sizeof(lc->base.instance));
	if (lc->aggs == NULL) {
		ERROR(PFX "out of memory");
		free_links(lc);
		return -1;
	}
	if (cd_queue_new(&lc->base.queue, LINKS_MAX_PENDING,
			 LINKS_MAX_PENDING, &err) != AP_OK) {
		ERROR(PFX "atlas_link: %s", err.msg);
		free_links(lc);
		return -1;
	}
	lc->base.ack = bsearch(&lc->base.id, conf.acks, conf.n_acks,
			       sizeof(*conf.acks), cmp_ack);
	memset(&ud, 0, sizeof(ud));
	ud.data = lc;
	ud.free_func = free_links;
	/* collectd owns lc from here on, even when this fails. */
	if (plugin_register_complex_read(READ_GROUP, LINKS_CALLBACK,
					 read_links, interval, &ud) != 0) {
		ERROR(PFX "cannot register the read callback %s",
		      LINKS_CALLBACK);
		return -1;
	}
	return 0;
}

static void free_msm(void *p)
{
	struct msm_ctx *c = p;

	if (c == NULL)
		return;
	ap_collector_free(c->collector);
	ap_probe_cache_free(c->probes);
	ap_fetch_free(c->fetch);
	cd_queue_free(c->queue);
	pthread_mutex_destroy(&c->gather_lock);
	free(c);
}

static void log_invalid(const struct ap_result_id *id, const char *why,
			void *user)
{
	(void)user;
	if (log_on(AP_CONFIG_LOG_WARN))
		WARNING(PFX "skipped result (msm %" PRId64 ", probe %" PRId64
			", timestamp %" PRId64 "): %s",
			id->msm_id, id->prb_id, id->timestamp, why);
}

/* ---- config and init -------------------------------------------------- */

static int config_cb(oconfig_item_t *ci)
{
	int status = 0;

	for (int i = 0; i < ci->children_num; i++) {
		oconfig_item_t *child = ci->children + i;
		int st;

		if (strcasecmp("ConfigFile", child->key) == 0) {
			st = cf_util_get_string(child, &conf.config_file);
		} else if (strcasecmp("StateDir", child->key) == 0) {
			st = cf_util_get_string(child, &conf.state_dir);
		} else if (strcasecmp("Shard", child->key) == 0) {
			st = cf_util_get_string(child, &conf.shard);
		} else if (strcasecmp("Interval", child->key) == 0) {
			st = cf_util_get_cdtime(child, &conf.interval);
			if (st == 0 && conf.interval == 0) {
				ERROR(PFX "Interval must be greater than 0");
				st = -1;
			}
		} else {
			ERROR(PFX "unknown option '%s' in <Plugin atlasperf> "
			      "(known: ConfigFile, Interval, StateDir, Shard)",
			      child->key);
			st = -1;
		}
		if (st != 0) {
			ERROR(PFX "option '%s' is invalid; the plugin will not "
			      "start", child->key);
			status = -1;
		}
	}
	if (status != 0)
		conf.config_error = true;
	return status;
}

/* Loads the YAML file and applies StateDir and Shard. */
static int load_config(void)
{
	struct ap_err err;

	if (ap_config_load_file(conf.config_file, &conf.cfg, &err) != AP_OK) {
		ERROR(PFX "ConfigFile: %s", err.msg);
		return -1;
	}
	if (conf.state_dir != NULL) {
		char *d = strdup(conf.state_dir);

		if (d == NULL)
			return -1;
		free(conf.cfg->state_dir);
		conf.cfg->state_dir = d;
	}
	if (conf.shard != NULL &&
	    ap_config_parse_shard(conf.shard, &conf.cfg->shard_index,
				  &conf.cfg->shard_count, &err) != AP_OK) {
		ERROR(PFX "Shard: %s", err.msg);
		return -1;
	}
	if (ap_config_validate(conf.cfg, &err) != AP_OK) {
		ERROR(PFX "%s (after StateDir/Shard from <Plugin atlasperf>)",
		      err.msg);
		return -1;
	}
	return 0;
}

#define STOCK_HINT "collectd's types.db"
#define DB_HINT                                                        \
	"atlasperf.db next to collectd's types.db, e.g. TypesDB "      \
	"\"/usr/share/collectd/types.db\" "                           \
	"\"/usr/share/collectd/atlasperf.db\""

/* Every data set the plugin dispatches must be known, or collectd would
 * drop those values with no more than an info line. */
static int check_types(void)
{
	size_t n;
	const struct cd_type *t = cd_types(&n);
	int status = 0;

	for (size_t i = 0; i < n; i++) {
		const data_set_t *ds = plugin_get_ds(t[i].name);
		int want = t[i].kind == CD_DS_DERIVE ? DS_TYPE_DERIVE
						     : DS_TYPE_GAUGE;

		if (ds == NULL) {
			ERROR(PFX "type '%s' is not defined: TypesDB must list "
			      "%s", t[i].name,
			      t[i].stock ? STOCK_HINT : DB_HINT);
			status = -1;
		} else if (ds->ds_num != 1 || ds->ds[0].type != want) {
			ERROR(PFX "type '%s' has the wrong definition: want "
			      "one %s source (see atlasperf.db)",
			      t[i].name, DS_TYPE_TO_STRING(want));
			status = -1;
		}
	}
	return status;
}


/* Builds the context of measurement m; NULL (logged) on failure. */
static struct msm_ctx *new_msm(const struct ap_config_msm *m,
			       const char *api_key)
{
	const struct ap_config *cfg = conf.cfg;
	struct ap_fetch_opts fo;
	struct ap_err err;
	struct msm_ctx *c;
	char path[4200];
	enum ap_status st;

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		ERROR(PFX "out of memory");
		return NULL;
	}
	pthread_mutex_init(&c->gather_lock, NULL);
	c->id = m->id;
	c->cfg = cfg;
	snprintf(c->instance, sizeof(c->instance), "%" PRId64, m->id);
	memset(&fo, 0, sizeof(fo));
	fo.base_url = cfg->atlas.base_url;
	fo.api_key = api_key;
	fo.ca_file = cfg->atlas.ca_file;
	fo.user_agent = cfg->atlas.user_agent;
	fo.timeout_s = (long)cfg->atlas.timeout_s;
	fo.max_bytes = (size_t)cfg->atlas.max_response_bytes;
	fo.should_abort = should_abort;
	if (ap_fetch_new(&c->fetch, &fo, &err) != AP_OK ||
	    cd_queue_new(&c->queue, MAX_PENDING, MAX_IDS, &err) != AP_OK) {
		ERROR(PFX "msm %" PRId64 ": %s", m->id, err.msg);
		goto fail;
	}
	/* A cache per measurement: ap_poll refreshes it from inside the
	 * gather, so a shared one would need a lock around whole polls. */
	snprintf(path, sizeof(path), "%s/probes-%" PRId64 ".cache",
		 cfg->state_dir, m->id);
	st = ap_probe_cache_new(&c->probes, path, cfg->probe_cache_ttl_s,
				&err);
	if (st != AP_OK && c->probes != NULL) {
		WARNING(PFX "msm %" PRId64 ": %s; starting with an empty probe "
			"cache", m->id, err.msg);
	} else if (st != AP_OK) {
		ERROR(PFX "msm %" PRId64 ": %s", m->id, err.msg);
		goto fail;
	}
	if (ap_collector_new(&c->collector, cfg, m, c->fetch, c->probes,
			     &err) != AP_OK) {
		/* Never start over silently on damaged state: that would
		 * re-emit or lose results. */
		ERROR(PFX "msm %" PRId64 ": %s; this measurement is not polled "
		      "until the state file is repaired or removed",
		      m->id, err.msg);
		goto fail;
	}
	ap_collector_on_invalid(c->collector, log_invalid, NULL);
	ap_collector_set_paths(c->collector, conf.paths);
	c->ack = bsearch(&c->id, conf.acks, conf.n_acks, sizeof(*conf.acks),
			 cmp_ack);
	return c;
fail:
	free_msm(c);
	return NULL;
}

/* Registers one read callback per owned measurement. */
static int start_measurements(const char *api_key, cdtime_t interval)
{
	const struct ap_config *cfg = conf.cfg;
	size_t owned = 0, started = 0;
	struct msm_ctx **ctxs = NULL; /* the started ones, for atlas_link */

	if (conf.cost != NULL) {
		ctxs = calloc(cfg->n_measurements + 1, sizeof(*ctxs));
		if (ctxs == NULL) {
			ERROR(PFX "out of memory");
			return -1;
		}
	}
	for (size_t i = 0; i < cfg->n_measurements; i++) {
		const struct ap_config_msm *m = &cfg->measurements[i];
		char name[64];
		struct msm_ctx *c;
		user_data_t ud;

		if (!m->enabled || !ap_config_shard_owns(cfg, m->id))
			continue;
		owned++;
		c = new_msm(m, api_key);
		if (c == NULL)
			continue;
		snprintf(name, sizeof(name), "atlasperf-%" PRId64, m->id);
		memset(&ud, 0, sizeof(ud));
		ud.data = c;
		ud.free_func = free_msm;
		/* collectd owns c from here on, even when this fails. */
		if (plugin_register_complex_read(READ_GROUP, name, read_msm,
						 interval, &ud) != 0) {
			ERROR(PFX "cannot register the read callback %s",
			      name);
			free(ctxs);
			return -1;
		}
		if (ctxs != NULL)
			ctxs[started] = c;
		started++;
	}
	/* Even with no measurement started: the cost figures stand alone,
	 * as in the execd program. */
	if (ctxs != NULL && start_links(ctxs, started, interval) != 0)
		return -1;
	INFO(PFX "atlasperf %s: %zu of %zu measurements in shard %d/%d "
	     "(%zu started), state in %s, API %s (%s), interval %.3f s%s",
	     AP_VERSION, owned, cfg->n_measurements, cfg->shard_index,
	     cfg->shard_count, started, cfg->state_dir, cfg->atlas.base_url,
	     api_key ? "with API key" : "anonymous",
	     CDTIME_T_TO_DOUBLE(interval ? interval : plugin_get_interval()),
	     conf.cost != NULL ? ", atlas_link on" : "");
	return 0;
}

static int init_cb(void)
{
	struct ap_err err;
	char *api_key = NULL;
	cdtime_t interval;
	int rc = -1;

	if (conf.config_error) {
		ERROR(PFX "<Plugin atlasperf> has errors (see above): not "
		      "starting");
		return -1;
	}
	if (conf.config_file == NULL) {
		ERROR(PFX "ConfigFile is required in <Plugin atlasperf> (the "
		      "YAML configuration, e.g. "
		      "/etc/atlasperf/atlasperf.yaml): not starting");
		return -1;
	}
	if (load_config() != 0 || check_types() != 0)
		goto out;
	if (ap_api_key_load(conf.cfg->atlas.api_key_file, &api_key, &err) !=
	    AP_OK) {
		ERROR(PFX "%s", err.msg);
		goto out;
	}
	if (api_key != NULL &&
	    ap_fetch_url_is_cleartext_remote(conf.cfg->atlas.base_url)) {
		ERROR(PFX "atlas.base_url %s is plain HTTP: refusing to send "
		      "the API key over it (use https://)",
		      conf.cfg->atlas.base_url);
		goto out;
	}
	if (ap_state_dir_prepare(conf.cfg->state_dir, &err) != AP_OK) {
		ERROR(PFX "%s", err.msg);
		goto out;
	}
	if (ap_path_table_new(&conf.paths, conf.cfg, &err) != AP_OK) {
		ERROR(PFX "%s", err.msg);
		goto out;
	}
	/* Still single-threaded here, as curl_global_init wants. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		ERROR(PFX "cannot initialise libcurl");
		goto out;
	}
	conf.curl_ready = true;
	if (chain_signals() != 0) {
		ERROR(PFX "cannot install the SIGTERM/SIGINT hook: %s",
		      strerror(errno));
		goto out;
	}
	/* The cost section only feeds atlas_link: a problem there never
	 * stops the collection of results (as in the execd program). */
	if (conf.cfg->n_links > 0 &&
	    ap_cost_model_from_config(conf.cfg, &conf.cost, &err) != AP_OK)
		WARNING(PFX "%s; atlas_link is not emitted", err.msg);
	if (conf.cfg->shard_count > 1)
		snprintf(conf.links_instance, sizeof(conf.links_instance),
			 "%s-%d-%d", LINKS_INSTANCE, conf.cfg->shard_index,
			 conf.cfg->shard_count);
	else
		sstrncpy(conf.links_instance, LINKS_INSTANCE,
			 sizeof(conf.links_instance));
	if (new_acks() != 0) {
		ERROR(PFX "out of memory");
		goto out;
	}
	interval = conf.interval;
	if (interval == 0 && conf.cfg->interval_s > 0)
		interval = TIME_T_TO_CDTIME_T(conf.cfg->interval_s);
	rc = start_measurements(api_key, interval);
	if (rc != 0)
		plugin_unregister_read_group(READ_GROUP);
out:
	if (api_key != NULL) {
		memset(api_key, 0, strlen(api_key));
		free(api_key);
	}
	return rc;
}

/* Runs after collectd has joined its read threads, freed every
 * measurement context (free_msm) and stopped its write threads, so the
 * shared config and the acknowledgement slots can go. */
static int shutdown_cb(void)
{
	atomic_store(&stopping, 1);
	unchain_signals();
	free_acks();
	ap_cost_model_free(conf.cost);
	conf.cost = NULL;
	ap_path_table_free(conf.paths);
	conf.paths = NULL;
	ap_config_free(conf.cfg);
	conf.cfg = NULL;
	if (conf.curl_ready) {
		curl_global_cleanup();
		conf.curl_ready = false;
	}
	sfree(conf.config_file);
	sfree(conf.state_dir);
	sfree(conf.shard);
	return 0;
}

void module_register(void)
{
	plugin_register_complex_config("atlasperf", config_cb);
	plugin_register_init("atlasperf", init_cb);
	/* Registered here, before collectd starts its write threads;
	 * ack_write ignores everything until init has built conf.acks. */
	plugin_register_write("atlasperf", ack_write, NULL);
	plugin_register_shutdown("atlasperf", shutdown_cb);
}

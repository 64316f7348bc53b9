/* SPDX-License-Identifier: MIT */
/*
 * cmd_execd: the continuous collector, shaped for Telegraf's inputs.execd.
 * A gather runs on each newline on stdin (signal = "STDIN"), on SIGHUP,
 * SIGUSR1 or SIGUSR2, and on its own timer with --interval (signal =
 * "none"). stdout carries only line protocol, flushed after every
 * measurement's points and before its state is saved; logs go to stderr
 * with Telegraf's level prefixes. stdin EOF, SIGTERM or SIGINT end the
 * process cleanly (exit 0) within a second or two, transfers in flight
 * aborted, state saved.
 */
#include "cmd_execd.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atlasperf/ap_buf.h"
#include "atlasperf/ap_collector.h"
#include "atlasperf/ap_config.h"
#include "atlasperf/ap_cost.h"
#include "atlasperf/ap_fetch.h"
#include "atlasperf/ap_link.h"
#include "atlasperf/ap_lp.h"
#include "atlasperf/ap_path.h"
#include "atlasperf/ap_probe.h"
#include "atlasperf/ap_state.h"
#include "execd_signals.h"
#include "log.h"

/* Line protocol of one measurement's poll is held until the poll is
 * complete (all or nothing); this caps it. */
#define PENDING_CAP (512u * 1024u * 1024u)

struct execd {
	struct ap_config *cfg;
	struct ap_fetch *fetch;
	struct ap_probe_cache *probes;
	struct ap_path_table *paths;
	struct ap_collector **collectors;
	size_t n_collectors;
	struct ap_cost_model *cost; /* for atlas_link; NULL = not emitted */
	struct ap_lp *lp;
	struct ap_buf pending;
	bool once;
	int64_t interval_s;
	bool stdout_broken;
};

static const char USAGE[] =
	"Usage: atlasperf execd --config FILE [OPTIONS]\n"
	"\n"
	"Collects RIPE Atlas results continuously and prints them as InfluxDB\n"
	"line protocol on stdout, each result exactly once, for Telegraf's\n"
	"inputs.execd (see packaging/telegraf/atlasperf.conf).\n"
	"\n"
	"A gather runs on every newline on stdin (Telegraf: signal = \"STDIN\"),\n"
	"on SIGHUP, SIGUSR1 or SIGUSR2, and every --interval when given\n"
	"(signal = \"none\"). The process ends cleanly on stdin EOF, SIGTERM or\n"
	"SIGINT. Logs go to stderr with Telegraf's E!/W!/I!/D! prefixes.\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE       configuration (YAML; see atlasperf.yaml(5))\n"
	"      --once              one gather, then exit (cron, trying it out);\n"
	"                          exit 1 when any measurement failed\n"
	"      --interval DURATION gather on this timer too (e.g. 60s, 5m);\n"
	"                          overrides the config's interval\n"
	"      --state-dir DIR     overrides state_dir\n"
	"      --shard I/N         overrides shard\n"
	"      --log-level LEVEL   error, warn, info or debug\n"
	"  -h, --help              show this help\n"
	"\n"
	"The API key is read from atlas.api_key_file or the ATLAS_API_KEY\n"
	"environment variable, never from the command line.\n";

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum ap_status add_point(const struct ap_metric *m, void *user)
{
	struct execd *x = user;
	struct ap_err err;

	return ap_lp_encode(x->lp, m, &x->pending, &err);
}

/*
 * Writes buf[0..n) to stdout with write(2), in chunks that end at a line
 * end and are at most PIPE_BUF bytes: such writes to a pipe are atomic, so
 * a kill -9 can never leave half a line for Telegraf to misread (a longer
 * single line is written whole, and cannot have that guarantee).
 */
static int write_lines(const char *buf, size_t n)
{
	size_t off = 0;

	while (off < n) {
		size_t len = n - off, cut;

		if (len > PIPE_BUF) {
			cut = PIPE_BUF;
			while (cut > 0 && buf[off + cut - 1] != '\n')
				cut--;
			if (cut == 0) {
				const char *nl = memchr(buf + off, '\n', len);

				cut = nl != NULL ? (size_t)(nl - (buf + off)) + 1
						 : len;
			}
			len = cut;
		}
		while (len > 0) {
			ssize_t w = write(STDOUT_FILENO, buf + off, len);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
			off += (size_t)w;
			len -= (size_t)w;
		}
	}
	return 0;
}

/* Writes the pending line protocol to stdout. */
static enum ap_status flush_pending(void *user)
{
	struct execd *x = user;

	if (x->stdout_broken)
		return AP_EIO;
	if (write_lines(x->pending.data, x->pending.len) != 0)
		x->stdout_broken = true;
	ap_buf_clear(&x->pending);
	if (x->stdout_broken) {
		log_msg(LOG_ERROR, "cannot write to stdout (%s): stopping",
			strerror(errno));
		execd_request_stop();
		return AP_EIO;
	}
	return AP_OK;
}

static void log_invalid(const struct ap_result_id *id, const char *why,
			void *user)
{
	(void)user;
	log_msg(LOG_WARN,
		"skipped result (msm %" PRId64 ", probe %" PRId64
		", timestamp %" PRId64 "): %s",
		id->msm_id, id->prb_id, id->timestamp, why);
}

static bool gather_one(struct execd *x, struct ap_collector *c)
{
	struct ap_sink sink = {add_point, x};
	struct ap_poll_report rep;
	struct ap_err err;
	int64_t retry = 0, t0 = mono_ms();
	int64_t id = ap_collector_msm_id(c);
	enum ap_gather_outcome out;

	err.msg[0] = '\0';
	ap_buf_clear(&x->pending);
	out = ap_collector_gather(c, now_s(), &sink, flush_pending, x, &rep,
				  &retry, &err);
	ap_buf_clear(&x->pending); /* a failed poll's points are dropped */
	switch (out) {
	case AP_GATHER_POLLED:
	case AP_GATHER_FINISHED:
	case AP_GATHER_UNSAVED:
		log_msg(rep.points > 0 ? LOG_INFO : LOG_DEBUG,
			"msm %" PRId64 ": %" PRIu64 " results read, %" PRIu64
			" new points, %" PRIu64 " duplicates, %" PRIu64
			" invalid; window %" PRId64 "..%" PRId64 "%s "
			"(%" PRId64 " ms)",
			id, rep.results_read, rep.points,
			rep.results_duplicate, rep.results_invalid, rep.start,
			rep.stop, rep.swept ? " (full sweep)" : "",
			mono_ms() - t0);
		if (out == AP_GATHER_FINISHED)
			log_msg(LOG_INFO, "msm %" PRId64 ": measurement has "
				"stopped and was read out; no more polls",
				id);
		if (out == AP_GATHER_UNSAVED) {
			log_msg(LOG_ERROR, "msm %" PRId64 ": points emitted, "
				"but the state could not be saved: %s; saving "
				"again after the next poll (if atlasperf stops "
				"first, these results are emitted again after "
				"the restart, as identical points)",
				id, err.msg);
			return false;
		}
		if (err.msg[0] != '\0')
			log_msg(LOG_ERROR, "%s", err.msg);
		return true;
	case AP_GATHER_WAITING:
		log_msg(LOG_DEBUG, "msm %" PRId64 ": backing off, next try "
			"in %" PRId64 " s", id, retry);
		return true;
	case AP_GATHER_FAILED: {
		char what[32];

		if (rep.last_http_status > 0)
			snprintf(what, sizeof(what), "HTTP %ld",
				 rep.last_http_status);
		else
			snprintf(what, sizeof(what), "no HTTP response");
		log_msg(LOG_ERROR, "msm %" PRId64 ": poll failed (%s): %s; "
			"nothing emitted, state kept; retry in %" PRId64 " s",
			id, what, err.msg, retry);
		return false;
	}
	case AP_GATHER_DISABLED:
		if (err.msg[0] != '\0')
			log_msg(LOG_ERROR, "%s", err.msg);
		return false;
	}
	return false;
}

/* atlas_link: every configured link over all collectors' samples. */
static void emit_links(struct execd *x, const struct ap_sink *sink)
{
	const struct ap_agg **aggs;
	struct ap_err err;
	enum ap_status st;

	ap_err_clear(&err);
	aggs = calloc(x->n_collectors + 1, sizeof(*aggs));
	if (aggs == NULL) {
		log_msg(LOG_WARN, "atlas_link: out of memory");
		return;
	}
	for (size_t i = 0; i < x->n_collectors; i++)
		aggs[i] = ap_collector_agg(x->collectors[i]);
	st = ap_link_emit(x->cfg, x->cost, aggs, x->n_collectors, now_s(),
			  x->cfg->late_results_horizon_s, sink, &err);
	if (st != AP_OK)
		log_msg(LOG_WARN, "atlas_link: %s",
			err.msg[0] != '\0' ? err.msg : ap_strerror(st));
	free(aggs);
}

/* One gather over every measurement; false when any failed. */
static bool gather(struct execd *x)
{
	struct ap_sink sink = {add_point, x};
	bool ok = true;

	for (size_t i = 0; i < x->n_collectors && !execd_stop_requested();
	     i++)
		ok = gather_one(x, x->collectors[i]) && ok;
	/* Health of every measurement, after the polls, in one flush. */
	ap_buf_clear(&x->pending);
	for (size_t i = 0; i < x->n_collectors; i++) {
		struct ap_err err;

		if (ap_collector_emit_internal(x->collectors[i], now_s(),
					       &sink, &err) != AP_OK)
			log_msg(LOG_WARN, "internal metric: %s", err.msg);
	}
	if (x->cost != NULL)
		emit_links(x, &sink);
	flush_pending(x);
	return ok;
}

/* Polled during transfers: a signal, or Telegraf closing stdin (how it
 * stops a plugin), aborts them so the process can exit at once. */
static int abort_transfers(void *user)
{
	const struct execd *x = user;

	/* --once does not listen to stdin at all. */
	if (!x->once && !execd_stop_requested() && execd_stdin_closed())
		execd_request_stop();
	return execd_stop_requested();
}

static enum log_level level_of(enum ap_config_log_level l)
{
	switch (l) {
	case AP_CONFIG_LOG_ERROR:
		return LOG_ERROR;
	case AP_CONFIG_LOG_WARN:
		return LOG_WARN;
	case AP_CONFIG_LOG_INFO:
		return LOG_INFO;
	case AP_CONFIG_LOG_DEBUG:
		return LOG_DEBUG;
	}
	return LOG_INFO;
}


static int setup(struct execd *x, char *api_key)
{
	struct ap_fetch_opts fo;
	struct ap_err err;
	char path[4200];
	size_t n_owned = 0;
	enum ap_status st;

	if (ap_state_dir_prepare(x->cfg->state_dir, &err) != AP_OK) {
		log_msg(LOG_ERROR, "%s", err.msg);
		return -1;
	}
	memset(&fo, 0, sizeof(fo));
	fo.base_url = x->cfg->atlas.base_url;
	fo.api_key = api_key;
	fo.ca_file = x->cfg->atlas.ca_file;
	fo.user_agent = x->cfg->atlas.user_agent;
	fo.timeout_s = (long)x->cfg->atlas.timeout_s;
	fo.max_bytes = (size_t)x->cfg->atlas.max_response_bytes;
	fo.should_abort = abort_transfers;
	fo.abort_user = x;
	if (ap_fetch_new(&x->fetch, &fo, &err) != AP_OK) {
		log_msg(LOG_ERROR, "%s", err.msg);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/probes.cache", x->cfg->state_dir);
	st = ap_probe_cache_new(&x->probes, path, x->cfg->probe_cache_ttl_s,
				&err);
	if (st == AP_EPARSE) {
		log_msg(LOG_WARN, "%s; starting with an empty probe cache",
			err.msg);
	} else if (st != AP_OK) {
		log_msg(LOG_ERROR, "%s", err.msg);
		return -1;
	}
	if (ap_path_table_new(&x->paths, x->cfg, &err) != AP_OK) {
		log_msg(LOG_ERROR, "%s", err.msg);
		return -1;
	}
	/* The cost section only feeds atlas_link: a problem there never
	 * stops the collection of results. */
	if (x->cfg->n_links > 0 &&
	    ap_cost_model_from_config(x->cfg, &x->cost, &err) != AP_OK)
		log_msg(LOG_WARN, "%s; atlas_link is not emitted", err.msg);
	x->collectors = calloc(x->cfg->n_measurements + 1,
			       sizeof(*x->collectors));
	if (x->collectors == NULL) {
		log_msg(LOG_ERROR, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < x->cfg->n_measurements; i++) {
		const struct ap_config_msm *m = &x->cfg->measurements[i];

		if (!m->enabled || !ap_config_shard_owns(x->cfg, m->id))
			continue;
		n_owned++;
		if (ap_collector_new(&x->collectors[x->n_collectors], x->cfg,
				     m, x->fetch, x->probes, &err) != AP_OK) {
			/* Never start over silently on damaged state: that
			 * would re-emit or lose results. */
			log_msg(LOG_ERROR, "msm %" PRId64 ": %s; this "
				"measurement is not polled until the state "
				"file is repaired or removed",
				m->id, err.msg);
			continue;
		}
		ap_collector_on_invalid(x->collectors[x->n_collectors],
					log_invalid, NULL);
		ap_collector_set_paths(x->collectors[x->n_collectors],
				       x->paths);
		x->n_collectors++;
	}
	log_msg(LOG_INFO,
		"atlasperf %s: %zu of %zu measurements in shard %d/%d, "
		"state in %s, API %s (%s)",
		AP_VERSION, n_owned, x->cfg->n_measurements,
		x->cfg->shard_index, x->cfg->shard_count, x->cfg->state_dir,
		x->cfg->atlas.base_url, api_key ? "with API key" : "anonymous");
	return 0;
}

static void teardown(struct execd *x)
{
	for (size_t i = 0; i < x->n_collectors; i++)
		ap_collector_free(x->collectors[i]);
	free(x->collectors);
	ap_cost_model_free(x->cost);
	ap_path_table_free(x->paths);
	ap_probe_cache_free(x->probes);
	ap_fetch_free(x->fetch);
	ap_lp_free(x->lp);
	ap_buf_reset(&x->pending);
	ap_config_free(x->cfg);
}

struct overrides {
	const char *config, *state_dir, *shard, *log_level, *interval;
	bool once;
};

/* Returns 0 on success, 1 after --help, -1 on a usage error. */
static int parse_args(int argc, char **argv, struct overrides *ov)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(USAGE, stdout);
			return 1;
		} else if (strcmp(a, "--once") == 0) {
			ov->once = true;
			continue;
		} else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			slot = &ov->config;
		} else if (strcmp(a, "--state-dir") == 0) {
			slot = &ov->state_dir;
		} else if (strcmp(a, "--shard") == 0) {
			slot = &ov->shard;
		} else if (strcmp(a, "--log-level") == 0) {
			slot = &ov->log_level;
		} else if (strcmp(a, "--interval") == 0) {
			slot = &ov->interval;
		} else {
			log_msg(LOG_ERROR, "execd: unknown option '%s' (see "
				"atlasperf execd --help)", a);
			return -1;
		}
		if (i + 1 >= argc) {
			log_msg(LOG_ERROR, "execd: %s needs a value", a);
			return -1;
		}
		*slot = argv[++i];
	}
	if (ov->config == NULL) {
		log_msg(LOG_ERROR, "execd: --config FILE is required");
		return -1;
	}
	return 0;
}

/* Applies the command-line overrides on top of the loaded file. */
static int apply_overrides(struct execd *x, const struct overrides *ov)
{
	struct ap_err err;
	static const char *const levels[] = {"error", "warn", "info",
					     "debug"};

	x->interval_s = x->cfg->interval_s;
	if (ov->interval != NULL &&
	    ap_config_parse_duration(ov->interval, &x->interval_s, &err) !=
		    AP_OK) {
		log_msg(LOG_ERROR, "--interval: %s", err.msg);
		return -1;
	}
	if (ov->shard != NULL &&
	    ap_config_parse_shard(ov->shard, &x->cfg->shard_index,
				  &x->cfg->shard_count, &err) != AP_OK) {
		log_msg(LOG_ERROR, "--shard: %s", err.msg);
		return -1;
	}
	if (ov->state_dir != NULL) {
		char *d = strdup(ov->state_dir);

		if (d == NULL)
			return -1;
		free(x->cfg->state_dir);
		x->cfg->state_dir = d;
	}
	log_set_level(level_of(x->cfg->log_level));
	if (ov->log_level != NULL) {
		size_t i;

		for (i = 0; i < 4; i++)
			if (strcmp(ov->log_level, levels[i]) == 0)
				break;
		if (i == 4) {
			log_msg(LOG_ERROR, "--log-level: want error, warn, "
				"info or debug, not '%s'", ov->log_level);
			return -1;
		}
		log_set_level((enum log_level)i);
	}
	return 0;
}

static int run_loop(struct execd *x)
{
	int64_t next_tick = x->interval_s > 0 ? mono_ms() : -1;
	bool stdin_open = execd_stdin_is_trigger();

	for (;;) {
		struct pollfd fds[2];
		nfds_t nfds = 0;
		int timeout = -1;
		int rc;

		if (execd_stop_requested())
			return 0;
		if (next_tick >= 0) {
			int64_t wait = next_tick - mono_ms();

			if (wait <= 0) {
				next_tick += x->interval_s * 1000;
				if (next_tick < mono_ms())
					next_tick = mono_ms() +
						    x->interval_s * 1000;
				gather(x);
				continue;
			}
			timeout = wait > 60000 ? 60000 : (int)wait;
		}
		if (execd_take_gather_request()) {
			gather(x);
			continue;
		}
		fds[nfds].fd = execd_signal_fd();
		fds[nfds++].events = POLLIN;
		if (stdin_open) {
			fds[nfds].fd = STDIN_FILENO;
			fds[nfds++].events = POLLIN;
		}
		rc = poll(fds, nfds, timeout);
		if (rc < 0 && errno != EINTR) {
			log_msg(LOG_ERROR, "poll: %s", strerror(errno));
			return 1;
		}
		if (rc <= 0)
			continue;
		execd_drain_signal_fd();
		if (stdin_open && (fds[1].revents & (POLLIN | POLLHUP))) {
			char buf[4096];
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

			if (n == 0 || (n < 0 && errno != EINTR &&
				       errno != EAGAIN)) {
				log_msg(LOG_INFO, "stdin closed: exiting");
				return 0;
			}
			/* Each newline asks for a gather; several that
			 * arrive together collapse into one, as in
			 * Telegraf's own shim. */
			if (n > 0 && memchr(buf, '\n', (size_t)n) != NULL)
				execd_request_gather();
		}
	}
}

int cmd_execd(int argc, char **argv)
{
	struct overrides ov;
	struct execd x;
	struct ap_err err;
	char *api_key = NULL;
	int rc;

	/* First: Telegraf may send SIGHUP/SIGUSR1 at its first tick. */
	if (execd_signals_install() != 0) {
		log_msg(LOG_ERROR, "cannot install signal handlers: %s",
			strerror(errno));
		return 1;
	}
	memset(&ov, 0, sizeof(ov));
	memset(&x, 0, sizeof(x));
	rc = parse_args(argc, argv, &ov);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (ap_config_load_file(ov.config, &x.cfg, &err) != AP_OK) {
		log_msg(LOG_ERROR, "%s", err.msg);
		return 1;
	}
	x.once = ov.once;
	ap_buf_init(&x.pending, PENDING_CAP);
	if (apply_overrides(&x, &ov) != 0 || ap_lp_new(&x.lp, &err) != AP_OK)
		goto fail;
	if (ap_api_key_load(x.cfg->atlas.api_key_file, &api_key, &err) !=
	    AP_OK) {
		log_msg(LOG_ERROR, "%s", err.msg);
		goto fail;
	}
	if (api_key != NULL &&
	    ap_fetch_url_is_cleartext_remote(x.cfg->atlas.base_url)) {
		log_msg(LOG_ERROR, "atlas.base_url %s is plain HTTP: refusing "
			"to send the API key over it (use https://)",
			x.cfg->atlas.base_url);
		goto fail;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_msg(LOG_ERROR, "cannot initialise libcurl");
		goto fail;
	}
	rc = setup(&x, api_key);
	if (api_key != NULL) {
		memset(api_key, 0, strlen(api_key));
		free(api_key);
		api_key = NULL;
	}
	if (rc != 0) {
		teardown(&x);
		curl_global_cleanup();
		return 1;
	}
	if (x.once)
		rc = gather(&x) ? 0 : 1;
	else
		rc = run_loop(&x);
	if (execd_stop_requested() && !x.stdout_broken)
		log_msg(LOG_INFO, "stopping: state saved");
	teardown(&x);
	curl_global_cleanup();
	return x.stdout_broken ? 1 : rc;
fail:
	if (api_key != NULL) {
		memset(api_key, 0, strlen(api_key));
		free(api_key);
	}
	teardown(&x);
	return 1;
}

/* SPDX-License-Identifier: MIT */
/*
 * cmd_convert: reads Atlas results (JSON array or JSON lines, detected per
 * input) from files or stdin and writes line protocol to stdout, streaming:
 * memory stays bounded by the largest single result, whatever the input
 * size. A result that cannot be interpreted is skipped with one stderr line
 * and counted; the exit status is 0 whenever the input could be read.
 * With --threads N, convert_parallel.c runs the same per-record path on
 * worker threads, each a copy of the run (worker_new), and writes their
 * output in input order: byte for byte what one thread writes.
 */
#include "cmd_convert.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atlasperf/ap_buf.h"
#include "atlasperf/ap_config.h"
#include "atlasperf/ap_convert.h"
#include "atlasperf/ap_lp.h"
#include "atlasperf/ap_path.h"
#include "atlasperf/ap_probe.h"
#include "atlasperf/ap_result.h"
#include "atlasperf/ap_split.h"
#include "convert_parallel.h"
#include "log.h"

#define READ_CHUNK (256 * 1024)
/* Flush to stdout once this much line protocol is pending. */
#define FLUSH_AT (256 * 1024)
#define OUT_CAP (64u * 1024u * 1024u)
/* --tag: as many as a measurement may configure, so that every point
 * fits (ap_config.h says why the bound is 12). */
#define MAX_TAGS AP_CONFIG_MAX_MSM_TAGS

struct convert_run {
	struct ap_lp *lp;
	struct ap_result_parser *parser;
	struct ap_buf out;
	struct ap_convert_opts opts;
	struct ap_tag tags[MAX_TAGS];
	/* --config: per-measurement tags and target, the collector's probe
	 * metadata cache, exit-link / IXP classification. NULL without. */
	const char *config_path;
	struct ap_config *cfg;
	struct ap_path_table *paths;
	struct ap_probe_cache *probes;
	size_t max_record;
	const char *input; /* name for messages */
	uint64_t results, skipped, points;
	uint64_t result_points; /* encoded so far for the current result */
	struct ap_err encode_err; /* why the last point was refused */
	int write_errno; /* first stdout write error, 0 if none */
	unsigned threads; /* --threads */
	/* Write out to stdout once it holds this much; a worker never does. */
	size_t flush_at;
	/* A worker's batch: warnings are collected here (NULL: logged), the
	 * batch is given up beyond batch_max bytes of output and warnings,
	 * or when a warning could not be collected. */
	struct ap_buf *warn;
	size_t batch_max;
	bool warn_lost;
};

static const char USAGE[] =
	"Usage: atlasperf convert [OPTIONS] [FILE ...]\n"
	"\n"
	"Converts RIPE Atlas results to InfluxDB line protocol on stdout.\n"
	"Each FILE (or stdin when none is given, or for \"-\") holds a JSON\n"
	"array of results, as the Atlas results API returns it, or one JSON\n"
	"result per line, as the hourly dumps and format=txt do; the shape is\n"
	"detected automatically. Memory use is bounded whatever the input size.\n"
	"\n"
	"Results that cannot be interpreted are skipped with one line on\n"
	"stderr naming the measurement, probe, timestamp and reason; a summary\n"
	"line at the end counts results read, skipped and points written.\n"
	"\n"
	"Options:\n"
	"  --tag KEY=VALUE         add a tag to every point (repeatable, at\n"
	"                          most 12 distinct keys with a measurement's\n"
	"                          configured tags)\n"
	"  --config FILE           use the atlasperf YAML configuration: each\n"
	"                          measurement's tags, hop_points and target\n"
	"                          coordinates; the link (and IXP) each\n"
	"                          traceroute left by, from links[].prefixes\n"
	"                          and ixp_prefixes_file; probe ASN,\n"
	"                          country and coordinates from\n"
	"                          STATE_DIR/probes.cache when the collector\n"
	"                          has written one. --tag wins over a\n"
	"                          configured tag of the same key\n"
	"  --hop-points            also emit atlas_traceroute_hop points\n"
	"  --max-result-bytes N    skip single results larger than N bytes\n"
	"                          (default 8388608)\n"
	"  --threads N             convert on N threads, 1 to 64 (default:\n"
	"                          the CPUs this process may use). Output,\n"
	"                          warnings and counts do not depend on N;\n"
	"                          JSON lines use all N, a JSON array one\n"
	"  -q, --quiet             log errors only (no per-result warnings)\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 when all input was read (even if results were skipped),\n"
	"1 when an input (or the --config file, or a file it names) could not\n"
	"be read or stdout could not be written,\n"
	"2 for a usage error.\n";

/* Writes line protocol to stdout; after the first error, nothing. */
static void put_out(struct convert_run *run, const char *data, size_t len)
{
	if (len > 0 && run->write_errno == 0 &&
	    fwrite(data, 1, len, stdout) != len)
		run->write_errno = errno ? errno : EIO;
}

static void flush_out(struct convert_run *run)
{
	if (run->out.len == 0)
		return;
	put_out(run, run->out.data, run->out.len);
	ap_buf_clear(&run->out);
}

static enum ap_status emit_point(const struct ap_metric *m, void *user)
{
	struct convert_run *run = user;
	enum ap_status st = ap_lp_encode(run->lp, m, &run->out,
					 &run->encode_err);

	if (st == AP_OK)
		run->result_points++;
	return st;
}

static void skip(struct convert_run *run, const struct ap_result_id *id,
		 uint64_t line, const char *why)
{
	char msm[24] = "?", prb[24] = "?", ts[24] = "?";

	run->skipped++;
	if (id != NULL && id->msm_id >= 0)
		snprintf(msm, sizeof(msm), "%" PRId64, id->msm_id);
	if (id != NULL && id->prb_id >= 0)
		snprintf(prb, sizeof(prb), "%" PRId64, id->prb_id);
	if (id != NULL && id->timestamp >= 0)
		snprintf(ts, sizeof(ts), "%" PRId64, id->timestamp);
	if (log_to(run->warn, LOG_WARN,
		   "skipped result (msm %s, probe %s, timestamp %s) at %s "
		   "line %" PRIu64 ": %s",
		   msm, prb, ts, run->input, line, why) != AP_OK)
		run->warn_lost = true;
}

/*
 * With --config: o (a copy of run->opts) gets the measurement's tags
 * (before the --tag ones, so those win), hop_points and target, the probe's
 * metadata from the cache, and a traceroute's exit link and IXP. tags
 * (room for MAX_TAGS + AP_METRIC_MAX_TAGS) and asn (24 bytes) back the
 * strings o points to; both live as long as o.
 */
static enum ap_status config_opts(const struct convert_run *run,
				  const struct ap_result *r,
				  struct ap_convert_opts *o,
				  struct ap_tag *tags, char *asn)
{
	const struct ap_config_msm *m =
		ap_config_find_msm(run->cfg, r->base.msm_id);
	const struct ap_probe_info *pi =
		ap_probe_cache_get(run->probes, r->base.prb_id);
	size_t n = 0;

	o->bottleneck_min_ms = run->cfg->bottleneck_min_ms;
	o->bottleneck_persist = run->cfg->bottleneck_persist;
	if (m != NULL) {
		for (size_t i = 0; i < m->n_tags && n < AP_METRIC_MAX_TAGS;
		     i++) {
			tags[n].key = m->tags[i].key;
			tags[n].value = m->tags[i].value;
			n++;
		}
		if (m->hop_points)
			o->hop_points = true;
		if (m->has_target) {
			o->target_lat = m->target_lat;
			o->target_lon = m->target_lon;
		}
	}
	for (size_t i = 0; i < run->opts.n_tags; i++)
		tags[n++] = run->tags[i];
	o->tags = tags;
	o->n_tags = n;
	if (pi != NULL && pi->known) {
		int64_t a = ap_probe_asn(pi, r->base.af);

		if (a >= 0) {
			snprintf(asn, 24, "%" PRId64, a);
			o->probe_asn = asn;
		}
		if (pi->cc[0] != '\0')
			o->probe_cc = pi->cc;
		o->probe_lat = pi->lat;
		o->probe_lon = pi->lon;
	}
	return ap_path_apply(run->paths, r, o, NULL);
}

static enum ap_status on_record(const char *data, size_t len, uint64_t line,
				void *user)
{
	struct convert_run *run = user;
	struct ap_result_id id;
	struct ap_result *r = NULL;
	struct ap_err err;
	struct ap_sink sink = {emit_point, run};
	size_t mark = run->out.len;
	enum ap_status st;

	run->results++;
	run->result_points = 0;
	ap_err_clear(&run->encode_err);
	st = ap_result_parse_with(run->parser, data, len, &r, &id, &err);
	if (st == AP_ENOMEM)
		return st;
	if (st != AP_OK) {
		skip(run, &id, line, err.msg);
		return AP_OK;
	}
	if (run->cfg != NULL) {
		struct ap_convert_opts o = run->opts;
		struct ap_tag tags[MAX_TAGS + AP_METRIC_MAX_TAGS];
		char asn[24];

		st = config_opts(run, r, &o, tags, asn);
		if (st == AP_OK)
			st = ap_convert_result(r, &o, &sink, &err);
		else
			ap_err_set(&err, st, "path analysis: %s",
				   ap_strerror(st));
	} else {
		st = ap_convert_result(r, &run->opts, &sink, &err);
	}
	if (st != AP_OK) {
		/* All of a result's points or none of them. */
		run->out.len = mark;
		if (run->out.data != NULL)
			run->out.data[mark] = '\0';
		ap_result_free(r);
		if (st == AP_ENOMEM)
			return st;
		/* The encoder's own words say more than "not accepted". */
		skip(run, &id, line,
		     run->encode_err.msg[0] ? run->encode_err.msg : err.msg);
		return AP_OK;
	}
	run->points += run->result_points;
	ap_result_free(r);
	if (run->out.len >= run->flush_at)
		flush_out(run);
	return AP_OK;
}

static enum ap_status on_bad(const char *why, uint64_t line, void *user)
{
	struct convert_run *run = user;

	run->results++;
	skip(run, NULL, line, why);
	return AP_OK;
}

/* ---- --threads: the same per-record path on worker threads ------------ */

static void worker_free(void *worker)
{
	struct convert_run *w = worker;

	if (w == NULL)
		return;
	ap_result_parser_free(w->parser);
	ap_lp_free(w->lp);
	free(w);
}

/*
 * A worker's converter: a copy of the main run with its own encoder,
 * parser, output and counters. The options, the --tag strings and the
 * --config tables are shared: converting only reads them
 * (ap_config_find_msm, ap_probe_cache_get, ap_path_apply).
 */
static void *worker_new(void *ctx)
{
	const struct convert_run *main_run = ctx;
	struct convert_run *w = malloc(sizeof(*w));
	struct ap_err err;

	if (w == NULL)
		return NULL;
	*w = *main_run;
	w->lp = NULL;
	w->parser = NULL;
	ap_buf_init(&w->out, OUT_CAP);
	w->opts.tags = w->tags;
	w->flush_at = SIZE_MAX;
	w->write_errno = 0;
	w->warn = NULL;
	if (ap_lp_new(&w->lp, &err) != AP_OK ||
	    ap_result_parser_new(&w->parser, &err) != AP_OK) {
		worker_free(w);
		return NULL;
	}
	return w;
}

/* Stops the batch (the main thread then converts it itself) when it
 * outgrows its budget or a warning was lost. */
static enum ap_status worker_check(struct convert_run *run,
				  enum ap_status st)
{
	if (st == AP_OK &&
	    (run->warn_lost ||
	     run->out.len + run->warn->len > run->batch_max))
		return AP_ERANGE;
	return st;
}

static enum ap_status worker_record(const char *data, size_t len,
				    uint64_t line, void *user)
{
	struct convert_run *run = user;
	uint64_t skipped = run->skipped;
	enum ap_status st = on_record(data, len, line, user);

	/* The encoder refuses a point that would take out past OUT_CAP, and
	 * out's fill differs between a batch and the single-threaded run
	 * (flushed every FLUSH_AT): any result the encoder refused sends
	 * the batch to the main thread. Rare: a valid point never fails. */
	if (st == AP_OK && run->skipped != skipped &&
	    run->encode_err.msg[0] != '\0')
		st = AP_ERANGE;
	return worker_check(run, st);
}

static enum ap_status worker_bad(const char *why, uint64_t line, void *user)
{
	return worker_check(user, on_bad(why, line, user));
}

static bool worker_convert(void *worker, const char *data, size_t len,
			   uint64_t line, size_t max_bytes,
			   struct cp_batch_out *o)
{
	static const struct ap_split_cb cb_template = {
		worker_record, worker_bad, NULL, NULL};
	struct convert_run *run = worker;
	struct ap_split_cb cb = cb_template;
	struct ap_split split;
	enum ap_status st;
	bool idle;

	/* The batch's buffers stand in for stdout and stderr. */
	run->out = o->out;
	run->out.cap = OUT_CAP;
	run->warn = &o->warn;
	run->warn_lost = false;
	run->batch_max = max_bytes;
	run->results = run->skipped = run->points = 0;
	cb.user = run;
	ap_split_init(&split, run->max_record, &cb);
	split.line = line;
	st = ap_split_feed(&split, data, len);
	idle = ap_split_idle(&split);
	ap_split_reset(&split);
	o->out = run->out;
	ap_buf_init(&run->out, OUT_CAP);
	run->warn = NULL;
	o->results = run->results;
	o->skipped = run->skipped;
	o->points = run->points;
	return st == AP_OK && idle && !run->warn_lost;
}

/* A worker's batch, in input order, after what the run's own splitter
 * wrote before it. */
static void write_batch(void *ctx, const struct cp_batch_out *o)
{
	struct convert_run *run = ctx;

	flush_out(run);
	put_out(run, o->out.data, o->out.len);
	if (o->warn.len > 0)
		fwrite(o->warn.data, 1, o->warn.len, stderr);
	run->results += o->results;
	run->skipped += o->skipped;
	run->points += o->points;
}

/* Streams one input through the splitter. Returns 0, or 1 when it could
 * not be opened or read. */
static int convert_input(struct convert_run *run, const char *path)
{
	static const struct ap_split_cb cb_template = {on_record, on_bad, NULL,
							 NULL};
	struct ap_split_cb cb = cb_template;
	struct ap_split split;
	FILE *in = stdin;
	char *chunk;
	int rc = 0;
	enum ap_status st = AP_OK;
	bool consumed = false;

	run->input = path == NULL ? "stdin" : path;
	if (path != NULL && strcmp(path, "-") != 0) {
		in = fopen(path, "rb");
		if (in == NULL) {
			log_msg(LOG_ERROR, "cannot open %s: %s", path,
				strerror(errno));
			return 1;
		}
	}
	chunk = malloc(READ_CHUNK);
	if (chunk == NULL) {
		log_msg(LOG_ERROR, "out of memory");
		if (in != stdin)
			fclose(in);
		return 1;
	}
	cb.user = run;
	ap_split_init(&split, run->max_record, &cb);
	if (run->threads > 1) {
		struct cp_ops ops = {run, worker_new, worker_free,
				     worker_convert, write_batch};
		struct cp_params par;

		cp_params_init(&par, run->threads);
		st = cp_convert(&ops, &par, in, &split, &consumed);
	}
	while (!consumed) {
		size_t n = fread(chunk, 1, READ_CHUNK, in);

		if (n > 0)
			st = ap_split_feed(&split, chunk, n);
		if (st != AP_OK || n < READ_CHUNK)
			break;
	}
	if (st == AP_OK && ferror(in)) {
		log_msg(LOG_ERROR, "error reading %s: %s", run->input,
			strerror(errno));
		rc = 1;
	} else if (st == AP_OK) {
		st = ap_split_finish(&split);
	}
	if (st != AP_OK) {
		log_msg(LOG_ERROR, "%s: %s", run->input, ap_strerror(st));
		rc = 1;
	}
	ap_split_reset(&split);
	free(chunk);
	if (in != stdin)
		fclose(in);
	flush_out(run);
	return rc;
}

/* Parses the options; returns the index of the first input argument, or
 * -1 (exit 0: help shown) or -2 (usage error, exit 2). */
static int parse_options(struct convert_run *run, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
			return i + 1;
		if (a[0] != '-' || strcmp(a, "-") == 0)
			break;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(USAGE, stdout);
			return -1;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			log_set_level(LOG_ERROR);
		} else if (strcmp(a, "--hop-points") == 0) {
			run->opts.hop_points = true;
		} else if (strcmp(a, "--config") == 0 && i + 1 < argc) {
			run->config_path = argv[++i];
		} else if (strcmp(a, "--tag") == 0 && i + 1 < argc) {
			char *kv = argv[++i], *eq = strchr(kv, '=');

			if (eq == NULL || eq == kv || eq[1] == '\0' ||
			    run->opts.n_tags == MAX_TAGS) {
				log_msg(LOG_ERROR, "--tag wants KEY=VALUE "
					"(at most %d): '%s'", MAX_TAGS, kv);
				return -2;
			}
			*eq = '\0';
			run->tags[run->opts.n_tags].key = kv;
			run->tags[run->opts.n_tags].value = eq + 1;
			run->opts.n_tags++;
		} else if (strcmp(a, "--max-result-bytes") == 0 &&
			   i + 1 < argc) {
			char *end;
			unsigned long long v = strtoull(argv[++i], &end, 10);

			if (*end != '\0' || v < 64 || v > (1ull << 31)) {
				log_msg(LOG_ERROR, "--max-result-bytes wants "
					"a number from 64 to 2147483648");
				return -2;
			}
			run->max_record = (size_t)v;
		} else if (strcmp(a, "--threads") == 0 && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);

			if (*end != '\0' || end == argv[i] || v < 1 ||
			    v > CP_MAX_THREADS) {
				log_msg(LOG_ERROR, "--threads wants a number "
					"from 1 to %d", CP_MAX_THREADS);
				return -2;
			}
			run->threads = (unsigned)v;
		} else {
			log_msg(LOG_ERROR, "convert: unknown or incomplete "
				"option '%s' (see atlasperf convert --help)",
				a);
			return -2;
		}
	}
	return i;
}

static void free_config(struct convert_run *run)
{
	ap_probe_cache_free(run->probes);
	ap_path_table_free(run->paths);
	ap_config_free(run->cfg);
	run->probes = NULL;
	run->paths = NULL;
	run->cfg = NULL;
}

/* --config FILE: the configuration, its path table (links and IXP
 * prefixes) and, read-only, the collector's probe cache. Returns 0, or 1
 * after logging why (the caller frees what was loaded). */
/*
 * With --config: a measurement's configured tags and the --tag ones
 * together (a --tag of the same key replaces a configured one) must fit
 * a point, or every result of it would be skipped. Returns 0, or 2 after
 * saying which measurement has too many.
 */
static int check_tag_room(const struct convert_run *run)
{
	for (size_t i = 0; i < run->cfg->n_measurements; i++) {
		const struct ap_config_msm *m = &run->cfg->measurements[i];
		size_t n = m->n_tags;

		for (size_t t = 0; t < run->opts.n_tags; t++) {
			bool configured = false;

			for (size_t k = 0; k < m->n_tags && !configured; k++)
				configured = strcmp(m->tags[k].key,
						    run->tags[t].key) == 0;
			if (!configured)
				n++;
		}
		if (n > MAX_TAGS) {
			log_msg(LOG_ERROR,
				"measurement %" PRId64 ": %zu configured tags "
				"and %zu --tag give %zu distinct tags; at most "
				"%d fit a point",
				m->id, m->n_tags, run->opts.n_tags, n,
				MAX_TAGS);
			return 2;
		}
	}
	return 0;
}

static int load_config(struct convert_run *run)
{
	struct ap_err err;
	char path[4096];
	enum ap_status st;
	int n;

	if (ap_config_load_file(run->config_path, &run->cfg, &err) != AP_OK ||
	    ap_path_table_new(&run->paths, run->cfg, &err) != AP_OK) {
		log_msg(LOG_ERROR, "%s", err.msg);
		return 1;
	}
	n = snprintf(path, sizeof(path), "%s/probes.cache",
		     run->cfg->state_dir);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		log_msg(LOG_ERROR, "state_dir is too long");
		return 1;
	}
	/* Never saved here: refreshing it is the collector's job. */
	st = ap_probe_cache_new(&run->probes, path,
				run->cfg->probe_cache_ttl_s, &err);
	if (st != AP_OK && run->probes == NULL) {
		log_msg(LOG_ERROR, "%s", err.msg);
		return 1;
	}
	if (st != AP_OK)
		log_msg(LOG_WARN, "%s; converting without probe metadata",
			err.msg);
	log_msg(LOG_DEBUG,
		"convert: %zu link prefixes, %zu IXP prefixes, %zu cached "
		"probes",
		ap_path_table_link_prefixes(run->paths),
		ap_path_table_ixp_prefixes(run->paths),
		ap_probe_cache_count(run->probes));
	return 0;
}

int cmd_convert(int argc, char **argv)
{
	struct convert_run run;
	struct ap_err err;
	int first, rc = 0;

	memset(&run, 0, sizeof(run));
	ap_convert_opts_init(&run.opts);
	run.opts.tags = run.tags;
	run.flush_at = FLUSH_AT;
	first = parse_options(&run, argc, argv);
	if (first == -1)
		return 0;
	if (first == -2)
		return 2;
	if (run.threads == 0)
		run.threads = cp_usable_cpus();
	if (run.config_path != NULL && load_config(&run) != 0) {
		free_config(&run);
		return 1;
	}
	if (run.cfg != NULL && (rc = check_tag_room(&run)) != 0) {
		free_config(&run);
		return rc;
	}
	if (ap_lp_new(&run.lp, &err) != AP_OK ||
	    ap_result_parser_new(&run.parser, &err) != AP_OK) {
		log_msg(LOG_ERROR, "%s", err.msg);
		ap_lp_free(run.lp);
		free_config(&run);
		return 1;
	}
	ap_buf_init(&run.out, OUT_CAP);
	if (first >= argc) {
		rc = convert_input(&run, NULL);
	} else {
		for (int i = first; i < argc; i++)
			if (convert_input(&run, argv[i]) != 0)
				rc = 1;
	}
	if (run.write_errno == 0 && fflush(stdout) != 0)
		run.write_errno = errno ? errno : EIO;
	if (run.write_errno != 0) {
		log_msg(LOG_ERROR, "cannot write to stdout: %s",
			strerror(run.write_errno));
		rc = 1;
	}
	log_msg(rc == 0 ? LOG_INFO : LOG_ERROR,
		"convert: %" PRIu64 " results read, %" PRIu64
		" skipped, %" PRIu64 " points written",
		run.results, run.skipped, run.points);
	ap_buf_reset(&run.out);
	ap_result_parser_free(run.parser);
	ap_lp_free(run.lp);
	free_config(&run);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * ap_collect: exactly-once polling of the results API. The body of every
 * request is spooled to an anonymous temp file while it is framed and
 * checked; only when all requests of the poll succeeded (and probe metadata
 * for the probes seen is at hand) are the results converted, so a failed
 * poll emits nothing and a successful one emits each result once, with the
 * same tags every time.
 */
#include "atlasperf/ap_collect.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atlasperf/ap_split.h"

#define SPOOL_CHUNK (64 * 1024)

void ap_poll_opts_init(struct ap_poll_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->horizon_s = 7200;
	o->sweep_s = 900;
	o->overlap_s = 600;
	o->max_window_s = 3600;
}

/* Distinct probe ids seen in the responses, for the metadata refresh. */
struct id_set {
	int64_t *v;
	size_t n, cap;
};

static enum ap_status id_add(struct id_set *s, int64_t id)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		int64_t *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return AP_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = id;
	return AP_OK;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void id_unique(struct id_set *s)
{
	size_t k = 0;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_i64);
	for (size_t i = 1; i < s->n; i++)
		if (s->v[i] != s->v[k])
			s->v[++k] = s->v[i];
	s->n = k + 1;
}

/* Pass 1: one request's body goes to the spool and through the framer. */
struct fetch_pass {
	FILE *spool;
	struct ap_result_parser *parser;
	struct ap_split split;
	struct id_set ids;
	bool started;      /* first non-blank byte seen */
	bool is_array;     /* ... and it was '[' */
	uint64_t framing_errors;
	uint64_t records;
	char first_bad[128];
};

static enum ap_status pass1_record(const char *data, size_t len,
				   uint64_t line, void *user)
{
	struct fetch_pass *p = user;
	struct ap_result *r = NULL;
	struct ap_result_id id;

	(void)line;
	p->records++;
	/* Only the probe id is wanted here; results that do not parse are
	 * counted in pass 2, where they are skipped. */
	if (ap_result_parse_with(p->parser, data, len, &r, &id, NULL) ==
	    AP_ENOMEM)
		return AP_ENOMEM;
	ap_result_free(r);
	if (id.prb_id >= 0)
		return id_add(&p->ids, id.prb_id);
	return AP_OK;
}

static enum ap_status pass1_bad(const char *why, uint64_t line, void *user)
{
	struct fetch_pass *p = user;

	if (p->framing_errors++ == 0)
		snprintf(p->first_bad, sizeof(p->first_bad),
			 "line %" PRIu64 ": %s", line, why);
	return AP_OK;
}

/* A whole result over the size cap is one bad result, not a broken
 * response: pass 2 counts it. */
static enum ap_status pass1_too_large(size_t cap, uint64_t line, void *user)
{
	(void)cap;
	(void)line;
	(void)user;
	return AP_OK;
}

static enum ap_status pass1_body(const char *data, size_t len, void *user)
{
	struct fetch_pass *p = user;

	for (size_t i = 0; i < len && !p->started; i++) {
		char c = data[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		p->started = true;
		p->is_array = c == '[';
	}
	if (p->started && !p->is_array)
		return AP_EPARSE; /* an object or HTML: not a result list */
	if (fwrite(data, 1, len, p->spool) != len)
		return AP_EIO;
	return ap_split_feed(&p->split, data, len);
}

static void build_url(char *buf, size_t n, const struct ap_poll_opts *o,
		      int64_t a, int64_t b)
{
	snprintf(buf, n,
		 "%s/measurements/%" PRId64 "/results/?start=%" PRId64
		 "&stop=%" PRId64 "&format=json",
		 o->base_url, o->msm_id, a, b);
}

/* One request of pass 1: [a, b]. A separator is written to the spool
 * between responses so pass 2 frames them as concatenated arrays. */
static enum ap_status fetch_window(struct ap_fetch *f,
				   const struct ap_poll_opts *o, int64_t a,
				   int64_t b, struct fetch_pass *p,
				   struct ap_poll_report *rep,
				   struct ap_err *err)
{
	static const struct ap_split_cb cb_template = {
		pass1_record, pass1_bad, NULL, pass1_too_large};
	struct ap_split_cb cb = cb_template;
	struct ap_fetch_info info;
	char url[2048];
	enum ap_status st;

	cb.user = p;
	p->started = false;
	p->is_array = false;
	p->framing_errors = 0;
	ap_split_init(&p->split, 0, &cb);
	build_url(url, sizeof(url), o, a, b);
	rep->api_requests++;
	st = ap_fetch_get(f, url, pass1_body, p, &info, err);
	rep->fetch_ms += info.elapsed_ms;
	rep->last_http_status = info.status;
	rep->retry_after_s = info.retry_after_s;
	if (st == AP_OK)
		st = ap_split_finish(&p->split);
	if (st == AP_OK && (!p->is_array || p->split.in_array ||
			    p->framing_errors > 0)) {
		st = ap_err_set(err, AP_EPARSE,
				"msm %" PRId64 ": response is not a complete "
				"JSON array of results (%s)",
				o->msm_id,
				!p->is_array ? "it does not start with '['"
				: p->framing_errors ? p->first_bad
						    : "it ends before ']'");
	} else if (st == AP_EPARSE && p->started && !p->is_array) {
		st = ap_err_set(err, AP_EPARSE,
				"msm %" PRId64 ": HTTP %ld response is not a "
				"JSON array of results",
				o->msm_id, info.status);
	}
	ap_split_reset(&p->split);
	if (st == AP_OK && fputc('\n', p->spool) == EOF)
		st = ap_err_set(err, AP_EIO, "cannot write the spool file");
	if (st != AP_OK)
		rep->api_errors++;
	return st;
}

/* Pass 2: convert the spooled results. */
struct convert_pass {
	struct ap_result_parser *parser;
	const struct ap_poll_opts *o;
	struct ap_msm_state *s;
	const struct ap_sink *sink;
	struct ap_poll_report *rep;
	struct ap_err *err;
	/* One result's points, held until all of them were built, so a
	 * result gives all its points or none (a traceroute whose hop point
	 * cannot be built must not leave its main point behind). */
	struct ap_metric *stage;
	size_t n_stage, cap_stage;
};

static enum ap_status stage_point(const struct ap_metric *m, void *user)
{
	struct convert_pass *c = user;

	if (c->n_stage == c->cap_stage) {
		size_t cap = c->cap_stage ? c->cap_stage * 2 : 8;
		struct ap_metric *v = realloc(c->stage, cap * sizeof(*v));

		if (v == NULL)
			return AP_ENOMEM;
		c->stage = v;
		c->cap_stage = cap;
	}
	ap_metric_copy(&c->stage[c->n_stage++], m);
	return AP_OK;
}

/* Hands the staged points to the real sink. */
static enum ap_status forward_stage(struct convert_pass *c)
{
	enum ap_status st = AP_OK;

	for (size_t i = 0; i < c->n_stage && st == AP_OK; i++) {
		st = c->sink->emit(&c->stage[i], c->sink->user);
		if (st == AP_OK)
			c->rep->points++;
	}
	c->n_stage = 0;
	return st;
}

static void invalid(struct convert_pass *c, const struct ap_result_id *id,
		    const char *why)
{
	c->rep->results_invalid++;
	if (c->o->on_invalid != NULL)
		c->o->on_invalid(id, why, c->o->user);
}

static enum ap_status pass2_record(const char *data, size_t len,
				   uint64_t line, void *user)
{
	struct convert_pass *c = user;
	struct ap_convert_opts opts = *c->o->convert;
	struct ap_sink staged = {stage_point, c};
	struct ap_result *r = NULL;
	struct ap_result_id id;
	struct ap_err perr;
	char asn[24];
	enum ap_status st;

	(void)line;
	c->rep->results_read++;
	st = ap_result_parse_with(c->parser, data, len, &r, &id, &perr);
	if (st == AP_ENOMEM)
		return st;
	if (st != AP_OK) {
		invalid(c, &id, perr.msg);
		return AP_OK;
	}
	if (r->base.msm_id != c->o->msm_id) {
		invalid(c, &id, "result of another measurement");
		ap_result_free(r);
		return AP_OK;
	}
	if (ap_state_seen(c->s, r->base.prb_id, r->base.timestamp)) {
		c->rep->results_duplicate++;
		ap_result_free(r);
		return AP_OK;
	}
	if (c->o->probes != NULL) {
		const struct ap_probe_info *pi =
			ap_probe_cache_get(c->o->probes, r->base.prb_id);

		if (pi != NULL && pi->known) {
			int64_t a = ap_probe_asn(pi, r->base.af);

			if (a >= 0) {
				snprintf(asn, sizeof(asn), "%" PRId64, a);
				opts.probe_asn = asn;
			}
			if (pi->cc[0] != '\0')
				opts.probe_cc = pi->cc;
			opts.probe_lat = pi->lat;
			opts.probe_lon = pi->lon;
		}
	}
	st = ap_path_apply(c->o->paths, r, &opts, NULL);
	if (st != AP_OK) {
		ap_result_free(r);
		return ap_err_set(c->err, st, "msm %" PRId64 ": path analysis: "
				  "%s", c->o->msm_id, ap_strerror(st));
	}
	c->n_stage = 0;
	st = ap_convert_result(r, &opts, &staged, &perr);
	if (st == AP_OK) {
		/* The points borrow from r and opts: forward before freeing. */
		st = forward_stage(c);
		if (st != AP_OK) {
			ap_result_free(r);
			return ap_err_set(c->err, st, "msm %" PRId64 ": output: "
					  "%s", c->o->msm_id, ap_strerror(st));
		}
		st = ap_state_mark(c->s, r->base.prb_id, r->base.timestamp);
		if (st == AP_OK && c->o->agg != NULL)
			st = ap_agg_add(c->o->agg, r, &opts, &perr);
		if (st != AP_OK)
			ap_err_set(c->err, st, "msm %" PRId64 ": %s",
				   c->o->msm_id, ap_strerror(st));
		if (r->base.timestamp > c->rep->newest_ts)
			c->rep->newest_ts = r->base.timestamp;
	} else if (st == AP_EINVAL) {
		/* Not representable (e.g. too many tags): skip it, with none
		 * of its points. */
		c->n_stage = 0;
		invalid(c, &id, perr.msg);
		st = AP_OK;
	} else {
		ap_err_set(c->err, st, "msm %" PRId64 ": %s", c->o->msm_id,
			   perr.msg);
	}
	ap_result_free(r);
	return st;
}

static enum ap_status pass2_bad(const char *why, uint64_t line, void *user)
{
	(void)why;
	(void)line;
	(void)user;
	return AP_OK; /* framing was checked in pass 1 */
}

static enum ap_status pass2_too_large(size_t cap, uint64_t line, void *user)
{
	struct convert_pass *c = user;
	struct ap_result_id id = {-1, -1, -1};
	char why[64];

	(void)line;
	c->rep->results_read++;
	snprintf(why, sizeof(why), "result larger than %zu bytes", cap);
	invalid(c, &id, why);
	return AP_OK;
}

static enum ap_status convert_spool(FILE *spool, struct convert_pass *c)
{
	static const struct ap_split_cb cb_template = {
		pass2_record, pass2_bad, NULL, pass2_too_large};
	struct ap_split_cb cb = cb_template;
	struct ap_split split;
	char *chunk = malloc(SPOOL_CHUNK);
	enum ap_status st = AP_OK;
	size_t n;

	if (chunk == NULL)
		return ap_err_set(c->err, AP_ENOMEM, "out of memory");
	cb.user = c;
	ap_split_init(&split, 0, &cb);
	rewind(spool);
	while (st == AP_OK && (n = fread(chunk, 1, SPOOL_CHUNK, spool)) > 0)
		st = ap_split_feed(&split, chunk, n);
	if (st == AP_OK && ferror(spool))
		st = ap_err_set(c->err, AP_EIO, "cannot read the spool file");
	if (st == AP_OK)
		st = ap_split_finish(&split);
	ap_split_reset(&split);
	free(chunk);
	return st;
}

static void poll_range(const struct ap_msm_state *s,
		       const struct ap_poll_opts *o, int64_t now,
		       struct ap_poll_report *rep)
{
	int64_t cursor = ap_state_cursor(s);
	int64_t horizon_start = now - o->horizon_s;

	rep->stop = now;
	if (cursor == 0 || o->final ||
	    now - ap_state_last_sweep(s) >= o->sweep_s) {
		/* First start backfills the horizon; a sweep re-reads it
		 * to catch results that became visible late; so does the
		 * last poll of a stopped measurement. */
		rep->start = horizon_start;
		rep->swept = true;
	} else {
		rep->start = cursor - o->overlap_s;
		if (rep->start < horizon_start)
			rep->start = horizon_start;
	}
}

enum ap_status ap_poll(struct ap_fetch *f, struct ap_msm_state *s,
		       const struct ap_poll_opts *o, int64_t now,
		       const struct ap_sink *sink,
		       struct ap_poll_report *report, struct ap_err *err)
{
	struct fetch_pass p;
	struct convert_pass c = {NULL, o, s, sink, report, err, NULL, 0, 0};
	enum ap_status st = AP_OK;
	int64_t window = o->max_window_s > 0 ? o->max_window_s : 3600;

	memset(report, 0, sizeof(*report));
	report->retry_after_s = -1;
	memset(&p, 0, sizeof(p));
	poll_range(s, o, now, report);
	st = ap_result_parser_new(&p.parser, err);
	if (st != AP_OK)
		return st;
	c.parser = p.parser;
	p.spool = tmpfile();
	if (p.spool == NULL) {
		ap_result_parser_free(p.parser);
		return ap_err_set(err, AP_EIO, "cannot create a spool file");
	}
	for (int64_t a = report->start; a <= report->stop && st == AP_OK;
	     a += window + 1) {
		int64_t b = a + window;

		if (b > report->stop)
			b = report->stop;
		st = fetch_window(f, o, a, b, &p, report, err);
	}
	if (st == AP_OK && o->probes != NULL && p.ids.n > 0) {
		struct ap_fetch_info info;
		unsigned requests = 0;

		id_unique(&p.ids);
		st = ap_probe_cache_refresh(o->probes, f, o->base_url, p.ids.v,
					    p.ids.n, now, &requests, &info,
					    err);
		report->api_requests += requests;
		if (requests > 0) {
			report->fetch_ms += info.elapsed_ms;
			report->last_http_status = info.status;
		}
		if (st != AP_OK) {
			report->api_errors++;
			report->retry_after_s = info.retry_after_s;
		}
	}
	if (st == AP_OK)
		st = convert_spool(p.spool, &c);
	fclose(p.spool);
	free(p.ids.v);
	free(c.stage);
	ap_result_parser_free(p.parser);
	return st;
}

void ap_poll_commit(struct ap_msm_state *s, const struct ap_poll_opts *o,
		    const struct ap_poll_report *report, int64_t now)
{
	/* Keep entries a little past the horizon: a sweep starts at
	 * now - horizon, and the overlap may reach back further. */
	int64_t keep_from = now - o->horizon_s - o->overlap_s;

	ap_state_commit(s, report->stop, report->swept ? now : 0, o->final,
			keep_from);
}

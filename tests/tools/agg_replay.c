/* SPDX-License-Identifier: MIT */
/*
 * agg_replay: a test tool for ap_agg. Reads Atlas results (JSON lines),
 * feeds them to one aggregation per measurement in N polls (add, emit at
 * the poll's time, commit) and prints every summary point emitted, as line
 * protocol, preceded by a "# poll I now T" comment per poll. What InfluxDB
 * would keep (the last point per series and timestamp) must not depend on
 * the number of polls, their sizes or the order of the results.
 *
 * Usage: agg_replay [options] FILE
 *   --interval S     window length (default 240)
 *   --horizon S      lateness horizon, or "none" (default none)
 *   --group-by LIST  comma-separated probe_asn,probe_cc,link (default none)
 *   --batches N      number of polls (default 1)
 *   --seed N         shuffle the results and cut the polls at random
 *                    places (default: file order, equal contiguous polls)
 *   --progressive    each poll's time is the newest timestamp read so far
 *                    (windows close as polls go by); a last poll at the
 *                    final time follows. Default: every poll at the final
 *                    time.
 *   --now T          the final time (default: newest timestamp + interval)
 *   --meta FILE      per probe "prb_id probe_asn probe_cc link", '-' for
 *                    none, '#' comments: the group values
 *   --state-dir DIR  save, free and reload every aggregation after each
 *                    poll (exercises persistence)
 *   --tag K=V        a configured tag added to every point (repeatable)
 * Exit status 0, 1 on errors, 2 on usage errors.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "atlasperf/ap_agg.h"
#include "atlasperf/ap_buf.h"
#include "atlasperf/ap_lp.h"
#include "atlasperf/ap_result.h"

#define MAX_TAGS 8

struct meta {
	int64_t prb_id;
	char *asn, *cc, *link;
};

struct msm {
	int64_t id;
	struct ap_agg *agg;
};

struct replay {
	struct ap_agg_opts o;
	struct ap_result **r;
	size_t n;
	struct meta *meta;
	size_t n_meta;
	struct msm *msms;
	size_t n_msms;
	struct ap_tag tags[MAX_TAGS];
	size_t n_tags;
	const char *state_dir;
	struct ap_lp *lp;
	struct ap_buf out;
	uint64_t rng;
};

static uint64_t rnd(struct replay *p)
{
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 7;
	p->rng ^= p->rng << 17;
	return p->rng;
}

static void usage(void)
{
	fputs("Usage: agg_replay [--interval S] [--horizon S|none] "
	      "[--group-by LIST] [--batches N] [--seed N] [--progressive] "
	      "[--now T] [--meta FILE] [--state-dir DIR] [--tag K=V]... "
	      "FILE\n",
	      stderr);
}

static bool read_i64(const char *s, int64_t *v)
{
	char *end;
	long long x;

	if (s == NULL || *s == '\0')
		return false;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*v = x;
	return true;
}

static char *dash_none(const char *s)
{
	return strcmp(s, "-") == 0 ? NULL : strdup(s);
}

static int load_meta(struct replay *p, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	unsigned long lineno = 0;

	if (f == NULL) {
		fprintf(stderr, "agg_replay: cannot open %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char id[32], asn[256], cc[256], link[256];
		struct meta *m;
		int64_t prb;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%31s %255s %255s %255s", id, asn, cc,
			   link) != 4 ||
		    !read_i64(id, &prb)) {
			fprintf(stderr, "agg_replay: %s:%lu: bad line\n", path,
				lineno);
			fclose(f);
			return 1;
		}
		m = realloc(p->meta, (p->n_meta + 1) * sizeof(*m));
		if (m == NULL)
			abort();
		p->meta = m;
		m = &p->meta[p->n_meta++];
		m->prb_id = prb;
		m->asn = dash_none(asn);
		m->cc = dash_none(cc);
		m->link = dash_none(link);
	}
	fclose(f);
	return 0;
}

static const struct meta *find_meta(const struct replay *p, int64_t prb)
{
	for (size_t i = 0; i < p->n_meta; i++)
		if (p->meta[i].prb_id == prb)
			return &p->meta[i];
	return NULL;
}

static int load_results(struct replay *p, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0, bad = 0;

	if (f == NULL) {
		fprintf(stderr, "agg_replay: cannot open %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		struct ap_result *r = NULL;
		struct ap_err err;

		lineno++;
		while (len > 0 &&
		       (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		if (ap_result_parse(line, (size_t)len, &r, NULL, &err) !=
		    AP_OK) {
			fprintf(stderr, "agg_replay: %s:%lu: %s\n", path,
				lineno, err.msg);
			bad++;
			continue;
		}
		if (p->n % 256 == 0) {
			struct ap_result **nr =
				realloc(p->r, (p->n + 256) * sizeof(*nr));

			if (nr == NULL)
				abort();
			p->r = nr;
		}
		p->r[p->n++] = r;
	}
	free(line);
	fclose(f);
	if (bad > 0)
		fprintf(stderr, "agg_replay: %lu results skipped\n", bad);
	return 0;
}

static struct msm *get_msm(struct replay *p, int64_t id)
{
	struct ap_err err;
	enum ap_status st;
	size_t i;

	for (i = 0; i < p->n_msms; i++)
		if (p->msms[i].id == id)
			return &p->msms[i];
	/* kept sorted by id, so polls emit in a fixed order */
	p->msms = realloc(p->msms, (p->n_msms + 1) * sizeof(*p->msms));
	if (p->msms == NULL)
		abort();
	for (i = p->n_msms; i > 0 && p->msms[i - 1].id > id; i--)
		p->msms[i] = p->msms[i - 1];
	p->msms[i].id = id;
	p->msms[i].agg = NULL;
	p->n_msms++;
	st = p->state_dir != NULL
		     ? ap_agg_load(p->state_dir, id, &p->o, &p->msms[i].agg,
				   &err)
		     : ap_agg_new(&p->msms[i].agg, id, &p->o, &err);
	if (st != AP_OK) {
		fprintf(stderr, "agg_replay: msm %" PRId64 ": %s\n", id,
			err.msg);
		exit(1);
	}
	return &p->msms[i];
}

static enum ap_status print_point(const struct ap_metric *m, void *user)
{
	struct replay *p = user;
	struct ap_err err;
	enum ap_status st;

	ap_buf_clear(&p->out);
	st = ap_lp_encode(p->lp, m, &p->out, &err);
	if (st != AP_OK) {
		fprintf(stderr, "agg_replay: %s\n", err.msg);
		return st;
	}
	fwrite(p->out.data, 1, p->out.len, stdout);
	return AP_OK;
}

/* One poll: the results r[from..to), then emit and commit at now. */
static int poll_once(struct replay *p, size_t from, size_t to, int64_t now,
		     unsigned poll)
{
	struct ap_sink sink = {print_point, p};
	struct ap_err err;

	for (size_t i = from; i < to; i++) {
		const struct ap_result *r = p->r[i];
		const struct meta *m = find_meta(p, r->base.prb_id);
		struct ap_convert_opts co;
		struct msm *ms = get_msm(p, r->base.msm_id);

		ap_convert_opts_init(&co);
		if (m != NULL) {
			co.probe_asn = m->asn;
			co.probe_cc = m->cc;
			co.link = m->link;
		}
		if (ap_agg_add(ms->agg, r, &co, &err) != AP_OK) {
			fprintf(stderr, "agg_replay: %s\n", err.msg);
			return 1;
		}
	}
	printf("# poll %u now %" PRId64 "\n", poll, now);
	for (size_t k = 0; k < p->n_msms; k++) {
		if (ap_agg_emit(p->msms[k].agg, now, p->tags, p->n_tags, &sink,
				&err) != AP_OK) {
			fprintf(stderr, "agg_replay: %s\n", err.msg);
			return 1;
		}
		ap_agg_commit(p->msms[k].agg, now);
		if (p->state_dir == NULL)
			continue;
		if (ap_agg_save(p->state_dir, p->msms[k].agg, &err) != AP_OK) {
			fprintf(stderr, "agg_replay: %s\n", err.msg);
			return 1;
		}
		ap_agg_free(p->msms[k].agg);
		p->msms[k].agg = NULL;
		if (ap_agg_load(p->state_dir, p->msms[k].id, &p->o,
				&p->msms[k].agg, &err) != AP_OK) {
			fprintf(stderr, "agg_replay: %s\n", err.msg);
			return 1;
		}
	}
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

static int parse_groups(struct replay *p, const char *list)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		if (p->o.n_group_by == AP_AGG_MAX_DIMS ||
		    ap_agg_dim_parse(t, &p->o.group_by[p->o.n_group_by]) !=
			    AP_OK) {
			fprintf(stderr, "agg_replay: bad --group-by %s\n",
				list);
			return 2;
		}
		p->o.n_group_by++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct replay p;
	struct ap_err err;
	int64_t batches = 1, seed = -1, now = INT64_MIN, v;
	bool progressive = false;
	const char *file = NULL, *meta = NULL;
	size_t *cut = NULL;
	int rc = 1;

	memset(&p, 0, sizeof(p));
	ap_agg_opts_init(&p.o);
	p.o.interval_s = 240;
	p.o.horizon_s = AP_AGG_HORIZON_NONE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--progressive") == 0) {
			progressive = true;
			continue;
		}
		if (a[0] != '-' || strcmp(a, "-") == 0) {
			if (file != NULL)
				goto bad_usage;
			file = a;
			continue;
		}
		if (val == NULL)
			goto bad_usage;
		i++;
		if (strcmp(a, "--interval") == 0 && read_i64(val, &v)) {
			p.o.interval_s = v;
		} else if (strcmp(a, "--horizon") == 0) {
			if (strcmp(val, "none") == 0)
				p.o.horizon_s = AP_AGG_HORIZON_NONE;
			else if (read_i64(val, &v) && v >= 0)
				p.o.horizon_s = v;
			else
				goto bad_usage;
		} else if (strcmp(a, "--group-by") == 0) {
			if (parse_groups(&p, val) != 0) {
				rc = 2;
				goto out;
			}
		} else if (strcmp(a, "--batches") == 0 && read_i64(val, &v) &&
			   v >= 1 && v <= 1000000) {
			batches = v;
		} else if (strcmp(a, "--seed") == 0 && read_i64(val, &v) &&
			   v >= 0) {
			seed = v;
		} else if (strcmp(a, "--now") == 0 && read_i64(val, &v)) {
			now = v;
		} else if (strcmp(a, "--meta") == 0) {
			meta = val;
		} else if (strcmp(a, "--state-dir") == 0) {
			p.state_dir = val;
		} else if (strcmp(a, "--tag") == 0 && strchr(val, '=') &&
			   p.n_tags < MAX_TAGS) {
			char *kv = strdup(val), *eq = strchr(kv, '=');

			*eq = '\0';
			p.tags[p.n_tags].key = kv;
			p.tags[p.n_tags].value = eq + 1;
			p.n_tags++;
		} else {
			goto bad_usage;
		}
	}
	if (file == NULL)
		goto bad_usage;
	{
		/* Validate the options once, before reading anything. */
		struct ap_agg *probe = NULL;

		if (ap_agg_new(&probe, 1, &p.o, &err) != AP_OK) {
			fprintf(stderr, "agg_replay: %s\n", err.msg);
			rc = 2;
			goto out;
		}
		ap_agg_free(probe);
	}
	if (ap_lp_new(&p.lp, &err) != AP_OK) {
		fprintf(stderr, "agg_replay: %s\n", err.msg);
		goto out;
	}
	ap_buf_init(&p.out, 1 << 20);
	if ((meta != NULL && load_meta(&p, meta) != 0) ||
	    load_results(&p, file) != 0)
		goto out;
	if (now == INT64_MIN) {
		int64_t newest = 0;

		for (size_t i = 0; i < p.n; i++)
			if (p.r[i]->base.timestamp > newest)
				newest = p.r[i]->base.timestamp;
		now = newest + p.o.interval_s;
	}
	cut = calloc((size_t)batches + 1, sizeof(*cut));
	if (cut == NULL)
		abort();
	if (seed >= 0) {
		p.rng = (uint64_t)seed * UINT64_C(0x9e3779b97f4a7c15) + 1;
		for (size_t i = p.n; i > 1; i--) {
			size_t j = (size_t)(rnd(&p) % i);
			struct ap_result *t = p.r[i - 1];

			p.r[i - 1] = p.r[j];
			p.r[j] = t;
		}
		for (int64_t b = 1; b < batches; b++)
			cut[b] = (size_t)(rnd(&p) % (p.n + 1));
		qsort(cut + 1, (size_t)batches - 1, sizeof(*cut), cmp_size);
	} else {
		for (int64_t b = 1; b < batches; b++)
			cut[b] = (size_t)((uint64_t)p.n * (uint64_t)b /
					  (uint64_t)batches);
	}
	cut[batches] = p.n;
	{
		int64_t seen = INT64_MIN;
		unsigned poll = 0;

		for (int64_t b = 0; b < batches; b++) {
			for (size_t i = cut[b]; i < cut[b + 1]; i++)
				if (p.r[i]->base.timestamp > seen)
					seen = p.r[i]->base.timestamp;
			if (poll_once(&p, cut[b], cut[b + 1],
				      progressive && seen != INT64_MIN ? seen
								       : now,
				      ++poll) != 0)
				goto out;
		}
		if (progressive && poll_once(&p, 0, 0, now, ++poll) != 0)
			goto out;
	}
	rc = 0;
	goto out;
bad_usage:
	usage();
	rc = 2;
out:
	fflush(stdout);
	free(cut);
	for (size_t i = 0; i < p.n; i++)
		ap_result_free(p.r[i]);
	free(p.r);
	for (size_t i = 0; i < p.n_meta; i++) {
		free(p.meta[i].asn);
		free(p.meta[i].cc);
		free(p.meta[i].link);
	}
	free(p.meta);
	for (size_t i = 0; i < p.n_msms; i++)
		ap_agg_free(p.msms[i].agg);
	free(p.msms);
	for (size_t i = 0; i < p.n_tags; i++)
		free((char *)p.tags[i].key);
	ap_buf_reset(&p.out);
	ap_lp_free(p.lp);
	return rc;
}

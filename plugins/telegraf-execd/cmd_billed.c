/* SPDX-License-Identifier: MIT */
/*
 * cmd_billed: reads raw 5-minute traffic samples, one "IN OUT" pair of
 * Mbps per line, and prints the billed load of burstable transit as
 * ANALYSIS.md 1.1 defines it: max(p95 of in, p95 of out). The figure to
 * put into a destination's or link's traffic in the cost model.
 */
#include "cmd_billed.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atlasperf/ap_cost.h"
#include "log.h"

/* A month of 5-minute samples is 8928; a year is about 105k. */
#define MAX_SAMPLES (4u * 1024u * 1024u)

static const char USAGE[] =
	"Usage: atlasperf billed-load [FILE]\n"
	"\n"
	"Reads 5-minute traffic samples, one line per sample with two numbers\n"
	"in Mbps, inbound and outbound (blank lines and lines starting with #\n"
	"are ignored; '-' marks a missing sample in one direction), from FILE\n"
	"or stdin, and prints the billed load of 95th-percentile transit:\n"
	"max(p95 in, p95 out), p95 being the nearest-rank 95th percentile.\n";

struct series {
	double *v;
	size_t n, cap;
};

static int push(struct series *s, double v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		double *p;

		if (cap > MAX_SAMPLES)
			return -1;
		p = realloc(s->v, cap * sizeof(*p));
		if (p == NULL)
			return -1;
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

/* One number, or '-' for none (NaN). Numbers are read in the C locale
 * whatever the environment says (strtod follows LC_NUMERIC, which this
 * program never changes from "C"). */
static int read_value(const char *tok, double *v, const char **end)
{
	char *e;

	if (tok[0] == '-' && (tok[1] == ' ' || tok[1] == '\t' ||
			      tok[1] == '\n' || tok[1] == '\0')) {
		*v = NAN;
		*end = tok + 1;
		return 0;
	}
	errno = 0;
	*v = strtod(tok, &e);
	if (e == tok || errno != 0 || !isfinite(*v) || *v < 0)
		return -1;
	*end = e;
	return 0;
}

int cmd_billed(int argc, char **argv)
{
	struct series in = {0}, out = {0};
	const char *path = NULL, *name = "stdin";
	char line[256];
	unsigned long lineno = 0;
	FILE *f = stdin;
	int rc = 1;
	double billed;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			fputs(USAGE, stdout);
			return 0;
		}
		if (path != NULL) {
			log_msg(LOG_ERROR, "billed-load: one FILE at most");
			return 2;
		}
		path = argv[i];
	}
	if (path != NULL && strcmp(path, "-") != 0) {
		f = fopen(path, "r");
		if (f == NULL) {
			log_msg(LOG_ERROR, "cannot open %s: %s", path,
				strerror(errno));
			return 1;
		}
		name = path;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = line, *end;
		double a, b;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\n' || *p == '\0')
			continue;
		if (read_value(p, &a, &end) != 0)
			goto bad;
		p = end;
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (read_value(p, &b, &end) != 0)
			goto bad;
		p = end;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '\0')
			goto bad;
		if (push(&in, a) != 0 || push(&out, b) != 0) {
			log_msg(LOG_ERROR, "%s: more than %u samples", name,
				MAX_SAMPLES);
			goto done;
		}
	}
	if (ferror(f)) {
		log_msg(LOG_ERROR, "error reading %s: %s", name,
			strerror(errno));
		goto done;
	}
	billed = ap_cost_billed_mbps(in.v, in.n, out.v, out.n);
	if (isnan(billed)) {
		log_msg(LOG_ERROR, "%s: no samples", name);
		goto done;
	}
	printf("%.6g\n", billed);
	log_msg(LOG_INFO, "billed-load: %zu samples, billed %.6g Mbps "
		"(max of the inbound and outbound 95th percentiles)",
		in.n, billed);
	rc = 0;
	goto done;
bad:
	log_msg(LOG_ERROR, "%s:%lu: want two numbers of Mbps (inbound, "
		"outbound; '-' for none), >= 0", name, lineno);
done:
	if (f != stdin)
		fclose(f);
	free(in.v);
	free(out.v);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * test_capture.h: a sink for unit tests that keeps every point it is
 * given, as line protocol (lines, without the newline) and as a metric
 * copy (m, with its own scratch), and can be told to fail after a number
 * of points. Static functions: include it in one test file.
 */
#ifndef ATLASPERF_TEST_CAPTURE_H
#define ATLASPERF_TEST_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atlasperf/ap_buf.h"
#include "atlasperf/ap_lp.h"
#include "atlasperf/ap_metric.h"

struct cap {
	struct ap_metric *m;
	char **lines;
	size_t n, alloc;
	struct ap_lp *lp;
	int fail_after; /* >= 0: the sink fails with AP_EIO after that many */
};

/* The sink function (struct ap_sink sink = {cap_emit, &cap}). A point the
 * encoder refuses is reported and its status returned, not kept. */
static enum ap_status cap_emit(const struct ap_metric *m, void *user)
{
	struct cap *c = user;
	struct ap_buf b;
	struct ap_err err;
	enum ap_status st;

	if (c->fail_after == 0)
		return AP_EIO;
	if (c->fail_after > 0)
		c->fail_after--;
	ap_buf_init(&b, 1 << 20);
	st = ap_lp_encode(c->lp, m, &b, &err);
	if (st != AP_OK) {
		printf("encode: %s\n", err.msg);
		return st;
	}
	if (c->n == c->alloc) {
		c->alloc = c->alloc ? c->alloc * 2 : 16;
		c->m = realloc(c->m, c->alloc * sizeof(*c->m));
		c->lines = realloc(c->lines, c->alloc * sizeof(*c->lines));
		if (c->m == NULL || c->lines == NULL)
			abort();
	}
	b.data[b.len - 1] = '\0'; /* drop the newline */
	c->lines[c->n] = strdup(b.data);
	ap_buf_reset(&b);
	if (c->lines[c->n] == NULL)
		abort();
	ap_metric_copy(&c->m[c->n], m);
	c->n++;
	return AP_OK;
}

static void cap_init(struct cap *c)
{
	struct ap_err err;

	memset(c, 0, sizeof(*c));
	c->fail_after = -1;
	if (ap_lp_new(&c->lp, &err) != AP_OK)
		abort();
}

/* Forgets the points kept so far (the sink stays usable). */
static void cap_clear(struct cap *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->lines[i]);
	c->n = 0;
}

static void cap_free(struct cap *c)
{
	cap_clear(c);
	free(c->lines);
	free(c->m);
	ap_lp_free(c->lp);
}

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Differential libFuzzer target for the fast result scanner
 * (common/src/fast_result.c): every input is parsed by the fast path and
 * by the json-c path (a parser made with ATLASPERF_NO_FAST_PATH=1). When
 * the fast path accepts, the json-c path must accept too, with the same
 * identity, and both results must convert (default options, then hop
 * points and tags) to byte-identical line protocol; else __builtin_trap().
 */
#include "atlasperf/ap_buf.h"
#include "atlasperf/ap_convert.h"
#include "atlasperf/ap_lp.h"
#include "atlasperf/ap_result.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/src/fast_result_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_CAP (16u * 1024u * 1024u)

struct sink_state {
	struct ap_lp *lp;
	struct ap_buf out;
};

static enum ap_status emit(const struct ap_metric *m, void *user)
{
	struct sink_state *s = user;
	struct ap_err err;
	enum ap_status st = ap_lp_encode(s->lp, m, &s->out, &err);

	/* A refused point is recorded as a marker, so refusals compare. */
	if (st != AP_OK)
		ap_buf_add(&s->out, "!refused\n", 9);
	return st;
}

static void convert(const struct ap_result *r, bool hops,
		    struct sink_state *s)
{
	static const struct ap_tag tags[] = {{"site", "ams 1,a=b"}};
	struct ap_sink sink = {emit, s};
	struct ap_convert_opts opts;
	struct ap_err err;
	enum ap_status st;
	char mark[2];

	ap_convert_opts_init(&opts);
	if (hops) {
		opts.tags = tags;
		opts.n_tags = 1;
		opts.hop_points = true;
	}
	st = ap_convert_result(r, &opts, &sink, &err);
	mark[0] = (char)('0' + (int)st);
	mark[1] = '\n';
	ap_buf_add(&s->out, mark, 2);
}

static struct ap_result_parser *slow_parser(void)
{
	static struct ap_result_parser *p;
	struct ap_err err;

	if (p == NULL) {
		setenv("ATLASPERF_NO_FAST_PATH", "1", 1);
		if (ap_result_parser_new(&p, &err) != AP_OK)
			abort();
		unsetenv("ATLASPERF_NO_FAST_PATH");
	}
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ap_result *fast = NULL, *slow = NULL;
	struct ap_result_id fid = {-1, -1, -1}, sid = {-1, -1, -1};
	struct sink_state a, b;
	struct ap_err err;
	enum fast_status fst;
	enum ap_status st;
	char *copy;

	/* Input as the splitter hands it over: a private buffer. */
	copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	fst = fast_result_new(copy, size, &fast, &fid);
	st = ap_result_parse_with(slow_parser(), copy, size, &slow, &sid, &err);
	/* Results own their strings: the record buffer may be reused. */
	memset(copy, 'Z', size);
	free(copy);
	if (fst != FAST_OK) {
		if (fast != NULL)
			__builtin_trap();
		ap_result_free(slow);
		return 0;
	}
	if (st != AP_OK || slow == NULL || fid.msm_id != sid.msm_id ||
	    fid.prb_id != sid.prb_id || fid.timestamp != sid.timestamp ||
	    fast->base.type != slow->base.type)
		__builtin_trap();
	if (ap_lp_new(&a.lp, &err) != AP_OK || ap_lp_new(&b.lp, &err) != AP_OK)
		abort();
	ap_buf_init(&a.out, OUT_CAP);
	ap_buf_init(&b.out, OUT_CAP);
	for (int hops = 0; hops <= 1; hops++) {
		convert(fast, hops != 0, &a);
		convert(slow, hops != 0, &b);
	}
	if (a.out.len != b.out.len ||
	    (a.out.len > 0 && memcmp(a.out.data, b.out.data, a.out.len) != 0))
		__builtin_trap();
	ap_buf_reset(&a.out);
	ap_buf_reset(&b.out);
	ap_lp_free(a.lp);
	ap_lp_free(b.lp);
	ap_result_free(fast);
	ap_result_free(slow);
	return 0;
}

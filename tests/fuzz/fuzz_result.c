/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for one result's whole path: arbitrary bytes go to
 * ap_result_parse(); a result that parses is converted twice (default
 * options, then hop points, tags and probe metadata) and every point is
 * encoded with ap_lp_encode(). Traps on a broken invariant: a failure
 * without a reason, an identity that differs from the parsed result, or an
 * encoded line that is not exactly one line of printable text ending in
 * the point's nanosecond timestamp.
 */
#include "atlasperf/ap_buf.h"
#include "atlasperf/ap_convert.h"
#include "atlasperf/ap_lp.h"
#include "atlasperf/ap_result.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Far above what one result converts to; reaching it is not a bug. */
#define OUT_CAP (16u * 1024u * 1024u)

struct fuzz_sink {
	struct ap_lp *lp;
	struct ap_buf out;
};

/* The line out[mark..len) must be one line: printable bytes (control
 * characters are replaced by the encoder), one final '\n', the metric's
 * name first and its timestamp in nanoseconds last. */
static void check_line(const struct ap_buf *out, size_t mark,
		       const struct ap_metric *m)
{
	const char *line = out->data + mark;
	size_t n = out->len - mark, name_len = strlen(m->name);
	char ts[32];
	int ts_len;

	if (n == 0 || line[n - 1] != '\n')
		__builtin_trap();
	for (size_t i = 0; i + 1 < n; i++)
		if ((unsigned char)line[i] < 0x20 ||
		    (unsigned char)line[i] == 0x7f)
			__builtin_trap();
	if (n < name_len || memcmp(line, m->name, name_len) != 0)
		__builtin_trap();
	ts_len = snprintf(ts, sizeof(ts), " %" PRId64 "\n",
			  m->time_s * INT64_C(1000000000));
	if (ts_len <= 0 || (size_t)ts_len > n ||
	    memcmp(line + n - (size_t)ts_len, ts, (size_t)ts_len) != 0)
		__builtin_trap();
}

static enum ap_status emit(const struct ap_metric *m, void *user)
{
	struct fuzz_sink *s = user;
	struct ap_err err;
	size_t mark = s->out.len;
	enum ap_status st;

	err.msg[0] = '\0';
	st = ap_lp_encode(s->lp, m, &s->out, &err);
	if (st != AP_OK) {
		/* A refused point leaves the buffer as it was, with a reason. */
		if (s->out.len != mark || err.msg[0] == '\0')
			__builtin_trap();
		return st;
	}
	check_line(&s->out, mark, m);
	return AP_OK;
}

static void convert(const struct ap_result *r,
		    const struct ap_convert_opts *opts, struct fuzz_sink *s)
{
	struct ap_sink sink = {emit, s};
	struct ap_err err;

	ap_buf_clear(&s->out);
	/* Errors are fine here (a point may be refused); the reason a
	 * failure leaves in err is not checked: see tests/integration/
	 * test-bad-input "timestamp-beyond-ns-range". */
	ap_convert_result(r, opts, &sink, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ap_tag tags[] = {
		{"site", "ams 1,a=b"}, {"msm_id", "override"}};
	struct fuzz_sink s;
	/* Not NULL on entry, to check that a failure sets *out to NULL. */
	struct ap_result *r = (struct ap_result *)&s;
	struct ap_result_id id;
	struct ap_convert_opts opts;
	struct ap_err err;
	enum ap_status st;

	err.msg[0] = '\0';
	st = ap_result_parse((const char *)data, size, &r, &id, &err);
	if (st != AP_OK) {
		if (r != NULL || err.msg[0] == '\0' ||
		    memchr(err.msg, '\0', sizeof(err.msg)) == NULL)
			__builtin_trap();
		return 0;
	}
	if (r == NULL || id.msm_id != r->base.msm_id ||
	    id.prb_id != r->base.prb_id || id.timestamp != r->base.timestamp ||
	    r->base.msm_id < 0 || r->base.prb_id < 0 || r->base.timestamp < 0)
		__builtin_trap();
	if (strcmp(ap_result_type_name(r->base.type), "unknown") == 0)
		__builtin_trap();
	if (ap_lp_new(&s.lp, &err) != AP_OK) {
		ap_result_free(r);
		return 0;
	}
	ap_buf_init(&s.out, OUT_CAP);

	ap_convert_opts_init(&opts);
	convert(r, &opts, &s);

	opts.tags = tags;
	opts.n_tags = sizeof(tags) / sizeof(tags[0]);
	opts.probe_asn = "AS64500";
	opts.probe_cc = "NL";
	opts.link = "transit-1";
	opts.hop_points = true;
	convert(r, &opts, &s);

	ap_buf_reset(&s.out);
	ap_lp_free(s.lp);
	ap_result_free(r);
	return 0;
}

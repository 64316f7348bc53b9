/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the stream splitter. The first HEADER bytes pick
 * the record cap and seed the chunk sizes; the rest is the stream. It is
 * split twice, in one piece and in pseudo-random chunks (1 byte up to a
 * few KiB), and both runs must report the same records and problems on the
 * same lines: framing may not depend on where read() happens to cut (a
 * record inside one chunk is framed in place, one that spans chunks by the
 * byte-wise path: the comparison checks the one against the other). Each
 * record must be non-empty, within the cap and on an existing line;
 * records of the first run also go through ap_result_parse().
 */
#include "atlasperf/ap_buf.h"
#include "atlasperf/ap_result.h"
#include "atlasperf/ap_split.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input header: byte 0 picks the cap (< 0x80: the default; else a small
 * cap of 1..1017 bytes, to reach the oversize paths), bytes 1..3 seed the
 * chunk sizes. The seed corpus files start with these 4 bytes too.
 */
#define HEADER 4
#define LOG_CAP (64u * 1024u * 1024u)

struct run {
	struct ap_buf log; /* every callback, serialised, for comparison */
	size_t cap;        /* the record cap in effect */
	uint64_t lines;    /* lines in the input: newlines + 1 */
	int parse;         /* also parse each record */
	int failed;        /* the log hit its cap: do not compare */
};

static void log_u64(struct run *run, uint64_t v)
{
	if (ap_buf_add(&run->log, &v, sizeof(v)) != AP_OK)
		run->failed = 1;
}

static void log_bytes(struct run *run, char tag, const char *p, size_t n)
{
	if (ap_buf_addc(&run->log, tag) != AP_OK)
		run->failed = 1;
	log_u64(run, n);
	if (ap_buf_add(&run->log, p, n) != AP_OK)
		run->failed = 1;
}

static enum ap_status on_record(const char *data, size_t len, uint64_t line,
				void *user)
{
	struct run *run = user;

	if (data == NULL || len == 0 || len > run->cap)
		__builtin_trap();
	if (line < 1 || line > run->lines)
		__builtin_trap();
	log_u64(run, line);
	log_bytes(run, 'R', data, len);
	if (run->parse) {
		struct ap_result *r = NULL;
		struct ap_result_id id;
		struct ap_err err;

		if (ap_result_parse(data, len, &r, &id, &err) == AP_OK)
			ap_result_free(r);
		else if (r != NULL)
			__builtin_trap();
	}
	return AP_OK;
}

static enum ap_status on_bad(const char *why, uint64_t line, void *user)
{
	struct run *run = user;

	if (why == NULL || why[0] == '\0')
		__builtin_trap();
	if (line < 1 || line > run->lines)
		__builtin_trap();
	log_u64(run, line);
	log_bytes(run, 'B', why, strlen(why));
	return AP_OK;
}

/* xorshift32: deterministic chunk sizes from the header's seed. */
static uint32_t next(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

static void split(struct run *run, size_t max_record, const char *p,
		  size_t n, uint32_t seed)
{
	static const struct ap_split_cb cb_template = {on_record, on_bad, NULL,
							 NULL};
	struct ap_split_cb cb = cb_template;
	struct ap_split s;
	size_t off = 0;

	cb.user = run;
	ap_split_init(&s, max_record, &cb);
	run->cap = s.rec.cap;
	if (seed == 0) {
		if (ap_split_feed(&s, p, n) != AP_OK)
			__builtin_trap();
	} else {
		while (off < n) {
			uint32_t r = next(&seed);
			size_t chunk = (r & 7) == 0 ? 1 + (r >> 3) % 4096
						    : 1 + (r >> 3) % 16;

			if (chunk > n - off)
				chunk = n - off;
			if (ap_split_feed(&s, p + off, chunk) != AP_OK)
				__builtin_trap();
			off += chunk;
		}
	}
	if (ap_split_finish(&s) != AP_OK || s.bytes != n)
		__builtin_trap();
	ap_split_reset(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run whole, chunked;
	const char *p = (const char *)data + HEADER;
	size_t n, max_record;
	uint32_t seed;
	uint64_t lines = 1;

	if (size < HEADER)
		return 0;
	n = size - HEADER;
	max_record = data[0] < 0x80 ? 0 : 1 + (size_t)(data[0] & 0x7f) * 8;
	seed = (uint32_t)data[1] | (uint32_t)data[2] << 8 |
	       (uint32_t)data[3] << 16 | UINT32_C(1) << 24;
	for (size_t i = 0; i < n; i++)
		if (p[i] == '\n')
			lines++;

	memset(&whole, 0, sizeof(whole));
	memset(&chunked, 0, sizeof(chunked));
	ap_buf_init(&whole.log, LOG_CAP);
	ap_buf_init(&chunked.log, LOG_CAP);
	whole.lines = chunked.lines = lines;
	whole.parse = 1;

	split(&whole, max_record, p, n, 0);
	split(&chunked, max_record, p, n, seed);
	if (!whole.failed && !chunked.failed &&
	    (whole.log.len != chunked.log.len ||
	     (whole.log.len > 0 &&
	      memcmp(whole.log.data, chunked.log.data, whole.log.len) != 0)))
		__builtin_trap();

	ap_buf_reset(&whole.log);
	ap_buf_reset(&chunked.log);
	return 0;
}

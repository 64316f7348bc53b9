/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for ap_split_idle, and the property `convert --threads` rests
 * on: wherever a splitter is idle, a fresh splitter started at its line
 * frames the rest of the input exactly as the original would (same
 * records, bad-input reports and line numbers), however it is fed.
 */
#include <stdlib.h>

#include "atlasperf/ap_split.h"
#include "test.h"

/* Every callback as one line of text: "R<line>:<record>" or
 * "B<line>:<why>". */
static enum ap_status log_rec(const char *d, size_t len, uint64_t line,
			      void *u)
{
	struct ap_buf *b = u;

	ap_buf_printf(b, "R%llu:", (unsigned long long)line);
	ap_buf_add(b, d, len);
	return ap_buf_adds(b, "\n");
}

static enum ap_status log_bad(const char *why, uint64_t line, void *u)
{
	return ap_buf_printf(u, "B%llu:%s\n", (unsigned long long)line, why);
}

static enum ap_status log_large(size_t cap, uint64_t line, void *u)
{
	return ap_buf_printf(u, "L%llu:%zu\n", (unsigned long long)line, cap);
}

/* Feeds text[from..to) in chunks of step bytes (0: at once). */
static void feed(struct ap_split *s, const char *text, size_t from,
		 size_t to, size_t step)
{
	if (step == 0)
		step = to - from ? to - from : 1;
	for (size_t i = from; i < to; i += step)
		ap_split_feed(s, text + i, to - i < step ? to - i : step);
}

/* The whole text through one splitter, then finish. */
static void whole(struct ap_buf *log, const char *text, size_t cap,
		  bool large_cb)
{
	struct ap_split_cb cb = {log_rec, log_bad, log, NULL};
	struct ap_split s;

	if (large_cb)
		cb.too_large = log_large;
	ap_split_init(&s, cap, &cb);
	feed(&s, text, 0, strlen(text), 7);
	ap_split_finish(&s);
	ap_split_reset(&s);
}

/*
 * Cut after every newline where the first splitter is idle: a second,
 * fresh splitter takes over at that line. Returns the number of cuts that
 * changed the log (must be 0) and counts the idle cuts in *idle_cuts.
 */
static int cuts_differ(const char *text, size_t cap, bool large_cb,
		       int *idle_cuts)
{
	struct ap_buf want, got;
	size_t len = strlen(text);
	int bad = 0;

	ap_buf_init(&want, SIZE_MAX);
	whole(&want, text, cap, large_cb);
	for (size_t cut = 0; cut <= len; cut++) {
		struct ap_split_cb cb = {log_rec, log_bad, &got, NULL};
		struct ap_split a, b;

		if (cut > 0 && text[cut - 1] != '\n')
			continue;
		if (large_cb)
			cb.too_large = log_large;
		ap_buf_init(&got, SIZE_MAX);
		ap_split_init(&a, cap, &cb);
		feed(&a, text, 0, cut, cut % 5);
		if (ap_split_idle(&a)) {
			(*idle_cuts)++;
			ap_split_init(&b, cap, &cb);
			b.line = a.line;
			feed(&b, text, cut, len, 0);
			ap_split_finish(&b);
			ap_split_reset(&b);
			if (got.len != want.len ||
			    (got.len > 0 &&
			     memcmp(got.data, want.data, got.len) != 0)) {
				printf("cut at %zu differs:\n%s---\n%s", cut,
				       want.data ? want.data : "",
				       got.data ? got.data : "");
				bad++;
			}
		}
		ap_split_reset(&a);
		ap_buf_reset(&got);
	}
	ap_buf_reset(&want);
	return bad;
}

static bool idle_after(const char *text)
{
	struct ap_buf log;
	struct ap_split_cb cb = {log_rec, log_bad, &log, NULL};
	struct ap_split s;
	bool idle;

	ap_buf_init(&log, SIZE_MAX);
	ap_split_init(&s, 0, &cb);
	ap_split_feed(&s, text, strlen(text));
	idle = ap_split_idle(&s);
	ap_split_reset(&s);
	ap_buf_reset(&log);
	return idle;
}

static const char *const INPUTS[] = {
	"{\"a\":1}\n{\"b\":2}\n{\"c\":[1,2,{\"d\":\"x\\\"y\"}]}\n",
	"{\"a\":1}\ngarbage here\n{\"b\":2}\n  \n\n{\"c\":3}{\"d\":4}\n",
	"{\"a\":1}\n{\"b\": \"cut\n{\"c\":3}\n{\"d\":{\n}\n{\"e\":5}\n",
	"{\"a\":1}\n[\n {\"b\":2},\n {\"c\":3}\n]\n{\"d\":4}\n[{\"e\":5}]\n",
	"[{\"a\":1},\n{\"b\":\"x\ny\"},\n 7, \"s\", [1,\n2]\n]\n{\"c\":3}\n",
	"{\"a\":1}\n[\n{\"b\":2},\n{\"c\":3}\n",
	"{\"long\":\"0123456789012345678901234567890123456789\"}\n"
	"{\"a\":1}\n{\"long\":\"0123456789012345678901234567890123456789\n"
	"{\"b\":2}\n",
	"\x01\x02\n{\"a\":1}\n]\n,,\n{\"b\":2}\n{\"c\":3",
	"{\"a\":1}\n{\"b\":\"\\\\\"}\n{\"c\":\"\\\n\"}\n{\"d\":4}\n",
	"",
	"\n\n\n",
};

int main(void)
{
	int idle_cuts = 0, differ = 0;

	CHECK(idle_after(""));
	CHECK(idle_after("{\"a\":1}\n"));
	CHECK(idle_after("{\"a\":1}"));
	CHECK(idle_after("garbage\n"));
	CHECK(idle_after("{\"a\":\n"));
	CHECK(idle_after("[{\"a\":1}]\n"));
	CHECK(!idle_after("{\"a\":"));
	CHECK(!idle_after("{\"a\":\"x"));
	CHECK(!idle_after("garbage"));
	CHECK(!idle_after("["));
	CHECK(!idle_after("[{\"a\":1},\n"));
	CHECK(!idle_after("[1"));

	for (size_t i = 0; i < sizeof(INPUTS) / sizeof(INPUTS[0]); i++) {
		/* Default cap, a cap the long records exceed, and the
		 * too_large callback. */
		differ += cuts_differ(INPUTS[i], 0, false, &idle_cuts);
		differ += cuts_differ(INPUTS[i], 24, false, &idle_cuts);
		differ += cuts_differ(INPUTS[i], 24, true, &idle_cuts);
	}
	CHECK(differ == 0);
	CHECK(idle_cuts > 50);

	/* Random JSON-lines-ish text: every newline outside an array must
	 * be an idle cut that changes nothing. */
	srand(8);
	for (int round = 0; round < 300; round++) {
		static const char *const parts[] = {
			"{\"a\":1}", "{\"s\":\"x\\\"}\"}", "[", "]", "{",
			"}", "\"", "\\", ",", " ", "\n", "\n", "\n", "zz",
			"{\"l\":[1,{\"m\":2}]}", "\x7f",
		};
		char text[512];
		size_t n = 0;

		while (n < 400) {
			const char *p = parts[rand() % 16];
			size_t l = strlen(p);

			memcpy(text + n, p, l);
			n += l;
		}
		text[n] = '\0';
		differ += cuts_differ(text, 0, false, &idle_cuts);
		differ += cuts_differ(text, 16, false, &idle_cuts);
	}
	CHECK(differ == 0);
	TEST_DONE();
}

/* SPDX-License-Identifier: MIT */
/* Unit tests for ap_split: framing of arrays and JSON lines. */
#include "atlasperf/ap_split.h"
#include "test.h"

struct seen {
	char recs[16][128];
	uint64_t lines[16];
	int n;
	char bad[16][96];
	uint64_t bad_lines[16];
	int nbad;
};

static enum ap_status on_rec(const char *d, size_t len, uint64_t line,
			     void *u)
{
	struct seen *s = u;

	if (s->n < 16 && len < 128) {
		memcpy(s->recs[s->n], d, len);
		s->recs[s->n][len] = '\0';
		s->lines[s->n] = line;
	}
	s->n++;
	return AP_OK;
}

static enum ap_status on_bad(const char *why, uint64_t line, void *u)
{
	struct seen *s = u;

	if (s->nbad < 16) {
		snprintf(s->bad[s->nbad], sizeof(s->bad[0]), "%s", why);
		s->bad_lines[s->nbad] = line;
	}
	s->nbad++;
	return AP_OK;
}

/* Feeds text in chunks of step bytes (0 = all at once). */
static void run(struct seen *s, const char *text, size_t step, size_t cap)
{
	struct ap_split_cb cb = {on_rec, on_bad, s, NULL};
	struct ap_split sp;
	size_t len = strlen(text);

	memset(s, 0, sizeof(*s));
	ap_split_init(&sp, cap, &cb);
	if (step == 0)
		step = len ? len : 1;
	for (size_t i = 0; i < len; i += step)
		ap_split_feed(&sp, text + i, len - i < step ? len - i : step);
	ap_split_finish(&sp);
	ap_split_reset(&sp);
}

static int *large_count;

static enum ap_status count_large(size_t cap, uint64_t line, void *u)
{
	(void)u;
	(void)line;
	if (cap == 16)
		++*large_count;
	return AP_OK;
}

static enum ap_status stop_cb(const char *d, size_t len, uint64_t line,
			      void *u)
{
	(void)d;
	(void)len;
	(void)line;
	++*(int *)u;
	return AP_EIO;
}

/* Same records, problems and lines whichever way text was chunked. */
static bool same_framing(const struct seen *a, const struct seen *b)
{
	if (a->n != b->n || a->nbad != b->nbad)
		return false;
	for (int i = 0; i < a->n && i < 16; i++)
		if (strcmp(a->recs[i], b->recs[i]) != 0 ||
		    a->lines[i] != b->lines[i])
			return false;
	for (int i = 0; i < a->nbad && i < 16; i++)
		if (strcmp(a->bad[i], b->bad[i]) != 0 ||
		    a->bad_lines[i] != b->bad_lines[i])
			return false;
	return true;
}

/*
 * A record inside one fed chunk is framed in place, one cut by a chunk
 * boundary byte by byte: fed whole and one byte at a time, these inputs
 * (each aimed at a difference the two could have) must frame alike.
 */
static void check_in_place_matches_bytewise(void)
{
	static const struct {
		const char *text;
		size_t cap;
	} cases[] = {
		{"{\"a\":\"x\\\"}\"}\n{\"b\":1}\n", 0},   /* escaped quote */
		{"{\"a\":\"x\\\n\"}\n{\"b\":1}\n", 0},  /* escape, newline */
		{"{\"a\":\"x\\", 0},                   /* escape at the end */
		{"{\"a\":1 \\ }\n{\"b\":2}\n", 0},     /* backslash outside */
		{"[{\"a\":\"x\ny\"},\n{\"b\":[1,\n2]}]\n{\"c\":3}", 0},
		{"[[1,[2]],{\"a\":{}}]", 0},          /* nested elements */
		{"{\"a\":\"0123456789\"}\n{}\n", 18},  /* exactly the cap */
		{"{\"a\":\"0123456789\"}\n{}\n", 17},  /* one over the cap */
		{"{\"a\":1}{\"b\":2} {\"c\":3}\n", 0},   /* several on a line */
		{"{\"a\":[}\n{\"b\":1}\n", 0},          /* unbalanced */
		{"{\"a\":1}}\n{\"b\":1}\n", 0},         /* extra close */
		{"x{\"a\":1}\n{\"b\":1}\n", 0},         /* after stray byte */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct seen whole, bytes;

		run(&whole, cases[i].text, 0, cases[i].cap);
		run(&bytes, cases[i].text, 1, cases[i].cap);
		CHECK(same_framing(&whole, &bytes));
	}
	/* The cap is inclusive: an 18-byte record fits a cap of 18. */
	{
		struct seen s;

		run(&s, cases[6].text, 0, 18);
		CHECK(s.n == 2 && s.nbad == 0);
		run(&s, cases[7].text, 0, 17);
		CHECK(s.n == 1 && s.nbad == 1);
	}
}

int main(void)
{
	struct seen s;

	/* JSON lines, with every chunking. */
	for (size_t step = 0; step < 8; step++) {
		run(&s, "{\"a\":1}\n{\"b\":\"}{\"}\n\n{\"c\":[1,{}]}\n", step,
		    0);
		CHECK(s.n == 3 && s.nbad == 0);
		CHECK_STR(s.recs[1], "{\"b\":\"}{\"}");
		CHECK_STR(s.recs[2], "{\"c\":[1,{}]}");
		CHECK(s.lines[2] == 4);
	}

	/* A pretty-printed array, as the results API may send it. */
	run(&s, "[\n  {\"a\": 1},\n  {\"b\": \"x\\\"]\"}\n]\n", 0, 0);
	CHECK(s.n == 2 && s.nbad == 0);
	CHECK_STR(s.recs[1], "{\"b\": \"x\\\"]\"}");
	CHECK(s.lines[1] == 3);

	/* Non-object elements are framed for the parser to reject. */
	run(&s, "[1, \"x,y\", {\"ok\":true}, [2]]", 0, 0);
	CHECK(s.n == 4);
	CHECK_STR(s.recs[0], "1");
	CHECK_STR(s.recs[1], "\"x,y\"");
	CHECK_STR(s.recs[3], "[2]");

	/* A truncated line is reported, and the next line still frames. */
	run(&s, "{\"a\":1,\"b\":\n{\"c\":2}\n{\"s\":\"cut\n{\"d\":3}\n", 3, 0);
	CHECK(s.n == 2 && s.nbad == 2);
	CHECK_STR(s.recs[0], "{\"c\":2}");
	CHECK_STR(s.recs[1], "{\"d\":3}");
	CHECK(s.bad_lines[0] == 1 && s.bad_lines[1] == 3);
	CHECK(strstr(s.bad[0], "truncated") != NULL);

	/* Input that ends inside a result. */
	run(&s, "[{\"a\":1},{\"b\":", 0, 0);
	CHECK(s.n == 1 && s.nbad == 1);
	CHECK(strstr(s.bad[0], "ends inside") != NULL);

	/* Stray bytes skip to the end of their line only. */
	run(&s, "garbage here\n{\"a\":1}\n\x01\x02\n{\"b\":2}", 0, 0);
	CHECK(s.n == 2 && s.nbad == 2);
	CHECK(strstr(s.bad[0], "unexpected 'g'") != NULL);
	CHECK(strstr(s.bad[1], "0x01") != NULL);

	/* Over the cap: reported with the size, memory stays bounded, and
	 * the following record is intact. */
	{
		char big[400];

		memset(big, 0, sizeof(big));
		strcpy(big, "{\"s\":\"");
		memset(big + 6, 'x', 300);
		strcat(big, "\"}\n{\"ok\":1}\n");
		run(&s, big, 7, 64);
		CHECK(s.n == 1 && s.nbad == 1);
		CHECK(strstr(s.bad[0], "larger than 64 bytes") != NULL);
		CHECK_STR(s.recs[0], "{\"ok\":1}");
	}

	/* With a too_large callback, an oversized record goes there (the
	 * response is intact: one bad result, not a broken stream). */
	{
		int big = 0;
		struct ap_split_cb cb = {on_rec, on_bad, &s, count_large};
		struct ap_split sp;
		static const char in[] = "[{\"s\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxx\"},"
					 "{\"ok\":1}]";

		memset(&s, 0, sizeof(s));
		large_count = &big;
		ap_split_init(&sp, 16, &cb);
		ap_split_feed(&sp, in, strlen(in));
		ap_split_finish(&sp);
		ap_split_reset(&sp);
		CHECK(big == 1 && s.n == 1 && s.nbad == 0);
		CHECK_STR(s.recs[0], "{\"ok\":1}");
	}

	/* Empty and whitespace-only input give nothing. */
	run(&s, "", 0, 0);
	CHECK(s.n == 0 && s.nbad == 0);
	run(&s, " \n\t\r\n", 0, 0);
	CHECK(s.n == 0 && s.nbad == 0);

	/* Two concatenated arrays. */
	run(&s, "[{\"a\":1}][{\"b\":2}]", 0, 0);
	CHECK(s.n == 2 && s.nbad == 0);

	/* A callback's error stops the scan and is returned. */
	{
		int calls = 0;
		struct ap_split_cb cb = {stop_cb, NULL, &calls, NULL};
		struct ap_split sp;

		ap_split_init(&sp, 0, &cb);
		CHECK(ap_split_feed(&sp, "{}\n{}\n{}\n", 9) == AP_EIO);
		CHECK(calls == 1);
		ap_split_reset(&sp);
	}
	check_in_place_matches_bytewise();
	TEST_DONE();
}

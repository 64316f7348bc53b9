/* SPDX-License-Identifier: MIT */
/* ap_split: bounded-memory framing of JSON arrays and JSON lines. */
#include "atlasperf/ap_split.h"

#include <stdio.h>
#include <string.h>

void ap_split_init(struct ap_split *s, size_t max_record,
		   const struct ap_split_cb *cb)
{
	memset(s, 0, sizeof(*s));
	s->cb = *cb;
	ap_buf_init(&s->rec, max_record ? max_record
					: AP_SPLIT_DEFAULT_MAX_RECORD);
	s->line = 1;
}

void ap_split_reset(struct ap_split *s)
{
	struct ap_split_cb cb = s->cb;
	size_t cap = s->rec.cap;

	ap_buf_reset(&s->rec);
	ap_split_init(s, cap, &cb);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void end_record(struct ap_split *s)
{
	s->in_record = false;
	s->scalar = false;
	s->in_string = false;
	s->escape = false;
	s->oversize = false;
	s->depth = 0;
	ap_buf_clear(&s->rec);
}

static enum ap_status report(struct ap_split *s, const char *why)
{
	if (s->cb.bad == NULL)
		return AP_OK;
	return s->cb.bad(why, s->rec_line, s->cb.user);
}

/* Hands a finished record out, or reports it as oversized. */
static enum ap_status deliver(struct ap_split *s)
{
	enum ap_status st;
	char why[96];

	if (s->oversize && s->cb.too_large != NULL) {
		st = s->cb.too_large(s->rec.cap, s->rec_line, s->cb.user);
	} else if (s->oversize) {
		snprintf(why, sizeof(why), "result larger than %zu bytes",
			 s->rec.cap);
		st = report(s, why);
	} else {
		st = s->cb.record(s->rec.data, s->rec.len, s->rec_line,
				  s->cb.user);
	}
	end_record(s);
	return st;
}

static enum ap_status store(struct ap_split *s, char c)
{
	enum ap_status st;

	if (s->oversize)
		return AP_OK;
	st = ap_buf_addc(&s->rec, c);
	if (st == AP_ERANGE) {
		/* Keep scanning to find the record's end, but stop storing:
		 * memory stays at the cap whatever the input. */
		s->oversize = true;
		ap_buf_reset(&s->rec);
		return AP_OK;
	}
	return st;
}

static void start_record(struct ap_split *s, bool scalar)
{
	s->in_record = true;
	s->scalar = scalar;
	s->depth = scalar ? 0 : 1;
	s->rec_line = s->line;
}

/* A byte between records. */
static enum ap_status between(struct ap_split *s, char c)
{
	char why[64];

	if (s->skip_line) {
		if (c == '\n')
			s->skip_line = false;
		return AP_OK;
	}
	if (is_space(c) || c == ',')
		return AP_OK;
	if (c == '{' || (s->in_array && c == '[')) {
		start_record(s, false);
		return store(s, c);
	}
	if (!s->in_array && c == '[') {
		s->in_array = true;
		return AP_OK;
	}
	if (s->in_array && c == ']') {
		s->in_array = false;
		return AP_OK;
	}
	if (s->in_array) {
		start_record(s, true);
		if (c == '"')
			s->in_string = true;
		return store(s, c);
	}
	s->rec_line = s->line;
	if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
		snprintf(why, sizeof(why),
			 "unexpected '%c' where a result should start", c);
	else
		snprintf(why, sizeof(why),
			 "unexpected byte 0x%02x where a result should start",
			 (unsigned char)c);
	s->skip_line = true;
	return report(s, why);
}

/* A byte inside a record. */
static enum ap_status inside(struct ap_split *s, char c)
{
	enum ap_status st;

	if (s->in_string) {
		if (c == '\n' && !s->in_array) {
			end_record(s);
			return report(s, "line ends inside a string "
					 "(truncated result)");
		}
		st = store(s, c);
		if (s->escape)
			s->escape = false;
		else if (c == '\\')
			s->escape = true;
		else if (c == '"')
			s->in_string = false;
		return st;
	}
	if (s->scalar) {
		if (is_space(c) || c == ',' || c == ']') {
			st = deliver(s);
			if (c == ']')
				s->in_array = false;
			return st;
		}
		return store(s, c);
	}
	if (c == '\n' && !s->in_array) {
		end_record(s);
		return report(s, "line ends inside a result (truncated "
				 "result)");
	}
	st = store(s, c);
	if (st != AP_OK)
		return st;
	switch (c) {
	case '"':
		s->in_string = true;
		break;
	case '{':
	case '[':
		s->depth++;
		break;
	case '}':
	case ']':
		if (--s->depth == 0)
			return deliver(s);
		break;
	default:
		break;
	}
	return AP_OK;
}

/* Bytes that need the state machine inside a record: everything else is
 * copied in bulk. */
static bool plain_in_string(char c)
{
	return c != '"' && c != '\\' && c != '\n';
}

static bool plain_in_object(char c)
{
	return c != '"' && c != '{' && c != '}' && c != '[' && c != ']' &&
	       c != '\n';
}

/*
 * Length of the run of plain bytes at data[0..len) in the current state,
 * which can be stored without looking at them one by one. Escapes and
 * bare scalars go through the byte-wise path.
 */
static size_t plain_run(const struct ap_split *s, const char *data,
			size_t len)
{
	size_t n = 0;

	if (!s->in_record || s->scalar || s->escape || s->skip_line)
		return 0;
	if (s->in_string)
		while (n < len && plain_in_string(data[n]))
			n++;
	else
		while (n < len && plain_in_object(data[n]))
			n++;
	return n;
}

/*
 * The in-place scan looks at 16 bytes at a time and only at the bytes
 * that matter for framing: quotes, backslashes, brackets, newlines. A
 * record of ping results has one of those every few bytes, so a bit mask
 * per block, walked bit by bit, beats a test per byte. SSE2 is part of
 * x86-64; elsewhere (or with AP_SPLIT_NO_SIMD, which the unit tests use to
 * cover it) a table does the same per byte.
 */
#define SCAN_BLOCK 16

#if defined(__SSE2__) && !defined(AP_SPLIT_NO_SIMD)
#include <emmintrin.h>

/* Bit k set when p[k] (k < n <= SCAN_BLOCK) is a framing byte. */
static inline unsigned special_mask(const char *p, size_t n)
{
	__m128i x, m;

	if (n == SCAN_BLOCK) {
		x = _mm_loadu_si128((const __m128i *)(const void *)p);
	} else {
		/* The last bytes of a chunk: never read past them. NUL is
		 * not a framing byte, so the padding is never reported. */
		char tmp[SCAN_BLOCK] = {0};

		memcpy(tmp, p, n);
		x = _mm_loadu_si128((const __m128i *)(const void *)tmp);
	}
	m = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
			 _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('\n')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('{')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('}')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('[')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8(']')));
	return (unsigned)_mm_movemask_epi8(m);
}
#else
static const unsigned char SCAN_SPECIAL[256] = {
	['"'] = 1, ['\\'] = 1, ['{'] = 1, ['}'] = 1,
	['['] = 1, [']'] = 1, ['\n'] = 1,
};

static inline unsigned special_mask(const char *p, size_t n)
{
	unsigned m = 0;

	for (size_t k = 0; k < n; k++)
		if (SCAN_SPECIAL[(unsigned char)p[k]])
			m |= 1u << k;
	return m;
}
#endif

/* Index of the lowest set bit of a non-zero mask. */
static inline unsigned lowest_bit(unsigned m)
{
	return (unsigned)__builtin_ctz(m);
}

/*
 * The common case without the byte-wise state machine: data[0] opens a
 * record ('{', or '[' inside an array) and the whole record lies inside
 * data. Returns its length and its newline count in *newlines, or 0 when
 * the record does not end inside data, or has anything the byte-wise path
 * reports (a newline in a JSON-lines record, more bytes than the cap):
 * the caller then runs that path from the same byte, so what is reported
 * never depends on which of the two framed it.
 */
static size_t scan_whole(const struct ap_split *s, const char *data,
			 size_t len, uint64_t *newlines)
{
	size_t i = 1, limit = len;
	size_t escaped = 0; /* the byte after a backslash in a string (0:
			       none; data[0] is never one) */
	uint64_t nl = 0;
	int depth = 1;
	bool in_string = false;

	/* A record longer than the cap is the byte-wise path's to report. */
	if (limit > s->rec.cap)
		limit = s->rec.cap;
	for (; i < limit; i += SCAN_BLOCK) {
		size_t n = limit - i < SCAN_BLOCK ? limit - i : SCAN_BLOCK;
		unsigned mask = special_mask(data + i, n);

		while (mask != 0) {
			size_t at = i + lowest_bit(mask);
			char c = data[at];

			mask &= mask - 1;
			if (c == '\n') {
				/* inside a string or not, escaped or not */
				if (!s->in_array)
					return 0;
				nl++;
				continue;
			}
			if (at == escaped)
				continue;
			if (in_string) {
				if (c == '"')
					in_string = false;
				else if (c == '\\')
					escaped = at + 1;
				continue;
			}
			switch (c) {
			case '"':
				in_string = true;
				break;
			case '{':
			case '[':
				depth++;
				break;
			case '}':
			case ']':
				if (--depth == 0) {
					*newlines = nl;
					return at + 1;
				}
				break;
			default: /* a backslash outside a string: the
				    parser's to reject */
				break;
			}
		}
	}
	return 0;
}

enum ap_status ap_split_feed(struct ap_split *s, const char *data,
			     size_t len)
{
	enum ap_status st = AP_OK;
	size_t i = 0;

	while (i < len && st == AP_OK) {
		size_t run;
		char c = data[i];

		if (!s->in_record && !s->skip_line &&
		    (c == '{' || (c == '[' && s->in_array))) {
			uint64_t nl = 0;
			size_t n = scan_whole(s, data + i, len - i, &nl);

			if (n > 0) {
				/* Handed out in place: no copy. */
				st = s->cb.record(data + i, n, s->line,
						  s->cb.user);
				s->line += nl;
				i += n;
				continue;
			}
		}
		run = plain_run(s, data + i, len - i);
		if (run > 0) {
			if (!s->oversize) {
				st = ap_buf_add(&s->rec, data + i, run);
				if (st == AP_ERANGE) {
					/* as store(): keep scanning, stop
					 * storing */
					s->oversize = true;
					ap_buf_reset(&s->rec);
					st = AP_OK;
				}
			}
			i += run;
			continue;
		}
		c = data[i++];
		st = s->in_record ? inside(s, c) : between(s, c);
		if (c == '\n')
			s->line++;
	}
	s->bytes += len;
	return st;
}

enum ap_status ap_split_finish(struct ap_split *s)
{
	if (!s->in_record && s->in_array) {
		/* Cut after a complete element: what followed is lost. */
		s->in_array = false;
		s->rec_line = s->line;
		return report(s, "input ends inside a JSON array (missing "
				 "']': truncated)");
	}
	if (!s->in_record)
		return AP_OK;
	if (s->scalar && !s->in_string)
		return deliver(s);
	end_record(s);
	return report(s, "input ends inside a result (truncated result)");
}

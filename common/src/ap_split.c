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
 * The in-place scan classifies 64 bytes at a time into bit masks: quotes,
 * backslashes, opening and closing brackets, newlines. Strings are then
 * resolved with bit arithmetic (a prefix XOR over the quote mask), so only
 * brackets outside strings are visited one by one: a ping result has about
 * seventy quotes and a dozen brackets. A block with a backslash (rare in
 * Atlas results) is walked byte by byte instead. SSE2 is part of x86-64;
 * elsewhere (or with AP_SPLIT_NO_SIMD, which the unit tests use to cover
 * it) a table classifies per byte, with the same result.
 */
#define SCAN_BLOCK 64

struct block {
	uint64_t quote, backslash, open, close, newline;
};

#if defined(__SSE2__) && !defined(AP_SPLIT_NO_SIMD)
#include <emmintrin.h>

static inline uint64_t eq_mask(__m128i x, char c, int shift)
{
	return (uint64_t)(unsigned)_mm_movemask_epi8(
		       _mm_cmpeq_epi8(x, _mm_set1_epi8(c)))
	       << shift;
}

/* Sixteen bytes into the masks, at bit `shift`. */
static inline void classify16(const char *p, int shift, struct block *b)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);

	b->quote |= eq_mask(x, '"', shift);
	b->backslash |= eq_mask(x, '\\', shift);
	b->open |= eq_mask(x, '{', shift) | eq_mask(x, '[', shift);
	b->close |= eq_mask(x, '}', shift) | eq_mask(x, ']', shift);
	b->newline |= eq_mask(x, '\n', shift);
}

/* The masks of p[0..n), n <= SCAN_BLOCK; bits from n on are clear. */
static inline void classify(const char *p, size_t n, struct block *b)
{
	char tmp[SCAN_BLOCK];

	if (n < SCAN_BLOCK) {
		/* The last bytes of a chunk: never read past them. NUL is
		 * in no mask, so the padding never shows. */
		memset(tmp, 0, sizeof(tmp));
		memcpy(tmp, p, n);
		p = tmp;
	}
	memset(b, 0, sizeof(*b));
	for (int k = 0; k < SCAN_BLOCK; k += 16)
		classify16(p + k, k, b);
}
#else
enum { C_QUOTE = 1, C_BACKSLASH, C_OPEN, C_CLOSE, C_NEWLINE };
static const unsigned char SCAN_CLASS[256] = {
	['"'] = C_QUOTE, ['\\'] = C_BACKSLASH, ['{'] = C_OPEN, ['['] = C_OPEN,
	['}'] = C_CLOSE, [']'] = C_CLOSE, ['\n'] = C_NEWLINE,
};

static inline void classify(const char *p, size_t n, struct block *b)
{
	memset(b, 0, sizeof(*b));
	for (size_t k = 0; k < n; k++) {
		uint64_t bit = UINT64_C(1) << k;

		switch (SCAN_CLASS[(unsigned char)p[k]]) {
		case C_QUOTE:
			b->quote |= bit;
			break;
		case C_BACKSLASH:
			b->backslash |= bit;
			break;
		case C_OPEN:
			b->open |= bit;
			break;
		case C_CLOSE:
			b->close |= bit;
			break;
		case C_NEWLINE:
			b->newline |= bit;
			break;
		default:
			break;
		}
	}
}
#endif

/* Index of the lowest set bit of a non-zero mask. */
static inline unsigned lowest_bit(uint64_t m)
{
	return (unsigned)__builtin_ctzll(m);
}

/* Bit k = parity of the bits 0..k of m: with m the quotes of a block, the
 * bytes from an opening quote up to (not including) its closing one. */
static inline uint64_t prefix_xor(uint64_t m)
{
	m ^= m << 1;
	m ^= m << 2;
	m ^= m << 4;
	m ^= m << 8;
	m ^= m << 16;
	m ^= m << 32;
	return m;
}

static unsigned count_bits(uint64_t m)
{
	unsigned n = 0;

	for (; m != 0; m &= m - 1)
		n++;
	return n;
}

/* State of the in-place scan of one record. */
struct scan {
	size_t escaped;  /* the byte after a backslash in a string (0: none;
			    data[0] is never one) */
	uint64_t nl;     /* newlines so far */
	int depth;
	bool in_string;
	bool in_array;   /* the splitter's: newlines are allowed */
};

/*
 * Walks one block's framing bytes in order, for blocks with a backslash
 * or an escaped first byte. Returns the record's end (one past its last
 * byte), or 0 when it goes on; sets *bail for a newline in a JSON-lines
 * record.
 */
static size_t walk_block(struct scan *sc, const char *data, size_t i,
			 const struct block *b, bool *bail)
{
	uint64_t mask = b->quote | b->backslash | b->open | b->close |
			b->newline;

	while (mask != 0) {
		size_t at = i + lowest_bit(mask);
		char c = data[at];

		mask &= mask - 1;
		if (c == '\n') {
			/* inside a string or not, escaped or not */
			if (!sc->in_array) {
				*bail = true;
				return 0;
			}
			sc->nl++;
			continue;
		}
		if (at == sc->escaped)
			continue;
		if (sc->in_string) {
			if (c == '"')
				sc->in_string = false;
			else if (c == '\\')
				sc->escaped = at + 1;
			continue;
		}
		switch (c) {
		case '"':
			sc->in_string = true;
			break;
		case '{':
		case '[':
			sc->depth++;
			break;
		case '}':
		case ']':
			if (--sc->depth == 0)
				return at + 1;
			break;
		default: /* a backslash outside a string: the parser's */
			break;
		}
	}
	return 0;
}

/*
 * The same for a block without backslashes, by masks: quotes only toggle
 * the string state, so the brackets outside strings are known at once and
 * visited in order.
 */
static size_t mask_block(struct scan *sc, size_t i, const struct block *b,
			 bool *bail)
{
	uint64_t in_str = prefix_xor(b->quote);
	uint64_t brackets;

	if (sc->in_string)
		in_str = ~in_str;
	brackets = (b->open | b->close) & ~in_str;
	while (brackets != 0) {
		unsigned k = lowest_bit(brackets);
		uint64_t bit = UINT64_C(1) << k;

		brackets &= brackets - 1;
		if (b->open & bit) {
			sc->depth++;
		} else if (--sc->depth == 0) {
			uint64_t before = b->newline & (bit - 1);

			if (before != 0 && !sc->in_array) {
				*bail = true;
				return 0;
			}
			sc->nl += count_bits(before);
			return i + k + 1;
		}
	}
	if (b->newline != 0) {
		if (!sc->in_array) {
			*bail = true;
			return 0;
		}
		sc->nl += count_bits(b->newline);
	}
	/* the top bit of the prefix XOR: inside a string after the block
	 * (bits past a short block's end repeat the last one) */
	sc->in_string = (in_str >> 63) & 1u;
	return 0;
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
	struct scan sc = {0, 0, 1, false, s->in_array};
	size_t i, limit = len;

	/* A record longer than the cap is the byte-wise path's to report. */
	if (limit > s->rec.cap)
		limit = s->rec.cap;
	for (i = 1; i < limit; i += SCAN_BLOCK) {
		size_t n = limit - i < SCAN_BLOCK ? limit - i : SCAN_BLOCK;
		size_t end;
		bool bail = false;
		struct block b;

		classify(data + i, n, &b);
		if (b.backslash != 0 || sc.escaped == i)
			end = walk_block(&sc, data, i, &b, &bail);
		else
			end = mask_block(&sc, i, &b, &bail);
		if (bail)
			return 0;
		if (end > 0) {
			*newlines = sc.nl;
			return end;
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

bool ap_split_idle(const struct ap_split *s)
{
	/* Every field a record or a bad line sets, so that any state left
	 * behind counts as busy: a false "busy" only costs speed. */
	return !s->in_record && !s->in_array && !s->skip_line &&
	       !s->in_string && !s->escape && !s->scalar && !s->oversize &&
	       s->depth == 0 && s->rec.len == 0;
}

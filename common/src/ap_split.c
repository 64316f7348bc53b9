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
 * Bytes the in-place scan has to look at: quotes, backslashes, brackets,
 * newlines. Everything else inside a record is skipped by one table load.
 */
static const unsigned char SCAN_SPECIAL[256] = {
	['"'] = 1, ['\\'] = 1, ['{'] = 1, ['}'] = 1,
	['['] = 1, [']'] = 1, ['\n'] = 1,
};

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
	uint64_t nl = 0;
	int depth = 1;

	/* A record longer than the cap is the byte-wise path's to report. */
	if (limit > s->rec.cap)
		limit = s->rec.cap;
	while (i < limit) {
		unsigned char c = (unsigned char)data[i];

		if (!SCAN_SPECIAL[c]) {
			i++;
			continue;
		}
		switch (c) {
		case '"':
			for (i++;; i++) {
				if (i >= limit)
					return 0;
				c = (unsigned char)data[i];
				if (c == '"')
					break;
				if (c == '\\' && ++i >= limit)
					return 0;
				if (data[i] == '\n') {
					if (!s->in_array)
						return 0;
					nl++;
				}
			}
			break;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth == 0) {
				*newlines = nl;
				return i + 1;
			}
			break;
		case '\n':
			if (!s->in_array)
				return 0;
			nl++;
			break;
		default: /* a backslash outside a string: the parser's */
			break;
		}
		i++;
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

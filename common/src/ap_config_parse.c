/* SPDX-License-Identifier: MIT */
/*
 * ap_config_parse: text -> value for the configuration's scalar types
 * (durations, sizes, prefixes, shard, YAML numbers and booleans) and back.
 * Pure functions: no I/O, no allocation beyond the C locale object.
 */
#include "ap_config_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define QUOTE_MAX 40

void ap_config_quote(const char *text, char *buf, size_t size)
{
	size_t i, n = 0, len = strlen(text);
	bool cut = len > QUOTE_MAX;

	if (size == 0)
		return;
	if (cut) {
		len = QUOTE_MAX;
		/* Do not split a UTF-8 sequence. */
		while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
			len--;
	}
	for (i = 0; i < len && n + 1 < size; i++) {
		unsigned char c = (unsigned char)text[i];

		buf[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	for (i = 0; cut && i < 3 && n + 1 < size; i++)
		buf[n++] = '.';
	buf[n] = '\0';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads a run of decimal digits into *out (<= max); returns chars read. */
static size_t read_uint(const char *s, uint64_t max, uint64_t *out,
			bool *overflow)
{
	size_t i = 0;
	uint64_t v = 0;

	*overflow = false;
	while (is_digit(s[i])) {
		uint64_t d = (uint64_t)(s[i] - '0');

		if (v > (max - d) / 10)
			*overflow = true;
		else
			v = v * 10 + d;
		i++;
	}
	*out = v;
	return i;
}

enum ap_status ap_config_text_int64(const char *text, int64_t *out,
				    struct ap_err *err)
{
	const char *s = text;
	bool neg = false, overflow;
	uint64_t v;
	size_t n;
	char q[64];

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	n = read_uint(s, (uint64_t)INT64_MAX, &v, &overflow);
	if (n == 0 || s[n] != '\0') {
		ap_config_quote(text, q, sizeof(q));
		return ap_err_set(err, AP_EPARSE,
				  "expected an integer, got '%s'", q);
	}
	if (overflow)
		return ap_err_set(err, AP_EPARSE, "integer out of range");
	*out = neg ? -(int64_t)v : (int64_t)v;
	return AP_OK;
}

/* YAML 1.2 core float syntax, decimal only: [-+]?(.D+|D+(.D*)?)([eE][-+]?D+)?
 */
static bool float_syntax(const char *s)
{
	size_t int_digits = 0, frac_digits = 0;

	if (*s == '+' || *s == '-')
		s++;
	while (is_digit(*s)) {
		s++;
		int_digits++;
	}
	if (*s == '.') {
		s++;
		while (is_digit(*s)) {
			s++;
			frac_digits++;
		}
	}
	if (int_digits + frac_digits == 0)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!is_digit(*s))
			return false;
		while (is_digit(*s))
			s++;
	}
	return *s == '\0';
}

static bool is_inf_or_nan(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	return strcmp(s, ".inf") == 0 || strcmp(s, ".Inf") == 0 ||
	       strcmp(s, ".INF") == 0 || strcmp(s, ".nan") == 0 ||
	       strcmp(s, ".NaN") == 0 || strcmp(s, ".NAN") == 0;
}

enum ap_status ap_config_text_double(const char *text, double *out,
				     struct ap_err *err)
{
	locale_t c_locale, old;
	double v;
	char q[64];

	if (is_inf_or_nan(text))
		return ap_err_set(err, AP_EPARSE,
				  "expected a finite number, got '%s'", text);
	if (!float_syntax(text)) {
		ap_config_quote(text, q, sizeof(q));
		return ap_err_set(err, AP_EPARSE, "expected a number, got '%s'",
				  q);
	}
	/* strtod obeys LC_NUMERIC; a front-end may have set a locale with
	 * a decimal comma, so parse under "C" for this thread only. */
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (c_locale == (locale_t)0)
		return ap_err_set(err, AP_ENOMEM, "%s", ap_strerror(AP_ENOMEM));
	old = uselocale(c_locale);
	v = strtod(text, NULL);
	uselocale(old);
	freelocale(c_locale);
	if (!isfinite(v))
		return ap_err_set(err, AP_EPARSE, "number out of range");
	*out = v;
	return AP_OK;
}

enum ap_status ap_config_text_bool(const char *text, bool *out,
				   struct ap_err *err)
{
	static const char *const yes[] = {"true", "True", "TRUE",
					  "yes",  "Yes",  "YES"};
	static const char *const no[] = {"false", "False", "FALSE",
					 "no",    "No",    "NO"};
	size_t i;
	char q[64];

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(text, yes[i]) == 0) {
			*out = true;
			return AP_OK;
		}
		if (strcmp(text, no[i]) == 0) {
			*out = false;
			return AP_OK;
		}
	}
	ap_config_quote(text, q, sizeof(q));
	return ap_err_set(err, AP_EPARSE,
			  "expected true, false, yes or no, got '%s'", q);
}

static enum ap_status bad_duration(const char *text, struct ap_err *err)
{
	char q[64];

	ap_config_quote(text, q, sizeof(q));
	return ap_err_set(err, AP_EPARSE,
			  "expected a duration such as 90s, 15m, 2h, 1d or "
			  "1h30m, got '%s'",
			  q);
}

static enum ap_status long_duration(struct ap_err *err)
{
	return ap_err_set(err, AP_EPARSE,
			  "duration longer than %" PRId32 " seconds",
			  (int32_t)INT32_MAX);
}

enum ap_status ap_config_parse_duration(const char *text, int64_t *out_s,
					struct ap_err *err)
{
	static const char units[] = "dhms";
	static const uint64_t unit_s[] = {86400, 3600, 60, 1};
	const char *s = text, *u;
	uint64_t total = 0, v;
	size_t n, next_unit = 0;
	bool overflow;
	char q[64];

	n = read_uint(s, (uint64_t)INT32_MAX, &v, &overflow);
	if (n > 0 && s[n] == '\0') {
		if (overflow)
			return long_duration(err);
		*out_s = (int64_t)v;
		return AP_OK;
	}
	/* Groups of <digits><unit>, units in "dhms" order, each once. */
	while (n > 0 && s[n] != '\0') {
		u = strchr(units + next_unit, s[n]);
		if (u == NULL) {
			if (strchr(units, s[n]) == NULL)
				return bad_duration(text, err);
			ap_config_quote(text, q, sizeof(q));
			return ap_err_set(err, AP_EPARSE,
					  "bad duration '%s': units go d, h, "
					  "m, s, each once",
					  q);
		}
		next_unit = (size_t)(u - units);
		if (overflow || v > (uint64_t)INT32_MAX / unit_s[next_unit])
			return long_duration(err);
		total += v * unit_s[next_unit];
		if (total > (uint64_t)INT32_MAX)
			return long_duration(err);
		next_unit++;
		s += n + 1;
		if (*s == '\0') {
			*out_s = (int64_t)total;
			return AP_OK;
		}
		n = read_uint(s, (uint64_t)INT32_MAX, &v, &overflow);
	}
	return bad_duration(text, err);
}

enum ap_status ap_config_parse_size(const char *text, uint64_t *out_bytes,
				    struct ap_err *err)
{
	static const struct {
		const char *name;
		uint64_t mult;
	} units[] = {
		{"", 1},
		{"b", 1},
		{"kb", 1000ull},
		{"mb", 1000ull * 1000},
		{"gb", 1000ull * 1000 * 1000},
		{"tb", 1000ull * 1000 * 1000 * 1000},
		{"kib", 1ull << 10},
		{"mib", 1ull << 20},
		{"gib", 1ull << 30},
		{"tib", 1ull << 40},
	};
	const char *unit;
	uint64_t v;
	size_t n, i;
	bool overflow;
	char q[64];

	n = read_uint(text, UINT64_MAX, &v, &overflow);
	unit = text + n;
	/* One optional space, but only before a unit. */
	if (*unit == ' ' && unit[1] != '\0')
		unit++;
	for (i = 0; n > 0 && i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(unit, units[i].name) != 0)
			continue;
		if (overflow || v > UINT64_MAX / units[i].mult)
			return ap_err_set(err, AP_EPARSE,
					  "size does not fit in 64 bits");
		*out_bytes = v * units[i].mult;
		return AP_OK;
	}
	ap_config_quote(text, q, sizeof(q));
	return ap_err_set(err, AP_EPARSE,
			  "expected a size such as 1048576, 64MB or 256MiB, "
			  "got '%s'",
			  q);
}

enum ap_status ap_config_parse_prefix(const char *text,
				      struct ap_config_prefix *out,
				      struct ap_err *err)
{
	char addr[INET6_ADDRSTRLEN + 1];
	char q[64], net[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	struct ap_config_prefix p;
	size_t alen, i;
	uint64_t bits = 0;
	bool overflow;
	unsigned int max;

	memset(&p, 0, sizeof(p));
	ap_config_quote(text, q, sizeof(q));
	if (slash == NULL)
		return ap_err_set(err, AP_EPARSE,
				  "prefix '%s' lacks a '/length'", q);
	alen = (size_t)(slash - text);
	if (alen == 0 || alen >= sizeof(addr))
		return ap_err_set(err, AP_EPARSE,
				  "'%s' is not an IPv4 or IPv6 prefix", q);
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (memchr(addr, ':', alen) != NULL) {
		p.af = 6;
		max = 128;
		if (inet_pton(AF_INET6, addr, p.addr) != 1)
			return ap_err_set(err, AP_EPARSE,
					  "'%s' is not an IPv6 prefix", q);
	} else {
		p.af = 4;
		max = 32;
		if (inet_pton(AF_INET, addr, p.addr) != 1)
			return ap_err_set(err, AP_EPARSE,
					  "'%s' is not an IPv4 prefix", q);
	}
	i = read_uint(slash + 1, 1000, &bits, &overflow);
	if (i == 0 || i > 3 || slash[1 + i] != '\0' || overflow ||
	    (slash[1] == '0' && i > 1) || bits > max)
		return ap_err_set(err, AP_EPARSE,
				  "prefix '%s': length must be 0..%u", q, max);
	p.bits = (unsigned int)bits;
	for (i = 0; i < 16; i++) {
		unsigned int keep;

		if (8 * i >= p.bits)
			keep = 0;
		else if (8 * i + 8 <= p.bits)
			keep = 8;
		else
			keep = p.bits - 8 * (unsigned int)i;
		if ((p.addr[i] & (unsigned char)(0xFFu >> keep)) != 0) {
			unsigned char masked[16];
			size_t j;

			for (j = 0; j < 16; j++)
				masked[j] = p.addr[j];
			masked[i] &= (unsigned char)(0xFF00u >> keep);
			for (j = i + 1; j < 16; j++)
				masked[j] = 0;
			if (inet_ntop(p.af == 4 ? AF_INET : AF_INET6, masked,
				      net, sizeof(net)) == NULL)
				net[0] = '\0';
			return ap_err_set(err, AP_EPARSE,
					  "prefix '%s' has host bits set "
					  "(network is %s/%u)",
					  q, net, p.bits);
		}
	}
	*out = p;
	return AP_OK;
}

enum ap_status ap_config_parse_shard(const char *text, int *index, int *count,
				     struct ap_err *err)
{
	uint64_t i = 0, n = 0;
	size_t a, b = 0;
	bool o1, o2 = false;
	char q[64];

	a = read_uint(text, (uint64_t)INT32_MAX, &i, &o1);
	if (a > 0 && text[a] == '/')
		b = read_uint(text + a + 1, (uint64_t)INT32_MAX, &n, &o2);
	if (a == 0 || b == 0 || text[a + 1 + b] != '\0' || o1 || o2) {
		ap_config_quote(text, q, sizeof(q));
		return ap_err_set(err, AP_EPARSE,
				  "expected 'i/n' such as '1/1' or '2/4', "
				  "got '%s'",
				  q);
	}
	*index = (int)i;
	*count = (int)n;
	return AP_OK;
}

int ap_config_format_duration(int64_t seconds, char *buf, size_t size)
{
	static const char units[] = "dhms";
	static const int64_t unit_s[] = {86400, 3600, 60, 1};
	char tmp[64];
	size_t n = 0, i;

	if (seconds <= 0)
		return snprintf(buf, size, "%" PRId64 "s", seconds);
	for (i = 0; i < 4; i++) {
		int64_t v = seconds / unit_s[i];
		int w;

		if (v == 0)
			continue;
		seconds -= v * unit_s[i];
		w = snprintf(tmp + n, sizeof(tmp) - n, "%" PRId64 "%c", v,
			     units[i]);
		if (w < 0 || (size_t)w >= sizeof(tmp) - n)
			return -1;
		n += (size_t)w;
	}
	return snprintf(buf, size, "%s", tmp);
}

int ap_config_format_prefix(const struct ap_config_prefix *prefix, char *buf,
			    size_t size)
{
	char addr[INET6_ADDRSTRLEN];

	if (inet_ntop(prefix->af == 6 ? AF_INET6 : AF_INET, prefix->addr, addr,
		      sizeof(addr)) == NULL)
		return -1;
	return snprintf(buf, size, "%s/%u", addr, prefix->bits);
}

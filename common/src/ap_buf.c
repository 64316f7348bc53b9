/* SPDX-License-Identifier: MIT */
/* ap_buf: capped growable buffer. */
#include "atlasperf/ap_buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ap_buf_init(struct ap_buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void ap_buf_reset(struct ap_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
}

void ap_buf_clear(struct ap_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Makes room for extra more bytes plus a NUL. */
static enum ap_status reserve(struct ap_buf *b, size_t extra)
{
	size_t need, n;
	char *p;

	if (extra > b->cap || b->len > b->cap - extra)
		return AP_ERANGE;
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return AP_OK;
	n = b->alloc ? b->alloc : 256;
	while (n < need)
		n = n > SIZE_MAX / 2 ? need : n * 2;
	p = realloc(b->data, n);
	if (p == NULL)
		return AP_ENOMEM;
	b->data = p;
	b->alloc = n;
	return AP_OK;
}

enum ap_status ap_buf_add(struct ap_buf *b, const void *data, size_t len)
{
	enum ap_status st = reserve(b, len);

	if (st != AP_OK)
		return st;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return AP_OK;
}

enum ap_status ap_buf_addc(struct ap_buf *b, char c)
{
	return ap_buf_add(b, &c, 1);
}

enum ap_status ap_buf_adds(struct ap_buf *b, const char *s)
{
	return ap_buf_add(b, s, strlen(s));
}

enum ap_status ap_buf_printf(struct ap_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	enum ap_status st;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return AP_EINVAL;
	st = reserve(b, (size_t)n);
	if (st != AP_OK)
		return st;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return AP_OK;
}

/* SPDX-License-Identifier: MIT */
/*
 * ap_buf: a growable byte buffer with a hard size cap set at init (as curl's
 * dynbuf). Appending past the cap fails with AP_ERANGE and leaves the
 * contents as they were, so a runaway input can never exhaust memory.
 */
#ifndef ATLASPERF_AP_BUF_H
#define ATLASPERF_AP_BUF_H

#include <stddef.h>

#include "atlasperf/ap_err.h"

struct ap_buf {
	char *data;    /* NUL-terminated when len > 0; owned by the buffer */
	size_t len;    /* bytes in use, excluding the terminating NUL */
	size_t alloc;  /* bytes allocated */
	size_t cap;    /* hard limit on len */
};

/* Prepares an empty buffer that may grow to cap bytes. Allocates nothing. */
void ap_buf_init(struct ap_buf *b, size_t cap);

/* Releases the memory and returns b to the empty state (cap kept). */
void ap_buf_reset(struct ap_buf *b);

/* Empties the buffer but keeps its memory for reuse. */
void ap_buf_clear(struct ap_buf *b);

/* Appends len bytes. AP_ENOMEM or AP_ERANGE (cap) leave b unchanged. */
enum ap_status ap_buf_add(struct ap_buf *b, const void *data, size_t len);

/* Appends one byte; errors as ap_buf_add. */
enum ap_status ap_buf_addc(struct ap_buf *b, char c);

/* Appends a NUL-terminated string; errors as ap_buf_add. */
enum ap_status ap_buf_adds(struct ap_buf *b, const char *s);

/* Appends printf-formatted text; errors as ap_buf_add. */
enum ap_status ap_buf_printf(struct ap_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

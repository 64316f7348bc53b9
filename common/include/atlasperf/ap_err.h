/* SPDX-License-Identifier: MIT */
/*
 * ap_err: the one error convention of libatlasperf. Fallible calls return
 * enum ap_status; details go into a caller-owned struct ap_err.
 */
#ifndef ATLASPERF_AP_ERR_H
#define ATLASPERF_AP_ERR_H

#include <stddef.h>

enum ap_status {
	AP_OK = 0,
	AP_ENOMEM,  /* allocation failed */
	AP_EINVAL,  /* bad argument or invalid configuration */
	AP_EPARSE,  /* input is not what it should be (JSON, YAML, result) */
	AP_EHTTP,   /* HTTP status or transport failure */
	AP_EIO,     /* read/write/file system error */
	AP_ERANGE,  /* a hard size cap was hit */
	AP_ENOENT   /* a named thing does not exist */
};

/* Human-readable details of the last failure, owned by the caller. */
struct ap_err {
	char msg[256];
};

/* Static text for a status code; never NULL, never to be freed. */
const char *ap_strerror(enum ap_status status);

/*
 * Formats a message into err (if err is not NULL) and returns status, so a
 * failing path reads "return ap_err_set(err, AP_EPARSE, "...", ...);".
 * The message is truncated to fit.
 */
enum ap_status ap_err_set(struct ap_err *err, enum ap_status status,
			  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Room for any errno text ap_errno_text writes. */
#define AP_ERRNO_TEXT 128

/*
 * The text of errnum (an errno value) in buf, which it returns. Unlike
 * strerror() it is safe on threads (collectd runs the plugin's library
 * calls on several); unknown numbers read "error N".
 */
const char *ap_errno_text(int errnum, char *buf, size_t n);

/* Empties err (may be NULL). */
void ap_err_clear(struct ap_err *err);

#endif

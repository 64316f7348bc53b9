/* SPDX-License-Identifier: MIT */
/* ap_err: status strings and the caller-owned error message buffer. */
#include "atlasperf/ap_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *ap_strerror(enum ap_status status)
{
	switch (status) {
	case AP_OK:
		return "success";
	case AP_ENOMEM:
		return "out of memory";
	case AP_EINVAL:
		return "invalid argument";
	case AP_EPARSE:
		return "parse error";
	case AP_EHTTP:
		return "HTTP error";
	case AP_EIO:
		return "I/O error";
	case AP_ERANGE:
		return "size limit exceeded";
	case AP_ENOENT:
		return "not found";
	}
	return "unknown error";
}

enum ap_status ap_err_set(struct ap_err *err, enum ap_status status,
			  const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return status;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return status;
}

const char *ap_errno_text(int errnum, char *buf, size_t n)
{
#if defined(_GNU_SOURCE)
	/* the GNU strerror_r returns the text, in buf or static */
	return strerror_r(errnum, buf, n);
#else
	/* the POSIX one (what -D_POSIX_C_SOURCE=200809L selects) */
	if (strerror_r(errnum, buf, n) != 0)
		snprintf(buf, n, "error %d", errnum);
	return buf;
#endif
}

void ap_err_clear(struct ap_err *err)
{
	if (err != NULL)
		err->msg[0] = '\0';
}

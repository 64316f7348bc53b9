/* SPDX-License-Identifier: MIT */
/* Unit tests for ap_err: status texts, messages, thread-safe errno text. */
#include <errno.h>

#include "atlasperf/ap_err.h"
#include "test.h"

int main(void)
{
	struct ap_err err;
	char buf[AP_ERRNO_TEXT], tiny[8];

	CHECK_STR(ap_strerror(AP_OK), "success");
	CHECK_STR(ap_strerror(AP_ENOMEM), "out of memory");
	CHECK_STR(ap_strerror((enum ap_status)99), "unknown error");

	/* ap_err_set returns the status and truncates to fit. */
	CHECK(ap_err_set(&err, AP_EIO, "%s %d", "disk", 7) == AP_EIO);
	CHECK_STR(err.msg, "disk 7");
	CHECK(ap_err_set(NULL, AP_EPARSE, "ignored") == AP_EPARSE);
	{
		char big[600];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		ap_err_set(&err, AP_EINVAL, "%s", big);
		CHECK(strlen(err.msg) == sizeof(err.msg) - 1);
	}
	ap_err_clear(&err);
	CHECK_STR(err.msg, "");

	/* errno texts land in the caller's buffer, never static storage
	 * (strerror's is shared between threads). */
	CHECK(strstr(ap_errno_text(ENOENT, buf, sizeof(buf)),
		      "No such file") != NULL);
	CHECK(ap_errno_text(EACCES, buf, sizeof(buf)) == buf);
	CHECK(strstr(buf, "denied") != NULL);
	/* unknown numbers still read as something */
	CHECK(ap_errno_text(123456, buf, sizeof(buf))[0] != '\0');
	CHECK(strstr(buf, "123456") != NULL);
	/* a buffer too small gives a cut or fallback text, NUL-terminated */
	CHECK(strlen(ap_errno_text(ENOENT, tiny, sizeof(tiny))) <
	      sizeof(tiny));
	TEST_DONE();
}

/* SPDX-License-Identifier: MIT */
/*
 * Tiny unit-test macros shared by tests/unit/test_*.c. Each binary prints
 * one "ok"/"FAIL" line per check and ends with "N passed, N failed", the
 * line tests/run-tests reads; the exit status is 1 when anything failed.
 */
#ifndef ATLASPERF_TEST_H
#define ATLASPERF_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int test_passed;
static int test_failed;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (cond) {                                                \
			test_passed++;                                     \
		} else {                                                   \
			test_failed++;                                     \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__,     \
			       #cond);                                     \
		}                                                          \
	} while (0)

#define CHECK_STR(got, want)                                               \
	do {                                                               \
		const char *got_ = (got), *want_ = (want);                 \
		if (got_ != NULL && want_ != NULL &&                       \
		    strcmp(got_, want_) == 0) {                            \
			test_passed++;                                     \
		} else {                                                   \
			test_failed++;                                     \
			printf("FAIL %s:%d: %s\n  got:  %s\n  want: %s\n",  \
			       __FILE__, __LINE__, #got,                   \
			       got_ ? got_ : "(null)",                     \
			       want_ ? want_ : "(null)");                  \
		}                                                          \
	} while (0)

#define CHECK_NEAR(got, want, tol)                                         \
	do {                                                               \
		double got_ = (got), want_ = (want);                       \
		if (fabs(got_ - want_) <= (tol)) {                         \
			test_passed++;                                     \
		} else {                                                   \
			test_failed++;                                     \
			printf("FAIL %s:%d: %s = %.9g, want %.9g\n",       \
			       __FILE__, __LINE__, #got, got_, want_);     \
		}                                                          \
	} while (0)

#define TEST_DONE()                                                        \
	do {                                                               \
		printf("%d passed, %d failed\n", test_passed, test_failed);  \
		return test_failed ? 1 : 0;                                \
	} while (0)

#endif

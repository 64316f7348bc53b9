/* SPDX-License-Identifier: MIT */
/*
 * test_lp run against ap_lp.c built without SIMD: the portable escape
 * check that non-x86 machines use must give the same lines as the SSE2
 * one. ap_lp.c is compiled into this test (its symbols take the place of
 * the library's).
 */
#define AP_LP_NO_SIMD 1
#include "../../common/src/ap_lp.c"
#include "test_lp.c"

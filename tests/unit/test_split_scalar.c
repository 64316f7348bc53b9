/* SPDX-License-Identifier: MIT */
/*
 * test_split run against ap_split.c built without SIMD: the portable
 * per-byte scanner that non-x86 machines use must frame exactly as the
 * SSE2 one does. ap_split.c is compiled into this test (its symbols take
 * the place of the library's).
 */
#define AP_SPLIT_NO_SIMD 1
#include "../../common/src/ap_split.c"
#include "test_split.c"

/* SPDX-License-Identifier: MIT */
/*
 * ap_arena (internal): bump allocator for everything one parsed result
 * owns, so a result is freed in one call and parsing costs few mallocs.
 */
#ifndef ATLASPERF_AP_ARENA_INT_H
#define ATLASPERF_AP_ARENA_INT_H

#include <stddef.h>

struct ap_arena;

/* New empty arena, or NULL when out of memory. Free with ap_arena_free. */
struct ap_arena *ap_arena_new(void);

/* Frees the arena and all its allocations; NULL is fine. */
void ap_arena_free(struct ap_arena *a);

/* Zeroed memory for n elements of size bytes, aligned for any type;
 * NULL on overflow or out of memory. Lives as long as the arena. */
void *ap_arena_calloc(struct ap_arena *a, size_t n, size_t size);

/* Copy of len bytes of s plus a NUL; NULL when out of memory. */
char *ap_arena_strndup(struct ap_arena *a, const char *s, size_t len);

#endif

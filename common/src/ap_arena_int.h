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

/*
 * New arena whose first chunk of `size` bytes (sized by the caller to
 * what it expects to need; later chunks are ap_arena's usual 4 KB or
 * more) comes with it in one malloc, holding a zeroed object of
 * head_size bytes at *head (the "head", e.g. the result that owns the
 * arena). The head lives as long
 * as the arena: ap_arena_free frees it. One malloc and one free per
 * parsed result instead of three of each. NULL when out of memory.
 */
struct ap_arena *ap_arena_new_head(size_t size, size_t head_size,
				   void **head);

/* The head of an arena made by ap_arena_new_head, else NULL. */
void *ap_arena_head(const struct ap_arena *a);

/* Frees the arena and all its allocations; NULL is fine. */
void ap_arena_free(struct ap_arena *a);

/* Zeroed memory for n elements of size bytes, aligned for any type;
 * NULL on overflow or out of memory. Lives as long as the arena. */
void *ap_arena_calloc(struct ap_arena *a, size_t n, size_t size);

/* As ap_arena_calloc, for `bytes` bytes, but not zeroed (for memory the
 * caller overwrites at once, such as a copy). */
void *ap_arena_alloc(struct ap_arena *a, size_t bytes);

/* Copy of len bytes of s plus a NUL; NULL when out of memory. */
char *ap_arena_strndup(struct ap_arena *a, const char *s, size_t len);

#endif

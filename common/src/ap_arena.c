/* SPDX-License-Identifier: MIT */
/* ap_arena: chunked bump allocator, freed all at once. */
#include "ap_arena_int.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE 4096

struct chunk {
	struct chunk *next;
	size_t used, size;
	alignas(max_align_t) unsigned char mem[];
};

struct ap_arena {
	struct chunk *head;
};

struct ap_arena *ap_arena_new(void)
{
	return calloc(1, sizeof(struct ap_arena));
}

void ap_arena_free(struct ap_arena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *ap_arena_calloc(struct ap_arena *a, size_t n, size_t size)
{
	const size_t align = alignof(max_align_t);
	size_t bytes, need;
	struct chunk *c = a->head;
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	bytes = n * size;
	if (bytes > SIZE_MAX - align)
		return NULL;
	need = (bytes + align - 1) / align * align;
	if (need == 0)
		need = align;
	if (c == NULL || c->size - c->used < need) {
		size_t csize = need > CHUNK_SIZE ? need : CHUNK_SIZE;

		if (csize > SIZE_MAX - sizeof(*c))
			return NULL;
		c = malloc(sizeof(*c) + csize);
		if (c == NULL)
			return NULL;
		c->used = 0;
		c->size = csize;
		c->next = a->head;
		a->head = c;
	}
	p = c->mem + c->used;
	c->used += need;
	memset(p, 0, bytes);
	return p;
}

char *ap_arena_strndup(struct ap_arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = ap_arena_calloc(a, len + 1, 1);
	if (p != NULL)
		memcpy(p, s, len);
	return p;
}

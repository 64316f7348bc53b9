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
	struct chunk *own;  /* first chunk, part of the arena's malloc */
	void *obj;          /* ap_arena_new_head's head object, or NULL */
};

/* Where the built-in chunk starts after the arena in one malloc. */
#define OWN_OFFSET                                                       \
	((sizeof(struct ap_arena) + alignof(struct chunk) - 1) /         \
	 alignof(struct chunk) * alignof(struct chunk))

struct ap_arena *ap_arena_new(void)
{
	return calloc(1, sizeof(struct ap_arena));
}

struct ap_arena *ap_arena_new_head(size_t size, size_t head_size,
				   void **head)
{
	struct ap_arena *a;
	struct chunk *c;

	*head = NULL;
	if (size > SIZE_MAX - OWN_OFFSET - sizeof(*c))
		return NULL;
	/* malloc's alignment suits the arena and (at OWN_OFFSET) the chunk */
	a = malloc(OWN_OFFSET + sizeof(*c) + size);
	if (a == NULL)
		return NULL;
	c = (struct chunk *)((unsigned char *)a + OWN_OFFSET);
	c->next = NULL;
	c->used = 0;
	c->size = size;
	a->head = c;
	a->own = c;
	a->obj = NULL;
	if (head_size > 0) {
		a->obj = ap_arena_calloc(a, 1, head_size);
		if (a->obj == NULL) {
			free(a);
			return NULL;
		}
	}
	*head = a->obj;
	return a;
}

void *ap_arena_head(const struct ap_arena *a)
{
	return a != NULL ? a->obj : NULL;
}

void ap_arena_free(struct ap_arena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		if (c != a->own)
			free(c);
	}
	free(a);
}

void *ap_arena_alloc(struct ap_arena *a, size_t bytes)
{
	const size_t align = alignof(max_align_t);
	size_t need;
	struct chunk *c = a->head;
	void *p;

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
	return p;
}

void *ap_arena_calloc(struct ap_arena *a, size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	p = ap_arena_alloc(a, n * size);
	if (p != NULL)
		memset(p, 0, n * size);
	return p;
}

char *ap_arena_strndup(struct ap_arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = ap_arena_alloc(a, len + 1);
	if (p != NULL) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

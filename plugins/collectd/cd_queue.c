/* SPDX-License-Identifier: MIT */
/* cd_queue: per-poll value queue and per-identifier last times. */
#include "cd_queue.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One identifier's slot in the open-addressing table. */
struct id_slot {
	int64_t last_s; /* 0: slot free */
	uint64_t round; /* flush round of the last value handed out */
	uint16_t type;
	char type_instance[CD_TI_MAX];
};

struct cd_queue {
	struct cd_value *pending;
	size_t n_pending, cap_pending, max_pending;
	uint32_t next_seq;
	struct id_slot *ids; /* n_slots entries, a power of two */
	size_t n_slots, n_ids, max_ids;
	uint64_t round;      /* rounds of all flushes so far */
};

#define FIRST_SLOTS 1024
#define FIRST_PENDING 256

enum ap_status cd_queue_new(struct cd_queue **out, size_t max_pending,
			    size_t max_ids, struct ap_err *err)
{
	struct cd_queue *q;

	*out = NULL;
	if (max_pending == 0 || max_ids == 0)
		return ap_err_set(err, AP_EINVAL, "cd_queue: zero limit");
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	q->ids = calloc(FIRST_SLOTS, sizeof(*q->ids));
	if (q->ids == NULL) {
		free(q);
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	}
	q->n_slots = FIRST_SLOTS;
	q->max_pending = max_pending;
	q->max_ids = max_ids;
	*out = q;
	return AP_OK;
}

void cd_queue_free(struct cd_queue *q)
{
	if (q == NULL)
		return;
	free(q->pending);
	free(q->ids);
	free(q);
}

enum ap_status cd_queue_add(struct cd_queue *q, const struct cd_value *v)
{
	if (q->n_pending == q->max_pending)
		return AP_ERANGE;
	if (q->n_pending == q->cap_pending) {
		size_t cap =
			q->cap_pending ? q->cap_pending * 2 : FIRST_PENDING;
		struct cd_value *p;

		if (cap > q->max_pending)
			cap = q->max_pending;
		if (cap > SIZE_MAX / sizeof(*p))
			return AP_ENOMEM;
		p = realloc(q->pending, cap * sizeof(*p));
		if (p == NULL)
			return AP_ENOMEM;
		q->pending = p;
		q->cap_pending = cap;
	}
	q->pending[q->n_pending] = *v;
	q->pending[q->n_pending].seq = q->next_seq++;
	q->n_pending++;
	return AP_OK;
}

size_t cd_queue_pending(const struct cd_queue *q)
{
	return q->n_pending;
}

void cd_queue_clear(struct cd_queue *q)
{
	q->n_pending = 0;
	q->next_seq = 0;
}

/* FNV-1a over the type and the type instance. */
static uint64_t id_hash(uint16_t type, const char *ti)
{
	uint64_t h = UINT64_C(14695981039346656037);

	h = (h ^ (type & 0xff)) * UINT64_C(1099511628211);
	h = (h ^ (type >> 8)) * UINT64_C(1099511628211);
	for (const unsigned char *p = (const unsigned char *)ti; *p; p++)
		h = (h ^ *p) * UINT64_C(1099511628211);
	return h;
}

/* The slot of (type, ti), or the free slot where it belongs. */
static struct id_slot *find_slot(struct id_slot *ids, size_t n_slots,
				 uint16_t type, const char *ti)
{
	size_t mask = n_slots - 1;
	size_t i = (size_t)id_hash(type, ti) & mask;

	for (;;) {
		struct id_slot *s = &ids[i];

		if (s->last_s == 0)
			return s;
		if (s->type == type && strcmp(s->type_instance, ti) == 0)
			return s;
		i = (i + 1) & mask;
	}
}

/* Rebuilds the table with n_slots slots, keeping entries with last_s >=
 * keep_from. */
static enum ap_status rehash(struct cd_queue *q, size_t n_slots,
			     int64_t keep_from)
{
	struct id_slot *ids = calloc(n_slots, sizeof(*ids));
	size_t n = 0;

	if (ids == NULL)
		return AP_ENOMEM;
	for (size_t i = 0; i < q->n_slots; i++) {
		const struct id_slot *s = &q->ids[i];

		if (s->last_s == 0 || s->last_s < keep_from)
			continue;
		*find_slot(ids, n_slots, s->type, s->type_instance) = *s;
		n++;
	}
	free(q->ids);
	q->ids = ids;
	q->n_slots = n_slots;
	q->n_ids = n;
	return AP_OK;
}

/* The slot for v's identifier, inserted when new (last_s still 0). */
static enum ap_status slot_for(struct cd_queue *q, const struct cd_value *v,
			       struct id_slot **out)
{
	struct id_slot *s = find_slot(q->ids, q->n_slots, v->type,
				      v->type_instance);

	if (s->last_s != 0) {
		*out = s;
		return AP_OK;
	}
	if (q->n_ids == q->max_ids)
		return AP_ERANGE;
	/* Keep the load at most one half. */
	if ((q->n_ids + 1) * 2 > q->n_slots) {
		enum ap_status st;

		if (q->n_slots > SIZE_MAX / 2 / sizeof(*q->ids))
			return AP_ENOMEM;
		st = rehash(q, q->n_slots * 2, INT64_MIN);
		if (st != AP_OK)
			return st;
		s = find_slot(q->ids, q->n_slots, v->type, v->type_instance);
	}
	s->type = v->type;
	memcpy(s->type_instance, v->type_instance, sizeof(s->type_instance));
	s->type_instance[CD_TI_MAX - 1] = '\0';
	*out = s;
	return AP_OK;
}

static int by_time(const void *a, const void *b)
{
	const struct cd_value *x = a, *y = b;

	if (x->time_s != y->time_s)
		return x->time_s < y->time_s ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

enum ap_status cd_queue_flush(struct cd_queue *q,
			      int (*dispatch)(const struct cd_value *v,
					      void *user),
			      int (*barrier)(void *user),
			      void (*on_late)(const struct cd_value *v,
					      int64_t last_s, void *user),
			      void *user, struct cd_flush_report *report)
{
	enum ap_status st = AP_OK;

	memset(report, 0, sizeof(*report));
	/* One sort over all identifiers at once: values of one identifier
	 * go out in time order, and each round (between barriers) holds at
	 * most one value per identifier. */
	if (q->n_pending > 1)
		qsort(q->pending, q->n_pending, sizeof(*q->pending), by_time);
	q->round++;
	for (size_t i = 0; i < q->n_pending; i++) {
		const struct cd_value *v = &q->pending[i];
		struct id_slot *s = NULL;
		enum ap_status sst;

		if (st == AP_ERANGE || st == AP_ENOMEM) {
			report->failed++;
			continue;
		}
		if (v->time_s <= 0) {
			/* No time to order it by: never sent. */
			report->late++;
			if (on_late != NULL)
				on_late(v, 0, user);
			continue;
		}
		sst = slot_for(q, v, &s);
		if (sst != AP_OK) {
			st = sst;
			report->failed++;
			continue;
		}
		if (s->last_s != 0 && v->time_s <= s->last_s) {
			report->late++;
			if (on_late != NULL)
				on_late(v, s->last_s, user);
			continue;
		}
		if (barrier != NULL && s->last_s != 0 && s->round == q->round) {
			(void)barrier(user);
			report->barriers++;
			q->round++;
		}
		if (dispatch(v, user) != 0) {
			report->failed++;
			if (st == AP_OK)
				st = AP_EIO;
			if (s->last_s == 0) {
				/* A new slot that got no value: the table
				 * must not hold free-looking used slots, so
				 * mark it with the oldest possible time. */
				s->last_s = INT64_MIN;
				q->n_ids++;
			}
			continue;
		}
		if (s->last_s == 0)
			q->n_ids++;
		s->last_s = v->time_s;
		s->round = q->round;
		report->dispatched++;
	}
	cd_queue_clear(q);
	return st;
}

void cd_queue_prune(struct cd_queue *q, int64_t before_s)
{
	size_t keep = 0, n_slots = FIRST_SLOTS;

	for (size_t i = 0; i < q->n_slots; i++)
		if (q->ids[i].last_s != 0 && q->ids[i].last_s >= before_s)
			keep++;
	while (n_slots < keep * 2 + 2)
		n_slots *= 2;
	/* On ENOMEM the old table simply stays. */
	(void)rehash(q, n_slots, before_s);
}

size_t cd_queue_identifiers(const struct cd_queue *q)
{
	return q->n_ids;
}

int64_t cd_queue_last(const struct cd_queue *q, uint16_t type,
		      const char *type_instance)
{
	const struct id_slot *s =
		find_slot(q->ids, q->n_slots, type, type_instance);

	return s->last_s == INT64_MIN ? 0 : s->last_s;
}

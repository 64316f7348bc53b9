/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for cd_queue (no collectd daemon needed): time order per
 * identifier, late values not handed out, refused values retried without
 * repeating what went out, caps, pruning and table growth.
 */
#include "cd_queue.c"

#include <stdio.h>

#include "../../tests/unit/test.h"

#define MAX_OUT 4096

struct sent {
	struct cd_value v[MAX_OUT];
	size_t n;
	size_t refuse_from; /* refuse values from this index on */
	size_t late_calls;
	size_t barrier_at[8]; /* s.n when barrier was called */
	size_t n_barriers;
};

static int take(const struct cd_value *v, void *user)
{
	struct sent *s = user;

	if (s->n >= s->refuse_from || s->n == MAX_OUT)
		return -1;
	s->v[s->n++] = *v;
	return 0;
}

static int mark(void *user)
{
	struct sent *s = user;

	if (s->n_barriers < 8)
		s->barrier_at[s->n_barriers] = s->n;
	s->n_barriers++;
	return 0;
}

static void late(const struct cd_value *v, int64_t last_s, void *user)
{
	struct sent *s = user;

	CHECK(v->time_s <= last_s);
	s->late_calls++;
}

static struct cd_value val(uint16_t type, const char *ti, int64_t t,
			   double g)
{
	struct cd_value v;

	memset(&v, 0, sizeof(v));
	v.type = type;
	snprintf(v.type_instance, sizeof(v.type_instance), "%s", ti);
	v.time_s = t;
	v.v.gauge = g;
	return v;
}

static void test_order_and_late(void)
{
	struct cd_queue *q;
	struct ap_err err;
	struct cd_flush_report r;
	static struct sent s;
	struct cd_value v;

	memset(&s, 0, sizeof(s));
	s.refuse_from = SIZE_MAX;
	CHECK(cd_queue_new(&q, 100, 100, &err) == AP_OK);
	/* Out of order, two identifiers, a tie on time. */
	v = val(1, "6001", 300, 3);
	CHECK(cd_queue_add(q, &v) == AP_OK);
	v = val(1, "6001", 100, 1);
	CHECK(cd_queue_add(q, &v) == AP_OK);
	v = val(2, "6001", 100, 10);
	CHECK(cd_queue_add(q, &v) == AP_OK);
	v = val(1, "6001", 200, 2);
	CHECK(cd_queue_add(q, &v) == AP_OK);
	v = val(1, "6002", 100, 5);
	CHECK(cd_queue_add(q, &v) == AP_OK);
	CHECK(cd_queue_pending(q) == 5);
	CHECK(cd_queue_flush(q, take, mark, late, &s, &r) == AP_OK);
	CHECK(r.dispatched == 5 && r.late == 0 && r.failed == 0);
	CHECK(cd_queue_pending(q) == 0);
	CHECK(cd_queue_identifiers(q) == 3);
	/* Time order overall; ties keep the order they were added in. */
	CHECK(s.v[0].time_s == 100 && s.v[0].type == 1 &&
	      strcmp(s.v[0].type_instance, "6001") == 0);
	CHECK(s.v[1].time_s == 100 && s.v[1].type == 2);
	CHECK(s.v[2].time_s == 100 &&
	      strcmp(s.v[2].type_instance, "6002") == 0);
	CHECK(s.v[3].time_s == 200 && s.v[4].time_s == 300);
	/* 6001/type 1 has three values: a barrier before its second and
	 * before its third, so no round holds two of one identifier. */
	CHECK(r.barriers == 2 && s.n_barriers == 2);
	CHECK(s.barrier_at[0] == 3 && s.barrier_at[1] == 4);
	CHECK(cd_queue_last(q, 1, "6001") == 300);
	CHECK(cd_queue_last(q, 1, "6002") == 100);
	CHECK(cd_queue_last(q, 9, "6002") == 0);

	/* Next poll: a late result (250 < 300) and a repeat of 300 are not
	 * handed out; a new one for another identifier is. */
	s.n = 0;
	v = val(1, "6001", 250, 2.5);
	CHECK(cd_queue_add(q, &v) == AP_OK);
	v = val(1, "6001", 300, 3);
	CHECK(cd_queue_add(q, &v) == AP_OK);
	v = val(1, "6002", 250, 6);
	CHECK(cd_queue_add(q, &v) == AP_OK);
	CHECK(cd_queue_flush(q, take, NULL, late, &s, &r) == AP_OK);
	CHECK(r.dispatched == 1 && r.late == 2);
	CHECK(s.late_calls == 2);
	CHECK(s.n == 1 && s.v[0].time_s == 250 &&
	      strcmp(s.v[0].type_instance, "6002") == 0);

	/* A failed poll's values are dropped by clear. */
	v = val(1, "6003", 400, 1);
	CHECK(cd_queue_add(q, &v) == AP_OK);
	cd_queue_clear(q);
	CHECK(cd_queue_pending(q) == 0);
	CHECK(cd_queue_last(q, 1, "6003") == 0);
	cd_queue_free(q);
}

static void test_refused(void)
{
	struct cd_queue *q;
	struct ap_err err;
	struct cd_flush_report r;
	static struct sent s;
	struct cd_value v;

	memset(&s, 0, sizeof(s));
	CHECK(cd_queue_new(&q, 100, 100, &err) == AP_OK);
	for (int t = 1; t <= 4; t++) {
		v = val(1, "6001", t * 100, t);
		CHECK(cd_queue_add(q, &v) == AP_OK);
	}
	v = val(1, "7007", 50, 1);
	CHECK(cd_queue_add(q, &v) == AP_OK);
	/* collectd takes two values, then refuses: the poll is not
	 * committed ... */
	s.refuse_from = 2;
	CHECK(cd_queue_flush(q, take, NULL, late, &s, &r) == AP_EIO);
	CHECK(r.dispatched == 2 && r.failed == 3);
	CHECK(s.v[0].time_s == 50 && s.v[1].time_s == 100);
	/* 7007 and 6001@100 went out; a refused first value of 6001 would
	 * have left its identifier "seen but empty". */
	CHECK(cd_queue_last(q, 1, "6001") == 100);
	CHECK(cd_queue_last(q, 1, "7007") == 50);
	/* ... so the same values come again, and only the ones that did
	 * not go out are handed out now. */
	s.n = 0;
	s.refuse_from = SIZE_MAX;
	for (int t = 1; t <= 4; t++) {
		v = val(1, "6001", t * 100, t);
		CHECK(cd_queue_add(q, &v) == AP_OK);
	}
	v = val(1, "7007", 50, 1);
	CHECK(cd_queue_add(q, &v) == AP_OK);
	CHECK(cd_queue_flush(q, take, NULL, NULL, &s, &r) == AP_OK);
	CHECK(r.dispatched == 3 && r.late == 2 && r.failed == 0);
	CHECK(s.v[0].time_s == 200 && s.v[2].time_s == 400);

	/* A refused value of a new identifier leaves it usable. */
	s.n = 0;
	s.refuse_from = 0;
	v = val(3, "8008", 10, 1);
	CHECK(cd_queue_add(q, &v) == AP_OK);
	CHECK(cd_queue_flush(q, take, NULL, NULL, &s, &r) == AP_EIO);
	CHECK(cd_queue_last(q, 3, "8008") == 0);
	s.refuse_from = SIZE_MAX;
	CHECK(cd_queue_add(q, &v) == AP_OK);
	CHECK(cd_queue_flush(q, take, NULL, NULL, &s, &r) == AP_OK);
	CHECK(r.dispatched == 1 && cd_queue_last(q, 3, "8008") == 10);
	cd_queue_free(q);
}

static void test_caps_growth_prune(void)
{
	struct cd_queue *q;
	struct ap_err err;
	struct cd_flush_report r;
	static struct sent s;
	struct cd_value v;
	char ti[CD_TI_MAX];
	int ok = 1;

	CHECK(cd_queue_new(&q, 0, 1, &err) == AP_EINVAL && q == NULL);
	CHECK(cd_queue_new(&q, 3, 2, &err) == AP_OK);
	memset(&s, 0, sizeof(s));
	s.refuse_from = SIZE_MAX;
	for (int i = 0; i < 3; i++) {
		snprintf(ti, sizeof(ti), "%d", i);
		v = val(1, ti, 100, i);
		CHECK(cd_queue_add(q, &v) == AP_OK);
	}
	CHECK(cd_queue_add(q, &v) == AP_ERANGE);
	/* Two identifiers fit, the third does not: counted failed. */
	CHECK(cd_queue_flush(q, take, NULL, NULL, &s, &r) == AP_ERANGE);
	CHECK(r.dispatched == 2 && r.failed == 1);
	cd_queue_free(q);

	/* Growth past the first table, then pruning by age. */
	CHECK(cd_queue_new(&q, 10000, 100000, &err) == AP_OK);
	for (int round = 0; round < 3; round++) {
		s.n = 0;
		for (int i = 0; i < 3000; i++) {
			snprintf(ti, sizeof(ti), "%d", i);
			v = val((uint16_t)(i % 3), ti,
				i < 1500 ? 1000 + round : 5000 + round, i);
			if (cd_queue_add(q, &v) != AP_OK)
				ok = 0;
		}
		if (cd_queue_flush(q, take, NULL, NULL, &s, &r) != AP_OK ||
		    r.dispatched != 3000)
			ok = 0;
	}
	CHECK(ok);
	CHECK(cd_queue_identifiers(q) == 3000);
	cd_queue_prune(q, 4000);
	CHECK(cd_queue_identifiers(q) == 1500);
	CHECK(cd_queue_last(q, 0, "0") == 0);
	CHECK(cd_queue_last(q, 1, "1501") == 5002);
	/* A pruned identifier takes any time again. */
	v = val(0, "0", 1500, 1);
	s.n = 0;
	CHECK(cd_queue_add(q, &v) == AP_OK);
	CHECK(cd_queue_flush(q, take, NULL, NULL, &s, &r) == AP_OK);
	CHECK(r.dispatched == 1);
	cd_queue_free(q);
	cd_queue_free(NULL);
}

int main(void)
{
	test_order_and_late();
	test_refused();
	test_caps_growth_prune();
	TEST_DONE();
}

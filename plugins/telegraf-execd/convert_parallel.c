/* SPDX-License-Identifier: MIT */
/*
 * convert_parallel: ordered parallel map over newline-cut batches for
 * `atlasperf convert --threads N` (docs/performance.md, "Threads").
 *
 * Exactness rests on one property of ap_split: from an idle state (between
 * records, outside any array, not skipping a bad line) the splitter frames
 * the following bytes exactly as a fresh splitter started at the same line
 * would. So a worker's result for batch k is used only when the true
 * splitter state at the start of batch k was idle (known in order, from
 * the batches before) and the worker's splitter ended idle; every other
 * batch is fed by the main thread to the single splitter of the
 * single-threaded path, which carries the state across batches. JSON lines
 * end idle at every newline; a JSON array does not, and is converted
 * sequentially until the splitter is idle again after a batch.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "convert_parallel.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The input in flight (all batches read and not yet written) stays under
 * this for up to 32 threads, more get BATCH_MIN batches: with the batches'
 * output it bounds the memory, whatever the input size. */
#define IN_FLIGHT_BYTES (4u * 1024u * 1024u)
#define BATCH_MAX (1024u * 1024u)
#define BATCH_MIN (64u * 1024u)
/* Batches per worker: one being converted, one waiting, so a worker never
 * idles while the main thread writes. */
#define SLOTS_PER_THREAD 2

struct batch {
	char *data;    /* the batch size, allocated once */
	size_t len;
	uint64_t line; /* input line of data[0] */
	bool local;    /* the main thread converts it */
	bool done;     /* the worker finished (under mu) */
	bool ok;       /* the worker's result is usable (under mu) */
	struct cp_batch_out o;
};

struct pool;

struct worker {
	struct pool *pool;
	void *conv; /* ops->worker_new's converter */
	pthread_t tid;
};

struct pool {
	const struct cp_ops *ops;
	size_t max_bytes;
	pthread_mutex_t mu;
	pthread_cond_t work_cv; /* workers: a batch queued, or stop */
	pthread_cond_t done_cv; /* main: a batch done */
	struct batch **queue;   /* FIFO of batches for the workers */
	size_t q_cap, q_head, q_len;
	bool stop;
	unsigned n_conv;    /* converters made */
	unsigned n_workers; /* threads started */
	struct worker *w;
};

void cp_params_init(struct cp_params *p, unsigned threads)
{
	const char *env = getenv("ATLASPERF_CONVERT_BATCH_BYTES");

	p->threads = threads;
	p->batch_bytes = 0;
	/* For tests: small batches put many batch boundaries into small
	 * inputs. Ignored unless a plain number from 1 to 64 MiB. */
	if (env != NULL && env[0] != '\0') {
		char *end;
		unsigned long long v = strtoull(env, &end, 10);

		if (*end == '\0' && v >= 1 && v <= 64ull * 1024 * 1024)
			p->batch_bytes = (size_t)v;
	}
}

unsigned cp_usable_cpus(void)
{
	cpu_set_t set;
	long n = -1;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	if (n < 1)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > CP_MAX_THREADS ? CP_MAX_THREADS : (unsigned)n;
}

/* ---- workers --------------------------------------------------------- */

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct batch *b;
		bool ok;

		while (p->q_len == 0 && !p->stop)
			pthread_cond_wait(&p->work_cv, &p->mu);
		if (p->stop)
			break;
		b = p->queue[p->q_head];
		p->q_head = (p->q_head + 1) % p->q_cap;
		p->q_len--;
		pthread_mutex_unlock(&p->mu);
		ok = p->ops->convert(w->conv, b->data, b->len, b->line,
				     p->max_bytes, &b->o);
		pthread_mutex_lock(&p->mu);
		b->ok = ok;
		b->done = true;
		pthread_cond_signal(&p->done_cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Stops and joins the workers that were started (queued batches are
 * dropped), frees every converter and the pool's own memory. */
static void pool_free(struct pool *p)
{
	if (p->w == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->n_workers; i++)
		pthread_join(p->w[i].tid, NULL);
	for (unsigned i = 0; i < p->n_conv; i++)
		p->ops->worker_free(p->w[i].conv);
	pthread_cond_destroy(&p->done_cv);
	pthread_cond_destroy(&p->work_cv);
	pthread_mutex_destroy(&p->mu);
	free(p->w);
	p->w = NULL;
	p->n_workers = 0;
	p->n_conv = 0;
}

/*
 * Starts threads workers. False when a converter, a thread or the
 * synchronisation objects cannot be had: then nothing runs and nothing
 * is left allocated, and the caller converts on the main thread.
 */
static bool pool_start(struct pool *p, unsigned threads)
{
	sigset_t all, old;

	if (pthread_mutex_init(&p->mu, NULL) != 0)
		return false;
	if (pthread_cond_init(&p->work_cv, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		return false;
	}
	if (pthread_cond_init(&p->done_cv, NULL) != 0) {
		pthread_cond_destroy(&p->work_cv);
		pthread_mutex_destroy(&p->mu);
		return false;
	}
	p->w = calloc(threads, sizeof(*p->w));
	if (p->w == NULL) {
		pthread_cond_destroy(&p->done_cv);
		pthread_cond_destroy(&p->work_cv);
		pthread_mutex_destroy(&p->mu);
		return false;
	}
	for (; p->n_conv < threads; p->n_conv++) {
		p->w[p->n_conv].pool = p;
		p->w[p->n_conv].conv = p->ops->worker_new(p->ops->ctx);
		if (p->w[p->n_conv].conv == NULL) {
			pool_free(p);
			return false;
		}
	}
	/* Signals (SIGINT, SIGPIPE from a closed stdout) stay with the main
	 * thread, as without threads: the workers start with all blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (; p->n_workers < threads; p->n_workers++)
		if (pthread_create(&p->w[p->n_workers].tid, NULL, worker_main,
				   &p->w[p->n_workers]) != 0)
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p->n_workers < threads) {
		pool_free(p);
		return false;
	}
	return true;
}

static void enqueue(struct pool *p, struct batch *b)
{
	pthread_mutex_lock(&p->mu);
	p->queue[(p->q_head + p->q_len) % p->q_cap] = b;
	p->q_len++;
	pthread_cond_signal(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
}

/* Waits for b's worker; returns whether its result is usable. */
static bool wait_done(struct pool *p, struct batch *b)
{
	bool ok;

	pthread_mutex_lock(&p->mu);
	while (!b->done)
		pthread_cond_wait(&p->done_cv, &p->mu);
	ok = b->ok;
	pthread_mutex_unlock(&p->mu);
	return ok;
}

/* ---- reading ----------------------------------------------------------- */

struct reader {
	FILE *in;
	size_t batch;       /* bytes per batch buffer */
	const char *carry;  /* the previous batch's bytes after its cut */
	size_t carry_len;
	uint64_t line;      /* line of the next batch's first byte */
	bool eof;           /* end of input or read error seen */
	int read_errno;     /* errno of the failed read, 0 if none */
};

static uint64_t count_newlines(const char *p, size_t len)
{
	const char *end = p + len;
	uint64_t n = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/*
 * Reads the next batch into b: the previous batch's carried tail, then
 * input up to the buffer's size, cut after its last newline (the rest is
 * carried into the next batch). *whole is false when the buffer holds no
 * newline before the end of input: the batch then ends inside a line and
 * is not cut at all. Returns false at the end of input.
 */
static bool read_batch(struct reader *r, struct batch *b, bool *whole)
{
	size_t len = r->carry_len, want, n, cut;

	if (r->eof && len == 0)
		return false;
	/* The carry lies in another slot's buffer: the ring has at least
	 * two slots and the previous batch's is never the one read into. */
	if (len > 0)
		memcpy(b->data, r->carry, len);
	r->carry_len = 0;
	if (!r->eof) {
		want = r->batch - len;
		n = fread(b->data + len, 1, want, r->in);
		len += n;
		if (n < want) {
			r->eof = true;
			if (ferror(r->in))
				r->read_errno = errno;
		}
	}
	if (len == 0)
		return false;
	cut = len;
	*whole = true;
	if (!r->eof) {
		while (cut > 0 && b->data[cut - 1] != '\n')
			cut--;
		if (cut == 0) {
			cut = len;
			*whole = false;
		}
	}
	r->carry = b->data + cut;
	r->carry_len = len - cut;
	b->len = cut;
	b->line = r->line;
	r->line += count_newlines(b->data, cut);
	return true;
}

/* The input is a JSON array: no batch of it ends idle before its end. */
static bool starts_array(const struct batch *b)
{
	for (size_t i = 0; i < b->len; i++) {
		char c = b->data[i];

		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			return c == '[';
	}
	return false;
}

/* ---- the ordered map ---------------------------------------------------- */

static size_t batch_size(const struct cp_params *par, size_t n_slots)
{
	size_t b = IN_FLIGHT_BYTES / n_slots;

	if (par->batch_bytes > 0)
		return par->batch_bytes;
	if (b > BATCH_MAX)
		b = BATCH_MAX;
	if (b < BATCH_MIN)
		b = BATCH_MIN;
	return b;
}

static void free_slots(struct batch *slot, size_t n)
{
	if (slot == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(slot[i].data);
		ap_buf_reset(&slot[i].o.out);
		ap_buf_reset(&slot[i].o.warn);
	}
	free(slot);
}

/* Empties a written batch's output for reuse; a buffer that one unusual
 * batch grew far beyond the budget is freed instead of kept. */
static void recycle(struct batch *b, size_t max_bytes)
{
	if (b->o.out.alloc > 2 * max_bytes)
		ap_buf_reset(&b->o.out);
	else
		ap_buf_clear(&b->o.out);
	if (b->o.warn.alloc > 2 * max_bytes)
		ap_buf_reset(&b->o.warn);
	else
		ap_buf_clear(&b->o.warn);
	b->local = false;
	b->done = false;
	b->ok = false;
}

enum ap_status cp_convert(const struct cp_ops *ops,
			  const struct cp_params *par, FILE *in,
			  struct ap_split *split, bool *consumed)
{
	size_t n_slots = (size_t)par->threads * SLOTS_PER_THREAD;
	struct pool pool;
	struct reader r;
	struct batch *slot;
	size_t head = 0, count = 0;
	/* The true splitter state at the start of batch slot[head]: idle
	 * there means a worker's result for it is exact. */
	bool start_idle = true;
	bool seq = false, first = true, tried_pool = false, have_pool = false;
	enum ap_status st = AP_OK;

	*consumed = false;
	memset(&pool, 0, sizeof(pool));
	memset(&r, 0, sizeof(r));
	pool.ops = ops;
	pool.q_cap = n_slots;
	r.in = in;
	r.batch = batch_size(par, n_slots);
	r.line = split->line;
	/* Room for a batch's line protocol and warnings: ping writes 0.86
	 * bytes per input byte, traceroute 0.09, with --hop-points 1.2, and
	 * 2.4 with five long --tag. A batch that needs more is converted
	 * again on the main thread: slower, never different. */
	pool.max_bytes = 3 * r.batch + 64 * 1024;
	slot = calloc(n_slots, sizeof(*slot));
	pool.queue = calloc(n_slots, sizeof(*pool.queue));
	if (slot == NULL || pool.queue == NULL) {
		free(slot);
		free(pool.queue);
		return AP_OK;
	}
	for (size_t i = 0; i < n_slots; i++) {
		ap_buf_init(&slot[i].o.out, SIZE_MAX);
		ap_buf_init(&slot[i].o.warn, SIZE_MAX);
		slot[i].data = malloc(r.batch);
		if (slot[i].data == NULL) {
			free_slots(slot, n_slots);
			free(pool.queue);
			return AP_OK;
		}
	}
	*consumed = true;

	while (st == AP_OK) {
		struct batch *b;
		bool whole;

		/* Read ahead while a slot is free. While the splitter is not
		 * idle (inside an array), batches go to the main thread one
		 * at a time: reading ahead would not help it. */
		while (count < n_slots && !(seq && count > 0)) {
			b = &slot[(head + count) % n_slots];
			if (!read_batch(&r, b, &whole))
				break;
			/* A small input (one batch), a JSON array, a line
			 * longer than a batch: not for the workers. */
			b->local = seq || !whole ||
				   (first && (r.eof || starts_array(b)));
			first = false;
			if (!b->local && !tried_pool) {
				tried_pool = true;
				have_pool = pool_start(&pool, par->threads);
			}
			if (!have_pool)
				b->local = true;
			if (!b->local)
				enqueue(&pool, b);
			count++;
		}
		if (count == 0)
			break;
		b = &slot[head];
		if (!b->local && wait_done(&pool, b) && start_idle) {
			ops->write(ops->ctx, &b->o);
		} else {
			/* Exactly the single-threaded path: the one splitter,
			 * carrying its state from the batch before. */
			if (start_idle)
				split->line = b->line;
			st = ap_split_feed(split, b->data, b->len);
			start_idle = ap_split_idle(split);
		}
		recycle(b, pool.max_bytes);
		head = (head + 1) % n_slots;
		count--;
		seq = !start_idle;
	}
	pool_free(&pool);
	free_slots(slot, n_slots);
	free(pool.queue);
	if (r.read_errno != 0)
		errno = r.read_errno;
	return st;
}

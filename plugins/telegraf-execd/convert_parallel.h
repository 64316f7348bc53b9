/* SPDX-License-Identifier: MIT */
/*
 * convert_parallel: `atlasperf convert --threads N`, an ordered parallel
 * map over batches of input lines. The main thread reads the input in
 * batches cut after a newline; worker threads convert whole batches, each
 * with a fresh splitter; the main thread writes the batches' line protocol
 * and warnings strictly in input order. A batch whose worker result could
 * differ from the single-threaded run's (it did not start or did not end
 * between records, e.g. inside a multi-line JSON array) is fed by the main
 * thread to the caller's own splitter instead, exactly as --threads 1
 * would. Design and memory bounds: docs/performance.md.
 */
#ifndef ATLASPERF_CONVERT_PARALLEL_H
#define ATLASPERF_CONVERT_PARALLEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "atlasperf/ap_buf.h"
#include "atlasperf/ap_err.h"
#include "atlasperf/ap_split.h"

/* Most worker threads --threads accepts. */
#define CP_MAX_THREADS 64

/* What a worker produced for one batch, written by the main thread. */
struct cp_batch_out {
	struct ap_buf out;  /* line protocol for stdout */
	struct ap_buf warn; /* stderr lines, exactly as log_msg writes them */
	uint64_t results, skipped, points;
};

/* The converter, supplied by cmd_convert.c. */
struct cp_ops {
	void *ctx; /* the main thread's converter */
	/*
	 * A converter for one worker thread, sharing nothing mutable with
	 * ctx or the other workers; NULL when out of memory. Called on the
	 * main thread before the workers start.
	 */
	void *(*worker_new)(void *ctx);
	void (*worker_free)(void *worker);
	/*
	 * On a worker thread: converts data[0..len) with a fresh splitter
	 * whose first line is line, into *o (empty on entry; its buffers'
	 * memory is the caller's and is reused). Returns true only when o
	 * is exactly what the single-threaded run writes for these bytes
	 * started between records: no error, the splitter ended idle, and
	 * o holds at most max_bytes of output and warnings. On false the
	 * batch is converted again on the main thread.
	 */
	bool (*convert)(void *worker, const char *data, size_t len,
			uint64_t line, size_t max_bytes,
			struct cp_batch_out *o);
	/* On the main thread, in input order: writes o and adds its counts
	 * (after anything ctx's own splitter produced before). */
	void (*write)(void *ctx, const struct cp_batch_out *o);
};

/* Batch size and threads; fill with cp_params_init. */
struct cp_params {
	unsigned threads;   /* worker threads, >= 2 */
	size_t batch_bytes; /* 0: derived from threads (docs/performance.md) */
};

void cp_params_init(struct cp_params *p, unsigned threads);

/* CPUs this process may run on (sched_getaffinity, else sysconf), at
 * least 1, at most CP_MAX_THREADS. */
unsigned cp_usable_cpus(void);

/*
 * Converts the rest of in. split is the caller's splitter, fresh (nothing
 * fed), whose callbacks are ops->ctx's: the batches the main thread
 * converts itself are fed to it, with its line count moved to the
 * batch's first line whenever it is idle. ap_split_finish is left to the
 * caller. Returns the status of the first failing ap_split_feed (the rest
 * of the input is then dropped, as the single-threaded loop does), else
 * AP_OK.
 *
 * *consumed is false when nothing was read (the thread pool's memory
 * could not be allocated): the caller then converts in alone. Otherwise
 * in was read to its end or to a read error (ferror(in), with errno the
 * read's errno on return).
 */
enum ap_status cp_convert(const struct cp_ops *ops,
			  const struct cp_params *p, FILE *in,
			  struct ap_split *split, bool *consumed);

#endif

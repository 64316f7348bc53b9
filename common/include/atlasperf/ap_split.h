/* SPDX-License-Identifier: MIT */
/*
 * ap_split: frames a byte stream of Atlas results into single results,
 * without ever holding more than one of them. Accepts what the results API
 * returns (a JSON array, possibly pretty-printed) and the hourly dumps /
 * format=txt (one JSON object per line), detected per input; several
 * concatenated arrays or objects work too. It only finds record boundaries
 * (braces, brackets, strings); the JSON inside a record is checked later by
 * the parser. Like hiredis' reader it does no I/O: feed it bytes.
 */
#ifndef ATLASPERF_AP_SPLIT_H
#define ATLASPERF_AP_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atlasperf/ap_buf.h"
#include "atlasperf/ap_err.h"

/* Default cap for one result: far above any real one (a traceroute with
 * 255 hops of 16 replies is < 1 MiB) and small enough to bound memory. */
#define AP_SPLIT_DEFAULT_MAX_RECORD (8u * 1024u * 1024u)

struct ap_split_cb {
	/*
	 * One complete record: a top-level object, or an element of a
	 * top-level array (which may be a non-object, for the parser to
	 * reject). data is only valid during the call and is not
	 * NUL-terminated: a record that lies wholly inside one fed chunk is
	 * handed out in place, without a copy. line is the 1-based input line
	 * the record starts on.
	 */
	enum ap_status (*record)(const char *data, size_t len, uint64_t line,
				 void *user);
	/*
	 * Input that cannot be framed as a record: a record over the size
	 * cap, a line that ends inside a record, stray bytes, input ending
	 * inside a record. why is static text plus details, valid only
	 * during the call.
	 */
	enum ap_status (*bad)(const char *why, uint64_t line, void *user);
	void *user;
	/*
	 * Optional: a complete record over the size cap (framing is intact,
	 * the record was skipped). When NULL, such a record goes to bad.
	 */
	enum ap_status (*too_large)(size_t cap, uint64_t line, void *user);
};

struct ap_split {
	struct ap_split_cb cb;
	struct ap_buf rec;     /* the record being collected */
	uint64_t line;         /* current input line, 1-based */
	uint64_t rec_line;     /* line the current record started on */
	uint64_t bytes;        /* bytes fed so far */
	int depth;             /* brace/bracket depth inside the record */
	bool in_array;         /* inside a top-level JSON array */
	bool in_record;
	bool scalar;           /* the record is a bare array element */
	bool in_string;
	bool escape;
	bool oversize;         /* record exceeded the cap; not stored */
	bool skip_line;        /* skipping stray bytes up to the newline */
};

/*
 * Prepares s. max_record caps one record in bytes (0 = the default). cb is
 * copied. Allocates nothing until fed; release with ap_split_reset.
 */
void ap_split_init(struct ap_split *s, size_t max_record,
		   const struct ap_split_cb *cb);

/* Frees the record buffer and returns s to its initial state. */
void ap_split_reset(struct ap_split *s);

/*
 * Scans len bytes, calling cb.record / cb.bad as records complete or fail.
 * Returns the first non-AP_OK status a callback returns (the scan stops
 * there), or AP_ENOMEM. Framing problems are not errors: they go to cb.bad.
 */
enum ap_status ap_split_feed(struct ap_split *s, const char *data,
			     size_t len);

/*
 * Marks the end of input: reports a record left open as truncated (through
 * cb.bad). Returns the callback's status.
 */
enum ap_status ap_split_finish(struct ap_split *s);

/*
 * True when s is in its initial state apart from its line and byte
 * counts: between records, outside any top-level array, not skipping a
 * bad line. Bytes fed from here are then framed exactly as by a fresh
 * splitter whose line is s->line, which lets `convert --threads` hand
 * batches of input to independent splitters. JSON lines are idle after
 * every newline; a JSON array is not until its ']'.
 */
bool ap_split_idle(const struct ap_split *s);

#endif

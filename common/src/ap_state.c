/* SPDX-License-Identifier: MIT */
/* ap_state: per-measurement cursor + de-duplication set, saved atomically. */
#include "atlasperf/ap_state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file_int.h"
#include "probe_ts_hash_int.h"

#define STATE_MAGIC "atlasperf-state 1"
/* A line of the state file is short; anything longer is damage. */
#define LINE_MAX_LEN 256

/* A rolled-back entry becomes a tombstone: it keeps its place in the
 * probe sequence (linear probing cannot delete in place), counts as not
 * seen, and disappears at the next rebuild. */
enum slot_kind { SLOT_EMPTY = 0, SLOT_COMMITTED, SLOT_PENDING, SLOT_TOMB };

struct slot {
	int64_t prb_id;
	int64_t ts;
	unsigned char kind;
};

struct ap_msm_state {
	int64_t msm_id;
	int64_t cursor;
	int64_t last_sweep;
	int64_t newest;
	bool finished;
	/* Open-addressing hash set, linear probing, no deletions: pruning
	 * rebuilds the table, which keeps lookups simple and exact. */
	struct slot *slots;
	size_t cap;       /* power of two, or 0 */
	size_t used;      /* committed + pending + tombstones */
	size_t committed;
};

static struct slot *find(const struct ap_msm_state *s, int64_t prb_id,
			 int64_t ts)
{
	size_t i;

	if (s->cap == 0)
		return NULL;
	i = (size_t)probe_ts_hash(prb_id, ts) & (s->cap - 1);
	for (;;) {
		struct slot *sl = &s->slots[i];

		if (sl->kind == SLOT_EMPTY)
			return sl;
		if (sl->prb_id == prb_id && sl->ts == ts)
			return sl;
		i = (i + 1) & (s->cap - 1);
	}
}

/* Rebuilds the table with room for want entries, keeping those entries
 * that are pending or not older than keep_from. */
static enum ap_status rebuild(struct ap_msm_state *s, size_t want,
			      int64_t keep_from)
{
	struct ap_msm_state n = *s;
	size_t cap = 64;

	while (cap < want * 2) {
		if (cap > SIZE_MAX / 4)
			return AP_ENOMEM;
		cap *= 2;
	}
	n.slots = calloc(cap, sizeof(*n.slots));
	if (n.slots == NULL)
		return AP_ENOMEM;
	n.cap = cap;
	n.used = 0;
	n.committed = 0;
	for (size_t i = 0; i < s->cap; i++) {
		const struct slot *old = &s->slots[i];
		struct slot *sl;

		if (old->kind == SLOT_EMPTY || old->kind == SLOT_TOMB)
			continue;
		if (old->kind == SLOT_COMMITTED && old->ts < keep_from)
			continue;
		sl = find(&n, old->prb_id, old->ts);
		*sl = *old;
		n.used++;
		if (old->kind == SLOT_COMMITTED)
			n.committed++;
	}
	free(s->slots);
	*s = n;
	return AP_OK;
}

enum ap_status ap_state_new(struct ap_msm_state **out, int64_t msm_id,
			    struct ap_err *err)
{
	struct ap_msm_state *s;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	s->msm_id = msm_id;
	*out = s;
	return AP_OK;
}

void ap_state_free(struct ap_msm_state *s)
{
	if (s == NULL)
		return;
	free(s->slots);
	free(s);
}

int64_t ap_state_msm_id(const struct ap_msm_state *s)
{
	return s->msm_id;
}

int64_t ap_state_cursor(const struct ap_msm_state *s)
{
	return s->cursor;
}

int64_t ap_state_last_sweep(const struct ap_msm_state *s)
{
	return s->last_sweep;
}

bool ap_state_finished(const struct ap_msm_state *s)
{
	return s->finished;
}

int64_t ap_state_newest(const struct ap_msm_state *s)
{
	return s->newest;
}

size_t ap_state_seen_count(const struct ap_msm_state *s)
{
	return s->committed;
}

bool ap_state_seen(const struct ap_msm_state *s, int64_t prb_id,
		   int64_t timestamp)
{
	const struct slot *sl = find(s, prb_id, timestamp);

	return sl != NULL &&
	       (sl->kind == SLOT_COMMITTED || sl->kind == SLOT_PENDING);
}

static enum ap_status insert(struct ap_msm_state *s, int64_t prb_id,
			     int64_t ts, unsigned char kind)
{
	struct slot *sl;

	/* Keep the load factor under one half. */
	if ((s->used + 1) * 2 > s->cap) {
		enum ap_status st = rebuild(s, s->used + 1, INT64_MIN);

		if (st != AP_OK)
			return st;
	}
	sl = find(s, prb_id, ts);
	if (sl->kind == SLOT_COMMITTED || sl->kind == SLOT_PENDING)
		return AP_OK;
	if (sl->kind == SLOT_EMPTY)
		s->used++;
	sl->prb_id = prb_id;
	sl->ts = ts;
	sl->kind = kind;
	if (kind == SLOT_COMMITTED)
		s->committed++;
	return AP_OK;
}

enum ap_status ap_state_mark(struct ap_msm_state *s, int64_t prb_id,
			     int64_t timestamp)
{
	return insert(s, prb_id, timestamp, SLOT_PENDING);
}

void ap_state_commit(struct ap_msm_state *s, int64_t cursor,
		     int64_t sweep_at, bool finished, int64_t prune_before)
{
	bool prune = false;

	for (size_t i = 0; i < s->cap; i++) {
		struct slot *sl = &s->slots[i];

		if (sl->kind == SLOT_PENDING) {
			sl->kind = SLOT_COMMITTED;
			s->committed++;
			if (sl->ts > s->newest)
				s->newest = sl->ts;
		}
		if (sl->kind == SLOT_COMMITTED && sl->ts < prune_before)
			prune = true;
	}
	if (cursor > s->cursor)
		s->cursor = cursor;
	if (sweep_at > 0)
		s->last_sweep = sweep_at;
	if (finished)
		s->finished = true;
	/* Pruning needs a rebuild; when memory is short the old entries
	 * simply stay, which is harmless. */
	if (prune)
		(void)rebuild(s, s->used, prune_before);
}

void ap_state_rollback(struct ap_msm_state *s)
{
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i].kind == SLOT_PENDING)
			s->slots[i].kind = SLOT_TOMB;
}

/* ---- persistence ---------------------------------------------------- */

static void state_path(char *buf, size_t n, const char *dir, int64_t msm_id,
		       const char *suffix)
{
	snprintf(buf, n, "%s/msm-%" PRId64 ".state%s", dir, msm_id, suffix);
}

static enum ap_status write_state(FILE *f, const void *user)
{
	const struct ap_msm_state *s = user;

	fprintf(f, "%s\nmsm_id %" PRId64 "\ncursor %" PRId64
		   "\nlast_sweep %" PRId64 "\nnewest %" PRId64
		   "\nfinished %d\n",
		STATE_MAGIC, s->msm_id, s->cursor, s->last_sweep, s->newest,
		s->finished ? 1 : 0);
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i].kind == SLOT_COMMITTED)
			fprintf(f, "seen %" PRId64 " %" PRId64 "\n",
				s->slots[i].prb_id, s->slots[i].ts);
	fprintf(f, "end %zu\n", s->committed);
	return AP_OK;
}

enum ap_status ap_state_save(const char *dir, const struct ap_msm_state *s,
			     struct ap_err *err)
{
	char path[4096];

	state_path(path, sizeof(path), dir, s->msm_id, "");
	return atomic_file_write(path, 0640, write_state, s, err);
}

enum ap_status ap_state_dir_prepare(const char *dir, struct ap_err *err)
{
	char eb[AP_ERRNO_TEXT]; /* errno text */
	char tmp[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(tmp))
		return ap_err_set(err, AP_EIO, "bad state directory name");
	memcpy(tmp, dir, n + 1);
	for (char *p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
			return ap_err_set(err, AP_EIO, "cannot create %s: %s",
					  tmp,
					  ap_errno_text(errno, eb, sizeof(eb)));
		*p = '/';
	}
	if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
		return ap_err_set(err, AP_EIO, "cannot create state_dir %s: %s",
				  tmp, ap_errno_text(errno, eb, sizeof(eb)));
	return AP_OK;
}

/* Reads "key <int64>" strictly. */
static bool read_kv(const char *line, const char *key, int64_t *v)
{
	size_t k = strlen(key);
	char *end;
	long long x;

	if (strncmp(line, key, k) != 0 || line[k] != ' ')
		return false;
	errno = 0;
	x = strtoll(line + k + 1, &end, 10);
	if (errno != 0 || end == line + k + 1 || (*end != '\n' && *end != 0))
		return false;
	*v = x;
	return true;
}

enum ap_status ap_state_load(const char *dir, int64_t msm_id,
			     struct ap_msm_state **out, struct ap_err *err)
{
	char eb[AP_ERRNO_TEXT]; /* errno text */
	char path[4096], line[LINE_MAX_LEN];
	struct ap_msm_state *s = NULL;
	enum ap_status st;
	FILE *f;
	unsigned long lineno = 0;
	int64_t v, fin = 0, end_count = -1;

	*out = NULL;
	state_path(path, sizeof(path), dir, msm_id, "");
	st = ap_state_new(&s, msm_id, err);
	if (st != AP_OK)
		return st;
	f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT) {
			*out = s;
			return AP_OK;
		}
		st = ap_err_set(err, AP_EIO, "cannot read %s: %s", path,
				ap_errno_text(errno, eb, sizeof(eb)));
		goto out;
	}
	st = AP_EPARSE;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f))
			goto bad;
		if (end_count >= 0)
			goto bad; /* nothing may follow "end" */
		if (lineno == 1) {
			if (strncmp(line, STATE_MAGIC, strlen(STATE_MAGIC)) != 0)
				goto bad;
		} else if (read_kv(line, "msm_id", &v)) {
			if (v != msm_id)
				goto bad;
		} else if (read_kv(line, "cursor", &s->cursor) ||
			   read_kv(line, "last_sweep", &s->last_sweep) ||
			   read_kv(line, "newest", &s->newest) ||
			   read_kv(line, "finished", &fin)) {
			s->finished = fin != 0;
		} else if (read_kv(line, "end", &end_count)) {
			if (end_count != (int64_t)s->committed)
				goto bad;
		} else if (strncmp(line, "seen ", 5) == 0) {
			long long p, t;
			char extra;

			if (sscanf(line + 5, "%lld %lld %c", &p, &t, &extra) != 2)
				goto bad;
			if (insert(s, p, t, SLOT_COMMITTED) != AP_OK) {
				st = ap_err_set(err, AP_ENOMEM,
						"out of memory");
				goto out;
			}
		} else {
			goto bad;
		}
	}
	if (ferror(f)) {
		st = ap_err_set(err, AP_EIO, "cannot read %s: %s", path,
				ap_errno_text(errno, eb, sizeof(eb)));
		goto out;
	}
	if (end_count < 0) {
		/* The writer always ends with "end": a file without it was
		 * cut short, which an atomic rename should make impossible;
		 * refuse it rather than forget what was emitted. */
		st = ap_err_set(err, AP_EPARSE, "%s: truncated state file "
				"(no end line)", path);
		goto out;
	}
	st = AP_OK;
	goto out;
bad:
	st = ap_err_set(err, AP_EPARSE, "%s:%lu: damaged state file", path,
			lineno);
out:
	if (f != NULL)
		fclose(f);
	if (st != AP_OK) {
		ap_state_free(s);
		return st;
	}
	*out = s;
	return AP_OK;
}

/* SPDX-License-Identifier: MIT */
/*
 * ap_probe: the probe metadata cache. Entries live in a dense array indexed
 * by an open-addressing hash table (linear probing, load <= 1/2); the
 * refresh fetches absent or stale ids in chunks through ap_fetch, and the
 * file is loaded strictly and saved atomically.
 */
#include "atlasperf/ap_probe.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atlasperf/ap_buf.h"
#include "atomic_file_int.h"
#include "probe_parse_int.h"

/* Longest request URL we build (500 ids of 16 digits fit easily). */
#define URL_MAX ((size_t)64 * 1024)

struct ap_probe_cache {
	char *path;              /* cache file, NULL: memory only */
	int64_t ttl_s;           /* entries are fresh this long */
	struct ap_probe_info *v; /* entries, in insertion order */
	size_t n, alloc;         /* entries in use / allocated */
	uint32_t *slot;          /* entry index + 1; 0 = empty */
	size_t nslot;            /* power of two, or 0 before first insert */
	bool dirty;              /* changed since the last load or save */
};

/* ---- hash map ------------------------------------------------------ */

/* splitmix64's finaliser: ids are dense small integers, so mix them. */
static uint64_t hash_id(int64_t id)
{
	uint64_t x = (uint64_t)id;

	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

/* Slot holding id, or the empty slot where it would go. nslot > 0. */
static size_t find_slot(const struct ap_probe_cache *c, int64_t id)
{
	size_t mask = c->nslot - 1;
	size_t i = (size_t)hash_id(id) & mask;

	while (c->slot[i] != 0 && c->v[c->slot[i] - 1].id != id)
		i = (i + 1) & mask;
	return i;
}

static enum ap_status rehash(struct ap_probe_cache *c, size_t nslot)
{
	uint32_t *s = calloc(nslot, sizeof(*s));

	if (s == NULL)
		return AP_ENOMEM;
	free(c->slot);
	c->slot = s;
	c->nslot = nslot;
	for (size_t k = 0; k < c->n; k++)
		c->slot[find_slot(c, c->v[k].id)] = (uint32_t)(k + 1);
	return AP_OK;
}

/* Inserts or replaces p (already normalised). AP_ENOMEM or AP_ERANGE (the
 * entry cap) leave c unchanged. */
static enum ap_status upsert(struct ap_probe_cache *c,
			     const struct ap_probe_info *p)
{
	size_t i;
	enum ap_status st;

	if (c->nslot > 0) {
		i = find_slot(c, p->id);
		if (c->slot[i] != 0) {
			c->v[c->slot[i] - 1] = *p;
			c->dirty = true;
			return AP_OK;
		}
	}
	if (c->n >= AP_PROBE_CACHE_MAX)
		return AP_ERANGE;
	if (c->n == c->alloc) {
		size_t na = c->alloc ? c->alloc * 2 : 64;
		struct ap_probe_info *nv;

		/* na <= 2 * AP_PROBE_CACHE_MAX: no overflow possible. */
		nv = realloc(c->v, na * sizeof(*nv));
		if (nv == NULL)
			return AP_ENOMEM;
		c->v = nv;
		c->alloc = na;
	}
	if ((c->n + 1) * 2 > c->nslot) {
		st = rehash(c, c->nslot ? c->nslot * 2 : 128);
		if (st != AP_OK)
			return st;
	}
	i = find_slot(c, p->id);
	c->v[c->n] = *p;
	c->slot[i] = (uint32_t)(c->n + 1);
	c->n++;
	c->dirty = true;
	return AP_OK;
}

static void clear(struct ap_probe_cache *c)
{
	c->n = 0;
	if (c->slot != NULL)
		memset(c->slot, 0, c->nslot * sizeof(*c->slot));
}

const struct ap_probe_info *ap_probe_cache_get(const struct ap_probe_cache *c,
					       int64_t id)
{
	size_t i;

	if (c == NULL || c->nslot == 0)
		return NULL;
	i = find_slot(c, id);
	return c->slot[i] != 0 ? &c->v[c->slot[i] - 1] : NULL;
}

size_t ap_probe_cache_count(const struct ap_probe_cache *c)
{
	return c != NULL ? c->n : 0;
}

int64_t ap_probe_asn(const struct ap_probe_info *p, int af)
{
	if (p == NULL)
		return -1;
	if (af == 4)
		return p->asn_v4;
	if (af == 6)
		return p->asn_v6;
	return -1;
}

/* ---- file ---------------------------------------------------------- */

/* Why line (not PROBE_FILE_HEADER) cannot start a cache file. */
static const char *header_problem(const char *line)
{
	static const char magic[] = "atlasperf-probes ";

	if (strncmp(line, magic, sizeof(magic) - 1) == 0)
		return "unsupported version";
	return "not a probe cache file";
}

static enum ap_status load(struct ap_probe_cache *c, struct ap_err *err)
{
	char eb[AP_ERRNO_TEXT]; /* errno text */
	char line[PROBE_LINE_MAX], why[128];
	unsigned long lineno = 0;
	enum ap_status st = AP_OK;
	FILE *fp;

	fp = fopen(c->path, "r");
	if (fp == NULL) {
		if (errno == ENOENT)
			return AP_OK;
		return ap_err_set(err, AP_EIO, "%s: cannot open: %s", c->path,
				  ap_errno_text(errno, eb, sizeof(eb)));
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		size_t k = strlen(line);
		struct ap_probe_info p;

		lineno++;
		if (k == 0 || line[k - 1] != '\n') {
			st = ap_err_set(err, AP_EPARSE, "%s:%lu: %s", c->path,
					lineno,
					feof(fp) ? "truncated line (no newline)"
						 : "line too long or contains "
						   "a NUL byte");
			goto out;
		}
		line[k - 1] = '\0';
		if (lineno == 1) {
			if (strcmp(line, PROBE_FILE_HEADER) != 0) {
				st = ap_err_set(err, AP_EPARSE, "%s:1: %s",
						c->path, header_problem(line));
				goto out;
			}
			continue;
		}
		if (line[0] == '#')
			continue;
		if (!probe_line_parse(line, &p, why, sizeof(why))) {
			st = ap_err_set(err, AP_EPARSE, "%s:%lu: %s", c->path,
					lineno, why);
			goto out;
		}
		if (ap_probe_cache_get(c, p.id) != NULL) {
			st = ap_err_set(err, AP_EPARSE,
					"%s:%lu: probe %lld listed twice",
					c->path, lineno, (long long)p.id);
			goto out;
		}
		st = upsert(c, &p);
		if (st == AP_ERANGE) {
			st = ap_err_set(err, AP_ERANGE,
					"%s:%lu: more than %zu probes", c->path,
					lineno, AP_PROBE_CACHE_MAX);
			goto out;
		} else if (st != AP_OK) {
			st = ap_err_set(err, st, "%s: %s", c->path,
					ap_strerror(st));
			goto out;
		}
	}
	if (ferror(fp)) {
		st = ap_err_set(err, AP_EIO, "%s: cannot read: %s", c->path,
				ap_errno_text(errno, eb, sizeof(eb)));
		goto out;
	}
	if (lineno == 0)
		st = ap_err_set(err, AP_EPARSE, "%s:1: empty file (no header)",
				c->path);
out:
	fclose(fp);
	if (st != AP_OK)
		clear(c);
	c->dirty = false;
	return st;
}

void ap_probe_cache_free(struct ap_probe_cache *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->v);
	free(c->slot);
	free(c);
}

enum ap_status ap_probe_cache_new(struct ap_probe_cache **out,
				  const char *path, int64_t ttl_s,
				  struct ap_err *err)
{
	struct ap_probe_cache *c;
	enum ap_status st;

	*out = NULL;
	if (ttl_s < 0)
		return ap_err_set(err, AP_EINVAL,
				  "probe cache: negative TTL %lld",
				  (long long)ttl_s);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	c->ttl_s = ttl_s;
	if (path != NULL) {
		c->path = strdup(path);
		if (c->path == NULL) {
			free(c);
			return ap_err_set(err, AP_ENOMEM, "out of memory");
		}
	}
	st = c->path != NULL ? load(c, err) : AP_OK;
	if (st == AP_ENOMEM) {
		ap_probe_cache_free(c);
		return st;
	}
	/* A bad file leaves a usable empty cache behind (see header). */
	*out = c;
	return st;
}

static int cmp_entry(const void *a, const void *b)
{
	int64_t x = (*(const struct ap_probe_info *const *)a)->id;
	int64_t y = (*(const struct ap_probe_info *const *)b)->id;

	return (x > y) - (x < y);
}

struct probe_file {
	const struct ap_probe_info **order; /* entries sorted by id */
	size_t n;
};

static enum ap_status write_probes(FILE *fp, const void *user)
{
	const struct probe_file *pf = user;
	char line[PROBE_LINE_MAX];

	fputs(PROBE_FILE_HEADER "\n", fp);
	for (size_t i = 0; i < pf->n; i++) {
		size_t k = probe_line_format(pf->order[i], line, sizeof(line));

		if (k == 0) /* cannot happen: a line is < 100 bytes */
			return AP_ERANGE;
		if (fwrite(line, 1, k, fp) != k)
			break; /* ferror() is checked by the caller */
	}
	return AP_OK;
}

enum ap_status ap_probe_cache_save(struct ap_probe_cache *c,
				   struct ap_err *err)
{
	struct probe_file pf;
	enum ap_status st;

	if (c == NULL)
		return ap_err_set(err, AP_EINVAL, "probe cache: no cache");
	if (c->path == NULL)
		return AP_OK;
	pf.n = c->n;
	pf.order = malloc((c->n ? c->n : 1) * sizeof(*pf.order));
	if (pf.order == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	/* Sorted by id: a stable file that diffs well. */
	for (size_t i = 0; i < c->n; i++)
		pf.order[i] = &c->v[i];
	qsort(pf.order, c->n, sizeof(*pf.order), cmp_entry);
	st = atomic_file_write(c->path, 0640, write_probes, &pf, err);
	if (st == AP_ERANGE)
		st = ap_err_set(err, AP_EIO, "%s: a probe does not fit a line",
				c->path);
	free(pf.order);
	if (st == AP_OK)
		c->dirty = false;
	return st;
}

/* ---- TTL ----------------------------------------------------------- */

static bool fresh(const struct ap_probe_cache *c,
		  const struct ap_probe_info *p, int64_t now)
{
	/* fetched_at >= 0 always, so now - fetched_at cannot overflow. */
	return p->fetched_at <= now && now - p->fetched_at < c->ttl_s;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

size_t ap_probe_cache_missing(const struct ap_probe_cache *c,
			      const int64_t *ids, size_t n, int64_t now,
			      int64_t *out)
{
	size_t k = 0, u = 0;

	for (size_t i = 0; i < n; i++) {
		const struct ap_probe_info *p;

		if (ids[i] < 1 || ids[i] > AP_PROBE_ID_MAX)
			continue;
		p = ap_probe_cache_get(c, ids[i]);
		if (p == NULL || !fresh(c, p, now))
			out[k++] = ids[i];
	}
	if (k == 0)
		return 0;
	qsort(out, k, sizeof(*out), cmp_id);
	for (size_t i = 1; i < k; i++)
		if (out[i] != out[u])
			out[++u] = out[i];
	return u + 1;
}

/* ---- refresh ------------------------------------------------------- */

struct refresh {
	struct ap_probe_cache *c;
	struct ap_fetch *f;
	const char *base;     /* base URL ... */
	size_t base_len;      /* ... without trailing slashes */
	int64_t now;
	const int64_t *want;  /* ids to request, ascending */
	bool *got;            /* want[i] came back */
	size_t nwant;
	struct ap_buf body;   /* one page */
	bool over_cap;        /* body hit AP_PROBE_PAGE_MAX */
	enum ap_status st;    /* first failure inside on_probe (sticky) */
	struct ap_err *err;
	unsigned requests;
	struct ap_fetch_info info;
};

static enum ap_status collect(const char *data, size_t len, void *user)
{
	struct refresh *r = user;
	enum ap_status st = ap_buf_add(&r->body, data, len);

	if (st == AP_ERANGE)
		r->over_cap = true;
	return st;
}

static void on_probe(const struct ap_probe_info *p, void *user)
{
	struct refresh *r = user;
	struct ap_probe_info q = *p;
	const int64_t *hit;
	enum ap_status st;

	if (r->st != AP_OK)
		return;
	q.known = true;
	q.fetched_at = r->now;
	probe_normalize(&q);
	st = upsert(r->c, &q);
	if (st == AP_ERANGE) {
		r->st = ap_err_set(r->err, AP_ERANGE,
				   "probe cache: more than %zu probes",
				   AP_PROBE_CACHE_MAX);
		return;
	}
	if (st != AP_OK) {
		r->st = ap_err_set(r->err, st, "%s", ap_strerror(st));
		return;
	}
	hit = bsearch(&q.id, r->want, r->nwant, sizeof(*r->want), cmp_id);
	if (hit != NULL)
		r->got[hit - r->want] = true;
}

/* True when url lies under the base URL: same prefix, then a '/' or '?'
 * (so ".../api/v2" does not admit ".../api/v2evil" or another port), no
 * dot segments in the path (curl would resolve them to outside the base),
 * and nothing that is not printable ASCII. */
static bool under_base(const struct refresh *r, const char *url)
{
	size_t qs;
	const char *path;

	if (strncmp(url, r->base, r->base_len) != 0)
		return false;
	path = url + r->base_len;
	if (path[0] != '/' && path[0] != '?')
		return false;
	for (const char *p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '\\' || *p == '#')
			return false;
	qs = strcspn(path, "?");
	for (size_t i = 0; i < qs; i++) {
		size_t k;

		if (path[i] != '/')
			continue;
		k = strcspn(path + i + 1, "/?");
		if ((k == 1 && path[i + 1] == '.') ||
		    (k == 2 && path[i + 1] == '.' && path[i + 2] == '.'))
			return false;
	}
	return true;
}

/* Fetches every page of one chunk, starting at url (consumed). */
static enum ap_status fetch_chunk(struct refresh *r, char *url)
{
	enum ap_status st = AP_OK;
	char *next = NULL;

	for (unsigned pages = 0;; pages++) {
		if (pages == AP_PROBE_MAX_PAGES) {
			st = ap_err_set(r->err, AP_ERANGE,
					"probes: more than %d pages for one "
					"request (a looping next link?)",
					AP_PROBE_MAX_PAGES);
			goto out;
		}
		ap_buf_clear(&r->body);
		r->over_cap = false;
		r->requests++;
		st = ap_fetch_get(r->f, url, collect, r, &r->info, r->err);
		if (st == AP_ERANGE && r->over_cap)
			st = ap_err_set(r->err, AP_ERANGE,
					"probes: a page is larger than %zu "
					"bytes",
					AP_PROBE_PAGE_MAX);
		if (st != AP_OK)
			goto out;
		st = ap_probe_parse_page(r->body.data ? r->body.data : "",
					 r->body.len, on_probe, r, &next,
					 r->err);
		if (st == AP_OK)
			st = r->st;
		if (st != AP_OK || next == NULL)
			goto out;
		if (!under_base(r, next)) {
			st = ap_err_set(r->err, AP_EPARSE,
					"probes: refusing to follow a next "
					"link outside %.*s",
					(int)(r->base_len < 160 ? r->base_len
								: 160),
					r->base);
			goto out;
		}
		if (strcmp(next, url) == 0) {
			st = ap_err_set(r->err, AP_EPARSE,
					"probes: the next link points back to "
					"the same page");
			goto out;
		}
		free(url);
		url = next;
		next = NULL;
	}
out:
	free(next);
	free(url);
	return st;
}

/* The first URL of the chunk ids[0..k). */
static enum ap_status chunk_url(const struct refresh *r, const int64_t *ids,
				size_t k, char **out)
{
	struct ap_buf b;
	enum ap_status st;

	*out = NULL;
	ap_buf_init(&b, URL_MAX);
	st = ap_buf_printf(&b, "%.*s/probes/?id__in=", (int)r->base_len,
			   r->base);
	for (size_t i = 0; st == AP_OK && i < k; i++)
		st = ap_buf_printf(&b, i ? ",%lld" : "%lld",
				   (long long)ids[i]);
	if (st == AP_OK)
		st = ap_buf_printf(&b, "&page_size=%d", AP_PROBE_CHUNK);
	if (st != AP_OK) {
		ap_buf_reset(&b);
		return st;
	}
	*out = b.data; /* taken over from the buffer */
	return AP_OK;
}

enum ap_status ap_probe_cache_refresh(struct ap_probe_cache *c,
				      struct ap_fetch *f,
				      const char *base_url,
				      const int64_t *ids, size_t n,
				      int64_t now, unsigned *requests,
				      struct ap_fetch_info *info,
				      struct ap_err *err)
{
	struct refresh r;
	int64_t *want = NULL;
	enum ap_status st = AP_OK;

	memset(&r, 0, sizeof(r));
	r.info.retry_after_s = -1;
	ap_buf_init(&r.body, AP_PROBE_PAGE_MAX);
	if (c == NULL || f == NULL || base_url == NULL ||
	    (ids == NULL && n > 0)) {
		st = ap_err_set(err, AP_EINVAL, "probe refresh: missing "
						"argument");
		goto out;
	}
	if (now < 0 || now > PROBE_TIME_MAX) {
		st = ap_err_set(err, AP_EINVAL,
				"probe refresh: time %lld out of range",
				(long long)now);
		goto out;
	}
	r.c = c;
	r.f = f;
	r.base = base_url;
	r.base_len = strlen(base_url);
	while (r.base_len > 0 && base_url[r.base_len - 1] == '/')
		r.base_len--;
	if (r.base_len == 0 || r.base_len > URL_MAX) {
		st = ap_err_set(err, AP_EINVAL,
				"probe refresh: empty or overlong base URL");
		goto out;
	}
	r.now = now;
	r.st = AP_OK;
	r.err = err;
	if (n > 0) {
		if (n > SIZE_MAX / sizeof(*want)) {
			st = ap_err_set(err, AP_ENOMEM, "out of memory");
			goto out;
		}
		want = malloc(n * sizeof(*want));
		if (want == NULL) {
			st = ap_err_set(err, AP_ENOMEM, "out of memory");
			goto out;
		}
		r.nwant = ap_probe_cache_missing(c, ids, n, now, want);
	}
	r.want = want;
	if (r.nwant > 0) {
		r.got = calloc(r.nwant, sizeof(*r.got));
		if (r.got == NULL) {
			st = ap_err_set(err, AP_ENOMEM, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < r.nwant; i += AP_PROBE_CHUNK) {
		size_t k = r.nwant - i < AP_PROBE_CHUNK ? r.nwant - i
							: AP_PROBE_CHUNK;
		char *url;

		st = chunk_url(&r, want + i, k, &url);
		if (st != AP_OK) {
			st = ap_err_set(err, st, "probe refresh: URL: %s",
					ap_strerror(st));
			goto out;
		}
		st = fetch_chunk(&r, url);
		if (st != AP_OK)
			goto out;
	}
	/* Every chunk answered: what did not come back does not exist (or
	 * is not visible to us). */
	for (size_t i = 0; i < r.nwant; i++) {
		struct ap_probe_info q;

		if (r.got[i])
			continue;
		memset(&q, 0, sizeof(q));
		q.id = want[i];
		q.known = false;
		q.fetched_at = now;
		probe_normalize(&q);
		st = upsert(c, &q);
		if (st != AP_OK) {
			st = st == AP_ERANGE
				     ? ap_err_set(err, AP_ERANGE,
						  "probe cache: more than %zu "
						  "probes",
						  AP_PROBE_CACHE_MAX)
				     : ap_err_set(err, st, "%s",
						  ap_strerror(st));
			goto out;
		}
	}
	if (c->dirty)
		st = ap_probe_cache_save(c, err);
out:
	if (requests != NULL)
		*requests = r.requests;
	if (info != NULL)
		*info = r.info;
	ap_buf_reset(&r.body);
	free(r.got);
	free(want);
	return st;
}

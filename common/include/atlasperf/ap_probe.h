/* SPDX-License-Identifier: MIT */
/*
 * ap_probe: a cache of RIPE Atlas probe metadata (ASN per address family,
 * country, coordinates, anchor flag) with a TTL, kept in memory as a hash
 * map keyed by probe id and saved atomically to a small versioned text file.
 * Time is never read from the system clock: callers pass `now`.
 */
#ifndef ATLASPERF_AP_PROBE_H
#define ATLASPERF_AP_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atlasperf/ap_err.h"
#include "atlasperf/ap_fetch.h"

/* Largest probe id accepted anywhere (2^53 - 1): JSON parsers disagree
 * above it, and json-c silently clamps huge integers, so a bigger id can
 * only be garbage. Real ids are 7 digits. */
#define AP_PROBE_ID_MAX INT64_C(9007199254740991)

/* Ids per request (the API's maximum page_size, as cousteau chunks). */
#define AP_PROBE_CHUNK 500

/* Pages followed for one chunk of ids before giving up (a looping `next`
 * link); a legitimate chunk needs at most AP_PROBE_CHUNK pages. */
#define AP_PROBE_MAX_PAGES 1000

/* Body cap for one page of the probes list, in bytes. */
#define AP_PROBE_PAGE_MAX ((size_t)16 * 1024 * 1024)

/* Most entries one cache holds (Atlas has ~40k probes; this is a safety
 * cap against a hostile file or server, not a tuning knob). */
#define AP_PROBE_CACHE_MAX ((size_t)1 << 20)

/* What the cache knows about one probe. */
struct ap_probe_info {
	int64_t id;        /* probe id, 1..AP_PROBE_ID_MAX */
	int64_t asn_v4;    /* 1..4294967295; -1 unknown (null, 0, invalid) */
	int64_t asn_v6;    /* as asn_v4 */
	char cc[4];        /* ISO 3166 alpha-2, upper case; "" unknown */
	double lat, lon;   /* degrees, NaN unknown (both or neither) */
	bool anchor;       /* is_anchor */
	bool known;        /* false: the API did not return this probe (a
			    * negative cache entry; the other fields are
			    * then all unknown) */
	int64_t fetched_at; /* Unix seconds of the refresh that wrote it */
};

struct ap_probe_cache;

/*
 * Creates a cache whose entries are fresh for ttl_s seconds after their
 * fetched_at (ttl_s >= 0; 0 means always stale). path is the cache file
 * (e.g. STATE_DIR/probes.cache; copied) or NULL for memory only; it is
 * loaded when it exists. A missing file is not an error.
 *
 * Returns AP_OK with *out set; or, when the file exists but cannot be
 * used, AP_EPARSE (corrupt: err names the file and line) or AP_EIO
 * (unreadable) or AP_ERANGE (more than AP_PROBE_CACHE_MAX entries) — in
 * those three cases *out is STILL a usable, empty cache (the caller logs
 * err and carries on; the next save replaces the bad file). AP_EINVAL
 * (ttl_s < 0) and AP_ENOMEM leave *out NULL. Whatever *out holds is the
 * caller's, freed with ap_probe_cache_free.
 */
enum ap_status ap_probe_cache_new(struct ap_probe_cache **out,
				  const char *path, int64_t ttl_s,
				  struct ap_err *err);

/* Frees c and every entry; NULL is fine. Does not save. */
void ap_probe_cache_free(struct ap_probe_cache *c);

/* Number of entries, negative ones included. */
size_t ap_probe_cache_count(const struct ap_probe_cache *c);

/*
 * Entry for id, or NULL when absent. Expired entries are still returned
 * (stale data is better than none); use ap_probe_cache_missing to learn
 * what to refresh. The pointer is borrowed from c and valid until the next
 * call that modifies c (refresh, free).
 */
const struct ap_probe_info *ap_probe_cache_get(const struct ap_probe_cache *c,
					       int64_t id);

/*
 * Writes to out those of ids[0..n) that are absent from c or stale at now
 * (now - fetched_at >= ttl_s, or fetched_at later than now: a clock that
 * went back), sorted ascending and each once; returns how many (<= n).
 * Ids outside 1..AP_PROBE_ID_MAX are never "missing" (they cannot be
 * requested). out is caller-owned with room for n ids (it may be NULL
 * only when n is 0).
 */
size_t ap_probe_cache_missing(const struct ap_probe_cache *c,
			      const int64_t *ids, size_t n, int64_t now,
			      int64_t *out);

/*
 * Fetches metadata for those of ids[0..n) that ap_probe_cache_missing
 * reports at now: GETs `{base_url}/probes/?id__in=<up to AP_PROBE_CHUNK
 * ids>&page_size=500` through f (one chunk after the other, ids ascending),
 * follows each page's `next` link (only when it lies under base_url, at
 * most AP_PROBE_MAX_PAGES per chunk), and upserts every returned probe
 * with fetched_at = now. Once every chunk has arrived, requested ids the
 * API did not return become known=false entries, replacing any older data
 * (deleted or private probes are not asked for again until their TTL runs
 * out), and the cache
 * file (if any) is saved atomically. base_url is e.g.
 * "https://atlas.ripe.net/api/v2" (a trailing '/' is fine).
 *
 * Errors: AP_EHTTP (transport, timeout, non-2xx status), AP_EPARSE
 * (malformed page, a `next` link off-site or pointing back to the same
 * page), AP_ERANGE (a page over AP_PROBE_PAGE_MAX, more than
 * AP_PROBE_MAX_PAGES pages for one chunk, more than AP_PROBE_CACHE_MAX
 * entries), AP_EIO (saving), AP_ENOMEM, AP_EINVAL (NULL c/f/base_url, ids
 * NULL with n > 0, now outside 0..9999-12-31). On a fetch or parse
 * failure the probes already upserted stay in memory, no id is marked
 * known=false and nothing is saved; the next successful refresh saves
 * them. On AP_EIO from saving, memory is fully
 * updated. *requests (optional) is set to the number of HTTP requests
 * made; *info (optional) receives the ap_fetch_info of the last one
 * (status 0 when none was made). All inputs are borrowed.
 */
enum ap_status ap_probe_cache_refresh(struct ap_probe_cache *c,
				      struct ap_fetch *f,
				      const char *base_url,
				      const int64_t *ids, size_t n,
				      int64_t now, unsigned *requests,
				      struct ap_fetch_info *info,
				      struct ap_err *err);

/*
 * Writes the cache file now (ap_probe_cache_refresh already does after a
 * successful refresh): a temp file in the same directory, fflush+fsync,
 * rename over the file, fsync of the directory. AP_OK without doing
 * anything for a memory-only cache; AP_EIO (err names the file) or
 * AP_ENOMEM otherwise. The file format is one header line
 * "atlasperf-probes 1", then per probe, sorted by id:
 * "id asn_v4 asn_v6 cc lat_e6 lon_e6 anchor known fetched_at", with
 * coordinates as integer micro-degrees and "-" for unknowns.
 */
enum ap_status ap_probe_cache_save(struct ap_probe_cache *c,
				   struct ap_err *err);

/*
 * Parses one page of the probes list ({"count","next","previous",
 * "results":[...]}) of len bytes (need not be NUL-terminated) and calls
 * add(p, user) for each probe in order; p is borrowed for the duration of
 * the call, with known=true and fetched_at=0. A probe entry that is not an
 * object or has no valid integer id (1..AP_PROBE_ID_MAX) is skipped (data,
 * not an error); invalid fields in a probe become unknown. Geometry is
 * GeoJSON: coordinates [lon, lat]. *next receives the absolute URL of the
 * next page (malloc'd, the caller frees it) or NULL when there is none; it
 * is NULL on every error. Returns AP_EPARSE (not JSON, nesting too deep,
 * not an object, "results" missing or not a list, "next" neither a string
 * nor null), AP_ERANGE (len > INT_MAX) or AP_ENOMEM; on error add has not
 * been called.
 */
enum ap_status ap_probe_parse_page(const char *json, size_t len,
				   void (*add)(const struct ap_probe_info *p,
					       void *user),
				   void *user, char **next,
				   struct ap_err *err);

/* The probe's ASN for address family af (4 or 6); -1 when unknown, when p
 * is NULL or af is anything else. */
int64_t ap_probe_asn(const struct ap_probe_info *p, int af);

#endif

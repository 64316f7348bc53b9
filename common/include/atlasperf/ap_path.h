/* SPDX-License-Identifier: MIT */
/*
 * ap_path: path analysis of traceroutes (ANALYSIS.md 2.1, 2.3, 6.2). An
 * address-prefix table built from the configured links (and IXP peering-LAN
 * prefixes, e.g. a PeeringDB ixpfx export) tells which link a traceroute
 * left by and which IXP it crossed; the fibre bound turns a minimum RTT into
 * a path-inflation ratio. docs/path-analysis.md describes the rules.
 */
#ifndef ATLASPERF_AP_PATH_H
#define ATLASPERF_AP_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atlasperf/ap_config.h"
#include "atlasperf/ap_convert.h"
#include "atlasperf/ap_err.h"
#include "atlasperf/ap_result.h"

/* Exit "link" values that are not link names (ANALYSIS.md 6.2). No link
 * may be called either: ap_path_table_new() rejects them. */
#define AP_PATH_UNKNOWN "unknown"
#define AP_PATH_AMBIGUOUS "ambiguous"

/* Hard caps: a PeeringDB ixpfx export is ~2,000 prefixes and < 1 MB. */
#define AP_PATH_IXPFX_MAX_BYTES (32u * 1024u * 1024u) /* file size */
#define AP_PATH_MAX_PREFIXES ((size_t)1 << 20) /* per table, all kinds */
#define AP_PATH_NAME_MAX 255 /* bytes of one IXP name */

/* Path inflation (ANALYSIS.md 2.3). */
#define AP_PATH_EARTH_RADIUS_KM 6371.0 /* haversine sphere */
#define AP_PATH_C_KM_S 299792.458      /* speed of light in vacuum */
/* Flag when inflation > RATIO and min RTT - fibre bound > EXCESS_MS. */
#define AP_PATH_INFLATION_FLAG_RATIO 3.0
#define AP_PATH_INFLATION_FLAG_EXCESS_MS 10.0
/* Below this distance (Atlas blurs probe positions by up to ~400 m) the
 * fibre bound is too small for a ratio to mean anything. */
#define AP_PATH_MIN_DISTANCE_KM 1.0

/* Opaque: link prefixes and IXP prefixes, per address family. */
struct ap_path_table;

/*
 * Builds a table from cfg->links[].prefixes (their names are copied) and,
 * when cfg->ixp_prefixes_file is set, the IXP prefixes of that PeeringDB
 * file (see ap_path_load_peeringdb_ixpfx()). cfg may be NULL: an empty
 * table. cfg is borrowed for the call only; the table keeps no pointer
 * into it. *out is NULL on entry and on failure; on success the caller
 * frees *out with ap_path_table_free(). Errors: AP_EINVAL (a link named
 * "unknown" or "ambiguous"), AP_ERANGE (more than AP_PATH_MAX_PREFIXES),
 * those of ap_path_load_peeringdb_ixpfx(), AP_ENOMEM.
 */
enum ap_status ap_path_table_new(struct ap_path_table **out,
				 const struct ap_config *cfg,
				 struct ap_err *err);

/* Frees t and everything it owns. NULL is a no-op. */
void ap_path_table_free(struct ap_path_table *t);

/*
 * Adds one IXP peering-LAN prefix ("ADDRESS/LEN", host bits zero, as
 * ap_config_parse_prefix() reads it) named ixp_name (non-empty, at most
 * AP_PATH_NAME_MAX bytes; copied). A prefix already in the IXP set keeps
 * its first name. Each call re-sorts the set (O(n log n)): for thousands
 * of prefixes use ap_path_load_peeringdb_ixpfx(), which sorts once.
 * Errors (t unchanged): AP_EPARSE (prefix text), AP_EINVAL (name empty,
 * too long or NULL), AP_ERANGE (AP_PATH_MAX_PREFIXES), AP_ENOMEM.
 */
enum ap_status ap_path_table_add_ixp(struct ap_path_table *t,
				     const char *prefix, const char *ixp_name,
				     struct ap_err *err);

/*
 * Loads IXP prefixes from a PeeringDB API ixpfx export at path:
 *   {"meta":{...}, "data":[{"id":54, "ixlan_id":31, "protocol":"IPv4",
 *     "prefix":"80.81.192.0/22", "in_dfz":false, "status":"ok", ...}]}
 * Each element needs "prefix" (a string, host bits zero) and either a
 * non-empty string "name" (used as the IXP name) or an integer "ixlan_id"
 * >= 1 (name "ixlan-<ixlan_id>"). When present, "protocol" must be "IPv4"
 * or "IPv6" and agree with the prefix, "id" must be an integer, "in_dfz"
 * a boolean and "status" a string (a null string counts as absent);
 * elements whose status is "deleted"
 * (incremental ?since= exports) are skipped; other keys are ignored.
 * The whole file is checked before anything is added: on any error t is
 * unchanged. Messages name the file and the element:
 *   "ixpfx.json: data[3]: key 'prefix': expected a string"
 * Errors: AP_EIO (cannot open/read), AP_ERANGE (file over
 * AP_PATH_IXPFX_MAX_BYTES, or too many prefixes), AP_EPARSE (not JSON,
 * wrong shape, a bad element), AP_ENOMEM. path is borrowed.
 */
enum ap_status ap_path_load_peeringdb_ixpfx(struct ap_path_table *t,
					    const char *path,
					    struct ap_err *err);

/* Link prefixes and IXP prefixes in t (after de-duplication). */
size_t ap_path_table_link_prefixes(const struct ap_path_table *t);
size_t ap_path_table_ixp_prefixes(const struct ap_path_table *t);

/*
 * Longest-prefix match of a textual IPv4 or IPv6 address (inet_pton
 * syntax) against the link prefixes / the IXP prefixes. Returns the link
 * or IXP name, borrowed from t (valid until t is freed or an IXP prefix is
 * added), or NULL when nothing matches or addr is NULL or not an address.
 * Cost: one binary search per distinct prefix length present in the set
 * (at most 33 for IPv4, 129 for IPv6), whatever the number of prefixes.
 */
const char *ap_path_lookup_link(const struct ap_path_table *t,
				const char *addr);
const char *ap_path_lookup_ixp(const struct ap_path_table *t,
			       const char *addr);

enum ap_path_exit_kind {
	AP_PATH_EXIT_UNKNOWN = 0, /* no hop matched a link prefix */
	AP_PATH_EXIT_LINK,        /* one link at the deciding hop */
	AP_PATH_EXIT_AMBIGUOUS    /* that hop matched different links */
};

/* Where a traceroute left the network, and the IXP it crossed. */
struct ap_path_exit {
	enum ap_path_exit_kind kind;
	/* The link name (borrowed from the table), or the static texts
	 * AP_PATH_AMBIGUOUS / AP_PATH_UNKNOWN. Never NULL. */
	const char *link;
	int64_t hop;     /* hop number that decided; -1 when unknown */
	const char *ixp; /* IXP of the first IXP-LAN address, or NULL */
	int64_t ixp_hop; /* its hop number; -1 when no IXP */
};

/*
 * Classifies traceroute tr (ANALYSIS.md 6.2). Hops are taken in order of
 * their hop number, lowest first (entries without a number count as their
 * 1-based position; entries sharing a number form one hop). For each hop
 * the replies' `from` addresses (late replies ignored, timeouts have
 * none) are matched against the link prefixes, longest prefix first. The
 * first hop with any match decides: one link -> that link and hop; two
 * or more different links -> AP_PATH_AMBIGUOUS. No match at any hop ->
 * AP_PATH_UNKNOWN. Independently, ixp/ixp_hop name the IXP prefix matched
 * by the first address (hop order, then reply order) that falls in one;
 * it may lie beyond the exit hop (an upstream's own peering).
 * *out is always filled (unknown, no IXP on error). t and tr are
 * borrowed; out's strings are borrowed from t (or static). Errors:
 * AP_ENOMEM (only for hops out of order, which need a sorted index).
 */
enum ap_status ap_path_exit_link(const struct ap_path_table *t,
				 const struct ap_traceroute *tr,
				 struct ap_path_exit *out);

/*
 * For a traceroute result r: classifies it with ap_path_exit_link() and
 * sets opts->link to the exit's link (only when t holds link prefixes,
 * so configs without any keep their output) and opts->ixp to the IXP
 * (when one was crossed). Other result types: opts untouched, *exit (when
 * not NULL) set to unknown. opts keeps pointers into t: t must outlive
 * the conversion. Errors: those of ap_path_exit_link() (opts untouched).
 */
enum ap_status ap_path_apply(const struct ap_path_table *t,
			     const struct ap_result *r,
			     struct ap_convert_opts *opts,
			     struct ap_path_exit *exit);

/*
 * Great-circle distance in km between two points given in degrees
 * (haversine, R = AP_PATH_EARTH_RADIUS_KM). NaN when any input is NaN,
 * infinite or out of range (|lat| > 90, |lon| > 180).
 */
double ap_path_distance_km(double lat1, double lon1, double lat2,
			   double lon2);

/*
 * Speed-of-light bound in fibre, in ms: the RTT of 2d at 2c/3, i.e.
 * 3d/c (about d/100 with d in km). NaN for the inputs
 * ap_path_distance_km() rejects.
 */
double ap_path_fibre_rtt_ms(double lat1, double lon1, double lat2,
			    double lon2);

/*
 * Path inflation of a measured minimum RTT between probe and target:
 * *inflation = min_rtt_ms / fibre bound, *flagged = inflation >
 * AP_PATH_INFLATION_FLAG_RATIO and min_rtt_ms - bound >
 * AP_PATH_INFLATION_FLAG_EXCESS_MS. Use the minimum RTT (propagation),
 * never a mean or median. Out-params are NaN / false unless AP_OK.
 * Errors: AP_EINVAL (min_rtt_ms not finite and > 0, or a coordinate
 * unknown or out of range), AP_ERANGE (probe and target closer than
 * AP_PATH_MIN_DISTANCE_KM: no meaningful ratio).
 */
enum ap_status ap_path_inflation(double min_rtt_ms, double probe_lat,
				 double probe_lon, double target_lat,
				 double target_lon, double *inflation,
				 bool *flagged);

#endif

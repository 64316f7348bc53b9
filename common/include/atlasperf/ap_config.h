/* SPDX-License-Identifier: MIT */
/*
 * ap_config: the one YAML configuration file shared by both front-ends.
 * Loads it (libyaml) into struct ap_config, fills in defaults, validates
 * it, and answers the few questions both front-ends ask of it (shard
 * ownership, link lookup). docs/configuration.md documents every key.
 */
#ifndef ATLASPERF_AP_CONFIG_H
#define ATLASPERF_AP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atlasperf/ap_err.h"

/* Hard caps of the loader; bigger or deeper input is rejected. */
#define AP_CONFIG_MAX_BYTES (4u * 1024u * 1024u) /* file size, bytes */
#define AP_CONFIG_MAX_DEPTH 64                   /* YAML nesting levels */
#define AP_CONFIG_MAX_NODES 500000               /* YAML nodes in total */
#define AP_CONFIG_MAX_SHARDS 1024                /* largest n in "i/n" */

/* log_level: how chatty the front-end is; AP_CONFIG_LOG_DEBUG is most. */
enum ap_config_log_level {
	AP_CONFIG_LOG_ERROR = 0,
	AP_CONFIG_LOG_WARN,
	AP_CONFIG_LOG_INFO,
	AP_CONFIG_LOG_DEBUG
};

/* One entry of measurements[].group_by: an extra aggregation dimension. */
enum ap_config_group {
	AP_CONFIG_GROUP_PROBE_ASN = 0, /* "probe_asn" */
	AP_CONFIG_GROUP_PROBE_CC,      /* "probe_cc" */
	AP_CONFIG_GROUP_LINK           /* "link": egress link, see links[] */
};
#define AP_CONFIG_GROUP_MAX 3 /* group_by never holds more entries */

/* links[].kind */
enum ap_config_link_kind {
	AP_CONFIG_LINK_TRANSIT = 0, /* "transit" */
	AP_CONFIG_LINK_PEERING,     /* "peering" (IXP) */
	AP_CONFIG_LINK_PNI          /* "pni" (private interconnect) */
};

/* The atlas: section: how to reach the RIPE Atlas API. */
struct ap_config_atlas {
	char *base_url; /* no trailing '/'; "https://atlas.ripe.net/api/v2" */
	char *api_key_file; /* NULL = no key (public measurements only) */
	int64_t timeout_s;  /* whole-request timeout, seconds; 30 */
	char *ca_file;      /* NULL = system CA store */
	uint64_t max_response_bytes; /* cap on one response body; 256 MiB */
	char *user_agent;            /* "atlasperf/VERSION" */
};

/*
 * Most user tags one measurement may have. The point with the most
 * built-in tags, atlas_traceroute_hop, carries 12 (msm_id, prb_id, af,
 * dst_name, dst_addr, probe_asn, probe_cc, proto, link, ixp, hop,
 * hop_addr) and a point holds AP_METRIC_MAX_TAGS (24): with at most 12
 * more, every point of the measurement fits.
 */
#define AP_CONFIG_MAX_MSM_TAGS 12

/* One user tag added to every metric of a measurement. */
struct ap_config_tag {
	char *key;   /* non-empty, not a base tag, no leading '_' */
	char *value; /* non-empty, no line break */
};

/* One entry of measurements: a RIPE Atlas measurement to follow. */
struct ap_config_msm {
	int64_t id;                 /* Atlas msm_id, > 0 */
	struct ap_config_tag *tags; /* n_tags user tags, in file order */
	size_t n_tags;
	enum ap_config_group group_by[AP_CONFIG_GROUP_MAX]; /* file order */
	size_t n_group_by;
	bool has_target;   /* target: given; then target_lat/lon are set */
	double target_lat; /* degrees, -90..90 */
	double target_lon; /* degrees, -180..180 */
	bool hop_points;   /* emit per-hop points for traceroutes; false */
	bool enabled;      /* false = keep in the file but do not fetch; true */
};

/*
 * An IPv4 or IPv6 prefix in binary form. IPv4 uses addr[0..3] and leaves
 * addr[4..15] zero. Host bits (beyond bits) are always zero.
 */
struct ap_config_prefix {
	int af;                 /* 4 or 6, as "af" in Atlas results */
	unsigned char addr[16]; /* network byte order */
	unsigned int bits;      /* prefix length, 0..32 or 0..128 */
};

/* One entry of links: an egress link and its price (ANALYSIS.md 6.1). */
struct ap_config_link {
	char *name; /* unique, non-empty */
	enum ap_config_link_kind kind;
	double commit_mbps;            /* >= 0; 0 */
	double price_per_mbps;         /* per month, on the commit; >= 0; 0 */
	double overage_price_per_mbps; /* >= 0; default price_per_mbps */
	double fixed_monthly;          /* per month; >= 0; 0 */
	double port_capacity_mbps;     /* > 0, required */
	double max_utilization;        /* (0, 1]; NaN = defaults.max_... */
	struct ap_config_prefix *prefixes; /* n_prefixes, in file order */
	size_t n_prefixes;
};

/* One candidate of a destination: what a link measured towards it. */
struct ap_config_dest_msm {
	char *link;      /* names an entry of links */
	double rtt_ms;   /* >= 0 */
	double loss_pct; /* 0..100 */
};

/* One entry of destinations: traffic to place on a link. */
struct ap_config_dest {
	char *id;            /* unique; an ASN ("AS64501") or a prefix */
	double traffic_mbps; /* >= 0; its share of the billed p95 */
	char *current_link;  /* names an entry of links */
	struct ap_config_dest_msm *measurements; /* the candidates */
	size_t n_measurements;
	/* RIPE Atlas measurement ids (> 0, distinct) whose collected
	 * summaries (state_dir/msm-<id>.agg) measure this destination:
	 * `atlasperf cost --from-state` takes candidates from them. */
	int64_t *msm_ids;
	size_t n_msm_ids;
};

/* Opaque: key path -> source line, kept only for error messages. */
struct ap_config_lines;

/*
 * The whole configuration. Field names are the YAML keys plus a unit
 * suffix (_s: seconds) where the key has none; slo_* and default_* hold
 * the slo: and defaults: sections. Comments give range; default. Every
 * pointer is owned by the struct and freed by ap_config_free(); a caller
 * that overrides a string field frees the old value and stores a malloc'd
 * one. NULL arrays go with a zero count.
 */
struct ap_config {
	char *source; /* name used in messages (file path); NULL for _new() */
	struct ap_config_atlas atlas;
	char *state_dir; /* "/var/lib/atlasperf"; may be relative */
	/* PeeringDB ixpfx JSON export naming IXP peering-LAN prefixes for
	 * path analysis (ap_path.h); NULL = none. May be relative. */
	char *ixp_prefixes_file;
	int64_t late_results_horizon_s; /* 7200 */
	int64_t late_sweep_interval_s;  /* 900; > 0 and <= horizon */
	int64_t probe_cache_ttl_s;      /* 86400; 0 = never cache */
	int64_t interval_s;             /* 0 = no timer of our own */
	int64_t retry_min_s; /* first back-off after a failed fetch; 10 */
	int64_t retry_max_s; /* back-off cap, >= retry_min_s; 900 */
	/* Bottleneck hop (ANALYSIS.md 2.4): a rise of at least min ms over
	 * the previous answering hop that persists (later hops >= previous
	 * + persist * rise). */
	double bottleneck_min_ms;  /* > 0; 10 */
	double bottleneck_persist; /* 0..1; 0.8 */
	int shard_index;     /* i of "i/n", 1-based; 1 */
	int shard_count;     /* n of "i/n", 1..1024; 1 */
	enum ap_config_log_level log_level; /* AP_CONFIG_LOG_INFO */
	struct ap_config_msm *measurements; /* may be empty */
	size_t n_measurements;

	/* Cost model, ANALYSIS.md 6.1. */
	char *currency;                 /* "EUR" */
	double slo_max_rtt_delta_ms;    /* >= 0; 10 */
	double slo_max_loss_pct;        /* 0..100; 1.0 */
	double default_max_utilization; /* (0, 1]; 0.8 */
	double reference_transit_price; /* >= 0, per Mbps; NaN = null */
	struct ap_config_link *links;
	size_t n_links;
	struct ap_config_dest *destinations;
	size_t n_destinations;

	struct ap_config_lines *lines; /* private; NULL when not from YAML */
};

/*
 * Allocates a configuration holding every default (no measurements, no
 * links). *out is NULL on entry; on success the caller owns *out and frees
 * it with ap_config_free(). Errors: AP_ENOMEM.
 */
enum ap_status ap_config_new(struct ap_config **out, struct ap_err *err);

/*
 * Parses len bytes of YAML (data need not be NUL-terminated; data may be
 * NULL when len is 0) into a new configuration, fills in defaults and runs
 * ap_config_validate(). name (NULL = "config") is copied and used in
 * messages. *out is NULL on entry and stays NULL on failure; on success the
 * caller frees *out with ap_config_free(). An empty document yields all
 * defaults. Messages look like
 *   "NAME:LINE: key 'measurements[1].tags.link': expected a string"
 * (list indexes are 0-based). Errors:
 *   AP_EPARSE  YAML syntax, aliases, explicit tags, more than one document,
 *              unknown or duplicate keys, missing required keys, wrong
 *              types, malformed durations/sizes/prefixes/shard;
 *   AP_EINVAL  values out of range and cross-field problems (see
 *              ap_config_validate()); data NULL with len > 0;
 *   AP_ERANGE  more than AP_CONFIG_MAX_BYTES bytes, nesting deeper than
 *              AP_CONFIG_MAX_DEPTH or more than AP_CONFIG_MAX_NODES nodes;
 *   AP_ENOMEM.
 */
enum ap_status ap_config_load_buffer(const char *name, const char *data,
				     size_t len, struct ap_config **out,
				     struct ap_err *err);

/*
 * Reads the file at path and loads it as ap_config_load_buffer() does,
 * with path as the name. Relative paths inside the file stay relative to
 * the working directory. Errors: those of ap_config_load_buffer(), and
 * AP_EIO when the file cannot be opened or read.
 */
enum ap_status ap_config_load_file(const char *path, struct ap_config **out,
				   struct ap_err *err);

/*
 * Checks every invariant documented on the fields above that the loader
 * cannot see while converting one value: ranges, base_url form, shard
 * bounds, tag rules, unique measurement ids / link names / destination ids,
 * link names referenced by destinations, prefixes claimed by two links.
 * The loaders call it; call it again after overriding fields. Messages name
 * the source line when the value came from YAML. Returns AP_OK or AP_EINVAL
 * (first problem found); cfg is only read.
 */
enum ap_status ap_config_validate(const struct ap_config *cfg,
				  struct ap_err *err);

/* Frees cfg and everything it owns. NULL is a no-op. */
void ap_config_free(struct ap_config *cfg);

/*
 * True if this instance (cfg->shard_index of cfg->shard_count) is the one
 * that fetches measurement msm_id. The assignment is a fixed 64-bit hash of
 * the id modulo shard_count, so it does not depend on list order, and the
 * instances 1/n .. n/n own every id exactly once. Changing the hash would
 * move measurements between instances: it is part of the contract.
 */
bool ap_config_shard_owns(const struct ap_config *cfg, int64_t msm_id);

/* The link called name, or NULL. Borrowed: valid while cfg lives. */
const struct ap_config_link *ap_config_find_link(const struct ap_config *cfg,
						 const char *name);

/* The first measurement with this id, or NULL. Borrowed like above. */
const struct ap_config_msm *ap_config_find_msm(const struct ap_config *cfg,
					       int64_t msm_id);

/*
 * The parsers below serve the loader and front-end flags alike. They read
 * a NUL-terminated text, write their result only on success, and put the
 * reason (without file or key) into err on failure.
 */

/*
 * Duration: decimal seconds ("90"), or one or more <digits><unit> groups
 * with units d, h, m, s in that order, each at most once ("15m", "1h30m").
 * *out_s is in seconds, 0 .. INT32_MAX. Errors: AP_EPARSE.
 */
enum ap_status ap_config_parse_duration(const char *text, int64_t *out_s,
					struct ap_err *err);

/*
 * Size: decimal bytes ("1048576"), or digits plus a unit: B, KB, MB, GB, TB
 * (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), case-insensitive,
 * one optional space before the unit ("64MB", "256 MiB"). *out_bytes is in
 * bytes. Errors: AP_EPARSE (also on overflow).
 */
enum ap_status ap_config_parse_size(const char *text, uint64_t *out_bytes,
				    struct ap_err *err);

/*
 * Prefix: "ADDRESS/LEN" with an IPv4 or IPv6 address (inet_pton syntax)
 * and a mandatory length. Host bits set ("192.0.2.1/24") is an error.
 * Errors: AP_EPARSE.
 */
enum ap_status ap_config_parse_prefix(const char *text,
				      struct ap_config_prefix *out,
				      struct ap_err *err);

/*
 * Shard: "i/n" in decimal. Only the form is checked here; the bounds
 * 1 <= i <= n <= AP_CONFIG_MAX_SHARDS are ap_config_validate()'s job.
 * Errors: AP_EPARSE.
 */
enum ap_status ap_config_parse_shard(const char *text, int *index, int *count,
				     struct ap_err *err);

/*
 * Writes seconds as the shortest duration text ap_config_parse_duration()
 * reads back ("0s", "90s" -> "1m30s", "2h", "1d1h"). Returns what snprintf
 * returns: the untruncated length, or < 0 on error.
 */
int ap_config_format_duration(int64_t seconds, char *buf, size_t size);

/* Writes a prefix as "ADDRESS/LEN" (inet_ntop form); like snprintf. */
int ap_config_format_prefix(const struct ap_config_prefix *prefix, char *buf,
			    size_t size);

/* "error", "warn", "info", "debug"; static text, never NULL. */
const char *ap_config_log_level_name(enum ap_config_log_level level);

/* "probe_asn", "probe_cc", "link"; static text, never NULL. */
const char *ap_config_group_name(enum ap_config_group group);

/* "transit", "peering", "pni"; static text, never NULL. */
const char *ap_config_link_kind_name(enum ap_config_link_kind kind);

#endif

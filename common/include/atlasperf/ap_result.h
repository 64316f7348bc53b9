/* SPDX-License-Identifier: MIT */
/*
 * ap_result: one RIPE Atlas result, parsed into typed structs. Handles every
 * firmware generation (fw 0/1 legacy shapes with string numbers and
 * addr/name/pf, `x:"*"` timeouts, dup/err/late replies, ...). The JSON
 * library stays hidden behind this header, and parsing does no I/O.
 *
 * Conventions in these structs: an unknown integer is -1 (all Atlas
 * integers are >= 0), an unknown double is NaN, an absent string is NULL.
 * RTTs are in milliseconds, as Atlas reports them.
 */
#ifndef ATLASPERF_AP_RESULT_H
#define ATLASPERF_AP_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atlasperf/ap_err.h"

enum ap_result_type {
	AP_RESULT_PING = 1,
	AP_RESULT_TRACEROUTE,
	AP_RESULT_DNS,
	AP_RESULT_HTTP,
	AP_RESULT_NTP,
	AP_RESULT_SSLCERT
};

/* What kind of failure the probe reported for the whole result. */
enum ap_result_failure {
	AP_FAIL_NONE = 0,
	AP_FAIL_RESOLVE, /* target name not resolved (dnserr, or "name") */
	AP_FAIL_OTHER    /* any other probe-side error (err, error, alert) */
};

/* Fields every result type shares. Strings borrow from the result. */
struct ap_result_base {
	enum ap_result_type type;
	int64_t msm_id;    /* from msm_id (int or string) */
	int64_t prb_id;
	int64_t timestamp; /* Unix seconds: when it was measured */
	int64_t fw;        /* firmware version, -1 unknown */
	int af;            /* 4 or 6; 0 unknown */
	const char *dst_name; /* target as measured (name, or address) */
	const char *dst_addr;
	const char *src_addr;
	const char *from;     /* probe's public address */
	const char *proto;    /* ICMP/UDP/TCP as reported */
	int64_t lts;          /* seconds since clock sync, -1 unknown */
	enum ap_result_failure failure;
	const char *failure_text; /* the probe's own words, or NULL */
};

struct ap_ping_packet {
	double rtt_ms;     /* NaN for a timeout or error */
	int64_t ttl;       /* -1 when not given */
	bool dup;          /* a duplicate reply (carries a dup key) */
	bool timeout;      /* {"x":"*"} */
	const char *error; /* {"error": ...} text, else NULL */
};

struct ap_ping {
	int64_t sent, rcvd, dup;   /* summary counters */
	double min_ms, avg_ms, max_ms; /* NaN when missing or -1 (no reply) */
	int64_t ttl;               /* top-level ttl, -1 unknown */
	int64_t size;              /* packet size as reported */
	size_t n_packets;
	struct ap_ping_packet *packets; /* sending order */
};

struct ap_trace_reply {
	const char *from;  /* replying address, NULL for a timeout */
	double rtt_ms;     /* NaN when absent */
	const char *err;   /* ICMP error code/text ("N", "H", ...), or NULL */
	int64_t ttl;       /* -1 unknown */
	bool timeout;      /* {"x":"*"} */
	bool late;         /* reply to an earlier packet: never counted */
	bool dup;          /* duplicate reply */
	bool icmpext;      /* carries ICMP extensions (MPLS labels) */
};

struct ap_trace_hop {
	int64_t hop;       /* hop number, -1 when absent */
	const char *error; /* hop-level error string, or NULL */
	size_t n_replies;
	struct ap_trace_reply *replies;
};

struct ap_traceroute {
	int64_t endtime;   /* -1 unknown */
	int64_t paris_id;  /* -1 unknown */
	int64_t size;      /* -1 unknown */
	bool result_not_list; /* `result` was not an array (malformed) */
	size_t n_hops;
	struct ap_trace_hop *hops;
};

struct ap_dns_response {
	int64_t subid;     /* resultset index (1-based), -1 for plain result */
	int af;            /* 4/6, else the result's */
	const char *dst_addr, *src_addr, *proto; /* fall back to the result's */
	double rt_ms;      /* response time, NaN when none */
	int64_t size;      /* response size in bytes, -1 unknown */
	int rcode;         /* DNS RCODE from the answer header, -1 unknown */
	int64_t ancount, nscount, arcount; /* -1 unknown */
	bool timeout;      /* error.timeout */
	const char *error; /* other error text (error.getaddrinfo ...) */
	bool answered;     /* carried a result object, rt or abuf: a reply */
};

struct ap_dns {
	int64_t submax;    /* result.submax, -1 unknown */
	int64_t subid;     /* top-level subid (firmware that reported each
			    * resolver as its own result), -1 when absent */
	bool timeout;      /* result-level error.timeout (no responses) */
	const char *error; /* other result-level error text, or NULL */
	size_t n_responses;
	struct ap_dns_response *responses;
};

struct ap_http_response {
	int af;
	const char *dst_addr, *src_addr;
	const char *version;   /* HTTP version, e.g. "1.1" */
	int64_t code;          /* status code, -1 when none */
	int64_t header_bytes, body_bytes; /* -1 unknown */
	double rt_ms;          /* total time, NaN unknown */
	double ttc_ms, ttfb_ms; /* connect / first byte, NaN unknown */
	const char *error;     /* err text, or NULL */
};

struct ap_http {
	const char *uri, *method;
	size_t n_responses;
	struct ap_http_response *responses;
};

struct ap_ntp_packet {
	double rtt_ms;     /* NaN for timeouts/errors */
	double rtt_s;      /* rtt as Atlas reports it, in seconds; NaN
			    * likewise (for Sagan-compatible rounding) */
	double offset_ms;  /* NaN likewise */
	bool timeout;
	const char *error;
};

struct ap_ntp {
	int64_t stratum;   /* -1 unknown */
	double root_delay_ms, root_dispersion_ms; /* NaN unknown */
	bool no_result;    /* `result` absent or not a list */
	size_t n_packets;
	struct ap_ntp_packet *packets;
};

struct ap_sslcert {
	int64_t port;      /* dst_port ("https" = 443), -1 unknown */
	const char *method, *version;
	double rt_ms, ttc_ms; /* NaN unknown */
	int64_t n_certs;   /* certificates presented, -1 when no cert key */
	int64_t alert_level, alert_description; /* -1 when no alert */
};

struct ap_arena;

struct ap_result {
	struct ap_result_base base;
	union {
		struct ap_ping ping;
		struct ap_traceroute traceroute;
		struct ap_dns dns;
		struct ap_http http;
		struct ap_ntp ntp;
		struct ap_sslcert sslcert;
	} u;
	/* private: owner of everything the strings and arrays point to */
	void *json_root;
	struct ap_arena *arena;
};

/* Identity of a result, filled as far as it could be read, for messages
 * about results that could not be parsed. -1 = unknown. */
struct ap_result_id {
	int64_t msm_id, prb_id, timestamp;
};

/*
 * Parses one result from len bytes of JSON (need not be NUL-terminated).
 * On success *out is a new result that the caller frees with
 * ap_result_free. On failure *out is NULL, AP_EPARSE (not JSON, not an
 * object, unknown type, missing msm_id/prb_id/timestamp, a field of
 * impossible type) or AP_ENOMEM is returned with a reason in err, and id
 * (optional) holds what identity could be read.
 */
enum ap_status ap_result_parse(const char *json, size_t len,
			       struct ap_result **out, struct ap_result_id *id,
			       struct ap_err *err);

/*
 * A reusable parser: holds the JSON tokenizer so that converting many
 * results does not allocate and free one per result. Used by one thread
 * at a time. Free with ap_result_parser_free (NULL is fine).
 */
struct ap_result_parser;
enum ap_status ap_result_parser_new(struct ap_result_parser **out,
				    struct ap_err *err);
void ap_result_parser_free(struct ap_result_parser *p);

/* As ap_result_parse, with a reusable parser. */
enum ap_status ap_result_parse_with(struct ap_result_parser *p,
				    const char *json, size_t len,
				    struct ap_result **out,
				    struct ap_result_id *id,
				    struct ap_err *err);

/* Frees a result and everything it owns; NULL is fine. */
void ap_result_free(struct ap_result *r);

/* The Atlas type name ("ping", ...); static text. */
const char *ap_result_type_name(enum ap_result_type type);

#endif

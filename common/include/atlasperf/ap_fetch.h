/* SPDX-License-Identifier: MIT */
/*
 * ap_fetch: the HTTP transport to the RIPE Atlas API (libcurl). Bodies are
 * streamed to a callback, never collected, and a hard byte cap aborts a
 * runaway response. Every way a request can fail — transport error,
 * timeout, HTTP status, cap, wrong content type — comes back as a status
 * with a message; a failed request is never "no results".
 *
 * The API key is sent only as "Authorization: Key ..." and only to URLs
 * under the configured base URL; it never appears in a URL or a message.
 * TLS verification is always on. libcurl's proxy variables apply.
 * Call curl_global_init() once before creating the first ap_fetch.
 */
#ifndef ATLASPERF_AP_FETCH_H
#define ATLASPERF_AP_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "atlasperf/ap_err.h"

struct ap_fetch_opts {
	const char *base_url;   /* requests outside it get no API key */
	const char *api_key;    /* NULL: anonymous; copied */
	const char *ca_file;    /* NULL: system CAs; copied */
	const char *user_agent; /* copied */
	long timeout_s;         /* whole-request timeout */
	size_t max_bytes;       /* body cap; exceeding it fails AP_ERANGE */
	/* Polled during transfers: non-zero aborts them (shutdown). */
	int (*should_abort)(void *user);
	void *abort_user;
};

/* What came back, filled on success and on failure alike. */
struct ap_fetch_info {
	long status;          /* HTTP status, 0 when none was received */
	long retry_after_s;   /* Retry-After in seconds, -1 when absent */
	size_t bytes;         /* body bytes received */
	long elapsed_ms;      /* wall time of the request */
	bool aborted;         /* stopped by should_abort */
};

struct ap_fetch;

/* Creates a transport (one curl handle, kept for connection reuse).
 * Strings in opts are copied. Free with ap_fetch_free. */
enum ap_status ap_fetch_new(struct ap_fetch **out,
			    const struct ap_fetch_opts *opts,
			    struct ap_err *err);

/* Frees f; NULL is fine. Wipes the copy of the API key first. */
void ap_fetch_free(struct ap_fetch *f);

/*
 * GETs url and hands the body of a 2xx JSON response to on_body in
 * chunks (on_body returns AP_OK to go on; anything else aborts the
 * transfer and is returned). Returns AP_OK only when the whole body
 * arrived; AP_EHTTP for transport errors, timeouts and non-2xx statuses
 * (err names the status and the API's own error detail when it sent one);
 * AP_EPARSE for a non-JSON content type (an HTML error page); AP_ERANGE
 * over the cap. info is always filled.
 */
enum ap_status ap_fetch_get(struct ap_fetch *f, const char *url,
			    enum ap_status (*on_body)(const char *data,
						      size_t len, void *user),
			    void *user, struct ap_fetch_info *info,
			    struct ap_err *err);

/* True when url starts with the configured base URL (scheme, host, port
 * and path prefix): the only URLs that get the API key. */
bool ap_fetch_is_trusted(const struct ap_fetch *f, const char *url);

/* True when url is plain http:// to a host other than loopback (127.x,
 * localhost, [::1]): no API key may travel there in clear text. */
bool ap_fetch_url_is_cleartext_remote(const char *url);

#endif

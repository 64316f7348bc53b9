/* SPDX-License-Identifier: MIT */
/* ap_fetch: libcurl GET with streaming, caps, and careful key handling. */
#include "atlasperf/ap_fetch.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The API's error bodies are small JSON objects; keep enough of one to
 * quote its "detail". */
#define ERR_BODY_MAX 2048

struct ap_fetch {
	CURL *curl;
	char *base_url;
	char *api_key;
	char *auth_header; /* "Authorization: Key ..." */
	char *ca_file;
	char *user_agent;
	long timeout_s;
	size_t max_bytes;
	int (*should_abort)(void *user);
	void *abort_user;
};

/* State of one transfer, shared by the curl callbacks. */
struct transfer {
	struct ap_fetch *f;
	enum ap_status (*on_body)(const char *, size_t, void *);
	void *user;
	long status;
	long retry_after_s;
	size_t bytes;
	bool json;            /* content type says JSON (or none given) */
	bool checked_headers; /* status and type looked at */
	enum ap_status cb_status;
	char err_body[ERR_BODY_MAX + 1];
	size_t err_len;
	bool aborted;
};

static char *dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

void ap_fetch_free(struct ap_fetch *f)
{
	if (f == NULL)
		return;
	if (f->curl != NULL)
		curl_easy_cleanup(f->curl);
	if (f->api_key != NULL)
		memset(f->api_key, 0, strlen(f->api_key));
	if (f->auth_header != NULL)
		memset(f->auth_header, 0, strlen(f->auth_header));
	free(f->api_key);
	free(f->auth_header);
	free(f->base_url);
	free(f->ca_file);
	free(f->user_agent);
	free(f);
}

enum ap_status ap_fetch_new(struct ap_fetch **out,
			    const struct ap_fetch_opts *opts,
			    struct ap_err *err)
{
	struct ap_fetch *f;
	enum ap_status st = AP_ENOMEM;

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	f->curl = curl_easy_init();
	f->base_url = dup_or_null(opts->base_url ? opts->base_url : "");
	f->api_key = dup_or_null(opts->api_key);
	f->ca_file = dup_or_null(opts->ca_file);
	f->user_agent = dup_or_null(opts->user_agent ? opts->user_agent
						     : "atlasperf");
	if (f->curl == NULL || f->base_url == NULL || f->user_agent == NULL ||
	    (opts->api_key != NULL && f->api_key == NULL) ||
	    (opts->ca_file != NULL && f->ca_file == NULL))
		goto out;
	if (f->api_key != NULL) {
		size_t n = strlen(f->api_key) + 32;

		for (const char *p = f->api_key; *p != '\0'; p++) {
			/* A key with a line break would smuggle headers. */
			if (*p == '\r' || *p == '\n') {
				st = ap_err_set(err, AP_EINVAL,
						"the API key contains a line "
						"break");
				goto out;
			}
		}
		f->auth_header = malloc(n);
		if (f->auth_header == NULL)
			goto out;
		snprintf(f->auth_header, n, "Authorization: Key %s",
			 f->api_key);
	}
	f->timeout_s = opts->timeout_s > 0 ? opts->timeout_s : 30;
	f->max_bytes = opts->max_bytes;
	f->should_abort = opts->should_abort;
	f->abort_user = opts->abort_user;
	*out = f;
	return AP_OK;
out:
	ap_fetch_free(f);
	if (st == AP_ENOMEM)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	return st;
}

bool ap_fetch_is_trusted(const struct ap_fetch *f, const char *url)
{
	size_t n = strlen(f->base_url);

	if (n == 0 || strncmp(url, f->base_url, n) != 0)
		return false;
	/* "https://host" must not trust "https://host.evil.example". */
	return url[n] == '\0' || url[n] == '/' || url[n] == '?' ||
	       f->base_url[n - 1] == '/';
}

static void check_headers(struct transfer *t)
{
	char *ct = NULL;

	t->checked_headers = true;
	curl_easy_getinfo(t->f->curl, CURLINFO_RESPONSE_CODE, &t->status);
	curl_easy_getinfo(t->f->curl, CURLINFO_CONTENT_TYPE, &ct);
	t->json = ct == NULL || strstr(ct, "json") != NULL ||
		  strncasecmp(ct, "text/plain", 10) == 0;
}

static size_t on_header(char *buf, size_t size, size_t n, void *user)
{
	struct transfer *t = user;
	size_t len = size * n;
	static const char name[] = "retry-after:";

	if (len > sizeof(name) - 1 &&
	    strncasecmp(buf, name, sizeof(name) - 1) == 0) {
		char tmp[32];
		size_t k = len - (sizeof(name) - 1);
		char *end;
		long v;

		if (k >= sizeof(tmp))
			k = sizeof(tmp) - 1;
		memcpy(tmp, buf + sizeof(name) - 1, k);
		tmp[k] = '\0';
		v = strtol(tmp, &end, 10);
		/* Seconds only; an HTTP-date is rare and gets the default
		 * back-off instead. */
		if (end != tmp && v >= 0)
			t->retry_after_s = v;
	}
	return len;
}

static size_t on_write(char *buf, size_t size, size_t n, void *user)
{
	struct transfer *t = user;
	size_t len = size * n;

	if (!t->checked_headers)
		check_headers(t);
	if (t->status < 200 || t->status > 299 || !t->json) {
		/* Keep the start of an error body for the message. */
		size_t room = ERR_BODY_MAX - t->err_len;
		size_t k = len < room ? len : room;

		memcpy(t->err_body + t->err_len, buf, k);
		t->err_len += k;
		t->err_body[t->err_len] = '\0';
		return len;
	}
	if (t->f->max_bytes > 0 && len > t->f->max_bytes - t->bytes) {
		t->cb_status = AP_ERANGE;
		return 0;
	}
	t->bytes += len;
	t->cb_status = t->on_body(buf, len, t->user);
	return t->cb_status == AP_OK ? len : 0;
}

static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct transfer *t = user;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (t->f->should_abort != NULL && t->f->should_abort(t->f->abort_user)) {
		t->aborted = true;
		return 1;
	}
	return 0;
}

/* Pulls "detail" out of an Atlas JSON error body, without a JSON parser:
 * only for the message, so a miss just means a less helpful text. */
static void error_detail(const char *body, char *out, size_t n)
{
	const char *p = strstr(body, "\"detail\"");
	size_t k = 0;

	out[0] = '\0';
	if (p == NULL)
		return;
	p = strchr(p + 8, '"');
	if (p == NULL)
		return;
	for (p++; *p != '\0' && *p != '"' && k + 1 < n; p++)
		out[k++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
	out[k] = '\0';
}

/* The URL without its query string, for messages (a query could carry
 * anything a user configured; never quote it whole). */
static void url_for_message(const char *url, char *out, size_t n)
{
	size_t k = strcspn(url, "?");

	snprintf(out, n, "%.*s", (int)(k < 200 ? k : 200), url);
}

static enum ap_status finish(struct transfer *t, CURLcode rc,
			     const char *url, struct ap_err *err)
{
	char where[208], detail[160];

	url_for_message(url, where, sizeof(where));
	if (t->aborted)
		return ap_err_set(err, AP_EHTTP, "GET %s: aborted (shutdown)",
				  where);
	if (rc == CURLE_WRITE_ERROR && t->cb_status == AP_ERANGE)
		return ap_err_set(err, AP_ERANGE,
				  "GET %s: response larger than %zu bytes "
				  "(atlas.max_response_bytes)",
				  where, t->f->max_bytes);
	if (rc == CURLE_WRITE_ERROR && t->cb_status != AP_OK)
		return ap_err_set(err, t->cb_status, "GET %s: %s", where,
				  ap_strerror(t->cb_status));
	if (rc != CURLE_OK && t->status == 0)
		return ap_err_set(err, AP_EHTTP, "GET %s: %s", where,
				  curl_easy_strerror(rc));
	if (!t->checked_headers)
		check_headers(t);
	if (t->status < 200 || t->status > 299) {
		error_detail(t->err_body, detail, sizeof(detail));
		return ap_err_set(err, AP_EHTTP, "GET %s: HTTP %ld%s%s", where,
				  t->status, detail[0] ? ": " : "", detail);
	}
	if (!t->json)
		return ap_err_set(err, AP_EPARSE,
				  "GET %s: HTTP %ld but the body is not JSON "
				  "(an error page?)",
				  where, t->status);
	if (rc != CURLE_OK)
		return ap_err_set(err, AP_EHTTP,
				  "GET %s: %s after %zu bytes (truncated body)",
				  where, curl_easy_strerror(rc), t->bytes);
	return AP_OK;
}

enum ap_status ap_fetch_get(struct ap_fetch *f, const char *url,
			    enum ap_status (*on_body)(const char *data,
						      size_t len, void *user),
			    void *user, struct ap_fetch_info *info,
			    struct ap_err *err)
{
	struct transfer t;
	struct curl_slist *hdrs = NULL, *tmp;
	CURL *c = f->curl;
	CURLcode rc;
	enum ap_status st;
	curl_off_t total_us = 0;

	memset(&t, 0, sizeof(t));
	t.f = f;
	t.on_body = on_body;
	t.user = user;
	t.retry_after_s = -1;
	t.cb_status = AP_OK;
	memset(info, 0, sizeof(*info));
	info->retry_after_s = -1;

	curl_easy_reset(c);
	tmp = curl_slist_append(hdrs, "Accept: application/json");
	if (tmp == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	hdrs = tmp;
	if (f->auth_header != NULL && ap_fetch_is_trusted(f, url)) {
		tmp = curl_slist_append(hdrs, f->auth_header);
		if (tmp == NULL) {
			curl_slist_free_all(hdrs);
			return ap_err_set(err, AP_ENOMEM, "out of memory");
		}
		hdrs = tmp;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, f->user_agent);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, f->timeout_s);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
			 f->timeout_s < 10 ? f->timeout_s : 10L);
	/* Redirects could carry the Authorization header elsewhere; the
	 * API does not use them, so a redirect is reported as an error. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (f->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, f->ca_file);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");

	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &total_us);
	st = finish(&t, rc, url, err);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);

	info->status = t.status;
	info->retry_after_s = t.retry_after_s;
	info->bytes = t.bytes;
	info->elapsed_ms = (long)(total_us / 1000);
	info->aborted = t.aborted;
	return st;
}

bool ap_fetch_url_is_cleartext_remote(const char *url)
{
	static const char *const loopback[] = {"127.", "localhost", "[::1]"};
	const char *h;

	if (strncasecmp(url, "http://", 7) != 0)
		return false;
	h = url + 7;
	for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++) {
		size_t n = strlen(loopback[i]);

		if (strncasecmp(h, loopback[i], n) != 0)
			continue;
		if (loopback[i][n - 1] == '.')
			return false; /* 127.0.0.0/8 */
		/* the whole host, not a prefix of localhost.example.net */
		if (h[n] == '\0' || h[n] == ':' || h[n] == '/')
			return false;
	}
	return true;
}

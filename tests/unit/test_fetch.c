/* SPDX-License-Identifier: MIT */
/* Unit tests for ap_fetch's key-safety rules (no network needed). */
#include <curl/curl.h>

#include "atlasperf/ap_fetch.h"
#include "test.h"

int main(void)
{
	struct ap_fetch_opts o;
	struct ap_fetch *f = NULL;
	struct ap_err err;

	/* Plain HTTP only to loopback may carry a key. */
	CHECK(!ap_fetch_url_is_cleartext_remote("https://atlas.ripe.net/api"));
	CHECK(!ap_fetch_url_is_cleartext_remote("http://127.0.0.1:8080/api"));
	CHECK(!ap_fetch_url_is_cleartext_remote("http://127.5.6.7/"));
	CHECK(!ap_fetch_url_is_cleartext_remote("http://localhost:99/x"));
	CHECK(!ap_fetch_url_is_cleartext_remote("http://localhost"));
	CHECK(!ap_fetch_url_is_cleartext_remote("http://[::1]:8080/"));
	CHECK(!ap_fetch_url_is_cleartext_remote("HTTP://LOCALHOST/"));
	CHECK(ap_fetch_url_is_cleartext_remote("http://atlas.ripe.net/api"));
	CHECK(ap_fetch_url_is_cleartext_remote("http://localhost.evil.net/"));
	CHECK(ap_fetch_url_is_cleartext_remote("http://10.0.0.1/"));

	/* The key goes only to URLs under the base URL. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	memset(&o, 0, sizeof(o));
	o.base_url = "https://atlas.ripe.net/api/v2";
	o.api_key = "00000000-0000-0000-0000-000000000000";
	CHECK(ap_fetch_new(&f, &o, &err) == AP_OK);
	CHECK(ap_fetch_is_trusted(f, "https://atlas.ripe.net/api/v2/probes/"));
	CHECK(ap_fetch_is_trusted(f, "https://atlas.ripe.net/api/v2?x=1"));
	CHECK(ap_fetch_is_trusted(f, "https://atlas.ripe.net/api/v2"));
	CHECK(!ap_fetch_is_trusted(f, "https://atlas.ripe.net/api/v22/"));
	CHECK(!ap_fetch_is_trusted(f, "https://atlas.ripe.net.evil/api/v2/"));
	CHECK(!ap_fetch_is_trusted(f, "http://atlas.ripe.net/api/v2/"));
	ap_fetch_free(f);

	/* A key with a line break would smuggle a header: refused. */
	o.api_key = "abc\r\nX-Evil: 1";
	CHECK(ap_fetch_new(&f, &o, &err) == AP_EINVAL && f == NULL);
	CHECK(strstr(err.msg, "line break") != NULL);
	CHECK(strstr(err.msg, "Evil") == NULL); /* never quoted */
	ap_fetch_free(NULL);
	curl_global_cleanup();
	TEST_DONE();
}

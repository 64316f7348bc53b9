/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for ap_probe: probes-page parsing, ap_probe_asn, the cache file
 * (round trip, strict rejection of corrupt files), TTL logic, and
 * ap_probe_cache_refresh against a tiny HTTP/1.0 server run in a forked
 * child on a loopback port, which logs every request target to a file.
 */
#include "atlasperf/ap_probe.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atlasperf/ap_buf.h"
#include "test.h"

/* err.msg must contain want. */
#define CHECK_HAS(msg, want)                                               \
	do {                                                               \
		const char *m_ = (msg), *w_ = (want);                      \
		if (strstr(m_, w_) != NULL) {                              \
			test_passed++;                                     \
		} else {                                                   \
			test_failed++;                                     \
			printf("FAIL %s:%d: \"%s\" lacks \"%s\"\n",        \
			       __FILE__, __LINE__, m_, w_);                \
		}                                                          \
	} while (0)

/* ---- helpers --------------------------------------------------------- */

struct collected {
	struct ap_probe_info p[16];
	size_t n;
};

static void collect(const struct ap_probe_info *p, void *user)
{
	struct collected *c = user;

	if (c->n < sizeof(c->p) / sizeof(c->p[0]))
		c->p[c->n] = *p;
	c->n++;
}

static enum ap_status parse(const char *json, struct collected *out,
			    char **next, struct ap_err *err)
{
	memset(out, 0, sizeof(*out));
	ap_err_clear(err);
	return ap_probe_parse_page(json, strlen(json), collect, out, next,
				   err);
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fwrite(data, 1, len, f);
	fclose(f);
}

/* Whole file as a malloc'd string ("" when missing). */
static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	size_t n = 0, cap = 0;
	int ch;

	if (f != NULL) {
		for (;;) {
			ch = fgetc(f);
			if (ch == EOF)
				break;
			if (n + 2 > cap) {
				cap = cap ? cap * 2 : 4096;
				s = realloc(s, cap);
				if (s == NULL)
					exit(2);
			}
			s[n++] = (char)ch;
		}
		fclose(f);
	}
	if (s == NULL) {
		s = malloc(1);
		if (s == NULL)
			exit(2);
	}
	s[n] = '\0';
	return s;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* Line i (0-based) of s into buf, without its newline. */
static const char *nth_line(const char *s, size_t i, char *buf, size_t n)
{
	size_t k;

	buf[0] = '\0';
	while (i > 0 && (s = strchr(s, '\n')) != NULL) {
		s++;
		i--;
	}
	if (s == NULL)
		return buf;
	k = strcspn(s, "\n");
	if (k >= n)
		k = n - 1;
	memcpy(buf, s, k);
	buf[k] = '\0';
	return buf;
}

/* ---- the fake Atlas -------------------------------------------------- */

/* Attributes the fake API gives probe id, so tests can predict them. */
static bool fake_exists(int64_t id)
{
	return id % 7 != 0;
}

static int64_t fake_asn4(int64_t id)
{
	return 64496 + id % 16;
}

static int64_t fake_asn6(int64_t id)
{
	return id % 2 ? -1 : 65536 + id;
}

static double fake_lon(int64_t id)
{
	return -170.0 + (double)(id % 340) + 0.1234567;
}

static double fake_lat(int64_t id)
{
	return -80.0 + (double)(id % 160) + 0.5;
}

static void fake_probe(struct ap_buf *b, int64_t id)
{
	char a6[32] = "null";

	if (fake_asn6(id) >= 0)
		snprintf(a6, sizeof(a6), "%" PRId64, fake_asn6(id));
	ap_buf_printf(b,
		      "{\"id\":%" PRId64 ",\"asn_v4\":%" PRId64
		      ",\"asn_v6\":%s,\"country_code\":\"%s\","
		      "\"is_anchor\":%s,\"is_public\":true,"
		      "\"status\":{\"id\":1,\"name\":\"Connected\"},"
		      "\"tags\":[{\"name\":\"x\",\"slug\":\"x\"}],"
		      "\"geometry\":{\"type\":\"Point\",\"coordinates\":"
		      "[%.7f,%.7f]}}",
		      id, fake_asn4(id), a6, id % 3 == 0 ? "DE" : "NL",
		      id % 5 == 0 ? "true" : "false", fake_lon(id),
		      fake_lat(id));
}

struct route {
	char target[512];
	int status;
	char *body;
	size_t len;
};

struct server {
	int lfd;
	int port;
	pid_t pid;
	char base[64];     /* "http://127.0.0.1:PORT/api/v2" */
	char log_path[512];
	struct route routes[32];
	size_t nroutes;
};

static void add_route(struct server *s, const char *target, int status,
		      const char *body)
{
	struct route *r = &s->routes[s->nroutes++];

	snprintf(r->target, sizeof(r->target), "%s", target);
	r->status = status;
	r->body = strdup(body);
	r->len = strlen(body);
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

static void respond(int fd, int status, const char *body, size_t len)
{
	char hdr[256];
	int k = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.0 %d Whatever\r\n"
			 "Content-Type: application/json\r\n"
			 "Content-Length: %zu\r\n"
			 "Connection: close\r\n\r\n",
			 status, len);

	write_all(fd, hdr, (size_t)k);
	write_all(fd, body, len);
}

/* Answers /api/v2/probes/?id__in=... like Atlas: the ids that exist. */
static void respond_dynamic(int fd, const char *target)
{
	static const char pfx[] = "/api/v2/probes/?id__in=";
	struct ap_buf b;
	const char *p;
	bool first = true;

	if (strncmp(target, pfx, sizeof(pfx) - 1) != 0) {
		const char *nf = "{\"detail\":\"Not found.\"}";

		respond(fd, 404, nf, strlen(nf));
		return;
	}
	ap_buf_init(&b, (size_t)64 << 20);
	ap_buf_adds(&b, "{\"count\":0,\"next\":null,\"previous\":null,"
			"\"results\":[");
	for (p = target + sizeof(pfx) - 1; *p >= '0' && *p <= '9';) {
		char *end;
		int64_t id = strtoll(p, &end, 10);

		p = end;

		if (fake_exists(id)) {
			if (!first)
				ap_buf_addc(&b, ',');
			fake_probe(&b, id);
			first = false;
		}
		if (*p == ',')
			p++;
	}
	ap_buf_adds(&b, "]}");
	respond(fd, 200, b.data, b.len);
	ap_buf_reset(&b);
}

static void serve(struct server *s)
{
	int logfd = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	static char req[65536];

	signal(SIGPIPE, SIG_IGN);
	alarm(300); /* never outlive a crashed parent for long */
	for (;;) {
		int fd = accept(s->lfd, NULL, NULL);
		size_t n = 0;
		char *sp, *target;
		size_t i;

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		while (n + 1 < sizeof(req)) {
			ssize_t k = read(fd, req + n, sizeof(req) - 1 - n);

			if (k <= 0)
				break;
			n += (size_t)k;
			req[n] = '\0';
			if (strstr(req, "\r\n\r\n") != NULL)
				break;
		}
		req[n] = '\0';
		target = strchr(req, ' ');
		sp = target ? strchr(target + 1, ' ') : NULL;
		if (target == NULL || sp == NULL) {
			close(fd);
			continue;
		}
		target++;
		*sp = '\0';
		write_all(logfd, target, strlen(target));
		write_all(logfd, "\n", 1);
		for (i = 0; i < s->nroutes; i++)
			if (strcmp(s->routes[i].target, target) == 0)
				break;
		if (i < s->nroutes)
			respond(fd, s->routes[i].status, s->routes[i].body,
				s->routes[i].len);
		else
			respond_dynamic(fd, target);
		close(fd);
	}
}

/* Binds a loopback port (so routes can name it) without serving yet. */
static void server_listen(struct server *s, const char *dir)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(s->lfd, 64) != 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&a, &alen) != 0) {
		perror("server");
		exit(2);
	}
	s->port = ntohs(a.sin_port);
	snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d/api/v2",
		 s->port);
	snprintf(s->log_path, sizeof(s->log_path), "%s/requests.log", dir);
}

static void server_start(struct server *s)
{
	fflush(stdout);
	s->pid = fork();
	if (s->pid < 0) {
		perror("fork");
		exit(2);
	}
	if (s->pid == 0) {
		serve(s);
		_exit(0);
	}
	close(s->lfd);
}

static void server_stop(struct server *s)
{
	int status;

	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
	for (size_t i = 0; i < s->nroutes; i++)
		free(s->routes[i].body);
}

/* The request targets logged since the last call (malloc'd). */
static char *take_log(struct server *s)
{
	char *log = read_all(s->log_path);

	if (truncate(s->log_path, 0) != 0 && errno != ENOENT)
		perror("truncate");
	return log;
}

/* ---- page parsing ---------------------------------------------------- */

static void test_parse_page(void)
{
	struct collected c;
	struct ap_err err;
	char *next = NULL;
	enum ap_status st;
	const char *page =
		"{\"count\":3,"
		"\"next\":\"https://atlas.ripe.net/api/v2/probes/"
		"?id__in=1,2,3&page=2&page_size=2\","
		"\"previous\":null,\"results\":["
		"{\"id\":6001,\"asn_v4\":3333,\"asn_v6\":null,"
		"\"country_code\":\"nl\",\"is_anchor\":true,"
		"\"geometry\":{\"type\":\"Point\","
		"\"coordinates\":[4.8897,52.374]}},"
		"{\"id\":2,\"asn_v4\":null,\"asn_v6\":64500,"
		"\"country_code\":\"DE\",\"is_anchor\":false,"
		"\"geometry\":null},"
		"{\"id\":3,\"is_anchor\":\"yes\",\"country_code\":\"DEU\","
		"\"geometry\":{\"type\":\"Point\","
		"\"coordinates\":[-122.4194,37.7749]}}"
		"]}";

	st = parse(page, &c, &next, &err);
	CHECK(st == AP_OK);
	CHECK(c.n == 3);
	CHECK(c.p[0].id == 6001);
	CHECK(c.p[0].asn_v4 == 3333);
	CHECK(c.p[0].asn_v6 == -1);
	CHECK_STR(c.p[0].cc, "NL");
	CHECK(c.p[0].anchor);
	CHECK(c.p[0].known);
	CHECK(c.p[0].fetched_at == 0);
	/* GeoJSON order: [lon, lat]. */
	CHECK_NEAR(c.p[0].lat, 52.374, 1e-9);
	CHECK_NEAR(c.p[0].lon, 4.8897, 1e-9);
	CHECK(c.p[1].id == 2);
	CHECK(c.p[1].asn_v4 == -1);
	CHECK(c.p[1].asn_v6 == 64500);
	CHECK_STR(c.p[1].cc, "DE");
	CHECK(!c.p[1].anchor);
	CHECK(isnan(c.p[1].lat) && isnan(c.p[1].lon));
	CHECK(c.p[2].id == 3);
	CHECK(!c.p[2].anchor);           /* not a boolean */
	CHECK_STR(c.p[2].cc, "");        /* not alpha-2 */
	CHECK(c.p[2].asn_v4 == -1);      /* absent */
	CHECK_NEAR(c.p[2].lat, 37.7749, 1e-9);
	CHECK_NEAR(c.p[2].lon, -122.4194, 1e-9);
	CHECK_STR(next, "https://atlas.ripe.net/api/v2/probes/"
			"?id__in=1,2,3&page=2&page_size=2");
	free(next);

	/* next: null, absent, empty -> NULL; a number is an error. */
	st = parse("{\"next\":null,\"results\":[]}", &c, &next, &err);
	CHECK(st == AP_OK && next == NULL && c.n == 0);
	st = parse("{\"results\":[]}", &c, &next, &err);
	CHECK(st == AP_OK && next == NULL);
	st = parse("{\"next\":\"\",\"results\":[]}", &c, &next, &err);
	CHECK(st == AP_OK && next == NULL);
	st = parse("{\"next\":5,\"results\":[{\"id\":1}]}", &c, &next, &err);
	CHECK(st == AP_EPARSE && next == NULL && c.n == 0);
	CHECK_HAS(err.msg, "next");
	/* next may be NULL when the caller does not care. */
	memset(&c, 0, sizeof(c));
	{
		const char *j = "{\"next\":\"x\",\"results\":[{\"id\":1}]}";

		st = ap_probe_parse_page(j, strlen(j), collect, &c, NULL,
					 &err);
	}
	CHECK(st == AP_OK && c.n == 1);

	/* Input need not be NUL-terminated: only len bytes count. */
	{
		const char *buf = "{\"results\":[{\"id\":42}]}GARBAGE";

		memset(&c, 0, sizeof(c));
		st = ap_probe_parse_page(buf, 23, collect, &c, &next, &err);
		CHECK(st == AP_OK && c.n == 1 && c.p[0].id == 42);
		st = ap_probe_parse_page(buf, 24, collect, &c, &next, &err);
		CHECK(st == AP_EPARSE && next == NULL);
		CHECK_HAS(err.msg, "byte 23");
	}
}

static void test_parse_malformed(void)
{
	struct collected c;
	struct ap_err err;
	char *next = (char *)"sentinel";
	enum ap_status st;
	char deep[600];
	size_t k = 0;

	st = parse("", &c, &next, &err);
	CHECK(st == AP_EPARSE && next == NULL);
	CHECK_HAS(err.msg, "empty");
	st = parse("{\"results\":[{\"id\":1}", &c, &next, &err);
	CHECK(st == AP_EPARSE && c.n == 0);
	CHECK_HAS(err.msg, "truncated");
	st = parse("{\"results\":[}", &c, &next, &err);
	CHECK(st == AP_EPARSE && c.n == 0);
	CHECK_HAS(err.msg, "invalid JSON");
	st = parse("<html>502 Bad Gateway</html>", &c, &next, &err);
	CHECK(st == AP_EPARSE);
	st = parse("{\"results\":[]} {\"results\":[]}", &c, &next, &err);
	CHECK(st == AP_EPARSE);
	st = parse("{\"results\":[]}\r\n  ", &c, &next, &err);
	CHECK(st == AP_OK);

	/* Not an object; results missing, not a list. */
	st = parse("[{\"id\":1}]", &c, &next, &err);
	CHECK(st == AP_EPARSE && c.n == 0);
	CHECK_HAS(err.msg, "not a JSON object");
	st = parse("{\"count\":0}", &c, &next, &err);
	CHECK(st == AP_EPARSE);
	CHECK_HAS(err.msg, "missing");
	st = parse("{\"results\":{\"id\":1}}", &c, &next, &err);
	CHECK(st == AP_EPARSE && c.n == 0);
	CHECK_HAS(err.msg, "not a list");
	st = parse("{\"results\":null}", &c, &next, &err);
	CHECK(st == AP_EPARSE);
	st = parse("{\"results\":\"[]\"}", &c, &next, &err);
	CHECK(st == AP_EPARSE);

	/* Nesting depth is limited. */
	k += (size_t)snprintf(deep, sizeof(deep), "{\"results\":[{\"id\":1,"
						   "\"x\":");
	for (int i = 0; i < 200; i++)
		deep[k++] = '[';
	for (int i = 0; i < 200; i++)
		deep[k++] = ']';
	memcpy(deep + k, "}]}", 4);
	st = parse(deep, &c, &next, &err);
	CHECK(st == AP_EPARSE && c.n == 0);

	/* Bad arguments. */
	st = ap_probe_parse_page(NULL, 3, collect, &c, &next, &err);
	CHECK(st == AP_EINVAL);
	st = ap_probe_parse_page("{}", 2, NULL, &c, &next, &err);
	CHECK(st == AP_EINVAL);
}

static void test_parse_values(void)
{
	struct collected c;
	struct ap_err err;
	char *next = NULL;
	enum ap_status st;

	/* Malformed entries are skipped, not errors. */
	st = parse("{\"results\":[5,null,\"x\",[],{},{\"id\":null},"
		   "{\"id\":\"12\"},{\"id\":1.5},{\"id\":-1},{\"id\":0},"
		   "{\"id\":99999999999999999999},"
		   "{\"id\":18446744073709551615},"
		   "{\"id\":9223372036854775807},"
		   "{\"id\":9007199254740992},"
		   "{\"id\":9007199254740991},{\"id\":7}]}",
		   &c, &next, &err);
	CHECK(st == AP_OK);
	CHECK(c.n == 2);
	CHECK(c.p[0].id == AP_PROBE_ID_MAX);
	CHECK(c.p[1].id == 7);
	CHECK(c.p[1].asn_v4 == -1 && c.p[1].asn_v6 == -1);
	CHECK(isnan(c.p[1].lat) && isnan(c.p[1].lon));
	CHECK_STR(c.p[1].cc, "");
	CHECK(!c.p[1].anchor && c.p[1].known);

	/* ASNs: 32-bit, positive, integers only. */
	st = parse("{\"results\":["
		   "{\"id\":1,\"asn_v4\":4294967295,\"asn_v6\":4294967296},"
		   "{\"id\":2,\"asn_v4\":0,\"asn_v6\":-5},"
		   "{\"id\":3,\"asn_v4\":\"3333\",\"asn_v6\":3333.0},"
		   "{\"id\":4,\"asn_v4\":99999999999999999999999}]}",
		   &c, &next, &err);
	CHECK(st == AP_OK && c.n == 4);
	CHECK(c.p[0].asn_v4 == INT64_C(4294967295));
	CHECK(c.p[0].asn_v6 == -1);
	CHECK(c.p[1].asn_v4 == -1 && c.p[1].asn_v6 == -1);
	CHECK(c.p[2].asn_v4 == -1 && c.p[2].asn_v6 == -1);
	CHECK(c.p[3].asn_v4 == -1);

	/* Geometry: only a sane Point counts; both coordinates or none. */
	st = parse("{\"results\":["
		   "{\"id\":1,\"geometry\":{\"type\":\"LineString\","
		   "\"coordinates\":[1,2]}},"
		   "{\"id\":2,\"geometry\":{\"type\":\"Point\","
		   "\"coordinates\":[1]}},"
		   "{\"id\":3,\"geometry\":{\"type\":\"Point\","
		   "\"coordinates\":[10,95]}},"
		   "{\"id\":4,\"geometry\":{\"type\":\"Point\","
		   "\"coordinates\":[\"10\",\"20\"]}},"
		   "{\"id\":5,\"geometry\":{\"coordinates\":[-180,-90]}},"
		   "{\"id\":6,\"geometry\":{\"type\":\"Point\","
		   "\"coordinates\":[181,0]}},"
		   "{\"id\":7,\"geometry\":{\"type\":\"Point\","
		   "\"coordinates\":[12.3456789,-45.0000004,100]}},"
		   "{\"id\":8,\"geometry\":[1,2]}]}",
		   &c, &next, &err);
	CHECK(st == AP_OK && c.n == 8);
	for (size_t i = 0; i < 8; i++) {
		if (i == 4 || i == 6)
			continue;
		CHECK(isnan(c.p[i].lat) && isnan(c.p[i].lon));
	}
	CHECK_NEAR(c.p[4].lon, -180.0, 0);
	CHECK_NEAR(c.p[4].lat, -90.0, 0);
	/* Rounded to micro-degrees. */
	CHECK_NEAR(c.p[6].lon, 12.345679, 1e-12);
	CHECK_NEAR(c.p[6].lat, -45.0, 1e-12);
}

static void test_asn(void)
{
	struct ap_probe_info p;

	memset(&p, 0, sizeof(p));
	p.asn_v4 = 3333;
	p.asn_v6 = -1;
	CHECK(ap_probe_asn(&p, 4) == 3333);
	CHECK(ap_probe_asn(&p, 6) == -1);
	p.asn_v6 = 1103;
	CHECK(ap_probe_asn(&p, 6) == 1103);
	CHECK(ap_probe_asn(&p, 0) == -1);
	CHECK(ap_probe_asn(&p, 5) == -1);
	CHECK(ap_probe_asn(&p, 46) == -1);
	CHECK(ap_probe_asn(NULL, 4) == -1);
}

/* ---- cache file ------------------------------------------------------ */

static void test_file_roundtrip(const char *dir)
{
	char path[600];
	struct ap_probe_cache *c = NULL;
	const struct ap_probe_info *p;
	struct ap_err err;
	enum ap_status st;
	char *saved;
	/* Unsorted, with a comment; save writes it sorted, comment-free. */
	const char *in = "atlasperf-probes 1\n"
			 "# id asn_v4 asn_v6 cc lat_e6 lon_e6 anchor known "
			 "fetched_at\n"
			 "6001 3333 - NL 52374000 4889700 1 1 1700000000\n"
			 "2 - 64500 DE - - 0 1 1700000001\n"
			 "77 - - - - - 0 0 1700000002\n"
			 "9007199254740991 4294967295 1 US -90000000 "
			 "-180000000 0 1 0\n"
			 "3 1 2 BR 0 0 0 1 253402300799\n";
	const char *want = "atlasperf-probes 1\n"
			   "2 - 64500 DE - - 0 1 1700000001\n"
			   "3 1 2 BR 0 0 0 1 253402300799\n"
			   "77 - - - - - 0 0 1700000002\n"
			   "6001 3333 - NL 52374000 4889700 1 1 1700000000\n"
			   "9007199254740991 4294967295 1 US -90000000 "
			   "-180000000 0 1 0\n";

	snprintf(path, sizeof(path), "%s/roundtrip.cache", dir);

	/* Missing file: empty cache, no error. */
	ap_err_clear(&err);
	st = ap_probe_cache_new(&c, path, 3600, &err);
	CHECK(st == AP_OK && c != NULL);
	CHECK(ap_probe_cache_count(c) == 0);
	CHECK(ap_probe_cache_get(c, 1) == NULL);
	ap_probe_cache_free(c);

	write_file(path, in, strlen(in));
	st = ap_probe_cache_new(&c, path, 3600, &err);
	CHECK(st == AP_OK);
	if (st != AP_OK)
		printf("  error: %s\n", err.msg);
	CHECK(ap_probe_cache_count(c) == 5);
	p = ap_probe_cache_get(c, 6001);
	CHECK(p != NULL);
	if (p != NULL) {
		CHECK(p->id == 6001 && p->asn_v4 == 3333 && p->asn_v6 == -1);
		CHECK_STR(p->cc, "NL");
		CHECK_NEAR(p->lat, 52.374, 1e-12);
		CHECK_NEAR(p->lon, 4.8897, 1e-12);
		CHECK(p->anchor && p->known);
		CHECK(p->fetched_at == 1700000000);
		CHECK(ap_probe_asn(p, 4) == 3333);
	}
	p = ap_probe_cache_get(c, 77);
	CHECK(p != NULL && !p->known && p->asn_v4 == -1 && isnan(p->lat));
	p = ap_probe_cache_get(c, 2);
	CHECK(p != NULL && p->known && isnan(p->lat) && isnan(p->lon));
	CHECK(ap_probe_cache_get(c, 5) == NULL);
	CHECK(ap_probe_cache_get(c, 0) == NULL);
	st = ap_probe_cache_save(c, &err);
	CHECK(st == AP_OK);
	ap_probe_cache_free(c);
	saved = read_all(path);
	CHECK_STR(saved, want);
	free(saved);

	/* Loading the saved file again gives the same bytes back. */
	st = ap_probe_cache_new(&c, path, 3600, &err);
	CHECK(st == AP_OK && ap_probe_cache_count(c) == 5);
	st = ap_probe_cache_save(c, &err);
	CHECK(st == AP_OK);
	ap_probe_cache_free(c);
	saved = read_all(path);
	CHECK_STR(saved, want);
	free(saved);

	/* No temp file left behind. */
	{
		DIR *d = opendir(dir);
		struct dirent *e;
		int temps = 0;

		for (;;) {
			e = d != NULL ? readdir(d) : NULL;
			if (e == NULL)
				break;
			temps += strncmp(e->d_name, "roundtrip.cache.", 16) ==
				 0;
		}
		if (d != NULL)
			closedir(d);
		CHECK(d != NULL && temps == 0);
	}

	/* Memory-only caches save nothing, successfully. */
	st = ap_probe_cache_new(&c, NULL, 10, &err);
	CHECK(st == AP_OK && c != NULL);
	CHECK(ap_probe_cache_save(c, &err) == AP_OK);
	ap_probe_cache_free(c);
	ap_probe_cache_free(NULL);

	/* Bad arguments. */
	c = (struct ap_probe_cache *)&err;
	st = ap_probe_cache_new(&c, NULL, -1, &err);
	CHECK(st == AP_EINVAL && c == NULL);
	CHECK(ap_probe_cache_save(NULL, &err) == AP_EINVAL);
	CHECK(ap_probe_cache_count(NULL) == 0);
	CHECK(ap_probe_cache_get(NULL, 1) == NULL);

	/* Saving into a directory that does not exist fails with AP_EIO. */
	snprintf(path, sizeof(path), "%s/no/such/dir/x.cache", dir);
	st = ap_probe_cache_new(&c, path, 10, &err);
	CHECK(st == AP_OK);
	ap_err_clear(&err);
	st = ap_probe_cache_save(c, &err);
	CHECK(st == AP_EIO);
	CHECK_HAS(err.msg, "no/such/dir");
	ap_probe_cache_free(c);

	/* An unreadable "file" (a directory) is AP_EIO, still usable. */
	st = ap_probe_cache_new(&c, dir, 10, &err);
	CHECK(st == AP_EIO && c != NULL);
	CHECK(ap_probe_cache_count(c) == 0);
	ap_probe_cache_free(c);
}

struct corrupt_case {
	const char *data;
	size_t len; /* 0: strlen */
	const char *want; /* message part after the path */
};

static void test_file_corrupt(const char *dir)
{
	static const char hdr[] = "atlasperf-probes 1\n";
	static const char good[] = "1 3333 - NL 52000000 4000000 0 1 1000\n";
	char path[600], buf[1024], want[700], longline[400];
	static const char nul_line[] =
		"atlasperf-probes 1\n1 - - - - - 0 1 10\0 junk\n";
	const struct corrupt_case cases[] = {
		{"", 0, ":1: empty file"},
		{"hello\n", 0, ":1: not a probe cache file"},
		{"atlasperf-probes 2\n", 0, ":1: unsupported version"},
		{"atlasperf-probes 1", 0, ":1: truncated line"},
		{"G2 x - - - - 0 1 1000\n", 0, ":2: bad asn_v4 'x'"},
		{"G2 - - - 90000001 0 0 1 1000\n", 0, ":2: bad lat_e6"},
		{"G2 - - - 0 -180000001 0 1 1000\n", 0, ":2: bad lon_e6"},
		{"G2 - - - - 5 0 1 1000\n", 0, ":2: lat_e6 and lon_e6"},
		{"G2 - - - - - 0 1\n", 0, ":2: 8 fields, want 9"},
		{"G2 - - - - - 0 1 1000 x\n", 0, ":2: more than 9 fields"},
		{"G2 -  - - - 0 1 1000\n", 0, ":2: empty asn_v6 field"},
		{"G1 - - - - - 0 1 1000\n", 0, ":3: probe 1 listed twice"},
		{"G2 - - - - - 0 1 1000", 0, ":2: truncated line"},
		{"G0 - - - - - 0 1 1000\n", 0, ":2: bad id '0'"},
		{"G99999999999999999999 - - - - - 0 1 1\n", 0, ":2: bad id"},
		{"G9007199254740992 - - - - - 0 1 1\n", 0, ":2: bad id"},
		{"G01 - - - - - 0 1 1000\n", 0, ":2: bad id '01'"},
		{"G-1 - - - - - 0 1 1000\n", 0, ":2: bad id '-1'"},
		{"G+2 - - - - - 0 1 1000\n", 0, ":2: bad id"},
		{"G2 4294967296 - - - - 0 1 1\n", 0, ":2: bad asn_v4"},
		{"G2 0 - - - - 0 1 1\n", 0, ":2: bad asn_v4 '0'"},
		{"G2 - -0 - - - 0 1 1\n", 0, ":2: bad asn_v6 '-0'"},
		{"G2 - - nl - - 0 1 1\n", 0, ":2: bad cc 'nl'"},
		{"G2 - - NLD - - 0 1 1\n", 0, ":2: bad cc 'NLD'"},
		{"G2 - - - - - 2 1 1\n", 0, ":2: bad anchor '2'"},
		{"G2 - - - - - 0 x 1\n", 0, ":2: bad known 'x'"},
		{"G2 - - - - - 0 1 -5\n", 0, ":2: bad fetched_at '-5'"},
		{"G2 - - - - - 0 1 253402300800\n", 0, ":2: bad fetched_at"},
		{"G2 - - - - - 0 1 1000\r\n", 0, ":2: bad fetched_at"},
		{"G2\t- - - - - 0 1 1000\n", 0, ":2: 8 fields"},
		{"G2 5 - - - - 0 0 1000\n", 0, ":2: an unknown probe"},
		{"G2 - - - - - 1 0 1000\n", 0, ":2: an unknown probe"},
		{"G\n", 0, ":2: 1 fields, want 9"},
		{"G 1 - - - - 0 1 1000\n", 0, ":2: empty id field"},
		{"G2 - - - 1.5 2 0 1 1000\n", 0, ":2: bad lat_e6 '1.5'"},
		{longline, 0, ":2: line too long"},
		{nul_line, sizeof(nul_line) - 1,
		 ":2: line too long or contains"},
	};
	struct ap_probe_cache *c;
	struct ap_err err;
	enum ap_status st;

	snprintf(path, sizeof(path), "%s/corrupt.cache", dir);
	memset(longline, 0, sizeof(longline));
	memcpy(longline, "G", 1);
	memset(longline + 1, '7', 300);
	longline[301] = '\n';

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *d = cases[i].data;
		size_t len = cases[i].len ? cases[i].len : strlen(d);

		/* "G" stands for header + one good line. */
		if (d[0] == 'G') {
			int k = snprintf(buf, sizeof(buf), "%s%s%s", hdr,
					 strncmp(d, "G1 ", 3) == 0 ? good : "",
					 d + 1);

			len = (size_t)k;
			d = buf;
		}
		write_file(path, d, len);
		c = NULL;
		ap_err_clear(&err);
		st = ap_probe_cache_new(&c, path, 3600, &err);
		CHECK(st == AP_EPARSE);
		CHECK(c != NULL);
		CHECK(ap_probe_cache_count(c) == 0);
		snprintf(want, sizeof(want), "%s%s", path, cases[i].want);
		CHECK_HAS(err.msg, want);
		ap_probe_cache_free(c);
	}

	/* The good line before a bad one is not kept either: all or
	 * nothing. And the next save replaces the corrupt file. */
	snprintf(buf, sizeof(buf), "%s%s%s", hdr, good, "oops\n");
	write_file(path, buf, strlen(buf));
	st = ap_probe_cache_new(&c, path, 3600, &err);
	CHECK(st == AP_EPARSE && ap_probe_cache_count(c) == 0);
	CHECK(ap_probe_cache_get(c, 1) == NULL);
	CHECK(ap_probe_cache_save(c, &err) == AP_OK);
	ap_probe_cache_free(c);
	st = ap_probe_cache_new(&c, path, 3600, &err);
	CHECK(st == AP_OK && ap_probe_cache_count(c) == 0);
	ap_probe_cache_free(c);

	/* Header plus comments only: a valid empty cache. */
	snprintf(buf, sizeof(buf), "%s# nothing yet\n", hdr);
	write_file(path, buf, strlen(buf));
	st = ap_probe_cache_new(&c, path, 3600, &err);
	CHECK(st == AP_OK && ap_probe_cache_count(c) == 0);
	ap_probe_cache_free(c);
}

/* ---- TTL ------------------------------------------------------------- */

static void test_ttl(const char *dir)
{
	char path[600];
	struct ap_probe_cache *c = NULL;
	struct ap_err err;
	int64_t out[16];
	size_t k;
	const char *in = "atlasperf-probes 1\n"
			 "1 3333 - NL - - 0 1 1000\n"
			 "2 - - - - - 0 0 1000\n"   /* negative, same TTL */
			 "3 3333 - NL - - 0 1 1050\n"
			 "4 3333 - NL - - 0 1 5000\n"; /* from the "future" */
	const int64_t ids[] = {4, 3, 1, 2, 9, 9, 0, -4, 1, 3,
			       AP_PROBE_ID_MAX + 1};
	const size_t n = sizeof(ids) / sizeof(ids[0]);

	snprintf(path, sizeof(path), "%s/ttl.cache", dir);
	write_file(path, in, strlen(in));
	CHECK(ap_probe_cache_new(&c, path, 100, &err) == AP_OK);

	/* At 1050: 1, 2 and 3 are fresh; 4 was fetched "after" now (a
	 * clock that went back) and 9 is absent. Sorted, deduplicated,
	 * invalid ids dropped. */
	k = ap_probe_cache_missing(c, ids, n, 1050, out);
	CHECK(k == 2 && out[0] == 4 && out[1] == 9);
	/* 1099: last second of freshness for 1 and 2. */
	k = ap_probe_cache_missing(c, ids, n, 1099, out);
	CHECK(k == 2 && out[0] == 4 && out[1] == 9);
	/* 1100: age == ttl, stale. */
	k = ap_probe_cache_missing(c, ids, n, 1100, out);
	CHECK(k == 4 && out[0] == 1 && out[1] == 2 && out[2] == 4 &&
	      out[3] == 9);
	k = ap_probe_cache_missing(c, ids, n, 1150, out);
	CHECK(k == 5 && out[2] == 3);
	k = ap_probe_cache_missing(c, ids, n, 5000, out);
	CHECK(k == 4 && out[3] == 9); /* 4 fresh now */
	k = ap_probe_cache_missing(c, NULL, 0, 5000, NULL);
	CHECK(k == 0);

	/* Stale entries are still served. */
	CHECK(ap_probe_cache_get(c, 1) != NULL);
	ap_probe_cache_free(c);

	/* TTL 0: always stale. */
	CHECK(ap_probe_cache_new(&c, path, 0, &err) == AP_OK);
	k = ap_probe_cache_missing(c, ids, n, 1000, out);
	CHECK(k == 5);
	ap_probe_cache_free(c);
}

/* ---- refresh against the fake API ------------------------------------ */

/* True when a logged target asks for exactly the ids lo..hi, ascending,
 * with page_size=500. */
static bool target_is_range(const char *t, int64_t lo, int64_t hi)
{
	static const char pfx[] = "/api/v2/probes/?id__in=";
	const char *p = t;
	int64_t want = lo;

	if (strncmp(p, pfx, sizeof(pfx) - 1) != 0)
		return false;
	p += sizeof(pfx) - 1;
	for (;;) {
		char *end;
		long long v = strtoll(p, &end, 10);

		if (end == p || v != want)
			return false;
		p = end;
		want++;
		if (*p != ',')
			break;
		p++;
	}
	return want == hi + 1 && strcmp(p, "&page_size=500") == 0;
}

static void check_fake_entry(const struct ap_probe_cache *c, int64_t id,
			     int64_t now)
{
	const struct ap_probe_info *p = ap_probe_cache_get(c, id);

	CHECK(p != NULL);
	if (p == NULL)
		return;
	CHECK(p->id == id);
	CHECK(p->fetched_at == now);
	if (!fake_exists(id)) {
		CHECK(!p->known);
		CHECK(p->asn_v4 == -1 && p->asn_v6 == -1 && p->cc[0] == '\0');
		CHECK(isnan(p->lat) && isnan(p->lon) && !p->anchor);
		return;
	}
	CHECK(p->known);
	CHECK(p->asn_v4 == fake_asn4(id));
	CHECK(p->asn_v6 == fake_asn6(id));
	CHECK_STR(p->cc, id % 3 == 0 ? "DE" : "NL");
	CHECK(p->anchor == (id % 5 == 0));
	CHECK_NEAR(p->lat, (double)llround(fake_lat(id) * 1e6) / 1e6, 1e-9);
	CHECK_NEAR(p->lon, (double)llround(fake_lon(id) * 1e6) / 1e6, 1e-9);
}

static void add_page_route(struct server *s, const char *target,
			   const char *results, const char *next_url)
{
	char body[1024], nx[600];

	if (next_url != NULL)
		snprintf(nx, sizeof(nx), "\"%s\"", next_url);
	else
		snprintf(nx, sizeof(nx), "null");
	snprintf(body, sizeof(body),
		 "{\"count\":2,\"next\":%s,\"previous\":null,"
		 "\"results\":[%s]}",
		 nx, results);
	add_route(s, target, 200, body);
}

static void setup_routes(struct server *s)
{
	char url[600], url2[600];
	char *huge;
	size_t huge_len = AP_PROBE_PAGE_MAX + 4096;

	/* Two pages, linked by next. */
	snprintf(url, sizeof(url),
		 "%s/probes/?id__in=3001,3002&page_size=500&page=2", s->base);
	add_page_route(s, "/api/v2/probes/?id__in=3001,3002&page_size=500",
		       "{\"id\":3001,\"asn_v4\":1}", url);
	add_page_route(s,
		       "/api/v2/probes/?id__in=3001,3002&page_size=500&page=2",
		       "{\"id\":3002,\"asn_v4\":2}", NULL);
	/* Off-site, other port, dot-segment next links. */
	add_page_route(s, "/api/v2/probes/?id__in=4001,4002&page_size=500",
		       "{\"id\":4001}",
		       "http://evil.example/api/v2/probes/?page=2");
	snprintf(url, sizeof(url),
		 "http://127.0.0.1:%d/api/v2/probes/?page=2", s->port + 1);
	add_page_route(s, "/api/v2/probes/?id__in=4101,4102&page_size=500",
		       "{\"id\":4101}", url);
	snprintf(url, sizeof(url), "%s/probes/../../../secret/?page=2",
		 s->base);
	add_page_route(s, "/api/v2/probes/?id__in=4201,4202&page_size=500",
		       "{\"id\":4201}", url);
	snprintf(url, sizeof(url), "%sx/probes/?page=2", s->base);
	add_page_route(s, "/api/v2/probes/?id__in=4301,4302&page_size=500",
		       "{\"id\":4301}", url);
	/* A server error. */
	add_route(s, "/api/v2/probes/?id__in=7,5001&page_size=500", 500,
		  "{\"error\":{\"detail\":\"boom\",\"status\":500}}");
	/* next pointing to itself; a two-page cycle. */
	snprintf(url, sizeof(url),
		 "%s/probes/?id__in=6001&page_size=500", s->base);
	add_page_route(s, "/api/v2/probes/?id__in=6001&page_size=500",
		       "{\"id\":6001}", url);
	snprintf(url, sizeof(url), "%s/probes/?loop=b", s->base);
	snprintf(url2, sizeof(url2), "%s/probes/?loop=a", s->base);
	add_page_route(s, "/api/v2/probes/?id__in=6101&page_size=500",
		       "{\"id\":6101}", url);
	add_page_route(s, "/api/v2/probes/?loop=b", "", url2);
	add_page_route(s, "/api/v2/probes/?loop=a", "", url);
	/* Malformed and oversized pages. */
	add_route(s, "/api/v2/probes/?id__in=6201&page_size=500", 200,
		  "{\"results\":[{\"id\":6201}");
	add_route(s, "/api/v2/probes/?id__in=6202&page_size=500", 200,
		  "{\"results\":{\"id\":6202}}");
	huge = malloc(huge_len + 1);
	if (huge == NULL)
		exit(2);
	memset(huge, ' ', huge_len);
	huge[0] = '{';
	huge[huge_len] = '\0';
	add_route(s, "/api/v2/probes/?id__in=6301&page_size=500", 200, huge);
	free(huge);
}

static enum ap_status refresh(struct ap_probe_cache *c, struct ap_fetch *f,
			      const char *base, const int64_t *ids, size_t n,
			      int64_t now, unsigned *req,
			      struct ap_fetch_info *info, struct ap_err *err)
{
	enum ap_status st;

	ap_err_clear(err);
	st = ap_probe_cache_refresh(c, f, base, ids, n, now, req, info, err);
	if (getenv("TEST_VERBOSE") != NULL && st != AP_OK)
		printf("  (refresh: %s: %s)\n", ap_strerror(st), err->msg);
	return st;
}

static void test_refresh(const char *dir)
{
	struct server s;
	struct ap_fetch *f = NULL;
	struct ap_fetch_opts fo;
	struct ap_probe_cache *c = NULL, *c2 = NULL;
	struct ap_fetch_info info;
	struct ap_err err;
	enum ap_status st;
	unsigned req = 99;
	char path[600], line[8192], base_slash[80];
	char *log;
	int64_t ids[1300];
	size_t n = 0;
	const int64_t t0 = 1700000000;
	const struct ap_probe_info *p;
	bool same = true;

	server_listen(&s, dir);
	setup_routes(&s);
	server_start(&s);

	memset(&fo, 0, sizeof(fo));
	fo.base_url = s.base;
	fo.api_key = "test-key";
	fo.user_agent = "atlasperf-test";
	fo.timeout_s = 20;
	fo.max_bytes = (size_t)64 << 20;
	CHECK(ap_fetch_new(&f, &fo, &err) == AP_OK);
	snprintf(path, sizeof(path), "%s/probes.cache", dir);
	CHECK(ap_probe_cache_new(&c, path, 3600, &err) == AP_OK);

	/* 1. Empty cache, 1200 ids (+ duplicates and invalid ones): three
	 * chunks of <= 500, ascending. */
	for (int64_t id = 1200; id >= 1; id--)
		ids[n++] = id;
	ids[n++] = 5;
	ids[n++] = 1200;
	ids[n++] = 0;
	ids[n++] = -3;
	ids[n++] = AP_PROBE_ID_MAX + 1;
	st = refresh(c, f, s.base, ids, n, t0, &req, &info, &err);
	CHECK(st == AP_OK);
	if (st != AP_OK)
		printf("  error: %s\n", err.msg);
	CHECK(req == 3);
	CHECK(info.status == 200);
	log = take_log(&s);
	CHECK(count_lines(log) == 3);
	CHECK(target_is_range(nth_line(log, 0, line, sizeof(line)), 1, 500));
	CHECK(target_is_range(nth_line(log, 1, line, sizeof(line)), 501,
			      1000));
	CHECK(target_is_range(nth_line(log, 2, line, sizeof(line)), 1001,
			      1200));
	free(log);
	CHECK(ap_probe_cache_count(c) == 1200);
	for (int64_t id = 1; id <= 1200; id += 1)
		if (id < 30 || id % 97 == 0 || id > 1190)
			check_fake_entry(c, id, t0);
	p = ap_probe_cache_get(c, 7);
	CHECK(p != NULL && !p->known);

	/* The file was saved and loads back equal. */
	CHECK(ap_probe_cache_new(&c2, path, 3600, &err) == AP_OK);
	CHECK(ap_probe_cache_count(c2) == 1200);
	for (int64_t id = 1; id <= 1200; id++) {
		const struct ap_probe_info *a = ap_probe_cache_get(c, id);
		const struct ap_probe_info *b = ap_probe_cache_get(c2, id);

		if (a == NULL || b == NULL ||
		    memcmp(a->cc, b->cc, sizeof(a->cc)) != 0 ||
		    a->asn_v4 != b->asn_v4 || a->asn_v6 != b->asn_v6 ||
		    a->known != b->known || a->anchor != b->anchor ||
		    a->fetched_at != b->fetched_at ||
		    !((isnan(a->lat) && isnan(b->lat)) || a->lat == b->lat) ||
		    !((isnan(a->lon) && isnan(b->lon)) || a->lon == b->lon)) {
			printf("  round trip differs at id %" PRId64 "\n", id);
			same = false;
			break;
		}
	}
	CHECK(same);
	ap_probe_cache_free(c2);
	c2 = NULL;

	/* 2. Everything fresh: no request at all. */
	st = refresh(c, f, s.base, ids, n, t0 + 10, &req, &info, &err);
	CHECK(st == AP_OK && req == 0 && info.status == 0);
	log = take_log(&s);
	CHECK(count_lines(log) == 0);
	free(log);

	/* 3. Refresh 1..10 once stale (age == TTL); then 1..12 asks only
	 * for the two that are not fresh. base_url with a trailing '/'. */
	snprintf(base_slash, sizeof(base_slash), "%s/", s.base);
	st = refresh(c, f, base_slash, ids + 1190, 10, t0 + 3600, &req, NULL,
		     &err);
	CHECK(st == AP_OK && req == 1);
	log = take_log(&s);
	CHECK(count_lines(log) == 1);
	CHECK(target_is_range(nth_line(log, 0, line, sizeof(line)), 1, 10));
	free(log);
	check_fake_entry(c, 7, t0 + 3600); /* negative again, newer */
	check_fake_entry(c, 8, t0 + 3600);
	check_fake_entry(c, 11, t0);
	st = refresh(c, f, s.base, ids + 1188, 12, t0 + 3600, &req, NULL,
		     &err);
	CHECK(st == AP_OK && req == 1);
	log = take_log(&s);
	CHECK(count_lines(log) == 1);
	CHECK(target_is_range(nth_line(log, 0, line, sizeof(line)), 11, 12));
	free(log);

	/* 4. next links are followed. */
	{
		const int64_t two[] = {3002, 3001};

		st = refresh(c, f, s.base, two, 2, t0, &req, &info, &err);
		CHECK(st == AP_OK && req == 2 && info.status == 200);
		log = take_log(&s);
		CHECK(count_lines(log) == 2);
		CHECK_STR(nth_line(log, 1, line, sizeof(line)),
			  "/api/v2/probes/?id__in=3001,3002&page_size=500"
			  "&page=2");
		free(log);
		p = ap_probe_cache_get(c, 3001);
		CHECK(p != NULL && p->known && p->asn_v4 == 1);
		p = ap_probe_cache_get(c, 3002);
		CHECK(p != NULL && p->known && p->asn_v4 == 2);
	}

	/* 5. A next link outside base_url is refused; the probe from the
	 * first page stays, the unreturned id is not made negative. */
	{
		const int64_t bad[][2] = {
			{4001, 4002}, {4101, 4102}, {4201, 4202}, {4301, 4302}};

		for (size_t i = 0; i < 4; i++) {
			st = refresh(c, f, s.base, bad[i], 2, t0, &req, &info,
				     &err);
			CHECK(st == AP_EPARSE);
			CHECK_HAS(err.msg, "refusing to follow");
			CHECK(req == 1);
			log = take_log(&s);
			CHECK(count_lines(log) == 1);
			free(log);
			p = ap_probe_cache_get(c, bad[i][0]);
			CHECK(p != NULL && p->known && p->fetched_at == t0);
			CHECK(ap_probe_cache_get(c, bad[i][1]) == NULL);
		}
	}

	/* 6. HTTP 500: negative entries are left as they were, missing ids
	 * are not marked, the error and status come back. */
	{
		const int64_t two[] = {7, 5001};
		const struct ap_probe_info before = *ap_probe_cache_get(c, 7);

		st = refresh(c, f, s.base, two, 2, t0 + 7200, &req, &info,
			     &err);
		CHECK(st == AP_EHTTP);
		CHECK(req == 1 && info.status == 500);
		CHECK_HAS(err.msg, "HTTP 500");
		log = take_log(&s);
		CHECK_STR(nth_line(log, 0, line, sizeof(line)),
			  "/api/v2/probes/?id__in=7,5001&page_size=500");
		free(log);
		p = ap_probe_cache_get(c, 7);
		CHECK(p != NULL && !p->known &&
		      p->fetched_at == before.fetched_at);
		CHECK(ap_probe_cache_get(c, 5001) == NULL);
	}

	/* 7. A next link to the same page; a two-page cycle hits the cap. */
	{
		const int64_t one[] = {6001};
		const int64_t cyc[] = {6101};

		st = refresh(c, f, s.base, one, 1, t0, &req, &info, &err);
		CHECK(st == AP_EPARSE && req == 1);
		CHECK_HAS(err.msg, "same page");
		p = ap_probe_cache_get(c, 6001);
		CHECK(p != NULL && p->known);
		st = refresh(c, f, s.base, cyc, 1, t0, &req, &info, &err);
		CHECK(st == AP_ERANGE);
		CHECK(req == AP_PROBE_MAX_PAGES);
		CHECK_HAS(err.msg, "pages");
		log = take_log(&s);
		CHECK(count_lines(log) == 1 + AP_PROBE_MAX_PAGES);
		free(log);
	}

	/* 8. Malformed and oversized pages. */
	{
		const int64_t a[] = {6201}, b[] = {6202}, h[] = {6301};

		st = refresh(c, f, s.base, a, 1, t0, &req, &info, &err);
		CHECK(st == AP_EPARSE);
		CHECK(ap_probe_cache_get(c, 6201) == NULL);
		st = refresh(c, f, s.base, b, 1, t0, &req, &info, &err);
		CHECK(st == AP_EPARSE);
		CHECK_HAS(err.msg, "not a list");
		CHECK(ap_probe_cache_get(c, 6202) == NULL);
		st = refresh(c, f, s.base, h, 1, t0, &req, &info, &err);
		CHECK(st == AP_ERANGE);
		CHECK_HAS(err.msg, "larger than 16777216 bytes");
		CHECK(ap_probe_cache_get(c, 6301) == NULL);
		free(take_log(&s));
	}

	/* 9. Nothing was saved by the failures; the next success saves
	 * everything, 4001 (kept from a failed refresh) included. */
	{
		const int64_t one[] = {9000};

		CHECK(ap_probe_cache_new(&c2, path, 3600, &err) == AP_OK);
		CHECK(ap_probe_cache_get(c2, 4001) == NULL);
		CHECK(ap_probe_cache_get(c2, 3001) != NULL);
		ap_probe_cache_free(c2);
		st = refresh(c, f, s.base, one, 1, t0, &req, &info, &err);
		CHECK(st == AP_OK && req == 1);
		CHECK(ap_probe_cache_new(&c2, path, 3600, &err) == AP_OK);
		CHECK(ap_probe_cache_count(c2) == ap_probe_cache_count(c));
		p = ap_probe_cache_get(c2, 4001);
		CHECK(p != NULL && p->known);
		p = ap_probe_cache_get(c2, 7);
		CHECK(p != NULL && !p->known && p->fetched_at == t0 + 3600);
		CHECK(ap_probe_cache_get(c2, 5001) == NULL);
		CHECK(ap_probe_cache_get(c2, 4002) == NULL);
		check_fake_entry(c2, 9000, t0);
		ap_probe_cache_free(c2);
		free(take_log(&s));
	}

	/* 10. Bad arguments; nothing requested. */
	st = refresh(NULL, f, s.base, ids, 1, t0, &req, &info, &err);
	CHECK(st == AP_EINVAL && req == 0);
	st = refresh(c, NULL, s.base, ids, 1, t0, &req, &info, &err);
	CHECK(st == AP_EINVAL);
	st = refresh(c, f, NULL, ids, 1, t0, &req, &info, &err);
	CHECK(st == AP_EINVAL);
	st = refresh(c, f, "/", ids, 1, t0, &req, &info, &err);
	CHECK(st == AP_EINVAL);
	st = refresh(c, f, s.base, NULL, 1, t0, &req, &info, &err);
	CHECK(st == AP_EINVAL);
	st = refresh(c, f, s.base, ids, 1, -1, &req, &info, &err);
	CHECK(st == AP_EINVAL);
	st = refresh(c, f, s.base, NULL, 0, t0, NULL, NULL, &err);
	CHECK(st == AP_OK);
	log = take_log(&s);
	CHECK(count_lines(log) == 0);
	free(log);

	/* 11. A server that is gone: AP_EHTTP, nothing marked. */
	server_stop(&s);
	{
		const int64_t one[] = {9100};

		st = refresh(c, f, s.base, one, 1, t0, &req, &info, &err);
		CHECK(st == AP_EHTTP && req == 1 && info.status == 0);
		CHECK(ap_probe_cache_get(c, 9100) == NULL);
	}

	ap_probe_cache_free(c);
	ap_fetch_free(f);
}

/* ---- main ------------------------------------------------------------ */

static void remove_tree(const char *dir)
{
	static const char *const files[] = {
		"roundtrip.cache", "corrupt.cache", "ttl.cache",
		"probes.cache", "requests.log"};
	char p[700];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

int main(void)
{
	char dir[] = "/tmp/test_probe.XXXXXX";

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	/* The fake API is on loopback: keep any proxy out of the way. */
	setenv("no_proxy", "127.0.0.1", 1);
	setenv("NO_PROXY", "127.0.0.1", 1);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	test_parse_page();
	test_parse_malformed();
	test_parse_values();
	test_asn();
	test_file_roundtrip(dir);
	test_file_corrupt(dir);
	test_ttl(dir);
	test_refresh(dir);

	remove_tree(dir);
	curl_global_cleanup();
	TEST_DONE();
}

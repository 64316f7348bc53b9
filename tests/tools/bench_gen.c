/* SPDX-License-Identifier: MIT */
/*
 * bench_gen: writes synthetic but realistic modern (fw 5020) RIPE Atlas
 * ping or traceroute results, one JSON object per line, to stdout. The
 * output depends only on the arguments (own splitmix64 PRNG, no rand()),
 * so benchmark inputs can be regenerated instead of being stored.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest line we ever build: 20 hops x 3 replies with icmpext is ~8 KB. */
#define LINE_CAP (64 * 1024)
#define OUT_BUF (1024 * 1024)
#define PROBE_MIN 1000
#define PROBE_SPAN 60000
#define TS_START INT64_C(1700000000)

enum kind { KIND_PING, KIND_TRACEROUTE };

struct rng {
	uint64_t s;
};

struct line {
	char data[LINE_CAP];
	size_t len;
};

/* One measurement the generated results belong to. */
struct msm {
	int64_t id;
	int af;
	const char *dst_name;
	const char *dst_addr;
	const char *proto;
	int step; /* 0: not a built-in, "step" is null */
};

static const struct msm PING_MSMS[] = {
	{1001, 4, "k.root-servers.net", "193.0.14.129", "ICMP", 240},
	{1004, 4, "f.root-servers.net", "192.5.5.241", "ICMP", 240},
	{1010, 4, "b.root-servers.net", "170.247.170.2", "ICMP", 240},
	{1012, 4, "l.root-servers.net", "199.7.83.42", "ICMP", 240},
	{2001, 6, "k.root-servers.net", "2001:7fd::1", "ICMP", 240},
	{2004, 6, "f.root-servers.net", "2001:500:2f::f", "ICMP", 240},
	{2012, 6, "l.root-servers.net", "2001:500:9f::42", "ICMP", 240},
	{61234567, 4, "www.example.net", "203.0.113.80", "ICMP", 0},
	{61234568, 6, "www.example.net", "2001:db8:80::80", "ICMP", 0},
};

static const struct msm TRACE_MSMS[] = {
	{5001, 4, "k.root-servers.net", "193.0.14.129", "UDP", 1800},
	{5004, 4, "f.root-servers.net", "192.5.5.241", "UDP", 1800},
	{5051, 4, "ns.ripe.net", "193.0.9.6", "ICMP", 900},
	{6001, 6, "k.root-servers.net", "2001:7fd::1", "UDP", 1800},
	{6004, 6, "f.root-servers.net", "2001:500:2f::f", "UDP", 1800},
	{62345678, 4, "www.example.org", "198.51.100.20", "ICMP", 0},
};

#define N_PING_MSMS (sizeof(PING_MSMS) / sizeof(PING_MSMS[0]))
#define N_TRACE_MSMS (sizeof(TRACE_MSMS) / sizeof(TRACE_MSMS[0]))

static const char USAGE[] =
	"Usage: bench_gen --type ping|traceroute (--count N | --bytes B)\n"
	"                 [--seed S]\n"
	"Writes synthetic modern RIPE Atlas results as JSON lines to stdout.\n"
	"--bytes stops after the line that reaches about B bytes in total.\n";

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rng_next(struct rng *r)
{
	return splitmix64(&r->s);
}

/* Uniform in [0, n); n > 0. The modulo bias is irrelevant here. */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

/* Uniform in [0, 1). */
static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* True with probability pct / 100. */
static int rng_pct(struct rng *r, double pct)
{
	return rng_unit(r) * 100.0 < pct;
}

/* A value fixed by (seed, a, b): the same probe always gets the same
 * addresses and base RTT, as real probes do. */
static uint64_t hash2(uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t s = seed ^ (a * UINT64_C(0x9e3779b97f4a7c15)) ^
		     (b * UINT64_C(0xc2b2ae3d27d4eb4f));

	return splitmix64(&s);
}

static void die(const char *msg)
{
	fprintf(stderr, "bench_gen: %s\n", msg);
	exit(1);
}

static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->data + l->len, LINE_CAP - l->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= LINE_CAP - l->len)
		die("line buffer too small");
	l->len += (size_t)n;
}

/* A public-looking IPv4 (first octet 2..223, never 10/127/172/192). */
static void fmt_ipv4(char *buf, size_t cap, uint64_t h)
{
	unsigned a = 2 + (unsigned)(h % 222);

	if (a == 10 || a == 127 || a == 172 || a == 192)
		a++;
	snprintf(buf, cap, "%u.%u.%u.%u", a, (unsigned)(h >> 8) & 0xff,
		 (unsigned)(h >> 16) & 0xff, 1 + (unsigned)(h >> 24) % 254);
}

static void fmt_ipv6(char *buf, size_t cap, uint64_t h)
{
	static const unsigned PREFIX[] = {0x2a02, 0x2001, 0x2a01, 0x2600,
					  0x2c0f, 0x2804};

	snprintf(buf, cap, "%x:%x:%x:%x::%x",
		 PREFIX[h % (sizeof(PREFIX) / sizeof(PREFIX[0]))],
		 (unsigned)(h >> 8) & 0xffff, (unsigned)(h >> 24) & 0xffff,
		 (unsigned)(h >> 40) & 0xff, 1 + (unsigned)(h >> 48) % 0xfffe);
}

static void fmt_addr(char *buf, size_t cap, int af, uint64_t h)
{
	if (af == 6)
		fmt_ipv6(buf, cap, h);
	else
		fmt_ipv4(buf, cap, h);
}

/* A home-network source address for IPv4, the public one for IPv6. */
static void fmt_src(char *buf, size_t cap, int af, uint64_t h,
		    const char *from)
{
	if (af == 6)
		snprintf(buf, cap, "%s", from);
	else if (h & 1)
		snprintf(buf, cap, "192.168.%u.%u", (unsigned)(h >> 8) % 3,
			 2 + (unsigned)(h >> 16) % 250);
	else
		snprintf(buf, cap, "10.%u.0.%u", (unsigned)(h >> 8) % 256,
			 2 + (unsigned)(h >> 16) % 250);
}

/* Fields every modern result has, written at the start of the line. */
struct common {
	const struct msm *m;
	int64_t prb_id;
	int64_t ts;
	char from[48];
	char src[48];
	uint64_t probe_hash;
};

static void pick_common(struct common *c, struct rng *r, uint64_t seed,
			const struct msm *m)
{
	c->m = m;
	c->prb_id = PROBE_MIN + (int64_t)rng_below(r, PROBE_SPAN);
	c->probe_hash = hash2(seed, (uint64_t)c->prb_id, (uint64_t)m->af);
	fmt_addr(c->from, sizeof(c->from), m->af, c->probe_hash);
	fmt_src(c->src, sizeof(c->src), m->af, c->probe_hash >> 3, c->from);
}

static void put_lts(struct line *l, struct rng *r)
{
	put(l, "\"lts\":%d,",
	    rng_pct(r, 1.0) ? -1 : (int)rng_below(r, 300));
}

static void put_tail(struct line *l, struct rng *r, const struct common *c,
		     const char *msm_name, const char *type)
{
	put(l,
	    "\"msm_id\":%" PRId64 ",\"prb_id\":%" PRId64
	    ",\"timestamp\":%" PRId64 ",\"msm_name\":\"%s\",\"from\":\"%s\","
	    "\"type\":\"%s\",\"group_id\":%" PRId64 ",",
	    c->m->id, c->prb_id, c->ts, msm_name, c->from, type, c->m->id);
	if (c->m->step > 0)
		put(l, "\"step\":%d,", c->m->step);
	else
		put(l, "\"step\":null,");
	put(l, "\"stored_timestamp\":%" PRId64 "}\n",
	    c->ts + 18 + (int64_t)rng_below(r, 54));
}

/* Base RTT of a probe towards a target: mostly 2..80 ms, a long tail. */
static double base_rtt(const struct common *c)
{
	uint64_t h = hash2(c->probe_hash, (uint64_t)c->m->id, 7);
	double u = (double)(h >> 11) * (1.0 / 9007199254740992.0);

	return 1.0 + 80.0 * u * u * u + (u > 0.9 ? 150.0 * (u - 0.9) * 10.0
						 : 0.0);
}

static double jitter(struct rng *r, double base)
{
	double j = base * 0.05 * rng_unit(r);

	if (rng_pct(r, 5.0))
		j += base * rng_unit(r); /* an occasional spike */
	return base + j;
}

static void gen_ping(struct line *l, struct rng *r, uint64_t seed,
		     int64_t ts)
{
	struct common c;
	double rtt[3], sum = 0.0, mn = 0.0, mx = 0.0;
	int got[3], rcvd = 0, dup = 0, total_loss;
	const int sent = 3;
	double base;

	pick_common(&c, r, seed, &PING_MSMS[rng_below(r, N_PING_MSMS)]);
	c.ts = ts;
	base = base_rtt(&c);
	total_loss = rng_pct(r, 1.0);
	for (int i = 0; i < sent; i++) {
		got[i] = !total_loss && !rng_pct(r, 3.0);
		rtt[i] = jitter(r, base);
		if (!got[i])
			continue;
		if (rcvd == 0 || rtt[i] < mn)
			mn = rtt[i];
		if (rcvd == 0 || rtt[i] > mx)
			mx = rtt[i];
		sum += rtt[i];
		rcvd++;
	}
	put(l, "{\"fw\":5020,\"mver\":\"2.6.2\",");
	put_lts(l, r);
	put(l,
	    "\"dst_name\":\"%s\",\"af\":%d,\"dst_addr\":\"%s\","
	    "\"src_addr\":\"%s\",\"proto\":\"%s\",\"ttl\":%d,\"size\":48,"
	    "\"result\":[",
	    c.m->dst_name, c.m->af, c.m->dst_addr, c.src, c.m->proto,
	    64 - 4 - (int)(c.probe_hash % 20));
	for (int i = 0; i < sent; i++) {
		if (i > 0)
			put(l, ",");
		if (!got[i]) {
			put(l, "{\"x\":\"*\"}");
			continue;
		}
		put(l, "{\"rtt\":%.3f}", rtt[i]);
		/* A duplicate reply follows the original (~0.5%). */
		if (rng_pct(r, 0.5)) {
			put(l, ",{\"rtt\":%.3f,\"dup\":1}",
			    rtt[i] + 0.5 * rng_unit(r));
			dup++;
		}
	}
	put(l, "],\"sent\":%d,\"rcvd\":%d,\"dup\":%d,", sent, rcvd, dup);
	if (rcvd == 0)
		put(l, "\"min\":-1,\"avg\":-1,\"max\":-1,");
	else
		put(l, "\"min\":%.3f,\"avg\":%.7f,\"max\":%.3f,", mn,
		    sum / rcvd, mx);
	put_tail(l, r, &c, "Ping", "ping");
}

/* One reply of a traceroute hop. Replies from the destination carry the
 * target address; icmpext adds an MPLS label stack as real routers do. */
static void put_reply(struct line *l, const char *from, int ttl, int size,
		      double rtt, unsigned mpls_label, const char *err)
{
	put(l, "{\"from\":\"%s\",\"ttl\":%d,\"size\":%d,", from, ttl, size);
	if (err != NULL)
		put(l, "\"err\":\"%s\",", err);
	if (mpls_label != 0)
		put(l,
		    "\"icmpext\":{\"version\":2,\"rfc4884\":1,\"obj\":[{"
		    "\"class\":1,\"type\":1,\"mpls\":[{\"ttl\":1,\"s\":1,"
		    "\"exp\":0,\"label\":%u}]}]},",
		    mpls_label);
	put(l, "\"rtt\":%.3f}", rtt);
}

static void gen_traceroute(struct line *l, struct rng *r, uint64_t seed,
			   int64_t ts)
{
	struct common c;
	int n_hops = 8 + (int)rng_below(r, 13);
	int unreached = rng_pct(r, 3.0);
	int err_last = !unreached && rng_pct(r, 2.0);
	int last_silent = n_hops; /* trailing hops that never answer */
	double base, dur;
	const struct msm *m;

	m = &TRACE_MSMS[rng_below(r, N_TRACE_MSMS)];
	pick_common(&c, r, seed, m);
	c.ts = ts;
	base = base_rtt(&c);
	dur = 1.0 + (double)n_hops * 0.3;
	if (unreached) {
		last_silent = 4 + (int)rng_below(r, (uint64_t)n_hops - 4);
		dur += 60.0;
	}
	put(l, "{\"fw\":5020,");
	put_lts(l, r);
	put(l,
	    "\"endtime\":%" PRId64 ",\"dst_name\":\"%s\",\"dst_addr\":\"%s\","
	    "\"src_addr\":\"%s\",\"proto\":\"%s\",\"af\":%d,\"size\":48,"
	    "\"paris_id\":%d,\"result\":[",
	    ts + (int64_t)dur, m->dst_name, m->dst_addr, c.src, m->proto,
	    m->af, 1 + (int)rng_below(r, 16));
	for (int hop = 1; hop <= n_hops; hop++) {
		int is_last = hop == n_hops;
		int silent = rng_pct(r, 4.0) || (unreached && hop > last_silent);
		int mpls = !is_last && hop > 2 && rng_pct(r, 4.0);
		int hop_no = unreached && is_last ? 255 : hop;
		double hop_rtt = base * (double)hop / (double)n_hops;
		uint64_t hh = hash2(c.probe_hash, (uint64_t)m->id,
				    (uint64_t)hop + 2000);
		/* Routers start at 255 or 64; the reply loses hop - 1. */
		int ttl = (hh & 1 ? 255 : 64) - (hop - 1);
		unsigned label = mpls ? 16 + (unsigned)(hh >> 8) % 1000000 : 0;
		char from[48], alt[48];

		if (is_last && !unreached)
			snprintf(from, sizeof(from), "%s", m->dst_addr);
		else if (hop == 1 && m->af == 4)
			snprintf(from, sizeof(from), "192.168.%u.1",
				 (unsigned)(c.probe_hash >> 20) % 3);
		else
			fmt_addr(from, sizeof(from), m->af,
				 hash2(c.probe_hash, (uint64_t)m->id,
				       (uint64_t)hop));
		/* Load balancing: another router at the same distance. */
		fmt_addr(alt, sizeof(alt), m->af,
			 hash2(c.probe_hash, (uint64_t)m->id,
			       (uint64_t)hop + 1000));
		if (hop > 1)
			put(l, ",");
		put(l, "{\"hop\":%d,\"result\":[", hop_no);
		for (int k = 0; k < 3; k++) {
			const char *who = from;

			if (k > 0)
				put(l, ",");
			if (silent || rng_pct(r, 6.0)) {
				put(l, "{\"x\":\"*\"}");
				continue;
			}
			if (!is_last && hop > 1 && rng_pct(r, 3.0))
				who = alt;
			put_reply(l, who, ttl, is_last ? 48 : 76,
				  jitter(r, hop_rtt), label,
				  is_last && err_last ? "N" : NULL);
		}
		put(l, "]}");
	}
	put(l, "],");
	put_tail(l, r, &c, "Traceroute", "traceroute");
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		return -1;
	*out = (uint64_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	static struct line l;
	enum kind kind = KIND_PING;
	int have_type = 0, have_limit = 0;
	uint64_t count = UINT64_MAX, bytes = UINT64_MAX, seed = 1;
	uint64_t written = 0, n = 0;
	int64_t ts = TS_START;
	struct rng r;
	char *obuf;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(USAGE, stdout);
			return 0;
		}
		if (v == NULL)
			goto usage;
		i++;
		if (strcmp(a, "--type") == 0) {
			if (strcmp(v, "ping") == 0)
				kind = KIND_PING;
			else if (strcmp(v, "traceroute") == 0)
				kind = KIND_TRACEROUTE;
			else
				goto usage;
			have_type = 1;
		} else if (strcmp(a, "--count") == 0) {
			if (parse_u64(v, &count) != 0)
				goto usage;
			have_limit = 1;
		} else if (strcmp(a, "--bytes") == 0) {
			if (parse_u64(v, &bytes) != 0)
				goto usage;
			have_limit = 1;
		} else if (strcmp(a, "--seed") == 0) {
			if (parse_u64(v, &seed) != 0)
				goto usage;
		} else {
			goto usage;
		}
	}
	if (!have_type || !have_limit)
		goto usage;

	obuf = malloc(OUT_BUF);
	if (obuf != NULL)
		setvbuf(stdout, obuf, _IOFBF, OUT_BUF);
	r.s = seed;
	while (n < count && written < bytes) {
		l.len = 0;
		/* Many probes report within the same second. */
		ts += (int64_t)rng_below(&r, 3) == 0 ? 1 : 0;
		if (kind == KIND_PING)
			gen_ping(&l, &r, seed, ts);
		else
			gen_traceroute(&l, &r, seed, ts);
		if (fwrite(l.data, 1, l.len, stdout) != l.len)
			break;
		written += l.len;
		n++;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "bench_gen: write error: %s\n",
			strerror(errno));
		return 1;
	}
	/* obuf stays allocated: stdout uses it until exit. */
	return 0;
usage:
	fputs(USAGE, stderr);
	return 2;
}

/* SPDX-License-Identifier: MIT */
/*
 * ap_path: exit-link and IXP classification of traceroute hops by
 * longest-prefix match, the PeeringDB ixpfx loader, and the fibre bound
 * used for path inflation. See ap_path.h and docs/path-analysis.md.
 */
#include "atlasperf/ap_path.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An ixpfx export is {"meta":{}, "data":[{...}]}: three levels. */
#define IXPFX_DEPTH 16

enum { KIND_LINK = 0, KIND_IXP = 1 };
enum { FAM_4 = 0, FAM_6 = 1 };

/* One prefix; addr holds the network (host bits zero), IPv4 in addr[0..3]
 * and zeros after, so 16-byte comparisons work for both families. */
struct pfx {
	unsigned char addr[16];
	unsigned int bits;
	size_t name; /* index into ap_path_table.names */
	size_t seq;  /* insertion order: the first of two equal prefixes wins */
};

/* The entries of one prefix length: v[start .. start + n). */
struct pfx_group {
	unsigned int bits;
	size_t start, n;
};

/*
 * One family of one kind. After finish_set() v is sorted by length (longest
 * first), then address, without duplicates, and g lists the lengths: a
 * lookup is one binary search per length, longest first.
 */
struct pfx_set {
	struct pfx *v;
	size_t n, cap;
	struct pfx_group g[129];
	size_t n_g;
};

struct ap_path_table {
	struct pfx_set set[2][2]; /* [KIND_*][FAM_*] */
	char **names;             /* link names, then IXP names; owned */
	size_t n_names, cap_names;
	size_t seq;               /* next insertion number */
};

/* ---- table ------------------------------------------------------- */

static size_t total_prefixes(const struct ap_path_table *t)
{
	return t->set[0][0].n + t->set[0][1].n + t->set[1][0].n +
	       t->set[1][1].n;
}

static enum ap_status add_name(struct ap_path_table *t, const char *name,
			       size_t *idx, struct ap_err *err)
{
	char *copy;

	if (t->n_names == t->cap_names) {
		size_t cap = t->cap_names ? t->cap_names * 2 : 16;
		char **v;

		if (cap > SIZE_MAX / sizeof(*v))
			return ap_err_set(err, AP_ENOMEM, "out of memory");
		v = realloc(t->names, cap * sizeof(*v));
		if (v == NULL)
			return ap_err_set(err, AP_ENOMEM, "out of memory");
		t->names = v;
		t->cap_names = cap;
	}
	copy = strdup(name);
	if (copy == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	t->names[t->n_names] = copy;
	*idx = t->n_names++;
	return AP_OK;
}

/* Appends p (unsorted until finish_set()). */
static enum ap_status add_prefix(struct ap_path_table *t, int kind,
				 const struct ap_config_prefix *p, size_t name,
				 struct ap_err *err)
{
	struct pfx_set *s = &t->set[kind][p->af == 6 ? FAM_6 : FAM_4];
	struct pfx *e;

	if (total_prefixes(t) >= AP_PATH_MAX_PREFIXES)
		return ap_err_set(err, AP_ERANGE,
				  "more than %zu prefixes for path analysis",
				  AP_PATH_MAX_PREFIXES);
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct pfx *v;

		if (cap > SIZE_MAX / sizeof(*v))
			return ap_err_set(err, AP_ENOMEM, "out of memory");
		v = realloc(s->v, cap * sizeof(*v));
		if (v == NULL)
			return ap_err_set(err, AP_ENOMEM, "out of memory");
		s->v = v;
		s->cap = cap;
	}
	e = &s->v[s->n++];
	memcpy(e->addr, p->addr, sizeof(e->addr));
	if (p->af != 6)
		memset(e->addr + 4, 0, sizeof(e->addr) - 4);
	e->bits = p->bits;
	e->name = name;
	e->seq = t->seq++;
	return AP_OK;
}

static int cmp_pfx(const void *a, const void *b)
{
	const struct pfx *x = a, *y = b;
	int c;

	if (x->bits != y->bits)
		return x->bits > y->bits ? -1 : 1;
	c = memcmp(x->addr, y->addr, sizeof(x->addr));
	if (c != 0)
		return c;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Sorts, drops repeats of a prefix (keeping the first added) and
 * rebuilds the length groups. */
static void finish_set(struct pfx_set *s)
{
	size_t k = 0;

	s->n_g = 0;
	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_pfx);
	for (size_t i = 1; i < s->n; i++) {
		if (s->v[i].bits == s->v[k].bits &&
		    memcmp(s->v[i].addr, s->v[k].addr, 16) == 0)
			continue;
		s->v[++k] = s->v[i];
	}
	s->n = k + 1;
	for (size_t i = 0; i < s->n; i++) {
		if (s->n_g == 0 || s->g[s->n_g - 1].bits != s->v[i].bits) {
			s->g[s->n_g].bits = s->v[i].bits;
			s->g[s->n_g].start = i;
			s->g[s->n_g].n = 0;
			s->n_g++;
		}
		s->g[s->n_g - 1].n++;
	}
}

void ap_path_table_free(struct ap_path_table *t)
{
	if (t == NULL)
		return;
	for (int k = 0; k < 2; k++)
		for (int f = 0; f < 2; f++)
			free(t->set[k][f].v);
	for (size_t i = 0; i < t->n_names; i++)
		free(t->names[i]);
	free(t->names);
	free(t);
}

enum ap_status ap_path_table_new(struct ap_path_table **out,
				 const struct ap_config *cfg,
				 struct ap_err *err)
{
	struct ap_path_table *t;
	enum ap_status st = AP_OK;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return ap_err_set(err, AP_ENOMEM, "out of memory");
	for (size_t i = 0; cfg != NULL && i < cfg->n_links; i++) {
		const struct ap_config_link *l = &cfg->links[i];
		size_t name;

		if (strcmp(l->name, AP_PATH_UNKNOWN) == 0 ||
		    strcmp(l->name, AP_PATH_AMBIGUOUS) == 0) {
			st = ap_err_set(err, AP_EINVAL,
					"links[%zu]: the name '%s' is reserved "
					"for path analysis",
					i, l->name);
			goto out;
		}
		st = add_name(t, l->name, &name, err);
		for (size_t j = 0; st == AP_OK && j < l->n_prefixes; j++)
			st = add_prefix(t, KIND_LINK, &l->prefixes[j], name,
					err);
		if (st != AP_OK)
			goto out;
	}
	finish_set(&t->set[KIND_LINK][FAM_4]);
	finish_set(&t->set[KIND_LINK][FAM_6]);
	if (cfg != NULL && cfg->ixp_prefixes_file != NULL)
		st = ap_path_load_peeringdb_ixpfx(t, cfg->ixp_prefixes_file,
						  err);
out:
	if (st != AP_OK)
		ap_path_table_free(t);
	else
		*out = t;
	return st;
}

/* Forgets the IXP prefixes and names added after a snapshot (they sit
 * unsorted at the ends of the arrays), then re-sorts. */
static void ixp_rollback(struct ap_path_table *t, size_t n4, size_t n6,
			 size_t n_names)
{
	t->set[KIND_IXP][FAM_4].n = n4;
	t->set[KIND_IXP][FAM_6].n = n6;
	while (t->n_names > n_names)
		free(t->names[--t->n_names]);
	finish_set(&t->set[KIND_IXP][FAM_4]);
	finish_set(&t->set[KIND_IXP][FAM_6]);
}

static enum ap_status check_ixp_name(const char *name, struct ap_err *err)
{
	if (name == NULL || name[0] == '\0')
		return ap_err_set(err, AP_EINVAL, "IXP name is empty");
	if (strlen(name) > AP_PATH_NAME_MAX)
		return ap_err_set(err, AP_EINVAL,
				  "IXP name longer than %d bytes",
				  AP_PATH_NAME_MAX);
	return AP_OK;
}

enum ap_status ap_path_table_add_ixp(struct ap_path_table *t,
				     const char *prefix, const char *ixp_name,
				     struct ap_err *err)
{
	struct ap_config_prefix p;
	size_t n4 = t->set[KIND_IXP][FAM_4].n, n6 = t->set[KIND_IXP][FAM_6].n;
	size_t n_names = t->n_names, name;
	enum ap_status st;

	if (prefix == NULL)
		return ap_err_set(err, AP_EPARSE, "IXP prefix is NULL");
	st = ap_config_parse_prefix(prefix, &p, err);
	if (st == AP_OK)
		st = check_ixp_name(ixp_name, err);
	if (st != AP_OK)
		return st;
	st = add_name(t, ixp_name, &name, err);
	if (st == AP_OK)
		st = add_prefix(t, KIND_IXP, &p, name, err);
	if (st != AP_OK) {
		ixp_rollback(t, n4, n6, n_names);
		return st;
	}
	finish_set(&t->set[KIND_IXP][FAM_4]);
	finish_set(&t->set[KIND_IXP][FAM_6]);
	return AP_OK;
}

size_t ap_path_table_link_prefixes(const struct ap_path_table *t)
{
	return t == NULL ? 0
			 : t->set[KIND_LINK][FAM_4].n +
				   t->set[KIND_LINK][FAM_6].n;
}

size_t ap_path_table_ixp_prefixes(const struct ap_path_table *t)
{
	return t == NULL ? 0
			 : t->set[KIND_IXP][FAM_4].n +
				   t->set[KIND_IXP][FAM_6].n;
}

/* ---- lookup ------------------------------------------------------ */

/* Binary form of a textual address; false when it is not one. */
static bool parse_addr(const char *text, int *fam, unsigned char a[16])
{
	memset(a, 0, 16);
	if (text == NULL)
		return false;
	if (inet_pton(AF_INET, text, a) == 1) {
		*fam = FAM_4;
		return true;
	}
	if (inet_pton(AF_INET6, text, a) == 1) {
		*fam = FAM_6;
		return true;
	}
	return false;
}

static int cmp_addr(const void *key, const void *elem)
{
	const struct pfx *e = elem;

	return memcmp(key, e->addr, sizeof(e->addr));
}

/* Longest match of address a in s: the entry, or NULL. */
static const struct pfx *match(const struct pfx_set *s,
			       const unsigned char a[16])
{
	for (size_t i = 0; i < s->n_g; i++) {
		const struct pfx_group *g = &s->g[i];
		unsigned char key[16];
		unsigned int full = g->bits / 8, rest = g->bits % 8;
		const struct pfx *e;

		memset(key, 0, sizeof(key));
		memcpy(key, a, full);
		if (rest != 0)
			key[full] = (unsigned char)(a[full] &
						    (0xFF00u >> rest));
		e = bsearch(key, s->v + g->start, g->n, sizeof(*s->v),
			    cmp_addr);
		if (e != NULL)
			return e;
	}
	return NULL;
}

/* Name index of the longest match of a among kind, or SIZE_MAX. */
static size_t match_name(const struct ap_path_table *t, int kind, int fam,
			 const unsigned char a[16])
{
	const struct pfx *e = match(&t->set[kind][fam], a);

	return e != NULL ? e->name : SIZE_MAX;
}

static const char *lookup(const struct ap_path_table *t, int kind,
			  const char *addr)
{
	unsigned char a[16];
	int fam;
	size_t name;

	if (t == NULL || !parse_addr(addr, &fam, a))
		return NULL;
	name = match_name(t, kind, fam, a);
	return name != SIZE_MAX ? t->names[name] : NULL;
}

const char *ap_path_lookup_link(const struct ap_path_table *t,
				const char *addr)
{
	return lookup(t, KIND_LINK, addr);
}

const char *ap_path_lookup_ixp(const struct ap_path_table *t,
			       const char *addr)
{
	return lookup(t, KIND_IXP, addr);
}

/* ---- exit link --------------------------------------------------- */

struct hop_ref {
	int64_t no;
	size_t idx;
};

static int64_t hop_no(const struct ap_traceroute *tr, size_t i)
{
	return tr->hops[i].hop >= 0 ? tr->hops[i].hop : (int64_t)i + 1;
}

static int cmp_hop_ref(const void *a, const void *b)
{
	const struct hop_ref *x = a, *y = b;

	if (x->no != y->no)
		return x->no < y->no ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static void exit_unknown(struct ap_path_exit *out)
{
	out->kind = AP_PATH_EXIT_UNKNOWN;
	out->link = AP_PATH_UNKNOWN;
	out->hop = -1;
	out->ixp = NULL;
	out->ixp_hop = -1;
}

enum ap_status ap_path_exit_link(const struct ap_path_table *t,
				 const struct ap_traceroute *tr,
				 struct ap_path_exit *out)
{
	struct hop_ref *order = NULL;
	bool sorted = true, decided = false;
	size_t n = tr->n_hops;

	exit_unknown(out);
	if (t == NULL || n == 0)
		return AP_OK;
	for (size_t i = 1; i < n && sorted; i++)
		sorted = hop_no(tr, i - 1) <= hop_no(tr, i);
	if (!sorted) {
		/* Rare (hand-made or damaged results): an index sorted by
		 * hop number, so the walk stays O(n log n). */
		order = malloc(n * sizeof(*order));
		if (order == NULL)
			return AP_ENOMEM;
		for (size_t i = 0; i < n; i++) {
			order[i].no = hop_no(tr, i);
			order[i].idx = i;
		}
		qsort(order, n, sizeof(*order), cmp_hop_ref);
	}
	for (size_t i = 0; i < n && !(decided && out->ixp != NULL);) {
		int64_t no = order ? order[i].no : hop_no(tr, i);
		size_t first = SIZE_MAX;
		bool ambiguous = false;

		/* Entries i.. sharing hop number no form one hop. */
		for (; i < n && (order ? order[i].no : hop_no(tr, i)) == no;
		     i++) {
			const struct ap_trace_hop *h =
				&tr->hops[order ? order[i].idx : i];

			for (size_t k = 0; k < h->n_replies; k++) {
				const struct ap_trace_reply *rp =
					&h->replies[k];
				unsigned char a[16];
				int fam;
				size_t name;

				if (rp->late || !parse_addr(rp->from, &fam, a))
					continue;
				if (out->ixp == NULL) {
					name = match_name(t, KIND_IXP, fam, a);
					if (name != SIZE_MAX) {
						out->ixp = t->names[name];
						out->ixp_hop = no;
					}
				}
				if (decided)
					continue;
				name = match_name(t, KIND_LINK, fam, a);
				if (name == SIZE_MAX)
					continue;
				if (first == SIZE_MAX)
					first = name;
				else if (name != first)
					ambiguous = true;
			}
		}
		if (!decided && first != SIZE_MAX) {
			decided = true;
			out->hop = no;
			if (ambiguous) {
				out->kind = AP_PATH_EXIT_AMBIGUOUS;
				out->link = AP_PATH_AMBIGUOUS;
			} else {
				out->kind = AP_PATH_EXIT_LINK;
				out->link = t->names[first];
			}
		}
	}
	free(order);
	return AP_OK;
}

enum ap_status ap_path_apply(const struct ap_path_table *t,
			     const struct ap_result *r,
			     struct ap_convert_opts *opts,
			     struct ap_path_exit *exit)
{
	struct ap_path_exit e;
	enum ap_status st;

	exit_unknown(&e);
	if (r->base.type != AP_RESULT_TRACEROUTE || t == NULL) {
		if (exit != NULL)
			*exit = e;
		return AP_OK;
	}
	st = ap_path_exit_link(t, &r->u.traceroute, &e);
	if (exit != NULL)
		*exit = e;
	if (st != AP_OK)
		return st;
	if (ap_path_table_link_prefixes(t) > 0)
		opts->link = e.link;
	if (e.ixp != NULL)
		opts->ixp = e.ixp;
	return AP_OK;
}

/* ---- PeeringDB ixpfx --------------------------------------------- */

/* Reads the whole file (at most AP_PATH_IXPFX_MAX_BYTES) into a malloc'd,
 * NUL-terminated buffer. Never reads more than one byte past the cap, so a
 * huge file or a device is rejected without being read through. */
static enum ap_status read_file(const char *path, char **data, size_t *len,
				struct ap_err *err)
{
	char eb[AP_ERRNO_TEXT]; /* errno text */
	const size_t limit = (size_t)AP_PATH_IXPFX_MAX_BYTES + 1;
	FILE *f;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	enum ap_status st = AP_OK;

	*data = NULL;
	*len = 0;
	f = fopen(path, "rb");
	if (f == NULL)
		return ap_err_set(err, AP_EIO, "%s: cannot open: %s", path,
				  ap_errno_text(errno, eb, sizeof(eb)));
	for (;;) {
		size_t got;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64 * 1024;
			char *nb;

			if (ncap > limit)
				ncap = limit;
			nb = realloc(buf, ncap + 1);
			if (nb == NULL) {
				st = ap_err_set(err, AP_ENOMEM,
						"%s: out of memory", path);
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0 || n == limit)
			break;
	}
	if (ferror(f)) {
		st = ap_err_set(err, AP_EIO, "%s: read error: %s", path,
				ap_errno_text(errno, eb, sizeof(eb)));
		goto out;
	}
	if (n >= limit) {
		st = ap_err_set(err, AP_ERANGE, "%s: larger than %u bytes",
				path, AP_PATH_IXPFX_MAX_BYTES);
		goto out;
	}
	buf[n] = '\0';
out:
	fclose(f);
	if (st != AP_OK) {
		free(buf);
		return st;
	}
	*data = buf;
	*len = n;
	return AP_OK;
}

/* Parses exactly one JSON value (whitespace aside) spanning data[0..len);
 * data[len] must be the NUL terminator. */
static enum ap_status parse_json(const char *path, const char *data,
				 size_t len, struct json_object **out,
				 struct ap_err *err)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t end;

	*out = NULL;
	tok = json_tokener_new_ex(IXPFX_DEPTH);
	if (tok == NULL)
		return ap_err_set(err, AP_ENOMEM, "%s: out of memory", path);
	/* data[len] is the NUL read_file() appends: passing it tells json-c
	 * that the input ends there (else a bare literal stays pending). */
	o = json_tokener_parse_ex(tok, data, (int)len + 1);
	if (o == NULL) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		size_t at = json_tokener_get_parse_end(tok);

		json_tokener_free(tok);
		if (e == json_tokener_success) /* the literal null */
			return ap_err_set(err, AP_EPARSE,
					  "%s: expected an object with a "
					  "\"data\" list, got null",
					  path);
		if (e == json_tokener_continue || at >= len)
			return ap_err_set(err, AP_EPARSE,
					  "%s: truncated or empty JSON", path);
		return ap_err_set(err, AP_EPARSE,
				  "%s: invalid JSON at byte %zu: %s", path, at,
				  json_tokener_error_desc(e));
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (end < len && (data[end] == ' ' || data[end] == '\t' ||
			     data[end] == '\r' || data[end] == '\n'))
		end++;
	if (end < len) {
		json_object_put(o);
		return ap_err_set(err, AP_EPARSE,
				  "%s: unexpected data after the JSON value at "
				  "byte %zu",
				  path, end);
	}
	*out = o;
	return AP_OK;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* "a string", "an integer", ... for messages. */
static const char *json_kind(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a non-integer number";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "a list";
	case json_type_string:
		return "a string";
	}
	return "something else";
}

/* The string value of key (NULL when absent or null); AP_EPARSE when the
 * key is there with another type or an embedded NUL. */
static enum ap_status elem_string(const char *path, size_t i,
				  struct json_object *e, const char *key,
				  const char **out, struct ap_err *err)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(e, key, &v) || v == NULL)
		return AP_OK;
	if (!json_object_is_type(v, json_type_string))
		return ap_err_set(err, AP_EPARSE,
				  "%s: data[%zu]: key '%s': expected a string, "
				  "got %s",
				  path, i, key, json_kind(v));
	*out = json_object_get_string(v);
	if ((size_t)json_object_get_string_len(v) != strlen(*out))
		return ap_err_set(err, AP_EPARSE,
				  "%s: data[%zu]: key '%s': contains a NUL "
				  "character",
				  path, i, key);
	return AP_OK;
}

/* Checks element i; on success *skip says whether it is to be ignored,
 * else p and name (a borrowed string, or "ixlan-N" written into buf)
 * are filled. */
static enum ap_status check_elem(const char *path, size_t i,
				 struct json_object *e,
				 struct ap_config_prefix *p, const char **name,
				 char *buf, size_t bufsize, bool *skip,
				 struct ap_err *err)
{
	const char *prefix, *proto, *status;
	struct json_object *v;
	struct ap_err perr;
	enum ap_status st;

	*skip = false;
	*name = NULL;
	if (!json_object_is_type(e, json_type_object))
		return ap_err_set(err, AP_EPARSE,
				  "%s: data[%zu]: expected an object, got %s",
				  path, i, json_kind(e));
	st = elem_string(path, i, e, "status", &status, err);
	if (st != AP_OK)
		return st;
	if (status != NULL && strcmp(status, "deleted") == 0) {
		*skip = true;
		return AP_OK;
	}
	v = member(e, "id");
	if (v != NULL && !json_object_is_type(v, json_type_int))
		return ap_err_set(err, AP_EPARSE,
				  "%s: data[%zu]: key 'id': expected an "
				  "integer, got %s",
				  path, i, json_kind(v));
	v = member(e, "in_dfz");
	if (v != NULL && !json_object_is_type(v, json_type_boolean))
		return ap_err_set(err, AP_EPARSE,
				  "%s: data[%zu]: key 'in_dfz': expected a "
				  "boolean, got %s",
				  path, i, json_kind(v));
	st = elem_string(path, i, e, "prefix", &prefix, err);
	if (st != AP_OK)
		return st;
	if (prefix == NULL)
		return ap_err_set(err, AP_EPARSE,
				  "%s: data[%zu]: key 'prefix': required key "
				  "is missing",
				  path, i);
	if (ap_config_parse_prefix(prefix, p, &perr) != AP_OK)
		return ap_err_set(err, AP_EPARSE,
				  "%s: data[%zu]: key 'prefix': %s", path, i,
				  perr.msg);
	st = elem_string(path, i, e, "protocol", &proto, err);
	if (st != AP_OK)
		return st;
	if (proto != NULL && strcmp(proto, "IPv4") != 0 &&
	    strcmp(proto, "IPv6") != 0)
		return ap_err_set(err, AP_EPARSE,
				  "%s: data[%zu]: key 'protocol': expected "
				  "\"IPv4\" or \"IPv6\"",
				  path, i);
	if (proto != NULL && (proto[3] == '6') != (p->af == 6))
		return ap_err_set(err, AP_EPARSE,
				  "%s: data[%zu]: key 'protocol': %s does not "
				  "match prefix '%s'",
				  path, i, proto, prefix);
	st = elem_string(path, i, e, "name", name, err);
	if (st != AP_OK)
		return st;
	if (*name != NULL) {
		if (check_ixp_name(*name, &perr) != AP_OK)
			return ap_err_set(err, AP_EPARSE,
					  "%s: data[%zu]: key 'name': %s",
					  path, i, perr.msg);
		return AP_OK;
	}
	v = member(e, "ixlan_id");
	if (v == NULL)
		return ap_err_set(err, AP_EPARSE,
				  "%s: data[%zu]: needs 'name' or 'ixlan_id'",
				  path, i);
	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 1)
		return ap_err_set(err, AP_EPARSE,
				  "%s: data[%zu]: key 'ixlan_id': expected an "
				  "integer >= 1",
				  path, i);
	snprintf(buf, bufsize, "ixlan-%" PRId64, json_object_get_int64(v));
	*name = buf;
	return AP_OK;
}

enum ap_status ap_path_load_peeringdb_ixpfx(struct ap_path_table *t,
					    const char *path,
					    struct ap_err *err)
{
	struct json_object *root = NULL, *data;
	char *text = NULL;
	size_t len, n, n4, n6, n_names;
	const char *last_name = NULL;
	size_t last_idx = 0;
	enum ap_status st;

	if (t == NULL || path == NULL)
		return ap_err_set(err, AP_EINVAL, "ixpfx: no table or path");
	n4 = t->set[KIND_IXP][FAM_4].n;
	n6 = t->set[KIND_IXP][FAM_6].n;
	n_names = t->n_names;
	st = read_file(path, &text, &len, err);
	if (st != AP_OK)
		return st;
	st = parse_json(path, text, len, &root, err);
	if (st != AP_OK)
		goto out;
	data = json_object_is_type(root, json_type_object)
		       ? member(root, "data")
		       : NULL;
	if (data == NULL || !json_object_is_type(data, json_type_array)) {
		st = ap_err_set(err, AP_EPARSE,
				"%s: expected an object with a \"data\" list "
				"(a PeeringDB ixpfx export)",
				path);
		goto out;
	}
	n = json_object_array_length(data);
	for (size_t i = 0; i < n; i++) {
		struct ap_config_prefix p;
		const char *name = NULL;
		char buf[32];
		bool skip;

		st = check_elem(path, i, json_object_array_get_idx(data, i), &p,
				&name, buf, sizeof(buf), &skip, err);
		if (st != AP_OK)
			goto out;
		if (skip)
			continue;
		/* Prefixes of one IXP are usually adjacent: share the name. */
		if (last_name == NULL || strcmp(last_name, name) != 0) {
			st = add_name(t, name, &last_idx, err);
			if (st != AP_OK)
				goto out;
			last_name = t->names[last_idx];
		}
		st = add_prefix(t, KIND_IXP, &p, last_idx, err);
		if (st != AP_OK) {
			if (st == AP_ERANGE)
				ap_err_set(err, AP_ERANGE,
					   "%s: data[%zu]: more than %zu "
					   "prefixes for path analysis",
					   path, i, AP_PATH_MAX_PREFIXES);
			goto out;
		}
	}
out:
	if (st != AP_OK) {
		ixp_rollback(t, n4, n6, n_names);
	} else {
		finish_set(&t->set[KIND_IXP][FAM_4]);
		finish_set(&t->set[KIND_IXP][FAM_6]);
	}
	json_object_put(root);
	free(text);
	return st;
}

/* ---- inflation --------------------------------------------------- */

static bool coord_ok(double lat, double lon)
{
	return isfinite(lat) && isfinite(lon) && fabs(lat) <= 90.0 &&
	       fabs(lon) <= 180.0;
}

double ap_path_distance_km(double lat1, double lon1, double lat2,
			   double lon2)
{
	const double rad = 3.14159265358979323846 / 180.0;
	double dlat, dlon, a;

	if (!coord_ok(lat1, lon1) || !coord_ok(lat2, lon2))
		return NAN;
	dlat = (lat2 - lat1) * rad;
	dlon = (lon2 - lon1) * rad;
	a = sin(dlat / 2) * sin(dlat / 2) +
	    cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
	if (a > 1.0)
		a = 1.0;
	if (a < 0.0)
		a = 0.0;
	return 2.0 * AP_PATH_EARTH_RADIUS_KM * atan2(sqrt(a), sqrt(1.0 - a));
}

double ap_path_fibre_rtt_ms(double lat1, double lon1, double lat2,
			    double lon2)
{
	double d = ap_path_distance_km(lat1, lon1, lat2, lon2);

	/* 2d at 2c/3 km/s, in ms: 2d / (2c/3) * 1000 = 3000 d / c. */
	return 3000.0 * d / AP_PATH_C_KM_S;
}

enum ap_status ap_path_inflation(double min_rtt_ms, double probe_lat,
				 double probe_lon, double target_lat,
				 double target_lon, double *inflation,
				 bool *flagged)
{
	double d, bound;

	*inflation = NAN;
	*flagged = false;
	if (!isfinite(min_rtt_ms) || min_rtt_ms <= 0.0)
		return AP_EINVAL;
	d = ap_path_distance_km(probe_lat, probe_lon, target_lat,
				target_lon);
	if (isnan(d))
		return AP_EINVAL;
	if (d < AP_PATH_MIN_DISTANCE_KM)
		return AP_ERANGE;
	bound = 3000.0 * d / AP_PATH_C_KM_S;
	*inflation = min_rtt_ms / bound;
	*flagged = *inflation > AP_PATH_INFLATION_FLAG_RATIO &&
		   min_rtt_ms - bound > AP_PATH_INFLATION_FLAG_EXCESS_MS;
	return AP_OK;
}

/* SPDX-License-Identifier: MIT */
/*
 * ap_config_walk: the table-driven part of the loader. A mapping is
 * described by an array of struct ap_config_field; one walker handles
 * unknown, repeated and missing keys, wrong types and key paths for all of
 * them, so every message has the same "NAME:LINE: key 'PATH': ..." shape.
 */
#include "ap_config_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ap_status ap_config_walk_fail(struct ap_config_loader *ld, int line,
				   const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ap_config_fail(ld->err, AP_EPARSE, ld->name, line, ld->path,
			      "%s", msg);
}

enum ap_status ap_config_walk_nomem(struct ap_config_loader *ld)
{
	return ap_err_set(ld->err, AP_ENOMEM, "%s: %s", ld->name,
			  ap_strerror(AP_ENOMEM));
}

/* Appends text to the path, ending it in "..." when it does not fit. */
static void path_append(struct ap_config_loader *ld, const char *text)
{
	size_t room = sizeof(ld->path) - ld->path_len;
	size_t len = strlen(text);

	if (len < room) {
		memcpy(ld->path + ld->path_len, text, len + 1);
		ld->path_len += len;
		return;
	}
	/* Keep what fits, then "..." and the NUL in the last 4 bytes. A
	 * path already cut stays as it is (its "..." in place): every later
	 * append lands here, and the length never passes the buffer. */
	if (ld->path_len < sizeof(ld->path) - 4)
		memcpy(ld->path + ld->path_len, text,
		       sizeof(ld->path) - 4 - ld->path_len);
	memcpy(ld->path + sizeof(ld->path) - 4, "...", 4);
	ld->path_len = sizeof(ld->path) - 1;
}

/* Descends into key; returns what ap_config_walk_pop() needs. */
size_t ap_config_walk_push_key(struct ap_config_loader *ld, const char *key)
{
	size_t saved = ld->path_len;

	if (ld->path_len > 0)
		path_append(ld, ".");
	path_append(ld, key);
	return saved;
}

size_t ap_config_walk_push_index(struct ap_config_loader *ld, size_t i)
{
	size_t saved = ld->path_len;
	char buf[32];

	snprintf(buf, sizeof(buf), "[%zu]", i);
	path_append(ld, buf);
	return saved;
}

void ap_config_walk_pop(struct ap_config_loader *ld, size_t saved)
{
	ld->path_len = saved;
	ld->path[saved] = '\0';
}

enum ap_status ap_config_walk_record(struct ap_config_loader *ld, int line)
{
	if (ap_config_lines_add(ld->lines, ld->path, line) != AP_OK)
		return ap_config_walk_nomem(ld);
	return AP_OK;
}

/* Replaces *dst (malloc'd or NULL) with a copy of src. */
enum ap_status ap_config_walk_set_string(struct ap_config_loader *ld,
					 char **dst, const char *src)
{
	char *copy = strdup(src);

	if (copy == NULL)
		return ap_config_walk_nomem(ld);
	free(*dst);
	*dst = copy;
	return AP_OK;
}

/* A non-null scalar's text, or an "expected what" error. */
enum ap_status ap_config_walk_scalar(struct ap_config_loader *ld,
				     const struct ap_yaml_node *v, int line,
				     const char *what, const char **text)
{
	*text = "";
	if (v->kind != AP_YAML_SCALAR || ap_yaml_is_null(v))
		return ap_config_walk_fail(ld, line, "expected %s, got %s",
					   what, ap_yaml_describe(v));
	*text = v->text;
	return AP_OK;
}

/* Text of a plain scalar, for typed values (numbers, booleans). */
static enum ap_status plain_text(struct ap_config_loader *ld,
				 const struct ap_yaml_node *v, int line,
				 const char *what, const char **text)
{
	char q[64];

	*text = "";
	if (v->kind == AP_YAML_SCALAR && !v->plain) {
		ap_config_quote(v->text, q, sizeof(q));
		return ap_config_walk_fail(
			ld, line, "expected %s, got a quoted string '%s'", what,
			q);
	}
	return ap_config_walk_scalar(ld, v, line, what, text);
}

/* Turns a scalar parser's failure (no file, no key) into a located one. */
enum ap_status ap_config_walk_located(struct ap_config_loader *ld, int line,
				      enum ap_status st,
				      const struct ap_err *why)
{
	if (st == AP_ENOMEM)
		return ap_config_walk_nomem(ld);
	return ap_config_walk_fail(ld, line, "%s", why->msg);
}

static enum ap_status load_scalar(struct ap_config_loader *ld,
				  const struct ap_config_field *f,
				  const struct ap_yaml_node *v, int line,
				  void *slot)
{
	struct ap_err why;
	const char *text;
	enum ap_status st;

	ap_err_clear(&why);
	switch (f->type) {
	case AP_CONFIG_F_STRING:
		st = ap_config_walk_scalar(ld, v, line, "a string", &text);
		return st != AP_OK ? st
				   : ap_config_walk_set_string(ld, slot, text);
	case AP_CONFIG_F_DURATION:
		st = ap_config_walk_scalar(ld, v, line, "a duration", &text);
		if (st == AP_OK)
			st = ap_config_parse_duration(text, slot, &why);
		break;
	case AP_CONFIG_F_SIZE:
		st = ap_config_walk_scalar(ld, v, line, "a size", &text);
		if (st == AP_OK)
			st = ap_config_parse_size(text, slot, &why);
		break;
	case AP_CONFIG_F_DOUBLE_OR_NULL:
		if (ap_yaml_is_null(v)) {
			*(double *)slot = NAN;
			return AP_OK;
		}
		/* fall through */
	case AP_CONFIG_F_DOUBLE:
		st = plain_text(ld, v, line, "a number", &text);
		if (st == AP_OK)
			st = ap_config_text_double(text, slot, &why);
		break;
	case AP_CONFIG_F_INT64:
		st = plain_text(ld, v, line, "an integer", &text);
		if (st == AP_OK)
			st = ap_config_text_int64(text, slot, &why);
		break;
	case AP_CONFIG_F_BOOL:
		st = plain_text(ld, v, line, "true or false", &text);
		if (st == AP_OK)
			st = ap_config_text_bool(text, slot, &why);
		break;
	default:
		return ap_config_walk_fail(ld, line,
					   "internal error: bad field type");
	}
	if (st != AP_OK && why.msg[0] != '\0')
		return ap_config_walk_located(ld, line, st, &why);
	return st;
}

/* Levenshtein distance of two short strings, for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[33];

	if (la > 32 || lb > 32)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static enum ap_status unknown_key(struct ap_config_loader *ld, int line,
				  const char *key,
				  const struct ap_config_field *fields,
				  size_t n)
{
	size_t i, d, best = 3;
	const char *guess = NULL;

	for (i = 0; i < n; i++) {
		d = edit_distance(key, fields[i].key);
		if (d < best) {
			best = d;
			guess = fields[i].key;
		}
	}
	if (guess != NULL)
		return ap_config_walk_fail(
			ld, line, "unknown key (did you mean '%s'?)", guess);
	return ap_config_walk_fail(ld, line, "unknown key");
}

struct key_pos {
	const struct ap_yaml_node *key;
	size_t pos;
};

static int key_pos_cmp(const void *a, const void *b)
{
	const struct key_pos *x = a, *y = b;
	int c = strcmp(x->key->text, y->key->text);

	if (c != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* YAML forbids repeated keys; libyaml does not check. O(n log n). */
enum ap_status ap_config_walk_dup_keys(struct ap_config_loader *ld,
				       const struct ap_yaml_node *map)
{
	size_t n = map->n_child / 2, i;
	struct key_pos *v;
	const struct key_pos *first = NULL, *dup = NULL;
	enum ap_status st = AP_OK;
	size_t saved;

	if (n < 2)
		return AP_OK;
	v = calloc(n, sizeof(*v));
	if (v == NULL)
		return ap_config_walk_nomem(ld);
	for (i = 0; i < n; i++) {
		v[i].key = map->child[2 * i];
		v[i].pos = i;
	}
	qsort(v, n, sizeof(*v), key_pos_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(v[i - 1].key->text, v[i].key->text) != 0)
			continue;
		if (dup == NULL || v[i].pos < dup->pos) {
			first = &v[i - 1];
			dup = &v[i];
		}
	}
	if (dup != NULL) {
		/* first is the earliest of its run: runs sort by pos. */
		while (first > v &&
		       strcmp((first - 1)->key->text, dup->key->text) == 0)
			first--;
		saved = ap_config_walk_push_key(ld, dup->key->text);
		st = ap_config_walk_fail(ld, dup->key->line,
					 "duplicate key (first at line %d)",
					 first->key->line);
		ap_config_walk_pop(ld, saved);
	}
	free(v);
	return st;
}

/* Records the line of key k and converts its value v into obj per f. */
static enum ap_status load_entry(struct ap_config_loader *ld,
				 const struct ap_config_field *f,
				 const struct ap_yaml_node *k,
				 const struct ap_yaml_node *v, void *obj)
{
	char *slot = (char *)obj + f->off;
	enum ap_status st;

	st = ap_config_walk_record(ld, k->line);
	if (st != AP_OK)
		return st;
	switch (f->type) {
	case AP_CONFIG_F_MAP:
		/* An empty section ("atlas:") keeps every default. */
		if (ap_yaml_is_null(v))
			return AP_OK;
		return ap_config_walk_map(ld, v, k->line, f->sub, f->n_sub,
					  slot);
	case AP_CONFIG_F_CUSTOM:
		return f->load(ld, v, k->line, slot);
	default:
		return load_scalar(ld, f, v, k->line, slot);
	}
}

/*
 * Loads mapping node (its key at line) into obj according to fields. Every
 * key path gets its line recorded for later messages.
 */
enum ap_status ap_config_walk_map(struct ap_config_loader *ld,
				  const struct ap_yaml_node *node, int line,
				  const struct ap_config_field *fields,
				  size_t n_fields, void *obj)
{
	uint64_t seen = 0;
	enum ap_status st;
	size_t i, j, saved;

	if (node->kind != AP_YAML_MAP)
		return ap_config_walk_fail(ld, line,
					   "expected a mapping, got %s",
					   ap_yaml_describe(node));
	if (n_fields > 64)
		return ap_config_walk_fail(ld, line,
					   "internal error: table too large");
	st = ap_config_walk_dup_keys(ld, node);
	if (st != AP_OK)
		return st;
	for (i = 0; i + 1 < node->n_child; i += 2) {
		const struct ap_yaml_node *k = node->child[i];

		for (j = 0; j < n_fields; j++) {
			if (strcmp(k->text, fields[j].key) == 0)
				break;
		}
		saved = ap_config_walk_push_key(ld, k->text);
		if (j == n_fields)
			st = unknown_key(ld, k->line, k->text, fields,
					 n_fields);
		else
			st = load_entry(ld, &fields[j], k, node->child[i + 1],
					obj);
		ap_config_walk_pop(ld, saved);
		if (st != AP_OK)
			return st;
		seen |= (uint64_t)1 << j;
	}
	for (j = 0; j < n_fields; j++) {
		if (!fields[j].required || (seen & ((uint64_t)1 << j)))
			continue;
		saved = ap_config_walk_push_key(ld, fields[j].key);
		st = ap_config_walk_fail(ld, line, "required key is missing");
		ap_config_walk_pop(ld, saved);
		return st;
	}
	return AP_OK;
}

/* Checks that v is a list (null counts as empty) and returns its size. */
enum ap_status ap_config_walk_list_size(struct ap_config_loader *ld,
					const struct ap_yaml_node *v, int line,
					size_t *n)
{
	*n = 0;
	if (ap_yaml_is_null(v))
		return AP_OK;
	if (v->kind != AP_YAML_SEQ)
		return ap_config_walk_fail(ld, line, "expected a list, got %s",
					   ap_yaml_describe(v));
	*n = v->n_child;
	return AP_OK;
}

/* Picks names[i] matching v's text into *out, else lists the choices. */
enum ap_status ap_config_walk_enum(struct ap_config_loader *ld,
				   const struct ap_yaml_node *v, int line,
				   const char *const *names, size_t n, int *out)
{
	const char *text;
	char q[64], choices[128] = "";
	size_t i, used = 0;
	enum ap_status st;

	st = ap_config_walk_scalar(ld, v, line, "a string", &text);
	if (st != AP_OK)
		return st;
	for (i = 0; i < n; i++) {
		if (strcmp(text, names[i]) == 0) {
			*out = (int)i;
			return AP_OK;
		}
	}
	for (i = 0; i < n && used < sizeof(choices); i++) {
		int w = snprintf(choices + used, sizeof(choices) - used, "%s%s",
				 i == 0       ? ""
				 : i + 1 == n ? " or "
					      : ", ",
				 names[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	ap_config_quote(text, q, sizeof(q));
	return ap_config_walk_fail(ld, line, "expected %s, got '%s'", choices,
				   q);
}

/*
 * Loads the n mappings of list v into base, an array of n elements of size
 * bytes that the caller has already hung into the config (so that
 * ap_config_free() cleans up a half-loaded list): init(elem) sets each
 * element's defaults, fields fill it, done(elem) (if not NULL) completes it.
 */
enum ap_status ap_config_walk_items(struct ap_config_loader *ld,
				    const struct ap_yaml_node *v, char *base,
				    size_t size,
				    const struct ap_config_field *fields,
				    size_t n_fields, void (*init)(void *elem),
				    void (*done)(void *elem))
{
	enum ap_status st;
	size_t i, saved;

	for (i = 0; i < v->n_child; i++) {
		const struct ap_yaml_node *item = v->child[i];
		void *elem = base + i * size;

		if (init != NULL)
			init(elem);
		saved = ap_config_walk_push_index(ld, i);
		st = ap_config_walk_record(ld, item->line);
		if (st == AP_OK)
			st = ap_config_walk_map(ld, item, item->line, fields,
						n_fields, elem);
		ap_config_walk_pop(ld, saved);
		if (st != AP_OK)
			return st;
		if (done != NULL)
			done(elem);
	}
	return AP_OK;
}

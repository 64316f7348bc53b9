/* SPDX-License-Identifier: MIT */
/*
 * ap_config (internal): what ap_config.c (schema tables, load/free),
 * ap_config_walk.c (table-driven walker), ap_config_parse.c (scalar
 * parsers), ap_config_validate.c (checks) and ap_config_query.c (line
 * table, queries) share: the key-path -> line table, the walker and the
 * one message format "NAME:LINE: key 'PATH': ...".
 */
#ifndef ATLASPERF_AP_CONFIG_INT_H
#define ATLASPERF_AP_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atlasperf/ap_config.h"
#include "ap_yaml_tree_int.h"

/* Room for a key path in messages; longer paths end in "...". */
#define AP_CONFIG_PATH_MAX 160

struct ap_config_line {
	char *path; /* "measurements[0].tags.link" */
	int line;   /* 1-based */
};

/* Key path -> line of every key and list item the loader consumed. */
struct ap_config_lines {
	struct ap_config_line *v;
	size_t n;
	size_t cap;
};

/* State of one load; lives on the stack of ap_config_load_buffer(). */
struct ap_config_loader {
	const char *name;
	struct ap_err *err;
	struct ap_config_lines *lines;
	char path[AP_CONFIG_PATH_MAX]; /* dotted key path of the value */
	size_t path_len;
};

/* How the walker converts a value into the slot at obj + off. */
enum ap_config_ftype {
	AP_CONFIG_F_STRING,         /* char *: any non-null scalar */
	AP_CONFIG_F_DURATION,       /* int64_t seconds */
	AP_CONFIG_F_SIZE,           /* uint64_t bytes */
	AP_CONFIG_F_DOUBLE,         /* double: YAML int or float */
	AP_CONFIG_F_DOUBLE_OR_NULL, /* double: NaN for null */
	AP_CONFIG_F_INT64,          /* int64_t: YAML int */
	AP_CONFIG_F_BOOL,           /* bool */
	AP_CONFIG_F_MAP,            /* nested mapping: sub table at obj + off */
	AP_CONFIG_F_CUSTOM          /* load(ld, value, line, obj + off) */
};

/* One key of a mapping; tables of these describe the schema. */
struct ap_config_field {
	const char *key;
	enum ap_config_ftype type;
	size_t off;
	bool required; /* missing -> "required key is missing" */
	const struct ap_config_field *sub; /* AP_CONFIG_F_MAP */
	size_t n_sub;
	/* AP_CONFIG_F_CUSTOM: converts v (key at line) into obj + off. */
	enum ap_status (*load)(struct ap_config_loader *ld,
			       const struct ap_yaml_node *v, int line,
			       void *obj);
};

/*
 * Walker API. Every function that fails writes "NAME:LINE: key 'PATH': ..."
 * (PATH = ld->path) into ld->err and returns AP_EPARSE (or AP_ENOMEM).
 */

/* Formats a located schema error at line; returns AP_EPARSE. */
enum ap_status ap_config_walk_fail(struct ap_config_loader *ld, int line,
				   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "NAME: out of memory"; returns AP_ENOMEM. */
enum ap_status ap_config_walk_nomem(struct ap_config_loader *ld);

/* Re-words a scalar parser's failure (why) as located at line. */
enum ap_status ap_config_walk_located(struct ap_config_loader *ld, int line,
				      enum ap_status st,
				      const struct ap_err *why);

/* Extend ld->path by ".key" / "[i]"; pass the result to _pop(). */
size_t ap_config_walk_push_key(struct ap_config_loader *ld, const char *key);
size_t ap_config_walk_push_index(struct ap_config_loader *ld, size_t i);
void ap_config_walk_pop(struct ap_config_loader *ld, size_t saved);

/* Records ld->path -> line in ld->lines for validate()'s messages. */
enum ap_status ap_config_walk_record(struct ap_config_loader *ld, int line);

/* Replaces *dst (malloc'd or NULL) with a copy of src. */
enum ap_status ap_config_walk_set_string(struct ap_config_loader *ld,
					 char **dst, const char *src);

/* *text = v's text if v is a non-null scalar, else "expected WHAT". */
enum ap_status ap_config_walk_scalar(struct ap_config_loader *ld,
				     const struct ap_yaml_node *v, int line,
				     const char *what, const char **text);

/* Fails on the first key map repeats ("duplicate key (first at ...)"). */
enum ap_status ap_config_walk_dup_keys(struct ap_config_loader *ld,
				       const struct ap_yaml_node *map);

/* Loads mapping node (its key at line) into obj as fields describe. */
enum ap_status ap_config_walk_map(struct ap_config_loader *ld,
				  const struct ap_yaml_node *node, int line,
				  const struct ap_config_field *fields,
				  size_t n_fields, void *obj);

/* *n = number of items of list v (null = 0), or "expected a list". */
enum ap_status ap_config_walk_list_size(struct ap_config_loader *ld,
					const struct ap_yaml_node *v, int line,
					size_t *n);

/* *out = index of v's text in names[n], or "expected a, b or c". */
enum ap_status ap_config_walk_enum(struct ap_config_loader *ld,
				   const struct ap_yaml_node *v, int line,
				   const char *const *names, size_t n,
				   int *out);

/*
 * Loads the mappings of list v into base, an array of v->n_child elements
 * of size bytes already hung into the config (so that ap_config_free()
 * cleans up a half-loaded list): init(elem) sets defaults, fields fill it,
 * done(elem) completes it; init and done may be NULL.
 */
enum ap_status ap_config_walk_items(struct ap_config_loader *ld,
				    const struct ap_yaml_node *v, char *base,
				    size_t size,
				    const struct ap_config_field *fields,
				    size_t n_fields, void (*init)(void *elem),
				    void (*done)(void *elem));

/* Appends (copies path). Errors: AP_ENOMEM. */
enum ap_status ap_config_lines_add(struct ap_config_lines *lines,
				   const char *path, int line);

/* Line recorded for path, or 0 when unknown (lines may be NULL). */
int ap_config_lines_find(const struct ap_config_lines *lines, const char *path);

/* Frees the table; NULL is a no-op. */
void ap_config_lines_free(struct ap_config_lines *lines);

/*
 * Writes "SOURCE:LINE: key 'PATH': MESSAGE" into err and returns st. The
 * ":LINE" part is left out when line <= 0, the "key '...'" part when path
 * is NULL or empty; source NULL reads "config".
 */
enum ap_status ap_config_fail(struct ap_err *err, enum ap_status st,
			      const char *source, int line, const char *path,
			      const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/*
 * YAML scalar text -> value, for plain (unquoted) scalars: decimal
 * integers; decimal/exponent floats (locale-independent, finite only);
 * true/false/yes/no in lower, Title or UPPER case. On failure err gets the
 * reason and AP_EPARSE is returned; *out is only written on success.
 */
enum ap_status ap_config_text_int64(const char *text, int64_t *out,
				    struct ap_err *err);
enum ap_status ap_config_text_double(const char *text, double *out,
				     struct ap_err *err);
enum ap_status ap_config_text_bool(const char *text, bool *out,
				   struct ap_err *err);

/* Copies text for a message: at most 40 chars, non-printables as '?'. */
void ap_config_quote(const char *text, char *buf, size_t size);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * ap_yaml_tree (internal): turns YAML text into a small node tree with
 * 1-based source lines, built from libyaml events so that depth, node
 * count and aliases can be refused before anything grows.
 */
#ifndef ATLASPERF_AP_YAML_TREE_INT_H
#define ATLASPERF_AP_YAML_TREE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "atlasperf/ap_err.h"

enum ap_yaml_kind { AP_YAML_SCALAR = 0, AP_YAML_SEQ, AP_YAML_MAP };

struct ap_yaml_node {
	enum ap_yaml_kind kind;
	int line;   /* 1-based line where the node starts */
	bool plain; /* scalar written unquoted: may be a number/bool/null */
	char *text; /* scalar only: NUL-terminated, never embeds a NUL */
	size_t len; /* scalar only: strlen(text) */
	/* SEQ: n_child items. MAP: key, value, key, value...; keys are
	 * always scalars, so n_child is even once the map is complete. */
	struct ap_yaml_node **child;
	size_t n_child;
	size_t cap_child;
};

/*
 * Parses one YAML document from data[0..len). *root is NULL on entry and
 * stays NULL for an empty stream. Caller frees *root with ap_yaml_free().
 * name prefixes every message ("NAME:LINE: ..."). Rejects aliases,
 * explicit tags, complex (non-scalar) mapping keys, NUL in scalars and a
 * second document with AP_EPARSE; more than max_bytes input, more than
 * max_depth nesting or max_nodes nodes with AP_ERANGE. Also AP_ENOMEM.
 */
enum ap_status ap_yaml_parse(const char *name, const char *data, size_t len,
			     size_t max_bytes, size_t max_depth,
			     size_t max_nodes, struct ap_yaml_node **root,
			     struct ap_err *err);

/* Frees node and its subtree; NULL is a no-op. */
void ap_yaml_free(struct ap_yaml_node *node);

/* True for a plain "", "~", "null", "Null" or "NULL" scalar. */
bool ap_yaml_is_null(const struct ap_yaml_node *node);

/* "a string", "a list", "a mapping", "null": for "expected X, got Y". */
const char *ap_yaml_describe(const struct ap_yaml_node *node);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * ap_yaml_tree (internal): libyaml events -> struct ap_yaml_node tree.
 * Building from events (not yaml_parser_load) lets us refuse aliases before
 * they can form cycles or "billion laughs", and bound depth and size.
 */
#include "ap_yaml_tree_int.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

/* Everything one parse needs; lives on the caller's stack. */
struct builder {
	const char *name;
	struct ap_err *err;
	size_t max_depth;
	size_t max_nodes;
	size_t n_nodes;
	struct ap_yaml_node *root;
	struct ap_yaml_node **stack; /* open SEQ/MAP nodes, max_depth deep */
	size_t depth;
};

static int mark_line(const yaml_mark_t *mark)
{
	if (mark->line >= (size_t)INT_MAX)
		return INT_MAX;
	return (int)mark->line + 1;
}

/* Line of a byte offset, for reader errors that carry no mark. */
static int offset_line(const char *data, size_t len, size_t offset)
{
	size_t i;
	int line = 1;

	if (offset > len)
		offset = len;
	for (i = 0; i < offset && line < INT_MAX; i++) {
		if (data[i] == '\n')
			line++;
	}
	return line;
}

void ap_yaml_free(struct ap_yaml_node *node)
{
	size_t i;

	if (node == NULL)
		return;
	/* Depth is bounded by the parser, so recursion is bounded too. */
	for (i = 0; i < node->n_child; i++)
		ap_yaml_free(node->child[i]);
	free(node->child);
	free(node->text);
	free(node);
}

bool ap_yaml_is_null(const struct ap_yaml_node *node)
{
	if (node == NULL)
		return true;
	if (node->kind != AP_YAML_SCALAR || !node->plain)
		return false;
	return node->len == 0 || strcmp(node->text, "~") == 0 ||
	       strcmp(node->text, "null") == 0 ||
	       strcmp(node->text, "Null") == 0 ||
	       strcmp(node->text, "NULL") == 0;
}

const char *ap_yaml_describe(const struct ap_yaml_node *node)
{
	if (ap_yaml_is_null(node))
		return "null";
	switch (node->kind) {
	case AP_YAML_SCALAR:
		return "a string";
	case AP_YAML_SEQ:
		return "a list";
	case AP_YAML_MAP:
		return "a mapping";
	}
	return "something else";
}

static enum ap_status attach(struct builder *b, struct ap_yaml_node *node)
{
	struct ap_yaml_node *parent;
	struct ap_yaml_node **grown;
	size_t cap;

	if (b->depth == 0) {
		b->root = node;
		return AP_OK;
	}
	parent = b->stack[b->depth - 1];
	if (parent->kind == AP_YAML_MAP && parent->n_child % 2 == 0 &&
	    node->kind != AP_YAML_SCALAR) {
		return ap_err_set(b->err, AP_EPARSE,
				  "%s:%d: a mapping key must be a string, "
				  "not %s",
				  b->name, node->line, ap_yaml_describe(node));
	}
	if (parent->n_child == parent->cap_child) {
		cap = parent->cap_child ? parent->cap_child * 2 : 4;
		if (cap > SIZE_MAX / sizeof(*grown))
			return ap_err_set(b->err, AP_ENOMEM, "%s: %s", b->name,
					  ap_strerror(AP_ENOMEM));
		grown = realloc(parent->child, cap * sizeof(*grown));
		if (grown == NULL)
			return ap_err_set(b->err, AP_ENOMEM, "%s: %s", b->name,
					  ap_strerror(AP_ENOMEM));
		parent->child = grown;
		parent->cap_child = cap;
	}
	parent->child[parent->n_child++] = node;
	return AP_OK;
}

/* Creates the node for a SCALAR / *_START event and hangs it in the tree. */
static enum ap_status add_node(struct builder *b, const yaml_event_t *ev)
{
	struct ap_yaml_node *node;
	const yaml_char_t *tag = NULL;
	enum ap_status st;
	int line = mark_line(&ev->start_mark);

	if (ev->type == YAML_SCALAR_EVENT)
		tag = ev->data.scalar.tag;
	else if (ev->type == YAML_SEQUENCE_START_EVENT)
		tag = ev->data.sequence_start.tag;
	else
		tag = ev->data.mapping_start.tag;
	if (tag != NULL)
		return ap_err_set(b->err, AP_EPARSE,
				  "%s:%d: explicit YAML tags ('!...') are "
				  "not supported",
				  b->name, line);
	if (b->n_nodes >= b->max_nodes)
		return ap_err_set(b->err, AP_ERANGE,
				  "%s:%d: more than %zu YAML nodes", b->name,
				  line, b->max_nodes);
	node = calloc(1, sizeof(*node));
	if (node == NULL)
		return ap_err_set(b->err, AP_ENOMEM, "%s: %s", b->name,
				  ap_strerror(AP_ENOMEM));
	b->n_nodes++;
	node->line = line;
	if (ev->type == YAML_SCALAR_EVENT) {
		node->kind = AP_YAML_SCALAR;
		node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		node->len = ev->data.scalar.length;
		if (memchr(ev->data.scalar.value, '\0', node->len) != NULL) {
			free(node);
			return ap_err_set(b->err, AP_EPARSE,
					  "%s:%d: NUL character in a string",
					  b->name, line);
		}
		node->text = malloc(node->len + 1);
		if (node->text == NULL) {
			free(node);
			return ap_err_set(b->err, AP_ENOMEM, "%s: %s", b->name,
					  ap_strerror(AP_ENOMEM));
		}
		memcpy(node->text, ev->data.scalar.value, node->len);
		node->text[node->len] = '\0';
	} else {
		node->kind = ev->type == YAML_SEQUENCE_START_EVENT
				     ? AP_YAML_SEQ
				     : AP_YAML_MAP;
	}
	st = attach(b, node);
	if (st != AP_OK) {
		ap_yaml_free(node);
		return st;
	}
	if (node->kind == AP_YAML_SCALAR)
		return AP_OK;
	if (b->depth >= b->max_depth)
		return ap_err_set(b->err, AP_ERANGE,
				  "%s:%d: YAML nested deeper than %zu levels",
				  b->name, line, b->max_depth);
	b->stack[b->depth++] = node;
	return AP_OK;
}

static enum ap_status syntax_error(struct builder *b, yaml_parser_t *parser,
				   const char *data, size_t len)
{
	int line, last;

	if (parser->error == YAML_MEMORY_ERROR)
		return ap_err_set(b->err, AP_ENOMEM, "%s: %s", b->name,
				  ap_strerror(AP_ENOMEM));
	if (parser->error == YAML_READER_ERROR)
		line = offset_line(data, len, parser->problem_offset);
	else
		line = mark_line(&parser->problem_mark);
	/* At end of input libyaml points one past the last line; name the
	 * last line instead, the one an editor can show. */
	last = offset_line(data, len, len);
	if (len > 0 && data[len - 1] == '\n' && last > 1)
		last--;
	if (line > last)
		line = last;
	if (parser->context != NULL)
		return ap_err_set(b->err, AP_EPARSE,
				  "%s:%d: YAML syntax error: %s (%s)", b->name,
				  line, parser->problem ? parser->problem : "?",
				  parser->context);
	return ap_err_set(b->err, AP_EPARSE, "%s:%d: YAML syntax error: %s",
			  b->name, line,
			  parser->problem ? parser->problem : "?");
}

enum ap_status ap_yaml_parse(const char *name, const char *data, size_t len,
			     size_t max_bytes, size_t max_depth,
			     size_t max_nodes, struct ap_yaml_node **root,
			     struct ap_err *err)
{
	struct builder b;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have_parser = false, have_event = false, done = false;
	int n_docs = 0;
	enum ap_status st = AP_OK;

	*root = NULL;
	memset(&b, 0, sizeof(b));
	b.name = name;
	b.err = err;
	b.max_depth = max_depth;
	b.max_nodes = max_nodes;
	if (len > max_bytes)
		return ap_err_set(err, AP_ERANGE,
				  "%s: larger than %zu bytes (%zu)", name,
				  max_bytes, len);
	if (max_depth == 0 || max_depth > SIZE_MAX / sizeof(*b.stack))
		return ap_err_set(err, AP_EINVAL, "%s: bad depth limit", name);
	b.stack = calloc(max_depth, sizeof(*b.stack));
	if (b.stack == NULL) {
		st = ap_err_set(err, AP_ENOMEM, "%s: %s", name,
				ap_strerror(AP_ENOMEM));
		goto out;
	}
	if (!yaml_parser_initialize(&parser)) {
		st = ap_err_set(err, AP_ENOMEM, "%s: %s", name,
				ap_strerror(AP_ENOMEM));
		goto out;
	}
	have_parser = true;
	if (len > 0)
		yaml_parser_set_input_string(&parser,
					     (const unsigned char *)data, len);
	else
		yaml_parser_set_input_string(&parser, (const unsigned char *)"",
					     0);

	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			st = syntax_error(&b, &parser, data, len);
			goto out;
		}
		have_event = true;
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (n_docs++ > 0) {
				st = ap_err_set(err, AP_EPARSE,
						"%s:%d: only one YAML document "
						"is allowed",
						name,
						mark_line(&ev.start_mark));
				goto out;
			}
			break;
		case YAML_ALIAS_EVENT:
			st = ap_err_set(err, AP_EPARSE,
					"%s:%d: YAML aliases ('*name') are "
					"not supported; repeat the value",
					name, mark_line(&ev.start_mark));
			goto out;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			st = add_node(&b, &ev);
			if (st != AP_OK)
				goto out;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (b.depth > 0)
				b.depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		have_event = false;
	}
out:
	if (have_event)
		yaml_event_delete(&ev);
	if (have_parser)
		yaml_parser_delete(&parser);
	free(b.stack);
	if (st != AP_OK)
		ap_yaml_free(b.root);
	else
		*root = b.root;
	return st;
}

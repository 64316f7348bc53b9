/* SPDX-License-Identifier: MIT */
/*
 * ap_config_query: read-only questions about a loaded configuration (shard
 * ownership, lookups, enum names), plus the key-path -> line table and the
 * message format that the loader and validator share.
 */
#include "ap_config_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ap_status ap_config_lines_add(struct ap_config_lines *lines,
				   const char *path, int line)
{
	struct ap_config_line *grown;
	size_t cap;
	char *copy;

	if (lines->n == lines->cap) {
		cap = lines->cap ? lines->cap * 2 : 64;
		if (cap > SIZE_MAX / sizeof(*grown))
			return AP_ENOMEM;
		grown = realloc(lines->v, cap * sizeof(*grown));
		if (grown == NULL)
			return AP_ENOMEM;
		lines->v = grown;
		lines->cap = cap;
	}
	copy = strdup(path);
	if (copy == NULL)
		return AP_ENOMEM;
	lines->v[lines->n].path = copy;
	lines->v[lines->n].line = line;
	lines->n++;
	return AP_OK;
}

int ap_config_lines_find(const struct ap_config_lines *lines, const char *path)
{
	size_t i;

	/* Linear: only ever called to word an error message. */
	if (lines == NULL)
		return 0;
	for (i = 0; i < lines->n; i++) {
		if (strcmp(lines->v[i].path, path) == 0)
			return lines->v[i].line;
	}
	return 0;
}

void ap_config_lines_free(struct ap_config_lines *lines)
{
	size_t i;

	if (lines == NULL)
		return;
	for (i = 0; i < lines->n; i++)
		free(lines->v[i].path);
	free(lines->v);
	free(lines);
}

enum ap_status ap_config_fail(struct ap_err *err, enum ap_status st,
			      const char *source, int line, const char *path,
			      const char *fmt, ...)
{
	char msg[256], where[32] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (source == NULL)
		source = "config";
	if (line > 0)
		snprintf(where, sizeof(where), ":%d", line);
	if (path == NULL || path[0] == '\0')
		return ap_err_set(err, st, "%s%s: %s", source, where, msg);
	return ap_err_set(err, st, "%s%s: key '%s': %s", source, where, path,
			  msg);
}

/* splitmix64's finaliser: fixed forever, see ap_config_shard_owns(). */
static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

bool ap_config_shard_owns(const struct ap_config *cfg, int64_t msm_id)
{
	uint64_t n;

	if (cfg == NULL || cfg->shard_count <= 1)
		return true;
	n = (uint64_t)cfg->shard_count;
	return mix64((uint64_t)msm_id) % n == (uint64_t)(cfg->shard_index - 1);
}

const struct ap_config_link *ap_config_find_link(const struct ap_config *cfg,
						 const char *name)
{
	size_t i;

	if (cfg == NULL || name == NULL)
		return NULL;
	for (i = 0; i < cfg->n_links; i++) {
		if (cfg->links[i].name != NULL &&
		    strcmp(cfg->links[i].name, name) == 0)
			return &cfg->links[i];
	}
	return NULL;
}

const struct ap_config_msm *ap_config_find_msm(const struct ap_config *cfg,
					       int64_t msm_id)
{
	size_t i;

	if (cfg == NULL)
		return NULL;
	for (i = 0; i < cfg->n_measurements; i++) {
		if (cfg->measurements[i].id == msm_id)
			return &cfg->measurements[i];
	}
	return NULL;
}

const char *ap_config_log_level_name(enum ap_config_log_level level)
{
	switch (level) {
	case AP_CONFIG_LOG_ERROR:
		return "error";
	case AP_CONFIG_LOG_WARN:
		return "warn";
	case AP_CONFIG_LOG_INFO:
		return "info";
	case AP_CONFIG_LOG_DEBUG:
		return "debug";
	}
	return "?";
}

const char *ap_config_group_name(enum ap_config_group group)
{
	switch (group) {
	case AP_CONFIG_GROUP_PROBE_ASN:
		return "probe_asn";
	case AP_CONFIG_GROUP_PROBE_CC:
		return "probe_cc";
	case AP_CONFIG_GROUP_LINK:
		return "link";
	}
	return "?";
}

const char *ap_config_link_kind_name(enum ap_config_link_kind kind)
{
	switch (kind) {
	case AP_CONFIG_LINK_TRANSIT:
		return "transit";
	case AP_CONFIG_LINK_PEERING:
		return "peering";
	case AP_CONFIG_LINK_PNI:
		return "pni";
	}
	return "?";
}

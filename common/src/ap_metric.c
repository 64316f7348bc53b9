/* SPDX-License-Identifier: MIT */
/* ap_metric: bounded, allocation-free metric records. */
#include "atlasperf/ap_metric.h"

#include <math.h>
#include <string.h>

void ap_metric_init(struct ap_metric *m, const char *name, int64_t time_s)
{
	m->name = name;
	m->time_s = time_s;
	m->n_tags = 0;
	m->n_fields = 0;
	m->scratch_used = 0;
	m->overflow = false;
}

void ap_metric_tag(struct ap_metric *m, const char *key, const char *value)
{
	if (value == NULL || value[0] == '\0' || key == NULL || key[0] == '\0')
		return;
	for (size_t i = 0; i < m->n_tags; i++) {
		/* first bytes first: most keys differ there, and this runs
		 * for every tag of every point */
		if (m->tags[i].key[0] == key[0] &&
		    strcmp(m->tags[i].key, key) == 0) {
			m->tags[i].value = value;
			return;
		}
	}
	if (m->n_tags == AP_METRIC_MAX_TAGS) {
		m->overflow = true;
		return;
	}
	m->tags[m->n_tags].key = key;
	m->tags[m->n_tags].value = value;
	m->n_tags++;
}

/* Copies s into the scratch area; NULL (and overflow set) when full. */
static const char *scratch_copy(struct ap_metric *m, const char *s)
{
	size_t len = strlen(s);
	char *dst;

	if (len >= sizeof(m->scratch) - m->scratch_used) {
		m->overflow = true;
		return NULL;
	}
	dst = m->scratch + m->scratch_used;
	memcpy(dst, s, len + 1);
	m->scratch_used += len + 1;
	return dst;
}

void ap_metric_tag_copy(struct ap_metric *m, const char *key,
			const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	value = scratch_copy(m, value);
	if (value != NULL)
		ap_metric_tag(m, key, value);
}

void ap_metric_tag_int(struct ap_metric *m, const char *key, int64_t value)
{
	char num[24], *p = num + sizeof(num) - 1;
	uint64_t u = value < 0 ? (uint64_t)0 - (uint64_t)value
			       : (uint64_t)value;
	const char *v;

	/* Digits by hand: snprintf costs more than the rest of a tag. */
	*p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (value < 0)
		*--p = '-';
	v = scratch_copy(m, p);
	if (v != NULL)
		ap_metric_tag(m, key, v);
}

static struct ap_field *new_field(struct ap_metric *m, const char *key,
				  enum ap_field_type type)
{
	struct ap_field *f;

	if (m->n_fields == AP_METRIC_MAX_FIELDS) {
		m->overflow = true;
		return NULL;
	}
	f = &m->fields[m->n_fields++];
	f->key = key;
	f->type = type;
	return f;
}

void ap_metric_float(struct ap_metric *m, const char *key, double value)
{
	struct ap_field *f;

	if (!isfinite(value))
		return;
	f = new_field(m, key, AP_FIELD_FLOAT);
	if (f != NULL)
		f->v.f = value;
}

void ap_metric_int(struct ap_metric *m, const char *key, int64_t value)
{
	struct ap_field *f = new_field(m, key, AP_FIELD_INT);

	if (f != NULL)
		f->v.i = value;
}

void ap_metric_count(struct ap_metric *m, const char *key, int64_t value)
{
	if (value >= 0)
		ap_metric_int(m, key, value);
}

void ap_metric_string(struct ap_metric *m, const char *key, const char *value)
{
	struct ap_field *f;

	if (value == NULL)
		return;
	f = new_field(m, key, AP_FIELD_STRING);
	if (f != NULL)
		f->v.s = value;
}

void ap_metric_string_copy(struct ap_metric *m, const char *key,
			   const char *value)
{
	if (value == NULL)
		return;
	value = scratch_copy(m, value);
	if (value != NULL)
		ap_metric_string(m, key, value);
}

void ap_metric_bool(struct ap_metric *m, const char *key, bool value)
{
	struct ap_field *f = new_field(m, key, AP_FIELD_BOOL);

	if (f != NULL)
		f->v.b = value;
}

void ap_metric_copy(struct ap_metric *dst, const struct ap_metric *src)
{
	const char *lo = src->scratch, *hi = src->scratch + sizeof(src->scratch);

	*dst = *src;
	for (size_t i = 0; i < dst->n_tags; i++) {
		const char *v = src->tags[i].value;

		/* Pointer comparison within one object is well defined. */
		if (v >= lo && v < hi)
			dst->tags[i].value = dst->scratch + (v - lo);
	}
	for (size_t i = 0; i < dst->n_fields; i++) {
		const char *v = src->fields[i].v.s;

		if (src->fields[i].type == AP_FIELD_STRING && v >= lo &&
		    v < hi)
			dst->fields[i].v.s = dst->scratch + (v - lo);
	}
}

const struct ap_field *ap_metric_field(const struct ap_metric *m,
				       const char *key)
{
	for (size_t i = 0; i < m->n_fields; i++)
		if (strcmp(m->fields[i].key, key) == 0)
			return &m->fields[i];
	return NULL;
}

const char *ap_metric_tag_value(const struct ap_metric *m, const char *key)
{
	for (size_t i = 0; i < m->n_tags; i++)
		if (strcmp(m->tags[i].key, key) == 0)
			return m->tags[i].value;
	return NULL;
}

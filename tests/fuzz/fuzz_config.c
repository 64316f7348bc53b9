/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the YAML configuration loader: arbitrary bytes go to
 * ap_config_load_buffer(); a config that loads is re-validated and queried,
 * and the same bytes (as a C string) go through the scalar parsers.
 */
#include "atlasperf/ap_config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_scalars(const uint8_t *data, size_t size)
{
	struct ap_config_prefix p;
	struct ap_err err;
	char *text, buf[64];
	int64_t secs;
	uint64_t bytes;
	int i, n;

	if (size > 256)
		return;
	text = malloc(size + 1);
	if (text == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	if (ap_config_parse_duration(text, &secs, &err) == AP_OK)
		ap_config_format_duration(secs, buf, sizeof(buf));
	ap_config_parse_size(text, &bytes, &err);
	if (ap_config_parse_prefix(text, &p, &err) == AP_OK)
		ap_config_format_prefix(&p, buf, sizeof(buf));
	ap_config_parse_shard(text, &i, &n, &err);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ap_config *cfg = NULL;
	struct ap_err err;
	size_t i;

	fuzz_scalars(data, size);
	if (ap_config_load_buffer("fuzz.yaml", (const char *)data, size, &cfg,
				  &err) != AP_OK)
		return 0;
	ap_config_validate(cfg, &err);
	for (i = 0; i < cfg->n_measurements; i++) {
		ap_config_shard_owns(cfg, cfg->measurements[i].id);
		ap_config_find_msm(cfg, cfg->measurements[i].id);
	}
	for (i = 0; i < cfg->n_destinations; i++)
		ap_config_find_link(cfg, cfg->destinations[i].current_link);
	ap_config_free(cfg);
	return 0;
}

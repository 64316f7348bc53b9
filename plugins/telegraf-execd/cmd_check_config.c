/* SPDX-License-Identifier: MIT */
/*
 * cmd_check_config: `atlasperf check-config FILE`. Loads the YAML file with
 * ap_config_load_file() (which validates it), prints what the collector
 * would run with, and warns about things that are legal but likely wrong.
 * The API key file is checked for readability only, never read.
 */
#include "cmd_check_config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "atlasperf/ap_config.h"
#include "log.h"

static const char USAGE[] =
	"Usage: atlasperf check-config [OPTIONS] FILE\n"
	"\n"
	"Loads and validates the YAML configuration FILE and prints a "
	"summary:\n"
	"the Atlas API settings (never the API key itself), state directory,\n"
	"timers, shard, each measurement with its tags, and the cost model's\n"
	"links and destinations. Exits 0 when the file is valid, 1 when it is\n"
	"not (one \"E! FILE:LINE: key 'x.y': message\" line on stderr).\n"
	"See docs/configuration.md for every key.\n"
	"\n"
	"Options:\n"
	"  -h, --help              show this help\n";

static const char *duration(int64_t s, char *buf, size_t size)
{
	if (ap_config_format_duration(s, buf, size) < 0)
		snprintf(buf, size, "%" PRId64 "s", s);
	return buf;
}

/* Warns when path (a key's value) cannot be read by this user. */
static void check_readable(const char *key, const char *path)
{
	if (path != NULL && access(path, R_OK) != 0)
		log_msg(LOG_WARN, "%s '%s' is not readable: %s", key, path,
			strerror(errno));
}

static void print_atlas(const struct ap_config *cfg)
{
	const struct ap_config_atlas *a = &cfg->atlas;
	char d[32];

	printf("atlas:\n");
	printf("  base_url:           %s\n", a->base_url);
	if (a->api_key_file != NULL)
		printf("  api key:            from file %s\n", a->api_key_file);
	else
		printf("  api key:            none (public measurements "
		       "only)\n");
	printf("  timeout:            %s\n",
	       duration(a->timeout_s, d, sizeof(d)));
	printf("  ca_file:            %s\n",
	       a->ca_file ? a->ca_file : "(system CA store)");
	printf("  max_response_bytes: %" PRIu64 "\n", a->max_response_bytes);
	printf("  user_agent:         %s\n", a->user_agent);
	check_readable("atlas.api_key_file", a->api_key_file);
	check_readable("atlas.ca_file", a->ca_file);
}

static void print_general(const struct ap_config *cfg)
{
	char d[32], d2[32];

	printf("state_dir:            %s\n", cfg->state_dir);
	printf("late_results_horizon: %s\n",
	       duration(cfg->late_results_horizon_s, d, sizeof(d)));
	printf("late_sweep_interval:  %s\n",
	       duration(cfg->late_sweep_interval_s, d, sizeof(d)));
	printf("probe_cache_ttl:      %s\n",
	       duration(cfg->probe_cache_ttl_s, d, sizeof(d)));
	if (cfg->interval_s > 0)
		printf("interval:             %s\n",
		       duration(cfg->interval_s, d, sizeof(d)));
	else
		printf("interval:             none (driven by the caller)\n");
	printf("retry back-off:       %s .. %s\n",
	       duration(cfg->retry_min_s, d, sizeof(d)),
	       duration(cfg->retry_max_s, d2, sizeof(d2)));
	printf("log_level:            %s\n",
	       ap_config_log_level_name(cfg->log_level));
}

static void print_msm(const struct ap_config *cfg,
		      const struct ap_config_msm *m)
{
	size_t i;

	printf("  - %" PRId64 ":%s%s", m->id, m->enabled ? "" : " disabled",
	       m->enabled && !ap_config_shard_owns(cfg, m->id)
		       ? " (other shard)"
		       : "");
	if (m->n_tags > 0) {
		printf(" tags");
		for (i = 0; i < m->n_tags; i++)
			printf("%s%s=%s", i == 0 ? " " : ",", m->tags[i].key,
			       m->tags[i].value);
	}
	if (m->n_group_by > 0) {
		printf(" group_by");
		for (i = 0; i < m->n_group_by; i++)
			printf("%s%s", i == 0 ? " " : ",",
			       ap_config_group_name(m->group_by[i]));
	}
	if (m->has_target)
		printf(" target %.4f,%.4f", m->target_lat, m->target_lon);
	if (m->hop_points)
		printf(" hop_points");
	printf("\n");
}

static void print_measurements(const struct ap_config *cfg)
{
	size_t i, enabled = 0, owned = 0;

	for (i = 0; i < cfg->n_measurements; i++) {
		if (!cfg->measurements[i].enabled)
			continue;
		enabled++;
		owned += ap_config_shard_owns(cfg, cfg->measurements[i].id);
	}
	printf("shard:                %d/%d (fetches %zu of %zu enabled "
	       "measurements)\n",
	       cfg->shard_index, cfg->shard_count, owned, enabled);
	printf("measurements:         %zu (%zu enabled)\n", cfg->n_measurements,
	       enabled);
	for (i = 0; i < cfg->n_measurements; i++)
		print_msm(cfg, &cfg->measurements[i]);
	if (enabled == 0)
		log_msg(LOG_WARN, "no enabled measurements: nothing to fetch");
	else if (owned == 0)
		log_msg(LOG_WARN,
			"shard %d/%d owns none of the enabled measurements",
			cfg->shard_index, cfg->shard_count);
}

static void print_cost(const struct ap_config *cfg)
{
	size_t i, j, v4, v6;

	if (cfg->n_links == 0 && cfg->n_destinations == 0) {
		printf("links:                0 (cost model off)\n");
		return;
	}
	printf("currency:             %s\n", cfg->currency);
	printf("slo:                  max_rtt_delta_ms %g, max_loss_pct %g\n",
	       cfg->slo_max_rtt_delta_ms, cfg->slo_max_loss_pct);
	printf("defaults:             max_utilization %g\n",
	       cfg->default_max_utilization);
	if (isnan(cfg->reference_transit_price))
		printf("reference_transit_price: null (lowest transit "
		       "overage price)\n");
	else
		printf("reference_transit_price: %g\n",
		       cfg->reference_transit_price);
	printf("links:                %zu\n", cfg->n_links);
	for (i = 0; i < cfg->n_links; i++) {
		const struct ap_config_link *l = &cfg->links[i];

		v4 = v6 = 0;
		for (j = 0; j < l->n_prefixes; j++) {
			if (l->prefixes[j].af == 4)
				v4++;
			else
				v6++;
		}
		printf("  - %s: %s, capacity %g Mbps, %zu prefix%s (%zu IPv4, "
		       "%zu IPv6)\n",
		       l->name, ap_config_link_kind_name(l->kind),
		       l->port_capacity_mbps, l->n_prefixes,
		       l->n_prefixes == 1 ? "" : "es", v4, v6);
	}
	printf("destinations:         %zu\n", cfg->n_destinations);
}

int cmd_check_config(int argc, char **argv)
{
	struct ap_config *cfg = NULL;
	struct ap_err err;
	const char *path = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			fputs(USAGE, stdout);
			return 0;
		}
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			log_msg(LOG_ERROR,
				"check-config: unknown option '%s' (see "
				"atlasperf check-config --help)",
				argv[i]);
			return 2;
		}
		break;
	}
	if (i < argc)
		path = argv[i++];
	if (path == NULL || i < argc) {
		log_msg(LOG_ERROR,
			"check-config: %s (see atlasperf "
			"check-config --help)",
			path == NULL ? "no FILE given" : "more than one FILE");
		return 2;
	}
	ap_err_clear(&err);
	if (ap_config_load_file(path, &cfg, &err) != AP_OK) {
		log_msg(LOG_ERROR, "%s", err.msg);
		return 1;
	}
	printf("%s: OK\n", path);
	print_atlas(cfg);
	print_general(cfg);
	print_measurements(cfg);
	print_cost(cfg);
	ap_config_free(cfg);
	if (fflush(stdout) != 0) {
		log_msg(LOG_ERROR, "cannot write to stdout: %s",
			strerror(errno));
		return 1;
	}
	return 0;
}

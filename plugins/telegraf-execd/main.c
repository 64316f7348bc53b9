/* SPDX-License-Identifier: MIT */
/*
 * atlasperf: the command-line front-end. Dispatches to one subcommand per
 * file (cmd_*.c); all Atlas logic lives in libatlasperf (common/).
 */
#include <stdio.h>
#include <string.h>

#include "cmd_check_config.h"
#include "cmd_convert.h"
#include "cmd_billed.h"
#include "cmd_cost.h"
#include "cmd_execd.h"
#include "log.h"

#ifndef AP_VERSION
#define AP_VERSION "0.0.0"
#endif

static const char USAGE[] =
	"Usage: atlasperf COMMAND [OPTIONS] [ARGS]\n"
	"\n"
	"Turns RIPE Atlas measurement results into latency and packet-loss\n"
	"metrics in InfluxDB line protocol.\n"
	"\n"
	"Commands:\n"
	"  convert [FILE ...]      convert saved results (JSON array or JSON\n"
	"                          lines) to line protocol on stdout\n"
	"  execd --config FILE     collect results continuously from the\n"
	"                          Atlas API (for Telegraf's inputs.execd)\n"
	"  check-config FILE       validate a configuration file and print a\n"
	"                          summary\n"
	"  cost FILE [--json]      run the peering/transit cost model on a\n"
	"                          YAML file of links and destinations\n"
	"  billed-load [FILE]      95th-percentile billed load of 5-minute\n"
	"                          traffic samples (inbound, outbound)\n"
	"\n"
	"Options:\n"
	"  -h, --help              show this help\n"
	"  -V, --version           show the version\n"
	"\n"
	"Run 'atlasperf COMMAND --help' for a command's options. See\n"
	"atlasperf(1) and docs/ for the metric schema and configuration.\n";

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (cmd == NULL) {
		fputs(USAGE, stderr);
		return 2;
	}
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0) {
		fputs(USAGE, stdout);
		return 0;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("atlasperf %s\n", AP_VERSION);
		return 0;
	}
	if (strcmp(cmd, "convert") == 0)
		return cmd_convert(argc - 1, argv + 1);
	if (strcmp(cmd, "execd") == 0)
		return cmd_execd(argc - 1, argv + 1);
	if (strcmp(cmd, "check-config") == 0)
		return cmd_check_config(argc - 1, argv + 1);
	if (strcmp(cmd, "billed-load") == 0)
		return cmd_billed(argc - 1, argv + 1);
	if (strcmp(cmd, "cost") == 0)
		return cmd_cost(argc - 1, argv + 1);
	log_msg(LOG_ERROR, "unknown command '%s' (see atlasperf --help)", cmd);
	return 2;
}

/* SPDX-License-Identifier: MIT */
/* cmd_execd: `atlasperf execd`, the collector run by Telegraf's execd. */
#ifndef ATLASPERF_CMD_EXECD_H
#define ATLASPERF_CMD_EXECD_H

/*
 * Installs its signal handlers first of all (SIGHUP/SIGUSR1/SIGUSR2 would
 * otherwise kill the process at Telegraf's first tick). argv[0] is
 * "execd". Returns the process exit status.
 */
int cmd_execd(int argc, char **argv);

#endif

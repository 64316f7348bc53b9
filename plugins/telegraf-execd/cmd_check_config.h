/* SPDX-License-Identifier: MIT */
/*
 * cmd_check_config: `atlasperf check-config FILE`, loads and validates the
 * YAML configuration and prints a human summary on stdout.
 */
#ifndef ATLASPERF_CMD_CHECK_CONFIG_H
#define ATLASPERF_CMD_CHECK_CONFIG_H

/*
 * argv[0] is "check-config". Returns the process exit status: 0 when FILE
 * loads and validates (summary on stdout, warnings as "W! ..." on stderr),
 * 1 when it does not ("E! FILE:LINE: key 'x.y': message" on stderr), 2 on
 * a usage error. The API key is never read or printed.
 */
int cmd_check_config(int argc, char **argv);

#endif

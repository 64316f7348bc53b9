/* SPDX-License-Identifier: MIT */
/* cmd_billed: `atlasperf billed-load [FILE]`, 95th-percentile billing. */
#ifndef ATLASPERF_CMD_BILLED_H
#define ATLASPERF_CMD_BILLED_H

/* argv[0] is "billed-load". Returns the process exit status. */
int cmd_billed(int argc, char **argv);

#endif

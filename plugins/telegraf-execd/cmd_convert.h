/* SPDX-License-Identifier: MIT */
/* cmd_convert: `atlasperf convert [FILE ...]`, results -> line protocol. */
#ifndef ATLASPERF_CMD_CONVERT_H
#define ATLASPERF_CMD_CONVERT_H

/* argv[0] is "convert". Returns the process exit status. */
int cmd_convert(int argc, char **argv);

#endif

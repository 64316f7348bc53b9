/* SPDX-License-Identifier: MIT */
/*
 * cmd_cost: `atlasperf cost FILE [--json]`, runs the peering/transit cost
 * model (ap_cost, ANALYSIS.md section 6) on a YAML file of links and
 * destinations and prints the plan as a readable report or as JSON.
 */
#ifndef ATLASPERF_CMD_COST_H
#define ATLASPERF_CMD_COST_H

/*
 * argv[0] is "cost". Returns the process exit status: 0 with the report
 * on stdout; 1 when FILE cannot be loaded or costed (one
 * "E! FILE:LINE: key 'x.y': message" line on stderr); 2 on a usage error.
 */
int cmd_cost(int argc, char **argv);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * execd_signals: the signal side of the execd loop. SIGHUP, SIGUSR1 and
 * SIGUSR2 request a gather; SIGTERM and SIGINT request a stop; SIGPIPE is
 * ignored (a closed stdout shows up as a write error). Handlers only set
 * flags and write a byte to a self-pipe that the loop polls.
 */
#ifndef ATLASPERF_EXECD_SIGNALS_H
#define ATLASPERF_EXECD_SIGNALS_H

#include <stdbool.h>

/* Installs the handlers; 0 on success, -1 with errno set. */
int execd_signals_install(void);

/* The read end of the self-pipe, for poll(). */
int execd_signal_fd(void);

/* Empties the self-pipe after poll() reported it readable. */
void execd_drain_signal_fd(void);

bool execd_stop_requested(void);
void execd_request_stop(void);

/* Gather requests collapse: taking one clears them all. */
void execd_request_gather(void);
bool execd_take_gather_request(void);

/* Whether stdin carries gather requests (a pipe, socket or terminal),
 * as opposed to /dev/null or a file, which would read as EOF at once. */
bool execd_stdin_is_trigger(void);

/* True when stdin carries gather requests and its writer has gone
 * (POLLHUP), checked without reading or blocking. */
bool execd_stdin_closed(void);

#endif

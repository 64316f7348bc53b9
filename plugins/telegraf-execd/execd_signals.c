/* SPDX-License-Identifier: MIT */
/* execd_signals: async-signal-safe flags and a self-pipe. */
#include "execd_signals.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Signal handlers can only reach file-scope state: these are the front-
 * end's process-wide flags (the library has none). */
static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t gather_flag;
static int pipe_fds[2] = {-1, -1};

static void wake(void)
{
	int saved = errno;
	char c = 1;

	if (pipe_fds[1] >= 0 && write(pipe_fds[1], &c, 1) < 0) {
		/* full pipe: the loop is awake anyway */
	}
	errno = saved;
}

static void on_gather_signal(int sig)
{
	(void)sig;
	gather_flag = 1;
	wake();
}

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
	wake();
}

static int set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() returns EINTR and the loop looks at the
	 * flags at once. */
	return sigaction(sig, &sa, NULL);
}

int execd_signals_install(void)
{
	if (set_handler(SIGHUP, on_gather_signal) != 0 ||
	    set_handler(SIGUSR1, on_gather_signal) != 0 ||
	    set_handler(SIGUSR2, on_gather_signal) != 0 ||
	    set_handler(SIGTERM, on_stop_signal) != 0 ||
	    set_handler(SIGINT, on_stop_signal) != 0 ||
	    set_handler(SIGPIPE, SIG_IGN) != 0)
		return -1;
	if (pipe(pipe_fds) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		int fl = fcntl(pipe_fds[i], F_GETFL);

		if (fl < 0 || fcntl(pipe_fds[i], F_SETFL, fl | O_NONBLOCK) != 0 ||
		    fcntl(pipe_fds[i], F_SETFD, FD_CLOEXEC) != 0)
			return -1;
	}
	return 0;
}

int execd_signal_fd(void)
{
	return pipe_fds[0];
}

void execd_drain_signal_fd(void)
{
	char buf[64];

	while (read(pipe_fds[0], buf, sizeof(buf)) > 0)
		;
}

bool execd_stop_requested(void)
{
	return stop_flag != 0;
}

void execd_request_stop(void)
{
	stop_flag = 1;
}

void execd_request_gather(void)
{
	gather_flag = 1;
}

bool execd_take_gather_request(void)
{
	if (gather_flag == 0)
		return false;
	gather_flag = 0;
	return true;
}

bool execd_stdin_is_trigger(void)
{
	struct stat st;

	if (isatty(STDIN_FILENO))
		return true;
	if (fstat(STDIN_FILENO, &st) != 0)
		return false;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

bool execd_stdin_closed(void)
{
	struct pollfd p = {STDIN_FILENO, POLLIN, 0};

	if (!execd_stdin_is_trigger() || isatty(STDIN_FILENO))
		return false;
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR)) != 0;
}

/* SPDX-License-Identifier: MIT */
/* log: leveled stderr logging with Telegraf's prefixes. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

/* The program's only mutable global: the front-end's verbosity (the
 * library itself keeps no global state). */
static enum log_level max_level = LOG_INFO;

void log_set_level(enum log_level level)
{
	max_level = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = {"E! ", "W! ", "I! ", "D! "};
	char line[1024];
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line so concurrent writers do not interleave
	 * within a line, and no embedded newline splits a message. */
	for (char *p = line; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, "%s%s\n", prefix[level], line);
}

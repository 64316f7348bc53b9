/* SPDX-License-Identifier: MIT */
/* log: leveled stderr logging with Telegraf's prefixes. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

/* The program's only mutable global: the front-end's verbosity (the
 * library itself keeps no global state). Set while single-threaded, from
 * the options; convert's worker threads only read it. */
static enum log_level max_level = LOG_INFO;

void log_set_level(enum log_level level)
{
	max_level = level;
}

static const char *const prefix[] = {"E! ", "W! ", "I! ", "D! "};

/* The message as one line: embedded newlines would split it. */
static void format_line(char line[1024], const char *fmt, va_list ap)
{
	vsnprintf(line, 1024, fmt, ap);
	for (char *p = line; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	format_line(line, fmt, ap);
	va_end(ap);
	/* One fprintf per line so concurrent writers do not interleave
	 * within a line. */
	fprintf(stderr, "%s%s\n", prefix[level], line);
}

enum ap_status log_to(struct ap_buf *buf, enum log_level level,
		      const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (level > max_level)
		return AP_OK;
	va_start(ap, fmt);
	format_line(line, fmt, ap);
	va_end(ap);
	if (buf == NULL) {
		fprintf(stderr, "%s%s\n", prefix[level], line);
		return AP_OK;
	}
	return ap_buf_printf(buf, "%s%s\n", prefix[level], line) == AP_OK
		       ? AP_OK
		       : AP_ENOMEM;
}

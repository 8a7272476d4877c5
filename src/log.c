/* SPDX-License-Identifier: MIT */
/*
 * log: timestamped diagnostics on stderr.
 *
 * Each message is formatted into one buffer and written with one write(2),
 * so lines from different threads do not interleave. Limit: a message is
 * cut at 1 KiB, because diagnostics are short by design.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level current_level = LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info",
					  "debug"};

void log_set_level(enum log_level level)
{
	current_level = level;
}

int log_level_parse(const char *name, enum log_level *level)
{
	for (size_t i = 0; i < sizeof level_names / sizeof *level_names; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	int saved_errno = errno;
	char line[1024];
	struct tm tm;
	time_t now;
	size_t n;
	va_list ap;

	if (level > current_level)
		goto out;

	now = time(NULL);
	gmtime_r(&now, &tm);
	n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ ", &tm);
	n += (size_t)snprintf(line + n, sizeof line - n, "%s: ",
			      level_names[level]);

	va_start(ap, fmt);
	int w = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
	va_end(ap);
	if (w > 0)
		n += (size_t)w < sizeof line - n - 1 ? (size_t)w
						     : sizeof line - n - 2;
	line[n++] = '\n';

	if (write(STDERR_FILENO, line, n) < 0) {
		/* Nowhere left to report it. */
	}
out:
	errno = saved_errno;
}

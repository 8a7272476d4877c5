/* SPDX-License-Identifier: MIT */
/*
 * log: diagnostics on stderr, one line each:
 *   2026-12-04T15:04:05Z warn: store: cut a torn last line ...
 * Four levels; messages below the configured level are dropped. Logging
 * never changes errno. Callers never pass request bodies, names or email
 * addresses: those are personal data.
 */
#ifndef ASSETD_LOG_H
#define ASSETD_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);

/* Parses "error", "warn", "info" or "debug"; returns -1 for anything else. */
int log_level_parse(const char *name, enum log_level *level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif

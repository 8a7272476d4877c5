/* SPDX-License-Identifier: MIT */
/*
 * fuzz_config: libFuzzer harness over config_parse(), the reader of the
 * configuration file, as config_load() calls it after reading the file:
 * on the built-in defaults, with a 512-byte error buffer (src/main.c's).
 *
 * Invariants, checked with CHECK (which aborts, so libFuzzer saves the
 * input):
 *   - accepted: every value is in its range (threads 1..1024,
 *     max_body_bytes 256..16 MiB, request_timeout_ms 100..600000, a known
 *     log level); listen and data_dir are non-empty and every string is
 *     NUL-terminated inside its array; setting each value again with
 *     config_set() on the defaults is accepted and gives the same config;
 *   - refused: err is NUL-terminated inside its buffer and reads
 *     "fuzz.conf:N: reason", N the number of a line of the input (from 1)
 *     and the reason non-empty.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"

#define NAME "fuzz.conf"
#define ERR_BYTES 512

/* Fill byte for err before each call, so a missing NUL is seen. */
#define ERR_FILL 0x5A

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void check_string(const char *s, size_t cap)
{
	CHECK(memchr(s, '\0', cap) != NULL);
}

/* Sets key to value on c, which must be accepted. */
static void set_again(struct config *c, const char *key, const char *value)
{
	char err[ERR_BYTES];

	CHECK(config_set(c, key, value, err, sizeof err) == 0);
}

/* Setting every value of c again, on the defaults, gives c back. */
static void check_round_trip(const struct config *c)
{
	static const char *const levels[] = {"error", "warn", "info",
					     "debug"};
	struct config again;
	char num[32];

	config_defaults(&again);
	set_again(&again, "listen", c->listen);
	set_again(&again, "data_dir", c->data_dir);
	snprintf(num, sizeof num, "%u", c->threads);
	set_again(&again, "threads", num);
	snprintf(num, sizeof num, "%zu", c->max_body_bytes);
	set_again(&again, "max_body_bytes", num);
	snprintf(num, sizeof num, "%u", c->request_timeout_ms);
	set_again(&again, "request_timeout_ms", num);
	set_again(&again, "access_log",
		  c->access_log[0] ? c->access_log : "off");
	set_again(&again, "log_level", levels[c->log_level]);

	CHECK(strcmp(again.listen, c->listen) == 0);
	CHECK(strcmp(again.data_dir, c->data_dir) == 0);
	CHECK(again.threads == c->threads);
	CHECK(again.max_body_bytes == c->max_body_bytes);
	CHECK(again.request_timeout_ms == c->request_timeout_ms);
	CHECK(strcmp(again.access_log, c->access_log) == 0);
	CHECK(again.log_level == c->log_level);
}

static void check_accepted(const struct config *c)
{
	check_string(c->listen, sizeof c->listen);
	check_string(c->data_dir, sizeof c->data_dir);
	check_string(c->access_log, sizeof c->access_log);
	CHECK(c->listen[0] != '\0');
	CHECK(c->data_dir[0] != '\0');
	CHECK(c->threads >= 1 && c->threads <= 1024);
	CHECK(c->max_body_bytes >= 256 &&
	      c->max_body_bytes <= 16 * 1024 * 1024);
	CHECK(c->request_timeout_ms >= 100 && c->request_timeout_ms <= 600000);
	CHECK(c->log_level >= LOG_ERROR && c->log_level <= LOG_DEBUG);
	check_round_trip(c);
}

/* err is "fuzz.conf:N: reason" with 1 <= N <= the input's line count. */
static void check_refused(const char *err, const char *text, size_t size)
{
	size_t lines = 1, prefix = strlen(NAME ":");
	const char *p;
	char *end;
	unsigned long n;

	CHECK(memchr(err, '\0', ERR_BYTES) != NULL);
	CHECK(strncmp(err, NAME ":", prefix) == 0);
	p = err + prefix;
	CHECK(is_digit(p[0]) && p[0] != '0');
	n = strtoul(p, &end, 10);
	CHECK(end[0] == ':' && end[1] == ' ' && end[2] != '\0');

	for (size_t i = 0; i < size; i++) {
		if (text[i] == '\n')
			lines++;
	}
	CHECK(n >= 1 && n <= lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct config cfg;
	char err[ERR_BYTES];

	config_defaults(&cfg);
	memset(err, ERR_FILL, sizeof err);
	if (config_parse(&cfg, NAME, text, size, err, sizeof err) == 0)
		check_accepted(&cfg);
	else
		check_refused(err, text, size);
	return 0;
}

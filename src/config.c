/* SPDX-License-Identifier: MIT */
/*
 * config: parse "key = value" settings into struct config.
 *
 * Every value is checked when it is set, so a struct config that came
 * through here is always usable: ranges hold, strings fit and are
 * NUL-terminated. Limit: a configuration file may be at most 64 KiB and a
 * line at most 1 KiB, because it is a short hand-written file.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"

#define CONFIG_FILE_MAX (64 * 1024)
#define CONFIG_LINE_MAX 1024

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	strcpy(c->listen, "127.0.0.1:8080");
	strcpy(c->data_dir, "data");
	c->threads = 512;
	c->max_body_bytes = 64 * 1024;
	c->request_timeout_ms = 10000;
	c->access_log[0] = '\0';
	c->log_level = LOG_INFO;
}

/* Parses a decimal in [min, max]; no sign, no spaces, no suffix. */
static int parse_uint(const char *s, unsigned long long min,
		      unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (unsigned)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v < min)
		return -1;
	*out = v;
	return 0;
}

int config_listen_addr(const char *listen, struct in_addr *addr)
{
	const char *colon = strrchr(listen, ':');
	char host[INET_ADDRSTRLEN];
	unsigned long long port;

	if (colon == NULL || (size_t)(colon - listen) >= sizeof host)
		return -1;
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	/* Limit: IPv4 only: Debian's CivetWeb 1.15 is built without IPv6. */
	if (inet_pton(AF_INET, host, addr) != 1 ||
	    parse_uint(colon + 1, 0, 65535, &port) < 0)
		return -1;
	return 0;
}

static int listen_valid(const char *s)
{
	struct in_addr addr;

	return config_listen_addr(s, &addr) == 0;
}

static int set_string(char *dst, size_t cap, const char *value,
		      const char *key, char *err, size_t errlen)
{
	size_t n = strlen(value);

	if (n == 0) {
		snprintf(err, errlen, "%s must not be empty", key);
		return -1;
	}
	if (n >= cap) {
		snprintf(err, errlen, "%s is too long (limit %zu bytes)", key,
			 cap - 1);
		return -1;
	}
	memcpy(dst, value, n + 1);
	return 0;
}

static int set_number(const char *key, const char *value,
		      unsigned long long min, unsigned long long max,
		      unsigned long long *out, char *err, size_t errlen)
{
	if (parse_uint(value, min, max, out) == 0)
		return 0;
	snprintf(err, errlen, "%s must be a whole number from %llu to %llu",
		 key, min, max);
	return -1;
}

int config_set(struct config *c, const char *key, const char *value,
	       char *err, size_t errlen)
{
	unsigned long long n;

	if (strcmp(key, "listen") == 0) {
		if (!listen_valid(value)) {
			snprintf(err, errlen,
				 "listen must be IPv4-address:port, "
				 "e.g. 127.0.0.1:8080");
			return -1;
		}
		return set_string(c->listen, sizeof c->listen, value, key,
				  err, errlen);
	}
	if (strcmp(key, "data_dir") == 0)
		return set_string(c->data_dir, sizeof c->data_dir, value, key,
				  err, errlen);
	if (strcmp(key, "threads") == 0) {
		if (set_number(key, value, 1, 1024, &n, err, errlen) < 0)
			return -1;
		c->threads = (unsigned)n;
		return 0;
	}
	if (strcmp(key, "max_body_bytes") == 0) {
		if (set_number(key, value, 256, 16 * 1024 * 1024, &n, err,
			       errlen) < 0)
			return -1;
		c->max_body_bytes = (size_t)n;
		return 0;
	}
	if (strcmp(key, "request_timeout_ms") == 0) {
		if (set_number(key, value, 100, 600000, &n, err, errlen) < 0)
			return -1;
		c->request_timeout_ms = (unsigned)n;
		return 0;
	}
	if (strcmp(key, "access_log") == 0) {
		if (strcmp(value, "off") == 0) {
			c->access_log[0] = '\0';
			return 0;
		}
		return set_string(c->access_log, sizeof c->access_log, value,
				  key, err, errlen);
	}
	if (strcmp(key, "tokens_file") == 0)
		return set_string(c->tokens_file, sizeof c->tokens_file, value,
				  key, err, errlen);
	if (strcmp(key, "tls_certificate") == 0) {
		snprintf(err, errlen, "tls_certificate is not supported: "
				      "put a TLS proxy in front (docs/TLS.md)");
		return -1;
	}
	if (strcmp(key, "trusted_proxy") == 0) {
		struct in_addr addr;

		if (inet_pton(AF_INET, value, &addr) == 1)
			return set_string(c->trusted_proxy,
					  sizeof c->trusted_proxy, value, key,
					  err, errlen);
		snprintf(err, errlen, "trusted_proxy must be an IPv4 address");
		return -1;
	}
	if (strcmp(key, "chain_key") == 0) {
		size_t len = strlen(value);

		if (len >= CHAIN_KEY_MIN && len <= CHAIN_KEY_MAX)
			return set_string(c->chain_key, sizeof c->chain_key,
					  value, key, err, errlen);
		snprintf(err, errlen, "chain_key must be %d to %d characters",
			 CHAIN_KEY_MIN, CHAIN_KEY_MAX);
		return -1;
	}
	if (strcmp(key, "allow_anonymous") == 0) {
		if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0) {
			c->allow_anonymous = strcmp(value, "yes") == 0;
			return 0;
		}
		snprintf(err, errlen, "allow_anonymous must be yes or no");
		return -1;
	}
	if (strcmp(key, "log_level") == 0) {
		if (log_level_parse(value, &c->log_level) == 0)
			return 0;
		snprintf(err, errlen,
			 "log_level must be error, warn, info or debug");
		return -1;
	}
	snprintf(err, errlen, "unknown key '%.64s'", key);
	return -1;
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Trims line in place and splits it at the first '='. Returns 1 for a
 * setting, 0 for a blank or comment line, -1 for a malformed one. */
static int split_line(char *line, char **key, char **value)
{
	char *eq, *end;

	while (is_space(*line))
		line++;
	if (*line == '\0' || *line == '#')
		return 0;

	eq = strchr(line, '=');
	if (eq == NULL || eq == line)
		return -1;
	*key = line;
	for (end = eq; end > line && is_space(end[-1]); end--)
		;
	*end = '\0';

	*value = eq + 1;
	while (is_space(**value))
		(*value)++;
	end = *value + strlen(*value);
	while (end > *value && is_space(end[-1]))
		end--;
	*end = '\0';
	return 1;
}

/* Keys already set by this file, to refuse a second setting. */
struct seen {
	char keys[16][32];
	unsigned lines[16];
	unsigned count;
};

/* Returns the line that set key before, or 0; remembers it otherwise. */
static unsigned seen_before(struct seen *seen, const char *key,
			    unsigned lineno)
{
	for (unsigned i = 0; i < seen->count; i++) {
		if (strcmp(seen->keys[i], key) == 0)
			return seen->lines[i];
	}
	if (seen->count < 16 && strlen(key) < sizeof seen->keys[0]) {
		strcpy(seen->keys[seen->count], key);
		seen->lines[seen->count++] = lineno;
	}
	return 0;
}

static int parse_line(struct config *c, char *line, struct seen *seen,
		      unsigned lineno, char *err, size_t errlen)
{
	char *key, *value;
	unsigned first;
	int kind = split_line(line, &key, &value);

	if (kind == 0)
		return 0;
	if (kind < 0) {
		snprintf(err, errlen, "expected 'key = value'");
		return -1;
	}
	for (const char *p = key; *p; p++) {
		if (is_space(*p)) {
			snprintf(err, errlen, "a key has no spaces");
			return -1;
		}
	}
	if (config_set(c, key, value, err, errlen) < 0)
		return -1;
	first = seen_before(seen, key, lineno);
	if (first != 0) {
		snprintf(err, errlen, "%.32s is already set on line %u", key,
			 first);
		return -1;
	}
	return 0;
}

int config_parse(struct config *c, const char *name, const char *text,
		 size_t len, char *err, size_t errlen)
{
	char line[CONFIG_LINE_MAX + 1];
	char why[256];
	struct seen seen = {.count = 0};
	size_t pos = 0;
	unsigned lineno = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		if (n > CONFIG_LINE_MAX) {
			snprintf(why, sizeof why,
				 "line is longer than %d bytes",
				 CONFIG_LINE_MAX);
			goto fail;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (memchr(line, '\0', n) != NULL) {
			snprintf(why, sizeof why, "line holds a NUL byte");
			goto fail;
		}
		if (parse_line(c, line, &seen, lineno, why, sizeof why) < 0)
			goto fail;
		pos += n + 1;
	}
	return 0;

fail:
	snprintf(err, errlen, "%s:%u: %s", name, lineno, why);
	return -1;
}

int config_load(struct config *c, const char *path, char *err,
		size_t errlen)
{
	char *text = NULL;
	size_t len;
	int rc = -1;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return -1;
	}
	text = malloc(CONFIG_FILE_MAX + 1);
	if (text == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	len = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 strerror(errno));
		goto out;
	}
	if (len > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
			 CONFIG_FILE_MAX);
		goto out;
	}
	rc = config_parse(c, path, text, len, err, errlen);
out:
	free(text);
	fclose(f);
	return rc;
}

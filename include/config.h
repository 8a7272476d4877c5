/* SPDX-License-Identifier: MIT */
/*
 * config: the server's settings, from built-in defaults, then the
 * configuration file, then command-line flags (later wins).
 *
 * File format: one "key = value" per line; a line whose first non-blank
 * character is '#' is a comment (a '#' later in a line belongs to the
 * value); blank lines are ignored; a key may be set once. An unknown
 * key or a bad value is an error that names the file, the line and the
 * reason. Keys are listed in assets.conf.
 */
#ifndef ASSETD_CONFIG_H
#define ASSETD_CONFIG_H

#include <netinet/in.h>
#include <stddef.h>

#include "log.h"

#define CONFIG_PATH_MAX 1024

struct config {
	char listen[64];		/* IPv4 address and port */
	char data_dir[CONFIG_PATH_MAX];
	unsigned threads;		/* worker threads */
	size_t max_body_bytes;		/* largest request body accepted */
	unsigned request_timeout_ms;	/* headers, and again the body */
	char access_log[CONFIG_PATH_MAX]; /* "" when off */
	enum log_level log_level;
	char tokens_file[CONFIG_PATH_MAX]; /* "" when none: no tokens */
	int allow_anonymous;		/* serve beyond loopback untokened */
	char trusted_proxy[16];		/* IPv4 whose X-Real-IP is used */
	char chain_key[257];		/* HMAC key of the chain, or "" */
};

void config_defaults(struct config *c);

/* The address of a listen value "a.b.c.d:port" (IPv4, port 0-65535).
 * Returns 0, or -1 when the value is not of that form. */
int config_listen_addr(const char *listen, struct in_addr *addr);

/* Sets one key from text. Returns 0, or -1 with the reason in err. */
int config_set(struct config *c, const char *key, const char *value,
	       char *err, size_t errlen);

/* Applies every line of text[0..len); name labels errors ("name:line:").
 * Returns 0, or -1 with "name:line: reason" in err. */
int config_parse(struct config *c, const char *name, const char *text,
		 size_t len, char *err, size_t errlen);

/* Reads and applies the file at path. Returns 0 or -1 with err set. */
int config_load(struct config *c, const char *path, char *err,
		size_t errlen);

#endif

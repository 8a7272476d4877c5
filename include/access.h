/* SPDX-License-Identifier: MIT */
/*
 * access: who may make a request. With a tokens file, every request
 * needs `Authorization: Bearer TOKEN` of a role that may do what it asks;
 * repeated failures from one address are slowed down. Without one, the
 * server is open, and so it must listen on loopback only unless
 * allow_anonymous says otherwise.
 */
#ifndef ASSETD_ACCESS_H
#define ASSETD_ACCESS_H

#include <stddef.h>

#include "config.h"
#include "tokens.h"

/* Failed tokens from one address in one window before it gets 429. */
#define ACCESS_FAILURES_MAX 20
#define ACCESS_WINDOW_SECONDS 60

struct access;

struct access_result {
	int status;		   /* 0 to go on, else 401, 403 or 429 */
	const char *message;	   /* for the error reply */
	char who[TOKEN_NAME_MAX];  /* the token's name, "" when open */
	unsigned retry_after;	   /* seconds, with 429 */
};

/* Applies the configuration's access rules. Returns NULL with err set
 * when they forbid starting (an open server on a non-loopback address). */
struct access *access_open(const struct config *cfg, char *err,
			   size_t errlen);

void access_close(struct access *a);

/* 1 when requests need a token. */
int access_required(const struct access *a);

/* Decides a request from its client address (IPv4 text), its
 * Authorization header (NULL if none) and the role its method needs. */
void access_check(struct access *a, const char *client,
		  const char *authorization, enum token_role need,
		  struct access_result *r);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * http: the HTTP face of assetd on CivetWeb. Checks framing, reads the
 * body under a deadline, routes by exact path and answers every request,
 * errors included, with JSON.
 */
#ifndef ASSETD_HTTP_H
#define ASSETD_HTTP_H

#include <stddef.h>

#include "access.h"
#include "config.h"
#include "store.h"

struct http_server;

/* Starts listening and serving. Returns NULL with the reason in err. */
struct http_server *http_start(const struct config *cfg, struct store *st,
			       struct access *acc, char *err, size_t errlen);

/* The port actually bound (useful when the configuration says 0). */
int http_port(const struct http_server *srv);

/* Stops taking new requests, lets those in flight finish and deliver
 * their replies (up to a bound), then stops the server. srv may be
 * NULL. */
void http_stop(struct http_server *srv);

#endif

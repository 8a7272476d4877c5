/* SPDX-License-Identifier: MIT */
/*
 * api: the endpoints of docs/API.md, apart from the web server. http.c
 * finds a request's route, reads its body and hands it here with a way
 * to send replies; this module knows nothing of CivetWeb.
 */
#ifndef ASSETD_API_H
#define ASSETD_API_H

#include <stddef.h>

struct store;

struct api_header {
	const char *name;
	const char *value;
};

/* How replies leave. reply() sends a whole reply; a streamed one is
 * start() (it returns -1 when it had to send a 500 instead: then nothing
 * more is sent), then chunk() for each piece (it returns -1 once the
 * client is gone), then chunk() with len 0 to end it. */
struct api_out {
	void *ctx;
	void (*reply)(void *ctx, int status, const char *type,
		      const char *body, size_t len,
		      const struct api_header *h, size_t nh);
	int (*start)(void *ctx, int status, const char *type,
		     const struct api_header *h, size_t nh);
	int (*chunk)(void *ctx, const char *data, size_t len);
};

enum api_body {
	API_BODY_NONE,		/* a GET */
	API_BODY_REQUIRED,	/* no Content-Length nor chunked: 411 */
	API_BODY_OPTIONAL	/* neither means an empty body */
};

/* A route found for a request. */
struct api_match {
	int route;
	const char *param;	/* the {id} or {email} segment, as sent */
	size_t param_len;
	enum api_body body;
};

/*
 * Finds the route of method and path (matched exactly, as sent).
 * Returns 0 and fills m; 404 when no route has that path; 405 when none
 * has it with that method, *allow then naming the methods that do.
 */
int api_match(const char *method, const char *path, struct api_match *m,
	      const char **allow);

struct api_request {
	const char *query;	/* as sent, or NULL */
	const char *by;		/* the token's name, or NULL */
	const char *key;	/* the Idempotency-Key header, or NULL */
	const char *body;
	size_t body_len;
};

/* Answers a matched request through out. Returns the status sent. */
int api_handle(struct store *st, const struct api_match *m,
	       const struct api_request *rq, const struct api_out *out);

/* Sends {"error":msg}. Returns status. */
int api_error(const struct api_out *out, int status, const char *msg,
	      const struct api_header *h, size_t nh);

#endif

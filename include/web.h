/* SPDX-License-Identifier: MIT */
/*
 * web: the helpdesk's page (web/), compiled into the binary and served
 * at / beside the API. See src/web.c.
 */
#ifndef ASSETD_WEB_H
#define ASSETD_WEB_H

#include <stddef.h>

struct web_file {
	const char *type;	/* Content-Type */
	const char *body;
	size_t len;
};

/* Fills f with the file served at path (matched exactly) and returns
 * 1, or returns 0 when no file is served there. */
int web_find(const char *path, struct web_file *f);

/* The Content-Security-Policy every page file is sent with. */
extern const char web_csp[];

#endif

/* SPDX-License-Identifier: MIT */
/*
 * view: how assets read in replies, as JSON and as CSV, written into a
 * growing buffer. See docs/API.md for both shapes.
 */
#ifndef ASSETD_VIEW_H
#define ASSETD_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

/* A growing text. After a failed allocation `failed` is set and stays
 * set; nothing more is written. */
struct view {
	char *buf;
	size_t len, cap;
	int failed;
};

void view_raw(struct view *v, const char *s, size_t n);
/* A JSON string, escaped as the log writes it (src/json.c). */
void view_string(struct view *v, const char *s, size_t n);
void view_uint(struct view *v, uint64_t n);
void view_free(struct view *v);

/* An asset's state as a JSON object. With open set, the closing brace
 * is left out so the caller can add members. */
void view_asset(struct view *v, const struct state_asset *a, int open);

/* The CSV header row and one asset's row (RFC 4180, CRLF). */
void view_csv_header(struct view *v);
void view_csv_row(struct view *v, const struct state_asset *a);

#endif

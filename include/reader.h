/* SPDX-License-Identifier: MIT */
/*
 * reader: a log's lines, parsed on a second thread while the caller
 * applies the ones before, handed over in file order. Start-up spends
 * most of its time parsing; this puts the parsing on the other core.
 */
#ifndef ASSETD_READER_H
#define ASSETD_READER_H

#include <stddef.h>

#include "event.h"

struct reader;

struct reader_line {
	size_t pos;		/* offset of the line in the file */
	size_t n;		/* its length, without the newline */
	int whole;		/* it ends with a newline */
	int rc;			/* event_parse(): 0, EVENT_NOT_JSON, ... */
	struct event ev;	/* when rc is 0 */
	char why[200];		/* when rc is not */
};

/* Starts reading map[0..len). Returns NULL when the thread or memory
 * cannot be had. */
struct reader *reader_start(const char *map, size_t len);

/* The next line, or NULL after the last. It stays valid until the next
 * call; its event is freed by the reader. */
const struct reader_line *reader_next(struct reader *r);

/* Stops the thread (early or at the end) and frees everything. */
void reader_stop(struct reader *r);

#endif

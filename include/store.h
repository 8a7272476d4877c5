/* SPDX-License-Identifier: MIT */
/*
 * store: the append-only event log and the id counter of one data
 * directory. See src/store.c for the file formats and what "durable"
 * means.
 */
#ifndef ASSETD_STORE_H
#define ASSETD_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* File names inside the data directory. */
#define STORE_LOG_NAME "assets.jsonl"
#define STORE_TORN_NAME "assets.jsonl.torn"
#define STORE_COUNTER_NAME "counter"
#define STORE_LOCK_NAME "assetd.lock"

/* Ids stop here: the largest whole number a JSON reader that uses
 * doubles (JavaScript, jq 1.6) reads exactly. */
#define STORE_ID_MAX 9007199254740991ULL

/*
 * Opens the data directory: takes its lock, checks every line of the log,
 * sets a torn last line aside, reconciles the counter and starts the sync
 * thread. Returns NULL with a one-line reason in err.
 */
struct store *store_open(const char *data_dir, char *err, size_t errlen);

/*
 * Appends one event line and returns once it is durable:
 *   {"id":N,"event":EVENT,"at":"YYYY-MM-DDTHH:MM:SSZ","by":BY,FIELDS}
 * by names who wrote it (a token's name: letters, digits, '.', '_', '-');
 * NULL leaves "by" out. fields is a fragment of JSON members without
 * braces (it may be empty).
 * Returns 0 and sets *id. Returns -1 when nothing was acknowledged: errno
 * is ENOSPC, EFBIG or another write error (retry later, the line was cut
 * back); EAGAIN when the counter could not be written (retry later); EIO
 * when the store has stopped accepting writes after a failed sync
 * (restart needed); ESHUTDOWN while closing; EOVERFLOW past STORE_ID_MAX.
 */
int store_append(struct store *s, const char *event, const char *by,
		 const char *fields, size_t fields_len, uint64_t *id);

/* 1 after a failed sync: every append fails until a restart. */
int store_is_broken(struct store *s);

/* Waits for pending syncs, records the last id in the counter and
 * releases the directory. s may be NULL. */
void store_close(struct store *s);

#endif

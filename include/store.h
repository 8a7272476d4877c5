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
#include <sys/types.h>

#include "event.h"

struct state;

struct store;

/* File names inside the data directory. */
#define STORE_LOG_NAME "assets.jsonl"
#define STORE_TORN_NAME "assets.jsonl.torn"
#define STORE_COUNTER_NAME "counter"
#define STORE_LOCK_NAME "assetd.lock"

/* The last id handed out (include/event.h says why it is 2^53 - 1). */
#define STORE_ID_MAX EVENT_ID_MAX

/*
 * Opens the data directory: takes its lock, checks every line of the log,
 * sets a torn last line aside, reconciles the counter and starts the
 * counter thread. New lines are chained (src/chain.c) with chain_key, or
 * unkeyed when it is NULL or "". Returns NULL with a one-line reason in
 * err.
 */
struct store *store_open(const char *data_dir, const char *chain_key,
			 char *err, size_t errlen);

/* What store_append() did. */
enum store_outcome {
	STORE_WRITTEN,		/* the event's line is durable */
	STORE_REPLAYED,		/* the key's first use, already durable */
	STORE_NOT_FOUND,	/* nothing written: no such asset */
	STORE_RETURNED,		/* nothing written: the asset was returned */
	STORE_SAME_HOLDER,	/* nothing written: a transfer to its holder */
	STORE_KEY_REUSED	/* nothing written: the key was used for a
				 * different request */
};

struct store_result {
	enum store_outcome outcome;
	uint64_t id;		/* the asset (written or replayed) */
	uint32_t event_no;	/* the event's place in the asset's
				 * history, from 1 */
};

/*
 * Appends ev's line (src/event.c) and returns once it is durable. An
 * issued event gets the next id; the others name theirs in ev->id. The
 * store sets ev->at. A key used within EVENT_KEY_WINDOW is not written
 * again (STORE_REPLAYED or STORE_KEY_REUSED).
 * Returns 0 with res filled. Returns -1 when nothing was acknowledged:
 * errno is ENOSPC, EFBIG or another write error (retry later, the line
 * was cut back); EAGAIN when the counter could not be written (retry
 * later); EIO when the line was written but the sync that should cover
 * it failed, so it may or may not survive (restart needed); EROFS when
 * the store refuses writes after such a failure, nothing written;
 * ESHUTDOWN while closing; EOVERFLOW past STORE_ID_MAX; EINVAL for a by
 * or key that may not be written; ENOMEM when the line could not be made
 * (nothing written).
 */
int store_append(struct store *s, struct event *ev, struct store_result *res);

/* Reads len bytes of the log at off (a line the state points to).
 * Returns the count read, or -1 with errno. */
ssize_t store_read(struct store *s, uint64_t off, char *buf, size_t len);

/* The log's line count and its last chain value (CHAIN_HEX digits and
 * a NUL; for a log without chained lines, the value a chain would start
 * from: the SHA-256 of the whole file). */
void store_head(struct store *s, uint64_t *lines, char *head);

/* The state rebuilt from the log and kept current by store_append(). */
struct state *store_state(struct store *s);

/* 1 after a failed sync: every append fails until a restart. */
int store_is_broken(struct store *s);

/* Records the last id in the counter and releases the directory. Call
 * it once no append is running (every acknowledged line was synced by
 * its own append). s may be NULL. */
void store_close(struct store *s);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * state: every asset's current state, held in memory, rebuilt from the
 * log at start and kept current by the writer. The log stays the record
 * of truth; this is an index over it. See src/state.c for the layout and
 * the locking.
 */
#ifndef ASSETD_STATE_H
#define ASSETD_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct state;

struct state *state_new(void);
void state_free(struct state *st);

/* Whether an event may come next, given those applied so far. */
enum state_verdict {
	STATE_OK,
	STATE_NOT_FOUND,	/* no asset has that id */
	STATE_RETURNED,		/* the asset was returned */
	STATE_SAME_HOLDER,	/* a transfer to the holder it has */
	STATE_ID_ORDER		/* an issue whose id is not above the last */
};

/* What a verdict says of the event, as the end of a sentence that
 * starts "this returned event for id 7 ...". */
const char *state_verdict_text(enum state_verdict v);

/*
 * Writers: state_check() then state_apply(), both under the one lock
 * that orders the log's lines (the store's). ev's line is
 * log[off..off+len); seq is its write sequence number (0: known
 * durable). state_apply() returns 0, or -1 when out of memory (the state
 * is then unchanged).
 */
enum state_verdict state_check(const struct state *st,
			       const struct event *ev);
int state_apply(struct state *st, const struct event *ev, uint64_t off,
		uint32_t len, uint64_t seq);

/* From now on other threads may read: state_apply() takes the lock.
 * Before, while the log is read at start, it need not. */
void state_share(struct state *st);

/* An Idempotency-Key's first use. */
struct state_key {
	uint64_t id;		/* the asset */
	uint32_t event_no;	/* its place in the asset's history, from 1 */
	uint64_t seq;		/* write sequence number of that line */
	enum event_kind kind;
	unsigned char digest[32]; /* event_digest() of that request */
};

/* Returns 1 and fills *k when key was used within EVENT_KEY_WINDOW of
 * now, else 0. Under the writers' lock. */
int state_key_find(const struct state *st, const char *key, int64_t now,
		   struct state_key *k);

/* ---- Readers (any thread; they never wait for a sync) ---- */

/* One asset's state. The strings stay valid until state_free(). */
struct state_asset {
	uint64_t id;
	int returned;
	const char *name, *email, *type, *model, *comments;
	int64_t issued_at;
	int64_t returned_at;	/* 0 while issued */
};

/* Returns 1 and fills *a, or 0 when no asset has that id. */
int state_get(struct state *st, uint64_t id, struct state_asset *a);

/* Where an event's line is in the log. */
struct state_line {
	uint64_t off;
	uint32_t len;
};

/* Fills lines with the asset's events, oldest first, up to max; returns
 * how many the asset has (0: no such asset). */
size_t state_history(struct state *st, uint64_t id,
		     struct state_line *lines, size_t max);

/* What a list asks for. NULL strings and status -1 match everything. */
struct state_filter {
	const char *email;	/* holder's email, ASCII case-insensitive */
	const char *type;	/* ASCII case-insensitive */
	int status;		/* -1 any, 0 issued, 1 returned */
	const char *q;		/* substring of name, email, model, comments */
	uint64_t below;		/* only ids below this; 0: no bound */
};

/* Writes the ids of up to max matching assets, highest first, into ids
 * and their number into *n. Returns 0, or -1 with errno ENOMEM when the
 * search could not be made (then *n is 0: no answer, not "none"). */
int state_list(struct state *st, const struct state_filter *f,
	       uint64_t *ids, size_t max, size_t *n);

/* Every match of f, which names an email, highest first, in a new array
 * *ids of *n (NULL when none; the caller frees it): a person's whole
 * list at once, where paging with state_list() would gather it again
 * for each page. Returns 0, or -1 with errno ENOMEM (EINVAL without an
 * email). */
int state_list_all(struct state *st, const struct state_filter *f,
		   uint64_t **ids, size_t *n);

/* Events in the log, and the highest id issued (0: none). */
void state_counts(struct state *st, uint64_t *events, uint64_t *last_id);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * event: one line of the log, both ways. event_format_chained() writes
 * the line a new event gets; event_parse() reads a line back and refuses
 * any other members, order or types. See src/event.c for the line's
 * layout and what the reader does not check.
 */
#ifndef ASSETD_EVENT_H
#define ASSETD_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "issue.h"
#include "json.h"

enum event_kind {
	EVENT_ISSUED,
	EVENT_TRANSFERRED,
	EVENT_RETURNED
};

/* Ids stop here: the largest whole number a JSON reader that uses
 * doubles (JavaScript, jq 1.6) reads exactly. */
#define EVENT_ID_MAX 9007199254740991ULL

/* Longest Idempotency-Key, in bytes. */
#define EVENT_KEY_MAX 255

/* Seconds in which a second use of an Idempotency-Key is a retry. */
#define EVENT_KEY_WINDOW (24 * 60 * 60)

/*
 * An event. Text is UTF-8 without NUL bytes; the fields a kind does not
 * have are "". When parsed, the text points into obj's arena.
 */
struct event {
	uint64_t id;
	enum event_kind kind;
	int64_t at;		/* seconds since 1970, UTC */
	const char *by;		/* a token's name, or NULL */
	const char *key;	/* the Idempotency-Key, or NULL */
	struct issue_text field[ISSUE_FIELDS];
	uint64_t seq;		/* parsed: the line's number, 0 unchained */
	const char *chain;	/* parsed: its chain value, or NULL */
	struct json_object obj;	/* owns a parsed event's text */
};

struct chain;

/* The kind's word in the log: "issued", "transferred", "returned". */
const char *event_kind_name(enum event_kind kind);

/* 1 when key may be an Idempotency-Key: 1 to EVENT_KEY_MAX visible ASCII
 * characters other than '"' and '\\'. */
int event_key_ok(const char *key);

/* Bytes enough for ev's line (an upper bound). */
size_t event_line_max(const struct event *ev);

/* Writes ev's line, newline included, into line (event_line_max(ev)
 * bytes), without a chain. Returns its length.
 * Used by tests and fuzz_event; the server writes chained lines. */
size_t event_format(const struct event *ev, char *line);

/* The same, chained: the line is number seq in its file and follows the
 * chain value prev (src/chain.c); its own value goes to head. Returns
 * the length, or 0 when the hash failed. */
size_t event_format_chained(const struct event *ev, uint64_t seq,
			    const struct chain *c, const char *prev,
			    char *line, char *head);

/*
 * Reads line[0..len) (no newline) as an event, chained or not (a chained
 * line's body, which its chain value covers, is line[0..len -
 * CHAIN_TAIL_LEN)). Returns 0 and fills ev
 * (free it with event_free), or with the fault in why EVENT_NOT_JSON
 * (not a JSON object at all) or EVENT_BAD (JSON, but not an event).
 */
#define EVENT_NOT_JSON (-1)
#define EVENT_BAD (-2)
int event_parse(const char *line, size_t len, struct event *ev, char *why,
		size_t whylen);

void event_free(struct event *ev);

/* Whether s[0..n) can be a line the writer writes, cut short: it starts
 * with '{' and that object never closes. Anything a crash leaves of one
 * write is; two lines run together, or a whole line edited, are not. */
int event_is_cut_short(const char *s, size_t n);

/* What a retry must repeat to be the same request: the kind, the asset
 * (0 for an issue) and the field values. SHA-256. */
void event_digest(const struct event *ev, uint64_t target,
		  unsigned char digest[32]);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" and a NUL into out[21]. */
void event_time(int64_t at, char out[21]);

#endif

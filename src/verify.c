/* SPDX-License-Identifier: MIT */
/*
 * verify: checks a log line by line and names the first fault.
 *
 * Each line must be an event with the writer's members, order and types
 * (src/event.c), may follow the lines before it (src/state.c: ids rise,
 * nothing after a return, ...), and, once the chain has begun, carry the
 * next line number in "seq" and the chain value of its body and the
 * value before it (src/chain.c). A fault is named by its likely cause:
 *
 *   seq m on line k, another line m with the same bytes -> inserted
 *   seq m on line k, another line m                     -> edited
 *   seq m on line k, line k found later in the file     -> reordered
 *   seq m above k, neither                              -> removed
 *   seq right, chain wrong, next line's seq the same    -> inserted
 *   seq right, chain wrong                              -> edited
 *   no newline at the end                              -> truncated
 *   fewer lines than a head written down               -> truncated
 *
 * Lines before the first chained one are the unchained start of a log
 * written before the chain existed: they are checked as events, and the
 * first chained line's value covers their bytes.
 */
#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event.h"
#include "state.h"

struct walk {
	const char *map;
	size_t len, pos;	/* pos: start of the current line */
	uint64_t k;		/* its number, from 1 */
	struct chain chain;
	int chained;
	char prev[CHAIN_HEX + 1];
	struct state *state;
	int expecting;		/* a head written down was given */
	uint64_t expect_lines;	/* its line count */
	char expect_head[CHAIN_HEX + 1];
	char value_at_expect[CHAIN_HEX + 1];
	struct verify_result *r;
};

/* The "seq" of the line starting at p (end: its newline), or 0. */
static uint64_t peek_seq(const char *p, const char *end)
{
	static const char tag[] = ",\"seq\":";
	const char *at = NULL;
	uint64_t n = 0;

	for (const char *q = p; q + sizeof tag - 1 <= end; q++) {
		q = memchr(q, ',', (size_t)(end - q));
		if (q == NULL)
			break;
		if ((size_t)(end - q) >= sizeof tag - 1 &&
		    memcmp(q, tag, sizeof tag - 1) == 0)
			at = q + sizeof tag - 1;
	}
	for (; at != NULL && at < end && *at >= '0' && *at <= '9'; at++)
		n = n * 10 + (uint64_t)(*at - '0');
	return n;
}

/* The line after the current one, as [*p, *end), or 0 if none. */
static int next_line(const struct walk *w, size_t n, const char **p,
		     const char **end)
{
	size_t start = w->pos + n + 1;
	const char *nl;

	if (start >= w->len)
		return 0;
	nl = memchr(w->map + start, '\n', w->len - start);
	*p = w->map + start;
	*end = nl ? nl : w->map + w->len;
	return 1;
}

static int fault(struct walk *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fault(struct walk *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->r->why, sizeof w->r->why, fmt, ap);
	va_end(ap);
	w->r->bad_line = w->k;
	return 1;
}

/* A line of the file, found by position or by its "seq". */
struct found {
	uint64_t at;		/* its position, from 1; 0 when not found */
	const char *p;
	size_t n;
};

/* Finds, from position `from` (starting at byte `pos`) on, the first
 * line other than position `skip` whose "seq" is seq. */
static struct found find_seq(const struct walk *w, size_t pos,
			     uint64_t from, uint64_t skip, uint64_t seq)
{
	struct found f = {0, NULL, 0};

	for (uint64_t k = from; pos < w->len; k++) {
		const char *p = w->map + pos;
		const char *nl = memchr(p, '\n', w->len - pos);
		const char *end = nl ? nl : w->map + w->len;

		if (k != skip && peek_seq(p, end) == seq) {
			f = (struct found){k, p, (size_t)(end - p)};
			break;
		}
		pos = (size_t)(end - w->map) + 1;
	}
	return f;
}

/*
 * A chained line's number m is not its position k: says how the lines
 * moved. Another line numbered m: a copy (same bytes) was inserted, or
 * one of the two was edited. Line k later in the file: the lines were
 * reordered. Neither, with m above k: lines k to m-1 were removed.
 */
static int wrong_seq(struct walk *w, uint64_t m, size_t n)
{
	const char *line = w->map + w->pos;
	struct found twin = find_seq(w, 0, 1, w->k, m);
	struct found own;

	if (twin.at != 0 && twin.n == n && memcmp(twin.p, line, n) == 0)
		return fault(w, "inserted: a copy of line %" PRIu64,
			     twin.at);
	if (twin.at != 0)
		return fault(w, "edited: its \"seq\" says %" PRIu64 ", the "
			     "number of line %" PRIu64, m, twin.at);
	own = find_seq(w, w->pos + n + 1, w->k + 1, 0, w->k);
	if (own.at != 0)
		return fault(w, "reordered: this is line %" PRIu64 ", and line "
			     "%" PRIu64 " is now at line %" PRIu64,
			     m, w->k, own.at);
	if (m > w->k)
		return fault(w, "removed: this was line %" PRIu64 ", so %"
			     PRIu64 " line(s) before it were removed",
			     m, m - w->k);
	return fault(w, "edited: its \"seq\" says %" PRIu64, m);
}

/* Checks the chain of a chained line of n bytes. */
static int check_chain(struct walk *w, const struct event *ev, size_t n)
{
	char value[CHAIN_HEX + 1];
	const char *line = w->map + w->pos, *p, *end;

	if (!w->chained &&
	    chain_start(w->map, w->pos, w->prev) < 0)
		return fault(w, "out of memory");
	w->chained = 1;
	if (ev->seq != w->k)
		return wrong_seq(w, ev->seq, n);
	if (chain_next(&w->chain, w->prev, line, n - CHAIN_TAIL_LEN,
		       value) < 0)
		return fault(w, "out of memory");
	if (memcmp(value, ev->chain, CHAIN_HEX) != 0) {
		if (next_line(w, n, &p, &end) && peek_seq(p, end) == w->k)
			return fault(w, "inserted: this line is not in the "
					"chain, and the next one follows the "
					"line before it");
		return fault(w, "edited: its chain value does not match its "
				"content (or the key is not the server's)");
	}
	memcpy(w->prev, value, sizeof value);
	return 0;
}

/* Checks one whole line of n bytes. Returns 0, or 1 at a fault. */
static int check_line(struct walk *w, size_t n)
{
	struct event ev;
	char why[200];
	enum state_verdict v;
	int rc = 0;

	if (event_parse(w->map + w->pos, n, &ev, why, sizeof why) != 0)
		return fault(w, "edited: %s", why);
	if (ev.chain != NULL)
		rc = check_chain(w, &ev, n);
	else if (w->chained)
		rc = fault(w, "inserted or edited: no chain value after "
			      "chained lines");
	if (rc == 0 && (v = state_check(w->state, &ev)) != STATE_OK)
		rc = fault(w, "reordered, inserted or edited: this %s event "
			      "for id %" PRIu64 " %s",
			   event_kind_name(ev.kind), ev.id,
			   state_verdict_text(v));
	if (rc == 0 && state_apply(w->state, &ev, w->pos, (uint32_t)n, 0) < 0)
		rc = fault(w, "out of memory");
	event_free(&ev);
	return rc;
}

/* The value a head written down after line k would show. */
static void note_head(struct walk *w)
{
	if (!w->expecting || w->k != w->expect_lines)
		return;
	if (w->chained)
		memcpy(w->value_at_expect, w->prev, sizeof w->prev);
	else
		chain_start(w->map, w->pos, w->value_at_expect);
}

static int walk_lines(struct walk *w)
{
	while (w->pos < w->len) {
		const char *nl = memchr(w->map + w->pos, '\n',
					w->len - w->pos);
		size_t n = nl ? (size_t)(nl - (w->map + w->pos))
			      : w->len - w->pos;

		w->k++;
		if (nl == NULL)
			return fault(w, "truncated: the last line has no "
					"newline (cut off, or copied while "
					"being written)");
		if (check_line(w, n) != 0)
			return 1;
		w->pos += n + 1;
		note_head(w);
	}
	return 0;
}

/* Reads "LINES:HEAD": LINES in decimal without sign or leading zero (0
 * for an empty log), HEAD 64 hex digits. Returns 0, or -1 when expect
 * is not of that form. */
static int parse_expect(struct walk *w, const char *expect)
{
	size_t digits = strspn(expect, "0123456789");
	uint64_t n = 0;

	if (digits == 0 || digits > 19 || (expect[0] == '0' && digits > 1) ||
	    expect[digits] != ':' || strlen(expect + digits + 1) != CHAIN_HEX ||
	    !chain_hex_ok(expect + digits + 1))
		return -1;
	for (size_t i = 0; i < digits; i++)
		n = n * 10 + (uint64_t)(expect[i] - '0');
	w->expecting = 1;
	w->expect_lines = n;
	memcpy(w->expect_head, expect + digits + 1, CHAIN_HEX + 1);
	if (n == 0)
		chain_start("", 0, w->value_at_expect);
	return 0;
}

/* Compares the end with a head written down earlier. */
static int check_expect(struct walk *w)
{
	if (!w->expecting)
		return 0;
	if (w->k < w->expect_lines) {
		w->k++;
		return fault(w, "truncated: the log ends after %" PRIu64
			     " lines, but the head written down had %" PRIu64,
			     w->k - 1, w->expect_lines);
	}
	if (memcmp(w->value_at_expect, w->expect_head, CHAIN_HEX) != 0 &&
	    w->expect_lines == 0) {
		w->k = 1; /* names the file's start, not a line 0 */
		return fault(w, "the head written down for 0 lines is not an "
				"empty log's head");
	}
	if (memcmp(w->value_at_expect, w->expect_head, CHAIN_HEX) != 0) {
		w->k = w->expect_lines;
		return fault(w, "rewritten: the chain at this line differs "
				"from the head written down");
	}
	return 0;
}

int verify_file(const char *path, const char *chain_key, const char *expect,
		struct verify_result *r)
{
	struct walk w = {.r = r};
	struct stat st;
	void *map = NULL;
	int fd, rc;

	memset(r, 0, sizeof *r);
	if (expect != NULL && parse_expect(&w, expect) < 0) {
		snprintf(r->why, sizeof r->why, "--head must be LINES:HEAD, "
			 "as GET /api/audit/head gives them");
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(r->why, sizeof r->why, "%s: %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(r->why, sizeof r->why, "%s: not a regular file",
			 path);
		close(fd);
		return -1;
	}
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			   fd, 0);
		if (map == MAP_FAILED) {
			snprintf(r->why, sizeof r->why, "%s: cannot map: %s",
				 path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	close(fd);

	w.map = map ? map : "";
	w.len = (size_t)st.st_size;
	w.state = state_new();
	chain_init(&w.chain, chain_key);
	rc = w.state == NULL ? fault(&w, "out of memory")
			     : walk_lines(&w);
	if (rc == 0)
		rc = check_expect(&w);
	if (rc == 0 && !w.chained)
		chain_start(w.map, w.len, w.prev);
	r->lines = w.pos < w.len ? w.k - 1 : w.k;
	memcpy(r->head, w.prev, sizeof r->head);
	if (w.state != NULL)
		state_counts(w.state, &(uint64_t){0}, &r->last_id);
	state_free(w.state);
	if (map != NULL)
		munmap(map, (size_t)st.st_size);
	return rc;
}

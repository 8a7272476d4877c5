/* SPDX-License-Identifier: MIT */
/*
 * fuzz_issue: libFuzzer harness from a raw request body to the log line
 * the server would write for it, along the server's own path:
 * json_parse_object(), then issue_parse_kind() for each kind (issue,
 * transfer, return), then for an accepted body the event src/api.c
 * makes of it, written by event_format_chained() (src/event.c) as
 * src/store.c does and read back with event_parse().
 *
 * libFuzzer hands each input over in a heap block of exactly its size, so
 * AddressSanitizer catches a read past the body. Every invariant below is
 * checked with CHECK, which aborts; libFuzzer then saves the input.
 *
 * json_parse_object() on the body:
 *   - accepted: err is "", the body holds no NUL byte, at most
 *     JSON_MAX_TOKENS / 2 members; each key and string value is
 *     NUL-terminated at its length, holds no NUL and is valid UTF-8; each
 *     member's offset lies inside the body at a byte that starts a value
 *     of its type;
 *   - refused: errno is EINVAL or ENOMEM and err is a good message (below).
 * issue_parse_kind() on the body, for each kind:
 *   - whatever json_parse_object() refuses, it refuses with the same text;
 *   - accepted: the kind's required fields are non-empty, the fields it
 *     does not read are "", every field is valid UTF-8 within its limit;
 *     the event's line (chained, with a "by" and a key) is one line of
 *     valid UTF-8 with no byte below 0x20 before its newline, and
 *     event_parse() reads it back with the same id, kind, time, by, key,
 *     seq, chain value and all five field values;
 *   - refused: err is a good message.
 * A good message is non-empty, NUL-terminated inside the buffer, valid
 * UTF-8, and holds no control character (U+0000-U+001F, U+007F-U+009F,
 * the set issue.c refuses in names).
 *
 * The error buffer is ERR_BYTES, the size src/api.c gives
 * issue_parse_kind().
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "check.h"
#include "event.h"
#include "issue.h"
#include "json.h"

#define ERR_BYTES 256

/* Fill byte for err before each call, so a missing NUL is seen. */
#define ERR_FILL 0x5A

/* The event the line is written for: the largest id, a fixed time, the
 * first line of an unkeyed chain. */
#define LINE_ID EVENT_ID_MAX
#define LINE_AT 1796396645 /* 2026-12-04T15:04:05Z */
#define LINE_SEQ 1
#define LINE_BY "fuzz-token"
#define LINE_KEY "fuzz-key-1"

#define BIT(f) (1u << (f))
#define NAME_AND_EMAIL (BIT(ISSUE_NAME) | BIT(ISSUE_EMAIL))

/* Each kind's event, the fields it reads and those it requires, as the
 * comment at the top of src/issue.c states them. */
static const struct kind_rule {
	enum issue_kind kind;
	enum event_kind event;
	unsigned reads, needs;
} kind_rules[] = {
	{ISSUE_KIND_ISSUE, EVENT_ISSUED, BIT(ISSUE_FIELDS) - 1,
	 NAME_AND_EMAIL | BIT(ISSUE_TYPE) | BIT(ISSUE_MODEL)},
	{ISSUE_KIND_TRANSFER, EVENT_TRANSFERRED,
	 NAME_AND_EMAIL | BIT(ISSUE_COMMENTS), NAME_AND_EMAIL},
	{ISSUE_KIND_RETURN, EVENT_RETURNED, BIT(ISSUE_COMMENTS), 0},
};

static const size_t field_limits[ISSUE_FIELDS] = {
	ISSUE_NAME_MAX, ISSUE_EMAIL_MAX, ISSUE_TYPE_MAX, ISSUE_MODEL_MAX,
	ISSUE_COMMENTS_MAX};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The number of code points in s[0..n), or SIZE_MAX when it is not valid
 * UTF-8. */
static size_t utf8_count(const char *s, size_t n)
{
	size_t i = 0, count = 0;
	uint32_t cp;

	while (i < n) {
		int k = json_utf8_decode(s + i, n - i, &cp);

		if (k < 0)
			return SIZE_MAX;
		i += (size_t)k;
		count++;
	}
	return count;
}

static int is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

static void check_message(const char *err, size_t errlen)
{
	const char *nul = memchr(err, '\0', errlen);
	size_t i = 0, n;
	uint32_t cp;

	CHECK(nul != NULL);
	n = (size_t)(nul - err);
	CHECK(n > 0);
	while (i < n) {
		int k = json_utf8_decode(err + i, n - i, &cp);

		CHECK(k > 0);
		CHECK(!is_control(cp));
		i += (size_t)k;
	}
}

/* The byte a member's value starts with fits the member's type. */
static int starts_type(int c, enum json_type type)
{
	switch (type) {
	case JSON_STRING:
		return c == '"';
	case JSON_NUMBER:
		return c == '-' || (c >= '0' && c <= '9');
	case JSON_TRUE:
		return c == 't';
	case JSON_FALSE:
		return c == 'f';
	case JSON_NULL:
		return c == 'n';
	case JSON_OBJECT:
		return c == '{';
	case JSON_ARRAY:
		return c == '[';
	}
	return 0;
}

static void check_text(const char *s, size_t len)
{
	CHECK(s != NULL);
	CHECK(s[len] == '\0');
	CHECK(memchr(s, '\0', len) == NULL);
	CHECK(utf8_count(s, len) != SIZE_MAX);
}

static void check_object(const char *body, size_t size,
			 const struct json_object *obj)
{
	CHECK(memchr(body, '\0', size) == NULL);
	CHECK(obj->count <= JSON_MAX_TOKENS / 2);
	CHECK((obj->count == 0) == (obj->members == NULL));
	for (size_t i = 0; i < obj->count; i++) {
		const struct json_member *m = &obj->members[i];

		check_text(m->key, m->key_len);
		CHECK(m->offset < size);
		CHECK(starts_type((unsigned char)body[m->offset], m->type));
		if (m->type == JSON_STRING)
			check_text(m->str, m->str_len);
		else
			CHECK(m->str == NULL && m->str_len == 0);
	}
}

/* Runs json_parse_object() on the body; leaves its message in err. */
static int check_json(const char *body, size_t size, char *err)
{
	struct json_object obj;
	int rc;

	memset(err, ERR_FILL, ERR_BYTES);
	errno = 0;
	rc = json_parse_object(body, size, &obj, err, ERR_BYTES);
	if (rc == 0) {
		CHECK(err[0] == '\0');
		check_object(body, size, &obj);
		json_object_free(&obj);
		return 0;
	}
	CHECK(rc == -1);
	CHECK(errno == EINVAL || errno == ENOMEM);
	CHECK(obj.count == 0 && obj.members == NULL && obj.arena == NULL);
	check_message(err, ERR_BYTES);
	return -1;
}

static void check_fields(const struct kind_rule *r,
			 const struct issue *iss)
{
	for (int f = 0; f < ISSUE_FIELDS; f++) {
		const struct issue_text *t = &iss->field[f];
		size_t chars;

		CHECK(t->s != NULL);
		CHECK((r->reads & BIT(f)) || t->len == 0);
		CHECK(!(r->needs & BIT(f)) || t->len > 0);
		chars = utf8_count(t->s, t->len);
		CHECK(chars != SIZE_MAX);
		CHECK(chars <= field_limits[f]);
	}
}

/* The line is one line of valid UTF-8 and reads back as ev. */
static void check_reads_back(const struct event *ev, const char *line,
			     size_t len, const char *head)
{
	char why[ERR_BYTES];
	struct event back;

	CHECK(len > 1 && line[len - 1] == '\n');
	for (size_t i = 0; i + 1 < len; i++)
		CHECK((unsigned char)line[i] >= 0x20);
	CHECK(utf8_count(line, len - 1) != SIZE_MAX);

	CHECK(event_parse(line, len - 1, &back, why, sizeof why) == 0);
	CHECK(back.id == ev->id && back.kind == ev->kind);
	CHECK(back.at == ev->at && back.seq == LINE_SEQ);
	CHECK(back.by != NULL && strcmp(back.by, ev->by) == 0);
	CHECK(back.key != NULL && strcmp(back.key, ev->key) == 0);
	CHECK(back.chain != NULL && memcmp(back.chain, head, CHAIN_HEX) == 0);
	for (int f = 0; f < ISSUE_FIELDS; f++) {
		CHECK(back.field[f].len == ev->field[f].len);
		CHECK(memcmp(back.field[f].s, ev->field[f].s,
			     ev->field[f].len) == 0);
	}
	event_free(&back);
}

/* Makes the event as src/api.c does and writes it as src/store.c does. */
static void check_line(const struct kind_rule *r, const struct issue *iss)
{
	static const char prev[CHAIN_HEX + 1] =
		"00000000000000000000000000000000"
		"00000000000000000000000000000000";
	struct event ev = {.id = LINE_ID, .kind = r->event, .at = LINE_AT,
			   .by = LINE_BY, .key = LINE_KEY};
	char head[CHAIN_HEX + 1], *line;
	struct chain c;
	size_t len;

	memcpy(ev.field, iss->field, sizeof ev.field);
	chain_init(&c, NULL);
	line = malloc(event_line_max(&ev));
	CHECK(line != NULL);
	len = event_format_chained(&ev, LINE_SEQ, &c, prev, line, head);
	check_reads_back(&ev, line, len, head);
	free(line);
}

/* Runs issue_parse_kind() on the body as r's kind. */
static void check_kind(const struct kind_rule *r, const char *body,
		       size_t size, int json_rc, const char *json_err)
{
	char err[ERR_BYTES];
	struct issue iss;
	int rc;

	memset(err, ERR_FILL, sizeof err);
	rc = issue_parse_kind(body, size, r->kind, &iss, err, sizeof err);
	if (rc == 0) {
		CHECK(json_rc == 0);
		check_fields(r, &iss);
		check_line(r, &iss);
		issue_free(&iss);
		return;
	}
	CHECK(rc == -1);
	check_message(err, sizeof err);
	if (json_rc < 0)
		CHECK(strcmp(err, json_err) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	char json_err[ERR_BYTES];
	int json_rc = check_json(body, size, json_err);

	for (size_t k = 0; k < sizeof kind_rules / sizeof *kind_rules; k++)
		check_kind(&kind_rules[k], body, size, json_rc, json_err);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * fuzz_issue: libFuzzer harness from a raw POST /api/assets body to its
 * outcome, through json_parse_object() and issue_parse().
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
 * issue_parse() on the body:
 *   - whatever json_parse_object() refuses, it refuses with the same text;
 *   - accepted: the four required fields are non-empty, every field is
 *     valid UTF-8 within its limit; issue_format() fits in
 *     ISSUE_FIELDS_CAP bytes, writes valid UTF-8 with no byte below 0x20
 *     (one record is one line), and "{" fields "}" parses back with
 *     json_parse_object() into exactly the five names, in log order, with
 *     the same decoded values;
 *   - refused: err is a good message.
 * A good message is non-empty, NUL-terminated inside the buffer, valid
 * UTF-8, and holds no control character (U+0000-U+001F, U+007F-U+009F,
 * the set issue.c refuses in names).
 *
 * The error buffer is ERR_BYTES, the size src/http.c gives issue_parse().
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "issue.h"
#include "json.h"

#define ERR_BYTES 256

/* Fill byte for err before each call, so a missing NUL is seen. */
#define ERR_FILL 0x5A

static const char *const field_names[ISSUE_FIELDS] = {
	"employee_name", "employee_email", "asset_type", "asset_model",
	"comments"};

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

/* "{" fields "}" parses back into the five names and values of iss. */
static void check_reparse(const struct issue *iss, const char *fields,
			  size_t len)
{
	char *line = malloc(len + 2);
	char err[ERR_BYTES];
	struct json_object obj;

	CHECK(line != NULL);
	line[0] = '{';
	memcpy(line + 1, fields, len);
	line[len + 1] = '}';
	CHECK(json_parse_object(line, len + 2, &obj, err, sizeof err) == 0);

	CHECK(obj.count == ISSUE_FIELDS);
	for (size_t f = 0; f < ISSUE_FIELDS; f++) {
		const struct json_member *m = &obj.members[f];
		const struct issue_text *t = &iss->field[f];

		CHECK(strcmp(m->key, field_names[f]) == 0);
		CHECK(m->type == JSON_STRING);
		CHECK(m->str_len == t->len);
		CHECK(memcmp(m->str, t->s, t->len) == 0);
	}
	json_object_free(&obj);
	free(line);
}

static void check_accepted(const struct issue *iss)
{
	static char fields[ISSUE_FIELDS_CAP];
	struct json_out out;

	for (size_t f = 0; f < ISSUE_FIELDS; f++) {
		const struct issue_text *t = &iss->field[f];
		size_t chars;

		CHECK(t->s != NULL);
		chars = utf8_count(t->s, t->len);
		CHECK(chars != SIZE_MAX);
		CHECK(chars <= field_limits[f]);
		CHECK(f == ISSUE_COMMENTS || t->len > 0);
	}

	json_out_init(&out, fields, sizeof fields);
	issue_format(iss, &out);
	CHECK(!out.overflow);
	CHECK(out.len <= sizeof fields);
	for (size_t i = 0; i < out.len; i++)
		CHECK((unsigned char)fields[i] >= 0x20);
	CHECK(utf8_count(fields, out.len) != SIZE_MAX);
	check_reparse(iss, fields, out.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	char json_err[ERR_BYTES], err[ERR_BYTES];
	struct issue iss;
	int json_rc, rc;

	json_rc = check_json(body, size, json_err);

	memset(err, ERR_FILL, sizeof err);
	rc = issue_parse(body, size, &iss, err, sizeof err);
	if (rc == 0) {
		CHECK(json_rc == 0);
		check_accepted(&iss);
		issue_free(&iss);
		return 0;
	}
	CHECK(rc == -1);
	check_message(err, sizeof err);
	if (json_rc < 0)
		CHECK(strcmp(err, json_err) == 0);
	return 0;
}

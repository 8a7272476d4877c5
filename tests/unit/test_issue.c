/* SPDX-License-Identifier: MIT */
/* Unit tests of issue: every rule of a request body of each kind, and
 * the checked fields as the server writes them to the log (through
 * src/event.c, the one writer of log lines). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chain.h"
#include "event.h"
#include "issue.h"

#define OK_BODY                                                        \
	"{\"employee_name\":\"Ada\",\"employee_email\":\"ada@example.com\","  \
	"\"asset_type\":\"laptop\",\"asset_model\":\"X1\""

#define AT 1796396645 /* 2026-12-04T15:04:05Z */

static char err[512];

static int check_kind(enum issue_kind kind, const char *body)
{
	struct issue iss;
	int rc;

	err[0] = '\0';
	rc = issue_parse_kind(body, strlen(body), kind, &iss, err, sizeof err);
	if (rc == 0)
		issue_free(&iss);
	return rc;
}

static int check(const char *body)
{
	return check_kind(ISSUE_KIND_ISSUE, body);
}

static void refused_kind(enum issue_kind kind, const char *body,
			 const char *message)
{
	assert_int_equal(check_kind(kind, body), -1);
	assert_string_equal(err, message);
}

static void refused(const char *body, const char *message)
{
	refused_kind(ISSUE_KIND_ISSUE, body, message);
}

/* The line reads back with every field as parsed: the ones the kind
 * does not read are "" on both sides. */
static void reads_back(const char *line, size_t len, const struct issue *iss)
{
	struct event back;

	assert_int_equal(event_parse(line, len - 1, &back, err, sizeof err),
			 0);
	for (int f = 0; f < ISSUE_FIELDS; f++) {
		assert_int_equal(back.field[f].len, iss->field[f].len);
		assert_memory_equal(back.field[f].s, iss->field[f].s,
				    iss->field[f].len);
	}
	event_free(&back);
}

/*
 * Parses body as kind, makes the event as src/api.c does, writes it as
 * the server does (line 1 of an unkeyed chain) and compares the line:
 * the envelope, then exactly fields, then "seq" and the chain value
 * event_format_chained() reports (test_chain checks the value itself).
 */
static void written_kind(enum issue_kind kind, const char *body,
			 const char *fields)
{
	static const enum event_kind kinds[] = {
		[ISSUE_KIND_ISSUE] = EVENT_ISSUED,
		[ISSUE_KIND_TRANSFER] = EVENT_TRANSFERRED,
		[ISSUE_KIND_RETURN] = EVENT_RETURNED};
	static const char prev[CHAIN_HEX + 1] =
		"00000000000000000000000000000000"
		"00000000000000000000000000000000";
	struct event ev = {.id = 7, .kind = kinds[kind], .at = AT};
	struct issue iss;
	struct chain c;
	char want[1024], head[CHAIN_HEX + 1], *line;
	size_t len, n;

	assert_int_equal(issue_parse_kind(body, strlen(body), kind, &iss, err,
					  sizeof err),
			 0);
	memcpy(ev.field, iss.field, sizeof ev.field);
	chain_init(&c, NULL);
	line = malloc(event_line_max(&ev));
	assert_non_null(line);
	len = event_format_chained(&ev, 1, &c, prev, line, head);

	n = (size_t)snprintf(want, sizeof want,
			     "{\"id\":7,\"event\":\"%s\",\"at\":"
			     "\"2026-12-04T15:04:05Z\",%s,\"seq\":1,"
			     "\"chain\":\"",
			     event_kind_name(ev.kind), fields);
	assert_true(n < sizeof want);
	assert_int_equal(len, n + CHAIN_HEX + 3);
	assert_memory_equal(line, want, n);
	assert_memory_equal(line + n, head, CHAIN_HEX);
	assert_memory_equal(line + n + CHAIN_HEX, "\"}\n", 3);
	reads_back(line, len, &iss);
	free(line);
	issue_free(&iss);
}

static void written(const char *body, const char *fields)
{
	written_kind(ISSUE_KIND_ISSUE, body, fields);
}

static void accepted_and_written(void **state)
{
	(void)state;
	written(OK_BODY "}",
		"\"employee_name\":\"Ada\",\"employee_email\":"
		"\"ada@example.com\",\"asset_type\":\"laptop\","
		"\"asset_model\":\"X1\",\"comments\":\"\"");
	written(OK_BODY ",\"comments\":\"a\\n\\\"b\\\"\",\"x\":[1]}",
		"\"employee_name\":\"Ada\",\"employee_email\":"
		"\"ada@example.com\",\"asset_type\":\"laptop\","
		"\"asset_model\":\"X1\",\"comments\":\"a\\n\\\"b\\\"\"");
}

static void trimmed(void **state)
{
	(void)state;
	written("{\"employee_name\":\" \\tAda\\u00a0\","
		"\"employee_email\":\"\\u3000ada@example.com \","
		"\"asset_type\":\"laptop\",\"asset_model\":\"X1\","
		"\"comments\":\" c \"}",
		"\"employee_name\":\"Ada\",\"employee_email\":"
		"\"ada@example.com\",\"asset_type\":\"laptop\","
		"\"asset_model\":\"X1\",\"comments\":\" c \"");
	written("{\"employee_name\":\"\\u200bAda\\u2060\","
		"\"employee_email\":\"ada@example.com\\ufeff\","
		"\"asset_type\":\"laptop\",\"asset_model\":\"X1\"}",
		"\"employee_name\":\"Ada\",\"employee_email\":"
		"\"ada@example.com\",\"asset_type\":\"laptop\","
		"\"asset_model\":\"X1\",\"comments\":\"\"");
}

static void missing(void **state)
{
	(void)state;
	refused("{}", "Missing fields: employee_name, employee_email, "
		      "asset_type, asset_model");
	refused("{\"employee_name\":null,\"employee_email\":\"\","
		"\"asset_type\":\"  \",\"asset_model\":\"X\"}",
		"Missing fields: employee_name, employee_email, asset_type");
	refused("{\"employee_name\":5}",
		"Missing fields: employee_email, asset_type, asset_model");
	/* Invisible characters alone look empty: zero-width space, word
	 * joiner, byte order mark, zero-width joiner. */
	refused("{\"employee_name\":\"\\u200b\",\"employee_email\":"
		"\"a@b.c\",\"asset_type\":\"\\u2060\\ufeff\","
		"\"asset_model\":\" \\u200d \"}",
		"Missing fields: employee_name, asset_type, asset_model");
}

static void not_a_string(void **state)
{
	(void)state;
	refused(OK_BODY ",\"comments\":1}", "comments must be a string");
	refused("{\"employee_name\":[],\"employee_email\":\"a@b.c\","
		"\"asset_type\":\"t\",\"asset_model\":\"m\"}",
		"employee_name must be a string");
	assert_int_equal(check(OK_BODY ",\"comments\":null}"), 0);
}

static void duplicate_keys(void **state)
{
	(void)state;
	refused(OK_BODY ",\"asset_model\":\"Y\"}",
		"key \"asset_model\" is given more than once");
	refused(OK_BODY ",\"asset\\u005fmodel\":\"Y\"}",
		"key \"asset_model\" is given more than once");
	refused(OK_BODY ",\"k\":1,\"k\":2}",
		"key \"k\" is given more than once");
	refused(OK_BODY ",\"a\\nb\\u0001\x7f\":1,\"a\\nb\\u0001\x7f\":2}",
		"key \"a?b??\" is given more than once");
}

static void control_characters(void **state)
{
	(void)state;
	refused("{\"employee_name\":\"A\\u0007\",\"employee_email\":\"a@b.c\","
		"\"asset_type\":\"t\",\"asset_model\":\"m\"}",
		"employee_name must not contain control characters");
	refused("{\"employee_name\":\"A\",\"employee_email\":\"a@b.c\","
		"\"asset_type\":\"t\\u0085\",\"asset_model\":\"m\"}",
		"asset_type must not contain control characters");
	refused(OK_BODY ",\"comments\":\"\\u001b[31m\"}",
		"comments must not contain control characters other than tab "
		"and line breaks");
	assert_int_equal(check(OK_BODY ",\"comments\":\"a\\tb\\r\\nc\"}"), 0);
}

static void body_with(const char *field, const char *value, char *out,
		      size_t cap)
{
	snprintf(out, cap,
		 "{\"employee_name\":\"%s\",\"employee_email\":\"%s\","
		 "\"asset_type\":\"%s\",\"asset_model\":\"%s\","
		 "\"comments\":\"%s\"}",
		 strcmp(field, "employee_name") ? "A" : value,
		 strcmp(field, "employee_email") ? "a@b.c" : value,
		 strcmp(field, "asset_type") ? "t" : value,
		 strcmp(field, "asset_model") ? "m" : value,
		 strcmp(field, "comments") ? "" : value);
}

/* value of n copies of the UTF-8 text ch */
static void repeat(char *out, const char *ch, size_t n)
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		strcat(out, ch);
}

static void lengths_in_code_points(void **state)
{
	static const struct {
		const char *field;
		size_t limit;
	} f[] = {{"employee_name", 200},
		 {"asset_type", 100},
		 {"asset_model", 200},
		 {"comments", 2000}};
	static char value[8200], body[9000], want[100];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		repeat(value, "\xc3\xa9", f[i].limit);
		body_with(f[i].field, value, body, sizeof body);
		assert_int_equal(check(body), 0);
		repeat(value, "\xf0\x9f\x98\x80", f[i].limit + 1);
		body_with(f[i].field, value, body, sizeof body);
		snprintf(want, sizeof want, "%s is longer than %zu characters",
			 f[i].field, f[i].limit);
		refused(body, want);
	}
	repeat(value, "a", 250);
	strcat(value, "@b.c");
	body_with("employee_email", value, body, sizeof body);
	assert_int_equal(check(body), 0);
	strcat(value, "d");
	body_with("employee_email", value, body, sizeof body);
	refused(body, "employee_email is longer than 254 characters");
}

static void email_shapes(void **state)
{
	static const char *const bad[] = {
		"a", "a@", "@b.c", "a@b", "a@b@c.d", "a b@c.d", "a@b..c",
		"a@.b.c", "a@b.c.", "a\\u00a0b@c.d", "a@b.c\\u2003x"};
	static const char *const good[] = {"a@b.c", "z\xc3\xb6@b\xc3\xa4.de",
					   "x.y+z@s.example.co.uk"};
	char body[512];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		body_with("employee_email", bad[i], body, sizeof body);
		refused(body, "employee_email must be an address like "
			      "name@example.com");
	}
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		body_with("employee_email", good[i], body, sizeof body);
		assert_int_equal(check(body), 0);
	}
}

/* A transfer reads name, email and comments; a return only comments.
 * What a kind does not read is neither checked nor written. */
static void other_kinds(void **state)
{
	(void)state;
	refused_kind(ISSUE_KIND_TRANSFER, "{\"asset_type\":\"laptop\"}",
		     "Missing fields: employee_name, employee_email");
	refused_kind(ISSUE_KIND_TRANSFER,
		     "{\"employee_name\":\"Bo\",\"employee_email\":\"bo\"}",
		     "employee_email must be an address like "
		     "name@example.com");
	refused_kind(ISSUE_KIND_TRANSFER,
		     "{\"employee_name\":\"Bo\",\"employee_email\":\"b@o.c\","
		     "\"comments\":[]}",
		     "comments must be a string");
	written_kind(ISSUE_KIND_TRANSFER,
		     "{\"employee_name\":\" Bo \",\"employee_email\":\"b@o.c\","
		     "\"asset_type\":5,\"asset_model\":\"\\u0007\"}",
		     "\"employee_name\":\"Bo\",\"employee_email\":\"b@o.c\","
		     "\"comments\":\"\"");

	refused_kind(ISSUE_KIND_RETURN, "{\"comments\":1}",
		     "comments must be a string");
	refused_kind(ISSUE_KIND_RETURN, "[]", "body must be a JSON object");
	written_kind(ISSUE_KIND_RETURN, "{}", "\"comments\":\"\"");
	written_kind(ISSUE_KIND_RETURN,
		     "{\"employee_email\":\"no\",\"comments\":\" c\\t\"}",
		     "\"comments\":\" c\\t\"");
}

static void json_faults_come_first(void **state)
{
	(void)state;
	refused("", "body is empty; expected a JSON object");
	refused("[]", "body must be a JSON object");
	assert_int_equal(check("{\"employee_name\":5,}"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepted_and_written),
		cmocka_unit_test(trimmed),
		cmocka_unit_test(missing),
		cmocka_unit_test(not_a_string),
		cmocka_unit_test(duplicate_keys),
		cmocka_unit_test(control_characters),
		cmocka_unit_test(lengths_in_code_points),
		cmocka_unit_test(email_shapes),
		cmocka_unit_test(other_kinds),
		cmocka_unit_test(json_faults_come_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

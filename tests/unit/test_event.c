/* SPDX-License-Identifier: MIT */
/* Unit tests of event: the exact line of each kind, the round trip
 * through event_parse(), every line it must refuse, times, and the
 * digest that tells a retry from a different request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event.h"

#define T(s) ((struct issue_text){s, sizeof(s) - 1})
#define AT 1796396645 /* 2026-12-04T15:04:05Z */

static char why[256];

static struct event make(enum event_kind kind)
{
	struct event ev = {.id = 7, .kind = kind, .at = AT};

	for (int f = 0; f < ISSUE_FIELDS; f++)
		ev.field[f] = T("");
	return ev;
}

/* Formats ev and compares the line, then parses it back. */
static void line_is(const struct event *ev, const char *want)
{
	char *line = malloc(event_line_max(ev));
	size_t len = event_format(ev, line);
	struct event back;

	assert_int_equal(len, strlen(want));
	assert_memory_equal(line, want, len);
	assert_int_equal(event_parse(line, len - 1, &back, why, sizeof why),
			 0);
	assert_int_equal(back.id, ev->id);
	assert_int_equal(back.kind, ev->kind);
	assert_int_equal(back.at, ev->at);
	assert_true((back.by == NULL) == (ev->by == NULL));
	assert_true((back.key == NULL) == (ev->key == NULL));
	for (int f = 0; f < ISSUE_FIELDS; f++) {
		assert_int_equal(back.field[f].len, ev->field[f].len);
		assert_memory_equal(back.field[f].s, ev->field[f].s,
				    ev->field[f].len);
	}
	event_free(&back);
	free(line);
}

static void each_kind_exactly(void **state)
{
	struct event ev = make(EVENT_ISSUED);

	(void)state;
	ev.field[ISSUE_NAME] = T("Zoë \"Q\" \\ Ødegård");
	ev.field[ISSUE_EMAIL] = T("z@example.com");
	ev.field[ISSUE_TYPE] = T("laptop");
	ev.field[ISSUE_MODEL] = T("X1");
	ev.field[ISSUE_COMMENTS] = T("line\nnext\ttab \xe2\x80\xa8");
	line_is(&ev, "{\"id\":7,\"event\":\"issued\",\"at\":\"2026-12-04T15:04:"
		     "05Z\",\"employee_name\":"
		     "\"Zoë \\\"Q\\\" \\\\ Ødegård\","
		     "\"employee_email\":\"z@example.com\",\"asset_type\":"
		     "\"laptop\",\"asset_model\":\"X1\",\"comments\":"
		     "\"line\\nnext\\ttab \\u2028\"}\n");

	ev = make(EVENT_TRANSFERRED);
	ev.by = "helpdesk";
	ev.key = "k-1";
	ev.field[ISSUE_NAME] = T("B");
	ev.field[ISSUE_EMAIL] = T("b@example.com");
	line_is(&ev, "{\"id\":7,\"event\":\"transferred\",\"at\":\"2026-12-04T"
		     "15:04:05Z\",\"by\":\"helpdesk\",\"idempotency_key\":"
		     "\"k-1\",\"employee_name\":\"B\",\"employee_email\":"
		     "\"b@example.com\",\"comments\":\"\"}\n");

	ev = make(EVENT_RETURNED);
	ev.field[ISSUE_COMMENTS] = T("ok");
	line_is(&ev, "{\"id\":7,\"event\":\"returned\",\"at\":\"2026-12-04T15:"
		     "04:05Z\",\"comments\":\"ok\"}\n");
}

static void refused(const char *line, int rc, const char *message)
{
	struct event ev;

	assert_int_equal(event_parse(line, strlen(line), &ev, why, sizeof why),
			 rc);
	assert_string_equal(why, message);
}

#define HEAD "{\"id\":7,\"event\":\"returned\",\"at\":"
#define GOOD_AT "\"2026-12-04T15:04:05Z\""

static void refuses_what_the_writer_cannot_write(void **state)
{
	(void)state;
	refused("{\"id\":7", EVENT_NOT_JSON,
		"invalid JSON at offset 7: expected ',' or '}'");
	refused("[1]", EVENT_NOT_JSON, "body must be a JSON object");
	refused("{\"event\":\"returned\",\"id\":7}", EVENT_BAD,
		"not an event (\"id\" first)");
	refused("{\"id\":07}", EVENT_NOT_JSON,
		"invalid JSON at offset 6: invalid number");
	refused("{\"id\":0,\"event\":\"returned\"}", EVENT_BAD,
		"id is not a whole number from 1 to 9007199254740991");
	refused("{\"id\":7.0,\"event\":\"returned\"}", EVENT_BAD,
		"id is not a whole number from 1 to 9007199254740991");
	refused("{\"id\":7,\"event\":\"lent\"}", EVENT_BAD,
		"\"event\" is not issued, transferred or returned");
	refused("{\"id\":7,\"at\":" GOOD_AT ",\"event\":\"returned\"}",
		EVENT_BAD, "\"event\" is not issued, transferred or returned");
	refused(HEAD "\"2026-02-29T00:00:00Z\",\"comments\":\"\"}", EVENT_BAD,
		"\"at\" is not a time like 2026-12-04T15:04:05Z");
	refused(HEAD "\"2026-12-04T24:00:00Z\",\"comments\":\"\"}", EVENT_BAD,
		"\"at\" is not a time like 2026-12-04T15:04:05Z");
	refused(HEAD "\"2026-12-04 15:04:05Z\",\"comments\":\"\"}", EVENT_BAD,
		"\"at\" is not a time like 2026-12-04T15:04:05Z");
	refused(HEAD "\"2026-12-04T15:04:05\",\"comments\":\"\"}", EVENT_BAD,
		"\"at\" is not a time like 2026-12-04T15:04:05Z");
	refused(HEAD GOOD_AT ",\"comments\":null}", EVENT_BAD,
		"a returned event needs the string \"comments\" here");
	refused(HEAD GOOD_AT "}", EVENT_BAD,
		"a returned event needs the string \"comments\" here");
	refused(HEAD GOOD_AT ",\"comments\":\"\",\"comments\":\"\"}",
		EVENT_BAD, "unexpected member 5 of 5");
	refused(HEAD GOOD_AT ",\"idempotency_key\":\"a b\",\"comments\":\"\"}",
		EVENT_BAD, "idempotency_key is not valid");
	refused(HEAD GOOD_AT ",\"idempotency_key\":\"k\",\"by\":\"x\","
		"\"comments\":\"\"}",
		EVENT_BAD,
		"a returned event needs the string \"comments\" here");
}

static void times_by_arithmetic(void **state)
{
	char out[21];
	struct event ev;
	static const char *const good[] = {
		"1970-01-01T00:00:00Z", "2000-02-29T23:59:59Z",
		"2024-02-29T12:00:00Z", "2038-01-19T03:14:08Z",
		"2099-12-31T23:59:59Z"};
	static const char *const bad[] = {
		"1900-02-29T00:00:00Z", "2023-02-29T00:00:00Z",
		"0226-12-04T17:42:05Z", "1969-12-31T23:59:59Z",
		"2026-04-31T00:00:00Z", "2026-00-10T00:00:00Z",
		"2026-13-10T00:00:00Z", "2026-12-00T00:00:00Z",
		"2026-12-04T15:60:00Z", "2026-12-04T15:04:60Z"};
	char line[128];

	(void)state;
	event_time(AT, out);
	assert_string_equal(out, "2026-12-04T15:04:05Z");
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		snprintf(line, sizeof line, HEAD "\"%s\",\"comments\":\"\"}",
			 good[i]);
		assert_int_equal(event_parse(line, strlen(line), &ev, why,
					     sizeof why),
				 0);
		event_time(ev.at, out);
		assert_string_equal(out, good[i]);
		event_free(&ev);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		snprintf(line, sizeof line, HEAD "\"%s\",\"comments\":\"\"}",
			 bad[i]);
		assert_int_equal(event_parse(line, strlen(line), &ev, why,
					     sizeof why),
				 EVENT_BAD);
	}
}

static void keys(void **state)
{
	char longest[EVENT_KEY_MAX + 2];

	(void)state;
	memset(longest, 'k', sizeof longest);
	longest[EVENT_KEY_MAX] = '\0';
	assert_true(event_key_ok("550e8400-e29b-41d4-a716-446655440000"));
	assert_true(event_key_ok("!#$%&'()*+,-./:;<=>?@[]^_`{|}~"));
	assert_true(event_key_ok(longest));
	longest[EVENT_KEY_MAX] = 'k';
	longest[EVENT_KEY_MAX + 1] = '\0';
	assert_false(event_key_ok(longest));
	assert_false(event_key_ok(""));
	assert_false(event_key_ok("a b"));
	assert_false(event_key_ok("a\"b"));
	assert_false(event_key_ok("a\\b"));
	assert_false(event_key_ok("caf\xc3\xa9"));
	assert_false(event_key_ok("a\tb"));
}

static void digest_tells_requests_apart(void **state)
{
	struct event a = make(EVENT_TRANSFERRED), b;
	unsigned char da[32], db[32];

	(void)state;
	a.field[ISSUE_NAME] = T("ab");
	a.field[ISSUE_EMAIL] = T("c");
	b = a;
	b.at = AT + 100; /* time, by and key are not the request */
	b.by = "x";
	b.key = "k";
	event_digest(&a, 7, da);
	event_digest(&b, 7, db);
	assert_memory_equal(da, db, 32);

	event_digest(&a, 8, db);
	assert_memory_not_equal(da, db, 32);
	b.kind = EVENT_RETURNED;
	event_digest(&b, 7, db);
	assert_memory_not_equal(da, db, 32);
	b = a;
	b.field[ISSUE_NAME] = T("a");
	b.field[ISSUE_EMAIL] = T("bc");
	event_digest(&b, 7, db);
	assert_memory_not_equal(da, db, 32);
}

/* What a crash can leave of one line, and what it cannot. */
static void cut_short_lines(void **state)
{
	static const struct {
		const char *s;
		int cut;
	} cases[] = {
		{"{", 1},
		{"{\"id\":7,\"event\":\"iss", 1},
		{"{\"a\":\"}\"", 1},		/* a brace inside a string */
		{"{\"a\":\"\\\"}\"", 1},	/* an escaped quote, then one */
		{"{\"a\":\"x\\", 1},		/* cut after a backslash */
		{"{\"a\":[1,{\"b\":2}]", 1},
		{"{}", 0},
		{"{\"a\":1}  ", 0},
		{"{\"a\":1}{\"b\":", 0},	/* two lines run together */
		{"x{", 0},
		{" {", 0},
		{"", 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(event_is_cut_short(cases[i].s,
						    strlen(cases[i].s)),
				 cases[i].cut);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cut_short_lines),
		cmocka_unit_test(each_kind_exactly),
		cmocka_unit_test(refuses_what_the_writer_cannot_write),
		cmocka_unit_test(times_by_arithmetic),
		cmocka_unit_test(keys),
		cmocka_unit_test(digest_tells_requests_apart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

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

/* Every Default_Ignorable_Code_Point counts as blank, not only the
 * zero-width ones: a bidi override, a soft hyphen, a Hangul filler, a
 * tag character (U+E0041, as a surrogate pair and as raw UTF-8), the
 * isolates, invisible operators, variation selectors and the rest. */
static void invisible_alone_is_missing(void **state)
{
	static const char *const blank[] = {
		"\\u202e", "\\u00ad", "\\u3164", "\\udb40\\udc41",
		"\xf3\xa0\x81\x81", "\\u2066\\u2069", "\\u2061\\u2064",
		"\\u115f\\u1160\\uffa0", "\\ufe0f\\u034f\\u061c",
		"\\ud834\\udd73\\u17b4\\u180f\\ufff0\\ud82f\\udca0"};
	char body[512];

	(void)state;
	for (size_t i = 0; i < sizeof blank / sizeof *blank; i++) {
		body_with("employee_name", blank[i], body, sizeof body);
		refused(body, "Missing fields: employee_name");
		body_with("asset_type", blank[i], body, sizeof body);
		refused(body, "Missing fields: asset_type");
	}
	refused("{\"employee_name\":\"\\u202e\",\"employee_email\":"
		"\"\\u00ad\",\"asset_type\":\"\\udb40\\udc41\","
		"\"asset_model\":\"\\u3164\"}",
		"Missing fields: employee_name, employee_email, asset_type, "
		"asset_model");
}

/* Writes cp as UTF-8 and a NUL into out[0..5). */
static void utf8(uint32_t cp, char *out)
{
	unsigned char *u = (unsigned char *)out;

	if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		u[2] = 0;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		u[3] = 0;
	} else {
		u[0] = (unsigned char)(0xF0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (unsigned char)(0x80 | (cp & 0x3F));
		u[4] = 0;
	}
}

/* The ends of each range of Default_Ignorable_Code_Point (Unicode 15)
 * are blank; the characters just outside are not (white space next to
 * a range is left out). */
static void invisible_bounds(void **state)
{
	static const uint32_t blank[] = {
		0x00AD,  0x034F,  0x061C,  0x115F,  0x1160,  0x17B4,
		0x17B5,  0x180B,  0x180F,  0x200B,  0x200F,  0x202A,
		0x202E,  0x2060,  0x206F,  0x3164,  0xFE00,  0xFE0F,
		0xFEFF,  0xFFA0,  0xFFF0,  0xFFF8,  0x1BCA0, 0x1BCA3,
		0x1D173, 0x1D17A, 0xE0000, 0xE0FFF};
	static const uint32_t shown[] = {
		0x00AC,  0x00AE,  0x034E,  0x0350,  0x061B,  0x061D,
		0x115E,  0x1161,  0x17B3,  0x17B6,  0x180A,  0x1810,
		0x2010,  0x2030,  0x2070,  0x3163,  0x3165,  0xFDFF,
		0xFE10,  0xFEFE,  0xFF9F,  0xFFA1,  0xFFEF,  0xFFF9,
		0x1BC9F, 0x1BCA4, 0x1D172, 0x1D17B, 0xDFFFD, 0xE1000};
	char ch[5], body[512];

	(void)state;
	for (size_t i = 0; i < sizeof blank / sizeof *blank; i++) {
		utf8(blank[i], ch);
		body_with("asset_model", ch, body, sizeof body);
		refused(body, "Missing fields: asset_model");
	}
	for (size_t i = 0; i < sizeof shown / sizeof *shown; i++) {
		utf8(shown[i], ch);
		body_with("asset_model", ch, body, sizeof body);
		assert_int_equal(check(body), 0);
	}
}

/* ... and is trimmed from both ends of a real value; inside a name,
 * type, model or comment it stays. */
static void invisible_trimmed(void **state)
{
	(void)state;
	written("{\"employee_name\":\"\\u202eAda\\u202e\","
		"\"employee_email\":\"\\u00adada@example.com\\u00ad\","
		"\"asset_type\":\"\\u3164laptop\\u3164\","
		"\"asset_model\":\"\\udb40\\udc41X1\\udb40\\udc41\"}",
		"\"employee_name\":\"Ada\",\"employee_email\":"
		"\"ada@example.com\",\"asset_type\":\"laptop\","
		"\"asset_model\":\"X1\",\"comments\":\"\"");
	written("{\"employee_name\":\"\\u2066A\\u202eb\\u2069 \\u00ad\","
		"\"employee_email\":\"ada@example.com\","
		"\"asset_type\":\"\\ufe0flap\\u00adtop\\u2064\","
		"\"asset_model\":\"\\u3164X\\u200d1\\udb40\\udc41\","
		"\"comments\":\"\\u202e c \\u00ad\"}",
		"\"employee_name\":\"A\xe2\x80\xae" "b\",\"employee_email\":"
		"\"ada@example.com\",\"asset_type\":\"lap\xc2\xadtop\","
		"\"asset_model\":\"X\xe2\x80\x8d" "1\",\"comments\":"
		"\"\xe2\x80\xae c \xc2\xad\"");
	/* A stray cancel tag or selector is trimmed like any blank. */
	written("{\"employee_name\":\"Alice \\udb40\\udc7f\","
		"\"employee_email\":\"ada@example.com\","
		"\"asset_type\":\"laptop \\ufe0f\",\"asset_model\":\"X1\"}",
		"\"employee_name\":\"Alice\",\"employee_email\":"
		"\"ada@example.com\",\"asset_type\":\"laptop\","
		"\"asset_model\":\"X1\",\"comments\":\"\"");
	/* What closes an emoji stays at the end: the U+FE0F of a red
	 * heart, a flag's tags up to its cancel tag. */
	written("{\"employee_name\":\"Ada \\u2764\\ufe0f\","
		"\"employee_email\":\"ada@example.com\","
		"\"asset_type\":\"laptop\",\"asset_model\":\"X1 "
		"\\ud83c\\udff4\\udb40\\udc67\\udb40\\udc62\\udb40\\udc73"
		"\\udb40\\udc63\\udb40\\udc74\\udb40\\udc7f\"}",
		"\"employee_name\":\"Ada \xe2\x9d\xa4\xef\xb8\x8f\","
		"\"employee_email\":\"ada@example.com\",\"asset_type\":"
		"\"laptop\",\"asset_model\":\"X1 \xf0\x9f\x8f\xb4"
		"\xf3\xa0\x81\xa7\xf3\xa0\x81\xa2\xf3\xa0\x81\xb3"
		"\xf3\xa0\x81\xa3\xf3\xa0\x81\xb4\xf3\xa0\x81\xbf\","
		"\"comments\":\"\"");
}

static void refused_email(const char *email)
{
	char body[512];

	body_with("employee_email", email, body, sizeof body);
	refused(body, "employee_email must be an address like "
		      "name@example.com");
	assert_int_equal(check_kind(ISSUE_KIND_TRANSFER, body), -1);
}

/* Invisible characters inside an address would make a second holder
 * that looks like the first; email_shapes covers the rest. */
static void email_invisible_inside(void **state)
{
	static const char *const bad[] = {
		"t\\u200b@example.com",
		"\\ud83d\\udc69\\u200d\\ud83d\\udcbb@example.com",
		"eve\\u202e@example.com",
		"a@exa\\u00admple.com",
		"a\\u2066b\\u2069@example.com",
		"a@example.com\\udb40\\udc41x",
		"a\\ufe0fb@example.com",
		"a\\u3164b@example.com",
		"a\xe2\x80\x8b" "b@example.com",
		"a@x\\u200d.com"};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		refused_email(bad[i]);
	assert_int_equal(issue_email_ok("t@example.com", 13), 1);
	assert_int_equal(issue_email_ok("t\xe2\x80\x8b@example.com", 16), 0);
}

/* local@domain as dot-atoms (RFC 5322, UTF-8 as RFC 6531 allows): no
 * quoted local part, no IP literal, no '-' at a label's ends, no '_' or
 * other atext in the domain, domain labels of at most 63 characters. */
static void email_shapes(void **state)
{
	static const char *const bad[] = {
		"a", "a@", "@b.c", "a@b", "a@b@c.d", "a b@c.d", "a@b..c",
		"a@.b.c", "a@b.c.", "a\\u00a0b@c.d", "a@b.c\\u2003x",
		"<a@x.com>", "a@x.com/", "a@[127.0.0.1]", "a,b@x.com",
		".a@x.com", "a.@x.com", "a..b@x.com", "a@-x.com", "a@x-.com",
		"a@x_y.com", "a@x", "\\\"a\\\"@x.com", "\\\"a@b\\\"@x.com",
		"a\\\\b@x.com", "a(b)@x.com", "a:b@x.com", "a;b@x.com",
		"a@x.com:25", "a@x.c-", "a@x.-c", "a@x!y.com", "a@@x.com",
		"a@x.com@", ".@x.com", "a@.", "a@x.com-"};
	static const char *const good[] = {
		"a.b+tag@example.co.uk", "o'brien@example.com",
		"\xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9@ex\xc3\xa4mple.de",
		"\\ud83d\\udc69\\ud83d\\udcbb@example.com",
		"\xf0\x9f\x91\xa9\xf0\x9f\x92\xbb@example.com", "a@b.c",
		"x-y@a-b.example", "z\xc3\xb6@b\xc3\xa4.de",
		"x.y+z@s.example.co.uk", "!#$%&'*+-/=?^_`{|}~@x.com",
		"-a-@x--y.a1", "A@B.C"};
	char body[512], label[200];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		refused_email(bad[i]);
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		body_with("employee_email", good[i], body, sizeof body);
		assert_int_equal(check(body), 0);
	}

	/* A domain label has at most 63 characters, a local part more. */
	repeat(label, "\xc3\xa4", 63);
	snprintf(body, sizeof body, "a@%s.com", label);
	assert_int_equal(issue_email_ok(body, strlen(body)), 1);
	snprintf(body, sizeof body, "a@b.%sx", label);
	assert_int_equal(issue_email_ok(body, strlen(body)), 0);
	snprintf(body, sizeof body, "%s%s@b.c", label, label);
	assert_int_equal(issue_email_ok(body, strlen(body)), 1);
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
		cmocka_unit_test(invisible_alone_is_missing),
		cmocka_unit_test(invisible_bounds),
		cmocka_unit_test(invisible_trimmed),
		cmocka_unit_test(not_a_string),
		cmocka_unit_test(duplicate_keys),
		cmocka_unit_test(control_characters),
		cmocka_unit_test(lengths_in_code_points),
		cmocka_unit_test(email_invisible_inside),
		cmocka_unit_test(email_shapes),
		cmocka_unit_test(other_kinds),
		cmocka_unit_test(json_faults_come_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * test_json: cmocka cases for the json module (src/json.c).
 *
 * One case per rule: every body is copied into a buffer of exactly its
 * length, so AddressSanitizer catches a read past the end, and every
 * refusal is checked for the exact message, -1, errno EINVAL and an empty
 * object. Offsets in the comments count from 0.
 *
 * The JSONTestSuite case reads its corpus from the directory named by the
 * environment variable ASSETD_JSON_CORPUS (test_parsing/ of the suite) and
 * is skipped when it is unset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define EMPTY_MSG "body is empty; expected a JSON object"
#define NOT_OBJECT_MSG "body must be a JSON object"
#define TOO_MANY_MSG "JSON has too many values (limit 512)"
#define TOO_DEEP_MSG "JSON is nested too deeply (limit 32)"

/* Parse a copy of body[0..len) held in a buffer of exactly len bytes. */
static int parse_copy(const char *body, size_t len, struct json_object *obj,
		      char *err, size_t errlen)
{
	char *copy = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, body, len);
	rc = json_parse_object(copy, len, obj, err, errlen);
	free(copy);
	return rc;
}

static void refuse_n(const char *body, size_t len, const char *msg)
{
	struct json_object obj;
	char err[256];

	memset(&obj, 0x5A, sizeof obj);
	errno = 0;
	assert_int_equal(parse_copy(body, len, &obj, err, sizeof err), -1);
	assert_string_equal(err, msg);
	assert_int_equal(errno, EINVAL);
	assert_null(obj.members);
	assert_int_equal(obj.count, 0);
	assert_null(obj.arena);
}

static void accept_n(const char *body, size_t len, struct json_object *obj)
{
	char err[256];

	if (parse_copy(body, len, obj, err, sizeof err) != 0)
		fail_msg("refused: %s", err);
	assert_string_equal(err, "");
}

/* Bodies as C string literals; sizeof keeps embedded NUL bytes. */
#define REFUSE(lit, msg) refuse_n(lit, sizeof(lit) - 1, msg)
#define ACCEPT(lit, obj) accept_n(lit, sizeof(lit) - 1, obj)

static void refuse_str(const char *body, const char *msg)
{
	refuse_n(body, strlen(body), msg);
}

/* Check member k of obj: its key, type and value offset. */
static const struct json_member *member(const struct json_object *obj,
					size_t k, const char *key,
					enum json_type type, size_t offset)
{
	const struct json_member *m;

	assert_true(k < obj->count);
	m = &obj->members[k];
	assert_int_equal(m->key_len, strlen(key));
	assert_memory_equal(m->key, key, m->key_len + 1);
	assert_int_equal(m->type, type);
	assert_int_equal(m->offset, offset);
	if (type != JSON_STRING) {
		assert_null(m->str);
		assert_int_equal(m->str_len, 0);
	}
	return m;
}

/* Check that member k is the string value[0..len), NUL-terminated. */
static void string_member(const struct json_object *obj, size_t k,
			  const char *key, size_t offset, const char *value,
			  size_t len)
{
	const struct json_member *m;

	m = member(obj, k, key, JSON_STRING, offset);
	assert_int_equal(m->str_len, len);
	assert_memory_equal(m->str, value, len);
	assert_int_equal(m->str[len], '\0');
}

/* {"a":<value>} built from a printf format: the value is at offset 5. */
static void refuse_value(const char *value, const char *msg)
{
	char body[128];

	snprintf(body, sizeof body, "{\"a\":%s}", value);
	refuse_str(body, msg);
}

/* ---- the body as a whole ---- */

static void test_empty_body(void **state)
{
	struct json_object obj;
	char err[64];

	(void)state;
	REFUSE("", EMPTY_MSG);
	assert_int_equal(json_parse_object(NULL, 0, &obj, err, sizeof err),
			 -1);
	assert_string_equal(err, EMPTY_MSG);
}

static void test_blank_body(void **state)
{
	(void)state;
	REFUSE(" ", EMPTY_MSG);
	REFUSE(" \t\r\n \n", EMPTY_MSG);
	/* Vertical tab and form feed are not JSON white space. */
	REFUSE("\v", "invalid JSON at offset 0: expected a value");
	REFUSE(" \f{}", "invalid JSON at offset 1: expected a value");
}

static void test_not_an_object(void **state)
{
	(void)state;
	REFUSE("[]", NOT_OBJECT_MSG);
	REFUSE("\"x\"", NOT_OBJECT_MSG);
	REFUSE("1", NOT_OBJECT_MSG);
	REFUSE("-0.5e3", NOT_OBJECT_MSG);
	REFUSE("true", NOT_OBJECT_MSG);
	REFUSE("null", NOT_OBJECT_MSG);
	REFUSE(" [1, {\"a\": 2}] \n", NOT_OBJECT_MSG);
}

static void test_invalid_non_object(void **state)
{
	(void)state;
	/* The grammar comes first: these are not JSON at all. */
	REFUSE("[1,]", "invalid JSON at offset 2: trailing comma");
	REFUSE("1 2", "invalid JSON at offset 2: unexpected data after the "
		      "value");
	REFUSE("[] {}", "invalid JSON at offset 3: unexpected data after the "
			"value");
	REFUSE("\"abc", "invalid JSON at offset 4: unterminated string");
}

static void test_empty_object(void **state)
{
	struct json_object obj;

	(void)state;
	ACCEPT("{}", &obj);
	assert_int_equal(obj.count, 0);
	assert_null(obj.members);
	json_object_free(&obj);

	ACCEPT(" \r\n\t{ \n }\r\n", &obj);
	assert_int_equal(obj.count, 0);
	json_object_free(&obj);
}

static void test_members_of_each_type(void **state)
{
	static const char body[] =
		"{\"name\":\"Ada\",\"n\":42,\"t\":true,\"f\":false,"
		"\"z\":null,\"o\":{\"x\":1},\"a\":[1,\"s\"]}";
	struct json_object obj;

	(void)state;
	ACCEPT(body, &obj);
	assert_int_equal(obj.count, 7);
	string_member(&obj, 0, "name", 8, "Ada", 3);
	member(&obj, 1, "n", JSON_NUMBER, 18);
	member(&obj, 2, "t", JSON_TRUE, 25);
	member(&obj, 3, "f", JSON_FALSE, 34);
	member(&obj, 4, "z", JSON_NULL, 44);
	member(&obj, 5, "o", JSON_OBJECT, 53);
	member(&obj, 6, "a", JSON_ARRAY, 65);
	json_object_free(&obj);
}

static void test_white_space_everywhere(void **state)
{
	struct json_object obj;

	(void)state;
	ACCEPT(" \t{ \n\"a\" \r: \t1 ,\n \"b\":[ 1 , 2 ] , \"c\" : { } } \n",
	       &obj);
	assert_int_equal(obj.count, 3);
	member(&obj, 0, "a", JSON_NUMBER, 13);
	member(&obj, 1, "b", JSON_ARRAY, 22);
	member(&obj, 2, "c", JSON_OBJECT, 40);
	json_object_free(&obj);
}

/* ---- punctuation jsmn lets through ---- */

static void test_missing_colon(void **state)
{
	(void)state;
	REFUSE("{\"a\" 1}", "invalid JSON at offset 5: expected ':'");
	REFUSE("{\"a\"}", "invalid JSON at offset 4: expected ':'");
	REFUSE("{\"a\":1,\"b\"}", "invalid JSON at offset 10: expected ':'");
	REFUSE("{\"a\",\"b\"}", "invalid JSON at offset 4: expected ':'");
}

static void test_missing_comma(void **state)
{
	(void)state;
	REFUSE("{\"a\":1 \"b\":2}",
	       "invalid JSON at offset 7: expected ',' or '}'");
	REFUSE("{\"a\":\"x\"\"b\":1}",
	       "invalid JSON at offset 8: expected ',' or '}'");
	REFUSE("{\"a\":[1 2]}",
	       "invalid JSON at offset 8: expected ',' or ']'");
	REFUSE("{\"a\":[[] {}]}",
	       "invalid JSON at offset 9: expected ',' or ']'");
	/* A number run into a string is two values without a comma. */
	REFUSE("{\"a\":1\"b\"}",
	       "invalid JSON at offset 6: expected ',' or '}'");
}

static void test_trailing_comma(void **state)
{
	(void)state;
	REFUSE("{\"a\":1,}", "invalid JSON at offset 6: trailing comma");
	REFUSE("{\"a\":1 , }", "invalid JSON at offset 7: trailing comma");
	REFUSE("{\"a\":[1,]}", "invalid JSON at offset 7: trailing comma");
	REFUSE("{\"a\":{\"b\":1,}}",
	       "invalid JSON at offset 11: trailing comma");
}

static void test_leading_comma(void **state)
{
	(void)state;
	REFUSE("{,\"a\":1}",
	       "invalid JSON at offset 1: expected a string key");
	REFUSE("{\"a\":[,1]}", "invalid JSON at offset 6: expected a value");
	REFUSE("{,}", "invalid JSON at offset 1: expected a string key");
}

static void test_repeated_punctuation(void **state)
{
	(void)state;
	REFUSE("{\"a\"::1}", "invalid JSON at offset 5: expected a value");
	REFUSE("{\"a\":1,,\"b\":2}",
	       "invalid JSON at offset 7: expected a string key");
	REFUSE("{\"a\":[1,,2]}", "invalid JSON at offset 8: expected a value");
	REFUSE("{{}}", "invalid JSON at offset 1: expected a string key");
	REFUSE("{\"a\":[]]}", "invalid JSON at offset 7: expected ',' or '}'");
	REFUSE("{\"a\":1}}",
	       "unexpected data after the JSON object at offset 7");
	REFUSE("{\"a\":{}}}",
	       "unexpected data after the JSON object at offset 8");
}

static void test_two_top_level_values(void **state)
{
	(void)state;
	REFUSE("{}{}", "unexpected data after the JSON object at offset 2");
	REFUSE("{\"a\":1} {\"b\":2}",
	       "unexpected data after the JSON object at offset 8");
	REFUSE("{}\"x\"", "unexpected data after the JSON object at offset 2");
	REFUSE("{} 1", "unexpected data after the JSON object at offset 3");
}

static void test_unexpected_data_after_object(void **state)
{
	struct json_object obj;

	(void)state;
	REFUSE("{\"a\":1} x",
	       "unexpected data after the JSON object at offset 8");
	REFUSE("{\"a\":1}\v",
	       "unexpected data after the JSON object at offset 7");
	REFUSE("{\"a\":1}\xff",
	       "unexpected data after the JSON object at offset 7");
	/* A log line's newline and other JSON white space are fine. */
	ACCEPT("{\"a\":1}\n", &obj);
	json_object_free(&obj);
	ACCEPT("{\"a\":1}\r\n\t ", &obj);
	json_object_free(&obj);
}

static void test_unclosed_containers(void **state)
{
	(void)state;
	REFUSE("{", "invalid JSON at offset 1: expected a string key");
	REFUSE("{\"a\":1",
	       "invalid JSON at offset 6: expected ',' or '}'");
	REFUSE("{\"a\":[", "invalid JSON at offset 6: expected a value");
	REFUSE("{\"a\":[1,2}",
	       "invalid JSON at offset 9: expected ',' or ']'");
	REFUSE("{\"a\":{\"b\":1]}",
	       "invalid JSON at offset 11: expected ',' or '}'");
	REFUSE("{\"a\":", "invalid JSON at offset 5: expected a value");
	REFUSE("}", "invalid JSON at offset 0: expected a value");
}

/* ---- NUL bytes ---- */

static void test_nul_byte(void **state)
{
	(void)state;
	REFUSE("{\"a\":1}\0", "body contains a NUL byte at offset 7");
	REFUSE("{\"a\":1}  \0 ", "body contains a NUL byte at offset 9");
	REFUSE("{\"a\":\"x\0y\"}", "body contains a NUL byte at offset 7");
	REFUSE("{\"a\0\":1}", "body contains a NUL byte at offset 3");
	REFUSE("\0{}", "body contains a NUL byte at offset 0");
	REFUSE(" \0", "body contains a NUL byte at offset 1");
	REFUSE("{\"a\":1\0}", "body contains a NUL byte at offset 6");
	REFUSE("{\"a\" \0:1}", "body contains a NUL byte at offset 5");
	REFUSE("1\0", "body contains a NUL byte at offset 1");
}

static void test_fault_before_nul_byte(void **state)
{
	(void)state;
	REFUSE("{\"a\" 1}\0", "invalid JSON at offset 5: expected ':'");
	REFUSE("{\"a\":\"\\u0000\"}\0",
	       "\\u0000 is not allowed in strings (offset 6)");
	/* The number's own bytes end at the NUL: "-" is no number. */
	REFUSE("{\"a\":-\0}", "invalid JSON at offset 5: invalid number");
}

/* ---- literals and numbers ---- */

static void test_literals(void **state)
{
	struct json_object obj;

	(void)state;
	ACCEPT("{\"a\":true,\"b\":false,\"c\":null}", &obj);
	member(&obj, 0, "a", JSON_TRUE, 5);
	member(&obj, 1, "b", JSON_FALSE, 14);
	member(&obj, 2, "c", JSON_NULL, 24);
	json_object_free(&obj);

	ACCEPT("{\"a\":[true,false,null]}", &obj);
	json_object_free(&obj);
}

static void test_bad_literals(void **state)
{
	static const char *const bad[] = {
		"tru", "t", "truex", "true1", "True", "TRUE", "nul", "NULL",
		"nulll", "fals", "falsey", "Infinity", "NaN", "undefined",
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof bad / sizeof bad[0]; k++)
		refuse_value(bad[k],
			     "invalid JSON at offset 5: invalid literal");
	REFUSE("{\"a\":tru", "invalid JSON at offset 5: invalid literal");
	REFUSE("{\"a\":[nul]}", "invalid JSON at offset 6: invalid literal");
}

static void test_bare_words(void **state)
{
	(void)state;
	REFUSE("abc", "invalid JSON at offset 0: invalid literal");
	REFUSE("{\"a\":abc}", "invalid JSON at offset 5: invalid literal");
	REFUSE("{a:1}", "invalid JSON at offset 1: expected a string key");
	REFUSE("{\"a\":'x'}", "invalid JSON at offset 5: expected a value");
	REFUSE("{'a':1}", "invalid JSON at offset 1: expected a string key");
}

static void test_non_string_keys(void **state)
{
	(void)state;
	REFUSE("{1:2}", "invalid JSON at offset 1: expected a string key");
	REFUSE("{true:1}", "invalid JSON at offset 1: expected a string key");
	REFUSE("{null:1}", "invalid JSON at offset 1: expected a string key");
	REFUSE("{[]:1}", "invalid JSON at offset 1: expected a string key");
	REFUSE("{{}:1}", "invalid JSON at offset 1: expected a string key");
	REFUSE("{\"a\":1,2:3}",
	       "invalid JSON at offset 7: expected a string key");
}

static void test_numbers(void **state)
{
	static const char body[] =
		"{\"a\":0,\"b\":-0,\"c\":1.5,\"d\":-12.5e+10,\"e\":1E-2,"
		"\"f\":123456789012345678901234567890,\"g\":0.0e0,"
		"\"h\":[9,-1e5,7E+0]}";
	struct json_object obj;
	size_t k;

	(void)state;
	ACCEPT(body, &obj);
	assert_int_equal(obj.count, 8);
	for (k = 0; k < 7; k++)
		assert_int_equal(obj.members[k].type, JSON_NUMBER);
	member(&obj, 1, "b", JSON_NUMBER, 11);
	json_object_free(&obj);
}

static void test_number_leading_zero(void **state)
{
	(void)state;
	refuse_value("01", "invalid JSON at offset 5: invalid number");
	refuse_value("-01", "invalid JSON at offset 5: invalid number");
	refuse_value("00", "invalid JSON at offset 5: invalid number");
	refuse_value("00.5", "invalid JSON at offset 5: invalid number");
	REFUSE("{\"a\":[1,01]}", "invalid JSON at offset 8: invalid number");
}

static void test_number_hex(void **state)
{
	(void)state;
	refuse_value("0x1F", "invalid JSON at offset 5: invalid number");
	refuse_value("0X1", "invalid JSON at offset 5: invalid number");
	refuse_value("1F", "invalid JSON at offset 5: invalid number");
}

static void test_number_double_minus(void **state)
{
	(void)state;
	refuse_value("--1", "invalid JSON at offset 5: invalid number");
	refuse_value("-+1", "invalid JSON at offset 5: invalid number");
	refuse_value("1-1", "invalid JSON at offset 5: invalid number");
	refuse_value("- 1", "invalid JSON at offset 5: invalid number");
}

static void test_number_incomplete(void **state)
{
	static const char *const bad[] = {
		"-", "1.", "1.e3", "1e", "1e+", "1E-", "-.5", "2.e-3",
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof bad / sizeof bad[0]; k++)
		refuse_value(bad[k],
			     "invalid JSON at offset 5: invalid number");
	REFUSE("{\"a\":1.", "invalid JSON at offset 5: invalid number");
}

static void test_number_other_forms(void **state)
{
	static const char *const bad[] = {
		".5", "+1", "1.5.3", "1_000", "1eE2", "1e5x", "-Infinity",
		"1.0e+-2", "0.1.2",
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof bad / sizeof bad[0]; k++)
		refuse_value(bad[k],
			     "invalid JSON at offset 5: invalid number");
	/* A number with a byte jsmn refuses inside a primitive. */
	REFUSE("{\"a\":1\xc3\xa9}",
	       "invalid JSON at offset 6: expected ',' or '}'");
}

/* ---- strings ---- */

static void test_raw_control_characters(void **state)
{
	struct json_object obj;

	(void)state;
	REFUSE("{\"a\":\"x\ty\"}",
	       "invalid JSON at offset 7: control character in string");
	REFUSE("{\"a\":\"\n\"}",
	       "invalid JSON at offset 6: control character in string");
	REFUSE("{\"a\x01\":1}",
	       "invalid JSON at offset 3: control character in string");
	REFUSE("{\"a\":\"\x1f\"}",
	       "invalid JSON at offset 6: control character in string");
	REFUSE("{\"a\":[\"\r\"]}",
	       "invalid JSON at offset 7: control character in string");

	/* DEL is not a control character to JSON. */
	ACCEPT("{\"a\":\"\x7f\"}", &obj);
	string_member(&obj, 0, "a", 5, "\x7f", 1);
	json_object_free(&obj);
}

static void test_invalid_utf8(void **state)
{
	static const char *const bad[] = {
		"\x80",			/* lone continuation byte */
		"\xbf",
		"\xc0\xaf",		/* overlong '/' */
		"\xc1\xbf",		/* overlong DEL */
		"\xe0\x80\xaf",		/* overlong, three bytes */
		"\xe0\x9f\xbf",
		"\xf0\x80\x80\xaf",	/* overlong, four bytes */
		"\xf0\x8f\xbf\xbf",
		"\xed\xa0\x80",		/* U+D800 encoded */
		"\xed\xbf\xbf",		/* U+DFFF encoded */
		"\xf4\x90\x80\x80",	/* U+110000 */
		"\xf5\x80\x80\x80",
		"\xf8\x88\x80\x80\x80",
		"\xfe", "\xff",
		"\xc3",			/* cut short by the quote */
		"\xe2\x82",
		"\xf0\x9f\x98",
		"\xc3\x28",		/* not a continuation byte */
		"\xe2\x28\xa1",
	};
	char body[64];
	size_t k;

	(void)state;
	for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		snprintf(body, sizeof body, "{\"a\":\"%s\"}", bad[k]);
		refuse_str(body, "invalid UTF-8 at offset 6");
	}
	REFUSE("{\"a\":\"ok\xc3\"}", "invalid UTF-8 at offset 8");
	REFUSE("{\"\xff\":1}", "invalid UTF-8 at offset 2");
	REFUSE("{\"a\":[\"\xe0\x80\x80\"]}", "invalid UTF-8 at offset 7");
	/* Cut short by the end of the body. */
	REFUSE("{\"a\":\"\xe2\x82", "invalid UTF-8 at offset 6");
}

static void test_valid_utf8(void **state)
{
	struct json_object obj;

	(void)state;
	ACCEPT("{\"caf\xc3\xa9\":\"\xe2\x82\xac \xf0\x9f\x98\x80 "
	       "\xf4\x8f\xbf\xbf \xef\xbf\xbf \xed\x9f\xbf\"}", &obj);
	assert_int_equal(obj.count, 1);
	string_member(&obj, 0, "caf\xc3\xa9", 9,
		      "\xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf "
		      "\xef\xbf\xbf \xed\x9f\xbf", 21);
	json_object_free(&obj);
}

static void test_invalid_escapes(void **state)
{
	static const char *const bad[] = {
		"\\x41", "\\U0041", "\\'", "\\a", "\\0", "\\ ", "\\v",
		"\\u12G4", "\\u12\"", "\\u 123", "\\uXXXX", "\\u-123",
	};
	char body[64];
	size_t k;

	(void)state;
	for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		snprintf(body, sizeof body, "{\"a\":\"%s\"}", bad[k]);
		refuse_str(body, "invalid escape sequence at offset 6");
	}
	REFUSE("{\"\\q\":1}", "invalid escape sequence at offset 2");
	REFUSE("{\"a\":\"ok\\\\\\q\"}",
	       "invalid escape sequence at offset 10");
}

static void test_u0000_refused(void **state)
{
	struct json_object obj;

	(void)state;
	REFUSE("{\"a\":\"\\u0000\"}",
	       "\\u0000 is not allowed in strings (offset 6)");
	REFUSE("{\"a\":\"x\\u0000\"}",
	       "\\u0000 is not allowed in strings (offset 7)");
	REFUSE("{\"foo\\u0000bar\":42}",
	       "\\u0000 is not allowed in strings (offset 5)");
	REFUSE("{\"a\":[\"\\u0000\"]}",
	       "\\u0000 is not allowed in strings (offset 7)");

	/* Other escaped control characters are fine. */
	ACCEPT("{\"a\":\"\\u0001\\u001F\"}", &obj);
	string_member(&obj, 0, "a", 5, "\x01\x1f", 2);
	json_object_free(&obj);
}

static void test_lone_surrogates(void **state)
{
	(void)state;
	REFUSE("{\"a\":\"\\uD800\"}", "unpaired UTF-16 surrogate at offset 6");
	REFUSE("{\"a\":\"\\udbff\"}", "unpaired UTF-16 surrogate at offset 6");
	REFUSE("{\"a\":\"\\uDC00\"}", "unpaired UTF-16 surrogate at offset 6");
	REFUSE("{\"a\":\"\\uDFFF\"}", "unpaired UTF-16 surrogate at offset 6");
	REFUSE("{\"a\":\"x\\uDBFFy\"}",
	       "unpaired UTF-16 surrogate at offset 7");
	/* High then something other than a low surrogate escape. */
	REFUSE("{\"a\":\"\\uD800\\u0041\"}",
	       "unpaired UTF-16 surrogate at offset 6");
	REFUSE("{\"a\":\"\\uD800\\uD800\\uDC00\"}",
	       "unpaired UTF-16 surrogate at offset 6");
	REFUSE("{\"a\":\"\\uD800\\n\"}",
	       "unpaired UTF-16 surrogate at offset 6");
	REFUSE("{\"a\":\"\\uD800\\u12\"}",
	       "unpaired UTF-16 surrogate at offset 6");
	/* Low before high. */
	REFUSE("{\"a\":\"\\uDC00\\uD800\"}",
	       "unpaired UTF-16 surrogate at offset 6");
	/* A pair, then a second low half. */
	REFUSE("{\"a\":\"\\uD83D\\uDE00\\uDE00\"}",
	       "unpaired UTF-16 surrogate at offset 18");
	REFUSE("{\"\\uDE00\":1}", "unpaired UTF-16 surrogate at offset 2");
}

static void test_unterminated_string(void **state)
{
	(void)state;
	REFUSE("{\"a\":\"abc",
	       "invalid JSON at offset 9: unterminated string");
	REFUSE("{\"a", "invalid JSON at offset 3: unterminated string");
	REFUSE("{\"a\":\"\\", "invalid JSON at offset 7: unterminated string");
	REFUSE("{\"a\":\"\\u12",
	       "invalid JSON at offset 10: unterminated string");
	REFUSE("{\"a\":\"\\\"}",
	       "invalid JSON at offset 9: unterminated string");
}

/* ---- decoding ---- */

static void test_key_escapes_decoded(void **state)
{
	struct json_object obj;

	(void)state;
	ACCEPT("{\"employee\\u005fname\":\"x\",\"a\\/b\":1,"
	       "\"q\\\"\\\\\":2,\"\\u00e9\":3}", &obj);
	assert_int_equal(obj.count, 4);
	string_member(&obj, 0, "employee_name", 22, "x", 1);
	member(&obj, 1, "a/b", JSON_NUMBER, 33);
	member(&obj, 2, "q\"\\", JSON_NUMBER, 43);
	member(&obj, 3, "\xc3\xa9", JSON_NUMBER, 54);
	json_object_free(&obj);
}

static void test_value_escapes_decoded(void **state)
{
	struct json_object obj;

	(void)state;
	ACCEPT("{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t|\\u00e9\\u20AC\\u0041"
	       "\\u07ff\\uFFFF\"}", &obj);
	string_member(&obj, 0, "s", 5,
		      "\"\\/\b\f\n\r\t|\xc3\xa9\xe2\x82\xac" "A"
		      "\xdf\xbf\xef\xbf\xbf", 20);
	json_object_free(&obj);
}

static void test_surrogate_pairs_decoded(void **state)
{
	struct json_object obj;

	(void)state;
	ACCEPT("{\"a\":\"\\uD83D\\uDE00\",\"b\":\"\\ud800\\udc00\","
	       "\"c\":\"x\\uDBFF\\uDFFFy\",\"\\uD83D\\uDE00\":0}", &obj);
	assert_int_equal(obj.count, 4);
	string_member(&obj, 0, "a", 5, "\xf0\x9f\x98\x80", 4);
	string_member(&obj, 1, "b", 24, "\xf0\x90\x80\x80", 4);
	string_member(&obj, 2, "c", 43, "x\xf4\x8f\xbf\xbfy", 6);
	member(&obj, 3, "\xf0\x9f\x98\x80", JSON_NUMBER, 75);
	json_object_free(&obj);
}

static void test_empty_strings(void **state)
{
	struct json_object obj;

	(void)state;
	ACCEPT("{\"\":\"\"}", &obj);
	string_member(&obj, 0, "", 4, "", 0);
	json_object_free(&obj);
}

static void test_duplicate_keys_kept(void **state)
{
	struct json_object obj;

	(void)state;
	/* RFC 8259 allows them; the caller decides what they mean. */
	ACCEPT("{\"a\":\"b\",\"a\":\"c\"}", &obj);
	assert_int_equal(obj.count, 2);
	string_member(&obj, 0, "a", 5, "b", 1);
	string_member(&obj, 1, "a", 13, "c", 1);
	json_object_free(&obj);
}

/* ---- nested values ---- */

static void test_nested_values_validated(void **state)
{
	(void)state;
	REFUSE("{\"a\":{\"b\":[1,{\"c\":tru}]}}",
	       "invalid JSON at offset 18: invalid literal");
	REFUSE("{\"a\":[{\"b\":\"\x01\"}]}",
	       "invalid JSON at offset 12: control character in string");
	REFUSE("{\"a\":{\"b\" 1}}", "invalid JSON at offset 10: expected ':'");
	REFUSE("{\"a\":[[1,]]}", "invalid JSON at offset 8: trailing comma");
	REFUSE("{\"a\":[{\"\\x\":1}]}",
	       "invalid escape sequence at offset 8");
	REFUSE("{\"a\":{\"b\":\"\\uDC00\"}}",
	       "unpaired UTF-16 surrogate at offset 11");
	REFUSE("{\"a\":[\"\xc0\x80\"]}", "invalid UTF-8 at offset 7");
	REFUSE("{\"a\":{\"b\":01}}",
	       "invalid JSON at offset 10: invalid number");
}

static void test_nested_values_not_decoded(void **state)
{
	struct json_object obj;

	(void)state;
	ACCEPT("{\"o\":{\"k\":\"v\\u0041\"},\"a\":[\"x\",{}],\"s\":\"t\"}",
	       &obj);
	assert_int_equal(obj.count, 3);
	member(&obj, 0, "o", JSON_OBJECT, 5);
	member(&obj, 1, "a", JSON_ARRAY, 25);
	string_member(&obj, 2, "s", 38, "t", 1);
	json_object_free(&obj);
}

/* ---- limits ---- */

/* {"a": then depth-1 containers of one kind, closed again. */
static char *nested_body(size_t depth, char open, char close)
{
	size_t inner = depth - 1, k, n = 0;
	char *body = malloc(8 + 8 * inner);

	assert_non_null(body);
	n += (size_t)sprintf(body, "{\"a\":");
	for (k = 0; k < inner; k++)
		n += (size_t)sprintf(body + n, open == '{' ? "{\"a\":" : "[");
	body[n++] = '1';
	for (k = 0; k < inner; k++)
		body[n++] = close;
	body[n++] = '}';
	body[n] = '\0';
	return body;
}

static void test_depth_limit(void **state)
{
	struct json_object obj;
	char *body;

	(void)state;
	body = nested_body(JSON_MAX_DEPTH, '[', ']');
	accept_n(body, strlen(body), &obj);
	member(&obj, 0, "a", JSON_ARRAY, 5);
	json_object_free(&obj);
	free(body);

	body = nested_body(JSON_MAX_DEPTH + 1, '[', ']');
	refuse_str(body, TOO_DEEP_MSG);
	free(body);

	body = nested_body(JSON_MAX_DEPTH, '{', '}');
	accept_n(body, strlen(body), &obj);
	json_object_free(&obj);
	free(body);

	body = nested_body(JSON_MAX_DEPTH + 1, '{', '}');
	refuse_str(body, TOO_DEEP_MSG);
	free(body);

	body = nested_body(100000, '[', ']');
	refuse_str(body, TOO_DEEP_MSG);
	free(body);
}

static void test_depth_limit_in_byte_order(void **state)
{
	char *body = nested_body(40, '[', ']');
	char *early = malloc(strlen(body) + 8);

	(void)state;
	assert_non_null(early);
	/* A fault before the deep part is reported first... */
	sprintf(early, "{\"b\" 1,%s", body + 1);
	refuse_str(early, "invalid JSON at offset 5: expected ':'");
	/* ...and one after it is never reached. */
	body[strlen(body) - 1] = ',';
	refuse_str(body, TOO_DEEP_MSG);
	free(early);
	free(body);
}

/* {"a":[1,1,...]} with n numbers: n + 3 values. */
static char *array_body(size_t n, const char *before, const char *after)
{
	size_t k, len = 0;
	char *body = malloc(strlen(before) + strlen(after) + 2 * n + 16);

	assert_non_null(body);
	len += (size_t)sprintf(body, "{%s\"a\":[", before);
	for (k = 0; k < n; k++)
		len += (size_t)sprintf(body + len, k ? ",1" : "1");
	sprintf(body + len, "]%s}", after);
	return body;
}

static void test_token_limit(void **state)
{
	struct json_object obj;
	char *body;

	(void)state;
	body = array_body(JSON_MAX_TOKENS - 3, "", "");
	accept_n(body, strlen(body), &obj);
	assert_int_equal(obj.count, 1);
	json_object_free(&obj);
	free(body);

	body = array_body(JSON_MAX_TOKENS - 2, "", "");
	refuse_str(body, TOO_MANY_MSG);
	free(body);

	body = array_body(100000, "", "");
	refuse_str(body, TOO_MANY_MSG);
	free(body);
}

static void test_token_limit_flat_object(void **state)
{
	struct json_object obj;
	char *body = malloc(16 * 300);
	size_t n, k, len;

	(void)state;
	assert_non_null(body);
	for (n = 255; n <= 256; n++) {
		len = (size_t)sprintf(body, "{");
		for (k = 0; k < n; k++)
			len += (size_t)sprintf(body + len, "%s\"k%zu\":%zu",
					       k ? "," : "", k, k);
		sprintf(body + len, "}");
		if (n == 256) {
			refuse_str(body, TOO_MANY_MSG);
			continue;
		}
		accept_n(body, strlen(body), &obj);
		assert_int_equal(obj.count, 255);
		assert_string_equal(obj.members[254].key, "k254");
		json_object_free(&obj);
	}
	free(body);
}

static void test_token_limit_in_byte_order(void **state)
{
	char *body;

	(void)state;
	/* A fault before the 513th value is reported first... */
	body = array_body(1000, "\"b\" 1,", "");
	refuse_str(body, "invalid JSON at offset 5: expected ':'");
	free(body);
	/* ...and one after it is never reached. */
	body = array_body(1000, "", ",\"c\":tru");
	refuse_str(body, TOO_MANY_MSG);
	free(body);
}

static void test_body_too_long(void **state)
{
	static const char body[] = "{}";
	struct json_object obj;
	char err[128];

	(void)state;
	/* Refused from the length alone, before a byte is read. */
	assert_int_equal(json_parse_object(body, (size_t)INT_MAX + 1, &obj,
					   err, sizeof err), -1);
	assert_string_equal(err, "invalid JSON at offset 2147483647: body "
				 "too long");
	assert_int_equal(obj.count, 0);
}

/* ---- the order of faults and the error buffer ---- */

static void test_first_fault_in_byte_order(void **state)
{
	(void)state;
	REFUSE("{\"a\":\"\\q\" \"b\"}", "invalid escape sequence at offset 6");
	REFUSE("{\"a\" 1,\"b\":\"\\q\"}",
	       "invalid JSON at offset 5: expected ':'");
	REFUSE("{\"a\":\"\xff\",\"b\" 2}", "invalid UTF-8 at offset 6");
	REFUSE("{\"a\":1,\"b\":\"\\uD800\"}x",
	       "unpaired UTF-16 surrogate at offset 12");
	REFUSE("[\"\\u0000\"] x", "\\u0000 is not allowed in strings "
				  "(offset 2)");
}

static void test_error_never_echoes_body(void **state)
{
	static const char *const bodies[] = {
		"{\"SECRET\" 1}", "{\"a\":SECRET}", "{\"a\":\"SECRET\\q\"}",
		"SECRET", "{\"a\":1} SECRET", "[\"SECRET\"]",
		"{\"a\":\"SECRET\xff\"}", "{\"a\":\"SECRET",
	};
	struct json_object obj;
	char err[256];
	size_t k;

	(void)state;
	for (k = 0; k < sizeof bodies / sizeof bodies[0]; k++) {
		assert_int_equal(parse_copy(bodies[k], strlen(bodies[k]),
					    &obj, err, sizeof err), -1);
		assert_null(strstr(err, "SECRET"));
		assert_null(strchr(err, '\n'));
		assert_true(strlen(err) > 0);
	}
}

static void test_error_buffer(void **state)
{
	struct json_object obj;
	char err[10];

	(void)state;
	/* No buffer at all. */
	assert_int_equal(json_parse_object("{", 1, &obj, NULL, 0), -1);
	/* A short one gets a truncated, terminated message. */
	memset(err, 'x', sizeof err);
	assert_int_equal(json_parse_object("{", 1, &obj, err, sizeof err), -1);
	assert_string_equal(err, "invalid J");
	/* Success leaves it empty. */
	memset(err, 'x', sizeof err);
	assert_int_equal(json_parse_object("{}", 2, &obj, err, sizeof err), 0);
	assert_string_equal(err, "");
	json_object_free(&obj);
}

static void test_object_free(void **state)
{
	struct json_object obj;

	(void)state;
	ACCEPT("{\"a\":\"b\"}", &obj);
	json_object_free(&obj);
	assert_null(obj.members);
	assert_null(obj.arena);
	assert_int_equal(obj.count, 0);
	json_object_free(&obj);
	json_object_free(NULL);
}

/* ---- json_utf8_decode ---- */

static void test_utf8_decode_valid(void **state)
{
	static const struct {
		const char *s;
		int len;
		uint32_t cp;
	} good[] = {
		{ "\x00", 1, 0x00 },
		{ "A", 1, 0x41 },
		{ "\x7f", 1, 0x7F },
		{ "\xc2\x80", 2, 0x80 },
		{ "\xc3\xa9", 2, 0xE9 },
		{ "\xdf\xbf", 2, 0x7FF },
		{ "\xe0\xa0\x80", 3, 0x800 },
		{ "\xe2\x80\xa8", 3, 0x2028 },
		{ "\xed\x9f\xbf", 3, 0xD7FF },
		{ "\xee\x80\x80", 3, 0xE000 },
		{ "\xef\xbf\xbf", 3, 0xFFFF },
		{ "\xf0\x90\x80\x80", 4, 0x10000 },
		{ "\xf0\x9f\x98\x80", 4, 0x1F600 },
		{ "\xf4\x8f\xbf\xbf", 4, 0x10FFFF },
	};
	uint32_t cp;
	size_t k, n;

	(void)state;
	for (k = 0; k < sizeof good / sizeof good[0]; k++) {
		n = (size_t)good[k].len;
		cp = 0xFFFFFFFF;
		assert_int_equal(json_utf8_decode(good[k].s, n, &cp),
				 good[k].len);
		assert_int_equal(cp, good[k].cp);
		/* Bytes after the sequence are not its business. */
		assert_int_equal(json_utf8_decode(good[k].s, n + 1, &cp),
				 good[k].len);
	}
}

static void test_utf8_decode_invalid(void **state)
{
	static const char *const bad[] = {
		"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80",
		"\xe0\x9f\xbf", "\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf",
		"\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80",
		"\xf5\x80\x80\x80", "\xf7\xbf\xbf\xbf", "\xf8\x88\x80\x80",
		"\xfc\x84\x80\x80", "\xfe", "\xff", "\xc3\x28", "\xc3\xc3",
		"\xe2\x28\xa1", "\xe2\x82\x28", "\xf0\x9f\x98\x28",
	};
	uint32_t cp;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof bad / sizeof bad[0]; k++)
		assert_int_equal(json_utf8_decode(bad[k], strlen(bad[k]), &cp),
				 -1);
}

static void test_utf8_decode_short_input(void **state)
{
	uint32_t cp;

	(void)state;
	assert_int_equal(json_utf8_decode("A", 0, &cp), -1);
	assert_int_equal(json_utf8_decode("\xc3\xa9", 1, &cp), -1);
	assert_int_equal(json_utf8_decode("\xe2\x82\xac", 2, &cp), -1);
	assert_int_equal(json_utf8_decode("\xf0\x9f\x98\x80", 3, &cp), -1);
}

/* ---- the writer ---- */

/* Write s[0..n) with json_out_string into a roomy buffer and compare. */
static void out_string_is(const char *s, size_t n, const char *want)
{
	char buf[256];
	struct json_out o;

	json_out_init(&o, buf, sizeof buf);
	json_out_string(&o, s, n);
	assert_false(o.overflow);
	assert_int_equal(o.len, strlen(want));
	assert_memory_equal(buf, want, o.len);
}

#define OUT_STRING_IS(lit, want) out_string_is(lit, sizeof(lit) - 1, want)

static void test_out_string_plain(void **state)
{
	(void)state;
	OUT_STRING_IS("", "\"\"");
	OUT_STRING_IS("hello", "\"hello\"");
	OUT_STRING_IS("a/b <c> 'd'", "\"a/b <c> 'd'\"");
}

static void test_out_string_quotes_and_backslashes(void **state)
{
	(void)state;
	OUT_STRING_IS("a\"b\\c", "\"a\\\"b\\\\c\"");
	OUT_STRING_IS("\"\"\\\\", "\"\\\"\\\"\\\\\\\\\"");
}

static void test_out_string_short_escapes(void **state)
{
	(void)state;
	OUT_STRING_IS("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
	OUT_STRING_IS("line 1\nline 2", "\"line 1\\nline 2\"");
}

static void test_out_string_other_controls(void **state)
{
	(void)state;
	OUT_STRING_IS("\x01", "\"\\u0001\"");
	OUT_STRING_IS("\x1b[0m", "\"\\u001b[0m\"");
	OUT_STRING_IS("\x1f\x0b", "\"\\u001f\\u000b\"");
	OUT_STRING_IS("\x7f", "\"\\u007f\"");
	OUT_STRING_IS("a\0b", "\"a\\u0000b\"");
}

static void test_out_string_line_separators(void **state)
{
	(void)state;
	OUT_STRING_IS("a\xe2\x80\xa8" "b", "\"a\\u2028b\"");
	OUT_STRING_IS("\xe2\x80\xa9", "\"\\u2029\"");
	/* Their neighbours and the rest of UTF-8 pass through as bytes. */
	OUT_STRING_IS("\xe2\x80\xa7\xe2\x80\xaa",
		      "\"\xe2\x80\xa7\xe2\x80\xaa\"");
	OUT_STRING_IS("caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac",
		      "\"caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac\"");
	/* A separator cut short at the end is not one. */
	OUT_STRING_IS("\xe2\x80", "\"\xe2\x80\"");
}

static void test_out_uint(void **state)
{
	static const struct {
		uint64_t v;
		const char *want;
	} cases[] = {
		{ 0, "0" }, { 7, "7" }, { 42, "42" }, { 1000, "1000" },
		{ UINT64_MAX, "18446744073709551615" },
	};
	char buf[32];
	struct json_out o;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		json_out_init(&o, buf, sizeof buf);
		json_out_uint(&o, cases[k].v);
		assert_false(o.overflow);
		assert_int_equal(o.len, strlen(cases[k].want));
		assert_memory_equal(buf, cases[k].want, o.len);
	}
}

static void test_out_sequence(void **state)
{
	static const char want[] = "{\"id\":12,\"name\":\"A \\\"B\\\"\"}";
	char buf[64];
	struct json_out o;

	(void)state;
	json_out_init(&o, buf, sizeof buf);
	json_out_raw(&o, "{\"id\":", 6);
	json_out_uint(&o, 12);
	json_out_raw(&o, ",\"name\":", 8);
	json_out_string(&o, "A \"B\"", 5);
	json_out_raw(&o, "}", 1);
	assert_false(o.overflow);
	assert_int_equal(o.len, sizeof want - 1);
	assert_memory_equal(buf, want, o.len);
}

#define GUARD 32
#define GUARD_BYTE 0xA5

static void guard_intact(const char *buf, size_t cap)
{
	size_t k;

	for (k = cap; k < cap + GUARD; k++)
		assert_int_equal((unsigned char)buf[k], GUARD_BYTE);
}

static void test_out_overflow_never_overruns(void **state)
{
	static const char s[] = "ab\"\\\n\x01\x7f\xe2\x80\xa8\xc3\xa9z";
	char full[128], buf[128 + GUARD];
	struct json_out o;
	size_t cap, want;

	(void)state;
	json_out_init(&o, full, sizeof full);
	json_out_string(&o, s, sizeof s - 1);
	want = o.len;

	for (cap = 0; cap <= want + 1; cap++) {
		memset(buf, GUARD_BYTE, sizeof buf);
		json_out_init(&o, buf, cap);
		json_out_string(&o, s, sizeof s - 1);
		guard_intact(buf, cap);
		assert_true(o.len <= cap);
		if (cap >= want) {
			assert_false(o.overflow);
			assert_memory_equal(buf, full, want);
			continue;
		}
		/* Nothing of a string that does not fit counts as written. */
		assert_true(o.overflow);
		assert_int_equal(o.len, 0);
	}
}

static void test_out_overflow_is_sticky(void **state)
{
	char buf[4 + GUARD];
	struct json_out o;

	(void)state;
	memset(buf, GUARD_BYTE, sizeof buf);
	json_out_init(&o, buf, 4);
	json_out_raw(&o, "ab", 2);
	assert_false(o.overflow);

	json_out_string(&o, "xyz", 3);
	assert_true(o.overflow);
	assert_int_equal(o.len, 2);

	/* Once set, nothing more is written even where it would fit. */
	json_out_raw(&o, "c", 1);
	json_out_uint(&o, 1);
	json_out_string(&o, "", 0);
	assert_true(o.overflow);
	assert_int_equal(o.len, 2);
	assert_memory_equal(buf, "ab", 2);
	guard_intact(buf, 4);
}

static void test_out_uint_and_raw_overflow(void **state)
{
	char buf[3 + GUARD];
	struct json_out o;

	(void)state;
	memset(buf, GUARD_BYTE, sizeof buf);
	json_out_init(&o, buf, 3);
	json_out_uint(&o, 1234);
	assert_true(o.overflow);
	assert_int_equal(o.len, 0);
	guard_intact(buf, 3);

	json_out_init(&o, buf, 3);
	json_out_raw(&o, "abcd", 4);
	assert_true(o.overflow);
	assert_int_equal(o.len, 0);
	guard_intact(buf, 3);

	json_out_init(&o, NULL, 0);
	json_out_raw(&o, "", 0);
	assert_false(o.overflow);
	json_out_uint(&o, 0);
	assert_true(o.overflow);
}

static void test_round_trip(void **state)
{
	static const char *const texts[] = {
		"", "plain", "quote \" backslash \\ slash /",
		"\n\r\t\b\f\x01\x1f\x7f", "caf\xc3\xa9 \xf0\x9f\x98\x80",
		"sep \xe2\x80\xa8 and \xe2\x80\xa9 end",
	};
	struct json_object obj;
	struct json_out o;
	char buf[256], err[128];
	size_t k;

	(void)state;
	for (k = 0; k < sizeof texts / sizeof texts[0]; k++) {
		json_out_init(&o, buf, sizeof buf);
		json_out_raw(&o, "{\"k\":", 5);
		json_out_string(&o, texts[k], strlen(texts[k]));
		json_out_raw(&o, "}", 1);
		assert_false(o.overflow);
		assert_null(memchr(buf, '\n', o.len));

		assert_int_equal(parse_copy(buf, o.len, &obj, err, sizeof err),
				 0);
		string_member(&obj, 0, "k", 5, texts[k], strlen(texts[k]));
		json_object_free(&obj);
	}
}

/* ---- JSONTestSuite ---- */

/* Files named y_ whose top value is an object, refused on purpose. */
static const struct {
	const char *name;
	const char *msg;
} corpus_refused[] = {
	{ "y_object_escaped_null_in_key.json",
	  "\\u0000 is not allowed in strings (offset 5)" },
};

static char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size >= 0);
	rewind(f);
	buf = malloc(size > 0 ? (size_t)size : 1);
	assert_non_null(buf);
	*len = fread(buf, 1, (size_t)size, f);
	assert_int_equal(*len, (size_t)size);
	fclose(f);
	return buf;
}

static int starts_with_object(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && strchr(" \t\r\n", s[i]) && s[i] != '\0')
		i++;
	return i < len && s[i] == '{';
}

static const char *refused_on_purpose(const char *name)
{
	size_t k;

	for (k = 0; k < sizeof corpus_refused / sizeof corpus_refused[0]; k++)
		if (strcmp(name, corpus_refused[k].name) == 0)
			return corpus_refused[k].msg;
	return NULL;
}

/* Check one corpus file; returns 1 when it was a y_ object. */
static int corpus_file(const char *dir, const char *name)
{
	char path[4096], err[256];
	struct json_object obj;
	const char *msg = refused_on_purpose(name);
	size_t len;
	char *body;
	int rc, object;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	body = read_whole(path, &len);
	rc = json_parse_object(body, len, &obj, err, sizeof err);
	object = name[0] == 'y' && starts_with_object(body, len);
	free(body);

	if (rc == 0)
		json_object_free(&obj);
	else
		assert_null(strchr(err, '\n'));
	if (name[0] == 'n' && rc != -1)
		fail_msg("%s: accepted", name);
	if (object && msg && (rc != -1 || strcmp(err, msg) != 0))
		fail_msg("%s: %s", name, rc == 0 ? "accepted" : err);
	if (object && !msg && rc != 0)
		fail_msg("%s: refused: %s", name, err);
	return object;
}

static void test_json_test_suite(void **state)
{
	const char *dir = getenv("ASSETD_JSON_CORPUS");
	struct dirent *e;
	size_t files = 0, objects = 0;
	DIR *d;

	(void)state;
	if (!dir || !*dir) {
		print_message("ASSETD_JSON_CORPUS is unset; skipping\n");
		skip();
	}
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s: %s", dir, strerror(errno));

	while ((e = readdir(d)) != NULL) {
		if (strlen(e->d_name) < 3 || e->d_name[1] != '_' ||
		    !strchr("yni", e->d_name[0]))
			continue;
		objects += (size_t)corpus_file(dir, e->d_name);
		files++;
	}
	closedir(d);
	print_message("%zu corpus files, %zu y_ objects\n", files, objects);
	assert_true(files > 0);
	assert_true(objects > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_body),
		cmocka_unit_test(test_blank_body),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_invalid_non_object),
		cmocka_unit_test(test_empty_object),
		cmocka_unit_test(test_members_of_each_type),
		cmocka_unit_test(test_white_space_everywhere),
		cmocka_unit_test(test_missing_colon),
		cmocka_unit_test(test_missing_comma),
		cmocka_unit_test(test_trailing_comma),
		cmocka_unit_test(test_leading_comma),
		cmocka_unit_test(test_repeated_punctuation),
		cmocka_unit_test(test_two_top_level_values),
		cmocka_unit_test(test_unexpected_data_after_object),
		cmocka_unit_test(test_unclosed_containers),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_fault_before_nul_byte),
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_bad_literals),
		cmocka_unit_test(test_bare_words),
		cmocka_unit_test(test_non_string_keys),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_number_leading_zero),
		cmocka_unit_test(test_number_hex),
		cmocka_unit_test(test_number_double_minus),
		cmocka_unit_test(test_number_incomplete),
		cmocka_unit_test(test_number_other_forms),
		cmocka_unit_test(test_raw_control_characters),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_valid_utf8),
		cmocka_unit_test(test_invalid_escapes),
		cmocka_unit_test(test_u0000_refused),
		cmocka_unit_test(test_lone_surrogates),
		cmocka_unit_test(test_unterminated_string),
		cmocka_unit_test(test_key_escapes_decoded),
		cmocka_unit_test(test_value_escapes_decoded),
		cmocka_unit_test(test_surrogate_pairs_decoded),
		cmocka_unit_test(test_empty_strings),
		cmocka_unit_test(test_duplicate_keys_kept),
		cmocka_unit_test(test_nested_values_validated),
		cmocka_unit_test(test_nested_values_not_decoded),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_depth_limit_in_byte_order),
		cmocka_unit_test(test_token_limit),
		cmocka_unit_test(test_token_limit_flat_object),
		cmocka_unit_test(test_token_limit_in_byte_order),
		cmocka_unit_test(test_body_too_long),
		cmocka_unit_test(test_first_fault_in_byte_order),
		cmocka_unit_test(test_error_never_echoes_body),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_object_free),
		cmocka_unit_test(test_utf8_decode_valid),
		cmocka_unit_test(test_utf8_decode_invalid),
		cmocka_unit_test(test_utf8_decode_short_input),
		cmocka_unit_test(test_out_string_plain),
		cmocka_unit_test(test_out_string_quotes_and_backslashes),
		cmocka_unit_test(test_out_string_short_escapes),
		cmocka_unit_test(test_out_string_other_controls),
		cmocka_unit_test(test_out_string_line_separators),
		cmocka_unit_test(test_out_uint),
		cmocka_unit_test(test_out_sequence),
		cmocka_unit_test(test_out_overflow_never_overruns),
		cmocka_unit_test(test_out_overflow_is_sticky),
		cmocka_unit_test(test_out_uint_and_raw_overflow),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_json_test_suite),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * json: strict JSON in, compact JSON out.
 *
 * In: json_parse_object() takes a request body and accepts it only when it
 * is exactly one JSON object as RFC 8259 defines it. jsmn finds the tokens;
 * this module checks the grammar jsmn lets through (punctuation between
 * tokens, literals, numbers, escapes, UTF-8) and decodes the top-level keys
 * and string values. Nested values are checked but not decoded.
 *
 * Out: json_out_* append compact JSON to a caller's fixed buffer. Text is
 * written as UTF-8 (never \u escapes for printable characters), so grep
 * finds it; control characters, quotes and backslashes are escaped, so a
 * value never breaks a line.
 */
#ifndef ASSETD_JSON_H
#define ASSETD_JSON_H

#include <stddef.h>
#include <stdint.h>

/* Limit: at most this many jsmn tokens in a body, because jsmn's parse time
 * grows with the square of the token count on flat objects. */
#define JSON_MAX_TOKENS 512

/* Limit: containers may nest this deep; the grammar check recurses. */
#define JSON_MAX_DEPTH 32

enum json_type {
	JSON_STRING,
	JSON_NUMBER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL,
	JSON_OBJECT,
	JSON_ARRAY
};

/* One member of the top-level object. key and str are decoded UTF-8,
 * NUL-terminated, and never hold a NUL byte (\u0000 is refused). */
struct json_member {
	const char *key;
	size_t key_len;
	enum json_type type;
	const char *str; /* JSON_STRING only, else NULL */
	size_t str_len;
	size_t offset; /* byte offset of the value in the body */
};

struct json_object {
	struct json_member *members; /* in document order; NULL for {} */
	size_t count;
	char *arena; /* owns the decoded text and the members array */
};

/*
 * Parse body[0..len) as exactly one JSON object with nothing but white
 * space around it. On success returns 0 and fills obj; the caller frees it
 * with json_object_free(). On failure returns -1, leaves obj empty, and
 * writes a one-line message for the client into err (never the body's
 * content, only positions and kinds of fault).
 *
 * errno tells the two failures apart: EINVAL when the body is refused
 * (a 400 for the client), ENOMEM when the decoded text could not be
 * allocated (a server fault). On success err holds "". docs/JSON.md lists
 * every message. jsmn's token array (about 20 KiB) is allocated for the
 * call, not taken from the stack.
 */
int json_parse_object(const char *body, size_t len, struct json_object *obj,
		      char *err, size_t errlen);

void json_object_free(struct json_object *obj);

/*
 * Decode one UTF-8 sequence at s[0..n). Returns its length (1-4) and
 * stores the code point, or -1 when the bytes are not well-formed UTF-8
 * (overlong forms, surrogates and values past U+10FFFF included).
 */
int json_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* A growing JSON text in a caller's fixed buffer. When a write does not
 * fit, overflow is set and stays set; len never passes cap. Each call
 * writes all of its bytes or none, so buf[0..len) always ends between
 * whole calls; after an overflow no call writes anything. buf is not
 * NUL-terminated. */
struct json_out {
	char *buf;
	size_t len;
	size_t cap;
	int overflow;
};

void json_out_init(struct json_out *o, char *buf, size_t cap);
void json_out_raw(struct json_out *o, const char *s, size_t n);
/* Writes "s" with ", \ and control characters escaped (\n \r \t \b \f,
 * else \u00xx, DEL too) and U+2028/U+2029 as \u2028/\u2029; every other
 * byte as it is. s[0..n) must be valid UTF-8 (as json_parse_object
 * produces); other bytes pass through unchecked. */
void json_out_string(struct json_out *o, const char *s, size_t n);
void json_out_uint(struct json_out *o, uint64_t v);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * json: a strict JSON object parser around jsmn, and a compact writer.
 *
 * json_parse_object() works in three steps over body[0..len):
 *
 *   1. jsmn cuts the body into at most JSON_MAX_TOKENS tokens (strict
 *      mode, parent links). jsmn lets through much that is not JSON
 *      (docs/JSON.md lists it), so its tokens are trusted only as far as
 *      step 2 agrees with them.
 *   2. A grammar walk reads the bytes in order, by recursive descent:
 *      the punctuation between values, the spelling of numbers and
 *      literals, string escapes, UTF-8 and control characters. Each value
 *      it meets must be jsmn's next token, with the same type and start
 *      offset, and each container must end at the offset jsmn gives; the
 *      tokens' size fields are never read. The walk stops at the first
 *      fault in byte order and reports it with its offset.
 *   3. The top-level keys and string values are decoded into one
 *      allocation that holds the members array and then the text.
 *
 * Invariants: an accepted body is exactly one RFC 8259 object with only
 * JSON white space around it, holds no NUL byte, and all its strings are
 * well-formed UTF-8 without \u0000 or unpaired surrogates. An error
 * message names offsets and kinds of fault, never the body's content.
 *
 * json_out_* append to a caller's fixed buffer. A call writes all of its
 * bytes or none of them; when they do not fit, overflow is set and every
 * later call writes nothing.
 *
 * Limits: JSON_MAX_TOKENS values, JSON_MAX_DEPTH levels (json.h), and a
 * body shorter than INT_MAX bytes, because jsmn's offsets are ints.
 */
#include "json.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "hex.h"

/* Each member takes two tokens at least: its key and its value. */
#define JSON_MAX_MEMBERS (JSON_MAX_TOKENS / 2)

enum fault {
	FAULT_NONE,
	FAULT_EMPTY,
	FAULT_NOT_OBJECT,
	FAULT_GRAMMAR,
	FAULT_TRAILING,
	FAULT_NUL,
	FAULT_UTF8,
	FAULT_ESCAPE,
	FAULT_SURROGATE,
	FAULT_U0000,
	FAULT_TOO_MANY,
	FAULT_TOO_DEEP
};

/* The whole set of reasons after "invalid JSON at offset N: ". */
enum reason {
	R_VALUE,
	R_KEY,
	R_COLON,
	R_OBJECT_NEXT,
	R_ARRAY_NEXT,
	R_TRAILING_COMMA,
	R_NUMBER,
	R_LITERAL,
	R_UNTERMINATED,
	R_CONTROL,
	R_AFTER_VALUE,
	R_TOO_LONG,
	R_TOKENS
};

static const char *const reason_text[] = {
	[R_VALUE] = "expected a value",
	[R_KEY] = "expected a string key",
	[R_COLON] = "expected ':'",
	[R_OBJECT_NEXT] = "expected ',' or '}'",
	[R_ARRAY_NEXT] = "expected ',' or ']'",
	[R_TRAILING_COMMA] = "trailing comma",
	[R_NUMBER] = "invalid number",
	[R_LITERAL] = "invalid literal",
	[R_UNTERMINATED] = "unterminated string",
	[R_CONTROL] = "control character in string",
	[R_AFTER_VALUE] = "unexpected data after the value",
	[R_TOO_LONG] = "body too long",
	/* Not reached unless jsmn and the walk disagree on valid JSON. */
	[R_TOKENS] = "tokenizer disagrees with the grammar",
};

/* One top-level member as raw offsets into the body. */
struct span {
	size_t key;		/* first byte inside the key's quotes */
	size_t key_end;		/* the key's closing quote */
	enum json_type type;
	size_t value;		/* first byte of the value */
	size_t value_end;	/* one past the value's last byte */
};

/* The state of one grammar walk over s[0..n). */
struct walk {
	const char *s;
	size_t n;		/* bytes before the first NUL, or len */
	size_t len;		/* the whole body */
	size_t pos;		/* the next byte to read */
	unsigned depth;		/* containers open around pos */

	const jsmntok_t *tok;
	size_t ntok;		/* tokens jsmn filled in */
	size_t ti;		/* jsmn's token for the next value */
	int jsmn_rc;
	size_t nvalues;		/* values and keys met so far */

	struct span *members;	/* the top-level object's members */
	size_t count;
	size_t text_bytes;	/* arena bytes the decoded text needs */

	enum fault fault;
	enum reason reason;
	size_t at;		/* offset of the fault */
};

static int walk_value(struct walk *w, enum json_type *type);

/* Record a fault; a fault at the end of a body cut short by a NUL byte is
 * that NUL byte. Returns -1 for the caller to pass on. */
static int fail(struct walk *w, enum fault f, size_t at)
{
	if (at >= w->n && w->n < w->len) {
		f = FAULT_NUL;
		at = w->n;
	}
	w->fault = f;
	w->at = at;
	return -1;
}

static int fail_grammar(struct walk *w, size_t at, enum reason r)
{
	w->reason = r;
	return fail(w, FAULT_GRAMMAR, at);
}

static int is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Bytes that continue a number or a literal: anything else ends one. */
static int is_word(int c)
{
	return is_alpha(c) || is_digit(c) || c == '.' || c == '+' ||
	       c == '-' || c == '_';
}

/* The byte at i as 0..255, or -1 past the end. */
static int byte_at(const struct walk *w, size_t i)
{
	return i < w->n ? (unsigned char)w->s[i] : -1;
}

static int peek(const struct walk *w)
{
	return byte_at(w, w->pos);
}

static void skip_ws(struct walk *w)
{
	while (w->pos < w->n && is_ws((unsigned char)w->s[w->pos]))
		w->pos++;
}

/*
 * Count a value (or key) starting at byte start and match it with jsmn's
 * next token. Returns the token's index; -1 when jsmn stopped before this
 * value (the walk goes on alone and finds what stopped jsmn); -2 after
 * recording a fault.
 */
static long match_token(struct walk *w, jsmntype_t type, size_t start)
{
	const jsmntok_t *t;
	int same;

	/* Limit: JSON_MAX_TOKENS (json.h), counted the way jsmn counts
	 * tokens, so the cap holds where jsmn stopped early too. */
	w->nvalues++;
	if (w->nvalues > JSON_MAX_TOKENS) {
		fail(w, FAULT_TOO_MANY, start);
		return -2;
	}

	if (w->ti >= w->ntok)
		return -1;
	t = &w->tok[w->ti];
	same = t->type == type && t->start >= 0 && (size_t)t->start == start;
	assert(same);
	if (!same) {
		fail_grammar(w, start, R_TOKENS);
		return -2;
	}
	return (long)w->ti++;
}

/* Check that token ti (if jsmn made one) ends at offset end. */
static int match_end(struct walk *w, long ti, size_t end)
{
	const jsmntok_t *t;
	int same;

	if (ti < 0)
		return 0;
	t = &w->tok[ti];
	same = t->end >= 0 && (size_t)t->end == end;
	assert(same);
	return same ? 0 : fail_grammar(w, end - 1, R_TOKENS);
}

/* Read four hex digits at s[i..i+4). Returns 0, -1 for a byte that is not
 * a hex digit, or -2 when the body ends first. */
static int read_hex4(const struct walk *w, size_t i, uint32_t *cp)
{
	size_t k;
	int c;

	*cp = 0;
	for (k = 0; k < 4; k++) {
		c = byte_at(w, i + k);
		if (c < 0)
			return -2;
		if (hex_value(c) < 0)
			return -1;
		*cp = *cp << 4 | (uint32_t)hex_value(c);
	}
	return 0;
}

static int is_high_surrogate(uint32_t cp)
{
	return cp >= 0xD800 && cp <= 0xDBFF;
}

static int is_low_surrogate(uint32_t cp)
{
	return cp >= 0xDC00 && cp <= 0xDFFF;
}

/* Whether a \u escape of a low surrogate starts at offset i. */
static int low_surrogate_at(const struct walk *w, size_t i)
{
	uint32_t cp;

	if (byte_at(w, i) != '\\' || byte_at(w, i + 1) != 'u')
		return 0;
	return read_hex4(w, i + 2, &cp) == 0 && is_low_surrogate(cp);
}

/* Check the \u escape at *i; on success move *i past it (and past the
 * low half of a surrogate pair). */
static int walk_unicode_escape(struct walk *w, size_t *i)
{
	uint32_t cp;
	int rc = read_hex4(w, *i + 2, &cp);

	if (rc == -2)
		return fail_grammar(w, w->n, R_UNTERMINATED);
	if (rc < 0)
		return fail(w, FAULT_ESCAPE, *i);
	if (cp == 0)
		return fail(w, FAULT_U0000, *i);

	if (is_low_surrogate(cp))
		return fail(w, FAULT_SURROGATE, *i);
	if (is_high_surrogate(cp)) {
		if (!low_surrogate_at(w, *i + 6))
			return fail(w, FAULT_SURROGATE, *i);
		*i += 6;
	}
	*i += 6;
	return 0;
}

/* Check the escape whose backslash is at *i and move *i past it. */
static int walk_escape(struct walk *w, size_t *i)
{
	switch (byte_at(w, *i + 1)) {
	case '"':
	case '\\':
	case '/':
	case 'b':
	case 'f':
	case 'n':
	case 'r':
	case 't':
		*i += 2;
		return 0;
	case 'u':
		return walk_unicode_escape(w, i);
	case -1:
		return fail_grammar(w, w->n, R_UNTERMINATED);
	default:
		return fail(w, FAULT_ESCAPE, *i);
	}
}

/* Skip string bytes that need no closer look: printable ASCII other than
 * the quote and the backslash. This loop is most of the parse time. */
static size_t skip_plain(const struct walk *w, size_t i)
{
	const unsigned char *u = (const unsigned char *)w->s;

	while (i < w->n && u[i] >= 0x20 && u[i] < 0x80 && u[i] != '"' &&
	       u[i] != '\\')
		i++;
	return i;
}

/* Check the string whose opening quote is at pos; leave pos after it. */
static int walk_string(struct walk *w)
{
	size_t i = w->pos + 1;
	long ti = match_token(w, JSMN_STRING, i);
	uint32_t cp;
	int c, k;

	if (ti == -2)
		return -1;
	for (;;) {
		i = skip_plain(w, i);
		c = byte_at(w, i);
		if (c == '"')
			break;
		if (c < 0)
			return fail_grammar(w, i, R_UNTERMINATED);
		if (c == '\\') {
			if (walk_escape(w, &i) < 0)
				return -1;
			continue;
		}
		if (c < 0x20)
			return fail_grammar(w, i, R_CONTROL);
		k = json_utf8_decode(w->s + i, w->n - i, &cp);
		if (k < 0)
			return fail(w, FAULT_UTF8, i);
		i += (size_t)k;
	}

	w->pos = i + 1;
	return match_end(w, ti, i);
}

static size_t skip_digits(const struct walk *w, size_t i)
{
	while (is_digit(byte_at(w, i)))
		i++;
	return i;
}

/*
 * The end of the RFC 8259 number at i,
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, or SIZE_MAX when there
 * is none or a word byte (01, 0x1F, 1.5.3) follows it.
 */
static size_t number_end(const struct walk *w, size_t i)
{
	size_t d;

	if (byte_at(w, i) == '-')
		i++;
	if (byte_at(w, i) == '0')
		i++;
	else if (is_digit(byte_at(w, i)))
		i = skip_digits(w, i);
	else
		return SIZE_MAX;

	if (byte_at(w, i) == '.') {
		d = skip_digits(w, i + 1);
		if (d == i + 1)
			return SIZE_MAX;
		i = d;
	}

	if (byte_at(w, i) == 'e' || byte_at(w, i) == 'E') {
		i++;
		if (byte_at(w, i) == '+' || byte_at(w, i) == '-')
			i++;
		d = skip_digits(w, i);
		if (d == i)
			return SIZE_MAX;
		i = d;
	}
	return is_word(byte_at(w, i)) ? SIZE_MAX : i;
}

static int walk_number(struct walk *w)
{
	size_t end;

	if (match_token(w, JSMN_PRIMITIVE, w->pos) == -2)
		return -1;

	end = number_end(w, w->pos);
	if (end == SIZE_MAX)
		return fail_grammar(w, w->pos, R_NUMBER);
	w->pos = end;
	return 0;
}

/* true, false or null, spelled exactly and not run on into a word. */
static int walk_literal(struct walk *w, enum json_type *type)
{
	static const char *const words[] = { "true", "false", "null" };
	static const enum json_type types[] = {
		JSON_TRUE, JSON_FALSE, JSON_NULL
	};
	size_t end = w->pos, k;

	if (match_token(w, JSMN_PRIMITIVE, w->pos) == -2)
		return -1;

	while (is_word(byte_at(w, end)))
		end++;
	for (k = 0; k < 3; k++) {
		if (end - w->pos == strlen(words[k]) &&
		    memcmp(w->s + w->pos, words[k], end - w->pos) == 0) {
			*type = types[k];
			w->pos = end;
			return 0;
		}
	}
	return fail_grammar(w, w->pos, R_LITERAL);
}

/* Step into the container whose bracket is at pos. */
static int enter(struct walk *w, jsmntype_t type, long *ti)
{
	/* Limit: JSON_MAX_DEPTH (json.h), because each level recurses. */
	if (w->depth == JSON_MAX_DEPTH)
		return fail(w, FAULT_TOO_DEEP, w->pos);

	*ti = match_token(w, type, w->pos);
	if (*ti == -2)
		return -1;
	w->pos++;
	w->depth++;
	return 0;
}

/* Step out of the container whose closing bracket is at pos. */
static int leave(struct walk *w, long ti)
{
	w->pos++;
	w->depth--;
	return match_end(w, ti, w->pos);
}

static void record_member(struct walk *w, const struct span *m)
{
	assert(w->count < JSON_MAX_MEMBERS);
	w->members[w->count++] = *m;
	w->text_bytes += m->key_end - m->key + 1;
	if (m->type == JSON_STRING)
		w->text_bytes += m->value_end - m->value - 1;
}

/* key ws : ws value, at pos; members of the top object are recorded. */
static int walk_member(struct walk *w)
{
	struct span m;

	if (peek(w) != '"')
		return fail_grammar(w, w->pos, R_KEY);
	m.key = w->pos + 1;
	if (walk_string(w) < 0)
		return -1;
	m.key_end = w->pos - 1;

	skip_ws(w);
	if (peek(w) != ':')
		return fail_grammar(w, w->pos, R_COLON);
	w->pos++;
	skip_ws(w);

	m.value = w->pos;
	if (walk_value(w, &m.type) < 0)
		return -1;
	m.value_end = w->pos;
	if (w->depth == 1)
		record_member(w, &m);
	return 0;
}

static int walk_element(struct walk *w)
{
	enum json_type type;

	return walk_value(w, &type);
}

/*
 * The body of an object or array after its opening bracket: items split
 * by single commas, then the closing bracket. walk_item reads one item.
 */
static int walk_items(struct walk *w, int close, enum reason next,
		      int (*walk_item)(struct walk *w))
{
	size_t comma;

	skip_ws(w);
	if (peek(w) == close)
		return 0;
	for (;;) {
		if (walk_item(w) < 0)
			return -1;

		skip_ws(w);
		if (peek(w) == close)
			return 0;
		if (peek(w) != ',')
			return fail_grammar(w, w->pos, next);

		comma = w->pos++;
		skip_ws(w);
		if (peek(w) == close)
			return fail_grammar(w, comma, R_TRAILING_COMMA);
	}
}

static int walk_object(struct walk *w)
{
	long ti;

	if (enter(w, JSMN_OBJECT, &ti) < 0)
		return -1;
	if (walk_items(w, '}', R_OBJECT_NEXT, walk_member) < 0)
		return -1;
	return leave(w, ti);
}

static int walk_array(struct walk *w)
{
	long ti;

	if (enter(w, JSMN_ARRAY, &ti) < 0)
		return -1;
	if (walk_items(w, ']', R_ARRAY_NEXT, walk_element) < 0)
		return -1;
	return leave(w, ti);
}

/* One value at pos, of any kind; its kind goes to *type. */
static int walk_value(struct walk *w, enum json_type *type)
{
	int c = peek(w);

	*type = JSON_NULL;
	if (c == '{') {
		*type = JSON_OBJECT;
		return walk_object(w);
	}
	if (c == '[') {
		*type = JSON_ARRAY;
		return walk_array(w);
	}
	if (c == '"') {
		*type = JSON_STRING;
		return walk_string(w);
	}
	if (is_digit(c) || c == '-' || c == '+' || c == '.') {
		*type = JSON_NUMBER;
		return walk_number(w);
	}
	if (is_alpha(c))
		return walk_literal(w, type);
	return fail_grammar(w, w->pos, R_VALUE);
}

/* The whole body: one value, white space around it, and an object. */
static int walk_body(struct walk *w)
{
	enum json_type type;
	int same;

	skip_ws(w);
	if (walk_value(w, &type) < 0)
		return -1;

	skip_ws(w);
	if (w->pos < w->n && type == JSON_OBJECT)
		return fail(w, FAULT_TRAILING, w->pos);
	if (w->pos < w->n)
		return fail_grammar(w, w->pos, R_AFTER_VALUE);
	if (w->n < w->len)
		return fail(w, FAULT_NUL, w->n);
	if (type != JSON_OBJECT)
		return fail(w, FAULT_NOT_OBJECT, 0);

	/* jsmn took the same body whole, with a token for every value. */
	same = w->jsmn_rc >= 0 && (size_t)w->jsmn_rc == w->ntok &&
	       w->ti == w->ntok;
	assert(same);
	return same ? 0 : fail_grammar(w, 0, R_TOKENS);
}

static size_t utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Decode the (already checked) escape at s[*i] into out, move *i past
 * it, and return the number of bytes written. */
static size_t decode_escape(const struct walk *w, size_t *i, char *out)
{
	static const char from[] = "bfnrt", to[] = "\b\f\n\r\t";
	char c = w->s[*i + 1];
	const char *short_form = strchr(from, c);
	uint32_t cp, low;

	if (c != 'u') {
		*i += 2;
		*out = short_form ? to[short_form - from] : c;
		return 1;
	}

	(void)read_hex4(w, *i + 2, &cp);
	*i += 6;
	if (is_high_surrogate(cp)) {
		(void)read_hex4(w, *i + 2, &low);
		*i += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
	}
	return utf8_encode(cp, out);
}

/* Decode the checked string text s[i..end) into out, add a NUL, and
 * return the decoded length. */
static size_t decode_string(const struct walk *w, size_t i, size_t end,
			    char *out)
{
	const char *bs;
	size_t k = 0, run;

	while (i < end) {
		bs = memchr(w->s + i, '\\', end - i);
		run = bs ? (size_t)(bs - w->s) - i : end - i;
		memcpy(out + k, w->s + i, run);
		k += run;
		i += run;
		if (i < end)
			k += decode_escape(w, &i, out + k);
	}
	out[k] = '\0';
	return k;
}

/* Decode member m into jm, its text at *text; move *text past it. */
static void fill_member(const struct walk *w, const struct span *m,
			struct json_member *jm, char **text)
{
	jm->key = *text;
	jm->key_len = decode_string(w, m->key, m->key_end, *text);
	*text += jm->key_len + 1;
	jm->type = m->type;
	jm->offset = m->value;
	jm->str = NULL;
	jm->str_len = 0;
	if (m->type != JSON_STRING)
		return;

	jm->str = *text;
	jm->str_len = decode_string(w, m->value + 1, m->value_end - 1, *text);
	*text += jm->str_len + 1;
}

/* Fill obj from the walk's members: one allocation, obj->arena, holds
 * the members array and then their text. */
static int build_object(const struct walk *w, struct json_object *obj)
{
	size_t head = w->count * sizeof(struct json_member), k;
	struct json_member *members;
	char *block, *text;

	if (w->count == 0)
		return 0;
	block = malloc(head + w->text_bytes);
	if (!block)
		return -1;

	members = (struct json_member *)(void *)block;
	text = block + head;
	for (k = 0; k < w->count; k++)
		fill_member(w, &w->members[k], &members[k], &text);
	assert(text <= block + head + w->text_bytes);

	obj->members = members;
	obj->count = w->count;
	obj->arena = block;
	return 0;
}

static void format_fault(const struct walk *w, char *err, size_t errlen)
{
	if (!err || errlen == 0)
		return;

	switch (w->fault) {
	case FAULT_EMPTY:
		snprintf(err, errlen, "body is empty; expected a JSON object");
		break;
	case FAULT_NOT_OBJECT:
		snprintf(err, errlen, "body must be a JSON object");
		break;
	case FAULT_GRAMMAR:
		snprintf(err, errlen, "invalid JSON at offset %zu: %s", w->at,
			 reason_text[w->reason]);
		break;
	case FAULT_TRAILING:
		snprintf(err, errlen,
			 "unexpected data after the JSON object at offset %zu",
			 w->at);
		break;
	case FAULT_NUL:
		snprintf(err, errlen, "body contains a NUL byte at offset %zu",
			 w->at);
		break;
	case FAULT_UTF8:
		snprintf(err, errlen, "invalid UTF-8 at offset %zu", w->at);
		break;
	case FAULT_ESCAPE:
		snprintf(err, errlen, "invalid escape sequence at offset %zu",
			 w->at);
		break;
	case FAULT_SURROGATE:
		snprintf(err, errlen,
			 "unpaired UTF-16 surrogate at offset %zu", w->at);
		break;
	case FAULT_U0000:
		snprintf(err, errlen,
			 "\\u0000 is not allowed in strings (offset %zu)",
			 w->at);
		break;
	case FAULT_TOO_MANY:
		snprintf(err, errlen, "JSON has too many values (limit %d)",
			 JSON_MAX_TOKENS);
		break;
	case FAULT_TOO_DEEP:
		snprintf(err, errlen, "JSON is nested too deeply (limit %d)",
			 JSON_MAX_DEPTH);
		break;
	case FAULT_NONE:
		err[0] = '\0';
		break;
	}
}

static int is_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_ws((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Run jsmn and the grammar walk over w->s; 0 when the body is good. */
static int check_body(struct walk *w, jsmntok_t *tokens)
{
	const char *nul;
	jsmn_parser parser;

	/* Limit: bodies under INT_MAX bytes, because jsmn offsets are int. */
	if (w->len > (size_t)INT_MAX) {
		w->reason = R_TOO_LONG;
		w->fault = FAULT_GRAMMAR;
		w->at = (size_t)INT_MAX;
		return -1;
	}
	if (is_blank(w->s, w->len)) {
		w->fault = FAULT_EMPTY;
		return -1;
	}

	nul = memchr(w->s, '\0', w->len);
	w->n = nul ? (size_t)(nul - w->s) : w->len;

	jsmn_init(&parser);
	w->jsmn_rc = jsmn_parse(&parser, w->s, w->n, tokens, JSON_MAX_TOKENS);
	w->ntok = parser.toknext;
	return walk_body(w);
}

/* The parse's working tables, on the heap: on a worker's stack they
 * would keep 14 KiB resident in each of hundreds of threads. */
struct scratch {
	jsmntok_t tokens[JSON_MAX_TOKENS];
	struct span members[JSON_MAX_MEMBERS];
};

int json_parse_object(const char *body, size_t len, struct json_object *obj,
		      char *err, size_t errlen)
{
	struct scratch *sc = malloc(sizeof *sc);
	struct walk w = {.s = body, .len = len};
	int rc = -1;

	obj->members = NULL;
	obj->count = 0;
	obj->arena = NULL;
	if (err && errlen > 0)
		err[0] = '\0';
	if (sc == NULL)
		goto no_memory;
	w.tok = sc->tokens;
	w.members = sc->members;

	if (check_body(&w, sc->tokens) < 0) {
		format_fault(&w, err, errlen);
		errno = EINVAL;
		goto out;
	}
	if (build_object(&w, obj) < 0)
		goto no_memory;
	rc = 0;
	goto out;

no_memory:
	if (err && errlen > 0)
		snprintf(err, errlen, "out of memory decoding JSON");
	errno = ENOMEM;
out:
	free(sc);
	return rc;
}

void json_object_free(struct json_object *obj)
{
	if (!obj)
		return;
	free(obj->arena);
	obj->members = NULL;
	obj->count = 0;
	obj->arena = NULL;
}

/* The byte count of a well-formed sequence led by byte c, and the range
 * its second byte must fall in (Unicode Table 3-7); 0 when c leads none. */
static int utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xBF;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c == 0xE0)
		*lo = 0xA0;
	if (c == 0xED)
		*hi = 0x9F;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c == 0xF0)
		*lo = 0x90;
	if (c == 0xF4)
		*hi = 0x8F;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 0;
}

int json_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	static const unsigned char lead_mask[] = { 0, 0x7F, 0x1F, 0x0F, 0x07 };
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo, hi;
	int len, k;

	if (n == 0)
		return -1;
	len = utf8_lead(u[0], &lo, &hi);
	if (len == 0 || (size_t)len > n)
		return -1;
	if (len > 1 && (u[1] < lo || u[1] > hi))
		return -1;

	*cp = u[0] & lead_mask[len];
	for (k = 1; k < len; k++) {
		if ((u[k] & 0xC0) != 0x80)
			return -1;
		*cp = *cp << 6 | (uint32_t)(u[k] & 0x3F);
	}
	return len;
}

void json_out_init(struct json_out *o, char *buf, size_t cap)
{
	o->buf = buf;
	o->len = 0;
	o->cap = cap;
	o->overflow = 0;
}

/* Append s[0..n) whole, or nothing and set overflow. */
static int out_put(struct json_out *o, const char *s, size_t n)
{
	assert(o->len <= o->cap);
	if (o->overflow || n > o->cap - o->len) {
		o->overflow = 1;
		return -1;
	}
	if (n > 0)
		memcpy(o->buf + o->len, s, n);
	o->len += n;
	return 0;
}

void json_out_raw(struct json_out *o, const char *s, size_t n)
{
	(void)out_put(o, s, n);
}

/* U+2028 LINE SEPARATOR or U+2029 PARAGRAPH SEPARATOR at s[i]. */
static int is_line_separator(const char *s, size_t i, size_t n)
{
	const unsigned char *u = (const unsigned char *)s + i;

	return n - i >= 3 && u[0] == 0xE2 && u[1] == 0x80 &&
	       (u[2] == 0xA8 || u[2] == 0xA9);
}

static int needs_escape(const char *s, size_t i, size_t n)
{
	unsigned char c = (unsigned char)s[i];

	if (c < 0x20 || c == '"' || c == '\\' || c == 0x7F)
		return 1;
	return c == 0xE2 && is_line_separator(s, i, n);
}

/* Write the escape for the character at s[*i] and move *i past it. */
static int out_escape(struct json_out *o, const char *s, size_t *i,
		      size_t n)
{
	static const char hex[] = "0123456789abcdef";
	static const char from[] = "\"\\\n\r\t\b\f", to[] = "\"\\nrtbf";
	unsigned char c = (unsigned char)s[*i];
	const char *short_form = c ? strchr(from, c) : NULL;
	char e[6] = { '\\', 'u', '0', '0', '0', '0' };

	if (is_line_separator(s, *i, n)) {
		*i += 3;
		if (s[*i - 1] == '\xA8')
			return out_put(o, "\\u2028", 6);
		return out_put(o, "\\u2029", 6);
	}
	*i += 1;
	if (short_form) {
		e[1] = to[short_form - from];
		return out_put(o, e, 2);
	}
	e[4] = hex[c >> 4];
	e[5] = hex[c & 0x0F];
	return out_put(o, e, 6);
}

void json_out_string(struct json_out *o, const char *s, size_t n)
{
	size_t mark = o->len, i = 0, run;

	if (out_put(o, "\"", 1) < 0)
		return;

	while (i < n) {
		for (run = 0; i + run < n && !needs_escape(s, i + run, n);)
			run++;
		if (out_put(o, s + i, run) < 0)
			break;
		i += run;
		if (i < n && out_escape(o, s, &i, n) < 0)
			break;
	}

	(void)out_put(o, "\"", 1);
	if (o->overflow)
		o->len = mark;
}

void json_out_uint(struct json_out *o, uint64_t v)
{
	char digits[20];
	size_t i = sizeof digits;

	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	json_out_raw(o, digits + i, sizeof digits - i);
}

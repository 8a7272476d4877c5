/* SPDX-License-Identifier: MIT */
/*
 * issue: the rules of a request body, one set for each kind of request
 * (enum issue_kind), from the raw body to its checked fields:
 *
 *   issue     POST /api/assets                name, email, type, model
 *                                             (required), comments
 *   transfer  POST /api/assets/{id}/transfer  name, email (required),
 *                                             comments
 *   return    POST /api/assets/{id}/return    comments
 *
 * A kind's other fields are not read and stay "". (src/api.c does not
 * parse an empty return body at all.) Nothing is written here: src/api.c
 * makes the fields an event, and src/event.c writes its log line.
 *
 * A body passes these checks in this order; the first fault is the
 * reply (400):
 *   1. it is exactly one JSON object (json_parse_object);
 *   2. no required field is missing: absent, null, or a string of
 *      nothing but is_blank characters; all missing ones are named at
 *      once, in the order name, email, type, model;
 *   3. no key is given twice;
 *   4. each field the kind reads: a string (comments may also be null
 *      or absent), no control characters (comments may hold tab, LF and
 *      CR), not longer than its limit in code points;
 *   5. the email, when the kind reads it, is local@domain as
 *      issue_email_ok states it: dot-atoms of ASCII atext or visible
 *      non-ASCII, a domain of two or more labels, and no invisible
 *      character anywhere, so no two holders differ only in what does
 *      not show.
 * The is_blank characters (ASCII and Unicode white space, and every
 * Default_Ignorable_Code_Point of Unicode 15: joiners, bidi controls,
 * soft hyphen, fillers, variation selectors, tags) are trimmed from
 * both ends of the four required values before the checks and before
 * storage; inside names, types and models they stay. Comments are kept
 * as sent. Unknown keys are ignored and never stored.
 */
#include "issue.h"

#include <stdio.h>
#include <string.h>

static const char *const field_names[ISSUE_FIELDS] = {
	"employee_name", "employee_email", "asset_type", "asset_model",
	"comments"};

static const size_t field_limits[ISSUE_FIELDS] = {
	ISSUE_NAME_MAX, ISSUE_EMAIL_MAX, ISSUE_TYPE_MAX, ISSUE_MODEL_MAX,
	ISSUE_COMMENTS_MAX};

static int is_space(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
	       cp == 0x00A0 || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
	       cp == 0x3000 || cp == 0xFEFF;
}

/* Default_Ignorable_Code_Point, from DerivedCoreProperties.txt of
 * Unicode 15.0: format characters, fillers, variation selectors and
 * tags, which show nothing on their own. Sorted, bounds included. */
static const struct cp_range {
	uint32_t first, last;
} ignorable[] = {
	{0x00AD, 0x00AD},   {0x034F, 0x034F},   {0x061C, 0x061C},
	{0x115F, 0x1160},   {0x17B4, 0x17B5},   {0x180B, 0x180F},
	{0x200B, 0x200F},   {0x202A, 0x202E},   {0x2060, 0x206F},
	{0x3164, 0x3164},   {0xFE00, 0xFE0F},   {0xFEFF, 0xFEFF},
	{0xFFA0, 0xFFA0},   {0xFFF0, 0xFFF8},   {0x1BCA0, 0x1BCA3},
	{0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF}};

static int is_ignorable(uint32_t cp)
{
	for (size_t i = 0; i < sizeof ignorable / sizeof *ignorable; i++) {
		if (cp < ignorable[i].first)
			return 0;
		if (cp <= ignorable[i].last)
			return 1;
	}
	return 0;
}

/* White space, and the characters that show nothing (is_ignorable): a
 * name made of them alone looks empty, so it counts as missing. Inside
 * a name, type or model they stay: joiners build emoji, and isolates
 * and marks order bidi text. */
static int is_blank(uint32_t cp)
{
	return is_space(cp) || is_ignorable(cp);
}

static int is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* Length of the UTF-8 sequence that ends at s[len-1]. */
static size_t last_char_len(const char *s, size_t len)
{
	size_t n = 1;

	while (n < len && n < 4 && ((unsigned char)s[len - n] & 0xC0) == 0x80)
		n++;
	return n;
}

/* Whether cp, the character after s[0..len), closes what comes before
 * it and must stay: a variation selector after a visible character
 * (the U+FE0F of a red heart), or the cancel tag that ends a flag's tag
 * sequence. A stray one is trimmed like any other blank. */
static int closes_a_character(const char *s, size_t len, uint32_t cp)
{
	uint32_t before;
	size_t k;
	int selector = (cp >= 0xFE00 && cp <= 0xFE0F) ||
		       (cp >= 0xE0100 && cp <= 0xE01EF);

	if ((!selector && cp != 0xE007F) || len == 0)
		return 0;
	k = last_char_len(s, len);
	if (json_utf8_decode(s + len - k, k, &before) != (int)k)
		return 0;
	if (cp == 0xE007F)	/* ends tags: U+E0020-E007E before it */
		return before >= 0xE0020 && before <= 0xE007E;
	return !is_blank(before);
}

/* Narrows t to drop is_blank characters at both ends (at the end, not
 * one that closes a character: closes_a_character). t is valid UTF-8.
 * A value of blanks alone is emptied by the first loop. */
static void trim(struct issue_text *t)
{
	uint32_t cp;
	int n;

	while (t->len > 0 && (n = json_utf8_decode(t->s, t->len, &cp)) > 0 &&
	       is_blank(cp)) {
		t->s += n;
		t->len -= (size_t)n;
	}
	while (t->len > 0) {
		size_t k = last_char_len(t->s, t->len);

		if (json_utf8_decode(t->s + t->len - k, k, &cp) != (int)k ||
		    !is_blank(cp) || closes_a_character(t->s, t->len - k, cp))
			break;
		t->len -= k;
	}
}

static const struct json_member *find(const struct json_object *obj,
				      const char *key)
{
	for (size_t i = 0; i < obj->count; i++) {
		if (strcmp(obj->members[i].key, key) == 0)
			return &obj->members[i];
	}
	return NULL;
}

static int is_present(const struct json_member *m)
{
	struct issue_text t;

	if (m == NULL || m->type == JSON_NULL)
		return 0;
	if (m->type != JSON_STRING)
		return 1;
	t.s = m->str;
	t.len = m->str_len;
	trim(&t);
	return t.len > 0;
}

/* Fields each kind reads, and those it requires (bit 1 << field). */
static const unsigned kind_reads[] = {
	[ISSUE_KIND_ISSUE] = 0x1F, [ISSUE_KIND_TRANSFER] = 0x13,
	[ISSUE_KIND_RETURN] = 0x10};
static const unsigned kind_needs[] = {
	[ISSUE_KIND_ISSUE] = 0x0F, [ISSUE_KIND_TRANSFER] = 0x03,
	[ISSUE_KIND_RETURN] = 0x00};

static int check_missing(const struct json_object *obj,
			 enum issue_kind kind, char *err, size_t errlen)
{
	size_t n = 0;
	int missing = 0;

	for (int f = ISSUE_NAME; f <= ISSUE_MODEL; f++) {
		if (!(kind_needs[kind] & 1u << f) ||
		    is_present(find(obj, field_names[f])))
			continue;
		n += (size_t)snprintf(err + n, errlen - n, "%s%s",
				      missing ? ", " : "Missing fields: ",
				      field_names[f]);
		missing = 1;
		if (n >= errlen)
			break;
	}
	return missing ? -1 : 0;
}

/* Writes at most 64 bytes of key, cut at a character boundary, with
 * control characters shown as '?' so the message stays one line. */
static void name_key(const struct json_member *m, char *err, size_t errlen)
{
	char shown[64];
	size_t n = m->key_len, i = 0, k = 0;
	uint32_t cp;

	while (n > sizeof shown)
		n -= last_char_len(m->key, n);
	while (i < n) {
		int len = json_utf8_decode(m->key + i, n - i, &cp);

		if (len < 0 || is_control(cp)) {
			shown[k++] = '?';
			i += len < 0 ? 1 : (size_t)len;
			continue;
		}
		memcpy(shown + k, m->key + i, (size_t)len);
		k += (size_t)len;
		i += (size_t)len;
	}
	snprintf(err, errlen, "key \"%.*s\" is given more than once", (int)k,
		 shown);
}

/* Limit: only top-level keys, because only they are read. */
static int check_duplicates(const struct json_object *obj, char *err,
			    size_t errlen)
{
	for (size_t i = 1; i < obj->count; i++) {
		const struct json_member *a = &obj->members[i];

		for (size_t j = 0; j < i; j++) {
			const struct json_member *b = &obj->members[j];

			if (a->key_len == b->key_len &&
			    memcmp(a->key, b->key, a->key_len) == 0) {
				name_key(a, err, errlen);
				return -1;
			}
		}
	}
	return 0;
}

/* Checks one present string field's characters and length. */
static int check_text(int f, const struct issue_text *t, char *err,
		      size_t errlen)
{
	size_t chars = 0;
	uint32_t cp;

	for (size_t i = 0; i < t->len; chars++) {
		int n = json_utf8_decode(t->s + i, t->len - i, &cp);

		if (n < 0) {
			snprintf(err, errlen, "%s is not valid UTF-8",
				 field_names[f]);
			return -1;
		}
		if (is_control(cp) && !(f == ISSUE_COMMENTS &&
					(cp == '\t' || cp == '\n' ||
					 cp == '\r'))) {
			snprintf(err, errlen,
				 "%s must not contain control characters%s",
				 field_names[f],
				 f == ISSUE_COMMENTS
					 ? " other than tab and line breaks"
					 : "");
			return -1;
		}
		i += (size_t)n;
	}
	if (chars > field_limits[f]) {
		snprintf(err, errlen, "%s is longer than %zu characters",
			 field_names[f], field_limits[f]);
		return -1;
	}
	return 0;
}

static int check_field(struct issue *iss, int f, char *err, size_t errlen)
{
	const struct json_member *m = find(&iss->obj, field_names[f]);
	struct issue_text *t = &iss->field[f];

	t->s = "";
	t->len = 0;
	if (m == NULL || (f == ISSUE_COMMENTS && m->type == JSON_NULL))
		return 0;
	if (m->type != JSON_STRING) {
		snprintf(err, errlen, "%s must be a string", field_names[f]);
		return -1;
	}
	t->s = m->str;
	t->len = m->str_len;
	if (f != ISSUE_COMMENTS)
		trim(t);
	return check_text(f, t, err, errlen);
}

/* Whether cp may stand between the dots of an address: the ASCII that
 * RFC 5322 allows (atext in the local part; letters, digits and '-' in a
 * domain label), or any non-ASCII character that shows something (RFC
 * 6531), so never one of is_blank or is_control. */
static int is_address_char(uint32_t cp, int in_domain)
{
	if (cp >= 0x80)
		return !is_control(cp) && !is_blank(cp);
	if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
	    (cp >= '0' && cp <= '9') || cp == '-')
		return 1;
	return !in_domain && cp != 0 &&
	       strchr("!#$%&'*+/=?^_`{|}~", (int)cp) != NULL;
}

/* Whether a label that just ended, of chars characters with last the
 * final one, is whole: in a domain 1-63 characters, not ending in '-';
 * in a local part not empty. */
static int label_ok(size_t chars, uint32_t last, int in_domain)
{
	if (!in_domain)
		return chars > 0;
	return chars > 0 && chars <= 63 && last != '-';
}

/* Whether s[0..len) is a dot-atom: labels of address characters joined
 * by single dots, with at least two labels in a domain and no domain
 * label starting with '-'. */
static int dot_atom_ok(const char *s, size_t len, int in_domain)
{
	size_t labels = 1, chars = 0;
	uint32_t cp, last = 0;

	for (size_t i = 0; i < len;) {
		int n = json_utf8_decode(s + i, len - i, &cp);

		if (n < 0)
			return 0;
		i += (size_t)n;
		if (cp == '.') {
			if (!label_ok(chars, last, in_domain))
				return 0;
			labels++;
			chars = 0;
			continue;
		}
		if (!is_address_char(cp, in_domain) ||
		    (in_domain && chars == 0 && cp == '-'))
			return 0;
		chars++;
		last = cp;
	}
	return label_ok(chars, last, in_domain) &&
	       labels >= (in_domain ? 2u : 1u);
}

/* local@domain, both dot-atoms (RFC 5322 with RFC 6531's UTF-8): no
 * quoted local part, no IP literal, no white space and no character
 * that shows nothing, so two addresses never differ only in what does
 * not show. The length limit is the caller's.
 * Limit: look-alike letters from other scripts (Cyrillic 'а' for 'a')
 * pass, because telling them apart needs Unicode's confusables data. */
int issue_email_ok(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);
	size_t local;

	if (at == NULL)
		return 0;
	local = (size_t)(at - s);
	return dot_atom_ok(s, local, 0) &&
	       dot_atom_ok(at + 1, len - local - 1, 1);
}

static int check_email(const struct issue_text *t, char *err, size_t errlen)
{
	if (!issue_email_ok(t->s, t->len)) {
		snprintf(err, errlen,
			 "employee_email must be an address like "
			 "name@example.com");
		return -1;
	}
	return 0;
}

int issue_parse_kind(const char *body, size_t len, enum issue_kind kind,
		     struct issue *iss, char *err, size_t errlen)
{
	memset(iss, 0, sizeof *iss);
	for (int f = 0; f < ISSUE_FIELDS; f++)
		iss->field[f].s = "";
	if (json_parse_object(body, len, &iss->obj, err, errlen) < 0)
		return -1;

	if (check_missing(&iss->obj, kind, err, errlen) < 0 ||
	    check_duplicates(&iss->obj, err, errlen) < 0)
		goto fail;

	for (int f = 0; f < ISSUE_FIELDS; f++) {
		if ((kind_reads[kind] & 1u << f) &&
		    check_field(iss, f, err, errlen) < 0)
			goto fail;
	}
	if ((kind_reads[kind] & 1u << ISSUE_EMAIL) &&
	    check_email(&iss->field[ISSUE_EMAIL], err, errlen) < 0)
		goto fail;
	return 0;

fail:
	issue_free(iss);
	return -1;
}

void issue_free(struct issue *iss)
{
	json_object_free(&iss->obj);
	memset(iss, 0, sizeof *iss);
}

/* SPDX-License-Identifier: MIT */
/*
 * event: the layout of one log line, written and read in one place.
 *
 *   {"id":N,"event":KIND,"at":"YYYY-MM-DDTHH:MM:SSZ"[,"by":NAME]
 *    [,"idempotency_key":KEY],FIELDS}
 *
 * with the FIELDS of each kind, in this order:
 *
 *   issued       employee_name, employee_email, asset_type, asset_model,
 *                comments
 *   transferred  employee_name, employee_email, comments
 *   returned     comments
 *
 * Every field is a string. A chained line ends with ,"seq":N (its line
 * number in the file) and ,"chain":HEX (src/chain.c). Members appear in
 * exactly this order, once each, so grep patterns such as '"id":7,' are
 * reliable.
 *
 * Invariant: event_parse(event_format(ev)) gives back ev, and
 * event_parse() refuses any line whose members the writer could not
 * have written (other names, order, types, times).
 *
 * Limit: event_parse() reads JSON, so it also takes spacing and escapes
 * the writer never produces (a space after a colon, B), and it
 * checks a field's layout, not the request rules of src/issue.c (length,
 * control characters, the email's form), because a log written under
 * older rules must still load. A line edited that way is told by its
 * chain value (src/chain.c, `assetd verify`), not here.
 */
#include "event.h"

#include <openssl/evp.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "chain.h"

static const char *const kind_names[] = {
	[EVENT_ISSUED] = "issued", [EVENT_TRANSFERRED] = "transferred",
	[EVENT_RETURNED] = "returned"};

static const char *const field_names[ISSUE_FIELDS] = {
	"employee_name", "employee_email", "asset_type", "asset_model",
	"comments"};

/* The fields of each kind, in log order, ending with -1. */
static const int kind_fields[][ISSUE_FIELDS + 1] = {
	[EVENT_ISSUED] = {ISSUE_NAME, ISSUE_EMAIL, ISSUE_TYPE, ISSUE_MODEL,
			  ISSUE_COMMENTS, -1},
	[EVENT_TRANSFERRED] = {ISSUE_NAME, ISSUE_EMAIL, ISSUE_COMMENTS, -1},
	[EVENT_RETURNED] = {ISSUE_COMMENTS, -1}};

const char *event_kind_name(enum event_kind kind)
{
	return kind_names[kind];
}

int event_key_ok(const char *key)
{
	size_t n = 0;

	for (; key[n] != '\0'; n++) {
		if (key[n] <= ' ' || key[n] > '~' || key[n] == '"' ||
		    key[n] == '\\')
			return 0;
	}
	return n > 0 && n <= EVENT_KEY_MAX;
}

/* ---- Writing ---- */

size_t event_line_max(const struct event *ev)
{
	size_t n = 256 + EVENT_KEY_MAX + 32 + CHAIN_TAIL_LEN;

	if (ev->by != NULL)
		n += strlen(ev->by);
	for (int f = 0; f < ISSUE_FIELDS; f++)
		n += 32 + 6 * ev->field[f].len; /* \u00XX at worst */
	return n;
}

void event_time(int64_t at, char out[21])
{
	time_t t = (time_t)at;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void out_member(struct json_out *o, const char *name)
{
	json_out_raw(o, ",\"", 2);
	json_out_raw(o, name, strlen(name));
	json_out_raw(o, "\":", 2);
}

/* Writes the line up to its closing brace. */
static void format_body(const struct event *ev, struct json_out *o)
{
	char at[21];

	json_out_raw(o, "{\"id\":", 6);
	json_out_uint(o, ev->id);
	out_member(o, "event");
	json_out_string(o, kind_names[ev->kind], strlen(kind_names[ev->kind]));
	out_member(o, "at");
	event_time(ev->at, at);
	json_out_string(o, at, strlen(at));
	if (ev->by != NULL) {
		out_member(o, "by");
		json_out_string(o, ev->by, strlen(ev->by));
	}
	if (ev->key != NULL) {
		out_member(o, "idempotency_key");
		json_out_string(o, ev->key, strlen(ev->key));
	}
	for (const int *f = kind_fields[ev->kind]; *f >= 0; f++) {
		out_member(o, field_names[*f]);
		json_out_string(o, ev->field[*f].s, ev->field[*f].len);
	}
}

size_t event_format(const struct event *ev, char *line)
{
	struct json_out o;

	json_out_init(&o, line, event_line_max(ev));
	format_body(ev, &o);
	json_out_raw(&o, "}\n", 2);
	return o.overflow ? 0 : o.len;
}

size_t event_format_chained(const struct event *ev, uint64_t seq,
			    const struct chain *c, const char *prev,
			    char *line, char *head)
{
	struct json_out o;

	json_out_init(&o, line, event_line_max(ev));
	format_body(ev, &o);
	out_member(&o, "seq");
	json_out_uint(&o, seq);
	if (o.overflow || chain_next(c, prev, line, o.len, head) < 0)
		return 0;
	out_member(&o, "chain");
	json_out_string(&o, head, CHAIN_HEX);
	json_out_raw(&o, "}\n", 2);
	return o.overflow ? 0 : o.len;
}

/* ---- Reading ---- */

/* Days from 1970-01-01 to the date y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Reads "YYYY-MM-DDTHH:MM:SSZ" into *at. Returns 0, or -1 when s is
 * not a real time written that way (checked by hand: this runs for every
 * line at start). */
static int parse_time(const char *s, size_t len, int64_t *at)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	int v[6] = {0}, k = 0;

	if (len != sizeof shape - 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (shape[i] != 'd') {
			if (s[i] != shape[i])
				return -1;
			k++;
		} else if (s[i] < '0' || s[i] > '9') {
			return -1;
		} else {
			v[k] = v[k] * 10 + (s[i] - '0');
		}
	}
	/* Limit: years from 1970, as the server's clock can write them. */
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 ||
	    v[2] > days_in_month(v[0], v[1]) || v[3] > 23 || v[4] > 59 ||
	    v[5] > 59)
		return -1;
	*at = days_from_civil(v[0], v[1], v[2]) * 86400 + v[3] * 3600 +
	      v[4] * 60 + v[5];
	return 0;
}

/* Reads the id at s: digits only, 1 to EVENT_ID_MAX, no leading 0. */
static uint64_t parse_id(const char *s)
{
	uint64_t id = 0;

	if (*s == '0')
		return 0;
	for (; *s >= '0' && *s <= '9' && id <= EVENT_ID_MAX; s++)
		id = id * 10 + (uint64_t)(*s - '0');
	if (*s == '.' || *s == 'e' || *s == 'E' || id > EVENT_ID_MAX)
		return 0;
	return id;
}

/* Takes member *i as a string named name, if it is one. */
static const struct json_member *take(const struct json_object *obj,
				      size_t *i, const char *name)
{
	const struct json_member *m;

	if (*i >= obj->count)
		return NULL;
	m = &obj->members[*i];
	if (strcmp(m->key, name) != 0 || m->type != JSON_STRING)
		return NULL;
	(*i)++;
	return m;
}

static int parse_kind(const struct json_member *m, enum event_kind *kind)
{
	for (int k = EVENT_ISSUED; k <= EVENT_RETURNED; k++) {
		if (m != NULL && strcmp(m->str, kind_names[k]) == 0) {
			*kind = (enum event_kind)k;
			return 0;
		}
	}
	return -1;
}

/* The envelope: id, event, at, and by and the key when present. */
static int parse_envelope(const char *line, struct event *ev, size_t *i,
			  char *why, size_t whylen)
{
	const struct json_object *obj = &ev->obj;
	const struct json_member *m;

	if (obj->count < 1 || strcmp(obj->members[0].key, "id") != 0 ||
	    obj->members[0].type != JSON_NUMBER) {
		snprintf(why, whylen, "not an event (\"id\" first)");
		return -1;
	}
	ev->id = parse_id(line + obj->members[0].offset);
	if (ev->id == 0) {
		snprintf(why, whylen, "id is not a whole number from 1 to %llu",
			 (unsigned long long)EVENT_ID_MAX);
		return -1;
	}
	*i = 1;
	if (parse_kind(take(obj, i, "event"), &ev->kind) < 0) {
		snprintf(why, whylen, "\"event\" is not issued, transferred "
				      "or returned");
		return -1;
	}
	m = take(obj, i, "at");
	if (m == NULL || parse_time(m->str, m->str_len, &ev->at) < 0) {
		snprintf(why, whylen, "\"at\" is not a time like "
				      "2026-12-04T15:04:05Z");
		return -1;
	}
	if ((m = take(obj, i, "by")) != NULL)
		ev->by = m->str;
	if ((m = take(obj, i, "idempotency_key")) != NULL) {
		ev->key = m->str;
		if (!event_key_ok(ev->key)) {
			snprintf(why, whylen, "idempotency_key is not valid");
			return -1;
		}
	}
	return 0;
}

/* The chained tail, when there is one: "seq", then "chain" last, in
 * exactly the bytes the writer puts there. */
static int parse_chain(const char *line, size_t len, struct event *ev,
		       size_t *i, char *why, size_t whylen)
{
	const struct json_object *obj = &ev->obj;
	const struct json_member *m;

	if (*i >= obj->count || strcmp(obj->members[*i].key, "seq") != 0)
		return 0;
	if (obj->members[*i].type != JSON_NUMBER ||
	    (ev->seq = parse_id(line + obj->members[*i].offset)) == 0) {
		snprintf(why, whylen, "seq is not a line number");
		return -1;
	}
	(*i)++;
	m = take(obj, i, "chain");
	if (m == NULL || m->str_len != CHAIN_HEX || !chain_hex_ok(m->str) ||
	    *i != obj->count || len < CHAIN_TAIL_LEN ||
	    memcmp(line + len - CHAIN_TAIL_LEN, ",\"chain\":\"", 10) != 0 ||
	    memcmp(line + len - 2, "\"}", 2) != 0) {
		snprintf(why, whylen, "\"chain\" is not 64 hex digits at the "
				      "end of the line, after \"seq\"");
		return -1;
	}
	ev->chain = m->str;
	return 0;
}

int event_parse(const char *line, size_t len, struct event *ev, char *why,
		size_t whylen)
{
	size_t i = 0;

	memset(ev, 0, sizeof *ev);
	for (int f = 0; f < ISSUE_FIELDS; f++)
		ev->field[f].s = "";
	if (json_parse_object(line, len, &ev->obj, why, whylen) < 0)
		return EVENT_NOT_JSON;
	if (parse_envelope(line, ev, &i, why, whylen) < 0)
		goto fail;

	for (const int *f = kind_fields[ev->kind]; *f >= 0; f++) {
		const struct json_member *m = take(&ev->obj, &i,
						   field_names[*f]);

		if (m == NULL) {
			snprintf(why, whylen, "a %s event needs the string "
					      "\"%s\" here",
				 kind_names[ev->kind], field_names[*f]);
			goto fail;
		}
		ev->field[*f].s = m->str;
		ev->field[*f].len = m->str_len;
	}
	if (parse_chain(line, len, ev, &i, why, whylen) < 0)
		goto fail;
	if (i != ev->obj.count) {
		/* The name is not quoted: an edited line may hold anything,
		 * personal data included, and this goes to diagnostics. */
		snprintf(why, whylen, "unexpected member %zu of %zu",
			 i + 1, ev->obj.count);
		goto fail;
	}
	return 0;
fail:
	event_free(ev);
	return EVENT_BAD;
}

int event_is_cut_short(const char *s, size_t n)
{
	int depth = 0, in_string = 0;

	if (n == 0 || s[0] != '{')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (in_string) {
			if (c == '\\')
				i++;	/* the escaped byte, if any */
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if ((c == '}' || c == ']') && --depth == 0) {
			return 0;	/* closed: not a cut-short line */
		}
	}
	return 1;
}

void event_free(struct event *ev)
{
	json_object_free(&ev->obj);
	ev->by = ev->key = NULL;
}

void event_digest(const struct event *ev, uint64_t target,
		  unsigned char digest[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char head[48];
	int n = snprintf(head, sizeof head, "%s %" PRIu64,
			 kind_names[ev->kind], target);

	/* Each value is preceded by its length, so values cannot run into
	 * each other. */
	if (ctx == NULL || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		memset(digest, 0, 32);
		EVP_MD_CTX_free(ctx);
		return;
	}
	EVP_DigestUpdate(ctx, head, (size_t)n + 1);
	for (int f = 0; f < ISSUE_FIELDS; f++) {
		uint64_t len = ev->field[f].len;

		EVP_DigestUpdate(ctx, &len, sizeof len);
		EVP_DigestUpdate(ctx, ev->field[f].s, ev->field[f].len);
	}
	EVP_DigestFinal_ex(ctx, digest, NULL);
	EVP_MD_CTX_free(ctx);
}

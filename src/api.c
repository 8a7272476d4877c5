/* SPDX-License-Identifier: MIT */
/*
 * api: one function per endpoint of docs/API.md.
 *
 * Reads come from the state (src/state.c) and, for an asset's history,
 * from the log's own lines; they never wait for a sync. Writes go through
 * store_append(), which checks them against the state and replies only
 * once they are durable.
 *
 * Invariants:
 * - Every error is {"error":...} naming the fault; nothing is written
 *   unless the request passed every check.
 * - An asset's state in a reply to a lookup, a return or a transfer is
 *   folded from its lines in the log (fold_history), so it is exactly
 *   what the log says; lists show the state's copy of the same.
 * - Messages never quote personal data back except the email the client
 *   itself asked about.
 */
#include "api.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "event.h"
#include "hex.h"
#include "issue.h"
#include "json.h"
#include "log.h"
#include "state.h"
#include "store.h"
#include "view.h"

#define ERR_MAX 256
#define JSON_TYPE "application/json"
#define LIMIT_DEFAULT 50
#define LIMIT_MAX 500
#define Q_MAX 200

/* The compiled-in docs/openapi.yaml (see CMakeLists.txt). */
extern const unsigned char assetd_openapi_yaml[];
extern const size_t assetd_openapi_yaml_len;

/* ---- Replies ---- */

int api_error(const struct api_out *out, int status, const char *msg,
	      const struct api_header *h, size_t nh)
{
	struct view v = {0};

	view_raw(&v, "{\"error\":", 9);
	view_string(&v, msg, strlen(msg));
	view_raw(&v, "}", 1);
	if (v.failed)
		out->reply(out->ctx, 503, JSON_TYPE, "{\"error\":\"out of "
				     "memory\"}", 25, NULL, 0);
	else
		out->reply(out->ctx, status, JSON_TYPE, v.buf, v.len, h, nh);
	view_free(&v);
	return v.failed ? 503 : status;
}

/* Sends v as a JSON reply and frees it. */
static int send_view(const struct api_out *out, int status, struct view *v,
		     const struct api_header *h, size_t nh)
{
	if (v->failed) {
		view_free(v);
		return api_error(out, 503, "out of memory", NULL, 0);
	}
	out->reply(out->ctx, status, JSON_TYPE, v->buf, v->len, h, nh);
	view_free(v);
	return status;
}

static int store_failed(const struct api_out *out, int saved_errno)
{
	const char *msg;

	if (saved_errno == EAGAIN)
		msg = "the id counter cannot be written; nothing was written; "
		      "try again later";
	else if (saved_errno == EIO)
		msg = "the log could not be synced: this request may or may "
		      "not be recorded (after the restart, look it up or "
		      "retry with the same Idempotency-Key); the server needs "
		      "a restart";
	else if (saved_errno == EROFS)
		msg = "the log cannot be written safely; nothing was written; "
		      "the server needs a restart";
	else if (saved_errno == EOVERFLOW)
		msg = "every id has been used; nothing was issued";
	else if (saved_errno == ESHUTDOWN)
		msg = "the server is shutting down; nothing was written";
	else if (saved_errno == ENOMEM)
		msg = "the server is out of memory; nothing was written; "
		      "try again later";
	else
		msg = "the log cannot be written (disk full?); nothing was "
		      "written; try again later";
	return api_error(out, 503, msg, NULL, 0);
}

/* ---- Reading what the client sent ---- */

/* Reads an asset id: digits, no leading zero, 1 to STORE_ID_MAX.
 * Returns it, or 0. */
static uint64_t parse_id(const char *s, size_t len)
{
	uint64_t id = 0;

	if (len == 0 || len > 16 || s[0] == '0')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		id = id * 10 + (uint64_t)(s[i] - '0');
	}
	return id <= STORE_ID_MAX ? id : 0;
}

/* Decodes %XX (and '+' as a space when plus is set) into a new string
 * the caller frees. Returns NULL when the escapes or the UTF-8 are bad
 * or a NUL would result. */
static char *decode(const char *s, size_t len, int plus)
{
	char *d = malloc(len + 1);
	size_t k = 0;
	uint32_t cp;

	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (len - i < 3 || hex_value(s[i + 1]) < 0 ||
			    hex_value(s[i + 2]) < 0)
				goto bad;
			d[k++] = (char)(hex_value(s[i + 1]) * 16 +
					  hex_value(s[i + 2]));
			i += 2;
		} else {
			d[k++] = plus && s[i] == '+' ? ' ' : s[i];
		}
	}
	d[k] = '\0';
	for (size_t i = 0; i < k;) {
		int n = json_utf8_decode(d + i, k - i, &cp);

		if (n < 0 || cp == 0)
			goto bad;
		i += (size_t)n;
	}
	return d;
bad:
	free(d);
	return NULL;
}

/* The query parameters an endpoint reads. */
enum { P_EMAIL, P_TYPE, P_STATUS, P_Q, P_LIMIT, P_CURSOR, P_COUNT };

static const char *const param_names[P_COUNT] = {
	"employee_email", "asset_type", "status", "q", "limit", "cursor"};

struct params {
	char *value[P_COUNT];	/* decoded, or NULL when not given */
};

static void params_free(struct params *p)
{
	for (int i = 0; i < P_COUNT; i++)
		free(p->value[i]);
}

/* Names an unknown parameter in err, at most 64 bytes of it, with
 * anything but printable ASCII shown as '?'. */
static void unknown_param(const char *name, char *err, size_t errlen)
{
	char shown[65];
	size_t i = 0;

	for (; name[i] != '\0' && i < 64; i++)
		shown[i] = name[i] >= ' ' && name[i] < 0x7f ? name[i] : '?';
	shown[i] = '\0';
	snprintf(err, errlen, "unknown parameter \"%s\"", shown);
}

/* Takes one name=value pair into p. Returns 0, or -1 with err set. */
static int take_param(const char *pair, size_t len, unsigned allowed,
		      struct params *p, char *err, size_t errlen)
{
	const char *eq = memchr(pair, '=', len);
	size_t nlen = eq ? (size_t)(eq - pair) : len;
	char *name = decode(pair, nlen, 1);
	int i;

	if (name == NULL) {
		snprintf(err, errlen, "a parameter name is not valid "
				      "percent-encoded UTF-8");
		return -1;
	}
	for (i = 0; i < P_COUNT; i++) {
		if ((allowed & 1u << i) && strcmp(name, param_names[i]) == 0)
			break;
	}
	if (i == P_COUNT) {
		unknown_param(name, err, errlen);
		free(name);
		return -1;
	}
	free(name);
	if (p->value[i] != NULL) {
		snprintf(err, errlen, "parameter \"%s\" is given more than "
				      "once", param_names[i]);
		return -1;
	}
	p->value[i] = eq ? decode(eq + 1, len - nlen - 1, 1) : strdup("");
	if (p->value[i] == NULL) {
		snprintf(err, errlen, "parameter \"%s\" is not valid "
				      "percent-encoded UTF-8", param_names[i]);
		return -1;
	}
	return 0;
}

/* Splits the query on '&' into p. Returns 0, or -1 with err set. */
static int parse_query(const char *query, unsigned allowed,
		       struct params *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	while (query != NULL && *query != '\0') {
		size_t len = strcspn(query, "&");

		if (len > 0 &&
		    take_param(query, len, allowed, p, err, errlen) < 0)
			return -1;
		query += len + (query[len] == '&');
	}
	return 0;
}

/* Turns the parameters into a filter. Returns 0, or -1 with err set. */
/* s without the spaces and tabs around it (cut in place), or NULL when
 * nothing else is left: a pasted value often brings a blank along, and
 * issuing trimmed the stored values the same way. */
static char *filter_value(char *s)
{
	size_t n;

	if (s == NULL)
		return NULL;
	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return n > 0 ? s : NULL;
}

static int make_filter(struct params *p, struct state_filter *f,
		       size_t *limit, char *err, size_t errlen)
{
	const char *v;

	memset(f, 0, sizeof *f);
	f->status = -1;
	*limit = LIMIT_DEFAULT;
	f->email = filter_value(p->value[P_EMAIL]);
	f->type = filter_value(p->value[P_TYPE]);
	f->q = p->value[P_Q] && *p->value[P_Q] ? p->value[P_Q] : NULL;
	if ((v = p->value[P_STATUS]) != NULL) {
		f->status = strcmp(v, "issued") == 0	? 0
			    : strcmp(v, "returned") == 0 ? 1
							  : -2;
		if (f->status == -2) {
			snprintf(err, errlen,
				 "status must be \"issued\" or \"returned\"");
			return -1;
		}
	}
	if (f->q != NULL && strlen(f->q) > Q_MAX) {
		snprintf(err, errlen, "q is longer than %d bytes", Q_MAX);
		return -1;
	}
	if ((v = p->value[P_LIMIT]) != NULL) {
		uint64_t n = parse_id(v, strlen(v));

		if (n == 0 || n > LIMIT_MAX) {
			snprintf(err, errlen, "limit must be a whole number "
					      "from 1 to %d", LIMIT_MAX);
			return -1;
		}
		*limit = (size_t)n;
	}
	if ((v = p->value[P_CURSOR]) != NULL &&
	    (f->below = parse_id(v, strlen(v))) == 0) {
		snprintf(err, errlen, "cursor is not valid; use next_cursor "
				      "from the previous page");
		return -1;
	}
	return 0;
}

/* ---- An asset and its history, from the log ---- */

/* The lines of one asset's first upto events (all when upto is 0). */
struct history {
	struct state_line *lines;
	size_t n;
	char *text;		/* the lines, each NUL-terminated */
	struct event *events;
};

static void history_free(struct history *h)
{
	for (size_t i = 0; h->events != NULL && i < h->n; i++)
		event_free(&h->events[i]);
	free(h->events);
	free(h->lines);
	free(h->text);
}

/* Reads the lines. Returns 1, 0 when there is no such asset, or -1. */
static int history_read(struct store *st, uint64_t id, uint32_t upto,
			struct history *h)
{
	size_t total = 0, pos = 0;
	size_t n = state_history(store_state(st), id, NULL, 0);

	memset(h, 0, sizeof *h);
	if (n == 0)
		return 0;
	h->lines = calloc(n, sizeof *h->lines);
	if (h->lines == NULL)
		return -1;
	h->n = state_history(store_state(st), id, h->lines, n);
	h->n = h->n < n ? h->n : n;
	if (upto != 0 && upto < h->n)
		h->n = upto;
	for (size_t i = 0; i < h->n; i++)
		total += h->lines[i].len + 1;
	h->text = malloc(total + 1);
	h->events = calloc(h->n, sizeof *h->events);
	if (h->text == NULL || h->events == NULL)
		return -1;
	for (size_t i = 0; i < h->n; i++) {
		size_t len = h->lines[i].len;

		if (store_read(st, h->lines[i].off, h->text + pos, len) !=
		    (ssize_t)len)
			return -1;
		h->text[pos + len] = '\0';
		pos += len + 1;
	}
	return 1;
}

/* Parses the lines and folds them into the asset's state. */
static int fold_history(struct history *h, struct state_asset *a)
{
	char why[200];
	size_t pos = 0;

	memset(a, 0, sizeof *a);
	for (size_t i = 0; i < h->n; i++) {
		struct event *ev = &h->events[i];
		const struct issue_text *f = ev->field;

		if (event_parse(h->text + pos, h->lines[i].len, ev, why,
				sizeof why) != 0)
			return -1;
		pos += h->lines[i].len + 1;
		if (ev->kind == EVENT_ISSUED) {
			a->id = ev->id;
			a->type = f[ISSUE_TYPE].s;
			a->model = f[ISSUE_MODEL].s;
			a->comments = f[ISSUE_COMMENTS].s;
			a->issued_at = ev->at;
		}
		if (ev->kind != EVENT_RETURNED) {
			a->name = f[ISSUE_NAME].s;
			a->email = f[ISSUE_EMAIL].s;
		} else {
			a->returned = 1;
			a->returned_at = ev->at;
		}
	}
	return a->name != NULL ? 0 : -1;
}

/* Replies with the asset as it stood after its first upto events (all:
 * 0), and those events. */
static int send_asset(struct store *st, const struct api_out *out,
		      uint64_t id, uint32_t upto, int status,
		      const struct api_header *hd, size_t nh)
{
	struct history h;
	struct state_asset a;
	struct view v = {0};
	char err[ERR_MAX];
	int found = history_read(st, id, upto, &h);

	if (found == 0) {
		snprintf(err, sizeof err, "no asset with id %" PRIu64, id);
		return api_error(out, 404, err, NULL, 0);
	}
	if (found < 0 || fold_history(&h, &a) < 0) {
		history_free(&h);
		log_error("api: the log lines of asset %" PRIu64 " cannot be "
			  "read back", id);
		return api_error(out, 500, "the log lines of this asset "
					   "cannot be read", NULL, 0);
	}
	view_asset(&v, &a, 1);
	view_raw(&v, ",\"history\":[", 12);
	for (size_t i = 0, pos = 0; i < h.n; i++) {
		if (i > 0)
			view_raw(&v, ",", 1);
		view_raw(&v, h.text + pos, h.lines[i].len);
		pos += h.lines[i].len + 1;
	}
	view_raw(&v, "]}", 2);
	history_free(&h);
	return send_view(out, status, &v, hd, nh);
}

/* ---- Writes: issue, return, transfer ---- */

static const struct api_header replayed = {"Idempotent-Replayed", "true"};

/* Appends ev and answers what came of it. */
static int append_and_reply(struct store *st, const struct api_out *out,
			    struct event *ev)
{
	struct store_result res;
	struct api_header hd[2];
	char err[ERR_MAX], location[48], body[96];
	size_t nh = 0;
	int n;

	if (store_append(st, ev, &res) < 0)
		return store_failed(out, errno);

	switch (res.outcome) {
	case STORE_NOT_FOUND:
		snprintf(err, sizeof err, "no asset with id %" PRIu64, ev->id);
		return api_error(out, 404, err, NULL, 0);
	case STORE_RETURNED:
		snprintf(err, sizeof err,
			 ev->kind == EVENT_RETURNED
				 ? "asset %" PRIu64 " was already returned"
				 : "asset %" PRIu64 " was returned; it cannot "
				   "be transferred",
			 ev->id);
		return api_error(out, 409, err, NULL, 0);
	case STORE_SAME_HOLDER:
		snprintf(err, sizeof err, "asset %" PRIu64 " is already held "
					  "by that employee", ev->id);
		return api_error(out, 409, err, NULL, 0);
	case STORE_KEY_REUSED:
		return api_error(out, 422, "Idempotency-Key was already used "
					   "for a different request", NULL, 0);
	default:
		break;
	}
	if (res.outcome == STORE_REPLAYED)
		hd[nh++] = replayed;
	if (ev->kind != EVENT_ISSUED)
		return send_asset(st, out, res.id, res.event_no, 200, hd, nh);

	snprintf(location, sizeof location, "/api/assets/%" PRIu64, res.id);
	hd[nh++] = (struct api_header){"Location", location};
	n = snprintf(body, sizeof body,
		     "{\"message\":\"Asset issued\",\"id\":%" PRIu64 "}",
		     res.id);
	out->reply(out->ctx, 201, JSON_TYPE, body, (size_t)n, hd, nh);
	return 201;
}

/* Checks the id segment; 0 after an error reply. */
static uint64_t id_param(const struct api_match *m, const struct api_out *out)
{
	uint64_t id = parse_id(m->param, m->param_len);

	if (id == 0)
		api_error(out, 400, "asset id must be a whole number from 1 "
				    "to 9007199254740991", NULL, 0);
	return id;
}

static int post_event(struct store *st, const struct api_match *m,
		      const struct api_request *rq, const struct api_out *out,
		      enum event_kind kind)
{
	static const enum issue_kind rules[] = {
		[EVENT_ISSUED] = ISSUE_KIND_ISSUE,
		[EVENT_TRANSFERRED] = ISSUE_KIND_TRANSFER,
		[EVENT_RETURNED] = ISSUE_KIND_RETURN};
	struct event ev = {.kind = kind, .by = rq->by, .key = rq->key};
	struct issue iss = {0};
	char err[ERR_MAX];
	int status;

	if (kind != EVENT_ISSUED && (ev.id = id_param(m, out)) == 0)
		return 400;
	if (rq->key != NULL && !event_key_ok(rq->key))
		return api_error(out, 400, "Idempotency-Key must be 1 to 255 "
					   "visible ASCII characters other "
					   "than quotes and backslashes",
				 NULL, 0);
	for (int f = 0; f < ISSUE_FIELDS; f++)
		ev.field[f] = (struct issue_text){"", 0};
	/* A return's body is optional: empty or only white space is none. */
	if (kind != EVENT_RETURNED ||
	    strspn(rq->body, " \t\r\n") < rq->body_len) {
		if (issue_parse_kind(rq->body, rq->body_len, rules[kind], &iss,
				     err, sizeof err) < 0)
			return api_error(out, 400, err, NULL, 0);
		memcpy(ev.field, iss.field, sizeof ev.field);
	}
	status = append_and_reply(st, out, &ev);
	issue_free(&iss);
	return status;
}

/* ---- Reads ---- */

static int get_asset(struct store *st, const struct api_match *m,
		     const struct api_out *out)
{
	uint64_t id = id_param(m, out);

	return id == 0 ? 400 : send_asset(st, out, id, 0, 200, NULL, 0);
}

/* Appends the states of ids[0..n) as a JSON array's members. */
static void list_members(struct store *st, struct view *v,
			 const uint64_t *ids, size_t n)
{
	struct state_asset a;

	for (size_t i = 0; i < n; i++) {
		if (!state_get(store_state(st), ids[i], &a))
			continue; /* cannot happen: assets are never removed */
		if (i > 0)
			view_raw(v, ",", 1);
		view_asset(v, &a, 0);
	}
}

#define LIST_PARAMS 0x3Fu	/* every parameter */
#define CSV_PARAMS 0x0Fu	/* all but limit and cursor */

static int list_assets(struct store *st, const struct api_request *rq,
		       const struct api_out *out)
{
	struct params p;
	struct state_filter f;
	struct view v = {0};
	uint64_t ids[LIMIT_MAX + 1];
	size_t limit, n;
	char err[ERR_MAX];
	int rc;

	if (parse_query(rq->query, LIST_PARAMS, &p, err, sizeof err) < 0 ||
	    make_filter(&p, &f, &limit, err, sizeof err) < 0) {
		params_free(&p);
		return api_error(out, 400, err, NULL, 0);
	}
	rc = state_list(store_state(st), &f, ids, limit + 1, &n);
	params_free(&p);
	if (rc < 0)
		return api_error(out, 503, "out of memory", NULL, 0);

	view_raw(&v, "{\"assets\":[", 11);
	list_members(st, &v, ids, n < limit ? n : limit);
	view_raw(&v, "],\"next_cursor\":", 16);
	if (n > limit) {
		view_raw(&v, "\"", 1);
		view_uint(&v, ids[limit - 1]);
		view_raw(&v, "\"", 1);
	} else {
		view_raw(&v, "null", 4);
	}
	view_raw(&v, "}", 1);
	return send_view(out, 200, &v, NULL, 0);
}

#define CSV_BATCH 512

/* The export's next ids: a page of state_list(), or, when the filter
 * names an email, the next part of that person's whole list all[],
 * gathered once (paging would gather it again for every page). */
static int csv_batch(struct store *st, struct state_filter *f,
		     const uint64_t *all, size_t total, size_t *pos,
		     uint64_t *ids, size_t *n)
{
	if (f->email == NULL)
		return state_list(store_state(st), f, ids, CSV_BATCH, n);
	*n = total - *pos < CSV_BATCH ? total - *pos : CSV_BATCH;
	if (*n > 0)
		memcpy(ids, all + *pos, *n * sizeof *ids);
	*pos += *n;
	return 0;
}

/* Streams every match as CSV, a batch of rows per chunk. */
static int export_csv(struct store *st, const struct api_request *rq,
		      const struct api_out *out)
{
	static const struct api_header disposition = {
		"Content-Disposition", "attachment; filename=\"assets.csv\""};
	struct params p;
	struct state_filter f;
	struct state_asset a;
	struct view v = {0};
	uint64_t ids[CSV_BATCH], *all = NULL;
	size_t limit, n, total = 0, pos = 0;
	char err[ERR_MAX];
	int failed = 0;

	if (parse_query(rq->query, CSV_PARAMS, &p, err, sizeof err) < 0 ||
	    make_filter(&p, &f, &limit, err, sizeof err) < 0) {
		params_free(&p);
		return api_error(out, 400, err, NULL, 0);
	}
	if (f.email != NULL &&
	    state_list_all(store_state(st), &f, &all, &total) < 0) {
		params_free(&p);
		return api_error(out, 503, "out of memory", NULL, 0);
	}
	if (out->start(out->ctx, 200, "text/csv; charset=utf-8", &disposition,
		       1) < 0) {
		free(all);
		params_free(&p);
		return 500;
	}
	view_csv_header(&v);
	do {
		failed = csv_batch(st, &f, all, total, &pos, ids, &n) < 0;
		for (size_t i = 0; i < n; i++) {
			if (state_get(store_state(st), ids[i], &a))
				view_csv_row(&v, &a);
		}
		failed = failed || v.failed;
		if (failed || out->chunk(out->ctx, v.buf, v.len) < 0)
			break; /* Limit: cut short; the client sees no end */
		v.len = 0;
		if (n > 0)
			f.below = ids[n - 1];
	} while (n == CSV_BATCH);
	if (!failed)
		out->chunk(out->ctx, NULL, 0);
	free(all);
	view_free(&v);
	params_free(&p);
	return 200;
}

/* Whether s is an email as issuing accepts it (decoded, no controls).
 * Limit: an email an older version stored under looser rules is refused
 * here, because the path is checked with today's rules; the filter
 * ?employee_email= still finds it. */
static int email_ok(const char *s)
{
	size_t chars = 0;

	for (const char *c = s; *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return 0;
		chars += ((unsigned char)*c & 0xC0) != 0x80;
	}
	return chars <= ISSUE_EMAIL_MAX && issue_email_ok(s, strlen(s));
}

static int employee_assets(struct store *st, const struct api_match *m,
			   const struct api_out *out)
{
	char *email = decode(m->param, m->param_len, 0);
	struct state_filter f = {.status = 0};
	struct view v = {0};
	uint64_t *ids;
	size_t n;

	if (email == NULL || !email_ok(email)) {
		free(email);
		return api_error(out, 400, "employee email must be an address "
					   "like name@example.com", NULL, 0);
	}
	f.email = email;
	if (state_list_all(store_state(st), &f, &ids, &n) < 0) {
		free(email);
		return api_error(out, 503, "out of memory", NULL, 0);
	}
	view_raw(&v, "{\"employee_email\":", 18);
	view_string(&v, email, strlen(email));
	view_raw(&v, ",\"assets\":[", 11);
	list_members(st, &v, ids, n);
	view_raw(&v, "]}", 2);
	free(ids);
	free(email);
	return send_view(out, 200, &v, NULL, 0);
}

static int health(struct store *st, const struct api_out *out)
{
	uint64_t events, last_id;
	int broken = store_is_broken(st);
	struct view v = {0};

	state_counts(store_state(st), &events, &last_id);
	view_raw(&v, broken ? "{\"status\":\"failing\"" : "{\"status\":\"ok\"",
		 broken ? 19 : 14);
	view_raw(&v, ",\"records\":", 11);
	view_uint(&v, events);
	view_raw(&v, ",\"last_id\":", 11);
	view_uint(&v, last_id);
	if (broken) {
		static const char why[] = ",\"error\":\"the log cannot be "
					  "written safely; the server needs "
					  "a restart\"";

		view_raw(&v, why, sizeof why - 1);
	}
	view_raw(&v, "}", 1);
	return send_view(out, broken ? 503 : 200, &v, NULL, 0);
}

/* The line count and chain head an auditor writes down (AUDIT.md). */
static int audit_head(struct store *st, const struct api_out *out)
{
	char head[CHAIN_HEX + 1];
	uint64_t lines, events, last_id;
	struct view v = {0};

	store_head(st, &lines, head);
	state_counts(store_state(st), &events, &last_id);
	view_raw(&v, "{\"records\":", 11);
	view_uint(&v, lines);
	view_raw(&v, ",\"last_id\":", 11);
	view_uint(&v, last_id);
	view_raw(&v, ",\"head\":", 8);
	view_string(&v, head, CHAIN_HEX);
	view_raw(&v, "}", 1);
	return send_view(out, 200, &v, NULL, 0);
}

/* ---- Routes ---- */

enum route_id {
	R_ISSUE, R_LIST, R_CSV, R_GET, R_RETURN, R_TRANSFER, R_EMPLOYEE,
	R_HEALTH, R_AUDIT, R_OPENAPI
};

static const struct route {
	const char *spec;	/* "METHOD /path"; {x} is one segment */
	enum api_body body;
} routes[] = {
	/* routes: begin */
	[R_ISSUE] = {"POST /api/assets", API_BODY_REQUIRED},
	[R_LIST] = {"GET /api/assets", API_BODY_NONE},
	[R_CSV] = {"GET /api/assets.csv", API_BODY_NONE},
	[R_GET] = {"GET /api/assets/{id}", API_BODY_NONE},
	[R_RETURN] = {"POST /api/assets/{id}/return", API_BODY_OPTIONAL},
	[R_TRANSFER] = {"POST /api/assets/{id}/transfer", API_BODY_REQUIRED},
	[R_EMPLOYEE] = {"GET /api/employees/{email}/assets", API_BODY_NONE},
	[R_HEALTH] = {"GET /api/health", API_BODY_NONE},
	[R_AUDIT] = {"GET /api/audit/head", API_BODY_NONE},
	[R_OPENAPI] = {"GET /api/openapi.yaml", API_BODY_NONE},
	/* routes: end */
};

#define ROUTES (sizeof routes / sizeof *routes)

/* Whether path fits pattern; a {x} segment is captured into m. */
static int path_fits(const char *pattern, const char *path,
		     struct api_match *m)
{
	while (*pattern != '\0') {
		if (*pattern == '{') {
			size_t n = strcspn(path, "/");

			if (n == 0)
				return 0;
			m->param = path;
			m->param_len = n;
			path += n;
			pattern = strchr(pattern, '}') + 1;
			continue;
		}
		if (*pattern++ != *path++)
			return 0;
	}
	return *path == '\0';
}

int api_match(const char *method, const char *path, struct api_match *m,
	      const char **allow)
{
	static const char *const allows[] = {NULL, "GET, HEAD", "POST",
					     "GET, HEAD, POST"};
	unsigned methods = 0; /* 1: GET, 2: POST */
	const char *read = strcmp(method, "HEAD") == 0 ? "GET" : method;

	memset(m, 0, sizeof *m);
	for (size_t r = 0; r < ROUTES; r++) {
		const char *spec = routes[r].spec;
		size_t mlen = strcspn(spec, " ");

		if (!path_fits(spec + mlen + 1, path, m))
			continue;
		methods |= mlen == 3 ? 1u : 2u;
		if (strlen(read) == mlen && strncmp(spec, read, mlen) == 0) {
			m->route = (int)r;
			m->body = routes[r].body;
			return 0;
		}
	}
	*allow = allows[methods];
	return methods ? 405 : 404;
}

int api_handle(struct store *st, const struct api_match *m,
	       const struct api_request *rq, const struct api_out *out)
{
	struct params none;
	char err[ERR_MAX];

	/* Only the lists read parameters; elsewhere one is a mistake. */
	if (m->route != R_LIST && m->route != R_CSV &&
	    parse_query(rq->query, 0, &none, err, sizeof err) < 0) {
		params_free(&none);
		return api_error(out, 400, err, NULL, 0);
	}
	switch ((enum route_id)m->route) {
	case R_ISSUE:
		return post_event(st, m, rq, out, EVENT_ISSUED);
	case R_RETURN:
		return post_event(st, m, rq, out, EVENT_RETURNED);
	case R_TRANSFER:
		return post_event(st, m, rq, out, EVENT_TRANSFERRED);
	case R_LIST:
		return list_assets(st, rq, out);
	case R_CSV:
		return export_csv(st, rq, out);
	case R_GET:
		return get_asset(st, m, out);
	case R_EMPLOYEE:
		return employee_assets(st, m, out);
	case R_HEALTH:
		return health(st, out);
	case R_AUDIT:
		return audit_head(st, out);
	case R_OPENAPI:
		out->reply(out->ctx, 200, "application/yaml",
			   (const char *)assetd_openapi_yaml,
			   assetd_openapi_yaml_len, NULL, 0);
		return 200;
	}
	return api_error(out, 500, "internal error", NULL, 0);
}

/* SPDX-License-Identifier: MIT */
/*
 * view: an asset's state as JSON (the shape docs/API.md gives, keys in
 * one fixed order) and as a CSV row.
 *
 * CSV follows RFC 4180: fields separated by commas, rows ended by CRLF,
 * a field quoted when it holds a comma, a quote, CR or LF, and quotes
 * inside doubled. A text cell that a spreadsheet may run as a formula
 * (it starts with tab, CR or LF, or its first character after spaces and
 * line breaks is =, +, - or @) gets a ' in front: the cell then reads as
 * text. The ' is the only change made to a value.
 */
#include "view.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "json.h"

/* Makes room for n more bytes. */
static int room(struct view *v, size_t n)
{
	size_t cap = v->cap ? v->cap : 1024;
	char *p;

	if (v->failed)
		return -1;
	if (v->len + n <= v->cap)
		return 0;
	while (cap < v->len + n)
		cap *= 2;
	p = realloc(v->buf, cap);
	if (p == NULL) {
		v->failed = 1;
		return -1;
	}
	v->buf = p;
	v->cap = cap;
	return 0;
}

void view_raw(struct view *v, const char *s, size_t n)
{
	if (room(v, n) < 0)
		return;
	memcpy(v->buf + v->len, s, n);
	v->len += n;
}

void view_string(struct view *v, const char *s, size_t n)
{
	struct json_out o;

	if (room(v, 6 * n + 2) < 0)
		return;
	json_out_init(&o, v->buf + v->len, v->cap - v->len);
	json_out_string(&o, s, n);
	v->len += o.len;
}

void view_uint(struct view *v, uint64_t n)
{
	struct json_out o;

	if (room(v, 24) < 0)
		return;
	json_out_init(&o, v->buf + v->len, 24);
	json_out_uint(&o, n);
	v->len += o.len;
}

void view_free(struct view *v)
{
	free(v->buf);
	memset(v, 0, sizeof *v);
}

static void member(struct view *v, const char *name)
{
	view_raw(v, ",\"", 2);
	view_raw(v, name, strlen(name));
	view_raw(v, "\":", 2);
}

static void text_member(struct view *v, const char *name, const char *s)
{
	member(v, name);
	view_string(v, s, strlen(s));
}

void view_asset(struct view *v, const struct state_asset *a, int open)
{
	char at[21];

	view_raw(v, "{\"id\":", 6);
	view_uint(v, a->id);
	text_member(v, "status", a->returned ? "returned" : "issued");
	text_member(v, "employee_name", a->name);
	text_member(v, "employee_email", a->email);
	text_member(v, "asset_type", a->type);
	text_member(v, "asset_model", a->model);
	text_member(v, "comments", a->comments);
	event_time(a->issued_at, at);
	text_member(v, "issued_at", at);
	member(v, "returned_at");
	if (a->returned) {
		event_time(a->returned_at, at);
		view_string(v, at, strlen(at));
	} else {
		view_raw(v, "null", 4);
	}
	if (!open)
		view_raw(v, "}", 1);
}

/* ---- CSV ---- */

static void csv_cell(struct view *v, const char *s, int first)
{
	size_t lead = strspn(s, " \t\r\n");
	int formula = (s[0] != '\0' && strchr("\t\r\n", s[0]) != NULL) ||
		      (s[lead] != '\0' && strchr("=+-@", s[lead]) != NULL);
	int quote = strpbrk(s, ",\"\r\n") != NULL;

	if (!first)
		view_raw(v, ",", 1);
	if (quote)
		view_raw(v, "\"", 1);
	if (formula)
		view_raw(v, "'", 1);
	for (const char *p = s; *p != '\0';) {
		const char *q = strchr(p, '"');
		size_t n = q ? (size_t)(q - p) + 1 : strlen(p);

		view_raw(v, p, n);
		if (q != NULL)
			view_raw(v, "\"", 1); /* the quote, doubled */
		p += n;
	}
	if (quote)
		view_raw(v, "\"", 1);
}

void view_csv_header(struct view *v)
{
	static const char head[] =
		"id,status,employee_name,employee_email,asset_type,"
		"asset_model,comments,issued_at,returned_at\r\n";

	view_raw(v, head, sizeof head - 1);
}

void view_csv_row(struct view *v, const struct state_asset *a)
{
	char id[24], at[21];
	struct json_out o;

	json_out_init(&o, id, sizeof id - 1);
	json_out_uint(&o, a->id);
	id[o.len] = '\0';
	csv_cell(v, id, 1);
	csv_cell(v, a->returned ? "returned" : "issued", 0);
	csv_cell(v, a->name, 0);
	csv_cell(v, a->email, 0);
	csv_cell(v, a->type, 0);
	csv_cell(v, a->model, 0);
	csv_cell(v, a->comments, 0);
	event_time(a->issued_at, at);
	csv_cell(v, at, 0);
	if (a->returned)
		event_time(a->returned_at, at);
	csv_cell(v, a->returned ? at : "", 0);
	view_raw(v, "\r\n", 2);
}

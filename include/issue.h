/* SPDX-License-Identifier: MIT */
/*
 * issue: the rules of a request body, from a raw body to the checked
 * fields of an issue, a transfer or a return. See src/issue.c for the
 * rules and their order; the log line the fields go into is written by
 * src/event.c (event.h).
 */
#ifndef ASSETD_ISSUE_H
#define ASSETD_ISSUE_H

#include <stddef.h>

#include "json.h"

/* Limits, in Unicode code points, after trimming. */
#define ISSUE_NAME_MAX 200
#define ISSUE_EMAIL_MAX 254
#define ISSUE_TYPE_MAX 100
#define ISSUE_MODEL_MAX 200
#define ISSUE_COMMENTS_MAX 2000

enum issue_field {
	ISSUE_NAME,
	ISSUE_EMAIL,
	ISSUE_TYPE,
	ISSUE_MODEL,
	ISSUE_COMMENTS,
	ISSUE_FIELDS
};

/* Which request a body is for; see src/issue.c for what each reads. */
enum issue_kind {
	ISSUE_KIND_ISSUE,
	ISSUE_KIND_TRANSFER,
	ISSUE_KIND_RETURN
};

struct issue_text {
	const char *s; /* UTF-8, points into the parsed body's arena */
	size_t len;
};

struct issue {
	struct issue_text field[ISSUE_FIELDS];
	struct json_object obj; /* owns the text */
};

/*
 * Checks body[0..len) as a request of the given kind. Returns 0 and
 * fills iss, with "" for the fields the kind does not read (the caller
 * frees it with issue_free), or -1 with a one-line message for a 400
 * reply in err.
 */
int issue_parse_kind(const char *body, size_t len, enum issue_kind kind,
		     struct issue *iss, char *err, size_t errlen);

void issue_free(struct issue *iss);

/* 1 when s[0..len) passes the email rule (src/issue.c): local@domain,
 * both dot-atoms of ASCII atext or visible non-ASCII characters, the
 * domain of two or more labels; no white space, control or invisible
 * (Default_Ignorable) character. Does not check the length limit. */
int issue_email_ok(const char *s, size_t len);

#endif

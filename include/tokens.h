/* SPDX-License-Identifier: MIT */
/*
 * tokens: who may call the API. A tokens file holds one line per token:
 *
 *   helpdesk-1 issue 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c...
 *
 * a name, a role and the SHA-256 of the token in hex; never the token
 * itself, so a copy of the file does not let anyone in. The server looks
 * tokens up here; `assetd token ...` edits the file.
 */
#ifndef ASSETD_TOKENS_H
#define ASSETD_TOKENS_H

#include <stddef.h>

/* Ordered: each role may do everything the ones before it may. */
enum token_role {
	TOKEN_READ = 1,	 /* every method but POST */
	TOKEN_ISSUE = 2, /* read, and POST: issue, return, transfer */
	TOKEN_ADMIN = 3	 /* the same as issue: no request needs more */
};

#define TOKEN_NAME_MAX 64 /* bytes, with the NUL */

struct token_set;

/* Reads the tokens file at path. A missing file is an empty set (every
 * lookup fails). A malformed line is an error "path:line: reason".
 * Returns NULL with err set. */
struct token_set *tokens_open(const char *path, char *err, size_t errlen);

void tokens_close(struct token_set *ts);

/*
 * Looks up a bearer token. Thread-safe. Re-reads the file first when it
 * has changed (checked at most once a second); if the new file is
 * malformed, the old set stays and a warning is logged. Every entry is
 * compared, in constant time. Returns 1 and fills name and role when the
 * token is known, else 0.
 */
int tokens_lookup(struct token_set *ts, const char *token, size_t len,
		  char name[TOKEN_NAME_MAX], enum token_role *role);

/* "read", "issue", "admin". */
int tokens_role_parse(const char *text, enum token_role *role);
const char *tokens_role_name(enum token_role role);

/*
 * The `assetd token` command on the file at path; argv[0] is the verb:
 *   add NAME ROLE   prints a new random token once, appends its hash
 *   list            prints each name and role
 *   revoke NAME     removes NAME's line
 * Returns the exit code: 0 done, 1 failed (message on stderr), 2 usage.
 */
int tokens_cli(const char *path, int argc, char **argv);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * access: bearer tokens, roles and the slow-down of failed tokens.
 *
 * A request without a token, or with one the tokens file does not know,
 * gets 401; a known token whose role is too low gets 403. Only unknown
 * tokens count against the client's address (nothing was guessed in the
 * other two); after ACCESS_FAILURES_MAX in one window of
 * ACCESS_WINDOW_SECONDS the address gets 429 until the window ends,
 * without its tokens being looked at. Other addresses are not affected,
 * and an address takes a slot in the table only by failing.
 *
 * Limit: failures are counted in a table of FAIL_SLOTS addresses; when
 * it is full the oldest window is dropped, because memory must stay
 * bounded whatever an attacker sends.
 */
#include "access.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"

#define FAIL_SLOTS 1024

struct fail_slot {
	char client[48];
	time_t window_start;
	unsigned failures;
};

struct access {
	struct token_set *tokens; /* NULL: open server */
	pthread_mutex_t mu;	  /* guards fails */
	struct fail_slot fails[FAIL_SLOTS];
};

static int is_loopback(const char *listen)
{
	struct in_addr addr;

	return config_listen_addr(listen, &addr) == 0 &&
	       (ntohl(addr.s_addr) >> 24) == 127;
}

struct access *access_open(const struct config *cfg, char *err,
			   size_t errlen)
{
	struct access *a = calloc(1, sizeof *a);

	if (a == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&a->mu, NULL);
	if (cfg->tokens_file[0]) {
		a->tokens = tokens_open(cfg->tokens_file, err, errlen);
		if (a->tokens == NULL)
			goto fail;
		return a;
	}
	if (is_loopback(cfg->listen))
		return a;
	if (!cfg->allow_anonymous) {
		snprintf(err, errlen,
			 "listen %s is not a loopback address and no "
			 "tokens_file is set: set tokens_file, or "
			 "allow_anonymous = yes to let anyone who can reach "
			 "the port issue assets",
			 cfg->listen);
		goto fail;
	}
	log_warn("access: no tokens_file and allow_anonymous = yes: anyone "
		 "who can reach %s may issue assets",
		 cfg->listen);
	return a;
fail:
	access_close(a);
	return NULL;
}

void access_close(struct access *a)
{
	if (a == NULL)
		return;
	tokens_close(a->tokens);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

int access_required(const struct access *a)
{
	return a->tokens != NULL;
}

/* With a->mu held: the client's slot, its window renewed if over. A
 * client without one gets the oldest slot when create is set, else NULL
 * (looking must not push another address's penalty out). */
static struct fail_slot *fail_slot(struct access *a, const char *client,
				   time_t now, int create)
{
	struct fail_slot *oldest = &a->fails[0];

	for (size_t i = 0; i < FAIL_SLOTS; i++) {
		struct fail_slot *f = &a->fails[i];

		if (strcmp(f->client, client) == 0) {
			if (now - f->window_start >= ACCESS_WINDOW_SECONDS) {
				f->window_start = now;
				f->failures = 0;
			}
			return f;
		}
		if (f->window_start < oldest->window_start)
			oldest = f;
	}
	if (!create)
		return NULL;
	snprintf(oldest->client, sizeof oldest->client, "%s", client);
	oldest->window_start = now;
	oldest->failures = 0;
	return oldest;
}

/* Returns the seconds left in the client's penalty, or 0. When fail is
 * set, counts one more failure first. */
static unsigned penalty(struct access *a, const char *client, int fail)
{
	time_t now = time(NULL);
	unsigned left = 0;

	pthread_mutex_lock(&a->mu);
	struct fail_slot *f = fail_slot(a, client, now, fail);

	if (f != NULL && fail)
		f->failures++;
	if (f != NULL && f->failures > ACCESS_FAILURES_MAX)
		left = (unsigned)(f->window_start - now +
				  ACCESS_WINDOW_SECONDS);
	pthread_mutex_unlock(&a->mu);
	return left;
}

/* The token of "Bearer TOKEN", or NULL. */
static const char *bearer(const char *authorization)
{
	if (authorization == NULL ||
	    strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	authorization += 7;
	while (*authorization == ' ')
		authorization++;
	return *authorization ? authorization : NULL;
}

/* The token's length without trailing blanks, which a header value may
 * carry and no token has. */
static size_t token_len(const char *token)
{
	size_t n = strlen(token);

	while (n > 0 && (token[n - 1] == ' ' || token[n - 1] == '\t'))
		n--;
	return n;
}

/* A 401: counts against the client's address. */
static void refuse(struct access *a, const char *client,
		   const char *message, struct access_result *r)
{
	r->status = 401;
	r->message = message;
	r->retry_after = penalty(a, client, 1);
	if (r->retry_after > 0) {
		r->status = 429;
		r->message = "too many failed tokens from this address; try "
			     "again later";
	}
}

void access_check(struct access *a, const char *client,
		  const char *authorization, enum token_role need,
		  struct access_result *r)
{
	const char *token = bearer(authorization);
	enum token_role role;

	memset(r, 0, sizeof *r);
	if (a->tokens == NULL)
		return;

	r->retry_after = penalty(a, client, 0);
	if (r->retry_after > 0) {
		r->status = 429;
		r->message = "too many failed tokens from this address; try "
			     "again later";
		return;
	}
	if (token == NULL) {
		/* Nothing was guessed: not counted, so a probe without a
		 * token cannot lock others out behind a proxy. */
		r->status = 401;
		r->message = "a bearer token is required";
		return;
	}
	if (!tokens_lookup(a->tokens, token, token_len(token), r->who,
			   &role)) {
		refuse(a, client, "unknown token", r);
		r->who[0] = '\0';
		return;
	}
	if (role < need) { /* only a read token's POST: nothing needs admin */
		r->status = 403;
		r->message = "this token may only read";
		r->who[0] = '\0';
	}
}

/* SPDX-License-Identifier: MIT */
/* Unit tests of access: the loopback rule, roles, and the slow-down of
 * failed tokens per client address, with a real tokens file. */
#include <openssl/sha.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "access.h"
#include "log.h"

static char path[] = "/tmp/assetd-access-XXXXXX";
static char err[512];

/* One line "name role sha256(token)". */
static void add_line(FILE *f, const char *name, const char *role,
		     const char *token)
{
	unsigned char h[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)token, strlen(token), h);
	fprintf(f, "%s %s ", name, role);
	for (size_t i = 0; i < sizeof h; i++)
		fprintf(f, "%02x", h[i]);
	fputc('\n', f);
}

static int setup(void **state)
{
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	(void)state;
	add_line(f, "reader", "read", "adt_r");
	add_line(f, "desk", "issue", "adt_i");
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	strcpy(path, "/tmp/assetd-access-XXXXXX");
	return 0;
}

static struct access *open_with(const char *listen, const char *tokens,
				int anonymous)
{
	struct config c;

	config_defaults(&c);
	strcpy(c.listen, listen);
	strcpy(c.tokens_file, tokens);
	c.allow_anonymous = anonymous;
	return access_open(&c, err, sizeof err);
}

static void open_server_on_loopback_only(void **state)
{
	struct access *a = open_with("127.0.0.1:8080", "", 0);
	struct access_result r;

	(void)state;
	assert_non_null(a);
	assert_false(access_required(a));
	access_check(a, "127.0.0.1", NULL, TOKEN_ISSUE, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.who, "");
	access_close(a);

	assert_null(open_with("0.0.0.0:8080", "", 0));
	assert_string_equal(err, "listen 0.0.0.0:8080 is not a loopback "
				 "address and no tokens_file is set: set "
				 "tokens_file, or allow_anonymous = yes to let "
				 "anyone who can reach the port issue assets");
	a = open_with("0.0.0.0:8080", "", 1);
	assert_non_null(a);
	access_close(a);
}

static void roles(void **state)
{
	struct access *a = open_with("0.0.0.0:8080", path, 0);
	struct access_result r;

	(void)state;
	assert_non_null(a);
	assert_true(access_required(a));

	access_check(a, "10.0.0.1", NULL, TOKEN_READ, &r);
	assert_int_equal(r.status, 401);
	assert_string_equal(r.message, "a bearer token is required");
	access_check(a, "10.0.0.1", "Basic eDp5", TOKEN_READ, &r);
	assert_int_equal(r.status, 401);
	access_check(a, "10.0.0.1", "Bearer adt_x", TOKEN_READ, &r);
	assert_int_equal(r.status, 401);
	assert_string_equal(r.message, "unknown token");

	access_check(a, "10.0.0.1", "Bearer adt_r", TOKEN_READ, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.who, "reader");
	access_check(a, "10.0.0.1", "Bearer adt_r", TOKEN_ISSUE, &r);
	assert_int_equal(r.status, 403);
	assert_string_equal(r.message, "this token may only read");
	assert_string_equal(r.who, "");
	access_check(a, "10.0.0.1", "Bearer adt_i \t ", TOKEN_ISSUE, &r);
	assert_int_equal(r.status, 0);
	access_check(a, "10.0.0.1", "bearer  adt_i", TOKEN_ISSUE, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.who, "desk");
	access_close(a);
}

static void failures_slow_down_one_address(void **state)
{
	struct access *a = open_with("127.0.0.1:8080", path, 0);
	struct access_result r;

	(void)state;
	for (int i = 0; i < 30; i++) {
		access_check(a, "10.0.0.2", NULL, TOKEN_READ, &r);
		assert_int_equal(r.status, 401); /* no token: not counted */
	}
	for (int i = 0; i < ACCESS_FAILURES_MAX; i++) {
		access_check(a, "10.0.0.2", "Bearer adt_bad", TOKEN_READ, &r);
		assert_int_equal(r.status, 401);
	}
	access_check(a, "10.0.0.2", "Bearer adt_bad", TOKEN_READ, &r);
	assert_int_equal(r.status, 429);
	assert_string_equal(r.message, "too many failed tokens from this "
				       "address; try again later");
	assert_true(r.retry_after >= 1 && r.retry_after <= 60);
	access_check(a, "10.0.0.2", "Bearer adt_i", TOKEN_ISSUE, &r);
	assert_int_equal(r.status, 429);

	access_check(a, "10.0.0.3", "Bearer adt_i", TOKEN_ISSUE, &r);
	assert_int_equal(r.status, 0);
	access_close(a);
}

/* Requests that are not failures (no token, a good token, a role too
 * low) from many other addresses must not push a penalty out of the
 * table: only failing takes a slot. */
static void other_addresses_do_not_lift_a_penalty(void **state)
{
	struct access *a = open_with("127.0.0.1:8080", path, 0);
	struct access_result r;
	char client[32];

	(void)state;
	for (int i = 0; i <= ACCESS_FAILURES_MAX; i++)
		access_check(a, "10.0.0.9", "Bearer adt_bad", TOKEN_READ, &r);
	assert_int_equal(r.status, 429);

	for (int i = 0; i < 3000; i++) {
		snprintf(client, sizeof client, "10.1.%d.%d", i / 250,
			 i % 250);
		access_check(a, client, i % 3 == 0   ? NULL
				    : i % 3 == 1 ? "Bearer adt_i"
						 : "Bearer adt_r",
			     TOKEN_ISSUE, &r);
		assert_int_equal(r.status, i % 3 == 0   ? 401
					   : i % 3 == 1 ? 0
							: 403);
	}
	access_check(a, "10.0.0.9", "Bearer adt_i", TOKEN_ISSUE, &r);
	assert_int_equal(r.status, 429);
	access_close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_server_on_loopback_only),
		cmocka_unit_test_setup_teardown(roles, setup, teardown),
		cmocka_unit_test_setup_teardown(failures_slow_down_one_address,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			other_addresses_do_not_lift_a_penalty, setup, teardown),
	};
	log_set_level(LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

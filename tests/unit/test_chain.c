/* SPDX-License-Identifier: MIT */
/* Unit tests of chain: known answers (computed with Python's hashlib
 * and hmac, independently of OpenSSL's use here) for the start value,
 * a plain link, a keyed link, and long bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chain.h"

#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"

static void start_is_sha256_of_the_prefix(void **state)
{
	char out[CHAIN_HEX + 1];

	(void)state;
	assert_int_equal(chain_start("", 0, out), 0);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e46"
				 "49b934ca495991b7852b855");
	assert_int_equal(chain_start("abc", 3, out), 0);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a39"
				 "6177a9cb410ff61f20015ad");
}

static void plain_and_keyed_links(void **state)
{
	struct chain c;
	char out[CHAIN_HEX + 1];

	(void)state;
	chain_init(&c, NULL);
	assert_int_equal(chain_next(&c, ZEROS, "abc", 3, out), 0);
	assert_string_equal(out, "b64374d04ef9c4f39fddb1e0d6be38a0130f6c057"
				 "fc0f4ee467ea0e18bc758f1");
	chain_init(&c, "");
	assert_int_equal(chain_next(&c, ZEROS, "abc", 3, out), 0);
	assert_string_equal(out, "b64374d04ef9c4f39fddb1e0d6be38a0130f6c057"
				 "fc0f4ee467ea0e18bc758f1");
	chain_init(&c, "0123456789abcdef");
	assert_int_equal(chain_next(&c, ZEROS, "abc", 3, out), 0);
	assert_string_equal(out, "97e1d535e71685a6d00495a005802d30964492220"
				 "3ea83304141c8e5135d1279");
}

/* A body longer than the keyed path's stack buffer. */
static void long_keyed_body(void **state)
{
	struct chain c;
	char out[CHAIN_HEX + 1];
	char *body = malloc(10000);

	(void)state;
	memset(body, 'x', 10000);
	chain_init(&c, "0123456789abcdef");
	assert_int_equal(chain_next(&c, ZEROS, body, 10000, out), 0);
	assert_string_equal(out, "9aad1a6438cadd7fd83e1a16ddf6bb8627034267a"
				 "4b55546270c3cf423c8bfd4");
	free(body);
}

static void hex_digits(void **state)
{
	(void)state;
	assert_true(chain_hex_ok(ZEROS));
	assert_true(chain_hex_ok("0123456789abcdef0123456789abcdef"
				 "0123456789abcdef0123456789abcdef"));
	assert_false(chain_hex_ok("0123456789ABCDEF0123456789abcdef"
				  "0123456789abcdef0123456789abcdef"));
	assert_false(chain_hex_ok("0123456789abcdeg0123456789abcdef"
				  "0123456789abcdef0123456789abcdef"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(start_is_sha256_of_the_prefix),
		cmocka_unit_test(plain_and_keyed_links),
		cmocka_unit_test(long_keyed_body),
		cmocka_unit_test(hex_digits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

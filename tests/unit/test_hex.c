/* SPDX-License-Identifier: MIT */
/* Unit tests of hex: every byte value read as a digit, and bytes written
 * as lower-case pairs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"

static void every_byte_as_a_digit(void **state)
{
	const char *digits = "0123456789abcdef";
	const char *upper = "ABCDEF";
	int seen = 0;

	(void)state;
	for (int c = 0; c < 256; c++) {
		const char *lo = c != 0 ? strchr(digits, c) : NULL;
		const char *up = c != 0 ? strchr(upper, c) : NULL;
		int want = lo ? (int)(lo - digits)
			      : up ? (int)(up - upper) + 10 : -1;

		assert_int_equal(hex_value(c), want);
		seen += want >= 0;
	}
	assert_int_equal(seen, 22);
	assert_int_equal(hex_value(-1), -1);
}

static void bytes_as_lower_case_pairs(void **state)
{
	const unsigned char in[] = {0x00, 0x7f, 0x80, 0xff, 0xab, 0x09};
	char out[2 * sizeof in + 1];

	(void)state;
	memset(out, 'x', sizeof out);
	hex_encode(in, sizeof in, out);
	assert_string_equal(out, "007f80ffab09");

	memset(out, 'x', sizeof out);
	hex_encode(in, 0, out);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_byte_as_a_digit),
		cmocka_unit_test(bytes_as_lower_case_pairs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

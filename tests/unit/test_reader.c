/* SPDX-License-Identifier: MIT */
/* Unit tests of reader: every line once and in order across many
 * batches, parse results kept per line, a torn tail, an empty map, and
 * stopping early (the leak check of the sanitizer build sees the rest
 * freed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reader.h"

#define LINES 2000
#define BAD 1234 /* this line is not JSON */

/* LINES returned events, line BAD broken, and a torn tail. */
static char *make_log(size_t *len)
{
	char *text = malloc(LINES * 96 + 64);
	size_t n = 0;

	for (int i = 1; i <= LINES; i++)
		n += (size_t)sprintf(text + n,
				     i == BAD ? "not json %d\n"
					      : "{\"id\":%d,\"event\":"
						"\"returned\",\"at\":\"2026-12-"
						"04T15:04:05Z\",\"comments\":"
						"\"\"}\n",
				     i);
	n += (size_t)sprintf(text + n, "{\"id\":9,\"ev");
	*len = n;
	return text;
}

static void every_line_in_order(void **state)
{
	size_t len, expect_pos = 0;
	char *text = make_log(&len);
	struct reader *r = reader_start(text, len);
	const struct reader_line *l;
	int k = 0;

	(void)state;
	assert_non_null(r);
	while ((l = reader_next(r)) != NULL) {
		k++;
		assert_int_equal(l->pos, expect_pos);
		if (k <= LINES) {
			assert_true(l->whole);
			assert_int_equal(l->rc, k == BAD ? EVENT_NOT_JSON : 0);
			if (k != BAD)
				assert_int_equal(l->ev.id, (uint64_t)k);
		} else {
			assert_false(l->whole);
			assert_int_equal(l->n, strlen("{\"id\":9,\"ev"));
		}
		expect_pos += l->n + 1;
	}
	assert_int_equal(k, LINES + 1);
	assert_null(reader_next(r));
	reader_stop(r);
	free(text);
}

static void empty_and_early_stop(void **state)
{
	size_t len;
	char *text = make_log(&len);
	struct reader *r = reader_start("", 0);

	(void)state;
	assert_non_null(r);
	assert_null(reader_next(r));
	reader_stop(r);

	for (int stop_after = 0; stop_after < 600; stop_after += 97) {
		r = reader_start(text, len);
		for (int i = 0; i < stop_after; i++)
			assert_non_null(reader_next(r));
		reader_stop(r);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_line_in_order),
		cmocka_unit_test(empty_and_early_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

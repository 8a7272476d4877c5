/* SPDX-License-Identifier: MIT */
/*
 * fuzz_event: libFuzzer harness over event_parse(), the reader of every
 * log line at start-up and in assetd verify.
 *
 * Invariants, checked with CHECK (which aborts, so libFuzzer saves the
 * input):
 *   - refused: the reason is non-empty, NUL-terminated inside its buffer
 *     and one line;
 *   - accepted: writing the event back (event_format, or
 *     event_format_chained with its seq when the line was chained) gives
 *     exactly one line that event_parse() accepts again with the same id,
 *     kind, time, by, key, seq and field values: nothing the reader
 *     accepts is lost or changed by the writer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "chain.h"
#include "event.h"

#define WHY_BYTES 256
#define WHY_FILL 0x5A

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_text(const char *a, const char *b)
{
	return (a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0);
}

static void check_same(const struct event *a, const struct event *b)
{
	CHECK(a->id == b->id);
	CHECK(a->kind == b->kind);
	CHECK(a->at == b->at);
	CHECK(a->seq == b->seq);
	CHECK((a->chain == NULL) == (b->chain == NULL));
	CHECK(same_text(a->by, b->by));
	CHECK(same_text(a->key, b->key));
	for (int f = 0; f < ISSUE_FIELDS; f++) {
		CHECK(a->field[f].len == b->field[f].len);
		CHECK(memcmp(a->field[f].s, b->field[f].s, a->field[f].len) ==
		      0);
	}
}

static void write_back(const struct event *ev)
{
	static const char prev[CHAIN_HEX + 1] =
		"00000000000000000000000000000000"
		"00000000000000000000000000000000";
	char why[WHY_BYTES], head[CHAIN_HEX + 1];
	char *line = malloc(event_line_max(ev));
	struct chain c;
	struct event back;
	size_t len;

	CHECK(line != NULL);
	chain_init(&c, NULL);
	len = ev->chain ? event_format_chained(ev, ev->seq, &c, prev, line,
					       head)
			: event_format(ev, line);
	CHECK(len > 1 && line[len - 1] == '\n');
	CHECK(memchr(line, '\n', len - 1) == NULL);
	CHECK(event_parse(line, len - 1, &back, why, sizeof why) == 0);
	check_same(ev, &back);
	event_free(&back);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[WHY_BYTES];
	struct event ev;

	memset(why, WHY_FILL, sizeof why);
	if (event_parse((const char *)data, size, &ev, why, sizeof why) != 0) {
		char *nul = memchr(why, '\0', sizeof why);

		CHECK(nul != NULL && nul > why);
		CHECK(memchr(why, '\n', (size_t)(nul - why)) == NULL);
		return 0;
	}
	write_back(&ev);
	event_free(&ev);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* Unit tests of store on real files in a temporary directory: appends,
 * the counter, the lock, torn tails at every offset, damage, and write
 * and sync failures made for real. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "chain.h"
#include "event.h"
#include "log.h"
#include "state.h"
#include "store.h"

static char dir[64];
static char err[512];

static const char fields[] =
	"\"employee_name\":\"A\",\"employee_email\":\"a@example.com\","
	"\"asset_type\":\"laptop\",\"asset_model\":\"X1\",\"comments\":\"\"";

/* The chain's start on an empty log: the SHA-256 of nothing. */
#define EMPTY_SHA256                                                    \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* A valid issued line with id N, as the writer would put it. */
#define LINE(N)                                                        \
	"{\"id\":" #N ",\"event\":\"issued\","                              \
	"\"at\":\"2026-12-04T15:04:05Z\","                                     \
	"\"employee_name\":\"A\",\"employee_email\":\"a@example.com\","     \
	"\"asset_type\":\"laptop\",\"asset_model\":\"X1\","                 \
	"\"comments\":\"\"}\n"

/* The event append_ok() writes. */
static struct event issued(const char *by)
{
	struct event ev = {.kind = EVENT_ISSUED, .by = by};

	ev.field[ISSUE_NAME] = (struct issue_text){"A", 1};
	ev.field[ISSUE_EMAIL] = (struct issue_text){"a@example.com", 13};
	ev.field[ISSUE_TYPE] = (struct issue_text){"laptop", 6};
	ev.field[ISSUE_MODEL] = (struct issue_text){"X1", 2};
	ev.field[ISSUE_COMMENTS] = (struct issue_text){"", 0};
	return ev;
}

/* Appends ev; returns what store_append() returned. */
static int append(struct store *s, struct event ev, uint64_t *id)
{
	struct store_result res;
	int rc = store_append(s, &ev, &res);

	*id = res.id;
	return rc;
}

static char *path_of(const char *name)
{
	static char path[128];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

/* Reads a whole file; returns "" for a missing one. Caller frees. */
static char *slurp(const char *name)
{
	FILE *f = fopen(path_of(name), "rb");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(buf);
	if (f == NULL)
		return buf;
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void spit(const char *name, const char *text)
{
	FILE *f = fopen(path_of(name), "wb");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/assetd-store-XXXXXX");
	assert_non_null(mkdtemp(dir));
	unsetenv("ASSETD_TEST_FAIL_SYNC");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static struct store *open_ok(void)
{
	struct store *s = store_open(dir, NULL, err, sizeof err);

	if (s == NULL)
		fail_msg("store_open: %s", err);
	return s;
}

static uint64_t append_ok(struct store *s)
{
	uint64_t id = 0;

	assert_int_equal(append(s, issued(NULL), &id), 0);
	return id;
}

/* Checks the line's shape with the time masked out, and that its chain
 * value follows prev (updated to it). */
static void assert_line(const char *line, uint64_t id, char *prev)
{
	char want[400], got[400], value[CHAIN_HEX + 1];
	const char *at = strstr(line, "\"at\":\"");
	const char *end = strchr(line, '\n');
	const char *chain = strstr(line, ",\"chain\":\"");
	struct chain c;

	assert_non_null(at);
	assert_non_null(chain);
	snprintf(got, sizeof got, "%.*s\"at\":\"T\"%.*s", (int)(at - line),
		 line, (int)(chain - (at + 27)), at + 27);
	snprintf(want, sizeof want,
		 "{\"id\":%llu,\"event\":\"issued\",\"at\":\"T\",%s,"
		 "\"seq\":%llu",
		 (unsigned long long)id, fields, (unsigned long long)id);
	assert_string_equal(got, want);
	assert_true(at[6 + 4] == '-' && at[6 + 10] == 'T' && at[6 + 19] == 'Z');

	chain_init(&c, NULL);
	assert_int_equal(chain_next(&c, prev, line, (size_t)(chain - line),
				    value),
			 0);
	assert_int_equal(end - chain, CHAIN_TAIL_LEN);
	assert_memory_equal(chain + 10, value, CHAIN_HEX);
	memcpy(prev, value, sizeof value);
}

static void append_and_reopen(void **state)
{
	struct store *s = open_ok();
	char *log, *counter;

	(void)state;
	assert_int_equal(append_ok(s), 1);
	assert_int_equal(append_ok(s), 2);
	store_close(s);

	log = slurp(STORE_LOG_NAME);
	char prev[CHAIN_HEX + 1] = EMPTY_SHA256;
	assert_line(log, 1, prev);
	assert_line(strchr(log, '\n') + 1, 2, prev);
	counter = slurp(STORE_COUNTER_NAME);
	assert_string_equal(counter, "2\n");

	s = open_ok();
	assert_int_equal(append_ok(s), 3);
	store_close(s);
	free(log);
	free(counter);
}

static void by_follows_at(void **state)
{
	struct store *s = open_ok();
	uint64_t id = 0;
	char *log;

	(void)state;
	assert_int_equal(append(s, issued("helpdesk-1"), &id), 0);
	assert_int_equal(append(s, issued("a b"), &id), -1);
	assert_int_equal(errno, EINVAL);
	store_close(s);
	log = slurp(STORE_LOG_NAME);
	assert_non_null(strstr(log, "Z\",\"by\":\"helpdesk-1\","
				    "\"employee_name\""));
	assert_int_equal(strchr(log, '\n')[1], '\0');
	free(log);
}

static void counter_reserves_ahead_while_open(void **state)
{
	struct store *s = open_ok();
	char *counter;

	(void)state;
	append_ok(s);
	counter = slurp(STORE_COUNTER_NAME);
	assert_string_equal(counter, "1000\n");
	store_close(s);
	free(counter);
}

static void second_open_refused(void **state)
{
	struct store *s = open_ok();
	char want[160];

	(void)state;
	assert_null(store_open(dir, NULL, err, sizeof err));
	snprintf(want, sizeof want, "%s is in use by another assetd (lock "
		 "assetd.lock)", dir);
	assert_string_equal(err, want);
	store_close(s);
}

static void missing_directory_refused(void **state)
{
	char want[160];

	(void)state;
	snprintf(want, sizeof want, "data directory %s/nope: No such file or "
		 "directory", dir);
	assert_null(store_open(path_of("nope"), NULL, err, sizeof err));
	assert_string_equal(err, want);
}

static void no_reuse_after_last_line_removed(void **state)
{
	struct store *s = open_ok();
	char *log, *nl;

	(void)state;
	append_ok(s);
	append_ok(s);
	append_ok(s);
	store_close(s);

	log = slurp(STORE_LOG_NAME);
	nl = strchr(strchr(log, '\n') + 1, '\n');
	nl[1] = '\0';
	spit(STORE_LOG_NAME, log);

	s = open_ok();
	assert_int_equal(append_ok(s), 4);
	store_close(s);
	free(log);
}

static void after_crash_ids_skip_the_reservation(void **state)
{
	struct store *s = open_ok();
	char *log;

	(void)state;
	append_ok(s);
	append_ok(s);
	store_close(s);
	/* What a crash leaves: the log, and the counter's reservation. */
	spit(STORE_COUNTER_NAME, "1001\n");

	s = open_ok();
	assert_int_equal(append_ok(s), 1002);
	store_close(s);
	log = slurp(STORE_LOG_NAME);
	assert_non_null(strstr(log, "{\"id\":1002,"));
	free(log);
}

static void counter_behind_missing_or_garbage(void **state)
{
	struct store *s = open_ok();
	char want[256];

	(void)state;
	append_ok(s);
	append_ok(s);
	store_close(s);

	spit(STORE_COUNTER_NAME, "1\n");
	s = open_ok();
	assert_int_equal(append_ok(s), 3);
	store_close(s);

	unlink(path_of(STORE_COUNTER_NAME));
	s = open_ok();
	assert_int_equal(append_ok(s), 4);
	store_close(s);

	snprintf(want, sizeof want,
		 "%s/counter: not a number from 0 to 9007199254740991; if "
		 "assets.jsonl is complete, delete the counter to continue "
		 "after the log's last id",
		 dir);
	for (int i = 0; i < 5; i++) {
		spit(STORE_COUNTER_NAME,
		     (const char *[]){"", "x1\n", "12a", "9007199254740992\n",
				      "18446744073709551000\n"}[i]);
		assert_null(store_open(dir, NULL, err, sizeof err));
		assert_string_equal(err, want);
	}
}

/* Writes a second line cut at every length; each start keeps the first
 * line, sets the cut bytes aside and carries on with the next id. */
static void torn_tail_at_every_offset(void **state)
{
	struct store *s = open_ok();
	char *whole, *first_end, *second;
	size_t first_len, second_len;

	(void)state;
	append_ok(s);
	append_ok(s);
	store_close(s);
	whole = slurp(STORE_LOG_NAME);
	first_end = strchr(whole, '\n') + 1;
	first_len = (size_t)(first_end - whole);
	second = strdup(first_end);
	second_len = strlen(second);

	/* Every cut but the last: the last lacks only the newline. */
	for (size_t cut = 1; cut < second_len - 1; cut++) {
		char *log, *torn, want[512];
		FILE *f = fopen(path_of(STORE_LOG_NAME), "wb");

		fwrite(whole, 1, first_len, f);
		fwrite(second, 1, cut, f);
		fclose(f);
		spit(STORE_COUNTER_NAME, "1\n");
		unlink(path_of(STORE_TORN_NAME));

		s = open_ok();
		log = slurp(STORE_LOG_NAME);
		assert_int_equal(strlen(log), first_len);
		assert_memory_equal(log, whole, first_len);
		torn = slurp(STORE_TORN_NAME);
		snprintf(want, sizeof want, "%.*s\n", (int)cut, second);
		assert_string_equal(torn, want);
		assert_int_equal(append_ok(s), 2);
		store_close(s);
		free(log);
		free(torn);
	}
	free(whole);
	free(second);
}

/* A whole event that lost only its newline is kept, newline added; a
 * whole last line with zero bytes in it is torn (a block that never
 * reached the disk); one without is damage (test below). */
static void last_line_without_newline_is_kept(void **state)
{
	struct stat st;
	struct store *s = open_ok();
	char *whole, *log;
	size_t len;

	(void)state;
	append_ok(s);
	append_ok(s);
	store_close(s);
	whole = slurp(STORE_LOG_NAME);
	len = strlen(whole);

	FILE *f = fopen(path_of(STORE_LOG_NAME), "wb");
	fwrite(whole, 1, len - 1, f);
	fclose(f);
	s = open_ok();
	log = slurp(STORE_LOG_NAME);
	assert_string_equal(log, whole);
	assert_int_equal(access(path_of(STORE_TORN_NAME), F_OK), -1);
	assert_int_equal(append_ok(s), 3);
	store_close(s);
	free(log);

	f = fopen(path_of(STORE_LOG_NAME), "wb");
	fwrite(whole, 1, len, f);
	fwrite("\0\0\0\0xyz\"}\n", 1, 10, f);
	fclose(f);
	s = open_ok();
	log = slurp(STORE_LOG_NAME);
	assert_string_equal(log, whole);
	assert_int_equal(append_ok(s), 4); /* the counter had handed out 3 */
	assert_int_equal(stat(path_of(STORE_TORN_NAME), &st), 0);
	assert_int_equal(st.st_size, 11); /* its 10 bytes, then a newline */
	store_close(s);
	free(log);
	free(whole);
}

/* An unchained log whose last event lost its newline: the head the
 * chain goes on from covers the file with the newline added. */
static void unchained_log_ended_then_chained(void **state)
{
	static const char head2[] =
		"{\"id\":2,\"event\":\"issued\","
		"\"at\":\"2026-12-04T15:04:05Z\","
		"\"employee_name\":\"B\",\"employee_email\":\"b@example.com\","
		"\"asset_type\":\"laptop\",\"asset_model\":\"X1\","
		"\"comments\":\"";
	char whole[4200], want[CHAIN_HEX + 1], head[CHAIN_HEX + 1];
	size_t pad = 4096 - strlen(LINE(1)) - strlen(head2) - 2;
	uint64_t lines = 0;
	struct store *s;
	char *log;

	(void)state;
	/* 4,096 bytes without the newline: the page ends with the file, so
	 * the byte after it is not in the first mapping. */
	snprintf(whole, sizeof whole, "%s%s%0*d\"}\n", LINE(1), head2,
		 (int)pad, 0);
	assert_int_equal(strlen(whole), 4097);
	FILE *f = fopen(path_of(STORE_LOG_NAME), "wb");
	fwrite(whole, 1, 4096, f);
	fclose(f);

	s = open_ok();
	store_head(s, &lines, head);
	assert_int_equal(chain_start(whole, strlen(whole), want), 0);
	assert_int_equal(lines, 2);
	assert_string_equal(head, want);
	assert_int_equal(append_ok(s), 3);
	store_close(s);
	log = slurp(STORE_LOG_NAME);
	assert_memory_equal(log, whole, strlen(whole));
	free(log);
}

/* The side file only ever gets whole entries, each after a newline, and
 * is never written through a link; when the torn bytes cannot be set
 * aside, the store serves what it read but refuses appends. */
static void torn_side_file_is_kept_whole(void **state)
{
	struct store *s;
	struct store_result res;
	struct event ev = issued(NULL);
	char *torn, *log, target[300];

	(void)state;
	spit(STORE_TORN_NAME, "older");
	spit(STORE_LOG_NAME, LINE(1) "{\"id\":2,\"ev");
	s = open_ok();
	torn = slurp(STORE_TORN_NAME);
	assert_string_equal(torn, "older\n{\"id\":2,\"ev\n");
	store_close(s);
	free(torn);

	unlink(path_of(STORE_TORN_NAME));
	snprintf(target, sizeof target, "%s.target", path_of("x"));
	spit("x.target", "");
	assert_int_equal(symlink(target, path_of(STORE_TORN_NAME)), 0);
	spit(STORE_LOG_NAME, LINE(1) "{\"id\":2,\"ev");
	s = store_open(dir, NULL, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(store_is_broken(s), 1);
	assert_int_equal(store_append(s, &ev, &res), -1);
	assert_int_equal(errno, EROFS);
	store_close(s);
	torn = slurp("x.target");
	assert_string_equal(torn, "");
	log = slurp(STORE_LOG_NAME);
	assert_string_equal(log, LINE(1) "{\"id\":2,\"ev");
	free(torn);
	free(log);
	unlink(path_of(STORE_TORN_NAME));
	unlink(target);
}

/* Opens the log text and expects the start to stop at line with why. */
static void assert_damaged(const char *log, int line, const char *why)
{
	char want[512];

	spit(STORE_LOG_NAME, log);
	assert_null(store_open(dir, NULL, err, sizeof err));
	snprintf(want, sizeof want,
		 "%s/assets.jsonl:%d: %s; the log is damaged: restore it from "
		 "a backup or repair that line by hand",
		 dir, line, why);
	assert_string_equal(err, want);
}

static void damaged_middle_line_stops_start(void **state)
{
	(void)state;
	assert_damaged(LINE(1) "{\"id\":2,\"event\":\"issued\"\n" LINE(3), 2,
		       "invalid JSON at offset 24: expected ',' or '}'");
	assert_damaged(LINE(2) LINE(2) LINE(3), 2,
		       "this issued event for id 2 issues an id that is not "
		       "above the last one issued");
	/* A whole last line that is JSON but not an event is damage too:
	 * a torn write never ends in a newline. */
	assert_damaged(LINE(1) "{\"id\":\"2\",\"event\":\"issued\"}\n", 2,
		       "not an event (\"id\" first)");
	/* A last line without its newline that is not the start of one
	 * line: two lines run together, a whole line edited. */
	assert_damaged(LINE(1) "{\"id\":2,\"event\":\"issued\"}{\"id\":3,",
		       2, "unexpected data after the JSON object at offset 25 "
			  "(and no newline)");
	/* A whole event without its newline that may not follow. */
	char twice[512];

	snprintf(twice, sizeof twice, "%s%.*s", LINE(1),
		 (int)strlen(LINE(1)) - 1, LINE(1));
	assert_damaged(twice, 2, "this issued event for id 1 issues an id "
				 "that is not above the last one issued");
	/* So is a whole last line that is not JSON, unless it holds zero
	 * bytes (last_line_without_newline_is_kept). */
	assert_damaged(LINE(1) "xyz\"}\n", 2,
		       "invalid JSON at offset 0: invalid literal");
	assert_damaged("{\"id\":9007199254740992,\"event\":\"issued\"}\n", 1,
		       "id is not a whole number from 1 to 9007199254740991");
	assert_damaged("{\"event\":\"issued\",\"id\":1}\n{}\n", 1,
		       "not an event (\"id\" first)");
	assert_damaged("{\"id\":1,\"event\":\"issued\",\"at\":"
		       "\"2026-02-30T00:00:00Z\"}\n{}\n",
		       1, "\"at\" is not a time like 2026-12-04T15:04:05Z");
	assert_damaged(LINE(1) "{\"id\":1,\"event\":\"lost\"}\n{}\n", 2,
		       "\"event\" is not issued, transferred or returned");
	assert_damaged(LINE(1) "{\"id\":2,\"event\":\"returned\",\"at\":"
		       "\"2026-12-04T15:04:05Z\",\"comments\":\"\"}\n{}\n",
		       2, "this returned event for id 2 names an asset that "
			  "was never issued");
	assert_damaged(LINE(1) "{\"id\":1,\"event\":\"returned\",\"at\":"
		       "\"2026-12-04T15:04:05Z\",\"comments\":\"\"}\n"
		       "{\"id\":1,\"event\":\"returned\",\"at\":"
		       "\"2026-12-04T15:04:05Z\",\"comments\":\"\"}\n{}\n",
		       3, "this returned event for id 1 follows the asset's "
			  "return");
	assert_damaged(LINE(1) "{\"id\":1,\"event\":\"returned\",\"at\":"
		       "\"2026-12-04T15:04:05Z\",\"comments\":\"\",\"x\":1}\n",
		       2, "unexpected member 5 of 5");
	assert_damaged(LINE(1) "{\"id\":1,\"event\":\"transferred\",\"at\":"
		       "\"2026-12-04T15:04:05Z\",\"employee_name\":\"B\","
		       "\"comments\":\"\"}\n",
		       2, "a transferred event needs the string "
			  "\"employee_email\" here");
}

/* A file-size limit makes the write fail part way, as a full disk does:
 * nothing of the line stays, and the same id succeeds once there is
 * room again. */
static void full_disk_cuts_back_and_recovers(void **state)
{
	struct store *s = open_ok();
	struct rlimit old, small;
	struct stat st;
	uint64_t id = 0;

	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	append_ok(s);
	assert_int_equal(stat(path_of(STORE_LOG_NAME), &st), 0);

	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = (rlim_t)st.st_size + 20;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(append(s, issued(NULL), &id), -1);
	assert_int_equal(errno, EFBIG);
	setrlimit(RLIMIT_FSIZE, &old);

	struct stat after;
	assert_int_equal(stat(path_of(STORE_LOG_NAME), &after), 0);
	assert_int_equal(after.st_size, st.st_size);
	assert_false(store_is_broken(s));
	assert_int_equal(append_ok(s), 2);
	store_close(s);
}

static void failed_sync_refuses_until_restart(void **state)
{
	struct store *s;
	uint64_t id = 0;

	(void)state;
	setenv("ASSETD_TEST_FAIL_SYNC", "2", 1);
	s = open_ok();
	unsetenv("ASSETD_TEST_FAIL_SYNC");
	assert_int_equal(append_ok(s), 1);
	assert_int_equal(append(s, issued(NULL), &id), -1);
	assert_int_equal(errno, EIO);
	assert_true(store_is_broken(s));
	assert_int_equal(append(s, issued(NULL), &id), -1);
	assert_int_equal(errno, EROFS);
	store_close(s);

	/* The counter kept its reservation: ids go on past it. */
	s = open_ok();
	assert_false(store_is_broken(s));
	assert_int_equal(append_ok(s), 1001);
	store_close(s);
}

/* A log of unchained lines (written before the chain existed) goes on
 * chained: the first new line's value covers the old lines' bytes. */
static void chain_starts_after_an_unchained_log(void **state)
{
	struct store *s;
	struct chain c;
	char prev[CHAIN_HEX + 1], value[CHAIN_HEX + 1];
	char *log, *third;
	static const char old[] = LINE(1) LINE(2);

	(void)state;
	spit(STORE_LOG_NAME, old);
	s = open_ok();
	assert_int_equal(append_ok(s), 3);
	store_close(s);

	log = slurp(STORE_LOG_NAME);
	assert_memory_equal(log, old, sizeof old - 1);
	third = log + sizeof old - 1;
	assert_int_equal(chain_start(old, sizeof old - 1, prev), 0);
	chain_init(&c, NULL);
	assert_int_equal(chain_next(&c, prev, third,
				    strlen(third) - 1 - CHAIN_TAIL_LEN, value),
			 0);
	assert_non_null(strstr(third, ",\"seq\":3,\"chain\":\""));
	assert_memory_equal(third + strlen(third) - 1 - CHAIN_TAIL_LEN + 10,
			    value, CHAIN_HEX);
	free(log);
}

/* Start-up checks the numbering of chained lines (the values themselves
 * are for assetd verify). */
static void chained_lines_out_of_order_stop_start(void **state)
{
	struct store *s = open_ok();
	char *log, *second, *third;
	char text[2048];

	(void)state;
	append_ok(s);
	append_ok(s);
	append_ok(s);
	store_close(s);
	log = slurp(STORE_LOG_NAME);
	second = strchr(log, '\n') + 1;
	third = strchr(second, '\n') + 1;

	/* The second line removed. */
	snprintf(text, sizeof text, "%.*s%s", (int)(second - log), log, third);
	assert_damaged(text, 2, "\"seq\" is 3 on line 2: lines were removed, "
				"inserted or reordered; run assetd verify");

	/* An unchained line after chained ones. */
	snprintf(text, sizeof text, "%s%s", log, LINE(4));
	assert_damaged(text, 4, "no \"chain\" after chained lines: inserted "
				"or edited; run assetd verify");
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(append_and_reopen, setup,
						teardown),
		cmocka_unit_test_setup_teardown(by_follows_at, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			counter_reserves_ahead_while_open, setup, teardown),
		cmocka_unit_test_setup_teardown(second_open_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(missing_directory_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			no_reuse_after_last_line_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(
			after_crash_ids_skip_the_reservation, setup, teardown),
		cmocka_unit_test_setup_teardown(
			counter_behind_missing_or_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(torn_tail_at_every_offset,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			last_line_without_newline_is_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(
			torn_side_file_is_kept_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(
			unchained_log_ended_then_chained, setup, teardown),
		cmocka_unit_test_setup_teardown(
			damaged_middle_line_stops_start, setup, teardown),
		cmocka_unit_test_setup_teardown(
			full_disk_cuts_back_and_recovers, setup, teardown),
		cmocka_unit_test_setup_teardown(
			failed_sync_refuses_until_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(
			chain_starts_after_an_unchained_log, setup, teardown),
		cmocka_unit_test_setup_teardown(
			chained_lines_out_of_order_stop_start, setup, teardown),
	};
	log_set_level(LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

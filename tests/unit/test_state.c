/* SPDX-License-Identifier: MIT */
/* Unit tests of state: each event kind applied, what may follow what,
 * lookups, every list filter and the cursor, holders moving on
 * transfer, histories, Idempotency-Keys and their window, and more
 * assets than one chunk holds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "state.h"

#define T(s) ((struct issue_text){s, strlen(s)})

static struct state *st;
static uint64_t offset;

static int setup(void **state)
{
	(void)state;
	st = state_new();
	offset = 0;
	state_share(st);
	return st == NULL;
}

static int teardown(void **state)
{
	(void)state;
	state_free(st);
	return 0;
}

/* Checks and applies one event; its "line" is 10 bytes at the next
 * offset. Returns the verdict. */
static enum state_verdict apply(struct event ev)
{
	enum state_verdict v = state_check(st, &ev);

	if (ev.at == 0)
		ev.at = (int64_t)time(NULL);
	if (v == STATE_OK) {
		assert_int_equal(state_apply(st, &ev, offset, 10, 0), 0);
		offset += 11;
	}
	return v;
}

static struct event issue(uint64_t id, const char *name, const char *email,
			  const char *type, const char *model,
			  const char *comments)
{
	struct event ev = {.id = id, .kind = EVENT_ISSUED};

	ev.field[ISSUE_NAME] = T(name);
	ev.field[ISSUE_EMAIL] = T(email);
	ev.field[ISSUE_TYPE] = T(type);
	ev.field[ISSUE_MODEL] = T(model);
	ev.field[ISSUE_COMMENTS] = T(comments);
	return ev;
}

static struct event transfer(uint64_t id, const char *name,
			     const char *email)
{
	struct event ev = {.id = id, .kind = EVENT_TRANSFERRED};

	ev.field[ISSUE_NAME] = T(name);
	ev.field[ISSUE_EMAIL] = T(email);
	ev.field[ISSUE_TYPE] = T("");
	ev.field[ISSUE_MODEL] = T("");
	ev.field[ISSUE_COMMENTS] = T("");
	return ev;
}

static struct event give_back(uint64_t id)
{
	struct event ev = transfer(id, "", "");

	ev.kind = EVENT_RETURNED;
	return ev;
}

/* The three assets most tests start from. */
static void three(void)
{
	assert_int_equal(apply(issue(1, "Ada Lovelace", "Ada@Example.com",
				     "Laptop", "ThinkPad X1", "")),
			 STATE_OK);
	assert_int_equal(apply(issue(2, "Bob", "bob@example.com", "phone",
				     "Pixel 8", "cracked screen")),
			 STATE_OK);
	assert_int_equal(apply(issue(5, "Ada Lovelace", "ada@example.com",
				     "laptop", "MacBook", "")),
			 STATE_OK);
}

/* Lists with f and compares the ids. */
static void listed(struct state_filter f, const char *want)
{
	uint64_t ids[16];
	char got[128] = "";
	size_t n = 99;

	assert_int_equal(state_list(st, &f, ids, 16, &n), 0);

	for (size_t i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%llu",
			 i ? " " : "", (unsigned long long)ids[i]);
	assert_string_equal(got, want);
}

#define ANY (struct state_filter){.status = -1}

static void issue_and_get(void **state)
{
	struct state_asset a;
	uint64_t events, last;

	(void)state;
	three();
	assert_true(state_get(st, 2, &a));
	assert_int_equal(a.id, 2);
	assert_string_equal(a.name, "Bob");
	assert_string_equal(a.email, "bob@example.com");
	assert_string_equal(a.type, "phone");
	assert_string_equal(a.model, "Pixel 8");
	assert_string_equal(a.comments, "cracked screen");
	assert_false(a.returned);
	assert_int_equal(a.returned_at, 0);
	assert_false(state_get(st, 3, &a));
	assert_false(state_get(st, 6, &a));
	state_counts(st, &events, &last);
	assert_int_equal(events, 3);
	assert_int_equal(last, 5);
}

static void what_may_follow_what(void **state)
{
	(void)state;
	three();
	assert_int_equal(apply(issue(5, "A", "a@x.io", "t", "m", "")),
			 STATE_ID_ORDER);
	assert_int_equal(apply(issue(4, "A", "a@x.io", "t", "m", "")),
			 STATE_ID_ORDER);
	assert_int_equal(apply(give_back(3)), STATE_NOT_FOUND);
	assert_int_equal(apply(transfer(9, "C", "c@x.io")), STATE_NOT_FOUND);
	assert_int_equal(apply(transfer(2, "Bobby", "BOB@example.com")),
			 STATE_SAME_HOLDER);
	assert_int_equal(apply(transfer(2, "C", "c@x.io")), STATE_OK);
	assert_int_equal(apply(give_back(2)), STATE_OK);
	assert_int_equal(apply(give_back(2)), STATE_RETURNED);
	assert_int_equal(apply(transfer(2, "D", "d@x.io")), STATE_RETURNED);
}

static void transfer_and_return_change_the_state(void **state)
{
	struct state_asset a;
	struct state_line lines[4];
	struct event back = give_back(1);

	(void)state;
	three();
	assert_int_equal(apply(transfer(1, "Cy", "cy@example.com")), STATE_OK);
	back.at = 1796396645;
	assert_int_equal(apply(back), STATE_OK);
	assert_true(state_get(st, 1, &a));
	assert_string_equal(a.name, "Cy");
	assert_string_equal(a.email, "cy@example.com");
	assert_string_equal(a.type, "Laptop");
	assert_true(a.returned);
	assert_int_equal(a.returned_at, 1796396645);

	/* The history: the issue (line 0), then lines 3 and 4. */
	assert_int_equal(state_history(st, 1, lines, 4), 3);
	assert_int_equal(lines[0].off, 0);
	assert_int_equal(lines[1].off, 33);
	assert_int_equal(lines[2].off, 44);
	assert_int_equal(lines[2].len, 10);
	assert_int_equal(state_history(st, 1, lines, 1), 3);
	assert_int_equal(lines[0].off, 0);
	assert_int_equal(state_history(st, 4, lines, 4), 0);
}

static void filters(void **state)
{
	struct state_filter f = ANY;

	(void)state;
	three();
	listed(ANY, "5 2 1");
	f.email = "ADA@example.COM";
	listed(f, "5 1");
	f.email = "ada@example.co";
	listed(f, "");
	f = ANY;
	f.type = "LAPTOP";
	listed(f, "5 1");
	f.type = "lap";
	listed(f, "");
	f = ANY;
	f.q = "PIXEL";
	listed(f, "2");
	f.q = "love"; /* name */
	listed(f, "5 1");
	f.q = "@EXAMPLE"; /* email */
	listed(f, "5 2 1");
	f.q = "Screen"; /* comments */
	listed(f, "2");
	f.q = "phone"; /* the type is not searched */
	listed(f, "");
	f = ANY;
	f.below = 5;
	listed(f, "2 1");
	f.below = 2;
	listed(f, "1");
	f.below = 1;
	listed(f, "");
	f.below = 1000;
	listed(f, "5 2 1");

	assert_int_equal(apply(give_back(5)), STATE_OK);
	f = ANY;
	f.status = 0;
	listed(f, "2 1");
	f.status = 1;
	listed(f, "5");
	f.email = "ada@example.com";
	listed(f, "5");
	f.status = 0;
	f.q = "think";
	listed(f, "1");
}

static void holders_move_on_transfer(void **state)
{
	struct state_filter ada = ANY, cy = ANY;

	(void)state;
	three();
	ada.email = "ada@example.com";
	cy.email = "cy@example.com";
	assert_int_equal(apply(transfer(1, "Cy", "cy@example.com")), STATE_OK);
	listed(ada, "5");
	listed(cy, "1");
	assert_int_equal(apply(transfer(5, "Cy", "CY@example.com")), STATE_OK);
	listed(ada, "");
	listed(cy, "5 1");
	assert_int_equal(apply(transfer(1, "Ada Lovelace",
					"Ada@Example.com")),
			 STATE_OK);
	listed(ada, "1");
	listed(cy, "5");
	/* A returned asset stays with its last holder. */
	assert_int_equal(apply(give_back(5)), STATE_OK);
	listed(cy, "5");
	cy.status = 0;
	listed(cy, "");
	cy.status = -1;
	cy.below = 5;
	listed(cy, "");
}

static void keys_within_their_window(void **state)
{
	struct state_key k;
	struct event ev = issue(1, "A", "a@x.io", "t", "m", "");
	struct event old = issue(2, "A", "a@x.io", "t", "m", "");
	struct event back = give_back(1);
	int64_t now = (int64_t)time(NULL);
	unsigned char digest[32];

	(void)state;
	ev.key = "key-1";
	ev.at = now - 10;
	assert_int_equal(apply(ev), STATE_OK);
	old.key = "key-old";
	old.at = now - EVENT_KEY_WINDOW - 1;
	assert_int_equal(apply(old), STATE_OK);
	back.key = "key-2";
	back.at = now;
	assert_int_equal(apply(back), STATE_OK);

	assert_true(state_key_find(st, "key-1", now, &k));
	assert_int_equal(k.id, 1);
	assert_int_equal(k.event_no, 1);
	assert_int_equal(k.kind, EVENT_ISSUED);
	event_digest(&ev, 0, digest);
	assert_memory_equal(k.digest, digest, 32);
	assert_true(state_key_find(st, "key-2", now, &k));
	assert_int_equal(k.id, 1);
	assert_int_equal(k.event_no, 2);
	assert_int_equal(k.kind, EVENT_RETURNED);

	assert_false(state_key_find(st, "key-old", now, &k));
	assert_false(state_key_find(st, "key-3", now, &k));
	assert_false(state_key_find(st, "key-1", now - 10 + EVENT_KEY_WINDOW,
				    &k));
}

/* More assets than one chunk (65,536) and one scan step hold. */
static void many_assets(void **state)
{
	char name[32], email[48];
	struct state_asset a;
	size_t n;
	struct state_filter f = ANY;
	uint64_t ids[4];

	(void)state;
	for (uint64_t id = 1; id <= 70000; id++) {
		snprintf(name, sizeof name, "P%llu", (unsigned long long)id);
		snprintf(email, sizeof email, "p%llu@example.com",
			 (unsigned long long)(id % 1000));
		assert_int_equal(apply(issue(id * 2, name, email, "t", "m",
					     id == 3 ? "needle" : "")),
				 STATE_OK);
	}
	assert_true(state_get(st, 140000, &a));
	assert_string_equal(a.name, "P70000");
	assert_true(state_get(st, 131072, &a));
	assert_string_equal(a.name, "P65536");
	assert_false(state_get(st, 131071, &a));
	f.q = "NEEDLE";
	assert_int_equal(state_list(st, &f, ids, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], 6);
	f = ANY;
	f.email = "p3@example.com";
	assert_int_equal(state_list(st, &f, ids, 4, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(ids[0], 140000 - 2 * 997);
	assert_int_equal(ids[3], 140000 - 2 * 3997);
}

/* In a child whose address space may not grow, with every free block of
 * the heap taken: a list that needs memory fails with ENOMEM and says
 * so, instead of answering "nothing matches". Exits 0 when it does. */
static int list_without_memory(struct state_filter f)
{
	struct rlimit lim;
	long pages = 0;
	uint64_t ids[4];
	size_t n = 99;
	FILE *statm = fopen("/proc/self/statm", "r");

	if (statm == NULL || fscanf(statm, "%ld", &pages) != 1)
		return 2;
	fclose(statm);
	lim.rlim_cur = lim.rlim_max = (rlim_t)pages * 4096;
	if (setrlimit(RLIMIT_AS, &lim) != 0)
		return 3;
	/* Every size class, big to small, so no cached free block is left
	 * (taken for good: the child exits below). */
	for (size_t size = 65536; size >= 8; size -= size > 1024 ? 1024 : 8)
		while (malloc(size) != NULL)
			;
	errno = 0;
	if (state_list(st, &f, ids, 4, &n) != -1 || errno != ENOMEM || n != 0)
		return 1;
	return 0;
}

static void out_of_memory_is_not_an_empty_list(void **state)
{
	struct state_filter by_q = ANY, by_email = ANY;
	int status;

	(void)state;
#ifdef __SANITIZE_ADDRESS__
	skip(); /* the sanitizer's allocator stops the process instead */
#endif
	three();
	by_q.q = "ada";
	by_email.email = "ada@example.com";
	struct state_filter filters[2] = {by_q, by_email};

	for (int i = 0; i < 2; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(list_without_memory(filters[i]));
		assert_true(pid > 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	listed(by_q, "5 1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(issue_and_get, setup, teardown),
		cmocka_unit_test_setup_teardown(
			out_of_memory_is_not_an_empty_list, setup, teardown),
		cmocka_unit_test_setup_teardown(what_may_follow_what, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			transfer_and_return_change_the_state, setup, teardown),
		cmocka_unit_test_setup_teardown(filters, setup, teardown),
		cmocka_unit_test_setup_teardown(holders_move_on_transfer,
						setup, teardown),
		cmocka_unit_test_setup_teardown(keys_within_their_window,
						setup, teardown),
		cmocka_unit_test_setup_teardown(many_assets, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* Unit tests of tokens on real files in a temporary directory: the file
 * format and each error, lookups, reloads (these wait out the real
 * one-second window, so the suite takes about eight seconds), lookups
 * from several threads during rewrites, and `assetd token`. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "tokens.h"

static char dir[64];
static char path[128];
static char err[512];

/* Outputs of the last tokens_cli() call. */
static struct {
	int rc;
	char out[4096];
	char err[4096];
} cli_result;

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/assetd-tokens-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/tokens", dir);
	err[0] = '\0';
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

/* ---- Files ---- */

/* The SHA-256 of token in lower-case hex, computed here, apart from the
 * module. The last eight results stay valid. */
static const char *hash_of(const char *token)
{
	static char results[8][2 * EVP_MAX_MD_SIZE + 1];
	static unsigned next;
	char *hex = results[next++ % 8];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	assert_int_equal(EVP_Digest(token, strlen(token), md, &len,
				    EVP_sha256(), NULL),
			 1);
	assert_int_equal(len, 32);
	for (unsigned i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return hex;
}

/* Appends "name role hash(token)\n" to text (of size cap). */
static void add_line(char *text, size_t cap, const char *name,
		     const char *role, const char *token)
{
	size_t n = strlen(text);

	snprintf(text + n, cap - n, "%s %s %s\n", name, role, hash_of(token));
}

/* Writes text over the file in place (same inode). */
static void spit(const char *file, const char *text)
{
	FILE *f = fopen(file, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

/* Replaces the tokens file with text atomically (a new inode). */
static void replace(const char *text)
{
	char tmp[160];

	snprintf(tmp, sizeof tmp, "%s.new", path);
	spit(tmp, text);
	assert_int_equal(rename(tmp, path), 0);
}

/* Reads a whole file; "" for a missing one. The caller frees. */
static char *slurp(const char *file)
{
	FILE *f = fopen(file, "rb");
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

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Past the module's one-second window between looks at the file. */
static void wait_for_recheck(void)
{
	sleep_ms(1100);
}

/* ---- Output capture ---- */

struct capture {
	int fd, saved;
	FILE *file;
};

static void capture_start(struct capture *c, int fd)
{
	fflush(stdout);
	fflush(stderr);
	c->fd = fd;
	c->file = tmpfile();
	assert_non_null(c->file);
	c->saved = dup(fd);
	assert_true(c->saved >= 0);
	assert_true(dup2(fileno(c->file), fd) >= 0);
}

static void capture_stop(struct capture *c, char *buf, size_t cap)
{
	size_t n;

	fflush(stdout);
	fflush(stderr);
	dup2(c->saved, c->fd);
	close(c->saved);
	rewind(c->file);
	n = fread(buf, 1, cap - 1, c->file);
	buf[n] = '\0';
	fclose(c->file);
}

/* Runs tokens_cli(path, ...) on up to three words, capturing both
 * outputs into cli_result. */
static int cli(const char *w0, const char *w1, const char *w2)
{
	const char *words[] = {w0, w1, w2};
	char copies[3][256];
	char *argv[4] = {NULL};
	struct capture out, errs;
	int argc = 0;

	for (int i = 0; i < 3 && words[i] != NULL; i++) {
		snprintf(copies[i], sizeof copies[i], "%s", words[i]);
		argv[argc++] = copies[i];
	}
	capture_start(&out, STDOUT_FILENO);
	capture_start(&errs, STDERR_FILENO);
	cli_result.rc = tokens_cli(path, argc, argv);
	capture_stop(&errs, cli_result.err, sizeof cli_result.err);
	capture_stop(&out, cli_result.out, sizeof cli_result.out);
	return cli_result.rc;
}

/* ---- Helpers over the module ---- */

static struct token_set *open_ok(void)
{
	struct token_set *ts = tokens_open(path, err, sizeof err);

	if (ts == NULL)
		fail_msg("tokens_open: %s", err);
	return ts;
}

/* Opens text as the tokens file; expects the error "path:<why>". */
static void expect_error(const char *text, const char *why)
{
	char want[600];

	spit(path, text);
	snprintf(want, sizeof want, "%s%s", path, why);
	err[0] = '\0';
	assert_null(tokens_open(path, err, sizeof err));
	assert_string_equal(err, want);
}

/* The name the token maps to, or "-" when it is unknown; role too. */
static const char *who(struct token_set *ts, const char *token,
		       enum token_role *role)
{
	static char name[TOKEN_NAME_MAX];
	enum token_role unused;

	if (!tokens_lookup(ts, token, strlen(token), name,
			   role ? role : &unused)) {
		assert_string_equal(name, "");
		return "-";
	}
	return name;
}

/* ---- Roles ---- */

static void role_names_and_parsing(void **state)
{
	enum token_role r = TOKEN_READ;

	(void)state;
	assert_int_equal(tokens_role_parse("read", &r), 0);
	assert_int_equal(r, TOKEN_READ);
	assert_int_equal(tokens_role_parse("issue", &r), 0);
	assert_int_equal(r, TOKEN_ISSUE);
	assert_int_equal(tokens_role_parse("admin", &r), 0);
	assert_int_equal(r, TOKEN_ADMIN);
	assert_int_equal(tokens_role_parse("Admin", &r), -1);
	assert_int_equal(tokens_role_parse("", &r), -1);
	assert_int_equal(tokens_role_parse("reader", &r), -1);
	assert_string_equal(tokens_role_name(TOKEN_READ), "read");
	assert_string_equal(tokens_role_name(TOKEN_ISSUE), "issue");
	assert_string_equal(tokens_role_name(TOKEN_ADMIN), "admin");
	assert_string_equal(tokens_role_name((enum token_role)0), "unknown");
	assert_true(TOKEN_READ < TOKEN_ISSUE && TOKEN_ISSUE < TOKEN_ADMIN);
}

/* ---- Parsing ---- */

static void valid_file_with_comments_blanks_tabs_upper_hex(void **state)
{
	char text[4096], upper[65];
	enum token_role role;
	struct token_set *ts;

	(void)state;
	snprintf(upper, sizeof upper, "%s", hash_of("adt_beta"));
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	snprintf(text, sizeof text,
		 "# tokens for the test\n"
		 "\n"
		 "   \t \n"
		 "alpha read %s\n"
		 "beta\tissue\t\t%s\n"
		 "   gamma   admin  \t%s \t \n"
		 "\t# an indented comment: x y z\n"
		 "d.e_L-7 read %s\r\n"
		 "last admin %s",
		 hash_of("adt_alpha"), upper, hash_of("adt_gamma"),
		 hash_of("adt_delta"), hash_of("adt_last"));
	spit(path, text);

	ts = open_ok();
	assert_string_equal(who(ts, "adt_alpha", &role), "alpha");
	assert_int_equal(role, TOKEN_READ);
	assert_string_equal(who(ts, "adt_beta", &role), "beta");
	assert_int_equal(role, TOKEN_ISSUE);
	assert_string_equal(who(ts, "adt_gamma", &role), "gamma");
	assert_int_equal(role, TOKEN_ADMIN);
	assert_string_equal(who(ts, "adt_delta", &role), "d.e_L-7");
	assert_int_equal(role, TOKEN_READ);
	assert_string_equal(who(ts, "adt_last", &role), "last");
	assert_int_equal(role, TOKEN_ADMIN);
	tokens_close(ts);
}

static void missing_or_empty_file_is_an_empty_set(void **state)
{
	struct token_set *ts;

	(void)state;
	ts = open_ok();
	assert_string_equal(who(ts, "adt_alpha", NULL), "-");
	tokens_close(ts);

	spit(path, "");
	ts = open_ok();
	assert_string_equal(who(ts, "adt_alpha", NULL), "-");
	tokens_close(ts);

	spit(path, "# nobody yet\n\n");
	ts = open_ok();
	assert_string_equal(who(ts, "adt_alpha", NULL), "-");
	tokens_close(ts);
}

static void error_wrong_number_of_fields(void **state)
{
	char text[1024] = "";

	(void)state;
	expect_error("alpha read\n", ":1: expected NAME ROLE SHA256");
	expect_error("# c\nalpha\n", ":2: expected NAME ROLE SHA256");

	add_line(text, sizeof text, "alpha", "read", "adt_alpha");
	snprintf(text + strlen(text), sizeof text - strlen(text),
		 "beta read %s # a comment is a line of its own\n",
		 hash_of("adt_beta"));
	expect_error(text, ":2: expected NAME ROLE SHA256");

	snprintf(text, sizeof text, "\t read %s\n", hash_of("adt_b"));
	expect_error(text, ":1: expected NAME ROLE SHA256");
}

static void error_bad_name(void **state)
{
	char text[1024], name[80], shown[120];
	const char *h = hash_of("adt_x");

	(void)state;
	snprintf(text, sizeof text, "al/pha read %s\n", h);
	expect_error(text, ":1: bad name 'al/pha'");

	snprintf(text, sizeof text, "b\x01\xc3\xa9 read %s\n", h);
	expect_error(text, ":1: bad name 'b?\?\?'");

	/* 63 bytes are allowed, 64 are not. */
	memset(name, 'n', 63);
	name[63] = '\0';
	snprintf(text, sizeof text, "%s read %s\n", name, h);
	spit(path, text);
	tokens_close(open_ok());
	strcat(name, "n");
	snprintf(text, sizeof text, "%s read %s\n", name, h);
	snprintf(shown, sizeof shown, ":1: bad name '%s'", name);
	expect_error(text, shown);

	/* A longer field is cut to 64 bytes in the message. */
	strcat(name, "yyyy");
	snprintf(text, sizeof text, "%s read %s\n", name, h);
	name[64] = '\0';
	snprintf(shown, sizeof shown, ":1: bad name '%s...'", name);
	expect_error(text, shown);
}

static void error_unknown_role(void **state)
{
	char text[1024];

	(void)state;
	snprintf(text, sizeof text, "\n\nalpha root %s\n", hash_of("adt_a"));
	expect_error(text, ":3: unknown role 'root'");
	snprintf(text, sizeof text, "alpha Admin %s\n", hash_of("adt_a"));
	expect_error(text, ":1: unknown role 'Admin'");
}

static void error_bad_hash(void **state)
{
	char text[1024];
	char hex[80];

	(void)state;
	snprintf(hex, sizeof hex, "%s", hash_of("adt_a"));
	hex[63] = '\0';
	snprintf(text, sizeof text, "alpha read %s\n", hex);
	expect_error(text, ":1: the hash must be 64 hex digits");

	snprintf(text, sizeof text, "alpha read %s0\n", hash_of("adt_a"));
	expect_error(text, ":1: the hash must be 64 hex digits");

	snprintf(hex, sizeof hex, "%s", hash_of("adt_a"));
	hex[10] = 'g';
	snprintf(text, sizeof text, "alpha read %s\n", hex);
	expect_error(text, ":1: the hash must be 64 hex digits");
}

static void error_name_given_twice(void **state)
{
	char text[2048] = "";

	(void)state;
	add_line(text, sizeof text, "alpha", "read", "adt_a");
	add_line(text, sizeof text, "beta", "read", "adt_b");
	strcat(text, "# alpha again, with another token:\n");
	add_line(text, sizeof text, "alpha", "admin", "adt_c");
	expect_error(text, ":4: name 'alpha' is given twice");
}

/* Writes count token lines with distinct names. */
static char *many_lines(unsigned count)
{
	char *text = malloc((size_t)count * 80 + 1);
	const char *h = hash_of("adt_shared");
	size_t n = 0;

	assert_non_null(text);
	text[0] = '\0';
	for (unsigned i = 1; i <= count; i++)
		n += (size_t)sprintf(text + n, "t%05u read %s\n", i, h);
	return text;
}

static void error_more_than_10000_tokens(void **state)
{
	char *text = many_lines(10000);

	(void)state;
	spit(path, text);
	tokens_close(open_ok());
	free(text);

	text = many_lines(10001);
	expect_error(text, ":10001: more than 10000 tokens");
	free(text);
}

static void error_file_larger_than_1_mib(void **state)
{
	char *text = malloc((1 << 20) + 2);

	(void)state;
	assert_non_null(text);
	memset(text, '#', 1 << 20);
	for (size_t i = 99; i < (1 << 20); i += 100)
		text[i] = '\n';
	text[1 << 20] = '\0';
	spit(path, text);
	tokens_close(open_ok());

	strcat(text, "#");
	expect_error(text, ": larger than 1048576 bytes");
	free(text);
}

static void error_not_a_regular_file(void **state)
{
	(void)state;
	assert_int_equal(mkdir(path, 0700), 0);
	assert_null(tokens_open(path, err, sizeof err));
	assert_string_equal(err + strlen(path), ": not a regular file");
}

/* ---- Lookups ---- */

static void lookup_known_unknown_and_empty(void **state)
{
	char text[1024] = "";
	char name[TOKEN_NAME_MAX] = "junk";
	enum token_role role = TOKEN_ISSUE;
	struct token_set *ts;

	(void)state;
	add_line(text, sizeof text, "alpha", "admin", "adt_alpha");
	spit(path, text);
	ts = open_ok();

	assert_int_equal(tokens_lookup(ts, "adt_alpha", 9, name, &role), 1);
	assert_string_equal(name, "alpha");
	assert_int_equal(role, TOKEN_ADMIN);

	role = TOKEN_READ;
	assert_int_equal(tokens_lookup(ts, "adt_other", 9, name, &role), 0);
	assert_string_equal(name, "");
	assert_int_equal(role, TOKEN_READ);

	assert_int_equal(tokens_lookup(ts, "", 0, name, &role), 0);
	assert_int_equal(tokens_lookup(ts, NULL, 0, name, &role), 0);
	assert_string_equal(name, "");

	/* Only len bytes count: a longer buffer, cut at 9, is the token. */
	assert_int_equal(tokens_lookup(ts, "adt_alphaXYZ", 9, name, &role), 1);
	tokens_close(ts);
}

static void lookup_one_byte_different(void **state)
{
	const char *token = "adt_0123456789abcdef0123456789abcdef";
	char text[1024] = "";
	char near[64];
	struct token_set *ts;

	(void)state;
	add_line(text, sizeof text, "alpha", "read", token);
	spit(path, text);
	ts = open_ok();
	assert_string_equal(who(ts, token, NULL), "alpha");

	for (size_t i = 0; i < strlen(token); i++) {
		snprintf(near, sizeof near, "%s", token);
		near[i] ^= 0x01;
		assert_string_equal(who(ts, near, NULL), "-");
	}
	snprintf(near, sizeof near, "%s", token);
	near[strlen(token) - 1] = '\0';
	assert_string_equal(who(ts, near, NULL), "-");
	snprintf(near, sizeof near, "%s0", token);
	assert_string_equal(who(ts, near, NULL), "-");
	/* The hash itself is not a token. */
	assert_string_equal(who(ts, hash_of(token), NULL), "-");
	tokens_close(ts);
}

static void lookup_returns_each_role(void **state)
{
	char text[1024] = "";
	enum token_role role;
	struct token_set *ts;

	(void)state;
	add_line(text, sizeof text, "r", "read", "adt_r");
	add_line(text, sizeof text, "i", "issue", "adt_i");
	add_line(text, sizeof text, "a", "admin", "adt_a");
	spit(path, text);
	ts = open_ok();
	assert_string_equal(who(ts, "adt_i", &role), "i");
	assert_int_equal(role, TOKEN_ISSUE);
	assert_string_equal(who(ts, "adt_a", &role), "a");
	assert_int_equal(role, TOKEN_ADMIN);
	assert_string_equal(who(ts, "adt_r", &role), "r");
	assert_int_equal(role, TOKEN_READ);
	tokens_close(ts);
}

static void lookup_same_hash_twice_first_wins(void **state)
{
	char text[1024] = "";
	enum token_role role;
	struct token_set *ts;

	(void)state;
	add_line(text, sizeof text, "first", "read", "adt_same");
	add_line(text, sizeof text, "second", "admin", "adt_same");
	spit(path, text);
	ts = open_ok();
	assert_string_equal(who(ts, "adt_same", &role), "first");
	assert_int_equal(role, TOKEN_READ);
	tokens_close(ts);
}

/* ---- Reloads ---- */

/* Same size, same inode: only the mtime tells the change. */
static void reload_after_change_in_place(void **state)
{
	char a[256] = "", b[256] = "";
	struct timespec times[2] = {{1700000000, 123456789},
				    {1700000000, 123456789}};
	struct stat before, after;
	struct token_set *ts;

	(void)state;
	add_line(a, sizeof a, "alpha", "read", "adt_first-token");
	add_line(b, sizeof b, "alpha", "read", "adt_other-token");
	spit(path, a);
	ts = open_ok();
	assert_string_equal(who(ts, "adt_first-token", NULL), "alpha");

	assert_int_equal(stat(path, &before), 0);
	spit(path, b);
	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_int_equal(before.st_size, after.st_size);

	/* Within the second after opening, the file is not looked at. */
	assert_string_equal(who(ts, "adt_first-token", NULL), "alpha");
	assert_string_equal(who(ts, "adt_other-token", NULL), "-");

	wait_for_recheck();
	assert_string_equal(who(ts, "adt_other-token", NULL), "alpha");
	assert_string_equal(who(ts, "adt_first-token", NULL), "-");
	tokens_close(ts);
}

static int count_of(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(text, needle); p != NULL;
	     p = strstr(p + 1, needle))
		n++;
	return n;
}

static void malformed_rewrite_keeps_old_set(void **state)
{
	char a[512] = "", bad[512] = "", logged[4096], want[600];
	struct capture c;
	struct token_set *ts;

	(void)state;
	add_line(a, sizeof a, "alpha", "read", "adt_alpha");
	add_line(bad, sizeof bad, "beta", "read", "adt_beta");
	add_line(bad, sizeof bad, "gamma", "root", "adt_gamma");
	spit(path, a);
	ts = open_ok();

	capture_start(&c, STDERR_FILENO);
	replace(bad);
	wait_for_recheck();
	assert_string_equal(who(ts, "adt_alpha", NULL), "alpha");
	assert_string_equal(who(ts, "adt_beta", NULL), "-");
	/* Looked at again a second later: unchanged, so no new warning. */
	wait_for_recheck();
	assert_string_equal(who(ts, "adt_alpha", NULL), "alpha");
	capture_stop(&c, logged, sizeof logged);

	snprintf(want, sizeof want,
		 " warn: tokens: %s:2: unknown role 'root'; still using the "
		 "tokens read before\n",
		 path);
	assert_int_equal(count_of(logged, want), 1);
	assert_int_equal(count_of(logged, "warn:"), 1);
	assert_int_equal(count_of(logged, "adt_"), 0);
	tokens_close(ts);
}

static void removed_file_empties_set_until_it_is_back(void **state)
{
	char a[512] = "", b[512] = "", logged[4096];
	struct capture c;
	struct token_set *ts;

	(void)state;
	add_line(a, sizeof a, "alpha", "read", "adt_alpha");
	add_line(b, sizeof b, "beta", "issue", "adt_beta");
	spit(path, a);
	ts = open_ok();
	assert_string_equal(who(ts, "adt_alpha", NULL), "alpha");

	capture_start(&c, STDERR_FILENO);
	assert_int_equal(unlink(path), 0);
	wait_for_recheck();
	assert_string_equal(who(ts, "adt_alpha", NULL), "-");
	replace(b);
	wait_for_recheck();
	assert_string_equal(who(ts, "adt_beta", NULL), "beta");
	assert_string_equal(who(ts, "adt_alpha", NULL), "-");
	capture_stop(&c, logged, sizeof logged);

	assert_int_equal(count_of(logged, " is gone; every token is refused "
					  "until it is back\n"),
			 1);
	tokens_close(ts);
}

/* Set A: one=read, two=issue. Set B: one=admin, three=read. */
struct reader {
	pthread_t thread;
	struct token_set *ts;
	atomic_int *stop;
	int wrong, saw_a, saw_b;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	char name[TOKEN_NAME_MAX];
	enum token_role role;

	while (!atomic_load(r->stop)) {
		if (!tokens_lookup(r->ts, "adt_one", 7, name, &role) ||
		    strcmp(name, "one") != 0)
			r->wrong++;
		else if (role == TOKEN_READ)
			r->saw_a = 1;
		else if (role == TOKEN_ADMIN)
			r->saw_b = 1;
		else
			r->wrong++;
		if (tokens_lookup(r->ts, "adt_two", 7, name, &role) &&
		    (strcmp(name, "two") != 0 || role != TOKEN_ISSUE))
			r->wrong++;
		if (tokens_lookup(r->ts, "adt_three", 9, name, &role) &&
		    (strcmp(name, "three") != 0 || role != TOKEN_READ))
			r->wrong++;
	}
	return NULL;
}

static void concurrent_lookups_while_file_is_rewritten(void **state)
{
	char a[512] = "", b[512] = "";
	struct reader readers[4];
	atomic_int stop = 0;
	struct token_set *ts;
	int wrong = 0, saw_a = 0, saw_b = 0;

	(void)state;
	add_line(a, sizeof a, "one", "read", "adt_one");
	add_line(a, sizeof a, "two", "issue", "adt_two");
	add_line(b, sizeof b, "one", "admin", "adt_one");
	add_line(b, sizeof b, "three", "read", "adt_three");
	spit(path, a);
	ts = open_ok();
	for (int i = 0; i < 4; i++) {
		readers[i] = (struct reader){.ts = ts, .stop = &stop};
		assert_int_equal(pthread_create(&readers[i].thread, NULL,
						reader_main, &readers[i]),
				 0);
	}

	/* Flip between the sets for 1.2 s, then hold B past the next
	 * look at the file, so both sets are served for sure. */
	for (int i = 0; i < 240; i++) {
		replace(i % 2 ? b : a);
		sleep_ms(5);
	}
	sleep_ms(1200);
	atomic_store(&stop, 1);

	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(readers[i].thread, NULL), 0);
		wrong += readers[i].wrong;
		saw_a |= readers[i].saw_a;
		saw_b |= readers[i].saw_b;
	}
	assert_int_equal(wrong, 0);
	assert_true(saw_a);
	assert_true(saw_b);
	tokens_close(ts);
}

/* ---- assetd token ---- */

static int is_token(const char *text)
{
	if (strncmp(text, "adt_", 4) != 0 || strlen(text) != 4 + 64 + 1 ||
	    text[68] != '\n')
		return 0;
	for (int i = 4; i < 68; i++) {
		if (!((text[i] >= '0' && text[i] <= '9') ||
		      (text[i] >= 'a' && text[i] <= 'f')))
			return 0;
	}
	return 1;
}

static void cli_add_prints_token_and_appends_its_hash(void **state)
{
	char first[80], want[1024], *text;
	enum token_role role;
	struct stat st;
	struct token_set *ts;

	(void)state;
	assert_int_equal(cli("add", "helpdesk-1", "issue"), 0);
	assert_true(is_token(cli_result.out));
	assert_non_null(strstr(cli_result.err, "shown only this once"));
	snprintf(first, sizeof first, "%.68s", cli_result.out);

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(want, sizeof want, "helpdesk-1 issue %s\n", hash_of(first));
	text = slurp(path);
	assert_string_equal(text, want);
	free(text);

	assert_int_equal(cli("add", "auditor", "admin"), 0);
	assert_true(is_token(cli_result.out));
	assert_string_not_equal(cli_result.out, first);
	ts = open_ok();
	assert_string_equal(who(ts, first, &role), "helpdesk-1");
	assert_int_equal(role, TOKEN_ISSUE);
	cli_result.out[68] = '\0';
	assert_string_equal(who(ts, cli_result.out, &role), "auditor");
	assert_int_equal(role, TOKEN_ADMIN);
	tokens_close(ts);

	text = slurp(path);
	assert_int_equal(strncmp(text, want, strlen(want)), 0);
	assert_int_equal(count_of(text, "\n"), 2);
	free(text);
}

static void cli_add_after_a_last_line_without_newline(void **state)
{
	char before[256] = "", want[512], *text;

	(void)state;
	add_line(before, sizeof before, "alpha", "read", "adt_alpha");
	before[strlen(before) - 1] = '\0';
	spit(path, before);
	assert_int_equal(chmod(path, 0640), 0);

	assert_int_equal(cli("add", "beta", "read"), 0);
	cli_result.out[68] = '\0';
	snprintf(want, sizeof want, "%s\nbeta read %s\n", before,
		 hash_of(cli_result.out));
	text = slurp(path);
	assert_string_equal(text, want);
	free(text);
}

static void cli_add_on_a_full_disk_cuts_back_and_shows_no_token(
	void **state)
{
	char before[1024] = "", want[600], *text;
	struct rlimit old, small;

	(void)state;
	add_line(before, sizeof before, "alpha", "read", "adt_alpha");
	add_line(before, sizeof before, "beta", "read", "adt_beta");
	add_line(before, sizeof before, "gamma", "read", "adt_gamma");
	spit(path, before);

	/* Room for 20 more bytes: the new line is cut short (EFBIG). */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = (rlim_t)strlen(before) + 20;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	cli("add", "delta", "admin");
	setrlimit(RLIMIT_FSIZE, &old);

	assert_int_equal(cli_result.rc, 1);
	assert_string_equal(cli_result.out, "");
	snprintf(want, sizeof want,
		 "assetd token: %s: cannot write: File too large\n", path);
	assert_string_equal(cli_result.err, want);
	text = slurp(path);
	assert_string_equal(text, before);
	free(text);
}

static void cli_add_refuses_a_name_already_present(void **state)
{
	char before[256] = "", *text;

	(void)state;
	add_line(before, sizeof before, "alpha", "read", "adt_alpha");
	spit(path, before);
	assert_int_equal(cli("add", "alpha", "admin"), 1);
	assert_string_equal(cli_result.out, "");
	assert_string_equal(cli_result.err,
			    "assetd token: alpha already exists\n");
	text = slurp(path);
	assert_string_equal(text, before);
	free(text);
}

static void cli_add_refuses_a_malformed_file(void **state)
{
	char want[600];

	(void)state;
	spit(path, "# x\nalpha\n");
	assert_int_equal(cli("add", "beta", "read"), 1);
	assert_string_equal(cli_result.out, "");
	snprintf(want, sizeof want,
		 "assetd token: %s:2: expected NAME ROLE SHA256\n", path);
	assert_string_equal(cli_result.err, want);
}

static void cli_list_prints_names_and_roles_in_file_order(void **state)
{
	char text[1024] = "# who may call\n";
	char want[300];

	(void)state;

	assert_int_equal(cli("list", NULL, NULL), 0);
	assert_string_equal(cli_result.out, "");
	snprintf(want, sizeof want,
		 "assetd token: %s does not exist: no tokens yet\n", path);
	assert_string_equal(cli_result.err, want);

	add_line(text, sizeof text, "zulu", "admin", "adt_z");
	strcat(text, "\n");
	add_line(text, sizeof text, "alpha", "read", "adt_a");
	add_line(text, sizeof text, "mike", "issue", "adt_m");
	spit(path, text);
	assert_int_equal(cli("list", NULL, NULL), 0);
	assert_string_equal(cli_result.out,
			    "zulu admin\nalpha read\nmike issue\n");
	assert_string_equal(cli_result.err, "");
}

static void cli_revoke_keeps_every_other_line(void **state)
{
	char before[2048], want[2048], tmp[160], *text;
	const char *ha = hash_of("adt_a");
	char hb[65], hc[65];
	struct stat st;

	(void)state;
	snprintf(hb, sizeof hb, "%s", hash_of("adt_b"));
	snprintf(hc, sizeof hc, "%s", hash_of("adt_c"));
	hc[0] = 'F';
	snprintf(before, sizeof before,
		 "# comment  with\ttabs\n\n"
		 "  alpha\tread  %s \r\n"
		 "beta issue %s\n"
		 "\t# another\n"
		 "gamma admin %s",
		 ha, hb, hc);
	snprintf(want, sizeof want,
		 "# comment  with\ttabs\n\n"
		 "  alpha\tread  %s \r\n"
		 "\t# another\n"
		 "gamma admin %s",
		 ha, hc);
	spit(path, before);
	assert_int_equal(chmod(path, 0644), 0);

	assert_int_equal(cli("revoke", "beta", NULL), 0);
	assert_string_equal(cli_result.out, "");
	assert_string_equal(cli_result.err, "assetd token: revoked beta\n");
	text = slurp(path);
	assert_string_equal(text, want);
	free(text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	assert_int_equal(access(tmp, F_OK), -1);

	/* The last line, which has no newline. */
	assert_int_equal(cli("revoke", "gamma", NULL), 0);
	text = slurp(path);
	want[strlen(want) - strlen("gamma admin ") - 64] = '\0';
	assert_string_equal(text, want);
	free(text);
}

static void cli_revoke_unknown_name(void **state)
{
	char before[256] = "", *text;

	(void)state;
	assert_int_equal(cli("revoke", "alpha", NULL), 1);
	assert_string_equal(cli_result.err,
			    "assetd token: no token named alpha\n");

	add_line(before, sizeof before, "alpha", "read", "adt_alpha");
	spit(path, before);
	assert_int_equal(cli("revoke", "alphA", NULL), 1);
	assert_string_equal(cli_result.out, "");
	assert_string_equal(cli_result.err,
			    "assetd token: no token named alphA\n");
	text = slurp(path);
	assert_string_equal(text, before);
	free(text);
}

static void cli_usage_errors(void **state)
{
	static const char usage[] =
		"usage: assetd token add NAME ROLE | list | revoke NAME\n";
	static const char *const cases[][3] = {
		{NULL, NULL, NULL},	   {"frobnicate", NULL, NULL},
		{"add", NULL, NULL},	   {"add", "alpha", NULL},
		{"list", "extra", NULL},   {"revoke", NULL, NULL},
		{"revoke", "a", "b"},	   {"ADD", "alpha", "read"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *const *w = cases[i];

		assert_int_equal(cli(w[0], w[1], w[2]), 2);
		assert_string_equal(cli_result.out, "");
		assert_string_equal(cli_result.err, usage);
	}

	assert_int_equal(cli("add", "alpha", "root"), 2);
	assert_string_equal(cli_result.err,
			    "assetd token: unknown role 'root' "
			    "(read, issue or admin)\n"
			    "usage: assetd token add NAME ROLE | list | "
			    "revoke NAME\n");
	assert_int_equal(cli("add", "al pha", "read"), 2);
	assert_string_equal(cli_result.err,
			    "assetd token: bad name 'al pha' "
			    "(1 to 63 of A-Z a-z 0-9 . _ -)\n"
			    "usage: assetd token add NAME ROLE | list | "
			    "revoke NAME\n");
	assert_int_equal(cli("revoke", "", NULL), 2);
	assert_int_equal(access(path, F_OK), -1);
}

static void cli_file_errors_name_the_path(void **state)
{
	char want[600];

	(void)state;
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(cli("list", NULL, NULL), 1);
	snprintf(want, sizeof want, "assetd token: %s: not a regular file\n",
		 path);
	assert_string_equal(cli_result.err, want);
	assert_int_equal(cli("add", "alpha", "read"), 1);
	assert_string_equal(cli_result.err, want);
	assert_string_equal(cli_result.out, "");

	snprintf(path, sizeof path, "%s/missing/tokens", dir);
	assert_int_equal(cli("add", "alpha", "read"), 1);
	snprintf(want, sizeof want,
		 "assetd token: %s/missing: cannot open: No such file or "
		 "directory\n",
		 dir);
	assert_string_equal(cli_result.err, want);
	assert_string_equal(cli_result.out, "");
	assert_int_equal(cli("revoke", "alpha", NULL), 1);
	assert_string_equal(cli_result.err, want);
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(role_names_and_parsing),
		CASE(valid_file_with_comments_blanks_tabs_upper_hex),
		CASE(missing_or_empty_file_is_an_empty_set),
		CASE(error_wrong_number_of_fields),
		CASE(error_bad_name),
		CASE(error_unknown_role),
		CASE(error_bad_hash),
		CASE(error_name_given_twice),
		CASE(error_more_than_10000_tokens),
		CASE(error_file_larger_than_1_mib),
		CASE(error_not_a_regular_file),
		CASE(lookup_known_unknown_and_empty),
		CASE(lookup_one_byte_different),
		CASE(lookup_returns_each_role),
		CASE(lookup_same_hash_twice_first_wins),
		CASE(reload_after_change_in_place),
		CASE(malformed_rewrite_keeps_old_set),
		CASE(removed_file_empties_set_until_it_is_back),
		CASE(concurrent_lookups_while_file_is_rewritten),
		CASE(cli_add_prints_token_and_appends_its_hash),
		CASE(cli_add_after_a_last_line_without_newline),
		CASE(cli_add_on_a_full_disk_cuts_back_and_shows_no_token),
		CASE(cli_add_refuses_a_name_already_present),
		CASE(cli_add_refuses_a_malformed_file),
		CASE(cli_list_prints_names_and_roles_in_file_order),
		CASE(cli_revoke_keeps_every_other_line),
		CASE(cli_revoke_unknown_name),
		CASE(cli_usage_errors),
		CASE(cli_file_errors_name_the_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

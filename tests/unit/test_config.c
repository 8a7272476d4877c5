/* SPDX-License-Identifier: MIT */
/* Unit tests of config: defaults, each key, and file:line errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static char err[512];

static int parse(struct config *c, const char *text)
{
	config_defaults(c);
	err[0] = '\0';
	return config_parse(c, "t.conf", text, strlen(text), err, sizeof err);
}

static void defaults(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_string_equal(c.data_dir, "data");
	assert_int_equal(c.threads, 512);
	assert_int_equal(c.max_body_bytes, 65536);
	assert_int_equal(c.request_timeout_ms, 10000);
	assert_string_equal(c.access_log, "");
	assert_int_equal(c.log_level, LOG_INFO);
	assert_string_equal(c.tokens_file, "");
	assert_int_equal(c.allow_anonymous, 0);
}

static void access_keys(void **state)
{
	struct config c;

	(void)state;
	assert_int_equal(parse(&c, "tokens_file = /etc/assetd/tokens\n"
				   "allow_anonymous = yes\n"),
			 0);
	assert_string_equal(c.tokens_file, "/etc/assetd/tokens");
	assert_int_equal(c.allow_anonymous, 1);
	assert_int_equal(parse(&c, "trusted_proxy = 127.0.0.1\n"), 0);
	assert_string_equal(c.trusted_proxy, "127.0.0.1");
	assert_int_equal(parse(&c, "trusted_proxy = localhost\n"), -1);
	assert_string_equal(err, "t.conf:1: trusted_proxy must be an IPv4 "
				 "address");
	assert_int_equal(parse(&c, "allow_anonymous = maybe\n"), -1);
	assert_string_equal(err, "t.conf:1: allow_anonymous must be yes or no");
	assert_int_equal(parse(&c, "tls_certificate = /etc/server.pem\n"), -1);
	assert_string_equal(err, "t.conf:1: tls_certificate is not supported: "
				 "put a TLS proxy in front (docs/TLS.md)");
}

static void every_key(void **state)
{
	struct config c;

	(void)state;
	assert_int_equal(parse(&c, "# comment\n\n  listen = 0.0.0.0:9000 \n"
				   "data_dir=/var/lib/assetd\n"
				   "threads = 4\r\nmax_body_bytes = 1024\n"
				   "request_timeout_ms = 500\n"
				   "access_log = /tmp/a.log\n"
				   "log_level = debug"),
			 0);
	assert_string_equal(c.listen, "0.0.0.0:9000");
	assert_string_equal(c.data_dir, "/var/lib/assetd");
	assert_int_equal(c.threads, 4);
	assert_int_equal(c.max_body_bytes, 1024);
	assert_int_equal(c.request_timeout_ms, 500);
	assert_string_equal(c.access_log, "/tmp/a.log");
	assert_int_equal(c.log_level, LOG_DEBUG);

	assert_int_equal(parse(&c, "access_log = off\n"), 0);
	assert_string_equal(c.access_log, "");
}

static void unknown_key(void **state)
{
	struct config c;

	(void)state;
	assert_int_equal(parse(&c, "\nlisten = 127.0.0.1:1\nport = 8\n"), -1);
	assert_string_equal(err, "t.conf:3: unknown key 'port'");
}

static void bad_values(void **state)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{"threads = 0", "t.conf:1: threads must be a whole number "
				"from 1 to 1024"},
		{"threads = 1025", "t.conf:1: threads must be a whole number "
				   "from 1 to 1024"},
		{"threads = -1", "t.conf:1: threads must be a whole number "
				 "from 1 to 1024"},
		{"threads = 4x", "t.conf:1: threads must be a whole number "
				 "from 1 to 1024"},
		{"threads =", "t.conf:1: threads must be a whole number "
			      "from 1 to 1024"},
		{"max_body_bytes = 99999999999999999999999",
		 "t.conf:1: max_body_bytes must be a whole number from 256 "
		 "to 16777216"},
		{"request_timeout_ms = 99",
		 "t.conf:1: request_timeout_ms must be a whole number from "
		 "100 to 600000"},
		{"listen = localhost:80", "t.conf:1: listen must be "
					  "IPv4-address:port, e.g. "
					  "127.0.0.1:8080"},
		{"listen = 127.0.0.1:65536", "t.conf:1: listen must be "
					     "IPv4-address:port, e.g. "
					     "127.0.0.1:8080"},
		{"listen = 127.0.0.1", "t.conf:1: listen must be "
				       "IPv4-address:port, e.g. "
				       "127.0.0.1:8080"},
		{"data_dir = ", "t.conf:1: data_dir must not be empty"},
		{"log_level = loud", "t.conf:1: log_level must be error, warn, "
				     "info or debug"},
		{"just words", "t.conf:1: expected 'key = value'"},
		{"= 5", "t.conf:1: expected 'key = value'"},
		{"two words = 5", "t.conf:1: a key has no spaces"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct config c;

		assert_int_equal(parse(&c, cases[i].text), -1);
		assert_string_equal(err, cases[i].err);
	}
}

static void key_set_twice(void **state)
{
	struct config c;

	(void)state;
	assert_int_equal(parse(&c, "threads = 2\n# x\nthreads = 3\n"), -1);
	assert_string_equal(err, "t.conf:3: threads is already set on line 1");
	assert_int_equal(parse(&c, "threads = 4 # four\n"), -1);
	assert_string_equal(err, "t.conf:1: threads must be a whole number "
				 "from 1 to 1024");
}

static void long_line_and_nul(void **state)
{
	char text[1200];
	struct config c;

	(void)state;
	memset(text, 'a', sizeof text);
	config_defaults(&c);
	assert_int_equal(config_parse(&c, "t.conf", text, sizeof text, err,
				      sizeof err),
			 -1);
	assert_string_equal(err, "t.conf:1: line is longer than 1024 bytes");
	assert_int_equal(config_parse(&c, "t.conf", "threads = 1\0", 12, err,
				      sizeof err),
			 -1);
	assert_string_equal(err, "t.conf:1: line holds a NUL byte");
}

static void load_file(void **state)
{
	char path[] = "/tmp/assetd-config-XXXXXX";
	int fd = mkstemp(path);
	struct config c;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "threads = 3\n", 12), 12);
	close(fd);
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, err, sizeof err), 0);
	assert_int_equal(c.threads, 3);
	unlink(path);

	assert_int_equal(config_load(&c, path, err, sizeof err), -1);
	char want[128];
	snprintf(want, sizeof want, "%s: cannot open: No such file or "
		 "directory", path);
	assert_string_equal(err, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(every_key),
		cmocka_unit_test(access_keys),
		cmocka_unit_test(unknown_key),
		cmocka_unit_test(bad_values),
		cmocka_unit_test(key_set_twice),
		cmocka_unit_test(long_line_and_nul),
		cmocka_unit_test(load_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

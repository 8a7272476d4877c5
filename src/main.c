/* SPDX-License-Identifier: MIT */
/*
 * main: flags, configuration and signals. Opens the store, starts the
 * HTTP server, and on SIGTERM or SIGINT lets requests in flight finish
 * before closing the store and exiting 0.
 *
 * Exit codes: 0 clean stop, 1 cannot start (configuration, data
 * directory, port), 2 bad command line.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "store.h"
#include "tokens.h"
#include "verify.h"

static const char usage[] =
	"Usage: assetd [-c FILE] [--listen ADDR:PORT] [--data-dir DIR]\n"
	"       assetd [-c FILE] token add NAME ROLE | list | revoke NAME\n"
	"       assetd [-c FILE] verify [LOG] [--head LINES:HEAD]\n"
	"\n"
	"Issues IT assets over HTTP (POST /api/assets) and records each\n"
	"one as a line of DIR/assets.jsonl.\n"
	"\n"
	"  -c, --config FILE   read settings from FILE (see assets.conf)\n"
	"      --listen ADDR   address and port, e.g. 127.0.0.1:8080\n"
	"      --data-dir DIR  directory of the log and counter\n"
	"  -h, --help          show this help and exit\n"
	"  -V, --version       show the version and exit\n"
	"\n"
	"Flags override the file; without -c, built-in defaults are used.\n"
	"'token' edits the configuration's tokens_file; ROLE is read,\n"
	"issue or admin. A new token is printed once.\n"
	"'verify' checks every line of LOG (default: DIR/assets.jsonl) and\n"
	"its hash chain (with the configuration's chain_key), and with\n"
	"--head that it still begins with a head written down earlier;\n"
	"exit 0 when sound, 1 at the first wrong line, 2 when unreadable.\n";

enum { OPT_LISTEN = 256, OPT_DATA_DIR };

struct flags {
	const char *config_file;
	const char *listen;
	const char *data_dir;
	const char *command_name; /* "token", "verify", or NULL */
	char **command; /* the words after it */
	int command_argc;
};

/* Returns 0 to run, 1 when done (help, version), 2 on a usage error. */
static int parse_flags(int argc, char **argv, struct flags *f)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"listen", required_argument, NULL, OPT_LISTEN},
		{"data-dir", required_argument, NULL, OPT_DATA_DIR},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}};
	int ch;

	/* '+': stop at the first word, so "token add x -c f" is not
	 * rearranged. */
	while ((ch = getopt_long(argc, argv, "+c:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			f->config_file = optarg;
			break;
		case OPT_LISTEN:
			f->listen = optarg;
			break;
		case OPT_DATA_DIR:
			f->data_dir = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case 'V':
			printf("assetd %s\n", ASSETD_VERSION);
			return 1;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind < argc && (strcmp(argv[optind], "token") == 0 ||
			      strcmp(argv[optind], "verify") == 0)) {
		f->command_name = argv[optind];
		f->command = argv + optind + 1;
		f->command_argc = argc - optind - 1;
		return 0;
	}
	if (optind < argc) {
		fprintf(stderr, "assetd: unexpected argument '%s'\n%s",
			argv[optind], usage);
		return 2;
	}
	return 0;
}

/* assetd token ...: edits the tokens file the configuration names. */
static int run_token_command(const struct flags *f, const struct config *c)
{
	if (c->tokens_file[0] == '\0') {
		fprintf(stderr, "assetd token: no tokens_file is set in the "
				"configuration (use -c FILE)\n");
		return 2;
	}
	return tokens_cli(c->tokens_file, f->command_argc, f->command);
}

/* assetd verify [LOG] [--head LINES:HEAD]: prints one line, OK or the
 * first fault. */
static int run_verify_command(const struct flags *f, const struct config *c)
{
	char path[CONFIG_PATH_MAX + 32];
	const char *log_path = NULL, *head = NULL;
	struct verify_result r;
	int rc;

	for (int i = 0; i < f->command_argc; i++) {
		if (strcmp(f->command[i], "--head") == 0 &&
		    i + 1 < f->command_argc && head == NULL)
			head = f->command[++i];
		else if (log_path == NULL && f->command[i][0] != '-')
			log_path = f->command[i];
		else {
			fprintf(stderr, "assetd verify: unexpected argument "
					"'%s'\n%s", f->command[i], usage);
			return 2;
		}
	}
	if (log_path == NULL) {
		snprintf(path, sizeof path, "%s/assets.jsonl", c->data_dir);
		log_path = path;
	}
	rc = verify_file(log_path, c->chain_key, head, &r);
	if (rc < 0) {
		fprintf(stderr, "assetd verify: %s\n", r.why);
		return 2;
	}
	if (rc > 0) {
		printf("FAIL: %s: line %" PRIu64 ": %s\n", log_path,
		       r.bad_line, r.why);
		return 1;
	}
	printf("OK: %" PRIu64 " events, last id %" PRIu64 ", head %s\n",
	       r.lines, r.last_id, r.head);
	return 0;
}

/* Returns 0, or the exit code: 1 for the file, 2 for a flag. */
static int load_config(const struct flags *f, struct config *cfg)
{
	char err[512];

	config_defaults(cfg);
	if (f->config_file && config_load(cfg, f->config_file, err,
					  sizeof err) < 0) {
		log_error("config: %s", err);
		return 1;
	}
	if ((f->listen && config_set(cfg, "listen", f->listen, err,
				     sizeof err) < 0) ||
	    (f->data_dir && config_set(cfg, "data_dir", f->data_dir, err,
				       sizeof err) < 0)) {
		log_error("command line: %s", err);
		return 2;
	}
	return 0;
}

/* Blocks the stop signals in every thread (threads inherit the mask),
 * so main can wait for them; ignores the ones that would kill us. */
static void setup_signals(sigset_t *stop)
{
	sigemptyset(stop);
	sigaddset(stop, SIGTERM);
	sigaddset(stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN); /* a file-size limit is a write error */
}

int main(int argc, char **argv)
{
	struct flags flags = {0};
	struct config cfg;
	struct store *st = NULL;
	struct access *acc = NULL;
	struct http_server *srv = NULL;
	sigset_t stop;
	char err[512];
	int sig, rc;

	rc = parse_flags(argc, argv, &flags);
	if (rc != 0)
		return rc == 1 ? 0 : 2;
	rc = load_config(&flags, &cfg);
	if (rc != 0 && flags.command_name != NULL &&
	    strcmp(flags.command_name, "verify") == 0)
		return 2; /* 1 would read as "the log is damaged" */
	if (rc != 0)
		return rc;
	if (flags.command_name != NULL && strcmp(flags.command_name,
						 "verify") == 0)
		return run_verify_command(&flags, &cfg);
	if (flags.command_name != NULL)
		return run_token_command(&flags, &cfg);
	log_set_level(cfg.log_level);
	setup_signals(&stop);

	acc = access_open(&cfg, err, sizeof err);
	if (acc == NULL) {
		log_error("access: %s", err);
		return 1;
	}
	st = store_open(cfg.data_dir, cfg.chain_key, err, sizeof err);
	if (st == NULL) {
		log_error("store: %s", err);
		access_close(acc);
		return 1;
	}
	srv = http_start(&cfg, st, acc, err, sizeof err);
	if (srv == NULL) {
		log_error("http: %s", err);
		store_close(st);
		access_close(acc);
		return 1;
	}
	log_info("assetd %s listening on %.*s:%d, data in %s", ASSETD_VERSION,
		 (int)(strrchr(cfg.listen, ':') - cfg.listen), cfg.listen,
		 http_port(srv), cfg.data_dir);

	sigwait(&stop, &sig);
	log_info("received %s; finishing requests in flight",
		 sig == SIGTERM ? "SIGTERM" : "SIGINT");
	http_stop(srv);
	store_close(st);
	access_close(acc);
	log_info("stopped");
	return 0;
}

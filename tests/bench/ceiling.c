/* SPDX-License-Identifier: MIT */
/*
 * ceiling: the fastest this web server can answer an issue request.
 *
 * A CivetWeb server configured like assetd (same threads, keep-alive)
 * whose only handler reads the body and answers a fixed 201 with the
 * same headers and body length as assetd. scripts/bench drives it beside
 * assetd in the same run; the ratio of the two is what counts.
 *
 * Usage: ceiling PORT THREADS
 */
#include <civetweb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char reply[] =
	"HTTP/1.1 201 Created\r\n"
	"Content-Type: application/json\r\n"
	"Content-Length: 33\r\n"
	"Cache-Control: no-store\r\n"
	"X-Content-Type-Options: nosniff\r\n"
	"Location: /api/assets/1\r\n"
	"Connection: keep-alive\r\n\r\n"
	"{\"message\":\"Asset issued\",\"id\":1}";

static int on_request(struct mg_connection *conn, void *data)
{
	char body[65536];
	long long want = mg_get_request_info(conn)->content_length;
	long long got = 0;

	(void)data;
	while (want > 0 && got < want && got < (long long)sizeof body) {
		int n = mg_read(conn, body + got, (size_t)(want - got));

		if (n <= 0)
			break;
		got += n;
	}
	mg_write(conn, reply, sizeof reply - 1);
	return 201;
}

int main(int argc, char **argv)
{
	char listen[32];
	const char *options[] = {"listening_ports", listen, "num_threads",
				 argc > 2 ? argv[2] : "16",
				 "enable_keep_alive", "yes",
				 "keep_alive_timeout_ms", "10000", NULL, NULL};
	struct mg_callbacks callbacks;
	struct mg_context *ctx;
	sigset_t stop;
	int sig;

	if (argc < 2) {
		fprintf(stderr, "usage: ceiling PORT [THREADS]\n");
		return 2;
	}
	snprintf(listen, sizeof listen, "127.0.0.1:%s", argv[1]);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	memset(&callbacks, 0, sizeof callbacks);
	mg_init_library(0);
	ctx = mg_start(&callbacks, NULL, options);
	if (ctx == NULL) {
		fprintf(stderr, "ceiling: cannot listen on %s\n", listen);
		return 1;
	}
	mg_set_request_handler(ctx, "/", on_request, NULL);
	fprintf(stderr, "ceiling listening on %s\n", listen);
	sigwait(&stop, &sig);
	mg_stop(ctx);
	mg_exit_library();
	return 0;
}

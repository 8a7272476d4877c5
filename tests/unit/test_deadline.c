/* SPDX-License-Identifier: MIT */
/* Unit tests of deadline on real loopback TCP connections: a read
 * blocked past its deadline returns, one disarmed in time is left alone,
 * and slots run out cleanly. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "deadline.h"

struct pair {
	int client, server;
	int client_port, server_port;
};

static int port_of(int fd, int peer)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;

	if (peer)
		assert_int_equal(getpeername(fd, (struct sockaddr *)&a, &len),
				 0);
	else
		assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len),
				 0);
	return ntohs(a.sin_port);
}

/* A connected client and server socket on 127.0.0.1. */
static void connect_pair(struct pair *p)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof a;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
	p->client = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(p->client, (struct sockaddr *)&a, sizeof a),
			 0);
	p->server = accept(lfd, NULL, NULL);
	assert_true(p->server >= 0);
	close(lfd);
	p->server_port = port_of(p->server, 0);
	p->client_port = port_of(p->server, 1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void blocked_read_is_cut_off(void **state)
{
	struct deadline_watch *w = deadline_start(4);
	struct pair p;
	char buf[16];
	double t0;
	int slot;

	(void)state;
	connect_pair(&p);
	slot = deadline_arm(w, "127.0.0.1", p.client_port, p.server_port, 200);
	assert_true(slot >= 0);

	t0 = now_s();
	assert_int_equal(recv(p.server, buf, sizeof buf, 0), 0);
	assert_true(now_s() - t0 >= 0.15);
	assert_int_equal(deadline_disarm(w, slot), 1);

	/* Only reading was shut: the reply can still be written. */
	assert_int_equal(send(p.server, "408", 3, 0), 3);
	assert_int_equal(recv(p.client, buf, sizeof buf, 0), 3);
	close(p.client);
	close(p.server);
	deadline_stop(w);
}

static void disarmed_in_time_is_left_alone(void **state)
{
	struct deadline_watch *w = deadline_start(4);
	struct pair p;
	char buf[16];
	int slot;

	(void)state;
	connect_pair(&p);
	slot = deadline_arm(w, "127.0.0.1", p.client_port, p.server_port, 100);
	assert_int_equal(deadline_disarm(w, slot), 0);
	usleep(250 * 1000);

	assert_int_equal(send(p.client, "ok", 2, 0), 2);
	assert_int_equal(recv(p.server, buf, sizeof buf, 0), 2);
	close(p.client);
	close(p.server);
	deadline_stop(w);
}

static void only_the_right_connection_is_cut(void **state)
{
	struct deadline_watch *w = deadline_start(4);
	struct pair a, b;
	char buf[16];
	int slot;

	(void)state;
	connect_pair(&a);
	connect_pair(&b);
	slot = deadline_arm(w, "127.0.0.1", a.client_port, a.server_port, 50);
	usleep(250 * 1000);
	assert_int_equal(recv(a.server, buf, sizeof buf, 0), 0);
	assert_int_equal(deadline_disarm(w, slot), 1);

	assert_int_equal(send(b.client, "ok", 2, 0), 2);
	assert_int_equal(recv(b.server, buf, sizeof buf, 0), 2);
	close(a.client);
	close(a.server);
	close(b.client);
	close(b.server);
	deadline_stop(w);
}

static void slots_run_out_cleanly(void **state)
{
	struct deadline_watch *w = deadline_start(1);
	int slot;

	(void)state;
	slot = deadline_arm(w, "127.0.0.1", 1, 2, 10000);
	assert_int_equal(slot, 0);
	assert_int_equal(deadline_arm(w, "127.0.0.1", 3, 4, 10000), -1);
	assert_int_equal(deadline_disarm(w, -1), 0);
	assert_int_equal(deadline_disarm(w, slot), 0);
	assert_int_equal(deadline_arm(w, "127.0.0.1", 3, 4, 10000), 0);
	assert_int_equal(deadline_arm(w, "not an address", 3, 4, 10), -1);
	deadline_stop(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(blocked_read_is_cut_off),
		cmocka_unit_test(disarmed_in_time_is_left_alone),
		cmocka_unit_test(only_the_right_connection_is_cut),
		cmocka_unit_test(slots_run_out_cleanly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

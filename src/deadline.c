/* SPDX-License-Identifier: MIT */
/*
 * deadline: a watchdog for slow request bodies.
 *
 * CivetWeb 1.15's mg_read() returns only once the whole length asked
 * for has arrived, or the connection is idle for request_timeout_ms: a
 * client sending one byte a second holds the worker for as long as it
 * likes. CivetWeb also does not expose the socket. So a worker arms a
 * deadline here with its connection's addresses; when a deadline passes,
 * the watchdog thread finds that connection among the process's file
 * descriptors (local port and peer address and port identify it) and
 * shuts down its reading side: the blocked read returns, the worker
 * answers 408 and CivetWeb closes the connection.
 *
 * Invariants: the watchdog shuts a descriptor down only while holding the
 * mutex and only for an armed slot, and a worker disarms under the same
 * mutex before its handler returns, so the descriptor found is still the
 * worker's connection (CivetWeb closes it only after the handler).
 *
 * Limit: finding the descriptor reads /proc/self/fd and asks each socket
 * for its addresses, because CivetWeb gives no other way to it; this
 * happens only when a deadline passes, never on the normal path.
 */
#include "deadline.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"

struct slot {
	int armed;
	int fired;
	struct timespec at;	 /* CLOCK_MONOTONIC */
	struct sockaddr_in peer; /* the client */
	in_port_t local_port;	 /* network order */
};

struct deadline_watch {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a new, earlier deadline, or stop */
	pthread_t thread;
	int stopping;
	int timed;		   /* the watchdog sleeps until wake_at */
	struct timespec wake_at;
	unsigned count;
	struct slot slots[];
};

static int before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static int same_peer(const struct sockaddr_in *a, const struct slot *s)
{
	return a->sin_family == AF_INET &&
	       a->sin_addr.s_addr == s->peer.sin_addr.s_addr &&
	       a->sin_port == s->peer.sin_port;
}

/* The descriptor of the slot's connection, or -1. */
static int find_socket(const struct slot *s)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int found = -1;

	if (dir == NULL)
		return -1;
	while (found < 0 && (e = readdir(dir)) != NULL) {
		struct sockaddr_in local, peer;
		socklen_t llen = sizeof local, plen = sizeof peer;
		int fd = atoi(e->d_name);

		if (e->d_name[0] < '0' || e->d_name[0] > '9' ||
		    getsockname(fd, (struct sockaddr *)&local, &llen) < 0 ||
		    local.sin_family != AF_INET ||
		    local.sin_port != s->local_port ||
		    getpeername(fd, (struct sockaddr *)&peer, &plen) < 0)
			continue;
		if (same_peer(&peer, s))
			found = fd;
	}
	closedir(dir);
	return found;
}

/* With w->mu held: cuts off every armed slot whose deadline has passed
 * and returns the earliest deadline still to come in *next (0 if none). */
static int expire(struct deadline_watch *w, struct timespec *next)
{
	struct timespec now;
	int pending = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (unsigned i = 0; i < w->count; i++) {
		struct slot *s = &w->slots[i];

		if (!s->armed || s->fired)
			continue;
		if (!before(&now, &s->at)) {
			int fd = find_socket(s);

			if (fd >= 0 && shutdown(fd, SHUT_RD) < 0)
				log_warn("deadline: shutdown: %s",
					 strerror(errno));
			s->fired = 1;
		} else if (!pending || before(&s->at, next)) {
			*next = s->at;
			pending = 1;
		}
	}
	return pending;
}

static void *watch_main(void *arg)
{
	struct deadline_watch *w = arg;
	struct timespec next;

	pthread_mutex_lock(&w->mu);
	while (!w->stopping) {
		w->timed = expire(w, &next);
		w->wake_at = next;
		if (w->timed)
			pthread_cond_timedwait(&w->cv, &w->mu, &next);
		else
			pthread_cond_wait(&w->cv, &w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct deadline_watch *deadline_start(unsigned slots)
{
	struct deadline_watch *w =
		calloc(1, sizeof *w + slots * sizeof w->slots[0]);
	pthread_condattr_t attr;

	if (w == NULL)
		return NULL;
	w->count = slots;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &attr);
	pthread_condattr_destroy(&attr);

	if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return NULL;
	}
	return w;
}

void deadline_stop(struct deadline_watch *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

int deadline_arm(struct deadline_watch *w, const char *client,
		 int client_port, int local_port, unsigned ms)
{
	struct slot s = {.armed = 1};
	int i;

	s.peer.sin_family = AF_INET;
	s.peer.sin_port = htons((in_port_t)client_port);
	s.local_port = htons((in_port_t)local_port);
	if (inet_pton(AF_INET, client, &s.peer.sin_addr) != 1)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &s.at);
	s.at.tv_sec += ms / 1000;
	s.at.tv_nsec += (long)(ms % 1000) * 1000000;
	if (s.at.tv_nsec >= 1000000000) {
		s.at.tv_sec++;
		s.at.tv_nsec -= 1000000000;
	}

	pthread_mutex_lock(&w->mu);
	for (i = 0; i < (int)w->count && w->slots[i].armed; i++)
		;
	if (i < (int)w->count) {
		w->slots[i] = s;
		/* Deadlines all have one length, so a new one is seldom the
		 * earliest: wake the watchdog only when it is. */
		if (!w->timed || before(&s.at, &w->wake_at))
			pthread_cond_signal(&w->cv);
	} else {
		i = -1;
	}
	pthread_mutex_unlock(&w->mu);
	return i;
}

int deadline_disarm(struct deadline_watch *w, int slot)
{
	int fired;

	if (slot < 0)
		return 0;
	pthread_mutex_lock(&w->mu);
	fired = w->slots[slot].fired;
	w->slots[slot].armed = 0;
	pthread_mutex_unlock(&w->mu);
	return fired;
}

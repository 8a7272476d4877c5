/* SPDX-License-Identifier: MIT */
/*
 * reader: parse-ahead for reading a whole log.
 *
 * The parsing thread fills batches of READER_BATCH lines; the caller
 * takes them in order. Two batches exist, so the thread parses one while
 * the caller works through the other.
 *
 * Invariants:
 * - Lines reach the caller in file order, each once.
 * - A batch belongs to the thread until it is published and to the
 *   caller until it is released; both hand-overs happen under mu.
 * - The thread stops after the first line without a newline (a torn
 *   tail), at the end of the map, or when asked to; every event it
 *   parsed is freed exactly once, by whoever holds its batch last.
 */
#include "reader.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define READER_BATCH 256

struct reader {
	const char *map;
	size_t len;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct reader_line *slot[2];
	size_t count[2];
	uint64_t published;	/* batches handed to the caller (mu) */
	uint64_t consumed;	/* batches the caller is done with (mu) */
	int finished;		/* no batch will follow (mu) */
	int stop;		/* the caller wants no more (mu) */
	size_t next;		/* the caller's place in its batch */
};

static void free_batch(struct reader_line *b, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (b[i].rc == 0)
			event_free(&b[i].ev);
	}
}

/* Parses lines from *pos into b. Returns how many; sets *end at the
 * last line of the map. */
static size_t fill(const struct reader *r, struct reader_line *b,
		   size_t *pos, int *end)
{
	size_t k = 0;

	while (k < READER_BATCH && *pos < r->len) {
		const char *p = r->map + *pos;
		const char *nl = memchr(p, '\n', r->len - *pos);
		struct reader_line *l = &b[k++];

		l->pos = *pos;
		l->n = nl ? (size_t)(nl - p) : r->len - *pos;
		l->whole = nl != NULL;
		l->rc = event_parse(p, l->n, &l->ev, l->why, sizeof l->why);
		*pos += l->n + 1;
		if (!l->whole)
			*pos = r->len;
	}
	*end = *pos >= r->len;
	return k;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	size_t pos = 0;
	int end = r->len == 0;

	for (uint64_t i = 0; !end; i++) {
		struct reader_line *b = r->slot[i % 2];
		size_t k;

		int stop;

		pthread_mutex_lock(&r->mu);
		while (i - r->consumed >= 2 && !r->stop)
			pthread_cond_wait(&r->cv, &r->mu);
		stop = r->stop;
		pthread_mutex_unlock(&r->mu);
		if (stop)
			break;

		k = fill(r, b, &pos, &end);

		pthread_mutex_lock(&r->mu);
		r->count[i % 2] = k;
		r->published = i + 1;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
	}
	pthread_mutex_lock(&r->mu);
	r->finished = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

struct reader *reader_start(const char *map, size_t len)
{
	struct reader *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	r->map = map;
	r->len = len;
	r->slot[0] = calloc(READER_BATCH, sizeof *r->slot[0]);
	r->slot[1] = calloc(READER_BATCH, sizeof *r->slot[1]);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (r->slot[0] == NULL || r->slot[1] == NULL ||
	    pthread_create(&r->thread, NULL, reader_main, r) != 0) {
		free(r->slot[0]);
		free(r->slot[1]);
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
		free(r);
		return NULL;
	}
	return r;
}

const struct reader_line *reader_next(struct reader *r)
{
	uint64_t c;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		c = r->consumed;
		if (r->published > c && r->next < r->count[c % 2])
			break;
		if (r->published > c) { /* this batch is done: release it */
			free_batch(r->slot[c % 2], r->count[c % 2]);
			r->consumed = c + 1;
			r->next = 0;
			pthread_cond_broadcast(&r->cv);
			continue;
		}
		if (r->finished) {
			pthread_mutex_unlock(&r->mu);
			return NULL;
		}
		pthread_cond_wait(&r->cv, &r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	return &r->slot[c % 2][r->next++];
}

void reader_stop(struct reader *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);

	/* What was published and not yet released is the caller's. */
	for (uint64_t c = r->consumed; c < r->published; c++)
		free_batch(r->slot[c % 2], r->count[c % 2]);
	free(r->slot[0]);
	free(r->slot[1]);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
}

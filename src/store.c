/* SPDX-License-Identifier: MIT */
/*
 * store: the record of truth. One data directory holds
 *
 *   assets.jsonl       one event per line, appended, never rewritten:
 *     {"id":7,"event":"issued","at":"2026-12-04T15:04:05Z",...}
 *   assets.jsonl.torn  bytes of torn last lines set aside at start
 *   counter            one decimal number and a newline: no id above it
 *                      has ever been handed out
 *   assetd.lock        held with flock() while a server owns the directory
 *
 * Invariants:
 * - The log ends with a whole line. A failed or short write is cut back
 *   to the size before it under the mutex, so no reader sees half a line.
 * - store_append() returns 0 only after an fdatasync() that began after
 *   its line was written. One sync covers every line written before it
 *   (group commit): a writer that finds no sync running syncs for
 *   everyone written so far (the leader); the others wait for it, and
 *   one of those still uncovered leads the next sync. No timer and no
 *   hand-off: an idle store syncs at once, in the writer's own thread.
 * - Ids are handed out in log order and are never reused. The counter
 *   file reserves ids ahead (COUNTER_RESERVE at a time) and is replaced
 *   atomically; at a clean close it records the last id exactly, so ids
 *   stay consecutive across restarts. After a crash the next id is one
 *   past the reservation, so up to COUNTER_RESERVE ids may be skipped.
 * - After a failed sync the kernel may have dropped the pages, so the
 *   store refuses every append until it is restarted and re-reads the
 *   log (a retried fsync can report success for lost data).
 * - The state (src/state.c) holds exactly the lines of the log: each
 *   line is checked against it and applied to it under the mutex, in
 *   log order. A line written but not applied (out of memory) stops
 *   appends until a restart rebuilds the state from the log.
 * - Only issued events take new ids; the other events name an asset.
 *
 * At open every line is checked (src/event.c: its layout; src/state.c:
 * that it may follow the lines before it) and the state is rebuilt. The
 * last line may be what a crash left of one write (the start of a line
 * whose object never closes, or zero bytes): that is torn, appended to
 * assets.jsonl.torn, synced, and cut from the log with a warning. A
 * whole event that lost only its newline gets it back and is kept. Any
 * other bad line stops the start with its line number: that is damage,
 * not a crash, and needs a person. When the disk has no room for these
 * repairs, or for the counter, the store still opens: reads are served
 * and appends refused until it has room (see reconcile_counter).
 */
#include "store.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chain.h"
#include "event.h"
#include "fsutil.h"
#include "json.h"
#include "log.h"
#include "reader.h"
#include "state.h"

/* Ids reserved per counter write; see the invariants above.
 * Limit: after a crash up to this many ids are skipped, because the
 * counter is not synced once per id. */
#define COUNTER_RESERVE 1000

struct store {
	struct state *state;
	struct chain chain;
	char head[CHAIN_HEX + 1];	/* the last line's chain value (mu) */
	uint64_t lines;			/* lines in the log (mu) */
	char *dir;
	int dir_fd;
	int log_fd;
	int lock_fd;

	pthread_mutex_t mu;		/* ids, the log's end, the counter */
	pthread_mutex_t sync_mu;	/* the group commit below */
	pthread_cond_t synced_cv;	/* writers wait for the leader */
	pthread_cond_t ceiling_cv;	/* counter thread and its waiters */
	pthread_t counter_thread;

	off_t size;		/* bytes of whole lines in the log */
	uint64_t next_id;	/* id the next issued event gets */
	_Atomic uint64_t written_seq; /* lines written (set under mu) */
	uint64_t synced_seq;	/* lines known durable (sync_mu) */
	int syncing;		/* a leader is in fdatasync() (sync_mu) */
	uint64_t ceiling;	/* value in the counter file */
	int ceiling_wanted;	/* the counter thread should raise it */
	atomic_int broken;	/* a write could not be undone or a sync
				 * failed: refuse appends until restart */
	atomic_int stale;	/* a line is not in the state: the same */
	int counter_failed;	/* the last counter write failed */
	uint64_t counter_done;	/* counter writes finished (mu) */
	int counter_logged;	/* errno of the counter failure logged, or 0 */
	int write_logged;	/* errno of the append failure logged, or 0
				 * (log_write, under mu) */
	int stopping;

	unsigned long sync_calls; /* for the test-only fault hook */
	unsigned long fail_sync_at;
};

/* ---- Writing and syncing the log ---- */

/*
 * The log's fdatasync, with the test-only fault hook: when the
 * environment variable ASSETD_TEST_FAIL_SYNC=N was set at open, the Nth
 * log sync (counting from 1) fails with EIO, as a failing disk would.
 */
static int log_sync(struct store *s)
{
	s->sync_calls++;
	if (s->fail_sync_at != 0 && s->sync_calls == s->fail_sync_at) {
		errno = EIO;
		return -1;
	}
	return fs_datasync(s->log_fd);
}

/* Appends line[0..len); on any failure the file is cut back to the size
 * before it, so it keeps ending with a whole line. A run of failures
 * (a full disk) is logged once, and the first success after it. */
static int log_write(struct store *s, const char *line, size_t len)
{
	int saved;

	if (fs_write_all(s->log_fd, line, len) == 0) {
		if (s->write_logged)
			log_info("store: appends to %s/%s work again", s->dir,
				 STORE_LOG_NAME);
		s->write_logged = 0;
		return 0;
	}

	saved = errno;
	if (s->write_logged != saved)
		log_error("store: append to %s/%s failed: %s (not logged "
			  "again until it works or fails otherwise)", s->dir,
			  STORE_LOG_NAME, strerror(saved));
	s->write_logged = saved;
	if (fs_truncate(s->log_fd, s->size) < 0) {
		log_error("store: cannot cut %s/%s back to %lld bytes: %s",
			  s->dir, STORE_LOG_NAME, (long long)s->size,
			  strerror(errno));
		s->broken = 1;
	}
	errno = saved;
	return -1;
}

/* ---- The counter file ---- */

/* Logs a counter failure once, not once per request while the disk
 * stays full; counter_write() says when it works again. */
static void counter_log_failure(struct store *s, const char *verb,
				const char *suffix)
{
	if (s->counter_logged != errno)
		log_error("store: cannot %s %s/%s%s: %s (not logged again "
			  "until it works or fails otherwise)", verb, s->dir,
			  STORE_COUNTER_NAME, suffix, strerror(errno));
	s->counter_logged = errno;
}

static int counter_write(struct store *s, uint64_t value)
{
	char text[32];
	int n = snprintf(text, sizeof text, "%" PRIu64 "\n", value);
	int fd, rc = -1;

	fd = openat(s->dir_fd, STORE_COUNTER_NAME ".tmp",
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		counter_log_failure(s, "create", ".tmp");
		return -1;
	}
	if (fs_write_all(fd, text, (size_t)n) < 0 || fs_datasync(fd) < 0) {
		counter_log_failure(s, "write", ".tmp");
		goto out;
	}
	if (renameat(s->dir_fd, STORE_COUNTER_NAME ".tmp", s->dir_fd,
		     STORE_COUNTER_NAME) < 0 ||
	    fs_datasync(s->dir_fd) < 0) {
		counter_log_failure(s, "replace", "");
		goto out;
	}
	if (s->counter_logged)
		log_info("store: %s/%s written again", s->dir,
			 STORE_COUNTER_NAME);
	s->counter_logged = 0;
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Reads the counter. Returns 1 and sets *value, 0 when the file does not
 * exist, -1 with err set when it cannot be read or is not a number. */
static int counter_read(struct store *s, uint64_t *value, char *err,
			size_t errlen)
{
	char text[32];
	ssize_t n;
	uint64_t v = 0;
	int fd = openat(s->dir_fd, STORE_COUNTER_NAME, O_RDONLY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		snprintf(err, errlen, "%s/%s: cannot open: %s", s->dir,
			 STORE_COUNTER_NAME, strerror(errno));
		return -1;
	}
	n = fs_read_full(fd, text, sizeof text - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s/%s: cannot read: %s", s->dir,
			 STORE_COUNTER_NAME, strerror(errno));
		return -1;
	}
	if (n > 0 && text[n - 1] == '\n')
		n--;
	for (ssize_t i = 0; i < n; i++) {
		if (text[i] < '0' || text[i] > '9' || v > STORE_ID_MAX)
			n = 0;
		else
			v = v * 10 + (uint64_t)(text[i] - '0');
	}
	if (n <= 0 || v > STORE_ID_MAX) {
		snprintf(err, errlen,
			 "%s/%s: not a number from 0 to %llu; if %s is "
			 "complete, delete the counter to continue after the "
			 "log's last id",
			 s->dir, STORE_COUNTER_NAME,
			 (unsigned long long)STORE_ID_MAX, STORE_LOG_NAME);
		return -1;
	}
	*value = v;
	return 1;
}

/* The ceiling to reserve up to when the next id is next_id. */
static uint64_t reservation(uint64_t next_id)
{
	uint64_t top = next_id - 1 + COUNTER_RESERVE;

	return top < STORE_ID_MAX ? top : STORE_ID_MAX;
}

/* Raises the ceiling in the background whenever an append asks. */
static void *counter_main(void *arg)
{
	struct store *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->ceiling_wanted && !s->stopping)
			pthread_cond_wait(&s->ceiling_cv, &s->mu);
		if (s->stopping)
			break;

		uint64_t target = reservation(s->next_id + 1);
		pthread_mutex_unlock(&s->mu);
		int rc = counter_write(s, target);
		pthread_mutex_lock(&s->mu);

		s->ceiling_wanted = 0;
		s->counter_failed = rc < 0;
		s->counter_done++;
		if (rc == 0)
			s->ceiling = target;
		pthread_cond_broadcast(&s->ceiling_cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* With s->mu held: makes sure next_id is covered by the counter file,
 * asking for more room early. Returns -1 with errno when it cannot. */
static int ceiling_reserve(struct store *s)
{
	uint64_t seen = s->counter_done;

	if (s->next_id + COUNTER_RESERVE / 2 > s->ceiling &&
	    !s->ceiling_wanted) {
		s->ceiling_wanted = 1;
		pthread_cond_broadcast(&s->ceiling_cv);
	}
	while (s->next_id > s->ceiling && !s->stopping) {
		/* Every waiter whose write attempt has failed gives up, not
		 * just the first to wake; the next append asks again. */
		if (s->counter_done != seen && s->counter_failed) {
			errno = EAGAIN;
			return -1;
		}
		pthread_cond_wait(&s->ceiling_cv, &s->mu);
	}
	if (s->next_id > s->ceiling) {
		errno = ESHUTDOWN;
		return -1;
	}
	return 0;
}

/* ---- Group commit ---- */

/*
 * Returns once line seq is durable, syncing for the group when no one
 * else is. Runs under sync_mu, not mu, so writers keep appending while a
 * sync is in progress. Returns -1 with errno EIO when the sync failed
 * (now or earlier).
 *
 * Limit: a group holds only the writers that reached it while the last
 * sync ran, and each sleeps in its own CivetWeb worker meanwhile; at 16
 * connections that is about 7 lines a sync, and durable issuing stays
 * near a quarter of what CivetWeb does with no work (PERFORMANCE.md).
 */
static int wait_durable(struct store *s, uint64_t seq)
{
	int rc = 0;

	pthread_mutex_lock(&s->sync_mu);
	while (s->synced_seq < seq && !s->broken) {
		if (s->syncing) {
			pthread_cond_wait(&s->synced_cv, &s->sync_mu);
			continue;
		}

		uint64_t target = atomic_load(&s->written_seq);
		s->syncing = 1;
		pthread_mutex_unlock(&s->sync_mu);
		rc = log_sync(s);
		int saved = errno;
		pthread_mutex_lock(&s->sync_mu);
		s->syncing = 0;

		if (rc == 0) {
			s->synced_seq = target;
		} else {
			log_error("store: fdatasync %s/%s failed: %s; refusing "
				  "writes until restart",
				  s->dir, STORE_LOG_NAME, strerror(saved));
			s->broken = 1;
		}
		pthread_cond_broadcast(&s->synced_cv);
	}
	rc = s->synced_seq < seq ? -1 : 0;
	pthread_mutex_unlock(&s->sync_mu);
	if (rc < 0)
		errno = EIO;
	return rc;
}

/* Names that go into the envelope unescaped: [A-Za-z0-9._-]{1,63}. */
static int plain_name(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

	return n > 0 && n < 64 && s[n] == '\0';
}

/* With s->mu held: what a request with a used key gets. Returns 1 when
 * the key was used within its window (res says how), else 0. */
static int check_key(struct store *s, const struct event *ev,
		     struct store_result *res, uint64_t *seq)
{
	struct state_key k;
	unsigned char digest[32];

	if (ev->key == NULL ||
	    !state_key_find(s->state, ev->key, (int64_t)time(NULL), &k))
		return 0;
	event_digest(ev, ev->kind == EVENT_ISSUED ? 0 : ev->id, digest);
	if (k.kind != ev->kind || memcmp(k.digest, digest, 32) != 0) {
		res->outcome = STORE_KEY_REUSED;
		return 1;
	}
	res->outcome = STORE_REPLAYED;
	res->id = k.id;
	res->event_no = k.event_no;
	*seq = k.seq;
	return 1;
}

/* With s->mu held: gives an issued event its id, or says why another
 * event may not be written. Returns 0, 1 with res->outcome set, or -1
 * with errno. */
static int admit(struct store *s, struct event *ev, struct store_result *res)
{
	enum state_verdict v;

	if (ev->kind == EVENT_ISSUED) {
		if (s->next_id > STORE_ID_MAX) {
			errno = EOVERFLOW;
			return -1;
		}
		if (ceiling_reserve(s) < 0)
			return -1;
		ev->id = s->next_id;
	}
	v = state_check(s->state, ev);
	if (v == STATE_OK)
		return 0;
	res->outcome = v == STATE_NOT_FOUND   ? STORE_NOT_FOUND
		       : v == STATE_RETURNED ? STORE_RETURNED
					      : STORE_SAME_HOLDER;
	return 1;
}

/* With s->mu held: writes ev's line and applies it to the state.
 * Returns the line's sequence number, or 0 with errno. */
static uint64_t write_event(struct store *s, const struct event *ev)
{
	char head[CHAIN_HEX + 1];
	char *line = malloc(event_line_max(ev));
	size_t len = line ? event_format_chained(ev, s->lines + 1, &s->chain,
						 s->head, line, head)
			  : 0;
	uint64_t seq = 0;

	if (len == 0 || log_write(s, line, len) < 0) {
		free(line);
		if (len == 0)
			errno = ENOMEM; /* the line or its hash (OpenSSL) */
		return 0;
	}
	free(line);

	/* Limit: the state shows the line before its sync, so that readers
	 * never wait for one; if that sync fails, reads show an event whose
	 * writer was told it may or may not be recorded, until a restart
	 * re-reads the log. */
	seq = atomic_load(&s->written_seq) + 1; /* only writers, under mu */
	if (state_apply(s->state, ev, (uint64_t)s->size,
			(uint32_t)(len - 1), seq) < 0) {
		log_error("store: out of memory for the index; refusing "
			  "writes until restart");
		s->stale = 1;
	}
	s->size += (off_t)len;
	s->lines++;
	memcpy(s->head, head, sizeof head);
	if (ev->kind == EVENT_ISSUED)
		s->next_id++;
	atomic_store(&s->written_seq, seq);
	return seq;
}

int store_append(struct store *s, struct event *ev, struct store_result *res)
{
	uint64_t seq = 0;
	int rc;

	memset(res, 0, sizeof *res);
	if ((ev->by != NULL && !plain_name(ev->by)) ||
	    (ev->key != NULL && !event_key_ok(ev->key))) {
		errno = EINVAL;
		return -1;
	}

	pthread_mutex_lock(&s->mu);
	if (s->broken || s->stale || s->stopping) {
		errno = s->stopping ? ESHUTDOWN : EROFS;
		pthread_mutex_unlock(&s->mu);
		return -1;
	}
	rc = check_key(s, ev, res, &seq);
	if (rc == 0)
		rc = admit(s, ev, res);
	if (rc == 0) {
		ev->at = (int64_t)time(NULL);
		seq = write_event(s, ev);
		rc = seq == 0 ? -1 : 0;
		if (seq != 0) { /* res->outcome is STORE_WRITTEN (0) */
			res->id = ev->id;
			res->event_no = (uint32_t)state_history(
				s->state, ev->id, NULL, 0);
		}
	}
	pthread_mutex_unlock(&s->mu);

	if (rc != 0 || (res->outcome != STORE_WRITTEN &&
			res->outcome != STORE_REPLAYED))
		return rc < 0 ? -1 : 0;
	return wait_durable(s, seq);
}

ssize_t store_read(struct store *s, uint64_t off, char *buf, size_t len)
{
	return fs_pread_full(s->log_fd, buf, len, (off_t)off);
}

struct state *store_state(struct store *s)
{
	return s->state;
}

/* Limit: the head counts a line written but not yet synced (a fraction
 * of a millisecond), because it is read under mu, not sync_mu; a head
 * taken then may name a line a crash loses. */
void store_head(struct store *s, uint64_t *lines, char *head)
{
	pthread_mutex_lock(&s->mu);
	*lines = s->lines;
	memcpy(head, s->head, CHAIN_HEX + 1);
	pthread_mutex_unlock(&s->mu);
}

int store_is_broken(struct store *s)
{
	return atomic_load(&s->broken) || atomic_load(&s->stale);
}

/* ---- Opening: lock, check the log, recover, reconcile ---- */

static int lock_dir(struct store *s, char *err, size_t errlen)
{
	s->lock_fd = openat(s->dir_fd, STORE_LOCK_NAME,
			    O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->lock_fd < 0) {
		snprintf(err, errlen, "%s/%s: cannot open: %s", s->dir,
			 STORE_LOCK_NAME, strerror(errno));
		return -1;
	}
	if (fs_lock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			snprintf(err, errlen,
				 "%s is in use by another assetd (lock %s)",
				 s->dir, STORE_LOCK_NAME);
		else
			snprintf(err, errlen, "%s/%s: cannot lock: %s", s->dir,
				 STORE_LOCK_NAME, strerror(errno));
		return -1;
	}
	return 0;
}

struct scan {
	off_t good;		/* end of the last whole, valid line */
	uint64_t last_id;	/* largest id issued */
	unsigned long lines;
	int chained;		/* a chained line was seen */
	char head[CHAIN_HEX + 1]; /* the last chained line's value */
	int unterminated;	/* the last line is whole but for its '\n' */
};

/* A line's place in the chain: once one line is chained, every later
 * one must be, numbered by its place in the file. Limit: the chain
 * values themselves are checked by `assetd verify`, not at every start,
 * because a million hashes would slow every start. */
static int check_seq(const struct event *ev, struct scan *sc, char *why,
		     size_t whylen)
{
	uint64_t k = sc->lines + 1;

	if (ev->chain == NULL && sc->chained) {
		snprintf(why, whylen, "no \"chain\" after chained lines: "
				      "inserted or edited; run assetd verify");
		return -1;
	}
	if (ev->chain == NULL)
		return 0;
	if (ev->seq != k) {
		snprintf(why, whylen, "\"seq\" is %" PRIu64 " on line %" PRIu64
			 ": lines were removed, inserted or reordered; run "
			 "assetd verify", ev->seq, k);
		return -1;
	}
	sc->chained = 1;
	memcpy(sc->head, ev->chain, CHAIN_HEX);
	sc->head[CHAIN_HEX] = '\0';
	return 0;
}

/* Checks one parsed line against the state and applies it. Returns 0,
 * or -1 with why. */
static int apply_line(struct store *s, const struct reader_line *l,
		      struct scan *sc, char *why, size_t whylen)
{
	enum state_verdict v = state_check(s->state, &l->ev);

	if (check_seq(&l->ev, sc, why, whylen) < 0)
		return -1;
	if (v != STATE_OK) {
		snprintf(why, whylen, "this %s event for id %" PRIu64 " %s",
			 event_kind_name(l->ev.kind), l->ev.id,
			 state_verdict_text(v));
		return -1;
	}
	if (state_apply(s->state, &l->ev, (uint64_t)l->pos, (uint32_t)l->n,
			0) < 0) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * A last line without its newline. Returns 0 when it is torn: what a
 * crash leaves of one write (the start of a line whose object never
 * closes, or zero bytes where a block never got written), never
 * acknowledged, to be set aside. Returns 1 when it is a whole event that
 * may follow the others: only its newline was lost (an editor drops it;
 * a crash could, just before the end), and it is kept. Anything else
 * (two lines run together, a line edited) is damage: -1 with why.
 */
static int unterminated(struct store *s, const struct reader_line *l,
			const char *map, struct scan *sc, char *why,
			size_t whylen)
{
	const char *p = map + l->pos;
	struct scan before = *sc;

	if (memchr(p, '\0', l->n) != NULL || event_is_cut_short(p, l->n))
		return 0;
	if (l->rc != 0) {
		snprintf(why, whylen, "%.170s (and no newline)", l->why);
		return -1;
	}
	if (apply_line(s, l, sc, why, whylen) < 0) {
		*sc = before;	/* its seq and chain are not the head */
		return -1;
	}
	sc->lines++;
	sc->good = (off_t)(l->pos + l->n);
	sc->unterminated = 1;
	return 1;
}

/* Checks every line of map[0..len) and rebuilds the state from them;
 * the lines are parsed ahead on a second thread (src/reader.c).
 * Limit: start-up time grows with the log, because the log is the record
 * of truth and no saved index is trusted over it. Returns 0 (a torn
 * tail, if any, starts at sc->good), or -1 with err naming the bad
 * line. */
static int scan_log(struct store *s, const char *map, size_t len,
		    struct scan *sc, char *err, size_t errlen)
{
	char why[200];
	struct reader *r = reader_start(map, len);
	const struct reader_line *l;
	int rc = 0;

	memset(sc, 0, sizeof *sc);
	if (r == NULL) {
		snprintf(err, errlen, "cannot start reading the log: out of "
				      "memory or threads");
		return -1;
	}
	while (rc == 0 && (l = reader_next(r)) != NULL) {
		if (!l->whole) {
			if (unterminated(s, l, map, sc, why, sizeof why) < 0)
				rc = -1;
			break;
		}
		if (l->rc == EVENT_NOT_JSON && l->pos + l->n + 1 == len &&
		    memchr(map + l->pos, '\0', l->n) != NULL)
			break; /* torn: zeros, a block that never got written */
		if (l->rc != 0)
			snprintf(why, sizeof why, "%s", l->why);
		if (l->rc != 0 || apply_line(s, l, sc, why, sizeof why) < 0) {
			rc = -1;
			break;
		}
		sc->lines++;
		sc->good = (off_t)(l->pos + l->n + 1);
	}
	reader_stop(r);
	if (rc < 0)
		snprintf(err, errlen,
			 "%s/%s:%lu: %s; the log is damaged: restore it from a "
			 "backup or repair that line by hand",
			 s->dir, STORE_LOG_NAME, sc->lines + 1, why);
	return rc;
}

/* Appends text[0..n) and a newline to the side file, after a newline of
 * its own if the file does not end in one; on failure cuts the file back
 * to its size before, so it only ever holds whole entries. */
static int torn_save(struct store *s, const char *text, size_t n)
{
	int fd = openat(s->dir_fd, STORE_TORN_NAME,
			O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
			0644);
	struct stat st;
	char last = '\n';
	int rc, saved;

	if (fd < 0 || fstat(fd, &st) < 0) {
		saved = errno;
		if (fd >= 0)
			close(fd);
		errno = saved;
		return -1;
	}
	if (st.st_size > 0 &&
	    fs_pread_full(fd, &last, 1, st.st_size - 1) != 1)
		last = 0;	/* unknown: separate to be safe */

	rc = 0;
	if ((last != '\n' && fs_write_all(fd, "\n", 1) < 0) ||
	    fs_write_all(fd, text, n) < 0 || fs_write_all(fd, "\n", 1) < 0 ||
	    fs_datasync(fd) < 0 || fs_datasync(s->dir_fd) < 0)
		rc = -1;
	saved = errno;
	if (rc < 0)
		(void)fs_truncate(fd, st.st_size);
	close(fd);
	errno = saved;
	return rc;
}

/* Moves map[good..len) to the side file and cuts the log at good. */
static int set_torn_tail_aside(struct store *s, const char *map,
			       size_t len, off_t good, char *err,
			       size_t errlen)
{
	size_t torn = len - (size_t)good;

	if (torn_save(s, map + good, torn) < 0) {
		snprintf(err, errlen, "%s/%s: cannot save torn line: %s",
			 s->dir, STORE_TORN_NAME, strerror(errno));
		return -1;
	}
	if (fs_truncate(s->log_fd, good) < 0 || fs_datasync(s->log_fd) < 0) {
		snprintf(err, errlen, "%s/%s: cannot cut torn line: %s (it is "
			 "in %s already; the next start adds it again)", s->dir,
			 STORE_LOG_NAME, strerror(errno), STORE_TORN_NAME);
		return -1;
	}
	log_warn("store: %s/%s ended in a torn line (%zu bytes at offset "
		 "%lld, never acknowledged); moved it to %s and cut it off",
		 s->dir, STORE_LOG_NAME, torn, (long long)good,
		 STORE_TORN_NAME);
	return 0;
}

/* Maps the whole log, as it is now, into *map (NULL when empty), its
 * size in *st; an earlier mapping is let go first. */
static int map_log(struct store *s, void **map, struct stat *st,
		   char *err, size_t errlen)
{
	if (*map != NULL)
		munmap(*map, (size_t)st->st_size);
	*map = NULL;
	if (fstat(s->log_fd, st) < 0) {
		snprintf(err, errlen, "%s/%s: cannot stat: %s", s->dir,
			 STORE_LOG_NAME, strerror(errno));
		return -1;
	}
	if (st->st_size == 0)
		return 0;
	*map = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE,
		    s->log_fd, 0);
	if (*map == MAP_FAILED) {
		*map = NULL;
		snprintf(err, errlen, "%s/%s: cannot map: %s", s->dir,
			 STORE_LOG_NAME, strerror(errno));
		return -1;
	}
	madvise(*map, (size_t)st->st_size, MADV_SEQUENTIAL);
	return 0;
}

/* Ends the log's last line, which lacked only its newline, and maps the
 * log again to take it in. When it cannot be written (a full disk), the
 * store serves what it read and refuses appends until a restart, as for
 * a torn tail it cannot set aside. */
static int add_newline(struct store *s, struct scan *sc, void **map,
		       struct stat *st, char *err, size_t errlen)
{
	if (fs_write_all(s->log_fd, "\n", 1) < 0) {
		log_error("store: %s/%s: cannot end the last line: %s; "
			  "serving reads, refusing writes until a restart "
			  "can end it", s->dir, STORE_LOG_NAME,
			  strerror(errno));
		s->stale = 1;
		return 0;
	}
	if (map_log(s, map, st, err, errlen) < 0)
		return -1;
	sc->good++;
	log_warn("store: %s/%s: line %lu was a whole event without its "
		 "newline; added the newline and kept it",
		 s->dir, STORE_LOG_NAME, sc->lines);
	return 0;
}

static int open_log(struct store *s, uint64_t *last_id, char *err,
		    size_t errlen)
{
	struct stat st;
	struct scan sc = {0};
	void *map = NULL;
	int rc = -1;

	s->log_fd = openat(s->dir_fd, STORE_LOG_NAME,
			   O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (s->log_fd < 0 || fs_datasync(s->dir_fd) < 0) {
		snprintf(err, errlen, "%s/%s: cannot open: %s", s->dir,
			 STORE_LOG_NAME, strerror(errno));
		return -1;
	}
	if (map_log(s, &map, &st, err, errlen) < 0)
		goto out;
	if (scan_log(s, map, (size_t)st.st_size, &sc, err, errlen) < 0)
		goto out;
	if (sc.good < st.st_size &&
	    set_torn_tail_aside(s, map, (size_t)st.st_size, sc.good, err,
				errlen) < 0) {
		/* Reads need only the whole lines before it; no line may
		 * follow it, so appends are refused until a restart sets it
		 * aside (a full disk, typically). */
		log_error("store: %s; serving reads, refusing writes until a "
			  "restart can set it aside", err);
		s->stale = 1;
	}
	if (sc.unterminated &&
	    add_newline(s, &sc, &map, &st, err, errlen) < 0)
		goto out;

	/* A crashed server's last lines may not be on disk yet. */
	if (fs_datasync(s->log_fd) < 0) {
		snprintf(err, errlen, "%s/%s: cannot sync: %s", s->dir,
			 STORE_LOG_NAME, strerror(errno));
		goto out;
	}
	s->size = sc.good;
	s->lines = sc.lines;
	if (sc.chained && sc.lines > 0)
		memcpy(s->head, sc.head, sizeof s->head);
	else if (chain_start(map ? map : "", (size_t)sc.good, s->head) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	state_share(s->state);
	state_counts(s->state, &(uint64_t){0}, &sc.last_id);
	*last_id = sc.last_id;
	log_info("store: %s/%s holds %lu events, last id %" PRIu64, s->dir,
		 STORE_LOG_NAME, sc.lines, sc.last_id);
	rc = 0;
out:
	if (map != NULL)
		munmap(map, (size_t)st.st_size);
	return rc;
}

/* Sets next_id from the log and the counter, and writes a reservation
 * (or starts with none; see below). */
static int reconcile_counter(struct store *s, uint64_t last_id, char *err,
			     size_t errlen)
{
	uint64_t counter = 0;
	int found = counter_read(s, &counter, err, errlen);

	if (found < 0)
		return -1;
	if (found == 0 && last_id > 0)
		log_warn("store: %s/%s is missing; continuing after the log's "
			 "last id %" PRIu64,
			 s->dir, STORE_COUNTER_NAME, last_id);
	if (found == 1 && counter < last_id)
		log_warn("store: %s/%s (%" PRIu64 ") is behind the log's last "
			 "id %" PRIu64 "; raised it",
			 s->dir, STORE_COUNTER_NAME, counter, last_id);

	s->next_id = (counter > last_id ? counter : last_id) + 1;
	if (counter_write(s, reservation(s->next_id)) < 0) {
		/* A full disk must not stop the start: reads are served,
		 * and no id is handed out until an append gets the counter
		 * written (ceiling_reserve() asks again each time). */
		log_warn("store: no new ids until %s/%s can be written",
			 s->dir, STORE_COUNTER_NAME);
		s->ceiling = s->next_id - 1;
		s->counter_failed = 1;
		return 0;
	}
	s->ceiling = reservation(s->next_id);
	return 0;
}

static void read_fault_hook(struct store *s)
{
	const char *v = getenv("ASSETD_TEST_FAIL_SYNC");

	if (v != NULL && *v != '\0') {
		s->fail_sync_at = strtoul(v, NULL, 10);
		log_warn("store: test hook: log sync %lu will fail with EIO",
			 s->fail_sync_at);
	}
}

static int start_counter_thread(struct store *s, char *err,
				size_t errlen)
{
	int rc = pthread_create(&s->counter_thread, NULL, counter_main, s);

	if (rc != 0) {
		snprintf(err, errlen, "cannot start the counter thread: %s",
			 strerror(rc));
		return -1;
	}
	return 0;
}

static void store_free(struct store *s)
{
	if (s->log_fd >= 0)
		close(s->log_fd);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->synced_cv);
	pthread_mutex_destroy(&s->sync_mu);
	pthread_cond_destroy(&s->ceiling_cv);
	state_free(s->state);
	free(s->dir);
	free(s);
}

struct store *store_open(const char *data_dir, const char *chain_key,
			 char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof *s);
	uint64_t last_id = 0;

	if (s == NULL || (s->dir = strdup(data_dir)) == NULL ||
	    (s->state = state_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		if (s != NULL)
			free(s->dir);
		free(s);
		return NULL;
	}
	s->log_fd = s->lock_fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->synced_cv, NULL);
	pthread_mutex_init(&s->sync_mu, NULL);
	pthread_cond_init(&s->ceiling_cv, NULL);
	read_fault_hook(s);
	chain_init(&s->chain, chain_key);

	s->dir_fd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dir_fd < 0) {
		snprintf(err, errlen, "data directory %s: %s", data_dir,
			 strerror(errno));
		goto fail;
	}
	if (lock_dir(s, err, errlen) < 0 ||
	    open_log(s, &last_id, err, errlen) < 0 ||
	    reconcile_counter(s, last_id, err, errlen) < 0 ||
	    start_counter_thread(s, err, errlen) < 0)
		goto fail;
	return s;
fail:
	store_free(s);
	return NULL;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;

	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	pthread_cond_broadcast(&s->ceiling_cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->counter_thread, NULL);

	s->counter_logged = 0;	/* a failure here is always said */
	if (!s->broken && counter_write(s, s->next_id - 1) == 0)
		log_info("store: closed %s, last id %" PRIu64, s->dir,
			 s->next_id - 1);
	else if (!s->broken)
		log_warn("store: closed %s without recording the last id %"
			 PRIu64 "; the next start goes on past the counter's "
			 "reservation", s->dir, s->next_id - 1);
	store_free(s);
}

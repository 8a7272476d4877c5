/* SPDX-License-Identifier: MIT */
/*
 * state: the in-memory index over the log.
 *
 * Layout, chosen so that a million assets fit in well under 128 MiB:
 * - assets sit in id order in fixed chunks that never move; an id is
 *   found by binary search (ids rise, with gaps after a crash);
 * - events are (offset, length) of their line in the log, linked
 *   backwards per asset; the text of a history is read from the log;
 * - holders (name and email), types and models are interned once each;
 *   comments and all text sit in an arena that only grows;
 * - each holder keeps a doubly linked chain of the assets it holds (and
 *   held last, if returned); holders with the same email, lower-cased,
 *   form a group, which is what an email filter looks up;
 * - Idempotency-Keys map to their first use; keys older than
 *   EVENT_KEY_WINDOW are not loaded at start.
 *
 * Locking: writers are serialised by the store's mutex and take the
 * write side of `lock` only while they change the index. Readers take
 * the read side; a long scan lets go every SCAN_STEP assets so that a
 * search never holds up the writer for long. Text never moves, so the
 * strings handed to readers stay valid without the lock.
 *
 * Case-insensitive means ASCII letters only. Limit: "É" and "é" differ,
 * because Unicode case folding needs tables this service does not carry.
 */
#include "state.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#define NONE UINT32_MAX
#define CHUNK_SHIFT 16
#define CHUNK (1u << CHUNK_SHIFT)	/* assets or events per chunk */
#define ARENA_BLOCK (1u << 20)
#define SCAN_STEP 16384

/* Limit: every asset stays in memory, about 64 bytes each (and 16 per
 * event), because lookups, lists and searches answer without reading
 * the log (docs/PERFORMANCE.md has the figures). */
struct asset {
	uint64_t id;
	const char *comments;
	int64_t issued_at;
	int64_t returned_at;
	uint32_t holder, type, model;
	uint32_t last_event;
	uint32_t prev, next;	/* the holder's chain of asset indices */
	uint32_t returned;
};

struct event_ref {
	uint64_t off;
	uint32_t len;
	uint32_t prev;		/* the asset's event before this one */
};

/* Strings interned by content: items[i] is string i. */
struct intern {
	struct istr {
		const char *s;
		uint32_t len;
		uint32_t hash;
	} *items;
	uint32_t n, cap;
	uint32_t *slots;	/* item + 1, 0 when empty */
	uint32_t mask;
};

struct key_entry {
	struct state_key k;
	int64_t at;
};

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
};

struct state {
	pthread_rwlock_t lock;
	int shared;		/* readers may exist: writers take the lock */

	struct asset **assets;	/* chunks */
	uint32_t n_assets, asset_chunks;
	struct event_ref **events;
	uint32_t n_events, event_chunks;

	struct intern holders;	/* "name\0email" */
	uint32_t *holder_head;	/* first asset of each holder's chain */
	uint32_t *holder_group;
	uint32_t *holder_next;	/* next holder of the same group */
	uint32_t holder_room;	/* entries in the three tables above */
	struct intern groups;	/* lower-cased email */
	uint32_t *group_head;	/* first holder of each group */
	uint32_t group_room;	/* entries in group_head */
	struct intern types, models;
	struct intern keys;
	struct key_entry *key_entries;
	uint32_t key_room;	/* entries in key_entries */

	struct arena_block *arena;
};

/* ---- Memory ---- */

/* Copies s[0..len) and a NUL into the arena. */
static const char *arena_copy(struct state *st, const char *s, size_t len)
{
	struct arena_block *b = st->arena;
	char *p;

	if (b == NULL || b->cap - b->used < len + 1) {
		size_t cap = len + 1 > ARENA_BLOCK ? len + 1 : ARENA_BLOCK;

		b = malloc(sizeof *b + cap);
		if (b == NULL)
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = st->arena;
		st->arena = b;
	}
	p = b->data + b->used;
	memcpy(p, s, len);
	p[len] = '\0';
	b->used += len + 1;
	return p;
}

/* Makes room for n + 1 elements of size each in *arr (capacity *cap). */
static int grow(void *arr, uint32_t n, uint32_t *cap, size_t size)
{
	void **p = arr;
	uint32_t c = *cap ? *cap * 2 : 64;
	void *q;

	if (n < *cap)
		return 0;
	q = realloc(*p, (size_t)c * size);
	if (q == NULL)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* ---- Interned strings ---- */

static uint32_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 32));
}

static int intern_find(const struct intern *t, const char *s, size_t len,
		       uint32_t hash)
{
	if (t->slots == NULL)
		return -1;
	for (uint32_t i = hash & t->mask;; i = (i + 1) & t->mask) {
		uint32_t v = t->slots[i];
		const struct istr *it;

		if (v == 0)
			return -1;
		it = &t->items[v - 1];
		if (it->hash == hash && it->len == len &&
		    memcmp(it->s, s, len) == 0)
			return (int)(v - 1);
	}
}

static int intern_rehash(struct intern *t)
{
	uint32_t size = t->slots ? (t->mask + 1) * 2 : 1024;
	uint32_t *slots = calloc(size, sizeof *slots);

	if (slots == NULL)
		return -1;
	for (uint32_t k = 0; k < t->n; k++) {
		uint32_t i = t->items[k].hash & (size - 1);

		while (slots[i] != 0)
			i = (i + 1) & (size - 1);
		slots[i] = k + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->mask = size - 1;
	return 0;
}

/* Returns the index of s[0..len), adding it if new; -1 out of memory.
 * *added says whether it was new. */
static int64_t intern_put(struct state *st, struct intern *t, const char *s,
			  size_t len, int *added)
{
	uint32_t hash = hash_bytes(s, len);
	int found = intern_find(t, s, len, hash);
	const char *copy;

	*added = 0;
	if (found >= 0)
		return found;
	if ((t->slots == NULL || (t->n + 1) * 4 > (t->mask + 1) * 3) &&
	    intern_rehash(t) < 0)
		return -1;
	if (grow(&t->items, t->n, &t->cap, sizeof *t->items) < 0 ||
	    (copy = arena_copy(st, s, len)) == NULL)
		return -1;

	t->items[t->n] = (struct istr){copy, (uint32_t)len, hash};
	for (uint32_t i = hash & t->mask;; i = (i + 1) & t->mask) {
		if (t->slots[i] == 0) {
			t->slots[i] = t->n + 1;
			break;
		}
	}
	*added = 1;
	return t->n++;
}

static void intern_free(struct intern *t)
{
	free(t->items);
	free(t->slots);
}

/* ---- ASCII case ---- */

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Lower-cases s[0..len) into a buffer the caller frees. */
static char *lower_dup(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		d[i] = lower(s[i]);
	d[len] = '\0';
	return d;
}

/* Whether needle (lower case, nlen > 0) occurs in hay, ignoring the
 * case of ASCII letters. */
static int contains(const char *hay, const char *needle, size_t nlen)
{
	char first = needle[0];

	for (; *hay != '\0'; hay++) {
		size_t i = 0;

		if (lower(*hay) != first)
			continue;
		while (i < nlen && hay[i] != '\0' &&
		       lower(hay[i]) == needle[i])
			i++;
		if (i == nlen)
			return 1;
	}
	return 0;
}

static int same_ci(const char *a, const char *b)
{
	for (; *a != '\0' && lower(*a) == lower(*b); a++, b++)
		;
	return *a == '\0' && *b == '\0';
}

/* ---- Assets and events ---- */

static struct asset *asset_at(const struct state *st, uint32_t i)
{
	return &st->assets[i >> CHUNK_SHIFT][i & (CHUNK - 1)];
}

static struct event_ref *event_at(const struct state *st, uint32_t i)
{
	return &st->events[i >> CHUNK_SHIFT][i & (CHUNK - 1)];
}

/* Index of the asset with this id, or NONE. */
static uint32_t asset_find(const struct state *st, uint64_t id)
{
	uint32_t lo = 0, hi = st->n_assets;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint64_t v = asset_at(st, mid)->id;

		if (v == id)
			return mid;
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NONE;
}

/* Makes room for element n of a chunked array of *count chunks. */
static int chunk_room(void ***chunks, uint32_t *count, uint32_t n,
		      size_t size)
{
	uint32_t c = n >> CHUNK_SHIFT;
	void **p;

	if (c < *count)
		return 0;
	if (n > NONE - CHUNK)
		return -1;
	p = realloc(*chunks, (size_t)(c + 1) * sizeof *p);
	if (p == NULL)
		return -1;
	*chunks = p;
	p[c] = malloc(CHUNK * size);
	if (p[c] == NULL)
		return -1;
	*count = c + 1;
	return 0;
}

/* ---- Holders ---- */

#define GROUP_NO_MEMORY (-2)

/* The group of an email (lower-cased), -1 when it has none, or
 * GROUP_NO_MEMORY: only an email longer than any issuing accepts needs
 * memory to be looked up. */
static int group_of(const struct state *st, const char *email, size_t len)
{
	char buf[1024];	/* any email issuing accepts fits */
	char *l = len < sizeof buf ? buf : malloc(len + 1);
	int g;

	if (l == NULL)
		return GROUP_NO_MEMORY;
	for (size_t i = 0; i < len; i++)
		l[i] = lower(email[i]);
	l[len] = '\0';
	g = intern_find(&st->groups, l, len, hash_bytes(l, len));
	if (l != buf)
		free(l);
	return g;
}

/* Makes *room at least need entries in each table, doubling. A failure
 * leaves every table as big as before or bigger, never smaller. */
static int tables_room(uint32_t **tables[], int count, uint32_t *room,
		       uint32_t need)
{
	uint32_t cap = *room ? *room : 1024;

	while (cap < need)
		cap *= 2;
	if (cap == *room)
		return 0;
	for (int i = 0; i < count; i++) {
		uint32_t *p = realloc(*tables[i], (size_t)cap * sizeof *p);

		if (p == NULL)
			return -1;
		*tables[i] = p;
	}
	*room = cap;
	return 0;
}

/* Interns a holder; a new one joins its email's group. Room is made in
 * every table first, and the holder is interned last, so a failure
 * leaves no holder without its tables (at most an empty group). */
static int64_t holder_put(struct state *st, const struct issue_text *name,
			  const struct issue_text *email)
{
	uint32_t **holder_tables[] = {&st->holder_head, &st->holder_group,
				      &st->holder_next};
	uint32_t **group_tables[] = {&st->group_head};
	size_t len = name->len + 1 + email->len;
	char small[512];
	char *key = len <= sizeof small ? small : malloc(len), *l = NULL;
	int added = 0;
	int64_t h = -1, g = -1;

	if (key == NULL)
		return -1;
	memcpy(key, name->s, name->len);
	key[name->len] = '\0';
	memcpy(key + name->len + 1, email->s, email->len);
	h = intern_find(&st->holders, key, len, hash_bytes(key, len));
	if (h >= 0)
		goto out;

	if (tables_room(holder_tables, 3, &st->holder_room,
			st->holders.n + 1) < 0 ||
	    tables_room(group_tables, 1, &st->group_room,
			st->groups.n + 1) < 0 ||
	    (l = lower_dup(email->s, email->len)) == NULL ||
	    (g = intern_put(st, &st->groups, l, email->len, &added)) < 0)
		goto out;	/* h is -1 */
	if (added)
		st->group_head[g] = NONE;
	h = intern_put(st, &st->holders, key, len, &added);
	if (h < 0)
		goto out;

	st->holder_head[h] = NONE;
	st->holder_group[h] = (uint32_t)g;
	st->holder_next[h] = st->group_head[g];
	st->group_head[g] = (uint32_t)h;
out:
	free(l);
	if (key != small)
		free(key);
	return h;
}

static void chain_unlink(struct state *st, uint32_t i)
{
	struct asset *a = asset_at(st, i);

	if (a->prev != NONE)
		asset_at(st, a->prev)->next = a->next;
	else
		st->holder_head[a->holder] = a->next;
	if (a->next != NONE)
		asset_at(st, a->next)->prev = a->prev;
}

static void chain_link(struct state *st, uint32_t i, uint32_t holder)
{
	struct asset *a = asset_at(st, i);

	a->holder = holder;
	a->prev = NONE;
	a->next = st->holder_head[holder];
	if (a->next != NONE)
		asset_at(st, a->next)->prev = i;
	st->holder_head[holder] = i;
}

/* ---- Writers ---- */

enum state_verdict state_check(const struct state *st,
			       const struct event *ev)
{
	uint32_t i;
	const struct asset *a;

	if (ev->kind == EVENT_ISSUED) {
		uint64_t last = st->n_assets
					? asset_at(st, st->n_assets - 1)->id
					: 0;

		return ev->id > last ? STATE_OK : STATE_ID_ORDER;
	}
	i = asset_find(st, ev->id);
	if (i == NONE)
		return STATE_NOT_FOUND;
	a = asset_at(st, i);
	if (a->returned)
		return STATE_RETURNED;
	if (ev->kind == EVENT_TRANSFERRED &&
	    group_of(st, ev->field[ISSUE_EMAIL].s,
		     ev->field[ISSUE_EMAIL].len) ==
		    (int)st->holder_group[a->holder])
		return STATE_SAME_HOLDER;
	return STATE_OK;
}

const char *state_verdict_text(enum state_verdict v)
{
	switch (v) {
	case STATE_OK:
		return "may follow";
	case STATE_NOT_FOUND:
		return "names an asset that was never issued";
	case STATE_RETURNED:
		return "follows the asset's return";
	case STATE_SAME_HOLDER:
		return "transfers the asset to the holder it has";
	case STATE_ID_ORDER:
		break;
	}
	return "issues an id that is not above the last one issued";
}

/* Interns what an issued event names, before anything changes. */
static int prepare_issue(struct state *st, const struct event *ev,
			 struct asset *a)
{
	const struct issue_text *f = ev->field;
	int added;
	int64_t h = holder_put(st, &f[ISSUE_NAME], &f[ISSUE_EMAIL]);
	int64_t t = h < 0 ? -1 : intern_put(st, &st->types, f[ISSUE_TYPE].s,
					     f[ISSUE_TYPE].len, &added);
	int64_t m = t < 0 ? -1 : intern_put(st, &st->models,
					     f[ISSUE_MODEL].s,
					     f[ISSUE_MODEL].len, &added);
	const char *c = f[ISSUE_COMMENTS].len == 0
				? ""
				: arena_copy(st, f[ISSUE_COMMENTS].s,
					     f[ISSUE_COMMENTS].len);

	if (m < 0 || c == NULL)
		return -1;
	memset(a, 0, sizeof *a);
	a->id = ev->id;
	a->comments = c;
	a->issued_at = ev->at;
	a->holder = (uint32_t)h;
	a->type = (uint32_t)t;
	a->model = (uint32_t)m;
	a->last_event = NONE;
	return 0;
}

/* Records the key of ev (line seq, event_no in the asset's history).
 * Limit: an expired key's entry is reused if the key comes again, but
 * never freed before a restart, because the intern table only grows. */
static int remember_key(struct state *st, const struct event *ev,
			uint32_t event_no, uint64_t seq)
{
	int added;
	int64_t k;
	struct key_entry *e;

	if (ev->key == NULL || ev->at + EVENT_KEY_WINDOW <= (int64_t)time(NULL))
		return 0;
	/* Room for a new key's entry first, so that no key is interned
	 * without one (a retry would read it). */
	if (st->keys.n + 1 > st->key_room) {
		uint32_t cap = st->key_room ? st->key_room * 2 : 1024;

		e = realloc(st->key_entries, (size_t)cap * sizeof *e);
		if (e == NULL)
			return -1;
		st->key_entries = e;
		st->key_room = cap;
	}
	k = intern_put(st, &st->keys, ev->key, strlen(ev->key), &added);
	if (k < 0)
		return -1;
	e = &st->key_entries[k];
	e->at = ev->at;
	e->k.id = ev->id;
	e->k.event_no = event_no;
	e->k.seq = seq;
	e->k.kind = ev->kind;
	event_digest(ev, ev->kind == EVENT_ISSUED ? 0 : ev->id, e->k.digest);
	return 0;
}

static uint32_t count_events(const struct state *st, const struct asset *a)
{
	uint32_t n = 0;

	for (uint32_t e = a->last_event; e != NONE; e = event_at(st, e)->prev)
		n++;
	return n;
}

int state_apply(struct state *st, const struct event *ev, uint64_t off,
		uint32_t len, uint64_t seq)
{
	struct asset fresh, *a;
	uint32_t i;
	int64_t h = -1;

	/* Tables may move while growing, so readers wait for all of it;
	 * everything that can fail comes before the first change. */
	if (st->shared)
		pthread_rwlock_wrlock(&st->lock);
	if (chunk_room((void ***)&st->events, &st->event_chunks,
		       st->n_events, sizeof(struct event_ref)) < 0)
		goto fail;
	if (ev->kind == EVENT_ISSUED &&
	    (chunk_room((void ***)&st->assets, &st->asset_chunks,
			st->n_assets, sizeof(struct asset)) < 0 ||
	     prepare_issue(st, ev, &fresh) < 0))
		goto fail;
	if (ev->kind == EVENT_TRANSFERRED &&
	    (h = holder_put(st, &ev->field[ISSUE_NAME],
			    &ev->field[ISSUE_EMAIL])) < 0)
		goto fail;

	if (ev->kind == EVENT_ISSUED) {
		i = st->n_assets++;
		*asset_at(st, i) = fresh;
		chain_link(st, i, fresh.holder);
	} else {
		i = asset_find(st, ev->id);
	}
	a = asset_at(st, i);
	*event_at(st, st->n_events) = (struct event_ref){off, len,
							 a->last_event};
	a->last_event = st->n_events++;
	if (ev->kind == EVENT_TRANSFERRED && (uint32_t)h != a->holder) {
		chain_unlink(st, i);
		chain_link(st, i, (uint32_t)h);
	} else if (ev->kind == EVENT_RETURNED) {
		a->returned = 1;
		a->returned_at = ev->at;
	}
	if (st->shared)
		pthread_rwlock_unlock(&st->lock);

	/* Limit: a key that cannot be remembered (out of memory) makes a
	 * retry with it a new request. */
	(void)remember_key(st, ev, count_events(st, a), seq);
	return 0;
fail:
	if (st->shared)
		pthread_rwlock_unlock(&st->lock);
	errno = ENOMEM;
	return -1;
}

void state_share(struct state *st)
{
	st->shared = 1;
}

int state_key_find(const struct state *st, const char *key, int64_t now,
		   struct state_key *k)
{
	size_t len = strlen(key);
	int i = intern_find(&st->keys, key, len, hash_bytes(key, len));

	if (i < 0 || st->key_entries[i].at + EVENT_KEY_WINDOW <= now)
		return 0;
	*k = st->key_entries[i].k;
	return 1;
}

/* ---- Readers ---- */

static void fill(const struct state *st, const struct asset *a,
		 struct state_asset *out)
{
	const char *name = st->holders.items[a->holder].s;

	out->id = a->id;
	out->returned = (int)a->returned;
	out->name = name;
	out->email = name + strlen(name) + 1;
	out->type = st->types.items[a->type].s;
	out->model = st->models.items[a->model].s;
	out->comments = a->comments;
	out->issued_at = a->issued_at;
	out->returned_at = a->returned ? a->returned_at : 0;
}

int state_get(struct state *st, uint64_t id, struct state_asset *a)
{
	uint32_t i;

	pthread_rwlock_rdlock(&st->lock);
	i = asset_find(st, id);
	if (i != NONE)
		fill(st, asset_at(st, i), a);
	pthread_rwlock_unlock(&st->lock);
	return i != NONE;
}

size_t state_history(struct state *st, uint64_t id,
		     struct state_line *lines, size_t max)
{
	uint32_t i, n = 0;

	pthread_rwlock_rdlock(&st->lock);
	i = asset_find(st, id);
	if (i != NONE)
		n = count_events(st, asset_at(st, i));
	if (i != NONE) {
		uint32_t k = n, e = asset_at(st, i)->last_event;

		for (; e != NONE; e = event_at(st, e)->prev) {
			k--;
			if (k < max)
				lines[k] = (struct state_line){
					event_at(st, e)->off,
					event_at(st, e)->len};
		}
	}
	pthread_rwlock_unlock(&st->lock);
	return n;
}

/* A list's filter made ready: lower-cased text and per-query caches of
 * which holders and models match q (0 unknown, 1 no, 2 yes). */
struct query {
	const struct state_filter *f;
	char *q;
	size_t qlen;
	uint8_t *type_ok;	/* NULL: any type */
	uint32_t n_types;
	uint8_t *holder_q, *model_q;
	uint32_t n_holders, n_models;
};

static int query_init(struct state *st, const struct state_filter *f,
		      struct query *qy)
{
	memset(qy, 0, sizeof *qy);
	qy->f = f;
	if (f->type != NULL) {
		qy->n_types = st->types.n;
		qy->type_ok = calloc(qy->n_types + 1, 1);
		if (qy->type_ok == NULL)
			return -1;
		for (uint32_t t = 0; t < qy->n_types; t++)
			qy->type_ok[t] = (uint8_t)same_ci(st->types.items[t].s,
							  f->type);
	}
	if (f->q != NULL) {
		qy->qlen = strlen(f->q);
		qy->q = lower_dup(f->q, qy->qlen);
		qy->n_holders = st->holders.n;
		qy->n_models = st->models.n;
		qy->holder_q = calloc(qy->n_holders + 1, 1);
		qy->model_q = calloc(qy->n_models + 1, 1);
		if (qy->q == NULL || qy->holder_q == NULL ||
		    qy->model_q == NULL)
			return -1;
	}
	return 0;
}

static void query_free(struct query *qy)
{
	free(qy->q);
	free(qy->type_ok);
	free(qy->holder_q);
	free(qy->model_q);
}

/* Whether text (or a cached answer for it) holds q. A holder's text is
 * "name\0email" (len past the first NUL): both parts are searched. */
static int cached_q(const struct query *qy, uint8_t *cache, uint32_t n,
		    uint32_t i, const char *text, size_t len)
{
	int yes;

	if (i < n && cache[i] != 0)
		return cache[i] == 2;
	yes = contains(text, qy->q, qy->qlen);
	if (!yes && len > strlen(text)) /* a holder: the email after NUL */
		yes = contains(text + strlen(text) + 1, qy->q, qy->qlen);
	if (i < n)
		cache[i] = (uint8_t)(yes ? 2 : 1);
	return yes;
}

static int matches(const struct state *st, const struct query *qy,
		   const struct asset *a)
{
	const struct state_filter *f = qy->f;

	if (f->status >= 0 && (int)a->returned != f->status)
		return 0;
	if (qy->type_ok != NULL &&
	    (a->type < qy->n_types ? !qy->type_ok[a->type]
				   : !same_ci(st->types.items[a->type].s,
					      f->type)))
		return 0;
	if (qy->q == NULL || qy->qlen == 0)
		return 1;
	return cached_q(qy, qy->holder_q, qy->n_holders, a->holder,
			st->holders.items[a->holder].s,
			st->holders.items[a->holder].len) ||
	       cached_q(qy, qy->model_q, qy->n_models, a->model,
			st->models.items[a->model].s,
			st->models.items[a->model].len) ||
	       contains(a->comments, qy->q, qy->qlen);
}

/* First index whose id is at or above id. */
static uint32_t lower_bound(const struct state *st, uint64_t id)
{
	uint32_t lo = 0, hi = st->n_assets;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (asset_at(st, mid)->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Every asset, newest first, letting go of the lock now and then. */
static size_t scan_all(struct state *st, const struct query *qy,
		       uint64_t *ids, size_t max)
{
	uint32_t i = qy->f->below ? lower_bound(st, qy->f->below)
				  : st->n_assets;
	size_t n = 0, step = 0;

	while (i > 0 && n < max) {
		const struct asset *a = asset_at(st, --i);

		if (matches(st, qy, a))
			ids[n++] = a->id;
		if (++step % SCAN_STEP == 0) {
			pthread_rwlock_unlock(&st->lock);
			pthread_rwlock_rdlock(&st->lock);
		}
	}
	return n;
}

static int by_id_desc(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? 1 : a > b ? -1 : 0;
}

/* Every matching asset of one email's holders, newest first, into a new
 * array *out (NULL when there is none) of *n. Returns 0, or -1 when out
 * of memory. */
static int gather_email(struct state *st, const struct query *qy,
			uint64_t **out, size_t *n)
{
	const char *email = qy->f->email;
	int g = group_of(st, email, strlen(email));
	size_t cap = 0;
	uint64_t *all = NULL;

	*out = NULL;
	*n = 0;
	if (g < 0)
		return g == GROUP_NO_MEMORY ? -1 : 0;
	for (uint32_t h = st->group_head[g]; h != NONE;
	     h = st->holder_next[h]) {
		for (uint32_t i = st->holder_head[h]; i != NONE;
		     i = asset_at(st, i)->next) {
			const struct asset *a = asset_at(st, i);

			if ((qy->f->below && a->id >= qy->f->below) ||
			    !matches(st, qy, a))
				continue;
			if (*n == cap) {
				cap = cap ? cap * 2 : 64;
				uint64_t *p = realloc(all, cap * sizeof *p);
				if (p == NULL) {
					free(all);
					*n = 0;
					return -1;
				}
				all = p;
			}
			all[(*n)++] = a->id;
		}
	}
	if (*n > 0)
		qsort(all, *n, sizeof *all, by_id_desc);
	*out = all;
	return 0;
}

/* The first max of gather_email(); their number, or -1 when out of
 * memory. Limit: the email's whole set is gathered and sorted for each
 * page, which is quick for the assets one person holds; a whole list
 * at once is state_list_all(). */
static ssize_t scan_email(struct state *st, const struct query *qy,
			  uint64_t *ids, size_t max)
{
	uint64_t *all;
	size_t n;

	if (gather_email(st, qy, &all, &n) < 0)
		return -1;
	if (n > max)
		n = max;
	if (n > 0)
		memcpy(ids, all, n * sizeof *ids);
	free(all);
	return (ssize_t)n;
}

int state_list_all(struct state *st, const struct state_filter *f,
		   uint64_t **ids, size_t *n)
{
	struct query qy;
	int rc = -1;

	*ids = NULL;
	*n = 0;
	if (f->email == NULL) {
		errno = EINVAL;
		return -1;
	}
	pthread_rwlock_rdlock(&st->lock);
	if (query_init(st, f, &qy) == 0)
		rc = gather_email(st, &qy, ids, n);
	pthread_rwlock_unlock(&st->lock);
	query_free(&qy);
	if (rc < 0)
		errno = ENOMEM;
	return rc;
}

int state_list(struct state *st, const struct state_filter *f,
	       uint64_t *ids, size_t max, size_t *n)
{
	struct query qy;
	ssize_t got = -1;

	pthread_rwlock_rdlock(&st->lock);
	if (query_init(st, f, &qy) == 0)
		got = f->email ? scan_email(st, &qy, ids, max)
			       : (ssize_t)scan_all(st, &qy, ids, max);
	pthread_rwlock_unlock(&st->lock);
	query_free(&qy);

	*n = got < 0 ? 0 : (size_t)got;
	if (got < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void state_counts(struct state *st, uint64_t *events, uint64_t *last_id)
{
	pthread_rwlock_rdlock(&st->lock);
	*events = st->n_events;
	*last_id = st->n_assets ? asset_at(st, st->n_assets - 1)->id : 0;
	pthread_rwlock_unlock(&st->lock);
}

/* ---- Life ---- */

struct state *state_new(void)
{
	struct state *st = calloc(1, sizeof *st);
	pthread_rwlockattr_t attr;

	if (st == NULL)
		return NULL;
	/* Writers first, so a stream of readers cannot hold off issuing. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
		PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&st->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	return st;
}

static void free_chunks(void **chunks, uint32_t count)
{
	for (uint32_t c = 0; c < count; c++)
		free(chunks[c]);
	free(chunks);
}

void state_free(struct state *st)
{
	if (st == NULL)
		return;
	free_chunks((void **)st->assets, st->asset_chunks);
	free_chunks((void **)st->events, st->event_chunks);
	intern_free(&st->holders);
	intern_free(&st->groups);
	intern_free(&st->types);
	intern_free(&st->models);
	intern_free(&st->keys);
	free(st->holder_head);
	free(st->holder_group);
	free(st->holder_next);
	free(st->group_head);
	free(st->key_entries);
	while (st->arena != NULL) {
		struct arena_block *b = st->arena;

		st->arena = b->next;
		free(b);
	}
	pthread_rwlock_destroy(&st->lock);
	free(st);
}

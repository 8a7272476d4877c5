/* SPDX-License-Identifier: MIT */
/*
 * tokens: bearer tokens and their roles, read from a tokens file:
 *
 *   # name       role   SHA-256 of the token, 64 hex digits
 *   helpdesk-1   issue  9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c...
 *
 * Fields are separated by runs of spaces or tabs; blank lines and lines
 * whose first non-blank character is '#' are skipped; a CR before the
 * newline is allowed. A token is "adt_" and 64 lower-case hex digits
 * (32 random bytes) when `assetd token add` makes it.
 *
 * Invariants:
 * - Only hashes are kept, in the file and in memory. A token exists in
 *   the caller's buffer, and once on stdout when it is made; it is never
 *   logged.
 * - The set in memory always came whole from one good version of the
 *   file, or is empty because the file is missing. A bad version never
 *   replaces a good set, so a lookup sees the old tokens or the new ones,
 *   never a mix. Names are unique; if two lines hold the same hash, the
 *   first wins.
 * - A lookup compares the token's hash with every entry, with
 *   CRYPTO_memcmp, and picks the match without a branch, so its time
 *   depends on the number of entries, not on which one matched or how
 *   many bytes did.
 * - The file is stat()ed at most once a second, at a lookup; a change of
 *   inode, size or mtime (with nanoseconds) reloads it, and a change is
 *   warned about at most once, however often it is looked at.
 * - `add` and `revoke` hold an flock() on the file's directory, so two
 *   edits cannot lose each other's change. `add` appends one whole line
 *   (cut back if the write fails) and fsyncs; `revoke` writes PATH.tmp
 *   (mode 0600), fsyncs it, renames it over the file and fsyncs the
 *   directory. Both refuse to edit a file that does not parse.
 *
 * Limit: a rewrite in place that keeps the size, inode and mtime (within
 * the file system's clock tick) is not noticed until the next change,
 * because only stat() is polled. Editors and `revoke` rename, and `add`
 * changes the size.
 */
#include "tokens.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "fsutil.h"
#include "hex.h"
#include "log.h"

/* Limit: a tokens file is at most 1 MiB, because it is read whole, under
 * the lookup lock, whenever it changes. */
#define TOKENS_FILE_MAX (1024 * 1024)

/* Limit: at most 10,000 tokens, because every lookup compares the
 * token's hash with every entry, one lookup at a time under the set's
 * mutex: about 0.3 ms per lookup at 10,000 tokens, 5 us at 100. */
#define TOKENS_MAX 10000

#define HASH_LEN SHA256_DIGEST_LENGTH	/* 32 bytes, 64 hex digits */
#define HEX_LEN (2 * HASH_LEN)
#define TOKEN_PREFIX "adt_"
#define TOKEN_RANDOM_LEN 32		/* random bytes in a new token */
#define TOKEN_TEXT_SIZE (sizeof TOKEN_PREFIX + 2 * TOKEN_RANDOM_LEN)
#define SHOWN_MAX 64			/* bytes of a field in a message */
#define NAME_TABLE_SIZE 32768		/* a power of two > 2 * TOKENS_MAX */

#define CLI_USAGE "usage: assetd token add NAME ROLE | list | revoke NAME"

struct token_entry {
	char name[TOKEN_NAME_MAX];	/* NUL-padded */
	enum token_role role;
	unsigned char hash[HASH_LEN];
	size_t start, end;		/* the line, newline included */
};

struct token_list {
	struct token_entry *v;
	size_t count, cap;
};

/* One version of the file, as stat() sees it; err is stat()'s errno. */
struct file_id {
	int err;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* One read of the file: its bytes, what they say, and where from. */
struct tokens_file {
	char *text;			/* not NUL-terminated */
	size_t len;
	struct token_list tokens;
	struct file_id id;
};

struct token_set {
	char *path;
	pthread_mutex_t mu;		/* everything below */
	struct token_list tokens;
	struct file_id seen;		/* the version last looked at */
	struct timespec next_check;	/* CLOCK_MONOTONIC */
};

/* ---- Random bytes (file calls are in fsutil.c) ---- */

/* Fills buf from the kernel's random source, or fails with errno. */
static int random_fill(unsigned char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = getrandom(buf, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- Names, roles, hashes ---- */

static const char *const role_names[] = {
	[TOKEN_READ] = "read",
	[TOKEN_ISSUE] = "issue",
	[TOKEN_ADMIN] = "admin",
};

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static int is_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
}

/* 1 to 63 of [A-Za-z0-9._-]. */
static int name_valid(const char *s, size_t n)
{
	if (n == 0 || n >= TOKEN_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_name_char(s[i]))
			return 0;
	}
	return 1;
}

static int role_from(const char *s, size_t n, enum token_role *role)
{
	for (int r = TOKEN_READ; r <= TOKEN_ADMIN; r++) {
		if (strlen(role_names[r]) == n &&
		    memcmp(role_names[r], s, n) == 0) {
			*role = (enum token_role)r;
			return 0;
		}
	}
	return -1;
}

int tokens_role_parse(const char *text, enum token_role *role)
{
	return role_from(text, strlen(text), role);
}

const char *tokens_role_name(enum token_role role)
{
	if (role < TOKEN_READ || role > TOKEN_ADMIN)
		return "unknown";
	return role_names[role];
}

/* 64 hex digits, either case, to 32 bytes. */
static int hash_from_hex(const char *s, size_t n, unsigned char *hash)
{
	if (n != HEX_LEN)
		return -1;
	for (size_t i = 0; i < HASH_LEN; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		hash[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}


static int sha256(const char *data, size_t len, unsigned char *hash)
{
	return SHA256((const unsigned char *)data, len, hash) ? 0 : -1;
}

/* A field as a message shows it: at most SHOWN_MAX bytes, then "...";
 * anything but printable ASCII as '?', so a message stays one line. A
 * field that looks like a token pasted into the wrong column shows only
 * "adt_", so that a message never gives a token away. */
static const char *shown(const char *s, size_t n, char out[SHOWN_MAX + 4])
{
	size_t k = n < SHOWN_MAX ? n : SHOWN_MAX;

	if (n >= 4 && memcmp(s, "adt_", 4) == 0)
		k = 4;

	for (size_t i = 0; i < k; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	strcpy(out + k, n > k ? "..." : "");
	return out;
}

/* ---- Parsing a file ---- */

/* The names of one parse, to find a name given twice. A slot holds an
 * entry's index + 1, or 0 when free; it never fills, as TOKENS_MAX is
 * under half its size. */
struct name_table {
	uint32_t slot[NAME_TABLE_SIZE];
};

static uint32_t name_hash(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *name; name++) {
		h ^= (unsigned char)*name;
		h *= 16777619u;
	}
	return h;
}

/* Returns 1 when list->v[i]'s name came before; else remembers it. */
static int name_seen(struct name_table *t, const struct token_list *list,
		     size_t i)
{
	const char *name = list->v[i].name;
	uint32_t at = name_hash(name) & (NAME_TABLE_SIZE - 1);

	while (t->slot[at] != 0) {
		if (strcmp(list->v[t->slot[at] - 1].name, name) == 0)
			return 1;
		at = (at + 1) & (NAME_TABLE_SIZE - 1);
	}
	t->slot[at] = (uint32_t)i + 1;
	return 0;
}

struct field {
	const char *s;
	size_t n;
};

/* Splits line[0..len) at runs of blanks. Returns the number of fields,
 * counting no further than 4. */
static size_t split_fields(const char *line, size_t len, struct field *f)
{
	size_t count = 0, i = 0;

	while (count < 4) {
		while (i < len && is_blank(line[i]))
			i++;
		if (i == len)
			break;
		f[count].s = line + i;
		while (i < len && !is_blank(line[i]))
			i++;
		f[count].n = (size_t)(line + i - f[count].s);
		count++;
	}
	return count;
}

/* Reads one line (without its newline) into e. Returns 1 for a token,
 * 0 for a blank or comment line, -1 with why set. */
static int parse_line(const char *line, size_t len, struct token_entry *e,
		      char *why, size_t whylen)
{
	struct field f[4];
	char buf[SHOWN_MAX + 4];
	size_t count = split_fields(line, len, f);

	if (count == 0 || f[0].s[0] == '#')
		return 0;
	if (count != 3) {
		snprintf(why, whylen, "expected NAME ROLE SHA256");
		return -1;
	}
	if (!name_valid(f[0].s, f[0].n)) {
		snprintf(why, whylen, "bad name '%s'",
			 shown(f[0].s, f[0].n, buf));
		return -1;
	}
	if (role_from(f[1].s, f[1].n, &e->role) < 0) {
		snprintf(why, whylen, "unknown role '%s'",
			 shown(f[1].s, f[1].n, buf));
		return -1;
	}
	if (hash_from_hex(f[2].s, f[2].n, e->hash) < 0) {
		snprintf(why, whylen, "the hash must be 64 hex digits");
		return -1;
	}

	memset(e->name, 0, sizeof e->name);
	memcpy(e->name, f[0].s, f[0].n);
	return 1;
}

static int list_push(struct token_list *list, const struct token_entry *e)
{
	if (list->count == list->cap) {
		size_t cap = list->cap ? 2 * list->cap : 16;
		struct token_entry *v;

		if (cap > TOKENS_MAX)
			cap = TOKENS_MAX;
		v = realloc(list->v, cap * sizeof *v);
		if (v == NULL)
			return -1;
		list->v = v;
		list->cap = cap;
	}
	list->v[list->count++] = *e;
	return 0;
}

/* Adds the line text[start..end) to list, if it holds a token. */
static int take_line(struct token_list *list, struct name_table *names,
		     const char *text, size_t start, size_t end, char *why,
		     size_t whylen)
{
	struct token_entry e = {.start = start, .end = end};
	size_t len = end - start;
	int kind;

	if (len > 0 && text[end - 1] == '\n')
		len--;
	if (len > 0 && text[start + len - 1] == '\r')
		len--;
	kind = parse_line(text + start, len, &e, why, whylen);
	if (kind <= 0)
		return kind;

	if (list->count == TOKENS_MAX) {
		snprintf(why, whylen, "more than %d tokens", TOKENS_MAX);
		return -1;
	}
	if (list_push(list, &e) < 0) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (name_seen(names, list, list->count - 1)) {
		snprintf(why, whylen, "name '%s' is given twice", e.name);
		return -1;
	}
	return 0;
}

/* Parses text[0..len) into out; the caller frees out->v. Returns 0, or
 * -1 with err "path:line: reason" and out empty. */
static int parse_text(const char *path, const char *text, size_t len,
		      struct token_list *out, char *err, size_t errlen)
{
	struct name_table *names = calloc(1, sizeof *names);
	char why[160];
	size_t pos = 0;
	unsigned line = 0;

	memset(out, 0, sizeof *out);
	if (names == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;

		line++;
		if (take_line(out, names, text, pos, end, why, sizeof why) < 0)
			goto fail;
		pos = end;
	}
	free(names);
	return 0;
fail:
	snprintf(err, errlen, "%s:%u: %s", path, line, why);
	free(names);
	free(out->v);
	memset(out, 0, sizeof *out);
	return -1;
}

/* ---- Reading the file ---- */

static void file_id_of(struct file_id *id, const struct stat *st)
{
	memset(id, 0, sizeof *id);
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime = st->st_mtim;
}

static void file_id_stat(const char *path, struct file_id *id)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		memset(id, 0, sizeof *id);
		id->err = errno;
		return;
	}
	file_id_of(id, &st);
}

static int file_id_equal(const struct file_id *a, const struct file_id *b)
{
	return a->err == b->err && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static void file_free(struct tokens_file *f)
{
	free(f->text);
	free(f->tokens.v);
	memset(f, 0, sizeof *f);
}

/* Reads fd (open on path) whole into f and parses it. */
static int file_read(const char *path, int fd, struct tokens_file *f,
		     char *err, size_t errlen)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	file_id_of(&f->id, &st);

	f->text = malloc(TOKENS_FILE_MAX + 1);
	if (f->text == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	n = fs_read_full(fd, f->text, TOKENS_FILE_MAX + 1);
	if (n < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 strerror(errno));
		return -1;
	}
	if (n > TOKENS_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
			 TOKENS_FILE_MAX);
		return -1;
	}
	f->len = (size_t)n;
	return parse_text(path, f->text, f->len, &f->tokens, err, errlen);
}

/* Reads and parses the tokens file into f; the caller frees it with
 * file_free(). Returns 1, 0 when the file does not exist (f is empty),
 * or -1 with err set (f is empty). */
static int file_load(const char *path, struct tokens_file *f, char *err,
		     size_t errlen)
{
	int fd, rc;

	memset(f, 0, sizeof *f);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		f->id.err = ENOENT;
		return 0;
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return -1;
	}
	rc = file_read(path, fd, f, err, errlen) < 0 ? -1 : 1;
	close(fd);
	if (rc < 0)
		file_free(f);
	return rc;
}

/* ---- The server's set ---- */

/* The next stat() of the file is due one second from now. */
static void schedule_check(struct token_set *ts)
{
	clock_gettime(CLOCK_MONOTONIC, &ts->next_check);
	ts->next_check.tv_sec += 1;
}

static int check_due(const struct token_set *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec != ts->next_check.tv_sec)
		return now.tv_sec > ts->next_check.tv_sec;
	return now.tv_nsec >= ts->next_check.tv_nsec;
}

struct token_set *tokens_open(const char *path, char *err, size_t errlen)
{
	struct token_set *ts = calloc(1, sizeof *ts);
	struct tokens_file f;
	int found;

	if (ts == NULL || (ts->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(ts);
		return NULL;
	}
	found = file_load(path, &f, err, errlen);
	if (found < 0) {
		free(ts->path);
		free(ts);
		return NULL;
	}
	if (found == 0)
		log_warn("tokens: %s does not exist; every token is refused "
			 "until it does",
			 path);

	ts->tokens = f.tokens;
	ts->seen = f.id;
	free(f.text);
	pthread_mutex_init(&ts->mu, NULL);
	schedule_check(ts);
	return ts;
}

void tokens_close(struct token_set *ts)
{
	if (ts == NULL)
		return;
	pthread_mutex_destroy(&ts->mu);
	free(ts->tokens.v);
	free(ts->path);
	free(ts);
}

/* Takes in the file's tokens if it changed since it was last looked at
 * and a second has passed since then. Called with ts->mu held. */
static void refresh(struct token_set *ts)
{
	struct file_id now;
	struct tokens_file f;
	char err[512];
	int found;

	if (!check_due(ts))
		return;
	schedule_check(ts);
	file_id_stat(ts->path, &now);
	if (file_id_equal(&now, &ts->seen))
		return;

	ts->seen = now; /* one warning per change, however it goes */
	found = file_load(ts->path, &f, err, sizeof err);
	if (found < 0) {
		log_warn("tokens: %s; still using the tokens read before",
			 err);
		return;
	}
	if (found == 0)
		log_warn("tokens: %s is gone; every token is refused until it "
			 "is back",
			 ts->path);
	else
		log_info("tokens: reloaded %s; tokens now: %zu", ts->path,
			 f.tokens.count);

	free(ts->tokens.v);
	ts->tokens = f.tokens;
	ts->seen = f.id; /* the version actually read */
	free(f.text);
}

/* Compares hash with every entry; sets *at to the first that matches.
 * No branch depends on a comparison. */
static int match(const struct token_list *list, const unsigned char *hash,
		 size_t *at)
{
	size_t found = 0, index = 0;

	for (size_t i = 0; i < list->count; i++) {
		size_t same =
			(size_t)(CRYPTO_memcmp(list->v[i].hash, hash,
					       HASH_LEN) == 0);
		size_t take = 0 - (same & (found ^ 1));

		index = (index & ~take) | (i & take);
		found |= same;
	}
	*at = index;
	return (int)found;
}

int tokens_lookup(struct token_set *ts, const char *token, size_t len,
		  char name[TOKEN_NAME_MAX], enum token_role *role)
{
	unsigned char hash[HASH_LEN];
	size_t at;
	int found;

	name[0] = '\0';
	if (len == 0)
		return 0;
	if (sha256(token, len, hash) < 0) {
		log_error("tokens: cannot compute SHA-256");
		return 0;
	}

	pthread_mutex_lock(&ts->mu);
	refresh(ts);
	found = match(&ts->tokens, hash, &at);
	if (found) {
		assert(at < ts->tokens.count);
		memcpy(name, ts->tokens.v[at].name, TOKEN_NAME_MAX);
		*role = ts->tokens.v[at].role;
	}
	pthread_mutex_unlock(&ts->mu);
	return found;
}

/* ---- assetd token ... ---- */

static int usage(void)
{
	fprintf(stderr, "%s\n", CLI_USAGE);
	return 2;
}

static int cli_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Prints "assetd token: ..." on stderr; returns exit code 1. */
static int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("assetd token: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* Checks NAME, and ROLE when role_text is not NULL; says why not. */
static int args_valid(const char *name, const char *role_text,
		      enum token_role *role)
{
	char buf[SHOWN_MAX + 4];

	if (!name_valid(name, strlen(name))) {
		cli_fail("bad name '%s' (1 to 63 of A-Z a-z 0-9 . _ -)",
			 shown(name, strlen(name), buf));
		return 0;
	}
	if (role_text != NULL && tokens_role_parse(role_text, role) < 0) {
		cli_fail("unknown role '%s' (read, issue or admin)",
			 shown(role_text, strlen(role_text), buf));
		return 0;
	}
	return 1;
}

static const struct token_entry *find_name(const struct token_list *list,
					   const char *name)
{
	for (size_t i = 0; i < list->count; i++) {
		if (strcmp(list->v[i].name, name) == 0)
			return &list->v[i];
	}
	return NULL;
}

/* Opens the directory that holds path and takes the edit lock on it.
 * Returns its fd, or -1 with a message printed. */
static int lock_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (slash == NULL)
		dir = strdup(".");
	else
		dir = strndup(path,
			      slash == path ? 1 : (size_t)(slash - path));
	if (dir == NULL) {
		cli_fail("out of memory");
		return -1;
	}

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		cli_fail("%s: cannot open: %s", dir, strerror(errno));
	} else if (fs_lock(fd, LOCK_EX) < 0) {
		cli_fail("%s: cannot lock: %s", dir, strerror(errno));
		close(fd);
		fd = -1;
	}
	free(dir);
	return fd;
}

/* Makes a token, "adt_" and 64 hex digits from 32 random bytes, and the
 * hex of its SHA-256. */
static int make_token(char *token, char *hash_hex)
{
	unsigned char raw[TOKEN_RANDOM_LEN], hash[HASH_LEN];
	size_t prefix = strlen(TOKEN_PREFIX);

	if (random_fill(raw, sizeof raw) < 0) {
		cli_fail("cannot get random bytes: %s", strerror(errno));
		return -1;
	}
	memcpy(token, TOKEN_PREFIX, prefix);
	hex_encode(raw, sizeof raw, token + prefix);
	OPENSSL_cleanse(raw, sizeof raw);

	if (sha256(token, strlen(token), hash) < 0) {
		cli_fail("cannot compute SHA-256");
		return -1;
	}
	hex_encode(hash, HASH_LEN, hash_hex);
	return 0;
}

/* Appends line to path, creating the file with mode 0600 (and syncing
 * dir_fd) if it is missing. A failed write is cut back; the file is
 * synced. */
static int append_line(const char *path, int dir_fd, const char *line,
		       size_t len)
{
	struct stat st;
	int created = 1, rc = -1;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC,
		      0600);

	if (fd < 0 && errno == EEXIST) {
		created = 0;
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		cli_fail("%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	if (fs_write_all(fd, line, len) < 0 || fs_sync(fd) < 0) {
		cli_fail("%s: cannot write: %s", path, strerror(errno));
		if (fs_truncate(fd, st.st_size) < 0 || fs_sync(fd) < 0)
			cli_fail("%s: cannot cut back to %lld bytes: %s", path,
				 (long long)st.st_size, strerror(errno));
		goto out;
	}
	if (created && fs_sync(dir_fd) < 0) {
		cli_fail("%s: cannot sync its directory: %s", path,
			 strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The line for a new token; a newline first if the file lacks one. */
static size_t format_line(char *line, size_t cap,
			  const struct tokens_file *f, const char *name,
			  enum token_role role, const char *hash_hex)
{
	int torn = f->len > 0 && f->text[f->len - 1] != '\n';
	int n = snprintf(line, cap, "%s%s %s %s\n", torn ? "\n" : "", name,
			 tokens_role_name(role), hash_hex);

	return (size_t)n;
}

/* add NAME ROLE: with the directory locked and the file read into f. */
static int add_locked(const char *path, int dir_fd,
		      const struct tokens_file *f, const char *name,
		      enum token_role role)
{
	char token[TOKEN_TEXT_SIZE], hash_hex[HEX_LEN + 1];
	char line[TOKEN_NAME_MAX + HEX_LEN + 16];
	int rc = 1;

	if (find_name(&f->tokens, name) != NULL)
		return cli_fail("%s already exists", name);
	if (make_token(token, hash_hex) < 0)
		goto out;
	if (append_line(path, dir_fd, line,
			format_line(line, sizeof line, f, name, role,
				    hash_hex)) < 0)
		goto out;

	if (printf("%s\n", token) < 0 || fflush(stdout) != 0) {
		cli_fail("cannot print the token: %s; revoke %s and add it "
			 "again",
			 strerror(errno), name);
		goto out;
	}
	fprintf(stderr, "assetd token: added %s (%s); the token is shown "
			"only this once\n",
		name, tokens_role_name(role));
	rc = 0;
out:
	OPENSSL_cleanse(token, sizeof token);
	return rc;
}

static int cli_add(const char *path, const char *name,
		   const char *role_text)
{
	struct tokens_file f;
	enum token_role role = TOKEN_READ;
	char err[512];
	int dir_fd, rc = 1;

	if (!args_valid(name, role_text, &role))
		return usage();
	dir_fd = lock_dir_of(path);
	if (dir_fd < 0)
		return 1;

	if (file_load(path, &f, err, sizeof err) < 0)
		cli_fail("%s", err);
	else
		rc = add_locked(path, dir_fd, &f, name, role);
	file_free(&f);
	close(dir_fd);
	return rc;
}

/* list: takes no lock, as it only reads; revoke replaces the file by
 * rename, and add writes its line with one write(). */
static int cli_list(const char *path)
{
	struct tokens_file f;
	char err[512];

	if (file_load(path, &f, err, sizeof err) < 0)
		return cli_fail("%s", err);
	if (f.id.err == ENOENT) /* a typo in the path should not look empty */
		fprintf(stderr, "assetd token: %s does not exist: no tokens "
				"yet\n", path);
	for (size_t i = 0; i < f.tokens.count; i++)
		printf("%s %s\n", f.tokens.v[i].name,
		       tokens_role_name(f.tokens.v[i].role));
	file_free(&f);

	if (fflush(stdout) != 0 || ferror(stdout))
		return cli_fail("cannot print the list: %s", strerror(errno));
	return 0;
}

/* Writes text[0..len) less [cut, cut_end) to tmp, mode 0600, synced. */
static int write_without(const char *tmp, const char *text, size_t len,
			 size_t cut, size_t cut_end)
{
	int fd = open(tmp,
		      O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		      0600);
	int rc = -1;

	if (fd < 0) {
		cli_fail("%s: cannot create: %s", tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600) < 0 || fs_write_all(fd, text, cut) < 0 ||
	    fs_write_all(fd, text + cut_end, len - cut_end) < 0 ||
	    fs_sync(fd) < 0) {
		cli_fail("%s: cannot write: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Replaces path with text[0..len) less [cut, cut_end): PATH.tmp is
 * written and synced, renamed over path, and the directory synced. */
static int replace_without(const char *path, int dir_fd, const char *text,
			   size_t len, size_t cut, size_t cut_end)
{
	size_t size = strlen(path) + sizeof ".tmp";
	char *tmp = malloc(size);
	int rc = -1;

	if (tmp == NULL) {
		cli_fail("out of memory");
		return -1;
	}
	snprintf(tmp, size, "%s.tmp", path);

	if (write_without(tmp, text, len, cut, cut_end) < 0)
		goto out;
	if (rename(tmp, path) < 0) {
		cli_fail("%s: cannot replace it: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (fs_sync(dir_fd) < 0) {
		cli_fail("%s: cannot sync its directory: %s", path,
			 strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}

static int cli_revoke(const char *path, const char *name)
{
	const struct token_entry *e;
	struct tokens_file f;
	char err[512];
	int dir_fd, rc = 1;

	if (!args_valid(name, NULL, NULL))
		return usage();
	dir_fd = lock_dir_of(path);
	if (dir_fd < 0)
		return 1;

	if (file_load(path, &f, err, sizeof err) < 0) {
		cli_fail("%s", err);
		goto out;
	}
	e = find_name(&f.tokens, name);
	if (e == NULL) {
		cli_fail("no token named %s", name);
		goto out;
	}
	if (replace_without(path, dir_fd, f.text, f.len, e->start, e->end) <
	    0)
		goto out;
	fprintf(stderr, "assetd token: revoked %s\n", name);
	rc = 0;
out:
	file_free(&f);
	close(dir_fd);
	return rc;
}

int tokens_cli(const char *path, int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[0], "add") == 0)
		return cli_add(path, argv[1], argv[2]);
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return cli_list(path);
	if (argc == 2 && strcmp(argv[0], "revoke") == 0)
		return cli_revoke(path, argv[1]);
	return usage();
}

/* SPDX-License-Identifier: MIT */
/*
 * chain: the hash chain that makes edits to the log evident. Each line
 * ends with its number in the file and a chain value:
 *
 *   {...,"seq":N,"chain":"<64 hex digits>"}
 *
 * See src/chain.c for what the value covers.
 */
#ifndef ASSETD_CHAIN_H
#define ASSETD_CHAIN_H

#include <stddef.h>

/* Hex digits of a chain value. */
#define CHAIN_HEX 64

/* The fixed tail of a chained line: ,"chain":"HEX"} */
#define CHAIN_TAIL_LEN (10 + CHAIN_HEX + 2)

/* Shortest chain_key accepted, in bytes. */
#define CHAIN_KEY_MIN 16
#define CHAIN_KEY_MAX 256

struct chain {
	unsigned char key[CHAIN_KEY_MAX];
	size_t key_len;		/* 0: plain SHA-256, else HMAC-SHA-256 */
};

/* key may be NULL or "" for an unkeyed chain. */
void chain_init(struct chain *c, const char *key);

/* out = hex(H(prev ‖ body[0..len))), H keyed when c has a key. prev and
 * out are CHAIN_HEX digits and a NUL. Returns 0, or -1 when the hash
 * failed (out of memory). */
int chain_next(const struct chain *c, const char *prev, const char *body,
	       size_t len, char *out);

/* The value a chain starts from after text[0..len) (the unchained lines
 * before it, newlines included): hex SHA-256 of those bytes. */
int chain_start(const char *text, size_t len, char *out);

/* 1 when s[0..CHAIN_HEX) is lower-case hex. */
int chain_hex_ok(const char *s);

#endif

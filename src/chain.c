/* SPDX-License-Identifier: MIT */
/*
 * chain: hash chain over the log's lines.
 *
 * A chained line's value is
 *
 *   chain[k] = hex( H( chain[k-1] ‖ body[k] ) )
 *
 * where body[k] is the line's bytes up to, not including, the comma
 * before "chain" (so it covers the event and its "seq"), chain[k-1] is
 * the previous line's value as 64 ASCII hex digits, and H is SHA-256,
 * or HMAC-SHA-256 with chain_key when one is configured. The first
 * chained line's chain[k-1] is the SHA-256 of every byte before it: the
 * lines written before chaining existed are covered from then on too
 * (and an empty prefix gives the SHA-256 of nothing).
 *
 * Limit: without a key anyone who can edit the file can also recompute
 * the chain; the chain then catches careless edits and anything done
 * after a head was written down (docs/AUDIT.md). With a key kept from the
 * file's editors, a consistent forgery needs the key.
 *
 * Limit: the key cannot be changed, because nothing in the log records
 * which lines a key covers; lines written under an old key fail
 * verification with a new one.
 */
#include "chain.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"

void chain_init(struct chain *c, const char *key)
{
	size_t n = key ? strlen(key) : 0;

	if (n > CHAIN_KEY_MAX)
		n = CHAIN_KEY_MAX; /* config refuses longer keys */
	memcpy(c->key, key ? key : "", n);
	c->key_len = n;
}

/* Hashes prev ‖ body in one buffer (HMAC() takes one). */
static int keyed(const struct chain *c, const char *prev, const char *body,
		 size_t len, unsigned char *d, unsigned int *dlen)
{
	char small[4096];
	char *buf = CHAIN_HEX + len <= sizeof small
			    ? small
			    : malloc(CHAIN_HEX + len);
	int ok;

	if (buf == NULL)
		return 0;
	memcpy(buf, prev, CHAIN_HEX);
	memcpy(buf + CHAIN_HEX, body, len);
	ok = HMAC(EVP_sha256(), c->key, (int)c->key_len,
		  (const unsigned char *)buf, CHAIN_HEX + len, d,
		  dlen) != NULL;
	if (buf != small)
		free(buf);
	return ok;
}

int chain_next(const struct chain *c, const char *prev, const char *body,
	       size_t len, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	int ok;

	if (c->key_len > 0) {
		ok = keyed(c, prev, body, len, d, &dlen);
	} else {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();

		ok = ctx != NULL &&
		     EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
		     EVP_DigestUpdate(ctx, prev, CHAIN_HEX) &&
		     EVP_DigestUpdate(ctx, body, len) &&
		     EVP_DigestFinal_ex(ctx, d, &dlen);
		EVP_MD_CTX_free(ctx);
	}
	if (!ok || dlen != CHAIN_HEX / 2)
		return -1;
	hex_encode(d, dlen, out);
	return 0;
}

int chain_start(const char *text, size_t len, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;

	if (!EVP_Digest(text, len, d, &dlen, EVP_sha256(), NULL))
		return -1;
	hex_encode(d, dlen, out);
	return 0;
}

int chain_hex_ok(const char *s)
{
	return strspn(s, "0123456789abcdef") >= CHAIN_HEX;
}

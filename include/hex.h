/* SPDX-License-Identifier: MIT */
/*
 * hex: hexadecimal digits, both ways. Chain values and token hashes are
 * written in lower case; digits are read in either case (JSON's \uXXXX,
 * a URL's %XX, a tokens file edited by hand).
 */
#ifndef ASSETD_HEX_H
#define ASSETD_HEX_H

#include <stddef.h>

/* The value 0..15 of one hex digit, or -1 when c is not one. */
int hex_value(int c);

/* Writes 2 * len lower-case hex digits of in[0..len) and a NUL to out. */
void hex_encode(const unsigned char *in, size_t len, char *out);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * check: the harnesses' invariant check. CHECK(cond) aborts with the
 * file, line and condition when cond is false; libFuzzer then saves the
 * input that broke it.
 */
#ifndef ASSETD_FUZZ_CHECK_H
#define ASSETD_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                      \
	do {                                                             \
		if (!(cond))                                             \
			check_failed(__FILE__, __LINE__, #cond);         \
	} while (0)

static inline _Noreturn void check_failed(const char *file, int line,
					  const char *what)
{
	fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, what);
	abort();
}

#endif

/* SPDX-License-Identifier: MIT */
/*
 * verify: `assetd verify`, the auditor's check of a log file (a copy, or
 * the live one: it only reads). See src/verify.c for what it checks and
 * how it names a fault.
 */
#ifndef ASSETD_VERIFY_H
#define ASSETD_VERIFY_H

#include <stdint.h>

#include "chain.h"

struct verify_result {
	uint64_t lines;		/* whole lines read */
	uint64_t last_id;	/* highest id issued */
	char head[CHAIN_HEX + 1];
	uint64_t bad_line;	/* the first wrong line, 0 when none */
	char why[320];		/* what is wrong with it, and how it came */
};

/*
 * Checks every line of the log at path. chain_key is the server's (NULL
 * or "" when none). expect is "LINES:HEAD" as GET /api/audit/head gave
 * it earlier, or NULL. Returns 0 when the log is sound, 1 with bad_line
 * and why set at the first fault, -1 with why set when the file cannot
 * be read.
 */
int verify_file(const char *path, const char *chain_key, const char *expect,
		struct verify_result *r);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * fsutil: the file system calls assetd makes to keep files whole and
 * durable, each retried on EINTR here and nowhere else. Every function
 * returns 0 (the reads: a count), or -1 with errno set.
 */
#ifndef ASSETD_FSUTIL_H
#define ASSETD_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Writes all len bytes, continuing after short writes. On failure some
 * bytes may have been written: the caller cuts the file back. */
int fs_write_all(int fd, const void *buf, size_t len);

/* Reads until len bytes or the end of the file. Returns the count, or
 * -1 with errno set. */
ssize_t fs_read_full(int fd, void *buf, size_t len);

/* The same from offset off, without moving the file position. */
ssize_t fs_pread_full(int fd, void *buf, size_t len, off_t off);

/* fdatasync(2): the data and the size, enough for an appended file. */
int fs_datasync(int fd);

/* fsync(2): data and every attribute, for a file replaced by rename. */
int fs_sync(int fd);

int fs_truncate(int fd, off_t size);

/* flock(2) with op (LOCK_EX, LOCK_EX | LOCK_NB, ...). */
int fs_lock(int fd, int op);

#endif

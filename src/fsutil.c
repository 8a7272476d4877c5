/* SPDX-License-Identifier: MIT */
/*
 * fsutil: EINTR retries for the calls that read, write, sync, cut and
 * lock.
 * A signal arriving during one of these calls restarts it; any other
 * failure is returned with errno as the call left it.
 */
#include "fsutil.h"

#include <errno.h>
#include <sys/file.h>
#include <unistd.h>

int fs_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads until len bytes or the end of the file: from the file position,
 * or from off when at is set (pread, the position unmoved). */
static ssize_t read_until(int fd, void *buf, size_t len, off_t off, int at)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = at ? pread(fd, p + got, len - got, off + (off_t)got)
			       : read(fd, p + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

ssize_t fs_read_full(int fd, void *buf, size_t len)
{
	return read_until(fd, buf, len, 0, 0);
}

ssize_t fs_pread_full(int fd, void *buf, size_t len, off_t off)
{
	return read_until(fd, buf, len, off, 1);
}

int fs_datasync(int fd)
{
	int rc;

	do
		rc = fdatasync(fd);
	while (rc < 0 && errno == EINTR);
	return rc;
}

int fs_sync(int fd)
{
	int rc;

	do
		rc = fsync(fd);
	while (rc < 0 && errno == EINTR);
	return rc;
}

int fs_truncate(int fd, off_t size)
{
	int rc;

	do
		rc = ftruncate(fd, size);
	while (rc < 0 && errno == EINTR);
	return rc;
}

int fs_lock(int fd, int op)
{
	int rc;

	do
		rc = flock(fd, op);
	while (rc < 0 && errno == EINTR);
	return rc;
}

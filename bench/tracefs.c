// SPDX-License-Identifier: GPL-2.0
/*
 * What memtrace.c and stages.c both do with tracefs: mount it where
 * nobody has, make a fresh instance of their own, write a line to one of
 * its files.  An instance has its own buffer, events and filters, so the
 * bench neither sees nor disturbs anyone else's tracing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

int tracefs_write(const char *path, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int fd, len, ret = 0;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* tracefs_write() to the file @name of the instance @dir. */
int tracefs_write_in(const char *dir, const char *name, const char *fmt, ...)
{
	char path[256], buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return tracefs_write(path, "%s", buf);
}

/*
 * tracefs_instance() - a new, empty instance at @dir, tracing off.
 *
 * One left by an interrupted run is removed first (the caller has
 * turned its events off).  Return: 0, or -errno with a message on
 * stderr (not root, no tracefs).
 */
int tracefs_instance(const char *dir)
{
	if (access(TRACEFS "/README", F_OK))
		mount("nodev", TRACEFS, "tracefs", 0, NULL);
	rmdir(dir);
	if (mkdir(dir, 0700)) {
		int ret = -errno;

		fprintf(stderr, "minivm-bench: %s: %s\n", dir, strerror(errno));
		return ret;
	}
	return tracefs_write_in(dir, "tracing_on", "0");	/* on from mkdir */
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ktrace.c - the kernel's half of --trace.
 *
 * The launcher prints each exit that MINIVM_RUN returns to it, and each
 * vector it hands to the kernel.  With the local APIC in the kernel
 * (--lapic) that is not every interrupt: an APIC timer tick, or an MSI
 * the IOAPIC sent, is delivered at the next VM entry without RUN
 * returning, and the interrupt and NMI windows the kernel opens for them
 * end in the kernel too.  minivm's tracepoints (kmod/trace.h) see them.
 *
 * So --trace reads two of those tracepoints through a tracefs instance
 * of its own (a ring buffer no other tracer shares), filtered to this
 * process's thread:
 *
 *   minivm_inject   every event a VM entry delivers, whoever queued it:
 *                   "trace: delivered vector 0x30 (EXT_INTR)"; with the
 *                   CPU's virtual-interrupt delivery, "(VIRTUAL_INTR)";
 *   minivm_exit     only the interrupt-window and NMI-window exits:
 *                   "trace: window   INTERRUPT_WINDOW rip=0x1234 (kernel)".
 *
 * The lines are read before each exit the launcher prints, so they come
 * in the order things happened.  Without tracefs (not root, not
 * mounted) --trace says once that it cannot show them, and goes on.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"

/* The two windows' exit reasons (SDM Vol. 3C, "VMX Basic Exit Reasons"). */
#define EXIT_INTERRUPT_WINDOW	7
#define EXIT_NMI_WINDOW		8

static const char * const tracefs_roots[] = {
	"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
};

static struct {
	char dir[256];		/* the instance, "" when there is none */
	int pipe;		/* its trace_pipe, non-blocking */
	char line[512];		/* a line not yet complete */
	size_t len;
} kt = { .pipe = -1 };

/* Write @text to the instance's file @name; 0 or -errno. */
static int put(const char *name, const char *text)
{
	char path[384];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", kt.dir, name);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Make the instance, filter and enable the two events, open its pipe. */
static int instance_setup(const char *root)
{
	char filter[128];
	int ret;

	snprintf(kt.dir, sizeof(kt.dir), "%s/instances/minivm-%d", root,
		 (int)getpid());
	if (mkdir(kt.dir, 0700)) {
		ret = -errno;
		kt.dir[0] = '\0';
		return ret;
	}
	snprintf(filter, sizeof(filter), "common_pid == %d", (int)getpid());
	ret = put("buffer_size_kb", "256");
	if (!ret)
		ret = put("events/minivm/minivm_inject/filter", filter);
	if (!ret)
		ret = put("events/minivm/minivm_inject/enable", "1");
	snprintf(filter, sizeof(filter),
		 "common_pid == %d && (reason == %d || reason == %d)",
		 (int)getpid(), EXIT_INTERRUPT_WINDOW, EXIT_NMI_WINDOW);
	if (!ret)
		ret = put("events/minivm/minivm_exit/filter", filter);
	if (!ret)
		ret = put("events/minivm/minivm_exit/enable", "1");
	if (!ret) {
		char path[384];

		snprintf(path, sizeof(path), "%s/trace_pipe", kt.dir);
		kt.pipe = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (kt.pipe < 0)
			ret = -errno;
	}
	return ret;
}

/**
 * ktrace_open() - start reading the kernel's injections and windows.
 *
 * Return: true if they will be shown; false (having said why) if not.
 */
bool ktrace_open(void)
{
	const char *why = "no tracefs with minivm's events";
	struct stat st;
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(tracefs_roots) / sizeof(tracefs_roots[0]); i++) {
		char events[256];

		snprintf(events, sizeof(events), "%s/events/minivm",
			 tracefs_roots[i]);
		if (stat(events, &st))
			continue;
		ret = instance_setup(tracefs_roots[i]);
		if (!ret)
			return true;
		ktrace_close();
		why = strerror(-ret);
		break;
	}
	fprintf(stderr, "minivm: --trace: what the kernel delivers by itself "
		"is not shown (%s)\n", why);
	return false;
}

/* One line of trace_pipe, in --trace's words. */
static void print_line(const char *l)
{
	const char *p;
	unsigned int vector;
	char type[32], reason[48];
	unsigned long long rip;

	p = strstr(l, "minivm_inject: ");
	if (p && sscanf(p, "minivm_inject: vcpu %*u vector %x type %31s",
			&vector, type) == 2) {
		fprintf(stderr, "trace: delivered vector %#x (%s)\n", vector, type);
		return;
	}
	p = strstr(l, "minivm_exit: ");
	if (p && sscanf(p, "minivm_exit: vcpu %*u reason %47s qual %*x rip %llx",
			reason, &rip) == 2)
		fprintf(stderr, "trace: %-8s %s rip=%#llx (kernel)\n", "window",
			reason, rip);
}

/**
 * ktrace_print() - print what the kernel did since the last call.
 */
void ktrace_print(void)
{
	char buf[4096];
	ssize_t n, i;

	if (kt.pipe < 0)
		return;
	while ((n = read(kt.pipe, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (kt.len < sizeof(kt.line) - 1)
					kt.line[kt.len++] = buf[i];
				continue;
			}
			kt.line[kt.len] = '\0';
			print_line(kt.line);
			kt.len = 0;
		}
	}
}

/**
 * ktrace_close() - print what is left and remove the instance.
 */
void ktrace_close(void)
{
	ktrace_print();
	if (kt.pipe >= 0)
		close(kt.pipe);
	kt.pipe = -1;
	if (kt.dir[0])
		rmdir(kt.dir);	/* (removing an instance disables its events) */
	kt.dir[0] = '\0';
}

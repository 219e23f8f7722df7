/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the minivm selftests: opening the device, reading the
 * capability report, loading and unloading modules, reading the kernel log.
 * Each test file includes this after kselftest_harness.h.
 */
#ifndef MINIVM_SELFTEST_H
#define MINIVM_SELFTEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/minivm.h>

/*
 * MINIVM_ONLY="name ...": run only the tests of those names, in every
 * fixture and variant that has them.  A lab's grader (scripts/lab) runs
 * its few tests this way.  6.1's harness has no filter of its own, so
 * TEST_HARNESS_MAIN is redefined to unlink the other tests from the
 * harness's lists before it counts and runs them.
 */
static inline bool minivm_only_has(const char *only, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = strstr(only, name); p; p = strstr(p + 1, name))
		if ((p == only || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

/* Is @name, @len bytes, the name of a test of this program? */
static inline bool minivm_test_exists(const char *name, size_t len)
{
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			if (strlen(t->name) == len && !strncmp(t->name, name, len))
				return true;
	return false;
}

static inline void minivm_only(void)
{
	const char *only = getenv("MINIVM_ONLY"), *p = only;
	struct __test_metadata *t, *next, **tail;
	struct __fixture_metadata *f;
	size_t len;

	if (!only)
		return;
	/* A name that is no test's must not let a grader pass by running nothing. */
	for (; *p; p += len) {
		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (len && !minivm_test_exists(p, len)) {
			printf("# MINIVM_ONLY: no test is called %.*s\n", (int)len, p);
			exit(KSFT_FAIL);
		}
	}
	for (f = __fixture_list; f; f = f->next) {
		tail = &f->tests;
		for (t = f->tests; t; t = next) {
			next = t->next;
			if (minivm_only_has(only, t->name)) {
				*tail = t;
				tail = &t->next;
			}
		}
		*tail = NULL;
	}
}

#undef TEST_HARNESS_MAIN
#define TEST_HARNESS_MAIN						\
	static void __attribute__((constructor))			\
	__constructor_order_last(void)					\
	{								\
		if (!__constructor_order)				\
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	}								\
	int main(int argc, char **argv)					\
	{								\
		minivm_only();						\
		return test_harness_run(argc, argv);			\
	}

#define MINIVM_DEV	"/dev/minivm"
#define MINIVM_KO_DEFAULT "/minivm/modules/minivm.ko"

/* Open /dev/minivm; -1 with errno set when it is not there. */
static inline int open_dev(void)
{
	return open(MINIVM_DEV, O_RDWR | O_CLOEXEC);
}

/* The device exists only when the module loaded, i.e. VMX is usable. */
static inline bool minivm_present(void)
{
	return access(MINIVM_DEV, F_OK) == 0;
}

/*
 * Skip the test (from its body: the 6.1 harness does not skip a body when
 * a fixture's setup skips) when the module is not loaded.
 */
#define NEED_MINIVM() do {						\
	if (!minivm_present())						\
		SKIP(return, "no " MINIVM_DEV ": module not loaded (no VMX?)"); \
} while (0)

/*
 * The set-up of a fixture that needs a VM: /dev/minivm and one VM in
 * self->dev and self->vm, which stay -1 when the module is not loaded;
 * the body then skips with NEED_VM().  close_vm() is the tear-down.
 */
#define OPEN_VM() do {							\
	self->dev = self->vm = -1;					\
	if (!minivm_present())						\
		SKIP(return, "no " MINIVM_DEV ": module not loaded (no VMX?)"); \
	self->dev = minivm_open_device();				\
	ASSERT_LE(0, self->dev);					\
	self->vm = minivm_create_vm(self->dev);				\
	ASSERT_LE(0, self->vm);						\
} while (0)

#define NEED_VM() do {							\
	if (self->vm < 0)						\
		SKIP(return, "set-up skipped");				\
} while (0)

static inline void close_vm(int dev, int vm)
{
	if (vm >= 0)
		close(vm);
	if (dev >= 0)
		close(dev);
}

/*
 * Is @flag a word of the first /proc/cpuinfo line named @list ("flags",
 * "vmx flags"): does the CPU have it, as the kernel sees it?
 */
static inline bool cpuinfo_has(const char *list, const char *flag)
{
	char line[4096], *tok, *save, *colon;
	size_t n = strlen(list);
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		colon = strchr(line, ':');
		if (strncmp(line, list, n) || !colon ||
		    strspn(line + n, " \t") != (size_t)(colon - line - n))
			continue;
		for (tok = strtok_r(colon + 1, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save))
			found |= !strcmp(tok, flag);
		break;
	}
	fclose(f);
	return found;
}

static inline bool cpu_has_flag(const char *flag)
{
	return cpuinfo_has("flags", flag);
}

static inline bool cpu_has_vmx(void)
{
	return cpu_has_flag("vmx");
}

/* MINIVM_GET_VMX_CAPS on a fresh fd; returns 0 or -errno. */
static inline int read_caps(struct minivm_vmx_caps *caps)
{
	int fd = open_dev();
	int ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, MINIVM_GET_VMX_CAPS, caps) ? -errno : 0;
	close(fd);
	return ret;
}

/* How many CPUs are in VMX operation for minivm right now (-1: error). */
static inline int minivm_cpus_on(void)
{
	struct minivm_vmx_caps caps;

	return read_caps(&caps) ? -1 : (int)caps.nr_cpus_vmx_on;
}

/* MINIVM_CREATE_VM through a /dev/minivm fd opened for the purpose. */
static inline int create_vm_fd(void)
{
	int fd = open_dev();
	int vm, err;

	if (fd < 0)
		return -1;
	vm = ioctl(fd, MINIVM_CREATE_VM, 0);
	err = errno;
	close(fd);
	errno = err;
	return vm;
}

static inline long read_long(const char *path)
{
	char buf[64] = "";
	long v = -1;
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) > 0)
			v = strtol(buf, NULL, 10);
		close(fd);
	}
	return v;
}

static inline int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int ret;

	if (fd < 0)
		return -1;
	ret = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return ret;
}

/* The module's reference count, as the kernel shows it. */
static inline long minivm_refcnt(void)
{
	return read_long("/sys/module/minivm/refcnt");
}

/* insmod and rmmod, as system calls: 0 or -1 with errno. */
static inline int load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret, err;

	if (fd < 0)
		return -1;
	ret = syscall(__NR_finit_module, fd, "", 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

static inline int unload_module(const char *name)
{
	return syscall(__NR_delete_module, name, O_NONBLOCK);
}

static inline bool module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return access(path, F_OK) == 0;
}

static inline const char *minivm_ko(void)
{
	const char *p = getenv("MINIVM_KO");

	return p ? p : MINIVM_KO_DEFAULT;
}

/* Does the kernel log contain @needle?  The log is read whole. */
static inline bool dmesg_contains(const char *needle)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	bool found = false;
	char *buf;

	if (len <= 0)
		return false;
	buf = calloc(1, len + 1);
	if (!buf)
		return false;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	if (len > 0)
		found = strstr(buf, needle) != NULL;
	free(buf);
	return found;
}

#define MINIVM_OBJECTS "/sys/kernel/debug/minivm/objects"

/*
 * minivm's live-object counters (debugfs.c): the one named @which, or with
 * @which NULL their sum.  -1 if debugfs is not there.
 */
static inline long minivm_objects(const char *which)
{
	char name[64];
	long n, v = 0;
	FILE *f = fopen(MINIVM_OBJECTS, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", name, &n) == 2)
		if (!which || !strcmp(name, which))
			v += n;
	fclose(f);
	return v;
}

#define MINIVM_EXITS "/sys/kernel/debug/minivm/exits"

/*
 * VM exits with basic reason @reason since the module was loaded, every
 * VM together (debugfs.c); -1 if debugfs is not there.
 */
static inline long minivm_exit_count(int reason)
{
	char name[64];
	long n;
	int r;
	FILE *f = fopen(MINIVM_EXITS, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%d %63s %ld", &r, name, &n) == 3)
		if (r == reason) {
			fclose(f);
			return n;
		}
	fclose(f);
	return 0;
}

static inline long live_objects(void)
{
	return minivm_objects(NULL);
}

/* KiB in use by the kmalloc caches, from /proc/slabinfo. */
static inline long kmalloc_kib(void)
{
	char line[512], name[64];
	long active, total, size, kib = 0;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld %ld %ld", name, &active, &total,
			   &size) == 4 && !strncmp(name, "kmalloc-", 8))
			kib += active * size / 1024;
	fclose(f);
	return kib;
}

/*
 * Does kmalloc_kib() before and after tell a leak?  Not on a kernel with
 * kmemleak (make check-debug's): there KASAN's quarantine keeps freed
 * objects out of their slabs for a while (5 MiB more after 8,000 VMs),
 * and kmemleak's scan after the run finds leaks by itself.
 */
static inline bool slab_growth_tells(void)
{
	return access("/sys/kernel/debug/kmemleak", F_OK) != 0;
}

/*
 * Run this thread on @cpu (below 64) only.  The raw system call, as the
 * harness defines _GNU_SOURCE too late for <sched.h>'s CPU_SET().
 */
static inline int pin_to_cpu(int cpu)
{
	unsigned long mask = 1UL << cpu;

	return syscall(__NR_sched_setaffinity, 0, sizeof(mask), &mask);
}

#endif /* MINIVM_SELFTEST_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * linux_test: the test machine's own kernel (Debian's 6.1) boots inside
 * minivm, with the busybox initramfs of user/guests/linux, and reaches a
 * shell that shows what it can do.  The guest's /init prints lines that
 * start with "LINUX-"; this test runs the launcher as a user would, reads
 * those lines as they come, with the host's time of each, and types a line
 * on the guest's console when asked.  One boot serves every assertion, as
 * a boot in Bochs takes a minute or two.
 *
 * It boots with --lapic, the configuration Linux is meant to get: a local
 * APIC in the kernel whose TSC-deadline timer is Linux's clock event, and
 * the IOAPIC and MP table of the launcher, through which Linux routes
 * the ISA interrupts in symmetric I/O mode (the console's IRQ 4 among
 * them).
 *
 * The kernel is the test machine's bzImage repacked with LZ4
 * (scripts/testvm/fast-kernel): the same vmlinux, started through the
 * 32-bit boot protocol, without two minutes of XZ in an emulated CPU.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"

#define LINUX_DIR	"/minivm/guests/linux"
#define LAUNCHER	"/minivm/bin/minivm"
#define TYPED		"typed-on-ttyS0 42"
/*
 * The launcher's default command line (launcher.rst), quiet: in Bochs
 * every byte on the console is an exit to userspace, and the kernel's
 * boot messages are 20 KB of them.  Warnings and errors still show, and
 * /init prints them again from the log.
 */
#define CMDLINE		"console=ttyS0 acpi=off pci=off mce=off tsc=reliable " \
			"8250.nr_uarts=1 reboot=k panic=-1 quiet"
#define MAX_LINES	4096

struct guest {
	pid_t pid;
	int in, out;		/* the launcher's stdin (ours to write), stdout */
	FILE *log;		/* everything it printed, for the failure report */
	char *lines[MAX_LINES];
	double when[MAX_LINES];	/* host CLOCK_MONOTONIC of each line */
	double started;		/* and of the launcher's start */
	time_t wall[MAX_LINES];	/* and the host's time of day */
	int nlines, status;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Start the launcher on the kernel and initramfs, with pipes. */
static int start(struct guest *g)
{
	int in[2], out[2];

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -1;
	g->started = now();
	g->pid = fork();
	if (g->pid < 0)
		return -1;
	if (g->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		execl(LAUNCHER, "minivm", "run", "--timeout", "900", "--stats",
		      "--lapic", "--mem", "128M", "--append", CMDLINE,
		      "--kernel", LINUX_DIR "/bzImage",
		      "--initrd", LINUX_DIR "/initrd.cpio", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	g->in = in[1];
	g->out = out[0];
	return 0;
}

/* Read the launcher's output to its end, answering the prompt. */
static void run(struct guest *g)
{
	FILE *f = fdopen(g->out, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while (f && (n = getline(&line, &cap, f)) > 0) {
		/* The guest's tty ends its lines with CR LF (ONLCR). */
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		fprintf(g->log, "%s\n", line);
		if (g->nlines < MAX_LINES) {
			g->when[g->nlines] = now();
			g->wall[g->nlines] = time(NULL);
			g->lines[g->nlines++] = strdup(line);
		}
		if (!strcmp(line, "LINUX-TYPE-A-LINE") &&
		    write(g->in, TYPED "\n", sizeof(TYPED)) < 0)
			break;
	}
	free(line);
	if (f)
		fclose(f);
	close(g->in);
	waitpid(g->pid, &g->status, 0);
}

/* The first line that starts with @prefix, and its index. */
static const char *find(struct guest *g, const char *prefix, int *idx)
{
	for (int i = 0; i < g->nlines; i++) {
		if (!strncmp(g->lines[i], prefix, strlen(prefix))) {
			if (idx)
				*idx = i;
			return g->lines[i] + strlen(prefix);
		}
	}
	return NULL;
}

/* Does the guest's kernel log (between the DMESG markers) contain @s? */
static bool dmesg_has(struct guest *g, const char *s)
{
	int b, e;

	if (!find(g, "LINUX-DMESG-BEGIN", &b) || !find(g, "LINUX-DMESG-END", &e))
		return true;		/* no log at all is not clean */
	for (int i = b + 1; i < e; i++)
		if (strstr(g->lines[i], s))
			return true;
	return false;
}

FIXTURE(linux_guest) {
	struct guest g;
};

FIXTURE_SETUP(linux_guest)
{
	memset(&self->g, 0, sizeof(self->g));
	if (!minivm_present() || access(LINUX_DIR "/bzImage", R_OK))
		return;
	self->g.log = tmpfile();
	ASSERT_EQ(0, start(&self->g));
	run(&self->g);
}

FIXTURE_TEARDOWN(linux_guest)
{
	char buf[512];

	if (self->g.log && _metadata->passed == 0) {
		rewind(self->g.log);
		while (fgets(buf, sizeof(buf), self->g.log))
			fprintf(stderr, "# | %s", buf);
	}
	for (int i = 0; i < self->g.nlines; i++)
		free(self->g.lines[i]);
	if (self->g.log)
		fclose(self->g.log);
}

TEST_F_TIMEOUT(linux_guest, boots_to_a_shell_and_powers_off, 1200)
{
	const char *s;
	int b, e;

	NEED_MINIVM();
	if (access(LINUX_DIR "/bzImage", R_OK))
		SKIP(return, "no %s/bzImage in this payload", LINUX_DIR);

	/* Its user space ran, and printed what the guest CPU looks like. */
	ASSERT_NE(NULL, find(&self->g, "LINUX-INIT ", NULL));
	s = find(&self->g, "LINUX-MODEL ", NULL);
	ASSERT_NE(NULL, s);
	EXPECT_NE(0, strlen(s));
	s = find(&self->g, "LINUX-FLAGS ", NULL);
	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, "fpu"));
	EXPECT_NE(NULL, strstr(s, " tsc"));
	EXPECT_NE(NULL, strstr(s, " hypervisor"));
	EXPECT_NE(NULL, strstr(s, " apic"));	/* --lapic */
	EXPECT_NE(NULL, strstr(s, " x2apic"));
	EXPECT_EQ(NULL, strstr(s, " vmx"));

	/*
	 * The MP table (--lapic) put Linux in symmetric I/O mode: the
	 * console's interrupt comes through the IOAPIC, not the 8259A.
	 */
	s = find(&self->g, "LINUX-IRQ-TTYS0 ", NULL);
	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, "IO-APIC"));
	EXPECT_NE(NULL, strstr(s, " 4-edge"));

	/* Its wall clock came from the RTC: the host's, to a few seconds. */
	s = find(&self->g, "LINUX-DATE ", &b);
	ASSERT_NE(NULL, s);
	EXPECT_LE(labs(atol(s) - (long)self->g.wall[b]), 5);

	/* A computation whose result is known: sum and MD5 of 1..10000. */
	s = find(&self->g, "LINUX-SUM ", NULL);
	ASSERT_NE(NULL, s);
	EXPECT_STREQ("50005000 72d4ff27a28afbc066d5804999d5a504  -", s);

	/* The line typed on the console came back through the UART. */
	s = find(&self->g, "LINUX-READ ", NULL);
	ASSERT_NE(NULL, s);
	EXPECT_STREQ(TYPED, s);

	/* sleep 1 by the guest's clock is about a second of the host's. */
	ASSERT_NE(NULL, find(&self->g, "LINUX-SLEEP-BEGIN", &b));
	ASSERT_NE(NULL, find(&self->g, "LINUX-SLEEP-END", &e));
	EXPECT_GE(self->g.when[e] - self->g.when[b], 0.9);
	EXPECT_LE(self->g.when[e] - self->g.when[b], 2.0);

	/* The figures for testing.rst: time to init, and the exits (--stats). */
	s = find(&self->g, "LINUX-INIT ", &b);
	ksft_print_msg("figure: linux_init_guest_uptime_s=%s host_s=%.1f\n", s,
		       self->g.when[b] - self->g.started);
	if (find(&self->g, "exits:", &b))
		for (int i = b; i < self->g.nlines; i++)
			ksft_print_msg("%s\n", self->g.lines[i]);

	/*
	 * Idle Linux halts with interrupts on, hundreds of times: with a
	 * local APIC each HLT waits in the kernel for the APIC timer, and
	 * only poweroff's final HLT (interrupts off) reaches the launcher.
	 */
	s = find(&self->g, "  hlt ", NULL);
	ASSERT_NE(NULL, s);
	EXPECT_GE(2, atol(s));

	/* poweroff -f: the kernel halts with interrupts off, status 0. */
	ASSERT_NE(NULL, find(&self->g, "LINUX-POWEROFF", NULL));
	ASSERT_TRUE(WIFEXITED(self->g.status));
	EXPECT_EQ(0, WEXITSTATUS(self->g.status));

	/* A clean guest kernel log. */
	EXPECT_FALSE(dmesg_has(&self->g, "unchecked MSR access"));
	EXPECT_FALSE(dmesg_has(&self->g, "------------[ cut here ]"));
	EXPECT_FALSE(dmesg_has(&self->g, "BUG:"));
	EXPECT_FALSE(dmesg_has(&self->g, "Call Trace"));
	EXPECT_FALSE(dmesg_has(&self->g, "TSC calibration failed"));
	EXPECT_FALSE(dmesg_has(&self->g, "unstable"));
	EXPECT_FALSE(dmesg_has(&self->g, "Unknown interrupt"));
	EXPECT_FALSE(dmesg_has(&self->g, "not listed by BIOS"));	/* MP table */
	EXPECT_FALSE(dmesg_has(&self->g, "Unable to read current time from RTC"));
}

TEST_HARNESS_MAIN

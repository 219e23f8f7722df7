// SPDX-License-Identifier: GPL-2.0
/*
 * NMIs that arrive while a guest runs belong to the host.  With "NMI
 * exiting" on, such an NMI makes a VM exit instead of going through the
 * guest's IDT, and minivm sends it to its own CPU again, where the host's
 * handler takes it (run.c).  If it were lost, the host would miss
 * watchdog, perf and backtrace NMIs.
 *
 * The test spins a guest on CPU 1 and asks the kernel for a backtrace of
 * every CPU (SysRq-l), which it collects with NMIs: CPU 1 must answer,
 * and minivm's exit counters must show that the NMI did hit guest mode.
 * The backtraces this prints are expected: the test brackets them with
 * markers in the kernel log, which the runner's log check leaves out.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"

#define EXITS "/sys/kernel/debug/minivm/exits"

/* How many NMI exits (basic reason 0) minivm has seen, or -1. */
static long nmi_exits(void)
{
	char name[64];
	long reason, n, v = 0;
	FILE *f = fopen(EXITS, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%ld %63s %ld", &reason, name, &n) == 3)
		if (reason == 0)
			v = n;
	fclose(f);
	return v;
}

GUEST_CODE(g_spin, "cli\n 1: jmp 1b");

struct spinner {
	struct guest g;
	volatile bool running;
	int ret;
};

static void on_usr1(int sig)
{
}

static void *spin_on_cpu1(void *arg)
{
	struct spinner *s = arg;

	if (pin_to_cpu(1))
		return NULL;
	s->running = true;
	s->ret = guest_run(&s->g);	/* until SIGUSR1 */
	return NULL;
}

static void kmsg(const char *line)
{
	write_str("/dev/kmsg", line);
}

TEST(nmi_during_guest_reaches_the_host)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct spinner s = { .running = false };
	long before, after = 0;
	pthread_t t;
	int i;

	NEED_MINIVM();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	if (nmi_exits() < 0)
		SKIP(return, "no " EXITS " (debugfs not mounted?)");
	if (access("/proc/sysrq-trigger", W_OK))
		SKIP(return, "no /proc/sysrq-trigger");
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pin_to_cpu(0));
	ASSERT_EQ(0, guest_create(&s.g, MINIVM_MODE_LONG, g_spin));
	ASSERT_EQ(0, pthread_create(&t, NULL, spin_on_cpu1, &s));
	for (i = 0; i < 1000 && !s.running; i++)
		usleep(1000);
	usleep(10000);

	/*
	 * (Short waits, more tries: each emulated second of the spinning
	 * guest costs Bochs about a minute.)
	 */
	before = nmi_exits();
	for (i = 0; i < 50 && after <= before; i++) {
		kmsg("MINIVM-EXPECTED-BACKTRACE-BEGIN nmi_test\n");
		write_str("/proc/sysrq-trigger", "l");
		kmsg("MINIVM-EXPECTED-BACKTRACE-END nmi_test\n");
		usleep(10000);
		after = nmi_exits();
	}
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	TH_LOG("NMI exits: %ld before, %ld after %d SysRq-l", before, after, i);
	EXPECT_LT(before, after);
	EXPECT_EQ(-EINTR, s.ret);
	EXPECT_TRUE(dmesg_contains("NMI backtrace for cpu 1"));
	guest_destroy(&s.g);
}

TEST_HARNESS_MAIN

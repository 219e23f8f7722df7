// SPDX-License-Identifier: GPL-2.0
/*
 * Load: many VMs at once.  32 VMs of one vCPU each, each on its own
 * thread, each guest doing 10,000 port writes that userspace serves: all
 * at the same time on the test machine's two CPUs, under preempt=full, so
 * vCPUs are preempted and moved between CPUs mid-run all the time.
 * Afterwards minivm's object counters are back where they were.
 *
 * (Many VMs one after another are lifetime_test's: it runs on either
 * machine, and a one-CPU Bochs does them in half the time.)
 *
 *   MINIVM_LOAD_EXITS  I/O exits per VM (default 10000)
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"

#define NR_VMS		32

/* Write the VM's number to port 80h RCX times, then halt. */
GUEST_CODE(g_writer, "1: out %al, $0x80\n dec %ecx\n jnz 1b\n hlt");

struct worker {
	pthread_t thread;
	int id;
	long exits;		/* I/O exits seen */
	int errors;		/* wrong port, wrong data, wrong exit */
	pthread_barrier_t *start;
};

static long exits_per_vm(void)
{
	const char *e = getenv("MINIVM_LOAD_EXITS");

	return e ? strtol(e, NULL, 0) : 10000;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct minivm_regs r;
	struct guest g;
	int reason;

	if (guest_create(&g, MINIVM_MODE_LONG, g_writer) ||
	    minivm_get_regs(&g.cpu, &r)) {
		w->errors++;
		pthread_barrier_wait(w->start);
		guest_destroy(&g);
		return NULL;
	}
	r.rax = w->id;
	r.rcx = exits_per_vm();
	minivm_set_regs(&g.cpu, &r);
	pthread_barrier_wait(w->start);
	for (;;) {
		reason = guest_run(&g);
		if (reason != MINIVM_EXIT_IO)
			break;
		w->exits++;
		if (g.cpu.run->io.port != 0x80 ||
		    minivm_io_data(g.cpu.run)[0] != w->id)
			w->errors++;
	}
	if (reason != MINIVM_EXIT_HLT)
		w->errors++;
	guest_destroy(&g);
	return NULL;
}

TEST(vms_32_in_parallel_each_10000_io_exits)
{
	static struct worker w[NR_VMS];
	long objs_before, want = exits_per_vm(), total = 0;
	pthread_barrier_t start;
	int i, errors = 0;

	NEED_MINIVM();
	objs_before = live_objects();
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, NR_VMS));
	for (i = 0; i < NR_VMS; i++) {
		w[i] = (struct worker){ .id = i + 1, .start = &start };
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, worker_run,
					    &w[i]));
	}
	for (i = 0; i < NR_VMS; i++) {
		pthread_join(w[i].thread, NULL);
		EXPECT_EQ(want, w[i].exits) TH_LOG("VM %d", i + 1);
		errors += w[i].errors;
		total += w[i].exits;
	}
	EXPECT_EQ(0, errors);
	TH_LOG("%d VMs, %ld I/O exits served", NR_VMS, total);
	printf("# figure: concurrent_vms=%d\n", errors ? 0 : NR_VMS);
	if (objs_before >= 0)
		EXPECT_EQ(objs_before, live_objects());
	pthread_barrier_destroy(&start);
}

TEST_HARNESS_MAIN

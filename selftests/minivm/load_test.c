// SPDX-License-Identifier: GPL-2.0
/*
 * Load: many VMs at once, and many one after another.
 *
 *   - 32 VMs of one vCPU each, each on its own thread, each guest doing
 *     10,000 port writes that userspace serves: all at the same time on
 *     the test machine's two CPUs, under preempt=full, so vCPUs are
 *     preempted and moved between CPUs mid-run all the time.
 *   - 1,000 cycles of create a guest, run it, destroy it.
 *
 * Afterwards minivm's object counters are zero and the kernel's kmalloc
 * slabs are back where they were.
 *
 *   MINIVM_LOAD_EXITS  I/O exits per VM (default 10000)
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"

#define NR_VMS		32
#define CYCLES		1000

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

GUEST_CODE(g_hlt, "hlt");

TEST(create_run_destroy_1000_times)
{
	long slab_before = 0, slab_after;
	int i, failed = 0;

	NEED_MINIVM();
	if (live_objects() < 0)
		SKIP(return, "no " MINIVM_OBJECTS " (debugfs not mounted?)");
	ASSERT_EQ(0, live_objects());
	/* One round first, so that slab caches are warm for the baseline. */
	for (i = 0; i <= CYCLES; i++) {
		struct guest g;

		if (i == 1)
			slab_before = kmalloc_kib();
		failed += guest_create(&g, i & 1 ? MINIVM_MODE_LONG :
				       MINIVM_MODE_REAL, g_hlt) != 0 ||
			  guest_run(&g) != MINIVM_EXIT_HLT;
		guest_destroy(&g);
	}
	slab_after = kmalloc_kib();
	EXPECT_EQ(0, failed);
	EXPECT_EQ(0, live_objects());
	EXPECT_EQ(0, minivm_cpus_on());
	TH_LOG("kmalloc slabs: %ld KiB before, %ld KiB after %d cycles",
	       slab_before, slab_after, CYCLES);
	EXPECT_LT(slab_after - slab_before, 256);
	printf("# figure: create_destroy_cycles=%d\n", failed ? 0 : CYCLES);
	printf("# figure: slab_growth_kib=%ld\n", slab_after - slab_before);
}

TEST_HARNESS_MAIN

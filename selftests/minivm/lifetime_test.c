// SPDX-License-Identifier: GPL-2.0
/*
 * Objects and their lifetimes: VMs, vCPUs and memory come and go by the
 * thousand and leave nothing behind, whatever order their fds close in.
 * minivm's own counters (debugfs) must return to zero and the kernel's
 * slab usage to where it was.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"

#define CYCLES		1000

/* One VM with a slot and a vCPU, closed in a given order. */
static int make_vm(int dev, void *mem, int order)
{
	struct minivm_vcpu cpu;
	int vm = minivm_create_vm(dev);

	if (vm < 0)
		return vm;
	if (minivm_set_memory(vm, 0, 0, 1 << 16, mem, 0) ||
	    minivm_create_vcpu(dev, vm, 0, &cpu)) {
		close(vm);
		return -1;
	}
	if (order) {
		close(vm);
		minivm_destroy_vcpu(&cpu);
	} else {
		minivm_destroy_vcpu(&cpu);
		close(vm);
	}
	return 0;
}

TEST(vms_500_rounds_of_16_leave_nothing)
{
	long objs, slab_before, slab_after;
	int dev, vm[16], round, i, failed = 0;
	void *mem;

	NEED_MINIVM();
	if (live_objects() < 0)
		SKIP(return, "no " MINIVM_OBJECTS " (debugfs not mounted?)");
	ASSERT_EQ(0, live_objects());
	dev = open_dev();
	ASSERT_LE(0, dev);
	mem = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	slab_before = kmalloc_kib();

	for (round = 0; round < 500; round++) {
		for (i = 0; i < 16; i++) {
			vm[i] = minivm_create_vm(dev);
			failed += vm[i] < 0;
		}
		for (i = 0; i < 16; i++)
			close(vm[i]);
	}
	EXPECT_EQ(0, failed);
	objs = live_objects();
	EXPECT_EQ(0, objs);

	/* And with memory and vCPUs, closed in both orders. */
	for (round = 0; round < 100; round++)
		failed += make_vm(dev, mem, round & 1) != 0;
	EXPECT_EQ(0, failed);
	EXPECT_EQ(0, live_objects());

	slab_after = kmalloc_kib();
	TH_LOG("kmalloc slabs: %ld KiB before, %ld KiB after", slab_before,
	       slab_after);
	if (slab_growth_tells()) {
		EXPECT_LT(slab_after - slab_before, 512);
	}
	EXPECT_EQ(0, minivm_cpus_on());
	munmap(mem, 1 << 16);
	close(dev);
}

GUEST_CODE(g_hlt, "hlt");

/* A guest's memory, vCPU and VM are counted while they live, then gone. */
TEST(a_guest_is_counted_then_gone)
{
	struct guest g;

	NEED_MINIVM();
	if (live_objects() < 0)
		SKIP(return, "no " MINIVM_OBJECTS " (debugfs not mounted?)");
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_hlt));
	/* guest.h's guest: one VM, one vCPU, three memory slots. */
	EXPECT_EQ(1, minivm_objects("vms"));
	EXPECT_EQ(1, minivm_objects("vcpus"));
	EXPECT_EQ(3, minivm_objects("memslots"));
	EXPECT_EQ(0, minivm_objects("pinned_pages"));	/* nothing touched */
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	EXPECT_LT(0, minivm_objects("pinned_pages"));
	EXPECT_LT(0, minivm_objects("ept_tables"));
	guest_destroy(&g);
	EXPECT_EQ(0, live_objects());
}

/*
 * 1,000 cycles of create a guest, run it, destroy it, alternating real and
 * long mode: the counters end at zero and the kmalloc slabs where they were.
 */
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
	if (slab_growth_tells()) {
		EXPECT_LT(slab_after - slab_before, 256);
	} else {
		TH_LOG("kmemleak's kernel: its scan, not the slabs, finds leaks");
	}
	printf("# figure: create_destroy_cycles=%d\n", failed ? 0 : CYCLES);
	printf("# figure: slab_growth_kib=%ld\n", slab_after - slab_before);
}

TEST_HARNESS_MAIN

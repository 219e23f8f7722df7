// SPDX-License-Identifier: GPL-2.0
/*
 * What guest memory may be made of, and what userspace may do to it
 * while a guest runs.  minivm pins a region's pages when the guest first
 * touches them, 64 KiB at a time (a whole huge page where one backs the
 * memory), and keeps them pinned until the region is deleted (design.rst, "Guest memory"): a file's pages and huge pages
 * work like anonymous ones, unmapping or re-protecting touched memory
 * changes nothing for the guest, and untouched memory that is gone is a
 * defined exit.  Deleting a region under a running vCPU turns that
 * memory into MMIO at once.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"

#define EXTRA_GPA	0x400000UL	/* slot 3, beyond guest.h's layout */
#define EXTRA_SIZE	(4UL << 20)

/* Write RBX's low byte into slot 3, report it, forever. */
GUEST_CODE(g_store,
	"mov $0x400000, %edi\n"
	"1: mov %bl, (%edi)\n mov (%edi), %al\n out %al, $0x80\n inc %bl\n"
	"jmp 1b");

/* 4 MiB of fresh anonymous memory for slot 3, in 4 KiB pages only. */
static void *small_pages(void)
{
	void *p = mmap(NULL, EXTRA_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		madvise(p, EXTRA_SIZE, MADV_NOHUGEPAGE);
	return p;
}

/* A file's pages (a memfd, as QEMU uses for shared memory) as guest RAM. */
TEST(file_backed_region)
{
	struct guest g;
	uint8_t byte = 0;
	void *p;
	int fd;

	NEED_MINIVM();
	fd = memfd_create("minivm-guest", 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, EXTRA_SIZE));
	p = mmap(NULL, EXTRA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_store));
	ASSERT_EQ(0, minivm_set_memory(g.vm, 3, EXTRA_GPA, EXTRA_SIZE, p, 0));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	/* The guest's second store, seen through the file itself. */
	ASSERT_EQ(1, pread(fd, &byte, 1, 0));
	EXPECT_EQ(1, byte);
	guest_destroy(&g);
	munmap(p, EXTRA_SIZE);
	close(fd);
}

/*
 * The EPT tables minivm made for g_store up to its first exit, with slot
 * 3 backed by @p; -1 if they cannot be counted or the guest failed.
 */
static long tables_for_first_store(void *p)
{
	long before = minivm_objects("ept_tables"), after = -1;
	struct guest g;

	if (!guest_create(&g, MINIVM_MODE_PROTECTED, g_store) &&
	    !minivm_set_memory(g.vm, 3, EXTRA_GPA, EXTRA_SIZE, p, 0) &&
	    guest_run(&g) == MINIVM_EXIT_IO && ((uint8_t *)p)[0] == 0 &&
	    guest_run(&g) == MINIVM_EXIT_IO && ((uint8_t *)p)[0] == 1)
		after = minivm_objects("ept_tables");
	guest_destroy(&g);
	return before < 0 || after < 0 ? -1 : after - before;
}

/*
 * The same guest storing to 4 KiB pages and to a 2 MiB huge page: the
 * huge page is one 2 MiB EPT page, so it needs one page table fewer.
 */
TEST(hugetlb_region_uses_2m_ept_pages)
{
	long pages_before, small, huge;
	void *p, *q;

	NEED_MINIVM();
	if (minivm_objects("ept_tables") < 0)
		SKIP(return, "no debugfs counters to count EPT tables with");
	pages_before = read_long("/proc/sys/vm/nr_hugepages");
	write_str("/proc/sys/vm/nr_hugepages", "4");
	p = mmap(NULL, EXTRA_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED) {
		write_str("/proc/sys/vm/nr_hugepages", "0");
		SKIP(return, "no 2 MiB huge pages to be had");
	}
	q = small_pages();
	ASSERT_NE(MAP_FAILED, q);
	small = tables_for_first_store(q);
	huge = tables_for_first_store(p);
	ASSERT_LT(0, small);		/* -1: the guest did not store */
	EXPECT_EQ(small - 1, huge);
	munmap(p, EXTRA_SIZE);
	munmap(q, EXTRA_SIZE);
	if (pages_before >= 0) {
		char n[32];

		snprintf(n, sizeof(n), "%ld", pages_before);
		write_str("/proc/sys/vm/nr_hugepages", n);
	}
}

/* Store to 4 MiB, then 6 MiB, then 4 MiB + 16: two pieces of slot 3. */
GUEST_CODE_ONLY(g_two_chunks, 32,
	"movb $1, 0x400000\n out %al, $0x80\n"
	"movb $2, 0x600000\n out %al, $0x80\n"
	"movb $3, 0x400010\n out %al, $0x80\n"
	"hlt");

/*
 * A region costs nothing until the guest uses it: creating it pins no
 * page, and the first touch of 4 KiB-page memory pins the 64 KiB around
 * it, 16 pages.
 */
TEST(region_is_pinned_as_the_guest_touches_it)
{
	long before, first;
	struct guest g;
	uint8_t *p;

	NEED_MINIVM();
	before = minivm_objects("pinned_pages");
	if (before < 0)
		SKIP(return, "no minivm debugfs counters");
	p = small_pages();
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_two_chunks));
	ASSERT_EQ(0, minivm_set_memory(g.vm, 3, EXTRA_GPA, EXTRA_SIZE, p, 0));
	EXPECT_EQ(before, minivm_objects("pinned_pages"));

	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	first = minivm_objects("pinned_pages");
	EXPECT_LT(before + 16, first);		/* its code's pages too */
	EXPECT_EQ(1, p[0]);
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	EXPECT_EQ(first + 16, minivm_objects("pinned_pages"));
	EXPECT_EQ(2, p[0x200000]);
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	EXPECT_EQ(first + 16, minivm_objects("pinned_pages"));
	EXPECT_EQ(3, p[0x10]);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);
	EXPECT_EQ(before, minivm_objects("pinned_pages"));
	munmap(p, EXTRA_SIZE);
}

/*
 * Memory the VMM unmaps before the guest first touches it cannot be
 * pinned: the run ends with MINIVM_INTERNAL_MEMORY naming the address.
 * The VM stays usable: with the region deleted, the same store is MMIO.
 */
TEST(untouched_memory_that_is_gone_is_an_internal_error)
{
	struct minivm_run *run;
	struct guest g;
	void *p;

	NEED_MINIVM();
	p = small_pages();
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_store));
	ASSERT_EQ(0, minivm_set_memory(g.vm, 3, EXTRA_GPA, EXTRA_SIZE, p, 0));
	ASSERT_EQ(0, munmap(p, EXTRA_SIZE));
	run = g.cpu.run;

	ASSERT_EQ(MINIVM_EXIT_INTERNAL_ERROR, guest_run(&g));
	EXPECT_EQ(MINIVM_INTERNAL_MEMORY, run->internal.suberror);
	EXPECT_EQ(EXTRA_GPA, run->internal.data[0]);
	EXPECT_EQ(EFAULT, run->internal.data[2]);
	ASSERT_EQ(0, minivm_set_memory(g.vm, 3, EXTRA_GPA, 0, NULL, 0));
	ASSERT_EQ(MINIVM_EXIT_MMIO, guest_run(&g));
	EXPECT_EQ(EXTRA_GPA, run->mmio.phys_addr);
	guest_destroy(&g);
	if (minivm_objects("pinned_pages") >= 0)
		EXPECT_EQ(0, minivm_objects("pinned_pages"));
}

/*
 * INT 30h whose IDT (in slot 3) and stack (in slot 0) the guest has never
 * touched: delivering it meets unpinned memory twice, and each time the
 * event must be delivered again once the memory is there, with INT's
 * instruction length, so that the handler's IRET returns after the INT.
 */
#define IDTR_ADDR	0x100800UL	/* in slot 1, beside the GDT */

GUEST_CODE_ONLY(g_int30, 32,
	"lidt 0x100800\n"
	"int $0x30\n"
	"mov $0x81, %eax\n out %eax, $0x81\n hlt\n"
	".globl g_int30_handler\n g_int30_handler:\n"
	"mov $0x30, %eax\n out %eax, $0x80\n iret");
extern const char g_int30_handler[];

TEST(event_delivered_into_untouched_memory)
{
	uint32_t handler = GUEST_CODE_ADDR + (g_int30_handler - g_int30_start);
	uint64_t gate = guest_int_gate(0x08, handler);
	struct __attribute__((packed)) { uint16_t limit; uint32_t base; }
		idtr = { 0x31 * 8 - 1, EXTRA_GPA };
	struct minivm_run *run;
	struct guest g;
	uint8_t *p;

	NEED_MINIVM();
	p = small_pages();
	ASSERT_NE(MAP_FAILED, p);
	memcpy(p + 0x30 * 8, &gate, 8);
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_int30));
	memcpy(g.mem + IDTR_ADDR, &idtr, sizeof(idtr));
	ASSERT_EQ(0, minivm_set_memory(g.vm, 3, EXTRA_GPA, EXTRA_SIZE, p, 0));
	run = g.cpu.run;

	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g))
		TH_LOG("exit %u, suberror %u", run->exit_reason,
		       run->internal.suberror);
	EXPECT_EQ(0x80, run->io.port);
	EXPECT_EQ(0x30, *(uint32_t *)minivm_io_data(run));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	EXPECT_EQ(0x81, run->io.port);		/* IRET came back after INT */
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);
	munmap(p, EXTRA_SIZE);
}

/* A vCPU thread that runs the guest until told to stop. */
struct runner {
	struct guest *g;
	volatile bool stop;
	long io, mmio, other;
	uint64_t mmio_addr;
};

static void *run_until_stopped(void *arg)
{
	struct runner *r = arg;

	while (!r->stop) {
		switch (guest_run(r->g)) {
		case MINIVM_EXIT_IO:
			r->io++;
			break;
		case MINIVM_EXIT_MMIO:
			r->mmio++;
			r->mmio_addr = r->g->cpu.run->mmio.phys_addr;
			break;
		default:
			r->other++;
			r->stop = true;
		}
	}
	return NULL;
}

static void wait_for(volatile long *counter, long at_least)
{
	int i;

	for (i = 0; i < 20000 && *counter < at_least; i++)
		usleep(1000);
}

/*
 * A guest storing into 4 MiB of fresh memory (slot 3) on its own thread,
 * after its first 50 rounds: 0, or -1 if any of it failed.
 */
static int start_storing_guest(struct runner *r, struct guest *g, void **p,
			       pthread_t *t)
{
	*p = small_pages();
	if (*p == MAP_FAILED ||
	    guest_create(g, MINIVM_MODE_PROTECTED, g_store) ||
	    minivm_set_memory(g->vm, 3, EXTRA_GPA, EXTRA_SIZE, *p, 0))
		return -1;
	r->g = g;
	if (pthread_create(t, NULL, run_until_stopped, r))
		return -1;
	wait_for(&r->io, 50);
	return 0;
}

/*
 * munmap and mprotect of the memory behind a region, while the guest
 * uses it on another thread: the pages stay pinned, the guest carries on,
 * and all of it is freed with the VM.
 */
TEST(munmap_and_mprotect_under_a_running_guest)
{
	struct runner r = { .stop = false };
	pthread_t t;
	struct guest g;
	void *p;

	NEED_MINIVM();
	ASSERT_EQ(0, start_storing_guest(&r, &g, &p, &t));
	EXPECT_EQ(0, mprotect(p, EXTRA_SIZE, PROT_READ));
	wait_for(&r.io, 100);
	EXPECT_EQ(0, munmap(p, EXTRA_SIZE));
	wait_for(&r.io, 150);
	r.stop = true;
	pthread_join(t, NULL);
	EXPECT_LE(150, r.io);
	EXPECT_EQ(0, r.mmio);
	EXPECT_EQ(0, r.other);
	guest_destroy(&g);
	if (minivm_objects("pinned_pages") >= 0)
		EXPECT_EQ(0, minivm_objects("pinned_pages"));
}

/*
 * Deleting the region while the guest runs: from then on its stores there
 * are MMIO exits.  Adding it back makes them RAM again.
 */
TEST(region_deleted_and_added_under_a_running_guest)
{
	struct runner r = { .stop = false };
	long mmio_seen, io_seen;
	pthread_t t;
	struct guest g;
	void *p;

	NEED_MINIVM();
	ASSERT_EQ(0, start_storing_guest(&r, &g, &p, &t));
	ASSERT_EQ(0, minivm_set_memory(g.vm, 3, EXTRA_GPA, 0, NULL, 0));
	wait_for(&r.mmio, 20);
	mmio_seen = r.mmio;
	EXPECT_LE(20, mmio_seen);
	EXPECT_EQ(EXTRA_GPA, r.mmio_addr);
	ASSERT_EQ(0, minivm_set_memory(g.vm, 3, EXTRA_GPA, EXTRA_SIZE, p, 0));
	/*
	 * RAM again: 50 more rounds, and at most the store and load of the
	 * round the re-add caught in flight still exit as MMIO.
	 */
	mmio_seen = r.mmio;
	io_seen = r.io;
	wait_for(&r.io, io_seen + 50);
	r.stop = true;
	pthread_join(t, NULL);
	EXPECT_LE(io_seen + 50, r.io);
	EXPECT_GE(mmio_seen + 2, r.mmio) TH_LOG("stores still MMIO");
	EXPECT_EQ(0, r.other);
	guest_destroy(&g);
	munmap(p, EXTRA_SIZE);
	if (minivm_objects("pinned_pages") >= 0)
		EXPECT_EQ(0, minivm_objects("pinned_pages"));
}

TEST_HARNESS_MAIN

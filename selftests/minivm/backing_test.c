// SPDX-License-Identifier: GPL-2.0
/*
 * What guest memory may be made of, and what userspace may do to it
 * while a guest runs.  minivm pins a region's pages when the region is
 * set (design.rst, "Guest memory"): a file's pages and huge pages work
 * like anonymous ones, and unmapping or re-protecting the memory later
 * changes nothing for the guest until the region is deleted.  Deleting a
 * region under a running vCPU turns that memory into MMIO at once.
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
 * Huge pages: a 2 MiB-aligned region of 2 MiB pages is mapped by EPT
 * with 2 MiB pages too, so it needs no page tables of the lowest level.
 */
TEST(hugetlb_region_uses_2m_ept_pages)
{
	long pages_before, tables_before, tables_after;
	struct guest g;
	void *p;

	NEED_MINIVM();
	pages_before = read_long("/proc/sys/vm/nr_hugepages");
	write_str("/proc/sys/vm/nr_hugepages", "4");
	p = mmap(NULL, EXTRA_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED) {
		write_str("/proc/sys/vm/nr_hugepages", "0");
		SKIP(return, "no 2 MiB huge pages to be had");
	}
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_store));
	tables_before = minivm_objects("ept_tables");
	ASSERT_EQ(0, minivm_set_memory(g.vm, 3, EXTRA_GPA, EXTRA_SIZE, p, 0));
	tables_after = minivm_objects("ept_tables");
	/* 4 MiB at 4 MiB: two 2 MiB leaves in a directory that exists. */
	if (tables_before >= 0)
		EXPECT_EQ(tables_before, tables_after);
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	EXPECT_EQ(0, ((uint8_t *)p)[0]);
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	EXPECT_EQ(1, ((uint8_t *)p)[0]);
	guest_destroy(&g);
	munmap(p, EXTRA_SIZE);
	if (pages_before >= 0) {
		char n[32];

		snprintf(n, sizeof(n), "%ld", pages_before);
		write_str("/proc/sys/vm/nr_hugepages", n);
	}
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
	*p = mmap(NULL, EXTRA_SIZE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
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
	long mmio_seen;
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
	usleep(100000);
	r.stop = true;
	pthread_join(t, NULL);
	EXPECT_EQ(0, r.other);
	guest_destroy(&g);
	munmap(p, EXTRA_SIZE);
	if (minivm_objects("pinned_pages") >= 0)
		EXPECT_EQ(0, minivm_objects("pinned_pages"));
}

TEST_HARNESS_MAIN

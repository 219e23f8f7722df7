// SPDX-License-Identifier: GPL-2.0
/*
 * MINIVM_SET_MEMORY_REGION: what is accepted, what is refused and with
 * which errno, and what the guest sees of it.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"

#define MB (1UL << 20)

FIXTURE(mem) {
	int dev, vm;
	uint8_t *buf;
};

FIXTURE_SETUP(mem)
{
	self->buf = MAP_FAILED;
	OPEN_VM();
	self->buf = mmap(NULL, 4 * MB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
}

FIXTURE_TEARDOWN(mem)
{
	if (self->buf != MAP_FAILED)
		munmap(self->buf, 4 * MB);
	close_vm(self->dev, self->vm);
}

/* MINIVM_SET_MEMORY_REGION's errno, or 0. */
static int set_region(int vm, uint32_t slot, uint64_t gpa, uint64_t size,
		      void *host, uint32_t flags)
{
	return -minivm_set_memory(vm, slot, gpa, size, host, flags);
}

TEST_F(mem, create_and_delete)
{
	NEED_VM();
	EXPECT_EQ(0, set_region(self->vm, 0, 0, MB, self->buf, 0));
	EXPECT_EQ(0, set_region(self->vm, 0, 0, 0, NULL, 0));
	/* Deleted: the slot and the range are free again. */
	EXPECT_EQ(0, set_region(self->vm, 0, 0, MB, self->buf, 0));
}

TEST_F(mem, overlap_is_eexist)
{
	NEED_VM();
	ASSERT_EQ(0, set_region(self->vm, 0, MB, MB, self->buf, 0));
	EXPECT_EQ(EEXIST, set_region(self->vm, 1, MB, 4096, self->buf + MB, 0));
	EXPECT_EQ(EEXIST, set_region(self->vm, 1, MB - 4096, 8192,
				     self->buf + MB, 0));
	EXPECT_EQ(EEXIST, set_region(self->vm, 1, 2 * MB - 4096, MB,
				     self->buf + MB, 0));
	EXPECT_EQ(EEXIST, set_region(self->vm, 1, 0, 4 * MB, self->buf, 0));
	/* A slot in use cannot be redefined in place. */
	EXPECT_EQ(EEXIST, set_region(self->vm, 0, 3 * MB, 4096, self->buf, 0));
	/* Touching is not overlapping. */
	EXPECT_EQ(0, set_region(self->vm, 1, 2 * MB, MB, self->buf + 2 * MB, 0));
	EXPECT_EQ(0, set_region(self->vm, 2, 0, MB, self->buf + 3 * MB, 0));
}

TEST_F(mem, misalignment_is_einval)
{
	NEED_VM();
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 1, MB, self->buf, 0));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, MB - 1, self->buf, 0));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, MB, self->buf + 1, 0));
}

TEST_F(mem, bad_slot_and_flags_are_einval)
{
	NEED_VM();
	EXPECT_EQ(EINVAL, set_region(self->vm, MINIVM_MAX_MEMSLOTS, 0, MB,
				     self->buf, 0));
	EXPECT_EQ(EINVAL, set_region(self->vm, ~0U, 0, MB, self->buf, 0));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, MB, self->buf, 2));
	/* Deleting an empty slot. */
	EXPECT_EQ(EINVAL, set_region(self->vm, 5, 0, 0, NULL, 0));
}

TEST_F(mem, oversize_is_e2big)
{
	NEED_VM();
	EXPECT_EQ(E2BIG, set_region(self->vm, 0, 0, MINIVM_MAX_SLOT_SIZE + 4096,
				    self->buf, 0));
	EXPECT_EQ(E2BIG, set_region(self->vm, 0, MINIVM_MAX_GPA, 4096,
				    self->buf, 0));
	EXPECT_EQ(E2BIG, set_region(self->vm, 0, MINIVM_MAX_GPA - 4096, 8192,
				    self->buf, 0));
	EXPECT_EQ(E2BIG, set_region(self->vm, 0, ~0ULL & ~4095ULL, 4096,
				    self->buf, 0));
}

TEST_F(mem, unmapped_or_readonly_memory_is_efault)
{
	void *ro;

	NEED_VM();
	/* Nothing is mapped at the very end of the user address space. */
	EXPECT_EQ(EFAULT, set_region(self->vm, 0, 0, 4096,
				     (void *)0x7ffffffff000UL, 0));
	EXPECT_EQ(EFAULT, set_region(self->vm, 0, 0, 4096,
				     (void *)0xffffffff81000000UL, 0));
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(EFAULT, set_region(self->vm, 0, 0, 4096, ro, 0));
	/* ... but read-only memory makes a fine read-only slot. */
	EXPECT_EQ(0, set_region(self->vm, 0, 0, 4096, ro, MINIVM_MEM_READONLY));
	EXPECT_EQ(0, set_region(self->vm, 0, 0, 0, NULL, 0));
	munmap(ro, 4096);
}

TEST_F(mem, bad_pointer_is_efault)
{
	NEED_VM();
	EXPECT_EQ(-1, ioctl(self->vm, MINIVM_SET_MEMORY_REGION, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(mem, all_slots_then_no_more)
{
	unsigned int i;

	NEED_VM();
	for (i = 0; i < MINIVM_MAX_MEMSLOTS; i++)
		EXPECT_EQ(0, set_region(self->vm, i, i * 4096ULL, 4096,
					self->buf + i * 4096, 0));
	EXPECT_EQ(MINIVM_MAX_MEMSLOTS,
		  ioctl(self->dev, MINIVM_CHECK_EXTENSION, MINIVM_CAP_NR_MEMSLOTS));
	/* A 33rd slot id does not exist, whatever it would map. */
	EXPECT_EQ(EINVAL, set_region(self->vm, MINIVM_MAX_MEMSLOTS,
				     MINIVM_MAX_MEMSLOTS * 4096ULL, 4096,
				     self->buf, 0));
}

/* The guest and the VMM share the pages: both see each other's writes. */
GUEST_CODE(g_share,
	"mov 0x3000, %eax\n out %eax, $0x80\n"
	"movl $0xfeedf00d, 0x3004\n hlt");

TEST(guest_and_vmm_share_memory)
{
	struct guest g;
	uint32_t data;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_share));
	*(uint32_t *)(g.mem + 0x3000) = 0xcafe1234;
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	memcpy(&data, minivm_io_data(g.cpu.run), 4);
	EXPECT_EQ(0xcafe1234, data);
	ASSERT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	EXPECT_EQ(0xfeedf00d, *(uint32_t *)(g.mem + 0x3004));
	guest_destroy(&g);
}

/*
 * Read-only memory: reads see it, writes exit as MMIO and change nothing.
 * (32-bit only: the slot at 2 MiB is out of a 16-bit offset's reach.)
 */
GUEST_CODE_ONLY(g_ro, 32,
	"mov 0x200000, %eax\n out %eax, $0x80\n"
	"movl $0x12345678, 0x200000\n hlt");

TEST(readonly_slot_writes_are_mmio)
{
	struct minivm_run *run;
	struct guest g;
	uint32_t data;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_ro));
	run = g.cpu.run;
	*(uint32_t *)(g.mem + GUEST_RO) = 0xabcdef01;
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	memcpy(&data, minivm_io_data(run), 4);
	EXPECT_EQ(0xabcdef01, data);
	ASSERT_EQ(MINIVM_EXIT_MMIO, guest_run(&g));
	EXPECT_EQ(GUEST_RO, run->mmio.phys_addr);
	EXPECT_TRUE(run->mmio.is_write);
	EXPECT_EQ(4, run->mmio.len);
	memcpy(&data, run->mmio.data, 4);
	EXPECT_EQ(0x12345678, data);
	ASSERT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	EXPECT_EQ(0xabcdef01, *(uint32_t *)(g.mem + GUEST_RO));
	guest_destroy(&g);
}

/* A deleted slot's range becomes MMIO for a running guest. */
GUEST_CODE(g_deleted, "mov 0x3000, %eax\n hlt\n mov 0x3000, %eax\n hlt");

TEST(deleted_slot_becomes_mmio)
{
	struct minivm_run *run;
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_deleted));
	run = g.cpu.run;
	ASSERT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	/* Slot 0 holds 0..0xdfff; take it away (the code is in slot 1). */
	ASSERT_EQ(0, minivm_set_memory(g.vm, 0, 0, 0, NULL, 0));
	ASSERT_EQ(MINIVM_EXIT_MMIO, guest_run(&g));
	EXPECT_EQ(0x3000, run->mmio.phys_addr);
	EXPECT_FALSE(run->mmio.is_write);
	guest_destroy(&g);
}

TEST_HARNESS_MAIN

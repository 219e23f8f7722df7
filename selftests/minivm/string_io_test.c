// SPDX-License-Identifier: GPL-2.0
/*
 * String I/O: OUTS and INS, with and without REP, in every mode.  The data
 * travels through the run page, a page of guest memory at a time.
 */
#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"

GUEST_FIXTURE(sio);
FIXTURE_VARIANT_ADD(sio, real) { .mode = MINIVM_MODE_REAL };
FIXTURE_VARIANT_ADD(sio, protected) { .mode = MINIVM_MODE_PROTECTED };
FIXTURE_VARIANT_ADD(sio, long) { .mode = MINIVM_MODE_LONG };

static void fill(uint8_t *p, unsigned int n, uint8_t seed)
{
	while (n--)
		*p++ = seed++;
}

GUEST_CODE(g_outsb, "mov $0x5000, %esi\n mov $0xe9, %dx\n outsb\n hlt");

TEST_F(sio, single_outsb)
{
	struct minivm_run *run;

	GUEST_START(g_outsb);
	run = self->g.cpu.run;
	self->g.mem[0x5000] = 0x7e;
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&self->g));
	EXPECT_EQ(MINIVM_EXIT_IO_OUT, run->io.direction);
	EXPECT_EQ(0xe9, run->io.port);
	EXPECT_EQ(1, run->io.size);
	EXPECT_EQ(1, run->io.count);
	EXPECT_EQ(0x7e, minivm_io_data(run)[0]);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/* REP OUTSW of 4 words that cross a page: two exits, 2 words each. */
GUEST_CODE(g_rep_outsw,
	"mov $0x5ffc, %esi\n mov $0x80, %dx\n mov $4, %ecx\n rep outsw\n"
	"mov %ecx, %eax\n out %eax, $0x84\n mov %esi, %eax\n out %eax, $0x84\n"
	"hlt");

TEST_F(sio, rep_outsw_across_a_page)
{
	struct minivm_run *run;
	uint32_t v;

	GUEST_START(g_rep_outsw);
	run = self->g.cpu.run;
	fill(self->g.mem + 0x5ffc, 8, 1);
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&self->g));
	EXPECT_EQ(2, run->io.size);
	EXPECT_EQ(2, run->io.count);
	EXPECT_EQ(0, memcmp(minivm_io_data(run), self->g.mem + 0x5ffc, 4));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&self->g));
	EXPECT_EQ(0x80, run->io.port);
	EXPECT_EQ(2, run->io.count);
	EXPECT_EQ(0, memcmp(minivm_io_data(run), self->g.mem + 0x6000, 4));
	/* Afterwards RCX is 0 and RSI has moved on by 8. */
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&self->g));
	memcpy(&v, minivm_io_data(run), 4);
	EXPECT_EQ(0, v);
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&self->g));
	memcpy(&v, minivm_io_data(run), 4);
	EXPECT_EQ(0x6004, v);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/* REP INSB: userspace's bytes land in guest memory at ES:RDI. */
GUEST_CODE(g_rep_insb,
	"mov $0x7000, %edi\n mov $0x60, %dx\n mov $16, %ecx\n rep insb\n hlt");

TEST_F(sio, rep_insb_fills_guest_memory)
{
	struct minivm_run *run;
	uint8_t want[16];

	GUEST_START(g_rep_insb);
	run = self->g.cpu.run;
	fill(want, 16, 0x30);
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&self->g));
	EXPECT_EQ(MINIVM_EXIT_IO_IN, run->io.direction);
	EXPECT_EQ(0x60, run->io.port);
	ASSERT_EQ(16, run->io.count);
	memcpy(minivm_io_data(run), want, 16);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
	EXPECT_EQ(0, memcmp(want, self->g.mem + 0x7000, 16));
}

/* The memory an INS was to fill is gone before the next RUN: EFAULT. */
TEST(ins_into_deleted_memory_is_efault)
{
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_rep_insb));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	/* 0x7000 is in slot 0 (0..0xdfff); the code is in slot 1. */
	ASSERT_EQ(0, minivm_set_memory(g.vm, 0, 0, 0, NULL, 0));
	EXPECT_EQ(-EFAULT, minivm_run(&g.cpu));
	guest_destroy(&g);
}

/* 5000 bytes: more than a run page holds, delivered in order. */
GUEST_CODE(g_big,
	"mov $0x20000, %esi\n mov $0xe9, %dx\n mov $5000, %ecx\n rep outsb\n hlt");

TEST_F(sio, rep_outsb_of_5000_bytes)
{
	struct minivm_run *run;
	unsigned int got = 0, exits = 0;
	bool same = true;

	if (variant->mode == MINIVM_MODE_REAL)
		SKIP(return, "0x20000 is beyond a real-mode offset");
	GUEST_START(g_big);
	run = self->g.cpu.run;
	fill(self->g.mem + 0x20000, 5000, 0);
	while (guest_run(&self->g) == MINIVM_EXIT_IO && exits++ < 100) {
		same &= !memcmp(minivm_io_data(run),
				self->g.mem + 0x20000 + got, run->io.count);
		got += run->io.count;
	}
	EXPECT_EQ(MINIVM_EXIT_HLT, run->exit_reason);
	EXPECT_EQ(5000, got);
	EXPECT_TRUE(same);
}

/*
 * The page walk for a string operand follows the guest's permissions: a
 * CPL 0 REP INSB into a page its page directory makes read-only, with
 * CR0.WP set, is refused (an internal error, the memory untouched),
 * where minivm once wrote it.  The guest clears R/W in the PDE of its
 * first 4 MiB, sets CR0.WP and flushes the TLB first.
 */
GUEST_CODE_ONLY(g_ins_readonly, 32,
	"mov %cr3, %ebx\n andl $~2, (%ebx)\n"
	"mov %cr0, %eax\n or $0x10000, %eax\n mov %eax, %cr0\n"
	"mov %ebx, %cr3\n"
	"mov $0x20000, %edi\n mov $0x60, %dx\n mov $4, %ecx\n"
	"cld\n rep insb\n hlt");

TEST(ins_into_a_page_the_guest_made_read_only)
{
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PAGED, g_ins_readonly));
	EXPECT_EQ(MINIVM_EXIT_INTERNAL_ERROR, guest_run(&g))
		TH_LOG("exit %u", g.cpu.run->exit_reason);
	EXPECT_EQ(MINIVM_INTERNAL_UNEXPECTED_EXIT, g.cpu.run->internal.suberror);
	EXPECT_EQ(30, g.cpu.run->internal.data[0]);	/* I/O instruction */
	guest_destroy(&g);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Guests that reach for memory that is not theirs: descriptor tables,
 * stacks and page tables outside RAM, writes all over guest-physical
 * space, another VM's pages, string I/O that runs off the end of RAM.
 * Each gets a defined answer: an MMIO exit with the right address, or
 * an internal error that says what the CPU could not reach.  None of
 * them may write a byte of RAM it does not own, and none may disturb the
 * host (the host-state oracle below, and the kernel-log check after the
 * run).  hostile_test.c has the guests that misbehave with instructions.
 */
#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"
#include "host_state.h"

/* Every guest here runs under the host-state oracle (host_state.h). */
static void __attribute__((constructor)) check_the_host(void)
{
	if (minivm_present())
		host_state_install();
}

#define NOT_RAM		0xe00000UL	/* in no slot, below 16 MiB */

/*
 * The cases every processor mode gets: GUEST_FIXTURE makes one variant
 * per mode.  The IDTR/GDTR image these guests load is written at 7FF0h.
 */
GUEST_FIXTURE(anymode);
FIXTURE_VARIANT_ADD(anymode, real) { .mode = MINIVM_MODE_REAL };
FIXTURE_VARIANT_ADD(anymode, protected) { .mode = MINIVM_MODE_PROTECTED };
FIXTURE_VARIANT_ADD(anymode, paged) { .mode = MINIVM_MODE_PAGED };
FIXTURE_VARIANT_ADD(anymode, long) { .mode = MINIVM_MODE_LONG };

/* An exception through the IDT the guest loads from 7FF0h. */
GUEST_CODE(g_int3, "lidt 0x7ff0\n int3\n hlt");

/* The IDT outside RAM: delivering int3 needs memory that is not there. */
TEST_F(anymode, idt_outside_ram_is_a_delivery_error)
{
	struct minivm_run *run;

	GUEST_START(g_int3);
	run = self->g.cpu.run;
	guest_write_dtr(self->g.mem, 0xfff, NOT_RAM);
	ASSERT_EQ(MINIVM_EXIT_INTERNAL_ERROR, guest_run(&self->g));
	EXPECT_EQ(MINIVM_INTERNAL_DELIVERY, run->internal.suberror);
	EXPECT_EQ(3, run->internal.data[0] & 0xff);	/* vector 3 */
	EXPECT_EQ(NOT_RAM, run->internal.data[1] & ~0xfffULL);
}

/* A stack in the MMIO hole: PUSH is no MOV, so nothing to emulate. */
GUEST_CODE(g_push, "mov $0xe800, %esp\n push %ax\n hlt");

TEST_F(anymode, stack_outside_ram_is_a_decode_error)
{
	struct minivm_run *run;

	GUEST_START(g_push);
	run = self->g.cpu.run;
	ASSERT_EQ(MINIVM_EXIT_INTERNAL_ERROR, guest_run(&self->g));
	EXPECT_EQ(MINIVM_INTERNAL_MMIO_DECODE, run->internal.suberror);
	EXPECT_EQ(0xe000, run->internal.data[0] & ~0xfffULL);
}

/*
 * A fault delivered through an IVT the guest has not touched yet: the
 * EPT violation that maps page 0 cuts its delivery short, and minivm
 * delivers it again (minivm_redeliver()).  Nothing pushes an error code
 * in real mode, so none may be redelivered there (VM entry would refuse
 * the injection); Bochs reports one for this #GP.  The word at DS:FFFFh
 * crosses the segment's limit: #GP, whose handler reports on port 8Dh.
 */
GUEST_FIXTURE(realmode);
FIXTURE_VARIANT_ADD(realmode, real) { .mode = MINIVM_MODE_REAL };

GUEST_CODE_ONLY(g_gp_ivt, 16,
	"0: mov $0xffff, %bx\n mov (%bx), %ax\n hlt\n"
	".fill 0x20 - (. - 0b), 1, 0x90\n out %al, $0x8d\n hlt");

TEST_F(realmode, fault_through_an_ivt_not_yet_mapped)
{
	GUEST_START(g_gp_ivt);
	ASSERT_EQ(0, guest_set_handler(&self->g, variant->mode, 13, 0x20));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&self->g))
		TH_LOG("%s", minivm_exit_name(self->g.cpu.run->exit_reason));
	EXPECT_EQ(0x8d, self->g.cpu.run->io.port);
}

/*
 * A GDT outside RAM, then a segment load.  Real mode reads no
 * descriptor and carries on; the other modes' descriptor read is not RAM.
 */
GUEST_CODE(g_bad_gdt, "lgdt 0x7ff0\n mov $0x10, %ax\n mov %ax, %ds\n hlt");

TEST_F(anymode, gdt_outside_ram)
{
	struct minivm_run *run;

	GUEST_START(g_bad_gdt);
	run = self->g.cpu.run;
	guest_write_dtr(self->g.mem, 0xffff, NOT_RAM);
	if (variant->mode == MINIVM_MODE_REAL) {
		EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
		return;
	}
	ASSERT_EQ(MINIVM_EXIT_INTERNAL_ERROR, guest_run(&self->g));
	EXPECT_EQ(MINIVM_INTERNAL_MMIO_DECODE, run->internal.suberror);
	EXPECT_EQ(NOT_RAM, run->internal.data[0] & ~0xfffULL);
}

/*
 * Guest page tables outside RAM: the page directory entry for linear
 * 1 GiB names a page table in the MMIO hole.  The CPU's walk, not the
 * MOV, touches that address, so there is nothing to emulate and nothing
 * a device was asked: the RUN ends with MINIVM_INTERNAL_PAGE_WALK.  (Had
 * minivm emulated the MOV, the store would reach userspace as an MMIO
 * write to the page table's address.)
 */
GUEST_FIXTURE(pagemode);
FIXTURE_VARIANT_ADD(pagemode, paged) { .mode = MINIVM_MODE_PAGED };
FIXTURE_VARIANT_ADD(pagemode, long) { .mode = MINIVM_MODE_LONG };

#define ONE_GIB	0x40000000UL

GUEST_CODE(g_load_1g, "mov $0x40000000, %ebx\n mov (%ebx), %eax\n hlt");
GUEST_CODE(g_store_1g, "mov $0x40000000, %ebx\n movl $0x5a, (%ebx)\n hlt");

/* The entry that maps linear ONE_GIB (modes.c's layout, guest.h). */
static void page_table_at(uint8_t *mem, int mode, uint64_t table)
{
	if (mode == MINIVM_MODE_PAGED)	/* 1024 PSE entries of 4 bytes */
		*(uint32_t *)(mem + GUEST_TABLES + 0x1000 + 256 * 4) =
			table | 3;
	else				/* PD 1 of 4, entry 0 */
		*(uint64_t *)(mem + GUEST_TABLES + 0x3000 + 512 * 8) =
			table | 3;
}

static void expect_page_walk_error(struct __test_metadata *_metadata,
				   struct guest *g)
{
	struct minivm_run *run = g->cpu.run;

	ASSERT_EQ(MINIVM_EXIT_INTERNAL_ERROR, guest_run(g))
		TH_LOG("%s at %#llx", minivm_exit_name(run->exit_reason),
		       (unsigned long long)run->mmio.phys_addr);
	EXPECT_EQ(MINIVM_INTERNAL_PAGE_WALK, run->internal.suberror);
	EXPECT_EQ(NOT_RAM, run->internal.data[0] & ~0xfffULL);
	EXPECT_EQ(ONE_GIB, run->internal.data[2]);
}

TEST_F(pagemode, load_through_a_page_table_outside_ram)
{
	GUEST_START(g_load_1g);
	page_table_at(self->g.mem, variant->mode, NOT_RAM);
	expect_page_walk_error(_metadata, &self->g);
}

TEST_F(pagemode, store_through_a_page_table_outside_ram)
{
	GUEST_START(g_store_1g);
	page_table_at(self->g.mem, variant->mode, NOT_RAM);
	expect_page_walk_error(_metadata, &self->g);
}

/*
 * Writes all over the 4 GiB of 32-bit guest-physical space outside the
 * slots, one every 64 MiB: each is an MMIO exit with its own address, and
 * none lands in the guest's (or anyone's) RAM.
 */
GUEST_CODE_ONLY(g_scatter, 32,
	"mov $0x4000000, %ebx\n"
	"1: movl $0x5a5a5a5a, (%ebx)\n add $0x4000000, %ebx\n jnz 1b\n hlt");

TEST(writes_outside_ram_are_all_mmio)
{
	struct minivm_run *run;
	uint64_t addr, sum = 0;
	struct guest g;
	size_t i;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_scatter));
	run = g.cpu.run;
	for (addr = 0x4000000; addr < 0x100000000ULL; addr += 0x4000000) {
		ASSERT_EQ(MINIVM_EXIT_MMIO, guest_run(&g));
		EXPECT_EQ(addr, run->mmio.phys_addr);
		EXPECT_EQ(4, run->mmio.len);
		EXPECT_TRUE(run->mmio.is_write);
	}
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	for (i = 0; i < GUEST_MEM_SIZE; i += 4)
		sum += *(uint32_t *)(g.mem + i) == 0x5a5a5a5a;
	EXPECT_EQ(0, sum);
	guest_destroy(&g);
}

/* Two VMs at the same guest-physical address see their own memory. */
GUEST_CODE_ONLY(g_poke, 32, "movl $0x11223344, 0x5000\n mov 0x5004, %eax\n"
		     "out %eax, $0x80\n hlt");

TEST(two_vms_cannot_see_each_other)
{
	struct guest a, b;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&a, MINIVM_MODE_PROTECTED, g_poke));
	ASSERT_EQ(0, guest_create(&b, MINIVM_MODE_PROTECTED, g_poke));
	memcpy(a.mem + 0x5004, "AAAA", 4);
	memcpy(b.mem + 0x5004, "BBBB", 4);
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&a));
	EXPECT_EQ(0, memcmp(minivm_io_data(a.cpu.run), "AAAA", 4));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&b));
	EXPECT_EQ(0, memcmp(minivm_io_data(b.cpu.run), "BBBB", 4));
	EXPECT_EQ(0x11223344, *(uint32_t *)(a.mem + 0x5000));
	EXPECT_EQ(0x11223344, *(uint32_t *)(b.mem + 0x5000));
	/* Each wrote its own page: clear one, the other keeps its value. */
	*(uint32_t *)(a.mem + 0x5000) = 0;
	EXPECT_EQ(0x11223344, *(uint32_t *)(b.mem + 0x5000));
	guest_destroy(&a);
	guest_destroy(&b);
}

/*
 * REP OUTSB with a 4-billion count: each exit moves what fits in the run
 * page and in the rest of the guest's page, never more, and RSI and RCX
 * account for exactly what was moved.
 */
GUEST_CODE_ONLY(g_huge_outsb, 32, "mov $0x100800, %esi\n mov $0xffffffff, %ecx\n"
			   "mov $0xe9, %dx\n rep outsb\n hlt");

TEST(rep_outsb_with_a_huge_count)
{
	uint64_t moved = 0, rsi = 0x100800;
	struct minivm_run *run;
	struct minivm_regs r;
	struct guest g;
	int i;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_huge_outsb));
	run = g.cpu.run;
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
		EXPECT_EQ(0xe9, run->io.port);
		EXPECT_LE(1, run->io.count);
		EXPECT_LE(run->io.count, 4096 - MINIVM_RUN_IO_DATA_OFFSET);
		EXPECT_LE((rsi & 4095) + run->io.count, 4096);
		EXPECT_EQ(0, memcmp(minivm_io_data(run), g.mem + rsi,
				    run->io.count));
		rsi += run->io.count;
		moved += run->io.count;
	}
	ASSERT_EQ(0, minivm_get_regs(&g.cpu, &r));
	EXPECT_EQ(0xffffffffULL - moved, r.rcx);
	EXPECT_EQ(rsi, r.rsi);
	guest_destroy(&g);
}

/* REP INSB into memory that is not RAM: nothing is written, the VMM hears. */
GUEST_CODE_ONLY(g_insb_bad, 32, "mov $0xe00000, %edi\n mov $16, %ecx\n"
			 "mov $0x60, %dx\n rep insb\n hlt");

TEST(rep_insb_into_non_ram_is_an_error)
{
	struct minivm_run *run;
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_insb_bad));
	run = g.cpu.run;
	ASSERT_EQ(MINIVM_EXIT_INTERNAL_ERROR, guest_run(&g));
	EXPECT_EQ(MINIVM_INTERNAL_UNEXPECTED_EXIT, run->internal.suberror);
	EXPECT_EQ(30, run->internal.data[0]);		/* I/O instruction */
	guest_destroy(&g);
}

/* REP INSB into the read-only slot: not writable, same answer. */
GUEST_CODE_ONLY(g_insb_ro, 32, "mov $0x200000, %edi\n mov $16, %ecx\n"
			"mov $0x60, %dx\n rep insb\n hlt");

TEST(rep_insb_into_readonly_memory_is_an_error)
{
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_insb_ro));
	ASSERT_EQ(MINIVM_EXIT_INTERNAL_ERROR, guest_run(&g));
	EXPECT_EQ(MINIVM_INTERNAL_UNEXPECTED_EXIT,
		  g.cpu.run->internal.suberror);
	guest_destroy(&g);
}

/* REP OUTSB running off the end of the last slot: data, then an error. */
GUEST_CODE_ONLY(g_outsb_off_end, 32, "mov $0x200ff0, %esi\n mov $64, %ecx\n"
			      "mov $0xe9, %dx\n rep outsb\n hlt");

TEST(rep_outsb_off_the_end_of_ram)
{
	struct minivm_run *run;
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_outsb_off_end));
	run = g.cpu.run;
	memcpy(g.mem + 0x200ff0, "0123456789abcdef", 16);
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	EXPECT_EQ(16, run->io.count);
	EXPECT_EQ(0, memcmp(minivm_io_data(run), "0123456789abcdef", 16));
	ASSERT_EQ(MINIVM_EXIT_INTERNAL_ERROR, guest_run(&g));
	EXPECT_EQ(MINIVM_INTERNAL_UNEXPECTED_EXIT, run->internal.suberror);
	guest_destroy(&g);
}


TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * The APIC-access page (kmod/lapic_access_page.c): the CPU serves the
 * xAPIC page at FEE00000h itself, and the guest cannot tell.
 *
 *   - Loads of the registers the CPU virtualizes, stores to TPR and EOI,
 *     and a self-IPI make no exit at all.
 *   - Stores minivm must act on exit after the fact (APIC-write exits)
 *     and still act: a new timer mode stops the timer, TMICT is ignored
 *     in TSC-deadline mode.  Loads of TMCCT (APIC-access exits) count.
 *   - The page is the VM's, each APIC's base its own: once the APIC moves
 *     away from FEE00000h or enters x2APIC mode, FEE00000h is MMIO for
 *     userspace again; back at FEE00000h, it is the APIC again.
 *   - A memory slot over FEE00000h is RAM, even one made after the guest
 *     has used the page, and the APIC is back when the slot goes.
 *   - What cannot be emulated (the IDT in the page, code run from it)
 *     ends RUN with the internal error it ends with without the page.
 *
 * Every test runs with the CPU's virtualization (where it has it) and
 * without (.emulated): the guest must see the same; the exit counts are
 * what tell the two apart, and show that the counts can fail.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "lapic_guest.h"

/* Basic exit reasons (SDM Vol. 3D, "VMX Basic Exit Reasons"). */
#define EXIT_APIC_ACCESS	44
#define EXIT_EPT_VIOLATION	48
#define EXIT_APIC_WRITE		56

#define APIC_VERSION	0x50014

LAPIC_FIXTURE(page);
FIXTURE_VARIANT_ADD(page, protected) { .mode = MINIVM_MODE_PROTECTED };
FIXTURE_VARIANT_ADD(page, long) { .mode = MINIVM_MODE_LONG };
FIXTURE_VARIANT_ADD(page, protected_emulated) {
	.mode = MINIVM_MODE_PROTECTED, .emulated = true };
FIXTURE_VARIANT_ADD(page, long_emulated) {
	.mode = MINIVM_MODE_LONG, .emulated = true };

/* The exits that reach the APIC's page, now. */
struct apic_exits {
	long ept, access, write;
};

static struct apic_exits apic_exits(void)
{
	struct apic_exits e = {
		minivm_exit_count(EXIT_EPT_VIOLATION),
		minivm_exit_count(EXIT_APIC_ACCESS),
		minivm_exit_count(EXIT_APIC_WRITE),
	};

	return e;
}

/* The next exit is an MMIO load at @gpa, answered with @val. */
static void answer_mmio_read(struct __test_metadata *_metadata,
			     struct guest *g, uint64_t gpa, uint32_t val)
{
	int exit = guest_run(g);

	ASSERT_EQ(MINIVM_EXIT_MMIO, exit)
		TH_LOG("%s, not MMIO at %#llx", minivm_exit_name(exit),
		       (unsigned long long)gpa);
	EXPECT_EQ(gpa, g->cpu.run->mmio.phys_addr);
	EXPECT_FALSE(g->cpu.run->mmio.is_write);
	memcpy(g->cpu.run->mmio.data, &val, sizeof(val));
}

/*
 * From the OUT to 80h on: TPR written and read back into ESI, a self-IPI
 * of 50h taken at once (its handler writes EOI), ISR[95:64] read into
 * EDI, the version into EBP.  Six accesses to the page.
 */
GUEST_CODE(g_quiet,
	"0:" XHANDLER(0x00, 0x81)
	MAIN APIC_PAGE SVR_ON "out %al, $0x80\n sti\n"
	APIC_WR(0x80, 0x20) APIC_RD(0x80) "mov %eax, %esi\n"
	APIC_WR(0x300, 0x40050) APIC_RD(0x120) "mov %eax, %edi\n"
	APIC_RD(0x30) "mov %eax, %ebp\n"
	"out %al, $0x85\n cli\n hlt");

TEST_F(page, loads_tpr_eoi_and_self_ipi_make_no_exit)
{
	static const struct lapic_handler h[] = { { 0x50, 0x00 } };
	struct guest *g = &self->g;
	bool virt = NEED_APICV(MINIVM_APICV_XAPIC);
	struct apic_exits before, after;
	struct minivm_regs r;

	ASSERT_EQ(0, lapic_start(g, variant->mode, g_quiet, h, 1));
	lapic_expect_out(_metadata, g, 0x80);
	before = apic_exits();
	if (before.ept < 0)
		SKIP(return, "no " MINIVM_EXITS);
	lapic_expect_out(_metadata, g, 0x81);
	lapic_expect_out(_metadata, g, 0x85);
	after = apic_exits();
	ASSERT_EQ(0, minivm_get_regs(&g->cpu, &r));
	EXPECT_EQ(0x20, r.rsi);
	EXPECT_EQ(0, r.rdi);			/* 50h ended */
	EXPECT_EQ(APIC_VERSION, r.rbp);
	EXPECT_EQ(before.ept + (virt ? 0 : 6), after.ept);
	EXPECT_EQ(before.access, after.access);
	EXPECT_EQ(before.write, after.write);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * The timer through the page: one-shot with TMICT set, TMCCT read into
 * ESI; then TSC-deadline mode, which disarms it: TMICT (EDI) and TMCCT
 * (EBP) read 0, although the page held the new mode before minivm saw
 * the store.  There a TMICT store is ignored: TMICT is reported on 81h.
 */
GUEST_CODE(g_timer,
	"0:" MAIN APIC_PAGE SVR_ON APIC_WR(0x3e0, 0xb) APIC_WR(0x320, 0x10040)
	"out %al, $0x80\n"
	APIC_WR(0x380, 1000000000) APIC_RD(0x390) "mov %eax, %esi\n"
	APIC_WR(0x320, 0x50040) APIC_RD(0x380) "mov %eax, %edi\n"
	APIC_RD(0x390) "mov %eax, %ebp\n"
	APIC_WR(0x380, 12345) APIC_RD(0x380)
	REPORT(0x81) "out %al, $0x85\n cli\n hlt");

TEST_F(page, timer_stores_still_act_after_the_fact)
{
	struct guest *g = &self->g;
	bool virt = NEED_APICV(MINIVM_APICV_XAPIC);
	struct apic_exits before, after;
	struct minivm_regs r;

	ASSERT_EQ(0, lapic_start(g, variant->mode, g_timer, NULL, 0));
	lapic_expect_out(_metadata, g, 0x80);
	before = apic_exits();
	if (before.ept < 0)
		SKIP(return, "no " MINIVM_EXITS);
	EXPECT_EQ(0, lapic_expect_out(_metadata, g, 0x81))
		TH_LOG("TMICT took a store in TSC-deadline mode");
	lapic_expect_out(_metadata, g, 0x85);
	after = apic_exits();
	ASSERT_EQ(0, minivm_get_regs(&g->cpu, &r));
	EXPECT_LT(0, r.rsi);
	EXPECT_GE(1000000000, r.rsi);
	EXPECT_EQ(0, r.rdi) TH_LOG("a new timer mode left TMICT");
	EXPECT_EQ(0, r.rbp) TH_LOG("a new timer mode left the timer running");
	if (virt) {	/* 2 TMICT stores and 1 LVT store; TMCCT twice */
		EXPECT_EQ(before.write + 3, after.write);
		EXPECT_EQ(before.access + 2, after.access);
	} else {
		EXPECT_EQ(before.write, after.write);
		EXPECT_EQ(before.access, after.access);
	}
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * The APIC moves to FEB00000h: FEE00000h is userspace's (it answers
 * 1234h), FEB00000h the APIC's.  Back at FEE00000h, the APIC answers
 * there again.  In x2APIC mode, FEE00000h is userspace's once more.
 */
#define WRMSR_BASE(val)	"mov $0x1b, %ecx\n mov $" #val ", %eax\n"	\
			"xor %edx, %edx\n wrmsr\n"

GUEST_CODE(g_moved,
	"0:" MAIN APIC_PAGE SVR_ON WRMSR_BASE(0xfeb00900)
	APIC_RD(0x30) REPORT(0x80)
	"mov $0xfeb00000, %ebx\n" APIC_RD(0x30) REPORT(0x81)
	WRMSR_BASE(0xfee00900) "mov $0xfee00000, %ebx\n"
	APIC_RD(0x30) REPORT(0x82)
	WRMSR_BASE(0xfee00d00) APIC_RD(0x30) REPORT(0x83)
	"cli\n hlt");

TEST_F(page, fee00000_is_the_apic_only_while_the_apic_is_there)
{
	struct guest *g = &self->g;

	NEED_APICV(MINIVM_APICV_XAPIC);
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_moved, NULL, 0));
	answer_mmio_read(_metadata, g, 0xfee00030, 0x1234);
	EXPECT_EQ(0x1234, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(APIC_VERSION, lapic_expect_out(_metadata, g, 0x81));
	EXPECT_EQ(APIC_VERSION, lapic_expect_out(_metadata, g, 0x82));
	answer_mmio_read(_metadata, g, 0xfee00030, 0x5678);
	EXPECT_EQ(0x5678, lapic_expect_out(_metadata, g, 0x83));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * The version read three times: with the page in use, then with a slot
 * of RAM over FEE00000h (its word at 30h reads back), then with the slot
 * gone.
 */
GUEST_CODE(g_ram,
	"0:" MAIN APIC_PAGE SVR_ON APIC_RD(0x30) REPORT(0x80)
	APIC_RD(0x30) REPORT(0x81) APIC_RD(0x30) REPORT(0x82)
	"cli\n hlt");

TEST_F(page, a_slot_over_fee00000_is_ram)
{
	struct guest *g = &self->g;
	uint32_t *ram;

	NEED_APICV(MINIVM_APICV_XAPIC);
	ram = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ram);
	ram[0x30 / 4] = 0xabcd1234;
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_ram, NULL, 0));
	EXPECT_EQ(APIC_VERSION, lapic_expect_out(_metadata, g, 0x80));
	ASSERT_EQ(0, minivm_set_memory(g->vm, 3, 0xfee00000, 4096, ram, 0));
	EXPECT_EQ(0xabcd1234, lapic_expect_out(_metadata, g, 0x81))
		TH_LOG("the new slot did not hide the APIC");
	ASSERT_EQ(0, minivm_set_memory(g->vm, 3, 0xfee00000, 0, ram, 0));
	EXPECT_EQ(APIC_VERSION, lapic_expect_out(_metadata, g, 0x82));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
	munmap(ram, 4096);
}

/* An IDT at FEE00000h: the delivery of INT 40h reads the APIC's page. */
GUEST_CODE(g_idt,
	"0:" MAIN APIC_PAGE SVR_ON
	"movw $0xfff, 0x5000\n movl $0xfee00000, 0x5002\n movl $0, 0x5006\n"
	"lidt 0x5000\n int $0x40\n hlt");

TEST_F(page, an_idt_in_the_apic_page_is_a_delivery_error)
{
	struct guest *g = &self->g;

	NEED_APICV(MINIVM_APICV_XAPIC);
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_idt, NULL, 0));
	ASSERT_EQ(MINIVM_EXIT_INTERNAL_ERROR, guest_run(g));
	EXPECT_EQ(MINIVM_INTERNAL_DELIVERY, g->cpu.run->internal.suberror);
	EXPECT_EQ(0xfee00000, g->cpu.run->internal.data[1] & ~0xfffULL);
}

/* A jump to FEE00000h: there is no instruction to run there. */
GUEST_CODE(g_jump,
	"0:" MAIN APIC_PAGE SVR_ON
	"movl $0xfee00000, 0x5000\n movl $0, 0x5004\n jmp *0x5000\n");

TEST_F(page, code_in_the_apic_page_is_a_decode_error)
{
	struct guest *g = &self->g;

	NEED_APICV(MINIVM_APICV_XAPIC);
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_jump, NULL, 0));
	ASSERT_EQ(MINIVM_EXIT_INTERNAL_ERROR, guest_run(g));
	EXPECT_EQ(MINIVM_INTERNAL_MMIO_DECODE, g->cpu.run->internal.suberror);
	EXPECT_EQ(0xfee00000, g->cpu.run->internal.data[0]);
}

TEST_HARNESS_MAIN

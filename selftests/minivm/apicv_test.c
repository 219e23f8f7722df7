// SPDX-License-Identifier: GPL-2.0
/*
 * APIC virtualization (kmod/lapic_virt.c): what the CPU does for the
 * local APIC when it can, checked by what it saves, the exits, and by
 * what must still exit.
 *
 *   - MINIVM_CAP_APICV follows the CPU's capability MSRs and the module
 *     parameter apicv (by default, as KVM: not without posted
 *     interrupts; the tests ask for it wherever the CPU has it).
 *   - With virtual-interrupt delivery, an interrupt that waits for STI
 *     goes in without an interrupt-window exit.
 *   - With x2APIC virtualization, TPR, PPR, ISR reads, EOI and SELF IPI
 *     make no MSR exit; a level-triggered vector's EOI still reaches
 *     userspace (an EOI-induced exit); an illegal SELF IPI still sets
 *     ESR (an APIC-write exit).
 *   - What the CPU must not virtualize still exits: TMCCT counts down, a
 *     register x2APIC mode lacks raises #GP, and leaving x2APIC mode
 *     closes the MSRs again.
 *
 * Each test also runs with the virtualization turned off (.emulated),
 * where the same guest must behave the same and the exits must be
 * there: that is what shows the counts can fail.  lapic_test runs the
 * whole APIC specification both ways.
 */
#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "lapic_guest.h"

/* Basic exit reasons (SDM Vol. 3D, "VMX Basic Exit Reasons"). */
#define EXIT_INTERRUPT_WINDOW	7
#define EXIT_MSR_READ		31
#define EXIT_MSR_WRITE		32
#define EXIT_EOI_INDUCED	45

/* Controls, as bits of the capability MSRs' allowed-1 halves. */
#define PIN_POSTED_INTR		(1u << 7)
#define PROC_TPR_SHADOW		(1u << 21)
#define PROC2_VIRT_APIC_ACCESS	(1u << 0)
#define PROC2_VIRT_X2APIC	(1u << 4)
#define PROC2_APIC_REG_VIRT	(1u << 8)
#define PROC2_VIRT_INTR		(1u << 9)

#define X2_ON		"mov $0x1b, %ecx\n rdmsr\n or $0x400, %eax\n wrmsr\n"
#define X2_WR(msr, val)	"mov $" #msr ", %ecx\n mov $" #val ", %eax\n"	\
			"xor %edx, %edx\n wrmsr\n"
#define X2_RD(msr)	"mov $" #msr ", %ecx\n rdmsr\n"
#define X2_SVR_ON	X2_WR(0x80f, 0x1ff)
#define X2_HANDLER(off, port) SLOT(off) "out %al, $" #port "\n"	\
			X2_WR(0x80b, 0) IRET

LAPIC_FIXTURE(apicv);
FIXTURE_VARIANT_ADD(apicv, long) { .mode = MINIVM_MODE_LONG };
FIXTURE_VARIANT_ADD(apicv, long_emulated) {
	.mode = MINIVM_MODE_LONG, .emulated = true };

TEST(cap_follows_the_cpu_and_the_parameter)
{
	struct minivm_vmx_caps c;
	uint32_t proc1, proc2, want = 0, pin1;
	int dev;

	NEED_MINIVM();
	dev = minivm_open_device();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, minivm_get_vmx_caps(dev, &c));
	pin1 = c.pinbased_ctls >> 32;
	proc1 = c.procbased_ctls >> 32;
	proc2 = c.procbased_ctls2 >> 32;
	if ((proc1 & PROC_TPR_SHADOW) && (proc2 & PROC2_VIRT_INTR))
		want |= MINIVM_APICV_VID;
	if (want && (proc2 & PROC2_VIRT_X2APIC) && (proc2 & PROC2_APIC_REG_VIRT))
		want |= MINIVM_APICV_X2APIC;
	if (want && (proc2 & PROC2_VIRT_APIC_ACCESS) && (proc2 & PROC2_APIC_REG_VIRT))
		want |= MINIVM_APICV_XAPIC;
	ksft_print_msg("the CPU offers APIC virtualization %#x, %s posted interrupts\n",
		       want, pin1 & PIN_POSTED_INTR ? "with" : "without");
	ASSERT_EQ(0, apicv_param_set(0));
	EXPECT_EQ(0, minivm_check_extension(dev, MINIVM_CAP_APICV));
	ASSERT_EQ(0, apicv_param_set(1));
	EXPECT_EQ(want, minivm_check_extension(dev, MINIVM_CAP_APICV));
	ASSERT_EQ(0, apicv_param_set(-1));	/* as KVM: not without them */
	EXPECT_EQ(pin1 & PIN_POSTED_INTR ? want : 0,
		  minivm_check_extension(dev, MINIVM_CAP_APICV));
	close(dev);
}

/*
 * A self-IPI sent with interrupts off waits for STI.  minivm would ask
 * for an interrupt window; the CPU delivers it after STI's shadow.
 */
GUEST_CODE(g_window,
	"0:" XHANDLER(0x00, 0x81)
	MAIN APIC_PAGE SVR_ON "cli\n" APIC_WR(0x300, 0x40040)
	"sti\n nop\n out %al, $0x85\n cli\n hlt");

TEST_F(apicv, interrupt_after_sti_without_a_window_exit)
{
	static const struct lapic_handler h[] = { { 0x40, 0x00 } };
	struct guest *g = &self->g;
	bool virt = NEED_APICV(MINIVM_APICV_VID);
	long before = minivm_exit_count(EXIT_INTERRUPT_WINDOW);

	if (before < 0)
		SKIP(return, "no " MINIVM_EXITS);
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_window, h, 1));
	lapic_expect_out(_metadata, g, 0x81);
	lapic_expect_out(_metadata, g, 0x85);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
	if (virt) {
		EXPECT_EQ(before, minivm_exit_count(EXIT_INTERRUPT_WINDOW));
	} else {
		EXPECT_LT(before, minivm_exit_count(EXIT_INTERRUPT_WINDOW));
	}
}

/*
 * In x2APIC mode, from the OUT to 80h on: TPR 20h, PPR read back into
 * ESI, a self-IPI of 40h taken at once, its EOI, ISR[95:64] read back
 * into EDI.  Only the OUTs exit when the CPU virtualizes x2APIC.
 */
GUEST_CODE(g_x2,
	"0:" X2_HANDLER(0x00, 0x81)
	MAIN X2_ON X2_SVR_ON "out %al, $0x80\n sti\n"
	X2_WR(0x808, 0x20) X2_RD(0x80a) "mov %eax, %esi\n"
	X2_WR(0x83f, 0x40) X2_RD(0x812) "mov %eax, %edi\n"
	"out %al, $0x85\n cli\n hlt");

TEST_F(apicv, x2apic_tpr_ppr_eoi_self_ipi_without_msr_exits)
{
	static const struct lapic_handler h[] = { { 0x40, 0x00 } };
	struct guest *g = &self->g;
	bool virt = NEED_APICV(MINIVM_APICV_X2APIC);
	struct minivm_regs r;
	long rd, wr;

	ASSERT_EQ(0, lapic_start(g, variant->mode, g_x2, h, 1));
	lapic_expect_out(_metadata, g, 0x80);
	rd = minivm_exit_count(EXIT_MSR_READ);
	wr = minivm_exit_count(EXIT_MSR_WRITE);
	if (rd < 0)
		SKIP(return, "no " MINIVM_EXITS);
	lapic_expect_out(_metadata, g, 0x81);
	lapic_expect_out(_metadata, g, 0x85);
	ASSERT_EQ(0, minivm_get_regs(&g->cpu, &r));
	EXPECT_EQ(0x20, r.rsi);			/* PPR = TPR */
	EXPECT_EQ(0, r.rdi);			/* 40h ended */
	if (virt) {
		EXPECT_EQ(rd, minivm_exit_count(EXIT_MSR_READ));
		EXPECT_EQ(wr, minivm_exit_count(EXIT_MSR_WRITE));
	} else {
		EXPECT_EQ(rd + 2, minivm_exit_count(EXIT_MSR_READ));
		EXPECT_EQ(wr + 3, minivm_exit_count(EXIT_MSR_WRITE));
	}
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * The EOI of a level-triggered MSI, written as an x2APIC MSR the CPU
 * virtualizes, still ends RUN with MINIVM_EXIT_EOI: the EOI-exit bitmap
 * holds the vector, and the exit is an EOI-induced one.
 */
GUEST_CODE(g_level,
	"0:" X2_HANDLER(0x00, 0x81)
	MAIN X2_ON X2_SVR_ON "out %al, $0x80\n sti\n nop\n"
	"out %al, $0x85\n cli\n hlt");

TEST_F(apicv, level_triggered_eoi_still_reaches_userspace)
{
	static const struct lapic_handler h[] = { { 0x50, 0x00 } };
	struct guest *g = &self->g;
	bool virt = NEED_APICV(MINIVM_APICV_X2APIC);
	long induced = minivm_exit_count(EXIT_EOI_INDUCED);

	if (induced < 0)
		SKIP(return, "no " MINIVM_EXITS);
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_level, h, 1));
	lapic_expect_out(_metadata, g, 0x80);
	EXPECT_EQ(1, minivm_signal_msi(g->vm, 0xfee00000,
				       MINIVM_MSI_LEVEL | 0x50));
	lapic_expect_out(_metadata, g, 0x81);
	ASSERT_EQ(MINIVM_EXIT_EOI, guest_run(g));
	EXPECT_EQ(0x50, g->cpu.run->eoi.vector);
	lapic_expect_out(_metadata, g, 0x85);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
	EXPECT_EQ(induced + virt, minivm_exit_count(EXIT_EOI_INDUCED));
}

/* A SELF IPI of vector 5 is illegal: ESR's "send illegal vector" (20h). */
GUEST_CODE(g_esr,
	"0:" MAIN X2_ON X2_SVR_ON X2_WR(0x83f, 0x05) X2_WR(0x828, 0)
	X2_RD(0x828) "out %eax, $0x80\n cli\n hlt");

TEST_F(apicv, illegal_self_ipi_sets_esr)
{
	struct guest *g = &self->g;

	NEED_APICV(MINIVM_APICV_X2APIC);
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_esr, NULL, 0));
	EXPECT_EQ(0x20, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * What the CPU must not read from the page: TMCCT counts down from
 * TMICT (the page holds 0 there), and DFR, which x2APIC mode lacks,
 * raises #GP (the page holds FFFFFFFFh there).  Then, back in xAPIC mode
 * through "disabled", the x2APIC MSRs raise #GP again.
 */
GUEST_CODE(g_closed,
	"0:" SLOT(0x00) "out %al, $0x8d\n jmp 1f\n"
	MAIN X2_ON X2_SVR_ON X2_WR(0x838, 1000000) X2_RD(0x839)
	"out %eax, $0x80\n" X2_RD(0x80e) "out %al, $0x86\n"
	"1: mov $0x1b, %ecx\n rdmsr\n and $0xfffff3ff, %eax\n wrmsr\n"
	"or $0x800, %eax\n wrmsr\n" X2_RD(0x803) "out %eax, $0x87\n"
	"cli\n hlt");

TEST_F(apicv, what_the_cpu_must_not_virtualize_still_exits)
{
	static const struct lapic_handler h[] = { { 13, 0x00 } };
	struct guest *g = &self->g;
	uint32_t count;

	NEED_APICV(MINIVM_APICV_X2APIC);
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_closed, h, 1));
	count = lapic_expect_out(_metadata, g, 0x80);
	EXPECT_LT(0, count);
	EXPECT_GE(1000000, count);
	lapic_expect_out(_metadata, g, 0x8d);	/* RDMSR of DFR: #GP */
	/* The handler goes on at 1: after the #GP; vector 13 again. */
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(g));
	EXPECT_EQ(0x8d, g->cpu.run->io.port)
		TH_LOG("RDMSR 803h in xAPIC mode did not raise #GP");
}

TEST_HARNESS_MAIN

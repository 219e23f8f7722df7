// SPDX-License-Identifier: GPL-2.0
/*
 * The task priority through CR8, in 64-bit mode where CR8 exists: MOV
 * to and from CR8 is the APIC's TPR[7:4]; with the CPU's TPR shadow it
 * costs no exit, and lowering it lets a waiting interrupt in before the
 * next instruction (the "TPR below threshold" exit); a TPR restored with
 * MINIVM_SET_LAPIC keeps only its architectural bits.  The SDM's
 * "Task Priority Register (TPR)" and "Virtualizing CR8-Based TPR
 * Accesses".  lapic_test has the APIC's other registers.
 */
#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "lapic_guest.h"

/* With the CPU's APIC virtualization where there is one, and without. */
LAPIC_FIXTURE(cr8);
FIXTURE_VARIANT_ADD(cr8, long) { .mode = MINIVM_MODE_LONG };
FIXTURE_VARIANT_ADD(cr8, long_emulated) {
	.mode = MINIVM_MODE_LONG, .emulated = true };

/*
 * CR8 is TPR[7:4], both ways (64-bit mode only): MOV to CR8 (44 0F 22 C0,
 * from RAX) and MOV from CR8 (44 0F 20 C0).
 */
GUEST_CODE(g_cr8,
	"0:" MAIN APIC_PAGE
	"mov $5, %eax\n .byte 0x44, 0x0f, 0x22, 0xc0\n" APIC_RD(0x80) REPORT(0x80)
	APIC_WR(0x80, 0x9c) ".byte 0x44, 0x0f, 0x20, 0xc0\n" REPORT(0x80)
	"hlt");

TEST_F(cr8, cr8_is_the_tpr)
{
	struct guest *g = &self->g;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_cr8, NULL, 0));
	EXPECT_EQ(0x50, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(0x9, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/* Does the CPU offer the TPR shadow ("use TPR shadow", bit 21)? */
static bool has_tpr_shadow(void)
{
	struct minivm_vmx_caps caps;
	int dev = minivm_open_device();
	bool ok = dev >= 0 && minivm_get_vmx_caps(dev, &caps) == 0 &&
		  (caps.procbased_ctls >> 32) & (1u << 21);

	if (dev >= 0)
		close(dev);
	return ok;
}

/*
 * With the TPR shadow, MOV CR8 reads and writes the APIC's TPR without
 * an exit: 2,000 writes fit in a budget of 50 exits.  (With CR8 exiting,
 * as before the shadow, RUN returned MINIVM_EXIT_BUDGET.)
 */
GUEST_CODE(g_cr8_loop,
	"0:" MAIN "mov $1000, %ecx\n"
	"1: mov $5, %eax\n .byte 0x44, 0x0f, 0x22, 0xc0\n"
	"xor %eax, %eax\n .byte 0x44, 0x0f, 0x22, 0xc0\n loop 1b\n"
	"out %al, $0x80\n hlt");

TEST_F(cr8, tpr_shadow_cr8_writes_do_not_exit)
{
	struct guest *g = &self->g;

	NEED_LAPIC();
	if (!has_tpr_shadow())
		SKIP(return, "the CPU has no TPR shadow: CR8 exits");
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_cr8_loop, NULL, 0));
	g->cpu.run->exit_budget = 50;
	lapic_expect_out(_metadata, g, 0x80);
	g->cpu.run->exit_budget = 0;
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * An interrupt held back by the TPR goes in as soon as MOV CR8 lowers
 * the TPR below its class, before the next instruction's exit: with the
 * shadow that takes the TPR threshold ("TPR below threshold" exit).
 */
GUEST_CODE(g_cr8_threshold,
	"0:" XHANDLER(0x00, 0x81)
	MAIN APIC_PAGE SVR_ON "mov $15, %eax\n .byte 0x44, 0x0f, 0x22, 0xc0\n"
	"out %al, $0x80\n sti\n nop\n nop\n out %al, $0x83\n"
	"xor %eax, %eax\n .byte 0x44, 0x0f, 0x22, 0xc0\n nop\n"
	"out %al, $0x84\n cli\n hlt");

TEST_F(cr8, lowering_cr8_lets_a_waiting_interrupt_in_at_once)
{
	static const struct lapic_handler h[] = { { 0x40, 0x00 } };
	struct guest *g = &self->g;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_cr8_threshold, h, 1));
	lapic_expect_out(_metadata, g, 0x80);	/* TPR 15 */
	EXPECT_EQ(1, minivm_signal_msi(g->vm, 0xfee00000, 0x40));
	lapic_expect_out(_metadata, g, 0x83);	/* held back */
	lapic_expect_out(_metadata, g, 0x81);	/* CR8 = 0: in at once */
	lapic_expect_out(_metadata, g, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * MINIVM_SET_LAPIC with reserved TPR bits (100h): they are cleared, as a
 * guest's write would clear them, and an interrupt then waiting still
 * goes in.  (Before, the TPR threshold was taken from the whole value,
 * 10h, above VTPR[7:4] = 0, and the CPU refused the entry.)
 */
GUEST_CODE(g_tpr_restore,
	"0:" XHANDLER(0x00, 0x81)
	MAIN APIC_PAGE SVR_ON "out %al, $0x80\n sti\n nop\n nop\n"
	"out %al, $0x84\n cli\n hlt");

TEST_F(cr8, restored_tpr_keeps_only_its_bits_7_0)
{
	static const struct lapic_handler h[] = { { 0x40, 0x00 } };
	struct guest *g = &self->g;
	struct minivm_lapic_state s;
	uint32_t tpr = 0x100;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_tpr_restore, h, 1));
	lapic_expect_out(_metadata, g, 0x80);
	ASSERT_EQ(0, minivm_get_lapic(&g->cpu, &s));
	memcpy(&s.regs[0x80], &tpr, 4);
	ASSERT_EQ(0, minivm_set_lapic(&g->cpu, &s));
	ASSERT_EQ(0, minivm_get_lapic(&g->cpu, &s));
	memcpy(&tpr, &s.regs[0x80], 4);
	EXPECT_EQ(0, tpr);
	EXPECT_EQ(1, minivm_signal_msi(g->vm, 0xfee00000, 0x40));
	lapic_expect_out(_metadata, g, 0x81);
	lapic_expect_out(_metadata, g, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

TEST_HARNESS_MAIN

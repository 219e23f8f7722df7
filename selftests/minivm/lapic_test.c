// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC in the kernel (MINIVM_CREATE_LAPIC): its registers as
 * the SDM describes them, the priorities that order interrupts, x2APIC
 * mode and its #GPs, MSIs from another thread, the EOI of a
 * level-triggered MSI, and the state saved and restored.
 * lapic_tpr_test has the TPR through CR8, lapic_timer_test the timer and
 * HLT.
 *
 * Before the in-kernel APIC, the same guests stopped at their first APIC
 * access with a MINIVM_EXIT_MMIO, and their first WRMSR to 1Bh or 800h+
 * raised #GP.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "lapic_guest.h"

/*
 * Each test runs with the CPU's APIC virtualization where there is one
 * (apicv_test has what only it does) and with minivm's own injection.
 */
LAPIC_FIXTURE(xapic);
FIXTURE_VARIANT_ADD(xapic, protected) { .mode = MINIVM_MODE_PROTECTED };
FIXTURE_VARIANT_ADD(xapic, long) { .mode = MINIVM_MODE_LONG };
FIXTURE_VARIANT_ADD(xapic, protected_emulated) {
	.mode = MINIVM_MODE_PROTECTED, .emulated = true };
FIXTURE_VARIANT_ADD(xapic, long_emulated) {
	.mode = MINIVM_MODE_LONG, .emulated = true };

LAPIC_FIXTURE(x2apic);
FIXTURE_VARIANT_ADD(x2apic, real) { .mode = MINIVM_MODE_REAL };
FIXTURE_VARIANT_ADD(x2apic, long) { .mode = MINIVM_MODE_LONG };
FIXTURE_VARIANT_ADD(x2apic, real_emulated) {
	.mode = MINIVM_MODE_REAL, .emulated = true };
FIXTURE_VARIANT_ADD(x2apic, long_emulated) {
	.mode = MINIVM_MODE_LONG, .emulated = true };

/* The ioctls' refusals, each with its documented errno. */
TEST(lapic_ioctls)
{
	struct minivm_msi msi = { .address = 0xfee00000, .data = 0x40 };
	struct minivm_lapic_state s;
	struct minivm_vcpu cpu;
	int dev, vm, vm2;

	NEED_MINIVM();
	dev = minivm_open_device();
	ASSERT_LE(0, dev);
	if (minivm_check_extension(dev, MINIVM_CAP_LAPIC) <= 0)
		SKIP(return, "no MINIVM_CAP_LAPIC: no interrupt-window exiting");
	vm = minivm_create_vm(dev);
	ASSERT_LE(0, vm);
	EXPECT_EQ(0, minivm_create_lapic(vm));
	EXPECT_EQ(-EEXIST, minivm_create_lapic(vm));
	EXPECT_EQ(-EINVAL, ioctl(vm, MINIVM_CREATE_LAPIC, 1) ? -errno : 0);
	EXPECT_EQ(0, minivm_signal_msi(vm, 0xfee00000, 0x40)); /* no vCPU */
	EXPECT_EQ(-EINVAL, minivm_signal_msi(vm, 0xfed00000, 0x40));
	EXPECT_EQ(-EINVAL, minivm_signal_msi(vm, 0xfee00000, 0x05));
	EXPECT_EQ(-EINVAL, minivm_signal_msi(vm, 0xfee00000, 0x740));
	msi.flags = 1;
	EXPECT_EQ(-EINVAL, ioctl(vm, MINIVM_SIGNAL_MSI, &msi) ? -errno : 0);

	vm2 = minivm_create_vm(dev);
	ASSERT_LE(0, vm2);
	ASSERT_EQ(0, minivm_create_vcpu(dev, vm2, 0, &cpu));
	EXPECT_EQ(-EBUSY, minivm_create_lapic(vm2));
	EXPECT_EQ(-ENXIO, minivm_get_lapic(&cpu, &s));
	EXPECT_EQ(-ENXIO, minivm_set_lapic(&cpu, &s));
	EXPECT_EQ(-ENXIO, minivm_signal_msi(vm2, 0xfee00000, 0x40));
	minivm_destroy_vcpu(&cpu);
	close(vm2);
	close(vm);
	close(dev);
}

/*
 * The registers after RESET, PPR following TPR, read-only registers that
 * ignore writes, loads narrower than 32 bits, a 16-bit store that lands
 * in TPR's low bytes (as with the CPU's APIC virtualization) and an 8-bit
 * one to bytes 4-15 that is ignored, an EOI with nothing in service, and
 * CPUID's APIC bit.
 */
GUEST_CODE(g_regs,
	"0:" MAIN APIC_PAGE
	APIC_RD(0x20) REPORT(0x80)		/* ID */
	APIC_RD(0x30) REPORT(0x80)		/* version */
	APIC_RD(0xf0) REPORT(0x80)		/* SVR */
	APIC_RD(0x350) REPORT(0x80)		/* LVT LINT0 */
	APIC_WR(0x80, 0x25) APIC_RD(0xa0) REPORT(0x80)	/* PPR = TPR */
	APIC_WR(0x30, 0x12345678) APIC_RD(0x30) REPORT(0x80)
	"movb 0x32(%ebx), %al\n movzbl %al, %eax\n" REPORT(0x80)
	"movzwl 0x30(%ebx), %eax\n" REPORT(0x80)
	"movw $0x77, 0x80(%ebx)\n movb $0x55, 0x84(%ebx)\n"
	APIC_RD(0x80) REPORT(0x80)
	APIC_WR(0xb0, 0) APIC_RD(0x100) REPORT(0x80)	/* ISR[31:0] */
	"mov $1, %eax\n cpuid\n mov %edx, %eax\n" REPORT(0x80)
	"mov %ecx, %eax\n" REPORT(0x80)
	"hlt");

TEST_F(xapic, registers_after_reset)
{
	struct guest *g = &self->g;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_regs, NULL, 0));
	EXPECT_EQ(0, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(0x50014, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(0xff, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(0x10000, lapic_expect_out(_metadata, g, 0x80)); /* masked */
	EXPECT_EQ(0x25, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(0x50014, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(0x05, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(0x14, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(0x77, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(0, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_TRUE(lapic_expect_out(_metadata, g, 0x80) & (1 << 9));
	EXPECT_EQ(1 << 21 | 1 << 24,	/* x2APIC, TSC deadline */
		  lapic_expect_out(_metadata, g, 0x80) & (1 << 21 | 1 << 24));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * The APIC's registers through instructions that compute, as clang
 * compiles "apic[SVR] |= 0x100": OR, AND and TEST on the page, served in
 * the kernel, read and written back at once (kmod/mmio_alu.c).
 */
GUEST_CODE(g_alu,
	"0:" MAIN APIC_PAGE
	"orl $0x100, 0xf0(%ebx)\n" APIC_RD(0xf0) REPORT(0x80)
	"andl $0xfffffeff, 0xf0(%ebx)\n" APIC_RD(0xf0) REPORT(0x80)
	"testl $0x100, 0xf0(%ebx)\n setz %al\n movzbl %al, %eax\n"
	REPORT(0x80) "hlt");

TEST_F(xapic, or_and_test_on_the_page)
{
	struct guest *g = &self->g;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_alu, NULL, 0));
	EXPECT_EQ(0x1ff, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(0xff, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(1, lapic_expect_out(_metadata, g, 0x80));	/* ZF */
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * Priorities: of two self-IPIs waiting, the higher vector goes first; a
 * TPR at or above a vector's class holds it back until the TPR drops.
 */
GUEST_CODE(g_prio,
	"0:" XHANDLER(0x00, 0x81) XHANDLER(0x20, 0x82)
	MAIN APIC_PAGE SVR_ON
	APIC_WR(0x300, 0x40040) APIC_WR(0x300, 0x40060)	/* self, fixed */
	"sti\n nop\n out %al, $0x84\n cli\n"
	APIC_WR(0x80, 0x50) APIC_WR(0x300, 0x40040)
	"sti\n nop\n out %al, $0x85\n"
	APIC_WR(0x80, 0x00) "out %al, $0x86\n cli\n hlt");

TEST_F(xapic, higher_vector_first_and_tpr_masks)
{
	static const struct lapic_handler h[] = { { 0x40, 0x00 }, { 0x60, 0x20 } };
	struct guest *g = &self->g;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_prio, h, 2));
	lapic_expect_out(_metadata, g, 0x82);	/* 60h before 40h */
	lapic_expect_out(_metadata, g, 0x81);
	lapic_expect_out(_metadata, g, 0x84);
	lapic_expect_out(_metadata, g, 0x85);	/* TPR 50h holds 40h */
	lapic_expect_out(_metadata, g, 0x81);	/* TPR 0 lets it in */
	lapic_expect_out(_metadata, g, 0x86);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * Nesting: while 40h is in service, 30h (a lower class) waits for its
 * EOI, but 60h pre-empts it.  The handler of 40h sends both, with
 * interrupts enabled, and reports after each.
 */
GUEST_CODE(g_nest,
	"0:" SLOT(0x00) "out %al, $0x81\n"
	APIC_WR(0x300, 0x40030) "sti\n nop\n out %al, $0x87\n"
	APIC_WR(0x300, 0x40060) "nop\n out %al, $0x88\n cli\n"
	APIC_WR(0xb0, 0) IRET
	XHANDLER(0x60, 0x82) XHANDLER(0x80, 0x83)
	MAIN APIC_PAGE SVR_ON APIC_WR(0x300, 0x40040)
	"sti\n nop\n out %al, $0x84\n cli\n hlt");

TEST_F(xapic, higher_class_preempts_lower_waits_for_eoi)
{
	static const struct lapic_handler h[] = {
		{ 0x40, 0x00 }, { 0x60, 0x60 }, { 0x30, 0x80 },
	};
	struct guest *g = &self->g;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_nest, h, 3));
	lapic_expect_out(_metadata, g, 0x81);	/* 40h in service */
	lapic_expect_out(_metadata, g, 0x87);	/* 30h waits */
	lapic_expect_out(_metadata, g, 0x82);	/* 60h pre-empts */
	lapic_expect_out(_metadata, g, 0x88);
	lapic_expect_out(_metadata, g, 0x83);	/* 30h after the EOI */
	lapic_expect_out(_metadata, g, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * An illegal vector (0-15) in an LVT entry is not delivered: the APIC
 * sets "Receive Illegal Vector" (bit 6) in ESR, readable after a write
 * to ESR.  The one-shot timer with vector 5 fires after 1 us; the guest
 * polls TMCCT until it reads 0, then 64 more times (each an exit, so the
 * expiry is folded in by then).
 */
GUEST_CODE(g_esr,
	"0:" MAIN APIC_PAGE SVR_ON
	APIC_WR(0x3e0, 0xb) APIC_WR(0x320, 0x05) APIC_WR(0x380, 1000)
	"1:" APIC_RD(0x390) "test %eax, %eax\n jnz 1b\n"
	"mov $64, %ecx\n 2:" APIC_RD(0x390) "loop 2b\n"
	APIC_WR(0x280, 0) APIC_RD(0x280) REPORT(0x80)
	"sti\n nop\n nop\n out %al, $0x84\n cli\n hlt");

TEST_F(xapic, illegal_lvt_vector_sets_esr)
{
	struct guest *g = &self->g;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_esr, NULL, 0));
	EXPECT_EQ(0x40, lapic_expect_out(_metadata, g, 0x80));
	lapic_expect_out(_metadata, g, 0x84);	/* and nothing delivered */
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/* An MSI raised by another thread wakes the vCPU from HLT. */
GUEST_CODE(g_msi,
	"0:" XHANDLER(0x00, 0x81)
	MAIN APIC_PAGE SVR_ON "sti\n hlt\n out %al, $0x84\n cli\n hlt");

struct msi_args {
	int vm;
	int reached;
};

static void *send_msi_later(void *p)
{
	struct msi_args *a = p;

	usleep(50 * 1000);
	a->reached = minivm_signal_msi(a->vm, 0xfee00000, 0x40);
	return NULL;
}

TEST_F(xapic, msi_from_another_thread_wakes_hlt)
{
	static const struct lapic_handler h[] = { { 0x40, 0x00 } };
	struct guest *g = &self->g;
	struct msi_args a;
	pthread_t t;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_msi, h, 1));
	EXPECT_EQ(0, minivm_signal_msi(g->vm, 0xfee05000, 0x40)); /* ID 5 */
	a.vm = g->vm;
	ASSERT_EQ(0, pthread_create(&t, NULL, send_msi_later, &a));
	lapic_expect_out(_metadata, g, 0x81);
	pthread_join(t, NULL);
	EXPECT_EQ(1, a.reached);
	lapic_expect_out(_metadata, g, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * An NMI IPI to self (ICR delivery mode 100b) runs the NMI handler, vector
 * 2, with interrupts disabled; a fixed IPI's vector is not involved.
 */
GUEST_CODE(g_nmi_ipi,
	"0:" SLOT(0x00) "out %al, $0x82\n" IRET
	MAIN APIC_PAGE SVR_ON "cli\n" APIC_WR(0x300, 0x40400)
	"out %al, $0x84\n hlt");

TEST_F(xapic, nmi_ipi_to_self)
{
	static const struct lapic_handler h[] = { { 2, 0x00 } };
	struct guest *g = &self->g;

	NEED_LAPIC();
	if (!has_extension(MINIVM_CAP_NMI))
		SKIP(return, "no virtual NMIs on this CPU");
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_nmi_ipi, h, 1));
	lapic_expect_out(_metadata, g, 0x82);	/* despite CLI */
	lapic_expect_out(_metadata, g, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * An IPI by destination reaches every APIC that destination names, the
 * sender's included: its own physical ID (ICR2 0), then the physical
 * broadcast FFh.  "All but self" (shorthand 11b) does not come back; in a
 * VM of one vCPU it reaches no one.
 */
GUEST_CODE(g_ipi_dest,
	"0:" XHANDLER(0x00, 0x81) XHANDLER(0x20, 0x82) XHANDLER(0x40, 0x83)
	MAIN APIC_PAGE SVR_ON "cli\n"
	APIC_WR(0x310, 0) APIC_WR(0x300, 0x40)
	"sti\n nop\n cli\n out %al, $0x84\n"
	APIC_WR(0x310, 0xff000000) APIC_WR(0x300, 0x50)
	"sti\n nop\n cli\n out %al, $0x85\n"
	APIC_WR(0x300, 0xc0060)
	"sti\n nop\n cli\n out %al, $0x86\n hlt");

TEST_F(xapic, ipi_by_destination_reaches_the_sender)
{
	static const struct lapic_handler h[] = {
		{ 0x40, 0x00 }, { 0x50, 0x20 }, { 0x60, 0x40 },
	};
	struct guest *g = &self->g;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_ipi_dest, h, 3));
	lapic_expect_out(_metadata, g, 0x81);	/* physical, ID 0 */
	lapic_expect_out(_metadata, g, 0x84);
	lapic_expect_out(_metadata, g, 0x82);	/* physical broadcast */
	lapic_expect_out(_metadata, g, 0x85);
	lapic_expect_out(_metadata, g, 0x86);	/* all but self: nothing */
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * MSIs by logical destination (flat model: LDR bits 31:24 against the
 * address's destination byte), and none while the APIC is software-
 * disabled: the guest sets its LDR to 02h << 24, enables the APIC and
 * reports; the test sends logical destination 01h (no match), then 02h.
 */
GUEST_CODE(g_logical,
	"0:" XHANDLER(0x00, 0x81)
	MAIN APIC_PAGE APIC_WR(0xd0, 0x02000000) "out %al, $0x80\n"
	SVR_ON "out %al, $0x83\n sti\n nop\n out %al, $0x84\n cli\n hlt");

TEST_F(xapic, msi_logical_destination_and_disabled_apic)
{
	static const struct lapic_handler h[] = { { 0x40, 0x00 } };
	struct guest *g = &self->g;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_logical, h, 1));
	lapic_expect_out(_metadata, g, 0x80);	/* LDR set, APIC disabled */
	EXPECT_EQ(1, minivm_signal_msi(g->vm, 0xfee02004, 0x41));
	lapic_expect_out(_metadata, g, 0x83);	/* enabled: 41h was dropped */
	EXPECT_EQ(0, minivm_signal_msi(g->vm, 0xfee01004, 0x40));
	EXPECT_EQ(1, minivm_signal_msi(g->vm, 0xfee02004, 0x40));
	lapic_expect_out(_metadata, g, 0x81);	/* 40h, and only it */
	lapic_expect_out(_metadata, g, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * A level-triggered MSI (data bit 15) sets its vector's TMR bit, and the
 * guest's EOI of it returns MINIVM_EXIT_EOI with the vector, which an
 * IOAPIC in userspace needs.  The EOI leaves TMR as it is: only the next
 * acceptance changes it ("Interrupt Acceptance for Fixed Interrupts";
 * kvm-unit-tests' ioapic test checks this).  An edge-triggered one then
 * clears the bit, and its EOI stays in the kernel.  The handler and the
 * code after the first HLT report TMR[95:64] (1A0h), where 40h is bit 0.
 * (The second MSI is pending before the NOP, with interrupts on: it goes
 * in at once.)
 */
GUEST_CODE(g_level,
	"0:" SLOT(0x00) APIC_RD(0x1a0) REPORT(0x81) APIC_WR(0xb0, 0) IRET
	MAIN APIC_PAGE SVR_ON "out %al, $0x80\n sti\n hlt\n"
	APIC_RD(0x1a0) REPORT(0x84) "nop\n out %al, $0x86\n cli\n hlt");

TEST_F(xapic, level_triggered_eoi_returns_to_userspace)
{
	static const struct lapic_handler h[] = { { 0x40, 0x00 } };
	struct guest *g = &self->g;

	NEED_LAPIC();
	if (!has_extension(MINIVM_CAP_EOI_EXIT))
		SKIP(return, "no MINIVM_CAP_EOI_EXIT");
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_level, h, 1));
	lapic_expect_out(_metadata, g, 0x80);
	EXPECT_EQ(1, minivm_signal_msi(g->vm, 0xfee00000, MINIVM_MSI_LEVEL | 0x40));
	EXPECT_EQ(1, lapic_expect_out(_metadata, g, 0x81) & 1);	/* TMR set */
	ASSERT_EQ(MINIVM_EXIT_EOI, guest_run(g));
	EXPECT_EQ(0x40, g->cpu.run->eoi.vector);
	/* the EOI was complete, and TMR kept the bit */
	EXPECT_EQ(1, lapic_expect_out(_metadata, g, 0x84) & 1);
	EXPECT_EQ(1, minivm_signal_msi(g->vm, 0xfee00000, 0x40));
	EXPECT_EQ(0, lapic_expect_out(_metadata, g, 0x81) & 1);	/* edge */
	lapic_expect_out(_metadata, g, 0x86);	/* no EOI exit */
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * MINIVM_GET_LAPIC shows the reset state; MINIVM_SET_LAPIC restores a
 * TPR the guest then reads, and refuses an APIC base with x2APIC but not
 * the APIC enabled, or reserved bits.
 */
GUEST_CODE(g_state,
	"0:" MAIN APIC_PAGE APIC_RD(0x80) REPORT(0x80) APIC_RD(0xa0) REPORT(0x80)
	"hlt");

TEST_F(xapic, state_saved_and_restored)
{
	struct guest *g = &self->g;
	struct minivm_lapic_state s, bad;
	uint32_t v;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_state, NULL, 0));
	ASSERT_EQ(0, minivm_get_lapic(&g->cpu, &s));
	EXPECT_EQ(0xfee00900, s.base);		/* enabled, BSP */
	memcpy(&v, &s.regs[0x30], 4);
	EXPECT_EQ(0x50014, v);
	v = 0x30;
	memcpy(&s.regs[0x80], &v, 4);
	ASSERT_EQ(0, minivm_set_lapic(&g->cpu, &s));
	bad = s;
	bad.base = 0xfee00500;			/* EXTD without EN */
	EXPECT_EQ(-EINVAL, minivm_set_lapic(&g->cpu, &bad));
	bad.base = 0xfee00901;			/* reserved bit 0 */
	EXPECT_EQ(-EINVAL, minivm_set_lapic(&g->cpu, &bad));
	EXPECT_EQ(0x30, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(0x30, lapic_expect_out(_metadata, g, 0x80));	/* PPR */
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * x2APIC: entered through IA32_APIC_BASE, registers as MSRs 800h + off/16,
 * the ID the vCPU's number, a self-IPI through SELF IPI (83Fh) and EOI
 * through 80Bh; also in real mode, where the xAPIC page is out of reach.
 */
GUEST_CODE(g_x2,
	"0:" SLOT(0x00) "out %al, $0x81\n xor %eax, %eax\n xor %edx, %edx\n"
	"mov $0x80b, %ecx\n wrmsr\n" IRET
	MAIN "mov $0x1b, %ecx\n rdmsr\n" REPORT(0x80)
	"or $0x400, %eax\n wrmsr\n"
	"mov $0x802, %ecx\n rdmsr\n" REPORT(0x80)
	"mov $0x803, %ecx\n rdmsr\n" REPORT(0x80)
	"mov $0x80d, %ecx\n rdmsr\n" REPORT(0x80)
	"mov $0x80f, %ecx\n mov $0x1ff, %eax\n xor %edx, %edx\n wrmsr\n"
	"mov $0x83f, %ecx\n mov $0x40, %eax\n wrmsr\n"
	"sti\n nop\n out %al, $0x84\n cli\n hlt");

TEST_F(x2apic, self_ipi_through_msrs)
{
	static const struct lapic_handler h[] = { { 0x40, 0x00 } };
	struct guest *g = &self->g;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_x2, h, 1));
	EXPECT_EQ(0xfee00900, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(0, lapic_expect_out(_metadata, g, 0x80));	/* ID */
	EXPECT_EQ(0x50014, lapic_expect_out(_metadata, g, 0x80));
	EXPECT_EQ(1, lapic_expect_out(_metadata, g, 0x80));	/* LDR */
	lapic_expect_out(_metadata, g, 0x81);
	lapic_expect_out(_metadata, g, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * WRMSR in x2APIC mode with what the SDM forbids raises #GP: the guest
 * enters x2APIC mode, then writes ESI's MSR with EBP:EDI.  Its #GP
 * handler reports on 8Dh; a write that goes through reports on 86h.
 */
GUEST_CODE(g_x2gp,
	"0:" SLOT(0x00) "out %al, $0x8d\n cli\n hlt\n"
	MAIN "mov $0x1b, %ecx\n rdmsr\n or $0x400, %eax\n wrmsr\n"
	"mov %esi, %ecx\n mov %edi, %eax\n mov %ebp, %edx\n wrmsr\n"
	"out %al, $0x86\n cli\n hlt");

static const struct {
	uint32_t msr, lo, hi;
	uint16_t port;
	const char *what;
} x2_writes[] = {
	{ 0x808, 0x10, 0, 0x86, "TPR" },
	{ 0x808, 0x10, 1, 0x8d, "TPR with bit 32" },
	{ 0x80b, 0, 0, 0x86, "EOI of 0" },
	{ 0x80b, 1, 0, 0x8d, "EOI of 1" },
	{ 0x83f, 0x140, 0, 0x8d, "SELF IPI with bit 8" },
	{ 0x802, 0, 0, 0x8d, "ID, read-only" },
	{ 0x80e, 0, 0, 0x8d, "DFR, not in x2APIC" },
	{ 0x831, 0, 0, 0x8d, "ICR2, not in x2APIC" },
	{ 0x8ff, 0, 0, 0x8d, "no such register" },
	{ 0x1b, 0xfee00800, 0, 0x8d, "x2APIC to xAPIC" },
	{ 0x1b, 0xfee00c01, 0, 0x8d, "APIC base bit 0" },
	{ 0x1b, 0, 0, 0x86, "x2APIC to disabled" },
};

TEST_F(x2apic, forbidden_writes_raise_gp)
{
	static const struct lapic_handler h[] = { { 13, 0x00 } };
	struct guest *g = &self->g;
	struct minivm_regs r;
	unsigned int i;

	NEED_LAPIC();
	for (i = 0; i < sizeof(x2_writes) / sizeof(x2_writes[0]); i++) {
		ASSERT_EQ(0, lapic_start(g, variant->mode, g_x2gp, h, 1));
		ASSERT_EQ(0, minivm_get_regs(&g->cpu, &r));
		r.rsi = x2_writes[i].msr;
		r.rdi = x2_writes[i].lo;
		r.rbp = x2_writes[i].hi;
		ASSERT_EQ(0, minivm_set_regs(&g->cpu, &r));
		EXPECT_EQ(MINIVM_EXIT_IO, guest_run(g));
		EXPECT_EQ(x2_writes[i].port, g->cpu.run->io.port)
			TH_LOG("WRMSR %#x: %s", x2_writes[i].msr, x2_writes[i].what);
		guest_destroy(g);
		guest_init(g);
	}
}

TEST_HARNESS_MAIN

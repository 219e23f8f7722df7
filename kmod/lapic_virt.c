// SPDX-License-Identifier: GPL-2.0
/*
 * lapic_virt.c - APIC virtualization: the CPU delivers the local APIC's
 * interrupts to the guest and ends them at EOI, without minivm.
 *
 * Without it (lapic.c, event.c), every interrupt of the local APIC goes
 * in through the VM-entry interruption-information field: minivm moves
 * the vector from IRR to ISR, waits for an interrupt window if the guest
 * has RFLAGS.IF clear, and every EOI, TPR write and self-IPI is an exit.
 * The SDM's "APIC Virtualization and Virtual Interrupts" (Vol. 3C) lets
 * the CPU do that work on the virtual-APIC page, which for minivm is the
 * APIC's own register page (lapic_access.c), so the CPU and minivm read
 * and write the same IRR, ISR, TPR and PPR:
 *
 *   virtual-interrupt delivery  the guest interrupt status (RVI, the
 *       highest vector requesting service; SVI, the highest in service)
 *       tells the CPU what waits.  At entry, and again whenever the guest
 *       sets RFLAGS.IF or lowers its priority, the CPU delivers the
 *       vector itself, IRR to ISR, through the guest's IDT ("Virtual-
 *       Interrupt Delivery"): no injection, no interrupt-window exit.
 *       An EOI ends the vector in service and lets the next one in
 *       ("EOI Virtualization"); it exits only for the vectors set in the
 *       EOI-exit bitmap, minivm's level-triggered ones (TMR), whose EOI
 *       the IOAPIC in userspace must hear of (MINIVM_EXIT_EOI).
 *   virtualize x2APIC mode, with APIC-register virtualization
 *       in x2APIC mode, RDMSR of most APIC registers reads the page, and
 *       WRMSR of TPR, EOI and SELF IPI is done by the CPU ("Virtualizing
 *       MSR-Based APIC Accesses"); the MSR bitmap (msr.c) lets exactly
 *       those through.
 *   virtualize APIC accesses, with APIC-register virtualization
 *       the same for the xAPIC page in xAPIC mode, through the APIC-
 *       access page (lapic_access_page.c).
 *
 * minivm keeps the page the truth: before every entry it writes the PPR
 * and the guest interrupt status from the page's IRR, ISR and TPR, so
 * whatever it did itself (an MSI folded into IRR, an EOI it emulated
 * for an xAPIC MMIO store) is what the CPU sees next.
 *
 * The register virtualization follows the APIC's mode before each entry:
 * x2APIC's in x2APIC mode, the APIC-access page's in xAPIC mode at
 * FEE00000h, none otherwise.  The stores it lets into the page without
 * their side effects come back as APIC-write exits.
 *
 * Left out: posted interrupts.  minivm folds what other threads post
 * before each entry (lapic.c), and the test machine's CPU has none.
 *
 * When it is used: the module parameter apicv, read when a VM creates
 * its APICs, so both paths can be compared and tested on one machine.
 *
 *   -1 (default)  as KVM's enable_apicv: only on a CPU that also has
 *                 posted interrupts.  Every Intel CPU with virtual-
 *                 interrupt delivery has them; Bochs, the test machine,
 *                 does not, and its virtual-interrupt delivery is not
 *                 whole: an exit in the middle of one (the IDT's page not
 *                 yet mapped through EPT) reports a stale event in the
 *                 IDT-vectoring information instead of the interrupt
 *                 (design.rst).  So by default it runs what KVM runs.
 *    1            whatever the CPU has (the tests, on Bochs too);
 *    0            never.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <asm/io.h>
#include <asm/vmx.h>

#include "guest.h"
#include "lapic.h"
#include "trace.h"
#include "vmx_ops.h"

static int apicv = -1;
module_param(apicv, int, 0644);
MODULE_PARM_DESC(apicv, "APIC virtualization: -1 with posted interrupts only (default), 1 where the CPU has it, 0 never");

#define X2APIC_VIRT	(SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE |	\
			 SECONDARY_EXEC_APIC_REGISTER_VIRT)
#define XAPIC_VIRT	(SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES |	\
			 SECONDARY_EXEC_APIC_REGISTER_VIRT)

/**
 * minivm_apicv_offered() - what a VM that creates its local APICs now
 * gets: MINIVM_APICV_* (MINIVM_CAP_APICV), as the parameter says.
 *
 * Virtual-interrupt delivery needs the TPR shadow and external-interrupt
 * exiting (vmcs.c chose both); the x2APIC and xAPIC parts need it and
 * the two controls of X2APIC_VIRT or XAPIC_VIRT.
 */
u32 minivm_apicv_offered(void)
{
	u32 c = minivm_vmcs_apicv_controls();
	bool posted = (minivm_caps.pinbased_ctls >> 32) & PIN_BASED_POSTED_INTR;
	int want = READ_ONCE(apicv);
	u32 virt = 0;

	if (!want || (want < 0 && !posted) ||
	    !(c & SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY))
		return 0;
	virt |= MINIVM_APICV_VID;
	if ((c & X2APIC_VIRT) == X2APIC_VIRT)
		virt |= MINIVM_APICV_X2APIC;
	if ((c & XAPIC_VIRT) == XAPIC_VIRT)
		virt |= MINIVM_APICV_XAPIC;
	return virt;
}

static void secondary_controls(u32 set, u32 clear)
{
	u32 sec = vmcs_read32(SECONDARY_VM_EXEC_CONTROL);

	vmcs_write(SECONDARY_VM_EXEC_CONTROL, (sec & ~clear) | set);
}

/**
 * minivm_apicv_vmcs_setup() - a new vCPU's VMCS, when its VM has APIC
 * virtualization.
 * @vcpu: the vCPU, with a local APIC, its VMCS current.
 *
 * Nothing requests service or is in service yet, and no EOI exits.
 * With virtual-interrupt delivery the TPR threshold is not used; it must
 * still have bits 31:4 clear ("Checks on VM-Execution Control Fields").
 * The APIC-access address is the VM's page (lapic_access_page.c); the
 * control that uses it is turned on before the first entry.
 */
void minivm_apicv_vmcs_setup(struct minivm_vcpu *vcpu)
{
	struct minivm_lapic *apic = vcpu->lapic;
	int i;

	/* It builds on the TPR shadow (lapic_access.c), or entry fails. */
	if (!(vmcs_read32(CPU_BASED_VM_EXEC_CONTROL) & CPU_BASED_TPR_SHADOW))
		apic->virt = 0;
	else
		apic->virt = vcpu->vm->apicv;
	if (!(apic->virt & MINIVM_APICV_VID))
		return;
	secondary_controls(SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY, 0);
	vmcs_write(GUEST_INTR_STATUS, 0);
	for (i = 0; i < 4; i++)
		vmcs_write(EOI_EXIT_BITMAP0 + i * 2, 0);
	memset(apic->eoi_exit_bitmap, 0, sizeof(apic->eoi_exit_bitmap));
	vmcs_write(TPR_THRESHOLD, 0);
	if (apic->virt & MINIVM_APICV_XAPIC)
		vmcs_write(APIC_ACCESS_ADDR,
			   page_to_phys(vcpu->vm->apic_access_page));
	apic->mode_controls = 0;
	apic->traced_rvi = -1;
}

/*
 * The register virtualization follows the APIC's mode.  "Virtualize
 * x2APIC mode" must be off in xAPIC mode, where WRMSR of 800h-8FFh raises
 * #GP, and the MSR bitmap that lets the virtualized registers through
 * changes with it.  "Virtualize APIC accesses" is for xAPIC mode at
 * FEE00000h, where the VM's APIC-access page is; the two may not be on
 * together ("Checks on VM-Execution Control Fields").
 */
static void follow_apic_mode(struct minivm_vcpu *vcpu)
{
	struct minivm_lapic *apic = vcpu->lapic;
	u32 want = 0, was = apic->mode_controls;

	if ((apic->virt & MINIVM_APICV_X2APIC) && lapic_x2apic(apic))
		want = X2APIC_VIRT;
	else if ((apic->virt & MINIVM_APICV_XAPIC) &&
		 lapic_base_at_home(apic->base))
		want = XAPIC_VIRT;
	if (want == was)
		return;
	secondary_controls(want, was & ~want);
	if ((want ^ was) & SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE)
		minivm_msr_x2apic_bitmap(vcpu, want == X2APIC_VIRT);
	apic->mode_controls = want;
}

/* The EOI-exit bitmap is TMR: the level-triggered vectors exit at EOI. */
static void update_eoi_exit_bitmap(struct minivm_lapic *apic)
{
	int i;

	for (i = 0; i < 8; i += 2) {
		u32 lo = lapic_get(apic, APIC_TMR + i * 0x10);
		u32 hi = lapic_get(apic, APIC_TMR + (i + 1) * 0x10);

		if (lo == apic->eoi_exit_bitmap[i] &&
		    hi == apic->eoi_exit_bitmap[i + 1])
			continue;
		vmcs_write(EOI_EXIT_BITMAP0 + i, (u64)hi << 32 | lo);
		apic->eoi_exit_bitmap[i] = lo;
		apic->eoi_exit_bitmap[i + 1] = hi;
	}
}

/**
 * minivm_apicv_before_entry() - tell the CPU what the page now says.
 * @vcpu: the vCPU, with virtual-interrupt delivery, its VMCS current,
 *        what was posted already folded into IRR.
 *
 * PPR is written into the page, where the guest reads it and where the
 * CPU compares RVI against it; RVI is the highest vector in IRR (none
 * while the APIC is software-disabled, as minivm_lapic_next_irq() has
 * it), SVI the highest in ISR ("Guest Interrupt Status").  The vector
 * the CPU will deliver shows in the minivm_inject tracepoint once, as
 * VIRTUAL_INTR.
 */
void minivm_apicv_before_entry(struct minivm_vcpu *vcpu)
{
	struct minivm_lapic *apic = vcpu->lapic;
	int rvi = lapic_enabled(apic) ? lapic_vec_highest(apic, APIC_IRR) : -1;
	int svi = lapic_vec_highest(apic, APIC_ISR);

	follow_apic_mode(vcpu);
	lapic_set(apic, APIC_PROCPRI, lapic_ppr(apic));
	vmcs_write(GUEST_INTR_STATUS, (svi > 0 ? svi << 8 : 0) |
		   (rvi > 0 ? rvi : 0));
	update_eoi_exit_bitmap(apic);
	if (rvi > 0 && rvi != apic->traced_rvi)
		trace_minivm_inject(vcpu->id, rvi | MINIVM_TRACE_VIRTUAL_INTR, 0);
	apic->traced_rvi = rvi;
}

/**
 * minivm_apicv_undeliver() - the CPU's delivery of a virtual interrupt
 * was cut short by an exit (a page of the IDT or the stack not mapped
 * yet): give the vector back to it.
 * @vcpu: the vCPU, just out of the guest.
 *
 * Delivery had moved the vector from IRR to ISR and made it SVI before
 * it went through the IDT ("Virtual-Interrupt Delivery"), so it is the
 * highest vector in service.  Moved back to IRR, the next entry makes
 * it RVI again and the CPU delivers it anew: nothing depends on the
 * vector in the IDT-vectoring information, which Bochs leaves 0 for
 * these deliveries.
 */
void minivm_apicv_undeliver(struct minivm_vcpu *vcpu)
{
	struct minivm_lapic *apic = vcpu->lapic;
	int v = lapic_vec_highest(apic, APIC_ISR);

	if (v < 16)
		return;
	lapic_vec_clear(apic, APIC_ISR, v);
	lapic_vec_set(apic, APIC_IRR, v);
}

/**
 * minivm_handle_eoi_induced() - the guest's EOI ended a vector whose bit
 * is set in the EOI-exit bitmap ("EOI-Induced VM Exits").
 * @vcpu: the vCPU.
 *
 * The exit is trap-like: the CPU has already cleared the ISR bit and
 * moved RIP on.  The exit qualification holds the vector.  As for an EOI
 * minivm emulates (lapic_regs.c), RUN returns MINIVM_EXIT_EOI for it
 * (minivm_lapic_eoi_exit()), and TMR keeps the vector until its next
 * acceptance.
 *
 * Return: 1.
 */
int minivm_handle_eoi_induced(struct minivm_vcpu *vcpu)
{
	vcpu->lapic->eoi_exit = vmcs_read(EXIT_QUALIFICATION) & 0xff;
	return 1;
}

/**
 * minivm_handle_apic_write() - a write the CPU stored in the page but
 * could not virtualize ("APIC-Write VM Exits").
 * @vcpu: the vCPU.
 *
 * Trap-like too: RIP is past the instruction and the page holds the new
 * value; the exit qualification is the offset written.  The register is
 * then written again with the value the page holds, as if the guest's
 * write had exited, which gives it its side effects and drops the bits it
 * does not have.  What comes here:
 *
 *   x2APIC mode   only a SELF IPI with an illegal vector (below 16),
 *                 which sets the ESR;
 *   xAPIC mode    stores to LDR, DFR, SVR, ESR, ICR (but a self-IPI),
 *                 the LVT entries, TMICT and TDCR ("APIC-Write
 *                 Emulation"), and narrower stores within bytes 0-3 of
 *                 a register (the offset is then not the register's).
 *                 A register whose effect depends on its old value
 *                 cannot read it from the page any more: the LVT timer's
 *                 mode is kept aside (lapic_regs.c).
 *
 * Return: 1, or 0 with MINIVM_EXIT_INTERNAL_ERROR (an unexpected exit)
 * for an offset that cannot come here.
 */
int minivm_handle_apic_write(struct minivm_vcpu *vcpu)
{
	struct minivm_lapic *apic = vcpu->lapic;
	u32 off = vmcs_read(EXIT_QUALIFICATION) & 0xff0;

	if (apic->mode_controls == XAPIC_VIRT && off < 0x400 &&
	    minivm_lapic_write(apic, off, lapic_get(apic, off)))
		return 1;
	if (off != APIC_SELF_IPI || apic->mode_controls != X2APIC_VIRT)
		return minivm_unexpected_exit(vcpu, EXIT_REASON_APIC_WRITE);
	minivm_lapic_write(apic, off, lapic_get(apic, off) & 0xff);
	return 1;
}

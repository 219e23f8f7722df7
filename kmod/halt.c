// SPDX-License-Identifier: GPL-2.0
/*
 * halt.c - HLT, and the sleep that follows it.
 *
 * HLT always exits (minivm sets "HLT exiting").  What happens next
 * depends on whether anything could ever wake the vCPU:
 *
 *   the VM has local APICs and the guest's RFLAGS.IF is 1
 *       The vCPU sleeps in the kernel, RUN does not return.  It wakes
 *       when its APIC has an interrupt to deliver (its timer, an IPI, an
 *       MSI from another thread), when an NMI is pending, or when the PIC
 *       interrupt userspace raised can go in.  Then the interrupt is
 *       injected and the guest runs on after its HLT.  A signal or
 *       immediate_exit makes RUN return -EINTR (MINIVM_EXIT_INTR) with
 *       the vCPU still halted: the next RUN sleeps again, unless
 *       userspace raised an interrupt meanwhile (MINIVM_INTERRUPT).
 *   otherwise (no local APIC, or interrupts masked)
 *       RUN returns MINIVM_EXIT_HLT with RIP after the HLT, as it always
 *       did: userspace decides, as a VMM with its own PIC must.
 *
 * A HLT single-stepped (RFLAGS.TF) does not halt at all: its #DB trap
 * resumes the guest at once, as a debug exception ends a real CPU's halt.
 *
 * The guest's activity state in the VMCS stays "active" throughout:
 * minivm does the halting itself by not entering the guest, so the
 * interrupt that wakes it is injected at RIP after the HLT, where a real
 * CPU would take it ("HLT" in SDM Vol. 2A; KVM does the same).
 */
#include <linux/wait.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "guest.h"

/**
 * minivm_handle_hlt() - the guest executed HLT.
 * @vcpu: the vCPU.
 *
 * Return: 1 (sleep in the kernel, then enter again), or 0 with
 * MINIVM_EXIT_HLT.
 */
int minivm_handle_hlt(struct minivm_vcpu *vcpu)
{
	minivm_skip_instruction();
	/*
	 * Single-stepping, the HLT's own #DB trap resumes the guest at once
	 * (a debug exception ends the halt, SDM Vol. 2A "HLT"): the #DB
	 * that minivm_step_over() left pending is delivered on this entry.
	 */
	if (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_TF)
		return 1;
	/* LAB 5 begin */
	if (vcpu->lapic && (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF)) {
		vcpu->halted = true;
		return 1;
	}
	/* LAB 5 end */
	vcpu->run->exit_reason = MINIVM_EXIT_HLT;
	return 0;
}

/* Is there an event for the halted vCPU?  Folds in what was posted. */
static bool wake_event(struct minivm_vcpu *vcpu)
{
	minivm_lapic_sync(vcpu);
	return vcpu->nmi_pending || minivm_lapic_next_irq(vcpu) >= 0 ||
	       (vcpu->irq_pending && minivm_lapic_takes_extint(vcpu));
}

/**
 * minivm_halt_wait() - sleep until the halted vCPU has an event.
 * @vcpu: the vCPU, halted, in RUN.
 *
 * Return: 0 when woken by an event (the vCPU is no longer halted);
 * -EINTR on a signal or immediate_exit (it still is).
 */
int minivm_halt_wait(struct minivm_vcpu *vcpu)
{
	bool event = false;

	wait_event_interruptible(vcpu->lapic->wait,
				 (event = wake_event(vcpu)) ||
				 READ_ONCE(vcpu->run->immediate_exit));
	if (!event)
		return -EINTR;
	vcpu->halted = false;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * event.c - interrupts and NMIs for the guest: raised by userspace or by
 * the local APIC, kept by the kernel, injected when the guest can take
 * them.
 *
 * Interrupts come from two places.  The PIC, like every other device, is
 * the VMM's in userspace, which raises an external interrupt with
 * MINIVM_INTERRUPT and an NMI with MINIVM_NMI.  And when the VM has local
 * APICs (lapic.c), each vCPU's own APIC delivers the interrupts of its
 * timer, of IPIs and of MSIs; the PIC's then reaches the CPU only through
 * LINT0 in ExtINT mode, as on a PC, and bypasses the APIC's priorities.
 *
 * The kernel keeps each until the guest can take it, and injects it
 * through the VM-entry interruption-information field (SDM Vol. 3C,
 * "Event Injection"):
 *
 *   an external interrupt  when RFLAGS.IF is 1 and neither an STI nor a
 *                          MOV SS shadow is in force ("Interruptibility
 *                          State" in the guest non-register state)
 *   an NMI                 when the guest is not handling one already
 *                          (with virtual NMIs the CPU tracks that until
 *                          the guest's IRET, "Virtual NMIs") and no
 *                          shadow is in force
 *
 * and never while another event is being injected on the same entry (an
 * exception, or an event an exit cut short).  Until the guest can take
 * what waits, the CPU is told to exit the moment it can: interrupt-window
 * and NMI-window exiting ("Primary Processor-Based VM-Execution
 * Controls"); those exits land in minivm_handle_window() and the event
 * goes in at the next entry.
 *
 * Userspace learns from the run page whether MINIVM_INTERRUPT would go in
 * at once (ready_for_interrupt_injection, if_flag), and may ask RUN to
 * return as soon as the guest can take an interrupt
 * (request_interrupt_window, MINIVM_EXIT_IRQ_WINDOW_OPEN): KVM's
 * handshake, so that a VMM written for one works with the other.
 *
 * An exit in the middle of delivering an event (the IDT, the stack or a
 * handler's page not mapped yet; a host interrupt) leaves the event
 * undelivered and described in the IDT-vectoring information
 * ("Information for VM Exits That Occur During Event Delivery");
 * minivm_redeliver() injects it again on the next entry.  With virtual-
 * interrupt delivery an external interrupt there is the APIC's, unless
 * this entry injected the PIC's: lapic_virt.c gives it back to the CPU.
 */
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>
#include <asm/debugreg.h>
#include <asm/irq_vectors.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "vmx_ops.h"
#include "guest.h"

#define SHADOWS	(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)

static bool injecting(void)
{
	return vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK;
}

/* Could an external interrupt be injected at the next entry? */
static bool irq_window_open(void)
{
	return (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	       !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & SHADOWS) &&
	       !injecting();
}

/*
 * And an NMI?  Blocking by STI does not block NMIs architecturally, but
 * some CPUs treat it as if it did, and VM entry may refuse the injection
 * ("Checks on Guest Non-Register State"): wait for both shadows, as KVM
 * does.
 */
static bool nmi_window_open(void)
{
	return !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
		 (SHADOWS | GUEST_INTR_STATE_NMI)) && !injecting();
}

#define WINDOWS	(CPU_BASED_NMI_WINDOW_EXITING | CPU_BASED_INTR_WINDOW_EXITING)

/*
 * Ask for the window exits in @want (of WINDOWS), and no others, as far as
 * the CPU has them: one VMREAD, and a VMWRITE only for a change.
 */
static void set_windows(u32 want)
{
	u32 proc = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL);
	u32 next = (proc & ~WINDOWS) | (want & minivm_vmcs_window_exits());

	if (next != proc)
		vmcs_write(CPU_BASED_VM_EXEC_CONTROL, next);
}

/*
 * With virtual-interrupt delivery the CPU delivers the local APIC's
 * interrupts itself (lapic_virt.c): they never wait for a window here.
 */
static bool cpu_delivers(struct minivm_vcpu *vcpu)
{
	return vcpu->lapic->virt & MINIVM_APICV_VID;
}

static void inject_irq(u8 vector)
{
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, vector | INTR_TYPE_EXT_INTR |
		   INTR_INFO_VALID_MASK);
}

/*
 * A debug trap pending from the last instruction (the single step that
 * minivm_step_over() leaves after an instruction minivm carried out, or
 * one the CPU saved at the exit) comes before an NMI or an external
 * interrupt ("Priority Among Concurrent Events": traps on the previous
 * instruction).  But an entry that injects an event drops what is
 * pending ("Delivery of Pending Debug Exceptions after VM Entry"), so
 * minivm injects it as a #DB itself.  In an STI or MOV-SS shadow it stays
 * pending for the CPU, which holds it as the SDM says; no interrupt or
 * NMI goes in there either.
 */
static void inject_pending_db(struct minivm_vcpu *vcpu)
{
	unsigned long pending = vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS) &
				(DR_STEP | DR_TRAP_BITS);

	if (!pending || injecting() ||
	    (vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & SHADOWS))
		return;
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	minivm_queue_db(vcpu, pending);
}

/*
 * The external interrupt that would go in next: the PIC's, if it can
 * reach the CPU, else the local APIC's.  Return: a vector, with FROM_PIC
 * set if it is the PIC's; or -1.
 */
#define FROM_PIC	BIT(8)

static int next_irq(struct minivm_vcpu *vcpu)
{
	if (vcpu->irq_pending && minivm_lapic_takes_extint(vcpu))
		return vcpu->irq_vector | FROM_PIC;
	return vcpu->lapic && !cpu_delivers(vcpu) ?
	       minivm_lapic_next_irq(vcpu) : -1;
}

/*
 * The common case, an exit handled and the guest resumed with nothing to
 * give it: no local APIC, nothing raised by userspace, no window exit
 * asked for or still on.  Nothing the guest does in between can change
 * that, as only the host raises interrupts: skip the rest.
 */
static bool nothing_waits(struct minivm_vcpu *vcpu)
{
	return !vcpu->lapic && !vcpu->irq_pending && !vcpu->nmi_pending &&
	       !READ_ONCE(vcpu->run->request_interrupt_window) &&
	       !(vmcs_read32(CPU_BASED_VM_EXEC_CONTROL) & WINDOWS);
}

/**
 * minivm_inject_events() - put what waits into this entry, or ask for an
 * exit when the guest can take it.
 * @vcpu: the vCPU about to enter; interrupts off, its VMCS current.
 *
 * An NMI goes before an external interrupt, as on hardware.  A local
 * APIC's interrupt moves from IRR to ISR as it goes in.
 */
void minivm_inject_events(struct minivm_vcpu *vcpu)
{
	int irq;
	u32 info, windows;

	inject_pending_db(vcpu);
	if (nothing_waits(vcpu))
		return;
	if (vcpu->lapic)
		minivm_lapic_sync(vcpu);	/* what was posted meanwhile */
	irq = next_irq(vcpu);
	if (vcpu->nmi_pending && nmi_window_open()) {
		vmcs_write(VM_ENTRY_INTR_INFO_FIELD, NMI_VECTOR |
			   INTR_TYPE_NMI_INTR | INTR_INFO_VALID_MASK);
		vcpu->nmi_pending = false;
	} else if (irq >= 0 && irq_window_open()) {
		inject_irq(irq & 0xff);
		if (irq & FROM_PIC)
			vcpu->irq_pending = false;
		else
			minivm_lapic_accept_irq(vcpu, irq);
		irq = next_irq(vcpu);
	}
	windows = vcpu->nmi_pending ? CPU_BASED_NMI_WINDOW_EXITING : 0;
	/* LAB 10 begin */
	if (irq >= 0 || READ_ONCE(vcpu->run->request_interrupt_window))
		windows |= CPU_BASED_INTR_WINDOW_EXITING;
	/* LAB 10 end */
	set_windows(windows);
	if (vcpu->lapic && cpu_delivers(vcpu)) {
		minivm_apicv_before_entry(vcpu);
		/* Whose is an external interrupt cut short (redeliver)? */
		info = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
		vcpu->extint_injected = (info & INTR_INFO_VALID_MASK) &&
			(info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_EXT_INTR;
	} else if (vcpu->lapic) {
		minivm_lapic_set_tpr_threshold(vcpu);
	}
}

/**
 * minivm_handle_window() - an interrupt or NMI window opened.
 * @vcpu: the vCPU.
 *
 * Return: 0 with MINIVM_EXIT_IRQ_WINDOW_OPEN when userspace asked for the
 * window and has no interrupt queued; else 1, and the next entry injects.
 */
int minivm_handle_window(struct minivm_vcpu *vcpu)
{
	if ((u16)vcpu->exit_reason == EXIT_REASON_INTERRUPT_WINDOW &&
	    !vcpu->irq_pending && READ_ONCE(vcpu->run->request_interrupt_window)) {
		vcpu->run->exit_reason = MINIVM_EXIT_IRQ_WINDOW_OPEN;
		return 0;
	}
	return 1;
}

/**
 * minivm_report_events() - tell userspace, as RUN returns, whether an
 * interrupt would go in now.
 * @vcpu: the vCPU; its VMCS follows the thread.
 */
void minivm_report_events(struct minivm_vcpu *vcpu)
{
	struct minivm_run *run = vcpu->run;

	run->if_flag = !!(vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection = !vcpu->irq_pending &&
					     irq_window_open();
}

/**
 * minivm_redeliver() - deliver again, on the next entry, an event whose
 * delivery the last exit cut short.
 * @vcpu: the vCPU, just out of the guest.
 *
 * The IDT-vectoring information says what it was; an error code and, for
 * INT n, INT3 and INTO, the instruction's length go with it ("VM-Entry
 * Controls for Event Injection").  An NMI that was not delivered does not
 * block NMIs: the blocking the exit may have recorded is dropped, or the
 * entry would refuse the injection.
 */
void minivm_redeliver(struct minivm_vcpu *vcpu)
{
	u32 vectoring = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	u32 type = vectoring & VECTORING_INFO_TYPE_MASK;

	if (!(vectoring & VECTORING_INFO_VALID_MASK))
		return;
	if (type == INTR_TYPE_EXT_INTR && vcpu->lapic &&
	    cpu_delivers(vcpu) && !vcpu->extint_injected) {
		minivm_apicv_undeliver(vcpu);	/* the CPU's own delivery */
		return;
	}
	/*
	 * No error code in real mode, where entry refuses to deliver one
	 * ("Checks on VM-Entry Control Fields"); Bochs reports one there.
	 */
	if (!(vmcs_read(GUEST_CR0) & X86_CR0_PE))
		vectoring &= ~VECTORING_INFO_DELIVER_CODE_MASK;
	if (vectoring & VECTORING_INFO_DELIVER_CODE_MASK)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE,
			   vmcs_read32(IDT_VECTORING_ERROR_CODE));
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_SOFT_EXCEPTION ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION)
		vmcs_write(VM_ENTRY_INSTRUCTION_LEN,
			   vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
	if (type == INTR_TYPE_HARD_EXCEPTION)
		minivm_fault_sets_rf(vectoring & VECTORING_INFO_VECTOR_MASK);
	if (type == INTR_TYPE_NMI_INTR)
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO,
			   vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
			   ~GUEST_INTR_STATE_NMI);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD,
		   vectoring & (VECTORING_INFO_VECTOR_MASK |
				VECTORING_INFO_TYPE_MASK |
				VECTORING_INFO_DELIVER_CODE_MASK |
				VECTORING_INFO_VALID_MASK));
}

/**
 * minivm_queue_interrupt() - MINIVM_INTERRUPT.
 * @vcpu: the vCPU.
 * @uarg: its struct minivm_interrupt.
 *
 * Return: 0; -EFAULT; -EINVAL for a vector above 255 or padding that is
 * not 0; -EEXIST while an interrupt is queued and not yet injected;
 * -EBUSY while the vCPU runs in another thread; -EOPNOTSUPP if the CPU
 * has no interrupt-window exiting.
 */
int minivm_queue_interrupt(struct minivm_vcpu *vcpu, void __user *uarg)
{
	struct minivm_interrupt irq;
	int ret = 0;

	if (copy_from_user(&irq, uarg, sizeof(irq)))
		return -EFAULT;
	if (irq.vector > 255 || irq.padding)
		return -EINVAL;
	if (!(minivm_vmcs_window_exits() & CPU_BASED_INTR_WINDOW_EXITING))
		return -EOPNOTSUPP;
	if (!mutex_trylock(&vcpu->run_lock))
		return -EBUSY;
	if (vcpu->irq_pending) {
		ret = -EEXIST;
	} else {
		vcpu->irq_vector = irq.vector;
		vcpu->irq_pending = true;
	}
	mutex_unlock(&vcpu->run_lock);
	return ret;
}

/**
 * minivm_queue_nmi() - MINIVM_NMI.  A second NMI raised before the first
 * is injected is the same NMI, as the processor latches only one.
 * @vcpu: the vCPU.
 *
 * Return: 0; -EBUSY while the vCPU runs in another thread; -EOPNOTSUPP
 * without virtual NMIs.
 */
int minivm_queue_nmi(struct minivm_vcpu *vcpu)
{
	if (!minivm_vmcs_has_vnmi())
		return -EOPNOTSUPP;
	if (!mutex_trylock(&vcpu->run_lock))
		return -EBUSY;
	vcpu->nmi_pending = true;
	mutex_unlock(&vcpu->run_lock);
	return 0;
}

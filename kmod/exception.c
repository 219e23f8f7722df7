// SPDX-License-Identifier: GPL-2.0
/*
 * exception.c - the exceptions and NMIs that exit, and where each goes.
 *
 * Exit reason 0 ("exception or non-maskable interrupt") covers the host's
 * NMIs (pin-based "NMI exiting") and the guest exceptions whose bit is
 * set in the exception bitmap (vmcs.c).  minivm intercepts three, as KVM
 * does, each for the host's sake:
 *
 *   #MC  a machine check while the guest runs belongs to the host: its
 *        handler must see it, not the guest's IDT.
 *   #DB  a guest can make the delivery of #DB raise #DB again, forever,
 *        inside the CPU's microcode, where no interrupt and no preemption
 *        timer can stop it (CVE-2015-8104).  Intercepted, every round
 *        exits to the host.
 *   #AC  the same loop with alignment checks (CVE-2015-5307); and a #AC
 *        the guest did not ask for is the host's split-lock detection.
 *
 * NMIs and machine checks are handled with interrupts still off, right
 * after the exit (minivm_exit_irqoff()); the rest when the exit handlers
 * run (minivm_handle_exception()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <asm/cpu.h>
#include <asm/idtentry.h>
#include <asm/mce.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "guest.h"

/**
 * minivm_exception_setup() - which of the guest's exceptions exit: #DB,
 * #AC and #MC, for the host's sake (the header above says why), and no
 * page fault ("Exception Bitmap" in the SDM's VM-execution controls).
 * @vcpu: the new vCPU, its VMCS current.
 */
void minivm_exception_setup(struct minivm_vcpu *vcpu)
{
	vmcs_write(EXCEPTION_BITMAP,
		   BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) | BIT(X86_TRAP_MC));
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
}

static bool is_exception(u32 info, u8 vector)
{
	return (info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK |
			INTR_INFO_VECTOR_MASK)) ==
	       (INTR_INFO_VALID_MASK | INTR_TYPE_HARD_EXCEPTION | vector);
}

/*
 * Hand a machine check to the host's handler, as if it had interrupted
 * user mode: the guest is not kernel code, and the handler may then kill
 * the VMM rather than panic when the error is recoverable.
 */
static void host_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = {
		.cs = 3,
		.flags = X86_EFLAGS_IF,
	};

	do_machine_check(&regs);
#endif
}

/**
 * minivm_exit_irqoff() - what cannot wait for interrupts to come back on.
 * @vcpu: the vCPU, just out of the guest; interrupts off.
 *
 * An NMI that caused the exit was consumed by it, and NMIs stay blocked
 * until the next IRET ("Updating Non-Register State"): the host's NMI
 * handler is called now, and its IRET unblocks them.  A machine check
 * (as an exception, or during VM entry) goes to the host's handler.
 */
void minivm_exit_irqoff(struct minivm_vcpu *vcpu)
{
	u16 reason = vcpu->exit_reason;
	u32 info;

	if (reason == EXIT_REASON_MCE_DURING_VMENTRY) {
		host_machine_check();
		return;
	}
	if (reason != EXIT_REASON_EXCEPTION_NMI)
		return;
	info = vmcs_read32(VM_EXIT_INTR_INFO);
	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		minivm_vmx_do_nmi((unsigned long)asm_exc_nmi_noist);
	else if (is_exception(info, X86_TRAP_MC))
		host_machine_check();
}

/*
 * Does the guest itself ask for #AC?  Alignment checks happen at CPL 3
 * with CR0.AM and RFLAGS.AC set (SDM Vol. 3A, "Alignment Check
 * Exception").  Any other #AC comes from the host's split-lock detection.
 */
static bool guest_wants_ac(struct minivm_vcpu *vcpu)
{
	if (!boot_cpu_has(X86_FEATURE_SPLIT_LOCK_DETECT))
		return true;
	return VMX_AR_DPL(vmcs_read32(GUEST_SS_AR_BYTES)) == 3 &&
	       (minivm_guest_cr0(vcpu) & X86_CR0_AM) &&
	       (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_AC);
}

static int handle_ac(struct minivm_vcpu *vcpu)
{
	u64 data[] = { X86_TRAP_AC, vmcs_read(GUEST_RIP) };

	if (guest_wants_ac(vcpu))
		return minivm_inject(X86_TRAP_AC, true, 0);
	/* Warn and let it go on, or SIGBUS the VMM: the kernel's policy. */
	if (handle_guest_split_lock(vmcs_read(GUEST_RIP)))
		return 1;
	return minivm_internal_error(vcpu, MINIVM_INTERNAL_UNEXPECTED_EXIT,
				     ARRAY_SIZE(data), data);
}

/**
 * minivm_handle_exception() - exit reason 0, with interrupts on again.
 * @vcpu: the vCPU.
 *
 * An exception raised while the CPU was delivering another event (the
 * IDT-vectoring information is valid) is how the #AC and #DB loops look:
 * the guest cannot make progress, and gets MINIVM_INTERNAL_DELIVERY.
 *
 * Return: 1 to re-enter the guest, 0 to return to userspace.
 */
int minivm_handle_exception(struct minivm_vcpu *vcpu)
{
	u32 info = vmcs_read32(VM_EXIT_INTR_INFO);
	u32 vectoring = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	u8 vector = info & INTR_INFO_VECTOR_MASK;

	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR ||
	    is_exception(info, X86_TRAP_MC)) {
		/* The host's, handled already; the guest's event goes on. */
		minivm_redeliver(vcpu);
		return 1;
	}
	if (vectoring & VECTORING_INFO_VALID_MASK) {
		u64 data[] = { vectoring, info, vmcs_read(GUEST_RIP) };

		return minivm_internal_error(vcpu, MINIVM_INTERNAL_DELIVERY,
					     ARRAY_SIZE(data), data);
	}
	if (vector == X86_TRAP_DB &&
	    (info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_PRIV_SW_EXCEPTION) {
		/*
		 * ICEBP (INT1) exits before it executes: step over it, then
		 * its #DB, a trap.  Like INT n it brings no single step of
		 * its own (delivering it clears TF) and sets no DR6 status
		 * bit; Bochs reports BS in the qualification when TF is set,
		 * hardware does not (kvm-unit-tests' debug test).
		 */
		minivm_skip_instruction();
		minivm_queue_db(vcpu, vmcs_read(EXIT_QUALIFICATION) & ~DR_STEP);
		return 1;
	}
	if (vector == X86_TRAP_DB)
		return minivm_reflect_db(vcpu);
	if (vector == X86_TRAP_AC)
		return handle_ac(vcpu);
	return minivm_unexpected_exit(vcpu, EXIT_REASON_EXCEPTION_NMI);
}

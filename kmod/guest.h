/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest.h - what an exit handler does to the guest it is serving: read
 * and write its registers by number, step over the instruction that
 * exited, queue an exception for the next entry.
 *
 * Small and inline, so that every file that handles an exit (exit.c,
 * io.c, cr.c, debugreg.c, exception.c) uses them without needing another.
 */
#ifndef MINIVM_GUEST_H
#define MINIVM_GUEST_H

#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "vmx_ops.h"

/*
 * A guest single-stepping (RFLAGS.TF) gets its #DB after what minivm
 * carried out for it, as after any instruction: a pending single-step
 * trap (BS) that the CPU delivers right after the entry ("Guest
 * Non-Register State", pending debug exceptions).  That #DB exits too
 * and is reflected (debugreg.c).
 */
static inline void minivm_step_trap(unsigned long rflags)
{
	if (rflags & X86_EFLAGS_TF)
		vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS,
			   vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS) | DR_STEP);
}

/*
 * Move RIP past the instruction that exited, of @len bytes; for most
 * exits the length is in the VMCS ("Information for VM Exits Due to
 * Instruction Execution"), for MMIO the decoder knows it.  Stepping over
 * it also ends the STI and MOV-SS shadows it may have been in, and
 * clears RF, as executing it would have ("Resume Flag" in the SDM's
 * debugging chapter: the CPU clears it as an instruction begins).
 */
static inline void minivm_step_over(unsigned int len)
{
	u32 shadow = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	unsigned long rflags = vmcs_read(GUEST_RFLAGS);

	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + len);
	if (shadow & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO, shadow &
			   ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
	if (rflags & X86_EFLAGS_RF)
		vmcs_write(GUEST_RFLAGS, rflags & ~X86_EFLAGS_RF);
	minivm_step_trap(rflags);
}

/*
 * One or more iterations of a REP string instruction done and some
 * left: RIP stays on the instruction, which the guest executes again.
 * An interrupt or a trap that comes before then pushes RF = 1, so that
 * the return into the instruction does not hit its instruction
 * breakpoint again ("Instruction-Breakpoint Exception Condition"), and a
 * single-stepped guest gets the trap of this iteration now, not after
 * the last ("Single-Step Exception Condition").
 */
static inline void minivm_step_iteration(void)
{
	unsigned long rflags = vmcs_read(GUEST_RFLAGS);

	if (!(rflags & X86_EFLAGS_RF))
		vmcs_write(GUEST_RFLAGS, rflags | X86_EFLAGS_RF);
	minivm_step_trap(rflags);
}

static inline void minivm_skip_instruction(void)
{
	minivm_step_over(vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
}

/*
 * Guest register @n in the SDM's numbering (0 RAX, 1 RCX, 2 RDX, 3 RBX,
 * 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15).  RSP lives in the VMCS.
 */
static inline unsigned long minivm_read_gpr(struct minivm_vcpu *vcpu,
					    unsigned int n)
{
	if ((n & 15) == 4)
		return vmcs_read(GUEST_RSP);
	return ((unsigned long *)&vcpu->gprs)[n & 15];
}

static inline void minivm_write_gpr(struct minivm_vcpu *vcpu, unsigned int n,
				    unsigned long val)
{
	if ((n & 15) == 4)
		vmcs_write(GUEST_RSP, val);
	else
		((unsigned long *)&vcpu->gprs)[n & 15] = val;
}

/* Is the guest running 64-bit code (EFER.LMA and CS.L)? */
static inline bool minivm_long_mode(struct minivm_vcpu *vcpu)
{
	return (vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) &&
	       (vmcs_read32(GUEST_CS_AR_BYTES) & VMX_AR_L_MASK);
}

/*
 * A fault's delivery pushes RFLAGS with RF set, so that the faulting
 * instruction, when the handler returns to it, does not hit an
 * instruction breakpoint again ("Exception and Interrupt Reference",
 * "Resume Flag"); event injection pushes the guest's RFLAGS as it is, so
 * the injector sets RF itself.  Traps and aborts leave it alone, and so
 * does #DB, as KVM's injection does.
 */
static inline void minivm_fault_sets_rf(u8 vector)
{
	switch (vector) {
	case X86_TRAP_DB:
	case X86_TRAP_BP:
	case X86_TRAP_OF:
	case X86_TRAP_DF:
	case X86_TRAP_MC:
		return;
	}
	vmcs_write(GUEST_RFLAGS, vmcs_read(GUEST_RFLAGS) | X86_EFLAGS_RF);
}

/*
 * Deliver hardware exception @vector on the next entry ("Event Injection"
 * in the SDM's VM-entry chapter).  Faults leave RIP on the faulting
 * instruction, and RF set in the RFLAGS they push.  A real-mode guest
 * gets no error code: entry refuses one when CR0.PE is 0 ("Checks on
 * VM-Entry Control Fields").
 *
 * Return: 1, so that an exit handler can "return minivm_inject(...)" to
 * re-enter the guest.
 */
static inline int minivm_inject(u8 vector, bool has_error_code, u32 code)
{
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;

	minivm_fault_sets_rf(vector);
	if (has_error_code && (vmcs_read(GUEST_CR0) & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, code);
	}
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
	return 1;
}

/*
 * Give up on this exit: MINIVM_EXIT_INTERNAL_ERROR with @suberror and up
 * to four words of facts for the VMM.  The VM stays destroyable.
 *
 * Return: 0, to return to userspace.
 */
static inline int minivm_internal_error(struct minivm_vcpu *vcpu, u32 suberror,
					unsigned int ndata, const u64 *data)
{
	struct minivm_run *run = vcpu->run;
	unsigned int n = min_t(unsigned int, ndata,
			       ARRAY_SIZE(run->internal.data));

	run->exit_reason = MINIVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = n;
	memcpy(run->internal.data, data, n * sizeof(u64));
	return 0;
}

/* An exit minivm did not expect: its reason, qualification and RIP. */
static inline int minivm_unexpected_exit(struct minivm_vcpu *vcpu, u32 reason)
{
	u64 data[] = {
		reason, vmcs_read(EXIT_QUALIFICATION), vmcs_read(GUEST_RIP),
	};

	return minivm_internal_error(vcpu, MINIVM_INTERNAL_UNEXPECTED_EXIT,
				     ARRAY_SIZE(data), data);
}

/*
 * Flush the guest's TLB entries on this CPU, as a MOV to CR3 or a paging
 * mode change the guest made natively would have.  Without a VPID, every
 * VM entry and exit flushes anyway ("VPID and TLB Management" in the
 * SDM); with one, INVVPID for this vCPU's VPID alone where the CPU
 * supports that, else for all of them.
 */
static inline void minivm_flush_guest_tlb(struct minivm_vcpu *vcpu)
{
	if (!vcpu->vpid)
		return;
	if (minivm_caps.ept_vpid_cap & VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT << 32)
		vmx_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, vcpu->vpid);
	else
		vmx_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0);
}

#endif /* MINIVM_GUEST_H */

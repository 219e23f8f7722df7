// SPDX-License-Identifier: GPL-2.0
/*
 * debugreg.c - the guest's debug registers, and the host's that a VM exit
 * overwrites.
 *
 * DR7 and IA32_DEBUGCTL have fields in the VMCS: with "load debug
 * controls" (entry) and "save debug controls" (exit), both required in
 * vmcs.c, the guest's are switched in and out by the CPU.  But a VM exit
 * does not restore the host's: it sets DR7 to 400h and DEBUGCTL to 0
 * ("Loading Host Control Registers, Debug Registers, MSRs" in the SDM's
 * VM-exit chapter).  So after every exit minivm puts back the host's
 * DEBUGCTL and, if the host has breakpoints armed, its DR7: a debugger's
 * watchpoint on the host keeps working.  DEBUGCTL is read when the vCPU
 * is loaded on a CPU (RUN, and every time the thread is scheduled in),
 * as KVM reads it in vmx_vcpu_load(): the host changes it only when it
 * switches tasks (perf's LBR users), and an RDMSR per entry is not free
 * (in an emulator without the MSR, it is a #GP and its fixup each time).
 *
 * DR0-DR3 and DR6 have no VMCS fields.  Every MOV to or from a debug
 * register exits ("MOV-DR exiting"): the guest never reads the host's
 * breakpoint addresses.  minivm keeps the guest's values in the vCPU and
 * loads them into the CPU only around entries where the guest's DR7
 * arms a breakpoint; after such an exit the host's come back through
 * hw_breakpoint_restore().  #DB always exits (exception.c), so the CPU
 * never writes DR6 behind minivm's back: the guest's DR6 is what the
 * exits say.
 *
 * Left out (as in KVM without guest debugging): debugging the guest from
 * the host with hardware breakpoints.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/percpu.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include <asm/debugreg.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "guest.h"

/*
 * DR6 bits software can change: B0-B3, BD, BS, BT (SDM Vol. 3B, "Debug
 * Status Register (DR6)").
 */
#define DR6_WRITABLE	0xe00fUL
/*
 * A #DB clears B0-B3 only: BD, BS and BT stay set until software clears
 * them ("Debug Status Register (DR6)": "the remaining contents of the
 * DR6 register are never cleared by the processor").
 */
#define DR6_TRAPS	0xfUL
/* DR6's bits that read as 1; RTM (bit 16) too, as minivm has no TSX. */
#define DR6_ONES	0xffff0ff0UL
/* DR7: bit 10 reads as 1; bits 11, 12, 14 and 15 are reserved, 0. */
#define DR7_ONES	0x400UL
#define DR7_RESERVED	0xd800UL
#define DR7_ARMED	0xffUL		/* L0-L3, G0-G3 */
#define DR7_GD		BIT(13)		/* general detect */
#define DR6_BD		BIT(13)		/* ... which sets this in DR6 */

/** minivm_debug_reset() - the debug registers after RESET. */
void minivm_debug_reset(struct minivm_vcpu *vcpu)
{
	memset(vcpu->db, 0, sizeof(vcpu->db));
	vcpu->dr6 = DR6_ONES;
	vcpu->dr7_armed = false;
	vmcs_write(GUEST_DR7, DR7_ONES);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
}

/**
 * minivm_debug_load() - the vCPU is loaded on this CPU: note the host's
 * DEBUGCTL, which every exit must put back.
 * @vcpu: the vCPU; preemption is off.
 */
void minivm_debug_load(struct minivm_vcpu *vcpu)
{
	vcpu->host_debugctl = get_debugctlmsr();
}

/**
 * minivm_debug_enter() - just before VM entry, interrupts off.
 * @vcpu: the vCPU.
 */
void minivm_debug_enter(struct minivm_vcpu *vcpu)
{
	if (!vcpu->dr7_armed)
		return;
	/* The host's DR7 must not arm the guest's addresses, even briefly. */
	set_debugreg(0, 7);
	set_debugreg(vcpu->db[0], 0);
	set_debugreg(vcpu->db[1], 1);
	set_debugreg(vcpu->db[2], 2);
	set_debugreg(vcpu->db[3], 3);
	set_debugreg(vcpu->dr6, 6);
	vcpu->db_loaded = true;
}

/**
 * minivm_debug_exit() - just after VM exit, interrupts still off: the
 * host's debug registers and DEBUGCTL as they were before the entry.
 * @vcpu: the vCPU.
 */
void minivm_debug_exit(struct minivm_vcpu *vcpu)
{
	if (vcpu->db_loaded || hw_breakpoint_active())
		hw_breakpoint_restore();
	vcpu->db_loaded = false;
	if (vcpu->host_debugctl)
		update_debugctlmsr(vcpu->host_debugctl);
}

static unsigned long read_dr(struct minivm_vcpu *vcpu, unsigned int dr)
{
	if (dr < 4)
		return vcpu->db[dr];
	if (dr == 6)
		return vcpu->dr6;
	return vmcs_read(GUEST_DR7);
}

static bool write_dr(struct minivm_vcpu *vcpu, unsigned int dr, u64 val)
{
	if (dr < 4) {
		vcpu->db[dr] = val;
		return true;
	}
	/* Bits 63:32 of DR6 and DR7 must be 0 (SDM Vol. 2B, MOV DR). */
	if (val >> 32)
		return false;
	if (dr == 6) {
		vcpu->dr6 = (val & DR6_WRITABLE) | DR6_ONES;
		return true;
	}
	val = (val & ~DR7_RESERVED) | DR7_ONES;
	vmcs_write(GUEST_DR7, val);
	vcpu->dr7_armed = val & DR7_ARMED;
	return true;
}

/**
 * minivm_handle_dr() - a MOV to or from a debug register exited.
 * @vcpu: the vCPU.
 *
 * The qualification says which register, which direction and which GPR
 * ("Exit Qualification for MOV DR").  The CPU has already checked CPL 0
 * (#GP first); DR4/DR5 alias DR6/DR7 unless CR4.DE makes them #UD, and
 * DR7.GD turns the access into a #DB with DR6.BD, as on bare metal.
 *
 * Return: 1, to re-enter the guest.
 */
int minivm_handle_dr(struct minivm_vcpu *vcpu)
{
	unsigned long q = vmcs_read(EXIT_QUALIFICATION);
	unsigned int dr = q & 7, reg = (q >> 8) & 15;
	bool from = q & 16;
	u64 val;

	if (vmcs_read(GUEST_DR7) & DR7_GD) {
		vmcs_write(GUEST_DR7, vmcs_read(GUEST_DR7) & ~DR7_GD);
		minivm_queue_db(vcpu, DR6_BD);
		return 1;
	}
	if (dr == 4 || dr == 5) {
		if (minivm_guest_cr4(vcpu) & X86_CR4_DE)
			return minivm_inject(X86_TRAP_UD, false, 0);
		dr += 2;
	}
	if (from) {
		minivm_write_gpr(vcpu, reg, read_dr(vcpu, dr));
	} else {
		val = minivm_read_gpr(vcpu, reg);
		if (!minivm_long_mode(vcpu))
			val = (u32)val;
		if (!write_dr(vcpu, dr, val))
			return minivm_inject(X86_TRAP_GP, true, 0);
	}
	minivm_skip_instruction();
	return 1;
}

/**
 * minivm_queue_db() - deliver a #DB with @bits in DR6 on the next entry.
 * @vcpu: the vCPU.
 * @bits: B0-B3, BD and BS as the CPU would report them.
 *
 * minivm's copy of DR6 gets them as the CPU would have written them: B0-B3
 * replaced, the others added to what is there.
 */
void minivm_queue_db(struct minivm_vcpu *vcpu, unsigned long bits)
{
	u32 shadow = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	vcpu->dr6 = (vcpu->dr6 & ~DR6_TRAPS) | (bits & DR6_WRITABLE) | DR6_ONES;
	/*
	 * In an STI or MOV-SS shadow with RFLAGS.TF set, entry checks that a
	 * single step is pending ("Checks on Guest Non-Register State");
	 * an entry that injects an exception drops it anyway ("Delivery of
	 * Pending Debug Exceptions after VM Entry"), so this only satisfies
	 * the check (a #DB for MOV DR with DR7.GD right after MOV SS).
	 */
	if ((vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_TF) &&
	    (shadow & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)))
		vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS,
			   vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS) | DR_STEP);
	minivm_inject(X86_TRAP_DB, false, 0);
}

/**
 * minivm_reflect_db() - a #DB in the guest exited: give it to the guest.
 * @vcpu: the vCPU.
 *
 * The exit qualification holds what the CPU would have put in DR6 (B0-B3,
 * BD, BS), and the #DB is delivered on the next entry.  A #DB loop
 * (CVE-2015-8104) thus goes through the host at every step.
 *
 * Return: 1, to re-enter the guest.
 */
int minivm_reflect_db(struct minivm_vcpu *vcpu)
{
	minivm_queue_db(vcpu, vmcs_read(EXIT_QUALIFICATION));
	return 1;
}

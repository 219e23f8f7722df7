// SPDX-License-Identifier: GPL-2.0
/*
 * exit.c - what each VM exit means, and who deals with it.
 *
 * After every exit the CPU leaves its reason in the VMCS (SDM Vol. 3C,
 * "Basic VM-Exit Information"; the basic reasons are listed in Vol. 3D,
 * Appendix C, "VMX Basic Exit Reasons").  Some are
 * handled here and the guest goes straight back in (CPUID, control
 * registers, interrupts that were meant for the host).  Others need the
 * VMM in userspace: they are described in the shared run page and RUN
 * returns (HLT, port I/O, MMIO, shutdown).  Anything minivm does not
 * expect becomes MINIVM_EXIT_INTERNAL_ERROR with the raw facts, and the VM
 * stays destroyable: a guest can make minivm give up, never the host.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "guest.h"

/*
 * An EPT violation in a slot is the guest's first touch of that RAM:
 * minivm pins and maps it (memslot.c) and the guest retries the access.
 *
 * Return: 0 if the RAM is there now; -ENOENT (no slot) or -EROFS (a
 * write to a read-only slot) if this is MMIO; -EFAULT if the VMM's memory
 * behind the slot is gone; -ENOMEM.
 */
static int fault_in_ram(struct minivm_vm *vm, u64 gpa, bool write)
{
	struct minivm_memslot *s;
	int ret = -ENOENT;

	mutex_lock(&vm->lock);
	s = minivm_find_slot(vm, gpa);
	if (s && write && (s->flags & MINIVM_MEM_READONLY))
		ret = -EROFS;
	else if (s)
		ret = minivm_fault_in(vm, s, gpa);
	mutex_unlock(&vm->lock);
	return ret;
}

/*
 * A device's registers are accessed again and again: the vCPU remembers
 * the last page it found in no slot and skips the lookup (and the VM's
 * lock) while no slot has changed since.  A slot added at the same time
 * as the guest's access may be missed once, as with any race between a
 * VMM's slot change and its running guest.
 */
static bool known_mmio(struct minivm_vcpu *vcpu, u64 gpa, unsigned long gen)
{
	return vcpu->mmio_gfn == gpa >> PAGE_SHIFT && vcpu->mmio_gen == gen;
}

/*
 * Was the access the CPU's own walk of the guest's page tables (reading
 * an entry, or setting its accessed or dirty bit) rather than the access
 * the instruction asked for?  Bit 7 of the qualification says there was a
 * linear address, bit 8 that this access was to its translation (SDM
 * Vol. 3C, "Exit Qualification for EPT Violations").
 */
static bool page_walk(unsigned long qual)
{
	return (qual & EPT_VIOLATION_GVA_IS_VALID) &&
	       !(qual & EPT_VIOLATION_GVA_TRANSLATED);
}

/*
 * An EPT violation: RAM the guest touches for the first time (pin it,
 * retry), a read-only slot written or no slot at all (MMIO: emulate the
 * instruction), or memory the CPU needed to deliver an event: RAM, then
 * deliver it again; not RAM (the IDT, GDT or stack is outside every
 * slot), an internal error, as there is no instruction to emulate.
 * Neither is there one for guest page tables outside writable RAM: the
 * instruction's own access goes elsewhere, so emulating it would send
 * userspace a device access that the guest never made.
 */
static noinline int handle_ept_violation(struct minivm_vcpu *vcpu)
{
	u32 vectoring = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	u64 gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	unsigned long qual = vmcs_read(EXIT_QUALIFICATION);
	bool write = qual & EPT_VIOLATION_ACC_WRITE;
	unsigned long gen = READ_ONCE(vcpu->vm->slots_gen);
	int ret;

	/*
	 * No L1D flush for this exit as such, as with KVM's EPT violations:
	 * pinning RAM reads the VM's slots and the VMM's page tables and
	 * zeroes new pages, which tells the guest at most the host's layout
	 * (the "cond" policy, design.rst).  Decoding an MMIO instruction
	 * walks where the guest points, and flags the flush (gva.c).
	 */
	if (minivm_apic_access_fault(vcpu, gpa,
				     qual & EPT_VIOLATION_ACC_INSTR)) {
		minivm_redeliver(vcpu);	/* the APIC-access page is there now */
		return 1;
	}
	if (!(vectoring & VECTORING_INFO_VALID_MASK) && !page_walk(qual) &&
	    known_mmio(vcpu, gpa, gen))
		return minivm_emulate_mmio(vcpu, gpa, write);
	ret = fault_in_ram(vcpu->vm, gpa, write);
	if (!ret) {
		minivm_redeliver(vcpu);	/* an event it interrupted (event.c) */
		return 1;		/* RAM now: the guest retries */
	}
	if (ret != -ENOENT && ret != -EROFS) {
		u64 data[] = { gpa, vmcs_read(GUEST_RIP), -ret };

		return minivm_internal_error(vcpu, MINIVM_INTERNAL_MEMORY,
					     ARRAY_SIZE(data), data);
	}
	if (ret == -ENOENT) {
		vcpu->mmio_gfn = gpa >> PAGE_SHIFT;
		vcpu->mmio_gen = gen;
	}
	if (vectoring & VECTORING_INFO_VALID_MASK) {
		u64 data[] = { vectoring, gpa, vmcs_read(GUEST_RIP) };

		return minivm_internal_error(vcpu, MINIVM_INTERNAL_DELIVERY,
					     ARRAY_SIZE(data), data);
	}
	if (page_walk(qual)) {
		u64 data[] = {
			gpa, vmcs_read(GUEST_RIP),
			vmcs_read(GUEST_LINEAR_ADDRESS),
		};

		return minivm_internal_error(vcpu, MINIVM_INTERNAL_PAGE_WALK,
					     ARRAY_SIZE(data), data);
	}
	return minivm_emulate_mmio(vcpu, gpa, write);
}

/*
 * The access types of "Exit Qualification for APIC-Access VM Exits"
 * (bits 15:12, APIC_ACCESS_TYPE; the page offset is in bits 11:0).
 */
#define APIC_ACCESS_READ	0x0000	/* a load by an instruction */
#define APIC_ACCESS_WRITE	0x1000	/* a store by an instruction */
#define APIC_ACCESS_FETCH	0x2000
#define APIC_ACCESS_DELIVERY	0x3000	/* linear, during event delivery */
#define APIC_ACCESS_DELIVERY_GPA 0xa000	/* guest-physical, during delivery */

/*
 * An access to the APIC-access page that the CPU did not virtualize
 * (lapic_access_page.c; SDM "APIC-Access VM Exits").  The exit is
 * fault-like: RIP is still at the instruction.  A load or a store is
 * decoded and served as an EPT violation at the same address would be,
 * and so would be an instruction fetch, which finds no instruction there
 * (but the page is not executable in the EPT, so a fetch is an EPT
 * violation first).  An access during event delivery is a delivery
 * error, as above; a page-table access there, an unexpected exit:
 * minivm does not emulate paging structures in MMIO.
 */
static noinline int handle_apic_access(struct minivm_vcpu *vcpu)
{
	unsigned long qual = vmcs_read(EXIT_QUALIFICATION);
	u64 gpa = APIC_DEFAULT_PHYS_BASE + (qual & APIC_ACCESS_OFFSET);
	u64 data[] = {
		vmcs_read32(IDT_VECTORING_INFO_FIELD), gpa, vmcs_read(GUEST_RIP),
	};

	vcpu->l1d_dirty = true;		/* decoding reads guest memory */
	switch (qual & APIC_ACCESS_TYPE) {
	case APIC_ACCESS_READ:
	case APIC_ACCESS_FETCH:
		return minivm_emulate_mmio(vcpu, gpa, false);
	case APIC_ACCESS_WRITE:
		return minivm_emulate_mmio(vcpu, gpa, true);
	case APIC_ACCESS_DELIVERY:
	case APIC_ACCESS_DELIVERY_GPA:
		return minivm_internal_error(vcpu, MINIVM_INTERNAL_DELIVERY,
					     ARRAY_SIZE(data), data);
	default:
		return minivm_unexpected_exit(vcpu, EXIT_REASON_APIC_ACCESS);
	}
}

static noinline int handle_ept_misconfig(struct minivm_vcpu *vcpu)
{
	u64 data[] = {
		vmcs_read64(GUEST_PHYSICAL_ADDRESS), vmcs_read(GUEST_RIP),
	};

	return minivm_internal_error(vcpu, MINIVM_INTERNAL_EPT_MISCONFIG,
				     ARRAY_SIZE(data), data);
}

/* Outside 64-bit mode a hypercall's number and arguments are 32-bit. */
static u64 hypercall_mask(struct minivm_vcpu *vcpu)
{
	return minivm_long_mode(vcpu) ? ~0ULL : 0xffffffffULL;
}

/*
 * The hypercalls the kernel answers itself (api.rst, "Hypercalls"): those
 * from outside ring 0, which are refused, and every number that is not in
 * userspace's range.
 *
 * Return: true with the answer in RAX, false if userspace answers.
 */
static bool kernel_hypercall(struct minivm_vcpu *vcpu)
{
	struct minivm_gprs *g = &vcpu->gprs;
	u64 mask = hypercall_mask(vcpu);
	u64 nr = g->rax & mask;

	if (VMX_AR_DPL(vmcs_read32(GUEST_SS_AR_BYTES))) {	/* CPL > 0 */
		g->rax = -MINIVM_HC_EPERM & mask;
		return true;
	}
	switch (nr) {
	case MINIVM_HC_NOP:
		g->rax = 0;
		return true;
	/* LAB 7 begin */
	case MINIVM_HC_API_VERSION:
		g->rax = MINIVM_API_VERSION;
		return true;
	/* LAB 7 end */
	}
	if (nr < MINIVM_HC_USER_FIRST || nr > MINIVM_HC_USER_LAST) {
		g->rax = -MINIVM_HC_ENOSYS & mask;
		return true;
	}
	return false;
}

/* VMCALL: the guest asks its hypervisor, the para-virtual way. */
static int handle_vmcall(struct minivm_vcpu *vcpu)
{
	u64 mask = hypercall_mask(vcpu);
	struct minivm_gprs *g = &vcpu->gprs;
	struct minivm_run *run = vcpu->run;

	minivm_skip_instruction();
	if (kernel_hypercall(vcpu))
		return 1;
	run->exit_reason = MINIVM_EXIT_HYPERCALL;
	run->hypercall.nr = g->rax & mask;
	run->hypercall.args[0] = g->rbx & mask;
	run->hypercall.args[1] = g->rcx & mask;
	run->hypercall.args[2] = g->rdx & mask;
	run->hypercall.args[3] = g->rsi & mask;
	run->hypercall.ret = -MINIVM_HC_ENOSYS & mask;	/* if userspace says nothing */
	vcpu->pending = MINIVM_PENDING_HYPERCALL;
	return 0;
}

/* An emulated instruction: step over it if done, else #GP(0). */
static int emulated(struct minivm_vcpu *vcpu, bool done)
{
	if (!done)
		return minivm_inject(X86_TRAP_GP, true, 0);
	minivm_skip_instruction();
	return 1;
}

/*
 * VM entry failed after VMLAUNCH/VMRESUME was accepted: the exit reason
 * has bit 31 set and says which checks failed (SDM Vol. 3C, "VM-Entry
 * Failures During or After Loading Guest State").
 */
static noinline int failed_entry(struct minivm_vcpu *vcpu, u32 reason)
{
	struct minivm_run *run = vcpu->run;

	run->exit_reason = MINIVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = reason & 0xffff;
	run->fail_entry.qualification = vmcs_read(EXIT_QUALIFICATION);
	run->fail_entry.vm_instruction_error = 0;
	return 0;
}

/**
 * minivm_handle_fast_exit() - answer an exit with interrupts still off.
 * @vcpu: the vCPU, just back from the guest; interrupts and preemption
 *        are off.
 *
 * CPUID and the hypercalls the kernel answers touch only the guest's
 * registers, its VMCS and its VM's CPUID table (read under RCU): nothing
 * that sleeps, waits for a lock or needs the host's interrupts, so run.c
 * enters the guest again straight after them (its fast path).  These are
 * instruction exits, which never come in the middle of delivering an
 * event ("Information for VM Exits During Event Delivery"): there is
 * nothing to deliver again.
 *
 * Return: true if the exit was one of those and is done; false, with
 * nothing changed, to leave it to minivm_handle_exit().
 */
bool minivm_handle_fast_exit(struct minivm_vcpu *vcpu)
{
	/* A failed entry's reasons (33, 34, 41) are none of these. */
	switch ((u16)vcpu->exit_reason) {
	case EXIT_REASON_CPUID:
		minivm_emulate_cpuid(vcpu);
		break;
	case EXIT_REASON_VMCALL:
		if (!kernel_hypercall(vcpu))
			return false;
		break;
	default:
		return false;
	}
	minivm_count_exit(vcpu->exit_reason);
	minivm_skip_instruction();
	return true;
}

/**
 * minivm_handle_exit() - deal with the exit that just happened.
 * @vcpu: the vCPU, back from the guest; preemption is on.
 *
 * The thread may be preempted and moved while it handles the exit; the
 * VMCS follows it (the preempt notifier's sched_in loads it again), so
 * VMREAD and VMWRITE here always reach this vCPU's VMCS.
 *
 * Return: 1 to enter the guest again, 0 to return to userspace with
 * run->exit_reason set.
 */
int minivm_handle_exit(struct minivm_vcpu *vcpu)
{
	u32 reason = vcpu->exit_reason;
	int ret;

	if (reason & VMX_EXIT_REASONS_FAILED_VMENTRY)
		return failed_entry(vcpu, reason);
	minivm_count_exit(reason);
	/*
	 * An exit in the middle of delivering an event to the guest leaves
	 * it undelivered (event.c).  EPT violations and exceptions judge
	 * that themselves; after any other exit it simply goes in again.
	 */
	if ((u16)reason != EXIT_REASON_EPT_VIOLATION &&
	    (u16)reason != EXIT_REASON_EXCEPTION_NMI &&
	    (vmcs_read32(IDT_VECTORING_INFO_FIELD) & VECTORING_INFO_VALID_MASK))
		minivm_redeliver(vcpu);

	switch ((u16)reason) {
	case EXIT_REASON_EXCEPTION_NMI:
		ret = minivm_handle_exception(vcpu);
		break;
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_PREEMPTION_TIMER:
		ret = 1;		/* the host has had its turn by now */
		break;
	case EXIT_REASON_PAUSE_INSTRUCTION:
		/*
		 * A PAUSE loop that went on too long: the guest waits for
		 * something.  The PAUSE is done (it only hints); the host
		 * gets its turn (cond_resched() and signals in run.c), and
		 * the guest goes on spinning or finds what it waited for.
		 */
		minivm_skip_instruction();
		ret = 1;
		break;
	case EXIT_REASON_TPR_BELOW_THRESHOLD:
		ret = 1;		/* the next entry injects what TPR held */
		break;
	case EXIT_REASON_INTERRUPT_WINDOW:
	case EXIT_REASON_NMI_WINDOW:
		ret = minivm_handle_window(vcpu);
		break;
	case EXIT_REASON_EOI_INDUCED:
		ret = minivm_handle_eoi_induced(vcpu);
		break;
	case EXIT_REASON_APIC_WRITE:
		ret = minivm_handle_apic_write(vcpu);
		break;
	case EXIT_REASON_APIC_ACCESS:
		ret = handle_apic_access(vcpu);
		break;
	case EXIT_REASON_TRIPLE_FAULT:
		vcpu->run->exit_reason = MINIVM_EXIT_SHUTDOWN;
		ret = 0;
		break;
	case EXIT_REASON_CPUID:
		minivm_emulate_cpuid(vcpu);
		minivm_skip_instruction();
		ret = 1;
		break;
	case EXIT_REASON_HLT:
		ret = minivm_handle_hlt(vcpu);
		break;
	case EXIT_REASON_CR_ACCESS:
		ret = minivm_handle_cr(vcpu);
		break;
	case EXIT_REASON_DR_ACCESS:
		ret = minivm_handle_dr(vcpu);
		break;
	case EXIT_REASON_IO_INSTRUCTION:
		ret = minivm_handle_io(vcpu);
		break;
	case EXIT_REASON_EPT_VIOLATION:
		ret = handle_ept_violation(vcpu);
		break;
	case EXIT_REASON_EPT_MISCONFIG:
		ret = handle_ept_misconfig(vcpu);
		break;
	case EXIT_REASON_VMCALL:
		ret = handle_vmcall(vcpu);
		break;
	case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMLAUNCH: case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST: case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMRESUME: case EXIT_REASON_VMWRITE:
	case EXIT_REASON_VMOFF: case EXIT_REASON_VMON:
	case EXIT_REASON_INVEPT: case EXIT_REASON_INVVPID:
	case 11:	/* GETSEC: the kernel's headers have no name for it */
	case EXIT_REASON_MONITOR_INSTRUCTION:
	case EXIT_REASON_MWAIT_INSTRUCTION:
		/*
		 * No nested VMX, no SMX, no MONITOR/MWAIT (CPUID hides them
		 * all): these instructions do not exist for the guest.
		 */
		ret = minivm_inject(X86_TRAP_UD, false, 0);
		break;
	case EXIT_REASON_RDPMC:
		/*
		 * The guest has no performance counters (CPUID leaf 0Ah is
		 * empty), so every counter number is invalid: #GP(0), as the
		 * SDM's RDPMC says for one.
		 */
		ret = minivm_inject(X86_TRAP_GP, true, 0);
		break;
	case EXIT_REASON_MSR_READ:
	case EXIT_REASON_MSR_WRITE:
		ret = emulated(vcpu, minivm_emulate_msr(vcpu, (u16)reason ==
							EXIT_REASON_MSR_WRITE));
		break;
	case EXIT_REASON_XSETBV:
		ret = emulated(vcpu, minivm_emulate_xsetbv(vcpu));
		break;
	case EXIT_REASON_INVD:
	case EXIT_REASON_WBINVD:
		/*
		 * Guest memory is write-back RAM, coherent with the host's
		 * view: there is nothing to flush for it.  INVD would throw
		 * away the host's dirty lines, WBINVD flush every cache of
		 * this CPU; both are skipped.
		 */
		minivm_skip_instruction();
		ret = 1;
		break;
	default:
		ret = minivm_unexpected_exit(vcpu, reason);
		break;
	}
	return ret;
}

/**
 * minivm_complete_userspace_io() - finish the exit userspace just served.
 * @vcpu: the vCPU, at the start of MINIVM_RUN, VMCS loaded.
 *
 * Return: 0; 1 if that made another exit for userspace, already in the
 * run page (the write of a read-modify-write on MMIO); or -EFAULT if the
 * memory an INS writes to stopped being RAM (a slot deleted in between):
 * the data is then dropped.
 */
int minivm_complete_userspace_io(struct minivm_vcpu *vcpu)
{
	enum minivm_pending pending = vcpu->pending;
	int ret = 0;

	vcpu->pending = MINIVM_PENDING_NONE;
	switch (pending) {
	case MINIVM_PENDING_IO_IN:
	case MINIVM_PENDING_INS:
		ret = minivm_complete_io(vcpu, pending == MINIVM_PENDING_INS);
		break;
	case MINIVM_PENDING_MMIO_READ:
		minivm_complete_mmio_read(vcpu);
		break;
	case MINIVM_PENDING_MMIO_ALU:
		ret = minivm_complete_mmio_alu(vcpu);
		break;
	case MINIVM_PENDING_HYPERCALL:
		/* Any value is a value: the guest asked userspace for it. */
		vcpu->gprs.rax = READ_ONCE(vcpu->run->hypercall.ret);
		break;
	case MINIVM_PENDING_NONE:
		break;
	}
	return ret;
}

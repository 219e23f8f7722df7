// SPDX-License-Identifier: GPL-2.0
/*
 * exit.c - what each VM exit means, and who deals with it.
 *
 * After every exit the CPU leaves its reason in the VMCS (SDM Vol. 3C,
 * 28.2.1; the basic reasons are listed in Vol. 3D, Appendix C).  Some are
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
#include "vmx_ops.h"

/* Move RIP past the instruction that exited (28.2.5: its length). */
static void skip_instruction(void)
{
	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) +
		   vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
}

/**
 * minivm_gpr() - a pointer to guest register @n in the SDM's numbering
 * (0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15).
 * @vcpu: the vCPU.
 * @n:    the register; RSP (4) lives in the VMCS and is handled apart.
 */
static unsigned long *minivm_gpr(struct minivm_vcpu *vcpu, unsigned int n)
{
	return &((unsigned long *)&vcpu->gprs)[n & 15];
}

static unsigned long read_gpr(struct minivm_vcpu *vcpu, unsigned int n)
{
	return n == 4 ? vmcs_read(GUEST_RSP) : *minivm_gpr(vcpu, n);
}

static void write_gpr(struct minivm_vcpu *vcpu, unsigned int n,
		      unsigned long val)
{
	if (n == 4)
		vmcs_write(GUEST_RSP, val);
	else
		*minivm_gpr(vcpu, n) = val;
}

static int internal_error(struct minivm_vcpu *vcpu, u32 suberror,
			  unsigned int ndata, const u64 *data)
{
	struct minivm_run *run = vcpu->run;

	run->exit_reason = MINIVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = min_t(unsigned int, ndata,
				    ARRAY_SIZE(run->internal.data));
	memcpy(run->internal.data, data, run->internal.ndata * sizeof(u64));
	return 0;
}

static int unexpected_exit(struct minivm_vcpu *vcpu, u32 reason)
{
	u64 data[] = {
		reason, vmcs_read(EXIT_QUALIFICATION), vmcs_read(GUEST_RIP),
	};

	return internal_error(vcpu, MINIVM_INTERNAL_UNEXPECTED_EXIT,
			      ARRAY_SIZE(data), data);
}

/*
 * CR0: the guest owns every bit but NE, CD and NW (vmcs.c).  Its value is
 * what it wrote (the read shadow); the real one keeps NE set (VMX needs
 * it) and caching on.  Setting PG with EFER.LME set enters long mode:
 * EFER.LMA follows, and with it the "IA-32e mode guest" entry control
 * (SDM Vol. 3A, 10.8.5; Vol. 3C, 26.3.1.1).
 */
void minivm_set_cr0(struct minivm_vcpu *vcpu, unsigned long val)
{
	u64 efer = vmcs_read64(GUEST_IA32_EFER);

	vcpu->cr0_shadow = val;
	vmcs_write(CR0_READ_SHADOW, val);
	vmcs_write(GUEST_CR0, (val & ~(X86_CR0_CD | X86_CR0_NW)) | X86_CR0_NE);
	if ((val & X86_CR0_PG) && (efer & EFER_LME))
		efer |= EFER_LMA;
	else if (!(val & X86_CR0_PG))
		efer &= ~EFER_LMA;
	vmcs_write(GUEST_IA32_EFER, efer);
	minivm_vmcs_update_entry_mode(vcpu);
}

/*
 * CR4: everything the guest's but VMXE, which it never sees set, and
 * OSXSAVE, which says whether its XCR0 is loaded (msr.c).  The guest has
 * no VMX (CPUID says so), so setting VMXE is a #GP, as is OSXSAVE on a
 * host without XSAVE.
 *
 * Return: false if the value is refused.
 */
bool minivm_set_cr4(struct minivm_vcpu *vcpu, unsigned long val)
{
	if ((val & X86_CR4_VMXE) ||
	    ((val & X86_CR4_OSXSAVE) && !minivm_guest_xsave()))
		return false;
	vcpu->cr4_shadow = val;
	vmcs_write(CR4_READ_SHADOW, val);
	vmcs_write(GUEST_CR4, val | X86_CR4_VMXE);
	return true;
}

/*
 * The guest's CR0 and CR4, as a MOV from them would read.  The bits the
 * guest owns change without an exit (turning paging on, entering
 * protected mode), so they come from the real register; the ones minivm
 * owns come from what the guest last wrote, since the real ones differ
 * (NE, VMXE).  Whatever depends on the guest's mode reads these.
 */
unsigned long minivm_guest_cr0(struct minivm_vcpu *vcpu)
{
	return (vcpu->cr0_shadow & MINIVM_CR0_HOST_OWNED) |
	       (vmcs_read(GUEST_CR0) & ~MINIVM_CR0_HOST_OWNED);
}

unsigned long minivm_guest_cr4(struct minivm_vcpu *vcpu)
{
	return (vcpu->cr4_shadow & MINIVM_CR4_HOST_OWNED) |
	       (vmcs_read(GUEST_CR4) & ~MINIVM_CR4_HOST_OWNED);
}

/*
 * Deliver an exception to the guest on the next entry (SDM Vol. 3C,
 * 26.6: VM-entry event injection).  Faults leave RIP on the faulting
 * instruction.  A real-mode guest gets no error code: entry refuses one
 * when CR0.PE is 0 (26.2.1.3).
 */
static int inject_exception(struct minivm_vcpu *vcpu, u8 vector,
			    bool has_error_code)
{
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;

	if (has_error_code && (minivm_guest_cr0(vcpu) & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
	}
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
	return 1;
}

/* Control-register accesses (qualification: SDM Table 28-3). */
static int handle_cr(struct minivm_vcpu *vcpu)
{
	unsigned long q = vmcs_read(EXIT_QUALIFICATION);
	unsigned int cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;

	if (type == 0 && cr == 0) {			/* MOV to CR0 */
		minivm_set_cr0(vcpu, read_gpr(vcpu, reg));
	} else if (type == 0 && cr == 4) {		/* MOV to CR4 */
		if (!minivm_set_cr4(vcpu, read_gpr(vcpu, reg)))
			return inject_exception(vcpu, X86_TRAP_GP, true);
	} else if (type == 0 && cr == 3) {		/* MOV to CR3 */
		vmcs_write(GUEST_CR3, read_gpr(vcpu, reg));
	} else if (type == 1 && cr == 3) {		/* MOV from CR3 */
		write_gpr(vcpu, reg, vmcs_read(GUEST_CR3));
	} else {
		return unexpected_exit(vcpu, EXIT_REASON_CR_ACCESS);
	}
	skip_instruction();
	return 1;
}

/* Room for string I/O data in the run page. */
#define IO_DATA_MAX	(PAGE_SIZE - MINIVM_RUN_IO_DATA_OFFSET)

/*
 * After @count items of INS/OUTS: advance RSI or RDI by what moved (back
 * if RFLAGS.DF), count RCX down for REP, and step over the instruction
 * only when it is finished.  A REP with items left executes again and
 * exits again: big transfers go to userspace a run page at a time.
 */
static void string_io_done(struct minivm_vcpu *vcpu, unsigned int count,
			   unsigned int size, bool rep, bool in, u64 amask)
{
	unsigned long *index = in ? &vcpu->gprs.rdi : &vcpu->gprs.rsi;
	long step = (long)count * size;

	if (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_DF)
		step = -step;
	*index = (*index & ~amask) | ((*index + step) & amask);
	if (rep)
		vcpu->gprs.rcx = (vcpu->gprs.rcx & ~amask) |
				 ((vcpu->gprs.rcx - count) & amask);
	if (!rep || !(vcpu->gprs.rcx & amask))
		skip_instruction();
}

/*
 * INS and OUTS (qualification bit 4), with or without REP (bit 5).  The
 * VM-exit instruction information says the address size (SDM Table
 * 28-8); the guest-linear address of the memory operand is in the VMCS.
 * One exit moves as many items as fit in the run page and in the rest of
 * the guest's page (one item when RFLAGS.DF runs the string backwards).
 */
static int handle_string_io(struct minivm_vcpu *vcpu, unsigned long q)
{
	u32 info = vmcs_read32(VMX_INSTRUCTION_INFO);
	u64 amask = ((u64[]){ 0xffff, 0xffffffff, ~0ULL })[(info >> 7) & 3];
	u64 gva = vmcs_read(GUEST_LINEAR_ADDRESS);
	struct minivm_run *run = vcpu->run;
	unsigned int size = (q & 7) + 1, count = 1;
	bool in = q & 8, rep = q & 32;
	u8 *data = (u8 *)run + MINIVM_RUN_IO_DATA_OFFSET;

	if (rep) {
		if (!(vcpu->gprs.rcx & amask)) {	/* REP with RCX = 0 */
			skip_instruction();
			return 1;
		}
		if (!(vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_DF))
			count = min_t(u64, vcpu->gprs.rcx & amask,
				      min_t(u64, IO_DATA_MAX,
					    PAGE_SIZE - offset_in_page(gva)) / size);
		count = max(count, 1U);
	}
	/* OUTS reads its data now; INS must be able to write it later. */
	if (!minivm_copy_guest_linear(vcpu, gva, in ? NULL : data,
				      count * size, in))
		return unexpected_exit(vcpu, EXIT_REASON_IO_INSTRUCTION);

	run->exit_reason = MINIVM_EXIT_IO;
	run->io.direction = in ? MINIVM_EXIT_IO_IN : MINIVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = q >> 16;
	run->io.count = count;
	run->io.data_offset = MINIVM_RUN_IO_DATA_OFFSET;
	if (in) {
		memset(data, 0, count * size);
		vcpu->pending = MINIVM_PENDING_INS;
		vcpu->pending_gva = gva;
	}
	string_io_done(vcpu, count, size, rep, in, amask);
	return 0;
}

/*
 * IN and OUT (qualification: SDM Table 28-5).  The data travels in the run
 * page; an IN is completed by minivm_complete_userspace_io() on the next
 * RUN.  The instruction is skipped now, so that a VMM that does not answer
 * an IN still leaves the guest in a sane state.
 */
static int handle_io(struct minivm_vcpu *vcpu)
{
	unsigned long q = vmcs_read(EXIT_QUALIFICATION);
	struct minivm_run *run = vcpu->run;
	bool in = q & 8;

	if (q & 16)
		return handle_string_io(vcpu, q);

	run->exit_reason = MINIVM_EXIT_IO;
	run->io.direction = in ? MINIVM_EXIT_IO_IN : MINIVM_EXIT_IO_OUT;
	run->io.size = (q & 7) + 1;
	run->io.port = q >> 16;
	run->io.count = 1;
	run->io.data_offset = MINIVM_RUN_IO_DATA_OFFSET;
	if (in) {
		memset((u8 *)run + MINIVM_RUN_IO_DATA_OFFSET, 0, 8);
		vcpu->pending = MINIVM_PENDING_IO_IN;
	} else {
		memcpy((u8 *)run + MINIVM_RUN_IO_DATA_OFFSET, &vcpu->gprs.rax,
		       run->io.size);
	}
	skip_instruction();
	return 0;
}

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
 * The event whose delivery an EPT violation interrupted was not
 * delivered (SDM Vol. 3C, 28.2.4): once the memory is there, deliver it
 * again on the next entry, with its error code and, for INT n, INT3 and
 * INTO, its instruction length (26.6.1.3).
 */
static void redeliver(u32 vectoring)
{
	u32 type = vectoring & VECTORING_INFO_TYPE_MASK;

	if (vectoring & VECTORING_INFO_DELIVER_CODE_MASK)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE,
			   vmcs_read32(IDT_VECTORING_ERROR_CODE));
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_SOFT_EXCEPTION ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION)
		vmcs_write(VM_ENTRY_INSTRUCTION_LEN,
			   vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD,
		   vectoring & (VECTORING_INFO_VECTOR_MASK |
				VECTORING_INFO_TYPE_MASK |
				VECTORING_INFO_DELIVER_CODE_MASK |
				VECTORING_INFO_VALID_MASK));
}

/*
 * An EPT violation: RAM the guest touches for the first time (pin it,
 * retry), a read-only slot written or no slot at all (MMIO: emulate the
 * instruction), or memory the CPU needed to deliver an event: RAM, then
 * deliver it again; not RAM (the IDT, GDT or stack is outside every
 * slot), an internal error, as there is no instruction to emulate.
 */
static int handle_ept_violation(struct minivm_vcpu *vcpu)
{
	u32 vectoring = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	u64 gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	bool write = vmcs_read(EXIT_QUALIFICATION) & 2;
	unsigned long gen = READ_ONCE(vcpu->vm->slots_gen);
	int ret;

	if (!(vectoring & VECTORING_INFO_VALID_MASK) &&
	    known_mmio(vcpu, gpa, gen))
		return minivm_emulate_mmio(vcpu, gpa, write);
	ret = fault_in_ram(vcpu->vm, gpa, write);
	if (!ret) {
		if (vectoring & VECTORING_INFO_VALID_MASK)
			redeliver(vectoring);
		return 1;		/* RAM now: the guest retries */
	}
	if (ret != -ENOENT && ret != -EROFS) {
		u64 data[] = { gpa, vmcs_read(GUEST_RIP), -ret };

		return internal_error(vcpu, MINIVM_INTERNAL_MEMORY,
				      ARRAY_SIZE(data), data);
	}
	if (ret == -ENOENT) {
		vcpu->mmio_gfn = gpa >> PAGE_SHIFT;
		vcpu->mmio_gen = gen;
	}
	if (vectoring & VECTORING_INFO_VALID_MASK) {
		u64 data[] = { vectoring, gpa, vmcs_read(GUEST_RIP) };

		return internal_error(vcpu, MINIVM_INTERNAL_DELIVERY,
				      ARRAY_SIZE(data), data);
	}
	return minivm_emulate_mmio(vcpu, gpa, write);
}

static int handle_ept_misconfig(struct minivm_vcpu *vcpu)
{
	u64 data[] = {
		vmcs_read64(GUEST_PHYSICAL_ADDRESS), vmcs_read(GUEST_RIP),
	};

	return internal_error(vcpu, MINIVM_INTERNAL_EPT_MISCONFIG,
			      ARRAY_SIZE(data), data);
}

/*
 * VMCALL: the guest asks its hypervisor, the para-virtual way (api.rst,
 * "Hypercalls").  Outside 64-bit mode the number and arguments are 32-bit.
 */
static int handle_vmcall(struct minivm_vcpu *vcpu)
{
	bool long_mode = (vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) &&
			 (vmcs_read32(GUEST_CS_AR_BYTES) & VMX_AR_L_MASK);
	u64 mask = long_mode ? ~0ULL : 0xffffffffULL;
	struct minivm_gprs *g = &vcpu->gprs;
	struct minivm_run *run = vcpu->run;
	u64 nr = g->rax & mask;

	skip_instruction();
	if (VMX_AR_DPL(vmcs_read32(GUEST_SS_AR_BYTES))) {	/* CPL > 0 */
		g->rax = -MINIVM_HC_EPERM & mask;
		return 1;
	}
	switch (nr) {
	case MINIVM_HC_NOP:
		g->rax = 0;
		return 1;
	case MINIVM_HC_API_VERSION:
		g->rax = MINIVM_API_VERSION;
		return 1;
	}
	if (nr < MINIVM_HC_USER_FIRST || nr > MINIVM_HC_USER_LAST) {
		g->rax = -MINIVM_HC_ENOSYS & mask;
		return 1;
	}
	run->exit_reason = MINIVM_EXIT_HYPERCALL;
	run->hypercall.nr = nr;
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
		return inject_exception(vcpu, X86_TRAP_GP, true);
	skip_instruction();
	return 1;
}

/* VM entry failed after VMLAUNCH/VMRESUME was accepted (SDM 28.8). */
static int failed_entry(struct minivm_vcpu *vcpu, u32 reason)
{
	struct minivm_run *run = vcpu->run;

	run->exit_reason = MINIVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = reason & 0xffff;
	run->fail_entry.qualification = vmcs_read(EXIT_QUALIFICATION);
	run->fail_entry.vm_instruction_error = 0;
	/* The VMCS is not launched: the next RUN must use VMLAUNCH again. */
	vcpu->launched = false;
	return 0;
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

	switch ((u16)reason) {
	case EXIT_REASON_EXCEPTION_NMI:	/* only NMIs: the bitmap is 0 */
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_PREEMPTION_TIMER:
		ret = 1;		/* the host has had its turn by now */
		break;
	case EXIT_REASON_TRIPLE_FAULT:
		vcpu->run->exit_reason = MINIVM_EXIT_SHUTDOWN;
		ret = 0;
		break;
	case EXIT_REASON_CPUID:
		minivm_emulate_cpuid(vcpu);
		skip_instruction();
		ret = 1;
		break;
	case EXIT_REASON_HLT:
		skip_instruction();
		vcpu->run->exit_reason = MINIVM_EXIT_HLT;
		ret = 0;
		break;
	case EXIT_REASON_CR_ACCESS:
		ret = handle_cr(vcpu);
		break;
	case EXIT_REASON_IO_INSTRUCTION:
		ret = handle_io(vcpu);
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
		ret = inject_exception(vcpu, X86_TRAP_UD, false);
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
		skip_instruction();
		ret = 1;
		break;
	default:
		ret = unexpected_exit(vcpu, reason);
		break;
	}
	return ret;
}

/**
 * minivm_complete_userspace_io() - finish the exit userspace just served.
 * @vcpu: the vCPU, at the start of MINIVM_RUN, VMCS loaded.
 *
 * Return: 0, or -EFAULT if the memory an INS writes to stopped being RAM
 * (a slot deleted in between); the data is then dropped.
 */
int minivm_complete_userspace_io(struct minivm_vcpu *vcpu)
{
	struct minivm_run *run = vcpu->run;
	unsigned long val = 0;
	int ret = 0;

	switch (vcpu->pending) {
	case MINIVM_PENDING_IO_IN:
		memcpy(&val, (u8 *)run + MINIVM_RUN_IO_DATA_OFFSET,
		       run->io.size);
		/* A 32-bit result zero-extends into RAX; 8/16 merge. */
		if (run->io.size == 4)
			vcpu->gprs.rax = val;
		else if (run->io.size == 2)
			vcpu->gprs.rax = (vcpu->gprs.rax & ~0xffffUL) | val;
		else
			vcpu->gprs.rax = (vcpu->gprs.rax & ~0xffUL) | val;
		break;
	case MINIVM_PENDING_MMIO_READ:
		minivm_complete_mmio_read(vcpu);
		break;
	case MINIVM_PENDING_HYPERCALL:
		vcpu->gprs.rax = run->hypercall.ret;
		break;
	case MINIVM_PENDING_INS:
		/* RDI already moved on; the guest memory gets the data now. */
		if (!minivm_copy_guest_linear(vcpu, vcpu->pending_gva,
					      (u8 *)run + MINIVM_RUN_IO_DATA_OFFSET,
					      run->io.count * run->io.size, true))
			ret = -EFAULT;
		break;
	case MINIVM_PENDING_NONE:
		break;
	}
	vcpu->pending = MINIVM_PENDING_NONE;
	return ret;
}

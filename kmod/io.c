// SPDX-License-Identifier: GPL-2.0
/*
 * io.c - port I/O: IN, OUT, INS and OUTS go to the VMM in userspace.
 *
 * Every I/O instruction exits ("unconditional I/O exiting", vmcs.c).  The
 * exit qualification says which port, how wide, which direction, and
 * whether it is a string instruction with or without REP (SDM Vol. 3C,
 * "Exit Qualification for I/O Instructions").  The data travels in the
 * run page, at MINIVM_RUN_IO_DATA_OFFSET.
 *
 * An IN or INS is finished on the next MINIVM_RUN, once userspace has put
 * the data there.  The run page is userspace's to write, so everything
 * the completion needs (direction, width, count, the guest address) is
 * kept in the vCPU when the exit happens, and only the data bytes are
 * read back from the page: a VMM that scribbles on run->io can change
 * what its own guest reads, never how many bytes the kernel copies.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "guest.h"

/* Room for string I/O data in the run page. */
#define IO_DATA_MAX	(PAGE_SIZE - MINIVM_RUN_IO_DATA_OFFSET)

static u8 *io_data(struct minivm_vcpu *vcpu)
{
	return (u8 *)vcpu->run + MINIVM_RUN_IO_DATA_OFFSET;
}

/* Describe the exit in the run page, and remember it in the vCPU. */
static void io_exit(struct minivm_vcpu *vcpu, bool in, unsigned int size,
		    u16 port, unsigned int count)
{
	struct minivm_run *run = vcpu->run;

	run->exit_reason = MINIVM_EXIT_IO;
	run->io.direction = in ? MINIVM_EXIT_IO_IN : MINIVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = count;
	run->io.data_offset = MINIVM_RUN_IO_DATA_OFFSET;
	vcpu->io_in.size = size;
	vcpu->io_in.count = count;
}

/*
 * After @count items of INS/OUTS: advance RSI or RDI by what moved (back
 * if RFLAGS.DF), count RCX down for REP, and step over the instruction
 * only when it is finished.  A REP with items left executes again and
 * exits again (minivm_step_iteration()): big transfers go to userspace a
 * run page at a time.
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
		minivm_skip_instruction();
	else
		minivm_step_iteration();
}

/*
 * The address size of INS/OUTS, from the VM-exit instruction-information
 * field ("Format of the VM-Exit Instruction-Information Field as Used for
 * INS and OUTS"): 0 16-bit, 1 32-bit, 2 64-bit; 3 is not defined and is
 * taken as 64-bit rather than read past a table.
 */
static u64 address_mask(u32 info)
{
	switch ((info >> 7) & 7) {
	case 0:
		return 0xffff;
	case 1:
		return 0xffffffff;
	default:
		return ~0ULL;
	}
}

/*
 * INS and OUTS (qualification bit 4), with or without REP (bit 5).  The
 * guest-linear address of the memory operand is in the VMCS.  One exit
 * moves as many items as fit in the run page and in the rest of the
 * guest's page; one item when RFLAGS.DF runs the string backwards, or
 * when RFLAGS.TF asks for a trap after each iteration.
 */
static int handle_string_io(struct minivm_vcpu *vcpu, unsigned long q)
{
	u64 amask = address_mask(vmcs_read32(VMX_INSTRUCTION_INFO));
	u64 gva = vmcs_read(GUEST_LINEAR_ADDRESS);
	unsigned int size = (q & 7) + 1, count = 1;
	bool in = q & 8, rep = q & 32;
	u8 *data = io_data(vcpu);

	if (rep) {
		if (!(vcpu->gprs.rcx & amask)) {	/* REP with RCX = 0 */
			minivm_skip_instruction();
			return 1;
		}
		if (!(vmcs_read(GUEST_RFLAGS) & (X86_EFLAGS_DF | X86_EFLAGS_TF)))
			count = min_t(u64, vcpu->gprs.rcx & amask,
				      min_t(u64, IO_DATA_MAX,
					    PAGE_SIZE - offset_in_page(gva)) / size);
		count = max(count, 1U);
	}
	/* OUTS reads its data now; INS must be able to write it later. */
	if (!minivm_copy_guest_linear(vcpu, gva, in ? NULL : data,
				      count * size, in))
		return minivm_unexpected_exit(vcpu, EXIT_REASON_IO_INSTRUCTION);

	io_exit(vcpu, in, size, q >> 16, count);
	if (in) {
		memset(data, 0, count * size);
		vcpu->pending = MINIVM_PENDING_INS;
		vcpu->io_in.gva = gva;
	}
	string_io_done(vcpu, count, size, rep, in, amask);
	return 0;
}

/**
 * minivm_handle_io() - an I/O instruction exited.
 * @vcpu: the vCPU.
 *
 * IN and OUT are described in the run page; an IN is completed by
 * minivm_complete_io() on the next RUN.  The instruction is skipped now,
 * so that a VMM that does not answer an IN still leaves the guest in a
 * sane state.
 *
 * Return: 0 (to userspace), or 1 for a REP with nothing to do.
 */
int minivm_handle_io(struct minivm_vcpu *vcpu)
{
	unsigned long q = vmcs_read(EXIT_QUALIFICATION);
	unsigned int size = (q & 7) + 1;
	bool in = q & 8;

	if (q & 16)
		return handle_string_io(vcpu, q);

	io_exit(vcpu, in, size, q >> 16, 1);
	if (in) {
		memset(io_data(vcpu), 0, 8);
		vcpu->pending = MINIVM_PENDING_IO_IN;
	} else {
		memcpy(io_data(vcpu), &vcpu->gprs.rax, size);
	}
	minivm_skip_instruction();
	return 0;
}

/**
 * minivm_complete_io() - give the guest the data of its IN or INS.
 * @vcpu: the vCPU, at the start of MINIVM_RUN, VMCS loaded.
 * @ins:  it was an INS, not an IN.
 *
 * The width and the count are the kernel's own, from the exit: at most 4
 * bytes for IN, at most the run page's data area for INS.
 *
 * Return: 0, or -EFAULT if the memory an INS writes to stopped being RAM
 * (a slot deleted in between); the data is then dropped.
 */
int minivm_complete_io(struct minivm_vcpu *vcpu, bool ins)
{
	unsigned int size = vcpu->io_in.size;
	unsigned long val = 0;

	if (ins) {
		unsigned int len = vcpu->io_in.count * size;

		if (WARN_ON_ONCE(len > IO_DATA_MAX))
			return -EFAULT;
		/* RDI already moved on; the guest memory gets the data now. */
		return minivm_copy_guest_linear(vcpu, vcpu->io_in.gva,
						io_data(vcpu), len, true) ?
		       0 : -EFAULT;
	}
	if (WARN_ON_ONCE(size != 1 && size != 2 && size != 4))
		return -EFAULT;
	memcpy(&val, io_data(vcpu), size);
	/* A 32-bit result zero-extends into RAX; 8 and 16 bits merge. */
	if (size == 4)
		vcpu->gprs.rax = val;
	else if (size == 2)
		vcpu->gprs.rax = (vcpu->gprs.rax & ~0xffffUL) | val;
	else
		vcpu->gprs.rax = (vcpu->gprs.rax & ~0xffUL) | val;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * regs.c - the guest's registers as userspace sees them: the state a vCPU
 * starts in, MINIVM_GET/SET_REGS, MINIVM_GET/SET_SREGS, and the FPU and
 * SSE registers of MINIVM_GET/SET_XSAVE.
 *
 * While the guest is not running, its registers live in two places: the
 * general-purpose registers other than RSP in struct minivm_gprs (vmenter.S
 * saves them there), everything else in the VMCS's guest-state area (SDM
 * Vol. 3C, "Guest-State Area").  This file translates between that and the
 * flat structures of the ABI, and nothing else: control registers go
 * through cr.c, which knows what a write to them implies (the paging mode,
 * the PDPTEs, the TLB).
 *
 * Everything here runs with the vCPU's VMCS current on this CPU
 * (vcpu.c takes the vCPU's run_lock and loads it).
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xstate.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "vmx_ops.h"

/*
 * The VMCS's encodings of GUEST_xS_SELECTOR, _BASE, _LIMIT and _AR_BYTES
 * are spaced alike for every segment register ("Field Encoding in VMCS",
 * in the appendix of VMCS field encodings), so one offset finds the four
 * fields of a segment from its selector field.
 */
static u32 seg_index(u32 sel_field)
{
	return (sel_field - GUEST_ES_SELECTOR) / 2;
}

static void write_segment(u32 sel_field, u16 sel, u64 base, u32 limit, u32 ar)
{
	u32 n = seg_index(sel_field);

	vmcs_write(sel_field, sel);
	vmcs_write(GUEST_ES_BASE + n * 2, base);
	vmcs_write(GUEST_ES_LIMIT + n * 2, limit);
	vmcs_write(GUEST_ES_AR_BYTES + n * 2, ar);
}

/*
 * The segment access-rights format of the VMCS ("Guest Register State"):
 * type in bits 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, and
 * "unusable" in bit 16, which is how a null selector loaded into a data
 * segment register is told apart from a usable one.
 */
static u32 seg_to_ar(const struct minivm_segment *s)
{
	if (s->unusable)
		return VMX_AR_UNUSABLE_MASK;
	return (s->type & 15) | (s->s & 1) << 4 | (s->dpl & 3) << 5 |
	       (s->present & 1) << 7 | (s->avl & 1) << 12 |
	       (s->l & 1) << 13 | (s->db & 1) << 14 | (s->g & 1) << 15;
}

static void ar_to_seg(u32 ar, struct minivm_segment *s)
{
	s->type = ar & 15;
	s->s = (ar >> 4) & 1;
	s->dpl = (ar >> 5) & 3;
	s->present = (ar >> 7) & 1;
	s->avl = (ar >> 12) & 1;
	s->l = (ar >> 13) & 1;
	s->db = (ar >> 14) & 1;
	s->g = (ar >> 15) & 1;
	s->unusable = (ar >> 16) & 1;
}

/**
 * minivm_regs_reset() - the state a new vCPU starts in: that of a CPU
 * after RESET (SDM Vol. 3A, "Processor State After Reset"), in real mode.
 * @vcpu: the vCPU, its VMCS current and its controls written (vmcs.c).
 *
 * Unrestricted guest lets the guest run in real mode as it is, so these
 * are the values the SDM's table lists, with two exceptions that VMX
 * forces and the guest cannot see: CR0.NE and CR4.VMXE are set in the
 * real registers and hidden by the read shadows (cr.c).
 */
void minivm_regs_reset(struct minivm_vcpu *vcpu)
{
	u32 data = 0x93, code = 0x9b;	/* present, S, RW data / RX code */
	u32 seg;

	/* CS:IP = F000:FFF0 with CS.base FFFF0000: the reset vector. */
	write_segment(GUEST_CS_SELECTOR, 0xf000, 0xffff0000, 0xffff, code);
	for (seg = GUEST_ES_SELECTOR; seg <= GUEST_GS_SELECTOR; seg += 2)
		if (seg != GUEST_CS_SELECTOR)
			write_segment(seg, 0, 0, 0xffff, data);
	/*
	 * LDTR: a present LDT; TR: a busy 16-bit TSS.  Both are what the
	 * reset table gives, and what VM entry's checks on the guest's
	 * segment registers demand ("Checks on Guest Segment Registers").
	 */
	write_segment(GUEST_LDTR_SELECTOR, 0, 0, 0xffff, 0x82);
	write_segment(GUEST_TR_SELECTOR, 0, 0, 0xffff, 0x83);
	/* GDTR and IDTR: base 0, limit FFFFh, the real-mode IVT. */
	vmcs_write(GUEST_GDTR_BASE, 0);
	vmcs_write(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_IDTR_BASE, 0);
	vmcs_write(GUEST_IDTR_LIMIT, 0xffff);

	/* RFLAGS = 2: bit 1 is reserved as 1, interrupts off. */
	vmcs_write(GUEST_RIP, 0xfff0);
	vmcs_write(GUEST_RSP, 0);
	vmcs_write(GUEST_RFLAGS, X86_EFLAGS_FIXED);

	/* CR0 = 60000010h (CD, NW, ET), CR3 = CR4 = EFER = 0: no paging. */
	minivm_cr_reset(vcpu);
	/* PAT: its power-up value, WB WT UC- UC repeated. */
	vmcs_write(GUEST_IA32_PAT, 0x0007040600070406ULL);

	minivm_debug_reset(vcpu);		/* DR0-7, DEBUGCTL (debugreg.c) */
	/* SYSENTER MSRs: 0 after RESET. */
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	/*
	 * Running, with no STI or MOV-SS shadow, no NMI blocked and no debug
	 * exception pending: a wrong value in these three fields is a common
	 * "invalid guest state" ("Checks on Guest Non-Register State").
	 */
	vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);

	/* EDX holds the processor signature after RESET. */
	vcpu->gprs.rdx = 0x600;
}

/* The order of the segment registers in struct minivm_sregs. */
static const u32 seg_fields[] = {
	GUEST_CS_SELECTOR, GUEST_DS_SELECTOR, GUEST_ES_SELECTOR,
	GUEST_FS_SELECTOR, GUEST_GS_SELECTOR, GUEST_SS_SELECTOR,
	GUEST_TR_SELECTOR, GUEST_LDTR_SELECTOR,
};

static struct minivm_segment *sregs_seg(struct minivm_sregs *sr, int i)
{
	struct minivm_segment *order[] = {
		&sr->cs, &sr->ds, &sr->es, &sr->fs, &sr->gs, &sr->ss,
		&sr->tr, &sr->ldt,
	};

	return order[i];
}

/**
 * minivm_get_sregs() - MINIVM_GET_SREGS.
 * @vcpu: the vCPU.
 * @sr:   filled in; its padding is left as the caller zeroed it.
 */
void minivm_get_sregs(struct minivm_vcpu *vcpu, struct minivm_sregs *sr)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(seg_fields); i++) {
		struct minivm_segment *s = sregs_seg(sr, i);
		u32 n = seg_index(seg_fields[i]);

		s->selector = vmcs_read16(seg_fields[i]);
		s->base = vmcs_read(GUEST_ES_BASE + n * 2);
		s->limit = vmcs_read32(GUEST_ES_LIMIT + n * 2);
		ar_to_seg(vmcs_read32(GUEST_ES_AR_BYTES + n * 2), s);
	}
	sr->gdt.base = vmcs_read(GUEST_GDTR_BASE);
	sr->gdt.limit = vmcs_read32(GUEST_GDTR_LIMIT);
	sr->idt.base = vmcs_read(GUEST_IDTR_BASE);
	sr->idt.limit = vmcs_read32(GUEST_IDTR_LIMIT);
	sr->cr0 = minivm_guest_cr0(vcpu);
	sr->cr2 = vcpu->cr2;
	sr->cr3 = vmcs_read(GUEST_CR3);
	sr->cr4 = minivm_guest_cr4(vcpu);
	sr->efer = vmcs_read64(GUEST_IA32_EFER);
}

/* Padding is 0 (api.rst): a future field may give it a meaning. */
static bool sregs_padding_zero(const struct minivm_sregs *sr)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(seg_fields); i++)
		if (sregs_seg((void *)sr, i)->padding)
			return false;
	return !memchr_inv(sr->gdt.padding, 0, sizeof(sr->gdt.padding)) &&
	       !memchr_inv(sr->idt.padding, 0, sizeof(sr->idt.padding));
}

/**
 * minivm_set_sregs() - MINIVM_SET_SREGS.
 * @vcpu: the vCPU.
 * @sr:   the new state, already copied from userspace.
 *
 * Return: 0, or -EINVAL with nothing changed for padding that is not 0
 * or control registers a MOV would refuse (cr.c); -EINVAL after the
 * segments were written if PAE paging finds PDPTEs that are not valid.
 */
int minivm_set_sregs(struct minivm_vcpu *vcpu, const struct minivm_sregs *sr)
{
	int i;

	if (!sregs_padding_zero(sr) ||
	    !minivm_crs_valid(sr->cr0, sr->cr4, sr->efer))
		return -EINVAL;

	for (i = 0; i < ARRAY_SIZE(seg_fields); i++) {
		const struct minivm_segment *s = sregs_seg((void *)sr, i);

		write_segment(seg_fields[i], s->selector, s->base, s->limit,
			      seg_to_ar(s));
	}
	vmcs_write(GUEST_GDTR_BASE, sr->gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, sr->gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, sr->idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, sr->idt.limit);
	vcpu->cr2 = sr->cr2;
	vmcs_write(GUEST_IA32_EFER, sr->efer);
	if (!minivm_set_crs(vcpu, sr->cr0, sr->cr3, sr->cr4))
		return -EINVAL;		/* PAE PDPTEs not valid */
	return 0;
}

/** minivm_get_regs() - MINIVM_GET_REGS.  @vcpu: the vCPU. @r: filled in. */
void minivm_get_regs(struct minivm_vcpu *vcpu, struct minivm_regs *r)
{
	const struct minivm_gprs *g = &vcpu->gprs;

	*r = (struct minivm_regs) {
		.rax = g->rax, .rbx = g->rbx, .rcx = g->rcx, .rdx = g->rdx,
		.rsi = g->rsi, .rdi = g->rdi, .rbp = g->rbp,
		.r8 = g->r8, .r9 = g->r9, .r10 = g->r10, .r11 = g->r11,
		.r12 = g->r12, .r13 = g->r13, .r14 = g->r14, .r15 = g->r15,
		.rsp = vmcs_read(GUEST_RSP), .rip = vmcs_read(GUEST_RIP),
		.rflags = vmcs_read(GUEST_RFLAGS),
	};
}

/** minivm_set_regs() - MINIVM_SET_REGS.  @vcpu: the vCPU. @r: the values. */
void minivm_set_regs(struct minivm_vcpu *vcpu, const struct minivm_regs *r)
{
	struct minivm_gprs *g = &vcpu->gprs;

	g->rax = r->rax; g->rbx = r->rbx; g->rcx = r->rcx; g->rdx = r->rdx;
	g->rsi = r->rsi; g->rdi = r->rdi; g->rbp = r->rbp;
	g->r8 = r->r8; g->r9 = r->r9; g->r10 = r->r10; g->r11 = r->r11;
	g->r12 = r->r12; g->r13 = r->r13; g->r14 = r->r14; g->r15 = r->r15;
	vmcs_write(GUEST_RSP, r->rsp);
	vmcs_write(GUEST_RIP, r->rip);
	/*
	 * Bit 1 is always 1 and the reserved bits stay 0, or VM entry fails
	 * ("Checks on Guest RIP, RFLAGS, and SSP").
	 */
	vmcs_write(GUEST_RFLAGS, (r->rflags & 0x3f7fd7) | X86_EFLAGS_FIXED);
}

/*
 * MINIVM_GET_XSAVE and MINIVM_SET_XSAVE.  Between runs the guest's FPU
 * and SSE state is in vcpu->fpu (run.c swaps it with the thread's), and
 * the kernel's FPU code converts it to and from the ABI's XSAVE format.
 * The guest can enable nothing beyond x87 and SSE (msr.c's XSETBV), so
 * that is all these carry.  SET refuses, with -EINVAL, what the next
 * FXRSTOR or XRSTOR would fault on in the host: reserved MXCSR bits, a
 * bad XSAVE header, components the guest cannot have.  The guest has no
 * PKRU (cpuid.c hides PKU), so none is passed.
 */

/** minivm_get_xsave() - MINIVM_GET_XSAVE.  @vcpu: the vCPU. @uarg: out. */
int minivm_get_xsave(struct minivm_vcpu *vcpu, void __user *uarg)
{
	struct minivm_xsave *x = kzalloc(sizeof(*x), GFP_KERNEL_ACCOUNT);
	int ret = 0;

	if (!x)
		return -ENOMEM;
	fpu_copy_guest_fpstate_to_uabi(&vcpu->fpu, x->region, sizeof(x->region),
				       XFEATURE_MASK_FPSSE, 0);
	if (copy_to_user(uarg, x, sizeof(*x)))
		ret = -EFAULT;
	kfree(x);
	return ret;
}

/** minivm_set_xsave() - MINIVM_SET_XSAVE.  @vcpu: the vCPU. @uarg: in. */
int minivm_set_xsave(struct minivm_vcpu *vcpu, void __user *uarg)
{
	struct minivm_xsave *x = memdup_user(uarg, sizeof(*x));
	u32 pkru = 0;
	int ret;

	if (IS_ERR(x))
		return PTR_ERR(x);
	ret = fpu_copy_uabi_to_guest_fpstate(&vcpu->fpu, x->region,
					     XFEATURE_MASK_FPSSE, &pkru);
	kfree(x);
	return ret;
}

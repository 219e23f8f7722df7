// SPDX-License-Identifier: GPL-2.0
/*
 * lapic_access.c - the doors to the local APIC: its MMIO page, its MSRs
 * and CR8.
 *
 * The guest reaches its APIC in three ways, and each ends in
 * minivm_lapic_read() or minivm_lapic_write() (lapic_regs.c) with the
 * register's xAPIC offset:
 *
 *   xAPIC mode   loads and stores to the 4 KiB page at the APIC base
 *                (FEE00000h at RESET).  No memory slot backs it, so each
 *                access is an EPT violation that mmio.c decodes and hands
 *                here before it would go to userspace.
 *   x2APIC mode  RDMSR and WRMSR of 800h-8FFh: MSR 800h + (offset >> 4)
 *                ("x2APIC Register Address Space").  The page is then not
 *                the APIC's any more.
 *   CR8          in 64-bit mode, the TPR's bits 7:4.  Where the CPU has a
 *                TPR shadow, MOV CR8 reads and writes the TPR in the
 *                register page itself, without an exit (below); else CR8
 *                exits both ways (cr.c) and lands in
 *                minivm_lapic_get_cr8() and _set_.
 *
 * IA32_APIC_BASE (1Bh) and IA32_TSC_DEADLINE (6E0h) are here too.
 *
 * The SDM asks for aligned 32-bit accesses to the xAPIC page and leaves
 * others model-specific ("Local APIC Register Address Map").  minivm does
 * what the CPU's own APIC virtualization does with them ("Virtualizing
 * Memory-Mapped APIC Accesses"), so that a guest sees the same with the
 * APIC-access page and without (lapic_access_page.c): an access within
 * bytes 0-3 of a register reads or writes those bytes (a store merges
 * into the register, then acts as a 32-bit store of the result); bytes
 * 4-15 of each 16-byte slot read as 0 and ignore stores.  (KVM ignores
 * every store that is not an aligned 32-bit one, and so differs from its
 * own APIC virtualization.)  x2APIC is strict, as the SDM says:
 * reading a write-only or missing register, writing a read-only one, a
 * non-zero EOI, and reserved bits in 63:32 (ICR aside) or in SELF IPI's
 * 31:8 raise #GP.
 */
#include <asm/vmx.h>

#include "lapic.h"
#include "vmx_ops.h"

#define X2APIC_FIRST	0x800
#define X2APIC_LAST	0x8ff

/* The page of the APIC's registers, if the guest can reach it now. */
static bool xapic_page(struct minivm_lapic *apic, u64 gpa)
{
	return lapic_hw_enabled(apic) && !lapic_x2apic(apic) &&
	       (gpa & PAGE_MASK) == (apic->base & PAGE_MASK);
}

/* @val's @len bytes stored at byte @byte of the register's value @reg. */
static u32 merge(u32 reg, u64 val, u32 byte, unsigned int len)
{
	u32 mask = len == 4 ? ~0U : (BIT(len * 8) - 1) << (byte * 8);

	return (reg & ~mask) | ((u32)(val << (byte * 8)) & mask);
}

/**
 * minivm_lapic_mmio() - an access to the xAPIC page, if it is one.
 * @vcpu:  the vCPU.
 * @gpa:   the guest-physical address accessed.
 * @write: a store rather than a load.
 * @val:   the value stored, or where the value loaded goes.
 * @len:   the access's size: 1, 2, 4 or 8 bytes.
 *
 * Return: true if it was the APIC's (done), false if not.
 */
bool minivm_lapic_mmio(struct minivm_vcpu *vcpu, u64 gpa, bool write,
		       u64 *val, unsigned int len)
{
	struct minivm_lapic *apic = vcpu->lapic;
	u32 off = gpa & 0xfff, slot = off & ~0xfU, byte = off & 0xf;
	u64 v;

	if (!apic || !xapic_page(apic, gpa))
		return false;
	if (write) {
		if (byte + len <= 4 && off < 0x400)
			minivm_lapic_write(apic, slot, merge(lapic_get(apic, slot),
							     *val, byte, len));
		return true;
	}
	v = off < 0x400 && byte < 4 ? minivm_lapic_read(apic, slot) >> (byte * 8) : 0;
	if (byte + len > 4)		/* beyond the register: zeros */
		v &= byte < 4 ? GENMASK_ULL((4 - byte) * 8 - 1, 0) : 0;
	*val = len == 8 ? v : v & GENMASK_ULL(len * 8 - 1, 0);
	return true;
}

/* The registers RDMSR may read in x2APIC mode. */
static bool x2apic_readable(u32 off)
{
	switch (off) {
	case APIC_ID: case APIC_LVR: case APIC_TASKPRI: case APIC_PROCPRI:
	case APIC_LDR: case APIC_SPIV: case APIC_ESR: case APIC_ICR:
	case APIC_LVTT: case APIC_LVTTHMR: case APIC_LVTPC: case APIC_LVT0:
	case APIC_LVT1: case APIC_LVTERR: case APIC_TMICT: case APIC_TMCCT:
	case APIC_TDCR:
		return true;
	}
	return off >= APIC_ISR && off < APIC_ESR;	/* ISR, TMR, IRR */
}

/* IA32_TSC_DEADLINE reads 0 outside TSC-deadline mode ("TSC-Deadline Mode"). */
static bool tsc_deadline_mode(struct minivm_lapic *apic)
{
	return LAPIC_TIMER_MODE(lapic_get(apic, APIC_LVTT)) ==
	       APIC_LVT_TIMER_TSCDEADLINE;
}

/**
 * minivm_lapic_rdmsr() - RDMSR of an MSR of the local APIC.
 * @vcpu: the vCPU, with a local APIC.
 * @msr:  the MSR.
 * @val:  the value read.
 *
 * Return: 0; -EINVAL for #GP; -ENOENT if @msr is not the APIC's.
 */
int minivm_lapic_rdmsr(struct minivm_vcpu *vcpu, u32 msr, u64 *val)
{
	struct minivm_lapic *apic = vcpu->lapic;
	u32 off = (msr - X2APIC_FIRST) << 4;

	if (msr == MSR_IA32_APICBASE) {
		*val = apic->base;
		return 0;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		*val = tsc_deadline_mode(apic) ? READ_ONCE(apic->tsc_deadline) : 0;
		return 0;
	}
	if (msr < X2APIC_FIRST || msr > X2APIC_LAST)
		return -ENOENT;
	if (!lapic_x2apic(apic) || !x2apic_readable(off))
		return -EINVAL;
	*val = minivm_lapic_read(apic, off);
	if (off == APIC_ICR)
		*val |= (u64)lapic_get(apic, APIC_ICR2) << 32;
	return 0;
}

/* WRMSR of 800h-8FFh in x2APIC mode. */
static int x2apic_write(struct minivm_lapic *apic, u32 off, u64 val)
{
	if (off == APIC_ICR) {
		minivm_lapic_write_icr(apic, val);
		return 0;
	}
	if ((val >> 32) || (off == APIC_EOI && val) ||
	    (off == APIC_SELF_IPI && (val & ~0xffULL)))
		return -EINVAL;
	return minivm_lapic_write(apic, off, val) ? 0 : -EINVAL;
}

/**
 * minivm_lapic_wrmsr() - WRMSR of an MSR of the local APIC.
 * @vcpu: the vCPU, with a local APIC.
 * @msr:  the MSR.
 * @val:  the value written.
 *
 * Return: 0; -EINVAL for #GP; -ENOENT if @msr is not the APIC's.
 */
int minivm_lapic_wrmsr(struct minivm_vcpu *vcpu, u32 msr, u64 val)
{
	struct minivm_lapic *apic = vcpu->lapic;

	if (msr == MSR_IA32_APICBASE)
		return minivm_lapic_set_base(apic, val, false) ? 0 : -EINVAL;
	if (msr == MSR_IA32_TSC_DEADLINE) {
		if (tsc_deadline_mode(apic))	/* else ignored */
			minivm_lapic_timer_set_deadline(apic, val);
		return 0;
	}
	if (msr < X2APIC_FIRST || msr > X2APIC_LAST)
		return -ENOENT;
	if (!lapic_x2apic(apic))
		return -EINVAL;
	return x2apic_write(apic, (msr - X2APIC_FIRST) << 4, val);
}

/**
 * minivm_lapic_get_cr8() - MOV from CR8: TPR[7:4] ("Task Priority in
 * IA-32e Mode").
 * @vcpu: the vCPU, with a local APIC.
 *
 * Return: the TPR's priority class, 0-15.
 */
unsigned long minivm_lapic_get_cr8(struct minivm_vcpu *vcpu)
{
	return lapic_get(vcpu->lapic, APIC_TASKPRI) >> 4;
}

/**
 * minivm_lapic_set_cr8() - MOV to CR8: TPR[7:4] = @cr8, TPR[3:0] = 0.
 * @vcpu: the vCPU, with a local APIC.
 * @cr8:  the new class, 0-15 (cr.c checked bits 63:4).
 */
void minivm_lapic_set_cr8(struct minivm_vcpu *vcpu, unsigned long cr8)
{
	minivm_lapic_write(vcpu->lapic, APIC_TASKPRI, cr8 << 4);
}

/*
 * The TPR shadow ("Virtualizing CR8-Based TPR Accesses", SDM Vol. 3C).
 * With "use TPR shadow" set, the CPU keeps no TPR of its own for the
 * guest: MOV to and from CR8 use bits 7:4 of the 32-bit VTPR at offset
 * 80h of the virtual-APIC page, and the APIC's register page is that
 * page, so the VTPR is the APIC's TPR.  A Windows-like guest that raises
 * and lowers CR8 around its critical sections then makes no exit for it.
 *
 * The one thing the CPU cannot know is that lowering the TPR lets a
 * waiting interrupt in.  The TPR threshold tells it: a MOV to CR8 that
 * leaves VTPR[7:4] below the threshold exits ("TPR below threshold",
 * after the instruction), and the next entry injects.
 */

/**
 * minivm_lapic_vmcs_setup() - the APIC's part of a new vCPU's VMCS.
 * @vcpu: the vCPU, its VMCS current.
 *
 * With a local APIC and a CPU that has the TPR shadow: the shadow on,
 * CR8 exiting off, the register page as the virtual-APIC page.  Without
 * either, CR8 keeps exiting (vmcs.c).
 */
void minivm_lapic_vmcs_setup(struct minivm_vcpu *vcpu)
{
	/* LAB 11 begin */
	u32 proc;

	if (!vcpu->lapic || !minivm_vmcs_has_tpr_shadow())
		return;
	proc = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL);
	proc &= ~(CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, proc | CPU_BASED_TPR_SHADOW);
	vmcs_write(VIRTUAL_APIC_PAGE_ADDR, __pa(vcpu->lapic->regs));
	vmcs_write(TPR_THRESHOLD, 0);
	/* LAB 11 end */
}

/**
 * minivm_lapic_set_tpr_threshold() - before an entry: the class below
 * which lowering CR8 must exit.
 * @vcpu: the vCPU, with a local APIC, its VMCS current.
 *
 * That is the class of the highest interrupt waiting in IRR, if the TPR
 * holds it back; 0 (never exit) if nothing waits or the TPR is not what
 * holds it.  The threshold may not exceed VTPR[7:4], or the entry fails
 * ("Checks on VM-Execution Control Fields"): a waiting class above the
 * TPR's gives 0, so it never does.
 */
void minivm_lapic_set_tpr_threshold(struct minivm_vcpu *vcpu)
{
	/* LAB 11 begin */
	struct minivm_lapic *apic = vcpu->lapic;
	int irr = lapic_vec_highest(apic, APIC_IRR);
	u32 tpr = (lapic_get(apic, APIC_TASKPRI) >> 4) & 0xf;	/* VTPR[7:4] */

	if (!minivm_vmcs_has_tpr_shadow() || (apic->virt & MINIVM_APICV_VID))
		return;
	if (irr < 0 || !lapic_enabled(apic) || (u32)irr >> 4 > tpr)
		vmcs_write(TPR_THRESHOLD, 0);
	else
		vmcs_write(TPR_THRESHOLD, irr >> 4);
	/* LAB 11 end */
}

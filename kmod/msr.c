// SPDX-License-Identifier: GPL-2.0
/*
 * msr.c - the guest's model-specific registers, and its XCR0.
 *
 * RDMSR and WRMSR in the guest exit unless the MSR bitmap (SDM Vol. 3C,
 * "MSR-Bitmap Address") clears the MSR's bit.  minivm clears it only for MSRs
 * whose guest value never reaches the host, because the world switch already
 * keeps the two apart:
 *
 *   FS_BASE, GS_BASE   guest-state fields of the VMCS; VM exit loads the
 *                      host's from the host-state area ("Loading Host State")
 *   KERNEL_GS_BASE, TSC_AUX
 *                      switched here (minivm_load_guest_msrs()): the
 *                      guest's values are loaded before the first entry,
 *                      the host's put back when the thread is scheduled
 *                      out or RUN returns.  The host kernel needs them
 *                      only for SWAPGS and for RDTSCP/RDPID in user mode:
 *                      neither happens while the thread runs the guest.
 *                      Reads never exit.  Writes to TSC_AUX exit: see
 *                      write_switched() for why.
 *   STAR, LSTAR, CSTAR, SFMASK
 *                      the same, but only while the guest can execute
 *                      SYSCALL (below); their reads and writes exit.
 *   TSC (reads only)   what RDTSC returns anyway: the host's TSC plus the
 *                      vCPU's TSC offset, where the CPU has TSC
 *                      offsetting ("TSC Offsetting" in the SDM)
 *
 * Every other access exits and is emulated here, or refused with #GP:
 *
 *   EFER               the VMCS's copy, written by cr.c with the other
 *                      registers that select the paging mode
 *   PAT                the VMCS's copy; a reserved memory type #GPs
 *   SYSENTER_CS/ESP/EIP  the VMCS's copies; VM exit loads the host's
 *   FEAT_CTL           reads as locked with VMX off; writes #GP
 *   MISC_ENABLE        what a PC's firmware leaves: fast strings on, no
 *                      BTS, no PEBS.  The guest may write the SDM's
 *                      architectural bits (MISC_ENABLE_WRITABLE); the
 *                      read-only ones keep their values, the reserved
 *                      ones #GP.  Only LIMIT_CPUID has an effect
 *                      (cpuid.c): the others are stored, as KVM stores
 *                      them
 *   UCODE_REV          microcode revision 1 (EDX), as KVM reports; the
 *                      guest writes 0 there before reading it, ignored
 *   MCG_CAP, MCG_STATUS  machine-check architecture with no banks, as
 *                      CPUID's MCA bit promises: MCG_CAP reads 0 (no
 *                      bank, no MCG_CTL, no extension) and #GPs on a
 *                      write; MCG_STATUS keeps RIPV, EIPV and MCIP, which
 *                      nothing ever sets but the guest, and #GPs on the
 *                      reserved bits.  The host's own machine checks
 *                      never reach the guest (exception.c)
 *   TSC (writes)       sets the offset so that the TSC reads the value
 *                      written and counts on from there
 *   APIC_BASE, TSC_DEADLINE, 800h-8FFh (x2APIC)
 *                      the local APIC's, if the VM has them
 *                      (lapic_access.c); #GP otherwise
 *   anything else      #GP.  Among them: the VMX capability MSRs (the
 *                      guest has no VMX), the MTRRs, the debug and
 *                      performance-monitoring MSRs.
 *
 * None of the host's MSRs is ever written with a guest's value.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <asm/cpufeature.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/msr-index.h>
#include <asm/tlbflush.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "vmx_ops.h"

static unsigned long *msr_bitmap;	/* one page, shared by all vCPUs */
/* The same, plus the x2APIC registers the CPU virtualizes (lapic_virt.c). */
static unsigned long *msr_bitmap_x2apic;

#define MISC_ENABLE_RESET	(MSR_IA32_MISC_ENABLE_FAST_STRING |	\
				 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL |	\
				 MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL)
#define MISC_ENABLE_READ_ONLY	(MSR_IA32_MISC_ENABLE_EMON |		\
				 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL |	\
				 MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL)
#define MISC_ENABLE_WRITABLE	(MSR_IA32_MISC_ENABLE_FAST_STRING |	\
				 MSR_IA32_MISC_ENABLE_TM1 |		\
				 MSR_IA32_MISC_ENABLE_ENHANCED_SPEEDSTEP | \
				 MSR_IA32_MISC_ENABLE_MWAIT |		\
				 MSR_IA32_MISC_ENABLE_LIMIT_CPUID |	\
				 MSR_IA32_MISC_ENABLE_XTPR_DISABLE |	\
				 MSR_IA32_MISC_ENABLE_XD_DISABLE)
#define UCODE_REV		BIT_ULL(32)	/* revision 1, in EDX */
/* MCG_STATUS: RIPV, EIPV, MCIP; LMCE_S would need MCG_CAP.LMCE_P. */
#define MCG_STATUS_WRITABLE	0x7ULL

static u64 host_xcr0;

/* The switched MSRs, in the order of enum minivm_user_msr. */
static const u32 user_msrs[MINIVM_NR_USER_MSRS] = {
	[MINIVM_MSR_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE,
	[MINIVM_MSR_STAR] = MSR_STAR,
	[MINIVM_MSR_LSTAR] = MSR_LSTAR,
	[MINIVM_MSR_CSTAR] = MSR_CSTAR,
	[MINIVM_MSR_SYSCALL_MASK] = MSR_SYSCALL_MASK,
	[MINIVM_MSR_TSC_AUX] = MSR_TSC_AUX,
};

/* TSC_AUX, last, exists only on CPUs with RDTSCP or RDPID. */
static int nr_switched;

/*
 * SYSCALL reads STAR, LSTAR and SFMASK (CSTAR on other vendors' CPUs)
 * only in 64-bit mode with EFER.SCE set; elsewhere it is #UD on Intel's
 * CPUs (SDM Vol. 2B, "SYSCALL").  A guest in another mode cannot use
 * them, so they stay the host's: each one switched is two WRMSRs per
 * RUN, each waiting for the instructions before it.  KVM decides the
 * same way.  So the guest's reads exit, as the live MSR may hold the
 * host's value (LSTAR is the host kernel's entry point, which KASLR
 * hides), and are answered from vcpu->msrs.
 */
#define SYSCALL_MSRS	(BIT(MINIVM_MSR_STAR) | BIT(MINIVM_MSR_LSTAR) | \
			 BIT(MINIVM_MSR_CSTAR) | BIT(MINIVM_MSR_SYSCALL_MASK))

/*
 * The host's values of the switched MSRs, on this CPU.  The kernel writes
 * STAR, LSTAR, CSTAR and SFMASK once per CPU as it brings the CPU up
 * (syscall_init()), the same on every CPU, and TSC_AUX with the CPU's
 * number and node; nothing changes them afterwards but a hypervisor that
 * loads its guest's values.  So they are read once per CPU, the first time
 * minivm needs them there, as KVM reads its "user return" MSRs once per
 * CPU when it enables virtualization there.  That first time a VM exists,
 * so minivm holds VMX on every CPU and no other hypervisor can have a
 * guest's values loaded (vmx_cpu.c): kvm_intel puts the host's back on
 * every CPU when it gives VMX up.  (KERNEL_GS_BASE is the task's GS base,
 * read from the task.)
 */
struct host_msrs {
	bool read;
	u64 val[MINIVM_NR_USER_MSRS];
};

static DEFINE_PER_CPU(struct host_msrs, host_msrs);

/* Preemption off. */
static const u64 *host_values(void)
{
	struct host_msrs *h = this_cpu_ptr(&host_msrs);
	int i;

	if (!h->read) {
		for (i = MINIVM_MSR_KERNEL_GS_BASE + 1; i < nr_switched; i++)
			rdmsrl(user_msrs[i], h->val[i]);
		h->read = true;
	}
	return h->val;
}

/* @msr's index in user_msrs[], or -1 if it is not switched here. */
static int switched(u32 msr)
{
	int i;

	for (i = 0; i < nr_switched; i++)
		if (user_msrs[i] == msr)
			return i;
	return -1;
}

/* The host's value of switched MSR @i, while the guest's may be loaded. */
static u64 host_value(const struct minivm_host_state *h, int i)
{
	return i == MINIVM_MSR_KERNEL_GS_BASE ? h->kernel_gs_base :
						h->cpu_msrs[i];
}

/* The switched MSRs the guest can use now.  VMCS current. */
static unsigned int wanted(void)
{
	u64 efer = vmcs_read64(GUEST_IA32_EFER);
	unsigned int all = BIT(nr_switched) - 1;

	if ((efer & (EFER_LMA | EFER_SCE)) == (EFER_LMA | EFER_SCE))
		return all;
	return all & ~SYSCALL_MSRS;
}

/**
 * minivm_sync_guest_msrs() - load the guest's value of each switched MSR
 * it can use now that does not hold it yet: at the first entry of a
 * RUN, and after an exit that changed EFER.SCE or LMA.  (Those it no
 * longer can use stay until RUN ends.)  Preemption off.
 * @vcpu: the vCPU, its VMCS current.
 *
 * An MSR whose guest value is the host's is not written: each WRMSR
 * waits for the instructions before it to finish, and under a hypervisor
 * of its own each is an exit.
 */
void minivm_sync_guest_msrs(struct minivm_vcpu *vcpu)
{
	struct minivm_host_state *h = &vcpu->host;
	unsigned long load = wanted() & ~h->loaded;
	int i;

	vcpu->efer_changed = false;
	for_each_set_bit(i, &load, MINIVM_NR_USER_MSRS)
		if (vcpu->msrs[i] != host_value(h, i))
			wrmsrl(user_msrs[i], vcpu->msrs[i]);
	h->loaded |= load;
}

/**
 * minivm_load_guest_msrs() - note where the host's values of the switched
 * MSRs are, load the guest's.  Preemption off; the host's KERNEL_GS_BASE
 * is the task's GS base (the kernel's own is in GS_BASE while in the
 * kernel), the others are this CPU's, and the thread leaves this CPU
 * only after minivm_load_host_msrs() (the preempt notifier's sched_out).
 * @vcpu: the vCPU, its VMCS current.
 */
void minivm_load_guest_msrs(struct minivm_vcpu *vcpu)
{
	vcpu->host.cpu_msrs = host_values();
	vcpu->host.kernel_gs_base = current->thread.gsbase;
	vcpu->host.loaded = 0;
	minivm_sync_guest_msrs(vcpu);
}

/**
 * minivm_load_host_msrs() - note the guest's KERNEL_GS_BASE (it changed
 * it without exits), put the host's values back.  Preemption off, the CPU
 * of minivm_load_guest_msrs().
 * @vcpu: the vCPU.
 */
void minivm_load_host_msrs(struct minivm_vcpu *vcpu)
{
	struct minivm_host_state *h = &vcpu->host;
	int i;

	rdmsrl(MSR_KERNEL_GS_BASE, vcpu->msrs[MINIVM_MSR_KERNEL_GS_BASE]);
	for_each_set_bit(i, &h->loaded, MINIVM_NR_USER_MSRS)
		if (vcpu->msrs[i] != host_value(h, i))
			wrmsrl(user_msrs[i], host_value(h, i));
	h->loaded = 0;
}

/*
 * The guest's WRMSR to STAR, LSTAR, CSTAR, SFMASK or TSC_AUX.  TSC_AUX
 * could be written without an exit, as KERNEL_GS_BASE is; but then
 * minivm would have to read it back (RDMSR) every time it puts the
 * host's values back, to keep the guest's.  KVM intercepts these writes
 * too: a guest writes them a few times at boot, and RUN is the hot path.
 *
 * The CPU judges the value (a non-canonical LSTAR or CSTAR, reserved bits
 * of SFMASK or TSC_AUX: #GP), by writing it: into the live MSR while it
 * holds the guest's value; otherwise for a moment, with the host's
 * value put straight back, preemption off so that no user code of this
 * CPU runs in between.
 *
 * Return: true if written, false for #GP.
 */
static bool write_switched(struct minivm_vcpu *vcpu, int i, u64 val)
{
	bool ok;

	/* TSC_AUX bits 63:32 are reserved (SDM Vol. 4, "Architectural MSRs"). */
	if (i == MINIVM_MSR_TSC_AUX && upper_32_bits(val))
		return false;
	preempt_disable();
	if (vcpu->host.loaded & BIT(i)) {
		ok = !wrmsrl_safe(user_msrs[i], val);
	} else {
		u64 host = host_values()[i];

		ok = !wrmsrl_safe(user_msrs[i], val);
		if (ok)
			wrmsrl(user_msrs[i], host);
	}
	if (ok)
		vcpu->msrs[i] = val;
	preempt_enable();
	return ok;
}

/*
 * Let the guest access @msr without an exit.  The page holds four 1 KiB
 * bitmaps: reads of 0-1FFFh, reads of C0000000h-C0001FFFh, then the same
 * two for writes (SDM "MSR-Bitmap Address").  A set bit means "exit".
 */
static void passthrough(unsigned long *bitmap, u32 msr, bool write)
{
	unsigned int base = (msr & 0xc0000000) ? 1024 : 0;

	if (write)
		base += 2048;
	__clear_bit(base * 8 + (msr & 0x1fff), bitmap);
}

static void msr_passthrough(u32 msr, bool write)
{
	passthrough(msr_bitmap, msr, write);
}

/*
 * With "virtualize x2APIC mode" and APIC-register virtualization, RDMSR
 * of these x2APIC registers reads the virtual-APIC page, which holds
 * exactly what minivm_lapic_read() would answer; WRMSR of TPR, EOI and
 * SELF IPI is TPR, EOI and self-IPI virtualization ("Virtualizing
 * MSR-Based APIC Accesses").  Everything else in 800h-8FFh still exits:
 * ICR (minivm keeps its high half at 310h, not 304h), TMCCT (counted
 * down by minivm, not stored), and the registers x2APIC mode does not
 * have, whose RDMSR must #GP.  An MSR that neither exits nor is
 * virtualized would reach the host's own APIC: the control and this
 * bitmap are always switched together.
 */
static const u32 x2apic_read_virt[] = {
	0x802, 0x803, 0x808, 0x80a, 0x80d, 0x80f, 0x828,	/* ID-ESR */
	0x832, 0x833, 0x834, 0x835, 0x836, 0x837, 0x838, 0x83e,	/* LVTs-TDCR */
};

static int x2apic_bitmap_init(void)
{
	u32 i;

	msr_bitmap_x2apic = (unsigned long *)__get_free_page(GFP_KERNEL);
	if (!msr_bitmap_x2apic)
		return -ENOMEM;
	memcpy(msr_bitmap_x2apic, msr_bitmap, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(x2apic_read_virt); i++)
		passthrough(msr_bitmap_x2apic, x2apic_read_virt[i], false);
	for (i = 0x810; i < 0x828; i++)			/* ISR, TMR, IRR */
		passthrough(msr_bitmap_x2apic, i, false);
	passthrough(msr_bitmap_x2apic, 0x808, true);	/* TPR */
	passthrough(msr_bitmap_x2apic, 0x80b, true);	/* EOI */
	passthrough(msr_bitmap_x2apic, 0x83f, true);	/* SELF IPI */
	return 0;
}

/**
 * minivm_msr_x2apic_bitmap() - the MSR bitmap that goes with "virtualize
 * x2APIC mode" on or off.
 * @vcpu: the vCPU, its VMCS current.
 * @virt: the control is on from the next entry.
 */
void minivm_msr_x2apic_bitmap(struct minivm_vcpu *vcpu, bool virt)
{
	vmcs_write(MSR_BITMAP, __pa(virt ? msr_bitmap_x2apic : msr_bitmap));
}

/**
 * minivm_msr_init() - build the MSR bitmap and note the host's XCR0.
 *
 * Return: 0 or -ENOMEM.
 */
int minivm_msr_init(void)
{
	int i;

	msr_bitmap = (unsigned long *)__get_free_page(GFP_KERNEL);
	if (!msr_bitmap)
		return -ENOMEM;
	memset(msr_bitmap, 0xff, PAGE_SIZE);
	msr_passthrough(MSR_FS_BASE, false);
	msr_passthrough(MSR_FS_BASE, true);
	msr_passthrough(MSR_GS_BASE, false);
	msr_passthrough(MSR_GS_BASE, true);
	nr_switched = MINIVM_NR_USER_MSRS;
	if (!boot_cpu_has(X86_FEATURE_RDTSCP) && !boot_cpu_has(X86_FEATURE_RDPID))
		nr_switched = MINIVM_MSR_TSC_AUX;
	for (i = 0; i < nr_switched; i++)
		if (!(SYSCALL_MSRS & BIT(i)))
			msr_passthrough(user_msrs[i], false);
	msr_passthrough(MSR_KERNEL_GS_BASE, true);
	msr_passthrough(MSR_IA32_TSC, false);
	if (x2apic_bitmap_init()) {
		free_page((unsigned long)msr_bitmap);
		return -ENOMEM;
	}

	/* The kernel turns XSAVE on at boot, on every CPU alike. */
	if (cr4_read_shadow() & X86_CR4_OSXSAVE)
		host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	return 0;
}

void minivm_msr_exit(void)
{
	free_page((unsigned long)msr_bitmap_x2apic);
	free_page((unsigned long)msr_bitmap);
}

/**
 * minivm_msr_setup() - which RDMSR and WRMSR exit: the ones the bitmap
 * says ("MSR-Bitmap Address" in the SDM's VM-execution controls; "use
 * MSR bitmaps" is a required control, vmcs.c).
 * @vcpu: the new vCPU, its VMCS current.
 */
void minivm_msr_setup(struct minivm_vcpu *vcpu)
{
	vmcs_write(MSR_BITMAP, __pa(msr_bitmap));
	vcpu->misc_enable = MISC_ENABLE_RESET;
	/* Every vCPU of a VM starts with the VM's TSC, near 0. */
	/* LAB 8 begin */
	if (minivm_vmcs_has_tsc_offset()) {
		vcpu->tsc_offset = vcpu->vm->tsc_offset;
		vmcs_write(TSC_OFFSET, vcpu->tsc_offset);
	}
	/* LAB 8 end */
}

static bool is_canonical(u64 addr)
{
	return (u64)((s64)(addr << 16) >> 16) == addr;
}

/*
 * A PAT entry is one of UC, WC, WT, WP, WB, UC- (SDM Vol. 3A, "IA32_PAT MSR").
 */
static bool valid_pat(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++, pat >>= 8)
		if ((pat & 0xff) > 7 || (pat & 0xfe) == 2)
			return false;
	return true;
}

/* RDMSR: true with *@val set, or false for #GP. */
static bool read_msr(struct minivm_vcpu *vcpu, u32 msr, u64 *val)
{
	int i, ret = vcpu->lapic ? minivm_lapic_rdmsr(vcpu, msr, val) : -ENOENT;

	if (ret != -ENOENT)			/* the local APIC's */
		return !ret;
	switch (msr) {
	case MSR_IA32_MISC_ENABLE:
		*val = vcpu->misc_enable;
		return true;
	case MSR_IA32_UCODE_REV:
		*val = UCODE_REV;
		return true;
	case MSR_IA32_MCG_CAP:
		*val = 0;
		return true;
	case MSR_IA32_MCG_STATUS:
		*val = vcpu->mcg_status;
		return true;
	case MSR_IA32_TSC_ADJUST:
		if (!minivm_vmcs_has_tsc_offset())
			return false;
		*val = vcpu->tsc_adjust;
		return true;
	case MSR_EFER:
		*val = vmcs_read64(GUEST_IA32_EFER);
		return true;
	case MSR_IA32_CR_PAT:
		*val = vmcs_read64(GUEST_IA32_PAT);
		return true;
	case MSR_IA32_SYSENTER_CS:
		*val = vmcs_read32(GUEST_SYSENTER_CS);
		return true;
	case MSR_IA32_SYSENTER_ESP:
		*val = vmcs_read(GUEST_SYSENTER_ESP);
		return true;
	case MSR_IA32_SYSENTER_EIP:
		*val = vmcs_read(GUEST_SYSENTER_EIP);
		return true;
	case MSR_IA32_FEAT_CTL:
		*val = FEAT_CTL_LOCKED;		/* locked, VMX off */
		return true;
	}
	/* The others do not exit; these may hold the host's values. */
	i = switched(msr);
	if (i < 0 || !(SYSCALL_MSRS & BIT(i)))
		return false;
	*val = vcpu->msrs[i];
	return true;
}

/*
 * The guest moves its TSC by @delta, writing IA32_TSC or IA32_TSC_ADJUST
 * ("Time-Stamp Counter Adjustment", SDM Vol. 3B): the offset moves, and
 * IA32_TSC_ADJUST keeps the sum of all such moves, so a guest can tell
 * what was done to its TSC and undo it.  Without TSC offsetting neither
 * MSR can be written (#GP), and CPUID does not show TSC_ADJUST (cpuid.c).
 */
static bool move_tsc(struct minivm_vcpu *vcpu, u64 delta)
{
	if (!minivm_vmcs_has_tsc_offset())
		return false;
	vcpu->tsc_offset += delta;
	vcpu->tsc_adjust += delta;
	vmcs_write(TSC_OFFSET, vcpu->tsc_offset);
	return true;
}

/* WRMSR: true if done, false for #GP. */
static bool write_msr(struct minivm_vcpu *vcpu, u32 msr, u64 val)
{
	int i, ret = vcpu->lapic ? minivm_lapic_wrmsr(vcpu, msr, val) : -ENOENT;

	if (ret != -ENOENT)			/* the local APIC's */
		return !ret;
	switch (msr) {
	case MSR_IA32_MISC_ENABLE:
		if (val & ~(MISC_ENABLE_WRITABLE | MISC_ENABLE_READ_ONLY))
			return false;
		vcpu->misc_enable = (val & MISC_ENABLE_WRITABLE) |
				    (vcpu->misc_enable & MISC_ENABLE_READ_ONLY);
		return true;
	case MSR_IA32_UCODE_REV:
		return true;
	case MSR_IA32_MCG_STATUS:
		if (val & ~MCG_STATUS_WRITABLE)
			return false;
		vcpu->mcg_status = val;
		return true;
	/* LAB 8 begin */
	case MSR_IA32_TSC:
		return move_tsc(vcpu, val - (rdtsc() + vcpu->tsc_offset));
	/* LAB 8 end */
	case MSR_IA32_TSC_ADJUST:
		return move_tsc(vcpu, val - vcpu->tsc_adjust);
	case MSR_EFER:
		return minivm_set_efer(vcpu, val);	/* cr.c */
	case MSR_IA32_CR_PAT:
		if (!valid_pat(val))
			return false;
		vmcs_write(GUEST_IA32_PAT, val);
		return true;
	case MSR_IA32_SYSENTER_CS:
		vmcs_write(GUEST_SYSENTER_CS, (u32)val);
		return true;
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		if (!is_canonical(val))
			return false;
		vmcs_write(msr == MSR_IA32_SYSENTER_ESP ? GUEST_SYSENTER_ESP :
			   GUEST_SYSENTER_EIP, val);
		return true;
	}
	i = switched(msr);
	return i > MINIVM_MSR_KERNEL_GS_BASE && write_switched(vcpu, i, val);
}

/**
 * minivm_emulate_msr() - RDMSR or WRMSR of an MSR the bitmap traps.
 * @vcpu:  the vCPU; ECX holds the MSR, EDX:EAX the value (SDM Vol. 2B).
 * @write: WRMSR rather than RDMSR.
 *
 * Return: true if done (the caller steps over the instruction), false if
 * the guest gets #GP(0).
 */
bool minivm_emulate_msr(struct minivm_vcpu *vcpu, bool write)
{
	struct minivm_gprs *g = &vcpu->gprs;
	u32 msr = g->rcx;
	u64 val;

	if (write)
		return write_msr(vcpu, msr, (g->rdx << 32) | (u32)g->rax);
	if (!read_msr(vcpu, msr, &val))
		return false;
	g->rax = (u32)val;
	g->rdx = val >> 32;
	return true;
}

/*
 * XCR0 says which state components XSAVE manages and which instruction sets are
 * on (SDM Vol. 1, "Enabling the XSAVE Feature Set and XSAVE-Enabled
 * Features").  minivm's guests get x87 and SSE state: CPUID leaf 0Dh tells them
 * so (cpuid.c).
 */
#define GUEST_XCR0	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE)

/**
 * minivm_emulate_xsetbv() - XSETBV, which always exits.
 * @vcpu: the vCPU; ECX holds the XCR number, EDX:EAX the value.
 *
 * Return: true if done, false for #GP(0): an XCR other than 0, x87 state
 * left out, or a component the guest does not have (SDM Vol. 2D, XSETBV).
 */
bool minivm_emulate_xsetbv(struct minivm_vcpu *vcpu)
{
	struct minivm_gprs *g = &vcpu->gprs;
	u64 val = (g->rdx << 32) | (u32)g->rax;

	if ((u32)g->rcx != XCR_XFEATURE_ENABLED_MASK || !host_xcr0 ||
	    !(val & XFEATURE_MASK_FP) || (val & ~(host_xcr0 & GUEST_XCR0)))
		return false;
	vcpu->xcr0 = val;
	return true;
}

/*
 * The guest's XCR0 matters only once it has set CR4.OSXSAVE (before that
 * XGETBV, XSAVE and AVX all fault), so only then is it loaded: with
 * interrupts off, just around the entry, as the host's kernel uses XCR0
 * for its own FPU saving.
 */
void minivm_load_guest_xcr0(struct minivm_vcpu *vcpu)
{
	if ((vcpu->cr4_shadow & X86_CR4_OSXSAVE) && vcpu->xcr0 != host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
}

void minivm_load_host_xcr0(struct minivm_vcpu *vcpu)
{
	if ((vcpu->cr4_shadow & X86_CR4_OSXSAVE) && vcpu->xcr0 != host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, host_xcr0);
}

/** minivm_guest_xsave() - may the guest set CR4.OSXSAVE? */
bool minivm_guest_xsave(void)
{
	return host_xcr0 & XFEATURE_MASK_SSE;
}

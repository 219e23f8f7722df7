// SPDX-License-Identifier: GPL-2.0
/*
 * mitigations.c - what the host does at the guest/host boundary against
 * speculative-execution side channels, as KVM does on the same kernel.
 *
 * The kernel has already decided, at boot, which mitigations this CPU
 * needs (arch/x86/kernel/cpu/bugs.c, shown in
 * /sys/devices/system/cpu/vulnerabilities): minivm follows its decisions
 * and adds none of its own.
 *
 *   MDS, TAA, MMIO stale data, RFDS
 *           VERW just before VMLAUNCH/VMRESUME (vmenter.S), where the
 *           kernel set X86_FEATURE_CLEAR_CPU_BUF.
 *   L1TF    the guest controls its own page tables, so it can make the
 *           CPU speculate on any host-physical address present in L1D
 *           (CVE-2018-3646): L1D is flushed before entry as the kernel's
 *           L1TF policy says.  "always": before every entry.  "cond"
 *           (the default): only when the host may have brought something
 *           worth stealing into L1D since the last entry, as KVM judges
 *           it: a new RUN (userspace ran), the thread scheduled back in,
 *           a walk or copy at addresses the guest chose (gva.c: MMIO
 *           decoding, string I/O), or any interrupt on this CPU (the
 *           kernel's irq entry sets a per-CPU flag for this).  Mapping
 *           RAM after an EPT violation is not on the list, nor is it on
 *           KVM's: it shows the guest at most the host's layout.
 *   Spectre v2 between guests
 *           an IBPB when a CPU switches from one vCPU's VMCS to another's
 *           (vmx_cpu.c), so one guest cannot train the branches another
 *           runs on.
 *   VMSCAPE the guest may have trained branches the VMM in userspace
 *           runs: the kernel does an IBPB before the thread next returns
 *           to user mode once minivm flags it after an exit.
 *   Spectre v2 / RSB / BHI on exit
 *           RSB filling and BHB clearing after every exit (vmenter.S).
 *
 * Each action is counted in debugfs (mitigations), so a test can see it
 * happen where the kernel says the mitigation is on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <asm/cpufeature.h>
#include <asm/hardirq.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/vmx.h>

#include "minivm.h"

/*
 * Without the L1D flush command, L1D is flushed by reading 64 KiB: twice
 * its size, as its replacement policy is not exactly LRU.
 */
#define L1D_FLUSH_ORDER	4
static void *l1d_flush_pages;
static enum { L1D_NEVER, L1D_COND, L1D_ALWAYS } l1d_flush;

/* When does the kernel's L1TF policy want L1D flushed before entry? */
static int l1d_flush_policy(void)
{
	u64 cap = 0;

	if (!boot_cpu_has_bug(X86_BUG_L1TF))
		return L1D_NEVER;
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES)) {
		rdmsrl(MSR_IA32_ARCH_CAPABILITIES, cap);
		if (cap & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH)
			return L1D_NEVER;
	}
	/* kvm_intel, if it was loaded, chose already; otherwise as it would. */
	switch (l1tf_vmx_mitigation) {
	case VMENTER_L1D_FLUSH_NEVER:
	case VMENTER_L1D_FLUSH_NOT_REQUIRED:
	case VMENTER_L1D_FLUSH_EPT_DISABLED:
		return L1D_NEVER;
	case VMENTER_L1D_FLUSH_COND:
		return L1D_COND;
	case VMENTER_L1D_FLUSH_ALWAYS:
		return L1D_ALWAYS;
	default:			/* AUTO: the boot-time l1tf= choice */
		break;
	}
	switch (l1tf_mitigation) {
	case L1TF_MITIGATION_OFF:
		return L1D_NEVER;
	case L1TF_MITIGATION_FULL:
	case L1TF_MITIGATION_FULL_FORCE:
		return L1D_ALWAYS;
	default:
		return L1D_COND;
	}
}

/**
 * minivm_mitigations_init() - decide once, at load time.
 *
 * Return: 0 or -ENOMEM.
 */
int minivm_mitigations_init(void)
{
	struct page *page;
	int i;

	l1d_flush = l1d_flush_policy();
	if (l1d_flush == L1D_NEVER || boot_cpu_has(X86_FEATURE_FLUSH_L1D))
		return 0;
	page = alloc_pages(GFP_KERNEL, L1D_FLUSH_ORDER);
	if (!page)
		return -ENOMEM;
	l1d_flush_pages = page_address(page);
	/* Different contents per page: nothing to merge them (KSM). */
	for (i = 0; i < 1 << L1D_FLUSH_ORDER; i++)
		memset(l1d_flush_pages + i * PAGE_SIZE, i + 1, PAGE_SIZE);
	return 0;
}

void minivm_mitigations_exit(void)
{
	if (l1d_flush_pages)
		free_pages((unsigned long)l1d_flush_pages, L1D_FLUSH_ORDER);
}

/* Fill L1D with harmless data: touch each page, then each line. */
static void l1d_flush_by_reading(void)
{
	const u8 *p = l1d_flush_pages;
	unsigned int size = PAGE_SIZE << L1D_FLUSH_ORDER, i;

	for (i = 0; i < size; i += PAGE_SIZE)
		(void)READ_ONCE(p[i]);		/* TLB entries first */
	native_cpuid_eax(0);			/* serialise */
	for (i = 0; i < size; i += L1_CACHE_BYTES)
		(void)READ_ONCE(p[i]);
	asm volatile("lfence" ::: "memory");
}

/* Why an entry flushes L1D, if it does. */
enum l1d_reason { L1D_CLEAN, L1D_FOR_VCPU, L1D_FOR_IRQ };

/*
 * In "cond" mode: has anything run on this CPU since the last entry that
 * may have left secrets in L1D?  The vCPU's own flag first (a new RUN, a
 * reschedule, gva.c), then the per-CPU one the kernel sets on every
 * interrupt (for KVM, which minivm shares).  Both are cleared: this entry
 * flushes for them.
 */
static enum l1d_reason l1d_dirty(struct minivm_vcpu *vcpu)
{
	bool own = vcpu->l1d_dirty, irq = true;

	vcpu->l1d_dirty = false;
#if IS_ENABLED(CONFIG_KVM_INTEL)
	irq = kvm_get_cpu_l1tf_flush_l1d();
	kvm_clear_cpu_l1tf_flush_l1d();
#endif	/* else no interrupt tracking: assume one came, as "always" */
	if (own)
		return L1D_FOR_VCPU;
	return irq ? L1D_FOR_IRQ : L1D_CLEAN;
}

/**
 * minivm_mitigate_entry() - just before VM entry, interrupts off.
 * @vcpu: the vCPU about to enter.
 */
void minivm_mitigate_entry(struct minivm_vcpu *vcpu)
{
	enum l1d_reason why = L1D_CLEAN;

	if (l1d_flush == L1D_ALWAYS)
		why = L1D_FOR_VCPU;
	else if (l1d_flush == L1D_COND)
		why = l1d_dirty(vcpu);
	if (why != L1D_CLEAN) {
		if (static_cpu_has(X86_FEATURE_FLUSH_L1D))
			native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		else
			l1d_flush_by_reading();
		this_cpu_inc(minivm_mitigation_stats[MINIVM_MIT_L1D_FLUSH]);
		if (why == L1D_FOR_IRQ)
			this_cpu_inc(minivm_mitigation_stats[MINIVM_MIT_L1D_FLUSH_IRQ]);
	}
	/* vmenter.S executes VERW under this very flag. */
	if (cpu_feature_enabled(X86_FEATURE_CLEAR_CPU_BUF))
		this_cpu_inc(minivm_mitigation_stats[MINIVM_MIT_VERW]);
}

/**
 * minivm_mitigate_exit() - just after VM exit, interrupts off: VMSCAPE.
 */
void minivm_mitigate_exit(void)
{
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER)) {
		this_cpu_write(x86_ibpb_exit_to_user, true);
		this_cpu_inc(minivm_mitigation_stats[MINIVM_MIT_IBPB_EXIT_TO_USER]);
	}
}

/**
 * minivm_mitigate_vmcs_switch() - this CPU now runs another vCPU's VMCS:
 * no branch prediction trained by the last guest may reach the next.
 */
void minivm_mitigate_vmcs_switch(void)
{
	indirect_branch_prediction_barrier();
	if (cpu_feature_enabled(X86_FEATURE_USE_IBPB))
		this_cpu_inc(minivm_mitigation_stats[MINIVM_MIT_IBPB]);
}

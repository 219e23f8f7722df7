// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_caps.c - is there VMX at all, and what can it do?
 *
 * This is the first thing minivm does when it is loaded.  VMX can be missing
 * for four different reasons, and a user who sees "No such device" deserves
 * to know which one it is:
 *
 *   1. the CPU has no VMX (CPUID.1:ECX.VMX[bit 5] = 0: an AMD CPU, or a
 *      virtual machine without nested VMX);
 *   2. the firmware turned it off: IA32_FEAT_CTL is not locked with "VMXON
 *      outside SMX" enabled (SDM Vol. 3C, "Enabling and Entering VMX
 *      Operation").  minivm only reads this MSR:
 *      writing it is the firmware's job, and once locked nobody can;
 *   3. the kernel turned it off (clearcpuid=, or a check at boot failed), so
 *      X86_FEATURE_VMX is clear;
 *   4. the CPU's VMX lacks something minivm cannot do without.
 *
 * When VMX is there, the capability MSRs (SDM Vol. 3D, Appendix A) are read
 * once into minivm_caps; userspace sees them through MINIVM_GET_VMX_CAPS.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/tsc.h>
#include <asm/vmx.h>

#include "minivm.h"

struct minivm_vmx_caps minivm_caps;

/* The TRUE_* MSRs may report fewer must-be-one bits (SDM Vol. 3D, A.2). */
static u32 ctl_msr(u32 msr, u32 true_msr)
{
	return (minivm_caps.flags & MINIVM_VMX_TRUE_CTLS) ? true_msr : msr;
}

/* Turn the raw MSRs into the MINIVM_VMX_* summary flags. */
static void summarise_caps(void)
{
	struct minivm_vmx_caps *c = &minivm_caps;
	u32 pin_1 = c->pinbased_ctls >> 32;
	u32 sec_1 = c->procbased_ctls2 >> 32;
	u64 ept = c->ept_vpid_cap;

	if (pin_1 & PIN_BASED_VMX_PREEMPTION_TIMER)
		c->flags |= MINIVM_VMX_PREEMPTION_TIMER;
	if (sec_1 & SECONDARY_EXEC_ENABLE_EPT)
		c->flags |= MINIVM_VMX_EPT;
	if (sec_1 & SECONDARY_EXEC_ENABLE_VPID)
		c->flags |= MINIVM_VMX_VPID;
	if (sec_1 & SECONDARY_EXEC_UNRESTRICTED_GUEST)
		c->flags |= MINIVM_VMX_UNRESTRICTED_GUEST;
	if (!(c->flags & MINIVM_VMX_EPT))
		return;
	if (ept & VMX_EPT_AD_BIT)
		c->flags |= MINIVM_VMX_EPT_AD;
	if (ept & VMX_EPT_2MB_PAGE_BIT)
		c->flags |= MINIVM_VMX_EPT_2M;
	if (ept & VMX_EPT_1GB_PAGE_BIT)
		c->flags |= MINIVM_VMX_EPT_1G;
	if (ept & VMX_EPTP_WB_BIT)
		c->flags |= MINIVM_VMX_EPT_WB;
	if (ept & VMX_EPT_INVEPT_BIT)
		c->flags |= MINIVM_VMX_INVEPT;
	if (ept & ((u64)VMX_VPID_INVVPID_BIT << 32))
		c->flags |= MINIVM_VMX_INVVPID;
}

/* Read every capability MSR; VMX is known to exist when this runs. */
static void read_caps(void)
{
	struct minivm_vmx_caps *c = &minivm_caps;
	u32 proc_1;

	rdmsrl(MSR_IA32_VMX_BASIC, c->vmx_basic);
	c->vmcs_revision_id = c->vmx_basic & 0x7fffffff;
	if (c->vmx_basic & VMX_BASIC_TRUE_CTLS)
		c->flags |= MINIVM_VMX_TRUE_CTLS;

	rdmsrl(ctl_msr(MSR_IA32_VMX_PINBASED_CTLS,
		       MSR_IA32_VMX_TRUE_PINBASED_CTLS), c->pinbased_ctls);
	rdmsrl(ctl_msr(MSR_IA32_VMX_PROCBASED_CTLS,
		       MSR_IA32_VMX_TRUE_PROCBASED_CTLS), c->procbased_ctls);
	rdmsrl(ctl_msr(MSR_IA32_VMX_EXIT_CTLS,
		       MSR_IA32_VMX_TRUE_EXIT_CTLS), c->exit_ctls);
	rdmsrl(ctl_msr(MSR_IA32_VMX_ENTRY_CTLS,
		       MSR_IA32_VMX_TRUE_ENTRY_CTLS), c->entry_ctls);
	rdmsrl(MSR_IA32_VMX_MISC, c->vmx_misc);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, c->cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, c->cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, c->cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, c->cr4_fixed1);

	/* The secondary controls exist only if the primary ones say so. */
	proc_1 = c->procbased_ctls >> 32;
	if (proc_1 & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) {
		rdmsrl(MSR_IA32_VMX_PROCBASED_CTLS2, c->procbased_ctls2);
		/* ... and the EPT/VPID MSR only if EPT or VPID can be set. */
		if ((c->procbased_ctls2 >> 32) &
		    (SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID))
			rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, c->ept_vpid_cap);
	}

	/* The preemption timer counts down at TSC >> VMX_MISC[4:0]. */
	c->preemption_timer_shift = c->vmx_misc &
				    VMX_MISC_PREEMPTION_TIMER_RATE_MASK;
	c->tsc_khz = tsc_khz;
	summarise_caps();
}

/*
 * The few properties minivm relies on from the first VMXON: the VMXON region
 * and VMCS fit in one page, and the CPU accesses them write-back
 * (SDM Vol. 3D, A.1).
 */
static int check_basic(void)
{
	u64 basic = minivm_caps.vmx_basic;
	u32 size = (basic >> VMX_BASIC_VMCS_SIZE_SHIFT) & 0x1fff;
	u64 type = (basic & VMX_BASIC_MEM_TYPE_MASK) >>
		   VMX_BASIC_MEM_TYPE_SHIFT;

	if (size > PAGE_SIZE || type != VMX_BASIC_MEM_TYPE_WB) {
		pr_err("unsupported VMX: VMCS size %u, memory type %llu (IA32_VMX_BASIC=%#llx)\n",
		       size, type, basic);
		return -ENODEV;
	}
	return 0;
}

/**
 * minivm_detect_vmx() - find VMX or say in one line why it is not there.
 *
 * Return: 0 with minivm_caps filled in, or -ENODEV.
 */
int minivm_detect_vmx(void)
{
	u64 feat_ctl = 0;
	u64 need = FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX;

	if (!(cpuid_ecx(1) & BIT(X86_FEATURE_VMX & 31))) {
		pr_err("no VMX: this CPU does not support Intel VT-x (CPUID.1:ECX.VMX is 0; AMD CPUs and VMs without nested VMX lack it)\n");
		return -ENODEV;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat_ctl) ||
	    (feat_ctl & need) != need) {
		pr_err("no VMX: VT-x is disabled by the firmware (IA32_FEAT_CTL=%#llx); enable it in the BIOS setup\n",
		       feat_ctl);
		return -ENODEV;
	}
	if (!boot_cpu_has(X86_FEATURE_VMX)) {
		pr_err("no VMX: the kernel has turned VT-x off (X86_FEATURE_VMX is clear; see clearcpuid= and the boot log)\n");
		return -ENODEV;
	}
	minivm_caps.feature_control = feat_ctl;
	read_caps();
	return check_basic();
}

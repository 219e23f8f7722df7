/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * minivm: the userspace ABI of a minimal Intel VMX hypervisor.
 *
 * This is the one header shared by the kernel module and userspace.  Its
 * shape follows KVM's: a system fd (/dev/minivm) answers questions about the
 * host and creates VMs; each VM is an fd of its own.  Every ioctl, structure
 * and errno here is described in Documentation/minivm/api.rst.
 */
#ifndef _UAPI_LINUX_MINIVM_H
#define _UAPI_LINUX_MINIVM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped on any incompatible change; MINIVM_GET_API_VERSION returns it. */
#define MINIVM_API_VERSION	1

/* The ioctl "magic" of minivm: unused in Documentation/.../ioctl-number.rst. */
#define MINIVMIO		0xB8

/*
 * Extensions for MINIVM_CHECK_EXTENSION.  As with KVM, an unknown extension
 * answers 0, so userspace can probe for features without knowing the
 * module's version.
 */
#define MINIVM_CAP_VMX_CAPS	1	/* MINIVM_GET_VMX_CAPS exists */
#define MINIVM_CAP_CREATE_VM	2	/* MINIVM_CREATE_VM exists */

/*
 * struct minivm_vmx_caps - what the CPU offers for VMX, as minivm found it.
 *
 * The raw capability MSRs are passed through (SDM Vol. 3D, Appendix A) so a
 * reader can decode them with the SDM at hand; @flags summarises the few
 * features minivm cares about.
 */
struct minivm_vmx_caps {
	__u32 vmcs_revision_id;		/* VMX_BASIC[30:0] */
	__u32 flags;			/* MINIVM_VMX_* below */
	__u32 preemption_timer_shift;	/* timer ticks at TSC >> shift */
	__u32 tsc_khz;			/* the host's TSC rate */
	__u32 nr_cpus_online;		/* online CPUs now */
	__u32 nr_cpus_vmx_on;		/* CPUs in VMX operation for minivm */
	__u32 nr_cpus_foreign;		/* CPUs with VMX held by another */
	__u32 pad;
	__u64 vmx_basic;		/* IA32_VMX_BASIC */
	__u64 vmx_misc;			/* IA32_VMX_MISC */
	__u64 ept_vpid_cap;		/* IA32_VMX_EPT_VPID_CAP, 0 if absent */
	__u64 pinbased_ctls;		/* (TRUE_)PINBASED_CTLS */
	__u64 procbased_ctls;		/* (TRUE_)PROCBASED_CTLS */
	__u64 procbased_ctls2;		/* PROCBASED_CTLS2, 0 if absent */
	__u64 exit_ctls;		/* (TRUE_)EXIT_CTLS */
	__u64 entry_ctls;		/* (TRUE_)ENTRY_CTLS */
	__u64 cr0_fixed0, cr0_fixed1;	/* IA32_VMX_CR0_FIXED0/1 */
	__u64 cr4_fixed0, cr4_fixed1;	/* IA32_VMX_CR4_FIXED0/1 */
	__u64 feature_control;		/* IA32_FEAT_CTL as firmware left it */
	__u64 reserved[8];		/* zero */
};

#define MINIVM_VMX_TRUE_CTLS		(1U << 0) /* VMX_BASIC bit 55 */
#define MINIVM_VMX_EPT			(1U << 1)
#define MINIVM_VMX_VPID			(1U << 2)
#define MINIVM_VMX_UNRESTRICTED_GUEST	(1U << 3)
#define MINIVM_VMX_PREEMPTION_TIMER	(1U << 4)
#define MINIVM_VMX_EPT_AD		(1U << 5) /* EPT accessed/dirty bits */
#define MINIVM_VMX_EPT_2M		(1U << 6) /* EPT 2 MiB pages */
#define MINIVM_VMX_EPT_1G		(1U << 7) /* EPT 1 GiB pages */
#define MINIVM_VMX_EPT_WB		(1U << 8) /* EPT write-back paging */
#define MINIVM_VMX_INVEPT		(1U << 9)
#define MINIVM_VMX_INVVPID		(1U << 10)

/* ioctls on /dev/minivm */
#define MINIVM_GET_API_VERSION	_IO(MINIVMIO, 0x00)
#define MINIVM_CHECK_EXTENSION	_IO(MINIVMIO, 0x01)
#define MINIVM_GET_VMX_CAPS	_IOR(MINIVMIO, 0x02, struct minivm_vmx_caps)
#define MINIVM_CREATE_VM	_IO(MINIVMIO, 0x03)

#endif /* _UAPI_LINUX_MINIVM_H */

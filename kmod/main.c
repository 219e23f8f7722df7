// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - minivm, a minimal Intel VMX hypervisor: where it all starts.
 *
 * Start reading here.  Loading the module checks for VMX (vmx_caps.c),
 * prepares each CPU without turning VMX on yet (vmx_cpu.c) and creates the
 * misc device /dev/minivm.  Everything userspace does begins with
 * open("/dev/minivm") and the ioctls below; MINIVM_CREATE_VM leads on to
 * vm.c, which is where VMX operation is switched on.
 *
 * What minivm leaves out compared with KVM, and why, is listed in
 * Documentation/minivm/design.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/string_helpers.h>
#include <linux/uaccess.h>
#include <asm/vmx.h>

#include "minivm.h"

/* MINIVM_CHECK_EXTENSION: nonzero for what this module has, 0 otherwise. */
static long minivm_check_extension(unsigned long ext)
{
	switch (ext) {
	case MINIVM_CAP_VMX_CAPS:
	case MINIVM_CAP_CREATE_VM:
	case MINIVM_CAP_READONLY_MEM:
		return 1;
	case MINIVM_CAP_VCPU_EVENTS:
		return 2;		/* with halted and pending_debug */
	case MINIVM_CAP_INTERRUPT:
	case MINIVM_CAP_LAPIC:		/* its interrupts go in the same way */
	case MINIVM_CAP_EOI_EXIT:
		return !!(minivm_vmcs_window_exits() &
			  CPU_BASED_INTR_WINDOW_EXITING);
	case MINIVM_CAP_NMI:
		return minivm_vmcs_has_vnmi();
	case MINIVM_CAP_APICV:
		return minivm_apicv_offered();
	case MINIVM_CAP_NR_MEMSLOTS:
		return MINIVM_MAX_MEMSLOTS;
	case MINIVM_CAP_MAX_VCPUS:
		return MINIVM_MAX_VCPUS;
	default:
		return 0;
	}
}

/*
 * MINIVM_GET_VMX_CAPS: what vmx_caps.c found at load time, and how many
 * CPUs are in VMX operation now (for minivm, and for someone else).
 */
static int minivm_get_vmx_caps(void __user *uarg)
{
	struct minivm_vmx_caps caps = minivm_caps;

	minivm_vmx_count_cpus(&caps.nr_cpus_online, &caps.nr_cpus_vmx_on,
			      &caps.nr_cpus_foreign);
	if (copy_to_user(uarg, &caps, sizeof(caps)))
		return -EFAULT;
	return 0;
}

/*
 * The ioctls of /dev/minivm.  The open file holds a reference on the module
 * (the misc device's fops have .owner set), so the module cannot go away
 * under an ioctl.  Arguments an ioctl does not use must be 0, as in KVM, so
 * that they can be given a meaning later.
 */
static long minivm_dev_ioctl(struct file *filp, unsigned int cmd,
			     unsigned long arg)
{
	switch (cmd) {
	case MINIVM_GET_API_VERSION:
		return arg ? -EINVAL : MINIVM_API_VERSION;
	case MINIVM_CHECK_EXTENSION:
		return minivm_check_extension(arg);
	case MINIVM_GET_VMX_CAPS:
		return minivm_get_vmx_caps((void __user *)arg);
	case MINIVM_CREATE_VM:
		return arg ? -EINVAL : minivm_create_vm();
	case MINIVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : PAGE_SIZE;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations minivm_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = minivm_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/* Root only by default; a udev rule may hand it to a 'minivm' group. */
static struct miscdevice minivm_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "minivm",
	.fops = &minivm_dev_fops,
	.mode = 0600,
};

static int __init minivm_init(void)
{
	int ret;

	ret = minivm_detect_vmx();
	if (ret)
		return ret;
	/* A CPU without a required control can still report its caps. */
	minivm_vmcs_config();
	minivm_vmcs_init();
	ret = minivm_msr_init();
	if (ret)
		return ret;
	minivm_cr_init(minivm_guest_xsave());	/* msr.c knows about XSAVE */
	ret = minivm_mitigations_init();
	if (ret)
		goto err_msr;
	ret = minivm_vmx_cpu_init();
	if (ret)
		goto err_mitigations;
	ret = minivm_emergency_init();
	if (ret)
		goto err_cpu;
	ret = misc_register(&minivm_dev);
	if (ret)
		goto err_emergency;
	minivm_debugfs_init();
	pr_info("VMX ready (VMCS revision %#x, EPT %s, VPID %s, unrestricted guest %s)\n",
		minivm_caps.vmcs_revision_id,
		str_yes_no(minivm_caps.flags & MINIVM_VMX_EPT),
		str_yes_no(minivm_caps.flags & MINIVM_VMX_VPID),
		str_yes_no(minivm_caps.flags & MINIVM_VMX_UNRESTRICTED_GUEST));
	return 0;

err_emergency:
	minivm_emergency_exit();
err_cpu:
	minivm_vmx_cpu_exit();
err_mitigations:
	minivm_mitigations_exit();
err_msr:
	minivm_msr_exit();
	return ret;
}

/*
 * Unloading is only possible when nothing holds the module: no open
 * /dev/minivm and no VM fd, hence no VM and VMX is off everywhere.
 */
static void __exit minivm_exit(void)
{
	misc_deregister(&minivm_dev);
	minivm_debugfs_exit();
	minivm_emergency_exit();
	minivm_vmx_cpu_exit();
	minivm_mitigations_exit();
	minivm_msr_exit();
}

module_init(minivm_init);
module_exit(minivm_exit);

MODULE_DESCRIPTION("minivm: a minimal Intel VMX hypervisor");
MODULE_AUTHOR("The minivm developers");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - the VM object and its file descriptor.
 *
 * MINIVM_CREATE_VM returns a new fd backed by an anonymous inode; the VM
 * lives exactly as long as that fd (and, later, anything that holds a
 * reference on the VM).  Each VM holds one reference on VMX operation, so
 * creating the first VM is what turns VMX on (vmx_cpu.c) and closing the
 * last one turns it off again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/slab.h>

#include "minivm.h"

/* A virtual machine.  Memory slots, EPT and vCPUs will hang off it. */
struct minivm_vm {
	pid_t creator;		/* for messages: the process that made it */
};

/* Closing the last fd of the VM destroys it. */
static int minivm_vm_release(struct inode *inode, struct file *filp)
{
	struct minivm_vm *vm = filp->private_data;

	kfree(vm);
	minivm_vmx_put();
	return 0;
}

/* The VM fd has no ioctls yet. */
static long minivm_vm_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
	return -ENOTTY;
}

static const struct file_operations minivm_vm_fops = {
	.owner = THIS_MODULE,
	.release = minivm_vm_release,
	.unlocked_ioctl = minivm_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/**
 * minivm_create_vm() - MINIVM_CREATE_VM: make a VM and return its fd.
 *
 * Return: the new fd, or -EBUSY when another hypervisor holds VMX, -ENOMEM,
 * -EMFILE, or whatever turning VMX on reported.
 */
int minivm_create_vm(void)
{
	struct minivm_vm *vm;
	int ret;

	ret = minivm_vmx_get();
	if (ret)
		return ret;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm) {
		ret = -ENOMEM;
		goto err_put;
	}
	vm->creator = task_tgid_nr(current);

	ret = anon_inode_getfd("minivm-vm", &minivm_vm_fops, vm,
			       O_RDWR | O_CLOEXEC);
	if (ret < 0)
		goto err_free;
	return ret;

err_free:
	kfree(vm);
err_put:
	minivm_vmx_put();
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - the VM object, its file descriptor and its ioctls.
 *
 * MINIVM_CREATE_VM returns a new fd backed by an anonymous inode.  The VM
 * holds one reference on VMX operation, so creating the first VM is what
 * turns VMX on (vmx_cpu.c) and destroying the last one turns it off.
 *
 * The VM is reference-counted: its fd holds one reference and every vCPU
 * holds one, so fds can be closed in any order and the VM goes away with
 * the last of them (or with the process).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/preempt.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <asm/msr.h>
#include <asm/vmx.h>

#include "minivm.h"

static void vm_destroy(struct kref *ref)
{
	struct minivm_vm *vm = container_of(ref, struct minivm_vm, ref);

	/* No vCPU is left, so nothing runs on this EPT any more. */
	minivm_ept_flush(&vm->ept);
	minivm_free_memslots(vm);
	minivm_ept_destroy(&vm->ept);
	minivm_apic_access_free(vm);
	minivm_free_cpuid(vm);
	mmdrop(vm->mm);
	kfree(vm);
	minivm_count(MINIVM_OBJ_VM, -1);
	preempt_notifier_dec();
	minivm_vmx_put();
}

/** minivm_vm_put() - drop a reference; the last one destroys the VM. */
void minivm_vm_put(struct minivm_vm *vm)
{
	kref_put(&vm->ref, vm_destroy);
}

static int minivm_vm_release(struct inode *inode, struct file *filp)
{
	minivm_vm_put(filp->private_data);
	return 0;
}

/*
 * MINIVM_CREATE_LAPIC: every vCPU created from now on gets a local APIC
 * (lapic.c).  Return: 0; -EEXIST if asked before; -EBUSY once the VM has
 * a vCPU; -EOPNOTSUPP without interrupt-window exiting; -ENOMEM.
 */
static int create_lapic(struct minivm_vm *vm)
{
	int ret = 0;

	if (!(minivm_vmcs_window_exits() & CPU_BASED_INTR_WINDOW_EXITING))
		return -EOPNOTSUPP;
	mutex_lock(&vm->lock);
	if (vm->has_lapic) {
		ret = -EEXIST;
	} else if (vm->nr_vcpus) {
		ret = -EBUSY;
	} else {
		/* What the CPU does for these APICs is fixed now (lapic_virt.c). */
		vm->apicv = minivm_apicv_offered();
		ret = minivm_apic_access_create(vm);
		if (!ret)
			WRITE_ONCE(vm->has_lapic, true);
	}
	mutex_unlock(&vm->lock);
	return ret;
}

static long minivm_vm_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
	struct minivm_vm *vm = filp->private_data;
	void __user *uarg = (void __user *)arg;
	struct minivm_memory_region mr;

	/* Guest memory is the creator's memory: only it may use the VM. */
	if (vm->mm != current->mm)
		return -EIO;

	switch (cmd) {
	case MINIVM_SET_MEMORY_REGION:
		if (copy_from_user(&mr, uarg, sizeof(mr)))
			return -EFAULT;
		return minivm_set_memory_region(vm, &mr);
	case MINIVM_CREATE_VCPU:
		return minivm_create_vcpu(vm, arg);
	case MINIVM_SET_CPUID:
		return minivm_set_cpuid(vm, uarg);
	case MINIVM_CREATE_LAPIC:
		return arg ? -EINVAL : create_lapic(vm);
	case MINIVM_SIGNAL_MSI:
		return minivm_signal_msi(vm, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations minivm_vm_fops = {
	.owner = THIS_MODULE,
	.release = minivm_vm_release,
	.unlocked_ioctl = minivm_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct minivm_vm *vm_alloc(void)
{
	struct minivm_vm *vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);

	if (!vm)
		return NULL;
	kref_init(&vm->ref);
	mutex_init(&vm->lock);
	if (minivm_ept_init(&vm->ept))
		goto err;
	if (minivm_default_cpuid(vm))
		goto err_ept;
	vm->mm = current->mm;
	mmgrab(vm->mm);
	/* The guest's TSC starts at 0 with the VM (msr.c). */
	vm->tsc_offset = -rdtsc();
	minivm_count(MINIVM_OBJ_VM, 1);
	return vm;

err_ept:
	minivm_ept_destroy(&vm->ept);
err:
	kfree(vm);
	return NULL;
}

/**
 * minivm_create_vm() - MINIVM_CREATE_VM: make a VM and return its fd.
 *
 * Return: the new fd; -EOPNOTSUPP when the CPU lacks a VMX control minivm
 * requires; -EBUSY when another hypervisor holds VMX; -ENOMEM; -EMFILE;
 * or whatever turning VMX on reported.
 */
int minivm_create_vm(void)
{
	struct minivm_vm *vm;
	int ret;

	if (minivm_vmcs_missing()) {
		pr_err_ratelimited("cannot create a VM: the CPU lacks required %s controls\n",
				   minivm_vmcs_missing());
		return -EOPNOTSUPP;
	}
	ret = minivm_vmx_get();
	if (ret)
		return ret;
	/* The vCPUs' preempt notifiers are a static key, off by default. */
	preempt_notifier_inc();

	vm = vm_alloc();
	if (!vm) {
		ret = -ENOMEM;
		goto err_put;
	}
	ret = anon_inode_getfd("minivm-vm", &minivm_vm_fops, vm,
			       O_RDWR | O_CLOEXEC);
	if (ret < 0)
		goto err_free;
	return ret;

err_free:
	minivm_ept_destroy(&vm->ept);
	minivm_free_cpuid(vm);
	mmdrop(vm->mm);
	kfree(vm);
	minivm_count(MINIVM_OBJ_VM, -1);
err_put:
	preempt_notifier_dec();
	minivm_vmx_put();
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu.c - the vCPU object, its fd, its shared run page, its VPID.
 *
 * MINIVM_CREATE_VCPU gives a new vCPU fd.  Userspace mmap()s it to see the
 * struct minivm_run page where exits are described, then calls MINIVM_RUN
 * on it in a loop (run.c).  The registers (regs.c) are read and written
 * through the VMCS, which is only touched by a thread that has loaded it on
 * its CPU: the register ioctls take the same run_lock as MINIVM_RUN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/vmx.h>

#include <asm/fpu/xstate.h>

#include "minivm.h"
#include "vmx_ops.h"

/* VPIDs 1..65535 tag each vCPU's TLB entries; 0 is the host's. */
static DEFINE_IDA(minivm_vpids);

static void invvpid_ipi(void *info)
{
	if (!minivm_vmx_on_here())
		return;
	/*
	 * Single-context if the CPU has it, else all contexts (SDM "INVVPID").
	 */
	if (minivm_caps.ept_vpid_cap & VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT << 32)
		vmx_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, *(u16 *)info);
	else
		vmx_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0);
}

static void free_vpid(u16 vpid)
{
	if (!vpid)
		return;
	/* A future vCPU with this VPID must not see these TLB entries. */
	on_each_cpu(invvpid_ipi, &vpid, 1);
	ida_free(&minivm_vpids, vpid);
}

/* Free what vcpu_alloc() made; the VMCS is active nowhere. */
static void vcpu_free_parts(struct minivm_vcpu *vcpu)
{
	free_vpid(vcpu->vpid);
	minivm_lapic_free(vcpu);
	fpu_free_guest_fpstate(&vcpu->fpu);
	if (vcpu->vmcs)
		minivm_vmcs_free(vcpu->vmcs);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
	minivm_count(MINIVM_OBJ_VCPU, -1);
}

/* The last fd is gone: take the vCPU out of its VM and free it. */
static void vcpu_free(struct minivm_vcpu *vcpu)
{
	struct minivm_vm *vm = vcpu->vm;

	minivm_vmcs_clear(vcpu);
	mutex_lock(&vm->lock);
	vm->vcpus[vcpu->id] = NULL;
	vm->nr_vcpus--;
	mutex_unlock(&vm->lock);
	vcpu_free_parts(vcpu);
	minivm_vm_put(vm);
}

static int minivm_vcpu_release(struct inode *inode, struct file *filp)
{
	vcpu_free(filp->private_data);
	return 0;
}

/* The run page is mapped shared, one page, at offset 0. */
static vm_fault_t minivm_vcpu_fault(struct vm_fault *vmf)
{
	struct minivm_vcpu *vcpu = vmf->vma->vm_file->private_data;

	if (vmf->pgoff != 0)
		return VM_FAULT_SIGBUS;
	vmf->page = virt_to_page(vcpu->run);
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct minivm_vcpu_vm_ops = {
	.fault = minivm_vcpu_fault,
};

static int minivm_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff != 0 || vma_pages(vma) != 1)
		return -EINVAL;
	vma->vm_ops = &minivm_vcpu_vm_ops;
	return 0;
}

/*
 * The register and event ioctls: copy in, then with the VMCS current for this
 * thread read or write it, then copy out.  The thread stays preemptible:
 * SET_SREGS into PAE paging reads the PDPTEs from guest memory under the
 * VM's mutex (cr.c, memslot.c), which may sleep.
 */
static long vcpu_regs_ioctl(struct minivm_vcpu *vcpu, unsigned int cmd,
			    void __user *uarg)
{
	union {
		struct minivm_regs regs;
		struct minivm_sregs sregs;
		struct minivm_vcpu_events events;
	} u;
	bool get = _IOC_DIR(cmd) == _IOC_READ;
	long ret = 0;

	if (!get && copy_from_user(&u, uarg, _IOC_SIZE(cmd)))
		return -EFAULT;

	if (!mutex_trylock(&vcpu->run_lock))
		return -EBUSY;
	minivm_vcpu_attach(vcpu);
	switch (cmd) {
	case MINIVM_GET_REGS:
		minivm_get_regs(vcpu, &u.regs);
		break;
	case MINIVM_SET_REGS:
		minivm_set_regs(vcpu, &u.regs);
		break;
	case MINIVM_GET_SREGS:
		memset(&u.sregs, 0, sizeof(u.sregs));
		minivm_get_sregs(vcpu, &u.sregs);
		break;
	case MINIVM_SET_SREGS:
		ret = minivm_set_sregs(vcpu, &u.sregs);
		break;
	case MINIVM_GET_VCPU_EVENTS:
		minivm_get_events(vcpu, &u.events);
		break;
	case MINIVM_SET_VCPU_EVENTS:
		ret = minivm_set_events(vcpu, &u.events);
		break;
	}
	minivm_vcpu_detach(vcpu);
	mutex_unlock(&vcpu->run_lock);

	if (!ret && get && copy_to_user(uarg, &u, _IOC_SIZE(cmd)))
		ret = -EFAULT;
	return ret;
}

/*
 * The state ioctls that need no VMCS (MINIVM_GET/SET_LAPIC, _XSAVE): @op
 * on the vCPU while no thread runs it.
 */
static long vcpu_state_ioctl(struct minivm_vcpu *vcpu,
			     int (*op)(struct minivm_vcpu *vcpu, void __user *uarg),
			     void __user *uarg)
{
	long ret;

	if (!mutex_trylock(&vcpu->run_lock))
		return -EBUSY;
	ret = op(vcpu, uarg);
	mutex_unlock(&vcpu->run_lock);
	return ret;
}

static long minivm_vcpu_ioctl(struct file *filp, unsigned int cmd,
			      unsigned long arg)
{
	struct minivm_vcpu *vcpu = filp->private_data;

	/* A vCPU belongs to the process that created its VM. */
	if (vcpu->vm->mm != current->mm)
		return -EIO;

	switch (cmd) {
	case MINIVM_RUN:
		return arg ? -EINVAL : minivm_vcpu_run(vcpu);
	case MINIVM_GET_REGS:
	case MINIVM_SET_REGS:
	case MINIVM_GET_SREGS:
	case MINIVM_SET_SREGS:
	case MINIVM_GET_VCPU_EVENTS:
	case MINIVM_SET_VCPU_EVENTS:
		return vcpu_regs_ioctl(vcpu, cmd, (void __user *)arg);
	case MINIVM_INTERRUPT:
		return minivm_queue_interrupt(vcpu, (void __user *)arg);
	case MINIVM_NMI:
		return arg ? -EINVAL : minivm_queue_nmi(vcpu);
	case MINIVM_GET_LAPIC:
		return vcpu_state_ioctl(vcpu, minivm_lapic_get, (void __user *)arg);
	case MINIVM_SET_LAPIC:
		return vcpu_state_ioctl(vcpu, minivm_lapic_set, (void __user *)arg);
	case MINIVM_GET_XSAVE:
		return vcpu_state_ioctl(vcpu, minivm_get_xsave, (void __user *)arg);
	case MINIVM_SET_XSAVE:
		return vcpu_state_ioctl(vcpu, minivm_set_xsave, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations minivm_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = minivm_vcpu_release,
	.unlocked_ioctl = minivm_vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = minivm_vcpu_mmap,
	.llseek = noop_llseek,
};

static struct minivm_vcpu *vcpu_alloc(struct minivm_vm *vm, unsigned int id)
{
	struct minivm_vcpu *vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	int vpid;

	if (!vcpu)
		return NULL;
	minivm_count(MINIVM_OBJ_VCPU, 1);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->cpu = -1;
	vcpu->xcr0 = XFEATURE_MASK_FP;		/* XCR0 after RESET */
	vcpu->mmio_gen = ~0UL;			/* no page known to be MMIO */
	mutex_init(&vcpu->run_lock);
	INIT_LIST_HEAD(&vcpu->loaded_link);
	preempt_notifier_init(&vcpu->preempt, &minivm_preempt_ops);
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->vmcs = minivm_vmcs_alloc();
	if (!vcpu->run || !vcpu->vmcs || !fpu_alloc_guest_fpstate(&vcpu->fpu))
		goto err;
	if (minivm_vmcs_has_vpid()) {
		/*
		 * VPID 0 is the host's; entry refuses it (SDM "Checks on VMX
		 * Controls").  When all 65535 are taken, this vCPU goes without
		 * one (its TLB entries are flushed at every entry and exit)
		 * rather than one user's vCPUs locking everyone else out.
		 */
		vpid = ida_alloc_range(&minivm_vpids, 1, 0xffff, GFP_KERNEL);
		if (vpid == -ENOMEM)
			goto err;
		vcpu->vpid = vpid > 0 ? vpid : 0;
	}
	return vcpu;
err:
	vcpu_free_parts(vcpu);
	return NULL;
}

/* A fresh VMCS: VMCLEAR it (launch state "clear"), then fill it. */
/* SDM Vol. 3C, "Initializing a VMCS". */
static void vcpu_init_vmcs(struct minivm_vcpu *vcpu)
{
	preempt_disable();
	vmx_vmclear(__pa(vcpu->vmcs));
	minivm_vcpu_load(vcpu);
	/*
	 * vmcs.c writes the controls and the host state; each file that
	 * owns a part of the guest writes that part's fields.
	 */
	minivm_vmcs_setup(vcpu);
	minivm_lapic_vmcs_setup(vcpu);
	if (vcpu->lapic)
		minivm_apicv_vmcs_setup(vcpu);
	minivm_exception_setup(vcpu);
	minivm_msr_setup(vcpu);
	minivm_regs_reset(vcpu);
	preempt_enable();
}

/**
 * minivm_create_vcpu() - MINIVM_CREATE_VCPU: a vCPU and its fd.
 * @vm: the VM.
 * @id: the vCPU's number, below MINIVM_MAX_VCPUS, unique in the VM.
 *
 * Return: the fd; -EINVAL for a bad id; -EEXIST if taken; -ENOMEM;
 * -EMFILE.  In a VM with local APICs, the vCPU gets one.
 */
int minivm_create_vcpu(struct minivm_vm *vm, unsigned long id)
{
	struct minivm_vcpu *vcpu;
	int fd;

	if (id >= MINIVM_MAX_VCPUS)
		return -EINVAL;
	vcpu = vcpu_alloc(vm, id);
	if (!vcpu)
		return -ENOMEM;

	mutex_lock(&vm->lock);
	if (vm->vcpus[id]) {
		mutex_unlock(&vm->lock);
		vcpu_free_parts(vcpu);
		return -EEXIST;
	}
	/* Under the lock: MINIVM_CREATE_LAPIC is refused from now on. */
	if (vm->has_lapic && minivm_lapic_create(vcpu)) {
		mutex_unlock(&vm->lock);
		vcpu_free_parts(vcpu);
		return -ENOMEM;
	}
	vm->vcpus[id] = vcpu;
	vm->nr_vcpus++;
	kref_get(&vm->ref);
	mutex_unlock(&vm->lock);

	vcpu_init_vmcs(vcpu);
	fd = anon_inode_getfd("minivm-vcpu", &minivm_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0)
		vcpu_free(vcpu);
	return fd;
}

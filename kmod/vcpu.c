// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu.c - the vCPU object, its fd, its shared run page, its registers.
 *
 * MINIVM_CREATE_VCPU gives a new vCPU fd.  Userspace mmap()s it to see the
 * struct minivm_run page where exits are described, then calls MINIVM_RUN
 * on it in a loop (run.c).  The registers are read and written through the
 * VMCS, which is only touched by a thread that has loaded it on its CPU:
 * the register ioctls take the same run_lock as MINIVM_RUN.
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
	/* Single-context if the CPU has it, else all contexts (SDM 31.3). */
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
 * The segment access-rights format of the VMCS (SDM 25.4.1): type in
 * bits 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16.
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

/* GUEST_xS_{SELECTOR,BASE,LIMIT,AR_BYTES} are spaced alike for each. */
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

static void get_sregs(struct minivm_vcpu *vcpu, struct minivm_sregs *sr)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(seg_fields); i++) {
		struct minivm_segment *s = sregs_seg(sr, i);
		u32 n = (seg_fields[i] - GUEST_ES_SELECTOR) / 2;

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

/*
 * Control-register values a MOV would refuse with #GP are refused here
 * with -EINVAL, before anything is written: VM entry would fail on them.
 */
static bool sregs_crs_valid(const struct minivm_sregs *sr)
{
	u64 cr0 = sr->cr0, cr4 = sr->cr4;

	if ((cr0 >> 32) || ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE)) ||
	    ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)))
		return false;
	if ((cr0 & X86_CR0_PG) && (sr->efer & EFER_LME) && !(cr4 & X86_CR4_PAE))
		return false;
	if (cr4 & minivm_cr4_host_owned() & ~X86_CR4_OSXSAVE)
		return false;
	return !((cr4 & X86_CR4_OSXSAVE) && !minivm_guest_xsave());
}

static int set_sregs(struct minivm_vcpu *vcpu, const struct minivm_sregs *sr)
{
	int i;

	/* EFER: SCE, LME, LMA, NXE are the bits a guest can have. */
	if (sr->efer & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX))
		return -EINVAL;
	if (!sregs_padding_zero(sr) || !sregs_crs_valid(sr))
		return -EINVAL;

	for (i = 0; i < ARRAY_SIZE(seg_fields); i++) {
		const struct minivm_segment *s = sregs_seg((void *)sr, i);
		u32 n = (seg_fields[i] - GUEST_ES_SELECTOR) / 2;

		vmcs_write(seg_fields[i], s->selector);
		vmcs_write(GUEST_ES_BASE + n * 2, s->base);
		vmcs_write(GUEST_ES_LIMIT + n * 2, s->limit);
		vmcs_write(GUEST_ES_AR_BYTES + n * 2, seg_to_ar(s));
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

static void get_regs(struct minivm_vcpu *vcpu, struct minivm_regs *r)
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

static void set_regs(struct minivm_vcpu *vcpu, const struct minivm_regs *r)
{
	struct minivm_gprs *g = &vcpu->gprs;

	g->rax = r->rax; g->rbx = r->rbx; g->rcx = r->rcx; g->rdx = r->rdx;
	g->rsi = r->rsi; g->rdi = r->rdi; g->rbp = r->rbp;
	g->r8 = r->r8; g->r9 = r->r9; g->r10 = r->r10; g->r11 = r->r11;
	g->r12 = r->r12; g->r13 = r->r13; g->r14 = r->r14; g->r15 = r->r15;
	vmcs_write(GUEST_RSP, r->rsp);
	vmcs_write(GUEST_RIP, r->rip);
	/* Bit 1 is always 1; reserved bits stay 0 (SDM 26.3.1.4). */
	vmcs_write(GUEST_RFLAGS, (r->rflags & 0x3f7fd7) | X86_EFLAGS_FIXED);
}

/*
 * The register ioctls: copy in, then with the VMCS loaded on this CPU
 * (preemption off) read or write it, then copy out.
 */
static long vcpu_regs_ioctl(struct minivm_vcpu *vcpu, unsigned int cmd,
			    void __user *uarg)
{
	union {
		struct minivm_regs regs;
		struct minivm_sregs sregs;
	} u;
	long ret = 0;

	if ((cmd == MINIVM_SET_REGS || cmd == MINIVM_SET_SREGS) &&
	    copy_from_user(&u, uarg, _IOC_SIZE(cmd)))
		return -EFAULT;

	if (!mutex_trylock(&vcpu->run_lock))
		return -EBUSY;
	preempt_disable();
	minivm_vcpu_load(vcpu);
	switch (cmd) {
	case MINIVM_GET_REGS:
		get_regs(vcpu, &u.regs);
		break;
	case MINIVM_SET_REGS:
		set_regs(vcpu, &u.regs);
		break;
	case MINIVM_GET_SREGS:
		memset(&u.sregs, 0, sizeof(u.sregs));
		get_sregs(vcpu, &u.sregs);
		break;
	case MINIVM_SET_SREGS:
		ret = set_sregs(vcpu, &u.sregs);
		break;
	}
	preempt_enable();
	mutex_unlock(&vcpu->run_lock);

	if (!ret && (cmd == MINIVM_GET_REGS || cmd == MINIVM_GET_SREGS) &&
	    copy_to_user(uarg, &u, _IOC_SIZE(cmd)))
		ret = -EFAULT;
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
		return vcpu_regs_ioctl(vcpu, cmd, (void __user *)arg);
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
		 * VPID 0 is the host's; entry refuses it (26.2.1.1).  When
		 * all 65535 are taken, this vCPU goes without one (its TLB
		 * entries are flushed at every entry and exit) rather than
		 * one user's vCPUs locking everyone else out.
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

/* A fresh VMCS: VMCLEAR it (launch state "clear", 25.11.3), then fill. */
static void vcpu_init_vmcs(struct minivm_vcpu *vcpu)
{
	preempt_disable();
	vmcs_clear(__pa(vcpu->vmcs));
	minivm_vcpu_load(vcpu);
	minivm_vmcs_setup(vcpu);
	preempt_enable();
}

/**
 * minivm_create_vcpu() - MINIVM_CREATE_VCPU: a vCPU and its fd.
 * @vm: the VM.
 * @id: the vCPU's number, below MINIVM_MAX_VCPUS, unique in the VM.
 *
 * Return: the fd; -EINVAL for a bad id; -EEXIST if taken; -ENOMEM;
 * -EMFILE.
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

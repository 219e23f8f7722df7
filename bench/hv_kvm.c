// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's KVM side: the same guest over /dev/kvm, set up the way
 * a minimal VMM would: no in-kernel interrupt controller (so HLT, like
 * port I/O and MMIO, comes to userspace as it does with minivm), the
 * CPUID KVM supports, and hypercall exits for KVM_HC_MAP_GPA_RANGE (the
 * one hypercall KVM lets userspace serve).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/kvm_para.h>

#include "bench.h"

static int mmap_size;

static int errno_or(int ret)
{
	return ret < 0 ? -errno : ret;
}

static int k_open(struct hv *hv)
{
	hv->dev = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (hv->dev < 0)
		return -errno;
	mmap_size = ioctl(hv->dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	return mmap_size < 0 ? -errno : 0;
}

static int k_create_vm(struct hv *hv, struct hv_vm *vm)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_EXIT_HYPERCALL,
		.args[0] = 1ULL << KVM_HC_MAP_GPA_RANGE,
	};

	vm->fd = errno_or(ioctl(hv->dev, KVM_CREATE_VM, 0));
	if (vm->fd < 0)
		return vm->fd;
	/* Without it the user hypercall is answered in KVM: not comparable. */
	if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap))
		hv->hc_user = ~0ULL;
	return 0;
}

static int k_set_memory(struct hv_vm *vm, uint32_t slot, uint64_t gpa,
			uint64_t size, void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (unsigned long)host,
	};

	return errno_or(ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r));
}

/* The CPUID KVM supports, as a VMM would give its guest. */
static int set_cpuid(int dev, int vcpu)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
				      100 * sizeof(struct kvm_cpuid_entry2));
	int ret;

	if (!c)
		return -ENOMEM;
	c->nent = 100;
	ret = errno_or(ioctl(dev, KVM_GET_SUPPORTED_CPUID, c));
	/* The TSC-deadline timer KVM's local APIC emulates (its own CAP). */
	for (unsigned int i = 0; !ret && i < c->nent; i++)
		if (c->entries[i].function == 1)
			c->entries[i].ecx |= 1u << 24;
	if (!ret)
		ret = errno_or(ioctl(vcpu, KVM_SET_CPUID2, c));
	free(c);
	return ret;
}

static int k_create_vcpu(struct hv *hv, struct hv_vm *vm,
			 struct hv_vcpu *vcpu)
{
	vcpu->fd = errno_or(ioctl(vm->fd, KVM_CREATE_VCPU, 0));
	if (vcpu->fd < 0)
		return vcpu->fd;
	vcpu->run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		int ret = -errno;

		close(vcpu->fd);
		return ret;
	}
	return set_cpuid(hv->dev, vcpu->fd);
}

/* KVM's in-kernel PIC, IOAPIC and local APIC (KVM_CREATE_IRQCHIP). */
static int k_create_irqchip(struct hv_vm *vm)
{
	return errno_or(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
}

static struct kvm_segment flat(uint16_t sel, uint8_t type)
{
	struct kvm_segment s = {
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .s = 1, .g = 1, .db = 1,
	};
	return s;
}

static int k_setup(struct hv_vcpu *vcpu, uint64_t rip, uint32_t edi,
		   uint32_t esi, uint32_t ebx, uint32_t ecx)
{
	struct kvm_regs r = { .rip = rip, .rflags = 2, .rsp = BENCH_STACK,
			      .rdi = edi, .rsi = esi, .rbx = ebx, .rcx = ecx };
	struct kvm_sregs s;
	int ret = errno_or(ioctl(vcpu->fd, KVM_GET_SREGS, &s));

	if (ret)
		return ret;
	s.cs = flat(0x08, 0xb);
	s.ds = s.es = s.fs = s.gs = s.ss = flat(0x10, 0x3);
	s.tr.type = 11;
	s.tr.present = 1;
	s.tr.limit = 0x67;
	s.cr0 = 0x33;			/* PE, MP, ET, NE */
	s.cr4 = 0x600;			/* OSFXSR, OSXMMEXCPT */
	s.efer = 0;
	ret = errno_or(ioctl(vcpu->fd, KVM_SET_SREGS, &s));
	return ret ? ret : errno_or(ioctl(vcpu->fd, KVM_SET_REGS, &r));
}

static enum hv_exit k_run(struct hv_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (ioctl(vcpu->fd, KVM_RUN, 0))
		return HV_EXIT_OTHER;
	vcpu->detail = run->exit_reason;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu->port = run->io.port;
		return run->io.direction == KVM_EXIT_IO_OUT ? HV_EXIT_OUT :
							      HV_EXIT_IN;
	case KVM_EXIT_MMIO:
		return HV_EXIT_MMIO;
	case KVM_EXIT_HLT:
		return HV_EXIT_HLT;
	case KVM_EXIT_HYPERCALL:
		run->hypercall.ret = 0;
		return HV_EXIT_HYPERCALL;
	default:
		return HV_EXIT_OTHER;
	}
}

static void k_destroy_vcpu(struct hv_vcpu *vcpu)
{
	munmap(vcpu->run, mmap_size);
	close(vcpu->fd);
}

struct hv hv_kvm = {
	.name = "kvm",
	/* Unknown numbers are answered -KVM_ENOSYS in KVM: its floor. */
	.hc_kernel = 0x7fffffff,
	.hc_user = KVM_HC_MAP_GPA_RANGE,
	.nop_ioctl = KVM_GET_API_VERSION,
	.open = k_open,
	.create_vm = k_create_vm,
	.set_memory = k_set_memory,
	.create_vcpu = k_create_vcpu,
	.create_irqchip = k_create_irqchip,
	.setup = k_setup,
	.run = k_run,
	.destroy_vcpu = k_destroy_vcpu,
	/*
	 * arch/x86/kvm/vmx/vmx.c, mmu/, virt/kvm/ (6.1).  EPT counts the
	 * MMU's bookkeeping too: its object caches, hash and per-slot
	 * arrays.  The pages shared by mmap: kvm_run (allocated in
	 * kvm_vm_ioctl_create_vcpu, which may be inlined into kvm_vm_ioctl),
	 * the PIO data page and the coalesced MMIO ring.
	 */
	.vmcs_fns = " alloc_vmcs_cpu ",
	.ept_fns = " mmu_memory_cache_alloc_obj __kvm_mmu_topup_memory_cache"
		   " kvm_mmu_topup_memory_cache kvm_mmu_memory_cache_alloc"
		   " tdp_mmu_alloc_sp kvm_mmu_init_vm kvm_mmu_create"
		   " __kvm_mmu_create memslot_rmap_alloc"
		   " kvm_page_track_create_memslot ",
	.run_fns = " kvm_vm_ioctl_create_vcpu kvm_vm_ioctl"
		   " kvm_arch_vcpu_create kvm_coalesced_mmio_init ",
};

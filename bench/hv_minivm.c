// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's minivm side: /dev/minivm through libminivm.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../user/lib/libminivm.h"
#include "bench.h"

static int m_open(struct hv *hv)
{
	hv->dev = minivm_open_device();
	return hv->dev < 0 ? hv->dev : 0;
}

static int m_create_vm(struct hv *hv, struct hv_vm *vm)
{
	vm->fd = minivm_create_vm(hv->dev);
	return vm->fd < 0 ? vm->fd : 0;
}

static int m_set_memory(struct hv_vm *vm, uint32_t slot, uint64_t gpa,
			uint64_t size, void *host)
{
	return minivm_set_memory(vm->fd, slot, gpa, size, host, 0);
}

/* libminivm keeps its own vCPU handle; the bench's points at it. */
static int m_create_vcpu(struct hv *hv, struct hv_vm *vm,
			 struct hv_vcpu *vcpu)
{
	struct minivm_vcpu *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	ret = minivm_create_vcpu(hv->dev, vm->fd, 0, c);
	if (ret) {
		free(c);
		return ret;
	}
	vcpu->fd = c->fd;
	vcpu->run = c;
	return 0;
}

static struct minivm_segment flat(uint16_t sel, uint8_t type)
{
	struct minivm_segment s = {
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .s = 1, .g = 1, .db = 1,
	};
	return s;
}

static int m_create_irqchip(struct hv_vm *vm)
{
	return minivm_create_lapic(vm->fd);
}

static int m_setup(struct hv_vcpu *vcpu, uint64_t rip, uint32_t edi,
		   uint32_t esi, uint32_t ebx, uint32_t ecx)
{
	struct minivm_vcpu *c = vcpu->run;
	struct minivm_regs r = { .rip = rip, .rflags = 2, .rsp = BENCH_STACK,
				 .rdi = edi, .rsi = esi, .rbx = ebx, .rcx = ecx };
	struct minivm_sregs s;
	int ret = minivm_get_sregs(c, &s);

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
	ret = minivm_set_sregs(c, &s);
	return ret ? ret : minivm_set_regs(c, &r);
}

static enum hv_exit m_run(struct hv_vcpu *vcpu)
{
	struct minivm_vcpu *c = vcpu->run;
	struct minivm_run *run = c->run;

	if (minivm_run(c))
		return HV_EXIT_OTHER;
	vcpu->detail = run->exit_reason;
	switch (run->exit_reason) {
	case MINIVM_EXIT_IO:
		vcpu->port = run->io.port;
		return run->io.direction == MINIVM_EXIT_IO_OUT ? HV_EXIT_OUT :
								 HV_EXIT_IN;
	case MINIVM_EXIT_MMIO:
		return HV_EXIT_MMIO;
	case MINIVM_EXIT_HLT:
		return HV_EXIT_HLT;
	case MINIVM_EXIT_HYPERCALL:
		run->hypercall.ret = 0;
		return HV_EXIT_HYPERCALL;
	default:
		return HV_EXIT_OTHER;
	}
}

static void m_destroy_vcpu(struct hv_vcpu *vcpu)
{
	minivm_destroy_vcpu(vcpu->run);
	free(vcpu->run);
	vcpu->run = NULL;
}

struct hv hv_minivm = {
	.name = "minivm",
	.hc_kernel = MINIVM_HC_NOP,
	.hc_user = MINIVM_HC_USER_FIRST,
	.nop_ioctl = MINIVM_GET_API_VERSION,
	.open = m_open,
	.create_vm = m_create_vm,
	.set_memory = m_set_memory,
	.create_vcpu = m_create_vcpu,
	.create_irqchip = m_create_irqchip,
	.setup = m_setup,
	.run = m_run,
	.destroy_vcpu = m_destroy_vcpu,
	/* kmod/vmcs.c, ept.c, vcpu.c (vcpu_alloc() may be inlined) */
	.vmcs_fns = " minivm_vmcs_alloc ",
	.ept_fns = " ept_alloc_table minivm_ept_init ",
	.run_fns = " vcpu_alloc minivm_create_vcpu ",
};

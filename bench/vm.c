// SPDX-License-Identifier: GPL-2.0
/*
 * One benchmark VM: 4 MiB of RAM (or more) holding the guest image
 * (guest.S) and one vCPU, on either hypervisor; the guest put in flat
 * 32-bit protected mode with a workload's registers; and its exits
 * served as a VMM would serve them, until it says it is done.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

/* libminivm's calls drive @hv from here on. */
struct hv *use_hv(struct hv *hv)
{
	minivm_use_hypervisor(hv->which);
	return hv;
}

/*
 * The VMM's @ram_size bytes of RAM, with the guest image in it.  The
 * mapping starts on a 2 MiB boundary, as QEMU aligns guest RAM: whether a
 * transparent huge page backs the image then depends on the THP setting
 * alone, not on where ASLR happened to put the mapping.  (Unaligned, the
 * write below zeroes a whole huge page or a single 4 KiB page by the luck
 * of the address, and create_to_first_exit varied by 760,000 cycles from
 * one boot to the next.)
 */
int vm_map_ram(struct bench_vm *b, uint64_t ram_size)
{
	const uint64_t huge = 2ULL << 20;
	char *area, *ram;

	memset(b, 0, sizeof(*b));
	b->vm = -1;
	b->cpu.fd = -1;
	b->ram = MAP_FAILED;
	/* Reserve room for an aligned start, then give back the slack. */
	area = mmap(NULL, ram_size + huge, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		return -ENOMEM;
	ram = (char *)(((uintptr_t)area + huge - 1) & ~(uintptr_t)(huge - 1));
	if (ram > area)
		munmap(area, ram - area);
	munmap(ram + ram_size, area + huge - ram);
	b->ram = mmap(ram, ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (b->ram == MAP_FAILED)
		return -ENOMEM;
	memcpy((char *)b->ram + BENCH_CODE, bench_guest_start,
	       bench_guest_size);
	return 0;
}

/*
 * On @hv, a VM whose RAM is @b->ram (vm_map_ram()), and its vCPU: only
 * the hypervisor's own work, which create_to_first_exit times.
 */
int vm_create_on(struct hv *hv, struct bench_vm *b, uint64_t ram_size,
		 bool irqchip)
{
	int ret;

	b->hv = use_hv(hv);
	ret = b->vm = minivm_create_vm(hv->dev);
	if (ret >= 0)
		ret = minivm_set_memory(b->vm, 0, 0, ram_size, b->ram, 0);
	if (!ret && irqchip)
		ret = minivm_create_lapic(b->vm);
	if (!ret)
		ret = minivm_create_vcpu(hv->dev, b->vm, 0, &b->cpu);
	return ret;
}

/* A VM of @ram_size bytes with the guest image, and its vCPU. */
int vm_create(struct hv *hv, struct bench_vm *b, uint64_t ram_size,
	      bool irqchip)
{
	int ret = vm_map_ram(b, ram_size);

	b->hv = hv;
	return ret ? ret : vm_create_on(hv, b, ram_size, irqchip);
}

void vm_destroy(struct bench_vm *b, uint64_t ram_size)
{
	if (b->hv)
		use_hv(b->hv);
	if (b->cpu.run)
		minivm_destroy_vcpu(&b->cpu);
	if (b->vm >= 0)
		close(b->vm);
	if (b->ram != MAP_FAILED)
		munmap(b->ram, ram_size);
}

static struct minivm_segment flat(uint16_t sel, uint8_t type)
{
	struct minivm_segment s = {
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .s = 1, .g = 1, .db = 1,
	};
	return s;
}

/* Flat 32-bit protected mode at @rip with these registers. */
int vm_setup(struct bench_vm *b, uint64_t rip, uint32_t edi,
	     uint32_t esi, uint32_t ebx, uint32_t ecx)
{
	struct minivm_regs r = { .rip = rip, .rflags = 2, .rsp = BENCH_STACK,
				 .rdi = edi, .rsi = esi, .rbx = ebx, .rcx = ecx };
	struct minivm_sregs s;
	int ret;

	use_hv(b->hv);
	ret = minivm_get_sregs(&b->cpu, &s);
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
	ret = minivm_set_sregs(&b->cpu, &s);
	return ret ? ret : minivm_set_regs(&b->cpu, &r);
}

/* One RUN; a hypercall is answered 0, as a VMM's cheapest service. */
enum bench_exit vm_run_once(struct bench_vm *b)
{
	struct minivm_run *run = b->cpu.run;

	if (minivm_run(&b->cpu))
		return EXIT_OTHER;
	switch (run->exit_reason) {
	case MINIVM_EXIT_IO:
		return run->io.direction == MINIVM_EXIT_IO_OUT ? EXIT_OUT :
								 EXIT_IN;
	case MINIVM_EXIT_MMIO:
		return EXIT_MMIO;
	case MINIVM_EXIT_HLT:
		return EXIT_HLT;
	case MINIVM_EXIT_HYPERCALL:
		run->hypercall.ret = 0;
		b->hypercalls++;
		return EXIT_HYPERCALL;
	default:
		return EXIT_OTHER;
	}
}

/*
 * Run until the guest says it is done, serving its exits as a VMM would.
 * Returns the guest's own cycle count, or -1 on an unexpected exit.
 */
int64_t vm_serve(struct bench_vm *b)
{
	struct minivm_run *run = b->cpu.run;

	bool trace = getenv("MINIVM_BENCH_TRACE");

	use_hv(b->hv);
	for (;;) {
		enum bench_exit e = vm_run_once(b);

		if (trace)
			fprintf(stderr, "    exit %d port %#x reason %u\n", e,
				run->io.port, run->exit_reason);
		if (e == EXIT_OUT && run->io.port == BENCH_PORT_DONE)
			return *(int64_t *)((char *)b->ram + BENCH_RESULT);
		if (e == EXIT_OTHER) {
			fprintf(stderr, "minivm-bench: %s: unexpected exit %u (%s)\n",
				b->hv->name, run->exit_reason,
				minivm_exit_name(run->exit_reason));
			return -1;
		}
	}
}

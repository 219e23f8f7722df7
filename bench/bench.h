/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark: one guest image (guest.S), two hypervisors (hv_minivm.c
 * over /dev/minivm, hv_kvm.c over /dev/kvm), one driver (bench.c).
 */
#ifndef MINIVM_BENCH_H
#define MINIVM_BENCH_H

/* Guest-physical layout, the same under both hypervisors. */
#define BENCH_RAM_SIZE	0x400000	/* 4 MiB of RAM at 0 */
#define BENCH_RESULT	0x2000		/* the TSC count, 8 bytes */
#define BENCH_STACK	0x90000
#define BENCH_CODE	0x100000
#define BENCH_TOUCH_GPA	0x40000000	/* the touched region, up to 1 GiB */
#define BENCH_MMIO_ADDR	0xd0000000	/* no RAM here: MMIO */
#define BENCH_PORT	0xf0		/* served by the benchmark */
#define BENCH_PORT_DONE	0xf1		/* "the result is stored" */
/* The timer workloads' own tables and variables. */
#define BENCH_TICK	0x2100		/* handler's TSC (8), flag (4) */
#define BENCH_DEADLINE	0x2110		/* the armed deadline, 8 bytes */
#define BENCH_GDT	0x3000		/* null, code 08h, data 10h */
#define BENCH_IDT	0x3800		/* 256 gates; vector 40h used */
#define BENCH_TIMER_VECTOR 0x40
#define BENCH_TIMER_DELTA 200000	/* TSC cycles to each deadline */

/* Workloads: EDI on entry. */
#define BENCH_CPUID	1
#define BENCH_OUT	2
#define BENCH_IN	3
#define BENCH_MMIO	4
#define BENCH_HLT	5
#define BENCH_VMCALL	6
#define BENCH_LOOP	7
#define BENCH_TOUCH	8
#define BENCH_TIMER	9	/* TSC deadline to handler, spinning */
#define BENCH_TIMER_HLT	10	/* the same, halted: the wake-up */

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

/* The guest image (guest.S) and its size in bytes. */
extern const char bench_guest_start[];
extern const unsigned int bench_guest_size;

/* What a run stopped for, in the hypervisor-neutral terms of bench.c. */
enum hv_exit {
	HV_EXIT_OUT,		/* port in hv_vcpu.port */
	HV_EXIT_IN,
	HV_EXIT_MMIO,
	HV_EXIT_HLT,
	HV_EXIT_HYPERCALL,
	HV_EXIT_OTHER,		/* anything else: the workload failed */
};

struct hv_vcpu {
	int fd;
	void *run;
	uint16_t port;
	uint64_t detail;	/* raw exit reason, for error messages */
};

struct hv_vm {
	int fd;
};

/* One hypervisor, as the driver sees it. */
struct hv {
	const char *name;
	int dev;
	uint64_t hc_kernel, hc_user;	/* VMCALL numbers: in-kernel, exits */
	unsigned long nop_ioctl;	/* GET_API_VERSION on the device fd */
	int (*open)(struct hv *hv);
	int (*create_vm)(struct hv *hv, struct hv_vm *vm);
	int (*set_memory)(struct hv_vm *vm, uint32_t slot, uint64_t gpa,
			  uint64_t size, void *host);
	int (*create_vcpu)(struct hv *hv, struct hv_vm *vm,
			   struct hv_vcpu *vcpu);
	/* The in-kernel local APIC (and, for KVM, the rest of its irqchip). */
	int (*create_irqchip)(struct hv_vm *vm);
	/* Flat 32-bit protected mode at @rip with these registers. */
	int (*setup)(struct hv_vcpu *vcpu, uint64_t rip, uint32_t edi,
		     uint32_t esi, uint32_t ebx, uint32_t ecx);
	enum hv_exit (*run)(struct hv_vcpu *vcpu);
	void (*destroy_vcpu)(struct hv_vcpu *vcpu);
	/*
	 * The kernel functions that allocate the VMCS, the EPT and the
	 * pages shared with the VMM by mmap, each list " f1 f2 ": how
	 * memtrace.c tells one kind of kernel memory from another.
	 */
	const char *vmcs_fns, *ept_fns, *run_fns;
};

extern struct hv hv_minivm, hv_kvm;

/* memtrace.c: kernel memory by kind, from the allocation trace events. */
enum mem_kind { MEM_VMCS, MEM_EPT, MEM_RUN, MEM_OTHER, MEM_KINDS };
extern bool memtrace_vmalloc;	/* vmalloc counted too */
int memtrace_start(void);
void memtrace_phase(int phase);
int memtrace_read(const struct hv *hv, double per[][MEM_KINDS], int phases,
		  int n);
void memtrace_stop(void);

#endif /* __ASSEMBLER__ */
#endif /* MINIVM_BENCH_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark: one guest image (guest.S), one driver (bench.c), two
 * hypervisors behind libminivm (/dev/minivm, and /dev/kvm through
 * user/lib/kvm.c).
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

#include "../user/lib/libminivm.h"

/*
 * One hypervisor, as the bench sees it.  libminivm drives both (its
 * user/lib/kvm.c over /dev/kvm), so the guest's exits reach the same
 * serving code, which reads the same struct minivm_run; what is left
 * here are the facts that differ.
 */
struct hv {
	const char *name;
	enum minivm_hypervisor which;
	int dev;
	uint64_t hc_kernel, hc_user;	/* VMCALL numbers: in-kernel, exits */
	/*
	 * The kernel functions that allocate the VMCS, the EPT and the
	 * pages shared with the VMM by mmap, each list " f1 f2 ": how
	 * memtrace.c tells one kind of kernel memory from another.
	 */
	const char *vmcs_fns, *ept_fns, *run_fns;
};

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

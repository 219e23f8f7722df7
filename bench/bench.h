/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark: one guest image (guest.S), two hypervisors behind
 * libminivm (/dev/minivm, and /dev/kvm through user/lib/kvm.c), and
 *
 *   bench.c     the workloads, and main()
 *   vm.c        one benchmark VM: created, set up, its exits served
 *   stages.c    one exit to userspace, stage by stage, from the trace
 *   memtrace.c  kernel memory per object, from the allocation events
 *   tracefs.c   the tracefs instances those two trace in
 *   report.c    the table, the breakdowns, the JSON file
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

/* tracefs.c: the instances memtrace.c and stages.c trace in. */
#define TRACEFS		"/sys/kernel/tracing"
int tracefs_write(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int tracefs_write_in(const char *dir, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int tracefs_instance(const char *dir);

/*
 * stages.c: one exit to userspace, stage by stage, from trace events
 * timed by the TSC: the median of each stage over the round trips of
 * one traced run, and of the whole round trip.
 */
enum stage {
	STAGE_GUEST,		/* entry event to VM exit */
	STAGE_HANDLER,		/* VM exit to leaving the RUN ioctl */
	STAGE_RETURN,		/* leaving RUN to the syscall's exit */
	STAGE_USER,		/* the VMM, and the next syscall's entry */
	STAGE_BACK,		/* syscall entry to the next entry event */
	STAGES
};
extern const char *const stage_names[STAGES];
struct stages {
	double cycles[STAGES];	/* medians */
	double traced;		/* the median traced round trip */
	int trips;		/* how many round trips were clean */
};
int stages_start(const struct hv *hv);
int stages_read(const struct hv *hv, struct stages *s);
void stages_stop(void);

/* memtrace.c: kernel memory by kind, from the allocation trace events. */
enum mem_kind { MEM_VMCS, MEM_EPT, MEM_RUN, MEM_OTHER, MEM_KINDS };
extern bool memtrace_vmalloc;	/* vmalloc counted too */
int memtrace_start(void);
void memtrace_phase(int phase);
int memtrace_read(const struct hv *hv, double per[][MEM_KINDS], int phases,
		  int n);
void memtrace_stop(void);

/* One workload's figures, on both hypervisors ([0] minivm, [1] KVM). */
struct result {
	char name[32];
	const char *what;		/* what one "op" is */
	double cycles[2];		/* the median; < 0: none */
	double min[2], max[2];		/* over the repeats */
	int runs[2];			/* how many repeats measured */
	double flushes[2];		/* L1D flushes per op; < 0: unknown */
	double floor;			/* the host's own op, no VM; < 0: none */
	struct stages stages[2];	/* exits to userspace; trips 0: none */
};

#define MAX_RESULTS	32
extern struct result results[MAX_RESULTS];
extern int nr_results;
extern struct hv *hvs[2];

/* Kernel memory per object (bench.c measures, report.c prints). */
#define MEM_PHASES	3
struct mem_figures {
	bool valid;
	double kib[MEM_PHASES][MEM_KINDS];	/* [phase][kind], KiB */
};

/* A VM with 4 MiB of RAM holding the guest image, and one vCPU. */
struct bench_vm {
	struct hv *hv;
	int vm;
	struct minivm_vcpu cpu;
	void *ram;
	unsigned long hypercalls;	/* served in userspace */
};

/* What a run stopped for, in the terms serve() needs. */
enum bench_exit {
	EXIT_OUT,		/* port in run->io.port */
	EXIT_IN,
	EXIT_MMIO,
	EXIT_HLT,
	EXIT_HYPERCALL,
	EXIT_OTHER,		/* anything else: the workload failed */
};

/* vm.c */
struct hv *use_hv(struct hv *hv);
int vm_map_ram(struct bench_vm *b, uint64_t ram_size);
int vm_create_on(struct hv *hv, struct bench_vm *b, uint64_t ram_size,
		 bool irqchip);
int vm_create(struct hv *hv, struct bench_vm *b, uint64_t ram_size,
	      bool irqchip);
void vm_destroy(struct bench_vm *b, uint64_t ram_size);
int vm_setup(struct bench_vm *b, uint64_t rip, uint32_t edi, uint32_t esi,
	     uint32_t ebx, uint32_t ecx);
enum bench_exit vm_run_once(struct bench_vm *b);
int64_t vm_serve(struct bench_vm *b);

/* report.c: the table, the breakdowns and the JSON file. */
double ratio(const struct result *r);
void print_table(const struct mem_figures *mem);
int write_json(const char *path, const struct mem_figures *mem);

#endif /* __ASSEMBLER__ */
#endif /* MINIVM_BENCH_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * minivm-bench: the same guest workloads on minivm and on KVM, in the
 * same boot, on the same CPU, through the same code: libminivm drives
 * both (user/lib/kvm.c is its KVM side, as for the launcher's
 * --hypervisor kvm), so an exit served in userspace is served by the
 * same lines on both.  The guest (guest.S) counts TSC cycles
 * around N repetitions of one operation; the host counts TSC cycles
 * around what only it can see (creating a VM, setting memory up).  Only
 * ratios from one run mean anything: in an emulator the TSC counts
 * emulated time.
 *
 *   minivm-bench [-n ITER] [-s MIB,MIB,...] [-j FILE] [-r REPEAT] [-q]
 *
 * -q (quick) leaves out the memory-per-object measurement.
 *
 * Each exit workload runs REPEAT times (each in a fresh VM, after a
 * warm-up), and so does create_to_first_exit: the table gives the median
 * with the min and max, and one "# ratio: NAME=VALUE" line per workload,
 * the ratio of the medians (minivm's cycles divided by KVM's: lower is
 * better for minivm); with -j, the same as JSON.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "bench.h"

struct result results[MAX_RESULTS];
int nr_results;
static struct timespec phase_start;

/* On stderr: how long each part took, in wall time (for make bench's budget). */
static void phase_done(const char *hv, const char *what)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	fprintf(stderr, "minivm-bench: %s %s: %.1f s\n", hv, what,
		(now.tv_sec - phase_start.tv_sec) +
		(now.tv_nsec - phase_start.tv_nsec) / 1e9);
	phase_start = now;
}

/*
 * The two hypervisors.  KVM is set up the way a minimal VMM would (by
 * libminivm, as the launcher's --hypervisor kvm is): no interrupt
 * controller in the kernel unless a workload needs the local APIC (then
 * KVM's split irqchip), so HLT, port I/O and MMIO come to userspace as
 * they do with minivm; the CPUID KVM supports; and hypercall exits for
 * KVM_HC_MAP_GPA_RANGE, the one hypercall KVM lets userspace serve.
 */
static struct hv hv_minivm = {
	.name = "minivm",
	.which = MINIVM_HV_MINIVM,
	.hc_kernel = MINIVM_HC_NOP,
	.hc_user = MINIVM_HC_USER_FIRST,
	/* kmod/vmcs.c, ept.c, vcpu.c (vcpu_alloc() may be inlined) */
	.vmcs_fns = " minivm_vmcs_alloc ",
	.ept_fns = " ept_alloc_table minivm_ept_init ",
	.run_fns = " vcpu_alloc minivm_create_vcpu ",
};

static struct hv hv_kvm = {
	.name = "kvm",
	.which = MINIVM_HV_KVM,
	/* Unknown numbers are answered -KVM_ENOSYS in KVM: its floor. */
	.hc_kernel = 0x7fffffff,
	.hc_user = 12,			/* KVM_HC_MAP_GPA_RANGE */
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

struct hv *hvs[2] = { &hv_minivm, &hv_kvm };

/*
 * How many times the hypervisor has flushed L1D before a VM entry (the
 * L1TF mitigation, design.rst): minivm's debugfs counter, KVM's
 * l1d_flush statistic.  Both flush under the same kernel policy; an
 * exit to userspace costs both one flush in "cond" mode, the largest
 * single part of it in Bochs.  -1 if debugfs does not say.
 */
static long long l1d_flushes(const struct hv *hv)
{
	long long n = -1, v;
	FILE *f;

	if (hv->which == MINIVM_HV_KVM) {
		f = fopen("/sys/kernel/debug/kvm/l1d_flush", "r");
		if (f && fscanf(f, "%lld", &v) == 1)
			n = v;
	} else {
		char name[32];

		f = fopen("/sys/kernel/debug/minivm/mitigations", "r");
		while (f && fscanf(f, "%31s %lld", name, &v) == 2)
			if (!strcmp(name, "l1d_flush"))
				n = v;
	}
	if (f)
		fclose(f);
	return n;
}

static struct result *result(const char *name, const char *what)
{
	struct result *r;
	int i;

	for (i = 0; i < nr_results; i++)
		if (!strcmp(results[i].name, name))
			return &results[i];
	r = &results[nr_results++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->what = what;
	r->cycles[0] = r->cycles[1] = -1;
	r->flushes[0] = r->flushes[1] = -1;
	r->floor = -1;
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* @n measurements of hypervisor @h: the median, min and max. */
static void set_samples(struct result *r, int h, double *t, int n)
{
	if (!n)
		return;
	qsort(t, n, sizeof(t[0]), cmp_double);
	r->runs[h] = n;
	r->cycles[h] = t[n / 2];
	r->min[h] = t[0];
	r->max[h] = t[n - 1];
}

static void on_alarm(int sig)
{
	(void)sig;	/* only to make KVM_RUN/MINIVM_RUN return EINTR */
}

/* One workload in one VM: a warm-up round, then the measured one. */
static double run_workload(struct hv *hv, int workload, uint32_t iters,
			   uint32_t arg, bool user_hypercalls, double *flushes)
{
	struct bench_vm b;
	int64_t cycles = -1;

	alarm(120);		/* a stuck workload is reported, not waited for */
	if (!vm_create(hv, &b, BENCH_RAM_SIZE, workload >= BENCH_TIMER) &&
	    !vm_setup(&b, BENCH_CODE, workload, 10, arg, 0) &&
	    vm_serve(&b) >= 0 &&
	    !vm_setup(&b, BENCH_CODE, workload, iters, arg, 0)) {
		long long f0 = l1d_flushes(hv), f1;

		cycles = vm_serve(&b);
		f1 = l1d_flushes(hv);
		if (f0 >= 0 && f1 >= f0)
			*flushes = (double)(f1 - f0) / iters;
	}
	alarm(0);
	vm_destroy(&b, BENCH_RAM_SIZE);
	/*
	 * A hypervisor that answered the "user" hypercall itself (KVM
	 * without KVM_CAP_EXIT_HYPERCALL) measured something else.
	 */
	if (user_hypercalls && b.hypercalls < iters) {
		fprintf(stderr, "minivm-bench: %s: VMCALL %#x did not come to userspace\n",
			hv->name, arg);
		return -1;
	}
	return cycles < 0 ? -1 : (double)cycles / iters;
}

static const struct {
	const char *name, *what;
	int workload;
	bool stages;		/* traced stage by stage too (stages.c) */
} exit_workloads[] = {
	{ "cpuid", "CPUID, answered in the kernel", BENCH_CPUID, false },
	{ "out", "OUT, served in userspace", BENCH_OUT, true },
	{ "in", "IN, served in userspace", BENCH_IN, true },
	{ "mmio_write", "MMIO write, served in userspace", BENCH_MMIO, true },
	{ "hlt", "HLT, back from userspace", BENCH_HLT, false },
	{ "vmcall_kernel", "VMCALL answered in the kernel", BENCH_VMCALL, false },
	{ "vmcall_user", "VMCALL served in userspace", BENCH_VMCALL, false },
	{ "loop", "guest loop iteration, no exit", BENCH_LOOP, false },
	{ "timer_latency", "TSC deadline to handler, in-kernel APIC", BENCH_TIMER, false },
	{ "hlt_wakeup", "the same from HLT: the wake-up", BENCH_TIMER_HLT, false },
};

/*
 * An exit to userspace once more, in a VM of its own after a warm-up,
 * traced stage by stage (stages.c): where its cycles go.
 */
static void trace_stages(struct hv *hv, int workload, uint32_t iters,
			 struct stages *st)
{
	struct bench_vm b;

	st->trips = 0;
	alarm(120);
	if (!vm_create(hv, &b, BENCH_RAM_SIZE, false) &&
	    !vm_setup(&b, BENCH_CODE, workload, 10, 0, 0) && vm_serve(&b) >= 0 &&
	    !vm_setup(&b, BENCH_CODE, workload, iters, 0, 0) &&
	    !stages_start(hv)) {
		if (vm_serve(&b) < 0 || stages_read(hv, st))
			st->trips = 0;
		stages_stop();
	}
	alarm(0);
	vm_destroy(&b, BENCH_RAM_SIZE);
}

static void bench_exits(int h, uint32_t iters, int repeat)
{
	struct hv *hv = hvs[h];
	unsigned int i;
	double t[16];
	int k, n;

	for (i = 0; i < sizeof(exit_workloads) / sizeof(exit_workloads[0]); i++) {
		struct result *r = result(exit_workloads[i].name,
					  exit_workloads[i].what);
		bool user = !strcmp(r->name, "vmcall_user");
		uint64_t hc = user ? hv->hc_user : hv->hc_kernel;
		uint32_t count = exit_workloads[i].workload == BENCH_LOOP ?
				 iters * 100 : iters;

		if (getenv("MINIVM_BENCH_VERBOSE"))
			fprintf(stderr, "  %s\n", r->name);
		for (k = n = 0; k < repeat && k < 16; k++) {
			t[n] = run_workload(hv, exit_workloads[i].workload,
					    count, (uint32_t)hc, user,
					    &r->flushes[h]);
			n += t[n] >= 0;
		}
		set_samples(r, h, t, n);
		if (exit_workloads[i].stages)
			trace_stages(hv, exit_workloads[i].workload,
				     iters < 500 ? iters : 500, &r->stages[h]);
	}
}

/*
 * The floor of an exit to userspace: an ioctl that does nothing
 * (GET_API_VERSION on the device), host TSC cycles each, the median of
 * @repeat rounds of @iters.  An exit served in userspace costs at least
 * this plus an exit handled in the kernel (cpuid).
 */
static void bench_nop_ioctl(int h, uint32_t iters, int repeat)
{
	struct result *r = result("nop_ioctl", "ioctl that does nothing: the floor");
	struct hv *hv = hvs[h];
	double t[16];
	int k, n = 0;
	uint32_t i;

	use_hv(hv);
	for (k = 0; k < repeat && k < 16; k++) {
		uint64_t start = __rdtsc();

		for (i = 0; i < iters; i++)
			if (minivm_api_version(hv->dev) < 0)
				return;
		t[n++] = (double)(__rdtsc() - start) / iters;
	}
	set_samples(r, h, t, n);
}

/*
 * (g): creating a VM, giving it 64 MiB, creating its vCPU, and running
 * it to its first exit: host TSC cycles, the median of @repeat.  The
 * VMM maps its RAM and writes the guest image before the clock starts:
 * that is the host's page allocator at work, the same on both, and with
 * transparent huge pages it zeroes 2 MiB (760,000 cycles in Bochs),
 * which would swamp what the two hypervisors do differently.
 */
static void bench_create(int h, int repeat)
{
	const uint64_t size = 64ULL << 20;
	struct result *r = result("create_to_first_exit",
				  "VM + 64 MiB + vCPU + entry to first exit");
	struct hv *hv = hvs[h];
	double t[16];
	int i, n = 0;

	for (i = 0; i < repeat && i < 16; i++) {
		struct bench_vm b;
		enum bench_exit e = EXIT_OTHER;
		uint64_t start = 0;

		if (!vm_map_ram(&b, size)) {
			start = __rdtsc();
			if (!vm_create_on(hv, &b, size, false) &&
			    !vm_setup(&b, BENCH_CODE, BENCH_OUT, 1, 0, 0))
				e = vm_run_once(&b);
		}
		if (e == EXIT_OUT)
			t[n++] = __rdtsc() - start;
		vm_destroy(&b, size);
	}
	set_samples(r, h, t, n);
}

static int set_hugepages(long n)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "w");
	int ok;

	if (!f)
		return -1;
	ok = fprintf(f, "%ld\n", n) > 0;
	return fclose(f) || !ok ? -1 : 0;
}

/* Fresh anonymous memory of @size bytes, in 4 KiB or 2 MiB pages. */
static void *fresh_memory(uint64_t size, bool huge)
{
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | (huge ? MAP_HUGETLB : 0),
			 -1, 0);

	if (mem == MAP_FAILED)
		return NULL;
	if (!huge)
		madvise(mem, size, MADV_NOHUGEPAGE);
	return mem;
}

/*
 * The floor of a touch workload: the bench itself writing one byte in
 * each 4 KiB page of fresh memory, no VM.  The host's page fault, its
 * allocation and zeroing of the page: what either hypervisor pays at
 * least for each page its guest touches first.  Cycles per 4 KiB page.
 */
static double host_touch(uint64_t size, bool huge)
{
	volatile char *mem = fresh_memory(size, huge);
	uint64_t start, off;
	double cycles;

	if (!mem)
		return -1;
	start = __rdtsc();
	for (off = 0; off < size; off += 4096)
		mem[off] = 1;
	cycles = (double)(__rdtsc() - start) / (size >> 12);
	munmap((void *)mem, size);
	return cycles;
}

/*
 * One run of a touch workload in a fresh VM: give the guest @size bytes
 * more, backed by 4 KiB or 2 MiB pages, and let it write one byte in each
 * 4 KiB page.  Host cycles from setting the region to the guest being
 * done, per 4 KiB page, or -1; *@flushes, the L1D flushes per 4 KiB page
 * (unchanged if unknown).  Both map memory when the guest first touches
 * it: KVM a page (or a huge page) at a time, minivm 64 KiB (or a huge
 * page) at a time.
 */
static double touch_once(struct hv *hv, uint64_t size, bool huge,
			 double *flushes)
{
	struct bench_vm b;
	double cycles = -1;
	void *mem = fresh_memory(size, huge);

	if (!mem)
		return -1;
	if (!vm_create(hv, &b, BENCH_RAM_SIZE, false)) {
		long long f0 = l1d_flushes(hv), f1;
		uint64_t start = __rdtsc();

		if (!minivm_set_memory(b.vm, 1, BENCH_TOUCH_GPA, size, mem, 0) &&
		    !vm_setup(&b, BENCH_CODE, BENCH_TOUCH, 1, BENCH_TOUCH_GPA,
			   size) &&
		    vm_serve(&b) >= 0)
			cycles = (double)(__rdtsc() - start) / (size >> 12);
		f1 = l1d_flushes(hv);
		if (f0 >= 0 && f1 >= f0)
			*flushes = (double)(f1 - f0) / (size >> 12);
	}
	vm_destroy(&b, BENCH_RAM_SIZE);
	munmap(mem, size);
	return cycles;
}

/*
 * (h): @repeat runs of the @mib MiB touch workload: median, min, max,
 * the L1D flushes per page of the last run, and, the first time, the
 * host's own touch of as much memory (its median).
 */
static const char *bench_touch(int h, unsigned int mib, bool huge, int repeat)
{
	uint64_t size = (uint64_t)mib << 20;
	double t[16], floor[16];
	struct result *r;
	char name[32];
	int i, n = 0;

	snprintf(name, sizeof(name), "touch_%um_%s", mib, huge ? "2m" : "4k");
	r = result(name, huge ? "4 KiB of guest memory (2 MiB pages)" :
			 "4 KiB of guest memory (4 KiB pages)");
	for (i = 0; i < repeat; i++) {
		double c = touch_once(hvs[h], size, huge, &r->flushes[h]);

		if (c < 0)
			return r->name;		/* reported as missing */
		t[n++] = c;
	}
	set_samples(r, h, t, n);
	if (r->floor >= 0)
		return r->name;		/* measured with the other one */
	for (i = 0, n = 0; i < repeat; i++) {
		floor[n] = host_touch(size, huge);
		n += floor[n] > 0;
	}
	if (n) {
		qsort(floor, n, sizeof(floor[0]), cmp_double);
		r->floor = floor[n / 2];
	}
	return r->name;
}

/*
 * Kernel memory per object, by kind (memtrace.c): MEM_N VMs are created,
 * then a vCPU in each, then each gets 4 MiB of RAM and runs to its first
 * exit; what each phase allocated and still holds, divided by MEM_N.
 */
#define MEM_N		4

static void bench_memory(int h, struct mem_figures *m)
{
	static struct bench_vm b[MEM_N];
	struct hv *hv = hvs[h];
	int i, ok = 0;

	use_hv(hv);
	for (i = 0; i < MEM_N; i++) {
		memset(&b[i], 0, sizeof(b[i]));
		b[i].hv = hv;
		b[i].vm = -1;
		b[i].cpu.fd = -1;
		b[i].ram = MAP_FAILED;
	}
	for (i = 0; i < MEM_N; i++) {
		/* Guest RAM faulted in now, not while tracing. */
		b[i].ram = mmap(NULL, BENCH_RAM_SIZE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (b[i].ram == MAP_FAILED)
			goto out;
		memcpy((char *)b[i].ram + BENCH_CODE, bench_guest_start,
		       bench_guest_size);
	}
	if (memtrace_start())
		goto out;
	memtrace_phase(0);
	for (i = 0; i < MEM_N; i++) {
		b[i].vm = minivm_create_vm(hv->dev);
		ok += b[i].vm >= 0;
	}
	memtrace_phase(1);
	for (i = 0; i < MEM_N; i++)
		ok += !minivm_create_vcpu(hv->dev, b[i].vm, 0, &b[i].cpu);
	memtrace_phase(2);
	for (i = 0; i < MEM_N; i++)
		ok += !minivm_set_memory(b[i].vm, 0, 0, BENCH_RAM_SIZE, b[i].ram, 0) &&
		      !vm_setup(&b[i], BENCH_CODE, BENCH_OUT, 1, 0, 0) &&
		      vm_run_once(&b[i]) == EXIT_OUT;
	memtrace_phase(MEM_PHASES);
	m->valid = ok == 3 * MEM_N &&
		   !memtrace_read(hv, m->kib, MEM_PHASES, MEM_N);
	memtrace_stop();
out:
	for (i = 0; i < MEM_N; i++)
		vm_destroy(&b[i], BENCH_RAM_SIZE);
}

static const char usage[] =
	"usage: minivm-bench [-n ITERATIONS] [-s MIB[,MIB...]] [-r REPEAT] [-j FILE] [-q]\n"
	"  -n, --iterations N  exits per exit workload (default 2000)\n"
	"  -s, --sizes LIST    guest sizes in MiB for the touch workloads\n"
	"                      (default 16,256,1024; at most 8, each 2 to 65536)\n"
	"  -r, --repeat N      runs of each workload, each in a fresh VM: the median,\n"
	"                      with min and max (1 to 16, default 5)\n"
	"  -j, --json FILE     also write the results as JSON\n"
	"  -q, --quick         leave out the kernel memory measurement\n";

/* A whole number in [min, max], or a usage error naming the option. */
static unsigned long parse_number(const char *opt, const char *arg,
				  unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max) {
		fprintf(stderr, "minivm-bench: %s: '%s' is not a number from %lu to %lu\n",
			opt, arg, min, max);
		exit(2);
	}
	return v;
}

/* -s 16,256,1024: the sizes, in MiB; returns how many. */
static unsigned int parse_sizes(char *arg, unsigned int *sizes, unsigned int max)
{
	unsigned int n = 0;
	char *p, *save = NULL;

	for (p = strtok_r(arg, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (n == max) {
			fprintf(stderr, "minivm-bench: -s: at most %u sizes\n", max);
			exit(2);
		}
		sizes[n++] = parse_number("-s", p, 2, 65536);
	}
	if (!n) {
		fprintf(stderr, "minivm-bench: -s: no size given\n");
		exit(2);
	}
	return n;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "sizes", required_argument, NULL, 's' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "json", required_argument, NULL, 'j' },
		{ "quick", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int sizes[8] = { 16, 256, 1024 }, nr_sizes = 3, i, max_mib = 0;
	struct mem_figures mem[2] = { { .valid = false } };
	const char *json = NULL;
	uint32_t iters = 2000;
	int h, opt, repeat = 5, missing = 0;
	bool quick = false;

	while ((opt = getopt_long(argc, argv, "n:s:r:j:qh", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'q':
			quick = true;
			break;
		case 'n':
			iters = parse_number("-n", optarg, 1, 100000000);
			break;
		case 's':
			nr_sizes = parse_sizes(optarg, sizes, 8);
			break;
		case 'r':
			repeat = parse_number("-r", optarg, 1, 16);
			break;
		case 'j':
			json = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "minivm-bench: unexpected argument '%s'\n%s",
			argv[optind], usage);
		return 2;
	}
	sigaction(SIGALRM, &(struct sigaction){ .sa_handler = on_alarm }, NULL);
	for (i = 0; i < nr_sizes; i++)
		max_mib = sizes[i] > max_mib ? sizes[i] : max_mib;

	for (h = 0; h < 2; h++) {
		int ret;

		use_hv(hvs[h]);
		ret = hvs[h]->dev = minivm_open_device();
		if (ret < 0) {
			fprintf(stderr, "minivm-bench: cannot open %s: %s\n",
				hvs[h]->name, strerror(-ret));
			missing++;
			hvs[h]->dev = -1;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &phase_start);
		bench_exits(h, iters, repeat);
		bench_nop_ioctl(h, iters, repeat);
		phase_done(hvs[h]->name, "exits");
		/* First, while nothing big was just freed (lazy vfree, RCU). */
		if (!quick) {
			bench_memory(h, &mem[h]);
			phase_done(hvs[h]->name, "memory");
		}
		bench_create(h, repeat);
		phase_done(hvs[h]->name, "create");
		for (i = 0; i < nr_sizes; i++)
			phase_done(hvs[h]->name, bench_touch(h, sizes[i], false, repeat));
	}
	/*
	 * Then the 2 MiB-page guests of both, with the huge pages for the
	 * largest reserved once, now that the 4 KiB guests' memory is free
	 * again: reserving them piecemeal later means compaction (minutes,
	 * in an emulator), and holding them all along leaves too little for
	 * the 4 KiB guests.
	 */
	set_hugepages(max_mib / 2 + 1);
	for (h = 0; h < 2; h++) {
		if (hvs[h]->dev < 0)
			continue;
		for (i = 0; i < nr_sizes; i++)
			phase_done(hvs[h]->name, bench_touch(h, sizes[i], true, repeat));
		close(hvs[h]->dev);
	}
	set_hugepages(0);
	print_table(mem);
	if (json && write_json(json, mem))
		perror(json);
	for (i = 0; i < (unsigned int)nr_results; i++)
		missing += ratio(&results[i]) < 0;
	return missing ? 1 : 0;
}

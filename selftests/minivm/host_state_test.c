// SPDX-License-Identifier: GPL-2.0
/*
 * What the host keeps.  Every other suite checks what the guest sees; this
 * one checks what a guest or a hostile VMM must never change on the host:
 *
 *   - the run page is the VMM's to write at any time, and the kernel
 *     finishes an exit from its own copy of what it needs;
 *   - the FPU, CR8 (the TPR), the debug registers, the SYSCALL MSRs and
 *     the VMM's segment selectors are switched, never shared;
 *   - what one VM leaves in a CPU never reaches the next VM on that CPU;
 *   - a failed entry gets a defined answer and leaves the vCPU usable.
 *
 * host_memory_test has what guest memory costs the host, and
 * mitigations_test the side-channel mitigations at the boundary.  Every
 * RUN here goes through the host-state oracle (host_state.h).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <asm/ldt.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"
#include "host_state.h"

static void __attribute__((constructor)) check_the_host(void)
{
	if (minivm_present())
		host_state_install();
}

static uint32_t io32(struct guest *g)
{
	uint32_t v = 0;

	memcpy(&v, minivm_io_data(g->cpu.run), g->cpu.run->io.size > 4 ?
	       4 : g->cpu.run->io.size);
	return v;
}

/*
 * An IN, answered by a VMM that also rewrites io.size (to 200: the kernel
 * once copied that many bytes into an 8-byte variable) and io.port.  The
 * guest gets one byte, the one in the data area, and carries on.
 */
GUEST_CODE(g_in_echo, "in $0x60, %al\n out %al, $0x80\n hlt");

TEST(run_page_io_size_is_the_kernels)
{
	static const uint8_t sizes[] = { 0, 3, 8, 200, 255 };
	struct minivm_run *run;
	struct guest g;
	unsigned int i;

	NEED_MINIVM();
	for (i = 0; i < sizeof(sizes); i++) {
		ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_REAL, g_in_echo));
		run = g.cpu.run;
		ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
		ASSERT_EQ(MINIVM_EXIT_IO_IN, run->io.direction);
		memset(minivm_io_data(run), 0x42 + i, 256);
		run->io.size = sizes[i];
		run->io.port = 0xffff;
		run->io.direction = MINIVM_EXIT_IO_OUT;
		ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
		EXPECT_EQ(0x80, run->io.port);
		EXPECT_EQ(1, run->io.size);
		EXPECT_EQ(0x42 + i, io32(&g)) TH_LOG("io.size %u", sizes[i]);
		EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
		guest_destroy(&g);
	}
}

/*
 * REP INSB of 16 bytes; the VMM answers and claims 3000 of 4 bytes.  Only
 * the 16 the guest asked for reach its memory: the kernel once took the
 * length from the run page and read past it.
 */
#define INS_AT	0x20000
GUEST_CODE_ONLY(g_ins16, 32, "mov $0x20000, %edi\n mov $16, %ecx\n mov $0x60, %dx\n"
		      "cld\n rep insb\n hlt");

TEST(run_page_ins_count_is_the_kernels)
{
	struct minivm_run *run;
	struct guest g;
	uint8_t *data;
	int i, stray = 0;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_ins16));
	run = g.cpu.run;
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	ASSERT_EQ(16, run->io.count);
	data = minivm_io_data(run);
	memset(data, 0x11, 16);
	memset(data + 16, 0x77, 4096 - MINIVM_RUN_IO_DATA_OFFSET - 16);
	run->io.count = 3000;
	run->io.size = 4;
	ASSERT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	for (i = 0; i < 16; i++)
		EXPECT_EQ(0x11, g.mem[INS_AT + i]);
	for (i = 16; i < 12000; i++)
		stray += g.mem[INS_AT + i] != 0;
	EXPECT_EQ(0, stray);
	guest_destroy(&g);
}

/*
 * Another thread on the same CPU keeps BBBBBBBBh in its XMM0 and spins;
 * the guest keeps AAAAAAAAh in its own and exits to the kernel (CPUID)
 * forever, checking XMM0 after each exit.  The two threads take turns on
 * the CPU in the middle of one RUN: once the vCPU thread has been
 * preempted ten times (its nonvoluntary context switches), and so has
 * entered the guest again after being switched back in, a third thread
 * stops the RUN with a signal.  The guest must never have seen the
 * neighbour's value (it reports it on port 81h if it does).
 */
GUEST_CODE_ONLY(g_xmm_watch, 64,
	"mov $0xaaaaaaaa, %eax\n movd %eax, %xmm0\n"
	"1: xor %eax, %eax\n cpuid\n movd %xmm0, %eax\n"
	"cmp $0xaaaaaaaa, %eax\n je 1b\n"
	"out %eax, $0x81\n hlt");

static atomic_bool xmm_stop;

static void *xmm_neighbour(void *unused)
{
	uint32_t mine = 0xbbbbbbbb;

	pin_to_cpu(0);
	while (!atomic_load(&xmm_stop))
		asm volatile("movd %0, %%xmm0" : : "r" (mine) : "xmm0");
	return NULL;
}

/* How often thread @tid of this process has been preempted. */
static long preemptions(pid_t tid)
{
	char path[64], line[128];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		sscanf(line, "nonvoluntary_ctxt_switches: %ld", &n);
	fclose(f);
	return n;
}

struct xmm_watch {
	pthread_t thread;
	pid_t tid;
	long switches;		/* preemptions seen while it ran */
};

static void *xmm_watcher(void *arg)
{
	struct xmm_watch *w = arg;
	long start = preemptions(w->tid);

	while (!atomic_load(&xmm_stop) && preemptions(w->tid) < start + 10)
		usleep(1000);
	w->switches = preemptions(w->tid) - start;
	while (!atomic_load(&xmm_stop)) {
		pthread_kill(w->thread, SIGUSR1);
		usleep(10000);
	}
	return NULL;
}

static void xmm_interrupt(int sig)
{
}

TEST(guest_fpu_is_never_another_threads)
{
	struct sigaction sa = { .sa_handler = xmm_interrupt };
	struct xmm_watch w = { pthread_self(), gettid(), 0 };
	pthread_t neighbour, watcher;
	struct guest g;
	int ret;

	NEED_MINIVM();
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));	/* no SA_RESTART */
	ASSERT_EQ(0, pin_to_cpu(0));
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_xmm_watch));
	atomic_store(&xmm_stop, false);
	ASSERT_EQ(0, pthread_create(&neighbour, NULL, xmm_neighbour, NULL));
	ASSERT_EQ(0, pthread_create(&watcher, NULL, xmm_watcher, &w));
	ret = guest_run(&g);
	atomic_store(&xmm_stop, true);
	pthread_join(watcher, NULL);
	pthread_join(neighbour, NULL);
	EXPECT_EQ(-EINTR, ret) TH_LOG("exit %u: the guest's XMM0 became %#x",
				      g.cpu.run->exit_reason, io32(&g));
	EXPECT_LE(10, w.switches);
	guest_destroy(&g);
}

/*
 * CR8 is the vCPU's: one VM writes 2, reads it back; the next VM on the
 * same CPU reads the architectural 0.  (Without CR8 exiting, both read
 * and wrote the physical local APIC's TPR.)
 */
GUEST_CODE_ONLY(g_cr8_write, 64, "mov $2, %eax\n mov %rax, %cr8\n mov %cr8, %rax\n"
			  "out %eax, $0x80\n hlt");
GUEST_CODE_ONLY(g_cr8_read, 64, "mov %cr8, %rax\n out %eax, $0x80\n hlt");
GUEST_CODE_ONLY(g_cr8_bad, 64, "lidt 0x7ff0\n mov $16, %eax\n mov %rax, %cr8\n hlt");

TEST(cr8_is_per_vcpu)
{
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, pin_to_cpu(0));
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_cr8_write));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	EXPECT_EQ(2, io32(&g));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);

	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_cr8_read));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	EXPECT_EQ(0, io32(&g)) TH_LOG("a new VM read the last VM's TPR");
	guest_destroy(&g);

	/* Bits 63:4 set: #GP; with no IDT that is a triple fault. */
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_cr8_bad));
	EXPECT_EQ(MINIVM_EXIT_SHUTDOWN, guest_run(&g));
	guest_destroy(&g);
}

/*
 * The same with local APICs, where CR8 is the APIC's TPR and, with the
 * CPU's TPR shadow, MOV CR8 makes no exit: the write still lands in the
 * vCPU's virtual-APIC page, never in the physical APIC, and bits 63:4
 * still raise #GP.
 */
TEST(cr8_with_a_local_apic_is_per_vcpu)
{
	struct guest g;
	int ret;

	NEED_MINIVM();
	ASSERT_EQ(0, pin_to_cpu(0));
	guest_with_lapic = true;
	ret = guest_create(&g, MINIVM_MODE_LONG, g_cr8_write);
	guest_with_lapic = false;
	if (ret == -EOPNOTSUPP) {
		guest_destroy(&g);
		SKIP(return, "no local APICs (MINIVM_CAP_LAPIC)");
	}
	ASSERT_EQ(0, ret);
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	EXPECT_EQ(2, io32(&g));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);

	guest_with_lapic = true;
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_cr8_read));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	EXPECT_EQ(0, io32(&g)) TH_LOG("a new VM read the last VM's TPR");
	guest_destroy(&g);

	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_cr8_bad));
	guest_with_lapic = false;
	EXPECT_EQ(MINIVM_EXIT_SHUTDOWN, guest_run(&g));
	guest_destroy(&g);
}

/*
 * The guest's debug registers start as after RESET (DR0 0, DR7 400h),
 * whatever breakpoints the host has armed (the oracle has one); what it
 * writes it reads back; and the host's breakpoint still fires after RUN
 * (checked by the oracle around every RUN).
 */
GUEST_CODE_ONLY(g_dr, 32, "mov %dr0, %eax\n out %eax, $0x80\n"
		   "mov %dr7, %eax\n out %eax, $0x80\n"
		   "mov $0x12345000, %eax\n mov %eax, %dr0\n"
		   "mov $0x000d0002, %eax\n mov %eax, %dr7\n"	/* G0, W, 4 */
		   "mov %dr0, %eax\n out %eax, $0x80\n"
		   "mov %dr7, %eax\n out %eax, $0x80\n hlt");

TEST(guest_debug_registers_are_its_own)
{
	static const uint32_t expect[] = { 0, 0x400, 0x12345000, 0x000d0402 };
	struct guest g;
	int i;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_dr));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
		EXPECT_EQ(expect[i], io32(&g)) TH_LOG("read %d", i);
	}
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);
}

/*
 * SYSCALL goes where the guest's LSTAR says, with its own STAR: it once
 * went to the host kernel's entry_SYSCALL_64.
 */
GUEST_CODE_ONLY(g_syscall, 64,
	"lea 3f(%rip), %rax\n mov %rax, %rdx\n shr $32, %rdx\n"
	"mov $0xc0000082, %ecx\n wrmsr\n"			/* LSTAR */
	"xor %eax, %eax\n mov $0x18, %edx\n mov $0xc0000081, %ecx\n wrmsr\n"
	"xor %eax, %eax\n xor %edx, %edx\n mov $0xc0000084, %ecx\n wrmsr\n"
	"mov $0xc0000080, %ecx\n rdmsr\n or $1, %eax\n wrmsr\n" /* SCE */
	"syscall\n"
	"mov $0xbb, %eax\n out %eax, $0x80\n hlt\n"
	"3: mov $0x5c, %eax\n out %eax, $0x80\n hlt");

TEST(syscall_enters_the_guests_own_handler)
{
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_syscall));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g))
		TH_LOG("exit %u, rip %#llx", g.cpu.run->exit_reason,
		       (unsigned long long)guest_rip(&g));
	EXPECT_EQ(0x5c, io32(&g));
	guest_destroy(&g);
}

/*
 * DS and ES of the VMM come back as they were: 0, not the kernel's data
 * selector.  Read in the same breath as the system call returns (a page
 * fault's IRET would null a kernel selector and hide the defect).
 */
TEST(vmm_data_selectors_survive_run)
{
	uint16_t ds, es, zero = 0;
	struct guest g;
	long ret;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_REAL, g_in_echo));
	asm volatile("mov %[z], %%ds\n\t"
		     "mov %[z], %%es\n\t"
		     "syscall\n\t"
		     "mov %%ds, %[ds]\n\t"
		     "mov %%es, %[es]"
		     : "=a" (ret), [ds] "=&r" (ds), [es] "=&r" (es)
		     : "0" ((long)SYS_ioctl), "D" ((long)g.cpu.fd),
		       "S" ((long)MINIVM_RUN), "d" (0L), [z] "r" (zero)
		     : "rcx", "r11", "memory");
	ASSERT_EQ(0, ret);
	EXPECT_EQ(MINIVM_EXIT_IO, g.cpu.run->exit_reason);
	EXPECT_EQ(0, ds);
	EXPECT_EQ(0, es);
	guest_destroy(&g);
}

/*
 * The VMM's GS base comes back too, not only its selectors.  The guest
 * writes KERNEL_GS_BASE without an exit (msr.c): while the guest runs,
 * that MSR holds the guest's value, and in user mode it is the thread's
 * GS base.  So the VMM, with a GS base of its own, reads through %gs
 * after each RUN: with the wrong base that read faults or finds other
 * bytes.
 */
GUEST_CODE_ONLY(g_kernel_gs_base, 64,
	"mov $0xc0000102, %ecx\n mov $0x12345678, %eax\n mov $0x1abc, %edx\n"
	"wrmsr\n out %al, $0x80\n"
	"swapgs\n out %al, $0x80\n hlt");

static char vmm_gs_area[16] = "the VMM's own GS";

TEST(vmm_gs_base_survives_run)
{
	unsigned long base = 0, word;
	struct guest g;
	int i;

	NEED_MINIVM();
	ASSERT_EQ(0, syscall(SYS_arch_prctl, ARCH_SET_GS,
			     (unsigned long)vmm_gs_area));
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_kernel_gs_base));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(i < 2 ? MINIVM_EXIT_IO : MINIVM_EXIT_HLT,
			  guest_run(&g)) TH_LOG("RUN %d: exit %u, rip %#llx", i,
					       g.cpu.run->exit_reason,
					       (unsigned long long)guest_rip(&g));
		asm volatile("mov %%gs:8, %0" : "=r" (word));
		EXPECT_EQ(0, memcmp(&word, vmm_gs_area + 8, 8))
			TH_LOG("RUN %d: %%gs:8 is %#lx", i, word);
		ASSERT_EQ(0, syscall(SYS_arch_prctl, ARCH_GET_GS, &base));
		EXPECT_EQ((unsigned long)vmm_gs_area, base) TH_LOG("RUN %d", i);
	}
	guest_destroy(&g);
	syscall(SYS_arch_prctl, ARCH_SET_GS, 0UL);
}

/*
 * A VMM with a local descriptor table and GS or FS loaded from it (as a
 * 32-bit runtime or Wine would) keeps them: VM exit leaves LDTR null and
 * FS and GS the host's (SDM "Loading Host Segment and Descriptor-Table
 * Registers"), and run.c loads the VMM's back.
 */
#define LDT_SEL		((0 << 3) | 4 | 3)	/* LDT entry 0, RPL 3 */

/* LDT entry 0 over a fresh page below 4 GiB: a descriptor's base is 32 bits. */
static char *ldt_segment(void)
{
	struct user_desc d = {
		.entry_number = 0, .limit = 0xfff, .seg_32bit = 1,
		.useable = 1,
	};
	char *seg = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	if (seg == MAP_FAILED)
		return NULL;
	memcpy(seg, "LDT segment: 8 bytes in, this..", 32);
	d.base_addr = (uint32_t)(uintptr_t)seg;
	if (syscall(SYS_modify_ldt, 1, &d, sizeof(d))) {
		munmap(seg, 4096);
		return NULL;
	}
	return seg;
}

/* After each RUN: the selector, LSL of it (LDTR), a read through %gs. */
TEST(vmm_ldt_and_its_gs_survive_run)
{
	uint16_t sel = LDT_SEL, gs;
	unsigned long word;
	uint32_t limit;
	struct guest g;
	uint8_t ok;
	char *seg;
	int i;

	NEED_MINIVM();
	ASSERT_NE(NULL, (seg = ldt_segment()));
	asm volatile("mov %0, %%gs" : : "rm" (sel));
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_kernel_gs_base));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(i < 2 ? MINIVM_EXIT_IO : MINIVM_EXIT_HLT,
			  guest_run(&g)) TH_LOG("RUN %d", i);
		asm volatile("mov %%gs, %0" : "=r" (gs));
		EXPECT_EQ(LDT_SEL, gs) TH_LOG("RUN %d", i);
		asm volatile("lsl %2, %0\n\tsetz %1"
			     : "=r" (limit), "=qm" (ok) : "r" ((uint32_t)sel)
			     : "cc");
		EXPECT_TRUE(ok && limit == 0xfff)
			TH_LOG("RUN %d: LSL of the LDT selector failed: LDTR lost", i);
		asm volatile("mov %%gs:8, %0" : "=r" (word));
		EXPECT_EQ(0, memcmp(&word, seg + 8, 8)) TH_LOG("RUN %d", i);
	}
	guest_destroy(&g);
	asm volatile("mov %0, %%gs" : : "rm" ((uint16_t)0));
	munmap(seg, 4096);
}

/*
 * FS is glibc's thread pointer, so no C runs while it holds the LDT
 * selector: one asm block loads it, makes the RUN system call, reads the
 * selector and %fs:8, and puts the thread pointer back (arch_prctl).
 */
TEST(vmm_fs_from_its_ldt_survives_run)
{
	unsigned long fsbase = 0, word = 0, rax = SYS_ioctl, rdx = 0;
	unsigned long rdi, rsi = MINIVM_RUN;
	uint16_t sel = LDT_SEL, fs = 0;
	struct guest g;
	long ret = -1;
	char *seg;

	NEED_MINIVM();
	ASSERT_NE(NULL, (seg = ldt_segment()));
	ASSERT_EQ(0, syscall(SYS_arch_prctl, ARCH_GET_FS, &fsbase));
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_REAL, g_in_echo));
	rdi = g.cpu.fd;
	asm volatile("mov %[sel], %%fs\n\t"
		     "syscall\n\t"
		     "mov %%rax, %[ret]\n\t"
		     "mov %%fs, %[fs]\n\t"
		     "mov %%fs:8, %%rdx\n\t"
		     "mov %%rdx, %[word]\n\t"
		     "mov %[prctl], %%eax\n\t"
		     "mov %[set_fs], %%edi\n\t"
		     "mov %[base], %%rsi\n\t"
		     "syscall"
		     : "+a" (rax), "+D" (rdi), "+S" (rsi), "+d" (rdx),
		       [ret] "=m" (ret), [fs] "=m" (fs), [word] "=m" (word)
		     : [sel] "r" (sel), [base] "m" (fsbase),
		       [prctl] "i" (SYS_arch_prctl), [set_fs] "i" (ARCH_SET_FS)
		     : "rcx", "r11", "memory");
	ASSERT_EQ(0, (long)rax) TH_LOG("arch_prctl(ARCH_SET_FS) failed");
	EXPECT_EQ(0, ret);
	EXPECT_EQ(MINIVM_EXIT_IO, g.cpu.run->exit_reason);
	EXPECT_EQ(LDT_SEL, fs);
	EXPECT_EQ(0, memcmp(&word, seg + 8, 8));
	guest_destroy(&g);
	munmap(seg, 4096);
}

/*
 * A VMRESUME that fails on bad guest state (TR not a busy TSS) leaves the
 * VMCS launched: once the state is good again, the vCPU runs on.  It
 * used to retry with VMLAUNCH and fail for good (error 4).
 */
GUEST_CODE(g_hlt_twice, "hlt\n hlt\n hlt");

TEST(failed_vmresume_leaves_vcpu_usable)
{
	struct minivm_sregs good, bad;
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_REAL, g_hlt_twice));
	ASSERT_EQ(MINIVM_EXIT_HLT, guest_run(&g));	/* launched now */
	ASSERT_EQ(0, minivm_get_sregs(&g.cpu, &good));
	bad = good;
	bad.tr.type = 1;		/* an available TSS: entry refuses it */
	ASSERT_EQ(0, minivm_set_sregs(&g.cpu, &bad));
	ASSERT_EQ(MINIVM_EXIT_FAIL_ENTRY, guest_run(&g));
	EXPECT_EQ(33, g.cpu.run->fail_entry.hardware_entry_failure_reason);
	ASSERT_EQ(0, minivm_set_sregs(&g.cpu, &good));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g))
		TH_LOG("VM-instruction error %u",
		       g.cpu.run->fail_entry.vm_instruction_error);
	guest_destroy(&g);
}

/*
 * CPUID offers only what minivm backs: no feature whose MSRs would #GP
 * (APIC, MTRR, DS, PDCM, SGX, MPX) and no XSAVE on a host without it.
 */
GUEST_CODE(g_cpuid_features,
	"mov $1, %eax\n xor %ecx, %ecx\n cpuid\n mov %edx, %eax\n out %eax, $0x80\n"
	"mov $1, %eax\n xor %ecx, %ecx\n cpuid\n mov %ecx, %eax\n out %eax, $0x80\n"
	"mov $7, %eax\n xor %ecx, %ecx\n cpuid\n mov %ebx, %eax\n out %eax, $0x80\n"
	"hlt");

TEST(cpuid_offers_only_what_is_backed)
{
	uint32_t edx1, ecx1, ebx7;
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_cpuid_features));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	edx1 = io32(&g);
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	ecx1 = io32(&g);
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	ebx7 = io32(&g);
	EXPECT_EQ(0, edx1 & (1u << 9 | 1u << 12 | 1u << 21))
		TH_LOG("leaf 1 EDX %#x: APIC, MTRR or DS", edx1);
	EXPECT_EQ(0, ecx1 & (1u << 2 | 1u << 15))
		TH_LOG("leaf 1 ECX %#x: DTES64 or PDCM", ecx1);
	if (!cpu_has_flag("xsave"))
		EXPECT_EQ(0, ecx1 & (1u << 26)) TH_LOG("XSAVE without host XSAVE");
	EXPECT_EQ(0, ebx7 & (1u << 2 | 1u << 14))
		TH_LOG("leaf 7 EBX %#x: SGX or MPX", ebx7);
	EXPECT_EQ(1u << 4, edx1 & (1u << 4));		/* TSC stays */
	guest_destroy(&g);
}

TEST_HARNESS_MAIN

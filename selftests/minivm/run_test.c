// SPDX-License-Identifier: GPL-2.0
/*
 * MINIVM_RUN and the life of vCPUs: signals and immediate_exit stop a
 * guest, two threads run two vCPUs, one vCPU cannot be run twice at once,
 * the guest's SSE registers and SYSCALL MSRs are its own, and fds close in
 * any order.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"

/* An endless loop with interrupts off: only minivm can stop it. */
GUEST_CODE(g_spin, "cli\n 1: jmp 1b");

static void on_alarm(int sig)
{
}

/* (20 ms: in Bochs an emulated second of a spinning guest is a minute.) */
TEST(signal_interrupts_endless_guest)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_usec = 20000 } };
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_spin));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_EQ(-EINTR, minivm_run(&g.cpu));
	EXPECT_EQ(MINIVM_EXIT_INTR, g.cpu.run->exit_reason);
	/* The guest is still there, still spinning, at the jump. */
	EXPECT_EQ(GUEST_CODE_ADDR + 1, guest_rip(&g));
	guest_destroy(&g);
}

TEST(immediate_exit_returns_at_once)
{
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_spin));
	g.cpu.run->immediate_exit = 1;
	EXPECT_EQ(-EINTR, minivm_run(&g.cpu));
	EXPECT_EQ(MINIVM_EXIT_INTR, g.cpu.run->exit_reason);
	EXPECT_EQ(GUEST_CODE_ADDR, guest_rip(&g));	/* never entered */
	guest_destroy(&g);
}

/* CPUID in a loop: every one exits and is answered in the kernel. */
GUEST_CODE(g_cpuid_loop,
	"xor %edi, %edi\n 1: inc %edi\n xor %eax, %eax\n cpuid\n jmp 1b");

/* An exit budget returns control after that many in-kernel exits. */
TEST(exit_budget_bounds_a_run)
{
	struct minivm_regs r;
	uint64_t last = 0;
	struct guest g;
	int i;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_cpuid_loop));
	g.cpu.run->exit_budget = 100;
	for (i = 1; i <= 3; i++) {
		ASSERT_EQ(MINIVM_EXIT_BUDGET, guest_run(&g));
		ASSERT_EQ(0, minivm_get_regs(&g.cpu, &r));
		/*
		 * Each RUN made progress, and at most 100 CPUIDs of it
		 * (timer exits count too).
		 */
		EXPECT_LT(last, r.rdi);
		EXPECT_GE(last + 100, r.rdi);
		last = r.rdi;
	}
	/* And the spinning guest, exiting only on the timer, returns too. */
	guest_destroy(&g);
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_spin));
	g.cpu.run->exit_budget = 3;
	EXPECT_EQ(MINIVM_EXIT_BUDGET, guest_run(&g));
	guest_destroy(&g);
}

/*
 * A guest whose every exit is answered in the kernel (CPUID) never
 * returns to userspace by itself, yet stops on a signal: the host
 * interrupt that brings it ends the guest's run, and RUN sees it.
 */
TEST(signal_interrupts_a_guest_looping_on_cpuid)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_usec = 20000 } };
	struct minivm_regs r;
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_cpuid_loop));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_EQ(-EINTR, minivm_run(&g.cpu));
	EXPECT_EQ(MINIVM_EXIT_INTR, g.cpu.run->exit_reason);
	ASSERT_EQ(0, minivm_get_regs(&g.cpu, &r));
	EXPECT_LT(0, r.rdi);			/* it ran its loop */
	guest_destroy(&g);
}

/* One vCPU, two threads: the second RUN is refused with EBUSY. */
static void *run_thread(void *arg)
{
	return (void *)(long)minivm_run(arg);
}

TEST(second_run_of_a_vcpu_is_ebusy)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct minivm_regs regs;
	struct guest g;
	pthread_t t;
	void *ret;
	int i;

	NEED_MINIVM();
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_spin));
	ASSERT_EQ(0, pthread_create(&t, NULL, run_thread, &g.cpu));
	/* Wait until the thread is inside RUN: our RUN is then refused. */
	for (i = 0; i < 500; i++) {
		usleep(10000);
		if (minivm_run(&g.cpu) == -EBUSY)
			break;
	}
	EXPECT_LT(i, 500);
	/* The register ioctls share the vCPU with RUN: EBUSY too. */
	EXPECT_EQ(-EBUSY, minivm_get_regs(&g.cpu, &regs));
	pthread_kill(t, SIGUSR1);
	pthread_join(t, &ret);
	EXPECT_EQ(-EINTR, (long)ret);
	guest_destroy(&g);
}

/* Two vCPUs of one VM, each on its own thread, each counting to 1000. */
GUEST_CODE(g_count,
	"xor %ecx, %ecx\n 1: inc %ecx\n mov %ecx, %eax\n out %eax, $0x80\n"
	"cmp $1000, %ecx\n jne 1b\n hlt");

struct counter {
	struct minivm_vcpu cpu;
	int ok;
};

static void *count_thread(void *arg)
{
	struct counter *c = arg;
	uint32_t expect = 1, data;

	for (;;) {
		if (minivm_run(&c->cpu))
			return NULL;
		if (c->cpu.run->exit_reason == MINIVM_EXIT_HLT)
			break;
		if (c->cpu.run->exit_reason != MINIVM_EXIT_IO)
			return NULL;
		memcpy(&data, minivm_io_data(c->cpu.run), 4);
		if (data != expect++)
			return NULL;
	}
	c->ok = expect == 1001;
	return NULL;
}

TEST(two_vcpus_on_two_threads)
{
	struct counter c[2] = { 0 };
	pthread_t t[2];
	struct guest g;
	int i;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_count));
	c[0].cpu = g.cpu;
	ASSERT_EQ(0, minivm_create_vcpu(g.dev, g.vm, 1, &c[1].cpu));
	ASSERT_EQ(0, minivm_setup_mode(&c[1].cpu, MINIVM_MODE_LONG, g.mem,
				       GUEST_MEM_SIZE, GUEST_TABLES,
				       GUEST_CODE_ADDR, GUEST_STACK));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, count_thread, &c[i]));
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	EXPECT_TRUE(c[0].ok);
	EXPECT_TRUE(c[1].ok);
	minivm_destroy_vcpu(&c[1].cpu);
	guest_destroy(&g);
}

/*
 * The guest puts a value in XMM0 and reports it after every exit; the
 * host puts another in its own XMM0 and sleeps meanwhile (preemption,
 * other processes).  Neither sees the other's.
 */
GUEST_CODE(g_sse,
	"mov $0x5a5a5a5a, %eax\n movd %eax, %xmm0\n"
	"mov $100, %ecx\n"
	"1: movd %xmm0, %eax\n out %eax, $0x80\n dec %ecx\n jnz 1b\n hlt");

TEST(guest_sse_state_is_its_own)
{
	uint32_t host = 0xa5a5a5a5, seen, data, bad = 0;
	struct guest g;
	int i;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_sse));
	for (i = 0; i < 100; i++) {
		asm volatile("movd %0, %%xmm0" : : "r" (host) : "xmm0");
		ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
		memcpy(&data, minivm_io_data(g.cpu.run), 4);
		bad += data != 0x5a5a5a5a;
		if (i % 10 == 0)
			usleep(1000);
		asm volatile("movd %%xmm0, %0" : "=r" (seen));
		bad += seen != host;
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);
}

/* Let this thread run on CPUs @first to @last only. */
static int run_on(int first, int last)
{
	cpu_set_t set;
	int cpu;

	CPU_ZERO(&set);
	for (cpu = first; cpu <= last; cpu++)
		CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * The thread hops between the two CPUs after every exit: its VMCS must be
 * VMCLEARed on one and loaded on the other each time, and the guest must
 * not notice (it counts on, in RCX, across all of it).
 */
TEST(vcpu_follows_its_thread_across_cpus)
{
	uint32_t expect = 1, data;
	struct guest g;
	int hops = 0;

	NEED_MINIVM();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_count));
	while (guest_run(&g) == MINIVM_EXIT_IO) {
		memcpy(&data, minivm_io_data(g.cpu.run), 4);
		ASSERT_EQ(expect, data);
		expect++;
		ASSERT_EQ(0, run_on(expect & 1, expect & 1));
		hops += sched_getcpu() == (int)(expect & 1);
	}
	EXPECT_EQ(MINIVM_EXIT_HLT, g.cpu.run->exit_reason);
	EXPECT_EQ(1001, expect);
	EXPECT_LT(900, hops);
	run_on(0, 1);
	guest_destroy(&g);
}

/*
 * The guest's SYSCALL MSRs and TSC_AUX stay its own while the host's come
 * and go around them: it writes them once, then after each of 200 exits
 * to userspace reads back what it wrote, with the thread hopping between
 * two CPUs meanwhile.  minivm knows these values from the WRMSRs it
 * intercepts, never reads them back from the CPU, and writes an MSR only
 * where the guest's value differs from the host's (msr.c): TSC_AUX 1 is
 * CPU 1's own value and not CPU 0's, so both ways are taken.
 */
#define WRMSR(msr, hi, lo) "mov $" #msr ", %ecx\n mov $" #hi ", %edx\n" \
			   "mov $" #lo ", %eax\n wrmsr\n"
#define RDMSR_IS(msr, hi, lo) "mov $" #msr ", %ecx\n rdmsr\n"		\
	GUEST_ASSERT_EQ(lo, "%eax") GUEST_ASSERT_EQ(hi, "%edx")
#define SYSCALL_MSRS(op)						\
	op(0xc0000081, 0x00230010, 0) op(0xc0000082, 0xffffffff, 0x81000000) \
	op(0xc0000083, 0xffff8000, 0x2000) op(0xc0000084, 0, 0x47700)	\
	op(0xc0000103, 0, 1)

GUEST_CODE_ONLY(g_syscall_msrs, 64,
	SYSCALL_MSRS(WRMSR)
	"mov $200, %esi\n"
	"1: out %al, $0x80\n"
	SYSCALL_MSRS(RDMSR_IS)
	"dec %esi\n jnz 1b\n hlt");

TEST(guest_syscall_msrs_survive_exits_and_cpus)
{
	int cpus = sysconf(_SC_NPROCESSORS_ONLN) < 2 ? 1 : 2;
	struct guest g;
	int exits = 0, ret;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_syscall_msrs));
	while ((ret = guest_run(&g)) == MINIVM_EXIT_IO) {
		exits++;
		ASSERT_EQ(0, run_on(exits % cpus, exits % cpus));
	}
	EXPECT_EQ(MINIVM_EXIT_HLT, ret);
	EXPECT_EQ(200, exits);
	run_on(0, 1);
	guest_destroy(&g);
}

/*
 * While EFER.SCE is clear the guest cannot execute SYSCALL, so minivm
 * leaves the host's STAR, LSTAR, CSTAR and SFMASK in the CPU (msr.c),
 * as KVM does.  The guest writes its LSTAR then, sets EFER.SCE and at
 * once executes SYSCALL, all in one RUN: it must land on its own LSTAR,
 * which minivm loads after the EFER write, before the next entry.
 */
GUEST_CODE_ONLY(g_syscall_after_sce, 64,
	"lea 2f(%rip), %rax\n mov %rax, %rdx\n shr $32, %rdx\n"
	"mov $0xc0000082, %ecx\n wrmsr\n"		/* LSTAR: 2f */
	"xor %eax, %eax\n mov $8, %edx\n"
	"mov $0xc0000081, %ecx\n wrmsr\n"		/* STAR: CS 8, SS 10h */
	"xor %edx, %edx\n mov $0xc0000084, %ecx\n wrmsr\n" /* SFMASK: 0 */
	"mov $0xc0000080, %ecx\n rdmsr\n or $1, %eax\n wrmsr\n" /* SCE */
	"1: syscall\n"
	"mov $1, %eax\n" GUEST_ASSERT_EQ(0, "%eax")	/* never returns here */
	"2: lea 1b(%rip), %rax\n sub %rax, %rcx\n"
	"mov %ecx, %eax\n" GUEST_ASSERT_EQ(2, "%eax")	/* RCX: after it */
	"mov $0x5c, %al\n out %al, $0x80\n hlt");

TEST(syscall_right_after_setting_sce_reaches_guest_lstar)
{
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_syscall_after_sce));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	EXPECT_EQ(0x5c, *(uint8_t *)minivm_io_data(g.cpu.run));
	guest_destroy(&g);
}

/*
 * ...and while they are the host's, the guest reads its own: LSTAR is
 * the host kernel's entry point, which KASLR keeps secret.  A new vCPU's
 * are 0, as after RESET ("IA32_EFER" and the SYSCALL MSRs, SDM Vol. 3A).
 */
GUEST_CODE_ONLY(g_read_syscall_msrs, 64,
	"mov $0xc0000082, %ecx\n rdmsr\n"
	GUEST_ASSERT_EQ(0, "%eax") GUEST_ASSERT_EQ(0, "%edx")
	"mov $0xc0000081, %ecx\n rdmsr\n"
	GUEST_ASSERT_EQ(0, "%eax") GUEST_ASSERT_EQ(0, "%edx")
	"mov $0xc0000084, %ecx\n rdmsr\n"
	GUEST_ASSERT_EQ(0, "%eax") GUEST_ASSERT_EQ(0, "%edx")
	"hlt");

TEST(guest_reads_its_syscall_msrs_not_the_hosts)
{
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_read_syscall_msrs));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);
}

/* Close the VM fd first: the vCPU keeps the VM alive and still runs. */
TEST(vcpu_outlives_vm_fd)
{
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_count));
	close(g.vm);
	g.vm = -1;
	close(g.dev);
	g.dev = -1;
	EXPECT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	guest_destroy(&g);
	EXPECT_EQ(0, minivm_cpus_on());
}

/*
 * A process killed in the middle of RUN leaves nothing behind.  The child
 * says when it is about to enter RUN; the guest spins, so 20 ms later it
 * is inside (a fixed 300 ms cost 15 s of wall time in Bochs).
 */
TEST(sigkill_mid_run_frees_everything)
{
	long refs = minivm_refcnt();
	int status, ready[2];
	char c;
	pid_t pid;

	NEED_MINIVM();
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct guest g;

		if (guest_create(&g, MINIVM_MODE_LONG, g_spin))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		minivm_run(&g.cpu);
		_exit(2);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	usleep(20000);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(refs, minivm_refcnt());
	EXPECT_EQ(0, minivm_cpus_on());
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC's timer and the HLT that waits for it (halt.c): one-shot,
 * periodic and TSC-deadline modes with their measured periods and what a
 * change of mode does to the count, HLT woken by the timer without a trip
 * to userspace, the rule that decides when HLT still returns
 * MINIVM_EXIT_HLT, a signal that interrupts the wait, the PIC's interrupt
 * through LINT0, and a timer storm that the host survives.
 *
 * Times are measured by the test around RUN, on the host's monotonic
 * clock.  Lower bounds are strict (an interrupt never comes early, less
 * 1 ms for the clock's granularity); upper bounds are loose, as the test
 * machine is an emulator that may fall behind.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "lapic_guest.h"

/*
 * Delivered by the CPU where it can (virtual-interrupt delivery), and by
 * minivm's injection (.emulated): the timer and the wake-up are the same.
 */
LAPIC_FIXTURE(timer);
FIXTURE_VARIANT_ADD(timer, protected) { .mode = MINIVM_MODE_PROTECTED };
FIXTURE_VARIANT_ADD(timer, long) { .mode = MINIVM_MODE_LONG };
FIXTURE_VARIANT_ADD(timer, long_emulated) {
	.mode = MINIVM_MODE_LONG, .emulated = true };

/* The storm in long mode only: in an emulator each tick is expensive. */
LAPIC_FIXTURE(storm);
FIXTURE_VARIANT_ADD(storm, long) { .mode = MINIVM_MODE_LONG };
FIXTURE_VARIANT_ADD(storm, long_emulated) {
	.mode = MINIVM_MODE_LONG, .emulated = true };

static const struct lapic_handler tick[] = { { 0x40, 0x00 } };

/*
 * One-shot, 20 ms at divide-by-1 (TDCR 1011b) of the 1 GHz bus, then STI;
 * HLT.  RUN does not return for the HLT: the vCPU sleeps in the kernel
 * until the timer, then runs its handler (81h) and goes on (84h).  With
 * interrupts masked, HLT returns MINIVM_EXIT_HLT as it always did.
 */
GUEST_CODE(g_oneshot,
	"0:" XHANDLER(0x00, 0x81)
	MAIN APIC_PAGE SVR_ON APIC_WR(0x3e0, 0xb) APIC_WR(0x320, 0x40)
	APIC_WR(0x380, 20000000) "sti\n hlt\n out %al, $0x84\n"
	APIC_RD(0x390) REPORT(0x80) "cli\n hlt");

TEST_F(timer, oneshot_wakes_hlt_in_the_kernel)
{
	struct guest *g = &self->g;
	double t0, ms;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_oneshot, tick, 1));
	t0 = lapic_now_ms();
	lapic_expect_out(_metadata, g, 0x81);
	ms = lapic_now_ms() - t0;
	EXPECT_LE(19.0, ms);
	EXPECT_GE(2000.0, ms);
	lapic_expect_out(_metadata, g, 0x84);
	EXPECT_EQ(0, lapic_expect_out(_metadata, g, 0x80));	/* TMCCT */
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * Periodic, 10 ms: five ticks take at least four periods.  TMCCT counts
 * down between them, never above TMICT.
 */
GUEST_CODE(g_periodic,
	"0:" XHANDLER(0x00, 0x81)
	MAIN APIC_PAGE SVR_ON APIC_WR(0x3e0, 0xb) APIC_WR(0x320, 0x20040)
	APIC_WR(0x380, 10000000) APIC_RD(0x390) REPORT(0x80)
	"sti\n 1: hlt\n jmp 1b");

TEST_F(timer, periodic_ticks_at_its_period)
{
	struct guest *g = &self->g;
	double first, ms;
	uint32_t count;
	int i;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_periodic, tick, 1));
	count = lapic_expect_out(_metadata, g, 0x80);
	EXPECT_GE(10000000, count);
	EXPECT_LT(0, count);
	lapic_expect_out(_metadata, g, 0x81);
	first = lapic_now_ms();
	for (i = 0; i < 4; i++)
		lapic_expect_out(_metadata, g, 0x81);
	ms = lapic_now_ms() - first;
	EXPECT_LE(39.0, ms);
	EXPECT_GE(4000.0, ms);
	TH_LOG("4 periods of 10 ms took %.1f ms", ms);
}

/*
 * A mode change between one-shot and periodic lets the count go on:
 * TMICT keeps its value and TMCCT keeps counting down (1 s at divide-by-
 * 1, the entry masked).  Into or out of TSC-deadline mode it disarms the
 * timer: TMICT reads 0, and back in one-shot mode TMCCT too.
 */
GUEST_CODE(g_mode_change,
	"0:" XHANDLER(0x00, 0x81)
	MAIN APIC_PAGE SVR_ON APIC_WR(0x3e0, 0xb) APIC_WR(0x320, 0x10040)
	APIC_WR(0x380, 1000000000) APIC_WR(0x320, 0x30040)
	APIC_RD(0x380) REPORT(0x80) APIC_RD(0x390) REPORT(0x80)
	APIC_WR(0x320, 0x10040) APIC_RD(0x390) REPORT(0x80)
	APIC_WR(0x320, 0x50040) APIC_RD(0x380) REPORT(0x80)
	APIC_WR(0x320, 0x10040) APIC_RD(0x390) REPORT(0x80)
	"cli\n hlt");

TEST_F(timer, mode_change_keeps_or_disarms_the_count)
{
	struct guest *g = &self->g;
	uint32_t periodic, oneshot;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_mode_change, tick, 1));
	EXPECT_EQ(1000000000, lapic_expect_out(_metadata, g, 0x80));
	periodic = lapic_expect_out(_metadata, g, 0x80);
	EXPECT_LT(0, periodic);
	EXPECT_GE(1000000000, periodic);
	oneshot = lapic_expect_out(_metadata, g, 0x80);
	EXPECT_LT(0, oneshot);
	EXPECT_GE(periodic, oneshot);
	EXPECT_EQ(0, lapic_expect_out(_metadata, g, 0x80));	/* TMICT */
	EXPECT_EQ(0, lapic_expect_out(_metadata, g, 0x80));	/* TMCCT */
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * The same one-shot timer, while the guest loops on CPUID, every exit
 * answered in the kernel: the guest's interrupt still goes in.  The
 * handler sets a flag at 5000h that ends the loop; it reloads EBX, which
 * CPUID clobbers.
 */
GUEST_CODE(g_oneshot_cpuid,
	"0:" SLOT(0x00) "movb $1, 0x5000\n out %al, $0x81\n" APIC_PAGE
	APIC_WR(0xb0, 0) IRET
	MAIN "movb $0, 0x5000\n" APIC_PAGE SVR_ON APIC_WR(0x3e0, 0xb)
	APIC_WR(0x320, 0x40) APIC_WR(0x380, 20000000)
	"sti\n 1: xor %eax, %eax\n cpuid\n cmpb $0, 0x5000\n je 1b\n"
	"out %al, $0x84\n cli\n hlt");

TEST_F(timer, oneshot_reaches_a_guest_looping_on_cpuid)
{
	struct guest *g = &self->g;
	double t0, ms;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_oneshot_cpuid, tick, 1));
	t0 = lapic_now_ms();
	lapic_expect_out(_metadata, g, 0x81);
	ms = lapic_now_ms() - t0;
	EXPECT_LE(19.0, ms);
	EXPECT_GE(2000.0, ms);
	lapic_expect_out(_metadata, g, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * TSC-deadline: the guest reads the TSC's rate from CPUID 40000010h and
 * arms IA32_TSC_DEADLINE 20 ms ahead.  The MSR reads back what was
 * written while armed, and 0 once the timer fired.
 */
GUEST_CODE(g_deadline,
	"0:" XHANDLER(0x00, 0x81)
	MAIN "mov $0x40000010, %eax\n cpuid\n imul $20, %eax, %esi\n"
	APIC_PAGE SVR_ON APIC_WR(0x320, 0x40040)
	"rdtsc\n add %esi, %eax\n adc $0, %edx\n mov $0x6e0, %ecx\n wrmsr\n"
	"rdmsr\n test %eax, %eax\n setnz %al\n movzbl %al, %eax\n" REPORT(0x80)
	"sti\n hlt\n out %al, $0x84\n"
	"mov $0x6e0, %ecx\n rdmsr\n or %edx, %eax\n" REPORT(0x80)
	"cli\n hlt");

TEST_F(timer, tsc_deadline_fires_at_the_deadline)
{
	struct guest *g = &self->g;
	double t0, ms;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_deadline, tick, 1));
	t0 = lapic_now_ms();
	EXPECT_EQ(1, lapic_expect_out(_metadata, g, 0x80));	/* armed */
	lapic_expect_out(_metadata, g, 0x81);
	ms = lapic_now_ms() - t0;
	EXPECT_LE(19.0, ms);
	EXPECT_GE(2000.0, ms);
	lapic_expect_out(_metadata, g, 0x84);
	EXPECT_EQ(0, lapic_expect_out(_metadata, g, 0x80));	/* fired */
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * STI; HLT with nothing armed sleeps until a signal: RUN returns -EINTR
 * (MINIVM_EXIT_INTR) and the vCPU stays halted.  The PIC's interrupt,
 * raised then with LINT0 in ExtINT mode, wakes it on the next RUN.
 */
GUEST_CODE(g_extint,
	"0:" SLOT(0x00) "out %al, $0x81\n" IRET
	MAIN APIC_PAGE SVR_ON APIC_WR(0x350, 0x700)
	"sti\n hlt\n out %al, $0x84\n cli\n hlt");

TEST_F(timer, signal_ends_the_wait_and_extint_wakes)
{
	static const struct lapic_handler h[] = { { 0x30, 0x00 } };
	struct guest *g = &self->g;
	struct minivm_regs r;
	uint64_t rip;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_extint, h, 1));
	lapic_alarm_in(50);
	EXPECT_EQ(-EINTR, minivm_run(&g->cpu));
	EXPECT_EQ(MINIVM_EXIT_INTR, g->cpu.run->exit_reason);
	ASSERT_EQ(0, minivm_get_regs(&g->cpu, &r));
	rip = r.rip;
	lapic_alarm_in(50);			/* still halted: sleeps again */
	EXPECT_EQ(-EINTR, minivm_run(&g->cpu));
	ASSERT_EQ(0, minivm_get_regs(&g->cpu, &r));
	EXPECT_EQ(rip, r.rip);
	ASSERT_EQ(0, minivm_interrupt(&g->cpu, 0x30));
	lapic_expect_out(_metadata, g, 0x81);
	lapic_expect_out(_metadata, g, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * A storm: the periodic timer at its shortest count (1), which minivm
 * stretches to 200 us, for STORM_MS, the guest counting its ticks in
 * RAM at 5000h and halting between them, all without leaving the kernel.
 * Meanwhile a host thread that sleeps 1 ms at a time must keep waking.
 */
GUEST_CODE(g_storm,
	"0:" SLOT(0x00) "incl 0x5000\n" APIC_WR(0xb0, 0) IRET
	MAIN APIC_PAGE SVR_ON APIC_WR(0x3e0, 0xb) APIC_WR(0x320, 0x20040)
	APIC_WR(0x380, 1) "sti\n 1: hlt\n jmp 1b");

#define STORM_MS 100	/* (in Bochs, an emulated second of it is a minute) */

struct sleeper {
	volatile bool stop;
	double worst_ms;
};

static void *sleep_loop(void *p)
{
	struct sleeper *s = p;
	sigset_t alrm;

	sigemptyset(&alrm);		/* SIGALRM is for the vCPU's thread */
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, NULL);
	while (!s->stop) {
		double t = lapic_now_ms(), late;

		usleep(1000);
		late = lapic_now_ms() - t - 1.0;
		if (late > s->worst_ms)
			s->worst_ms = late;
	}
	return NULL;
}

TEST_F(storm, at_the_shortest_period_leaves_the_host_alive)
{
	struct guest *g = &self->g;
	struct sleeper s = { 0 };
	uint32_t ticks;
	pthread_t t;

	NEED_LAPIC();
	ASSERT_EQ(0, lapic_start(g, variant->mode, g_storm, tick, 1));
	ASSERT_EQ(0, pthread_create(&t, NULL, sleep_loop, &s));
	lapic_alarm_in(STORM_MS);
	EXPECT_EQ(-EINTR, minivm_run(&g->cpu));
	s.stop = true;
	pthread_join(t, NULL);
	memcpy(&ticks, g->mem + 0x5000, 4);
	TH_LOG("%u ticks in %d ms; a host thread was at worst %.1f ms late",
	       ticks, STORM_MS, s.worst_ms);
	EXPECT_LT(10, ticks);
	EXPECT_GE(STORM_MS * 5 + STORM_MS / 2, ticks);	/* 200 us apart, at the least */
	EXPECT_GE(500.0, s.worst_ms);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * The side-channel mitigations at the guest/host boundary: the ones the
 * kernel applies to KVM on this CPU happen for minivm too, no more often
 * than for KVM, counted in /sys/kernel/debug/minivm/mitigations
 * (kmod/mitigations.c).  What the host's CPU keeps across RUN is in
 * host_state_test; every RUN here goes through the same host-state oracle
 * (host_state.h).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"
#include "host_state.h"

static void __attribute__((constructor)) check_the_host(void)
{
	if (minivm_present())
		host_state_install();
}

/*
 * The side-channel mitigations: each counter in debugfs moves exactly
 * when the kernel's vulnerabilities files say the mitigation is on.
 */
#define VULN "/sys/devices/system/cpu/vulnerabilities/"

static bool vuln_says(const char *file, const char *needle)
{
	char path[128], line[256] = "";
	FILE *f;

	snprintf(path, sizeof(path), VULN "%s", file);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	return strstr(line, needle) != NULL;
}

static long mitigation_count(const char *name)
{
	char n[64];
	long v, found = -1;
	FILE *f = fopen("/sys/kernel/debug/minivm/mitigations", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", n, &v) == 2)
		if (!strcmp(n, name))
			found = v;
	fclose(f);
	return found;
}

GUEST_CODE(g_out_loop, "1: out %al, $0x80\n jmp 1b");

TEST(mitigations_follow_the_kernel)
{
	bool verw = vuln_says("mds", "Clear CPU buffers") ||
		    vuln_says("tsx_async_abort", "Clear CPU buffers") ||
		    vuln_says("mmio_stale_data", "Clear CPU buffers") ||
		    vuln_says("reg_file_data_sampling", "Clear CPU buffers");
	bool ibpb = vuln_says("spectre_v2", "IBPB: conditional") ||
		    vuln_says("spectre_v2", "IBPB: always-on");
	bool vmscape = vuln_says("vmscape", "IBPB before exit to userspace");
	bool l1d = vuln_says("l1tf", "Mitigation") &&
		   !vuln_says("l1tf", "VMX: vulnerable") &&
		   !vuln_says("l1tf", "flush not necessary") &&
		   !vuln_says("l1tf", "EPT disabled");
	long v0, l0, i0, u0;
	struct guest a, b;
	int i;

	NEED_MINIVM();
	ASSERT_LE(0, (v0 = mitigation_count("verw")));
	l0 = mitigation_count("l1d_flush");
	i0 = mitigation_count("ibpb");
	u0 = mitigation_count("ibpb_exit_to_user");
	/* Two vCPUs taking turns on one CPU: each turn switches VMCS. */
	ASSERT_EQ(0, pin_to_cpu(0));
	ASSERT_EQ(0, guest_create(&a, MINIVM_MODE_REAL, g_out_loop));
	ASSERT_EQ(0, guest_create(&b, MINIVM_MODE_REAL, g_out_loop));
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&a));
		ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&b));
	}
	TH_LOG("kernel: verw %d, l1d flush %d, ibpb %d, vmscape %d",
	       verw, l1d, ibpb, vmscape);
	EXPECT_EQ(verw, mitigation_count("verw") >= v0 + 20);
	EXPECT_EQ(verw, mitigation_count("verw") != v0);
	EXPECT_EQ(l1d, mitigation_count("l1d_flush") >= l0 + 20);
	EXPECT_EQ(l1d, mitigation_count("l1d_flush") != l0);
	EXPECT_EQ(ibpb, mitigation_count("ibpb") >= i0 + 19);
	EXPECT_EQ(ibpb, mitigation_count("ibpb") != i0);
	EXPECT_EQ(vmscape, mitigation_count("ibpb_exit_to_user") >= u0 + 20);
	EXPECT_EQ(vmscape, mitigation_count("ibpb_exit_to_user") != u0);
	guest_destroy(&a);
	guest_destroy(&b);
}

/*
 * Is minivm's L1D flush "cond" (mitigations.c)?  kvm_intel, once loaded,
 * says which in the vulnerabilities file; before, the policy follows
 * l1tf= on the kernel's command line, and only l1tf=full (with or without
 * ",force") makes it "always".
 */
static bool l1d_flush_is_cond(void)
{
	char cmdline[4096] = "";
	FILE *f;

	if (vuln_says("l1tf", "VMX:"))
		return vuln_says("l1tf", "conditional cache flushes");
	if (!vuln_says("l1tf", "Mitigation"))
		return false;
	f = fopen("/proc/cmdline", "r");
	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = 0;
		fclose(f);
	}
	return !strstr(cmdline, "l1tf=full") && !strstr(cmdline, "l1tf=off");
}

#define TOUCH_GPA	0x1000000	/* 16 MiB on: RAM new to the guest */
#define TOUCH_RUNS	64
#define TOUCH_STRIDE	0x10000		/* what minivm maps per violation */
#define EXIT_EPT_VIOLATION 48		/* SDM Vol. 3D, Appendix C */

/* Each RUN: one byte in memory not yet mapped, then an OUT. */
GUEST_CODE_ONLY(g_touch, 32, "mov $" GUEST_XSTR(TOUCH_GPA) ", %edi\n"
		"1: movb $1, (%edi)\n add $" GUEST_XSTR(TOUCH_STRIDE) ", %edi\n"
		"out %al, $0x80\n jmp 1b");

static long context_switches(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return -1;
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/*
 * "cond" flushes L1D before an entry only when something may have put
 * secrets there since the last one (design.rst): a new RUN, a context
 * switch, an interrupt, an emulated instruction.  Mapping the RAM a guest
 * touches is none of these, as for KVM.  So in a RUN that takes one EPT
 * violation on RAM and then exits to userspace, the vCPU itself asks for
 * one flush, at the RUN's start, and one more for each time the thread
 * was switched out; the rest (l1d_flush_irq in debugfs) came from the
 * host's interrupts, which come at any time.  When minivm flushed after
 * each violation, the vCPU asked for two.
 */
TEST(ram_faults_flush_l1d_only_as_kvm_does)
{
	const size_t size = (size_t)TOUCH_RUNS * TOUCH_STRIDE;
	long f0, i0, c0, v0, own, irq, most = 0, irqs = 0;
	int i, over = 0;
	struct guest g;
	uint8_t *ram;

	NEED_MINIVM();
	if (!l1d_flush_is_cond())
		SKIP(return, "the kernel's L1TF policy for guests is not \"cond\" here");
	ASSERT_EQ(0, pin_to_cpu(0));
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_touch));
	ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ram);
	/* In 4 KiB pages: a huge page would be mapped whole, at once. */
	ASSERT_EQ(0, madvise(ram, size, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, minivm_set_memory(g.vm, 3, TOUCH_GPA, size, ram, 0));
	ASSERT_LE(0, (v0 = minivm_exit_count(EXIT_EPT_VIOLATION)));
	for (i = 0; i < TOUCH_RUNS; i++) {
		ASSERT_LE(0, (f0 = mitigation_count("l1d_flush")));
		ASSERT_LE(0, (i0 = mitigation_count("l1d_flush_irq")));
		ASSERT_LE(0, (c0 = context_switches()));
		ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
		irq = mitigation_count("l1d_flush_irq") - i0;
		own = mitigation_count("l1d_flush") - f0 - irq;
		ASSERT_LE(1, own);		/* the RUN's own */
		over += own > 1 + context_switches() - c0;
		most = own > most ? own : most;
		irqs += irq;
	}
	TH_LOG("%d RUNs of one EPT violation: %d asked for more flushes than they had switches, at most %ld; %ld flushes for interrupts",
	       TOUCH_RUNS, over, most, irqs);
	EXPECT_EQ(1, ram[size - TOUCH_STRIDE]);
	EXPECT_LE(v0 + TOUCH_RUNS,
		  minivm_exit_count(EXIT_EPT_VIOLATION));
	EXPECT_EQ(0, over);
	munmap(ram, size);
	guest_destroy(&g);
}

TEST_HARNESS_MAIN

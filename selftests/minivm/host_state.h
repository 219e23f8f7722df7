/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host-state oracle: what a VMM thread and its CPU must still hold
 * after MINIVM_RUN, whatever the guest did.
 *
 * A test that includes this after guest.h and calls host_state_install()
 * runs every guest_run() through oracle_run(), which
 *
 *   - records, before RUN: the thread's segment selectors, FS and GS
 *     bases, MXCSR, XCR0 and PKRU (where the CPU has them), and puts a
 *     pattern in XMM15 around the system call itself;
 *   - compares, after RUN: all of those, the MSRs of the CPU it is on now
 *     against that CPU's values when the oracle was installed (the
 *     SYSCALL MSRs, TSC_AUX, SYSENTER, EFER, PAT, DEBUGCTL, SPEC_CTRL, the
 *     x2APIC TPR), TSC_AUX as RDTSCP shows it to user mode, and a host
 *     hardware breakpoint (a perf event of the test's own thread, armed
 *     at its first RUN), which must still fire once for one write.
 *
 * The first difference ends the test process with a diagnostic: the
 * harness reports the test failed.  MINIVM_NO_ORACLE=1 in the environment
 * turns it off, to see each test's own verdict on a module the oracle
 * fails at every RUN.  What the machine lacks (no msr
 * driver, no perf breakpoints, no XSAVE or PKU) is left out and said once.
 */
#ifndef MINIVM_HOST_STATE_H
#define MINIVM_HOST_STATE_H

#include <cpuid.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#define ORACLE_MAX_CPUS	64

/* MSRs a guest could leave behind, as /dev/cpu/N/msr reads them. */
static const struct {
	uint32_t msr;
	const char *name;
} oracle_msrs[] = {
	{ 0xc0000081, "STAR" }, { 0xc0000082, "LSTAR" },
	{ 0xc0000083, "CSTAR" }, { 0xc0000084, "SFMASK" },
	{ 0xc0000103, "TSC_AUX" }, { 0xc0000080, "EFER" },
	{ 0x174, "SYSENTER_CS" }, { 0x175, "SYSENTER_ESP" },
	{ 0x176, "SYSENTER_EIP" }, { 0x277, "PAT" }, { 0x1d9, "DEBUGCTL" },
	{ 0x48, "SPEC_CTRL" }, { 0x808, "x2APIC TPR" },
};
#define ORACLE_NR_MSRS	(sizeof(oracle_msrs) / sizeof(oracle_msrs[0]))

struct oracle_thread {
	uint16_t ds, es, fs, gs, ss;
	unsigned long fsbase, gsbase;
	uint32_t mxcsr, pkru;
	uint64_t xcr0;
};

static struct {
	bool installed, xsave, pku;
	bool bp_armed;			/* in this process (per test) */
	/* per CPU: valid[i] when MSR i could be read at install time */
	uint64_t msr[ORACLE_MAX_CPUS][ORACLE_NR_MSRS];
	bool valid[ORACLE_MAX_CPUS][ORACLE_NR_MSRS];
	int bp_fd;			/* perf breakpoint on bp_target, or -1 */
} oracle;

static volatile uint64_t oracle_bp_target;

static bool oracle_read_msr(int cpu, uint32_t msr, uint64_t *val)
{
	char path[64];
	int fd;
	bool ok;

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	ok = pread(fd, val, 8, msr) == 8;
	close(fd);
	return ok;
}

static void oracle_thread_state(struct oracle_thread *t)
{
	uint32_t a, b, c, d;

	memset(t, 0, sizeof(*t));
	asm volatile("mov %%ds, %0" : "=r" (t->ds));
	asm volatile("mov %%es, %0" : "=r" (t->es));
	asm volatile("mov %%fs, %0" : "=r" (t->fs));
	asm volatile("mov %%gs, %0" : "=r" (t->gs));
	asm volatile("mov %%ss, %0" : "=r" (t->ss));
	syscall(SYS_arch_prctl, ARCH_GET_FS, &t->fsbase);
	syscall(SYS_arch_prctl, ARCH_GET_GS, &t->gsbase);
	asm volatile("stmxcsr %0" : "=m" (t->mxcsr));
	if (oracle.xsave) {
		asm volatile("xgetbv" : "=a" (a), "=d" (d) : "c" (0));
		t->xcr0 = (uint64_t)d << 32 | a;
	}
	if (oracle.pku) {
		asm volatile("rdpkru" : "=a" (a), "=d" (d) : "c" (0));
		t->pkru = a;
	}
	(void)b;
	(void)c;
}

/* The breakpoint's hits so far, or 0 without one. */
static uint64_t oracle_bp_hits(void)
{
	uint64_t n = 0;

	if (oracle.bp_fd >= 0 && read(oracle.bp_fd, &n, sizeof(n)) != sizeof(n))
		n = 0;
	return n;
}

/* The kernel's breakpoint on oracle_bp_target, in this thread's DR0/DR7. */
static void oracle_arm_breakpoint(void)
{
	struct perf_event_attr pe = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(pe),
		.bp_type = HW_BREAKPOINT_W,
		.bp_addr = (unsigned long)&oracle_bp_target,
		.bp_len = HW_BREAKPOINT_LEN_8,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};

	oracle.bp_armed = true;
	oracle.bp_fd = syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0);
	if (oracle.bp_fd < 0) {
		printf("# host-state oracle: no perf hardware breakpoint (%s)\n",
		       strerror(errno));
		return;
	}
	/* It must fire before any RUN, or it proves nothing after one. */
	oracle_bp_target++;
	if (oracle_bp_hits() != 1) {
		printf("# host-state oracle: the breakpoint does not fire here\n");
		close(oracle.bp_fd);
		oracle.bp_fd = -1;
	}
}

static void oracle_fail(const char *what, uint64_t before, uint64_t after)
{
	printf("# host state changed by RUN: %s was %#llx, is %#llx\n", what,
	       (unsigned long long)before, (unsigned long long)after);
	fflush(stdout);
	_exit(1);
}

static void oracle_check_msrs(void)
{
	int cpu = sched_getcpu(), again;
	uint64_t v[ORACLE_NR_MSRS];
	unsigned int i, aux;

	if (cpu < 0 || cpu >= ORACLE_MAX_CPUS)
		return;
	for (i = 0; i < ORACLE_NR_MSRS; i++)
		if (oracle.valid[cpu][i] &&
		    !oracle_read_msr(cpu, oracle_msrs[i].msr, &v[i]))
			v[i] = ~0ULL;
	__builtin_ia32_rdtscp(&aux);
	again = sched_getcpu();
	if (again != cpu)
		return;		/* moved while reading: nothing to compare */
	for (i = 0; i < ORACLE_NR_MSRS; i++)
		if (oracle.valid[cpu][i] && v[i] != oracle.msr[cpu][i])
			oracle_fail(oracle_msrs[i].name, oracle.msr[cpu][i], v[i]);
	if (oracle.valid[cpu][4] && aux != (uint32_t)oracle.msr[cpu][4])
		oracle_fail("TSC_AUX seen by RDTSCP", oracle.msr[cpu][4], aux);
}

/*
 * MINIVM_RUN with XMM15 holding a pattern across the system call: the
 * VMM thread's vector registers must come back as they went in.
 */
static long oracle_ioctl_run(int fd, uint64_t *xmm_after)
{
	static const uint64_t pattern[2] = {
		0x0123456789abcdefULL, 0xfedcba9876543210ULL,
	};
	uint64_t out[2];
	long ret;

	asm volatile("movdqu %[pat], %%xmm15\n\t"
		     "syscall\n\t"
		     "movdqu %%xmm15, %[out]"
		     : "=a" (ret), [out] "=m" (out)
		     : "0" ((long)SYS_ioctl), "D" ((long)fd),
		       "S" ((long)MINIVM_RUN), "d" (0L), [pat] "m" (pattern)
		     : "rcx", "r11", "xmm15", "memory");
	xmm_after[0] = out[0] ^ pattern[0];
	xmm_after[1] = out[1] ^ pattern[1];
	return ret;
}

/* guest_run() under the oracle: 0 or -errno, as minivm_run(). */
static int oracle_run(struct minivm_vcpu *cpu)
{
	struct oracle_thread before, after;
	uint64_t xmm[2], hits;
	long ret;

	/* Events are per task: arm one in the test's own process. */
	if (!oracle.bp_armed)
		oracle_arm_breakpoint();
	oracle_thread_state(&before);
	ret = oracle_ioctl_run(cpu->fd, xmm);
	oracle_thread_state(&after);
	if (xmm[0] | xmm[1])
		oracle_fail("XMM15 (bits changed)", 0, xmm[0] | xmm[1]);
#define ORACLE_SAME(f) do {						\
	if (before.f != after.f)					\
		oracle_fail(#f, before.f, after.f);			\
} while (0)
	ORACLE_SAME(ds);
	ORACLE_SAME(es);
	ORACLE_SAME(fs);
	ORACLE_SAME(gs);
	ORACLE_SAME(ss);
	ORACLE_SAME(fsbase);
	ORACLE_SAME(gsbase);
	ORACLE_SAME(mxcsr);
	ORACLE_SAME(xcr0);
	ORACLE_SAME(pkru);
#undef ORACLE_SAME
	oracle_check_msrs();
	if (oracle.bp_fd >= 0) {
		hits = oracle_bp_hits();
		oracle_bp_target++;
		if (oracle_bp_hits() != hits + 1)
			oracle_fail("host breakpoint hits after one write",
				    hits + 1, oracle_bp_hits());
	}
	return ret < 0 ? (int)ret : 0;
}

/* Record every CPU's MSRs and arm the breakpoint; guest_run() then checks. */
static void host_state_install(void)
{
	unsigned int a, b, c, d, i;
	int cpu, any = 0;

	if (oracle.installed)
		return;
	oracle.installed = true;
	/* To see each test's own verdict on a module the oracle fails. */
	if (getenv("MINIVM_NO_ORACLE")) {
		printf("# host-state oracle: off (MINIVM_NO_ORACLE)\n");
		return;
	}
	__cpuid(1, a, b, c, d);
	oracle.xsave = c & (1u << 27);				/* OSXSAVE */
	__cpuid_count(7, 0, a, b, c, d);
	oracle.pku = c & (1u << 4);				/* OSPKE */
	for (cpu = 0; cpu < ORACLE_MAX_CPUS; cpu++)
		for (i = 0; i < ORACLE_NR_MSRS; i++) {
			oracle.valid[cpu][i] = oracle_read_msr(cpu,
				oracle_msrs[i].msr, &oracle.msr[cpu][i]);
			any += oracle.valid[cpu][i];
		}
	if (!any)
		printf("# host-state oracle: no /dev/cpu/N/msr, MSRs unchecked\n");
	printf("# host-state oracle: XCR0 %s, PKRU %s\n",
	       oracle.xsave ? "checked" : "absent (no XSAVE)",
	       oracle.pku ? "checked" : "absent (no PKU)");
	oracle.bp_fd = -1;
	guest_run_via = oracle_run;
}

#endif /* MINIVM_HOST_STATE_H */

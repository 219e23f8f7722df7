// SPDX-License-Identifier: GPL-2.0
/*
 * Guests that misbehave on purpose.  Each case is one thing a guest might
 * try against its host, and the outcome minivm promises for it: an
 * exception inside the guest, a defined exit to userspace, or the guest
 * simply carrying on.  None of them may disturb the host; the test
 * machine's kernel-log check after the run covers that half.
 *
 * Most cases run in protected mode with an IDT whose 32 handlers report
 * their vector on port 80h, so "#UD" reads as the value 6 on that port.
 * A guest that expects no exception reports AAh when it is done; what it
 * checks on the way it checks with GUEST_ASSERT_EQ() (guest.h).
 * Guests that reach for memory that is not theirs are in
 * hostile_memory_test.c.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <asm/prctl.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"
#include "host_state.h"

/* Every guest here runs under the host-state oracle (host_state.h). */
static void __attribute__((constructor)) check_the_host(void)
{
	if (minivm_present())
		host_state_install();
}

#define IDT		0x7000UL
#define HANDLERS	0x11000UL	/* 8 bytes per vector */
#define DONE		0xaa		/* the guest saw what it should */

/* An IDT of 32 interrupt gates; handler v does "out v to 80h; hlt". */
static void install_idt(uint8_t *mem)
{
	uint64_t h, gate;
	int v;

	for (v = 0; v < 32; v++) {
		h = HANDLERS + v * 8;
		memcpy(mem + h, (uint8_t[]){ 0xb0, v, 0xe6, 0x80, 0xf4 }, 5);
		gate = guest_int_gate(0x08, h);
		memcpy(mem + IDT + v * 8, &gate, 8);
	}
	guest_write_dtr(mem, 32 * 8 - 1, IDT);
}

/* The byte the guest sent to port 80h, or -1 after any other exit. */
static int port80(struct guest *g)
{
	if (guest_run(g) != MINIVM_EXIT_IO || g->cpu.run->io.port != 0x80 ||
	    g->cpu.run->io.direction != MINIVM_EXIT_IO_OUT)
		return -1;
	return minivm_io_data(g->cpu.run)[0];
}

/*
 * The exception cases: each variant is a guest and the vector it must
 * end in (or DONE).  FAULT(name, vector, asm) adds one.
 */
FIXTURE(fault) {
	struct guest g;
};

FIXTURE_VARIANT(fault) {
	const struct guest_code *code;
	int vector;
	bool paged;		/* paged protected mode rather than flat */
	int xsave;		/* 1: needs XSAVE, -1: needs its absence */
};

FIXTURE_SETUP(fault)
{
	guest_init(&self->g);
}

FIXTURE_TEARDOWN(fault)
{
	guest_destroy(&self->g);
}

#define FAULT_GUEST(name, body)						\
	GUEST_CODE_ONLY(g_##name, 32, "lidt 0x7ff0\n" body "\n"	\
			"mov $0xaa, %al\n out %al, $0x80\n hlt")

#define FAULT(name, vec, body)						\
	FAULT_GUEST(name, body);					\
	FIXTURE_VARIANT_ADD(fault, name) { .code = g_##name, .vector = vec }

/* A case about XSAVE, which a CPU without it skips. */
#define FAULT_XSAVE(name, vec, body)					\
	FAULT_GUEST(name, body);					\
	FIXTURE_VARIANT_ADD(fault, name) {				\
		.code = g_##name, .vector = vec, .xsave = 1		\
	}

/* The same, in paged protected mode. */
#define FAULT_PAGED(name, vec, body)					\
	FAULT_GUEST(name, body);					\
	FIXTURE_VARIANT_ADD(fault, name) {				\
		.code = g_##name, .vector = vec, .paged = true		\
	}

#define UD 6
#define GP 13
#define DF 8

/* The VMX instructions, GETSEC, VMFUNC, MONITOR, MWAIT: all #UD. */
FAULT(ud2, UD, "ud2");
FAULT(vmxon, UD, "vmxon 0x3000");
FAULT(vmxoff, UD, "vmxoff");
FAULT(vmread, UD, ".byte 0x0f, 0x78, 0xc3");
FAULT(vmwrite, UD, ".byte 0x0f, 0x79, 0xc3");
FAULT(vmptrld, UD, "vmptrld 0x3000");
FAULT(vmptrst, UD, "vmptrst 0x3000");
FAULT(vmclear, UD, "vmclear 0x3000");
FAULT(vmlaunch, UD, "vmlaunch");
FAULT(vmresume, UD, "vmresume");
FAULT(vmcall_at_cpl0_is_fine, DONE, "xor %eax, %eax\n vmcall");
FAULT(invept, UD, ".byte 0x66, 0x0f, 0x38, 0x80, 0x05\n .long 0x3000");
FAULT(invvpid, UD, ".byte 0x66, 0x0f, 0x38, 0x81, 0x05\n .long 0x3000");
FAULT(getsec, UD, ".byte 0x0f, 0x37");
FAULT(vmfunc, UD, "xor %eax, %eax\n .byte 0x0f, 0x01, 0xd4");
FAULT(monitor, UD, "mov $0x3000, %eax\n xor %ecx, %ecx\n xor %edx, %edx\n"
		   ".byte 0x0f, 0x01, 0xc8");
FAULT(mwait, UD, "xor %eax, %eax\n xor %ecx, %ecx\n .byte 0x0f, 0x01, 0xc9");

/* MSRs the guest may not have: #GP, the host's values untouched. */
#define RDMSR(msr) "mov $" #msr ", %ecx\n rdmsr"
#define WRMSR(msr, hi, lo) "mov $" #msr ", %ecx\n mov $" #hi ", %edx\n" \
			   "mov $" #lo ", %eax\n wrmsr"
FAULT(rdmsr_vmx_basic, GP, RDMSR(0x480));
FAULT(rdmsr_vmx_ept_cap, GP, RDMSR(0x48c));
FAULT(wrmsr_feat_ctl, GP, WRMSR(0x3a, 0, 5));
FAULT(rdmsr_apic_base, GP, RDMSR(0x1b));
FAULT(wrmsr_mtrr_def_type, GP, WRMSR(0x2ff, 0, 0));
FAULT(rdmsr_nonexistent, GP, RDMSR(0x12345678));
/* MISC_ENABLE: a reserved bit (1; 22, LIMIT_CPUID, is writable). */
FAULT(wrmsr_misc_enable_reserved_bit, GP, WRMSR(0x1a0, 0, 0x1803));
/* No performance counters in CPUID: RDPMC of counter 0 raises #GP. */
FAULT(rdpmc, GP, "xor %ecx, %ecx\n rdpmc");
FAULT(wrmsr_efer_reserved_bit, GP, WRMSR(0xc0000080, 0, 2));
FAULT_PAGED(wrmsr_efer_lme_while_paging, GP, WRMSR(0xc0000080, 0, 0x100));
FAULT(wrmsr_pat_reserved_type, GP, WRMSR(0x277, 0, 0x02));
FAULT(wrmsr_mcg_cap_read_only, GP, WRMSR(0x179, 0, 0));
FAULT(wrmsr_mcg_status_reserved_bit, GP, WRMSR(0x17a, 0, 0x8));
FAULT(rdmsr_mc0_ctl_no_banks, GP, RDMSR(0x400));
FAULT(wrmsr_sysenter_eip_noncanonical, GP, WRMSR(0x176, 0x80000000, 0));

/* MSRs the guest has: what it writes it reads back. */
#define ROUND_TRIP(msr, hi, lo) WRMSR(msr, hi, lo) "\n" RDMSR(msr) "\n" \
	GUEST_ASSERT_EQ(lo, "%eax") GUEST_ASSERT_EQ(hi, "%edx")
FAULT(sysenter_eip_round_trip, DONE, ROUND_TRIP(0x176, 0, 0x12345678));
FAULT(sysenter_cs_round_trip, DONE, ROUND_TRIP(0x174, 0, 0x10));
FAULT(pat_round_trip, DONE, ROUND_TRIP(0x277, 0x00070406, 0x00070106));
FAULT(efer_nxe_round_trip, DONE, ROUND_TRIP(0xc0000080, 0, 0x800));
FAULT(fs_base_round_trip, DONE, ROUND_TRIP(0xc0000100, 0x1234, 0x5678000));
FAULT(kernel_gs_base_round_trip, DONE,
      ROUND_TRIP(0xc0000102, 0xffff8000, 0x1000));
/* The SYSCALL MSRs and TSC_AUX are the guest's own (msr.c). */
FAULT(star_round_trip, DONE, ROUND_TRIP(0xc0000081, 0x00230010, 0));
FAULT(lstar_round_trip, DONE, ROUND_TRIP(0xc0000082, 0xffffffff, 0x81000000));
FAULT(cstar_round_trip, DONE, ROUND_TRIP(0xc0000083, 0, 0x2000));
FAULT(sfmask_round_trip, DONE, ROUND_TRIP(0xc0000084, 0, 0x47700));
FAULT(tsc_aux_round_trip, DONE, ROUND_TRIP(0xc0000103, 0, 0x5a5));
FAULT(lstar_noncanonical, GP, WRMSR(0xc0000082, 0x80000000, 0));
FAULT(cstar_noncanonical, GP, WRMSR(0xc0000083, 0x00008000, 0));
/* TSC_AUX's bits 63:32 are reserved, whatever the CPU under minivm does. */
FAULT(tsc_aux_reserved_bits, GP, WRMSR(0xc0000103, 1, 0));
FAULT(feat_ctl_reads_locked_vmx_off, DONE,
      RDMSR(0x3a) "\n" GUEST_ASSERT_EQ(1, "%eax"));

/* CR4.VMXE is not the guest's; XSETBV with bad values. */
#define OSXSAVE "mov %cr4, %eax\n or $0x40000, %eax\n mov %eax, %cr4\n"
/* Without XSAVE, CR4.OSXSAVE is reserved: #GP, as on such a CPU. */
GUEST_CODE_ONLY(g_osxsave_no_xsave, 32, "lidt 0x7ff0\n" OSXSAVE "hlt");
FIXTURE_VARIANT_ADD(fault, osxsave_without_xsave) {
	.code = g_osxsave_no_xsave, .vector = GP, .xsave = -1
};
FAULT(cr4_vmxe, GP, "mov %cr4, %eax\n or $0x2000, %eax\n mov %eax, %cr4");
FAULT(xsetbv_without_osxsave, UD, "xor %ecx, %ecx\n mov $3, %eax\n"
				  "xor %edx, %edx\n xsetbv");
FAULT_XSAVE(xsetbv_xcr1, GP, OSXSAVE "mov $1, %ecx\n mov $3, %eax\n"
		       "xor %edx, %edx\n xsetbv");
FAULT_XSAVE(xsetbv_without_x87, GP, OSXSAVE "xor %ecx, %ecx\n mov $2, %eax\n"
			      "xor %edx, %edx\n xsetbv");
FAULT_XSAVE(xsetbv_avx_not_offered, GP, OSXSAVE "xor %ecx, %ecx\n mov $7, %eax\n"
				  "xor %edx, %edx\n xsetbv");
FAULT_XSAVE(xsetbv_sse_then_xgetbv, DONE, OSXSAVE "xor %ecx, %ecx\n mov $3, %eax\n"
				    "xor %edx, %edx\n xsetbv\n xgetbv\n"
				    GUEST_ASSERT_EQ(3, "%eax"));
FAULT_XSAVE(cpuid_osxsave_follows_cr4, DONE,
      "mov $1, %eax\n cpuid\n and $0x8000000, %ecx\n"
      GUEST_ASSERT_EQ(0, "%ecx") OSXSAVE
      "mov $1, %eax\n cpuid\n and $0x8000000, %ecx\n"
      GUEST_ASSERT_EQ(0x8000000, "%ecx"));

/*
 * Debug registers: the guest's own, starting as after RESET whatever the
 * host has armed (the oracle arms a breakpoint); DR4/DR5 and DR7.GD as on
 * bare metal; #DB from TF and from ICEBP reaches the guest's handler.
 */
FAULT(dr0_dr7_start_clean, DONE, "mov %dr0, %eax\n" GUEST_ASSERT_EQ(0, "%eax")
      "mov %dr7, %eax\n" GUEST_ASSERT_EQ(0x400, "%eax")
      "mov %dr6, %eax\n" GUEST_ASSERT_EQ(0xffff0ff0, "%eax"));
FAULT(dr_round_trip, DONE, "mov $0x1000, %eax\n mov %eax, %dr3\n"
      "mov $0x000000c0, %eax\n mov %eax, %dr7\n"
      "mov %dr3, %eax\n" GUEST_ASSERT_EQ(0x1000, "%eax")
      "mov %dr7, %eax\n" GUEST_ASSERT_EQ(0x4c0, "%eax"));
FAULT(dr4_with_cr4_de, UD, "mov %cr4, %eax\n or $8, %eax\n mov %eax, %cr4\n"
      "mov %dr4, %eax");
FAULT(dr7_general_detect, 1, "mov $0x2400, %eax\n mov %eax, %dr7\n"
      "mov %dr0, %eax");
FAULT(single_step_db, 1, "pushf\n orl $0x100, (%esp)\n popf\n nop");
FAULT(icebp_db, 1, ".byte 0xf1");

/* CR4 bits the guest does not have, and CR0 values that #GP. */
FAULT(cr4_pke, GP, "mov %cr4, %eax\n or $0x400000, %eax\n mov %eax, %cr4");
FAULT(cr4_la57, GP, "mov %cr4, %eax\n or $0x1000, %eax\n mov %eax, %cr4");
FAULT(cr4_smxe, GP, "mov %cr4, %eax\n or $0x4000, %eax\n mov %eax, %cr4");
FAULT(cr0_nw_without_cd, GP, "mov %cr0, %eax\n and $0x9fffffff, %eax\n"
      "or $0x20000000, %eax\n mov %eax, %cr0");

/* The guest's own MXCSR: the VMM's stays (the oracle checks). */
FAULT(mxcsr_scribble, DONE, "push $0x3f80\n ldmxcsr (%esp)\n pop %eax\n"
      "push $0\n stmxcsr (%esp)\n pop %eax\n" GUEST_ASSERT_EQ(0x3f80, "%eax"));

/* Cache control: done for the guest by doing nothing. */
FAULT(invd_is_skipped, DONE, "invd");
FAULT(wbinvd_is_skipped, DONE, "wbinvd");

/* Bad segments, a missing gate, an IDT too short. */
FAULT(far_jump_beyond_gdt, GP, "ljmp $0x80, $0");
FAULT(far_jump_to_data_segment, GP, "ljmp $0x10, $0");
FAULT(load_ds_beyond_gdt, GP, "mov $0x43, %ax\n mov %ax, %ds");
FAULT(load_ss_with_code_segment, GP, "mov $0x08, %ax\n mov %ax, %ss");
FAULT(int_beyond_idt_limit, GP, "int $0x40");
/* #GP whose gate is not present: #NP during #GP delivery is a #DF. */
FAULT(double_fault, DF, "andb $0x7f, 0x706d\n" RDMSR(0x480));

TEST_F(fault, outcome)
{
	NEED_MINIVM();
	if (variant->xsave > 0 && !cpu_has_flag("xsave"))
		SKIP(return, "the CPU has no XSAVE");
	if (variant->xsave < 0 && cpu_has_flag("xsave"))
		SKIP(return, "the CPU has XSAVE");
	ASSERT_EQ(0, guest_create(&self->g, variant->paged ?
				  MINIVM_MODE_PAGED : MINIVM_MODE_PROTECTED,
				  variant->code));
	install_idt(self->g.mem);
	EXPECT_EQ(variant->vector, port80(&self->g));
}

/*
 * Cases whose handler reports more than its vector: handler_says() puts
 * @handler at vector @vec's slot of install_idt()'s IDT, and returns what
 * the guest then sends to port 81h (0 after any other exit).
 */
static uint32_t handler_says(struct __test_metadata *_metadata,
			     const struct guest_code *code, int vec,
			     const uint8_t *handler, size_t len)
{
	uint32_t value = 0;
	struct guest g;

	if (guest_create(&g, MINIVM_MODE_PROTECTED, code))
		return 0;
	install_idt(g.mem);
	memcpy(g.mem + HANDLERS + vec * 8, handler, len);
	EXPECT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	if (g.cpu.run->exit_reason == MINIVM_EXIT_IO &&
	    g.cpu.run->io.port == 0x81)
		memcpy(&value, minivm_io_data(g.cpu.run), 4);
	guest_destroy(&g);
	return value;
}

/*
 * A fault pushes RFLAGS with RF set, whether the CPU delivers it (#UD of
 * UD2) or minivm injects it (#GP of an RDMSR it refuses, a MOV to CR4
 * with a reserved bit): the handler returns to the faulting instruction,
 * and RF keeps an instruction breakpoint there from firing again.  The
 * handlers report the pushed EFLAGS (after the error code, EIP and CS
 * for #GP; after EIP and CS for #UD).
 */
GUEST_CODE_ONLY(g_rf_rdmsr, 32, "lidt 0x7ff0\n" RDMSR(0x12345678) "\n hlt");
GUEST_CODE_ONLY(g_rf_cr4, 32, "lidt 0x7ff0\n mov $0xffffffff, %eax\n"
		"mov %eax, %cr4\n hlt");
GUEST_CODE_ONLY(g_rf_ud2, 32, "lidt 0x7ff0\n ud2\n hlt");

/* mov 12(%esp), %eax (8(%esp) without an error code); out %eax, $0x81 */
static const uint8_t gp_eflags[] = { 0x8b, 0x44, 0x24, 0x0c, 0xe7, 0x81, 0xf4 };
static const uint8_t ud_eflags[] = { 0x8b, 0x44, 0x24, 0x08, 0xe7, 0x81, 0xf4 };
#define RF (1U << 16)

TEST(faults_push_rf)
{
	NEED_MINIVM();
	EXPECT_EQ(RF, handler_says(_metadata, g_rf_ud2, UD, ud_eflags,
				   sizeof(ud_eflags)) & RF);
	EXPECT_EQ(RF, handler_says(_metadata, g_rf_rdmsr, GP, gp_eflags,
				   sizeof(gp_eflags)) & RF);
	EXPECT_EQ(RF, handler_says(_metadata, g_rf_cr4, GP, gp_eflags,
				   sizeof(gp_eflags)) & RF);
}

/*
 * A #DB replaces DR6's B0-B3 and adds its BD or BS, but leaves BT and
 * the BS of an earlier one, which only software clears ("Debug Status
 * Register (DR6)").  The guest sets BT and B1, then single-steps a NOP;
 * the #DB handler reports DR6: BT and BS, no B1.
 */
GUEST_CODE_ONLY(g_dr6_sticky, 32, "lidt 0x7ff0\n mov $0x8002, %eax\n"
		"mov %eax, %dr6\n pushf\n orl $0x100, (%esp)\n popf\n nop\n hlt");

/* mov %dr6, %eax; out %eax, $0x81; hlt */
static const uint8_t db_dr6[] = { 0x0f, 0x21, 0xf0, 0xe7, 0x81, 0xf4 };

TEST(db_keeps_dr6_sticky_bits)
{
	NEED_MINIVM();
	EXPECT_EQ(0xffffcff0, handler_says(_metadata, g_dr6_sticky, 1, db_dr6,
					   sizeof(db_dr6)));
}

/*
 * The cases every processor mode gets: GUEST_FIXTURE makes one variant
 * per mode.  The IDTR/GDTR image these guests load is written at 7FF0h.
 */
GUEST_FIXTURE(anymode);
FIXTURE_VARIANT_ADD(anymode, real) { .mode = MINIVM_MODE_REAL };
FIXTURE_VARIANT_ADD(anymode, protected) { .mode = MINIVM_MODE_PROTECTED };
FIXTURE_VARIANT_ADD(anymode, paged) { .mode = MINIVM_MODE_PAGED };
FIXTURE_VARIANT_ADD(anymode, long) { .mode = MINIVM_MODE_LONG };

/* An empty IDT: the first exception is a triple fault, a shutdown. */
GUEST_CODE(g_triple, "lidt 0x7ff0\n int3\n hlt");

TEST_F(anymode, triple_fault_is_shutdown)
{
	GUEST_START(g_triple);
	guest_write_dtr(self->g.mem, 0, 0);
	EXPECT_EQ(MINIVM_EXIT_SHUTDOWN, guest_run(&self->g));
}

/* HLT with interrupts off would never wake: it goes to userspace. */
GUEST_CODE(g_cli_hlt, "cli\n hlt\n hlt");

TEST_F(anymode, hlt_with_interrupts_off_exits)
{
	GUEST_START(g_cli_hlt);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/* A spin with interrupts off still comes back, after the budget. */
GUEST_CODE(g_cli_spin, "cli\n 1: jmp 1b");

TEST_F(anymode, spin_with_interrupts_off_ends_at_budget)
{
	GUEST_START(g_cli_spin);
	self->g.cpu.run->exit_budget = 3;
	EXPECT_EQ(MINIVM_EXIT_BUDGET, guest_run(&self->g));
	EXPECT_EQ(MINIVM_EXIT_BUDGET, guest_run(&self->g));
}

/*
 * A spin on PAUSE, as a guest spins on a lock or waits for another vCPU:
 * where the CPU has PAUSE-loop exiting, a loop longer than minivm's
 * window exits (basic reason 40, "PAUSE instruction"), and the host has
 * its CPU back long before the guest's time slice is over.  The loop is
 * short: in Bochs a second of it takes half a minute (design.rst, "Spin
 * loops").
 */
#define EXIT_PAUSE		40
#define PROC2_PAUSE_LOOP	(1u << 10)

static bool cpu_has_pause_loop_exiting(void)
{
	struct minivm_vmx_caps c;
	int dev = minivm_open_device();
	bool has;

	if (dev < 0)
		return false;
	has = !minivm_get_vmx_caps(dev, &c) &&
	      ((c.procbased_ctls2 >> 32) & PROC2_PAUSE_LOOP);
	close(dev);
	return has;
}

GUEST_CODE(g_pause_loop, "mov $100000, %ecx\n 1: pause\n dec %ecx\n"
	   " jnz 1b\n hlt");

TEST_F(anymode, pause_loop_exits)
{
	long before = minivm_exit_count(EXIT_PAUSE);

	if (!cpu_has_pause_loop_exiting())
		SKIP(return, "the CPU has no PAUSE-loop exiting");
	if (before < 0)
		SKIP(return, "no debugfs: the exits cannot be counted");
	GUEST_START(g_pause_loop);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
	EXPECT_LT(before, minivm_exit_count(EXIT_PAUSE));
}

/* The host's MSR @msr on @cpu, through the msr driver; -1 if unreadable. */
static uint64_t host_msr(int cpu, uint32_t msr)
{
	char path[64];
	uint64_t v = -1;
	int fd;

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (pread(fd, &v, 8, msr) != 8)
		v = -1;
	close(fd);
	return v;
}

/*
 * A guest writes every MSR it is allowed to: its values stay its own.
 * The host's SYSENTER, PAT, EFER, SYSCALL and TSC_AUX MSRs read the same
 * before and after, and this thread's own FS base (its TLS) is unharmed.
 */
GUEST_CODE_ONLY(g_msr_writer, 32,
	WRMSR(0x174, 0, 0x33) "\n" WRMSR(0x175, 0, 0x7000) "\n"
	WRMSR(0x176, 0, 0x12345678) "\n" WRMSR(0x277, 0, 0) "\n"
	WRMSR(0xc0000080, 0, 0x800) "\n" WRMSR(0xc0000100, 0, 0x1000) "\n"
	WRMSR(0xc0000101, 0, 0x2000) "\n" WRMSR(0xc0000102, 0, 0x3000) "\n"
	WRMSR(0xc0000081, 0x00230010, 0) "\n"
	WRMSR(0xc0000082, 0xffffffff, 0x81000000) "\n"
	WRMSR(0xc0000083, 0xffff8000, 0x2000) "\n"
	WRMSR(0xc0000084, 0, 0x47700) "\n" WRMSR(0xc0000103, 0, 0x5a5) "\n"
	"hlt");

TEST(host_msrs_survive_the_guest)
{
	static const uint32_t msrs[] = {
		0x174, 0x175, 0x176, 0x277, 0xc0000080, 0xc0000081,
		0xc0000082, 0xc0000083, 0xc0000084, 0xc0000103,
	};
	uint64_t before[10], fs_before = 0, fs_after = 1, gs_before = 0;
	uint64_t gs_after = 1;
	struct guest g;
	size_t i;

	NEED_MINIVM();
	if (host_msr(0, 0x176) == (uint64_t)-1)
		SKIP(return, "no /dev/cpu/0/msr (msr module not loaded)");
	ASSERT_EQ(0, pin_to_cpu(0));
	for (i = 0; i < 10; i++)
		before[i] = host_msr(0, msrs[i]);
	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_before);
	syscall(SYS_arch_prctl, ARCH_GET_GS, &gs_before);

	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_msr_writer));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);

	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_after);
	syscall(SYS_arch_prctl, ARCH_GET_GS, &gs_after);
	EXPECT_EQ(fs_before, fs_after);
	EXPECT_EQ(gs_before, gs_after);
	for (i = 0; i < 10; i++)
		EXPECT_EQ(before[i], host_msr(0, msrs[i]))
			TH_LOG("MSR %#x", msrs[i]);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Single-stepping (RFLAGS.TF) where minivm, not the CPU, finishes the
 * instruction (CPUID and VMCALL among them, and each iteration of a REP
 * OUTS), the #DB traps that meet other events, ICEBP, and data
 * breakpoints in a MOV-SS shadow.  What the guest must see is the SDM's
 * order ("Priority Among Concurrent Events" in the interrupt chapter): a
 * trap on the previous instruction comes before an NMI or an external
 * interrupt, and a debug exception ends a HLT.
 *
 * Every guest has the same #DB handler.  It stores the address it would
 * return to at STEP_EIP, the EFLAGS it would return with at STEP_EFLAGS
 * and DR6 at STEP_DR6, clears DR6, and asks the test with an IN from
 * port 83h whether to go on stepping: 0 clears TF in the RFLAGS it
 * returns to.  So the test meets each #DB as one IN exit, and expect_db()
 * reads like a line of the expected trace.  The NMI handler only counts,
 * at NMI_COUNT; the interrupt (40h) handler counts at IRQ_COUNT and keeps
 * the EFLAGS it was given at IRQ_EFLAGS.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "lapic_guest.h"

#define STEP_EIP	0x5000
#define STEP_DR6	0x5004
#define STEP_EFLAGS	0x5008
#define NMI_COUNT	0x5010
#define IRQ_COUNT	0x5014
#define IRQ_EFLAGS	0x5018
#define EFLAGS_RF	0x10000
#define DR6_BS		0xffff4ff0	/* DR6 after a single step */
#define DR6_NONE	0xffff0ff0	/* after ICEBP: no status bit */

#define STEP_HANDLERS							\
	"0:" SLOT(0x10)							\
	"push %eax\n mov 4(%esp), %eax\n mov %eax, 0x5000\n"		\
	"mov 12(%esp), %eax\n mov %eax, 0x5008\n"			\
	"mov %dr6, %eax\n mov %eax, 0x5004\n"				\
	"mov $0xffff0ff0, %eax\n mov %eax, %dr6\n"			\
	"in $0x83, %al\n test %al, %al\n jnz 1f\n"			\
	"andl $0xfffffeff, 12(%esp)\n 1: pop %eax\n iret\n"		\
	SLOT(0x60) "incl 0x5010\n iret\n"				\
	SLOT(0x70) "push %eax\n mov 12(%esp), %eax\n mov %eax, 0x5018\n"	\
	"pop %eax\n incl 0x5014\n iret\n"
#define TF_ON		"pushf\n orl $0x100, (%esp)\n popf\n"

/* Interrupt-window exiting, for a local APIC and for MINIVM_INTERRUPT. */
#define NEED_WINDOWS() do {						\
	NEED_MINIVM();							\
	if (!has_extension(MINIVM_CAP_LAPIC))				\
		SKIP(return, "no MINIVM_CAP_LAPIC: no interrupt-window exiting"); \
} while (0)

static const struct lapic_handler handlers[] = {
	{ 1, 0x10 }, { 2, 0x60 }, { 0x40, 0x70 },
};

/* The guest-physical address of @bytes, found in @code's 32-bit blob. */
static uint32_t addr_of(const struct guest_code *code, const char *bytes,
			size_t len)
{
	const struct guest_code *c = &code[MINIVM_MODE_PROTECTED];
	const char *at = memmem(c->start, c->end - c->start, bytes, len);

	return at ? GUEST_CODE_ADDR + (at - c->start) : 0;
}

/*
 * STEP_FIXTURE(fx): a guest per test, destroyed after it, and no alarm
 * left behind.  The variants are each fixture's own.
 */
#define STEP_FIXTURE(fx)						\
	FIXTURE(fx) {							\
		struct guest g;						\
	};								\
	FIXTURE_SETUP(fx)						\
	{								\
		guest_init(&self->g);					\
	}								\
	FIXTURE_TEARDOWN(fx)						\
	{								\
		alarm(0);						\
		guest_destroy(&self->g);				\
	}

/*
 * The next exit is the #DB handler's question: check where the #DB
 * would return to and DR6, and answer whether to keep stepping.
 */
static void expect_db(struct __test_metadata *_metadata, struct guest *g,
		      uint32_t eip, uint32_t dr6, bool again)
{
	struct minivm_run *run = g->cpu.run;
	int exit = guest_run(g);

	ASSERT_EQ(MINIVM_EXIT_IO, exit)
		TH_LOG("%s, not the #DB handler", exit < 0 ?
		       strerror(-exit) : minivm_exit_name(exit));
	ASSERT_EQ(0x83, run->io.port)
		TH_LOG("I/O to %#x, not the #DB handler", run->io.port);
	EXPECT_EQ(eip, *(uint32_t *)(g->mem + STEP_EIP));
	EXPECT_EQ(dr6, *(uint32_t *)(g->mem + STEP_DR6));
	minivm_io_data(run)[0] = again;
}

/*
 * HLT, single-stepped: minivm carries it out, and its #DB trap then ends
 * the halt at once, as a debug exception ends a real CPU's halt (SDM Vol.
 * 2A, "HLT").  With interrupts masked the vCPU does not return
 * MINIVM_EXIT_HLT; with a local APIC and interrupts enabled it does not
 * sleep in the kernel (on a module that did, the alarm below ends RUN).
 */
STEP_FIXTURE(halt);

FIXTURE_VARIANT(halt) {
	const struct guest_code *code;
	bool lapic;
};

GUEST_CODE_ONLY(g_cli_hlt, 32, STEP_HANDLERS MAIN "cli\n" TF_ON
		"nop\n hlt\n out %al, $0x84\n cli\n hlt");
GUEST_CODE_ONLY(g_sti_hlt, 32, STEP_HANDLERS MAIN "sti\n" TF_ON
		"nop\n hlt\n out %al, $0x84\n cli\n hlt");

FIXTURE_VARIANT_ADD(halt, interrupts_masked) { .code = g_cli_hlt };
FIXTURE_VARIANT_ADD(halt, with_a_wake_source) {
	.code = g_sti_hlt, .lapic = true };

static void on_alarm(int sig)
{
}

TEST_F(halt, single_stepped_does_not_halt)
{
	uint32_t hlt = addr_of(variant->code, "\x90\xf4\xe6\x84", 4) + 1;
	struct sigaction sa = { .sa_handler = on_alarm };

	NEED_WINDOWS();
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, slots_start(&self->g, MINIVM_MODE_PROTECTED,
				 variant->code, handlers, ARRAY_SIZE(handlers),
				 variant->lapic));
	alarm(10);
	expect_db(_metadata, &self->g, hlt, DR6_BS, true);	/* NOP */
	expect_db(_metadata, &self->g, hlt + 1, DR6_BS, false);	/* HLT */
	lapic_expect_out(_metadata, &self->g, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/*
 * An OUT that userspace completes, single-stepped, while userspace queues
 * an external interrupt or an NMI: the OUT's #DB trap goes first, with
 * its return address right after the OUT; the event follows (SDM: traps
 * on the previous instruction come before NMIs and interrupts).  On
 * a module that injected the event first, the single step was lost and
 * the next #DB came one instruction later.
 */
STEP_FIXTURE(race);

FIXTURE_VARIANT(race) {
	bool nmi;
};

FIXTURE_VARIANT_ADD(race, interrupt) { .nmi = false };
FIXTURE_VARIANT_ADD(race, nmi) { .nmi = true };

GUEST_CODE_ONLY(g_race, 32, STEP_HANDLERS MAIN "sti\n" TF_ON
		"nop\n out %al, $0x87\n nop\n nop\n"
		"mov 0x5014, %eax\n out %eax, $0x84\n"
		"mov 0x5010, %eax\n out %eax, $0x85\n cli\n hlt");

TEST_F(race, step_trap_before_the_event)
{
	uint32_t out = addr_of(g_race, "\xe6\x87\x90\x90", 4);
	struct guest *g = &self->g;

	NEED_WINDOWS();
	ASSERT_EQ(0, slots_start(g, MINIVM_MODE_PROTECTED, g_race, handlers,
				 ARRAY_SIZE(handlers), false));
	expect_db(_metadata, g, out, DR6_BS, true);		/* NOP */
	lapic_expect_out(_metadata, g, 0x87);
	if (variant->nmi) {
		ASSERT_EQ(0, minivm_nmi(&g->cpu));
	} else {
		ASSERT_EQ(0, minivm_interrupt(&g->cpu, 0x40));
	}
	expect_db(_metadata, g, out + 2, DR6_BS, false);	/* OUT */
	EXPECT_EQ(!variant->nmi, lapic_expect_out(_metadata, g, 0x84));
	EXPECT_EQ(variant->nmi, lapic_expect_out(_metadata, g, 0x85));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * ICEBP (INT1, F1h) is a trap that sets no DR6 status bit, and no single
 * step follows it: minivm steps over it as it exits and gives the #DB to
 * the guest.  After MOV SS the single step of the MOV is held back by the
 * shadow and then lost in ICEBP's #DB, which comes first.
 */
GUEST_CODE_ONLY(g_icebp, 32, STEP_HANDLERS MAIN TF_ON
		"nop\n .byte 0xf1, 0xf1\n nop\n out %al, $0x84\n cli\n hlt");
GUEST_CODE_ONLY(g_icebp_movss, 32, STEP_HANDLERS MAIN "mov %ss, %ax\n"
		TF_ON "mov %ax, %ss\n .byte 0xf1, 0xf1\n nop\n"
		"out %al, $0x84\n cli\n hlt");

STEP_FIXTURE(icebp);

FIXTURE_VARIANT(icebp) {
	const struct guest_code *code;
	bool nop_first;		/* TF takes effect on a NOP before ICEBP */
};

FIXTURE_VARIANT_ADD(icebp, plain) { .code = g_icebp, .nop_first = true };
FIXTURE_VARIANT_ADD(icebp, in_a_mov_ss_shadow) { .code = g_icebp_movss };

TEST_F(icebp, is_a_trap_without_status)
{
	uint32_t icebp = addr_of(variant->code, "\xf1\xf1\x90", 3);
	struct guest *g = &self->g;

	NEED_MINIVM();
	ASSERT_EQ(0, slots_start(g, MINIVM_MODE_PROTECTED, variant->code,
				 handlers, ARRAY_SIZE(handlers), false));
	if (variant->nop_first)
		expect_db(_metadata, g, icebp, DR6_BS, true);	/* NOP */
	expect_db(_metadata, g, icebp + 1, DR6_NONE, true);	/* ICEBP */
	expect_db(_metadata, g, icebp + 2, DR6_NONE, true);	/* ICEBP */
	expect_db(_metadata, g, icebp + 3, DR6_BS, false);	/* NOP */
	lapic_expect_out(_metadata, g, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(g));
}

/*
 * CPUID and a NOP hypercall, answered in the kernel without a trip to
 * userspace: each still ends with its #DB trap, at the next instruction.
 */
GUEST_CODE_ONLY(g_fast, 32, STEP_HANDLERS MAIN TF_ON
		"nop\n xor %eax, %eax\n cpuid\n xor %eax, %eax\n vmcall\n"
		"nop\n out %al, $0x84\n cli\n hlt");

TEST(cpuid_and_vmcall_step_like_any_instruction)
{
	uint32_t nop = addr_of(g_fast, "\x90\x31\xc0\x0f\xa2\x31\xc0"
			       "\x0f\x01\xc1\x90", 11);
	struct guest g;

	NEED_MINIVM();
	ASSERT_NE(0, nop);
	ASSERT_EQ(0, slots_start(&g, MINIVM_MODE_PROTECTED, g_fast, handlers,
				 ARRAY_SIZE(handlers), false));
	expect_db(_metadata, &g, nop + 1, DR6_BS, true);	/* NOP */
	expect_db(_metadata, &g, nop + 3, DR6_BS, true);	/* XOR */
	expect_db(_metadata, &g, nop + 5, DR6_BS, true);	/* CPUID */
	expect_db(_metadata, &g, nop + 7, DR6_BS, true);	/* XOR */
	expect_db(_metadata, &g, nop + 10, DR6_BS, false);	/* VMCALL */
	lapic_expect_out(_metadata, &g, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);
}

/*
 * REP OUTSB, which the kernel carries out for the VMM an exit at a
 * time.  The guest's string (at STRING, "abcd") lies across a page.
 */
#define STRING		0x20ffe
#define STRING_LOAD	"mov $0x20ffe, %esi\n mov $0x86, %dx\n"

static void put_string(struct guest *g)
{
	memcpy(g->mem + STRING, "abcd", 4);
}

/* The next exit is the OUTS's: @n bytes to port 86h, from @bytes. */
static void expect_outs(struct __test_metadata *_metadata, struct guest *g,
			unsigned int n, const char *bytes)
{
	struct minivm_run *run = g->cpu.run;
	int exit = guest_run(g);

	ASSERT_EQ(MINIVM_EXIT_IO, exit) TH_LOG("%s, not the OUTS",
		exit < 0 ? strerror(-exit) : minivm_exit_name(exit));
	ASSERT_EQ(0x86, run->io.port);
	ASSERT_EQ(n, run->io.count)
		TH_LOG("%u bytes in one exit, not one iteration's", run->io.count);
	EXPECT_EQ(0, memcmp(minivm_io_data(run), bytes, n));
}

/*
 * Single-stepped, REP OUTSB traps after each iteration, not only after
 * the last ("Single-Step Exception Condition"), so the kernel moves one
 * byte per exit.  The traps of the iterations before the last return to
 * the instruction itself, and push RF = 1 so that the return does not
 * hit an instruction breakpoint there again ("Instruction-Breakpoint
 * Exception Condition"); the last one returns past it, with RF = 0.  A
 * module that moved the three bytes in one exit failed here.
 */
GUEST_CODE_ONLY(g_rep_outs, 32, STEP_HANDLERS MAIN "mov $3, %ecx\n"
		STRING_LOAD TF_ON "rep outsb\n nop\n out %al, $0x84\n cli\n hlt");

TEST(rep_outs_traps_after_each_iteration)
{
	uint32_t rep = addr_of(g_rep_outs, "\xf3\x6e\x90\xe6\x84", 5);
	uint32_t *eflags;
	struct guest g;
	int i;

	NEED_MINIVM();
	ASSERT_NE(0, rep);
	ASSERT_EQ(0, slots_start(&g, MINIVM_MODE_PROTECTED, g_rep_outs,
				 handlers, ARRAY_SIZE(handlers), false));
	put_string(&g);
	eflags = (uint32_t *)(g.mem + STEP_EFLAGS);
	for (i = 0; i < 3; i++) {
		expect_outs(_metadata, &g, 1, "abc" + i);
		expect_db(_metadata, &g, i < 2 ? rep : rep + 2, DR6_BS, i < 2);
		EXPECT_EQ(i < 2 ? EFLAGS_RF : 0, *eflags & EFLAGS_RF)
			TH_LOG("iteration %d: EFLAGS %#x pushed", i + 1, *eflags);
	}
	lapic_expect_out(_metadata, &g, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);
}

/*
 * An interrupt that comes between two exits of one REP OUTSB (the kernel
 * stops the first at the page's end) pushes RF = 1 as well: it comes
 * after an iteration that is not the last.  A module that left RF clear
 * failed here.
 */
GUEST_CODE_ONLY(g_rep_irq, 32, STEP_HANDLERS MAIN "sti\n mov $4, %ecx\n"
		STRING_LOAD "rep outsb\n mov 0x5018, %eax\n out %eax, $0x84\n"
		"mov 0x5014, %eax\n out %eax, $0x85\n cli\n hlt");

TEST(interrupt_between_rep_iterations_pushes_rf)
{
	struct guest g;
	uint32_t pushed;

	NEED_WINDOWS();
	ASSERT_EQ(0, slots_start(&g, MINIVM_MODE_PROTECTED, g_rep_irq,
				 handlers, ARRAY_SIZE(handlers), false));
	put_string(&g);
	expect_outs(_metadata, &g, 2, "ab");	/* to the page's end */
	ASSERT_EQ(0, minivm_interrupt(&g.cpu, 0x40));
	expect_outs(_metadata, &g, 2, "cd");
	pushed = lapic_expect_out(_metadata, &g, 0x84);
	EXPECT_EQ(EFLAGS_RF, pushed & EFLAGS_RF)
		TH_LOG("EFLAGS %#x pushed", pushed);
	EXPECT_EQ(1, lapic_expect_out(_metadata, &g, 0x85));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);
}

/*
 * A data breakpoint (DR1, read or write, 4 bytes at WATCHED) is a trap
 * after the instruction that touched it, reported in DR6.B1; after MOV
 * SS it waits one more instruction, held by the shadow.  (When that
 * instruction is INT n, the #DB should come at the first instruction of
 * INT n's handler; Bochs loses it, testing.rst says more.)
 */
#define WATCHED	"0x5020"
GUEST_CODE_ONLY(g_watch, 32, STEP_HANDLERS MAIN
		"mov %ss, %ax\n mov %ax, " WATCHED "\n"
		"mov $" WATCHED ", %eax\n mov %eax, %dr1\n"
		"mov $0x00f00008, %eax\n mov %eax, %dr7\n"
		"mov " WATCHED ", %eax\n nop\n"
		"mov " WATCHED ", %ss\n nop\n nop\n"
		"xor %eax, %eax\n mov %eax, %dr7\n out %al, $0x84\n cli\n hlt");

TEST(data_breakpoint_after_mov_ss)
{
	uint32_t load = addr_of(g_watch, "\xa1\x20\x50\x00\x00\x90", 6);
	uint32_t movss = addr_of(g_watch, "\x8e\x15\x20\x50\x00\x00\x90", 7);
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, slots_start(&g, MINIVM_MODE_PROTECTED, g_watch, handlers,
				 ARRAY_SIZE(handlers), false));
	expect_db(_metadata, &g, load + 5, 0xffff0ff2, false);	/* MOV */
	expect_db(_metadata, &g, movss + 7, 0xffff0ff2, false);	/* NOP */
	lapic_expect_out(_metadata, &g, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU saved between two of its instructions and restored in a new VM
 * goes on there as it would have at home.  What lies between the two
 * instructions and is no register is in MINIVM_GET_VCPU_EVENTS: here, the
 * two parts of it that a plain run does not show (kmod/event_state.c):
 *
 *   - a vCPU asleep in a HLT stays asleep: RUN in the new VM sleeps
 *     until an interrupt, and does not run the instruction after the HLT;
 *   - a single step's #DB, due after an instruction minivm carried out
 *     (an OUT), is delivered in the new VM, before the next instruction.
 *
 * The copy is what a VMM saving a vCPU would take: guest memory, then
 * registers, special registers, the local APIC, and the events last, as
 * SET judges them against the registers already in place.  The new VM is
 * made from the same code and has run as far as its first OUT, which
 * leaves nothing of its own in the state the copy replaces.
 */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "lapic_guest.h"

#define IF		(1U << 9)
#define TF		(1U << 8)
#define DR6_BS		0x4000U
#define WAKE_VECTOR	0x30

/* Copy @from's memory and vCPU into @to, a VM made from the same code. */
static int copy_vcpu(struct guest *from, struct guest *to, bool lapic)
{
	struct minivm_lapic_state apic;
	struct minivm_vcpu_events ev;
	struct minivm_sregs s;
	struct minivm_regs r;
	int ret;

	memcpy(to->mem, from->mem, GUEST_MEM_SIZE);
	ret = minivm_get_regs(&from->cpu, &r);
	if (!ret)
		ret = minivm_set_regs(&to->cpu, &r);
	if (!ret)
		ret = minivm_get_sregs(&from->cpu, &s);
	if (!ret)
		ret = minivm_set_sregs(&to->cpu, &s);
	if (!ret && lapic)
		ret = minivm_get_lapic(&from->cpu, &apic);
	if (!ret && lapic)
		ret = minivm_set_lapic(&to->cpu, &apic);
	if (!ret)
		ret = minivm_get_vcpu_events(&from->cpu, &ev);
	return ret ? ret : minivm_set_vcpu_events(&to->cpu, &ev);
}

/* Does GET_VCPU_EVENTS carry the halt and the debug trap?  (Cap 2.) */
static bool events_carry_activity(void)
{
	int fd = minivm_open_device();
	bool ok = fd >= 0 &&
		  minivm_check_extension(fd, MINIVM_CAP_VCPU_EVENTS) >= 2;

	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * RUN, with SIGALRM 50 ms later to end a sleep: -EINTR if the vCPU
 * slept, else 0 with the exit.  The alarm is gone after it.
 */
static int run_with_alarm(struct guest *g)
{
	int ret;

	lapic_alarm_in(50);
	ret = minivm_run(&g->cpu);
	lapic_alarm_in(0);
	return ret;
}

/* Two guests, home and away, with local APICs used both ways. */
FIXTURE(restore) {
	struct guest home, away;
	bool ready;
};

FIXTURE_VARIANT(restore) {
	enum minivm_mode mode;
	bool emulated;
};

FIXTURE_VARIANT_ADD(restore, protected) { .mode = MINIVM_MODE_PROTECTED };
FIXTURE_VARIANT_ADD(restore, long) { .mode = MINIVM_MODE_LONG };
FIXTURE_VARIANT_ADD(restore, long_emulated) {
	.mode = MINIVM_MODE_LONG, .emulated = true };

FIXTURE_SETUP(restore)
{
	guest_init(&self->home);
	guest_init(&self->away);
	self->ready = minivm_present();
	if (!self->ready)
		SKIP(return, "no " MINIVM_DEV ": module not loaded");
	if (!events_carry_activity())
		SKIP(return, "MINIVM_CAP_VCPU_EVENTS below 2: no halted state");
	LAPIC_SETUP;
}

FIXTURE_TEARDOWN(restore)
{
	guest_destroy(&self->home);
	guest_destroy(&self->away);
	apicv_param_set(-1);
}

/*
 * STI; HLT with nothing armed: the vCPU sleeps until an interrupt.  Its
 * handler reports on 81h; after the HLT the guest reports on 84h.  The
 * OUT to 80h before it marks the end of MAIN's preamble.
 */
GUEST_CODE(g_halt,
	"0:" XHANDLER(0x00, 0x81)
	MAIN APIC_PAGE SVR_ON "out %al, $0x80\n sti\n hlt\n out %al, $0x84\n"
	"cli\n hlt");

static const struct lapic_handler wake[] = { { WAKE_VECTOR, 0x00 } };

/*
 * Start @g and run it through MAIN's preamble, which maps the pages an
 * interrupt's delivery touches (lapic_guest.h says why that matters on
 * Bochs).  Home then halts and is stopped asleep by a signal; away stops
 * there, its state about to be replaced by home's.
 */
static int start(struct __test_metadata *_metadata, struct guest *g,
		 enum minivm_mode mode)
{
	int ret = lapic_start(g, mode, g_halt, wake, 1);

	if (!ret)
		lapic_expect_out(_metadata, g, 0x80);
	return ret;
}

static int halt_home(struct __test_metadata *_metadata, struct guest *home,
		     enum minivm_mode mode)
{
	int ret = start(_metadata, home, mode);

	if (ret)
		return ret;
	ret = run_with_alarm(home);
	return ret == -EINTR && home->cpu.run->exit_reason == MINIVM_EXIT_INTR ?
	       0 : -EPROTO;
}

/*
 * The copy sleeps on: its RUN ends only at a signal, RIP stays after the
 * HLT, and the interrupt that wakes it runs the handler before the rest.
 */
TEST_F(restore, halted_vcpu_sleeps_on_in_the_new_vm)
{
	struct minivm_vcpu_events ev;
	struct minivm_regs before, after;

	NEED_LAPIC();
	ASSERT_EQ(0, halt_home(_metadata, &self->home, variant->mode));
	ASSERT_EQ(0, minivm_get_vcpu_events(&self->home.cpu, &ev));
	EXPECT_EQ(1, ev.halted);
	ASSERT_EQ(0, start(_metadata, &self->away, variant->mode));
	ASSERT_EQ(0, copy_vcpu(&self->home, &self->away, true));
	ASSERT_EQ(0, minivm_get_vcpu_events(&self->away.cpu, &ev));
	EXPECT_EQ(1, ev.halted);
	ASSERT_EQ(0, minivm_get_regs(&self->away.cpu, &before));

	EXPECT_EQ(-EINTR, run_with_alarm(&self->away))
		TH_LOG("the copy ran on: %s",
		       minivm_exit_name(self->away.cpu.run->exit_reason));
	ASSERT_EQ(0, minivm_get_regs(&self->away.cpu, &after));
	EXPECT_EQ(before.rip, after.rip);

	EXPECT_EQ(1, minivm_signal_msi(self->away.vm, 0xfee00000, WAKE_VECTOR));
	lapic_expect_out(_metadata, &self->away, 0x81);
	lapic_expect_out(_metadata, &self->away, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->away));
}

/* SET with halted 0 ends the halt: the guest runs on after its HLT. */
TEST_F(restore, set_wakes_a_halted_vcpu)
{
	struct minivm_vcpu_events ev;

	NEED_LAPIC();
	ASSERT_EQ(0, halt_home(_metadata, &self->home, variant->mode));
	ASSERT_EQ(0, minivm_get_vcpu_events(&self->home.cpu, &ev));
	ev.halted = 0;
	ASSERT_EQ(0, minivm_set_vcpu_events(&self->home.cpu, &ev));
	ASSERT_EQ(0, run_with_alarm(&self->home)) TH_LOG("it slept on");
	EXPECT_EQ(MINIVM_EXIT_IO, self->home.cpu.run->exit_reason);
	EXPECT_EQ(0x84, self->home.cpu.run->io.port);	/* no interrupt */
}

/* Change RFLAGS by @set and @clear; 0 or -errno. */
static int change_rflags(struct guest *g, uint64_t set, uint64_t clear)
{
	struct minivm_regs r;
	int ret = minivm_get_regs(&g->cpu, &r);

	r.rflags = (r.rflags | set) & ~clear;
	return ret ? ret : minivm_set_regs(&g->cpu, &r);
}

/*
 * A vCPU is halted only where HLT would have put it to sleep (halt.c):
 * with a local APIC, RFLAGS.IF set and TF clear, and nothing injected,
 * shadowed or due right after the HLT.  Anything else is EINVAL and the
 * vCPU stays as it was.
 */
TEST_F(restore, halt_refused_where_hlt_would_not_sleep)
{
	struct minivm_vcpu_events ev, bad, back;

	NEED_LAPIC();
	ASSERT_EQ(0, halt_home(_metadata, &self->home, variant->mode));
	ASSERT_EQ(0, minivm_get_vcpu_events(&self->home.cpu, &ev));
	ASSERT_EQ(1, ev.halted);

	bad = ev;
	bad.injected = MINIVM_EVENT_EXTINT;
	bad.vector = WAKE_VECTOR;
	EXPECT_EQ(-EINVAL, minivm_set_vcpu_events(&self->home.cpu, &bad));
	bad = ev;
	bad.shadow = MINIVM_SHADOW_STI;
	EXPECT_EQ(-EINVAL, minivm_set_vcpu_events(&self->home.cpu, &bad));
	bad = ev;
	bad.pending_debug = DR6_BS;
	EXPECT_EQ(-EINVAL, minivm_set_vcpu_events(&self->home.cpu, &bad));
	ASSERT_EQ(0, change_rflags(&self->home, TF, 0));
	EXPECT_EQ(-EINVAL, minivm_set_vcpu_events(&self->home.cpu, &ev));
	ASSERT_EQ(0, change_rflags(&self->home, 0, TF | IF));
	EXPECT_EQ(-EINVAL, minivm_set_vcpu_events(&self->home.cpu, &ev));
	ASSERT_EQ(0, change_rflags(&self->home, IF, 0));

	ASSERT_EQ(0, minivm_get_vcpu_events(&self->home.cpu, &back));
	EXPECT_EQ(0, memcmp(&ev, &back, sizeof(ev)));

	/* A VM without local APICs: nothing could ever wake it. */
	ASSERT_EQ(0, slots_start(&self->away, variant->mode, g_halt, wake, 1,
				 false));
	ASSERT_EQ(0, change_rflags(&self->away, IF, 0));
	EXPECT_EQ(-EINVAL, minivm_set_vcpu_events(&self->away.cpu, &ev));
}

/*
 * The step after an OUT.  The #DB handler reports the EIP it would
 * return to (91h) and DR6 (93h).  The test sets TF at the OUT to 82h;
 * minivm finishes that OUT and leaves the step's trap due (pending debug
 * exceptions), to be delivered before the NOP that follows.  A copy
 * without it would run the NOP first on a CPU; Bochs steps at the entry
 * itself and hides that (testing.rst), so GET's pending_debug is checked
 * as well as where the #DB comes.
 */
GUEST_CODE_ONLY(g_step, 32,
	"0:" SLOT(0x10) "mov (%esp), %eax\n" REPORT(0x91)
	"mov %dr6, %eax\n" REPORT(0x93) "cli\n hlt\n"
	MAIN "out %al, $0x80\n out %al, $0x82\n nop\n cli\n hlt");

static const struct lapic_handler db[] = { { 1, 0x10 } };

/* Run @g to the OUT to 82h with TF set, as a VMM would find it. */
static void step_to_82h(struct __test_metadata *_metadata, struct guest *g)
{
	ASSERT_EQ(0, slots_start(g, MINIVM_MODE_PROTECTED, g_step, db, 1, false));
	lapic_expect_out(_metadata, g, 0x80);
	ASSERT_EQ(0, change_rflags(g, TF, 0));
	lapic_expect_out(_metadata, g, 0x82);
}

TEST(step_trap_due_after_an_out_goes_with_the_vcpu)
{
	struct guest home, away;
	struct minivm_vcpu_events ev;
	uint32_t eip_home;

	NEED_MINIVM();
	if (!events_carry_activity())
		SKIP(return, "MINIVM_CAP_VCPU_EVENTS below 2: no pending_debug");
	step_to_82h(_metadata, &home);
	ASSERT_EQ(0, minivm_get_vcpu_events(&home.cpu, &ev));
	EXPECT_EQ(DR6_BS, ev.pending_debug);
	ASSERT_EQ(0, slots_start(&away, MINIVM_MODE_PROTECTED, g_step, db, 1,
				 false));
	ASSERT_EQ(0, copy_vcpu(&home, &away, false));

	/* At home: the #DB comes at the NOP, after the OUT. */
	eip_home = lapic_expect_out(_metadata, &home, 0x91);
	EXPECT_EQ(guest_rip(&away), eip_home);
	EXPECT_EQ(DR6_BS, lapic_expect_out(_metadata, &home, 0x93) & DR6_BS);
	/* Away: the same #DB at the same place, not one instruction later. */
	EXPECT_EQ(eip_home, lapic_expect_out(_metadata, &away, 0x91));
	EXPECT_EQ(DR6_BS, lapic_expect_out(_metadata, &away, 0x93) & DR6_BS);
	guest_destroy(&home);
	guest_destroy(&away);
}

TEST_HARNESS_MAIN

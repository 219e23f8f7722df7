// SPDX-License-Identifier: GPL-2.0
/*
 * MINIVM_GET_VCPU_EVENTS and MINIVM_SET_VCPU_EVENTS: the events between
 * two of the guest's instructions.  An exception userspace injects
 * reaches the guest's handler as the CPU would deliver it (error code,
 * RF in the pushed EFLAGS of a fault, CR2 or DR6 from the payload); an
 * interrupt, an NMI and INT n likewise; the state reads back as it was
 * written; and SET refuses, with EINVAL and nothing changed, every
 * event VM entry would refuse.
 *
 * The guest (32-bit protected mode) stops at an OUT to port 80h; the
 * test then sets the events and runs it on.  Its handlers report what
 * they were given with OUTs: 90h the error code, 91h the EIP pushed, 92h
 * CR2, 93h DR6, 94h the EFLAGS pushed, 95h the EIP an interrupt pushed.
 * Without an event the guest goes on to an OUT to 81h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "lapic_guest.h"

#define RF		(1U << 16)
#define IF		(1U << 9)
#define DR6_BS		0xffff4ff0U

#define HANDLERS							\
	"0:" SLOT(0x10)		/* no error code: #DE, #DB */		\
	"mov (%esp), %eax\n" REPORT(0x91)				\
	"mov 8(%esp), %eax\n" REPORT(0x94)				\
	"mov %dr6, %eax\n" REPORT(0x93) "cli\n hlt\n"			\
	SLOT(0x50)		/* an error code: #GP, #PF */		\
	"mov (%esp), %eax\n" REPORT(0x90)				\
	"mov 4(%esp), %eax\n" REPORT(0x91)				\
	"mov 12(%esp), %eax\n" REPORT(0x94)				\
	"mov %cr2, %eax\n" REPORT(0x92) "cli\n hlt\n"			\
	SLOT(0xa0)		/* NMI, interrupts, INT n */		\
	"mov (%esp), %eax\n" REPORT(0x95) "cli\n hlt\n"

/*
 * The IRET to the next instruction is for Bochs 2.7, whose VM entry
 * blocks NMIs when the guest state says so but never unblocks them when
 * it does not: a guest the previous test left in its NMI handler would
 * leave this one's NMIs blocked until an IRET (testing.rst).  On a CPU
 * it is a plain far return.
 */
GUEST_CODE_ONLY(g_events, 32, HANDLERS MAIN
		"pushf\n push %cs\n call 8f\n 8: addl $(9f - 8b), (%esp)\n"
		"iret\n 9:"
		"out %al, $0x80\n nop\n nop\n out %al, $0x81\n cli\n hlt");

static const struct lapic_handler handlers[] = {
	{ 0, 0x10 }, { 1, 0x10 }, { 13, 0x50 }, { 14, 0x50 },
	{ 2, 0xa0 }, { 0x40, 0xa0 }, { 0x80, 0xa0 },
};

FIXTURE(events) {
	struct guest g;
	uint32_t eip;		/* where the guest stands after OUT 80h */
};

FIXTURE_SETUP(events)
{
	const struct guest_code *c = &g_events[MINIVM_MODE_PROTECTED];
	const char *out = memmem(c->start, c->end - c->start, "\xe6\x80\x90", 3);

	NEED_MINIVM();
	if (!has_extension(MINIVM_CAP_VCPU_EVENTS))
		SKIP(return, "no MINIVM_CAP_VCPU_EVENTS");
	ASSERT_NE(NULL, out);
	self->eip = GUEST_CODE_ADDR + (out - c->start) + 2;
	ASSERT_EQ(0, slots_start(&self->g, MINIVM_MODE_PROTECTED, g_events,
				 handlers, ARRAY_SIZE(handlers), false));
	lapic_expect_out(_metadata, &self->g, 0x80);
}

FIXTURE_TEARDOWN(events)
{
	guest_destroy(&self->g);
}

static int get_events(struct guest *g, struct minivm_vcpu_events *ev)
{
	memset(ev, 0xa5, sizeof(*ev));		/* all of it must be written */
	return ioctl(g->cpu.fd, MINIVM_GET_VCPU_EVENTS, ev) ? -errno : 0;
}

static int set_events(struct guest *g, const struct minivm_vcpu_events *ev)
{
	return ioctl(g->cpu.fd, MINIVM_SET_VCPU_EVENTS, ev) ? -errno : 0;
}

static void set_if(struct __test_metadata *_metadata, struct guest *g)
{
	struct minivm_regs r;

	ASSERT_EQ(0, minivm_get_regs(&g->cpu, &r));
	r.rflags |= IF;
	ASSERT_EQ(0, minivm_set_regs(&g->cpu, &r));
}

/* Between two instructions of a plain guest, nothing waits or blocks. */
TEST_F(events, nothing_pending_after_an_out)
{
	struct minivm_vcpu_events ev, zero = { 0 };

	ASSERT_EQ(0, get_events(&self->g, &ev));
	EXPECT_EQ(0, memcmp(&ev, &zero, sizeof(ev)))
		TH_LOG("injected %u vector %u irq %u nmi %u masked %u shadow %u halted %u pending_debug %#llx padding %u reserved %#llx %#llx %#llx",
		       ev.injected, ev.vector, ev.irq_pending, ev.nmi_pending,
		       ev.nmi_masked, ev.shadow, ev.halted,
		       (unsigned long long)ev.pending_debug, ev.padding,
		       (unsigned long long)ev.reserved[0],
		       (unsigned long long)ev.reserved[1],
		       (unsigned long long)ev.reserved[2]);
	EXPECT_EQ(0, set_events(&self->g, &ev));
	lapic_expect_out(_metadata, &self->g, 0x81);	/* and nothing went in */
}

/*
 * #GP(1234h): the handler gets the error code and the EIP of the
 * instruction it faulted on, with RF set in the EFLAGS pushed, as for any
 * fault (SDM Vol. 3A, "Resume Flag").  GET sees it before the entry.
 */
TEST_F(events, exception_with_error_code)
{
	struct minivm_vcpu_events ev = {
		.injected = MINIVM_EVENT_EXCEPTION, .vector = 13,
		.has_error_code = 1, .error_code = 0x1234,
	}, back;

	ASSERT_EQ(0, set_events(&self->g, &ev));
	ASSERT_EQ(0, get_events(&self->g, &back));
	EXPECT_EQ(0, memcmp(&ev, &back, sizeof(ev)));
	EXPECT_EQ(0x1234, lapic_expect_out(_metadata, &self->g, 0x90));
	EXPECT_EQ(self->eip, lapic_expect_out(_metadata, &self->g, 0x91));
	EXPECT_EQ(RF, lapic_expect_out(_metadata, &self->g, 0x94) & RF);
	lapic_expect_out(_metadata, &self->g, 0x92);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/* A #PF's payload is its CR2. */
TEST_F(events, page_fault_with_cr2)
{
	struct minivm_vcpu_events ev = {
		.injected = MINIVM_EVENT_EXCEPTION, .vector = 14,
		.has_error_code = 1, .error_code = 2,
		.has_payload = 1, .payload = 0xdeadb00c,
	};

	ASSERT_EQ(0, set_events(&self->g, &ev));
	EXPECT_EQ(2, lapic_expect_out(_metadata, &self->g, 0x90));
	EXPECT_EQ(self->eip, lapic_expect_out(_metadata, &self->g, 0x91));
	lapic_expect_out(_metadata, &self->g, 0x94);
	EXPECT_EQ(0xdeadb00c, lapic_expect_out(_metadata, &self->g, 0x92));
}

/* A #DB's payload goes to DR6, and a trap sets no RF. */
TEST_F(events, debug_trap_with_dr6)
{
	struct minivm_vcpu_events ev = {
		.injected = MINIVM_EVENT_EXCEPTION, .vector = 1,
		.has_payload = 1, .payload = 0x4000,	/* BS */
	};

	ASSERT_EQ(0, set_events(&self->g, &ev));
	EXPECT_EQ(self->eip, lapic_expect_out(_metadata, &self->g, 0x91));
	EXPECT_EQ(0, lapic_expect_out(_metadata, &self->g, 0x94) & RF);
	EXPECT_EQ(DR6_BS, lapic_expect_out(_metadata, &self->g, 0x93));
}

/* A divide error pushes no error code; it is a fault, so RF is set. */
TEST_F(events, divide_error)
{
	struct minivm_vcpu_events ev = {
		.injected = MINIVM_EVENT_EXCEPTION, .vector = 0,
	};

	ASSERT_EQ(0, set_events(&self->g, &ev));
	EXPECT_EQ(self->eip, lapic_expect_out(_metadata, &self->g, 0x91));
	EXPECT_EQ(RF, lapic_expect_out(_metadata, &self->g, 0x94) & RF);
}

/* An external interrupt goes in with IF set, returning to the same EIP. */
TEST_F(events, external_interrupt)
{
	struct minivm_vcpu_events ev = {
		.injected = MINIVM_EVENT_EXTINT, .vector = 0x40,
	};

	set_if(_metadata, &self->g);
	ASSERT_EQ(0, set_events(&self->g, &ev));
	EXPECT_EQ(self->eip, lapic_expect_out(_metadata, &self->g, 0x95));
}

/* INT n, as an exit would have cut it short: it returns past itself. */
TEST_F(events, software_interrupt)
{
	struct minivm_vcpu_events ev = {
		.injected = MINIVM_EVENT_SOFT_INT, .vector = 0x80,
		.instruction_len = 2,
	}, back;

	ASSERT_EQ(0, set_events(&self->g, &ev));
	ASSERT_EQ(0, get_events(&self->g, &back));
	EXPECT_EQ(0, memcmp(&ev, &back, sizeof(ev)));
	EXPECT_EQ(self->eip + 2, lapic_expect_out(_metadata, &self->g, 0x95));
}

/* An injected NMI, with virtual NMIs. */
TEST_F(events, nmi)
{
	struct minivm_vcpu_events ev = {
		.injected = MINIVM_EVENT_NMI, .vector = 2,
	};

	if (!has_extension(MINIVM_CAP_NMI))
		SKIP(return, "no virtual NMIs");
	ASSERT_EQ(0, set_events(&self->g, &ev));
	EXPECT_EQ(self->eip, lapic_expect_out(_metadata, &self->g, 0x95));
}

/*
 * What waits and what blocks reads back as written, and can be taken
 * back: a queued interrupt, a pending NMI, NMIs blocked, an STI shadow.
 */
TEST_F(events, state_round_trip)
{
	struct minivm_vcpu_events ev = {
		.irq_pending = 1, .irq_vector = 0x41, .shadow = MINIVM_SHADOW_STI,
	}, back, zero = { 0 };

	if (!has_extension(MINIVM_CAP_NMI) || !has_extension(MINIVM_CAP_INTERRUPT))
		SKIP(return, "no virtual NMIs or no interrupt-window exiting");
	ev.nmi_pending = ev.nmi_masked = 1;
	set_if(_metadata, &self->g);
	ASSERT_EQ(0, set_events(&self->g, &ev));
	ASSERT_EQ(0, get_events(&self->g, &back));
	EXPECT_EQ(0, memcmp(&ev, &back, sizeof(ev)));
	ASSERT_EQ(0, set_events(&self->g, &zero));
	ASSERT_EQ(0, get_events(&self->g, &back));
	EXPECT_EQ(0, memcmp(&zero, &back, sizeof(zero)));
	lapic_expect_out(_metadata, &self->g, 0x81);	/* nothing went in */
}

/*
 * An STI shadow set over a single step: SET marks the step's trap
 * pending (GET shows it), as the CPU holds it after a real STI, or entry
 * would fail ("Checks on Guest Non-Register State").  The shadow blocks
 * interrupts, not a #DB: entry delivers it at once ("Delivery of Pending
 * Debug Exceptions after VM Entry"), before the instruction the shadow
 * covers.
 */
TEST_F(events, shadow_over_a_single_step)
{
	struct minivm_vcpu_events ev = { .shadow = MINIVM_SHADOW_STI };
	struct minivm_regs r;

	ASSERT_EQ(0, minivm_get_regs(&self->g.cpu, &r));
	r.rflags |= IF | 0x100;		/* TF */
	ASSERT_EQ(0, minivm_set_regs(&self->g.cpu, &r));
	ASSERT_EQ(0, set_events(&self->g, &ev));
	ASSERT_EQ(0, get_events(&self->g, &ev));
	EXPECT_EQ(0x4000, ev.pending_debug);	/* BS */
	EXPECT_EQ(self->eip, lapic_expect_out(_metadata, &self->g, 0x91));
	lapic_expect_out(_metadata, &self->g, 0x94);
	EXPECT_EQ(DR6_BS, lapic_expect_out(_metadata, &self->g, 0x93) & DR6_BS);
}

/* Each of these would fail VM entry, or is not an event at all. */
static const struct bad_event {
	const char *why;
	struct minivm_vcpu_events ev;
} bad_events[] = {
	{ "exception vector 32",
	  { .injected = MINIVM_EVENT_EXCEPTION, .vector = 32 } },
	{ "#GP without its error code",
	  { .injected = MINIVM_EVENT_EXCEPTION, .vector = 13 } },
	{ "#DE with an error code",
	  { .injected = MINIVM_EVENT_EXCEPTION, .has_error_code = 1 } },
	{ "an error code above 16 bits",
	  { .injected = MINIVM_EVENT_EXCEPTION, .vector = 13,
	    .has_error_code = 1, .error_code = 0x10000 } },
	{ "vector 2 as an exception",
	  { .injected = MINIVM_EVENT_EXCEPTION, .vector = 2 } },
	{ "an NMI that is not vector 2",
	  { .injected = MINIVM_EVENT_NMI, .vector = 3 } },
	{ "an unknown kind", { .injected = 7 } },
	{ "INT n without its length", { .injected = MINIVM_EVENT_SOFT_INT } },
	{ "INT n of 16 bytes",
	  { .injected = MINIVM_EVENT_SOFT_INT, .instruction_len = 16 } },
	{ "a length for a hardware exception",
	  { .injected = MINIVM_EVENT_EXCEPTION, .instruction_len = 1 } },
	{ "INT3 as vector 5",
	  { .injected = MINIVM_EVENT_SOFT_EXCEPTION, .vector = 5,
	    .instruction_len = 1 } },
	{ "a payload for #GP",
	  { .injected = MINIVM_EVENT_EXCEPTION, .vector = 13,
	    .has_error_code = 1, .has_payload = 1 } },
	{ "DR6 bits that are not B0-B3, BD, BS, BT",
	  { .injected = MINIVM_EVENT_EXCEPTION, .vector = 1,
	    .has_payload = 1, .payload = 0x10 } },
	{ "both shadows",
	  { .shadow = MINIVM_SHADOW_STI | MINIVM_SHADOW_MOV_SS } },
	{ "an STI shadow with IF clear", { .shadow = MINIVM_SHADOW_STI } },
	{ "an interrupt with IF clear",
	  { .injected = MINIVM_EVENT_EXTINT, .vector = 0x40 } },
	{ "an interrupt in a MOV-SS shadow",
	  { .injected = MINIVM_EVENT_EXTINT, .vector = 0x40,
	    .shadow = MINIVM_SHADOW_MOV_SS } },
	{ "an NMI while NMIs are blocked",
	  { .injected = MINIVM_EVENT_NMI, .vector = 2, .nmi_masked = 1 } },
	{ "a vector with no interrupt queued", { .irq_vector = 0x40 } },
	{ "a flag of 2", { .nmi_pending = 2 } },
	{ "a halt flag of 2", { .halted = 2 } },
	{ "a halt without a local APIC or IF", { .halted = 1 } },
	{ "pending debug bits other than B0-B3, bit 12 and BS",
	  { .pending_debug = 0x10 } },
	{ "BS pending in a MOV-SS shadow without TF",
	  { .shadow = MINIVM_SHADOW_MOV_SS, .pending_debug = 0x4000 } },
	{ "padding", { .padding = 1 } },
	{ "reserved", { .reserved = { [2] = 1 } } },
};

/* Refused with EINVAL, and nothing changes: the guest goes on to 81h. */
TEST_F(events, what_entry_would_refuse)
{
	struct minivm_vcpu_events before, after;
	unsigned int i;

	ASSERT_EQ(0, get_events(&self->g, &before));
	for (i = 0; i < ARRAY_SIZE(bad_events); i++) {
		EXPECT_EQ(-EINVAL, set_events(&self->g, &bad_events[i].ev))
			TH_LOG("%s was accepted", bad_events[i].why);
		ASSERT_EQ(0, get_events(&self->g, &after));
		EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)))
			TH_LOG("%s changed the state", bad_events[i].why);
	}
	EXPECT_EQ(-EFAULT, set_events(&self->g, (void *)8));
	EXPECT_EQ(-EFAULT, ioctl(self->g.cpu.fd, MINIVM_GET_VCPU_EVENTS, 8) ? -errno : 0);
	lapic_expect_out(_metadata, &self->g, 0x81);
}

TEST_HARNESS_MAIN

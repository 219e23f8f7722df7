// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts and NMIs raised by userspace (MINIVM_INTERRUPT, MINIVM_NMI),
 * in real, protected, paged and long mode: each goes in only when the
 * guest can take it (IF set, no STI shadow; no NMI being handled), the
 * window handshake of the run page says when that is, and the guest's
 * handler runs with the vector that was raised.
 *
 * The guest's code starts with its handlers, so that their offsets are
 * known: a short jump over them, the interrupt handler at 2 (OUT to 81h),
 * the NMI handler at 8 (OUT to 82h, then 83h).  Each ends with IRET of the
 * mode's width: 48h CFh is IRETQ in 64-bit code, DEC (E)AX then IRET in
 * 16- and 32-bit code, where the handlers do not care about (E)AX.
 */
#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"

#define IRQ_HANDLER	2
#define NMI_HANDLER	8
#define VECTOR		0x30

#define HANDLERS							\
	".byte 0xeb, 12\n"			/* jmp over the handlers */ \
	"mov $0x11, %al\n out %al, $0x81\n .byte 0x48, 0xcf\n"		\
	"out %al, $0x82\n out %al, $0x83\n .byte 0x48, 0xcf\n"

GUEST_FIXTURE(irq);
FIXTURE_VARIANT_ADD(irq, real) { .mode = MINIVM_MODE_REAL };
FIXTURE_VARIANT_ADD(irq, protected) { .mode = MINIVM_MODE_PROTECTED };
FIXTURE_VARIANT_ADD(irq, paged) { .mode = MINIVM_MODE_PAGED };
FIXTURE_VARIANT_ADD(irq, long) { .mode = MINIVM_MODE_LONG };

/* Does /dev/minivm answer MINIVM_CHECK_EXTENSION with nonzero? */
static bool has_cap(long cap)
{
	int fd = open_dev();
	long ret = fd < 0 ? 0 : ioctl(fd, MINIVM_CHECK_EXTENSION, cap);

	if (fd >= 0)
		close(fd);
	return ret > 0;
}

/* The next exit is an OUT to @port. */
static void expect_port(struct __test_metadata *_metadata, struct guest *g,
			uint16_t port)
{
	int exit = guest_run(g);

	ASSERT_EQ(MINIVM_EXIT_IO, exit)
		TH_LOG("%s, not an OUT to %#x", minivm_exit_name(exit), port);
	EXPECT_EQ(MINIVM_EXIT_IO_OUT, g->cpu.run->io.direction);
	EXPECT_EQ(port, g->cpu.run->io.port);
}

static void start(struct __test_metadata *_metadata, struct guest *g,
		  enum minivm_mode mode, const struct guest_code *code)
{
	ASSERT_EQ(0, guest_create(g, mode, code));
	ASSERT_EQ(0, guest_set_handler(g, mode, VECTOR, IRQ_HANDLER));
	ASSERT_EQ(0, guest_set_handler(g, mode, 2, NMI_HANDLER));
}

/*
 * An interrupt raised while the guest has IF clear waits; it goes in right
 * after the instruction that follows STI (the STI shadow), before the next
 * OUT.  Only one can be queued.  While the guest is halted with IF set, an
 * interrupt runs the handler and the guest halts again.
 */
GUEST_CODE(g_sti,
	HANDLERS
	"cli\n out %al, $0x80\n sti\n nop\n out %al, $0x84\n"
	"1: hlt\n jmp 1b");

TEST_F(irq, waits_for_sti_and_its_shadow)
{
	struct minivm_run *run;

	if (!self->ready)
		SKIP(return, "no " MINIVM_DEV);
	start(_metadata, &self->g, variant->mode, g_sti);
	run = self->g.cpu.run;

	expect_port(_metadata, &self->g, 0x80);
	EXPECT_EQ(0, run->if_flag);
	EXPECT_EQ(0, run->ready_for_interrupt_injection);
	ASSERT_EQ(0, minivm_interrupt(&self->g.cpu, VECTOR));
	EXPECT_EQ(-EEXIST, minivm_interrupt(&self->g.cpu, VECTOR + 1));
	expect_port(_metadata, &self->g, 0x81);	/* the handler */
	expect_port(_metadata, &self->g, 0x84);	/* after its IRET */
	EXPECT_EQ(1, run->if_flag);
	EXPECT_EQ(1, run->ready_for_interrupt_injection);

	ASSERT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
	ASSERT_EQ(0, minivm_interrupt(&self->g.cpu, VECTOR));
	expect_port(_metadata, &self->g, 0x81);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/*
 * request_interrupt_window: RUN returns with MINIVM_EXIT_IRQ_WINDOW_OPEN
 * as soon as the guest can take an interrupt, here after STI and the
 * instruction in its shadow; an interrupt raised then goes in at once.
 */
GUEST_CODE(g_window,
	HANDLERS
	"cli\n out %al, $0x80\n nop\n sti\n nop\n out %al, $0x84\n hlt");

TEST_F(irq, window_opens_after_sti)
{
	struct minivm_run *run;
	struct minivm_regs r;

	if (!self->ready)
		SKIP(return, "no " MINIVM_DEV);
	start(_metadata, &self->g, variant->mode, g_window);
	run = self->g.cpu.run;

	expect_port(_metadata, &self->g, 0x80);
	run->request_interrupt_window = 1;
	ASSERT_EQ(MINIVM_EXIT_IRQ_WINDOW_OPEN, guest_run(&self->g));
	EXPECT_EQ(1, run->if_flag);
	EXPECT_EQ(1, run->ready_for_interrupt_injection);
	ASSERT_EQ(0, minivm_get_regs(&self->g.cpu, &r));
	/* cli, out, nop, sti, nop: 1 + 2 + 1 + 1 + 1 bytes after the jump */
	EXPECT_EQ(14 + 6, r.rip - (variant->mode == MINIVM_MODE_REAL ?
				   0 : GUEST_CODE_ADDR));
	run->request_interrupt_window = 0;
	ASSERT_EQ(0, minivm_interrupt(&self->g.cpu, VECTOR));
	expect_port(_metadata, &self->g, 0x81);
	expect_port(_metadata, &self->g, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/*
 * An NMI is taken whatever IF says, and a second one waits until the
 * handler of the first has executed IRET ("NMI Handling" in the SDM).
 */
GUEST_CODE(g_nmi,
	HANDLERS
	"cli\n out %al, $0x80\n hlt");

TEST_F(irq, nmi_is_blocked_until_iret)
{
	struct minivm_run *run;
	struct minivm_regs r;

	if (!self->ready)
		SKIP(return, "no " MINIVM_DEV);
	if (!has_cap(MINIVM_CAP_NMI))
		SKIP(return, "no virtual NMIs on this CPU");
	start(_metadata, &self->g, variant->mode, g_nmi);
	run = self->g.cpu.run;

	expect_port(_metadata, &self->g, 0x80);
	ASSERT_EQ(0, minivm_nmi(&self->g.cpu));
	expect_port(_metadata, &self->g, 0x82);
	ASSERT_EQ(0, minivm_nmi(&self->g.cpu));
	expect_port(_metadata, &self->g, 0x83);	/* not nested */
	expect_port(_metadata, &self->g, 0x82);	/* after the IRET */
	expect_port(_metadata, &self->g, 0x83);
	ASSERT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
	ASSERT_EQ(0, minivm_get_regs(&self->g.cpu, &r));
	EXPECT_EQ(0, r.rflags & 0x200);		/* IF still clear */
	EXPECT_EQ(0, run->if_flag);
}

/* Arguments: a vector is 0-255, padding is 0, MINIVM_NMI takes none. */
TEST_F(irq, bad_arguments_are_einval)
{
	struct minivm_interrupt irq = { .vector = 0x20, .padding = 1 };

	if (!self->ready)
		SKIP(return, "no " MINIVM_DEV);
	if (variant->mode != MINIVM_MODE_REAL)
		SKIP(return, "the same in every mode");
	start(_metadata, &self->g, variant->mode, g_sti);
	EXPECT_EQ(-EINVAL, minivm_interrupt(&self->g.cpu, 256));
	EXPECT_EQ(-1, ioctl(self->g.cpu.fd, MINIVM_INTERRUPT, &irq));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->g.cpu.fd, MINIVM_INTERRUPT, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->g.cpu.fd, MINIVM_NMI, 1));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing was queued by the refused calls. */
	expect_port(_metadata, &self->g, 0x80);
	expect_port(_metadata, &self->g, 0x84);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

TEST_HARNESS_MAIN

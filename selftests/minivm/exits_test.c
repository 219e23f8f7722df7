// SPDX-License-Identifier: GPL-2.0
/*
 * The exits of a guest, in real, protected, paged and long mode: HLT,
 * port I/O of every size, CPUID, MMIO, an exit minivm does not handle (a
 * task switch), and a failed VM entry.  Each guest is a few
 * instructions, assembled for every mode (guest.h).  What a guest may
 * not do (VMX instructions, MSRs it does not have, a triple fault) is
 * hostile_test's.
 */
#define _GNU_SOURCE
#include <string.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"

GUEST_FIXTURE(exits);
FIXTURE_VARIANT_ADD(exits, real) { .mode = MINIVM_MODE_REAL };
FIXTURE_VARIANT_ADD(exits, protected) { .mode = MINIVM_MODE_PROTECTED };
FIXTURE_VARIANT_ADD(exits, paged) { .mode = MINIVM_MODE_PAGED };
FIXTURE_VARIANT_ADD(exits, long) { .mode = MINIVM_MODE_LONG };

/* The code's address as the guest's RIP sees it (real mode: CS-relative). */
static uint64_t code_rip(enum minivm_mode mode, uint64_t offset)
{
	return (mode == MINIVM_MODE_REAL ? 0 : GUEST_CODE_ADDR) + offset;
}

GUEST_CODE(g_hlt, "hlt");

TEST_F(exits, hlt)
{
	GUEST_START(g_hlt);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
	EXPECT_EQ(code_rip(variant->mode, 1), guest_rip(&self->g));
}

/*
 * The guest's assertion channel (guest.h) itself: a check that holds
 * costs no exit, one that fails reports its line, what it expected and
 * what it found, and guest_run() says -EPROTO.
 */
GUEST_CODE(g_assert, "mov $5, %eax\n" GUEST_ASSERT_EQ(5, "%eax")
	   "mov $3, %edx\n" GUEST_ASSERT_EQ(0x1234, "%edx") "hlt");
static const unsigned int g_assert_line = __LINE__ - 1;

TEST_F(exits, guest_assertion_names_line_and_values)
{
	struct minivm_regs r;

	GUEST_START(g_assert);
	EXPECT_EQ(-EPROTO, guest_run(&self->g));
	ASSERT_EQ(0, minivm_get_regs(&self->g.cpu, &r));
	EXPECT_EQ(g_assert_line, (uint32_t)r.rax);
	EXPECT_EQ(0x1234, (uint32_t)r.rbx);
	EXPECT_EQ(3, (uint32_t)r.rcx);
}

/*
 * A state the CPU refuses to enter, though MINIVM_SET_SREGS takes it: TR
 * marked unusable.  VM entry checks the guest's segment registers ("Checks
 * on Guest Segment Registers": TR must be usable) and fails with basic
 * reason 33, "VM-entry failure due to invalid guest state"; minivm says so
 * with MINIVM_EXIT_FAIL_ENTRY.  A failed entry changes nothing: with the
 * state put right, the same vCPU runs.
 */
TEST_F(exits, invalid_guest_state_fails_entry)
{
	struct minivm_run *run;
	struct minivm_sregs sr;

	GUEST_START(g_hlt);
	run = self->g.cpu.run;
	ASSERT_EQ(0, minivm_get_sregs(&self->g.cpu, &sr));
	sr.tr.unusable = 1;
	ASSERT_EQ(0, minivm_set_sregs(&self->g.cpu, &sr));
	ASSERT_EQ(MINIVM_EXIT_FAIL_ENTRY, guest_run(&self->g));
	EXPECT_EQ(33, run->fail_entry.hardware_entry_failure_reason);
	EXPECT_EQ(0, run->fail_entry.vm_instruction_error);
	EXPECT_EQ(code_rip(variant->mode, 0), guest_rip(&self->g));

	sr.tr.unusable = 0;
	ASSERT_EQ(0, minivm_set_sregs(&self->g.cpu, &sr));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
	EXPECT_EQ(code_rip(variant->mode, 1), guest_rip(&self->g));
}

/* An OUT exit: port, size, direction and the data, then continue. */
static void expect_out(struct __test_metadata *_metadata, struct guest *g,
		       uint16_t port, uint8_t size, uint32_t value)
{
	struct minivm_run *run = g->cpu.run;
	uint32_t data = 0;

	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(g));
	EXPECT_EQ(MINIVM_EXIT_IO_OUT, run->io.direction);
	EXPECT_EQ(port, run->io.port);
	EXPECT_EQ(size, run->io.size);
	EXPECT_EQ(1, run->io.count);
	memcpy(&data, minivm_io_data(run), size);
	EXPECT_EQ(value, data);
}

/* An IN exit: answer it with @value. */
static void answer_in(struct __test_metadata *_metadata, struct guest *g,
		      uint16_t port, uint8_t size, uint32_t value)
{
	struct minivm_run *run = g->cpu.run;

	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(g));
	EXPECT_EQ(MINIVM_EXIT_IO_IN, run->io.direction);
	EXPECT_EQ(port, run->io.port);
	EXPECT_EQ(size, run->io.size);
	memcpy(minivm_io_data(run), &value, size);
}

GUEST_CODE(g_out,
	"mov $0x41, %al\n out %al, $0xe9\n"
	"mov $0x4243, %ax\n out %ax, $0x80\n"
	"mov $0x44454647, %eax\n mov $0x3f8, %dx\n out %eax, %dx\n"
	"hlt");

TEST_F(exits, out_of_every_size)
{
	GUEST_START(g_out);
	expect_out(_metadata, &self->g, 0xe9, 1, 0x41);
	expect_out(_metadata, &self->g, 0x80, 2, 0x4243);
	expect_out(_metadata, &self->g, 0x3f8, 4, 0x44454647);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/* IN of each size; the guest echoes each value back with OUT. */
GUEST_CODE(g_in,
	"mov $0xffffffff, %ebx\n mov %ebx, %eax\n"
	"in $0x60, %al\n out %eax, $0x80\n"
	"mov %ebx, %eax\n in $0x60, %ax\n out %eax, $0x80\n"
	"mov %ebx, %eax\n mov $0x1f0, %dx\n in %dx, %eax\n out %eax, $0x80\n"
	"hlt");

TEST_F(exits, in_of_every_size)
{
	GUEST_START(g_in);
	answer_in(_metadata, &self->g, 0x60, 1, 0x12);
	expect_out(_metadata, &self->g, 0x80, 4, 0xffffff12);	/* AL only */
	answer_in(_metadata, &self->g, 0x60, 2, 0x3456);
	expect_out(_metadata, &self->g, 0x80, 4, 0xffff3456);	/* AX only */
	answer_in(_metadata, &self->g, 0x1f0, 4, 0x789abcde);
	expect_out(_metadata, &self->g, 0x80, 4, 0x789abcde);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/*
 * CPUID 40000000h: minivm's signature; leaf 1: the hypervisor bit.  Then
 * what api.rst says the default table hides, checked by the guest:
 *   leaf 1 ECX: MONITOR, VMX, SMX, x2APIC, TSC deadline, AVX (11200068h);
 *   leaf 1 EDX without a local APIC: APIC, MTRR, PSN, DS, ACPI, TM, PBE
 *     (A0641200h);
 *   leaf 7 EBX: SGX, AVX2, resource monitoring, MPX, AVX-512F (15024h)
 *     (TSC_ADJUST is shown: minivm emulates it, tsc_test);
 *   leaf 0Ah (performance monitoring): all zero.
 */
GUEST_CODE(g_cpuid,
	"mov $0x40000000, %eax\n cpuid\n mov %ebx, %eax\n out %eax, $0x80\n"
	"mov $1, %eax\n cpuid\n mov %ecx, %eax\n out %eax, $0x80\n"
	"and $0x11200068, %ecx\n" GUEST_ASSERT_EQ(0, "%ecx")
	"and $0xa0641200, %edx\n" GUEST_ASSERT_EQ(0, "%edx")
	"mov $7, %eax\n xor %ecx, %ecx\n cpuid\n"
	"and $0x15024, %ebx\n" GUEST_ASSERT_EQ(0, "%ebx")
	"mov $0xa, %eax\n xor %ecx, %ecx\n cpuid\n" GUEST_ASSERT_EQ(0, "%eax")
	"hlt");

TEST_F(exits, cpuid_answers_from_the_table)
{
	struct minivm_run *run;
	uint32_t ecx;

	GUEST_START(g_cpuid);
	run = self->g.cpu.run;
	expect_out(_metadata, &self->g, 0x80, 4, 0x696e696d);	/* "mini" */
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&self->g));
	memcpy(&ecx, minivm_io_data(run), 4);
	EXPECT_TRUE(ecx & (1U << 31)) TH_LOG("hypervisor bit");
	EXPECT_FALSE(ecx & (1U << 5)) TH_LOG("VMX must be hidden");
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/* Writes of 1, 2 and 4 bytes to the MMIO hole. */
GUEST_CODE(g_mmio_write,
	"movb $0x11, 0xe000\n movw $0x2222, 0xe002\n"
	"movl $0x33333333, 0xe004\n"
	"mov $0x44, %ah\n mov %ah, 0xe008\n hlt");

static void expect_mmio(struct __test_metadata *_metadata, struct guest *g,
			uint64_t addr, uint32_t len, bool write,
			uint64_t value)
{
	struct minivm_run *run = g->cpu.run;
	uint64_t data = 0;

	ASSERT_EQ(MINIVM_EXIT_MMIO, guest_run(g));
	EXPECT_EQ(addr, run->mmio.phys_addr);
	EXPECT_EQ(len, run->mmio.len);
	EXPECT_EQ(write, run->mmio.is_write);
	if (write) {
		memcpy(&data, run->mmio.data, len);
		EXPECT_EQ(value, data);
	} else {
		memcpy(run->mmio.data, &value, len);
	}
}

TEST_F(exits, mmio_writes_of_every_size)
{
	GUEST_START(g_mmio_write);
	expect_mmio(_metadata, &self->g, 0xe000, 1, true, 0x11);
	expect_mmio(_metadata, &self->g, 0xe002, 2, true, 0x2222);
	expect_mmio(_metadata, &self->g, 0xe004, 4, true, 0x33333333);
	expect_mmio(_metadata, &self->g, 0xe008, 1, true, 0x44);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/*
 * A store whose bytes lie on two pages of code (it starts 6 bytes before
 * 11000h): minivm reads the instruction a page at a time, and must join
 * the two.
 */
GUEST_CODE(g_mmio_split,
	"0: .fill 0xffa - (. - 0b), 1, 0x90\n"
	"movl $0x55667788, 0xe00c\n hlt");

TEST_F(exits, mmio_instruction_across_a_page)
{
	GUEST_START(g_mmio_split);
	expect_mmio(_metadata, &self->g, 0xe00c, 4, true, 0x55667788);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/*
 * Stores that cross a page, from the hole into RAM and from RAM into the
 * hole.  The EPT violation names one page, so minivm cannot do them
 * alone: MINIVM_INTERNAL_MMIO_DECODE with the address that faulted, for
 * userspace to finish (the launcher does).  Done as one MMIO write, the
 * first would lose its byte in RAM and the second would write four
 * bytes to the device instead of two.
 */
GUEST_CODE(g_mmio_cross_out, "movw $0x1234, 0xefff\n hlt");
GUEST_CODE(g_mmio_cross_in, "movl $0x11223344, 0xdffe\n hlt");

static void expect_decode_exit(struct __test_metadata *_metadata,
			       struct guest *g, uint64_t addr)
{
	struct minivm_run *run = g->cpu.run;
	uint64_t rip = guest_rip(g);

	ASSERT_EQ(MINIVM_EXIT_INTERNAL_ERROR, guest_run(g));
	EXPECT_EQ(MINIVM_INTERNAL_MMIO_DECODE, run->internal.suberror);
	EXPECT_EQ(addr, run->internal.data[0]);
	EXPECT_EQ(rip, run->internal.data[1]);
	EXPECT_EQ(rip, guest_rip(g));		/* nothing done */
}

TEST_F(exits, mmio_store_from_the_hole_into_ram_goes_to_userspace)
{
	GUEST_START(g_mmio_cross_out);
	expect_decode_exit(_metadata, &self->g, 0xefff);
}

TEST_F(exits, mmio_store_from_ram_into_the_hole_goes_to_userspace)
{
	GUEST_START(g_mmio_cross_in);
	expect_decode_exit(_metadata, &self->g, 0xe000);
}

/* Reads of 1, 2 and 4 bytes, echoed with OUT; MOVZX too. */
GUEST_CODE(g_mmio_read,
	"mov $0xffffffff, %ebx\n"
	"mov %ebx, %eax\n mov 0xe010, %al\n out %eax, $0x80\n"
	"mov %ebx, %eax\n mov 0xe010, %ax\n out %eax, $0x80\n"
	"mov %ebx, %eax\n mov 0xe010, %eax\n out %eax, $0x80\n"
	"mov %ebx, %ecx\n movzbl 0xe010, %ecx\n mov %ecx, %eax\n out %eax, $0x80\n"
	"hlt");

TEST_F(exits, mmio_reads_of_every_size)
{
	GUEST_START(g_mmio_read);
	expect_mmio(_metadata, &self->g, 0xe010, 1, false, 0xa1);
	expect_out(_metadata, &self->g, 0x80, 4, 0xffffffa1);
	expect_mmio(_metadata, &self->g, 0xe010, 2, false, 0xb2b3);
	expect_out(_metadata, &self->g, 0x80, 4, 0xffffb2b3);
	expect_mmio(_metadata, &self->g, 0xe010, 4, false, 0xc4c5c6c7);
	expect_out(_metadata, &self->g, 0x80, 4, 0xc4c5c6c7);
	expect_mmio(_metadata, &self->g, 0xe010, 1, false, 0xd8);
	expect_out(_metadata, &self->g, 0x80, 4, 0xd8);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/*
 * MOVZX into a 16-bit register (66 0F B6) writes only that register's
 * low 16 bits; 66h given twice still means 16 bits, not 32.  (minivm
 * once zero-extended the whole register, and toggled the size on each
 * 66h.)  16-bit code reads these bytes as other instructions.
 */
GUEST_CODE(g_mmio_sizes16,
	"mov $0xe020, %ebx\n mov $0xffffffff, %eax\n"
	".byte 0x66, 0x0f, 0xb6, 0x03\n"		/* movzx ax, byte [bx] */
	"out %eax, $0x80\n mov $0xffffffff, %eax\n"
	".byte 0x66, 0x66, 0x8b, 0x03\n"		/* mov ax, [bx] */
	"out %eax, $0x80\n hlt");

TEST_F(exits, mmio_reads_into_16_bit_registers)
{
	if (variant->mode == MINIVM_MODE_REAL)
		SKIP(return, "16-bit code: 66h selects 32 bits there");
	GUEST_START(g_mmio_sizes16);
	expect_mmio(_metadata, &self->g, 0xe020, 1, false, 0x12);
	expect_out(_metadata, &self->g, 0x80, 4, 0xffff0012);
	expect_mmio(_metadata, &self->g, 0xe020, 2, false, 0x3456);
	expect_out(_metadata, &self->g, 0x80, 4, 0xffff3456);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/*
 * A 16-bit MMIO load into SP changes SP alone: RSP[63:16] stay.  (RSP is
 * in the VMCS, not among the registers vmenter.S saves; minivm once merged
 * the value into an unused slot and so cleared RSP's upper bits.)
 */
GUEST_CODE(g_mmio_sp,
	"mov %esp, %esi\n mov $0xabcd00, %esp\n mov $0xe020, %ebx\n"
	".byte 0x66, 0x8b, 0x23\n"			/* mov sp, [bx] */
	"mov %esp, %eax\n mov %esi, %esp\n out %eax, $0x80\n hlt");

TEST_F(exits, mmio_read_into_sp_keeps_the_rest_of_rsp)
{
	if (variant->mode == MINIVM_MODE_REAL)
		SKIP(return, "16-bit code: 66h selects 32 bits there");
	GUEST_START(g_mmio_sp);
	expect_mmio(_metadata, &self->g, 0xe020, 2, false, 0x3456);
	expect_out(_metadata, &self->g, 0x80, 4, 0xab3456);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/*
 * Instructions that compute with an MMIO operand, as clang makes of
 * volatile accesses: each reads (an MMIO read exit), and those that write
 * write the result after (a second exit).  After each the guest reports
 * its flags with LAHF and SETO: AH = SF ZF 0 AF 0 PF 1 CF, AL = OF.
 */
#define FLAGS "mov $0, %eax\n lahf\n seto %al\n out %eax, $0x80\n"
#define AH(f) ((f) << 8)
#define CF 0x01
#define PF 0x04
#define AF 0x10
#define ZF 0x40
#define SF 0x80
#define OF 1

GUEST_CODE(g_mmio_or,
	"orl $0x100, 0xe000\n" FLAGS			/* the APIC's enable */
	"cmpl $5, 0xe004\n" FLAGS "testb $0x20, 0xe008\n" FLAGS "hlt");

TEST_F(exits, mmio_or_writes_back_and_cmp_test_only_read)
{
	GUEST_START(g_mmio_or);
	expect_mmio(_metadata, &self->g, 0xe000, 4, false, 0x11);
	expect_mmio(_metadata, &self->g, 0xe000, 4, true, 0x111);
	expect_out(_metadata, &self->g, 0x80, 4, AH(0x02 | PF));
	expect_mmio(_metadata, &self->g, 0xe004, 4, false, 5);
	expect_out(_metadata, &self->g, 0x80, 4, AH(0x02 | ZF | PF));
	expect_mmio(_metadata, &self->g, 0xe008, 1, false, 0x21);
	expect_out(_metadata, &self->g, 0x80, 4, AH(0x02));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/* Into a register: ADD from MMIO; and SUB, INC, ADC into it. */
GUEST_CODE(g_mmio_arith,
	"mov $7, %ebx\n add 0xe00c, %ebx\n mov %ebx, %ecx\n" FLAGS
	"mov %ecx, %eax\n out %eax, $0x80\n"
	"subb $1, 0xe010\n" FLAGS
	"stc\n incl 0xe014\n" FLAGS
	"stc\n adcl $0, 0xe018\n" FLAGS "hlt");

TEST_F(exits, mmio_arithmetic_sets_the_flags)
{
	GUEST_START(g_mmio_arith);
	expect_mmio(_metadata, &self->g, 0xe00c, 4, false, 0xfffffffd);
	expect_out(_metadata, &self->g, 0x80, 4, AH(0x02 | AF | CF));
	expect_out(_metadata, &self->g, 0x80, 4, 4);	/* 7 + -3 */
	/* 0 - 1: a borrow, and the byte alone is written. */
	expect_mmio(_metadata, &self->g, 0xe010, 1, false, 0);
	expect_mmio(_metadata, &self->g, 0xe010, 1, true, 0xff);
	expect_out(_metadata, &self->g, 0x80, 4, AH(0x02 | SF | AF | PF | CF));
	/* INC overflows into the sign and leaves CF as STC set it. */
	expect_mmio(_metadata, &self->g, 0xe014, 4, false, 0x7fffffff);
	expect_mmio(_metadata, &self->g, 0xe014, 4, true, 0x80000000);
	expect_out(_metadata, &self->g, 0x80, 4,
		   AH(0x02 | SF | AF | PF | CF) | OF);
	/* ADC adds the carry in: -1 + 0 + 1 is 0, with a carry out. */
	expect_mmio(_metadata, &self->g, 0xe018, 4, false, 0xffffffff);
	expect_mmio(_metadata, &self->g, 0xe018, 4, true, 0);
	expect_out(_metadata, &self->g, 0x80, 4, AH(0x02 | ZF | AF | PF | CF));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/*
 * Between the read and the write userspace may scribble on the run page:
 * the write still goes to the address and size the kernel decoded, and
 * only the data userspace was asked for is taken from the page.
 */
GUEST_CODE(g_mmio_or1, "orl $1, 0xe000\n hlt");

TEST_F(exits, mmio_write_back_ignores_a_rewritten_run_page)
{
	struct minivm_run *run;

	GUEST_START(g_mmio_or1);
	run = self->g.cpu.run;
	ASSERT_EQ(MINIVM_EXIT_MMIO, guest_run(&self->g));
	EXPECT_FALSE(run->mmio.is_write);
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	run->mmio.data[0] = 0x10;
	run->mmio.phys_addr = 0xdead000;
	run->mmio.len = 200;
	run->mmio.is_write = 1;
	run->exit_reason = 99;
	expect_mmio(_metadata, &self->g, 0xe000, 4, true, 0x11);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/* XCHG swaps; NEG sets the flags; NOT leaves them as NEG set them. */
GUEST_CODE(g_mmio_swap,
	"mov $0x12345678, %ecx\n xchg %ecx, 0xe01c\n"
	"mov %ecx, %eax\n out %eax, $0x80\n"
	"negw 0xe020\n notb 0xe022\n" FLAGS "hlt");

TEST_F(exits, mmio_xchg_neg_not)
{
	GUEST_START(g_mmio_swap);
	expect_mmio(_metadata, &self->g, 0xe01c, 4, false, 0xa5a5a5a5);
	expect_mmio(_metadata, &self->g, 0xe01c, 4, true, 0x12345678);
	expect_out(_metadata, &self->g, 0x80, 4, 0xa5a5a5a5);
	expect_mmio(_metadata, &self->g, 0xe020, 2, false, 1);
	expect_mmio(_metadata, &self->g, 0xe020, 2, true, 0xffff);
	expect_mmio(_metadata, &self->g, 0xe022, 1, false, 0x0f);
	expect_mmio(_metadata, &self->g, 0xe022, 1, true, 0xf0);
	expect_out(_metadata, &self->g, 0x80, 4, AH(0x02 | SF | AF | PF | CF));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/*
 * The MSRs a PC's firmware sets up and a booting kernel reads: MISC_ENABLE
 * says fast strings (bit 0), no BTS (11), no PEBS (12), and the guest may
 * turn fast strings off; the microcode revision reads as 1 in EDX after
 * the guest wrote 0 to it, as Linux does.  MISC_ENABLE's LIMIT_CPUID
 * (bit 22) makes CPUID leaf 0 say 2 until it is cleared; its read-only
 * bits (7, perfmon) keep their values when written (kvm-unit-tests' msr
 * test writes the architectural bits and reads them back).  The machine-
 * check architecture has no banks: MCG_CAP reads 0, MCG_STATUS keeps
 * what is written to its bits 0-2 (5 here).
 */
#define MISC_WR(val) "mov $0x1a0, %ecx\n mov $" #val ", %eax\n"	\
		     "xor %edx, %edx\n wrmsr\n"
#define CPUID_0	"xor %eax, %eax\n cpuid\n out %eax, $0x80\n"

GUEST_CODE(g_pc_msrs,
	"mov $0x1a0, %ecx\n rdmsr\n out %eax, $0x80\n"
	"mov $0x8b, %ecx\n xor %eax, %eax\n xor %edx, %edx\n wrmsr\n"
	"mov $0x8b, %ecx\n rdmsr\n mov %edx, %eax\n out %eax, $0x80\n"
	MISC_WR(0x1800) "rdmsr\n out %eax, $0x80\n"
	MISC_WR(0x401801) CPUID_0 MISC_WR(0x1881) "rdmsr\n out %eax, $0x80\n"
	CPUID_0 "mov $0x179, %ecx\n rdmsr\n or %edx, %eax\n out %eax, $0x80\n"
	"mov $0x17a, %ecx\n mov $5, %eax\n xor %edx, %edx\n wrmsr\n"
	"rdmsr\n out %eax, $0x80\n hlt");

TEST_F(exits, pc_firmware_msrs)
{
	GUEST_START(g_pc_msrs);
	expect_out(_metadata, &self->g, 0x80, 4, 0x1801);
	expect_out(_metadata, &self->g, 0x80, 4, 1);
	expect_out(_metadata, &self->g, 0x80, 4, 0x1800);
	expect_out(_metadata, &self->g, 0x80, 4, 2);	/* LIMIT_CPUID */
	expect_out(_metadata, &self->g, 0x80, 4, 0x1801);
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&self->g));
	EXPECT_LT(2, *(uint32_t *)minivm_io_data(self->g.cpu.run));
	expect_out(_metadata, &self->g, 0x80, 4, 0);	/* MCG_CAP */
	expect_out(_metadata, &self->g, 0x80, 4, 5);	/* MCG_STATUS */
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/*
 * A hardware task switch exits unconditionally and minivm does not
 * emulate it: an internal error with the exit's reason (9), its
 * qualification (the TSS selector, 20h) and RIP.  The guest jumps to a
 * 32-bit TSS descriptor the test adds to the GDT as its fifth entry.
 */
GUEST_CODE(g_task, "nop\n .byte 0xea, 0, 0, 0, 0, 0x20, 0\n hlt");	/* ljmp $0x20,$0 */

TEST(task_switch_is_internal_error)
{
	/* base 7000h, limit 67h, present, DPL 0, available 32-bit TSS */
	uint64_t tss = 0x67 | (0x7000ULL << 16) | (0x89ULL << 40);
	struct minivm_sregs sr;
	struct minivm_run *run;
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_task));
	run = g.cpu.run;
	ASSERT_EQ(0, minivm_get_sregs(&g.cpu, &sr));
	memcpy(g.mem + sr.gdt.base + 0x20, &tss, 8);
	sr.gdt.limit = 5 * 8 - 1;
	ASSERT_EQ(0, minivm_set_sregs(&g.cpu, &sr));
	ASSERT_EQ(MINIVM_EXIT_INTERNAL_ERROR, guest_run(&g));
	EXPECT_EQ(MINIVM_INTERNAL_UNEXPECTED_EXIT, run->internal.suberror);
	EXPECT_EQ(3, run->internal.ndata);
	EXPECT_EQ(9, run->internal.data[0]);		/* task switch */
	EXPECT_EQ(0x20, run->internal.data[1] & 0xffff);
	EXPECT_EQ(GUEST_CODE_ADDR + 1, run->internal.data[2]);
	guest_destroy(&g);
}

/*
 * Single-stepping over an instruction minivm carries out for the guest
 * (CPUID) still gives the #DB after it, with the return address just
 * past it, not one instruction later.  The #DB handler (at offset 2)
 * reports the address it would return to and clears TF.
 */
GUEST_CODE_ONLY(g_step, 32,
	"jmp 1f\n"
	"mov (%esp), %eax\n out %eax, $0x81\n"
	"andl $0xfffffeff, 8(%esp)\n iret\n"
	"1: pushf\n orl $0x100, (%esp)\n popf\n"
	"cpuid\n out %al, $0x84\n hlt");

TEST(single_step_over_an_emulated_instruction)
{
	const char *cpuid = memmem(g_step_start, g_step_end - g_step_start,
				   "\x0f\xa2", 2);
	uint32_t ret = 0;
	struct guest g;

	NEED_MINIVM();
	ASSERT_NE(NULL, cpuid);
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_step));
	ASSERT_EQ(0, guest_set_handler(&g, MINIVM_MODE_PROTECTED, 1, 2));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	EXPECT_EQ(0x81, g.cpu.run->io.port);
	memcpy(&ret, minivm_io_data(g.cpu.run), 4);
	EXPECT_EQ(GUEST_CODE_ADDR + (cpuid + 2 - g_step_start), ret);
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	EXPECT_EQ(0x84, g.cpu.run->io.port);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);
}

/*
 * Hypercalls in every mode: NOP and the API version answered by the
 * kernel, an unknown number gets -ENOSYS, a user hypercall exits with its
 * arguments and returns what userspace put in ret.
 */
GUEST_CODE(g_hc,
	"mov $0, %eax\n vmcall\n out %eax, $0x80\n"
	"mov $1, %eax\n vmcall\n out %eax, $0x80\n"
	"mov $0x12345, %eax\n vmcall\n out %eax, $0x80\n"
	"mov $0x150, %eax\n mov $11, %ebx\n mov $22, %ecx\n mov $33, %edx\n"
	"mov $44, %esi\n vmcall\n out %eax, $0x80\n hlt");

TEST_F(exits, hypercalls)
{
	struct minivm_run *run;

	GUEST_START(g_hc);
	run = self->g.cpu.run;
	expect_out(_metadata, &self->g, 0x80, 4, 0);
	expect_out(_metadata, &self->g, 0x80, 4, MINIVM_API_VERSION);
	expect_out(_metadata, &self->g, 0x80, 4, (uint32_t)-38);	/* ENOSYS */
	ASSERT_EQ(MINIVM_EXIT_HYPERCALL, guest_run(&self->g));
	EXPECT_EQ(0x150, run->hypercall.nr);
	EXPECT_EQ(11, run->hypercall.args[0]);
	EXPECT_EQ(22, run->hypercall.args[1]);
	EXPECT_EQ(33, run->hypercall.args[2]);
	EXPECT_EQ(44, run->hypercall.args[3]);
	run->hypercall.ret = 0xbeef;
	expect_out(_metadata, &self->g, 0x80, 4, 0xbeef);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

/*
 * A VMCALL at CPL 3 is the guest kernel's business, never userspace's:
 * even a number in userspace's range returns -MINIVM_HC_EPERM (-1) from
 * the kernel (api.rst, "Hypercalls").  The guest is put at CPL 3 by its
 * segments' DPL and RPL, with IOPL 3 for its OUT.
 */
GUEST_CODE_ONLY(g_hc_cpl3, 32,
		"mov $0x150, %eax\n vmcall\n out %eax, $0x80\n"
		"xor %eax, %eax\n vmcall\n out %eax, $0x80\n 1: jmp 1b");

TEST(hypercall_at_cpl3_is_refused_in_the_kernel)
{
	struct minivm_segment *seg[6];
	struct minivm_sregs sr;
	struct minivm_regs r;
	struct guest g;
	int i;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_hc_cpl3));
	ASSERT_EQ(0, minivm_get_sregs(&g.cpu, &sr));
	seg[0] = &sr.cs; seg[1] = &sr.ss; seg[2] = &sr.ds;
	seg[3] = &sr.es; seg[4] = &sr.fs; seg[5] = &sr.gs;
	for (i = 0; i < 6; i++) {
		seg[i]->dpl = 3;
		seg[i]->selector |= 3;
	}
	ASSERT_EQ(0, minivm_set_sregs(&g.cpu, &sr));
	ASSERT_EQ(0, minivm_get_regs(&g.cpu, &r));
	r.rflags |= 3 << 12;			/* IOPL 3 */
	ASSERT_EQ(0, minivm_set_regs(&g.cpu, &r));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	EXPECT_EQ(0x80, g.cpu.run->io.port);
	EXPECT_EQ(0xffffffff, *(uint32_t *)minivm_io_data(g.cpu.run));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));	/* NOP: EPERM too */
	EXPECT_EQ(0xffffffff, *(uint32_t *)minivm_io_data(g.cpu.run));
	guest_destroy(&g);
}

TEST_HARNESS_MAIN

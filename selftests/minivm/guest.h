/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guests inside the tests.
 *
 * A test writes its guest as a few lines of assembly with GUEST_CODE(),
 * assembled into the test binary three times: as 16-bit, 32-bit and 64-bit
 * code.  guest_create() copies the right one into a fresh VM, puts the vCPU
 * into that mode (libminivm's minivm_setup_mode()) and the test then runs
 * it, asserting each exit: the guest talks to the test over I/O ports,
 * like the KVM selftests' guests do, and a guest that checks a value on
 * the way says what it expected and what it got with GUEST_ASSERT_EQ().
 *
 * Guest-physical memory (4 MiB, one anonymous mapping):
 *
 *   0x00000 - 0x0dfff  RAM (slot 0): real-mode IVT at 0, an IDT at 0x6000
 *                      (guest_set_handler()), the stack below 0x9000
 *   0x0e000 - 0x0efff  a hole: MMIO, reachable from real mode too
 *   0x0f000 - 0x1fffff RAM (slot 1): code at 0x10000, tables at 0x100000
 *   0x200000 - 0x200fff read-only RAM (slot 2)
 */
#ifndef MINIVM_GUEST_H
#define MINIVM_GUEST_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "../../user/lib/libminivm.h"

#define GUEST_MEM_SIZE	(4UL << 20)
#define GUEST_MMIO	0xe000UL
#define GUEST_CODE_ADDR	0x10000UL
#define GUEST_TABLES	0x100000UL
#define GUEST_STACK	0x9000UL
#define GUEST_RO	0x200000UL
#define GUEST_IDT	0x6000UL	/* guest_set_handler()'s IDT */
#define GUEST_DTR	0x7ff0UL	/* guest_write_dtr()'s LIDT/LGDT operand */

/* One blob of guest code, its bytes in the test binary. */
struct guest_code {
	const char *start, *end;
};

/*
 * GUEST_CODE(name, "asm") defines name_real, name_prot and name_long, the
 * same source assembled as .code16, .code32 and .code64.
 */
#define GUEST_ASM_ONE(name, bits, body)					\
	extern const char name##_start[], name##_end[];			\
	asm(".pushsection .rodata.guest, \"a\"\n"			\
	    ".globl " #name "_start\n" #name "_start:\n"		\
	    ".code" #bits "\n" body "\n"				\
	    ".globl " #name "_end\n" #name "_end:\n"			\
	    ".code64\n.popsection\n")

#define GUEST_CODE(name, body)						\
	GUEST_ASM_ONE(name##_real, 16, body);				\
	GUEST_ASM_ONE(name##_prot, 32, body);				\
	GUEST_ASM_ONE(name##_long, 64, body);				\
	static const struct guest_code name[] = {			\
		[MINIVM_MODE_REAL] = { name##_real_start, name##_real_end }, \
		[MINIVM_MODE_PROTECTED] = { name##_prot_start, name##_prot_end }, \
		[MINIVM_MODE_PAGED] = { name##_prot_start, name##_prot_end }, \
		[MINIVM_MODE_LONG] = { name##_long_start, name##_long_end }, \
	}

/*
 * GUEST_CODE_ONLY(name, bits, "asm"): code that exists in one width only
 * (instructions 64-bit mode lacks, CR8, a real-mode trick).  name[] has
 * the modes that run code of that width: 16 real, 32 protected and
 * paged, 64 long; guest_create() refuses the others with -EINVAL.
 */
#define GUEST_CODE_FOR(name, bits, width)				\
	{ (bits) == (width) ? name##_start : NULL,			\
	  (bits) == (width) ? name##_end : NULL }

#define GUEST_CODE_ONLY(name, bits, body)				\
	GUEST_ASM_ONE(name, bits, body);				\
	static const struct guest_code name[] = {			\
		[MINIVM_MODE_REAL] = GUEST_CODE_FOR(name, bits, 16),	\
		[MINIVM_MODE_PROTECTED] = GUEST_CODE_FOR(name, bits, 32), \
		[MINIVM_MODE_PAGED] = GUEST_CODE_FOR(name, bits, 32),	\
		[MINIVM_MODE_LONG] = GUEST_CODE_FOR(name, bits, 64),	\
	}

/*
 * The guest's side of an assertion, like the KVM selftests' ucall: when
 * @reg (a 32-bit register, "%eax") does not hold @expected, the guest
 * puts its source line in EAX, @expected in EBX and what it found in ECX,
 * writes to GUEST_ASSERT_PORT and halts.  guest_run() turns that OUT into
 * "guest assertion at line N: expected X, got Y" and -EPROTO, so the
 * test's own check fails right after the guest's explanation.
 */
#define GUEST_ASSERT_PORT	0xf6
#define GUEST_STR(x)		#x
#define GUEST_XSTR(x)		GUEST_STR(x)
#define GUEST_ASSERT_EQ(expected, reg)					\
	"cmp $" #expected ", " reg "\n je 7777f\n"			\
	"mov " reg ", %ecx\n mov $" #expected ", %ebx\n"		\
	"mov $" GUEST_XSTR(__LINE__) ", %eax\n"				\
	"out %al, $" GUEST_XSTR(GUEST_ASSERT_PORT) "\n hlt\n 7777:\n"

/*
 * The low 8 bytes of an interrupt gate to @cs:@offset, present, DPL 0: a
 * whole 32-bit gate, or the first half of a 64-bit one (whose next 8
 * bytes hold offset 63:32).  Intel SDM Vol. 3A, "IDT Descriptors".
 */
static inline uint64_t guest_int_gate(uint16_t cs, uint64_t offset)
{
	return (offset & 0xffff) | (uint64_t)cs << 16 | 0x8eULL << 40 |
	       (offset >> 16 & 0xffff) << 48;
}

/*
 * The operand of LIDT or LGDT at GUEST_DTR in guest memory @mem: a 16-bit
 * limit, then a base of 32 bits (64 in 64-bit mode; the high half is
 * ignored outside it).  Intel SDM Vol. 3A, "Descriptor Table Registers".
 */
static inline void guest_write_dtr(uint8_t *mem, uint16_t limit,
				   uint64_t base)
{
	memcpy(mem + GUEST_DTR, &limit, 2);
	memcpy(mem + GUEST_DTR + 2, &base, 8);
}

struct guest {
	int dev, vm;
	struct minivm_vcpu cpu;
	uint8_t *mem;
};

/* A guest that owns nothing yet: guest_destroy() on it does nothing. */
static inline void guest_init(struct guest *g)
{
	g->mem = MAP_FAILED;
	g->dev = g->vm = g->cpu.fd = -1;
	g->cpu.run = NULL;
}

/* Set by a test whose guests need local APICs (MINIVM_CREATE_LAPIC). */
static bool guest_with_lapic;

/* Create a VM with the memory above and one vCPU running @code[mode]. */
static inline int guest_create(struct guest *g, enum minivm_mode mode,
			       const struct guest_code *code)
{
	size_t len = code[mode].end - code[mode].start;
	int ret;

	guest_init(g);
	if (!code[mode].start)
		return -EINVAL;		/* no code of this mode's width */
	g->mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED)
		return -ENOMEM;
	g->dev = minivm_open_device();
	if (g->dev < 0)
		return g->dev;
	g->vm = minivm_create_vm(g->dev);
	if (g->vm < 0)
		return g->vm;
	ret = minivm_set_memory(g->vm, 0, 0, GUEST_MMIO, g->mem, 0);
	if (!ret)
		ret = minivm_set_memory(g->vm, 1, GUEST_MMIO + 0x1000,
					GUEST_RO - GUEST_MMIO - 0x1000,
					g->mem + GUEST_MMIO + 0x1000, 0);
	if (!ret)
		ret = minivm_set_memory(g->vm, 2, GUEST_RO, 0x1000,
					g->mem + GUEST_RO, MINIVM_MEM_READONLY);
	if (!ret && guest_with_lapic)
		ret = minivm_create_lapic(g->vm);
	if (!ret)
		ret = minivm_create_vcpu(g->dev, g->vm, 0, &g->cpu);
	if (ret)
		return ret;
	memcpy(g->mem + GUEST_CODE_ADDR, code[mode].start, len);
	return minivm_setup_mode(&g->cpu, mode, g->mem, GUEST_MEM_SIZE,
				 GUEST_TABLES, GUEST_CODE_ADDR, GUEST_STACK);
}

static inline void guest_destroy(struct guest *g)
{
	minivm_destroy_vcpu(&g->cpu);
	if (g->vm >= 0)
		close(g->vm);
	if (g->dev >= 0)
		close(g->dev);
	if (g->mem != MAP_FAILED)
		munmap(g->mem, GUEST_MEM_SIZE);
}

/*
 * Make vector @vector of the guest's IDT an interrupt gate to the code
 * @offset bytes into the guest's code: in real mode an entry of the IVT
 * at 0, else an 8-byte (protected) or 16-byte (long mode) gate in an IDT
 * of 256 vectors at GUEST_IDT.  IDTR is set to match.  Interrupt gates
 * clear IF, as the guests here expect; IRET puts it back.  0 or -errno.
 */
static inline int guest_set_handler(struct guest *g, enum minivm_mode mode,
				    uint8_t vector, uint64_t offset)
{
	uint64_t addr = GUEST_CODE_ADDR + offset;
	struct minivm_sregs sr;
	uint8_t gate[16] = { 0 };
	size_t size = mode == MINIVM_MODE_LONG ? 16 : 8;
	int ret = minivm_get_sregs(&g->cpu, &sr);

	if (ret)
		return ret;
	if (mode == MINIVM_MODE_REAL) {
		uint16_t ivt[2] = { (uint16_t)offset, sr.cs.selector };

		memcpy(g->mem + vector * 4, ivt, sizeof(ivt));
		sr.idt.base = 0;
		sr.idt.limit = 0x3ff;
		return minivm_set_sregs(&g->cpu, &sr);
	}
	memcpy(gate, &(uint64_t){ guest_int_gate(sr.cs.selector, addr) }, 8);
	memcpy(gate + 8, &(uint32_t){ addr >> 32 }, 4);	/* long: 63:32 */
	memcpy(g->mem + GUEST_IDT + vector * size, gate, size);
	sr.idt.base = GUEST_IDT;
	sr.idt.limit = 256 * size - 1;
	return minivm_set_sregs(&g->cpu, &sr);
}

/*
 * How guest_run() enters: minivm_run(), or a checking wrapper such as the
 * host-state oracle's (host_state.h).
 */
static int (*guest_run_via)(struct minivm_vcpu *cpu);

/* The guest's GUEST_ASSERT_EQ() failed: say what it said; -EPROTO. */
static inline int guest_asserted(struct guest *g)
{
	struct minivm_regs r;

	if (minivm_get_regs(&g->cpu, &r))
		return -EPROTO;
	printf("# guest assertion at line %u: expected %#x, got %#x\n",
	       (uint32_t)r.rax, (uint32_t)r.rbx, (uint32_t)r.rcx);
	return -EPROTO;
}

/*
 * Run until the next exit; the MINIVM_EXIT_* reason, or -errno (-EPROTO
 * when the guest reported a failed assertion).
 */
static inline int guest_run(struct guest *g)
{
	int ret = guest_run_via ? guest_run_via(&g->cpu) : minivm_run(&g->cpu);
	struct minivm_run *run = g->cpu.run;

	if (ret)
		return ret;
	if (run->exit_reason == MINIVM_EXIT_IO &&
	    run->io.port == GUEST_ASSERT_PORT &&
	    run->io.direction == MINIVM_EXIT_IO_OUT)
		return guest_asserted(g);
	return (int)run->exit_reason;
}

static inline uint64_t guest_rip(struct guest *g)
{
	struct minivm_regs r;

	return minivm_get_regs(&g->cpu, &r) ? ~0ULL : r.rip;
}

/*
 * GUEST_FIXTURE(fx): a fixture with one guest per test and a variant per
 * processor mode; the test file lists the modes it wants with
 * FIXTURE_VARIANT_ADD(fx, real) { .mode = MINIVM_MODE_REAL } and so on.
 * GUEST_START(code) in a TEST_F creates the guest in the variant's mode.
 */
#define GUEST_FIXTURE(fx) GUEST_FIXTURE_WITH(fx, , , )

/*
 * GUEST_FIXTURE_WITH(fx, fields, setup, teardown): the same, with more
 * @fields in the variant, and statements (a macro's name) run at the end
 * of the set-up and after the guest is destroyed.
 */
#define GUEST_FIXTURE_WITH(fx, fields, setup, teardown)			\
	FIXTURE(fx) {							\
		struct guest g;						\
		bool ready;						\
	};								\
	FIXTURE_VARIANT(fx) {						\
		enum minivm_mode mode;					\
		fields							\
	};								\
	FIXTURE_SETUP(fx)						\
	{								\
		guest_init(&self->g);					\
		self->ready = minivm_present();				\
		if (!self->ready)					\
			SKIP(return, "no " MINIVM_DEV ": module not loaded"); \
		setup;							\
	}								\
	FIXTURE_TEARDOWN(fx)						\
	{								\
		guest_destroy(&self->g);				\
		teardown;						\
	}

#define GUEST_START(code) do {						\
	if (!self->ready)						\
		SKIP(return, "set-up skipped");				\
	ASSERT_EQ(0, guest_create(&self->g, variant->mode, code))	\
		TH_LOG("%s mode", mode_names[variant->mode]);		\
} while (0)

static const char * const mode_names[] = {
	[MINIVM_MODE_REAL] = "real", [MINIVM_MODE_PROTECTED] = "protected",
	[MINIVM_MODE_PAGED] = "paged", [MINIVM_MODE_LONG] = "long",
};

#endif /* MINIVM_GUEST_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * emulate_fault.c - the exceptions raised by MMIO instructions the
 * launcher emulates (user/emulate.c), each checked against the CPU.
 *
 * Every case runs an instruction that raises an exception, twice: with
 * its operand in RAM, where the CPU raises it, and with its operand on
 * the launcher's scratch device at FEB00000h, where the launcher finds
 * the fault as it emulates and has the kernel deliver it
 * (MINIVM_SET_VCPU_EVENTS).  One handler serves every vector: it records
 * what the exception pushed (vector, error code, RIP, RFLAGS with RF),
 * CR2 for a #PF and DR6 for a #DB, and resumes after the instruction.
 * The records, the registers and the memory must come out the same.
 *
 * The cases: a divide error and a quotient too large (#DE), LTR of a
 * null selector (#GP(0)), MOVS from the device
 * into a read-only page and into a page that is not present, INSB into
 * one not present (the kernel's walk finds it; #PF), and
 * single steps (RFLAGS.TF) over an emulated instruction and one
 * iteration of a REP MOVS (#DB, with RF pushed: check_mid_rep()), JMP to a non-canonical address and far
 * JMP to a null selector or a data segment and MOV to SS of a selector
 * it may not load (#GP).  And, with no exception, far JMP and CALL
 * through a pointer on the device to this code segment, and null
 * selectors into SS and DS (user/emulate_segment.c).  Long mode only (emulate_fault64.elf);
 * prints the cases that differ and exits with their number.
 *
 * A misaligned MOVAPS is not among them: the CPU checks the alignment
 * before it translates the address, so it raises the #GP itself, on the
 * device as on RAM, and the launcher never sees the instruction.
 */
#include <stdbool.h>

#include "rt.h"

#define DEV		0xfeb00000UL
#define AREA		64
#define ALIAS		0x40000000UL	/* our 4 KiB pages: see map_aliases() */
#define RO_PAGE		ALIAS		/* a RAM page mapped read-only */
#define ABSENT_PAGE	(ALIAS + 0x1000) /* not present */
#define TF		0x100UL
#define RF		0x10000UL

/* What the handler saw, and where it resumes. */
struct seen {
	uint64_t vector, code, rip, rflags, cr2, dr6;
};

struct seen seen;
uint64_t resume;

/*
 * The handler.  The entry stubs push a zero error code where the CPU
 * pushes none, then the vector; the common part records, resets DR6,
 * clears TF in the RFLAGS it returns to and goes back to @resume.
 */
void de_entry(void), db_entry(void), gp_entry(void), pf_entry(void);
__asm__(".text\n"
	"de_entry: push $0\n push $0\n jmp fault_common\n"
	"db_entry: push $0\n push $1\n jmp fault_common\n"
	"gp_entry: push $13\n jmp fault_common\n"
	"pf_entry: push $14\n jmp fault_common\n"
	"fault_common:\n push %rax\n"
	" mov 8(%rsp), %rax\n mov %rax, seen\n"
	" mov 16(%rsp), %rax\n mov %rax, seen+8\n"
	" mov 24(%rsp), %rax\n mov %rax, seen+16\n"
	" mov 40(%rsp), %rax\n mov %rax, seen+24\n"
	" mov %cr2, %rax\n mov %rax, seen+32\n"
	" mov %dr6, %rax\n mov %rax, seen+40\n"
	" mov $0xffff0ff0, %eax\n mov %rax, %dr6\n"
	" mov resume, %rax\n mov %rax, 24(%rsp)\n"
	" andq $~0x100, 40(%rsp)\n"
	" pop %rax\n add $16, %rsp\n iretq\n");

/* The registers a case starts and ends with. */
struct st {
	unsigned long a, c, d, si, di, b;
};

/*
 * A case: @insn with the registers of @s, rBX at the area, and the flags
 * of @flags (TF among them, for the single steps).  @resume is the label
 * after it.
 */
#define CASE(name, insn)						\
static void name(struct st *s, unsigned long flags)			\
{									\
	__asm__ volatile("movq $1f, resume\n\t"				\
			 "pushq %[f]\n\tpopfq\n\t" insn "\n1:\n\t"	\
			 "pushfq\n\tpopq %[f]\n\tcld"			\
			 : "+a" (s->a), "+c" (s->c), "+d" (s->d),	\
			   "+S" (s->si), "+D" (s->di), "+b" (s->b),	\
			   [f] "+r" (flags) : : "memory", "cc");	\
}

CASE(div_zero, "divl 16(%%rbx)")
CASE(idiv_big, "idivb 8(%%rbx)")
CASE(ltr_null, "ltr 16(%%rbx)")
CASE(movsb, "movsb")
CASE(rep_movsb, "rep movsb")
CASE(insb, "insb")
CASE(bts, "btsl $3, 4(%%rbx)")
CASE(jmp_mem, "jmpq *24(%%rbx)")
CASE(ljmp_mem, "rex64 ljmp *24(%%rbx)")
CASE(ljmp_here, "movq $1f, 24(%%rbx)\n\tmov %%cs, 32(%%rbx)\n\t"
	  "rex64 ljmp *24(%%rbx)\n\tmov $1, %%eax")
CASE(mov_ss, "mov 24(%%rbx), %%ss")
CASE(mov_ss_null, "mov %%ss, %%edx\n\tmov 24(%%rbx), %%ss\n\tmov %%ss, %%ecx\n\t"
	  "mov %%edx, %%ss")
CASE(mov_ds_null, "mov %%ds, %%edx\n\tmov 24(%%rbx), %%ds\n\tmov %%ds, %%ecx\n\t"
	  "mov %%edx, %%ds")
CASE(lcall_here, "movq $2f, 24(%%rbx)\n\tmov %%cs, 32(%%rbx)\n\t"
	  "rex64 lcall *24(%%rbx)\n\tjmp 1f\n2:\tmov %%rsp, %%rdx\n\tlretq")

struct test {
	const char *name;
	void (*fn)(struct st *s, unsigned long flags);
	struct st in;
	unsigned long flags;
	unsigned long di;	/* a destination of our own, or 0: the area */
	uint64_t ptr[2];	/* the area's bytes 24-39: a pointer */
	bool none;		/* no exception: a far branch that goes */
	bool mid_rep;		/* a trap after an iteration that is not the last */
};

static const struct test tests[] = {
	{ .name = "div by zero", .fn = div_zero, .in = { .a = 7 } },
	{ .name = "idiv quotient too large", .fn = idiv_big, .in = { .a = 0x8000 } },
	{ .name = "ltr of a null selector", .fn = ltr_null },
	{ .name = "movsb into a read-only page", .fn = movsb, .in = { .di = 8 },
	  .di = RO_PAGE },
	{ .name = "movsb into a page not present", .fn = movsb, .in = { .di = 8 },
	  .di = ABSENT_PAGE },
	{ .name = "insb into a page not present", .fn = insb,
	  .in = { .d = 0xe0, .di = 8 }, .di = ABSENT_PAGE },
	{ .name = "bts, single-stepped", .fn = bts, .flags = TF },
	{ .name = "rep movsb, single-stepped", .fn = rep_movsb,
	  .in = { .c = 3, .di = 8 }, .flags = TF, .mid_rep = true },
	{ .name = "jmp to a non-canonical address", .fn = jmp_mem,
	  .ptr = { 0x8000000000001000ULL } },
	{ .name = "ljmp to a null selector", .fn = ljmp_mem,
	  .ptr = { 0x1000, 0 } },
	{ .name = "ljmp to a data segment", .fn = ljmp_mem,
	  .ptr = { 0x1000, 0x10 } },
	{ .name = "ljmp to this code segment", .fn = ljmp_here, .none = true },
	{ .name = "mov to ss of a null selector, RPL 3", .fn = mov_ss, .ptr = { 3 } },
	{ .name = "mov to ss of a data segment, RPL 3", .fn = mov_ss, .ptr = { 0x13 } },
	{ .name = "mov to ss of a code segment", .fn = mov_ss, .ptr = { 0x18 } },
	{ .name = "mov to ss of a null selector", .fn = mov_ss_null, .none = true },
	{ .name = "mov to ds of a null selector", .fn = mov_ds_null, .none = true },
	{ .name = "lcall to this code segment", .fn = lcall_here, .none = true },
};

static uint8_t ram[AREA] __attribute__((aligned(64)));
static uint8_t ro_page[4096] __attribute__((aligned(4096)));
static uint64_t alias_pt[512] __attribute__((aligned(4096)));

/* Map RO_PAGE read-only and leave ABSENT_PAGE out, through a page table. */
static void map_aliases(void)
{
	alias_pt[0] = (uint64_t)(unsigned long)ro_page | 1;	/* P, not W */
	alias_pt[1] = 0;
	*pde_of(ALIAS) = (uint64_t)(unsigned long)alias_pt | 3;
	/* CR0.WP: read-only pages are read-only for the kernel too. */
	__asm__ volatile("mov %%cr0, %%rax\n or $0x10000, %%eax\n mov %%rax, %%cr0\n"
			 "mov %%cr3, %%rax\n mov %%rax, %%cr3" : : : "rax", "memory");
}

struct result {
	struct seen seen;
	struct st r;
	uint8_t area[AREA];
};

/* The area's bytes: no two alike, zeros at 16-19 (DIV, LTR), -1 at 8. */
static void fill(volatile uint8_t *area)
{
	unsigned int i;

	for (i = 0; i < AREA; i++)
		area[i] = i >= 16 && i < 20 ? 0 : (uint8_t)(i * 37 + 0x91);
	area[8] = 0xff;
}

/* Run @t on @area; pointers and CR2 come back relative to where they pointed. */
static void run(const struct test *t, unsigned long area, struct result *out)
{
	unsigned long di_at = t->di ? t->di : area;
	struct st s = t->in;
	unsigned int i;

	fill((volatile uint8_t *)area);
	((volatile uint64_t *)area)[3] = t->ptr[0];
	((volatile uint64_t *)area)[4] = t->ptr[1];
	seen = (struct seen){ 0 };
	s.b = area;
	s.si += area;
	s.di += di_at;
	t->fn(&s, t->flags | 2);
	s.b -= area;
	s.si -= area;
	s.di -= di_at;
	out->r = s;
	out->seen = seen;
	out->seen.rip -= resume;
	if (seen.vector == 14)
		out->seen.cr2 -= di_at;
	else
		out->seen.cr2 = 0;
	if (seen.vector != 1)
		out->seen.dr6 = 0;
	for (i = 0; i < AREA; i++)
		out->area[i] = ((volatile uint8_t *)area)[i];
}

static void report(const char *name, const struct result *x,
		   const struct result *y)
{
	const uint64_t *a = &x->seen.vector, *b = &y->seen.vector;
	static const char *const what[] = {
		"vector", "code", "rip", "rflags", "cr2", "dr6",
	};
	unsigned int i;

	puts_e9("FAIL ");
	puts_e9(name);
	puts_e9(":");
	for (i = 0; i < 6; i++)
		if (a[i] != b[i]) {
			puts_e9(" ");
			puts_e9(what[i]);
			puts_e9(" ram ");
			puthex(a[i]);
			puts_e9(" mmio ");
			puthex(b[i]);
		}
	if (!bytes_equal(&x->r, &y->r, sizeof(x->r)))
		puts_e9(" registers");
	if (!bytes_equal(x->area, y->area, AREA))
		puts_e9(" memory");
	puts_e9("\n");
}

/*
 * A trap after an iteration of a REP string instruction that is not its
 * last pushes RF = 1, so that the IRET back into the instruction does not
 * hit its instruction breakpoint again (SDM Vol. 3B, "Instruction-
 * Breakpoint Exception Condition").  The emulated instruction must push
 * it.  Bochs's CPU pushes 0 here: RAM and MMIO are compared without RF,
 * and a CPU that differs from the SDM is named, not failed.
 */
static unsigned int check_mid_rep(const char *name, struct result *x,
				  struct result *y)
{
	unsigned int bad = 0;

	if (!(y->seen.rflags & RF)) {
		puts_e9("FAIL ");
		puts_e9(name);
		puts_e9(": mmio pushed RF 0, the SDM says 1\n");
		bad = 1;
	}
	if (!(x->seen.rflags & RF)) {
		puts_e9("note: ");
		puts_e9(name);
		puts_e9(": this CPU pushed RF 0 on RAM, the SDM says 1\n");
	}
	x->seen.rflags &= ~RF;
	y->seen.rflags &= ~RF;
	return bad;
}

int main(void)
{
	static struct result x, y;
	unsigned int i, n = sizeof(tests) / sizeof(tests[0]), bad = 0;

	set_idt_gate(0, de_entry);
	set_idt_gate(1, db_entry);
	set_idt_gate(13, gp_entry);
	set_idt_gate(14, pf_entry);
	load_idt();
	map_aliases();
	for (i = 0; i < n; i++) {
		run(&tests[i], (unsigned long)ram, &x);
		run(&tests[i], DEV, &y);
		if (tests[i].mid_rep && check_mid_rep(tests[i].name, &x, &y))
			bad++;
		else if (!x.seen.vector && !x.seen.rflags && !tests[i].none) {
			puts_e9("FAIL ");
			puts_e9(tests[i].name);
			puts_e9(": no exception on RAM\n");
			bad++;
		} else if (!bytes_equal(&x, &y, sizeof(x))) {
			report(tests[i].name, &x, &y);
			bad++;
		}
	}
	puts_e9("emulate_fault: ");
	putu(n - bad);
	puts_e9(" of ");
	putu(n);
	puts_e9(" exceptions alike on RAM and MMIO\n");
	return bad;
}

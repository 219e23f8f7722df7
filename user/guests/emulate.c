// SPDX-License-Identifier: GPL-2.0
/*
 * emulate.c - the MMIO instructions the launcher emulates
 * (user/emulate.c), each checked against the CPU itself.
 *
 * Every case runs twice with the same registers, flags and memory: once
 * on a buffer in RAM, where the CPU does it, and once on the launcher's
 * scratch device at FEB00000h, where the kernel hands it to the launcher.
 * The registers, the arithmetic flags and both memory areas must come
 * out the same.  The 64-bit build then runs every case a third time
 * through a 4 KiB page of its own that maps the device, so that the
 * launcher's walk of the guest's page tables goes down to a page table.
 *
 * The SSE cases leave what they loaded in the general registers.  The
 * string I/O cases go through pc-testdev's echo port, E0h: to and from
 * RAM the kernel does them, to and from MMIO the launcher.
 *
 * Built 64-bit (emulate64.elf) and 32-bit (emulate32.elf, and
 * emulate32.bin for --mode paged).  Prints the cases that differ and
 * exits with their number.
 */
#include <stdbool.h>

#include "rt.h"

#define DEV		0xfeb00000UL
#define AREA		128	/* bytes compared around the base */
#define BASE		64	/* where [b] points in the area */

#ifdef __x86_64__
#define W "q"
#else
#define W "l"
#endif

/* The registers a case starts with and ends with. */
struct st {
	unsigned long a, c, d, si, di, b;
};

/* What a case is given and how its string pointers are placed. */
enum where { BX, SRC_DEV, DST_DEV, BOTH_DEV };

struct test {
	const char *name;
	void (*fn)(struct st *s);
	struct st in;
	unsigned long flags;	/* arithmetic flags and DF to start with */
	enum where where;
	bool movbe;		/* needs CPUID.1:ECX.MOVBE */
};

static uint8_t ram[AREA] __attribute__((aligned(64)));
static uint8_t other[AREA] __attribute__((aligned(64)));
static unsigned long flags_io;

/*
 * A case: @insn with the registers of @s, [b] (rBX) the base, and the
 * flags of flags_io, which it leaves there.
 */
#define CASE(name, insn)						\
static void name(struct st *s)						\
{									\
	__asm__ volatile("push" W " %[f]\n\tpopf\n\t" insn		\
			 "\n\tpushf\n\tpop" W " %[f]\n\tcld"		\
			 : [a] "+a" (s->a), "+c" (s->c), [d] "+d" (s->d), \
			   [si] "+S" (s->si), "+D" (s->di), [b] "+b" (s->b), \
			   [f] "+m" (flags_io) : : "memory", "cc");	\
}

CASE(shl_cl, "shll %%cl, (%[b])")
CASE(shr_imm16, "shrw $5, 2(%[b])")
CASE(sar_1, "sarb $1, 1(%[b])")
CASE(rol_cl, "roll %%cl, 4(%[b])")
CASE(rcr_1, "rcrl $1, 8(%[b])")
CASE(rcl_cl8, "rclb %%cl, 3(%[b])")
CASE(shld_cl, "shldl %%cl, %%edx, (%[b])")
CASE(shrd_imm, "shrdw $3, %%ax, 6(%[b])")
CASE(bt_far, "btl %%ecx, (%[b])")
CASE(bts_imm, "btsl $3, 4(%[b])")
CASE(btr_reg16, "btrw %%cx, 2(%[b])")
CASE(btc_imm, "btcl $31, (%[b])")
CASE(bsf, "bsfl (%[b]), %%eax")
CASE(bsr, "bsrl 4(%[b]), %%edx")
CASE(bsf_zero, "bsfl 16(%[b]), %%eax")
CASE(tzcnt, "tzcntl 8(%[b]), %%eax")
CASE(imul2, "imull (%[b]), %%eax")
CASE(imul3, "imull $-7, 4(%[b]), %%edx")
CASE(imul3_16, "imulw $300, 2(%[b]), %%cx")
CASE(movsx8, "movsbl 1(%[b]), %%eax")
CASE(movsx16, "movswl 2(%[b]), %%edx")
CASE(movbe_load, "movbel 4(%[b]), %%eax")
CASE(movbe_store, "movbew %%dx, (%[b])")
CASE(cmpxchg_eq, "movl (%[b]), %%eax\n\tcmpxchgl %%edx, (%[b])")
CASE(cmpxchg_ne, "lock cmpxchgb %%dl, 1(%[b])")
CASE(xadd, "xaddl %%edx, 4(%[b])")
CASE(xadd16, "lock xaddw %%cx, 2(%[b])")
CASE(setz, "setz (%[b])")
CASE(setl, "setl 3(%[b])")
CASE(setnbe, "setnbe 5(%[b])")
CASE(cmovne, "cmovnel 4(%[b]), %%eax")
CASE(cmove, "cmovel 4(%[b]), %%eax")
CASE(movsb, "movsb")
CASE(rep_movsl, "rep movsl")
CASE(rep_movsw, "rep movsw")
CASE(rep_movsb, "rep movsb")
CASE(rep_stosl, "rep stosl")
CASE(stosw, "stosw")
CASE(lodsl, "lodsl")
CASE(rep_lodsb, "rep lodsb")
CASE(repe_cmpsb, "repe cmpsb")
CASE(repne_scasb, "repne scasb")
CASE(cmpsl, "cmpsl")
/*
 * The stack in the device: rSP and rBP saved, rSP at [b] + @off, @body,
 * both put back.  What the body leaves in a and d is relative to [b].
 */
#ifdef __x86_64__
#define SP "%%rsp"
#define BP "%%rbp"
#define WORD "8"
#else
#define SP "%%esp"
#define BP "%%ebp"
#define WORD "4"
#endif
static unsigned long sp_save __attribute__((used)), bp_save __attribute__((used));
#define ON_DEV_STACK(off, body) "mov " SP ", sp_save\n\tmov " BP ", bp_save\n\t" \
	"lea " #off "(%[b]), " SP "\n\t" body "\n\t" \
	"mov sp_save, " SP "\n\tmov bp_save, " BP
#define SP_OUT "\n\tmov " SP ", %[a]\n\tsub %[b], %[a]"
CASE(call_ret, ON_DEV_STACK(64, "call 1f\n\tjmp 2f\n1:\tret\n2:" SP_OUT))
CASE(call_ret_imm, ON_DEV_STACK(64, "call 1f\n\tjmp 2f\n1:\tret $8\n2:" SP_OUT))
CASE(call_indirect, "mov" W " $3f, 8(%[b])\n\tcall *8(%[b])\n3:\tadd $" WORD ", " SP)
CASE(leave, ON_DEV_STACK(32, "lea 40(%[b]), " BP "\n\tleave" SP_OUT "\n\tmov " BP ", %[d]"))
CASE(enter, ON_DEV_STACK(64, "mov $0x1234, " BP "\n\tenter $24, $0" SP_OUT
			 "\n\tmov " BP ", %[d]\n\tsub %[b], %[d]"))

/* SSE: XMM0 from RAM at [si] to store, XMM1 all ones before a load. */
#ifdef __x86_64__
#define XMM1_OUT "\n\tmovq %%xmm1, %%rax\n\tmovhlps %%xmm1, %%xmm1\n\tmovq %%xmm1, %%rdx"
#else
#define XMM1_OUT "\n\tmovd %%xmm1, %%eax\n\tpsrldq $4, %%xmm1\n\tmovd %%xmm1, %%edx" \
		 "\n\tpsrldq $4, %%xmm1\n\tmovd %%xmm1, %%ecx"
#endif
#define ONES	"pcmpeqd %%xmm1, %%xmm1\n\t"
#define XMM0_IN	"movdqu (%[si]), %%xmm0\n\t"
CASE(movdqu_load, ONES "movdqu 8(%[b]), %%xmm1" XMM1_OUT)
CASE(movdqu_store, XMM0_IN "movdqu %%xmm0, 8(%[b])")
CASE(movaps_load, ONES "movaps (%[b]), %%xmm1" XMM1_OUT)
CASE(movaps_store, XMM0_IN "movaps %%xmm0, 16(%[b])")
CASE(movupd_store, XMM0_IN "movupd %%xmm0, 3(%[b])")
CASE(lddqu_load, ONES "lddqu 5(%[b]), %%xmm1" XMM1_OUT)
CASE(movd_load, ONES "movd 4(%[b]), %%xmm1" XMM1_OUT)
CASE(movq_load, ONES "movq 8(%[b]), %%xmm1" XMM1_OUT)
CASE(movq_store, XMM0_IN "movq %%xmm0, 24(%[b])")
CASE(movss_load, ONES "movss 12(%[b]), %%xmm1" XMM1_OUT)
CASE(movsd_store, XMM0_IN "movsd %%xmm0, 32(%[b])")
CASE(movntdq_store, XMM0_IN "movntdq %%xmm0, 48(%[b])")
CASE(movnti_store, "movnti %%edx, 4(%[b])")
CASE(smsw, "smsw 6(%[b])")
CASE(mull, "mull 4(%[b])")
CASE(imulb, "imulb 1(%[b])")
CASE(divl, "divl 8(%[b])")
CASE(idivw, "idivw 2(%[b])")
CASE(divb, "divb 1(%[b])")
CASE(mov_sreg, "movw %%ds, 6(%[b])\n\tmovw %%cs, 10(%[b])")
CASE(push_mem, "push" W " 8(%[b])\n\tpop" W " %[a]")
CASE(pop_mem, "push" W " %[d]\n\tpop" W " 16(%[b])")
CASE(rep_insb, "mov $0xe0, %%dx\n\toutl %%eax, %%dx\n\trep insb")
CASE(rep_insw, "mov $0xe0, %%dx\n\toutl %%eax, %%dx\n\trep insw")
CASE(rep_outsb, "mov $0xe0, %%dx\n\trep outsb\n\tinl %%dx, %%eax")
CASE(outsl, "mov $0xe0, %%dx\n\toutsl\n\tinl %%dx, %%eax")
#ifdef __x86_64__
CASE(xmm9_load, "pcmpeqd %%xmm9, %%xmm9\n\tmovdqu 8(%[b]), %%xmm9\n\t"
		"movq %%xmm9, %%rax\n\tmovhlps %%xmm9, %%xmm9\n\tmovq %%xmm9, %%rdx")
CASE(shl_q, "shlq $17, (%[b])")
CASE(sar_q, "sarq %%cl, 8(%[b])")
CASE(bts_q, "btsq %%rcx, (%[b])")
CASE(movsxd, "movslq 4(%[b]), %%rax")
CASE(movsx8_q, "movsbq 7(%[b]), %%rdx")
CASE(cmpxchg_q, "cmpxchgq %%rdx, 8(%[b])")
CASE(rep_movsq, "rep movsq")
CASE(scasq, "scasq")
CASE(addr32_movsb, "addr32 rep movsb")
/* MMX, with x87's TOP at 7 first: MMn is Rn, and TOP comes back 0. */
CASE(mmx_load, "fninit\n\tfld1\n\tmovq 8(%[b]), %%mm1\n\tmovq %%mm1, %%rcx\n\t"
	  "fnstsw %%ax\n\temms")
CASE(mmx_store, "fninit\n\tfld1\n\tfld1\n\tmovq %%rdx, %%mm3\n\tfld1\n\t"
	  "movq %%mm3, 16(%[b])\n\tfnstsw %%ax\n\temms")
#endif

#define CF 0x001UL
#define ZF 0x040UL
#define SF 0x080UL
#define DF 0x400UL

static const struct test tests[] = {
	{ .name = "shl mem32, cl", .fn = shl_cl, .in = { .c = 3 } },
	{ .name = "shr mem16, imm", .fn = shr_imm16 },
	{ .name = "sar mem8, 1", .fn = sar_1 },
	{ .name = "rol mem32, cl", .fn = rol_cl, .in = { .c = 13 } },
	{ .name = "rcr mem32, 1 (CF in)", .fn = rcr_1, .flags = CF },
	{ .name = "rcl mem8, cl (CF in)", .fn = rcl_cl8, .in = { .c = 5 }, .flags = CF },
	{ .name = "shld mem32, reg, cl", .fn = shld_cl, .in = { .c = 7, .d = 0x12345678 } },
	{ .name = "shrd mem16, reg, imm", .fn = shrd_imm, .in = { .a = 0xbeef } },
	{ .name = "bt mem32, reg (offset 70)", .fn = bt_far, .in = { .c = 70 } },
	{ .name = "bt mem32, reg (offset -5)", .fn = bt_far, .in = { .c = -5UL } },
	{ .name = "bts mem32, imm", .fn = bts_imm },
	{ .name = "btr mem16, reg (offset 31)", .fn = btr_reg16, .in = { .c = 31 } },
	{ .name = "btc mem32, imm", .fn = btc_imm },
	{ .name = "bsf reg, mem32", .fn = bsf },
	{ .name = "bsr reg, mem32", .fn = bsr },
	{ .name = "bsf reg, mem32 (zero)", .fn = bsf_zero, .in = { .a = 0x5555 } },
	{ .name = "tzcnt reg, mem32", .fn = tzcnt },
	{ .name = "imul reg, mem32", .fn = imul2, .in = { .a = 0x10001 } },
	{ .name = "imul reg, mem32, imm", .fn = imul3 },
	{ .name = "imul reg, mem16, imm", .fn = imul3_16, .in = { .c = -1UL } },
	{ .name = "movsx reg, mem8", .fn = movsx8, .in = { .a = -1UL } },
	{ .name = "movsx reg, mem16", .fn = movsx16 },
	{ .name = "movbe reg, mem32", .fn = movbe_load, .movbe = true },
	{ .name = "movbe mem16, reg", .fn = movbe_store, .in = { .d = 0xa1b2 }, .movbe = true },
	{ .name = "cmpxchg mem32 (equal)", .fn = cmpxchg_eq, .in = { .d = 0xfeedface } },
	{ .name = "lock cmpxchg mem8 (not equal)", .fn = cmpxchg_ne, .in = { .d = 0x77 } },
	{ .name = "xadd mem32, reg", .fn = xadd, .in = { .d = 0x80000001 } },
	{ .name = "lock xadd mem16, reg", .fn = xadd16, .in = { .c = 0x7fff } },
	{ .name = "setz mem8", .fn = setz, .flags = ZF },
	{ .name = "setl mem8", .fn = setl, .flags = SF },
	{ .name = "setnbe mem8", .fn = setnbe },
	{ .name = "cmovne reg, mem32 (moves)", .fn = cmovne, .in = { .a = -1UL } },
	{ .name = "cmove reg, mem32 (does not)", .fn = cmove, .in = { .a = -1UL } },
	{ .name = "movsb from the device", .fn = movsb, .in = { .si = 3, .di = 5 }, .where = SRC_DEV },
	{ .name = "rep movsl from the device", .fn = rep_movsl, .in = { .c = 5, .si = 4 }, .where = SRC_DEV },
	{ .name = "rep movsw to the device", .fn = rep_movsw, .in = { .c = 7, .di = 2 }, .where = DST_DEV },
	{ .name = "rep movsb on the device", .fn = rep_movsb, .in = { .c = 9, .si = 1, .di = 40 }, .where = BOTH_DEV },
	{ .name = "rep movsb backwards", .fn = rep_movsb, .in = { .c = 6, .si = 30, .di = 20 }, .flags = DF, .where = SRC_DEV },
	{ .name = "rep stosl to the device", .fn = rep_stosl, .in = { .a = 0xdeadbeef, .c = 4, .di = 8 }, .where = DST_DEV },
	{ .name = "stosw to the device", .fn = stosw, .in = { .a = 0x1234, .di = 6 }, .where = DST_DEV },
	{ .name = "lodsl from the device", .fn = lodsl, .in = { .si = 12 }, .where = SRC_DEV },
	{ .name = "rep lodsb from the device", .fn = rep_lodsb, .in = { .c = 3, .si = 9 }, .where = SRC_DEV },
	{ .name = "repe cmpsb", .fn = repe_cmpsb, .in = { .c = 16 }, .where = SRC_DEV },
	{ .name = "repne scasb", .fn = repne_scasb, .in = { .a = 0x39, .c = 32 }, .where = DST_DEV },
	{ .name = "cmpsl", .fn = cmpsl, .in = { .si = 4, .di = 4 }, .where = DST_DEV },
	{ .name = "movdqu xmm, mem128", .fn = movdqu_load },
	{ .name = "movdqu mem128, xmm", .fn = movdqu_store },
	{ .name = "movaps xmm, mem128", .fn = movaps_load },
	{ .name = "movaps mem128, xmm", .fn = movaps_store },
	{ .name = "movupd mem128, xmm", .fn = movupd_store },
	{ .name = "lddqu xmm, mem128", .fn = lddqu_load },
	{ .name = "movd xmm, mem32", .fn = movd_load },
	{ .name = "movq xmm, mem64", .fn = movq_load },
	{ .name = "movq mem64, xmm", .fn = movq_store },
	{ .name = "movss xmm, mem32", .fn = movss_load },
	{ .name = "movsd mem64, xmm", .fn = movsd_store },
	{ .name = "movntdq mem128, xmm", .fn = movntdq_store },
	{ .name = "movnti mem32, reg", .fn = movnti_store, .in = { .d = 0x600dcafe } },
	{ .name = "smsw mem16", .fn = smsw },
	{ .name = "mul mem32", .fn = mull, .in = { .a = 0x87654321, .d = 7 } },
	{ .name = "imul mem8", .fn = imulb, .in = { .a = 0x7f } },
	{ .name = "div mem32", .fn = divl, .in = { .a = 0x12345678, .d = 0x11 } },
	{ .name = "idiv mem16", .fn = idivw, .in = { .a = 0x8001, .d = 0xffff } },
	{ .name = "div mem8", .fn = divb, .in = { .a = 0x1234 } },
	{ .name = "mov mem16, sreg", .fn = mov_sreg },
	{ .name = "push mem", .fn = push_mem },
	{ .name = "pop mem", .fn = pop_mem, .in = { .d = 0x5a5a1234 } },
	{ .name = "call and ret, the stack in the device", .fn = call_ret },
	{ .name = "call and ret imm16, the stack in the device", .fn = call_ret_imm },
	{ .name = "call through a pointer in the device", .fn = call_indirect },
	{ .name = "leave, the stack in the device", .fn = leave },
	{ .name = "enter, the stack in the device", .fn = enter },
	{ .name = "rep insb to the device", .fn = rep_insb, .in = { .a = 0x44332211, .c = 5, .di = 1 }, .where = DST_DEV },
	{ .name = "rep insw to the device, backwards", .fn = rep_insw, .in = { .a = 0x8877, .c = 3, .di = 20 }, .flags = DF, .where = DST_DEV },
	{ .name = "rep outsb from the device", .fn = rep_outsb, .in = { .c = 3, .si = 2 }, .where = SRC_DEV },
	{ .name = "outsl from the device", .fn = outsl, .in = { .si = 8 }, .where = SRC_DEV },
#ifdef __x86_64__
	{ .name = "movdqu xmm9, mem128", .fn = xmm9_load },
	{ .name = "movq mm1, mem64 (TOP 7)", .fn = mmx_load },
	{ .name = "movq mem64, mm3", .fn = mmx_store, .in = { .d = 0x1122334455667788 } },
	{ .name = "shl mem64, imm", .fn = shl_q },
	{ .name = "sar mem64, cl", .fn = sar_q, .in = { .c = 35 } },
	{ .name = "bts mem64, reg (offset 100)", .fn = bts_q, .in = { .c = 100 } },
	{ .name = "movsxd reg, mem32", .fn = movsxd },
	{ .name = "movsx reg64, mem8", .fn = movsx8_q },
	{ .name = "cmpxchg mem64 (not equal)", .fn = cmpxchg_q, .in = { .d = 1 } },
	{ .name = "rep movsq from the device", .fn = rep_movsq, .in = { .c = 3, .si = 8 }, .where = SRC_DEV },
	{ .name = "scasq on the device", .fn = scasq, .in = { .a = 5 }, .where = DST_DEV },
	{ .name = "rep movsb, 32-bit addresses", .fn = addr32_movsb, .in = { .c = 4 }, .where = SRC_DEV },
#endif
};

/* The pattern both areas start with: no two bytes alike, a zero dword. */
static uint8_t pattern(unsigned int i)
{
	if (i >= BASE + 16 && i < BASE + 20)
		return 0;
	return (uint8_t)(i * 37 + 0x91);
}

/* Fill @area (RAM or the device) eight bytes at a time: plain MOVs. */
static void fill(unsigned long area)
{
	volatile uint64_t *q = (volatile uint64_t *)area;
	unsigned int i, j;

	for (i = 0; i < AREA / 8; i++) {
		uint64_t v = 0;

		for (j = 0; j < 8; j++)
			v |= (uint64_t)pattern(i * 8 + j) << (8 * j);
		q[i] = v;
	}
}

static void snapshot(unsigned long area, uint8_t *out)
{
	volatile uint64_t *q = (volatile uint64_t *)area;
	unsigned int i;

	for (i = 0; i < AREA / 8; i++) {
		uint64_t v = q[i];

		__builtin_memcpy(out + i * 8, &v, 8);
	}
}

static unsigned long current_flags(void)
{
	unsigned long f;

	__asm__ volatile("pushf\n\tpop" W " %0" : "=r" (f));
	return f;
}

struct result {
	struct st r;
	unsigned long flags;
	uint8_t dev[AREA], other[AREA];
};

/* Run @t with its device area at @dev; registers come back relative. */
static void run(const struct test *t, unsigned long dev, struct result *out)
{
	unsigned long ob = (unsigned long)other;
	unsigned long si_at = t->where == SRC_DEV || t->where == BOTH_DEV ? dev : ob;
	unsigned long di_at = t->where == DST_DEV || t->where == BOTH_DEV ? dev : ob;
	struct st s = t->in;

	fill(dev);
	fill(ob);
	other[BASE + 10] ^= 0xff;	/* where repe cmpsb stops */
	s.b = dev + BASE;
	s.si += si_at + BASE;
	s.di += di_at + BASE;
	flags_io = (current_flags() & ~(0x8d5UL | DF)) | t->flags;
	t->fn(&s);
	s.b -= dev;
	s.si -= si_at;
	s.di -= di_at;
	out->r = s;
	out->flags = flags_io & 0x8d5;
	snapshot(dev, out->dev);
	snapshot(ob, out->other);
}

static bool same(const struct result *x, const struct result *y)
{
	return bytes_equal(&x->r, &y->r, sizeof(x->r)) && x->flags == y->flags &&
	       bytes_equal(x->dev, y->dev, AREA) && bytes_equal(x->other, y->other, AREA);
}

static void report(const char *name, const char *via, const struct result *x,
		   const struct result *y)
{
	const unsigned long *a = &x->r.a, *b = &y->r.a;
	unsigned int i;

	puts_e9("FAIL ");
	puts_e9(name);
	puts_e9(via);
	puts_e9(":");
	for (i = 0; i < 6; i++)
		if (a[i] != b[i]) {
			puts_e9(" reg ");
			putu(i);
			puts_e9(" ram ");
			puthex(a[i]);
			puts_e9(" mmio ");
			puthex(b[i]);
		}
	if (x->flags != y->flags) {
		puts_e9(" flags ram ");
		puthex(x->flags);
		puts_e9(" mmio ");
		puthex(y->flags);
	}
	for (i = 0; i < AREA; i++)
		if (x->dev[i] != y->dev[i] || x->other[i] != y->other[i]) {
			puts_e9(" memory at ");
			putu(i);
			break;
		}
	puts_e9("\n");
}

static bool has_movbe(void)
{
	unsigned int a = 1, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a" (a), "=b" (b), "+c" (c), "=d" (d));
	return c & (1U << 22);
}

#ifdef __x86_64__
#define ALIAS	0x40000000UL	/* a 4 KiB page of ours that maps DEV */
static uint64_t alias_pt[512] __attribute__((aligned(4096)));

/* Map ALIAS to DEV through a page table: the 2 MiB entry becomes a table. */
static unsigned long map_alias(void)
{
	alias_pt[0] = DEV | 3;
	*pde_of(ALIAS) = (uint64_t)(unsigned long)alias_pt | 3;
	__asm__ volatile("invlpg (%0)" : : "r" (ALIAS) : "memory");
	return ALIAS;
}

/*
 * Stores across a page, through alias pages: device then device (the
 * same page twice), RAM then device, device then RAM.  The kernel hands
 * them to the launcher, which splits them where the guest's pages do.
 */
static uint8_t ram_pages[2][4096] __attribute__((aligned(4096)));

static int cross_page_stores(void)
{
	volatile uint8_t *dev = (volatile uint8_t *)DEV;
	volatile uint8_t *ram0 = ram_pages[0], *ram1 = ram_pages[1];
	unsigned int i;

	alias_pt[1] = DEV | 3;
	alias_pt[2] = (uint64_t)(unsigned long)ram_pages[0] | 3;
	alias_pt[3] = DEV | 3;
	alias_pt[4] = DEV | 3;
	alias_pt[5] = (uint64_t)(unsigned long)ram_pages[1] | 3;
	for (i = 1; i < 6; i++)
		__asm__ volatile("invlpg (%0)" : : "r" (ALIAS + i * 4096) : "memory");
	*(volatile uint16_t *)(ALIAS + 0xfff) = 0x7799;
	if (dev[0xfff] != 0x99 || dev[0] != 0x77)
		return 1;
	*(volatile uint32_t *)(ALIAS + 0x2ffe) = 0x44332211;
	if (ram0[0xffe] != 0x11 || ram0[0xfff] != 0x22 ||
	    dev[0] != 0x33 || dev[1] != 0x44)
		return 2;
	*(volatile uint32_t *)(ALIAS + 0x4ffe) = 0x88776655;
	if (dev[0xffe] != 0x55 || dev[0xfff] != 0x66 ||
	    ram1[0] != 0x77 || ram1[1] != 0x88)
		return 3;
	return 0;
}
#endif

static unsigned int check(unsigned long dev, const char *via, unsigned int *n)
{
	static struct result x, y;
	bool movbe = has_movbe();
	unsigned int i, bad = 0;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (tests[i].movbe && !movbe)
			continue;
		run(&tests[i], (unsigned long)ram, &x);
		run(&tests[i], dev, &y);
		(*n)++;
		if (!same(&x, &y)) {
			report(tests[i].name, via, &x, &y);
			bad++;
		}
	}
	return bad;
}

/*
 * LTR from the device, as kvm-unit-tests' emulator test does it: a GDT
 * of our own with a TSS descriptor, its selector in the device, then
 * LTR: TR must name it and the descriptor must be busy.
 */
static uint64_t gdt[8] __attribute__((aligned(16)));
static uint8_t tss[104] __attribute__((aligned(16)));

static bool ltr_from_the_device(void)
{
	struct __attribute__((packed)) { uint16_t limit; unsigned long base; } old, gdtr;
	volatile uint16_t *sel = (volatile uint16_t *)(DEV + 0x200);
	unsigned long base = (unsigned long)tss;
	unsigned int i;
	uint16_t tr;

	__asm__ volatile("sgdt %0" : "=m" (old));
	for (i = 0; i < 5 && i * 8 < old.limit; i++)	/* the launcher's 4 */
		gdt[i] = ((volatile uint64_t *)old.base)[i];
	gdt[5] = 0x67 | (base & 0xffffff) << 16 | 0x89ULL << 40 |
		 (uint64_t)(base >> 24 & 0xff) << 56;
	gdt[6] = (uint64_t)base >> 16 >> 16;	/* the upper half in long mode */
	gdtr.limit = sizeof(gdt) - 1;
	gdtr.base = (unsigned long)gdt;
	__asm__ volatile("lgdt %0" : : "m" (gdtr));
	*sel = 5 * 8;
	__asm__ volatile("ltr (%0)" : : "r" (sel) : "memory");
	__asm__ volatile("str %0" : "=r" (tr));
	__asm__ volatile("lgdt %0" : : "m" (old));
	return tr == 5 * 8 && ((gdt[5] >> 40) & 0xf) == 0xb;
}

int main(void)
{
	unsigned int n = 0, bad = check(DEV, "", &n), i __attribute__((unused));

#ifdef __x86_64__
	bad += check(map_alias(), " (4 KiB page)", &n);
	n++;
	i = cross_page_stores();
	if (i) {
		puts_e9("FAIL stores across a page: device, RAM then device, device then RAM: ");
		putu(i);
		puts_e9("\n");
		bad++;
	}
#endif
	n++;
	if (!ltr_from_the_device()) {
		puts_e9("FAIL ltr mem16: TR or the busy bit\n");
		bad++;
	}
	puts_e9("emulate: ");
	putu(n - bad);
	puts_e9(" of ");
	putu(n);
	puts_e9(" cases alike on RAM and MMIO\n");
	return bad > 127 ? 127 : bad;
}

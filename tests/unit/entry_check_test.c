// SPDX-License-Identifier: GPL-2.0
/*
 * libminivm's VM-entry checker (user/lib/entry_check.c) without VMX:
 * the states minivm_setup_mode() gives a 32-bit and a 64-bit guest pass,
 * and one broken field at a time is named.  selftests/minivm/entry_test
 * shows, in the test machine, that the CPU refuses the same states.
 */
#include <string.h>

#include "../../user/lib/libminivm.h"
#include "tap.h"

static const struct minivm_segment code32 = {
	.limit = 0xffffffff, .selector = 0x08, .type = 11, .present = 1,
	.db = 1, .s = 1, .g = 1,
};
static const struct minivm_segment data = {
	.limit = 0xffffffff, .selector = 0x10, .type = 3, .present = 1,
	.db = 1, .s = 1, .g = 1,
};
static const struct minivm_segment tss = {
	.limit = 0x67, .selector = 0x18, .type = 11, .present = 1,
};
static const struct minivm_segment none = { .unusable = 1 };

static void flat32(struct minivm_regs *r, struct minivm_sregs *s)
{
	memset(r, 0, sizeof(*r));
	memset(s, 0, sizeof(*s));
	r->rip = 0x100000;
	r->rflags = 2;
	s->cs = code32;
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	s->tr = tss;
	s->ldt = none;
	s->cr0 = 0x11;				/* PE, ET */
}

static void long64(struct minivm_regs *r, struct minivm_sregs *s)
{
	flat32(r, s);
	s->cs.l = 1;
	s->cs.db = 0;
	s->cr0 = 0x80000011;
	s->cr4 = 0x20;
	s->efer = 0x500;			/* LME, LMA */
}

/* Does the checker name @named for the state @change makes? */
static bool names(void (*start)(struct minivm_regs *, struct minivm_sregs *),
		  void (*change)(struct minivm_regs *, struct minivm_sregs *),
		  const char *named)
{
	struct minivm_regs r;
	struct minivm_sregs s;
	char why[256] = "";

	start(&r, &s);
	change(&r, &s);
	return minivm_entry_check(&r, &s, why, sizeof(why)) && strstr(why, named);
}

static void none_changed(struct minivm_regs *r, struct minivm_sregs *s) { }
static void tr_unusable(struct minivm_regs *r, struct minivm_sregs *s) { s->tr.unusable = 1; }
static void tr16(struct minivm_regs *r, struct minivm_sregs *s) { s->tr.type = 3; }
static void cs_ld(struct minivm_regs *r, struct minivm_sregs *s) { s->cs.db = 1; }
static void ss_ro(struct minivm_regs *r, struct minivm_sregs *s) { s->ss.type = 1; }
static void ds_gone(struct minivm_regs *r, struct minivm_sregs *s) { s->ds = none; }
static void rip_high(struct minivm_regs *r, struct minivm_sregs *s) { r->rip |= 1ULL << 32; }
static void vm86(struct minivm_regs *r, struct minivm_sregs *s) { r->rflags |= 1 << 17; }
static void cs_dpl3(struct minivm_regs *r, struct minivm_sregs *s) { s->cs.dpl = 3; }
static void limit_g(struct minivm_regs *r, struct minivm_sregs *s) { s->ds.limit = 0x12345; }
static void gdt_nc(struct minivm_regs *r, struct minivm_sregs *s)
{
	s->gdt.base = 0x0000800000000000ULL;
}

int main(void)
{
	struct minivm_regs r;
	struct minivm_sregs s;
	char why[256];

	printf("TAP version 13\n");
	flat32(&r, &s);
	check(!minivm_entry_check(&r, &s, why, sizeof(why)), "a flat 32-bit state passes");
	long64(&r, &s);
	check(!minivm_entry_check(&r, &s, why, sizeof(why)), "a 64-bit state passes");
	check(!names(flat32, none_changed, ""), "nothing named for a valid state");
	check(names(flat32, tr_unusable, "TR is unusable"), "TR unusable");
	check(!names(flat32, tr16, "TR's type"), "a 16-bit TSS outside IA-32e mode is fine");
	check(names(long64, tr16, "TR's type"), "a 16-bit TSS in IA-32e mode is not");
	check(!names(flat32, cs_ld, "L and D/B"), "D alone in 32-bit code is fine");
	check(names(long64, cs_ld, "L and D/B"), "L and D together in IA-32e mode");
	check(names(flat32, ss_ro, "SS's type"), "SS read-only");
	check(!names(flat32, ds_gone, ""), "an unusable DS is not checked");
	check(names(flat32, rip_high, "RIP"), "RIP above 4 GiB in 32-bit code");
	check(!names(long64, rip_high, "RIP"), "RIP above 4 GiB in 64-bit code is fine");
	check(names(long64, vm86, "RFLAGS.VM"), "RFLAGS.VM in IA-32e mode");
	check(names(flat32, cs_dpl3, "CS's DPL"), "non-conforming CS with a DPL unlike SS's");
	check(names(flat32, limit_g, "limit does not match its G bit"), "limit and G");
	check(names(flat32, gdt_nc, "GDTR's base"), "GDTR base not canonical");
	return tap_done();
}

// SPDX-License-Identifier: LGPL-2.1
/*
 * entry_check.c - why would VM entry refuse this guest state?  The SDM's
 * checks on the guest-state area (Vol. 3C, "Checks on the Guest State
 * Area"), as they apply to a minivm vCPU, each with its name.
 *
 * When VMLAUNCH or VMRESUME fails with basic exit reason 33 ("VM-entry
 * failure due to invalid guest state") the CPU says no more than that.
 * minivm_entry_check() goes through the checks on the registers
 * userspace can set with MINIVM_SET_REGS and MINIVM_SET_SREGS, in the
 * SDM's order, and names the first one the state breaks.
 *
 * It assumes what minivm sets: "unrestricted guest" (real mode and
 * unpaged protected mode allowed), no virtual-8086 mode, the "IA-32e mode
 * guest" entry control equal to EFER.LMA.  The checks on control
 * registers, EFER and the PDPTEs are left to MINIVM_SET_SREGS, which
 * refuses what a MOV would (-EINVAL), and the non-register state
 * (activity, interruptibility, pending debug exceptions) is minivm's own.
 */
#include <stdbool.h>
#include <stdio.h>

#include "libminivm.h"

#define EFER_LMA	(1ULL << 10)
#define CR0_PE		1ULL
#define RFLAGS_VM	(1ULL << 17)

/* The state as the checks see it. */
struct state {
	const struct minivm_regs *r;
	const struct minivm_sregs *s;
	bool ia32e;			/* EFER.LMA: "IA-32e mode guest" */
};

/* One check: its words, its SDM section, and the test (true: passes). */
struct check {
	const char *what;
	const char *section;
	bool (*ok)(const struct state *st);
};

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* Limit and G agree: G=0 up to 1 MiB; G=1 ends in 4 KiB units. */
static bool limit_matches_g(const struct minivm_segment *sg)
{
	/* LAB 4 begin; the starter has: return true; */
	if ((sg->limit & 0xfff) != 0xfff && sg->g)
		return false;
	if ((sg->limit & 0xfff00000) && !sg->g)
		return false;
	return true;
	/* LAB 4 end */
}

/* A data segment register that is in use: DS, ES, FS, GS. */
static bool data_ok(const struct minivm_segment *sg, int what)
{
	if (sg->unusable)
		return true;
	switch (what) {
	case 0:				/* accessed */
		return sg->type & 1;
	case 1:				/* code must be readable */
		return !(sg->type & 8) || (sg->type & 2);
	case 2:
		return sg->s;
	case 3:
		return sg->present;
	default:
		return limit_matches_g(sg);
	}
}

#define EACH_DATA(what)	(data_ok(&st->s->ds, what) && data_ok(&st->s->es, what) && \
			 data_ok(&st->s->fs, what) && data_ok(&st->s->gs, what))

static bool tr_ti(const struct state *st) { return !(st->s->tr.selector & 4); }
static bool ldtr_ti(const struct state *st)
{
	return st->s->ldt.unusable || !(st->s->ldt.selector & 4);
}
static bool bases_canonical(const struct state *st)
{
	return canonical(st->s->tr.base) && canonical(st->s->fs.base) &&
	       canonical(st->s->gs.base) &&
	       (st->s->ldt.unusable || canonical(st->s->ldt.base));
}
static bool cs_base_32(const struct state *st) { return !(st->s->cs.base >> 32); }
static bool data_bases_32(const struct state *st)
{
	return (st->s->ss.unusable || !(st->s->ss.base >> 32)) &&
	       (st->s->ds.unusable || !(st->s->ds.base >> 32)) &&
	       (st->s->es.unusable || !(st->s->es.base >> 32));
}
static bool cs_type(const struct state *st)
{
	unsigned int t = st->s->cs.type;

	return t == 9 || t == 11 || t == 13 || t == 15 || t == 3;
}
static bool ss_type(const struct state *st)
{
	return st->s->ss.unusable || st->s->ss.type == 3 || st->s->ss.type == 7;
}
static bool data_accessed(const struct state *st) { return EACH_DATA(0); }
static bool data_code_readable(const struct state *st) { return EACH_DATA(1); }
static bool cs_s(const struct state *st) { return st->s->cs.s; }
static bool ss_s(const struct state *st) { return st->s->ss.unusable || st->s->ss.s; }
static bool data_s(const struct state *st) { return EACH_DATA(2); }
static bool cs_dpl(const struct state *st)
{
	unsigned int t = st->s->cs.type, dpl = st->s->cs.dpl, ss = st->s->ss.dpl;

	if (t == 3)
		return dpl == 0;
	if (t == 9 || t == 11)
		return dpl == ss;
	return dpl <= ss;			/* conforming */
}
static bool ss_dpl(const struct state *st)
{
	return !(st->s->cs.type == 3 || !(st->s->cr0 & CR0_PE)) ||
	       st->s->ss.dpl == 0;
}
static bool cs_p(const struct state *st) { return st->s->cs.present; }
static bool ss_p(const struct state *st) { return st->s->ss.unusable || st->s->ss.present; }
static bool data_p(const struct state *st) { return EACH_DATA(3); }
static bool cs_l_d(const struct state *st)
{
	return !(st->ia32e && st->s->cs.l && st->s->cs.db);
}
static bool cs_g(const struct state *st) { return limit_matches_g(&st->s->cs); }
static bool ss_g(const struct state *st)
{
	return st->s->ss.unusable || limit_matches_g(&st->s->ss);
}
static bool data_g(const struct state *st) { return EACH_DATA(4); }
static bool tr_usable(const struct state *st) { return !st->s->tr.unusable; }
static bool tr_type(const struct state *st)
{
	return st->s->tr.type == 11 || (!st->ia32e && st->s->tr.type == 3);
}
static bool tr_s(const struct state *st) { return !st->s->tr.s; }
static bool tr_p(const struct state *st) { return st->s->tr.present; }
static bool tr_g(const struct state *st) { return limit_matches_g(&st->s->tr); }
static bool ldtr_type(const struct state *st)
{
	return st->s->ldt.unusable || st->s->ldt.type == 2;
}
static bool ldtr_s(const struct state *st) { return st->s->ldt.unusable || !st->s->ldt.s; }
static bool ldtr_p(const struct state *st) { return st->s->ldt.unusable || st->s->ldt.present; }
static bool ldtr_g(const struct state *st)
{
	return st->s->ldt.unusable || limit_matches_g(&st->s->ldt);
}
static bool gdtr_base(const struct state *st) { return canonical(st->s->gdt.base); }
static bool idtr_base(const struct state *st) { return canonical(st->s->idt.base); }
static bool rip(const struct state *st)
{
	if (st->ia32e && st->s->cs.l)
		return canonical(st->r->rip);
	return !(st->r->rip >> 32);
}
static bool rflags_vm(const struct state *st)
{
	return !(st->r->rflags & RFLAGS_VM) ||
	       !(st->ia32e || !(st->s->cr0 & CR0_PE));
}

#define SEG	"Checks on Guest Segment Registers"
#define DT	"Checks on Guest Descriptor-Table Registers"
#define RR	"Checks on Guest RIP, RFLAGS, and SSP"

/* In the SDM's order. */
static const struct check checks[] = {
	{ "TR's selector has TI set (it must name the GDT)", SEG, tr_ti },
	{ "LDTR is usable and its selector has TI set", SEG, ldtr_ti },
	{ "a base that must be canonical is not (TR, FS, GS, LDTR)", SEG, bases_canonical },
	{ "CS's base has bits 63:32 set", SEG, cs_base_32 },
	{ "SS's, DS's or ES's base has bits 63:32 set", SEG, data_bases_32 },
	{ "CS's type is not accessed code (9, 11, 13, 15) or, with unrestricted guest, 3", SEG, cs_type },
	{ "SS's type is not 3 or 7 (read/write data, accessed)", SEG, ss_type },
	{ "DS, ES, FS or GS is not marked accessed (type bit 0)", SEG, data_accessed },
	{ "DS, ES, FS or GS is code that is not readable", SEG, data_code_readable },
	{ "CS is a system descriptor (S = 0)", SEG, cs_s },
	{ "SS is a system descriptor (S = 0)", SEG, ss_s },
	{ "DS, ES, FS or GS is a system descriptor (S = 0)", SEG, data_s },
	{ "CS's DPL does not fit its type and SS's DPL", SEG, cs_dpl },
	{ "SS's DPL is not 0 in real mode or with a type-3 CS", SEG, ss_dpl },
	{ "CS is not present", SEG, cs_p },
	{ "SS is not present", SEG, ss_p },
	{ "DS, ES, FS or GS is not present", SEG, data_p },
	{ "CS has both L and D/B set in IA-32e mode", SEG, cs_l_d },
	{ "CS's limit does not match its G bit", SEG, cs_g },
	{ "SS's limit does not match its G bit", SEG, ss_g },
	{ "DS's, ES's, FS's or GS's limit does not match its G bit", SEG, data_g },
	{ "TR is unusable", SEG, tr_usable },
	{ "TR's type is not a busy TSS (11; 3 outside IA-32e mode)", SEG, tr_type },
	{ "TR is not a system descriptor (S = 1)", SEG, tr_s },
	{ "TR is not present", SEG, tr_p },
	{ "TR's limit does not match its G bit", SEG, tr_g },
	{ "LDTR is usable and its type is not 2 (LDT)", SEG, ldtr_type },
	{ "LDTR is usable and not a system descriptor (S = 1)", SEG, ldtr_s },
	{ "LDTR is usable and not present", SEG, ldtr_p },
	{ "LDTR's limit does not match its G bit", SEG, ldtr_g },
	{ "GDTR's base is not canonical", DT, gdtr_base },
	{ "IDTR's base is not canonical", DT, idtr_base },
	{ "RIP has bits 63:32 set outside 64-bit mode, or is not canonical in it", RR, rip },
	{ "RFLAGS.VM is set in IA-32e mode or in real mode", RR, rflags_vm },
};

/**
 * minivm_entry_check() - the first VM-entry check a guest state breaks.
 * @r:   the general registers, RIP and RFLAGS (MINIVM_GET_REGS).
 * @s:   the segment and control registers (MINIVM_GET_SREGS).
 * @buf: where the check's name and SDM section go, in words.
 * @len: its size.
 *
 * Return: true if a check fails (named in @buf), false if the state
 * passes every check this knows.
 */
bool minivm_entry_check(const struct minivm_regs *r,
			const struct minivm_sregs *s, char *buf, size_t len)
{
	struct state st = { r, s, (s->efer & EFER_LMA) != 0 };
	size_t i;

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if (checks[i].ok(&st))
			continue;
		snprintf(buf, len, "%s (SDM Vol. 3C, \"%s\")", checks[i].what,
			 checks[i].section);
		return true;
	}
	return false;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * emulate_segment.c - loading segment registers from MMIO, for
 * emulate.c: MOV to DS, ES, FS, GS or SS from device memory, JMP and
 * CALL through a far pointer there, and RET far with the stack there.
 * Each loads a segment register: from its selector in real mode, from
 * the descriptor it names otherwise, with the checks the CPU makes (SDM
 * Vol. 2, "MOV", "JMP", "CALL", "RET"; Vol. 3A, "Privilege Level
 * Checking When Transferring Program Control Between Code Segments").
 * kvm-unit-tests' emulator test does all of these.
 *
 * Far branches go only to a code segment at the same privilege level: a
 * call gate, a task gate, a TSS or a RET to an outer ring is declined.
 * The new segment goes to the kernel with MINIVM_SET_SREGS, the
 * descriptor's accessed bit is set as the CPU sets it, and a failed
 * check raises the exception the CPU raises.
 */
#include "emulate.h"

#define EFER_LMA	(1ULL << 10)

/* The far pointer at @la: an offset of @size bytes, then a selector. */
static bool far_pointer(struct emu *e, uint64_t la, unsigned int size,
			uint64_t *off, uint16_t *sel)
{
	*off = 0;
	return emulate_access(e, la, size, false, off) &&
	       emulate_access(e, la + size, 2, false, sel);
}

static bool selector_fault(struct emu *e, int vector, uint16_t sel, const char *why)
{
	return emulate_fault(e, vector, sel & 0xfffc, why);
}

/* Descriptor @d (8 bytes) as the hidden part of a segment register. */
static void unpack(const uint8_t d[8], uint16_t sel, struct minivm_segment *s)
{
	uint32_t limit = d[0] | d[1] << 8 | (d[6] & 15) << 16;

	*s = (struct minivm_segment){
		.selector = sel, .type = d[5] & 15, .s = (d[5] >> 4) & 1,
		.dpl = (d[5] >> 5) & 3, .present = d[5] >> 7,
		.avl = (d[6] >> 4) & 1, .l = (d[6] >> 5) & 1,
		.db = (d[6] >> 6) & 1, .g = d[6] >> 7,
		.limit = d[6] & 0x80 ? limit << 12 | 0xfff : limit,
		.base = d[2] | d[3] << 8 | d[4] << 16 | (uint32_t)d[7] << 24,
	};
}

/*
 * The descriptor non-null selector @sel names, into @d; @at its linear
 * address.  Beyond the GDT's or LDT's limit it is a #GP(selector).
 */
static bool descriptor(struct emu *e, uint16_t sel, uint8_t d[8], uint64_t *at)
{
	bool ldt = sel & 4;
	uint64_t base = ldt ? e->s.ldt.base : e->s.gdt.base;
	uint32_t limit = ldt ? e->s.ldt.limit : e->s.gdt.limit;

	if ((sel | 7) > limit || (ldt && e->s.ldt.unusable))
		return selector_fault(e, 13, sel, "a selector beyond the descriptor table (a #GP)");
	*at = base + (sel & ~7);
	if (e->mode != 64)
		*at = (uint32_t)*at;
	return emulate_access(e, *at, 8, false, d);
}

/* Set the descriptor's accessed bit, as the CPU does when it loads one. */
static bool mark_accessed(struct emu *e, uint8_t d[8], uint64_t at)
{
	if (d[5] & 1)
		return true;
	d[5] |= 1;
	return emulate_access(e, at + 5, 1, true, &d[5]);
}

/*
 * The code segment @sel names, checked as a far JMP, CALL or RET checks
 * it at CPL @cpl, into @cs; its descriptor marked accessed.
 */
static bool code_segment(struct emu *e, uint16_t sel, unsigned int cpl,
			 struct minivm_segment *cs)
{
	uint64_t at;
	uint8_t d[8];

	if (!(sel & ~3))
		return emulate_fault(e, 13, 0, "a far branch to a null selector (a #GP)");
	if (!descriptor(e, sel, d, &at))
		return false;
	if (!(d[5] & 0x10))
		return emulate_decline(e, "a far branch through a gate or to a TSS");
	if (!(d[5] & 8))
		return selector_fault(e, 13, sel, "a far branch to a data segment (a #GP)");
	if ((d[5] & 4) ? ((d[5] >> 5) & 3) > cpl :
			 (sel & 3) > cpl || ((d[5] >> 5) & 3) != cpl)
		return selector_fault(e, 13, sel, "a far branch to another privilege level (a #GP)");
	if ((e->s.efer & EFER_LMA) && (d[6] & 0x60) == 0x60)
		return selector_fault(e, 13, sel, "a code segment with both L and D (a #GP)");
	if (!(d[5] & 0x80))
		return selector_fault(e, 11, sel, "a far branch to a segment not present (a #NP)");
	if (!mark_accessed(e, d, at))
		return false;
	unpack(d, (sel & ~3) | cpl, cs);
	return true;
}

/*
 * SS from selector @sel at CPL @cpl: a writable data segment of DPL and
 * RPL CPL; null only in 64-bit mode below CPL 3, with RPL = CPL.
 */
static bool stack_segment(struct emu *e, uint16_t sel, unsigned int cpl,
			  struct minivm_segment *ss)
{
	uint64_t at;
	uint8_t d[8];

	if (!(sel & ~3)) {
		if (e->mode != 64 || cpl == 3 || (sel & 3) != cpl)
			return emulate_fault(e, 13, 0, "a null SS here (a #GP)");
		*ss = (struct minivm_segment){ .selector = sel, .unusable = 1,
					       .dpl = cpl, .db = 1 };
		return true;
	}
	if (!descriptor(e, sel, d, &at))
		return false;
	if ((sel & 3) != cpl || (d[5] & 0x1a) != 0x12 || ((d[5] >> 5) & 3) != cpl)
		return selector_fault(e, 13, sel, "SS must be a writable data segment at the CPL (a #GP)");
	if (!(d[5] & 0x80))
		return selector_fault(e, 12, sel, "SS not present (an #SS)");
	if (!mark_accessed(e, d, at))
		return false;
	unpack(d, sel, ss);
	return true;
}

/*
 * DS, ES, FS or GS from selector @sel at CPL @cpl: a null selector makes
 * it unusable; else a data or readable code segment whose DPL the RPL
 * and the CPL may use (any DPL for conforming code).
 */
static bool data_segment(struct emu *e, uint16_t sel, unsigned int cpl,
			 struct minivm_segment *s)
{
	unsigned int dpl;
	uint64_t at;
	uint8_t d[8];

	if (!(sel & ~3)) {
		*s = (struct minivm_segment){ .selector = sel, .unusable = 1 };
		return true;
	}
	if (!descriptor(e, sel, d, &at))
		return false;
	dpl = (d[5] >> 5) & 3;
	if (!(d[5] & 0x10) || (d[5] & 0xa) == 0x8 ||
	    ((d[5] & 0xc) != 0xc && ((sel & 3) > dpl || cpl > dpl)))
		return selector_fault(e, 13, sel, "not a segment this selector may load (a #GP)");
	if (!(d[5] & 0x80))
		return selector_fault(e, 11, sel, "a segment not present (a #NP)");
	if (!mark_accessed(e, d, at))
		return false;
	unpack(d, sel, s);
	return true;
}

/* The segment register @reg names in e->s. */
static struct minivm_segment *sreg(struct emu *e, ZydisRegister reg)
{
	switch (reg) {
	case ZYDIS_REGISTER_ES: return &e->s.es;
	case ZYDIS_REGISTER_SS: return &e->s.ss;
	case ZYDIS_REGISTER_DS: return &e->s.ds;
	case ZYDIS_REGISTER_FS: return &e->s.fs;
	case ZYDIS_REGISTER_GS: return &e->s.gs;
	default: return NULL;
	}
}

/**
 * emulate_mov_sreg() - MOV to a segment register from MMIO.
 * @e:  the instruction: MOV Sreg, r/m16.
 * @la: its memory operand's linear address.
 *
 * MOV to SS also blocks interrupts for the next instruction (the MOV-SS
 * shadow), as the CPU does.
 *
 * Return: true if done; false (e->why set, e->fault if it raised one).
 */
bool emulate_mov_sreg(struct emu *e, uint64_t la)
{
	struct minivm_segment *to = sreg(e, e->op[0].reg.value), s;
	unsigned int cpl = e->s.cs.dpl;
	uint16_t sel = 0;

	if (!to)
		return emulate_decline(e, "MOV to CS (a #UD)");
	if (!emulate_access(e, la, 2, false, &sel))
		return false;
	if (!(e->s.cr0 & 1)) {				/* real mode */
		s = *to;
		s.selector = sel;
		s.base = (uint64_t)sel << 4;
	} else if (to == &e->s.ss ? !stack_segment(e, sel, cpl, &s) :
				     !data_segment(e, sel, cpl, &s)) {
		return false;
	}
	*to = s;
	if (minivm_set_sregs(&e->v->cpu, &e->s))
		return emulate_decline(e, "the kernel refused the new segment");
	e->mov_ss = to == &e->s.ss;
	return true;
}

/* The new CS for @sel:@off, checked as the CPU checks the target. */
static bool target(struct emu *e, uint16_t sel, uint64_t off,
		   struct minivm_segment *cs)
{
	bool lma = e->s.efer & EFER_LMA;

	if (!(e->s.cr0 & 1)) {				/* real mode */
		*cs = e->s.cs;
		cs->selector = sel;
		cs->base = (uint64_t)sel << 4;
	} else if (!code_segment(e, sel, e->s.cs.dpl, cs)) {
		return false;
	}
	if (lma && cs->l ? (uint64_t)((int64_t)(off << 16) >> 16) != off :
			   off > cs->limit)
		return emulate_fault(e, 13, 0, "a far branch past the segment's limit or non-canonical (a #GP)");
	return true;
}

/* Load CS:RIP. */
static bool load_cs(struct emu *e, const struct minivm_segment *cs, uint64_t off)
{
	e->s.cs = *cs;
	if (minivm_set_sregs(&e->v->cpu, &e->s))
		return emulate_decline(e, "the kernel refused the new CS");
	e->r.rip = off;
	e->jumped = true;
	return true;
}

/**
 * emulate_far() - JMP far or CALL far through memory, or RET far.
 * @e:  the instruction.
 * @la: its far pointer's linear address (JMP, CALL).
 *
 * The target is checked first; then CALL pushes CS and the return
 * address, each a slot of the operand size; then CS is loaded.  A fault
 * on the way leaves the registers as they were (emulate.c writes them
 * back only for an instruction that is done).
 *
 * Return: true if done; false (e->why set, e->fault if it raised one).
 */
bool emulate_far(struct emu *e, uint64_t la)
{
	unsigned int size = e->in.operand_width / 8;
	uint64_t off = 0, next = e->r.rip + e->in.length, sel = 0;
	struct minivm_segment cs;
	uint16_t sel16 = 0;

	switch (e->in.mnemonic) {
	case ZYDIS_MNEMONIC_JMP:
		return far_pointer(e, la, size, &off, &sel16) &&
		       target(e, sel16, off & emu_mask(size * 8), &cs) &&
		       load_cs(e, &cs, off & emu_mask(size * 8));
	case ZYDIS_MNEMONIC_CALL:
		return far_pointer(e, la, size, &off, &sel16) &&
		       target(e, sel16, off & emu_mask(size * 8), &cs) &&
		       emulate_push(e, size, e->s.cs.selector) &&
		       emulate_push(e, size, next & emu_mask(size * 8)) &&
		       load_cs(e, &cs, off & emu_mask(size * 8));
	default:				/* RET far, with or without imm16 */
		if (!emulate_pop(e, size, &off) || !emulate_pop(e, size, &sel))
			return false;
		if ((sel & 3) > e->s.cs.dpl)
			return emulate_decline(e, "a far RET to an outer privilege level");
		if (e->in.operand_count_visible)
			emulate_set_width(&e->r.rsp, e->mode == 64 ? 64 : e->s.ss.db ? 32 : 16,
					  e->r.rsp + e->op[0].imm.value.u);
		off &= emu_mask(size * 8);
		return target(e, sel, off, &cs) && load_cs(e, &cs, off);
	}
}

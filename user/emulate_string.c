// SPDX-License-Identifier: GPL-2.0
/*
 * emulate_string.c - string instructions on MMIO, for emulate.c.
 *
 * MOVS, CMPS, STOS, LODS and SCAS with a source or destination in MMIO,
 * and INS and OUTS whose memory is MMIO (the kernel does those itself
 * when the memory is RAM).  Each element is one access of the
 * instruction's size; a REP runs a batch of elements per exit.
 */
#include "emulate.h"

#define FLAG_TF		0x100ULL
#define FLAG_DF		0x400ULL

/* String elements per exit, at most: the guest takes interrupts between. */
#define REP_BATCH	4096

/* Add @step to pointer or counter @p at the address size @aw. */
static void advance(__u64 *p, unsigned int aw, uint64_t step)
{
	emulate_set_width(p, aw, *p + step);
}

/*
 * INS: the port's data to ES:[rDI].  The destination is translated
 * first, so that a #PF there does not swallow what the port gave.
 */
static bool string_in(struct emu *e, uint64_t di, unsigned int size)
{
	uint64_t pa, val = 0;
	int code;

	if (!vmm_translate(e->v, &e->s, di, true, &pa, &e->why, &code)) {
		e->fault_addr = di;
		return code < 0 ? false : emulate_fault(e, 14, code, e->why);
	}
	vmm_port_io(e->v, e->r.rdx, size, true, (uint8_t *)&val);
	return emulate_access(e, di, size, true, &val);
}

/* OUTS: the source's data to the port. */
static bool string_out(struct emu *e, uint64_t si, unsigned int size)
{
	uint64_t val = 0;

	if (!emulate_access(e, si, size, false, &val))
		return false;
	vmm_port_io(e->v, e->r.rdx, size, false, (uint8_t *)&val);
	return true;
}

/*
 * One element of a string instruction (SDM Vol. 2, "MOVS", "CMPS", ...):
 * the source at [rSI] in DS (or the override), the destination at [rDI]
 * in ES.
 */
static bool string_once(struct emu *e, ZydisRegister seg, unsigned int size)
{
	uint8_t opc = e->in.opcode & ~1;
	unsigned int aw = e->in.address_width;
	uint64_t si = emulate_linear(e, seg, e->r.rsi & emu_mask(aw));
	uint64_t di = emulate_linear(e, ZYDIS_REGISTER_ES, e->r.rdi & emu_mask(aw));
	uint64_t step = (e->r.rflags & FLAG_DF) ? -(uint64_t)size : size;
	struct emulate_alu x = { 0 };

	if ((opc == 0xa4 || opc == 0xa6 || opc == 0xac) &&
	    !emulate_access(e, si, size, false, &x.d))
		return false;
	if (opc == 0xae)
		x.d = e->r.rax & emu_mask(size * 8);
	if ((opc == 0xa6 || opc == 0xae) && !emulate_access(e, di, size, false, &x.s))
		return false;
	if (opc == 0xa4 && !emulate_access(e, di, size, true, &x.d))
		return false;
	if (opc == 0xaa && !emulate_access(e, di, size, true, &e->r.rax))
		return false;
	if ((opc == 0xa6 || opc == 0xae) &&
	    !emulate_host(e, ZYDIS_MNEMONIC_CMP, size * 8, &x))
		return false;
	if (opc == 0xac)
		emulate_put(e, ZYDIS_REGISTER_RAX, size * 8, x.d);
	if (opc == 0x6c && !string_in(e, di, size))
		return false;
	if (opc == 0x6e && !string_out(e, si, size))
		return false;
	if (opc == 0xa4 || opc == 0xa6 || opc == 0xac || opc == 0x6e)
		advance(&e->r.rsi, aw, step);
	if (opc != 0xac && opc != 0x6e)
		advance(&e->r.rdi, aw, step);
	return true;
}

/*
 * MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS, with or without REP.  The
 * kernel does INS and OUTS itself when their memory is RAM; to or from
 * MMIO they come here, as an unexpected exit.  A REP runs up to
 * REP_BATCH elements per exit and leaves RIP on the instruction until
 * rCX runs out, as the CPU does when an interrupt comes in between
 * ("Fast-String Operation"); what is left runs natively if it no longer
 * touches MMIO.  A fault after the first element ends the batch there,
 * so the guest runs into it again and gets the fault then.  With
 * RFLAGS.TF a batch is one element: the CPU traps after each iteration
 * ("Single-Step Exception Condition").
 */
bool emulate_string(struct emu *e)
{
	uint64_t attr = e->in.attributes;
	bool rep = attr & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE |
			   ZYDIS_ATTRIB_HAS_REPNE);
	unsigned int aw = e->in.address_width, n, i;
	unsigned int batch = (e->r.rflags & FLAG_TF) ? 1 : REP_BATCH;
	unsigned int size = (e->in.opcode & 1) ? e->in.operand_width / 8 : 1;
	ZydisRegister seg = ZYDIS_REGISTER_DS;

	for (i = 0; i < e->in.operand_count; i++)	/* the source's segment */
		if (e->op[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64,
						     e->op[i].mem.base) == ZYDIS_REGISTER_RSI)
			seg = e->op[i].mem.segment;
	for (n = 0; n < batch; n++) {
		if (rep && !(e->r.rcx & emu_mask(aw)))
			return true;
		if (!string_once(e, seg, size)) {
			e->again = n > 0;
			return n > 0;
		}
		if (!rep)
			return true;
		advance(&e->r.rcx, aw, -1);
		if (((attr & ZYDIS_ATTRIB_HAS_REPE) && !(e->r.rflags & FLAG_ZF)) ||
		    ((attr & ZYDIS_ATTRIB_HAS_REPNE) && (e->r.rflags & FLAG_ZF)))
			return true;
	}
	e->again = (e->r.rcx & emu_mask(aw)) != 0;
	return true;
}

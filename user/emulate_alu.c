// SPDX-License-Identifier: GPL-2.0
/*
 * emulate_alu.c - the arithmetic of emulate.c, done by the host CPU.
 *
 * An emulated instruction must leave the flags the CPU would, including
 * those the SDM calls undefined (a shift's OF past one bit, BSF's flags
 * but ZF), which differ between processors.  The launcher runs on the
 * same CPU as the guest, so the simplest faithful way is to let it do the
 * instruction: the operands go into registers, the guest's arithmetic
 * flags into RFLAGS (POPF in user mode cannot change IF, IOPL or TF
 * here: only the six arithmetic flags are passed), and what the
 * instruction leaves comes back.
 */
#include "emulate.h"

/*
 * Run one instruction on the host with the guest's arithmetic flags, and
 * take the flags it leaves.  The pushes stay below the red zone.
 */
#define HOST(text)							\
	__asm__("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t" text	\
		"\n\tpushf\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"		\
		: [d] "+r" (x->d), [s] "+r" (x->s), [f] "+r" (x->f),	\
		  "+a" (x->a), "+d" (x->dx) : "c" (x->c) : "cc")
#define CL_D(w)		"%%cl, %" #w "[d]"
#define S_D(w)		"%" #w "[s], %" #w "[d]"
#define CL_S_D(w)	"%%cl, %" #w "[s], %" #w "[d]"
#define D(w)		"%" #w "[d]"
#define S(w)		"%" #w "[s]"
#define WLQ(op, fmt)							\
	case 16: HOST(op "w " fmt(w)); break;			\
	case 32: HOST(op "l " fmt(k)); break;			\
	case 64: HOST(op "q " fmt(q)); break
#define BWLQ(op, fmt)							\
	case 8: HOST(op "b " fmt(b)); break;			\
	WLQ(op, fmt)
#define SIZES(list) do { switch (bits) { list; default: return false; } } while (0)

static bool host_shift(ZydisMnemonic m, unsigned int bits, struct emulate_alu *x)
{
	switch (m) {
	case ZYDIS_MNEMONIC_SHL: SIZES(BWLQ("shl", CL_D)); break;
	case ZYDIS_MNEMONIC_SHR: SIZES(BWLQ("shr", CL_D)); break;
	case ZYDIS_MNEMONIC_SAR: SIZES(BWLQ("sar", CL_D)); break;
	case ZYDIS_MNEMONIC_ROL: SIZES(BWLQ("rol", CL_D)); break;
	case ZYDIS_MNEMONIC_ROR: SIZES(BWLQ("ror", CL_D)); break;
	case ZYDIS_MNEMONIC_RCL: SIZES(BWLQ("rcl", CL_D)); break;
	case ZYDIS_MNEMONIC_RCR: SIZES(BWLQ("rcr", CL_D)); break;
	case ZYDIS_MNEMONIC_SHLD: SIZES(WLQ("shld", CL_S_D)); break;
	case ZYDIS_MNEMONIC_SHRD: SIZES(WLQ("shrd", CL_S_D)); break;
	default: return false;
	}
	return true;
}

static bool host_bits(ZydisMnemonic m, unsigned int bits, struct emulate_alu *x)
{
	switch (m) {
	case ZYDIS_MNEMONIC_BT: SIZES(WLQ("bt", S_D)); break;
	case ZYDIS_MNEMONIC_BTS: SIZES(WLQ("bts", S_D)); break;
	case ZYDIS_MNEMONIC_BTR: SIZES(WLQ("btr", S_D)); break;
	case ZYDIS_MNEMONIC_BTC: SIZES(WLQ("btc", S_D)); break;
	case ZYDIS_MNEMONIC_BSF: SIZES(WLQ("bsf", S_D)); break;
	case ZYDIS_MNEMONIC_BSR: SIZES(WLQ("bsr", S_D)); break;
	case ZYDIS_MNEMONIC_TZCNT: SIZES(WLQ("tzcnt", S_D)); break;
	case ZYDIS_MNEMONIC_LZCNT: SIZES(WLQ("lzcnt", S_D)); break;
	case ZYDIS_MNEMONIC_POPCNT: SIZES(WLQ("popcnt", S_D)); break;
	case ZYDIS_MNEMONIC_IMUL:
		if (x->one_operand)
			SIZES(BWLQ("imul", S));
		else
			SIZES(WLQ("imul", S_D));
		break;
	default: return false;
	}
	return true;
}

/**
 * emulate_alu() - run instruction @m at @bits on the host.
 * @m:    ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, TEST, INC, DEC, NOT,
 *        NEG, CMPXCHG, XADD, MUL, IMUL, DIV, IDIV (which the caller has
 *        checked for #DE), a shift or rotate, SHLD/SHRD, a bit test or
 *        scan, or POPCNT.
 * @bits: the operand size.
 * @x:    the operands in (d the destination, s the source, c the count
 *        in CL, a and dx rAX and rDX) and out, with f the arithmetic
 *        flags.
 *
 * Return: false if @m is none of those.
 */
bool emulate_alu(ZydisMnemonic m, unsigned int bits, struct emulate_alu *x)
{
	switch (m) {
	case ZYDIS_MNEMONIC_ADD: SIZES(BWLQ("add", S_D)); break;
	case ZYDIS_MNEMONIC_OR: SIZES(BWLQ("or", S_D)); break;
	case ZYDIS_MNEMONIC_ADC: SIZES(BWLQ("adc", S_D)); break;
	case ZYDIS_MNEMONIC_SBB: SIZES(BWLQ("sbb", S_D)); break;
	case ZYDIS_MNEMONIC_AND: SIZES(BWLQ("and", S_D)); break;
	case ZYDIS_MNEMONIC_SUB: SIZES(BWLQ("sub", S_D)); break;
	case ZYDIS_MNEMONIC_XOR: SIZES(BWLQ("xor", S_D)); break;
	case ZYDIS_MNEMONIC_TEST: SIZES(BWLQ("test", S_D)); break;
	case ZYDIS_MNEMONIC_INC: SIZES(BWLQ("inc", D)); break;
	case ZYDIS_MNEMONIC_DEC: SIZES(BWLQ("dec", D)); break;
	case ZYDIS_MNEMONIC_NOT: SIZES(BWLQ("not", D)); break;
	case ZYDIS_MNEMONIC_NEG: SIZES(BWLQ("neg", D)); break;
	case ZYDIS_MNEMONIC_CMP: SIZES(BWLQ("cmp", S_D)); break;
	case ZYDIS_MNEMONIC_MUL: SIZES(BWLQ("mul", S)); break;
	case ZYDIS_MNEMONIC_DIV: SIZES(BWLQ("div", S)); break;
	case ZYDIS_MNEMONIC_IDIV: SIZES(BWLQ("idiv", S)); break;
	case ZYDIS_MNEMONIC_CMPXCHG: SIZES(BWLQ("cmpxchg", S_D)); break;
	case ZYDIS_MNEMONIC_XADD: SIZES(BWLQ("xadd", S_D)); break;
	default: return host_shift(m, bits, x) || host_bits(m, bits, x);
	}
	return true;
}

/* Condition code @cc (the low nibble of Jcc, SETcc, CMOVcc) on @f. */
bool emulate_condition(uint64_t f, unsigned int cc)
{
	bool cf = f & 1, pf = f & 4, zf = f & 0x40, sf = f & 0x80, of = f & 0x800;
	bool r;

	switch (cc >> 1) {
	case 0: r = of; break;
	case 1: r = cf; break;
	case 2: r = zf; break;
	case 3: r = cf || zf; break;
	case 4: r = sf; break;
	case 5: r = pf; break;
	case 6: r = sf != of; break;
	default: r = zf || sf != of; break;
	}
	return r != (cc & 1);
}

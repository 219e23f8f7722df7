// SPDX-License-Identifier: GPL-2.0
/*
 * emulate_sse.c - SSE and MMX moves between a register and MMIO.
 *
 * Guests copy to and from device memory with SSE: a libc memcpy() into
 * a framebuffer, a driver's 16-byte register, kvm-unit-tests' emulator
 * test.  The XMM registers are not in struct minivm_regs; between runs
 * they are in the guest's FPU state, which MINIVM_GET_XSAVE and
 * MINIVM_SET_XSAVE read and write in the XSAVE format (XMM0 at byte 160
 * of the legacy region, 16 bytes each).  Only moves: MOVD, MOVQ, MOVSS,
 * MOVSD (a load from memory zeroes the rest of the register), MOVDQU,
 * MOVUPS, MOVUPD, LDDQU, and the aligned MOVDQA, MOVAPS, MOVAPD and the
 * non-temporal stores, which raise #GP when misaligned, as on a CPU.
 * MOVD and MOVQ with an MMX register work on the x87 registers the MMX
 * ones alias, in the same state.  VEX-encoded (AVX) forms are declined:
 * they would need the YMM state.  A 16-byte MMIO access reaches the
 * device as two of 8 bytes.
 */
#include <string.h>

#include "emulate.h"

#define XMM0_OFFSET	160	/* in the legacy region (FXSAVE layout) */
#define ST0_OFFSET	32

/* Whether @m must be 16-byte aligned (SDM Vol. 2, each one's #GP). */
static bool aligned_form(ZydisMnemonic m)
{
	return m == ZYDIS_MNEMONIC_MOVDQA || m == ZYDIS_MNEMONIC_MOVAPS ||
	       m == ZYDIS_MNEMONIC_MOVAPD || m == ZYDIS_MNEMONIC_MOVNTDQ ||
	       m == ZYDIS_MNEMONIC_MOVNTPS || m == ZYDIS_MNEMONIC_MOVNTPD;
}

static bool sse_move(ZydisMnemonic m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_MOVD: case ZYDIS_MNEMONIC_MOVQ:
	case ZYDIS_MNEMONIC_MOVSS: case ZYDIS_MNEMONIC_MOVSD:
	case ZYDIS_MNEMONIC_MOVDQU: case ZYDIS_MNEMONIC_MOVUPS:
	case ZYDIS_MNEMONIC_MOVUPD: case ZYDIS_MNEMONIC_LDDQU:
		return true;
	default:
		return aligned_form(m);
	}
}

/*
 * MOVD and MOVQ between an MMX register and MMIO.  MMn is the low 64 bits
 * of x87 physical register Rn, which the FXSAVE image keeps as ST(i),
 * i = (n - TOP) mod 8, 16 bytes each from byte 32.  Every MMX
 * instruction sets TOP to 0 and every tag to valid, and a load writes 1s
 * to the register's exponent and sign (SDM Vol. 1, "Effect of MMX
 * Instructions on the x87 FPU"), so the image is rotated to TOP 0.
 */
static bool mmx_move(struct emu *e, unsigned int n, bool load, uint64_t la,
		     unsigned int len)
{
	struct minivm_xsave x;
	uint8_t *fx = (uint8_t *)x.region, st[8][16];
	unsigned int top, i;
	uint64_t v = 0;

	if (minivm_get_xsave(&e->v->cpu, &x))
		return emulate_decline(e, "the MMX registers cannot be read");
	top = (fx[3] >> 3) & 7;			/* FSW bits 13:11 */
	memcpy(st, fx + ST0_OFFSET, sizeof(st));
	if (!load) {
		if (!emulate_access(e, la, len, true, st[(n - top) & 7]))
			return false;
	} else {
		if (!emulate_access(e, la, len, false, &v))
			return false;
		memcpy(st[(n - top) & 7], &v, 8);
		st[(n - top) & 7][8] = st[(n - top) & 7][9] = 0xff;
	}
	for (i = 0; i < 8; i++)			/* slot i holds R(i) now */
		memcpy(fx + ST0_OFFSET + 16 * i, st[(i - top) & 7], 16);
	fx[3] &= ~0x38;				/* TOP = 0 */
	fx[4] = 0xff;				/* the abridged tag word: all valid */
	if (minivm_set_xsave(&e->v->cpu, &x))
		return emulate_decline(e, "the MMX registers cannot be written");
	return true;
}

/**
 * emulate_sse() - an SSE move with one operand in MMIO.
 * @e:  the instruction, decoded.
 * @la: its memory operand's linear address.
 *
 * Return: true if done; false (e->why set) if declined.
 */
bool emulate_sse(struct emu *e, uint64_t la)
{
	const ZydisDecodedOperand *o = e->op;
	bool load = o[0].type == ZYDIS_OPERAND_TYPE_REGISTER;
	const ZydisDecodedOperand *reg = load ? &o[0] : &o[1];
	const ZydisDecodedOperand *mem = load ? &o[1] : &o[0];
	unsigned int len = mem->size / 8;
	struct minivm_xsave x;
	uint8_t *xmm;

	if (!sse_move(e->in.mnemonic) || e->in.encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return emulate_decline(e, "not an instruction the launcher emulates");
	if (reg->type == ZYDIS_OPERAND_TYPE_REGISTER &&
	    ZydisRegisterGetClass(reg->reg.value) == ZYDIS_REGCLASS_MMX &&
	    mem->type == ZYDIS_OPERAND_TYPE_MEMORY &&
	    (e->in.mnemonic == ZYDIS_MNEMONIC_MOVD || e->in.mnemonic == ZYDIS_MNEMONIC_MOVQ))
		return mmx_move(e, reg->reg.value - ZYDIS_REGISTER_MM0, load, la, len);
	if (reg->type != ZYDIS_OPERAND_TYPE_REGISTER ||
	    ZydisRegisterGetClass(reg->reg.value) != ZYDIS_REGCLASS_XMM ||
	    mem->type != ZYDIS_OPERAND_TYPE_MEMORY || len > 16)
		return emulate_decline(e, "not a form the launcher emulates");
	if (aligned_form(e->in.mnemonic) && (la & 15))
		return emulate_fault(e, 13, 0, "a misaligned operand (a #GP)");
	if (minivm_get_xsave(&e->v->cpu, &x))
		return emulate_decline(e, "the XMM registers cannot be read");
	xmm = (uint8_t *)x.region + XMM0_OFFSET +
	      16 * (reg->reg.value - ZYDIS_REGISTER_XMM0);
	if (!load)
		return emulate_access(e, la, len, true, xmm);
	memset(xmm + len, 0, 16 - len);		/* a 4- or 8-byte load: the rest is 0 */
	if (!emulate_access(e, la, len, false, xmm))
		return false;
	if (minivm_set_xsave(&e->v->cpu, &x))
		return emulate_decline(e, "the XMM registers cannot be written");
	return true;
}

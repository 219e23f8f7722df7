// SPDX-License-Identifier: GPL-2.0
/*
 * mmio_alu.c - the arithmetic of an instruction whose operand is MMIO.
 *
 * Compiled code does not only MOV to and from device registers.  clang
 * folds a volatile load into the instruction that uses it: it polls a
 * status bit with "testb $0x20, (%rdi)" and enables a local APIC with
 * "orl $0x100, 0xfee000f0"; hand-written code does the same.  mmio.c
 * decodes such an instruction and has the device read; what the CPU
 * would then have computed is worked out here: the result, and the six
 * arithmetic flags (SDM Vol. 1, "EFLAGS Register"; each instruction's
 * "Flags Affected" in Vol. 2).  It is done in C, one rule per flag,
 * rather than by running the instruction on the host with the guest's
 * flags loaded (KVM's way), so that the rules can be read.
 *
 * The operations are those of the 80h-83h group, in its order (ModRM.reg
 * 0-7), then TEST, NOT, NEG, INC and DEC.  After AND, OR, XOR and TEST
 * the SDM leaves AF undefined; minivm clears it.
 */
#include <linux/bitops.h>
#include <linux/kernel.h>
#include <asm/processor-flags.h>

#include "minivm.h"

#define ARITH_FLAGS (X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF |	\
		     X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

/*
 * a + b + c, @mask wide: CF is the carry out of the top bit, OF says the
 * signed result does not fit, AF is the carry out of bit 3.
 */
static u64 add(u64 a, u64 b, u64 c, u64 mask, u64 sign, unsigned long *f)
{
	u64 r = (a + b + c) & mask;

	if (r < a || (c && r == a))
		*f |= X86_EFLAGS_CF;
	if ((a ^ r) & (b ^ r) & sign)
		*f |= X86_EFLAGS_OF;
	if ((a ^ b ^ r) & 0x10)
		*f |= X86_EFLAGS_AF;
	return r;
}

/* a - b - c: CF is the borrow, OF and AF as for add(). */
static u64 sub(u64 a, u64 b, u64 c, u64 mask, u64 sign, unsigned long *f)
{
	u64 r = (a - b - c) & mask;

	if (c ? a <= b : a < b)
		*f |= X86_EFLAGS_CF;
	if ((a ^ b) & (a ^ r) & sign)
		*f |= X86_EFLAGS_OF;
	if ((a ^ b ^ r) & 0x10)
		*f |= X86_EFLAGS_AF;
	return r;
}

/* The result and CF, OF, AF of @op; the caller adds ZF, SF and PF. */
static u64 compute(enum minivm_alu op, u64 a, u64 b, u64 cf, u64 mask,
		   u64 sign, unsigned long *f)
{
	switch (op) {
	case MINIVM_ALU_ADD:
		return add(a, b, 0, mask, sign, f);
	case MINIVM_ALU_ADC:
		return add(a, b, cf, mask, sign, f);
	case MINIVM_ALU_SUB:
	case MINIVM_ALU_CMP:
		return sub(a, b, 0, mask, sign, f);
	case MINIVM_ALU_SBB:
		return sub(a, b, cf, mask, sign, f);
	case MINIVM_ALU_OR:
		return a | b;
	case MINIVM_ALU_XOR:
		return a ^ b;
	case MINIVM_ALU_AND:
	case MINIVM_ALU_TEST:
		return a & b;
	case MINIVM_ALU_NEG:
		return sub(0, a, 0, mask, sign, f);
	case MINIVM_ALU_INC:
		return add(a, 1, 0, mask, sign, f);
	case MINIVM_ALU_DEC:
		return sub(a, 1, 0, mask, sign, f);
	case MINIVM_ALU_NOT:
		return ~a & mask;
	}
	return a;
}

/**
 * minivm_alu() - what the CPU computes for @op on operands of @len bytes.
 * @op:     the operation.
 * @len:    the operand size in bytes: 1, 2, 4 or 8.
 * @dst:    the first operand (the destination; CMP's and TEST's left side).
 * @src:    the second (INC, DEC, NEG and NOT have none).
 * @rflags: the guest's RFLAGS.  ADC and SBB read CF; the arithmetic
 *          flags are set as @op defines: INC and DEC keep CF, NOT
 *          changes none.
 *
 * Return: the result, @len bytes wide (for CMP and TEST it is written
 * nowhere).
 */
u64 minivm_alu(enum minivm_alu op, unsigned int len, u64 dst, u64 src,
	       unsigned long *rflags)
{
	u64 mask = len >= 8 ? ~0ULL : BIT_ULL(len * 8) - 1;
	u64 sign = BIT_ULL(len * 8 - 1);
	u64 cf = !!(*rflags & X86_EFLAGS_CF);
	unsigned long f = 0, keep = ~ARITH_FLAGS;
	u64 r;

	r = compute(op, dst & mask, src & mask, cf, mask, sign, &f);
	if (op == MINIVM_ALU_NOT)
		return r;
	if (!r)
		f |= X86_EFLAGS_ZF;
	if (r & sign)
		f |= X86_EFLAGS_SF;
	if (!(hweight8(r & 0xff) & 1))		/* even parity, low byte */
		f |= X86_EFLAGS_PF;
	if (op == MINIVM_ALU_INC || op == MINIVM_ALU_DEC) {
		keep |= X86_EFLAGS_CF;
		f &= ~X86_EFLAGS_CF;
	}
	*rflags = (*rflags & keep) | f;
	return r;
}

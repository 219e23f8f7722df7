// SPDX-License-Identifier: GPL-2.0
/*
 * emulate_stack.c - the stack instructions, for emulate.c, when the
 * stack or an operand is in MMIO: PUSH, POP, CALL, RET, LEAVE, ENTER.
 *
 * A stack in device memory is rare (kvm-unit-tests runs one on its IORAM
 * page; a device's SRAM would do), but where PUSH works, CALL and RET
 * must too.  The stack's address size is 64 bits in 64-bit mode and
 * SS.B's outside it; the operand size is the instruction's.  JMP and
 * CALL through a pointer in MMIO are here too; a branch to a
 * non-canonical address raises #GP(0) before anything is pushed.  Far
 * branches are emulate_segment.c's; ENTER with a nesting level is declined.
 */
#include "emulate.h"

static unsigned int stack_width(struct emu *e)
{
	return e->mode == 64 ? 64 : e->s.ss.db ? 32 : 16;
}

bool emulate_push(struct emu *e, unsigned int size, uint64_t v)
{
	unsigned int sw = stack_width(e);
	uint64_t sp = (e->r.rsp - size) & emu_mask(sw);

	if (!emulate_access(e, emulate_linear(e, ZYDIS_REGISTER_SS, sp), size,
			    true, &v))
		return false;
	emulate_set_width(&e->r.rsp, sw, sp);
	return true;
}

bool emulate_pop(struct emu *e, unsigned int size, uint64_t *v)
{
	unsigned int sw = stack_width(e);
	uint64_t sp = e->r.rsp & emu_mask(sw);

	*v = 0;
	if (!emulate_access(e, emulate_linear(e, ZYDIS_REGISTER_SS, sp), size,
			    false, v))
		return false;
	emulate_set_width(&e->r.rsp, sw, sp + size);
	return true;
}

/* Would RIP = @target fault?  In 64-bit mode it must be canonical. */
static bool bad_target(struct emu *e, unsigned int size, uint64_t target)
{
	target &= emu_mask(size * 8);
	return e->mode == 64 && (uint64_t)((int64_t)(target << 16) >> 16) != target;
}

/* A near branch: RIP at the operand size, the rest of it cleared. */
static bool jump(struct emu *e, unsigned int size, uint64_t target)
{
	if (bad_target(e, size, target))
		return emulate_fault(e, 13, 0, "a branch to a non-canonical address (a #GP)");
	e->r.rip = target & emu_mask(size * 8);
	e->jumped = true;
	return true;
}

/* CALL near: push the next instruction's address, go to the target. */
static bool call(struct emu *e, uint64_t la, unsigned int size)
{
	const ZydisDecodedOperand *o = e->op;
	uint64_t next = e->r.rip + e->in.length, target;

	if (o[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
		target = next + o[0].imm.value.s;
	else if (!emulate_load(e, &o[0], la, &target))
		return false;
	if (bad_target(e, size, target))	/* before the push, as the CPU checks */
		return jump(e, size, target);
	return emulate_push(e, size, next & emu_mask(size * 8)) && jump(e, size, target);
}

/* ENTER n, 0: push rBP, rBP to the frame, rSP n bytes lower. */
static bool enter(struct emu *e, unsigned int size)
{
	unsigned int sw = stack_width(e);

	if (e->op[1].imm.value.u & 31)
		return emulate_decline(e, "ENTER with a nesting level");
	if (!emulate_push(e, size, e->r.rbp))
		return false;
	emulate_put(e, ZYDIS_REGISTER_RBP, size * 8, e->r.rsp);
	emulate_set_width(&e->r.rsp, sw, e->r.rsp - e->op[0].imm.value.u);
	return true;
}

/**
 * emulate_stack() - a stack instruction or a branch with the stack or its
 * operand in MMIO.
 * @e:  the instruction.
 * @la: its memory operand's linear address, if it has one.
 *
 * Return: true if done; false (e->why set) if declined.
 */
bool emulate_stack(struct emu *e, uint64_t la)
{
	const ZydisDecodedOperand *o = e->op;
	unsigned int size = e->in.operand_width / 8;
	uint64_t v;

	if (e->in.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
		return emulate_far(e, la);
	switch (e->in.mnemonic) {
	case ZYDIS_MNEMONIC_JMP:
		return emulate_load(e, &o[0], la, &v) && jump(e, size, v);
	case ZYDIS_MNEMONIC_PUSH:
		return emulate_load(e, &o[0], la, &v) && emulate_push(e, size, v);
	case ZYDIS_MNEMONIC_POP:
		if (!emulate_pop(e, size, &v))
			return false;
		if (o[0].type == ZYDIS_OPERAND_TYPE_MEMORY)	/* rSP after the pop */
			la = emulate_address(e, &o[0]);
		return emulate_store(e, &o[0], la, v);
	case ZYDIS_MNEMONIC_CALL:
		return call(e, la, size);
	case ZYDIS_MNEMONIC_RET:
		if (!emulate_pop(e, size, &v))
			return false;
		if (e->in.operand_count_visible)		/* RET imm16 */
			emulate_set_width(&e->r.rsp, stack_width(e),
					  e->r.rsp + o[0].imm.value.u);
		return jump(e, size, v);
	case ZYDIS_MNEMONIC_LEAVE:
		emulate_set_width(&e->r.rsp, stack_width(e), e->r.rbp);
		if (!emulate_pop(e, size, &v))
			return false;
		emulate_put(e, ZYDIS_REGISTER_RBP, size * 8, v);
		return true;
	default:
		return enter(e, size);
	}
}

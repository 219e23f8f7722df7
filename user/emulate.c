// SPDX-License-Identifier: GPL-2.0
/*
 * emulate.c - the MMIO instructions the kernel leaves to userspace.
 *
 * The kernel decodes what compiled code uses for device registers: the
 * MOV family and the instructions that compute with one memory operand
 * (kmod/mmio.c).  Any other instruction that touches MMIO comes back as
 * MINIVM_INTERNAL_MMIO_DECODE, with its bytes.  Rather than grow a full
 * x86 emulator in the kernel, as KVM has, the launcher finishes those
 * here, the way VMMs do on hypervisors that have no emulator of their own
 * (Hyper-V's platform API, macOS's Hypervisor.framework):
 *
 *   1. decode the bytes with Zydis;
 *   2. read the registers (MINIVM_GET_REGS, MINIVM_GET_SREGS);
 *   3. translate each memory operand through the guest's page tables
 *      (paging.c), which are in guest RAM, mapped here;
 *   4. access it: RAM in place, MMIO through the same devices that serve
 *      MINIVM_EXIT_MMIO;
 *   5. compute the result and the flags by running the same instruction
 *      on the host CPU, on registers, so that every flag is what this CPU
 *      gives, even those the SDM leaves undefined;
 *   6. write the registers back (MINIVM_SET_REGS), RIP past the
 *      instruction, and let the guest go on; with RFLAGS.TF set, have
 *      the kernel deliver the single-step #DB after it, and end any STI
 *      or MOV-SS shadow, as the end of an instruction does
 *      (MINIVM_SET_VCPU_EVENTS).
 *
 * An instruction that faults instead (a page not present or read-only, a
 * divide error, LTR of a bad selector) is not done: the registers stay
 * as they were and the kernel delivers the exception, with its error
 * code and, for a #PF, CR2, as the CPU would have.  Operands and memory
 * are emulate_operand.c's.
 *
 * It emulates the string instructions (MOVS, STOS, LODS, CMPS, SCAS, INS,
 * OUTS, with their REP prefixes: emulate_string.c), the shifts and
 * rotates, SHLD/SHRD, BT/BTS/BTR/BTC, BSF/BSR/TZCNT/LZCNT/POPCNT, MUL,
 * IMUL, DIV and IDIV, MOVSX/MOVSXD/MOVZX, MOVBE, MOVNTI, MOV from a
 * segment register, CMPXCHG, XADD,
 * SETcc, CMOVcc, PUSH, POP, CALL, RET, JMP, LEAVE and ENTER
 * (emulate_stack.c), MOV to a segment register and far JMP, CALL and
 * RET (emulate_segment.c), SMSW and LTR (emulate_system.c), SSE and MMX
 * moves (emulate_sse.c), and the MOV and arithmetic forms the kernel decodes,
 * when their access crosses a page.  It declines, and the guest stops
 * with the message it always stopped with, for:
 *
 *   - any other instruction, notably SSE arithmetic and anything with
 *     MMX, x87 or AVX operands;
 *   - guest page tables outside RAM;
 *   - the local APIC's page, which the kernel serves;
 *   - 5-level paging;
 *   - a module without MINIVM_SET_VCPU_EVENTS, when there is an
 *     exception to deliver.
 *
 * Segment limits and canonical addresses are not checked, and data
 * breakpoints (DR7) do not fire on emulated accesses.
 */
#define _GNU_SOURCE
#include <string.h>

#include <Zydis/Zydis.h>

#include "emulate.h"
#include "vmm.h"

#define FLAG_TF		0x100ULL
#define FLAG_DF		0x400ULL
#define FLAG_RF		0x10000ULL
#define DR6_BS		0x4000ULL

#define CR4_LA57	(1ULL << 12)
#define EFER_LMA	(1ULL << 10)

#define PTE_ADDR	0x000ffffffffff000ULL

bool emulate_decline(struct emu *e, const char *why)
{
	e->why = why;
	return false;
}

/*
 * The instruction raises exception @vector (@code: its error code, for
 * the vectors that push one): it is not done, and vmm_emulate() has the
 * kernel deliver the exception instead (MINIVM_SET_VCPU_EVENTS), with RIP
 * still on it, as the CPU would have.
 */
bool emulate_fault(struct emu *e, int vector, uint32_t code, const char *why)
{
	e->fault = vector;
	e->fault_code = code;
	return emulate_decline(e, why);
}

/* Run @m on the host with the guest's flags; take the flags back. */
bool emulate_host(struct emu *e, ZydisMnemonic m, unsigned int bits, struct emulate_alu *x)
{
	x->f = (e->r.rflags & FLAGS_ARITH) | 2;
	if (!emulate_alu(m, bits, x))
		return emulate_decline(e, "not an instruction the launcher emulates");
	e->r.rflags = (e->r.rflags & ~FLAGS_ARITH) | (x->f & FLAGS_ARITH);
	return true;
}

/* The instructions ------------------------------------------------------- */

/* Shifts, rotates, SHLD/SHRD: the first operand is shifted, the last counts. */
static bool shift_rotate(struct emu *e, uint64_t la)
{
	const ZydisDecodedOperand *o = e->op;
	unsigned int n = e->in.operand_count_visible;
	struct emulate_alu x = { .c = 1 };

	if (!emulate_load(e, &o[0], la, &x.d))
		return false;
	if (n > 1 && !emulate_load(e, &o[n - 1], la, &x.c))
		return false;
	if (n > 2 && !emulate_load(e, &o[1], la, &x.s))
		return false;
	return emulate_host(e, e->in.mnemonic, o[0].size, &x) && emulate_store(e, &o[0], la, x.d);
}

/*
 * BT, BTS, BTR, BTC.  A register bit offset into memory is signed and may
 * reach outside the operand: the access moves by whole operands (SDM Vol.
 * 2, "BT-Bit Test").
 */
static bool bit_test(struct emu *e, uint64_t la)
{
	const ZydisDecodedOperand *o = e->op;
	unsigned int bits = o[0].size;
	struct emulate_alu x = { 0 };

	if (!emulate_load(e, &o[1], la, &x.s))
		return false;
	if (o[0].type == ZYDIS_OPERAND_TYPE_MEMORY &&
	    o[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
		int64_t off = (int64_t)(x.s << (64 - bits)) >> (64 - bits);

		la += (uint64_t)((off >> __builtin_ctz(bits)) * (bits / 8));
		la = e->mode == 64 ? la : (uint32_t)la;
	}
	if (!emulate_load(e, &o[0], la, &x.d) || !emulate_host(e, e->in.mnemonic, bits, &x))
		return false;
	return e->in.mnemonic == ZYDIS_MNEMONIC_BT || emulate_store(e, &o[0], la, x.d);
}

/* BSF, BSR, TZCNT, LZCNT, POPCNT and IMUL reg, r/m [, imm]. */
static bool to_register(struct emu *e, uint64_t la)
{
	const ZydisDecodedOperand *o = e->op;
	unsigned int n = e->in.operand_count_visible;
	struct emulate_alu x = { 0 };

	if (n < 2 || o[0].type != ZYDIS_OPERAND_TYPE_REGISTER)
		return emulate_decline(e, "not a form the launcher emulates");
	if (!emulate_load(e, &o[1], la, &x.s))
		return false;
	if (n > 2 ? !emulate_load(e, &o[2], la, &x.d) : !emulate_load(e, &o[0], la, &x.d))
		return false;		/* IMUL's immediate, or BSF's old value */
	return emulate_host(e, e->in.mnemonic, o[0].size, &x) && emulate_store(e, &o[0], la, x.d);
}

/* Whether DIV or IDIV of rDX:rAX (AX for a byte) by x->s is a #DE. */
static bool divide_error(bool sign, unsigned int bits, const struct emulate_alu *x)
{
	uint64_t m = emu_mask(bits), s = x->s & m;
	unsigned __int128 n = bits == 8 ? x->a & 0xffff :
			      (unsigned __int128)(x->dx & m) << bits | (x->a & m);
	__int128 lim = (__int128)1 << (bits - 1), sn, ss;

	if (!s)
		return true;
	if (!sign)
		return (n / s) >> bits != 0;
	sn = (__int128)(n << (128 - 2 * bits)) >> (128 - 2 * bits);
	ss = (int64_t)(s << (64 - bits)) >> (64 - bits);
	if (ss == -1)				/* the quotient is -sn */
		return sn > lim || sn < -(lim - 1);
	return sn / ss >= lim || sn / ss < -lim;
}

/*
 * MUL, IMUL, DIV and IDIV with one operand: rDX:rAX (AX for a byte) and
 * r/m.  A division that would raise #DE raises it in the guest, not on
 * the host, which is never asked to divide.
 */
static bool multiply_divide(struct emu *e, uint64_t la)
{
	ZydisMnemonic m = e->in.mnemonic;
	unsigned int bits = e->op[0].size;
	struct emulate_alu x = { .a = e->r.rax, .dx = e->r.rdx, .one_operand = true };

	if (!emulate_load(e, &e->op[0], la, &x.s))
		return false;
	if ((m == ZYDIS_MNEMONIC_DIV || m == ZYDIS_MNEMONIC_IDIV) &&
	    divide_error(m == ZYDIS_MNEMONIC_IDIV, bits, &x))
		return emulate_fault(e, 0, 0, "a divide error (a #DE)");
	if (!emulate_host(e, m, bits, &x))
		return false;
	emulate_put(e, ZYDIS_REGISTER_RAX, bits == 8 ? 16 : bits, x.a);
	if (bits != 8)
		emulate_put(e, ZYDIS_REGISTER_RDX, bits, x.dx);
	return true;
}

/*
 * The forms the kernel decodes come here too when the access crosses a
 * page (kmod/mmio.c): MOV, and the arithmetic with one memory operand.
 */
static bool arithmetic(struct emu *e, uint64_t la)
{
	const ZydisDecodedOperand *o = e->op;
	ZydisMnemonic m = e->in.mnemonic;
	struct emulate_alu x = { 0 };

	if (!emulate_load(e, &o[0], la, &x.d))
		return false;
	if (e->in.operand_count_visible > 1 && !emulate_load(e, &o[1], la, &x.s))
		return false;
	if (m == ZYDIS_MNEMONIC_XCHG)
		return emulate_store(e, &o[0], la, x.s) && emulate_store(e, &o[1], la, x.d);
	if (!emulate_host(e, m, o[0].size, &x))
		return false;
	return m == ZYDIS_MNEMONIC_CMP || m == ZYDIS_MNEMONIC_TEST ||
	       emulate_store(e, &o[0], la, x.d);
}

/* MOV, MOVSX, MOVSXD, MOVZX, MOVBE, MOVNTI: a value moved, widened or swapped. */
static bool move(struct emu *e, uint64_t la)
{
	const ZydisDecodedOperand *o = e->op;
	unsigned int bits = o[1].size;
	uint64_t v;

	if (!emulate_load(e, &o[1], la, &v))
		return false;
	if (e->in.mnemonic == ZYDIS_MNEMONIC_MOVBE)
		v = bits == 16 ? __builtin_bswap16(v) :
		    bits == 32 ? __builtin_bswap32(v) : __builtin_bswap64(v);
	else if (e->in.mnemonic == ZYDIS_MNEMONIC_MOVSX ||
		 e->in.mnemonic == ZYDIS_MNEMONIC_MOVSXD)
		v = (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits));
	return emulate_store(e, &o[0], la, v & emu_mask(o[0].size));
}

/*
 * CMPXCHG and XADD.  CMPXCHG writes its destination back even when the
 * comparison fails, and then loads the accumulator (SDM Vol. 2,
 * "CMPXCHG"); a device sees the read and the write either way.
 */
static bool exchange(struct emu *e, uint64_t la)
{
	const ZydisDecodedOperand *o = e->op;
	unsigned int bits = o[0].size;
	struct emulate_alu x = { 0 };

	x.a = emulate_get(e, ZYDIS_REGISTER_RAX, bits);
	if (!emulate_load(e, &o[0], la, &x.d) || !emulate_load(e, &o[1], la, &x.s) ||
	    !emulate_host(e, e->in.mnemonic, bits, &x) || !emulate_store(e, &o[0], la, x.d))
		return false;
	if (e->in.mnemonic == ZYDIS_MNEMONIC_XADD)
		emulate_put(e, o[1].reg.value, bits, x.s);
	else if (!(e->r.rflags & FLAG_ZF))
		emulate_put(e, ZYDIS_REGISTER_RAX, bits, x.a);
	return true;
}

/* SETcc (0F 90+cc) and CMOVcc (0F 40+cc), which reads its source always. */
static bool conditional(struct emu *e, uint64_t la)
{
	const ZydisDecodedOperand *o = e->op;
	bool yes = emulate_condition(e->r.rflags, e->in.opcode & 15);
	uint64_t v;

	if ((e->in.opcode & 0xf0) == 0x90)
		return emulate_store(e, &o[0], la, yes);
	if (!emulate_load(e, &o[1], la, &v))
		return false;
	emulate_put(e, o[0].reg.value, o[0].size, yes ? v : emulate_get(e, o[0].reg.value, 64));
	return true;
}

/* Which of the above @e is, with its memory operand's address. */
static bool execute(struct emu *e)
{
	uint8_t opc = e->in.opcode;
	uint64_t la = 0;
	unsigned int i;

	if (e->in.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT &&
	    ((opc >= 0xa4 && opc <= 0xaf && opc != 0xa8 && opc != 0xa9) ||
	     (opc >= 0x6c && opc <= 0x6f)))
		return emulate_string(e);
	for (i = 0; i < e->in.operand_count_visible; i++)
		if (e->op[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
			la = emulate_address(e, &e->op[i]);
	if (e->in.opcode_map == ZYDIS_OPCODE_MAP_0F &&
	    ((opc & 0xf0) == 0x90 || (opc & 0xf0) == 0x40))
		return conditional(e, la);
	if (e->in.mnemonic == ZYDIS_MNEMONIC_MOV &&
	    e->op[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
	    ZydisRegisterGetClass(e->op[0].reg.value) == ZYDIS_REGCLASS_SEGMENT)
		return emulate_mov_sreg(e, la);

	switch (e->in.mnemonic) {
	case ZYDIS_MNEMONIC_SHL: case ZYDIS_MNEMONIC_SHR: case ZYDIS_MNEMONIC_SAR:
	case ZYDIS_MNEMONIC_ROL: case ZYDIS_MNEMONIC_ROR: case ZYDIS_MNEMONIC_RCL:
	case ZYDIS_MNEMONIC_RCR: case ZYDIS_MNEMONIC_SHLD: case ZYDIS_MNEMONIC_SHRD:
		return shift_rotate(e, la);
	case ZYDIS_MNEMONIC_BT: case ZYDIS_MNEMONIC_BTS: case ZYDIS_MNEMONIC_BTR:
	case ZYDIS_MNEMONIC_BTC:
		return bit_test(e, la);
	case ZYDIS_MNEMONIC_IMUL:
		if (e->in.operand_count_visible == 1)
			return multiply_divide(e, la);
		return to_register(e, la);
	case ZYDIS_MNEMONIC_MUL: case ZYDIS_MNEMONIC_DIV: case ZYDIS_MNEMONIC_IDIV:
		return multiply_divide(e, la);
	case ZYDIS_MNEMONIC_BSF: case ZYDIS_MNEMONIC_BSR: case ZYDIS_MNEMONIC_TZCNT:
	case ZYDIS_MNEMONIC_LZCNT: case ZYDIS_MNEMONIC_POPCNT:
		return to_register(e, la);
	case ZYDIS_MNEMONIC_MOVSX: case ZYDIS_MNEMONIC_MOVSXD: case ZYDIS_MNEMONIC_MOVZX:
	case ZYDIS_MNEMONIC_MOVBE:
		return move(e, la);
	case ZYDIS_MNEMONIC_CMPXCHG: case ZYDIS_MNEMONIC_XADD:
		return exchange(e, la);
	case ZYDIS_MNEMONIC_MOVNTI: case ZYDIS_MNEMONIC_MOV:
		return move(e, la);
	case ZYDIS_MNEMONIC_ADD: case ZYDIS_MNEMONIC_OR: case ZYDIS_MNEMONIC_ADC:
	case ZYDIS_MNEMONIC_SBB: case ZYDIS_MNEMONIC_AND: case ZYDIS_MNEMONIC_SUB:
	case ZYDIS_MNEMONIC_XOR: case ZYDIS_MNEMONIC_CMP: case ZYDIS_MNEMONIC_TEST:
	case ZYDIS_MNEMONIC_INC: case ZYDIS_MNEMONIC_DEC: case ZYDIS_MNEMONIC_NOT:
	case ZYDIS_MNEMONIC_NEG: case ZYDIS_MNEMONIC_XCHG:
		return arithmetic(e, la);
	case ZYDIS_MNEMONIC_PUSH: case ZYDIS_MNEMONIC_POP: case ZYDIS_MNEMONIC_CALL:
	case ZYDIS_MNEMONIC_RET: case ZYDIS_MNEMONIC_LEAVE: case ZYDIS_MNEMONIC_ENTER:
	case ZYDIS_MNEMONIC_JMP:
		return emulate_stack(e, la);
	case ZYDIS_MNEMONIC_SMSW:
		return emulate_smsw(e, la);
	case ZYDIS_MNEMONIC_LTR:
		return emulate_ltr(e, la);
	default:
		return emulate_sse(e, la);
	}
}

/* The instruction at CS:RIP, when the kernel did not send its bytes. */
static bool fetch(struct emu *e, uint8_t *bytes)
{
	uint64_t la = emulate_linear(e, ZYDIS_REGISTER_CS, e->r.rip);
	unsigned int first = 4096 - (la & 4095);

	memset(bytes, 0, 15);
	if (first >= 15)
		return emulate_access(e, la, 15, false, bytes);
	if (!emulate_access(e, la, first, false, bytes))
		return false;
	emulate_access(e, la + first, 15 - first, false, bytes + first);
	return true;			/* the second page may be past its end */
}

/* Decode @insn in the guest's current mode; false if the mode forbids. */
static bool decode(struct emu *e, const uint8_t *insn)
{
	ZydisDecoder dec;
	ZydisMachineMode mm = ZYDIS_MACHINE_MODE_LONG_64;
	ZydisStackWidth sw = ZYDIS_STACK_WIDTH_64;

	if (e->mode == 32) {
		mm = ZYDIS_MACHINE_MODE_LEGACY_32;
		sw = ZYDIS_STACK_WIDTH_32;
	} else if (e->mode == 16) {
		mm = (e->s.cr0 & 1) ? ZYDIS_MACHINE_MODE_LEGACY_16 : ZYDIS_MACHINE_MODE_REAL_16;
		sw = ZYDIS_STACK_WIDTH_16;
	}
	if (!ZYAN_SUCCESS(ZydisDecoderInit(&dec, mm, sw)) ||
	    !ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, insn, 15, &e->in, e->op)))
		return emulate_decline(e, "not a valid instruction");
	if (e->s.cr4 & CR4_LA57)
		return emulate_decline(e, "5-level paging");
	return true;
}

/* Exceptions that push an error code (SDM Vol. 3A, "Exception and Interrupt Reference"). */
static bool pushes_error_code(int vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
}

/*
 * Have the kernel deliver exception @vector on the next entry
 * (MINIVM_SET_VCPU_EVENTS): a fault the instruction raised, or the
 * single-step #DB after it (@payload: DR6's BS).  Delivery ends any STI
 * or MOV-SS shadow.  A #PF's payload is its CR2.
 */
static bool deliver(struct emu *e, int vector, uint32_t code, uint64_t payload)
{
	struct minivm_vcpu_events ev;

	if (minivm_get_vcpu_events(&e->v->cpu, &ev))
		return false;
	ev.injected = MINIVM_EVENT_EXCEPTION;
	ev.vector = vector;
	ev.has_error_code = pushes_error_code(vector);
	ev.error_code = ev.has_error_code ? code : 0;
	ev.has_payload = vector == 14 || vector == 1;
	ev.payload = payload;
	ev.shadow = 0;
	return !minivm_set_vcpu_events(&e->v->cpu, &ev);
}

/*
 * The instruction is done: what the CPU does at its end.  RF is cleared
 * ("Resume Flag"), an STI or MOV-SS shadow ends (a MOV to SS starts
 * one), and with RFLAGS.TF the single-step #DB comes now, after it
 * ("Single-Step Exception Condition"), unless a MOV-SS shadow holds it
 * for one more instruction (the kernel marks it pending then).  A REP
 * string instruction with iterations left sets RF instead: an interrupt
 * or a trap that comes between its iterations pushes RF = 1, so that
 * the return into it does not hit its instruction breakpoint again (SDM
 * Vol. 3B, "Instruction-Breakpoint Exception Condition"); the CPU clears
 * it once the instruction resumes.
 */
static bool finish(struct emu *e)
{
	uint8_t shadow = e->mov_ss ? MINIVM_SHADOW_MOV_SS : 0;
	bool trap = (e->r.rflags & FLAG_TF) && !e->mov_ss;
	struct minivm_vcpu_events ev;

	if (!e->again && !e->jumped)
		e->r.rip = (e->r.rip + e->in.length) & emu_mask(e->mode);
	if (e->again)
		e->r.rflags |= FLAG_RF;
	else
		e->r.rflags &= ~FLAG_RF;
	if (minivm_set_regs(&e->v->cpu, &e->r))
		return emulate_decline(e, "its registers cannot be written");
	if (trap)
		return deliver(e, 1, 0, DR6_BS) ||
		       emulate_decline(e, "RFLAGS.TF is set, and the #DB cannot be delivered");
	if (minivm_get_vcpu_events(&e->v->cpu, &ev))	/* an old module */
		return !shadow || emulate_decline(e, "the MOV-SS shadow cannot be set");
	if (ev.shadow == shadow)
		return true;
	ev.shadow = shadow;
	return !minivm_set_vcpu_events(&e->v->cpu, &ev) ||
	       emulate_decline(e, "its interrupt shadow cannot be changed");
}

/**
 * vmm_emulate() - finish an MMIO instruction the kernel could not decode.
 * @v:    the VMM, its vCPU stopped on MINIVM_INTERNAL_MMIO_DECODE.
 * @insn: the instruction's bytes, as the kernel fetched them (15), or
 *        NULL to fetch them at CS:RIP (string I/O).
 * @why:  where to say why not, when it returns false; when it returns
 *        true, the exception the instruction raised, or "".
 * @len:  its size.
 *
 * Return: true if the instruction was done (or, a REP string, a batch of
 * it), or raised an exception that the guest now gets, and the guest can
 * go on; false if the launcher declines it.
 */
bool vmm_emulate(struct vmm *v, const uint8_t *insn, char *why, size_t len)
{
	struct emu e = { .v = v, .apic_page = ~0ULL };
	struct minivm_lapic_state apic;
	uint8_t bytes[15];

	why[0] = 0;
	if (minivm_get_regs(&v->cpu, &e.r) || minivm_get_sregs(&v->cpu, &e.s)) {
		snprintf(why, len, "its registers cannot be read");
		return false;
	}
	if (v->opt.lapic && !minivm_get_lapic(&v->cpu, &apic) &&
	    (apic.base & (1 << 11)))
		e.apic_page = apic.base & PTE_ADDR;
	e.mode = (e.s.efer & EFER_LMA) && e.s.cs.l ? 64 : e.s.cs.db ? 32 : 16;
	if (!insn && fetch(&e, bytes))
		insn = bytes;
	e.fault = -1;		/* a fault of the fetch is not the instruction's */
	if (insn && decode(&e, insn) && execute(&e) && finish(&e)) {
		v->emulated++;
		return true;
	}
	if (e.fault >= 0 && deliver(&e, e.fault, e.fault_code, e.fault_addr)) {
		int n = snprintf(why, len, "raises vector %d", e.fault);

		if (pushes_error_code(e.fault) && n >= 0 && (size_t)n < len)
			n += snprintf(why + n, len - n, " (error code %#x)", e.fault_code);
		if (e.fault == 14 && n >= 0 && (size_t)n < len)
			n += snprintf(why + n, len - n, " at CR2 %#llx",
				      (unsigned long long)e.fault_addr);
		if (n >= 0 && (size_t)n < len)
			snprintf(why + n, len - n, ": %s", e.why);
		v->emulated++;
		return true;
	}
	snprintf(why, len, "%s", e.why ? e.why : "it cannot be done");
	return false;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * emulate.h - what emulate.c and its helpers (emulate_operand.c,
 * emulate_string.c, emulate_stack.c, emulate_sse.c, emulate_system.c,
 * emulate_alu.c)
 * share: the instruction being emulated, and its operands as the host
 * computes with them.
 */
#ifndef MINIVM_EMULATE_H
#define MINIVM_EMULATE_H

#include <stdbool.h>
#include <stdint.h>

#include <Zydis/Zydis.h>

#include "vmm.h"

#define FLAGS_ARITH	0x8d5ULL	/* CF PF AF ZF SF OF */
#define FLAG_ZF		0x40ULL

/* One instruction being emulated (emulate.c). */
struct emu {
	struct vmm *v;
	struct minivm_regs r;
	struct minivm_sregs s;
	unsigned int mode;		/* 16, 32 or 64: the code's size */
	ZydisDecodedInstruction in;
	ZydisDecodedOperand op[ZYDIS_MAX_OPERAND_COUNT];
	uint64_t apic_page;		/* the in-kernel APIC's page, or ~0 */
	bool again;			/* a REP string to resume: keep RIP */
	bool jumped;			/* RIP set by the instruction */
	bool mov_ss;			/* it loaded SS: a MOV-SS shadow follows */
	const char *why;		/* why it declined, or what it raised */
	int fault;			/* the exception it raises, or -1 */
	uint32_t fault_code;		/* its error code, if it has one */
	uint64_t fault_addr;		/* a #PF's linear address, for CR2 */
};

/* Operands as the host computes with them (emulate_alu.c). */
struct emulate_alu {
	uint64_t d, s, c, a, dx, f;
	bool one_operand;		/* IMUL r/m: rDX:rAX = rAX * r/m */
};

static inline uint64_t emu_mask(unsigned int bits)
{
	return bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
}

/* emulate.c */
bool emulate_decline(struct emu *e, const char *why);
bool emulate_fault(struct emu *e, int vector, uint32_t code, const char *why);
bool emulate_host(struct emu *e, ZydisMnemonic m, unsigned int bits,
		  struct emulate_alu *x);

/* emulate_operand.c */
uint64_t emulate_get(struct emu *e, ZydisRegister reg, unsigned int bits);
uint64_t emulate_linear(struct emu *e, ZydisRegister seg, uint64_t off);
void emulate_set_width(__u64 *p, unsigned int bits, uint64_t val);
void emulate_put(struct emu *e, ZydisRegister reg, unsigned int bits, uint64_t val);
uint64_t emulate_address(struct emu *e, const ZydisDecodedOperand *o);
bool emulate_load(struct emu *e, const ZydisDecodedOperand *o, uint64_t la,
		  uint64_t *val);
bool emulate_store(struct emu *e, const ZydisDecodedOperand *o, uint64_t la,
		   uint64_t val);
bool emulate_access(struct emu *e, uint64_t la, unsigned int len, bool write,
		    void *data);

/* the helpers */
bool emulate_string(struct emu *e);
bool emulate_stack(struct emu *e, uint64_t la);
bool emulate_push(struct emu *e, unsigned int size, uint64_t v);
bool emulate_pop(struct emu *e, unsigned int size, uint64_t *v);
bool emulate_far(struct emu *e, uint64_t la);
bool emulate_mov_sreg(struct emu *e, uint64_t la);
bool emulate_ltr(struct emu *e, uint64_t la);
bool emulate_smsw(struct emu *e, uint64_t la);
bool emulate_sse(struct emu *e, uint64_t la);
bool emulate_alu(ZydisMnemonic m, unsigned int bits, struct emulate_alu *x);
bool emulate_condition(uint64_t rflags, unsigned int cc);

#endif /* MINIVM_EMULATE_H */

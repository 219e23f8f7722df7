/* SPDX-License-Identifier: GPL-2.0 */
/*
 * emulate.h - what emulate.c and emulate_alu.c share: one instruction's
 * operands as the host computes with them.
 */
#ifndef MINIVM_EMULATE_H
#define MINIVM_EMULATE_H

#include <stdbool.h>
#include <stdint.h>

#include <Zydis/Zydis.h>

#define FLAGS_ARITH	0x8d5ULL	/* CF PF AF ZF SF OF */
#define FLAG_ZF		0x40ULL

struct emulate_alu {
	uint64_t d, s, c, a, f;
};

bool emulate_alu(ZydisMnemonic m, unsigned int bits, struct emulate_alu *x);
bool emulate_condition(uint64_t rflags, unsigned int cc);

#endif /* MINIVM_EMULATE_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * emulate_operand.c - the operands of an instruction emulate.c emulates:
 * the general registers, as the instruction reads and writes them, and
 * memory, through the guest's segments and page tables (paging.c), RAM
 * in place and MMIO through the launcher's devices.
 */
#include <stddef.h>
#include <string.h>

#include "emulate.h"


/* Registers -------------------------------------------------------------- */

/* The 64-bit register that holds Zydis's @reg, in e->r; NULL if no GPR. */
static __u64 *gpr(struct emu *e, ZydisRegister reg)
{
	static const size_t at[16] = {
		offsetof(struct minivm_regs, rax), offsetof(struct minivm_regs, rcx),
		offsetof(struct minivm_regs, rdx), offsetof(struct minivm_regs, rbx),
		offsetof(struct minivm_regs, rsp), offsetof(struct minivm_regs, rbp),
		offsetof(struct minivm_regs, rsi), offsetof(struct minivm_regs, rdi),
		offsetof(struct minivm_regs, r8), offsetof(struct minivm_regs, r9),
		offsetof(struct minivm_regs, r10), offsetof(struct minivm_regs, r11),
		offsetof(struct minivm_regs, r12), offsetof(struct minivm_regs, r13),
		offsetof(struct minivm_regs, r14), offsetof(struct minivm_regs, r15),
	};
	ZydisRegister big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, reg);

	if (big < ZYDIS_REGISTER_RAX || big > ZYDIS_REGISTER_R15)
		return NULL;
	return (__u64 *)((char *)&e->r + at[big - ZYDIS_REGISTER_RAX]);
}

static bool high_byte(ZydisRegister reg)
{
	return reg >= ZYDIS_REGISTER_AH && reg <= ZYDIS_REGISTER_BH;
}

uint64_t emulate_get(struct emu *e, ZydisRegister reg, unsigned int bits)
{
	uint64_t v = *gpr(e, reg);

	return (high_byte(reg) ? v >> 8 : v) & emu_mask(bits);
}

/* Write @bits of @reg as any instruction does: 8 and 16 merge, 32 zero-extend. */
void emulate_set_width(__u64 *p, unsigned int bits, uint64_t val)
{
	if (bits == 32)
		*p = (uint32_t)val;
	else
		*p = (*p & ~emu_mask(bits)) | (val & emu_mask(bits));
}

void emulate_put(struct emu *e, ZydisRegister reg, unsigned int bits, uint64_t val)
{
	__u64 *p = gpr(e, reg);

	if (high_byte(reg))
		*p = (*p & ~0xff00ULL) | (val & 0xff) << 8;
	else
		emulate_set_width(p, bits, val);
}

/* Memory ----------------------------------------------------------------- */

static uint64_t seg_base(struct emu *e, ZydisRegister seg)
{
	const struct minivm_segment *s;

	switch (seg) {
	case ZYDIS_REGISTER_FS:
		return e->s.fs.base;
	case ZYDIS_REGISTER_GS:
		return e->s.gs.base;
	case ZYDIS_REGISTER_ES:
		s = &e->s.es;
		break;
	case ZYDIS_REGISTER_CS:
		s = &e->s.cs;
		break;
	case ZYDIS_REGISTER_SS:
		s = &e->s.ss;
		break;
	default:
		s = &e->s.ds;
	}
	return e->mode == 64 ? 0 : s->base;	/* "Segmentation in IA-32e Mode" */
}

/* Segment @seg's base plus @off: the linear address, 32 bits outside long mode. */
uint64_t emulate_linear(struct emu *e, ZydisRegister seg, uint64_t off)
{
	uint64_t la = seg_base(e, seg) + off;

	return e->mode == 64 ? la : (uint32_t)la;
}

/* The linear address of memory operand @o (SDM Vol. 1, "Specifying an Offset"). */
uint64_t emulate_address(struct emu *e, const ZydisDecodedOperand *o)
{
	uint64_t off = o->mem.disp.value;

	if (o->mem.base == ZYDIS_REGISTER_RIP || o->mem.base == ZYDIS_REGISTER_EIP)
		off += e->r.rip + e->in.length;
	else if (o->mem.base != ZYDIS_REGISTER_NONE)
		off += emulate_get(e, o->mem.base, 64);
	if (o->mem.index != ZYDIS_REGISTER_NONE)
		off += emulate_get(e, o->mem.index, 64) * o->mem.scale;
	return emulate_linear(e, o->mem.segment, off & emu_mask(e->in.address_width));
}

/**
 * emulate_access() - read or write guest memory as the instruction does.
 * @e: the instruction.  @la: the linear address.  @len: how many bytes.
 * @write: whether to write.  @data: the bytes.
 *
 * A page at a time: RAM in place, anything else through the launcher's
 * MMIO devices, eight bytes at most per access, as a bus would.  Both
 * pages of an access that crosses one are translated first, so that a
 * #PF on the second leaves the first untouched, as on a CPU.
 *
 * Return: false (e->why set, and e->fault if it raises one) if it would
 * fault.
 */
bool emulate_access(struct emu *e, uint64_t la, unsigned int len, bool write,
		    void *data)
{
	uint64_t page[2];
	uint8_t *buf = data;
	unsigned int p;
	int code;

	if (len > 4096)
		return emulate_decline(e, "an access of more than 4 KiB");
	for (p = 0; p < 2 && p * 4096 < (la & 4095) + len; p++) {
		uint64_t at = p ? ((la | 4095) + 1) & emu_mask(e->mode == 64 ? 64 : 32) : la;

		if (!vmm_translate(e->v, &e->s, at, write, &page[p], &e->why, &code)) {
			e->fault_addr = at;
			return code < 0 ? false : emulate_fault(e, 14, code, e->why);
		}
	}
	for (p = 0; len; p++) {
		unsigned int i, n = 4096 - (la & 4095);
		uint64_t pa = page[p];

		n = n < len ? n : len;
		if (pa + n <= e->v->mem_size)
			memcpy(write ? e->v->mem + pa : buf, write ? buf : e->v->mem + pa, n);
		else if ((pa & ~4095ULL) == e->apic_page)
			return emulate_decline(e, "it touches the local APIC, which is the kernel's");
		else
			for (i = 0; i < n; i += 8)
				vmm_mmio(e->v, pa + i, n - i < 8 ? n - i : 8, write, buf + i);
		la += n;
		buf += n;
		len -= n;
	}
	return true;
}

/* Operand @o's value: a register, memory at @la, or an immediate. */
/* Segment register @seg's selector (MOV r/m16, Sreg stores it). */
static uint16_t selector(struct emu *e, ZydisRegister seg)
{
	switch (seg) {
	case ZYDIS_REGISTER_ES: return e->s.es.selector;
	case ZYDIS_REGISTER_CS: return e->s.cs.selector;
	case ZYDIS_REGISTER_SS: return e->s.ss.selector;
	case ZYDIS_REGISTER_DS: return e->s.ds.selector;
	case ZYDIS_REGISTER_FS: return e->s.fs.selector;
	default: return e->s.gs.selector;
	}
}

bool emulate_load(struct emu *e, const ZydisDecodedOperand *o, uint64_t la,
		 uint64_t *val)
{
	*val = 0;
	if (o->type == ZYDIS_OPERAND_TYPE_REGISTER && gpr(e, o->reg.value))
		*val = emulate_get(e, o->reg.value, o->size);
	else if (o->type == ZYDIS_OPERAND_TYPE_MEMORY)
		return emulate_access(e, la, o->size / 8, false, val);
	else if (o->type == ZYDIS_OPERAND_TYPE_REGISTER &&
		 e->in.mnemonic == ZYDIS_MNEMONIC_MOV &&
		 ZydisRegisterGetClass(o->reg.value) == ZYDIS_REGCLASS_SEGMENT)
		*val = selector(e, o->reg.value);	/* MOV r/m16, Sreg */
	else if (o->type == ZYDIS_OPERAND_TYPE_IMMEDIATE && o->imm.is_signed)
		*val = (uint64_t)o->imm.value.s & emu_mask(e->in.operand_width);
	else if (o->type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
		*val = o->imm.value.u;		/* a count or a bit number */
	else
		return emulate_decline(e, "an operand is not a general register");
	return true;
}

bool emulate_store(struct emu *e, const ZydisDecodedOperand *o, uint64_t la,
		  uint64_t val)
{
	if (o->type == ZYDIS_OPERAND_TYPE_MEMORY)
		return emulate_access(e, la, o->size / 8, true, &val);
	if (o->type != ZYDIS_OPERAND_TYPE_REGISTER || !gpr(e, o->reg.value))
		return emulate_decline(e, "an operand is not a general register");
	emulate_put(e, o->reg.value, o->size, val);
	return true;
}

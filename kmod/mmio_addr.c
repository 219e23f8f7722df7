// SPDX-License-Identifier: GPL-2.0
/*
 * mmio_addr.c - where a decoded instruction's memory operand begins.
 *
 * An EPT violation gives the guest-physical address of the access, and
 * when the access crosses a page, of the part that faulted: a store that
 * begins in RAM and ends on a device page faults at the device page's
 * first byte.  Only the instruction says where the operand begins.
 * mmio.c asks here, and sends an access that crosses a page to
 * userspace, which splits it where the guest's pages split it, instead of
 * doing it whole at the wrong address.
 *
 * The linear address is the segment's base plus the offset the ModRM and
 * SIB bytes describe (SDM Vol. 2, "Addressing-Mode Encoding of ModR/M and
 * SIB Bytes"; Vol. 1, "Specifying an Offset"), cut to the address size.
 */
#include <linux/kernel.h>
#include <asm/unaligned.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "guest.h"

#define NO_REG	16

/* 16-bit addressing's base and index for each ModRM.rm: BX+SI ... BX. */
static const u8 rm16[8][2] = {
	{ 3, 6 }, { 3, 7 }, { 5, 6 }, { 5, 7 },
	{ 6, NO_REG }, { 7, NO_REG }, { 5, NO_REG }, { 3, NO_REG },
};

static u64 reg(struct minivm_vcpu *vcpu, unsigned int n)
{
	return n < NO_REG ? minivm_read_gpr(vcpu, n) : 0;
}

/* A 16-bit ModRM operand's offset; *ss if its base is BP. */
static u64 offset16(struct minivm_vcpu *vcpu, const u8 *p, bool *ss)
{
	u8 mod = p[0] >> 6, rm = p[0] & 7;
	u64 off;

	if (mod == 0 && rm == 6)		/* disp16 alone */
		return get_unaligned((u16 *)&p[1]);
	off = reg(vcpu, rm16[rm][0]) + reg(vcpu, rm16[rm][1]);
	*ss = rm16[rm][0] == 5;
	if (mod == 1)
		off += (s8)p[1];
	else if (mod == 2)
		off += (s16)get_unaligned((u16 *)&p[1]);
	return off;
}

/* A 32- or 64-bit ModRM operand's offset; *ss if its base is rSP or rBP. */
static u64 offset32(struct minivm_vcpu *vcpu, const struct minivm_mem_operand *op,
		    bool *ss)
{
	const u8 *p = op->modrm, *disp = p + 1;
	u8 mod = p[0] >> 6, rm = p[0] & 7;
	unsigned int base = rm | (op->rex & 1) << 3;
	u64 off = 0;

	if (rm == 4) {				/* SIB */
		unsigned int index = ((p[1] >> 3) & 7) | (op->rex & 2) << 2;

		disp++;
		base = (p[1] & 7) | (op->rex & 1) << 3;
		if (index != 4)
			off += reg(vcpu, index) << (p[1] >> 6);
		if ((p[1] & 7) == 5 && mod == 0)
			base = NO_REG;		/* disp32, no base */
	} else if (rm == 5 && mod == 0) {
		base = NO_REG;			/* disp32, or RIP-relative */
		if (op->long_mode)
			off += op->rip_next;
	}
	if (base != NO_REG) {
		off += reg(vcpu, base);
		*ss = base == 4 || base == 5;
	}
	if (mod == 1)
		off += (s8)*disp;
	else if (mod == 2 || base == NO_REG)
		off += (s32)get_unaligned((u32 *)disp);
	return off;
}

/* The base of segment prefix @seg (0: the default, SS if @ss, else DS). */
static u64 segment_base(u8 seg, bool ss, bool long_mode)
{
	if (seg == 0x64)
		return vmcs_read(GUEST_FS_BASE);
	if (seg == 0x65)
		return vmcs_read(GUEST_GS_BASE);
	if (long_mode)				/* "Segmentation in IA-32e Mode" */
		return 0;
	switch (seg) {
	case 0x26:
		return vmcs_read(GUEST_ES_BASE);
	case 0x2e:
		return vmcs_read(GUEST_CS_BASE);
	case 0x36:
		return vmcs_read(GUEST_SS_BASE);
	case 0x3e:
		return vmcs_read(GUEST_DS_BASE);
	default:
		return vmcs_read(ss ? GUEST_SS_BASE : GUEST_DS_BASE);
	}
}

/**
 * minivm_operand_linear() - the linear address a memory operand begins at.
 * @vcpu: the vCPU, its VMCS loaded.
 * @op:   the operand as mmio.c decoded it.
 *
 * Return: the guest-linear address.
 */
u64 minivm_operand_linear(struct minivm_vcpu *vcpu,
			  const struct minivm_mem_operand *op)
{
	u64 mask = op->addr == 8 ? ~0ULL : (1ULL << (op->addr * 8)) - 1;
	bool ss = false;
	u64 off, la;

	if (!op->modrm)
		off = op->offset;
	else if (op->addr == 2)
		off = offset16(vcpu, op->modrm, &ss);
	else
		off = offset32(vcpu, op, &ss);
	la = segment_base(op->seg, ss, op->long_mode) + (off & mask);
	return op->long_mode ? la : (u32)la;
}

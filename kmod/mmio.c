// SPDX-License-Identifier: GPL-2.0
/*
 * mmio.c - MMIO: the guest touched an address no memory backs.
 *
 * The EPT violation tells minivm the guest-physical address and whether it
 * was a write (SDM Vol. 3C, Table 28-7), but not how many bytes, or from
 * which register.  For that the instruction itself must be read and
 * decoded.  minivm decodes just the MOV family that compiled code uses for
 * device registers (KVM has a full x86 emulator; that is one of the things
 * minivm leaves out):
 *
 *   88/89    MOV r/m, reg        (write)     C6/C7  MOV r/m, imm  (write)
 *   8A/8B    MOV reg, r/m        (read)      0F B6/B7  MOVZX     (read)
 *   A0/A1    MOV AL/rAX, moffs   (read)      A2/A3  MOV moffs, AL/rAX (write)
 *
 * with operand-size (66h), address-size (67h), segment and REX prefixes,
 * in 16-, 32- and 64-bit code.  Anything else stops the guest with
 * MINIVM_EXIT_INTERNAL_ERROR and the instruction's bytes.
 *
 * The instruction's bytes come from gva.c, which translates CS:RIP through
 * the guest's own page tables.
 *
 * One page is served in the kernel rather than in userspace: the local
 * APIC's, when the VM has local APICs (lapic_access.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "guest.h"

#define MAX_INSN 15

/* The code segment's default sizes: 2, 4 or 8 (64-bit mode). */
static int code_size(void)
{
	u32 ar = vmcs_read32(GUEST_CS_AR_BYTES);

	if ((vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) && (ar & VMX_AR_L_MASK))
		return 8;
	return (ar & VMX_AR_DB_MASK) ? 4 : 2;
}

/* A decoded MOV: which register, how wide, what immediate, how long. */
struct mmio_insn {
	bool write, has_imm, zext;
	u8 reg, len;		/* GPR number (SDM order) and access size */
	u8 dst;			/* MOVZX: the destination's size */
	bool high_byte;		/* AH/CH/DH/BH */
	u64 imm;
	unsigned int insn_len;
};

/* Length of the ModRM addressing bytes after the ModRM byte itself. */
static int modrm_extra(const u8 *p, unsigned int avail, int addr)
{
	u8 modrm = p[0], mod = modrm >> 6, rm = modrm & 7;
	int n = 0;

	if (mod == 3)
		return -1;			/* a register: not memory */
	if (addr == 2) {			/* 16-bit addressing */
		if (mod == 1)
			return 1;
		if (mod == 2 || (mod == 0 && rm == 6))
			return 2;
		return 0;
	}
	if (rm == 4) {				/* SIB */
		if (avail < 2)
			return -1;
		n = 1;
		if (mod == 0 && (p[1] & 7) == 5)
			return n + 4;
	}
	if (mod == 1)
		return n + 1;
	if (mod == 2 || (mod == 0 && rm == 5))
		return n + 4;
	return n;
}

static bool decode(const u8 *b, unsigned int n, int csz, struct mmio_insn *d)
{
	int opsz = csz == 8 ? 4 : csz, addr = csz;
	unsigned int i = 0, extra_len;
	u8 rex = 0, op;
	int extra;

	memset(d, 0, sizeof(*d));
	for (; i < n; i++) {			/* legacy prefixes */
		if (b[i] == 0x66)	/* once or many times: the other size */
			opsz = csz == 2 ? 4 : 2;
		else if (b[i] == 0x67)
			addr = csz == 8 ? 4 : (csz == 4 ? 2 : 4);
		else if (b[i] != 0x26 && b[i] != 0x2e && b[i] != 0x36 &&
			 b[i] != 0x3e && b[i] != 0x64 && b[i] != 0x65)
			break;
	}
	if (csz == 8 && i < n && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (rex & 8)
		opsz = 8;
	if (i >= n)
		return false;
	op = b[i++];
	if (op >= 0xa0 && op <= 0xa3) {		/* MOV AL/rAX <-> moffs */
		d->len = (op & 1) ? opsz : 1;
		d->write = op >= 0xa2;
		d->reg = 0;
		d->insn_len = i + addr;		/* the offset is addr bytes */
		return d->insn_len <= n;
	}
	if (op == 0x0f) {
		/* LAB 9 begin; the starter has: return false; */
		if (i >= n || (b[i] != 0xb6 && b[i] != 0xb7))
			return false;
		d->zext = true;
		d->dst = opsz;
		d->len = b[i++] == 0xb6 ? 1 : 2;
		/* LAB 9 end */
	} else if (op == 0x88 || op == 0x8a || op == 0xc6) {
		d->len = 1;
	} else if (op == 0x89 || op == 0x8b || op == 0xc7) {
		d->len = opsz;
	} else {
		return false;
	}
	d->write = op == 0x88 || op == 0x89 || op == 0xc6 || op == 0xc7;
	d->has_imm = op == 0xc6 || op == 0xc7;
	if (i >= n)
		return false;
	extra = modrm_extra(&b[i], n - i, addr);
	if (extra < 0)
		return false;
	d->reg = ((b[i] >> 3) & 7) | ((rex & 4) << 1);
	d->high_byte = d->len == 1 && !d->zext && !rex && d->reg >= 4 &&
		       !d->has_imm;
	if (d->high_byte)
		d->reg -= 4;
	if (d->has_imm && ((b[i] >> 3) & 7) != 0)
		return false;			/* C6/C7 /0 only */
	i += 1 + extra;
	if (d->has_imm) {
		extra_len = d->len == 8 ? 4 : d->len;
		if (i + extra_len > n)
			return false;
		memcpy(&d->imm, &b[i], extra_len);
		if (d->len == 8)		/* imm32 sign-extended */
			d->imm = (u64)(s64)(s32)d->imm;
		i += extra_len;
	}
	if (i > n)
		return false;
	d->insn_len = i;
	return true;
}

static int decode_failed(struct minivm_vcpu *vcpu, u64 gpa, const u8 *insn,
			 unsigned int n)
{
	struct minivm_run *run = vcpu->run;

	run->exit_reason = MINIVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = MINIVM_INTERNAL_MMIO_DECODE;
	run->internal.ndata = 4;
	run->internal.data[0] = gpa;
	run->internal.data[1] = vmcs_read(GUEST_RIP);
	memset(&run->internal.data[2], 0, 16);
	memcpy(&run->internal.data[2], insn, n);
	return 0;
}

/*
 * Put a value read into the destination register, as a MOV would: 8- and
 * 16-bit results merge into the register, 32-bit ones zero-extend to 64
 * bits, MOVZX zero-extends to the operand size (into a 16-bit
 * destination it merges, as any 16-bit write does).
 */
static void store_read(struct minivm_vcpu *vcpu, unsigned long val)
{
	const typeof(vcpu->mmio_read) *p = &vcpu->mmio_read;
	unsigned long reg = minivm_read_gpr(vcpu, p->reg), mask;

	if (p->high) {
		reg = (reg & ~0xff00UL) | (val << 8);
	} else if (p->zext == 2) {
		reg = (reg & ~0xffffUL) | val;
	} else if (p->zext || p->len >= 4) {
		reg = val;
	} else {
		mask = p->len == 1 ? 0xff : 0xffff;
		reg = (reg & ~mask) | val;
	}
	minivm_write_gpr(vcpu, p->reg, reg);
}

/*
 * The local APIC's page (lapic_access.c) is served here, in the kernel.
 * Return: true if @gpa was the APIC's.
 */
static bool in_kernel(struct minivm_vcpu *vcpu, u64 gpa,
		      const struct mmio_insn *d, u64 val)
{
	if (!vcpu->lapic || !minivm_lapic_mmio(vcpu, gpa, d->write, &val, d->len))
		return false;
	if (!d->write)
		store_read(vcpu, val);
	return true;
}

/**
 * minivm_emulate_mmio() - turn an EPT violation into MINIVM_EXIT_MMIO,
 * or serve it in the kernel if it touched the local APIC.
 * @vcpu:  the vCPU.
 * @gpa:   the guest-physical address it touched.
 * @write: whether it was a write (from the exit qualification).
 *
 * Return: 0 (to userspace), with run->mmio or run->internal filled in;
 * 1 if the local APIC took it.
 */
int minivm_emulate_mmio(struct minivm_vcpu *vcpu, u64 gpa, bool write)
{
	struct minivm_run *run = vcpu->run;
	struct mmio_insn d;
	u8 insn[MAX_INSN];
	unsigned int n = minivm_fetch_insn(vcpu, insn, MAX_INSN);
	unsigned long val = 0;

	if (!decode(insn, n, code_size(), &d) || d.write != write)
		return decode_failed(vcpu, gpa, insn, n);

	if (d.write) {
		val = d.has_imm ? d.imm : minivm_read_gpr(vcpu, d.reg);
		if (d.high_byte)
			val >>= 8;
	} else {
		vcpu->mmio_read.reg = d.reg;
		vcpu->mmio_read.len = d.len;
		vcpu->mmio_read.zext = d.zext ? d.dst : 0;
		vcpu->mmio_read.high = d.high_byte;
	}
	minivm_step_over(d.insn_len);
	if (in_kernel(vcpu, gpa, &d, val))
		return 1;

	run->exit_reason = MINIVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = d.len;
	run->mmio.is_write = d.write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (d.write)
		memcpy(run->mmio.data, &val, d.len);
	else
		vcpu->pending = MINIVM_PENDING_MMIO_READ;
	return 0;
}

/**
 * minivm_complete_mmio_read() - put what userspace read into the register.
 * @vcpu: the vCPU, at the start of the next MINIVM_RUN.
 */
void minivm_complete_mmio_read(struct minivm_vcpu *vcpu)
{
	unsigned long val = 0;

	memcpy(&val, vcpu->run->mmio.data, vcpu->mmio_read.len);
	store_read(vcpu, val);
}

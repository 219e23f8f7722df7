// SPDX-License-Identifier: GPL-2.0
/*
 * mmio.c - MMIO: the guest touched an address no memory backs.
 *
 * The EPT violation tells minivm the guest-physical address and whether it
 * was a write (SDM Vol. 3C, Table 28-7), but not how many bytes, or from
 * which register.  For that the instruction itself must be read and
 * decoded.  minivm decodes what compiled code uses for device registers
 * (KVM has a full x86 emulator; that is one of the things minivm leaves
 * out).  The MOV family:
 *
 *   88/89    MOV r/m, reg        (write)     C6/C7  MOV r/m, imm  (write)
 *   8A/8B    MOV reg, r/m        (read)      0F B6/B7  MOVZX     (read)
 *   A0/A1    MOV AL/rAX, moffs   (read)      A2/A3  MOV moffs, AL/rAX (write)
 *
 * and the integer instructions that read a memory operand and compute
 * with it, which clang makes of volatile accesses (mmio_alu.c):
 *
 *   00-3B    ADD OR ADC SBB AND SUB XOR CMP, either way round
 *   80-83    the same with an immediate      84/85  TEST r/m, reg
 *   F6/F7    TEST r/m, imm; NOT; NEG         FE/FF  INC, DEC
 *   86/87    XCHG r/m, reg
 *
 * with operand-size (66h), address-size (67h), LOCK, segment and REX
 * prefixes, in 16-, 32- and 64-bit code.  Those read first (an MMIO read
 * exit) and, if they write, write after (a second exit, made when the
 * read is complete).  Anything else returns MINIVM_EXIT_INTERNAL_ERROR
 * with the instruction's bytes, untouched: userspace may finish it and
 * set the registers (the launcher does, in user/emulate.c).  So does an
 * access that crosses a page (crosses_page()).
 *
 * The instruction's bytes come from gva.c, which translates CS:RIP through
 * the guest's own page tables.
 *
 * One page is served in the kernel rather than in userspace: the local
 * APIC's, when the VM has local APICs (lapic_access.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/unaligned.h>
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

/* A decoded instruction: which register, how wide, what immediate, how long. */
struct mmio_insn {
	bool write, has_imm, zext;
	u8 reg, len;		/* GPR number (SDM order) and access size */
	u8 dst;			/* MOVZX: the destination's size */
	bool high_byte;		/* AH/CH/DH/BH */
	u64 imm;		/* sign-extended from imm_len bytes */
	u8 imm_len;
	bool ext;		/* ModRM.reg extends the opcode: no register */
	bool alu, xchg;		/* computes (mmio_alu.c), or swaps */
	bool mem_dst;		/* memory is the first operand */
	enum minivm_alu op;
	unsigned int insn_len;
	struct minivm_mem_operand mem;	/* where it points (mmio_addr.c) */
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

/*
 * The computing forms with a memory operand (SDM Vol. 2, Appendix A,
 * "Opcode Map"); @modrm is the byte after the opcode.  Return: false if
 * @op is none of them.
 */
static bool alu_form(u8 op, u8 modrm, int opsz, struct mmio_insn *d)
{
	u8 ext = (modrm >> 3) & 7;

	d->alu = true;
	d->mem_dst = true;
	d->len = (op & 1) ? opsz : 1;
	if (op < 0x40 && (op & 7) < 4) {	/* ADD ... CMP, both ways */
		d->op = op >> 3;
		d->mem_dst = !(op & 2);
	} else if (op >= 0x80 && op <= 0x83 && op != 0x82) {
		d->op = ext;
		d->ext = true;
		d->imm_len = op == 0x81 ? min(opsz, 4) : 1;
	} else if (op == 0x84 || op == 0x85) {
		d->op = MINIVM_ALU_TEST;
	} else if (op == 0x86 || op == 0x87) {
		d->xchg = true;
	} else if ((op == 0xf6 || op == 0xf7) && (ext == 0 || ext == 2 || ext == 3)) {
		d->op = ext == 0 ? MINIVM_ALU_TEST :
			ext == 2 ? MINIVM_ALU_NOT : MINIVM_ALU_NEG;
		d->ext = true;
		if (!ext)
			d->imm_len = op == 0xf6 ? 1 : min(opsz, 4);
	} else if ((op == 0xfe || op == 0xff) && ext <= 1) {
		d->op = ext ? MINIVM_ALU_DEC : MINIVM_ALU_INC;
		d->ext = true;
	} else {
		return false;
	}
	d->has_imm = d->imm_len;
	d->write = d->xchg || (d->mem_dst && d->op != MINIVM_ALU_CMP &&
			       d->op != MINIVM_ALU_TEST);
	return true;
}

/* The immediate at @p, @len bytes, sign-extended to 64 bits. */
static u64 immediate(const u8 *p, unsigned int len)
{
	if (len == 1)
		return (s64)(s8)p[0];
	if (len == 2)
		return (s64)(s16)get_unaligned((u16 *)p);
	return (s64)(s32)get_unaligned((u32 *)p);
}

static bool decode(const u8 *b, unsigned int n, int csz, struct mmio_insn *d)
{
	int opsz = csz == 8 ? 4 : csz, addr = csz;
	unsigned int i = 0;
	u8 rex = 0, op;
	int extra;

	memset(d, 0, sizeof(*d));
	for (; i < n; i++) {			/* legacy prefixes */
		if (b[i] == 0x66)	/* once or many times: the other size */
			opsz = csz == 2 ? 4 : 2;
		else if (b[i] == 0x67)
			addr = csz == 8 ? 4 : (csz == 4 ? 2 : 4);
		else if (b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 ||
			 b[i] == 0x3e || b[i] == 0x64 || b[i] == 0x65)
			d->mem.seg = b[i];	/* the last one counts */
		else if (b[i] != 0xf0)		/* LOCK: MMIO has no atomicity */
			break;
	}
	d->mem.addr = addr;
	d->mem.long_mode = csz == 8;
	if (csz == 8 && i < n && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	d->mem.rex = rex;
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
		if (d->insn_len > n)
			return false;
		memcpy(&d->mem.offset, &b[i], addr);
		return true;
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
	} else if (!alu_form(op, i < n ? b[i] : 0, opsz, d)) {
		return false;
	}
	if (!d->alu) {
		d->write = op == 0x88 || op == 0x89 || op == 0xc6 || op == 0xc7;
		d->has_imm = op == 0xc6 || op == 0xc7;
		d->ext = d->has_imm;
		d->imm_len = d->has_imm ? min_t(int, d->len, 4) : 0;
	}
	if (i >= n)
		return false;
	extra = modrm_extra(&b[i], n - i, addr);
	if (extra < 0)
		return false;
	d->mem.modrm = &b[i];
	d->reg = ((b[i] >> 3) & 7) | ((rex & 4) << 1);
	d->high_byte = d->len == 1 && !d->zext && !rex && d->reg >= 4 &&
		       !d->ext;
	if (d->high_byte)
		d->reg -= 4;
	if (!d->alu && d->has_imm && ((b[i] >> 3) & 7) != 0)
		return false;			/* C6/C7 /0 only */
	i += 1 + extra;
	if (d->has_imm) {
		if (i + d->imm_len > n)
			return false;
		d->imm = immediate(&b[i], d->imm_len);
		i += d->imm_len;
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

/* Register @reg as an operand (AH-BH if @high); the caller masks it. */
static u64 get_reg(struct minivm_vcpu *vcpu, u8 reg, bool high)
{
	u64 v = minivm_read_gpr(vcpu, reg);

	return high ? (v >> 8) & 0xff : v;
}

/* Write it as any instruction does: 8 and 16 bits merge, 32 zero-extend. */
static void put_reg(struct minivm_vcpu *vcpu, u8 reg, u8 len, bool high,
		    u64 val)
{
	u64 v = minivm_read_gpr(vcpu, reg);

	if (high)
		v = (v & ~0xff00ULL) | ((val & 0xff) << 8);
	else if (len == 1)
		v = (v & ~0xffULL) | (val & 0xff);
	else if (len == 2)
		v = (v & ~0xffffULL) | (val & 0xffff);
	else
		v = len == 4 ? (u32)val : val;
	minivm_write_gpr(vcpu, reg, v);
}

/*
 * Put a value read into the destination register, as a MOV would.  MOVZX
 * writes its destination's size: a 16-bit one merges, a 32-bit one
 * zero-extends to 64 bits like any 32-bit result.
 */
static void store_read(struct minivm_vcpu *vcpu, u64 val)
{
	const typeof(vcpu->mmio_read) *p = &vcpu->mmio_read;

	put_reg(vcpu, p->reg, p->zext ? p->zext : p->len, p->high, val);
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

/*
 * A computing instruction, its memory operand read: set the register and
 * RFLAGS as the CPU would.  Return: true if it writes @*out to memory.
 */
static bool alu_done(struct minivm_vcpu *vcpu, u64 mem, u64 *out)
{
	const typeof(vcpu->mmio_alu) *a = &vcpu->mmio_alu;
	u64 reg = get_reg(vcpu, a->reg, a->high), r;
	unsigned long rflags;

	if (a->xchg) {
		put_reg(vcpu, a->reg, a->len, a->high, mem);
		*out = reg;
		return true;
	}
	rflags = vmcs_read(GUEST_RFLAGS);
	if (a->mem_dst)
		r = minivm_alu(a->op, a->len, mem, a->has_imm ? a->imm : reg,
			       &rflags);
	else
		r = minivm_alu(a->op, a->len, reg, mem, &rflags);
	vmcs_write(GUEST_RFLAGS, rflags);
	if (a->op == MINIVM_ALU_CMP || a->op == MINIVM_ALU_TEST)
		return false;
	if (!a->mem_dst) {
		put_reg(vcpu, a->reg, a->len, a->high, r);
		return false;
	}
	*out = r;
	return true;
}

static void mmio_exit(struct minivm_vcpu *vcpu, u64 gpa, u8 len, bool write,
		      u64 val)
{
	struct minivm_run *run = vcpu->run;

	run->exit_reason = MINIVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write)
		memcpy(run->mmio.data, &val, len);
}

/*
 * A computing instruction: read its memory operand, in the kernel if it
 * is the local APIC's (and write it back at once), else through
 * userspace, which minivm_complete_mmio_alu() answers.
 */
static int start_alu(struct minivm_vcpu *vcpu, u64 gpa,
		     const struct mmio_insn *d)
{
	u64 val = 0, out;

	vcpu->mmio_alu.gpa = gpa;
	vcpu->mmio_alu.imm = d->imm;
	vcpu->mmio_alu.op = d->op;
	vcpu->mmio_alu.len = d->len;
	vcpu->mmio_alu.reg = d->reg;
	vcpu->mmio_alu.high = d->high_byte;
	vcpu->mmio_alu.has_imm = d->has_imm;
	vcpu->mmio_alu.mem_dst = d->mem_dst;
	vcpu->mmio_alu.xchg = d->xchg;
	minivm_step_over(d->insn_len);
	if (vcpu->lapic && minivm_lapic_mmio(vcpu, gpa, false, &val, d->len)) {
		if (alu_done(vcpu, val, &out))
			minivm_lapic_mmio(vcpu, gpa, true, &out, d->len);
		return 1;
	}
	mmio_exit(vcpu, gpa, d->len, false, 0);
	vcpu->pending = MINIVM_PENDING_MMIO_ALU;
	return 0;
}

/*
 * An access that crosses a page boundary in linear space touches two
 * pages, RAM and MMIO or two MMIO pages far apart, and the exit names
 * only the one that faulted.  mmio_addr.c finds where the operand
 * begins; such an access goes to userspace (MINIVM_INTERNAL_MMIO_DECODE),
 * which splits it where the guest's pages do.
 */
static bool crosses_page(struct minivm_vcpu *vcpu, struct mmio_insn *d)
{
	u64 la;

	d->mem.rip_next = vmcs_read(GUEST_RIP) + d->insn_len;
	la = minivm_operand_linear(vcpu, &d->mem);
	return offset_in_page(la) + d->len > PAGE_SIZE;
}

/**
 * minivm_emulate_mmio() - turn an EPT violation into MINIVM_EXIT_MMIO,
 * or serve it in the kernel if it touched the local APIC.
 * @vcpu:  the vCPU.
 * @gpa:   the guest-physical address it touched.
 * @write: whether it was a write (from the exit qualification).
 *
 * A MOV must be the access the CPU reported.  A computing instruction
 * reads first, so it may be reported as a read even if it writes; one
 * reported as a write must write.
 *
 * Return: 0 (to userspace), with run->mmio or run->internal filled in;
 * 1 if the local APIC took it.
 */
int minivm_emulate_mmio(struct minivm_vcpu *vcpu, u64 gpa, bool write)
{
	struct mmio_insn d;
	u8 insn[MAX_INSN];
	unsigned int n = minivm_fetch_insn(vcpu, insn, MAX_INSN);
	unsigned long val = 0;

	if (!decode(insn, n, code_size(), &d) ||
	    (d.alu ? write && !d.write : d.write != write) ||
	    crosses_page(vcpu, &d))
		return decode_failed(vcpu, gpa, insn, n);
	if (d.alu)
		return start_alu(vcpu, gpa, &d);

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

	mmio_exit(vcpu, gpa, d.len, d.write, val);
	if (!d.write)
		vcpu->pending = MINIVM_PENDING_MMIO_READ;
	return 0;
}

/**
 * minivm_complete_mmio_alu() - finish a computing instruction with what
 * userspace read.
 * @vcpu: the vCPU, at the start of MINIVM_RUN.
 *
 * Return: 1 if it writes its result back: that write is a new
 * MINIVM_EXIT_MMIO, in the run page for userspace; 0 if it does not.
 */
int minivm_complete_mmio_alu(struct minivm_vcpu *vcpu)
{
	u64 mem = 0, out;

	memcpy(&mem, vcpu->run->mmio.data, vcpu->mmio_alu.len);
	if (!alu_done(vcpu, mem, &out))
		return 0;
	mmio_exit(vcpu, vcpu->mmio_alu.gpa, vcpu->mmio_alu.len, true, out);
	return 1;
}

/**
 * minivm_complete_mmio_read() - put what userspace read into the register.
 * @vcpu: the vCPU, at the start of the next MINIVM_RUN.
 */
void minivm_complete_mmio_read(struct minivm_vcpu *vcpu)
{
	u64 val = 0;

	memcpy(&val, vcpu->run->mmio.data, vcpu->mmio_read.len);
	store_read(vcpu, val);
}

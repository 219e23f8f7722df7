// SPDX-License-Identifier: LGPL-2.1
/*
 * modes.c - putting a vCPU into real, protected, paged or long mode.
 *
 * A vCPU starts as a CPU does after RESET, in real mode.  The other modes
 * need descriptor tables and page tables in guest memory, and the right
 * control registers: this is what a boot loader would do, done from the
 * outside (SDM Vol. 3A, "Mode Switching").
 *
 * Layout at @tables (guest-physical):
 *   +0x0000  GDT: null, 32-bit code (08h), data (10h), 64-bit code (18h)
 *   +0x1000  paged: page directory of 4 MiB pages; long: PML4
 *   +0x2000  long: PDPT
 *   +0x3000  long: four page directories of 2 MiB pages
 * Both paged modes identity-map the whole 4 GiB of 32-bit space, so
 * devices high up (MMIO) are reachable as well as RAM.
 */
#include <errno.h>
#include <string.h>

#include "libminivm.h"

#define CR0_PE	(1U << 0)
#define CR0_MP	(1U << 1)
#define CR0_ET	(1U << 4)
#define CR0_NE	(1U << 5)
#define CR0_PG	(1U << 31)
#define CR4_PSE	(1U << 4)
#define CR4_PAE	(1U << 5)
#define CR4_OSFXSR	(1U << 9)
#define CR4_OSXMMEXCPT	(1U << 10)
#define EFER_LME	(1U << 8)
#define EFER_LMA	(1U << 10)

#define PTE_P	0x1
#define PTE_RW	0x2
#define PTE_PS	0x80

enum { SEL_CODE32 = 0x08, SEL_DATA = 0x10, SEL_CODE64 = 0x18 };

/* A flat 4 GiB segment. */
static struct minivm_segment flat(uint16_t sel, uint8_t type, int code64)
{
	struct minivm_segment s = {
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .s = 1, .g = 1, .db = !code64, .l = code64,
	};
	return s;
}

static void write_gdt(uint8_t *mem, uint64_t tables)
{
	static const uint64_t gdt[] = {
		0,
		0x00cf9b000000ffffULL,	/* 32-bit code, base 0, 4 GiB */
		0x00cf93000000ffffULL,	/* data, base 0, 4 GiB */
		0x00af9b000000ffffULL,	/* 64-bit code */
	};

	memcpy(mem + tables, gdt, sizeof(gdt));
}

static void write_pse_tables(uint8_t *mem, uint64_t tables)
{
	uint32_t *pd = (uint32_t *)(mem + tables + 0x1000);
	uint32_t i;

	for (i = 0; i < 1024; i++)		/* 1024 x 4 MiB = 4 GiB */
		pd[i] = (i << 22) | PTE_P | PTE_RW | PTE_PS;
}

static void write_long_tables(uint8_t *mem, uint64_t tables)
{
	/* LAB 1 begin */
	uint64_t *pml4 = (uint64_t *)(mem + tables + 0x1000);
	uint64_t *pdpt = (uint64_t *)(mem + tables + 0x2000);
	uint64_t *pd = (uint64_t *)(mem + tables + 0x3000);
	uint64_t i;

	pml4[0] = (tables + 0x2000) | PTE_P | PTE_RW;
	for (i = 0; i < 4; i++)
		pdpt[i] = (tables + 0x3000 + i * 0x1000) | PTE_P | PTE_RW;
	for (i = 0; i < 4 * 512; i++)		/* 2048 x 2 MiB = 4 GiB */
		pd[i] = (i << 21) | PTE_P | PTE_RW | PTE_PS;
	/* LAB 1 end */
}

static void protected_sregs(struct minivm_sregs *s, uint64_t tables, int l)
{
	s->cs = flat(l ? SEL_CODE64 : SEL_CODE32, 0xb, l);
	s->ds = s->es = s->fs = s->gs = s->ss = flat(SEL_DATA, 0x3, 0);
	s->gdt.base = tables;
	s->gdt.limit = 4 * 8 - 1;
	/* VM entry wants a present, busy TSS in TR even if never used. */
	s->tr.type = 11;
	s->tr.present = 1;
	s->tr.limit = 0x67;
	s->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_MP;
	s->cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT;
}

int minivm_write_tables(void *mem, uint64_t mem_size, enum minivm_mode mode,
			uint64_t tables)
{
	if (mode == MINIVM_MODE_REAL)
		return 0;
	if (mode > MINIVM_MODE_LONG || tables & 0xfff ||
	    tables + 0x10000 > mem_size)
		return -EINVAL;
	write_gdt(mem, tables);
	if (mode == MINIVM_MODE_PAGED)
		write_pse_tables(mem, tables);
	else if (mode == MINIVM_MODE_LONG)
		write_long_tables(mem, tables);
	return 0;
}

int minivm_setup_mode(struct minivm_vcpu *vcpu, enum minivm_mode mode,
		      void *mem, uint64_t mem_size, uint64_t tables,
		      uint64_t entry, uint64_t stack)
{
	struct minivm_sregs s;
	struct minivm_regs r;
	int ret;

	ret = minivm_write_tables(mem, mem_size, mode, tables);
	if (ret)
		return ret;
	ret = minivm_get_sregs(vcpu, &s);
	if (ret)
		return ret;
	memset(&r, 0, sizeof(r));
	r.rflags = 2;
	r.rsp = stack;

	switch (mode) {
	case MINIVM_MODE_REAL:
		if (entry >= 0x100000)
			return -EINVAL;
		s.cs.selector = entry >> 4;
		s.cs.base = entry & ~0xfULL;
		r.rip = entry & 0xf;
		break;
	case MINIVM_MODE_PROTECTED:
	case MINIVM_MODE_PAGED:
		protected_sregs(&s, tables, 0);
		if (mode == MINIVM_MODE_PAGED) {
			s.cr3 = tables + 0x1000;
			s.cr4 |= CR4_PSE;
			s.cr0 |= CR0_PG;
		}
		r.rip = entry;
		break;
	case MINIVM_MODE_LONG:
		protected_sregs(&s, tables, 1);
		s.cr3 = tables + 0x1000;
		s.cr4 |= CR4_PAE;
		s.cr0 |= CR0_PG;
		s.efer = EFER_LME | EFER_LMA;
		r.rip = entry;
		break;
	default:
		return -EINVAL;
	}
	ret = minivm_set_sregs(vcpu, &s);
	return ret ? ret : minivm_set_regs(vcpu, &r);
}

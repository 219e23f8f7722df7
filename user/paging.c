// SPDX-License-Identifier: GPL-2.0
/*
 * paging.c - the guest's page tables, walked in userspace.
 *
 * An instruction the launcher emulates (emulate.c) names linear
 * addresses; the launcher holds guest-physical memory.  Between them are
 * the guest's own page tables, which live in guest RAM and so in the
 * launcher's map of it.  vmm_translate() walks them as the CPU would
 * (SDM Vol. 3A, "Paging"), in each of the guest's modes: no paging,
 * 32-bit paging (4 MiB pages with CR4.PSE), PAE and 4-level paging, with
 * the permission checks of a data access and the accessed and dirty
 * flags the CPU sets.  kmod/gva.c walks the same tables in the kernel,
 * for the instruction's bytes.
 */
#include <string.h>

#include "vmm.h"

#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define EFER_LMA	(1ULL << 10)

#define PTE_P		1ULL
#define PTE_W		2ULL
#define PTE_U		4ULL
#define PTE_A		0x20ULL
#define PTE_D		0x40ULL
#define PTE_PS		0x80ULL
#define PTE_ADDR	0x000ffffffffff000ULL

static uint64_t mask(unsigned int bits)
{
	return bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
}

/* Read paging-structure entry @ea (@size bytes) from guest RAM. */
static bool read_entry(struct vmm *v, uint64_t ea, unsigned int size, uint64_t *entry)
{
	*entry = 0;
	if (ea + size > v->mem_size)
		return false;
	memcpy(entry, v->mem + ea, size);
	return true;
}

/*
 * Set the accessed (and dirty) flags of an entry, as the CPU does
 * ("Accessed and Dirty Flags").
 */
static void mark(struct vmm *v, uint64_t ea, unsigned int size, uint64_t entry,
		 uint64_t bits)
{
	if ((entry & bits) != bits) {
		entry |= bits;
		memcpy(v->mem + ea, &entry, size);
	}
}

/* Whether @entry at @level maps a page: level 1, or PS in a PDE or PDPTE. */
static bool is_leaf(const struct minivm_sregs *s, unsigned int level,
		    bool pdpte, uint64_t entry)
{
	if (level == 1)
		return true;
	return !pdpte && level <= 3 && (entry & PTE_PS) &&
	       ((s->cr4 & CR4_PAE) || (s->cr4 & CR4_PSE));
}

/**
 * vmm_translate() - a data access's guest-physical address.
 * @v:     the VMM, for guest RAM.
 * @s:     the guest's control registers and segments.
 * @la:    the linear address.
 * @write: whether the access writes.
 * @pa:    the guest-physical address, out.
 * @why:   set when it returns false.
 * @pf_code: when it returns false, the #PF's error code ("Page-Fault
 *         Error Code"), or -1 if the walk itself left RAM (no #PF: the
 *         CPU would have read a device).
 *
 * Return: false if the access would fault, or the tables are not in RAM.
 */
bool vmm_translate(struct vmm *v, const struct minivm_sregs *s, uint64_t la,
		   bool write, uint64_t *pa, const char **why, int *pf_code)
{
	bool lma = s->efer & EFER_LMA, pae = s->cr4 & CR4_PAE;
	bool user = s->ss.dpl == 3, wp = s->cr0 & CR0_WP;
	unsigned int size = pae ? 8 : 4, bits = pae ? 9 : 10;
	unsigned int level = lma ? 4 : pae ? 3 : 2, shift = lma ? 39 : pae ? 30 : 22;
	uint64_t table = s->cr3 & (lma ? PTE_ADDR : pae ? 0xffffffe0 : 0xfffff000);
	uint64_t entry, ea, page, rights = PTE_W | PTE_U;

	if (!(s->cr0 & CR0_PG)) {
		*pa = (uint32_t)la;
		return true;
	}
	*pf_code = (write ? VMM_PF_W : 0) | (user ? VMM_PF_U : 0);
	for (;; level--, shift -= bits) {
		bool pdpte = pae && !lma && level == 3;	/* no R/W, U/S, A */

		ea = table + ((la >> shift) & (pdpte ? 3 : mask(bits))) * size;
		*why = "the guest's page tables are outside RAM";
		if (!read_entry(v, ea, size, &entry)) {
			*pf_code = -1;
			return false;
		}
		*why = "the page is not present (a #PF)";
		if (!(entry & PTE_P))
			return false;
		/* The rights are those every level grants ("Access Rights"). */
		if (!pdpte)
			rights &= entry;
		if (is_leaf(s, level, pdpte, entry))
			break;
		if (!pdpte)
			mark(v, ea, size, entry, PTE_A);
		table = entry & (pae ? PTE_ADDR : 0xfffff000);
	}
	*pf_code |= VMM_PF_P;		/* present: a protection fault, if any */
	*why = "the page is read-only (a #PF)";
	if (write && !(rights & PTE_W) && (user || wp))
		return false;
	*why = "the page is the supervisor's (a #PF)";
	if (user && !(rights & PTE_U))
		return false;
	mark(v, ea, size, entry, write ? PTE_A | PTE_D : PTE_A);
	page = entry & (pae ? PTE_ADDR : 0xfffff000);
	*pa = (page & ~mask(shift)) | (la & mask(shift));
	return true;
}

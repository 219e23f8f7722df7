// SPDX-License-Identifier: GPL-2.0
/*
 * ept.c - guest-physical to host-physical: the extended page tables.
 *
 * With EPT (SDM Vol. 3C, "The Extended Page Table Mechanism (EPT)") the CPU
 * translates every guest-physical address through a second set of page tables
 * that minivm owns.  They have the shape of x86-64 paging: four levels (PML4,
 * PDPT, PD, PT) of 512 eight-byte entries, each level translating 9 bits of the
 * address.  An entry's bits 2:0 say read/write/execute; a leaf also carries the
 * memory type (bits 5:3, write-back here) and, at the PD level, bit 7 makes it
 * a 2 MiB page.
 *
 * A guest-physical address with no entry causes an EPT-violation VM exit,
 * which is how MMIO reaches userspace (exit.c).  Table pages are allocated
 * on demand and freed only with the VM, which keeps map and unmap simple:
 * unmapping clears leaves and leaves the (now empty) tables in place.  The
 * one exception: a 2 MiB leaf written where a table of 4 KiB leaves was
 * frees that table.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "vmx_ops.h"

#define EPT_LEVELS	4
#define EPT_RWX		(VMX_EPT_READABLE_MASK | VMX_EPT_WRITABLE_MASK | \
			 VMX_EPT_EXECUTABLE_MASK)
#define EPT_PRESENT	VMX_EPT_READABLE_MASK
/*
 * Leaf memory type, bits 5:3: write-back, and bit 6, "ignore PAT": guest
 * RAM is write-back whatever the guest's PAT says, as the host maps the
 * same pages write-back and mixed memory types for one page are undefined
 * ("Memory Type Used for Translated Guest-Physical Addresses").
 */
#define EPT_LEAF_WB	(6ULL << VMX_EPT_MT_EPTE_SHIFT | VMX_EPT_IPAT_BIT)
/*
 * In a PD entry: this entry maps a 2 MiB page (SDM "EPT Translation
 * Mechanism").
 */
#define EPT_LARGE	BIT_ULL(7)
#define EPT_ADDR_MASK	0x000ffffffffff000ULL

/* Index of @gpa in a table of @level (4 = PML4 ... 1 = PT). */
static unsigned int ept_index(u64 gpa, int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & 511;
}

static u64 *ept_alloc_table(struct minivm_ept *ept)
{
	struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (!page)
		return NULL;
	ept->nr_tables++;
	minivm_count(MINIVM_OBJ_EPT_TABLE, 1);
	return page_address(page);
}

/*
 * Walk down to the table of @level that covers @gpa, allocating missing
 * tables on the way.  Return NULL when out of memory, or when a large page
 * already maps the range (the caller then replaces it).
 */
static u64 *ept_walk(struct minivm_ept *ept, u64 gpa, int level)
{
	u64 *table = ept->root;
	int l;

	for (l = EPT_LEVELS; l > level; l--) {
		u64 *entry = &table[ept_index(gpa, l)];

		if (!(*entry & EPT_PRESENT)) {
			u64 *next = ept_alloc_table(ept);

			if (!next)
				return NULL;
			/* Non-leaf entries grant everything; leaves decide. */
			*entry = __pa(next) | EPT_RWX;
		} else if (*entry & EPT_LARGE) {
			return NULL;
		}
		table = __va(*entry & EPT_ADDR_MASK);
	}
	return table;
}

static void ept_flush_ipi(void *info)
{
	/* An online CPU may not be in VMX operation (yet, or any more). */
	if (!minivm_vmx_on_here())
		return;
	/* Single-context if the CPU has it, else global (SDM "INVEPT"). */
	if (minivm_caps.ept_vpid_cap & VMX_EPT_EXTENT_CONTEXT_BIT)
		vmx_invept(VMX_EPT_EXTENT_CONTEXT, *(u64 *)info);
	else
		vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0);
}

/**
 * minivm_ept_flush() - drop cached translations of this tree everywhere.
 * @ept: the VM's tree.
 *
 * INVEPT acts on the CPU that executes it only (SDM Vol. 3C, "Invalidating
 * Cached Translation Information"), and any CPU may have run a vCPU of this VM,
 * so every CPU does it.  A CPU in guest mode takes the IPI as an
 * external-interrupt exit, then flushes.
 */
void minivm_ept_flush(struct minivm_ept *ept)
{
	on_each_cpu(ept_flush_ipi, &ept->eptp, 1);
}

static void ept_free_table(u64 *table, int level)
{
	int i;

	for (i = 0; level > 1 && i < 512; i++) {
		u64 e = table[i];

		if ((e & EPT_PRESENT) && !(e & EPT_LARGE))
			ept_free_table(__va(e & EPT_ADDR_MASK), level - 1);
	}
	free_page((unsigned long)table);
	minivm_count(MINIVM_OBJ_EPT_TABLE, -1);
}

/*
 * A 2 MiB page now maps what a page table of 4 KiB entries mapped before
 * (the slot was deleted and made again on huge pages).  No CPU may keep
 * using the old table: flush everywhere, then free it with the VM's
 * count of tables.
 */
static void ept_drop_table(struct minivm_ept *ept, u64 *pt)
{
	minivm_ept_flush(ept);
	ept_free_table(pt, 1);
	ept->nr_tables--;
}

/* Write the leaf for @gpa at @level (1: 4 KiB, 2: 2 MiB). */
static int ept_set_leaf(struct minivm_ept *ept, u64 gpa, int level, u64 leaf)
{
	u64 *table = ept_walk(ept, gpa, level);
	u64 old;

	if (!table)
		return -ENOMEM;
	old = table[ept_index(gpa, level)];
	WRITE_ONCE(table[ept_index(gpa, level)], leaf);
	if (level == 2 && (old & EPT_PRESENT) && !(old & EPT_LARGE))
		ept_drop_table(ept, __va(old & EPT_ADDR_MASK));
	return 0;
}

/* A leaf for guest RAM at @hpa: write-back, readable, executable. */
static u64 ram_leaf(u64 hpa, bool writable)
{
	u64 leaf = hpa | EPT_LEAF_WB | VMX_EPT_READABLE_MASK |
		   VMX_EPT_EXECUTABLE_MASK;

	return writable ? leaf | VMX_EPT_WRITABLE_MASK : leaf;
}

/**
 * minivm_ept_map() - map guest-physical @gpa to host-physical @hpa.
 * @ept:      the VM's tree.
 * @gpa:      guest-physical start, page-aligned.
 * @hpa:      host-physical start, page-aligned.
 * @size:     PAGE_SIZE, or PMD_SIZE for a 2 MiB page (both addresses then
 *            2 MiB-aligned and the CPU able to, MINIVM_VMX_EPT_2M).
 * @writable: false makes guest writes fault (read-only memory).
 *
 * Return: 0 or -ENOMEM.
 */
int minivm_ept_map(struct minivm_ept *ept, u64 gpa, u64 hpa, u64 size,
		   bool writable)
{
	int level = size == PMD_SIZE ? 2 : 1;
	u64 leaf = ram_leaf(hpa, writable);

	if (level == 2)
		leaf |= EPT_LARGE;
	return ept_set_leaf(ept, gpa, level, leaf);
}

/**
 * minivm_ept_map_pages() - map @n 4 KiB pages from guest-physical @gpa to
 * @pages, one walk for all of them.
 * @ept:      the VM's tree.
 * @gpa:      guest-physical start, page-aligned.
 * @pages:    the host's pages, in guest order.
 * @n:        how many; all under one page table (within 2 MiB).
 * @writable: false makes guest writes fault (read-only memory).
 *
 * Return: 0, -ENOMEM, or -EINVAL (a caller's bug) if they would cross
 * into another page table.
 */
int minivm_ept_map_pages(struct minivm_ept *ept, u64 gpa, struct page **pages,
			 unsigned int n, bool writable)
{
	unsigned int first = ept_index(gpa, 1), i;
	u64 *pt = ept_walk(ept, gpa, 1);

	if (!pt)
		return -ENOMEM;
	if (WARN_ON_ONCE(first + n > 512))
		return -EINVAL;
	for (i = 0; i < n; i++)
		WRITE_ONCE(pt[first + i],
			   ram_leaf(page_to_phys(pages[i]), writable));
	return 0;
}

/**
 * minivm_ept_map_data() - map the 4 KiB page at @gpa to @hpa for loads
 * and stores, not for instruction fetches.
 * @ept: the VM's tree.
 * @gpa: guest-physical address, page-aligned.
 * @hpa: host-physical address, page-aligned.
 *
 * For a page of the kernel's that is no RAM of the guest's (the APIC-
 * access page): running code from it is an EPT violation.
 *
 * Return: 0 or -ENOMEM.
 */
int minivm_ept_map_data(struct minivm_ept *ept, u64 gpa, u64 hpa)
{
	return ept_set_leaf(ept, gpa, 1, hpa | EPT_LEAF_WB |
			    VMX_EPT_READABLE_MASK | VMX_EPT_WRITABLE_MASK);
}

/*
 * Find the leaf entry mapping @gpa, of either size, and its *@size; NULL
 * if none, *@size then being the span known to be unmapped around @gpa.
 */
static u64 *ept_find_leaf(struct minivm_ept *ept, u64 gpa, u64 *size)
{
	u64 *table = ept->root;
	int l;

	for (l = EPT_LEVELS; l >= 1; l--) {
		u64 *entry = &table[ept_index(gpa, l)];

		if (!(*entry & EPT_PRESENT)) {
			*size = 1ULL << (PAGE_SHIFT + 9 * (l - 1));
			return NULL;	/* nothing in all that *size covers */
		}
		if (l == 1 || (l == 2 && (*entry & EPT_LARGE))) {
			*size = l == 2 ? PMD_SIZE : PAGE_SIZE;
			return entry;
		}
		table = __va(*entry & EPT_ADDR_MASK);
	}
	return NULL;
}

/**
 * minivm_ept_unmap() - remove the mappings of [@gpa, @gpa + @size).
 * @ept:  the VM's tree.
 * @gpa:  guest-physical start, page-aligned.
 * @size: bytes, page-aligned.
 *
 * The caller flushes (minivm_ept_flush()) before freeing the pages.
 *
 * Return: whether anything was mapped there.
 */
bool minivm_ept_unmap(struct minivm_ept *ept, u64 gpa, u64 size)
{
	u64 end = gpa + size, step;
	bool found = false;

	while (gpa < end) {
		u64 *leaf = ept_find_leaf(ept, gpa, &step);

		if (leaf && (*leaf & EPT_PRESENT)) {
			WRITE_ONCE(*leaf, 0);
			found = true;
		}
		gpa = ALIGN_DOWN(gpa, step) + step;
	}
	return found;
}

/**
 * minivm_ept_init() - an empty tree and its EPT pointer.
 * @ept: where to put it.
 *
 * Return: 0 or -ENOMEM.
 */
int minivm_ept_init(struct minivm_ept *ept)
{
	ept->nr_tables = 0;
	ept->root = ept_alloc_table(ept);
	if (!ept->root)
		return -ENOMEM;
	/*
	 * EPTP (SDM Vol. 3C, "Extended-Page-Table Pointer (EPTP)"): write-back
	 * paging structures (bits 2:0 = 6), a 4-level walk (bits 5:3 = 3), and
	 * accessed/dirty flags (bit 6) when the CPU has them.
	 */
	ept->eptp = __pa(ept->root) | VMX_EPTP_MT_WB | VMX_EPTP_PWL_4;
	if (minivm_caps.flags & MINIVM_VMX_EPT_AD)
		ept->eptp |= VMX_EPTP_AD_ENABLE_BIT;
	return 0;
}

/** minivm_ept_destroy() - free every table; no vCPU may use the tree. */
void minivm_ept_destroy(struct minivm_ept *ept)
{
	if (ept->root)
		ept_free_table(ept->root, EPT_LEVELS);
	ept->root = NULL;
}

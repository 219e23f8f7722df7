// SPDX-License-Identifier: GPL-2.0
/*
 * gva.c - the guest's linear addresses: what its own page tables map
 * them to.
 *
 * Some exits leave minivm with a guest-linear address rather than a
 * guest-physical one: the RIP of an instruction it must decode (mmio.c),
 * the ES:RDI or DS:RSI of a string I/O instruction (io.c).  The EPT only
 * translates guest-physical addresses, so here minivm walks the guest's
 * page tables in software, as the CPU would have, in every paging mode a
 * guest can be in, and checks the access rights the CPU would check.
 *
 * The walk reads the guest's page tables through the memory slots
 * (memslot.c) and sets no accessed or dirty bits: the guest made, or is
 * about to make, the same access itself, and the CPU sets them then.
 *
 * Both ways in flag an L1D flush before the next entry (mitigations.c):
 * the guest chooses the addresses walked and copied, as it does for
 * KVM's instruction emulator, which KVM's "cond" policy flushes after.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "guest.h"

static bool read_pte(struct minivm_vm *vm, u64 gpa, u64 *pte, int size)
{
	*pte = 0;
	return minivm_copy_guest_phys(vm, gpa, pte, size, false) && (*pte & 1);
}

/* How the walk is checked: not at all (an instruction fetch), or a data access. */
enum walk_access { WALK_FETCH, WALK_READ, WALK_WRITE };

/*
 * May the guest make this data access through a translation whose
 * entries' R/W and U/S bits, ANDed together, are @perms?  At CPL 3 every
 * entry must allow user access; a write needs R/W everywhere, at CPL 0
 * too when CR0.WP is set (SDM Vol. 3A, "Access Rights").
 */
static bool walk_allowed(struct minivm_vcpu *vcpu, u64 perms,
			 enum walk_access access)
{
	bool user = VMX_AR_DPL(vmcs_read32(GUEST_SS_AR_BYTES)) == 3;

	if (access == WALK_FETCH)
		return true;	/* the guest already fetched this RIP */
	if (user && !(perms & _PAGE_USER))
		return false;
	return access == WALK_READ || (perms & _PAGE_RW) ||
	       (!user && !(minivm_guest_cr0(vcpu) & X86_CR0_WP));
}

/*
 * Guest-linear to guest-physical, as the guest's paging would (SDM Vol.
 * 3A, 4.3-4.5): no paging, 32-bit (with 4 MiB pages), PAE, or 4-level,
 * with the permission checks of @access.
 */
static bool guest_linear_to_phys(struct minivm_vcpu *vcpu, u64 gva, u64 *gpa,
				 enum walk_access access)
{
	u64 cr3 = vmcs_read(GUEST_CR3), pte, perms = ~0ULL;
	unsigned long cr4 = minivm_guest_cr4(vcpu);
	struct minivm_vm *vm = vcpu->vm;
	int level, shift;

	if (!(minivm_guest_cr0(vcpu) & X86_CR0_PG)) {
		*gpa = gva;
		return true;
	}
	if (!(cr4 & X86_CR4_PAE)) {
		u64 pde_a = (cr3 & 0xfffff000) + ((gva >> 22) & 1023) * 4;

		if (!read_pte(vm, pde_a, &pte, 4))
			return false;
		perms &= pte;
		if ((pte & 0x80) && (cr4 & X86_CR4_PSE)) {
			*gpa = (pte & 0xffc00000) | (gva & 0x3fffff);
			return walk_allowed(vcpu, perms, access);
		}
		if (!read_pte(vm, (pte & 0xfffff000) + ((gva >> 12) & 1023) * 4,
			      &pte, 4))
			return false;
		*gpa = (pte & 0xfffff000) | (gva & 0xfff);
		return walk_allowed(vcpu, perms & pte, access);
	}
	if (vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) {
		level = 4;
		pte = cr3;
	} else {	/* PAE: the 4 PDPTEs, CR3 bits 31:5; no R/W or U/S */
		if (!read_pte(vm, (cr3 & 0xffffffe0) + ((gva >> 30) & 3) * 8,
			      &pte, 8))
			return false;
		level = 2;
	}
	for (; level >= 1; level--) {
		shift = 12 + 9 * (level - 1);
		if (!read_pte(vm, (pte & 0x000ffffffffff000ULL) +
			      ((gva >> shift) & 511) * 8, &pte, 8))
			return false;
		perms &= pte;
		if (level <= 3 && level > 1 && (pte & 0x80)) {	/* 1G/2M */
			*gpa = (pte & 0x000fffffffe00000ULL & ~((1ULL << shift) - 1)) |
			       (gva & ((1ULL << shift) - 1));
			return walk_allowed(vcpu, perms, access);
		}
	}
	*gpa = (pte & 0x000ffffffffff000ULL) | (gva & 0xfff);
	return walk_allowed(vcpu, perms, access);
}

/**
 * minivm_copy_guest_linear() - copy to or from the guest's linear memory.
 * @vcpu:  the vCPU whose paging translates the address.
 * @gva:   guest-linear address.
 * @buf:   the host buffer, or NULL to check the access without copying.
 * @len:   bytes.
 * @write: true to copy into the guest.
 *
 * Return: true if every byte was RAM (and writable, for a write) and the
 * guest's page tables allow the access at its CPL.
 */
bool minivm_copy_guest_linear(struct minivm_vcpu *vcpu, u64 gva, void *buf,
			      unsigned int len, bool write)
{
	vcpu->l1d_dirty = true;
	while (len) {
		unsigned int n = min_t(unsigned int, len,
				       PAGE_SIZE - offset_in_page(gva));
		u64 gpa;

		if (!guest_linear_to_phys(vcpu, gva, &gpa,
					  write ? WALK_WRITE : WALK_READ) ||
		    !minivm_copy_guest_phys(vcpu->vm, gpa, buf, n, write))
			return false;
		gva += n;
		if (buf)
			buf += n;
		len -= n;
	}
	return true;
}

/**
 * minivm_fetch_insn() - read the bytes of the instruction at CS:RIP.
 * @vcpu: the vCPU.
 * @insn: where they go.
 * @max:  how many bytes at most (15, the longest instruction).
 *
 * Stops at the first byte that is not RAM: what follows is for the
 * decoder to judge.
 *
 * Return: the number of bytes read.
 */
unsigned int minivm_fetch_insn(struct minivm_vcpu *vcpu, u8 *insn,
			       unsigned int max)
{
	u64 gva = vmcs_read(GUEST_RIP), gpa;
	unsigned int n = 0, chunk;

	vcpu->l1d_dirty = true;
	if (!minivm_long_mode(vcpu))	/* CS.base is 0 in 64-bit mode */
		gva += vmcs_read(GUEST_CS_BASE);
	/*
	 * A page at a time: one walk and one copy for each of the (at most
	 * two) pages the bytes lie on.  A page is RAM or not as a whole.
	 */
	while (n < max) {
		chunk = min_t(unsigned int, max - n,
			      PAGE_SIZE - offset_in_page(gva + n));
		if (!guest_linear_to_phys(vcpu, gva + n, &gpa, WALK_FETCH) ||
		    !minivm_copy_guest_phys(vcpu->vm, gpa, &insn[n], chunk,
					    false))
			break;
		n += chunk;
	}
	return n;
}

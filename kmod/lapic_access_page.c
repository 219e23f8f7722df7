// SPDX-License-Identifier: GPL-2.0
/*
 * lapic_access_page.c - the APIC-access page: the CPU serves the xAPIC
 * page itself, without an exit for most loads and stores.
 *
 * Without it, every load and store to the xAPIC page at FEE00000h is an
 * EPT violation that mmio.c decodes and lapic_access.c serves.  With
 * "virtualize APIC accesses" (SDM Vol. 3C, "Virtualizing Memory-Mapped
 * APIC Accesses") the CPU recognises the page by its host-physical
 * address, the APIC-access address in the VMCS, and turns accesses to it
 * into accesses to the virtual-APIC page, which for minivm is the APIC's
 * own register page:
 *
 *   loads     of ID, version, TPR, EOI, LDR, DFR, SVR, ISR, TMR, IRR,
 *             ESR, ICR, the LVT entries, TMICT and TDCR (bytes 0-3 of
 *             each) read the register page, no exit ("Virtualizing
 *             Reads from the APIC-Access Page").
 *   stores    to TPR and EOI are done by the CPU (lapic_virt.c), as is a
 *             self-IPI through ICR; a store to ICR's high half just
 *             lands.  Stores to the other writable registers land in the
 *             page and then exit, trap-like, so that minivm can give them
 *             their effect (an APIC-write exit, lapic_virt.c).
 *   the rest  PPR, TMCCT, a read-only register written, bytes 4-15 of a
 *             register, a wider access: an APIC-access exit, fault-like,
 *             with the page offset.  exit.c has the instruction decoded
 *             as for any MMIO (mmio.c), and lapic_access.c serves it.
 *
 * The CPU finds the page through the guest's EPT, so the page must be
 * mapped there at FEE00000h.  It is one page per VM, never read or
 * written by anyone: every access to it is virtualized or exits.  That
 * mapping is the VM's while each vCPU has its own APIC state, hence
 * minivm's rules, which keep what each vCPU sees the same as without the
 * page:
 *
 *   - The page is mapped only while every vCPU's APIC is enabled, in
 *     xAPIC mode, at FEE00000h.  A vCPU that moves its APIC base,
 *     disables its APIC or enters x2APIC mode would reach the page itself
 *     through the EPT (reading zeros where minivm would have gone to
 *     userspace), so the page is unmapped then, at once, under the VM's
 *     lock.  KVM keeps it mapped there and its x2APIC vCPUs read the page;
 *     minivm prefers the exit.
 *   - It is mapped again lazily: the next EPT violation at FEE00000h from
 *     a vCPU that can use it maps it, if the rule above holds.
 *   - A memory slot over FEE00000h wins: the page is not mapped while a
 *     slot covers that address, and a new slot's range is cleared of it
 *     (memslot.c), as without the page a slot's RAM hides the APIC.
 *   - Until it is mapped, the vCPUs' accesses take the EPT violation
 *     path: slower, never different.
 *
 * Accesses the CPU cannot virtualize nor minivm emulate (an instruction
 * fetched from the page, or the page used as a page table or during
 * event delivery) end RUN with MINIVM_EXIT_INTERNAL_ERROR, as they do
 * through the EPT-violation path.  The page is mapped without execute
 * permission, so a fetch takes that path itself.
 */
#include <linux/mm.h>
#include <asm/io.h>

#include "lapic.h"

/**
 * minivm_apic_access_create() - the VM's APIC-access page, when its
 * APICs have MINIVM_APICV_XAPIC.
 * @vm: the VM, its lock held, no vCPU yet.
 *
 * Return: 0 or -ENOMEM.
 */
int minivm_apic_access_create(struct minivm_vm *vm)
{
	if (!(vm->apicv & MINIVM_APICV_XAPIC))
		return 0;
	vm->apic_access_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!vm->apic_access_page)
		return -ENOMEM;
	minivm_count(MINIVM_OBJ_APIC_ACCESS_PAGE, 1);
	return 0;
}

/**
 * minivm_apic_access_free() - free the page; the VM is being destroyed
 * and its EPT is no longer used.
 * @vm: the VM.
 */
void minivm_apic_access_free(struct minivm_vm *vm)
{
	if (!vm->apic_access_page)
		return;
	__free_page(vm->apic_access_page);
	vm->apic_access_page = NULL;
	minivm_count(MINIVM_OBJ_APIC_ACCESS_PAGE, -1);
}

/* May the page be at FEE00000h now?  Under the VM's lock. */
static bool may_map(struct minivm_vm *vm)
{
	unsigned int i;

	if (minivm_find_slot(vm, APIC_DEFAULT_PHYS_BASE))
		return false;
	for (i = 0; i < MINIVM_MAX_VCPUS; i++) {
		struct minivm_vcpu *v = vm->vcpus[i];

		if (v && !lapic_base_at_home(READ_ONCE(v->lapic->base)))
			return false;
	}
	return true;
}

/**
 * minivm_apic_access_fault() - an EPT violation: if it is at FEE00000h
 * and the page may be mapped there, map it.
 * @vcpu:  the vCPU.
 * @gpa:   the guest-physical address of the violation.
 * @fetch: it was an instruction fetch.
 *
 * The page is mapped for loads and stores only: a fetch from it is an
 * EPT violation whether it is mapped or not, left to exit.c (as MMIO, it
 * finds no instruction to decode).  The CPU would make it an APIC-access
 * exit instead, and Bochs, the test machine, stops dead on it.  Any other
 * violation here says the page is not in the EPT now, whatever
 * @vm->apic_access_mapped says (a new slot's range is cleared without
 * it), so it is mapped whenever the rules allow, and the retried load or
 * store cannot fault here again.
 *
 * Return: true if the page is mapped now (the guest retries the access,
 * which the CPU then virtualizes or turns into an APIC-access exit);
 * false if the violation is for exit.c to handle as before.
 */
bool minivm_apic_access_fault(struct minivm_vcpu *vcpu, u64 gpa, bool fetch)
{
	struct minivm_vm *vm = vcpu->vm;
	bool mapped = false;

	if (fetch || !vcpu->lapic || !(vcpu->lapic->virt & MINIVM_APICV_XAPIC) ||
	    (gpa & PAGE_MASK) != APIC_DEFAULT_PHYS_BASE ||
	    !lapic_base_at_home(vcpu->lapic->base))
		return false;
	mutex_lock(&vm->lock);
	if (may_map(vm) &&
	    !minivm_ept_map_data(&vm->ept, APIC_DEFAULT_PHYS_BASE,
				 page_to_phys(vm->apic_access_page))) {
		vm->apic_access_mapped = true;
		mapped = true;
	}
	mutex_unlock(&vm->lock);
	return mapped;
}

/**
 * minivm_apic_access_leave() - a vCPU's APIC left FEE00000h in xAPIC
 * mode (moved, disabled, x2APIC): take the page out of the EPT before
 * that vCPU runs again.
 * @vm: the VM.
 *
 * The flush reaches every CPU, so no vCPU keeps a cached translation to
 * the page; the others' accesses take EPT violations until it is mapped
 * again.
 */
void minivm_apic_access_leave(struct minivm_vm *vm)
{
	if (!vm->apic_access_page)
		return;
	mutex_lock(&vm->lock);
	/* (If a slot covers the address now, what is mapped there is RAM.) */
	if (vm->apic_access_mapped &&
	    !minivm_find_slot(vm, APIC_DEFAULT_PHYS_BASE) &&
	    minivm_ept_unmap(&vm->ept, APIC_DEFAULT_PHYS_BASE, PAGE_SIZE))
		minivm_ept_flush(&vm->ept);
	vm->apic_access_mapped = false;
	mutex_unlock(&vm->lock);
}

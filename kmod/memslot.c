// SPDX-License-Identifier: GPL-2.0
/*
 * memslot.c - guest memory: regions of the VMM's own address space.
 *
 * A VMM gives its guest memory the way KVM's users do: it mmap()s some
 * memory and tells minivm "guest-physical X is my address Y, for N bytes"
 * (MINIVM_SET_MEMORY_REGION).  The guest and the VMM then share the pages.
 *
 * minivm pins the pages for the slot's life (pin_user_pages with
 * FOLL_LONGTERM) and maps them into EPT at once.  The alternative, KVM's,
 * is to fault pages in on EPT violations and follow the process's page
 * tables through MMU notifiers when they change.  Pinning costs memory
 * that cannot be swapped or migrated, but it needs no notifier, no fault
 * path and no invalidation races: the EPT never changes behind a running
 * vCPU except through this file, under the VM's lock.  For a teaching
 * hypervisor running small guests that trade is the right one; see
 * Documentation/minivm/design.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hugetlb.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "minivm.h"

/* Does [gpa, gpa + size) overlap a slot other than @except? */
static bool overlaps(struct minivm_vm *vm, u64 gpa, u64 size, u32 except)
{
	u32 i;

	for (i = 0; i < MINIVM_MAX_MEMSLOTS; i++) {
		struct minivm_memslot *s = vm->slots[i];

		if (!s || i == except)
			continue;
		if (gpa < s->gpa + (s->npages << PAGE_SHIFT) &&
		    s->gpa < gpa + size)
			return true;
	}
	return false;
}

/**
 * minivm_find_slot() - the slot that holds @gpa, or NULL.
 * @vm:  the VM; its lock held, or the caller is its only user.
 * @gpa: a guest-physical address.
 */
struct minivm_memslot *minivm_find_slot(struct minivm_vm *vm, u64 gpa)
{
	u32 i;

	for (i = 0; i < MINIVM_MAX_MEMSLOTS; i++) {
		struct minivm_memslot *s = vm->slots[i];

		if (s && gpa >= s->gpa &&
		    gpa < s->gpa + (s->npages << PAGE_SHIFT))
			return s;
	}
	return NULL;
}

/*
 * Can pages i..i+511 be one 2 MiB EPT page?  The guest range and the host
 * memory must both be 2 MiB-aligned and physically contiguous, as when a
 * transparent or explicit huge page backs the region.
 *
 * A hugetlb page is mapped whole by one PMD, so if page i is the head of
 * a 2 MiB one, the next 511 are its tail pages: no need to look at each.
 * Anything else (a transparent huge page may be mapped by PTEs, and so
 * in pieces) is checked page by page.
 */
static bool can_map_2m(struct minivm_memslot *s, u64 i)
{
	struct page *head = s->pages[i];
	u64 j;

	if (!(minivm_caps.flags & MINIVM_VMX_EPT_2M) ||
	    i + 512 > s->npages || !IS_ALIGNED(s->gpa + (i << PAGE_SHIFT), PMD_SIZE) ||
	    !IS_ALIGNED(page_to_pfn(head), 512))
		return false;
	if (PageHead(head) && PageHuge(head) && compound_order(head) == PMD_SHIFT - PAGE_SHIFT)
		return true;
	for (j = 1; j < 512; j++)
		if (page_to_pfn(s->pages[i + j]) != page_to_pfn(head) + j)
			return false;
	return true;
}

static int map_slot(struct minivm_vm *vm, struct minivm_memslot *s)
{
	bool writable = !(s->flags & MINIVM_MEM_READONLY);
	u64 i = 0;
	int ret;

	while (i < s->npages) {
		u64 size = can_map_2m(s, i) ? PMD_SIZE : PAGE_SIZE;

		ret = minivm_ept_map(&vm->ept, s->gpa + (i << PAGE_SHIFT),
				     page_to_phys(s->pages[i]), size, writable);
		if (ret)
			return ret;
		i += size >> PAGE_SHIFT;
	}
	return 0;
}

static void free_slot(struct minivm_memslot *s)
{
	bool dirty = !(s->flags & MINIVM_MEM_READONLY);

	unpin_user_pages_dirty_lock(s->pages, s->npages, dirty);
	minivm_count(MINIVM_OBJ_PINNED_PAGE, -s->npages);
	minivm_count(MINIVM_OBJ_MEMSLOT, -1);
	kvfree(s->pages);
	kfree(s);
}

/* Pin @s's range with @gup flags; all of it (0) or nothing (-errno). */
static long pin_range(struct minivm_memslot *s, unsigned int gup)
{
	long pinned = pin_user_pages_fast(s->uaddr, s->npages, gup, s->pages);

	if (pinned == s->npages)
		return 0;
	if (pinned > 0)
		unpin_user_pages(s->pages, pinned);
	return pinned < 0 ? pinned : -EFAULT;
}

/*
 * Pin the userspace range.  A read-only slot is pinned for writing too
 * when the mapping allows it: a private page the VMM never touched is
 * otherwise the shared zero page, and the VMM's later write would go to a
 * new copy the guest never sees.  Pinned for writing, the page is the
 * VMM's own from the start.  Truly read-only mappings are pinned as such.
 */
static int pin_slot(struct minivm_memslot *s)
{
	long ret;

	s->pages = kvmalloc_array(s->npages, sizeof(*s->pages),
				  GFP_KERNEL_ACCOUNT);
	if (!s->pages)
		return -ENOMEM;
	ret = pin_range(s, FOLL_LONGTERM | FOLL_WRITE);
	if (ret == -EFAULT && (s->flags & MINIVM_MEM_READONLY))
		ret = pin_range(s, FOLL_LONGTERM);
	if (!ret) {
		minivm_count(MINIVM_OBJ_PINNED_PAGE, s->npages);
		minivm_count(MINIVM_OBJ_MEMSLOT, 1);
		return 0;
	}
	kvfree(s->pages);
	/* An unmapped or wrongly protected range is the caller's fault. */
	return ret == -ENOMEM ? -ENOMEM : -EFAULT;
}

static int delete_slot(struct minivm_vm *vm, u32 id)
{
	struct minivm_memslot *s = vm->slots[id];

	if (!s)
		return -EINVAL;
	minivm_ept_unmap(&vm->ept, s->gpa, s->npages << PAGE_SHIFT);
	/* No CPU may still translate through the old entries. */
	minivm_ept_flush(&vm->ept);
	vm->slots[id] = NULL;
	free_slot(s);
	return 0;
}

static int check_region(const struct minivm_memory_region *mr)
{
	if (mr->slot >= MINIVM_MAX_MEMSLOTS ||
	    (mr->flags & ~MINIVM_MEM_READONLY))
		return -EINVAL;
	if (!PAGE_ALIGNED(mr->guest_phys_addr) ||
	    !PAGE_ALIGNED(mr->memory_size) ||
	    !PAGE_ALIGNED(mr->userspace_addr))
		return -EINVAL;
	if (mr->memory_size > MINIVM_MAX_SLOT_SIZE)
		return -E2BIG;
	if (mr->guest_phys_addr >= MINIVM_MAX_GPA ||
	    mr->memory_size > MINIVM_MAX_GPA - mr->guest_phys_addr)
		return -E2BIG;
	if (mr->userspace_addr + mr->memory_size < mr->userspace_addr ||
	    !access_ok((void __user *)(unsigned long)mr->userspace_addr,
		       mr->memory_size))
		return -EFAULT;
	return 0;
}

/**
 * minivm_set_memory_region() - MINIVM_SET_MEMORY_REGION.
 * @vm: the VM.
 * @mr: the region, copied from userspace.
 *
 * A slot is created, or deleted with memory_size 0.  Changing a slot in
 * place is not supported: delete it and create it again.
 *
 * Return: 0; -EINVAL for a bad slot, flag or alignment, or deleting an
 * empty slot; -EEXIST if the slot is in use or the range overlaps another
 * slot; -E2BIG beyond MINIVM_MAX_SLOT_SIZE or MINIVM_MAX_GPA; -EFAULT if
 * the userspace range cannot be pinned; -ENOMEM.
 */
int minivm_set_memory_region(struct minivm_vm *vm,
			     const struct minivm_memory_region *mr)
{
	struct minivm_memslot *s;
	int ret = check_region(mr);

	if (ret)
		return ret;

	mutex_lock(&vm->lock);
	if (mr->memory_size == 0) {
		ret = delete_slot(vm, mr->slot);
		goto out;
	}
	ret = -EEXIST;
	if (vm->slots[mr->slot] ||
	    overlaps(vm, mr->guest_phys_addr, mr->memory_size, mr->slot))
		goto out;

	ret = -ENOMEM;
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		goto out;
	s->flags = mr->flags;
	s->gpa = mr->guest_phys_addr;
	s->npages = mr->memory_size >> PAGE_SHIFT;
	s->uaddr = mr->userspace_addr;
	ret = pin_slot(s);
	if (ret) {
		kfree(s);
		goto out;
	}
	ret = map_slot(vm, s);
	if (ret) {
		minivm_ept_unmap(&vm->ept, s->gpa, s->npages << PAGE_SHIFT);
		minivm_ept_flush(&vm->ept);
		free_slot(s);
		goto out;
	}
	vm->slots[mr->slot] = s;
out:
	mutex_unlock(&vm->lock);
	return ret;
}

/** minivm_free_memslots() - unpin everything; the VM is being destroyed. */
void minivm_free_memslots(struct minivm_vm *vm)
{
	u32 i;

	for (i = 0; i < MINIVM_MAX_MEMSLOTS; i++) {
		if (vm->slots[i])
			free_slot(vm->slots[i]);
		vm->slots[i] = NULL;
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * memslot.c - guest memory: regions of the VMM's own address space.
 *
 * A VMM gives its guest memory the way KVM's users do: it mmap()s some
 * memory and tells minivm "guest-physical X is my address Y, for N bytes"
 * (MINIVM_SET_MEMORY_REGION).  The guest and the VMM then share the pages.
 *
 * minivm pins the pages (pin_user_pages with FOLL_LONGTERM) and keeps
 * them pinned for the slot's life, but only once the guest (or minivm on
 * its behalf) first touches them: an EPT violation in a slot pins and
 * maps the piece around it (64 KiB, or the 2 MiB of a huge page), so
 * creating a VM with a large region costs nothing until it is used, and
 * memory grows with what the guest touches.  The alternative, KVM's, follows the process's page
 * tables through MMU notifiers when they change.  Pinning costs memory
 * that cannot be swapped or migrated, but it needs no notifier and no
 * invalidation races: the EPT never changes behind a running vCPU except
 * through this file, under the VM's lock.  For a teaching hypervisor
 * running small guests that trade is the right one; see
 * Documentation/minivm/design.rst.
 *
 * Pinned memory is locked memory: like VFIO, minivm charges every pinned
 * page to the VMM's RLIMIT_MEMLOCK (mm->locked_vm), unless it has
 * CAP_IPC_LOCK.  And like later kernels, it refuses to pin shared
 * mappings of ordinary files for the long term: the guest would write to
 * page-cache pages behind the filesystem's back.  Anonymous memory,
 * memfd/shmem and hugetlbfs are what a VMM uses.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/fs.h>
#include <linux/magic.h>
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
 * Guest RAM is pinned and mapped a piece at a time, on the guest's first
 * touch (minivm_fault_in()).  Where one 2 MiB folio (a hugetlbfs or a
 * transparent huge page) backs a whole 2 MiB-aligned chunk of the slot,
 * the chunk is one pin and one 2 MiB EPT page; a bit in @s->huge says so.
 * Anything else is pinned 64 KiB at a time, 4 KiB pages: one exit per 16
 * pages, and no memory populated that the guest never uses.
 */
#define SMALL_PIECE	16			/* pages */
#define HUGE_PIECE	(PMD_SIZE >> PAGE_SHIFT)	/* 512 pages */

/*
 * The pages of @s in the @align-page-aligned guest-physical range that
 * holds page @i: the first one, and how many.
 */
static void piece_of(struct minivm_memslot *s, u64 i, u64 align, u64 *first,
		     u64 *n)
{
	u64 base = s->gpa >> PAGE_SHIFT;
	u64 start = ALIGN_DOWN(base + i, align);

	*first = max(start, base) - base;
	*n = min(start + align, base + s->npages) - base - *first;
}

/* Which bit of @s->huge stands for the 2 MiB chunk holding page @i. */
static u64 huge_bit(struct minivm_memslot *s, u64 i)
{
	return ((s->gpa >> PAGE_SHIFT) + i) / HUGE_PIECE -
	       (s->gpa >> PAGE_SHIFT) / HUGE_PIECE;
}

/* Pin @n pages from page @first with @gup flags: all (0) or none. */
static int pin_pages(struct minivm_memslot *s, u64 first, u64 n,
		     unsigned int gup)
{
	long pinned = pin_user_pages_fast(s->uaddr + (first << PAGE_SHIFT), n,
					  gup, &s->pages[first]);

	if (pinned == n)
		return 0;
	if (pinned > 0)
		unpin_user_pages(&s->pages[first], pinned);
	memset(&s->pages[first], 0, n * sizeof(*s->pages));
	return pinned < 0 ? pinned : -EFAULT;
}

/*
 * A read-only slot is pinned for writing too when the mapping allows it:
 * a private page the VMM never touched is otherwise the shared zero page,
 * and the VMM's later write would go to a new copy the guest never sees.
 * Pinned for writing, the page is the VMM's own from the start.  Truly
 * read-only mappings are pinned as such.
 */
static int pin(struct minivm_memslot *s, u64 first, u64 n)
{
	int ret = pin_pages(s, first, n, FOLL_LONGTERM | FOLL_WRITE);

	if (ret == -EFAULT && (s->flags & MINIVM_MEM_READONLY))
		ret = pin_pages(s, first, n, FOLL_LONGTERM);
	return ret;
}

/* Is any page of the 2 MiB chunk from page @first pinned already? */
static bool chunk_touched(struct minivm_memslot *s, u64 first)
{
	u64 j;

	for (j = 0; j < HUGE_PIECE; j += SMALL_PIECE)
		if (s->pages[first + j])
			return true;
	return false;
}

/*
 * Pin the 2 MiB chunk holding page @i whole, if one 2 MiB folio backs it
 * and nothing in it is pinned yet.  A hugetlb folio is mapped whole, so
 * the pin on its first page holds all of it (GUP pins folios) and the
 * other 511 entries are its pages, unpinned: @s->huge marks the chunk.
 * A transparent huge page may be mapped in pieces, so its 512 pages are
 * pinned one by one and must turn out to be the folio's, in order.
 *
 * Return: true if the chunk is pinned; *@map_2m says whether it can be
 * one 2 MiB EPT page (its pages are the folio's, in order).
 */
static bool pin_huge(struct minivm_memslot *s, u64 i, u64 *first, u64 *n,
		     bool *map_2m)
{
	struct folio *folio;
	u64 j;

	piece_of(s, i, HUGE_PIECE, first, n);
	if (*n != HUGE_PIECE || !(minivm_caps.flags & MINIVM_VMX_EPT_2M) ||
	    !IS_ALIGNED(s->uaddr + (*first << PAGE_SHIFT), PMD_SIZE) ||
	    chunk_touched(s, *first) || pin(s, *first, 1))
		return false;
	folio = page_folio(s->pages[*first]);
	if (folio_order(folio) != PMD_SHIFT - PAGE_SHIFT ||
	    &folio->page != s->pages[*first]) {
		unpin_user_page(s->pages[*first]);
		s->pages[*first] = NULL;
		return false;
	}
	*map_2m = true;
	if (folio_test_hugetlb(folio)) {
		for (j = 1; j < HUGE_PIECE; j++)
			s->pages[*first + j] = folio_page(folio, j);
		__set_bit(huge_bit(s, *first), s->huge);
		return true;
	}
	unpin_user_page(s->pages[*first]);
	s->pages[*first] = NULL;
	if (pin(s, *first, HUGE_PIECE))
		return false;
	for (j = 1; j < HUGE_PIECE; j++)
		*map_2m &= s->pages[*first + j] == folio_page(folio, j);
	return true;
}

/* Unpin one piece and forget its pages. */
static void release_piece(struct minivm_memslot *s, u64 first, u64 n)
{
	bool dirty = !(s->flags & MINIVM_MEM_READONLY);
	bool huge = n == HUGE_PIECE && test_bit(huge_bit(s, first), s->huge);

	unpin_user_pages_dirty_lock(&s->pages[first], huge ? 1 : n, dirty);
	if (huge)
		__clear_bit(huge_bit(s, first), s->huge);
	memset(&s->pages[first], 0, n * sizeof(*s->pages));
	minivm_count(MINIVM_OBJ_PINNED_PAGE, -(long)n);
}

/* Undo one piece: unpin it, forget its pages, give back its charge. */
static void unpin_piece(struct minivm_memslot *s, u64 first, u64 n)
{
	release_piece(s, first, n);
	account_locked_vm(s->mm, n, false);
}

static int map_piece(struct minivm_vm *vm, struct minivm_memslot *s,
		     u64 first, u64 n, bool map_2m)
{
	bool writable = !(s->flags & MINIVM_MEM_READONLY);
	u64 gpa = s->gpa + (first << PAGE_SHIFT);

	if (map_2m)
		return minivm_ept_map(&vm->ept, gpa,
				      page_to_phys(s->pages[first]), PMD_SIZE,
				      writable);
	/* A piece lies within one 2 MiB-aligned chunk (piece_of()). */
	return minivm_ept_map_pages(&vm->ept, gpa, &s->pages[first], n,
				    writable);
}

/**
 * minivm_copy_guest_phys() - copy between guest-physical memory and a
 * kernel buffer, as minivm does on the guest's behalf (a page-table walk,
 * string I/O, the PDPTEs).  Touched pages are pinned as on an EPT
 * violation.
 * @vm:    the VM.
 * @gpa:   guest-physical address.
 * @buf:   the kernel buffer, or NULL only to check that the copy could be
 *         done.
 * @len:   bytes.
 * @write: true to copy into the guest.
 *
 * Return: false if some of it is not RAM, or a write meets read-only RAM.
 */
bool minivm_copy_guest_phys(struct minivm_vm *vm, u64 gpa, void *buf,
			    unsigned int len, bool write)
{
	bool ok = true;

	mutex_lock(&vm->lock);
	while (len && ok) {
		struct minivm_memslot *s = minivm_find_slot(vm, gpa);
		unsigned int off = offset_in_page(gpa);
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - off);
		void *p;

		ok = s && !(write && (s->flags & MINIVM_MEM_READONLY)) &&
		     !minivm_fault_in(vm, s, gpa);
		if (!ok)
			break;
		if (!buf)		/* only asked whether it could */
			goto next;
		p = kmap_local_page(s->pages[(gpa - s->gpa) >> PAGE_SHIFT]);
		if (write)
			memcpy(p + off, buf, n);
		else
			memcpy(buf, p + off, n);
		kunmap_local(p);
		buf += n;
next:
		gpa += n;
		len -= n;
	}
	mutex_unlock(&vm->lock);
	return ok;
}

/**
 * minivm_fault_in() - make sure the guest RAM at @gpa is pinned and mapped.
 * @vm:  the VM, its lock held.
 * @s:   the slot that holds @gpa.
 * @gpa: a guest-physical address in @s.
 *
 * Return: 0 (the page is there now, or was); -EFAULT if the VMM's memory
 * behind it is gone or protected against the slot's use; -ENOMEM, also
 * past the VMM's RLIMIT_MEMLOCK.
 */
int minivm_fault_in(struct minivm_vm *vm, struct minivm_memslot *s, u64 gpa)
{
	u64 i = (gpa - s->gpa) >> PAGE_SHIFT, first, n;
	bool map_2m = false;
	int ret;

	lockdep_assert_held(&vm->lock);
	if (s->pages[i])
		return 0;
	if (!pin_huge(s, i, &first, &n, &map_2m)) {
		map_2m = false;
		piece_of(s, i, SMALL_PIECE, &first, &n);
		ret = pin(s, first, n);
		if (ret)
			return ret;
	}
	minivm_count(MINIVM_OBJ_PINNED_PAGE, n);
	/* RLIMIT_MEMLOCK, as VFIO: -ENOMEM past it, nothing stays pinned. */
	ret = account_locked_vm(s->mm, n, true);
	if (ret) {
		release_piece(s, first, n);
		return ret;
	}
	ret = map_piece(vm, s, first, n, map_2m);
	if (ret) {
		minivm_ept_unmap(&vm->ept, s->gpa + (first << PAGE_SHIFT),
				 n << PAGE_SHIFT);
		minivm_ept_flush(&vm->ept);
		unpin_piece(s, first, n);
	}
	return ret;
}

static void free_slot(struct minivm_memslot *s)
{
	u64 i = 0, first, n;

	while (i < s->npages) {
		if (!s->pages[i]) {
			i++;
			continue;
		}
		piece_of(s, i, HUGE_PIECE, &first, &n);
		if (n != HUGE_PIECE || !test_bit(huge_bit(s, first), s->huge))
			piece_of(s, i, SMALL_PIECE, &first, &n);
		unpin_piece(s, first, n);
		i = first + n;
	}
	minivm_count(MINIVM_OBJ_MEMSLOT, -1);
	bitmap_free(s->huge);
	kvfree(s->pages);
	kfree(s);
}

/*
 * A shared mapping of an ordinary file?  shmem (memfd, shared anonymous
 * memory, tmpfs) lives on tmpfs's superblocks and hugetlbfs mappings are
 * VM_HUGETLB: both are plain memory.  Everything else has a filesystem
 * that writes its pages back.
 */
static bool shared_file(struct vm_area_struct *vma)
{
	return vma->vm_file && (vma->vm_flags & VM_SHARED) &&
	       !(vma->vm_flags & VM_HUGETLB) &&
	       file_inode(vma->vm_file)->i_sb->s_magic != TMPFS_MAGIC;
}

/*
 * Nothing is pinned yet, so check now what pinning will need: the range
 * is mapped (no holes), readable, writable unless the slot is read-only,
 * made of pages (not device memory: VM_IO, VM_PFNMAP), and not a shared
 * mapping of an ordinary file.
 */
static int check_vmas(struct minivm_memslot *s)
{
	unsigned long start = s->uaddr, end = start + (s->npages << PAGE_SHIFT);
	unsigned long need = VM_READ;
	struct vm_area_struct *vma;
	int ret = 0;

	if (!(s->flags & MINIVM_MEM_READONLY))
		need |= VM_WRITE;
	mmap_read_lock(current->mm);
	while (start < end) {
		vma = vma_lookup(current->mm, start);
		if (!vma || (vma->vm_flags & need) != need ||
		    (vma->vm_flags & (VM_IO | VM_PFNMAP))) {
			ret = -EFAULT;
			break;
		}
		if (shared_file(vma)) {
			ret = -EOPNOTSUPP;
			break;
		}
		start = vma->vm_end;
	}
	mmap_read_unlock(current->mm);
	return ret;
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

/*
 * Would @npages more locked pages exceed RLIMIT_MEMLOCK?  Checked when the
 * slot is made, so that a VMM hears it from the ioctl, not from its
 * guest's first touch of the memory (where the charge happens).
 */
static bool over_memlock(u64 npages)
{
	u64 limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;

	if (capable(CAP_IPC_LOCK))
		return false;
	return npages + READ_ONCE(current->mm->locked_vm) > limit;
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
 * the userspace range is not mapped, or not readable (and writable, for
 * a writable slot); -EOPNOTSUPP for a shared mapping of an ordinary file;
 * -ENOMEM, also when the slot alone would exceed the caller's
 * RLIMIT_MEMLOCK.  Nothing is pinned yet: minivm_fault_in().
 */
int minivm_set_memory_region(struct minivm_vm *vm,
			     const struct minivm_memory_region *mr)
{
	struct minivm_memslot *s;
	int ret = check_region(mr);

	if (ret)
		return ret;

	mutex_lock(&vm->lock);
	/* vCPUs forget what they knew to be MMIO (exit.c). */
	WRITE_ONCE(vm->slots_gen, vm->slots_gen + 1);
	if (mr->memory_size == 0) {
		ret = delete_slot(vm, mr->slot);
		goto out;
	}
	ret = -EEXIST;
	if (vm->slots[mr->slot] ||
	    overlaps(vm, mr->guest_phys_addr, mr->memory_size, mr->slot))
		goto out;
	ret = -ENOMEM;
	if (over_memlock(mr->memory_size >> PAGE_SHIFT))
		goto out;

	ret = -ENOMEM;
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		goto out;
	s->flags = mr->flags;
	s->gpa = mr->guest_phys_addr;
	s->npages = mr->memory_size >> PAGE_SHIFT;
	s->uaddr = mr->userspace_addr;
	s->mm = vm->mm;
	ret = check_vmas(s);
	if (!ret) {
		s->pages = kvcalloc(s->npages, sizeof(*s->pages),
				    GFP_KERNEL_ACCOUNT);
		s->huge = bitmap_zalloc(huge_bit(s, s->npages - 1) + 1,
					GFP_KERNEL_ACCOUNT);
		ret = s->pages && s->huge ? 0 : -ENOMEM;
	}
	if (ret) {
		kvfree(s->pages);
		bitmap_free(s->huge);
		kfree(s);
		goto out;
	}
	minivm_count(MINIVM_OBJ_MEMSLOT, 1);
	vm->slots[mr->slot] = s;
	/*
	 * The range is RAM's now, even where the kernel had mapped a page
	 * of its own (the APIC-access page, lapic_access_page.c).
	 */
	if (minivm_ept_unmap(&vm->ept, s->gpa, mr->memory_size))
		minivm_ept_flush(&vm->ept);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * load_pvh.c - starting an uncompressed vmlinux at its PVH entry.
 *
 * A Linux kernel built with CONFIG_PVH says, in an ELF note of its own
 * (name "Xen", type 18, XEN_ELFNOTE_PHYS32_ENTRY), where a loader may
 * enter it without any real-mode setup code and without decompressing
 * anything: Xen's "PVH boot ABI", which Firecracker, cloud-hypervisor and
 * QEMU's -kernel also use for vmlinux.  loader.c has already put the ELF's
 * segments at their physical addresses; this file writes the one
 * structure the ABI passes, struct hvm_start_info (Xen's
 * include/public/arch-x86/hvm/start_info.h), and sets up the entry:
 *
 *   - 32-bit protected mode, paging off, flat code and data segments;
 *   - EBX = the physical address of hvm_start_info: magic, version 1,
 *     the command line, the initrd as module 0, and the memory map (the
 *     same RAM ranges as the bzImage path's E820 table);
 *   - no ACPI tables (rsdp_paddr 0): the command line says acpi=off.
 *
 * Linux's pvh_start_xen turns this into its own boot_params and goes on
 * as if a bzImage's decompressor had run.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvh.h"
#include "vmm.h"

/* Where the launcher puts them: its information page at 90000h. */
#define START_INFO	VMM_MBI
#define MODLIST		(VMM_MBI + 0x100)
#define MEMMAP		(VMM_MBI + 0x200)
#define PVH_CMDLINE	(VMM_MBI + 0x1000)
#define CMDLINE_MAX	0x1000

/* The notes of one PT_NOTE segment: is the PVH entry among them? */
static bool note_entry(const uint8_t *p, uint64_t len, uint32_t *entry)
{
	while (len >= 12) {
		uint32_t namesz, descsz, type;
		uint64_t name_len, desc_len;

		memcpy(&namesz, p, 4);
		memcpy(&descsz, p + 4, 4);
		memcpy(&type, p + 8, 4);
		name_len = (namesz + 3ULL) & ~3ULL;
		desc_len = (descsz + 3ULL) & ~3ULL;
		if (12 + name_len + desc_len > len)
			return false;
		if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 &&
		    !memcmp(p + 12, "Xen", 4) && descsz >= 4) {
			memcpy(entry, p + 12 + name_len, 4);
			return true;
		}
		p += 12 + name_len + desc_len;
		len -= 12 + name_len + desc_len;
	}
	return false;
}

/**
 * vmm_pvh_entry() - the PVH entry point an ELF image announces, if any.
 * @img: the file, already checked to be an ELF of either class.
 * @len: its length.
 * @entry: set to the 32-bit physical entry point.
 * Return: true if the image has an XEN_ELFNOTE_PHYS32_ENTRY note.
 */
bool vmm_pvh_entry(const uint8_t *img, size_t len, uint32_t *entry)
{
	bool is64 = img[EI_CLASS] == ELFCLASS64;
	uint64_t phoff, off, filesz;
	unsigned int phnum, i, type;

	if (is64 ? len < sizeof(Elf64_Ehdr) : len < sizeof(Elf32_Ehdr))
		return false;
	phoff = is64 ? ((const Elf64_Ehdr *)img)->e_phoff : ((const Elf32_Ehdr *)img)->e_phoff;
	phnum = is64 ? ((const Elf64_Ehdr *)img)->e_phnum : ((const Elf32_Ehdr *)img)->e_phnum;
	for (i = 0; i < phnum; i++) {
		size_t size = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
		Elf64_Phdr p64;
		Elf32_Phdr p32;

		if (phoff + (i + 1) * size > len)
			return false;
		if (is64) {
			memcpy(&p64, img + phoff + i * size, size);
			type = p64.p_type, off = p64.p_offset, filesz = p64.p_filesz;
		} else {
			memcpy(&p32, img + phoff + i * size, size);
			type = p32.p_type, off = p32.p_offset, filesz = p32.p_filesz;
		}
		if (type == PT_NOTE && off <= len && filesz <= len - off &&
		    note_entry(img + off, filesz, entry))
			return true;
	}
	return false;
}

/* The initrd as module 0, page-aligned at the top of memory. */
static int load_module(struct vmm *v, struct hvm_start_info *si,
		       uint64_t kernel_end)
{
	struct hvm_modlist_entry *mod = (void *)(v->mem + MODLIST);
	uint8_t *data;
	size_t len;
	uint64_t addr;

	if (vmm_read_file(v->opt.initrd, v->mem_size, &data, &len))
		return -1;
	addr = (v->mem_size - len) & ~0xfffULL;
	if (addr < kernel_end) {
		free(data);
		fprintf(stderr, "minivm: %s: the initrd (%zu bytes) does not fit above the kernel (up to %#llx); give more --mem\n",
			v->opt.initrd, len, (unsigned long long)kernel_end);
		return -1;
	}
	memcpy(v->mem + addr, data, len);
	free(data);
	*mod = (struct hvm_modlist_entry){ .paddr = addr, .size = len };
	si->nr_modules = 1;
	si->modlist_paddr = MODLIST;
	return 0;
}

/**
 * vmm_start_pvh() - write hvm_start_info and set up the PVH entry.
 * @v: the VMM, the ELF's segments already loaded.
 * @entry: the PVH entry point from the ELF note.
 * @kernel_end: the end of the highest segment (the initrd goes above it).
 * Return: 0, or -1 after a message.
 */
int vmm_start_pvh(struct vmm *v, uint32_t entry, uint64_t kernel_end)
{
	struct hvm_start_info *si = (void *)(v->mem + START_INFO);
	struct hvm_memmap_table_entry *map = (void *)(v->mem + MEMMAP);
	const char *cmdline = v->opt.cmdline ? v->opt.cmdline : vmm_linux_cmdline;
	struct vmm_mem_range ranges[VMM_MEM_RANGES];
	unsigned int i;

	if (strlen(cmdline) >= CMDLINE_MAX) {
		fprintf(stderr, "minivm: %s: the command line has %zu bytes; at most %d fit\n",
			v->opt.image, strlen(cmdline), CMDLINE_MAX - 1);
		return -1;
	}
	memset(v->mem + START_INFO, 0, 0x1000);
	*si = (struct hvm_start_info){
		.magic = HVM_START_MAGIC, .version = 1,
		.cmdline_paddr = PVH_CMDLINE, .memmap_paddr = MEMMAP,
		.memmap_entries = VMM_MEM_RANGES,
	};
	vmm_memory_map(v, ranges);
	for (i = 0; i < VMM_MEM_RANGES; i++)
		map[i] = (struct hvm_memmap_table_entry){
			.addr = ranges[i].addr, .size = ranges[i].len,
			.type = ranges[i].type, .reserved = 0 };
	strcpy((char *)v->mem + PVH_CMDLINE, cmdline);
	if (v->opt.initrd && load_module(v, si, kernel_end))
		return -1;
	v->mode = MINIVM_MODE_PROTECTED;
	v->entry = entry;
	v->rbx = START_INFO;
	return 0;
}

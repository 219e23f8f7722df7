/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvh.h - the structures of the PVH boot ABI (Xen's include/public/
 * arch-x86/hvm/start_info.h), shared by the launcher that writes them
 * (load_pvh.c) and the probe guest that reads them (guests/pvhprobe.c).
 */
#ifndef MINIVM_PVH_H
#define MINIVM_PVH_H

#include <stdint.h>

#define XEN_ELFNOTE_PHYS32_ENTRY	18
#define HVM_START_MAGIC			0x336ec578
#define HVM_MEMMAP_TYPE_RAM		1
#define HVM_MEMMAP_TYPE_RESERVED	2

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
} __attribute__((packed));	/* Xen's layout, which has no padding */

#endif /* MINIVM_PVH_H */

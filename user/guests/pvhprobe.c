// SPDX-License-Identifier: GPL-2.0
/*
 * pvhprobe.c - a "kernel" for testing the launcher's PVH entry
 * (user/load_pvh.c): an ELF32 with Linux's PVH note (pvh_start.S),
 * entered the way a vmlinux would be, that prints on port E9h the
 * struct hvm_start_info it was given:
 *
 *   pvhprobe: magic=0x336ec578 version=1 cmdline=[...] modules=1
 *             initrd=ADDR+SIZE memmap=N ram=BASE+SIZE ...
 *
 * launcher_test.sh compares the line with what it asked for.
 */
#include "rt.h"
#include "../pvh.h"

int probe(const struct hvm_start_info *si);

int probe(const struct hvm_start_info *si)
{
	const struct hvm_memmap_table_entry *map =
		(const void *)(unsigned long)si->memmap_paddr;
	const struct hvm_modlist_entry *mod =
		(const void *)(unsigned long)si->modlist_paddr;
	uint32_t i;

	puts_e9("pvhprobe: magic=");
	puthex(si->magic);
	puts_e9(" version=");
	putu(si->version);
	puts_e9(" cmdline=[");
	puts_e9((const char *)(unsigned long)si->cmdline_paddr);
	puts_e9("] modules=");
	putu(si->nr_modules);
	if (si->nr_modules) {
		puts_e9(" initrd=");
		puthex(mod->paddr);
		putc_e9('+');
		puthex(mod->size);
	}
	puts_e9(" memmap=");
	putu(si->memmap_entries);
	for (i = 0; i < si->memmap_entries; i++) {
		if (map[i].type != HVM_MEMMAP_TYPE_RAM)
			continue;
		puts_e9(" ram=");
		puthex(map[i].addr);
		putc_e9('+');
		puthex(map[i].size);
	}
	putc_e9('\n');
	return 0x22;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * load_multiboot.c - what a multiboot v1 loader hands the kernel it
 * starts (the Multiboot Specification 0.6.96, "Boot information format"):
 * EAX = 2BADB002h and EBX pointing to the information structure, with
 * the memory sizes, the command line, the memory map and the modules.
 *
 * Modules (--module FILE[,STRING]) are files loaded beside the kernel,
 * each with a string: an initrd, or, for test frameworks such as
 * kvm-unit-tests, the environment a test reads its arguments from.
 * Each starts on a page boundary after the kernel's last segment, as the
 * header's flag 0 asks; its string is STRING, or FILE without one.
 *
 * The information lives in the page at 90000h: the structure, then the
 * memory map at +100h, the command line at +200h, the module list at
 * +A00h and the modules' strings from +A80h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

#define MB_BOOT_MAGIC	0x2badb002U	/* in EAX at entry */
#define MB_MMAP		0x100
#define MB_CMDLINE	0x200
#define MB_MODS		0xa00
#define MB_STRINGS	0xa80
#define MB_STRING_MAX	((0x1000 - MB_STRINGS) / VMM_MAX_MODULES)

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;			/* 1: available RAM */
} __attribute__((packed));

struct mb_module {
	uint32_t start, end;		/* [start, end) in guest memory */
	uint32_t string, reserved;
};

/* --module's FILE and STRING: "FILE[,STRING]". */
static void split(const char *arg, char *file, size_t size, const char **string)
{
	const char *comma = strchr(arg, ',');
	size_t n = comma ? (size_t)(comma - arg) : strlen(arg);

	snprintf(file, size, "%.*s", (int)n, arg);
	*string = comma ? comma + 1 : file;
}

/* Load module @i after @*next; fill in its entry.  0, or -1 after a message. */
static int load_module(struct vmm *v, unsigned int i, uint64_t *next)
{
	struct mb_module *m = (struct mb_module *)(v->mem + VMM_MBI + MB_MODS) + i;
	char *str = (char *)v->mem + VMM_MBI + MB_STRINGS + i * MB_STRING_MAX;
	const char *string;
	char file[4096];
	uint8_t *data;
	size_t len;

	split(v->opt.modules[i], file, sizeof(file), &string);
	if (strlen(string) >= MB_STRING_MAX) {
		fprintf(stderr, "minivm: --module %s: its string is longer than %d bytes\n",
			file, MB_STRING_MAX - 1);
		return -1;
	}
	if (vmm_read_file(file, v->mem_size, &data, &len))
		return -1;
	if (*next > v->mem_size || len > v->mem_size - *next) {
		free(data);
		fprintf(stderr, "minivm: --module %s: does not fit in guest memory after the kernel (see --mem)\n",
			file);
		return -1;
	}
	memcpy(v->mem + *next, data, len);
	free(data);
	strcpy(str, string);
	*m = (struct mb_module){ *next, *next + len, VMM_MBI + MB_STRINGS + i * MB_STRING_MAX, 0 };
	*next = (*next + len + 0xfff) & ~0xfffULL;
	return 0;
}

/**
 * vmm_start_multiboot() - load the modules and write the information.
 * @v: the VMM, with the kernel loaded (image_end is its end).
 *
 * Return: 0, or -1 after a message.
 */
int vmm_start_multiboot(struct vmm *v)
{
	struct mb_info *mbi = (void *)(v->mem + VMM_MBI);
	struct mb_mmap *map = (void *)(v->mem + VMM_MBI + MB_MMAP);
	char *cmdline = (char *)v->mem + VMM_MBI + MB_CMDLINE;
	struct vmm_mem_range ranges[VMM_MEM_RANGES];
	uint64_t next = (v->image_end + 0xfff) & ~0xfffULL;
	unsigned int i;

	memset(mbi, 0, 0x1000);
	for (i = 0; i < v->opt.nmodules; i++)
		if (load_module(v, i, &next))
			return -1;
	mbi->flags = 1 << 0 | 1 << 2 | 1 << 3 | 1 << 6; /* mem_*, cmdline, mods, mmap */
	mbi->mem_lower = 640;
	mbi->mem_upper = (v->mem_size - 0x100000) / 1024;
	snprintf(cmdline, MB_MODS - MB_CMDLINE, "%s", v->opt.cmdline ? v->opt.cmdline : "");
	mbi->cmdline = VMM_MBI + MB_CMDLINE;
	mbi->mods_count = v->opt.nmodules;
	mbi->mods_addr = VMM_MBI + MB_MODS;
	vmm_memory_map(v, ranges);
	for (i = 0; i < VMM_MEM_RANGES; i++)
		map[i] = (struct mb_mmap){ 20, ranges[i].addr, ranges[i].len, ranges[i].type };
	mbi->mmap_addr = VMM_MBI + MB_MMAP;
	mbi->mmap_length = sizeof(*map) * VMM_MEM_RANGES;
	v->rax = MB_BOOT_MAGIC;
	v->rbx = VMM_MBI;
	v->mode = MINIVM_MODE_PROTECTED;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * multiboot.c - a multiboot v1 guest: it checks the magic in EAX and
 * prints what the loader told it in the information structure at EBX:
 * lower and upper memory, the command line, the memory map and the
 * modules (--module), each with its string, size, alignment and first
 * line.
 */
#include "rt.h"

#define MB_HEADER_MAGIC	0x1badb002
#define MB_BOOT_MAGIC	0x2badb002
#define MB_FLAGS	0x00000003	/* page-aligned modules, memory info */

/* The header the loader looks for in the first 8 KiB. */
__attribute__((section(".multiboot"), aligned(4), used))
static const uint32_t mb_header[3] = {
	MB_HEADER_MAGIC, MB_FLAGS, -(MB_HEADER_MAGIC + MB_FLAGS),
};

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
};

struct mb_module {
	uint32_t start, end, string, reserved;
};

/* A module's first line (at most 40 bytes), quoted. */
static void first_line(const struct mb_module *m)
{
	const char *p = (const char *)(uintptr_t)m->start;
	uint32_t i;

	putc_e9('"');
	for (i = 0; i < 40 && m->start + i < m->end && p[i] != '\n'; i++)
		putc_e9(p[i]);
	putc_e9('"');
}

struct mb_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

int mb_main(uint32_t magic, const struct mb_info *mbi)
{
	uint32_t off;

	if (magic != MB_BOOT_MAGIC) {
		puts_e9("multiboot: bad magic\n");
		return 1;
	}
	puts_e9("multiboot: mem_lower=");
	putu(mbi->mem_lower);
	puts_e9("K mem_upper=");
	putu(mbi->mem_upper);
	puts_e9("K\n");
	if (mbi->flags & 4) {
		puts_e9("multiboot: cmdline=\"");
		puts_e9((const char *)(uintptr_t)mbi->cmdline);
		puts_e9("\"\n");
	}
	for (off = 0; (mbi->flags & 64) && off < mbi->mmap_length;) {
		const struct mb_mmap *m = (const void *)(uintptr_t)(mbi->mmap_addr + off);

		puts_e9("multiboot: mmap ");
		puthex(m->addr);
		puts_e9(" len ");
		puthex(m->len);
		puts_e9(m->type == 1 ? " available\n" : " reserved\n");
		off += m->size + 4;
	}
	for (off = 0; (mbi->flags & 8) && off < mbi->mods_count; off++) {
		const struct mb_module *m =
			(const void *)(uintptr_t)(mbi->mods_addr + off * sizeof(*m));

		puts_e9("multiboot: module \"");
		puts_e9((const char *)(uintptr_t)m->string);
		puts_e9("\" ");
		putu(m->end - m->start);
		puts_e9(m->start & 0xfff ? " bytes, unaligned, " : " bytes, page-aligned, ");
		first_line(m);
		puts_e9("\n");
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * bzprobe.c - a "kernel" for testing the launcher's Linux loader
 * (user/load_linux.c): wrapped in a bzImage header by mkbzimage, it is
 * entered the way Linux would be, and prints on port E9h what it was
 * given, in struct boot_params (Documentation/x86/zero-page.rst):
 *
 *   bzprobe: entry=64 loader=ff cmdline=[...] initrd=ADDR+SIZE e820=N
 *            ram=BASE+SIZE ...
 *
 * launcher_test.sh compares the line with what it asked for.
 */
#include "rt.h"

#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_E820_ENTRIES		0x1e8
#define BP_TYPE_OF_LOADER	0x210
#define BP_RAMDISK_IMAGE	0x218
#define BP_RAMDISK_SIZE		0x21c
#define BP_CMD_LINE_PTR		0x228
#define BP_E820_TABLE		0x2d0

int probe(const uint8_t *bp, int width);

static uint32_t get32(const uint8_t *bp, unsigned int off)
{
	return *(const uint32_t *)(bp + off);
}

static uint64_t get64(const uint8_t *p)
{
	return *(const uint64_t *)p;
}

int probe(const uint8_t *bp, int width)
{
	const char *cmdline = (const char *)(unsigned long)get32(bp, BP_CMD_LINE_PTR);
	unsigned int i, n = bp[BP_E820_ENTRIES];

	puts_e9("bzprobe: entry=");
	putu(width);
	puts_e9(" loader=");
	puthex(bp[BP_TYPE_OF_LOADER]);
	puts_e9(" cmdline=[");
	puts_e9(cmdline);
	puts_e9("] initrd=");
	puthex(get32(bp, BP_RAMDISK_IMAGE) |
	       (uint64_t)get32(bp, BP_EXT_RAMDISK_IMAGE) << 32);
	putc_e9('+');
	puthex(get32(bp, BP_RAMDISK_SIZE));
	puts_e9(" e820=");
	putu(n);
	for (i = 0; i < n; i++) {
		const uint8_t *e = bp + BP_E820_TABLE + i * 20;

		if (get32(e, 16) != 1)		/* RAM only */
			continue;
		puts_e9(" ram=");
		puthex(get64(e));
		putc_e9('+');
		puthex(get64(e + 8));
	}
	putc_e9('\n');
	return width == 64 ? 0x21 : 0x20;
}

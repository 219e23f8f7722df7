// SPDX-License-Identifier: GPL-2.0
/*
 * mmio64.c - MMIO of every size against the launcher's scratch device at
 * FEB00000h and pc-testdev's window at FF000000h: write 1, 2, 4 and 8
 * bytes, read them back, say what came.
 */
#include "rt.h"

/* 0 if the four sizes read back at @dev, else a bit per size that did not. */
static int sizes(unsigned long dev)
{
	volatile uint8_t *b = (void *)dev;
	volatile uint16_t *w = (void *)(dev + 0x10);
	volatile uint32_t *d = (void *)(dev + 0x20);
	volatile uint64_t *q = (void *)(dev + 0x30);
	int bad = 0;

	*b = 0x5a;
	*w = 0x1234;
	*d = 0x89abcdef;
	*q = 0x0123456789abcdefULL;
	bad |= (*b != 0x5a) << 0;
	bad |= (*w != 0x1234) << 1;
	bad |= (*d != 0x89abcdef) << 2;
	bad |= (*q != 0x0123456789abcdefULL) << 3;
	return bad;
}

int main(void)
{
	int bad = sizes(0xfeb00000UL), testdev = sizes(0xff000000UL);

	puts_e9(bad ? "mmio: wrong values\n" : "mmio: 1 2 4 8 bytes ok\n");
	puts_e9(testdev ? "pc-testdev: wrong values\n" : "pc-testdev: 1 2 4 8 bytes ok\n");
	return bad | testdev << 4;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mmio64.c - MMIO of every size against the launcher's scratch device at
 * FEB00000h: write 1, 2, 4 and 8 bytes, read them back, say what came.
 */
#include "rt.h"

#define DEV 0xfeb00000UL

int main(void)
{
	volatile uint8_t *b = (void *)DEV;
	volatile uint16_t *w = (void *)(DEV + 0x10);
	volatile uint32_t *d = (void *)(DEV + 0x20);
	volatile uint64_t *q = (void *)(DEV + 0x30);
	int bad = 0;

	*b = 0x5a;
	*w = 0x1234;
	*d = 0x89abcdef;
	*q = 0x0123456789abcdefULL;
	bad |= (*b != 0x5a) << 0;
	bad |= (*w != 0x1234) << 1;
	bad |= (*d != 0x89abcdef) << 2;
	bad |= (*q != 0x0123456789abcdefULL) << 3;
	puts_e9(bad ? "mmio: wrong values\n" : "mmio: 1 2 4 8 bytes ok\n");
	return bad;
}

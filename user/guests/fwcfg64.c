// SPDX-License-Identifier: GPL-2.0
/*
 * fwcfg64.c - asks QEMU's fw_cfg (ports 510h/511h) what a guest written
 * for QEMU asks it: the signature, the interface ID, the RAM size and the
 * CPU counts, as kvm-unit-tests' lib/x86/fwcfg.c reads them.  It prints
 * them and halts.
 */
#include "rt.h"

static void select_key(uint16_t key)
{
	__asm__ volatile("outw %0, %1" : : "a"(key), "Nd"((uint16_t)0x510));
}

/* The item's first @len bytes, little-endian. */
static uint64_t read_item(uint16_t key, int len)
{
	uint64_t val = 0;
	int i;

	select_key(key);
	for (i = 0; i < len; i++)
		val |= (uint64_t)inb(0x511) << (8 * i);
	return val;
}

int main(void)
{
	char sig[5] = "";
	int i;

	select_key(0x00);
	for (i = 0; i < 4; i++)
		sig[i] = inb(0x511);
	puts_e9("fw_cfg: ");
	puts_e9(sig);
	puts_e9(", ID ");
	putu(read_item(0x01, 4));
	puts_e9(", RAM ");
	putu(read_item(0x03, 8) >> 20);
	puts_e9(" MiB, CPUs ");
	putu(read_item(0x05, 2));
	puts_e9(", max CPUs ");
	putu(read_item(0x0f, 2));
	puts_e9(", files ");
	putu(read_item(0x19, 4));
	puts_e9(", past the end ");
	putu(inb(0x511));
	puts_e9("\n");
	return 0;
}

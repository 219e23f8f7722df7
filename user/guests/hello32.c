// SPDX-License-Identifier: GPL-2.0
/*
 * hello32.c - a 32-bit C guest.  Built twice: as an ELF32 (entered in
 * protected mode at e_entry) and as a flat binary for --mode protected and
 * --mode paged.  It tells which one it is running in from CR0.PG.
 */
#include "rt.h"

int main(void)
{
	unsigned long cr0;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	puts_e9(cr0 & 0x80000000 ? "Hello from paged protected mode!\n"
				 : "Hello from protected mode!\n");
	return 0;
}

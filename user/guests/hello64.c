// SPDX-License-Identifier: GPL-2.0
/* hello64.c - a 64-bit C guest in long mode, loaded as an ELF64. */
#include "rt.h"

int main(void)
{
	unsigned long long efer_lma;

	/* CPUID 80000001h EDX bit 29: the CPU we run on says long mode. */
	__asm__ volatile("cpuid" : "=d"(efer_lma) : "a"(0x80000001) : "ebx", "ecx");
	puts_e9("Hello from long mode!");
	puts_e9(efer_lma & (1 << 29) ? " (LM)\n" : "\n");
	return 0;
}

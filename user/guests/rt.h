/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rt.h - the whole runtime of a minivm test guest: port I/O, printing to
 * the debug console (port E9h) and leaving through isa-debug-exit (F4h).
 * No libc, no interrupts, no devices beyond those two ports.
 */
#ifndef GUEST_RT_H
#define GUEST_RT_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void putc_e9(char c)
{
	outb(0xe9, c);
}

static inline void puts_e9(const char *s)
{
	while (*s)
		putc_e9(*s++);
}

/* Unsigned decimal, for sizes and counts. */
static inline void putu(unsigned long long v)
{
	char buf[24];
	int i = 0;

	do
		buf[i++] = '0' + v % 10;
	while (v /= 10);
	while (i)
		putc_e9(buf[--i]);
}

static inline void puthex(unsigned long long v)
{
	int shift = 60;

	puts_e9("0x");
	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		putc_e9("0123456789abcdef"[(v >> shift) & 15]);
}

/* isa-debug-exit: the launcher exits with status (code << 1) | 1. */
static inline void __attribute__((noreturn)) guest_exit(uint8_t code)
{
	outb(0xf4, code);
	for (;;)
		__asm__ volatile("hlt");
}

static inline void __attribute__((noreturn)) halt(void)
{
	for (;;)
		__asm__ volatile("hlt");
}

/*
 * Hypercalls (VMCALL): number in RAX, arguments in RBX and RCX, result in
 * RAX.  The same source serves 32- and 64-bit guests.
 */
static inline long hypercall2(unsigned long nr, unsigned long a0,
			      unsigned long a1)
{
	long ret;

	__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1)
			 : "memory");
	return ret;
}

#define HC_NOP		0
#define HC_API_VERSION	1
#define HC_CONSOLE_WRITE 0x100	/* the minivm launcher's */
#define HC_EXIT		0x101

static inline long hc_console_write(const char *s, unsigned long len)
{
	return hypercall2(HC_CONSOLE_WRITE, (unsigned long)s, len);
}

static inline void __attribute__((noreturn)) hc_exit(unsigned long code)
{
	hypercall2(HC_EXIT, code, 0);
	halt();
}

#endif /* GUEST_RT_H */

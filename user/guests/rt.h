/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rt.h - the whole runtime of a minivm test guest: port I/O, printing to
 * the debug console (port E9h), leaving through isa-debug-exit (F4h),
 * hypercalls, and for 64-bit guests an IDT and the PIC.  No libc.
 */
#ifndef GUEST_RT_H
#define GUEST_RT_H

#include <stdbool.h>
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

/* Whether @n bytes at @x and @y are the same (no libc, no memcmp). */
static inline bool bytes_equal(const void *x, const void *y, unsigned long n)
{
	const uint8_t *a = x, *b = y;

	while (n--)
		if (*a++ != *b++)
			return false;
	return true;
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

#ifdef __x86_64__
/*
 * The page-directory entry that maps linear address @la in the 4-level
 * tables the launcher built: a guest makes it point to a page table of
 * its own to map 4 KiB pages there.
 */
static inline uint64_t *pde_of(unsigned long la)
{
	unsigned long cr3;
	uint64_t *pml4, *pdpt, *pd;

	__asm__ volatile("mov %%cr3, %0" : "=r" (cr3));
	pml4 = (uint64_t *)(cr3 & ~0xfffUL);
	pdpt = (uint64_t *)(pml4[(la >> 39) & 511] & 0xffffffffff000ULL);
	pd = (uint64_t *)(pdpt[(la >> 30) & 511] & 0xffffffffff000ULL);
	return &pd[(la >> 21) & 511];
}

/*
 * Interrupts for 64-bit guests: an IDT of interrupt gates, the PIC pair
 * initialised as a PC's firmware leaves it (IRQ 0-7 at vectors 20h-27h,
 * 8-15 at 28h-2Fh), and IRQ_ENTRY(name, handler), an entry stub that
 * saves what the C ABI lets @handler clobber (nine registers keep the
 * stack 16-byte aligned at the call) and returns with IRETQ.
 */
struct idt_gate {
	uint16_t offset0, selector;
	uint8_t ist, type;
	uint16_t offset1;
	uint32_t offset2, zero;
} __attribute__((packed));

static struct idt_gate guest_idt[256] __attribute__((aligned(16)));

static inline void set_idt_gate(int vector, void (*entry)(void))
{
	unsigned long a = (unsigned long)entry;
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	guest_idt[vector] = (struct idt_gate){
		.offset0 = a, .selector = cs, .type = 0x8e,	/* interrupt gate */
		.offset1 = a >> 16, .offset2 = a >> 32,
	};
}

static inline void load_idt(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof(guest_idt) - 1, (unsigned long)guest_idt,
	};

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/* ICW1-4 for both PICs, then the masks (OCW1): a 1 masks the IRQ. */
static inline void pic_init(uint8_t master_mask, uint8_t slave_mask)
{
	outb(0x20, 0x11);		/* ICW1: edge, cascade, ICW4 follows */
	outb(0x21, 0x20);		/* ICW2: IRQ 0-7 at vectors 20h-27h */
	outb(0x21, 0x04);		/* ICW3: slave on IRQ 2 */
	outb(0x21, 0x01);		/* ICW4: 8086 mode */
	outb(0xa0, 0x11);
	outb(0xa1, 0x28);		/* IRQ 8-15 at vectors 28h-2Fh */
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0x21, master_mask);
	outb(0xa1, slave_mask);
}

#define IRQ_ENTRY(name, handler)					\
	void name(void);						\
	__asm__(".text\n.globl " #name "\n" #name ":\n"		\
		"push %rax\n push %rcx\n push %rdx\n push %rsi\n"	\
		"push %rdi\n push %r8\n push %r9\n push %r10\n"	\
		"push %r11\n call " #handler "\n"			\
		"pop %r11\n pop %r10\n pop %r9\n pop %r8\n"		\
		"pop %rdi\n pop %rsi\n pop %rdx\n pop %rcx\n"	\
		"pop %rax\n iretq\n")
#endif

#endif /* GUEST_RT_H */

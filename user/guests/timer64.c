// SPDX-License-Identifier: GPL-2.0
/*
 * timer64.c - interrupts, the PC way: the guest programs the launcher's
 * 8259A pair (vectors 20h-2Fh, only IRQ 0 unmasked) and its 8254 timer
 * (channel 0, mode 2, 100 Hz), enables interrupts and halts until ten
 * ticks have run its handler, which counts and sends the PIC an EOI.  It
 * then reads back that nothing is left in service, and leaves through
 * HLT with interrupts off (status 0).
 */
#include "rt.h"

struct gate {
	uint16_t offset0, selector;
	uint8_t ist, type;
	uint16_t offset1;
	uint32_t offset2, zero;
} __attribute__((packed));

static struct gate idt[256] __attribute__((aligned(16)));
static volatile unsigned int ticks;

void tick(void);
void tick(void)
{
	ticks++;
	outb(0x20, 0x20);		/* non-specific EOI */
}

/* The entry: save what the C ABI lets tick() clobber (9 registers keep
 * the stack 16-byte aligned at the call), then IRETQ. */
void irq0_entry(void);
__asm__(".text\n"
	".globl irq0_entry\n"
	"irq0_entry:\n"
	"push %rax\n push %rcx\n push %rdx\n push %rsi\n push %rdi\n"
	"push %r8\n push %r9\n push %r10\n push %r11\n"
	"call tick\n"
	"pop %r11\n pop %r10\n pop %r9\n pop %r8\n"
	"pop %rdi\n pop %rsi\n pop %rdx\n pop %rcx\n pop %rax\n"
	"iretq\n");

static void set_gate(int vector, void (*handler)(void))
{
	unsigned long a = (unsigned long)handler;
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	idt[vector] = (struct gate){
		.offset0 = a, .selector = cs, .type = 0x8e,	/* interrupt gate */
		.offset1 = a >> 16, .offset2 = a >> 32,
	};
}

static void pic_init(void)
{
	outb(0x20, 0x11);		/* ICW1: edge, cascade, ICW4 follows */
	outb(0x21, 0x20);		/* ICW2: IRQ 0-7 at vectors 20h-27h */
	outb(0x21, 0x04);		/* ICW3: slave on IRQ 2 */
	outb(0x21, 0x01);		/* ICW4: 8086 mode */
	outb(0xa0, 0x11);
	outb(0xa1, 0x28);		/* IRQ 8-15 at vectors 28h-2Fh */
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0x21, 0xfe);		/* OCW1: only IRQ 0 */
	outb(0xa1, 0xff);
}

int main(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (unsigned long)idt,
	};
	unsigned int divisor = 1193182 / 100;
	uint8_t isr;

	set_gate(0x20, irq0_entry);
	__asm__ volatile("lidt %0" : : "m"(idtr));
	pic_init();
	outb(0x43, 0x34);		/* channel 0, LSB then MSB, mode 2 */
	outb(0x40, divisor & 0xff);
	outb(0x40, divisor >> 8);

	__asm__ volatile("sti");
	while (ticks < 10)
		__asm__ volatile("hlt");
	__asm__ volatile("cli");

	outb(0x20, 0x0b);		/* OCW3: read the ISR */
	isr = inb(0x20);
	putu(ticks);
	puts_e9(" timer interrupts, ISR ");
	putu(isr);
	puts_e9("\n");
	return 0;
}

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

static volatile unsigned int ticks;

void tick(void);
void tick(void)
{
	ticks++;
	outb(0x20, 0x20);		/* non-specific EOI */
}

IRQ_ENTRY(irq0_entry, tick);

int main(void)
{
	unsigned int divisor = 1193182 / 100;
	uint8_t isr;

	set_idt_gate(0x20, irq0_entry);
	load_idt();
	pic_init(0xfe, 0xff);		/* only IRQ 0 */
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

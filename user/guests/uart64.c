// SPDX-License-Identifier: GPL-2.0
/*
 * uart64.c - the 16550 driven by its interrupts, as Linux's 8250 driver
 * drives it: the guest unmasks IRQ 4 at the PIC, enables the UART's
 * "THR empty" and "received data" interrupts and OUT2, and does
 * everything else in its IRQ 4 handler.  Each THR-empty interrupt sends
 * the next byte of a line; a received-data interrupt takes a byte from
 * the launcher's standard input.  When the line is out and a byte came
 * in, the guest prints what it got and halts with interrupts off.
 */
#include "rt.h"

#define COM1	0x3f8

static const char line[] = "sent by THR-empty interrupts\n";
static volatile unsigned int sent, got = ~0U;

void com1(void);
void com1(void)
{
	uint8_t iir;

	while (!((iir = inb(COM1 + 2)) & 1)) {	/* until "none pending" */
		if ((iir & 0x0e) == 0x04)
			got = inb(COM1);		/* RBR */
		else if ((iir & 0x0e) == 0x02 && sent < sizeof(line) - 1)
			outb(COM1, line[sent++]);	/* THR */
		else if ((iir & 0x0e) == 0x02)
			outb(COM1 + 1, 0x01);		/* done: RX only */
	}
	outb(0x20, 0x20);			/* EOI */
}

IRQ_ENTRY(irq4_entry, com1);

int main(void)
{
	set_idt_gate(0x24, irq4_entry);
	load_idt();
	pic_init(0xef, 0xff);			/* only IRQ 4 */

	outb(COM1 + 3, 0x03);			/* 8N1, DLAB off */
	outb(COM1 + 4, 0x08);			/* OUT2: the IRQ line */
	__asm__ volatile("sti");
	outb(COM1 + 1, 0x03);			/* IER: RX data, THR empty */
	while (sent < sizeof(line) - 1 || got == ~0U)
		__asm__ volatile("hlt");
	__asm__ volatile("cli");
	outb(COM1 + 1, 0);
	puts_e9("got ");
	putc_e9(got);
	puts_e9("\n");
	return 0;
}

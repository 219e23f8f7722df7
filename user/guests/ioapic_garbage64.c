// SPDX-License-Identifier: GPL-2.0
/*
 * ioapic_garbage64.c - a hostile guest for `minivm run --lapic`: it
 * fills every register of the IOAPIC, the redirection entries included,
 * with pseudo-random values (any vector, delivery mode, destination,
 * trigger and polarity), reads them back, and raises and lowers all 24
 * of pc-testdev's lines, so that the launcher sends whatever messages
 * the garbage asks for: vectors below 16, SMI, INIT and ExtINT ones the
 * kernel must refuse, NMIs, logical destinations no APIC has.
 *
 * Every vector from 2 up has a handler that counts and writes EOI, so
 * what the garbage does deliver is taken and ended.  With every line
 * down again, nothing fires twice.  The guest then prints that it
 * survived and halts: the launcher must still be there to see it.
 */
#include "rt.h"

#define APIC_EOI	(*(volatile uint32_t *)0xfee000b0UL)
#define APIC_SVR	(*(volatile uint32_t *)0xfee000f0UL)

static volatile uint32_t *const ioapic = (volatile uint32_t *)0xfec00000UL;
static volatile unsigned int taken;
static uint32_t seed = 0x2545f491;

/* xorshift32: garbage, but the same garbage every run. */
static uint32_t garbage(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	return seed;
}

void on_any(void);
void on_any(void)
{
	taken++;
	APIC_EOI = 0;
}

IRQ_ENTRY(any_entry, on_any);

int main(void)
{
	unsigned int reg, line, round, v;

	for (v = 2; v < 256; v++)
		set_idt_gate(v, any_entry);
	load_idt();
	pic_init(0xff, 0xff);
	APIC_SVR = 0x1ff;

	for (round = 0; round < 4; round++) {
		for (reg = 0; reg < 0x40; reg++) {
			ioapic[0] = reg;		/* IOREGSEL */
			ioapic[4] = garbage();		/* IOWIN */
			(void)ioapic[4];
		}
		ioapic[0] = garbage();			/* past the registers */
		(void)ioapic[4];
		for (line = 0; line < 24; line++)
			outb(0x2000 + line, garbage() & 1);
		for (line = 0; line < 24; line++)
			outb(0x2000 + line, 0);
		__asm__ volatile("sti; nop; nop; nop; nop; cli");
	}
	puts_e9("survived the IOAPIC's garbage\n");
	return 0;
}

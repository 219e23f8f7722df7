// SPDX-License-Identifier: GPL-2.0
/*
 * ioapic64.c - interrupts the way an SMP-ready PC delivers them, for
 * `minivm run --lapic`: the MP table, the IOAPIC and the local APIC.
 *
 * The guest finds the MP table the launcher wrote below 640 KiB and
 * reads from it where the IOAPIC is and which pin the timer uses.  With
 * the 8259As masked, it then takes three interrupts through the IOAPIC,
 * each line driven by QEMU's pc-testdev (ports 2000h + line):
 *
 *   level   line 10 at vector 40h: the handler leaves the line up twice,
 *           so each EOI brings the interrupt back, and lowers it the
 *           third time; remote IRR is clear after
 *   edge    line 11 at vector 41h: one interrupt, however long the line
 *           stays up
 *   timer   the PIT, IRQ 0, on the pin the MP table names, at vector 42h
 *
 * It prints what it counted and leaves through HLT with interrupts off.
 * Any surprise ends it through isa-debug-exit with a code that says
 * which.
 */
#include "rt.h"

#define APIC		0xfee00000UL
#define EOI		0xb0
#define SVR		0xf0

static volatile uint32_t *ioapic;
static volatile unsigned int level_irqs, edge_irqs, ticks;

static uint32_t apic_read(unsigned int reg)
{
	return *(volatile uint32_t *)(APIC + reg);
}

static void apic_write(unsigned int reg, uint32_t val)
{
	*(volatile uint32_t *)(APIC + reg) = val;
}

static uint32_t ioapic_read(unsigned int reg)
{
	ioapic[0] = reg;		/* IOREGSEL */
	return ioapic[4];		/* IOWIN, at 10h */
}

static void ioapic_write(unsigned int reg, uint32_t val)
{
	ioapic[0] = reg;
	ioapic[4] = val;
}

/* Pin @pin to @vector on APIC 0, physical destination, unmasked. */
static void route(unsigned int pin, uint8_t vector, int level)
{
	ioapic_write(0x11 + 2 * pin, 0);
	ioapic_write(0x10 + 2 * pin, vector | (level ? 1 << 15 : 0));
}

static void set_line(unsigned int line, uint8_t level)
{
	outb(0x2000 + line, level);
}

void on_level(void);
void on_level(void)
{
	if (++level_irqs == 3)
		set_line(10, 0);	/* the device is quiet at last */
	apic_write(EOI, 0);
}

void on_edge(void);
void on_edge(void)
{
	edge_irqs++;
	apic_write(EOI, 0);
}

void on_tick(void);
void on_tick(void)
{
	ticks++;
	apic_write(EOI, 0);
}

IRQ_ENTRY(level_entry, on_level);
IRQ_ENTRY(edge_entry, on_edge);
IRQ_ENTRY(tick_entry, on_tick);

static uint8_t sum(const uint8_t *p, unsigned int len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

/*
 * The MP table: the floating pointer at 9FC00h, then the configuration
 * table's entries.  Returns the IOAPIC pin of ISA IRQ 0, or -1.
 */
static int read_mptable(void)
{
	const uint8_t *fp = (const uint8_t *)0x9fc00, *cfg, *e;
	unsigned int i, n, cpus = 0, timer_pin = ~0U;

	if (fp[0] != '_' || fp[1] != 'M' || fp[2] != 'P' || fp[3] != '_' ||
	    sum(fp, 16))
		return -1;
	cfg = (const uint8_t *)(uintptr_t)*(const uint32_t *)(fp + 4);
	if (cfg[0] != 'P' || cfg[1] != 'C' || cfg[2] != 'M' || cfg[3] != 'P' ||
	    sum(cfg, *(const uint16_t *)(cfg + 4)))
		return -1;
	n = *(const uint16_t *)(cfg + 34);
	for (e = cfg + 44, i = 0; i < n; i++) {
		switch (e[0]) {
		case 0:			/* processor */
			cpus++;
			e += 20;
			break;
		case 2:			/* I/O APIC */
			ioapic = (volatile uint32_t *)(uintptr_t)*(const uint32_t *)(e + 4);
			e += 8;
			break;
		case 3:			/* I/O interrupt: ISA IRQ e[5] on pin e[7] */
			if (e[1] == 0 && e[5] == 0)
				timer_pin = e[7];
			e += 8;
			break;
		default:		/* bus, local interrupt */
			e += 8;
		}
	}
	puts_e9("MP table: ");
	putu(cpus);
	puts_e9(" CPU, IOAPIC at ");
	puthex((uintptr_t)ioapic);
	puts_e9(", IRQ 0 on pin ");
	putu(timer_pin);
	puts_e9("\n");
	return ioapic && cpus == 1 && timer_pin < 24 ? (int)timer_pin : -1;
}

/*
 * Halt until @count reaches @n.  The check runs with interrupts off and
 * STI's shadow covers the HLT, so an interrupt that comes after the check
 * wakes the HLT instead of being missed by it.
 */
static void wait_for(volatile unsigned int *count, unsigned int n)
{
	while (*count < n)
		__asm__ volatile("sti; hlt; cli");
}

int main(void)
{
	unsigned int divisor = 1193182 / 100;
	int timer_pin = read_mptable();

	if (timer_pin < 0)
		guest_exit(1);
	if ((ioapic_read(1) & 0xff00ff) != 0x170011)	/* 24 pins, 11h */
		guest_exit(2);
	set_idt_gate(0x40, level_entry);
	set_idt_gate(0x41, edge_entry);
	set_idt_gate(0x42, tick_entry);
	load_idt();
	pic_init(0xff, 0xff);		/* the 8259As are silent */
	apic_write(SVR, 0x1ff);

	route(10, 0x40, 1);
	set_line(10, 1);
	wait_for(&level_irqs, 3);
	if (ioapic_read(0x10 + 2 * 10) & (1 << 14))
		guest_exit(3);		/* remote IRR still set */

	route(11, 0x41, 0);
	set_line(11, 1);
	__asm__ volatile("sti; nop; nop; nop; cli");
	set_line(11, 0);

	route(timer_pin, 0x42, 0);
	outb(0x43, 0x34);		/* channel 0, LSB then MSB, mode 2 */
	outb(0x40, divisor & 0xff);
	outb(0x40, divisor >> 8);
	wait_for(&ticks, 5);
	outb(0x43, 0x30);		/* mode 0, no reload: the timer stops */

	puts_e9("level: ");
	putu(level_irqs);
	puts_e9(", edge: ");
	putu(edge_irqs);
	puts_e9(", timer: ");
	putu(ticks);
	puts_e9(", ISR ");
	putu(apic_read(0x100 + 0x20) & 7);	/* 40h-42h: ISR[95:64] */
	puts_e9("\n");
	return 0;
}

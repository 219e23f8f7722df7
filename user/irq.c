// SPDX-License-Identifier: GPL-2.0
/*
 * irq.c - the PC's interrupt wiring: where each interrupt line goes.
 *
 * On a PC with an IOAPIC, every ISA line reaches two controllers at
 * once: the 8259A pair (dev_pic.c), whose output goes to the CPU as
 * ExtINT, and the IOAPIC (dev_ioapic.c), which sends messages to the
 * local APICs.  The operating system chooses which one it listens to by
 * masking the other.  Lines 16-23 exist on the IOAPIC only.
 *
 * The one exception is the timer: IRQ 0 reaches IOAPIC pin 2, as on most
 * PCs and in QEMU, and as the MP table says (mptable.c).
 */
#include "vmm.h"

/**
 * vmm_set_irq() - a device drives interrupt line @irq to @level.
 * @irq:   0-23.
 * @level: 1 raised, 0 lowered.
 */
void vmm_set_irq(int irq, int level)
{
	if (irq < 16)
		pic_set_irq(irq, level);
	ioapic_set_irq(irq ? irq : 2, level);
}

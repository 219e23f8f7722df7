// SPDX-License-Identifier: GPL-2.0
/*
 * dev_pic.c - the PC's two 8259A interrupt controllers, master at 20h/21h
 * and slave at A0h/A1h (cascaded on the master's IRQ 2), with the
 * edge/level control registers (ELCR) at 4D0h/4D1h.
 *
 * A device raises or lowers its IRQ line (pic_set_irq()); the PIC keeps
 * it in its interrupt request register (IRR) until the CPU acknowledges
 * it, then in its in-service register (ISR) until the guest writes an
 * EOI.  The launcher plays the CPU's part: when pic_pending() says an
 * unmasked request beats everything in service, it acknowledges it
 * (pic_ack()) and hands its vector to the kernel with MINIVM_INTERRUPT,
 * as the INTR pin and the interrupt-acknowledge cycle would (Intel's
 * 8259A data sheet, "Interrupt Sequence").
 *
 * What a PC guest uses is here: the ICW1-ICW4 initialisation, the mask
 * (OCW1), non-specific and specific EOI (OCW2), reading IRR or ISR
 * (OCW3), fully nested priority with IR0 highest, automatic EOI, and
 * level triggering per line through the ELCR.  Left out: rotating
 * priorities, special mask and poll modes, which no guest minivm runs
 * uses; they are accepted and ignored.
 */
#include "vmm.h"

struct pic {
	uint8_t irr, isr, imr;
	uint8_t base;		/* ICW2: the vector of IR0 */
	uint8_t elcr;		/* level-triggered lines */
	uint8_t lines;		/* the input lines as the devices hold them */
	uint8_t icw;		/* next ICW expected: 2, 3, 4, or 0 when done */
	bool icw4, auto_eoi, read_isr;
};

static struct pic pics[2];	/* master, slave */

/* The highest-priority bit of @bits (IR0 first), or -1. */
static int first(uint8_t bits)
{
	return bits ? __builtin_ctz(bits) : -1;
}

/*
 * The request this PIC would signal: the highest unmasked request that
 * has a higher priority than everything in service (fully nested mode).
 */
static int request(const struct pic *p)
{
	int irq = first(p->irr & ~p->imr), busy = first(p->isr);

	return irq >= 0 && (busy < 0 || irq < busy) ? irq : -1;
}

/* The slave's output drives the master's IR2, as a level. */
static void cascade(void)
{
	if (request(&pics[1]) >= 0)
		pics[0].irr |= 1 << 2;
	else
		pics[0].irr &= ~(1 << 2);
}

/**
 * pic_set_irq() - a device raised (@level 1) or lowered its IRQ line.
 * @irq:   0-15 (8-15 on the slave).
 * @level: the line's new level.
 *
 * An edge-triggered line requests on its rising edge; a level-triggered
 * one (ELCR) requests for as long as it is high.
 */
void pic_set_irq(int irq, int level)
{
	struct pic *p = &pics[irq >> 3];
	uint8_t bit = 1 << (irq & 7);
	bool was = p->lines & bit;

	if (level)
		p->lines |= bit;
	else
		p->lines &= ~bit;
	if (level && (!was || (p->elcr & bit)))
		p->irr |= bit;
	else if (!level && (p->elcr & bit))
		p->irr &= ~bit;
	cascade();
}

/** pic_pending() - is the INTR output of the master raised? */
bool pic_pending(void)
{
	return request(&pics[0]) >= 0;
}

/* Acknowledge @irq on @p: IRR to ISR, unless automatic EOI. */
static void ack(struct pic *p, int irq)
{
	if (!(p->elcr & (1 << irq)))
		p->irr &= ~(1 << irq);
	if (!p->auto_eoi)
		p->isr |= 1 << irq;
}

/**
 * pic_ack() - the interrupt-acknowledge cycle: the vector of the request
 * the master signals, now in service.  A spurious IR7 (vector base + 7)
 * if the request went away, as the 8259A does.
 */
int pic_ack(void)
{
	int irq = request(&pics[0]), sirq;

	if (irq < 0)
		return pics[0].base + 7;
	ack(&pics[0], irq);
	if (irq != 2) {
		cascade();
		return pics[0].base + irq;
	}
	sirq = request(&pics[1]);
	if (sirq < 0)
		return pics[1].base + 7;
	ack(&pics[1], sirq);
	cascade();
	return pics[1].base + sirq;
}

/* ICW1 starts the initialisation sequence (bit 4 of a command write). */
static void icw1(struct pic *p, uint8_t val)
{
	p->icw = 2;
	p->icw4 = val & 1;
	p->imr = p->isr = p->irr = 0;
	p->auto_eoi = p->read_isr = false;
}

static void command(struct pic *p, uint8_t val)
{
	int irq;

	if (val & 0x10) {
		icw1(p, val);
	} else if ((val & 0x18) == 0x08) {		/* OCW3 */
		if (val & 2)
			p->read_isr = val & 1;
	} else if ((val & 0xe0) == 0x20) {		/* non-specific EOI */
		irq = first(p->isr);
		if (irq >= 0)
			p->isr &= ~(1 << irq);
	} else if ((val & 0xe0) == 0x60) {		/* specific EOI */
		p->isr &= ~(1 << (val & 7));
	}
}

static void data(struct pic *p, uint8_t val)
{
	switch (p->icw) {
	case 2:
		p->base = val & 0xf8;
		p->icw = 3;
		break;
	case 3:				/* ICW3: the cascade wiring is fixed */
		p->icw = p->icw4 ? 4 : 0;
		break;
	case 4:
		p->auto_eoi = val & 2;
		p->icw = 0;
		break;
	default:			/* OCW1 */
		p->imr = val;
	}
}

static void pic_out(struct vmm *v, uint16_t port, uint8_t size, uint32_t val)
{
	struct pic *p = &pics[port >= 0xa0];

	if (port == 0x4d0 || port == 0x4d1) {
		/* IRQs 0, 1, 2, 8 and 13 are always edge-triggered. */
		pics[port & 1].elcr = val & (port & 1 ? 0xde : 0xf8);
		return;
	}
	if (port & 1)
		data(p, val);
	else
		command(p, val);
	cascade();
}

static uint32_t pic_in(struct vmm *v, uint16_t port, uint8_t size)
{
	struct pic *p = &pics[port >= 0xa0];

	if (port == 0x4d0 || port == 0x4d1)
		return pics[port & 1].elcr;
	if (port & 1)
		return p->imr;
	return p->read_isr ? p->isr : p->irr;
}

const struct vmm_device dev_pic_master = {
	.name = "8259A PIC (master)", .port = 0x20, .nports = 2,
	.out = pic_out, .in = pic_in,
};

const struct vmm_device dev_pic_slave = {
	.name = "8259A PIC (slave)", .port = 0xa0, .nports = 2,
	.out = pic_out, .in = pic_in,
};

const struct vmm_device dev_elcr = {
	.name = "ELCR", .port = 0x4d0, .nports = 2,
	.out = pic_out, .in = pic_in,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * dev_ioapic.c - the PC's I/O APIC at FEC00000h: 24 interrupt pins, each
 * turned into a message to the local APICs (Intel's 82093AA data sheet;
 * the SDM's "Message Signalled Interrupts" for the message).
 *
 * It exists only beside local APICs in the kernel (--lapic), where it
 * plays the part of KVM's userspace IOAPIC in a split interrupt
 * controller: a pin that fires becomes MINIVM_SIGNAL_MSI, with the vector,
 * delivery mode and destination the guest programmed in the pin's
 * redirection entry.
 *
 * The guest reaches its registers indirectly: it writes a register's
 * index to IOREGSEL (offset 00h) and reads or writes the register
 * through IOWIN (offset 10h).  The registers are the ID (00h), the
 * version (01h: 11h, 24 pins), the arbitration ID (02h) and the 24
 * redirection entries, two 32-bit halves each (10h + 2 * pin):
 *
 *   7:0    vector           11     destination mode (1: logical)
 *   10:8   delivery mode    12     delivery status (read-only)
 *   13     polarity (1: low)  14   remote IRR (read-only)
 *   15     trigger (1: level) 16   mask
 *   63:56  destination
 *
 * An edge-triggered pin sends its message when its line becomes active.
 * A level-triggered one sends it while the line is active, sets remote
 * IRR, and sends nothing more until the local APIC's EOI of its vector
 * (MINIVM_EXIT_EOI, which the kernel raises because the message asked for
 * level triggering) clears remote IRR: then, if the line is still
 * active, it sends again.  That is how a device that keeps its line up
 * gets serviced until it is quiet.
 *
 * The version 11h IOAPIC has no EOI register (version 20h added one);
 * Linux then relies on the local APIC's EOI, as here.  Left out: the
 * ExtINT delivery mode (the 8259A reaches the CPU through LINT0
 * instead), SMI and INIT messages, which are dropped, and the
 * delivery-status bit, which stays 0 because a message is delivered at
 * once.
 */
#include <stdio.h>
#include <string.h>

#include "vmm.h"

#define IOAPIC_PINS	24
#define IOAPIC_VERSION	(0x11 | ((IOAPIC_PINS - 1) << 16))

#define RTE_DM(e)	(((e) >> 8) & 7)
#define RTE_LOGICAL	(1ULL << 11)
#define RTE_LOW		(1ULL << 13)
#define RTE_REMOTE_IRR	(1ULL << 14)
#define RTE_LEVEL	(1ULL << 15)
#define RTE_MASKED	(1ULL << 16)
#define RTE_READONLY	((1ULL << 12) | RTE_REMOTE_IRR)

static struct {
	int vm;				/* -1: no IOAPIC (no --lapic) */
	bool trace;
	uint32_t sel;			/* IOREGSEL */
	uint32_t id;			/* bits 27:24 of register 00h */
	uint64_t rte[IOAPIC_PINS];
	uint32_t lines;			/* each pin's line as its device holds it */
} io = { .vm = -1 };

/* A pin's input, with the polarity the guest chose: active or not. */
static bool active(int pin)
{
	bool high = io.lines & (1U << pin);

	return (io.rte[pin] & RTE_LOW) ? !high : high;
}

/* Send the pin's message to the local APICs. */
static void send(int pin)
{
	uint64_t e = io.rte[pin];
	uint64_t address = 0xfee00000ULL | ((e >> 56) << 12) |
			   ((e & RTE_LOGICAL) ? 4 : 0);
	uint32_t data = (e & 0x7ff) | ((e & RTE_LEVEL) ? MINIVM_MSI_LEVEL : 0);
	int reached = minivm_signal_msi(io.vm, address, data);

	if (io.trace)
		fprintf(stderr, "trace: ioapic pin %d: vector %#x, %s, to %s %#x: %d\n",
			pin, (unsigned int)(e & 0xff),
			e & RTE_LEVEL ? "level" : "edge",
			e & RTE_LOGICAL ? "logical" : "physical",
			(unsigned int)(e >> 56), reached);
	/* Remote IRR waits for an EOI, which only a delivered message earns. */
	if ((e & RTE_LEVEL) && reached > 0)
		io.rte[pin] |= RTE_REMOTE_IRR;
}

/* A level-triggered pin fires while it is active and not in service. */
static void service(int pin)
{
	uint64_t e = io.rte[pin];

	if ((e & RTE_LEVEL) && !(e & (RTE_MASKED | RTE_REMOTE_IRR)) && active(pin))
		send(pin);
}

/**
 * ioapic_attach() - give the VM an IOAPIC, whose messages go to @vm.
 * @vm:    the VM fd, which has local APICs.
 * @trace: print every message sent (--trace).
 *
 * Every pin starts masked, edge-triggered, active high ("Register
 * Address Map": the reset value of an entry is all zeros but the mask).
 */
void ioapic_attach(int vm, bool trace)
{
	int pin;

	io.vm = vm;
	io.trace = trace;
	for (pin = 0; pin < IOAPIC_PINS; pin++)
		io.rte[pin] = RTE_MASKED;
}

/**
 * ioapic_set_irq() - a device raised (@level 1) or lowered a pin's line.
 * @pin:   0-23.
 * @level: the line's new level.
 */
void ioapic_set_irq(int pin, int level)
{
	bool was;

	if (io.vm < 0 || pin < 0 || pin >= IOAPIC_PINS)
		return;
	was = active(pin);
	if (level)
		io.lines |= 1U << pin;
	else
		io.lines &= ~(1U << pin);
	if (io.rte[pin] & RTE_LEVEL)
		service(pin);
	else if (!was && active(pin) && !(io.rte[pin] & RTE_MASKED))
		send(pin);
}

/**
 * ioapic_eoi() - the guest's local APIC ended @vector (MINIVM_EXIT_EOI).
 * @vector: the vector.
 *
 * Every level-triggered pin with that vector leaves service, and fires
 * again if its line is still active.
 */
void ioapic_eoi(int vector)
{
	int pin;

	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		if ((io.rte[pin] & 0xff) != (uint64_t)vector ||
		    !(io.rte[pin] & RTE_REMOTE_IRR))
			continue;
		io.rte[pin] &= ~RTE_REMOTE_IRR;
		service(pin);
	}
}

static uint32_t read_reg(uint32_t reg)
{
	int pin = (reg - 0x10) / 2;

	switch (reg) {
	case 0x00:
		return io.id;
	case 0x01:
		return IOAPIC_VERSION;
	case 0x02:
		return io.id;
	}
	if (reg < 0x10 || pin >= IOAPIC_PINS)
		return 0;			/* no register: reads 0 */
	return reg & 1 ? io.rte[pin] >> 32 : (uint32_t)io.rte[pin];
}

static void write_reg(uint32_t reg, uint32_t val)
{
	int pin = (reg - 0x10) / 2;
	uint64_t e;

	if (reg == 0x00) {
		io.id = val & 0x0f000000;
		return;
	}
	if (reg < 0x10 || pin >= IOAPIC_PINS)
		return;				/* read-only or missing */
	e = io.rte[pin];
	if (reg & 1)
		e = (e & 0xffffffffULL) | ((uint64_t)(val & 0xff000000) << 32);
	else
		e = (e & 0xffffffff00000000ULL) | (e & RTE_READONLY) |
		    (val & 0x1ffff & ~(uint32_t)RTE_READONLY);
	if (!(e & RTE_LEVEL))
		e &= ~RTE_REMOTE_IRR;		/* only level pins wait for EOI */
	io.rte[pin] = e;
	service(pin);				/* unmasked with the line up */
}

/**
 * ioapic_mmio() - an access to the IOAPIC's page, if it is one.
 * @v:     the VMM.
 * @addr:  the guest-physical address.
 * @len:   1 to 8 bytes.
 * @write: a store.
 * @data:  the bytes stored, or where the bytes loaded go.
 *
 * IOREGSEL and IOWIN take 32-bit accesses; anything else in the page
 * reads as zeros and ignores writes, and so does a narrower access.
 *
 * Return: true if @addr was the IOAPIC's.
 */
bool ioapic_mmio(struct vmm *v, uint64_t addr, uint32_t len, bool write,
		 uint8_t *data)
{
	uint64_t off = addr - VMM_IOAPIC_BASE;
	uint32_t val = 0;

	if (io.vm < 0 || addr < VMM_IOAPIC_BASE || off >= 0x1000)
		return false;
	if (write) {
		memcpy(&val, data, len < 4 ? len : 4);
		if (len != 4)
			return true;
		if (off == 0x00)
			io.sel = val & 0xff;
		else if (off == 0x10)
			write_reg(io.sel, val);
		return true;
	}
	if (len == 4 && off == 0x00)
		val = io.sel;
	else if (len == 4 && off == 0x10)
		val = read_reg(io.sel);
	memset(data, 0, len);
	memcpy(data, &val, len < 4 ? len : 4);
	return true;
}

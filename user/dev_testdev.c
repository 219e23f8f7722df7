// SPDX-License-Identifier: GPL-2.0
/*
 * dev_testdev.c - QEMU's pc-testdev, the device test guests written for
 * QEMU and KVM (kvm-unit-tests among them) use to reach the machine's
 * interrupt lines and to exercise I/O:
 *
 *   E0h-E3h        four bytes of I/O memory: what is written at any size
 *                  reads back
 *   E4h-E7h        "flush page": QEMU writes the guest-physical page
 *                  named by the value out of its mappings, so that the
 *                  guest's next access to it exits (kvm-unit-tests does it
 *                  to the IDT and the stack, to cut event delivery short).
 *                  minivm pins guest memory and EPT maps it for the VM's
 *                  life, so there is nothing to flush: writes are
 *                  accepted and do nothing, reads return 0.  The guest
 *                  cannot tell; only the exit it hoped to provoke is
 *                  missing.
 *   2000h-2017h    one port per interrupt line 0-23: writing a non-zero
 *                  value raises the line, zero lowers it (irq.c takes it
 *                  to the PICs and the IOAPIC); reads return 0
 *   FF000000h      64 KiB of MMIO that behaves as RAM, at any size
 *
 * With these a guest can make an interrupt happen when it wants one,
 * edge or level, on any pin, without a real device's protocol.
 */
#include <string.h>

#include "vmm.h"

#define TESTDEV_LINES	24

static uint8_t echo[4];
static uint8_t iomem[VMM_TESTDEV_MMIO_SIZE];

static void echo_out(struct vmm *v, uint16_t port, uint8_t size, uint32_t val)
{
	unsigned int off = port - 0xe0;

	memcpy(echo + off, &val, off + size <= 4 ? size : 4 - off);
}

static uint32_t echo_in(struct vmm *v, uint16_t port, uint8_t size)
{
	unsigned int off = port - 0xe0;
	uint32_t val = 0;

	memcpy(&val, echo + off, off + size <= 4 ? size : 4 - off);
	return val;
}

const struct vmm_device dev_testdev_echo = {
	.name = "pc-testdev", .port = 0xe0, .nports = 4,
	.out = echo_out, .in = echo_in,
};

static void flush_out(struct vmm *v, uint16_t port, uint8_t size, uint32_t val)
{
}

static uint32_t flush_in(struct vmm *v, uint16_t port, uint8_t size)
{
	return 0;
}

const struct vmm_device dev_testdev_flush = {
	.name = "pc-testdev flush page", .port = 0xe4, .nports = 4,
	.out = flush_out, .in = flush_in,
};

static void line_out(struct vmm *v, uint16_t port, uint8_t size, uint32_t val)
{
	vmm_set_irq(port - 0x2000, val != 0);
}

static uint32_t line_in(struct vmm *v, uint16_t port, uint8_t size)
{
	return 0;
}

const struct vmm_device dev_testdev_irq = {
	.name = "pc-testdev IRQ lines", .port = 0x2000, .nports = TESTDEV_LINES,
	.out = line_out, .in = line_in,
};

/* Return: true if @addr was the MMIO window's. */
bool testdev_mmio(struct vmm *v, uint64_t addr, uint32_t len, bool write,
		  uint8_t *data)
{
	return vmm_mmio_ram(iomem, VMM_TESTDEV_MMIO, VMM_TESTDEV_MMIO_SIZE,
			    addr, len, write, data);
}

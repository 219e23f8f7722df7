// SPDX-License-Identifier: GPL-2.0
/*
 * dev_reset.c - the three ports through which a PC's software resets it.
 *
 *   92h  System Control Port A (the "fast A20 and reset" port of the PS/2
 *        and every chipset since): setting bit 0 resets the CPU, bit 1
 *        is the A20 gate.  A20 is always on here: minivm loads no
 *        real-mode BIOS that would wrap at 1 MiB, so clearing bit 1 is
 *        stored and read back but does not fold memory.
 *   64h  the 8042 keyboard controller's command port: command FEh pulses
 *        the CPU's reset line (Linux's "reboot=k", the default on a PC
 *        without ACPI).  Nothing else of the 8042 is here: its status
 *        register reads FFh like any absent device, which Linux's i8042
 *        driver takes for "no controller" and its reboot code for "input
 *        buffer never empties", after which it pulses reset anyway.
 *   CF9h the reset control register of Intel's chipsets: a write with bit
 *        2 (RST_CPU) set resets ("reboot=p"; Linux writes 02h, then 06h).
 *        Reads return what was last written.  CF9h lies inside the PCI
 *        configuration window CF8h-CFFh only by address: minivm has no PCI.
 *
 * A reset ends the run with status 12 (VMM_EXIT_RESET), so that a script
 * can tell "the guest rebooted" from "the guest halted" (0), "it
 * triple-faulted" (6, which is also what "reboot=t" does) and
 * isa-debug-exit (odd).  There is no machine to reset and restart.
 */
#include <stdio.h>

#include "vmm.h"

#define KBD_CMD_PULSE_RESET	0xfe
#define CF9_RST_CPU		0x04
#define PORT92_RESET		0x01
#define PORT92_A20		0x02

static uint8_t cf9;
static uint8_t port92 = PORT92_A20;

static void reset(struct vmm *v, const char *how)
{
	fprintf(stderr, "minivm: the guest reset the machine (%s)\n", how);
	v->status = VMM_EXIT_RESET;
	v->stop = true;
}

static void kbd_out(struct vmm *v, uint16_t port, uint8_t size, uint32_t val)
{
	if ((val & 0xff) == KBD_CMD_PULSE_RESET)
		reset(v, "keyboard controller, port 64h");
}

static uint32_t absent_in(struct vmm *v, uint16_t port, uint8_t size)
{
	return ~0U;
}

static void cf9_out(struct vmm *v, uint16_t port, uint8_t size, uint32_t val)
{
	cf9 = val;
	if (val & CF9_RST_CPU)
		reset(v, "reset control register, port CF9h");
}

static uint32_t cf9_in(struct vmm *v, uint16_t port, uint8_t size)
{
	return cf9;
}

/* Only a 0 -> 1 change of bit 0 resets: the bit then reads back 1. */
static void port92_out(struct vmm *v, uint16_t port, uint8_t size, uint32_t val)
{
	bool pulse = (val & PORT92_RESET) && !(port92 & PORT92_RESET);

	port92 = val;
	if (pulse)
		reset(v, "System Control Port A, port 92h");
}

static uint32_t port92_in(struct vmm *v, uint16_t port, uint8_t size)
{
	return port92;
}

const struct vmm_device dev_port92_reset = {
	.name = "System Control Port A", .port = 0x92, .nports = 1,
	.out = port92_out, .in = port92_in,
};

const struct vmm_device dev_kbd_reset = {
	.name = "keyboard controller (reset only)", .port = 0x64, .nports = 1,
	.out = kbd_out, .in = absent_in,
};

const struct vmm_device dev_cf9_reset = {
	.name = "reset control register", .port = 0xcf9, .nports = 1,
	.out = cf9_out, .in = cf9_in,
};

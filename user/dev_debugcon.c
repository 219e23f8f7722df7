// SPDX-License-Identifier: GPL-2.0
/*
 * dev_debugcon.c - port E9h, the Bochs/QEMU debug console: every byte the
 * guest writes goes to stdout.  Reading it returns E9h, which is how
 * guests detect it.
 */
#include <stdio.h>

#include "vmm.h"

static void debugcon_out(struct vmm *v, uint16_t port, uint8_t size,
			 uint32_t val)
{
	putchar(val & 0xff);
	fflush(stdout);
}

static uint32_t debugcon_in(struct vmm *v, uint16_t port, uint8_t size)
{
	return 0xe9;
}

const struct vmm_device dev_debugcon = {
	.name = "debugcon", .port = 0xe9, .nports = 1,
	.out = debugcon_out, .in = debugcon_in,
};

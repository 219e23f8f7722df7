// SPDX-License-Identifier: GPL-2.0
/*
 * dev_exit.c - isa-debug-exit at port F4h, as QEMU has it: the guest
 * writes a code and the launcher exits with status (code << 1) | 1.  The
 * status is odd, so it never looks like a clean HLT (0) or one of the
 * launcher's own, even, statuses.
 */
#include "vmm.h"

static void exit_out(struct vmm *v, uint16_t port, uint8_t size, uint32_t val)
{
	v->status = ((val << 1) | 1) & 0xff;
	v->stop = true;
}

static uint32_t exit_in(struct vmm *v, uint16_t port, uint8_t size)
{
	return ~0U;
}

const struct vmm_device dev_exit = {
	.name = "isa-debug-exit", .port = 0xf4, .nports = 1,
	.out = exit_out, .in = exit_in,
};

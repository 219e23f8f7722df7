// SPDX-License-Identifier: GPL-2.0
/*
 * dev_mmio.c - a small MMIO device: 4 KiB of scratch registers at
 * FEB00000h.  What the guest writes it reads back, at any size from 1 to
 * 8 bytes, so guests (and the tests) can see MMIO work both ways.  The
 * kernel has already decoded the instruction; only accesses minivm cannot
 * decode reach the launcher as an internal error, which vmm.c
 * disassembles with Zydis.
 */
#include <string.h>

#include "vmm.h"

static uint8_t regs[VMM_MMIO_SIZE];

bool dev_mmio_access(struct vmm *v, uint64_t addr, uint32_t len, bool write,
		     uint8_t *data)
{
	uint64_t off = addr - VMM_MMIO_BASE;

	if (addr < VMM_MMIO_BASE || off + len > VMM_MMIO_SIZE || len > 8)
		return false;
	if (write)
		memcpy(regs + off, data, len);
	else
		memcpy(data, regs + off, len);
	return true;
}

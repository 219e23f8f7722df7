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

/**
 * vmm_mmio_ram() - an access to MMIO that behaves as RAM, if it is one.
 * @mem:   the window's bytes.
 * @base:  its guest-physical address.
 * @size:  its size.
 * @addr, @len, @write, @data: the access, as run->mmio has it.
 *
 * Return: true if [addr, addr + len) lies in the window (done).
 */
bool vmm_mmio_ram(uint8_t *mem, uint64_t base, uint64_t size, uint64_t addr,
		  uint32_t len, bool write, uint8_t *data)
{
	uint64_t off = addr - base;

	if (addr < base || len > 8 || off + len > size)
		return false;
	if (write)
		memcpy(mem + off, data, len);
	else
		memcpy(data, mem + off, len);
	return true;
}

bool dev_mmio_access(struct vmm *v, uint64_t addr, uint32_t len, bool write,
		     uint8_t *data)
{
	return vmm_mmio_ram(regs, VMM_MMIO_BASE, VMM_MMIO_SIZE, addr, len,
			    write, data);
}

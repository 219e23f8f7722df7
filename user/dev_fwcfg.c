// SPDX-License-Identifier: GPL-2.0
/*
 * dev_fwcfg.c - QEMU's firmware configuration device, fw_cfg, at ports
 * 510h/511h: how a guest written for QEMU asks the machine for its size
 * (QEMU's docs/specs/fw_cfg.rst, "Traditional x86 Interface").
 *
 * The guest writes a 16-bit key to the selector (510h), then reads the
 * item's bytes one at a time from the data port (511h); each read moves
 * on by one, and a new key starts again at the item's first byte.  Past
 * the end of an item, and for keys there is no item for, the data port
 * reads 0.  The items, all little-endian:
 *
 *   00h  signature   "QEMU"
 *   01h  ID          1: the traditional interface only, no DMA
 *   03h  RAM size    64 bits, in bytes (--mem)
 *   05h  CPUs        16 bits: the vCPUs the guest starts with
 *   0Fh  max CPUs    16 bits: as many as it could ever have
 *   19h  file dir    a 32-bit big-endian count of 0: no named files
 *
 * kvm-unit-tests read the RAM size and the CPU counts here.  Writes to
 * the data port, the DMA interface (514h) and the named files (ACPI
 * tables, a kernel to load) are left out: minivm loads kernels itself.
 */
#include <string.h>

#include "vmm.h"

enum {
	FW_CFG_SIGNATURE = 0x00,
	FW_CFG_ID = 0x01,
	FW_CFG_RAM_SIZE = 0x03,
	FW_CFG_NB_CPUS = 0x05,
	FW_CFG_MAX_CPUS = 0x0f,
	FW_CFG_FILE_DIR = 0x19,
};

static struct {
	uint16_t key;
	uint32_t offset;
} cfg;

/* The item @key, in @buf; returns its length (0: no such item). */
static size_t item(const struct vmm *v, uint16_t key, uint8_t buf[8])
{
	uint64_t val;

	switch (key) {
	case FW_CFG_SIGNATURE:
		memcpy(buf, "QEMU", 4);
		return 4;
	case FW_CFG_ID:
		val = 1;
		memcpy(buf, &val, 4);
		return 4;
	case FW_CFG_RAM_SIZE:
		memcpy(buf, &v->mem_size, 8);
		return 8;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		val = 1;			/* one vCPU, for now */
		memcpy(buf, &val, 2);
		return 2;
	case FW_CFG_FILE_DIR:
		memset(buf, 0, 4);
		return 4;
	}
	return 0;
}

static void fwcfg_out(struct vmm *v, uint16_t port, uint8_t size, uint32_t val)
{
	if (port == 0x510 && size == 2) {
		cfg.key = val;
		cfg.offset = 0;
	}
}

/* Each byte read is the item's next; a wider read takes several. */
static uint32_t fwcfg_in(struct vmm *v, uint16_t port, uint8_t size)
{
	uint8_t buf[8];
	size_t len;
	uint32_t val = 0;
	unsigned int i;

	if (port != 0x511)
		return 0;
	len = item(v, cfg.key, buf);
	for (i = 0; i < size && cfg.offset < len; i++)
		val |= (uint32_t)buf[cfg.offset++] << (8 * i);
	return val;
}

const struct vmm_device dev_fwcfg = {
	.name = "fw_cfg", .port = 0x510, .nports = 2,
	.out = fwcfg_out, .in = fwcfg_in,
};

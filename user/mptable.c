// SPDX-License-Identifier: GPL-2.0
/*
 * mptable.c - the MP table: how a PC's firmware tells the operating
 * system which CPUs it has and how its interrupt lines are wired (Intel's
 * MultiProcessor Specification 1.4, chapter 4).
 *
 * With --lapic the launcher writes one into the reserved kilobyte below
 * 640 KiB (the EBDA of vmm_memory_map()), where an operating system
 * searches for it.  Linux reads it to find its local APIC and the IOAPIC
 * and to route the ISA interrupts through the IOAPIC ("symmetric I/O
 * mode"); without one it cannot run its APIC timer without a PIT, and
 * warns "Boot CPU (id 0) not listed by BIOS".  An ACPI MADT would say the
 * same in more bytes; kvmtool and Firecracker write this table too.
 *
 * What it says:
 *
 *   processor   one, the bootstrap processor, local APIC ID 0
 *   bus         0, ISA
 *   I/O APIC    ID 1, version 11h, at FEC00000h (dev_ioapic.c)
 *   interrupts  ISA IRQ n on IOAPIC pin n, but IRQ 0 (the PIT) on pin 2
 *               and none on pin 2's own IRQ, the PICs' cascade; every
 *               one "conforms to the bus": ISA's edge, active high
 *   local       the 8259A's ExtINT on every LINT0, NMI on every LINT1
 *
 * The IRQ 0 on pin 2 is what QEMU's and most PCs' firmware describe, so
 * guests written for QEMU find the PIT where they expect it (irq.c wires
 * it so).
 */
#include <cpuid.h>
#include <string.h>

#include "vmm.h"

#define MP_FLOATING	0x9fc00ULL	/* the EBDA's first kilobyte */
#define MP_CONFIG	(MP_FLOATING + 16)
#define IOAPIC_ID	1

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };

struct mp_floating {
	char signature[4];		/* "_MP_" */
	uint32_t config;		/* the configuration table */
	uint8_t length;			/* in 16-byte units: 1 */
	uint8_t revision;		/* 4: version 1.4 */
	uint8_t checksum;
	uint8_t feature[5];		/* 0: a configuration table follows */
} __attribute__((packed));

struct mp_config {
	char signature[4];		/* "PCMP" */
	uint16_t length;		/* header and entries */
	uint8_t revision;
	uint8_t checksum;
	char oem[8], product[12];
	uint32_t oem_table;
	uint16_t oem_size, entries;
	uint32_t lapic;			/* the local APICs' address */
	uint16_t ext_length;
	uint8_t ext_checksum, reserved;
} __attribute__((packed));

struct mp_processor {
	uint8_t type, apic_id, apic_version, flags;	/* flags: 1 enabled, 2 BSP */
	uint32_t signature, features;	/* CPUID 1: EAX, EDX */
	uint32_t reserved[2];
} __attribute__((packed));

struct mp_bus {
	uint8_t type, id;
	char name[6];
} __attribute__((packed));

struct mp_ioapic {
	uint8_t type, id, version, flags;	/* flags: 1 usable */
	uint32_t address;
} __attribute__((packed));

/* An interrupt source: I/O (to an IOAPIC pin) or local (to a LINT). */
struct mp_irq {
	uint8_t type, irq_type;
	uint16_t flags;			/* 0: polarity and trigger of the bus */
	uint8_t bus, bus_irq, dest, dest_pin;
} __attribute__((packed));

/* The byte that makes the sum of @len bytes at @p zero. */
static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return -sum;
}

/* The entries after the header; returns their end, and their number. */
static uint8_t *write_entries(uint8_t *p, uint16_t *entries)
{
	unsigned int eax = 0, ebx, ecx, edx = 0, irq;
	struct mp_processor cpu = { .type = MP_PROCESSOR, .apic_version = 0x14,
				    .flags = 1 | 2 };
	struct mp_bus isa = { MP_BUS, 0, "ISA   " };
	struct mp_ioapic ioapic = { MP_IOAPIC, IOAPIC_ID, 0x11, 1, VMM_IOAPIC_BASE };
	struct mp_irq src;
	uint16_t n;

	__get_cpuid(1, &eax, &ebx, &ecx, &edx);
	cpu.signature = eax;
	cpu.features = edx;
	memcpy(p, &cpu, sizeof(cpu));
	p += sizeof(cpu);
	memcpy(p, &isa, sizeof(isa));
	p += sizeof(isa);
	memcpy(p, &ioapic, sizeof(ioapic));
	p += sizeof(ioapic);
	n = 3;
	for (irq = 0; irq < 16; irq++) {
		if (irq == 2)			/* the cascade: nothing there */
			continue;
		src = (struct mp_irq){ MP_INTSRC, MP_INT, 0, 0, irq, IOAPIC_ID,
				       irq ? irq : 2 };
		memcpy(p, &src, sizeof(src));
		p += sizeof(src);
		n++;
	}
	src = (struct mp_irq){ MP_LINTSRC, MP_EXTINT, 0, 0, 0, 0xff, 0 };
	memcpy(p, &src, sizeof(src));
	p += sizeof(src);
	src = (struct mp_irq){ MP_LINTSRC, MP_NMI, 0, 0, 0, 0xff, 1 };
	memcpy(p, &src, sizeof(src));
	p += sizeof(src);
	*entries = n + 2;
	return p;
}

/**
 * vmm_write_mptable() - the MP table, at 9FC00h.
 * @v: the VMM, its memory allocated (at least 640 KiB).
 */
void vmm_write_mptable(struct vmm *v)
{
	struct mp_floating *fp = (void *)(v->mem + MP_FLOATING);
	struct mp_config *cfg = (void *)(v->mem + MP_CONFIG);
	uint8_t *end;
	uint16_t n;

	memset(fp, 0, 0x400);
	memcpy(cfg->signature, "PCMP", 4);
	cfg->revision = 4;
	memcpy(cfg->oem, "MINIVM  ", 8);
	memcpy(cfg->product, "minivm run  ", 12);
	cfg->lapic = 0xfee00000;
	end = write_entries((uint8_t *)(cfg + 1), &n);
	cfg->entries = n;
	cfg->length = end - (uint8_t *)cfg;
	cfg->checksum = checksum(cfg, cfg->length);

	memcpy(fp->signature, "_MP_", 4);
	fp->config = MP_CONFIG;
	fp->length = 1;
	fp->revision = 4;
	fp->checksum = checksum(fp, sizeof(*fp));
}

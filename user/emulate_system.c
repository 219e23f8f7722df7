// SPDX-License-Identifier: GPL-2.0
/*
 * emulate_system.c - the system instructions emulate.c does on MMIO:
 * LTR from memory and SMSW to memory.  No compiler emits them for device
 * registers; kvm-unit-tests' emulator test does, and so would a guest
 * whose GDT or TSS bookkeeping sits in device memory.
 */
#include "emulate.h"

#define CR4_UMIP	(1ULL << 11)

/* The TSS descriptor @sel names, checked as LTR checks it, or false. */
static bool tss_descriptor(struct emu *e, uint16_t sel, uint64_t *la,
			   uint8_t desc[16])
{
	unsigned int size = e->mode == 64 ? 16 : 8;	/* "TSS Descriptor in 64-bit mode" */
	uint8_t type;

	if (!(sel & ~3))
		return emulate_fault(e, 13, 0, "LTR of a null selector (a #GP)");
	if ((sel & 4) || (sel | 7) + size - 8 > e->s.gdt.limit)
		return emulate_fault(e, 13, sel & ~3, "LTR of an LDT or out-of-GDT selector (a #GP)");
	*la = e->s.gdt.base + (sel & ~7);
	*la = e->mode == 64 ? *la : (uint32_t)*la;
	if (!emulate_access(e, *la, size, false, desc))
		return false;
	type = desc[5] & 0x1f;			/* S and the type */
	if (type != 9 && (type != 1 || e->mode == 64))
		return emulate_fault(e, 13, sel & ~3, "LTR of a descriptor that is not an available TSS (a #GP)");
	if (!(desc[5] & 0x80))
		return emulate_fault(e, 11, sel & ~3, "LTR of a TSS that is not present (a #NP)");
	return true;
}

/*
 * LTR from memory (SDM Vol. 2, "LTR"): load TR from the GDT's TSS
 * descriptor and mark it busy there, as the CPU does.  The hidden part
 * goes to the kernel through MINIVM_SET_SREGS.
 */
bool emulate_ltr(struct emu *e, uint64_t la)
{
	struct minivm_segment *tr = &e->s.tr;
	uint8_t desc[16] = { 0 };
	uint64_t sel, dla = 0;
	uint32_t limit;

	if (e->s.ss.dpl)
		return emulate_fault(e, 13, 0, "LTR outside ring 0 (a #GP)");
	if (!emulate_load(e, &e->op[0], la, &sel) || !tss_descriptor(e, sel, &dla, desc))
		return false;
	desc[5] |= 2;				/* busy */
	if (!emulate_access(e, dla + 5, 1, true, &desc[5]))
		return false;
	limit = desc[0] | desc[1] << 8 | (desc[6] & 15) << 16;
	*tr = (struct minivm_segment){
		.selector = sel, .type = desc[5] & 15, .present = 1,
		.dpl = (desc[5] >> 5) & 3, .g = desc[6] >> 7,
		.limit = desc[6] & 0x80 ? limit << 12 | 0xfff : limit,
		.base = desc[2] | desc[3] << 8 | desc[4] << 16 |
			(uint64_t)desc[7] << 24 | (uint64_t)desc[8] << 32 |
			(uint64_t)desc[9] << 40 | (uint64_t)desc[10] << 48 |
			(uint64_t)desc[11] << 56,
	};
	if (minivm_set_sregs(&e->v->cpu, &e->s))
		return emulate_decline(e, "the kernel refused the new TR");
	return true;
}

/*
 * SMSW to memory: CR0's low 16 bits, in any mode (SDM Vol. 2, "SMSW").
 * With CR4.UMIP outside ring 0 it is a #GP(0).
 */
bool emulate_smsw(struct emu *e, uint64_t la)
{
	if ((e->s.cr4 & CR4_UMIP) && e->s.ss.dpl)
		return emulate_fault(e, 13, 0, "SMSW with CR4.UMIP outside ring 0 (a #GP)");
	return emulate_store(e, &e->op[0], la, e->s.cr0 & 0xffff);
}

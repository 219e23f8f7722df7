/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lapic.h - the local APIC's register page, as lapic.c, lapic_regs.c,
 * lapic_access.c, lapic_virt.c, lapic_access_page.c and lapic_timer.c
 * read it, and the functions they call in each other.
 *
 * The registers are kept at their xAPIC offsets, 16 bytes apart (SDM
 * Vol. 3A, "Local APIC Register Address Map"); IRR, ISR and TMR are
 * 256 bits each, as eight 32-bit registers.
 */
#ifndef MINIVM_LAPIC_H
#define MINIVM_LAPIC_H

#include <linux/bitops.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>

#include "minivm.h"

/* Version 14h, the integrated APIC; six LVT entries (timer to error). */
#define LAPIC_VERSION		(0x14 | (5 << 16))
#define LAPIC_DM(val)		((val) & (7 << 8))	/* delivery mode */
#define LAPIC_TIMER_MODE(lvt)	((lvt) & (3 << 17))	/* LVT timer 18:17 */

static inline u32 lapic_get(struct minivm_lapic *apic, u32 off)
{
	return apic->regs[off / 4];
}

static inline void lapic_set(struct minivm_lapic *apic, u32 off, u32 val)
{
	apic->regs[off / 4] = val;
}

static inline void lapic_vec_set(struct minivm_lapic *apic, u32 base, int v)
{
	apic->regs[(base + (v >> 5) * 0x10) / 4] |= BIT(v & 31);
}

static inline void lapic_vec_clear(struct minivm_lapic *apic, u32 base, int v)
{
	apic->regs[(base + (v >> 5) * 0x10) / 4] &= ~BIT(v & 31);
}

static inline bool lapic_vec_test(struct minivm_lapic *apic, u32 base, int v)
{
	return apic->regs[(base + (v >> 5) * 0x10) / 4] & BIT(v & 31);
}

/* The highest vector set in IRR, ISR or TMR, or -1. */
static inline int lapic_vec_highest(struct minivm_lapic *apic, u32 base)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 word = lapic_get(apic, base + i * 0x10);

		if (word)
			return i * 32 + __fls(word);
	}
	return -1;
}

static inline bool lapic_x2apic(struct minivm_lapic *apic)
{
	return apic->base & X2APIC_ENABLE;
}

/* Globally enabled: IA32_APIC_BASE bit 11. */
static inline bool lapic_hw_enabled(struct minivm_lapic *apic)
{
	return apic->base & MSR_IA32_APICBASE_ENABLE;
}

/*
 * An IA32_APIC_BASE value of an APIC enabled in xAPIC mode, its page at
 * FEE00000h: where the APIC-access page can stand in for it
 * (lapic_access_page.c).
 */
static inline bool lapic_base_at_home(u64 base)
{
	return (base & (MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE)) ==
	       MSR_IA32_APICBASE_ENABLE &&
	       (base & PAGE_MASK) == APIC_DEFAULT_PHYS_BASE;
}

/* And software-enabled: SVR bit 8 ("Spurious-Interrupt Vector Register"). */
static inline bool lapic_enabled(struct minivm_lapic *apic)
{
	return lapic_hw_enabled(apic) &&
	       (lapic_get(apic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED);
}

/*
 * PPR: the TPR, or the class of the interrupt in service if that is
 * higher ("Interrupt, Task, and Processor Priority").
 */
static inline u32 lapic_ppr(struct minivm_lapic *apic)
{
	u32 tpr = lapic_get(apic, APIC_TASKPRI);
	int isrv = lapic_vec_highest(apic, APIC_ISR);
	u32 isr_class = isrv < 0 ? 0 : isrv & 0xf0;

	return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

/*
 * The LDR of x2APIC mode, derived from the ID ("Logical Destination Mode
 * in x2APIC Mode"): the cluster in 31:16, one bit of 16 in 15:0.
 */
static inline u32 lapic_x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | BIT(id & 0xf);
}

/*
 * What the local APIC's files ask of each other, and no other file needs
 * (what the rest of minivm calls is in minivm.h).
 */

/* lapic.c */
bool minivm_lapic_set_base(struct minivm_lapic *apic, u64 val, bool host);
void minivm_lapic_send_ipi(struct minivm_lapic *apic, u32 icr, u32 dest);

/* lapic_regs.c */
bool minivm_lapic_write(struct minivm_lapic *apic, u32 off, u32 val);
void minivm_lapic_write_icr(struct minivm_lapic *apic, u64 icr);

/* lapic_access_page.c */
void minivm_apic_access_leave(struct minivm_vm *vm);

/* lapic_timer.c */
void minivm_lapic_timer_init(struct minivm_lapic *apic);
void minivm_lapic_timer_stop(struct minivm_lapic *apic);
void minivm_lapic_timer_start(struct minivm_lapic *apic, u32 count,
			      bool periodic);
u32 minivm_lapic_timer_count(struct minivm_lapic *apic);
void minivm_lapic_timer_expired(struct minivm_lapic *apic);
void minivm_lapic_timer_set_deadline(struct minivm_lapic *apic, u64 tsc);

#endif /* MINIVM_LAPIC_H */

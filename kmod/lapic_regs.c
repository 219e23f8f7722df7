// SPDX-License-Identifier: GPL-2.0
/*
 * lapic_regs.c - what each local APIC register does when the guest reads
 * or writes it, and the whole register state saved and restored.
 *
 * lapic_access.c finds the register (an offset in the xAPIC page, or an
 * x2APIC MSR) and calls minivm_lapic_read() or minivm_lapic_write() with
 * its xAPIC offset; here each register has its bits and its side effects
 * (SDM Vol. 3A, "Advanced Programmable Interrupt Controller (APIC)"):
 *
 *   TPR, EOI, SVR, ESR   priorities, end of interrupt, enable, errors
 *   ICR, SELF IPI        send an IPI (lapic.c delivers it)
 *   LVT entries          masked while the APIC is software-disabled
 *   TMICT, TDCR, TMCCT   the timer (lapic_timer.c runs it)
 *
 * Registers minivm computes rather than stores (PPR, TMCCT) are computed
 * when read.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "lapic.h"

#define LVT_MASKED	APIC_LVT_MASKED

/**
 * minivm_lapic_read() - the value of a register, as the guest reads it.
 * @apic: the APIC.
 * @off:  the register's xAPIC offset, a multiple of 10h below 400h.
 *
 * Return: the value; 0 for a register that does not exist.
 */
u32 minivm_lapic_read(struct minivm_lapic *apic, u32 off)
{
	switch (off) {
	case APIC_PROCPRI:
		return lapic_ppr(apic);
	case APIC_TMCCT:
		return minivm_lapic_timer_count(apic);
	case APIC_ICR:
		/* Delivery status: always idle, as IPIs are sent at once. */
		return lapic_get(apic, APIC_ICR) & ~APIC_ICR_BUSY;
	default:
		return lapic_get(apic, off);
	}
}

/**
 * minivm_lapic_write_icr() - write ICR, which sends an IPI.
 * @apic: the APIC.
 * @icr:  ICR2:ICR in xAPIC mode (the destination in 63:56), or the x2APIC
 *        MSR's value (the destination in 63:32).
 */
void minivm_lapic_write_icr(struct minivm_lapic *apic, u64 icr)
{
	lapic_set(apic, APIC_ICR, icr & 0x000cdfff & ~APIC_ICR_BUSY);
	lapic_set(apic, APIC_ICR2, icr >> 32);
	minivm_lapic_send_ipi(apic, icr, lapic_x2apic(apic) ? icr >> 32 :
			      icr >> 56);
}

/*
 * EOI: the highest interrupt in service is done.  If its TMR bit is set,
 * the IOAPIC in userspace must hear of it (lapic.c).  TMR keeps the bit:
 * only the next acceptance of the vector changes it ("Interrupt
 * Acceptance for Fixed Interrupts"), so each EOI of it until then is
 * broadcast again, as the CPU's is.
 */
static void eoi(struct minivm_lapic *apic)
{
	int v = lapic_vec_highest(apic, APIC_ISR);

	if (v < 0)
		return;
	lapic_vec_clear(apic, APIC_ISR, v);
	if (lapic_vec_test(apic, APIC_TMR, v))
		apic->eoi_exit = v;
}

/*
 * The LVT timer's mode changed, to @mode.  Into or out of TSC-deadline
 * mode the timer is disarmed, TMICT and the deadline 0 ("TSC-Deadline
 * Mode").  Between one-shot and periodic the count goes on where it was,
 * and only what happens at 0 changes: the behaviour KVM gives and
 * kvm-unit-tests' apic test expects of a PC.  The mode the timer had is
 * kept aside, not read from the page: after an APIC-write exit
 * (lapic_virt.c) the page already holds the new one.
 */
static void change_timer_mode(struct minivm_lapic *apic, u32 mode)
{
	u32 left;

	if (apic->timer_mode == APIC_LVT_TIMER_TSCDEADLINE ||
	    mode == APIC_LVT_TIMER_TSCDEADLINE) {
		minivm_lapic_timer_stop(apic);
		lapic_set(apic, APIC_TMICT, 0);
	} else {
		left = minivm_lapic_timer_count(apic);
		minivm_lapic_timer_stop(apic);
		if (left)
			minivm_lapic_timer_start(apic, left,
						 mode == APIC_LVT_TIMER_PERIODIC);
	}
	apic->timer_mode = mode;
}

/* A write to an LVT entry: masked for as long as the APIC is disabled. */
static void write_lvt(struct minivm_lapic *apic, u32 off, u32 val, u32 mask)
{
	if (!(lapic_get(apic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED))
		val |= LVT_MASKED;
	if (off == APIC_LVTT && LAPIC_TIMER_MODE(val) == (3 << 17))
		val &= ~(3 << 17);		/* reserved: one-shot */
	lapic_set(apic, off, val & mask);
	if (off == APIC_LVTT && LAPIC_TIMER_MODE(val) != apic->timer_mode)
		change_timer_mode(apic, LAPIC_TIMER_MODE(val));
}

/* SVR: clearing the enable bit masks every LVT entry ("Spurious Interrupt"). */
static void write_svr(struct minivm_lapic *apic, u32 val)
{
	u32 off;

	lapic_set(apic, APIC_SPIV, val & 0x3ff);
	if (val & APIC_SPIV_APIC_ENABLED)
		return;
	for (off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
		lapic_set(apic, off, lapic_get(apic, off) | LVT_MASKED);
}

/*
 * TMICT: (re)start the timer, or stop it with 0.  Ignored in TSC-deadline
 * mode, where it stays 0 (entering the mode cleared it): an APIC-write
 * exit has put the ignored value in the page, which must not show.
 */
static void write_tmict(struct minivm_lapic *apic, u32 val)
{
	u32 mode = LAPIC_TIMER_MODE(lapic_get(apic, APIC_LVTT));

	if (mode == APIC_LVT_TIMER_TSCDEADLINE) {
		lapic_set(apic, APIC_TMICT, 0);
		return;
	}
	lapic_set(apic, APIC_TMICT, val);
	minivm_lapic_timer_stop(apic);
	if (val)
		minivm_lapic_timer_start(apic, val,
					 mode == APIC_LVT_TIMER_PERIODIC);
}

/* The registers that exist in xAPIC mode only. */
static bool write_xapic_only(struct minivm_lapic *apic, u32 off, u32 val)
{
	if (lapic_x2apic(apic))
		return false;
	switch (off) {
	case APIC_ID:
	case APIC_LDR:
	case APIC_ICR2:
		lapic_set(apic, off, val & 0xff000000);
		return true;
	case APIC_DFR:
		lapic_set(apic, APIC_DFR, val | 0x0fffffff);
		return true;
	case APIC_ICR:	/* in x2APIC mode, one 64-bit MSR: _write_icr() */
		minivm_lapic_write_icr(apic, (u64)lapic_get(apic, APIC_ICR2) << 32 |
				       val);
		return true;
	}
	return false;
}

/**
 * minivm_lapic_write() - a register write by the guest.
 * @apic: the APIC.
 * @off:  the register's xAPIC offset, a multiple of 10h below 400h.
 * @val:  the value; bits a register does not have are dropped.
 *
 * Return: false for a register that cannot be written (read-only or not
 * there): in x2APIC mode the caller turns that into #GP.
 */
bool minivm_lapic_write(struct minivm_lapic *apic, u32 off, u32 val)
{
	switch (off) {
	case APIC_TASKPRI:
		lapic_set(apic, APIC_TASKPRI, val & 0xff);
		return true;
	case APIC_EOI:
		eoi(apic);
		return true;
	case APIC_SPIV:
		write_svr(apic, val);
		return true;
	case APIC_ESR:	/* latch the errors seen since the last write */
		lapic_set(apic, APIC_ESR, apic->esr_pending);
		apic->esr_pending = 0;
		return true;
	case APIC_LVTT:
		write_lvt(apic, off, val, 0x700ff);
		return true;
	case APIC_LVTTHMR:
	case APIC_LVTPC:
		write_lvt(apic, off, val, 0x107ff);
		return true;
	case APIC_LVT0:
	case APIC_LVT1:
		write_lvt(apic, off, val, 0x1a7ff);
		return true;
	case APIC_LVTERR:
		write_lvt(apic, off, val, 0x100ff);
		return true;
	case APIC_TMICT:
		write_tmict(apic, val);
		return true;
	case APIC_TDCR:
		lapic_set(apic, APIC_TDCR, val & 0xb);
		return true;
	case APIC_SELF_IPI:
		if (!lapic_x2apic(apic))
			return false;
		minivm_lapic_send_ipi(apic, APIC_DEST_SELF | (val & 0xff), 0);
		return true;
	default:
		return write_xapic_only(apic, off, val);
	}
}

/**
 * minivm_lapic_get() - MINIVM_GET_LAPIC.
 * @vcpu: the vCPU, under its run_lock.
 * @uarg: a struct minivm_lapic_state to fill.
 *
 * What was posted and not yet folded into IRR is folded in first, so
 * that nothing is lost; PPR and TMCCT are computed.
 *
 * Return: 0; -ENXIO without a local APIC; -ENOMEM; -EFAULT.
 */
int minivm_lapic_get(struct minivm_vcpu *vcpu, void __user *uarg)
{
	struct minivm_lapic *apic = vcpu->lapic;
	struct minivm_lapic_state *s;
	int ret = 0;

	if (!apic)
		return -ENXIO;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	minivm_lapic_sync(vcpu);
	s->base = apic->base;
	s->tsc_deadline = READ_ONCE(apic->tsc_deadline);
	memcpy(s->regs, apic->regs, MINIVM_LAPIC_REGS_SIZE);
	*(u32 *)&s->regs[APIC_PROCPRI] = lapic_ppr(apic);
	*(u32 *)&s->regs[APIC_TMCCT] = minivm_lapic_timer_count(apic);
	if (copy_to_user(uarg, s, sizeof(*s)))
		ret = -EFAULT;
	kfree(s);
	return ret;
}

/*
 * The timer as restored registers describe it: the remaining count
 * (TMCCT) first, then TMICT again if periodic; or the TSC deadline.
 */
static void restart_timer(struct minivm_lapic *apic, u64 tsc_deadline)
{
	u32 mode = LAPIC_TIMER_MODE(lapic_get(apic, APIC_LVTT));
	u32 count = lapic_get(apic, APIC_TMCCT);

	minivm_lapic_timer_stop(apic);
	if (mode == APIC_LVT_TIMER_TSCDEADLINE) {
		minivm_lapic_timer_set_deadline(apic, tsc_deadline);
		return;
	}
	if (!lapic_get(apic, APIC_TMICT) || !count)
		return;
	minivm_lapic_timer_start(apic, count, mode == APIC_LVT_TIMER_PERIODIC);
}

/**
 * minivm_lapic_set() - MINIVM_SET_LAPIC: restore a saved state.
 * @vcpu: the vCPU, under its run_lock.
 * @uarg: the struct minivm_lapic_state.
 *
 * The base must be valid (no reserved bits, no x2APIC without the APIC
 * enabled); read-only registers are recomputed: the version, PPR, and in
 * x2APIC mode the ID and LDR; TPR keeps its bits 7:0.  What was posted and not yet delivered is
 * dropped; the timer restarts with the remaining count.
 *
 * Return: 0; -ENXIO without a local APIC; -EINVAL for a bad base;
 * -EFAULT; -ENOMEM.
 */
int minivm_lapic_set(struct minivm_vcpu *vcpu, void __user *uarg)
{
	struct minivm_lapic *apic = vcpu->lapic;
	struct minivm_lapic_state *s;
	int ret = 0;

	if (!apic)
		return -ENXIO;
	s = memdup_user(uarg, sizeof(*s));
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (!minivm_lapic_set_base(apic, s->base, true)) {
		ret = -EINVAL;
		goto out;
	}
	memcpy(apic->regs, s->regs, MINIVM_LAPIC_REGS_SIZE);
	/* Bits 31:8 of TPR are reserved, as for the guest's own writes. */
	lapic_set(apic, APIC_TASKPRI, lapic_get(apic, APIC_TASKPRI) & 0xff);
	lapic_set(apic, APIC_LVR, LAPIC_VERSION);
	lapic_set(apic, APIC_PROCPRI, 0);		/* computed when read */
	if (lapic_x2apic(apic)) {
		lapic_set(apic, APIC_ID, vcpu->id);
		lapic_set(apic, APIC_LDR, lapic_x2apic_ldr(vcpu->id));
	}
	apic->esr_pending = 0;
	apic->timer_mode = LAPIC_TIMER_MODE(lapic_get(apic, APIC_LVTT));
	apic->eoi_exit = -1;		/* what was pending is the old state's */
	bitmap_zero(apic->posted, 256);
	bitmap_zero(apic->posted_level, 256);
	atomic_set(&apic->nmi_posted, 0);
	atomic_set(&apic->timer_fired, 0);
	restart_timer(apic, s->tsc_deadline);
	lapic_set(apic, APIC_TMCCT, 0);		/* computed when read */
out:
	kfree(s);
	return ret;
}

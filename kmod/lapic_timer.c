// SPDX-License-Identifier: GPL-2.0
/*
 * lapic_timer.c - the local APIC's timer, on a host hrtimer.
 *
 * The timer has three modes, chosen by LVT timer bits 18:17 (SDM Vol. 3A,
 * "APIC Timer"):
 *
 *   one-shot      counts TMICT down to 0 once, then interrupts
 *   periodic      counts down, interrupts, reloads TMICT, again
 *   TSC-deadline  interrupts when the TSC reaches IA32_TSC_DEADLINE
 *
 * The count runs at the APIC bus clock divided by TDCR.  minivm's bus
 * runs at 1 GHz, one count per nanosecond before the divider, as KVM's
 * does; CPUID 40000010h tells the guest so (cpuid.c), and a guest that
 * calibrates against the PIT finds the same.
 *
 * Every mode is one hrtimer at an absolute time.  When it fires (in hard
 * interrupt context, on whatever CPU) it only posts: timer_fired = 1,
 * then minivm_kick() wakes the vCPU if it sleeps after HLT, or makes it
 * leave guest mode if it runs on another CPU.  The vCPU's thread then
 * delivers the LVT timer's vector before its next entry (lapic.c).
 *
 * In TSC-deadline mode the hrtimer runs ahead of the deadline by
 * advance_ns, and the vCPU's thread waits out the rest at the last moment
 * before the VM entry that injects the interrupt
 * (minivm_lapic_timer_wait(), after the L1D flush, with interrupts off):
 * the time it takes the host to take its own interrupt, wake or kick the
 * vCPU and come back to the entry is then spent before the deadline
 * rather than after it.  The advance adapts, an eighth of the error at a
 * time, to how early or late each expiry turned out, within 0-5 us; KVM
 * does the same (lapic_timer_advance_ns), waiting just before its entry
 * too, but before its L1D flush.
 *
 * A periodic timer is never shorter than 200 us (KVM's default floor,
 * min_timer_period_us): a guest cannot make the host take an interrupt
 * storm.  A one-shot timer needs an exit to be armed again, which bounds
 * it already.
 */
#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <asm/msr.h>
#include <asm/tsc.h>

#include "lapic.h"

#define MIN_PERIOD_NS	(200 * NSEC_PER_USEC)
#define MAX_ADVANCE_NS	5000
#define FIRST_ADVANCE_NS 1000
#define OUTLIER_NS	10000		/* an error this big: a preemption */

static u64 guest_tsc(struct minivm_lapic *apic)
{
	return rdtsc() + apic->vcpu->tsc_offset;
}

static u64 cycles_to_ns(u64 cycles)
{
	return mul_u64_u32_div(cycles, USEC_PER_SEC, tsc_khz);
}

/* TDCR bits 3, 1:0: divide by 2, 4, 8, 16, 32, 64, 128, or 1 (1011b). */
static u32 divisor(struct minivm_lapic *apic)
{
	u32 tdcr = lapic_get(apic, APIC_TDCR);
	u32 x = (tdcr & 3) | ((tdcr & 8) >> 1);

	return x == 7 ? 1 : 2 << x;
}

static enum hrtimer_restart timer_fired(struct hrtimer *t)
{
	struct minivm_lapic *apic = container_of(t, struct minivm_lapic, timer);

	atomic_set(&apic->timer_fired, 1);
	WRITE_ONCE(apic->tsc_deadline, 0);	/* reads 0 once it fired */
	minivm_kick(apic->vcpu);
	if (!apic->period_ns)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(apic->period_ns));
	return HRTIMER_RESTART;
}

/** minivm_lapic_timer_init() - the hrtimer of a new APIC. */
void minivm_lapic_timer_init(struct minivm_lapic *apic)
{
	hrtimer_init(&apic->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	apic->timer.function = timer_fired;
	apic->advance_ns = FIRST_ADVANCE_NS;
}

/**
 * minivm_lapic_timer_stop() - stop the timer, waiting for its callback.
 * @apic: the APIC.
 */
void minivm_lapic_timer_stop(struct minivm_lapic *apic)
{
	hrtimer_cancel(&apic->timer);
	apic->period_ns = 0;
	apic->expire_tsc = 0;
	WRITE_ONCE(apic->tsc_deadline, 0);
}

/**
 * minivm_lapic_timer_start() - start counting down, the timer stopped.
 * @apic:     the APIC.
 * @count:    the count to the first interrupt (TMICT, or what was left).
 * @periodic: reload TMICT after each interrupt.
 */
void minivm_lapic_timer_start(struct minivm_lapic *apic, u32 count,
			      bool periodic)
{
	u64 ns = (u64)count * divisor(apic);

	if (periodic) {
		apic->period_ns = max_t(u64, MIN_PERIOD_NS,
					(u64)lapic_get(apic, APIC_TMICT) *
					divisor(apic));
		ns = max_t(u64, ns, MIN_PERIOD_NS);
	}
	hrtimer_start(&apic->timer, ktime_add_ns(ktime_get(), ns),
		      HRTIMER_MODE_ABS_HARD);
}

/**
 * minivm_lapic_timer_count() - TMCCT: what is left of the count.
 * @apic: the APIC.
 *
 * Return: the remaining count; 0 once a one-shot count is done, and
 * always in TSC-deadline mode.
 */
u32 minivm_lapic_timer_count(struct minivm_lapic *apic)
{
	s64 left = ktime_to_ns(hrtimer_get_remaining(&apic->timer));
	u32 lvt = lapic_get(apic, APIC_LVTT);

	if (LAPIC_TIMER_MODE(lvt) == APIC_LVT_TIMER_TSCDEADLINE || left <= 0 ||
	    !hrtimer_active(&apic->timer))
		return 0;
	return min_t(u64, div_u64(left, divisor(apic)),
		     lapic_get(apic, APIC_TMICT));
}

/**
 * minivm_lapic_timer_set_deadline() - WRMSR IA32_TSC_DEADLINE.
 * @apic: the APIC, in TSC-deadline mode.
 * @tsc:  the guest TSC value to interrupt at; 0 disarms.
 *
 * A deadline already past interrupts at once.
 */
void minivm_lapic_timer_set_deadline(struct minivm_lapic *apic, u64 tsc)
{
	u64 now = guest_tsc(apic), ns = 0;

	minivm_lapic_timer_stop(apic);
	if (!tsc)
		return;
	WRITE_ONCE(apic->tsc_deadline, tsc);
	if (tsc > now)
		ns = cycles_to_ns(tsc - now);
	/*
	 * The guest may write any 64-bit deadline; on a host whose TSC is
	 * slower than 2 GHz or so its distance in ns would overflow the
	 * ktime addition below.  A deadline centuries away is as good as
	 * one beyond ktime's range.
	 */
	ns = min_t(u64, ns, KTIME_MAX / 2);
	if (ns > apic->advance_ns) {
		ns -= apic->advance_ns;
		apic->expire_tsc = tsc;
	}
	hrtimer_start(&apic->timer, ktime_add_ns(ktime_get(), ns),
		      HRTIMER_MODE_ABS_HARD);
}

/**
 * minivm_lapic_timer_expired() - the timer fired: its interrupt goes in
 * at the next entry, not before the TSC deadline it ran ahead of.
 * @apic: the APIC, in its vCPU's thread.
 */
void minivm_lapic_timer_expired(struct minivm_lapic *apic)
{
	apic->wait_tsc = apic->expire_tsc;
	apic->expire_tsc = 0;
}

/**
 * minivm_lapic_timer_wait() - just before VM entry: wait until the
 * deadline of a timer that fired early, and learn from how early or late
 * it was.
 * @vcpu: the vCPU about to enter; interrupts are off.
 *
 * Called after the L1D flush: the loop reads the TSC and this vCPU's own
 * fields, nothing the flush was there to remove, and whatever the flush
 * costs is then spent before the deadline too.
 */
void minivm_lapic_timer_wait(struct minivm_vcpu *vcpu)
{
	struct minivm_lapic *apic = vcpu->lapic;
	u64 target, now, err;

	if (!apic || !apic->wait_tsc)
		return;
	target = apic->wait_tsc;
	apic->wait_tsc = 0;
	now = guest_tsc(apic);
	if (now < target) {		/* early: wait, advance less */
		err = cycles_to_ns(target - now);
		if (err > OUTLIER_NS)
			return;
		while (guest_tsc(apic) < target)
			cpu_relax();
		apic->advance_ns -= min_t(u32, apic->advance_ns, err / 8);
	} else {			/* late: advance more */
		err = cycles_to_ns(now - target);
		if (err > OUTLIER_NS)
			return;
		apic->advance_ns = min_t(u32, MAX_ADVANCE_NS,
					 apic->advance_ns + err / 8);
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * lapic.c - the local APIC of each vCPU: its life, its modes, the priority
 * rules that decide which interrupt goes in next, IPIs and MSIs.
 *
 * A VM gets local APICs when userspace asks for them (MINIVM_CREATE_LAPIC,
 * before its first vCPU), the way KVM splits its interrupt controller:
 * the local APIC is in the kernel, because the guest reaches it on every
 * interrupt (EOI, TPR) and its timer must wake a halted vCPU without a
 * trip to userspace; the PIC, the IOAPIC and the PIT stay in userspace,
 * which raises their interrupts with MINIVM_INTERRUPT (the PIC's INTR,
 * taken through LINT0 as ExtINT) and MINIVM_SIGNAL_MSI.
 *
 * This file is the APIC itself, as the SDM describes it (Vol. 3A,
 * "Advanced Programmable Interrupt Controller (APIC)"):
 *
 *   IRR     interrupts accepted and not yet delivered to the CPU
 *   ISR     interrupts delivered whose handler has not written EOI
 *   TPR     the priority below which the guest wants no interrupt
 *   PPR     max(TPR, the class of the highest ISR bit): an interrupt in
 *           IRR goes in only if its class (vector >> 4) is above PPR's
 *           ("Interrupt, Task, and Processor Priority")
 *
 * Delivering a vector moves it from IRR to ISR; EOI clears the highest
 * ISR bit, which may let the next IRR bit through.  event.c asks
 * minivm_lapic_next_irq() what to inject and injects it like any other
 * external interrupt.  lapic_regs.c gives each register its meaning,
 * lapic_access.c turns the guest's MMIO, MSR and CR8 accesses into
 * register reads and writes, and lapic_timer.c runs the timer.
 *
 * A level-triggered MSI (data bit 15, sent by an IOAPIC in userspace)
 * sets its vector's TMR bit; the guest's EOI of it then ends RUN with
 * MINIVM_EXIT_EOI, where KVM's split interrupt controller has its
 * KVM_EXIT_IOAPIC_EOI: the IOAPIC clears its remote IRR and, if the line
 * is still high, sends the interrupt again ("I/O APIC", and the EOI
 * broadcast in "EOI Register").
 *
 * Where the CPU virtualizes the APIC, it delivers these interrupts and
 * ends them itself (lapic_virt.c), from the same register page.
 *
 * Left out, for now: INIT and SIPI (one vCPU boots alone), the
 * thermal, performance and CMCI interrupts (their LVT entries exist and
 * stay silent), and the focus processor check.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/processor.h>

#include "lapic.h"

#define LVT_MASKED		APIC_LVT_MASKED
#define BASE_RESERVED		(0xffUL | BIT(9))	/* bits 7:0 and 9 */
#define MSI_ADDR_BASE		0xfee00000UL

/*
 * An error the APIC detected ("Error Handling"): latched until the next
 * write to ESR, and signalled through the error LVT if that is unmasked.
 * Its own illegal vector cannot raise another error: it is dropped.
 */
static void apic_error(struct minivm_lapic *apic, u32 bit)
{
	u32 lvt = lapic_get(apic, APIC_LVTERR);

	apic->esr_pending |= bit;
	if (!(lvt & LVT_MASKED) && (lvt & 0xff) >= 16)
		lapic_vec_set(apic, APIC_IRR, lvt & 0xff);
}

/*
 * Accept a fixed interrupt into IRR; vectors 0-15 are illegal.  TMR
 * records its trigger mode, for the EOI ("Interrupt Acceptance for
 * Fixed Interrupts").
 */
static void accept(struct minivm_lapic *apic, int vector, bool level)
{
	if (vector < 16) {
		apic_error(apic, APIC_ESR_RECVILL);
		return;
	}
	lapic_vec_set(apic, APIC_IRR, vector);
	if (level)
		lapic_vec_set(apic, APIC_TMR, vector);
	else
		lapic_vec_clear(apic, APIC_TMR, vector);
}

/* An LVT entry fires (only the timer does, today). */
static void fire_lvt(struct minivm_lapic *apic, u32 off)
{
	u32 lvt = lapic_get(apic, off);

	if (!lapic_enabled(apic) || (lvt & LVT_MASKED))
		return;
	if (LAPIC_DM(lvt) == APIC_DM_NMI)
		atomic_set(&apic->nmi_posted, 1);
	else if (LAPIC_DM(lvt) == APIC_DM_FIXED)
		accept(apic, lvt & 0xff, false);
}

/* The register values after RESET ("Local APIC State After Power-Up or
 * Reset"), for @apic->base already set.
 */
static void reset_regs(struct minivm_lapic *apic)
{
	u32 id = apic->vcpu->id;
	u32 off;

	memset(apic->regs, 0, MINIVM_LAPIC_REGS_SIZE);
	lapic_set(apic, APIC_ID, lapic_x2apic(apic) ? id : id << 24);
	lapic_set(apic, APIC_LVR, LAPIC_VERSION);
	lapic_set(apic, APIC_DFR, 0xffffffff);
	lapic_set(apic, APIC_SPIV, 0xff);
	for (off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
		lapic_set(apic, off, LVT_MASKED);
	if (lapic_x2apic(apic))
		lapic_set(apic, APIC_LDR, lapic_x2apic_ldr(id));
	apic->esr_pending = 0;
	apic->timer_mode = 0;		/* one-shot */
	apic->eoi_exit = -1;
	bitmap_zero(apic->posted, 256);
	bitmap_zero(apic->posted_level, 256);
	atomic_set(&apic->nmi_posted, 0);
	atomic_set(&apic->timer_fired, 0);
	minivm_lapic_timer_stop(apic);
}

/**
 * minivm_lapic_create() - give a new vCPU its local APIC.
 * @vcpu: the vCPU, not yet visible to userspace.
 *
 * At RESET the APIC is enabled in xAPIC mode at FEE00000h; vCPU 0 is the
 * bootstrap processor (IA32_APIC_BASE, "Local APIC Status and Location").
 *
 * Return: 0 or -ENOMEM.
 */
int minivm_lapic_create(struct minivm_vcpu *vcpu)
{
	struct minivm_lapic *apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);

	if (!apic)
		return -ENOMEM;
	/*
	 * The registers get a page of their own: with the TPR shadow it is
	 * the virtual-APIC page too, whose byte 80h (the TPR) the guest's
	 * MOV CR8 reads and writes without an exit (lapic_access.c).
	 */
	apic->regs = (u32 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!apic->regs) {
		kfree(apic);
		return -ENOMEM;
	}
	apic->vcpu = vcpu;
	init_waitqueue_head(&apic->wait);
	minivm_lapic_timer_init(apic);
	apic->base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
		     (vcpu->id ? 0 : MSR_IA32_APICBASE_BSP);
	reset_regs(apic);
	vcpu->lapic = apic;
	return 0;
}

/**
 * minivm_lapic_free() - stop the timer and free the APIC.
 * @vcpu: the vCPU, on its way out: no thread runs it any more.
 */
void minivm_lapic_free(struct minivm_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return;
	minivm_lapic_timer_stop(vcpu->lapic);
	free_page((unsigned long)vcpu->lapic->regs);
	kfree(vcpu->lapic);
	vcpu->lapic = NULL;
}

/**
 * minivm_lapic_set_base() - write IA32_APIC_BASE.
 * @apic: the APIC.
 * @val:  the new value.
 * @host: written by MINIVM_SET_LAPIC rather than the guest's WRMSR: any
 *        valid state may be restored, whatever the current one.
 *
 * The guest may move between the states only along the SDM's arrows
 * ("x2APIC State Transitions"): disabled -> xAPIC -> x2APIC -> disabled,
 * and xAPIC -> disabled.  x2APIC -> xAPIC, disabled -> x2APIC, EXTD
 * without EN and reserved bits are refused (#GP).  Disabling resets the
 * APIC; entering x2APIC mode makes the ID the vCPU's number and derives
 * the LDR from it.
 *
 * Return: true if written.
 */
bool minivm_lapic_set_base(struct minivm_lapic *apic, u64 val, bool host)
{
	u64 old = apic->base, mode = X2APIC_ENABLE | MSR_IA32_APICBASE_ENABLE;
	u64 from = old & mode, to = val & mode;

	if ((val & BASE_RESERVED) || (val >> boot_cpu_data.x86_phys_bits))
		return false;
	if (to == X2APIC_ENABLE)
		return false;
	if (!host && from != to &&
	    !((from == 0 && to == MSR_IA32_APICBASE_ENABLE) ||
	      (from == MSR_IA32_APICBASE_ENABLE && to == mode) || to == 0))
		return false;
	apic->base = val;
	/* Its xAPIC page is the VM's APIC-access page no more. */
	if (lapic_base_at_home(old) && !lapic_base_at_home(val))
		minivm_apic_access_leave(apic->vcpu->vm);
	if (to == 0 && from != 0) {
		reset_regs(apic);
	} else if (to == mode && from != mode) {
		lapic_set(apic, APIC_ID, apic->vcpu->id);
		lapic_set(apic, APIC_LDR, lapic_x2apic_ldr(apic->vcpu->id));
	}
	return true;
}

/* Does @apic answer to @dest, physical or logical (flat or cluster)? */
static bool matches(struct minivm_lapic *apic, u32 dest, bool logical)
{
	bool x2 = lapic_x2apic(apic);
	u32 id = READ_ONCE(apic->regs[APIC_ID / 4]);
	u32 ldr = READ_ONCE(apic->regs[APIC_LDR / 4]);

	if (!lapic_hw_enabled(apic))
		return false;
	if (!logical) {
		if (x2)
			return dest == 0xffffffff || dest == id;
		return (dest & 0xff) == 0xff || (dest & 0xff) == id >> 24;
	}
	if (x2)
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	return (dest & 0xff) & (ldr >> 24);	/* the flat model */
}

/*
 * Post an interrupt to another vCPU's APIC and wake it.  A level-
 * triggered vector is marked before it is posted: whoever sees it in
 * @posted sees the mark too (set_bit() is a locked operation on x86).
 */
static void post(struct minivm_vcpu *to, u32 vector, bool nmi, bool level)
{
	if (nmi) {
		atomic_set(&to->lapic->nmi_posted, 1);
	} else {
		if (level)
			set_bit(vector, to->lapic->posted_level);
		set_bit(vector, to->lapic->posted);
	}
	minivm_kick(to);
}

/*
 * Deliver to every vCPU of @vm that @dest names, but @except.  The VM's
 * lock keeps its vCPUs alive meanwhile.  Return: how many were reached.
 */
static int deliver(struct minivm_vm *vm, struct minivm_vcpu *except,
		   u32 dest, bool logical, u32 vector, bool nmi, bool level)
{
	int i, n = 0;

	mutex_lock(&vm->lock);
	for (i = 0; i < MINIVM_MAX_VCPUS; i++) {
		struct minivm_vcpu *v = vm->vcpus[i];

		if (!v || v == except || !v->lapic ||
		    !matches(v->lapic, dest, logical))
			continue;
		post(v, vector, nmi, level);
		n++;
	}
	mutex_unlock(&vm->lock);
	return n;
}

/**
 * minivm_lapic_send_ipi() - an IPI, sent by a write to ICR or SELF IPI.
 * @apic: the sending APIC.
 * @icr:  the low half of ICR: vector, delivery mode, shorthand.
 * @dest: the destination: ICR2[31:24] in xAPIC mode, ICR[63:32] in x2APIC.
 *
 * Fixed, lowest-priority (to every match: there is no arbitration) and
 * NMI IPIs are delivered; INIT, SIPI and SMI are dropped.  A fixed IPI
 * with a vector below 16 is an error of the sender, not sent.
 */
void minivm_lapic_send_ipi(struct minivm_lapic *apic, u32 icr, u32 dest)
{
	u32 dm = LAPIC_DM(icr), vector = icr & 0xff, shorthand = icr & (3 << 18);
	bool nmi = dm == APIC_DM_NMI, to_self;

	if (dm != APIC_DM_FIXED && dm != APIC_DM_LOWEST && !nmi)
		return;
	if (!nmi && vector < 16) {
		apic_error(apic, APIC_ESR_SENDILL);
		return;
	}
	/*
	 * The sender is a destination like any other: a physical or
	 * logical destination that names it (its own ID, the broadcast
	 * ID) reaches it too, as does "all including self".
	 */
	if (!shorthand)		/* a destination, no shorthand */
		to_self = matches(apic, dest, icr & APIC_DEST_LOGICAL);
	else
		to_self = shorthand != APIC_DEST_ALLBUT;
	if (to_self && nmi)
		atomic_set(&apic->nmi_posted, 1);
	else if (to_self)
		accept(apic, vector, false);
	if (shorthand == APIC_DEST_SELF)
		return;
	if (shorthand)		/* all: the physical broadcast */
		deliver(apic->vcpu->vm, apic->vcpu,
			lapic_x2apic(apic) ? 0xffffffff : 0xff, false,
			vector, nmi, false);
	else
		deliver(apic->vcpu->vm, apic->vcpu, dest,
			icr & APIC_DEST_LOGICAL, vector, nmi, false);
}

/**
 * minivm_lapic_sync() - fold into IRR what was posted since the last time.
 * @vcpu: the vCPU, in its own thread.
 */
void minivm_lapic_sync(struct minivm_vcpu *vcpu)
{
	struct minivm_lapic *apic = vcpu->lapic;
	unsigned long word;
	int i, v, vec;
	bool level;

	/* Read before the exchange: a locked operation per entry is not free. */
	if (atomic_read(&apic->timer_fired) &&
	    atomic_xchg(&apic->timer_fired, 0)) {
		minivm_lapic_timer_expired(apic);	/* waited for at entry */
		fire_lvt(apic, APIC_LVTT);
	}
	for (i = 0; i < ARRAY_SIZE(apic->posted); i++) {
		if (!READ_ONCE(apic->posted[i]))
			continue;
		word = xchg(&apic->posted[i], 0);
		for_each_set_bit(v, &word, BITS_PER_LONG) {
			vec = i * BITS_PER_LONG + v;
			level = test_and_clear_bit(vec, apic->posted_level);
			if (lapic_enabled(apic))	/* a disabled APIC drops them */
				accept(apic, vec, level);
		}
	}
	if (atomic_read(&apic->nmi_posted) && atomic_xchg(&apic->nmi_posted, 0) &&
	    minivm_vmcs_has_vnmi())
		vcpu->nmi_pending = true;
}

/**
 * minivm_lapic_next_irq() - the interrupt the APIC would deliver now.
 * @vcpu: the vCPU, with a local APIC, in its own thread.
 *
 * Return: the highest vector in IRR whose class is above PPR's, or -1.
 */
int minivm_lapic_next_irq(struct minivm_vcpu *vcpu)
{
	struct minivm_lapic *apic = vcpu->lapic;
	int v;

	if (!lapic_enabled(apic))
		return -1;
	v = lapic_vec_highest(apic, APIC_IRR);
	if (v < 0 || (v & 0xf0) <= (lapic_ppr(apic) & 0xf0))
		return -1;
	return v;
}

/**
 * minivm_lapic_accept_irq() - the CPU took @vector: from IRR to ISR.
 * @vcpu:   the vCPU.
 * @vector: what minivm_lapic_next_irq() returned.
 */
void minivm_lapic_accept_irq(struct minivm_vcpu *vcpu, int vector)
{
	lapic_vec_clear(vcpu->lapic, APIC_IRR, vector);
	lapic_vec_set(vcpu->lapic, APIC_ISR, vector);
}

/**
 * minivm_lapic_takes_extint() - would the PIC's interrupt reach the CPU?
 * @vcpu: the vCPU.
 *
 * Through LINT0, unmasked in ExtINT mode, or straight to the CPU when the
 * APIC is globally disabled ("Local Vector Table").  ExtINT interrupts
 * come with their vector from the PIC and bypass IRR, ISR and the TPR.
 *
 * Return: true if MINIVM_INTERRUPT's vector may go in.
 */
bool minivm_lapic_takes_extint(struct minivm_vcpu *vcpu)
{
	struct minivm_lapic *apic = vcpu->lapic;
	u32 lvt0;

	if (!apic || !lapic_hw_enabled(apic))
		return true;
	lvt0 = lapic_get(apic, APIC_LVT0);
	return !(lvt0 & LVT_MASKED) && LAPIC_DM(lvt0) == (APIC_MODE_EXTINT << 8);
}

/**
 * minivm_signal_msi() - MINIVM_SIGNAL_MSI: a device's interrupt message.
 * @vm:   the VM.
 * @uarg: its struct minivm_msi.
 *
 * The address names the destination (bits 19:12) and whether it is
 * logical (bit 2); the data the vector (7:0), the delivery mode (10:8):
 * fixed, lowest priority or NMI, and the trigger mode (15): level for
 * an IOAPIC's level-triggered pin ("Message Data Register Format").
 *
 * Return: the number of vCPUs it reached (0 if none matched); -EFAULT;
 * -ENXIO if the VM has no local APICs; -EINVAL for an address outside
 * FEExxxxxh, another delivery mode, a vector below 16, or flags.
 */
int minivm_signal_msi(struct minivm_vm *vm, void __user *uarg)
{
	struct minivm_msi msi;
	u32 dm, vector;

	if (copy_from_user(&msi, uarg, sizeof(msi)))
		return -EFAULT;
	if (!READ_ONCE(vm->has_lapic))
		return -ENXIO;
	dm = LAPIC_DM(msi.data);
	vector = msi.data & 0xff;
	if (msi.flags || (msi.address >> 20) != MSI_ADDR_BASE >> 20 ||
	    (dm != APIC_DM_FIXED && dm != APIC_DM_LOWEST && dm != APIC_DM_NMI) ||
	    (dm != APIC_DM_NMI && vector < 16))
		return -EINVAL;
	return deliver(vm, NULL, (msi.address >> 12) & 0xff,
		       msi.address & BIT(2), vector, dm == APIC_DM_NMI,
		       dm != APIC_DM_NMI && (msi.data & MINIVM_MSI_LEVEL));
}

/**
 * minivm_lapic_eoi_exit() - must RUN return for a level-triggered EOI?
 * @vcpu: the vCPU, in its own thread, after an exit handled in the kernel.
 *
 * The guest's EOI (lapic_regs.c) of a vector whose TMR bit was set left
 * it in @eoi_exit.  The instruction is complete: the next RUN simply
 * resumes the guest.
 *
 * Return: true, with run->exit_reason MINIVM_EXIT_EOI and run->eoi set,
 * if there was one.
 */
bool minivm_lapic_eoi_exit(struct minivm_vcpu *vcpu)
{
	struct minivm_lapic *apic = vcpu->lapic;

	if (!apic || apic->eoi_exit < 0)
		return false;
	vcpu->run->exit_reason = MINIVM_EXIT_EOI;
	vcpu->run->eoi.vector = apic->eoi_exit;
	apic->eoi_exit = -1;
	return true;
}

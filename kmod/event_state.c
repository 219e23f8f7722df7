// SPDX-License-Identifier: GPL-2.0
/*
 * event_state.c - MINIVM_GET_VCPU_EVENTS and MINIVM_SET_VCPU_EVENTS: the
 * events that lie between two of the guest's instructions, for userspace
 * to read and to write.
 *
 * Three kinds of state sit there; the VMCS holds two of them:
 *
 *   the event the next entry delivers  the VM-entry interruption-
 *       information field, with its error code and instruction length
 *       (SDM Vol. 3C, "Event Injection"): an event an exit cut short
 *       (event.c), or one userspace asks for;
 *   what was raised and is not delivered yet  the interrupt of
 *       MINIVM_INTERRUPT and the NMI of MINIVM_NMI, kept by event.c;
 *   what blocks delivery  the STI and MOV-SS shadows and blocking by
 *       NMI, in the guest's interruptibility state;
 *   what the vCPU is doing  a debug trap due after the last instruction
 *       (the pending debug exceptions field: a single step the CPU held
 *       across an exit, or the one minivm_step_over() left after an
 *       instruction minivm carried out), and whether it sleeps in a HLT
 *       (halt.c).
 *
 * Userspace writes them for two reasons: to deliver an exception of its
 * own, as the launcher does when an instruction it emulates faults
 * (user/emulate.c), and, with GET, to save a vCPU and restore it.
 *
 * SET refuses with EINVAL what VM entry would refuse ("Checks on VM-Entry
 * Control Fields", "Checks on Guest Non-Register State"), judged against
 * RFLAGS and CR0 as they are when it is called: registers go in first,
 * then the events, as with KVM.  Registers changed afterwards can still
 * make the entry refuse the event; RUN then returns
 * MINIVM_EXIT_FAIL_ENTRY, which concerns the guest only.
 *
 * So GET after any exit, and SET into a new vCPU after its registers,
 * carry a vCPU over without losing a step's #DB or waking it from a HLT.
 * The guest's activity state in the VMCS is always "active" (halt.c), so
 * the halt is minivm's own flag; an injected event ends it, as on a CPU.
 */
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "guest.h"
#include "vmx_ops.h"

#define SHADOWS		(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)
#define DB_PAYLOAD	0xe00fULL	/* DR6's B0-B3, BD, BS, BT */
/*
 * The pending debug exceptions field: B0-B3, bit 12 (an enabled
 * breakpoint among them) and BS; the rest is reserved, or RTM, which
 * minivm does not offer ("Guest Non-Register State").
 */
#define PENDING_DBG	(DR_TRAP_BITS | BIT(12) | DR_STEP)

/* The VMX interruption type of each MINIVM_EVENT_* ("Event Injection"). */
static const u32 event_type[] = {
	[MINIVM_EVENT_EXTINT]		= INTR_TYPE_EXT_INTR,
	[MINIVM_EVENT_NMI]		= INTR_TYPE_NMI_INTR,
	[MINIVM_EVENT_EXCEPTION]	= INTR_TYPE_HARD_EXCEPTION,
	[MINIVM_EVENT_SOFT_INT]		= INTR_TYPE_SOFT_INTR,
	[MINIVM_EVENT_ICEBP]		= INTR_TYPE_PRIV_SW_EXCEPTION,
	[MINIVM_EVENT_SOFT_EXCEPTION]	= INTR_TYPE_SOFT_EXCEPTION,
};

/* Does exception @vector push an error code?  ("Exception and Interrupt Reference") */
static bool has_error_code(u8 vector)
{
	switch (vector) {
	case X86_TRAP_DF: case X86_TRAP_TS: case X86_TRAP_NP:
	case X86_TRAP_SS: case X86_TRAP_GP: case X86_TRAP_PF:
	case X86_TRAP_AC: case X86_TRAP_CP:
		return true;
	}
	return false;
}

static bool software_event(u8 kind)
{
	return kind >= MINIVM_EVENT_SOFT_INT;
}

/**
 * minivm_get_events() - MINIVM_GET_VCPU_EVENTS.
 * @vcpu: the vCPU, attached to this thread, no thread in RUN.
 * @ev:   filled in.
 */
void minivm_get_events(struct minivm_vcpu *vcpu, struct minivm_vcpu_events *ev)
{
	u32 info = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	u8 kind;

	memset(ev, 0, sizeof(*ev));
	if (info & INTR_INFO_VALID_MASK) {
		for (kind = MINIVM_EVENT_EXTINT; kind < ARRAY_SIZE(event_type); kind++)
			if (event_type[kind] == (info & INTR_INFO_INTR_TYPE_MASK))
				ev->injected = kind;
		ev->vector = info & INTR_INFO_VECTOR_MASK;
		ev->has_error_code = !!(info & INTR_INFO_DELIVER_CODE_MASK);
		if (ev->has_error_code)
			ev->error_code = vmcs_read32(VM_ENTRY_EXCEPTION_ERROR_CODE);
		if (software_event(ev->injected))
			ev->instruction_len = vmcs_read32(VM_ENTRY_INSTRUCTION_LEN);
	}
	ev->irq_pending = vcpu->irq_pending;
	ev->irq_vector = vcpu->irq_pending ? vcpu->irq_vector : 0;
	ev->nmi_pending = vcpu->nmi_pending;
	ev->nmi_masked = !!(intr & GUEST_INTR_STATE_NMI);
	ev->shadow = intr & SHADOWS;	/* MINIVM_SHADOW_* are the same bits */
	ev->pending_debug = vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS) & PENDING_DBG;
	ev->halted = vcpu->halted;
}

/*
 * An exception's error code: the ones that push one must have it, in
 * bits 15:0; in real mode none is pushed, and one given is dropped.
 */
static bool error_code_valid(const struct minivm_vcpu_events *ev)
{
	bool pe = vmcs_read(GUEST_CR0) & X86_CR0_PE;

	if (!ev->has_error_code)
		return !ev->error_code && (!pe || !has_error_code(ev->vector));
	return has_error_code(ev->vector) && ev->error_code <= 0xffff;
}

/* Is the event userspace asks the next entry to deliver one it can? */
static bool injection_valid(const struct minivm_vcpu_events *ev)
{
	bool soft = software_event(ev->injected);

	if (ev->injected >= ARRAY_SIZE(event_type))
		return false;
	if (soft != (ev->instruction_len >= 1 && ev->instruction_len <= 15) ||
	    (!soft && ev->instruction_len))
		return false;
	if (ev->has_payload && (ev->injected != MINIVM_EVENT_EXCEPTION ||
				(ev->vector != X86_TRAP_PF &&
				 ev->vector != X86_TRAP_DB) ||
				(ev->vector == X86_TRAP_DB &&
				 ev->payload & ~(u64)DB_PAYLOAD)))
		return false;
	if (ev->injected != MINIVM_EVENT_EXCEPTION &&
	    (ev->has_error_code || ev->error_code))
		return false;
	switch (ev->injected) {
	case MINIVM_EVENT_NONE:
		return !ev->vector;
	case MINIVM_EVENT_NMI:
		return ev->vector == X86_TRAP_NMI;
	case MINIVM_EVENT_EXCEPTION:
		return ev->vector < 32 && ev->vector != X86_TRAP_NMI &&
		       error_code_valid(ev);
	case MINIVM_EVENT_ICEBP:
		return ev->vector == X86_TRAP_DB;
	case MINIVM_EVENT_SOFT_EXCEPTION:
		return ev->vector == X86_TRAP_BP || ev->vector == X86_TRAP_OF;
	}
	return true;			/* an interrupt: any vector */
}

/*
 * Does the whole agree with itself and with the CPU, as entry checks it?
 * An STI shadow needs RFLAGS.IF, the two shadows exclude each other, an
 * external interrupt goes in only outside both and with IF set, an NMI
 * outside both (event.c says why) and not while NMIs are blocked.  NMI
 * state needs virtual NMIs and a queued interrupt the window exits, as
 * MINIVM_NMI and MINIVM_INTERRUPT do.
 */
static bool events_valid(const struct minivm_vcpu_events *ev)
{
	bool iflag = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF;

	if (ev->padding || memchr_inv(ev->reserved, 0, sizeof(ev->reserved)) ||
	    ev->has_payload > 1 || ev->has_error_code > 1 ||
	    ev->irq_pending > 1 || ev->nmi_pending > 1 || ev->nmi_masked > 1 ||
	    (!ev->irq_pending && ev->irq_vector) || !injection_valid(ev))
		return false;
	if ((ev->shadow & ~(u8)SHADOWS) || ev->shadow == SHADOWS ||
	    ((ev->shadow & GUEST_INTR_STATE_STI) && !iflag))
		return false;
	if (ev->injected == MINIVM_EVENT_EXTINT && (ev->shadow || !iflag))
		return false;
	if (ev->injected == MINIVM_EVENT_NMI && (ev->shadow || ev->nmi_masked))
		return false;
	if ((ev->nmi_pending || ev->nmi_masked ||
	     ev->injected == MINIVM_EVENT_NMI) && !minivm_vmcs_has_vnmi())
		return false;
	return !ev->irq_pending ||
	       (minivm_vmcs_window_exits() & CPU_BASED_INTR_WINDOW_EXITING);
}

/*
 * The debug trap and the halt.  Inside a shadow, entry wants BS pending
 * exactly when RFLAGS.TF is set ("Checks on Guest Non-Register State";
 * a minivm guest's IA32_DEBUGCTL.BTF is always 0): SET adds the BS that
 * TF calls for, as the CPU holds it after a real STI, and refuses one
 * without TF.  A vCPU sleeps in a HLT only where halt.c would have put it
 * to sleep (a local APIC, RFLAGS.IF set, TF clear), and right after the
 * HLT nothing is injected, shadowed or due.
 */
static bool activity_valid(const struct minivm_vcpu *vcpu,
			   const struct minivm_vcpu_events *ev)
{
	unsigned long rflags = vmcs_read(GUEST_RFLAGS);

	if ((ev->pending_debug & ~(u64)PENDING_DBG) || ev->halted > 1)
		return false;
	if (ev->shadow && (ev->pending_debug & DR_STEP) &&
	    !(rflags & X86_EFLAGS_TF))
		return false;
	if (!ev->halted)
		return true;
	return vcpu->lapic && (rflags & X86_EFLAGS_IF) &&
	       !(rflags & X86_EFLAGS_TF) && !ev->shadow &&
	       ev->injected == MINIVM_EVENT_NONE && !ev->pending_debug;
}

/*
 * Write the event into the entry field.  An exception goes through the
 * same helpers as minivm's own: RF in the RFLAGS a fault pushes, no error
 * code in real mode, DR6 for a #DB; a #PF's payload is its CR2, loaded
 * before the entry like the guest's own (run.c).
 */
static void inject(struct minivm_vcpu *vcpu, const struct minivm_vcpu_events *ev)
{
	u32 info = ev->vector | event_type[ev->injected] | INTR_INFO_VALID_MASK;

	if (ev->injected == MINIVM_EVENT_NONE) {
		vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
		return;
	}
	if (ev->injected == MINIVM_EVENT_EXCEPTION) {
		if (ev->vector == X86_TRAP_PF && ev->has_payload)
			vcpu->cr2 = ev->payload;
		if (ev->vector == X86_TRAP_DB && ev->has_payload)
			minivm_queue_db(vcpu, ev->payload);
		else
			minivm_inject(ev->vector, ev->has_error_code,
				      ev->error_code);
		return;
	}
	if (software_event(ev->injected))
		vmcs_write(VM_ENTRY_INSTRUCTION_LEN, ev->instruction_len);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
}

/**
 * minivm_set_events() - MINIVM_SET_VCPU_EVENTS: all of it replaced.
 * @vcpu: the vCPU, attached to this thread, no thread in RUN.
 * @ev:   the kernel's copy of what userspace passed.
 *
 * Return: 0, or -EINVAL (nothing changed).
 */
int minivm_set_events(struct minivm_vcpu *vcpu,
		      const struct minivm_vcpu_events *ev)
{
	u64 pending;
	u32 intr;

	if (!events_valid(ev) || !activity_valid(vcpu, ev))
		return -EINVAL;
	intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
	       ~(SHADOWS | GUEST_INTR_STATE_NMI);
	if (ev->nmi_masked)
		intr |= GUEST_INTR_STATE_NMI;
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, intr | ev->shadow);
	pending = ev->pending_debug;
	if (ev->shadow && (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_TF))
		pending |= DR_STEP;	/* activity_valid() says why */
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, pending);
	vcpu->halted = ev->halted;
	vcpu->irq_pending = ev->irq_pending;
	vcpu->irq_vector = ev->irq_vector;
	vcpu->nmi_pending = ev->nmi_pending;
	inject(vcpu, ev);
	return 0;
}

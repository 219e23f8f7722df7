// SPDX-License-Identifier: GPL-2.0
/*
 * run.c - MINIVM_RUN: load the VMCS, enter the guest, handle the exit,
 * and do it again until userspace has something to do.
 *
 * Three things make this more than a loop around vmenter.S:
 *
 * 1. The VMCS must be loaded (VMPTRLD) on the CPU the thread runs on.  The
 *    thread may be preempted and moved at any time; a preempt notifier reloads
 *    the VMCS when the thread is scheduled in again, and if it landed on
 *    another CPU the VMCS is first VMCLEARed on the old one (a VMCS is active
 *    on one CPU at a time: SDM Vol. 3C, "Software Use of Virtual-Machine
 *    Control Structures").
 *
 * 2. VM exit restores only part of the host's state (SDM "Loading Host
 *    State").  The selectors of DS/ES/FS/GS, the LDT, KERNEL_GS_BASE
 *    (which a guest SWAPGS changes), the GDT and TR limits and CR2 are
 *    minivm's to put back.  The segment state is switched lazily: saved once before the
 *    first entry, restored when the thread is scheduled out or RUN
 *    returns, as the kernel needs it then and not before.
 *
 * 3. The guest's FPU, SSE and AVX state is its own: fpu_swap_kvm_fpstate()
 *    makes the guest's buffer the thread's for the whole RUN.  The kernel
 *    saves the registers into it when the thread is preempted or an
 *    interrupt uses the FPU, and minivm loads them again before the next
 *    entry, as the return to user mode would.
 *
 * Just around the entry itself, with interrupts off, come the debug
 * registers (debugreg.c), XCR0 (msr.c), the side-channel mitigations
 * (mitigations.c) and, last, the wait for a local APIC timer that fired
 * ahead of its deadline (lapic_timer.c).  CPUID and the kernel's own
 * hypercalls are answered there too, and the guest entered again without
 * turning interrupts on in between: the fast path, enter_fast().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/preempt.h>
#include <linux/sched/signal.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/mmu_context.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "trace.h"
#include "vmx_ops.h"

/**
 * minivm_vcpu_load() - make @vcpu's VMCS current on this CPU.
 * @vcpu: the vCPU; preemption is off.
 */
void minivm_vcpu_load(struct minivm_vcpu *vcpu)
{
	if (minivm_vmcs_make_current(vcpu))
		minivm_vmcs_set_host_cpu(smp_processor_id());
	minivm_debug_load(vcpu);
}

/* Save the host's segment state and install the guest's switched MSRs. */
static void switch_to_guest(struct minivm_vcpu *vcpu)
{
	struct minivm_host_state *h = &vcpu->host;
	int cpu = smp_processor_id();

	if (h->saved) {
		/* An exit handler changed EFER.SCE or LMA (cr.c). */
		if (unlikely(vcpu->efer_changed))
			minivm_sync_guest_msrs(vcpu);
		return;
	}
	savesegment(ds, h->ds_sel);
	savesegment(es, h->es_sel);
	store_ldt(h->ldt_sel);
	/* Up-to-date FS/GS of this task in current->thread. */
	current_save_fsgs();
	h->fs_sel = current->thread.fsindex;
	h->gs_sel = current->thread.gsindex;
	h->fs_base = current->thread.fsbase;

	/*
	 * Host selectors need RPL 0 and TI 0, else use 0 (SDM "Checks on
	 * Host Segment and Descriptor-Table Registers").
	 */
	vmcs_write(HOST_FS_SELECTOR, (h->fs_sel & 7) ? 0 : h->fs_sel);
	vmcs_write(HOST_GS_SELECTOR, (h->gs_sel & 7) ? 0 : h->gs_sel);
	vmcs_write(HOST_FS_BASE, h->fs_base);
	vmcs_write(HOST_GS_BASE, cpu_kernelmode_gs_base(cpu));
	minivm_load_guest_msrs(vcpu);
	h->saved = true;
}

/**
 * minivm_vcpu_put() - give the host back what VM exits left changed.
 * @vcpu: the vCPU; preemption is off.
 */
void minivm_vcpu_put(struct minivm_vcpu *vcpu)
{
	struct minivm_host_state *h = &vcpu->host;

	if (!h->saved)
		return;
	minivm_load_host_msrs(vcpu);
	if (h->ldt_sel || (h->gs_sel & 7)) {
		asm volatile("lldt %0" : : "rm" (h->ldt_sel));
		/* This loads the user GS base too: the task's goes back after. */
		load_gs_index(h->gs_sel);
		wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	}
	if (h->fs_sel & 7)
		loadsegment(fs, h->fs_sel);
	if (h->ds_sel | h->es_sel) {
		loadsegment(ds, h->ds_sel);
		loadsegment(es, h->es_sel);
	}
	/* VM exit sets the TR limit to 67h; the I/O bitmap lies beyond. */
	invalidate_tss_limit();
	/* VM exit sets the GDT limit to FFFFh; the kernel wants its own. */
	load_fixmap_gdt(smp_processor_id());
	h->saved = false;
}

static void minivm_sched_in(struct preempt_notifier *pn, int cpu)
{
	struct minivm_vcpu *vcpu = container_of(pn, struct minivm_vcpu, preempt);

	vcpu->l1d_dirty = true;		/* another task ran here */
	minivm_vcpu_load(vcpu);
}

static void minivm_sched_out(struct preempt_notifier *pn,
			     struct task_struct *next)
{
	minivm_vcpu_put(container_of(pn, struct minivm_vcpu, preempt));
}

struct preempt_ops minivm_preempt_ops = {
	.sched_in = minivm_sched_in,
	.sched_out = minivm_sched_out,
};

/**
 * minivm_vcpu_attach() - make @vcpu's VMCS current for this thread, from
 * now until minivm_vcpu_detach(), wherever the thread runs.
 * @vcpu: the vCPU; its run_lock is held.
 *
 * The thread stays preemptible and may sleep: the preempt notifier puts
 * the VMCS back on whichever CPU it is scheduled in on.  An ioctl that
 * may sleep (taking the VM's lock to read guest memory, faulting a page
 * in) must use this rather than preempt_disable() around the VMCS work.
 */
void minivm_vcpu_attach(struct minivm_vcpu *vcpu)
{
	preempt_disable();
	preempt_notifier_register(&vcpu->preempt);
	minivm_vcpu_load(vcpu);
	preempt_enable();
}

/**
 * minivm_vcpu_detach() - give the host back its state, and stop
 * following the thread.
 * @vcpu: the vCPU attached by minivm_vcpu_attach().
 */
void minivm_vcpu_detach(struct minivm_vcpu *vcpu)
{
	preempt_disable();
	minivm_vcpu_put(vcpu);
	preempt_notifier_unregister(&vcpu->preempt);
	preempt_enable();
}

/* CR3 and CR4 of the host change with the process and at runtime. */
static void update_host_crs(struct minivm_vcpu *vcpu)
{
	unsigned long cr3 = __get_current_cr3_fast();
	unsigned long cr4 = cr4_read_shadow();

	if (cr3 != vcpu->host.cr3) {
		vmcs_write(HOST_CR3, cr3);
		vcpu->host.cr3 = cr3;
	}
	if (cr4 != vcpu->host.cr4) {
		vmcs_write(HOST_CR4, cr4);
		vcpu->host.cr4 = cr4;
	}
}

/*
 * The tracepoints of an entry (trace.h): its RIP, and the event it
 * delivers, if any.  The VMCS is read only while they are enabled.
 */
static void trace_entry(struct minivm_vcpu *vcpu)
{
	u32 info;

	if (trace_minivm_entry_enabled())
		trace_minivm_entry(vcpu->id, vmcs_read(GUEST_RIP));
	if (!trace_minivm_inject_enabled())
		return;
	info = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
	if (info & INTR_INFO_VALID_MASK)
		trace_minivm_inject(vcpu->id, info,
				    (info & INTR_INFO_DELIVER_CODE_MASK) ?
				    vmcs_read32(VM_ENTRY_EXCEPTION_ERROR_CODE) : 0);
}

/*
 * One entry and exit, with interrupts off from just before the entry to
 * just after the exit.  An external interrupt that caused the exit is
 * still pending in the local APIC and is taken when interrupts come back
 * on; an NMI or a machine check goes to the host's handler before that
 * (exception.c).
 *
 * Return: how the entry went (enum minivm_entry).
 */
static enum minivm_entry enter_guest(struct minivm_vcpu *vcpu)
{
	bool launch = !vcpu->launched;
	enum minivm_entry ret;

	/*
	 * After the reboot notifier's VMXOFF, never touch the VMCS again;
	 * nor enter through a VMCS that is not this vCPU's.
	 */
	if (!minivm_vmx_ready() || !minivm_vmcs_is_current(vcpu))
		return MINIVM_ENTRY_NOT_READY;
	minivm_inject_events(vcpu);
	update_host_crs(vcpu);
	switch_to_guest(vcpu);
	/*
	 * The FPU registers hold the guest's state only if nothing used them
	 * since the last entry: a context switch or a kernel_fpu_begin() in
	 * an interrupt saves them and sets TIF_NEED_FPU_LOAD.  Reload.
	 */
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	minivm_debug_enter(vcpu);
	if (read_cr2() != vcpu->cr2)
		write_cr2(vcpu->cr2);
	minivm_load_guest_xcr0(vcpu);
	trace_entry(vcpu);
	minivm_mitigate_entry(vcpu);
	if (vcpu->lapic)		/* not before its timer's deadline */
		minivm_lapic_timer_wait(vcpu);

	ret = minivm_vmx_enter(&vcpu->gprs, vcpu->launched);

	minivm_mitigate_exit();
	minivm_load_host_xcr0(vcpu);
	vcpu->cr2 = read_cr2();
	minivm_debug_exit(vcpu);
	if (ret != MINIVM_ENTRY_EXITED) {
		/*
		 * VMLAUNCH/VMRESUME refused: the launch state did not change
		 * (the instructions' "Operation" in the SDM).  A failed
		 * VMRESUME leaves the VMCS launched.
		 */
		return ret;
	}
	vcpu->exit_reason = vmcs_read32(VM_EXIT_REASON); /* exit.c reads it */
	/*
	 * An entry that failed after VMLAUNCH was accepted ("VM-Entry
	 * Failures During or After Loading Guest State") leaves the launch
	 * state as it was: still clear after a VMLAUNCH.
	 */
	if (!(launch && (vcpu->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY)))
		vcpu->launched = true;
	if (trace_minivm_exit_enabled()) {
		vcpu->trace.exit_ns = ktime_get_ns();
		vcpu->trace.rip = vmcs_read(GUEST_RIP);
		vcpu->trace.qual = vmcs_read(EXIT_QUALIFICATION);
	}
	minivm_exit_irqoff(vcpu);
	return MINIVM_ENTRY_EXITED;
}

/* The tracepoint of an exit, with the time its handler took (trace.h). */
static void trace_exit(struct minivm_vcpu *vcpu, int handled)
{
	if (trace_minivm_exit_enabled())	/* (0 if enabled just now) */
		trace_minivm_exit(vcpu->id, vcpu->exit_reason,
				  vcpu->trace.qual, vcpu->trace.rip, handled,
				  vcpu->trace.exit_ns ?
				  ktime_get_ns() - vcpu->trace.exit_ns : 0);
}

/*
 * The fast path.  CPUID and the hypercalls the kernel answers take a few
 * dozen instructions to answer, fewer than turning interrupts on and off
 * again and passing the loop's checks: they are answered with interrupts
 * still off (minivm_handle_fast_exit()) and the guest goes straight back
 * in, as KVM does with the exits of its own fast path.
 *
 * On a CPU an interrupt for the host that comes meanwhile makes the next
 * entry exit at once (external-interrupt exiting, SDM Vol. 3C, "Pin-Based
 * VM-Execution Controls"), and that exit leaves the fast path.  Bochs
 * does not exit for an interrupt while the guest runs with IF=0, and the
 * VMX-preemption timer, which bounds each entry (vmcs.c), starts again at
 * every entry: a guest looping on CPUID with interrupts off would hold the
 * host's interrupts off for ever.  So the path also ends after
 * MINIVM_FAST_US microseconds; the host then waits for its interrupts at
 * most that much longer than on the ordinary path.
 */
#define MINIVM_FAST_US	20

/* May the guest go straight back in, or must the loop's checks run? */
static bool stay_fast(struct minivm_vcpu *vcpu, u32 exits, u64 end)
{
	u32 budget = READ_ONCE(vcpu->run->exit_budget);

	/* The exit that spends the budget goes the ordinary way. */
	if (budget && exits + 1 >= budget)
		return false;
	return !need_resched() && !signal_pending(current) &&
	       !READ_ONCE(vcpu->run->immediate_exit) && rdtsc() < end;
}

/*
 * Enter the guest, and again after every exit the fast path answers.
 * Interrupts are off.
 *
 * Return: how the last entry went; if it exited, that exit is still to
 * be handled.
 */
static enum minivm_entry enter_fast(struct minivm_vcpu *vcpu, u32 *exits)
{
	u64 end = rdtsc() + (u64)minivm_caps.tsc_khz * MINIVM_FAST_US / 1000;
	enum minivm_entry how;

	while ((how = enter_guest(vcpu)) == MINIVM_ENTRY_EXITED &&
	       stay_fast(vcpu, *exits, end) && minivm_handle_fast_exit(vcpu)) {
		++*exits;
		trace_exit(vcpu, 1);
	}
	return how;
}

/* A failed VMLAUNCH/VMRESUME: report it to userspace in words (api.rst). */
static void report_vmfail(struct minivm_vcpu *vcpu, enum minivm_entry how)
{
	struct minivm_run *run = vcpu->run;

	run->exit_reason = MINIVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = 0;
	run->fail_entry.qualification = 0;
	/* Only after VMfail is there an error number, in the VMCS. */
	run->fail_entry.vm_instruction_error =
		how == MINIVM_ENTRY_VMFAIL ? vmcs_read32(VM_INSTRUCTION_ERROR) : 0;
}

/* Should RUN return to userspace before the next entry? */
static bool must_return(struct minivm_vcpu *vcpu, int *ret)
{
	if (READ_ONCE(vcpu->run->immediate_exit) || signal_pending(current)) {
		vcpu->run->exit_reason = MINIVM_EXIT_INTR;
		*ret = -EINTR;
		return true;
	}
	return false;
}

/*
 * Has this RUN used up the exits userspace allowed it?  Exits handled in
 * the kernel count, the preemption timer's included, so a budget bounds
 * both the work and (roughly, in milliseconds) the time of one RUN.
 */
static bool budget_spent(struct minivm_vcpu *vcpu, u32 *exits)
{
	u32 budget = READ_ONCE(vcpu->run->exit_budget);

	if (!budget || ++*exits < budget)
		return false;
	vcpu->run->exit_reason = MINIVM_EXIT_BUDGET;
	return true;
}

static int run_loop(struct minivm_vcpu *vcpu)
{
	u32 exits = 0;
	enum minivm_entry how;
	int ret = 0, handled;

	for (;;) {
		if (must_return(vcpu, &ret))
			break;
		if (vcpu->halted && minivm_halt_wait(vcpu)) {
			vcpu->run->exit_reason = MINIVM_EXIT_INTR;
			ret = -EINTR;
			break;
		}
		cond_resched();

		preempt_disable();
		local_irq_disable();
		if (need_resched() || signal_pending(current)) {
			local_irq_enable();
			preempt_enable();
			continue;
		}
		how = enter_fast(vcpu, &exits);
		local_irq_enable();
		preempt_enable();

		if (how != MINIVM_ENTRY_EXITED) {
			report_vmfail(vcpu, how);
			if (how == MINIVM_ENTRY_NOT_READY)
				ret = -EIO;
			break;
		}
		handled = minivm_handle_exit(vcpu);
		trace_exit(vcpu, handled);
		if (!handled || (vcpu->lapic && minivm_lapic_eoi_exit(vcpu)) ||
		    budget_spent(vcpu, &exits))
			break;
	}
	return ret;
}

/**
 * minivm_vcpu_run() - MINIVM_RUN: run the guest until userspace is needed.
 * @vcpu: the vCPU.
 *
 * First the exit that last returned to userspace is completed (an IN or
 * an MMIO read gets its data), then the guest runs.
 *
 * Return: 0 with run->exit_reason saying why (MINIVM_EXIT_BUDGET after
 * run->exit_budget exits, if set); -EINTR on a signal or immediate_exit
 * (exit_reason MINIVM_EXIT_INTR); -EBUSY if another thread is in RUN on
 * this vCPU; -EIO once the host is rebooting (VMX is off); -EFAULT if an
 * INS's memory stopped being RAM.
 */
int minivm_vcpu_run(struct minivm_vcpu *vcpu)
{
	int ret;

	if (!mutex_trylock(&vcpu->run_lock))
		return -EBUSY;

	minivm_vcpu_attach(vcpu);
	rcu_assign_pointer(vcpu->runner, current);	/* minivm_kick() */

	fpu_swap_kvm_fpstate(&vcpu->fpu, true);
	vcpu->l1d_dirty = true;		/* userspace ran since the last entry */
	ret = minivm_complete_userspace_io(vcpu);
	if (!ret)
		ret = run_loop(vcpu);
	else if (ret > 0)	/* straight back with the exit it made */
		ret = 0;
	if (ret != -EIO)	/* -EIO: VMX is off, or the VMCS not ours */
		minivm_report_events(vcpu);
	fpu_swap_kvm_fpstate(&vcpu->fpu, false);
	trace_minivm_userspace_exit(vcpu->id, READ_ONCE(vcpu->run->exit_reason), ret);

	RCU_INIT_POINTER(vcpu->runner, NULL);
	minivm_vcpu_detach(vcpu);

	mutex_unlock(&vcpu->run_lock);
	return ret;
}

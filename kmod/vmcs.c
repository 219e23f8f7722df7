// SPDX-License-Identifier: GPL-2.0
/*
 * vmcs.c - the VMCS: which exits we want, where the host resumes, and on
 * which CPU each VMCS is active.
 *
 * The virtual-machine control structure (SDM Vol. 3C, "Virtual Machine
 * Control Structures") is one 4 KiB region per vCPU with six groups of
 * fields, each written by the file that owns its subject:
 *
 *   - VM-execution controls: what the guest may do before it exits
 *     (the control words here; the exception bitmap in exception.c, the
 *     MSR bitmap in msr.c, the CR0/CR4 masks in cr.c);
 *   - VM-exit controls: what the exit saves and loads (here);
 *   - VM-entry controls: what the entry loads, and the event it injects
 *     (here; IA-32e mode guest in cr.c);
 *   - host-state area: where the CPU resumes the host after an exit
 *     (here, and per process in run.c);
 *   - guest-state area: the guest's registers while it is not running
 *     (regs.c, cr.c, debugreg.c);
 *   - VM-exit information: why it exited (read-only; exit.c reads it).
 *
 * Every control word is chosen once, at load time, by minivm_adjust_ctl()
 * against the capability MSRs (vmx_ctl.h).  Each field written below says
 * why, with the title of its SDM section.  SDM section numbers, where
 * given, are those of the edition named in Documentation/minivm/design.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "guest.h"
#include "vmx_ctl.h"
#include "vmx_ops.h"

/* The secondary controls of APIC virtualization (lapic_virt.c). */
#define APICV_CONTROLS	(SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY |	\
			 SECONDARY_EXEC_APIC_REGISTER_VIRT |		\
			 SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE |	\
			 SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES)

/* The control words every VMCS gets, chosen by minivm_vmcs_config(). */
static struct {
	u32 pin, proc, proc2, exit, entry;
	u32 window;		/* the window exits the CPU has (event.c) */
	const char *missing;	/* set when a required control is absent */
} ctl;

/* One control word, or a note of what the CPU lacks. */
static u32 choose(const char *name, u32 required, u32 optional, u64 cap)
{
	struct minivm_ctl_result r = minivm_adjust_ctl(required, optional, cap);

	if (r.missing) {
		pr_err("the CPU lacks required %s controls %#x\n", name,
		       r.missing);
		ctl.missing = name;
	}
	return r.value;
}

/**
 * minivm_vmcs_config() - choose the control words, once, at load time.
 *
 * Return: 0, or -EOPNOTSUPP if the CPU lacks a control minivm needs; the
 * module still loads, but VM creation fails with that errno.
 */
int minivm_vmcs_config(void)
{
	const struct minivm_vmx_caps *c = &minivm_caps;
	u32 window;

	/*
	 * Pin-based (SDM "Pin-Based VM-Execution Controls"): external
	 * interrupts and NMIs always exit, so the host keeps its interrupts and
	 * NMIs while a guest runs.  The VMX-preemption timer, where the CPU has
	 * it, bounds every entry (run.c), so even a guest spinning with
	 * interrupts off comes back.  Virtual NMIs, where the CPU has them, let
	 * the guest's own NMIs be blocked until its IRET as on real hardware,
	 * and give NMI-window exiting (event.c; "Virtual NMIs" in the SDM).
	 */
	ctl.pin = choose("pin-based", PIN_BASED_EXT_INTR_MASK |
			 PIN_BASED_NMI_EXITING, PIN_BASED_VMX_PREEMPTION_TIMER |
			 PIN_BASED_VIRTUAL_NMIS, c->pinbased_ctls);

	/*
	 * Primary processor-based (SDM "Processor-Based VM-Execution
	 * Controls"): exit on HLT (the guest is idle; userspace decides), on
	 * every I/O instruction (no I/O bitmaps: all ports go to userspace), on
	 * MONITOR/MWAIT (the guest must not sleep the physical CPU) and on
	 * RDPMC (no host counter leaks: the guest gets #GP, exit.c).
	 * RDMSR/WRMSR exit as the MSR bitmap says (msr.c): all but a few.  MOV
	 * CR8 exits both ways: without a TPR shadow it would reach the physical
	 * APIC's TPR (cr.c).  A vCPU with a local APIC uses the CPU's TPR
	 * shadow instead where there is one (lapic_access.c): chosen here,
	 * turned on per vCPU.  MOV DR exits: DR0-3 and DR6 hold the host's
	 * values while the guest runs (debugreg.c).  Where the CPU has TSC
	 * offsetting, the guest's TSC is the host's plus an offset (msr.c):
	 * RDTSC, RDTSCP and RDMSR of the TSC add it without an exit.
	 */
	ctl.proc = choose("processor-based", CPU_BASED_HLT_EXITING |
			  CPU_BASED_UNCOND_IO_EXITING |
			  CPU_BASED_MWAIT_EXITING | CPU_BASED_MONITOR_EXITING |
			  CPU_BASED_RDPMC_EXITING | CPU_BASED_USE_MSR_BITMAPS |
			  CPU_BASED_CR8_LOAD_EXITING |
			  CPU_BASED_CR8_STORE_EXITING |
			  CPU_BASED_MOV_DR_EXITING |
			  CPU_BASED_ACTIVATE_SECONDARY_CONTROLS,
			  CPU_BASED_USE_TSC_OFFSETTING | CPU_BASED_TPR_SHADOW,
			  c->procbased_ctls);

	/*
	 * Secondary (same section): EPT for guest memory, and unrestricted
	 * guest so that real mode and unpaged protected mode run natively.
	 * VPID keeps TLB entries across exits; RDTSCP and INVPCID would #UD
	 * in the guest without their enable bits.  WBINVD exits, so that a
	 * guest cannot flush the host's caches in a loop.  The APIC
	 * virtualization controls (lapic_virt.c) are chosen here and turned
	 * on per vCPU; they all need the TPR shadow ("Checks on VM-Execution
	 * Control Fields"), so without it they are dropped.  PAUSE-loop
	 * exiting ends a guest's spin loop that lasts longer than PLE_WINDOW
	 * (see minivm_vmcs_setup()): the host gets its CPU back.
	 */
	ctl.proc2 = choose("secondary processor-based",
			   SECONDARY_EXEC_ENABLE_EPT |
			   SECONDARY_EXEC_UNRESTRICTED_GUEST,
			   SECONDARY_EXEC_PAUSE_LOOP_EXITING |
			   SECONDARY_EXEC_ENABLE_VPID |
			   SECONDARY_EXEC_WBINVD_EXITING |
			   SECONDARY_EXEC_ENABLE_RDTSCP |
			   SECONDARY_EXEC_ENABLE_INVPCID | APICV_CONTROLS,
			   c->procbased_ctls2);
	if (!(ctl.proc & CPU_BASED_TPR_SHADOW))
		ctl.proc2 &= ~APICV_CONTROLS;

	/*
	 * VM-exit (SDM "VM-Exit Controls"): return to a 64-bit host, and switch
	 * EFER and PAT, saving the guest's values for the next entry.  Save the
	 * guest's DR7 and DEBUGCTL: "save debug controls" is a default1 control
	 * that the TRUE capability MSRs may let go to 0, and then the guest's
	 * would be lost at every exit.
	 */
	ctl.exit = choose("VM-exit", VM_EXIT_HOST_ADDR_SPACE_SIZE |
			  VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER |
			  VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT |
			  VM_EXIT_SAVE_DEBUG_CONTROLS, 0, c->exit_ctls);

	/*
	 * VM-entry (SDM "VM-Entry Controls"): load the guest's EFER and PAT,
	 * and its DR7 and DEBUGCTL ("load debug controls"), so that it never
	 * runs with the host's.
	 */
	ctl.entry = choose("VM-entry", VM_ENTRY_LOAD_IA32_EFER |
			   VM_ENTRY_LOAD_IA32_PAT | VM_ENTRY_LOAD_DEBUG_CONTROLS,
			   0, c->entry_ctls);

	/*
	 * Interrupt-window and NMI-window exiting are turned on only while
	 * an event waits for the guest to be able to take it (event.c):
	 * here, only which of them the CPU has.
	 */
	window = CPU_BASED_INTR_WINDOW_EXITING;
	if (ctl.pin & PIN_BASED_VIRTUAL_NMIS)
		window |= CPU_BASED_NMI_WINDOW_EXITING;
	ctl.window = minivm_adjust_ctl(0, window, c->procbased_ctls).value &
		     window;

	return ctl.missing ? -EOPNOTSUPP : 0;
}

/**
 * minivm_vmcs_alloc() - a zeroed VMCS region stamped with the revision id.
 *
 * Return: the region, or NULL.
 */
void *minivm_vmcs_alloc(void)
{
	struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	void *vmcs;

	if (!page)
		return NULL;
	vmcs = page_address(page);
	/*
	 * SDM "Format of the VMCS Region": bits 30:0 of the first word hold the
	 * revision id.
	 */
	*(u32 *)vmcs = minivm_caps.vmcs_revision_id;
	return vmcs;
}

void minivm_vmcs_free(void *vmcs)
{
	free_page((unsigned long)vmcs);
}

/*
 * Where each VMCS is active.  A VMCS is "active" on the CPU that last did
 * VMPTRLD on it, and that CPU may keep parts of it cached (SDM Vol. 3C,
 * "Software Use of Virtual-Machine Control Structures").  VMCLEAR writes
 * it back to memory and makes it inactive; it must happen on that same
 * CPU before the VMCS is loaded elsewhere, freed, or the CPU leaves VMX.
 * Each CPU keeps a list of the vCPUs active on it, and which one is
 * current (the one VMREAD and VMWRITE reach); interrupts are off whenever
 * the list changes, and only that CPU changes it.
 */
struct vmcs_here {
	struct list_head active;	/* vCPUs whose VMCS is active here */
	struct minivm_vcpu *cur;	/* whose VMCS is current here */
};

static DEFINE_PER_CPU(struct vmcs_here, vmcs_here);

/** minivm_vmcs_init() - no VMCS is active anywhere yet (module load). */
void minivm_vmcs_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(&per_cpu_ptr(&vmcs_here, cpu)->active);
}

static void vmcs_clear_here(struct minivm_vcpu *vcpu)
{
	vmx_vmclear(__pa(vcpu->vmcs));
	/* VMCLEAR of the current VMCS leaves none current ("VMCLEAR"). */
	if (this_cpu_read(vmcs_here.cur) == vcpu)
		this_cpu_write(vmcs_here.cur, NULL);
	list_del(&vcpu->loaded_link);
	/* Other CPUs read these; publish them after the list change. */
	smp_wmb();
	WRITE_ONCE(vcpu->launched, false);
	WRITE_ONCE(vcpu->cpu, -1);
}

/**
 * minivm_vmcs_writeback_all_here() - write back every VMCS active on this
 * CPU, for a crash dump to hold their current contents.
 *
 * NMI context on a CPU being stopped, VMX on (vmx_emergency.c): nothing
 * is locked or changed, the list is only read, and each VMCLEAR has an
 * exception-table entry should VMX be off after all.
 */
void minivm_vmcs_writeback_all_here(void)
{
	struct minivm_vcpu *vcpu;

	list_for_each_entry(vcpu, this_cpu_ptr(&vmcs_here.active), loaded_link)
		vmx_vmclear(__pa(vcpu->vmcs));
}

static void vmcs_clear_ipi(void *info)
{
	struct minivm_vcpu *vcpu = info;

	if (vcpu->cpu == smp_processor_id())
		vmcs_clear_here(vcpu);
}

/**
 * minivm_vmcs_clear() - VMCLEAR a vCPU's VMCS on the CPU it is active on.
 * @vcpu: the vCPU; nobody may be loading it meanwhile (its run_lock or
 *        its last reference is held, or preemption is off in its thread).
 */
void minivm_vmcs_clear(struct minivm_vcpu *vcpu)
{
	int cpu = READ_ONCE(vcpu->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmcs_clear_ipi, vcpu, 1);
}

/**
 * minivm_vmcs_make_current() - VMPTRLD @vcpu's VMCS on this CPU, after
 * VMCLEARing it on the CPU where it was active before.
 * @vcpu: the vCPU; preemption is off.
 *
 * Return: true if the VMCS just became active on this CPU (it was
 * VMCLEARed, or new), so its per-CPU host fields need writing.
 */
bool minivm_vmcs_make_current(struct minivm_vcpu *vcpu)
{
	struct vmcs_here *c = this_cpu_ptr(&vmcs_here);
	int cpu = smp_processor_id();
	unsigned long flags;

	if (vcpu->cpu == cpu) {
		if (c->cur != vcpu && !vmx_vmptrld(__pa(vcpu->vmcs))) {
			c->cur = vcpu;
			minivm_mitigate_vmcs_switch();
		}
		return false;
	}
	/* Active elsewhere: write it back there first. */
	minivm_vmcs_clear(vcpu);
	if (vmx_vmptrld(__pa(vcpu->vmcs)))
		return false;		/* VMX is off here: entry will see it */
	minivm_mitigate_vmcs_switch();
	local_irq_save(flags);
	list_add(&vcpu->loaded_link, &c->active);
	vcpu->cpu = cpu;
	c->cur = vcpu;
	local_irq_restore(flags);
	/*
	 * This CPU may still hold translations tagged with the vCPU's VPID
	 * from an earlier stay here, older than INVLPGs the guest has since
	 * done elsewhere: drop them.
	 */
	minivm_flush_guest_tlb(vcpu);
	return true;
}

/**
 * minivm_vmcs_clear_all_here() - VMCLEAR every VMCS active on this CPU,
 * which is about to leave VMX operation.  Interrupts off.
 */
void minivm_vmcs_clear_all_here(void)
{
	struct minivm_vcpu *vcpu, *tmp;

	list_for_each_entry_safe(vcpu, tmp, this_cpu_ptr(&vmcs_here.active),
				 loaded_link)
		vmcs_clear_here(vcpu);
}

/**
 * minivm_vmcs_is_current() - is @vcpu's VMCS the current one here?  False
 * when its VMPTRLD failed.  Preemption off.
 * @vcpu: the vCPU about to enter.
 */
bool minivm_vmcs_is_current(struct minivm_vcpu *vcpu)
{
	return this_cpu_read(vmcs_here.cur) == vcpu;
}

/*
 * Host state that is the same on every CPU (SDM "Host-State Area" and "Checks
 * on Host Control Registers, MSRs, and SSP").  The per-CPU part (TR, GDT,
 * SYSENTER stack) is minivm_vmcs_set_host_cpu(), the per-process part (CR3,
 * FS/GS) is written by run.c before entry.
 */
static void setup_host_state(void)
{
	struct desc_ptr idt;
	u64 v;

	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CR4, cr4_read_shadow());	/* updated per entry */
	vmcs_write(HOST_CR3, __read_cr3());		/* updated per entry */

	/*
	 * Selectors with RPL 0 and TI 0 ("Checks on Host Segment and
	 * Descriptor-Table Registers"); FS/GS are fixed in run.c.
	 * DS and ES are null, as the 64-bit kernel does not use them and a
	 * 64-bit VMM usually has them null too: run.c then has nothing to
	 * restore, and a VMM never returns to user mode with a kernel
	 * selector in DS or ES.
	 */
	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);

	store_idt(&idt);				/* same on all CPUs */
	vmcs_write(HOST_IDTR_BASE, idt.address);

	/* Where the exit lands; HOST_RSP is set by vmenter.S each time. */
	vmcs_write(HOST_RIP, (unsigned long)minivm_vmx_exit);

	/* SYSENTER, and the EFER and PAT that exits reload. */
	rdmsrl(MSR_IA32_SYSENTER_CS, v);
	vmcs_write(HOST_IA32_SYSENTER_CS, (u32)v);
	rdmsrl(MSR_IA32_SYSENTER_EIP, v);
	vmcs_write(HOST_IA32_SYSENTER_EIP, v);
	rdmsrl(MSR_EFER, v);
	vmcs_write(HOST_IA32_EFER, v);
	rdmsrl(MSR_IA32_CR_PAT, v);
	vmcs_write(HOST_IA32_PAT, v);
}

/**
 * minivm_vmcs_set_host_cpu() - the host state that differs between CPUs.
 * @cpu: the CPU the current VMCS was just loaded on.
 */
void minivm_vmcs_set_host_cpu(int cpu)
{
	/* Each CPU has its own TSS and (read-only) GDT mapping. */
	vmcs_write(HOST_TR_BASE,
		   (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	vmcs_write(HOST_GDTR_BASE, (unsigned long)get_current_gdt_ro());
	/* The SYSENTER stack is the CPU's entry stack. */
	vmcs_write(HOST_IA32_SYSENTER_ESP,
		   (unsigned long)(cpu_entry_stack(cpu) + 1));
}

/*
 * The longest a guest runs without an exit: one millisecond, in units of the
 * VMX-preemption timer, which counts down at the TSC rate divided by
 * 2^VMX_MISC[4:0] (SDM Vol. 3C, "VMX-Preemption Timer").  External interrupts
 * exit anyway on real hardware; the timer makes sure of it (some emulators do
 * not exit for interrupts while the guest has them masked), and gives signals
 * and need_resched() a bounded latency.
 *
 * The value is written once: with "save VMX-preemption timer value" off,
 * VM exit leaves the field alone and every entry starts the timer from it
 * again, so no entry needs a VMWRITE for it.
 */
#define MINIVM_SLICE_US	1000

#define MINIVM_PLE_GAP		128
#define MINIVM_PLE_WINDOW	4096

static u32 preemption_slice(void)
{
	u64 ticks = (u64)minivm_caps.tsc_khz * MINIVM_SLICE_US / 1000;

	return max_t(u64, ticks >> minivm_caps.preemption_timer_shift, 1);
}

/**
 * minivm_vmcs_setup() - fill the current VMCS of a new vCPU.
 * @vcpu: the vCPU; its VMCS is loaded on this CPU (minivm_vcpu_load()).
 */
void minivm_vmcs_setup(struct minivm_vcpu *vcpu)
{
	/*
	 * The control words chosen at load time ("VM-Execution Control
	 * Fields", "VM-Exit Control Fields", "VM-Entry Control Fields").
	 */
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, ctl.pin);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, ctl.proc & ~CPU_BASED_TPR_SHADOW);
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, ctl.proc2 & ~APICV_CONTROLS);
	vmcs_write(VM_EXIT_CONTROLS, ctl.exit);
	vmcs_write(VM_ENTRY_CONTROLS, ctl.entry);

	/*
	 * No CR3-target values ("CR3-Target Controls"): every MOV to CR3
	 * that exits at all exits.  No MSR lists ("VM-Exit Controls for
	 * MSRs", "VM-Entry Controls for MSRs"): the MSRs minivm switches,
	 * it switches itself (msr.c), outside the entry's critical path.
	 */
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	/*
	 * No event to inject on the first entry ("VM-Entry Controls for
	 * Event Injection"): the valid bit is 0.
	 */
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);

	/*
	 * A spin loop is PAUSEs at most PLE_GAP TSC ticks apart; the one
	 * that has lasted PLE_WINDOW ticks exits ("PAUSE-Loop Exiting").
	 * KVM's default values: a loop of a few microseconds is a lock
	 * about to be released, a longer one waits for something that
	 * needs the host (another vCPU, an interrupt).
	 */
	if (ctl.proc2 & SECONDARY_EXEC_PAUSE_LOOP_EXITING) {
		vmcs_write(PLE_GAP, MINIVM_PLE_GAP);
		vmcs_write(PLE_WINDOW, MINIVM_PLE_WINDOW);
	}

	/* How long an entry may last (see preemption_slice()). */
	if (ctl.pin & PIN_BASED_VMX_PREEMPTION_TIMER)
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, preemption_slice());

	/*
	 * The VM's EPT tree ("Extended-Page-Table Pointer (EPTP)") and this
	 * vCPU's VPID ("Virtual-Processor Identifier (VPID)").
	 */
	vmcs_write(EPT_POINTER, vcpu->vm->ept.eptp);
	if (vcpu->vpid)
		vmcs_write(VIRTUAL_PROCESSOR_ID, vcpu->vpid);
	else	/* none left (vcpu.c): VPID 0 is refused by entry, go without */
		vmcs_write(SECONDARY_VM_EXEC_CONTROL, ctl.proc2 &
			   ~(SECONDARY_EXEC_ENABLE_VPID | APICV_CONTROLS));

	/*
	 * No shadow VMCS: the link pointer must be all ones, or entry fails
	 * ("Checks on Guest Non-Register State").
	 */
	vmcs_write(VMCS_LINK_POINTER, -1ULL);

	setup_host_state();
}

/** minivm_vmcs_missing() - what required control the CPU lacks, or NULL. */
const char *minivm_vmcs_missing(void)
{
	return ctl.missing;
}

/** minivm_vmcs_window_exits() - the window-exiting controls there are. */
u32 minivm_vmcs_window_exits(void)
{
	return ctl.window;
}

/** minivm_vmcs_has_vnmi() - does the guest get virtual NMIs? */
bool minivm_vmcs_has_vnmi(void)
{
	return ctl.pin & PIN_BASED_VIRTUAL_NMIS;
}

/** minivm_vmcs_has_tsc_offset() - does the guest's TSC have an offset? */
bool minivm_vmcs_has_tsc_offset(void)
{
	return ctl.proc & CPU_BASED_USE_TSC_OFFSETTING;
}

/** minivm_vmcs_has_tpr_shadow() - may a vCPU use the TPR shadow? */
bool minivm_vmcs_has_tpr_shadow(void)
{
	return ctl.proc & CPU_BASED_TPR_SHADOW;
}

/** minivm_vmcs_has_vpid() - are VPIDs in use? */
bool minivm_vmcs_has_vpid(void)
{
	return ctl.proc2 & SECONDARY_EXEC_ENABLE_VPID;
}

/**
 * minivm_vmcs_apicv_controls() - the APIC virtualization controls the
 * CPU has (SECONDARY_EXEC_*): none without the TPR shadow.
 */
u32 minivm_vmcs_apicv_controls(void)
{
	return ctl.proc2 & APICV_CONTROLS;
}

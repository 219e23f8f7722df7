// SPDX-License-Identifier: GPL-2.0
/*
 * vmcs.c - the VMCS: which exits we want, where the host resumes, and the
 * state a new vCPU starts in.
 *
 * The virtual-machine control structure (SDM Vol. 3C, chapter 25) is one
 * 4 KiB region per vCPU with six groups of fields:
 *
 *   - VM-execution controls: what the guest may do before it exits;
 *   - VM-exit and VM-entry controls: what the switch itself loads and saves;
 *   - host-state area: where the CPU resumes the host after an exit;
 *   - guest-state area: the guest's registers while it is not running;
 *   - VM-exit information: why it exited (read in exit.c).
 *
 * Every control word is chosen once, at load time, by minivm_adjust_ctl()
 * against the capability MSRs (vmx_ctl.h).  Each field written below says
 * why, with its SDM section.
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
#include "vmx_ctl.h"
#include "vmx_ops.h"

/* The control words every VMCS gets, chosen by minivm_vmcs_config(). */
static struct {
	u32 pin, proc, proc2, exit, entry;
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

	/*
	 * Pin-based (SDM 25.6.1): external interrupts and NMIs always exit,
	 * so the host keeps its interrupts and NMIs while a guest runs.  The
	 * VMX-preemption timer, where the CPU has it, bounds every entry
	 * (run.c), so even a guest spinning with interrupts off comes back.
	 */
	ctl.pin = choose("pin-based", PIN_BASED_EXT_INTR_MASK |
			 PIN_BASED_NMI_EXITING, PIN_BASED_VMX_PREEMPTION_TIMER,
			 c->pinbased_ctls);

	/*
	 * Primary processor-based (SDM 25.6.2): exit on HLT (the guest is
	 * idle; userspace decides), on every I/O instruction (no I/O bitmaps:
	 * all ports go to userspace), on MONITOR/MWAIT (the guest must not
	 * sleep the physical CPU) and on RDPMC (no host counter leaks).
	 * RDMSR/WRMSR exit as the MSR bitmap says (msr.c): all but a few.
	 * MOV CR8 exits both ways: without a TPR shadow it would reach the
	 * physical APIC's TPR (cr.c).  MOV DR exits: DR0-3 and DR6 hold the
	 * host's values while the guest runs (debugreg.c).
	 */
	ctl.proc = choose("processor-based", CPU_BASED_HLT_EXITING |
			  CPU_BASED_UNCOND_IO_EXITING |
			  CPU_BASED_MWAIT_EXITING | CPU_BASED_MONITOR_EXITING |
			  CPU_BASED_RDPMC_EXITING | CPU_BASED_USE_MSR_BITMAPS |
			  CPU_BASED_CR8_LOAD_EXITING |
			  CPU_BASED_CR8_STORE_EXITING |
			  CPU_BASED_MOV_DR_EXITING |
			  CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, 0,
			  c->procbased_ctls);

	/*
	 * Secondary (SDM 25.6.2): EPT for guest memory, and unrestricted
	 * guest so that real mode and unpaged protected mode run natively.
	 * VPID keeps TLB entries across exits; RDTSCP and INVPCID would #UD
	 * in the guest without their enable bits.  WBINVD exits, so that a
	 * guest cannot flush the host's caches in a loop.
	 */
	ctl.proc2 = choose("secondary processor-based",
			   SECONDARY_EXEC_ENABLE_EPT |
			   SECONDARY_EXEC_UNRESTRICTED_GUEST,
			   SECONDARY_EXEC_ENABLE_VPID |
			   SECONDARY_EXEC_WBINVD_EXITING |
			   SECONDARY_EXEC_ENABLE_RDTSCP |
			   SECONDARY_EXEC_ENABLE_INVPCID, c->procbased_ctls2);

	/*
	 * VM-exit (SDM 25.7.1): return to a 64-bit host, and switch EFER
	 * and PAT, saving the guest's values for the next entry.  Save the
	 * guest's DR7 and DEBUGCTL: "save debug controls" is a default1
	 * control that the TRUE capability MSRs may let go to 0, and then
	 * the guest's would be lost at every exit.
	 */
	ctl.exit = choose("VM-exit", VM_EXIT_HOST_ADDR_SPACE_SIZE |
			  VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER |
			  VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT |
			  VM_EXIT_SAVE_DEBUG_CONTROLS, 0, c->exit_ctls);

	/*
	 * VM-entry (SDM 25.8.1): load the guest's EFER and PAT, and its DR7
	 * and DEBUGCTL ("load debug controls"), so that it never runs with
	 * the host's.
	 */
	ctl.entry = choose("VM-entry", VM_ENTRY_LOAD_IA32_EFER |
			   VM_ENTRY_LOAD_IA32_PAT | VM_ENTRY_LOAD_DEBUG_CONTROLS,
			   0, c->entry_ctls);

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
	/* SDM 25.2: bits 30:0 of the first word hold the revision id. */
	*(u32 *)vmcs = minivm_caps.vmcs_revision_id;
	return vmcs;
}

void minivm_vmcs_free(void *vmcs)
{
	free_page((unsigned long)vmcs);
}

/*
 * Host state that is the same on every CPU (SDM 25.5, 27.2.2).  The
 * per-CPU part (TR, GDT, SYSENTER stack) is minivm_vmcs_set_host_cpu(),
 * the per-process part (CR3, FS/GS) is written by run.c before entry.
 */
static void setup_host_state(void)
{
	struct desc_ptr idt;
	u64 v;

	vmcs_write(HOST_CR0, read_cr0());		/* 25.5.1 */
	vmcs_write(HOST_CR4, cr4_read_shadow());	/* updated per entry */
	vmcs_write(HOST_CR3, __read_cr3());		/* updated per entry */

	/*
	 * 25.5.2: selectors with RPL 0 and TI 0; FS/GS are fixed in run.c.
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

	/* 25.5.3: SYSENTER, and the EFER and PAT that exits reload. */
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
	/* 25.5.2: each CPU has its own TSS and (read-only) GDT mapping. */
	vmcs_write(HOST_TR_BASE,
		   (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	vmcs_write(HOST_GDTR_BASE, (unsigned long)get_current_gdt_ro());
	/* 25.5.3: the SYSENTER stack is the CPU's entry stack. */
	vmcs_write(HOST_IA32_SYSENTER_ESP,
		   (unsigned long)(cpu_entry_stack(cpu) + 1));
}

/* A segment in the VMCS: selector, base, limit, access rights (25.4.1). */
static void write_segment(u32 sel_field, u16 sel, u64 base, u32 limit, u32 ar)
{
	/* GUEST_xS_SELECTOR, _LIMIT, _AR_BYTES and _BASE are laid out alike. */
	u32 n = (sel_field - GUEST_ES_SELECTOR) / 2;

	vmcs_write(sel_field, sel);
	vmcs_write(GUEST_ES_BASE + n * 2, base);
	vmcs_write(GUEST_ES_LIMIT + n * 2, limit);
	vmcs_write(GUEST_ES_AR_BYTES + n * 2, ar);
}

/*
 * The guest starts as a CPU does after RESET (SDM Vol. 3A, 10.1.1, Table
 * 10-1): real mode, CS:IP = F000:FFF0 with CS.base = FFFF0000, every
 * other segment at 0 with a 64 KiB limit.  Unrestricted guest lets it run
 * in real mode as it is.
 */
static void setup_guest_reset_state(struct minivm_vcpu *vcpu)
{
	u32 data = 0x93, code = 0x9b;	/* present, S, RW data / RX code */
	u16 seg;

	write_segment(GUEST_CS_SELECTOR, 0xf000, 0xffff0000, 0xffff, code);
	for (seg = GUEST_ES_SELECTOR; seg <= GUEST_GS_SELECTOR; seg += 2)
		if (seg != GUEST_CS_SELECTOR)
			write_segment(seg, 0, 0, 0xffff, data);
	/* LDTR: present LDT; TR: busy 16-bit TSS, as entry requires (26.3.1.2) */
	write_segment(GUEST_LDTR_SELECTOR, 0, 0, 0xffff, 0x82);
	write_segment(GUEST_TR_SELECTOR, 0, 0, 0xffff, 0x83);
	vmcs_write(GUEST_GDTR_BASE, 0);
	vmcs_write(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_IDTR_BASE, 0);
	vmcs_write(GUEST_IDTR_LIMIT, 0xffff);

	vmcs_write(GUEST_RIP, 0xfff0);
	vmcs_write(GUEST_RSP, 0);
	vmcs_write(GUEST_RFLAGS, X86_EFLAGS_FIXED);

	/*
	 * CR0 = 60000010h after RESET.  The guest sees that (read shadow),
	 * but VMX operation needs NE set (CR0_FIXED0), and minivm keeps the
	 * caches on (CD/NW clear): those three bits are host-owned, so a
	 * guest write to them exits and exit.c updates the shadow.
	 */
	vcpu->cr0_shadow = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	vcpu->cr4_shadow = 0;
	vmcs_write(CR0_GUEST_HOST_MASK, MINIVM_CR0_HOST_OWNED);
	vmcs_write(CR0_READ_SHADOW, vcpu->cr0_shadow);
	vmcs_write(GUEST_CR0, X86_CR0_ET | X86_CR0_NE);
	/*
	 * CR4.VMXE must be 1 in VMX operation; the guest must not see it.
	 * CR4.OSXSAVE is watched: it says when the guest's XCR0 counts.
	 * Every feature bit the guest does not have exits too (cr.c).
	 */
	vmcs_write(CR4_GUEST_HOST_MASK, minivm_cr4_host_owned());
	vmcs_write(CR4_READ_SHADOW, 0);
	vmcs_write(GUEST_CR4, X86_CR4_VMXE);
	vmcs_write(GUEST_CR3, 0);
	vmcs_write(GUEST_IA32_EFER, 0);
	vmcs_write(GUEST_IA32_PAT, 0x0007040600070406ULL);	/* the reset PAT */

	minivm_debug_reset(vcpu);		/* DR0-7, DEBUGCTL */
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);

	/* EDX holds the processor signature after RESET. */
	vcpu->gprs.rdx = 0x600;
}

/*
 * The longest a guest runs without an exit: one millisecond, in units of
 * the VMX-preemption timer, which counts down at the TSC rate divided by
 * 2^VMX_MISC[4:0] (SDM Vol. 3C, 26.5.1).  External interrupts exit anyway
 * on real hardware; the timer makes sure of it (some emulators do not
 * exit for interrupts while the guest has them masked), and gives
 * signals and need_resched() a bounded latency.
 *
 * The value is written once: with "save VMX-preemption timer value" off,
 * VM exit leaves the field alone and every entry starts the timer from it
 * again (SDM 26.5.1), so no entry needs a VMWRITE for it.
 */
#define MINIVM_SLICE_US	1000

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
	/* 25.6: the execution controls chosen at load time. */
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, ctl.pin);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, ctl.proc);
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, ctl.proc2);
	vmcs_write(VM_EXIT_CONTROLS, ctl.exit);
	vmcs_write(VM_ENTRY_CONTROLS, ctl.entry);

	/* 25.6.3: #DB, #AC and #MC exit, for the host's sake (exception.c). */
	vmcs_write(EXCEPTION_BITMAP, minivm_exception_bitmap());
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	/* 25.6.7: no CR3-target values; 25.7.2/25.8.2: no MSR lists. */
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);

	/* 25.6.1: how long an entry may last (see preemption_slice()). */
	if (ctl.pin & PIN_BASED_VMX_PREEMPTION_TIMER)
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, preemption_slice());

	/* 25.6.9: which RDMSR/WRMSR exit (msr.c). */
	vmcs_write(MSR_BITMAP, minivm_msr_bitmap_pa());

	/* 25.6.11: the VM's EPT tree; 25.6.12: this vCPU's VPID. */
	vmcs_write(EPT_POINTER, vcpu->vm->ept.eptp);
	if (vcpu->vpid)
		vmcs_write(VIRTUAL_PROCESSOR_ID, vcpu->vpid);
	else	/* none left (vcpu.c): VPID 0 is refused by entry, go without */
		vmcs_write(SECONDARY_VM_EXEC_CONTROL,
			   ctl.proc2 & ~SECONDARY_EXEC_ENABLE_VPID);

	/* 25.4.2: no shadow VMCS; the link pointer must be all ones. */
	vmcs_write(VMCS_LINK_POINTER, -1ULL);

	setup_host_state();
	setup_guest_reset_state(vcpu);
}

/** minivm_vmcs_missing() - what required control the CPU lacks, or NULL. */
const char *minivm_vmcs_missing(void)
{
	return ctl.missing;
}

/** minivm_vmcs_has_vpid() - are VPIDs in use? */
bool minivm_vmcs_has_vpid(void)
{
	return ctl.proc2 & SECONDARY_EXEC_ENABLE_VPID;
}

/**
 * minivm_vmx_insn_failed() - report a VMX instruction that failed.
 * @insn: its name.
 * @arg1: its first operand (a field encoding or an address).
 * @arg2: its second operand, or 0.
 *
 * A failed VMREAD/VMWRITE is a minivm bug or a VMCS that is not current;
 * the callers carry on with a defined value, and the next VM entry fails
 * cleanly if the VMCS is bad.  Rate-limited: a guest cannot flood the log.
 */
void minivm_vmx_insn_failed(const char *insn, u64 arg1, u64 arg2)
{
	pr_err_ratelimited("%s failed (%#llx, %#llx)\n", insn, arg1, arg2);
}

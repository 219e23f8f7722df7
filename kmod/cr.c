// SPDX-License-Identifier: GPL-2.0
/*
 * cr.c - the guest's control registers: CR0, CR3, CR4, CR8, and the
 * paging mode they select.
 *
 * Most of CR0 and CR4 belongs to the guest: a MOV to them changes the real
 * register without an exit.  The bits in the guest/host masks do exit
 * (SDM Vol. 3C, "Guest/Host Masks and Read Shadows for CR0 and CR4"):
 *
 *   CR0.NE, CD, NW   VMX needs NE set and minivm keeps caching on, so the
 *                    guest sees what it wrote (the read shadow) instead
 *   CR4.VMXE         set in VMX operation, hidden from the guest
 *   CR4.OSXSAVE      says whose XCR0 is loaded (msr.c)
 *   every CR4 bit minivm does not give the guest (PKE, LA57, SMXE, CET,
 *                    ...): the write exits and the guest gets #GP, as on
 *                    a CPU without the feature
 *
 * CR8 (the task-priority register) exits ("CR8-load exiting", "CR8-store
 * exiting"): without those controls and without a TPR shadow, a MOV CR8
 * in the guest would read and write the physical local APIC's TPR
 * ("Changes to Instruction Behavior in VMX Non-Root Operation"), and a
 * guest could mask every interrupt of the host CPU.  Without a local
 * APIC, CR8 is a register of the vCPU and nothing else; with one, it is
 * the APIC's TPR, reached here or, where the CPU has a TPR shadow,
 * without an exit at all (lapic_access.c).
 *
 * When a write minivm emulates changes the paging mode, it does what the
 * instruction would have done: flush the guest's TLB (its VPID) and, for
 * PAE paging, load the four PDPTEs, which VM entry takes from the VMCS
 * ("Loading Page-Directory-Pointer-Table Entries").
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "minivm.h"
#include "guest.h"

/* The CR4 bits the guest may set, chosen at load time; the rest #GP. */
static unsigned long cr4_guest_allowed;

/**
 * minivm_cr_init() - which CR4 features the guest gets: those of the host
 * kernel's CPU that minivm lets through, within what VMX allows in CR4.
 * @guest_xsave: whether the guest may have XSAVE (msr.c knows).
 */
void minivm_cr_init(bool guest_xsave)
{
	unsigned long ok = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD |
			   X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE |
			   X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE |
			   X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	if (boot_cpu_has(X86_FEATURE_UMIP))
		ok |= X86_CR4_UMIP;
	if (boot_cpu_has(X86_FEATURE_FSGSBASE))
		ok |= X86_CR4_FSGSBASE;
	if (boot_cpu_has(X86_FEATURE_PCID))
		ok |= X86_CR4_PCIDE;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		ok |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		ok |= X86_CR4_SMAP;
	if (guest_xsave)
		ok |= X86_CR4_OSXSAVE;
	cr4_guest_allowed = ok & minivm_caps.cr4_fixed1;
}

/**
 * minivm_cr4_host_owned() - the CR4 guest/host mask: every bit the guest
 * may not flip without an exit.
 */
unsigned long minivm_cr4_host_owned(void)
{
	return ~(cr4_guest_allowed & ~X86_CR4_OSXSAVE);
}

/**
 * minivm_cr_reset() - CR0, CR3, CR4 and EFER as after RESET, and the
 * guest/host masks that decide which of their bits exit.
 * @vcpu: the vCPU, its VMCS current.
 *
 * The guest sees CR0 = 60000010h (CD, NW, ET) through the read shadow.
 * VMX operation needs CR0.NE set (IA32_VMX_CR0_FIXED0) and minivm keeps
 * the caches on (CD and NW clear), so the real register differs in those
 * three host-owned bits.  Likewise CR4.VMXE must be set in VMX operation
 * and the guest must not see it.
 */
void minivm_cr_reset(struct minivm_vcpu *vcpu)
{
	vcpu->cr0_shadow = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	vcpu->cr4_shadow = 0;
	vmcs_write(CR0_GUEST_HOST_MASK, MINIVM_CR0_HOST_OWNED);
	vmcs_write(CR0_READ_SHADOW, vcpu->cr0_shadow);
	vmcs_write(GUEST_CR0, X86_CR0_ET | X86_CR0_NE);
	vmcs_write(CR4_GUEST_HOST_MASK, minivm_cr4_host_owned());
	vmcs_write(CR4_READ_SHADOW, 0);
	vmcs_write(GUEST_CR4, X86_CR4_VMXE);
	vmcs_write(GUEST_CR3, 0);
	vmcs_write(GUEST_IA32_EFER, 0);
	vcpu->cr8 = 0;
}

/*
 * The guest's CR0 and CR4, as a MOV from them would read.  The bits the
 * guest owns change without an exit, so they come from the real
 * register; the ones minivm owns come from what the guest last wrote.
 */
unsigned long minivm_guest_cr0(struct minivm_vcpu *vcpu)
{
	return (vcpu->cr0_shadow & MINIVM_CR0_HOST_OWNED) |
	       (vmcs_read(GUEST_CR0) & ~MINIVM_CR0_HOST_OWNED);
}

unsigned long minivm_guest_cr4(struct minivm_vcpu *vcpu)
{
	unsigned long host = minivm_cr4_host_owned();

	return (vcpu->cr4_shadow & host) | (vmcs_read(GUEST_CR4) & ~host);
}

/**
 * minivm_update_entry_mode() - keep "IA-32e mode guest" equal to
 * EFER.LMA, as VM entry checks ("Checks on VM-Entry Control Fields").
 * @vcpu: the vCPU whose VMCS is current.
 */
void minivm_update_entry_mode(struct minivm_vcpu *vcpu)
{
	u32 entry = vmcs_read32(VM_ENTRY_CONTROLS) & ~VM_ENTRY_IA32E_MODE;

	if (vmcs_read64(GUEST_IA32_EFER) & EFER_LMA)
		entry |= VM_ENTRY_IA32E_MODE;
	vmcs_write(VM_ENTRY_CONTROLS, entry);
	vcpu->efer_changed = true;	/* SYSCALL may work now (msr.c) */
}

/* The reserved bits of a present PAE PDPTE (SDM Vol. 3A, "PAE Paging"). */
static u64 pdpte_reserved(void)
{
	return GENMASK_ULL(63, boot_cpu_data.x86_phys_bits) |
	       GENMASK_ULL(8, 5) | GENMASK_ULL(2, 1);
}

/*
 * Load the PDPTEs as a MOV to CR0, CR3 or CR4 does when it leaves the
 * guest in PAE paging.  False if one is present with reserved bits set or
 * the table is not in RAM: the instruction then raises #GP.
 */
static bool load_pdptrs(struct minivm_vcpu *vcpu, unsigned long cr3)
{
	u64 pdpte[4];
	int i;

	if (!minivm_copy_guest_phys(vcpu->vm, cr3 & 0xffffffe0UL, pdpte,
				    sizeof(pdpte), false))
		return false;
	for (i = 0; i < 4; i++)
		if ((pdpte[i] & 1) && (pdpte[i] & pdpte_reserved()))
			return false;
	for (i = 0; i < 4; i++)
		vmcs_write(GUEST_PDPTR0 + i * 2, pdpte[i]);
	return true;
}

static bool pae_paging(unsigned long cr0, unsigned long cr4, u64 efer)
{
	return (cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !(efer & EFER_LMA);
}

/*
 * The paging mode may have changed: PDPTEs for PAE paging, and a flush of
 * the guest's TLB entries on this CPU, as the real instruction does.
 */
static bool paging_changed(struct minivm_vcpu *vcpu)
{
	if (pae_paging(minivm_guest_cr0(vcpu), minivm_guest_cr4(vcpu),
		       vmcs_read64(GUEST_IA32_EFER)) &&
	    !load_pdptrs(vcpu, vmcs_read(GUEST_CR3)))
		return false;
	minivm_flush_guest_tlb(vcpu);
	return true;
}

/*
 * Values of CR0 the architecture refuses with #GP whatever else is set
 * (SDM Vol. 2A, "MOV-Move to/from Control Registers").
 */
static bool cr0_bits_valid(unsigned long val)
{
	if (val >> 32)
		return false;
	if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
		return false;
	return !((val & X86_CR0_NW) && !(val & X86_CR0_CD));
}

/* Long mode needs PAE when paging comes on. */
static bool long_mode_without_pae(unsigned long cr0, unsigned long cr4,
				  u64 efer)
{
	return (cr0 & X86_CR0_PG) && (efer & EFER_LME) && !(cr4 & X86_CR4_PAE);
}

static bool cr0_valid(struct minivm_vcpu *vcpu, unsigned long val)
{
	return cr0_bits_valid(val) &&
	       !long_mode_without_pae(val, minivm_guest_cr4(vcpu),
				      vmcs_read64(GUEST_IA32_EFER));
}

static bool cr4_valid(struct minivm_vcpu *vcpu, unsigned long val)
{
	if (val & ~cr4_guest_allowed)
		return false;
	/* Long mode cannot leave PAE paging. */
	return !((vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) &&
		 !(val & X86_CR4_PAE));
}

/* Everything a control-register write changes, to undo a refused one. */
struct cr_state {
	unsigned long cr0_shadow, cr4_shadow, cr0, cr3, cr4;
	u64 efer;
};

static void save_crs(struct minivm_vcpu *vcpu, struct cr_state *st)
{
	st->cr0_shadow = vcpu->cr0_shadow;
	st->cr4_shadow = vcpu->cr4_shadow;
	st->cr0 = vmcs_read(GUEST_CR0);
	st->cr3 = vmcs_read(GUEST_CR3);
	st->cr4 = vmcs_read(GUEST_CR4);
	st->efer = vmcs_read64(GUEST_IA32_EFER);
}

static void restore_crs(struct minivm_vcpu *vcpu, const struct cr_state *st)
{
	vcpu->cr0_shadow = st->cr0_shadow;
	vcpu->cr4_shadow = st->cr4_shadow;
	vmcs_write(CR0_READ_SHADOW, st->cr0_shadow);
	vmcs_write(CR4_READ_SHADOW, st->cr4_shadow);
	vmcs_write(GUEST_CR0, st->cr0);
	vmcs_write(GUEST_CR3, st->cr3);
	vmcs_write(GUEST_CR4, st->cr4);
	vmcs_write(GUEST_IA32_EFER, st->efer);
	minivm_update_entry_mode(vcpu);
}

/*
 * CR0 as the guest wrote it: the real one keeps NE set and caching on.
 * Setting PG with EFER.LME set enters long mode: EFER.LMA follows, and
 * with it the "IA-32e mode guest" entry control (SDM Vol. 3A, "IA-32e
 * Mode Initialization").
 */
static void guest_write_cr0(struct minivm_vcpu *vcpu, unsigned long val)
{
	u64 efer = vmcs_read64(GUEST_IA32_EFER);

	vcpu->cr0_shadow = val;
	vmcs_write(CR0_READ_SHADOW, val);
	vmcs_write(GUEST_CR0, (val & ~(X86_CR0_CD | X86_CR0_NW)) | X86_CR0_NE);
	if ((val & X86_CR0_PG) && (efer & EFER_LME))
		efer |= EFER_LMA;
	else if (!(val & X86_CR0_PG))
		efer &= ~EFER_LMA;
	vmcs_write(GUEST_IA32_EFER, efer);
	minivm_update_entry_mode(vcpu);
}

/* CR4 as the guest wrote it; VMXE stays set in the real one, hidden. */
static void guest_write_cr4(struct minivm_vcpu *vcpu, unsigned long val)
{
	vcpu->cr4_shadow = val;
	vmcs_write(CR4_READ_SHADOW, val);
	vmcs_write(GUEST_CR4, val | X86_CR4_VMXE);
}

/* Finish a write: on bad PDPTEs, put everything back and refuse it. */
static bool finish(struct minivm_vcpu *vcpu, const struct cr_state *old)
{
	if (paging_changed(vcpu))
		return true;
	restore_crs(vcpu, old);
	return false;
}

/**
 * minivm_set_cr0() - write the guest's CR0, as MOV to CR0 would.
 * @vcpu: the vCPU, VMCS current.
 * @val:  the value.
 *
 * Return: false, with nothing changed, for a value that #GPs.
 */
bool minivm_set_cr0(struct minivm_vcpu *vcpu, unsigned long val)
{
	struct cr_state old;

	if (!cr0_valid(vcpu, val))
		return false;
	save_crs(vcpu, &old);
	guest_write_cr0(vcpu, val);
	return finish(vcpu, &old);
}

/**
 * minivm_set_cr4() - write the guest's CR4, as MOV to CR4 would.
 * @vcpu: the vCPU, VMCS current.
 * @val:  the value.
 *
 * Return: false, with nothing changed, for a bit the guest does not have
 * (#GP), or for PAE PDPTEs that are not valid.
 */
bool minivm_set_cr4(struct minivm_vcpu *vcpu, unsigned long val)
{
	struct cr_state old;

	if (!cr4_valid(vcpu, val))
		return false;
	save_crs(vcpu, &old);
	guest_write_cr4(vcpu, val);
	return finish(vcpu, &old);
}

/* MOV to CR3 when CR3-load exiting is on (the CPU may force it). */
static bool set_cr3(struct minivm_vcpu *vcpu, unsigned long val)
{
	struct cr_state old;

	save_crs(vcpu, &old);
	vmcs_write(GUEST_CR3, val);
	return finish(vcpu, &old);
}

/**
 * minivm_set_crs() - CR0, CR3 and CR4 at once (MINIVM_SET_SREGS).
 * @vcpu: the vCPU, VMCS current, EFER already written.
 * @cr0:  CR0, checked by the caller as a MOV would.
 * @cr3:  CR3.
 * @cr4:  CR4, checked likewise.
 *
 * The paging mode is judged once all three are in place, as the state
 * is meant to be taken together.
 *
 * Return: false, with nothing changed, for PAE PDPTEs that are not valid.
 */
bool minivm_set_crs(struct minivm_vcpu *vcpu, unsigned long cr0,
		    unsigned long cr3, unsigned long cr4)
{
	struct cr_state old;

	save_crs(vcpu, &old);
	vmcs_write(GUEST_CR3, cr3);
	guest_write_cr4(vcpu, cr4);
	guest_write_cr0(vcpu, cr0);
	return finish(vcpu, &old);
}

/* The EFER bits a guest can have: SYSCALL, long mode, NX. */
#define GUEST_EFER	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

/**
 * minivm_set_efer() - WRMSR to IA32_EFER, as the CPU would do it.
 * @vcpu: the vCPU, VMCS current.
 * @val:  the value.
 *
 * LME cannot change while paging is on; LMA is the processor's to set
 * (with CR0.PG), so a write keeps it (SDM Vol. 3A, "IA32_EFER MSR").
 *
 * Return: false, with nothing changed, for a write that #GPs.
 */
bool minivm_set_efer(struct minivm_vcpu *vcpu, u64 val)
{
	u64 old = vmcs_read64(GUEST_IA32_EFER);

	if (val & ~(u64)GUEST_EFER)
		return false;
	if (((val ^ old) & EFER_LME) && (minivm_guest_cr0(vcpu) & X86_CR0_PG))
		return false;
	vmcs_write(GUEST_IA32_EFER, (val & ~EFER_LMA) | (old & EFER_LMA));
	vcpu->efer_changed = true;	/* SYSCALL may work now (msr.c) */
	return true;
}

/**
 * minivm_crs_valid() - would the CPU accept CR0, CR4 and EFER together?
 * MINIVM_SET_SREGS refuses with -EINVAL what a MOV or WRMSR would refuse
 * with #GP, before anything is written: VM entry would fail on it.
 * @cr0:  CR0.
 * @cr4:  CR4.
 * @efer: IA32_EFER.
 */
bool minivm_crs_valid(u64 cr0, u64 cr4, u64 efer)
{
	return !(efer & ~(u64)GUEST_EFER) && cr0_bits_valid(cr0) &&
	       !(cr4 & ~cr4_guest_allowed) &&
	       !long_mode_without_pae(cr0, cr4, efer);
}

/* MOV to or from CR8: the TPR is bits 3:0; bits 63:4 must be 0. */
static bool mov_cr8(struct minivm_vcpu *vcpu, bool to, unsigned int reg)
{
	unsigned long val;

	if (!to) {
		minivm_write_gpr(vcpu, reg, vcpu->lapic ?
				 minivm_lapic_get_cr8(vcpu) : vcpu->cr8);
		return true;
	}
	val = minivm_read_gpr(vcpu, reg);
	if (val & ~0xfUL)
		return false;
	if (vcpu->lapic)		/* the TPR of the local APIC */
		minivm_lapic_set_cr8(vcpu, val);
	else
		vcpu->cr8 = val;
	return true;
}

/**
 * minivm_handle_cr() - a control-register access exited.
 * @vcpu: the vCPU.
 *
 * The qualification says which register, which direction and which
 * general-purpose register ("Exit Qualification for Control-Register
 * Accesses").  A refused value is a #GP in the guest, the instruction not
 * done.
 *
 * Return: 1 (re-enter the guest), or 0 with an internal error for an
 * access minivm does not expect (CLTS and LMSW never exit: CR0.TS, PE,
 * MP, EM are the guest's).
 */
int minivm_handle_cr(struct minivm_vcpu *vcpu)
{
	unsigned long q = vmcs_read(EXIT_QUALIFICATION);
	unsigned int cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	bool ok;

	if (type == 0 && cr == 0)
		ok = minivm_set_cr0(vcpu, minivm_read_gpr(vcpu, reg));
	else if (type == 0 && cr == 4)
		ok = minivm_set_cr4(vcpu, minivm_read_gpr(vcpu, reg));
	else if (type == 0 && cr == 3)
		ok = set_cr3(vcpu, minivm_read_gpr(vcpu, reg));
	else if (type == 1 && cr == 3)
		ok = (minivm_write_gpr(vcpu, reg, vmcs_read(GUEST_CR3)), true);
	else if (type <= 1 && cr == 8)
		ok = mov_cr8(vcpu, type == 0, reg);
	else
		return minivm_unexpected_exit(vcpu, EXIT_REASON_CR_ACCESS);
	if (!ok)
		return minivm_inject(X86_TRAP_GP, true, 0);
	minivm_skip_instruction();
	return 1;
}

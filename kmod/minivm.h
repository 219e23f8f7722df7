/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minivm.h - the objects of minivm and what the files of the module share.
 *
 * The module reads in this order, one job per file, following the life of
 * a VM from open("/dev/minivm") to VMLAUNCH and back (the same order as
 * README.md, design.rst and the walkthrough; "make lint" checks that):
 *
 *   main.c          /dev/minivm: module load, the device and its ioctls
 *   vmx_caps.c      is there VMX at all, and what can it do?
 *   vmx_ops.c       the VMX instructions (vmx_ops.h) and their failures
 *   vmx_cpu.c       VMXON/VMXOFF on every CPU, hotplug, reboot, suspend
 *   vmx_emergency.c VMXOFF on the crash and emergency-reboot paths
 *   vm.c            the VM object, its fd and its ioctls
 *   memslot.c       guest memory: userspace mappings, pinned when touched
 *   ept.c           guest-physical to host-physical: the EPT tables
 *   vcpu.c          the vCPU object, its fd, its run page, its VPID
 *   vmcs.c          the VMCS: controls, host state, where it is active
 *   regs.c          the guest's registers: reset state, GET/SET_(S)REGS
 *   cr.c            the guest's control registers, EFER and paging mode
 *   run.c           MINIVM_RUN: loading the VMCS, entering, exiting
 *   mitigations.c   side-channel mitigations at entry and exit
 *   debugreg.c      the guest's debug registers, the host's put back
 *   vmenter.S       the world switch itself
 *   exit.c          what each VM exit means, and who handles it
 *   exception.c     intercepted exceptions (#DB, #AC, #MC) and NMIs
 *   event.c         interrupts and NMIs for the guest, from userspace
 *   event_state.c   GET/SET_VCPU_EVENTS: the events between instructions
 *   lapic.c         the local APIC: its modes, priorities, IPIs, MSIs
 *   lapic_regs.c    the local APIC's registers, saved and restored
 *   lapic_access.c  reaching the local APIC: its MMIO page and MSRs
 *   lapic_virt.c    the CPU's APIC virtualization, where it has it
 *   lapic_access_page.c  the xAPIC page the CPU serves: the APIC-access page
 *   lapic_timer.c   the local APIC's timer, on an hrtimer
 *   halt.c          HLT: the vCPU sleeps in the kernel until woken
 *   io.c            port I/O, served by userspace
 *   gva.c           guest-linear addresses through the guest's page tables
 *   mmio.c          MMIO: decoding the guest's instruction
 *   mmio_addr.c     where an instruction's memory operand begins
 *   mmio_alu.c      the arithmetic of an instruction with an MMIO operand
 *   msr.c           the guest's MSRs (the MSR bitmap) and its XCR0
 *   cpuid.c         what CPUID tells the guest
 *   debugfs.c       counters of live objects (leak checks) and of exits
 *   trace.c         tracepoints: entry, injection, exit, return to userspace
 *
 * No two of these files need each other, but for vm.c and vcpu.c: a VM
 * creates its vCPUs, and each vCPU holds a reference on its VM.
 */
#ifndef MINIVM_H
#define MINIVM_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/minivm.h>
#include <asm/fpu/api.h>

struct page;

/* One guest memory region: MINIVM_SET_MEMORY_REGION. */
struct minivm_memslot {
	u32 flags;			/* MINIVM_MEM_* */
	u64 gpa;			/* guest-physical start */
	u64 npages;
	unsigned long uaddr;		/* userspace start */
	struct page **pages;		/* NULL until pinned, then for life */
	unsigned long *huge;		/* 2 MiB chunks pinned as one folio */
	struct mm_struct *mm;		/* the VM's: pins are charged to it */
};

/* The EPT tree of a VM: a 4-level table, like x86-64 paging. */
struct minivm_ept {
	u64 *root;			/* the PML4 table */
	u64 eptp;			/* what goes into the VMCS */
	unsigned long nr_tables;	/* table pages, root included */
};

struct minivm_vcpu;

/*
 * A virtual machine.  It lives while its fd is open or any vCPU fd is:
 * each holds a reference (@ref).  @lock serialises changes to memory
 * slots, the vCPU array and the CPUID table.
 */
struct minivm_vm {
	struct kref ref;
	struct mutex lock;		/* slots, vcpus, cpuid updates */
	struct minivm_memslot *slots[MINIVM_MAX_MEMSLOTS];
	unsigned long slots_gen;	/* bumped on every slot change */
	struct minivm_ept ept;
	struct minivm_vcpu *vcpus[MINIVM_MAX_VCPUS];
	unsigned int nr_vcpus;
	struct minivm_cpuid_table __rcu *cpuid;	/* read without @lock */
	struct mm_struct *mm;		/* the creator's; vCPUs run only there */
	u64 tsc_offset;			/* guest TSC - host TSC, at creation */
	bool has_lapic;			/* MINIVM_CREATE_LAPIC: each vCPU gets one */
	u32 apicv;			/* its APIC virtualization (lapic_virt.c) */
	/* lapic_access_page.c: with MINIVM_APICV_XAPIC, under @lock */
	struct page *apic_access_page;
	bool apic_access_mapped;	/* may be at FEE00000h in @ept */
};

/*
 * The CPUID table of a VM.  Every CPUID exit reads it, so it is read
 * under RCU, never under a lock; MINIVM_SET_CPUID swaps in a new one.
 */
struct minivm_cpuid_table {
	struct rcu_head rcu;
	unsigned int n;
	struct minivm_cpuid_entry e[];
};

/*
 * The local APIC of a vCPU, when its VM has them (MINIVM_CREATE_LAPIC).
 *
 * Its registers live in @regs at their xAPIC offsets.  Only the vCPU's
 * own thread, in RUN or in a state ioctl under run_lock, reads or writes
 * them.  Everyone else posts: the timer sets @timer_fired, another
 * vCPU's IPI or userspace's MSI sets a bit of @posted or @nmi_posted,
 * and wakes or kicks the vCPU (minivm_kick()); the vCPU's thread folds
 * what was posted into IRR before its next entry.  Posted interrupts in
 * VMX (SDM Vol. 3C, "Posted-Interrupt Processing") work the same way,
 * with the CPU doing the folding.
 */
struct minivm_lapic {
	struct minivm_vcpu *vcpu;
	u64 base;			/* IA32_APIC_BASE */
	u32 *regs;			/* a page: the virtual-APIC page too */
	u32 esr_pending;		/* errors since ESR was last written */
	/* lapic_timer.c */
	struct hrtimer timer;
	u64 period_ns;			/* periodic mode; 0 when one-shot */
	u64 tsc_deadline;		/* TSC-deadline mode: armed at, or 0 */
	u64 expire_tsc;			/* the deadline the hrtimer ran ahead of */
	u64 wait_tsc;			/* fired: wait for it before entry */
	u32 advance_ns;			/* how far ahead it runs (adaptive) */
	atomic_t timer_fired;
	int eoi_exit;			/* a level-triggered vector ended, or -1 */
	u32 timer_mode;			/* LVT timer 18:17, as last written */
	/* lapic_virt.c: what the CPU does for this APIC, and its VMCS state */
	u32 virt;			/* MINIVM_APICV_* the VM has */
	u32 mode_controls;		/* its secondary controls on now */
	int traced_rvi;			/* the last RVI the tracepoint showed */
	u32 eoi_exit_bitmap[8];		/* as written to EOI_EXIT_BITMAP0-3 */
	/* posted by other threads */
	unsigned long posted[256 / BITS_PER_LONG];
	unsigned long posted_level[256 / BITS_PER_LONG]; /* which of them */
	atomic_t nmi_posted;
	wait_queue_head_t wait;		/* where a halted vCPU sleeps */
};

/* The guest's general-purpose registers, as vmenter.S saves them. */
struct minivm_gprs {
	unsigned long rax, rcx, rdx, rbx;
	unsigned long rsp_slot;	/* RSP is in the VMCS: minivm_read_gpr() */
	unsigned long rbp, rsi, rdi;
	unsigned long r8, r9, r10, r11, r12, r13, r14, r15;
};

/*
 * MSRs that matter only in user mode or to SWAPGS, and that the guest has
 * its own values of (msr.c): switched when the thread starts running the
 * guest and back when it leaves it.
 */
enum minivm_user_msr {
	MINIVM_MSR_KERNEL_GS_BASE,
	MINIVM_MSR_STAR,
	MINIVM_MSR_LSTAR,
	MINIVM_MSR_CSTAR,
	MINIVM_MSR_SYSCALL_MASK,
	MINIVM_MSR_TSC_AUX,
	MINIVM_NR_USER_MSRS,
};

/* What the host had in the registers VM exit does not restore. */
struct minivm_host_state {
	bool saved;
	u16 ds_sel, es_sel, fs_sel, gs_sel, ldt_sel;
	unsigned long fs_base;
	unsigned long kernel_gs_base;	/* the task's GS base */
	const u64 *cpu_msrs;		/* this CPU's values of the rest (msr.c) */
	unsigned long loaded;		/* BIT(i): the guest's msrs[i] is in the CPU */
	unsigned long cr3, cr4;		/* as last written to the VMCS */
};

/* What a RUN must finish before entering the guest again. */
enum minivm_pending {
	MINIVM_PENDING_NONE,
	MINIVM_PENDING_IO_IN,		/* copy run->io data into RAX */
	MINIVM_PENDING_MMIO_READ,	/* copy run->mmio data into a GPR */
	MINIVM_PENDING_INS,		/* copy run->io data to ES:RDI */
	MINIVM_PENDING_HYPERCALL,	/* copy run->hypercall.ret to RAX */
	MINIVM_PENDING_MMIO_ALU,	/* compute with run->mmio data (mmio.c) */
};

/*
 * A virtual CPU.  Only the thread inside MINIVM_RUN touches the VMCS;
 * @run_lock keeps a second thread out (-EBUSY).
 */
struct minivm_vcpu {
	struct minivm_vm *vm;
	unsigned int id;
	struct mutex run_lock;		/* one thread in RUN or a regs ioctl */
	struct minivm_run *run;		/* the shared page */
	void *vmcs;			/* the VMCS region */
	u16 vpid;			/* 0: VPID unused */
	int cpu;			/* where the VMCS is loaded, or -1 */
	bool launched;			/* VMLAUNCH done on that CPU */
	u32 exit_reason;		/* of the last exit */
	struct {			/* for the minivm_exit tracepoint */
		u64 exit_ns;
		unsigned long rip, qual;
	} trace;
	struct list_head loaded_link;	/* on that CPU's loaded list */
	struct preempt_notifier preempt;
	struct fpu_guest fpu;
	struct minivm_gprs gprs;
	struct minivm_host_state host;
	/*
	 * CR0/CR4 as the guest last wrote them with an exit.  Only the
	 * host-owned bits are kept current: the rest change without exits,
	 * so read the guest's value with minivm_guest_cr0()/cr4() (cr.c).
	 */
	unsigned long cr0_shadow, cr4_shadow;
	unsigned long cr2;		/* not in the VMCS: switched by run.c */
	unsigned long cr8;		/* the TPR, bits 3:0 (cr.c) */
	u64 msrs[MINIVM_NR_USER_MSRS];	/* the guest's, while the host runs */
	bool efer_changed;		/* EFER.SCE or LMA: see msr.c */
	u64 xcr0;			/* the guest's, loaded if CR4.OSXSAVE */
	u64 misc_enable;		/* IA32_MISC_ENABLE (msr.c) */
	u64 mcg_status;			/* IA32_MCG_STATUS (msr.c) */
	u64 tsc_offset;			/* guest TSC - host TSC (msr.c) */
	u64 tsc_adjust;			/* IA32_TSC_ADJUST (msr.c) */
	/* debugreg.c: DR0-3 and DR6 (DR7 is in the VMCS) */
	unsigned long db[4], dr6;
	bool dr7_armed;			/* the guest's DR7 enables a breakpoint */
	bool db_loaded;			/* its DR0-3/DR6 are in the CPU */
	unsigned long host_debugctl;	/* read at load, restored after exits */
	bool l1d_dirty;			/* L1D worth flushing (mitigations.c) */
	/* event.c: raised by userspace, not yet injected */
	bool irq_pending, nmi_pending;
	u8 irq_vector;
	bool extint_injected;		/* this entry injects irq_vector */
	struct minivm_lapic *lapic;	/* NULL: the VM has no local APICs */
	bool halted;			/* halt.c: HLT done, waiting to wake */
	struct task_struct __rcu *runner; /* the thread in RUN, to kick */
	/*
	 * What a RUN must finish, the kernel's own copy: userspace may
	 * rewrite the run page at will, and nothing the kernel needs to
	 * finish an exit is read back from it but the data.
	 */
	enum minivm_pending pending;
	struct {			/* MINIVM_PENDING_MMIO_READ (mmio.c) */
		u8 reg;			/* the destination GPR, SDM numbering */
		u8 len;			/* bytes read: 1, 2, 4 or 8 */
		u8 zext;		/* MOVZX: its destination size, or 0 */
		bool high;		/* AH, CH, DH or BH */
	} mmio_read;
	struct {			/* MINIVM_PENDING_MMIO_ALU (mmio.c) */
		u64 gpa;		/* the operand's address */
		u64 imm;		/* the immediate, sign-extended */
		u8 op;			/* enum minivm_alu */
		u8 len;			/* operand bytes: 1, 2, 4 or 8 */
		u8 reg;			/* the register operand, SDM numbering */
		bool high;		/* it is AH, CH, DH or BH */
		bool has_imm;		/* the source is @imm, not @reg */
		bool mem_dst;		/* memory is the first operand */
		bool xchg;		/* XCHG, not @op */
	} mmio_alu;
	struct {			/* _IO_IN and _INS (io.c) */
		u8 size;		/* 1, 2 or 4 */
		u32 count;		/* _INS: items, within the page */
		u64 gva;		/* _INS: where they go */
	} io_in;
	/* The last page an EPT violation found in no slot, and when. */
	u64 mmio_gfn;
	unsigned long mmio_gen;		/* vm->slots_gen then */
};

/* debugfs.c: live object counters, all 0 when no VM exists. */
enum minivm_obj {
	MINIVM_OBJ_VM,
	MINIVM_OBJ_VCPU,
	MINIVM_OBJ_MEMSLOT,
	MINIVM_OBJ_PINNED_PAGE,
	MINIVM_OBJ_EPT_TABLE,
	MINIVM_OBJ_APIC_ACCESS_PAGE,
	MINIVM_NR_OBJ,
};

extern atomic_long_t minivm_objects[MINIVM_NR_OBJ];

static inline void minivm_count(enum minivm_obj obj, long delta)
{
	atomic_long_add(delta, &minivm_objects[obj]);
}

/* debugfs.c: exits by basic reason (0-75 in the SDM), per CPU. */
#define MINIVM_EXIT_STATS	80
DECLARE_PER_CPU(unsigned long[MINIVM_EXIT_STATS], minivm_exit_stats);

static inline void minivm_count_exit(u16 reason)
{
	if (reason < MINIVM_EXIT_STATS)
		this_cpu_inc(minivm_exit_stats[reason]);
}

/* debugfs.c: side-channel mitigations done (mitigations.c), per CPU. */
enum minivm_mitigation {
	MINIVM_MIT_VERW,
	MINIVM_MIT_L1D_FLUSH,
	MINIVM_MIT_L1D_FLUSH_IRQ,	/* of those, for an interrupt alone */
	MINIVM_MIT_IBPB,
	MINIVM_MIT_IBPB_EXIT_TO_USER,
	MINIVM_NR_MIT,
};
DECLARE_PER_CPU(unsigned long[MINIVM_NR_MIT], minivm_mitigation_stats);

void minivm_debugfs_init(void);
void minivm_debugfs_exit(void);

/* vmx_caps.c: filled once at load time, read-only afterwards. */
extern struct minivm_vmx_caps minivm_caps;
int minivm_detect_vmx(void);

/* vmx_cpu.c: VMX operation is on while at least one user holds it. */
int minivm_vmx_cpu_init(void);
void minivm_vmx_cpu_exit(void);
int minivm_vmx_get(void);
void minivm_vmx_put(void);
void minivm_vmx_count_cpus(u32 *nr_online, u32 *nr_on, u32 *nr_foreign);
bool minivm_vmx_ready(void);
bool minivm_vmx_on_here(void);

/* vmx_emergency.c: the kernel's emergency-disable hook, shared with KVM. */
int minivm_emergency_init(void);
void minivm_emergency_exit(void);

/* vm.c */
int minivm_create_vm(void);
void minivm_vm_put(struct minivm_vm *vm);

/* memslot.c */
int minivm_set_memory_region(struct minivm_vm *vm,
			     const struct minivm_memory_region *mr);
void minivm_free_memslots(struct minivm_vm *vm);
struct minivm_memslot *minivm_find_slot(struct minivm_vm *vm, u64 gpa);
int minivm_fault_in(struct minivm_vm *vm, struct minivm_memslot *s, u64 gpa);
bool minivm_copy_guest_phys(struct minivm_vm *vm, u64 gpa, void *buf,
			    unsigned int len, bool write);

/* ept.c */
int minivm_ept_init(struct minivm_ept *ept);
void minivm_ept_destroy(struct minivm_ept *ept);
int minivm_ept_map(struct minivm_ept *ept, u64 gpa, u64 hpa, u64 size,
		   bool writable);
int minivm_ept_map_pages(struct minivm_ept *ept, u64 gpa, struct page **pages,
			 unsigned int n, bool writable);
int minivm_ept_map_data(struct minivm_ept *ept, u64 gpa, u64 hpa);
bool minivm_ept_unmap(struct minivm_ept *ept, u64 gpa, u64 size);
void minivm_ept_flush(struct minivm_ept *ept);

/* vcpu.c */
int minivm_create_vcpu(struct minivm_vm *vm, unsigned long id);

/* vmcs.c */
int minivm_vmcs_config(void);
void minivm_vmcs_init(void);
void *minivm_vmcs_alloc(void);
void minivm_vmcs_free(void *vmcs);
bool minivm_vmcs_make_current(struct minivm_vcpu *vcpu);
bool minivm_vmcs_is_current(struct minivm_vcpu *vcpu);
void minivm_vmcs_clear(struct minivm_vcpu *vcpu);
void minivm_vmcs_clear_all_here(void);
void minivm_vmcs_writeback_all_here(void);
void minivm_vmcs_setup(struct minivm_vcpu *vcpu);
void minivm_vmcs_set_host_cpu(int cpu);
const char *minivm_vmcs_missing(void);
bool minivm_vmcs_has_vpid(void);
bool minivm_vmcs_has_tpr_shadow(void);
u32 minivm_vmcs_apicv_controls(void);
bool minivm_vmcs_has_tsc_offset(void);
u32 minivm_vmcs_window_exits(void);
bool minivm_vmcs_has_vnmi(void);

/* regs.c: the guest's registers as the ABI shows them. */
void minivm_regs_reset(struct minivm_vcpu *vcpu);
void minivm_get_regs(struct minivm_vcpu *vcpu, struct minivm_regs *r);
void minivm_set_regs(struct minivm_vcpu *vcpu, const struct minivm_regs *r);
int minivm_get_xsave(struct minivm_vcpu *vcpu, void __user *uarg);
int minivm_set_xsave(struct minivm_vcpu *vcpu, void __user *uarg);
void minivm_get_sregs(struct minivm_vcpu *vcpu, struct minivm_sregs *sr);
int minivm_set_sregs(struct minivm_vcpu *vcpu, const struct minivm_sregs *sr);

/*
 * cr.c: control registers, as the guest writes and reads them.  CR0's
 * host-owned bits: NE (VMX needs it set), CD/NW (caching stays on).
 * CR4's are chosen at load time (minivm_cr4_host_owned()).
 */
#define MINIVM_CR0_HOST_OWNED	(X86_CR0_NE | X86_CR0_CD | X86_CR0_NW)
void minivm_cr_init(bool guest_xsave);
void minivm_cr_reset(struct minivm_vcpu *vcpu);
unsigned long minivm_cr4_host_owned(void);
bool minivm_crs_valid(u64 cr0, u64 cr4, u64 efer);
bool minivm_set_efer(struct minivm_vcpu *vcpu, u64 val);
bool minivm_set_cr0(struct minivm_vcpu *vcpu, unsigned long val);
bool minivm_set_cr4(struct minivm_vcpu *vcpu, unsigned long val);
bool minivm_set_crs(struct minivm_vcpu *vcpu, unsigned long cr0,
		    unsigned long cr3, unsigned long cr4);
unsigned long minivm_guest_cr0(struct minivm_vcpu *vcpu);
unsigned long minivm_guest_cr4(struct minivm_vcpu *vcpu);
void minivm_update_entry_mode(struct minivm_vcpu *vcpu);
int minivm_handle_cr(struct minivm_vcpu *vcpu);

/* io.c: port I/O exits, and their completion on the next RUN. */
int minivm_handle_io(struct minivm_vcpu *vcpu);
int minivm_complete_io(struct minivm_vcpu *vcpu, bool ins);

/* debugreg.c: DR0-7 and DEBUGCTL, the guest's and the host's. */
void minivm_debug_reset(struct minivm_vcpu *vcpu);
void minivm_debug_load(struct minivm_vcpu *vcpu);
void minivm_debug_enter(struct minivm_vcpu *vcpu);
void minivm_debug_exit(struct minivm_vcpu *vcpu);
int minivm_handle_dr(struct minivm_vcpu *vcpu);
void minivm_queue_db(struct minivm_vcpu *vcpu, unsigned long bits);
int minivm_reflect_db(struct minivm_vcpu *vcpu);

/* exception.c: intercepted exceptions and NMIs. */
void minivm_exception_setup(struct minivm_vcpu *vcpu);
void minivm_exit_irqoff(struct minivm_vcpu *vcpu);
int minivm_handle_exception(struct minivm_vcpu *vcpu);

/* event.c: interrupts and NMIs raised by userspace. */
void minivm_inject_events(struct minivm_vcpu *vcpu);
int minivm_handle_window(struct minivm_vcpu *vcpu);
void minivm_report_events(struct minivm_vcpu *vcpu);
void minivm_redeliver(struct minivm_vcpu *vcpu);
int minivm_queue_interrupt(struct minivm_vcpu *vcpu, void __user *uarg);
int minivm_queue_nmi(struct minivm_vcpu *vcpu);

/* event_state.c: MINIVM_GET/SET_VCPU_EVENTS. */
void minivm_get_events(struct minivm_vcpu *vcpu, struct minivm_vcpu_events *ev);
int minivm_set_events(struct minivm_vcpu *vcpu,
		      const struct minivm_vcpu_events *ev);

/* lapic.c: the local APIC's life, its modes, the interrupts it delivers. */
int minivm_lapic_create(struct minivm_vcpu *vcpu);
void minivm_lapic_free(struct minivm_vcpu *vcpu);
void minivm_lapic_sync(struct minivm_vcpu *vcpu);
int minivm_lapic_next_irq(struct minivm_vcpu *vcpu);
void minivm_lapic_accept_irq(struct minivm_vcpu *vcpu, int vector);
bool minivm_lapic_takes_extint(struct minivm_vcpu *vcpu);
bool minivm_lapic_eoi_exit(struct minivm_vcpu *vcpu);
int minivm_signal_msi(struct minivm_vm *vm, void __user *uarg);

/* lapic_regs.c: each register's meaning; the state saved and restored. */
u32 minivm_lapic_read(struct minivm_lapic *apic, u32 off);
int minivm_lapic_get(struct minivm_vcpu *vcpu, void __user *uarg);
int minivm_lapic_set(struct minivm_vcpu *vcpu, void __user *uarg);

/* lapic_access.c: the xAPIC page, the x2APIC MSRs, CR8. */
bool minivm_lapic_mmio(struct minivm_vcpu *vcpu, u64 gpa, bool write,
		       u64 *val, unsigned int len);
int minivm_lapic_rdmsr(struct minivm_vcpu *vcpu, u32 msr, u64 *val);
int minivm_lapic_wrmsr(struct minivm_vcpu *vcpu, u32 msr, u64 val);
unsigned long minivm_lapic_get_cr8(struct minivm_vcpu *vcpu);
void minivm_lapic_set_cr8(struct minivm_vcpu *vcpu, unsigned long cr8);
void minivm_lapic_vmcs_setup(struct minivm_vcpu *vcpu);
void minivm_lapic_set_tpr_threshold(struct minivm_vcpu *vcpu);

/* lapic_virt.c: the CPU delivers the APIC's interrupts and ends them. */
u32 minivm_apicv_offered(void);
void minivm_apicv_vmcs_setup(struct minivm_vcpu *vcpu);
void minivm_apicv_before_entry(struct minivm_vcpu *vcpu);
void minivm_apicv_undeliver(struct minivm_vcpu *vcpu);
int minivm_handle_eoi_induced(struct minivm_vcpu *vcpu);
int minivm_handle_apic_write(struct minivm_vcpu *vcpu);

/* lapic_access_page.c: the CPU serves the xAPIC page itself. */
int minivm_apic_access_create(struct minivm_vm *vm);
void minivm_apic_access_free(struct minivm_vm *vm);
bool minivm_apic_access_fault(struct minivm_vcpu *vcpu, u64 gpa, bool fetch);

/* lapic_timer.c: the timer, in one-shot, periodic or TSC-deadline mode. */
void minivm_lapic_timer_wait(struct minivm_vcpu *vcpu);

/* halt.c: HLT, and the wait that follows it. */
int minivm_handle_hlt(struct minivm_vcpu *vcpu);
int minivm_halt_wait(struct minivm_vcpu *vcpu);

/*
 * Wake a vCPU for what was just posted to its local APIC: from its sleep
 * after HLT, or out of guest mode if it runs on another CPU (the IPI's
 * external-interrupt exit brings it back to fold what was posted in).
 * Safe in any context, the timer's hard interrupt included.
 */
static inline void minivm_kick(struct minivm_vcpu *vcpu)
{
	struct task_struct *t;

	wake_up_interruptible(&vcpu->lapic->wait);
	rcu_read_lock();
	t = rcu_dereference(vcpu->runner);
	if (t)
		kick_process(t);
	rcu_read_unlock();
}

/* mitigations.c: side channels at the guest/host boundary. */
int minivm_mitigations_init(void);
void minivm_mitigations_exit(void);
void minivm_mitigate_entry(struct minivm_vcpu *vcpu);
void minivm_mitigate_exit(void);
void minivm_mitigate_vmcs_switch(void);

/* run.c */
int minivm_vcpu_run(struct minivm_vcpu *vcpu);
void minivm_vcpu_load(struct minivm_vcpu *vcpu);
void minivm_vcpu_put(struct minivm_vcpu *vcpu);
void minivm_vcpu_attach(struct minivm_vcpu *vcpu);
void minivm_vcpu_detach(struct minivm_vcpu *vcpu);
extern struct preempt_ops minivm_preempt_ops;

/*
 * vmenter.S: enter the guest, and say how it went.  minivm_vmx_exit is
 * where exits land.
 */
enum minivm_entry {
	MINIVM_ENTRY_EXITED,	/* the guest ran; a VM exit brought us back */
	MINIVM_ENTRY_VMFAIL,	/* VMLAUNCH/VMRESUME failed (VMfail) */
	MINIVM_ENTRY_FAULTED,	/* the instruction faulted: VMX is off */
	MINIVM_ENTRY_NOT_READY,	/* not tried: VMX off here, or VMCS not ours */
};

int minivm_vmx_enter(struct minivm_gprs *gprs, bool launched);
extern const char minivm_vmx_exit[];
void minivm_vmx_do_nmi(unsigned long handler);

/* exit.c: 1 to re-enter the guest, 0 to return to userspace. */
bool minivm_handle_fast_exit(struct minivm_vcpu *vcpu);
int minivm_handle_exit(struct minivm_vcpu *vcpu);
int minivm_complete_userspace_io(struct minivm_vcpu *vcpu);

/* gva.c: guest-linear addresses, through the guest's page tables. */
bool minivm_copy_guest_linear(struct minivm_vcpu *vcpu, u64 gva, void *buf,
			      unsigned int len, bool write);
unsigned int minivm_fetch_insn(struct minivm_vcpu *vcpu, u8 *insn,
			       unsigned int max);

/* mmio.c: MMIO, by decoding the guest's instruction. */
int minivm_emulate_mmio(struct minivm_vcpu *vcpu, u64 gpa, bool write);
void minivm_complete_mmio_read(struct minivm_vcpu *vcpu);
int minivm_complete_mmio_alu(struct minivm_vcpu *vcpu);

/* mmio_addr.c: where a decoded instruction's memory operand begins. */
struct minivm_mem_operand {
	const u8 *modrm;	/* its ModRM byte, or NULL: an absolute offset */
	u64 offset;		/* that offset (MOV's moffs forms) */
	u64 rip_next;		/* RIP after the instruction: RIP-relative */
	u8 rex, seg, addr;	/* REX, segment prefix or 0, address size */
	bool long_mode;		/* 64-bit code */
};

u64 minivm_operand_linear(struct minivm_vcpu *vcpu,
			  const struct minivm_mem_operand *op);

/*
 * mmio_alu.c: the arithmetic of an instruction with an MMIO operand.  The
 * first eight are the 80h-83h group's, in its ModRM.reg order.
 */
enum minivm_alu {
	MINIVM_ALU_ADD, MINIVM_ALU_OR, MINIVM_ALU_ADC, MINIVM_ALU_SBB,
	MINIVM_ALU_AND, MINIVM_ALU_SUB, MINIVM_ALU_XOR, MINIVM_ALU_CMP,
	MINIVM_ALU_TEST, MINIVM_ALU_NOT, MINIVM_ALU_NEG, MINIVM_ALU_INC,
	MINIVM_ALU_DEC,
};

u64 minivm_alu(enum minivm_alu op, unsigned int len, u64 dst, u64 src,
	       unsigned long *rflags);

/* msr.c: the MSR bitmap, MSR and XSETBV emulation, XCR0 switching. */
int minivm_msr_init(void);
void minivm_msr_exit(void);
void minivm_msr_setup(struct minivm_vcpu *vcpu);
void minivm_msr_x2apic_bitmap(struct minivm_vcpu *vcpu, bool virt);
bool minivm_emulate_msr(struct minivm_vcpu *vcpu, bool write);
bool minivm_emulate_xsetbv(struct minivm_vcpu *vcpu);
void minivm_load_guest_xcr0(struct minivm_vcpu *vcpu);
void minivm_load_host_xcr0(struct minivm_vcpu *vcpu);
bool minivm_guest_xsave(void);
void minivm_load_guest_msrs(struct minivm_vcpu *vcpu);
void minivm_load_host_msrs(struct minivm_vcpu *vcpu);
void minivm_sync_guest_msrs(struct minivm_vcpu *vcpu);

/* cpuid.c */
int minivm_set_cpuid(struct minivm_vm *vm, void __user *uarg);
int minivm_default_cpuid(struct minivm_vm *vm);
void minivm_free_cpuid(struct minivm_vm *vm);
void minivm_emulate_cpuid(struct minivm_vcpu *vcpu);

#endif /* MINIVM_H */

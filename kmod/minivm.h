/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minivm.h - the objects of minivm and what the files of the module share.
 *
 * The module reads in this order, one job per file:
 *
 *   main.c          /dev/minivm: module load, the device and its ioctls
 *   vmx_caps.c      is there VMX at all, and what can it do?
 *   vmx_cpu.c       VMXON/VMXOFF on every CPU, hotplug, reboot, suspend
 *   vmx_emergency.c VMXOFF on the crash and emergency-reboot paths
 *   vm.c            the VM object, its fd and its ioctls
 *   memslot.c       guest memory: userspace mappings, pinned when touched
 *   ept.c           guest-physical to host-physical: the EPT tables
 *   vcpu.c          the vCPU object, its fd, its run page, its registers
 *   vmcs.c          the VMCS: controls, host state, guest reset state
 *   run.c           MINIVM_RUN: loading the VMCS, entering, exiting
 *   vmenter.S       the world switch itself
 *   exit.c          what each VM exit means, and who handles it
 *   msr.c           the guest's MSRs (the MSR bitmap) and its XCR0
 *   emulate.c       MMIO: decoding the guest's MOV, reading its memory
 *   cpuid.c         what CPUID tells the guest
 *   debugfs.c       counters of live objects (leak checks) and of exits
 */
#ifndef MINIVM_H
#define MINIVM_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
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

/* The guest's general-purpose registers, as vmenter.S saves them. */
struct minivm_gprs {
	unsigned long rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
	unsigned long r8, r9, r10, r11, r12, r13, r14, r15;
};

/* What the host had in the registers VM exit does not restore. */
struct minivm_host_state {
	bool saved;
	u16 ds_sel, es_sel, fs_sel, gs_sel, ldt_sel;
	unsigned long fs_base, kernel_gs_base;
	unsigned long cr3, cr4;		/* as last written to the VMCS */
};

/* What a RUN must finish before entering the guest again. */
enum minivm_pending {
	MINIVM_PENDING_NONE,
	MINIVM_PENDING_IO_IN,		/* copy run->io data into RAX */
	MINIVM_PENDING_MMIO_READ,	/* copy run->mmio data into a GPR */
	MINIVM_PENDING_INS,		/* copy run->io data to ES:RDI */
	MINIVM_PENDING_HYPERCALL,	/* copy run->hypercall.ret to RAX */
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
	u32 exit_reason;		/* of the last exit (SDM 28.2.1) */
	struct list_head loaded_link;	/* on that CPU's loaded list */
	struct preempt_notifier preempt;
	struct fpu_guest fpu;
	struct minivm_gprs gprs;
	struct minivm_host_state host;
	/*
	 * CR0/CR4 as the guest last wrote them with an exit.  Only the
	 * host-owned bits are kept current: the rest change without exits,
	 * so read the guest's value with minivm_guest_cr0()/cr4() (exit.c).
	 */
	unsigned long cr0_shadow, cr4_shadow;
	unsigned long cr2;		/* not in the VMCS: switched by run.c */
	unsigned long kernel_gs_base;	/* the guest's, while the host runs */
	u64 xcr0;			/* the guest's, loaded if CR4.OSXSAVE */
	enum minivm_pending pending;
	u8 pending_reg, pending_len;	/* for MINIVM_PENDING_MMIO_READ */
	bool pending_zext, pending_high;
	u64 pending_gva;		/* for MINIVM_PENDING_INS */
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

void minivm_debugfs_init(void);
void minivm_debugfs_exit(void);

/* vmx_caps.c: filled once at load time, read-only afterwards. */
extern struct minivm_vmx_caps minivm_caps;
int minivm_detect_vmx(void);
int minivm_get_vmx_caps(void __user *uarg);

/* vmx_cpu.c: VMX operation is on while at least one user holds it. */
int minivm_vmx_cpu_init(void);
void minivm_vmx_cpu_exit(void);
int minivm_vmx_get(void);
void minivm_vmx_put(void);
void minivm_vmx_count_cpus(u32 *nr_online, u32 *nr_on, u32 *nr_foreign);
bool minivm_vmcs_load(struct minivm_vcpu *vcpu);
void minivm_vmcs_clear(struct minivm_vcpu *vcpu);

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

/* ept.c */
int minivm_ept_init(struct minivm_ept *ept);
void minivm_ept_destroy(struct minivm_ept *ept);
int minivm_ept_map(struct minivm_ept *ept, u64 gpa, u64 hpa, u64 size,
		   bool writable);
void minivm_ept_unmap(struct minivm_ept *ept, u64 gpa, u64 size);
void minivm_ept_flush(struct minivm_ept *ept);

/* vcpu.c */
int minivm_create_vcpu(struct minivm_vm *vm, unsigned long id);

/* vmcs.c */
int minivm_vmcs_config(void);
void *minivm_vmcs_alloc(void);
void minivm_vmcs_free(void *vmcs);
void minivm_vmcs_setup(struct minivm_vcpu *vcpu);
void minivm_vmcs_set_host_cpu(int cpu);
void minivm_vmcs_update_entry_mode(struct minivm_vcpu *vcpu);
const char *minivm_vmcs_missing(void);
bool minivm_vmcs_has_vpid(void);

/*
 * exit.c: control registers, as the guest writes and reads them.  The
 * bits minivm owns (a guest write to them exits, SDM Vol. 3C, 25.6.6):
 * CR0.NE (VMX needs it set), CR0.CD/NW (caching stays on), CR4.VMXE
 * (set, hidden) and CR4.OSXSAVE (it decides whose XCR0 is loaded).
 */
#define MINIVM_CR0_HOST_OWNED	(X86_CR0_NE | X86_CR0_CD | X86_CR0_NW)
#define MINIVM_CR4_HOST_OWNED	(X86_CR4_VMXE | X86_CR4_OSXSAVE)
void minivm_set_cr0(struct minivm_vcpu *vcpu, unsigned long val);
bool minivm_set_cr4(struct minivm_vcpu *vcpu, unsigned long val);
unsigned long minivm_guest_cr0(struct minivm_vcpu *vcpu);
unsigned long minivm_guest_cr4(struct minivm_vcpu *vcpu);

/* run.c */
int minivm_vcpu_run(struct minivm_vcpu *vcpu);
void minivm_vcpu_load(struct minivm_vcpu *vcpu);
void minivm_vcpu_put(struct minivm_vcpu *vcpu);
extern struct preempt_ops minivm_preempt_ops;

/*
 * vmenter.S: enter the guest; 0 after a VM exit, 1 if VMLAUNCH/VMRESUME
 * failed, 2 if it faulted.  minivm_vmx_exit is where exits land.
 */
int minivm_vmx_enter(struct minivm_gprs *gprs, bool launched);
extern const char minivm_vmx_exit[];

/* exit.c: 1 to re-enter the guest, 0 to return to userspace. */
int minivm_handle_exit(struct minivm_vcpu *vcpu);
int minivm_complete_userspace_io(struct minivm_vcpu *vcpu);

/* emulate.c: MMIO, by decoding the guest's MOV instruction. */
int minivm_emulate_mmio(struct minivm_vcpu *vcpu, u64 gpa, bool write);
bool minivm_copy_guest_linear(struct minivm_vcpu *vcpu, u64 gva, void *buf,
			      unsigned int len, bool write);
void minivm_complete_mmio_read(struct minivm_vcpu *vcpu);

/* msr.c: the MSR bitmap, MSR and XSETBV emulation, XCR0 switching. */
int minivm_msr_init(void);
void minivm_msr_exit(void);
u64 minivm_msr_bitmap_pa(void);
bool minivm_emulate_msr(struct minivm_vcpu *vcpu, bool write);
bool minivm_emulate_xsetbv(struct minivm_vcpu *vcpu);
void minivm_load_guest_xcr0(struct minivm_vcpu *vcpu);
void minivm_load_host_xcr0(struct minivm_vcpu *vcpu);
bool minivm_guest_xsave(void);

/* cpuid.c */
int minivm_set_cpuid(struct minivm_vm *vm, void __user *uarg);
int minivm_default_cpuid(struct minivm_vm *vm);
void minivm_free_cpuid(struct minivm_vm *vm);
void minivm_emulate_cpuid(struct minivm_vcpu *vcpu);

#endif /* MINIVM_H */

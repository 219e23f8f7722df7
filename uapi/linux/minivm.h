/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * minivm: the userspace ABI of a minimal Intel VMX hypervisor.
 *
 * This is the one header shared by the kernel module and userspace.  Its
 * shape follows KVM's: a system fd (/dev/minivm) answers questions about the
 * host and creates VMs; each VM is an fd of its own.  Every ioctl, structure
 * and errno here is described in Documentation/minivm/api.rst.
 */
#ifndef _UAPI_LINUX_MINIVM_H
#define _UAPI_LINUX_MINIVM_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped on any incompatible change; MINIVM_GET_API_VERSION returns it. */
#define MINIVM_API_VERSION	1

/* The ioctl "magic" of minivm: unused in Documentation/.../ioctl-number.rst. */
#define MINIVMIO		0xB8

/*
 * Extensions for MINIVM_CHECK_EXTENSION.  As with KVM, an unknown extension
 * answers 0, so userspace can probe for features without knowing the
 * module's version.
 */
#define MINIVM_CAP_VMX_CAPS	1	/* MINIVM_GET_VMX_CAPS exists */
#define MINIVM_CAP_CREATE_VM	2	/* MINIVM_CREATE_VM exists */
#define MINIVM_CAP_NR_MEMSLOTS	3	/* answers the number of memory slots */
#define MINIVM_CAP_MAX_VCPUS	4	/* answers the vCPUs a VM may have */
#define MINIVM_CAP_READONLY_MEM	5	/* MINIVM_MEM_READONLY works */
#define MINIVM_CAP_INTERRUPT	6	/* MINIVM_INTERRUPT and the window */
#define MINIVM_CAP_NMI		7	/* MINIVM_NMI (needs virtual NMIs) */
#define MINIVM_CAP_LAPIC	8	/* MINIVM_CREATE_LAPIC and its ioctls */
#define MINIVM_CAP_EOI_EXIT	9	/* level-triggered MSIs, MINIVM_EXIT_EOI */
#define MINIVM_CAP_APICV	10	/* MINIVM_APICV_* new VMs would get */
/* MINIVM_GET/SET_VCPU_EVENTS exist; 2: with halted and pending_debug */
#define MINIVM_CAP_VCPU_EVENTS	11

/* What the CPU does for a local APIC, as MINIVM_CAP_APICV answers it. */
#define MINIVM_APICV_VID	_BITUL(0) /* virtual-interrupt delivery */
#define MINIVM_APICV_X2APIC	_BITUL(1) /* x2APIC MSRs without most exits */
#define MINIVM_APICV_XAPIC	_BITUL(2) /* the xAPIC page without most exits */

/*
 * struct minivm_vmx_caps - what the CPU offers for VMX, as minivm found it.
 *
 * The raw capability MSRs are passed through (SDM Vol. 3D, Appendix A) so a
 * reader can decode them with the SDM at hand; @flags summarises the few
 * features minivm cares about.
 */
struct minivm_vmx_caps {
	__u32 vmcs_revision_id;		/* VMX_BASIC[30:0] */
	__u32 flags;			/* MINIVM_VMX_* below */
	__u32 preemption_timer_shift;	/* timer ticks at TSC >> shift */
	__u32 tsc_khz;			/* the host's TSC rate */
	__u32 nr_cpus_online;		/* online CPUs now */
	__u32 nr_cpus_vmx_on;		/* CPUs in VMX operation for minivm */
	__u32 nr_cpus_foreign;		/* CPUs with VMX held by another */
	__u32 pad;
	__u64 vmx_basic;		/* IA32_VMX_BASIC */
	__u64 vmx_misc;			/* IA32_VMX_MISC */
	__u64 ept_vpid_cap;		/* IA32_VMX_EPT_VPID_CAP, 0 if absent */
	__u64 pinbased_ctls;		/* (TRUE_)PINBASED_CTLS */
	__u64 procbased_ctls;		/* (TRUE_)PROCBASED_CTLS */
	__u64 procbased_ctls2;		/* PROCBASED_CTLS2, 0 if absent */
	__u64 exit_ctls;		/* (TRUE_)EXIT_CTLS */
	__u64 entry_ctls;		/* (TRUE_)ENTRY_CTLS */
	__u64 cr0_fixed0, cr0_fixed1;	/* IA32_VMX_CR0_FIXED0/1 */
	__u64 cr4_fixed0, cr4_fixed1;	/* IA32_VMX_CR4_FIXED0/1 */
	__u64 feature_control;		/* IA32_FEAT_CTL as firmware left it */
	__u64 reserved[8];		/* zero */
};

#define MINIVM_VMX_TRUE_CTLS		_BITUL(0) /* VMX_BASIC bit 55 */
#define MINIVM_VMX_EPT			_BITUL(1)
#define MINIVM_VMX_VPID			_BITUL(2)
#define MINIVM_VMX_UNRESTRICTED_GUEST	_BITUL(3)
#define MINIVM_VMX_PREEMPTION_TIMER	_BITUL(4)
#define MINIVM_VMX_EPT_AD		_BITUL(5) /* EPT accessed/dirty bits */
#define MINIVM_VMX_EPT_2M		_BITUL(6) /* EPT 2 MiB pages */
#define MINIVM_VMX_EPT_1G		_BITUL(7) /* EPT 1 GiB pages */
#define MINIVM_VMX_EPT_WB		_BITUL(8) /* EPT write-back paging */
#define MINIVM_VMX_INVEPT		_BITUL(9)
#define MINIVM_VMX_INVVPID		_BITUL(10)

/*
 * struct minivm_memory_region - MINIVM_SET_MEMORY_REGION: guest memory.
 *
 * Guest-physical [guest_phys_addr, +memory_size) is backed by the caller's
 * memory at userspace_addr.  All three must be page-aligned; memory_size 0
 * deletes the slot.
 */
struct minivm_memory_region {
	__u32 slot;
	__u32 flags;			/* MINIVM_MEM_* */
	__u64 guest_phys_addr;
	__u64 memory_size;		/* bytes; 0 deletes the slot */
	__u64 userspace_addr;
};

#define MINIVM_MEM_READONLY	_BITUL(0) /* guest writes exit as MMIO */

#define MINIVM_MAX_MEMSLOTS	32
#define MINIVM_MAX_SLOT_SIZE	(4ULL << 30)	/* 4 GiB per slot */
#define MINIVM_MAX_GPA		_BITULL(39)	/* 512 GiB of guest space */
#define MINIVM_MAX_VCPUS	8

/* struct minivm_regs - MINIVM_GET_REGS / MINIVM_SET_REGS: the GPRs. */
struct minivm_regs {
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
};

/*
 * A segment register, hidden part included (SDM Vol. 3A, "Segment
 * Descriptors").
 */
struct minivm_segment {
	__u64 base;
	__u32 limit;			/* in bytes, granularity applied */
	__u16 selector;
	__u8 type;			/* the descriptor's 4-bit type */
	__u8 present, dpl, db, s, l, g, avl;
	__u8 unusable;			/* a null selector was loaded */
	__u8 padding;
};

/* A descriptor table register: GDTR or IDTR. */
struct minivm_dtable {
	__u64 base;
	__u16 limit;
	__u16 padding[3];
};

/* struct minivm_sregs - MINIVM_GET_SREGS / MINIVM_SET_SREGS. */
struct minivm_sregs {
	struct minivm_segment cs, ds, es, fs, gs, ss;
	struct minivm_segment tr, ldt;
	struct minivm_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, efer;
};

/* One CPUID leaf the guest sees, for MINIVM_SET_CPUID. */
struct minivm_cpuid_entry {
	__u32 function;			/* EAX in */
	__u32 index;			/* ECX in, if MINIVM_CPUID_INDEXED */
	__u32 flags;
	__u32 eax, ebx, ecx, edx;	/* out */
	__u32 padding[3];
};

#define MINIVM_CPUID_INDEXED	_BITUL(0) /* the leaf depends on ECX */
#define MINIVM_MAX_CPUID	256

struct minivm_cpuid {
	__u32 nent;
	__u32 padding;
	struct minivm_cpuid_entry entries[];
};

/* Why MINIVM_RUN returned: minivm_run.exit_reason. */
#define MINIVM_EXIT_UNKNOWN		0
#define MINIVM_EXIT_HLT			1 /* the guest executed HLT */
#define MINIVM_EXIT_IO			2 /* port I/O, see run->io */
#define MINIVM_EXIT_MMIO		3 /* a guest access outside RAM */
#define MINIVM_EXIT_SHUTDOWN		4 /* triple fault */
#define MINIVM_EXIT_FAIL_ENTRY		5 /* VM entry failed */
#define MINIVM_EXIT_INTERNAL_ERROR	6 /* minivm could not go on */
#define MINIVM_EXIT_INTR		7 /* a signal, or immediate_exit */
#define MINIVM_EXIT_HYPERCALL		8 /* VMCALL for userspace */
#define MINIVM_EXIT_BUDGET		9 /* run->exit_budget exits handled */
#define MINIVM_EXIT_IRQ_WINDOW_OPEN	10 /* request_interrupt_window met */
#define MINIVM_EXIT_EOI			11 /* EOI of a level-triggered MSI */
#define MINIVM_EXIT_MAX			11 /* the highest reason there is */

#define MINIVM_EXIT_IO_IN		0
#define MINIVM_EXIT_IO_OUT		1

/*
 * Hypercalls: the guest executes VMCALL at CPL 0 with the number in RAX and
 * arguments in RBX, RCX, RDX and RSI; the result comes back in RAX.  A few
 * are answered by the kernel; MINIVM_HC_USER_FIRST..LAST go to userspace
 * as MINIVM_EXIT_HYPERCALL; any other number returns -ENOSYS (-38), and a
 * VMCALL at CPL > 0 returns -EPERM (-1).
 */
#define MINIVM_HC_ENOSYS		38	/* returned negated: no such call */
#define MINIVM_HC_EPERM			1	/* returned negated: CPL > 0 */
#define MINIVM_HC_EFAULT		14	/* returned negated: bad address */

#define MINIVM_HC_NOP			0	/* returns 0: the cheapest exit */
#define MINIVM_HC_API_VERSION		1	/* returns MINIVM_API_VERSION */
#define MINIVM_HC_USER_FIRST		0x100
#define MINIVM_HC_USER_LAST		0x1ff
/* The minivm launcher serves these two. */
#define MINIVM_HC_CONSOLE_WRITE		0x100	/* RBX: guest address, RCX: length */
#define MINIVM_HC_EXIT			0x101	/* RBX: code, status (code << 1) | 1 */

/* Internal errors: minivm_run.internal.suberror. */
#define MINIVM_INTERNAL_UNEXPECTED_EXIT	1 /* data: reason, qual, rip */
#define MINIVM_INTERNAL_EPT_MISCONFIG	2 /* data: gpa, rip */
#define MINIVM_INTERNAL_MMIO_DECODE	3 /* data: gpa, rip, insn bytes */
#define MINIVM_INTERNAL_DELIVERY	4 /* data: vectoring info, gpa, rip */
#define MINIVM_INTERNAL_MEMORY		5 /* data: gpa, rip, errno */
#define MINIVM_INTERNAL_PAGE_WALK	6 /* data: gpa, rip, linear address */

/*
 * MINIVM_INTERRUPT: an external interrupt, as an interrupt controller in
 * userspace (a PIC) would signal it: delivered through the guest's IDT
 * at @vector once the guest can take it.
 */
struct minivm_interrupt {
	__u32 vector;			/* 0-255 */
	__u32 padding;			/* 0 */
};

/*
 * MINIVM_GET_LAPIC, MINIVM_SET_LAPIC: the whole state of a vCPU's local
 * APIC, so that a VM can be saved and restored.  @regs holds the
 * registers at their xAPIC offsets (SDM Vol. 3A, "Local APIC Register
 * Address Map"), 16 bytes apart; in x2APIC mode too.
 */
#define MINIVM_LAPIC_REGS_SIZE	1024

struct minivm_lapic_state {
	__u64 base;			/* IA32_APIC_BASE */
	__u64 tsc_deadline;		/* IA32_TSC_DEADLINE: 0, or armed */
	__u8 regs[MINIVM_LAPIC_REGS_SIZE];
};

/*
 * MINIVM_GET_XSAVE, MINIVM_SET_XSAVE: the guest's x87 FPU and SSE state
 * in the XSAVE area's standard format (SDM Vol. 1, "XSAVE-Supported
 * Features and State-Component Bitmaps"): FXSAVE's 512-byte legacy
 * region (FCW at byte 0, MXCSR at 24, ST0-ST7 from 32, XMM0-XMM15 from
 * 160), then the XSAVE header, whose first 8 bytes say which components
 * the area holds.  KVM's struct kvm_xsave has the same layout.
 */
struct minivm_xsave {
	__u32 region[1024];
};

/*
 * MINIVM_GET_VCPU_EVENTS, MINIVM_SET_VCPU_EVENTS: what lies between two of
 * the guest's instructions.  @injected is the event the next VM entry
 * delivers, whatever would block it (SDM Vol. 3C, "Event Injection"): one
 * an exit cut short, or one userspace asks for, such as a fault in an
 * instruction it emulated.  Then what was raised and is not delivered
 * yet, what blocks delivery, a debug trap the next entry delivers, and
 * whether the vCPU sleeps in a HLT.  Set the registers first: SET judges
 * the events against RFLAGS and CR0 as they are then.
 */
struct minivm_vcpu_events {
	__u8 injected;			/* MINIVM_EVENT_* */
	__u8 vector;
	__u8 has_error_code;		/* exceptions 8, 10-14, 17 and 21 */
	__u8 instruction_len;		/* the software events: 1-15 */
	__u32 error_code;
	__u8 has_payload;		/* SET only: @payload goes with it */
	__u8 irq_pending;		/* MINIVM_INTERRUPT's, not yet in */
	__u8 irq_vector;
	__u8 nmi_pending;		/* MINIVM_NMI's, not yet in */
	__u8 nmi_masked;		/* NMIs blocked until the guest's IRET */
	__u8 shadow;			/* MINIVM_SHADOW_* */
	__u8 halted;			/* HLT done, waiting for an event */
	__u8 padding;			/* 0 */
	__u64 payload;			/* #PF: CR2; #DB: the bits for DR6 */
	__u64 pending_debug;		/* a #DB due: B0-B3, bit 12, BS */
	__u64 reserved[3];		/* 0 */
};

#define MINIVM_EVENT_NONE		0
#define MINIVM_EVENT_EXTINT		1 /* an external interrupt */
#define MINIVM_EVENT_NMI		2 /* vector 2 */
#define MINIVM_EVENT_EXCEPTION		3 /* a hardware exception, 0-31 */
#define MINIVM_EVENT_SOFT_INT		4 /* INT n */
#define MINIVM_EVENT_ICEBP		5 /* INT1, vector 1 */
#define MINIVM_EVENT_SOFT_EXCEPTION	6 /* INT3 or INTO, vector 3 or 4 */

#define MINIVM_SHADOW_STI		_BITUL(0) /* the instruction after STI */
#define MINIVM_SHADOW_MOV_SS		_BITUL(1) /* after MOV SS or POP SS */

/*
 * MINIVM_SIGNAL_MSI: a message-signalled interrupt, as a device would
 * write it to the local APICs (SDM Vol. 3A, "Message Signalled
 * Interrupts"): @address in FEExxxxxh with the destination, @data with
 * the vector and delivery mode.  Bit 15 of @data asks for level
 * triggering: the vector's TMR bit is set, and the guest's EOI of it
 * returns MINIVM_EXIT_EOI, so that an IOAPIC in userspace can clear its
 * remote IRR and send the interrupt again if the line is still high.
 */
struct minivm_msi {
	__u64 address;
	__u32 data;
	__u32 flags;			/* 0 */
};

#define MINIVM_MSI_LEVEL	_BITUL(15)	/* data: level-triggered */

/*
 * struct minivm_run - the page shared by a vCPU and its user, mapped by
 * mmap() of the vCPU fd (MINIVM_GET_VCPU_MMAP_SIZE bytes).
 */
struct minivm_run {
	/* in: set by userspace */
	__u8 immediate_exit;		/* RUN returns at once, EINTR */
	__u8 request_interrupt_window;	/* exit once the guest can take one */
	__u8 padding1[2];
	__u32 exit_budget;		/* 0, or return after this many exits */

	/* out: set by minivm */
	__u32 exit_reason;		/* MINIVM_EXIT_* */
	__u8 ready_for_interrupt_injection; /* MINIVM_INTERRUPT goes in now */
	__u8 if_flag;			/* the guest's RFLAGS.IF */
	__u8 padding2[2];

	union {
		/* MINIVM_EXIT_IO: data at (char *)run + data_offset */
		struct {
			__u8 direction;		/* MINIVM_EXIT_IO_IN/OUT */
			__u8 size;		/* 1, 2 or 4 */
			__u16 port;
			__u32 count;		/* items; >1 for INS/OUTS */
			__u64 data_offset;
		} io;
		/* MINIVM_EXIT_MMIO: for reads, fill data before RUN */
		struct {
			__u64 phys_addr;
			__u8 data[8];
			__u32 len;		/* 1, 2, 4 or 8 */
			__u8 is_write;
			__u8 padding[3];
		} mmio;
		/* MINIVM_EXIT_FAIL_ENTRY */
		struct {
			__u64 hardware_entry_failure_reason; /* exit reason */
			__u64 qualification;
			__u32 vm_instruction_error;	/* for VMfail */
			__u32 padding;
		} fail_entry;
		/* MINIVM_EXIT_HYPERCALL: set ret before the next RUN */
		struct {
			__u64 nr;
			__u64 args[4];		/* RBX, RCX, RDX, RSI */
			__u64 ret;		/* into RAX */
		} hypercall;
		/* MINIVM_EXIT_EOI: the vector the guest's EOI ended */
		struct {
			__u8 vector;
			__u8 padding[7];
		} eoi;
		/* MINIVM_EXIT_INTERNAL_ERROR */
		struct {
			__u32 suberror;		/* MINIVM_INTERNAL_* */
			__u32 ndata;
			__u64 data[16];
		} internal;
		char padding[256];
	};
};

/* Where string and non-string I/O data live in the run page. */
#define MINIVM_RUN_IO_DATA_OFFSET	1024

/* ioctls on /dev/minivm */
#define MINIVM_GET_API_VERSION	_IO(MINIVMIO, 0x00)
#define MINIVM_CHECK_EXTENSION	_IO(MINIVMIO, 0x01)
#define MINIVM_GET_VMX_CAPS	_IOR(MINIVMIO, 0x02, struct minivm_vmx_caps)
#define MINIVM_CREATE_VM	_IO(MINIVMIO, 0x03)
#define MINIVM_GET_VCPU_MMAP_SIZE _IO(MINIVMIO, 0x04)

/* ioctls on a VM fd */
#define MINIVM_SET_MEMORY_REGION _IOW(MINIVMIO, 0x10, struct minivm_memory_region)
#define MINIVM_CREATE_VCPU	_IO(MINIVMIO, 0x11)
#define MINIVM_SET_CPUID	_IOW(MINIVMIO, 0x12, struct minivm_cpuid)
#define MINIVM_CREATE_LAPIC	_IO(MINIVMIO, 0x13)
#define MINIVM_SIGNAL_MSI	_IOW(MINIVMIO, 0x14, struct minivm_msi)

/* ioctls on a vCPU fd */
#define MINIVM_RUN		_IO(MINIVMIO, 0x20)
#define MINIVM_GET_REGS		_IOR(MINIVMIO, 0x21, struct minivm_regs)
#define MINIVM_SET_REGS		_IOW(MINIVMIO, 0x22, struct minivm_regs)
#define MINIVM_GET_SREGS	_IOR(MINIVMIO, 0x23, struct minivm_sregs)
#define MINIVM_SET_SREGS	_IOW(MINIVMIO, 0x24, struct minivm_sregs)
#define MINIVM_INTERRUPT	_IOW(MINIVMIO, 0x25, struct minivm_interrupt)
#define MINIVM_NMI		_IO(MINIVMIO, 0x26)
#define MINIVM_GET_LAPIC	_IOR(MINIVMIO, 0x27, struct minivm_lapic_state)
#define MINIVM_SET_LAPIC	_IOW(MINIVMIO, 0x28, struct minivm_lapic_state)
#define MINIVM_GET_XSAVE	_IOR(MINIVMIO, 0x29, struct minivm_xsave)
#define MINIVM_SET_XSAVE	_IOW(MINIVMIO, 0x2a, struct minivm_xsave)
#define MINIVM_GET_VCPU_EVENTS	_IOR(MINIVMIO, 0x2b, struct minivm_vcpu_events)
#define MINIVM_SET_VCPU_EVENTS	_IOW(MINIVMIO, 0x2c, struct minivm_vcpu_events)

#endif /* _UAPI_LINUX_MINIVM_H */

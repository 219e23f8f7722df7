/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmenter.S - the world switch: from the host into the guest and back.
 *
 * VM entry loads the guest's state from the VMCS, except the general-purpose
 * registers, which are ours to load (only RSP and RIP are in the VMCS).  VM
 * exit loads the host's state from the VMCS (SDM Vol. 3C, "Loading Host State")
 * and jumps to HOST_RIP with RSP = HOST_RSP, again leaving the GPRs as the
 * guest had them.  So this function
 *
 *   1. saves the host's callee-saved registers and the gprs pointer on the
 *      stack, and records that stack pointer as HOST_RSP;
 *   2. loads the guest's GPRs and executes VMLAUNCH (first entry on this
 *      CPU) or VMRESUME;
 *   3. arrives at minivm_vmx_exit (HOST_RIP) after the exit, stores the
 *      guest's GPRs, and returns 0 (MINIVM_ENTRY_EXITED) like an
 *      ordinary function.
 *
 * If VMLAUNCH/VMRESUME fails (VMfail, "VM Instruction Error Numbers" in the
 * SDM) execution simply continues after it and the function returns 1
 * (MINIVM_ENTRY_VMFAIL); a fault (VMX turned off under us by an emergency
 * reboot) returns 2 (MINIVM_ENTRY_FAULTED).  Every
 * VMX instruction here has an exception-table entry for that reason.
 *
 * The launch/resume choice travels in CF, not ZF: the VERW that clears
 * the CPU's buffers just before entry (MDS, TAA, MMIO stale data, RFDS)
 * writes ZF and leaves CF alone.
 *
 * int minivm_vmx_enter(struct minivm_gprs *gprs, bool launched);
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/segment.h>
#include <asm/unwind_hints.h>

/*
 * Offsets in struct minivm_gprs (minivm.h).  Slot 4, rsp_slot, is left
 * alone: the guest's RSP is in the VMCS.
 */
#define GPR_RAX	 0*8
#define GPR_RCX	 1*8
#define GPR_RDX	 2*8
#define GPR_RBX	 3*8
#define GPR_RBP	 5*8
#define GPR_RSI	 6*8
#define GPR_RDI	 7*8
#define GPR_R8	 8*8
#define GPR_R9	 9*8
#define GPR_R10	10*8
#define GPR_R11	11*8
#define GPR_R12	12*8
#define GPR_R13	13*8
#define GPR_R14	14*8
#define GPR_R15	15*8

/*
 * The VMCS field encoding of HOST_RSP (SDM Vol. 3D, "Natural-Width Host-State
 * Fields").
 */
#define VMCS_HOST_RSP	0x6c14


SYM_FUNC_START(minivm_vmx_enter)
	push %rbp
	mov  %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	push %rdi			/* gprs, found again after the exit */

	/*
	 * The exit will come back with exactly this stack pointer.  VMX
	 * may have been turned off under us (emergency reboot): the fault
	 * is fixed up like that of VMLAUNCH.
	 */
	mov $VMCS_HOST_RSP, %eax
.Lvmwrite_rsp:
	vmwrite %rsp, %rax
	jna .Lfail
	_ASM_EXTABLE(.Lvmwrite_rsp, .Lfault)

	/* CF = launched (bit 0 of %esi), then the guest's GPRs: MOV keeps it. */
	bt $0, %esi
	mov GPR_RAX(%rdi), %rax
	mov GPR_RCX(%rdi), %rcx
	mov GPR_RDX(%rdi), %rdx
	mov GPR_RBX(%rdi), %rbx
	mov GPR_RBP(%rdi), %rbp
	mov GPR_RSI(%rdi), %rsi
	mov GPR_R8(%rdi),  %r8
	mov GPR_R9(%rdi),  %r9
	mov GPR_R10(%rdi), %r10
	mov GPR_R11(%rdi), %r11
	mov GPR_R12(%rdi), %r12
	mov GPR_R13(%rdi), %r13
	mov GPR_R14(%rdi), %r14
	mov GPR_R15(%rdi), %r15
	mov GPR_RDI(%rdi), %rdi

	/*
	 * MDS, TAA, MMIO stale data, RFDS: VERW clears the CPU's buffers
	 * where the kernel says it must (X86_FEATURE_CLEAR_CPU_BUF, the flag
	 * KVM's entry uses too).  It writes ZF; CF still says "launched".
	 */
	CLEAR_CPU_BUFFERS

	jnc .Lvmlaunch

	/* objtool: the state here is the one minivm_vmx_exit resumes in. */
	UNWIND_HINT_SAVE
.Lvmresume:
	vmresume
	jmp .Lfail
.Lvmlaunch:
	vmlaunch
	jmp .Lfail

	_ASM_EXTABLE(.Lvmresume, .Lfault)
	_ASM_EXTABLE(.Lvmlaunch, .Lfault)

SYM_INNER_LABEL(minivm_vmx_exit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	/* RSP is HOST_RSP again: the gprs pointer is on top of the stack. */
	push %rdi
	mov 8(%rsp), %rdi
	pop GPR_RDI(%rdi)
	mov %rax, GPR_RAX(%rdi)
	mov %rcx, GPR_RCX(%rdi)
	mov %rdx, GPR_RDX(%rdi)
	mov %rbx, GPR_RBX(%rdi)
	mov %rbp, GPR_RBP(%rdi)
	mov %rsi, GPR_RSI(%rdi)
	mov %r8,  GPR_R8(%rdi)
	mov %r9,  GPR_R9(%rdi)
	mov %r10, GPR_R10(%rdi)
	mov %r11, GPR_R11(%rdi)
	mov %r12, GPR_R12(%rdi)
	mov %r13, GPR_R13(%rdi)
	mov %r14, GPR_R14(%rdi)
	mov %r15, GPR_R15(%rdi)
	xor %eax, %eax
	jmp .Lscrub

.Lfault:
	mov $2, %eax
	jmp .Lscrub
.Lfail:
	mov $1, %eax

.Lscrub:
	/* Leave no guest value in a register the host might speculate on. */
	xor %ecx, %ecx
	xor %edx, %edx
	xor %ebx, %ebx
	xor %ebp, %ebp
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d,  %r8d
	xor %r9d,  %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d

	/* Spectre: the guest may have filled the return stack buffer. */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	CLEAR_BRANCH_HISTORY_VMEXIT

	pop %rdi
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(minivm_vmx_enter)

/*
 * void minivm_vmx_do_nmi(unsigned long handler);
 *
 * A VM exit caused by an NMI leaves NMIs blocked ("Updating Non-Register
 * State" in the SDM's VM-exit chapter), and the NMI itself was consumed
 * by the exit.  So the host's NMI handler is called here, at once, with
 * interrupts off, through a frame as the CPU builds it for an interrupt
 * taken in kernel mode: its IRET returns here and ends the NMI blocking.
 * @handler is the kernel's non-IST NMI entry (asm_exc_nmi_noist).
 */
SYM_FUNC_START(minivm_vmx_do_nmi)
	push %rbp
	mov %rsp, %rbp
	/* The CPU aligns the stack to 16 bytes before it pushes a frame. */
	and $-16, %rsp
	push $__KERNEL_DS		/* SS */
	push %rbp			/* RSP before the "interrupt" */
	pushf				/* RFLAGS, IF clear */
	push $__KERNEL_CS		/* CS */
	CALL_NOSPEC rdi			/* pushes RIP; IRET comes back */
	leave
	RET
SYM_FUNC_END(minivm_vmx_do_nmi)

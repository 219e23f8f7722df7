// SPDX-License-Identifier: LGPL-2.1
/*
 * names.c - exit reasons, VMX exit reasons and VM-instruction errors in
 * words, so that a VMM can say what happened instead of printing numbers.
 */
#include "libminivm.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))

static const char * const exit_names[] = {
	[MINIVM_EXIT_UNKNOWN] = "unknown",
	[MINIVM_EXIT_HLT] = "hlt",
	[MINIVM_EXIT_IO] = "io",
	[MINIVM_EXIT_MMIO] = "mmio",
	[MINIVM_EXIT_SHUTDOWN] = "shutdown (triple fault)",
	[MINIVM_EXIT_FAIL_ENTRY] = "VM-entry failure",
	[MINIVM_EXIT_INTERNAL_ERROR] = "internal error",
	[MINIVM_EXIT_INTR] = "interrupted",
	[MINIVM_EXIT_HYPERCALL] = "hypercall",
	[MINIVM_EXIT_BUDGET] = "exit budget spent",
	[MINIVM_EXIT_IRQ_WINDOW_OPEN] = "interrupt window open",
	[MINIVM_EXIT_EOI] = "EOI of a level-triggered interrupt",
};

const char *minivm_exit_name(uint32_t reason)
{
	return reason < N(exit_names) && exit_names[reason] ?
	       exit_names[reason] : "(no such exit reason)";
}

/* Basic exit reasons, Intel SDM Vol. 3D, Appendix C. */
static const char * const vmx_exit_names[] = {
	[0] = "exception or NMI", [1] = "external interrupt",
	[2] = "triple fault", [3] = "INIT signal", [4] = "start-up IPI",
	[5] = "I/O SMI", [6] = "other SMI", [7] = "interrupt window",
	[8] = "NMI window", [9] = "task switch", [10] = "CPUID",
	[11] = "GETSEC", [12] = "HLT", [13] = "INVD", [14] = "INVLPG",
	[15] = "RDPMC", [16] = "RDTSC", [17] = "RSM", [18] = "VMCALL",
	[19] = "VMCLEAR", [20] = "VMLAUNCH", [21] = "VMPTRLD",
	[22] = "VMPTRST", [23] = "VMREAD", [24] = "VMRESUME",
	[25] = "VMWRITE", [26] = "VMXOFF", [27] = "VMXON",
	[28] = "control-register access", [29] = "MOV DR",
	[30] = "I/O instruction", [31] = "RDMSR", [32] = "WRMSR",
	[33] = "VM-entry failure: invalid guest state",
	[34] = "VM-entry failure: MSR loading", [36] = "MWAIT",
	[37] = "monitor trap flag", [39] = "MONITOR", [40] = "PAUSE",
	[41] = "VM-entry failure: machine-check event",
	[43] = "TPR below threshold", [44] = "APIC access",
	[45] = "virtualized EOI", [46] = "access to GDTR or IDTR",
	[47] = "access to LDTR or TR", [48] = "EPT violation",
	[49] = "EPT misconfiguration", [50] = "INVEPT", [51] = "RDTSCP",
	[52] = "VMX-preemption timer expired", [53] = "INVVPID",
	[54] = "WBINVD or WBNOINVD", [55] = "XSETBV", [56] = "APIC write",
	[57] = "RDRAND", [58] = "INVPCID", [59] = "VMFUNC", [60] = "ENCLS",
	[61] = "RDSEED", [62] = "page-modification log full",
	[63] = "XSAVES", [64] = "XRSTORS", [65] = "PCONFIG",
	[66] = "SPP-related event", [67] = "UMWAIT", [68] = "TPAUSE",
	[69] = "LOADIWKEY", [70] = "ENCLV",
	[72] = "ENQCMD PASID translation failure",
	[73] = "ENQCMDS PASID translation failure", [74] = "bus lock",
	[75] = "instruction timeout", [76] = "SEAMCALL", [77] = "TDCALL",
};

const char *minivm_vmx_exit_name(uint32_t reason)
{
	reason &= 0xffff;
	return reason < N(vmx_exit_names) && vmx_exit_names[reason] ?
	       vmx_exit_names[reason] : "(reserved exit reason)";
}

/* VM-instruction error numbers, Intel SDM Vol. 3C, "VM Instruction Error Numbers". */
static const char * const insn_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *minivm_vm_instruction_error_name(uint32_t error)
{
	return error < N(insn_errors) && insn_errors[error] ?
	       insn_errors[error] : "(no such VM-instruction error)";
}

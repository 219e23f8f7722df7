// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_ops.c - what happens when a VMX instruction of vmx_ops.h fails.
 *
 * The wrappers are inline, so that a VMREAD costs one instruction; their
 * one out-of-line part, the report of a failure, lives here, where every
 * file that uses them can reach it without needing any other file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/printk.h>

#include "vmx_ops.h"

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

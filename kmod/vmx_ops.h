/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmx_ops.h - the VMX instructions, one small wrapper each, named after
 * the instruction it wraps (vmx_vmptrld(), vmx_vmclear(), vmx_invept(),
 * and vmcs_read()/vmcs_write() for VMREAD/VMWRITE); vmx_ops.c reports
 * their failures.
 *
 * Every VMX instruction reports failure in RFLAGS (SDM Vol. 3C, "VMX
 * Instruction Reference", its "Conventions"): CF=1 is VMfailInvalid (no
 * current VMCS, or a bad pointer), ZF=1 is VMfailValid (the reason is in
 * the VM-instruction error field).  "jna" (CF=1 or ZF=1) catches both.  A
 * VMX instruction can also fault, e.g. when VMX was turned off under us by
 * an emergency reboot; the exception table turns the fault into a failure
 * instead of an oops.
 */
#ifndef MINIVM_VMX_OPS_H
#define MINIVM_VMX_OPS_H

#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <asm/asm.h>
#include <asm/vmx.h>

/* Report a failed VMX instruction (vmx_ops.c); the caller handles it. */
void minivm_vmx_insn_failed(const char *insn, u64 arg1, u64 arg2);

static __always_inline unsigned long vmcs_read(unsigned long field)
{
	unsigned long value;

	asm goto("1: vmread %[field], %[value]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : [value] "=rm" (value) : [field] "r" (field) : "cc" : fail);
	return value;
fail:
	minivm_vmx_insn_failed("vmread", field, 0);
	return 0;
}

static __always_inline u16 vmcs_read16(unsigned long field)
{
	return vmcs_read(field);
}

static __always_inline u32 vmcs_read32(unsigned long field)
{
	return vmcs_read(field);
}

static __always_inline u64 vmcs_read64(unsigned long field)
{
	return vmcs_read(field);
}

static __always_inline void vmcs_write(unsigned long field, u64 value)
{
	asm goto("1: vmwrite %[value], %[field]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [field] "r" (field), [value] "rm" (value) : "cc" : fail);
	return;
fail:
	minivm_vmx_insn_failed("vmwrite", field, value);
}

static __always_inline int vmx_vmclear(u64 vmcs_pa)
{
	asm goto("1: vmclear %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [pa] "m" (vmcs_pa) : "cc", "memory" : fail);
	return 0;
fail:
	minivm_vmx_insn_failed(__func__, vmcs_pa, 0);
	return -EIO;
}

static __always_inline int vmx_vmptrld(u64 vmcs_pa)
{
	asm goto("1: vmptrld %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [pa] "m" (vmcs_pa) : "cc", "memory" : fail);
	return 0;
fail:
	minivm_vmx_insn_failed(__func__, vmcs_pa, 0);
	return -EIO;
}

/* INVEPT and INVVPID take a type and a 128-bit descriptor in memory. */
static __always_inline void vmx_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, reserved; } desc = { eptp, 0 };

	asm goto("1: invept %[desc], %[type]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory"
		 : fail);
	return;
fail:
	minivm_vmx_insn_failed("invept", type, eptp);
}

static __always_inline void vmx_invvpid(unsigned long type, u16 vpid)
{
	struct { u64 vpid, gva; } desc = { vpid, 0 };

	asm goto("1: invvpid %[desc], %[type]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory"
		 : fail);
	return;
fail:
	minivm_vmx_insn_failed("invvpid", type, vpid);
}

#endif /* MINIVM_VMX_OPS_H */

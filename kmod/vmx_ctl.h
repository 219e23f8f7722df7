/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Adjusting a VMX control word against its capability MSR.
 *
 * Each VMX control field (pin-based, primary and secondary processor-based,
 * VM-exit, VM-entry) has a capability MSR that says which bits the CPU lets
 * us choose (SDM Vol. 3D, A.3 to A.5):
 *
 *   bits 31:0  "allowed 0-settings": a bit set here must be 1 in the control;
 *   bits 63:32 "allowed 1-settings": a bit clear here must be 0.
 *
 * minivm asks for two sets of bits: those it cannot work without and those it
 * would use if present.  This file is pure logic with no kernel dependency,
 * so tests/unit/ compiles it natively and checks it in milliseconds.
 */
#ifndef MINIVM_VMX_CTL_H
#define MINIVM_VMX_CTL_H

/*
 * struct minivm_ctl_result - the outcome of minivm_adjust_ctl().
 * @value:   the control word to write into the VMCS.
 * @missing: required bits the CPU cannot set (0 when all is well).
 */
struct minivm_ctl_result {
	u32 value;
	u32 missing;
};

/**
 * minivm_adjust_ctl() - choose a control word the CPU accepts.
 * @required: bits minivm needs; any the CPU cannot set end up in @missing.
 * @optional: bits minivm uses when the CPU has them.
 * @cap:      the capability MSR (the TRUE_ one when VMX_BASIC[55] is set).
 *
 * Bits the CPU insists on (allowed-0 clear, i.e. set in cap[31:0]) are always
 * included, whether or not they were asked for; bits it cannot set are always
 * left out.  Return: the value and the missing required bits.
 */
static inline struct minivm_ctl_result minivm_adjust_ctl(u32 required,
							 u32 optional, u64 cap)
{
	u32 must_be_one = (u32)cap;
	u32 may_be_one = (u32)(cap >> 32);
	struct minivm_ctl_result r;

	r.value = ((required | optional) & may_be_one) | must_be_one;
	r.missing = required & ~may_be_one;
	return r;
}

/**
 * minivm_cr_fixed_ok() - does a CR0 or CR4 value suit VMX operation?
 * @cr:     the register's value.
 * @fixed0: IA32_VMX_CRn_FIXED0: a bit set here must be 1 in @cr.
 * @fixed1: IA32_VMX_CRn_FIXED1: a bit clear here must be 0 in @cr.
 *
 * SDM Vol. 3C, "Restrictions on VMX Operation", and Vol. 3D, "VMX-Fixed
 * Bits in CR0" and "VMX-Fixed Bits in CR4".
 * Return: true when @cr honours both masks.
 */
static inline bool minivm_cr_fixed_ok(u64 cr, u64 fixed0, u64 fixed1)
{
	return (cr & fixed0) == fixed0 && (cr & ~fixed1) == 0;
}

#endif /* MINIVM_VMX_CTL_H */

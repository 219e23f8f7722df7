// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for kmod/vmx_ctl.h: choosing VMX control words against
 * the allowed-0/allowed-1 capability MSRs, and the CR0/CR4 fixed-bit check.
 * Pure logic, run natively before the test machine boots.  TAP output.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tap.h"

typedef uint32_t u32;
typedef uint64_t u64;
#include "../../kmod/vmx_ctl.h"

/* cap = allowed-1 in the high half, allowed-0 (must be one) in the low. */
static u64 cap(u32 must_be_one, u32 may_be_one)
{
	return (u64)may_be_one << 32 | must_be_one;
}

static void test_adjust_ctl(void)
{
	struct minivm_ctl_result r;

	r = minivm_adjust_ctl(0x1, 0x0, cap(0x0, 0x1));
	check(r.value == 0x1 && !r.missing, "required bit the CPU allows is set");

	r = minivm_adjust_ctl(0x0, 0x0, cap(0x16, 0xff));
	check(r.value == 0x16 && !r.missing, "must-be-one bits are set unasked");

	r = minivm_adjust_ctl(0x0, 0x6, cap(0x0, 0x2));
	check(r.value == 0x2 && !r.missing, "optional bits follow allowed-1");

	r = minivm_adjust_ctl(0x9, 0x0, cap(0x0, 0x1));
	check(r.value == 0x1 && r.missing == 0x8,
	      "a required bit the CPU lacks is reported missing");

	r = minivm_adjust_ctl(0x8, 0x0, cap(0x0, 0x0));
	check(r.value == 0 && r.missing == 0x8,
	      "nothing allowed: nothing set, the requirement missing");

	r = minivm_adjust_ctl(0xffffffff, 0, cap(0xffffffff, 0xffffffff));
	check(r.value == 0xffffffff && !r.missing, "all bits, all allowed");

	r = minivm_adjust_ctl(0x80000000, 0, cap(0x0, 0x80000000));
	check(r.value == 0x80000000 && !r.missing, "bit 31 is not lost");

	/* A typical pin-based MSR: bits 1, 2 and 4 default to 1 (A.3.1). */
	r = minivm_adjust_ctl(0x1 | 0x8, 0x40, cap(0x16, 0x7f));
	check(r.value == (0x16 | 0x1 | 0x8 | 0x40) && !r.missing,
	      "pin-based controls as on a real CPU");
}

static void test_cr_fixed(void)
{
	/* CR0: PE, NE and PG fixed to 1, everything allowed. */
	u64 f0 = 0x80000021, f1 = 0xffffffff;

	check(minivm_cr_fixed_ok(0x80050033, f0, f1), "a usual CR0 is fine");
	check(!minivm_cr_fixed_ok(0x80050032, f0, f1), "CR0 without PE fails");
	check(!minivm_cr_fixed_ok(0x1ULL << 32 | 0x80000021, f0, f1),
	      "a bit beyond FIXED1 fails");
	check(minivm_cr_fixed_ok(0x2000, 0x2000, 0x3fffff),
	      "CR4 with only VMXE is fine");
	check(!minivm_cr_fixed_ok(0x0, 0x2000, 0x3fffff), "CR4 without VMXE fails");
}

int main(void)
{
	printf("TAP version 13\n");
	test_adjust_ctl();
	test_cr_fixed();
	return tap_done();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * MINIVM_GET_VMX_CAPS: the capability report agrees with what the kernel
 * found at boot (/proc/cpuinfo's "vmx flags") and with the MSRs themselves.
 */
#include <inttypes.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"

static const struct {
	const char *cpuinfo;
	__u32 flag;
} vmx_flags[] = {
	{ "ept",		MINIVM_VMX_EPT },
	{ "vpid",		MINIVM_VMX_VPID },
	{ "unrestricted_guest",	MINIVM_VMX_UNRESTRICTED_GUEST },
	{ "preemption_timer",	MINIVM_VMX_PREEMPTION_TIMER },
	{ "ept_ad",		MINIVM_VMX_EPT_AD },
	{ "ept_1gb",		MINIVM_VMX_EPT_1G },
};

TEST(flags_match_cpuinfo)
{
	struct minivm_vmx_caps caps;
	unsigned int i;

	NEED_MINIVM();
	ASSERT_EQ(0, read_caps(&caps));
	for (i = 0; i < sizeof(vmx_flags) / sizeof(vmx_flags[0]); i++) {
		bool ours = caps.flags & vmx_flags[i].flag;
		bool kernel = cpuinfo_has("vmx flags", vmx_flags[i].cpuinfo);

		TH_LOG("%-20s minivm %d, /proc/cpuinfo %d",
		       vmx_flags[i].cpuinfo, ours, kernel);
		EXPECT_EQ(kernel, ours);
	}
}

/* The summary fields are what the raw MSRs say (SDM Vol. 3D, A.1, A.6). */
TEST(fields_follow_msrs)
{
	struct minivm_vmx_caps caps;
	unsigned int i;

	NEED_MINIVM();
	ASSERT_EQ(0, read_caps(&caps));
	EXPECT_NE(0, caps.vmcs_revision_id);
	EXPECT_EQ(caps.vmx_basic & 0x7fffffff, caps.vmcs_revision_id);
	EXPECT_EQ(!!(caps.vmx_basic & (1ULL << 55)),
		  !!(caps.flags & MINIVM_VMX_TRUE_CTLS));
	EXPECT_EQ(caps.vmx_misc & 0x1f, caps.preemption_timer_shift);
	EXPECT_LT(0, caps.tsc_khz);
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN), caps.nr_cpus_online);
	/* IA32_FEAT_CTL: locked (bit 0), VMXON outside SMX (bit 2). */
	EXPECT_EQ(5, caps.feature_control & 5);
	/* CR0.PE/PG and CR4.VMXE must be 1 in VMX operation. */
	EXPECT_EQ(0x80000001, caps.cr0_fixed0 & 0x80000001);
	EXPECT_EQ(0x2000, caps.cr4_fixed0 & 0x2000);
	for (i = 0; i < sizeof(caps.reserved) / sizeof(caps.reserved[0]); i++)
		EXPECT_EQ(0, caps.reserved[i]);
}

/* Cross-check the raw values against /dev/cpu/0/msr (the msr module). */
TEST(raw_msrs_match)
{
	struct minivm_vmx_caps caps;
	uint64_t basic = 0, misc = 0;
	int fd;

	NEED_MINIVM();
	fd = open("/dev/cpu/0/msr", O_RDONLY);
	if (fd < 0)
		SKIP(return, "no /dev/cpu/0/msr (msr module not loaded)");
	ASSERT_EQ(8, pread(fd, &basic, 8, 0x480));	/* IA32_VMX_BASIC */
	ASSERT_EQ(8, pread(fd, &misc, 8, 0x485));	/* IA32_VMX_MISC */
	close(fd);
	ASSERT_EQ(0, read_caps(&caps));
	EXPECT_EQ(basic, caps.vmx_basic);
	EXPECT_EQ(misc, caps.vmx_misc);
}

/*
 * With no VM, minivm holds no CPU.  What other hypervisors hold
 * (nr_cpus_foreign) is theirs, not minivm's: coexist_test covers it.
 */
TEST(idle_means_vmx_off)
{
	struct minivm_vmx_caps caps;

	NEED_MINIVM();
	ASSERT_EQ(0, read_caps(&caps));
	EXPECT_EQ(0, caps.nr_cpus_vmx_on);
}

TEST_HARNESS_MAIN

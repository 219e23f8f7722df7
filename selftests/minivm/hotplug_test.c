// SPDX-License-Identifier: GPL-2.0
/*
 * CPU hotplug while VMX is on: a CPU going offline leaves VMX operation, a
 * CPU coming online enters it, and nothing changes while no VM exists.
 */
#include "kselftest_harness.h"
#include "minivm_selftest.h"

#define CPU1_ONLINE "/sys/devices/system/cpu/cpu1/online"

static int set_cpu1(int online)
{
	return write_str(CPU1_ONLINE, online ? "1" : "0");
}

FIXTURE(hotplug) {
	bool ready;
};

FIXTURE_SETUP(hotplug)
{
	self->ready = false;
	if (!minivm_present())
		SKIP(return, "no " MINIVM_DEV ": module not loaded (no VMX?)");
	if (access(CPU1_ONLINE, W_OK))
		SKIP(return, "needs a second CPU that can go offline");
	ASSERT_EQ(1, read_long(CPU1_ONLINE));
	self->ready = true;
}

FIXTURE_TEARDOWN(hotplug)
{
	if (self->ready && read_long(CPU1_ONLINE) != 1)
		set_cpu1(1);
}

#define NEED_READY() do {					\
	if (!self->ready)					\
		SKIP(return, "set-up skipped");			\
} while (0)

TEST_F(hotplug, offline_and_online_while_on)
{
	int vm;

	NEED_READY();
	vm = create_vm_fd();
	ASSERT_LE(0, vm);
	ASSERT_EQ(2, minivm_cpus_on());
	ASSERT_EQ(0, set_cpu1(0));
	EXPECT_EQ(1, minivm_cpus_on());
	ASSERT_EQ(0, set_cpu1(1));
	EXPECT_EQ(2, minivm_cpus_on());
	close(vm);
	EXPECT_EQ(0, minivm_cpus_on());
}

/* A CPU offline when the first VM comes gets VMXON when it returns. */
TEST_F(hotplug, online_after_enable)
{
	int vm;

	NEED_READY();
	ASSERT_EQ(0, set_cpu1(0));
	vm = create_vm_fd();
	ASSERT_LE(0, vm);
	EXPECT_EQ(1, minivm_cpus_on());
	ASSERT_EQ(0, set_cpu1(1));
	EXPECT_EQ(2, minivm_cpus_on());
	close(vm);
	EXPECT_EQ(0, minivm_cpus_on());
}

/* With no VM, hotplug leaves VMX off. */
TEST_F(hotplug, no_vm_no_vmx)
{
	NEED_READY();
	ASSERT_EQ(0, set_cpu1(0));
	ASSERT_EQ(0, set_cpu1(1));
	EXPECT_EQ(0, minivm_cpus_on());
}

TEST_F(hotplug, ten_cycles_while_on)
{
	int i, vm, wrong = 0;

	NEED_READY();
	vm = create_vm_fd();
	ASSERT_LE(0, vm);
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, set_cpu1(0));
		wrong += minivm_cpus_on() != 1;
		ASSERT_EQ(0, set_cpu1(1));
		wrong += minivm_cpus_on() != 2;
	}
	EXPECT_EQ(0, wrong);
	close(vm);
}

TEST_HARNESS_MAIN

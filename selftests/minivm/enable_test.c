// SPDX-License-Identifier: GPL-2.0
/*
 * The enable policy: VMX is on, on every online CPU, exactly while at least
 * one VM exists, and off otherwise.
 */
#include "kselftest_harness.h"
#include "minivm_selftest.h"

static int online_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

TEST(first_vm_on_last_vm_off)
{
	int vm;

	NEED_MINIVM();
	ASSERT_EQ(0, minivm_cpus_on());
	vm = create_vm_fd();
	ASSERT_LE(0, vm);
	EXPECT_EQ(online_cpus(), minivm_cpus_on());
	close(vm);
	EXPECT_EQ(0, minivm_cpus_on());
}

TEST(on_and_off_100_times)
{
	int i, vm, wrong = 0;

	NEED_MINIVM();
	for (i = 0; i < 100; i++) {
		vm = create_vm_fd();
		ASSERT_LE(0, vm) TH_LOG("round %d: %s", i, strerror(errno));
		wrong += minivm_cpus_on() != online_cpus();
		close(vm);
		wrong += minivm_cpus_on() != 0;
	}
	EXPECT_EQ(0, wrong);
}

/* VMX stays on until the last of several VMs is closed, in any order. */
TEST(many_vms_share_vmx)
{
	int vm[4], i;

	NEED_MINIVM();
	for (i = 0; i < 4; i++) {
		vm[i] = create_vm_fd();
		ASSERT_LE(0, vm[i]);
	}
	close(vm[2]);
	close(vm[0]);
	close(vm[3]);
	EXPECT_EQ(online_cpus(), minivm_cpus_on());
	close(vm[1]);
	EXPECT_EQ(0, minivm_cpus_on());
}

/* A VM fd outlives the /dev/minivm fd it came from and pins the module. */
TEST(vm_fd_holds_module_reference)
{
	long before;
	int vm;

	NEED_MINIVM();
	before = minivm_refcnt();
	vm = create_vm_fd();
	ASSERT_LE(0, vm);
	EXPECT_EQ(before + 1, minivm_refcnt());
	EXPECT_EQ(FD_CLOEXEC, fcntl(vm, F_GETFD) & FD_CLOEXEC);
	close(vm);
	EXPECT_EQ(before, minivm_refcnt());
}

TEST(create_vm_with_argument_is_einval)
{
	int fd;

	NEED_MINIVM();
	fd = open_dev();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, MINIVM_CREATE_VM, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, minivm_cpus_on());
	close(fd);
}

TEST_HARNESS_MAIN

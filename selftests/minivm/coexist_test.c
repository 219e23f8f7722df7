// SPDX-License-Identifier: GPL-2.0
/*
 * Living beside KVM: minivm and kvm_intel take turns at VMX without either
 * module being unloaded.  Whoever has a VM holds VMX on every CPU; the
 * other one's VM creation fails with EBUSY until then.
 *
 * KVM's modules come from Debian's kernel package, put into the test
 * machine's /minivm/modules by the initramfs builder.
 */
#include <sys/wait.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"

#define KVM_MODULES "/minivm/modules/"

static int kvm_create_vm(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm, err;

	if (kvm < 0)
		return -1;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	err = errno;
	close(kvm);
	errno = err;
	return vm;
}

static bool load_kvm_intel(void)
{
	static const char * const mods[] = {
		"irqbypass.ko", "kvm.ko", "kvm-intel.ko",
	};
	char path[256];
	unsigned int i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), KVM_MODULES "%s", mods[i]);
		if (load_module(path) && errno != EEXIST)
			return false;
	}
	return access("/dev/kvm", F_OK) == 0;
}

static void unload_kvm_intel(void)
{
	unload_module("kvm_intel");
	unload_module("kvm");
	unload_module("irqbypass");
}

FIXTURE(coexist) {
	bool ready;
};

FIXTURE_SETUP(coexist)
{
	self->ready = false;
	if (!minivm_present())
		SKIP(return, "no " MINIVM_DEV ": module not loaded (no VMX?)");
	if (!load_kvm_intel())
		SKIP(return, "kvm_intel could not be loaded from " KVM_MODULES);
	self->ready = true;
}

/* KVM stays loaded from test to test (loading it is slow in Bochs). */
FIXTURE_TEARDOWN(coexist)
{
}

#define NEED_READY() do {					\
	if (!self->ready)					\
		SKIP(return, "set-up skipped");			\
} while (0)

/* A KVM VM holds VMX: minivm says EBUSY and counts the CPUs as foreign. */
TEST_F(coexist, kvm_vm_keeps_minivm_out)
{
	struct minivm_vmx_caps caps;
	int kvm_vm, vm;

	NEED_READY();
	kvm_vm = kvm_create_vm();
	ASSERT_LE(0, kvm_vm);
	EXPECT_EQ(-1, create_vm_fd());
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, read_caps(&caps));
	EXPECT_EQ(caps.nr_cpus_online, caps.nr_cpus_foreign);
	EXPECT_EQ(0, caps.nr_cpus_vmx_on);
	close(kvm_vm);

	vm = create_vm_fd();
	EXPECT_LE(0, vm);
	close(vm);
}

/* The launcher, with KVM holding VMX: status 4 and a message that says so. */
TEST_F(coexist, launcher_explains_busy_vmx)
{
	int kvm_vm, status;

	NEED_READY();
	kvm_vm = kvm_create_vm();
	ASSERT_LE(0, kvm_vm);
	status = system("minivm run /minivm/guests/hello64.elf 2>&1 | "
			"grep -q 'another hypervisor, e.g. KVM, holds VMX'");
	EXPECT_EQ(0, status);
	status = system("minivm run /minivm/guests/hello64.elf > /dev/null 2>&1");
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(4, WEXITSTATUS(status));
	close(kvm_vm);
}

/* A minivm VM holds VMX: KVM cannot create a VM until it is closed. */
TEST_F(coexist, minivm_vm_keeps_kvm_out)
{
	int kvm_vm, vm;

	NEED_READY();
	vm = create_vm_fd();
	ASSERT_LE(0, vm);
	EXPECT_EQ(-1, kvm_create_vm());
	EXPECT_EQ(EBUSY, errno);
	close(vm);

	kvm_vm = kvm_create_vm();
	EXPECT_LE(0, kvm_vm);
	close(kvm_vm);
}

TEST_F(coexist, take_turns_3_times)
{
	int i, fd, failed = 0;

	NEED_READY();
	/* (Three, not more: a KVM VM's destruction costs ~1.5 s in Bochs.) */
	for (i = 0; i < 3; i++) {
		fd = kvm_create_vm();
		failed += fd < 0;
		close(fd);
		fd = create_vm_fd();
		failed += fd < 0;
		failed += minivm_cpus_on() != sysconf(_SC_NPROCESSORS_ONLN);
		close(fd);
	}
	EXPECT_EQ(0, failed);
}

/*
 * minivm loaded while kvm_intel is already there, and kvm_intel unloaded
 * while a minivm VM runs: the kernel's single emergency-reboot hook changes
 * hands without a warning (the runner checks the kernel log).  This test
 * comes last and leaves KVM unloaded.
 */
TEST_F(coexist, load_order_and_unload_while_running)
{
	int vm;

	NEED_READY();
	ASSERT_EQ(0, unload_module("minivm"));
	ASSERT_EQ(0, load_module(minivm_ko()));
	vm = create_vm_fd();
	ASSERT_LE(0, vm);
	unload_kvm_intel();
	EXPECT_FALSE(module_loaded("kvm_intel"));
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN), minivm_cpus_on());
	close(vm);
	EXPECT_EQ(0, minivm_cpus_on());
}

TEST_HARNESS_MAIN

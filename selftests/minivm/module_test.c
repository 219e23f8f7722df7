// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading the module: 20 rounds of insmod/rmmod, rmmod
 * refused while anything holds the module, and, on a CPU without VMX, a
 * refusal to load with -ENODEV and one clear line in the kernel log.
 *
 * The module's path comes from $MINIVM_KO (default /minivm/modules/).
 * Every test leaves the module loaded if it found it loaded.
 */
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"

#define NEED_VMX() do {							\
	if (!cpu_has_vmx())						\
		SKIP(return, "the CPU has no VMX");			\
} while (0)

/* Get the module loaded (or not); false when that cannot be done. */
static bool ensure_loaded(bool loaded)
{
	if (module_loaded("minivm") == loaded)
		return true;
	if (loaded)
		return load_module(minivm_ko()) == 0;
	return unload_module("minivm") == 0;
}

TEST(insmod_rmmod_20_times)
{
	int i, failed = 0;

	NEED_VMX();
	ASSERT_TRUE(ensure_loaded(false));
	for (i = 0; i < 20; i++) {
		if (load_module(minivm_ko())) {
			TH_LOG("insmod %d: %s", i, strerror(errno));
			failed++;
			continue;
		}
		failed += !minivm_present();
		failed += minivm_cpus_on() != 0;
		if (unload_module("minivm")) {
			TH_LOG("rmmod %d: %s", i, strerror(errno));
			failed++;
		}
		failed += module_loaded("minivm");
	}
	EXPECT_EQ(0, failed);
	ASSERT_TRUE(ensure_loaded(true));
}

TEST(rmmod_refused_while_device_open)
{
	int fd;

	NEED_VMX();
	ASSERT_TRUE(ensure_loaded(true));
	fd = open_dev();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, unload_module("minivm"));
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(fd);
	EXPECT_TRUE(ensure_loaded(false));
	ASSERT_TRUE(ensure_loaded(true));
}

TEST(rmmod_refused_while_vm_exists)
{
	int vm;

	NEED_VMX();
	ASSERT_TRUE(ensure_loaded(true));
	vm = create_vm_fd();	/* the /dev/minivm fd is closed */
	ASSERT_LE(0, vm);
	EXPECT_EQ(-1, unload_module("minivm"));
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(vm);
	EXPECT_TRUE(ensure_loaded(false));
	ASSERT_TRUE(ensure_loaded(true));
}

/* Without VMX: -ENODEV, no device, and the kernel log says why. */
TEST(no_vmx_refuses_to_load)
{
	if (cpu_has_vmx())
		SKIP(return, "the CPU has VMX");
	ASSERT_FALSE(module_loaded("minivm"));
	EXPECT_EQ(-1, load_module(minivm_ko()));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_FALSE(module_loaded("minivm"));
	EXPECT_FALSE(minivm_present());
	EXPECT_TRUE(dmesg_contains("minivm: no VMX: this CPU does not support Intel VT-x"));
}

/* ... and "minivm info" says so in words, with what to do, and fails. */
TEST(no_vmx_info_says_why)
{
	char out[1024] = "";
	size_t n;
	FILE *p;

	if (cpu_has_vmx())
		SKIP(return, "the CPU has VMX");
	p = popen("minivm info 2>&1", "r");
	ASSERT_NE(NULL, p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	EXPECT_EQ(1, WEXITSTATUS(pclose(p)));
	TH_LOG("minivm info: %s", out);
	EXPECT_NE(NULL, strstr(out, "/dev/minivm does not exist: "));
	EXPECT_NE(NULL, strstr(out, "VT-x"));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/minivm: who may open it, what it answers, and how it refuses.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"

/* A misc character device, owned by root, mode 0600. */
TEST(node_is_root_only)
{
	struct stat st;

	NEED_MINIVM();
	ASSERT_EQ(0, stat(MINIVM_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(10, major(st.st_rdev));	/* MISC_MAJOR */
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
}

/* Without root (and without a group rule) the open fails with EACCES. */
TEST(unprivileged_open_is_refused)
{
	int status;
	pid_t pid;

	NEED_MINIVM();
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(open(MINIVM_DEV, O_RDWR) < 0 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(api_version)
{
	int fd;

	NEED_MINIVM();
	fd = open_dev();
	ASSERT_LE(0, fd);
	EXPECT_EQ(MINIVM_API_VERSION, ioctl(fd, MINIVM_GET_API_VERSION, 0));
	/* Unused arguments must be zero, so they can mean something later. */
	EXPECT_EQ(-1, ioctl(fd, MINIVM_GET_API_VERSION, 1));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

/* Known extensions answer nonzero; anything else 0, never an error. */
TEST(check_extension)
{
	unsigned long unknown[] = {
		0, MINIVM_CAP_EOI_EXIT + 1, 1000, 0x7fffffff, ~0UL,
	};
	unsigned int i;
	int fd;

	NEED_MINIVM();
	fd = open_dev();
	ASSERT_LE(0, fd);
	EXPECT_LT(0, ioctl(fd, MINIVM_CHECK_EXTENSION, MINIVM_CAP_VMX_CAPS));
	EXPECT_LT(0, ioctl(fd, MINIVM_CHECK_EXTENSION, MINIVM_CAP_CREATE_VM));
	EXPECT_LT(0, ioctl(fd, MINIVM_CHECK_EXTENSION, MINIVM_CAP_READONLY_MEM));
	EXPECT_EQ(MINIVM_MAX_MEMSLOTS,
		  ioctl(fd, MINIVM_CHECK_EXTENSION, MINIVM_CAP_NR_MEMSLOTS));
	EXPECT_EQ(MINIVM_MAX_VCPUS,
		  ioctl(fd, MINIVM_CHECK_EXTENSION, MINIVM_CAP_MAX_VCPUS));
	/* Every VMX CPU has interrupt-window exiting; not all virtual NMIs. */
	EXPECT_EQ(1, ioctl(fd, MINIVM_CHECK_EXTENSION, MINIVM_CAP_INTERRUPT));
	EXPECT_LE(0, ioctl(fd, MINIVM_CHECK_EXTENSION, MINIVM_CAP_NMI));
	EXPECT_GE(1, ioctl(fd, MINIVM_CHECK_EXTENSION, MINIVM_CAP_NMI));
	/* Local APICs inject the same way: wherever interrupts work. */
	EXPECT_EQ(1, ioctl(fd, MINIVM_CHECK_EXTENSION, MINIVM_CAP_LAPIC));
	EXPECT_EQ(1, ioctl(fd, MINIVM_CHECK_EXTENSION, MINIVM_CAP_EOI_EXIT));
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		EXPECT_EQ(0, ioctl(fd, MINIVM_CHECK_EXTENSION, unknown[i]));
	close(fd);
}

/* An ioctl minivm does not know is -ENOTTY, on every fd it hands out. */
TEST(unknown_ioctl_is_enotty)
{
	unsigned long cmds[] = {
		_IO(MINIVMIO, 0x7f),
		_IOW(MINIVMIO, 0x02, struct minivm_vmx_caps),	/* wrong dir */
		_IO(0xAE, 0x00),				/* KVM's */
		_IO('x', 1),
		0,
	};
	unsigned int i;
	int fd, vm;

	NEED_MINIVM();
	fd = open_dev();
	ASSERT_LE(0, fd);
	vm = ioctl(fd, MINIVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		EXPECT_EQ(-1, ioctl(fd, cmds[i], 0));
		EXPECT_EQ(ENOTTY, errno);
		EXPECT_EQ(-1, ioctl(vm, cmds[i], 0));
		EXPECT_EQ(ENOTTY, errno);
	}
	close(vm);
	close(fd);
}

/* A pointer the kernel cannot write to is -EFAULT, and nothing else. */
TEST(bad_pointer_is_efault)
{
	void *bad[] = {
		NULL, (void *)1, (void *)-1L,
		(void *)0xffffffff81000000UL,	/* kernel text */
		(void *)0x00007ffffffff000UL,	/* last user page, unmapped */
	};
	unsigned int i;
	int fd;

	NEED_MINIVM();
	fd = open_dev();
	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-1, ioctl(fd, MINIVM_GET_VMX_CAPS, bad[i]));
		EXPECT_EQ(EFAULT, errno);
	}
	close(fd);
}

/* An open /dev/minivm pins the module; closing it lets go. */
TEST(open_holds_module_reference)
{
	long before;
	int fd;

	NEED_MINIVM();
	before = minivm_refcnt();
	ASSERT_LE(0, before);
	fd = open_dev();
	ASSERT_LE(0, fd);
	EXPECT_EQ(before + 1, minivm_refcnt());
	close(fd);
	EXPECT_EQ(before, minivm_refcnt());
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * What guest memory costs the host, and what may be guest memory at all.
 * minivm pins every page of a slot and maps it through the EPT, so:
 *
 *   - pinned pages are locked memory: a slot past RLIMIT_MEMLOCK is
 *     refused (KVM pins nothing; VFIO, which pins, counts the same way);
 *   - a shared mapping of an ordinary file is refused: its filesystem
 *     writes those pages back, and cannot see writes made through a
 *     long-term pin (kernels from 6.5 refuse such pins themselves);
 *   - a huge page over a range that had small pages frees the EPT page
 *     table that mapped them, and no EPT table outlives its VM.
 *
 * host_state_test has what the host's CPU keeps.  Every RUN here goes
 * through the host-state oracle (host_state.h).
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <linux/magic.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"
#include "host_state.h"

static void __attribute__((constructor)) check_the_host(void)
{
	if (minivm_present())
		host_state_install();
}

/* The 32-bit value of the guest's OUT to port 80h. */
static uint32_t port80_word(struct guest *g)
{
	uint32_t v = 0;

	memcpy(&v, minivm_io_data(g->cpu.run), 4);
	return v;
}

/*
 * Guest memory at 4 MiB is first 4 KiB pages (the EPT gets a page table
 * for them), then, the slot made again, one 2 MiB huge page over the same
 * range: the page table goes, and no EPT table outlives the VM.
 */
#define HUGE_GPA	0x400000UL
GUEST_CODE_ONLY(g_read_4m, 32, "mov 0x400000, %eax\n out %eax, $0x80\n hlt");

static void *huge_page(void)
{
	void *p;

	write_str("/proc/sys/vm/nr_hugepages", "1");
	p = mmap(NULL, 2UL << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

TEST(huge_page_over_small_pages_frees_their_table)
{
	struct minivm_vmx_caps caps;
	uint8_t *small, *huge;
	struct minivm_regs r;
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, read_caps(&caps));
	if (!(caps.flags & MINIVM_VMX_EPT_2M))
		SKIP(return, "the CPU's EPT has no 2 MiB pages");
	huge = huge_page();
	if (!huge) {
		write_str("/proc/sys/vm/nr_hugepages", "0");
		SKIP(return, "no huge page to be had");
	}
	small = mmap(NULL, 2UL << 20, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, small);
	madvise(small, 2UL << 20, MADV_NOHUGEPAGE);
	*(uint32_t *)small = 0x5111;
	*(uint32_t *)huge = 0xb166;

	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_read_4m));
	ASSERT_EQ(0, minivm_set_memory(g.vm, 3, HUGE_GPA, 2UL << 20, small, 0));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	EXPECT_EQ(0x5111, port80_word(&g));
	ASSERT_EQ(0, minivm_set_memory(g.vm, 3, HUGE_GPA, 0, small, 0));
	ASSERT_EQ(0, minivm_set_memory(g.vm, 3, HUGE_GPA, 2UL << 20, huge, 0));
	ASSERT_EQ(0, minivm_get_regs(&g.cpu, &r));
	r.rip = GUEST_CODE_ADDR;
	ASSERT_EQ(0, minivm_set_regs(&g.cpu, &r));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	EXPECT_EQ(0xb166, port80_word(&g));
	guest_destroy(&g);
	EXPECT_EQ(0, minivm_objects("ept_tables"));
	munmap(small, 2UL << 20);
	munmap(huge, 2UL << 20);
	write_str("/proc/sys/vm/nr_hugepages", "0");
}

/*
 * Pinned guest memory is locked memory: without CAP_IPC_LOCK, a slot
 * larger than RLIMIT_MEMLOCK is refused with ENOMEM.
 */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
	return syscall(SYS_capset, &h, d);
}

TEST(pinned_memory_counts_against_memlock)
{
	struct rlimit lim = { 64 << 10, 64 << 10 };
	uint8_t *mem;
	int dev, vm;

	NEED_MINIVM();
	mem = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	dev = minivm_open_device();
	ASSERT_LE(0, dev);
	vm = minivm_create_vm(dev);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &lim));
	ASSERT_EQ(0, drop_ipc_lock());
	EXPECT_EQ(-ENOMEM, minivm_set_memory(vm, 0, 0, 1 << 20, mem, 0));
	EXPECT_EQ(0, minivm_set_memory(vm, 0, 0, 32 << 10, mem, 0));
	close(vm);
	close(dev);
	munmap(mem, 1 << 20);
}

/* A shared mapping of an ordinary file is no guest memory. */
TEST(shared_file_mapping_is_refused)
{
	const char *path = "/minivm-shared-file";
	struct statfs fs;
	uint8_t *mem;
	int fd, dev, vm;

	NEED_MINIVM();
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	unlink(path);
	ASSERT_EQ(0, fstatfs(fd, &fs));
	if (fs.f_type == TMPFS_MAGIC)
		SKIP(close(fd); return, "/ is tmpfs (shmem), which may be guest memory");
	ASSERT_EQ(0, ftruncate(fd, 1 << 16));
	mem = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, mem);
	dev = minivm_open_device();
	vm = minivm_create_vm(dev);
	ASSERT_LE(0, vm);
	EXPECT_EQ(-EOPNOTSUPP, minivm_set_memory(vm, 0, 0, 1 << 16, mem, 0));
	close(vm);
	close(dev);
	munmap(mem, 1 << 16);
	close(fd);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: creation and its errors, the register ioctls as round trips (the
 * FPU and SSE state's too), the CPUID table as the guest sees it, the run
 * page, and who may use a vCPU.
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"

FIXTURE(vcpu) {
	int dev, vm;
};

FIXTURE_SETUP(vcpu)
{
	OPEN_VM();
}

FIXTURE_TEARDOWN(vcpu)
{
	close_vm(self->dev, self->vm);
}

TEST_F(vcpu, ids_and_their_errors)
{
	int fd[MINIVM_MAX_VCPUS], i;

	NEED_VM();
	EXPECT_EQ(MINIVM_MAX_VCPUS, ioctl(self->dev, MINIVM_CHECK_EXTENSION,
					  MINIVM_CAP_MAX_VCPUS));
	for (i = 0; i < MINIVM_MAX_VCPUS; i++) {
		fd[i] = ioctl(self->vm, MINIVM_CREATE_VCPU, i);
		ASSERT_LE(0, fd[i]);
	}
	EXPECT_EQ(-1, ioctl(self->vm, MINIVM_CREATE_VCPU, 0));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, ioctl(self->vm, MINIVM_CREATE_VCPU, MINIVM_MAX_VCPUS));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->vm, MINIVM_CREATE_VCPU, -1L));
	EXPECT_EQ(EINVAL, errno);
	close(fd[3]);
	fd[3] = ioctl(self->vm, MINIVM_CREATE_VCPU, 3);	/* free again */
	EXPECT_LE(0, fd[3]);
	for (i = 0; i < MINIVM_MAX_VCPUS; i++)
		close(fd[i]);
}

TEST_F(vcpu, run_page_mapping)
{
	long size = ioctl(self->dev, MINIVM_GET_VCPU_MMAP_SIZE, 0);
	void *p;
	int fd;

	NEED_VM();
	EXPECT_EQ(sysconf(_SC_PAGESIZE), size);
	EXPECT_EQ(-1, ioctl(self->dev, MINIVM_GET_VCPU_MMAP_SIZE, 1));
	EXPECT_EQ(EINVAL, errno);
	fd = ioctl(self->vm, MINIVM_CREATE_VCPU, 0);
	ASSERT_LE(0, fd);
	/* Only one page at offset 0 exists. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * size, PROT_READ, MAP_SHARED, fd, 0));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, size, PROT_READ, MAP_SHARED, fd, size));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, size);
	close(fd);
}

TEST_F(vcpu, reset_state_and_round_trips)
{
	struct minivm_sregs s, s2;
	struct minivm_regs r, r2;
	struct minivm_vcpu c;
	unsigned int i;

	NEED_VM();
	ASSERT_EQ(0, minivm_create_vcpu(self->dev, self->vm, 0, &c));
	/* The x86 RESET state (SDM Vol. 3A, Table 10-1). */
	ASSERT_EQ(0, minivm_get_regs(&c, &r));
	ASSERT_EQ(0, minivm_get_sregs(&c, &s));
	EXPECT_EQ(0xfff0, r.rip);
	EXPECT_EQ(2, r.rflags);
	EXPECT_EQ(0x600, r.rdx);
	EXPECT_EQ(0xf000, s.cs.selector);
	EXPECT_EQ(0xffff0000, s.cs.base);
	EXPECT_EQ(0x60000010, s.cr0);
	EXPECT_EQ(0, s.cr4);
	EXPECT_EQ(0, s.efer);

	/* Every GPR keeps what was written. */
	for (i = 0; i < sizeof(r) / 8; i++)
		((uint64_t *)&r)[i] = 0x1111111111111111ULL * (i + 1);
	r.rflags = 0x202;
	r.rip = 0x1234;
	ASSERT_EQ(0, minivm_set_regs(&c, &r));
	ASSERT_EQ(0, minivm_get_regs(&c, &r2));
	EXPECT_EQ(0, memcmp(&r, &r2, sizeof(r)));

	/* The 64-bit mode setup reads back as written. */
	ASSERT_EQ(0, minivm_setup_mode(&c, MINIVM_MODE_LONG,
				       mmap(NULL, 1 << 21, PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
				       1 << 21, 0x100000, 0x1000, 0x8000));
	ASSERT_EQ(0, minivm_get_sregs(&c, &s));
	EXPECT_EQ(1, s.cs.l);
	EXPECT_EQ(0x18, s.cs.selector);
	EXPECT_EQ(0x101000, s.cr3);
	EXPECT_TRUE(s.efer & (1 << 10));	/* LMA */
	EXPECT_TRUE(s.cr0 & 0x80000001);
	s.cr2 = 0xdeadb000;
	ASSERT_EQ(0, minivm_set_sregs(&c, &s));
	ASSERT_EQ(0, minivm_get_sregs(&c, &s2));
	EXPECT_EQ(0, memcmp(&s, &s2, sizeof(s)));
	minivm_destroy_vcpu(&c);
}

TEST_F(vcpu, bad_sregs_and_args)
{
	struct minivm_sregs s, before, after;
	struct minivm_vcpu c;

	NEED_VM();
	ASSERT_EQ(0, minivm_create_vcpu(self->dev, self->vm, 0, &c));
	ASSERT_EQ(0, minivm_get_sregs(&c, &before));
	/* Each refused state also carries changes that would be valid. */
	s = before;
	s.ds.base = 0x12340;
	s.gdt.limit = 0x7f;
	s.cr3 = 0x5000;
	s.efer = 1ULL << 20;			/* reserved */
	EXPECT_EQ(-EINVAL, minivm_set_sregs(&c, &s));
	s.efer = before.efer;
	s.cr4 = before.cr4 | 1 << 13;		/* VMXE: not for guests */
	EXPECT_EQ(-EINVAL, minivm_set_sregs(&c, &s));
	/* ...and a refused SET_SREGS changes nothing (api.rst). */
	ASSERT_EQ(0, minivm_get_sregs(&c, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)))
		TH_LOG("a refused MINIVM_SET_SREGS changed the vCPU");
	EXPECT_EQ(-1, ioctl(c.fd, MINIVM_GET_REGS, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(c.fd, MINIVM_SET_SREGS, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(c.fd, MINIVM_RUN, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(c.fd, MINIVM_CREATE_VM, 0));
	EXPECT_EQ(ENOTTY, errno);
	minivm_destroy_vcpu(&c);
}

/* A table of our own: the guest reads leaf 0x4000_0001 from it. */
GUEST_CODE(g_leaf,
	"mov $0x40000001, %eax\n cpuid\n out %eax, $0x80\n"
	"mov %edx, %eax\n out %eax, $0x80\n"
	"mov $7, %eax\n mov $1, %ecx\n cpuid\n out %eax, $0x80\n hlt");

TEST(set_cpuid_is_what_the_guest_sees)
{
	struct {
		struct minivm_cpuid c;
		struct minivm_cpuid_entry e[2];
	} t = { .c.nent = 2 };
	struct guest g;
	uint32_t v;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_leaf));
	t.e[0] = (struct minivm_cpuid_entry){ .function = 0x40000001,
		.eax = 0x12345678, .edx = 0x9abcdef0 };
	t.e[1] = (struct minivm_cpuid_entry){ .function = 7, .index = 1,
		.flags = MINIVM_CPUID_INDEXED, .eax = 0x77 };
	ASSERT_EQ(0, ioctl(g.vm, MINIVM_SET_CPUID, &t));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	memcpy(&v, minivm_io_data(g.cpu.run), 4);
	EXPECT_EQ(0x12345678, v);
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	memcpy(&v, minivm_io_data(g.cpu.run), 4);
	EXPECT_EQ(0x9abcdef0, v);
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	memcpy(&v, minivm_io_data(g.cpu.run), 4);
	EXPECT_EQ(0x77, v);
	guest_destroy(&g);
}

/* Say XMM3 (OUT of its two halves to port 10h), then set XMM4 and halt. */
GUEST_CODE_ONLY(g_xmm, 64,
	"movq %xmm3, %rax\n out %eax, $0x10\n"
	"shr $32, %rax\n out %eax, $0x10\n"
	"mov $0x1122334455667788, %rax\n movq %rax, %xmm4\n"
	"hlt\n");

#define XSAVE_MXCSR	6		/* region[] index: byte 24 */
#define XSAVE_XMM(n)	(160 + 16 * (n))	/* byte offset */
#define XSAVE_XFEATURES	128		/* region[] index: byte 512, the header */

static uint32_t next_out(struct guest *g)
{
	uint32_t v = 0;

	if (guest_run(g) == MINIVM_EXIT_IO)
		memcpy(&v, minivm_io_data(g->cpu.run), 4);
	return v;
}

/*
 * MINIVM_GET_XSAVE and _SET_XSAVE: the reset state, a round trip, XMM
 * registers the guest reads and writes, and what the host's FXRSTOR or
 * XRSTOR would fault on refused with EINVAL.
 */
TEST(xsave_round_trip_and_the_guest_sees_it)
{
	static struct minivm_xsave x, y;
	uint64_t q = 0x0123456789abcdefULL;
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_xmm));
	ASSERT_EQ(0, ioctl(g.cpu.fd, MINIVM_GET_XSAVE, &x));
	EXPECT_EQ(0x37f, x.region[0] & 0xffff);		/* FCW after FNINIT */
	EXPECT_EQ(0x1f80, x.region[XSAVE_MXCSR]);	/* MXCSR after reset */

	memcpy((char *)x.region + XSAVE_XMM(3), &q, 8);
	ASSERT_EQ(0, ioctl(g.cpu.fd, MINIVM_SET_XSAVE, &x));
	ASSERT_EQ(0, ioctl(g.cpu.fd, MINIVM_GET_XSAVE, &y));
	EXPECT_EQ(0, memcmp(x.region, y.region, 512));
	EXPECT_EQ(0x89abcdef, next_out(&g));
	EXPECT_EQ(0x01234567, next_out(&g));
	ASSERT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	ASSERT_EQ(0, ioctl(g.cpu.fd, MINIVM_GET_XSAVE, &y));
	memcpy(&q, (char *)y.region + XSAVE_XMM(4), 8);
	EXPECT_EQ(0x1122334455667788ULL, q);

	x = y;
	x.region[XSAVE_MXCSR] |= 1U << 31;		/* reserved */
	EXPECT_EQ(-1, ioctl(g.cpu.fd, MINIVM_SET_XSAVE, &x));
	EXPECT_EQ(EINVAL, errno);
	x = y;
	x.region[XSAVE_XFEATURES] |= 1U << 2;		/* AVX: not the guest's */
	EXPECT_EQ(-1, ioctl(g.cpu.fd, MINIVM_SET_XSAVE, &x));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(g.cpu.fd, MINIVM_SET_XSAVE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(g.cpu.fd, MINIVM_GET_XSAVE, NULL));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, ioctl(g.cpu.fd, MINIVM_GET_XSAVE, &x));
	EXPECT_EQ(0, memcmp(x.region, y.region, 512));	/* refused: unchanged */
	guest_destroy(&g);
}

TEST_F(vcpu, set_cpuid_errors)
{
	struct {
		struct minivm_cpuid c;
		struct minivm_cpuid_entry e[1];
	} t = { .c.nent = 1 };

	NEED_VM();
	t.e[0].flags = 2;
	EXPECT_EQ(-1, ioctl(self->vm, MINIVM_SET_CPUID, &t));
	EXPECT_EQ(EINVAL, errno);
	/* Padding must be 0, in the header and in each entry. */
	t.e[0].flags = 0;
	t.e[0].padding[1] = 1;
	EXPECT_EQ(-1, ioctl(self->vm, MINIVM_SET_CPUID, &t));
	EXPECT_EQ(EINVAL, errno);
	t.e[0].padding[1] = 0;
	t.c.padding = 1;
	EXPECT_EQ(-1, ioctl(self->vm, MINIVM_SET_CPUID, &t));
	EXPECT_EQ(EINVAL, errno);
	t.c.padding = 0;
	EXPECT_EQ(0, ioctl(self->vm, MINIVM_SET_CPUID, &t));
	t.c.nent = MINIVM_MAX_CPUID + 1;
	EXPECT_EQ(-1, ioctl(self->vm, MINIVM_SET_CPUID, &t));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, ioctl(self->vm, MINIVM_SET_CPUID, NULL));
	EXPECT_EQ(EFAULT, errno);
}

/* The VM is its creator's: a forked child gets EIO from every ioctl. */
TEST_F(vcpu, other_process_gets_eio)
{
	int status, fd;
	pid_t pid;

	NEED_VM();
	fd = ioctl(self->vm, MINIVM_CREATE_VCPU, 0);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct minivm_regs r;
		int bad = 0;

		bad += ioctl(self->vm, MINIVM_CREATE_VCPU, 1) != -1 || errno != EIO;
		bad += ioctl(fd, MINIVM_GET_REGS, &r) != -1 || errno != EIO;
		bad += ioctl(fd, MINIVM_RUN, 0) != -1 || errno != EIO;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(fd);
}

/* Out of file descriptors: EMFILE, and nothing is left half-made. */
TEST_F(vcpu, no_fd_left_is_emfile)
{
	struct rlimit old, rl;
	int fd, extra;

	NEED_VM();
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	extra = dup(0);
	ASSERT_LE(0, extra);
	rl = old;
	rl.rlim_cur = extra;		/* every fd from here on is refused */
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	fd = ioctl(self->vm, MINIVM_CREATE_VCPU, 0);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EMFILE, errno);
	EXPECT_EQ(-1, ioctl(self->dev, MINIVM_CREATE_VM, 0));
	EXPECT_EQ(EMFILE, errno);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	close(extra);
	fd = ioctl(self->vm, MINIVM_CREATE_VCPU, 0);	/* id 0 is free */
	EXPECT_LE(0, fd);
	close(fd);
}

TEST_HARNESS_MAIN

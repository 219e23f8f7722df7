// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded ioctl fuzzer.  It keeps a handful of /dev/minivm, VM and vCPU
 * fds and throws at them, in random order, every ioctl minivm has (and
 * some it has not), with random and edge-case arguments: NULL, pointers
 * to unmapped, read-only and kernel memory, random sizes and slots,
 * register states half valid and half garbage, guests made of random
 * bytes, fds closed in between.
 *
 * What must hold, whatever happens:
 *   - every call returns a result or one of the documented errnos;
 *   - a well-formed guest still runs correctly in between;
 *   - after the last fd is closed, minivm's object counters are zero.
 * The kernel log check after the run catches the rest.
 *
 *   MINIVM_FUZZ_CALLS  how many calls (default 100000; make soak: 1000000)
 *   MINIVM_FUZZ_SEED   the seed (default: fixed, so a run can be repeated)
 */
#include <stdint.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"

#define NR_VMS		4
#define NR_VCPUS	4
#define POOL_SIZE	(2UL << 20)	/* guest RAM the fuzzer may give */

static uint64_t rng;

/* xorshift64*: small, fast and the same everywhere for a given seed. */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

struct fuzz {
	int dev;
	int vm[NR_VMS];
	int vcpu[NR_VCPUS];
	struct minivm_run *run[NR_VCPUS];
	uint8_t *pool;		/* read-write guest RAM */
	uint8_t *ro;		/* mapped read-only */
	uint8_t *none;		/* PROT_NONE */
	uint8_t *buf;		/* ioctl argument buffer, random bytes */
	uint64_t calls, unexpected;
	int last_errno_seen[256];
};

/*
 * The errnos api.rst documents for minivm's ioctls, and EBADF, which the
 * VFS gives for an fd the fuzzer closed before using it.  Nothing else:
 * an errno that is not here is a path api.rst does not describe.
 */
static bool documented_errno(int e)
{
	switch (e) {
	case EINVAL: case EFAULT: case ENOTTY: case EEXIST: case E2BIG:
	case ENOMEM: case EBUSY: case EINTR: case EIO: case EMFILE:
	case EOPNOTSUPP: case ENXIO: case ENODEV:
		return true;
	case EBADF:
		return true;
	}
	return false;
}

static void note(struct fuzz *f, long ret)
{
	f->calls++;
	if (ret < 0 && !documented_errno(errno)) {
		f->unexpected++;
		if (errno < 256 && !f->last_errno_seen[errno]++)
			printf("# undocumented errno %d (%s)\n", errno,
			       strerror(errno));
	}
}

/* An argument for an ioctl: usually the buffer, sometimes something bad. */
static unsigned long arg_pointer(struct fuzz *f)
{
	switch (below(16)) {
	case 0: return 0;
	case 1: return (unsigned long)f->none;
	case 2: return (unsigned long)f->ro;
	case 3: return 0xffffffff81000000UL;		/* kernel text */
	case 4: return 0x8000000000000000UL;		/* non-canonical */
	case 5: return (unsigned long)f->buf + 4096 - below(64); /* runs off */
	case 6: return rnd();
	default: return (unsigned long)f->buf;
	}
}

static void random_bytes(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 8) {
		uint64_t r = rnd();

		memcpy(p + i, &r, n - i < 8 ? n - i : 8);
	}
}

/*
 * Fresh random bytes in the argument buffer: 512 of them at a random
 * place, the rest keeping those of earlier calls, so the whole buffer
 * stays random.  Refilling all 4 KiB before every call took a fifth of
 * the fuzzer's time in Bochs, for arguments mostly far shorter.
 */
static void stir_buffer(struct fuzz *f)
{
	random_bytes(f->buf + (below(8) << 9), 512);
}

static int any_fd(struct fuzz *f)
{
	switch (below(4)) {
	case 0: return f->dev;
	case 1: return f->vm[below(NR_VMS)];
	case 2: return f->vcpu[below(NR_VCPUS)];
	default: return below(64);	/* maybe stdin, maybe closed */
	}
}

/* A memory region over the pool, read-only or bad memory, or nonsense. */
static void fuzz_memory(struct fuzz *f, int vm)
{
	struct minivm_memory_region r = {
		.slot = below(8) ? below(8) : below(1000),
		.flags = below(4) ? 0 : (below(2) ? MINIVM_MEM_READONLY : rnd()),
		.guest_phys_addr = below(4) ? below(64) << 16 : rnd(),
		.memory_size = below(8) ? below(32) << 12 : rnd(),
	};

	switch (below(6)) {
	case 0: r.userspace_addr = (unsigned long)f->ro; break;
	case 1: r.userspace_addr = (unsigned long)f->none; break;
	case 2: r.userspace_addr = rnd(); break;
	default:
		r.userspace_addr = (unsigned long)f->pool + (below(256) << 12);
		if (r.memory_size > POOL_SIZE - (below(256) << 12))
			r.memory_size = below(16) << 12;
	}
	if (!below(4))
		r.guest_phys_addr |= below(4096);	/* misaligned */
	memcpy(f->buf, &r, sizeof(r));
	note(f, ioctl(vm, MINIVM_SET_MEMORY_REGION,
		      below(8) ? (unsigned long)f->buf : arg_pointer(f)));
}

/* A CPUID table: a random count, random leaves. */
static void fuzz_cpuid(struct fuzz *f, int vm)
{
	struct minivm_cpuid *c = (void *)f->buf;

	stir_buffer(f);
	c->nent = below(4) ? below(100) : rnd();
	c->padding = below(4) ? 0 : rnd();
	note(f, ioctl(vm, MINIVM_SET_CPUID,
		      below(8) ? (unsigned long)f->buf : arg_pointer(f)));
}

/* Registers: mostly those of a mode, a few fields made random. */
static void fuzz_sregs(struct fuzz *f, int vcpu)
{
	struct minivm_sregs s;
	uint64_t *w = (uint64_t *)&s;
	int i;

	if (ioctl(vcpu, MINIVM_GET_SREGS, &s))
		random_bytes((uint8_t *)&s, sizeof(s));
	for (i = below(4); i > 0; i--)
		w[below(sizeof(s) / 8)] = below(2) ? rnd() : rnd() & 0xffff;
	note(f, ioctl(vcpu, MINIVM_SET_SREGS, below(8) ? (unsigned long)&s :
		      arg_pointer(f)));
}

static void fuzz_regs(struct fuzz *f, int vcpu)
{
	struct minivm_regs r;

	if (ioctl(vcpu, MINIVM_GET_REGS, &r))
		memset(&r, 0, sizeof(r));
	((uint64_t *)&r)[below(sizeof(r) / 8)] = below(2) ? rnd() : below(0x20000);
	note(f, ioctl(vcpu, MINIVM_SET_REGS, below(8) ? (unsigned long)&r :
		      arg_pointer(f)));
}

/*
 * The FPU and SSE state: mostly the vCPU's own, a few words made random
 * (MXCSR and the XSAVE header among them).  What the host's FXRSTOR or
 * XRSTOR would fault on must be refused, not loaded at the next RUN.
 */
static void fuzz_xsave(struct fuzz *f, int vcpu)
{
	static struct minivm_xsave x;
	int i;

	if (ioctl(vcpu, MINIVM_GET_XSAVE, &x))
		random_bytes((uint8_t *)&x, sizeof(x));
	for (i = below(4); i > 0; i--)
		x.region[below(2) ? below(160) : below(1024)] = rnd();
	note(f, ioctl(vcpu, MINIVM_SET_XSAVE, below(8) ? (unsigned long)&x :
		      arg_pointer(f)));
}

/*
 * The run page is the VMM's to write between any two RUNs, after any
 * exit: every byte of its header at random, or one field at an extreme.
 * The kernel must finish the last exit from its own copy of what it
 * needs (an IN's width, an INS's count), whatever the page says.
 */
static void scribble_run_page(struct minivm_run *run)
{
	static const uint64_t extreme[] = {
		0, 1, 3, 8, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0xffffffff,
		0x80000000, ~0ULL, 1ULL << 63,
	};
	uint8_t *p = (uint8_t *)run;
	size_t off;
	uint64_t v;

	switch (below(4)) {
	case 0:
		random_bytes(p, MINIVM_RUN_IO_DATA_OFFSET);
		break;
	case 1:
		off = below(MINIVM_RUN_IO_DATA_OFFSET - 8);
		v = extreme[below(ARRAY_SIZE(extreme))];
		memcpy(p + off, &v, 1 << below(4));
		break;
	default:
		break;
	}
}

/*
 * The event state: the vCPU's own with a few bytes of its first 16 (the
 * event, the queue, the blocking, the halt) made small or random, and a
 * random payload and pending debug trap.  What VM entry would refuse must
 * be refused here; what is accepted the guest gets.
 */
static void fuzz_event_state(struct fuzz *f, int vcpu)
{
	struct minivm_vcpu_events ev;
	int i;

	if (ioctl(vcpu, MINIVM_GET_VCPU_EVENTS, &ev))
		memset(&ev, 0, sizeof(ev));
	for (i = below(4); i > 0; i--)
		((uint8_t *)&ev)[below(16)] = below(4) ? below(16) : rnd();
	if (!below(4))
		ev.payload = below(2) ? 0x4000 : ((uint64_t)rnd() << 32 | rnd());
	if (!below(4))
		ev.pending_debug = below(2) ? 1ULL << below(17) : rnd();
	note(f, ioctl(vcpu, MINIVM_SET_VCPU_EVENTS, below(8) ?
		      (unsigned long)&ev : arg_pointer(f)));
}

/*
 * Interrupts and NMIs at any moment, of any vector (exception vectors
 * too: as external interrupts they are the guest's problem, not the
 * host's), and now and then a bad argument.
 */
static void fuzz_events(struct fuzz *f, int vcpu)
{
	struct minivm_interrupt irq = {
		.vector = below(8) ? below(256) : rnd(),
		.padding = below(8) ? 0 : rnd(),
	};

	if (!below(3))
		fuzz_event_state(f, vcpu);
	else if (below(4))
		note(f, ioctl(vcpu, MINIVM_INTERRUPT, below(8) ?
			      (unsigned long)&irq : arg_pointer(f)));
	else
		note(f, ioctl(vcpu, MINIVM_NMI, below(8) ? 0 : rnd()));
}

/* RUN, bounded: a budget of a few exits, sometimes immediate_exit. */
static void fuzz_run(struct fuzz *f, int i)
{
	struct minivm_run *run = f->run[i];

	if (run) {
		scribble_run_page(run);
		run->exit_budget = 1 + below(3);
		run->immediate_exit = !below(16);
		if (!below(8))
			random_bytes((uint8_t *)run + MINIVM_RUN_IO_DATA_OFFSET, 64);
	}
	note(f, ioctl(f->vcpu[i], MINIVM_RUN, 0));
	if (run)
		run->immediate_exit = 0;
}

static void reopen_vm(struct fuzz *f, int i)
{
	if (f->vm[i] >= 0)
		close(f->vm[i]);
	f->vm[i] = ioctl(f->dev, MINIVM_CREATE_VM, below(8) ? 0 : rnd());
	note(f, f->vm[i]);
}

static void reopen_vcpu(struct fuzz *f, int i)
{
	if (f->run[i])
		munmap(f->run[i], 4096);
	f->run[i] = NULL;
	if (f->vcpu[i] >= 0)
		close(f->vcpu[i]);
	f->vcpu[i] = ioctl(f->vm[below(NR_VMS)], MINIVM_CREATE_VCPU,
			   below(8) ? below(10) : rnd());
	note(f, f->vcpu[i]);
	if (f->vcpu[i] >= 0) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
			       f->vcpu[i], 0);

		f->run[i] = p == MAP_FAILED ? NULL : p;
	}
}

/* Every ioctl number minivm knows, for any fd. */
static const unsigned long known[] = {
	MINIVM_GET_API_VERSION, MINIVM_CHECK_EXTENSION, MINIVM_GET_VMX_CAPS,
	MINIVM_CREATE_VM, MINIVM_GET_VCPU_MMAP_SIZE, MINIVM_SET_MEMORY_REGION,
	MINIVM_CREATE_VCPU, MINIVM_SET_CPUID, MINIVM_RUN, MINIVM_GET_REGS,
	MINIVM_SET_REGS, MINIVM_GET_SREGS, MINIVM_SET_SREGS, MINIVM_INTERRUPT,
	MINIVM_NMI, MINIVM_GET_XSAVE, MINIVM_SET_XSAVE,
	MINIVM_GET_VCPU_EVENTS, MINIVM_SET_VCPU_EVENTS,
};

/* A known ioctl, or one with minivm's magic and a random number/size. */
static unsigned long random_cmd(void)
{
	if (below(2))
		return known[below(ARRAY_SIZE(known))];
	return _IOC(below(4), MINIVMIO, below(64), below(4096));
}

static void one_call(struct fuzz *f)
{
	int i = below(NR_VCPUS), v = below(NR_VMS);
	unsigned long cmd;
	int fd;

	switch (below(20)) {
	case 0: case 1:
		fuzz_memory(f, f->vm[v]);
		break;
	case 2:
		fuzz_cpuid(f, f->vm[v]);
		break;
	case 3: case 4:
		fuzz_sregs(f, f->vcpu[i]);
		break;
	case 5: case 6:
		fuzz_regs(f, f->vcpu[i]);
		break;
	case 7: case 8: case 9:
		fuzz_run(f, i);
		break;
	case 10:
		reopen_vm(f, v);
		break;
	case 11:
		reopen_vcpu(f, i);
		break;
	case 12:	/* guest code: random bytes at a random place */
		random_bytes(f->pool + (below(512) << 12), 4096);
		break;
	case 13:
		note(f, ioctl(f->dev, MINIVM_CHECK_EXTENSION, rnd()));
		break;
	case 14:
		fuzz_events(f, f->vcpu[i]);
		break;
	case 15:
		fuzz_xsave(f, f->vcpu[i]);
		break;
	default:	/* anything on anything */
		cmd = random_cmd();
		fd = any_fd(f);
		stir_buffer(f);
		if (cmd == MINIVM_CREATE_VM || cmd == MINIVM_CREATE_VCPU) {
			/* keep the fd count bounded: close what comes back */
			long r = ioctl(fd, cmd, below(4) ? below(10) : rnd());

			note(f, r);
			if (r >= 0 && r != f->dev)
				close(r);
			break;
		}
		note(f, ioctl(fd, cmd, arg_pointer(f)));
	}
}

/* Between the noise: a correct guest still runs correctly. */
GUEST_CODE(g_sane, "mov $0x42, %al\n out %al, $0x80\n hlt");

static bool sane_guest_runs(void)
{
	struct guest g;
	bool ok;

	ok = !guest_create(&g, MINIVM_MODE_LONG, g_sane) &&
	     guest_run(&g) == MINIVM_EXIT_IO &&
	     minivm_io_data(g.cpu.run)[0] == 0x42 &&
	     guest_run(&g) == MINIVM_EXIT_HLT;
	guest_destroy(&g);
	return ok;
}

static void fuzz_close_all(struct fuzz *f)
{
	int i;

	for (i = 0; i < NR_VCPUS; i++) {
		if (f->run[i])
			munmap(f->run[i], 4096);
		if (f->vcpu[i] >= 0)
			close(f->vcpu[i]);
	}
	for (i = 0; i < NR_VMS; i++)
		if (f->vm[i] >= 0)
			close(f->vm[i]);
	close(f->dev);
}

TEST(ioctl_fuzzer)
{
	const char *env_calls = getenv("MINIVM_FUZZ_CALLS");
	const char *env_seed = getenv("MINIVM_FUZZ_SEED");
	uint64_t n = env_calls ? strtoull(env_calls, NULL, 0) : 100000;
	uint64_t seed = env_seed ? strtoull(env_seed, NULL, 0) : 0x6d696e69766dULL;
	struct fuzz f = { .calls = 0 };
	uint64_t next_check = 10000;
	int i, insane = 0;

	NEED_MINIVM();
	rng = seed ? seed : 1;
	TH_LOG("seed %#llx, %llu calls", (unsigned long long)seed,
	       (unsigned long long)n);
	f.dev = open_dev();
	ASSERT_LE(0, f.dev);
	f.pool = mmap(NULL, POOL_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f.ro = mmap(NULL, 1 << 16, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f.none = mmap(NULL, 1 << 16, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f.buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, f.pool);
	ASSERT_NE(MAP_FAILED, f.ro);
	ASSERT_NE(MAP_FAILED, f.none);
	ASSERT_NE(MAP_FAILED, f.buf);
	/* The page after the buffer is a guard: arguments may run into it. */
	ASSERT_EQ(0, mprotect(f.buf + 4096, 4096, PROT_NONE));
	random_bytes(f.buf, 4096);
	for (i = 0; i < NR_VMS; i++) {
		f.vm[i] = -1;
		reopen_vm(&f, i);
	}
	for (i = 0; i < NR_VCPUS; i++) {
		f.vcpu[i] = -1;
		reopen_vcpu(&f, i);
	}

	while (f.calls < n) {
		one_call(&f);
		if (f.calls >= next_check) {
			insane += !sane_guest_runs();
			next_check += 10000;
		}
	}
	fuzz_close_all(&f);

	EXPECT_EQ(0, f.unexpected);
	EXPECT_EQ(0, insane);
	EXPECT_TRUE(sane_guest_runs());
	if (live_objects() >= 0)
		EXPECT_EQ(0, live_objects());
	EXPECT_EQ(0, minivm_cpus_on());
	printf("# figure: fuzz_calls=%llu\n", (unsigned long long)f.calls);
	munmap(f.pool, POOL_SIZE);
	munmap(f.buf, 8192);
}

TEST_HARNESS_MAIN

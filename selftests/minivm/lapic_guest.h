/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guests that use their local APIC (MINIVM_CREATE_LAPIC), for lapic_test
 * and lapic_timer_test.
 *
 * Such a guest's code starts with its interrupt handlers, each at a fixed
 * offset (SLOT), and its main code at 100h (MAIN), where lapic_start()
 * points RIP.  In xAPIC mode EBX holds the APIC's page, FEE00000h, for
 * the whole run: APIC_RD(off) loads a register into EAX, APIC_WR(off, val)
 * stores one, as aligned 32-bit accesses.  XHANDLER(slot, port) is a
 * handler that reports on @port, writes EOI and returns with IRET of the
 * mode's width: 48h CFh is IRETQ in 64-bit code, DEC (E)AX then IRET in
 * 16- and 32-bit code, where the handlers do not care about (E)AX.
 */
#ifndef MINIVM_LAPIC_GUEST_H
#define MINIVM_LAPIC_GUEST_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

#include "guest.h"

#define SLOT(off)	".fill " #off " - (. - 0b), 1, 0x90\n"
/*
 * MAIN first touches the GDT's page (reloading DS), the IDT's and the
 * stack's, so that no interrupt's delivery is cut short by the EPT
 * violation that maps them.  minivm redelivers such an interrupt itself;
 * Bochs's virtual-interrupt delivery cannot be redelivered, as it reports
 * a stale event for it (kmod/lapic_virt.c), and lapic_test checks that
 * path on Bochs too.  It clobbers AX.
 */
#define MAIN		SLOT(0x100) "mov %ds, %ax\n mov %ax, %ds\n"	\
			"mov 0x6000, %al\n pushf\n popf\n"
#define APIC_PAGE	"mov $0xfee00000, %ebx\n"
#define APIC_RD(off)	"mov " #off "(%ebx), %eax\n"
#define APIC_WR(off, val) "movl $" #val ", " #off "(%ebx)\n"
#define REPORT(port)	"out %eax, $" #port "\n"
#define IRET		".byte 0x48, 0xcf\n"
#define XHANDLER(off, port) SLOT(off) "out %al, $" #port "\n"	\
			APIC_WR(0xb0, 0) IRET
#define SVR_ON		APIC_WR(0xf0, 0x1ff)	/* software-enable, vector FFh */

#define MAIN_OFFSET	0x100

/* The next exit is an OUT to @port; returns what it wrote. */
static inline uint32_t lapic_expect_out(struct __test_metadata *_metadata,
					struct guest *g, uint16_t port)
{
	int exit = guest_run(g);
	uint32_t val = 0;

	EXPECT_EQ(MINIVM_EXIT_IO, exit)
		TH_LOG("%s, not an OUT to %#x", minivm_exit_name(exit), port);
	if (exit != MINIVM_EXIT_IO)
		return ~0U;
	EXPECT_EQ(MINIVM_EXIT_IO_OUT, g->cpu.run->io.direction);
	EXPECT_EQ(port, g->cpu.run->io.port);
	memcpy(&val, minivm_io_data(g->cpu.run), g->cpu.run->io.size);
	return val;
}

/*
 * A guest in @mode running @code from MAIN, with vector
 * handlers[i].vector going to the handler at handlers[i].slot; with a
 * local APIC if @lapic (lapic_start()).
 */
struct lapic_handler {
	uint8_t vector;
	uint16_t slot;
};

static inline int slots_start(struct guest *g, enum minivm_mode mode,
			      const struct guest_code *code,
			      const struct lapic_handler *h, int n, bool lapic)
{
	struct minivm_regs r;
	int ret, i;

	guest_with_lapic = lapic;
	ret = guest_create(g, mode, code);
	guest_with_lapic = false;
	for (i = 0; !ret && i < n; i++)
		ret = guest_set_handler(g, mode, h[i].vector, h[i].slot);
	if (!ret)
		ret = minivm_get_regs(&g->cpu, &r);
	if (ret)
		return ret;
	r.rip += MAIN_OFFSET;
	return minivm_set_regs(&g->cpu, &r);
}

static inline int lapic_start(struct guest *g, enum minivm_mode mode,
			      const struct guest_code *code,
			      const struct lapic_handler *h, int n)
{
	return slots_start(g, mode, code, h, n, true);
}

static inline double lapic_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline void lapic_on_alarm(int sig)
{
}

/*
 * Deliver SIGALRM to this thread after @ms, without SA_RESTART, so that
 * a RUN asleep in a HLT returns -EINTR; 0 takes an armed alarm back.
 */
static inline void lapic_alarm_in(int ms)
{
	struct sigaction sa = { .sa_handler = lapic_on_alarm };
	struct itimerval it = {
		.it_value = { ms / 1000, (ms % 1000) * 1000 },
	};

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

/* Does /dev/minivm have extension @cap (MINIVM_CAP_*)? */
static inline bool has_extension(unsigned int cap)
{
	int fd = minivm_open_device();
	bool ok = fd >= 0 && minivm_check_extension(fd, cap) > 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * The module parameter apicv (kmod/lapic_virt.c): whether VMs that create
 * their APICs from now on get the CPU's APIC virtualization: 1 where the
 * CPU has it, 0 never, -1 (the default) as KVM would.
 */
#define MINIVM_APICV_PARAM "/sys/module/minivm/parameters/apicv"

static inline int apicv_param_set(int v)
{
	FILE *f = fopen(MINIVM_APICV_PARAM, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fprintf(f, "%d\n", v) < 0 ? -EIO : 0;
	if (fclose(f))
		ret = -errno;
	return ret;
}

/*
 * LAPIC_FIXTURE(fx): a guest per test, as GUEST_FIXTURE, with variants per
 * processor mode and per way the APIC works: by default the VMs get the
 * CPU's APIC virtualization wherever it has some, and with .emulated
 * never, so the same test checks the CPU's virtual-interrupt delivery and
 * minivm's injection (on a CPU without the first, both run the second).
 */
#define LAPIC_VARIANT	bool emulated;
#define LAPIC_SETUP	ASSERT_EQ(0, apicv_param_set(variant->emulated ? 0 : 1))
#define LAPIC_TEARDOWN	apicv_param_set(-1)
#define LAPIC_FIXTURE(fx)						\
	GUEST_FIXTURE_WITH(fx, LAPIC_VARIANT, LAPIC_SETUP, LAPIC_TEARDOWN)

#define NEED_LAPIC() do {						\
	if (!self->ready)						\
		SKIP(return, "no " MINIVM_DEV);				\
	if (!has_extension(MINIVM_CAP_LAPIC))				\
		SKIP(return, "no MINIVM_CAP_LAPIC: no interrupt-window exiting"); \
} while (0)

/* MINIVM_CAP_APICV now, under the variant's parameter. */
static inline unsigned int apicv_now(void)
{
	int dev = minivm_open_device(), v;

	if (dev < 0)
		return 0;
	v = minivm_check_extension(dev, MINIVM_CAP_APICV);
	close(dev);
	return v > 0 ? v : 0;
}

/*
 * In a LAPIC_FIXTURE test: the virtualized variant needs the CPU's @what
 * (MINIVM_APICV_*); the emulated one must have nothing.  Return: whether
 * this run is virtualized.
 */
#define NEED_APICV(what) ({						\
	unsigned int __v = apicv_now();					\
	NEED_LAPIC();							\
	if (variant->emulated) {					\
		ASSERT_EQ(0, __v);					\
	} else if (!(__v & (what))) {					\
		SKIP(return, "the CPU has no " #what);			\
	}								\
	!variant->emulated;						\
})

#endif /* MINIVM_LAPIC_GUEST_H */

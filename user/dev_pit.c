// SPDX-License-Identifier: GPL-2.0
/*
 * dev_pit.c - the PC's 8254 programmable interval timer at 40h-43h, and
 * port 61h, whose bit 0 gates its channel 2 and whose bit 5 shows that
 * channel's output.
 *
 * The counters count down at 1.193182 MHz.  minivm does not count: it
 * notes when a counter was loaded and computes its value from the host's
 * monotonic clock whenever the guest reads it.  Channel 0 drives IRQ 0:
 * for the periodic modes (2 and 3) and the one-shot mode 0 a POSIX timer
 * of the host expires when the output would rise, its signal makes
 * MINIVM_RUN return (vmm.c), and pit_poll() then raises IRQ 0 at the PIC
 * (dev_pic.c).  Ticks the guest was too slow to take are coalesced into
 * one, as a real PIT's edges would be while the interrupt is pending, and
 * the host timer never fires more often than every 50 us.
 * Channel 2 is what guests use to calibrate the TSC: gated by port 61h,
 * read through the counter latch or bit 5 of port 61h (mode 0's output
 * rises when the count runs out).
 *
 * Left out: channel 1 (DRAM refresh, long gone), the BCD mode, modes 1, 4
 * and 5 (hardware-triggered or strobes; treated as mode 0), and the
 * read-back command's status byte.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <time.h>

#include "vmm.h"

#define PIT_HZ		1193182ULL
#define NSEC		1000000000ULL
/*
 * The host timer fires at most every 50 us: a guest that programs a count
 * of 1 (1.19 MHz) gets its ticks coalesced rather than the launcher a
 * signal storm.
 */
#define MIN_PERIOD_NS	50000ULL

struct channel {
	uint32_t reload;	/* 1-65536 */
	uint8_t mode, rw;	/* rw: 1 LSB, 2 MSB, 3 LSB then MSB */
	bool write_msb;		/* the next write is the MSB */
	bool read_msb;		/* the next read is the MSB */
	bool latched;
	uint16_t latch;
	uint64_t start;		/* ns when counting began */
	bool counting;
};

static struct channel ch[3];
static bool gate2, speaker;
static timer_t timer;
static bool have_timer;
static uint64_t delivered;	/* channel 0 periods already raised */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static bool periodic(const struct channel *c)
{
	return c->mode == 2 || c->mode == 3;
}

/* PIT clock ticks since the counter started. */
static uint64_t ticks(const struct channel *c)
{
	return c->counting ? (now_ns() - c->start) * PIT_HZ / NSEC : 0;
}

static uint16_t count(const struct channel *c)
{
	uint64_t t = ticks(c);

	if (!c->counting)
		return c->reload;
	if (periodic(c))
		return c->reload - t % c->reload;
	return t >= c->reload ? (uint16_t)(0x10000 - (t - c->reload) % 0x10000)
			      : c->reload - t;
}

/* Mode 0's output: low while counting, high once the count ran out. */
static bool out_high(const struct channel *c)
{
	if (!c->counting)
		return true;
	if (periodic(c))
		return c->mode == 3 ? count(c) > c->reload / 2 : true;
	return ticks(c) >= c->reload;
}

/* The host timer that stands for channel 0's output edges. */
static void arm(void)
{
	struct itimerspec its = { 0 };
	uint64_t period = ch[0].reload * NSEC / PIT_HZ;

	if (period < MIN_PERIOD_NS)
		period = MIN_PERIOD_NS;
	struct sigevent sev = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = VMM_TIMER_SIGNAL,
	};

	if (!have_timer) {
		if (timer_create(CLOCK_MONOTONIC, &sev, &timer))
			return;
		have_timer = true;
	}
	if (ch[0].counting) {
		its.it_value.tv_sec = period / NSEC;
		its.it_value.tv_nsec = period % NSEC ? period % NSEC : 1;
		if (periodic(&ch[0]))
			its.it_interval = its.it_value;
	}
	timer_settime(timer, 0, &its, NULL);
}

static void load(int n, uint16_t val)
{
	struct channel *c = &ch[n];

	c->reload = val ? val : 0x10000;
	c->counting = n != 2 || gate2;
	c->start = now_ns();
	if (n == 0) {
		delivered = 0;
		arm();
	}
}

static void write_count(int n, uint8_t val)
{
	struct channel *c = &ch[n];
	uint16_t cur = c->reload & 0xffff;

	switch (c->rw) {
	case 1:
		load(n, val);
		break;
	case 2:
		load(n, val << 8);
		break;
	default:
		if (!c->write_msb) {
			c->reload = (cur & 0xff00) | val;
			c->write_msb = true;
			c->counting = false;	/* until the MSB arrives */
		} else {
			c->write_msb = false;
			load(n, (val << 8) | (c->reload & 0xff));
		}
	}
}

static uint8_t read_count(int n)
{
	struct channel *c = &ch[n];
	uint16_t v = c->latched ? c->latch : count(c);
	bool msb = c->rw == 2 || (c->rw == 3 && c->read_msb);

	if (c->rw == 3)
		c->read_msb = !c->read_msb;
	if (!c->latched || c->rw != 3 || !c->read_msb)
		c->latched = false;	/* a latch is read once, both bytes */
	return msb ? v >> 8 : v & 0xff;
}

static void control(uint8_t val)
{
	int n = val >> 6;
	struct channel *c;

	if (n == 3)			/* read-back: not supported */
		return;
	c = &ch[n];
	if (!(val & 0x30)) {		/* counter latch command */
		if (!c->latched) {
			c->latch = count(c);
			c->latched = true;
			c->read_msb = false;
		}
		return;
	}
	c->rw = (val >> 4) & 3;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;		/* 6 and 7 are 2 and 3 */
	c->write_msb = c->read_msb = c->latched = false;
	c->counting = false;		/* a control word stops it */
	if (n == 0)
		arm();
}

static void pit_out(struct vmm *v, uint16_t port, uint8_t size, uint32_t val)
{
	if (port == 0x61) {
		bool gate = val & 1;

		if (gate && !gate2 && ch[2].reload) {	/* rising: restart */
			ch[2].start = now_ns();
			ch[2].counting = true;
		} else if (!gate) {
			ch[2].counting = false;
		}
		gate2 = gate;
		speaker = val & 2;
		return;
	}
	if (port == 0x43)
		control(val);
	else
		write_count(port - 0x40, val);
}

static uint32_t pit_in(struct vmm *v, uint16_t port, uint8_t size)
{
	if (port == 0x61) {
		static bool refresh;

		refresh = !refresh;	/* bit 4 toggles, as DRAM refresh did */
		return gate2 | speaker << 1 | refresh << 4 |
		       (ch[2].counting && out_high(&ch[2])) << 5;
	}
	if (port == 0x43)
		return 0xff;
	return read_count(port - 0x40);
}

/**
 * pit_poll() - raise IRQ 0 if channel 0's output rose since the last
 * call (edge-triggered at the PIC: up, then down again).
 */
void pit_poll(void)
{
	struct channel *c = &ch[0];
	uint64_t periods;

	if (!c->counting)
		return;
	periods = ticks(c) / c->reload;
	if (!periodic(c) && periods > 1)
		periods = 1;			/* mode 0 rises once */
	if (periods > delivered) {
		delivered = periods;
		vmm_set_irq(0, 1);
		vmm_set_irq(0, 0);
	}
}

/**
 * pit_next_ns() - how long until channel 0's output next rises, for a
 * halted guest to wait; 0 if it never will.
 */
uint64_t pit_next_ns(void)
{
	struct channel *c = &ch[0];
	uint64_t t, next;

	if (!c->counting || (!periodic(c) && delivered))
		return 0;
	t = ticks(c);
	next = (t / c->reload + 1) * c->reload;
	return (next - t) * NSEC / PIT_HZ + 1;
}

const struct vmm_device dev_pit = {
	.name = "8254 PIT", .port = 0x40, .nports = 4,
	.out = pit_out, .in = pit_in,
};

const struct vmm_device dev_port61 = {
	.name = "port 61h (PIT channel 2 gate)", .port = 0x61, .nports = 1,
	.out = pit_out, .in = pit_in,
};

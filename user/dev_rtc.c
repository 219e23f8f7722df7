// SPDX-License-Identifier: GPL-2.0
/*
 * dev_rtc.c - the PC's real-time clock and CMOS memory (a Motorola
 * MC146818): an index at port 70h, the selected byte at 71h.
 *
 * Linux reads the wall-clock time from it at boot (rtc_cmos, and the
 * "Unable to read current time from RTC" it prints otherwise).  The time
 * registers report the host's UTC in BCD, 24-hour mode (register B =
 * 02h), the way a PC's firmware leaves them; register A never shows an
 * update in progress, register D says the battery is good.  Everything
 * else is 128 bytes of memory that keep what is written, time registers
 * included, though reads of those keep following the host: the guest
 * cannot set the clock.  Bit 7 of the index (NMI disable on a PC) is
 * ignored.  No periodic, alarm or update interrupts (IRQ 8).
 */
#define _GNU_SOURCE
#include <time.h>

#include "vmm.h"

#define RTC_SECONDS		0x00
#define RTC_MINUTES		0x02
#define RTC_HOURS		0x04
#define RTC_DAY_OF_WEEK		0x06
#define RTC_DAY_OF_MONTH	0x07
#define RTC_MONTH		0x08
#define RTC_YEAR		0x09
#define RTC_REG_A		0x0a
#define RTC_REG_B		0x0b
#define RTC_REG_C		0x0c
#define RTC_REG_D		0x0d
#define RTC_CENTURY		0x32	/* where PC firmware keeps it */

#define REG_A_DIVIDER		0x26	/* 32.768 kHz, 1024 Hz rate: no UIP */
#define REG_B_24H		0x02	/* 24-hour mode, BCD, no interrupts */
#define REG_D_VRT		0x80	/* valid RAM and time */

static struct {
	uint8_t index;
	uint8_t ram[128];
} rtc = { .ram = { [RTC_REG_A] = REG_A_DIVIDER, [RTC_REG_B] = REG_B_24H,
		   [RTC_REG_D] = REG_D_VRT } };

static uint8_t bcd(int x)
{
	return (x / 10) << 4 | x % 10;
}

static uint8_t read_time(uint8_t reg)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	switch (reg) {
	case RTC_SECONDS: return bcd(tm.tm_sec);
	case RTC_MINUTES: return bcd(tm.tm_min);
	case RTC_HOURS: return bcd(tm.tm_hour);
	case RTC_DAY_OF_WEEK: return bcd(tm.tm_wday + 1);
	case RTC_DAY_OF_MONTH: return bcd(tm.tm_mday);
	case RTC_MONTH: return bcd(tm.tm_mon + 1);
	case RTC_YEAR: return bcd(tm.tm_year % 100);
	default: return bcd(19 + tm.tm_year / 100);	/* RTC_CENTURY */
	}
}

static void rtc_out(struct vmm *v, uint16_t port, uint8_t size, uint32_t val)
{
	if (port == 0x70)
		rtc.index = val & 0x7f;
	else if (rtc.index != RTC_REG_C && rtc.index != RTC_REG_D)
		rtc.ram[rtc.index] = val;	/* C and D are read-only */
}

static bool is_time(uint8_t reg)
{
	switch (reg) {
	case RTC_SECONDS: case RTC_MINUTES: case RTC_HOURS:
	case RTC_DAY_OF_WEEK: case RTC_DAY_OF_MONTH: case RTC_MONTH:
	case RTC_YEAR: case RTC_CENTURY:
		return true;
	}
	return false;
}

static uint32_t rtc_in(struct vmm *v, uint16_t port, uint8_t size)
{
	if (port == 0x70)
		return 0xff;		/* the index is write-only */
	return is_time(rtc.index) ? read_time(rtc.index) : rtc.ram[rtc.index];
}

const struct vmm_device dev_rtc = {
	.name = "real-time clock (MC146818)", .port = 0x70, .nports = 2,
	.out = rtc_out, .in = rtc_in,
};

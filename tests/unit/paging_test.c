// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test for the launcher's walk of the guest's page tables
 * (user/paging.c): the guest-physical address, the accessed and dirty
 * flags, and, when the access faults, the #PF error code the CPU would
 * push (SDM Vol. 3A, "Page-Fault Error Code"), which the launcher gives
 * the guest through MINIVM_SET_VCPU_EVENTS.  4-level paging over a
 * buffer that stands for guest RAM; no VMX needed.  TAP output.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../user/vmm.h"
#include "tap.h"

#define P	1ULL
#define W	2ULL
#define U	4ULL
#define A	0x20ULL
#define D	0x40ULL

#define PML4	0x1000
#define PDPT	0x2000
#define PD	0x3000
#define PT	0x4000
#define DATA	0x5000		/* the page most addresses map to */

static struct vmm v;
static struct minivm_sregs s;

static uint64_t *entry(uint64_t table, unsigned int i)
{
	return (uint64_t *)(v.mem + table) + i;
}

/* Linear 0x40000000 + n * 4 KiB maps DATA through PT entry n, with @pte's bits. */
static void map(unsigned int n, uint64_t bits)
{
	*entry(PT, n) = bits ? DATA | bits : 0;
}

static void fresh(uint64_t upper)
{
	memset(v.mem, 0, v.mem_size);
	*entry(PML4, 0) = PDPT | upper;
	*entry(PDPT, 1) = PD | upper;
	*entry(PD, 0) = PT | upper;
	memset(&s, 0, sizeof(s));
	s.cr0 = 0x80010001;		/* PG, WP, PE */
	s.cr3 = PML4;
	s.cr4 = 0x20;			/* PAE */
	s.efer = 0x500;			/* LME, LMA */
}

/* The walk for @la, as @write and at CPL @cpl: its #PF code, or -2 if none. */
static int walk(uint64_t la, bool write, unsigned int cpl, uint64_t *pa)
{
	const char *why = NULL;
	int code = 0;

	s.ss.dpl = cpl;
	return vmm_translate(&v, &s, la, write, pa, &why, &code) ? -2 : code;
}

int main(void)
{
	uint64_t pa = 0;

	v.mem_size = 0x8000;
	v.mem = calloc(1, v.mem_size);

	fresh(P | W | U);
	map(0, P | W);
	check(walk(0x40000123, false, 0, &pa) == -2 && pa == DATA + 0x123,
	      "a present page: its guest-physical address");
	check((*entry(PT, 0) & (A | D)) == A && (*entry(PD, 0) & A),
	      "a read sets A on every level, not D");
	check(walk(0x40000123, true, 0, &pa) == -2 && (*entry(PT, 0) & D),
	      "a write sets D on the page");
	check(walk(0x40001000, false, 0, &pa) == 0,
	      "not present, a read by the kernel: error code 0");
	check(walk(0x40001000, true, 3, &pa) == 6,
	      "not present, a write from CPL 3: W and U, not P");
	map(2, P);
	check(walk(0x40002000, true, 0, &pa) == 3,
	      "read-only, a write with CR0.WP: P and W");
	s.cr0 &= ~0x10000ULL;
	check(walk(0x40002000, true, 0, &pa) == -2,
	      "read-only, a write by the kernel without CR0.WP: allowed");
	check(walk(0x40000000, false, 3, &pa) == 5,
	      "a supervisor page, a read from CPL 3: P and U");

	/* A read-only upper level above an absent page: not present wins. */
	fresh(P | U);
	check(walk(0x40003000, true, 0, &pa) == 2,
	      "absent under a read-only table: a not-present fault, P clear");
	map(3, P | W | U);
	check(walk(0x40003000, true, 0, &pa) == 3,
	      "writable page under a read-only table: a protection fault");
	*entry(PD, 0) = 0x100000 | P | W | U;	/* a table outside RAM */
	check(walk(0x40003000, false, 0, &pa) == -1,
	      "tables outside RAM: no #PF (-1), the launcher declines");
	free(v.mem);
	return tap_done();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Control registers the guest changes on its own.  Most CR0 and CR4 bits
 * belong to the guest: turning paging on or off, or entering protected
 * mode, does not exit (only NE, CD, NW, VMXE and OSXSAVE do).  What
 * minivm does at a later exit must still follow the guest's real mode:
 * decoding an MMIO instruction walks the guest's page tables as they are
 * now, and an exception with an error code carries it once CR0.PE is set.
 *
 * Each guest first clears CR0.CD and CR0.NW, a write that exits, so that
 * minivm has seen a CR0 value before the guest changes the bits it owns.
 * The last cases set the control registers from outside, with
 * MINIVM_SET_SREGS, which must check and complete them as a MOV would.
 */
#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"

#define PAGE_DIR	0x1f0000UL	/* the guests' own page directory */
#define ALIAS		0x80000000UL	/* where it maps the low 4 MiB again */
#define PDE_4M		0x83		/* present, writable, 4 MiB page */

#define CACHING_ON "mov %cr0, %eax\n and $0x9fffffff, %eax\n mov %eax, %cr0\n"

static void expect_mmio_write(struct __test_metadata *_metadata,
			      struct guest *g, uint64_t addr, uint32_t value)
{
	struct minivm_run *run = g->cpu.run;
	uint32_t data = 0;

	ASSERT_EQ(MINIVM_EXIT_MMIO, guest_run(g))
		TH_LOG("exit %u", run->exit_reason);
	EXPECT_EQ(addr, run->mmio.phys_addr);
	EXPECT_EQ(4, run->mmio.len);
	EXPECT_TRUE(run->mmio.is_write);
	memcpy(&data, run->mmio.data, 4);
	EXPECT_EQ(value, data);
}

/*
 * Protected mode, no paging: the guest maps the low 4 MiB twice (at 0 and
 * at 2 GiB, 4 MiB pages), turns on CR4.PSE and CR0.PG, jumps to the
 * alias and writes to MMIO from there.  The instruction's bytes are only
 * found by walking the guest's tables: minivm must know paging is on.
 */
GUEST_CODE_ONLY(g_paging_on, 32,
	CACHING_ON
	"mov $0x1f0000, %eax\n mov %eax, %cr3\n"
	"mov %cr4, %eax\n or $0x10, %eax\n mov %eax, %cr4\n"
	"mov %cr0, %eax\n or $0x80000000, %eax\n mov %eax, %cr0\n"
	"mov $(0x80010000 + 1f - g_paging_on_start), %eax\n jmp *%eax\n"
	"1: movl $0x12345678, 0xe010\n"
	"hlt");

TEST(guest_turns_paging_on)
{
	uint32_t *pd;
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_paging_on));
	pd = (uint32_t *)(g.mem + PAGE_DIR);
	pd[0] = PDE_4M;			/* 0-4 MiB at 0 ... */
	pd[ALIAS >> 22] = PDE_4M;	/* ... and at 2 GiB */

	expect_mmio_write(_metadata, &g, 0xe010, 0x12345678);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	EXPECT_EQ(ALIAS + GUEST_CODE_ADDR + (g_paging_on_end - g_paging_on_start),
		  guest_rip(&g));
	guest_destroy(&g);
}

/*
 * Paged mode (set up by the test): the guest turns paging off, then
 * clears the first entry of the page directory it no longer uses.  A
 * walk of those tables would find nothing; the guest's MMIO write must
 * be decoded at its physical address.
 */
GUEST_CODE_ONLY(g_paging_off, 32,
	CACHING_ON
	"mov %cr0, %eax\n and $0x7fffffff, %eax\n mov %eax, %cr0\n"
	"mov %cr3, %ebx\n movl $0, (%ebx)\n"
	"movl $0x9abcdef0, 0xe020\n"
	"hlt");

TEST(guest_turns_paging_off)
{
	struct minivm_sregs s;
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PAGED, g_paging_off));
	expect_mmio_write(_metadata, &g, 0xe020, 0x9abcdef0);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	ASSERT_EQ(0, minivm_get_sregs(&g.cpu, &s));
	EXPECT_EQ(0, s.cr0 & 0x80000000);	/* GET_SREGS agrees */
	guest_destroy(&g);
}

/*
 * Real mode: the guest loads a GDT and an IDT the test wrote, sets CR0.PE
 * (still running with its real-mode CS) and reads an MSR minivm refuses.
 * The #GP must arrive with its error code, as in protected mode: the
 * handler, through a 32-bit interrupt gate, pops it and reports it.
 */
#define GDT		0x1000UL
#define GDT_PTR		0x1100UL
#define IDT_PTR		0x1108UL
#define IDT		0x1200UL

GUEST_CODE_ONLY(g_enter_pe, 16,
	"xor %ax, %ax\n mov %ax, %ds\n"
	"lgdtl 0x1100\n lidtl 0x1108\n"
	CACHING_ON
	"or $1, %eax\n mov %eax, %cr0\n"
	"mov $0x480, %ecx\n rdmsr\n"	/* VMX_BASIC: #GP(0) */
	"hlt\n"
	".globl g_enter_pe_handler\n g_enter_pe_handler:\n"
	"popl %eax\n out %eax, $0x80\n"		/* the error code */
	"mov %cr0, %eax\n out %eax, $0x80\n"
	"hlt");
extern const char g_enter_pe_handler[];

/* A 16-bit code segment at the guest code, a gate for #GP into it. */
static void write_pe_tables(uint8_t *mem)
{
	uint64_t code16 = 0x00009b000000ffffULL |
			  (uint64_t)(GUEST_CODE_ADDR >> 16) << 32;
	uint32_t handler = g_enter_pe_handler - g_enter_pe_start;
	uint64_t gate = guest_int_gate(0x08, handler);
	struct __attribute__((packed)) { uint16_t limit; uint32_t base; }
		gdtr = { 2 * 8 - 1, GDT }, idtr = { 14 * 8 - 1, IDT };

	memcpy(mem + GDT + 8, &code16, 8);
	memcpy(mem + IDT + 13 * 8, &gate, 8);
	memcpy(mem + GDT_PTR, &gdtr, sizeof(gdtr));
	memcpy(mem + IDT_PTR, &idtr, sizeof(idtr));
}

TEST(guest_enters_protected_mode)
{
	struct minivm_run *run;
	uint32_t value;
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_REAL, g_enter_pe));
	write_pe_tables(g.mem);
	run = g.cpu.run;

	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g))
		TH_LOG("exit %u", run->exit_reason);
	memcpy(&value, minivm_io_data(run), 4);
	EXPECT_EQ(0, value);			/* #GP's error code */
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	memcpy(&value, minivm_io_data(run), 4);
	EXPECT_EQ(1, value & 1);		/* CR0.PE as the guest reads it */
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);
}

/*
 * PAE paging set up from outside (MINIVM_SET_SREGS): VM entry takes the
 * four PDPTEs from the VMCS, not from memory at CR3 ("Loading
 * Page-Directory-Pointer-Table Entries"), so minivm must load them as a
 * MOV to CR0 would.  PDPTEs 0 and 1 both point to one page directory
 * whose first entry maps the low 2 MiB: the code runs at its identity
 * address and reads its own first bytes again through 1 GiB.
 */
#define PDPT		0x3000UL
#define PAE_PD		0x4000UL
GUEST_CODE_ONLY(g_pae, 32,
	  "mov 0x40010000, %eax\n out %eax, $0x80\n hlt");

TEST(pae_paging_from_set_sregs_loads_the_pdptes)
{
	uint64_t pdpte = PAE_PD | 1, pde = 0x83;	/* present, RW, 2 MiB */
	struct minivm_sregs sr;
	uint32_t code, data;
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_pae));
	memcpy(g.mem + PDPT, &pdpte, 8);
	memcpy(g.mem + PDPT + 8, &pdpte, 8);
	memcpy(g.mem + PAE_PD, &pde, 8);
	memcpy(&code, g.mem + GUEST_CODE_ADDR, 4);
	ASSERT_EQ(0, minivm_get_sregs(&g.cpu, &sr));
	sr.cr3 = PDPT;
	sr.cr4 |= 0x20;				/* PAE */
	sr.cr0 |= 0x80000000;			/* PG */
	ASSERT_EQ(0, minivm_set_sregs(&g.cpu, &sr));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g))
		TH_LOG("exit %u (a triple fault: empty PDPTEs)",
		       g.cpu.run->exit_reason);
	memcpy(&data, minivm_io_data(g.cpu.run), 4);
	EXPECT_EQ(code, data);

	/* A PDPTE with reserved bits set: SET_SREGS refuses it. */
	pdpte |= 1ULL << 1;
	memcpy(g.mem + PDPT, &pdpte, 8);
	sr.cr0 &= ~0x80000000ULL;
	ASSERT_EQ(0, minivm_set_sregs(&g.cpu, &sr));
	sr.cr0 |= 0x80000000;
	EXPECT_EQ(-EINVAL, minivm_set_sregs(&g.cpu, &sr));
	guest_destroy(&g);
}

/* Control-register values a MOV refuses are refused by SET_SREGS too. */
TEST(set_sregs_refuses_what_mov_would)
{
	struct minivm_sregs good, sr;
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_PROTECTED, g_pae));
	ASSERT_EQ(0, minivm_get_sregs(&g.cpu, &good));
	sr = good;
	sr.cr0 = (sr.cr0 | 0x80000000) & ~1ULL;		/* PG without PE */
	EXPECT_EQ(-EINVAL, minivm_set_sregs(&g.cpu, &sr));
	sr = good;
	sr.cr0 = (sr.cr0 | 0x20000000) & ~0x40000000ULL; /* NW without CD */
	EXPECT_EQ(-EINVAL, minivm_set_sregs(&g.cpu, &sr));
	sr = good;
	sr.cr4 |= 1 << 22;				/* PKE */
	EXPECT_EQ(-EINVAL, minivm_set_sregs(&g.cpu, &sr));
	sr = good;
	sr.cr4 |= 1 << 12;				/* LA57 */
	EXPECT_EQ(-EINVAL, minivm_set_sregs(&g.cpu, &sr));
	sr = good;
	sr.cs.padding = 1;
	EXPECT_EQ(-EINVAL, minivm_set_sregs(&g.cpu, &sr));
	sr = good;
	sr.idt.padding[2] = 1;
	EXPECT_EQ(-EINVAL, minivm_set_sregs(&g.cpu, &sr));
	EXPECT_EQ(0, minivm_set_sregs(&g.cpu, &good));
	guest_destroy(&g);
}

TEST_HARNESS_MAIN

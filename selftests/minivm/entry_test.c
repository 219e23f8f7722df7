// SPDX-License-Identifier: GPL-2.0
/*
 * VM-entry failures explained by name.  Each case below breaks one of the
 * SDM's checks on the guest-state area (Vol. 3C, "Checks on the Guest
 * State Area") in a state MINIVM_SET_REGS and MINIVM_SET_SREGS accept,
 * and the test asserts both halves of the story:
 *
 *   - the CPU really refuses the entry: MINIVM_EXIT_FAIL_ENTRY with basic
 *     exit reason 33, "VM-entry failure due to invalid guest state";
 *   - libminivm's minivm_entry_check() names the check that was broken,
 *     where the CPU says no more than "invalid guest state".
 *
 * Every case starts from the valid state of a fresh guest in protected
 * or long mode, which the checker must pass, and changes one thing.
 *
 * Bochs, the test machine's emulated CPU, skips one check the SDM makes
 * (a non-canonical RIP in 64-bit code, case 35): it enters and the guest
 * faults.  That case then counts for nothing and is reported as the
 * emulator's disagreement (emulator_enters()); on hardware it must fail
 * entry like the rest.
 */
#define _GNU_SOURCE
#include <string.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"

#define NONCANONICAL	0x0000800000000000ULL
#define P		(1 << MINIVM_MODE_PROTECTED)
#define L		(1 << MINIVM_MODE_LONG)

GUEST_FIXTURE(entry);
FIXTURE_VARIANT_ADD(entry, protected) { .mode = MINIVM_MODE_PROTECTED };
FIXTURE_VARIANT_ADD(entry, long) { .mode = MINIVM_MODE_LONG };

GUEST_CODE(g_hlt, "hlt");

/* A usable, flat, accessed read/write data segment. */
static void data_seg(struct minivm_segment *sg)
{
	*sg = (struct minivm_segment){ .limit = 0xffffffff, .selector = 0x10,
		.type = 3, .present = 1, .db = 1, .s = 1, .g = 1 };
}

/* A usable LDT descriptor. */
static void ldt_seg(struct minivm_segment *sg)
{
	*sg = (struct minivm_segment){ .limit = 0xffff, .selector = 0x28,
		.type = 2, .present = 1 };
}

struct entry_case {
	const char *what;		/* what the case breaks */
	int modes;			/* P, L or both */
	const char *named;		/* in minivm_entry_check()'s answer */
	void (*mutate)(struct minivm_regs *r, struct minivm_sregs *s);
};

/*
 * The cases, X(id, modes, what it breaks, what the checker must name,
 * the change to a valid state): each becomes a function mutate_<id>()
 * and a row of cases[].
 */
#define CASES(X) \
	X(01, P | L, "TR selector with TI", "TR's selector has TI", \
	  s->tr.selector |= 4) \
	X(02, P | L, "usable LDTR selector with TI", "LDTR is usable and its selector", \
	  ldt_seg(&s->ldt); s->ldt.selector |= 4) \
	X(03, P | L, "FS base not canonical", "must be canonical", \
	  data_seg(&s->fs); s->fs.base = NONCANONICAL) \
	X(04, P | L, "TR base not canonical", "must be canonical", \
	  s->tr.base = NONCANONICAL) \
	X(05, P | L, "CS base above 4 GiB", "CS's base has bits 63:32", \
	  s->cs.base = 1ULL << 32) \
	X(06, P | L, "DS base above 4 GiB", "SS's, DS's or ES's base", \
	  data_seg(&s->ds); s->ds.base = 1ULL << 33) \
	X(07, P | L, "CS a read-only data segment", "CS's type", \
	  s->cs.type = 1) \
	X(08, P | L, "SS a read-only data segment", "SS's type", \
	  data_seg(&s->ss); s->ss.type = 1) \
	X(09, P | L, "DS not accessed", "not marked accessed", \
	  data_seg(&s->ds); s->ds.type = 2) \
	X(10, P | L, "ES execute-only code", "code that is not readable", \
	  data_seg(&s->es); s->es.type = 9) \
	X(11, P | L, "CS with S = 0", "CS is a system descriptor", \
	  s->cs.s = 0) \
	X(12, P | L, "SS with S = 0", "SS is a system descriptor", \
	  data_seg(&s->ss); s->ss.s = 0) \
	X(13, P | L, "DS with S = 0", "DS, ES, FS or GS is a system", \
	  data_seg(&s->ds); s->ds.s = 0) \
	X(14, P | L, "non-conforming CS with DPL 3, SS with DPL 0", "CS's DPL", \
	  s->cs.type = 11; s->cs.dpl = 3; s->ss.dpl = 0) \
	X(15, P, "CS of type 3 beside an SS with DPL 3", "SS's DPL", \
	  s->cs.type = 3; s->cs.dpl = 0; data_seg(&s->ss); s->ss.dpl = 3) \
	X(16, P | L, "CS not present", "CS is not present", \
	  s->cs.present = 0) \
	X(17, P | L, "SS not present", "SS is not present", \
	  data_seg(&s->ss); s->ss.present = 0) \
	X(18, P | L, "ES not present", "DS, ES, FS or GS is not present", \
	  data_seg(&s->es); s->es.present = 0) \
	X(19, L, "64-bit CS with D set", "both L and D/B", \
	  s->cs.db = 1) \
	X(20, P | L, "CS with G = 1 and a limit not in 4 KiB units", "CS's limit", \
	  s->cs.g = 1; s->cs.limit = 0x1000) \
	X(21, P | L, "SS with G = 0 and a limit above 1 MiB", "SS's limit", \
	  data_seg(&s->ss); s->ss.g = 0; s->ss.limit = 0x200000) \
	X(22, P | L, "DS with G = 1 and a limit not in 4 KiB units", "DS's, ES's, FS's or GS's limit", \
	  data_seg(&s->ds); s->ds.limit = 0x12345) \
	X(23, P | L, "TR unusable", "TR is unusable", \
	  s->tr.unusable = 1) \
	X(24, P | L, "TR an available TSS, not a busy one", "TR's type", \
	  s->tr.type = 9) \
	X(25, L, "TR a 16-bit TSS in IA-32e mode", "TR's type", \
	  s->tr.type = 3) \
	X(26, P | L, "TR with S = 1", "TR is not a system descriptor", \
	  s->tr.s = 1) \
	X(27, P | L, "TR not present", "TR is not present", \
	  s->tr.present = 0) \
	X(28, P | L, "TR with G = 1 and limit 67h", "TR's limit", \
	  s->tr.g = 1; s->tr.limit = 0x67) \
	X(29, P | L, "usable LDTR of type 3", "its type is not 2", \
	  ldt_seg(&s->ldt); s->ldt.type = 3) \
	X(30, P | L, "usable LDTR with S = 1", "LDTR is usable and not a system", \
	  ldt_seg(&s->ldt); s->ldt.s = 1) \
	X(31, P | L, "usable LDTR not present", "LDTR is usable and not present", \
	  ldt_seg(&s->ldt); s->ldt.present = 0) \
	X(32, P | L, "GDTR base not canonical", "GDTR's base", \
	  s->gdt.base = NONCANONICAL) \
	X(33, P | L, "IDTR base not canonical", "IDTR's base", \
	  s->idt.base = NONCANONICAL) \
	X(34, P, "RIP above 4 GiB in 32-bit code", "RIP", \
	  r->rip |= 1ULL << 32) \
	X(35, L, "RIP not canonical in 64-bit code", "RIP", \
	  r->rip = NONCANONICAL) \
	X(36, L, "RFLAGS.VM in IA-32e mode", "RFLAGS.VM", \
	  r->rflags |= 1 << 17)

#define DEFINE_MUTATE(id, modes, what, named, body)			\
	static void mutate_##id(struct minivm_regs *r, struct minivm_sregs *s) \
	{ (void)r; (void)s; body; }
#define ROW(id, modes, what, named, body) { what, modes, named, mutate_##id },

CASES(DEFINE_MUTATE)

static const struct entry_case cases[] = { CASES(ROW) };

/* The cases whose check Bochs does not make (testing.rst). */
static bool emulator_enters(const struct entry_case *c)
{
	return !strcmp(c->what, "RIP not canonical in 64-bit code");
}

/* One case: the checker names it, and the CPU refuses it.  Returns 1 if run. */
static int run_case(struct __test_metadata *_metadata, struct guest *g,
		    enum minivm_mode mode, const struct entry_case *c)
{
	struct minivm_regs r;
	struct minivm_sregs s;
	char why[256] = "";
	int exit;

	ASSERT_EQ(0, guest_create(g, mode, g_hlt));
	ASSERT_EQ(0, minivm_get_regs(&g->cpu, &r));
	ASSERT_EQ(0, minivm_get_sregs(&g->cpu, &s));
	EXPECT_FALSE(minivm_entry_check(&r, &s, why, sizeof(why)))
		TH_LOG("the valid start state: %s", why);

	c->mutate(&r, &s);
	EXPECT_TRUE(minivm_entry_check(&r, &s, why, sizeof(why)))
		TH_LOG("%s: the checker found nothing", c->what);
	EXPECT_NE(NULL, strstr(why, c->named))
		TH_LOG("%s: named '%s', not '%s'", c->what, why, c->named);

	EXPECT_EQ(0, minivm_set_regs(&g->cpu, &r)) TH_LOG("%s", c->what);
	EXPECT_EQ(0, minivm_set_sregs(&g->cpu, &s)) TH_LOG("%s", c->what);
	exit = guest_run(g);
	if (exit != MINIVM_EXIT_FAIL_ENTRY && emulator_enters(c)) {
		/* Not a pass: reported, and in testing.rst. */
		ksft_print_msg("emulator disagrees with the SDM: %s: the CPU entered (%s)\n",
			       c->what, minivm_exit_name(exit));
		guest_destroy(g);
		return 0;
	}
	EXPECT_EQ(MINIVM_EXIT_FAIL_ENTRY, exit)
		TH_LOG("%s: the CPU entered (%s)", c->what, minivm_exit_name(exit));
	if (exit == MINIVM_EXIT_FAIL_ENTRY)
		EXPECT_EQ(33, g->cpu.run->fail_entry.hardware_entry_failure_reason & 0xffff)
			TH_LOG("%s", c->what);
	guest_destroy(g);
	return 1;
}

TEST_F(entry, every_broken_check_is_refused_and_named)
{
	unsigned int i;
	int n = 0;

	if (!self->ready)
		SKIP(return, "set-up skipped");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cases[i].modes & (1 << variant->mode))
			n += run_case(_metadata, &self->g, variant->mode, &cases[i]);
	ksft_print_msg("figure: entry_cases_%s=%d\n", mode_names[variant->mode], n);
	EXPECT_LE(25, n);
}

/* A valid state: no check named, and the guest runs. */
TEST_F(entry, a_valid_state_passes_every_check)
{
	struct minivm_regs r;
	struct minivm_sregs s;
	char why[256] = "";

	GUEST_START(g_hlt);
	ASSERT_EQ(0, minivm_get_regs(&self->g.cpu, &r));
	ASSERT_EQ(0, minivm_get_sregs(&self->g.cpu, &s));
	EXPECT_FALSE(minivm_entry_check(&r, &s, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * cpuid.c - what CPUID tells the guest.
 *
 * CPUID always exits in VMX non-root operation (SDM Vol. 3C, "Instructions That
 * Cause VM Exits Unconditionally"), so the guest sees exactly the table minivm
 * keeps per VM.  Userspace may replace it (MINIVM_SET_CPUID); by default it is
 * the host's CPUID with everything minivm does not virtualize taken out, the
 * "hypervisor" bit set, and minivm's signature at leaf 40000000h.
 *
 * The guest's TSC runs at the host's rate.  It learns the rate without
 * calibrating it against a timer, in the two places guests look: leaf
 * 15h (TSC to crystal-clock ratio and the crystal's frequency, which
 * Linux trusts as a "known" frequency), filled in when the host's does
 * not give the crystal's frequency, and the hypervisor timing leaf
 * 40000010h (EAX: the TSC's frequency in kHz) that VMware and KVM guests
 * read.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/xstate.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#include "minivm.h"

/*
 * Leaf 1 ECX bits (SDM Vol. 2A, Table 3-10) minivm hides: what it does
 * not virtualize, and every feature whose MSRs would #GP (debug store,
 * perfmon capabilities, thermal and power management).
 */
#define L1_ECX_HIDE (BIT(2) /* DTES64 */ | BIT(3) /* MONITOR: exits */ |	\
		     BIT(4) /* DS-CPL */ | BIT(5) /* VMX */ |		\
		     BIT(6) /* SMX */ | BIT(7) /* EIST */ | BIT(8) /* TM2 */ | \
		     BIT(11) /* SDBG */ | BIT(12) /* FMA */ |		\
		     BIT(14) /* xTPR */ | BIT(15) /* PDCM */ |		\
		     BIT(18) /* DCA */ |					\
		     BIT(21) /* x2APIC */ | BIT(24) /* TSC deadline */ |	\
		     BIT(27) /* OSXSAVE: the guest's CR4 */ |		\
		     BIT(28) /* AVX */ |					\
		     BIT(29) /* F16C */)
#define L1_ECX_XSAVE BIT(26)
#define L1_ECX_HYPERVISOR BIT(31)

/*
 * Leaf 1 EDX: no local APIC (its base MSR #GPs), no MTRRs, serial number,
 * debug store, ACPI thermal control, TM or PBE: their MSRs are not the
 * guest's.  The machine-check architecture stays, as on every PC: its
 * MSRs say "no banks" (msr.c).
 */
#define L1_EDX_HIDE (BIT(9) /* APIC */ | BIT(12) /* MTRR */ |		\
		     BIT(18) /* PSN */ |				\
		     BIT(21) /* DS */ | BIT(22) /* ACPI */ |		\
		     BIT(29) /* TM */ | BIT(31) /* PBE */)

/*
 * Leaf 7 EBX: SGX (ENCLS and MSRs minivm lacks), AVX2, the AVX-512
 * family, RTM/HLE, MPX, resource monitoring and allocation, Intel PT.
 * TSC_ADJUST is minivm's own, emulated through the TSC offset (msr.c):
 * shown wherever the offset is, whatever the host's CPU has.
 */
#define L7_EBX_TSC_ADJUST BIT(1)
#define L7_EBX_HIDE (BIT(2) | BIT(4) | BIT(5) | BIT(11) |	\
		     BIT(12) | BIT(14) | BIT(15) | BIT(16) | BIT(17) |	\
		     BIT(21) | BIT(25) | BIT(26) | BIT(27) | BIT(28) |	\
		     BIT(30) | BIT(31))

/* Extended leaf 80000001h ECX bit 2 is SVM: not on Intel, never shown. */

struct cpuid_builder {
	struct minivm_cpuid_entry *e;	/* in a struct minivm_cpuid_table */
	unsigned int n, max;		/* entries made, and room for */
};

static void clear_leaf(struct minivm_cpuid_entry *e)
{
	e->eax = 0;
	e->ebx = 0;
	e->ecx = 0;
	e->edx = 0;
}

/*
 * XSAVE (leaf 0Dh, SDM Vol. 1, "Enumeration of CPU Support for XSAVE
 * Instructions and XSAVE-Supported Features"): the guest's XCR0 may hold x87
 * and SSE state (msr.c), which take the legacy area and the header, 576 bytes,
 * whatever is enabled; none of XSAVEOPT, XSAVEC, XSAVES.
 */
static void xsave_leaf(struct minivm_cpuid_entry *e, u32 idx)
{
	u32 sse = XFEATURE_MASK_FP | XFEATURE_MASK_SSE;

	if (idx == 0 && (e->eax & sse) == sse) {
		e->eax = sse;
		e->ebx = 576;
		e->ecx = 576;
		e->edx = 0;
	} else {
		clear_leaf(e);
	}
}

static void add_leaf(struct cpuid_builder *b, u32 fn, u32 idx, u32 flags)
{
	struct minivm_cpuid_entry *e;

	if (b->n >= b->max)
		return;
	e = &b->e[b->n++];
	e->function = fn;
	e->index = idx;
	e->flags = flags;
	cpuid_count(fn, idx, &e->eax, &e->ebx, &e->ecx, &e->edx);

	switch (fn) {
	case 1:
		e->ecx = (e->ecx & ~L1_ECX_HIDE) | L1_ECX_HYPERVISOR;
		if (!minivm_guest_xsave())	/* no XCR0 to give it */
			e->ecx &= ~L1_ECX_XSAVE;
		e->edx &= ~L1_EDX_HIDE;
		e->ebx &= 0x00ffffff;	/* APIC ID: set per vCPU at exit */
		break;
	case 5: case 6: case 0xa:	/* MONITOR, power, PMU */
		clear_leaf(e);
		break;
	case 0xd:
		xsave_leaf(e, idx);
		break;
	case 7:
		if (idx == 0) {
			e->ebx &= ~(L7_EBX_HIDE | L7_EBX_TSC_ADJUST);
			if (minivm_vmcs_has_tsc_offset())
				e->ebx |= L7_EBX_TSC_ADJUST;
			e->ecx = 0;
			e->edx = 0;
		} else {
			clear_leaf(e);
		}
		break;
	case 0x80000001:
		e->ecx &= ~BIT(2);
		break;
	}
}

/* Leaves whose answer depends on ECX, and how many subleaves to keep. */
static unsigned int nr_subleaves(u32 fn)
{
	switch (fn) {
	case 4: case 0xb: case 0x1f:
		return 8;
	case 7: case 0xd: case 0x14:
		return 2;
	default:
		return 0;
	}
}

static void add_leaves(struct cpuid_builder *b, u32 first, u32 last)
{
	u32 fn, i;

	for (fn = first; fn <= last; fn++) {
		u32 subs = nr_subleaves(fn);

		if (!subs)
			add_leaf(b, fn, 0, 0);
		for (i = 0; i < subs; i++)
			add_leaf(b, fn, i, MINIVM_CPUID_INDEXED);
	}
}

/* How many entries add_leaves() makes for the same range. */
static unsigned int count_leaves(u32 first, u32 last)
{
	unsigned int n = 0;
	u32 fn;

	for (fn = first; fn <= last; fn++)
		n += max(nr_subleaves(fn), 1U);
	return n;
}

static struct minivm_cpuid_entry *find(struct cpuid_builder *b, u32 fn)
{
	unsigned int i;

	for (i = 0; i < b->n; i++)
		if (b->e[i].function == fn)
			return &b->e[i];
	return NULL;
}

/*
 * Leaf 15h: TSC frequency = ECX * EBX / EAX.  When the host's leaf does
 * not say it (ECX 0, as on many server parts, or no leaf 15h at all),
 * say it with the kernel's own measure, tsc_khz: a crystal of
 * tsc_khz * 1000 / k Hz and a ratio of k (k = 1 below 4.29 GHz), so that
 * ECX fits 32 bits.
 */
static void tsc_leaf_15h(struct cpuid_builder *b)
{
	struct minivm_cpuid_entry *e = find(b, 0x15), *max = find(b, 0);
	u64 hz = (u64)tsc_khz * 1000;
	u32 k = DIV_ROUND_UP_ULL(hz, U32_MAX);

	if (!tsc_khz || !max || (e && e->eax && e->ebx && e->ecx))
		return;
	if (!e) {
		if (b->n >= b->max)
			return;
		e = &b->e[b->n++];
		max->eax = max_t(u32, max->eax, 0x15);
	}
	*e = (struct minivm_cpuid_entry) {
		.function = 0x15, .eax = 1, .ebx = k, .ecx = div_u64(hz, k),
	};
}

static struct minivm_cpuid_table *table_alloc(unsigned int n)
{
	return kzalloc(struct_size_t(struct minivm_cpuid_table, e, n),
		       GFP_KERNEL_ACCOUNT);
}

/* Replace the VM's table; vCPUs reading the old one finish with it. */
static void install(struct minivm_vm *vm, struct minivm_cpuid_table *t)
{
	struct minivm_cpuid_table *old;

	mutex_lock(&vm->lock);
	old = rcu_replace_pointer(vm->cpuid, t, lockdep_is_held(&vm->lock));
	mutex_unlock(&vm->lock);
	if (old)
		kfree_rcu(old, rcu);
}

/** minivm_free_cpuid() - free the table of a VM nobody can reach. */
void minivm_free_cpuid(struct minivm_vm *vm)
{
	kfree(rcu_dereference_protected(vm->cpuid, 1));
}

/*
 * Leaf 40000000h, the hypervisor's own: its largest leaf in EAX (40000010h)
 * and its name in EBX, ECX, EDX, "minivm" padded with zeros.  Guests look
 * for it whenever leaf 1 ECX[31] says they run under a hypervisor.
 */
static void signature_leaf(struct cpuid_builder *b)
{
	/* LAB 6 begin */
	struct minivm_cpuid_entry *sig = &b->e[b->n++];

	*sig = (struct minivm_cpuid_entry) { .function = 0x40000000,
					     .eax = 0x40000010 };
	memcpy(&sig->ebx, "mini", 4);
	memcpy(&sig->ecx, "vm\0\0", 4);
	/* LAB 6 end */
}

/**
 * minivm_default_cpuid() - give a new VM the filtered host table.
 * @vm: the VM, not yet visible to anyone.
 *
 * Return: 0 or -ENOMEM.
 */
int minivm_default_cpuid(struct minivm_vm *vm)
{
	u32 basic = min_t(u32, cpuid_eax(0), 0x1f);
	u32 ext = min_t(u32, cpuid_eax(0x80000000), 0x80000008);
	struct minivm_cpuid_table *t;
	struct cpuid_builder b = { .n = 0 };

	/*
	 * Sized before it is built, so that every VM's table is one
	 * allocation: the leaves, then 15h (if the host has none),
	 * 40000000h and 40000010h.
	 */
	b.max = count_leaves(0, basic) + count_leaves(0x80000000, ext) + 3;
	t = table_alloc(b.max);
	if (!t)
		return -ENOMEM;
	b.e = t->e;
	add_leaves(&b, 0, basic);
	add_leaves(&b, 0x80000000, ext);

	tsc_leaf_15h(&b);

	signature_leaf(&b);
	/* 40000010h: the TSC's frequency in kHz; no APIC bus (EBX 0) yet. */
	b.e[b.n++] = (struct minivm_cpuid_entry) { .function = 0x40000010,
						   .eax = tsc_khz };
	t->n = b.n;
	install(vm, t);
	return 0;
}

/**
 * minivm_set_cpuid() - MINIVM_SET_CPUID: replace the VM's CPUID table.
 * @vm:   the VM.
 * @uarg: a struct minivm_cpuid followed by its entries.
 *
 * Return: 0; -E2BIG for more than MINIVM_MAX_CPUID entries; -EINVAL for
 * unknown flags; -EFAULT; -ENOMEM.
 */
int minivm_set_cpuid(struct minivm_vm *vm, void __user *uarg)
{
	struct minivm_cpuid __user *ucpuid = uarg;
	struct minivm_cpuid_table *t;
	unsigned int i;
	u32 nent, padding;

	if (get_user(nent, &ucpuid->nent) || get_user(padding, &ucpuid->padding))
		return -EFAULT;
	if (nent > MINIVM_MAX_CPUID)
		return -E2BIG;
	if (padding)
		return -EINVAL;
	t = table_alloc(nent);
	if (!t)
		return -ENOMEM;
	if (copy_from_user(t->e, ucpuid->entries, nent * sizeof(t->e[0]))) {
		kfree(t);
		return -EFAULT;
	}
	for (i = 0; i < nent; i++) {
		/* Unknown flags and padding must be 0 (api.rst). */
		if ((t->e[i].flags & ~MINIVM_CPUID_INDEXED) ||
		    memchr_inv(t->e[i].padding, 0, sizeof(t->e[i].padding))) {
			kfree(t);
			return -EINVAL;
		}
	}
	t->n = nent;
	install(vm, t);
	return 0;
}

/*
 * What a VM's local APICs add (lapic.c), whatever the table says: leaf 1
 * EDX.APIC follows IA32_APIC_BASE's enable bit (SDM Vol. 2A, CPUID: "APIC
 * On-Chip"), and with x2APIC and the TSC-deadline timer always there;
 * leaf 6 EAX.ARAT, as the timer runs on in every C-state; leaf 40000010h
 * EBX, the APIC bus frequency in kHz (lapic_timer.c).
 */
static void lapic_bits(struct minivm_vcpu *vcpu, u32 fn, u32 *out)
{
	if (!vcpu->lapic)
		return;
	if (fn == 1) {
		out[2] |= BIT(21) | BIT(24);
		out[3] &= ~BIT(9);
		if (vcpu->lapic->base & MSR_IA32_APICBASE_ENABLE)
			out[3] |= BIT(9);
	} else if (fn == 6) {
		out[0] |= BIT(2);
	} else if (fn == 0x40000010) {
		out[1] = 1000000;
	}
}

/**
 * minivm_emulate_cpuid() - answer the guest's CPUID from the table.
 * @vcpu: the vCPU that exited on CPUID.
 *
 * A leaf not in the table reads as zeros.  Leaf 1 gets the vCPU's number
 * as its initial APIC ID (EBX[31:24]); a VM with local APICs gets their
 * bits (lapic_bits()).  With IA32_MISC_ENABLE's LIMIT_CPUID set (msr.c),
 * leaf 0 says the highest basic leaf is 2, as the CPU's does.
 */
void minivm_emulate_cpuid(struct minivm_vcpu *vcpu)
{
	struct minivm_gprs *g = &vcpu->gprs;
	const struct minivm_cpuid_table *t;
	u32 fn = g->rax, idx = g->rcx;
	u32 out[4] = { 0 };
	unsigned int i;

	rcu_read_lock();
	t = rcu_dereference(vcpu->vm->cpuid);
	for (i = 0; i < t->n; i++) {
		const struct minivm_cpuid_entry *e = &t->e[i];

		if (e->function != fn ||
		    ((e->flags & MINIVM_CPUID_INDEXED) && e->index != idx))
			continue;
		out[0] = e->eax;
		out[1] = e->ebx;
		out[2] = e->ecx;
		out[3] = e->edx;
		break;
	}
	rcu_read_unlock();
	if (fn == 0 && (vcpu->misc_enable & MSR_IA32_MISC_ENABLE_LIMIT_CPUID))
		out[0] = min(out[0], 2U);
	if (fn == 1) {
		out[1] = (out[1] & 0x00ffffff) | vcpu->id << 24;
		/* OSXSAVE mirrors the guest's own CR4 (SDM Vol. 2A, CPUID). */
		if (vcpu->cr4_shadow & X86_CR4_OSXSAVE)
			out[2] |= BIT(27);
	}
	lapic_bits(vcpu, fn, out);
	/* CPUID writes EAX..EDX as 32-bit values: the upper halves clear. */
	g->rax = out[0];
	g->rbx = out[1];
	g->rcx = out[2];
	g->rdx = out[3];
}

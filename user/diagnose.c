// SPDX-License-Identifier: GPL-2.0
/*
 * diagnose.c - how a run that went wrong is told: the internal errors and
 * failed VM entries of the run page in words, with the registers and the
 * status minivm(1) documents.  An internal error that is an instruction
 * the launcher can finish (emulate.c) is finished here instead, and the
 * run goes on.
 */
#include <string.h>

#include <Zydis/Zydis.h>

#include "vmm.h"

/* The registers, for the end of a run that went wrong (and --regs). */
void vmm_dump_regs(struct vmm *v, FILE *out)
{
	struct minivm_sregs s;
	struct minivm_regs r;

	if (minivm_get_regs(&v->cpu, &r) || minivm_get_sregs(&v->cpu, &s)) {
		fprintf(out, "(registers unavailable)\n");
		return;
	}
	fprintf(out, "RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n"
		"RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n"
		"R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n"
		"R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n"
		"RIP=%016llx RFLAGS=%08llx\n",
		r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp,
		r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15,
		r.rip, r.rflags);
	fprintf(out, "CS=%04x base=%llx  DS=%04x SS=%04x  "
		"CR0=%08llx CR3=%08llx CR4=%08llx EFER=%llx\n",
		s.cs.selector, (unsigned long long)s.cs.base, s.ds.selector,
		s.ss.selector, s.cr0, s.cr3, s.cr4, s.efer);
}

/* Stop the guest with a diagnosis, the registers and a status. */
void vmm_stop(struct vmm *v, int status, const char *fmt, const char *what)
{
	fprintf(stderr, "minivm: ");
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	vmm_dump_regs(v, stderr);
	v->status = status;
	v->stop = true;
}

/* The instruction minivm could not decode, in words, by Zydis. */
static void disassemble(struct vmm *v, const uint8_t *insn, char *buf, size_t len)
{
	ZydisDisassembledInstruction di;
	struct minivm_sregs s;
	ZydisMachineMode mode = ZYDIS_MACHINE_MODE_REAL_16;

	snprintf(buf, len, "(undecodable)");
	if (minivm_get_sregs(&v->cpu, &s))
		return;
	if (s.cs.l)
		mode = ZYDIS_MACHINE_MODE_LONG_64;
	else if (s.cs.db)
		mode = ZYDIS_MACHINE_MODE_LEGACY_32;
	if (ZYAN_SUCCESS(ZydisDisassembleIntel(mode, 0, insn, 16, &di)))
		snprintf(buf, len, "%s", di.text);
}

static unsigned long long rip_of(struct vmm *v)
{
	struct minivm_regs r;

	return minivm_get_regs(&v->cpu, &r) ? 0 : r.rip;
}

/*
 * The instruction KVM's emulator gave up on, in words: KVM passes its
 * bytes, as far as it fetched them, after the flags in data[0]
 * (struct kvm_run's emulation_failure: a length byte, then 15 bytes).
 */
static void kvm_insn_text(struct vmm *v, char *buf, size_t len)
{
	const struct minivm_run *run = v->cpu.run;
	const uint8_t *p = (const uint8_t *)&run->internal.data[1];
	uint8_t insn[16] = { 0 };

	snprintf(buf, len, "(no bytes from KVM)");
	if (run->internal.ndata < 3 || !(run->internal.data[0] & 1) ||
	    !p[0] || p[0] > 15)
		return;
	memcpy(insn, p + 1, p[0]);
	disassemble(v, insn, buf, len);
}

/* MINIVM_EXIT_INTERNAL_ERROR: emulate what the launcher can, or say why not. */
void vmm_handle_internal(struct vmm *v)
{
	struct minivm_run *run = v->cpu.run;
	char what[320], text[96], why[96];
	const uint8_t *insn;
	unsigned long long rip;

	switch (run->internal.suberror) {
	case MINIVM_INTERNAL_MMIO_DECODE:
		insn = (const uint8_t *)&run->internal.data[2];
		disassemble(v, insn, text, sizeof(text));
		if (vmm_emulate(v, insn, why, sizeof(why))) {
			if (v->opt.trace)
				fprintf(stderr, "trace: emulated rip=%#llx %s%s%s\n",
					run->internal.data[1], text,
					why[0] ? ": " : "", why);
			return;
		}
		snprintf(what, sizeof(what),
			 "MMIO at %#llx by an instruction minivm cannot emulate: RIP=%#llx: %s (%s)",
			 run->internal.data[0], run->internal.data[1], text, why);
		break;
	case MINIVM_INTERNAL_UNEXPECTED_EXIT:
		why[0] = 0;
		if (run->internal.data[0] == VMM_EXIT_REASON_IO &&
		    vmm_emulate(v, NULL, why, sizeof(why))) {
			if (v->opt.trace)
				fprintf(stderr, "trace: emulated rip=%#llx string I/O%s%s\n",
					run->internal.data[2], why[0] ? ": " : "", why);
			return;
		}
		snprintf(what, sizeof(what),
			 "the guest did something minivm does not handle: %s (exit reason %llu, qualification %#llx) at RIP=%#llx%s%s%s",
			 minivm_vmx_exit_name(run->internal.data[0]),
			 run->internal.data[0], run->internal.data[1], run->internal.data[2],
			 why[0] ? " (" : "", why, why[0] ? ")" : "");
		break;
	case MINIVM_INTERNAL_DELIVERY:
		snprintf(what, sizeof(what),
			 "delivering vector %llu needed guest-physical %#llx, which is not RAM (bad IDT, GDT or stack?) at RIP=%#llx",
			 run->internal.data[0] & 0xff, run->internal.data[1], run->internal.data[2]);
		break;
	case MINIVM_INTERNAL_MEMORY:
		snprintf(what, sizeof(what),
			 "guest RAM at %#llx could not be pinned (%s): its memory in this process is gone, at RIP=%#llx",
			 run->internal.data[0], strerror((int)run->internal.data[2]),
			 run->internal.data[1]);
		break;
	case MINIVM_INTERNAL_PAGE_WALK:
		snprintf(what, sizeof(what),
			 "the guest's page tables at %#llx are not in writable RAM (translating %#llx at RIP=%#llx)",
			 run->internal.data[0], run->internal.data[2], run->internal.data[1]);
		break;
	case MINIVM_INTERNAL_KVM_EMULATION:
		/* KVM's emulator gave up: the launcher's may not (kvm.c). */
		rip = rip_of(v);
		kvm_insn_text(v, text, sizeof(text));
		if (vmm_emulate(v, NULL, why, sizeof(why))) {
			if (v->opt.trace)
				fprintf(stderr, "trace: emulated rip=%#llx %s (KVM's emulator cannot)%s%s\n",
					rip, text, why[0] ? ": " : "", why);
			return;
		}
		snprintf(what, sizeof(what),
			 "an instruction neither KVM's emulator nor the launcher's does: RIP=%#llx: %s (%s)",
			 rip, text, why);
		break;
	case MINIVM_INTERNAL_KVM_EXIT:
		snprintf(what, sizeof(what), "KVM exit %llu, which the launcher does not handle",
			 run->internal.data[0]);
		break;
	default:
		if (run->internal.suberror & MINIVM_INTERNAL_KVM)
			snprintf(what, sizeof(what), "KVM internal error, suberror %u (KVM_INTERNAL_ERROR_*)",
				 run->internal.suberror & 0xff);
		else
			snprintf(what, sizeof(what), "internal error, suberror %u", run->internal.suberror);
	}
	vmm_stop(v, VMM_EXIT_INTERNAL, "%s", what);
}

/*
 * "Invalid guest state" says no more than that: libminivm's checker
 * (entry_check.c) names the SDM check the registers break, into @why.
 */
static void explain_invalid_state(struct vmm *v, char *why, size_t len)
{
	struct minivm_regs r;
	struct minivm_sregs s;

	*why = 0;
	if ((v->cpu.run->fail_entry.hardware_entry_failure_reason & 0xffff) != 33 ||
	    minivm_get_regs(&v->cpu, &r) || minivm_get_sregs(&v->cpu, &s))
		return;
	if (!minivm_entry_check(&r, &s, why, len))
		snprintf(why, len, "the registers pass every check libminivm knows");
}

/* MINIVM_EXIT_FAIL_ENTRY, in words. */
void vmm_handle_fail_entry(struct vmm *v)
{
	struct minivm_run *run = v->cpu.run;
	char what[600], why[256];

	explain_invalid_state(v, why, sizeof(why));
	if (run->fail_entry.hardware_entry_failure_reason)
		snprintf(what, sizeof(what), "%s (exit reason %llu, qualification %#llx)%s%s",
			 minivm_vmx_exit_name(run->fail_entry.hardware_entry_failure_reason),
			 run->fail_entry.hardware_entry_failure_reason & 0xffff,
			 run->fail_entry.qualification, *why ? "; " : "", why);
	else
		snprintf(what, sizeof(what), "%s (VM-instruction error %u)",
			 minivm_vm_instruction_error_name(run->fail_entry.vm_instruction_error),
			 run->fail_entry.vm_instruction_error);
	vmm_stop(v, VMM_EXIT_ENTRY, "VM entry failed: %s", what);
}

// SPDX-License-Identifier: LGPL-2.1
/*
 * libminivm's second hypervisor: the same calls over /dev/kvm, with KVM's
 * own API, so that one VMM (the launcher, the bench) runs the same guest
 * with the same devices on both.  minivm_use_hypervisor(MINIVM_HV_KVM)
 * selects it for the whole process; libminivm.c then hands every call
 * here.
 *
 * minivm's ABI was drawn after KVM's, so most calls are a change of
 * ioctl number: the registers and segments have KVM's layout, a memory
 * slot is a slot, MINIVM_INTERRUPT is KVM_INTERRUPT (the PIC in
 * userspace, no in-kernel irqchip), MINIVM_CREATE_LAPIC is KVM's split
 * irqchip (local APICs in the kernel, the PIC and IOAPIC in userspace)
 * and MINIVM_SIGNAL_MSI is KVM_SIGNAL_MSI.  One thing needs more: KVM
 * reports the EOI of a level-triggered interrupt (KVM_EXIT_IOAPIC_EOI,
 * minivm's MINIVM_EXIT_EOI) only for a vector one of its IOAPIC pins'
 * GSI routes names, so each level-triggered MSI gets a route first
 * (route_level_msi()), as QEMU gives its IOAPIC's pins.  The run structures differ:
 * the VMM keeps reading a struct minivm_run, which this file fills from
 * KVM's struct kvm_run after each KVM_RUN, and whose answers (an IN's or
 * MMIO read's data, immediate_exit, request_interrupt_window) it copies
 * back before the next.
 *
 * What does not carry over, and why:
 *   - minivm's hypercalls: KVM answers VMCALL itself (-KVM_ENOSYS in RAX
 *     for a number it does not know).  The one hypercall KVM lets
 *     userspace serve, KVM_HC_MAP_GPA_RANGE (12), is asked for
 *     (KVM_CAP_EXIT_HYPERCALL, where KVM has it) and comes as
 *     MINIVM_EXIT_HYPERCALL, so a VMM's hypercall path can be run, and
 *     timed (make bench), on both; a VMM that does not know number 12
 *     answers it as KVM would have, with an error;
 *   - run->exit_budget: KVM has no such limit;
 *   - HLT with interrupts off and local APICs in the kernel: KVM keeps
 *     the vCPU halted in the kernel instead of returning
 *     MINIVM_EXIT_HLT; minivm_halted_for_good() tells a VMM whose RUN a
 *     signal interrupted (the launcher's 20 ms tick) that this happened;
 *   - the capability report (MINIVM_GET_VMX_CAPS, MINIVM_CHECK_EXTENSION):
 *     KVM has its own (-ENOTTY here);
 *   - who emulates MMIO instructions: KVM's emulator decodes them all in
 *     the kernel, where minivm's kernel decodes a few and hands the rest
 *     to the VMM (MINIVM_INTERNAL_MMIO_DECODE).  What KVM's emulator
 *     gives up on (SSE moves, MOVBE) comes to the VMM too, with the
 *     instruction not executed (MINIVM_INTERNAL_KVM_EMULATION, asked for
 *     with KVM_CAP_EXIT_ON_EMULATION_FAILURE), and the launcher finishes
 *     it the same way.  KVM's emulator in 6.1 executes TZCNT as BSF, so
 *     a TZCNT on MMIO gets BSF's flags there.
 * The guest sees KVM's CPUID (KVM_GET_SUPPORTED_CPUID), signature
 * "KVMKVMKVM" included.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/kvm_para.h>

#include "libminivm.h"
#include "kvm.h"

/* The two ABIs share these layouts (minivm's were drawn after KVM's). */
_Static_assert(sizeof(struct minivm_regs) == sizeof(struct kvm_regs),
	       "minivm_regs is kvm_regs");
_Static_assert(sizeof(struct minivm_segment) == sizeof(struct kvm_segment),
	       "minivm_segment is kvm_segment");
_Static_assert(sizeof(struct minivm_xsave) == sizeof(struct kvm_xsave),
	       "minivm_xsave is kvm_xsave");
_Static_assert(sizeof(struct minivm_dtable) == sizeof(struct kvm_dtable),
	       "minivm_dtable is kvm_dtable");
_Static_assert(offsetof(struct minivm_sregs, cr0) ==
	       offsetof(struct kvm_sregs, cr0), "segments and tables alike");
_Static_assert(MINIVM_LAPIC_REGS_SIZE == KVM_APIC_REG_SIZE,
	       "the APIC's register page");

/*
 * The library's run page: KVM's port I/O data is up to a page (a REP
 * INS/OUTS), and minivm's data area starts 1 KiB into the run page.
 */
#define SHADOW_SIZE	(4096 + MINIVM_RUN_IO_DATA_OFFSET)

/* Where KVM's VMX code may keep its real-mode TSS: above guest RAM. */
#define KVM_TSS_ADDR	0xfffbd000UL

static int ret_or_errno(int ret)
{
	return ret < 0 ? -errno : ret;
}

int minivm_kvm_open_device(void)
{
	int fd = ret_or_errno(open("/dev/kvm", O_RDWR | O_CLOEXEC));

	if (fd >= 0 && ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

int minivm_kvm_api_version(int devfd)
{
	return ret_or_errno(ioctl(devfd, KVM_GET_API_VERSION, 0));
}

/* Does KVM exit on an emulation failure without queuing a #UD? */
static bool emulation_exits_on;

int minivm_kvm_create_vm(int devfd)
{
	struct kvm_enable_cap hypercall_exits = {
		.cap = KVM_CAP_EXIT_HYPERCALL,
		.args = { 1ULL << KVM_HC_MAP_GPA_RANGE },
	};
	struct kvm_enable_cap emulation_exits = {
		.cap = KVM_CAP_EXIT_ON_EMULATION_FAILURE,
		.args = { 1 },
	};
	int vm = ret_or_errno(ioctl(devfd, KVM_CREATE_VM, 0));

	if (vm >= 0 && ioctl(vm, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0) {
		int err = -errno;

		close(vm);
		return err;
	}
	/*
	 * (Where KVM lacks them, KVM keeps answering number 12 itself, and
	 * an instruction its emulator cannot do raises #UD in the guest.)
	 */
	if (vm >= 0) {
		ioctl(vm, KVM_ENABLE_CAP, &hypercall_exits);
		emulation_exits_on = !ioctl(vm, KVM_ENABLE_CAP, &emulation_exits);
	}
	return vm;
}

int minivm_kvm_set_memory(int vmfd, uint32_t slot, uint64_t gpa, uint64_t size,
		   void *host, uint32_t flags)
{
	struct kvm_userspace_memory_region mr = {
		.slot = slot,
		.flags = (flags & MINIVM_MEM_READONLY) ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	if (flags & ~MINIVM_MEM_READONLY)
		return -EINVAL;
	return ret_or_errno(ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &mr));
}

/* The CPUID KVM supports on this host, as the vCPU's: 0 or -errno. */
static int set_supported_cpuid(int devfd, int vcpufd)
{
	unsigned int n = 256;
	struct kvm_cpuid2 *c;
	int ret;

	for (;;) {
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return -ENOMEM;
		c->nent = n;
		ret = ret_or_errno(ioctl(devfd, KVM_GET_SUPPORTED_CPUID, c));
		if (ret != -E2BIG)
			break;
		free(c);
		n *= 2;
	}
	/*
	 * KVM's local APIC has the TSC-deadline timer, but KVM reports it as
	 * a capability rather than in the supported CPUID; without the bit,
	 * its APIC refuses the LVT's TSC-deadline mode (QEMU sets it the
	 * same way).
	 */
	if (!ret && ioctl(devfd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0)
		for (unsigned int i = 0; i < c->nent; i++)
			if (c->entries[i].function == 1)
				c->entries[i].ecx |= 1u << 24;
	if (!ret)
		ret = ret_or_errno(ioctl(vcpufd, KVM_SET_CPUID2, c));
	free(c);
	return ret;
}

int minivm_kvm_create_vcpu(int devfd, int vmfd, unsigned int id,
		    struct minivm_vcpu *vcpu)
{
	int size = ret_or_errno(ioctl(devfd, KVM_GET_VCPU_MMAP_SIZE, 0));
	struct minivm_run *shadow;
	void *run;
	int fd, ret;

	if (size < 0)
		return size;
	fd = ret_or_errno(ioctl(vmfd, KVM_CREATE_VCPU, (unsigned long)id));
	if (fd < 0)
		return fd;
	ret = set_supported_cpuid(devfd, fd);
	run = ret ? MAP_FAILED : mmap(NULL, size, PROT_READ | PROT_WRITE,
				      MAP_SHARED, fd, 0);
	shadow = aligned_alloc(4096, 2 * 4096);
	if (ret || run == MAP_FAILED || !shadow) {
		ret = ret ? ret : (run == MAP_FAILED ? -errno : -ENOMEM);
		if (run != MAP_FAILED)
			munmap(run, size);
		free(shadow);
		close(fd);
		return ret;
	}
	memset(shadow, 0, SHADOW_SIZE);
	vcpu->fd = fd;
	vcpu->run = shadow;
	vcpu->run_size = SHADOW_SIZE;
	vcpu->hv_run = run;
	vcpu->hv_run_size = size;
	return 0;
}

void minivm_kvm_destroy_vcpu(struct minivm_vcpu *vcpu)
{
	if (vcpu->hv_run)
		munmap(vcpu->hv_run, vcpu->hv_run_size);
	free(vcpu->run);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->hv_run = NULL;
	vcpu->run = NULL;
	vcpu->fd = -1;
}

/* Before KVM_RUN: the VMM's answers and requests, into KVM's run. */
static void to_kvm(struct minivm_run *r, struct kvm_run *k)
{
	k->immediate_exit = r->immediate_exit;
	k->request_interrupt_window = r->request_interrupt_window;
	if (k->exit_reason == KVM_EXIT_IO && k->io.direction == KVM_EXIT_IO_IN)
		memcpy((char *)k + k->io.data_offset, minivm_io_data(r),
		       (size_t)k->io.size * k->io.count);
	else if (k->exit_reason == KVM_EXIT_MMIO && !k->mmio.is_write)
		memcpy(k->mmio.data, r->mmio.data, sizeof(k->mmio.data));
	else if (k->exit_reason == KVM_EXIT_HYPERCALL)
		k->hypercall.ret = r->hypercall.ret;
}

/* After KVM_RUN: KVM's exit as the minivm exit it is. */
static void from_kvm(struct kvm_run *k, struct minivm_run *r)
{
	size_t bytes;

	r->if_flag = k->if_flag;
	r->ready_for_interrupt_injection = k->ready_for_interrupt_injection;
	switch (k->exit_reason) {
	case KVM_EXIT_IO:
		bytes = (size_t)k->io.size * k->io.count;
		r->exit_reason = MINIVM_EXIT_IO;
		r->io.direction = k->io.direction == KVM_EXIT_IO_IN ?
				  MINIVM_EXIT_IO_IN : MINIVM_EXIT_IO_OUT;
		r->io.size = k->io.size;
		r->io.port = k->io.port;
		r->io.count = k->io.count;
		r->io.data_offset = MINIVM_RUN_IO_DATA_OFFSET;
		if (bytes <= SHADOW_SIZE - MINIVM_RUN_IO_DATA_OFFSET)
			memcpy(minivm_io_data(r), (char *)k + k->io.data_offset,
			       bytes);
		break;
	case KVM_EXIT_MMIO:
		r->exit_reason = MINIVM_EXIT_MMIO;
		r->mmio.phys_addr = k->mmio.phys_addr;
		memcpy(r->mmio.data, k->mmio.data, sizeof(r->mmio.data));
		r->mmio.len = k->mmio.len;
		r->mmio.is_write = k->mmio.is_write;
		break;
	case KVM_EXIT_HLT:
		r->exit_reason = MINIVM_EXIT_HLT;
		break;
	case KVM_EXIT_HYPERCALL:
		/* The same four arguments: RBX, RCX, RDX, RSI. */
		r->exit_reason = MINIVM_EXIT_HYPERCALL;
		r->hypercall.nr = k->hypercall.nr;
		memcpy(r->hypercall.args, k->hypercall.args,
		       sizeof(r->hypercall.args));
		r->hypercall.ret = 0;
		break;
	case KVM_EXIT_SHUTDOWN:
		r->exit_reason = MINIVM_EXIT_SHUTDOWN;
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		r->exit_reason = MINIVM_EXIT_IRQ_WINDOW_OPEN;
		break;
	case KVM_EXIT_IOAPIC_EOI:
		r->exit_reason = MINIVM_EXIT_EOI;
		r->eoi.vector = k->eoi.vector;
		break;
	case KVM_EXIT_FAIL_ENTRY:
		r->exit_reason = MINIVM_EXIT_FAIL_ENTRY;
		r->fail_entry.hardware_entry_failure_reason =
			k->fail_entry.hardware_entry_failure_reason;
		r->fail_entry.qualification = 0;
		r->fail_entry.vm_instruction_error = 0;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		memset(&r->internal, 0, sizeof(r->internal));
		r->exit_reason = MINIVM_EXIT_INTERNAL_ERROR;
		r->internal.suberror = MINIVM_INTERNAL_KVM | k->internal.suberror;
		if (k->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
		    emulation_exits_on)
			r->internal.suberror = MINIVM_INTERNAL_KVM_EMULATION;
		r->internal.ndata = k->internal.ndata < 16 ? k->internal.ndata : 16;
		memcpy(r->internal.data, k->internal.data,
		       r->internal.ndata * sizeof(r->internal.data[0]));
		break;
	default:
		/* An exit the launcher has no use for: say which. */
		memset(&r->internal, 0, sizeof(r->internal));
		r->exit_reason = MINIVM_EXIT_INTERNAL_ERROR;
		r->internal.suberror = MINIVM_INTERNAL_KVM_EXIT;
		r->internal.ndata = 1;
		r->internal.data[0] = k->exit_reason;
		break;
	}
}

int minivm_kvm_run(struct minivm_vcpu *vcpu)
{
	struct kvm_run *k = vcpu->hv_run;
	int ret;

	to_kvm(vcpu->run, k);
	ret = ret_or_errno(ioctl(vcpu->fd, KVM_RUN, 0));
	if (ret == -EINTR) {
		vcpu->run->exit_reason = MINIVM_EXIT_INTR;
		k->exit_reason = KVM_EXIT_INTR;	/* nothing to complete */
	} else if (!ret) {
		from_kvm(k, vcpu->run);
	}
	return ret;
}

int minivm_kvm_get_regs(struct minivm_vcpu *vcpu, struct minivm_regs *regs)
{
	return ret_or_errno(ioctl(vcpu->fd, KVM_GET_REGS, regs));
}

int minivm_kvm_set_regs(struct minivm_vcpu *vcpu, const struct minivm_regs *regs)
{
	return ret_or_errno(ioctl(vcpu->fd, KVM_SET_REGS, regs));
}

int minivm_kvm_get_sregs(struct minivm_vcpu *vcpu, struct minivm_sregs *sregs)
{
	struct kvm_sregs k;
	int ret = ret_or_errno(ioctl(vcpu->fd, KVM_GET_SREGS, &k));

	if (ret)
		return ret;
	/* Segments and tables: the same layout, in the same order. */
	memcpy(sregs, &k, offsetof(struct kvm_sregs, cr0));
	sregs->cr0 = k.cr0;
	sregs->cr2 = k.cr2;
	sregs->cr3 = k.cr3;
	sregs->cr4 = k.cr4;
	sregs->efer = k.efer;
	return 0;
}

int minivm_kvm_set_sregs(struct minivm_vcpu *vcpu, const struct minivm_sregs *sregs)
{
	struct kvm_sregs k;
	int ret = ret_or_errno(ioctl(vcpu->fd, KVM_GET_SREGS, &k));

	if (ret)
		return ret;
	/* CR8, APIC base and the pending-interrupt bitmap stay KVM's. */
	memcpy(&k, sregs, offsetof(struct kvm_sregs, cr0));
	k.cr0 = sregs->cr0;
	k.cr2 = sregs->cr2;
	k.cr3 = sregs->cr3;
	k.cr4 = sregs->cr4;
	k.efer = sregs->efer;
	return ret_or_errno(ioctl(vcpu->fd, KVM_SET_SREGS, &k));
}

int minivm_kvm_interrupt(struct minivm_vcpu *vcpu, unsigned int vector)
{
	struct kvm_interrupt irq = { .irq = vector };

	if (vector > 255)
		return -EINVAL;
	return ret_or_errno(ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
}

int minivm_kvm_nmi(struct minivm_vcpu *vcpu)
{
	return ret_or_errno(ioctl(vcpu->fd, KVM_NMI, 0));
}

/* Halted in KVM (its in-kernel APIC), and nothing maskable can wake it. */
bool minivm_kvm_halted_for_good(struct minivm_vcpu *vcpu)
{
	struct kvm_mp_state mp;
	struct kvm_regs r;

	return !ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp) &&
	       mp.mp_state == KVM_MP_STATE_HALTED &&
	       !ioctl(vcpu->fd, KVM_GET_REGS, &r) && !(r.rflags & (1 << 9));
}

/* Local APICs in the kernel, the PIC and IOAPIC in userspace: 24 pins. */
int minivm_kvm_create_lapic(int vmfd)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 },
	};

	return ret_or_errno(ioctl(vmfd, KVM_ENABLE_CAP, &cap));
}

int minivm_kvm_get_lapic(struct minivm_vcpu *vcpu, struct minivm_lapic_state *s)
{
	struct kvm_lapic_state k;
	struct kvm_sregs sr;
	int ret = ret_or_errno(ioctl(vcpu->fd, KVM_GET_LAPIC, &k));

	if (!ret)
		ret = ret_or_errno(ioctl(vcpu->fd, KVM_GET_SREGS, &sr));
	if (ret)
		return ret;
	memcpy(s->regs, k.regs, sizeof(s->regs));
	s->base = sr.apic_base;
	s->tsc_deadline = 0;		/* KVM keeps it as an MSR */
	return 0;
}

int minivm_kvm_set_lapic(struct minivm_vcpu *vcpu,
		  const struct minivm_lapic_state *s)
{
	struct kvm_lapic_state k;

	memcpy(k.regs, s->regs, sizeof(k.regs));
	return ret_or_errno(ioctl(vcpu->fd, KVM_SET_LAPIC, &k));
}

/* KVM_GET_XSAVE and KVM_SET_XSAVE: struct kvm_xsave is minivm's layout. */
int minivm_kvm_get_xsave(struct minivm_vcpu *vcpu, struct minivm_xsave *x)
{
	return ret_or_errno(ioctl(vcpu->fd, KVM_GET_XSAVE, x));
}

int minivm_kvm_set_xsave(struct minivm_vcpu *vcpu, const struct minivm_xsave *x)
{
	return ret_or_errno(ioctl(vcpu->fd, KVM_SET_XSAVE, x));
}

/*
 * KVM_GET_VCPU_EVENTS and KVM_SET_VCPU_EVENTS.  KVM splits the injected
 * event by kind (exception, interrupt, NMI) and numbers its shadows the
 * other way round.  It keeps a MINIVM_INTERRUPT of its own
 * (KVM_INTERRUPT) out of these, so irq_pending reads 0 and must be 0.
 * Without KVM_CAP_EXCEPTION_PAYLOAD a payload goes where the exception
 * would put it first: CR2 (KVM_SET_SREGS) or DR6 (KVM_SET_DEBUGREGS).
 * INT1 and INT3/INTO are KVM exceptions; KVM keeps no instruction length.
 * The halt is KVM's MP state; KVM queues a step's #DB as an exception
 * rather than keep pending debug exceptions, so pending_debug reads 0 and
 * must be 0.
 */
int minivm_kvm_get_vcpu_events(struct minivm_vcpu *vcpu,
			       struct minivm_vcpu_events *ev)
{
	struct kvm_vcpu_events k;
	struct kvm_mp_state mp;
	int ret = ret_or_errno(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &k));

	if (!ret)
		ret = ret_or_errno(ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp));
	if (ret)
		return ret;
	memset(ev, 0, sizeof(*ev));
	ev->halted = mp.mp_state == KVM_MP_STATE_HALTED;
	if (k.exception.injected) {
		ev->injected = k.exception.nr == 3 || k.exception.nr == 4 ?
			       MINIVM_EVENT_SOFT_EXCEPTION : MINIVM_EVENT_EXCEPTION;
		ev->vector = k.exception.nr;
		ev->has_error_code = k.exception.has_error_code;
		ev->error_code = k.exception.error_code;
	} else if (k.nmi.injected) {
		ev->injected = MINIVM_EVENT_NMI;
		ev->vector = 2;
	} else if (k.interrupt.injected) {
		ev->injected = k.interrupt.soft ? MINIVM_EVENT_SOFT_INT :
						  MINIVM_EVENT_EXTINT;
		ev->vector = k.interrupt.nr;
	}
	if (ev->injected >= MINIVM_EVENT_SOFT_INT)
		ev->instruction_len = 1;	/* unknown to KVM's ABI */
	ev->nmi_pending = k.nmi.pending;
	ev->nmi_masked = k.nmi.masked;
	ev->shadow = ((k.interrupt.shadow & KVM_X86_SHADOW_INT_STI) ? MINIVM_SHADOW_STI : 0) |
		     ((k.interrupt.shadow & KVM_X86_SHADOW_INT_MOV_SS) ? MINIVM_SHADOW_MOV_SS : 0);
	return 0;
}

static int kvm_payload(struct minivm_vcpu *vcpu, const struct minivm_vcpu_events *ev)
{
	struct kvm_debugregs d;
	struct kvm_sregs s;
	int ret;

	if (!ev->has_payload)
		return 0;
	if (ev->vector == 14) {
		ret = ret_or_errno(ioctl(vcpu->fd, KVM_GET_SREGS, &s));
		s.cr2 = ev->payload;
		return ret ? ret : ret_or_errno(ioctl(vcpu->fd, KVM_SET_SREGS, &s));
	}
	ret = ret_or_errno(ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &d));
	d.dr6 = (d.dr6 & ~0xfULL) | ev->payload | 0xffff0ff0ULL;
	return ret ? ret : ret_or_errno(ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &d));
}

int minivm_kvm_set_vcpu_events(struct minivm_vcpu *vcpu,
			       const struct minivm_vcpu_events *ev)
{
	struct kvm_vcpu_events k = { .flags = KVM_VCPUEVENT_VALID_NMI_PENDING |
					      KVM_VCPUEVENT_VALID_SHADOW };
	struct kvm_mp_state mp = {
		.mp_state = ev->halted ? KVM_MP_STATE_HALTED : KVM_MP_STATE_RUNNABLE,
	};
	int ret;

	if (ev->irq_pending || ev->pending_debug)
		return -EINVAL;
	switch (ev->injected) {
	case MINIVM_EVENT_EXCEPTION: case MINIVM_EVENT_ICEBP:
	case MINIVM_EVENT_SOFT_EXCEPTION:
		k.exception.injected = 1;
		k.exception.nr = ev->vector;
		k.exception.has_error_code = ev->has_error_code;
		k.exception.error_code = ev->error_code;
		break;
	case MINIVM_EVENT_NMI:
		k.nmi.injected = 1;
		break;
	case MINIVM_EVENT_EXTINT: case MINIVM_EVENT_SOFT_INT:
		k.interrupt.injected = 1;
		k.interrupt.nr = ev->vector;
		k.interrupt.soft = ev->injected == MINIVM_EVENT_SOFT_INT;
		break;
	}
	k.nmi.pending = ev->nmi_pending;
	k.nmi.masked = ev->nmi_masked;
	k.interrupt.shadow = ((ev->shadow & MINIVM_SHADOW_STI) ? KVM_X86_SHADOW_INT_STI : 0) |
			     ((ev->shadow & MINIVM_SHADOW_MOV_SS) ? KVM_X86_SHADOW_INT_MOV_SS : 0);
	ret = kvm_payload(vcpu, ev);
	if (!ret)
		ret = ret_or_errno(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &k));
	return ret ? ret : ret_or_errno(ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp));
}

/*
 * The GSI routes of a split irqchip's 24 IOAPIC pins, one per distinct
 * level-triggered message: KVM scans them for the vectors whose EOI must
 * exit.  One VM per process, as the launcher has.
 */
static struct {
	int vmfd;
	unsigned int n;
	struct kvm_irq_routing_entry e[24];
} routes;

static int route_level_msi(int vmfd, const struct kvm_msi *m)
{
	struct kvm_irq_routing *table;
	unsigned int i;
	int ret;

	if (routes.vmfd != vmfd)
		routes.vmfd = vmfd, routes.n = 0;
	for (i = 0; i < routes.n; i++)
		if (routes.e[i].u.msi.address_lo == m->address_lo &&
		    routes.e[i].u.msi.address_hi == m->address_hi &&
		    routes.e[i].u.msi.data == m->data)
			return 0;
	if (routes.n == 24)
		return 0;	/* no pin left: no EOI exit for this one */
	routes.e[routes.n] = (struct kvm_irq_routing_entry) {
		.gsi = routes.n, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = m->address_lo,
			   .address_hi = m->address_hi, .data = m->data },
	};
	table = calloc(1, sizeof(*table) + (routes.n + 1) * sizeof(routes.e[0]));
	if (!table)
		return -ENOMEM;
	table->nr = routes.n + 1;
	memcpy(table->entries, routes.e, table->nr * sizeof(routes.e[0]));
	ret = ret_or_errno(ioctl(vmfd, KVM_SET_GSI_ROUTING, table));
	free(table);
	if (!ret)
		routes.n++;
	return ret;
}

int minivm_kvm_signal_msi(int vmfd, uint64_t address, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)address,
		.address_hi = address >> 32,
		.data = data,
	};
	int ret = (data & MINIVM_MSI_LEVEL) ? route_level_msi(vmfd, &msi) : 0;

	return ret ? ret : ret_or_errno(ioctl(vmfd, KVM_SIGNAL_MSI, &msi));
}

/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * libminivm: a small C library over the minivm ioctls.
 *
 * Every function returns 0 (or a file descriptor) on success and a negative
 * errno on failure, so callers can print strerror(-ret) without looking at
 * errno.  A minimal VMM with it:
 *
 *	int dev = minivm_open_device();
 *	int vm = minivm_create_vm(dev);
 *	void *mem = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
 *			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
 *	minivm_set_memory(vm, 0, 0, 1 << 20, mem, 0);
 *	memcpy(mem + 0x1000, code, code_size);
 *	struct minivm_vcpu cpu;
 *	minivm_create_vcpu(dev, vm, 0, &cpu);
 *	minivm_setup_mode(&cpu, MINIVM_MODE_REAL, mem, 1 << 20, 0, 0x1000,
 *			  0x1000);
 *	while (minivm_run(&cpu) == 0 && cpu.run->exit_reason == MINIVM_EXIT_IO)
 *		putchar(*minivm_io_data(cpu.run));
 */
#ifndef LIBMINIVM_H
#define LIBMINIVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/minivm.h>

#define MINIVM_DEVICE "/dev/minivm"

/*
 * A vCPU: its fd and its run page.  With KVM (below) run is the library's
 * own copy, which it fills from KVM's run structure (hv_run) after each
 * KVM_RUN.
 */
struct minivm_vcpu {
	int fd;
	struct minivm_run *run;
	size_t run_size;
	void *hv_run;		/* KVM's struct kvm_run, mapped; else NULL */
	size_t hv_run_size;
};

/*
 * Which hypervisor the calls below drive, for the whole process: minivm
 * (the default) or KVM, through /dev/kvm and KVM's own API, with the same
 * structures and exits (user/lib/kvm.c says what does not carry over).
 * Choose before minivm_open_device().
 */
enum minivm_hypervisor {
	MINIVM_HV_MINIVM,
	MINIVM_HV_KVM,
};

void minivm_use_hypervisor(enum minivm_hypervisor hv);
enum minivm_hypervisor minivm_hypervisor(void);

/*
 * Internal errors that only KVM gives (run->internal.suberror, with
 * MINIVM_HV_KVM): KVM's own suberror ORed with MINIVM_INTERNAL_KVM, its
 * data as KVM gave it; or an exit libminivm does not translate,
 * MINIVM_INTERNAL_KVM_EXIT, with KVM's exit reason in data[0].
 */
#define MINIVM_INTERNAL_KVM		0x100
#define MINIVM_INTERNAL_KVM_EXIT	0x200

/*
 * KVM's instruction emulator gave up on an instruction (suberror
 * KVM_INTERNAL_ERROR_EMULATION; libminivm asks KVM for this exit rather
 * than a #UD, KVM_CAP_EXIT_ON_EMULATION_FAILURE).  The instruction is
 * still at CS:RIP, not executed: the VMM may finish it, as the launcher
 * finishes what minivm's kernel does not decode.  A KVM without that
 * capability has queued a #UD as well: its failure stays
 * MINIVM_INTERNAL_KVM | 1, which is not to be finished.
 */
#define MINIVM_INTERNAL_KVM_EMULATION	0x300

/*
 * Has the guest halted with interrupts off, for good?  minivm ends RUN
 * with MINIVM_EXIT_HLT then, and this says false.  KVM with local APICs
 * in the kernel halts such a vCPU in the kernel and never returns: a VMM
 * asks this after RUN returned -EINTR.
 */
bool minivm_halted_for_good(struct minivm_vcpu *vcpu);

/* Open /dev/minivm (or /dev/kvm).  Returns the fd or -errno. */
int minivm_open_device(void);

/* MINIVM_GET_API_VERSION: the version, or -errno. */
int minivm_api_version(int devfd);

/* MINIVM_CHECK_EXTENSION: >0 if present, 0 if not, or -errno. */
int minivm_check_extension(int devfd, unsigned int ext);

/* MINIVM_GET_VMX_CAPS into @caps: 0 or -errno. */
int minivm_get_vmx_caps(int devfd, struct minivm_vmx_caps *caps);

/* MINIVM_CREATE_VM: the new VM's fd, or -errno. */
int minivm_create_vm(int devfd);

/* MINIVM_SET_MEMORY_REGION: back [gpa, gpa + size) with @host. */
int minivm_set_memory(int vmfd, uint32_t slot, uint64_t gpa, uint64_t size,
		      void *host, uint32_t flags);

/* MINIVM_CREATE_VCPU and mmap of its run page into @vcpu: 0 or -errno. */
int minivm_create_vcpu(int devfd, int vmfd, unsigned int id,
		       struct minivm_vcpu *vcpu);

/* munmap the run page and close the vCPU fd. */
void minivm_destroy_vcpu(struct minivm_vcpu *vcpu);

/* MINIVM_RUN: 0 with vcpu->run->exit_reason set, or -errno (-EINTR). */
int minivm_run(struct minivm_vcpu *vcpu);

int minivm_get_regs(struct minivm_vcpu *vcpu, struct minivm_regs *regs);
int minivm_set_regs(struct minivm_vcpu *vcpu, const struct minivm_regs *regs);
int minivm_get_sregs(struct minivm_vcpu *vcpu, struct minivm_sregs *sregs);
int minivm_set_sregs(struct minivm_vcpu *vcpu,
		     const struct minivm_sregs *sregs);

/*
 * MINIVM_INTERRUPT: raise external interrupt @vector; it is injected once
 * the guest can take it.  0, or -EEXIST while one is still queued.
 */
int minivm_interrupt(struct minivm_vcpu *vcpu, unsigned int vector);

/* MINIVM_NMI: raise an NMI.  0, or -EOPNOTSUPP without virtual NMIs. */
int minivm_nmi(struct minivm_vcpu *vcpu);

/*
 * MINIVM_CREATE_LAPIC: vCPUs created from now on get a local APIC in the
 * kernel.  0, -EBUSY once the VM has a vCPU, -EEXIST the second time.
 */
int minivm_create_lapic(int vmfd);

/* MINIVM_GET_LAPIC, MINIVM_SET_LAPIC: 0 or -errno (-ENXIO: no APIC). */
int minivm_get_lapic(struct minivm_vcpu *vcpu, struct minivm_lapic_state *s);
int minivm_set_lapic(struct minivm_vcpu *vcpu,
		     const struct minivm_lapic_state *s);

/* MINIVM_GET_XSAVE, MINIVM_SET_XSAVE: the FPU and SSE registers; 0 or -errno. */
int minivm_get_xsave(struct minivm_vcpu *vcpu, struct minivm_xsave *x);
int minivm_set_xsave(struct minivm_vcpu *vcpu, const struct minivm_xsave *x);

/*
 * MINIVM_GET_VCPU_EVENTS, MINIVM_SET_VCPU_EVENTS: the event the next entry
 * delivers, what waits, the shadows, a debug trap due, the halt; 0 or
 * -errno (-EINVAL: not an event the CPU would deliver now).  To inject an
 * exception, get, change, set.
 */
int minivm_get_vcpu_events(struct minivm_vcpu *vcpu,
			   struct minivm_vcpu_events *ev);
int minivm_set_vcpu_events(struct minivm_vcpu *vcpu,
			   const struct minivm_vcpu_events *ev);

/* MINIVM_SIGNAL_MSI: the number of vCPUs reached, or -errno. */
int minivm_signal_msi(int vmfd, uint64_t address, uint32_t data);

/* The data of a MINIVM_EXIT_IO exit, inside the run page. */
static inline uint8_t *minivm_io_data(struct minivm_run *run)
{
	return (uint8_t *)run + run->io.data_offset;
}

/*
 * Processor modes.  Real mode needs nothing in guest memory.  The others
 * put a GDT (and page tables) into guest memory at @tables (a page-aligned
 * guest-physical address with 64 KiB free, inside @mem which backs
 * guest-physical 0..@mem_size) and identity-map all of 4 GiB.
 */
enum minivm_mode {
	MINIVM_MODE_REAL,	/* 16-bit, CS:IP = entry >> 4 : entry & 15 */
	MINIVM_MODE_PROTECTED,	/* 32-bit flat segments, no paging */
	MINIVM_MODE_PAGED,	/* 32-bit with 4 MiB PSE pages */
	MINIVM_MODE_LONG,	/* 64-bit, 2 MiB pages */
};

/* Only the tables in guest memory (no vCPU): 0 or -EINVAL. */
int minivm_write_tables(void *mem, uint64_t mem_size, enum minivm_mode mode,
			uint64_t tables);

int minivm_setup_mode(struct minivm_vcpu *vcpu, enum minivm_mode mode,
		      void *mem, uint64_t mem_size, uint64_t tables,
		      uint64_t entry, uint64_t stack);

/* Names, for messages. */
const char *minivm_exit_name(uint32_t exit_reason);
const char *minivm_vmx_exit_name(uint32_t basic_reason);
const char *minivm_vm_instruction_error_name(uint32_t error);

/*
 * Why /dev/minivm could not be opened, in words a user can act on, for the
 * negative errno @err that minivm_open_device() returned.
 */
const char *minivm_open_error(int err);

/*
 * entry_check.c: the first of the SDM's VM-entry checks on guest state
 * that @r and @s break, named in @buf with its SDM section; false if
 * they pass every check it knows.  For a MINIVM_EXIT_FAIL_ENTRY with
 * exit reason 33 ("invalid guest state"), which says no more.
 */
bool minivm_entry_check(const struct minivm_regs *r,
			const struct minivm_sregs *s, char *buf, size_t len);

#endif /* LIBMINIVM_H */

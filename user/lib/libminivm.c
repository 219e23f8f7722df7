// SPDX-License-Identifier: LGPL-2.1
/*
 * libminivm: the ioctl wrappers.  See libminivm.h.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "libminivm.h"
#include "kvm.h"

/* The hypervisor every call drives (minivm_use_hypervisor()). */
static enum minivm_hypervisor hv = MINIVM_HV_MINIVM;

void minivm_use_hypervisor(enum minivm_hypervisor which)
{
	hv = which;
}

enum minivm_hypervisor minivm_hypervisor(void)
{
	return hv;
}

/* With KVM, hand the call to kvm.c (the same name, minivm_kvm_). */
#define ON_KVM(call) do {						\
	if (hv == MINIVM_HV_KVM)					\
		return minivm_kvm_##call;				\
} while (0)

/* Turn an ioctl's -1/errno convention into the library's -errno one. */
static int ret_or_errno(int ret)
{
	return ret < 0 ? -errno : ret;
}

int minivm_open_device(void)
{
	ON_KVM(open_device());
	return ret_or_errno(open(MINIVM_DEVICE, O_RDWR | O_CLOEXEC));
}

int minivm_api_version(int devfd)
{
	ON_KVM(api_version(devfd));
	return ret_or_errno(ioctl(devfd, MINIVM_GET_API_VERSION, 0));
}

int minivm_check_extension(int devfd, unsigned int ext)
{
	if (hv == MINIVM_HV_KVM)
		return -ENOTTY;		/* KVM has its own capabilities */
	return ret_or_errno(ioctl(devfd, MINIVM_CHECK_EXTENSION,
				  (unsigned long)ext));
}

int minivm_get_vmx_caps(int devfd, struct minivm_vmx_caps *caps)
{
	if (hv == MINIVM_HV_KVM)
		return -ENOTTY;
	return ret_or_errno(ioctl(devfd, MINIVM_GET_VMX_CAPS, caps));
}

int minivm_create_vm(int devfd)
{
	ON_KVM(create_vm(devfd));
	return ret_or_errno(ioctl(devfd, MINIVM_CREATE_VM, 0));
}

int minivm_set_memory(int vmfd, uint32_t slot, uint64_t gpa, uint64_t size,
		      void *host, uint32_t flags)
{
	struct minivm_memory_region mr = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	ON_KVM(set_memory(vmfd, slot, gpa, size, host, flags));
	return ret_or_errno(ioctl(vmfd, MINIVM_SET_MEMORY_REGION, &mr));
}

int minivm_create_vcpu(int devfd, int vmfd, unsigned int id,
		       struct minivm_vcpu *vcpu)
{
	int size;
	void *run;
	int fd;

	ON_KVM(create_vcpu(devfd, vmfd, id, vcpu));
	size = ret_or_errno(ioctl(devfd, MINIVM_GET_VCPU_MMAP_SIZE, 0));
	if (size < 0)
		return size;
	fd = ret_or_errno(ioctl(vmfd, MINIVM_CREATE_VCPU, (unsigned long)id));
	if (fd < 0)
		return fd;
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (run == MAP_FAILED) {
		int err = -errno;

		close(fd);
		return err;
	}
	vcpu->fd = fd;
	vcpu->run = run;
	vcpu->run_size = size;
	vcpu->hv_run = NULL;
	vcpu->hv_run_size = 0;
	return 0;
}

void minivm_destroy_vcpu(struct minivm_vcpu *vcpu)
{
	if (hv == MINIVM_HV_KVM) {
		minivm_kvm_destroy_vcpu(vcpu);
		return;
	}
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}

int minivm_run(struct minivm_vcpu *vcpu)
{
	ON_KVM(run(vcpu));
	return ret_or_errno(ioctl(vcpu->fd, MINIVM_RUN, 0));
}

int minivm_get_regs(struct minivm_vcpu *vcpu, struct minivm_regs *regs)
{
	ON_KVM(get_regs(vcpu, regs));
	return ret_or_errno(ioctl(vcpu->fd, MINIVM_GET_REGS, regs));
}

int minivm_set_regs(struct minivm_vcpu *vcpu, const struct minivm_regs *regs)
{
	ON_KVM(set_regs(vcpu, regs));
	return ret_or_errno(ioctl(vcpu->fd, MINIVM_SET_REGS, regs));
}

int minivm_get_sregs(struct minivm_vcpu *vcpu, struct minivm_sregs *sregs)
{
	ON_KVM(get_sregs(vcpu, sregs));
	return ret_or_errno(ioctl(vcpu->fd, MINIVM_GET_SREGS, sregs));
}

int minivm_set_sregs(struct minivm_vcpu *vcpu,
		     const struct minivm_sregs *sregs)
{
	ON_KVM(set_sregs(vcpu, sregs));
	return ret_or_errno(ioctl(vcpu->fd, MINIVM_SET_SREGS, sregs));
}

int minivm_interrupt(struct minivm_vcpu *vcpu, unsigned int vector)
{
	struct minivm_interrupt irq = { .vector = vector };

	ON_KVM(interrupt(vcpu, vector));
	return ret_or_errno(ioctl(vcpu->fd, MINIVM_INTERRUPT, &irq));
}

bool minivm_halted_for_good(struct minivm_vcpu *vcpu)
{
	return hv == MINIVM_HV_KVM && minivm_kvm_halted_for_good(vcpu);
}

int minivm_nmi(struct minivm_vcpu *vcpu)
{
	ON_KVM(nmi(vcpu));
	return ret_or_errno(ioctl(vcpu->fd, MINIVM_NMI, 0));
}

int minivm_create_lapic(int vmfd)
{
	ON_KVM(create_lapic(vmfd));
	return ret_or_errno(ioctl(vmfd, MINIVM_CREATE_LAPIC, 0));
}

int minivm_get_lapic(struct minivm_vcpu *vcpu, struct minivm_lapic_state *s)
{
	ON_KVM(get_lapic(vcpu, s));
	return ret_or_errno(ioctl(vcpu->fd, MINIVM_GET_LAPIC, s));
}

int minivm_set_lapic(struct minivm_vcpu *vcpu,
		     const struct minivm_lapic_state *s)
{
	ON_KVM(set_lapic(vcpu, s));
	return ret_or_errno(ioctl(vcpu->fd, MINIVM_SET_LAPIC, s));
}

int minivm_get_xsave(struct minivm_vcpu *vcpu, struct minivm_xsave *x)
{
	ON_KVM(get_xsave(vcpu, x));
	return ret_or_errno(ioctl(vcpu->fd, MINIVM_GET_XSAVE, x));
}

int minivm_set_xsave(struct minivm_vcpu *vcpu, const struct minivm_xsave *x)
{
	ON_KVM(set_xsave(vcpu, x));
	return ret_or_errno(ioctl(vcpu->fd, MINIVM_SET_XSAVE, x));
}

int minivm_get_vcpu_events(struct minivm_vcpu *vcpu,
			   struct minivm_vcpu_events *ev)
{
	ON_KVM(get_vcpu_events(vcpu, ev));
	return ret_or_errno(ioctl(vcpu->fd, MINIVM_GET_VCPU_EVENTS, ev));
}

int minivm_set_vcpu_events(struct minivm_vcpu *vcpu,
			   const struct minivm_vcpu_events *ev)
{
	ON_KVM(set_vcpu_events(vcpu, ev));
	return ret_or_errno(ioctl(vcpu->fd, MINIVM_SET_VCPU_EVENTS, ev));
}

int minivm_signal_msi(int vmfd, uint64_t address, uint32_t data)
{
	struct minivm_msi msi = { .address = address, .data = data };

	ON_KVM(signal_msi(vmfd, address, data));
	return ret_or_errno(ioctl(vmfd, MINIVM_SIGNAL_MSI, &msi));
}

/* Does /proc/cpuinfo list the vmx flag? */
static int cpuinfo_has_vmx(void)
{
	char line[4096];
	int found = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "flags", 5) && strstr(line, " vmx ");
	fclose(f);
	return found;
}

/* The running kernel is at least major.minor (0 if unknown)? */
static int kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma, mi;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return 1;
	return ma > major || (ma == major && mi >= minor);
}

/*
 * Why is there no /dev/minivm?  The same causes the module names in its
 * one dmesg line when it refuses to load, each with what to do about it.
 */
static const char *why_no_device(void)
{
	unsigned int eax, ebx, ecx, edx;
	char vendor[13] = "";

	if (__get_cpuid(0, &eax, &ebx, &ecx, &edx)) {
		memcpy(vendor, &ebx, 4);
		memcpy(vendor + 4, &edx, 4);
		memcpy(vendor + 8, &ecx, 4);
	}
	if (strcmp(vendor, "GenuineIntel"))
		return "/dev/minivm does not exist: this CPU is not an Intel one, and minivm needs Intel VT-x (on AMD, KVM's kvm_amd is the hypervisor to use)";
	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1U << 5)))
		return "/dev/minivm does not exist: this CPU offers no VT-x (CPUID.1:ECX.VMX is 0); inside a VM, turn on nested virtualization on its host (kvm_intel nested=1, QEMU -cpu host)";
	if (!cpuinfo_has_vmx())
		return "/dev/minivm does not exist: the CPU has VT-x but it is turned off (no vmx in /proc/cpuinfo); enable Intel Virtualization Technology in the firmware (BIOS/UEFI) setup, or drop clearcpuid=vmx from the kernel command line";
	if (!kernel_at_least(6, 1))
		return "/dev/minivm does not exist: this kernel is older than 6.1, the oldest minivm supports; boot a newer kernel";
	if (access("/sys/module/minivm", F_OK))
		return "/dev/minivm does not exist: the minivm module is not loaded; load the module (sudo modprobe minivm after make install, or sudo insmod kmod/minivm.ko), and if it refuses, dmesg | grep minivm says why";
	return "/dev/minivm does not exist although the module is loaded: is udev or devtmpfs running? (see /sys/class/misc/minivm/dev)";
}

const char *minivm_open_error(int err)
{
	switch (-err) {
	case ENOENT:
		return why_no_device();
	case EACCES:
	case EPERM:
		return "permission denied on /dev/minivm: it is root-only by default (run as root, or install the udev rule for the 'minivm' group)";
	default:
		return strerror(-err);
	}
}

// SPDX-License-Identifier: LGPL-2.1
/*
 * libminivm: the ioctl wrappers.  See libminivm.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libminivm.h"

/* Turn an ioctl's -1/errno convention into the library's -errno one. */
static int ret_or_errno(int ret)
{
	return ret < 0 ? -errno : ret;
}

int minivm_open_device(void)
{
	return ret_or_errno(open(MINIVM_DEVICE, O_RDWR | O_CLOEXEC));
}

int minivm_api_version(int devfd)
{
	return ret_or_errno(ioctl(devfd, MINIVM_GET_API_VERSION, 0));
}

int minivm_check_extension(int devfd, unsigned int ext)
{
	return ret_or_errno(ioctl(devfd, MINIVM_CHECK_EXTENSION,
				  (unsigned long)ext));
}

int minivm_get_vmx_caps(int devfd, struct minivm_vmx_caps *caps)
{
	return ret_or_errno(ioctl(devfd, MINIVM_GET_VMX_CAPS, caps));
}

int minivm_create_vm(int devfd)
{
	return ret_or_errno(ioctl(devfd, MINIVM_CREATE_VM, 0));
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

const char *minivm_open_error(int err)
{
	switch (-err) {
	case ENOENT:
		if (!cpuinfo_has_vmx())
			return "/dev/minivm does not exist, and this CPU shows no VMX (an AMD CPU, a VM without nested VMX, or VT-x off in the firmware): minivm cannot run here";
		return "/dev/minivm does not exist: load the module first (insmod kmod/minivm.ko); dmesg says why if it refuses";
	case EACCES:
	case EPERM:
		return "permission denied on /dev/minivm: it is root-only by default (run as root, or install the udev rule for the 'minivm' group)";
	default:
		return strerror(-err);
	}
}

/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * libminivm: a small C library over the minivm ioctls.
 *
 * Every function returns 0 (or a file descriptor) on success and a negative
 * errno on failure, so callers can print strerror(-ret) without looking at
 * errno.  Nothing here allocates; a program can use it from a signal-free
 * single thread or from many threads, one vCPU each.
 */
#ifndef LIBMINIVM_H
#define LIBMINIVM_H

#include <linux/minivm.h>

#define MINIVM_DEVICE "/dev/minivm"

/* Open /dev/minivm.  Returns the fd or -errno. */
int minivm_open_device(void);

/* MINIVM_GET_API_VERSION: the version, or -errno. */
int minivm_api_version(int devfd);

/* MINIVM_CHECK_EXTENSION: >0 if present, 0 if not, or -errno. */
int minivm_check_extension(int devfd, unsigned int ext);

/* MINIVM_GET_VMX_CAPS into @caps: 0 or -errno. */
int minivm_get_vmx_caps(int devfd, struct minivm_vmx_caps *caps);

/* MINIVM_CREATE_VM: the new VM's fd, or -errno. */
int minivm_create_vm(int devfd);

/*
 * Why /dev/minivm could not be opened, in words a user can act on, for the
 * negative errno @err that minivm_open_device() returned.
 */
const char *minivm_open_error(int err);

#endif /* LIBMINIVM_H */

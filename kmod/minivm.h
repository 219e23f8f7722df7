/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minivm.h - what the files of the module share.
 *
 * The module reads in this order, one job per file:
 *
 *   main.c          /dev/minivm: module load, the device and its ioctls
 *   vmx_caps.c      is there VMX at all, and what can it do?
 *   vmx_cpu.c       VMXON/VMXOFF on every CPU, hotplug, reboot, suspend
 *   vmx_emergency.c VMXOFF on the crash and emergency-reboot paths
 *   vm.c            the VM object and its file descriptor
 */
#ifndef MINIVM_H
#define MINIVM_H

#include <linux/types.h>
#include <linux/minivm.h>

/* vmx_caps.c: filled once at load time, read-only afterwards. */
extern struct minivm_vmx_caps minivm_caps;
int minivm_detect_vmx(void);
int minivm_get_vmx_caps(void __user *uarg);

/* vmx_cpu.c: VMX operation is on while at least one user holds it. */
int minivm_vmx_cpu_init(void);
void minivm_vmx_cpu_exit(void);
int minivm_vmx_get(void);
void minivm_vmx_put(void);
void minivm_vmx_count_cpus(u32 *nr_online, u32 *nr_on, u32 *nr_foreign);

/* vmx_emergency.c: the kernel's emergency-disable hook, shared with KVM. */
int minivm_emergency_init(void);
void minivm_emergency_exit(void);
void minivm_emergency_arm(bool armed);

/* vm.c */
int minivm_create_vm(void);

#endif /* MINIVM_H */

/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * kvm.h - libminivm's calls over /dev/kvm (kvm.c), one for each call of
 * libminivm.h that has a KVM counterpart.  Internal to the library:
 * libminivm.c hands its calls here after minivm_use_hypervisor(MINIVM_HV_KVM).
 */
#ifndef LIBMINIVM_KVM_H
#define LIBMINIVM_KVM_H

#include "libminivm.h"

int minivm_kvm_open_device(void);
int minivm_kvm_api_version(int devfd);
int minivm_kvm_create_vm(int devfd);
int minivm_kvm_set_memory(int vmfd, uint32_t slot, uint64_t gpa,
			  uint64_t size, void *host, uint32_t flags);
int minivm_kvm_create_vcpu(int devfd, int vmfd, unsigned int id,
			   struct minivm_vcpu *vcpu);
void minivm_kvm_destroy_vcpu(struct minivm_vcpu *vcpu);
int minivm_kvm_run(struct minivm_vcpu *vcpu);
int minivm_kvm_get_regs(struct minivm_vcpu *vcpu, struct minivm_regs *regs);
int minivm_kvm_set_regs(struct minivm_vcpu *vcpu,
			const struct minivm_regs *regs);
int minivm_kvm_get_sregs(struct minivm_vcpu *vcpu, struct minivm_sregs *sregs);
int minivm_kvm_set_sregs(struct minivm_vcpu *vcpu,
			 const struct minivm_sregs *sregs);
int minivm_kvm_interrupt(struct minivm_vcpu *vcpu, unsigned int vector);
int minivm_kvm_nmi(struct minivm_vcpu *vcpu);
bool minivm_kvm_halted_for_good(struct minivm_vcpu *vcpu);
int minivm_kvm_create_lapic(int vmfd);
int minivm_kvm_get_lapic(struct minivm_vcpu *vcpu,
			 struct minivm_lapic_state *s);
int minivm_kvm_set_lapic(struct minivm_vcpu *vcpu,
			 const struct minivm_lapic_state *s);
int minivm_kvm_signal_msi(int vmfd, uint64_t address, uint32_t data);
int minivm_kvm_get_xsave(struct minivm_vcpu *vcpu, struct minivm_xsave *x);
int minivm_kvm_set_xsave(struct minivm_vcpu *vcpu, const struct minivm_xsave *x);
int minivm_kvm_get_vcpu_events(struct minivm_vcpu *vcpu,
			       struct minivm_vcpu_events *ev);
int minivm_kvm_set_vcpu_events(struct minivm_vcpu *vcpu,
			       const struct minivm_vcpu_events *ev);

#endif /* LIBMINIVM_KVM_H */

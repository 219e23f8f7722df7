#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# One launcher, two hypervisors: "minivm run --hypervisor kvm" runs the
# same guest with the same devices on KVM (libminivm over /dev/kvm,
# user/lib/kvm.c), and each guest prints the same and ends with the same
# status as on minivm.  TAP output.
#
# Two guests differ on purpose, and are not compared (kvm.c's header):
# hypercall64.elf (KVM answers VMCALL itself) and ioapic_garbage64.elf
# (KVM delivers the INIT and SIPI messages that minivm refuses).

G=${MINIVM_GUESTS:-/minivm/guests}
MODULES=${MINIVM_KVM_MODULES:-/minivm/modules}
. "$(dirname "$0")/tap.sh"
T=$(mktemp -d)


# same NAME STATUS -- args...: "minivm run args" ends with STATUS on both
# hypervisors, after printing the same.
same() {
	name=$1 want=$2
	shift 3
	minivm run --timeout 30 "$@" < /dev/null > "$T/minivm.out" 2> "$T/minivm.err"
	s1=$?
	minivm run --timeout 30 --hypervisor kvm "$@" < /dev/null > "$T/kvm.out" 2> "$T/kvm.err"
	s2=$?
	if [ $s1 = "$want" ] && [ $s2 = "$want" ] && cmp -s "$T/minivm.out" "$T/kvm.out"; then
		ok 0 "$name: the same on KVM (status $want)"
	else
		echo "# $name: status $s1 on minivm, $s2 on KVM (want $want); stdout:"
		sed 's/^/#   minivm: /' "$T/minivm.out" | head -n 5
		sed 's/^/#   kvm:    /' "$T/kvm.out" | head -n 5
		sed 's/^/#   kvm stderr: /' "$T/kvm.err" | head -n 5
		ok 1 "$name: the same on KVM"
	fi
}

echo "TAP version 13"
need_minivm
need_kvm "$MODULES"

same "real-mode flat guest" 0 -- --mode real "$G/hello_real.bin"
same "protected mode" 0 -- --mode protected "$G/hello32.bin"
same "paged protected mode" 0 -- --mode paged "$G/hello32.bin"
same "ELF32" 0 -- "$G/hello32.elf"
same "ELF64 in long mode" 0 -- "$G/hello64.elf"
same "multiboot" 0 -- "$G/multiboot.elf"
same "16550 UART, interrupt-driven" 0 -- "$G/uart64.elf"
same "PIC and PIT: ten timer interrupts" 0 -- "$G/timer64.elf"
same "MMIO of every size, pc-testdev" 0 -- "$G/mmio64.elf"
same "fw_cfg" 0 -- "$G/fwcfg64.elf"
same "--lapic: timer through LINT0, HLT with interrupts off ends it" 0 -- \
	--lapic "$G/timer64.elf"
same "--lapic: IOAPIC level and edge, EOI exits" 0 -- --lapic "$G/ioapic64.elf"
same "bzImage: the x86 boot protocol" 67 -- --kernel "$G/bzprobe64.bz" \
	--append "hello linux"
same "PVH entry" 69 -- --kernel "$G/pvhprobe.elf"

# Without KVM: a clear message and the setup status, 4.
if [ $kvm_loaded = yes ] && unload_kvm; then
	minivm run --hypervisor kvm "$G/hello64.elf" > /dev/null 2> "$T/err"
	s=$?
	[ $s = 4 ] && grep -q 'cannot open /dev/kvm' "$T/err"
	ok $? "--hypervisor kvm without /dev/kvm: status 4 (got $s), and why"
fi
rm -rf "$T"
tap_end

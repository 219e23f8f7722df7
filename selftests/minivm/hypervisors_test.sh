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
# (KVM delivers the INIT and SIPI messages that minivm refuses).  The
# emulate guests run on KVM's instruction emulator, with the launcher's
# finishing what KVM's cannot do: they are compared case by case.

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

# kvm_emulates NAME -- args...: an emulate guest (user/guests/emulate.c)
# runs to its end on KVM; the launcher finishes the instructions KVM's
# emulator gives up on (KVM_CAP_EXIT_ON_EMULATION_FAILURE, user/lib/kvm.c),
# and the only cases that differ from the CPU are TZCNT's, which KVM's
# emulator executes as BSF (flags of BSF, not of TZCNT).
kvm_emulates() {
	name=$1
	shift 2
	minivm run --stats --timeout 30 --hypervisor kvm "$@" < /dev/null \
		> "$T/kvm.out" 2> "$T/kvm.err"
	s=$?
	fails=$(grep -c '^FAIL' "$T/kvm.out")
	others=$(grep '^FAIL' "$T/kvm.out" | grep -vc '^FAIL tzcnt ')
	launcher=$(sed -n 's/^ *(emulated by the launcher) *\([0-9]*\)$/\1/p' "$T/kvm.err")
	want=0	# the guest exits with (cases that differ << 1) | 1 (rt.h)
	[ "$fails" = 0 ] || want=$((fails * 2 + 1))
	if grep -qE '^emulate: [0-9]+ of [0-9]+ cases alike on RAM and MMIO$' "$T/kvm.out" &&
	   [ "$s" = "$want" ] && [ "$others" = 0 ] && [ "${launcher:-0}" -gt 0 ]; then
		ok 0 "$name: runs on KVM, the launcher finishing $launcher instructions; $fails TZCNT cases differ"
	else
		echo "# $name on KVM: status $s, $fails cases differ ($others not TZCNT), ${launcher:-no} instructions finished by the launcher"
		sed 's/^/#   kvm: /' "$T/kvm.out" | grep -v '^#   kvm: ok' | head -n 8
		sed 's/^/#   kvm stderr: /' "$T/kvm.err" | head -n 8
		ok 1 "$name: runs on KVM, with the launcher finishing what KVM's emulator cannot"
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
same "bzImage, 32-bit entry" 65 -- --kernel "$G/bzprobe32.bz" \
	--append "hello linux"
same "exceptions of emulated MMIO instructions" 0 -- "$G/emulate_fault64.elf"
kvm_emulates "emulated MMIO, long mode" -- "$G/emulate64.elf"
kvm_emulates "emulated MMIO, ELF32" -- "$G/emulate32.elf"
kvm_emulates "emulated MMIO, paged protected mode" -- --mode paged "$G/emulate32.bin"

# Every guest built (user/guests) is named here, and run by make bench on
# both hypervisors (scripts/testvm/bench.sh).
BENCH=${MINIVM_BENCH_SCRIPT:-$(dirname "$0")/../scripts/bench.sh}
missing=""
for f in "$G"/*.elf "$G"/*.bin "$G"/*.bz; do
	b=${f##*/}
	grep -qF "$b" "$0" && grep -qF "$b" "$BENCH" || missing="$missing $b"
done
if [ -f "$BENCH" ]; then
	[ -z "$missing" ] || echo "# not here or not in $BENCH:$missing"
	ok "$([ -z "$missing" ]; echo $?)" "every guest in $G is run here and in make bench"
else
	echo "ok $((N + 1)) # SKIP no $BENCH (the test machine's payload has it)"
	N=$((N + 1))
fi

# Without KVM: a clear message and the setup status, 4.
if [ $kvm_loaded = yes ] && unload_kvm; then
	minivm run --hypervisor kvm "$G/hello64.elf" > /dev/null 2> "$T/err"
	s=$?
	[ $s = 4 ] && grep -q 'cannot open /dev/kvm' "$T/err"
	ok $? "--hypervisor kvm without /dev/kvm: status 4 (got $s), and why"
fi
rm -rf "$T"
tap_end

# SPDX-License-Identifier: GPL-2.0
#
# tap.sh - what the shell suites share, sourced by each: TAP results, and
# KVM's modules for the suites that put minivm beside KVM.
#
#   ok STATUS NAME     one result: "ok N NAME", or "not ok N NAME" when
#                      STATUS is not 0 (and the suite will fail)
#   tap_end            the plan, and the suite's exit status
#   need_minivm        without /dev/minivm: skip the whole suite (exit 4)
#   need_kvm DIR       load_kvm DIR, and without /dev/kvm then: skip
#   load_kvm DIR       irqbypass, kvm and kvm-intel from DIR, unless
#                      /dev/kvm is there already; 0 if it is there now.
#                      kvm_loaded=yes if it loaded them (unload_kvm then
#                      unloads them again)

N=0
FAILED=0
kvm_loaded=no

ok() {
	N=$((N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $N $2"
	else
		echo "not ok $N $2"
		FAILED=1
	fi
}

tap_end() {
	echo "1..$N"
	exit $FAILED
}

need_minivm() {
	if [ ! -e /dev/minivm ]; then
		echo "1..0 # SKIP no /dev/minivm: module not loaded (no VMX?)"
		exit 4
	fi
}

need_kvm() {
	if ! load_kvm "$1"; then
		echo "1..0 # SKIP no /dev/kvm: KVM's modules would not load"
		exit 4
	fi
}

load_kvm() {
	if [ ! -e /dev/kvm ]; then
		for k in irqbypass kvm kvm-intel; do
			insmod "$1/$k.ko" 2>/dev/null
		done
		kvm_loaded=yes
	fi
	[ -e /dev/kvm ]
}

unload_kvm() {
	[ $kvm_loaded = yes ] && rmmod kvm_intel kvm irqbypass 2>/dev/null
}

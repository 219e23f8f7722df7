#!/bin/sh
# minivm against KVM inside the test machine: bench.sh [minivm-bench args]
#
# Both hypervisors are loaded side by side: each turns VMX on only while
# it has a VM (the enable policy of both, design.rst), and minivm-bench
# finishes with one before it starts the other.
m=/minivm/modules
insmod $m/minivm.ko || exit 1
for k in irqbypass kvm kvm-intel; do
	insmod $m/$k.ko || { echo "bench: cannot load $k.ko"; exit 1; }
done
minivm-bench -j /tmp/bench.json "$@"
status=$?

# Whole workloads through the one launcher (minivm run --hypervisor):
# the time from the first RUN to the end (--stats), min/median/max of
# RUNS runs on each hypervisor, and the ratio of the medians.
runs=${BENCH_WHOLE_RUNS:-5}
G=/minivm/guests
# A line of input for the guests that read one (uart64, the Linux guest's
# /init), in a file: it is there before the guest asks, on both
# hypervisors.  From a pipe it came whenever the writer ran, and a guest
# that asked first halted until then (101 us of a 0.6 ms uart64 run).
echo "typed-on-ttyS0 42" > /tmp/whole.input
whole() {
	name=$1 n=$2
	shift 2
	line="# whole: $name"
	for hv in minivm kvm; do
		i=0
		while [ $i -lt "$n" ]; do
			minivm run --stats --hypervisor $hv "$@" \
				< /tmp/whole.input 2>&1 >/dev/null |
				sed -n 's/^run: \([0-9.]*\) ms.*/\1/p'
			i=$((i + 1))
		done | sort -n > /tmp/whole.$hv
		line="$line $hv=$(awk '{ v[NR] = $1 } END { if (NR) printf "%.1f/%.1f/%.1f", v[1], v[int((NR + 1) / 2)], v[NR]; else printf "none" }' /tmp/whole.$hv)"
	done
	med() { awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }' "$1"; }
	r=$(awk -v a="$(med /tmp/whole.minivm)" -v b="$(med /tmp/whole.kvm)" \
		'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "none" }')
	echo "$line ms (min/median/max) ratio=$r"
}
# Every guest the launcher runs (the list of hypervisors_test.sh).  Two do
# different work on KVM (user/lib/kvm.c): hypercall64 (KVM answers its
# VMCALLs in the kernel) and ioapic_garbage64 (KVM delivers the INIT and
# SIPI that minivm refuses); in the emulate guests KVM's own emulator
# does most of what minivm hands to the launcher.
echo "# whole workloads: minivm run --stats, $runs runs each"
whole hello_real "$runs" --mode real $G/hello_real.bin
whole hello32_protected "$runs" --mode protected $G/hello32.bin
whole hello32_paged "$runs" --mode paged $G/hello32.bin
whole hello32_elf "$runs" $G/hello32.elf
whole hello64 "$runs" $G/hello64.elf
whole multiboot "$runs" $G/multiboot.elf
whole uart64 "$runs" $G/uart64.elf
whole pic_pit_timer "$runs" $G/timer64.elf
whole lapic_timer "$runs" --lapic $G/timer64.elf
whole ioapic_level_eoi "$runs" --lapic $G/ioapic64.elf
whole ioapic_garbage "$runs" --lapic $G/ioapic_garbage64.elf
whole mmio64 "$runs" $G/mmio64.elf
whole fwcfg64 "$runs" $G/fwcfg64.elf
whole hypercall64 "$runs" $G/hypercall64.elf
whole emulate64 "$runs" $G/emulate64.elf
whole emulate32 "$runs" $G/emulate32.elf
whole emulate32_paged "$runs" --mode paged $G/emulate32.bin
whole emulate_fault64 "$runs" $G/emulate_fault64.elf
whole bzimage32_probe "$runs" --kernel $G/bzprobe32.bz --append "hello linux"
whole bzimage64_probe "$runs" --kernel $G/bzprobe64.bz --append "hello linux"
whole pvh_probe "$runs" --kernel $G/pvhprobe.elf
if [ -f $G/linux/bzImage ]; then
	whole linux_boot "${BENCH_LINUX_RUNS:-3}" --timeout 30 --lapic --mem 128M \
		--append "console=ttyS0 acpi=off pci=off mce=off tsc=reliable 8250.nr_uarts=1 reboot=k panic=-1 quiet" \
		--kernel $G/linux/bzImage --initrd $G/linux/initrd.cpio
fi
echo "MINIVM-BENCH-JSON-BEGIN"
cat /tmp/bench.json
echo "MINIVM-BENCH-JSON-END"
rmmod kvm_intel kvm irqbypass minivm
exit $status

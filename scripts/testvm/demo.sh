#!/bin/sh
# make run: what a person sees first.  Load minivm in the test machine,
# show its capability report, and greet from every processor mode.
G=/minivm/guests
echo "== insmod minivm.ko"
insmod /minivm/modules/minivm.ko || { dmesg | grep minivm; exit 1; }
dmesg | grep 'minivm:'
echo "== minivm info"
minivm info
for run in "--mode real $G/hello_real.bin" "$G/hello32.elf" \
	   "--mode paged $G/hello32.bin" "$G/hello64.elf" \
	   "--cmdline hello $G/multiboot.elf" "$G/hypercall64.elf"; do
	echo "== minivm run $run"
	# shellcheck disable=SC2086
	minivm run $run
	echo "(exit status $?)"
done

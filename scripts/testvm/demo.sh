#!/bin/sh
# make run: what a person sees first.  Load minivm in the test machine,
# show its capability report, greet from every processor mode, and boot
# Linux.
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
# Last, the test machine's own kernel inside minivm: Debian's 6.1 boots to
# its busybox /init, which shows what it sees and powers off.  Its
# console is minivm's 16550; the line it asks for is sent at once, after
# a few newlines (bytes that arrive before Linux's 8250 driver opens the
# port are lost, as on a real serial line; /init skips empty lines).
echo "== minivm run --kernel $G/linux/bzImage --initrd $G/linux/initrd.cpio"
printf '\n\n\n\n\n\n\n\ntyped at the prompt\n' | minivm run --kernel $G/linux/bzImage \
	--initrd $G/linux/initrd.cpio --mem 128M --stats
echo "(exit status $?)"

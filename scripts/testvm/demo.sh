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
# console is minivm's 16550; the line it asks for is typed here, once
# its shell is up (a byte sent before the driver opens the port is lost,
# as on a real serial line).
echo "== minivm run --kernel $G/linux/bzImage --initrd $G/linux/initrd.cpio"
(sleep 5; echo "typed at the prompt") | minivm run --kernel $G/linux/bzImage \
	--initrd $G/linux/initrd.cpio --mem 128M --stats
echo "(exit status $?)"

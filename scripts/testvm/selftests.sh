#!/bin/sh
# Run the minivm selftests inside the test machine: selftests.sh [TEST...]
#
# Loads the module (and the msr module, for the capability cross-check),
# then runs each test between markers that the host's scripts/check.sh
# reads: "MINIVM-TEST-BEGIN name" and "MINIVM-TEST-END name status".
#
# A test stuck in the kernel cannot be killed, so a watchdog stands by each
# one: after MINIVM_TEST_LIMIT seconds of the machine's clock it shows the
# blocked tasks' stacks and every CPU's, then the kernel log, and ends the
# machine's run itself.
limit=${MINIVM_TEST_LIMIT:-600}
cd /minivm/selftests || exit 1
echo 1 > /proc/sys/kernel/sysrq
[ -f /minivm/modules/msr.ko ] && insmod /minivm/modules/msr.ko 2>/dev/null
if insmod /minivm/modules/minivm.ko; then
	echo "# minivm loaded"
	minivm info
else
	echo "# minivm did not load: $(dmesg | grep 'minivm:' | tail -n 1)"
fi

# As in /init: let the UART finish before the power goes.
drain_serial() {
	last=-1
	while :; do
		now=$(sed -n 's/^0:.* tx:\([0-9]*\).*/\1/p' /proc/tty/driver/serial)
		[ "$now" = "$last" ] && break
		last=$now
		sleep 0.5
	done
}

watchdog() {
	sleep "$limit"
	echo "MINIVM-WATCHDOG: $1 still running after ${limit}s; blocked tasks and CPUs:"
	echo w > /proc/sysrq-trigger
	echo l > /proc/sysrq-trigger
	echo "MINIVM-TEST-END $1 124"
	echo "MINIVM-DMESG-BEGIN"
	dmesg | sed -n '/MINIVM-CMD-START/,$p'
	echo "MINIVM-DMESG-END"
	echo "MINIVM-EXIT 124"
	drain_serial
	poweroff -f
}

# The debugging kernel (make check-debug) has kmemleak: what was reported
# before the tests (boot) is not theirs.
kmemleak=/sys/kernel/debug/kmemleak
if [ -w $kmemleak ]; then
	echo scan > $kmemleak
	echo clear > $kmemleak
fi

tests=${*:-$(cat tests.list)}
failed=0
for t in $tests; do
	echo "MINIVM-TEST-BEGIN $t"
	watchdog "$t" &
	wd=$!
	began=$(cut -d. -f1 /proc/uptime)
	"./$t" 2>&1
	status=$?
	kill $wd 2>/dev/null
	echo "# $t took $(( $(cut -d. -f1 /proc/uptime) - began )) s"
	echo "MINIVM-TEST-END $t $status"
	[ "$status" = 0 ] || [ "$status" = 4 ] || failed=1
done

# kmemleak: scan twice (a fresh object is not a leak yet) and show what
# it found; its "suspected memory leaks" line fails the run.
if [ -w $kmemleak ]; then
	echo scan > $kmemleak
	sleep 5
	echo scan > $kmemleak
	echo "# kmemleak: $(grep -c '^unreferenced object' $kmemleak) suspected leak(s)"
	head -n 60 $kmemleak
fi

# Whatever the tests did, nothing of minivm's may be left alive.
objects=/sys/kernel/debug/minivm/objects
[ -r $objects ] && echo "# figure: leaked_objects=$(awk '{s += $2} END {print s + 0}' $objects)"
exit $failed

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
# The debugging kernel (make check-debug) has kmemleak.  What the boot
# allocated is not the tests' to answer for, so only objects allocated
# from now on, minivm's loading included, count at the end (kmemleak
# reports each object's jiffies).  That needs no scan now, and none should run by itself in the middle of
# a suite: in Bochs one scan of the machine's memory takes minutes (a
# scan here, before the tests, took 390-590 s of wall time).
kmemleak=/sys/kernel/debug/kmemleak
if [ -w $kmemleak ]; then
	echo scan=off > $kmemleak
	since=$(sed -n 's/^jiffies: //p' /proc/timer_list | head -n 1)
fi
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

# kmemleak: scan twice and show what it found; its "suspected memory
# leaks" line fails the run.  An object younger than 5 s is not reported
# yet, so the second scan starts at least 5 s after the last test ended.
# (In Bochs the first scan alone takes longer than that; waiting in
# "sleep" there would cost a two-CPU machine about a minute of wall time
# per second.)
if [ -w $kmemleak ]; then
	ended=$(cut -d. -f1 /proc/uptime)
	echo scan > $kmemleak
	left=$(( ended + 6 - $(cut -d. -f1 /proc/uptime) ))
	[ "$left" -gt 0 ] && sleep "$left"
	echo scan > $kmemleak
	# Each report: "unreferenced object ...", then '  comm "x", pid N,
	# jiffies J', the hex dump and the backtrace.
	awk -v since="${since:-0}" '
		function flush() { if (keep) { n++; printf "%s", block } }
		/^unreferenced object/ { flush(); block = ""; keep = 0 }
		/^  comm .* jiffies [0-9]+$/ { keep = $NF + 0 >= since + 0 }
		{ block = block $0 "\n" }
		END { flush(); print n + 0 > "/tmp/kmemleak.count" }' \
		$kmemleak > /tmp/kmemleak.ours
	leaks=$(cat /tmp/kmemleak.count)
	echo "# kmemleak: $(grep -c '^unreferenced object' $kmemleak) suspected leak(s), $leaks of them allocated during the tests"
	head -n 80 /tmp/kmemleak.ours
	# In the kernel log, where scripts/testvm/report looks (it does not
	# judge kmemleak's own line, which counts the boot's objects too).
	[ "$leaks" -gt 0 ] &&
		echo "<3>minivm-selftests: $leaks memory leaks from the tests (kmemleak)" > /dev/kmsg
fi

# Whatever the tests did, nothing of minivm's may be left alive.
objects=/sys/kernel/debug/minivm/objects
[ -r $objects ] && echo "# figure: leaked_objects=$(awk '{s += $2} END {print s + 0}' $objects)"
exit $failed

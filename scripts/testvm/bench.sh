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
echo "MINIVM-BENCH-JSON-BEGIN"
cat /tmp/bench.json
echo "MINIVM-BENCH-JSON-END"
rmmod kvm_intel kvm irqbypass minivm
exit $status

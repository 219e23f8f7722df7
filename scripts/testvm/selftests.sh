#!/bin/sh
# Run the minivm selftests inside the test machine: selftests.sh [TEST...]
#
# Loads the module (and the msr module, for the capability cross-check),
# then runs each test with a time limit, between markers that the host's
# scripts/check.sh reads: "MINIVM-TEST-BEGIN name" and
# "MINIVM-TEST-END name status".
cd /minivm/selftests || exit 1
[ -f /minivm/modules/msr.ko ] && insmod /minivm/modules/msr.ko 2>/dev/null
if insmod /minivm/modules/minivm.ko; then
	echo "# minivm loaded"
	minivm info
else
	echo "# minivm did not load: $(dmesg | grep 'minivm:' | tail -n 1)"
fi
tests=${*:-$(cat tests.list)}
for t in $tests; do
	echo "MINIVM-TEST-BEGIN $t"
	timeout 600 "./$t" 2>&1
	echo "MINIVM-TEST-END $t $?"
done

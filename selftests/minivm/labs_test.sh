#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel labs are honest (Documentation/minivm/labs.rst): for each
# one, its grader's tests fail with the lab's starter module, the module
# with that lab's solution taken out (make lab-modules, scripts/lab), and
# pass with minivm's own.  TAP output.
#
# /minivm/labs/labs.list has a line per lab: "N SUITE TEST...".  The
# module is swapped under no other user: suites run one at a time.

LABS=${MINIVM_LABS:-/minivm/labs}
KO=${MINIVM_KO:-/minivm/modules/minivm.ko}
. "$(dirname "$0")/tap.sh"
T=$(mktemp)


# load KO: minivm, from KO, in place of whatever minivm is loaded.
load() {
	rmmod minivm 2>/dev/null
	insmod "$1"
}

# grade SUITE TESTS: run those tests; 0 if they ran (not skipped) and
# passed, 1 if one failed, 2 if none ran.
grade() {
	suite=$1
	shift
	MINIVM_ONLY="$*" "./$suite" > "$T" 2>&1
	status=$?
	if ! grep -E '^(not )?ok [0-9]+ ' "$T" | grep -qv '# SKIP'; then
		sed 's/^/#   /' "$T" | tail -n 5
		return 2
	fi
	[ $status = 0 ] && return 0
	grep -E '^not ok|^# .*(Expected|assertion)' "$T" | head -n 4 | sed 's/^/#   /'
	return 1
}

echo "TAP version 13"
if [ ! -f "$LABS/labs.list" ]; then
	echo "1..0 # SKIP no $LABS/labs.list: the lab modules were not built (make lab-modules)"
	exit 4
fi
need_minivm
cd "$(dirname "$0")" || exit 1

while read -r lab suite tests; do
	if load "$LABS/lab-$lab.ko"; then
		grade "$suite" $tests
		r=$?
		[ $r = 1 ]
		ok $? "lab $lab: $suite $tests fails on the starter"
	else
		ok 1 "lab $lab: the starter module loads"
	fi
	load "$KO" || { ok 1 "minivm.ko loads again"; break; }
	grade "$suite" $tests
	ok $? "lab $lab: $suite $tests passes on the solution"
done < "$LABS/labs.list"

rm -f "$T"
tap_end

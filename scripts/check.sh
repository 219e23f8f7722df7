#!/bin/bash
# make check: everything minivm can prove, ending in "N passed, N failed".
#
#   1. host unit tests (pure logic, natively, in milliseconds) and the
#      style gates (checkpatch, sparse, W=1, kernel-doc, cppcheck, Sphinx);
#   2. two boots of the VMX test machine (Bochs, or QEMU with nested VMX on
#      an Intel host), side by side, sharing the selftests between them,
#      each machine's kernel log checked after;
#   3. one boot of QEMU without VMX (TCG), where the module must refuse to
#      load with a clear message; it runs when the first VMX machine ends.
#
# Logs are kept in build/check/.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/check
mkdir -p "$out"
rm -f "$out"/*.log "$out"/*.out
start=$(date +%s)
passed=0 failed=0 skipped=0

# add LOG EXPECTED...: fold one log's counts into the totals.
add() {
	local p f s
	read -r p f s < <(scripts/tap-count "$@")
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

# The VMX suites run on two test machines at once, one per host core:
# Bochs emulates on one thread.  The first machine has two CPUs, for the
# suites about what is per CPU (VMXON on each, hotplug, NMIs, two
# hypervisors side by side, vCPU threads that move, 32 VMs in parallel);
# the second has one CPU, and so boots and idles faster in Bochs.  The
# other suites are spread over both by their measured times
# (scripts/testvm/spread; scripts/testvm/suite-times is a copy of a run's
# build/check/suite-times).  The machines start first, and the host's own
# checks (unit tests, style gates, install) run while they boot.
all_tests=$(cat build/testvm/payload/selftests/tests.list)
pinned="device_test caps_test enable_test hotplug_test coexist_test nmi_test run_test load_test"
{ read -r first; read -r second; } < <(scripts/testvm/spread scripts/testvm/suite-times \
	"$pinned" -- $all_tests)
machine=${TESTVM:-$(scripts/testvm/choose)}
# A suite stuck in the kernel is shown by the machine's watchdog
# (selftests.sh) before the machine's own timeout ends it in silence.
# Bochs's clock is slow: no suite there has taken more than 2 s of it,
# and 20 s of it are 20 minutes of wall time when both CPUs idle.
limit=
[ "$machine" = bochs ] && limit="MINIVM_TEST_LIMIT=20 "
echo "== two VMX test machines ($machine) started in the background"
TESTVM_CPUS=1 scripts/testvm/boot --log "$out/vmx2.serial" --timeout 1800 \
	"$limit/minivm/scripts/selftests.sh $second" > "$out/vmx2.out" 2>&1 &
vmx2=$!
scripts/testvm/boot --log "$out/vmx.serial" --timeout 1800 \
	"$limit/minivm/scripts/selftests.sh $first" > "$out/vmx.out" 2>&1 &
vmx=$!
# The host's own checks run beside the two machines.  (Their nice 19
# reaches only their own session: the kernel's autogroups weigh each
# session alike, and each Bochs runs in its own, so while they run each
# machine gets about two thirds of a core; testing.rst, "Where make
# check's time goes".)  The no-VMX machine waits for a free core instead:
# at nice 19 beside two busy Bochs it once wrote nothing in 300 s (CI,
# 5471a0a).
tcg_boot() {
	TESTVM=tcg scripts/testvm/boot --log "$out/novmx.serial" --timeout 300 \
		/minivm/scripts/selftests.sh module_test > "$out/novmx.out" 2>&1
}

echo "== host unit tests"
: > "$out/unit.log"
for t in tests/unit/*_test; do
	name=$(basename "$t")
	{ echo "MINIVM-TEST-BEGIN $name"; nice -n 19 "$t" 2>/dev/null; echo "MINIVM-TEST-END $name $?"; } >> "$out/unit.log"
done
cat "$out/unit.log" | grep -E '^(not )?ok ' | sed 's/^/  /'
add "$out/unit.log" $(cd tests/unit && ls *_test)

echo "== user-space labs: each grader fails on its starter, passes on the solution"
{ echo "MINIVM-TEST-BEGIN labs"; nice -n 19 scripts/lab honest; echo "MINIVM-TEST-END labs $?"; } > "$out/labs.log" 2>&1
grep -E '^(not )?ok |^# ' "$out/labs.log" | sed 's/^/  /'
add "$out/labs.log" labs

echo "== style gates"
{ echo "MINIVM-TEST-BEGIN gates"; nice -n 19 scripts/gates.sh; echo "MINIVM-TEST-END gates $?"; } > "$out/gates.log" 2>&1
grep -E '^(not )?ok |^# ' "$out/gates.log" | sed 's/^/  /'
add "$out/gates.log" gates

echo "== make install, make uninstall, DKMS"
{ echo "MINIVM-TEST-BEGIN install"; nice -n 19 scripts/install-test.sh; echo "MINIVM-TEST-END install $?"; } > "$out/install.log" 2>&1
grep -E '^(not )?ok |^# ' "$out/install.log" | sed 's/^/  /'
add "$out/install.log" install

echo "== waiting for the test machines"
# The first VMX machine to finish hands its core to the no-VMX one.
declare -A status
wait -n -p done_pid $vmx $vmx2
status[$done_pid]=$?
tcg_boot &
tcg=$!
for pid in $vmx $vmx2; do
	[ -n "${status[$pid]:-}" ] || { wait "$pid"; status[$pid]=$?; }
done
vmx_status=${status[$vmx]}
vmx2_status=${status[$vmx2]}
wait $tcg
tcg_status=$?

for run in vmx vmx2 novmx; do
	echo "== $run: test output ($out/$run.out)"
	grep -vE '^#  (RUN|  +OK)' "$out/$run.out" | sed 's/^/  /'
done
add "$out/vmx.out" $first
add "$out/vmx2.out" $second
add "$out/novmx.out" module_test

# The runner's verdict on each machine: the kernel log, and finishing.
for r in "vmx:$vmx_status" "vmx2:$vmx2_status" "novmx:$tcg_status"; do
	case "${r#*:}" in
	124) echo "FAIL ${r%%:*}: the machine did not finish"; failed=$((failed + 1)) ;;
	125) echo "FAIL ${r%%:*}: the kernel log shows problems"; failed=$((failed + 1)) ;;
	esac
done
# The figures: what the suites measured, one line each.  A
# figure no test printed means its test did not get that far: a failure.
problems=$(cat "$out"/*.out | sed -n 's/^# dmesg_problems=//p' | awk '{s += $1} END {print s + 0}')
hostile=$(awk '/^MINIVM-TEST-BEGIN hostile_(memory_)?test/ {on = 1} /^MINIVM-TEST-END hostile_(memory_)?test/ {on = 0}
	on && /^ok / && !/# SKIP/ {n++} END {print n + 0}' "$out"/vmx*.out)
figure() {
	local v
	# (leaked_objects comes from each machine: their sum)
	v=$(sed -n "s/^# figure: $1=//p" "$out"/vmx*.out | awk '{s += $1; n++} END {if (n) print s}')
	if [ -z "$v" ]; then
		echo "# figure: $1=missing"
		failed=$((failed + 1))
	else
		echo "# figure: $1=$v"
	fi
}
figure fuzz_calls
echo "# figure: hostile_guest_cases=$hostile"
figure concurrent_vms
figure create_destroy_cycles
figure leaked_objects
figure slab_growth_kib
echo "# figure: dmesg_problems=$problems"
# Where the time went: each machine's own wall time, and against the
# budget (testing.rst) the three slowest suites.
for run in vmx vmx2 novmx; do
	booted=$(sed -n 's/^MINIVM-BOOTED .* \([0-9]*\)$/, booted at \1 s/p' \
		"$out/$run.serial.times" 2>/dev/null)
	init=$(sed -n 's/^MINIVM-INIT .* \([0-9]*\)$/ (\/init at \1 s)/p' \
		"$out/$run.serial.times" 2>/dev/null)
	booted=$booted$init
	# ("|": $booted has a "/" in it)
	sed -n "s|^testvm: \(.*\) ran for \([0-9]*\) s$|# machine $run (\1): \2 s$booted|p" \
		"$out/$run.out"
done
took=$(( $(date +%s) - start ))
budget=${CHECK_BUDGET:-600}
echo "# make check took $took s (budget $budget s)"
# Each suite's wall time, from the runner's record of when its BEGIN
# and END lines appeared (scripts/testvm/bochs; in QEMU the machine's own
# clock is the wall's, and its "took N s" lines are used).
# (A suite the two-CPU machine ran is marked "two": scripts/testvm/spread
# scales it to the one-CPU machine.)
suite_times() {
	for m in "vmx two" "vmx2 one"; do
		t=$out/${m% *}.serial.times
		[ -s "$t" ] && awk -v m="${m#* }" '$1 == "MINIVM-TEST-BEGIN" { b[$2] = $3 }
			$1 == "MINIVM-TEST-END" && ($2 in b) {
				print $4 - b[$2], $2 (m == "two" ? " two" : "") }' "$t"
	done
	cat "$out"/vmx*.out | tr -d '\r' |
		sed -n 's/^# \(.*\) took \([0-9]*\) s$/\2 \1/p'
}
# (with the boots, so that the file can become scripts/testvm/suite-times)
{
	suite_times
	sed -n 's/^MINIVM-BOOTED .* \([0-9]*\)$/\1 @boot2/p' "$out/vmx.serial.times" 2>/dev/null
	sed -n 's/^MINIVM-BOOTED .* \([0-9]*\)$/\1 @boot1/p' "$out/vmx2.serial.times" 2>/dev/null
} | sort -s -k2,2 -u | sort -rn > "$out/suite-times"
# Each case's wall time: from the line before its "ok" to the "ok".
for t in "$out"/vmx.serial.times "$out"/vmx2.serial.times; do
	[ -s "$t" ] && awk '{ t = $NF; sub(/ [^ ]*$/, "") }
		/^(not )?ok / { print t - prev, $0 } { prev = t }' "$t"
done | sort -rn > "$out/case-times"
if [ "$took" -gt "$budget" ]; then
	echo "# OVER BUDGET by $((took - budget)) s; the slowest suites:"
else
	echo "# the slowest suites (all in $out/suite-times):"
fi
grep -v " @" "$out/suite-times" | head -n 3 | sed 's/^\([0-9]*\) \(.*\)/#   \2: \1 s/'
echo "# the slowest cases (all in $out/case-times):"
head -n 3 "$out/case-times" | sed 's/^\([0-9]*\) \(.*\)/#   \2: \1 s/'
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]

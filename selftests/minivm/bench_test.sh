#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark still works: a short run of minivm-bench (make bench runs
# the full one) where both minivm and KVM ran every workload on the same
# guest image, the exit-free loop, the harness's own fairness check,
# costs the same under both, and the kernel memory of both was traced and
# sorted by kind.  TAP output; the table is printed as comments.

M=${MINIVM_MODULES:-/minivm/modules}
. "$(dirname "$0")/tap.sh"
T=$(mktemp -d)

echo "TAP version 13"
need_minivm
need_kvm "$M"

minivm-bench -n 100 -s 16 -r 3 -j "$T/bench.json" > "$T/out" 2> "$T/err"
status=$?
sed 's/^/# /' "$T/out"
sed 's/^/# stderr: /' "$T/err" | grep -v '\.\.\.$'
ok $status "minivm and KVM both ran every workload"

# Every workload has a ratio: the two sides measured the same things.
want=$(grep -c '"name"' "$T/bench.json")
have=$(grep -c '^# ratio: ' "$T/out")
[ "$want" -gt 10 ] && [ "$want" = "$have" ]
ok $? "a ratio for each of the $want workloads"

# Every workload ran its three times (-r 3) on both, and its median lies
# between its min and max: each figure is a median, as the table says.
bad=$(awk '/"name"/ {
	sub(/, "stages".*/, "")
	gsub(/[" {}]/, "")
	n = split($0, kv, /[,:]/)
	for (i = 1; i < n; i++) v[kv[i]] = kv[i + 1]
	if (v["minivm_runs"] != 3 || v["kvm_runs"] != 3 ||
	    v["minivm_min"] + 0 > v["minivm"] + 0 || v["minivm"] + 0 > v["minivm_max"] + 0 ||
	    v["kvm_min"] + 0 > v["kvm"] + 0 || v["kvm"] + 0 > v["kvm_max"] + 0) {
		printf "%s ", v["name"]
	}
	delete v
}' "$T/bench.json")
[ -z "$bad" ] && grep -q '"minivm_runs"' "$T/bench.json"
ok $? "every workload: min <= median <= max over three runs on both${bad:+ (not: $bad)}"

# The floor (an ioctl that does nothing) was measured, and each exit to
# userspace is broken down against it and the in-kernel exit, on both.
for hv in minivm kvm; do
	grep -q "^# breakdown: $hv out=[0-9]* = in-kernel exit [0-9]* + empty ioctl [0-9]* + the rest -*[0-9]* cycles" "$T/out"
	ok $? "$hv: an OUT broken down into in-kernel exit, empty ioctl and the rest"
done

# Each touch workload against its floor, the bench touching as much
# fresh memory itself: the floor was measured for both page sizes, and
# a guest's 4 KiB page costs each hypervisor more than the host's own
# fault and zeroing of it.  (With 2 MiB pages the two are within noise
# of each other: zeroing the huge page is nearly all of it.)
for hv in minivm kvm; do
	for w in touch_16m_4k touch_16m_2m; do
		grep "^# breakdown: $hv $w=" "$T/out" | awk -v w=$w '{
			for (i = 1; i < NF; i++)
				if ($i == "touch") floor = $(i + 1) + 0
			split($4, kv, "="); c = kv[2] + 0
		} END { exit !(floor > 0 && c > 0 && (w ~ /2m$/ || c > floor)) }'
		ok $? "$hv: $w against the host's own first touch"
	done
done

# Each exit to userspace, stage by stage from the trace events (stages.c),
# on both: five stages, each took cycles, and together they make up the
# traced round trip (medians of the parts against the median of the
# whole: within a quarter), over most of the round trips run.
for hv in minivm kvm; do
	for w in out in mmio_write; do
		line=$(grep "^# stages: $hv $w:" "$T/out")
		echo "$line" | awk '{
			for (i = 1; i < NF; i++) {
				if ($i ~ /^(guest|handler|return|userspace|back)$/) {
					n++; sum += $(i + 1); bad += $(i + 1) <= 0
				}
				if ($i == "trip") traced = $(i + 1) + 0
				if ($i ~ /^\(/) trips = substr($i, 2) + 0
			}
		} END {
			exit !(n == 5 && !bad && traced > 0 && sum > 0.75 * traced &&
			       sum < 1.25 * traced && trips >= 50)
		}'
		ok $? "$hv: $w stage by stage, the stages making up the round trip"
	done
done

# Both flush L1D before entry under the same kernel policy (the L1TF
# mitigation, in Bochs the largest part of an exit to userspace): as
# many flushes per OUT on each, whatever the policy says.
f=$(sed -n 's/.*"name": "out".*"minivm_l1d_flushes": \([0-9.-]*\), "kvm_l1d_flushes": \([0-9.-]*\)[,}].*/\1 \2/p' "$T/bench.json")
awk -v m="${f% *}" -v k="${f#* }" 'BEGIN { exit !(m != "" && m >= 0 && k >= 0 && m - k < 0.05 && k - m < 0.05) }'
ok $? "as many L1D flushes per OUT on both (minivm, KVM: ${f:-unknown})"

# The local APICs of both: the TSC-deadline interrupt reached the guest's
# handler, spinning and halted, after its deadline (cycles > 0).  And
# issue 13's aim: minivm's no later than KVM's (the ratio of medians at
# most 1.0), where both run the timer the same way: KVM's APIC
# virtualization or its use of the VMX preemption timer would be a
# different mechanism, not a race.
p=/sys/module/kvm_intel/parameters
same_timer=no
[ "$(cat $p/enable_apicv 2>/dev/null)" = N ] &&
	[ "$(cat $p/preemption_timer 2>/dev/null)" = N ] && same_timer=yes
for w in timer_latency hlt_wakeup; do
	for hv in minivm kvm; do
		c=$(sed -n "s/.*\"name\": \"$w\".*\"$hv\": \([0-9.-]*\),.*/\1/p" "$T/bench.json")
		awk -v c="${c:--1}" 'BEGIN { exit !(c > 0) }'
		ok $? "$w: $hv's APIC timer interrupt $c cycles after the deadline"
	done
	if [ $same_timer = yes ]; then
		r=$(sed -n "s/^# ratio: $w=//p" "$T/out")
		awk -v r="${r:-9}" 'BEGIN { exit !(r > 0 && r <= 1.0) }'
		ok $? "$w: minivm's timer interrupt no later than KVM's (ratio ${r:-none})"
	else
		N=$((N + 1))
		echo "ok $N # SKIP $w: KVM uses APICv or the preemption timer here, another mechanism"
	fi
done

# The loop without exits must cost the same on both: within 20%.
loop=$(sed -n 's/^# ratio: loop=//p' "$T/out")
awk -v r="${loop:-0}" 'BEGIN { exit !(r >= 0.8 && r <= 1.25) }'
ok $? "the exit-free loop costs the same under both (ratio ${loop:-none})"

# Memory by kind, from the allocation trace (bench/memtrace.c): each vCPU
# of either has one VMCS page, and minivm's one run page; the first run
# of minivm's guest made EPT tables.  "KIND KiB" of HV's PHASE, or nothing.
kib() {
	sed -n "s/.*\"$1\": {.*\"$2\": {\([^}]*\)}.*/\1/p" "$T/bench.json" |
		tr ',' '\n' | sed -n "s/.*\"$3\": //p"
}
vmcs_m=$(kib minivm vCPU VMCS) vmcs_k=$(kib kvm vCPU VMCS)
run_m=$(kib minivm vCPU run) ept_m=$(kib minivm "first run" EPT)
[ "$vmcs_m" = 4.0 ] && [ "$vmcs_k" = 4.0 ] && [ "$run_m" = 4.0 ]
ok $? "one VMCS page per vCPU for both ($vmcs_m, $vmcs_k KiB), one run page for minivm ($run_m KiB)"
awk -v e="${ept_m:-0}" 'BEGIN { exit !(e >= 4) }'
ok $? "minivm's first run made EPT tables (${ept_m:-none} KiB per VM)"

unload_kvm
rm -rf "$T"
tap_end

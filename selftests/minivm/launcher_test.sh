#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The minivm launcher, as a user meets it: every hello guest prints
# exactly what it should, exit statuses mean what minivm(1) says, --timeout
# and Ctrl-C stop a guest, --trace and --stats report, and bad input gets
# a clear message and a non-zero status.  TAP output.

G=${MINIVM_GUESTS:-/minivm/guests}
. "$(dirname "$0")/tap.sh"
T=$(mktemp -d)


# expect NAME STATUS EXPECTED_STDOUT -- minivm args...
expect() {
	name=$1 want_status=$2 want_out=$3
	shift 4
	minivm "$@" > "$T/out" 2> "$T/err"
	status=$?
	printf '%b' "$want_out" > "$T/want"
	if [ "$status" != "$want_status" ] || ! cmp -s "$T/out" "$T/want"; then
		echo "# $name: status $status (want $want_status), stdout:"
		sed 's/^/#   /' "$T/out"
		sed 's/^/#   stderr: /' "$T/err" | head -n 5
		ok 1 "$name"
	else
		ok 0 "$name"
	fi
}

# stderr_has NAME PATTERN: the last run's stderr matches PATTERN.
stderr_has() {
	grep -qE "$2" "$T/err"
	r=$?
	[ $r = 0 ] || { echo "# $1: stderr lacks '$2':"; sed 's/^/#   /' "$T/err" | head -n 8; }
	ok $r "$1"
}

echo "TAP version 13"
need_minivm

# Hello from every mode.
expect "real-mode flat guest" 0 'Hello from real mode!\n' -- \
	run --mode real "$G/hello_real.bin"
expect "ELF32 guest in protected mode" 0 'Hello from protected mode!\n' -- \
	run "$G/hello32.elf"
expect "flat guest, --mode protected" 0 'Hello from protected mode!\n' -- \
	run --mode protected "$G/hello32.bin"
expect "flat guest, --mode paged" 0 'Hello from paged protected mode!\n' -- \
	run --mode paged "$G/hello32.bin"
expect "ELF64 guest in long mode" 0 'Hello from long mode! (LM)\n' -- \
	run "$G/hello64.elf"
expect "multiboot guest sees its information" 0 \
'multiboot: mem_lower=640K mem_upper=31744K
multiboot: cmdline="console=e9 answer=42"
multiboot: mmap 0x0 len 0x9fc00 available
multiboot: mmap 0x9fc00 len 0x400 reserved
multiboot: mmap 0xf0000 len 0x10000 reserved
multiboot: mmap 0x100000 len 0x1f00000 available\n' -- \
	run --mem 32M --cmdline "console=e9 answer=42" "$G/multiboot.elf"
# Multiboot modules, the way kvm-unit-tests gets its environment: each
# page-aligned after the kernel, with its string (the file's name
# without one).
printf 'TESTNAME=apic\nSMP=1\n' > "$T/env"
printf 'second\n' > "$T/mod2"
expect "multiboot modules: strings, sizes, page-aligned contents" 0 \
'multiboot: mem_lower=640K mem_upper=15360K
multiboot: cmdline=""
multiboot: mmap 0x0 len 0x9fc00 available
multiboot: mmap 0x9fc00 len 0x400 reserved
multiboot: mmap 0xf0000 len 0x10000 reserved
multiboot: mmap 0x100000 len 0xf00000 available
multiboot: module "env" 20 bytes, page-aligned, "TESTNAME=apic"
multiboot: module "'"$T/mod2"'" 7 bytes, page-aligned, "second"\n' -- \
	run --module "$T/env,env" --module "$T/mod2" "$G/multiboot.elf"
minivm run --module "$T/env" "$G/hello64.elf" > /dev/null 2> "$T/err"
[ $? = 4 ] && grep -q "needs a multiboot kernel" "$T/err"
ok $? "--module with a kernel that is not multiboot: status 4, says why"
expect "--format multiboot forced" 0 'multiboot: mem_lower=640K mem_upper=15360K\nmultiboot: cmdline=""\nmultiboot: mmap 0x0 len 0x9fc00 available\nmultiboot: mmap 0x9fc00 len 0x400 reserved\nmultiboot: mmap 0xf0000 len 0x10000 reserved\nmultiboot: mmap 0x100000 len 0xf00000 available\n' -- \
	run --format multiboot "$G/multiboot.elf"
expect "MMIO of 1, 2, 4 and 8 bytes, the scratch device and pc-testdev" 0 \
	'mmio: 1 2 4 8 bytes ok\npc-testdev: 1 2 4 8 bytes ok\n' -- run "$G/mmio64.elf"
expect "hypercalls: console, API version, exit (7 << 1) | 1" 15 \
	'Hello through hypercalls! API version 1\n' -- run "$G/hypercall64.elf"

# Interrupts: the PIC and the PIT in the launcher, injected by minivm.
expect "PIC and PIT: ten timer interrupts, nothing left in service" 0 \
	'10 timer interrupts, ISR 0\n' -- run --timeout 30 "$G/timer64.elf"
# The UART on IRQ 4: a line sent one THR-empty interrupt at a time, and
# a byte of standard input taken by a received-data interrupt.
printf 'Z' > "$T/in"
minivm run --timeout 30 "$G/uart64.elf" < "$T/in" > "$T/out" 2> "$T/err"
status=$?
[ $status = 0 ] && [ "$(cat "$T/out")" = "$(printf 'sent by THR-empty interrupts\ngot Z')" ]
ok $? "UART interrupts: THR empty sends, received data reads stdin"
[ $status = 0 ] || sed 's/^/#   /' "$T/out" "$T/err" | head -n 8
# --lapic: the same two guests with a local APIC in the kernel, which
# they never touch.  The PIC's interrupts reach them through LINT0 as
# ExtINT (the launcher's virtual-wire set-up), and their HLTs wait in the
# kernel: the PIT's timer signal, and SIGIO for input that arrives a
# second late, bring MINIVM_RUN back to inject.
expect "--lapic: PIC and PIT through LINT0, HLT waiting in the kernel" 0 \
	'10 timer interrupts, ISR 0\n' -- run --lapic --timeout 30 "$G/timer64.elf"
(sleep 1; printf 'Y') | minivm run --lapic --timeout 30 "$G/uart64.elf" \
	> "$T/out" 2> "$T/err"
status=$?
[ $status = 0 ] && [ "$(cat "$T/out")" = "$(printf 'sent by THR-empty interrupts\ngot Y')" ]
ok $? "--lapic: input a second late wakes the halted guest (SIGIO)"
[ $status = 0 ] || sed 's/^/#   /' "$T/out" "$T/err" | head -n 8
# --trace shows what the kernel delivers by itself too (user/ktrace.c):
# with --lapic the PIT's ten ticks reach the guest through LINT0, queued
# and delivered in the kernel, and the tracefs instance goes afterwards.
minivm run --lapic --trace --timeout 30 "$G/timer64.elf" > /dev/null 2> "$T/err"
status=$?
d=$(grep -c '^trace: delivered vector 0x[0-9a-f]* (EXT_INTR)$' "$T/err")
[ $status = 0 ] && [ "$d" -ge 10 ] &&
	! ls -d /sys/kernel/debug/tracing/instances/minivm-* 2>/dev/null
ok $? "--trace: the kernel's own deliveries ($d of them), no instance left"
[ $status = 0 ] || sed 's/^/#   /' "$T/err" | head -n 8
# --lapic also gives the machine an IOAPIC and an MP table that
# describes it.  The guest finds both, masks the PICs, and drives
# pc-testdev's lines: a level-triggered line left up comes back after
# each EOI until the guest lowers it, an edge-triggered one fires once,
# and the PIT's IRQ 0 arrives on the pin the MP table names.
expect "--lapic: MP table, IOAPIC level and edge pins, PIT on pin 2" 0 \
	'MP table: 1 CPU, IOAPIC at 0xfec00000, IRQ 0 on pin 2\nlevel: 3, edge: 1, timer: 5, ISR 0\n' \
	-- run --lapic --timeout 30 "$G/ioapic64.elf"
# The IOAPIC programmed with garbage, every line raised and lowered: the
# messages the kernel refuses (vectors below 16, SMI, INIT, ExtINT) and
# the ones it takes are all survived, and the launcher sees the end.
expect "--lapic: IOAPIC programmed with garbage" 0 \
	'survived the IOAPIC'"'"'s garbage\n' \
	-- run --lapic --timeout 30 "$G/ioapic_garbage64.elf"
# QEMU's fw_cfg tells a guest written for QEMU the machine's size.
expect "fw_cfg: signature, RAM size and CPU counts, as QEMU answers" 0 \
	'fw_cfg: QEMU, ID 1, RAM 64 MiB, CPUs 1, max CPUs 1, files 0, past the end 0\n' \
	-- run --mem 64M --timeout 30 "$G/fwcfg64.elf"
# Garbage written to the PIC, the ELCR, the PIT and port 61h: the guest
# still halts (interrupts off) and the launcher exits cleanly.
: > "$T/garbage.bin"
for port in 20 21 a0 a1 40 41 42 43 61 43 40 40; do
	for byte in ff 00 13 5a 30 b6 01 0b 34; do	# mov $byte,%al; out %al,$port
		printf "\\260\\$(printf %o 0x$byte)\\346\\$(printf %o 0x$port)" \
			>> "$T/garbage.bin"
	done
done
printf '\272\320\004\356\364' >> "$T/garbage.bin"	# mov $0x4d0,%dx; out %al,%dx; hlt
expect "PIC, PIT and ELCR programmed with garbage" 0 '' -- \
	run --timeout 30 "$T/garbage.bin"

# A VM-entry failure, named by the hardware and explained by libminivm's
# checker: RIP above 4 GiB outside 64-bit mode is a state the CPU refuses.
expect "VM entry refused (RIP above 4 GiB in 32-bit code): status 8" 8 '' -- \
	run --mode protected --entry 0x100000000 "$G/hello32.bin"
stderr_has "VM entry failure: the CPU's reason and the SDM check in words" \
	'VM entry failed: VM-entry failure: invalid guest state \(exit reason 33.*RIP has bits 63:32 set outside 64-bit mode.*Checks on Guest RIP, RFLAGS, and SSP'

# Exit statuses.
printf '\260\052\346\364' > "$T/exit42.bin"		# mov $42,%al; out %al,$0xf4
expect "isa-debug-exit: status (42 << 1) | 1" 85 '' -- \
	run "$T/exit42.bin"
printf '\260\376\346\144\364' > "$T/kbdreset.bin"	# mov $0xfe,%al; out %al,$0x64
expect "keyboard-controller reset (64h, FEh): status 12" 12 '' -- \
	run "$T/kbdreset.bin"
stderr_has "keyboard-controller reset: says so" 'reset the machine \(keyboard controller'
printf '\272\371\014\260\002\356\260\006\356\364' > "$T/cf9.bin"	# 02h, then 06h to CF9h
expect "reset control register (CF9h, 02h then 06h): status 12" 12 '' -- \
	run "$T/cf9.bin"
printf '\272\371\014\260\002\356\354\346\364' > "$T/cf9read.bin"	# 02h to CF9h, read it back to F4h
expect "CF9h without RST_CPU keeps its value: isa-debug-exit (2 << 1) | 1" 5 '' -- \
	run "$T/cf9read.bin"
printf '\344\222\346\364' > "$T/p92read.bin"	# in al, 92h; out F4h, al
expect "port 92h reads A20 on at power-up: isa-debug-exit (2 << 1) | 1" 5 '' -- \
	run "$T/p92read.bin"
printf '\260\001\346\222\364' > "$T/p92.bin"	# mov al, 1; out 92h, al
expect "port 92h bit 0 (fast reset): status 12" 12 '' -- \
	run "$T/p92.bin"
stderr_has "port 92h reset: says so" 'reset the machine \(System Control Port A, port 92h'
# (A fraction of a second: in Bochs a busy guest's emulated second
# costs about a minute of wall time.)
printf '\353\376' > "$T/spin.bin"			# jmp .
expect "--timeout stops an endless guest" 124 '' -- \
	run --timeout 0.05 "$T/spin.bin"
stderr_has "--timeout says why and dumps registers" 'timeout: the guest ran for 0.05 s'
grep -q '^RIP=' "$T/err"
ok $? "--timeout: register dump"
printf '\364' > "$T/hlt.bin"
minivm run --regs "$T/hlt.bin" > "$T/out" 2> "$T/err"
[ $? = 0 ] && grep -q '^RIP=0000000000000001' "$T/out"
ok $? "--regs prints the registers at HLT (IP after the HLT)"

# A background job of a script starts with SIGINT ignored: wait until
# minivm has its handler (SigCgt bit 1 in /proc/PID/status), then press
# Ctrl-C once.
minivm run "$T/spin.bin" > /dev/null 2> "$T/err" &
pid=$!
for _ in $(seq 1 300); do
	cgt=$(sed -n 's/^SigCgt:[[:space:]]*//p' /proc/$pid/status 2> /dev/null)
	[ -n "$cgt" ] && [ $((0x$cgt & 2)) != 0 ] && break
	sleep 0.1
done
kill -INT $pid
wait $pid
ok $([ $? = 130 ] && echo 0 || echo 1) "Ctrl-C (SIGINT) stops the guest with 130"
stderr_has "Ctrl-C: says so" 'interrupted' 

# Reporting.
expect "--stats counts exits" 0 'Hello from real mode!\n' -- \
	run --stats --mode real "$G/hello_real.bin"
grep -q 'io  *22$' "$T/err" && grep -q 'hlt  *1$' "$T/err"
ok $? "--stats: 22 io exits and 1 hlt"
stderr_has "--stats: the run's time" '^run: [0-9]+\.[0-9]{3} ms on minivm$'
minivm run --trace --mode real "$G/hello_real.bin" > /dev/null 2> "$T/err"
[ "$(grep -c '^trace: io .* out port=0xe9 size=1 count=1' "$T/err")" = 22 ]
ok $? "--trace names every exit"

# Ports nobody serves: one warning per port, or a stop with --strict.
printf '\344\142\344\142\364' > "$T/port.bin"		# in $0x62 twice; hlt
expect "unknown port: warning, reads all ones" 0 '' -- run "$T/port.bin"
[ "$(grep -c 'warning: IN from port 0x62' "$T/err")" = 1 ]
ok $? "unknown port: warned once"
expect "--strict stops at an unknown port" 10 '' -- run --strict "$T/port.bin"
# pc-testdev's "flush page" (E4h) is served, even under --strict.
printf '\146\270\000\020\000\000\146\347\344\364' > "$T/flush.bin"	# mov $0x1000,%eax; out %eax,$0xe4
expect "pc-testdev flush page (E4h) is a port minivm serves" 0 '' -- \
	run --strict "$T/flush.bin"

# MMIO nobody serves: as on a PC's bus, reads find all ones and writes go
# nowhere, with one warning per page; --strict stops there.  The guest
# reads FEA00000h (no device; the scratch device is at FEB00000h),
# writes and reads again, and says Y if it read FFFFFFFFh.
printf '\241\000\000\240\376\243\000\000\240\376\241\000\000\240\376' > "$T/nommio.bin"
printf '\203\370\377\165\004\260\131\346\351\364' >> "$T/nommio.bin"
expect "unknown MMIO: reads all ones, writes ignored" 0 'Y' -- \
	run --mode protected "$T/nommio.bin"
[ "$(grep -c 'warning: MMIO .* at 0xfea00000: no device there' "$T/err")" = 1 ]
ok $? "unknown MMIO: warned once per page"
expect "--strict stops at unknown MMIO" 10 '' -- \
	run --strict --mode protected "$T/nommio.bin"

# MMIO the kernel does not decode goes to the launcher (user/emulate.c).
# Each guest case runs on RAM, where the CPU does it, and on the scratch
# device: registers, flags and memory must come out alike.
for g in "$G/emulate64.elf" "$G/emulate32.elf" "--mode paged $G/emulate32.bin"; do
	set -- $g
	minivm run "$@" > "$T/out" 2> "$T/err"
	status=$?
	grep -qE '^emulate: ([0-9]+) of \1 cases alike on RAM and MMIO$' "$T/out" &&
		[ "$(grep -oE '[0-9]+ cases' "$T/out" | cut -d' ' -f1)" -ge 40 ] &&
		[ $status = 0 ]
	r=$?
	[ $r = 0 ] || { echo "# status $status"; sed 's/^/#   /' "$T/out" "$T/err" | head -n 20; }
	ok $r "emulated MMIO instructions alike on RAM and MMIO: ${g##*/}"
done
# btsl $1, 0xfeb00000; mov 0xfeb00000, %al; add $'0', %al; out %al, $0xe9; hlt
printf '\017\272\055\000\000\260\376\001\240\000\000\260\376\004\060\346\351\364' > "$T/btsmem.bin"
expect "BTS on MMIO: emulated by the launcher" 0 '2' -- \
	run --trace --mode protected "$T/btsmem.bin"
stderr_has "--trace shows the emulated instruction" \
	'trace: emulated rip=0x100000 bts dword ptr \[0xFEB00000\], 0x01'

# MMIO nobody emulates: the address, RIP, the disassembly and why.
printf '\333\005\000\000\260\376\364' > "$T/fildmem.bin"	# fildl 0xfeb00000; hlt
expect "MMIO by an x87 load stops the guest" 10 '' -- \
	run --mode protected "$T/fildmem.bin"
stderr_has "unemulated MMIO: address, RIP, disassembly (Zydis), why" \
	'MMIO at 0xfeb00000 .*RIP=0x100000: fild \[0xFEB00000\] \(not an instruction the launcher emulates\)'
# Exceptions the emulated instructions raise reach the guest, each as
# the CPU raises it on RAM (user/guests/emulate_fault.c).
minivm run --stats "$G/emulate_fault64.elf" > "$T/out" 2> "$T/err"
status=$?
grep -qE '^emulate_fault: ([0-9]+) of \1 exceptions alike on RAM and MMIO$' "$T/out" &&
	grep -qE '\(emulated by the launcher\) +21$' "$T/err" && [ $status = 0 ]
r=$?
[ $r = 0 ] || { echo "# status $status"; sed 's/^/#   /' "$T/out" "$T/err" | head -n 20; }
ok $r "exceptions of emulated MMIO instructions alike on RAM and MMIO"
# Without an IDT the #DE and the single step's #DB end in a triple fault.
printf '\367\065\000\000\260\376\364' > "$T/divmem.bin"	# divl 0xfeb00000 (0); hlt
expect "DIV by zero from MMIO: the guest gets the #DE" 6 '' -- \
	run --trace --mode protected "$T/divmem.bin"
stderr_has "DIV by zero from MMIO: --trace says it raised #DE" \
	'trace: emulated rip=0x100000 div \[0xFEB00000\]: raises vector 0: a divide error'
# pushf; orl $0x100, (%esp); popf; btsl $1, 0xfeb00000; hlt
printf '\234\201\014\044\000\001\000\000\235\017\272\055\000\000\260\376\001\364' > "$T/tfmem.bin"
expect "MMIO under single-stepping: the guest gets the #DB" 6 '' -- \
	run --trace --mode protected "$T/tfmem.bin"
stderr_has "single-stepped MMIO: emulated, then the trap" 'trace: emulated rip=0x100009 bts'

# Abnormal stops: diagnosis in words, registers, documented status.
printf '\017\001\036\000\020\314' > "$T/triple.bin"	# lidt [0x1000]; int3
expect "triple fault: status 6" 6 '' -- run "$T/triple.bin"
stderr_has "triple fault: diagnosis and registers" 'triple-faulted' 

# Bad input.
: > "$T/empty"
expect "empty image" 4 '' -- run "$T/empty"
stderr_has "empty image: says so" 'the file is empty'
head -c 100 "$G/hello64.elf" > "$T/trunc.elf"
expect "truncated ELF" 4 '' -- run "$T/trunc.elf"
dd if=/dev/zero of="$T/big.bin" bs=1024 count=3072 2> /dev/null
expect "image larger than --mem" 4 '' -- run --mem 2M "$T/big.bin"
stderr_has "image larger than --mem: says so" 'larger than guest memory'
expect "unknown flag" 2 '' -- run --bogus "$G/hello64.elf"
expect "no image" 2 '' -- run
expect "bad --mode" 2 '' -- run --mode warp "$G/hello64.elf"
expect "--timeout of no time" 2 '' -- run --timeout 0 "$G/hello64.elf"
stderr_has "--timeout of no time: says which" "invalid --timeout '0'"
expect "flat image over the page tables" 4 '' -- \
	run --mode long --load 0x80000 "$G/hello32.bin"
stderr_has "page-table overlap: says so" 'overlaps the launcher'"'"'s page tables'

# The x86 boot protocol, as bzprobe sees it: the entry (64-bit at +200h
# with XLF_KERNEL_64, 32-bit at 0 without), boot_params' command line,
# initrd (page-aligned at the top of the 16 MiB) and E820 RAM ranges.
head -c 5000 /dev/zero > "$T/initrd5000"
expect "bzImage, 64-bit entry: boot_params as the protocol says" 67 \
	'bzprobe: entry=64 loader=0xff cmdline=[hello linux] initrd=0xffe000+0x1388 e820=4 ram=0x0+0x9fc00 ram=0x100000+0xf00000\n' -- \
	run --append "hello linux" --initrd "$T/initrd5000" "$G/bzprobe64.bz"
expect "bzImage, 32-bit entry: the default command line, no initrd" 65 \
	'bzprobe: entry=32 loader=0xff cmdline=[console=ttyS0 earlyprintk=serial acpi=off pci=off mce=off tsc=reliable 8250.nr_uarts=1 reboot=k panic=-1] initrd=0x0+0x0 e820=4 ram=0x0+0x9fc00 ram=0x100000+0xf00000\n' -- \
	run "$G/bzprobe32.bz"

# PVH: a vmlinux-like ELF with XEN_ELFNOTE_PHYS32_ENTRY is entered there
# (not at e_entry), with hvm_start_info: magic, command line, the initrd
# as module 0, the memory map.
expect "PVH entry: hvm_start_info as the ABI says" 69 \
	'pvhprobe: magic=0x336ec578 version=1 cmdline=[pvh linux] modules=1 initrd=0xffe000+0x1388 memmap=4 ram=0x0+0x9fc00 ram=0x100000+0xf00000\n' -- \
	run --mem 16M --append "pvh linux" --initrd "$T/initrd5000" --kernel "$G/pvhprobe.elf"
expect "--kernel with an ELF that is not Linux" 4 '' -- run --kernel "$G/hello64.elf"

# Bad Linux images and options: the boot protocol's checks, in words.
# bzprobe64 (2.7 KB, init_size 1 MiB at 1 MiB) stands for a kernel: the
# checks read only its header, and a small image keeps this quick.
L=$G/bzprobe64.bz
head -c 1500 "$L" > "$T/trunc.bz"
expect "bzImage: truncated" 4 '' -- run --kernel "$T/trunc.bz"
stderr_has "bzImage: truncated: says so" 'truncated: the setup header promises'
cp "$L" "$T/old.bz"
printf '\011\002' | dd of="$T/old.bz" bs=1 seek=518 conv=notrunc 2> /dev/null
expect "bzImage: boot protocol 2.09" 4 '' -- run --kernel "$T/old.bz"
stderr_has "bzImage: too old: says so" 'boot protocol 2.09 is too old'
cp "$L" "$T/zimage.bz"
printf '\000' | dd of="$T/zimage.bz" bs=1 seek=529 conv=notrunc 2> /dev/null
expect "bzImage: a zImage" 4 '' -- run --kernel "$T/zimage.bz"
stderr_has "bzImage: a zImage: says so" 'a zImage'
cp "$L" "$T/big.bz"
printf '\000\000\000\004' | dd of="$T/big.bz" bs=1 seek=608 conv=notrunc 2> /dev/null
expect "bzImage: init_size (64 MiB) larger than --mem" 4 '' -- run --mem 32M --kernel "$T/big.bz"
stderr_has "bzImage: larger than --mem: says how much" 'needs guest memory up to 65 MiB'
dd if=/dev/zero of="$T/big.initrd" bs=1M count=3 2> /dev/null
expect "initrd that does not fit above the kernel" 4 '' -- \
	run --mem 4M --kernel "$L" --initrd "$T/big.initrd"
stderr_has "initrd too large: says so" 'does not fit between the kernel'
expect "initrd for an image that is not Linux" 4 '' -- \
	run --initrd "$T/initrd5000" "$G/hello64.elf"
stderr_has "initrd without Linux: says so" 'initrd needs a Linux kernel'
expect "command line longer than the kernel takes" 4 '' -- \
	run --kernel "$L" --append "$(head -c 300 /dev/zero | tr '\0' x)"
stderr_has "long command line: says so" 'the command line has 300 bytes; this kernel takes at most 255'
expect "--kernel and an IMAGE" 2 '' -- run --kernel "$L" "$G/hello64.elf"

# Without permission: a clear message and status 4.
if setpriv --reuid=65534 --regid=65534 --clear-groups true 2> /dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		minivm run "$G/hello64.elf" > /dev/null 2> "$T/err"
	ok $([ $? = 4 ] && echo 0 || echo 1) "no permission: status 4"
	stderr_has "no permission: says so" 'permission denied on /dev/minivm'
fi

# Without the module: a clear message and status 4.
if rmmod minivm 2> /dev/null; then
	expect "no /dev/minivm" 4 '' -- run "$G/hello64.elf"
	stderr_has "no /dev/minivm: says what to do" 'load the module'
	insmod /minivm/modules/minivm.ko
fi

rm -rf "$T"
tap_end

#!/bin/bash
# Build the debugging kernel of make check-debug from Debian's
# linux-source-6.1: the test machine's own kernel config (Debian's, from
# /boot), trimmed by localmodconfig to the modules the test machine loads,
# plus scripts/debug/kernel.config (KASAN, lockdep, atomic-sleep checks,
# kmemleak, UBSAN bounds, FORTIFY).  Starting from Debian's config rather
# than x86_64_defconfig keeps everything but the checkers as in the kernel
# make check boots: the tick rate (250 Hz, not defconfig's 1000), the
# clocksources, the preemption model.
#
#   scripts/debug/build-kernel.sh       prints the build's directory
#
# The result is cached in build/debug-kernel/HASH, HASH being that of the
# source package's version, the config fragment and this script: a second
# run with nothing changed costs a second.  The directory holds
#   bzImage       the kernel
#   obj/          the build tree, for building minivm.ko against it
#   root/lib/modules/KVER/   its modules (kvm, kvm-intel, msr)
#   kver          the kernel's release string
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tarball=/usr/src/linux-source-6.1.tar.xz
frag=$top/scripts/debug/kernel.config
[ -f "$tarball" ] || { echo "debug-kernel: $tarball missing; run scripts/deps.sh" >&2; exit 2; }

version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
debian_config=/boot/config-$("$top/scripts/testvm/kver")
[ -f "$debian_config" ] || { echo "debug-kernel: $debian_config missing; run scripts/deps.sh" >&2; exit 2; }
hash=$( { echo "$version"; cat "$debian_config" "$frag" "$0"; } | sha256sum | cut -c1-12)
out=$top/build/debug-kernel/$hash
if [ -f "$out/done" ]; then
	echo "$out"
	exit 0
fi

src=$top/build/debug-kernel/src-$version
if [ ! -f "$src/Makefile" ]; then
	echo "debug-kernel: unpacking linux-source-6.1 $version" >&2
	rm -rf "$src" && mkdir -p "$src"
	tar -xJf "$tarball" -C "$src" --strip-components=1
fi

start=$(date +%s)
mkdir -p "$out/obj"
k() { make -s -C "$src" O="$out/obj" "$@"; }
cp "$debian_config" "$out/obj/.config"
# localmodconfig turns off every module not in this list: what the test
# machine loads besides minivm (scripts/testvm/mkinitramfs).
printf '%s\n' "Module Size Used by" "kvm_intel 1 0" "kvm 1 1 kvm_intel" \
	"irqbypass 1 1 kvm" "msr 1 0" > "$out/lsmod"
k LSMOD="$out/lsmod" localmodconfig </dev/null >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$out/obj" "$out/obj/.config" "$frag" >/dev/null
k olddefconfig >&2
# Every line of the fragment that says =y or =m must have stuck.
missing=$(grep -E '^CONFIG_[A-Z0-9_]+=(y|m)$' "$frag" | while read -r l; do
	grep -qx "$l" "$out/obj/.config" || echo "$l"; done)
if [ -n "$missing" ]; then
	echo "debug-kernel: the config did not take: $missing" >&2
	exit 1
fi
echo "debug-kernel: building (KASAN, lockdep, kmemleak, UBSAN); this takes a while" >&2
k -j"$(nproc)" bzImage modules >&2
k modules_install INSTALL_MOD_PATH="$out/root" INSTALL_MOD_STRIP=1 >&2
cp "$out/obj/arch/x86/boot/bzImage" "$out/bzImage"
k kernelrelease > "$out/kver"
echo "debug-kernel: built in $(( $(date +%s) - start )) s" >&2
touch "$out/done"
echo "$out"

#!/bin/bash
# make check's install tests, as TAP: make install and make uninstall into
# a DESTDIR, and the module built through DKMS against the test kernel's
# Debian headers (as root, with Debian's dkms), then removed again.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kver=$(scripts/testvm/kver)
dest=$(mktemp -d)
. selftests/minivm/tap.sh

echo "TAP version 13"
make -s install DESTDIR="$dest" PREFIX=/usr KDIR=/lib/modules/$kver/build > "$dest.log" 2>&1
ok $? "make install DESTDIR= PREFIX=/usr"
for f in lib/modules/$kver/extra/minivm.ko usr/bin/minivm usr/lib/libminivm.a \
	 usr/include/libminivm.h usr/include/linux/minivm.h \
	 usr/share/man/man1/minivm.1 etc/udev/rules.d/99-minivm.rules; do
	[ -f "$dest/$f" ]
	ok $? "installed /$f"
done
make -s uninstall DESTDIR="$dest" PREFIX=/usr KDIR=/lib/modules/$kver/build >> "$dest.log" 2>&1
[ -z "$(find "$dest" -type f)" ]
ok $? "make uninstall leaves no file behind"
rm -rf "$dest" "$dest.log"

# A kernel older than 6.1 gets one clear line, not a page of errors
# (VERSION/PATCHLEVEL overridden to pose as Linux 5.15 headers).
out=$(make -s -C /lib/modules/$kver/build M="$top/kmod" CONFIG_MINIVM=m \
	VERSION=5 PATCHLEVEL=15 modules 2>&1)
[ $? != 0 ] && echo "$out" | grep -q 'minivm needs Linux 6.1 or newer; .* is too old'
ok $? "a kernel older than 6.1: 'minivm needs Linux 6.1 or newer'"

if [ "$(id -u)" = 0 ] && command -v dkms > /dev/null; then
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
	src=/usr/src/minivm-$ver
	dkms remove "minivm/$ver" --all > /dev/null 2>&1
	rm -rf "$src"
	mkdir -p "$src"
	cp -a dkms.conf Kconfig kmod uapi "$src/"
	rm -f "$src"/kmod/*.o "$src"/kmod/*.ko "$src"/kmod/.*.cmd
	dkms add "minivm/$ver" > /tmp/minivm-dkms.log 2>&1
	ok $? "dkms add"
	dkms build "minivm/$ver" -k "$kver" >> /tmp/minivm-dkms.log 2>&1
	ok $? "dkms build -k $kver"
	[ -f "/var/lib/dkms/minivm/$ver/$kver/x86_64/module/minivm.ko" ] ||
		ls /var/lib/dkms/minivm/$ver/$kver/*/module/minivm.ko* > /dev/null 2>&1
	ok $? "dkms built minivm.ko"
	dkms remove "minivm/$ver" --all >> /tmp/minivm-dkms.log 2>&1
	ok $? "dkms remove"
	rm -rf "$src"
else
	echo "# DKMS: skipped (needs root and Debian's dkms)"
fi
tap_end

#!/bin/sh
# Install what building and testing minivm needs, from Debian's packages.
#
# As root the missing packages are installed (apt-get update first); as
# anyone else the one apt-get line to run is printed and the script fails.
# Installed packages are left alone, so repeated runs cost a second.
set -eu

PKGS="build-essential bc flex bison libelf-dev libssl-dev kmod cpio xz-utils
util-linux busybox-static isolinux syslinux-common xorriso lz4
bochs bochs-term bochsbios vgabios qemu-system-x86
linux-image-amd64 linux-headers-amd64 linux-source-6.1
sparse cppcheck dkms libzydis-dev python3-sphinx graphviz trace-cmd"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "minivm needs these Debian packages:$missing" >&2
	echo "run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
echo "deps: done"

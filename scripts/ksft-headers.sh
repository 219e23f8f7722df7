#!/bin/sh
# Extract the kernel's kselftest headers and style scripts from Debian's
# linux-source-6.1 package into DIR (default build/ksft).  They are used at
# build time only and are never copied into the repository.
set -eu
dir=${1:-build/ksft}
tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n 1)
[ -f "$dir/kselftest_harness.h" ] && [ -f "$dir/scripts/checkpatch.pl" ] && exit 0
if [ -z "$tarball" ]; then
	echo "ksft-headers: /usr/src/linux-source-6.1.tar.* not found; run scripts/deps.sh" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=linux-source-6.1
tar -xf "$tarball" -C "$tmp" \
	$src/tools/testing/selftests/kselftest.h \
	$src/tools/testing/selftests/kselftest_harness.h \
	$src/scripts/checkpatch.pl $src/scripts/spelling.txt \
	$src/scripts/const_structs.checkpatch $src/scripts/kernel-doc
mkdir -p "$dir/scripts"
cp "$tmp/$src/tools/testing/selftests/kselftest.h" \
   "$tmp/$src/tools/testing/selftests/kselftest_harness.h" "$dir/"
cp "$tmp/$src/scripts/checkpatch.pl" "$tmp/$src/scripts/spelling.txt" \
   "$tmp/$src/scripts/const_structs.checkpatch" \
   "$tmp/$src/scripts/kernel-doc" "$dir/scripts/"

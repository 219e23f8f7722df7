#!/bin/bash
# The style gates of make check, as TAP: one line per gate, and on failure
# the tool's own output (file and line) below it.
#
#   checkpatch --strict   kmod/ and uapi/ (the kernel's script, from Debian's
#                         linux-source-6.1); its "spaces preferred around
#                         '%'" is ignored: it misreads asm-goto label
#                         operands inside _ASM_EXTABLE(), as in KVM's code
#   sparse (C=2) + W=1    the module, built for the test kernel
#   kernel-doc            every kernel-doc comment in kmod/
#   cppcheck              user/, bench/ (-Wall -Wextra -Werror is the build's job)
#   sphinx -W             Documentation/minivm builds without a warning
#   layout                no two kmod/ files need each other (but vm.c and
#                         vcpu.c); README.md, minivm.h, design.rst,
#                         walkthrough.rst and Kbuild give one reading
#                         order; the docs name no function, file or test
#                         that does not exist; the SDM is cited by
#                         section title, not number (scripts/lint/layout.py)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
ksft=build/ksft
kdir=/lib/modules/$(scripts/testvm/kver)/build
n=0
failed=0

gate() {
	local name=$1 out
	shift
	n=$((n + 1))
	out=$("$@" 2>&1)
	if [ -z "$out" ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		printf '%s\n' "$out" | head -n 40 | sed 's/^/# /'
		failed=1
	fi
}

checkpatch() {
	perl "$ksft/scripts/checkpatch.pl" --strict --no-tree --terse --quiet \
		-f kmod/*.c kmod/*.h kmod/*.S uapi/linux/minivm.h |
		grep -v "spaces preferred around that '%'" |
		grep -v '^total:' | grep -v 'minivm.mod.c'
}

sparse_w1() {
	local d=build/gates
	rm -rf "$d" && mkdir -p "$d/kmod" "$d/uapi/linux"
	cp kmod/*.c kmod/*.h kmod/*.S kmod/Kbuild "$d/kmod/"
	cp uapi/linux/minivm.h "$d/uapi/linux/"
	make -s -C "$kdir" M="$top/$d/kmod" CONFIG_MINIVM=m C=2 W=1 modules 2>&1 |
		grep -v 'Skipping BTF generation'
}

kerneldoc() {
	perl "$ksft/scripts/kernel-doc" -none kmod/*.c kmod/*.h
}

cppcheck_user() {
	cppcheck --quiet --enable=warning,style,performance,portability \
		--std=c11 -Iuapi -Iuser user/*.c user/lib/*.c bench/*.c
}

docs() {
	sphinx-build -q -W -b html Documentation/minivm build/docs
}

# After sparse_w1: its objects are the ones whose symbols are read.
layout_deps() {
	scripts/lint/layout.py deps build/gates/kmod
}

echo "TAP version 13"
gate "checkpatch --strict: kmod/ and uapi/" checkpatch
gate "sparse (C=2) and W=1: the module" sparse_w1
gate "kernel-doc: kmod/" kerneldoc
gate "cppcheck: user/ and bench/" cppcheck_user
gate "sphinx -W: Documentation/minivm" docs
gate "layout: no cycle among kmod/ files but vm.c <-> vcpu.c" layout_deps
gate "layout: one reading order everywhere" scripts/lint/layout.py order
gate "layout: the docs name only what exists" scripts/lint/layout.py names
gate "layout: each function the docs place in a file is defined there" scripts/lint/layout.py tour
gate "layout: the SDM cited by section title" scripts/lint/layout.py sdm
gate "labs: each has its regions, its section in labs.rst and its grader" scripts/lab check
echo "1..$n"
exit $failed

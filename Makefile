# SPDX-License-Identifier: GPL-2.0
#
# minivm: build, test and run.
#
#   make              the module (against KDIR), the launcher, the selftests
#   make check        host unit tests, then every selftest in the VMX test
#                     machine and the no-VMX check; ends "N passed, N failed"
#   make run          boot the test machine, load minivm, show what it found
#   make vm-run FILES="a b" CMD="./a --x"   run anything in the test machine
#   make check-debug  every selftest on a KASAN/lockdep/kmemleak/UBSAN build
#                     of Debian's 6.1 (built once, cached in build/)
#   make soak         the ioctl fuzzer for 1,000,000 calls in the test machine
#   make bench        minivm against KVM on the same guest (BENCH_ARGS="-n 5000")
#   make shell        the test machine with a shell on its serial console
#   make lint         the style gates alone; make docs: Documentation/ as HTML
#   make lab N        a work tree with lab N's solution taken out (labs.rst);
#                     make grade N: its grader
#   make install      module, launcher, library, man page, udev rule
#                     (DESTDIR, PREFIX=/usr/local, KVER honoured); uninstall
#
# TESTVM=qemu|bochs|tcg picks the test machine (see scripts/testvm/boot).

TOP := $(CURDIR)

# The test machine runs Debian's 6.1 kernel; its headers build its module.
TEST_KVER := $(shell scripts/testvm/kver)
TEST_KDIR := /lib/modules/$(TEST_KVER)/build

# The module for this machine: the running kernel's headers if it has
# them, else the test kernel's (CI's own kernel ships none).
HOST_KDIR := /lib/modules/$(shell uname -r)/build
KDIR ?= $(if $(wildcard $(HOST_KDIR)),$(HOST_KDIR),$(TEST_KDIR))

# make install: where, and for which kernel (the one KDIR belongs to).
PREFIX ?= /usr/local
DESTDIR ?=
KVER ?= $(notdir $(patsubst %/build,%,$(KDIR)))

KSFT_INC := $(TOP)/build/ksft
PAYLOAD := $(TOP)/build/testvm/payload
SELFTESTS := $(shell sed -n 's/^TEST_GEN_PROGS *:= *//p; s/^\t\t  *//p' \
		selftests/minivm/Makefile | tr -d '\\')
SELFTEST_SCRIPTS := $(shell sed -n 's/^TEST_PROGS *:= *//p' selftests/minivm/Makefile)
UNIT_TESTS := $(patsubst %.c,%,$(wildcard tests/unit/*_test.c))

all: module user selftests unit bench-prog

module:
	$(MAKE) -C $(KDIR) M=$(TOP)/kmod CONFIG_MINIVM=m modules

user:
	$(MAKE) -C user

$(KSFT_INC)/kselftest_harness.h:
	scripts/ksft-headers.sh $(KSFT_INC)

selftests: $(KSFT_INC)/kselftest_harness.h
	$(MAKE) -C selftests/minivm KSFT_INC=$(KSFT_INC)

unit: $(UNIT_TESTS)

bench-prog:
	$(MAKE) -C bench

tests/unit/vmx_ctl_test: tests/unit/vmx_ctl_test.c tests/unit/tap.h kmod/vmx_ctl.h
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -o $@ $<

# libminivm's VM-entry checker, without VMX.
tests/unit/entry_check_test: tests/unit/entry_check_test.c tests/unit/tap.h \
		user/lib/entry_check.c user/lib/libminivm.h
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter -Iuapi -o $@ $< \
		user/lib/entry_check.c

# The launcher's loader, argument parsing and table builder, without VMX.
tests/unit/launcher_test: tests/unit/launcher_test.c tests/unit/tap.h user/*.c \
		user/*.h user/lib/*.c user/lib/*.h user
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter -Iuapi -o $@ $< \
		user/parse.c user/loader.c user/load_linux.c user/load_pvh.c \
		user/load_multiboot.c user/lib/libminivm.a

# The launcher's walk of the guest's page tables, without VMX.
tests/unit/paging_test: tests/unit/paging_test.c tests/unit/tap.h user/paging.c user/vmm.h
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter -Iuapi -o $@ $< \
		user/paging.c

# The module for the test machine is built in a copy of kmod/, so that it
# and the one for this machine (KDIR) never share object files.  W=1, and
# any compiler or objtool warning fails the build.
testvm-module:
	@mkdir -p build/testvm/src/kmod build/testvm/src/uapi/linux
	@cp kmod/*.c kmod/*.h kmod/*.S kmod/Kbuild build/testvm/src/kmod/
	@cp uapi/linux/minivm.h build/testvm/src/uapi/linux/
	@# The build's own status, and any compiler, objtool or modpost
	@# warning or error in its output, fail the target.
	$(MAKE) -C $(TEST_KDIR) M=$(TOP)/build/testvm/src/kmod CONFIG_MINIVM=m \
		W=1 modules > build/testvm/module-build.log 2>&1; \
		s=$$?; cat build/testvm/module-build.log; exit $$s
	@! grep -iE 'warning:|error:' build/testvm/module-build.log

# What the test machine gets in /minivm: module, launcher, tests, scripts.
payload: testvm-module user selftests bench-prog
	@rm -rf $(PAYLOAD)
	@mkdir -p $(PAYLOAD)/modules $(PAYLOAD)/bin $(PAYLOAD)/selftests $(PAYLOAD)/scripts \
		$(PAYLOAD)/guests
	@# Without debug info the module loads many times faster in Bochs.
	@strip --strip-debug -o $(PAYLOAD)/modules/minivm.ko build/testvm/src/kmod/minivm.ko
	@cp user/minivm bench/minivm-bench $(PAYLOAD)/bin/
	@cp user/guests/*.bin user/guests/*.elf user/guests/*.bz $(PAYLOAD)/guests/
	@# The Linux guest: this machine's kernel, repacked for a quick boot.
	@mkdir -p $(PAYLOAD)/guests/linux
	@cp "$$(scripts/testvm/fast-kernel /boot/vmlinuz-$(TEST_KVER))" $(PAYLOAD)/guests/linux/bzImage
	@scripts/mk-guest-initrd $(PAYLOAD)/guests/linux/initrd.cpio
	@for t in $(SELFTESTS); do strip --strip-debug -o $(PAYLOAD)/selftests/$$t selftests/minivm/$$t; done
	@cp $(addprefix selftests/minivm/,$(SELFTEST_SCRIPTS)) selftests/minivm/tap.sh \
		$(PAYLOAD)/selftests/
	@echo $(SELFTESTS) $(SELFTEST_SCRIPTS) > $(PAYLOAD)/selftests/tests.list
	@cp scripts/testvm/selftests.sh scripts/testvm/demo.sh \
		scripts/testvm/bench.sh $(PAYLOAD)/scripts/

# The kernel labs' starter modules (scripts/lab), for make check to prove
# in the test machine that each lab's grader fails on its starter.
lab-modules: payload
	KDIR=$(TEST_KDIR) scripts/lab modules build/testvm/src/kmod $(PAYLOAD)/labs

# make lab N: a work tree with lab N's solution taken out, in build/lab/N;
# make grade N: build it and run lab N's grader (Documentation/minivm/labs.rst).
ifneq ($(filter lab grade,$(firstword $(MAKECMDGOALS))),)
LAB := $(word 2,$(MAKECMDGOALS))
$(if $(LAB),$(eval $(LAB):;@:),$(error say which lab: make $(firstword $(MAKECMDGOALS)) N))
endif

lab:
	@scripts/lab prepare $(LAB) build/lab/$(LAB) >/dev/null
	@echo "lab $(LAB): the work tree is build/lab/$(LAB); when done: make grade $(LAB)"

grade:
	@scripts/lab list | grep -q "^ *$(LAB) " || scripts/lab grade $(LAB)
	@test -d build/lab/$(LAB) || { echo "no build/lab/$(LAB): make lab $(LAB) first"; exit 2; }
	@scripts/lab grade $(LAB) build/lab/$(LAB)

deps:
	@scripts/deps.sh

# The module into /lib/modules/KVER/extra (depmod run), the launcher,
# library, headers and man page under PREFIX, and the udev rule.
INSTALLED := /lib/modules/$(KVER)/extra/minivm.ko $(PREFIX)/bin/minivm \
	$(PREFIX)/lib/libminivm.a $(PREFIX)/include/libminivm.h \
	$(PREFIX)/include/linux/minivm.h $(PREFIX)/share/man/man1/minivm.1 \
	/etc/udev/rules.d/99-minivm.rules

install: module user
	install -D -m 644 kmod/minivm.ko $(DESTDIR)/lib/modules/$(KVER)/extra/minivm.ko
	install -D -m 755 user/minivm $(DESTDIR)$(PREFIX)/bin/minivm
	install -D -m 644 user/lib/libminivm.a $(DESTDIR)$(PREFIX)/lib/libminivm.a
	install -D -m 644 user/lib/libminivm.h $(DESTDIR)$(PREFIX)/include/libminivm.h
	install -D -m 644 uapi/linux/minivm.h $(DESTDIR)$(PREFIX)/include/linux/minivm.h
	install -D -m 644 user/minivm.1 $(DESTDIR)$(PREFIX)/share/man/man1/minivm.1
	install -D -m 644 scripts/99-minivm.rules $(DESTDIR)/etc/udev/rules.d/99-minivm.rules
	$(if $(DESTDIR),,depmod -a $(KVER))

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	$(if $(DESTDIR),,depmod -a $(KVER))

# The style gates of make check, on their own; and the HTML documentation.
lint: $(KSFT_INC)/kselftest_harness.h
	scripts/gates.sh

docs:
	sphinx-build -W -b html Documentation/minivm build/docs

check: deps
	$(MAKE) all payload lab-modules
	scripts/check.sh

# The same selftests on a debugging build of the test kernel (slow, rare:
# not part of make check; run it after every change to kmod/).
check-debug: deps
	$(MAKE) all payload
	scripts/debug/check-debug.sh

run: deps
	$(MAKE) all payload
	scripts/testvm/boot /minivm/scripts/demo.sh

vm-run: deps
	$(MAKE) all payload
	scripts/testvm/boot --files "$(FILES)" "$(CMD)"

# minivm against KVM, same guest, same boot (bench/bench.c); the table is
# also kept as build/bench/bench.json.  2 GiB of RAM for the 1 GiB guests;
# one CPU (the bench is one thread; Bochs runs a second CPU on the same
# host thread) and no slub_debug (it would be part of every allocation).
bench: deps
	$(MAKE) all payload
	@mkdir -p build/bench
	@TESTVM_MEGS=2048 TESTVM_CPUS=$${TESTVM_CPUS:-1} TESTVM_SLUB_DEBUG=0 scripts/testvm/boot --log build/bench/serial --timeout 1800 \
		"/minivm/scripts/bench.sh $(BENCH_ARGS)" > build/bench/out; s=$$?; \
	sed '/^MINIVM-BENCH-JSON-BEGIN/,/^MINIVM-BENCH-JSON-END/d' build/bench/out; \
	sed -n '/^MINIVM-BENCH-JSON-BEGIN/,/^MINIVM-BENCH-JSON-END/p' build/bench/out | \
		sed '1d;$$d' > build/bench/bench.json; \
	echo "(JSON: build/bench/bench.json)"; exit $$s

# The ioctl fuzzer for a million calls (make check runs 100,000).
soak: deps
	$(MAKE) all payload
	scripts/testvm/boot --timeout 10800 "MINIVM_TEST_LIMIT=10000 \
		MINIVM_FUZZ_CALLS=1000000 /minivm/scripts/selftests.sh fuzz_test"

shell: deps
	$(MAKE) all payload
	scripts/testvm/boot --shell

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP)/kmod clean
	$(MAKE) -C user clean
	$(MAKE) -C selftests/minivm clean
	$(MAKE) -C bench clean
	rm -rf build $(UNIT_TESTS)

.PHONY: all module user selftests unit testvm-module payload lab-modules lab grade deps check check-debug soak bench bench-prog run \
	vm-run shell clean lint docs install uninstall

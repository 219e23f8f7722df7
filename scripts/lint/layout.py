#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The layout gates of make check (scripts/gates.sh):

  layout.py deps OBJDIR   no two files of kmod/ need each other, but vm.c
                          and vcpu.c; read from the symbols each object
                          file defines and uses (nm), so comments and
                          declarations do not count, only real calls.
  layout.py order         one reading order: the file lists of minivm.h,
                          README.md, design.rst, walkthrough.rst and
                          kmod/Kbuild name the same files in the same order.
  layout.py names         the documentation names no function, file or
                          test that does not exist.
  layout.py tour          where the documentation names a function beside
                          its file ("``f()`` (``kmod/x.c``)", "``f()`` in
                          ``x.c``", "``x.c``, ``f()``"), the file defines it:
                          the walkthrough's tour cannot drift from the code.
  layout.py sdm           the SDM is cited by section title: no bare
                          section number ("SDM 25.6.2"), which differs
                          between editions (design.rst, "Citing the SDM").

Each prints what is wrong, one line per problem, and nothing when all is
well (gates.sh counts any output as a failure).
"""
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALLOWED_CYCLES = [{"vm", "vcpu"}]


def nm_symbols(obj):
    defined, used = set(), set()
    out = subprocess.run(["nm", obj], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "TDBR":
            defined.add(f[2])
        elif len(f) == 2 and f[0] == "U":
            used.add(f[1])
    return defined, used


def strongly_connected(nodes, edges):
    """Tarjan's algorithm: the strongly connected components."""
    index, low, stack, on, comps = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            comps.append(comp)

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return comps


def deps(objdir):
    sources = [f[:-2] for f in os.listdir(os.path.join(TOP, "kmod"))
               if f.endswith((".c", ".S")) and not f.endswith(".mod.c")]
    defs, uses = {}, {}
    for name in sources:
        obj = os.path.join(objdir, name + ".o")
        if not os.path.exists(obj):
            print(f"kmod/{name}: no object file {obj}")
            continue
        defs[name], uses[name] = nm_symbols(obj)
    owner = {s: n for n, ss in defs.items() for s in ss}
    edges, why = {}, {}
    for n, us in uses.items():
        for s in us:
            o = owner.get(s)
            if o and o != n:
                edges.setdefault(n, set()).add(o)
                why.setdefault((n, o), set()).add(s)
    for comp in strongly_connected(defs, edges):
        if len(comp) > 1 and comp not in ALLOWED_CYCLES:
            print("kmod/: these files need each other: " +
                  ", ".join(sorted(comp)))
            for a in sorted(comp):
                for b in sorted(edges.get(a, ())):
                    if b in comp:
                        print(f"  {a} -> {b}: " +
                              " ".join(sorted(why[(a, b)])))


def read(path):
    with open(os.path.join(TOP, path), encoding="utf-8") as f:
        return f.read()


KMOD_FILE = re.compile(r"\b([a-z_]+\.[cS])\b")


def files_in(text):
    """kmod/ sources in order of first mention."""
    seen = []
    for m in KMOD_FILE.finditer(text):
        name = m.group(1)
        if os.path.exists(os.path.join(TOP, "kmod", name)) and name not in seen:
            seen.append(name)
    return seen


def between(text, start, end, where):
    a = text.find(start)
    b = text.find(end, a + 1)
    if a < 0 or b < 0:
        print(f"{where}: no reading-order list ('{start}' ... '{end}')")
        return ""
    return text[a:b]


def order():
    lists = {
        "kmod/minivm.h": files_in(between(
            read("kmod/minivm.h"), "The module reads in this order",
            "No two of these files", "kmod/minivm.h")),
        "README.md": files_in(between(
            read("README.md"), "<!-- reading-order -->",
            "<!-- end reading-order -->", "README.md")),
        "design.rst": files_in(between(
            read("Documentation/minivm/design.rst"), ".. reading-order",
            ".. end reading-order", "design.rst")),
        "walkthrough.rst": files_in(between(
            read("Documentation/minivm/walkthrough.rst"), ".. reading-order",
            ".. end reading-order", "walkthrough.rst")),
        "kmod/Kbuild": [o[:-2] + (".S" if o == "vmenter.o" else ".c")
                        for o in re.findall(r"\b\w+\.o\b",
                                            between(read("kmod/Kbuild"),
                                                    "minivm-y", "\n\n",
                                                    "kmod/Kbuild"))
                        if o != "minivm.o"],
    }
    real = sorted(f for f in os.listdir(os.path.join(TOP, "kmod"))
                  if f.endswith((".c", ".S")) and not f.endswith(".mod.c"))
    ref = lists["kmod/minivm.h"]
    missing = sorted(set(real) - set(ref))
    if missing:
        print("kmod/minivm.h: reading order leaves out " + " ".join(missing))
    for where, got in lists.items():
        if got != ref:
            print(f"{where}: reading order differs from kmod/minivm.h's")
            print("  minivm.h: " + " ".join(ref))
            print(f"  {where}: " + " ".join(got))


DOCS = ["README.md"] + ["Documentation/minivm/" + f for f in sorted(
    os.listdir(os.path.join(TOP, "Documentation/minivm"))) if f.endswith(".rst")]
# What the documentation may name without the tree defining it: the
# kernel's and the C library's own functions, and the commands of a shell.
EXTERNAL = set("""
open ioctl mmap close read write poll exit fork execve main malloc free
printf memcpy memset strcmp getopt_long sigaction pthread_create pthread_kill
kvm_vcpu_ioctl kvm_arch_vcpu_ioctl_run vmx_vcpu_run __vmx_vcpu_run
switch_fpu_return kernel_fpu_begin fpu_swap_kvm_fpstate pin_user_pages
kvm_skip_emulated_instruction
unpin_user_pages account_locked_vm hw_breakpoint_restore do_machine_check
perf_guest_get_msrs kselftest_harness.h
handleWaitForEvent hvm_start_info startup_64 initrd_addr_max cmdline_size pref_address init_size
cpuhp_kick_ap mwait_idle_with_hints
kvm_wait_lapic_expire vcpu_run vcpu_put param_sysfs_init crypto_algapi_init pci_subsys_init
""".split())
# Paths in the kernel's own tree, which the documentation cites as sources.
KERNEL_DIRS = ("arch/", "include/", "tools/", "drivers/", "virt/", "mm/",
               "kernel/", "Documentation/virt/", "Documentation/x86/")


def tracked_files():
    out = subprocess.run(["git", "-C", TOP, "ls-files"], capture_output=True,
                         text=True, check=True).stdout.split()
    return set(out), {os.path.basename(f) for f in out}


def tree_text():
    text = []
    for f in subprocess.run(["git", "-C", TOP, "ls-files", "kmod", "user",
                             "uapi", "selftests", "bench", "scripts", "tests",
                             "Makefile"], capture_output=True, text=True,
                            check=True).stdout.split():
        try:
            text.append(read(f))
        except (UnicodeDecodeError, IsADirectoryError):
            pass
    return "\n".join(text)


def names():
    paths, basenames = tracked_files()
    code = tree_text()
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code))
    for doc in DOCS:
        for n, line in enumerate(read(doc).splitlines(), 1):
            for lit in re.findall(r"``([^`]+)``|(?<!`)`([^`]+)`(?!`)", line):
                lit = lit[0] or lit[1]
                problem = judge(lit, paths, basenames, words)
                if problem:
                    print(f"{doc}:{n}: {problem}: {lit}")


def judge(lit, paths, basenames, words):
    m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\(\)", lit)
    if m:
        if m.group(1) not in words and m.group(1) not in EXTERNAL:
            return "no such function"
        return None
    m = re.fullmatch(r"([\w./-]+)\.(c|h|S|sh|py|rst|md)", lit)
    if m and "*" not in lit and lit not in EXTERNAL and \
            not lit.startswith(KERNEL_DIRS):
        if "/" in lit:
            if lit not in paths and not any(p.endswith("/" + lit)
                                            for p in paths):
                return "no such file"
        elif lit not in basenames:
            return "no such file"
        return None
    # A test or helper name: lower case with at least two underscores.
    if re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+){2,}", lit):
        if lit not in words:
            return "named in the documentation, found nowhere in the code"
    return None


# "``f()`` (``path``", "``f()`` in ``path``", "``path``, ``f()``"
FUNC_THEN_FILE = re.compile(r"``(\w+)\(\)``,? (?:\(|in )``([\w./-]+\.(?:c|h|S))``")
FILE_THEN_FUNC = re.compile(r"``([\w./-]+\.(?:c|h|S))``,? ``(\w+)\(\)``")


def defines(path, func):
    """Does @path (a tracked file, by path or by its name) define @func?"""
    paths, _ = tracked_files()
    hits = [p for p in paths if p == path or p.endswith("/" + path)]
    pat = re.compile(r"^(?:[A-Za-z_#][^;]*\b|SYM_(?:FUNC_START|INNER_LABEL)\()"
                     + re.escape(func) + r"\b\s*[(,)]")
    for p in hits:
        for line in read(p).splitlines():
            if pat.match(line) and not line.rstrip().endswith(";"):
                return True
    return not hits and None


def tour():
    for doc in DOCS:
        text = re.sub(r"\s+", " ", read(doc))
        pairs = [(m.group(1), m.group(2)) for m in FUNC_THEN_FILE.finditer(text)]
        pairs += [(m.group(2), m.group(1)) for m in FILE_THEN_FUNC.finditer(text)]
        for func, path in pairs:
            ok = defines(path, func)
            if ok is None:
                print(f"{doc}: no such file: {path} (for {func}())")
            elif not ok:
                print(f"{doc}: {func}() is not defined in {path}")


# "SDM Vol. 3C, 25.6.2", "(SDM 28.5)", "(26.2.1.1)": a chapter.section
# number of the VMX chapters, or any number right after "SDM".
BARE_SDM = re.compile(r"SDM(?: Vol\. [1-4][A-D]?)?,? (?:chapter )?\d+(?:\.\d+)+"
                      r"|\((?:2[3-9]|3[01])\.\d+(?:\.\d+)*[),:;]")


def sdm():
    for f in subprocess.run(["git", "-C", TOP, "ls-files", "kmod", "user",
                             "uapi", "selftests", "bench", "tests",
                             "Documentation", "README.md"],
                            capture_output=True, text=True,
                            check=True).stdout.split():
        try:
            lines = read(f).splitlines()
        except (UnicodeDecodeError, IsADirectoryError):
            continue
        for n, line in enumerate(lines, 1):
            m = BARE_SDM.search(line)
            if m:
                print(f"{f}:{n}: SDM section by number, not title: "
                      f"{m.group(0)}")


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "deps" and len(sys.argv) == 3:
        deps(sys.argv[2])
    elif what == "order":
        order()
    elif what == "names":
        names()
    elif what == "sdm":
        sdm()
    elif what == "tour":
        tour()
    else:
        sys.exit("usage: layout.py deps OBJDIR | order | names | tour | sdm")

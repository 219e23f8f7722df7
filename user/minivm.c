// SPDX-License-Identifier: GPL-2.0
/*
 * minivm: the launcher.
 *
 *   minivm run [options] IMAGE   load a guest and run it (vmm.c)
 *   minivm info                  what the CPU offers for VMX, and who
 *                                holds it: minivm's "grep vmx /proc/cpuinfo"
 *   minivm stat [TRACE]          exits by reason from a trace (stat.c)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/libminivm.h"
#include "vmm.h"

#define MINIVM_VERSION "0.1"

static const char usage[] =
	"usage: minivm [--help] [--version] COMMAND [ARGS]\n"
	"\n"
	"commands:\n"
	"  run [options] IMAGE   run a guest (minivm run --help)\n"
	"  info [-v]             what this CPU offers for VMX, and who holds it now\n"
	"  stat [TRACE|-]        exits by reason, counts and times, from a trace of\n"
	"                        minivm's tracepoints (default /sys/kernel/tracing/trace)\n"
	"\n"
	"minivm talks to the minivm kernel module through /dev/minivm.\n"
	"See minivm(1).\n";

static const char run_usage[] =
	"usage: minivm run [options] IMAGE\n"
	"       minivm run --kernel BZIMAGE [--initrd FILE] [--append CMDLINE] [options]\n"
	"\n"
	"  -f, --format FMT    flat, elf, multiboot or linux (default: detected)\n"
	"  -m, --mode MODE     flat images: real, protected, paged or long (default real)\n"
	"  -l, --load ADDR     flat images: load address (real 0x7c00, else 0x100000)\n"
	"  -e, --entry ADDR    entry point (flat: the load address; ELF: e_entry)\n"
	"  -s, --stack ADDR    initial stack pointer (real 0x7000, else 0x80000)\n"
	"  -M, --mem SIZE      guest memory, with K, M or G (default 16M; --kernel 256M)\n"
	"  -c, --cmdline STR   multiboot or Linux command line\n"
	"  -k, --kernel FILE   a Linux bzImage, or a vmlinux with a PVH entry (instead of IMAGE)\n"
	"  -i, --initrd FILE   its initial RAM disk\n"
	"  -a, --append STR    its command line (default: see minivm(1))\n"
	"      --module FILE[,STRING]  a multiboot module, with its string (up to 8)\n"
	"      --lapic         a local APIC in the kernel (timer, HLT that waits there)\n"
	"      --strict        stop at the first port or MMIO address no device serves\n"
	"      --trace         print every exit and injection (the kernel's too,\n"
	"                      as root with tracefs)\n"
	"      --stats         the run's time and its exits by reason, at the end\n"
	"      --regs          print the registers when the guest halts\n"
	"      --hypervisor HV minivm (the default) or kvm: the same guest and devices\n"
	"                      on KVM, through /dev/kvm\n"
	"  -t, --timeout SEC   stop the guest after SEC seconds (0.5: half of one)\n"
	"  -h, --help          this text\n"
	"\n"
	"exit status: 0 the guest halted; odd: isa-debug-exit (code << 1) | 1;\n"
	"2 usage, 4 image or setup, 6 triple fault, 8 VM-entry failure,\n"
	"10 internal error or unhandled device, 12 reset (ports 64h, CF9h, 92h),\n"
	"124 --timeout, 130 Ctrl-C.\n";

static const char *yes_no(unsigned int flags, unsigned int bit)
{
	return (flags & bit) ? "yes" : "no";
}

static void print_ept(const struct minivm_vmx_caps *c)
{
	static const struct {
		unsigned int bit;
		const char *name;
	} ept_features[] = {
		{ MINIVM_VMX_EPT_WB, "write-back" },
		{ MINIVM_VMX_EPT_2M, "2 MiB pages" },
		{ MINIVM_VMX_EPT_1G, "1 GiB pages" },
		{ MINIVM_VMX_EPT_AD, "accessed/dirty bits" },
		{ MINIVM_VMX_INVEPT, "INVEPT" },
	};
	const char *sep = " (";
	size_t i;

	printf("EPT:                 %s", yes_no(c->flags, MINIVM_VMX_EPT));
	for (i = 0; i < sizeof(ept_features) / sizeof(ept_features[0]); i++) {
		if (!(c->flags & ept_features[i].bit))
			continue;
		printf("%s%s", sep, ept_features[i].name);
		sep = ", ";
	}
	printf("%s\n", (c->flags & MINIVM_VMX_EPT) && sep[0] == ',' ? ")" : "");
}

static void print_timer(const struct minivm_vmx_caps *c)
{
	unsigned int div = 1U << c->preemption_timer_shift;

	printf("preemption timer:    %s", yes_no(c->flags, MINIVM_VMX_PREEMPTION_TIMER));
	if (c->flags & MINIVM_VMX_PREEMPTION_TIMER)
		printf(" (one tick every %u TSC cycles: %.1f MHz at a %.0f MHz TSC)",
		       div, c->tsc_khz / 1000.0 / div, c->tsc_khz / 1000.0);
	printf("\n");
}

/* What new VMs' local APICs get from the CPU (kmod/lapic_virt.c). */
static void print_apicv(int fd)
{
	int v = minivm_check_extension(fd, MINIVM_CAP_APICV);

	if (v <= 0) {
		FILE *f = fopen("/sys/module/minivm/parameters/apicv", "r");
		int param = 0;

		if (f && fscanf(f, "%d", &param) != 1)
			param = 0;
		if (f)
			fclose(f);
		printf("APIC virtualization: none for new VMs: minivm injects every interrupt%s\n",
		       param < 0 ? " (apicv=-1: only with posted interrupts, as KVM; apicv=1 takes what the CPU has)" : "");
		return;
	}
	printf("APIC virtualization: virtual-interrupt delivery%s%s\n",
	       (v & MINIVM_APICV_X2APIC) ? ", x2APIC registers" : "",
	       (v & MINIVM_APICV_XAPIC) ? ", the xAPIC page" : "");
}

static void print_raw(const struct minivm_vmx_caps *c)
{
	printf("\nraw capability MSRs (SDM Vol. 3D, Appendix A):\n");
	printf("  IA32_VMX_BASIC          %#018llx\n", (unsigned long long)c->vmx_basic);
	printf("  IA32_VMX_MISC           %#018llx\n", (unsigned long long)c->vmx_misc);
	printf("  pin-based controls      %#018llx\n", (unsigned long long)c->pinbased_ctls);
	printf("  processor-based         %#018llx\n", (unsigned long long)c->procbased_ctls);
	printf("  secondary processor     %#018llx\n", (unsigned long long)c->procbased_ctls2);
	printf("  VM-exit controls        %#018llx\n", (unsigned long long)c->exit_ctls);
	printf("  VM-entry controls       %#018llx\n", (unsigned long long)c->entry_ctls);
	printf("  IA32_VMX_EPT_VPID_CAP   %#018llx\n", (unsigned long long)c->ept_vpid_cap);
	printf("  CR0 fixed 0/1           %#llx / %#llx\n",
	       (unsigned long long)c->cr0_fixed0, (unsigned long long)c->cr0_fixed1);
	printf("  CR4 fixed 0/1           %#llx / %#llx\n",
	       (unsigned long long)c->cr4_fixed0, (unsigned long long)c->cr4_fixed1);
}

static int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct minivm_vmx_caps c;
	int verbose = 0, fd, ret, opt;

	while ((opt = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'v':
			verbose = 1;
			break;
		case 'h':
			printf("usage: minivm info [-v|--verbose]\n");
			return 0;
		default:
			fprintf(stderr, "usage: minivm info [-v|--verbose]\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "minivm info: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}

	fd = minivm_open_device();
	if (fd < 0) {
		fprintf(stderr, "minivm: %s\n", minivm_open_error(fd));
		return 1;
	}
	ret = minivm_get_vmx_caps(fd, &c);
	if (ret < 0) {
		fprintf(stderr, "minivm: MINIVM_GET_VMX_CAPS: %s\n", strerror(-ret));
		close(fd);
		return 1;
	}
	printf("minivm %s, API version %d\n", MINIVM_VERSION, minivm_api_version(fd));
	printf("VMX:                 present, enabled by the firmware (IA32_FEAT_CTL=%#llx)\n",
	       (unsigned long long)c.feature_control);
	printf("VMCS revision id:    %#x\n", c.vmcs_revision_id);
	printf("TRUE_* control MSRs: %s\n", yes_no(c.flags, MINIVM_VMX_TRUE_CTLS));
	print_ept(&c);
	printf("VPID:                %s%s\n", yes_no(c.flags, MINIVM_VMX_VPID),
	       (c.flags & MINIVM_VMX_INVVPID) ? " (INVVPID)" : "");
	printf("unrestricted guest:  %s\n", yes_no(c.flags, MINIVM_VMX_UNRESTRICTED_GUEST));
	print_timer(&c);
	print_apicv(fd);
	printf("CPUs:                %u online, %u in VMX operation for minivm\n",
	       c.nr_cpus_online, c.nr_cpus_vmx_on);
	if (c.nr_cpus_foreign)
		printf("another hypervisor:  holds VMX on %u CPU(s) now; minivm cannot create VMs until it lets go (e.g. close KVM's VMs)\n",
		       c.nr_cpus_foreign);
	else
		printf("another hypervisor:  none holds VMX now\n");
	if (verbose)
		print_raw(&c);
	close(fd);
	return 0;
}

static int bad_arg(const char *opt, const char *arg)
{
	fprintf(stderr, "minivm run: invalid %s '%s'\n%s", opt, arg, run_usage);
	return VMM_EXIT_USAGE;
}

/* Parse "minivm run"'s options into @o; 0, or an exit status. */
static int parse_run(int argc, char **argv, struct vmm_options *o)
{
	enum { O_STRICT = 256, O_TRACE, O_STATS, O_REGS, O_LAPIC, O_MODULE,
	       O_HYPERVISOR };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "mode", required_argument, NULL, 'm' },
		{ "load", required_argument, NULL, 'l' },
		{ "entry", required_argument, NULL, 'e' },
		{ "stack", required_argument, NULL, 's' },
		{ "mem", required_argument, NULL, 'M' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "append", required_argument, NULL, 'a' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "module", required_argument, NULL, O_MODULE },
		{ "timeout", required_argument, NULL, 't' },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "lapic", no_argument, NULL, O_LAPIC },
		{ "trace", no_argument, NULL, O_TRACE },
		{ "stats", no_argument, NULL, O_STATS },
		{ "regs", no_argument, NULL, O_REGS },
		{ "hypervisor", required_argument, NULL, O_HYPERVISOR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool mem_set = false;
	int c;

	*o = (struct vmm_options){ .mode = MINIVM_MODE_REAL, .mem_size = 16 << 20 };
	while ((c = getopt_long(argc, argv, "+f:m:l:e:s:M:c:a:k:i:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (parse_format(optarg, &o->format))
				return bad_arg("--format", optarg);
			break;
		case 'm':
			if (parse_mode(optarg, &o->mode))
				return bad_arg("--mode", optarg);
			break;
		case 'l':
			if (!parse_addr(optarg, &o->load))
				return bad_arg("--load", optarg);
			o->load_set = true;
			break;
		case 'e':
			if (!parse_addr(optarg, &o->entry))
				return bad_arg("--entry", optarg);
			o->entry_set = true;
			break;
		case 's':
			if (!parse_addr(optarg, &o->stack))
				return bad_arg("--stack", optarg);
			o->stack_set = true;
			break;
		case 'M':
			if (!parse_size(optarg, &o->mem_size) || o->mem_size < (2 << 20) ||
			    o->mem_size > (1ULL << 30) || o->mem_size % 4096)
				return bad_arg("--mem (2M to 1G, whole pages)", optarg);
			mem_set = true;
			break;
		case 'c':
		case 'a':
			o->cmdline = optarg;
			break;
		case 'k':
			o->image = optarg;
			o->kernel = true;
			break;
		case 'i':
			o->initrd = optarg;
			break;
		case 't':
			if (!parse_seconds(optarg, &o->timeout_ms))
				return bad_arg("--timeout", optarg);
			break;
		case O_MODULE:
			if (o->nmodules == VMM_MAX_MODULES) {
				fprintf(stderr, "minivm run: at most %d --module\n", VMM_MAX_MODULES);
				return VMM_EXIT_USAGE;
			}
			o->modules[o->nmodules++] = optarg;
			break;
		case O_STRICT: o->strict = true; break;
		case O_LAPIC: o->lapic = true; break;
		case O_TRACE: o->trace = true; break;
		case O_STATS: o->stats = true; break;
		case O_REGS: o->regs = true; break;
		case O_HYPERVISOR:
			if (!strcmp(optarg, "kvm"))
				o->kvm = true;
			else if (strcmp(optarg, "minivm"))
				return bad_arg("--hypervisor", optarg);
			break;
		case 'h':
			fputs(run_usage, stdout);
			return -1;
		default:
			fputs(run_usage, stderr);
			return VMM_EXIT_USAGE;
		}
	}
	if (o->image && optind < argc) {
		fprintf(stderr, "minivm run: --kernel and an IMAGE: give one\n%s", run_usage);
		return VMM_EXIT_USAGE;
	}
	if (!o->image && optind != argc - 1) {
		fprintf(stderr, "minivm run: %s\n%s", optind == argc ?
			"no image given" : "one image only", run_usage);
		return VMM_EXIT_USAGE;
	}
	if (!o->image)
		o->image = argv[optind];
	if ((o->kernel || o->format == FMT_LINUX) && !mem_set)
		o->mem_size = 256 << 20;	/* what a distribution kernel needs */
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct vmm v = { .dev = -1, .vm = -1, .cpu.fd = -1 };
	int ret = parse_run(argc, argv, &v.opt);

	if (ret)
		return ret < 0 ? 0 : ret;
	vmm_catch_signals(&v);
	/* The image first: its errors are worth knowing without VMX too. */
	if (vmm_alloc_memory(&v) || vmm_load_image(&v) || vmm_create(&v)) {
		vmm_destroy(&v);
		return VMM_EXIT_SETUP;
	}
	if (v.opt.stack_set)
		v.stack = v.opt.stack;
	else
		v.stack = v.mode == MINIVM_MODE_REAL ? 0x7000 : VMM_TABLES;
	ret = vmm_run(&v);
	vmm_destroy(&v);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("minivm %s (API version %d)\n", MINIVM_VERSION, MINIVM_API_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "info"))
		return cmd_info(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stat") && argc <= 3)
		return vmm_stat(argc == 3 ? argv[2] : "/sys/kernel/tracing/trace");
	fprintf(stderr, "minivm: unknown command '%s'\n%s", argv[1], usage);
	return 2;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * minivm: the launcher.  "minivm info" reports what the CPU offers for VMX
 * and who holds it; it is minivm's answer to "grep vmx /proc/cpuinfo".
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/libminivm.h"

#define MINIVM_VERSION "0.1"

static const char usage[] =
	"usage: minivm [--help] [--version] COMMAND [ARGS]\n"
	"\n"
	"commands:\n"
	"  info [-v]   what this CPU offers for VMX, and who holds it now\n"
	"\n"
	"minivm talks to the minivm kernel module through /dev/minivm.\n";

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
	fprintf(stderr, "minivm: unknown command '%s'\n%s", argv[1], usage);
	return 2;
}

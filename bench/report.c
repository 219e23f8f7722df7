// SPDX-License-Identifier: GPL-2.0
/*
 * What minivm-bench prints: the table of medians with their min and max,
 * kernel memory per object, where an exit to userspace goes (by
 * difference of medians, and stage by stage from the trace), where a
 * page of a touch workload goes (against the host's own first touch),
 * the "# ratio:" lines, and the same as JSON.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

static const char *const mem_phase_names[MEM_PHASES] = {
	"VM", "vCPU", "first run",
};
static const char *const mem_kind_names[MEM_KINDS] = {
	"VMCS", "EPT", "run", "other",
};


static void print_memory(const struct mem_figures *mem)
{
	int h, p, k;
	double total;

	printf("\nkernel memory per object, KiB (each allocation still held, by who made it;\n"
	       " 'first run': 4 MiB of RAM given and the vCPU run to its first exit)\n");
	printf("%-20s", "");
	for (k = 0; k < MEM_KINDS; k++)
		printf(" %7s", mem_kind_names[k]);
	printf(" %7s\n", "total");
	for (h = 0; h < 2; h++) {
		if (!mem[h].valid)
			continue;
		for (p = 0; p < MEM_PHASES; p++) {
			printf("%-7s %-12s", hvs[h]->name, mem_phase_names[p]);
			for (k = 0, total = 0; k < MEM_KINDS; k++) {
				printf(" %7.1f", mem[h].kib[p][k]);
				total += mem[h].kib[p][k];
			}
			printf(" %7.1f\n", total);
		}
	}
}

double ratio(const struct result *r)
{
	return r->cycles[0] > 0 && r->cycles[1] > 0 ?
	       r->cycles[0] / r->cycles[1] : -1;
}

static const struct result *find_result(const char *name)
{
	int i;

	for (i = 0; i < nr_results; i++)
		if (!strcmp(results[i].name, name))
			return &results[i];
	return NULL;
}

/*
 * Where an exit to userspace goes, by difference of medians: the
 * in-kernel exit (cpuid: the VMX transitions and the dispatch), an
 * ioctl that does nothing (the syscall and the fd), and the rest, what
 * the hypervisor itself adds to leave for userspace and come back.
 */
static void print_breakdown(void)
{
	static const char * const user_exits[] = { "out", "in", "mmio_write" };
	const struct result *cpuid = find_result("cpuid");
	const struct result *nop = find_result("nop_ioctl");
	unsigned int i;
	int h;

	if (!cpuid || !nop)
		return;
	for (i = 0; i < sizeof(user_exits) / sizeof(user_exits[0]); i++) {
		const struct result *r = find_result(user_exits[i]);

		for (h = 0; h < 2 && r; h++) {
			if (r->cycles[h] < 0 || cpuid->cycles[h] < 0 ||
			    nop->cycles[h] < 0)
				continue;
			printf("# breakdown: %s %s=%.0f = in-kernel exit %.0f + "
			       "empty ioctl %.0f + the rest %.0f cycles",
			       hvs[h]->name, r->name, r->cycles[h],
			       cpuid->cycles[h], nop->cycles[h],
			       r->cycles[h] - cpuid->cycles[h] - nop->cycles[h]);
			if (r->flushes[h] >= 0)
				printf(" (L1D flushes per exit: %.2f, in-kernel exit: %.2f)",
				       r->flushes[h], cpuid->flushes[h]);
			putchar('\n');
		}
	}
}

/*
 * Where a page of a touch workload goes: the host's own first touch of
 * a page (the floor, no VM) and the rest, what the hypervisor adds to
 * map it for the guest, with the L1D flushes per page of each.
 */
static void print_touch_breakdown(void)
{
	int i, h;

	for (i = 0; i < nr_results; i++) {
		const struct result *r = &results[i];

		for (h = 0; h < 2 && r->floor >= 0; h++) {
			if (r->cycles[h] < 0)
				continue;
			printf("# breakdown: %s %s=%.0f = host's own first touch %.0f + the rest %.0f cycles",
			       hvs[h]->name, r->name, r->cycles[h], r->floor,
			       r->cycles[h] - r->floor);
			if (r->flushes[h] >= 0)
				printf(" (L1D flushes per 4 KiB page: %.3f)",
				       r->flushes[h]);
			putchar('\n');
		}
	}
}

/*
 * The same exits, stage by stage (stages.c): each stage's median over
 * the traced round trips, which the trace events make longer than the
 * untraced ones in the table; both are printed.
 */
static void print_stages(void)
{
	int i, h, s;

	for (i = 0; i < nr_results; i++) {
		const struct result *r = &results[i];

		for (h = 0; h < 2; h++) {
			const struct stages *st = &r->stages[h];

			if (!st->trips)
				continue;
			printf("# stages: %s %s:", hvs[h]->name, r->name);
			for (s = 0; s < STAGES; s++)
				printf(" %s %.0f%s", stage_names[s],
				       st->cycles[s], s + 1 < STAGES ? " +" : "");
			printf(" cycles; traced round trip %.0f, untraced %.0f (%d round trips)\n",
			       st->traced, r->cycles[h], st->trips);
		}
	}
}

void print_table(const struct mem_figures *mem)
{
	int i;

	printf("%-22s %26s %26s %7s  %s\n", "workload",
	       "minivm cyc/op (min-max)", "KVM cyc/op (min-max)", "ratio",
	       "one op is");
	for (i = 0; i < nr_results; i++) {
		const struct result *r = &results[i];
		char range[2][32];
		int h;

		for (h = 0; h < 2; h++)
			snprintf(range[h], sizeof(range[h]), "%.0f (%.0f-%.0f)",
				 r->cycles[h], r->min[h], r->max[h]);
		printf("%-22s %26s %26s %7.2f  %s\n", r->name, range[0],
		       range[1], ratio(r), r->what);
	}
	print_memory(mem);
	print_breakdown();
	print_touch_breakdown();
	print_stages();
	for (i = 0; i < nr_results; i++)
		if (ratio(&results[i]) >= 0)
			printf("# ratio: %s=%.2f\n", results[i].name,
			       ratio(&results[i]));
}

/* "kernel_kib": {"minivm": {"VM": {"VMCS": 0.0, ...}, ...}, "kvm": ...} */
static void write_json_memory(FILE *f, const struct mem_figures *mem)
{
	int h, p, k;

	fprintf(f, "  \"kernel_kib\": {");
	for (h = 0; h < 2; h++) {
		fprintf(f, "%s\n    \"%s\": ", h ? "," : "", hvs[h]->name);
		if (!mem[h].valid) {
			fprintf(f, "null");
			continue;
		}
		for (p = 0; p < MEM_PHASES; p++) {
			fprintf(f, "%s\"%s\": {", p ? ", " : "{",
				mem_phase_names[p]);
			for (k = 0; k < MEM_KINDS; k++)
				fprintf(f, "%s\"%s\": %.1f", k ? ", " : "",
					mem_kind_names[k], mem[h].kib[p][k]);
			fprintf(f, "}");
		}
		fprintf(f, "}");
	}
	fprintf(f, "\n  }\n");
}

/* ", \"minivm_stages\": {\"guest\": ..., \"traced\": ..., \"trips\": N}, ..." */
static void write_json_stages(FILE *f, const struct result *r)
{
	int h, s;

	for (h = 0; h < 2; h++) {
		const struct stages *st = &r->stages[h];

		fprintf(f, ", \"%s_stages\": ", hvs[h]->name);
		if (!st->trips) {
			fprintf(f, "null");
			continue;
		}
		fprintf(f, "{");
		for (s = 0; s < STAGES; s++)
			fprintf(f, "\"%s\": %.0f, ", stage_names[s], st->cycles[s]);
		fprintf(f, "\"traced\": %.0f, \"trips\": %d}", st->traced,
			st->trips);
	}
}

int write_json(const char *path, const struct mem_figures *mem)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f)
		return -1;
	fprintf(f, "{\n  \"unit\": \"TSC cycles per op\",\n  \"workloads\": [\n");
	for (i = 0; i < nr_results; i++) {
		fprintf(f, "    {\"name\": \"%s\", \"op\": \"%s\", \"minivm\": %.1f, \"kvm\": %.1f, \"ratio\": %.3f, \"minivm_min\": %.1f, \"minivm_max\": %.1f, \"kvm_min\": %.1f, \"kvm_max\": %.1f, \"minivm_runs\": %d, \"kvm_runs\": %d, \"minivm_l1d_flushes\": %.3f, \"kvm_l1d_flushes\": %.3f, \"host_floor\": %.1f",
			results[i].name, results[i].what, results[i].cycles[0],
			results[i].cycles[1], ratio(&results[i]),
			results[i].min[0], results[i].max[0],
			results[i].min[1], results[i].max[1],
			results[i].runs[0], results[i].runs[1],
			results[i].flushes[0], results[i].flushes[1],
			results[i].floor);
		write_json_stages(f, &results[i]);
		fprintf(f, "}%s\n", i + 1 < nr_results ? "," : "");
	}
	fprintf(f, "  ],\n");
	write_json_memory(f, mem);
	fprintf(f, "}\n");
	return fclose(f);
}


// SPDX-License-Identifier: GPL-2.0
/*
 * stat.c - "minivm stat": where a VM's exits go and what they cost, from
 * a trace of minivm's tracepoints (kmod/trace.h), the way "perf kvm stat
 * report" reads KVM's.
 *
 *   echo 1 > /sys/kernel/tracing/events/minivm/enable
 *   minivm run ...
 *   minivm stat [/sys/kernel/tracing/trace]     (or trace-cmd report | minivm stat -)
 *
 * An exit's time is the handler's (handler_ns, in the minivm_exit event)
 * plus the stretch from that event to the vCPU's next minivm_entry: for an
 * exit handled in the kernel the way back into the guest, for one handled
 * in userspace also the VMM's work and the ioctl's round trip.  Exits
 * after which the vCPU never entered again (the last one) count without
 * a time.  vCPUs are told apart by the task that ran them and their id.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

#define MAX_REASONS	128
#define MAX_VCPUS	64

struct reason {
	char name[40];
	unsigned long count, in_kernel, timed;
	double total_us;
};

/* An exit waiting for its vCPU's next entry. */
struct open_exit {
	char who[64];		/* "comm-pid vcpu N" */
	struct reason *r;
	double ts, handler_us;
};

static struct reason reasons[MAX_REASONS];
static struct open_exit open_exits[MAX_VCPUS];
static int nreasons, nopen;

static struct reason *reason_named(const char *name)
{
	for (int i = 0; i < nreasons; i++)
		if (!strcmp(reasons[i].name, name))
			return &reasons[i];
	if (nreasons == MAX_REASONS)
		return NULL;
	snprintf(reasons[nreasons].name, sizeof(reasons[0].name), "%s", name);
	return &reasons[nreasons++];
}

static struct open_exit *open_exit_of(const char *who, int create)
{
	for (int i = 0; i < nopen; i++)
		if (!strcmp(open_exits[i].who, who))
			return &open_exits[i];
	if (!create || nopen == MAX_VCPUS)
		return NULL;
	snprintf(open_exits[nopen].who, sizeof(open_exits[0].who), "%s", who);
	return &open_exits[nopen++];
}

/*
 * One line of ftrace's text format:
 *   "  minivm-123  [001] d..1.  4.567890: minivm_exit: vcpu 0 reason ..."
 * Sets @ts, @who ("minivm-123 vcpu 0"), and returns the event's fields
 * after its name, or NULL for other lines.
 */
static const char *parse(char *line, const char *event, double *ts,
			 char *who, size_t wholen)
{
	char *ev = strstr(line, event), *p, *task;
	unsigned int vcpu;

	if (!ev || ev < line + 2 || ev[-2] != ':')
		return NULL;
	for (p = ev - 2; p > line && p[-1] != ' '; p--)
		;
	*ts = strtod(p, NULL);
	task = line + strspn(line, " ");
	if (sscanf(ev + strlen(event), " vcpu %u", &vcpu) != 1)
		return NULL;
	snprintf(who, wholen, "%.*s vcpu %u", (int)strcspn(task, " "), task, vcpu);
	return ev + strlen(event);
}

static void on_exit_event(const char *f, double ts, const char *who)
{
	char name[40];
	unsigned long long ns;
	int handled;
	struct reason *r;
	struct open_exit *o;

	if (sscanf(f, " vcpu %*u reason %39s qual %*s rip %*s handled %d handler_ns %llu",
		   name, &handled, &ns) != 3)
		return;
	r = reason_named(name);
	o = open_exit_of(who, 1);
	if (!r || !o)
		return;
	r->count++;
	r->in_kernel += handled;
	o->r = r;
	o->ts = ts;
	o->handler_us = ns / 1000.0;
}

static void on_entry_event(double ts, const char *who)
{
	struct open_exit *o = open_exit_of(who, 0);

	if (!o || !o->r)
		return;
	o->r->timed++;
	o->r->total_us += o->handler_us + (ts - o->ts) * 1e6;
	o->r = NULL;
}

static int by_count(const void *a, const void *b)
{
	const struct reason *x = a, *y = b;

	return (y->count > x->count) - (y->count < x->count);
}

static void report(void)
{
	unsigned long total = 0;
	double us = 0;

	for (int i = 0; i < nreasons; i++) {
		total += reasons[i].count;
		us += reasons[i].total_us;
	}
	qsort(reasons, nreasons, sizeof(reasons[0]), by_count);
	printf("%-24s %10s %7s %10s %12s %10s\n", "exit reason", "count", "%",
	       "in kernel", "time (us)", "mean (us)");
	for (int i = 0; i < nreasons; i++) {
		const struct reason *r = &reasons[i];

		printf("%-24s %10lu %6.1f%% %10lu %12.1f %10.2f\n", r->name,
		       r->count, 100.0 * r->count / total, r->in_kernel,
		       r->total_us, r->timed ? r->total_us / r->timed : 0.0);
	}
	printf("%lu exits, %.1f us from exit to the next entry in all\n", total, us);
}

/**
 * vmm_stat() - minivm stat [TRACE|-]: summarise a trace by exit reason.
 * Return: 0, or 1 when the trace cannot be read or holds no exit.
 */
int vmm_stat(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL, who[64];
	size_t cap = 0;
	double ts;

	if (!f) {
		perror(path);
		return 1;
	}
	while (getline(&line, &cap, f) > 0) {
		const char *fields = parse(line, "minivm_exit:", &ts, who, sizeof(who));

		if (fields) {
			on_exit_event(fields, ts, who);
			continue;
		}
		if (parse(line, "minivm_entry:", &ts, who, sizeof(who)))
			on_entry_event(ts, who);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	if (!nreasons) {
		fprintf(stderr, "minivm stat: %s: no minivm_exit events (enable them: echo 1 > /sys/kernel/tracing/events/minivm/enable)\n",
			path);
		return 1;
	}
	report();
	return 0;
}

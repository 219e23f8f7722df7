// SPDX-License-Identifier: GPL-2.0
/*
 * Where one exit to userspace spends its cycles, stage by stage.
 *
 * bench.c times each workload whole, with the guest's TSC.  To see where
 * an OUT's cycles go, the workload runs once more with five trace events
 * on, in a tracefs instance of the bench's own whose clock is the TSC
 * (trace_clock x86-tsc), limited to the bench's thread (set_event_pid):
 *
 *   E  the entry event, just before the L1D flush and the VM entry
 *      (minivm_entry in enter_guest(); kvm_entry in vcpu_enter_guest())
 *   X  the VM exit: kvm_exit comes right after it; minivm_exit comes
 *      after minivm's handler, with the handler's time in nanoseconds,
 *      by which X is moved back (TSC cycles per nanosecond are measured
 *      over the traced run)
 *   U  the RUN ioctl is done (minivm_userspace_exit, kvm_userspace_exit)
 *   R  raw_syscalls:sys_exit of that ioctl: back to userspace
 *   S  raw_syscalls:sys_enter of the next RUN: back in the kernel
 *
 * A round trip E X U R S E' is cut into the stages of enum stage
 * (bench.h): the guest (E..X: flush, VM entry, the guest's own loop, VM
 * exit), the handler (X..U), the syscall's return (U..R), userspace
 * (R..S: the VMM serving the exit, and the syscall instructions both
 * ways) and the way back to the next entry (S..E').  A round trip with
 * another exit in it, one the kernel handled (an interrupt), is left
 * out.  The events cost cycles of their own (the syscall events also
 * take the syscall's slow path), so a traced round trip is longer than
 * an untraced one: the report prints both.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "bench.h"

#define INSTANCE	TRACEFS "/instances/minivm-bench-stages"
#define MAX_TRIPS	4096

const char *const stage_names[STAGES] = {
	"guest", "handler", "return", "userspace", "back",
};

enum event { EV_ENTRY, EV_EXIT, EV_USER, EV_SYS_EXIT, EV_SYS_ENTER, EVENTS };

/* The trace events, by hypervisor, then the two they share. */
static const char *const hv_events[2][3] = {
	{ "minivm/minivm_entry", "minivm/minivm_exit",
	  "minivm/minivm_userspace_exit" },
	{ "kvm/kvm_entry", "kvm/kvm_exit", "kvm/kvm_userspace_exit" },
};
static const char *const sys_events[2] = {
	"raw_syscalls/sys_exit", "raw_syscalls/sys_enter",
};

static uint64_t tsc0;
static struct timespec ns0;

static const char *event_path(const struct hv *hv, enum event e)
{
	return e < EV_SYS_EXIT ? hv_events[hv->which == MINIVM_HV_KVM][e] :
				 sys_events[e - EV_SYS_EXIT];
}

static int enable(const struct hv *hv, enum event e, int on)
{
	char name[128];

	snprintf(name, sizeof(name), "events/%s/enable", event_path(hv, e));
	return tracefs_write_in(INSTANCE, name, "%d", on);
}

void stages_stop(void)
{
	tracefs_write_in(INSTANCE, "tracing_on", "0");
	rmdir(INSTANCE);
}

/*
 * stages_start() - trace this thread's round trips through @hv's RUN.
 *
 * Return: 0, or -errno with a message on stderr (not root, no tracefs,
 * no x86-tsc trace clock, an event missing).
 */
int stages_start(const struct hv *hv)
{
	enum event e;
	int ret;

	ret = tracefs_instance(INSTANCE);
	if (ret)
		return ret;
	ret = tracefs_write_in(INSTANCE, "trace_clock", "x86-tsc");
	if (!ret)
		ret = tracefs_write_in(INSTANCE, "buffer_size_kb", "2048");
	if (!ret)
		ret = tracefs_write_in(INSTANCE, "set_event_pid", "%d",
				       (int)gettid());
	for (e = EV_SYS_EXIT; !ret && e <= EV_SYS_ENTER; e++) {
		char name[128];

		snprintf(name, sizeof(name), "events/%s/filter",
			 event_path(hv, e));
		ret = tracefs_write_in(INSTANCE, name, "id == %d", SYS_ioctl);
	}
	for (e = 0; !ret && e < EVENTS; e++)
		ret = enable(hv, e, 1);
	if (ret) {
		fprintf(stderr, "minivm-bench: cannot trace %s's stages: %s\n",
			hv->name, strerror(-ret));
		for (e = 0; e < EVENTS; e++)
			enable(hv, e, 0);
		stages_stop();
		return ret;
	}
	clock_gettime(CLOCK_MONOTONIC, &ns0);
	tsc0 = __rdtsc();
	return tracefs_write_in(INSTANCE, "tracing_on", "1");
}

/* The event of one line of the trace, and its TSC stamp; -1: another. */
static int parse(const struct hv *hv, const char *line, uint64_t *ts)
{
	const char *p = strchr(line, ']');
	char name[64];
	unsigned long long t;
	enum event e;

	if (line[0] == '#' || !p ||
	    sscanf(p + 1, " %*s %llu: %63[^:]:", &t, name) != 2)
		return -1;
	*ts = t;
	for (e = 0; e < EVENTS; e++) {
		const char *path = event_path(hv, e);

		if (!strcmp(strchr(path, '/') + 1, name))
			return e;
	}
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n ? v[(n - 1) / 2] : -1;
}

/* One round trip through the stages, its events' stamps in t[]. */
struct trip {
	uint64_t t[EVENTS];
	int next;		/* see step(); -1: not a clean round trip */
};

/*
 * The state machine over one thread's events: E X U R, then any number
 * of other ioctls (S..R pairs), then the last S before the next E.
 * tr->next is the event expected next, EVENTS once an S was seen.
 */
static void step(struct trip *tr, int e, uint64_t ts, double *v[], int *n)
{
	if (e == EV_ENTRY) {
		if (tr->next == EVENTS && *n < MAX_TRIPS) {
			for (int s = 0; s < STAGE_BACK; s++)
				v[s][*n] = (double)(tr->t[s + 1] - tr->t[s]);
			v[STAGE_BACK][*n] = (double)(ts - tr->t[EV_SYS_ENTER]);
			v[STAGES][*n] = (double)(ts - tr->t[EV_ENTRY]);
			(*n)++;
		}
		tr->t[EV_ENTRY] = ts;
		tr->next = EV_EXIT;
	} else if (e == tr->next && e < EV_SYS_ENTER) {
		tr->t[e] = ts;
		tr->next = e + 1;
	} else if (e == EV_SYS_ENTER && tr->next >= EV_SYS_ENTER) {
		tr->t[e] = ts;		/* the last one before the entry wins */
		tr->next = EVENTS;
	} else if (!(e == EV_SYS_EXIT && tr->next == EVENTS)) {
		tr->next = -1;		/* an exit the kernel handled */
	}
}

/* TSC cycles per nanosecond of CLOCK_MONOTONIC, since stages_start(). */
static double tsc_per_ns(void)
{
	struct timespec now;
	uint64_t tsc = __rdtsc();

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (tsc - tsc0) / ((now.tv_sec - ns0.tv_sec) * 1e9 +
			       (now.tv_nsec - ns0.tv_nsec));
}

/*
 * stages_read() - the stages of the round trips traced since
 * stages_start().  Return: 0, or -errno (the trace unreadable, or no
 * clean round trip in it: -ENODATA).
 */
int stages_read(const struct hv *hv, struct stages *out)
{
	double *v[STAGES + 1], per_ns = tsc_per_ns();
	struct trip tr = { .next = -1 };
	char line[512];
	int n = 0, s, ret = 0;
	uint64_t ts;
	FILE *f;

	tracefs_write_in(INSTANCE, "tracing_on", "0");
	f = fopen(INSTANCE "/trace", "re");
	if (!f)
		return -errno;
	for (s = 0; s <= STAGES; s++)
		v[s] = calloc(MAX_TRIPS, sizeof(double));
	while (v[STAGES] && v[0] && fgets(line, sizeof(line), f)) {
		int e = parse(hv, line, &ts);
		const char *h = strstr(line, " handler_ns ");

		if (e < 0)
			continue;
		if (e == EV_EXIT && h)	/* minivm's: after its handler */
			ts -= (uint64_t)(strtoull(h + 12, NULL, 10) * per_ns);
		if (getenv("MINIVM_BENCH_STAGES"))
			fprintf(stderr, "  %s event %d at %llu: %s", hv->name,
				e, (unsigned long long)ts, line);
		step(&tr, e, ts, v, &n);
	}
	fclose(f);
	for (s = 0; s < EVENTS; s++)
		enable(hv, s, 0);
	out->trips = n;
	for (s = 0; s < STAGES; s++)
		out->cycles[s] = v[s] ? median(v[s], n) : -1;
	out->traced = v[STAGES] ? median(v[STAGES], n) : -1;
	for (s = 0; s <= STAGES; s++)
		free(v[s]);
	if (!n)
		ret = -ENODATA;
	return ret;
}

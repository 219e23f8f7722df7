// SPDX-License-Identifier: GPL-2.0
/*
 * Where a hypervisor's kernel memory goes: VMCS, EPT, run pages, other.
 *
 * The kernel reports every allocation as a trace event: kmalloc and
 * kmem_cache_alloc (slab objects), mm_page_alloc (pages), and
 * percpu_alloc_percpu; vmalloc has no event in 6.1, so a kprobe on
 * __vmalloc_node_range and a kretprobe for its result stand in.  The
 * benchmark traces its own allocations, with a kernel stack each, in a
 * tracefs instance of its own, while it creates VMs, then vCPUs, then
 * runs each to its first exit, with a marker between the phases.  The
 * matching free events say which allocations are gone again.  Each one
 * still live at the end is charged to the phase that made it and to a
 * kind, by the first function on its stack outside the allocators: the
 * hypervisor (struct hv) names the functions that allocate its VMCS, its
 * EPT and the pages it shares with the VMM by mmap.
 *
 * What is skipped because it is counted elsewhere: the pages under a
 * slab, a large kmalloc, a vmalloc area or a per-CPU chunk (their
 * objects are counted), and pages faulted in for user memory (guest
 * RAM, the VMM's mappings: the VMM's memory, not the hypervisor's).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define INSTANCE	TRACEFS "/instances/minivm-bench"
#define MARKER		"minivm-bench phase "
#define PAGE		4096UL

/* One allocation seen in the trace. */
struct alloc {
	char key[40];		/* "ptr=..." or "pfn=...": what its free names */
	unsigned long bytes;
	int phase;
	bool page;		/* from mm_page_alloc */
	bool live;
	bool stacked;		/* its stack is read */
	bool skip;		/* counted elsewhere, or user memory */
	char caller[64];	/* first frame outside the allocators */
};

bool memtrace_vmalloc;
static int marker_fd = -1;	/* open before tracing: no allocation later */
static struct alloc *allocs;
static size_t nr_allocs, max_allocs;

static void remove_probes(void)
{
	static const char *const names[] = {
		"mb_vmalloc", "mb_vmalloc_ret", "mb_vfree",
	};
	unsigned int i;

	for (i = 0; i < 3; i++)
		tracefs_write(TRACEFS "/kprobe_events", "-:minivm_bench/%s\n",
			   names[i]);
}

/*
 * The kprobes for vmalloc and vfree (global: kprobe_events).  Kernels
 * from 6.10 on call the vmalloc function __vmalloc_node_range_noprof.
 */
static const char *const vmalloc_fns[] = {
	"__vmalloc_node_range", "__vmalloc_node_range_noprof",
};
static const char *const probes[] = {
	"p:minivm_bench/mb_vmalloc %s size=%%di:u64",
	"r:minivm_bench/mb_vmalloc_ret %s ret=$retval:x64",
	"p:minivm_bench/mb_vfree vfree addr=%%di:x64",
};

static int add_probes(void)
{
	unsigned int f, i;
	char def[128];
	int ret = 0;

	for (f = 0; f < 2; f++) {
		for (i = 0; i < 3; i++) {
			snprintf(def, sizeof(def), probes[i], vmalloc_fns[f]);
			ret = tracefs_write(TRACEFS "/kprobe_events", "%s\n", def);
			if (ret)
				break;
		}
		if (!ret)
			return 0;
		remove_probes();
	}
	return ret;
}

/* Allocation events are filtered to the benchmark; frees are not. */
static const struct {
	const char *event;
	bool alloc;
} events[] = {
	{ "kmem/kmalloc", true },
	{ "kmem/kmem_cache_alloc", true },
	{ "kmem/mm_page_alloc", true },
	{ "percpu/percpu_alloc_percpu", true },
	{ "minivm_bench/mb_vmalloc", true },
	{ "minivm_bench/mb_vmalloc_ret", true },
	{ "kmem/kfree", false },
	{ "kmem/kmem_cache_free", false },
	{ "kmem/mm_page_free", false },
	{ "kmem/mm_page_free_batched", false },
	{ "percpu/percpu_free_percpu", false },
	{ "minivm_bench/mb_vfree", false },
};

void memtrace_stop(void)
{
	char path[256];
	unsigned int i;

	tracefs_write(INSTANCE "/tracing_on", "0");
	if (marker_fd >= 0)
		close(marker_fd);
	marker_fd = -1;
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		snprintf(path, sizeof(path), INSTANCE "/events/%s/enable",
			 events[i].event);
		tracefs_write(path, "0");
	}
	rmdir(INSTANCE);
	remove_probes();
}

/*
 * memtrace_start() - trace this process's allocations from now on.
 *
 * Return: 0, or -errno with a message on stderr (not root, no tracefs).
 */
int memtrace_start(void)
{
	char path[256];
	unsigned int i;
	int ret;

	memtrace_stop();	/* what an interrupted run left */
	ret = tracefs_instance(INSTANCE);
	if (ret)
		return ret;
	/* Without kprobe events (CONFIG_KPROBE_EVENTS), vmalloc is missed. */
	memtrace_vmalloc = !add_probes();
	if (!memtrace_vmalloc)
		fprintf(stderr, "minivm-bench: no kprobe events: vmalloc not counted\n");
	tracefs_write(INSTANCE "/buffer_size_kb", "8192");
	tracefs_write(INSTANCE "/options/stacktrace", "1");
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (!memtrace_vmalloc && strstr(events[i].event, "minivm_bench"))
			continue;
		if (events[i].alloc) {
			snprintf(path, sizeof(path), INSTANCE "/events/%s/filter",
				 events[i].event);
			ret = tracefs_write(path, "common_pid == %d", getpid());
			if (ret)
				goto fail;
		}
		snprintf(path, sizeof(path), INSTANCE "/events/%s/enable",
			 events[i].event);
		ret = tracefs_write(path, "1");
		if (ret)
			goto fail;
	}
	marker_fd = open(INSTANCE "/trace_marker", O_WRONLY | O_CLOEXEC);
	return tracefs_write(INSTANCE "/tracing_on", "1");
fail:
	fprintf(stderr, "minivm-bench: cannot trace %s: %s\n",
		events[i].event, strerror(-ret));
	memtrace_stop();
	return ret;
}

void memtrace_phase(int phase)
{
	dprintf(marker_fd, MARKER "%d", phase);
}

static struct alloc *new_alloc(int phase, unsigned long bytes, bool page)
{
	struct alloc *a;

	if (nr_allocs == max_allocs) {
		max_allocs = max_allocs ? 2 * max_allocs : 1024;
		allocs = realloc(allocs, max_allocs * sizeof(*allocs));
		if (!allocs) {
			perror("minivm-bench");
			exit(1);
		}
	}
	a = &allocs[nr_allocs++];
	memset(a, 0, sizeof(*a));
	a->phase = phase;
	a->bytes = bytes;
	a->page = page;
	a->live = true;
	return a;
}

/* Copy "name=value" out of @args into @key. */
static bool field(const char *args, const char *name, char *key, size_t size)
{
	const char *p = strstr(args, name);

	if (!p || (p != args && p[-1] != ' ' && p[-1] != ')'))
		return false;
	snprintf(key, size, "%.*s", (int)strcspn(p, " \n"), p);
	return true;
}

static unsigned long number(const char *args, const char *name)
{
	const char *p = strstr(args, name);

	return p ? strtoul(p + strlen(name), NULL, 0) : 0;
}

/* The most recent live allocation named @key (ptr=, pfn=): it is freed. */
static void freed(const char *key)
{
	size_t i;

	for (i = nr_allocs; i-- > 0;)
		if (allocs[i].live && !strcmp(allocs[i].key, key)) {
			allocs[i].live = false;
			return;
		}
}

/* Functions that only pass an allocation on: not its caller. */
static bool allocator_frame(const char *fn)
{
	static const char *const prefixes[] = {
		"__alloc_pages", "alloc_pages", "__get_free_pages",
		"get_zeroed_page", "__folio_alloc", "kmalloc", "__kmalloc",
		"___kmalloc",
		"kmem_cache_alloc", "__kmem_cache_alloc", "slab_", "__slab",
		"___slab", "kvmalloc", "kvcalloc", "kvzalloc", "kmemdup",
		"kstrdup", "krealloc", "__vmalloc", "vmalloc", "vzalloc",
		"__alloc_percpu", "pcpu_", "trace", "__trace", "ftrace",
		"kprobe", "__kprobe", "kretprobe", "__kretprobe", "rethook",
		"arch_rethook", "perf_", "event_", "asm_exc_int3",
		"exc_int3", "do_int3", "poke_int3",
	};
	size_t i, len = strlen(fn);

	/* From 6.10 on, every allocator entry point ends in _noprof. */
	if (len > 7 && !strcmp(fn + len - 7, "_noprof"))
		return true;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(fn, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* Frames under which a page is counted as something else, or is user memory. */
static bool skipped_under(const char *fn)
{
	static const char *const fns[] = {
		"allocate_slab", "new_slab", "__kmalloc_large_node",
		"kmalloc_large", "vm_area_alloc_pages", "handle_mm_fault",
		"pcpu_populate_chunk", "pcpu_create_chunk",
	};
	unsigned int i;

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (!strcmp(fn, fns[i]))
			return true;
	return false;
}

/* One " => function+off/len [module]" line of @a's stack. */
static void stack_frame(struct alloc *a, const char *line)
{
	char fn[64];

	snprintf(fn, sizeof(fn), "%.*s", (int)strcspn(line, "+ \n"), line);
	if (a->page && skipped_under(fn))
		a->skip = true;
	if (!a->caller[0] && !allocator_frame(fn))
		snprintf(a->caller, sizeof(a->caller), "%s", fn);
}

/*
 * One event line: "  comm-pid  [cpu] flags  time: event: args".  Returns
 * the allocation it made, whose stack follows, or NULL.
 */
static struct alloc *event_line(const char *line, int *phase,
				struct alloc **vmalloc_pending)
{
	const char *p = strstr(line, "]"), *ev, *args;
	char key[40];
	struct alloc *a = NULL;

	if (!p || !(ev = strstr(p, ": ")))
		return NULL;
	ev += 2;
	args = strstr(ev, ": ");
	args = args ? args + 2 : ev + strlen(ev);
	if (!strncmp(ev, "tracing_mark_write: " MARKER, 20 + strlen(MARKER))) {
		*phase = atoi(args + strlen(MARKER));
	} else if (!strncmp(ev, "kmalloc:", 8) ||
		   !strncmp(ev, "kmem_cache_alloc:", 17)) {
		if (field(args, "ptr=", key, sizeof(key))) {
			a = new_alloc(*phase, number(args, "bytes_alloc="), false);
			strcpy(a->key, key);
		}
	} else if (!strncmp(ev, "mm_page_alloc:", 14)) {
		if (field(args, "pfn=", key, sizeof(key))) {
			a = new_alloc(*phase, PAGE << number(args, "order="), true);
			strcpy(a->key, key);
		}
	} else if (!strncmp(ev, "percpu_alloc_percpu:", 20)) {
		if (field(args, "ptr=", key, sizeof(key))) {
			a = new_alloc(*phase, number(args, "bytes_alloc="), false);
			strcpy(a->key, key);
		}
	} else if (!strncmp(ev, "mb_vmalloc:", 11)) {
		a = new_alloc(*phase, (number(args, "size=") + PAGE - 1) &
			      ~(PAGE - 1), false);
		*vmalloc_pending = a;
	} else if (!strncmp(ev, "mb_vmalloc_ret:", 15)) {
		if (*vmalloc_pending &&
		    field(args, "ret=", key, sizeof(key))) {
			/* "ret=0x..." becomes "addr=0x...", as vfree says it */
			memcpy((*vmalloc_pending)->key, "addr", 4);
			memcpy((*vmalloc_pending)->key + 4, key + 3,
			       sizeof(key) - 4);
			*vmalloc_pending = NULL;
		}
	} else if (!strncmp(ev, "kfree:", 6) ||
		   !strncmp(ev, "kmem_cache_free:", 16) ||
		   !strncmp(ev, "percpu_free_percpu:", 19)) {
		if (field(args, "ptr=", key, sizeof(key)))
			freed(key);
	} else if (!strncmp(ev, "mm_page_free", 12)) {
		if (field(args, "pfn=", key, sizeof(key)))
			freed(key);
	} else if (!strncmp(ev, "mb_vfree:", 9)) {
		if (field(args, "addr=", key, sizeof(key)))
			freed(key);
	}
	return a;
}

static enum mem_kind kind_of(const struct hv *hv, const struct alloc *a)
{
	char name[68];

	snprintf(name, sizeof(name), " %s ", a->caller);
	if (strstr(hv->vmcs_fns, name))
		return MEM_VMCS;
	if (strstr(hv->ept_fns, name))
		return MEM_EPT;
	if (a->page && strstr(hv->run_fns, name))
		return MEM_RUN;
	return MEM_OTHER;
}

/*
 * memtrace_read() - stop tracing and charge what is live to phases.
 * @hv: whose functions name the kinds.
 * @per: out: KiB per object, [phase][kind], for phases 0 to @phases - 1.
 * @phases: how many phases memtrace_phase() marked.
 * @n: how many objects each phase made.
 *
 * Return: 0, or -errno if the trace cannot be read.
 */
int memtrace_read(const struct hv *hv, double per[][MEM_KINDS], int phases,
		  int n)
{
	struct alloc *stack_of[256] = { NULL }, *vmalloc_pending = NULL, *a;
	static const char *const kinds[] = { "VMCS", "EPT", "run", "other" };
	int phase = -1, cpu = 0, i;
	enum mem_kind k;
	char line[512];
	FILE *f;

	tracefs_write(INSTANCE "/tracing_on", "0");
	f = fopen(INSTANCE "/trace", "re");
	if (!f)
		return -errno;
	nr_allocs = 0;
	while (fgets(line, sizeof(line), f)) {
		const char *br = strchr(line, '[');

		if (line[0] == '#')
			continue;
		if (!strncmp(line, " => ", 4)) {
			a = stack_of[cpu];
			if (a)
				stack_frame(a, line + 4);
			continue;
		}
		if (!br)
			continue;
		cpu = atoi(br + 1) & 255;
		if (strstr(line, ": <stack trace>")) {
			/* The stack belongs to this CPU's last event. */
			a = stack_of[cpu];
			if (a && a->stacked)
				stack_of[cpu] = NULL;
			else if (a)
				a->stacked = true;
			continue;
		}
		stack_of[cpu] = event_line(line, &phase, &vmalloc_pending);
	}
	fclose(f);
	memset(per, 0, phases * sizeof(per[0]));
	for (i = 0; i < (int)nr_allocs; i++) {
		a = &allocs[i];
		if (!a->live || a->skip || a->phase < 0 || a->phase >= phases)
			continue;
		k = kind_of(hv, a);
		per[a->phase][k] += a->bytes / 1024.0 / n;
		if (getenv("MINIVM_BENCH_MEMTRACE"))
			fprintf(stderr, "  %s phase %d %6lu %-5s %s %s\n",
				hv->name, a->phase, a->bytes, kinds[k],
				a->page ? "page" : "obj ", a->caller);
	}
	return 0;
}

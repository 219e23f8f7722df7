// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - counters of live objects, for finding leaks, and of exits.
 *
 * /sys/kernel/debug/minivm/objects lists how many VMs, vCPUs, memory slots,
 * pinned pages and EPT table pages exist right now.  With no VM left every
 * number must be 0; the selftests check exactly that after creating and
 * destroying thousands of objects.
 *
 * /sys/kernel/debug/minivm/exits counts VM exits by basic reason (SDM Vol.
 * 3D, Appendix C) since the module was loaded, every VM together: what
 * guests actually make the hypervisor do.  Counted per CPU, so the exit
 * path never shares a cache line with another CPU's.
 *
 * /sys/kernel/debug/minivm/mitigations counts what the entry path did
 * against side channels (mitigations.c): VERWs before entry, L1D flushes
 * (and how many of them only an interrupt on the CPU asked for), IBPBs
 * between vCPUs and IBPBs requested for the return to userspace.
 */
#include <linux/debugfs.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <asm/vmx.h>

#include "minivm.h"

atomic_long_t minivm_objects[MINIVM_NR_OBJ];

static const char * const obj_names[MINIVM_NR_OBJ] = {
	[MINIVM_OBJ_VM] = "vms",
	[MINIVM_OBJ_VCPU] = "vcpus",
	[MINIVM_OBJ_MEMSLOT] = "memslots",
	[MINIVM_OBJ_PINNED_PAGE] = "pinned_pages",
	[MINIVM_OBJ_EPT_TABLE] = "ept_tables",
	[MINIVM_OBJ_APIC_ACCESS_PAGE] = "apic_access_pages",
};

DEFINE_PER_CPU(unsigned long[MINIVM_EXIT_STATS], minivm_exit_stats);
DEFINE_PER_CPU(unsigned long[MINIVM_NR_MIT], minivm_mitigation_stats);

static const char * const mit_names[MINIVM_NR_MIT] = {
	[MINIVM_MIT_VERW] = "verw",
	[MINIVM_MIT_L1D_FLUSH] = "l1d_flush",
	[MINIVM_MIT_L1D_FLUSH_IRQ] = "l1d_flush_irq",
	[MINIVM_MIT_IBPB] = "ibpb",
	[MINIVM_MIT_IBPB_EXIT_TO_USER] = "ibpb_exit_to_user",
};

static const struct {
	u32 reason;
	const char *name;
} exit_names[] = { VMX_EXIT_REASONS };

static struct dentry *minivm_debugfs;

/* Element @i of the per-CPU array @var, summed over every CPU. */
#define sum_cpus(var, i) ({						\
	unsigned long __n = 0;						\
	int __cpu;							\
									\
	for_each_possible_cpu(__cpu)					\
		__n += per_cpu(var, __cpu)[i];				\
	__n;								\
})

static int objects_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < MINIVM_NR_OBJ; i++)
		seq_printf(m, "%s %ld\n", obj_names[i],
			   atomic_long_read(&minivm_objects[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(objects);

static const char *exit_name(u32 reason)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(exit_names); i++)
		if (exit_names[i].reason == reason)
			return exit_names[i].name;
	return "?";
}

/* "reason name count", for every reason seen at least once. */
static int exits_show(struct seq_file *m, void *unused)
{
	unsigned long n;
	int reason;

	for (reason = 0; reason < MINIVM_EXIT_STATS; reason++) {
		n = sum_cpus(minivm_exit_stats, reason);
		if (n)
			seq_printf(m, "%d %s %lu\n", reason, exit_name(reason), n);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(exits);

/* "name count" for each mitigation, all CPUs together. */
static int mitigations_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < MINIVM_NR_MIT; i++)
		seq_printf(m, "%s %lu\n", mit_names[i],
			   sum_cpus(minivm_mitigation_stats, i));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mitigations);

/** minivm_debugfs_init() - create /sys/kernel/debug/minivm/. */
void minivm_debugfs_init(void)
{
	minivm_debugfs = debugfs_create_dir("minivm", NULL);
	debugfs_create_file("objects", 0400, minivm_debugfs, NULL,
			    &objects_fops);
	debugfs_create_file("exits", 0400, minivm_debugfs, NULL, &exits_fops);
	debugfs_create_file("mitigations", 0400, minivm_debugfs, NULL,
			    &mitigations_fops);
}

/** minivm_debugfs_exit() - remove it. */
void minivm_debugfs_exit(void)
{
	debugfs_remove_recursive(minivm_debugfs);
}

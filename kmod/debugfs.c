// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - counters of live objects, for finding leaks.
 *
 * /sys/kernel/debug/minivm/objects lists how many VMs, vCPUs, memory slots,
 * pinned pages and EPT table pages exist right now.  With no VM left every
 * number must be 0; the selftests check exactly that after creating and
 * destroying thousands of objects.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "minivm.h"

atomic_long_t minivm_objects[MINIVM_NR_OBJ];

static const char * const obj_names[MINIVM_NR_OBJ] = {
	[MINIVM_OBJ_VM] = "vms",
	[MINIVM_OBJ_VCPU] = "vcpus",
	[MINIVM_OBJ_MEMSLOT] = "memslots",
	[MINIVM_OBJ_PINNED_PAGE] = "pinned_pages",
	[MINIVM_OBJ_EPT_TABLE] = "ept_tables",
};

static struct dentry *minivm_debugfs;

static int objects_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < MINIVM_NR_OBJ; i++)
		seq_printf(m, "%s %ld\n", obj_names[i],
			   atomic_long_read(&minivm_objects[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(objects);

/** minivm_debugfs_init() - create /sys/kernel/debug/minivm/. */
void minivm_debugfs_init(void)
{
	minivm_debugfs = debugfs_create_dir("minivm", NULL);
	debugfs_create_file("objects", 0400, minivm_debugfs, NULL,
			    &objects_fops);
}

/** minivm_debugfs_exit() - remove it. */
void minivm_debugfs_exit(void)
{
	debugfs_remove_recursive(minivm_debugfs);
}

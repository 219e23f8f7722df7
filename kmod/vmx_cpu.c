// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_cpu.c - VMX operation on every CPU: VMXON, VMXOFF and when.
 *
 * Before a CPU can run a guest it must enter "VMX root operation" with VMXON
 * (SDM Vol. 3C, "Enabling and Entering VMX Operation").  That needs three
 * things on that CPU:
 *
 *   - CR4.VMXE set, and CR0/CR4 obeying the IA32_VMX_CRn_FIXED0/1 masks
 *     (SDM "Restrictions on VMX Operation");
 *   - a 4 KiB-aligned VMXON region whose first word is the VMCS revision id
 *     (SDM "VMXON Region"); the CPU owns the rest of it while VMX is on;
 *   - IA32_FEAT_CTL locked with VMXON enabled, checked in vmx_caps.c.
 *
 * The enable policy is KVM's (6.1): VMX is switched on, on all online CPUs,
 * when the first VM is created, and off again when the last VM is gone.
 * While no VM exists minivm leaves the CPUs alone, so kvm_intel (or any
 * other hypervisor that follows the same rule) can take its turn without
 * either module being unloaded.  A CPU where CR4.VMXE is already set belongs
 * to someone else: minivm then refuses with -EBUSY instead of sharing.
 *
 * Around that, four events move CPUs in and out of VMX operation: CPU
 * hotplug, reboot/kexec (a CPU left in VMX root operation blocks INIT, so the
 * next kernel could not start it), suspend/resume, and emergencies (handled
 * in vmx_emergency.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>
#include <asm/asm.h>
#include <asm/tlbflush.h>
#include <asm/virtext.h>

#include "minivm.h"
#include "vmx_ctl.h"
#include "vmx_ops.h"

/* One CPU's VMX state. */
struct minivm_cpu {
	void *vmxon_region;	/* page handed to VMXON, owned by the CPU */
	bool vmx_on;		/* this CPU is in VMX root operation for us */
};

static DEFINE_PER_CPU(struct minivm_cpu, minivm_cpu);

/*
 * minivm_vmx_lock orders enabling, disabling and hotplug; it nests inside
 * cpus_read_lock().  minivm_users counts the VMs (each holds one reference).
 */
static DEFINE_MUTEX(minivm_vmx_lock);
static unsigned int minivm_users;
static bool minivm_rebooting;
static enum cpuhp_state minivm_hp_state;

/* VMXON with the physical address of the region (SDM "VMXON"). */
static int vmx_vmxon(u64 region_pa)
{
	/*
	 * VMfailInvalid sets CF (bad region or revision id); VMfailValid
	 * sets ZF (already in VMX operation): "jna" catches both.  A fault
	 * (#GP/#UD: FEAT_CTL or CR0/CR4 not right) is fixed up to "fault".
	 */
	asm goto("1: vmxon %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m" (region_pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

/*
 * Right after VMXON, forget every EPT and VPID translation this CPU may
 * have kept from an earlier user of VMX (kvm_intel, a kexec'd kernel):
 * a new EPT root could sit on a page that was another hypervisor's root
 * ("Guidelines for Use of the INVEPT Instruction").
 */
static void flush_everything_here(void)
{
	if (minivm_caps.ept_vpid_cap & VMX_EPT_EXTENT_GLOBAL_BIT)
		vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0);
	if (minivm_caps.ept_vpid_cap & VMX_VPID_EXTENT_GLOBAL_CONTEXT_BIT << 32)
		vmx_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0);
}

/* Enter VMX root operation on this CPU.  Runs with interrupts off. */
static int vmx_on_this_cpu(void)
{
	struct minivm_cpu *c = this_cpu_ptr(&minivm_cpu);
	int cpu = smp_processor_id();
	u64 feat_ctl = 0;
	int ret;

	if (c->vmx_on)
		return 0;
	if (cr4_read_shadow() & X86_CR4_VMXE) {
		pr_err("CPU %d: VMX is in use by another hypervisor (CR4.VMXE is set); close its VMs or unload it (e.g. kvm_intel) first\n",
		       cpu);
		return -EBUSY;
	}
	/* The firmware may set FEAT_CTL per CPU; check each one. */
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat_ctl) ||
	    !(feat_ctl & FEAT_CTL_LOCKED) ||
	    !(feat_ctl & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("CPU %d: VT-x is disabled by the firmware (IA32_FEAT_CTL=%#llx)\n",
		       cpu, feat_ctl);
		return -ENODEV;
	}
	if (!minivm_cr_fixed_ok(read_cr0(), minivm_caps.cr0_fixed0,
				minivm_caps.cr0_fixed1)) {
		pr_err("CPU %d: CR0=%#lx is not allowed in VMX operation\n",
		       cpu, read_cr0());
		return -EIO;
	}

	cr4_set_bits(X86_CR4_VMXE);
	if (!minivm_cr_fixed_ok(__read_cr4(), minivm_caps.cr4_fixed0,
				minivm_caps.cr4_fixed1)) {
		pr_err("CPU %d: CR4=%#lx is not allowed in VMX operation\n",
		       cpu, __read_cr4());
		ret = -EIO;
		goto clear_vmxe;
	}
	ret = vmx_vmxon(__pa(c->vmxon_region));
	if (ret) {
		pr_err("CPU %d: VMXON failed (%d)\n", cpu, ret);
		goto clear_vmxe;
	}
	c->vmx_on = true;
	flush_everything_here();
	return 0;

clear_vmxe:
	cr4_clear_bits(X86_CR4_VMXE);
	return ret;
}

/**
 * minivm_vmx_ready() - may this CPU enter a guest?  Interrupts off, so
 * that the reboot notifier's VMXOFF IPI cannot come in between.
 *
 * Return: false once VMX is off here or a reboot has begun.
 */
bool minivm_vmx_ready(void)
{
	return minivm_vmx_on_here() && !READ_ONCE(minivm_rebooting);
}

/**
 * minivm_vmx_on_here() - is this CPU in VMX operation?  Interrupts off
 * (an IPI handler): only this CPU changes it, with interrupts off.
 */
bool minivm_vmx_on_here(void)
{
	return this_cpu_ptr(&minivm_cpu)->vmx_on;
}

/*
 * Leave VMX root operation on this CPU: VMCLEAR every VMCS active here,
 * then VMXOFF and clear CR4.VMXE, which is the kernel's own cpu_vmxoff().
 */
static void vmx_off_this_cpu(void)
{
	struct minivm_cpu *c = this_cpu_ptr(&minivm_cpu);

	if (!c->vmx_on)
		return;
	minivm_vmcs_clear_all_here();
	if (cpu_vmxoff())
		pr_err("CPU %d: VMXOFF faulted\n", smp_processor_id());
	c->vmx_on = false;
}

static void vmx_on_ipi(void *err)
{
	int ret = vmx_on_this_cpu();

	if (ret)
		atomic_cmpxchg(err, 0, ret);
}

static void vmx_off_ipi(void *unused)
{
	vmx_off_this_cpu();
}

/* All online CPUs or none: on a failure, undo the CPUs that made it. */
static int vmx_on_all_cpus(void)
{
	atomic_t err = ATOMIC_INIT(0);

	on_each_cpu(vmx_on_ipi, &err, 1);
	if (atomic_read(&err)) {
		on_each_cpu(vmx_off_ipi, NULL, 1);
		return atomic_read(&err);
	}
	return 0;
}

/**
 * minivm_vmx_get() - take a reference on VMX operation.
 *
 * The first reference turns VMX on, on every online CPU.
 * Return: 0; -EBUSY if another hypervisor holds VMX on some CPU or the
 * system is going down; -ENODEV/-EIO if a CPU refuses VMX.
 */
int minivm_vmx_get(void)
{
	int ret = 0;

	cpus_read_lock();
	mutex_lock(&minivm_vmx_lock);
	if (minivm_rebooting)
		ret = -EBUSY;
	else if (minivm_users == 0)
		ret = vmx_on_all_cpus();
	if (!ret)
		minivm_users++;
	mutex_unlock(&minivm_vmx_lock);
	cpus_read_unlock();
	return ret;
}

/** minivm_vmx_put() - drop a reference; the last one turns VMX off. */
void minivm_vmx_put(void)
{
	cpus_read_lock();
	mutex_lock(&minivm_vmx_lock);
	if (!WARN_ON_ONCE(minivm_users == 0) && --minivm_users == 0)
		on_each_cpu(vmx_off_ipi, NULL, 1);
	mutex_unlock(&minivm_vmx_lock);
	cpus_read_unlock();
}

static void count_ipi(void *counts)
{
	atomic_t *n = counts;

	if (this_cpu_read(minivm_cpu.vmx_on))
		atomic_inc(&n[0]);
	else if (cr4_read_shadow() & X86_CR4_VMXE)
		atomic_inc(&n[1]);
}

/**
 * minivm_vmx_count_cpus() - how many CPUs are online, in VMX operation for
 * minivm, and in VMX operation for somebody else.
 * @nr_online:  set to the number of online CPUs.
 * @nr_on:      set to the number of CPUs where minivm did VMXON.
 * @nr_foreign: set to the number of CPUs where another hypervisor did.
 */
void minivm_vmx_count_cpus(u32 *nr_online, u32 *nr_on, u32 *nr_foreign)
{
	atomic_t n[2] = { ATOMIC_INIT(0), ATOMIC_INIT(0) };

	cpus_read_lock();
	mutex_lock(&minivm_vmx_lock);
	on_each_cpu(count_ipi, n, 1);
	*nr_online = num_online_cpus();
	mutex_unlock(&minivm_vmx_lock);
	cpus_read_unlock();
	*nr_on = atomic_read(&n[0]);
	*nr_foreign = atomic_read(&n[1]);
}

/*
 * CPU hotplug.  These callbacks run on the CPU coming up or going down, with
 * the hotplug lock held by the task driving the change, so minivm_vmx_get()
 * and minivm_vmx_put() (which hold cpus_read_lock()) cannot run meanwhile.
 * A CPU that cannot enter VMX operation while VMs exist is not let online.
 */
static int minivm_cpu_online(unsigned int cpu)
{
	unsigned long flags;
	int ret = 0;

	mutex_lock(&minivm_vmx_lock);
	if (minivm_users && !minivm_rebooting) {
		local_irq_save(flags);
		ret = vmx_on_this_cpu();
		local_irq_restore(flags);
	}
	mutex_unlock(&minivm_vmx_lock);
	return ret;
}

static int minivm_cpu_offline(unsigned int cpu)
{
	unsigned long flags;

	mutex_lock(&minivm_vmx_lock);
	local_irq_save(flags);
	vmx_off_this_cpu();
	local_irq_restore(flags);
	mutex_unlock(&minivm_vmx_lock);
	return 0;
}

/*
 * Reboot, power-off and kexec: leave VMX on every CPU before the machine is
 * reset or the next kernel starts, and refuse new VMs from then on.
 */
static int minivm_reboot(struct notifier_block *nb, unsigned long code,
			 void *unused)
{
	mutex_lock(&minivm_vmx_lock);
	minivm_rebooting = true;
	on_each_cpu(vmx_off_ipi, NULL, 1);
	mutex_unlock(&minivm_vmx_lock);
	return NOTIFY_OK;
}

static struct notifier_block minivm_reboot_nb = {
	.notifier_call = minivm_reboot,
};

/*
 * Suspend and resume run on the last CPU left, interrupts off, all tasks
 * frozen: nothing else can change minivm_users, so no lock is needed (and a
 * mutex could not be taken here).  Other CPUs went through hotplug.
 */
static int minivm_suspend(void)
{
	if (minivm_users)
		vmx_off_this_cpu();
	return 0;
}

static void minivm_resume(void)
{
	if (minivm_users && vmx_on_this_cpu())
		pr_err("CPU %d: VMX could not be re-enabled after resume\n",
		       smp_processor_id());
}

static struct syscore_ops minivm_syscore_ops = {
	.suspend = minivm_suspend,
	.resume = minivm_resume,
};

static void free_vmxon_regions(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct minivm_cpu *c = per_cpu_ptr(&minivm_cpu, cpu);

		if (c->vmxon_region)
			free_page((unsigned long)c->vmxon_region);
		c->vmxon_region = NULL;
	}
}

/* One zeroed page per possible CPU, stamped with the revision id. */
static int alloc_vmxon_regions(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct minivm_cpu *c = per_cpu_ptr(&minivm_cpu, cpu);
		struct page *page;

		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_ZERO, 0);
		if (!page) {
			free_vmxon_regions();
			return -ENOMEM;
		}
		c->vmxon_region = page_address(page);
		*(u32 *)c->vmxon_region = minivm_caps.vmcs_revision_id;
	}
	return 0;
}

/**
 * minivm_vmx_cpu_init() - get ready to turn VMX on, without doing it yet.
 *
 * Return: 0 or a negative errno.
 */
int minivm_vmx_cpu_init(void)
{
	int ret;

	ret = alloc_vmxon_regions();
	if (ret)
		return ret;
	/* _nocalls: with no VM yet there is nothing to do on any CPU now. */
	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "minivm:online",
					minivm_cpu_online, minivm_cpu_offline);
	if (ret < 0) {
		free_vmxon_regions();
		return ret;
	}
	minivm_hp_state = ret;
	register_reboot_notifier(&minivm_reboot_nb);
	register_syscore_ops(&minivm_syscore_ops);
	return 0;
}

/** minivm_vmx_cpu_exit() - undo minivm_vmx_cpu_init(); no VM may exist. */
void minivm_vmx_cpu_exit(void)
{
	unregister_syscore_ops(&minivm_syscore_ops);
	unregister_reboot_notifier(&minivm_reboot_nb);
	cpuhp_remove_state_nocalls(minivm_hp_state);
	free_vmxon_regions();
}

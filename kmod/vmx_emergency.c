// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_emergency.c - leaving VMX when the kernel crashes or must reset now.
 *
 * An orderly reboot or kexec goes through the reboot notifier in vmx_cpu.c.  A
 * panic, a kdump or an emergency reboot does not: the kernel stops every CPU
 * with an NMI and calls the one registered "emergency virtualization" callback
 * on each (cpu_emergency_disable_virtualization() in
 * arch/x86/kernel/reboot.c).  That callback must leave VMX: INIT is blocked in
 * VMX root operation (SDM Vol. 3C, "Restrictions on VMX Operation"), so a CPU
 * left there could not be started by the kdump kernel.
 *
 * The kernel has a single slot for that callback, and kvm_intel fills it as
 * soon as it is loaded; registering a second one is a WARN.  kvm_intel's
 * callback turns VMX off on every CPU that has CR4.VMXE set, whoever set it,
 * so while kvm_intel is loaded it covers minivm too.  minivm therefore fills
 * the slot whenever kvm_intel is absent, and a module notifier makes it step
 * aside before kvm_intel's init runs and step back in once kvm_intel is
 * gone.  The callback does nothing on a CPU without CR4.VMXE, so it can stay
 * registered while minivm has no VM; unregistering waits for an RCU grace
 * period, which is too slow to pay on every last VM's close.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/string.h>
#include <asm/pgtable.h>
#include <asm/reboot.h>
#include <asm/virtext.h>

#include "minivm.h"

static DEFINE_MUTEX(minivm_emergency_lock);
static bool minivm_loaded;		/* between init and exit */
static bool kvm_intel_present;		/* kvm_intel owns the slot */
static bool minivm_registered;		/* minivm owns the slot */

/*
 * NMI context on a CPU being stopped: no locks.  Write back the VMCSs
 * active here (a kdump vmcore then has their real contents, as with
 * kvm_intel), then leave VMX.
 */
static void minivm_emergency_disable(void)
{
	if (minivm_vmx_on_here())
		minivm_vmcs_writeback_all_here();
	__cpu_emergency_vmxoff();
}

/* Fill or empty the slot to match the state; minivm_emergency_lock held. */
static void update_registration(void)
{
	bool want = minivm_loaded && !kvm_intel_present;

	if (want == minivm_registered)
		return;
	if (want)
		cpu_emergency_register_virt_callback(minivm_emergency_disable);
	else
		cpu_emergency_unregister_virt_callback(minivm_emergency_disable);
	minivm_registered = want;
}

static bool is_kvm_intel(struct module *mod)
{
	return !strcmp(mod->name, "kvm_intel");
}

/*
 * MODULE_STATE_COMING is announced before the module's init runs, and
 * MODULE_STATE_GOING after its exit (or its failed init) has run.
 */
static int minivm_module_event(struct notifier_block *nb, unsigned long event,
			       void *data)
{
	if (!is_kvm_intel(data))
		return NOTIFY_DONE;
	if (event != MODULE_STATE_COMING && event != MODULE_STATE_GOING)
		return NOTIFY_DONE;

	mutex_lock(&minivm_emergency_lock);
	kvm_intel_present = event == MODULE_STATE_COMING;
	update_registration();
	mutex_unlock(&minivm_emergency_lock);
	return NOTIFY_OK;
}

static struct notifier_block minivm_module_nb = {
	.notifier_call = minivm_module_event,
};

/*
 * Was kvm_intel loaded before minivm?  The notifier only reports changes, so
 * look once at the list of modules, which minivm is itself on.  The list's
 * head is not a module: it is the one entry outside the module area.
 */
static bool kvm_intel_loaded(void)
{
	struct module *mod;
	bool found = false;

	rcu_read_lock();
	list_for_each_entry_rcu(mod, &THIS_MODULE->list, list) {
		unsigned long addr = (unsigned long)mod;

		/* Not a module, but the list head: do not look inside. */
		if (addr < MODULES_VADDR || addr >= MODULES_END)
			continue;
		if (is_kvm_intel(mod) && (mod->state == MODULE_STATE_LIVE ||
					  mod->state == MODULE_STATE_COMING)) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/**
 * minivm_emergency_init() - take the slot unless kvm_intel has it, and
 * follow kvm_intel's comings and goings.
 *
 * Return: 0 or a negative errno.
 */
int minivm_emergency_init(void)
{
	int ret = register_module_notifier(&minivm_module_nb);

	if (ret)
		return ret;
	mutex_lock(&minivm_emergency_lock);
	kvm_intel_present = kvm_intel_loaded();
	minivm_loaded = true;
	update_registration();
	mutex_unlock(&minivm_emergency_lock);
	return 0;
}

/** minivm_emergency_exit() - give the slot back and stop following. */
void minivm_emergency_exit(void)
{
	unregister_module_notifier(&minivm_module_nb);
	mutex_lock(&minivm_emergency_lock);
	minivm_loaded = false;
	update_registration();
	mutex_unlock(&minivm_emergency_lock);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - minivm's tracepoints: what a VM exit costs, and where it goes.
 *
 *   minivm_entry           the vCPU is about to enter the guest (RIP)
 *   minivm_inject          this entry delivers an event (the VM-entry
 *                          interruption-information field: vector, type,
 *                          error code); or, type VIRTUAL_INTR, the CPU
 *                          will deliver this vector itself (lapic_virt.c)
 *   minivm_exit            an exit, once handled: basic reason, exit
 *                          qualification, the guest's RIP at the exit,
 *                          whether the kernel handled it (1: the guest goes
 *                          on without userspace), and the handler's time
 *   minivm_userspace_exit  MINIVM_RUN returns: the run page's exit_reason
 *                          and the ioctl's return value
 *
 * They are ordinary TRACE_EVENTs in the "minivm" system: trace-cmd record
 * -e minivm, perf record -e 'minivm:*', or tracefs by hand.  `minivm stat`
 * (user/stat.c) turns a trace into counts and times per exit reason, as
 * "perf kvm stat" does for KVM's kvm_exit and kvm_entry.  run.c emits
 * them; reading the VMCS for them happens only while they are enabled.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM minivm

#if !defined(MINIVM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define MINIVM_TRACE_H

#include <linux/tracepoint.h>
#include <asm/vmx.h>
#include <linux/minivm.h>

TRACE_EVENT(minivm_entry,
	    TP_PROTO(unsigned int vcpu_id, unsigned long rip),
	    TP_ARGS(vcpu_id, rip),
	    TP_STRUCT__entry(__field(unsigned int, vcpu_id)
			     __field(unsigned long, rip)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->rip = rip;),
	    TP_printk("vcpu %u rip 0x%lx", __entry->vcpu_id, __entry->rip)
);

/*
 * A vector virtual-interrupt delivery will deliver (lapic_virt.c): type 1,
 * which the interruption-information field does not use ("Format of the
 * VM-Entry Interruption-Information Field").
 */
#define MINIVM_TRACE_VIRTUAL_INTR	BIT(8)

TRACE_EVENT(minivm_inject,
	    TP_PROTO(unsigned int vcpu_id, u32 info, u32 error_code),
	    TP_ARGS(vcpu_id, info, error_code),
	    TP_STRUCT__entry(__field(unsigned int, vcpu_id)
			     __field(u32, info)
			     __field(u32, error_code)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->info = info;
			   __entry->error_code = error_code;),
	    TP_printk("vcpu %u vector 0x%x type %s error_code 0x%x",
		      __entry->vcpu_id, __entry->info & INTR_INFO_VECTOR_MASK,
		      __print_symbolic(__entry->info & INTR_INFO_INTR_TYPE_MASK,
				       { INTR_TYPE_EXT_INTR, "EXT_INTR" },
				       { MINIVM_TRACE_VIRTUAL_INTR, "VIRTUAL_INTR" },
				       { INTR_TYPE_NMI_INTR, "NMI" },
				       { INTR_TYPE_HARD_EXCEPTION, "HARD_EXCEPTION" },
				       { INTR_TYPE_SOFT_INTR, "SOFT_INTR" },
				       { INTR_TYPE_PRIV_SW_EXCEPTION, "PRIV_SW_EXCEPTION" },
				       { INTR_TYPE_SOFT_EXCEPTION, "SOFT_EXCEPTION" }),
		      __entry->error_code)
);

TRACE_EVENT(minivm_exit,
	    TP_PROTO(unsigned int vcpu_id, u32 reason, unsigned long qual,
		     unsigned long rip, bool handled, u64 handler_ns),
	    TP_ARGS(vcpu_id, reason, qual, rip, handled, handler_ns),
	    TP_STRUCT__entry(__field(unsigned int, vcpu_id)
			     __field(u32, reason)
			     __field(unsigned long, qual)
			     __field(unsigned long, rip)
			     __field(bool, handled)
			     __field(u64, handler_ns)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->reason = reason;
			   __entry->qual = qual;
			   __entry->rip = rip;
			   __entry->handled = handled;
			   __entry->handler_ns = handler_ns;),
	    TP_printk("vcpu %u reason %s qual 0x%lx rip 0x%lx handled %d handler_ns %llu",
		      __entry->vcpu_id,
		      __print_symbolic(__entry->reason & 0xffff, VMX_EXIT_REASONS),
		      __entry->qual, __entry->rip, __entry->handled,
		      __entry->handler_ns)
);

TRACE_EVENT(minivm_userspace_exit,
	    TP_PROTO(unsigned int vcpu_id, u32 exit_reason, int ret),
	    TP_ARGS(vcpu_id, exit_reason, ret),
	    TP_STRUCT__entry(__field(unsigned int, vcpu_id)
			     __field(u32, exit_reason)
			     __field(int, ret)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->exit_reason = exit_reason;
			   __entry->ret = ret;),
	    TP_printk("vcpu %u reason %s ret %d", __entry->vcpu_id,
		      __print_symbolic(__entry->exit_reason,
				       { MINIVM_EXIT_UNKNOWN, "UNKNOWN" },
				       { MINIVM_EXIT_HLT, "HLT" },
				       { MINIVM_EXIT_IO, "IO" },
				       { MINIVM_EXIT_MMIO, "MMIO" },
				       { MINIVM_EXIT_SHUTDOWN, "SHUTDOWN" },
				       { MINIVM_EXIT_FAIL_ENTRY, "FAIL_ENTRY" },
				       { MINIVM_EXIT_INTERNAL_ERROR, "INTERNAL_ERROR" },
				       { MINIVM_EXIT_INTR, "INTR" },
				       { MINIVM_EXIT_HYPERCALL, "HYPERCALL" },
				       { MINIVM_EXIT_BUDGET, "BUDGET" },
				       { MINIVM_EXIT_IRQ_WINDOW_OPEN, "IRQ_WINDOW_OPEN" },
				       { MINIVM_EXIT_EOI, "EOI" }),
		      __entry->ret)
);

#endif /* MINIVM_TRACE_H */

/* Out of tree: this directory, not include/trace/events. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>

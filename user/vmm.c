// SPDX-License-Identifier: GPL-2.0
/*
 * vmm.c - the launcher's VMM: make the VM, run it, serve its exits.
 *
 * This is the classic loop of a userspace VMM: MINIVM_RUN, look at
 * run->exit_reason, do what the guest asked (write a byte, answer a port,
 * emulate a device register), repeat.  Everything the kernel hands back is
 * handled here, or in diagnose.c, which finishes what emulate.c can and
 * ends the run with a diagnosis in words otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

static const struct vmm_device *const devices[] = {
	&dev_debugcon, &dev_uart, &dev_exit, &dev_pic_master, &dev_pic_slave,
	&dev_elcr, &dev_pit, &dev_port61, &dev_kbd_reset, &dev_cf9_reset,
	&dev_port92_reset, &dev_rtc, &dev_testdev_echo, &dev_testdev_flush,
	&dev_testdev_irq, &dev_fwcfg,
};

/* The MMIO devices: each says whether an access was its own. */
static bool (*const mmio_devices[])(struct vmm *v, uint64_t addr, uint32_t len,
				    bool write, uint8_t *data) = {
	dev_mmio_access, ioapic_mmio, testdev_mmio,
};

/*
 * Set by SIGALRM (--timeout) and SIGINT; RUN sees immediate_exit.  The
 * PIT's timer signal only sets immediate_exit: RUN returns, and the loop
 * looks at the devices before it enters again.
 */
static volatile sig_atomic_t got_alarm, got_sigint;
static struct minivm_run *volatile running;

static void on_signal(int sig)
{
	if (sig == SIGALRM)
		got_alarm = 1;
	else if (sig == SIGINT)
		got_sigint = 1;
	if (running)
		running->immediate_exit = 1;
}

/* Guest RAM: anonymous memory of --mem bytes, touched only when used. */
int vmm_alloc_memory(struct vmm *v)
{
	v->mem_size = v->opt.mem_size;
	v->mem = mmap(NULL, v->mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->mem == MAP_FAILED) {
		fprintf(stderr, "minivm: cannot allocate %llu MiB of guest memory: %s\n",
			(unsigned long long)v->mem_size >> 20, strerror(errno));
		v->mem = NULL;
		return -1;
	}
	return 0;
}

/* --lapic: the vCPU gets a local APIC in the kernel. */
static int create_lapic(struct vmm *v)
{
	int ret = minivm_create_lapic(v->vm);

	if (ret)
		fprintf(stderr, "minivm: --lapic: %s\n", ret == -ENOTTY || ret == -EOPNOTSUPP ?
			"this minivm module has no local APICs (MINIVM_CAP_LAPIC)" : strerror(-ret));
	return ret;
}

/*
 * What a PC's firmware leaves in the local APIC ("virtual wire" mode, in
 * Intel's MultiProcessor Specification): LINT0 takes the PIC's interrupt
 * as ExtINT, LINT1 is the NMI line.  A guest that never touches its APIC
 * then gets the PIC's interrupts as without one.
 */
static int virtual_wire(struct vmm *v)
{
	struct minivm_lapic_state s;
	uint32_t lint0 = 0x700, lint1 = 0x400;	/* ExtINT; NMI */
	int ret = minivm_get_lapic(&v->cpu, &s);

	if (!ret) {
		memcpy(&s.regs[0x350], &lint0, 4);
		memcpy(&s.regs[0x360], &lint1, 4);
		ret = minivm_set_lapic(&v->cpu, &s);
	}
	if (ret)
		fprintf(stderr, "minivm: --lapic: cannot set up LINT0/LINT1: %s\n",
			strerror(-ret));
	return ret;
}

/*
 * --lapic gives the machine what goes with local APICs on a PC: an
 * IOAPIC, and the MP table that describes both.
 */
static int apic_machine(struct vmm *v)
{
	if (virtual_wire(v))
		return -1;
	ioapic_attach(v->vm, v->opt.trace);
	vmm_write_mptable(v);
	return 0;
}

/* The VM, its memory slot and its vCPU. */
int vmm_create(struct vmm *v)
{
	int ret;

	minivm_use_hypervisor(v->opt.kvm ? MINIVM_HV_KVM : MINIVM_HV_MINIVM);
	v->dev = minivm_open_device();
	if (v->dev < 0) {
		if (v->opt.kvm)
			fprintf(stderr, "minivm: --hypervisor kvm: cannot open /dev/kvm: %s (is kvm_intel loaded?)\n",
				strerror(-v->dev));
		else
			fprintf(stderr, "minivm: %s\n", minivm_open_error(v->dev));
		return -1;
	}
	v->vm = minivm_create_vm(v->dev);
	if (v->vm < 0) {
		fprintf(stderr, "minivm: cannot create a VM: %s%s\n", strerror(-v->vm),
			v->vm == -EBUSY ? " (another hypervisor, e.g. KVM, holds VMX now)" : "");
		return -1;
	}
	ret = minivm_set_memory(v->vm, 0, 0, v->mem_size, v->mem, 0);
	if (ret) {
		fprintf(stderr, "minivm: cannot give the guest %llu MiB: %s\n",
			(unsigned long long)v->mem_size >> 20, strerror(-ret));
		return -1;
	}
	if (v->opt.lapic && create_lapic(v))
		return -1;
	ret = minivm_create_vcpu(v->dev, v->vm, 0, &v->cpu);
	if (ret) {
		fprintf(stderr, "minivm: cannot create a vCPU: %s\n", strerror(-ret));
		return -1;
	}
	return v->opt.lapic ? apic_machine(v) : 0;
}

void vmm_destroy(struct vmm *v)
{
	minivm_destroy_vcpu(&v->cpu);
	if (v->vm >= 0)
		close(v->vm);
	if (v->dev >= 0)
		close(v->dev);
	if (v->mem)
		munmap(v->mem, v->mem_size);
}

static const struct vmm_device *find_device(uint16_t port)
{
	size_t i;

	for (i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (port >= devices[i]->port &&
		    port < devices[i]->port + devices[i]->nports)
			return devices[i];
	return NULL;
}

static void unknown_port(struct vmm *v, uint16_t port, bool in)
{
	char what[64];

	snprintf(what, sizeof(what), "%s port %#x", in ? "IN from" : "OUT to", port);
	if (v->opt.strict) {
		vmm_stop(v, VMM_EXIT_INTERNAL, "--strict: the guest used %s, which no device serves", what);
		return;
	}
	if (!(v->warned[port / 8] & (1 << (port % 8))))
		fprintf(stderr, "minivm: warning: %s: no device there (%s)\n",
			what, in ? "reads return all ones" : "ignored");
	v->warned[port / 8] |= 1 << (port % 8);
}

/**
 * vmm_port_io() - one IN or OUT of @size bytes at @port, by the devices.
 * @v: the VMM.  @port, @size, @in: the access.  @data: its bytes.
 *
 * MINIVM_EXIT_IO comes here, and so do the INS and OUTS emulate.c does.
 */
void vmm_port_io(struct vmm *v, uint16_t port, unsigned int size, bool in,
		 uint8_t *data)
{
	const struct vmm_device *d = find_device(port);
	uint32_t val = 0;

	if (!d) {
		unknown_port(v, port, in);
		if (in)
			memset(data, 0xff, size);
	} else if (in) {
		val = d->in(v, port, size);
		memcpy(data, &val, size);
	} else {
		memcpy(&val, data, size);
		d->out(v, port, size, val);
	}
}

static void handle_io(struct vmm *v)
{
	struct minivm_run *run = v->cpu.run;
	bool in = run->io.direction == MINIVM_EXIT_IO_IN;
	uint8_t *data = minivm_io_data(run);
	uint32_t i;

	for (i = 0; i < run->io.count && !v->stop; i++, data += run->io.size)
		vmm_port_io(v, run->io.port, run->io.size, in, data);
}

/*
 * An address no device decodes: on a PC's bus a read finds all ones and
 * a write goes nowhere.  Guests rely on it (kvm-unit-tests' apic test
 * reads the disabled APIC's page and expects ~0), so the launcher does
 * the same, with one warning per page (for the first few pages), unless
 * --strict asks it to stop.
 */
static void unknown_mmio(struct vmm *v, uint64_t addr, uint32_t len,
			 bool write, uint8_t *data)
{
	uint64_t page = addr >> 12;
	unsigned int i;

	if (v->opt.strict) {
		char what[64];

		snprintf(what, sizeof(what), "MMIO %s of %u bytes at %#llx",
			 write ? "write" : "read", len, (unsigned long long)addr);
		vmm_stop(v, VMM_EXIT_INTERNAL, "--strict: %s, where no device is", what);
		return;
	}
	if (!write)
		memset(data, 0xff, len);
	for (i = 0; i < v->n_warned_mmio; i++)
		if (v->warned_mmio[i] == page)
			return;
	if (i == sizeof(v->warned_mmio) / sizeof(v->warned_mmio[0]))
		return;
	v->warned_mmio[v->n_warned_mmio++] = page;
	fprintf(stderr, "minivm: warning: MMIO %s at %#llx: no device there (%s)\n",
		write ? "write" : "read", (unsigned long long)addr,
		write ? "ignored" : "reads return all ones");
}

/**
 * vmm_mmio() - serve an MMIO access with the launcher's devices.
 * @v: the VMM.  @addr, @len (1 to 8), @write, @data: the access.
 *
 * MINIVM_EXIT_MMIO comes here, and so do the accesses of the
 * instructions emulate.c finishes.
 */
void vmm_mmio(struct vmm *v, uint64_t addr, uint32_t len, bool write,
	      uint8_t *data)
{
	size_t i;

	for (i = 0; i < sizeof(mmio_devices) / sizeof(mmio_devices[0]); i++)
		if (mmio_devices[i](v, addr, len, write, data))
			return;
	unknown_mmio(v, addr, len, write, data);
}

static void handle_mmio(struct vmm *v)
{
	struct minivm_run *run = v->cpu.run;

	vmm_mmio(v, run->mmio.phys_addr, run->mmio.len, run->mmio.is_write,
		 run->mmio.data);
}

/*
 * The launcher's hypercalls (api.rst): write guest memory to stdout, and
 * exit with a status as isa-debug-exit does.  Others return -ENOSYS.
 */
static void handle_hypercall(struct vmm *v)
{
	struct minivm_run *run = v->cpu.run;
	uint64_t addr = run->hypercall.args[0], len = run->hypercall.args[1];

	switch (run->hypercall.nr) {
	case MINIVM_HC_CONSOLE_WRITE:
		if (addr > v->mem_size || len > v->mem_size - addr) {
			run->hypercall.ret = -MINIVM_HC_EFAULT;
			break;
		}
		fwrite(v->mem + addr, 1, len, stdout);
		fflush(stdout);
		run->hypercall.ret = len;
		break;
	case MINIVM_HC_EXIT:
		v->status = ((run->hypercall.args[0] << 1) | 1) & 0xff;
		v->stop = true;
		break;
	default:
		fprintf(stderr, "minivm: warning: unknown hypercall %#llx\n",
			(unsigned long long)run->hypercall.nr);
		run->hypercall.ret = -MINIVM_HC_ENOSYS;
	}
}

static void trace_exit(struct vmm *v)
{
	struct minivm_run *run = v->cpu.run;
	struct minivm_regs r = { 0 };

	minivm_get_regs(&v->cpu, &r);
	fprintf(stderr, "trace: %-8s rip=%#llx", minivm_exit_name(run->exit_reason),
		(unsigned long long)r.rip);
	if (run->exit_reason == MINIVM_EXIT_IO)
		fprintf(stderr, " %s port=%#x size=%u count=%u",
			run->io.direction == MINIVM_EXIT_IO_IN ? "in" : "out",
			run->io.port, run->io.size, run->io.count);
	else if (run->exit_reason == MINIVM_EXIT_HYPERCALL)
		fprintf(stderr, " nr=%#llx args=%#llx,%#llx,%#llx,%#llx",
			run->hypercall.nr, run->hypercall.args[0],
			run->hypercall.args[1], run->hypercall.args[2],
			run->hypercall.args[3]);
	else if (run->exit_reason == MINIVM_EXIT_MMIO)
		fprintf(stderr, " %s addr=%#llx len=%u",
			run->mmio.is_write ? "write" : "read",
			(unsigned long long)run->mmio.phys_addr, run->mmio.len);
	fputc('\n', stderr);
}

/*
 * A halted guest with interrupts on waits for the next timer tick or for
 * input the UART would interrupt for: HLT then ends in the interrupt's
 * handler, as on a PC.  With interrupts off, or nothing that could wake
 * it, HLT ends the run.
 */
static bool wait_for_interrupt(struct vmm *v)
{
	uint64_t ns = pit_next_ns();
	struct pollfd in = { .fd = STDIN_FILENO, .events = POLLIN };
	bool input = uart_can_interrupt();

	if (!v->cpu.run->if_flag || (!ns && !input && !pic_pending()))
		return false;
	if (pic_pending())
		return true;
	/* Until the next tick or input; a signal may end it early. */
	poll(input ? &in : NULL, input, ns ? (int)(ns / 1000000) + 1 : -1);
	return true;
}

/*
 * The CPU's side of the PIC: if the master signals an interrupt and the
 * guest can take it now, acknowledge it and hand its vector to the
 * kernel; if it cannot, ask RUN to return when it can.
 */
static void deliver_interrupts(struct vmm *v)
{
	struct minivm_run *run = v->cpu.run;
	int vector;

	pit_poll();
	uart_poll();
	run->request_interrupt_window = pic_pending();
	if (!pic_pending() || !run->ready_for_interrupt_injection)
		return;
	vector = pic_ack();
	if (minivm_interrupt(&v->cpu, vector) == 0)
		run->ready_for_interrupt_injection = 0;	/* until RUN says */
	if (v->opt.trace)
		fprintf(stderr, "trace: inject vector %#x\n", vector);
	run->request_interrupt_window = pic_pending();
}

static void handle_exit(struct vmm *v)
{
	struct minivm_run *run = v->cpu.run;

	switch (run->exit_reason) {
	case MINIVM_EXIT_IO:
		handle_io(v);
		break;
	case MINIVM_EXIT_MMIO:
		handle_mmio(v);
		break;
	case MINIVM_EXIT_HYPERCALL:
		handle_hypercall(v);
		break;
	case MINIVM_EXIT_HLT:
		if (wait_for_interrupt(v))
			break;
		if (v->opt.regs)
			vmm_dump_regs(v, stdout);
		v->status = VMM_EXIT_HALT;
		v->stop = true;
		break;
	case MINIVM_EXIT_IRQ_WINDOW_OPEN:
		break;			/* deliver_interrupts() does the rest */
	case MINIVM_EXIT_EOI:
		ioapic_eoi(run->eoi.vector);
		break;
	case MINIVM_EXIT_SHUTDOWN:
		vmm_stop(v, VMM_EXIT_SHUTDOWN, "%s", "the guest triple-faulted (shutdown): an exception it could not handle");
		break;
	case MINIVM_EXIT_FAIL_ENTRY:
		vmm_handle_fail_entry(v);
		break;
	case MINIVM_EXIT_INTERNAL_ERROR:
		vmm_handle_internal(v);
		break;
	default:
		vmm_stop(v, VMM_EXIT_INTERNAL, "unknown exit reason %s", minivm_exit_name(run->exit_reason));
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* --stats: the exits by reason, and the time from the first RUN on. */
static void print_stats(struct vmm *v, double ms)
{
	uint32_t i;

	fprintf(stderr, "run: %.3f ms on %s\n", ms, v->opt.kvm ? "kvm" : "minivm");
	fprintf(stderr, "exits:\n");
	for (i = 0; i <= MINIVM_EXIT_MAX; i++)
		if (v->exits[i])
			fprintf(stderr, "  %-24s %llu\n", minivm_exit_name(i),
				(unsigned long long)v->exits[i]);
	if (v->emulated)
		fprintf(stderr, "  %-24s %llu\n", "(emulated by the launcher)",
			(unsigned long long)v->emulated);
}

/* --timeout: SIGALRM after @ms milliseconds of wall time (0 disarms). */
static void arm_timeout(unsigned int ms)
{
	struct itimerval it = {
		.it_value = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 },
	};

	setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * On KVM with local APICs in the kernel a guest halted with interrupts off
 * never makes KVM_RUN return: a tick every 20 ms interrupts it, so that
 * vmm_run() can ask minivm_halted_for_good() (libminivm's kvm.c).
 */
static void start_halt_tick(void)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_SIGNAL, .sigev_signo = VMM_TIMER_SIGNAL,
	};
	struct itimerspec its = {
		.it_value = { .tv_nsec = 20000000 },
		.it_interval = { .tv_nsec = 20000000 },
	};
	timer_t t;

	if (!timer_create(CLOCK_MONOTONIC, &sev, &t))
		timer_settime(t, 0, &its, NULL);
}

/*
 * SIGINT and SIGALRM (--timeout) are caught from the start, even while
 * the VM is being set up; once the vCPU runs, the handler also sets
 * immediate_exit so that a signal arriving just before MINIVM_RUN is not
 * lost.  The loop checks the flags before every RUN for the same reason.
 */
void vmm_catch_signals(struct vmm *v)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(VMM_TIMER_SIGNAL, &sa, NULL);
	if (v->opt.timeout_ms)
		arm_timeout(v->opt.timeout_ms);
	/*
	 * With --lapic, a halted guest sleeps in the kernel, not in poll():
	 * input must interrupt MINIVM_RUN itself, as the PIT's timer does.
	 * SIGIO says stdin has something to read.
	 */
	if (v->opt.kvm && v->opt.lapic)
		start_halt_tick();
	if (v->opt.lapic) {
		sigaction(SIGIO, &sa, NULL);
		if (fcntl(STDIN_FILENO, F_SETOWN, getpid()) == 0)
			fcntl(STDIN_FILENO, F_SETFL,
			      fcntl(STDIN_FILENO, F_GETFL) | O_ASYNC);
	}
}

/* A signal of ours arrived (or RUN returned EINTR for someone else's). */
static void interrupted(struct vmm *v)
{
	v->cpu.run->immediate_exit = 0;
	if (got_alarm) {
		fprintf(stderr, "minivm: --timeout: the guest ran for %g s without stopping\n",
			v->opt.timeout_ms / 1000.0);
		vmm_dump_regs(v, stderr);
		v->status = VMM_EXIT_TIMEOUT;
		v->stop = true;
	} else if (got_sigint) {
		fprintf(stderr, "minivm: interrupted\n");
		vmm_dump_regs(v, stderr);
		v->status = VMM_EXIT_SIGINT;
		v->stop = true;
	}
}

/**
 * vmm_run() - set the start state and run until the guest stops.
 * Return: the exit status (see vmm.h).
 */
int vmm_run(struct vmm *v)
{
	struct minivm_regs r;
	int ret;
	double start;

	ret = minivm_setup_mode(&v->cpu, v->mode, v->mem, v->mem_size,
				VMM_TABLES, v->entry, v->stack);
	if (!ret && !(ret = minivm_get_regs(&v->cpu, &r))) {
		r.rax = v->rax;
		r.rbx = v->rbx;
		r.rsi = v->rsi;
		ret = minivm_set_regs(&v->cpu, &r);
	}
	if (ret) {
		fprintf(stderr, "minivm: cannot set up the vCPU: %s\n", strerror(-ret));
		return VMM_EXIT_SETUP;
	}
	running = v->cpu.run;
	if (v->opt.trace && !v->opt.kvm)
		ktrace_open();
	start = now_ms();
	while (!v->stop) {
		if (got_alarm || got_sigint) {
			interrupted(v);
			continue;
		}
		deliver_interrupts(v);
		ret = minivm_run(&v->cpu);
		if (ret == -EINTR && minivm_halted_for_good(&v->cpu)) {
			/* KVM halted it in its kernel: minivm's HLT exit. */
			v->cpu.run->exit_reason = MINIVM_EXIT_HLT;
			ret = 0;
		} else if (ret == -EINTR) {
			interrupted(v);
			continue;
		}
		if (ret) {
			fprintf(stderr, "minivm: MINIVM_RUN: %s\n", strerror(-ret));
			v->status = VMM_EXIT_INTERNAL;
			break;
		}
		if (v->cpu.run->exit_reason <= MINIVM_EXIT_MAX)
			v->exits[v->cpu.run->exit_reason]++;
		if (v->opt.trace) {
			ktrace_print();	/* what the kernel did first */
			trace_exit(v);
		}
		handle_exit(v);
	}
	ktrace_close();
	/*
	 * The PIT's timer may still be armed: from here on its signal must
	 * not touch the run page, which vmm_destroy() is about to unmap.
	 */
	running = NULL;
	arm_timeout(0);
	if (v->opt.lapic)	/* stdin is shared: leave it as it was */
		fcntl(STDIN_FILENO, F_SETFL,
		      fcntl(STDIN_FILENO, F_GETFL) & ~O_ASYNC);
	if (v->opt.stats)
		print_stats(v, now_ms() - start);
	return v->status;
}

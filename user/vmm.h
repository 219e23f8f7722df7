/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmm.h - the minivm launcher's pieces: one VM, one vCPU, its memory, its
 * devices and its options.  minivm.c parses the command line, loader.c
 * puts the image into guest memory, vmm.c runs the guest and dev_*.c serve
 * its ports and MMIO.
 */
#ifndef MINIVM_VMM_H
#define MINIVM_VMM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/libminivm.h"

/*
 * Exit statuses (documented in minivm.1).  Odd statuses belong to the
 * guest: isa-debug-exit makes (code << 1) | 1, as QEMU does.
 */
enum {
	VMM_EXIT_HALT = 0,		/* the guest executed HLT */
	VMM_EXIT_USAGE = 2,		/* bad command line */
	VMM_EXIT_SETUP = 4,		/* bad image, no /dev/minivm, no memory */
	VMM_EXIT_SHUTDOWN = 6,		/* the guest triple-faulted */
	VMM_EXIT_ENTRY = 8,		/* VM entry failed */
	VMM_EXIT_INTERNAL = 10,		/* minivm or the launcher gave up */
	VMM_EXIT_RESET = 12,		/* the guest reset the machine (64h, CF9h, 92h) */
	VMM_EXIT_TIMEOUT = 124,		/* --timeout expired */
	VMM_EXIT_SIGINT = 130,		/* Ctrl-C */
};

enum image_format { FMT_AUTO, FMT_FLAT, FMT_ELF, FMT_MULTIBOOT, FMT_LINUX };

/* Where the launcher keeps its own structures in guest memory. */
#define VMM_TABLES	0x80000ULL	/* GDT and page tables, 64 KiB */
#define VMM_MBI		0x90000ULL	/* multiboot information, 4 KiB */
#define VMM_LOW_END	0xa0000ULL	/* end of conventional memory */

#define VMM_MAX_MODULES	8		/* --module, multiboot only */

struct vmm_options {
	enum image_format format;
	enum minivm_mode mode;
	uint64_t load, entry, stack, mem_size;
	bool load_set, entry_set, stack_set;
	const char *cmdline;		/* multiboot or Linux (--append) */
	const char *initrd;		/* Linux only */
	const char *modules[VMM_MAX_MODULES];	/* multiboot: FILE[,STRING] */
	unsigned int nmodules;
	bool kernel;			/* --kernel: a bzImage or a PVH vmlinux */
	bool trace, stats, strict, regs;
	bool lapic;			/* --lapic: MINIVM_CREATE_LAPIC */
	bool kvm;			/* --hypervisor kvm: libminivm over /dev/kvm */
	unsigned int timeout_ms;	/* --timeout, 0 if none */
	const char *image;
};

struct vmm {
	struct vmm_options opt;
	int dev, vm;
	struct minivm_vcpu cpu;
	uint8_t *mem;
	uint64_t mem_size;
	/* what the guest is to start with */
	enum minivm_mode mode;
	uint64_t entry, stack, rax, rbx, rsi;
	uint64_t image_end;		/* the end of the highest ELF segment */
	/* run state */
	bool stop;
	int status;
	uint64_t exits[MINIVM_EXIT_MAX + 1];
	uint64_t emulated;		/* instructions emulate.c finished */
	uint8_t warned[65536 / 8];	/* ports already warned about */
	uint64_t warned_mmio[8];	/* pages likewise (the first few) */
	unsigned int n_warned_mmio;
};

/* parse.c: 0/true on success */
bool parse_size(const char *s, uint64_t *out);
bool parse_seconds(const char *s, unsigned int *ms);
bool parse_addr(const char *s, uint64_t *out);
int parse_format(const char *s, enum image_format *f);
int parse_mode(const char *s, enum minivm_mode *m);

/* loader.c */
int vmm_load_image(struct vmm *v);
const char *vmm_format_name(enum image_format f);
int vmm_read_file(const char *path, uint64_t max, uint8_t **data, size_t *len);

/* load_pvh.c: a vmlinux's PVH entry */
bool vmm_pvh_entry(const uint8_t *img, size_t len, uint32_t *entry);
int vmm_start_pvh(struct vmm *v, uint32_t entry, uint64_t kernel_end);

/* stat.c: minivm stat */
int vmm_stat(const char *path);

/*
 * The guest's memory map, which every boot protocol passes in its own
 * format (multiboot, E820, PVH): RAM below 9FC00h, the EBDA and the BIOS
 * area reserved, RAM from 1 MiB to --mem.  Types as E820's: 1 RAM, 2
 * reserved (multiboot and PVH number them alike).
 */
struct vmm_mem_range {
	uint64_t addr, len;
	uint32_t type;
};

#define VMM_MEM_RANGES	4
void vmm_memory_map(const struct vmm *v, struct vmm_mem_range map[VMM_MEM_RANGES]);

/* load_multiboot.c: the information and modules of a multiboot kernel */
int vmm_start_multiboot(struct vmm *v);

/* load_linux.c: the x86 boot protocol */
extern const char vmm_linux_cmdline[];
bool vmm_is_linux(const uint8_t *img, size_t len);
int vmm_load_linux(struct vmm *v, const uint8_t *img, size_t len);

/* vmm.c */
void vmm_catch_signals(struct vmm *v);
int vmm_alloc_memory(struct vmm *v);
int vmm_create(struct vmm *v);
int vmm_run(struct vmm *v);

/* diagnose.c: a run that went wrong, in words */
void vmm_dump_regs(struct vmm *v, FILE *out);
void vmm_stop(struct vmm *v, int status, const char *fmt, const char *what);
void vmm_handle_internal(struct vmm *v);
void vmm_handle_fail_entry(struct vmm *v);
void vmm_destroy(struct vmm *v);

/* devices: port I/O and MMIO served in userspace */
struct vmm_device {
	const char *name;
	uint16_t port, nports;
	void (*out)(struct vmm *v, uint16_t port, uint8_t size, uint32_t val);
	uint32_t (*in)(struct vmm *v, uint16_t port, uint8_t size);
};

extern const struct vmm_device dev_debugcon, dev_uart, dev_exit;

/* dev_reset.c: the PC's two reset buttons a guest can press */
extern const struct vmm_device dev_kbd_reset, dev_cf9_reset, dev_port92_reset;

/* dev_rtc.c: the MC146818 clock and CMOS memory at 70h/71h */
extern const struct vmm_device dev_rtc;

/*
 * dev_pic.c: the 8259A pair.  Devices raise and lower IRQ lines; vmm.c
 * acknowledges what the master signals and injects its vector.
 */
extern const struct vmm_device dev_pic_master, dev_pic_slave, dev_elcr;
void pic_set_irq(int irq, int level);		/* devices use vmm_set_irq() */
bool pic_pending(void);
int pic_ack(void);

/*
 * dev_pit.c: the 8254 timer on IRQ 0.  Its host timer sends
 * VMM_TIMER_SIGNAL, which makes MINIVM_RUN return (vmm.c).
 */
#define VMM_TIMER_SIGNAL	(SIGRTMIN)

/* dev_uart.c: the 16550's interrupts on IRQ 4. */
void uart_poll(void);
bool uart_can_interrupt(void);
extern const struct vmm_device dev_pit, dev_port61;
void pit_poll(void);
uint64_t pit_next_ns(void);

#define VMM_MMIO_BASE	0xfeb00000ULL	/* the scratch register device */
#define VMM_MMIO_SIZE	0x1000ULL
void vmm_mmio(struct vmm *v, uint64_t addr, uint32_t len, bool write,
	      uint8_t *data);
bool dev_mmio_access(struct vmm *v, uint64_t addr, uint32_t len,
		     bool write, uint8_t *data);
bool vmm_mmio_ram(uint8_t *mem, uint64_t base, uint64_t size, uint64_t addr,
		  uint32_t len, bool write, uint8_t *data);

/*
 * emulate.c: MMIO instructions the kernel does not decode, and string
 * I/O to or from MMIO (an unexpected exit of this reason, "I/O
 * instruction"; @insn NULL: it fetches the instruction itself)
 */
#define VMM_EXIT_REASON_IO	30
bool vmm_emulate(struct vmm *v, const uint8_t *insn, char *why, size_t len);
void vmm_port_io(struct vmm *v, uint16_t port, unsigned int size, bool in,
		 uint8_t *data);

/* paging.c: the guest's page tables, walked for emulate.c */
#define VMM_PF_P	1U	/* #PF error code: a protection violation */
#define VMM_PF_W	2U	/* by a write */
#define VMM_PF_U	4U	/* at CPL 3 */
bool vmm_translate(struct vmm *v, const struct minivm_sregs *s, uint64_t la,
		   bool write, uint64_t *pa, const char **why, int *pf_code);

/* irq.c: which controllers each interrupt line reaches */
void vmm_set_irq(int irq, int level);

/* dev_ioapic.c: the IOAPIC, with --lapic */
#define VMM_IOAPIC_BASE	0xfec00000ULL
void ioapic_attach(int vm, bool trace);

/* ktrace.c: with --trace, what the kernel delivers without returning. */
bool ktrace_open(void);
void ktrace_print(void);
void ktrace_close(void);
void ioapic_set_irq(int pin, int level);
void ioapic_eoi(int vector);
bool ioapic_mmio(struct vmm *v, uint64_t addr, uint32_t len, bool write,
		 uint8_t *data);

/* mptable.c: the MP table that describes the machine, with --lapic */
void vmm_write_mptable(struct vmm *v);

/* dev_fwcfg.c: QEMU's fw_cfg, the machine's size for QEMU's guests */
extern const struct vmm_device dev_fwcfg;

/* dev_testdev.c: QEMU's pc-testdev */
#define VMM_TESTDEV_MMIO	0xff000000ULL
#define VMM_TESTDEV_MMIO_SIZE	0x10000ULL
extern const struct vmm_device dev_testdev_echo, dev_testdev_flush, dev_testdev_irq;
bool testdev_mmio(struct vmm *v, uint64_t addr, uint32_t len, bool write,
		  uint8_t *data);

#endif /* MINIVM_VMM_H */

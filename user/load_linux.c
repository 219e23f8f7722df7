// SPDX-License-Identifier: GPL-2.0
/*
 * load_linux.c - starting a Linux bzImage: the x86 boot protocol.
 *
 * A bzImage is two programs in one file (Documentation/x86/boot.rst, "The
 * Linux/x86 Boot Protocol"): the real-mode setup code, which asks the BIOS
 * for the memory map and switches to protected mode, and the protected-
 * mode kernel, which decompresses vmlinux and runs it.  minivm has no
 * BIOS, so it does what the setup code would have done and starts the
 * protected-mode kernel itself:
 *
 *   1. check the setup header at 1F1h ("HdrS" at 202h) and what the kernel
 *      asks of its loader: the protocol version, where it wants to be
 *      loaded (pref_address, or 1 MiB for a kernel that cannot move) and
 *      how much memory it needs there before it can look at the memory
 *      map (init_size);
 *   2. copy the protected-mode kernel, at file offset (setup_sects + 1) *
 *      512, to its load address, and the initrd to the top of memory
 *      (below initrd_addr_max);
 *   3. fill the "zero page", struct boot_params, at 90000h: a copy of the
 *      setup header, then the loader's answers (type_of_loader, the
 *      command line at 91000h, the initrd, and the E820 memory map: RAM
 *      below 9FC00h and from 1 MiB on, vmm_memory_map() in loader.c, the
 *      same map multiboot and PVH guests get);
 *   4. enter it.  A kernel that says XLF_KERNEL_64 (every x86-64 kernel
 *      since 3.8) is entered at its load address + 200h in long mode with
 *      the launcher's identity map of 4 GiB ("64-bit BOOT PROTOCOL"), any
 *      other at code32_start in flat 32-bit protected mode without paging
 *      ("32-bit BOOT PROTOCOL").  Either way RSI points to the zero page;
 *      Linux loads its own GDT at once, so the launcher's selectors (08h,
 *      10h, 18h) do not need to be the protocol's __BOOT_CS/__BOOT_DS.
 *
 * What Linux finds on this machine is the subject of launcher.rst
 * ("Booting Linux"); every check that fails below says what is wrong, and
 * the launcher exits with status 4.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

/* Offsets in the setup header and the zero page (boot.rst, bootparam.h). */
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define HDR_SETUP_SECTS		0x1f1
#define HDR_SYSSIZE		0x1f4
#define HDR_VID_MODE		0x1fa
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP		0x200
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_CODE32_START	0x214
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_RELOCATABLE		0x234
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260
#define BP_E820_TABLE		0x2d0

#define LOADED_HIGH		0x01	/* loadflags: a bzImage */
#define XLF_KERNEL_64		0x01	/* xloadflags: 64-bit entry at +200h */
#define MIN_VERSION		0x20a	/* 2.10: pref_address and init_size */

#define ZERO_PAGE		VMM_MBI
#define CMDLINE			(VMM_MBI + 0x1000)
#define CMDLINE_MAX		0x1000
#define LOW_LOAD		0x100000ULL	/* where a fixed kernel goes */

/*
 * The command line when --append is not given: what this machine needs
 * (each option is explained in launcher.rst, "Booting Linux").
 */
const char vmm_linux_cmdline[] =
	"console=ttyS0 earlyprintk=serial acpi=off pci=off mce=off "
	"tsc=reliable 8250.nr_uarts=1 reboot=k panic=-1";

static uint16_t get16(const uint8_t *p, unsigned int off)
{
	uint16_t x;

	memcpy(&x, p + off, sizeof(x));
	return x;
}

static uint32_t get32(const uint8_t *p, unsigned int off)
{
	uint32_t x;

	memcpy(&x, p + off, sizeof(x));
	return x;
}

static uint64_t get64(const uint8_t *p, unsigned int off)
{
	uint64_t x;

	memcpy(&x, p + off, sizeof(x));
	return x;
}

static void put32(uint8_t *p, unsigned int off, uint32_t x)
{
	memcpy(p + off, &x, sizeof(x));
}

static int __attribute__((format(printf, 2, 3)))
fail(const char *file, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "minivm: %s: ", file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static unsigned long long mib(uint64_t bytes)
{
	return (bytes + (1 << 20) - 1) >> 20;
}

/* Is this the start of a bzImage (or an older zImage)? */
bool vmm_is_linux(const uint8_t *img, size_t len)
{
	return len > HDR_MAGIC + 4 && !memcmp(img + HDR_MAGIC, "HdrS", 4) &&
	       get16(img, HDR_BOOT_FLAG) == 0xaa55;
}

/* One E820 entry: 8-byte address, 8-byte length, 4-byte type. */
static void e820(uint8_t *zp, unsigned int i, uint64_t addr, uint64_t len,
		 uint32_t type)
{
	/* LAB 3 begin */
	uint8_t *e = zp + BP_E820_TABLE + i * 20;

	memcpy(e, &addr, 8);
	memcpy(e + 8, &len, 8);
	memcpy(e + 16, &type, 4);
	zp[BP_E820_ENTRIES] = i + 1;
	/* LAB 3 end */
}

/*
 * Step 1: the header's promises and wishes, checked against the file and
 * the memory.  Sets the load address and the end of what the kernel needs.
 */
static int check_header(struct vmm *v, const uint8_t *img, size_t len,
			uint64_t *load, uint64_t *need)
{
	const char *f = v->opt.image;
	unsigned int version = get16(img, HDR_VERSION);
	unsigned int sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
	uint64_t setup = (sects + 1) * 512ULL;
	uint64_t prot = (uint64_t)get32(img, HDR_SYSSIZE) * 16;
	uint64_t init = get32(img, HDR_INIT_SIZE);

	if (version < MIN_VERSION)
		return fail(f, "boot protocol %u.%02u is too old: minivm needs 2.10 or later (Linux 2.6.31 and newer)",
			    version >> 8, version & 0xff);
	if (!(img[HDR_LOADFLAGS] & LOADED_HIGH))
		return fail(f, "a zImage (loaded below 1 MiB): minivm starts bzImages only");
	if (setup + prot > len)
		return fail(f, "truncated: the setup header promises %llu bytes, the file has %zu",
			    (unsigned long long)(setup + prot), len);
	/*
	 * A relocatable kernel goes where it prefers (a 64-bit one
	 * decompresses itself there); one that cannot move runs at 1 MiB.
	 */
	*load = img[HDR_RELOCATABLE] ? get64(img, HDR_PREF_ADDRESS) : LOW_LOAD;
	if (*load < LOW_LOAD || *load % 4096)
		return fail(f, "the kernel asks to be loaded at %#llx, below 1 MiB or not page-aligned",
			    (unsigned long long)*load);
	*need = *load + (init > prot ? init : prot);
	if (*need > v->mem_size)
		return fail(f, "the kernel needs guest memory up to %llu MiB (its load address plus init_size); --mem gives %llu MiB",
			    mib(*need), mib(v->mem_size));
	return 0;
}

/*
 * Step 2 for the initrd: as high as the kernel allows (initrd_addr_max)
 * and the memory goes, page-aligned, above everything the kernel needs.
 */
static int load_initrd(struct vmm *v, const uint8_t *img, uint64_t need)
{
	const char *f = v->opt.initrd;
	uint8_t *zp = v->mem + ZERO_PAGE;
	uint64_t top = (uint64_t)get32(img, HDR_INITRD_ADDR_MAX) + 1;
	uint64_t addr;
	uint8_t *data;
	size_t len;

	if (vmm_read_file(f, v->mem_size, &data, &len))
		return -1;
	if (top > v->mem_size)
		top = v->mem_size;
	addr = (top - (len < top ? len : top)) & ~0xfffULL;
	if (len > top || addr < need) {
		free(data);
		return fail(f, "the initrd (%llu MiB) does not fit between the kernel (up to %llu MiB) and %llu MiB; give more --mem",
			    mib(len), mib(need), mib(top));
	}
	memcpy(v->mem + addr, data, len);
	free(data);
	put32(zp, HDR_RAMDISK_IMAGE, addr);
	put32(zp, HDR_RAMDISK_SIZE, len);
	put32(zp, BP_EXT_RAMDISK_IMAGE, addr >> 32);
	put32(zp, BP_EXT_RAMDISK_SIZE, (uint64_t)len >> 32);
	return 0;
}

/* Step 3: the zero page, the command line and the memory map. */
static int write_zero_page(struct vmm *v, const uint8_t *img, uint64_t load)
{
	uint8_t *zp = v->mem + ZERO_PAGE;
	const char *cmdline = v->opt.cmdline ? v->opt.cmdline : vmm_linux_cmdline;
	size_t max = get32(img, HDR_CMDLINE_SIZE);
	size_t hdr_end = HDR_JUMP + 2 + img[HDR_JUMP + 1];
	struct vmm_mem_range map[VMM_MEM_RANGES];
	unsigned int i;

	if (strlen(cmdline) > max || strlen(cmdline) >= CMDLINE_MAX)
		return fail(v->opt.image, "the command line has %zu bytes; this kernel takes at most %zu",
			    strlen(cmdline), max < CMDLINE_MAX ? max : CMDLINE_MAX - 1);
	memset(zp, 0, 0x1000);
	memcpy(zp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
	zp[HDR_TYPE_OF_LOADER] = 0xff;		/* "undefined" loader */
	put32(zp, HDR_CODE32_START, load);
	zp[HDR_VID_MODE] = zp[HDR_VID_MODE + 1] = 0xff;	/* "normal" */
	strcpy((char *)v->mem + CMDLINE, cmdline);
	put32(zp, HDR_CMD_LINE_PTR, CMDLINE);
	put32(zp, BP_EXT_CMD_LINE_PTR, 0);
	vmm_memory_map(v, map);
	for (i = 0; i < VMM_MEM_RANGES; i++)
		e820(zp, i, map[i].addr, map[i].len, map[i].type);
	return 0;
}

/**
 * vmm_load_linux() - load a bzImage (and --initrd) and set up its entry.
 * Return: 0, or -1 after a message.
 */
int vmm_load_linux(struct vmm *v, const uint8_t *img, size_t len)
{
	unsigned int sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
	uint64_t setup = (sects + 1) * 512ULL, load = 0, need = 0;

	if (len < 0x300 || !vmm_is_linux(img, len))
		return fail(v->opt.image, "not a Linux bzImage (no \"HdrS\" setup header at 202h)");
	if (check_header(v, img, len, &load, &need) ||
	    write_zero_page(v, img, load) ||
	    (v->opt.initrd && load_initrd(v, img, need)))
		return -1;
	memcpy(v->mem + load, img + setup, (uint64_t)get32(img, HDR_SYSSIZE) * 16);
	if (get16(img, HDR_XLOADFLAGS) & XLF_KERNEL_64) {
		v->mode = MINIVM_MODE_LONG;
		v->entry = load + 0x200;
	} else {
		v->mode = MINIVM_MODE_PROTECTED;
		v->entry = load;
	}
	v->rsi = ZERO_PAGE;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the launcher's pure parts: argument values
 * (user/parse.c), the image loaders (user/loader.c) and the page tables
 * libminivm builds (user/lib/modes.c).  No VMX needed; TAP output.
 *
 * The hello guests built in user/guests/ serve as real ELF images.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../user/vmm.h"
#include "tap.h"

#define GUESTS "user/guests/"

static void test_parse(void)
{
	uint64_t v = 0;
	unsigned int ms = 0;
	enum image_format f;
	enum minivm_mode m;

	check(parse_size("16M", &v) && v == 16 << 20, "16M is 16 MiB");
	check(parse_size("4k", &v) && v == 4096, "4k is 4096");
	check(parse_size("1G", &v) && v == 1ULL << 30, "1G is 1 GiB");
	check(parse_size("0x1000", &v) && v == 4096, "sizes take hex");
	check(!parse_size("3X", &v), "3X is refused");
	check(!parse_size("", &v) && !parse_size("M", &v), "empty is refused");
	check(!parse_size("-1M", &v), "negative is refused");
	check(!parse_size("99999999999999G", &v), "overflow is refused");
	check(parse_seconds("2", &ms) && ms == 2000, "2 s is 2000 ms");
	check(parse_seconds("0.25", &ms) && ms == 250 &&
	      parse_seconds(".5", &ms) && ms == 500, "seconds take decimals");
	check(parse_seconds("86400", &ms) && ms == 86400000 &&
	      !parse_seconds("86400.001", &ms), "at most a day");
	check(!parse_seconds("0", &ms) && !parse_seconds("0.0001", &ms) &&
	      !parse_seconds("", &ms) && !parse_seconds(".", &ms),
	      "nothing, zero and less than a millisecond are refused");
	check(!parse_seconds("-1", &ms) && !parse_seconds("1e3", &ms) &&
	      !parse_seconds("1.2.3", &ms) && !parse_seconds("99999999999999999999", &ms),
	      "signs, exponents, two dots and overflow are refused");
	check(parse_addr("0x7c00", &v) && v == 0x7c00, "addresses in hex");
	check(!parse_addr("0x7c00z", &v), "trailing junk is refused");
	check(parse_format("coff", &f) < 0 && parse_format("elf", &f) == 0 &&
	      f == FMT_ELF, "formats by name");
	check(parse_mode("long", &m) == 0 && m == MINIVM_MODE_LONG &&
	      parse_mode("warp", &m) < 0, "modes by name");
}

/* A VMM with memory but no VM: what the loader needs. */
static struct vmm *vmm_with(uint64_t mem_size, const char *image,
			    enum minivm_mode mode)
{
	static struct vmm v;

	free(v.mem);
	memset(&v, 0, sizeof(v));
	v.opt.mem_size = v.mem_size = mem_size;
	v.opt.mode = mode;
	v.opt.image = image;
	v.mem = calloc(1, mem_size);
	return &v;
}

/*
 * Each image the loader is given lives in its own file under /tmp,
 * removed at exit, so that no run of the unit tests leaves one behind.
 */
static char tmp_paths[16][32];
static unsigned int tmp_count;

static void remove_tmpfiles(void)
{
	while (tmp_count)
		unlink(tmp_paths[--tmp_count]);
}

static const char *tmpfile_with(const void *data, size_t len)
{
	char *path;
	ssize_t n;
	int fd;

	if (tmp_count == 16)
		return NULL;
	path = tmp_paths[tmp_count];
	strcpy(path, "/tmp/minivm-unit-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	if (!tmp_count)
		atexit(remove_tmpfiles);
	tmp_count++;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? path : NULL;
}

static void test_loader(void)
{
	static const uint8_t hlt[] = { 0xf4 };
	struct vmm *v;
	const char *f;

	f = tmpfile_with(hlt, 1);
	v = vmm_with(2 << 20, f, MINIVM_MODE_REAL);
	check(!vmm_load_image(v) && v->mem[0x7c00] == 0xf4 && v->entry == 0x7c00 &&
	      v->mode == MINIVM_MODE_REAL, "flat, real mode: at 7C00h");
	v = vmm_with(2 << 20, f, MINIVM_MODE_LONG);
	check(!vmm_load_image(v) && v->mem[0x100000] == 0xf4 &&
	      v->mode == MINIVM_MODE_LONG, "flat, long mode: at 1 MiB");
	v = vmm_with(2 << 20, f, MINIVM_MODE_LONG);
	v->opt.load = 0x80800;
	v->opt.load_set = true;
	check(vmm_load_image(v) < 0, "flat over the page tables is refused");
	v = vmm_with(2 << 20, f, MINIVM_MODE_REAL);
	v->opt.load = (2 << 20);
	v->opt.load_set = true;
	check(vmm_load_image(v) < 0, "flat past the end of memory is refused");

	f = tmpfile_with("", 0);
	check(vmm_load_image(vmm_with(2 << 20, f, 0)) < 0, "an empty image is refused");

	v = vmm_with(4 << 20, GUESTS "hello64.elf", 0);
	check(!vmm_load_image(v) && v->mode == MINIVM_MODE_LONG &&
	      v->entry == 0x100000 && v->mem[0x100000] != 0,
	      "ELF64: long mode, e_entry, segment at its address");
	v = vmm_with(4 << 20, GUESTS "hello32.elf", 0);
	check(!vmm_load_image(v) && v->mode == MINIVM_MODE_PROTECTED,
	      "ELF32: protected mode");
	v = vmm_with(1 << 20, GUESTS "hello64.elf", 0);
	check(vmm_load_image(v) < 0, "ELF segments outside memory are refused");
	{
		/* hello64.elf with its first segment moved onto the tables */
		static uint8_t elf[16384];
		FILE *in = fopen(GUESTS "hello64.elf", "rb");
		size_t n = in ? fread(elf, 1, sizeof(elf), in) : 0;
		Elf64_Ehdr *eh = (Elf64_Ehdr *)elf;
		Elf64_Phdr *ph = (Elf64_Phdr *)(elf + eh->e_phoff);

		if (in)
			fclose(in);
		ph[0].p_paddr = VMM_TABLES + 0x1000;
		f = tmpfile_with(elf, n);
		check(vmm_load_image(vmm_with(4 << 20, f, 0)) < 0,
		      "an ELF segment over the page tables is refused");
	}

	v = vmm_with(16 << 20, GUESTS "multiboot.elf", 0);
	v->opt.cmdline = "a=b";
	check(!vmm_load_image(v) && v->rax == 0x2badb002 && v->rbx == VMM_MBI,
	      "multiboot: detected, EAX magic, EBX info");
	check(*(uint32_t *)(v->mem + VMM_MBI + 4) == 640 &&
	      *(uint32_t *)(v->mem + VMM_MBI + 8) == 15360 &&
	      !strcmp((char *)v->mem + *(uint32_t *)(v->mem + VMM_MBI + 16), "a=b"),
	      "multiboot: mem_lower, mem_upper, cmdline");

	{
		uint8_t buf[200];
		FILE *in = fopen(GUESTS "hello64.elf", "rb");
		size_t n = in ? fread(buf, 1, sizeof(buf), in) : 0;

		if (in)
			fclose(in);
		f = tmpfile_with(buf, n);
		check(vmm_load_image(vmm_with(4 << 20, f, 0)) < 0,
		      "a truncated ELF is refused");
		buf[EI_CLASS] = 7;
		f = tmpfile_with(buf, n);
		check(vmm_load_image(vmm_with(4 << 20, f, 0)) < 0,
		      "an unknown ELF class is refused");
	}
}

static void test_tables(void)
{
	uint8_t *mem = calloc(1, 2 << 20);
	uint64_t *pml4 = (uint64_t *)(mem + 0x81000);
	uint64_t *pdpt = (uint64_t *)(mem + 0x82000);
	uint64_t *pd = (uint64_t *)(mem + 0x83000);
	uint32_t *pd32 = (uint32_t *)(mem + 0x81000);
	uint64_t *gdt = (uint64_t *)(mem + 0x80000);

	check(minivm_write_tables(mem, 2 << 20, MINIVM_MODE_LONG, 0x80000) == 0,
	      "long-mode tables are written");
	check(gdt[0] == 0 && gdt[3] == 0x00af9b000000ffffULL,
	      "GDT: null and a 64-bit code segment at 18h");
	check(pml4[0] == (0x82000 | 3) && pdpt[3] == (0x86000 | 3),
	      "PML4 -> PDPT -> four page directories");
	check(pd[0] == 0x83 && pd[1] == (0x200000 | 0x83) &&
	      pd[2047] == ((2047ULL << 21) | 0x83),
	      "2 MiB pages identity-map 4 GiB");
	memset(mem, 0, 2 << 20);
	check(minivm_write_tables(mem, 2 << 20, MINIVM_MODE_PAGED, 0x80000) == 0 &&
	      pd32[0] == 0x83 && pd32[1023] == ((1023U << 22) | 0x83),
	      "paged: 4 MiB pages identity-map 4 GiB");
	check(minivm_write_tables(mem, 2 << 20, MINIVM_MODE_LONG, 0x80800) < 0 &&
	      minivm_write_tables(mem, 0x88000, MINIVM_MODE_LONG, 0x80000) < 0,
	      "unaligned or too-small table areas are refused");
	free(mem);
}

/* The x86 boot protocol (user/load_linux.c), on the bzprobe kernels. */
static void test_linux(void)
{
	const char *initrd = tmpfile_with("0123456789", 10);
	struct vmm *v = vmm_with(16 << 20, GUESTS "bzprobe64.bz", 0);
	uint8_t *zp = v->mem + VMM_MBI;
	static uint8_t bz[4096];
	FILE *in;
	size_t n;

	v->opt.cmdline = "root=/dev/null";
	v->opt.initrd = initrd;
	check(!vmm_load_image(v) && v->mode == MINIVM_MODE_LONG &&
	      v->entry == 0x100200 && v->rsi == VMM_MBI,
	      "bzImage with XLF_KERNEL_64: long mode at load + 200h, RSI = zero page");
	check(!memcmp(zp + 0x202, "HdrS", 4) && zp[0x210] == 0xff &&
	      !strcmp((char *)v->mem + *(uint32_t *)(zp + 0x228), "root=/dev/null"),
	      "zero page: the header copied, type_of_loader FFh, the command line");
	check(*(uint32_t *)(zp + 0x218) == 0xfff000 && *(uint32_t *)(zp + 0x21c) == 10 &&
	      !memcmp(v->mem + 0xfff000, "0123456789", 10),
	      "initrd: page-aligned at the top of memory, its size");
	check(zp[0x1e8] == 4 && *(uint64_t *)(zp + 0x2d0 + 3 * 20) == 0x100000 &&
	      *(uint64_t *)(zp + 0x2d0 + 3 * 20 + 8) == (15 << 20),
	      "E820: four entries, RAM from 1 MiB to the end");

	v = vmm_with(16 << 20, GUESTS "bzprobe32.bz", 0);
	check(!vmm_load_image(v) && v->mode == MINIVM_MODE_PROTECTED &&
	      v->entry == 0x100000 && v->mem[0x100000] == 0xbc /* mov $stack_top, %esp */,
	      "bzImage without XLF_KERNEL_64: protected mode at 1 MiB");

	in = fopen(GUESTS "bzprobe64.bz", "rb");
	n = in ? fread(bz, 1, sizeof(bz), in) : 0;
	if (in)
		fclose(in);
	bz[0x206] = 0x09;			/* protocol 2.09 */
	check(vmm_load_image(vmm_with(16 << 20, tmpfile_with(bz, n), 0)) < 0,
	      "a boot protocol older than 2.10 is refused");
	bz[0x206] = 0x0f;
	check(vmm_load_image(vmm_with(16 << 20, tmpfile_with(bz, n - 100), 0)) < 0,
	      "a truncated bzImage is refused");
	check(vmm_load_image(vmm_with(2 << 20, tmpfile_with(bz, n), 0)) == 0 &&
	      vmm_load_image(vmm_with((2 << 20) - 4096, tmpfile_with(bz, n), 0)) < 0,
	      "init_size must fit: 2 MiB does, 2 MiB - 4 KiB does not");
	v = vmm_with(16 << 20, GUESTS "hello64.elf", 0);
	v->opt.initrd = initrd;
	check(vmm_load_image(v) < 0, "--initrd with an ELF image is refused");

	/* PVH (user/load_pvh.c): the note's entry, EBX = hvm_start_info. */
	v = vmm_with(16 << 20, GUESTS "pvhprobe.elf", 0);
	v->opt.initrd = initrd;
	v->opt.cmdline = "pvh=1";
	check(!vmm_load_image(v) && v->mode == MINIVM_MODE_PROTECTED &&
	      v->entry == 0x100005 && v->rbx == VMM_MBI,
	      "PVH: protected mode at the note's entry, EBX = start info");
	check(*(uint32_t *)(v->mem + VMM_MBI) == 0x336ec578 &&
	      *(uint32_t *)(v->mem + VMM_MBI + 4) == 1 &&
	      *(uint32_t *)(v->mem + VMM_MBI + 12) == 1 &&
	      !strcmp((char *)v->mem + *(uint64_t *)(v->mem + VMM_MBI + 24), "pvh=1"),
	      "PVH: magic, version 1, one module, the command line");
	check(*(uint64_t *)(v->mem + *(uint64_t *)(v->mem + VMM_MBI + 16)) == 0xfff000 &&
	      !memcmp(v->mem + 0xfff000, "0123456789", 10),
	      "PVH: the initrd as module 0 at the top of memory");
	v = vmm_with(16 << 20, GUESTS "hello64.elf", 0);
	v->opt.kernel = true;
	check(vmm_load_image(v) < 0, "--kernel with an ELF that has no PVH note is refused");
}

int main(void)
{
	printf("TAP version 13\n");
	test_parse();
	test_loader();
	test_linux();
	test_tables();
	return tap_done();
}

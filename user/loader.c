// SPDX-License-Identifier: GPL-2.0
/*
 * loader.c - putting a guest image into guest memory.
 *
 * Four formats, told apart by their first bytes:
 *
 *   flat       raw bytes, loaded at --load and entered at --entry, in the
 *              --mode the user chose;
 *   ELF        32- or 64-bit, each PT_LOAD segment at its physical address,
 *              entered at e_entry in protected (ELF32) or long (ELF64) mode,
 *              or, for a vmlinux with a PVH entry note, at that entry
 *              with the start information of load_pvh.c;
 *   multiboot  an ELF32 with a multiboot v1 header in its first 8 KiB:
 *              entered in 32-bit protected mode with EAX = 2BADB002h and
 *              EBX pointing to the information structure (memory sizes,
 *              command line, memory map, modules) of load_multiboot.c;
 *   linux      a bzImage ("HdrS" at 202h), started through the x86 boot
 *              protocol by load_linux.c.
 *
 * Every check that fails says what is wrong with the image, in words.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"

#define MB_MAGIC	0x1badb002U	/* in the image's header */
#define MB_SEARCH	8192

const char *vmm_format_name(enum image_format f)
{
	static const char * const names[] = { "auto", "flat", "ELF", "multiboot", "linux" };

	return names[f];
}

static int fail(struct vmm *v, const char *fmt, const char *what)
{
	fprintf(stderr, "minivm: %s: ", v->opt.image);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	return -1;
}

/* Does [addr, addr + len) fit in guest RAM, clear of the launcher's own? */
static const char *check_range(struct vmm *v, uint64_t addr, uint64_t len,
			       bool avoid_tables)
{
	if (addr > v->mem_size || len > v->mem_size - addr)
		return "does not fit in guest memory (see --mem)";
	if (avoid_tables && addr < VMM_MBI + 0x1000 &&
	    addr + len > VMM_TABLES)
		return "overlaps the launcher's page tables at 0x80000-0x90fff";
	return NULL;
}

/* A multiboot header in the first 8 KiB, 4-byte aligned, checksum 0? */
static bool has_multiboot_header(const uint8_t *img, size_t len)
{
	size_t off;

	for (off = 0; off + 12 <= len && off < MB_SEARCH; off += 4) {
		uint32_t h[3], sum;

		memcpy(h, img + off, sizeof(h));
		sum = h[0] + h[1] + h[2];	/* magic + flags + checksum */
		if (h[0] == MB_MAGIC && sum == 0)
			return true;
	}
	return false;
}

static enum image_format detect(const uint8_t *img, size_t len)
{
	if (vmm_is_linux(img, len))
		return FMT_LINUX;
	if (len >= SELFMAG && !memcmp(img, ELFMAG, SELFMAG))
		return img[EI_CLASS] == ELFCLASS32 &&
		       has_multiboot_header(img, len) ? FMT_MULTIBOOT : FMT_ELF;
	return FMT_FLAT;
}

static int load_flat(struct vmm *v, const uint8_t *img, size_t len)
{
	bool real = v->opt.mode == MINIVM_MODE_REAL;
	uint64_t load = v->opt.load_set ? v->opt.load : (real ? 0x7c00 : 0x100000);
	const char *why = check_range(v, load, len, !real);

	if (why)
		return fail(v, "the image %s", why);
	memcpy(v->mem + load, img, len);
	v->mode = v->opt.mode;
	v->entry = v->opt.entry_set ? v->opt.entry : load;
	return 0;
}

/* One program header of either class, as 64-bit values. */
struct seg {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

static bool get_seg(const uint8_t *img, size_t len, bool is64, unsigned int i,
		    uint64_t phoff, struct seg *s)
{
	if (is64) {
		Elf64_Phdr p;

		if (phoff + (i + 1) * sizeof(p) > len)
			return false;
		memcpy(&p, img + phoff + i * sizeof(p), sizeof(p));
		*s = (struct seg){ p.p_type, p.p_offset, p.p_paddr, p.p_filesz, p.p_memsz };
	} else {
		Elf32_Phdr p;

		if (phoff + (i + 1) * sizeof(p) > len)
			return false;
		memcpy(&p, img + phoff + i * sizeof(p), sizeof(p));
		*s = (struct seg){ p.p_type, p.p_offset, p.p_paddr, p.p_filesz, p.p_memsz };
	}
	return true;
}

static int load_elf(struct vmm *v, const uint8_t *img, size_t len)
{
	bool is64 = img[EI_CLASS] == ELFCLASS64;
	uint64_t phoff, entry;
	unsigned int phnum, machine, i, loaded = 0;
	const char *why;
	struct seg s;

	if (len < (is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return fail(v, "%s", "truncated ELF header");
	if (img[EI_CLASS] != ELFCLASS32 && img[EI_CLASS] != ELFCLASS64)
		return fail(v, "%s", "unknown ELF class");
	if (img[EI_DATA] != ELFDATA2LSB)
		return fail(v, "%s", "not a little-endian ELF");
	if (is64) {
		const Elf64_Ehdr *e = (const void *)img;

		phoff = e->e_phoff, phnum = e->e_phnum;
		machine = e->e_machine, entry = e->e_entry;
	} else {
		const Elf32_Ehdr *e = (const void *)img;

		phoff = e->e_phoff, phnum = e->e_phnum;
		machine = e->e_machine, entry = e->e_entry;
	}
	if (machine != (is64 ? EM_X86_64 : EM_386))
		return fail(v, "%s", "not an x86 ELF (e_machine)");
	for (i = 0; i < phnum; i++) {
		if (!get_seg(img, len, is64, i, phoff, &s))
			return fail(v, "%s", "truncated ELF: program headers past the end");
		if (s.type != PT_LOAD)
			continue;
		if (s.filesz > s.memsz || s.offset > len || s.filesz > len - s.offset)
			return fail(v, "%s", "truncated ELF: a segment's data is past the end");
		why = check_range(v, s.paddr, s.memsz, true);
		if (why)
			return fail(v, "a segment %s", why);
		/* LAB 2 begin */
		memcpy(v->mem + s.paddr, img + s.offset, s.filesz);
		memset(v->mem + s.paddr + s.filesz, 0, s.memsz - s.filesz);
		/* LAB 2 end */
		if (s.paddr + s.memsz > v->image_end)
			v->image_end = s.paddr + s.memsz;
		loaded++;
	}
	if (!loaded)
		return fail(v, "%s", "the ELF has no loadable segment");
	v->mode = is64 ? MINIVM_MODE_LONG : MINIVM_MODE_PROTECTED;
	v->entry = v->opt.entry_set ? v->opt.entry : entry;
	return 0;
}

/**
 * vmm_memory_map() - the guest's memory map (vmm.h), for every loader.
 * @v: the VMM; its --mem gives the end of RAM.
 * @map: filled with VMM_MEM_RANGES ranges.
 */
void vmm_memory_map(const struct vmm *v, struct vmm_mem_range map[VMM_MEM_RANGES])
{
	map[0] = (struct vmm_mem_range){ 0, 0x9fc00, 1 };
	map[1] = (struct vmm_mem_range){ 0x9fc00, 0x400, 2 };	/* EBDA */
	map[2] = (struct vmm_mem_range){ 0xf0000, 0x10000, 2 };	/* BIOS */
	map[3] = (struct vmm_mem_range){ 0x100000, v->mem_size - 0x100000, 1 };
}

/**
 * vmm_read_file() - read a whole regular file of at most @max bytes.
 * Return: 0, or -1 after a message naming @path.
 */
int vmm_read_file(const char *path, uint64_t max, uint8_t **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	const char *why = NULL;
	struct stat st;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "minivm: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size == 0)
		why = "the file is empty";
	else if ((uint64_t)st.st_size > max)
		why = "larger than guest memory (see --mem)";
	if (why) {
		close(fd);
		fprintf(stderr, "minivm: %s: %s\n", path, why);
		return -1;
	}
	*len = st.st_size;
	*data = malloc(*len);
	n = *data ? read(fd, *data, *len) : -1;
	close(fd);
	if (n != (ssize_t)*len) {
		free(*data);
		fprintf(stderr, "minivm: %s: cannot read it\n", path);
		return -1;
	}
	return 0;
}

/**
 * vmm_load_image() - read --image, detect or obey --format, load it.
 * Return: 0, or -1 after a message.
 */
int vmm_load_image(struct vmm *v)
{
	enum image_format fmt;
	uint32_t pvh_entry = 0;
	uint8_t *img;
	size_t len;
	bool pvh;
	int ret;

	if (vmm_read_file(v->opt.image, v->mem_size, &img, &len))
		return -1;
	fmt = v->opt.format == FMT_AUTO ? detect(img, len) : v->opt.format;
	pvh = fmt == FMT_ELF && vmm_pvh_entry(img, len, &pvh_entry);
	if (v->opt.nmodules && fmt != FMT_MULTIBOOT) {
		free(img);
		return fail(v, "%s", "--module needs a multiboot kernel; this image is not one");
	}
	if ((v->opt.initrd || v->opt.kernel) && fmt != FMT_LINUX && !pvh) {
		free(img);
		return fail(v, "%s", v->opt.kernel ?
			    "--kernel needs a Linux kernel: a bzImage, or a vmlinux with a PVH entry note" :
			    "--initrd needs a Linux kernel (a bzImage, or a vmlinux with a PVH entry); this image is not one");
	}
	if (fmt == FMT_LINUX) {
		ret = vmm_load_linux(v, img, len);
		free(img);
		return ret;
	}
	if (fmt != FMT_FLAT && (len < SELFMAG || memcmp(img, ELFMAG, SELFMAG))) {
		free(img);
		return fail(v, "%s", "--format elf/multiboot given, but this is not an ELF file");
	}
	if (fmt == FMT_MULTIBOOT && img[EI_CLASS] != ELFCLASS32) {
		free(img);
		return fail(v, "%s", "multiboot images must be ELF32");
	}
	ret = fmt == FMT_FLAT ? load_flat(v, img, len) : load_elf(v, img, len);
	if (!ret && pvh)
		ret = vmm_start_pvh(v, pvh_entry, v->image_end);
	if (!ret && fmt == FMT_MULTIBOOT)
		ret = vmm_start_multiboot(v);	/* load_multiboot.c */
	free(img);
	return ret;
}

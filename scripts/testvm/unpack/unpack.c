// SPDX-License-Identifier: GPL-2.0
/*
 * unpack.c: decode the LZ4 image of vmlinux to where it runs.
 *
 * Called by entry.S in long mode with the first 4 GiB mapped one to one.
 * repack-kernel wrote struct unpack_info: where the LZ4 stream is (after
 * this stub), where vmlinux's image goes (its physical load address, the
 * first PT_LOAD segment's), how many bytes the stream decodes to, and how
 * far the image reaches.  The image's tail is all zero bytes (.bss and
 * friends, which the ELF file stores), so repack-kernel cuts it off and
 * this zeroes it instead.
 *
 * The stream is LZ4's "legacy" frame, the one lz4 -l writes and the
 * kernel's own decompressor reads: a magic number, then blocks of at most
 * 8 MiB of output, each a 32-bit compressed size and an LZ4 block.  A
 * block is a sequence of (literals, match) pairs, each led by a token
 * whose nibbles are the literal and match lengths; 15 means "add the next
 * bytes until one is not 255".  A match copies from "offset" bytes back in
 * the output, possibly overlapping what it writes.  The format is LZ4's
 * lz4_Block_format.md.  The input was made at build time from Debian's
 * kernel, so a bad stream is a build bug: the stub stops with HLT.
 */
typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long u64;

struct unpack_info {
	u64 magic;		/* "MVMPAPNK": repack-kernel found the struct */
	u64 dest;		/* physical address of vmlinux's image */
	u64 data_len;		/* bytes the LZ4 stream decodes to */
	u64 image_len;		/* bytes from dest the image occupies */
	u64 lz4_offset;		/* where the stream starts, from _start */
	u64 lz4_len;		/* its length */
	u64 entry;		/* startup_64's physical address */
	u64 reserved;
};

#define UNPACK_MAGIC	0x4b4e5041504d564dUL
#define LZ4_LEGACY	0x184c2102U

extern struct unpack_info unpack_info;
extern u8 _start[];

u64 unpack(void);

static void __attribute__((noreturn)) stop(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

static u32 get32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

static u64 extra_length(const u8 **src)
{
	u64 len = 0;
	u8 b;

	do {
		b = *(*src)++;
		len += b;
	} while (b == 255);
	return len;
}

/* rep movsb: Bochs runs a long string instruction as one step. */
static void copy(u8 *dst, const u8 *src, u64 n)
{
	asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static void fill(u8 *dst, u8 value, u64 n)
{
	asm volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(value) : "memory");
}

static u8 *lz4_block(u8 *dst, const u8 *src, const u8 *end)
{
	for (;;) {
		u8 token = *src++;
		u64 len = token >> 4, off;

		if (len == 15)
			len += extra_length(&src);
		copy(dst, src, len);
		dst += len;
		src += len;
		if (src >= end)		/* the last sequence has no match */
			return dst;

		off = src[0] | src[1] << 8;
		src += 2;
		len = token & 15;
		if (len == 15)
			len += extra_length(&src);
		len += 4;		/* the minimum match */
		if (off == 0)
			stop();
		if (off == 1) {		/* a run of one byte: zero pages */
			fill(dst, dst[-1], len);
		} else if (off >= len) {
			copy(dst, dst - off, len);
		} else {		/* overlapping: byte by byte, in order */
			for (u64 i = 0; i < len; i++)
				dst[i] = dst[i - off];
		}
		dst += len;
	}
}

u64 unpack(void)
{
	const struct unpack_info *in = &unpack_info;
	const u8 *src = _start + in->lz4_offset;
	const u8 *end = src + in->lz4_len;
	u8 *dst = (u8 *)in->dest;

	if (in->magic != UNPACK_MAGIC || get32(src) != LZ4_LEGACY)
		stop();
	src += 4;
	while (src < end) {
		u32 size = get32(src);

		src += 4;
		dst = lz4_block(dst, src, src + size);
		src += size;
	}
	if (dst != (u8 *)in->dest + in->data_len)
		stop();
	fill(dst, 0, in->image_len - in->data_len);
	return in->entry;
}

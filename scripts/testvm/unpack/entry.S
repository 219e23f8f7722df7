/* SPDX-License-Identifier: GPL-2.0 */
/*
 * entry.S: the first instructions of the test machine's repacked kernel.
 *
 * Debian's bzImage carries vmlinux compressed with XZ, and Bochs spends
 * most of a boot decompressing it one emulated instruction at a time.
 * scripts/testvm/repack-kernel keeps Debian's real-mode setup code and
 * replaces the protected-mode part (the decompressor and its XZ payload)
 * by this stub plus the same vmlinux, laid out by physical address and
 * compressed with LZ4, which decodes in a tenth of the instructions.
 *
 * The real-mode setup code enters here in 32-bit protected mode, paging
 * off, flat segments (Documentation/x86/boot.rst, "32-bit boot
 * protocol"), with %esi pointing at boot_params.  The stub is linked at
 * 0x100000 and the header it lives behind says "not relocatable", so the
 * boot loader puts it there.  Linux's own 64-bit entry, startup_64, wants
 * long mode with its image mapped one to one (the "64-bit boot protocol"),
 * so the stub enables long mode (SDM Vol. 3A, "Initializing IA-32e Mode"),
 * decodes the image in C (unpack.c), and jumps to it with %rsi unchanged.
 */

#define BOOT_CS		0x10	/* selectors the boot protocol names */
#define BOOT_DS		0x18
#define CR0_PE		0x00000001
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define MSR_EFER	0xc0000080
#define EFER_LME	0x00000100
#define PTE_PW		0x003	/* present, writable */
#define PTE_PWL		0x083	/* present, writable, 2 MiB page */

	.section .head, "ax"
	.code32
	.globl	_start
_start:
	jmp	start32

	/* Filled in by repack-kernel (struct unpack_info in unpack.c). */
	.balign	8
	.globl	unpack_info
unpack_info:
	.fill	8, 8, 0

start32:
	cli
	cld
	lgdt	gdt_desc
	movl	$BOOT_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	$stack_top, %esp

	/*
	 * One to one map of the first 4 GiB in 2 MiB pages: one PML4 entry,
	 * four PDPT entries, four page directories.
	 */
	movl	$pdpt + PTE_PW, pml4
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$pd + PTE_PW, %eax
	movl	%eax, pdpt(, %ecx, 8)
	incl	%ecx
	cmpl	$4, %ecx
	jb	1b

	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$PTE_PWL, %eax
	movl	%eax, pd(, %ecx, 8)
	movl	%ecx, %eax
	shrl	$11, %eax		/* bits 32 and up of the address */
	movl	%eax, pd + 4(, %ecx, 8)
	incl	%ecx
	cmpl	$4 * 512, %ecx
	jb	2b

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$CR0_PG | CR0_PE, %eax
	movl	%eax, %cr0
	ljmp	$BOOT_CS, $start64

	.code64
start64:
	movl	%esi, %r15d		/* boot_params, below 4 GiB */
	call	unpack			/* returns the kernel's entry */
	movq	%r15, %rsi
	jmp	*%rax

	.section .rodata
	.balign	8
gdt:
	.quad	0
	.quad	0
	.quad	0x00af9a000000ffff	/* BOOT_CS: 64-bit code */
	.quad	0x00cf92000000ffff	/* BOOT_DS: flat data */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	/*
	 * Page tables and stack are part of the file (PROGBITS), not .bss:
	 * the LZ4 stream is appended right after the file, where a .bss
	 * would lie.
	 */
	.section .tables, "aw", @progbits
	.balign	4096
pml4:	.fill	512, 8, 0
pdpt:	.fill	512, 8, 0
pd:	.fill	4 * 512, 8, 0
	.fill	4096, 4, 0
stack_top:

	.section .note.GNU-stack, "", @progbits

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvh_start.S - the PVH probe's ELF note and entries (pvhprobe.c).  The
 * note XEN_ELFNOTE_PHYS32_ENTRY (type 18, name "Xen") names pvh_entry,
 * which a PVH loader enters in 32-bit protected mode with EBX pointing to
 * struct hvm_start_info.  e_entry (_start) is another place on purpose:
 * a loader that ignored the note would exit with status 255.
 */
	.section .note.Xen, "a", @note
	.balign	4
	.long	4			/* namesz */
	.long	4			/* descsz */
	.long	18			/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz	"Xen"
	.balign	4
	.long	pvh_entry
	.balign	4

	.code32
	.section .text.start, "ax"
	.globl	_start
_start:
	movb	$0x7f, %al
	outb	%al, $0xf4
	hlt
pvh_entry:
	movl	$stack_top, %esp
	pushl	%ebx
	call	probe
	outb	%al, $0xf4
1:	hlt
	jmp	1b

	.section .bss
	.balign	16
	.skip	4096
stack_top:

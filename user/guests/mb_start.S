/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mb_start.S - entry of the multiboot guest: the loader leaves EAX = magic
 * and EBX = information structure, and no stack (the specification says
 * ESP is undefined), so set one up first.
 */
	.code32
	.section .text.start, "ax"
	.globl	_start
_start:
	mov	$stack_top, %esp
	push	%ebx
	push	%eax
	call	mb_main
	test	%eax, %eax
	jz	1f
	outb	%al, $0xf4
1:	hlt
	jmp	1b

	.bss
	.balign	16
	.space	4096
stack_top:

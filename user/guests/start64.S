/* SPDX-License-Identifier: GPL-2.0 */
/* start64.S - entry of the 64-bit C guests, in long mode, with a stack. */
	.code64
	.section .text.start, "ax"
	.globl	_start
_start:
	call	main
	test	%eax, %eax
	jz	1f
	outb	%al, $0xf4
1:	hlt
	jmp	1b
